"""Foundry / AI Services account with secure defaults (ACC-1, ACC-6, ACC-7, ACC-8, MOD-2a, MOD-3,
RES-2, RES-4).

What a reviewer should find here, resource by resource:
- the account: key auth off, public network access off, network ACLs default-deny, outbound
  restricted, custom subdomain (required for Entra ID tokens), system-assigned identity, protected;
- one custom content-filter (RAI) policy that blocks jailbreak and indirect (document) attacks on
  prompts and filters the harm categories on prompts and completions at the configured threshold;
- model deployments of allow-listed, pinned model versions (`NoAutoUpgrade`), each bound to that
  policy, with a capacity cap, written one after another (Azure rejects concurrent writes under one
  account with 409 Conflict);
- one Foundry project per application, tagged with the application's data boundary;
- a private endpoint created only after every child resource (an endpoint created while the account
  is still provisioning fails with AccountProvisioningStateInvalid), and diagnostic settings.
"""

from __future__ import annotations

from dataclasses import dataclass

from typing import Sequence

import pulumi
from pulumi_azure_native import authorization, cognitiveservices as cs

from aizone_policy import reference
from aizone_policy.reference import APPLICATION_TAG, BOUNDARY_TAG, INVENTORY_TAG

from .base import Diagnostics, Placement, PrivateNetworking, implements
from .grants import Grant, KeepsGrants, Principal, grant_role
from .network import add_private_endpoint
from .observability import add_diagnostic_settings


@dataclass(frozen=True)
class ModelRef:
    """A model as Azure names it: format (publisher family), name and exact version."""

    format: str
    name: str
    version: str

    def label(self) -> str:
        return f"{self.format}/{self.name}@{self.version}"


@dataclass(frozen=True)
class ModelDeployment:
    name: str
    model: ModelRef
    sku: str
    capacity: int


@dataclass(frozen=True)
class Application:
    """An AI application. Its boundary decides which data it may be given (DATA-1)."""

    name: str
    boundary: str
    description: str

ACCOUNT_TYPE = "azure-native:cognitiveservices:Account"
PRIVATE_LINK_GROUPS = ("account",)
INFERENCE_ROLES = frozenset(reference.AI_DATA_PLANE_ROLES)

# Harm categories filtered on both prompt and completion; prompt-attack filters (prompt shields)
# that always block. Names as the Azure AI Foundry content filter API spells them.
HARM_CATEGORIES = ("Hate", "Sexual", "Violence", "Selfharm")
PROMPT_SHIELDS = ("Jailbreak", "Indirect Attack")
COMPLETION_ONLY_FILTERS = ("Protected Material Text", "Protected Material Code")


def content_filters(severity_threshold: str) -> list[cs.RaiPolicyContentFilterArgs]:
    """The content filters of the landing zone's RAI policy (MOD-2a)."""
    filters = [
        cs.RaiPolicyContentFilterArgs(name=name, source=source, enabled=True, blocking=True, severity_threshold=severity_threshold)
        for name in HARM_CATEGORIES
        for source in ("Prompt", "Completion")
    ]
    filters += [cs.RaiPolicyContentFilterArgs(name=name, source="Prompt", enabled=True, blocking=True) for name in PROMPT_SHIELDS]
    filters += [
        cs.RaiPolicyContentFilterArgs(name=name, source="Completion", enabled=True, blocking=True)
        for name in COMPLETION_ONLY_FILTERS
    ]
    return filters


