"""RES-2: central logging. Every AI, data, gateway, vault and execution resource of the stack has a
diagnostic setting that sends enabled resource logs (category group allLogs or audit, or explicit
categories) to a Log Analytics workspace (the configured central one, when set).

Storage accounts offer only metrics at account level; their logs live on the service
sub-resources (`<accountId>/blobServices/default`, fileServices, queueServices, tableServices),
so a storage account needs a logging setting on one of those. Container Apps session pools log
through their Container Apps environment, which is therefore in scope.

A setting is matched to its target by its `resourceUri` value (or, after deployment, its own id,
`<target>/providers/Microsoft.Insights/diagnosticSettings/<name>`), by the property dependency of
`resourceUri` on the target (ids are unknown while a preview creates them), or by its sole
dependency of a target kind; see stackindex.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Final

from .. import reference, tokens
from ..config import PolicyConfig
from ..framework import Field, Finding, StackPolicySpec, violation
from ..stackindex import StackIndex, StackResource
from ..values import UNKNOWN, as_dict, in_ci, items, is_set, str_or_none

TARGET_TYPES: Final[tuple[str, ...]] = (
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
)
_SETTINGS_SEGMENT = "/providers/microsoft.insights/diagnosticsettings/"
_SERVICE_SEGMENTS = tuple(segment.lower() for segment in tokens.STORAGE_SERVICES.values())
_LINKABLE = frozenset(TARGET_TYPES) | frozenset(tokens.STORAGE_SERVICES)


@dataclass(frozen=True)
class _Setting:
    """What one diagnostic setting sends, and whether it sits on a storage service."""

    resource: StackResource
    workspace: object
    has_logs: bool
    on_service: bool | None

    def problems(self, target: StackResource, central: str) -> list[str]:
        """Why this setting does not satisfy RES-2 for `target` (empty when it does)."""
        problems: list[str] = []
        if not is_set(self.workspace):
            problems.append("workspaceId is not set")
        elif central and isinstance(self.workspace, str) and self.workspace.lower() != central.lower():
            problems.append(f"workspaceId is '{self.workspace}', not the central workspace '{central}'")
        if not self.has_logs:
            problems.append("no log category or category group (allLogs or audit) is enabled")
        if target.type == tokens.STORAGE_ACCOUNT and self.on_service is False:
            problems.append("it is on the account, which offers only metrics")
        return problems


def _enabled_logs(logs: object) -> bool:
    """True when some log entry is enabled for a category or for category group allLogs/audit."""
    if logs is UNKNOWN:
        return True
    for item in items(logs):
        if item is UNKNOWN:
            return True
        entry = as_dict(item) or {}
        enabled = entry.get("enabled")
        group = entry.get("categoryGroup")
        category = entry.get("category")
        selects = group is UNKNOWN or category is UNKNOWN or in_ci(group, reference.DIAGNOSTIC_CATEGORY_GROUPS) or bool(str_or_none(category))
        if (enabled is True or enabled is UNKNOWN) and selects:
            return True
    return False


def _resource_uri(setting: StackResource) -> object:
    """The setting's resourceUri, or the part of its own (known) id before the settings segment."""
    uri = setting.get("resourceUri")
    if uri is not None:
        return uri
    own_id = str_or_none(setting.get("id"))
    if own_id and _SETTINGS_SEGMENT in own_id.lower():
        return own_id[: own_id.lower().index(_SETTINGS_SEGMENT)]
    return None


def _storage_account_of(stack: StackIndex, service: StackResource) -> StackResource | None:
    """The storage account a blob/file/queue/table service resource belongs to."""
    accounts = stack.linked(service, "accountName", service.get("accountName"), {tokens.STORAGE_ACCOUNT})
    if accounts:
        return accounts[0]
    hit = stack.by_id_prefix(service.arm_id) if service.arm_id else None
    return hit[0] if hit and hit[0].type == tokens.STORAGE_ACCOUNT else None


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
    return (linked, on_service) if linked.type in TARGET_TYPES else None


def _by_uri(stack: StackIndex, uri: object) -> StackResource | None:
    """The stack resource a known resourceUri designates: the resource itself, or a storage
    account for a URI below one of its service sub-resources (other child paths do not count)."""
    hit = stack.by_id_prefix(uri) if isinstance(uri, str) and uri else None
    if hit is None:
        return None
    resource, suffix = hit
    if not suffix or (resource.type == tokens.STORAGE_ACCOUNT and suffix.split("/", 1)[0] in _SERVICE_SEGMENTS):
        return resource
    return None


