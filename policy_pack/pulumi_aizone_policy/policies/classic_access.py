"""The pack's controls on the classic provider's access and edge resources (pulumi-azure 6.x):
role assignments, container registries, API Management and container apps.

Role assignments name their role by `roleDefinitionName` (a built-in role's name) or
`roleDefinitionId` (a scoped role definition id); both are resolved (rbac.assignment_role, the
one view every RBAC policy reads: reference.ROLE_IDS, case-insensitive names) and the broad roles
(reference.BROAD_ROLES) are judged like the azure-native rule does: never at tenant root,
management-group or subscription scope, never for a workload identity (principalType
ServicePrincipal). A roleDefinitionName that is no built-in role the pack knows is reported,
naming the value (fail safe: the SDK documents the property as "The name of a built-in Role", and
the pack could not tell what it grants). The stack-wide RBAC controls (DATA-2/3, ACC-2, ACC-5
workload roles, EXEC-2, MOD-4, ACC-6 principal kinds) read classic assignments too. `principalType` is optional in azurerm; without it the pack cannot tell a
workload from a person during preview, so it must be set.

Registry `adminEnabled` and `anonymousPullEnabled` default to false (absent passes),
`publicNetworkAccessEnabled` to true (absent fails). API Management's `security` switches for
TLS 1.0/1.1, SSL 3.0 and the weak ciphers all default to false, in both the current
(`frontendTls10Enabled`) and the deprecated (`enableFrontendTls10`) spelling; any set to true fails.
A container app's ingress `allowInsecureConnections` defaults to false.
"""

from __future__ import annotations

from collections.abc import Iterator

from .. import reference, tokens
from ..checks import flag_false, flag_not_true
from ..config import PolicyConfig
from ..framework import Finding, Resource, ResourcePolicySpec, check, unknown_value, violation
from ..values import UNKNOWN, describe, eq_ci, in_ci
from .classic_ai import classic_identity, spec
from .rbac import BROAD_SCOPES, CLASSIC_PRINCIPAL_TYPES, SERVICE_PRINCIPAL, assignment_role, principal_type_problem, scope_level

PRINCIPAL_TYPES = CLASSIC_PRINCIPAL_TYPES

# ServiceSecurityArgs wire names of every protocol and cipher switch (current and deprecated).
APIM_INSECURE_SWITCHES: tuple[str, ...] = (
    "frontendTls10Enabled",
    "frontendTls11Enabled",
    "frontendSsl30Enabled",
    "backendTls10Enabled",
    "backendTls11Enabled",
    "backendSsl30Enabled",
    "enableFrontendTls10",
    "enableFrontendTls11",
    "enableFrontendSsl30",
    "enableBackendTls10",
    "enableBackendTls11",
    "enableBackendSsl30",
    "tripleDesCiphersEnabled",
    "tlsEcdheEcdsaWithAes128CbcShaCiphersEnabled",
    "tlsEcdheEcdsaWithAes256CbcShaCiphersEnabled",
    "tlsEcdheRsaWithAes128CbcShaCiphersEnabled",
    "tlsEcdheRsaWithAes256CbcShaCiphersEnabled",
    "tlsRsaWithAes128CbcSha256CiphersEnabled",
    "tlsRsaWithAes128CbcShaCiphersEnabled",
    "tlsRsaWithAes128GcmSha256CiphersEnabled",
    "tlsRsaWithAes256CbcSha256CiphersEnabled",
    "tlsRsaWithAes256CbcShaCiphersEnabled",
    "tlsRsaWithAes256GcmSha384CiphersEnabled",
)


def _least_privilege(resource: Resource, _config: PolicyConfig) -> Iterator[Finding]:
    """Broad roles never at broad scopes, never for workload identities; role names resolve."""
    role = assignment_role(resource)
    principal_type = resource.get("principalType")
    scope = resource.get("scope")
    if role.value is UNKNOWN:
        yield unknown_value(resource.subject, "roleDefinitionName / roleDefinitionId")
        return
    if role.unresolved is not None:
        yield violation(
            f"{resource.subject} sets roleDefinitionName {describe(role.unresolved)}, which is no "
            "built-in role the pack knows, so what it grants cannot be judged: use the built-in "
            "role's exact name (e.g. 'Cognitive Services OpenAI User'), or roleDefinitionId with "
            "the role definition's id."
        )
        return
    name = role.name
    if name not in reference.BROAD_ROLES:
        return
    if principal_type is UNKNOWN:
        yield unknown_value(resource.subject, "principalType")
    elif eq_ci(principal_type, SERVICE_PRINCIPAL):
        yield violation(
            f"{resource.subject} grants '{name}' to a workload identity (principalType "
            "ServicePrincipal): workload identities never get Owner, Contributor, User Access "
            "Administrator or Role Based Access Control Administrator; grant the data-plane role "
            "it needs on the single resource instead."
        )
        return
    if scope is UNKNOWN:
        yield unknown_value(resource.subject, "scope")
        return
    level = scope_level(scope)
    if level in BROAD_SCOPES:
        yield violation(
            f"{resource.subject} grants '{name}' at {level} scope ({describe(scope)}): broad roles "
            "are never assigned at subscription or management-group scope; grant a narrower role "
            "on the resource group or resource that needs it (and make administrative access "
            "PIM-eligible, ACC-3)."
        )


