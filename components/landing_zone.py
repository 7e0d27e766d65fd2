"""The whole landing zone, built from validated settings. `__main__.py` only calls this."""

from __future__ import annotations

import hashlib

import pulumi
from pulumi_azure_native import resources

from .ai_services import ACCOUNT_TYPE, PRIVATE_LINK_GROUPS, AiServices
from .base import Placement
from .grants import Principal
from .network import Network, required_zones
from .observability import Observability
from .settings import Settings


class LandingZone(pulumi.ComponentResource):
    """Resource group -> network + observability -> AI services, in that order of dependency."""

    def __init__(self, name: str, settings: Settings, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("aizone:index:LandingZone", name, None, opts)
        self.settings = settings
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
        self.network = Network(
            f"{name}-net",
            placement,
            vnet_name=settings.name("vnet"),
            address_space=settings.network.address_space,
            subnets=settings.network.subnets,
            zone_names=required_zones(ACCOUNT_TYPE, PRIVATE_LINK_GROUPS),
            existing_zone_ids=settings.network.dns_zone_ids,
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.ai = AiServices(
            f"{name}-ai",
            placement,
            account_name=settings.name("ais", unique_suffix(settings)),
            kind=settings.ai.kind,
            sku=settings.ai.sku,
            deployments=settings.ai.deployments,
            severity_threshold=settings.ai.severity_threshold,
            applications=settings.applications,
            networking=self.network.private_networking,
            diagnostics=self.observability.diagnostics,
            opts=pulumi.ResourceOptions(parent=self),
        )
        # Each application's Foundry project identity may call the models, and nothing more.
        for app_name, project in self.ai.projects.items():
            principal_id = project.identity.apply(lambda identity: identity.principal_id if identity else "")
            self.ai.grant_inference(Principal(f"project-{app_name}", principal_id))

        self.outputs = {
            "resourceGroupName": group.name,
            "vnetId": self.network.vnet.id,
            "logAnalyticsWorkspaceId": self.observability.workspace.id,
            "aiEndpoint": self.ai.endpoint,
            "modelDeployments": sorted(self.ai.deployments),
            "projects": {
                app.name: {"boundary": app.boundary, "projectId": self.ai.projects[app.name].id}
                for app in settings.applications
            },
        }
        self.register_outputs(self.outputs)


def unique_suffix(settings: Settings) -> str:
    """Five characters that make globally unique names (AI subdomains, storage) stable per stack."""
    seed = f"{pulumi.get_project()}/{pulumi.get_stack()}/{settings.prefix}/{settings.environment}/{settings.location}"
    return hashlib.sha256(seed.encode()).hexdigest()[:5]
