"""Agent identities and the agent inventory (ACC-2, ACC-6, DATA-1).

Every AI agent declared in the stack gets its own user-assigned managed identity: no agent shares
an identity with another or with its application, so each one's access can be granted, reviewed
and revoked on its own. Each identity is tagged as an agent with its owner, application and data
boundary, joins one Entra ID security group, and appears in the `agentInventory` stack output with
every role it holds. The pack flags any identity holding AI data-plane roles that is not tagged as
an inventoried agent.
"""

from dataclasses import dataclass
from typing import NotRequired, Optional, Sequence, TypedDict

import pulumi
import pulumi_azuread as azuread
from pulumi_azure_native import managedidentity

from pulumi_aizone_policy.reference import AGENT_TAG, APPLICATION_TAG, BOUNDARY_TAG, INVENTORY_TAG, OWNER_TAG

from .base import (
    BOUNDARIES,
    EMAIL_PATTERN,
    EMAIL_RULE,
    NAME_PATTERN,
    NAME_RULE,
    PlacementArgs,
    Problem,
    aliased,
    implements,
    raise_if_invalid,
    tags_of,
)
from .grants import Grant, Principal, roles_of

TYPE_TOKEN = "aizone:index:AgentIdentity"
_OLD_TYPE_TOKEN = "aizone:identity:AgentIdentity"  # before 0.2.0: aliased so stacks are not replaced


@dataclass(frozen=True)
class Agent:
    """An AI agent: its own identity, owned by a person, acting for one application (ACC-2)."""

    name: str
    application: str
    boundary: str
    owner: str
    description: str


class AgentIdentityArgs(TypedDict):
    """Inputs of AgentIdentity: one AI agent and where its identity goes."""

    placement: PlacementArgs
    """Resource group, region and tags of the identity."""
    agent_name: str
    """The agent's name, unique in the stack (it names the identity's grants and inventory row)."""
    application: str
    """The application the agent acts for."""
    boundary: str
    """The application's data boundary: `internal`, `customer` or `public` (DATA-1)."""
    owner: str
    """E-mail address of the person accountable for the agent (ACC-2)."""
    identity_name: pulumi.Input[str]
    """Azure name of the user-assigned managed identity."""
    description: NotRequired[str]
    """What the agent does. Default: empty."""


def validate_agent_identity(args: AgentIdentityArgs) -> list[Problem]:
    """Every problem with AgentIdentity args, each naming its field."""
    problems: list[Problem] = []
    if not NAME_PATTERN.match(str(args.get("agent_name", ""))):
        problems.append(Problem("agent_name", NAME_RULE))
    if not str(args.get("application", "")).strip():
        problems.append(Problem("application", "the application the agent acts for is required"))
    if args.get("boundary") not in BOUNDARIES:
        problems.append(Problem("boundary", f"one of {', '.join(BOUNDARIES)}"))
    if not EMAIL_PATTERN.match(str(args.get("owner", ""))):
        problems.append(Problem("owner", EMAIL_RULE))
    return problems


@implements("ACC-2", "ACC-6", "DATA-1")
class AgentIdentity(pulumi.ComponentResource):
    """One AI agent's own user-assigned managed identity, tagged as an inventoried agent with its
    owner, application and data boundary (ACC-2, DATA-1)."""

    principal_id: pulumi.Output[str]
    """Entra object id of the agent's identity (what grants are given to)."""
    client_id: pulumi.Output[str]
    """Client (application) id of the agent's identity."""
    identity_id: pulumi.Output[str]
    """Resource id of the user-assigned managed identity."""

    def __init__(self, name: str, args: AgentIdentityArgs, opts: Optional[pulumi.ResourceOptions] = None) -> None:
        raise_if_invalid("AgentIdentity", validate_agent_identity(args))
        super().__init__(
            TYPE_TOKEN,
            name,
            {},
            aliased(opts, _OLD_TYPE_TOKEN),
        )
        placement = args["placement"]
        self.spec = Agent(
            name=args["agent_name"],
            application=args["application"],
            boundary=args["boundary"],
            owner=args["owner"],
            description=args.get("description", ""),
        )
        # Keyword form on purpose: UserAssignedIdentityArgs(resource_name=...) collides with the
        # resource's own logical-name parameter inside the SDK (TypeError at run time); the keyword
        # form names the Azure resource `resource_name_`.
        self.identity = managedidentity.UserAssignedIdentity(
            f"{name}-identity",
            resource_group_name=placement["resource_group_name"],
            location=placement["location"],
            resource_name_=args["identity_name"],
            tags=tags_of(
                placement,
                **{
                    INVENTORY_TAG: "agent",
                    AGENT_TAG: self.spec.name,
                    OWNER_TAG: self.spec.owner,
                    APPLICATION_TAG: self.spec.application,
                    BOUNDARY_TAG: self.spec.boundary,
                },
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.principal = Principal(f"agent-{self.spec.name}", self.identity.principal_id, boundary=self.spec.boundary)
        self.principal_id = self.identity.principal_id
        self.client_id = self.identity.client_id
        self.identity_id = self.identity.id
        self.register_outputs({"principal_id": self.principal_id, "client_id": self.client_id, "identity_id": self.identity_id})

    def inventory_entry(self, grants: Sequence[Grant[pulumi.CustomResource]]) -> dict[str, object]:
        """The agent's row in the `agentInventory` output; `roles` lists what `grants` (those of
        every component of the stack) give this agent's identity."""
        return {
            "kind": "agent",
            "name": self.spec.name,
            "application": self.spec.application,
            "boundary": self.spec.boundary,
            "owner": self.spec.owner,
            "identityId": self.identity.id,
            "principalId": self.identity.principal_id,
            "clientId": self.identity.client_id,
            "roles": roles_of(self.principal.name, grants),
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
