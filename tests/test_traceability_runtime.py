"""The traceability report shows, per control, the second layer: the Azure Policy definitions the
Guardrails component assigns (or why a control has none), next to the CrossGuard policies."""

from __future__ import annotations

import dataclasses

import pytest

from tools import traceability
from tools.traceability import Row, build_rows

pytestmark = pytest.mark.controls("RES-6")


@pytest.fixture(scope="module")
def rows() -> list[Row]:
    return build_rows(tests=lambda: {})  # no test collection: the runtime layer needs none


def _row(rows: list[Row], control_id: str) -> Row:
    return next(row for row in rows if row.control_id == control_id)


def test_report_lists_the_azure_policy_definitions_of_a_control(rows: list[Row]) -> None:
    text = traceability.report([_row(rows, "ACC-1")], with_tests=False)
    assert "  enforced at runtime by Azure Policy (5):\n" in text
    assert (
        "    ACC-1-ai-services-local-auth: built-in 71ef260a-8f18-47b7-abcb-62d0673d94dc v1.1.0 "
        "'Azure AI Services resources should have key access disabled (disable local authentication)' (Audit/Deny)\n"
    ) in text
    assert "ACC-1-ai-services-local-auth-modify: built-in 14de9e63-1b31-492e-a5a3-c3f7fd57f555 v1.0.0" in text
    assert "(Disabled/Modify, remediate: identity + roles)" in text
    assert "azurenative-cognitiveservices-account-disable-local-auth" in text  # the CrossGuard layer beside it


def test_report_shows_custom_definitions_and_why_a_control_has_none(rows: list[Row]) -> None:
    text = traceability.report([_row(rows, "MOD-3"), _row(rows, "ACC-4")], with_tests=False)
    assert "    MOD-3-approved-models: custom aizone-approved-models v1.0.0" in text
    assert "    - (Conditional Access lives in Entra ID, outside Azure Policy's reach)\n" in text


def test_markdown_has_an_azure_policy_column(rows: list[Row]) -> None:
    table = traceability.markdown([_row(rows, "ACC-7")])
    assert table.startswith("| control | title | by | components | policies | Azure Policy | tests | gaps |\n")
    assert "ACC-7-ai-services-network" in table


def test_a_control_without_mapping_or_reason_is_a_gap(rows: list[Row]) -> None:
    row = dataclasses.replace(_row(rows, "ACC-4"), no_runtime="")
    assert "no Azure Policy mapping (a runtime definition, or the reason there is none)" in row.gaps()
    assert not any("Azure Policy" in gap for gap in _row(rows, "ACC-1").gaps())
