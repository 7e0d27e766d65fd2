"""The landing zone's runtime guardrails (issue 22): the dev stack assigns one initiative enforcing
every control with a runtime counterpart at its resource group, denying where its settings say so,
and the pack configuration's exemptions appear as Azure Policy exemptions with the same expiry."""

from __future__ import annotations

import json
from typing import Any

import pytest

from pulumi_aizone_policy import catalog, defaults

from .conftest import Plan
from .plans import dev_config, of_type, record

INITIATIVE = "azure-native:authorization:PolicySetDefinition"
ASSIGNMENT = "azure-native:authorization:PolicyAssignment"
EXEMPTION = "azure-native:authorization:PolicyExemption"
ROLE_ASSIGNMENT = "azure-native:authorization:RoleAssignment"
SUBSCRIPTION = "00000000-0000-0000-0000-000000000000"
STORAGE = f"/subscriptions/{SUBSCRIPTION}/resourceGroups/rg-legacy/providers/Microsoft.Storage/storageAccounts/stlegacy"


@pytest.mark.controls(*catalog.runtime_controls())
def test_dev_stack_assigns_one_initiative_enforcing_every_runtime_control(dev_plan: Plan) -> None:
    initiative = dev_plan.one(INITIATIVE, "guardrails")
    references = {ref["policyDefinitionReferenceId"]: ref for ref in initiative.inputs["policyDefinitions"]}
    covered = {control for reference_id in references for control in catalog.RUNTIME_BY_REFERENCE[reference_id].controls}
    assert covered == set(catalog.runtime_controls())
    effects = {reference_id: ref["parameters"]["effect"]["value"] for reference_id, ref in references.items()}
    assert effects["ACC-1-ai-services-local-auth"] == "Deny"
    assert effects["ACC-7-ai-services-network"] == "Deny"
    assert effects["MOD-3-approved-models"] == "Deny"
    assert effects["DATA-6-storage-infrastructure-encryption"] == "Audit"
    # The stack's model allow-list (aizone:ai.allowedModels, default: the pack's), as "name,version".
    allowed = [f"{m['name']},{m['version']}" for m in defaults.ALLOWED_MODELS]
    assert references["MOD-3-approved-models"]["parameters"]["allowedModels"]["value"] == allowed
    assignment = dev_plan.one(ASSIGNMENT, "guardrails")
    assert assignment.inputs["scope"] == f"/subscriptions/{SUBSCRIPTION}/resourceGroups/rg-aiz-dev"
    assert assignment.inputs["enforcementMode"] == "Default"
    assert assignment.inputs["policyAssignmentName"].startswith("aizone-gr-")
    # No remediation is asked for: no identity and no privileged role for one.
    assert "identity" not in assignment.inputs
    assert [r.name for r in dev_plan.of_type(ROLE_ASSIGNMENT) if "guardrails" in r.name] == []


@pytest.fixture(scope="module")
def waived(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    tmp = tmp_path_factory.mktemp("guardrails")
    pack_config = tmp / "policy-config.json"
    pack_config.write_text(
        json.dumps(
            {
                "azurenative-storage-storageaccount-restrict-network-access": {
                    "exemptions": [{"resource": "legacy-*", "reason": "migration SEC-42", "expires": "2027-01-31", "scope": STORAGE}]
                },
                "azurenative-cognitiveservices-deployment-capacity-cap": {
                    "exemptions": [{"resource": "big", "reason": "quota review", "expires": "2027-02-01"}]
                },
            }
        )
    )
    config = dev_config()
    config["aizone:governance"]["guardrails"] = {"scope": "subscription", "policyConfig": str(pack_config)}
    plan = record(tmp, config)
    assert plan["errors"] == []
    return plan


@pytest.mark.controls("ACC-7")
def test_pack_exemptions_become_policy_exemptions_with_the_same_expiry(waived: dict[str, Any]) -> None:
    [exemption] = of_type(waived, EXEMPTION)  # the ACC-8 waiver has no runtime counterpart
    inputs = exemption["inputs"]
    assert inputs["scope"] == STORAGE
    assert inputs["expiresOn"] == "2027-01-31T23:59:59Z"
    assert inputs["exemptionCategory"] == "Waiver"
    assert inputs["description"].startswith("migration SEC-42 (policy pack: azurenative-storage-storageaccount-restrict-network-access")
    assert set(inputs["policyDefinitionReferenceIds"]) == {p.reference_id for p in catalog.runtime_policies("ACC-7")}


def test_subscription_scope_assigns_at_the_subscription(waived: dict[str, Any]) -> None:
    [assignment] = [r for r in of_type(waived, ASSIGNMENT) if "guardrails" in r["name"]]
    assert assignment["inputs"]["scope"] == f"/subscriptions/{SUBSCRIPTION}"
