"""Alert rules on AI output, the gateway and code execution, routed to one action group (MOD-2b,
EXEC-4).

Every rule below names the signal it watches and where that signal is documented, its severity
(0 critical .. 4 verbose), how often it is evaluated and over which window, and fires into the one
action group (e-mail receivers, common alert schema):

- content-filter-blocks: metric RAIRejectedRequests, Total, on the AI account; sev 2, every
  PT5M over PT15M.
- token-usage: metric TokenTransaction, Total, on the AI account; a dynamic threshold (sev 2,
  PT5M over PT15M, anomalous in 2 of 4 windows) or a static hourly budget (sev 2, PT15M over PT1H).
- gateway-server-errors / gateway-client-errors: metric Requests filtered on
  GatewayResponseCodeCategory 5xx (sev 1) / 4xx, i.e. throttled (429) or rejected (401/403)
  callers (sev 3), on API Management; PT5M over PT15M.
- session-busy-<agent>: metric PoolExecutingPodCount, Maximum, on a custom container session pool,
  at a share of its concurrency cap; sev 2, PT1M over PT5M.
- session-failures: a log query over the session pool tables, scoped to the Container Apps
  environment, counted per pool; sev 2, PT5M over PT15M.

Metric names are the "Name in REST API" column of Azure Monitor's supported-metrics reference:
- Microsoft.CognitiveServices/accounts: `RAIRejectedRequests` ("Blocked Volume": calls rejected by
  the content filter) and `TokenTransaction` ("Processed Inference Tokens": prompt plus generated
  tokens), https://learn.microsoft.com/azure/azure-monitor/reference/supported-metrics/microsoft-cognitiveservices-accounts-metrics
- Microsoft.ApiManagement/service: `Requests` with dimension `GatewayResponseCodeCategory`
  (values such as `4xx`, `5xx`), https://learn.microsoft.com/azure/azure-monitor/reference/supported-metrics/microsoft-apimanagement-service-metrics
- Microsoft.App/sessionPools: `PoolExecutingPodCount` (executing sessions), listed for custom
  container session pools, https://learn.microsoft.com/azure/azure-monitor/reference/supported-metrics/microsoft-app-sessionpools-metrics
- session pool logs reach the workspace through the environment's diagnostic setting, categories
  `AppEnvSessionLifeCycleLogs` and `AppEnvSessionPoolEventLogs`, tables `AppEnvSessionLifecycleLogs`
  (note the lower-case c) and `AppEnvSessionPoolEventLogs`,
  https://learn.microsoft.com/azure/azure-monitor/reference/supported-logs/microsoft-app-managedenvironments-logs

Code interpreter (PythonLTS) pools live outside the environment and Azure Monitor documents no
metric or log for them: their execution volume is bounded by `maxConcurrentSessions` (EXEC-3), and
the session alerts cover custom container pools only.

Enum spellings differ between the two rule types and are the service's, not the SDK's: metric
alerts take `GreaterThan` (monitor.Operator); scheduled query rules also take `GreaterThan` on the
wire (API 2025-01-01-preview: Equals | GreaterThan | GreaterThanOrEqual | LessThan |
LessThanOrEqual), although the SDK types their operator with an unrelated `ConditionOperator` enum
(`gt`, `lt`, ...) that Azure would reject. Union-typed criteria are built from the SDK's *Args
classes: a plain dict would reach Azure with snake_case keys.
"""

import math
import re
from dataclasses import dataclass
from typing import NotRequired, Optional, Sequence, TypedDict

import pulumi
from pulumi_azure_native import monitor

from .base import NAME_PATTERN, NAME_RULE, PlacementArgs, Problem, aliased, as_placement, implements, raise_if_invalid

TYPE_TOKEN = "aizone:index:Alerts"
_OLD_TYPE_TOKEN = "aizone:monitoring:Alerts"  # before 0.2.0: aliased so stacks are not replaced

