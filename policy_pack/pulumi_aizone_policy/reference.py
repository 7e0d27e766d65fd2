"""Azure reference data that the SDK types as free strings.

Role definition ids, private-endpoint group ids, private DNS zone names, Defender plan names and
diagnostic categories cannot be checked by a type checker or by mocks. They live here, once, with
the public source each was checked against, and both the components (which build resources) and the
policies (which judge them) read them from here. This module has no dependencies so that importing
it stays cheap for the pack and for the program.
"""

from __future__ import annotations

from typing import Final, Mapping

# --- Built-in Azure role definitions -------------------------------------------------------------
# Source: https://learn.microsoft.com/azure/role-based-access-control/built-in-roles (the "ID"
# column of each role). Every id here is checked by the test suite against the checked-in copy
# builtin_roles.json (names + ids with their source), so a typo cannot go unnoticed again.
ROLE_IDS: Final[Mapping[str, str]] = {
    "Owner": "8e3af657-a8ff-443c-a75c-2fe8c4bcb635",
    "Contributor": "b24988ac-6180-42a0-ab88-20f7382dd24c",
    "Reader": "acdd72a7-3385-48ef-bd42-f606fba81ae7",
    "User Access Administrator": "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9",
    "Role Based Access Control Administrator": "f58310d9-a9f6-439a-9e8d-f62e7b41a168",
    "Cognitive Services OpenAI User": "5e0bd9bd-7b93-4f28-af87-19fc36ad61bd",
    "Cognitive Services OpenAI Contributor": "a001fd3d-188f-4b5d-821b-7da978bf7442",
    "Cognitive Services User": "a97b65f3-24c7-4388-baec-2e87135dc908",
    "Storage Blob Data Reader": "2a2b9908-6ea1-4ae2-8e65-a410df84e7d1",
    "Storage Blob Data Contributor": "ba92f5b4-2d11-453d-a403-e96b0029c9fe",
    "Azure ContainerApps Session Executor": "0fb8eba5-a2bb-4abe-b1c1-49dfad359bb0",
    "Key Vault Secrets User": "4633458b-17de-408a-b874-0445c86b69e6",
    "Key Vault Administrator": "00482a5a-887f-4fb3-b363-3b7fe8e74483",
    "Key Vault Data Access Administrator": "8b54135c-b56d-4d72-a534-26097cfdc8d8",
    "Search Index Data Reader": "1407120a-92aa-4202-b7e9-c0e197c71c8f",
    "Search Index Data Contributor": "8ebe5a00-799e-43f5-93ac-243d3dce84a7",
    "Search Service Contributor": "7ca78c08-252a-4471-8644-bb5ff32d4ba0",
    "Storage Blob Data Owner": "b7e6dc6d-f1e8-4753-8033-0f276bb0955b",
    "Storage Account Contributor": "17d1049b-9a84-46fb-8f53-869881c3d3ab",
    "Storage Account Key Operator Service Role": "81a9662b-bebf-436f-a333-f67b29880f12",
    "Reader and Data Access": "c12c1c16-33a1-487b-954d-41c89c60f349",
    "Cognitive Services Contributor": "25fbc0a9-bd7c-42a3-aa1a-3b75d497ee68",
    # https://learn.microsoft.com/azure/role-based-access-control/built-in-roles/monitor
    "Monitoring Metrics Publisher": "3913510d-42f4-4e42-8a64-420c390055eb",
    # https://learn.microsoft.com/azure/role-based-access-control/built-in-roles/containers
    "AcrPull": "7f951dda-4ed3-4680-a7ca-43fe172d538d",
    # The rest of builtin_roles.json: a classic role assignment may name any built-in role by
    # roleDefinitionName, and the pack resolves the names it knows (policies/rbac.py).
    "Reservations Administrator": "a8889054-8d42-49c9-bc1c-52486c10e7cd",
    "Azure File Sync Administrator": "92b92042-07d9-4307-87f7-36a593fc5850",
    "Classic Storage Account Key Operator Service Role": "985d6b00-f706-48f5-a6fe-d0ca12fb668d",
    "Storage Queue Data Contributor": "974c5e8b-45b9-4653-ba55-5f855dd0fb88",
    "AcrPush": "8311e382-0749-4cb8-b61a-304f252e45ec",
    "Container Apps SessionPools Contributor": "f7669afb-68b2-44b4-9c5f-6d2a47fddda0",
    "Azure AI Administrator": "b78c5d69-af96-48a3-bf8d-a8b4d589de94",
    "Foundry Account Owner": "e47c6f54-e4a2-4754-9501-8e0985b135e1",
    # Foundry's least-privilege build role (reader on the account and project plus the project's
    # data actions) and its project-management role (Learn "Role-based access control for
    # Microsoft Foundry"): Microsoft's Foundry samples grant Foundry User to project identities.
    "Foundry User": "53ca6127-db72-4b80-b1b0-d745d6d5456d",
    "Foundry Project Manager": "eadc314b-1a2d-4efa-be10-5d325db5065e",
    "Managed Identity Operator": "f1a07417-d97a-45cb-824c-7a7467783830",
    "Key Vault Contributor": "f25e0fa2-a7c8-4377-a976-54943a77a395",
    "Key Vault Secrets Officer": "b86a8fe4-44ce-4948-aee5-eccb2c155cd7",
}

