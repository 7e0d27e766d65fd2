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
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from typing import Final, Iterator, Literal

from .. import reference, tokens
from ..framework import Resource
from ..stackindex import StackIndex, StackResource, normalize_id
from ..values import UNKNOWN, describe_against, identity_types, near_miss, str_or_none

__all__ = [
    "BROAD_SCOPES",
    "Principals",
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
    "User", "Group", SERVICE_PRINCIPAL, "ForeignGroup", "Device", "AgentUser", "AgentServicePrincipal"
)
CLASSIC_PRINCIPAL_TYPES: Final[tuple[str, ...]] = ("User", "Group", SERVICE_PRINCIPAL)

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
    entries = {entry.strip().lower() for entry in allowed}
    name = role_name(role_definition_id)
    guid = role_guid(role_definition_id)
    return (name is not None and name.lower() in entries) or (guid is not None and guid in entries)


def principal_type_problem(subject: str, value: object, allowed: tuple[str, ...]) -> str | None:
    """The violation message for a set principalType that is not exactly one of `allowed` (odd
    case, stray blanks, another word), None when it is exactly one or not a non-empty string
    (absent and unknown values are the caller's). Fail safe: the policies that tell workloads from
    people compare the exact value, and what ARM makes of another spelling is not documented."""
    if not isinstance(value, str) or not value or value in allowed:
        return None
    intended = near_miss(value, allowed)
    fix = f"set principalType = '{intended}' exactly" if intended else (
        f"set principalType to one of {', '.join(repr(kind) for kind in allowed)}"
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
        elif resource.type == tokens.USER_ASSIGNED_IDENTITY:
            self._record(resource, SERVICE_PRINCIPAL, resource.get("principalId"))
        elif resource.type != tokens.ROLE_ASSIGNMENT:
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


def assignments_with_principals(
    stack: StackIndex,
) -> Iterator[tuple[StackResource, tuple[str, StackResource] | None]]:
    """Every role assignment of the stack with the principal it is wired from (None when that
    cannot be determined); the principal index is built only when there are assignments."""
    assignments = stack.of_type(tokens.ROLE_ASSIGNMENT)
    if not assignments:
        return
    principals = stack.derived(Principals)
    for assignment in assignments:
        yield assignment, principals.of(assignment)


def tag(resource: Resource | StackResource, key: str) -> object:
    """A tag value (keys hold no dots): the non-empty string, None when absent or not a string,
    UNKNOWN when the tags or the value are unknown during preview."""
    value = resource.get(f"tags.{key}")
    return value if value is UNKNOWN else str_or_none(value)
