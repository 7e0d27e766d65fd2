"""The repository stands alone: no tracked file reads or cites anything outside it (a sibling
checkout, a workspace directory, design documents that are not in the repository, machine paths),
and the control catalog's document is generated from the catalog data and current."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest

from tools import catalog_doc

ROOT = Path(__file__).resolve().parents[1]
_SKIP_DIRS = {".git", "venv", ".venv", "node_modules", "build", "dist", "__pycache__", ".pytest_cache"}

# Written in pieces so that this file does not match its own patterns (nothing is allow-listed).
_DOT_DOT = ".."
FORBIDDEN: dict[str, re.Pattern[str]] = {
    "a sibling checkout's shared directory": re.compile(re.escape(_DOT_DOT + "/shared")),
    "a shared directory outside the repository": re.compile(r"(?<![\w./-])" + "shared" + r"/"),
    "a workspace path": re.compile("/" + "work" + "/"),
    "a design document that is not in the repository": re.compile("DESIGN" + r"\.md"),
    "notes of the design that are not in the repository": re.compile("design" + r" notes?\b", re.IGNORECASE),
    # The catalog document is docs/CONTROLS.md (also spelled `"docs" / "CONTROLS.md"` in code).
    "a control catalog document outside docs/": re.compile(r'(?<!docs/)(?<!"docs" / ")' + "CONTROLS" + r"\.md"),
    "a home directory": re.compile(r"(?:/home|/Users)/[A-Za-z]"),
}


def tracked_files() -> list[Path]:
    """The files git tracks or would track (in a checkout: tracked plus untracked, not ignored),
    else every file below the root outside build and environment directories (a source archive)."""
    try:
        listed = subprocess.run(
            ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=ROOT, capture_output=True, check=True, timeout=60
        ).stdout.decode("utf-8")
    except (OSError, subprocess.SubprocessError):
        found: list[Path] = []
        for directory, dirs, files in os.walk(ROOT):
            dirs[:] = [name for name in dirs if name not in _SKIP_DIRS and not name.endswith(".egg-info")]
            found += [Path(directory, name) for name in files]
        return sorted(found)
    return sorted(ROOT / name for name in listed.split("\0") if name)


def text_of(path: Path) -> str | None:
    """The file as text, None for binary files and files the checkout does not have."""
    try:
        data = path.read_bytes()
    except (FileNotFoundError, IsADirectoryError):
        return None
    if b"\0" in data:
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


def outside_references(text: str) -> list[tuple[int, str, str]]:
    """(line number, what it refers to, the line) for every reference to something outside."""
    hits: list[tuple[int, str, str]] = []
    for number, line in enumerate(text.splitlines(), 1):
        hits += [(number, what, line.strip()) for what, pattern in FORBIDDEN.items() if pattern.search(line)]
    return hits


def test_no_tracked_file_refers_outside_the_repository() -> None:
    files = tracked_files()
    assert ROOT / "README.md" in files and ROOT / "tests" / "test_repository.py" in files
    hits = [
        f"{path.relative_to(ROOT).as_posix()}:{number}: {what}: {line}"
        for path in files
        if (text := text_of(path)) is not None
        for number, what, line in outside_references(text)
    ]
    assert hits == []


@pytest.mark.parametrize(
    "line",
    [
        "its source is `" + _DOT_DOT + "/shared/README`.",
        'Path("/' + 'work/data")',
        "reconfigures the runtime (DESIGN" + ".md section 4)",
        "contrary to a note in our design" + " notes.",
        "Every control (shared" + "/catalog) is one Control",
        "consistent with CONTROLS" + ".md, every policy",
        'Path("../catalog/CONTROLS' + '.md")',
        "cd /home" + "/alice/aizone",
    ],
)
def test_each_kind_of_outside_reference_is_caught(line: str) -> None:
    assert outside_references(line), line


@pytest.mark.parametrize(
    "line",
    [
        "[`docs/CONTROLS.md`](docs/CONTROLS.md) is generated from the catalog",
        'DOC = ROOT / "docs" / "CONTROLS.md"',
        "allow-lists shared by the program and the pack",
        "tools/traceability.py prints the shared stack index of every policy",
    ],
)
def test_references_inside_the_repository_pass(line: str) -> None:
    assert outside_references(line) == []


def test_controls_md_check_fails_when_stale(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "catalog.md"
    assert catalog_doc.main(["--check", "--output", str(target)]) == 1
    assert "is missing; run `python -m tools.catalog_doc`" in capsys.readouterr().err
    assert catalog_doc.main(["--output", str(target)]) == 0
    assert target.read_text(encoding="utf-8") == (ROOT / "docs" / "CONTROLS.md").read_text(encoding="utf-8")
    assert catalog_doc.main(["--check", "--output", str(target)]) == 0
    target.write_text(
        target.read_text(encoding="utf-8").replace("| ACC-1 | Entra ID instead of keys |", "| ACC-1 | Keys |"), encoding="utf-8"
    )
    assert catalog_doc.main(["--check", "--output", str(target)]) == 1
    assert "is stale: it differs from the catalog" in capsys.readouterr().err


def test_controls_md_states_each_control_as_the_catalog_does() -> None:
    from pulumi_aizone_policy import catalog
    from pulumi_aizone_policy.policies import ALL_SPECS

    text = (ROOT / "docs" / "CONTROLS.md").read_text(encoding="utf-8")
    for control in catalog.CONTROLS:
        section = text.split(f"### {control.id}: {control.title}\n", 1)[1].split("\n### ", 1)[0]
        assert control.requirement in section, control.id
        assert f"MCSB v1: {', '.join(control.mcsb_v1) or '-'}; AI security (v2): {', '.join(control.mcsb_v2) or '-'}" in section
        level = {"M": "- Default level: mandatory (M)", "A": "- Default level: advisory (A)"}.get(
            control.level or "", "- Default level: - (no policy)"
        )
        assert level in section, control.id
        names = sorted(spec.name for spec in ALL_SPECS if control.id in spec.controls)
        assert [line.split("`")[1] for line in section.splitlines() if line.startswith("  - `")] == names, control.id


def test_pre_commit_runs_the_pinned_ruff_and_the_project_checks() -> None:
    import importlib.util

    import yaml

    config = yaml.safe_load((ROOT / ".pre-commit-config.yaml").read_text(encoding="utf-8"))
    pins = dict(
        line.split("==", 1)
        for line in (ROOT / "requirements-dev.txt").read_text(encoding="utf-8").splitlines()
        if "==" in line and not line.startswith("#")
    )
    ruff = next(repo for repo in config["repos"] if repo["repo"].endswith("/ruff-pre-commit"))
    assert ruff["rev"] == f"v{pins['ruff']}"
    assert {hook["id"] for hook in ruff["hooks"]} == {"ruff", "ruff-format"}
    local = {hook["id"]: hook for repo in config["repos"] if repo["repo"] == "local" for hook in repo["hooks"]}
    assert local["traceability"]["entry"].endswith("-m tools.traceability --check --no-tests")
    assert local["catalog-doc"]["entry"].endswith("-m tools.catalog_doc --check")
    assert local["pyright"]["entry"].endswith("-m pyright")
    for hook in local.values():
        module = hook["entry"].split(" -m ", 1)[1].split()[0]
        assert importlib.util.find_spec(module) is not None, hook["id"]
        assert hook["pass_filenames"] is False
    assert re.search(local["catalog-doc"]["files"], "policy_pack/pulumi_aizone_policy/catalog.py")
    assert re.search(local["catalog-doc"]["files"], "docs/CONTROLS.md")
