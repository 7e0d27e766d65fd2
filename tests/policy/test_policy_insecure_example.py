"""End to end: the hand-written insecure stack (examples/insecure, raw azure-native resources and one
Entra ID Conditional Access policy, no components) previewed offline against the real pack, the way
a platform team's pull-request check runs it. Each deliberate problem must come back with its
control id, on the resource that has it, at the policy's default level."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]

# (control id, policy, logical name of the resource the finding is on, level)
EXPECTED: tuple[tuple[str, str, str, str], ...] = (
    ("ACC-5", "azurenative-authorization-roleassignment-least-privilege", "ci-owner", "mandatory"),
    ("ACC-5", "azurenative-authorization-roleassignment-least-privilege", "shadow-runs-code", "mandatory"),
    ("RES-5", "azurenative-apimanagement-service-tls-protocols", "gateway", "mandatory"),
    ("ACC-6", "azurenative-apimanagement-service-managed-identity", "gateway", "mandatory"),
    ("MOD-4", "azurenative-apimanagement-service-managed-identity", "gateway", "mandatory"),
    ("ACC-2", "azurenative-authorization-roleassignment-inventoried-ai-caller", "shadow-openai-user", "advisory"),
    ("DATA-2", "azurenative-storage-storageaccount-dataset-isolation", "data", "mandatory"),
    ("DATA-3", "azurenative-authorization-roleassignment-same-data-boundary", "web-agent-reads-data", "mandatory"),
    ("ACC-1", "azurenative-storage-storageaccount-disable-shared-key", "data", "mandatory"),
    ("DATA-6", "azurenative-storage-storageaccount-hardening", "data", "mandatory"),
    ("DATA-5", "azurenative-resources-dataresource-deletion-protection", "data", "mandatory"),
    ("DATA-5", "azurenative-keyvault-vault-purge-protection", "secrets", "mandatory"),
    ("DATA-7", "azurenative-keyvault-vault-rbac-authorization", "secrets", "mandatory"),
    ("DATA-7", "azurenative-keyvault-vault-disable-public-network-access", "secrets", "mandatory"),
    ("MOD-1", "azurenative-security-pricing-required-plans", "ai-services", "mandatory"),
    ("MOD-2b", "azurenative-cognitiveservices-account-output-monitoring", "ai-services", "advisory"),
    ("EXEC-1", "azurenative-app-containerappssessionpool-isolated-sessions", "code-sessions", "mandatory"),
    ("EXEC-2", "azurenative-app-containerappssessionpool-approved-registry", "code-sessions", "mandatory"),
    ("EXEC-2", "azurenative-authorization-roleassignment-session-executor-scope", "shadow-runs-code", "mandatory"),
    ("EXEC-3", "azurenative-app-containerappssessionpool-resource-limits", "code-sessions", "mandatory"),
    ("EXEC-4", "azurenative-app-containerappssessionpool-execution-alerts", "code-sessions", "advisory"),
    ("MOD-3", "azurenative-app-containerappssessionpool-image-digest", "code-sessions", "mandatory"),
)

# The example's evasive variants (inputs crafted to look compliant): (control id, policy, resource,
# the exact part of the message that shows the pack saw through it). Unit cases of each class:
# test_policy_evasion.py.
EVASIVE: tuple[tuple[str, str, str, str], ...] = (
    (
        "MOD-4",
        "azurenative-apimanagement-policy-no-backend-keys",
        "inference-policy",
        "[MOD-4] API policy 'inference-policy' sends a key (<set-header name=\"api-key\">)",
    ),
    (
        "MOD-4",
        "azurenative-apimanagement-api-entra-managed-identity-auth",
        "inference",
        "[MOD-4] API 'inference' does not validate the callers' Entra ID tokens",
    ),
    (
        "MOD-4",
        "azurenative-apimanagement-backend-no-api-key",
        "models",
        "sends a key to its backend (credentials.header has 'Ocp-Apim-Subscription-Key')",
    ),
    (
        "ACC-3",
        "azurenative-authorization-roleassignment-no-permanent-admin",
        "ops-access-admin",
        "permanently grants the privileged role 'User Access Administrator' at resource group scope",
    ),
    (
        "ACC-6",
        "azurenative-authorization-roleassignment-explicit-principal-type",
        "analyst-reads-account",
        "(principalType is \" User\" (a string that is not exactly 'User')): set principalType = 'User' exactly",
    ),
    (
        "ACC-3",
        "azurenative-authorization-pimroleeligibilityschedule-expiration",
        "ops-eligible",
        "stays eligible for 730 days (scheduleInfo.expiration.duration is 'P2Y'), longer than allowed",
    ),
    (
        "MOD-2a",
        "azurenative-cognitiveservices-raipolicy-prompt-shields",
        "streaming-filter",
        "returns content before it is filtered or uses an unknown mode (properties.mode is 'Asynchronous_filter')",
    ),
    (
        "MOD-2a",
        "azurenative-cognitiveservices-raipolicy-prompt-shields",
        "streaming-filter",
        "filter for Jailbreak on prompts does not block (it only annotates): set blocking = true or action = 'BLOCKING' "
        "(2 entries for this filter; every one must comply)",
    ),
    (
        "ACC-7",
        "azurenative-machinelearningservices-workspace-restrict-network-access",
        "ml",
        "has an outbound rule 'anything' to the wildcard FQDN '*'",
    ),
    ("ACC-1", "azurenative-storage-localuser-no-local-users", "sftp-partner", "signs in with an SSH key, password or shared key"),
    (
        "ACC-3",
        "azuread-conditionalaccesspolicy-break-glass-excluded",
        "ai-mfa",
        "is enforced (state 'enabled') but excludes no user or group",
    ),
    (
        "ACC-1",
        "azurenative-search-service-disable-local-auth",
        "search",
        '(disableLocalAuth is "true" (a string), expected the boolean true)',
    ),
)


def controls_of(finding: Any) -> tuple[str, ...]:
    """Control ids that open the violation message in the one form the framework renders,
    "[DATA-5, DATA-7] Key Vault ...", parsed here so that the test pins that form (the offline
    preview's `controls` field accepts "[ACC-1][ACC-7]" too)."""
    message = finding.message.split("\n", 1)[-1]
    tag = message[1 : message.index("] ")] if message.startswith("[") else ""
    return tuple(part.strip() for part in tag.split(",") if part.strip())


@pytest.fixture(scope="module")
def findings() -> list[Any]:
    """The pack's findings on the insecure example (program recorded in-process under mocks, whose
    outputs look like Azure's, pack over gRPC), judged in full: the landing zone's policy group
    config, conventions on. Under the gate's preview semantics (``pulumi_aizone_gate.run``) two
    role assignments' principal ids are unknown until the identities exist, and the pack says it
    can only check them at ``pulumi up``."""
    import pulumi_aizone_gate

    config = ROOT / "policy_pack" / "configs" / "landing-zone.json"
    result = pulumi_aizone_gate.record(ROOT / "examples" / "insecure", "dev", ROOT / "policy_pack", config)
    assert result.program_errors == []
    return result.findings


@pytest.mark.parametrize(("control", "policy", "resource", "level"), EXPECTED, ids=[f"{c}-{r}" for c, _, r, _ in EXPECTED])
def test_insecure_example_problem_is_reported(findings: list[Any], control: str, policy: str, resource: str, level: str) -> None:
    matching = [f for f in findings if f.policy == policy and (f.urn or "").endswith(f"::{resource}")]
    assert matching, f"{policy} reported nothing on {resource}"
    assert all(f.level == level and control in controls_of(f) for f in matching), matching


@pytest.mark.parametrize(
    ("control", "policy", "resource", "fragment"), EVASIVE, ids=[f"{c}-{r}-{i}" for i, (c, _, r, _) in enumerate(EVASIVE)]
)
def test_insecure_example_evasion_is_seen_through(findings: list[Any], control: str, policy: str, resource: str, fragment: str) -> None:
    matching = [f for f in findings if f.policy == policy and (f.urn or "").endswith(f"::{resource}")]
    assert any(f.level == "mandatory" and control in controls_of(f) and fragment in f.message for f in matching), matching


def test_insecure_example_shows_every_policy_enforced_control(findings: list[Any]) -> None:
    """Every control a policy enforces appears, except those the example has no resource for."""
    from pulumi_aizone_policy import catalog

    reported = {control for f in findings for control in controls_of(f)}
    # ACC-8 needs a disallowed kind, DATA-1 an untagged data resource, DATA-4 a Purview account or a
    # Defender AI plan: the example keeps its original deployment and account as they were. DATA-8
    # (customer-managed keys) is off in the landing zone's config: test_policy_customer_managed_keys.py.
    not_in_example = {"ACC-8", "DATA-1", "DATA-4", "DATA-8"}
    enforced = {control.id for control in catalog.CONTROLS if control.policy_enforced}
    assert enforced - not_in_example <= reported, sorted(enforced - not_in_example - reported)
