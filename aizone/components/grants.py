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
from dataclasses import dataclass, field
from typing import Collection

import pulumi
from pulumi_azure_native import authorization

from aizone_policy import reference

from .base import implements

PRINCIPAL_TYPES = ("ServicePrincipal", "Group", "User")
_NAMESPACE = uuid.UUID("5c1d2a3e-7a51-4c1b-9a7e-a12f0e5d7b11")


class GrantError(ValueError):
    """A grant that least privilege does not allow. Raised before anything is registered."""


@dataclass(frozen=True)
class Principal:
    """Who receives a role: an Entra object id and its kind. `name` is a stable logical name used
    to derive the assignment's deterministic GUID (the object id may be unknown at preview).
    `boundary` is the data boundary of the application the identity acts for (DATA-1), if any.
    `roles` is filled by every grant, so an inventory can say what each identity holds (ACC-2)."""

    name: str
    principal_id: pulumi.Input[str]
    principal_type: str = "ServicePrincipal"
    boundary: str | None = None
    roles: list[str] = field(default_factory=list, compare=False)


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
    principal.roles.append(f"{role} on {scope._name}{sub_scope}")
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
    """Subscription-qualified role definition id, derived from the scope's own subscription.

    Azure stores the id under the scope's subscription; any other prefix (the deploying
    subscription, or none) makes every refresh show a diff and can replace the assignment. The
    price: for a scope that does not exist yet, the id is unknown during the first `pulumi
    preview`, so the pack's role checks on new grants are advisory notes until `pulumi up`."""
    parts = scope_id.split("/")
    if len(parts) > 2 and parts[1].lower() == "subscriptions":
        return f"/subscriptions/{parts[2]}/providers/Microsoft.Authorization/roleDefinitions/{role_id}"
    return f"/providers/Microsoft.Authorization/roleDefinitions/{role_id}"


@implements("ACC-3")
def grant_eligible(
    name: str,
    role: str,
    scope: pulumi.CustomResource,
    group: Principal,
    days: int,
    parent: pulumi.Resource,
) -> authorization.PimRoleEligibilitySchedule:
    """Make a group of people *eligible* for an administrative role on one resource through
    Privileged Identity Management: members activate it just in time, and the eligibility itself
    expires after `days` (ACC-3). Permanent administrative assignments are never created."""
    if role not in reference.AI_ADMIN_ROLES:
        raise GrantError(f"{name}: {role!r} is not an AI administration role; allowed: {', '.join(sorted(reference.AI_ADMIN_ROLES))}")
    if group.principal_type != "Group":
        raise GrantError(f"{name}: administrative eligibility is granted to groups, not to a {group.principal_type}")
    if not 1 <= days <= 365:
        raise GrantError(f"{name}: eligibility must expire within 1 to 365 days, got {days}")
    role_id = reference.ROLE_IDS[role]
    group.roles.append(f"{role} on {scope._name} (PIM-eligible, {days} days)")
    return authorization.PimRoleEligibilitySchedule(
        name,
        authorization.PimRoleEligibilityScheduleArgs(
            principal_id=group.principal_id,
            role_definition_id=scope.id.apply(lambda scope_id: _role_definition_id(scope_id, role_id)),
            scope=scope.id,
            justification=f"aizone: just-in-time {role} for {group.name} (ACC-3)",
            schedule_info=authorization.RoleEligibilityScheduleRequestPropertiesScheduleInfoArgs(
                expiration=authorization.RoleEligibilityScheduleRequestPropertiesExpirationArgs(
                    type=authorization.Type.AFTER_DURATION,
                    duration=f"P{days}D",
                ),
            ),
        ),
        opts=pulumi.ResourceOptions(parent=parent),
    )