# Former names of renamed built-in roles (builtin_roles.json `formerly`): Microsoft renamed the
# Foundry roles from "Azure AI ..." keeping their ids, and templates and portals still use both.
ROLE_ALIASES: Final[Mapping[str, str]] = {
    "Azure AI User": "Foundry User",
    "Azure AI Project Manager": "Foundry Project Manager",
    "Azure AI Account Owner": "Foundry Account Owner",
}

# Privileged roles (ACC-3): they manage access (Owner, User Access Administrator, RBAC
# Administrator, Key Vault Data Access Administrator), every secret of a vault (Key Vault
# Administrator), or can list the keys of accounts, which bypass Entra ID (Contributor's "*"; the
# built-in-roles page describes Cognitive Services Contributor/User, Storage Account Contributor,
# Storage Account Key Operator and Reader and Data Access as giving access to keys; Search
# Service Contributor manages the service and its admin keys). Never granted permanently at
# resource-group or wider scope, to anyone: people get them PIM-eligible and time-bound.
PRIVILEGED_ROLES: Final[frozenset[str]] = frozenset(
    {
        "Owner",
        "Contributor",
        "User Access Administrator",
        "Role Based Access Control Administrator",
        "Key Vault Administrator",
        "Key Vault Data Access Administrator",
        "Cognitive Services Contributor",
        "Cognitive Services User",
        "Storage Account Contributor",
        "Storage Account Key Operator Service Role",
        "Reader and Data Access",
        "Search Service Contributor",
    }
)

# Actions that make a custom role (authorization:RoleDefinition) privileged: everything, or
# creating role assignments (matched with the wildcards ARM allows, case-insensitively).
PRIVILEGED_ACTIONS: Final[tuple[str, ...]] = ("*", "Microsoft.Authorization/roleAssignments/write")

# Administrative roles on AI resources: granted to people only as PIM-eligible, time-bound
# assignments, never permanently (ACC-3).
AI_ADMIN_ROLES: Final[frozenset[str]] = frozenset({"Cognitive Services Contributor"})

# Roles that must never be given to a workload identity (ACC-5).
BROAD_ROLES: Final[frozenset[str]] = frozenset(
    {
        "Owner",
        "Contributor",
        "User Access Administrator",
        "Role Based Access Control Administrator",
    }
)

# AI inference roles: what a caller of a model (the gateway, MOD-4; an application, ai_services.py)
# is granted on an AI account.
AI_DATA_PLANE_ROLES: Final[frozenset[str]] = frozenset({"Cognitive Services OpenAI User", "Cognitive Services User"})
# AI callers: an identity holding one of these reaches models or agents (ACC-2 inventory). Foundry
# User adds the Foundry projects' data actions (agents, evaluations) to reader access.
AI_CALLER_ROLES: Final[frozenset[str]] = AI_DATA_PLANE_ROLES | {"Foundry User"}


# Data-plane roles a workload identity (managed identity or service principal) may hold by default
# (ACC-5): model inference, reading and writing blob data and search indexes, reading secrets,
# pulling images and running code in a session pool. Storage Blob Data Owner is left out: it also
# manages POSIX ACLs. A stack extends the list in the policy config.
WORKLOAD_DATA_PLANE_ROLES: Final[frozenset[str]] = frozenset(
    {
        "Cognitive Services OpenAI User",
        "Cognitive Services User",
        "Foundry User",
        "Storage Blob Data Reader",
        "Storage Blob Data Contributor",
        "Search Index Data Reader",
        "Search Index Data Contributor",
        "Key Vault Secrets User",
        "AcrPull",
        "Azure ContainerApps Session Executor",
        # Telemetry ingestion only (Microsoft.Insights/Telemetry/Write), needed by a sender to an
        # Application Insights component with local auth disabled (the AI gateway's token metrics).
        "Monitoring Metrics Publisher",
    }
)

