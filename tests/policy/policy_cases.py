"""Compliant baselines and one-field-changed cases for the policy pack tests.

Each resource baseline holds the inputs (wire names) of one compliant resource; each case changes
one field and names the policy that must catch it and a fragment of its message. The stack
baseline is a small compliant landing zone in two shapes: as a preview sees it (ids unknown,
links only through property dependencies) and as a deployed stack's outputs look (ids known, no
path parameters such as resourceUri or privateEndpointName).
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

import pytest

from policy_pack.aizone_policy import tokens as t
from policy_pack.aizone_policy.framework import ResourcePolicySpec
from policy_pack.aizone_policy.harness import UNKNOWN_VALUE, Diagnostic, StackItem, urn_for
from policy_pack.aizone_policy.policies import ALL_SPECS

DELETE: Final = object()
"""Marker for `changed`: remove the field."""

DIGEST = "@sha256:" + "0123456789abcdef" * 4
SUBNET = "/subscriptions/sub/resourceGroups/net/providers/Microsoft.Network/virtualNetworks/spoke/subnets/pe"
UAI_ID = "/subscriptions/sub/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/agent"


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
            filters.append(
                {"name": name, "source": source, "enabled": True, "blocking": True, "severityThreshold": threshold}
            )
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
    },
    t.COSMOS_ACCOUNT: {
        "databaseAccountOfferType": "Standard",
        "disableLocalAuth": True,
        "publicNetworkAccess": "Disabled",
        "locations": [{"locationName": "westeurope"}],
    },
    t.CONTAINER_REGISTRY: {
        "sku": {"name": "Premium"},
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
    },
    t.CONTAINER_APP: {
        "identity": {"type": "SystemAssigned,UserAssigned", "userAssignedIdentities": [UAI_ID]},
        "template": {
            "containers": [{"name": "app", "image": "aizoneacr.azurecr.io/apps/chat" + DIGEST}],
            "initContainers": [{"name": "init", "image": "aizoneacr.azurecr.io/apps/init" + DIGEST}],
        },
    },
    t.CONTAINER_APP_JOB: {"template": {"containers": [{"name": "job", "image": "aizoneacr.azurecr.io/jobs/index" + DIGEST}]}},
    t.ML_ENVIRONMENT_VERSION: {"properties": {"image": "mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu22.04" + DIGEST}},
    t.ROLE_ASSIGNMENT: {
        "principalId": "11111111-1111-1111-1111-111111111111",
        "principalType": "ServicePrincipal",
        "roleDefinitionId": "/providers/Microsoft.Authorization/roleDefinitions/5e0bd9bd-7b93-4f28-af87-19fc36ad61bd",
        "scope": "/subscriptions/sub/resourceGroups/rg/providers/Microsoft.CognitiveServices/accounts/ai",
    },
    t.COGNITIVE_DEPLOYMENT: {
        "accountName": "aizone-ai",
        "deploymentName": "chat",
        "sku": {"name": "GlobalStandard", "capacity": 50},
        "properties": {
            "model": {"format": "OpenAI", "name": "gpt-4o", "version": "2024-11-20"},
            "versionUpgradeOption": "NoAutoUpgrade",
            "raiPolicyName": "strict",
        },
    },
    t.RAI_POLICY: {
        "accountName": "aizone-ai",
        "raiPolicyName": "strict",
        "properties": {"mode": "Blocking", "basePolicyName": "Microsoft.DefaultV2", "contentFilters": content_filters()},
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

    @property
    def id(self) -> str:
        shown = "DELETE" if self.value is DELETE else repr(self.value)[:30]
        return f"{self.type.rsplit(':', 1)[-1]}.{self.path}={shown}"

    def props(self) -> dict[str, Any]:
        return changed(BASELINES[self.type], self.path, self.value)


_FILTERS = "properties.contentFilters"

VIOLATIONS: Final[tuple[Case, ...]] = (
    # ACC-1
    Case(t.COGNITIVE_ACCOUNT, "properties.disableLocalAuth", False, "azure-cognitiveservices-account-disable-local-auth", "[ACC-1] Cognitive Services account 'res' allows key (local) authentication (properties.disableLocalAuth is false): set properties.disableLocalAuth = true"),
    Case(t.COGNITIVE_ACCOUNT, "properties.disableLocalAuth", DELETE, "azure-cognitiveservices-account-disable-local-auth", "properties.disableLocalAuth is not set"),
    Case(t.SEARCH_SERVICE, "disableLocalAuth", False, "azure-search-service-disable-local-auth", "set disableLocalAuth = true"),
    Case(t.LOG_ANALYTICS_WORKSPACE, "features.disableLocalAuth", DELETE, "azure-operationalinsights-workspace-disable-local-auth", "set features.disableLocalAuth = true"),
    Case(t.STORAGE_ACCOUNT, "allowSharedKeyAccess", True, "azure-storage-storageaccount-disable-shared-key", "set allowSharedKeyAccess = false"),
    Case(t.STORAGE_ACCOUNT, "allowSharedKeyAccess", DELETE, "azure-storage-storageaccount-disable-shared-key", "allowSharedKeyAccess is not set"),
    Case(t.STORAGE_ACCOUNT, "defaultToOAuthAuthentication", False, "azure-storage-storageaccount-disable-shared-key", "set defaultToOAuthAuthentication = true"),
    Case(t.COSMOS_ACCOUNT, "disableLocalAuth", DELETE, "azure-cosmosdb-databaseaccount-disable-local-auth", "set disableLocalAuth = true"),
    Case(t.CONTAINER_REGISTRY, "adminUserEnabled", True, "azure-containerregistry-registry-disable-admin-user", "set adminUserEnabled = false"),
    Case(t.APP_CONFIGURATION, "disableLocalAuth", False, "azure-appconfiguration-configurationstore-disable-local-auth", "set disableLocalAuth = true"),
    # ACC-7
    Case(t.COGNITIVE_ACCOUNT, "properties.publicNetworkAccess", "Enabled", "azure-cognitiveservices-account-restrict-network-access", "[ACC-7] Cognitive Services account 'res' allows public network access (properties.publicNetworkAccess is 'Enabled'): set properties.publicNetworkAccess = 'Disabled'"),
    Case(t.COGNITIVE_ACCOUNT, "properties.networkAcls.defaultAction", "Allow", "azure-cognitiveservices-account-restrict-network-access", "set properties.networkAcls.defaultAction = 'Deny'"),
    Case(t.COGNITIVE_ACCOUNT, "properties.networkAcls", DELETE, "azure-cognitiveservices-account-restrict-network-access", "properties.networkAcls.defaultAction is not set"),
    Case(t.COGNITIVE_ACCOUNT, "properties.restrictOutboundNetworkAccess", False, "azure-cognitiveservices-account-restrict-network-access", "set properties.restrictOutboundNetworkAccess = true"),
    Case(t.SEARCH_SERVICE, "publicNetworkAccess", "Enabled", "azure-search-service-disable-public-network-access", "set publicNetworkAccess = 'Disabled'"),
    Case(t.STORAGE_ACCOUNT, "publicNetworkAccess", DELETE, "azure-storage-storageaccount-restrict-network-access", "publicNetworkAccess is not set"),
    Case(t.STORAGE_ACCOUNT, "networkRuleSet.defaultAction", "Allow", "azure-storage-storageaccount-restrict-network-access", "set networkRuleSet.defaultAction = 'Deny'"),
    Case(t.KEY_VAULT, "properties.publicNetworkAccess", "enabled", "azure-keyvault-vault-disable-public-network-access", "set properties.publicNetworkAccess = 'Disabled'"),
    Case(t.KEY_VAULT, "properties.publicNetworkAccess", DELETE, "azure-keyvault-vault-disable-public-network-access", "is not set"),
    Case(t.PURVIEW_ACCOUNT, "publicNetworkAccess", "NotSpecified", "azure-purview-account-disable-public-network-access", "[ACC-7, DATA-4]"),
    Case(t.PURVIEW_ACCOUNT, "managedResourcesPublicNetworkAccess", "Enabled", "azure-purview-account-disable-public-network-access", "set managedResourcesPublicNetworkAccess = 'Disabled'"),
    Case(t.ML_WORKSPACE, "publicNetworkAccess", "Enabled", "azure-machinelearningservices-workspace-restrict-network-access", "set publicNetworkAccess = 'Disabled'"),
    Case(t.ML_WORKSPACE, "managedNetwork.isolationMode", "AllowInternetOutbound", "azure-machinelearningservices-workspace-restrict-network-access", "set managedNetwork.isolationMode = 'AllowOnlyApprovedOutbound'"),
    Case(t.CONTAINER_REGISTRY, "publicNetworkAccess", "Enabled", "azure-containerregistry-registry-restrict-network-access", "set publicNetworkAccess = 'Disabled'"),
    Case(t.CONTAINER_REGISTRY, "anonymousPullEnabled", True, "azure-containerregistry-registry-restrict-network-access", "allows anonymous pulls"),
    Case(t.COSMOS_ACCOUNT, "publicNetworkAccess", "Enabled", "azure-cosmosdb-databaseaccount-disable-public-network-access", "set publicNetworkAccess = 'Disabled'"),
    Case(t.APIM_SERVICE, "publicNetworkAccess", DELETE, "azure-apimanagement-service-restrict-public-network-access", "leaves publicNetworkAccess unset"),
    Case(t.APIM_SERVICE, "virtualNetworkType", "External", "azure-apimanagement-service-restrict-public-network-access", "exposes a public gateway"),
    Case(t.APIM_SERVICE, "virtualNetworkType", DELETE, "azure-apimanagement-service-restrict-public-network-access", "allowPublicGateway = true"),
    Case(t.MANAGED_ENVIRONMENT, "vnetConfiguration.internal", False, "azure-app-managedenvironment-internal-only", "set vnetConfiguration.internal = true"),
    # ACC-6
    Case(t.COGNITIVE_ACCOUNT, "identity", DELETE, "azure-cognitiveservices-account-managed-identity", "[ACC-6] Cognitive Services account 'res' has no managed identity"),
    Case(t.COGNITIVE_ACCOUNT, "identity.type", "None", "azure-cognitiveservices-account-managed-identity", "set identity.type = 'SystemAssigned'"),
    Case(t.SEARCH_SERVICE, "identity", DELETE, "azure-search-service-managed-identity", "has no managed identity"),
    Case(t.APIM_SERVICE, "identity.type", "None", "azure-apimanagement-service-managed-identity", "has no managed identity"),
    Case(t.PURVIEW_ACCOUNT, "identity", DELETE, "azure-purview-account-managed-identity", "has no managed identity"),
    Case(t.ML_WORKSPACE, "identity", DELETE, "azure-machinelearningservices-workspace-managed-identity", "has no managed identity"),
    Case(t.SESSION_POOL, "identity", DELETE, "azure-app-containerappssessionpool-managed-identity", "has no managed identity"),
    Case(t.SESSION_POOL, "identity.userAssignedIdentities", DELETE, "azure-app-containerappssessionpool-managed-identity", "declares a user-assigned identity but lists none"),
    Case(t.CONTAINER_APP, "identity", DELETE, "azure-app-containerapp-managed-identity", "has no managed identity"),
    Case(t.ROLE_ASSIGNMENT, "principalType", DELETE, "azure-authorization-roleassignment-explicit-principal-type", "[ACC-6] Role assignment 'res' does not set principalType (the SDK then sends 'User'"),
    # ACC-8
    Case(t.COGNITIVE_ACCOUNT, "kind", "TextAnalytics", "azure-cognitiveservices-account-allowed-kind", "[ACC-8] Cognitive Services account 'res' has kind 'TextAnalytics', which is not allowed (allowed: AIServices, OpenAI)"),
    Case(t.COGNITIVE_DEPLOYMENT, "sku.capacity", 1000, "azure-cognitiveservices-deployment-capacity-cap", "requests capacity 1000, above the cap of 100"),
    Case(t.COGNITIVE_DEPLOYMENT, "sku", DELETE, "azure-cognitiveservices-deployment-capacity-cap", "does not declare its capacity"),
    # MOD-2a
    Case(t.RAI_POLICY, f"{_FILTERS}.1", DELETE, "azure-cognitiveservices-raipolicy-prompt-shields", "[MOD-2a] RAI (content filter) policy 'res' does not filter Indirect Attack on prompts: add {name: 'Indirect Attack', source: 'Prompt', enabled: true, blocking: true}"),
    Case(t.RAI_POLICY, f"{_FILTERS}.0.blocking", False, "azure-cognitiveservices-raipolicy-prompt-shields", "filter for Jailbreak on prompts does not block"),
    Case(t.RAI_POLICY, f"{_FILTERS}.1.action", "ANNOTATING", "azure-cognitiveservices-raipolicy-prompt-shields", "filter for Indirect Attack on prompts does not block"),
    Case(t.RAI_POLICY, f"{_FILTERS}.0.enabled", False, "azure-cognitiveservices-raipolicy-prompt-shields", "filter for Jailbreak on prompts is not enabled"),
    Case(t.RAI_POLICY, f"{_FILTERS}.2.severityThreshold", "High", "azure-cognitiveservices-raipolicy-prompt-shields", "filter for Hate on prompts filters only at severity 'High': set severityThreshold = 'Medium' or stricter"),
    Case(t.RAI_POLICY, f"{_FILTERS}.9.severityThreshold", DELETE, "azure-cognitiveservices-raipolicy-prompt-shields", "filter for Selfharm on completions has no severityThreshold"),
    Case(t.RAI_POLICY, f"{_FILTERS}.0.source", "Completion", "azure-cognitiveservices-raipolicy-prompt-shields", "does not filter Jailbreak on prompts"),
    Case(t.RAI_POLICY, _FILTERS, DELETE, "azure-cognitiveservices-raipolicy-prompt-shields", "does not filter Violence on completions"),
    # MOD-3
    Case(t.COGNITIVE_DEPLOYMENT, "properties.model.name", "gpt-4", "azure-cognitiveservices-deployment-approved-model", "[MOD-3] Model deployment 'res' deploys model OpenAI/gpt-4/2024-11-20, which is not on the allow-list"),
    Case(t.COGNITIVE_DEPLOYMENT, "properties.model.version", "2024-05-13", "azure-cognitiveservices-deployment-approved-model", "not on the allow-list"),
    Case(t.COGNITIVE_DEPLOYMENT, "properties.model.version", DELETE, "azure-cognitiveservices-deployment-approved-model", "without a version: pin properties.model.version"),
    Case(t.COGNITIVE_DEPLOYMENT, "properties.versionUpgradeOption", DELETE, "azure-cognitiveservices-deployment-no-auto-upgrade", "set properties.versionUpgradeOption = 'NoAutoUpgrade'"),
    Case(t.COGNITIVE_DEPLOYMENT, "properties.versionUpgradeOption", "OnceCurrentVersionExpired", "azure-cognitiveservices-deployment-no-auto-upgrade", "lets Azure upgrade the model version automatically"),
    Case(t.SESSION_POOL, "customContainerTemplate.containers.0.image", "aizoneacr.azurecr.io/tools/python:3.12", "azure-app-containerappssessionpool-image-digest", "[MOD-3, EXEC-2] Container Apps session pool 'res' runs image 'aizoneacr.azurecr.io/tools/python:3.12' (customContainerTemplate.containers[0].image), which is not pinned by digest"),
    Case(t.SESSION_POOL, "customContainerTemplate.containers.0.image", "acr.io/x@sha256:ABCDEF", "azure-app-containerappssessionpool-image-digest", "not pinned by digest"),
    Case(t.CONTAINER_APP, "template.containers.0.image", "aizoneacr.azurecr.io/apps/chat:latest", "azure-app-containerapp-image-digest", "template.containers[0].image"),
    Case(t.CONTAINER_APP, "template.initContainers.0.image", "busybox", "azure-app-containerapp-image-digest", "template.initContainers[0].image"),
    Case(t.CONTAINER_APP_JOB, "template.containers.0.image", "aizoneacr.azurecr.io/jobs/index:1", "azure-app-job-image-digest", "not pinned by digest"),
    Case(t.ML_ENVIRONMENT_VERSION, "properties.image", "mcr.microsoft.com/azureml/base:latest", "azure-machinelearningservices-environmentversion-image-digest", "[MOD-3] Machine Learning environment version 'res' runs image"),
    # RES-4 (resource part)
    Case(t.SEARCH_SERVICE, "sku.name", "free", "azure-search-service-private-endpoint-sku", "[RES-4] AI Search service 'res' uses a SKU without private endpoint support"),
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
    return controls_mark(
        *(spec.name for spec in ALL_SPECS if isinstance(spec, ResourcePolicySpec) and type_token in spec.resource_types)
    )


def case_params(cases: Sequence[Case]) -> list[Any]:
    """pytest params of resource cases, each marked with its policy's (or type's) controls."""
    return [
        pytest.param(case, id=case.id, marks=controls_mark(case.policy) if case.policy else type_controls_mark(case.type))
        for case in cases
    ]


def diagnostics_of(diagnostics: Sequence[Diagnostic], policy: str | None = None, level: str | None = None) -> list[Diagnostic]:
    """Diagnostics filtered by policy name and level."""
    return [
        item
        for item in diagnostics
        if (policy is None or item.policy == policy) and (level is None or item.level == level)
    ]


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
            urn = self.add(type_token, name, BASELINES[type_token])
            if type_token == t.STORAGE_ACCOUNT:
                self._storage_logging(name, urn)
            else:
                self.diagnostic_setting(f"{name}-diag", urn, arm_id(type_token, name))
            if group is not None:
                zone = PURVIEW_ZONE if type_token == t.PURVIEW_ACCOUNT else ZONES[group]
                self.private_endpoint(f"{name}-pe", urn, arm_id(type_token, name), group, zone)
        self._models()
        self._identity()
        return self.items

    def _storage_logging(self, name: str, account_urn: str) -> None:
        """Storage logs live on the blob service: a BlobServiceProperties resource in preview
        shape, the account id + /blobServices/default in deployed shape."""
        account_id = arm_id(t.STORAGE_ACCOUNT, name)
        if self.preview:
            blob_urn = self.add(
                t.BLOB_SERVICE,
                f"{name}-blob",
                {"accountName": UNKNOWN_VALUE, "id": UNKNOWN_VALUE, "deleteRetentionPolicy": {"enabled": True, "days": 30}},
                property_dependencies={"accountName": [account_urn]},
                dependencies=[account_urn],
            )
            self.diagnostic_setting(f"{name}-blob-diag", blob_urn, f"{account_id}/blobServices/default")
        else:
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
        identity_props = {"principalId": UNKNOWN_VALUE if self.preview else PRINCIPAL_ID}
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
