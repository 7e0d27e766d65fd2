"""ContainerRegistry built alone through the component provider: Entra-only, private, no export,
retention on untagged manifests, and one error listing every bad field."""

from typing import Any

import pytest

from tests.components.probe import PLACEMENT, WORKSPACE_ID, Built, build, networking

REGISTRY = "azure-native:containerregistry:Registry"
INPUTS: dict[str, Any] = {
    "placement": PLACEMENT,
    "registryName": "crprobe01",
    "networking": networking("privatelink.azurecr.io"),
    "diagnostics": {"workspaceId": WORKSPACE_ID},
}
NO_ZONES: dict[str, Any] = {
    **INPUTS,
    "registryName": "crprobe02",
    "options": {"untaggedRetentionDays": 7, "zoneRedundant": False, "allowTrustedServices": False},
}
BAD: dict[str, Any] = {**INPUTS, "registryName": "cr_probe", "options": {"untaggedRetentionDays": 0}}


@pytest.fixture(scope="module")
def built() -> Built:
    return build("ContainerRegistry", ("acr", INPUTS), ("acr2", NO_ZONES), ("bad", BAD))


@pytest.mark.controls("ACC-1", "ACC-7", "EXEC-2")
def test_registry_is_premium_entra_only_private_and_keeps_images_in(built: Built) -> None:
    registry = built.named("acr-registry")
    assert registry["sku"] == {"name": "Premium"}
    assert registry["adminUserEnabled"] is False
    assert registry["anonymousPullEnabled"] is False
    assert registry["publicNetworkAccess"] == "Disabled"
    assert registry["networkRuleSet"] == {"defaultAction": "Deny", "ipRules": []}
    assert registry["networkRuleBypassOptions"] == "AzureServices"
    assert registry["policies"]["exportPolicy"] == {"status": "disabled"}
    assert registry["policies"]["retentionPolicy"] == {"days": 30, "status": "enabled"}
    assert registry["zoneRedundancy"] == "Enabled"
    assert registry["dataEndpointEnabled"] is True
    endpoint = built.named("acr-pe-registry")
    assert endpoint["privateLinkServiceConnections"][0]["groupIds"] == ["registry"]


def test_options_change_only_what_they_name(built: Built) -> None:
    registry = built.named("acr2-registry")
    assert registry["networkRuleBypassOptions"] == "None"
    assert registry["zoneRedundancy"] == "Disabled"
    assert registry["policies"]["retentionPolicy"] == {"days": 7, "status": "enabled"}
    assert registry["adminUserEnabled"] is False and registry["publicNetworkAccess"] == "Disabled"


def test_invalid_args_list_every_field_and_register_nothing(built: Built) -> None:
    message = built.errors["bad"]
    assert "ContainerRegistry.registry_name: 5-50 letters and digits (no '-' or '_')" in message
    assert "ContainerRegistry.options.untagged_retention_days: must be between 1 and 365, got 0" in message
    assert not [r for r in built.registrations if r["name"].startswith("bad")]