# Roles that read or write the data of a data resource (storage blobs, search indexes): they must
# stay inside one data boundary (DATA-2, DATA-3). The read-only ones may also go to the Purview
# scanner, which classifies every boundary's data (DATA-4).
DATA_ROLES: Final[frozenset[str]] = frozenset(
    {
        "Storage Blob Data Reader",
        "Storage Blob Data Contributor",
        "Storage Blob Data Owner",
        "Search Index Data Reader",
        "Search Index Data Contributor",
    }
)
DATA_READER_ROLES: Final[frozenset[str]] = frozenset({"Storage Blob Data Reader", "Search Index Data Reader"})

# The role that lets an identity run code in a Container Apps session pool (EXEC-2).
SESSION_EXECUTOR_ROLE: Final[str] = "Azure ContainerApps Session Executor"


def role_name_for_id(role_definition_id: str) -> str | None:
    """Name of a built-in role from a role definition id or its full ARM path, else None."""
    guid = role_definition_id.rstrip("/").rsplit("/", 1)[-1].lower()
    for name, role_id in ROLE_IDS.items():
        if role_id == guid:
            return name
    return None


# --- Tags the landing zone writes and the pack reads ---------------------------------------------
BOUNDARY_TAG: Final[str] = "data-boundary"  # internal | customer | public (DATA-1)
BOUNDARIES: Final[tuple[str, ...]] = ("internal", "customer", "public")
APPLICATION_TAG: Final[str] = "aizone-application"
# An API Management v2 service cannot be created with publicNetworkAccess Disabled; the landing
# zone creates it Enabled on its first run only and tags it with the date of that run
# (YYYY-MM-DD). ACC-7 then reports it as an advisory note for a few days (config
# firstDeploymentDays) when the stack has the gateway's private endpoint.
FIRST_DEPLOYMENT_TAG: Final[str] = "aizone-first-deployment"
# Every identity that may call AI models is inventoried: the resource that owns it carries this tag
# with the kind of caller (agent | application | gateway) (ACC-2).
INVENTORY_TAG: Final[str] = "aizone-inventory"
INVENTORY_AGENT: Final[str] = "agent"  # the INVENTORY_TAG value of an agent's own identity
AGENT_TAG: Final[str] = "aizone-agent"  # the agent's name
OWNER_TAG: Final[str] = "aizone-agent-owner"  # the person accountable for the agent


# --- Microsoft Defender for Cloud plans (security:Pricing) -----------------------------------------
# Source: https://learn.microsoft.com/azure/templates/microsoft.security/pricings (pricing resource)
# and the SDK docstring of security.ExtensionArgs (extension names), checked 2026-11. The SDK
# documents AIPromptEvidence, OnUploadMalwareScanning and SensitiveDataDiscovery but not
# AIPromptSharingWithPurview, which is what the Defender portal's "Enable data security for AI
# interactions" switch sets (seen in public templates only: these are free strings).
DEFENDER_STANDARD_TIER: Final[str] = "Standard"
DEFENDER_AI_PLAN: Final[str] = "AI"
DEFENDER_STORAGE_PLAN: Final[str] = "StorageAccounts"
DEFENDER_KEY_VAULT_PLAN: Final[str] = "KeyVaults"
DEFENDER_API_PLAN: Final[str] = "Api"
DEFENDER_STORAGE_SUB_PLAN: Final[str] = "DefenderForStorageV2"
AI_PROMPT_EVIDENCE: Final[str] = "AIPromptEvidence"
AI_PROMPT_SHARING_WITH_PURVIEW: Final[str] = "AIPromptSharingWithPurview"
STORAGE_MALWARE_SCANNING: Final[str] = "OnUploadMalwareScanning"
STORAGE_SENSITIVE_DATA_DISCOVERY: Final[str] = "SensitiveDataDiscovery"


# --- API Management gateway TLS settings (customProperties) ---------------------------------------
# Source: the SDK docstring of apimanagement.ApiManagementServiceArgs.custom_properties (API
# 2024-05-01): protocol switches default to "False" for services created after 2018-04-01; every
# listed cipher defaults to "True", so the weak ones must be switched off explicitly.
APIM_SECURITY_PREFIX: Final[str] = "Microsoft.WindowsAzure.ApiManagement.Gateway.Security"
APIM_LEGACY_PROTOCOLS: Final[tuple[str, ...]] = tuple(
    f"{APIM_SECURITY_PREFIX}.{side}Protocols.{protocol}" for side in ("", "Backend.") for protocol in ("Tls10", "Tls11", "Ssl30")
)
# Ciphers without forward secrecy (static RSA key exchange), with SHA-1 MACs or 3DES: every cipher
# the service lets a customer disable.
APIM_WEAK_CIPHERS: Final[tuple[str, ...]] = tuple(
    f"{APIM_SECURITY_PREFIX}.Ciphers.{cipher}"
    for cipher in (
        "TripleDes168",
        "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA",
        "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA",
        "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA",
        "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA",
        "TLS_RSA_WITH_AES_128_GCM_SHA256",
        "TLS_RSA_WITH_AES_256_CBC_SHA256",
        "TLS_RSA_WITH_AES_128_CBC_SHA256",
        "TLS_RSA_WITH_AES_256_CBC_SHA",
        "TLS_RSA_WITH_AES_128_CBC_SHA",
    )
)


