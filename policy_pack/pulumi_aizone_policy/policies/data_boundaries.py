"""DATA-1, DATA-2, DATA-3: data boundaries, dataset isolation and role-based data access.

Resource policies (DATA-1): data resources (storage accounts, AI Search services, Cosmos DB
accounts) and agent identities (user-assigned identities tagged INVENTORY_TAG = agent) carry
reference.BOUNDARY_TAG with one of reference.BOUNDARIES (internal, customer, public). The classic
provider's counterparts (pulumi-azure 6.x: `azure:storage/account`, `azure:search/service`,
`azure:cosmosdb/account`, and user-assigned identities in both its `authorization` and `msi`
modules) carry the same top-level `tags` map and are judged the same way.

Stack policies link each data role assignment (reference.DATA_ROLES: Storage Blob Data
Reader/Contributor/Owner, Search Index Data Reader/Contributor) to the data resource its scope
designates (the account, or a child such as a blob container; by id or property dependency) and to
the resource its principalId is wired from (rbac.py's principal index), then compare tags:
- DATA-3 (on the role assignment): the principal's boundary equals the data resource's. A principal
  without a boundary tag may hold only a read role, and only when it is a Purview account's
  identity: the governance scanner reads every boundary to classify it (DATA-4). Any other
  untagged principal is a violation (tag it with its boundary).
- DATA-2 (on the data resource): the data resource serves one application: its own
  APPLICATION_TAG and the APPLICATION_TAG of every principal holding a data role on it name at most
  one application. Principals without an application tag (Purview) do not count.
Principals outside the stack (literal object ids) cannot be judged and are skipped; data resources
without a boundary tag are DATA-1's finding. Tags unknown during preview are judged at `pulumi up`.
Both providers count in every position: azure-native and classic (`azure:authorization/assignment`)
role assignments (rbac.assignments: roleDefinitionName or roleDefinitionId), azure-native and
classic storage accounts and search services as data resources, and classic principals (user-
assigned identities, system identities, a classic Purview account's identity). A classic
roleDefinitionName that is no known built-in role may be a data role: it is judged as a
non-reader data role (fail safe).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from .. import reference, tokens
from ..config import PolicyConfig
from ..framework import Field, Finding, Resource, ResourcePolicySpec, StackPolicySpec, check, unknown_value, violation
from ..stackindex import StackIndex, StackResource
from ..values import UNKNOWN, describe, eq_ci, in_ci
from .rbac import RoleRef, assignments, scope_targets, tag

# Data resources whose data is reached through Azure RBAC data roles (Cosmos DB uses its own SQL
# role assignments).
_RBAC_DATA_TYPES: tuple[str, ...] = (tokens.STORAGE_ACCOUNT, tokens.SEARCH_SERVICE, tokens.AZ_STORAGE_ACCOUNT, tokens.AZ_SEARCH_SERVICE)
_PURVIEW: frozenset[str] = frozenset({tokens.PURVIEW_ACCOUNT, tokens.AZ_PURVIEW_ACCOUNT})
_BOUNDARY_PATH = f"tags.{reference.BOUNDARY_TAG}"
_ALLOWED = ", ".join(reference.BOUNDARIES)


_IDENTITY_TYPES: frozenset[str] = frozenset(
    {tokens.USER_ASSIGNED_IDENTITY, tokens.AZ_USER_ASSIGNED_IDENTITY, tokens.AZ_MSI_USER_ASSIGNED_IDENTITY}
)


def _boundary_tag(resource: Resource, _config: PolicyConfig) -> Iterator[Finding]:
    """The resource declares a valid data boundary (agent identities only, for identities)."""
    if resource.type in _IDENTITY_TYPES:
        kind = tag(resource, reference.INVENTORY_TAG)
        if kind is UNKNOWN:
            yield unknown_value(resource.subject, f"tags.{reference.INVENTORY_TAG}")
            return
        if not eq_ci(kind, reference.INVENTORY_AGENT):
            return
    yield from check(
        resource,
        _BOUNDARY_PATH,
        lambda value: in_ci(value, reference.BOUNDARIES),
        "declares no valid data boundary",
        f"set tags['{reference.BOUNDARY_TAG}'] to one of {_ALLOWED} (internal: employee-facing, "
        "customer: customer-facing, public: public-facing) so data is granted only within it",
    )


@dataclass(frozen=True)
class _Grant:
    """A data role assignment with the data resource it designates and its principal's resource."""

    assignment: StackResource
    ref: RoleRef
    data: StackResource
    principal: StackResource | None

    @property
    def role(self) -> object:
        """The role definition id (UNKNOWN during preview, the raw name when unresolved)."""
        return self.ref.value

    @property
    def reader(self) -> bool:
        """True when the role only reads (or is unknown during preview)."""
        return self.ref.value is UNKNOWN or self.ref.name in reference.DATA_READER_ROLES


