"""docs/COVERAGE.md: the anchor rules (Azure Policy built-ins, PSRule for Azure, Checkov on the AI
services) are consistent with the pack, the document is generated from them, and the pack answers
enough of them."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

from tools import coverage

POLICY_NAMES = coverage._policy_names()


def test_coverage_md_is_generated_from_the_anchors() -> None:
    assert coverage.main(["--check"]) == 0, "docs/COVERAGE.md is stale: run `python -m tools.coverage`"


def test_anchor_rules_name_existing_policies_and_give_reasons() -> None:
    anchors = coverage.load()
    coverage.validate(anchors, POLICY_NAMES)
    sources = {rule["source"] for rule in anchors["rules"]}
    assert sources == {"azure-policy", "psrule", "checkov"}
    azure_ids = [rule["id"] for rule in anchors["rules"] if rule["source"] == "azure-policy"]
    assert all(len(rule_id) == 36 for rule_id in azure_ids), "Azure Policy built-ins are named by their GUID"


@pytest.mark.parametrize(
    ("index_change", "message"),
    [
        ({"policies": ["azurenative-made-up-policy"]}, "names policies the pack does not have: azurenative-made-up-policy"),
        ({"status": "gap", "reason": ""}, "status 'gap' needs a reason"),
        ({"status": "policy", "policies": []}, "status 'policy' needs the pack policies"),
        ({"status": "covered"}, "status 'covered' is not one of policy, differs, gap"),
    ],
)
def test_inconsistent_anchors_are_rejected(index_change: dict[str, object], message: str) -> None:
    anchors = copy.deepcopy(coverage.load())
    anchors["rules"][0].update(index_change)
    with pytest.raises(coverage.AnchorError, match=message):
        coverage.validate(anchors, POLICY_NAMES)


def test_duplicate_rule_is_rejected() -> None:
    anchors = copy.deepcopy(coverage.load())
    anchors["rules"].append(anchors["rules"][0])
    with pytest.raises(coverage.AnchorError, match="is listed twice"):
        coverage.validate(anchors, POLICY_NAMES)


def test_coverage_counts_only_in_scope_rules() -> None:
    rules = [
        {"status": "policy"},
        {"status": "differs"},
        {"status": "gap"},
        {"status": "gap"},
        {"status": "out-of-scope"},
        {"status": "not-deploy-time"},
    ]
    assert coverage.coverage(rules) == (2, 4, 50.0)


def test_stale_or_missing_document_fails_the_check(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "COVERAGE.md"
    assert coverage.main(["--check", "--output", str(target)]) == 1
    assert "is missing; run `python -m tools.coverage`" in capsys.readouterr().err
    assert coverage.main(["--output", str(target)]) == 0
    assert coverage.main(["--check", "--output", str(target)]) == 0
    target.write_text(target.read_text(encoding="utf-8") + "edited\n", encoding="utf-8")
    assert coverage.main(["--check", "--output", str(target)]) == 1


def test_pack_answers_at_least_95_percent_of_the_in_scope_anchor_rules() -> None:
    answered, in_scope, percent = coverage.coverage(coverage.load()["rules"])
    assert percent >= 95.0, f"the pack answers {answered} of {in_scope} in-scope anchor rules ({percent:.1f}%)"
