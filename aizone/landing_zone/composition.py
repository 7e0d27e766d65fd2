"""The whole landing zone, built from validated settings. `__main__.py` only calls this."""

from __future__ import annotations

import hashlib
from datetime import date, timedelta
from pathlib import Path

import pulumi
from pulumi_azure_native import authorization, resources

from ..components import ai_services, data_boundary, gateway, key_vault, naming, purview, registry
from ..components.agents import AgentIdentity, AgentIdentityArgs, add_agents_to_group
from ..components.ai_services import AiServices, AiServicesArgs
from ..components.base import DataProtectionArgs, Placement, PlacementArgs, diagnostics_args, networking_args
from ..components.data_boundary import DataBoundary, DataBoundaryArgs, storage_account_name
from ..components.defender import Defender, DefenderArgs
from ..components.entra import EntraControls, EntraControlsArgs
from ..components.gateway import AiGateway, AiGatewayArgs, GatewayTelemetryArgs, InferenceTargetArgs
from ..components.grants import Grant, Principal, roles_of
from ..components.integrity import IntegrityError, require_pinned_image, verify_artifact
from ..components.monitoring import Alerts, AlertsArgs
from ..components.registry import ContainerRegistry, ContainerRegistryArgs, login_server_for
from ..components.sessions import CodeSessions
from ..components.key_vault import KeyVault, KeyVaultArgs
from ..components.network import Network, required_zones
from ..components.observability import AppInsights, AppInsightsArgs, Observability, ObservabilityArgs
from ..components.protection import DataProtection, DeletionGuard, DeletionGuardArgs
from ..components.purview import ExistingPurview, ExistingPurviewArgs, Purview, PurviewArgs
from .settings import Settings, SettingsError


