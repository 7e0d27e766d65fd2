"""Purview (a created account) and ExistingPurview (attached by id) alone, built through the
component provider from camelCase inputs."""

from typing import Any

import pytest

from .construct_probe import DIAGNOSTICS, PLACEMENT, WORKSPACE_ID, Built, construct, networking

ACCOUNT = "azure-native:purview:Account"
ENDPOINT = "azure-native:network:PrivateEndpoint"
DIAGNOSTIC = "azure-native:monitor:DiagnosticSetting"
EXISTING_ID = "/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/rg-gov/providers/Microsoft.Purview/accounts/pview-tenant"

ARGS: dict[str, Any] = {
    "placement": PLACEMENT,
    "accountName": "pview-probe",
    "networking": networking("privatelink.purview.azure.com", "privatelink.purviewstudio.azure.com"),
    "diagnostics": DIAGNOSTICS,
}
EXISTING: dict[str, Any] = {"accountId": EXISTING_ID, "principalId": "scanner-oid"}
BAD: dict[str, Any] = {**ARGS, "accountName": "Pview_Probe", "placement": {**PLACEMENT, "location": "Sweden Central"}}
BAD_EXISTING: dict[str, Any] = {"accountId": EXISTING_ID, "providerSubscriptionId": "00000000-0000-0000-0000-000000000000"}


@pytest.fixture(scope="module")
def built() -> Built:
    return construct(
        [
            ("Purview", "pview", ARGS),
            ("ExistingPurview", "attached", EXISTING),
            ("Purview", "bad", BAD),
            ("ExistingPurview", "badattach", BAD_EXISTING),
        ]
    )


@pytest.mark.controls("DATA-4", "ACC-6", "ACC-7")
def test_created_account_has_an_identity_and_no_public_access(built: Built) -> None:
    assert built.errors.get("pview") is None
    account = built.one(ACCOUNT, "pview-")
    assert account["accountName"] == "pview-probe"
    assert account["identity"] == {"type": "SystemAssigned"}
    assert account["publicNetworkAccess"] == "Disabled"
    assert account["managedResourcesPublicNetworkAccess"] == "Disabled"
    assert account["managedEventHubState"] == "Disabled"


@pytest.mark.controls("RES-4", "RES-2")
def test_created_account_has_account_and_portal_endpoints_and_diagnostics(built: Built) -> None:
    groups = sorted(r["inputs"]["privateLinkServiceConnections"][0]["groupIds"][0] for r in built.of_type(ENDPOINT, "pview-"))
    assert groups == ["account", "portal"]
    diagnostic = built.one(DIAGNOSTIC, "pview-")
    assert diagnostic["resourceUri"] == "pview-account_id"
    assert diagnostic["workspaceId"] == WORKSPACE_ID


@pytest.mark.controls("DATA-4")
def test_existing_account_is_attached_without_creating_anything(built: Built) -> None:
    assert built.errors.get("attached") is None
    assert [r["type"] for r in built.named("attached")] == ["aizone:index:ExistingPurview"]
    assert built.states["attached"] == {"accountId": EXISTING_ID, "principalId": "scanner-oid"}


def test_invalid_args_name_every_field_and_register_nothing(built: Built) -> None:
    lines = [line.strip() for line in built.errors["bad"].splitlines()[1:]]
    assert lines == [
        "Purview.placement.location: a programmatic region name such as swedencentral",
        "Purview.account_name: 'Pview_Probe' is not a valid Microsoft.Purview/accounts name; use 3-63 lowercase "
        "letters, digits and single hyphens, starting with a letter and ending with a letter or digit",
    ]
    attach = [line.strip() for line in built.errors["badattach"].splitlines()[1:]]
    assert attach == [
        "ExistingPurview.principal_id: the Purview account is in subscription 11111111-1111-1111-1111-111111111111, "
        "not the deploying subscription 00000000-0000-0000-0000-000000000000; give the principal id of its "
        "system-assigned identity"
    ]
    assert built.named("bad") == []
