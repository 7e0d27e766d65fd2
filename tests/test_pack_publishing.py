"""The pack as `pulumi policy publish` uploads it: a manifest with only the keys the CLI reads, the
version in one place (PulumiPolicy.yaml) reported identically by the pack and by both reports, the
readme and repository declared, and no virtualenv in the upload."""

from __future__ import annotations

import subprocess
import tomllib
from pathlib import Path
from typing import Any

import yaml
from google.protobuf import empty_pb2

from pulumi_aizone_policy.manifest import REPOSITORY, load_manifest
from pulumi_aizone_policy.pack import PACK_NAME, build_servicer

from .report_schema import check_report

ROOT = Path(__file__).resolve().parents[1]
PACK = ROOT / "policy_pack"
# PolicyPackProject in pulumi's sdk/go/common/workspace/project.go: every key PulumiPolicy.yaml has.
MANIFEST_KEYS = {"runtime", "version", "main", "description", "author", "website", "license"}


def _manifest() -> dict[str, Any]:
    return yaml.safe_load((PACK / "PulumiPolicy.yaml").read_text(encoding="utf-8"))


def test_manifest_carries_author_website_license_and_only_keys_the_cli_reads() -> None:
    manifest = _manifest()
    assert set(manifest) <= MANIFEST_KEYS
    assert manifest["author"] == "aizone contributors"
    assert manifest["website"] == REPOSITORY == "https://github.com/aizone-dev/aizone"
    assert manifest["license"] == "Apache-2.0"
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert project["license"] == manifest["license"] and project["urls"]["Homepage"] == REPOSITORY
    assert manifest["runtime"] == {"name": "python", "options": {"virtualenv": "venv"}}


def test_pack_reports_the_manifest_version_description_readme_and_repository() -> None:
    manifest = load_manifest()
    info = build_servicer().GetAnalyzerInfo(empty_pb2.Empty(), None)
    assert (info.name, info.version, info.description) == (PACK_NAME, _manifest()["version"], manifest.description)
    assert info.readme == (PACK / "README.md").read_text(encoding="utf-8")
    assert info.repository == REPOSITORY
    # The version is written once in the pack's code: `__version__`, the distribution's version
    # (tests/test_packaging.py keeps it equal to the manifest's).
    sources = "\n".join(path.read_text(encoding="utf-8") for path in (PACK / "pulumi_aizone_policy").rglob("*.py"))
    assert sources.count(f'"{manifest.version}"') == 1
    assert f'__version__ = "{manifest.version}"' in sources


def test_reports_name_the_pack_version_of_the_manifest(dev_preview: Any) -> None:
    from pulumi_aizone_gate.report import to_json, to_sarif

    version = _manifest()["version"]
    assert check_report(to_json(dev_preview))["pack"] == {"name": PACK_NAME, "version": version}
    driver = to_sarif(dev_preview, ROOT, ROOT)["runs"][0]["tool"]["driver"]
    assert (driver["name"], driver["version"]) == (PACK_NAME, version)


def test_pack_gitignore_keeps_the_virtualenv_out_of_the_upload() -> None:
    ignored = ["venv/bin/python", ".venv/lib/x.py", "pulumi_aizone_policy/__pycache__/pack.cpython-311.pyc"]
    kept = ["PulumiPolicy.yaml", "__main__.py", "requirements.txt", "README.md", "pulumi_aizone_policy/pack.py"]
    result = subprocess.run(
        ["git", "check-ignore", "--no-index", "-v", *ignored, *kept],
        cwd=PACK,
        capture_output=True,
        text=True,
        check=False,
    )
    matched = {line.split("\t", 1)[1]: line.split("\t", 1)[0] for line in result.stdout.splitlines()}
    assert sorted(matched) == sorted(ignored)
    assert all(source.startswith("policy_pack/.gitignore:") for source in matched.values())


def test_the_project_has_one_version_number() -> None:
    """The pack (published on its own) and the library are released together: one version."""
    import pulumi_aizone

    assert load_manifest().version == pulumi_aizone.__version__