# --- Entra ID first-party applications -----------------------------------------------------------
# "Windows Azure Service Management API": the Azure portal, Azure CLI/PowerShell, ARM and the
# Foundry portal's management calls all obtain tokens for it, so Conditional Access that targets it
# covers administration of AI resources. Source:
# https://learn.microsoft.com/entra/identity/conditional-access/concept-conditional-access-cloud-apps
AZURE_MANAGEMENT_APP_ID: Final[str] = "797f4846-ba00-4fd7-ba43-dac1f8f63013"


# --- Private endpoints: group ids and private DNS zones (Azure public cloud) ---------------------
# Source: https://learn.microsoft.com/azure/private-link/private-endpoint-dns (zone per
# sub-resource), checked 2026-11. Key: the azure-native type token of the target resource; value:
# group id -> zones that the endpoint's DNS zone group must point at.
PRIVATE_LINK: Final[Mapping[str, Mapping[str, tuple[str, ...]]]] = {
    "azure-native:cognitiveservices:Account": {
        "account": (
            "privatelink.cognitiveservices.azure.com",
            "privatelink.openai.azure.com",
            "privatelink.services.ai.azure.com",
        ),
    },
    "azure-native:search:Service": {"searchService": ("privatelink.search.windows.net",)},
    "azure-native:storage:StorageAccount": {
        "blob": ("privatelink.blob.core.windows.net",),
        "file": ("privatelink.file.core.windows.net",),
        "queue": ("privatelink.queue.core.windows.net",),
        "table": ("privatelink.table.core.windows.net",),
        "dfs": ("privatelink.dfs.core.windows.net",),
    },
    "azure-native:keyvault:Vault": {"vault": ("privatelink.vaultcore.azure.net",)},
    "azure-native:machinelearningservices:Workspace": {
        "amlworkspace": ("privatelink.api.azureml.ms", "privatelink.notebooks.azure.net"),
    },
    "azure-native:containerregistry:Registry": {"registry": ("privatelink.azurecr.io",)},
    "azure-native:apimanagement:ApiManagementService": {"Gateway": ("privatelink.azure-api.net",)},
    "azure-native:cosmosdb:DatabaseAccount": {"Sql": ("privatelink.documents.azure.com",)},
    "azure-native:purview:Account": {
        "account": ("privatelink.purview.azure.com",),
        "portal": ("privatelink.purviewstudio.azure.com",),
    },
    # The zone name contains the region: privatelink.{region}.azurecontainerapps.io
    "azure-native:app:ManagedEnvironment": {
        "managedEnvironments": ("privatelink.{region}.azurecontainerapps.io",),
    },
    "azure-native:monitor:PrivateLinkScope": {
        "azuremonitor": (
            "privatelink.monitor.azure.com",
            "privatelink.oms.opinsights.azure.com",
            "privatelink.ods.opinsights.azure.com",
            "privatelink.agentsvc.azure-automation.net",
        ),
    },
}


def private_dns_zones(resource_type: str, group_id: str, region: str = "") -> tuple[str, ...]:
    """Zones for one (type, group id); `{region}` placeholders are filled with `region`."""
    zones = PRIVATE_LINK[resource_type][group_id]
    return tuple(zone.replace("{region}", region) for zone in zones)


# --- Diagnostic settings ---------------------------------------------------------------------------
# Source: https://learn.microsoft.com/azure/azure-monitor/reference/supported-logs/logs-index
# (category groups `allLogs` and `audit` exist for every resource type that emits resource logs).
DIAGNOSTIC_CATEGORY_GROUPS: Final[tuple[str, ...]] = ("allLogs", "audit")
# Azure OpenAI / AI Services resource log categories (MOD-2b), same source, Microsoft.CognitiveServices/accounts.
AI_OUTPUT_LOG_CATEGORIES: Final[tuple[str, ...]] = ("RequestResponse", "AzureOpenAIRequestUsage")
