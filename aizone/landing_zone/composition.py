"""The whole landing zone, built from validated settings. `__main__.py` only calls this."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pulumi
from pulumi_azure_native import authorization, resources

from ..components import ai_services, data_boundary, gateway, key_vault, purview, registry
from ..components.agents import AgentIdentity, add_agents_to_group
from ..components.ai_services import AiServices
from ..components.base import Placement
from ..components.data_boundary import DataBoundary, storage_account_name
from ..components.defender import Defender
from ..components.entra import EntraControls
from ..components.gateway import AiGateway, InferenceTarget
from ..components.grants import Principal
from ..components.integrity import IntegrityError, require_pinned_image, verify_artifact
from ..components.monitoring import Alerts
from ..components.registry import ContainerRegistry, login_server_for
from ..components.sessions import CodeSessions
from ..components.key_vault import KeyVault
from ..components.network import Network, required_zones
from ..components.observability import AppInsights, Observability
from ..components.protection import DataProtection
from ..components.purview import Purview
from .settings import Settings, SettingsError


class LandingZone(pulumi.ComponentResource):
    """Resource group -> network + observability -> AI services and data -> governance."""

    def __init__(self, name: str, settings: Settings, opts: pulumi.ResourceOptions | None = None) -> None:
        suffix = unique_suffix(settings)
        registry_name = f"cr{settings.prefix}{settings.environment}{suffix}"
        preflight(settings, registry_name, program_dir=Path.cwd())
        super().__init__("aizone:index:LandingZone", name, None, opts)
        self.settings = settings
        client = authorization.get_client_config_output()
        protection = DataProtection(protect=settings.data.protect, lock=settings.data.lock)
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
            opts=pulumi.ResourceOptions(parent=self, protect=True),
        )
        placement = Placement(group.name, settings.location, base_tags)

        self.observability = Observability(
            f"{name}-obs",
            placement,
            workspace_name=settings.name("log"),
            retention_days=settings.observability.retention_days,
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
            placement,
            account_name=settings.name("ais", suffix),
            kind=settings.ai.kind,
            sku=settings.ai.sku,
            deployments=settings.ai.deployments,
            severity_threshold=settings.ai.severity_threshold,
            applications=settings.applications,
            networking=networking,
            diagnostics=diagnostics,
            opts=pulumi.ResourceOptions(parent=self),
        )
        # Token metrics and request traces of the gateway (workspace-based, Entra ID ingestion only).
        self.app_insights = AppInsights(
            f"{name}-appi",
            placement,
            component_name=settings.name("appi"),
            diagnostics=diagnostics,
            opts=pulumi.ResourceOptions(parent=self),
        )
        # The AI gateway fronts the models (MOD-4): callers present Entra ID tokens for its app
        # registration; it calls the account with its own managed identity.
        self.gateway = AiGateway(
            f"{name}-gw",
            placement,
            service_name=settings.name("apim", suffix),
            options=settings.gateway,
            target=InferenceTarget.from_ai_services(self.ai),
            tenant_id=client.tenant_id,
            subnet_id=self.network.subnet_ids["gateway"],
            networking=networking,
            diagnostics=diagnostics,
            app_insights=self.app_insights,
            resource_group_name=settings.name("rg"),
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.key_vault = KeyVault(
            f"{name}-kv",
            placement,
            vault_name=f"kv{settings.prefix}{settings.environment}{suffix}"[:24],
            tenant_id=client.tenant_id,
            networking=networking,
            diagnostics=diagnostics,
            protection=protection,
            opts=pulumi.ResourceOptions(parent=self),
        )

        # One isolated dataset per application, in the application's own boundary (DATA-1..3).
        self.data: dict[str, DataBoundary] = {}
        inventory: list[dict[str, object]] = []
        for app in settings.applications:
            boundary = DataBoundary(
                f"{name}-data-{app.name}",
                placement,
                application=app.name,
                boundary=app.boundary,
                account_name=storage_account_name(settings.prefix, settings.environment, app.name, app.boundary),
                networking=networking,
                diagnostics=diagnostics,
                protection=protection,
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
                {"kind": "application", "name": app.name, "application": app.name, "boundary": app.boundary,
                 "identityId": project.id, "principalId": principal.principal_id, "roles": principal.roles}
            )

        # Every agent: its own identity, its own boundary's data, listed in the inventory (ACC-2).
        self.agents = {
            agent.name: AgentIdentity(
                f"{name}-agent-{agent.name}",
                placement,
                agent,
                identity_name=settings.name("id", "agent", agent.name),
                opts=pulumi.ResourceOptions(parent=self),
            )
            for agent in settings.agents
        }
        for agent in self.agents.values():
            self.data[agent.spec.application].grant_read(agent.principal)
            self.gateway.grant_access(agent.principal)  # agents reach models only through the gateway

        self.purview: Purview | None = None
        if settings.governance.purview:
            self.purview = Purview(
                f"{name}-purview",
                placement,
                account_name=settings.name("pview", suffix),
                networking=networking,
                diagnostics=diagnostics,
                protection=protection,
                opts=pulumi.ResourceOptions(parent=self),
            )
            for boundary in self.data.values():
                boundary.grant_governance_read(self.purview.principal)

        self.defender: Defender | None = None
        if settings.governance.defender:
            self.defender = Defender(
                f"{name}-defender",
                subscription_id=client.subscription_id,
                contact_emails=settings.governance.security_contacts,
                opts=pulumi.ResourceOptions(parent=self),
            )

        # Agents run code in isolated, egress-free sessions; custom images only from our registry.
        self.registry = ContainerRegistry(
            f"{name}-acr",
            placement,
            registry_name=registry_name,
            networking=networking,
            diagnostics=diagnostics,
            options=settings.execution.registry,
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
            placement,
            name_prefix=settings.name("alert"),
            options=settings.alerts,
            ai_account_id=self.ai.account.id,
            apim_service_id=self.gateway.service.id,
            session_environment_id=self.sessions.environment.id,
            session_pools=self.sessions.alert_targets(),
            opts=pulumi.ResourceOptions(parent=self),
        )

        self.entra: EntraControls | None = None
        if settings.entra.enabled:
            self.entra = EntraControls(
                f"{name}-entra",
                display_prefix=f"{settings.prefix}-{settings.environment}",
                options=settings.entra,
                ai_application_ids=[self.gateway.application.client_id],
                ai_service_principals=[self.gateway.service_principal],
                opts=pulumi.ResourceOptions(parent=self),
            )
            # People call the gateway with their own token (README "The AI gateway"): the AI users
            # group holds its app role (assignment is required on its service principal).
            self.gateway.grant_access(Principal("ai-users", self.entra.users.object_id, principal_type="Group"))
            add_agents_to_group(f"{name}-agents-group", self.entra.agents, list(self.agents.values()), parent=self.entra)
            self.entra.make_admins_eligible("Cognitive Services Contributor", self.ai.account)

        self.outputs = {
            "resourceGroupName": group.name,
            "vnetId": self.network.vnet.id,
            "logAnalyticsWorkspaceId": self.observability.workspace.id,
            "aiEndpoint": self.ai.endpoint,
            "modelDeployments": sorted(self.ai.deployments),
            "keyVaultId": self.key_vault.vault.id,
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
                *inventory,
                *(agent.inventory_entry() for agent in self.agents.values()),
                {"kind": "gateway", "name": "gateway", "identityId": self.gateway.service.id,
                 "principalId": self.gateway.principal.principal_id, "roles": self.gateway.principal.roles},
            ],
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


def unique_suffix(settings: Settings) -> str:
    """Five characters that make globally unique names (AI subdomains, vaults) stable per stack."""
    seed = f"{pulumi.get_project()}/{pulumi.get_stack()}/{settings.prefix}/{settings.environment}/{settings.location}"
    return hashlib.sha256(seed.encode()).hexdigest()[:5]
