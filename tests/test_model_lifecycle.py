"""MOD-3, model lifecycle: every model version the repository pins (the default allow-list, the
stacks' configs, the consumer example and the dev stack's recorded plan) is listed in the
retirement schedule (defaults.MODEL_RETIREMENTS) and more than RETIREMENT_NOTICE_DAYS from its
retirement date on the day the tests run. When this fails, read Microsoft Learn's model retirement
schedule again, update defaults.MODEL_RETIREMENTS / MODEL_RETIREMENTS_READ and move the pins."""

from __future__ import annotations

import ast
import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import yaml

from pulumi_aizone_policy import defaults, tokens as t

from .conftest import ROOT, Plan

pytestmark = pytest.mark.controls("MOD-3")

TODAY = dt.datetime.now(dt.timezone.utc).date()
# The insecure examples deploy a retired model on purpose (their findings are the point).
PINNED_EXAMPLES = ("consumer", "hardened-non-ai")

Model = tuple[str, str, str]


def _key(model: Any) -> Model:
    return (str(model["format"]).lower(), str(model["name"]).lower(), str(model["version"]))


RETIRES = {_key(entry): dt.date.fromisoformat(entry["retires"]) for entry in defaults.MODEL_RETIREMENTS}


def _config_models(stack: str) -> list[Model]:
    config = yaml.safe_load((ROOT / f"Pulumi.{stack}.yaml").read_text())["config"]
    return [_key(deployment["model"]) for deployment in config["aizone:ai"]["deployments"]]


def _example_models(path: Path) -> list[Model]:
    """format/name/version keyword arguments of every ModelRefArgs / DeploymentModelArgs call."""
    models = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", "")) in (
            "ModelRefArgs",
            "DeploymentModelArgs",
        ):
            values = {kw.arg: ast.literal_eval(kw.value) for kw in node.keywords}
            models.append(_key(values))
    return models


def _problems(models: list[Model]) -> list[str]:
    notice = defaults.RETIREMENT_NOTICE_DAYS
    problems = []
    for model in models:
        retires = RETIRES.get(model)
        if retires is None:
            problems.append(f"{'/'.join(model)} is not in defaults.MODEL_RETIREMENTS (its retirement date is unknown)")
        elif (retires - TODAY).days <= notice:
            problems.append(f"{'/'.join(model)} retires on {retires} (within {notice} days of {TODAY})")
    return problems


def test_schedule_rows_are_unique_and_dated() -> None:
    assert len(RETIRES) == len(defaults.MODEL_RETIREMENTS)
    assert dt.date.fromisoformat(defaults.MODEL_RETIREMENTS_READ) <= TODAY


def test_allow_list_is_current() -> None:
    assert _problems([_key(model) for model in defaults.ALLOWED_MODELS]) == []


@pytest.mark.parametrize("stack", ["dev", "byo"])
def test_stack_configs_pin_current_versions(stack: str) -> None:
    models = _config_models(stack)
    assert models
    assert _problems(models) == []


@pytest.mark.parametrize("example", PINNED_EXAMPLES)
def test_examples_pin_current_versions(example: str) -> None:
    assert _problems(_example_models(ROOT / "examples" / example / "__main__.py")) == []


def test_consumer_example_pins_a_model() -> None:
    assert _example_models(ROOT / "examples" / "consumer" / "__main__.py")


def test_dev_plan_deploys_only_current_versions(dev_plan: Plan) -> None:
    deployments = dev_plan.of_type(t.COGNITIVE_DEPLOYMENT)
    assert deployments
    assert _problems([_key(d.inputs["properties"]["model"]) for d in deployments]) == []


def test_dev_plan_has_no_lifecycle_finding(dev_preview: Any) -> None:
    findings = [f for f in dev_preview.findings if f.policy == "azurenative-cognitiveservices-deployment-model-lifecycle"]
    assert findings == []
