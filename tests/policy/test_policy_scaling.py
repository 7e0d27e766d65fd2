"""Stack policies cost linear time in the number of resources, and a resource costs only the
policies of its type.

Wall-clock ratios are noisy, so the cost measured is the number of Python function calls a rule
makes (cProfile's count, deterministic for a given input): on a stack of 4x as many copies of the
baseline landing zone every stack policy must make at most about 4x as many calls. Each copy lives
in its own resource group with its own names and URNs but keeps its property values (account
names, RAI policy names, principal ids), as stacks that repeat one landing zone per environment do:
lookups by such values must be indexed, not rescanned per resource.

Per resource, the servicer calls only the resource policies of the resource's type (a type no
policy judges calls none), converts the properties once for all of them (exactly as pulumi_policy's
deserialization and proxies would read them), and builds configs, runtime settings and shared stack
lookup tables once per configuration or stack instead of once per resource or policy.
"""

from __future__ import annotations

import contextvars
import cProfile
import json
import math
import pstats
import re
from collections import Counter
from collections.abc import Sequence
from typing import Any

import pulumi
import pytest
from google.protobuf import json_format, struct_pb2
from policy_cases import BASELINES, STACK_BOUND, baseline_stack, changed, controls_mark
from pulumi.runtime.proto import analyzer_pb2
from pulumi_policy.deserialize import SPECIAL_SIG_KEY, deserialize_properties
from pulumi_policy.policy import _PolicyAnalyzerServicer
from pulumi_policy.proxy import unknown_checking_proxy

from pulumi_aizone_policy import scope, tokens as t
from pulumi_aizone_policy.config import PolicyConfig
from pulumi_aizone_policy.framework import PackResourcePolicy, ResourcePolicySpec, StackPolicySpec
from pulumi_aizone_policy.harness import UNKNOWN_VALUE, PackAnalyzer, StackItem, urn_for
from pulumi_aizone_policy.pack import AizoneAnalyzerServicer, build_servicer, plain_properties, stack_properties
from pulumi_aizone_policy.policies import ALL_SPECS
from pulumi_aizone_policy.stackindex import StackIndex, StackResource
from pulumi_aizone_policy.values import UNKNOWN, LazyProps, PlainProps, to_plain

STACK_SPECS = [spec for spec in ALL_SPECS if isinstance(spec, StackPolicySpec)]
SMALL, LARGE = 4, 16
# Linear cost: LARGE / SMALL times the calls, with slack for hash-order effects on small sets.
MAX_RATIO = LARGE / SMALL * 1.1
_RESOURCE_GROUP = re.compile(r"(/resourceGroups/rg)(?=/|$)", re.IGNORECASE)


def _renamed(value: Any, suffix: str) -> Any:
    """A property value with every id of the stack's resource group moved to `rg<suffix>`."""
    if isinstance(value, str):
        return _RESOURCE_GROUP.sub(rf"\g<1>{suffix}", value)
    if isinstance(value, list):
        return [_renamed(entry, suffix) for entry in value]
    if isinstance(value, dict):
        return {key: _renamed(entry, suffix) for key, entry in value.items()}
    return value


def cloned(stack: Sequence[StackItem], copies: int) -> list[StackItem]:
    """`copies` copies of a stack, each in its own resource group, with its own names and URNs."""
    result: list[StackItem] = []
    for copy in range(copies):
        suffix = f"-c{copy}"
        urns = {item.resolved_urn: item.urn + suffix if item.urn else urn_for(item.type, item.name + suffix) for item in stack}
        for item in stack:
            result.append(
                StackItem(
                    type=item.type,
                    name=item.name + suffix,
                    props=_renamed(item.props, suffix),
                    parent=urns.get(item.parent, item.parent),
                    dependencies=[urns.get(urn, urn) for urn in item.dependencies],
                    property_dependencies={prop: [urns.get(urn, urn) for urn in deps] for prop, deps in item.property_dependencies.items()},
                    urn=urns[item.resolved_urn],
                    protect=item.protect,
                )
            )
    return result


def index_of(stack: Sequence[StackItem]) -> StackIndex:
    """The stack index a stack policy receives for these items (plain dicts stand in for
    pulumi_policy's proxies: unknown sentinels read as UNKNOWN all the same)."""
    return StackIndex(
        StackResource(
            urn=item.resolved_urn,
            type=item.type,
            name=item.name,
            raw_props=item.props,
            parent=item.parent or None,
            dependencies=tuple(item.dependencies),
            property_dependencies={prop: tuple(deps) for prop, deps in item.property_dependencies.items()},
            protect=item.protect,
        )
        for item in stack
    )