def _grants(stack: StackIndex) -> Iterator[_Grant]:
    """Role assignments (both providers) of (possibly, when unknown or unresolved) data roles on
    data resources of the stack."""
    for assignment in assignments(stack):
        role = assignment.role
        if role.value is not UNKNOWN and not role.may_be(reference.DATA_ROLES):
            continue
        targets = scope_targets(stack, assignment.resource, _RBAC_DATA_TYPES)
        if targets:
            principal = assignment.principal
            yield _Grant(assignment.resource, role, targets[0], principal[1] if principal else None)


def _grant_problem(grant: _Grant) -> str | None:
    """Why a data grant crosses a boundary ("" when that depends on unknown values), or None."""
    if grant.principal is None:
        return None
    data_boundary = tag(grant.data, reference.BOUNDARY_TAG)
    principal_boundary = tag(grant.principal, reference.BOUNDARY_TAG)
    if data_boundary is None:
        return None
    if grant.principal.type in _PURVIEW and grant.reader:
        # The Purview account's own identity (linked by property dependency or principal id)
        # reading every boundary is what DATA-4 requires, whatever tags the account carries.
        return None
    if UNKNOWN in (data_boundary, principal_boundary):
        return ""
    if principal_boundary is None:
        if grant.principal.type in _PURVIEW and grant.reader:
            return None
        return (
            f"{grant.principal.subject} declares no data boundary, so it may not hold data roles "
            f"(only a Purview account's identity may read every boundary): tag it with "
            f"{reference.BOUNDARY_TAG} = {describe(data_boundary)} or remove the grant"
        )
    if eq_ci(principal_boundary, str(data_boundary)):
        return None
    return (
        f"{grant.principal.subject} belongs to data boundary {describe(principal_boundary)} but "
        f"{grant.data.subject} holds {describe(data_boundary)} data: grant the identity only the "
        "data resources of its own boundary"
    )


def _same_boundary(stack: StackIndex, _config: PolicyConfig) -> Iterator[Finding]:
    """Data roles stay within one data boundary."""
    for grant in _grants(stack):
        problem = _grant_problem(grant)
        subject = grant.assignment
        if problem == "" or (problem is not None and grant.role is UNKNOWN):
            yield unknown_value(subject.subject, "roleDefinitionId / data-boundary tags", urn=subject.urn, name=subject.name)
        elif problem is not None:
            role = f"'{grant.ref.name}'" if grant.ref.name else grant.ref.label
            yield violation(f"{subject.subject} grants {role} across data boundaries: {problem}.", urn=subject.urn, name=subject.name)


def _one_application(stack: StackIndex, _config: PolicyConfig) -> Iterator[Finding]:
    """Each data resource serves the identities of one application."""
    users: dict[str, dict[str, str]] = {}
    resources: dict[str, StackResource] = {}
    for grant in _grants(stack):
        application = tag(grant.principal, reference.APPLICATION_TAG) if grant.principal else None
        if grant.role is UNKNOWN or not isinstance(application, str):
            continue
        boundary = tag(grant.principal, reference.BOUNDARY_TAG) if grant.principal else None
        where = f"{grant.principal.subject if grant.principal else 'a principal'}, boundary {describe(boundary)}"
        users.setdefault(grant.data.urn, {}).setdefault(application.lower(), f"'{application}' ({where})")
        resources[grant.data.urn] = grant.data
    for urn, applications in users.items():
        data = resources[urn]
        own = tag(data, reference.APPLICATION_TAG)
        if isinstance(own, str):
            applications.setdefault(own.lower(), f"'{own}' (its own {reference.APPLICATION_TAG} tag)")
        if len(applications) > 1:
            yield violation(
                f"{data.subject} (boundary {describe(tag(data, reference.BOUNDARY_TAG))}) is shared "
                f"between applications: {', '.join(applications.values())}: give each application "
                "its own data resource per data boundary and grant each identity only its own.",
                urn=data.urn,
                name=data.name,
            )


