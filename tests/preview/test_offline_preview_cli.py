"""End to end through the command line: the pack runs as a subprocess and is driven over gRPC.

Each preview runs once per module (module-scoped fixtures); the tests read its results.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
from preview_support import PACK, PROGRAM, preview_cli, run_cli

from tests.report_schema import load_report

ACCOUNT = "azure-native:cognitiveservices:Account"


@pytest.fixture(scope="module")
def insecure(module_tmp: Path) -> tuple[subprocess.CompletedProcess[str], dict[str, Any]]:
    """The insecure stack previewed with --json."""
    json_path = module_tmp / "insecure.json"
    result = preview_cli("insecure", "--json", json_path)
    return result, load_report(json_path)


@pytest.fixture(scope="module")
def advisory(module_tmp: Path) -> tuple[subprocess.CompletedProcess[str], dict[str, Any]]:
    """The insecure stack with a policy config that makes both resource policies advisory/compliant."""
    config = module_tmp / "policy-config.json"
    config.write_text(
        json.dumps(
            {
                "fixture-ai-local-auth": "advisory",
                "fixture-model-allow-list": {"allowedModels": ["gpt-4o", "gpt-35-turbo"]},
            }
        ),
        encoding="utf-8",
    )
    json_path = module_tmp / "advisory.json"
    result = preview_cli("insecure", "--policy-config", config, "--json", json_path)
    return result, load_report(json_path)


def test_mandatory_finding_exits_1_with_control_id(insecure: tuple[subprocess.CompletedProcess[str], dict[str, Any]]) -> None:
    result, _ = insecure
    assert result.returncode == 1, result.stderr
    assert "[ACC-1]" in result.stdout
    assert "fixture-ai-local-auth" in result.stdout
    assert "Summary: 6 resources, 2 mandatory, 1 advisory" in result.stdout
    assert result.stderr == ""


def test_plan_shows_counts_and_component_tree(insecure: tuple[subprocess.CompletedProcess[str], dict[str, Any]]) -> None:
    stdout = insecure[0].stdout
    assert f"   1  {ACCOUNT}" in stdout
    assert "fixture:ai:AiAccount  ai" in stdout
    assert f"└─ fixture:ai:AiAccount  ai\n     ├─ {ACCOUNT}  ai-account" in stdout
    assert "rg  [protect]" in stdout


def test_json_has_exactly_the_documented_shape(insecure: tuple[subprocess.CompletedProcess[str], dict[str, Any]]) -> None:
    document = insecure[1]
    # The fixture's load_report already checked it against the published schema (report.schema.json).
    assert set(document) == {"schemaVersion", "pack", "resources", "findings", "policies", "evidenceBasis", "summary"}
    assert document["schemaVersion"] == 3
    # The fixture pack's PulumiPolicy.yaml has no version: a stock PolicyPack then reports "0.0.1".
    assert document["pack"] == {"name": "fixture-pack", "version": "0.0.1"}
    assert set(document["summary"]) == {"resources", "mandatory", "advisory", "evaluations"}
    assert {k: document["summary"][k] for k in ("resources", "mandatory", "advisory")} == {"resources": 6, "mandatory": 2, "advisory": 1}
    assert [(p["name"], p["type"], p["status"], p["counts"]) for p in document["policies"]] == [
        ("fixture-ai-local-auth", "resource", "failed", {"failed": 1, "passed": 5, "notApplicable": 0, "outsideDeclaredTypes": 0}),
        ("fixture-model-allow-list", "resource", "failed", {"failed": 1, "passed": 5, "notApplicable": 0, "outsideDeclaredTypes": 0}),
        ("fixture-stack-wiring", "stack", "failed", {"failed": 1, "passed": 0, "notApplicable": 0, "outsideDeclaredTypes": 0}),
    ]
    for resource in document["resources"]:
        assert set(resource) == {"urn", "type", "name", "parent"}
    for finding in document["findings"]:
        assert set(finding) == {"policy", "controls", "urn", "level", "severity", "message"}
        assert finding["severity"] is None  # the fixture policies declare no severity
    types = {r["type"]: r for r in document["resources"]}
    assert types["pulumi:pulumi:Stack"]["parent"] is None
    stack_urn = types["pulumi:pulumi:Stack"]["urn"]
    assert types["fixture:ai:AiAccount"]["parent"] == stack_urn
    assert types[ACCOUNT]["parent"] == types["fixture:ai:AiAccount"]["urn"]
    assert types[ACCOUNT]["urn"].endswith("::fixture:ai:AiAccount$azure-native:cognitiveservices:Account::ai-account")


def test_json_findings_carry_controls_levels_and_urns(insecure: tuple[subprocess.CompletedProcess[str], dict[str, Any]]) -> None:
    findings = {f["policy"]: f for f in insecure[1]["findings"]}
    local_auth = findings["fixture-ai-local-auth"]
    assert local_auth["controls"] == ["ACC-1"]
    assert local_auth["level"] == "mandatory"
    assert local_auth["urn"].endswith("::ai-account")
    assert "disableLocalAuth" in local_auth["message"]
    assert findings["fixture-model-allow-list"]["controls"] == ["MOD-3"]
    stack_finding = findings["fixture-stack-wiring"]
    assert stack_finding["urn"] is None
    assert stack_finding["level"] == "advisory"


def test_analyze_stack_receives_parent_dependencies_and_options(
    insecure: tuple[subprocess.CompletedProcess[str], dict[str, Any]],
) -> None:
    wiring = next(f for f in insecure[1]["findings"] if f["policy"] == "fixture-stack-wiring")["message"]
    assert "parent=fixture:ai:AiAccount" in wiring
    assert f"accountName<-['{ACCOUNT}']" in wiring
    assert f"dependsOn=['{ACCOUNT}', 'azure-native:resources:ResourceGroup']" in wiring
    assert "rg.protect=True" in wiring
    # A preview: the resource group is to be created, its id is not known yet. azure-native's
    # preview answers it as unknown (id is a response property, PreviewOutputs), not absent.
    assert "rg.id=<unknown>" in wiring


def test_compliant_stack_exits_0() -> None:
    result = preview_cli("secure")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Summary: 6 resources, 0 mandatory, 1 advisory" in result.stdout
    assert "note: config 'fixture-ai:adminPassword' is encrypted" in result.stdout


def test_policy_config_downgrades_to_advisory(advisory: tuple[subprocess.CompletedProcess[str], dict[str, Any]]) -> None:
    result, document = advisory
    assert result.returncode == 0, result.stdout + result.stderr
    levels = {f["policy"]: f["level"] for f in document["findings"]}
    assert levels == {"fixture-ai-local-auth": "advisory", "fixture-stack-wiring": "advisory"}
    assert document["summary"]["mandatory"] == 0


def test_invalid_policy_config_is_a_configuration_error(module_tmp: Path) -> None:
    config = module_tmp / "bad-policy-config.json"
    config.write_text(json.dumps({"fixture-model-allow-list": {"allowedModels": "gpt-4o"}}), encoding="utf-8")
    result = preview_cli("secure", "--policy-config", config)
    assert result.returncode == 2
    assert "fixture-model-allow-list: allowedModels: invalid type, expected array, got string" in result.stderr
    assert f"invalid policy config {config} for pack 'fixture-pack':" in result.stderr


def test_duplicate_urn_is_rejected() -> None:
    result = preview_cli("duplicate")
    assert result.returncode == 2
    assert result.stderr.startswith(
        "error: Duplicate resource URN 'urn:pulumi:duplicate::fixture-ai::azure-native:resources:ResourceGroup::rg'"
    )
    assert "Traceback" not in result.stderr


def test_settings_error_is_one_line_without_traceback() -> None:
    result = preview_cli("badconfig")
    assert result.returncode == 2
    assert result.stderr == "error: fixture-ai:localAuth must be true or false, got 'maybe'\n"
    assert result.stdout == ""


def test_program_bug_prints_traceback() -> None:
    result = preview_cli("crash")
    assert result.returncode == 2
    assert result.stderr.startswith("program failed: ValueError: fixture crash")
    assert "Traceback (most recent call last):" in result.stderr
    assert "fixtures/program/__main__.py" in result.stderr


def test_logged_program_error_fails_the_preview() -> None:
    result = preview_cli("logerror")
    assert result.returncode == 2
    assert "error (program): fixture: something the program considers an error" in result.stdout
    assert "error: the program logged 1 error(s) with pulumi.log.error" in result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--program", PROGRAM, "--stack", "nosuch", "--policy-pack", PACK], "no stack file Pulumi.nosuch.yaml"),
        (["--program", PROGRAM / "missing", "--stack", "dev", "--policy-pack", PACK], "program directory not found"),
        (["--program", PACK, "--stack", "dev", "--policy-pack", PACK], "no Pulumi.yaml in"),
        (["--program", PROGRAM, "--stack", "secure", "--policy-pack", PROGRAM], "no PulumiPolicy.yaml in"),
        (["--program", PROGRAM, "--stack", "secure", "--policy-pack", PACK / "x"], "policy pack directory not found"),
    ],
)
def test_missing_inputs_exit_2_with_one_message(args: list[str | Path], message: str) -> None:
    result = run_cli(*args)
    assert result.returncode == 2
    assert result.stderr.startswith(f"error: {message}")
    assert result.stderr.count("\n") == 1


def test_usage_error_exits_2() -> None:
    result = run_cli("--program", PROGRAM)
    assert result.returncode == 2
    assert "usage:" in result.stderr
