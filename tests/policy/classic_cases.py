"""Compliant baselines (wire names of the installed pulumi-azure 6.x SDK) and one-field-changed
violations for the classic-provider policies, plus the scope and coverage policies' cases."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from policy_cases import DELETE, changed

from pulumi_aizone_policy import tokens as t

OWNER_ID = "/subscriptions/sub/providers/Microsoft.Authorization/roleDefinitions/8e3af657-a8ff-443c-a75c-2fe8c4bcb635"
RG_SCOPE = "/subscriptions/sub/resourceGroups/rg"
IDENTITY = {"type": "SystemAssigned"}
ACCOUNT_ID = "/subscriptions/sub/resourceGroups/rg/providers/Microsoft.CognitiveServices/accounts/ai"
BOUNDARY = {"data-boundary": "internal", "aizone-application": "chat"}
AGENT = {"aizone-inventory": "agent", "aizone-agent-owner": "owner@example.com", **BOUNDARY}


def classic_content_filters() -> list[dict[str, Any]]:
    """A compliant classic content filter list (AccountRaiPolicyContentFilterArgs requires
    blockEnabled, filterEnabled, name, severityThreshold and source on every entry); the shields
    spelled in two of the ways the service accepts."""
    filters: list[dict[str, Any]] = [
        {"name": "Jailbreak", "source": "Prompt", "filterEnabled": True, "blockEnabled": True, "severityThreshold": "High"},
        {"name": "Indirect Attack", "source": "Prompt", "filterEnabled": True, "blockEnabled": True, "severityThreshold": "High"},
    ]
    for name in ("Hate", "Sexual", "Violence", "Selfharm"):
        for source, threshold in (("Prompt", "Medium"), ("Completion", "Low")):
            filters.append({"name": name, "source": source, "filterEnabled": True, "blockEnabled": True, "severityThreshold": threshold})
    return filters


@dataclass(frozen=True)
class Case:
    """One field of a classic baseline (optionally first updated with `start`) changed; `policy`
    must report a message containing `fragment`."""

    type: str
    path: str
    value: object
    policy: str
    fragment: str
    start: Mapping[str, Any] = field(default_factory=dict[str, Any])

    @property
    def id(self) -> str:
        shown = "DELETE" if self.value is DELETE else repr(self.value)[:30]
        return f"{self.type.rsplit(':', 1)[-1]}.{self.path}={shown}"

    def props(self) -> dict[str, Any]:
        return changed({**CLASSIC_BASELINES[self.type], **self.start}, self.path, self.value)


CLASSIC_BASELINES: Final[Mapping[str, Mapping[str, Any]]] = {
    t.AZ_COGNITIVE_ACCOUNT: {
        "kind": "OpenAI",
        "skuName": "S0",
        "localAuthEnabled": False,
        "publicNetworkAccessEnabled": False,
        "networkAcls": {"defaultAction": "Deny"},
        "outboundNetworkAccessRestricted": True,
        "identity": IDENTITY,
        "customSubdomainName": "ai",
    },
    t.AZ_AI_SERVICES: {
        "skuName": "S0",
        "localAuthenticationEnabled": False,
        "publicNetworkAccess": "Disabled",
        "networkAcls": {"defaultAction": "Deny"},
        "outboundNetworkAccessRestricted": True,
        "identity": IDENTITY,
    },
    t.AZ_RAI_POLICY: {
        "name": "aizone-shields",
        "cognitiveAccountId": ACCOUNT_ID,
        "basePolicyName": "Microsoft.DefaultV2",
        "mode": "Blocking",
        "contentFilters": classic_content_filters(),
    },
    t.AZ_COGNITIVE_DEPLOYMENT: {
        "cognitiveAccountId": ACCOUNT_ID,
        "model": {"format": "OpenAI", "name": "gpt-5.1", "version": "2025-11-13"},
        "sku": {"name": "GlobalStandard", "capacity": 10},
        "raiPolicyName": "aizone-shields",
        "versionUpgradeOption": "NoAutoUpgrade",
    },
    t.AZ_STORAGE_ACCOUNT: {
        "accountTier": "Standard",
        "accountReplicationType": "ZRS",
        "sharedAccessKeyEnabled": False,
        "defaultToOauthAuthentication": True,
        "publicNetworkAccessEnabled": False,
        "networkRules": {"defaultAction": "Deny"},
        "minTlsVersion": "TLS1_2",
        "httpsTrafficOnlyEnabled": True,
        "allowNestedItemsToBePublic": False,
        "crossTenantReplicationEnabled": False,
        "infrastructureEncryptionEnabled": True,
        "localUserEnabled": False,
        "tags": BOUNDARY,
    },
    t.AZ_KEY_VAULT: {
        "skuName": "standard",
        "tenantId": "tenant",
        "purgeProtectionEnabled": True,
        "rbacAuthorizationEnabled": True,
        "publicNetworkAccessEnabled": False,
    },
    t.AZ_COSMOS_ACCOUNT: {
        "offerType": "Standard",
        "localAuthenticationEnabled": False,
        "publicNetworkAccessEnabled": False,
        "tags": BOUNDARY,
    },
    t.AZ_USER_ASSIGNED_IDENTITY: {"resourceGroupName": "rg", "tags": AGENT},
    t.AZ_MSI_USER_ASSIGNED_IDENTITY: {"resourceGroupName": "rg", "tags": AGENT},
    t.AZ_LOG_ANALYTICS_WORKSPACE: {"sku": "PerGB2018", "localAuthenticationEnabled": False},
    t.AZ_APP_CONFIGURATION: {"sku": "standard", "localAuthEnabled": False, "publicNetworkAccess": "Disabled"},
    t.AZ_SEARCH_SERVICE: {
        "sku": "standard",
        "localAuthenticationEnabled": False,
        "publicNetworkAccessEnabled": False,
        "identity": IDENTITY,
        "tags": BOUNDARY,
    },
    t.AZ_ML_WORKSPACE: {"publicNetworkAccessEnabled": False, "identity": IDENTITY},
    t.AZ_ROLE_ASSIGNMENT: {"scope": RG_SCOPE, "roleDefinitionName": "Reader", "principalId": "p", "principalType": "Group"},
    t.AZ_CONTAINER_REGISTRY: {"sku": "Premium", "adminEnabled": False, "publicNetworkAccessEnabled": False},
    t.AZ_APIM_SERVICE: {
        "skuName": "Developer_1",
        "publicNetworkAccessEnabled": False,
        "virtualNetworkType": "Internal",
        "identity": IDENTITY,
        "security": {"frontendTls10Enabled": False, "tripleDesCiphersEnabled": False},
    },
    t.AZ_CONTAINER_APP: {"revisionMode": "Single", "ingress": {"targetPort": 8080, "allowInsecureConnections": False}},
}

_A, _AI, _D = t.AZ_COGNITIVE_ACCOUNT, t.AZ_AI_SERVICES, t.AZ_COGNITIVE_DEPLOYMENT
_S, _KV, _RA = t.AZ_STORAGE_ACCOUNT, t.AZ_KEY_VAULT, t.AZ_ROLE_ASSIGNMENT
_RAI, _SHIELDS = t.AZ_RAI_POLICY, "azure-cognitive-accountraipolicy-prompt-shields"

CLASSIC_VIOLATIONS: Final[tuple[Case, ...]] = (
    Case(_A, "localAuthEnabled", True, "azure-cognitive-account-disable-local-auth", "allows key (local) authentication"),
    Case(_A, "localAuthEnabled", DELETE, "azure-cognitive-account-disable-local-auth", "localAuthEnabled is not set"),
    Case(_A, "publicNetworkAccessEnabled", DELETE, "azure-cognitive-account-restrict-network-access", "allows public network access"),
    # Public network access on: one finding naming the network rules behind it (with it off they are moot).
    Case(
        _A,
        "publicNetworkAccessEnabled",
        True,
        "azure-cognitive-account-restrict-network-access",
        "(publicNetworkAccessEnabled is true; its network rules deny by default (networkAcls.defaultAction is 'Deny'), so only the networks they list reach it): set publicNetworkAccessEnabled = false",
    ),
    Case(_A, "outboundNetworkAccessRestricted", DELETE, "azure-cognitive-account-restrict-network-access", "outbound"),
    Case(
        _A,
        "fqdns",
        ["ai.search.windows.net", "*.blob.core.windows.net"],
        "azure-cognitive-account-restrict-network-access",
        "allows outbound traffic to wildcard or blank destinations (fqdns has '*.blob.core.windows.net')",
    ),
    Case(_AI, "fqdns", [" "], "azure-cognitive-aiservices-restrict-network-access", "(fqdns has ' ')"),
    Case(_A, "identity", DELETE, "azure-cognitive-account-managed-identity", "has no managed identity"),
    Case(_A, "identity", {"type": "UserAssigned"}, "azure-cognitive-account-managed-identity", "identityIds"),
    Case(_AI, "localAuthenticationEnabled", DELETE, "azure-cognitive-aiservices-disable-local-auth", "localAuthenticationEnabled"),
    Case(_AI, "publicNetworkAccess", "Enabled", "azure-cognitive-aiservices-restrict-network-access", "publicNetworkAccess = 'Disabled'"),
    Case(_AI, "identity.type", "None", "azure-cognitive-aiservices-managed-identity", "has no managed identity"),
    Case(_D, "raiPolicyName", DELETE, "azure-cognitive-deployment-custom-rai-policy", "built-in content filter"),
    Case(_D, "raiPolicyName", "Microsoft.DefaultV2", "azure-cognitive-deployment-custom-rai-policy", "built-in content filter"),
    Case(
        _RAI,
        "contentFilters.1",
        DELETE,
        _SHIELDS,
        "does not filter Indirect Attack on prompts: add {name: 'Indirect Attack', source: 'Prompt', filterEnabled: true, blockEnabled: true, severityThreshold: 'Medium'} to contentFilters",
    ),
    Case(
        _RAI,
        "contentFilters.0.blockEnabled",
        False,
        _SHIELDS,
        "filter for Jailbreak on prompts does not block (it only annotates): set blockEnabled = true",
    ),
    Case(
        _RAI,
        "contentFilters.0.filterEnabled",
        "true",
        _SHIELDS,
        'filter for Jailbreak on prompts is not enabled (filterEnabled is "true" (a string), expected the boolean true): set filterEnabled = true',
    ),
    Case(_RAI, "contentFilters.4.severityThreshold", "High", _SHIELDS, "filter for Sexual on prompts filters only at severity 'High'"),
    Case(
        _RAI,
        "mode",
        "Asynchronous_filter",
        _SHIELDS,
        "returns content before it is filtered or uses an unknown mode (mode is 'Asynchronous_filter'): set mode = 'Blocking'",
    ),
    Case(_RAI, "mode", " blocking", _SHIELDS, "(mode is \" blocking\" (a string that is not exactly 'Blocking'))"),
    Case(_D, "versionUpgradeOption", DELETE, "azure-cognitive-deployment-no-auto-upgrade", "NoAutoUpgrade"),
    Case(_D, "model.name", "gpt-4", "azure-cognitive-deployment-approved-model", "not on the approved list"),
    Case(_D, "model.version", DELETE, "azure-cognitive-deployment-approved-model", "not on the approved list"),
    Case(_S, "sharedAccessKeyEnabled", DELETE, "azure-storage-account-disable-shared-key", "shared-key"),
    Case(_S, "publicNetworkAccessEnabled", True, "azure-storage-account-restrict-network-access", "public network access"),
    Case(
        _S,
        "publicNetworkAccessEnabled",
        True,
        "azure-storage-account-restrict-network-access",
        "(publicNetworkAccessEnabled is true; its network rules deny by default (networkRules.defaultAction is 'Deny'), so only the networks they list reach it)",
    ),
    Case(_S, "minTlsVersion", "TLS1_0", "azure-storage-account-tls-https-only", "older than 1.2"),
    Case(_S, "httpsTrafficOnlyEnabled", False, "azure-storage-account-tls-https-only", "plain HTTP"),
    Case(_S, "allowNestedItemsToBePublic", DELETE, "azure-storage-account-hardening", "anonymous (public) access"),
    Case(_S, "crossTenantReplicationEnabled", True, "azure-storage-account-hardening", "other Entra tenants"),
    Case(_S, "infrastructureEncryptionEnabled", DELETE, "azure-storage-account-infrastructure-encryption", "double"),
    Case(_S, "infrastructureEncryptionEnabled", False, "azure-storage-account-infrastructure-encryption", "double"),
    Case(_S, "localUserEnabled", DELETE, "azure-storage-account-hardening", "local users"),
    Case(_S, "sftpEnabled", True, "azure-storage-account-hardening", "SFTP"),
    Case(_KV, "purgeProtectionEnabled", DELETE, "azure-keyvault-keyvault-purge-protection", "purged"),
    Case(_KV, "rbacAuthorizationEnabled", DELETE, "azure-keyvault-keyvault-rbac-authorization", "access policies"),
    Case(_KV, "enableRbacAuthorization", False, "azure-keyvault-keyvault-rbac-authorization", "access policies"),
    Case(_KV, "publicNetworkAccessEnabled", DELETE, "azure-keyvault-keyvault-disable-public-network-access", "public network access"),
    Case(t.AZ_COSMOS_ACCOUNT, "localAuthenticationEnabled", DELETE, "azure-cosmosdb-account-disable-local-auth", "key authentication"),
    Case(t.AZ_COSMOS_ACCOUNT, "localAuthenticationEnabled", True, "azure-cosmosdb-account-disable-local-auth", "key authentication"),
    Case(
        t.AZ_COSMOS_ACCOUNT, "publicNetworkAccessEnabled", DELETE, "azure-cosmosdb-account-disable-public-network-access", "public network"
    ),
    Case(
        t.AZ_LOG_ANALYTICS_WORKSPACE,
        "localAuthenticationEnabled",
        DELETE,
        "azure-operationalinsights-analyticsworkspace-disable-local-auth",
        "shared-key",
    ),
    Case(t.AZ_APP_CONFIGURATION, "localAuthEnabled", DELETE, "azure-appconfiguration-configurationstore-disable-local-auth", "access-key"),
    Case(
        t.AZ_APP_CONFIGURATION,
        "publicNetworkAccess",
        DELETE,
        "azure-appconfiguration-configurationstore-disable-public-network-access",
        "public network",
    ),
    Case(t.AZ_SEARCH_SERVICE, "localAuthenticationEnabled", True, "azure-search-service-disable-local-auth", "API-key"),
    Case(t.AZ_SEARCH_SERVICE, "publicNetworkAccessEnabled", DELETE, "azure-search-service-disable-public-network-access", "public network"),
    Case(t.AZ_SEARCH_SERVICE, "identity", DELETE, "azure-search-service-managed-identity", "no managed identity"),
    Case(
        t.AZ_ML_WORKSPACE,
        "publicNetworkAccessEnabled",
        True,
        "azure-machinelearning-workspace-disable-public-network-access",
        "public network",
    ),
    Case(t.AZ_ML_WORKSPACE, "identity", DELETE, "azure-machinelearning-workspace-managed-identity", "no managed identity"),
    Case(
        _RA,
        "roleDefinitionName",
        "owner",
        "azure-authorization-assignment-least-privilege",
        "'Owner' at subscription scope",
        {"scope": "/subscriptions/sub"},
    ),
    Case(
        _RA,
        "scope",
        "/subscriptions/sub",
        "azure-authorization-assignment-least-privilege",
        "subscription scope",
        {"roleDefinitionName": "Contributor"},
    ),
    Case(
        _RA,
        "roleDefinitionName",
        DELETE,
        "azure-authorization-assignment-least-privilege",
        "subscription scope",
        {"roleDefinitionId": OWNER_ID, "scope": "/subscriptions/sub"},
    ),
    Case(
        _RA,
        "roleDefinitionName",
        " OWNER ",
        "azure-authorization-assignment-least-privilege",
        "'Owner' at subscription scope",
        {"scope": "/subscriptions/sub/"},
    ),
    Case(
        _RA,
        "roleDefinitionName",
        "Readers",
        "azure-authorization-assignment-least-privilege",
        "sets roleDefinitionName 'Readers', which is no built-in role the pack knows, so what it grants cannot be judged: use the "
        "built-in role's exact name (e.g. 'Cognitive Services OpenAI User'), or roleDefinitionId with the role definition's id",
    ),
    Case(_RA, "principalType", DELETE, "azure-authorization-assignment-explicit-principal-type", "principalType"),
    Case(t.AZ_CONTAINER_REGISTRY, "adminEnabled", True, "azure-containerservice-registry-disable-admin-user", "admin user"),
    Case(t.AZ_CONTAINER_REGISTRY, "anonymousPullEnabled", True, "azure-containerservice-registry-disable-admin-user", "anonymous"),
    Case(
        t.AZ_CONTAINER_REGISTRY,
        "publicNetworkAccessEnabled",
        DELETE,
        "azure-containerservice-registry-restrict-network-access",
        "public network",
    ),
    Case(
        t.AZ_APIM_SERVICE,
        "security.frontendTls10Enabled",
        True,
        "azure-apimanagement-service-tls-protocols",
        "security.frontendTls10Enabled",
    ),
    Case(
        t.AZ_APIM_SERVICE, "security.enableBackendSsl30", True, "azure-apimanagement-service-tls-protocols", "security.enableBackendSsl30"
    ),
    Case(t.AZ_APIM_SERVICE, "security.tripleDesCiphersEnabled", True, "azure-apimanagement-service-tls-protocols", "weak cipher"),
    Case(t.AZ_APIM_SERVICE, "virtualNetworkType", "External", "azure-apimanagement-service-restrict-public-network-access", "Internal"),
    Case(t.AZ_APIM_SERVICE, "identity", DELETE, "azure-apimanagement-service-managed-identity", "no managed identity"),
    Case(t.AZ_CONTAINER_APP, "ingress.allowInsecureConnections", True, "azure-containerapp-app-https-ingress", "plain HTTP"),
    Case(_S, "tags", DELETE, "azure-storage-account-boundary-tag", "declares no valid data boundary (tags.data-boundary is not set)"),
    Case(
        t.AZ_SEARCH_SERVICE,
        "tags.data-boundary",
        "secret",
        "azure-search-service-boundary-tag",
        "set tags['data-boundary'] to one of internal, customer, public",
    ),
    Case(t.AZ_COSMOS_ACCOUNT, "tags.data-boundary", DELETE, "azure-cosmosdb-account-boundary-tag", "declares no valid data boundary"),
    Case(
        t.AZ_USER_ASSIGNED_IDENTITY,
        "tags.data-boundary",
        DELETE,
        "azure-authorization-userassignedidentity-boundary-tag",
        "User-assigned identity 'res' declares no valid data boundary",
    ),
    Case(
        t.AZ_MSI_USER_ASSIGNED_IDENTITY,
        "tags.data-boundary",
        "everyone",
        "azure-msi-userassignedidentity-boundary-tag",
        "(tags.data-boundary is 'everyone')",
    ),
)

# Stack policies on the pack's own coverage, proven in test_policy_scope.py
# (test_misspelled_workload_tag_is_an_advisory_note, test_unjudged_security_types_are_listed).
COVERAGE_PROVEN: Final[tuple[str, ...]] = ("azurenative-resources-stack-landing-zone-scope", "azurenative-resources-stack-unjudged-types")
