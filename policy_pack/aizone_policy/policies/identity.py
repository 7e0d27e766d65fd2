"""ACC-6: managed identities for service-to-service calls.

- Every service that calls another (AI accounts, AI Search, API Management, Purview, ML workspaces,
  custom-container session pools, container apps) has a managed identity. A session pool of type
  PythonLTS pulls no image and, with egress disabled (EXEC-1), calls nothing, so it is not required
  to have one.
- Every role assignment states its principalType: the SDK silently sends "User" when it is
  omitted, and Azure then fails assignments to new managed identities with PrincipalNotFound.
- Stack policy: when a role assignment's principalId comes from a managed identity (a
  user-assigned identity's principalId or a resource's identity.principalId, found by property
  dependency or equal value) or from an Entra group, user or service principal of the stack,
  principalType must match that principal's kind.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from .. import tokens
from ..checks import managed_identity
from ..config import PolicyConfig
from ..framework import Field, Finding, Resource, ResourcePolicySpec, StackPolicySpec, unknown_value, violation
from ..stackindex import StackIndex, StackResource
from ..values import UNKNOWN, describe, eq_ci, identity_types, str_or_none

_CONTROLS = ("ACC-6",)
SERVICE_PRINCIPAL = "ServicePrincipal"
_PRINCIPAL_TYPES = ("User", "Group", SERVICE_PRINCIPAL)

# Principal kind of the Entra ID resources a stack can create (pulumi-azuread tokens).
_ENTRA_KINDS: Mapping[str, str] = {
    tokens.AZUREAD_GROUP: "Group",
    tokens.AZUREAD_USER: "User",
    tokens.AZUREAD_SERVICE_PRINCIPAL: SERVICE_PRINCIPAL,
}

_IDENTITY_TYPES: tuple[str, ...] = (
    tokens.COGNITIVE_ACCOUNT,
    tokens.SEARCH_SERVICE,
    tokens.APIM_SERVICE,
    tokens.PURVIEW_ACCOUNT,
    tokens.ML_WORKSPACE,
    tokens.SESSION_POOL,
    tokens.CONTAINER_APP,
)

_POLICY_NAMES: Mapping[str, str] = {
    tokens.COGNITIVE_ACCOUNT: "azure-cognitiveservices-account-managed-identity",
    tokens.SEARCH_SERVICE: "azure-search-service-managed-identity",
    tokens.APIM_SERVICE: "azure-apimanagement-service-managed-identity",
    tokens.PURVIEW_ACCOUNT: "azure-purview-account-managed-identity",
    tokens.ML_WORKSPACE: "azure-machinelearningservices-workspace-managed-identity",
    tokens.SESSION_POOL: "azure-app-containerappssessionpool-managed-identity",
    tokens.CONTAINER_APP: "azure-app-containerapp-managed-identity",
}


def _has_identity(resource: Resource, _config: PolicyConfig) -> Iterator[Finding]:
    """The resource has a managed identity (PythonLTS session pools excepted, see module doc)."""
    if resource.type == tokens.SESSION_POOL and eq_ci(resource.get("containerType"), "PythonLTS"):
        return
    yield from managed_identity(resource)


def _capitalized(text: str) -> str:
    """First letter upper-case ("container app" -> "Container app")."""
    return text[:1].upper() + text[1:]


def _identity_policy(type_token: str) -> ResourcePolicySpec:
    """Managed-identity policy for one resource type."""
    fields = [Field(type_token, "identity.type"), Field(type_token, "identity.userAssignedIdentities")]
    if type_token == tokens.SESSION_POOL:
        fields.append(Field(type_token, "containerType", ("PythonLTS",)))
    return ResourcePolicySpec(
        name=_POLICY_NAMES[type_token],
        controls=_CONTROLS,
        description=f"{_capitalized(tokens.label(type_token))}s must have a managed identity.",
        severity="medium",
        remediation=(
            f"Give the {tokens.label(type_token)} a system- or user-assigned managed identity "
            "(identity.type) and grant that identity the data-plane roles it needs on the services "
            "it calls, instead of keys or connection strings."
        ),
        fields=tuple(fields),
        resource_types=(type_token,),
        rule=_has_identity,
    )


def _explicit_principal_type(resource: Resource, _config: PolicyConfig) -> Iterator[Finding]:
    """principalType is present (an omitted one is sent as "User" by the SDK)."""
    value = resource.get("principalType")
    if value is UNKNOWN:
        yield unknown_value(resource.subject, "principalType")
    elif str_or_none(value) is None:
        yield violation(
            f"{resource.subject} does not set principalType (the SDK then sends 'User', and "
            "assignments to managed identities fail with PrincipalNotFound while the identity "
            f"replicates): set principalType explicitly, '{SERVICE_PRINCIPAL}' for managed "
            "identities and service principals."
        )


class _Principals:
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


def _principal_type_matches(stack: StackIndex, _config: PolicyConfig) -> Iterator[Finding]:
    """Each role assignment's principalType equals the kind of the principal it is wired from."""
    assignments = stack.of_type(tokens.ROLE_ASSIGNMENT)
    if not assignments:
        return
    principals = _Principals(stack)
    for assignment in assignments:
        principal = principals.of(assignment)
        if principal is None:
            continue
        kind, source = principal
        declared = assignment.get("principalType")
        if declared is UNKNOWN:
            yield unknown_value(assignment.subject, "principalType", urn=assignment.urn, name=assignment.name)
        elif not eq_ci(declared, kind):
            identity = "the managed identity of " if kind == SERVICE_PRINCIPAL else ""
            yield violation(
                f"{assignment.subject} grants a role to {identity}{source.subject} but "
                f"principalType is {describe(declared)}"
                f"{' (the SDK sends User)' if declared is None else ''}: set principalType = "
                f"'{kind}'.",
                urn=assignment.urn,
                name=assignment.name,
            )


POLICIES: tuple[ResourcePolicySpec | StackPolicySpec, ...] = (
    *(_identity_policy(type_token) for type_token in _IDENTITY_TYPES),
    ResourcePolicySpec(
        name="azure-authorization-roleassignment-explicit-principal-type",
        controls=_CONTROLS,
        description="Role assignments must set principalType explicitly.",
        severity="medium",
        remediation=(
            "Set principalType on every role assignment: 'ServicePrincipal' for managed identities "
            "and service principals, 'Group' or 'User' for Entra groups and users."
        ),
        fields=(Field(tokens.ROLE_ASSIGNMENT, "principalType", _PRINCIPAL_TYPES),),
        resource_types=(tokens.ROLE_ASSIGNMENT,),
        rule=_explicit_principal_type,
    ),
    StackPolicySpec(
        name="azure-authorization-roleassignment-principal-type-matches",
        controls=_CONTROLS,
        description=(
            "Role assignments to managed identities (and to Entra principals of the stack) must "
            "declare the principal's real kind, ServicePrincipal for managed identities."
        ),
        severity="medium",
        remediation=(
            "Set principalType = 'ServicePrincipal' on role assignments whose principalId is a "
            "managed identity's principalId (or the matching kind for Entra groups and users)."
        ),
        fields=(
            Field(tokens.ROLE_ASSIGNMENT, "principalId"),
            Field(tokens.ROLE_ASSIGNMENT, "principalType", _PRINCIPAL_TYPES),
        ),
        rule=_principal_type_matches,
    ),
)
