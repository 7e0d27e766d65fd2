"""Observability (the Log Analytics workspace) and AppInsights alone, built through the component
provider from camelCase inputs."""

from typing import Any

import pytest

from pulumi_aizone_policy import reference

from .construct_probe import DIAGNOSTICS, PLACEMENT, WORKSPACE_ID, Built, construct

WORKSPACE = "azure-native:operationalinsights:Workspace"
COMPONENT = "azure-native:applicationinsights:Component"
DIAGNOSTIC = "azure-native:monitor:DiagnosticSetting"
ROLE_ASSIGNMENT = "azure-native:authorization:RoleAssignment"

WORKSPACE_ARGS: dict[str, Any] = {"placement": PLACEMENT, "workspaceName": "log-probe", "retentionDays": 120}
APPI_ARGS: dict[str, Any] = {
    "placement": PLACEMENT,
    "componentName": "appi-probe",
    "diagnostics": DIAGNOSTICS,
    "roleAssignments": [{"principalName": "gateway", "principalId": "gateway-oid", "role": "Monitoring Metrics Publisher"}],
}
BAD_WORKSPACE: dict[str, Any] = {"placement": {**PLACEMENT, "location": "Sweden Central"}, "workspaceName": "log-x", "retentionDays": 7}
BAD_APPI: dict[str, Any] = {
    "placement": PLACEMENT,
    "componentName": "appi-x",
    "diagnostics": {"workspaceId": ""},
    "roleAssignments": [{"principalName": "gateway", "principalId": "oid", "role": "Contributor", "principalType": "App"}],
}


@pytest.fixture(scope="module")
def built() -> Built:
    return construct(
        [
            ("Observability", "obs", WORKSPACE_ARGS),
            ("AppInsights", "appi", APPI_ARGS),
            ("Observability", "badobs", BAD_WORKSPACE),
            ("AppInsights", "badappi", BAD_APPI),
        ]
    )


@pytest.mark.controls("RES-2", "ACC-1")
def test_workspace_accepts_only_entra_id_access_and_keeps_logs_for_the_retention(built: Built) -> None:
    assert built.errors.get("obs") is None
    workspace = built.one(WORKSPACE, "obs-")
    assert workspace["workspaceName"] == "log-probe"
    assert workspace["features"] == {"disableLocalAuth": True, "enableLogAccessUsingOnlyResourcePermissions": True}
    assert workspace["retentionInDays"] == 120
    assert workspace["sku"] == {"name": "PerGB2018"}
    assert workspace["tags"] == {"owner": "platform"}
    assert built.states["obs"]["workspaceId"] == "obs-workspace_id"


@pytest.mark.controls("RES-2", "ACC-1")
def test_app_insights_is_workspace_based_entra_only_and_exports_metrics(built: Built) -> None:
    component = built.one(COMPONENT, "appi-")
    assert component["resourceName"] == "appi-probe"
    assert component["workspaceResourceId"] == WORKSPACE_ID
    assert component["ingestionMode"] == "LogAnalytics"
    assert component["disableLocalAuth"] is True
    diagnostic = built.one(DIAGNOSTIC, "appi-")
    assert diagnostic["resourceUri"] == "appi-appi_id"
    assert "logs" not in diagnostic  # its logs already are in the workspace
    assert diagnostic["metrics"] == [{"category": "AllMetrics", "enabled": True}]


@pytest.mark.controls("ACC-5", "ACC-6")
def test_role_assignments_as_data_let_a_sender_publish_to_this_component_only(built: Built) -> None:
    grant = built.one(ROLE_ASSIGNMENT, "appi-publisher-gateway")
    assert grant["scope"] == "appi-appi_id"
    assert grant["principalType"] == "ServicePrincipal"
    assert grant["roleDefinitionId"].endswith(reference.ROLE_IDS["Monitoring Metrics Publisher"])


def test_invalid_args_name_every_field_and_register_nothing(built: Built) -> None:
    workspace = [line.strip() for line in built.errors["badobs"].splitlines()[1:]]
    assert workspace == [
        "Observability.placement.location: a programmatic region name such as swedencentral",
        "Observability.retention_days: a whole number of days from 30 to 730",
    ]
    appi = [line.strip() for line in built.errors["badappi"].splitlines()[1:]]
    assert appi == [
        "AppInsights.diagnostics.workspace_id: the Log Analytics workspace id is required (workspace-based)",
        "AppInsights.role_assignments[0].role: 'Contributor' is not allowed here; allowed: Monitoring Metrics Publisher",
        "AppInsights.role_assignments[0].principal_type: one of ServicePrincipal, Group, User",
    ]
    assert built.named("badobs") == [] and built.named("badappi") == []
