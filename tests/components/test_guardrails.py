"""Guardrails alone, built through the component provider from camelCase inputs: the initiative it
assigns, the effects per control, the identity and roles remediation needs, and the exemptions."""

from typing import Any

import pytest

from pulumi_aizone_policy import azure_policy, catalog

from .construct_probe import Built, construct

GROUP = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-probe"
STORAGE = f"{GROUP}/providers/Microsoft.Storage/storageAccounts/stlegacy01"
DEFINITION = "azure-native:authorization:PolicyDefinition"
DEFINITION_MG = "azure-native:authorization:PolicyDefinitionAtManagementGroup"
INITIATIVE = "azure-native:authorization:PolicySetDefinition"
INITIATIVE_MG = "azure-native:authorization:PolicySetDefinitionAtManagementGroup"
ASSIGNMENT = "azure-native:authorization:PolicyAssignment"
EXEMPTION = "azure-native:authorization:PolicyExemption"
ROLE_ASSIGNMENT = "azure-native:authorization:RoleAssignment"
CONTRIBUTOR = "b24988ac-6180-42a0-ab88-20f7382dd24c"

ARGS: dict[str, Any] = {
    "name": "aizone-guardrails-0123456789ab",
    "scopeId": GROUP,
    "location": "swedencentral",
    "allowedModels": [{"name": "gpt-4o", "version": "2024-11-20"}],
}
DENY: dict[str, Any] = {**ARGS, "enforcement": {"ACC-1": "deny", "MOD-3": "deny"}}
REMEDIATE: dict[str, Any] = {
    **ARGS,
    "enforcement": {"ACC-1": "remediate"},
    "exemptions": [
        {
            "name": "legacy-storage",
            "scope": STORAGE,
            "controls": ["ACC-7", "DATA-6"],
            "reason": "migration ticket SEC-42",
            "expires": "2027-01-31",
        }
    ],
}
MG: dict[str, Any] = {
    **ARGS,
    "name": "aizone-gr-mg",
    "scopeId": "/providers/Microsoft.Management/managementGroups/mg-ai",
    "scopeKind": "managementGroup",
    "managementGroupId": "mg-ai",
}
BAD: dict[str, Any] = {
    "name": "Guardrails!",
    "scopeId": "",
    "scopeKind": "tenant",
    "location": "Sweden Central",
    "controls": ["ACC-1", "ACC-4", "MOD-3"],
    "enforcement": {"ACC-1": "block", "ACC-7": "deny"},
    "exemptions": [{"name": "forever", "scope": STORAGE, "controls": ["ACC-1"], "reason": " ", "expires": "never"}],
}


@pytest.fixture(scope="module")
def built() -> Built:
    return construct(
        [
            ("Guardrails", "audit", ARGS),
            ("Guardrails", "deny", DENY),
            ("Guardrails", "remediate", REMEDIATE),
            ("Guardrails", "mg", MG),
            ("Guardrails", "bad", BAD),
        ]
    )


def _references(built: Built, prefix: str) -> dict[str, dict[str, Any]]:
    initiative = built.one(INITIATIVE, prefix)
    return {ref["policyDefinitionReferenceId"]: ref for ref in initiative["policyDefinitions"]}


def _effect(reference: dict[str, Any]) -> str:
    return reference["parameters"]["effect"]["value"]


@pytest.mark.controls("ACC-1", "ACC-7", "MOD-2a", "MOD-3")
def test_one_initiative_audits_every_control_with_a_runtime_counterpart_at_the_resource_group(built: Built) -> None:
    assert built.errors.get("audit") is None
    references = _references(built, "audit-")
    expected = {p.reference_id for p in catalog.RUNTIME_POLICIES if not p.remediates}
    assert set(references) == expected
    assert {_effect(ref) for ref in references.values()} == {"Audit", "AuditIfNotExists"}
    key_access = references["ACC-1-ai-services-local-auth"]
    assert key_access["policyDefinitionId"] == "/providers/Microsoft.Authorization/policyDefinitions/71ef260a-8f18-47b7-abcb-62d0673d94dc"
    assert key_access["definitionVersion"] == "1.*.*"
    network = references["ACC-7-ai-services-network"]
    assert network["policyDefinitionId"].endswith("/037eea7a-bd0a-46c5-9a66-03aea78705d3")
    assert references["RES-5-storage-minimum-tls"]["parameters"]["minimumTlsVersion"] == {"value": "TLS1_2"}
    assignment = built.one(ASSIGNMENT, "audit-")
    assert assignment["scope"] == GROUP
    assert assignment["policyAssignmentName"] == "aizone-guardrails-0123456789ab"
    assert assignment["policyDefinitionId"] == "audit-initiative_id"
    assert assignment["enforcementMode"] == "Default"
    assert "identity" not in assignment  # nothing remediates in audit mode
    assert built.of_type(ROLE_ASSIGNMENT, "audit-") == []