AI_NAMESPACE = "Microsoft.CognitiveServices/accounts"
APIM_NAMESPACE = "Microsoft.ApiManagement/service"
SESSION_POOL_NAMESPACE = "Microsoft.App/sessionPools"
CONTENT_FILTER_METRIC = "RAIRejectedRequests"
TOKEN_METRIC = "TokenTransaction"
GATEWAY_METRIC = "Requests"
GATEWAY_STATUS_DIMENSION = "GatewayResponseCodeCategory"
SESSION_METRIC = "PoolExecutingPodCount"
SINGLE_RESOURCE_CRITERIA = "Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria"
# Dynamic thresholds are accepted only in the multiple-resource criteria shape (one scope is fine).
MULTIPLE_RESOURCE_CRITERIA = "Microsoft.Azure.Monitor.MultipleResourceMultipleMetricCriteria"
# Scheduled query rule operator as the service spells it (see the module docstring).
QUERY_GREATER_THAN = "GreaterThan"
SENSITIVITIES = tuple(item.value for item in monitor.DynamicThresholdSensitivity)
SHORT_NAME_LENGTH = 12

# Session allocation and pool events at error level, or whose message reports a failure, per pool.
# `union isfuzzy=true` and `column_ifexists` keep the query valid before the first session has
# written to one of the tables (they are created on first ingestion).
SESSION_FAILURE_QUERY = """union isfuzzy=true AppEnvSessionLifecycleLogs, AppEnvSessionPoolEventLogs
| extend Level = tostring(column_ifexists("Level", "")), Message = tostring(column_ifexists("Log", ""))
| where Level in~ ("Error", "Critical", "Fatal") or Message has_any ("error", "failed", "failure", "exception")
| project TimeGenerated, SessionPoolName = tostring(column_ifexists("SessionPoolName", "")), Level, Message"""

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class AlertOptionsArgs(TypedDict):
    """Who is told and when. Thresholds count events per evaluation window (module docstring)."""

    emails: Sequence[str]
    """E-mail receivers of the action group; at least one."""
    short_name: NotRequired[str]
    """The action group's short name (SMS/e-mail), 1-12 characters. Default: `aizone`."""
    content_filter_blocks: NotRequired[int]
    """Blocked requests per 15 minutes that raise an alert, >= 0. Default: 5."""
    token_threshold: NotRequired[int]
    """Processed tokens per hour, >= 1; absent learns the normal pattern instead (dynamic threshold
    with `token_sensitivity`). Default: absent (dynamic)."""
    token_sensitivity: NotRequired[str]
    """How far from the learned pattern token usage may go: `Low`, `Medium` or `High`. Default: `Medium`."""
    gateway_server_errors: NotRequired[int]
    """5xx gateway responses per 15 minutes, >= 0. Default: 10."""
    gateway_client_errors: NotRequired[int]
    """4xx gateway responses (throttled or rejected callers) per 15 minutes, >= 0. Default: 100."""
    session_busy_percent: NotRequired[int]
    """Executing sessions, as a share of the pool's cap, 1-100. Default: 80."""
    session_failures: NotRequired[int]
    """Failed session events per 15 minutes, >= 0. Default: 0."""


class SessionPoolTargetArgs(TypedDict):
    """One session pool to watch (CodeSessions' `alert_targets()` gives these)."""

    agent: str
    """The agent the pool runs code for; names the rule (`session-busy-<agent>`)."""
    pool_id: pulumi.Input[str]
    """Resource id of the session pool."""
    max_concurrent_sessions: int
    """The pool's concurrency cap (the busy threshold is a share of it)."""
    custom: bool
    """Whether the pool runs a custom container (only those have metrics and logs)."""


class AlertsArgs(TypedDict):
    """Inputs of Alerts."""

    placement: PlacementArgs
    """Resource group, region (the AI account's: the dynamic-threshold rule states it) and tags."""
    name_prefix: str
    """Names the Azure resources: `<prefix>-ag`, `<prefix>-<rule>`."""
    options: AlertOptionsArgs
    """Receivers and thresholds."""
    ai_account_id: pulumi.Input[str]
    """Resource id of the AI Services account (content-filter and token rules)."""
    apim_service_id: NotRequired[pulumi.Input[str]]
    """Resource id of the API Management gateway; its error rules exist only with it. Default: none."""
    session_environment_id: NotRequired[pulumi.Input[str]]
    """Resource id of the Container Apps environment; the session failure query exists only with it
    and a custom container pool. Default: none."""
    session_pools: NotRequired[Sequence[SessionPoolTargetArgs]]
    """Session pools to watch; busy rules for custom container pools only. Default: none."""


