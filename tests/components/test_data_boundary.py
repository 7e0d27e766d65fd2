"""DataBoundary alone, built through the component provider from camelCase inputs."""

from typing import Any

import pytest

from pulumi_aizone_policy import reference

from .construct_probe import DIAGNOSTICS, PLACEMENT, WORKSPACE_ID, Built, construct, networking

ACCOUNT = "azure-native:storage:StorageAccount"
BLOB_SERVICE = "azure-native:storage:BlobServiceProperties"
CONTAINER = "azure-native:storage:BlobContainer"
ENDPOINT = "azure-native:network:PrivateEndpoint"
ZONE_GROUP = "azure-native:network:PrivateDnsZoneGroup"
DIAGNOSTIC = "azure-native:monitor:DiagnosticSetting"
ROLE_ASSIGNMENT = "azure-native:authorization:RoleAssignment"

ARGS: dict[str, Any] = {
    "placement": PLACEMENT,
    "application": "hr-assistant",
    "boundary": "internal",
    "accountName": "stprobehr",
    "networking": networking("privatelink.blob.core.windows.net"),
    "diagnostics": DIAGNOSTICS,
    "roleAssignments": [
        {"principalName": "agent-coder", "principalId": "coder-oid", "role": "Storage Blob Data Reader", "boundary": "internal"}
    ],
}
BAD: dict[str, Any] = {
    **ARGS,
    "boundary": "internal",
    "accountName": "st-probe",
    "roleAssignments": [{"principalName": "agent-web", "principalId": "web-oid", "role": "Storage Blob Data Owner", "boundary": "public"}],
}


@pytest.fixture(scope="module")
def built() -> Built:
    return construct([("DataBoundary", "data", ARGS), ("DataBoundary", "bad", BAD)])


@pytest.mark.controls("ACC-1", "ACC-7", "DATA-1", "DATA-6", "RES-5")
def test_account_is_entra_only_private_only_hardened_and_tagged_with_its_boundary(built: Built) -> None:
    assert built.errors.get("data") is None
    account = built.one(ACCOUNT, "data-")
    assert account["accountName"] == "stprobehr"
    assert account["allowSharedKeyAccess"] is False
    assert account["defaultToOAuthAuthentication"] is True
    assert account["isLocalUserEnabled"] is False and account["isSftpEnabled"] is False
    assert account["publicNetworkAccess"] == "Disabled"
    assert account["networkRuleSet"]["defaultAction"] == "Deny"
    assert account["allowBlobPublicAccess"] is False
    assert account["allowCrossTenantReplication"] is False
    assert account["allowedCopyScope"] == "PrivateLink"
    assert account["minimumTlsVersion"] == "TLS1_2"
    assert account["encryption"]["requireInfrastructureEncryption"] is True
    assert account["tags"] == {"owner": "platform", reference.BOUNDARY_TAG: "internal", reference.APPLICATION_TAG: "hr-assistant"}
    assert built.states["data"]["dataBoundary"] == "internal"


@pytest.mark.controls("DATA-5")
def test_deleted_or_overwritten_blobs_can_be_recovered(built: Built) -> None:
    service = built.one(BLOB_SERVICE, "data-")
    assert service["isVersioningEnabled"] is True
    assert service["deleteRetentionPolicy"] == {"enabled": True, "days": 30, "allowPermanentDelete": False}
    assert service["containerDeleteRetentionPolicy"] == {"enabled": True, "days": 30}
    assert built.one(CONTAINER, "data-")["publicAccess"] == "None"


@pytest.mark.controls("RES-4", "RES-2")
def test_blob_endpoint_in_the_hub_zone_and_blob_logs_to_the_workspace(built: Built) -> None:
    (connection,) = built.one(ENDPOINT, "data-")["privateLinkServiceConnections"]
    assert connection["groupIds"] == ["blob"]
    zones = built.one(ZONE_GROUP, "data-")["privateDnsZoneConfigs"]
    assert [zone["privateDnsZoneId"].rsplit("/", 1)[1] for zone in zones] == ["privatelink.blob.core.windows.net"]
    settings = {r["inputs"]["resourceUri"]: r["inputs"] for r in built.of_type(DIAGNOSTIC, "data-")}
    assert "logs" not in settings["data-storage_id"]  # the account itself has only metrics
    blob = settings["data-storage_id/blobServices/default"]
    assert blob["logs"] == [{"categoryGroup": "allLogs", "enabled": True}]
    assert blob["workspaceId"] == WORKSPACE_ID


@pytest.mark.controls("DATA-3", "ACC-5")
def test_role_assignments_as_data_read_only_the_data_container(built: Built) -> None:
    grant = built.one(ROLE_ASSIGNMENT, "data-reader-agent-coder")
    assert grant["scope"] == "data-storage_id/blobServices/default/containers/data"
    assert grant["roleDefinitionId"].endswith(reference.ROLE_IDS["Storage Blob Data Reader"])
    assert grant["principalType"] == "ServicePrincipal"


@pytest.mark.controls("DATA-3")
def test_invalid_args_name_every_field_and_refuse_another_boundary(built: Built) -> None:
    lines = [line.strip() for line in built.errors["bad"].splitlines()[1:]]
    assert lines == [
        "DataBoundary.account_name: 'st-probe' is not a valid Microsoft.Storage/storageAccounts name; use 3-24 "
        "lowercase letters and digits, starting with a letter and ending with a letter or digit",
        "DataBoundary.role_assignments[0].role: 'Storage Blob Data Owner' is not allowed here; allowed: "
        "Storage Blob Data Contributor, Storage Blob Data Reader",
        "DataBoundary.role_assignments[0].boundary: must be 'internal': only identities of this data boundary get its data (DATA-3)",
    ]
    assert built.named("bad") == []