def _targets(stack: StackIndex, setting: StackResource) -> list[tuple[StackResource, bool | None]]:
    """Targets of one setting with whether it logs a storage service (None: cannot tell)."""
    uri = _resource_uri(setting)
    hit = _by_uri(stack, uri)
    linked = [hit] if hit is not None else []
    linked += stack.dependencies_via(setting, "resourceUri", _LINKABLE) if hit else stack.linked(
        setting, "resourceUri", uri, _LINKABLE
    )
    found: dict[str, tuple[StackResource, bool | None]] = {}
    for resource in linked:
        resolved = _resolve(stack, resource, _on_service(uri))
        if resolved is not None:
            found.setdefault(resolved[0].urn, resolved)
    return list(found.values())


def _fix(target: StackResource) -> str:
    """What to add for a target without a valid setting."""
    uri = "'<account id>/blobServices/default' (the account itself offers only metrics)" if (
        target.type == tokens.STORAGE_ACCOUNT
    ) else "its id"
    return (
        f"add a monitor:DiagnosticSetting with resourceUri = {uri}, workspaceId = the central Log "
        "Analytics workspace and logs = [{categoryGroup: 'allLogs', enabled: true}]"
    )


def _central_logging(stack: StackIndex, config: PolicyConfig) -> Iterator[Finding]:
    """Every in-scope resource has a diagnostic setting with enabled logs to the workspace."""
    targets = stack.of_type(*TARGET_TYPES)
    if not targets:
        return
    by_target: dict[str, list[_Setting]] = {}
    for setting in stack.of_type(*sorted(tokens.DIAGNOSTIC_SETTINGS)):
        workspace = setting.get("workspaceId")
        has_logs = _enabled_logs(setting.get("logs"))
        for target, on_service in _targets(stack, setting):
            by_target.setdefault(target.urn, []).append(_Setting(setting, workspace, has_logs, on_service))
    central = config.text("centralWorkspaceId")
    for target in targets:
        settings = by_target.get(target.urn, [])
        verdicts = [(setting, setting.problems(target, central)) for setting in settings]
        if any(not problems for _, problems in verdicts):
            continue
        if not verdicts:
            reason = "has no diagnostic setting"
        else:
            reason = "has no diagnostic setting that sends logs to the central workspace (" + "; ".join(
                f"'{setting.resource.name}': {', '.join(problems)}" for setting, problems in verdicts
            ) + ")"
        yield violation(f"{target.subject} {reason}: {_fix(target)}.", urn=target.urn, name=target.name)


POLICIES: tuple[StackPolicySpec, ...] = (
    StackPolicySpec(
        name="azure-monitor-diagnosticsetting-central-logging",
        controls=("RES-2",),
        description=(
            "AI, data, gateway, vault and execution resources must send their logs to the central "
            "Log Analytics workspace through a diagnostic setting."
        ),
        severity="medium",
        remediation=(
            "For each AI, data, gateway, vault and execution resource add a monitor:"
            "DiagnosticSetting whose resourceUri is the resource id (storage: its blobServices/"
            "default, fileServices/default, ... sub-resources), whose workspaceId is the central "
            "workspace and whose logs enable categoryGroup allLogs (or audit)."
        ),
        fields=(
            Field(tokens.DIAGNOSTIC_SETTING, "resourceUri"),
            Field(tokens.DIAGNOSTIC_SETTING, "workspaceId"),
            Field(tokens.DIAGNOSTIC_SETTING, "logs[].enabled"),
            Field(tokens.DIAGNOSTIC_SETTING, "logs[].category"),
            Field(tokens.DIAGNOSTIC_SETTING, "logs[].categoryGroup"),
            *(Field(token, "accountName") for token in tokens.STORAGE_SERVICES),
        ),
        rule=_central_logging,
        config={
            "centralWorkspaceId": {
                "type": "string",
                "default": "",
                "description": (
                    "Resource id of the central Log Analytics workspace; when set, settings must "
                    "send to it (compared case-insensitively). Empty: any workspace."
                ),
            }
        },
    ),
)
