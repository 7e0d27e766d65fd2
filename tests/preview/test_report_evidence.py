"""What passed and what was not applicable, per policy and resource (``policies`` of the JSON
report), each with the basis it was derived from: the pack's own answers over the analyzer
protocol (diagnostics, not_applicable), the types a policy declares (``resource-type:`` tags) and
the engine's rule for a pass. One small pack exercises every basis through the real protocol."""

from __future__ import annotations

import json
import subprocess
import textwrap
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from hostile_support import write_project
from preview_support import REPO, preview_cli, run_cli

from pulumi_aizone_gate.evidence import default_version_type
from tests.report_schema import check_report, load_report

PINNED = "azure-native:storage/v20230101:StorageAccount"
EVIDENCE_PACK = textwrap.dedent(
    """\
    from pulumi_policy import EnforcementLevel, PolicyPack, ResourceValidationPolicy, StackValidationPolicy

    THING = "test:index:Thing"


    def check_value(args, report_violation):
        # Also judges widgets, which it does not declare: a wrong declaration must not hide that.
        if args.props.get("value") == "insecure":
            report_violation("[TST-1] value must not be 'insecure'.", None)


    def check_present(args, report_violation):
        if args.resource_type != THING:
            return
        if args.props.get("value") == "hide":
            report_violation("[TST-3] a violation the policy then tries to hide.", None)
            args.not_applicable("nothing to see")
        if "value" not in args.props:
            args.not_applicable("the thing has no value")


    def widgets(args, report_violation):
        if not any(r.resource_type == "test:index:Widget" for r in args.resources):
            args.not_applicable("the stack has no widgets")


    def first_is_named(args, report_violation):
        for resource in args.resources:
            if resource.name == "first":
                report_violation("[TST-5] 'first' is a dull name.\\x07\\x1b[31m", resource.urn)
        report_violation("[TST-5] a finding about something that is no resource of the plan.", "not-a-urn")


    PolicyPack(
        name="evidence-pack",
        enforcement_level=EnforcementLevel.MANDATORY,
        policies=[
            ResourceValidationPolicy(
                name="ev-value", description="[TST-1] Things are not insecure.", validate=check_value,
                tags=["resource-type:test:index:Thing", "resource-type:azure-native:storage:StorageAccount"],
            ),
            ResourceValidationPolicy(
                name="ev-present", description="[TST-3] Things have a value.", validate=check_present,
                tags=["resource-type:test:index:Thing"],
            ),
            ResourceValidationPolicy(name="ev-any", description="[TST-4] Judges anything.", validate=lambda args, report: None),
            ResourceValidationPolicy(name="ev-off", description="[TST-6] Turned off by config.", validate=check_value),
            StackValidationPolicy(name="ev-widgets", description="[TST-2] Widget inventory.", validate=widgets),
            StackValidationPolicy(
                name="ev-names", description="[TST-5] Names.", validate=first_is_named, enforcement_level=EnforcementLevel.ADVISORY,
            ),
        ],
    )
    """
)
PROGRAM = textwrap.dedent(
    f"""\
    import pulumi
    first = pulumi.CustomResource("test:index:Thing", "first", {{"value": 1}})
    pulumi.CustomResource("test:index:Thing", "second", {{"value": "insecure"}})
    pulumi.CustomResource("test:index:Thing", "bare", {{}})
    pulumi.CustomResource("test:index:Thing", "sly", {{"value": "hide"}})
    pulumi.CustomResource("{PINNED}", "pinned", {{"value": 2}})
    pulumi.CustomResource("test:index:Widget", "gadget", {{"value": "insecure"}})
    """
)


@pytest.fixture(scope="module")
def evidence(module_tmp: Path) -> tuple[subprocess.CompletedProcess[str], dict[str, Any], Path]:
    """The evidence program against the evidence pack, ``ev-off`` disabled by --policy-config."""
    program = write_project(module_tmp / "program", {"__main__.py": PROGRAM})
    pack = module_tmp / "pack"
    pack.mkdir()
    (pack / "PulumiPolicy.yaml").write_text("runtime: python\ndescription: evidence test pack\n", encoding="utf-8")
    (pack / "__main__.py").write_text(EVIDENCE_PACK, encoding="utf-8")
    config = module_tmp / "policy-config.json"
    config.write_text(json.dumps({"ev-off": "disabled"}), encoding="utf-8")
    report = module_tmp / "report.json"
    outputs = ("--json", report, "--junit", module_tmp / "report.xml", "--sarif", module_tmp / "report.sarif", "--sarif-evidence")
    result = run_cli("--program", program, "--stack", "dev", "--policy-pack", pack, "--policy-config", config, *outputs)
    return result, load_report(report), module_tmp


