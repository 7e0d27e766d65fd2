"""ACC-6: managed identities for service-to-service calls.

- Every service that calls another (AI accounts, AI Search, API Management, Purview, ML workspaces,
  custom-container session pools, container apps) has a managed identity. A session pool of type
  PythonLTS pulls no image and, with egress disabled (EXEC-1), calls nothing, so it is not required
  to have one. API Management's policy also enforces MOD-4: the gateway authenticates to the
  model backends with that identity.
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
from ..stackindex import StackIndex
from ..values import UNKNOWN, describe, eq_ci, str_or_none
from .rbac import NATIVE_PRINCIPAL_TYPES, SERVICE_PRINCIPAL, assignments_with_principals, principal_type_problem

_CONTROLS = ("ACC-6",)
_PRINCIPAL_TYPES = ("User", "Group", SERVICE_PRINCIPAL)

_IDENTITY_TYPES: tuple[str, ...] = (
    tokens.COGNITIVE_ACCOUNT,
    tokens.SEARCH_SERVICE,
    tokens.APIM_SERVICE,
    tokens.PURVIEW_ACCOUNT,
    tokens.ML_WORKSPACE,
    tokens.SESSION_POOL,
    tokens.CONTAINER_APP,
)

# Controls a type's managed-identity policy enforces besides ACC-6: the gateway's identity is the
# one it authenticates to the model backends with (MOD-4).
_MORE_CONTROLS: Mapping[str, tuple[str, ...]] = {tokens.APIM_SERVICE: ("MOD-4",)}

_POLICY_NAMES: Mapping[str, str] = {
    tokens.COGNITIVE_ACCOUNT: "azurenative-cognitiveservices-account-managed-identity",
    tokens.SEARCH_SERVICE: "azurenative-search-service-managed-identity",
    tokens.APIM_SERVICE: "azurenative-apimanagement-service-managed-identity",
    tokens.PURVIEW_ACCOUNT: "azurenative-purview-account-managed-identity",
    tokens.ML_WORKSPACE: "azurenative-machinelearningservices-workspace-managed-identity",
    tokens.SESSION_POOL: "azurenative-app-containerappssessionpool-managed-identity",
    tokens.CONTAINER_APP: "azurenative-app-containerapp-managed-identity",
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
        controls=_CONTROLS + _MORE_CONTROLS.get(type_token, ()),
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
    """principalType is present (an omitted one is sent as "User" by the SDK) and exactly one of
    the enum's values (" User" or "serviceprincipal" fail, naming the value)."""
    value = resource.get("principalType")
    problem = principal_type_problem(resource.subject, value, NATIVE_PRINCIPAL_TYPES)
    if value is UNKNOWN:
        yield unknown_value(resource.subject, "principalType")
    elif problem is not None:
        yield violation(problem)
    elif str_or_none(value) is None:
        yield violation(
            f"{resource.subject} does not set principalType (the SDK then sends 'User', and "
            "assignments to managed identities fail with PrincipalNotFound while the identity "
            f"replicates): set principalType explicitly, '{SERVICE_PRINCIPAL}' for managed "
            "identities and service principals."
        )


def _principal_type_matches(stack: StackIndex, _config: PolicyConfig) -> Iterator[Finding]:
    """Each role assignment's principalType equals the kind of the principal it is wired from."""
    for assignment, principal in assignments_with_principals(stack):
        if principal is None:
            continue
        kind, source = principal
        declared = assignment.get("principalType")
        if declared is None and assignment.classic:
            continue  # azure-authorization-assignment-explicit-principal-type's finding
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
        name="azurenative-authorization-roleassignment-explicit-principal-type",
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
        name="azurenative-authorization-roleassignment-principal-type-matches",
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
            Field(tokens.AZ_ROLE_ASSIGNMENT, "principalId"),
            Field(tokens.AZ_ROLE_ASSIGNMENT, "principalType"),
        ),
        rule=_principal_type_matches,
    ),
)
