"""The framework around the rules: exemptions, enforcement overrides, config, unknown values,
robustness against any property shape, internal errors, the metadata the CLI shows and the
boundaries between the pack's modules."""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
from google.protobuf import json_format, struct_pb2
from policy_cases import BASELINES, DELETE, baseline_stack, changed, diagnostics_of, replace_item
from pulumi.runtime.proto import analyzer_pb2
from pulumi_policy import EnforcementLevel
from pulumi_policy.policy import _PolicyAnalyzerServicer

from pulumi_aizone_policy import catalog, tokens as t
from pulumi_aizone_policy.config import validate
from pulumi_aizone_policy.framework import Field, ResourcePolicySpec, StackPolicySpec, build_policy
from pulumi_aizone_policy.harness import UNKNOWN_VALUE, PackAnalyzer
from pulumi_aizone_policy.pack import AizoneAnalyzerServicer, build_policies
from pulumi_aizone_policy.policies import ALL_SPECS
from pulumi_aizone_policy.scope import SCOPE_POLICY

MakeAnalyzer = Callable[[Mapping[str, Any]], PackAnalyzer]
LOCAL_AUTH = "azurenative-cognitiveservices-account-disable-local-auth"
WEAK_ACCOUNT = changed(BASELINES[t.COGNITIVE_ACCOUNT], "properties.disableLocalAuth", False)


def _exemption(resource: str, expires: str = "2999-12-31", reason: str = "migration to Entra ID in progress (SEC-42)") -> dict[str, Any]:
    return {LOCAL_AUTH: {"exemptions": [{"resource": resource, "reason": reason, "expires": expires}]}}


# --- Exemptions ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "resource", ["legacy-ai", "urn:pulumi:dev::aizone::azure-native:cognitiveservices:Account::legacy-ai", "legacy-*", "*::legacy-ai"]
)
def test_exemption_turns_violation_into_advisory_note(make_analyzer: MakeAnalyzer, resource: str) -> None:
    diagnostics = make_analyzer(_exemption(resource)).analyze(t.COGNITIVE_ACCOUNT, WEAK_ACCOUNT, name="legacy-ai")
    assert [(item.policy, item.level) for item in diagnostics] == [(LOCAL_AUTH, "advisory")]
    message = diagnostics[0].message
    assert "[ACC-1] exempted until 2999-12-31: migration to Entra ID in progress (SEC-42)." in message
    assert "Exempted finding: Cognitive Services account 'legacy-ai' allows key (local) authentication" in message


def test_exemption_applies_only_to_matching_resources(make_analyzer: MakeAnalyzer) -> None:
    diagnostics = make_analyzer(_exemption("legacy-*")).analyze(t.COGNITIVE_ACCOUNT, WEAK_ACCOUNT, name="new-ai")
    assert [(item.policy, item.level) for item in diagnostics] == [(LOCAL_AUTH, "mandatory")]


def test_expired_exemption_is_ignored_and_says_so(make_analyzer: MakeAnalyzer) -> None:
    diagnostics = make_analyzer(_exemption("legacy-ai", expires="2001-01-31")).analyze(t.COGNITIVE_ACCOUNT, WEAK_ACCOUNT, name="legacy-ai")
    assert [(item.policy, item.level) for item in diagnostics] == [(LOCAL_AUTH, "mandatory")]
    assert "the exemption for 'legacy-ai' expired on 2001-01-31 (migration to Entra ID in progress (SEC-42))" in diagnostics[0].message


def test_exemption_of_a_stack_policy(make_analyzer: MakeAnalyzer) -> None:
    policy = "azurenative-monitor-diagnosticsetting-central-logging"
    stack = [item for item in baseline_stack(preview=True) if item.name != "kv-diag"]
    config = {policy: {"exemptions": [{"resource": "kv", "reason": "vault logs go to the SOC workspace", "expires": "2999-01-01"}]}}
    diagnostics = [
        item for item in make_analyzer(config).analyze_stack(stack) if item.policy != "azurenative-resources-stack-unjudged-types"
    ]
    assert [(item.policy, item.level) for item in diagnostics] == [(policy, "advisory")]
    assert "exempted until 2999-01-01: vault logs go to the SOC workspace" in diagnostics[0].message


