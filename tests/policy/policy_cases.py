"""Compliant baselines and one-field-changed cases for the policy pack tests.

Each resource baseline holds the inputs (wire names) of one compliant resource; each case changes
one field and names the policy that must catch it and a fragment of its message. The stack
baseline is a small compliant landing zone in two shapes: as a preview sees it (ids unknown,
links only through property dependencies) and as a deployed stack's outputs look (ids known, no
path parameters such as resourceUri or privateEndpointName).
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

import pytest

from pulumi_aizone_policy import reference, tokens as t
from pulumi_aizone_policy.framework import ResourcePolicySpec
from pulumi_aizone_policy.harness import UNKNOWN_VALUE, Diagnostic, PackAnalyzer, StackItem, urn_for
from pulumi_aizone_policy.policies import ALL_SPECS

DELETE: Final = object()
POLICY_EXEMPTION: Final = "azure-native:authorization:PolicyExemption"
"""Marker for `changed`: remove the field."""

DIGEST = "@sha256:" + "0123456789abcdef" * 4
SUBNET = "/subscriptions/sub/resourceGroups/net/providers/Microsoft.Network/virtualNetworks/spoke/subnets/pe"
UAI_ID = "/subscriptions/sub/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/agent"
OPENAI_USER = "5e0bd9bd-7b93-4f28-af87-19fc36ad61bd"
BLOB_READER = "2a2b9908-6ea1-4ae2-8e65-a410df84e7d1"
SESSION_EXECUTOR = "0fb8eba5-a2bb-4abe-b1c1-49dfad359bb0"
OWNER = "8e3af657-a8ff-443c-a75c-2fe8c4bcb635"
CS_CONTRIBUTOR = "25fbc0a9-bd7c-42a3-aa1a-3b75d497ee68"
ACR_PULL = "7f951dda-4ed3-4680-a7ca-43fe172d538d"
BREAK_GLASS = "99999999-9999-9999-9999-999999999999"
INTERNAL = {"data-boundary": "internal", "aizone-application": "chat"}
AGENT_TAGS = {"aizone-inventory": "agent", "aizone-agent-owner": "owner@example.com", **INTERNAL}


def role_definition(guid: str) -> str:
    """A role definition id as the components write it (subscription-scoped ARM path)."""
    return f"/subscriptions/sub/providers/Microsoft.Authorization/roleDefinitions/{guid}"


APIM_SECURITY: Final[Mapping[str, str]] = {key: "False" for key in (*reference.APIM_LEGACY_PROTOCOLS, *reference.APIM_WEAK_CIPHERS)}

API_POLICY_XML = """<policies>
    <inbound>
        <base />
        <validate-azure-ad-token tenant-id="tenant" output-token-variable-name="caller">
            <audiences><audience>api://gateway</audience></audiences>
        </validate-azure-ad-token>
        <set-variable name="caller-id" value='@(((Jwt)context.Variables["caller"]).Claims.GetValueOrDefault("oid", "?"))' />
        <set-header name="api-key" exists-action="delete" />
        <set-backend-service backend-id="models" />
        <authentication-managed-identity resource="https://cognitiveservices.azure.com" />
    </inbound>
    <backend>
        <retry condition="@(context.Response.StatusCode == 429 && context.Response != null)" count="2" interval="2">
            <forward-request />
        </retry>
    </backend>
    <outbound><base /></outbound>
    <on-error><base /></on-error>
