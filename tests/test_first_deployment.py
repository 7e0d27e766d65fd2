"""The two `pulumi up` runs of a fresh deployment, for the whole landing zone (the gateway alone is
covered in test_gateway.py): run 1 is the session's dev preview (the gateway lookup finds nothing,
as in a fresh subscription); run 2 is the same stack and config recorded after run 1, when the
lookup finds the service with an approved `Gateway` private endpoint connection. Between them only
the gateway service changes: public network access Enabled + the first-deployment tag, then
Disabled without the tag. No config key differs."""

from __future__ import annotations

from typing import Any

import pytest

from pulumi_aizone_policy import reference

from .conftest import ROOT, Plan
from .plans import record

SERVICE = "azure-native:apimanagement:ApiManagementService"

pytestmark = pytest.mark.controls("ACC-7")

# Run 2's program: the real one, after registering (for this process only) what ARM answers for the
# service run 1 created: its endpoint connection approved, its tag from run 1.
RUN_2 = """
import runpy
from pulumi_aizone_gate import azure_mocks

azure_mocks.EXISTING_RESOURCES[{service_id!r}] = {{
    "publicNetworkAccess": "Enabled",
    "tags": {{{tag!r}: {date!r}}},
    "privateEndpointConnections": [{{
        "groupIds": ["Gateway"],
        "provisioningState": "Succeeded",
        "privateLinkServiceConnectionState": {{"status": "Approved"}},
    }}],
}}
runpy.run_path({main!r}, run_name="__main__")
"""


@pytest.fixture(scope="module")
def run_1(dev_preview: Any) -> Plan:
    return Plan(dev_preview.resources)


@pytest.fixture(scope="module")
def run_2(run_1: Plan, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    service = run_1.one(SERVICE)
    program = tmp_path_factory.mktemp("run-2") / "program"
    program.mkdir()
    for name in ("Pulumi.yaml", "Pulumi.dev.yaml"):
        (program / name).symlink_to(ROOT / name)
    (program / "__main__.py").write_text(
        RUN_2.format(
            service_id=service.id,
            tag=reference.FIRST_DEPLOYMENT_TAG,
            date=service.inputs["tags"][reference.FIRST_DEPLOYMENT_TAG],
            main=str(ROOT / "__main__.py"),
        )
    )
    plan = record(program.parent, program=program, stack="dev")
    assert plan["errors"] == []
    return plan


def test_run_1_creates_the_gateway_public_with_the_marker_and_its_endpoint(run_1: Plan) -> None:
    service = run_1.one(SERVICE).inputs
    assert service["publicNetworkAccess"] == "Enabled"
    assert reference.FIRST_DEPLOYMENT_TAG in service["tags"]
    endpoint = run_1.one("azure-native:network:PrivateEndpoint", "gw-pe")
    assert endpoint.inputs["privateLinkServiceConnections"][0]["groupIds"] == ["Gateway"]


def test_run_2_makes_the_gateway_private_and_drops_the_marker(run_2: dict[str, Any]) -> None:
    (service,) = [r for r in run_2["resources"] if r["type"] == SERVICE]
    assert service["inputs"]["publicNetworkAccess"] == "Disabled"
    assert reference.FIRST_DEPLOYMENT_TAG not in service["inputs"]["tags"]
    assert [c["token"] for c in run_2["calls"]].count("azure-native:apimanagement:getApiManagementService") == 1


def test_between_the_runs_only_the_gateways_public_access_and_tag_change(run_1: Plan, run_2: dict[str, Any]) -> None:
    before = {r.urn: r for r in run_1.resources}
    after = {r["urn"]: r for r in run_2["resources"]}
    assert set(before) == set(after)  # nothing created or deleted by run 2
    changed = sorted(
        (after[urn]["type"], key)
        for urn in after
        for key in set(before[urn].inputs) | set(after[urn]["inputs"])
        if before[urn].inputs.get(key) != after[urn]["inputs"].get(key)
    )
    assert changed == [(SERVICE, "publicNetworkAccess"), (SERVICE, "tags")]
    urn = run_1.one(SERVICE).urn
    tags_before, tags_after = dict(before[urn].inputs["tags"]), dict(after[urn]["inputs"]["tags"])
    del tags_before[reference.FIRST_DEPLOYMENT_TAG]
    assert tags_before == tags_after  # every other tag stays