def _boundary_policy(type_token: str, name: str) -> ResourcePolicySpec:
    """DATA-1 boundary-tag policy for one resource type."""
    label = tokens.label(type_token)
    which = "Agent identities" if type_token in _IDENTITY_TYPES else f"{label[:1].upper()}{label[1:]}s"
    if type_token.startswith("azure:"):
        which = f"Classic {which[:1].lower()}{which[1:]}"
    return ResourcePolicySpec(
        name=name,
        controls=("DATA-1",),
        description=f"{which} must declare their data boundary (internal, customer or public) as a tag.",
        severity="medium",
        remediation=(
            f"Tag every data resource and agent identity with {reference.BOUNDARY_TAG} = internal, "
            "customer or public, one storage account (index, database) per application and boundary."
        ),
        fields=(Field(type_token, "tags"),),
        resource_types=(type_token,),
        rule=_boundary_tag,
    )


_GRANT_FIELDS: tuple[Field, ...] = (
    Field(tokens.ROLE_ASSIGNMENT, "roleDefinitionId"),
    Field(tokens.ROLE_ASSIGNMENT, "scope"),
    Field(tokens.ROLE_ASSIGNMENT, "principalId"),
    *(Field(tokens.AZ_ROLE_ASSIGNMENT, prop) for prop in ("roleDefinitionId", "roleDefinitionName", "scope", "principalId")),
    *(Field(token, "tags") for token in (*_RBAC_DATA_TYPES, *sorted(_IDENTITY_TYPES))),
)

POLICIES: tuple[ResourcePolicySpec | StackPolicySpec, ...] = (
    _boundary_policy(tokens.STORAGE_ACCOUNT, "azurenative-storage-storageaccount-boundary-tag"),
    _boundary_policy(tokens.SEARCH_SERVICE, "azurenative-search-service-boundary-tag"),
    _boundary_policy(tokens.COSMOS_ACCOUNT, "azurenative-cosmosdb-databaseaccount-boundary-tag"),
    _boundary_policy(tokens.USER_ASSIGNED_IDENTITY, "azurenative-managedidentity-userassignedidentity-boundary-tag"),
    _boundary_policy(tokens.AZ_STORAGE_ACCOUNT, "azure-storage-account-boundary-tag"),
    _boundary_policy(tokens.AZ_SEARCH_SERVICE, "azure-search-service-boundary-tag"),
    _boundary_policy(tokens.AZ_COSMOS_ACCOUNT, "azure-cosmosdb-account-boundary-tag"),
    _boundary_policy(tokens.AZ_USER_ASSIGNED_IDENTITY, "azure-authorization-userassignedidentity-boundary-tag"),
    _boundary_policy(tokens.AZ_MSI_USER_ASSIGNED_IDENTITY, "azure-msi-userassignedidentity-boundary-tag"),
    StackPolicySpec(
        name="azurenative-storage-storageaccount-dataset-isolation",
        controls=("DATA-2",),
        description="Each storage account and search service must hold the data of one application.",
        severity="high",
        remediation=(
            "Create one storage account (and search index or database) per application and data "
            "boundary, tag it with its application and boundary, and grant data roles on it only to "
            "that application's identities."
        ),
        fields=_GRANT_FIELDS,
        rule=_one_application,
    ),
    StackPolicySpec(
        name="azurenative-authorization-roleassignment-same-data-boundary",
        controls=("DATA-3",),
        description="Data roles must be granted only to identities of the data resource's boundary.",
        severity="high",
        remediation=(
            "Grant Storage Blob Data and Search Index Data roles only to identities whose "
            f"{reference.BOUNDARY_TAG} tag equals the data resource's; only the Purview scanner may "
            "read across boundaries."
        ),
        fields=_GRANT_FIELDS,
        rule=_same_boundary,
    ),
)
