"""The pack started exactly as the Pulumi CLI starts it (`python -u -m pulumi.policy <engine>
<packdir>` with the pack directory as working directory and the CLI's environment), spoken to over
gRPC: the faithful path, including the advisory downgrade of exempted findings."""

from __future__ import annotations

from typing import Any

from google.protobuf import empty_pb2, struct_pb2
from policy_cases import BASELINES, changed
from pulumi.runtime.proto import analyzer_pb2, analyzer_pb2_grpc

from pulumi_aizone_policy import tokens as t

LOCAL_AUTH = "azurenative-cognitiveservices-account-disable-local-auth"


def _struct(values: dict[str, Any]) -> struct_pb2.Struct:
    struct = struct_pb2.Struct()
    struct.update(values)
    return struct


def test_pack_process_serves_the_analyzer(pack_stub: analyzer_pb2_grpc.AnalyzerStub) -> None:
    info = pack_stub.GetAnalyzerInfo(empty_pb2.Empty())
    assert info.name == "aizone-secure-ai"
    assert any(policy.name == LOCAL_AUTH and policy.description.startswith("[ACC-1] ") for policy in info.policies)

    exemption = {"resource": "legacy-ai", "reason": "key rotation ends in Q3", "expires": "2999-12-31"}
    pack_stub.Configure(
        analyzer_pb2.ConfigureAnalyzerRequest(
            policyConfig={
                LOCAL_AUTH: analyzer_pb2.PolicyConfig(
                    enforcementLevel=analyzer_pb2.MANDATORY, properties=_struct({"exemptions": [exemption]})
                )
            }
        )
    )
    props = _struct(changed(BASELINES[t.COGNITIVE_ACCOUNT], "properties.disableLocalAuth", False))
    levels = {}
    for name in ("new-ai", "legacy-ai"):
        request = analyzer_pb2.AnalyzeRequest(
            type=t.COGNITIVE_ACCOUNT, properties=props, urn=f"urn:pulumi:dev::aizone::{t.COGNITIVE_ACCOUNT}::{name}", name=name
        )
        diagnostics = pack_stub.Analyze(request).diagnostics
        assert [item.policyName for item in diagnostics] == [LOCAL_AUTH]
        levels[name] = diagnostics[0].enforcementLevel
    assert levels == {"new-ai": analyzer_pb2.MANDATORY, "legacy-ai": analyzer_pb2.ADVISORY}

    # A lone vault is an AI workload only through the stack tag (scope.py).
    pack_stub.ConfigureStack(
        analyzer_pb2.AnalyzerStackConfigureRequest(stack="dev", project="aizone", dry_run=True, tags={"aizone:workload": "ai"})
    )
    stack = analyzer_pb2.AnalyzeStackRequest(
        resources=[
            analyzer_pb2.AnalyzerResource(
                type=t.KEY_VAULT,
                properties=_struct(dict(BASELINES[t.KEY_VAULT])),
                urn="urn:pulumi:dev::aizone::azure-native:keyvault:Vault::kv",
                name="kv",
            )
        ]
    )
    policies = {item.policyName for item in pack_stub.AnalyzeStack(stack).diagnostics}
    # The guidance's rule only: the landing zone's conventions (central logging, locks) need the
    # organisation's `conventions` config, which this configuration does not set.
    assert policies == {"azurenative-network-privateendpoint-required"}
