"""The library works for a program that is not this repository's: examples/consumer.

What these tests prove:
- `test_consumer_preview_from_installed_wheel`: the consumer's `__main__.py`, run by the offline
  preview with the python of a fresh virtual environment that has the built wheel installed (see
  tests/test_packaging.py), imports `pulumi_aizone` from that environment (not from this
  repository), builds its resources into the platform's existing subnet, DNS zones and workspace,
  and the policy pack (started by the preview from policy_pack/, as the Pulumi CLI does) reports no
  mandatory finding. The offline gate is the installed `pulumi-aizone-gate` wheel of that
  environment, run through its API (for the recorded inputs) and as the `aizone-gate` command.
- `test_consumer_requirements_resolve_from_its_directory`: `pip install -r requirements.txt`, run
  from examples/consumer as the Pulumi CLI runs it, installs this repository's library and the
  policy pack it requires: its two path requirements, resolved from that directory, are this
  repository's `pulumi-aizone-policy` and `pulumi-aizone` projects (the version the wheels are
  built with), and the SDK pins are the ones the program is verified with, inside the ranges. Read from the files, as pip reads them:
  no resolver run, nothing built.

The wheels and their virtual environment are built once per session and shared with
tests/test_packaging.py (tests/distribution.py, fixtures in tests/conftest.py).
"""

from __future__ import annotations

import json
import subprocess
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import InvalidRequirement, Requirement

import pulumi_aizone

from .distribution import clean_env
from .report_schema import load_report

ROOT = Path(__file__).resolve().parents[1]
CONSUMER = ROOT / "examples" / "consumer"
PACK = ROOT / "policy_pack"

DRIVER = """
import json, sys
import pulumi_aizone_gate
result = pulumi_aizone_gate.record(sys.argv[1], "dev", sys.argv[2], policy_config=sys.argv[3])
import pulumi_aizone, pulumi_aizone_policy
print(json.dumps({
    "gate": pulumi_aizone_gate.__file__,
    "components": pulumi_aizone.__file__,
    "policy": pulumi_aizone_policy.__file__,
    "errors": result.program_errors,
    "types": sorted({r.type for r in result.resources}),
    "resources": {r.name: {"type": r.type, "inputs": r.inputs} for r in result.resources},
    "findings": [{"policy": f.policy, "level": f.level, "message": f.message} for f in result.findings],
}, default=str))
"""


