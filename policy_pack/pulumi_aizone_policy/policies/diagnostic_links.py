"""Diagnostic-setting links shared by RES-2 (diagnostics.py) and MOD-2b (alerting.py): which
resources a monitor:DiagnosticSetting logs. This module defines no policy.

A setting is matched to its target by its `resourceUri` value (or, after deployment, its own id,
`<target>/providers/Microsoft.Insights/diagnosticSettings/<name>`), by the property dependency of
`resourceUri` on the target (ids are unknown while a preview creates them), or by its sole
dependency of a target kind; see stackindex.py. A setting on a storage service sub-resource
(`<accountId>/blobServices/default`, fileServices, ...) logs its storage account: the service
resource is linked to the account by its accountName or, once deployed, by its id below the
account's.

A classic `azure:monitoring/diagnosticSetting:DiagnosticSetting` (pulumi-azure 6.x) names its
target in `targetResourceId` (DiagnosticSettingArgs) and is matched the same way; either provider's
setting may log either provider's resource (`LOGGED_TYPES` holds the classic counterparts).
"""

from __future__ import annotations

from typing import Final

from .. import tokens
from ..stackindex import StackIndex, StackResource
from ..values import str_or_none

# Resources whose logs RES-2 requires; a setting resolves only to these.
LOGGED_TYPES: Final[tuple[str, ...]] = (
    tokens.COGNITIVE_ACCOUNT,
    tokens.SEARCH_SERVICE,
    tokens.STORAGE_ACCOUNT,
    tokens.KEY_VAULT,
    tokens.APIM_SERVICE,
    tokens.PURVIEW_ACCOUNT,
    tokens.CONTAINER_REGISTRY,
    tokens.ML_WORKSPACE,
    tokens.COSMOS_ACCOUNT,
    tokens.MANAGED_ENVIRONMENT,
    tokens.AZ_COGNITIVE_ACCOUNT,
    tokens.AZ_AI_SERVICES,
    tokens.AZ_SEARCH_SERVICE,
    tokens.AZ_STORAGE_ACCOUNT,
    tokens.AZ_KEY_VAULT,
    tokens.AZ_APIM_SERVICE,
    tokens.AZ_CONTAINER_REGISTRY,
    tokens.AZ_ML_WORKSPACE,
    tokens.AZ_COSMOS_ACCOUNT,
)
STORAGE_ACCOUNTS: Final[frozenset[str]] = frozenset({tokens.STORAGE_ACCOUNT, tokens.AZ_STORAGE_ACCOUNT})
SETTING_TYPES: Final[tuple[str, ...]] = (*sorted(tokens.DIAGNOSTIC_SETTINGS), tokens.AZ_DIAGNOSTIC_SETTING)
_SETTINGS_SEGMENT = "/providers/microsoft.insights/diagnosticsettings/"
_SERVICE_SEGMENTS = tuple(segment.lower() for segment in tokens.STORAGE_SERVICES.values())
_LINKABLE = frozenset(LOGGED_TYPES) | frozenset(tokens.STORAGE_SERVICES)


def target_property(setting: StackResource) -> str:
    """The input property that names what a setting logs: `resourceUri` (azure-native) or
    `targetResourceId` (classic)."""
    return "targetResourceId" if setting.type == tokens.AZ_DIAGNOSTIC_SETTING else "resourceUri"


def _resource_uri(setting: StackResource) -> object:
    """The setting's target, or the part of its own (known) id before the settings segment."""
    uri = setting.get(target_property(setting))
    if uri is not None:
        return uri
    own_id = str_or_none(setting.get("id"))
    if own_id and _SETTINGS_SEGMENT in own_id.lower():
        return own_id[: own_id.lower().index(_SETTINGS_SEGMENT)]
    return None


def _storage_account_of(stack: StackIndex, service: StackResource) -> StackResource | None:
    """The storage account a blob/file/queue/table service resource belongs to: linked by its
    accountName or, once deployed, the account whose id is its id's ancestor."""
    accounts = stack.linked(service, "accountName", service.get("accountName"), {tokens.STORAGE_ACCOUNT})
    return accounts[0] if accounts else stack.ancestor(service, {tokens.STORAGE_ACCOUNT})


def _on_service(uri: object) -> bool | None:
    """Whether a known resourceUri points at a storage service sub-resource (None: unknown)."""
    if not isinstance(uri, str) or not uri:
        return None
    return any(f"/{segment}/" in uri.lower() + "/" for segment in _SERVICE_SEGMENTS)


def _resolve(stack: StackIndex, linked: StackResource, on_service: bool | None) -> tuple[StackResource, bool | None] | None:
    """Map a linked resource (target or storage service) to (target, logs a storage service?)."""
    if linked.type in tokens.STORAGE_SERVICES:
        account = _storage_account_of(stack, linked)
        return (account, True) if account is not None else None
    return (linked, on_service) if linked.type in LOGGED_TYPES else None


def _by_uri(stack: StackIndex, uri: object) -> StackResource | None:
    """The stack resource a known resourceUri designates: the resource itself, or a storage
    account for a URI below one of its service sub-resources (other child paths do not count)."""
    hit = stack.by_id_prefix(uri) if isinstance(uri, str) and uri else None
    if hit is None:
        return None
    resource, suffix = hit
    if not suffix or (resource.type in STORAGE_ACCOUNTS and suffix.split("/", 1)[0] in _SERVICE_SEGMENTS):
        return resource
    return None


def diagnostic_targets(stack: StackIndex, setting: StackResource) -> list[tuple[StackResource, bool | None]]:
    """Targets of one setting with whether it logs a storage service (None: cannot tell)."""
    uri = _resource_uri(setting)
    hit = _by_uri(stack, uri)
    linked = [hit] if hit is not None else []
    prop = target_property(setting)
    linked += stack.dependencies_via(setting, prop, _LINKABLE) if hit else stack.linked(setting, prop, uri, _LINKABLE)
    found: dict[str, tuple[StackResource, bool | None]] = {}
    for resource in linked:
        resolved = _resolve(stack, resource, _on_service(uri))
        if resolved is not None:
            found.setdefault(resolved[0].urn, resolved)
    return list(found.values())