class LandingZone(pulumi.ComponentResource):
    """Resource group -> network + observability -> AI services and data -> governance."""

    def __init__(self, name: str, settings: Settings, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("aizone:index:LandingZone", name, None, opts)
        self.settings = settings
        # Through this component's provider (explicit providers passed in `opts` included): the
        # default provider may point at another subscription or tenant.
        client = authorization.get_client_config(opts=pulumi.InvokeOptions(parent=self))
        names = GlobalNames(settings, client.subscription_id)
        registry_name = names.of("registry", f"cr{settings.prefix}{settings.environment}")
        # Still before any cloud resource is registered.
        preflight(settings, registry_name, program_dir=Path.cwd())
        protection = DataProtection(protect=settings.data.protect)
        base_tags = {
            **settings.tags,
            "aizone-environment": settings.environment,
            "aizone-managed-by": "pulumi",
        }
        group = resources.ResourceGroup(
            f"{name}-rg",
            resources.ResourceGroupArgs(
                resource_group_name=settings.name("rg"),
                location=settings.location,
                tags=base_tags,
            ),
            opts=pulumi.ResourceOptions(parent=self, protect=protection.protect),
        )
        placement = Placement(group.name, settings.location, base_tags)
        placement_args = PlacementArgs(resource_group_name=group.name, location=settings.location, tags=base_tags)
        protection_args = DataProtectionArgs(protect=protection.protect)
        # Azure refuses to delete the data resources while `data.protect` is on (DATA-5), without
        # the CanNotDelete locks that blocked revoking role assignments (README, "Data protection").
        self.deletion_guard: DeletionGuard | None = None
        if protection.protect:
            self.deletion_guard = DeletionGuard(
                f"{name}-deletion-guard",
                DeletionGuardArgs(scope=group.id, definition_name=f"aizone-deny-delete-{names.digest()}"),
                opts=pulumi.ResourceOptions(parent=self),
            )

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
        zones = required_zones(ai_services.ACCOUNT_TYPE, ai_services.PRIVATE_LINK_GROUPS)
        zones += required_zones(data_boundary.STORAGE_TYPE, data_boundary.PRIVATE_LINK_GROUPS)
        zones += required_zones(key_vault.VAULT_TYPE, key_vault.PRIVATE_LINK_GROUPS)
        if settings.governance.purview:
            zones += required_zones(purview.PURVIEW_TYPE, purview.PRIVATE_LINK_GROUPS)
        if settings.gateway.is_v2:
            zones += required_zones(gateway.SERVICE_TYPE, gateway.PRIVATE_LINK_GROUPS)
        zones += required_zones(registry.REGISTRY_TYPE, registry.PRIVATE_LINK_GROUPS)
        self.network = Network(
            f"{name}-net",
            placement,
            vnet_name=settings.name("vnet"),
            address_space=settings.network.address_space,
            subnets=settings.network.subnets,
            zone_names=zones,
            existing_zone_ids=settings.network.dns_zone_ids,
            zone_groups_by_platform=settings.network.zone_groups_by_platform,
            egress=settings.network.egress,
            firewall_ip=settings.network.firewall_ip,
            opts=pulumi.ResourceOptions(parent=self),
        )
        networking = self.network.private_networking
        diagnostics = self.observability.diagnostics

        self.ai = AiServices(
            f"{name}-ai",
            AiServicesArgs(
                placement=placement_args,
                account_name=names.of("ai", settings.name("ais")),
                kind=settings.ai.kind,
                sku=settings.ai.sku,
                deployments=[deployment.as_args() for deployment in settings.ai.deployments],
                severity_threshold=settings.ai.severity_threshold,
                applications=[app.as_args() for app in settings.applications],
                networking=networking_args(networking),
                diagnostics=diagnostics_args(diagnostics),
                protect=protection.protect,
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )
        # Token metrics and request traces of the gateway (workspace-based, Entra ID ingestion only).
        self.app_insights = AppInsights(
            f"{name}-appi",
            AppInsightsArgs(placement=placement_args, component_name=settings.name("appi"), diagnostics=diagnostics_args(diagnostics)),
            opts=pulumi.ResourceOptions(parent=self),
        )
        # The AI gateway fronts the models (MOD-4): callers present Entra ID tokens for its app
        # registration; it calls the account with its own managed identity.
        self.gateway = AiGateway(
            f"{name}-gw",
            AiGatewayArgs(
                placement=placement_args,
                service_name=names.of("gateway", settings.name("apim")),
                tenant_id=client.tenant_id,
                options=settings.gateway.as_args(),
                # The gateway's role on the account was AiServices' child before 0.2.0 (component_urn).
                targets=[InferenceTargetArgs(
                    name=f"{name}-ai", account_id=self.ai.account_id, endpoint=self.ai.endpoint, component_urn=self.ai.urn
                )],
                subnet_id=self.network.subnet_ids["gateway"],
                networking=networking_args(networking),
                diagnostics=diagnostics_args(diagnostics),
                app_insights=GatewayTelemetryArgs(
                    name=f"{name}-appi", component_id=self.app_insights.component_id,
                    connection_string=self.app_insights.connection_string,
                ),
                resource_group_name=settings.name("rg"),
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.key_vault = KeyVault(
            f"{name}-kv",
            KeyVaultArgs(
                placement=placement_args,
                vault_name=names.of("keyVault", f"kv{settings.prefix}{settings.environment}"),
                tenant_id=client.tenant_id,
                networking=networking_args(networking),
                diagnostics=diagnostics_args(diagnostics),
                protection=protection_args,
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )

        # One isolated dataset per application, in the application's own boundary (DATA-1..3).
        self.data: dict[str, DataBoundary] = {}
        inventory: list[tuple[str, dict[str, object]]] = []  # (principal name, row without its roles)
        for app in settings.applications:
            boundary = DataBoundary(
                f"{name}-data-{app.name}",
                DataBoundaryArgs(
                    placement=placement_args,
                    application=app.name,
                    boundary=app.boundary,
                    account_name=names.storage(app.name, app.boundary),
                    networking=networking_args(networking),
                    diagnostics=diagnostics_args(diagnostics),
                    protection=protection_args,
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
            inventory.append(
                (principal.name, {"kind": "application", "name": app.name, "application": app.name,
                                  "boundary": app.boundary, "identityId": project.id, "principalId": principal.principal_id})
            )

        # Every agent: its own identity, its own boundary's data, listed in the inventory (ACC-2).
        self.agents = {
            agent.name: AgentIdentity(
                f"{name}-agent-{agent.name}",
                AgentIdentityArgs(
                    placement=placement_args,
                    agent_name=agent.name,
                    application=agent.application,
                    boundary=agent.boundary,
                    owner=agent.owner,
                    description=agent.description,
                    identity_name=settings.name("id", "agent", agent.name),
                ),
                opts=pulumi.ResourceOptions(parent=self),
            )
            for agent in settings.agents
        }
        for agent in self.agents.values():
            self.data[agent.spec.application].grant_read(agent.principal)
            self.gateway.grant_access(agent.principal)  # agents reach models only through the gateway

        # Purview is one account per tenant: attach the existing one (default path), or create it
        # only when asked to (`create: true`).
        self.purview: Purview | ExistingPurview | None = None
        governance = settings.governance
        if governance.purview and governance.purview_create:
            self.purview = Purview(
                f"{name}-purview",
                PurviewArgs(
                    placement=placement_args,
                    account_name=names.of("purview", settings.name("pview")),
                    networking=networking_args(networking),
                    diagnostics=diagnostics_args(diagnostics),
                    protection=protection_args,
                ),
                opts=pulumi.ResourceOptions(parent=self),
            )
        elif governance.purview and governance.purview_account_id:
            existing = ExistingPurviewArgs(account_id=governance.purview_account_id, provider_subscription_id=client.subscription_id)
            if governance.purview_principal_id:
                existing["principal_id"] = governance.purview_principal_id
            self.purview = ExistingPurview(f"{name}-purview", existing, opts=pulumi.ResourceOptions(parent=self))
        if self.purview is not None:
            for boundary in self.data.values():
                boundary.grant_governance_read(self.purview.principal)

        self.defender: Defender | None = None
        if settings.governance.defender:
            self.defender = Defender(
                f"{name}-defender",
                DefenderArgs(subscription_id=client.subscription_id, contact_emails=list(settings.governance.security_contacts)),
                opts=pulumi.ResourceOptions(parent=self),
            )

        # Agents run code in isolated, egress-free sessions; custom images only from our registry.
        self.registry = ContainerRegistry(
            f"{name}-acr",
            ContainerRegistryArgs(
                placement=placement_args,
                registry_name=registry_name,
                networking=networking_args(networking),
                diagnostics=diagnostics_args(diagnostics),
                options=settings.execution.registry.as_args(),
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.sessions = CodeSessions(
            f"{name}-sessions",
            placement,
            environment_name=settings.name("cae"),
            subnet_id=self.network.subnet_ids["agents"],
            agents=list(self.agents.values()),
            diagnostics=diagnostics,
            pool_name_prefix=f"sp{settings.prefix}{settings.environment}",
            options=settings.execution.sessions,
            overrides=settings.execution.agent_sessions,
            registry=self.registry,
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.alerts = Alerts(
            f"{name}-alerts",
            AlertsArgs(
                placement=placement_args,
                name_prefix=settings.name("alert"),
                options=settings.alerts.as_args(),
                ai_account_id=self.ai.account.id,
                apim_service_id=self.gateway.service.id,
                session_environment_id=self.sessions.environment.id,
                session_pools=self.sessions.alert_targets(),
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )

        self.entra: EntraControls | None = None
        eligibility = None
        if settings.entra.enabled:
            self.entra = EntraControls(
                f"{name}-entra",
                EntraControlsArgs(
                    display_prefix=f"{settings.prefix}-{settings.environment}",
                    options=settings.entra.as_args(),
                    ai_application_ids=[self.gateway.application.client_id],
                    ai_service_principal_ids=[self.gateway.service_principal.object_id],
                ),
                opts=pulumi.ResourceOptions(parent=self),
            )
            # People call the gateway with their own token (README "The AI gateway"): the AI users
            # group holds its app role (assignment is required on its service principal).
            self.gateway.grant_access(Principal("ai-users", self.entra.users.object_id, principal_type="Group"))
            add_agents_to_group(f"{name}-agents-group", self.entra.agents, list(self.agents.values()), parent=self.entra)
            eligibility = self.entra.make_admins_eligible(ADMIN_ROLE, self.ai.account.id, f"{name}-ai-account").resource

        # What each identity holds, from the grants every component made (ACC-2).
        grants: list[Grant[pulumi.CustomResource]] = [
            *self.ai.grants(), *self.app_insights.grants(), *self.key_vault.grants(),
            *(grant for boundary in self.data.values() for grant in boundary.grants()),
            *self.gateway.grants(), *self.registry.grants(), *self.sessions.grants(), *(self.entra.grants() if self.entra else ()),
        ]
        self.outputs = {
            "resourceGroupName": group.name,
            "vnetId": self.network.vnet.id,
            "logAnalyticsWorkspaceId": self.observability.workspace.id,
            "aiEndpoint": self.ai.endpoint,
            "modelDeployments": sorted(self.ai.deployments),
            "keyVaultId": self.key_vault.vault.id,
            "globalNames": names.chosen,
            "applications": {
                app.name: {
                    "boundary": app.boundary,
                    "projectId": self.ai.projects[app.name].id,
                    "storageAccountId": self.data[app.name].account.id,
                }
                for app in settings.applications
            },
            "gatewayUrl": self.gateway.inference_url,
            "gatewayAudience": self.gateway.audience,
            "agentInventory": [
                *({**row, "roles": roles_of(principal_name, grants)} for principal_name, row in inventory),
                *(agent.inventory_entry(grants) for agent in self.agents.values()),
                {"kind": "gateway", "name": "gateway", "identityId": self.gateway.service.id,
                 "principalId": self.gateway.principal.principal_id,
                 "roles": roles_of(self.gateway.principal.name, grants)},
            ],
        }
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
    allowed = [login_server_for(registry_name)]
    pools = {"sessions": settings.execution.sessions, **{f"agentSessions.{k}": v for k, v in settings.execution.agent_sessions.items()}}
    for key, options in pools.items():
        if options.image is not None:
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
            subscription_id.lower(), settings.location, pulumi.get_project(), pulumi.get_stack(), settings.prefix,
            settings.environment, settings.names.salt,
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
        name = self.settings.names.storage.get(application) or storage_account_name(
            self.settings.prefix, application, boundary, self.seed
        )
        storage = self.chosen.setdefault("storage", {})
        assert isinstance(storage, dict)
        storage[application] = name
        return name