def calls(spec: StackPolicySpec, stack: Sequence[StackItem]) -> int:
    """Python function calls one evaluation of a stack policy makes, default config, fresh index."""
    index = index_of(stack)
    settings = PolicyConfig(spec.config_schema, {})
    profile = cProfile.Profile()
    profile.runcall(lambda: list(spec.rule(index, settings)))
    return pstats.Stats(profile).total_calls  # type: ignore[attr-defined]


@pytest.mark.parametrize("preview", [True, False], ids=["preview", "deployed"])
@pytest.mark.parametrize("spec", [pytest.param(spec, id=spec.name, marks=controls_mark(spec.name)) for spec in STACK_SPECS])
def test_stack_policy_cost_is_linear(spec: StackPolicySpec, preview: bool) -> None:
    base = baseline_stack(preview)
    small, large = calls(spec, cloned(base, SMALL)), calls(spec, cloned(base, LARGE))
    assert large <= MAX_RATIO * small, f"{spec.name}: {small} calls for {SMALL} copies, {large} for {LARGE}"


# --- Per-resource cost: dispatch by type, one conversion per resource, caches per configuration ---

BOUNDARY = "azurenative-storage-storageaccount-boundary-tag"
SHARED_KEY = "azurenative-storage-storageaccount-disable-shared-key"


def counting_servicer() -> tuple[AizoneAnalyzerServicer, Counter[str]]:
    """The pack's servicer with every resource policy's check counting its calls by policy name."""
    servicer = build_servicer()
    counts: Counter[str] = Counter()
    for policy in servicer._policies():
        if isinstance(policy, PackResourcePolicy):
            check = policy.check

            def counted(args: Any, report: Any, name: str = policy.name, check: Any = check) -> None:
                counts[name] += 1
                check(args, report)

            policy.check = counted
    return servicer, counts


def resource_policies_of(type_token: str) -> set[str]:
    return {spec.name for spec in ALL_SPECS if isinstance(spec, ResourcePolicySpec) and type_token in spec.resource_types}


@pytest.mark.parametrize(
    "type_token",
    ["azure-native:network:VirtualNetwork", "random:index/randomString:RandomString", "aws:s3/bucket:Bucket", "pulumi:pulumi:Stack"],
)
def test_a_type_no_policy_judges_calls_no_resource_policy(type_token: str) -> None:
    assert not resource_policies_of(type_token)
    servicer, counts = counting_servicer()
    analyzer = PackAnalyzer({scope.SCOPE_POLICY: {"landingZone": "always", "conventions": True}}, servicer=servicer)
    assert analyzer.analyze(type_token, {"location": "swedencentral", "tags": {}}) == []
    assert counts == Counter()


@pytest.mark.parametrize(
    ("token", "canonical"),
    [
        (t.STORAGE_ACCOUNT, t.STORAGE_ACCOUNT),
        ("azure-native_storage_v20240101:storage:StorageAccount", t.STORAGE_ACCOUNT),
        ("azure-native:storage/v20230101:StorageAccount", t.STORAGE_ACCOUNT),
        ("azure-native:cognitiveservices/v20250601:Account", t.COGNITIVE_ACCOUNT),
        (t.AZ_STORAGE_ACCOUNT, t.AZ_STORAGE_ACCOUNT),
        (t.AZ_COGNITIVE_ACCOUNT, t.AZ_COGNITIVE_ACCOUNT),
    ],
)
def test_each_token_calls_exactly_the_policies_of_its_type_once(token: str, canonical: str) -> None:
    """Explicit API versions dispatch like the default version, classic tokens to the classic
    policies; the landing-zone ones included (mode always; the organisation's opt-in customer-managed
    keys too), nothing else, each policy once."""
    expected = resource_policies_of(canonical)
    assert expected
    later = expected & STACK_BOUND
    servicer, counts = counting_servicer()
    analyzer = PackAnalyzer(
        {scope.SCOPE_POLICY: {"landingZone": "always", "conventions": True, "customerManagedKeys": ["all"]}}, servicer=servicer
    )
    analyzer.analyze(token, BASELINES.get(canonical, {}))
    assert counts == Counter(expected - later)
    analyzer.analyze(token, BASELINES.get(canonical, {}))
    assert counts == Counter({name: 2 for name in expected - later})
    # The stack-bound ones judge the resource once the stack is known, once, and nothing else runs again.
    counts.clear()
    analyzer.analyze_stack([StackItem(type=token, name="res", props=BASELINES.get(canonical, {}))])
    assert counts == Counter(later)


