"""Paths and a command-line runner shared by the offline preview tests."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
FIXTURES = Path(__file__).resolve().parent / "fixtures"
PROGRAM = FIXTURES / "program"
PACK = FIXTURES / "pack"
CLI_TIMEOUT_SECONDS = 120


def run_cli(*args: str | Path) -> subprocess.CompletedProcess[str]:
    """Run ``python -m pulumi_aizone_gate`` from the repository root, as a user would."""
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    return subprocess.run(
        [sys.executable, "-m", "pulumi_aizone_gate", *map(str, args)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        errors="replace",  # a hostile program may write anything on the gate's output
        timeout=CLI_TIMEOUT_SECONDS,
        check=False,
    )


def preview_cli(stack: str, *extra: str | Path) -> subprocess.CompletedProcess[str]:
    """The fixture program's ``stack`` previewed against the fixture pack."""
    return run_cli("--program", PROGRAM, "--stack", stack, "--policy-pack", PACK, *extra)
