"""Role-assignment helpers shared by the rule families that judge Azure RBAC (ACC-2, ACC-3, ACC-5,
DATA-2/3, EXEC-2, MOD-4). This module defines no policy.

- Role definition ids arrive as full ARM paths (`/subscriptions/<id>/providers/Microsoft.
  Authorization/roleDefinitions/<guid>`, `/providers/.../<guid>`) or bare GUIDs, in any case; a role
  is compared by its GUID, and named from reference.ROLE_IDS when it is a known built-in role.
- A scope is classified by its shape: the tenant root `/`, a management group
  (`/providers/Microsoft.Management/managementGroups/<name>`), a subscription
  (`/subscriptions/<id>` exactly), a resource group (`/subscriptions/<id>/resourceGroups/<name>`
  exactly) or a resource (anything below, including child resources such as blob containers).
- The principal of an assignment is resolved by one principal index (`Principals`: property
  dependency of principalId, or equal principal id), so every family agrees on who is granted.
  Principals of both providers count: azure-native and classic user-assigned identities
  (`principalId` output; classic `azure:authorization/userAssignedIdentity` and
  `azure:msi/userAssignedIdentity`), and any resource's system identity (`identity.principalId`,
  the same shape in both providers).
- Role assignments of both providers are read through one normalised view (`Assignment`,
  `assignments`): azure-native `authorization:RoleAssignment` names its role by
  `roleDefinitionId`; the classic `azure:authorization/assignment:Assignment` by
  `roleDefinitionId` ("The Scoped-ID of the Role Definition") or `roleDefinitionName` ("The name
  of a built-in Role"; pulumi-azure's AssignmentArgs docstrings: "Either role_definition_id or
  role_definition_name must be set"). A name is resolved to its GUID with the checked-in built-in
  role list (reference.ROLE_IDS, checked against builtin_roles.json), compared case-insensitively
  and without surrounding blanks, so "owner" is judged as Owner and a name and an id are judged
  alike. Why case-insensitively: azurerm resolves role_definition_name by listing the role
  definitions at the scope with the OData filter `roleName eq '<name>'` and takes the one match,
  and suppresses case-only differences of the name (terraform-provider-azurerm
  internal/services/authorization/role_assignment_resource.go: `DiffSuppressFunc:
  suppress.CaseDifference`); judging "owner" as Owner is right if ARM matches it and harmless if
  the apply then fails. The same lookup also finds custom roles, so a name that is no built-in
  role the pack knows is kept unresolved: the classic resource policy reports it naming the value,
  and the stack policies judge it as possibly any role (fail safe). `scope`, `principalId` and
  `principalType` have the same names in both providers.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from typing import Final, Iterator, Literal

from .. import reference, tokens
from ..framework import Resource
from ..stackindex import StackIndex, StackResource
from ..values import UNKNOWN, describe_against, identity_types, near_miss, str_or_none

__all__ = [
    "Assignment",
    "BROAD_SCOPES",
    "Principals",
    "RoleRef",
    "assignment_role",
    "assignments",
    "assignments_with_principals",
    "SERVICE_PRINCIPAL",
    "ScopeLevel",
    "allowed_role",
    "normalize_scope",
    "principal_type_problem",
    "role_guid",
    "role_label",
    "role_name",
    "scope_level",
    "scope_targets",
    "tag",
]

ScopeLevel = Literal["tenant root", "management group", "subscription", "resource group", "resource"]

# Scopes above a single resource group: never for broad roles (ACC-5).
BROAD_SCOPES: Final[frozenset[ScopeLevel]] = frozenset({"tenant root", "management group", "subscription"})

SERVICE_PRINCIPAL: Final = "ServicePrincipal"
# principalType values: azure-native's authorization PrincipalType enum (_enums.py of the installed
# SDK), and what azurerm's role assignment accepts ("Possible values are User, Group and
# ServicePrincipal": pulumi-azure's authorization Assignment docstring).
NATIVE_PRINCIPAL_TYPES: Final[tuple[str, ...]] = (
    "User",
    "Group",
    SERVICE_PRINCIPAL,
    "ForeignGroup",
    "Device",
    "AgentUser",
    "AgentServicePrincipal",
)
CLASSIC_PRINCIPAL_TYPES: Final[tuple[str, ...]] = ("User", "Group", SERVICE_PRINCIPAL)

_USER_ASSIGNED_IDENTITIES: Final[frozenset[str]] = frozenset(
    {tokens.USER_ASSIGNED_IDENTITY, tokens.AZ_USER_ASSIGNED_IDENTITY, tokens.AZ_MSI_USER_ASSIGNED_IDENTITY}
)

# Principal kind of the Entra ID resources a stack can create (pulumi-azuread tokens).
_ENTRA_KINDS: Final[Mapping[str, str]] = {
    tokens.AZUREAD_GROUP: "Group",
    tokens.AZUREAD_USER: "User",
    tokens.AZUREAD_SERVICE_PRINCIPAL: SERVICE_PRINCIPAL,
}


def role_guid(role_definition_id: object) -> str | None:
    """The lower-case GUID of a role definition id (full ARM path or bare GUID), else None."""
    text = str_or_none(role_definition_id)
    if text is None:
        return None
    guid = text.strip().rstrip("/").rsplit("/", 1)[-1].lower()
    return guid or None


def role_name(role_definition_id: object) -> str | None:
    """Name of a known built-in role (reference.ROLE_IDS), else None."""
    guid = role_guid(role_definition_id)
    return reference.role_name_for_id(guid) if guid else None


def role_label(role_definition_id: object) -> str:
    """How messages name a role: its built-in name, or its id."""
    name = role_name(role_definition_id)
    if name is not None:
        return f"'{name}'"
    return f"'{role_definition_id}'" if isinstance(role_definition_id, str) else "an unnamed role"


def allowed_role(role_definition_id: object, allowed: Iterable[str]) -> bool:
    """True when the role's name or GUID is on an allow-list of role names and/or GUIDs
    (compared case-insensitively)."""
    aliases = {former.lower(): name.lower() for former, name in reference.ROLE_ALIASES.items()}
    entries = {aliases.get(entry.strip().lower(), entry.strip().lower()) for entry in allowed}
    name = role_name(role_definition_id)
    guid = role_guid(role_definition_id)
    return (name is not None and name.lower() in entries) or (guid is not None and guid in entries)


_ROLE_PATH: Final = "/providers/Microsoft.Authorization/roleDefinitions/"
_BUILTIN_BY_NAME: Final[Mapping[str, str]] = {
    **{former.lower(): name for former, name in reference.ROLE_ALIASES.items()},
    **{name.lower(): name for name in reference.ROLE_IDS},
}


def builtin_role(name: object) -> str | None:
    """The built-in role a roleDefinitionName names (reference.ROLE_IDS, case-insensitive, blanks
    around it ignored), else None."""
    return _BUILTIN_BY_NAME.get(name.strip().lower()) if isinstance(name, str) else None


@dataclass(frozen=True)
class RoleRef:
    """The role an assignment grants, the same way for both providers.

    `value` is what role_guid / role_name / role_label / allowed_role read: a role definition id
    (a classic built-in name becomes its `/providers/Microsoft.Authorization/roleDefinitions/<guid>`
    id), UNKNOWN during preview, None when absent, or the raw name when it is `unresolved` (a
    roleDefinitionName that names no built-in role the pack knows). `prop` is the property the
    role was read from."""

    value: object
    prop: str = "roleDefinitionId"
    unresolved: str | None = None

    @property
    def name(self) -> str | None:
        """The built-in role's name, None for a custom, unknown or unresolved role."""
        return None if self.unresolved is not None else role_name(self.value)

    def may_be(self, names: Collection[str]) -> bool:
        """True when the role is one of `names`, or might be (an unresolved name: fail safe)."""
        return self.unresolved is not None or self.name in names

    @property
    def label(self) -> str:
        """How messages name the role; an unresolved name says so."""
        if self.unresolved is not None:
            return f"'{self.unresolved}' (roleDefinitionName names no built-in role the pack knows)"
        return role_label(self.value)


