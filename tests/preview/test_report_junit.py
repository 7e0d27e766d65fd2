"""`--junit`: JUnit XML for CI systems, parsed with xml.etree, on the landing zone's dev stack (no
mandatory finding: nothing fails) and on examples/insecure (every mandatory finding fails its
policy x resource test case). Each report is read next to the JSON report of the same run."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from preview_support import REPO, run_cli

from tests.report_schema import load_report

PACK = REPO / "policy_pack"


def _run(module_tmp: Path, name: str, program: Path) -> tuple[int, ET.Element, dict[str, Any]]:
    junit, report = module_tmp / f"{name}.xml", module_tmp / f"{name}.json"
    result = run_cli("--program", program, "--stack", "dev", "--policy-pack", PACK, "--junit", junit, "--json", report)
    assert result.returncode in (0, 1), result.stderr
    document = load_report(report)
    # The text report's totals (counted without building every evaluation) are the JSON report's.
    totals = document["summary"]["evaluations"]
    assert (
        f"Evidence (policy x resource): {totals['failed']} failed, {totals['passed']} passed, "
        f"{totals['notApplicable']} not applicable; {totals['disabledPolicies']} policies disabled"
    ) in result.stdout
    return result.returncode, ET.parse(junit).getroot(), document


@pytest.fixture(scope="module")
def dev(module_tmp: Path) -> tuple[int, ET.Element, dict[str, Any]]:
    return _run(module_tmp, "dev", REPO)


@pytest.fixture(scope="module")
def insecure(module_tmp: Path) -> tuple[int, ET.Element, dict[str, Any]]:
    return _run(module_tmp, "insecure", REPO / "examples" / "insecure")


def _judged(document: dict[str, Any]) -> dict[str, list[str]]:
    """policy -> URNs of the resources it judged (every evaluation but a type it does not declare)."""
    return {p["name"]: [e["urn"] for e in p["evaluations"] if e["basis"] != "declaredTypes"] for p in document["policies"]}


@pytest.mark.parametrize("run", ["dev", "insecure"])
def test_one_suite_per_policy_and_one_case_per_resource_judged(run: str, request: pytest.FixtureRequest) -> None:
    _, root, document = request.getfixturevalue(run)
    assert root.tag == "testsuites"
    suites = list(root)
    assert [s.tag for s in suites] == ["testsuite"] * len(document["policies"])
    assert [s.get("name") for s in suites] == [p["name"] for p in document["policies"]]
    judged = _judged(document)
    for suite in suites:
        cases = suite.findall("testcase")
        assert [c.get("name") for c in cases] == judged[suite.get("name", "")]
        assert {c.get("classname") for c in cases} <= {suite.get("name")}
        properties = {p.get("name"): p.get("value") for p in suite.iter("property")}
        policy = next(p for p in document["policies"] if p["name"] == suite.get("name"))
        assert properties["type"] == policy["type"] and properties["enforcementLevel"] == policy["enforcementLevel"]
        assert properties["controls"].split() == policy["controls"]
        assert properties["resourceTypes"].split() == (policy["resourceTypes"] or [])
        counted = {key: int(suite.get(key, "-1")) for key in ("tests", "failures", "errors", "skipped")}
        assert counted == {
            "tests": len(cases),
            "failures": sum(c.find("failure") is not None for c in cases),
            "errors": 0,
            "skipped": sum(c.find("skipped") is not None for c in cases),
        }
    for key in ("tests", "failures", "errors", "skipped"):
        assert int(root.get(key, "-1")) == sum(int(s.get(key, "0")) for s in suites)


def test_the_dev_stack_fails_nothing_and_shows_its_advisory_notes(dev: tuple[int, ET.Element, dict[str, Any]]) -> None:
    code, root, document = dev
    assert code == 0 and document["summary"]["mandatory"] == 0
    assert root.get("failures") == "0" and root.find(".//failure") is None
    outputs = [case.findtext("system-out") or "" for case in root.iter("testcase") if case.find("system-out") is not None]
    advisory = [f for f in document["findings"] if f["level"] == "advisory"]
    # A stack policy's findings are one test case (on the stack), a resource policy's one per resource.
    stack_urn = next(r["urn"] for r in document["resources"] if r["type"] == "pulumi:pulumi:Stack")
    stack_policies = {p["name"] for p in document["policies"] if p["type"] == "stack"}
    cases = {(f["policy"], stack_urn if f["policy"] in stack_policies or f["urn"] is None else f["urn"]) for f in advisory}
    assert len(outputs) == len(cases) > 0
    # One finding per line (its own further lines indented), each marked ADVISORY.
    assert all(line.startswith(("ADVISORY [", "  ")) for text in outputs for line in text.splitlines())
    assert int(root.get("tests", "0")) > 100


@pytest.mark.controls("ACC-1", "DATA-6")
def test_every_mandatory_finding_of_the_insecure_example_fails_its_case(insecure: tuple[int, ET.Element, dict[str, Any]]) -> None:
    code, root, document = insecure
    assert code == 1
    failed = {(case.get("classname"), case.get("name")) for case in root.iter("testcase") if case.find("failure") is not None}
    stack_urn = next(r["urn"] for r in document["resources"] if r["type"] == "pulumi:pulumi:Stack")
    stack_policies = {p["name"] for p in document["policies"] if p["type"] == "stack"}
    expected = {
        (f["policy"], stack_urn if f["policy"] in stack_policies or f["urn"] is None else f["urn"])
        for f in document["findings"]
        if f["level"] == "mandatory"
    }
    assert failed == expected and int(root.get("failures", "0")) == len(expected)
    storage = next(r["urn"] for r in document["resources"] if r["type"] == "azure-native:storage:StorageAccount")
    [case] = [
        c
        for c in root.iter("testcase")
        if (c.get("classname"), c.get("name")) == ("azurenative-storage-storageaccount-disable-shared-key", storage)
    ]
    failure = case.find("failure")
    assert failure is not None and failure.get("type") == "mandatory"
    assert "allowSharedKeyAccess" in (failure.get("message") or "") and (failure.get("message") or "").startswith("[ACC-1]")


def test_junit_file_that_cannot_be_written_is_one_error(tmp_path: Path) -> None:
    from preview_support import preview_cli

    result = preview_cli("secure", "--junit", tmp_path / "missing-dir" / "out.xml")
    assert result.returncode == 2
    assert result.stderr.startswith(f"error: cannot write {tmp_path / 'missing-dir' / 'out.xml'}: ")
    assert "Traceback" not in result.stderr


def test_errors_the_program_logged_are_a_junit_error(tmp_path: Path) -> None:
    """The gate exits 2 after the report when the program logged errors; the JUnit report says so
    as an <error>, so a CI that reads only the test report does not see a green run."""
    from preview_support import preview_cli

    junit = tmp_path / "logerror.xml"
    result = preview_cli("logerror", "--junit", junit)
    assert result.returncode == 2
    root = ET.parse(junit).getroot()
    assert root.get("errors") == "1"
    [suite] = [s for s in root if s.get("name") == "(program)"]
    [case] = suite.iter("testcase")
    error = case.find("error")
    assert error is not None and error.get("message") == "the program logged 1 error(s)"
    assert error.text == "fixture: something the program considers an error"
