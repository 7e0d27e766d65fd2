"""Build one served component alone, through Pulumi's component provider from camelCase inputs
(tests/fixtures/provider/construct.py, one subprocess per call), and look at what it registered."""

import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
PROBE = ROOT / "tests" / "fixtures" / "provider" / "construct.py"
SUBSCRIPTION = "/subscriptions/00000000-0000-0000-0000-000000000000"
GROUP = f"{SUBSCRIPTION}/resourceGroups/rg-probe"
NETWORK = f"{GROUP}/providers/Microsoft.Network"
PLACEMENT = {"resourceGroupName": "rg-probe", "location": "swedencentral", "tags": {"owner": "platform"}}
WORKSPACE_ID = f"{GROUP}/providers/Microsoft.OperationalInsights/workspaces/log-probe"


def networking(*zones: str) -> dict[str, Any]:
    return {
        "subnetId": f"{NETWORK}/virtualNetworks/vnet-probe/subnets/privateEndpoints",
        "zoneIds": {zone: f"{NETWORK}/privateDnsZones/{zone}" for zone in zones},
    }


@dataclass
class Built:
    registrations: list[dict[str, Any]]
    states: dict[str, dict[str, Any]]
    errors: dict[str, str]

    def of_type(self, type_: str) -> list[dict[str, Any]]:
        return [r for r in self.registrations if r["type"] == type_]

    def one(self, type_: str) -> dict[str, Any]:
        found = self.of_type(type_)
        assert len(found) == 1, [r["name"] for r in found]
        return found[0]["inputs"]

    def named(self, name: str) -> dict[str, Any]:
        return next(r for r in self.registrations if r["name"] == name)["inputs"]


def build(component: str, *requests: tuple[str, dict[str, Any]]) -> Built:
    """Construct `aizone:index:<component>` once per (name, inputs) request."""
    payload = [{"token": f"aizone:index:{component}", "name": name, "inputs": inputs} for name, inputs in requests]
    done = subprocess.run([sys.executable, str(PROBE)], input=json.dumps(payload), capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    return Built(result["registrations"], result["states"], result["errors"])
