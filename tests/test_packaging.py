"""The three deliverables are real packages: each wheel holds its package and nothing else, its
metadata says what it requires, and all three work installed in a fresh virtual environment, away
from this repository (every module imports there). The wheels and the environment are built once
per session and shared with tests/test_consumer.py (tests/distribution.py, fixtures in
tests/conftest.py).
"""

from __future__ import annotations

import email.message
import email.parser
import json
import re
import subprocess
import time
import tomllib
import zipfile
from pathlib import Path

import yaml

import pulumi_aizone
import pulumi_aizone_gate
import pulumi_aizone_policy

from .distribution import DISTRIBUTIONS, clean_env

ROOT = Path(__file__).resolve().parents[1]
VERSION = pulumi_aizone.__version__


def _metadata(wheel: Path) -> email.message.Message:
    with zipfile.ZipFile(wheel) as archive:
        (name,) = [item for item in archive.namelist() if item.endswith(".dist-info/METADATA")]
        return email.parser.Parser().parsestr(archive.read(name).decode())


def _sources(package: str) -> set[str]:
    folder, _ = next(value for value in DISTRIBUTIONS.values() if value[1] == package)
    directory = (ROOT / "components" if folder == "." else ROOT / folder) / package
    return {f"{package}/{path.relative_to(directory).as_posix()}" for path in directory.rglob("*.py")}


def test_each_wheel_holds_its_package_and_nothing_else(wheels: dict[str, Path]) -> None:
    assert sorted(wheels) == sorted(DISTRIBUTIONS)
    for distribution, wheel in wheels.items():
        package = DISTRIBUTIONS[distribution][1]
        names = zipfile.ZipFile(wheel).namelist()
        dist_info = f"{distribution.replace('-', '_')}-{VERSION}.dist-info"
        assert {name.split("/")[0] for name in names} == {package, dist_info}, distribution
        # Every module of the package is shipped; no tests, examples, tools or environments.
        assert _sources(package) <= set(names), sorted(_sources(package) - set(names))
        assert not [name for name in names if re.search(r"(^|/)(tests|examples|tools|benchmarks|venv|fixtures)/", name)]
    library = set(zipfile.ZipFile(wheels["pulumi-aizone"]).namelist())
    assert {"pulumi_aizone/py.typed", "pulumi_aizone/grants.py", "pulumi_aizone/landing_zone/settings.py"} <= library
    assert f"pulumi_aizone-{VERSION}.dist-info/licenses/LICENSE" in library
    pack = set(zipfile.ZipFile(wheels["pulumi-aizone-policy"]).namelist())
    assert {"pulumi_aizone_policy/py.typed", "pulumi_aizone_policy/builtin_roles.json", "pulumi_aizone_policy/policies/rbac.py"} <= pack
    # The --json report's published schema ships with the gate that writes it.
    assert "pulumi_aizone_gate/report.schema.json" in zipfile.ZipFile(wheels["pulumi-aizone-gate"]).namelist()


def test_wheel_metadata(wheels: dict[str, Path]) -> None:
    library, pack, gate = (_metadata(wheels[name]) for name in DISTRIBUTIONS)
    for metadata, name in ((library, "pulumi-aizone"), (pack, "pulumi-aizone-policy"), (gate, "pulumi-aizone-gate")):
        assert (metadata["Name"], metadata["Version"]) == (name, VERSION)
        assert metadata["Requires-Python"] == ">=3.11"
        assert metadata["License-Expression"] == "Apache-2.0"
    # The library requires the pack released with it (the catalog and reference data live there);
    # azure-identity only for the preflight command, as the `preflight` extra.
    assert library.get_all("Provides-Extra") == ["preflight"]
    assert sorted(library.get_all("Requires-Dist") or []) == [
        'azure-identity<2,>=1.27; extra == "preflight"',
        f"pulumi-aizone-policy=={VERSION}",
        "pulumi-azure-native<4,>=3.29",
        "pulumi-azuread<7,>=6.11",
        "pulumi<4,>=3.200",
    ]
    assert sorted(pack.get_all("Requires-Dist") or []) == ["PyYAML<7,>=6", "pulumi-policy<1.22,>=1.21", "pulumi<4,>=3.200"]
    # The gate needs no Azure SDK and neither the library nor the pack: it is handed a pack folder.
    assert sorted(gate.get_all("Requires-Dist") or []) == [
        "PyYAML<7,>=6",
        "grpcio<2,>=1.66",
        "jsonschema<5,>=4.20",
        "protobuf<6,>=5.29",
        "pulumi<4,>=3.200",
    ]
    assert "Typing :: Typed" in (library.get_all("Classifier") or [])
    with zipfile.ZipFile(wheels["pulumi-aizone-gate"]) as archive:
        (entry_points,) = [item for item in archive.namelist() if item.endswith(".dist-info/entry_points.txt")]
        assert "aizone-gate = pulumi_aizone_gate.cli:main" in archive.read(entry_points).decode()


IMPORT_EVERYTHING = """
import importlib, json, pkgutil, sys
found = {}
for package in sys.argv[1:]:
    module = importlib.import_module(package)
    found[package] = module.__file__
    for info in pkgutil.walk_packages(module.__path__, package + "."):
        if info.name.endswith(".__main__"):  # an entry point: run with -m, below
            continue
        found[info.name] = importlib.import_module(info.name).__file__
import pulumi_aizone_policy.manifest as manifest
found["manifest"] = list(vars(manifest.load_manifest()).values())
print(json.dumps(found))
"""


