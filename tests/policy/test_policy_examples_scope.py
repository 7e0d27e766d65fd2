"""End to end over gRPC (program under mocks, real pulumi-azure / azure-native SDK classes, the
pack as its own process): the hardened non-AI stack gets no mandatory finding by default and the
landing-zone findings once the switch says `always`; the insecure classic-provider stack gets each
of its problems with its control id."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]

# (control id, policy, logical name of the resource the finding is on)
CLASSIC_EXPECTED: tuple[tuple[str, str, str], ...] = (
    ("ACC-1", "azure-cognitive-account-disable-local-auth", "openai"),
    ("ACC-7", "azure-cognitive-account-restrict-network-access", "openai"),
    ("ACC-6", "azure-cognitive-account-managed-identity", "openai"),
    ("MOD-2a", "azure-cognitive-deployment-custom-rai-policy", "chat"),
    ("MOD-3", "azure-cognitive-deployment-no-auto-upgrade", "chat"),
    ("MOD-3", "azure-cognitive-deployment-approved-model", "chat"),
    ("ACC-1", "azure-storage-account-disable-shared-key", "data"),
    ("ACC-7", "azure-storage-account-restrict-network-access", "data"),
    ("RES-5", "azure-storage-account-tls-https-only", "data"),
    ("DATA-6", "azure-storage-account-hardening", "data"),
    ("DATA-5", "azure-keyvault-keyvault-purge-protection", "secrets"),
    ("DATA-7", "azure-keyvault-keyvault-rbac-authorization", "secrets"),
    ("ACC-7", "azure-keyvault-keyvault-disable-public-network-access", "secrets"),
    ("ACC-5", "azure-authorization-assignment-least-privilege", "ci-owner"),
    ("ACC-6", "azure-authorization-assignment-explicit-principal-type", "ci-owner"),
    ("ACC-1", "azure-containerservice-registry-disable-admin-user", "registry"),
    ("ACC-7", "azure-containerservice-registry-restrict-network-access", "registry"),
    ("ACC-1", "azure-search-service-disable-local-auth", "search"),
    ("ACC-7", "azure-search-service-disable-public-network-access", "search"),
    ("RES-5", "azure-apimanagement-service-tls-protocols", "gateway"),
    ("ACC-7", "azure-apimanagement-service-restrict-public-network-access", "gateway"),
    ("MOD-4", "azure-apimanagement-service-managed-identity", "gateway"),
    ("RES-5", "azure-containerapp-app-https-ingress", "web"),
    ("ACC-1", "azure-operationalinsights-analyticsworkspace-disable-local-auth", "logs"),
    ("RES-4", "azurenative-network-privateendpoint-required", "openai"),
    ("RES-4", "azurenative-network-privateendpoint-required", "secrets"),
    ("RES-4", "azurenative-network-privateendpoint-required", "search"),
    ("RES-4", "azurenative-network-privateendpoint-required", "registry"),
    ("RES-4", "azurenative-network-privateendpoint-required", "gateway"),
    ("RES-2", "azurenative-monitor-diagnosticsetting-central-logging", "data"),
    ("RES-2", "azurenative-monitor-diagnosticsetting-central-logging", "secrets"),
    ("RES-2", "azurenative-monitor-diagnosticsetting-central-logging", "gateway"),
    ("DATA-1", "azure-storage-account-boundary-tag", "data"),
    ("DATA-1", "azure-search-service-boundary-tag", "search"),
    ("DATA-5", "azurenative-resources-dataresource-deletion-protection", "data"),
    ("DATA-5", "azurenative-resources-dataresource-deletion-protection", "secrets"),
    ("DATA-5", "azurenative-resources-dataresource-deletion-protection", "search"),
)

# The example's evasive variants: (control id, policy, resource, the part of the message that shows
# the pack saw through it).
CLASSIC_EVASIVE: tuple[tuple[str, str, str, str], ...] = (
    (
        "ACC-7",
        "azure-cognitive-account-restrict-network-access",
        "openai",
        "allows outbound traffic to wildcard or blank destinations (fqdns has '*.openai.azure.com')",
    ),
    (
        "MOD-2a",
        "azure-cognitive-accountraipolicy-prompt-shields",
        "streaming-filter",
        "returns content before it is filtered or uses an unknown mode (mode is 'Deferred')",
    ),
    (
        "MOD-2a",
        "azure-cognitive-accountraipolicy-prompt-shields",
        "streaming-filter",
        "filter for Jailbreak on prompts does not block (it only annotates): set blockEnabled = true "
        "(2 entries for this filter; every one must comply)",
    ),
    (
        "MOD-2a",
        "azure-cognitive-deployment-compliant-rai-policy",
        "chat-filtered",
        "[MOD-2a] Model deployment 'chat-filtered' uses RAI (content filter) policy 'streaming-filter', which does not meet MOD-2a",
    ),
    (
        "RES-2",
        "azurenative-monitor-diagnosticsetting-central-logging",
        "openai",
        "('openai-metrics': no log category or category group (allLogs or audit) is enabled)",
    ),
    (
        "RES-4",
        "azurenative-network-privateendpoint-required",
        "data",
        "has private endpoints with group ids it does not offer ('data-pe' requests ['vault'])",
    ),
    (
        "RES-4",
        "azurenative-network-privatednszonegroup-required",
        "data-pe",
        "[RES-4] Private endpoint 'data-pe' has no private DNS zone group: set privateDnsZoneGroup",
    ),
    (
        "ACC-6",
        "azure-authorization-assignment-explicit-principal-type",
        "reader-sp",
        "(principalType is \"serviceprincipal\" (a string that is not exactly 'ServicePrincipal'))",
    ),
    (
        "ACC-1",
        "azure-appconfiguration-configurationstore-disable-local-auth",
        "settings",
        '(localAuthEnabled is "false" (a string), expected the boolean false)',
    ),
    ("ACC-1", "azure-storage-localuser-no-local-users", "sftp-partner", "signs in with an SSH key, password or shared key"),
    # Classic management locks (DATA-5): a near-miss level is reported on the lock and not
    # counted; a lock on a sibling resource group covers nothing here.
    (
        "DATA-5",
        "azurenative-resources-dataresource-deletion-protection",
        "secrets-lock",
        "[DATA-5] Management lock 'secrets-lock' sets lockLevel \"cannotdelete\" (a string that is not exactly 'CanNotDelete'), "
        "which is not exactly CanNotDelete or ReadOnly, so it is not counted as blocking deletion: set lockLevel = 'CanNotDelete' exactly.",
    ),
    (
        "DATA-5",
        "azurenative-resources-dataresource-deletion-protection",
        "secrets",
        "[DATA-5] Key Vault 'secrets' is not guarded against deletion",
    ),
    (
        "DATA-5",
        "azurenative-resources-dataresource-deletion-protection",
        "search",
        "or add an azure:management/lock:Lock with scope = its id and lockLevel = 'CanNotDelete'.",
    ),
    # Classic role assignments in the RBAC stack controls: roles by name in odd case, with stray
    # blanks, or naming no built-in role; the principal wired from a classic user-assigned identity.
    (
        "DATA-3",
        "azurenative-authorization-roleassignment-same-data-boundary",
        "agent-docs",
        "[DATA-3] Role assignment 'agent-docs' grants 'Storage Blob Data Contributor' across data boundaries: user-assigned "
        "identity 'support-agent' belongs to data boundary 'customer' but storage account 'docs' holds 'internal' data",
    ),
    (
        "DATA-2",
        "azurenative-storage-storageaccount-dataset-isolation",
        "docs",
        "[DATA-2] Storage account 'docs' (boundary 'internal') is shared between applications: 'support' (user-assigned "
        "identity 'support-agent', boundary 'customer'), 'chat' (its own aizone-application tag)",
    ),
    (
        "ACC-5",
        "azure-authorization-assignment-least-privilege",
        "agent-owner",
        "[ACC-5] Role assignment 'agent-owner' grants 'Owner' to a workload identity (principalType ServicePrincipal)",
    ),
    (
        "ACC-5",
        "azurenative-authorization-roleassignment-workload-least-privilege",
        "agent-owner",
        "[ACC-5] Role assignment 'agent-owner' grants 'Owner' to the managed identity of user-assigned identity 'support-agent'",
    ),
    (
        "ACC-5",
        "azure-authorization-assignment-least-privilege",
        "agent-search",
        "[ACC-5] Role assignment 'agent-search' sets roleDefinitionName 'Search Index Data Readers', which is no built-in role "
        "the pack knows, so what it grants cannot be judged",
    ),
    (
        "ACC-5",
        "azurenative-authorization-roleassignment-workload-least-privilege",
        "agent-search",
        "grants 'Search Index Data Readers' (roleDefinitionName names no built-in role the pack knows) to the managed identity "
        "of user-assigned identity 'support-agent', which is not on the workload role allow-list",
    ),
    (
        "EXEC-2",
        "azurenative-authorization-roleassignment-session-executor-scope",
        "agent-search",
        "grants 'Search Index Data Readers' (roleDefinitionName names no built-in role the pack knows) at scope",
    ),
)


def _controls(finding: Any) -> tuple[str, ...]:
    message = finding.message.split("\n", 1)[-1]
    tag = message[1 : message.index("] ")] if message.startswith("[") else ""
    return tuple(part.strip() for part in tag.split(",") if part.strip())


def _preview(program: str, config: dict[str, Any] | None = None) -> list[Any]:
    import pulumi_aizone_gate

    result = pulumi_aizone_gate.run(ROOT / "examples" / program, "dev", ROOT / "policy_pack", config)
    assert result.program_errors == []
    return result.findings


LANDING_ZONE_CONFIG = ROOT / "policy_pack" / "configs" / "landing-zone.json"


@pytest.fixture(scope="module")
def classic_findings() -> list[Any]:
    """Judged in full: the landing zone's policy group config (conventions on)."""
    return _preview("insecure-classic", json.loads(LANDING_ZONE_CONFIG.read_text(encoding="utf-8")))


