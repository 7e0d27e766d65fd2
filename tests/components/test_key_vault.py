"""KeyVault alone, built through the component provider from camelCase inputs."""

from typing import Any

import pytest

from pulumi_aizone_policy import reference

from .construct_probe import DIAGNOSTICS, PLACEMENT, WORKSPACE_ID, Built, construct, networking

VAULT = "azure-native:keyvault:Vault"
ENDPOINT = "azure-native:network:PrivateEndpoint"
ZONE_GROUP = "azure-native:network:PrivateDnsZoneGroup"
DIAGNOSTIC = "azure-native:monitor:DiagnosticSetting"
ROLE_ASSIGNMENT = "azure-native:authorization:RoleAssignment"

ARGS: dict[str, Any] = {
    "placement": PLACEMENT,
    "vaultName": "kv-probe",
    "tenantId": "11111111-1111-1111-1111-111111111111",
    "networking": networking("privatelink.vaultcore.azure.net"),
    "diagnostics": DIAGNOSTICS,
    "roleAssignments": [{"principalName": "gateway", "principalId": "gateway-oid", "role": "Key Vault Secrets User"}],
}
BAD: dict[str, Any] = {
    **ARGS,
    "vaultName": "KV_bad",
    "boundary": "secret",
    "roleAssignments": [{"principalName": "gateway", "principalId": "gateway-oid", "role": "Key Vault Administrator"}],
}


@pytest.fixture(scope="module")
def built() -> Built:
    return construct([("KeyVault", "kv", ARGS), ("KeyVault", "bad", BAD)])


@pytest.mark.controls("DATA-7", "DATA-5", "ACC-7")
def test_vault_authorises_by_rbac_keeps_deleted_secrets_and_is_private(built: Built) -> None:
    assert built.errors.get("kv") is None
    vault = built.one(VAULT, "kv-")
    assert vault["vaultName"] == "kv-probe"
    properties = vault["properties"]
    assert properties["enableRbacAuthorization"] is True
    assert properties["enableSoftDelete"] is True
    assert properties["softDeleteRetentionInDays"] == 90
    assert properties["enablePurgeProtection"] is True
    assert properties["publicNetworkAccess"] == "Disabled"
    assert properties["networkAcls"] == {"defaultAction": "Deny", "bypass": "AzureServices"}
    assert properties["enabledForDeployment"] is False
    assert properties["enabledForTemplateDeployment"] is False
    assert vault["tags"] == {"owner": "platform", reference.BOUNDARY_TAG: "internal"}


@pytest.mark.controls("RES-4", "RES-2")
def test_vault_has_a_vault_endpoint_in_the_hub_zone_and_sends_logs_to_the_workspace(built: Built) -> None:
    endpoint = built.one(ENDPOINT, "kv-")
    (connection,) = endpoint["privateLinkServiceConnections"]
    assert connection["groupIds"] == ["vault"]
    assert connection["privateLinkServiceId"] == "kv-vault_id"
    zones = built.one(ZONE_GROUP, "kv-")["privateDnsZoneConfigs"]
    assert [zone["privateDnsZoneId"].rsplit("/", 1)[1] for zone in zones] == ["privatelink.vaultcore.azure.net"]
    diagnostic = built.one(DIAGNOSTIC, "kv-")
    assert diagnostic["resourceUri"] == "kv-vault_id"
    assert diagnostic["workspaceId"] == WORKSPACE_ID
    assert diagnostic["logs"] == [{"categoryGroup": "allLogs", "enabled": True}]
    assert diagnostic["metrics"] == [{"category": "AllMetrics", "enabled": True}]


@pytest.mark.controls("ACC-5", "ACC-6")
def test_role_assignments_as_data_grant_secret_read_on_this_vault_only(built: Built) -> None:
    grant = built.one(ROLE_ASSIGNMENT, "kv-secrets-gateway")
    assert grant["scope"] == "kv-vault_id"
    assert grant["principalId"] == "gateway-oid"
    assert grant["principalType"] == "ServicePrincipal"
    assert grant["roleDefinitionId"].endswith(reference.ROLE_IDS["Key Vault Secrets User"])
    assert built.states["kv"]["vaultId"] == "kv-vault_id"


def test_invalid_args_name_every_field_and_register_nothing(built: Built) -> None:
    message = built.errors["bad"]
    lines = [line.strip() for line in message.splitlines()[1:]]
    assert lines == [
        "KeyVault.vault_name: 'KV_bad' is not a valid Microsoft.KeyVault/vaults name; use 3-24 lowercase letters, "
        "digits and single hyphens, starting with a letter and ending with a letter or digit",
        "KeyVault.boundary: one of internal, customer, public",
        "KeyVault.role_assignments[0].role: 'Key Vault Administrator' is not allowed here; allowed: Key Vault Secrets User",
    ]
    assert built.named("bad") == []