@implements("ACC-1", "ACC-6", "ACC-7", "ACC-8", "MOD-2a", "MOD-2b", "MOD-3", "RES-2", "RES-4")
class AiServices(KeepsGrants, pulumi.ComponentResource):
    """An AI Services (Foundry) account, its content filter, model deployments and projects."""

    account: cs.Account
    rai_policy: cs.RaiPolicy
    deployments: dict[str, cs.Deployment]
    projects: dict[str, cs.Project]
    endpoint: pulumi.Output[str]

    def __init__(
        self,
        name: str,
        placement: Placement,
        account_name: str,
        kind: str,
        sku: str,
        deployments: Sequence[ModelDeployment],
        severity_threshold: str,
        applications: Sequence[Application],
        networking: PrivateNetworking,
        diagnostics: Diagnostics,
        protect: bool = True,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("aizone:ai:AiServices", name, None, opts)
        self._placement = placement
        self._logical_name = name
        self.account = cs.Account(
            f"{name}-account",
            cs.AccountArgs(
                resource_group_name=placement.resource_group_name,
                location=placement.location,
                account_name=account_name,
                kind=kind,
                sku=cs.SkuArgs(name=sku),
                identity=cs.IdentityArgs(type=cs.ResourceIdentityType.SYSTEM_ASSIGNED),
                properties=cs.AccountPropertiesArgs(
                    custom_sub_domain_name=account_name,
                    disable_local_auth=True,
                    public_network_access=cs.PublicNetworkAccess.DISABLED,
                    # Trusted Azure services (e.g. AI Search with its managed identity) may still
                    # reach the account; everything else must come through the private endpoint.
                    network_acls=cs.NetworkRuleSetArgs(
                        default_action=cs.NetworkRuleAction.DENY,
                        bypass=cs.ByPassSelection.AZURE_SERVICES,
                        ip_rules=[],
                        virtual_network_rules=[],
                    ),
                    restrict_outbound_network_access=True,
                    allowed_fqdn_list=[],
                    allow_project_management=kind == "AIServices",
                ),
                tags=placement.with_tags(),
            ),
            opts=pulumi.ResourceOptions(parent=self, protect=protect),
        )
        children = self._children(name, deployments, severity_threshold, applications)
        add_private_endpoint(
            name,
            self.account.id,
            ACCOUNT_TYPE,
            PRIVATE_LINK_GROUPS[0],
            networking,
            placement,
            parent=self,
            depends_on=children[-1:],
        )
        add_diagnostic_settings(name, self.account.id, diagnostics, parent=self)
        self.endpoint = pulumi.Output.concat("https://", account_name, ".cognitiveservices.azure.com/")
        self.register_outputs({"account_id": self.account.id, "endpoint": self.endpoint})

    def _children(
        self,
        name: str,
        deployments: Sequence[ModelDeployment],
        severity_threshold: str,
        applications: Sequence[Application],
    ) -> list[pulumi.Resource]:
        """RAI policy, deployments and projects, each waiting for the previous one (no 409s)."""
        placement = self._placement
        self.rai_policy = cs.RaiPolicy(
            f"{name}-prompt-shields",
            cs.RaiPolicyArgs(
                resource_group_name=placement.resource_group_name,
                account_name=self.account.name,
                rai_policy_name="aizone-prompt-shields",
                properties=cs.RaiPolicyPropertiesArgs(
                    base_policy_name="Microsoft.DefaultV2",
                    mode=cs.RaiPolicyMode.BLOCKING,
                    content_filters=content_filters(severity_threshold),
                ),
                tags=placement.with_tags(),
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )
        chain: list[pulumi.Resource] = [self.rai_policy]
        self.deployments = {}
        for spec in deployments:
            deployment = cs.Deployment(
                f"{name}-deployment-{spec.name}",
                cs.DeploymentArgs(
                    resource_group_name=placement.resource_group_name,
                    account_name=self.account.name,
                    deployment_name=spec.name,
                    sku=cs.SkuArgs(name=spec.sku, capacity=spec.capacity),
                    properties=cs.DeploymentPropertiesArgs(
                        model=cs.DeploymentModelArgs(
                            format=spec.model.format, name=spec.model.name, version=spec.model.version
                        ),
                        rai_policy_name=self.rai_policy.name,
                        version_upgrade_option=cs.DeploymentModelVersionUpgradeOption.NO_AUTO_UPGRADE,
                    ),
                    tags=placement.with_tags(),
                ),
                opts=pulumi.ResourceOptions(parent=self, depends_on=[chain[-1]]),
            )
            self.deployments[spec.name] = deployment
            chain.append(deployment)
        self.projects = {}
        for app in applications:
            project = cs.Project(
                f"{name}-project-{app.name}",
                cs.ProjectArgs(
                    resource_group_name=placement.resource_group_name,
                    account_name=self.account.name,
                    project_name=app.name,
                    location=placement.location,
                    identity=cs.IdentityArgs(type=cs.ResourceIdentityType.SYSTEM_ASSIGNED),
                    properties=cs.ProjectPropertiesArgs(display_name=app.name, description=app.description or None),
                    tags=placement.with_tags(
                        **{BOUNDARY_TAG: app.boundary, APPLICATION_TAG: app.name, INVENTORY_TAG: "application"}
                    ),
                ),
                opts=pulumi.ResourceOptions(parent=self, depends_on=[chain[-1]]),
            )
            self.projects[app.name] = project
            chain.append(project)
        return chain

    def grant_inference(
        self, principal: Principal, role: str = "Cognitive Services OpenAI User"
    ) -> Grant[authorization.RoleAssignment]:
        """Let `principal` call the models (data plane only) on this account and nothing else."""
        return self._keep(grant_role(
            f"{self._logical_name}-inference-{principal.name}",
            role,
            scope_id=self.account.id,
            scope_name=f"{self._logical_name}-account",
            principal=principal,
            allowed_roles=INFERENCE_ROLES,
            parent=self,
        ))