def test_landing_zone_policies_wait_for_the_stack_until_it_is_known_to_be_an_ai_workload() -> None:
    """Mode auto, no stack tag: a storage account gets only universal policies in Analyze; a tag set
    later on the same pack (ConfigureStack) brings the landing-zone ones to Analyze."""
    universal = {name for name in resource_policies_of(t.STORAGE_ACCOUNT) if not scope.is_landing_zone(name) and name not in STACK_BOUND}
    servicer, counts = counting_servicer()
    analyzer = PackAnalyzer({scope.SCOPE_POLICY: {"conventions": True}}, servicer=servicer)
    untagged = changed(BASELINES[t.STORAGE_ACCOUNT], "tags", {})
    assert analyzer.analyze(t.STORAGE_ACCOUNT, untagged) == []
    assert counts == Counter(universal)
    servicer.ConfigureStack(
        analyzer_pb2.AnalyzerStackConfigureRequest(stack="dev", project="aizone", dry_run=True, tags={scope.WORKLOAD_TAG: "ai"}), None
    )
    counts.clear()
    found = analyzer.analyze(t.STORAGE_ACCOUNT, untagged)
    # Every policy of the type but the stack-bound ones (AnalyzeStack) and customer-managed keys,
    # which this configuration does not require.
    assert counts == Counter(resource_policies_of(t.STORAGE_ACCOUNT) - STACK_BOUND - scope.CUSTOMER_MANAGED_KEYS)
    assert [item.policy for item in found if item.level == "mandatory"] == [BOUNDARY]


def test_a_new_configuration_replaces_the_cached_one() -> None:
    """Policies build their config once per configuration: reconfiguring the same pack (an
    exemption, then none) changes the verdict at once."""
    analyzer = PackAnalyzer()
    props = changed(BASELINES[t.STORAGE_ACCOUNT], "allowSharedKeyAccess", True)
    assert [item.level for item in analyzer.analyze(t.STORAGE_ACCOUNT, props, name="data") if item.policy == SHARED_KEY] == ["mandatory"]
    exemption = {"resource": "data", "reason": "migration window", "expires": "2999-12-31"}
    analyzer.configure({SHARED_KEY: {"exemptions": [exemption]}})
    exempted = [item for item in analyzer.analyze(t.STORAGE_ACCOUNT, props, name="data") if item.policy == SHARED_KEY]
    assert [item.level for item in exempted] == ["advisory"] and "exempted until 2999-12-31: migration window" in exempted[0].message
    analyzer.configure({})
    assert [item.level for item in analyzer.analyze(t.STORAGE_ACCOUNT, props, name="data") if item.policy == SHARED_KEY] == ["mandatory"]


SECRET = {SPECIAL_SIG_KEY: "1b47061264138c4ac30d75fd1eb44270", "value": {"key": "s3cret", "nested": [UNKNOWN_VALUE]}}
ASSET = {SPECIAL_SIG_KEY: "c44067f5952c0a294b673a41bacd8c17", "text": "hello"}
PROPERTIES: dict[str, Any] = {
    "name": "acct",
    "unknownString": UNKNOWN_VALUE,
    "unknownObject": "dd056dcd-154b-4c76-9bd3-c8f88648b5ff",
    "number": 3.0,
    "fraction": 0.25,
    "flag": False,
    "nothing": None,
    "list": ["a", 1.0, True, None, [UNKNOWN_VALUE, {"deep": "1c4a061d-8072-4f0a-a4cb-0ff528b18fe7"}], {}],
    "properties": {"networkAcls": {"defaultAction": "Deny", "ipRules": []}, "empty": {}},
    "secret": SECRET,
    "secretsInList": [SECRET, {"plain": SECRET}],
}


def _reference(struct: struct_pb2.Struct) -> Any:
    """What policies were handed before: pulumi_policy's deserialization, proxies, then to_plain."""
    return to_plain(unknown_checking_proxy(deserialize_properties(json_format.MessageToDict(struct))))


def test_properties_are_converted_as_pulumi_policy_would_deserialize_them() -> None:
    struct = struct_pb2.Struct()
    struct.update(PROPERTIES)
    struct.fields["unset"].CopyFrom(struct_pb2.Value())  # a Value with no kind reads as null
    converted = plain_properties(struct)
    assert isinstance(converted, PlainProps)
    plain: Any = converted
    assert plain == _reference(struct)
    assert plain["unknownString"] is UNKNOWN and plain["list"][4][1]["deep"] is UNKNOWN
    assert plain["secret"] == {"key": "s3cret", "nested": [UNKNOWN]} and plain["unset"] is None


def test_assets_and_non_finite_numbers_follow_pulumi_policy() -> None:
    struct = struct_pb2.Struct()
    struct.update({"code": ASSET, "inList": [ASSET]})
    plain: Any = plain_properties(struct)
    reference = _reference(struct)
    assert isinstance(plain["code"], pulumi.StringAsset) and plain["code"].text == reference["code"].text == "hello"
    assert isinstance(plain["inList"][0], pulumi.StringAsset)
    bad = struct_pb2.Struct()
    bad.update({"ratio": {"value": math.inf}})
    with pytest.raises(ValueError, match="Infinity") as expected:
        _reference(bad)
    with pytest.raises(type(expected.value), match="Infinity"):
        plain_properties(bad)