@pytest.mark.parametrize(
    ("entry", "error"),
    [
        ({"resource": "ai", "expires": "2030-01-01"}, "reason is required"),
        ({"resource": "ai", "reason": "   ", "expires": "2030-01-01"}, "does not match"),
        ({"resource": "ai", "reason": "ok"}, "expires is required"),
        ({"resource": "ai", "reason": "ok", "expires": "31/12/2030"}, "does not match"),
        ({"reason": "ok", "expires": "2030-01-01"}, "resource is required"),
        ({"resource": "ai", "reason": "ok", "expires": "2030-01-01", "owner": "me"}, "unexpected property owner"),
    ],
)
def test_exemption_schema_rejects_incomplete_entries(make_analyzer: MakeAnalyzer, entry: dict[str, Any], error: str) -> None:
    with pytest.raises(ValueError, match=re.escape(error)):
        make_analyzer({LOCAL_AUTH: {"exemptions": [entry]}})


def _configure_unchecked(analyzer: PackAnalyzer, policy: str, properties: Mapping[str, Any], conventions: bool = False) -> None:
    """Configure the servicer directly, as a driver that skips the CLI's schema validation would
    (with `conventions`, the organisation's scope config turning the conventions on too)."""
    configs = {policy: dict(properties)}
    if conventions:
        configs[SCOPE_POLICY] = {"conventions": True}
    policy_config = {}
    for name, values in configs.items():
        struct = struct_pb2.Struct()
        struct.update(values)
        policy_config[name] = analyzer_pb2.PolicyConfig(enforcementLevel=analyzer_pb2.MANDATORY, properties=struct)
    analyzer.servicer.Configure(analyzer_pb2.ConfigureAnalyzerRequest(policyConfig=policy_config), None)


def test_malformed_exemption_is_ignored_at_run_time_and_reported() -> None:
    analyzer = PackAnalyzer()
    _configure_unchecked(analyzer, LOCAL_AUTH, {"exemptions": [{"resource": "legacy-ai", "expires": "2999-01-01"}]})
    diagnostics = analyzer.analyze(t.COGNITIVE_ACCOUNT, WEAK_ACCOUNT, name="legacy-ai")
    assert [(item.policy, item.level) for item in diagnostics] == [(LOCAL_AUTH, "mandatory")]
    assert "ignored exemption: exemptions[0] for 'legacy-ai' has no reason" in diagnostics[0].message


# --- Enforcement levels and config ----------------------------------------------------------------


def test_default_levels_come_from_the_catalog(analyzer: PackAnalyzer) -> None:
    for spec in ALL_SPECS:
        expected = "advisory" if spec.level == "advisory" or catalog.default_level(spec.controls) == "A" else "mandatory"
        assert next(info.level for info in analyzer.policies if info.name == spec.name) == expected


@pytest.mark.parametrize(
    ("config", "level"),
    [
        ({LOCAL_AUTH: "advisory"}, "advisory"),
        ({LOCAL_AUTH: {"enforcementLevel": "advisory"}}, "advisory"),
        ({"all": "advisory"}, "advisory"),
        ({"all": "advisory", LOCAL_AUTH: "mandatory"}, "mandatory"),
        ({"all": "disabled"}, None),
        ({LOCAL_AUTH: "disabled"}, None),
    ],
)
def test_enforcement_level_override(make_analyzer: MakeAnalyzer, config: dict[str, Any], level: str | None) -> None:
    diagnostics = make_analyzer(config).analyze(t.COGNITIVE_ACCOUNT, WEAK_ACCOUNT)
    assert [item.level for item in diagnostics] == ([level] if level else [])


