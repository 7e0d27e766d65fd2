"""The offline gate drives the real pack over gRPC, as the engine does (Analyze for each registered
resource, then AnalyzeStack): a storage account the stack gives a static website is public by design
(an advisory note), while the same website on an account that holds data leaves the finding
mandatory, and what still matters on the site's account (shared keys) stays mandatory."""

from __future__ import annotations

from typing import Any

import pytest
from preview_support import REPO

from pulumi_aizone_gate.analyzer import analyze_resources
from pulumi_aizone_gate.model import AnalysisResult, RecordedResource
from pulumi_aizone_gate.wire import UNKNOWN

STORAGE = "azure-native:storage:StorageAccount"
WEBSITE = "azure-native:storage:StorageAccountStaticWebsite"
NETWORK = "azurenative-storage-storageaccount-restrict-network-access"
STACK_URN = "urn:pulumi:s::p::pulumi:pulumi:Stack::p-s"

_OPEN_STORAGE: dict[str, Any] = {
    "kind": "StorageV2",
    "sku": {"name": "Standard_ZRS"},
    "allowSharedKeyAccess": False,
    "publicNetworkAccess": "Enabled",
    "networkRuleSet": {"defaultAction": "Allow"},
    "minimumTlsVersion": "TLS1_2",
    "enableHttpsTrafficOnly": True,
    "allowBlobPublicAccess": False,
    "allowCrossTenantReplication": False,
    "encryption": {"requireInfrastructureEncryption": True, "keySource": "Microsoft.Storage"},
}


def _urn(type_token: str, name: str) -> str:
    return f"urn:pulumi:s::p::{type_token}::{name}"


def _account(name: str, **changes: Any) -> RecordedResource:
    inputs = {**_OPEN_STORAGE, "accountName": name, "resourceGroupName": "rg", **changes}
    return RecordedResource(urn=_urn(STORAGE, name), type=STORAGE, name=name, custom=True, parent=STACK_URN, inputs=inputs, outputs=inputs)


def _previewed_account(name: str, **changes: Any) -> RecordedResource:
    """An account as a faithful preview records it: the outputs azure-native's PreviewOutputs gives,
    where every output property the inputs leave unset (here: tags) is unknown."""
    account = _account(name, **changes)
    outputs = {**account.inputs, "tags": account.inputs.get("tags", UNKNOWN)}
    return RecordedResource(urn=account.urn, type=STORAGE, name=name, custom=True, parent=STACK_URN, inputs=account.inputs, outputs=outputs)


def _website(name: str, account: str) -> RecordedResource:
    """A website wired from the account's name output (a property dependency; unknown in preview)."""
    inputs = {"accountName": UNKNOWN, "resourceGroupName": "rg", "indexDocument": "index.html"}
    account_urn = _urn(STORAGE, account)
    return RecordedResource(
        urn=_urn(WEBSITE, name),
        type=WEBSITE,
        name=name,
        custom=True,
        parent=STACK_URN,
        inputs=inputs,
        outputs=inputs,
        dependencies=[account_urn],
        property_dependencies={"accountName": [account_urn]},
    )


@pytest.fixture(scope="module")
def gate() -> AnalysisResult:
    stack = RecordedResource(urn=STACK_URN, type="pulumi:pulumi:Stack", name="p-s", custom=False)
    resources = [
        stack,
        _account("site"),
        _website("site-web", "site"),
        _account("keyed", allowSharedKeyAccess=True),
        _website("keyed-web", "keyed"),
        _account("data", tags={"data-boundary": "internal", "aizone-application": "chat"}),
        _website("data-web", "data"),
        _account("plain"),
        _previewed_account("untagged"),
        _website("untagged-web", "untagged"),
        _previewed_account("applied", tags=UNKNOWN),
        _website("applied-web", "applied"),
    ]
    return analyze_resources(resources, REPO / "policy_pack", project="p", stack="s")


def _levels(result: AnalysisResult, policy: str, account: str) -> list[str]:
    return [finding.level for finding in result.findings if finding.policy == policy and finding.urn == _urn(STORAGE, account)]


@pytest.mark.controls("ACC-7")
def test_the_site_account_gets_an_advisory_note_in_the_gate(gate: AnalysisResult) -> None:
    assert _levels(gate, NETWORK, "site") == ["advisory"]
    (note,) = [f.message for f in gate.findings if f.policy == NETWORK and f.urn == _urn(STORAGE, "site")]
    assert "serves the static website 'site-web', so it is public by design" in note


@pytest.mark.controls("ACC-7", "ACC-1")
def test_what_still_matters_and_accounts_that_hold_data_stay_mandatory_in_the_gate(gate: AnalysisResult) -> None:
    assert _levels(gate, "azurenative-storage-storageaccount-disable-shared-key", "keyed") == ["mandatory"]
    assert _levels(gate, NETWORK, "keyed") == ["advisory"]
    assert _levels(gate, NETWORK, "data") == ["mandatory"]
    (message,) = [f.message for f in gate.findings if f.policy == NETWORK and f.urn == _urn(STORAGE, "data")]
    assert "It serves the static website 'data-web', but that does not make it public by design" in message
    assert _levels(gate, NETWORK, "plain") == ["mandatory"]


@pytest.mark.controls("ACC-7")
def test_unset_tags_unknown_in_the_preview_outputs_do_not_hide_a_site(gate: AnalysisResult) -> None:
    """The program sets no tags: the preview's outputs say "tags unknown" (PreviewOutputs), the
    inputs say none, and the inputs are what Azure gets. Tags the program computes (unknown in the
    inputs too) still keep the finding."""
    assert _levels(gate, NETWORK, "untagged") == ["advisory"]
    assert _levels(gate, NETWORK, "applied") == ["mandatory"]
    (message,) = [f.message for f in gate.findings if f.policy == NETWORK and f.urn == _urn(STORAGE, "applied")]
    assert "its tags are unknown until apply, so the pack cannot tell it holds no data" in message
