"""Build components alone, through Pulumi's component provider (tests/fixtures/provider/construct.py)
from camelCase inputs, as another language would: one subprocess per test module."""

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
PROBE = ROOT / "tests" / "fixtures" / "provider" / "construct.py"
NETWORK = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-hub/providers/Microsoft.Network"
PLACEMENT = {"resourceGroupName": "rg-probe", "location": "swedencentral", "tags": {"owner": "platform"}}
WORKSPACE_ID = (
    "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-hub/providers/Microsoft.OperationalInsights/workspaces/log-hub"
)
DIAGNOSTICS = {"workspaceId": WORKSPACE_ID}


def networking(*zones: str) -> dict[str, Any]:
    """A private-endpoint subnet and hub zones `zones` (camelCase, as sent by another language)."""
    return {
        "subnetId": f"{NETWORK}/virtualNetworks/vnet-hub/subnets/privateEndpoints",
        "zoneIds": {zone: f"{NETWORK}/privateDnsZones/{zone}" for zone in zones},
    }


class Built:
    """What the probe registered, looked up by type and name."""

    def __init__(self, result: dict[str, Any]) -> None:
        self.registrations: list[dict[str, Any]] = result["registrations"]
        self.states: dict[str, dict[str, Any]] = result["states"]
        self.errors: dict[str, str] = result["errors"]

    def of_type(self, token: str, prefix: str = "") -> list[dict[str, Any]]:
        return [r for r in self.registrations if r["type"] == token and r["name"].startswith(prefix)]

    def one(self, token: str, prefix: str = "") -> dict[str, Any]:
        matches = self.of_type(token, prefix)
        assert len(matches) == 1, f"expected one {token} named {prefix}*, got {[r['name'] for r in matches]}"
        return matches[0]["inputs"]

    def named(self, prefix: str) -> list[dict[str, Any]]:
        return [r for r in self.registrations if r["name"].startswith(prefix)]


def construct(requests: list[tuple[str, str, dict[str, Any]]]) -> Built:
    """Construct `(component class name, logical name, camelCase inputs)` in one process."""
    payload = [{"token": f"aizone:index:{token}", "name": name, "inputs": inputs} for token, name, inputs in requests]
    done = subprocess.run([sys.executable, str(PROBE)], input=json.dumps(payload), capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    return Built(json.loads(done.stdout))