@pytest.mark.parametrize(("control", "policy", "resource"), CLASSIC_EXPECTED, ids=[f"{c}-{p}" for c, p, _ in CLASSIC_EXPECTED])
def test_insecure_classic_problem_is_reported(classic_findings: list[Any], control: str, policy: str, resource: str) -> None:
    matching = [f for f in classic_findings if f.policy == policy and (f.urn or "").endswith(f"::{resource}")]
    assert matching, f"{policy} reported nothing on {resource}"
    assert all(f.level == "mandatory" and control in _controls(f) for f in matching), matching


@pytest.mark.parametrize(
    ("control", "policy", "resource", "fragment"), CLASSIC_EVASIVE, ids=[f"{c}-{r}-{i}" for i, (c, _, r, _) in enumerate(CLASSIC_EVASIVE)]
)
def test_insecure_classic_evasion_is_seen_through(
    classic_findings: list[Any], control: str, policy: str, resource: str, fragment: str
) -> None:
    matching = [f for f in classic_findings if f.policy == policy and (f.urn or "").endswith(f"::{resource}")]
    assert any(f.level == "mandatory" and control in _controls(f) and fragment in f.message for f in matching), matching


def test_every_classic_finding_names_its_control(classic_findings: list[Any]) -> None:
    assert classic_findings and all(_controls(f) for f in classic_findings)
    # The one type of the example no policy reads is named, not passed silently.
    unjudged = [f for f in classic_findings if f.policy == "azurenative-resources-stack-unjudged-types"]
    assert [f.level for f in unjudged] == ["advisory"] and "azure:containerapp/environment:Environment" in unjudged[0].message