def _by_name(document: dict[str, Any]) -> dict[str, dict[str, tuple[str, str, str]]]:
    """policy -> resource name (a provider: its type) -> (status, basis, level or reason)."""
    names = {r["urn"]: r["type"] if r["type"].startswith("pulumi:providers:") else r["name"] for r in document["resources"]}
    table: dict[str, dict[str, tuple[str, str, str]]] = {}
    for policy in document["policies"]:
        table[policy["name"]] = {
            names.get(e["urn"], "?"): (e["status"], e["basis"], e.get("level") or e.get("reason", "")) for e in policy["evaluations"]
        }
    return table


def test_every_policy_and_resource_has_a_conclusion_with_its_basis(evidence: tuple[Any, dict[str, Any], Path]) -> None:
    result, document, _ = evidence
    assert result.returncode == 1, result.stderr  # 'second' and 'sly' fail mandatory policies
    assert "Evidence (policy x resource): 4 failed, 16 passed, 9 not applicable; 1 policies disabled" in result.stdout
    assert (
        "Not applicable (the policy said so itself):\n  test:index:Thing::bare: the thing has no value\n    ev-present\n" in result.stdout
    )
    table = _by_name(document)
    passed = ("passed", "engineRule", "")
    stack = "hostile-dev"
    # Resources of types a policy does not declare (the stack, the default providers Analyze also
    # sees, the widget for ev-present) are counted, not listed: see the counts below.
    assert table["ev-value"] == {
        "first": passed,
        "second": ("failed", "diagnostic", "mandatory"),
        "bare": passed,
        "sly": passed,
        "pinned": passed,  # pinned to an API version: judged as azure-native:storage:StorageAccount
        "gadget": ("failed", "diagnostic", "mandatory"),  # not a declared type, but a violation is a violation
    }
    assert table["ev-present"] == {
        "first": passed,
        "second": passed,
        "bare": ("notApplicable", "packNotApplicable", "the thing has no value"),
        "sly": ("failed", "diagnostic", "mandatory"),  # saying "not applicable" too does not hide it
    }
    counts = {p["name"]: p["counts"] for p in document["policies"]}
    assert counts["ev-value"] == {"failed": 2, "passed": 4, "notApplicable": 3, "outsideDeclaredTypes": 3}
    assert counts["ev-present"] == {"failed": 1, "passed": 2, "notApplicable": 6, "outsideDeclaredTypes": 5}
    assert set(table["ev-any"].values()) == {passed} and len(table["ev-any"]) == 9
    assert table["ev-off"] == {}
    assert table["ev-widgets"] == {stack: passed}
    assert table["ev-names"] == {stack: ("failed", "diagnostic", "advisory")}
    # A stack policy's finding may name anything; it stays the stack policy's failure on the stack.
    assert [f["urn"] for f in document["findings"] if f["policy"] == "ev-names"][-1] == "not-a-urn"


def test_policies_carry_type_level_status_and_declared_types(evidence: tuple[Any, dict[str, Any], Path]) -> None:
    _, document, _ = evidence
    rows = {p["name"]: (p["type"], p["enforcementLevel"], p["status"], p["resourceTypes"], p["controls"]) for p in document["policies"]}
    assert rows == {
        "ev-value": ("resource", "mandatory", "failed", ["test:index:Thing", "azure-native:storage:StorageAccount"], ["TST-1"]),
        "ev-present": ("resource", "mandatory", "failed", ["test:index:Thing"], ["TST-3"]),
        "ev-any": ("resource", "mandatory", "passed", None, ["TST-4"]),
        "ev-off": ("resource", "disabled", "disabled", None, ["TST-6"]),
        "ev-widgets": ("stack", "mandatory", "passed", None, ["TST-2"]),
        "ev-names": ("stack", "advisory", "failed", None, ["TST-5"]),
    }
    assert document["summary"]["evaluations"] == {"failed": 4, "passed": 16, "notApplicable": 9, "disabledPolicies": 1}
    assert set(document["evidenceBasis"]) == {"diagnostic", "packNotApplicable", "declaredTypes", "engineRule", "configuration"}
    assert "pkg/resource/analyzer/summary.go" in document["evidenceBasis"]["engineRule"]


def test_a_stack_policy_that_says_not_applicable_is_not_applicable_to_the_stack(module_tmp: Path) -> None:
    """Without a widget, ev-widgets calls args.not_applicable in AnalyzeStack; its evaluation of
    the stack says so, with the pack's reason, instead of passing."""
    program = write_project(module_tmp / "no-widget", {"__main__.py": PROGRAM.replace('"test:index:Widget"', '"test:index:Thing"')})
    report = module_tmp / "no-widget.json"
    result = run_cli("--program", program, "--stack", "dev", "--policy-pack", module_tmp / "pack", "--json", report)
    assert result.returncode == 1, result.stderr
    table = _by_name(load_report(report))
    assert table["ev-widgets"] == {"hostile-dev": ("notApplicable", "packNotApplicable", "the stack has no widgets")}
    # Without --policy-config, ev-off runs at its default level.
    assert table["ev-off"]["second"] == ("failed", "diagnostic", "mandatory")


