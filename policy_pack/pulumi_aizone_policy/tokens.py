"""Resource type tokens the pack judges, with the labels used in violation messages.

Tokens are pulumi-azure-native v3 (`azure-native:<module>:<Resource>`), checked against the
installed SDK's `@pulumi.type_token(...)` decorators by the test suite. Older stacks built with
azure-native v2 may still carry the `insights` token for diagnostic settings; it is accepted too.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Final

COGNITIVE_ACCOUNT: Final = "azure-native:cognitiveservices:Account"
COGNITIVE_DEPLOYMENT: Final = "azure-native:cognitiveservices:Deployment"
RAI_POLICY: Final = "azure-native:cognitiveservices:RaiPolicy"
SEARCH_SERVICE: Final = "azure-native:search:Service"
LOG_ANALYTICS_WORKSPACE: Final = "azure-native:operationalinsights:Workspace"
STORAGE_ACCOUNT: Final = "azure-native:storage:StorageAccount"
STORAGE_LOCAL_USER: Final = "azure-native:storage:LocalUser"
STATIC_WEBSITE: Final = "azure-native:storage:StorageAccountStaticWebsite"
BLOB_SERVICE: Final = "azure-native:storage:BlobServiceProperties"
FILE_SERVICE: Final = "azure-native:storage:FileServiceProperties"
QUEUE_SERVICE: Final = "azure-native:storage:QueueServiceProperties"
TABLE_SERVICE: Final = "azure-native:storage:TableServiceProperties"
COSMOS_ACCOUNT: Final = "azure-native:cosmosdb:DatabaseAccount"
CONTAINER_REGISTRY: Final = "azure-native:containerregistry:Registry"
APP_CONFIGURATION: Final = "azure-native:appconfiguration:ConfigurationStore"
KEY_VAULT: Final = "azure-native:keyvault:Vault"
PURVIEW_ACCOUNT: Final = "azure-native:purview:Account"
ML_WORKSPACE: Final = "azure-native:machinelearningservices:Workspace"
ML_ENVIRONMENT_VERSION: Final = "azure-native:machinelearningservices:EnvironmentVersion"
APIM_SERVICE: Final = "azure-native:apimanagement:ApiManagementService"
MANAGED_ENVIRONMENT: Final = "azure-native:app:ManagedEnvironment"
SESSION_POOL: Final = "azure-native:app:ContainerAppsSessionPool"
CONTAINER_APP: Final = "azure-native:app:ContainerApp"
CONTAINER_APP_JOB: Final = "azure-native:app:Job"
ROLE_ASSIGNMENT: Final = "azure-native:authorization:RoleAssignment"
USER_ASSIGNED_IDENTITY: Final = "azure-native:managedidentity:UserAssignedIdentity"
DIAGNOSTIC_SETTING: Final = "azure-native:monitor:DiagnosticSetting"
DIAGNOSTIC_SETTING_V2: Final = "azure-native:insights:DiagnosticSetting"
PRIVATE_LINK_SCOPE: Final = "azure-native:monitor:PrivateLinkScope"
PRIVATE_ENDPOINT: Final = "azure-native:network:PrivateEndpoint"
PRIVATE_DNS_ZONE_GROUP: Final = "azure-native:network:PrivateDnsZoneGroup"
AZUREAD_GROUP: Final = "azuread:index/group:Group"
AZUREAD_USER: Final = "azuread:index/user:User"
AZUREAD_SERVICE_PRINCIPAL: Final = "azuread:index/servicePrincipal:ServicePrincipal"
CONDITIONAL_ACCESS_POLICY: Final = "azuread:index/conditionalAccessPolicy:ConditionalAccessPolicy"
COGNITIVE_PROJECT: Final = "azure-native:cognitiveservices:Project"
APIM_API: Final = "azure-native:apimanagement:Api"
APIM_API_POLICY: Final = "azure-native:apimanagement:ApiPolicy"
APIM_OPERATION_POLICY: Final = "azure-native:apimanagement:ApiOperationPolicy"
APIM_SERVICE_POLICY: Final = "azure-native:apimanagement:Policy"
APIM_PRODUCT_POLICY: Final = "azure-native:apimanagement:ProductPolicy"
APIM_BACKEND: Final = "azure-native:apimanagement:Backend"
DEFENDER_PRICING: Final = "azure-native:security:Pricing"
PIM_ELIGIBILITY: Final = "azure-native:authorization:PimRoleEligibilitySchedule"
LOCK_BY_SCOPE: Final = "azure-native:authorization:ManagementLockByScope"
LOCK_AT_RESOURCE: Final = "azure-native:authorization:ManagementLockAtResourceLevel"
LOCK_AT_RESOURCE_GROUP: Final = "azure-native:authorization:ManagementLockAtResourceGroupLevel"
LOCK_AT_SUBSCRIPTION: Final = "azure-native:authorization:ManagementLockAtSubscriptionLevel"
RESOURCE_GROUP: Final = "azure-native:resources:ResourceGroup"
METRIC_ALERT: Final = "azure-native:monitor:MetricAlert"
SCHEDULED_QUERY_RULE: Final = "azure-native:monitor:ScheduledQueryRule"
ACTION_GROUP: Final = "azure-native:monitor:ActionGroup"
ML_COMPUTE: Final = "azure-native:machinelearningservices:Compute"
ML_ONLINE_ENDPOINT: Final = "azure-native:machinelearningservices:OnlineEndpoint"
ML_ONLINE_DEPLOYMENT: Final = "azure-native:machinelearningservices:OnlineDeployment"
ML_SERVERLESS_ENDPOINT: Final = "azure-native:machinelearningservices:ServerlessEndpoint"
BOT: Final = "azure-native:botservice:Bot"
COGNITIVE_ACCOUNT_CONNECTION: Final = "azure-native:cognitiveservices:AccountConnection"
COGNITIVE_PROJECT_CONNECTION: Final = "azure-native:cognitiveservices:ProjectConnection"
ML_WORKSPACE_CONNECTION: Final = "azure-native:machinelearningservices:WorkspaceConnection"
ML_DATASTORE: Final = "azure-native:machinelearningservices:Datastore"
ML_NETWORK_RULE: Final = "azure-native:machinelearningservices:ManagedNetworkSettingsRule"
ML_OUTBOUND_RULE: Final = "azure-native:machinelearningservices:OutboundRule"
APIM_NAMED_VALUE: Final = "azure-native:apimanagement:NamedValue"
APIM_SUBSCRIPTION: Final = "azure-native:apimanagement:Subscription"
APIM_PRODUCT: Final = "azure-native:apimanagement:Product"
APIM_POLICY_FRAGMENT: Final = "azure-native:apimanagement:PolicyFragment"

# Classic provider (pulumi-azure 6.x, Terraform-bridged azurerm): `azure:<module>/<camelName>:<Resource>`,
# checked against the installed pulumi-azure SDK by the test suite like the azure-native ones.
AZ_COGNITIVE_ACCOUNT: Final = "azure:cognitive/account:Account"
AZ_AI_SERVICES: Final = "azure:cognitive/aIServices:AIServices"
AZ_COGNITIVE_DEPLOYMENT: Final = "azure:cognitive/deployment:Deployment"
AZ_STORAGE_ACCOUNT: Final = "azure:storage/account:Account"
AZ_STATIC_WEBSITE: Final = "azure:storage/accountStaticWebsite:AccountStaticWebsite"
AZ_KEY_VAULT: Final = "azure:keyvault/keyVault:KeyVault"
AZ_ROLE_ASSIGNMENT: Final = "azure:authorization/assignment:Assignment"
AZ_CONTAINER_REGISTRY: Final = "azure:containerservice/registry:Registry"
AZ_SEARCH_SERVICE: Final = "azure:search/service:Service"
AZ_APIM_SERVICE: Final = "azure:apimanagement/service:Service"
AZ_CONTAINER_APP: Final = "azure:containerapp/app:App"
AZ_LOG_ANALYTICS_WORKSPACE: Final = "azure:operationalinsights/analyticsWorkspace:AnalyticsWorkspace"
AZ_COSMOS_ACCOUNT: Final = "azure:cosmosdb/account:Account"
AZ_ML_WORKSPACE: Final = "azure:machinelearning/workspace:Workspace"
AZ_APP_CONFIGURATION: Final = "azure:appconfiguration/configurationStore:ConfigurationStore"
AZ_RAI_POLICY: Final = "azure:cognitive/accountRaiPolicy:AccountRaiPolicy"
AZ_DIAGNOSTIC_SETTING: Final = "azure:monitoring/diagnosticSetting:DiagnosticSetting"
AZ_PRIVATE_ENDPOINT: Final = "azure:privatelink/endpoint:Endpoint"
AZ_STORAGE_LOCAL_USER: Final = "azure:storage/localUser:LocalUser"
# DATA-8: customer-managed keys set on a classic account by a resource of their own.
AZ_COGNITIVE_CMK: Final = "azure:cognitive/accountCustomerManagedKey:AccountCustomerManagedKey"
AZ_STORAGE_CMK: Final = "azure:storage/customerManagedKey:CustomerManagedKey"
AZ_USER_ASSIGNED_IDENTITY: Final = "azure:authorization/userAssignedIdentity:UserAssignedIdentity"
AZ_MSI_USER_ASSIGNED_IDENTITY: Final = "azure:msi/userAssignedIdentity:UserAssignedIdentity"
AZ_PURVIEW_ACCOUNT: Final = "azure:purview/account:Account"
AZ_RESOURCE_GROUP: Final = "azure:core/resourceGroup:ResourceGroup"
# Management locks (`scope`, `lockLevel`): azure.management.Lock, and its deprecated alias
# azure.managementresource.ManangementLock (sic; the SDK's spelling) with the same arguments.
AZ_LOCK: Final = "azure:management/lock:Lock"
AZ_LOCK_DEPRECATED: Final = "azure:managementresource/manangementLock:ManangementLock"

# Storage service sub-resources: resource logs of a storage account live on these (the account
# itself only offers metrics). Key: type token; value: the ARM child path segment.
STORAGE_SERVICES: Final[Mapping[str, str]] = {
    BLOB_SERVICE: "blobServices",
    FILE_SERVICE: "fileServices",
    QUEUE_SERVICE: "queueServices",
    TABLE_SERVICE: "tableServices",
}

DIAGNOSTIC_SETTINGS: Final[frozenset[str]] = frozenset({DIAGNOSTIC_SETTING, DIAGNOSTIC_SETTING_V2})

# Management locks: by scope (any resource, group or subscription id) or at a fixed level.
MANAGEMENT_LOCKS: Final[tuple[str, ...]] = (LOCK_BY_SCOPE, LOCK_AT_RESOURCE, LOCK_AT_RESOURCE_GROUP, LOCK_AT_SUBSCRIPTION)
CLASSIC_MANAGEMENT_LOCKS: Final[tuple[str, ...]] = (AZ_LOCK, AZ_LOCK_DEPRECATED)
# Role assignments of both providers (rbac.py reads them through one normalised view).
ROLE_ASSIGNMENTS: Final[tuple[str, ...]] = (ROLE_ASSIGNMENT, AZ_ROLE_ASSIGNMENT)
ALERT_RULES: Final[tuple[str, ...]] = (METRIC_ALERT, SCHEDULED_QUERY_RULE)

_LABELS: Final[Mapping[str, str]] = {
    COGNITIVE_ACCOUNT: "Cognitive Services account",
    COGNITIVE_DEPLOYMENT: "model deployment",
    RAI_POLICY: "RAI (content filter) policy",
    SEARCH_SERVICE: "AI Search service",
    LOG_ANALYTICS_WORKSPACE: "Log Analytics workspace",
    STORAGE_ACCOUNT: "storage account",
    STORAGE_LOCAL_USER: "storage local user",
    STATIC_WEBSITE: "static website",
    COSMOS_ACCOUNT: "Cosmos DB account",
    CONTAINER_REGISTRY: "container registry",
    APP_CONFIGURATION: "App Configuration store",
    KEY_VAULT: "Key Vault",
    PURVIEW_ACCOUNT: "Purview account",
    ML_WORKSPACE: "Machine Learning workspace",
    ML_ENVIRONMENT_VERSION: "Machine Learning environment version",
    APIM_SERVICE: "API Management service",
    MANAGED_ENVIRONMENT: "Container Apps environment",
    SESSION_POOL: "Container Apps session pool",
    CONTAINER_APP: "container app",
    CONTAINER_APP_JOB: "Container Apps job",
    ROLE_ASSIGNMENT: "role assignment",
    USER_ASSIGNED_IDENTITY: "user-assigned identity",
    PRIVATE_ENDPOINT: "private endpoint",
    PRIVATE_DNS_ZONE_GROUP: "private DNS zone group",
    AZUREAD_GROUP: "Entra ID group",
    AZUREAD_USER: "Entra ID user",
    AZUREAD_SERVICE_PRINCIPAL: "Entra ID service principal",
    CONDITIONAL_ACCESS_POLICY: "Conditional Access policy",
    COGNITIVE_PROJECT: "Foundry project",
    APIM_API: "API",
    APIM_API_POLICY: "API policy",
    APIM_OPERATION_POLICY: "API operation policy",
    APIM_SERVICE_POLICY: "API Management service policy",
    APIM_PRODUCT_POLICY: "API Management product policy",
    APIM_BACKEND: "API Management backend",
    DEFENDER_PRICING: "Defender for Cloud plan",
    PIM_ELIGIBILITY: "PIM role eligibility schedule",
    LOCK_BY_SCOPE: "management lock",
    LOCK_AT_RESOURCE: "management lock",
    LOCK_AT_RESOURCE_GROUP: "management lock",
    LOCK_AT_SUBSCRIPTION: "management lock",
    RESOURCE_GROUP: "resource group",
    METRIC_ALERT: "metric alert",
    SCHEDULED_QUERY_RULE: "scheduled query rule",
    ACTION_GROUP: "action group",
    BLOB_SERVICE: "blob service",
    ML_COMPUTE: "Machine Learning compute",
    ML_ONLINE_ENDPOINT: "Machine Learning online endpoint",
    ML_ONLINE_DEPLOYMENT: "Machine Learning online deployment",
    ML_SERVERLESS_ENDPOINT: "Machine Learning serverless endpoint",
    BOT: "Bot Service bot",
    COGNITIVE_ACCOUNT_CONNECTION: "Foundry account connection",
    COGNITIVE_PROJECT_CONNECTION: "Foundry project connection",
    ML_WORKSPACE_CONNECTION: "Machine Learning workspace connection",
    ML_DATASTORE: "Machine Learning datastore",
    ML_NETWORK_RULE: "Machine Learning outbound rule",
    ML_OUTBOUND_RULE: "Machine Learning outbound rule",
    APIM_NAMED_VALUE: "API Management named value",
    APIM_SUBSCRIPTION: "API Management subscription",
    APIM_PRODUCT: "API Management product",
    APIM_POLICY_FRAGMENT: "API Management policy fragment",
    AZ_COGNITIVE_ACCOUNT: "Cognitive Services account",
    AZ_AI_SERVICES: "AI Services account",
    AZ_COGNITIVE_DEPLOYMENT: "model deployment",
    AZ_STORAGE_ACCOUNT: "storage account",
    AZ_STATIC_WEBSITE: "static website",
    AZ_KEY_VAULT: "Key Vault",
    AZ_ROLE_ASSIGNMENT: "role assignment",
    AZ_CONTAINER_REGISTRY: "container registry",
    AZ_SEARCH_SERVICE: "AI Search service",
    AZ_APIM_SERVICE: "API Management service",
    AZ_CONTAINER_APP: "container app",
    AZ_LOG_ANALYTICS_WORKSPACE: "Log Analytics workspace",
    AZ_COSMOS_ACCOUNT: "Cosmos DB account",
    AZ_ML_WORKSPACE: "Machine Learning workspace",
    AZ_APP_CONFIGURATION: "App Configuration store",
    AZ_RAI_POLICY: "RAI (content filter) policy",
    AZ_DIAGNOSTIC_SETTING: "diagnostic setting",
    AZ_PRIVATE_ENDPOINT: "private endpoint",
    AZ_COGNITIVE_CMK: "customer-managed key",
    AZ_STORAGE_CMK: "customer-managed key",
    AZ_USER_ASSIGNED_IDENTITY: "user-assigned identity",
    AZ_STORAGE_LOCAL_USER: "storage local user",
    AZ_MSI_USER_ASSIGNED_IDENTITY: "user-assigned identity",
    AZ_PURVIEW_ACCOUNT: "Purview account",
    AZ_RESOURCE_GROUP: "resource group",
    AZ_LOCK: "management lock",
    AZ_LOCK_DEPRECATED: "management lock",
}

# Explicit API versions. azure-native v3 generates a local package per pinned API version
# (`pulumi package add azure-native <module> <version>`) whose tokens read
# `azure-native_<module>_<version>:<module>:<Resource>`; v1/v2 shipped every version in the SDK as
# `azure-native:<module>/<version>:<Resource>`. Versions are `v<yyyymmdd>` with an optional
# `preview` / `privatepreview` suffix. Both forms are judged like the default version.
_LOCAL_PACKAGE: Final = re.compile(r"^azure-native_([a-z0-9]+)_v\d{8}[a-z]*:([a-z0-9]+):(\w+)$", re.IGNORECASE)
_VERSIONED_MODULE: Final = re.compile(r"^azure-native:([a-z0-9]+)/v\d{8}[a-z]*:(\w+)$", re.IGNORECASE)
_canonical_cache: dict[str, str] = {}


def canonical_type(type_token: str) -> str:
    """The default-version token of an azure-native resource pinned to an explicit API version
    (`azure-native_storage_v20240101:storage:StorageAccount` and
    `azure-native:storage/v20230101:StorageAccount` both become
    `azure-native:storage:StorageAccount`); any other token unchanged. Cached per token: the pack
    calls it once for every resource it is sent."""
    cached = _canonical_cache.get(type_token)
    if cached is not None:
        return cached
    canonical = type_token
    if type_token.startswith("azure-native_"):
        match = _LOCAL_PACKAGE.match(type_token)
        if match and match.group(1).lower() == match.group(2).lower():
            canonical = f"azure-native:{match.group(2)}:{match.group(3)}"
    elif "/" in type_token and type_token.startswith("azure-native:"):
        match = _VERSIONED_MODULE.match(type_token)
        if match:
            canonical = f"azure-native:{match.group(1)}:{match.group(2)}"
    if len(_canonical_cache) < 4096:
        _canonical_cache[type_token] = canonical
    return canonical


def label(type_token: str) -> str:
    """Human label of a resource type for messages ("Key Vault", "storage account", ...)."""
    return _LABELS.get(type_token, type_token.rsplit(":", 1)[-1])


def subject(type_token: str, name: str) -> str:
    """`<label> '<name>'`, the way every message names the resource it is about."""
    return f"{label(type_token)} '{name}'"
