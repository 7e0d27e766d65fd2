"""Central logging: one Log Analytics workspace, the Application Insights component the AI gateway
sends token metrics and traces to, and the one diagnostic-settings helper (RES-2)."""

# No `from __future__ import annotations`: Pulumi's schema inference reads these annotations.
from typing import NotRequired, Optional, Sequence, TypedDict

import pulumi
from pulumi_azure_native import applicationinsights, authorization, monitor, operationalinsights

from pulumi_aizone_policy import reference

from .base import (
    DataProtectionArgs,
    Diagnostics,
    DiagnosticsArgs,
    PlacementArgs,
    Problem,
    RoleAssignmentArgs,
    aliased,
    as_diagnostics,
    implements,
    protect_of,
    raise_if_invalid,
    tags_of,
    validate_placement,
)
from .grants import Grant, KeepsGrants, Principal, grant_role, principal_of, validate_role_assignments

OBSERVABILITY_TYPE_TOKEN = "aizone:index:Observability"
_OLD_OBSERVABILITY_TOKEN = "aizone:observability:Observability"  # before 0.2.0: aliased
APP_INSIGHTS_TYPE_TOKEN = "aizone:index:AppInsights"
_OLD_APP_INSIGHTS_TOKEN = "aizone:observability:AppInsights"  # before 0.2.0: aliased
# The provider test looks up each served component's old token by class name.
_OLD_TYPE_TOKENS = {"Observability": _OLD_OBSERVABILITY_TOKEN, "AppInsights": _OLD_APP_INSIGHTS_TOKEN}
# Retention of a PerGB2018 workspace: 30 to 730 days (the settings layer uses the same bounds).
RETENTION_RANGE = (30, 730)


def _aliased(opts: Optional[pulumi.ResourceOptions], old: str) -> pulumi.ResourceOptions:
    return aliased(opts, old)


class ObservabilityArgs(TypedDict):
    """Inputs of Observability."""

    placement: PlacementArgs
    """Resource group, region and tags of the workspace."""
    workspace_name: pulumi.Input[str]
    """Name of the Log Analytics workspace."""
    retention_days: NotRequired[int]
    """Days to keep logs, 30-730. Default: 90."""
    protection: NotRequired[DataProtectionArgs]
    """Pulumi `protect` on the workspace. Default: protected."""


def validate_observability(args: ObservabilityArgs) -> list[Problem]:
    """Every problem with Observability args, each naming its field."""
    problems = validate_placement(args.get("placement"))
    if not args.get("workspace_name"):
        problems.append(Problem("workspace_name", "the workspace name is required"))
    retention = args.get("retention_days", 90)
    low, high = RETENTION_RANGE
    if isinstance(retention, bool) or not isinstance(retention, int) or not low <= retention <= high:
        problems.append(Problem("retention_days", f"a whole number of days from {low} to {high}"))
    return problems


@implements("RES-2")
class Observability(pulumi.ComponentResource):
    """A Log Analytics workspace that accepts only Entra ID authenticated access (ACC-1)."""

    workspace_id: pulumi.Output[str]
    """Resource id of the workspace (what diagnostic settings send to)."""
    workspace_name: pulumi.Output[str]
    """Name of the workspace."""
    customer_id: pulumi.Output[str]
    """Workspace (customer) id used by log queries."""

    def __init__(self, name: str, args: ObservabilityArgs, opts: Optional[pulumi.ResourceOptions] = None) -> None:
        raise_if_invalid("Observability", validate_observability(args))
        super().__init__(OBSERVABILITY_TYPE_TOKEN, name, {}, _aliased(opts, _OLD_OBSERVABILITY_TOKEN))
        placement = args["placement"]
        self.workspace = operationalinsights.Workspace(
            f"{name}-workspace",
            operationalinsights.WorkspaceArgs(
                resource_group_name=placement["resource_group_name"],
                location=placement["location"],
                workspace_name=args["workspace_name"],
                sku=operationalinsights.WorkspaceSkuArgs(name=operationalinsights.WorkspaceSkuNameEnum.PER_GB2018),
                retention_in_days=args.get("retention_days", 90),
                features=operationalinsights.WorkspaceFeaturesArgs(
                    disable_local_auth=True,
                    enable_log_access_using_only_resource_permissions=True,
                ),
                tags=tags_of(placement),
            ),
            opts=pulumi.ResourceOptions(parent=self, protect=protect_of(args.get("protection"))),
        )
        # Both forms of the diagnostics block other components take.
        self.diagnostics = Diagnostics(workspace_id=self.workspace.id)
        self.diagnostics_args = DiagnosticsArgs(workspace_id=self.workspace.id)
        self.workspace_id = self.workspace.id
        self.workspace_name = self.workspace.name
        self.customer_id = self.workspace.customer_id
        self.register_outputs({"workspace_id": self.workspace_id, "workspace_name": self.workspace_name, "customer_id": self.customer_id})


