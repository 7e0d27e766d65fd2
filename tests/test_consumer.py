"""The library works for a program that is not this repository's: examples/consumer.

What these tests prove:
- `test_consumer_preview_from_installed_wheel`: the consumer's `__main__.py`, run by the offline
  preview with the python of a fresh virtual environment that has the built wheel installed (see
  tests/test_packaging.py), imports `aizone.components` from that environment (not from this
  repository), builds its resources into the platform's existing subnet, DNS zones and workspace,
  and the policy pack (started by the preview from policy_pack/, as the Pulumi CLI does) reports no
  mandatory finding. The offline preview itself is repository code, not part of the wheel: it is
  put on that interpreter's path alone (a directory holding only a link to it).
- `test_consumer_requirements_resolve_from_its_directory`: `pip install -r requirements.txt`, run
  from examples/consumer as the Pulumi CLI runs it, installs this repository's distribution: its
  one path requirement, `../..` resolved from that directory, is this repository's project
  (`pulumi-aizone`, the version the wheel is built with), and the SDK pins are the ones the
  program is verified with, inside the library's ranges. Read from the files, as pip reads them:
  no resolver run, nothing built.

The wheel and its virtual environment are built once per session and shared with
tests/test_packaging.py (tests/distribution.py, fixtures in tests/conftest.py).
"""

from __future__ import annotations

import json
import subprocess
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import InvalidRequirement, Requirement

import aizone

from .distribution import clean_env

ROOT = Path(__file__).resolve().parents[1]
CONSUMER = ROOT / "examples" / "consumer"
PACK = ROOT / "policy_pack"

DRIVER = """
import json, sys
import offline_preview
result = offline_preview.run(sys.argv[1], "dev", sys.argv[2], policy_config=sys.argv[3])
import aizone.components, aizone_policy
print(json.dumps({
    "components": aizone.components.__file__,
    "policy": aizone_policy.__file__,
    "errors": result.program_errors,
    "types": sorted({r.type for r in result.resources}),
    "resources": {r.name: {"type": r.type, "inputs": r.inputs} for r in result.resources},
    "findings": [{"policy": f.policy, "level": f.level, "message": f.message} for f in result.findings],
}, default=str))
"""


@pytest.fixture(scope="module")
def consumer_run(installed_python: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    shim = tmp_path_factory.mktemp("shim")
    (shim / "offline_preview").symlink_to(ROOT / "offline_preview", target_is_directory=True)
    driver = shim / "driver.py"
    driver.write_text(DRIVER, encoding="utf-8")
    result = subprocess.run(
        [str(installed_python), str(driver), str(CONSUMER), str(PACK), str(CONSUMER / "policy-config.json")],
        cwd=shim,
        env={**clean_env(), "PYTHONPATH": str(shim)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-4000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.mark.controls("MOD-2a", "DATA-3", "ACC-5")
def test_consumer_preview_from_installed_wheel(consumer_run: dict, installed_python: Path) -> None:
    environment = installed_python.parents[1].resolve()
    for key in ("components", "policy"):
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
    assert resources["ai-deployment-gpt-4o-mini"]["inputs"]["properties"]["raiPolicyName"] == "aizone-prompt-shields"
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


def test_consumer_requirements_resolve_from_its_directory() -> None:
    lines = _requirement_lines(CONSUMER / "requirements.txt")
    assert not [line for line in lines if line.startswith("-")], "options would change how pip resolves"
    (path,) = [line for line in lines if _is_path(line)]
    project = (CONSUMER / path).resolve()
    assert project == ROOT.resolve()
    pyproject = tomllib.loads((project / "pyproject.toml").read_text(encoding="utf-8"))
    assert pyproject["project"]["name"] == "pulumi-aizone"
    assert pyproject["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "aizone.__version__"}
    assert (project / "aizone" / "__init__.py").read_text(encoding="utf-8").count(f'__version__ = "{aizone.__version__}"') == 1
    # The SDK pins: the program's own verified versions, each inside the library's range.
    pins = {Requirement(line).name: Requirement(line) for line in lines if not _is_path(line)}
    assert set(pins) == {"pulumi", "pulumi-azure-native", "pulumi-azuread"}
    verified = {Requirement(line).name: Requirement(line) for line in _requirement_lines(ROOT / "requirements.txt") if not _is_path(line)}
    ranges = {Requirement(item).name: Requirement(item).specifier for item in pyproject["project"]["dependencies"]}
    for name, pin in pins.items():
        (spec,) = pin.specifier
        assert spec.operator == "==" and pin.specifier == verified[name].specifier, name
        assert ranges[name].contains(spec.version), (name, spec.version, str(ranges[name]))