</policies>"""

SERVICE_POLICY_XML = "<policies><inbound /><backend><forward-request /></backend><outbound /><on-error /></policies>"

DEFENDER_PLANS_BASE: Final[Mapping[str, Any]] = {
    "pricingTier": "Standard",
    "scopeId": "subscriptions/sub",
    "subPlan": "DefenderForStorageV2",
    "extensions": [{"name": "OnUploadMalwareScanning", "isEnabled": "True"}, {"name": "SensitiveDataDiscovery", "isEnabled": "True"}],
}


ML_MODEL = "azureml://registries/azureml/models/Phi-4/versions/7"
SEARCH_CONNECTION: Final[Mapping[str, Any]] = {
    "authType": "AAD",
    "category": "CognitiveSearch",
    "target": "https://aizone-search.search.windows.net",
}
CORS_FRAGMENT = (
    '<fragment><cors allow-credentials="true"><allowed-origins><origin>https://chat.contoso.com</origin></allowed-origins>'
    "<allowed-methods><method>POST</method></allowed-methods></cors></fragment>"
)


def policy_xml(inbound: str) -> str:
    """A policy document whose inbound section is `inbound`."""
    return f"<policies><inbound>{inbound}</inbound><backend><forward-request /></backend><outbound><base /></outbound><on-error><base /></on-error></policies>"


def changed(base: Mapping[str, Any], path: str, value: object) -> dict[str, Any]:
    """Deep copy of `base` with the field at dotted `path` (list indexes allowed) set to `value`,
    or removed when `value` is DELETE. Missing intermediate objects are created."""
    result: dict[str, Any] = copy.deepcopy(dict(base))
    steps = path.split(".")
    node: Any = result
    for step in steps[:-1]:
        if isinstance(node, list):
            node = node[int(step)]
        else:
            node = node.setdefault(step, {})
    last = steps[-1]
    if isinstance(node, list):
        if value is DELETE:
            del node[int(last)]
        else:
            node[int(last)] = value
    elif value is DELETE:
        node.pop(last, None)
    else:
        node[last] = value
    return result


def content_filters() -> list[dict[str, Any]]:
    """A compliant RAI content filter list, spelled in the different ways the service accepts."""
    filters: list[dict[str, Any]] = [
        {"name": "Jailbreak", "source": "Prompt", "enabled": True, "blocking": True},
        {"name": "indirect_attack", "source": "Prompt", "enabled": True, "action": "BLOCKING"},
    ]
    for name in ("Hate", "Sexual", "Violence", "Selfharm"):
        for source, threshold in (("Prompt", "Medium"), ("Completion", "Low")):
            filters.append({"name": name, "source": source, "enabled": True, "blocking": True, "severityThreshold": threshold})
    return filters


BASELINES: Final[Mapping[str, Mapping[str, Any]]] = {
    t.COGNITIVE_ACCOUNT: {
        "kind": "AIServices",
        "sku": {"name": "S0"},
        "identity": {"type": "SystemAssigned"},
        "properties": {
            "customSubDomainName": "aizone-ai",
            "disableLocalAuth": True,
            "publicNetworkAccess": "Disabled",
            "networkAcls": {"defaultAction": "Deny"},
            "restrictOutboundNetworkAccess": True,
            "allowedFqdnList": ["aizone-search.search.windows.net"],
        },
    },
    t.SEARCH_SERVICE: {
        "sku": {"name": "standard"},
        "disableLocalAuth": True,
        "publicNetworkAccess": "Disabled",
        "identity": {"type": "SystemAssigned"},
        "tags": {"data-boundary": "internal"},
    },
    t.LOG_ANALYTICS_WORKSPACE: {"sku": {"name": "PerGB2018"}, "features": {"disableLocalAuth": True}},
    t.STORAGE_ACCOUNT: {
        "kind": "StorageV2",
        "sku": {"name": "Standard_ZRS"},
        "allowSharedKeyAccess": False,
        "defaultToOAuthAuthentication": True,
        "publicNetworkAccess": "Disabled",
        "networkRuleSet": {"defaultAction": "Deny", "bypass": "None"},
        "minimumTlsVersion": "TLS1_2",
        "enableHttpsTrafficOnly": True,
        "allowBlobPublicAccess": False,
        "allowCrossTenantReplication": False,
        "encryption": {"requireInfrastructureEncryption": True, "keySource": "Microsoft.Storage"},
        "tags": dict(INTERNAL),
    },
    t.COSMOS_ACCOUNT: {
        "databaseAccountOfferType": "Standard",
        "disableLocalAuth": True,
        "publicNetworkAccess": "Disabled",
        "locations": [{"locationName": "westeurope"}],
        "tags": {"data-boundary": "customer"},
    },
    t.CONTAINER_REGISTRY: {
        "sku": {"name": "Premium"},
        "registryName": "aizoneacr",
        "adminUserEnabled": False,
        "anonymousPullEnabled": False,
        "publicNetworkAccess": "Disabled",
    },
    t.APP_CONFIGURATION: {"sku": {"name": "standard"}, "disableLocalAuth": True},
    t.KEY_VAULT: {
        "properties": {
            "tenantId": "tenant",
            "sku": {"family": "A", "name": "standard"},
            "enableRbacAuthorization": True,
            "enablePurgeProtection": True,
            "enableSoftDelete": True,
            "publicNetworkAccess": "Disabled",
        }
    },
    t.PURVIEW_ACCOUNT: {
        "identity": {"type": "SystemAssigned"},
        "publicNetworkAccess": "Disabled",
        "managedResourcesPublicNetworkAccess": "Disabled",
    },
    t.ML_WORKSPACE: {
        "identity": {"type": "SystemAssigned"},
        "publicNetworkAccess": "Disabled",
        "managedNetwork": {"isolationMode": "AllowOnlyApprovedOutbound"},
    },
    t.APIM_SERVICE: {
        "sku": {"name": "Developer", "capacity": 1},
        "publisherEmail": "platform@example.com",
        "publisherName": "Platform",
        "identity": {"type": "SystemAssigned"},
        "publicNetworkAccess": "Enabled",
        "virtualNetworkType": "Internal",
        "customProperties": dict(APIM_SECURITY),
        "tags": {"aizone-inventory": "gateway"},
    },
    t.MANAGED_ENVIRONMENT: {
        "vnetConfiguration": {"internal": True, "infrastructureSubnetId": SUBNET},
    },
    t.SESSION_POOL: {
        "poolManagementType": "Dynamic",
        "containerType": "CustomContainer",
        "identity": {"type": "UserAssigned", "userAssignedIdentities": [UAI_ID]},
        "customContainerTemplate": {
            "containers": [
                {"name": "tool", "image": "aizoneacr.azurecr.io/tools/python" + DIGEST, "resources": {"cpu": 0.5, "memory": "1Gi"}}
            ]
        },
        "sessionNetworkConfiguration": {"status": "EgressDisabled"},
        "dynamicPoolConfiguration": {"lifecycleConfiguration": {"lifecycleType": "Timed", "cooldownPeriodInSeconds": 300}},
        "scaleConfiguration": {"maxConcurrentSessions": 10, "readySessionInstances": 1},
    },
    t.CONTAINER_APP: {
        "identity": {"type": "SystemAssigned,UserAssigned", "userAssignedIdentities": [UAI_ID]},
        "template": {
            "containers": [{"name": "app", "image": "aizoneacr.azurecr.io/apps/chat" + DIGEST}],
            "initContainers": [{"name": "init", "image": "aizoneacr.azurecr.io/apps/init" + DIGEST}],
        },
        "configuration": {"ingress": {"external": False, "targetPort": 8080, "allowInsecure": False}},
    },
    t.CONTAINER_APP_JOB: {"template": {"containers": [{"name": "job", "image": "aizoneacr.azurecr.io/jobs/index" + DIGEST}]}},
    t.ML_ENVIRONMENT_VERSION: {"properties": {"image": "mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu22.04" + DIGEST}},
    t.ROLE_ASSIGNMENT: {
        "principalId": "11111111-1111-1111-1111-111111111111",
        "principalType": "ServicePrincipal",
        "roleDefinitionId": "/providers/Microsoft.Authorization/roleDefinitions/5e0bd9bd-7b93-4f28-af87-19fc36ad61bd",
        "scope": "/subscriptions/sub/resourceGroups/rg/providers/Microsoft.CognitiveServices/accounts/ai",
    },
    t.USER_ASSIGNED_IDENTITY: {"resourceName": "agent", "tags": dict(AGENT_TAGS)},
    t.BLOB_SERVICE: {
        "accountName": "aizonedata",
        "blobServicesName": "default",
        "isVersioningEnabled": True,
        "deleteRetentionPolicy": {"enabled": True, "days": 30, "allowPermanentDelete": False},
        "containerDeleteRetentionPolicy": {"enabled": True, "days": 30},
    },
    t.DEFENDER_PRICING: {
        "pricingName": "AI",
        "pricingTier": "Standard",
        "scopeId": "subscriptions/sub",
        "extensions": [
            {"name": "AIPromptEvidence", "isEnabled": "True"},
            {"name": "AIPromptSharingWithPurview", "isEnabled": "True"},
        ],
    },
    t.APIM_API: {"apiId": "inference", "serviceName": "apim", "path": "openai", "protocols": ["https"], "subscriptionRequired": False},
    t.APIM_API_POLICY: {"apiId": "inference", "serviceName": "apim", "policyId": "policy", "format": "rawxml", "value": API_POLICY_XML},
    t.APIM_SERVICE_POLICY: {"serviceName": "apim", "policyId": "policy", "format": "xml", "value": SERVICE_POLICY_XML},
    t.APIM_BACKEND: {
        "backendId": "models",
        "serviceName": "apim",
        "protocol": "http",
        "url": "https://aizone-ai.cognitiveservices.azure.com/openai",
        "credentials": {"header": {"x-tenant": ["contoso"]}},
    },
    t.PIM_ELIGIBILITY: {
        "principalId": "22222222-2222-2222-2222-222222222222",
        "roleDefinitionId": role_definition(CS_CONTRIBUTOR),
        "scope": "/subscriptions/sub/resourceGroups/rg/providers/Microsoft.CognitiveServices/accounts/ai",
        "scheduleInfo": {"expiration": {"type": "AfterDuration", "duration": "P180D"}},
    },
    t.CONDITIONAL_ACCESS_POLICY: {
        "displayName": "AI: require MFA",
        "state": "enabled",
        "conditions": {
            "users": {"includedUsers": ["All"], "excludedUsers": [BREAK_GLASS]},
            "applications": {"includedApplications": ["797f4846-ba00-4fd7-ba43-dac1f8f63013"]},
            "clientAppTypes": ["all"],
        },
        "grantControls": {"operator": "OR", "builtInControls": ["mfa"]},
    },
    t.COGNITIVE_DEPLOYMENT: {
        "accountName": "aizone-ai",
        "deploymentName": "chat",
        "sku": {"name": "GlobalStandard", "capacity": 50},
        "properties": {
            "model": {"format": "OpenAI", "name": "gpt-5.1", "version": "2025-11-13"},
            "versionUpgradeOption": "NoAutoUpgrade",
            "raiPolicyName": "strict",
        },
    },
    t.RAI_POLICY: {
        "accountName": "aizone-ai",
        "raiPolicyName": "strict",
        "properties": {"mode": "Blocking", "basePolicyName": "Microsoft.DefaultV2", "contentFilters": content_filters()},
    },
    # Anchor rule sets (docs/COVERAGE.md): AI platform resources and the gateway's own hardening.
    t.ML_COMPUTE: {
        "computeName": "cluster",
        "workspaceName": "ws",
        "properties": {
            "computeType": "AmlCompute",
            "disableLocalAuth": True,
            "properties": {"vmSize": "STANDARD_DS3_V2", "enableNodePublicIp": False, "remoteLoginPortPublicAccess": "Disabled"},
        },
    },
    t.ML_ONLINE_ENDPOINT: {
        "endpointName": "score",
        "workspaceName": "ws",
        "properties": {"authMode": "AADToken", "publicNetworkAccess": "Disabled"},
    },
    t.ML_ONLINE_DEPLOYMENT: {
        "endpointName": "score",
        "workspaceName": "ws",
        "properties": {"endpointComputeType": "Managed", "instanceType": "Standard_DS3_v2", "model": ML_MODEL},
    },
    t.ML_SERVERLESS_ENDPOINT: {
        "workspaceName": "ws",
        "sku": {"name": "Consumption"},
        "properties": {"authMode": "AAD", "modelSettings": {"modelId": ML_MODEL}},
    },
    t.BOT: {
        "kind": "azurebot",
        "sku": {"name": "S1"},
        "properties": {
            "displayName": "Helpdesk",
            "endpoint": "https://helpdesk.azurewebsites.net/api/messages",
            "msaAppId": "55555555-5555-5555-5555-555555555555",
            "msaAppType": "UserAssignedMSI",
            "disableLocalAuth": True,
            "publicNetworkAccess": "Disabled",
        },
    },
    t.APIM_NAMED_VALUE: {
        "serviceName": "apim",
        "namedValueId": "search-admin-key",
        "displayName": "search-admin-key",
        "secret": True,
        "keyVault": {"secretIdentifier": "https://aizone-kv.vault.azure.net/secrets/search-admin-key"},
    },
    t.APIM_SUBSCRIPTION: {"serviceName": "apim", "sid": "chat", "displayName": "chat app", "scope": "/products/chat", "state": "active"},
    t.APIM_PRODUCT: {"serviceName": "apim", "productId": "chat", "displayName": "Chat", "subscriptionRequired": True, "state": "published"},
    t.APIM_POLICY_FRAGMENT: {"serviceName": "apim", "id": "cors", "format": "rawxml", "value": CORS_FRAGMENT},
    t.COGNITIVE_ACCOUNT_CONNECTION: {"accountName": "aizone-ai", "connectionName": "search", "properties": dict(SEARCH_CONNECTION)},
    t.COGNITIVE_PROJECT_CONNECTION: {
        "accountName": "aizone-ai",
        "projectName": "chat",
        "connectionName": "search",
        "properties": dict(SEARCH_CONNECTION),
    },
    t.ML_WORKSPACE_CONNECTION: {"workspaceName": "ws", "connectionName": "search", "properties": dict(SEARCH_CONNECTION)},
    t.ML_NETWORK_RULE: {
        "workspaceName": "ws",
        "ruleName": "pypi",
        "properties": {"type": "FQDN", "destination": "pypi.org", "category": "UserDefined"},
    },
    t.ML_OUTBOUND_RULE: {
        "workspaceName": "ws",
        "managedNetworkName": "default",
        "ruleName": "storage",
        "properties": {
            "type": "ServiceTag",
            "destination": {"serviceTag": "Storage.WestEurope", "protocol": "TCP", "portRanges": "443", "action": "Allow"},
        },
    },
    t.ML_DATASTORE: {
        "workspaceName": "ws",
        "name": "docs",
        "properties": {
            "datastoreType": "AzureBlob",
            "accountName": "aizonedata",
            "containerName": "docs",
            "credentials": {"credentialsType": "None"},
        },
    },
    # RES-6: a waiver of the landing zone's guardrails, time-boxed (a month from today).
    POLICY_EXEMPTION: {
        "policyAssignmentId": "/subscriptions/sub/resourceGroups/rg/providers/Microsoft.Authorization/policyAssignments/aizone-gr",
        "scope": "/subscriptions/sub/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/legacy",
        "exemptionCategory": "Waiver",
        "expiresOn": f"{(dt.date.today() + dt.timedelta(days=30)).isoformat()}T23:59:59Z",
    },
}


@dataclass(frozen=True)
class Case:
    """One field of a baseline changed; `policy` must report a message containing `fragment`
    (or, when `policy` is None, nothing at all must be reported)."""

    type: str
    path: str
    value: object
    policy: str | None
    fragment: str = ""
    base: str = ""
    """Name of the compliant variant (VARIANTS) the field is changed from; "" for the baseline."""

    @property
    def id(self) -> str:
        shown = "DELETE" if self.value is DELETE else repr(self.value)[:30]
        return f"{self.base + ':' if self.base else ''}{self.type.rsplit(':', 1)[-1]}.{self.path}={shown}"

    def props(self) -> dict[str, Any]:
        return changed(VARIANTS[self.base] if self.base else BASELINES[self.type], self.path, self.value)


# Compliant variants of a baseline that a policy needs as the starting point of its one-field
# cases (e.g. an assignment to a group, to which an administrative role is then given).
VARIANTS: Final[Mapping[str, Mapping[str, Any]]] = {
    "group-role": changed(BASELINES[t.ROLE_ASSIGNMENT], "principalType", "Group"),
    "storage-plan": {**DEFENDER_PLANS_BASE, "pricingName": "StorageAccounts"},
    # Owner on one resource (below resource-group scope, so not ACC-3's wide-scope rule).
    "foreign-owner": {**BASELINES[t.ROLE_ASSIGNMENT], "principalType": "ForeignGroup", "roleDefinitionId": role_definition(OWNER)},
    "report-only-ca": changed(
        changed(BASELINES[t.CONDITIONAL_ACCESS_POLICY], "state", "enabledForReportingButNotEnforced"), "conditions.users.excludedUsers", []
    ),
    # A v2 tier: Microsoft's fixed cipher configuration, which the customer cannot change.
    "v2-gateway": changed(BASELINES[t.APIM_SERVICE], "sku", {"name": "StandardV2", "capacity": 1}),
    # Anchor rule sets: an odd compute-type spelling, an external app with an allow-list, a plain
    # (non-secret) named value.
    "odd-compute-type": changed(BASELINES[t.ML_COMPUTE], "properties.computeType", " amlCOMPUTE "),
    "external-app": changed(
        changed(BASELINES[t.CONTAINER_APP], "configuration.ingress.external", True),
        "configuration.ingress.ipSecurityRestrictions",
        [{"name": "office", "ipAddressRange": "203.0.113.0/24", "action": "Allow"}],
    ),
    "plain-named-value": {
        "serviceName": "apim",
        "namedValueId": "tenant-id",
        "displayName": "tenant-id",
        "value": "contoso.onmicrosoft.com",
    },
}
VARIANT_TYPES: Final[Mapping[str, str]] = {
    "group-role": t.ROLE_ASSIGNMENT,
    "storage-plan": t.DEFENDER_PRICING,
    "report-only-ca": t.CONDITIONAL_ACCESS_POLICY,
    "foreign-owner": t.ROLE_ASSIGNMENT,
    "v2-gateway": t.APIM_SERVICE,
    "odd-compute-type": t.ML_COMPUTE,
    "external-app": t.CONTAINER_APP,
    "plain-named-value": t.APIM_NAMED_VALUE,
}


_FILTERS = "properties.contentFilters"
_ML_LOCAL = "azurenative-machinelearningservices-compute-disable-local-auth"
_ML_NET = "azurenative-machinelearningservices-compute-private-network"
_ML_MODEL = "azurenative-machinelearningservices-onlinedeployment-approved-model"
_BOT_PNA = "azurenative-botservice-bot-disable-public-network-access"
_BOT_HTTPS = "azurenative-botservice-bot-https-endpoint"
_INGRESS = "azurenative-app-containerapp-ingress-ip-restrictions"
_NAMED_VALUE = "azurenative-apimanagement-namedvalue-key-vault"
_BACKEND_TLS = "azurenative-apimanagement-backend-tls"
_BASE = "azurenative-apimanagement-apipolicy-inherit-base"
_CORS = "azurenative-apimanagement-apipolicy-no-wildcard-cors"
_SAMPLE = "azurenative-apimanagement-product-no-sample-products"
_CONNECTION = "azurenative-cognitiveservices-connection-entra-auth"
_BING = "azurenative-cognitiveservices-connection-no-bing-grounding"
_DATASTORE = "azurenative-machinelearningservices-datastore-identity-access"
_FRAGMENT = "azurenative-apimanagement-policyfragment-no-backend-keys"
_BLOCKLISTS = "azurenative-cognitiveservices-raipolicy-blocking-blocklists"
_OUTBOUND = "azurenative-machinelearningservices-workspace-no-open-outbound-rules"
_AAD_TOKEN = """<validate-azure-ad-token tenant-id="tenant" output-token-variable-name="caller">
            <audiences><audience>api://gateway</audience></audiences>
        </validate-azure-ad-token>"""


def _jwt(attributes: str) -> str:
    """A validate-jwt element pinned to one Entra tenant, with extra attributes."""
    return (
        f'<validate-jwt header-name="Authorization" output-token-variable-name="caller" {attributes}>'
        '<openid-config url="https://login.microsoftonline.com/tenant/v2.0/.well-known/openid-configuration" />'
        "<audiences><audience>api://gateway</audience></audiences></validate-jwt>"
    )


VIOLATIONS: Final[tuple[Case, ...]] = (
    # ACC-1
    Case(
        t.COGNITIVE_ACCOUNT,
        "properties.disableLocalAuth",
        False,
        "azurenative-cognitiveservices-account-disable-local-auth",
        "[ACC-1] Cognitive Services account 'res' allows key (local) authentication (properties.disableLocalAuth is false): set properties.disableLocalAuth = true",
    ),
    Case(
        t.COGNITIVE_ACCOUNT,
        "properties.disableLocalAuth",
        DELETE,
        "azurenative-cognitiveservices-account-disable-local-auth",
        "properties.disableLocalAuth is not set",
    ),
    Case(t.SEARCH_SERVICE, "disableLocalAuth", False, "azurenative-search-service-disable-local-auth", "set disableLocalAuth = true"),
    Case(
        t.LOG_ANALYTICS_WORKSPACE,
        "features.disableLocalAuth",
        DELETE,
        "azurenative-operationalinsights-workspace-disable-local-auth",
        "set features.disableLocalAuth = true",
    ),
    Case(
        t.STORAGE_ACCOUNT,
        "allowSharedKeyAccess",
        True,
        "azurenative-storage-storageaccount-disable-shared-key",
        "set allowSharedKeyAccess = false",
    ),
    Case(
        t.STORAGE_ACCOUNT,
        "allowSharedKeyAccess",
        DELETE,
        "azurenative-storage-storageaccount-disable-shared-key",
        "allowSharedKeyAccess is not set",
    ),
    Case(
        t.STORAGE_ACCOUNT, "isSftpEnabled", True, "azurenative-storage-storageaccount-disable-sftp-local-users", "set isSftpEnabled = false"
    ),
    Case(
        t.STORAGE_ACCOUNT,
        "isLocalUserEnabled",
        True,
        "azurenative-storage-storageaccount-disable-sftp-local-users",
        "set isLocalUserEnabled = false",
    ),
    Case(
        t.COSMOS_ACCOUNT,
        "disableLocalAuth",
        DELETE,
        "azurenative-cosmosdb-databaseaccount-disable-local-auth",
        "set disableLocalAuth = true",
    ),
    Case(
        t.CONTAINER_REGISTRY,
        "adminUserEnabled",
        True,
        "azurenative-containerregistry-registry-disable-admin-user",
        "set adminUserEnabled = false",
    ),
    Case(
        t.APP_CONFIGURATION,
        "disableLocalAuth",
        False,
        "azurenative-appconfiguration-configurationstore-disable-local-auth",
        "set disableLocalAuth = true",
    ),
    # ACC-7
    Case(
        t.COGNITIVE_ACCOUNT,
        "properties.publicNetworkAccess",
        "Enabled",
        "azurenative-cognitiveservices-account-restrict-network-access",
        "[ACC-7] Cognitive Services account 'res' allows public network access (properties.publicNetworkAccess is 'Enabled'; "
        "its network rules deny by default (properties.networkAcls.defaultAction is 'Deny'), so only the networks they list reach it): "
        "set properties.publicNetworkAccess = 'Disabled' and reach it through its private endpoint.",
    ),
    Case(
        t.COGNITIVE_ACCOUNT,
        "properties.restrictOutboundNetworkAccess",
        False,
        "azurenative-cognitiveservices-account-restrict-network-access",
        "set properties.restrictOutboundNetworkAccess = true",
    ),
    Case(
        t.SEARCH_SERVICE,
        "publicNetworkAccess",
        "Enabled",
        "azurenative-search-service-disable-public-network-access",
        "set publicNetworkAccess = 'Disabled'",
    ),
    Case(
        t.SEARCH_SERVICE,
        "publicNetworkAccess",
        "DISABLED",
        "azurenative-search-service-disable-public-network-access",
        "(publicNetworkAccess is \"DISABLED\" (a string that is not exactly 'Disabled')): set publicNetworkAccess = 'Disabled'",
    ),
    Case(
        t.STORAGE_ACCOUNT,
        "publicNetworkAccess",
        DELETE,
        "azurenative-storage-storageaccount-restrict-network-access",
        "publicNetworkAccess is not set",
    ),
    Case(
        t.KEY_VAULT,
        "properties.publicNetworkAccess",
        "enabled",
        "azurenative-keyvault-vault-disable-public-network-access",
        "[ACC-7, DATA-7] Key Vault 'res' allows public network access (properties.publicNetworkAccess is 'enabled'): set properties.publicNetworkAccess = 'Disabled'",
    ),
    Case(t.KEY_VAULT, "properties.publicNetworkAccess", DELETE, "azurenative-keyvault-vault-disable-public-network-access", "is not set"),
    Case(
        t.PURVIEW_ACCOUNT,
        "publicNetworkAccess",
        "NotSpecified",
        "azurenative-purview-account-disable-public-network-access",
        "[ACC-7, DATA-4]",
    ),
    Case(
        t.PURVIEW_ACCOUNT,
        "managedResourcesPublicNetworkAccess",
        "Enabled",
        "azurenative-purview-account-disable-public-network-access",
        "set managedResourcesPublicNetworkAccess = 'Disabled'",
    ),
    Case(
        t.ML_WORKSPACE,
        "publicNetworkAccess",
        "Enabled",
        "azurenative-machinelearningservices-workspace-restrict-network-access",
        "set publicNetworkAccess = 'Disabled'",
    ),
    Case(
        t.ML_WORKSPACE,
        "managedNetwork.isolationMode",
        "AllowInternetOutbound",
        "azurenative-machinelearningservices-workspace-restrict-network-access",
        "set managedNetwork.isolationMode = 'AllowOnlyApprovedOutbound'",
    ),
    Case(
        t.CONTAINER_REGISTRY,
        "publicNetworkAccess",
        "Enabled",
        "azurenative-containerregistry-registry-restrict-network-access",
        "set publicNetworkAccess = 'Disabled'",
    ),
    Case(
        t.CONTAINER_REGISTRY,
        "anonymousPullEnabled",
        True,
        "azurenative-containerregistry-registry-restrict-network-access",
        "allows anonymous pulls",
    ),
    Case(
        t.COSMOS_ACCOUNT,
        "publicNetworkAccess",
        "Enabled",
        "azurenative-cosmosdb-databaseaccount-disable-public-network-access",
        "set publicNetworkAccess = 'Disabled'",
    ),
    Case(
        t.MANAGED_ENVIRONMENT,
        "vnetConfiguration.internal",
        False,
        "azurenative-app-managedenvironment-internal-only",
        "set vnetConfiguration.internal = true",
    ),
    # ACC-6
    Case(
        t.COGNITIVE_ACCOUNT,
        "identity",
        DELETE,
        "azurenative-cognitiveservices-account-managed-identity",
        "[ACC-6] Cognitive Services account 'res' has no managed identity",
    ),
    Case(
        t.COGNITIVE_ACCOUNT,
        "identity.type",
        "None",
        "azurenative-cognitiveservices-account-managed-identity",
        "set identity.type = 'SystemAssigned'",
    ),
    Case(t.SEARCH_SERVICE, "identity", DELETE, "azurenative-search-service-managed-identity", "has no managed identity"),
    Case(
        t.APIM_SERVICE,
        "identity.type",
        "None",
        "azurenative-apimanagement-service-managed-identity",
        "[ACC-6, MOD-4] API Management service 'res' has no managed identity",
    ),
    Case(t.PURVIEW_ACCOUNT, "identity", DELETE, "azurenative-purview-account-managed-identity", "has no managed identity"),
    Case(t.ML_WORKSPACE, "identity", DELETE, "azurenative-machinelearningservices-workspace-managed-identity", "has no managed identity"),
    Case(t.SESSION_POOL, "identity", DELETE, "azurenative-app-containerappssessionpool-managed-identity", "has no managed identity"),
    Case(
        t.SESSION_POOL,
        "identity.userAssignedIdentities",
        DELETE,
        "azurenative-app-containerappssessionpool-managed-identity",
        "declares a user-assigned identity but lists none",
    ),
    Case(t.CONTAINER_APP, "identity", DELETE, "azurenative-app-containerapp-managed-identity", "has no managed identity"),
    Case(
        t.ROLE_ASSIGNMENT,
        "principalType",
        DELETE,
        "azurenative-authorization-roleassignment-explicit-principal-type",
        "[ACC-6] Role assignment 'res' does not set principalType (the SDK then sends 'User'",
    ),
    # ACC-8
    Case(
        t.COGNITIVE_ACCOUNT,
        "kind",
        "TextAnalytics",
        "azurenative-cognitiveservices-account-allowed-kind",
        "[ACC-8] Cognitive Services account 'res' has kind 'TextAnalytics', which is not allowed (allowed: AIServices, OpenAI)",
    ),
    Case(
        t.COGNITIVE_DEPLOYMENT,
        "sku.capacity",
        1000,
        "azurenative-cognitiveservices-deployment-capacity-cap",
        "requests capacity 1000, above the cap of 100",
    ),
    Case(t.COGNITIVE_DEPLOYMENT, "sku", DELETE, "azurenative-cognitiveservices-deployment-capacity-cap", "does not declare its capacity"),
    # MOD-2a
    Case(
        t.RAI_POLICY,
        f"{_FILTERS}.1",
        DELETE,
        "azurenative-cognitiveservices-raipolicy-prompt-shields",
        "[MOD-2a] RAI (content filter) policy 'res' does not filter Indirect Attack on prompts: add {name: 'Indirect Attack', source: 'Prompt', enabled: true, blocking: true}",
    ),
    Case(
        t.RAI_POLICY,
        f"{_FILTERS}.0.blocking",
        False,
        "azurenative-cognitiveservices-raipolicy-prompt-shields",
        "filter for Jailbreak on prompts does not block",
    ),
    Case(
        t.RAI_POLICY,
        f"{_FILTERS}.1.action",
        "ANNOTATING",
        "azurenative-cognitiveservices-raipolicy-prompt-shields",
        "filter for Indirect Attack on prompts does not block",
    ),
    Case(
        t.RAI_POLICY,
        f"{_FILTERS}.0.enabled",
        False,
        "azurenative-cognitiveservices-raipolicy-prompt-shields",
        "filter for Jailbreak on prompts is not enabled",
    ),
    Case(
        t.RAI_POLICY,
        f"{_FILTERS}.2.severityThreshold",
        "High",
        "azurenative-cognitiveservices-raipolicy-prompt-shields",
        "filter for Hate on prompts filters only at severity 'High': set severityThreshold = 'Medium' or stricter",
    ),
    Case(
        t.RAI_POLICY,
        f"{_FILTERS}.9.severityThreshold",
        DELETE,
        "azurenative-cognitiveservices-raipolicy-prompt-shields",
        "filter for Selfharm on completions has no severityThreshold",
    ),
    Case(
        t.RAI_POLICY,
        f"{_FILTERS}.0.source",
        "Completion",
        "azurenative-cognitiveservices-raipolicy-prompt-shields",
        "does not filter Jailbreak on prompts",
    ),
    Case(
        t.RAI_POLICY, _FILTERS, DELETE, "azurenative-cognitiveservices-raipolicy-prompt-shields", "does not filter Violence on completions"
    ),
    # MOD-3
    Case(
        t.COGNITIVE_DEPLOYMENT,
        "properties.model.name",
        "gpt-4",
        "azurenative-cognitiveservices-deployment-approved-model",
        "[MOD-3] Model deployment 'res' deploys model OpenAI/gpt-4/2025-11-13, which is not on the allow-list",
    ),
    Case(
        t.COGNITIVE_DEPLOYMENT,
        "properties.model.version",
        "2024-05-13",
        "azurenative-cognitiveservices-deployment-approved-model",
        "not on the allow-list",
    ),
    Case(
        t.COGNITIVE_DEPLOYMENT,
        "properties.model.version",
        DELETE,
        "azurenative-cognitiveservices-deployment-approved-model",
        "without a version: pin properties.model.version",
    ),
    Case(
        t.COGNITIVE_DEPLOYMENT,
        "properties.versionUpgradeOption",
        DELETE,
        "azurenative-cognitiveservices-deployment-no-auto-upgrade",
        "set properties.versionUpgradeOption = 'NoAutoUpgrade'",
    ),
    Case(
        t.COGNITIVE_DEPLOYMENT,
        "properties.versionUpgradeOption",
        "OnceCurrentVersionExpired",
        "azurenative-cognitiveservices-deployment-no-auto-upgrade",
        "lets Azure upgrade the model version automatically",
    ),
    Case(
        t.SESSION_POOL,
        "customContainerTemplate.containers.0.image",
        "aizoneacr.azurecr.io/tools/python:3.12",
        "azurenative-app-containerappssessionpool-image-digest",
        "[MOD-3, EXEC-2] Container Apps session pool 'res' runs image 'aizoneacr.azurecr.io/tools/python:3.12' (customContainerTemplate.containers[0].image), which is not pinned by digest",
    ),
    Case(
        t.SESSION_POOL,
        "customContainerTemplate.containers.0.image",
        "acr.io/x@sha256:ABCDEF",
        "azurenative-app-containerappssessionpool-image-digest",
        "not pinned by digest",
    ),
    Case(
        t.CONTAINER_APP,
        "template.containers.0.image",
        "aizoneacr.azurecr.io/apps/chat:latest",
        "azurenative-app-containerapp-image-digest",
        "template.containers[0].image",
    ),
    Case(
        t.CONTAINER_APP,
        "template.initContainers.0.image",
        "busybox",
        "azurenative-app-containerapp-image-digest",
        "template.initContainers[0].image",
    ),
    Case(
        t.CONTAINER_APP_JOB,
        "template.containers.0.image",
        "aizoneacr.azurecr.io/jobs/index:1",
        "azurenative-app-job-image-digest",
        "not pinned by digest",
    ),
    Case(
        t.ML_ENVIRONMENT_VERSION,
        "properties.image",
        "mcr.microsoft.com/azureml/base:latest",
        "azurenative-machinelearningservices-environmentversion-image-digest",
        "[MOD-3] Machine Learning environment version 'res' runs image",
    ),
    # RES-4 (resource part)
    Case(
        t.SEARCH_SERVICE,
        "sku.name",
        "free",
        "azurenative-search-service-private-endpoint-sku",
        "[RES-4] AI Search service 'res' uses a SKU without private endpoint support",
    ),
    # RES-5
    Case(
        t.STORAGE_ACCOUNT,
        "minimumTlsVersion",
        "TLS1_0",
        "azurenative-storage-storageaccount-tls-https-only",
        "[RES-5] Storage account 'res' accepts requests below TLS 1.2 (minimumTlsVersion is 'TLS1_0'): set minimumTlsVersion = 'TLS1_2'",
    ),
    Case(
        t.STORAGE_ACCOUNT,
        "minimumTlsVersion",
        "tls1_2",
        "azurenative-storage-storageaccount-tls-https-only",
        "(minimumTlsVersion is \"tls1_2\" (a string that is not exactly 'TLS1_2')): set minimumTlsVersion = 'TLS1_2'",
    ),
    Case(
        t.STORAGE_ACCOUNT,
        "allowBlobPublicAccess",
        DELETE,
        "azurenative-storage-storageaccount-hardening",
        "[DATA-6] Storage account 'res' allows anonymous (public) blob access (allowBlobPublicAccess is not set): set allowBlobPublicAccess = "
        "false explicitly: the resource is sent with an API version this pack cannot determine (no provider version), and before 2023-01-01 "
        "unset means allowed.",
    ),
    Case(
        t.STORAGE_ACCOUNT,
        "enableHttpsTrafficOnly",
        False,
        "azurenative-storage-storageaccount-tls-https-only",
        "accepts plain HTTP requests (enableHttpsTrafficOnly is false)",
    ),
    Case(
        t.APIM_SERVICE,
        "customProperties",
        {**APIM_SECURITY, reference.APIM_LEGACY_PROTOCOLS[0]: "true"},
        "azurenative-apimanagement-service-tls-protocols",
        "[RES-5] API Management service 'res' enables legacy TLS/SSL protocols (Microsoft.WindowsAzure.ApiManagement.Gateway.Security.Protocols.Tls10)",
    ),
    Case(
        t.APIM_SERVICE,
        "customProperties",
        {**APIM_SECURITY, reference.APIM_LEGACY_PROTOCOLS[4]: "True"},
        "azurenative-apimanagement-service-tls-protocols",
        "Gateway.Security.Backend.Protocols.Tls11",
    ),
    Case(
        t.APIM_SERVICE,
        "customProperties",
        {key: value for key, value in APIM_SECURITY.items() if "TripleDes168" not in key},
        "azurenative-apimanagement-service-tls-protocols",
        "leaves weak TLS ciphers enabled (the service default of every cipher switch is 'True'): set customProperties Microsoft.WindowsAzure.ApiManagement.Gateway.Security.Ciphers.TripleDes168 to 'False'",
    ),
    Case(t.APIM_SERVICE, "customProperties", DELETE, "azurenative-apimanagement-service-tls-protocols", "leaves weak TLS ciphers enabled"),
    Case(
        t.APIM_SERVICE,
        "customProperties",
        {reference.APIM_LEGACY_PROTOCOLS[0]: "True"},
        "azurenative-apimanagement-service-tls-protocols",
        "enables legacy TLS/SSL protocols (Microsoft.WindowsAzure.ApiManagement.Gateway.Security.Protocols.Tls10)",
        base="v2-gateway",
    ),
    Case(
        t.APIM_API,
        "protocols",
        ["https", "http"],
        "azurenative-apimanagement-api-https-only",
        "[RES-5] API 'res' accepts unencrypted protocols (protocols include 'http'): set protocols = ['https']",
    ),
    Case(t.APIM_API, "protocols", ["WS"], "azurenative-apimanagement-api-https-only", "protocols include 'WS'"),
    Case(
        t.CONTAINER_APP,
        "configuration.ingress.allowInsecure",
        True,
        "azurenative-app-containerapp-https-ingress",
        "[RES-5] Container app 'res' serves plain HTTP on its ingress (configuration.ingress.allowInsecure is true)",
    ),
    # MOD-1 (resource part)
    Case(
        t.DEFENDER_PRICING,
        "pricingTier",
        "Free",
        "azurenative-security-pricing-defender-plan-standard",
        "[MOD-1] Defender for Cloud plan 'res' does not enable Defender plan 'AI' (pricingTier is 'Free'): set pricingTier = 'Standard'",
    ),
    Case(
        t.DEFENDER_PRICING,
        "extensions.0.isEnabled",
        "False",
        "azurenative-security-pricing-defender-plan-standard",
        "does not enable AIPromptEvidence (AI alerts would lack the prompt evidence; the extension has isEnabled 'False')",
    ),
    Case(
        t.DEFENDER_PRICING,
        "extensions.0.isEnabled",
        True,
        "azurenative-security-pricing-defender-plan-standard",
        "isEnabled is the string 'True'",
    ),
    Case(t.DEFENDER_PRICING, "extensions.0", DELETE, "azurenative-security-pricing-defender-plan-standard", "the extension is not listed"),
    Case(
        t.DEFENDER_PRICING,
        "subPlan",
        "PerTransaction",
        "azurenative-security-pricing-defender-plan-standard",
        "set subPlan = 'DefenderForStorageV2'",
        base="storage-plan",
    ),
    Case(
        t.DEFENDER_PRICING,
        "extensions.0.isEnabled",
        "False",
        "azurenative-security-pricing-defender-plan-standard",
        "does not enable OnUploadMalwareScanning",
        base="storage-plan",
    ),
    Case(
        t.DEFENDER_PRICING,
        "pricingTier",
        "free",
        "azurenative-security-pricing-defender-plan-standard",
        "does not enable Defender plan 'StorageAccounts'",
        base="storage-plan",
    ),
    # DATA-4 (Defender for AI shares with Purview)
    Case(
        t.DEFENDER_PRICING,
        "extensions.1",
        DELETE,
        "azurenative-security-pricing-ai-purview-sharing",
        "[DATA-4] Defender for Cloud plan 'res' does not enable AIPromptSharingWithPurview (prompts and responses would stay outside Purview data security",
    ),
    # MOD-4 (resource part)
    Case(
        t.APIM_API_POLICY,
        "value",
        API_POLICY_XML.replace(
            '<set-header name="api-key" exists-action="delete" />',
            '<set-header name="api-key" exists-action="override"><value>{{openai-key}}</value></set-header>',
        ),
        "azurenative-apimanagement-policy-no-backend-keys",
        "[MOD-4] API policy 'res' sends a key (<set-header name=\"api-key\">): remove it and authenticate with the gateway's managed identity",
    ),
    Case(
        t.APIM_API_POLICY,
        "value",
        API_POLICY_XML.replace("</inbound>", "", 1),
        "azurenative-apimanagement-policy-no-backend-keys",
        "holds a policy document that is not well-formed XML (mismatched tag",
    ),
    Case(
        t.APIM_API_POLICY,
        "value",
        '<!DOCTYPE p [<!ENTITY x "y">]>' + API_POLICY_XML,
        "azurenative-apimanagement-policy-no-backend-keys",
        "declares a DTD or entities",
    ),
    Case(
        t.APIM_API_POLICY,
        "value",
        "<inbound />",
        "azurenative-apimanagement-policy-no-backend-keys",
        "has the root element <inbound> instead of <policies>",
    ),
    Case(
        t.APIM_API_POLICY, "value", DELETE, "azurenative-apimanagement-policy-no-backend-keys", "has no policy content (value is not set)"
    ),
    # Absent format means xml (the SDK sends 'xml'): the rawxml baseline's unescaped && is not XML.
    Case(
        t.APIM_API_POLICY,
        "format",
        DELETE,
        "azurenative-apimanagement-policy-no-backend-keys",
        "holds a policy document that is not well-formed XML",
    ),
    Case(
        t.APIM_API_POLICY,
        "format",
        "rawxml-link",
        "azurenative-apimanagement-policy-no-backend-keys",
        "loads its policy from a URL (format 'rawxml-link')",
    ),
    Case(
        t.APIM_SERVICE_POLICY,
        "value",
        policy_xml('<set-query-parameter name="API-Key" exists-action="append"><value>k</value></set-query-parameter>'),
        "azurenative-apimanagement-policy-no-backend-keys",
        '(<set-query-parameter name="API-Key">)',
    ),
    Case(
        t.APIM_BACKEND,
        "credentials.header",
        {"api-key": ["{{openai-key}}"]},
        "azurenative-apimanagement-backend-no-api-key",
        "[MOD-4] API Management backend 'res' sends a key to its backend (credentials.header has 'api-key')",
    ),
    Case(
        t.APIM_BACKEND,
        "credentials.query",
        {"Api-Key": ["k"]},
        "azurenative-apimanagement-backend-no-api-key",
        "credentials.query has 'Api-Key'",
    ),
    # ACC-5 (resource part)
    Case(
        t.ROLE_ASSIGNMENT,
        "roleDefinitionId",
        role_definition(OWNER),
        "azurenative-authorization-roleassignment-least-privilege",
        "[ACC-5] Role assignment 'res' grants 'Owner' to a workload identity (principalType ServicePrincipal): workload identities never get Owner",
    ),
    Case(
        t.ROLE_ASSIGNMENT,
        "roleDefinitionId",
        CS_CONTRIBUTOR.upper(),
        "azurenative-authorization-roleassignment-least-privilege",
        "grants 'Cognitive Services Contributor' to a workload identity (principalType ServicePrincipal), which is not on the workload role allow-list",
    ),
    Case(
        t.ROLE_ASSIGNMENT,
        "scope",
        "/subscriptions/sub/resourceGroups/rg",
        "azurenative-authorization-roleassignment-least-privilege",
        "a role at resource group scope ('/subscriptions/sub/resourceGroups/rg')",
    ),
    Case(
        t.ROLE_ASSIGNMENT,
        "scope",
        "/subscriptions/sub/",
        "azurenative-authorization-roleassignment-least-privilege",
        "a role at subscription scope",
    ),
    Case(
        t.ROLE_ASSIGNMENT,
        "scope",
        "/providers/Microsoft.Management/managementGroups/corp",
        "azurenative-authorization-roleassignment-least-privilege",
        "a role at management group scope",
    ),
    # ACC-3
    Case(
        t.PIM_ELIGIBILITY,
        "scheduleInfo.expiration.type",
        "NoExpiration",
        "azurenative-authorization-pimroleeligibilityschedule-expiration",
        "[ACC-3] PIM role eligibility schedule 'res' makes the role eligible forever (scheduleInfo.expiration.type is 'NoExpiration'): set scheduleInfo.expiration.type = 'AfterDuration'",
    ),
    Case(
        t.PIM_ELIGIBILITY,
        "scheduleInfo",
        DELETE,
        "azurenative-authorization-pimroleeligibilityschedule-expiration",
        "scheduleInfo.expiration.type is not set",
    ),
    Case(
        t.ROLE_ASSIGNMENT,
        "roleDefinitionId",
        role_definition(CS_CONTRIBUTOR),
        "azurenative-authorization-roleassignment-no-permanent-admin",
        "[ACC-3] Role assignment 'res' permanently grants the administrative role 'Cognitive Services Contributor' to a group: make it PIM-eligible instead",
        base="group-role",
    ),
    Case(
        t.ROLE_ASSIGNMENT,
        "roleDefinitionId",
        OWNER,
        "azurenative-authorization-roleassignment-no-permanent-admin",
        "the administrative role 'Owner'",
        base="group-role",
    ),
    Case(
        t.CONDITIONAL_ACCESS_POLICY,
        "conditions.users.excludedUsers",
        [],
        "azuread-conditionalaccesspolicy-break-glass-excluded",
        "[ACC-3] Conditional Access policy 'res' is enforced (state 'enabled') but excludes no user or group: add the emergency-access (break-glass) accounts",
    ),
    Case(
        t.CONDITIONAL_ACCESS_POLICY,
        "state",
        "enabled",
        "azuread-conditionalaccesspolicy-break-glass-excluded",
        "excludes no user or group",
        base="report-only-ca",
    ),
    # DATA-1
    Case(
        t.STORAGE_ACCOUNT,
        "tags.data-boundary",
        "secret",
        "azurenative-storage-storageaccount-boundary-tag",
        "[DATA-1] Storage account 'res' declares no valid data boundary (tags.data-boundary is 'secret'): set tags['data-boundary'] to one of internal, customer, public",
    ),
    Case(t.SEARCH_SERVICE, "tags", DELETE, "azurenative-search-service-boundary-tag", "tags.data-boundary is not set"),
    Case(
        t.COSMOS_ACCOUNT, "tags.data-boundary", "", "azurenative-cosmosdb-databaseaccount-boundary-tag", "declares no valid data boundary"
    ),
    Case(
        t.USER_ASSIGNED_IDENTITY,
        "tags.data-boundary",
        DELETE,
        "azurenative-managedidentity-userassignedidentity-boundary-tag",
        "[DATA-1] User-assigned identity 'res' declares no valid data boundary",
    ),
    # DATA-5 (resource part), DATA-7
    Case(
        t.KEY_VAULT,
        "properties.enablePurgeProtection",
        DELETE,
        "azurenative-keyvault-vault-purge-protection",
        "[DATA-5, DATA-7] Key Vault 'res' lets deleted vaults and secrets be purged during their retention (properties.enablePurgeProtection is not set): set properties.enablePurgeProtection = true",
    ),
    Case(t.KEY_VAULT, "properties.enableSoftDelete", False, "azurenative-keyvault-vault-purge-protection", "disables soft delete"),
    Case(
        t.KEY_VAULT,
        "properties.enableRbacAuthorization",
        DELETE,
        "azurenative-keyvault-vault-rbac-authorization",
        "[DATA-7] Key Vault 'res' authorizes data access with access policies (properties.enableRbacAuthorization is not set): set properties.enableRbacAuthorization = true",
    ),
    Case(
        t.BLOB_SERVICE,
        "isVersioningEnabled",
        False,
        "azurenative-storage-blobserviceproperties-soft-delete-versioning",
        "[DATA-5] Blob service 'res' keeps no previous blob versions (isVersioningEnabled is false)",
    ),
    Case(
        t.BLOB_SERVICE,
        "deleteRetentionPolicy.enabled",
        False,
        "azurenative-storage-blobserviceproperties-soft-delete-versioning",
        "does not soft-delete blobs",
    ),
    Case(
        t.BLOB_SERVICE,
        "containerDeleteRetentionPolicy",
        DELETE,
        "azurenative-storage-blobserviceproperties-soft-delete-versioning",
        "does not soft-delete containers",
    ),
    Case(
        t.BLOB_SERVICE,
        "deleteRetentionPolicy.allowPermanentDelete",
        True,
        "azurenative-storage-blobserviceproperties-soft-delete-versioning",
        "allows permanent deletion of soft-deleted blobs",
    ),
    # DATA-6
    Case(
        t.STORAGE_ACCOUNT,
        "allowBlobPublicAccess",
        True,
        "azurenative-storage-storageaccount-hardening",
        "[DATA-6] Storage account 'res' allows anonymous (public) blob access (allowBlobPublicAccess is true)",
    ),
    Case(
        t.STORAGE_ACCOUNT,
        "allowCrossTenantReplication",
        True,
        "azurenative-storage-storageaccount-hardening",
        "allows object replication to other Entra tenants",
    ),
    Case(
        t.STORAGE_ACCOUNT,
        "encryption.requireInfrastructureEncryption",
        DELETE,
        "azurenative-storage-storageaccount-infrastructure-encryption",
        "does not use infrastructure (double) encryption",
    ),
    # EXEC-1
    Case(
        t.SESSION_POOL,
        "poolManagementType",
        "Manual",
        "azurenative-app-containerappssessionpool-isolated-sessions",
        "[EXEC-1] Container Apps session pool 'res' is not a dynamic session pool",
    ),
    Case(
        t.SESSION_POOL,
        "sessionNetworkConfiguration.status",
        "EgressEnabled",
        "azurenative-app-containerappssessionpool-isolated-sessions",
        "lets sessions reach the network",
    ),
    Case(
        t.SESSION_POOL,
        "sessionNetworkConfiguration",
        DELETE,
        "azurenative-app-containerappssessionpool-isolated-sessions",
        "sessionNetworkConfiguration.status is not set",
    ),
    Case(
        t.SESSION_POOL,
        "dynamicPoolConfiguration.lifecycleConfiguration.lifecycleType",
        "OnContainerExit",
        "azurenative-app-containerappssessionpool-isolated-sessions",
        "does not destroy idle sessions after a cooldown",
    ),
    # EXEC-3
    Case(
        t.SESSION_POOL,
        "scaleConfiguration.maxConcurrentSessions",
        600,
        "azurenative-app-containerappssessionpool-resource-limits",
        "[EXEC-3] Container Apps session pool 'res' sets the concurrent-session cap to 600 (scaleConfiguration.maxConcurrentSessions), outside 1..100",
    ),
    Case(
        t.SESSION_POOL,
        "scaleConfiguration",
        DELETE,
        "azurenative-app-containerappssessionpool-resource-limits",
        "does not set the concurrent-session cap (scaleConfiguration.maxConcurrentSessions is not set): set scaleConfiguration.maxConcurrentSessions within 1..100",
    ),
    Case(
        t.SESSION_POOL,
        "dynamicPoolConfiguration.lifecycleConfiguration.cooldownPeriodInSeconds",
        60,
        "azurenative-app-containerappssessionpool-resource-limits",
        "sets the idle cooldown in seconds to 60",
    ),
    Case(
        t.SESSION_POOL,
        "dynamicPoolConfiguration.lifecycleConfiguration.cooldownPeriodInSeconds",
        DELETE,
        "azurenative-app-containerappssessionpool-resource-limits",
        "cooldownPeriodInSeconds is not set",
    ),
    Case(
        t.SESSION_POOL,
        "customContainerTemplate.containers.0.resources.cpu",
        8,
        "azurenative-app-containerappssessionpool-resource-limits",
        "sets the CPU cores of a session to 8",
    ),
    Case(
        t.SESSION_POOL,
        "customContainerTemplate.containers.0.resources.memory",
        "64Gi",
        "azurenative-app-containerappssessionpool-resource-limits",
        "resources.memory to '64Gi': declare the memory of each session (e.g. '2Gi'), at most 4Gi",
    ),
    Case(
        t.SESSION_POOL,
        "customContainerTemplate.containers.0.resources",
        DELETE,
        "azurenative-app-containerappssessionpool-resource-limits",
        "resources.cpu is not set",
    ),
    # Anchor rule sets (docs/COVERAGE.md): AI platform resources
    Case(
        t.ML_COMPUTE,
        "properties.disableLocalAuth",
        False,
        _ML_LOCAL,
        "[ACC-1] Machine Learning compute 'res' allows local (key, password) authentication (properties.disableLocalAuth is false): set properties.disableLocalAuth = true",
    ),
    Case(t.ML_COMPUTE, "properties.disableLocalAuth", DELETE, _ML_LOCAL, "properties.disableLocalAuth is not set"),
    Case(t.ML_COMPUTE, "properties.disableLocalAuth", "true", _ML_LOCAL, 'properties.disableLocalAuth is "true" (a string)'),
    Case(
        t.ML_COMPUTE,
        "properties.properties.enableNodePublicIp",
        True,
        _ML_NET,
        "[ACC-7] Machine Learning compute 'res' gives its nodes public IP addresses (the SDK default for AmlCompute is true) "
        "(properties.properties.enableNodePublicIp is true): set properties.properties.enableNodePublicIp = false",
    ),
    Case(t.ML_COMPUTE, "properties.properties.enableNodePublicIp", DELETE, _ML_NET, "properties.properties.enableNodePublicIp is not set"),
    Case(
        t.ML_COMPUTE,
        "properties.properties.remoteLoginPortPublicAccess",
        "NotSpecified",
        _ML_NET,
        "may open a public SSH port on its nodes (properties.properties.remoteLoginPortPublicAccess is 'NotSpecified')",
    ),
    Case(t.ML_COMPUTE, "properties.properties.enableNodePublicIp", True, _ML_NET, "enableNodePublicIp is true", base="odd-compute-type"),
    Case(
        t.ML_ONLINE_ENDPOINT,
        "properties.authMode",
        "Key",
        "azurenative-machinelearningservices-onlineendpoint-entra-auth",
        "[ACC-1] Machine Learning online endpoint 'res' accepts static keys (properties.authMode is 'Key'): set properties.authMode = 'AADToken'",
    ),
    Case(
        t.ML_ONLINE_ENDPOINT,
        "properties.publicNetworkAccess",
        "Enabled",
        "azurenative-machinelearningservices-onlineendpoint-disable-public-network-access",
        "[ACC-7] Machine Learning online endpoint 'res' allows public network access (properties.publicNetworkAccess is 'Enabled')",
    ),
    Case(
        t.ML_ONLINE_ENDPOINT,
        "properties.publicNetworkAccess",
        DELETE,
        "azurenative-machinelearningservices-onlineendpoint-disable-public-network-access",
        "properties.publicNetworkAccess is not set",
    ),
    Case(
        t.ML_SERVERLESS_ENDPOINT,
        "properties.authMode",
        "KeyAndAAD",
        "azurenative-machinelearningservices-serverlessendpoint-entra-auth",
        "accepts static keys (properties.authMode is 'KeyAndAAD')",
    ),
    Case(
        t.ML_ONLINE_DEPLOYMENT,
        "properties.model",
        "azureml://registries/community-uploads/models/Phi-4/versions/7",
        _ML_MODEL,
        "[MOD-3] Machine Learning online deployment 'res' deploys a model outside the allow-list (properties.model is "
        "'azureml://registries/community-uploads/models/Phi-4/versions/7'; allowed: azureml://registries/azureml/models/*/versions/*)",
    ),
    Case(
        t.ML_ONLINE_DEPLOYMENT,
        "properties.model",
        "azureml://registries/azureml/models/Phi-4/labels/latest",
        _ML_MODEL,
        "outside the allow-list",
    ),
    Case(
        t.ML_ONLINE_DEPLOYMENT,
        "properties.model",
        "azureml://registries/azureml/models/../../../community-uploads/models/x/versions/1",
        _ML_MODEL,
        "names its model with blanks, '..', a query or a fragment",
    ),
    Case(t.ML_ONLINE_DEPLOYMENT, "properties.model", " " + ML_MODEL, _ML_MODEL, "names its model with blanks"),
    Case(t.ML_ONLINE_DEPLOYMENT, "properties.model", DELETE, _ML_MODEL, "names no model (properties.model is not set)"),
    Case(
        t.ML_SERVERLESS_ENDPOINT,
        "properties.modelSettings.modelId",
        "azureml://registries/azureml-meta/models/Llama-3-8B/versions/1",
        "azurenative-machinelearningservices-serverlessendpoint-approved-model",
        "deploys a model outside the allow-list (properties.modelSettings.modelId is 'azureml://registries/azureml-meta/",
    ),
    Case(
        t.BOT,
        "properties.disableLocalAuth",
        DELETE,
        "azurenative-botservice-bot-disable-local-auth",
        "[ACC-1] Bot Service bot 'res' allows local (app secret) authentication (properties.disableLocalAuth is not set)",
    ),
    Case(
        t.BOT,
        "properties.publicNetworkAccess",
        "Enabled",
        _BOT_PNA,
        "[ACC-7] Bot Service bot 'res' allows public network access (properties.publicNetworkAccess is 'Enabled'): set properties.publicNetworkAccess = 'Disabled'",
    ),
    Case(t.BOT, "properties.publicNetworkAccess", "SecuredByPerimeter", _BOT_PNA, "properties.publicNetworkAccess is 'SecuredByPerimeter'"),
    Case(t.BOT, "properties.publicNetworkAccess", " disabled", _BOT_PNA, "allows public network access"),
    Case(t.BOT, "properties.publicNetworkAccess", DELETE, _BOT_PNA, "properties.publicNetworkAccess is not set"),
    Case(
        t.BOT,
        "properties.endpoint",
        "http://helpdesk.azurewebsites.net/api/messages",
        _BOT_HTTPS,
        "[RES-5] Bot Service bot 'res' has a messaging endpoint that is not an https:// URL (properties.endpoint is "
        "'http://helpdesk.azurewebsites.net/api/messages')",
    ),
    Case(t.BOT, "properties.endpoint", " https://helpdesk.azurewebsites.net/api/messages", _BOT_HTTPS, "not an https:// URL"),
    Case(t.BOT, "properties.endpoint", "https://", _BOT_HTTPS, "not an https:// URL"),
    Case(
        t.CONTAINER_APP,
        "configuration.ingress.external",
        True,
        _INGRESS,
        "[ACC-7] Container app 'res' accepts traffic from outside its environment from any address (external ingress with no IP restrictions)",
    ),
    Case(
        t.CONTAINER_APP,
        "configuration.ingress.ipSecurityRestrictions.0.action",
        "Deny",
        _INGRESS,
        "action is 'Deny'; a deny list admits every other address",
        base="external-app",
    ),
    Case(
        t.CONTAINER_APP,
        "configuration.ingress.ipSecurityRestrictions.0.action",
        "allow",
        _INGRESS,
        "action is \"allow\" (a string that is not exactly 'Allow')",
        base="external-app",
    ),
    Case(
        t.CONTAINER_APP,
        "configuration.ingress.ipSecurityRestrictions.0.ipAddressRange",
        "0.0.0.0/0",
        _INGRESS,
        "allows the whole internet",
        base="external-app",
    ),
    Case(
        t.CONTAINER_APP,
        "configuration.ingress.ipSecurityRestrictions.0.ipAddressRange",
        "::/0",
        _INGRESS,
        "allows the whole internet",
        base="external-app",
    ),
    Case(t.CONTAINER_APP, "configuration.ingress.ipSecurityRestrictions", [], _INGRESS, "from any address", base="external-app"),
    # Anchor rule sets: the gateway's own hardening
    Case(
        t.APIM_NAMED_VALUE,
        "keyVault",
        DELETE,
        _NAMED_VALUE,
        "[MOD-4, ACC-1] API Management named value 'res' keeps a secret in API Management instead of Key Vault (secret is true, keyVault.secretIdentifier is not set)",
    ),
    Case(t.APIM_NAMED_VALUE, "keyVault.secretIdentifier", "  ", _NAMED_VALUE, "instead of Key Vault"),
    Case(t.APIM_NAMED_VALUE, "secret", "true", _NAMED_VALUE, 'has a secret flag that is not a boolean (secret is "true" (a string)'),
    Case(
        t.APIM_NAMED_VALUE,
        "displayName",
        "OpenAI-Key",
        _NAMED_VALUE,
        "holds a credential in plain text (its name 'OpenAI-Key' marks a credential; secret is not set)",
        base="plain-named-value",
    ),
    Case(
        t.APIM_NAMED_VALUE,
        "namedValueId",
        "searchAdminKey",
        _NAMED_VALUE,
        "its name 'searchAdminKey' marks a credential",
        base="plain-named-value",
    ),
    Case(
        t.APIM_NAMED_VALUE,
        "value",
        "DefaultEndpointsProtocol=https;AccountName=a;AccountKey=bm90LWEta2V5",
        _NAMED_VALUE,
        "its value looks like a key or connection string",
        base="plain-named-value",
    ),
    Case(
        t.APIM_NAMED_VALUE,
        "value",
        "0123456789abcdef0123456789abcdef",
        _NAMED_VALUE,
        "its value looks like a key",
        base="plain-named-value",
    ),
    Case(
        t.APIM_BACKEND,
        "tls",
        {"validateCertificateChain": False, "validateCertificateName": True},
        _BACKEND_TLS,
        "[RES-5] API Management backend 'res' skips backend certificate validation (tls.validateCertificateChain is false)",
    ),
    Case(t.APIM_BACKEND, "tls", {"validateCertificateName": "false"}, _BACKEND_TLS, 'tls.validateCertificateName is "false" (a string)'),
    Case(
        t.APIM_BACKEND,
        "url",
        "http://aizone-ai.cognitiveservices.azure.com/openai",
        _BACKEND_TLS,
        "reaches its backend without TLS (url is 'http://aizone-ai.cognitiveservices.azure.com/openai'): use the backend's https:// URL",
    ),
    Case(t.APIM_BACKEND, "url", " HTTP://aizone-ai.cognitiveservices.azure.com/openai", _BACKEND_TLS, "reaches its backend without TLS"),
    Case(
        t.APIM_API_POLICY,
        "value",
        API_POLICY_XML.replace(
            "<outbound><base /></outbound>",
            '<outbound><set-header name="x-served-by" exists-action="override"><value>gw</value></set-header></outbound>',
        ),
        _BASE,
        "[MOD-4] API policy 'res' does not inherit the parent scope's policies in <outbound> (no <base /> on the section's unconditional path)",
    ),
    Case(
        t.APIM_API_POLICY,
        "value",
        API_POLICY_XML.replace(
            "<base />\n        <validate-azure-ad-token",
            '<return-response><set-status code="200" /></return-response><base />\n        <validate-azure-ad-token',
        ),
        _BASE,
        "policies in <inbound> (no <base />",
    ),
    Case(t.APIM_API_POLICY, "value", API_POLICY_XML.replace("<on-error><base /></on-error>", ""), _BASE, "policies in <on-error>"),
    Case(
        t.APIM_POLICY_FRAGMENT,
        "value",
        CORS_FRAGMENT.replace("https://chat.contoso.com", " * "),
        _CORS,
        "[MOD-4] API Management policy fragment 'res' lets any website call the API from a browser (<cors> with <origin>*</origin>)",
    ),
    Case(
        t.APIM_API_POLICY,
        "value",
        API_POLICY_XML.replace(
            "<base />\n        <validate",
            "<base />" + CORS_FRAGMENT.replace("https://chat.contoso.com", "*")[10:-11] + "\n        <validate",
            1,
        ),
        _CORS,
        "lets any website call the API from a browser",
    ),
    Case(
        t.APIM_SUBSCRIPTION,
        "scope",
        "/apis",
        "azurenative-apimanagement-subscription-scoped-to-api",
        "[ACC-5] API Management subscription 'res' is scoped to every API of the service (scope is '/apis'): scope it to one product",
    ),
    Case(
        t.APIM_SUBSCRIPTION,
        "scope",
        "/subscriptions/sub/resourceGroups/rg/providers/Microsoft.ApiManagement/service/apim/APIs/",
        "azurenative-apimanagement-subscription-scoped-to-api",
        "is scoped to every API of the service",
    ),
    Case(
        t.APIM_PRODUCT,
        "subscriptionRequired",
        False,
        "azurenative-apimanagement-product-subscription-required",
        "[MOD-4] API Management product 'res' lets anyone call its APIs without a subscription (subscriptionRequired is false)",
    ),
    Case(
        t.APIM_PRODUCT,
        "subscriptionRequired",
        "true",
        "azurenative-apimanagement-product-subscription-required",
        'subscriptionRequired is "true" (a string)',
    ),
    Case(
        t.APIM_PRODUCT,
        "productId",
        "Starter",
        _SAMPLE,
        "[MOD-4] API Management product 'res' is the sample product 'Starter' (productId is 'Starter')",
    ),
    Case(t.APIM_PRODUCT, "displayName", " Unlimited ", _SAMPLE, "is the sample product 'Unlimited' (displayName is ' Unlimited ')"),
    Case(
        t.APIM_API_POLICY,
        "value",
        API_POLICY_XML.replace(_AAD_TOKEN, _jwt('require-signed-tokens="false"')),
        "azurenative-apimanagement-policy-no-backend-keys",
        "validates tokens in a way that does not pin Entra ID (<validate-jwt> may accept unsigned tokens "
        '(require-signed-tokens="false"; leave it unset or "true"))',
    ),
    Case(
        t.APIM_API_POLICY,
        "value",
        API_POLICY_XML.replace(_AAD_TOKEN, _jwt('require-expiration-time=" False "')),
        "azurenative-apimanagement-policy-no-backend-keys",
        "may accept tokens that never expire",
    ),
    # Issue 20 item 2: policy fragments (included into API policies).
    Case(
        t.APIM_POLICY_FRAGMENT,
        "value",
        CORS_FRAGMENT.replace(
            "</fragment>", '<set-header name=" Api-Key " exists-action="override"><value>{{openai-key}}</value></set-header></fragment>'
        ),
        _FRAGMENT,
        "[MOD-4] API Management policy fragment 'res' sends a key (<set-header name=\"Api-Key\">): remove it",
    ),
    Case(
        t.APIM_POLICY_FRAGMENT,
        "value",
        CORS_FRAGMENT.replace("</fragment>", _jwt('require-signed-tokens="@(false)"') + "</fragment>"),
        _FRAGMENT,
        "validates tokens in a way that does not pin Entra ID (<validate-jwt> may accept unsigned tokens",
    ),
    Case(
        t.APIM_POLICY_FRAGMENT, "value", CORS_FRAGMENT.replace("</fragment>", ""), _FRAGMENT, "holds a fragment that is not well-formed XML"
    ),
    Case(t.APIM_POLICY_FRAGMENT, "value", DELETE, _FRAGMENT, "has no content (value is not set)"),
    Case(t.APIM_POLICY_FRAGMENT, "format", "RawXml", _FRAGMENT, "has an unknown format 'RawXml' (not exactly 'xml' or 'rawxml')"),
    # Managed-network outbound rules that open the whole internet (inline FQDN wildcards are the
    # workspace restrict-network-access policy's).
    Case(
        t.ML_WORKSPACE,
        "managedNetwork.outboundRules",
        {"web": {"type": "ServiceTag", "destination": {"serviceTag": "Internet", "protocol": "*", "portRanges": "*", "action": "Allow"}}},
        _OUTBOUND,
        "[ACC-7] Machine Learning workspace 'res' lets its managed network reach the whole internet "
        "(managedNetwork.outboundRules.web is a service-tag rule to 'Internet')",
    ),
    Case(
        t.ML_WORKSPACE,
        "managedNetwork.outboundRules",
        {"web": {"type": "ServiceTag", "destination": {"serviceTag": " internet ", "action": "allow"}}},
        _OUTBOUND,
        "a service-tag rule to ' internet '",
    ),
    Case(
        t.ML_NETWORK_RULE,
        "properties.destination",
        "*.pypi.org",
        _OUTBOUND,
        "[ACC-7] Machine Learning outbound rule 'res' lets its managed network reach the whole internet (properties is an FQDN "
        "rule to the wildcard or missing host '*.pypi.org')",
    ),
    Case(t.ML_NETWORK_RULE, "properties.destination", DELETE, _OUTBOUND, "the wildcard or missing host"),
    Case(
        t.ML_OUTBOUND_RULE,
        "properties.destination.addressPrefixes",
        ["10.0.0.0/8", "0.0.0.0/0"],
        _OUTBOUND,
        "a service-tag rule to address prefixes ['10.0.0.0/8', '0.0.0.0/0']",
    ),
    # Issue 20 item 2: RAI blocklists that only annotate.
    Case(
        t.RAI_POLICY,
        "properties.customBlocklists",
        [{"blocklistName": "competitors", "blocking": False, "source": "Prompt"}],
        _BLOCKLISTS,
        "[MOD-2a] RAI (content filter) policy 'res' applies blocklist 'competitors' without blocking "
        "(properties.customBlocklists[0].blocking is false): set blocking = true",
    ),
    Case(
        t.RAI_POLICY,
        "properties.customBlocklists",
        [{"blocklistName": "competitors", "blocking": "true", "source": "Completion"}],
        _BLOCKLISTS,
        'properties.customBlocklists[0].blocking is "true" (a string)',
    ),
    Case(
        t.RAI_POLICY,
        "properties.customBlocklists",
        [{"blocklistName": "competitors", "source": "Prompt"}],
        _BLOCKLISTS,
        "blocking is not set",
    ),
    Case(
        t.RAI_POLICY,
        "properties.customBlocklists",
        [{"blocklistName": " ", "blocking": True, "source": "Prompt"}],
        _BLOCKLISTS,
        "applies a blocklist without a name",
    ),
    # Issue 20 item 2: connections and datastores that carry credentials, Bing grounding.
    Case(
        t.COGNITIVE_ACCOUNT_CONNECTION,
        "properties.authType",
        "ApiKey",
        _CONNECTION,
        "[ACC-1] Foundry account connection 'res' stores a credential for its target (a key, secret, password or SAS) "
        "(properties.authType is 'ApiKey'): set properties.authType = 'AAD'",
    ),
    Case(t.COGNITIVE_ACCOUNT_CONNECTION, "properties.authType", "CustomKeys", _CONNECTION, "properties.authType is 'CustomKeys'"),
    Case(
        t.COGNITIVE_PROJECT_CONNECTION,
        "properties.authType",
        "AccountKey",
        _CONNECTION,
        "Foundry project connection 'res' stores a credential",
    ),
    Case(
        t.COGNITIVE_PROJECT_CONNECTION,
        "properties.authType",
        "aad",
        _CONNECTION,
        'properties.authType is "aad" (a string that is not exactly',
    ),
    Case(
        t.COGNITIVE_PROJECT_CONNECTION,
        "properties.category",
        "BingLLMSearch",
        _BING,
        "[ACC-7] Foundry project connection 'res' grounds agents with Bing web search (properties.category is 'BingLLMSearch')",
    ),
    Case(t.COGNITIVE_ACCOUNT_CONNECTION, "properties.category", " bing_llm_search", _BING, "grounds agents with Bing web search"),
    Case(
        t.ML_WORKSPACE_CONNECTION,
        "properties.authType",
        "PAT",
        "azurenative-machinelearningservices-workspaceconnection-entra-auth",
        "[ACC-1] Machine Learning workspace connection 'res' stores a credential for its target",
    ),
    Case(
        t.ML_DATASTORE,
        "properties.credentials",
        {"credentialsType": "AccountKey", "secrets": {"secretsType": "AccountKey", "key": "bm90LWEta2V5"}},
        _DATASTORE,
        "[ACC-1] Machine Learning datastore 'res' stores a credential for its storage (account key, SAS, certificate or client "
        "secret) (properties.credentials.credentialsType is 'AccountKey')",
    ),
    Case(t.ML_DATASTORE, "properties.credentials.credentialsType", "Sas", _DATASTORE, "credentialsType is 'Sas'"),
    Case(t.ML_DATASTORE, "properties.credentials", DELETE, _DATASTORE, "properties.credentials.credentialsType is not set"),
    # RES-6
    Case(
        POLICY_EXEMPTION,
        "expiresOn",
        DELETE,
        "azurenative-authorization-policyexemption-expires",
        "[RES-6] PolicyExemption 'res' has no expiresOn, so it never expires: set expiresOn",
    ),
    Case(
        POLICY_EXEMPTION,
        "expiresOn",
        "9999-12-31T23:59:59Z",
        "azurenative-authorization-policyexemption-expires",
        "expires on 9999-12-31, more than 366 days ahead",
    ),
)

COMPLIANT_VARIANTS: Final[tuple[Case, ...]] = (
    Case(t.KEY_VAULT, "properties.publicNetworkAccess", "disabled", None),
    Case(t.COGNITIVE_ACCOUNT, "kind", "OpenAI", None),
    Case(t.COGNITIVE_ACCOUNT, "identity", {"type": "SystemAssigned, UserAssigned", "userAssignedIdentities": [UAI_ID]}, None),
    Case(t.CONTAINER_REGISTRY, "adminUserEnabled", DELETE, None),
    Case(t.APIM_SERVICE, "publicNetworkAccess", "Disabled", None),
    Case(t.SESSION_POOL, "containerType", "PythonLTS", None),
    Case(t.COGNITIVE_DEPLOYMENT, "properties.model.format", "openai", None),
    Case(t.RAI_POLICY, f"{_FILTERS}.1.name", "Indirect Attack", None),
    Case(t.RAI_POLICY, f"{_FILTERS}.1.name", "IndirectAttack", None),
    Case(t.CONTAINER_APP, "template.initContainers", DELETE, None),
    Case(t.ML_ENVIRONMENT_VERSION, "properties.image", DELETE, None),
    Case(t.STORAGE_ACCOUNT, "minimumTlsVersion", "TLS1_3", None),
    # Cipher switches cannot be changed on v2 tiers: not setting them is no finding there.
    Case(t.APIM_SERVICE, "customProperties", DELETE, None, base="v2-gateway"),
    Case(t.APIM_SERVICE, "sku.name", "BasicV2", None, base="v2-gateway"),
    Case(t.APIM_SERVICE, "sku.name", "PremiumV2", None, base="v2-gateway"),
    # AI Search: API 2022-09-01 (azure-native v2) documents the lower-case spelling.
    Case(t.SEARCH_SERVICE, "publicNetworkAccess", "disabled", None),
    # Since 2026-02-03 Azure Storage refuses TLS below 1.2 on every account: unset is not a gap.
    Case(t.STORAGE_ACCOUNT, "minimumTlsVersion", DELETE, None),
    # Which sign-in the portal tries first is not a security control once shared keys are off.
    Case(t.STORAGE_ACCOUNT, "defaultToOAuthAuthentication", False, None),
    # With public network access Disabled, network rules are moot: no finding claims traffic passes them.
    Case(t.STORAGE_ACCOUNT, "networkRuleSet.defaultAction", "Allow", None),
    Case(t.COGNITIVE_ACCOUNT, "properties.networkAcls.defaultAction", "Allow", None),
    Case(t.COGNITIVE_ACCOUNT, "properties.networkAcls", DELETE, None),
    Case(t.STORAGE_ACCOUNT, "enableHttpsTrafficOnly", DELETE, None),
    Case(t.STORAGE_ACCOUNT, "allowCrossTenantReplication", DELETE, None),
    Case(t.APIM_SERVICE, "customProperties", {key: value for key, value in APIM_SECURITY.items() if ".Ciphers." in key}, None),
    Case(t.APIM_SERVICE, "customProperties", {key.lower(): value.lower() for key, value in APIM_SECURITY.items()}, None),
    Case(t.APIM_API, "protocols", ["https", "wss"], None),
    Case(t.APIM_API, "protocols", DELETE, None),
    Case(t.APIM_API_POLICY, "value", API_POLICY_XML.replace(" && context.Response != null", ""), None),
    Case(t.APIM_BACKEND, "credentials", DELETE, None),
    Case(t.CONTAINER_APP, "configuration", DELETE, None),
    Case(t.DEFENDER_PRICING, "pricingName", "VirtualMachines", None),
    Case(t.DEFENDER_PRICING, "pricingName", "ai", None),
    Case(t.KEY_VAULT, "properties.enableSoftDelete", DELETE, None),
    Case(t.USER_ASSIGNED_IDENTITY, "tags", {"aizone-inventory": "application"}, None),
    Case(t.SESSION_POOL, "customContainerTemplate.containers.0.resources.memory", "512Mi", None),
    Case(t.SESSION_POOL, "dynamicPoolConfiguration.lifecycleConfiguration.cooldownPeriodInSeconds", 3600, None),
    Case(t.ROLE_ASSIGNMENT, "roleDefinitionId", BLOB_READER.upper(), None),
    Case(
        t.ROLE_ASSIGNMENT,
        "scope",
        "/subscriptions/sub/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/data/blobServices/default/containers/docs",
        None,
    ),
    Case(t.PIM_ELIGIBILITY, "scheduleInfo.expiration", {"type": "AfterDateTime", "endDateTime": "2027-01-01T00:00:00Z"}, None),
    Case(t.CONDITIONAL_ACCESS_POLICY, "conditions.users", {"includedUsers": ["All"], "excludedGroups": ["break-glass-group"]}, None),
    # Anchor rule sets: secure defaults and spelling variants that stay compliant.
    Case(t.ML_COMPUTE, "properties.properties.remoteLoginPortPublicAccess", DELETE, None),
    Case(t.ML_COMPUTE, "properties.computeType", "Kubernetes", None),
    Case(t.ML_ONLINE_ENDPOINT, "properties.authMode", "AMLToken", None),
    Case(t.ML_ONLINE_DEPLOYMENT, "properties.model", "AZUREML://registries/AzureML/models/Phi-4/versions/7", None),
    Case(t.BOT, "properties.endpoint", "HTTPS://helpdesk.azurewebsites.net/api/messages", None),
    Case(
        t.CONTAINER_APP,
        "configuration.ingress.ipSecurityRestrictions",
        [{"name": "any", "ipAddressRange": "0.0.0.0/0", "action": "Allow"}],
        None,
    ),
    Case(t.APIM_NAMED_VALUE, "secret", False, None),
    Case(t.APIM_NAMED_VALUE, "value", "gpt-4o-2024-11-20", None, base="plain-named-value"),
    # A GUID (the gateway app's client id, a token audience) is an identifier, not a key.
    Case(t.APIM_NAMED_VALUE, "value", "6f1c2b9e-3d4a-4e5f-8a7b-9c0d1e2f3a4b", None, base="plain-named-value"),
    Case(t.APIM_BACKEND, "tls", {"validateCertificateChain": True, "validateCertificateName": True}, None),
    Case(t.APIM_BACKEND, "url", DELETE, None),
    Case(t.APIM_SUBSCRIPTION, "scope", "/apis/inference", None),
    Case(t.APIM_PRODUCT, "subscriptionRequired", DELETE, None),
    Case(t.APIM_PRODUCT, "displayName", "Starter kit for chat", None),
    Case(t.APIM_API_POLICY, "value", API_POLICY_XML.replace(_AAD_TOKEN, _jwt('require-signed-tokens="true"')), None),
    Case(t.COGNITIVE_PROJECT_CONNECTION, "properties.authType", "ManagedIdentity", None),
    Case(
        t.ML_WORKSPACE,
        "managedNetwork.outboundRules",
        {"storage": {"type": "ServiceTag", "destination": {"serviceTag": "Storage.WestEurope", "portRanges": "443", "action": "Allow"}}},
        None,
    ),
    Case(t.ML_OUTBOUND_RULE, "properties.destination", {"serviceTag": "Internet", "action": "Deny"}, None),
    Case(t.RAI_POLICY, "properties.customBlocklists", [{"blocklistName": "competitors", "blocking": True, "source": "Completion"}], None),
    Case(t.ML_WORKSPACE_CONNECTION, "properties.authType", "ProjectManagedIdentity", None),
    Case(
        t.APIM_POLICY_FRAGMENT,
        "value",
        CORS_FRAGMENT.replace("https://chat.contoso.com", '@(context.Request.Headers.GetValueOrDefault("Origin", ""))'),
        None,
    ),
)
"""Changes that must keep a resource compliant (case-insensitive enums, spelling variants,
absent properties whose service default is secure)."""


POLICY_CONTROLS: Final[Mapping[str, tuple[str, ...]]] = {spec.name: spec.controls for spec in ALL_SPECS}


def controls_mark(*policies: str | None) -> Any:
    """`pytest.mark.controls` with the control ids of the given policies (for traceability)."""
    ids = dict.fromkeys(control for policy in policies if policy for control in POLICY_CONTROLS[policy])
    return pytest.mark.controls(*ids)


def type_controls_mark(type_token: str) -> Any:
    """`pytest.mark.controls` with the controls of every resource policy judging `type_token`."""
    return controls_mark(*(spec.name for spec in ALL_SPECS if isinstance(spec, ResourcePolicySpec) and type_token in spec.resource_types))


def case_params(cases: Sequence[Case]) -> list[Any]:
    """pytest params of resource cases, each marked with its policy's (or type's) controls."""
    return [
        pytest.param(case, id=case.id, marks=controls_mark(case.policy) if case.policy else type_controls_mark(case.type)) for case in cases
    ]


STACK_BOUND: Final[frozenset[str]] = frozenset(spec.name for spec in ALL_SPECS if isinstance(spec, ResourcePolicySpec) and spec.stack_bound)
"""Resource policies the pack runs once the whole stack is known (AnalyzeStack)."""


def judge(analyzer: PackAnalyzer, type_token: str, props: Mapping[str, Any], name: str = "res") -> list[Diagnostic]:
    """Everything the pack says about one resource on its own: `Analyze`, plus the stack-bound
    resource policies, which judge it in `AnalyzeStack` (here a stack of that one resource)."""
    analyzed = analyzer.analyze(type_token, props, name)  # first, as the engine does (it records inline templates)
    alone = analyzer.analyze_stack([StackItem(type=type_token, name=name, props=props)])
    return analyzed + [item for item in alone if item.policy in STACK_BOUND]


def diagnostics_of(diagnostics: Sequence[Diagnostic], policy: str | None = None, level: str | None = None) -> list[Diagnostic]:
    """Diagnostics filtered by policy name and level."""
    return [item for item in diagnostics if (policy is None or item.policy == policy) and (level is None or item.level == level)]


# --- The stack baseline ----------------------------------------------------------------------------

_PROVIDER_PATHS: Final[Mapping[str, str]] = {
    t.COGNITIVE_ACCOUNT: "Microsoft.CognitiveServices/accounts",
    t.SEARCH_SERVICE: "Microsoft.Search/searchServices",
    t.STORAGE_ACCOUNT: "Microsoft.Storage/storageAccounts",
    t.KEY_VAULT: "Microsoft.KeyVault/vaults",
    t.APIM_SERVICE: "Microsoft.ApiManagement/service",
    t.PURVIEW_ACCOUNT: "Microsoft.Purview/accounts",
    t.CONTAINER_REGISTRY: "Microsoft.ContainerRegistry/registries",
    t.ML_WORKSPACE: "Microsoft.MachineLearningServices/workspaces",
    t.COSMOS_ACCOUNT: "Microsoft.DocumentDB/databaseAccounts",
    t.MANAGED_ENVIRONMENT: "Microsoft.App/managedEnvironments",
    t.LOG_ANALYTICS_WORKSPACE: "Microsoft.OperationalInsights/workspaces",
    t.PRIVATE_ENDPOINT: "Microsoft.Network/privateEndpoints",
    t.USER_ASSIGNED_IDENTITY: "Microsoft.ManagedIdentity/userAssignedIdentities",
    t.SESSION_POOL: "Microsoft.App/sessionPools",
    t.ACTION_GROUP: "Microsoft.Insights/actionGroups",
    t.METRIC_ALERT: "Microsoft.Insights/metricAlerts",
    t.DEFENDER_PRICING: "Microsoft.Security/pricings",
    t.BOT: "Microsoft.BotService/botServices",
}

# name, type, private-link group id (None: private without an endpoint)
STACK_TARGETS: Final[tuple[tuple[str, str, str | None], ...]] = (
    ("ai", t.COGNITIVE_ACCOUNT, "account"),
    ("search", t.SEARCH_SERVICE, "searchService"),
    ("data", t.STORAGE_ACCOUNT, "blob"),
    ("kv", t.KEY_VAULT, "vault"),
    ("apim", t.APIM_SERVICE, None),
    ("purview", t.PURVIEW_ACCOUNT, "account"),
    ("acr", t.CONTAINER_REGISTRY, "registry"),
    ("mlw", t.ML_WORKSPACE, "amlworkspace"),
    ("cosmos", t.COSMOS_ACCOUNT, "Sql"),
    ("env", t.MANAGED_ENVIRONMENT, None),
)

ZONES: Final[Mapping[str, str]] = {
    "account": "privatelink.cognitiveservices.azure.com",
    "searchService": "privatelink.search.windows.net",
    "blob": "privatelink.blob.core.windows.net",
    "vault": "privatelink.vaultcore.azure.net",
    "registry": "privatelink.azurecr.io",
    "amlworkspace": "privatelink.api.azureml.ms",
    "Sql": "privatelink.documents.azure.com",
    "managedEnvironments": "privatelink.westeurope.azurecontainerapps.io",
}
PURVIEW_ZONE = "privatelink.purview.azure.com"
PRINCIPAL_ID = "11111111-1111-1111-1111-111111111111"
APIM_PRINCIPAL_ID = "33333333-3333-3333-3333-333333333333"
RESOURCE_GROUP_ID = "/subscriptions/sub/resourceGroups/rg"
PURVIEW_PRINCIPAL_ID = "44444444-4444-4444-4444-444444444444"
# Data-bearing resources (DATA-5): created protected and locked in the baseline stack.
DATA_BEARING: Final[frozenset[str]] = frozenset({t.STORAGE_ACCOUNT, t.KEY_VAULT, t.PURVIEW_ACCOUNT, t.SEARCH_SERVICE, t.COSMOS_ACCOUNT})
# Defender plans of the baseline stack besides the AI plan of BASELINES (MOD-1).
DEFENDER_PLANS: Final[Mapping[str, Mapping[str, Any]]] = {
    "StorageAccounts": VARIANTS["storage-plan"],
    "KeyVaults": {"pricingName": "KeyVaults", "pricingTier": "Standard", "scopeId": "subscriptions/sub", "subPlan": "PerKeyVault"},
    "Api": {"pricingName": "Api", "pricingTier": "Standard", "scopeId": "subscriptions/sub", "subPlan": "P1"},
}


def arm_id(type_token: str, name: str) -> str:
    """Deterministic ARM id of a test resource."""
    return f"/subscriptions/sub/resourceGroups/rg/providers/{_PROVIDER_PATHS[type_token]}/{name}"


def zone_id(zone: str) -> str:
    return f"/subscriptions/hub/resourceGroups/dns/providers/Microsoft.Network/privateDnsZones/{zone}"


class StackBuilder:
    """Builds the compliant baseline stack in preview or deployed shape."""

    def __init__(self, preview: bool) -> None:
        self.preview = preview
        self.items: list[StackItem] = []

    def id_of(self, type_token: str, name: str) -> str:
        return UNKNOWN_VALUE if self.preview else arm_id(type_token, name)

    def add(self, type_token: str, name: str, props: Mapping[str, Any], **links: Any) -> str:
        item_props = dict(props)
        if type_token in _PROVIDER_PATHS:
            item_props["id"] = self.id_of(type_token, name)
        self.items.append(StackItem(type=type_token, name=name, props=item_props, **links))
        return urn_for(type_token, name)

    def link(self, prop: str, urns: Sequence[str], value: str) -> tuple[str, dict[str, Any]]:
        """(value to put in `prop`, StackItem link kwargs): a property dependency in preview
        shape (value unknown), the plain id in deployed shape."""
        if self.preview:
            return UNKNOWN_VALUE, {"property_dependencies": {prop: list(urns)}, "dependencies": list(urns)}
        return value, {}

    def diagnostic_setting(self, name: str, target_urn: str, target_uri: str) -> None:
        uri, links = self.link("resourceUri", [target_urn], target_uri)
        props: dict[str, Any] = {
            "workspaceId": self.id_of(t.LOG_ANALYTICS_WORKSPACE, "law"),
            "logs": [{"categoryGroup": "allLogs", "enabled": True}],
            "metrics": [{"category": "AllMetrics", "enabled": True}],
        }
        if self.preview:
            props["resourceUri"] = uri
        else:
            props["id"] = f"{target_uri}/providers/Microsoft.Insights/diagnosticSettings/{name}"
        self.add(t.DIAGNOSTIC_SETTING, name, props, **links)

    def private_endpoint(self, name: str, target_urn: str, target_id: str, group: str, zone: str) -> None:
        service_id, links = self.link("privateLinkServiceConnections", [target_urn], target_id)
        props = {
            "subnet": {"id": SUBNET},
            "privateLinkServiceConnections": [{"name": name, "privateLinkServiceId": service_id, "groupIds": [group]}],
        }
        endpoint_urn = self.add(t.PRIVATE_ENDPOINT, name, props, **links)
        endpoint_id = arm_id(t.PRIVATE_ENDPOINT, name)
        zone_props: dict[str, Any] = {"privateDnsZoneConfigs": [{"name": "zone", "privateDnsZoneId": zone_id(zone)}]}
        if self.preview:
            zone_props["privateEndpointName"] = UNKNOWN_VALUE
            zone_links: dict[str, Any] = {"property_dependencies": {"privateEndpointName": [endpoint_urn]}, "dependencies": [endpoint_urn]}
        else:
            zone_props["id"] = f"{endpoint_id}/privateDnsZoneGroups/default"
            zone_links = {}
        self.add(t.PRIVATE_DNS_ZONE_GROUP, f"{name}-dns", zone_props, **zone_links)

    def build(self) -> list[StackItem]:
        self.add(t.LOG_ANALYTICS_WORKSPACE, "law", BASELINES[t.LOG_ANALYTICS_WORKSPACE])
        for name, type_token, group in STACK_TARGETS:
            urn = self.add(type_token, name, self._target_props(type_token), protect=type_token in DATA_BEARING)
            if type_token in DATA_BEARING:
                self.lock(f"{name}-lock", urn, arm_id(type_token, name))
            if type_token == t.STORAGE_ACCOUNT:
                self._storage_logging(name, urn)
            else:
                self.diagnostic_setting(f"{name}-diag", urn, arm_id(type_token, name))
            if group is not None:
                zone = PURVIEW_ZONE if type_token == t.PURVIEW_ACCOUNT else ZONES[group]
                self.private_endpoint(f"{name}-pe", urn, arm_id(type_token, name), group, zone)
        self._models()
        self._identity()
        self._defender()
        self._alerts()
        self._gateway()
        self._data_access()
        self._sessions()
        return self.items

    def _target_props(self, type_token: str) -> dict[str, Any]:
        """A target's props; deployed identities carry their principal ids (outputs)."""
        principals = {t.APIM_SERVICE: APIM_PRINCIPAL_ID, t.PURVIEW_ACCOUNT: PURVIEW_PRINCIPAL_ID}
        props = dict(BASELINES[type_token])
        if type_token in principals and not self.preview:
            props = changed(props, "identity.principalId", principals[type_token])
        return props

    def lock(self, name: str, target_urn: str, target_id: str) -> None:
        """A CanNotDelete lock by scope on a resource (DATA-5)."""
        scope, links = self.link("scope", [target_urn], target_id)
        props: dict[str, Any] = {"level": "CanNotDelete", "lockName": "do-not-delete"}
        if self.preview:
            props["scope"] = scope
        else:
            props["id"] = f"{target_id}/providers/Microsoft.Authorization/locks/do-not-delete"
        self.add(t.LOCK_BY_SCOPE, name, props, **links)

    def role(self, name: str, role_id: str, principal: tuple[str, str], scope: tuple[str, str]) -> None:
        """A ServicePrincipal role assignment wired from (principal URN, principal id) to (scope
        URN, scope id)."""
        principal_value, principal_links = self.link("principalId", [principal[0]], principal[1])
        scope_value, scope_links = self.link("scope", [scope[0]], scope[1])
        links = {
            "property_dependencies": {**principal_links.get("property_dependencies", {}), **scope_links.get("property_dependencies", {})},
            "dependencies": [*principal_links.get("dependencies", []), *scope_links.get("dependencies", [])],
        }
        props = {
            "principalId": principal_value,
            "principalType": "ServicePrincipal",
            "roleDefinitionId": role_definition(role_id),
            "scope": scope_value,
        }
        self.add(t.ROLE_ASSIGNMENT, name, props, **links)

    def _defender(self) -> None:
        """The four Defender plans MOD-1 requires for this stack's resources."""
        self.add(t.DEFENDER_PRICING, "defender-ai", BASELINES[t.DEFENDER_PRICING])
        for plan, props in DEFENDER_PLANS.items():
            self.add(t.DEFENDER_PRICING, f"defender-{plan.lower()}", props)

    def alert(self, name: str, target_urn: str, target_id: str, group: tuple[str, str]) -> None:
        """A metric alert scoped to a resource and routed to an action group."""
        if self.preview:
            props: dict[str, Any] = {"scopes": UNKNOWN_VALUE, "actions": [{"actionGroupId": UNKNOWN_VALUE}]}
            links: dict[str, Any] = {
                "property_dependencies": {"scopes": [target_urn], "actions": [group[0]]},
                "dependencies": [target_urn, group[0]],
            }
        else:
            props, links = {"scopes": [target_id], "actions": [{"actionGroupId": group[1]}]}, {}
        self.add(t.METRIC_ALERT, name, {"enabled": True, "severity": 2, **props}, **links)

    def _alerts(self) -> None:
        """An action group and an alert on the AI account (MOD-2b)."""
        group_urn = self.add(t.ACTION_GROUP, "ag", {"groupShortName": "aizone", "enabled": True})
        group = (group_urn, arm_id(t.ACTION_GROUP, "ag"))
        self.alert("ai-alert", urn_for(t.COGNITIVE_ACCOUNT, "ai"), arm_id(t.COGNITIVE_ACCOUNT, "ai"), group)

    def _gateway(self) -> None:
        """An API with its policy behind the API Management service, and the gateway's inference
        role on the AI account (MOD-4)."""
        apim_urn, apim_id = urn_for(t.APIM_SERVICE, "apim"), arm_id(t.APIM_SERVICE, "apim")
        api_id = f"{apim_id}/apis/inference"
        if self.preview:
            api_props = changed(BASELINES[t.APIM_API], "serviceName", UNKNOWN_VALUE)
            api_urn = self.add(
                t.APIM_API, "inference", api_props, property_dependencies={"serviceName": [apim_urn]}, dependencies=[apim_urn]
            )
            policy_props = changed(BASELINES[t.APIM_API_POLICY], "apiId", UNKNOWN_VALUE)
            self.add(
                t.APIM_API_POLICY, "inference-policy", policy_props, property_dependencies={"apiId": [api_urn]}, dependencies=[api_urn]
            )
        else:
            api = {key: value for key, value in BASELINES[t.APIM_API].items() if key not in ("apiId", "serviceName")}
            api_urn = self.add(t.APIM_API, "inference", {**api, "id": api_id, "name": "inference"})
            policy = {key: value for key, value in BASELINES[t.APIM_API_POLICY].items() if key not in ("apiId", "serviceName", "policyId")}
            self.add(t.APIM_API_POLICY, "inference-policy", {**policy, "id": f"{api_id}/policies/policy"})
        ai = (urn_for(t.COGNITIVE_ACCOUNT, "ai"), arm_id(t.COGNITIVE_ACCOUNT, "ai"))
        self.role("apim-openai-user", OPENAI_USER, (apim_urn, APIM_PRINCIPAL_ID), ai)

    def _data_access(self) -> None:
        """The agent reads its boundary's storage; Purview reads it to classify (DATA-2/3/4)."""
        data = (urn_for(t.STORAGE_ACCOUNT, "data"), arm_id(t.STORAGE_ACCOUNT, "data") + "/blobServices/default/containers/docs")
        self.role("agent-data-reader", BLOB_READER, (urn_for(t.USER_ASSIGNED_IDENTITY, "agent"), PRINCIPAL_ID), data)
        self.role("purview-data-reader", BLOB_READER, (urn_for(t.PURVIEW_ACCOUNT, "purview"), PURVIEW_PRINCIPAL_ID), data)

    def _sessions(self) -> None:
        """A custom-container session pool in the environment, the agent's executor role on it
        and an alert on it (EXEC-1..4)."""
        env_urn, env_id = urn_for(t.MANAGED_ENVIRONMENT, "env"), arm_id(t.MANAGED_ENVIRONMENT, "env")
        environment, links = self.link("environmentId", [env_urn], env_id)
        pool_urn = self.add(t.SESSION_POOL, "pool", changed(BASELINES[t.SESSION_POOL], "environmentId", environment), **links)
        pool = (pool_urn, arm_id(t.SESSION_POOL, "pool"))
        self.role("agent-executor", SESSION_EXECUTOR, (urn_for(t.USER_ASSIGNED_IDENTITY, "agent"), PRINCIPAL_ID), pool)
        self.alert("pool-alert", pool_urn, pool[1], (urn_for(t.ACTION_GROUP, "ag"), arm_id(t.ACTION_GROUP, "ag")))

    def _storage_logging(self, name: str, account_urn: str) -> None:
        """Storage logs live on the blob service: a BlobServiceProperties resource in preview
        shape, the account id + /blobServices/default in deployed shape."""
        account_id = arm_id(t.STORAGE_ACCOUNT, name)
        if self.preview:
            blob_urn = self.add(
                t.BLOB_SERVICE,
                f"{name}-blob",
                {**BASELINES[t.BLOB_SERVICE], "accountName": UNKNOWN_VALUE, "id": UNKNOWN_VALUE},
                property_dependencies={"accountName": [account_urn]},
                dependencies=[account_urn],
            )
            self.diagnostic_setting(f"{name}-blob-diag", blob_urn, f"{account_id}/blobServices/default")
        else:
            blob = {key: value for key, value in BASELINES[t.BLOB_SERVICE].items() if key not in ("accountName", "blobServicesName")}
            self.add(t.BLOB_SERVICE, f"{name}-blob", {**blob, "id": f"{account_id}/blobServices/default"}, dependencies=[account_urn])
            self.diagnostic_setting(f"{name}-blob-diag", account_urn, f"{account_id}/blobServices/default")

    def _models(self) -> None:
        rai = dict(BASELINES[t.RAI_POLICY])
        deployment = dict(BASELINES[t.COGNITIVE_DEPLOYMENT])
        if self.preview:
            # A real preview knows neither the policy's name output nor path parameters.
            rai = {"name": UNKNOWN_VALUE, "properties": rai["properties"]}
            rai_urn = self.add(t.RAI_POLICY, "strict", rai)
            self.add(t.COGNITIVE_DEPLOYMENT, "chat", deployment, dependencies=[rai_urn, urn_for(t.COGNITIVE_ACCOUNT, "ai")])
        else:
            rai = {"name": "strict", "properties": rai["properties"]}
            self.add(t.RAI_POLICY, "strict", rai)
            self.add(t.COGNITIVE_DEPLOYMENT, "chat", {key: value for key, value in deployment.items() if key != "accountName"})

    def _identity(self) -> None:
        identity_props = {**BASELINES[t.USER_ASSIGNED_IDENTITY], "principalId": UNKNOWN_VALUE if self.preview else PRINCIPAL_ID}
        uai_urn = self.add(t.USER_ASSIGNED_IDENTITY, "agent", identity_props)
        principal, links = self.link("principalId", [uai_urn], PRINCIPAL_ID)
        self.add(t.ROLE_ASSIGNMENT, "agent-openai-user", changed(BASELINES[t.ROLE_ASSIGNMENT], "principalId", principal), **links)


def baseline_stack(preview: bool = True) -> list[StackItem]:
    """The compliant landing zone, as a preview (True) or a deployed stack (False) sees it."""
    return StackBuilder(preview).build()


def replace_item(items: Sequence[StackItem], name: str, **changes: Any) -> list[StackItem]:
    """The stack with the item `name` replaced by a copy with `changes` (StackItem fields)."""
    result: list[StackItem] = []
    for item in items:
        if item.name == name:
            fields = {
                "type": item.type,
                "name": item.name,
                "props": item.props,
                "parent": item.parent,
                "dependencies": item.dependencies,
                "property_dependencies": item.property_dependencies,
                "urn": item.urn,
                "protect": item.protect,
            }
            fields.update(changes)
            result.append(StackItem(**fields))
        else:
            result.append(item)
    return result


def without(items: Sequence[StackItem], *names: str) -> list[StackItem]:
    """The stack without the named items."""
    return [item for item in items if item.name not in names]


def item(items: Sequence[StackItem], name: str) -> StackItem:
    """The named item of a stack."""
    return next(candidate for candidate in items if candidate.name == name)
