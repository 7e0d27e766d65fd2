"""The `remediate` enforcement level: the always-safe fix the pack applies through the analyzer's
Remediate call (in process and over the real gRPC subprocess), and the Configure error for every
policy that has no remediation (instead of silently running it as mandatory)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import grpc
import pytest
from google.protobuf import json_format, struct_pb2
from policy_cases import BASELINES, DELETE, changed
from pulumi.runtime.proto import analyzer_pb2, analyzer_pb2_grpc

from pulumi_aizone_policy import tokens as t
from pulumi_aizone_policy.harness import UNKNOWN_VALUE, PackAnalyzer, Remediation
from pulumi_aizone_policy.policies import ALL_SPECS
from pulumi_aizone_policy.remediation import REMEDIATIONS

MakeAnalyzer = Callable[[Mapping[str, Any]], PackAnalyzer]
PACK_DIR = Path(__file__).resolve().parents[2] / "policy_pack"
TLS = "azurenative-storage-storageaccount-tls-https-only"
LOCAL_AUTH = "azurenative-cognitiveservices-account-disable-local-auth"
PURGE = "azurenative-keyvault-vault-purge-protection"
HARDENING = "azurenative-storage-storageaccount-hardening"
SECRET_SIG = {"4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270"}
STORAGE = BASELINES[t.STORAGE_ACCOUNT]


@pytest.fixture(scope="module")
def remediating() -> PackAnalyzer:
    return PackAnalyzer({TLS: "remediate"})


@pytest.mark.controls("RES-5")
@pytest.mark.parametrize("value", ["TLS1_0", "TLS1_1", "tls1_1", DELETE])
def test_storage_tls_below_1_2_is_raised_to_1_2(remediating: PackAnalyzer, value: object) -> None:
    weak = changed(STORAGE, "minimumTlsVersion", value)
    assert remediating.remediate(t.STORAGE_ACCOUNT, weak) == [Remediation(TLS, dict(STORAGE), "")]
    # What the engine then analyzes and creates is the compliant baseline: nothing left to report.
    assert remediating.analyze(t.STORAGE_ACCOUNT, STORAGE) == []


@pytest.mark.controls("RES-5")
@pytest.mark.parametrize("value", ["TLS1_2", "TLS1_3", UNKNOWN_VALUE, 12])
def test_storage_tls_at_or_above_1_2_unknown_or_unrecognised_is_left_alone(remediating: PackAnalyzer, value: object) -> None:
    assert remediating.remediate(t.STORAGE_ACCOUNT, changed(STORAGE, "minimumTlsVersion", value)) == []


@pytest.mark.controls("RES-5")
def test_plain_http_is_not_remediated_and_stays_mandatory(remediating: PackAnalyzer) -> None:
    """enableHttpsTrafficOnly = false may serve HTTP callers (custom domains): reported, not fixed."""
    http = changed(changed(STORAGE, "enableHttpsTrafficOnly", False), "minimumTlsVersion", "TLS1_0")
    fixed = remediating.remediate(t.STORAGE_ACCOUNT, http)
    assert fixed == [Remediation(TLS, changed(STORAGE, "enableHttpsTrafficOnly", False), "")]
    assert fixed[0].properties is not None
    diagnostics = remediating.analyze(t.STORAGE_ACCOUNT, fixed[0].properties)
    assert [(item.policy, item.level) for item in diagnostics] == [(TLS, "mandatory")]
    assert "accepts plain HTTP requests (enableHttpsTrafficOnly is false)" in diagnostics[0].message


def test_secret_inputs_stay_secret_through_a_remediation(remediating: PackAnalyzer) -> None:
    secret_tags = {**SECRET_SIG, "value": {"owner": "team-a"}}
    weak = {**changed(STORAGE, "minimumTlsVersion", "TLS1_0"), "tags": secret_tags}
    [fix] = remediating.remediate(t.STORAGE_ACCOUNT, weak)
    assert fix.properties is not None
    assert fix.properties["tags"] == secret_tags
    assert fix.properties["minimumTlsVersion"] == "TLS1_2"


def test_an_exempted_resource_is_not_remediated(make_analyzer: MakeAnalyzer) -> None:
    exemption = {"resource": "legacy-*", "reason": "old TLS client until SEC-7 closes", "expires": "2999-12-31"}
    analyzer = make_analyzer({TLS: {"enforcementLevel": "remediate", "exemptions": [exemption]}})
    weak = changed(STORAGE, "minimumTlsVersion", "TLS1_0")
    assert analyzer.remediate(t.STORAGE_ACCOUNT, weak, name="legacy-logs") == []
    assert [fix.policy for fix in analyzer.remediate(t.STORAGE_ACCOUNT, weak, name="new-logs")] == [TLS]
    [note] = analyzer.analyze(t.STORAGE_ACCOUNT, weak, name="legacy-logs")
    assert (note.level, "exempted until 2999-12-31: old TLS client until SEC-7 closes" in note.message) == ("advisory", True)


def test_nothing_is_remediated_unless_the_level_is_remediate(analyzer: PackAnalyzer) -> None:
    weak = changed(STORAGE, "minimumTlsVersion", "TLS1_0")
    assert analyzer.remediate(t.STORAGE_ACCOUNT, weak) == []
    assert [(item.policy, item.level) for item in analyzer.analyze(t.STORAGE_ACCOUNT, weak)] == [(TLS, "mandatory")]


def test_other_resource_types_are_not_touched(remediating: PackAnalyzer) -> None:
    assert remediating.remediate(t.COGNITIVE_ACCOUNT, {**BASELINES[t.COGNITIVE_ACCOUNT], "minimumTlsVersion": "TLS1_0"}) == []


@pytest.mark.parametrize("policy", [LOCAL_AUTH, PURGE, HARDENING, "azurenative-network-privateendpoint-required"])
def test_remediate_is_refused_for_a_policy_without_a_safe_fix(make_analyzer: MakeAnalyzer, policy: str) -> None:
    with pytest.raises(ValueError) as error:
        make_analyzer({policy: "remediate"})
    assert str(error.value) == (
        f"enforcement level 'remediate' is not supported by 1 policy: '{policy}'. These policies support "
        f"advisory, mandatory, disabled; only '{TLS}' can remediate (they apply a fix that is always safe, "
        "see the pack's README). Set 'remediate' on those policies only, not with \"all\"."
    )


def test_remediate_for_all_is_refused_naming_every_policy(make_analyzer: MakeAnalyzer) -> None:
    with pytest.raises(ValueError) as error:
        make_analyzer({"all": "remediate"})
    message = str(error.value)
    assert message.startswith(f"enforcement level 'remediate' is not supported by {len(ALL_SPECS) - 1} policies: ")
    assert all(f"'{spec.name}'" in message for spec in ALL_SPECS)
    # A stack that puts everything else back to mandatory may remediate the one fixable policy.
    config: dict[str, Any] = {"all": "mandatory", TLS: "remediate"}
    assert [fix.policy for fix in make_analyzer(config).remediate(t.STORAGE_ACCOUNT, changed(STORAGE, "minimumTlsVersion", DELETE))] == [
        TLS
    ]


def test_every_remediation_belongs_to_a_resource_policy_and_is_documented() -> None:
    readme = (PACK_DIR / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Remediation", 1)[1].split("\n## ", 1)[0]
    assert set(REMEDIATIONS) <= {spec.name for spec in ALL_SPECS}
    assert all(f"`{name}`" in section for name in REMEDIATIONS)


# --- Over the real gRPC subprocess (the `pack_stub` fixture of conftest.py) ----------------------------


def _configure(stub: analyzer_pb2_grpc.AnalyzerStub, policy: str, level: analyzer_pb2.EnforcementLevel.ValueType) -> None:
    stub.Configure(analyzer_pb2.ConfigureAnalyzerRequest(policyConfig={policy: analyzer_pb2.PolicyConfig(enforcementLevel=level)}))


@pytest.mark.controls("RES-5")
def test_remediate_over_grpc(pack_stub: analyzer_pb2_grpc.AnalyzerStub) -> None:
    with pytest.raises(grpc.RpcError) as refused:
        _configure(pack_stub, LOCAL_AUTH, analyzer_pb2.REMEDIATE)
    assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert f"not supported by 1 policy: '{LOCAL_AUTH}'" in refused.value.details()  # type: ignore[attr-defined]

    _configure(pack_stub, TLS, analyzer_pb2.REMEDIATE)
    props = struct_pb2.Struct()
    props.update(changed(STORAGE, "minimumTlsVersion", "TLS1_1"))
    urn = f"urn:pulumi:dev::aizone::{t.STORAGE_ACCOUNT}::logs"
    request = analyzer_pb2.AnalyzeRequest(type=t.STORAGE_ACCOUNT, properties=props, urn=urn, name="logs")
    response = pack_stub.Remediate(request)
    assert [(item.policyName, item.policyPackName, item.diagnostic) for item in response.remediations] == [(TLS, "aizone-secure-ai", "")]
    assert json_format.MessageToDict(response.remediations[0].properties) == STORAGE
    request.properties.CopyFrom(response.remediations[0].properties)
    assert list(pack_stub.Analyze(request).diagnostics) == []


@pytest.mark.controls("RES-5")
def test_offline_preview_sends_remediated_inputs_to_analyze() -> None:
    """The offline preview's engine conversation (Remediate, then Analyze with the fixed inputs)
    against the pack subprocess: the TLS floor is fixed, plain HTTP is still reported."""
    from pulumi_aizone_gate import RecordedResource, analyze_resources

    urn = f"urn:pulumi:s::p::{t.STORAGE_ACCOUNT}::logs"
    weak = changed(changed(STORAGE, "minimumTlsVersion", DELETE), "enableHttpsTrafficOnly", False)
    resources = [RecordedResource(urn=urn, type=t.STORAGE_ACCOUNT, name="logs", custom=True, inputs=weak, outputs=weak, id="logs")]
    levels = {"all": "disabled", TLS: "remediate"}
    findings = analyze_resources(resources, PACK_DIR, project="p", stack="s", policy_config=levels).findings
    assert [(f.policy, f.level, f.urn) for f in findings] == [(TLS, "mandatory", urn)]
    assert "accepts plain HTTP requests" in findings[0].message
    assert "below TLS 1.2" not in findings[0].message
