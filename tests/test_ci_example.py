"""examples/ci: the workflow parses, runs exactly the commands its README documents, uploads SARIF
from the credential-free job and gives the pulumi/actions job OIDC, not stored secrets, for Azure."""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from typing import Any

import yaml

from pulumi_aizone_gate.cli import build_parser

ROOT = Path(__file__).resolve().parents[1]
CI = ROOT / "examples" / "ci"
WORKFLOW: dict[Any, Any] = yaml.safe_load((CI / "aizone-policy.yml").read_text(encoding="utf-8"))
README = (CI / "README.md").read_text(encoding="utf-8")


def _commands() -> list[str]:
    return [line.strip() for block in re.findall(r"```bash\n(.*?)```", README, re.DOTALL) for line in block.splitlines() if line.strip()]


def _steps(job: str) -> list[dict[str, Any]]:
    return WORKFLOW["jobs"][job]["steps"]


def _uses(job: str, action: str) -> dict[str, Any]:
    [step] = [step for step in _steps(job) if str(step.get("uses", "")).split("@")[0] == action]
    return step


def test_workflow_runs_on_pull_requests_with_read_only_default_permissions() -> None:
    triggers = WORKFLOW.get("on", WORKFLOW.get(True))  # YAML 1.1 reads a bare `on` key as true
    assert isinstance(triggers, dict) and "pull_request" in triggers
    assert WORKFLOW["permissions"] == {"contents": "read"}
    assert set(WORKFLOW["jobs"]) == {"offline-preview", "pulumi-preview"}


def test_offline_job_runs_the_readme_command_without_credentials() -> None:
    offline, pulumi = _commands()
    runs = [step["run"] for step in _steps("offline-preview") if "run" in step]
    assert offline in runs
    argv = shlex.split(offline)
    assert argv[:3] == ["venv/bin/python", "-m", "pulumi_aizone_gate"]
    args = build_parser().parse_args(argv[3:])
    assert (args.program, args.stack, args.policy_pack) == (Path("."), "dev", Path("policy_pack"))
    assert (ROOT / args.policy_pack / "PulumiPolicy.yaml").is_file() and (ROOT / f"Pulumi.{args.stack}.yaml").is_file()
    job = WORKFLOW["jobs"]["offline-preview"]
    assert "env" not in job and "secrets." not in yaml.safe_dump(job)
    upload = _uses("offline-preview", "github/codeql-action/upload-sarif")
    assert upload["with"]["sarif_file"] == str(args.sarif)
    assert upload["if"].startswith("always()")
    assert job["permissions"]["security-events"] == "write"
    assert pulumi == "pulumi preview --policy-pack policy_pack"


def test_credentialed_job_is_pulumi_preview_with_the_pack_over_oidc() -> None:
    _, pulumi = _commands()
    step = _uses("pulumi-preview", "pulumi/actions")
    assert f"pulumi {step['with']['command']} --policy-pack {step['with']['policyPacks']}" == pulumi
    assert step["with"]["work-dir"] == "."
    job = WORKFLOW["jobs"]["pulumi-preview"]
    assert job["permissions"]["id-token"] == "write"
    assert job["env"]["ARM_USE_OIDC"] == "true"
    assert {job["env"][key] for key in ("ARM_CLIENT_ID", "ARM_TENANT_ID", "ARM_SUBSCRIPTION_ID")} == {
        "${{ vars.AZURE_CLIENT_ID }}",
        "${{ vars.AZURE_TENANT_ID }}",
        "${{ vars.AZURE_SUBSCRIPTION_ID }}",
    }
    assert "ARM_CLIENT_SECRET" not in job["env"]
    assert job["if"] == "vars.AZURE_CLIENT_ID != ''"


def test_readme_names_every_action_input_the_workflow_uses() -> None:
    for job in WORKFLOW["jobs"]:
        for step in _steps(job):
            action = str(step.get("uses", "")).split("@")[0]
            if action in ("github/codeql-action/upload-sarif", "pulumi/actions"):
                assert f"`{action}`" in README
                assert all(f"`{name}`" in README for name in step["with"])
