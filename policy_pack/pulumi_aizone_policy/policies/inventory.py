"""ACC-2: agent inventory (advisory by default, as the catalog sets it).

- Every identity that holds an AI data-plane role (reference.AI_CALLER_ROLES: Cognitive
  Services OpenAI User / User, Foundry User) and whose principalId is wired from a resource of the stack (a
  user-assigned identity's principalId, or a resource's system-assigned identity.principalId) comes
  from a resource tagged reference.INVENTORY_TAG (agent, application or gateway). An AI caller
  without it is outside the inventory: nobody owns it and it appears in no review.
- A user-assigned identity tagged as an agent (INVENTORY_TAG = agent) names its accountable owner
  (reference.OWNER_TAG). Its data boundary tag is DATA-1's policy
  (`azurenative-managedidentity-userassignedidentity-boundary-tag`), not repeated here.

Principals outside the stack (literal object ids) and Entra users, groups and service principals
are not judged: only resources of the stack carry the inventory tag. Role assignments of both
providers count (rbac.assignments; a classic roleDefinitionName that is no known built-in role may
be an AI role and is judged as one).
"""

from __future__ import annotations

from collections.abc import Iterator

from .. import reference, tokens
from ..config import PolicyConfig
from ..framework import Field, Finding, StackPolicySpec, unknown_value, violation
from ..stackindex import StackIndex
from ..values import UNKNOWN, eq_ci
from .rbac import SERVICE_PRINCIPAL, assignments_with_principals, tag

_CONTROLS = ("ACC-2",)
_ENTRA_TYPES = frozenset({tokens.AZUREAD_GROUP, tokens.AZUREAD_USER, tokens.AZUREAD_SERVICE_PRINCIPAL})


def _inventoried_callers(stack: StackIndex, _config: PolicyConfig) -> Iterator[Finding]:
    """AI data-plane roles go only to identities of inventoried resources."""
    for assignment, principal in assignments_with_principals(stack):
        if principal is None or principal[0] != SERVICE_PRINCIPAL or principal[1].type in _ENTRA_TYPES:
            continue
        source = principal[1]
        inventory = tag(source, reference.INVENTORY_TAG)
        role = assignment.role
        if inventory is not None and inventory is not UNKNOWN:
            continue
        if role.value is not UNKNOWN and not role.may_be(reference.AI_CALLER_ROLES):
            continue
        if inventory is UNKNOWN or role.value is UNKNOWN:
            yield unknown_value(assignment.subject, f"{role.prop} / tags of {source.subject}", urn=assignment.urn, name=assignment.name)
            continue
        yield violation(
            f"{assignment.subject} grants {role.label} to the managed identity of "
            f"{source.subject}, which is not in the agent inventory (no '{reference.INVENTORY_TAG}' "
            f"tag): give each agent its own user-assigned identity tagged {reference.INVENTORY_TAG} = "
            f"'{reference.INVENTORY_AGENT}' (with {reference.OWNER_TAG} and {reference.BOUNDARY_TAG}), "
            "list it in the stack's inventory output and Entra group, or remove the grant.",
            urn=assignment.urn,
            name=assignment.name,
        )


def _agent_owner(stack: StackIndex, _config: PolicyConfig) -> Iterator[Finding]:
    """Agent identities name their accountable owner."""
    for identity in stack.of_type(tokens.USER_ASSIGNED_IDENTITY):
        kind = tag(identity, reference.INVENTORY_TAG)
        owner = tag(identity, reference.OWNER_TAG)
        if kind is UNKNOWN or (eq_ci(kind, reference.INVENTORY_AGENT) and owner is UNKNOWN):
            yield unknown_value(identity.subject, "tags", urn=identity.urn, name=identity.name)
        elif eq_ci(kind, reference.INVENTORY_AGENT) and owner is None:
            yield violation(
                f"{identity.subject} is an inventoried agent identity without an owner: set "
                f"tags['{reference.OWNER_TAG}'] to the person accountable for the agent.",
                urn=identity.urn,
                name=identity.name,
            )


POLICIES: tuple[StackPolicySpec, ...] = (
    StackPolicySpec(
        name="azurenative-authorization-roleassignment-inventoried-ai-caller",
        controls=_CONTROLS,
        description="Identities holding AI data-plane roles must belong to inventoried agents, applications or gateways.",
        severity="medium",
        remediation=(
            f"Tag the resource that owns every AI-calling identity with {reference.INVENTORY_TAG} "
            "(agent, application or gateway), list agents in the stack's inventory output and Entra "
            "group, and remove AI roles from identities that are not inventoried."
        ),
        fields=(
            Field(tokens.ROLE_ASSIGNMENT, "principalId"),
            Field(tokens.ROLE_ASSIGNMENT, "roleDefinitionId"),
            *(Field(tokens.AZ_ROLE_ASSIGNMENT, prop) for prop in ("principalId", "roleDefinitionId", "roleDefinitionName")),
            Field(tokens.USER_ASSIGNED_IDENTITY, "tags"),
        ),
        rule=_inventoried_callers,
    ),
    StackPolicySpec(
        name="azurenative-managedidentity-userassignedidentity-agent-owner",
        controls=_CONTROLS,
        description="Agent identities must name their accountable owner.",
        severity="low",
        remediation=f"Set the {reference.OWNER_TAG} tag on every user-assigned identity tagged {reference.INVENTORY_TAG} = agent.",
        fields=(Field(tokens.USER_ASSIGNED_IDENTITY, "tags"),),
        rule=_agent_owner,
    ),
)