_COUNT_FIELDS = ("content_filter_blocks", "gateway_server_errors", "gateway_client_errors", "session_failures")


def validate_alert_options(options: AlertOptionsArgs, prefix: str = "") -> list[Problem]:
    """Every problem with alert options; fields are prefixed with `prefix`."""
    emails = list(options.get("emails", []))
    problems = [
        Problem(f"{prefix}emails", f"{email!r} is not an e-mail address")
        for email in emails
        if not isinstance(email, str) or not _EMAIL.match(email)
    ]
    if not emails:
        problems.append(Problem(f"{prefix}emails", "at least one receiver is required, alerts must reach someone"))
    short_name = options.get("short_name", "aizone")
    if not isinstance(short_name, str) or not 1 <= len(short_name) <= SHORT_NAME_LENGTH:
        problems.append(Problem(f"{prefix}short_name", f"1-{SHORT_NAME_LENGTH} characters, got {short_name!r}"))
    defaults = {"content_filter_blocks": 5, "gateway_server_errors": 10, "gateway_client_errors": 100, "session_failures": 0}
    for field_name in _COUNT_FIELDS:
        value = options.get(field_name, defaults[field_name])
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            problems.append(Problem(f"{prefix}{field_name}", f"a whole number >= 0, got {value!r}"))
    threshold = options.get("token_threshold")
    if threshold is not None and (isinstance(threshold, bool) or not isinstance(threshold, int) or threshold < 1):
        problems.append(Problem(f"{prefix}token_threshold", f"None (dynamic threshold) or a whole number >= 1, got {threshold!r}"))
    sensitivity = options.get("token_sensitivity", "Medium")
    if sensitivity not in SENSITIVITIES:
        problems.append(Problem(f"{prefix}token_sensitivity", f"one of {', '.join(SENSITIVITIES)}, got {sensitivity!r}"))
    percent = options.get("session_busy_percent", 80)
    if isinstance(percent, bool) or not isinstance(percent, int) or not 1 <= percent <= 100:
        problems.append(Problem(f"{prefix}session_busy_percent", f"a whole number between 1 and 100, got {percent!r}"))
    return problems


def validate_alerts(args: AlertsArgs) -> list[Problem]:
    """Every problem with Alerts args, each naming its field."""
    problems: list[Problem] = []
    prefix = args.get("name_prefix")
    if not isinstance(prefix, str) or not re.match(r"^[A-Za-z0-9][A-Za-z0-9-]{0,200}$", prefix):
        problems.append(Problem("name_prefix", "letters, digits and '-', starting with a letter or digit"))
    problems += validate_alert_options(args.get("options", AlertOptionsArgs(emails=[])), "options.")
    for index, pool in enumerate(args.get("session_pools", [])):
        cap = pool.get("max_concurrent_sessions")
        if isinstance(cap, bool) or not isinstance(cap, int) or cap < 1:
            problems.append(Problem(f"session_pools[{index}].max_concurrent_sessions", "a whole number >= 1"))
        if not NAME_PATTERN.match(str(pool.get("agent", ""))):
            problems.append(Problem(f"session_pools[{index}].agent", NAME_RULE))
    return problems


