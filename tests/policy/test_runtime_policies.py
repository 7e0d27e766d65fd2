"""The catalog's Azure Policy counterparts (catalog.RUNTIME_POLICIES) agree with the definitions.

azure_policy_builtins.json is a snapshot of the built-ins the catalog references, read from
Azure/azure-policy (`source` and `commit` say where); azure_policy_custom.json holds this
repository's custom definitions. A wrong GUID, a parameter the definition does not declare, a value
it does not allow or an effect it does not support would make Azure reject the initiative (or, for
a typo'd GUID of another definition, silently enforce something else).
"""

from __future__ import annotations

import dataclasses
import json
import re

import pytest

from pulumi_aizone_policy import azure_policy, catalog

GUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def test_snapshot_names_its_source_commit() -> None:
    data = json.loads(azure_policy.BUILTINS_FILE.read_text(encoding="utf-8"))
    assert data["source"].startswith("https://github.com/Azure/azure-policy/tree/" + data["commit"])
    assert re.fullmatch(r"[0-9a-f]{40}", data["commit"])
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", data["retrieved"])


def test_every_runtime_policy_agrees_with_its_definition() -> None:
    assert azure_policy.problems() == []


@pytest.mark.parametrize("policy", [p for p in catalog.RUNTIME_POLICIES if p.builtin], ids=lambda p: p.reference_id)
def test_builtin_id_exists_in_the_snapshot(policy: catalog.RuntimePolicy) -> None:
    assert GUID.match(policy.definition)
    entry = azure_policy.builtins()[policy.definition]
    assert entry["id"] == azure_policy.BUILTIN_PREFIX + policy.definition
    assert entry["version"] == policy.version


def test_the_two_ids_the_issue_names_are_mapped() -> None:
    by_guid = {p.definition: p for p in catalog.RUNTIME_POLICIES}
    assert by_guid["71ef260a-8f18-47b7-abcb-62d0673d94dc"].controls == ("ACC-1",)
    assert by_guid["037eea7a-bd0a-46c5-9a66-03aea78705d3"].controls == ("ACC-7",)


def test_every_control_has_a_runtime_counterpart_or_a_reason() -> None:
    with_runtime = set(catalog.runtime_controls())
    without = set(catalog.NO_RUNTIME_COUNTERPART)
    assert with_runtime.isdisjoint(without)
    assert with_runtime | without == set(catalog.CONTROLS_BY_ID)


def test_services_the_issue_names_are_covered() -> None:
    categories = {azure_policy.builtins()[p.definition]["category"] for p in catalog.RUNTIME_POLICIES if p.builtin}
    assert {"Azure Ai Services", "Storage", "Key Vault", "Search", "Container Apps", "API Management"} <= categories


def test_ai_controls_without_a_deny_builtin_have_custom_definitions() -> None:
    custom = {p.reference_id: p for p in catalog.RUNTIME_POLICIES if not p.builtin}
    assert custom["MOD-2a-deployment-content-filter"].deny_effect == "Deny"
    assert custom["MOD-3-approved-models"].from_args == ("allowedModels",)
    rule = json.dumps(azure_policy.custom_definitions()["aizone-deployment-content-filter"]["policyRule"])
    assert "Microsoft.CognitiveServices/accounts/deployments/raiPolicyName" in rule


# --- The check catches what it must (each a single change to a real entry) -------------------------


def _one(reference_id: str, **change: object) -> list[str]:
    return azure_policy.problems([dataclasses.replace(catalog.RUNTIME_BY_REFERENCE[reference_id], **change)])


def test_a_typo_in_a_builtin_id_is_caught() -> None:
    [problem] = _one("ACC-1-ai-services-local-auth", definition="71ef260a-8f18-47b7-abcb-62d0673d94dd")
    assert "built-in 71ef260a-8f18-47b7-abcb-62d0673d94dd is not in the snapshot" in problem


def test_an_undeclared_parameter_is_caught() -> None:
    [problem] = _one("RES-5-storage-minimum-tls", parameters={"minimumTLSVersion": "TLS1_2"})
    assert "parameter 'minimumTLSVersion' is not declared by the definition" in problem


def test_a_value_outside_the_allowed_values_is_caught() -> None:
    [problem] = _one("RES-5-storage-minimum-tls", parameters={"minimumTlsVersion": "TLS1_3"})
    assert "'TLS1_3' is not among the allowed values ['TLS1_0', 'TLS1_1', 'TLS1_2']" in problem
    [problem] = _one("MOD-2a-prompt-shield-jailbreak", parameters={"filterName": "Jailbreaks"})
    assert "'Jailbreaks' is not among the allowed values" in problem


def test_an_unsupported_effect_is_caught() -> None:
    [problem] = _one("RES-4-ai-services-private-link", deny_effect="Deny")
    assert "effect Deny is not one the definition allows (Audit, Disabled)" in problem


def test_a_remediating_definition_cannot_pass_for_an_audit_one() -> None:
    assert any("remediates=False" in p for p in _one("ACC-1-ai-services-local-auth-modify", remediates=False))


def test_a_stale_version_is_caught() -> None:
    [problem] = _one("ACC-7-ai-services-network", version="3.2.0")
    assert "version '3.2.0' differs from the definition's '3.3.0'" in problem


def test_a_duplicate_reference_id_is_caught() -> None:
    policy = catalog.RUNTIME_BY_REFERENCE["DATA-7-key-vault-rbac"]
    assert azure_policy.problems([policy, policy]) == ["DATA-7-key-vault-rbac: reference id used twice"]


def test_modify_definition_names_the_roles_its_identity_needs() -> None:
    policy = catalog.RUNTIME_BY_REFERENCE["ACC-1-ai-services-local-auth-modify"]
    assert azure_policy.role_ids(policy) == ("b24988ac-6180-42a0-ab88-20f7382dd24c",)  # Contributor
    assert policy.definition_version == "1.*.*"
