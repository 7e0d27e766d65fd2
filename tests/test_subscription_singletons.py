"""Subscription-wide singletons (MOD-1): the Defender plans (`Microsoft.Security/pricings`) and the
security contact `default` are adopted, never created twice, and kept when the stack is torn down.

Every plan's pricing exists in every subscription (at Free until set) and azure-native refuses to
create a resource that exists; Azure refuses to delete a subscription-scope pricing (module
docstring of pulumi_aizone.defender). So each plan is imported by its ARM id, the stack's first
run imports it as it is (tier, sub-plan and extensions ignored so that the import matches), the
next run writes them, and no plan or contact is ever deleted by the stack."""

from __future__ import annotations

from typing import Any

import pytest

from pulumi_aizone import defender
from pulumi_aizone.landing_zone.settings import parse_settings

from .conftest import Plan
from .test_first_deployment import run_1, run_2  # noqa: F401  (fixtures: the two runs of a fresh stack)
from .test_settings_governance import problems_of, with_value

PRICING = "azure-native:security:Pricing"
CONTACT = "azure-native:security:SecurityContact"
SUBSCRIPTION = "00000000-0000-0000-0000-000000000000"

pytestmark = pytest.mark.controls("MOD-1")


def test_first_run_imports_every_plan_as_it_is_and_keeps_it_on_teardown(run_1: Plan) -> None:  # noqa: F811
    pricings = run_1.of_type(PRICING)
    assert {p.inputs["pricingName"] for p in pricings} == {"AI", "StorageAccounts", "KeyVaults", "Api"}
    for pricing in pricings:
        name = pricing.inputs["pricingName"]
        assert pricing.options.import_id == f"/subscriptions/{SUBSCRIPTION}/providers/Microsoft.Security/pricings/{name}"
        assert pricing.options.ignore_changes == ("pricingTier", "subPlan", "extensions")
        assert pricing.options.retain_on_delete is True
        assert pricing.inputs["pricingTier"] == "Standard"  # what the pack judges: the desired plan


def test_second_run_writes_the_plans_and_still_keeps_them(run_2: dict[str, Any]) -> None:  # noqa: F811
    pricings = [r for r in run_2["resources"] if r["type"] == PRICING]
    assert len(pricings) == 4
    for pricing in pricings:
        assert pricing["ignoreChanges"] == []
        assert pricing["retainOnDelete"] is True
        # Same id as the import of run 1: a no-op for a plan already in the stack's state.
        assert pricing["importId"] == defender.pricing_id(SUBSCRIPTION, pricing["inputs"]["pricingName"])


def test_security_contact_is_kept_on_teardown(run_1: Plan) -> None:  # noqa: F811
    contact = run_1.one(CONTACT)
    assert contact.inputs["securityContactName"] == "default"
    assert contact.options.retain_on_delete is True


def test_adopt_imports_without_writing_and_a_typo_is_refused() -> None:
    settings = parse_settings(with_value("governance", "defender", "adopt"))
    assert settings.governance.defender is True and settings.governance.defender_adopt is True
    assert parse_settings(with_value("governance", "defender", True)).governance.defender_adopt is False
    assert problems_of(with_value("governance", "defender", "yes")) == [
        "aizone:governance.defender: expected true, false or 'adopt', got 'yes'"
    ]
