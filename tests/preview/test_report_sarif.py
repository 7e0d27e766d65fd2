"""`--sarif`: the offline preview's findings as SARIF 2.1.0, validated against the official schema
(tests/data/sarif-schema-2.1.0.json, see tests/data/README.md), located at the line of the program
that registered each resource, with one rule per policy carrying controls, severity and help."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from preview_support import PACK, PROGRAM, REPO, preview_cli, run_cli

from tests.report_schema import check_report, load_report

SCHEMA = json.loads((REPO / "tests" / "data" / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
INSECURE = REPO / "examples" / "insecure"
REAL_PACK = REPO / "policy_pack"
ACCOUNT = "azure-native:cognitiveservices:Account"
STORAGE = "azure-native:storage:StorageAccount"


def _line_of(path: Path, text: str) -> int:
    lines = path.read_text(encoding="utf-8").splitlines()
    [line] = [number for number, content in enumerate(lines, 1) if text in content]
    return line


def _run(module_tmp: Path, name: str, *args: str | Path) -> tuple[subprocess.CompletedProcess[str], dict[str, Any], dict[str, Any]]:
    sarif, report = module_tmp / f"{name}.sarif", module_tmp / f"{name}.json"
    result = run_cli(*args, "--sarif", sarif, "--json", report)
    assert result.returncode in (0, 1), result.stderr
    return result, json.loads(sarif.read_text(encoding="utf-8")), load_report(report)


@pytest.fixture(scope="module")
def fixture_run(module_tmp: Path) -> tuple[subprocess.CompletedProcess[str], dict[str, Any], dict[str, Any]]:
    """The fixture program's insecure stack against the fixture pack (2 mandatory, 1 advisory)."""
    return _run(module_tmp, "fixture", "--program", PROGRAM, "--stack", "insecure", "--policy-pack", PACK)


@pytest.fixture(scope="module")
def insecure_run(module_tmp: Path) -> tuple[subprocess.CompletedProcess[str], dict[str, Any], dict[str, Any]]:
    """The deliberately insecure example against the real pack."""
    return _run(module_tmp, "insecure", "--program", INSECURE, "--stack", "dev", "--policy-pack", REAL_PACK)


def _results(sarif: dict[str, Any], rule: str) -> list[dict[str, Any]]:
    return [r for r in sarif["runs"][0]["results"] if r["ruleId"] == rule]


def _where(result: dict[str, Any]) -> tuple[str, str, int]:
    physical = result["locations"][0]["physicalLocation"]
    return physical["artifactLocation"]["uriBaseId"], physical["artifactLocation"]["uri"], physical["region"]["startLine"]


@pytest.mark.parametrize("run", ["fixture_run", "insecure_run"])
def test_sarif_is_valid_against_the_official_schema(run: str, request: pytest.FixtureRequest) -> None:
    _, sarif, _ = request.getfixturevalue(run)
    jsonschema.Draft4Validator.check_schema(SCHEMA)
    errors = sorted(jsonschema.Draft4Validator(SCHEMA).iter_errors(sarif), key=lambda e: list(e.path))
    assert [f"{list(e.path)}: {e.message}" for e in errors] == []
    assert sarif["version"] == "2.1.0" and len(sarif["runs"]) == 1


