"""Agent identities and the agent inventory (ACC-2, ACC-6, DATA-1).

Every AI agent declared in the stack gets its own user-assigned managed identity: no agent shares
an identity with another or with its application, so each one's access can be granted, reviewed
and revoked on its own. Each identity is tagged as an agent with its owner, application and data
boundary, joins one Entra ID security group, and appears in the `agentInventory` stack output with
every role it holds. The pack flags any identity holding AI data-plane roles that is not tagged as
an inventoried agent.
"""

from __future__ import annotations

from dataclasses import dataclass

from typing import Sequence

import pulumi
import pulumi_azuread as azuread
from pulumi_azure_native import managedidentity

from aizone_policy.reference import AGENT_TAG, APPLICATION_TAG, BOUNDARY_TAG, INVENTORY_TAG, OWNER_TAG

from .base import Placement, implements
from .grants import Principal


@dataclass(frozen=True)
class Agent:
    """An AI agent: its own identity, owned by a person, acting for one application (ACC-2)."""

    name: str
    application: str
    boundary: str
    owner: str
    description: str




@implements("ACC-2", "ACC-6", "DATA-1")
class AgentIdentity(pulumi.ComponentResource):
    """One agent's own identity; `principal` is what grants are given to."""

    identity: managedidentity.UserAssignedIdentity
    principal: Principal

    def __init__(
        self,
        name: str,
        placement: Placement,
        spec: Agent,
        identity_name: str,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("aizone:identity:AgentIdentity", name, None, opts)
        self.spec = spec
        # Keyword form on purpose: UserAssignedIdentityArgs(resource_name=...) collides with the
        # resource's own logical-name parameter inside the SDK (TypeError at run time); the keyword
        # form names the Azure resource `resource_name_`.
        self.identity = managedidentity.UserAssignedIdentity(
            f"{name}-identity",
            resource_group_name=placement.resource_group_name,
            location=placement.location,
            resource_name_=identity_name,
            tags=placement.with_tags(
                **{
                    INVENTORY_TAG: "agent",
                    AGENT_TAG: spec.name,
                    OWNER_TAG: spec.owner,
                    APPLICATION_TAG: spec.application,
                    BOUNDARY_TAG: spec.boundary,
                }
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.principal = Principal(f"agent-{spec.name}", self.identity.principal_id, boundary=spec.boundary)
        self.register_outputs({"principal_id": self.identity.principal_id})

    def inventory_entry(self) -> dict[str, object]:
        """The agent's row in the `agentInventory` output."""
        return {
            "kind": "agent",
            "name": self.spec.name,
            "application": self.spec.application,
            "boundary": self.spec.boundary,
            "owner": self.spec.owner,
            "identityId": self.identity.id,
            "principalId": self.identity.principal_id,
            "clientId": self.identity.client_id,
            "roles": list(self.principal.roles),
        }


@implements("ACC-2")
def add_agents_to_group(
    name: str, group: azuread.Group, agents: Sequence[AgentIdentity], parent: pulumi.Resource
) -> list[azuread.GroupMember]:
    """Every inventoried agent is a member of the one Entra ID agents group."""
    return [
        azuread.GroupMember(
            f"{name}-{agent.spec.name}",
            azuread.GroupMemberArgs(group_object_id=group.object_id, member_object_id=agent.identity.principal_id),
            opts=pulumi.ResourceOptions(parent=parent),
        )
        for agent in agents
    ]
