"""ACC-1: Entra ID instead of keys. Local (key, shared-key, admin-user) authentication is disabled
on every AI service and every data service that has keys.

Absent properties fail where the service default is insecure (`disableLocalAuth` defaults to false,
`allowSharedKeyAccess` to true); `adminUserEnabled` defaults to false, so absent passes there.
"""

from __future__ import annotations

from collections.abc import Iterator

from .. import tokens
from ..checks import flag_false, flag_not_true, flag_true
from ..config import PolicyConfig
from ..framework import Field, Finding, Resource, ResourcePolicySpec, ResourceRule, violation

_ENTRA = "; callers authenticate with Entra ID tokens and RBAC roles"
_CONTROLS = ("ACC-1",)


def _policy(
    name: str,
    type_token: str,
    paths: tuple[str, ...],
    description: str,
    rule: ResourceRule,
) -> ResourcePolicySpec:
    """A local-auth policy for one resource type."""
    return ResourcePolicySpec(
        name=name,
        controls=_CONTROLS,
        description=description,
        severity="high",
        remediation=(
            f"Disable key/local authentication on the {tokens.label(type_token)} "
            f"({', '.join(paths)}), grant callers data-plane RBAC roles on it and let them use "
            "managed identities or Entra ID tokens. Remove any code that lists or reads keys."
        ),
        fields=tuple(Field(type_token, path) for path in paths),
        resource_types=(type_token,),
        rule=rule,
    )


def _cognitive_account(resource: Resource, _config: PolicyConfig) -> Iterator[Finding]:
    """AI Services / OpenAI accounts: properties.disableLocalAuth = true."""
    yield from flag_true(resource, "properties.disableLocalAuth", "allows key (local) authentication", _ENTRA)


def _search_service(resource: Resource, _config: PolicyConfig) -> Iterator[Finding]:
    """AI Search: disableLocalAuth = true (API keys off; do not combine with authOptions)."""
    yield from flag_true(resource, "disableLocalAuth", "allows API-key authentication", _ENTRA + " (and remove authOptions)")


def _log_analytics_workspace(resource: Resource, _config: PolicyConfig) -> Iterator[Finding]:
    """Log Analytics: features.disableLocalAuth = true (no shared-key ingestion or queries)."""
    yield from flag_true(resource, "features.disableLocalAuth", "allows shared-key authentication", _ENTRA)


def _storage_account(resource: Resource, _config: PolicyConfig) -> Iterator[Finding]:
    """Storage: allowSharedKeyAccess = false. (defaultToOAuthAuthentication only picks what the
    portal tries first; with shared keys off, Entra ID is the only way in, so it is not judged.)"""
    yield from flag_false(resource, "allowSharedKeyAccess", "allows shared-key (account key and SAS) authorization", _ENTRA)


def _storage_local_users(resource: Resource, _config: PolicyConfig) -> Iterator[Finding]:
    """Storage: SFTP and local users authenticate with SSH keys, passwords or a per-user shared
    key, never Entra ID, so enabling either is key-based access (absent = off, the service
    default: https://learn.microsoft.com/azure/storage/blobs/secure-file-transfer-protocol-support)."""
    yield from flag_not_true(resource, "isSftpEnabled", "enables SFTP, whose local users sign in with SSH keys or passwords")
    yield from flag_not_true(
        resource, "isLocalUserEnabled", "enables local users, which authenticate with SSH keys, passwords or a shared key"
    )


def storage_local_user(resource: Resource, _config: PolicyConfig) -> Iterator[Finding]:
    """A storage local user (either provider) is a credential outside Entra ID, whatever its
    settings."""
    yield violation(
        f"{resource.subject} signs in with an SSH key, password or shared key, not "
        f"Entra ID; remove it and grant an Entra identity a data-plane role instead"
    )


def _cosmos_account(resource: Resource, _config: PolicyConfig) -> Iterator[Finding]:
    """Cosmos DB: disableLocalAuth = true (no primary/secondary keys for data access)."""
    yield from flag_true(resource, "disableLocalAuth", "allows key authentication", _ENTRA)


def _container_registry(resource: Resource, _config: PolicyConfig) -> Iterator[Finding]:
    """Container Registry: the admin user (a shared username/password) stays disabled."""
    yield from flag_not_true(resource, "adminUserEnabled", "enables the admin user (shared registry credentials)")


def _app_configuration(resource: Resource, _config: PolicyConfig) -> Iterator[Finding]:
    """App Configuration: disableLocalAuth = true (no access keys)."""
    yield from flag_true(resource, "disableLocalAuth", "allows access-key authentication", _ENTRA)


POLICIES: tuple[ResourcePolicySpec, ...] = (
    _policy(
        "azurenative-cognitiveservices-account-disable-local-auth",
        tokens.COGNITIVE_ACCOUNT,
        ("properties.disableLocalAuth",),
        "Cognitive Services (AI Services, OpenAI) accounts must disable key authentication.",
        _cognitive_account,
    ),
    _policy(
        "azurenative-search-service-disable-local-auth",
        tokens.SEARCH_SERVICE,
        ("disableLocalAuth",),
        "AI Search services must disable API-key authentication.",
        _search_service,
    ),
    _policy(
        "azurenative-operationalinsights-workspace-disable-local-auth",
        tokens.LOG_ANALYTICS_WORKSPACE,
        ("features.disableLocalAuth",),
        "Log Analytics workspaces must disable shared-key authentication.",
        _log_analytics_workspace,
    ),
    _policy(
        "azurenative-storage-storageaccount-disable-shared-key",
        tokens.STORAGE_ACCOUNT,
        ("allowSharedKeyAccess",),
        "Storage accounts must disable shared-key authorization (Entra ID only).",
        _storage_account,
    ),
    _policy(
        "azurenative-storage-storageaccount-disable-sftp-local-users",
        tokens.STORAGE_ACCOUNT,
        ("isSftpEnabled", "isLocalUserEnabled"),
        "Storage accounts must not enable SFTP or local users (key and password sign-in outside Entra ID).",
        _storage_local_users,
    ),
    _policy(
        "azurenative-storage-localuser-no-local-users",
        tokens.STORAGE_LOCAL_USER,
        ("hasSharedKey",),
        "Storage local users (SFTP/shared-key credentials) must not be created.",
        storage_local_user,
    ),
    _policy(
        "azurenative-cosmosdb-databaseaccount-disable-local-auth",
        tokens.COSMOS_ACCOUNT,
        ("disableLocalAuth",),
        "Cosmos DB accounts must disable key authentication.",
        _cosmos_account,
    ),
    _policy(
        "azurenative-containerregistry-registry-disable-admin-user",
        tokens.CONTAINER_REGISTRY,
        ("adminUserEnabled",),
        "Container registries must not enable the admin user.",
        _container_registry,
    ),
    _policy(
        "azurenative-appconfiguration-configurationstore-disable-local-auth",
        tokens.APP_CONFIGURATION,
        ("disableLocalAuth",),
        "App Configuration stores must disable access-key authentication.",
        _app_configuration,
    ),
)
