"""Central logging: one Log Analytics workspace, the Application Insights component the AI gateway
sends token metrics and traces to, and the one diagnostic-settings helper (RES-2)."""

from __future__ import annotations

from typing import Sequence

import pulumi
from pulumi_azure_native import applicationinsights, authorization, monitor, operationalinsights

from aizone_policy import reference

from .base import Diagnostics, DiagnosticsArgs, Placement, as_diagnostics, implements
from .grants import Grant, KeepsGrants, Principal, grant_role


@implements("RES-2")
class Observability(pulumi.ComponentResource):
    """A Log Analytics workspace that accepts only Entra ID authenticated access (ACC-1)."""

    workspace: operationalinsights.Workspace
    diagnostics: Diagnostics

    def __init__(
        self,
        name: str,
        placement: Placement,
        workspace_name: str,
        retention_days: int,
        protect: bool = True,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("aizone:observability:Observability", name, None, opts)
        self.workspace = operationalinsights.Workspace(
            f"{name}-workspace",
            operationalinsights.WorkspaceArgs(
                resource_group_name=placement.resource_group_name,
                location=placement.location,
                workspace_name=workspace_name,
                sku=operationalinsights.WorkspaceSkuArgs(name=operationalinsights.WorkspaceSkuNameEnum.PER_GB2018),
                retention_in_days=retention_days,
                features=operationalinsights.WorkspaceFeaturesArgs(
                    disable_local_auth=True,
                    enable_log_access_using_only_resource_permissions=True,
                ),
                tags=placement.with_tags(),
            ),
            opts=pulumi.ResourceOptions(parent=self, protect=protect),
        )
        self.diagnostics = Diagnostics(workspace_id=self.workspace.id)
        self.register_outputs({"workspace_id": self.workspace.id})


@implements("RES-2")
class AppInsights(KeepsGrants, pulumi.ComponentResource):
    """A workspace-based Application Insights component that accepts only Entra ID authenticated
    telemetry (ACC-1).

    Workspace-based (`WorkspaceResourceId` = the central workspace, ingestion mode LogAnalytics):
    its telemetry is stored in that workspace
    (https://learn.microsoft.com/azure/azure-monitor/app/create-workspace-resource).
    `DisableLocalAuth`: instrumentation keys alone no longer authenticate; a sender needs an Entra
    ID identity holding `Monitoring Metrics Publisher` on the component
    (https://learn.microsoft.com/azure/azure-monitor/app/azure-ad-authentication), see
    `grant_publisher`. The connection string is not a secret any more, only an address."""

    component: applicationinsights.Component
    connection_string: pulumi.Output[str]

    def __init__(
        self,
        name: str,
        placement: Placement,
        component_name: str,
        diagnostics: Diagnostics,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("aizone:observability:AppInsights", name, None, opts)
        self._logical_name = name
        # Keyword form: ComponentArgs' `resource_name` clashes with the logical name in the args-class
        # constructor; the keyword form names it `resource_name_`.
        self.component = applicationinsights.Component(
            f"{name}-appi",
            resource_group_name=placement.resource_group_name,
            location=placement.location,
            resource_name_=component_name,
            kind="web",
            application_type=applicationinsights.ApplicationType.WEB,
            workspace_resource_id=diagnostics.workspace_id,
            ingestion_mode=applicationinsights.IngestionMode.LOG_ANALYTICS,
            disable_local_auth=True,
            tags=placement.with_tags(),
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.connection_string = self.component.connection_string
        # Its logs are already in the workspace (workspace-based): only its metrics are exported.
        add_diagnostic_settings(name, self.component.id, diagnostics, parent=self, logs=False)
        self.register_outputs({"component_id": self.component.id})

    def grant_publisher(self, principal: Principal, parent: pulumi.Resource) -> Grant[authorization.RoleAssignment]:
        """Let `principal` send telemetry (Entra ID authenticated ingestion) to this component only."""
        return self._keep(grant_role(
            f"{self._logical_name}-publisher-{principal.name}",
            PUBLISHER_ROLE,
            scope_id=self.component.id,
            scope_name=f"{self._logical_name}-appi",
            principal=principal,
            allowed_roles=(PUBLISHER_ROLE,),
            parent=parent,
        ))


# "Although the Monitoring Metrics Publisher role says 'metrics', it publishes all telemetry to the
# Application Insights resource" (https://learn.microsoft.com/azure/azure-monitor/app/azure-ad-authentication).
PUBLISHER_ROLE = "Monitoring Metrics Publisher"


def add_diagnostic_settings(
    name: str,
    resource_uri: pulumi.Input[str],
    diagnostics: Diagnostics | DiagnosticsArgs,
    parent: pulumi.Resource,
    logs: bool = True,
    metrics: bool = True,
    depends_on: Sequence[pulumi.Resource] = (),
) -> monitor.DiagnosticSetting:
    """Send a resource's logs (category group `allLogs`, which includes the audit group and, on AI
    accounts, `RequestResponse` and `AzureOpenAIRequestUsage`) and its metrics to the central
    workspace. `resource_uri` may be a service sub-resource, e.g. a storage account's
    `<id>/blobServices/default`, where that service's logs live; pass `metrics=False` where the
    target has no metrics, `logs=False` where it has only metrics (a storage account itself).
    `diagnostics` may be the dataclass or the args TypedDict."""
    diagnostics = as_diagnostics(diagnostics)
    log_settings = [monitor.DiagnosticsLogSettingsArgs(category_group=reference.DIAGNOSTIC_CATEGORY_GROUPS[0], enabled=True)]
    return monitor.DiagnosticSetting(
        f"{name}-diagnostics",
        monitor.DiagnosticSettingArgs(
            resource_uri=resource_uri,
            name="to-central-workspace",
            workspace_id=diagnostics.workspace_id,
            logs=log_settings if logs else None,
            metrics=[monitor.DiagnosticsMetricSettingsArgs(category="AllMetrics", enabled=True)] if metrics else None,
        ),
        opts=pulumi.ResourceOptions(parent=parent, depends_on=list(depends_on)),
    )
