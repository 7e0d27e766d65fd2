"""Shared fixtures: one offline preview of the dev stack per test session.

Pulumi's mocks can be installed once per process, so the dev stack is recorded in-process exactly
once (`pulumi_aizone_gate.record`: mock outputs that look like Azure's, so the tests can read the
wiring; the real policy pack over gRPC) and every test reads the recorded resources from it. The
gate itself (`pulumi_aizone_gate.run`, the CLI) previews it in tests/preview and the CLI tests.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any, Iterable

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACK = ROOT / "policy_pack"


@pytest.fixture(scope="session")
def dev_preview() -> Any:
    import pulumi_aizone_gate

    return pulumi_aizone_gate.record(ROOT, "dev", PACK)


class Plan:
    """Recorded resources of a preview, looked up the way a reviewer thinks about them."""

    def __init__(self, resources: Iterable[Any]) -> None:
        self.resources = list(resources)
        self.by_name = {resource.name: resource for resource in self.resources}

    def of_type(self, token: str) -> list[Any]:
        return [resource for resource in self.resources if resource.type == token]

    def one(self, token: str, name_contains: str = "") -> Any:
        matches = [r for r in self.of_type(token) if name_contains in r.name]
        assert len(matches) == 1, f"expected one {token} named *{name_contains}*, got {[r.name for r in matches]}"
        return matches[0]

    def urn(self, name: str) -> str:
        return self.by_name[name].urn


@pytest.fixture(scope="session")
def dev_plan(dev_preview: Any) -> Plan:
    return Plan(dev_preview.resources)


def run_preview_cli(*args: str, cwd: Path = ROOT, timeout: float = 240) -> subprocess.CompletedProcess[str]:
    """The offline preview as a user runs it, in its own process."""
    return subprocess.run(
        [sys.executable, "-m", "pulumi_aizone_gate", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """With AIZONE_TRACE_FILE set, write {control id: [test node ids]} for the traceability report."""
    import json
    import os

    target = os.environ.get("AIZONE_TRACE_FILE")
    if not target:
        return
    tests: dict[str, list[str]] = {}
    for item in items:
        for marker in item.iter_markers("controls"):
            for control_id in marker.args:
                tests.setdefault(control_id, []).append(item.nodeid)
    Path(target).write_text(json.dumps(tests, sort_keys=True))


@pytest.fixture(scope="session")
def created_purview_plan(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """The dev stack creating its own Purview account, with names overrides (recorded in a subprocess)."""
    from .plans import created_purview_config, record

    return record(tmp_path_factory.mktemp("created-purview"), created_purview_config())


@pytest.fixture(scope="session")
def wheels(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """{distribution: wheel} of the three deliverables, built once per session (tests/distribution.py)."""
    from .distribution import build_wheels

    return build_wheels(tmp_path_factory.mktemp("wheel"))


@pytest.fixture(scope="session")
def installed_python(wheels: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The python of one fresh virtual environment with the three wheels installed, shared by the session."""
    from .distribution import make_venv

    return make_venv(tmp_path_factory.mktemp("venv") / "env", list(wheels.values()))