def test_the_schema_refuses_a_report_that_contradicts_itself(evidence: tuple[Any, dict[str, Any], Path]) -> None:
    """The published schema is strict: a pass needs the engine's rule, a failure its level."""
    _, document, _ = evidence
    forged = json.loads(json.dumps(document))
    forged["policies"][0]["evaluations"][0] = {"urn": forged["resources"][0]["urn"], "status": "passed", "basis": "declaredTypes"}
    with pytest.raises(AssertionError):
        check_report(forged)
    forged = json.loads(json.dumps(document))
    forged["policies"][0]["evaluations"][0] = {"urn": forged["resources"][0]["urn"], "status": "failed", "basis": "diagnostic"}
    with pytest.raises(AssertionError):
        check_report(forged)
    forged = json.loads(json.dumps(document))
    forged["schemaVersion"] = 2
    with pytest.raises(AssertionError):
        check_report(forged)


def test_pinned_api_versions_are_matched_like_the_pack_matches_them() -> None:
    """The gate's default_version_type is the pack's canonical_type for every form of token."""
    from pulumi_aizone_policy.tokens import canonical_type

    tokens = [
        PINNED,
        "azure-native_storage_v20240101:storage:StorageAccount",
        "azure-native_storage_v20240101preview:storage:StorageAccount",
        "azure-native_storage_v20240101:network:VirtualNetwork",  # module mismatch: left alone
        "azure-native:storage:StorageAccount",
        "azure-native:storage/vNext:StorageAccount",
        "azure:storage/account:Account",
        "test:index:Thing",
    ]
    assert [default_version_type(t) for t in tokens] == [canonical_type(t) for t in tokens]
    assert default_version_type(PINNED) == "azure-native:storage:StorageAccount"


def test_junit_skips_what_the_pack_said_is_not_applicable_and_omits_other_types(evidence: tuple[Any, dict[str, Any], Path]) -> None:
    """JUnit: a failure per mandatory finding's test case, advisory messages as output, the pack's
    not-applicable as skipped with its reason, a disabled policy as one skipped case, and no case
    for a type the policy does not judge; control characters in a message keep the file valid."""
    _, document, root = evidence
    suites = {suite.get("name"): suite for suite in ET.parse(root / "report.xml").getroot()}
    names = {r["urn"]: r["name"] for r in document["resources"]}

    def cases(policy: str) -> dict[str, ET.Element]:
        return {names.get(case.get("name", ""), case.get("name", "")): case for case in suites[policy].iter("testcase")}

    value = cases("ev-value")
    # No case for the stack or the providers (types it does not declare); the widget's violation has one.
    assert sorted(value) == ["bare", "first", "gadget", "pinned", "second", "sly"]
    assert value["gadget"].find("failure") is not None
    failure = value["second"].find("failure")
    assert failure is not None and failure.get("type") == "mandatory"
    assert failure.get("message") == "[TST-1] value must not be 'insecure'."
    present = cases("ev-present")
    skipped = present["bare"].find("skipped")
    assert skipped is not None and skipped.get("message") == "not applicable: the thing has no value"
    assert present["sly"].find("failure") is not None and present["sly"].find("skipped") is None
    assert [(case.get("name"), case.find("skipped") is not None) for case in suites["ev-off"].iter("testcase")] == [("(disabled)", True)]
    [stack_case] = suites["ev-names"].iter("testcase")
    assert stack_case.find("failure") is None  # advisory: shown, not failed
    output = stack_case.findtext("system-out") or ""
    first_urn = next(r["urn"] for r in document["resources"] if r["name"] == "first")
    assert output.startswith("ADVISORY [TST-5] 'first' is a dull name.") and f"dull name.\\x07\\x1b[31m ({first_urn})" in output
    counts = {name: (suite.get("tests"), suite.get("failures"), suite.get("skipped")) for name, suite in suites.items()}
    assert counts == {
        "ev-value": ("6", "2", "0"),
        "ev-present": ("4", "1", "1"),
        "ev-any": ("9", "0", "0"),
        "ev-off": ("1", "0", "1"),
        "ev-widgets": ("1", "0", "0"),
        "ev-names": ("1", "0", "0"),
    }