def assignment_role(resource: Resource | StackResource) -> RoleRef:
    """The role of a role assignment of either provider (see the module doc). A known
    roleDefinitionId wins: after apply the classic provider reports the id it resolved the name to."""
    by_id = resource.get("roleDefinitionId")
    if resource.type != tokens.AZ_ROLE_ASSIGNMENT:
        return RoleRef(by_id)
    if str_or_none(by_id) is not None:
        return RoleRef(by_id)
    by_name = resource.get("roleDefinitionName")
    if isinstance(by_name, str) and by_name:
        builtin = builtin_role(by_name)
        if builtin is None:
            return RoleRef(by_name, "roleDefinitionName", unresolved=by_name)
        return RoleRef(_ROLE_PATH + reference.ROLE_IDS[builtin], "roleDefinitionName")
    if by_name is UNKNOWN:
        return RoleRef(UNKNOWN, "roleDefinitionName")
    return RoleRef(by_id if by_id is UNKNOWN else None, "roleDefinitionId" if by_id is UNKNOWN else "roleDefinitionName")


def principal_type_problem(subject: str, value: object, allowed: tuple[str, ...]) -> str | None:
    """The violation message for a set principalType that is not exactly one of `allowed` (odd
    case, stray blanks, another word), None when it is exactly one or not a non-empty string
    (absent and unknown values are the caller's). Fail safe: the policies that tell workloads from
    people compare the exact value, and what ARM makes of another spelling is not documented."""
    if not isinstance(value, str) or not value or value in allowed:
        return None
    intended = near_miss(value, allowed)
    fix = (
        f"set principalType = '{intended}' exactly"
        if intended
        else (f"set principalType to one of {', '.join(repr(kind) for kind in allowed)}")
    )
    return (
        f"{subject} sets a principalType that is not one of {', '.join(allowed)} (principalType is "
        f"{describe_against(value, allowed)}): {fix}, so the pack and Azure agree on whether the "
        "principal is a workload or a person."
    )