def test_invalid_enforcement_level_is_rejected(make_analyzer: MakeAnalyzer) -> None:
    with pytest.raises(ValueError, match="'sometimes' is not an enforcement level"):
        make_analyzer({LOCAL_AUTH: "sometimes"})


@pytest.mark.parametrize(
    ("config", "type_token", "path", "value", "policy"),
    [
        (
            {
                "azurenative-cognitiveservices-deployment-approved-model": {
                    "allowedModels": [{"format": "Microsoft", "name": "Phi-4", "version": "7"}]
                }
            },
            t.COGNITIVE_DEPLOYMENT,
            "properties.model",
            {"format": "Microsoft", "name": "Phi-4", "version": "7"},
            None,
        ),
        (
            {
                "azurenative-cognitiveservices-deployment-approved-model": {
                    "allowedModels": [{"format": "Microsoft", "name": "Phi-4", "version": "7"}]
                }
            },
            t.COGNITIVE_DEPLOYMENT,
            "properties.model.name",
            "gpt-5.1",
            "azurenative-cognitiveservices-deployment-approved-model",
        ),
        (
            {"azurenative-cognitiveservices-account-allowed-kind": {"allowedKinds": ["AIServices"]}},
            t.COGNITIVE_ACCOUNT,
            "kind",
            "OpenAI",
            "azurenative-cognitiveservices-account-allowed-kind",
        ),
        (
            {"azurenative-cognitiveservices-deployment-capacity-cap": {"maxCapacity": 10}},
            t.COGNITIVE_DEPLOYMENT,
            "sku.capacity",
            50,
            "azurenative-cognitiveservices-deployment-capacity-cap",
        ),
        (
            {"azurenative-cognitiveservices-raipolicy-prompt-shields": {"maxSeverityThreshold": "High"}},
            t.RAI_POLICY,
            "properties.contentFilters.2.severityThreshold",
            "High",
            None,
        ),
        (
            {"azurenative-cognitiveservices-raipolicy-prompt-shields": {"maxSeverityThreshold": "Low"}},
            t.RAI_POLICY,
            "properties.contentFilters.4.enabled",
            True,
            "azurenative-cognitiveservices-raipolicy-prompt-shields",
        ),
        (
            {"azurenative-apimanagement-service-restrict-public-network-access": {"allowPublicGateway": True}},
            t.APIM_SERVICE,
            "virtualNetworkType",
            "None",
            None,
        ),
    ],
)
def test_policy_config(
    make_analyzer: MakeAnalyzer, config: dict[str, Any], type_token: str, path: str, value: object, policy: str | None
) -> None:
    diagnostics = make_analyzer(config).analyze(type_token, changed(BASELINES[type_token], path, value))
    assert {item.policy for item in diagnostics} == ({policy} if policy else set())


@pytest.mark.parametrize(
    ("config", "error"),
    [
        ({"azurenative-cognitiveservices-deployment-capacity-cap": {"maxCapacity": "lots"}}, "maxCapacity: expected number"),
        ({"azurenative-cognitiveservices-deployment-approved-model": {"allowedModels": [{"name": "gpt-4o"}]}}, "format is required"),
        ({"azurenative-cognitiveservices-raipolicy-prompt-shields": {"maxSeverityThreshold": "Extreme"}}, "is not one of"),
        # The schema the harness validates against came through GetAnalyzerInfo (minLength 1.0).
        (
            {"azurenative-cognitiveservices-account-allowed-kind": {"allowedKinds": ["AIServices", ""]}},
            "allowedKinds[1]: must not be empty",
        ),
        (
            {
                "azurenative-cognitiveservices-deployment-approved-model": {
                    "allowedModels": [{"format": "OpenAI", "name": "", "version": "1"}]
                }
            },
            "allowedModels[0].name: must not be empty",
        ),
    ],
)
def test_invalid_config_is_rejected(make_analyzer: MakeAnalyzer, config: dict[str, Any], error: str) -> None:
    with pytest.raises(ValueError, match=re.escape(error)):
        make_analyzer(config)


