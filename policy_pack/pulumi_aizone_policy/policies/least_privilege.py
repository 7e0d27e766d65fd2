"""ACC-5: least privilege for role assignments.

Resource policy (each authorization:RoleAssignment as declared):
- Owner, Contributor, User Access Administrator and Role Based Access Control Administrator
  (reference.BROAD_ROLES) are never granted at tenant-root, management-group or subscription scope,
  whoever the principal is;
- a workload identity (principalType ServicePrincipal: managed identities and service principals)
  gets no broad role, only a role on the allow-list (config `allowedWorkloadRoles`, role names or
  GUIDs; default reference.WORKLOAD_DATA_PLANE_ROLES), scoped to a single resource (or a child such
  as a blob container), never to a resource group, subscription or management group.
Role ids are compared by GUID (full ARM path or bare GUID, any case). A scope that is unknown during
preview is left to the stack policy, which follows its property dependency.

Stack policy: applies the workload rules where the resource policy cannot:
- the principalId is wired from a managed identity (user-assigned identity, or a resource's
  system-assigned identity) but principalType does not say ServicePrincipal (the SDK sends User
  when it is omitted), so the resource policy did not treat the assignment as a workload's;
- the scope is unknown during preview: a scope wired from a resource group is too broad, a scope
  wired from any other resource is fine, a scope wired from nothing is reported as unknown.
Classic `azure:authorization/assignment:Assignment`s (pulumi-azure 6.x) to managed identities of
the stack get the full workload rules here (role allow-list and single-resource scope, whatever
their principalType says): the classic resource policy judges broad roles only. Their role is read
from roleDefinitionName or roleDefinitionId alike (rbac.assignment_role); a name that is no known
built-in role is not on any allow-list.
"""

from __future__ import annotations

from collections.abc import Iterator

from .. import reference, tokens
from ..config import PolicyConfig
from ..framework import Field, Finding, Resource, ResourcePolicySpec, StackPolicySpec, unknown_value, violation
from ..stackindex import StackIndex, StackResource
from ..values import UNKNOWN, describe, eq_ci
from .rbac import (
    BROAD_SCOPES,
    SERVICE_PRINCIPAL,
    Assignment,
    RoleRef,
    ScopeLevel,
    allowed_role,
    assignments,
    role_label,
    role_name,
    scope_level,
)

_CONTROLS = ("ACC-5",)
DEFAULT_WORKLOAD_ROLES: tuple[str, ...] = tuple(sorted(reference.WORKLOAD_DATA_PLANE_ROLES))
_RESOURCE_GROUP: ScopeLevel = "resource group"
_TOO_WIDE: frozenset[ScopeLevel] = BROAD_SCOPES.union((_RESOURCE_GROUP,))
_ALLOW_LIST_KEY = "allowedWorkloadRoles"


def _workload_role(subject: str, whom: str, role: object | RoleRef, config: PolicyConfig) -> Iterator[str]:
    """Problems of a role (a role definition id, or an assignment's RoleRef) granted to a workload
    identity (as messages)."""
    ref = role if isinstance(role, RoleRef) else RoleRef(role)
    if ref.name in reference.BROAD_ROLES:
        yield (
            f"{subject} grants {ref.label} to {whom}: workload identities never get Owner, "
            "Contributor, User Access Administrator or Role Based Access Control Administrator; "
            "grant the data-plane role it needs (e.g. Cognitive Services OpenAI User, Storage Blob "
            "Data Reader) on the single resource instead."
        )
    elif ref.unresolved is not None or not allowed_role(ref.value, config.strings(_ALLOW_LIST_KEY)):
        yield (
            f"{subject} grants {ref.label} to {whom}, which is not on the workload role "
            f"allow-list: grant an allowed data-plane role instead, or add the role (name or GUID) "
            f"to this policy's {_ALLOW_LIST_KEY} config after review."
        )


def _workload_scope(subject: str, whom: str, scope: object, level: ScopeLevel | None) -> Iterator[str]:
    """Problem of a known scope that is wider than one resource (as a message)."""
    if level in _TOO_WIDE:
        yield (
            f"{subject} grants {whom} a role at {level} scope ({describe(scope)}): scope workload "
            "role assignments to the single resource (or container) the identity needs."
        )


def _least_privilege(resource: Resource, config: PolicyConfig) -> Iterator[Finding]:
    """Broad roles never at broad scopes; workload identities get allow-listed roles on one resource."""
    role = resource.get("roleDefinitionId")
    principal_type = resource.get("principalType")
    scope = resource.get("scope")
    level = scope_level(scope)
    if principal_type is UNKNOWN:
        yield unknown_value(resource.subject, "principalType")
        return
    if eq_ci(principal_type, SERVICE_PRINCIPAL):
        whom = "a workload identity (principalType ServicePrincipal)"
        if role is UNKNOWN:
            yield unknown_value(resource.subject, "roleDefinitionId")
        else:
            yield from (violation(message) for message in _workload_role(resource.subject, whom, role, config))
        yield from (violation(message) for message in _workload_scope(resource.subject, whom, scope, level))
        return
    if level not in BROAD_SCOPES:
        return
    if role is UNKNOWN:
        yield unknown_value(resource.subject, "roleDefinitionId")
    elif role_name(role) in reference.BROAD_ROLES:
        yield violation(
            f"{resource.subject} grants {role_label(role)} at {level} scope ({describe(scope)}): "
            "broad roles are never assigned at subscription or management-group scope; grant a "
            "narrower role on the resource group or resource that needs it (and make "
            "administrative access PIM-eligible, ACC-3)."
        )