def test_sarif_evidence_lists_passes_and_not_applicable_as_result_kinds(evidence: tuple[Any, dict[str, Any], Path]) -> None:
    """--sarif-evidence: each pass and each not-applicable the pack said is a result of kind pass /
    notApplicable at level none (valid SARIF 2.1.0); findings stay as they are; types a policy
    does not declare are not listed."""
    import jsonschema

    _, document, root = evidence
    sarif = json.loads((root / "report.sarif").read_text(encoding="utf-8"))
    schema = json.loads((REPO / "tests" / "data" / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
    assert [e.message for e in jsonschema.Draft4Validator(schema).iter_errors(sarif)] == []
    names = {r["urn"]: r["name"] for r in document["resources"]}
    results = sarif["runs"][0]["results"]
    rows = {(r["ruleId"], names.get(r["properties"]["urn"], "?"), r.get("kind", "fail"), r["level"]) for r in results}
    assert ("ev-value", "first", "pass", "none") in rows
    assert ("ev-value", "second", "fail", "error") in rows
    assert ("ev-present", "bare", "notApplicable", "none") in rows
    assert ("ev-value", "gadget", "fail", "error") in rows
    assert not [row for row in rows if row[:2] == ("ev-present", "gadget")]  # not a declared type: not listed
    assert not [row for row in rows if row[0] == "ev-off"]
    [bare] = [r for r in results if r["ruleId"] == "ev-present" and r.get("kind") == "notApplicable"]
    assert bare["message"]["text"] == "ev-present is not applicable to bare: the thing has no value."
    assert bare["properties"]["basis"] == "packNotApplicable"
    assert sum(1 for r in results if "kind" not in r) == len(document["findings"])
    assert sum(1 for r in results if r.get("kind") == "pass") == document["summary"]["evaluations"]["passed"]


def test_sarif_evidence_without_sarif_is_a_usage_error() -> None:
    result = preview_cli("secure", "--sarif-evidence")
    assert result.returncode == 2
    assert "--sarif-evidence adds to the SARIF report: give --sarif FILE too" in result.stderr


def test_a_violation_of_a_policy_the_pack_never_announced_still_fails() -> None:
    """A pack could report a diagnostic under a name GetAnalyzerInfo never listed: the evidence,
    the JSON report and the JUnit report still show it as a failure (and nothing as passed)."""
    from pulumi_aizone_gate.junit import to_junit
    from pulumi_aizone_gate.model import AnalysisResult, AnalyzerInfo, Finding, PolicyInfo, PreviewResult, RecordedResource
    from pulumi_aizone_gate.report import to_json

    stack = RecordedResource(urn="urn:pulumi:s::p::pulumi:pulumi:Stack::p-s", type="pulumi:pulumi:Stack", name="p-s", custom=False)
    thing = RecordedResource(urn="urn:pulumi:s::p::test:index:Thing::t", type="test:index:Thing", name="t", custom=True, parent=stack.urn)
    info = AnalyzerInfo("pack", "1", True, (PolicyInfo("known", "[TST-1] known", "mandatory", policy_type="resource"),), {})
    ghost = Finding(policy="ghost", controls=("TST-9",), urn=thing.urn, level="mandatory", message="[TST-9] unannounced")
    result = PreviewResult("p", "s", [stack, thing], AnalysisResult(info, [ghost]))
    document = check_report(to_json(result))
    assert [(p["name"], p["status"], p["counts"]) for p in document["policies"]] == [
        ("known", "passed", {"failed": 0, "passed": 2, "notApplicable": 0, "outsideDeclaredTypes": 0}),
        ("ghost", "failed", {"failed": 1, "passed": 0, "notApplicable": 0, "outsideDeclaredTypes": 0}),
    ]
    root = to_junit(result)
    assert root.get("failures") == "1"
    [case] = [c for c in root.iter("testcase") if c.find("failure") is not None]
    assert (case.get("classname"), case.get("name")) == ("ghost", thing.urn)


def test_the_text_reports_totals_are_those_of_every_evaluation(module_tmp: Path, evidence: tuple[Any, dict[str, Any], Path]) -> None:
    """The text report counts evaluations without building them (evidence.count); the totals are
    exactly those of the full evaluation, whatever the pack said (here: every basis, a disabled
    policy, a stack-wide not-applicable, a finding naming no resource of the plan)."""
    from pulumi_aizone_gate import run
    from pulumi_aizone_gate.evidence import count, evaluate
    from pulumi_aizone_gate.report import _evaluation_counts

    program, pack = module_tmp / "program", module_tmp / "pack"
    no_widget = write_project(module_tmp / "no-widget", {"__main__.py": PROGRAM.replace('"test:index:Widget"', '"test:index:Thing"')})
    runs = [
        run(program, "dev", pack),
        run(program, "dev", pack, {"ev-off": "disabled", "ev-value": "advisory"}),
        run(no_widget, "dev", pack),
        run(REPO / "tests" / "preview" / "fixtures" / "program", "insecure", REPO / "tests" / "preview" / "fixtures" / "pack"),
    ]
    for result in runs:
        assert count(result) == _evaluation_counts(evaluate(result))