@pytest.fixture(scope="module")
def consumer_run(installed_python: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    work = tmp_path_factory.mktemp("driver")
    driver = work / "driver.py"
    driver.write_text(DRIVER, encoding="utf-8")
    result = subprocess.run(
        [str(installed_python), str(driver), str(CONSUMER), str(PACK), str(CONSUMER / "policy-config.json")],
        cwd=work,
        env=clean_env(),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-4000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.mark.controls("MOD-2a", "DATA-3", "ACC-5")
def test_consumer_preview_from_installed_wheel(consumer_run: dict, installed_python: Path) -> None:
    environment = installed_python.parents[1].resolve()
    for key in ("components", "policy", "gate"):
        path = Path(consumer_run[key]).resolve()
        assert path.is_relative_to(environment) and not path.is_relative_to(ROOT), path
    assert consumer_run["errors"] == []
    mandatory = [finding for finding in consumer_run["findings"] if finding["level"] == "mandatory"]
    assert mandatory == []
    resources = consumer_run["resources"]
    # It builds into the platform's network and workspace: none of them is created here.
    assert not {
        "azure-native:network:VirtualNetwork",
        "azure-native:network:PrivateDnsZone",
        "azure-native:operationalinsights:Workspace",
    } & set(consumer_run["types"])
    config = (CONSUMER / "Pulumi.dev.yaml").read_text(encoding="utf-8")
    subnet = resources["ai-pe-account"]["inputs"]["subnet"]["id"]
    assert subnet.endswith("/virtualNetworks/vnet-platform/subnets/private-endpoints") and subnet in config
    assert resources["ai-diagnostics"]["inputs"]["workspaceId"].endswith("/workspaces/log-platform")
    zone_ids = {config_["privateDnsZoneId"] for config_ in resources["data-pe-blob-dns"]["inputs"]["privateDnsZoneConfigs"]}
    assert zone_ids == {
        "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-platform-dns/providers/"
        "Microsoft.Network/privateDnsZones/privatelink.blob.core.windows.net"
    }
    # The model deployment uses the prompt-shield policy; the app identity holds exactly its two roles.
    assert resources["ai-deployment-gpt-5.4-mini"]["inputs"]["properties"]["raiPolicyName"] == "aizone-prompt-shields"
    shields = {(f["name"], f["source"]) for f in resources["ai-prompt-shields"]["inputs"]["properties"]["contentFilters"] if f["blocking"]}
    assert {("Jailbreak", "Prompt"), ("Indirect Attack", "Prompt")} <= shields
    grants = {name: r["inputs"] for name, r in resources.items() if r["type"] == "azure-native:authorization:RoleAssignment"}
    assert set(grants) == {"ai-inference-support-bot", "data-reader-support-bot"}
    assert all(grant["principalType"] == "ServicePrincipal" for grant in grants.values())
    assert grants["ai-inference-support-bot"]["scope"].endswith("/accounts/ais-acme-support-bot")
    assert "/storageAccounts/" in grants["data-reader-support-bot"]["scope"]


def test_consumer_without_platform_policy_config_is_told_about_defender(consumer_run: dict) -> None:
    """The one deliberate difference from a full landing zone: Defender for Cloud is the platform's,
    so the consumer's policy config says so; the advisory MOD-2b note (no alert rule) remains."""
    config = json.loads((CONSUMER / "policy-config.json").read_text(encoding="utf-8"))
    assert config == {"azurenative-security-pricing-required-plans": {"defenderManagedElsewhere": True}}
    assert {finding["policy"] for finding in consumer_run["findings"]} <= {
        "azurenative-cognitiveservices-account-output-monitoring",
        "azurenative-resources-stack-unjudged-types",  # advisory: types no policy reads, listed
    }


def _requirement_lines(path: Path) -> list[str]:
    """The requirement lines of a requirements file: comments and blank lines dropped, as pip does."""
    lines = [line.split(" #", 1)[0].strip() for line in path.read_text(encoding="utf-8").splitlines()]
    return [line for line in lines if line and not line.startswith("#")]


def _is_path(line: str) -> bool:
    """pip treats a line as a local path when it is not a requirement specifier (`name[...]op...`)."""
    try:
        Requirement(line)
    except InvalidRequirement:
        return True
    return line.startswith((".", "/"))


def test_the_gate_command_judges_the_consumer(installed_python: Path, tmp_path: Path) -> None:
    """What an application team runs in its own pull requests: the installed command, its exit
    code and its JSON report."""
    report = tmp_path / "report.json"
    command = [str(installed_python.parent / "aizone-gate"), "--program", str(CONSUMER), "--stack", "dev", "--policy-pack", str(PACK)]
    command += ["--policy-config", str(CONSUMER / "policy-config.json"), "--json", str(report)]
    result = subprocess.run(command, cwd=tmp_path, env=clean_env(), capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    summary = load_report(report)["summary"]
    assert summary["mandatory"] == 0 and summary["resources"] > 20


def test_consumer_requirements_resolve_from_its_directory() -> None:
    lines = _requirement_lines(CONSUMER / "requirements.txt")
    assert not [line for line in lines if line.startswith("-")], "options would change how pip resolves"
    projects = {}
    for path in [line for line in lines if _is_path(line)]:
        project = tomllib.loads(((CONSUMER / path).resolve() / "pyproject.toml").read_text(encoding="utf-8"))
        projects[project["project"]["name"]] = ((CONSUMER / path).resolve(), project)
    assert {name: folder for name, (folder, _) in projects.items()} == {
        "pulumi-aizone": ROOT.resolve(),
        "pulumi-aizone-policy": (ROOT / "policy_pack").resolve(),
    }
    library = projects["pulumi-aizone"][1]
    assert library["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "pulumi_aizone.__version__"}
    assert f"pulumi-aizone-policy=={pulumi_aizone.__version__}" in library["project"]["dependencies"]
    # The SDK pins: the program's own verified versions, each inside the range of the project that requires it.
    pins = {Requirement(line).name: Requirement(line) for line in lines if not _is_path(line)}
    assert set(pins) == {"pulumi", "pulumi-azure-native", "pulumi-azuread", "pulumi-policy", "PyYAML"}
    verified = {Requirement(line).name: Requirement(line) for line in _requirement_lines(ROOT / "requirements.txt") if not _is_path(line)}
    ranges = {
        Requirement(item).name: Requirement(item).specifier
        for _, project in projects.values()
        for item in project["project"]["dependencies"]
    }
    for name, pin in pins.items():
        (spec,) = pin.specifier
        assert spec.operator == "==" and pin.specifier == verified[name].specifier, name
        assert ranges[name].contains(spec.version), (name, spec.version, str(ranges[name]))
