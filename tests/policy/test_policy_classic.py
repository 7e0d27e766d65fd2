"""Classic provider (pulumi-azure 6.x): each compliant baseline passes, each one-field violation is
caught by its policy alone with its control ids, at mandatory level on any stack (universal rules)."""

from __future__ import annotations

import pytest
from classic_cases import CLASSIC_BASELINES, CLASSIC_VIOLATIONS, Case
from policy_cases import controls_mark, diagnostics_of, judge

from pulumi_aizone_policy import scope, tokens as t
from pulumi_aizone_policy.harness import PackAnalyzer


@pytest.mark.parametrize("type_token", sorted(CLASSIC_BASELINES))
def test_classic_baseline_passes(analyzer: PackAnalyzer, type_token: str) -> None:
    assert judge(analyzer, type_token, CLASSIC_BASELINES[type_token]) == []


@pytest.mark.parametrize("case", [pytest.param(c, id=c.id, marks=controls_mark(c.policy)) for c in CLASSIC_VIOLATIONS])
def test_classic_violation_is_caught(analyzer: PackAnalyzer, case: Case) -> None:
    diagnostics = judge(analyzer, case.type, case.props())
    caught = diagnostics_of(diagnostics, case.policy, "mandatory")
    assert caught, f"{case.policy} did not report {case.path}; got {diagnostics}"
    assert any(case.fragment in item.message for item in caught), [item.message for item in caught]
    description, _, message = caught[0].message.partition("\n")
    assert message.startswith(description.split("]", 1)[0] + "]")
    assert {item.policy for item in diagnostics} == {case.policy}


NON_AI_UNIVERSAL = [c for c in CLASSIC_VIOLATIONS if not scope.is_landing_zone(c.policy) and not scope.is_ai_type(c.type)]


@pytest.mark.parametrize("case", NON_AI_UNIVERSAL, ids=lambda c: c.id)
def test_universal_classic_rules_judge_a_non_ai_stack(case: Case) -> None:
    """With the default scope (auto), a universal classic rule reports on a stack without AI."""
    diagnostics = judge(PackAnalyzer(), case.type, case.props())
    assert diagnostics_of(diagnostics, case.policy, "mandatory")


@controls_mark("azure-keyvault-keyvault-rbac-authorization")
def test_contradicting_rbac_spellings_count_as_access_policies(analyzer: PackAnalyzer) -> None:
    """An attacker keeps the new flag true but sets the deprecated one false: still caught."""
    props = {**CLASSIC_BASELINES[t.AZ_KEY_VAULT], "enableRbacAuthorization": False}
    assert diagnostics_of(analyzer.analyze(t.AZ_KEY_VAULT, props), "azure-keyvault-keyvault-rbac-authorization", "mandatory")
    legacy_only = {**CLASSIC_BASELINES[t.AZ_KEY_VAULT], "enableRbacAuthorization": True}
    del legacy_only["rbacAuthorizationEnabled"]
    assert analyzer.analyze(t.AZ_KEY_VAULT, legacy_only) == []


@controls_mark("azure-cosmosdb-account-disable-local-auth")
def test_deprecated_disabled_flag_counts_unless_contradicted(analyzer: PackAnalyzer) -> None:
    base = {key: value for key, value in CLASSIC_BASELINES[t.AZ_COSMOS_ACCOUNT].items() if key != "localAuthenticationEnabled"}
    assert analyzer.analyze(t.AZ_COSMOS_ACCOUNT, {**base, "localAuthenticationDisabled": True}) == []
    both = {**base, "localAuthenticationDisabled": True, "localAuthenticationEnabled": True}
    assert diagnostics_of(analyzer.analyze(t.AZ_COSMOS_ACCOUNT, both), "azure-cosmosdb-account-disable-local-auth", "mandatory")


@controls_mark("azure-authorization-assignment-least-privilege")
def test_broad_role_to_workload_even_on_one_resource(analyzer: PackAnalyzer) -> None:
    props = {
        **CLASSIC_BASELINES[t.AZ_ROLE_ASSIGNMENT],
        "roleDefinitionName": "Contributor",
        "principalType": "ServicePrincipal",
        "scope": "/subscriptions/sub/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/data",
    }
    caught = diagnostics_of(analyzer.analyze(t.AZ_ROLE_ASSIGNMENT, props), "azure-authorization-assignment-least-privilege", "mandatory")
    assert caught and "workload identity" in caught[0].message


@controls_mark("azure-storage-account-infrastructure-encryption")
def test_infrastructure_encryption_is_a_convention_on_classic_as_on_azure_native() -> None:
    """Double encryption is the landing zone's convention (as azurenative-storage-storageaccount-
    infrastructure-encryption is): an ordinary stack's classic account without it has no finding,
    whatever the stack says; with the organisation's conventions on, an AI stack's account is caught.
    (Found by the public corpus, docs/corpus/review.json: classic-azure-py-hdinsight-spark.)"""
    without = {**CLASSIC_BASELINES[t.AZ_STORAGE_ACCOUNT]}
    del without["infrastructureEncryptionEnabled"]
    assert PackAnalyzer().analyze(t.AZ_STORAGE_ACCOUNT, without) == []
    # The stack's author cannot opt out: only the organisation's scope config turns conventions on or off.
    on = PackAnalyzer({scope.SCOPE_POLICY: {"landingZone": "always", "conventions": True}})
    caught = diagnostics_of(on.analyze(t.AZ_STORAGE_ACCOUNT, without), "azure-storage-account-infrastructure-encryption", "mandatory")
    assert [item.message.partition("\n")[2] for item in caught] == [
        "[DATA-6] Storage account 'res' does not use infrastructure (double) encryption (infrastructureEncryptionEnabled is not set): "
        "set infrastructureEncryptionEnabled = true when the account is created (it cannot be changed later)."
    ]
    # An AI stack that has not turned the conventions on is not judged on it either (scope.py).
    assert (
        diagnostics_of(
            PackAnalyzer({scope.SCOPE_POLICY: {"landingZone": "always"}}).analyze(t.AZ_STORAGE_ACCOUNT, without),
            "azure-storage-account-infrastructure-encryption",
        )
        == []
    )
