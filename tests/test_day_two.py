"""Day 2 of a deployment, from recorded plans (ACC-7, RES-2, RES-4):
- a first run that stopped before the gateway's private endpoint existed does not dead-end: the
  first-deployment tag (the pack allows public access for 7 days from it) counts from the run that
  requests the endpoint; a pending endpoint connection keeps its date;
- a connection API Management reports without `groupIds` (read-only, filled by ARM) still counts
  as the gateway's (`Gateway` is its only private-link group);
- the `azuremonitor` logger Azure adds to the service by itself is imported, not created again;
- replacing a private endpoint deletes the old endpoint and zone group before creating the new
  ones, so the old zone group cannot remove the DNS record the new one wrote."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest

from pulumi_aizone_policy import reference

from .conftest import ROOT, Plan
from .plans import record

SERVICE = "azure-native:apimanagement:ApiManagementService"
LOGGER = "azure-native:apimanagement:Logger"
TODAY = dt.datetime.now(dt.timezone.utc).date()
OLD = (TODAY - dt.timedelta(days=30)).isoformat()

# The real program, after registering (for this process only) what ARM answers for resources
# that exist before the run.
PROGRAM = """
import json, runpy
from pulumi_aizone_gate import azure_mocks

azure_mocks.EXISTING_RESOURCES.update(json.loads({existing!r}))
runpy.run_path({main!r}, run_name="__main__")
"""


def _run(tmp_path_factory: pytest.TempPathFactory, existing: dict[str, Any]) -> dict[str, Any]:
    program = tmp_path_factory.mktemp("day-2") / "program"
    program.mkdir()
    for name in ("Pulumi.yaml", "Pulumi.dev.yaml"):
        (program / name).symlink_to(ROOT / name)
    (program / "__main__.py").write_text(PROGRAM.format(existing=json.dumps(existing), main=str(ROOT / "__main__.py")))
    plan = record(program.parent, program=program, stack="dev")
    assert plan["errors"] == []
    return plan


def _service(service_id: str, tag: str, connections: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        service_id: {
            "publicNetworkAccess": "Enabled",
            "tags": {reference.FIRST_DEPLOYMENT_TAG: tag},
            "privateEndpointConnections": connections,
        }
    }


def _one(plan: dict[str, Any], token: str) -> dict[str, Any]:
    (found,) = [r for r in plan["resources"] if r["type"] == token]
    return found


@pytest.fixture(scope="module")
def service_id(dev_plan: Plan) -> str:
    return dev_plan.one(SERVICE).id


@pytest.mark.controls("ACC-7")
def test_a_service_without_endpoint_connection_restarts_the_allowance(service_id: str, tmp_path_factory: pytest.TempPathFactory) -> None:
    """Run 1 stopped after the service and before its endpoint, 30 days ago: the next run
    creates the endpoint, and the allowance counts from it (otherwise the pack refuses the run
    that would end it)."""
    plan = _run(tmp_path_factory, _service(service_id, OLD, []))
    service = _one(plan, SERVICE)["inputs"]
    assert service["publicNetworkAccess"] == "Enabled"
    assert service["tags"][reference.FIRST_DEPLOYMENT_TAG] == TODAY.isoformat()


@pytest.mark.controls("ACC-7")
def test_a_pending_connection_keeps_its_date(service_id: str, tmp_path_factory: pytest.TempPathFactory) -> None:
    pending = {"groupIds": ["Gateway"], "privateLinkServiceConnectionState": {"status": "Pending"}}
    plan = _run(tmp_path_factory, _service(service_id, OLD, [pending]))
    assert _one(plan, SERVICE)["inputs"]["tags"][reference.FIRST_DEPLOYMENT_TAG] == OLD


@pytest.mark.controls("ACC-7")
def test_an_approved_connection_without_group_ids_makes_the_gateway_private(
    service_id: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    approved = {"privateLinkServiceConnectionState": {"status": "Approved"}}
    plan = _run(tmp_path_factory, _service(service_id, OLD, [approved]))
    service = _one(plan, SERVICE)["inputs"]
    assert service["publicNetworkAccess"] == "Disabled"
    assert reference.FIRST_DEPLOYMENT_TAG not in service["tags"]


@pytest.mark.controls("ACC-7")
def test_a_connection_to_another_group_does_not_count(service_id: str, tmp_path_factory: pytest.TempPathFactory) -> None:
    other = {"groupIds": ["portal"], "privateLinkServiceConnectionState": {"status": "Approved"}}
    plan = _run(tmp_path_factory, _service(service_id, OLD, [other]))
    assert _one(plan, SERVICE)["inputs"]["publicNetworkAccess"] == "Enabled"


@pytest.mark.controls("RES-2")
def test_the_logger_azure_added_is_imported(service_id: str, tmp_path_factory: pytest.TempPathFactory) -> None:
    logger_id = f"{service_id}/loggers/azuremonitor"
    existing = {**_service(service_id, OLD, []), logger_id: {"loggerType": "azureMonitor", "isBuffered": True}}
    (logger,) = [
        r for r in _run(tmp_path_factory, existing)["resources"] if r["type"] == LOGGER and r["inputs"]["loggerId"] == "azuremonitor"
    ]
    assert logger["importId"] == logger_id
    assert logger["ignoreChanges"] == ["description", "isBuffered"]
    assert logger["retainOnDelete"] is True
    assert logger["inputs"]["loggerType"] == "azureMonitor"


@pytest.mark.controls("RES-2")
def test_a_fresh_service_creates_its_logger(dev_plan: Plan) -> None:
    logger = dev_plan.one(LOGGER, "azuremonitor")
    assert logger.options.import_id == "" and logger.options.ignore_changes == ()


@pytest.mark.controls("RES-4")
def test_endpoints_and_zone_groups_are_deleted_before_they_are_replaced(dev_plan: Plan) -> None:
    endpoints = dev_plan.of_type("azure-native:network:PrivateEndpoint")
    groups = dev_plan.of_type("azure-native:network:PrivateDnsZoneGroup")
    assert endpoints and groups
    assert all(r.options.delete_before_replace is True for r in [*endpoints, *groups])
