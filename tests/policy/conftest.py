"""Fixtures of the policy pack tests: the pack driven in-process through its analyzer servicer.

The repo root goes on sys.path so the pack is imported as `pulumi_aizone_policy` (a namespace
package, as the Pulumi program imports it); this directory goes on sys.path for the shared case
tables in policy_cases.py, whatever pytest's import mode.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import grpc
import pytest
from pulumi.runtime.proto import analyzer_pb2_grpc

HERE = Path(__file__).resolve().parent
REPO_ROOT = HERE.parents[1]
for path in (str(REPO_ROOT), str(HERE)):
    if path not in sys.path:
        sys.path.insert(0, path)

from pulumi_aizone_policy.harness import PackAnalyzer  # noqa: E402
from pulumi_aizone_policy.scope import SCOPE_POLICY  # noqa: E402

# In-process analysis reconfigures the Pulumi runtime when all three are set (pulumi_policy's
# `_configure_runtime_settings`, see pulumi_aizone_policy/harness.py), so the session runs without them.
_RUNTIME_ENV = ("PULUMI_PROJECT", "PULUMI_STACK", "PULUMI_DRY_RUN")


@pytest.fixture(scope="session", autouse=True)
def _no_pulumi_runtime_env() -> Iterator[None]:
    saved = {name: os.environ.pop(name) for name in _RUNTIME_ENV if name in os.environ}
    yield
    os.environ.update(saved)


# Rule tests judge each policy on its own resource, whatever else the stack holds: every stack is
# judged as an AI workload (scope.py; the scope itself is tested in test_policy_scope.py).
JUDGE_EVERY_STACK: Mapping[str, Any] = {SCOPE_POLICY: {"landingZone": "always", "conventions": True}}


@pytest.fixture(scope="session")
def analyzer(_no_pulumi_runtime_env: None) -> PackAnalyzer:
    """The pack with its default configuration, landing-zone policies on for every stack."""
    return PackAnalyzer(JUDGE_EVERY_STACK)


@pytest.fixture(autouse=True)
def _no_carry_over(request: pytest.FixtureRequest) -> None:
    """Each test starts its own analysis: what `Analyze` calls of earlier tests left for the next
    `AnalyzeStack` on the shared analyzer (inputs kept per URN, as the engine's pack process keeps
    them within one run) is dropped."""
    if "analyzer" in request.fixturenames:
        servicer = request.getfixturevalue("analyzer").servicer
        for name in ("_left_for_stack", "_path_inputs"):
            state = getattr(servicer, name, None)
            if isinstance(state, dict):
                state.clear()


@pytest.fixture
def make_analyzer(_no_pulumi_runtime_env: None) -> Callable[[Mapping[str, Any]], PackAnalyzer]:
    """Factory: the pack configured with `--policy-pack-config` content (landing-zone policies on
    for every stack unless the content sets the scope)."""
    return lambda config: PackAnalyzer({**JUDGE_EVERY_STACK, **config})


PACK_DIR = REPO_ROOT / "policy_pack"


@pytest.fixture(scope="module")
def pack_stub() -> Iterator[analyzer_pb2_grpc.AnalyzerStub]:
    """The pack started exactly as the Pulumi CLI's language host starts it, one process per test
    module, and an analyzer client talking to it over gRPC."""
    env = {**os.environ, "PULUMI_PROJECT": "aizone", "PULUMI_STACK": "dev", "PULUMI_DRY_RUN": "true"}
    process = subprocess.Popen(
        [sys.executable, "-u", "-m", "pulumi.policy", "127.0.0.1:1", str(PACK_DIR)],
        cwd=PACK_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    watchdog = threading.Timer(60, process.kill)
    watchdog.start()
    try:
        assert process.stdout is not None
        port = process.stdout.readline().strip()
        assert port.isdigit(), (
            f"pack did not print its port: {port!r} {process.stderr.read() if process.poll() is not None and process.stderr else ''}"
        )
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            yield analyzer_pb2_grpc.AnalyzerStub(channel)
    finally:
        watchdog.cancel()
        process.terminate()
        process.wait(timeout=10)