def test_one_rule_per_policy_and_one_result_per_finding(fixture_run: tuple[Any, dict[str, Any], dict[str, Any]]) -> None:
    _, sarif, report = fixture_run
    run = sarif["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert [rule["id"] for rule in rules] == ["fixture-ai-local-auth", "fixture-model-allow-list", "fixture-stack-wiring"]
    assert [(r["ruleId"], r["level"]) for r in run["results"]] == [
        (f["policy"], {"mandatory": "error", "advisory": "warning"}[f["level"]]) for f in report["findings"]
    ]
    assert all(rules[r["ruleIndex"]]["id"] == r["ruleId"] for r in run["results"])
    assert run["automationDetails"]["id"] == "aizone-offline-preview/fixture-ai/insecure/"


def test_results_point_at_the_line_that_registered_the_resource(fixture_run: tuple[Any, dict[str, Any], dict[str, Any]]) -> None:
    """The account is created inside the program's component: the result points there, and names
    the resource by URN as its logical location."""
    _, sarif, _ = fixture_run
    [local_auth] = _results(sarif, "fixture-ai-local-auth")
    expected = _line_of(PROGRAM / "ai_component.py", "cognitiveservices.Account(")
    assert _where(local_auth) == ("%SRCROOT%", "tests/preview/fixtures/program/ai_component.py", expected)
    [logical] = local_auth["locations"][0]["logicalLocations"]
    assert logical["kind"] == "resource" and logical["name"] == "ai-account"
    assert logical["fullyQualifiedName"].endswith(f"::fixture:ai:AiAccount${ACCOUNT}::ai-account")
    assert local_auth["properties"]["controls"] == ["ACC-1"]
    assert sarif["runs"][0]["originalUriBaseIds"]["%SRCROOT%"]["uri"] == REPO.as_uri() + "/"


def test_findings_without_a_resource_point_at_the_project_file(fixture_run: tuple[Any, dict[str, Any], dict[str, Any]]) -> None:
    _, sarif, _ = fixture_run
    [wiring] = _results(sarif, "fixture-stack-wiring")
    assert _where(wiring) == ("%SRCROOT%", "tests/preview/fixtures/program/Pulumi.yaml", 1)
    assert "logicalLocations" not in wiring["locations"][0]


@pytest.mark.controls("DATA-6", "ACC-1")
def test_real_pack_rules_carry_controls_severity_and_help(insecure_run: tuple[Any, dict[str, Any], dict[str, Any]]) -> None:
    from pulumi_aizone_policy.policies import ALL_SPECS

    _, sarif, _ = insecure_run
    rules = {rule["id"]: rule for rule in sarif["runs"][0]["tool"]["driver"]["rules"]}
    assert set(rules) == {spec.name for spec in ALL_SPECS}
    bands = {"low": (0.1, 3.9), "medium": (4.0, 6.9), "high": (7.0, 8.9), "critical": (9.0, 10.0)}
    for spec in ALL_SPECS:
        rule = rules[spec.name]
        low, high = bands[spec.severity]
        assert low <= float(rule["properties"]["security-severity"]) <= high
        assert rule["properties"]["controls"] == list(spec.controls)
        assert "security" in rule["properties"]["tags"]
        # The pack's resource-type: tags (what the evidence reads) are not rule tags in code scanning.
        assert not [tag for tag in rule["properties"]["tags"] if tag.startswith("resource-type:")]
        assert rule["help"]["text"] == f"{spec.remediation}\n\n{spec.full_description}"
        assert rule["shortDescription"]["text"] == spec.full_description
    hardening = rules["azurenative-storage-storageaccount-hardening"]
    assert (hardening["properties"]["severity"], hardening["properties"]["security-severity"]) == ("high", "8.0")


@pytest.mark.controls("DATA-6")
def test_real_pack_findings_point_at_the_example_program(insecure_run: tuple[Any, dict[str, Any], dict[str, Any]]) -> None:
    _, sarif, report = insecure_run
    main = INSECURE / "__main__.py"
    [public_blobs] = [
        r
        for r in _results(sarif, "azurenative-storage-storageaccount-hardening")
        if "allows anonymous (public) blob access" in r["message"]["text"]
    ]
    assert _where(public_blobs) == ("%SRCROOT%", "examples/insecure/__main__.py", _line_of(main, "storage.StorageAccount("))
    assert public_blobs["level"] == "error" and public_blobs["properties"]["severity"] == "high"
    assert "allows anonymous (public) blob access" in public_blobs["message"]["text"]
    # Every finding of the example (stack-level ones name their resource) is located in the program
    # itself: none points at a library, at the preview tool or at the project file.
    uris = {_where(result)[1] for result in sarif["runs"][0]["results"]}
    assert uris == {"examples/insecure/__main__.py"}
    assert len(sarif["runs"][0]["results"]) == len(report["findings"])


def test_json_report_has_schema_version_pack_and_severity(insecure_run: tuple[Any, dict[str, Any], dict[str, Any]]) -> None:
    from pulumi_aizone_policy.policies import ALL_SPECS

    _, _, report = insecure_run
    manifest = yaml.safe_load((REAL_PACK / "PulumiPolicy.yaml").read_text(encoding="utf-8"))
    assert report["schemaVersion"] == 3
    assert report["pack"] == {"name": "aizone-secure-ai", "version": manifest["version"]}
    declared = {spec.name: spec.severity for spec in ALL_SPECS}
    assert [f["severity"] for f in report["findings"]] == [declared[f["policy"]] for f in report["findings"]]
    assert {f["severity"] for f in report["findings"]} >= {"high", "medium"}


def test_sarif_file_that_cannot_be_written_is_one_error(tmp_path: Path) -> None:
    result = preview_cli("secure", "--sarif", tmp_path / "missing-dir" / "out.sarif")
    assert result.returncode == 2
    assert result.stderr.startswith(f"error: cannot write {tmp_path / 'missing-dir' / 'out.sarif'}: ")
    assert "Traceback" not in result.stderr


def test_the_cli_reports_need_no_property_values() -> None:
    """The CLI asks the worker for resources without their property values (``properties=False``):
    its text, JSON and SARIF reports are the same as from the full result, and the values stay out."""
    from pulumi_aizone_gate.isolation import run_isolated
    from pulumi_aizone_gate.report import render_text, to_json, to_sarif

    full = run_isolated(PROGRAM, "insecure", PACK)
    lean = run_isolated(PROGRAM, "insecure", PACK, properties=False)
    assert any(r.inputs for r in full.resources) and any(r.options.aliases for r in full.resources)
    assert all(not r.inputs and not r.outputs and not r.options.aliases for r in lean.resources)
    assert render_text(lean) == render_text(full)
    assert check_report(to_json(lean)) == to_json(full)
    assert to_sarif(lean, PROGRAM) == to_sarif(full, PROGRAM)
