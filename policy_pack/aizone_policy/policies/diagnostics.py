"""RES-2: central logging. Every AI, data, gateway, vault and execution resource of the stack has a
diagnostic setting that sends enabled resource logs (category group allLogs or audit, or explicit
categories) to a Log Analytics workspace (the configured central one, when set).

Storage accounts offer only metrics at account level; their logs live on the service
sub-resources (`<accountId>/blobServices/default`, fileServices, queueServices, tableServices),
so a storage account needs a logging setting on one of those. Container Apps session pools log
through their Container Apps environment, which is therefore in scope.

How a setting is matched to the resource it logs is diagnostic_links.py's (shared with MOD-2b).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from .. import reference, tokens
from ..config import PolicyConfig
from ..framework import Field, Finding, StackPolicySpec, violation
from ..stackindex import StackIndex, StackResource
from ..values import UNKNOWN, as_dict, in_ci, items, is_set, str_or_none
from .diagnostic_links import LOGGED_TYPES, diagnostic_targets


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
    targets = stack.of_type(*LOGGED_TYPES)
    if not targets:
        return
    by_target: dict[str, list[_Setting]] = {}
    for setting in stack.of_type(*sorted(tokens.DIAGNOSTIC_SETTINGS)):
        workspace = setting.get("workspaceId")
        has_logs = _enabled_logs(setting.get("logs"))
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
            reason = "has no diagnostic setting that sends logs to the central workspace (" + "; ".join(
                f"'{setting.resource.name}': {', '.join(problems)}" for setting, problems in verdicts
            ) + ")"
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
