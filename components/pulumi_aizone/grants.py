"""The one way this project creates role assignments (ACC-5, ACC-6).

Modelled on the AWS CDK's `grant*` methods: a component exposes `grant_inference(identity)` and
the least-privilege decisions live here, not at every call site:
- the role is named (not a pasted GUID) and must be on the caller's per-use allow-list;
- broad roles (Owner, Contributor, User Access Administrator, RBAC Administrator) are refused;
- the scope is the id of the one resource the component owns (optionally a path below it, e.g. a
  blob container), passed by the component's own `grant_*` method, so a subscription or
  resource-group scope is not expressed by accident;
- `principalType` is always set: the SDK silently defaults it to `User`, and an assignment to a
  just-created managed identity then fails with PrincipalNotFound during replication;
- every grant returns one frozen `Grant` (role, scope, principal, eligibility, resource): the
  component that made it keeps it (`grants()`), and the agent inventory is built from the grants
  of every component, filtered by principal name. Nothing is appended to shared objects.
"""

import re
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Collection, Generic, Iterable, TypeVar

import pulumi
from pulumi_azure_native import authorization

from pulumi_aizone_policy import reference

from .base import BOUNDARIES, Problem, RoleAssignmentArgs, implements

PRINCIPAL_TYPES = ("ServicePrincipal", "Group", "User")
# The namespace of ARM's template function guid(): a UUID v5 over its arguments joined with '-'.
# Microsoft Learn, "Assign Azure roles using Azure Resource Manager templates"
# (https://learn.microsoft.com/azure/role-based-access-control/role-assignments-template) and
# "Create Azure RBAC resources by using Bicep"
# (https://learn.microsoft.com/azure/azure-resource-manager/bicep/scenarios-rbac) name an
# assignment guid(scope, principalId, roleDefinitionId): unique in the tenant, stable across
# deployments, new when the principal, scope or role changes.
ARM_GUID_NAMESPACE = uuid.UUID("11fb06fb-712d-4ddd-98c7-e71bbd588830")

R = TypeVar("R", bound=pulumi.CustomResource, covariant=True)


class GrantError(ValueError):
    """A grant that least privilege does not allow. Raised before anything is registered."""


@dataclass(frozen=True)
class Principal:
    """Who receives a role: an Entra object id and its kind. `name` is a stable logical name used
    to derive the assignment's deterministic GUID (the object id may be unknown at preview) and to
    find the principal's grants in the inventory (ACC-2). `boundary` is the data boundary of the
    application the identity acts for (DATA-1), if any."""

    name: str
    principal_id: pulumi.Input[str]
    principal_type: str = "ServicePrincipal"
    boundary: str | None = None


@dataclass(frozen=True)
class Grant(Generic[R]):
    """One access grant, as the inventory reports it. `scope` is the scope's logical name plus
    any sub-scope (e.g. `<storage>/blobServices/default/containers/data`), given by the caller;
    `principal` the principal's logical name; `eligible_days` the PIM eligibility's lifetime
    (None for a standing assignment); `resource` the RoleAssignment, PimRoleEligibilitySchedule
    or (for the gateway) Entra app role assignment that carries it."""

    role: str
    scope: str
    principal: str
    resource: R
    eligible_days: int | None = None

    @property
    def eligible_until(self) -> str | None:
        """ISO 8601 duration after creation at which the eligibility expires (`P30D`), or None."""
        return None if self.eligible_days is None else f"P{self.eligible_days}D"

    def describe(self) -> str:
        """The grant's line in the `agentInventory` output."""
        if self.eligible_days is None:
            return f"{self.role} on {self.scope}"
        return f"{self.role} on {self.scope} (PIM-eligible, {self.eligible_days} days)"


def roles_of(principal: str, grants: Iterable["Grant[pulumi.CustomResource]"]) -> list[str]:
    """What `principal` (a logical name) holds, one line per grant, in grant order."""
    return [grant.describe() for grant in grants if grant.principal == principal]


# A principal's logical name names its assignments: letters, digits and '-' (it ends up in URNs).
PRINCIPAL_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9-]{0,62}$")


