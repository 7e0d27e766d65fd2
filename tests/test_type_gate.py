"""The type-check gate (pyright, run by ./run-tests and CI) rejects misspelled SDK arguments,
which Pulumi's mocks would accept silently."""

from __future__ import annotations

import json
import subprocess
import sys

from .conftest import ROOT

PROBE = ROOT / "tests" / "typecheck" / "misspelled_sdk_argument.py"


def test_pyright_rejects_misspelled_sdk_arguments() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "pyright", "--outputjson", str(PROBE)],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )
    report = json.loads(result.stdout)
    messages = [d["message"] for d in report["generalDiagnostics"] if d["severity"] == "error"]
    assert result.returncode == 1
    assert any('No parameter named "disable_local_auht"' in m for m in messages)
    assert any('No parameter named "allow_shared_key_acess"' in m for m in messages)
    assert any('"public_network_acess" is an undefined item' in m for m in messages)