class AppInsightsArgs(TypedDict):
    """Inputs of AppInsights."""

    placement: PlacementArgs
    """Resource group, region and tags of the component."""
    component_name: pulumi.Input[str]
    """Name of the Application Insights component."""
    diagnostics: DiagnosticsArgs
    """The workspace the component stores its telemetry in (workspace-based) and exports its metrics to."""
    role_assignments: NotRequired[Sequence[RoleAssignmentArgs]]
    """Telemetry senders, as data. Allowed role: `Monitoring Metrics Publisher`. Default: none."""


def validate_app_insights(args: AppInsightsArgs) -> list[Problem]:
    """Every problem with AppInsights args, each naming its field."""
    problems = validate_placement(args.get("placement"))
    if not args.get("component_name"):
        problems.append(Problem("component_name", "the component name is required"))
    diagnostics = args.get("diagnostics")
    if not isinstance(diagnostics, dict) or not diagnostics.get("workspace_id"):
        problems.append(Problem("diagnostics.workspace_id", "the Log Analytics workspace id is required (workspace-based)"))
    problems += validate_role_assignments(args.get("role_assignments"), (PUBLISHER_ROLE,))
    return problems


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

    component_id: pulumi.Output[str]
    """Resource id of the Application Insights component."""
    connection_string: pulumi.Output[str]
    """Connection string senders use (an address: ingestion needs an Entra ID token)."""

    def __init__(self, name: str, args: AppInsightsArgs, opts: Optional[pulumi.ResourceOptions] = None) -> None:
        raise_if_invalid("AppInsights", validate_app_insights(args))
        super().__init__(APP_INSIGHTS_TYPE_TOKEN, name, {}, _aliased(opts, _OLD_APP_INSIGHTS_TOKEN))
        self._logical_name = name
        placement = args["placement"]
        diagnostics = args["diagnostics"]
        # Keyword form: ComponentArgs' `resource_name` clashes with the logical name in the args-class
        # constructor; the keyword form names it `resource_name_`.
        self.component = applicationinsights.Component(
            f"{name}-appi",
            resource_group_name=placement["resource_group_name"],
            location=placement["location"],
            resource_name_=args["component_name"],
            kind="web",
            application_type=applicationinsights.ApplicationType.WEB,
            workspace_resource_id=diagnostics["workspace_id"],
            ingestion_mode=applicationinsights.IngestionMode.LOG_ANALYTICS,
            disable_local_auth=True,
            tags=tags_of(placement),
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.component_id = self.component.id
        self.connection_string = self.component.connection_string
        # Its logs are already in the workspace (workspace-based): only its metrics are exported.
        add_diagnostic_settings(name, self.component.id, diagnostics, parent=self, logs=False)
        for assignment in args.get("role_assignments", ()):
            self.grant_publisher(principal_of(assignment), parent=self)
        self.register_outputs({"component_id": self.component_id, "connection_string": self.connection_string})

    def grant_publisher(self, principal: Principal, parent: pulumi.Resource) -> Grant[authorization.RoleAssignment]:
        """Let `principal` send telemetry (Entra ID authenticated ingestion) to this component only."""
        return self._keep(
            grant_role(
                f"{self._logical_name}-publisher-{principal.name}",
                PUBLISHER_ROLE,
                scope_id=self.component.id,
                scope_name=f"{self._logical_name}-appi",
                principal=principal,
                allowed_roles=(PUBLISHER_ROLE,),
                parent=parent,
            )
        )


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
    metric_categories: Sequence[str] = ("AllMetrics",),
) -> monitor.DiagnosticSetting:
    """Send a resource's logs (category group `allLogs`, which includes the audit group and, on AI
    accounts, `RequestResponse` and `AzureOpenAIRequestUsage`) and its metrics to the central
    workspace. `resource_uri` may be a service sub-resource, e.g. a storage account's
    `<id>/blobServices/default`, where that service's logs live; pass `metrics=False` where the
    target has no metrics, `logs=False` where it has only metrics (a storage account itself).
    `metric_categories`: the categories to send, where Azure stores concrete ones instead of
    `AllMetrics` (a request for `AllMetrics` would then differ from what every refresh reads back).
    `diagnostics` may be the dataclass or the args TypedDict."""
    target = as_diagnostics(diagnostics)
    log_settings = [monitor.DiagnosticsLogSettingsArgs(category_group=reference.DIAGNOSTIC_CATEGORY_GROUPS[0], enabled=True)]
    return monitor.DiagnosticSetting(
        f"{name}-diagnostics",
        monitor.DiagnosticSettingArgs(
            resource_uri=resource_uri,
            name="to-central-workspace",
            workspace_id=target.workspace_id,
            logs=log_settings if logs else None,
            metrics=[monitor.DiagnosticsMetricSettingsArgs(category=category, enabled=True) for category in metric_categories]
            if metrics
            else None,
        ),
        opts=pulumi.ResourceOptions(parent=parent, depends_on=list(depends_on)),
    )