def normalize_scope(scope: object) -> str | None:
    """A scope as ARM reads it: blanks stripped, lower case, no trailing or repeated slashes and a
    leading slash ("subscriptions/S/", "/Subscriptions/S//" and "/subscriptions/s" are one scope).
    None when it is not a string or is relative to nothing ARM knows (does not start with
    subscriptions/ or providers/ once the slashes are normalized, or is not the root)."""
    if not isinstance(scope, str):
        return None
    parts = [part for part in scope.strip().lower().split("/") if part.strip()]
    if not parts:
        return "/" if scope.strip().startswith("/") else None
    if parts[0] not in ("subscriptions", "providers"):
        return None
    return "/" + "/".join(part.strip() for part in parts)


def scope_level(scope: object) -> ScopeLevel | None:
    """Level of a known scope string (see the module doc; normalized with `normalize_scope`), None
    when it is not a recognizable ARM scope (absent, unknown, relative)."""
    normalized = normalize_scope(scope)
    if normalized is None:
        return None
    parts = [part for part in normalized.split("/") if part]
    if not parts:
        return "tenant root"
    if parts[:3] == ["providers", "microsoft.management", "managementgroups"]:
        return "management group" if len(parts) <= 4 else "resource"
    if parts[0] != "subscriptions" or len(parts) < 2:
        return None
    if len(parts) == 2:
        return "subscription"
    if len(parts) == 4 and parts[2] == "resourcegroups":
        return "resource group"
    return "resource"


def scope_targets(stack: StackIndex, assignment: StackResource, types: Collection[str]) -> list[StackResource]:
    """Resources of `types` an assignment's scope designates: the resource whose id is the scope or
    its closest ancestor (a container scope designates its storage account), the resources the
    scope property depends on, or, when the scope is unknown or absent, the sole dependency."""
    scope = assignment.get("scope")
    found: dict[str, StackResource] = {}
    within = stack.within(scope, types) if isinstance(scope, str) and scope else None
    if within is not None:
        found[within.urn] = within
    for target in stack.dependencies_via(assignment, "scope", types):
        found[target.urn] = target
    if not found and (scope is UNKNOWN or scope is None):
        sole = stack.sole_dependency(assignment, types)
        if sole is not None:
            found[sole.urn] = sole
    return list(found.values())


