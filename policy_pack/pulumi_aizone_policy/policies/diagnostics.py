"""RES-2: central logging. Every AI, data, gateway, vault and execution resource of the stack has a
diagnostic setting that sends enabled resource logs (category group allLogs or audit, or explicit
categories) to a Log Analytics workspace (the configured central one, when set).

Storage accounts offer only metrics at account level; their logs live on the service
sub-resources (`<accountId>/blobServices/default`, fileServices, queueServices, tableServices),
so a storage account needs a logging setting on one of those. Container Apps session pools log
through their Container Apps environment, which is therefore in scope.

How a setting is matched to the resource it logs is diagnostic_links.py's (shared with MOD-2b).

Classic (pulumi-azure 6.x) settings and resources count the same way: an
`azure:monitoring/diagnosticSetting` sends to `logAnalyticsWorkspaceId` and lists its logs in
`enabledLogs[]` (`category` or `categoryGroup`; an `enabled_log` block has no enabled switch, a
listed block is enabled: DiagnosticSettingEnabledLogArgs), and the classic AI, data, gateway and
vault resources need such a setting like their azure-native counterparts.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from .. import reference, tokens
from ..config import PolicyConfig
from ..framework import Field, Finding, StackPolicySpec, violation
from ..stackindex import StackIndex, StackResource
from ..values import UNKNOWN, as_dict, in_ci, is_set, items, str_or_none
from .diagnostic_links import LOGGED_TYPES, SETTING_TYPES, STORAGE_ACCOUNTS, diagnostic_targets


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
        workspace_path = _WORKSPACE_PATHS.get(self.resource.type, "workspaceId")
        if not is_set(self.workspace):
            problems.append(f"{workspace_path} is not set")
        elif central and isinstance(self.workspace, str) and self.workspace.lower() != central.lower():
            problems.append(f"{workspace_path} is '{self.workspace}', not the central workspace '{central}'")
        if not self.has_logs:
            problems.append("no log category or category group (allLogs or audit) is enabled")
        if target.type in STORAGE_ACCOUNTS and self.on_service is False:
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
        selects = (
            group is UNKNOWN or category is UNKNOWN or in_ci(group, reference.DIAGNOSTIC_CATEGORY_GROUPS) or bool(str_or_none(category))
        )
        if (enabled is True or enabled is UNKNOWN) and selects:
            return True
    return False


_WORKSPACE_PATHS: dict[str, str] = {tokens.AZ_DIAGNOSTIC_SETTING: "logAnalyticsWorkspaceId"}


def _classic_logs(logs: object) -> bool:
    """True when a classic enabledLogs list selects a category or category group allLogs/audit."""
    if logs is UNKNOWN:
        return True
    for item in items(logs):
        if item is UNKNOWN:
            return True
        entry = as_dict(item) or {}
        group, category = entry.get("categoryGroup"), entry.get("category")
        if group is UNKNOWN or category is UNKNOWN or in_ci(group, reference.DIAGNOSTIC_CATEGORY_GROUPS) or str_or_none(category):
            return True
    return False


def _fix(target: StackResource) -> str:
    """What to add for a target without a valid setting."""
    uri = "'<account id>/blobServices/default' (the account itself offers only metrics)" if (target.type in STORAGE_ACCOUNTS) else "its id"
    if target.type.startswith("azure:"):
        return (
            f"add an azure:monitoring/diagnosticSetting:DiagnosticSetting with targetResourceId = {uri}, "
            "logAnalyticsWorkspaceId = the central Log Analytics workspace and enabledLogs = "
            "[{categoryGroup: 'allLogs'}]"
        )
    return (
        f"add a monitor:DiagnosticSetting with resourceUri = {uri}, workspaceId = the central Log "
        "Analytics workspace and logs = [{categoryGroup: 'allLogs', enabled: true}]"
    )


def _central_logging(stack: StackIndex, config: PolicyConfig) -> Iterator[Finding]:
    """Every in-scope resource has a diagnostic setting with enabled logs to the workspace."""
    targets = stack.of_type(*LOGGED_TYPES)
    if not targets:
        return
    by_target: dict[str, list[_Setting]] = {}
    for setting in stack.of_type(*SETTING_TYPES):
        if setting.type == tokens.AZ_DIAGNOSTIC_SETTING:
            workspace, has_logs = setting.get("logAnalyticsWorkspaceId"), _classic_logs(setting.get("enabledLogs"))
        else:
            workspace, has_logs = setting.get("workspaceId"), _enabled_logs(setting.get("logs"))
        for target, on_service in diagnostic_targets(stack, setting):
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
            reason = (
                "has no diagnostic setting that sends logs to the central workspace ("
                + "; ".join(f"'{setting.resource.name}': {', '.join(problems)}" for setting, problems in verdicts)
                + ")"
            )
        yield violation(f"{target.subject} {reason}: {_fix(target)}.", urn=target.urn, name=target.name)


POLICIES: tuple[StackPolicySpec, ...] = (
    StackPolicySpec(
        name="azurenative-monitor-diagnosticsetting-central-logging",
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
            "workspace and whose logs enable categoryGroup allLogs (or audit); on the classic "
            "provider an azure:monitoring/diagnosticSetting:DiagnosticSetting with targetResourceId, "
            "logAnalyticsWorkspaceId and enabledLogs."
        ),
        fields=(
            Field(tokens.DIAGNOSTIC_SETTING, "resourceUri"),
            Field(tokens.DIAGNOSTIC_SETTING, "workspaceId"),
            Field(tokens.DIAGNOSTIC_SETTING, "logs[].enabled"),
            Field(tokens.DIAGNOSTIC_SETTING, "logs[].category"),
            Field(tokens.DIAGNOSTIC_SETTING, "logs[].categoryGroup"),
            *(Field(token, "accountName") for token in tokens.STORAGE_SERVICES),
            Field(tokens.AZ_DIAGNOSTIC_SETTING, "targetResourceId"),
            Field(tokens.AZ_DIAGNOSTIC_SETTING, "logAnalyticsWorkspaceId"),
            Field(tokens.AZ_DIAGNOSTIC_SETTING, "enabledLogs[].category"),
            Field(tokens.AZ_DIAGNOSTIC_SETTING, "enabledLogs[].categoryGroup"),
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
