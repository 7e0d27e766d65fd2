"""Stack policies read an azure-native resource's path parameters from the inputs `Analyze` was
sent: a preview's outputs (azure-native's PreviewOutputs) and Azure's responses never echo them.

The engine sends a new Defender plan to `Analyze` with `pricingName = 'AI'` and to `AnalyzeStack`
with its preview outputs: `name` unknown, no `pricingName`. The stack policy that asks an AI stack
for the Defender plans must still see the plan (the dev stack has four such plans).
"""

from __future__ import annotations

from typing import Any

import pytest
from preview_support import REPO

from pulumi_aizone_gate.analyzer import analyze_resources
from pulumi_aizone_gate.model import AnalysisResult, RecordedResource
from pulumi_aizone_gate.wire import UNKNOWN

STACK_URN = "urn:pulumi:s::p::pulumi:pulumi:Stack::p-s"
PRICING = "azure-native:security:Pricing"
ACCOUNT = "azure-native:cognitiveservices:Account"
REQUIRED = "azurenative-security-pricing-required-plans"


def _resource(type_token: str, name: str, inputs: dict[str, Any], outputs: dict[str, Any]) -> RecordedResource:
    return RecordedResource(
        urn=f"urn:pulumi:s::p::{type_token}::{name}",
        type=type_token,
        name=name,
        custom=True,
        parent=STACK_URN,
        inputs=inputs,
        outputs=outputs,
    )


def _plan(name: str, pricing_name: Any) -> RecordedResource:
    inputs = {"pricingName": pricing_name, "pricingTier": "Standard", "scopeId": "subscriptions/00000000-0000-0000-0000-000000000000"}
    # What azure-native's preview answers: response properties only, unset ones unknown.
    outputs = {"id": UNKNOWN, "name": UNKNOWN, "pricingTier": "Standard", "subPlan": UNKNOWN, "type": UNKNOWN}
    return _resource(PRICING, name, inputs, outputs)


def _stack(plans: list[RecordedResource]) -> AnalysisResult:
    account_inputs = {"kind": "AIServices", "sku": {"name": "S0"}, "resourceGroupName": "rg", "properties": {"disableLocalAuth": True}}
    account = _resource(ACCOUNT, "ai", account_inputs, {**account_inputs, "id": UNKNOWN})
    stack = RecordedResource(urn=STACK_URN, type="pulumi:pulumi:Stack", name="p-s", custom=False)
    config = REPO / "policy_pack" / "configs" / "landing-zone.json"  # the landing zone's stacks: conventions on
    return analyze_resources([stack, account, *plans], REPO / "policy_pack", project="p", stack="s", policy_config=config)


def _required(result: AnalysisResult) -> list[tuple[str, str]]:
    return [(finding.level, finding.message) for finding in result.findings if finding.policy == REQUIRED]


@pytest.mark.controls("MOD-1")
def test_a_plan_named_only_in_its_inputs_counts() -> None:
    assert _required(_stack([_plan("defender-ai", "AI")])) == []


@pytest.mark.controls("MOD-1")
def test_without_the_plan_the_finding_names_it() -> None:
    (finding,) = _required(_stack([]))
    assert finding[0] == "mandatory"
    assert "without the Defender for Cloud plan 'AI'" in finding[1]


@pytest.mark.controls("MOD-1")
def test_a_plan_name_unknown_in_its_inputs_stays_unknown() -> None:
    """The inputs only fill what the outputs lack: a name the program computes is unknown in both,
    and the pack says it cannot check it rather than pass."""
    (finding,) = _required(_stack([_plan("defender-ai", UNKNOWN)]))
    assert finding[0] == "mandatory"
    assert "pricingName of the stack's Defender plans is unknown" in finding[1]
