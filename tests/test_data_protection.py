"""DATA-5 without management locks (README, "Data protection"): the dev plan has no
`authorization:ManagementLock*` resource of any kind; the deletion guard is a denyAction(delete)
Azure Policy assigned to the landing zone's own resource group (not the subscription or a
management group above it) whose rule names exactly the data-bearing resource types; and
`aizone:data.protect` governs Pulumi's protect on the resource group, the AI account, the workspace
and the data resources, and the guard itself (teardown: `protect: false`, `pulumi up`, then
`pulumi destroy`)."""

from __future__ import annotations

from typing import Any

import pytest

from pulumi_aizone.protection import GUARDED_TYPES

from .conftest import Plan
from .plans import dev_config, record

DEFINITION = "azure-native:authorization:PolicyDefinition"
ASSIGNMENT = "azure-native:authorization:PolicyAssignment"
GROUP = "azure-native:resources:ResourceGroup"
PROTECTED = (
    GROUP,
    "azure-native:cognitiveservices:Account",
    "azure-native:operationalinsights:Workspace",
    "azure-native:storage:StorageAccount",
    "azure-native:keyvault:Vault",
)

pytestmark = pytest.mark.controls("DATA-5")


def test_no_management_lock_of_any_kind_in_the_dev_plan(dev_plan: Plan) -> None:
    locks = [(r.type, r.name) for r in dev_plan.resources if r.type.startswith("azure-native:authorization:ManagementLock")]
    assert locks == []
    # nor one written through the generic resource type
    generic = [r for r in dev_plan.of_type("azure-native:resources:Resource") if "locks" in str(r.inputs.get("resourceType", "")).lower()]
    assert generic == []


def test_the_guard_is_assigned_to_the_resource_group_itself(dev_plan: Plan) -> None:
    group = dev_plan.one(GROUP)
    assignment = dev_plan.one(ASSIGNMENT, "deletion-guard")
    definition = dev_plan.one(DEFINITION, "deletion-guard")
    # exactly the group's id: not the subscription, a management group or another group above it
    assert assignment.inputs["scope"] == group.id
    assert assignment.inputs["scope"] == f"/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/{group.outputs['name']}"
    assert group.urn in assignment.property_dependencies["scope"]
    assert assignment.inputs["policyDefinitionId"] == definition.id
    assert assignment.inputs["enforcementMode"] == "Default"  # enforced, not DoNotEnforce
    assert assignment.inputs["nonComplianceMessages"][0]["message"].startswith("[DATA-5] ")


def test_the_guard_rule_names_exactly_the_data_resource_types(dev_plan: Plan) -> None:
    definition = dev_plan.one(DEFINITION, "deletion-guard").inputs
    assert definition["mode"] == "Indexed"  # cascadeBehaviors needs Indexed
    assert definition["policyType"] == "Custom"
    assert definition["policyRule"] == {
        "if": {"field": "type", "in": ["Microsoft.Storage/storageAccounts", "Microsoft.KeyVault/vaults", "Microsoft.Purview/accounts"]},
        "then": {
            "effect": "denyAction",
            "details": {"actionNames": ["delete"], "cascadeBehaviors": {"resourceGroup": "deny"}},
        },
    }
    assert list(GUARDED_TYPES) == definition["policyRule"]["if"]["in"]
    # role assignments, diagnostic settings and private endpoints stay deletable (revocation works)
    for extension in (
        "Microsoft.Authorization/roleAssignments",
        "Microsoft.Insights/diagnosticSettings",
        "Microsoft.Network/privateEndpoints",
    ):
        assert extension not in definition["policyRule"]["if"]["in"]


def test_protect_covers_the_group_ai_account_workspace_and_data(dev_plan: Plan) -> None:
    for token in PROTECTED:
        resources = dev_plan.of_type(token)
        assert resources, token
        assert all(resource.options.protect is True for resource in resources), token


@pytest.fixture(scope="module")
def unprotected(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    config = dev_config()
    config["aizone:data"] = {"protect": False}
    plan = record(tmp_path_factory.mktemp("unprotected"), config)
    assert plan["errors"] == []
    return plan


def test_protect_false_drops_protect_and_the_guard_but_keeps_recoverability(unprotected: dict[str, Any]) -> None:
    """Teardown's first `pulumi up`: no resource is protected and the guard is gone, so
    `pulumi destroy` can proceed; soft delete, versioning and purge protection stay."""
    resources = unprotected["resources"]
    assert [r["name"] for r in resources if r["protect"]] == []
    # The runtime guardrails (Azure Policy definitions and their assignment) stay: only the guard goes.
    guard = [r["name"] for r in resources if r["type"] in (DEFINITION, ASSIGNMENT) and "-guardrails-" not in r["name"]]
    assert guard + [r["name"] for r in resources if r["type"] in ("aizone:data:DeletionGuard", "aizone:index:DeletionGuard")] == []
    (vault,) = [r for r in resources if r["type"] == "azure-native:keyvault:Vault"]
    assert vault["inputs"]["properties"]["enablePurgeProtection"] is True
    assert vault["inputs"]["properties"]["enableSoftDelete"] is True
    for service in (r for r in resources if r["type"] == "azure-native:storage:BlobServiceProperties"):
        assert service["inputs"]["isVersioningEnabled"] is True
        assert service["inputs"]["deleteRetentionPolicy"]["enabled"] is True
