"""The policy pack (and the program's worker) never outlive the preview.

Each test starts the command line on a program that hangs, waits until the pack has started (it
writes its pid to a file), ends the preview in one way, and checks that the pack process is gone
and that the preview exited 2 (or was killed) without a verdict.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hostile_support import is_alive, write_pack, write_project
from preview_support import REPO

HANG = "import pulumi, time\npulumi.CustomResource('test:index:Thing', 'a', {'value': 1})\nwhile True:\n    time.sleep(0.05)\n"


def _start(tmp_path: Path, *extra: str) -> tuple[subprocess.Popen[str], Path]:
    pid_file = tmp_path / "pack.pid"
    program = write_project(tmp_path / "program", {"__main__.py": HANG})
    pack = write_pack(tmp_path / "pack", pid_file=pid_file)
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    process = subprocess.Popen(
        [sys.executable, "-m", "pulumi_aizone_gate", "--program", str(program), "--stack", "dev", "--policy-pack", str(pack), *extra],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    return process, pid_file


def _pack_pid(pid_file: Path, timeout: float = 60.0) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pid_file.is_file() and pid_file.read_text(encoding="utf-8").strip():
            return int(pid_file.read_text(encoding="utf-8"))
        time.sleep(0.1)
    raise AssertionError("the pack never started")


def _gone(pid: int, timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not is_alive(pid):
            return True
        time.sleep(0.1)
    return False


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_signal_stops_preview_and_pack_with_exit_2(tmp_path: Path, signum: signal.Signals) -> None:
    process, pid_file = _start(tmp_path)
    pack_pid = _pack_pid(pid_file)
    time.sleep(0.5)
    process.send_signal(signum)
    stdout, stderr = process.communicate(timeout=30)
    assert process.returncode == 2, stderr
    assert f"interrupted by {signum.name}" in stderr and "no verdict" in stderr
    assert "Summary:" not in stdout
    assert _gone(pack_pid), "the policy pack outlived the preview"


def test_sigkill_of_the_preview_takes_the_pack_down(tmp_path: Path) -> None:
    """No handler runs on SIGKILL: parent-death signals (and the getppid watch) must do it."""
    process, pid_file = _start(tmp_path)
    pack_pid = _pack_pid(pid_file)
    process.kill()
    process.communicate(timeout=30)
    assert _gone(pack_pid, timeout=15), "the policy pack outlived a killed preview"


def test_timeout_stops_the_pack(tmp_path: Path) -> None:
    process, pid_file = _start(tmp_path, "--timeout", "10")
    pack_pid = _pack_pid(pid_file)
    stdout, stderr = process.communicate(timeout=60)
    assert process.returncode == 2, stderr
    assert "did not finish within 10 s" in stderr
    assert "Summary:" not in stdout
    assert _gone(pack_pid), "the policy pack outlived the timeout"


def test_pack_dies_with_an_in_process_caller(tmp_path: Path) -> None:
    """The library API (no worker): a caller killed with SIGKILL leaves no pack behind."""
    pid_file = tmp_path / "pack.pid"
    pack = write_pack(tmp_path / "pack", pid_file=pid_file)
    code = (
        "import sys, time\n"
        f"sys.path.insert(0, {str(REPO)!r})\n"
        "from pulumi_aizone_gate.pack_process import PolicyPackProcess\n"
        f"PolicyPackProcess.start(__import__('pathlib').Path({str(pack)!r}), 'p', 's', {{'p:k': 'v'}})\n"
        "time.sleep(600)\n"
    )
    caller = subprocess.Popen([sys.executable, "-c", code])
    try:
        pack_pid = _pack_pid(pid_file)
    finally:
        caller.kill()
        caller.wait(30)
    assert _gone(pack_pid, timeout=15), "the policy pack outlived its caller"