def _principal_type(resource: Resource, _config: PolicyConfig) -> Iterator[Finding]:
    """principalType is set, and exactly User, Group or ServicePrincipal (a near miss names the
    exact value)."""
    problem = principal_type_problem(resource.subject, resource.get("principalType"), PRINCIPAL_TYPES)
    if problem is not None:
        yield violation(problem)
        return
    yield from check(
        resource,
        "principalType",
        lambda value: in_ci(value, PRINCIPAL_TYPES),
        "does not say what kind of principal it grants to",
        "set principalType = 'ServicePrincipal' for managed identities and apps, 'User' or 'Group' for people",
    )


def _registry_admin(resource: Resource, _config: PolicyConfig) -> Iterator[Finding]:
    yield from flag_not_true(resource, "adminEnabled", "enables the admin user (shared registry credentials)")
    yield from flag_not_true(resource, "anonymousPullEnabled", "allows anonymous (unauthenticated) pulls")


def _registry_network(resource: Resource, _config: PolicyConfig) -> Iterator[Finding]:
    yield from flag_false(
        resource, "publicNetworkAccessEnabled", "allows public network access", " and reach it through its private endpoint"
    )


def _apim_tls(resource: Resource, _config: PolicyConfig) -> Iterator[Finding]:
    security = resource.get("security")
    if security is UNKNOWN:
        yield unknown_value(resource.subject, "security")
        return
    for switch in APIM_INSECURE_SWITCHES:
        yield from flag_not_true(resource, f"security.{switch}", "enables a legacy protocol or weak cipher")


def _apim_public(resource: Resource, _config: PolicyConfig) -> Iterator[Finding]:
    yield from flag_false(resource, "publicNetworkAccessEnabled", "allows public network access", " and publish the gateway internally")
    yield from check(
        resource,
        "virtualNetworkType",
        lambda value: eq_ci(value, "Internal"),
        "is not injected into a virtual network in internal mode",
        "set virtualNetworkType = 'Internal' with virtualNetworkConfiguration.subnetId",
    )


def _apim_identity(resource: Resource, _config: PolicyConfig) -> Iterator[Finding]:
    yield from classic_identity(resource)


def _container_app_ingress(resource: Resource, _config: PolicyConfig) -> Iterator[Finding]:
    yield from flag_not_true(resource, "ingress.allowInsecureConnections", "accepts plain HTTP on its ingress")


POLICIES: tuple[ResourcePolicySpec, ...] = (
    spec(
        "azure-authorization-assignment-least-privilege",
        ("ACC-5",),
        tokens.AZ_ROLE_ASSIGNMENT,
        ("roleDefinitionName", "roleDefinitionId", "principalType", "scope"),
        "Classic role assignments never grant broad roles at broad scopes or to workload identities.",
        "high",
        "Grant the narrowest role (a data-plane role for workloads) on the resource or resource "
        "group that needs it; make administrative roles PIM-eligible.",
        _least_privilege,
    ),
    spec(
        "azure-authorization-assignment-explicit-principal-type",
        ("ACC-6",),
        tokens.AZ_ROLE_ASSIGNMENT,
        ("principalType",),
        "Classic role assignments must say what kind of principal they grant to.",
        "medium",
        "Set principalType (ServicePrincipal for managed identities, User or Group for people).",
        _principal_type,
    ),
    spec(
        "azure-containerservice-registry-disable-admin-user",
        ("ACC-1",),
        tokens.AZ_CONTAINER_REGISTRY,
        ("adminEnabled", "anonymousPullEnabled"),
        "Classic container registries must not enable the admin user or anonymous pull.",
        "high",
        "Set adminEnabled = false and anonymousPullEnabled = false; pull with managed identities (AcrPull).",
        _registry_admin,
    ),
    spec(
        "azure-containerservice-registry-restrict-network-access",
        ("ACC-7",),
        tokens.AZ_CONTAINER_REGISTRY,
        ("publicNetworkAccessEnabled",),
        "Classic container registries must disable public network access.",
        "high",
        "Set publicNetworkAccessEnabled = false (Premium SKU) and pull through a private endpoint.",
        _registry_network,
    ),
    spec(
        "azure-apimanagement-service-tls-protocols",
        ("RES-5",),
        tokens.AZ_APIM_SERVICE,
        tuple(f"security.{switch}" for switch in APIM_INSECURE_SWITCHES),
        "Classic API Management services must not enable TLS 1.0/1.1, SSL 3.0 or weak ciphers.",
        "high",
        "Leave every security.*Enabled protocol and cipher switch unset or false.",
        _apim_tls,
    ),
    spec(
        "azure-apimanagement-service-restrict-public-network-access",
        ("ACC-7",),
        tokens.AZ_APIM_SERVICE,
        ("publicNetworkAccessEnabled", "virtualNetworkType"),
        "Classic API Management services must be internal (no public network access).",
        "high",
        "Set virtualNetworkType = 'Internal' in a subnet and publicNetworkAccessEnabled = false.",
        _apim_public,
    ),
    spec(
        "azure-apimanagement-service-managed-identity",
        ("ACC-6", "MOD-4"),
        tokens.AZ_APIM_SERVICE,
        ("identity.type", "identity.identityIds"),
        "Classic API Management services must have a managed identity to call backends with Entra ID.",
        "medium",
        "Add an identity block (SystemAssigned, or UserAssigned with identityIds).",
        _apim_identity,
    ),
    spec(
        "azure-containerapp-app-https-ingress",
        ("RES-5",),
        tokens.AZ_CONTAINER_APP,
        ("ingress.allowInsecureConnections",),
        "Classic container apps must not accept plain HTTP on their ingress.",
        "high",
        "Set ingress.allowInsecureConnections = false (or leave it unset).",
        _container_app_ingress,
    ),
)
