"""The distribution is a real package: the wheel holds what a consumer needs and nothing else, its
metadata says what the library requires, and it works installed in a fresh virtual environment,
away from this repository. The wheel and the environment are built once per session and shared
with tests/test_consumer.py (tests/distribution.py, fixtures in tests/conftest.py).
"""

from __future__ import annotations

import email.message
import email.parser
import json
import re
import subprocess
import time
import zipfile
from pathlib import Path

import aizone

from .distribution import clean_env

ROOT = Path(__file__).resolve().parents[1]


def _metadata(wheel: Path) -> email.message.Message:
    with zipfile.ZipFile(wheel) as archive:
        (name,) = [item for item in archive.namelist() if item.endswith(".dist-info/METADATA")]
        return email.parser.Parser().parsestr(archive.read(name).decode())


def test_wheel_holds_the_packages_and_nothing_else(wheel_path: Path) -> None:
    names = zipfile.ZipFile(wheel_path).namelist()
    tops = {name.split("/")[0] for name in names}
    assert tops == {"aizone", "aizone_policy", f"pulumi_aizone-{aizone.__version__}.dist-info"}
    assert {
        "aizone/py.typed",
        "aizone_policy/py.typed",
        "aizone/components/__init__.py",
        "aizone/components/grants.py",
        "aizone/landing_zone/settings.py",
        "aizone_policy/catalog.py",
        "aizone_policy/policies/rbac.py",
    } <= set(names)
    assert f"pulumi_aizone-{aizone.__version__}.dist-info/licenses/LICENSE" in names
    assert not [name for name in names if re.search(r"(^|/)(tests|offline_preview|examples|tools|benchmarks|venv)/", name)]
    # Every module of both packages is shipped.
    sources = {f"aizone/{path.relative_to(ROOT / 'aizone').as_posix()}" for path in (ROOT / "aizone").rglob("*.py")}
    sources |= {
        f"aizone_policy/{path.relative_to(ROOT / 'policy_pack' / 'aizone_policy').as_posix()}"
        for path in (ROOT / "policy_pack" / "aizone_policy").rglob("*.py")
    }
    assert sources <= set(names), sorted(sources - set(names))


def test_wheel_metadata(wheel_path: Path) -> None:
    metadata = _metadata(wheel_path)
    assert metadata["Name"] == "pulumi-aizone"
    assert metadata["Version"] == aizone.__version__
    assert metadata["Requires-Python"] == ">=3.11"
    assert metadata["License-Expression"] == "Apache-2.0"
    requires = sorted(metadata.get_all("Requires-Dist") or [])
    assert requires == [
        "pulumi-azure-native<4,>=3.29",
        "pulumi-azuread<7,>=6.11",
        'pulumi-policy<1.22,>=1.21; extra == "policy"',
        "pulumi<4,>=3.200",
    ]
    assert "Typing :: Typed" in (metadata.get_all("Classifier") or [])


def test_installed_wheel_imports_from_the_fresh_environment(installed_python: Path, tmp_path: Path) -> None:
    started = time.monotonic()
    code = (
        "import json, sys, aizone, aizone.components, aizone_policy, aizone_policy.catalog; "
        "from aizone.components import AiServices, DataBoundary, grant_role; "
        "print(json.dumps({'aizone': aizone.__file__, 'components': aizone.components.__file__, "
        "'policy': aizone_policy.__file__, 'version': aizone.__version__, "
        "'program_loaded': any(m.startswith('aizone.landing_zone') for m in sys.modules)}))"
    )
    result = subprocess.run([str(installed_python), "-c", code], cwd=tmp_path, env=clean_env(), capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout)
    environment = installed_python.parents[1].resolve()
    for key in ("aizone", "components", "policy"):
        path = Path(found[key]).resolve()
        assert path.is_relative_to(environment), f"{key} imported from {path}, not from {environment}"
        assert not path.is_relative_to(ROOT), path
    assert found["version"] == aizone.__version__
    assert found["program_loaded"] is False
    assert time.monotonic() - started < 60


def test_changelog_top_entry_is_this_version() -> None:
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    versions = re.findall(r"^## \[([^\]]+)\]", changelog, flags=re.MULTILINE)
    assert versions and versions[0] == aizone.__version__, versions[:2]
    assert re.search(rf"^## \[{re.escape(aizone.__version__)}\] - \d{{4}}-\d{{2}}-\d{{2}}$", changelog, flags=re.MULTILINE)
    top = changelog.split(f"## [{aizone.__version__}]", 1)[1].split("\n## [", 1)[0]
    assert "### Migration" in top
    assert f"[{aizone.__version__}]: " in changelog


def test_version_is_read_from_the_package() -> None:
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert 'dynamic = ["version"]' in pyproject
    assert 'version = { attr = "aizone.__version__" }' in pyproject
    assert re.fullmatch(r"\d+\.\d+\.\d+", aizone.__version__)