def _round_tripped(schema: Mapping[str, Any]) -> dict[str, Any]:
    """A schema as it comes out of a protobuf Struct: every number a float."""
    struct = struct_pb2.Struct()
    struct.update({"schema": dict(schema)})
    return json_format.MessageToDict(struct)["schema"]


def test_integer_keywords_survive_a_protobuf_round_trip() -> None:
    schema = _round_tripped({"type": "array", "minItems": 1, "items": {"type": "string", "minLength": 1}})
    assert schema["minItems"] == 1.0 and isinstance(schema["items"]["minLength"], float)
    assert validate(["AIServices", ""], schema, "allowedKinds") == ["allowedKinds[1]: must not be empty"]
    assert validate([], schema, "allowedKinds") == ["allowedKinds: needs at least 1 item(s)"]
    assert validate(["AIServices"], schema, "allowedKinds") == []
    assert validate(["ab"], _round_tripped({"type": "array", "items": {"type": "string", "minLength": 3}})) == [
        "config[0]: needs at least 3 character(s)"
    ]


def test_wrongly_typed_config_falls_back_to_default_at_run_time() -> None:
    analyzer = PackAnalyzer()
    _configure_unchecked(analyzer, "azurenative-cognitiveservices-deployment-capacity-cap", {"maxCapacity": "lots"}, conventions=True)
    props = changed(BASELINES[t.COGNITIVE_DEPLOYMENT], "sku.capacity", 101)
    caught = diagnostics_of(analyzer.analyze(t.COGNITIVE_DEPLOYMENT, props), "azurenative-cognitiveservices-deployment-capacity-cap")
    assert len(caught) == 1 and "above the cap of 100" in caught[0].message


# --- Unknown values and odd shapes --------------------------------------------------------------------


@pytest.mark.parametrize("sentinel", [UNKNOWN_VALUE, "1c4a061d-8072-4f0a-a4cb-0ff528b18fe7", "dd056dcd-154b-4c76-9bd3-c8f88648b5ff"])
def test_unknown_value_is_an_advisory_note(analyzer: PackAnalyzer, sentinel: str) -> None:
    props = changed(BASELINES[t.COGNITIVE_ACCOUNT], "properties.disableLocalAuth", sentinel)
    diagnostics = analyzer.analyze(t.COGNITIVE_ACCOUNT, props, name="ai")
    assert [(item.policy, item.level) for item in diagnostics] == [(LOCAL_AUTH, "advisory")]
    assert "[ACC-1] Cognitive Services account 'ai': properties.disableLocalAuth is unknown until apply" in diagnostics[0].message


def _paths(value: object, prefix: str = "") -> Iterator[str]:
    """Every dotted path (list indexes included) of a baseline."""
    if isinstance(value, dict):
        for key, item in value.items():
            path = f"{prefix}{key}"
            yield path
            yield from _paths(item, f"{path}.")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            path = f"{prefix}{index}"
            yield path
            yield from _paths(item, f"{path}.")


ODD_VALUES: tuple[object, ...] = (DELETE, None, "text", 7, {}, [None], UNKNOWN_VALUE)


def _resource_fuzz_cases() -> list[Any]:
    return [
        pytest.param(type_token, path, id=f"{type_token.rsplit(':', 1)[-1]}.{path}")
        for type_token, baseline in sorted(BASELINES.items())
        for path in _paths(baseline)
    ]


@pytest.mark.parametrize(("type_token", "path"), _resource_fuzz_cases())
def test_resource_policies_survive_any_shape(analyzer: PackAnalyzer, type_token: str, path: str) -> None:
    """Whatever a property holds, no policy crashes; an unknown value never yields a violation."""
    for value in ODD_VALUES:
        diagnostics = analyzer.analyze(type_token, changed(BASELINES[type_token], path, value))
        assert not [item for item in diagnostics if "internal error" in item.message], (value, diagnostics)
        if value == UNKNOWN_VALUE:
            assert diagnostics_of(diagnostics, level="mandatory") == [], diagnostics