def _unknown_scope(stack: StackIndex, assignment: StackResource | Assignment, whom: str) -> Iterator[Finding]:
    """A workload assignment whose scope is unknown during preview, judged by what it is wired from."""
    wired = [stack.get(urn) for urn in assignment.property_dependencies.get("scope", ())]
    targets = [target for target in wired if target is not None]
    groups = [target for target in targets if target.type in (tokens.RESOURCE_GROUP, tokens.AZ_RESOURCE_GROUP)]
    if groups:
        yield violation(
            f"{assignment.subject} grants {whom} a role on {groups[0].subject} (resource group "
            "scope): scope workload role assignments to the single resource (or container) the "
            "identity needs, and wire the scope from that resource's id.",
            urn=assignment.urn,
            name=assignment.name,
        )
    elif not targets:
        yield unknown_value(assignment.subject, "scope", urn=assignment.urn, name=assignment.name)


def _workload_assignments(stack: StackIndex, config: PolicyConfig) -> Iterator[Finding]:
    """Workload rules for managed identities the resource policy could not recognize or scope
    (and every classic assignment to one: the classic resource policy judges broad roles only)."""
    for assignment in assignments(stack):
        principal = assignment.principal
        declared = assignment.get("principalType")
        role = assignment.role
        if principal is None or principal[0] != SERVICE_PRINCIPAL or declared is UNKNOWN or role.value is UNKNOWN:
            continue
        whom = f"the managed identity of {principal[1].subject}"
        scope = assignment.scope
        if assignment.classic or not eq_ci(declared, SERVICE_PRINCIPAL):
            problems = (
                *_workload_role(assignment.subject, whom, role, config),
                *_workload_scope(assignment.subject, whom, scope, scope_level(scope)),
            )
            for message in problems:
                yield violation(message, urn=assignment.urn, name=assignment.name)
        if scope is UNKNOWN:
            yield from _unknown_scope(stack, assignment, whom)


_FIELDS: tuple[Field, ...] = (
    Field(tokens.ROLE_ASSIGNMENT, "roleDefinitionId"),
    Field(tokens.ROLE_ASSIGNMENT, "principalType", (SERVICE_PRINCIPAL,)),
    Field(tokens.ROLE_ASSIGNMENT, "scope"),
)
_ALLOW_LIST = {
    _ALLOW_LIST_KEY: {
        "type": "array",
        "items": {"type": "string", "minLength": 1},
        "default": list(DEFAULT_WORKLOAD_ROLES),
        "description": (
            "Roles a workload identity (principalType ServicePrincipal or a managed identity) may "
            "hold: built-in role names or role definition GUIDs (case-insensitive)."
        ),
    }
}

POLICIES: tuple[ResourcePolicySpec | StackPolicySpec, ...] = (
    ResourcePolicySpec(
        name="azurenative-authorization-roleassignment-least-privilege",
        controls=_CONTROLS,
        description=(
            "Role assignments must not grant broad roles at subscription or management-group scope, "
            "and give workload identities only allow-listed data-plane roles on a single resource."
        ),
        severity="high",
        remediation=(
            "Grant workload identities (principalType ServicePrincipal) a data-plane role from the "
            "allow-list scoped to the one resource they use; never grant Owner, Contributor, User "
            "Access Administrator or RBAC Administrator to them, nor to anyone at subscription or "
            "management-group scope."
        ),
        fields=_FIELDS,
        resource_types=(tokens.ROLE_ASSIGNMENT,),
        rule=_least_privilege,
        config=_ALLOW_LIST,
    ),
    StackPolicySpec(
        name="azurenative-authorization-roleassignment-workload-least-privilege",
        controls=_CONTROLS,
        description=(
            "Role assignments (both providers) to managed identities of the stack must grant "
            "allow-listed roles on a single resource, whatever principalType says and while scopes are unknown."
        ),
        severity="high",
        remediation=(
            "Give managed identities only allow-listed data-plane roles scoped to the single resource "
            "they need (wire the scope from that resource, not from its resource group), and set "
            "principalType = 'ServicePrincipal' on their role assignments."
        ),
        fields=(
            *_FIELDS,
            Field(tokens.ROLE_ASSIGNMENT, "principalId"),
            *(Field(tokens.AZ_ROLE_ASSIGNMENT, prop) for prop in ("roleDefinitionId", "roleDefinitionName", "scope", "principalId")),
            Field(tokens.AZ_ROLE_ASSIGNMENT, "principalType"),
        ),
        rule=_workload_assignments,
        config=_ALLOW_LIST,
    ),
)