def test_a_stack_resource_reads_converted_properties_as_it_reads_proxies() -> None:
    """Stack resources' properties are converted key by key on first read (LazyProps); every read
    equals what the proxies gave, and so does the whole property set."""
    struct = struct_pb2.Struct()
    struct.update(PROPERTIES)
    proxied = StackResource(
        "urn:p", t.STORAGE_ACCOUNT, "p", unknown_checking_proxy(deserialize_properties(json_format.MessageToDict(struct))), None, (), {}
    )
    converted = [
        StackResource("urn:a", t.STORAGE_ACCOUNT, "a", plain_properties(struct), None, (), {}),
        StackResource("urn:b", t.STORAGE_ACCOUNT, "b", stack_properties(struct), None, (), {}),
    ]
    assert isinstance(converted[1].raw_props, LazyProps)
    for path in ("name", "unknownString", "properties.networkAcls.defaultAction", "list", "secret.key", "missing.path", "nothing.x"):
        for resource in converted:
            assert resource.get(path) == proxied.get(path), path
    lazy = stack_properties(struct)
    assert lazy.get("missing") is None and "missing" not in lazy and "missing" not in struct.fields  # reads add nothing
    for resource in converted:
        assert resource.props == proxied.props


def test_a_non_finite_number_fails_the_stack_as_pulumi_policy_does() -> None:
    """Infinity or NaN anywhere in a stack resource fails AnalyzeStack (pulumi_policy's
    deserialization raises), whether or not a policy reads the property: no silent pass."""
    for number in (math.inf, -math.inf, math.nan):
        struct = struct_pb2.Struct()
        struct.update({"properties": {"retentionInDays": number}})
        with pytest.raises(ValueError, match="serialize"):
            _reference(struct)
        with pytest.raises(ValueError, match="serialize"):
            stack_properties(struct)
        with pytest.raises(ValueError, match="serialize"):
            PackAnalyzer().analyze_stack([StackItem(t.STORAGE_ACCOUNT, "data", {"location": "x", "unread": [{"n": number}]})])
    finite = struct_pb2.Struct()
    finite.update({"big": 1e308, "small": -5e-324, "zero": 0.0})
    assert isinstance(stack_properties(finite), LazyProps)


def test_stack_lookup_tables_are_built_once_per_stack() -> None:
    index = index_of(baseline_stack(False))
    builds: list[StackIndex] = []

    def build(stack: StackIndex) -> int:
        builds.append(stack)
        return len(stack.resources)

    assert index.derived(build) == index.derived(build) == len(index.resources)
    assert builds == [index]
    other = index_of(baseline_stack(False))
    other.derived(build)
    assert builds == [index, other]


def test_runtime_settings_match_pulumi_policy_per_request(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each gRPC call runs in a fresh context: the pack configures the Pulumi runtime there exactly as
    pulumi_policy would (stack config, project, stack, dry run, organization), and notices a changed
    environment."""
    servicer = build_servicer()
    monkeypatch.setenv("PULUMI_PROJECT", "aizone")
    monkeypatch.setenv("PULUMI_STACK", "dev")
    monkeypatch.setenv("PULUMI_DRY_RUN", "true")
    monkeypatch.setenv("PULUMI_ORGANIZATION", "contoso")
    monkeypatch.setenv("PULUMI_CONFIG", json.dumps({"aizone:location": "swedencentral"}))

    def observed(configure: Any) -> tuple[object, ...]:
        def run() -> tuple[object, ...]:
            # set_config writes into the context's config dict, by default one shared by the
            # whole process: give this context its own so nothing leaks into other tests.
            pulumi.runtime.config.CONFIG.set({})
            configure()
            return (
                pulumi.get_project(),
                pulumi.get_stack(),
                pulumi.runtime.is_dry_run(),
                pulumi.get_organization(),
                pulumi.Config("aizone").get("location"),
            )

        return contextvars.Context().run(run)

    expected = observed(lambda: _PolicyAnalyzerServicer._configure_runtime_settings(servicer))
    assert expected == ("aizone", "dev", True, "contoso", "swedencentral")
    assert observed(servicer._configure_runtime_settings) == expected
    assert observed(servicer._configure_runtime_settings) == expected
    monkeypatch.setenv("PULUMI_STACK", "prod")
    monkeypatch.setenv("PULUMI_CONFIG", json.dumps({"aizone:location": "westeurope"}))
    assert observed(servicer._configure_runtime_settings) == ("aizone", "prod", True, "contoso", "westeurope")
