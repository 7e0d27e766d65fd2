"""Alerts built alone through the component provider: one action group with the common alert
schema, rules on the AI account wired to it, and one error listing every bad field."""

from typing import Any

import pytest

from tests.components.probe import GROUP, PLACEMENT, Built, build

ACTION_GROUP = "azure-native:monitor:ActionGroup"
METRIC_ALERT = "azure-native:monitor:MetricAlert"
AI_ACCOUNT = f"{GROUP}/providers/Microsoft.CognitiveServices/accounts/ais-probe"
APIM = f"{GROUP}/providers/Microsoft.ApiManagement/service/apim-probe"
POOL = f"{GROUP}/providers/Microsoft.App/sessionPools/spprobe"
INPUTS: dict[str, Any] = {
    "placement": PLACEMENT,
    "namePrefix": "alert-probe",
    "options": {"emails": ["secops@contoso.com", "ai-owner@contoso.com"], "contentFilterBlocks": 3},
    "aiAccountId": AI_ACCOUNT,
    "apimServiceId": APIM,
    "sessionPools": [
        {"agent": "coder", "poolId": POOL, "maxConcurrentSessions": 20, "custom": True},
        {"agent": "analyst", "poolId": f"{POOL}2", "maxConcurrentSessions": 10, "custom": False},
    ],
}
MINIMAL: dict[str, Any] = {
    "placement": PLACEMENT,
    "namePrefix": "alert-min",
    "options": {"emails": ["secops@contoso.com"], "tokenThreshold": 2000000},
    "aiAccountId": AI_ACCOUNT,
}
BAD: dict[str, Any] = {
    **MINIMAL,
    "options": {"emails": ["nobody"], "shortName": "much-too-long-name", "tokenSensitivity": "Extreme", "sessionBusyPercent": 150},
    "sessionPools": [{"agent": "coder", "poolId": POOL, "maxConcurrentSessions": 0, "custom": True}],
}


@pytest.fixture(scope="module")
def built() -> Built:
    return build("Alerts", ("alerts", INPUTS), ("alerts-min", MINIMAL), ("bad", BAD))


def _rules(built: Built, prefix: str) -> dict[str, dict[str, Any]]:
    return {
        r["name"].removeprefix(prefix): r["inputs"]
        for r in built.of_type(METRIC_ALERT)
        if r["name"].startswith(prefix) and not r["name"].startswith("alerts-min-" if prefix == "alerts-" else "\0")
    }


@pytest.mark.controls("MOD-2b")
def test_action_group_mails_every_receiver_with_the_common_schema(built: Built) -> None:
    group = built.named("alerts-action-group")
    assert group["actionGroupName"] == "alert-probe-ag"
    assert group["location"] == "Global" and group["enabled"] is True
    assert group["emailReceivers"] == [
        {"name": "email-1", "emailAddress": "secops@contoso.com", "useCommonAlertSchema": True},
        {"name": "email-2", "emailAddress": "ai-owner@contoso.com", "useCommonAlertSchema": True},
    ]


@pytest.mark.controls("MOD-2b", "EXEC-4")
def test_rules_watch_the_documented_metrics_and_fire_into_the_group(built: Built) -> None:
    rules = _rules(built, "alerts-")
    assert set(rules) == {"content-filter-blocks", "token-usage", "gateway-server-errors", "gateway-client-errors", "session-busy-coder"}
    blocks = rules["content-filter-blocks"]
    assert blocks["scopes"] == [AI_ACCOUNT]
    criterion = blocks["criteria"]["allOf"][0]
    assert (criterion["metricName"], criterion["timeAggregation"], criterion["threshold"]) == ("RAIRejectedRequests", "Total", 3)
    assert rules["token-usage"]["criteria"]["allOf"][0]["criterionType"] == "DynamicThresholdCriterion"
    busy = rules["session-busy-coder"]["criteria"]["allOf"][0]
    assert (busy["metricName"], busy["threshold"]) == ("PoolExecutingPodCount", 16)  # 80% of 20
    for rule in rules.values():
        assert rule["actions"] == [{"actionGroupId": "alerts-action-group_id"}]
    minimal = _rules(built, "alerts-min-")
    assert set(minimal) == {"content-filter-blocks", "token-usage"}
    token = minimal["token-usage"]["criteria"]["allOf"][0]
    assert (token["metricName"], token["threshold"]) == ("TokenTransaction", 2000000)


def test_invalid_args_list_every_field_and_register_nothing(built: Built) -> None:
    message = built.errors["bad"]
    for line in (
        "Alerts.options.emails: 'nobody' is not an e-mail address",
        "Alerts.options.short_name: 1-12 characters, got 'much-too-long-name'",
        "Alerts.options.token_sensitivity: one of Low, Medium, High, got 'Extreme'",
        "Alerts.options.session_busy_percent: a whole number between 1 and 100, got 150",
        "Alerts.session_pools[0].max_concurrent_sessions: a whole number >= 1",
    ):
        assert line in message
    assert not [r for r in built.registrations if r["name"].startswith("bad")]
