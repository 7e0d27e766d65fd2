"""Things that deployed but were wrong, from the recorded dev plan:
- attaching the tenant's existing Purview account creates no `privatelink.purview*` zones (the
  account's endpoints and zones live where the account lives); creating one still does;
- no role assignment is granted to a principal id written in the stack's config: the Purview
  account's identity is read from the account, not taken from a placeholder."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from .conftest import ROOT, Plan

ZONE = "azure-native:privatedns:PrivateZone"
ROLE_ASSIGNMENT = "azure-native:authorization:RoleAssignment"


def _zones(resources: list[Any]) -> set[str]:
    return {str(r.inputs["privateZoneName"]) for r in resources if r.type == ZONE}


@pytest.mark.controls("RES-4", "DATA-4")
def test_attached_purview_adds_no_purview_zones(dev_plan: Plan) -> None:
    zones = _zones(dev_plan.resources)
    assert zones and not any("purview" in zone for zone in zones)


@pytest.mark.controls("RES-4", "DATA-4")
def test_created_purview_has_its_zones(created_purview_plan: dict[str, Any]) -> None:
    zones = {r["inputs"]["privateZoneName"] for r in created_purview_plan["resources"] if r["type"] == ZONE}
    assert {"privatelink.purview.azure.com", "privatelink.purviewstudio.azure.com"} <= zones


@pytest.mark.controls("DATA-4", "ACC-5")
@pytest.mark.parametrize("stack", ["dev", "byo"])
def test_no_grant_goes_to_a_principal_written_in_the_config(dev_plan: Plan, stack: str) -> None:
    text = (ROOT / f"Pulumi.{stack}.yaml").read_text()
    governance = yaml.safe_load(text)["config"]["aizone:governance"]
    assert "principalId" not in governance["purview"]
    purview_grants = [r for r in dev_plan.of_type(ROLE_ASSIGNMENT) if r.name.endswith("-reader-purview")]
    assert purview_grants
    assert all(str(r.inputs["principalId"]) not in text for r in dev_plan.of_type(ROLE_ASSIGNMENT))


@pytest.mark.controls("ACC-3")
def test_admin_eligibility_waits_for_the_gateway_so_its_new_group_has_propagated(dev_plan: Plan) -> None:
    """The request for the new admins group waits for the gateway's service (30-45 minutes on the
    first run): azure-native does not retry a PIM request for a principal RBAC has not seen yet."""
    schedule = dev_plan.one("azure-native:authorization:PimRoleEligibilitySchedule")
    service = dev_plan.one("azure-native:apimanagement:ApiManagementService")
    admins = next(r for r in dev_plan.resources if r.type == "azuread:index/group:Group" and r.name.endswith("-admins"))
    assert service.urn in schedule.dependencies
    assert admins.urn in schedule.property_dependencies["principalId"]


@pytest.mark.controls("RES-2")
def test_blob_diagnostics_name_the_metric_categories_azure_stores(dev_plan: Plan) -> None:
    """Azure stores a blob service's `AllMetrics` as Capacity and Transaction: asking for
    `AllMetrics` showed as drift on every refresh."""
    settings = [r for r in dev_plan.of_type("azure-native:monitor:DiagnosticSetting") if r.name.endswith("-blob-diagnostics")]
    assert len(settings) == 2  # one per application boundary of the dev stack
    for setting in settings:
        assert str(setting.inputs["resourceUri"]).endswith("/blobServices/default")
        assert setting.inputs["metrics"] == [
            {"category": "Capacity", "enabled": True},
            {"category": "Transaction", "enabled": True},
        ]