class Principals:
    """Principal kinds known in the stack, by URN and by principal (object) id."""

    def __init__(self, stack: StackIndex) -> None:
        self.by_urn: dict[str, tuple[str, StackResource]] = {}
        self.by_id: dict[str, tuple[str, StackResource]] = {}
        for resource in stack.resources:
            self._add(resource)

    def _add(self, resource: StackResource) -> None:
        """Record a resource that is (or has) a principal."""
        if resource.type in _ENTRA_KINDS:
            kind = _ENTRA_KINDS[resource.type]
            self._record(resource, kind, resource.get("objectId"))
        elif resource.type in _USER_ASSIGNED_IDENTITIES:
            self._record(resource, SERVICE_PRINCIPAL, resource.get("principalId"))
        elif resource.type not in tokens.ROLE_ASSIGNMENTS:
            kinds = identity_types(resource.get("identity"))
            if kinds is None or kinds:
                self._record(resource, SERVICE_PRINCIPAL, resource.get("identity.principalId"))

    def _record(self, resource: StackResource, kind: str, principal_id: object) -> None:
        self.by_urn[resource.urn] = (kind, resource)
        if isinstance(principal_id, str) and principal_id:
            self.by_id[principal_id.lower()] = (kind, resource)

    def of(self, assignment: StackResource) -> tuple[str, StackResource] | None:
        """The single principal kind the assignment's principalId comes from, if determinable."""
        found: dict[str, tuple[str, StackResource]] = {}
        for urn in assignment.property_dependencies.get("principalId", ()):
            if urn in self.by_urn:
                found[urn] = self.by_urn[urn]
        principal_id = assignment.get("principalId")
        if isinstance(principal_id, str) and principal_id.lower() in self.by_id:
            kind, resource = self.by_id[principal_id.lower()]
            found[resource.urn] = (kind, resource)
        kinds = {kind for kind, _ in found.values()}
        return next(iter(found.values())) if len(kinds) == 1 else None


@dataclass(frozen=True)
class Assignment:
    """A role assignment of either provider, normalised: the resource, its role (`RoleRef`) and
    the principal it is wired from (None when that cannot be determined). Scope, principal id and
    principal type are read with `get` under the same names in both providers."""

    resource: StackResource
    role: RoleRef
    principal: tuple[str, StackResource] | None

    @property
    def classic(self) -> bool:
        """True for the classic provider's `azure:authorization/assignment:Assignment`."""
        return self.resource.type == tokens.AZ_ROLE_ASSIGNMENT

    @property
    def urn(self) -> str:
        return self.resource.urn

    @property
    def name(self) -> str:
        return self.resource.name

    @property
    def subject(self) -> str:
        return self.resource.subject

    @property
    def property_dependencies(self) -> Mapping[str, tuple[str, ...]]:
        return self.resource.property_dependencies

    @property
    def scope(self) -> object:
        return self.resource.get("scope")

    def get(self, path: str) -> object:
        return self.resource.get(path)


def _normalised(stack: StackIndex) -> tuple[Assignment, ...]:
    """Every role assignment of the stack (both providers), built once per stack index."""
    found = stack.of_type(*tokens.ROLE_ASSIGNMENTS)
    if not found:
        return ()
    principals = stack.derived(Principals)
    return tuple(Assignment(resource, assignment_role(resource), principals.of(resource)) for resource in found)


def assignments(stack: StackIndex) -> tuple[Assignment, ...]:
    """Every role assignment of the stack, of both providers, normalised (`Assignment`); the
    principal index is built only when there are assignments, and the views once per stack."""
    return stack.derived(_normalised)


def assignments_with_principals(stack: StackIndex) -> Iterator[tuple[Assignment, tuple[str, StackResource] | None]]:
    """Every role assignment of the stack (both providers) with the principal it is wired from."""
    for assignment in assignments(stack):
        yield assignment, assignment.principal


def tag(resource: Resource | StackResource, key: str) -> object:
    """A tag value (keys hold no dots): the non-empty string, None when absent or not a string,
    UNKNOWN when the tags or the value are unknown during preview."""
    value = resource.get(f"tags.{key}")
    return value if value is UNKNOWN else str_or_none(value)
