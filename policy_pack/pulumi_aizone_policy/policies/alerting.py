"""MOD-2b and EXEC-4: output and execution monitoring (advisory by default, as the catalog sets
them).

An alert rule (monitor:MetricAlert or monitor:ScheduledQueryRule, not disabled) watches a resource
when one of its `scopes` is the resource's id or is wired from it (property dependency), and it is
routed when its actions name an action group: wired from a monitor:ActionGroup of the stack, or a
literal action group id (a group of the platform stack). Metric alerts list
`actions[].actionGroupId`, scheduled query rules `actions.actionGroups[]`.

- MOD-2b: every AI account (cognitiveservices:Account) has a routed alert rule (e.g. on
  RAIRejectedRequests content-filter blocks or TokenTransaction usage), and a diagnostic setting on
  it captures request/response and usage logs: category group allLogs, or both categories
  RequestResponse and AzureOpenAIRequestUsage (reference.AI_OUTPUT_LOG_CATEGORIES). Sending the
  logs to the central workspace is RES-2's policy.
- EXEC-4: every custom-container session pool has a routed alert rule on itself or on the Container
  Apps environment it runs in (environmentId), whose logs hold the pool's session events. Code
  interpreter (PythonLTS) pools are not judged: they run outside the environment and Azure Monitor
  offers neither metrics nor logs for them, so their execution volume is bounded by EXEC-3's cap.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator

from .. import reference, tokens
from ..config import PolicyConfig
from ..framework import Field, Finding, StackPolicySpec, violation
from ..stackindex import StackIndex, StackResource
from ..values import UNKNOWN, as_dict, eq_ci, get, in_ci, is_set, items
from .diagnostic_links import diagnostic_targets

CUSTOM_CONTAINER = "CustomContainer"
ALL_LOGS = reference.DIAGNOSTIC_CATEGORY_GROUPS[0]


def _routed(stack: StackIndex, rule: StackResource) -> bool:
    """True when the rule's actions name an action group (unknown values count as named)."""
    if stack.dependencies_via(rule, "actions", {tokens.ACTION_GROUP}):
        return True
    actions = rule.get("actions")
    if rule.type == tokens.METRIC_ALERT:
        groups = [get(item, "actionGroupId") for item in items(actions)]
    else:
        groups = items(get(actions, "actionGroups"))
    return actions is UNKNOWN or any(is_set(group) for group in groups)


def watched(stack: StackIndex, types: Collection[str]) -> set[str]:
    """URNs of resources of `types` that an enabled, routed alert rule watches."""
    found: set[str] = set()
    for rule in stack.of_type(*tokens.ALERT_RULES):
        if rule.get("enabled") is False or not _routed(stack, rule):
            continue
        scopes = rule.get("scopes")
        for scope in items(scopes):
            target = stack.by_id(scope) if isinstance(scope, str) and scope else None
            if target is not None and target.type in types:
                found.add(target.urn)
        found.update(target.urn for target in stack.dependencies_via(rule, "scopes", types))
        if scopes is UNKNOWN:
            sole = stack.sole_dependency(rule, types)
            found.update({sole.urn} if sole is not None else set[str]())
    return found


def _captures_output(logs: object) -> bool:
    """True when enabled log settings cover allLogs or both AI output categories."""
    if logs is UNKNOWN:
        return True
    categories: set[str] = set()
    for item in items(logs):
        entry = as_dict(item)
        if item is UNKNOWN:
            return True
        if entry is None or entry.get("enabled") not in (True, UNKNOWN):
            continue
        if entry.get("categoryGroup") is UNKNOWN or in_ci(entry.get("categoryGroup"), (ALL_LOGS,)):
            return True
        category = entry.get("category")
        if category is UNKNOWN:
            return True
        if isinstance(category, str):
            categories.add(category.lower())
    return {category.lower() for category in reference.AI_OUTPUT_LOG_CATEGORIES} <= categories


