"""An application team's program built with the aizone library (`pip install pulumi-aizone`).

It builds a subset of the landing zone into what a platform team already runs:
- an AI Services (Foundry) account with the prompt-shield content-filter (RAI) policy and one
  pinned model deployment, reachable only through a private endpoint;
- one data boundary: the application's own hardened storage account;
- a user-assigned identity for the application, which may call the models (inference, data plane
  only) and read its own boundary's data, and nothing else.

It creates no network, DNS zone or workspace: the private-endpoint subnet, the private DNS zones and
the Log Analytics workspace are given by resource id. In a real organisation they are outputs of
the platform stack, read through a StackReference (set `aizone-consumer:platformStack`, e.g.
`my-org/platform/prod`, whose outputs are `privateEndpointSubnetId`, `logAnalyticsWorkspaceId` and
`privateDnsZoneIds`); without it (the offline preview has no other stacks) the same ids come from
this stack's config (Pulumi.dev.yaml).
"""

from __future__ import annotations

import pulumi
from pulumi_azure_native import managedidentity, resources

from pulumi_aizone import (
    AiServices,
    AiServicesArgs,
    ApplicationArgs,
    DataBoundary,
    DataBoundaryArgs,
    DeletionGuard,
    DeletionGuardArgs,
    DiagnosticsArgs,
    ModelDeploymentArgs,
    ModelRefArgs,
    PlacementArgs,
    Principal,
    PrivateNetworkingArgs,
    tags_of,
)
from pulumi_aizone_policy.reference import APPLICATION_TAG, BOUNDARY_TAG, INVENTORY_TAG

APPLICATION = ApplicationArgs(name="support-bot", boundary="customer", description="Customer support assistant")
MODEL = ModelDeploymentArgs(
    name="gpt-5.4-mini",
    model=ModelRefArgs(format="OpenAI", name="gpt-5.4-mini", version="2026-03-17"),
    sku="GlobalStandard",
    capacity=10,
)

config = pulumi.Config()
prefix = config.require("prefix")
location = config.require("location")
platform_stack = config.get("platformStack") or ""

subnet_id: pulumi.Input[str]
workspace_id: pulumi.Input[str]
zone_ids: dict[str, pulumi.Input[str]]
if platform_stack:
    # The platform stack's outputs (zone ids as a map: privatelink zone name -> zone id). The zone
    # names the components need are known in advance, so each id is its own output lookup.
    platform = pulumi.StackReference(platform_stack)
    subnet_id = platform.require_output("privateEndpointSubnetId").apply(str)
    workspace_id = platform.require_output("logAnalyticsWorkspaceId").apply(str)
    zones = platform.require_output("privateDnsZoneIds")
    zone_ids = {
        zone: zones.apply(lambda ids, zone=zone: str(ids[zone]))
        for zone in (
            "privatelink.cognitiveservices.azure.com",
            "privatelink.openai.azure.com",
            "privatelink.services.ai.azure.com",
            "privatelink.blob.core.windows.net",
        )
    }
else:
    subnet_id = config.require("privateEndpointSubnetId")
    workspace_id = config.require("logAnalyticsWorkspaceId")
    zone_ids = dict(config.require_object("privateDnsZoneIds"))

group = resources.ResourceGroup(
    "app-rg",
    resources.ResourceGroupArgs(resource_group_name=f"rg-{prefix}-{APPLICATION['name']}", location=location),
)
placement = PlacementArgs(resource_group_name=group.name, location=location, tags={"owner": "support-team"})
networking = PrivateNetworkingArgs(subnet_id=subnet_id, zone_ids=zone_ids)
diagnostics = DiagnosticsArgs(workspace_id=workspace_id)

ai = AiServices(
    "ai",
    AiServicesArgs(
        placement=placement,
        account_name=f"ais-{prefix}-{APPLICATION['name']}",
        kind="AIServices",
        sku="S0",
        deployments=[MODEL],
        severity_threshold="Medium",
        applications=[APPLICATION],
        networking=networking,
        diagnostics=diagnostics,
    ),
)
# Azure refuses to delete the data resources of this resource group (a denyAction policy), without
# the locks that would block revoking role assignments (DATA-5).
guard = DeletionGuard("deletion-guard", DeletionGuardArgs(scope=group.id, definition_name=f"aizone-deny-delete-{prefix}-consumer"))
data = DataBoundary(
    "data",
    DataBoundaryArgs(
        placement=placement,
        application=APPLICATION["name"],
        boundary=APPLICATION["boundary"],
        account_name=f"st{prefix}supportbot",
        networking=networking,
        diagnostics=diagnostics,
    ),
)

# The application's own identity: inference on the account, read on its own boundary's data. Its
# tags put it in the inventory (ACC-2) and in its boundary (DATA-1), which the pack checks on grants.
# (Keyword form: the SDK's UserAssignedIdentityArgs form collides with the resource's own name.)
identity = managedidentity.UserAssignedIdentity(
    "app-identity",
    resource_group_name=group.name,
    location=location,
    resource_name_=f"id-{prefix}-{APPLICATION['name']}",
    tags=tags_of(placement, **{INVENTORY_TAG: "application", APPLICATION_TAG: APPLICATION["name"], BOUNDARY_TAG: APPLICATION["boundary"]}),
)
app = Principal(APPLICATION["name"], identity.principal_id, boundary=APPLICATION["boundary"])
grants = [ai.grant_inference(app), data.grant_read(app)]

pulumi.export("aiEndpoint", ai.endpoint)
pulumi.export("modelDeployments", sorted(ai.deployments))
pulumi.export("storageAccountId", data.account.id)
pulumi.export("appIdentityClientId", identity.client_id)
pulumi.export("appRoles", [grant.describe() for grant in grants])