@dataclass(frozen=True)
class AlertOptions:
    """Alert options as the settings read them (rules and defaults: `AlertOptionsArgs`,
    `validate_alert_options`); `as_args()` is what Alerts takes."""

    emails: tuple[str, ...]
    short_name: str = "aizone"
    content_filter_blocks: int = 5
    token_threshold: int | None = None
    token_sensitivity: str = "Medium"
    gateway_server_errors: int = 10
    gateway_client_errors: int = 100
    session_busy_percent: int = 80
    session_failures: int = 0

    def __post_init__(self) -> None:
        problems = validate_alert_options(self.as_args())
        if problems:
            raise ValueError("invalid alert options: " + "; ".join(f"{p.field}: {p.message}" for p in problems))

    def as_args(self) -> AlertOptionsArgs:
        args = AlertOptionsArgs(
            emails=list(self.emails),
            short_name=self.short_name,
            content_filter_blocks=self.content_filter_blocks,
            token_sensitivity=self.token_sensitivity,
            gateway_server_errors=self.gateway_server_errors,
            gateway_client_errors=self.gateway_client_errors,
            session_busy_percent=self.session_busy_percent,
            session_failures=self.session_failures,
        )
        if self.token_threshold is not None:
            args["token_threshold"] = self.token_threshold
        return args

    @classmethod
    def of(cls, args: AlertOptionsArgs) -> "AlertOptions":
        return cls(
            emails=tuple(args["emails"]),
            short_name=args.get("short_name", "aizone"),
            content_filter_blocks=args.get("content_filter_blocks", 5),
            token_threshold=args.get("token_threshold"),
            token_sensitivity=args.get("token_sensitivity", "Medium"),
            gateway_server_errors=args.get("gateway_server_errors", 10),
            gateway_client_errors=args.get("gateway_client_errors", 100),
            session_busy_percent=args.get("session_busy_percent", 80),
            session_failures=args.get("session_failures", 0),
        )


@dataclass(frozen=True)
class _Schedule:
    """Severity, evaluation frequency and window of one rule."""

    severity: int
    frequency: str
    window: str


_EVERY_5_MIN = _Schedule(severity=2, frequency="PT5M", window="PT15M")