def _output_monitoring(stack: StackIndex, _config: PolicyConfig) -> Iterator[Finding]:
    """AI accounts have a routed alert and request/response plus usage logs."""
    accounts = stack.of_type(tokens.COGNITIVE_ACCOUNT)
    if not accounts:
        return
    alerted = watched(stack, {tokens.COGNITIVE_ACCOUNT})
    logged: set[str] = set()
    for setting in stack.of_type(*sorted(tokens.DIAGNOSTIC_SETTINGS)):
        if _captures_output(setting.get("logs")):
            logged.update(target.urn for target, _ in diagnostic_targets(stack, setting) if target.type == tokens.COGNITIVE_ACCOUNT)
    for account in accounts:
        if account.urn not in alerted:
            yield violation(
                f"{account.subject} has no alert rule routed to an action group: add a monitor:"
                "MetricAlert scoped to it (e.g. RAIRejectedRequests for content-filter blocks, "
                "TokenTransaction for abnormal token usage) whose actions name the action group.",
                urn=account.urn,
                name=account.name,
            )
        if account.urn not in logged:
            yield violation(
                f"{account.subject} has no diagnostic setting that captures prompts, responses and "
                f"usage: enable categoryGroup '{ALL_LOGS}' (or the categories "
                f"{' and '.join(reference.AI_OUTPUT_LOG_CATEGORIES)}) in a monitor:DiagnosticSetting "
                "on the account.",
                urn=account.urn,
                name=account.name,
            )


def _execution_alerts(stack: StackIndex, _config: PolicyConfig) -> Iterator[Finding]:
    """Custom-container session pools are watched by a routed alert (on the pool or its environment)."""
    pools = [pool for pool in stack.of_type(tokens.SESSION_POOL) if eq_ci(pool.get("containerType"), CUSTOM_CONTAINER)]
    if not pools:
        return
    alerted = watched(stack, {tokens.SESSION_POOL, tokens.MANAGED_ENVIRONMENT})
    for pool in pools:
        environments = stack.linked(pool, "environmentId", pool.get("environmentId"), {tokens.MANAGED_ENVIRONMENT})
        if pool.urn in alerted or any(environment.urn in alerted for environment in environments):
            continue
        yield violation(
            f"{pool.subject} has no alert rule routed to an action group: add a monitor:MetricAlert "
            "on the pool (e.g. PoolExecutingPodCount near its concurrency cap) or a monitor:"
            "ScheduledQueryRule on its Container Apps environment's session logs (failures), whose "
            "actions name the action group.",
            urn=pool.urn,
            name=pool.name,
        )


_ALERT_FIELDS: tuple[Field, ...] = (
    Field(tokens.METRIC_ALERT, "scopes"),
    Field(tokens.METRIC_ALERT, "enabled"),
    Field(tokens.METRIC_ALERT, "actions[].actionGroupId"),
    Field(tokens.SCHEDULED_QUERY_RULE, "scopes"),
    Field(tokens.SCHEDULED_QUERY_RULE, "enabled"),
    Field(tokens.SCHEDULED_QUERY_RULE, "actions.actionGroups"),
)

POLICIES: tuple[StackPolicySpec, ...] = (
    StackPolicySpec(
        name="azurenative-cognitiveservices-account-output-monitoring",
        controls=("MOD-2b",),
        description=("AI accounts must have an alert rule routed to an action group and capture request/response and usage logs."),
        severity="medium",
        remediation=(
            "Add metric alerts on the AI account (RAIRejectedRequests, TokenTransaction) routed to the "
            "action group, and a diagnostic setting with categoryGroup allLogs (or RequestResponse and "
            "AzureOpenAIRequestUsage)."
        ),
        fields=(
            *_ALERT_FIELDS,
            Field(tokens.DIAGNOSTIC_SETTING, "resourceUri"),
            Field(tokens.DIAGNOSTIC_SETTING, "logs[].enabled"),
            Field(tokens.DIAGNOSTIC_SETTING, "logs[].category"),
            Field(tokens.DIAGNOSTIC_SETTING, "logs[].categoryGroup"),
        ),
        rule=_output_monitoring,
    ),
    StackPolicySpec(
        name="azurenative-app-containerappssessionpool-execution-alerts",
        controls=("EXEC-4",),
        description="Custom-container session pools must be watched by an alert rule routed to an action group.",
        severity="medium",
        remediation=(
            "Alert on unusual execution volume (PoolExecutingPodCount on the pool) and on session "
            "failures (a scheduled query over the environment's session logs), routed to the action group."
        ),
        fields=(
            *_ALERT_FIELDS,
            Field(tokens.SESSION_POOL, "containerType", (CUSTOM_CONTAINER,)),
            Field(tokens.SESSION_POOL, "environmentId"),
        ),
        rule=_execution_alerts,
    ),
)
