"""Central logging: one Log Analytics workspace and the one diagnostic-settings helper (RES-2)."""

from __future__ import annotations

from typing import Sequence

import pulumi
from pulumi_azure_native import monitor, operationalinsights

from aizone_policy import reference

from .base import Diagnostics, Placement, implements


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


def add_diagnostic_settings(
    name: str,
    resource_uri: pulumi.Input[str],
    diagnostics: Diagnostics,
    parent: pulumi.Resource,
    logs: bool = True,
    metrics: bool = True,
    depends_on: Sequence[pulumi.Resource] = (),
) -> monitor.DiagnosticSetting:
    """Send a resource's logs (category group `allLogs`, which includes the audit group and, on AI
    accounts, `RequestResponse` and `AzureOpenAIRequestUsage`) and its metrics to the central
    workspace. `resource_uri` may be a service sub-resource, e.g. a storage account's
    `<id>/blobServices/default`, where that service's logs live; pass `metrics=False` where the
    target has no metrics, `logs=False` where it has only metrics (a storage account itself)."""
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
