"""Plans recorded in a fresh process (tests/record_plan.py), for stack variants and subscriptions."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]

STACK_TYPE = "pulumi:pulumi:Stack"


def dev_config() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "Pulumi.dev.yaml").read_text())["config"]


def record(
    tmp_path: Path,
    config: dict[str, Any] | None = None,
    subscription: str | None = None,
    program: Path | None = None,
    stack: str = "variant",
) -> dict[str, Any]:
    """Record the real program (or `program`) with `config` (default: the dev stack's) under the
    mocks' subscription `subscription`; returns {resources, calls, errors}."""
    if program is None or config is not None:
        source = program or ROOT
        program = tmp_path / "program"
        program.mkdir(parents=True)
        for name in ("__main__.py", "Pulumi.yaml"):
            (program / name).symlink_to(source / name)
        (program / f"Pulumi.{stack}.yaml").write_text(yaml.safe_dump({"config": config or dev_config()}))
    env = {key: value for key, value in os.environ.items() if not key.startswith("PULUMI_")}
    if subscription:
        env["AIZONE_MOCK_SUBSCRIPTION_ID"] = subscription
    out = tmp_path / f"plan-{stack}-{subscription or 'default'}.json"
    result = subprocess.run(
        [sys.executable, str(ROOT / "tests" / "record_plan.py"), str(program), stack, str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(out.read_text())


def of_type(plan: dict[str, Any], token: str) -> list[dict[str, Any]]:
    return [r for r in plan["resources"] if r["type"] == token]


def stack_outputs(plan: dict[str, Any]) -> dict[str, Any]:
    return next(r for r in plan["resources"] if r["type"] == STACK_TYPE)["outputs"]


# The object id of the attached Purview account's identity, as a stack in another subscription than
# the account's must give it (the program cannot read the account there).
PURVIEW_PRINCIPAL_ID = "8d2f1c6e-3b7a-4e95-a1d4-6c0b9e2f7a13"


def other_subscription_config() -> dict[str, Any]:
    """The dev stack's config for a subscription other than the Purview account's."""
    config = dev_config()
    config["aizone:governance"]["purview"]["principalId"] = PURVIEW_PRINCIPAL_ID
    return config


def created_purview_config() -> dict[str, Any]:
    """The dev stack creating its own Purview account, with a names salt and two explicit names."""
    config = dev_config()
    config["aizone:governance"]["purview"] = {"create": True}
    config["aizone:names"] = {"salt": "2", "keyVault": "kv-contoso-ai-prod", "storage": {"support-bot": "stcontososupport"}}
    return config
