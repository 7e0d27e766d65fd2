"""The pack started exactly as the Pulumi CLI starts it (`python -u -m pulumi.policy <engine>
<packdir>` with the pack directory as working directory and the CLI's environment), spoken to over
gRPC: the faithful path, including the advisory downgrade of exempted findings."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import grpc
import pytest
from google.protobuf import empty_pb2, struct_pb2
from policy_cases import BASELINES, changed
from pulumi.runtime.proto import analyzer_pb2, analyzer_pb2_grpc

from aizone_policy import tokens as t

PACK_DIR = Path(__file__).resolve().parents[2] / "policy_pack"
LOCAL_AUTH = "azurenative-cognitiveservices-account-disable-local-auth"


@pytest.fixture(scope="module")
def pack_stub() -> Iterator[analyzer_pb2_grpc.AnalyzerStub]:
    env = {**os.environ, "PULUMI_PROJECT": "aizone", "PULUMI_STACK": "dev", "PULUMI_DRY_RUN": "true"}
    process = subprocess.Popen(
        [sys.executable, "-u", "-m", "pulumi.policy", "127.0.0.1:1", str(PACK_DIR)],
        cwd=PACK_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    watchdog = threading.Timer(60, process.kill)
    watchdog.start()
    try:
        assert process.stdout is not None
        port = process.stdout.readline().strip()
        assert port.isdigit(), f"pack did not print its port: {port!r} {process.stderr.read() if process.poll() is not None and process.stderr else ''}"
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            yield analyzer_pb2_grpc.AnalyzerStub(channel)
    finally:
        watchdog.cancel()
        process.terminate()
        process.wait(timeout=10)


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
        request = analyzer_pb2.AnalyzeRequest(type=t.COGNITIVE_ACCOUNT, properties=props, urn=f"urn:pulumi:dev::aizone::{t.COGNITIVE_ACCOUNT}::{name}", name=name)
        diagnostics = pack_stub.Analyze(request).diagnostics
        assert [item.policyName for item in diagnostics] == [LOCAL_AUTH]
        levels[name] = diagnostics[0].enforcementLevel
    assert levels == {"new-ai": analyzer_pb2.MANDATORY, "legacy-ai": analyzer_pb2.ADVISORY}

    # A lone vault is an AI workload only through the stack tag (scope.py).
    pack_stub.ConfigureStack(analyzer_pb2.AnalyzerStackConfigureRequest(stack="dev", project="aizone", tags={"aizone:workload": "ai"}))
    stack = analyzer_pb2.AnalyzeStackRequest(
        resources=[analyzer_pb2.AnalyzerResource(type=t.KEY_VAULT, properties=_struct(dict(BASELINES[t.KEY_VAULT])), urn="urn:pulumi:dev::aizone::azure-native:keyvault:Vault::kv", name="kv")]
    )
    policies = {item.policyName for item in pack_stub.AnalyzeStack(stack).diagnostics}
    assert policies == {
        "azurenative-monitor-diagnosticsetting-central-logging",
        "azurenative-network-privateendpoint-required",
        "azurenative-resources-dataresource-deletion-protection",
    }