@implements("MOD-2b", "EXEC-4")
class Alerts(pulumi.ComponentResource):
    """An action group (e-mail, common alert schema) and the alert rules on AI output, the gateway
    and code execution, each wired to that group."""

    action_group_id: pulumi.Output[str]
    """Resource id of the action group."""
    rule_ids: pulumi.Output[dict[str, str]]
    """Rule key (`content-filter-blocks`, `token-usage`, ...) -> alert rule id."""

    def __init__(self, name: str, args: AlertsArgs, opts: Optional[pulumi.ResourceOptions] = None) -> None:
        raise_if_invalid("Alerts", validate_alerts(args))
        super().__init__(
            TYPE_TOKEN,
            name,
            {},
            aliased(opts, _OLD_TYPE_TOKEN),
        )
        placement = as_placement(args["placement"])
        name_prefix = args["name_prefix"]
        options = AlertOptions.of(args["options"])
        ai_account_id = args["ai_account_id"]
        apim_service_id = args.get("apim_service_id")
        session_environment_id = args.get("session_environment_id")
        session_pools = args.get("session_pools", [])
        self._logical_name = name
        self._placement = placement
        self._prefix = name_prefix
        self.action_group = monitor.ActionGroup(
            f"{name}-action-group",
            monitor.ActionGroupInitArgs(
                resource_group_name=placement.resource_group_name,
                action_group_name=f"{name_prefix}-ag",
                location="Global",
                group_short_name=options.short_name,
                enabled=True,
                email_receivers=[
                    monitor.MicrosoftCommonEmailReceiverArgs(name=f"email-{index}", email_address=email, use_common_alert_schema=True)
                    for index, email in enumerate(options.emails, start=1)
                ],
                tags=placement.with_tags(),
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.rules: dict[str, pulumi.CustomResource] = {}
        self._ai_rules(ai_account_id, options)
        if apim_service_id is not None:
            self._gateway_rules(apim_service_id, options)
        custom_pools = [pool for pool in session_pools if pool["custom"]]
        for pool in custom_pools:
            self._metric_rule(
                f"session-busy-{pool['agent']}",
                f"Executing sessions of agent {pool['agent']}'s pool reached {options.session_busy_percent}% of its cap "
                f"({pool['max_concurrent_sessions']}): unusual execution volume (EXEC-4).",
                pool["pool_id"],
                _Schedule(severity=2, frequency="PT1M", window="PT5M"),
                _static(
                    SESSION_METRIC,
                    SESSION_POOL_NAMESPACE,
                    monitor.AggregationTypeEnum.MAXIMUM,
                    math.ceil(pool["max_concurrent_sessions"] * options.session_busy_percent / 100),
                    monitor.Operator.GREATER_THAN_OR_EQUAL,
                ),
            )
        if session_environment_id is not None and custom_pools:
            self._session_failure_rule(session_environment_id, options)
        self.action_group_id = self.action_group.id
        self.rule_ids = pulumi.Output.all(**{key: rule.id for key, rule in self.rules.items()}).apply(dict)
        self.register_outputs({"action_group_id": self.action_group_id, "rule_ids": self.rule_ids})

    def _ai_rules(self, ai_account_id: pulumi.Input[str], options: AlertOptions) -> None:
        """Content-filter blocks and abnormal token usage on the AI account (MOD-2b)."""
        self._metric_rule(
            "content-filter-blocks",
            f"More than {options.content_filter_blocks} requests blocked by the content filter in 15 minutes "
            "(RAIRejectedRequests): possible jailbreak or harmful-content attempts (MOD-2b).",
            ai_account_id,
            _EVERY_5_MIN,
            _static(CONTENT_FILTER_METRIC, AI_NAMESPACE, monitor.AggregationTypeEnum.TOTAL, options.content_filter_blocks),
        )
        if options.token_threshold is None:
            self._metric_rule(
                "token-usage",
                "Processed tokens (TokenTransaction) far above their learned pattern: abnormal model usage (MOD-2b).",
                ai_account_id,
                _EVERY_5_MIN,
                monitor.MetricAlertMultipleResourceMultipleMetricCriteriaArgs(
                    odata_type=MULTIPLE_RESOURCE_CRITERIA,
                    all_of=[
                        monitor.DynamicMetricCriteriaArgs(
                            criterion_type=monitor.CriterionType.DYNAMIC_THRESHOLD_CRITERION.value,
                            name=TOKEN_METRIC,
                            metric_name=TOKEN_METRIC,
                            metric_namespace=AI_NAMESPACE,
                            time_aggregation=monitor.AggregationTypeEnum.TOTAL,
                            operator=monitor.DynamicThresholdOperator.GREATER_THAN,
                            alert_sensitivity=options.token_sensitivity,
                            # Anomalous in 2 of the last 4 windows (one hour), not a single spike.
                            failing_periods=monitor.DynamicThresholdFailingPeriodsArgs(
                                min_failing_periods_to_alert=2, number_of_evaluation_periods=4
                            ),
                        )
                    ],
                ),
                target_type=AI_NAMESPACE,
            )
        else:
            self._metric_rule(
                "token-usage",
                f"More than {options.token_threshold} tokens processed in one hour (TokenTransaction) (MOD-2b).",
                ai_account_id,
                _Schedule(severity=2, frequency="PT15M", window="PT1H"),
                _static(TOKEN_METRIC, AI_NAMESPACE, monitor.AggregationTypeEnum.TOTAL, options.token_threshold),
            )

    def _gateway_rules(self, apim_service_id: pulumi.Input[str], options: AlertOptions) -> None:
        """Gateway failures (5xx) and rejected or throttled callers (4xx) on API Management."""
        for key, category, threshold, severity, meaning in (
            ("gateway-server-errors", "5xx", options.gateway_server_errors, 1, "gateway or model backend failures"),
            ("gateway-client-errors", "4xx", options.gateway_client_errors, 3, "throttled (429) or rejected (401/403) callers"),
        ):
            self._metric_rule(
                key,
                f"More than {threshold} {category} gateway responses in 15 minutes: {meaning} (MOD-2b).",
                apim_service_id,
                _Schedule(severity=severity, frequency="PT5M", window="PT15M"),
                _static(
                    GATEWAY_METRIC,
                    APIM_NAMESPACE,
                    monitor.AggregationTypeEnum.TOTAL,
                    threshold,
                    dimensions=[
                        monitor.MetricDimensionArgs(
                            name=GATEWAY_STATUS_DIMENSION, operator=monitor.DimensionOperator.INCLUDE.value, values=[category]
                        )
                    ],
                ),
            )

    def _session_failure_rule(self, environment_id: pulumi.Input[str], options: AlertOptions) -> None:
        """Failed session allocations and pool events, per pool, from the environment's logs."""
        schedule = _EVERY_5_MIN
        self.rules["session-failures"] = monitor.ScheduledQueryRule(
            f"{self._logical_name}-session-failures",
            monitor.ScheduledQueryRuleArgs(
                resource_group_name=self._placement.resource_group_name,
                location=self._placement.location,
                rule_name=f"{self._prefix}-session-failures",
                display_name="Session pool failures",
                description=f"More than {options.session_failures} failed session events in 15 minutes in a session pool (EXEC-4).",
                kind=monitor.Kind.LOG_ALERT,
                enabled=True,
                # Resource-centric: the query sees only this environment's rows.
                scopes=[environment_id],
                severity=schedule.severity,
                evaluation_frequency=schedule.frequency,
                window_size=schedule.window,
                criteria=monitor.ScheduledQueryRuleCriteriaArgs(
                    all_of=[
                        monitor.ConditionArgs(
                            query=SESSION_FAILURE_QUERY,
                            time_aggregation=monitor.TimeAggregation.COUNT,
                            operator=QUERY_GREATER_THAN,
                            threshold=options.session_failures,
                            dimensions=[
                                monitor.DimensionArgs(name="SessionPoolName", operator=monitor.DimensionOperator.INCLUDE, values=["*"])
                            ],
                            failing_periods=monitor.ConditionFailingPeriodsArgs(
                                min_failing_periods_to_alert=1, number_of_evaluation_periods=1
                            ),
                        )
                    ]
                ),
                # The session tables exist only after their first record; validation at creation
                # would reject the rule on a fresh workspace.
                skip_query_validation=True,
                auto_mitigate=True,
                actions=monitor.ActionsArgs(action_groups=[self.action_group.id]),
                tags=self._placement.with_tags(),
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )

    def _metric_rule(
        self,
        key: str,
        description: str,
        scope: pulumi.Input[str],
        schedule: _Schedule,
        criteria: monitor.MetricAlertSingleResourceMultipleMetricCriteriaArgs
        | monitor.MetricAlertMultipleResourceMultipleMetricCriteriaArgs,
        target_type: str | None = None,
    ) -> None:
        """One metric alert on a single resource, wired to the action group."""
        self.rules[key] = monitor.MetricAlert(
            f"{self._logical_name}-{key}",
            monitor.MetricAlertArgs(
                resource_group_name=self._placement.resource_group_name,
                rule_name=f"{self._prefix}-{key}",
                location="global",
                description=description,
                enabled=True,
                scopes=[scope],
                severity=schedule.severity,
                evaluation_frequency=schedule.frequency,
                window_size=schedule.window,
                criteria=criteria,
                # The multiple-resource criteria shape states the target's type and region.
                target_resource_type=target_type,
                target_resource_region=self._placement.location if target_type else None,
                auto_mitigate=True,
                actions=[monitor.MetricAlertActionArgs(action_group_id=self.action_group.id)],
                tags=self._placement.with_tags(),
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )


def _static(
    metric: str,
    namespace: str,
    aggregation: monitor.AggregationTypeEnum,
    threshold: int,
    operator: monitor.Operator = monitor.Operator.GREATER_THAN,
    dimensions: Sequence[monitor.MetricDimensionArgs] | None = None,
) -> monitor.MetricAlertSingleResourceMultipleMetricCriteriaArgs:
    """Static-threshold criteria on one metric of a single resource."""
    return monitor.MetricAlertSingleResourceMultipleMetricCriteriaArgs(
        odata_type=SINGLE_RESOURCE_CRITERIA,
        all_of=[
            monitor.MetricCriteriaArgs(
                criterion_type=monitor.CriterionType.STATIC_THRESHOLD_CRITERION.value,
                name=metric,
                metric_name=metric,
                metric_namespace=namespace,
                time_aggregation=aggregation,
                operator=operator,
                threshold=threshold,
                dimensions=list(dimensions) if dimensions else None,
            )
        ],
    )