def test_hardened_non_ai_stack_gets_no_mandatory_finding() -> None:
    assert [f for f in _preview("hardened-non-ai") if f.level == "mandatory"] == []


def test_hardened_non_ai_stack_judged_as_landing_zone_when_switched_on() -> None:
    findings = _preview(
        "hardened-non-ai", {"azurenative-resources-stack-landing-zone-scope": {"landingZone": "always", "conventions": True}}
    )
    mandatory = {f.policy for f in findings if f.level == "mandatory"}
    assert {"azurenative-storage-storageaccount-boundary-tag", "azurenative-resources-dataresource-deletion-protection"} <= mandatory


@pytest.mark.controls("DATA-5")
def test_insecure_classic_protected_and_locked_store_passes_deletion_protection(classic_findings: list[Any]) -> None:
    """'docs' is created with protect and a CanNotDelete azure:management/lock:Lock on its id: the
    lock counts, so DATA-5 reports nothing on it (while the near-miss and sibling-scope locks of
    the vault and the search service count for nothing)."""
    on_docs = [
        f
        for f in classic_findings
        if f.policy == "azurenative-resources-dataresource-deletion-protection" and (f.urn or "").endswith("::docs")
    ]
    assert on_docs == []


@pytest.mark.controls("RES-2")
def test_landing_zone_policies_say_not_applicable_on_a_stack_out_of_scope() -> None:
    """On a stack that is not an AI workload the pack says, in AnalyzeStack, that each active
    landing-zone policy is not applicable (and why) instead of staying silent, so no report counts
    them as passed; universal policies still judge it. Switched on, none says so."""
    import pulumi_aizone_gate
    from pulumi_aizone_gate.evidence import evaluate
    from pulumi_aizone_policy import scope

    def run(config: dict[str, Any] | None) -> Any:
        return pulumi_aizone_gate.run(ROOT / "examples" / "hardened-non-ai", "dev", ROOT / "policy_pack", config)

    result = run(None)
    said = {policy: reason for policy, urn, reason in result.analysis.not_applicable if urn == ""}
    assert set(said) == {p.name for p in result.analysis.analyzer.policies if p.name in scope.LANDING_ZONE}
    # The conventions and customer-managed keys say why they are out (the organisation's config),
    # the others why the stack is.
    assert {said[name] for name in scope.CONVENTIONS} == {scope.CONVENTIONS_OFF_REASON}
    assert {said[name] for name in scope.CUSTOMER_MANAGED_KEYS} == {scope.CMK_OFF_REASON}
    assert {reason for name, reason in said.items() if name not in scope.CONVENTIONS | scope.CUSTOMER_MANAGED_KEYS} == {
        "landing-zone policy, and this stack is not an AI workload: it holds no AI resource and has no 'aizone:workload: ai' "
        "stack tag (azurenative-resources-stack-landing-zone-scope config: landingZone is 'auto')"
    }
    evidence = {item.policy.name: item for item in evaluate(result)}
    assert {evidence[name].status for name in said} == {"notApplicable"}
    assert any(item.status == "passed" for name, item in evidence.items() if name not in scope.LANDING_ZONE)
    off = run({scope.SCOPE_POLICY: {"landingZone": "never", "conventions": True}})
    assert {
        reason for policy, urn, reason in off.analysis.not_applicable if policy in scope.LANDING_ZONE - scope.CUSTOMER_MANAGED_KEYS
    } == {"landing-zone policy, off for every stack (azurenative-resources-stack-landing-zone-scope config: landingZone is 'never')"}
    on = run({scope.SCOPE_POLICY: {"landingZone": "always", "conventions": True, "customerManagedKeys": ["customer"]}})
    assert [n for n in on.analysis.not_applicable if n[0] in scope.LANDING_ZONE] == []
    assert any(item.status == "passed" for item in evaluate(on) if item.policy.name in scope.LANDING_ZONE)
