"""Regenerate policy_pack/pulumi_aizone_policy/azure_policy_builtins.json from an Azure/azure-policy
clone: for every built-in the control catalog references (catalog.RUNTIME_POLICIES), its id,
display name, version, mode, allowed effects, parameters (type, allowed and default values) and
the roles its remediation needs (roleDefinitionIds).

    venv/bin/python -m tools.azure_policy_snapshot <path to a git clone of Azure/azure-policy> [--retrieved YYYY-MM-DD]

The test suite checks the catalog against this snapshot offline (every referenced id exists, every
parameter passed is declared, every value is allowed, every effect is supported).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from pulumi_aizone_policy import catalog

DEFINITIONS_DIR = "built-in-policies/policyDefinitions"
SNAPSHOT = Path(catalog.__file__).with_name("azure_policy_builtins.json")


def _git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, text=True).stdout


def _role_ids(node: object) -> list[str]:
    """Every roleDefinitionIds entry anywhere in the rule (DeployIfNotExists and Modify details)."""
    found: list[str] = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "roleDefinitionIds" and isinstance(value, list):
                found.extend(str(item).rsplit("/", 1)[-1].lower() for item in value)
            else:
                found.extend(_role_ids(value))
    elif isinstance(node, list):
        for item in node:
            found.extend(_role_ids(item))
    return found


def entry(path: str, definition: dict[str, Any]) -> dict[str, Any]:
    """The snapshot entry of one definition file."""
    props = definition["properties"]
    params = props.get("parameters", {})
    effect_values = params.get("effect", {}).get("allowedValues")
    then_effect = props["policyRule"]["then"]["effect"]
    return {
        "id": definition["id"],
        "name": definition["name"],
        "displayName": props["displayName"],
        "version": props.get("version") or props.get("metadata", {}).get("version"),
        "mode": props.get("mode"),
        "category": props.get("metadata", {}).get("category"),
        "path": path,
        "effects": effect_values if effect_values else [then_effect],
        "parameters": {
            name: {key: spec[key] for key in ("type", "allowedValues", "defaultValue") if key in spec} for name, spec in params.items()
        },
        "roleDefinitionIds": sorted(set(_role_ids(props["policyRule"]))),
    }


def build(repo: Path, retrieved: str) -> dict[str, Any]:
    wanted = {policy.definition for policy in catalog.RUNTIME_POLICIES if policy.builtin}
    commit = _git(repo, "rev-parse", "HEAD").strip()
    date = _git(repo, "log", "-1", "--format=%cs").strip()
    found: dict[str, dict[str, Any]] = {}
    for path in _git(repo, "ls-tree", "-r", "--name-only", "HEAD", DEFINITIONS_DIR).splitlines():
        if not path.endswith(".json"):
            continue
        text = _git(repo, "show", f"HEAD:{path}")
        if not any(guid in text for guid in wanted):
            continue
        definition = json.loads(text)
        if definition.get("name") in wanted:
            found[definition["name"]] = entry(path, definition)
    missing = sorted(wanted - set(found))
    if missing:
        raise SystemExit(f"not found in {repo}: {', '.join(missing)}")
    return {
        "source": f"https://github.com/Azure/azure-policy/tree/{commit}/{DEFINITIONS_DIR}",
        "commit": commit,
        "commitDate": date,
        "retrieved": retrieved,
        "definitions": [found[name] for name in sorted(found)],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tools.azure_policy_snapshot", description="Regenerate the Azure Policy built-in snapshot."
    )
    parser.add_argument("repo", type=Path, help="a git clone of Azure/azure-policy")
    parser.add_argument("--retrieved", default=dt.date.today().isoformat(), help="date the clone was read (YYYY-MM-DD)")
    args = parser.parse_args(argv)
    snapshot = build(args.repo, args.retrieved)
    SNAPSHOT.write_text(json.dumps(snapshot, indent=1, sort_keys=False) + "\n", encoding="utf-8")
    sys.stdout.write(f"wrote {len(snapshot['definitions'])} definitions to {SNAPSHOT}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