def validate_role_assignments(assignments: object, allowed_roles: Collection[str], field: str = "role_assignments") -> list[Problem]:
    """Every problem with grants given as data (`role_assignments`), each naming its entry."""
    if assignments is None:
        return []
    if not isinstance(assignments, Sequence) or isinstance(assignments, str):
        return [Problem(field, "a list of {principal_name, principal_id, role, principal_type, boundary}")]
    problems: list[Problem] = []
    for index, assignment in enumerate(assignments):
        path = f"{field}[{index}]"
        if not isinstance(assignment, Mapping):
            problems.append(Problem(path, "a {principal_name, principal_id, role, principal_type, boundary} object"))
            continue
        if not PRINCIPAL_NAME.match(str(assignment.get("principal_name", ""))):
            problems.append(Problem(f"{path}.principal_name", "1-63 letters, digits and '-', starting with a letter"))
        if not assignment.get("principal_id"):
            problems.append(Problem(f"{path}.principal_id", "the principal's Entra object id is required"))
        role = assignment.get("role")
        if role not in allowed_roles:
            problems.append(Problem(f"{path}.role", f"{role!r} is not allowed here; allowed: {', '.join(sorted(allowed_roles))}"))
        if assignment.get("principal_type", "ServicePrincipal") not in PRINCIPAL_TYPES:
            problems.append(Problem(f"{path}.principal_type", f"one of {', '.join(PRINCIPAL_TYPES)}"))
        if "boundary" in assignment and assignment["boundary"] not in BOUNDARIES:
            problems.append(Problem(f"{path}.boundary", f"one of {', '.join(BOUNDARIES)}"))
    return problems


def principal_of(assignment: RoleAssignmentArgs) -> Principal:
    """The principal a `role_assignments` entry names."""
    return Principal(
        assignment["principal_name"],
        assignment["principal_id"],
        principal_type=assignment.get("principal_type", "ServicePrincipal"),
        boundary=assignment.get("boundary"),
    )


G = TypeVar("G", bound="Grant[pulumi.CustomResource]")


class KeepsGrants:
    """Mixin of every component that grants access: it keeps each `Grant` it made in
    `self._grants`, and `grants()` returns them (read by the agent inventory)."""

    def _keep(self, grant: G) -> G:
        if not hasattr(self, "_grants"):
            self._grants: list[Grant[pulumi.CustomResource]] = []
        self._grants.append(grant)
        return grant

    def grants(self) -> tuple["Grant[pulumi.CustomResource]", ...]:
        """Every grant this component made, in order."""
        return tuple(getattr(self, "_grants", ()))


@implements("ACC-5", "ACC-6")
def grant_role(
    name: str,
    role: str,
    *,
    scope_id: pulumi.Input[str],
    scope_name: str,
    principal: Principal,
    allowed_roles: Collection[str],
    parent: pulumi.Resource,
    sub_scope: str = "",
    aliases: Sequence[pulumi.Alias] = (),
) -> Grant[authorization.RoleAssignment]:
    """Assign `role` to `principal` on the single resource `scope_id` (or `scope_id + sub_scope`).
    `scope_name`: the scope resource's logical name, as the inventory names it. `aliases`: where
    the assignment lived before (e.g. under another parent), so it is moved, not re-created."""
    if role in reference.BROAD_ROLES:
        raise GrantError(f"{name}: role {role!r} is too broad for a workload identity (ACC-5); use a data-plane role")
    if role not in allowed_roles:
        raise GrantError(f"{name}: role {role!r} is not allowed here; allowed: {', '.join(sorted(allowed_roles))}")
    if role not in reference.ROLE_IDS:
        raise GrantError(f"{name}: role {role!r} has no known definition id in policy_pack/pulumi_aizone_policy/reference.py")
    if principal.principal_type not in PRINCIPAL_TYPES:
        raise GrantError(f"{name}: principal type {principal.principal_type!r}; allowed: {', '.join(PRINCIPAL_TYPES)}")
    if sub_scope and not sub_scope.startswith("/"):
        raise GrantError(f"{name}: sub_scope must start with '/', got {sub_scope!r}")

    role_id = reference.ROLE_IDS[role]
    target = pulumi.Output.concat(scope_id, sub_scope)
    definition = _definition_for(scope_id, role_id, parent)
    assignment = authorization.RoleAssignment(
        name,
        authorization.RoleAssignmentArgs(
            # guid(scope, principal, role): stable across runs, distinct across stacks and tenants'
            # other assignments; a changed principal or scope is a new assignment (create, then
            # delete the old one), never an update Azure refuses (RoleAssignmentUpdateNotPermitted).
            role_assignment_name=pulumi.Output.all(target, principal.principal_id, definition).apply(
                lambda values: assignment_name(str(values[0]), str(values[1]), str(values[2]))
            ),
            principal_id=principal.principal_id,
            principal_type=principal.principal_type,
            role_definition_id=definition,
            scope=target,
            description=f"aizone: {role} for {principal.name}",
        ),
        # An assignment whose name changes while scope, principal and role stay the same (stacks
        # created with 0.2.0 or earlier, whose names came from logical names) must be deleted first: Azure
        # refuses a second assignment of the same role to the same principal at the same scope
        # (RoleAssignmentExists).
        opts=pulumi.ResourceOptions(parent=parent, aliases=list(aliases) or None, delete_before_replace=True),
    )
    return Grant(role=role, scope=f"{scope_name}{sub_scope}", principal=principal.name, resource=assignment)