# Top-level properties stack policies read: those of their declared fields, plus outputs.
_STACK_READ_KEYS = {
    field.path.split(".", 1)[0].removesuffix("[]") for spec in ALL_SPECS if isinstance(spec, StackPolicySpec) for field in spec.fields
} | {"id", "name", "identity", "objectId", "principalId"}


def _stack_fuzz_cases() -> list[Any]:
    return [
        pytest.param(item.name, key, id=f"{item.name}.{key}")
        for item in baseline_stack(preview=True)
        for key in item.props
        if key in _STACK_READ_KEYS
    ]


@pytest.mark.parametrize(("name", "key"), _stack_fuzz_cases())
def test_stack_policies_survive_any_shape(analyzer: PackAnalyzer, name: str, key: str) -> None:
    for value in (None, "text", {}, [None], UNKNOWN_VALUE):
        stack = baseline_stack(preview=True)
        original = next(item for item in stack if item.name == name)
        stack = replace_item(stack, name, props=changed(original.props, key, value))
        diagnostics = analyzer.analyze_stack(stack)
        assert not [item for item in diagnostics if "internal error" in item.message], (value, diagnostics)
        if value == UNKNOWN_VALUE:
            assert diagnostics_of(diagnostics, level="mandatory") == [], diagnostics


def test_rule_error_becomes_an_advisory_note_not_a_crash() -> None:
    def broken(_resource: object, _config: object) -> list[Any]:
        raise ZeroDivisionError("boom")

    spec = ResourcePolicySpec(
        name="azure-test-resource-broken",
        controls=("ACC-1",),
        description="A rule that fails.",
        severity="low",
        remediation="None.",
        fields=(Field(t.COGNITIVE_ACCOUNT, "kind"),),
        resource_types=(t.COGNITIVE_ACCOUNT,),
        rule=broken,
    )
    servicer = AizoneAnalyzerServicer("test-pack", "0.0.1", [build_policy(spec)], EnforcementLevel.MANDATORY)
    diagnostics = PackAnalyzer(servicer=servicer).analyze(t.COGNITIVE_ACCOUNT, BASELINES[t.COGNITIVE_ACCOUNT])
    assert [
        (item.level, "internal error while evaluating policy 'azure-test-resource-broken' (ZeroDivisionError: boom)" in item.message)
        for item in diagnostics
    ] == [("advisory", True)]


def test_policies_also_run_under_the_stock_servicer() -> None:
    """Under pulumi_policy's own servicer the pack works too; notes then keep the policy's level."""
    servicer = _PolicyAnalyzerServicer("stock", "0.0.1", build_policies(), EnforcementLevel.MANDATORY)
    props = changed(BASELINES[t.COGNITIVE_ACCOUNT], "properties.disableLocalAuth", UNKNOWN_VALUE)
    diagnostics = PackAnalyzer(servicer=servicer).analyze(t.COGNITIVE_ACCOUNT, props)
    assert [(item.policy, item.level) for item in diagnostics] == [(LOCAL_AUTH, "mandatory")]
    assert "is unknown until apply" in diagnostics[0].message


def test_in_process_analysis_refuses_a_pulumi_runtime_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("PULUMI_PROJECT", "PULUMI_STACK", "PULUMI_DRY_RUN"):
        monkeypatch.setenv(name, "x")
    with pytest.raises(RuntimeError, match="reconfigure the Pulumi runtime"):
        PackAnalyzer()


# --- Module structure ----------------------------------------------------------------------------------


def test_modules_import_no_private_names_of_each_other() -> None:
    """What several rule families share is public (rbac.py, diagnostic_links.py, stackindex.py):
    no module of the pack imports another one's underscore names."""
    package = Path(catalog.__file__).resolve().parent
    private = [
        f"{path.relative_to(package)}:{node.lineno} imports {alias.name}"
        for path in sorted(package.rglob("*.py"))
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.ImportFrom) and node.level > 0
        for alias in node.names
        if alias.name.startswith("_")
    ]
    assert private == []
