"""The one way this project creates role assignments (ACC-5, ACC-6).

Modelled on the AWS CDK's `grant*` methods: a component exposes `grant_inference(identity)` and
the least-privilege decisions live here, not at every call site:
- the role is named (not a pasted GUID) and must be on the caller's per-use allow-list;
- broad roles (Owner, Contributor, User Access Administrator, RBAC Administrator) are refused;
- the scope is a single resource object (optionally a path below it, e.g. a blob container), so a
  subscription or resource-group scope cannot be expressed by accident;
- `principalType` is always set: the SDK silently defaults it to `User`, and an assignment to a
  just-created managed identity then fails with PrincipalNotFound during replication.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Collection

import pulumi
from pulumi_azure_native import authorization

from policy_pack.aizone_policy import reference

from .base import implements

PRINCIPAL_TYPES = ("ServicePrincipal", "Group", "User")
_NAMESPACE = uuid.UUID("5c1d2a3e-7a51-4c1b-9a7e-a12f0e5d7b11")


class GrantError(ValueError):
    """A grant that least privilege does not allow. Raised before anything is registered."""


@dataclass(frozen=True)
class Principal:
    """Who receives a role: an Entra object id and its kind. `name` is a stable logical name used
    to derive the assignment's deterministic GUID (the object id may be unknown at preview).
    `boundary` is the data boundary of the application the identity acts for (DATA-1), if any."""

    name: str
    principal_id: pulumi.Input[str]
    principal_type: str = "ServicePrincipal"
    boundary: str | None = None


@implements("ACC-5", "ACC-6")
def grant_role(
    name: str,
    role: str,
    scope: pulumi.CustomResource,
    principal: Principal,
    allowed_roles: Collection[str],
    parent: pulumi.Resource,
    sub_scope: str = "",
) -> authorization.RoleAssignment:
    """Assign `role` to `principal` on the single resource `scope` (or `scope.id + sub_scope`)."""
    if role in reference.BROAD_ROLES:
        raise GrantError(f"{name}: role {role!r} is too broad for a workload identity (ACC-5); use a data-plane role")
    if role not in allowed_roles:
        raise GrantError(f"{name}: role {role!r} is not allowed here; allowed: {', '.join(sorted(allowed_roles))}")
    if role not in reference.ROLE_IDS:
        raise GrantError(f"{name}: role {role!r} has no known definition id in policy_pack/aizone_policy/reference.py")
    if principal.principal_type not in PRINCIPAL_TYPES:
        raise GrantError(f"{name}: principal type {principal.principal_type!r}; allowed: {', '.join(PRINCIPAL_TYPES)}")
    if sub_scope and not sub_scope.startswith("/"):
        raise GrantError(f"{name}: sub_scope must start with '/', got {sub_scope!r}")

    role_id = reference.ROLE_IDS[role]
    target = pulumi.Output.concat(scope.id, sub_scope)
    return authorization.RoleAssignment(
        name,
        authorization.RoleAssignmentArgs(
            # Deterministic: the same grant keeps the same assignment across runs and stacks.
            role_assignment_name=str(uuid.uuid5(_NAMESPACE, f"{name}|{role_id}|{principal.name}")),
            principal_id=principal.principal_id,
            principal_type=principal.principal_type,
            role_definition_id=target.apply(lambda scope_id: _role_definition_id(scope_id, role_id)),
            scope=target,
            description=f"aizone: {role} for {principal.name}",
        ),
        opts=pulumi.ResourceOptions(parent=parent),
    )


def _role_definition_id(scope_id: str, role_id: str) -> str:
    """Subscription-qualified role definition id, derived from the scope's own subscription."""
    parts = scope_id.split("/")
    if len(parts) > 2 and parts[1].lower() == "subscriptions":
        return f"/subscriptions/{parts[2]}/providers/Microsoft.Authorization/roleDefinitions/{role_id}"
    return f"/providers/Microsoft.Authorization/roleDefinitions/{role_id}"
