"""MOD-3, model lifecycle: a deployment of a retired model version is a mandatory finding; one
within retirementNoticeDays (90) of its retirement date is an advisory note; other versions pass.

The dates come from the pack's modelRetirements config (defaults: defaults.MODEL_RETIREMENTS, read
from Microsoft Learn's model retirement schedule). Cases relative to today configure their own dates
so that they hold on whatever day the tests run; the default-config cases use versions whose
retirement date has already passed."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any

import pytest
from policy_cases import BASELINES, changed, diagnostics_of

from pulumi_aizone_policy import defaults, tokens as t
from pulumi_aizone_policy.harness import PackAnalyzer

NATIVE = "azurenative-cognitiveservices-deployment-model-lifecycle"
CLASSIC = "azure-cognitive-deployment-model-lifecycle"
APPROVED = "azurenative-cognitiveservices-deployment-approved-model"
LIFECYCLE_PROVEN = (NATIVE, CLASSIC)
"""Policies whose violating cases live here (test_policy_catalog counts them)."""

TODAY = dt.datetime.now(dt.timezone.utc).date()
GPT_4O = {"format": "OpenAI", "name": "gpt-4o", "version": "2024-11-20"}
MakeAnalyzer = Callable[[Mapping[str, Any]], PackAnalyzer]

pytestmark = pytest.mark.controls("MOD-3")


def _deployment(model: Mapping[str, str]) -> dict[str, Any]:
    return changed(BASELINES[t.COGNITIVE_DEPLOYMENT], "properties.model", dict(model))


def _allowing(model: Mapping[str, str], **lifecycle: Any) -> dict[str, Any]:
    """Pack config whose allow-list also holds `model` (a stack that kept an old version)."""
    config: dict[str, Any] = {APPROVED: {"allowedModels": [*map(dict, defaults.ALLOWED_MODELS), dict(model)]}}
    if lifecycle:
        config[NATIVE] = lifecycle
    return config


def _messages(analyzer: PackAnalyzer, props: Mapping[str, Any], level: str) -> list[str]:
    found = diagnostics_of(analyzer.analyze(t.COGNITIVE_DEPLOYMENT, props), NATIVE, level)
    return [entry.message.split("\n", 1)[1] for entry in found]


def _retiring_on(day: dt.date) -> dict[str, Any]:
    return {"modelRetirements": [{**GPT_4O, "retires": day.isoformat()}]}


def test_the_baseline_model_is_current(analyzer: PackAnalyzer) -> None:
    assert analyzer.analyze(t.COGNITIVE_DEPLOYMENT, BASELINES[t.COGNITIVE_DEPLOYMENT]) == []


def test_a_retired_version_is_mandatory_even_when_allow_listed(make_analyzer: MakeAnalyzer) -> None:
    analyzer = make_analyzer(_allowing(GPT_4O))
    diagnostics = analyzer.analyze(t.COGNITIVE_DEPLOYMENT, _deployment(GPT_4O))
    assert {entry.policy for entry in diagnostics} == {NATIVE}
    assert _messages(analyzer, _deployment(GPT_4O), "mandatory") == [
        "[MOD-3] Model deployment 'res' deploys model OpenAI/gpt-4o/2024-11-20, which retired on 2026-10-01 "
        "(deployments of a retired model return errors, and Azure refuses new ones): move the deployment to a "
        "current model version on the allow-list."
    ]


@pytest.mark.parametrize("name", ["GPT-4o", "gpt-4O"])
def test_a_retired_version_is_found_whatever_the_case_of_its_name(make_analyzer: MakeAnalyzer, name: str) -> None:
    model = {**GPT_4O, "name": name}
    analyzer = make_analyzer(_allowing(model))
    assert len(_messages(analyzer, _deployment(model), "mandatory")) == 1


def test_a_padded_version_escapes_the_schedule_but_not_the_allow_list(make_analyzer: MakeAnalyzer) -> None:
    """Attack: '2024-11-20 ' is not listed in the schedule, so the allow-list (exact version) must stop it."""
    analyzer = make_analyzer(_allowing(GPT_4O))
    padded = _deployment({**GPT_4O, "version": "2024-11-20 "})
    assert diagnostics_of(analyzer.analyze(t.COGNITIVE_DEPLOYMENT, padded), APPROVED, "mandatory")


@pytest.mark.parametrize("days", [0, -400])
def test_retirement_today_or_earlier_is_mandatory(make_analyzer: MakeAnalyzer, days: int) -> None:
    day = TODAY + dt.timedelta(days=days)
    analyzer = make_analyzer(_allowing(GPT_4O, **_retiring_on(day)))
    assert _messages(analyzer, _deployment(GPT_4O), "advisory") == []
    (message,) = _messages(analyzer, _deployment(GPT_4O), "mandatory")
    assert f"which retired on {day.isoformat()}" in message


@pytest.mark.parametrize("days", [1, 90])
def test_retirement_within_the_notice_is_advisory(make_analyzer: MakeAnalyzer, days: int) -> None:
    day = TODAY + dt.timedelta(days=days)
    analyzer = make_analyzer(_allowing(GPT_4O, **_retiring_on(day)))
    assert _messages(analyzer, _deployment(GPT_4O), "mandatory") == []
    assert _messages(analyzer, _deployment(GPT_4O), "advisory") == [
        f"[MOD-3] Model deployment 'res' deploys model OpenAI/gpt-4o/2024-11-20, which retires on {day.isoformat()} "
        f"(in {days} days, within the 90-day notice): plan the move to a newer version before then."
    ]


def test_retirement_beyond_the_notice_passes(make_analyzer: MakeAnalyzer) -> None:
    analyzer = make_analyzer(_allowing(GPT_4O, **_retiring_on(TODAY + dt.timedelta(days=91))))
    assert analyzer.analyze(t.COGNITIVE_DEPLOYMENT, _deployment(GPT_4O)) == []


def test_the_notice_period_is_configurable(make_analyzer: MakeAnalyzer) -> None:
    config = _allowing(GPT_4O, retirementNoticeDays=200, **_retiring_on(TODAY + dt.timedelta(days=150)))
    assert len(_messages(make_analyzer(config), _deployment(GPT_4O), "advisory")) == 1


def test_an_impossible_configured_date_is_reported(make_analyzer: MakeAnalyzer) -> None:
    config = _allowing(GPT_4O, modelRetirements=[{**GPT_4O, "retires": "2026-02-30"}])
    (message,) = _messages(make_analyzer(config), _deployment(GPT_4O), "mandatory")
    assert "retirement date in this policy's modelRetirements config is '2026-02-30', not a YYYY-MM-DD date" in message


def test_a_version_the_schedule_does_not_list_is_left_to_the_allow_list(make_analyzer: MakeAnalyzer) -> None:
    unlisted = {**GPT_4O, "version": "2099-01-01"}
    assert make_analyzer(_allowing(unlisted)).analyze(t.COGNITIVE_DEPLOYMENT, _deployment(unlisted)) == []


def test_classic_deployment_of_a_retired_version_is_mandatory(make_analyzer: MakeAnalyzer) -> None:
    from classic_cases import CLASSIC_BASELINES

    config = {"azure-cognitive-deployment-approved-model": {"allowedModels": [*map(dict, defaults.ALLOWED_MODELS), GPT_4O]}}
    props = changed(CLASSIC_BASELINES[t.AZ_COGNITIVE_DEPLOYMENT], "model", dict(GPT_4O))
    diagnostics = make_analyzer(config).analyze(t.AZ_COGNITIVE_DEPLOYMENT, props)
    assert [(d.policy, d.level) for d in diagnostics] == [(CLASSIC, "mandatory")]
    assert "deploys model OpenAI/gpt-4o/2024-11-20, which retired on 2026-10-01" in diagnostics[0].message