@pytest.mark.controls("MOD-2a", "MOD-3")
def test_custom_definitions_carry_the_stacks_allow_lists(built: Built) -> None:
    models = built.one(DEFINITION, "audit-aizone-approved-models")
    assert models["policyDefinitionName"] == "aizone-guardrails-0123456789ab-approved-models"
    assert models["mode"] == "All"
    assert models["policyRule"]["if"]["allOf"][0] == {"field": "type", "equals": "Microsoft.CognitiveServices/accounts/deployments"}
    references = _references(built, "audit-")
    approved = references["MOD-3-approved-models"]
    assert approved["policyDefinitionId"] == "audit-aizone-approved-models_id"
    assert approved["parameters"]["allowedModels"] == {"value": ["gpt-4o,2024-11-20"]}
    assert references["MOD-2a-deployment-content-filter"]["parameters"]["allowedRaiPolicies"] == {"value": ["aizone-prompt-shields"]}


@pytest.mark.controls("ACC-1", "MOD-3")
def test_deny_per_control_leaves_the_others_auditing(built: Built) -> None:
    references = _references(built, "deny-")
    assert _effect(references["ACC-1-ai-services-local-auth"]) == "Deny"
    assert _effect(references["ACC-1-storage-shared-key"]) == "Deny"
    assert _effect(references["MOD-3-approved-models"]) == "Deny"
    assert _effect(references["ACC-7-ai-services-network"]) == "Audit"
    assert "ACC-1-ai-services-local-auth-modify" not in references  # Modify only with remediate


@pytest.mark.controls("ACC-1")
def test_remediate_adds_the_modify_definition_its_identity_and_the_roles_it_names(built: Built) -> None:
    references = _references(built, "remediate-")
    assert _effect(references["ACC-1-ai-services-local-auth-modify"]) == "Modify"
    assert _effect(references["ACC-1-ai-services-local-auth"]) == "Deny"
    assignment = built.one(ASSIGNMENT, "remediate-")
    assert assignment["identity"] == {"type": "SystemAssigned"}
    assert assignment["location"] == "swedencentral"
    role = built.one(ROLE_ASSIGNMENT, "remediate-")
    assert (
        role["roleDefinitionId"]
        == f"/subscriptions/00000000-0000-0000-0000-000000000000/providers/Microsoft.Authorization/roleDefinitions/{CONTRIBUTOR}"
    )
    assert role["scope"] == GROUP
    assert role["principalType"] == "ServicePrincipal"


def test_every_non_compliance_message_names_its_control_ids(built: Built) -> None:
    assignment = built.one(ASSIGNMENT, "audit-")
    messages = {m.get("policyDefinitionReferenceId"): m["message"] for m in assignment["nonComplianceMessages"]}
    assert messages[None].startswith("[aizone] ")
    assert messages["ACC-7-key-vault-public-network"].startswith("[ACC-7, DATA-7] Control external access; Key Vault hardening: ")
    for reference_id, message in messages.items():
        if reference_id is not None:
            controls = catalog.RUNTIME_BY_REFERENCE[reference_id].controls
            assert message.startswith(f"[{', '.join(controls)}] ")


def test_exemption_waives_only_its_controls_with_the_same_expiry_date(built: Built) -> None:
    exemption = built.one(EXEMPTION, "remediate-")
    assert exemption["policyExemptionName"] == "legacy-storage"
    assert exemption["scope"] == STORAGE
    assert exemption["policyAssignmentId"] == "remediate-assignment_id"
    assert exemption["exemptionCategory"] == "Waiver"
    assert exemption["expiresOn"] == "2027-01-31T23:59:59Z"
    assert exemption["description"] == "migration ticket SEC-42"
    waived = set(exemption["policyDefinitionReferenceIds"])
    expected = {p.reference_id for p in catalog.RUNTIME_POLICIES if {"ACC-7", "DATA-6"} & set(p.controls)}
    assert waived == expected
    assert "ACC-7-storage-public-network" in waived and "DATA-6-storage-blob-public-access" in waived
    assert "ACC-1-storage-shared-key" not in waived


