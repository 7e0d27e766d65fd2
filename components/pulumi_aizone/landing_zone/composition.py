"""The whole landing zone, built from validated settings. `__main__.py` only calls this."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pulumi
from pulumi_azure_native import authorization, resources

from .. import ai_services, data_boundary, gateway, key_vault, naming, purview, registry
from ..agents import AgentIdentity, AgentIdentityArgs, add_agents_to_group
from ..ai_services import AiServices, AiServicesArgs
from ..base import (
    DataProtectionArgs,
    Diagnostics,
    Placement,
    PlacementArgs,
    PrivateNetworking,
    diagnostics_args,
    networking_args,
)
from ..data_boundary import DataBoundary, DataBoundaryArgs, storage_account_name
from ..defender import Defender, DefenderArgs
from ..entra import EntraControls, EntraControlsArgs
from ..gateway import AiGateway, AiGatewayArgs, GatewayTelemetryArgs, InferenceTargetArgs
from ..grants import Grant, Principal, roles_of
from ..guardrails import AllowedModelArgs, GuardrailExemptionArgs, Guardrails, GuardrailsArgs
from ..integrity import IntegrityError, require_pinned_image, verify_artifact
from ..key_vault import KeyVault, KeyVaultArgs
from ..monitoring import Alerts, AlertsArgs
from ..network import ExistingNetwork, ExistingNetworkArgs, Network, NetworkArgs, required_zones
from ..observability import AppInsights, AppInsightsArgs, Observability, ObservabilityArgs
from ..protection import DataProtection, DeletionGuard, DeletionGuardArgs
from ..purview import ExistingPurview, ExistingPurviewArgs, Purview, PurviewArgs
from ..registry import ContainerRegistry, ContainerRegistryArgs, login_server_for
from ..sessions import CodeSessions, CodeSessionsArgs, SessionAgentArgs, SessionRegistryArgs
from .settings import Settings, SettingsError


@dataclass(frozen=True)
class Foundation:
    """What the foundation phase gives every later phase: where resources go, how they reach the
    network and the logs, and the names and tenant they use."""

    name: str
    tenant_id: str
    subscription_id: str
    names: "GlobalNames"
    registry_name: str
    group: resources.ResourceGroup
    placement: Placement
    placement_args: PlacementArgs
    protection: DataProtection
    protection_args: DataProtectionArgs
    networking: PrivateNetworking
    diagnostics: Diagnostics


class LandingZone(pulumi.ComponentResource):
    """Resource group -> network + observability -> AI services and data -> agents -> gateway ->
    governance -> execution -> monitoring -> Entra ID controls, one named phase each. A feature the
    settings turn off (gateway, code sessions, registry) is skipped with everything that depends
    on it: its subnet, DNS zone, alerts, grants and inventory entry."""

    def __init__(self, name: str, settings: Settings, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("aizone:index:LandingZone", name, None, opts)
        self.settings = settings
        self._inventory: list[tuple[str, dict[str, object]]] = []  # (principal name, row without its roles)
        foundation = self._foundation(name, opts)
        self._ai_and_data(foundation)
        self._agents(foundation)
        self._gateway(foundation)
        self._governance(foundation)
        self._guardrails(foundation)
        self._execution(foundation)
        self._monitoring(foundation)
        eligibility = self._identity(foundation)
        self._register(foundation, eligibility)

    # --- Phases ---------------------------------------------------------------------------------

    def _foundation(self, name: str, opts: pulumi.ResourceOptions | None) -> Foundation:
        """Resource group, deletion guard, central logs and the network (created or brought)."""
        settings = self.settings
        # Through this component's provider (explicit providers passed in `opts` included): the
        # default provider may point at another subscription or tenant.
        client = authorization.get_client_config(opts=pulumi.InvokeOptions(parent=self))
        names = GlobalNames(settings, client.subscription_id)
        # No registry name is chosen (or listed in `globalNames`) when the registry is off.
        registry_name = (
            names.of("registry", f"cr{settings.prefix}{settings.environment}") if settings.execution.registry is not None else ""
        )
        # Still before any cloud resource is registered.
        preflight(settings, registry_name, program_dir=Path.cwd())
        protection = DataProtection(protect=settings.data.protect)
        base_tags = {
            **settings.tags,
            "aizone-environment": settings.environment,
            "aizone-managed-by": "pulumi",
        }
        self.group = resources.ResourceGroup(
            f"{name}-rg",
            resources.ResourceGroupArgs(
                resource_group_name=settings.name("rg"),
                location=settings.location,
                tags=base_tags,
            ),
            opts=pulumi.ResourceOptions(parent=self, protect=protection.protect),
        )
        placement = Placement(self.group.name, settings.location, base_tags)
        placement_args = PlacementArgs(resource_group_name=self.group.name, location=settings.location, tags=base_tags)
        protection_args = DataProtectionArgs(protect=protection.protect)
        # Azure refuses to delete the data resources while `data.protect` is on (DATA-5), without
        # the CanNotDelete locks that blocked revoking role assignments (README, "Data protection").
        self.deletion_guard: DeletionGuard | None = None
        if protection.protect:
            self.deletion_guard = DeletionGuard(
                f"{name}-deletion-guard",
                DeletionGuardArgs(scope=self.group.id, definition_name=f"aizone-deny-delete-{names.digest()}"),
                opts=pulumi.ResourceOptions(parent=self),
            )

        # Central logs: the stack's own workspace, or the platform's (`observability.workspaceId`).
        self.observability: Observability | None = None
        if settings.observability.workspace_id:
            self.workspace_id: pulumi.Input[str] = settings.observability.workspace_id
        else:
            self.observability = Observability(
                f"{name}-obs",
                ObservabilityArgs(
                    placement=placement_args,
                    workspace_name=settings.name("log"),
                    retention_days=settings.observability.retention_days,
                    protection=protection_args,
                ),
                opts=pulumi.ResourceOptions(parent=self),
            )
            self.workspace_id = self.observability.workspace.id
        self.network = self._network(name, placement_args)
        return Foundation(
            name=name,
            tenant_id=client.tenant_id,
            subscription_id=client.subscription_id,
            names=names,
            registry_name=registry_name,
            group=self.group,
            placement=placement,
            placement_args=placement_args,
            protection=protection,
            protection_args=protection_args,
            networking=self.network.private_networking,
            diagnostics=Diagnostics(workspace_id=self.workspace_id),
        )

    def _network(self, name: str, placement_args: PlacementArgs) -> Network | ExistingNetwork:
        """The stack's VNet, or the platform team's subnets: the same interface either way."""
        settings = self.settings
        net = settings.network
        zones = required_zones(ai_services.ACCOUNT_TYPE, ai_services.PRIVATE_LINK_GROUPS)
        zones += required_zones(data_boundary.STORAGE_TYPE, data_boundary.PRIVATE_LINK_GROUPS)
        zones += required_zones(key_vault.VAULT_TYPE, key_vault.PRIVATE_LINK_GROUPS)
        if settings.governance.purview_create:  # an attached account keeps its endpoints (and zones) where it lives
            zones += required_zones(purview.PURVIEW_TYPE, purview.PRIVATE_LINK_GROUPS)
        if settings.gateway is not None and settings.gateway.is_v2:
            zones += required_zones(gateway.SERVICE_TYPE, gateway.PRIVATE_LINK_GROUPS)
        if settings.execution.registry is not None:
            zones += required_zones(registry.REGISTRY_TYPE, registry.PRIVATE_LINK_GROUPS)
        if net.existing:
            return ExistingNetwork(
                f"{name}-net",
                ExistingNetworkArgs(
                    placement=placement_args,
                    subnet_ids=dict(net.existing_subnet_ids),
                    zone_names=zones,
                    existing_zone_ids=dict(net.dns_zone_ids),
                    zone_groups_by_platform=net.zone_groups_by_platform,
                ),
                opts=pulumi.ResourceOptions(parent=self),
            )
        args = NetworkArgs(
            placement=placement_args,
            vnet_name=settings.name("vnet"),
            address_space=net.address_space,
            subnets=dict(net.subnets),
            zone_names=zones,
            existing_zone_ids=dict(net.dns_zone_ids),
            zone_groups_by_platform=net.zone_groups_by_platform,
            egress=net.egress,
        )
        if net.firewall_ip:
            args["firewall_ip"] = net.firewall_ip
        return Network(f"{name}-net", args, opts=pulumi.ResourceOptions(parent=self))

    def _ai_and_data(self, f: Foundation) -> None:
        """The AI account with its projects, the vault, and one isolated dataset per application
        in the application's own boundary (DATA-1..3), readable by its project identity only."""
        settings, name = self.settings, f.name
        self.ai = AiServices(
            f"{name}-ai",
            AiServicesArgs(
                placement=f.placement_args,
                account_name=f.names.of("ai", settings.name("ais")),
                kind=settings.ai.kind,
                sku=settings.ai.sku,
                deployments=[deployment.as_args() for deployment in settings.ai.deployments],
                severity_threshold=settings.ai.severity_threshold,
                applications=[app.as_args() for app in settings.applications],
                networking=networking_args(f.networking),
                diagnostics=diagnostics_args(f.diagnostics),
                protect=f.protection.protect,
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.key_vault = KeyVault(
            f"{name}-kv",
            KeyVaultArgs(
                placement=f.placement_args,
                vault_name=f.names.of("keyVault", f"kv{settings.prefix}{settings.environment}"),
                tenant_id=f.tenant_id,
                networking=networking_args(f.networking),
                diagnostics=diagnostics_args(f.diagnostics),
                protection=f.protection_args,
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.data: dict[str, DataBoundary] = {}
        for app in settings.applications:
            boundary = DataBoundary(
                f"{name}-data-{app.name}",
                DataBoundaryArgs(
                    placement=f.placement_args,
                    application=app.name,
                    boundary=app.boundary,
                    account_name=f.names.storage(app.name, app.boundary),
                    networking=networking_args(f.networking),
                    diagnostics=diagnostics_args(f.diagnostics),
                    protection=f.protection_args,
                ),
                opts=pulumi.ResourceOptions(parent=self),
            )
            self.data[app.name] = boundary
            # The application's Foundry project identity may call the models and read its own
            # boundary's data, and nothing more.
            project = self.ai.projects[app.name]
            principal = Principal(
                f"project-{app.name}",
                project.identity.apply(lambda identity: identity.principal_id if identity else ""),
                boundary=app.boundary,
            )
            self.ai.grant_inference(principal)
            boundary.grant_read(principal)
            self._inventory.append(
                (
                    principal.name,
                    {
                        "kind": "application",
                        "name": app.name,
                        "application": app.name,
                        "boundary": app.boundary,
                        "identityId": project.id,
                        "principalId": principal.principal_id,
                    },
                )
            )

    def _agents(self, f: Foundation) -> None:
        """Every agent: its own identity, its own boundary's data, listed in the inventory (ACC-2)."""
        self.agents = {
            agent.name: AgentIdentity(
                f"{f.name}-agent-{agent.name}",
                AgentIdentityArgs(
                    placement=f.placement_args,
                    agent_name=agent.name,
                    application=agent.application,
                    boundary=agent.boundary,
                    owner=agent.owner,
                    description=agent.description,
                    identity_name=self.settings.name("id", "agent", agent.name),
                ),
                opts=pulumi.ResourceOptions(parent=self),
            )
            for agent in self.settings.agents
        }
        for agent in self.agents.values():
            self.data[agent.spec.application].grant_read(agent.principal)

    def _gateway(self, f: Foundation) -> None:
        """The AI gateway fronts the models (MOD-4): callers present Entra ID tokens for its app
        registration; it calls the account with its own managed identity. Agents reach models only
        through it. Off with `aizone:gateway: false` (then agents have no model access)."""
        self.app_insights: AppInsights | None = None
        self.gateway: AiGateway | None = None
        options = self.settings.gateway
        if options is None:
            return
        name = f.name
        # Token metrics and request traces of the gateway (workspace-based, Entra ID ingestion only).
        self.app_insights = AppInsights(
            f"{name}-appi",
            AppInsightsArgs(
                placement=f.placement_args, component_name=self.settings.name("appi"), diagnostics=diagnostics_args(f.diagnostics)
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.gateway = AiGateway(
            f"{name}-gw",
            AiGatewayArgs(
                placement=f.placement_args,
                service_name=f.names.of("gateway", self.settings.name("apim")),
                tenant_id=f.tenant_id,
                options=options.as_args(),
                # The gateway's role on the account was AiServices' child before 0.2.0 (component_urn).
                targets=[
                    InferenceTargetArgs(
                        name=f"{name}-ai", account_id=self.ai.account_id, endpoint=self.ai.endpoint, component_urn=self.ai.urn
                    )
                ],
                subnet_id=self.network.subnet_id("gateway"),
                networking=networking_args(f.networking),
                diagnostics=diagnostics_args(f.diagnostics),
                app_insights=GatewayTelemetryArgs(
                    name=f"{name}-appi",
                    component_id=self.app_insights.component_id,
                    connection_string=self.app_insights.connection_string,
                ),
                resource_group_name=self.settings.name("rg"),
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )
        for agent in self.agents.values():
            self.gateway.grant_access(agent.principal)  # agents reach models only through the gateway

    def _governance(self, f: Foundation) -> None:
        """Purview (one account per tenant: attach the existing one, or create it only when asked
        to with `create: true`) and Defender for Cloud."""
        name, governance = f.name, self.settings.governance
        self.purview: Purview | ExistingPurview | None = None
        if governance.purview and governance.purview_create:
            self.purview = Purview(
                f"{name}-purview",
                PurviewArgs(
                    placement=f.placement_args,
                    account_name=f.names.of("purview", self.settings.name("pview")),
                    networking=networking_args(f.networking),
                    diagnostics=diagnostics_args(f.diagnostics),
                    protection=f.protection_args,
                ),
                opts=pulumi.ResourceOptions(parent=self),
            )
        elif governance.purview and governance.purview_account_id:
            existing = ExistingPurviewArgs(account_id=governance.purview_account_id, provider_subscription_id=f.subscription_id)
            if governance.purview_principal_id:
                existing["principal_id"] = governance.purview_principal_id
            self.purview = ExistingPurview(f"{name}-purview", existing, opts=pulumi.ResourceOptions(parent=self))
        if self.purview is not None:
            for boundary in self.data.values():
                boundary.grant_governance_read(self.purview.principal)

        self.defender: Defender | None = None
        if governance.defender:
            self.defender = Defender(
                f"{name}-defender",
                DefenderArgs(
                    subscription_id=f.subscription_id,
                    contact_emails=list(governance.security_contacts),
                    # The plans always exist in the subscription: the stack's first run (the gateway
                    # lookup found no service) imports them as they are, the next run writes them.
                    adopt=governance.defender_adopt or (self.gateway is not None and self.gateway.first_run),
                ),
                opts=pulumi.ResourceOptions(parent=self),
            )

    def _guardrails(self, f: Foundation) -> None:
        """The controls at runtime (Azure Policy): one initiative at the resource group (or the
        subscription / management group), audit unless `enforcement` says deny or remediate, and
        the pack configuration's waivers as Azure Policy exemptions with the same expiry date.
        Off with `governance.guardrails: false`."""
        self.guardrails: Guardrails | None = None
        options = self.settings.governance.guardrails
        if options is None:
            return
        scope_ids: dict[str, pulumi.Input[str]] = {
            "resourceGroup": f.group.id,
            "subscription": f"/subscriptions/{f.subscription_id}",
            "managementGroup": f"/providers/Microsoft.Management/managementGroups/{options.management_group_id}",
        }
        args = GuardrailsArgs(
            name=f"aizone-gr-{f.names.digest()}",
            scope_id=scope_ids[options.scope],
            scope_kind=options.scope,
            location=self.settings.location,
            enforcement=dict(options.enforcement),
            # The stack's model allow-list (aizone:ai.allowedModels), the same list the pack's MOD-3 policy defaults to.
            allowed_models=[AllowedModelArgs(name=model.name, version=model.version) for model in self.settings.ai.allowed_models],
            exemptions=[
                GuardrailExemptionArgs(
                    name=waiver.name,
                    scope=waiver.scope,
                    controls=list(waiver.controls),
                    reason=f"{waiver.reason} (policy pack: {waiver.policy}, {waiver.resource})",
                    expires=waiver.expires,
                )
                for waiver in options.waivers
            ],
        )
        if options.management_group_id:
            args["management_group_id"] = options.management_group_id
        self.guardrails = Guardrails(f"{f.name}-guardrails", args, opts=pulumi.ResourceOptions(parent=self))

    def _execution(self, f: Foundation) -> None:
        """Agents run code in isolated, egress-free sessions; custom images only from our registry.
        Either is off with `execution.registry: false` / `execution.sessions: false`."""
        settings, name = self.settings, f.name
        self.registry: ContainerRegistry | None = None
        self.sessions: CodeSessions | None = None
        if settings.execution.registry is not None:
            self.registry = ContainerRegistry(
                f"{name}-acr",
                ContainerRegistryArgs(
                    placement=f.placement_args,
                    registry_name=f.registry_name,
                    networking=networking_args(f.networking),
                    diagnostics=diagnostics_args(f.diagnostics),
                    options=settings.execution.registry.as_args(),
                ),
                opts=pulumi.ResourceOptions(parent=self),
            )
        if settings.execution.sessions is not None:
            sessions = settings.execution.sessions
            args = CodeSessionsArgs(
                placement=f.placement_args,
                environment_name=settings.name("cae"),
                subnet_id=self.network.subnet_id("agents"),
                diagnostics=diagnostics_args(f.diagnostics),
                pool_name_prefix=f"sp{settings.prefix}{settings.environment}",
                pool=sessions.as_args(),
                agents=[
                    SessionAgentArgs(
                        agent_name=agent_name,
                        principal_id=agent.principal_id,
                        identity_id=agent.identity_id,
                        pool=settings.execution.agent_sessions.get(agent_name, sessions).as_args(),
                    )
                    for agent_name, agent in self.agents.items()
                ],
            )
            if self.registry is not None:
                # The agents' AcrPull assignments were the registry's children before 0.2.0 (name, component_urn).
                args["registry"] = SessionRegistryArgs(
                    login_server=self.registry.host,
                    registry_id=self.registry.registry_id,
                    endpoint_id=self.registry.endpoint.id,
                    name=f"{name}-acr",
                    component_urn=self.registry.urn,
                )
            self.sessions = CodeSessions(f"{name}-sessions", args, opts=pulumi.ResourceOptions(parent=self))

    def _monitoring(self, f: Foundation) -> None:
        """Alert rules on the AI account, and on the gateway and sessions where they exist."""
        args = AlertsArgs(
            placement=f.placement_args,
            name_prefix=self.settings.name("alert"),
            options=self.settings.alerts.as_args(),
            ai_account_id=self.ai.account.id,
        )
        if self.gateway is not None:
            args["apim_service_id"] = self.gateway.service.id
        if self.sessions is not None:
            args["session_environment_id"] = self.sessions.environment.id
            args["session_pools"] = self.sessions.alert_targets()
        self.alerts = Alerts(f"{f.name}-alerts", args, opts=pulumi.ResourceOptions(parent=self))

    def _identity(self, f: Foundation) -> authorization.PimRoleEligibilitySchedule | None:
        """Conditional Access on the AI applications, the AI users and agents groups, and PIM
        eligibility of the admins on the AI account; returns that eligibility."""
        self.entra: EntraControls | None = None
        settings, name = self.settings, f.name
        if not settings.entra.enabled:
            return None
        gateway_ = self.gateway
        self.entra = EntraControls(
            f"{name}-entra",
            EntraControlsArgs(
                display_prefix=f"{settings.prefix}-{settings.environment}",
                options=settings.entra.as_args(),
                ai_application_ids=[gateway_.application.client_id] if gateway_ else [],
                ai_service_principal_ids=[gateway_.service_principal.object_id] if gateway_ else [],
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )
        if gateway_ is not None:
            # People call the gateway with their own token (README "The AI gateway"): the AI users
            # group holds its app role (assignment is required on its service principal).
            gateway_.grant_access(Principal("ai-users", self.entra.users.object_id, principal_type="Group"))
        add_agents_to_group(f"{name}-agents-group", self.entra.agents, list(self.agents.values()), parent=self.entra)
        # The admins group is new on the first run; a PIM request for a principal Azure RBAC has not
        # seen yet fails, and azure-native's PimRoleEligibilitySchedule does not retry the request
        # (only its completion: provider/pkg/resources/customresources/custom_pim_eligibility.go).
        # Waiting for the gateway's service (30-45 minutes to create on the first run, nothing on
        # later runs) gives the group that time; without a gateway, the AI account's deployments.
        settled: list[pulumi.Resource] = [gateway_.service] if gateway_ is not None else list(self.ai.deployments.values())
        return self.entra.make_admins_eligible(ADMIN_ROLE, self.ai.account.id, f"{name}-ai-account", depends_on=settled).resource

    def _register(self, f: Foundation, eligibility: Any) -> None:
        """The stack outputs, with the inventory built from the grants every component made (ACC-2)."""
        settings = self.settings
        grants: list[Grant[pulumi.CustomResource]] = [
            *self.ai.grants(),
            *self.key_vault.grants(),
            *(grant for boundary in self.data.values() for grant in boundary.grants()),
            *(self.app_insights.grants() if self.app_insights else ()),
            *(self.gateway.grants() if self.gateway else ()),
            *(self.registry.grants() if self.registry else ()),
            *(self.sessions.grants() if self.sessions else ()),
            *(self.entra.grants() if self.entra else ()),
        ]
        inventory: list[dict[str, Any]] = [
            *({**row, "roles": roles_of(principal_name, grants)} for principal_name, row in self._inventory),
            *(agent.inventory_entry(grants) for agent in self.agents.values()),
        ]
        self.outputs: dict[str, Any] = {
            "resourceGroupName": f.group.name,
            "vnetId": self.network.vnet_id,
            "logAnalyticsWorkspaceId": self.workspace_id,
            "aiEndpoint": self.ai.endpoint,
            "modelDeployments": sorted(self.ai.deployments),
            "keyVaultId": self.key_vault.vault.id,
            "globalNames": f.names.chosen,
            "applications": {
                app.name: {
                    "boundary": app.boundary,
                    "projectId": self.ai.projects[app.name].id,
                    "storageAccountId": self.data[app.name].account.id,
                }
                for app in settings.applications
            },
        }
        if self.gateway is not None:
            self.outputs["gatewayUrl"] = self.gateway.inference_url
            self.outputs["gatewayAudience"] = self.gateway.audience
            inventory.append(
                {
                    "kind": "gateway",
                    "name": "gateway",
                    "identityId": self.gateway.service.id,
                    "principalId": self.gateway.principal.principal_id,
                    "roles": roles_of(self.gateway.principal.name, grants),
                }
            )
        self.outputs["agentInventory"] = inventory
        if eligibility is not None:
            # PIM eligibility expires (ACC-3): say when, so it is renewed before admins lose it.
            days = settings.entra.admin_eligibility_days
            created_on = eligibility.created_on
            self.outputs["adminEligibility"] = {
                "role": ADMIN_ROLE,
                "scope": self.ai.account.id,
                "days": days,
                "endsOn": created_on.apply(lambda created: eligibility_end(created, days, date.today())),
            }
        self.register_outputs(self.outputs)


def preflight(settings: Settings, registry_name: str, program_dir: Path) -> None:
    """Checks that need more than the config itself, done before the first resource exists:
    execution images must be pinned and come from this stack's registry (EXEC-2, MOD-3), and every
    open-source model artifact must match its SHA-256 digest (MOD-3)."""
    problems: list[str] = []
    allowed = [login_server_for(registry_name)] if registry_name else []  # no registry: no custom image (settings)
    pools = {"sessions": settings.execution.sessions, **{f"agentSessions.{k}": v for k, v in settings.execution.agent_sessions.items()}}
    for key, options in pools.items():
        if options is not None and options.image is not None:
            try:
                require_pinned_image(options.image, allowed)
            except IntegrityError as error:
                problems.append(f"aizone:execution.{key}.image: {error}")
    for index, artifact in enumerate(settings.execution.model_artifacts):
        try:
            verify_artifact(program_dir / artifact.path, artifact.sha256, name=artifact.name)
        except IntegrityError as error:
            problems.append(f"aizone:execution.modelArtifacts[{index}]: {error}")
    if problems:
        raise SettingsError(problems)


ADMIN_ROLE = "Cognitive Services Contributor"


def eligibility_end(created_on: str | None, days: int, today: date) -> str:
    """The day (ISO 8601) a PIM eligibility of `days` days expires: it starts when Azure creates it
    (`createdOn`; today on the run that creates it) and lasts `P<days>D`."""
    start = date.fromisoformat(created_on[:10]) if created_on else today
    return (start + timedelta(days=days)).isoformat()


class GlobalNames:
    """Every global (DNS) name of the stack, from one seed: subscription id, region, project,
    stack, prefix, environment and the optional `aizone:names.salt`. The same stack in the same
    subscription and region always gets the same names; any other subscription, region or stack
    gets others. Explicit names in `aizone:names` win (validated by the settings)."""

    def __init__(self, settings: Settings, subscription_id: str) -> None:
        self.settings = settings
        self.seed = naming.seed_of(
            subscription_id.lower(),
            settings.location,
            pulumi.get_project(),
            pulumi.get_stack(),
            settings.prefix,
            settings.environment,
            settings.names.salt,
        )
        self.chosen: dict[str, object] = {}

    def digest(self) -> str:
        """12 hex characters of the seed: names that must be unique per stack in a subscription."""
        return hashlib.sha256(self.seed.encode()).hexdigest()[:12]

    def of(self, kind: str, stem: str) -> str:
        name = self.settings.names.explicit.get(kind) or naming.global_name(kind, stem, self.seed)
        self.chosen[kind] = name
        return name

    def storage(self, application: str, boundary: str) -> str:
        name = self.settings.names.storage.get(application) or storage_account_name(self.settings.prefix, application, boundary, self.seed)
        storage = self.chosen.setdefault("storage", {})
        assert isinstance(storage, dict)
        storage[application] = name
        return name
