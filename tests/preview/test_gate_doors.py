"""The offline gate drives the real pack: what the gate cannot know or see is never a pass
(policy_pack/pulumi_aizone_policy/policies/doors.py). One gate conversation over synthetic
resources: an unknown security property, an insecure resource read with `.get()` and an insecure
resource hidden in an inline ARM template."""

from __future__ import annotations

from typing import Any

import pytest
from preview_support import REPO

from pulumi_aizone_gate.analyzer import analyze_resources
from pulumi_aizone_gate.model import AnalysisResult, RecordedResource
from pulumi_aizone_gate.wire import UNKNOWN

ACCOUNT = "azure-native:cognitiveservices:Account"
STORAGE = "azure-native:storage:StorageAccount"
DEPLOYMENT = "azure-native:resources:Deployment"
STACK_URN = "urn:pulumi:s::p::pulumi:pulumi:Stack::p-s"

_SECURE_STORAGE: dict[str, Any] = {
    "kind": "StorageV2",
    "sku": {"name": "Standard_ZRS"},
    "allowSharedKeyAccess": False,
    "defaultToOAuthAuthentication": True,
    "publicNetworkAccess": "Disabled",
    "networkRuleSet": {"defaultAction": "Deny", "bypass": "None"},
    "minimumTlsVersion": "TLS1_2",
    "enableHttpsTrafficOnly": True,
    "allowBlobPublicAccess": False,
    "allowCrossTenantReplication": False,
    "encryption": {"requireInfrastructureEncryption": True, "keySource": "Microsoft.Storage"},
}


def _resource(type_token: str, name: str, inputs: dict[str, Any], **extra: Any) -> RecordedResource:
    return RecordedResource(
        urn=f"urn:pulumi:s::p::{type_token}::{name}",
        type=type_token,
        name=name,
        custom=True,
        parent=STACK_URN,
        inputs=inputs,
        outputs=inputs,
        **extra,
    )


@pytest.fixture(scope="module")
def gate() -> AnalysisResult:
    stack = RecordedResource(urn=STACK_URN, type="pulumi:pulumi:Stack", name="p-s", custom=False)
    account = _resource(
        ACCOUNT, "ai", {"kind": "AIServices", "properties": {"disableLocalAuth": UNKNOWN, "publicNetworkAccess": "Disabled"}}
    )
    shared = _resource(STORAGE, "shared", {**_SECURE_STORAGE, "allowSharedKeyAccess": True}, external=True, id="/subscriptions/s/x")
    settings = {**{key: value for key, value in _SECURE_STORAGE.items() if key not in ("kind", "sku")}, "allowSharedKeyAccess": True}
    arm_storage: dict[str, Any] = {
        "type": "Microsoft.Storage/storageAccounts",
        "apiVersion": "2023-05-01",
        "name": "hidden",
        "kind": "StorageV2",
        "properties": settings,
    }
    template = {"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#", "resources": [arm_storage]}
    deployment = _resource(DEPLOYMENT, "dep", {"resourceGroupName": "rg", "properties": {"mode": "Incremental", "template": template}})
    return analyze_resources([stack, account, shared, deployment], REPO / "policy_pack", project="p", stack="s")


def _mandatory(result: AnalysisResult, policy: str) -> list[str]:
    return [finding.message for finding in result.findings if finding.policy == policy and finding.level == "mandatory"]


@pytest.mark.controls("ACC-1", "ACC-8")
def test_unknown_security_property_is_mandatory_in_the_gate(gate: AnalysisResult) -> None:
    messages = _mandatory(gate, "azurenative-cognitiveservices-account-disable-local-auth")
    assert any("properties.disableLocalAuth is unknown in the offline gate" in message for message in messages), messages


@pytest.mark.controls("ACC-1", "ACC-8")
def test_read_resource_is_judged_in_the_gate(gate: AnalysisResult) -> None:
    messages = _mandatory(gate, "azurenative-storage-storageaccount-disable-shared-key")
    assert any("'shared'" in message and "read with `.get()`" in message for message in messages), messages


@pytest.mark.controls("ACC-1", "ACC-8")
def test_template_resource_is_judged_in_the_gate(gate: AnalysisResult) -> None:
    messages = _mandatory(gate, "azurenative-storage-storageaccount-disable-shared-key")
    assert any("Storage account 'dep/hidden'" in message for message in messages), messages
