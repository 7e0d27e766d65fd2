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
  from examples/consumer as the Pulumi CLI runs it, resolves `../..` to this repository's
  distribution (dry run into a fresh environment: nothing is built into the source tree).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import aizone

from .test_packaging import clean_env, installed_python, make_venv, wheel_path  # noqa: F401  (fixtures)

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
def consumer_run(installed_python: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:  # noqa: F811
    shim = tmp_path_factory.mktemp("shim")
    (shim / "offline_preview").symlink_to(ROOT / "offline_preview", target_is_directory=True)
    driver = shim / "driver.py"
    driver.write_text(DRIVER, encoding="utf-8")
    result = subprocess.run(
        [str(installed_python), str(driver), str(CONSUMER), str(PACK), str(CONSUMER / "policy-config.json")],
        cwd=shim, env={**clean_env(), "PYTHONPATH": str(shim)}, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stderr[-4000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.mark.controls("MOD-2a", "DATA-3", "ACC-5")
def test_consumer_preview_from_installed_wheel(consumer_run: dict, installed_python: Path) -> None:  # noqa: F811
    environment = installed_python.parents[1].resolve()
    for key in ("components", "policy"):
        path = Path(consumer_run[key]).resolve()
        assert path.is_relative_to(environment) and not path.is_relative_to(ROOT), path
    assert consumer_run["errors"] == []
    mandatory = [finding for finding in consumer_run["findings"] if finding["level"] == "mandatory"]
    assert mandatory == []
    resources = consumer_run["resources"]
    # It builds into the platform's network and workspace: none of them is created here.
    assert not {"azure-native:network:VirtualNetwork", "azure-native:network:PrivateDnsZone",
                "azure-native:operationalinsights:Workspace"} & set(consumer_run["types"])
    config = (CONSUMER / "Pulumi.dev.yaml").read_text(encoding="utf-8")
    subnet = resources["ai-pe-account"]["inputs"]["subnet"]["id"]
    assert subnet.endswith("/virtualNetworks/vnet-platform/subnets/private-endpoints") and subnet in config
    assert resources["ai-diagnostics"]["inputs"]["workspaceId"].endswith("/workspaces/log-platform")
    zone_ids = {config_["privateDnsZoneId"] for config_ in resources["data-pe-blob-dns"]["inputs"]["privateDnsZoneConfigs"]}
    assert zone_ids == {"/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-platform-dns/providers/"
                        "Microsoft.Network/privateDnsZones/privatelink.blob.core.windows.net"}
    # The model deployment uses the prompt-shield policy; the app identity holds exactly its two roles.
    assert resources["ai-deployment-gpt-4o-mini"]["inputs"]["properties"]["raiPolicyName"] == "aizone-prompt-shields"
    shields = {(f["name"], f["source"]) for f in resources["ai-prompt-shields"]["inputs"]["properties"]["contentFilters"]
               if f["blocking"]}
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
    assert {finding["policy"] for finding in consumer_run["findings"]} <= {"azurenative-cognitiveservices-account-output-monitoring"}


def test_consumer_requirements_resolve_from_its_directory(wheel_path: Path, tmp_path: Path) -> None:  # noqa: F811
    python = make_venv(tmp_path / "env", wheel_path)
    report = tmp_path / "report.json"
    result = subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--disable-pip-version-check", "-q",
         "--dry-run", "--ignore-installed", "--no-deps", "--report", str(report), "-r", "requirements.txt"],
        cwd=CONSUMER, env=clean_env(), capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stderr
    install = {item["metadata"]["name"].lower().replace("_", "-"): item for item in json.loads(report.read_text())["install"]}
    library = install["pulumi-aizone"]
    assert library["metadata"]["version"] == aizone.__version__
    assert Path(library["download_info"]["url"].removeprefix("file://")).resolve() == ROOT.resolve()
    assert {"pulumi", "pulumi-azure-native", "pulumi-azuread"} <= set(install)
