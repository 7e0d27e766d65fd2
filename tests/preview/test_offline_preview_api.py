"""The Python API in-process (program under mocks + pack over gRPC), and the pure helpers."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest
from preview_support import PACK, PROGRAM
from pulumi.runtime.mocks import MockCallArgs, MockResourceArgs

from pulumi_aizone_gate import (
    PolicyPackError,
    PreviewResult,
    ProgramConfigError,
    RecordedResource,
    analyze_resources,
    run,
    to_json,
)
from pulumi_aizone_gate.analyzer import PolicyPackSession
from pulumi_aizone_gate.azure_mocks import SUBSCRIPTION_ID, AzureMocks
from pulumi_aizone_gate.errors import ConfigurationError
from pulumi_aizone_gate.findings import control_ids
from pulumi_aizone_gate.model import AnalyzerInfo, PolicyInfo
from pulumi_aizone_gate.policy_config import load_policy_config, reconcile
from pulumi_aizone_gate.preview_state import preview_state
from pulumi_aizone_gate.project import SECRET_PLACEHOLDER, load_project
from pulumi_aizone_gate.recorder import duration_seconds
from pulumi_aizone_gate.wire import RESOURCE_REFERENCE_SIG, SIG_KEY, UNKNOWN, analyzer_value
from tests.report_schema import check_report

ACCOUNT = "azure-native:cognitiveservices:Account"
DEPLOYMENT = "azure-native:cognitiveservices:Deployment"
RG_ID = f"/subscriptions/{SUBSCRIPTION_ID}/resourceGroups/rg-fixture"


@pytest.fixture(scope="module")
def insecure() -> PreviewResult:
    """One in-process preview of the insecure stack, shared by the tests below."""
    return run(PROGRAM, "insecure", PACK)


def _by_type(result: PreviewResult, resource_type: str) -> RecordedResource:
    return next(r for r in result.resources if r.type == resource_type)


def test_recorded_inputs_use_wire_camel_case_names(insecure: PreviewResult) -> None:
    account = _by_type(insecure, ACCOUNT)
    assert account.inputs["accountName"] == "ai-account"
    # group.name is computed by the provider: unknown during a preview, sent as the engine sends it.
    assert account.inputs["resourceGroupName"] == UNKNOWN
    assert account.inputs["properties"]["disableLocalAuth"] is False
    assert account.inputs["properties"]["publicNetworkAccess"] == "Disabled"
    assert not [key for key in [*account.inputs, *account.inputs["properties"]] if "_" in key]


def test_preview_state_is_azure_natives_preview_and_computed_outputs_are_unknown(insecure: PreviewResult) -> None:
    """``pulumi preview`` semantics: a resource to be created has no id yet, its state is what
    azure-native's Create(preview=true) answers (PreviewOutputs, preview_state.py): the inputs
    that are outputs, and what only Azure computes (ids, endpoints) unknown; inputs that are not
    outputs (path parameters) are not part of it."""
    account = _by_type(insecure, ACCOUNT)
    assert account.id is None
    assert account.outputs == preview_state(ACCOUNT, account.inputs)
    assert account.outputs["properties"]["disableLocalAuth"] is False
    assert account.outputs["properties"]["endpoint"] == UNKNOWN
    assert account.outputs["id"] == UNKNOWN
    assert "accountName" not in account.outputs and "resourceGroupName" not in account.outputs
    deployment = _by_type(insecure, DEPLOYMENT)
    assert deployment.id is None
    assert deployment.property_dependencies["accountName"] == [account.urn]
    stack = _by_type(insecure, "pulumi:pulumi:Stack")
    # Only Azure knows it: the account's properties hold an unknown endpoint, so the component's
    # apply on them does not run and the export is unknown (the gate used to echo the inputs, the
    # apply ran on them and exported nothing).
    assert stack.outputs["endpoint"] == UNKNOWN
    assert stack.outputs["tenant"] == "11111111-1111-1111-1111-111111111111"  # invokes are answered in a preview


def test_options_and_default_provider_are_recorded(insecure: PreviewResult) -> None:
    group = _by_type(insecure, "azure-native:resources:ResourceGroup")
    assert group.options.protect is True
    assert group.options.ignore_changes == ("tags",)
    provider = _by_type(insecure, "pulumi:providers:azure-native")
    assert provider.synthesized and provider.inputs == {"location": "westeurope", "version": "3.29.0"}
    assert group.provider is not None and group.provider.startswith(provider.urn + "::")
    assert insecure.invokes == {"azure-native:authorization:getClientConfig": 1}


def test_findings_and_json(insecure: PreviewResult) -> None:
    assert insecure.mandatory_count == 2
    assert [f.controls for f in insecure.findings if f.level == "mandatory"] == [("ACC-1",), ("MOD-3",)]
    document = check_report(to_json(insecure))
    assert document["summary"] == {
        "resources": 6,
        "mandatory": 2,
        "advisory": 1,
        "evaluations": {"failed": 3, "passed": 10, "notApplicable": 0, "disabledPolicies": 0},
    }


def test_streamed_findings_equal_one_conversation_over_the_finished_plan(insecure: PreviewResult) -> None:
    """``run`` analyses each resource while the program still registers; the findings (and their
    order: the plan's) are exactly those of analysing the finished plan in one conversation."""
    project = load_project(PROGRAM, "insecure")
    batch = analyze_resources(insecure.resources, PACK, project=insecure.project, stack=insecure.stack, config=project.config)
    assert len(insecure.findings) == 3
    assert insecure.findings == batch.findings
    assert insecure.analysis.not_applicable == batch.not_applicable


def test_streamed_analysis_refuses_a_plan_it_did_not_analyse_in_full() -> None:
    """The verdict covers exactly the plan: a registered resource that was never analysed (or one
    analysed that is not in the plan) leaves no verdict."""
    stack = RecordedResource(urn="urn:pulumi:s::p::pulumi:pulumi:Stack::p-s", type="pulumi:pulumi:Stack", name="p-s", custom=False)
    account = RecordedResource(
        urn=f"urn:pulumi:s::p::{ACCOUNT}::a", type=ACCOUNT, name="a", custom=True, inputs={"properties": {"disableLocalAuth": True}}
    )
    with PolicyPackSession.start(PACK, "p", "s") as session:
        stream = session.stream()
        stream.submit(stack)
        with pytest.raises(PolicyPackError, match="analysed 1 resources, the plan has 2; no verdict"):
            stream.finish([stack, account])
    with PolicyPackSession.start(PACK, "p", "s") as session:
        stream = session.stream()
        stream.submit(stack)
        stream.submit(account)
        with pytest.raises(PolicyPackError, match="analysed 2 resources, the plan has 1; no verdict"):
            stream.finish([stack])
    with PolicyPackSession.start(PACK, "p", "s") as session:
        stream = session.stream()
        stream.submit(account)
        stream.submit(account)
        with pytest.raises(PolicyPackError, match="submitted for analysis twice"):
            stream.finish([account])


def test_every_resource_is_sent_to_the_pack_while_the_program_runs() -> None:
    """Once the pack is configured, each resource's Analyze call leaves when the resource is
    registered, from the program's own thread: when the program returns, nothing is waiting to
    be sent (the pack analyses alongside the program, not in a queue after it)."""
    from pulumi_aizone_gate.program import run_program

    gateway = Path(__file__).resolve().parents[1] / "fixtures" / "gateway_program"
    project = load_project(gateway, "standard")
    with PolicyPackSession.start(PACK, project.project, project.stack, project.config, project.secret_keys) as session:
        stream = session.stream()
        stream._thread.join()  # noqa: SLF001 connected and configured before the program starts
        sent_at_registration: list[int] = []

        def submit(resource: RecordedResource) -> None:
            stream.submit(resource)
            sent_at_registration.append(stream.sent())

        program = run_program(project, on_record=submit)
        analysable = [r for r in program.resources if not r.external]
        assert len(analysable) > 20
        assert sent_at_registration == list(range(1, len(analysable) + 1))
        assert len(stream.finish(program.resources).findings) == len(run(gateway, "standard", PACK).findings)


def test_runs_are_isolated_within_one_process(insecure: PreviewResult) -> None:
    secure = run(PROGRAM, "secure", PACK)
    assert secure.mandatory_count == 0
    assert _by_type(secure, ACCOUNT).inputs["properties"]["disableLocalAuth"] is True
    assert _by_type(insecure, ACCOUNT).inputs["properties"]["disableLocalAuth"] is False


def test_settings_error_registers_nothing() -> None:
    with pytest.raises(ProgramConfigError) as caught:
        run(PROGRAM, "badconfig", PACK)
    assert caught.value.message == "fixture-ai:localAuth must be true or false, got 'maybe'"
    assert caught.value.registered == 0


def test_analyze_resources_over_grpc_with_synthetic_resources() -> None:
    stack = RecordedResource(urn="urn:pulumi:s::p::pulumi:pulumi:Stack::p-s", type="pulumi:pulumi:Stack", name="p-s", custom=False)
    accounts = [
        RecordedResource(
            urn=f"urn:pulumi:s::p::{ACCOUNT}::a{i}",
            type=ACCOUNT,
            name=f"a{i}",
            custom=True,
            parent=stack.urn,
            inputs={"properties": {"disableLocalAuth": i % 2 == 0}},
        )
        for i in range(20)
    ]
    analysis = analyze_resources([stack, *accounts], PACK, project="p", stack="s")
    flagged = sorted(f.urn or "" for f in analysis.findings if f.policy == "fixture-ai-local-auth")
    assert flagged == sorted(a.urn for a in accounts if not a.inputs["properties"]["disableLocalAuth"])
    assert {p.name for p in analysis.analyzer.policies} == {"fixture-ai-local-auth", "fixture-model-allow-list", "fixture-stack-wiring"}


def test_session_kills_the_pack() -> None:
    with PolicyPackSession.start(PACK, "p", "s") as session:
        session.analyze([])
        assert session.process.is_running()
    assert not session.process.is_running()


def test_pack_that_fails_to_start_is_reported(tmp_path: Path) -> None:
    (tmp_path / "PulumiPolicy.yaml").write_text("runtime: python\n", encoding="utf-8")
    (tmp_path / "__main__.py").write_text("raise SystemExit('broken pack')\n", encoding="utf-8")
    with pytest.raises(PolicyPackError, match="exited .* before it started"):
        analyze_resources([], tmp_path)


# --- pure helpers --------------------------------------------------------------------------------


def test_stack_config_in_engine_form() -> None:
    project = load_project(PROGRAM, "secure")
    assert project.project == "fixture-ai"
    assert project.config["fixture-ai:model"] == "gpt-4o"  # project default from Pulumi.yaml
    assert project.config["fixture-ai:localAuth"] == "false"
    assert project.config["fixture-ai:tags"] == '{"owner":"platform","data-boundary":"internal"}'
    assert project.config["fixture-ai:adminPassword"] == SECRET_PLACEHOLDER
    assert project.secret_keys == ["fixture-ai:adminPassword"]
    assert project.stack_tags["pulumi:project"] == "fixture-ai"


def test_policy_config_reconciles_like_the_cli() -> None:
    info = AnalyzerInfo(
        name="pack",
        version="1",
        supports_config=True,
        policies=(
            PolicyInfo("a", "[ACC-1] a", "mandatory", {"properties": {"limit": {"type": "integer", "default": 3}}, "required": []}),
            PolicyInfo("b", "[ACC-2] b", "advisory", None),
        ),
        initial_config={},
    )
    assert reconcile(info, {}) == {"a": {"enforcementLevel": "mandatory", "limit": 3}, "b": {"enforcementLevel": "advisory"}}
    given = load_policy_config({"all": "disabled", "a": {"limit": 5}})
    assert reconcile(info, given) == {
        "a": {"enforcementLevel": "disabled", "limit": 5},
        "b": {"enforcementLevel": "disabled"},
        "all": {"enforcementLevel": "disabled"},
    }
    with pytest.raises(ConfigurationError, match="a: limit: invalid type, expected integer"):
        reconcile(info, load_policy_config({"a": {"limit": "many"}}))
    with pytest.raises(ConfigurationError, match="not a valid enforcement level"):
        load_policy_config({"a": "strict"})


def test_policy_config_is_validated_with_jsonschema_like_the_cli(tmp_path: Path) -> None:
    """Every JSON-schema keyword of a policy's config schema is checked (jsonschema, formats
    included, as the CLI's gojsonschema does), with one message per problem naming the file, the
    policy, the key and what is allowed; a bool is not an integer and a bad schema is the pack's."""
    schema = {
        "properties": {
            "limit": {"type": "integer", "exclusiveMinimum": 0},
            "names": {"type": "array", "items": {"type": "string"}, "uniqueItems": True},
            "since": {"type": "string", "format": "date"},
            "rules": {
                "type": "array",
                "items": {"type": "object", "properties": {"id": {"type": "string"}}, "additionalProperties": False},
            },
        },
        "required": ["limit"],
    }
    info = AnalyzerInfo("pack", "1", True, (PolicyInfo("a", "[ACC-1] a", "mandatory", schema),), {})
    baseline = {"limit": 1, "names": ["p"], "since": "2026-12-07", "rules": [{"id": "r"}]}
    assert reconcile(info, {"a": baseline})["a"] == {"enforcementLevel": "mandatory", **baseline}
    cases = {
        "limit": (0, "a: limit: must be > 0"),
        "names": (["p", "p"], "a: names: items must be unique"),
        "since": ("2026-02-30", "a: since: is not a valid date"),
        "rules": ([{"id": "r", "admin": True}], "a: rules[0].admin: additional property not allowed (allowed: id)"),
    }
    for key, (value, message) in cases.items():
        with pytest.raises(ConfigurationError) as caught:
            reconcile(info, {"a": {**baseline, key: value}})
        assert caught.value.message == f"invalid policy config for pack 'pack':\n  {message}"
    with pytest.raises(ConfigurationError, match="a: limit: invalid type, expected integer, got boolean"):
        reconcile(info, {"a": {**baseline, "limit": True}})
    with pytest.raises(ConfigurationError, match=r"a: \(root\): limit is required"):
        reconcile(info, {"a": {k: v for k, v in baseline.items() if k != "limit"}})
    path = tmp_path / "policy-config.json"
    path.write_text('{"a": {"limit": -1}}', encoding="utf-8")
    with pytest.raises(ConfigurationError) as caught:
        reconcile(info, load_policy_config(path), str(path))
    assert caught.value.message == f"invalid policy config {path} for pack 'pack':\n  a: limit: must be > 0"
    broken = AnalyzerInfo("pack", "1", True, (PolicyInfo("a", "[ACC-1] a", "mandatory", {"properties": {"limit": {"type": "int"}}}),), {})
    with pytest.raises(ConfigurationError, match="a: the config schema is not a valid JSON schema: .*\\(a defect of the pack"):
        reconcile(broken, {})


def test_resource_references_become_ids_or_urns() -> None:
    ref: dict[str, Any] = {SIG_KEY: RESOURCE_REFERENCE_SIG, "urn": "urn:x", "id": "/sub/x"}
    component_ref: dict[str, Any] = {SIG_KEY: RESOURCE_REFERENCE_SIG, "urn": "urn:c"}
    assert analyzer_value({"a": ref, "b": [component_ref], "__internal": 1}) == {"a": "/sub/x", "b": ["urn:c"]}


def test_control_ids_and_durations() -> None:
    assert control_ids("[ACC-1][ACC-7] text", "[MOD-2a] and [ACC-1] again", "[not-an-id]") == ("ACC-1", "ACC-7", "MOD-2a")
    assert control_ids("[MOD-3, EXEC-2] image by tag", "[ACC-7,DATA-4]", "[ACC-1, x]") == ("MOD-3", "EXEC-2", "ACC-7", "DATA-4")
    assert duration_seconds("1h30m") == 5400.0
    assert duration_seconds("90s") == 90.0
    assert duration_seconds("soon") == 0.0


def test_mock_ids_for_extension_and_child_resources() -> None:
    mocks = AzureMocks()
    role_id, role = mocks.new_resource(
        MockResourceArgs("azure-native:authorization:RoleAssignment", "ra", {"scope": RG_ID, "principalId": "p"}, custom=True)
    )
    assert role_id is not None and role_id.startswith(f"{RG_ID}/providers/Microsoft.Authorization/roleAssignments/")
    assert role["name"] == role_id.rsplit("/", 1)[1]
    identity_id, identity = mocks.new_resource(
        MockResourceArgs(
            "azure-native:managedidentity:UserAssignedIdentity",
            "id",
            {"resourceGroupName": "rg-fixture", "resourceName": "agent"},
            custom=True,
        )
    )
    assert identity_id == f"{RG_ID}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/agent"
    assert identity["principalId"] and identity["clientId"] and identity["name"] == "agent"
    config, _ = mocks.call(MockCallArgs("azure-native:authorization:getClientConfig", {}, ""))
    assert set(config) == {"clientId", "objectId", "subscriptionId", "tenantId"}


def test_the_stack_request_is_encoded_as_protobuf_would(insecure: PreviewResult) -> None:
    """AnalyzeStack's request is encoded one resource at a time; the bytes are the message's own
    encoding (resources of every size: one-byte and multi-byte length prefixes)."""
    from pulumi.runtime.proto import analyzer_pb2

    from pulumi_aizone_gate.analyzer import encode_stack_request
    from pulumi_aizone_gate.messages import provider_messages, stack_resource

    assert [f.number for f in analyzer_pb2.AnalyzeStackRequest.DESCRIPTOR.fields] == [1]
    providers = provider_messages(insecure.resources)
    resources = [stack_resource(r, providers) for r in insecure.resources]
    small = analyzer_pb2.AnalyzerResource(urn="urn:pulumi:s::p::t::n")
    large = analyzer_pb2.AnalyzerResource(urn="u" * 20_000)
    messages = [small, large, *resources]
    assert {m.ByteSize() < 128 for m in messages} == {True, False}
    encoded = encode_stack_request(iter(messages))
    # Map entries (struct fields, property dependencies) may be written in any order, so the
    # bytes are compared as the message they decode to, and their length as the whole message's.
    assert analyzer_pb2.AnalyzeStackRequest.FromString(encoded) == analyzer_pb2.AnalyzeStackRequest(resources=messages)
    assert len(encoded) == analyzer_pb2.AnalyzeStackRequest(resources=messages).ByteSize()
    assert encode_stack_request([]) == b""


def test_the_sdk_fast_paths_record_exactly_what_the_sdk_records(monkeypatch: pytest.MonkeyPatch) -> None:
    """The in-process recorder (gate/pulumi_aizone_gate/program.py, the test suite's harness)
    replaces a few SDK internals for speed: the gateway fixture (component outputs, applies,
    secrets, dependencies, aliases, invokes) recorded with them and with the SDK's own code paths
    gives the same plan."""
    import importlib.metadata

    import pulumi_aizone_gate.program as program

    # The pinned SDK is the one the fast paths were verified against, so the first run uses them.
    assert importlib.metadata.version("pulumi").startswith(program.SDK_FAST_PATHS_VERIFIED)
    gateway = Path(__file__).resolve().parents[1] / "fixtures" / "gateway_program"
    # Drain the pending registrations every third one, so the fixture is drained many times.
    monkeypatch.setattr(program, "REGISTRATIONS_PER_DRAIN", 3)

    def preview(verified: str) -> Any:
        monkeypatch.setattr(program, "SDK_FAST_PATHS_VERIFIED", verified)
        return program.run_program(load_project(gateway, "standard"))

    # One call site for both: each registration records its source stack, the test's frame included.
    fast, sdk = [preview(verified) for verified in (program.SDK_FAST_PATHS_VERIFIED, "no such SDK version")]
    assert len(fast.resources) > 20
    assert _order_free(fast.resources) == _order_free(sdk.resources)
    assert fast.invokes == sdk.invokes


def test_registrations_complete_while_the_program_body_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    """The program body runs outside the event loop; without draining, every registration would
    wait until the body returns (all 20,000 of a large stack pending at once). With the drain, at
    each registration at most REGISTRATIONS_PER_DRAIN earlier ones are still unrecorded."""
    import pulumi.resource

    import pulumi_aizone_gate.program as program

    monkeypatch.setattr(program, "REGISTRATIONS_PER_DRAIN", 4)
    recorded: list[RecordedResource] = []
    unrecorded_at_registration: list[int] = []
    register = getattr(pulumi.resource, "register_resource")  # imported there from pulumi.runtime

    def counting_register(*args: Any, **kwargs: Any) -> None:
        # Program resources registered before this one and not yet recorded (the stack is recorded too).
        unrecorded_at_registration.append(len(unrecorded_at_registration) + 1 - len(recorded))
        register(*args, **kwargs)

    monkeypatch.setattr(pulumi.resource, "register_resource", counting_register)
    gateway = Path(__file__).resolve().parents[1] / "fixtures" / "gateway_program"
    run_result = program.run_program(load_project(gateway, "standard"), on_record=recorded.append)
    assert len(unrecorded_at_registration) > 20
    # Component resources register their outputs later, so a few more can be pending than the period.
    assert max(unrecorded_at_registration) <= 2 * 4, unrecorded_at_registration
    assert len(run_result.resources) == len(recorded)


def _order_free(resources: list[RecordedResource]) -> list[RecordedResource]:
    """Dependencies come from sets of resources (hashed by identity), so their order is arbitrary
    in the SDK too: compare them as sorted lists."""
    return [
        dataclasses.replace(
            r,
            dependencies=sorted(r.dependencies),
            property_dependencies={key: sorted(value) for key, value in r.property_dependencies.items()},
        )
        for r in resources
    ]