def test_every_module_of_every_installed_package_imports_from_the_fresh_environment(installed_python: Path, tmp_path: Path) -> None:
    started = time.monotonic()
    packages = [package for _, package in DISTRIBUTIONS.values()]
    result = subprocess.run(
        [str(installed_python), "-c", IMPORT_EVERYTHING, *packages],
        cwd=tmp_path,
        env=clean_env(),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout)
    manifest = found.pop("manifest")
    environment = installed_python.parents[1].resolve()
    for module, file in found.items():
        path = Path(file).resolve()
        assert path.is_relative_to(environment) and not path.is_relative_to(ROOT), f"{module} imported from {path}"
    expected = {
        module.removesuffix(".py").removesuffix("/__init__").replace("/", ".") for package in packages for module in _sources(package)
    } - {"pulumi_aizone_gate.__main__", "pulumi_aizone.landing_zone.preflight.__main__"}
    assert set(found) == expected
    # Installed without its folder, the pack reads its manifest from the distribution's metadata:
    # the same facts PulumiPolicy.yaml gives the CLI.
    yaml_manifest = yaml.safe_load((ROOT / "policy_pack" / "PulumiPolicy.yaml").read_text(encoding="utf-8"))
    assert manifest == [yaml_manifest[key] for key in ("version", "description", "author", "website", "license")]
    assert time.monotonic() - started < 120


def test_the_preflight_command_imports_no_azure_sdk_until_it_signs_in(installed_python: Path, tmp_path: Path) -> None:
    """azure-identity is the `preflight` extra, not a base dependency: importing the command and
    printing its help loads no `azure.*` module (the transport imports it when it is built)."""
    command = [str(installed_python), "-m", "pulumi_aizone.landing_zone.preflight"]
    result = subprocess.run([*command, "--help"], cwd=tmp_path, env=clean_env(), capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "--stack NAME" in result.stdout
    probe = "import sys, pulumi_aizone.landing_zone.preflight.__main__; print(sorted(m for m in sys.modules if m.split('.')[0] in ('azure', 'msal')))"
    result = subprocess.run(
        [str(installed_python), "-c", probe], cwd=tmp_path, env=clean_env(), capture_output=True, text=True, timeout=120
    )
    assert (result.returncode, result.stdout) == (0, "[]\n"), result.stderr


def test_the_gate_command_runs_from_the_fresh_environment(installed_python: Path, tmp_path: Path) -> None:
    for command in ([str(installed_python.parent / "aizone-gate")], [str(installed_python), "-m", "pulumi_aizone_gate"]):
        result = subprocess.run([*command, "--help"], cwd=tmp_path, env=clean_env(), capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, result.stderr
        assert "--policy-pack" in result.stdout and "--junit" in result.stdout
    code = "import json; from pulumi_aizone_gate.report import JSON_SCHEMA_FILE as f; print(json.loads(f.read_text())['title'])"
    result = subprocess.run([str(installed_python), "-c", code], cwd=tmp_path, env=clean_env(), capture_output=True, text=True, timeout=120)
    assert result.stdout.strip() == "aizone-gate --json report", result.stderr


def test_changelog_top_entry_is_this_version() -> None:
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    versions = re.findall(r"^## \[([^\]]+)\]", changelog, flags=re.MULTILINE)
    assert versions and versions[0] == VERSION, versions[:2]
    assert re.search(rf"^## \[{re.escape(VERSION)}\] - \d{{4}}-\d{{2}}-\d{{2}}$", changelog, flags=re.MULTILINE)
    top = changelog.split(f"## [{VERSION}]", 1)[1].split("\n## [", 1)[0]
    assert "### Migration" in top
    assert f"[{VERSION}]: " in changelog


def test_one_version_for_the_three_deliverables() -> None:
    """Each deliverable reads its version from its package; the three are released together, so
    the numbers are one, and PulumiPolicy.yaml (what `pulumi policy publish` reads) repeats it."""
    assert re.fullmatch(r"\d+\.\d+\.\d+", VERSION)
    for folder, package in DISTRIBUTIONS.values():
        project = tomllib.loads((ROOT / folder / "pyproject.toml").read_text(encoding="utf-8"))
        assert project["project"]["dynamic"] == ["version"]
        assert project["tool"]["setuptools"]["dynamic"]["version"] == {"attr": f"{package}.__version__"}
    assert pulumi_aizone_policy.__version__ == pulumi_aizone_gate.__version__ == VERSION
    assert yaml.safe_load((ROOT / "policy_pack" / "PulumiPolicy.yaml").read_text(encoding="utf-8"))["version"] == VERSION
    library = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert f"pulumi-aizone-policy=={VERSION}" in library["project"]["dependencies"]


def test_pack_distribution_describes_the_pack_as_its_manifest_does() -> None:
    manifest = yaml.safe_load((ROOT / "policy_pack" / "PulumiPolicy.yaml").read_text(encoding="utf-8"))
    project = tomllib.loads((ROOT / "policy_pack" / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert project["description"] == manifest["description"]
    assert project["license"] == manifest["license"]
    assert project["authors"] == [{"name": manifest["author"]}]
    assert project["urls"]["Homepage"] == manifest["website"]