def test_exemptions_leave_out_definitions_in_a_resource_provider_mode() -> None:
    """Learn: exemptions do not work with the Microsoft.CognitiveServices.Data mode of the preview
    prompt-shield built-ins, so a MOD-2a waiver names only the custom Resource Manager definition."""
    from pulumi_aizone import guardrails

    chosen = guardrails.selected(catalog.runtime_controls(), {})
    mod2a = [p.reference_id for p, _ in chosen if "MOD-2a" in p.controls and azure_policy.exemptible(p)]
    assert mod2a == ["MOD-2a-deployment-content-filter"]
    assert azure_policy.mode(catalog.RUNTIME_BY_REFERENCE["MOD-2a-prompt-shield-jailbreak"]) == "Microsoft.CognitiveServices.Data"


def test_management_group_scope_puts_the_definitions_in_the_management_group(built: Built) -> None:
    assert built.errors.get("mg") is None
    assert built.of_type(INITIATIVE, "mg-") == []
    initiative = built.one(INITIATIVE_MG, "mg-")
    assert initiative["managementGroupId"] == "mg-ai"
    assert built.one(DEFINITION_MG, "mg-aizone-approved-models")["managementGroupId"] == "mg-ai"
    assert built.one(ASSIGNMENT, "mg-")["scope"] == "/providers/Microsoft.Management/managementGroups/mg-ai"


def test_invalid_args_name_every_field_and_register_nothing(built: Built) -> None:
    lines = [line.strip() for line in built.errors["bad"].splitlines()[1:]]
    runtime = ", ".join(catalog.runtime_controls())
    assert lines == [
        "Guardrails.name: 3-64 lowercase letters, digits and '-', starting with a letter",
        "Guardrails.scope_id: the resource id of the scope to assign the guardrails at is required",
        "Guardrails.scope_kind: 'tenant' is not one of resourceGroup, subscription, managementGroup",
        "Guardrails.location: a programmatic region name such as swedencentral",
        f"Guardrails.controls[1]: 'ACC-4' has no runtime definition; controls with one: {runtime}",
        "Guardrails.enforcement.ACC-1: 'block' is not one of audit, deny, remediate",
        "Guardrails.enforcement.ACC-7: not an assigned control; assigned: ACC-1, ACC-4, MOD-3",
        "Guardrails.allowed_models: at least one {name, version} is required while MOD-3 is assigned",
        "Guardrails.exemptions[0].reason: a reason is required",
        "Guardrails.exemptions[0].expires: the last valid day as YYYY-MM-DD is required (no exemption is open-ended)",
    ]
    assert built.named("bad") == []


def test_an_exemption_never_covers_the_whole_initiative(monkeypatch: pytest.MonkeyPatch) -> None:
    """Azure exempts from every definition of an initiative when policyDefinitionReferenceIds is
    empty: a waiver whose controls no assigned definition enforces (here ACC-1 mapped only to its
    Modify definition, which audit mode leaves out) is refused instead of becoming that."""
    from pulumi_aizone.guardrails import GuardrailExemptionArgs, GuardrailsArgs, validate_guardrails

    only_modify = tuple(p for p in catalog.RUNTIME_POLICIES if "ACC-1" not in p.controls or p.remediates)
    monkeypatch.setattr(catalog, "RUNTIME_POLICIES", only_modify)
    exemption = GuardrailExemptionArgs(name="legacy", scope=STORAGE, controls=["ACC-1"], reason="SEC-42", expires="2027-01-31")
    args = GuardrailsArgs(
        name="aizone-gr-probe", scope_id=GROUP, location="swedencentral", allowed_models=[{"name": "gpt-4o", "version": "1"}]
    )
    problems = validate_guardrails({**args, "exemptions": [exemption]})
    assert [(p.field, p.message) for p in problems] == [
        ("exemptions[0].controls", "no assigned definition that an exemption can cover enforces these controls")
    ]
