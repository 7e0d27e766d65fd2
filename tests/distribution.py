"""The built distributions, shared by tests/test_packaging.py and tests/test_consumer.py: the three
wheels (component library, policy pack, offline gate) and one fresh virtual environment with all
three installed, once per test session (tests/conftest.py's `wheels` and `installed_python`
fixtures), because building and installing are most of those tests' time.

Building needs the build backend from PyPI (setuptools >= 77, in pip's isolated build
environment). The build skips only when that download is impossible (no index reachable) and the
`CI` environment variable is not set; in CI a failed build fails.

The fresh environment is `python -m venv` plus the wheel (`pip install --no-deps`). To keep it fast
it reuses the heavy SDKs (pulumi, pulumi-azure-native, ...) of the environment running the tests
through a path entry (`*.pth`), not as installed packages: a `.pth` file's path entries are not
site directories, so that environment's editable install of this repository is not active there.
The tests assert that every module of the three packages is imported from the fresh environment.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
_OFFLINE = re.compile(
    r"(Could not find a version that satisfies the requirement setuptools|No matching distribution found"
    r"|Failed to establish a new connection|Temporary failure in name resolution|Network is unreachable)"
)
_IGNORED = shutil.ignore_patterns("venv", ".venv", ".git", "build", "dist", "*.egg-info", "__pycache__", ".pytest_cache", "*.pyc")


DISTRIBUTIONS = {
    # distribution: (its project folder in the repository, its import package)
    "pulumi-aizone": (".", "pulumi_aizone"),
    "pulumi-aizone-policy": ("policy_pack", "pulumi_aizone_policy"),
    "pulumi-aizone-gate": ("gate", "pulumi_aizone_gate"),
}


def build_wheels(destination: Path) -> dict[str, Path]:
    """{distribution: its wheel}: `pip wheel --no-deps` of each project folder of a copy of the
    source tree (the build writes into its source)."""
    source = destination / "src"
    shutil.copytree(ROOT, source, ignore=_IGNORED)
    return {name: _build_wheel(source / folder, destination / "dist", name) for name, (folder, _) in DISTRIBUTIONS.items()}


def _build_wheel(source: Path, dist: Path, name: str) -> Path:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--disable-pip-version-check",
            "-q",
            "-w",
            str(dist),
            str(source),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    if result.returncode != 0:
        if _OFFLINE.search(result.stdout + result.stderr) and not os.environ.get("CI"):
            pytest.skip("building the wheel needs setuptools from a package index, and none is reachable")
        raise AssertionError(f"pip wheel failed:\n{result.stdout}\n{result.stderr}")
    (wheel,) = dist.glob(f"{name.replace('-', '_')}-*.whl")
    return wheel


def make_venv(directory: Path, wheels: list[Path]) -> Path:
    """A fresh virtual environment with the wheels installed; returns its python."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(directory)], check=True, timeout=120)
    python = directory / "bin" / "python"
    site_packages = Path(
        subprocess.run(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], check=True, capture_output=True, text=True
        ).stdout.strip()
    )
    (site_packages / "zz_reused_sdks.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(python),
            "install",
            "--disable-pip-version-check",
            "-q",
            "--no-deps",
            "--no-index",
            "--ignore-installed",
            *map(str, wheels),
        ],
        check=True,
        capture_output=True,
        text=True,
        timeout=300,
    )
    return python


def clean_env() -> dict[str, str]:
    """The environment without anything that would put this repository on sys.path."""
    return {key: value for key, value in os.environ.items() if key not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")}