def assignment_name(scope_id: str, principal_id: str, role_definition_id: str) -> str:
    """guid(scope, principalId, roleDefinitionId) as ARM computes it, over lower-cased values
    (ARM ids and object ids compare case-insensitively, so a re-cased id keeps the name)."""
    return str(uuid.uuid5(ARM_GUID_NAMESPACE, "-".join(part.lower() for part in (scope_id, principal_id, role_definition_id))))


def _definition_for(scope_id: pulumi.Input[str], role_id: str, parent: pulumi.Resource) -> pulumi.Output[str]:
    """The role definition id, known during a preview: from the scope's own subscription when the
    scope is a literal id, else from the subscription of the provider the grant is made through
    (`getClientConfig` with the parent's provider: a resource created here lives in that
    subscription). Deriving it from a scope created in the same run would leave it unknown until
    `pulumi up`, and the pack then cannot check the role in a preview or in the offline gate."""
    if isinstance(scope_id, str):
        return pulumi.Output.from_input(_role_definition_id(scope_id, role_id))
    client = authorization.get_client_config_output(opts=pulumi.InvokeOutputOptions(parent=parent))
    return client.subscription_id.apply(lambda subscription: _role_definition_id(f"/subscriptions/{subscription}", role_id))


def _role_definition_id(scope_id: str, role_id: str) -> str:
    """Subscription-qualified role definition id, derived from the scope's own subscription.

    Azure stores the id under the scope's subscription; any other prefix (another subscription,
    or none) makes every refresh show a diff and can replace the assignment (`_definition_for`
    picks the subscription)."""
    parts = scope_id.split("/")
    if len(parts) > 2 and parts[1].lower() == "subscriptions":
        return f"/subscriptions/{parts[2]}/providers/Microsoft.Authorization/roleDefinitions/{role_id}"
    return f"/providers/Microsoft.Authorization/roleDefinitions/{role_id}"


@implements("ACC-3")
def grant_eligible(
    name: str,
    role: str,
    *,
    scope_id: pulumi.Input[str],
    scope_name: str,
    group: Principal,
    days: int,
    parent: pulumi.Resource,
    depends_on: Sequence[pulumi.Resource] = (),
) -> Grant[authorization.PimRoleEligibilitySchedule]:
    """Make a group of people *eligible* for an administrative role on one resource through
    Privileged Identity Management: members activate it just in time, and the eligibility itself
    expires after `days` (ACC-3). Permanent administrative assignments are never created.
    `depends_on`: what the request must wait for besides the group and the scope (the group's
    propagation to Azure RBAC, see LandingZone)."""
    if role not in reference.AI_ADMIN_ROLES:
        raise GrantError(f"{name}: {role!r} is not an AI administration role; allowed: {', '.join(sorted(reference.AI_ADMIN_ROLES))}")
    if group.principal_type != "Group":
        raise GrantError(f"{name}: administrative eligibility is granted to groups, not to a {group.principal_type}")
    if not 1 <= days <= 365:
        raise GrantError(f"{name}: eligibility must expire within 1 to 365 days, got {days}")
    role_id = reference.ROLE_IDS[role]
    scope = pulumi.Output.from_input(scope_id)
    schedule = authorization.PimRoleEligibilitySchedule(
        name,
        authorization.PimRoleEligibilityScheduleArgs(
            principal_id=group.principal_id,
            role_definition_id=scope.apply(lambda scope_value: _role_definition_id(scope_value, role_id)),
            scope=scope,
            justification=f"aizone: just-in-time {role} for {group.name} (ACC-3)",
            schedule_info=authorization.RoleEligibilityScheduleRequestPropertiesScheduleInfoArgs(
                expiration=authorization.RoleEligibilityScheduleRequestPropertiesExpirationArgs(
                    type=authorization.Type.AFTER_DURATION,
                    duration=f"P{days}D",
                ),
            ),
        ),
        opts=pulumi.ResourceOptions(parent=parent, depends_on=list(depends_on) or None),
    )
    return Grant(role=role, scope=scope_name, principal=group.name, resource=schedule, eligible_days=days)
