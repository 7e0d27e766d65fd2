"""The type-check gate (pyright, run by ./run-tests and CI) rejects misspelled SDK arguments,
which Pulumi's mocks would accept silently."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from .conftest import ROOT

PROBE = ROOT / "tests" / "typecheck" / "misspelled_sdk_argument.py"


def test_pyright_rejects_misspelled_sdk_arguments(tmp_path: Path) -> None:
    # The repository's pyrightconfig.json excludes the probe (its errors are deliberate), so a copy
    # of it is checked under the same settings, alone.
    config = json.loads((ROOT / "pyrightconfig.json").read_text(encoding="utf-8"))
    config.update(include=[PROBE.name], exclude=[], venvPath=str(ROOT), extraPaths=[])
    (tmp_path / "pyrightconfig.json").write_text(json.dumps(config), encoding="utf-8")
    (tmp_path / PROBE.name).write_text(PROBE.read_text(encoding="utf-8"), encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "pyright", "--outputjson", "-p", str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    report = json.loads(result.stdout)
    messages = [d["message"] for d in report["generalDiagnostics"] if d["severity"] == "error"]
    assert result.returncode == 1
    assert any('No parameter named "disable_local_auht"' in m for m in messages)
    assert any('No parameter named "allow_shared_key_acess"' in m for m in messages)
    assert any('"public_network_acess" is an undefined item' in m for m in messages)
