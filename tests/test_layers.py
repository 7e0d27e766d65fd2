"""The layers point one way: program -> library -> pack reference data, never back.

- `pulumi_aizone` (the library) never imports the landing-zone program (`pulumi_aizone.landing_zone`),
  the project's entry points (`__main__`), the offline preview, tools or tests;
- `pulumi_aizone_policy` (the policy pack) imports nothing of `aizone`: `pulumi policy publish` ships
  `policy_pack/` alone;
- no import cycle among the modules of `aizone` and `pulumi_aizone_policy`.

Imports are read with `ast`, so an import inside a function or under `if TYPE_CHECKING:` counts as
much as one at the top of a module.
"""

from __future__ import annotations

import ast
import gc
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = {
    "pulumi_aizone": ROOT / "components" / "pulumi_aizone",
    "pulumi_aizone_policy": ROOT / "policy_pack" / "pulumi_aizone_policy",
    "pulumi_aizone_gate": ROOT / "gate" / "pulumi_aizone_gate",
    "tools": ROOT / "tools",
    "tests": ROOT / "tests",
}
PROGRAM = "pulumi_aizone.landing_zone"
FORBIDDEN_IN_LIBRARY = (PROGRAM, "__main__", "pulumi_aizone_gate", "tools", "tests")


@dataclass(frozen=True)
class Import:
    module: str  # the importing module
    target: str  # the imported module (absolute)
    line: int
    from_package: bool = False  # `from <target> import a, b`: the target's names may be submodules


def module_files() -> dict[str, Path]:
    """{dotted module name: file} for every module of every package (fixtures, which are programs
    run by the tests rather than modules of the package, excepted)."""
    modules: dict[str, Path] = {}
    for package, directory in PACKAGES.items():
        for path in sorted(directory.rglob("*.py")):
            if "fixtures" in path.relative_to(directory).parts or "typecheck" in path.relative_to(directory).parts:
                continue
            parts = [package, *path.relative_to(directory).with_suffix("").parts]
            if parts[-1] == "__init__":
                parts.pop()
            modules[".".join(parts)] = path
    return modules


def _parse(path: Path) -> ast.Module:
    """`ast.parse` with the cyclic collector paused: an event loop an earlier in-process preview
    left behind, finalised mid-parse, re-enters the parser from its error hook and CPython 3.11
    aborts with "AST constructor recursion depth mismatch" (python/cpython#106905)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        return ast.parse(path.read_text(encoding="utf-8"), str(path))
    finally:
        if enabled:
            gc.enable()


def imports_of(module: str, path: Path) -> Iterator[Import]:
    """Every import statement of a module, anywhere in it, resolved to absolute module names.
    `from X import name` yields X and X.name (name may be a submodule)."""
    is_package = path.name == "__init__.py"
    package = module if is_package else module.rpartition(".")[0]
    for node in ast.walk(_parse(path)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield Import(module, alias.name, node.lineno)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base_parts = package.split(".")
                base_parts = base_parts[: len(base_parts) - (node.level - 1)]
                base = ".".join(base_parts + ([node.module] if node.module else []))
            else:
                base = node.module or ""
            yield Import(module, base, node.lineno, from_package=True)
            for alias in node.names:
                yield Import(module, f"{base}.{alias.name}", node.lineno)


def all_imports() -> list[Import]:
    return [item for module, path in module_files().items() for item in imports_of(module, path)]


def _matches(target: str, prefix: str) -> bool:
    return target == prefix or target.startswith(prefix + ".")


def test_module_discovery_sees_every_package() -> None:
    modules = module_files()
    assert {
        "pulumi_aizone_gate.cli",
        "tools.traceability",
        "tests.test_layers",
        "pulumi_aizone",
        "pulumi_aizone.grants",
        "pulumi_aizone.landing_zone.settings",
        "pulumi_aizone_policy",
        "pulumi_aizone_policy.catalog",
        "pulumi_aizone_policy.policies.rbac",
    } <= set(modules)


def test_import_reader_sees_function_level_and_type_checking_imports(tmp_path: Path) -> None:
    source = tmp_path / "mod.py"
    source.write_text(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from .landing_zone import settings\n"
        "def late():\n    import pulumi_aizone_gate.cli\n    from . import base\n",
        encoding="utf-8",
    )
    targets = {item.target for item in imports_of("pulumi_aizone.mod", source)}
    assert {"pulumi_aizone.landing_zone", "pulumi_aizone.landing_zone.settings", "pulumi_aizone_gate.cli", "pulumi_aizone.base"} <= targets


def test_library_never_imports_the_program_or_the_tooling() -> None:
    offending = [
        f"{item.module}:{item.line} imports {item.target}"
        for item in all_imports()
        if _matches(item.module, "pulumi_aizone")
        and not _matches(item.module, PROGRAM)
        and any(_matches(item.target, prefix) for prefix in FORBIDDEN_IN_LIBRARY)
    ]
    assert offending == []


def test_policy_pack_is_self_contained() -> None:
    offending = [
        f"{item.module}:{item.line} imports {item.target}"
        for item in all_imports()
        if _matches(item.module, "pulumi_aizone_policy")
        and any(_matches(item.target, other) for other in ("pulumi_aizone", "pulumi_aizone_gate"))
    ]
    assert offending == []


def test_gate_imports_neither_the_library_nor_the_pack() -> None:
    offending = [
        f"{item.module}:{item.line} imports {item.target}"
        for item in all_imports()
        if _matches(item.module, "pulumi_aizone_gate")
        and any(_matches(item.target, other) for other in ("pulumi_aizone", "pulumi_aizone_policy"))
    ]
    assert offending == []


def strongly_connected_components(graph: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's algorithm (iterative): every strongly connected component of the graph."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    components: list[list[str]] = []
    counter = 0
    for root in sorted(graph):
        if root in index:
            continue
        work: list[tuple[str, Iterator[str]]] = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, successors = work[-1]
            advanced = False
            for successor in successors:
                if successor not in index:
                    index[successor] = low[successor] = counter
                    counter += 1
                    stack.append(successor)
                    on_stack.add(successor)
                    work.append((successor, iter(sorted(graph[successor]))))
                    advanced = True
                    break
                if successor in on_stack:
                    low[node] = min(low[node], index[successor])
            if advanced:
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component: list[str] = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                components.append(sorted(component))
    return components


def module_graph() -> dict[str, set[str]]:
    """Module -> the modules of both packages it imports. A package's `__init__` importing its own
    submodules is how a package re-exports; a submodule importing its package is the cycle."""
    modules = module_files()
    graph: dict[str, set[str]] = {module: set() for module in modules}
    items = all_imports()
    submodule_imports = {(item.module, item.line, item.target.rpartition(".")[0]) for item in items if item.target in modules}
    for item in items:
        if item.target not in modules or item.target == item.module:
            continue
        if item.from_package and (item.module, item.line, item.target) in submodule_imports:
            # `from . import base` depends on pulumi_aizone.base, not on the package's
            # re-exports in components/pulumi_aizone/__init__.py.
            continue
        graph[item.module].add(item.target)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    return [component for component in strongly_connected_components(graph) if len(component) > 1]


def test_cycle_finder_finds_a_cycle_and_only_real_ones() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": set()}
    assert cycles(graph) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_cycles_among_modules() -> None:
    graph = module_graph()
    assert {"pulumi_aizone.network", "pulumi_aizone.landing_zone.settings"} <= graph["pulumi_aizone.landing_zone.composition"]
    assert "pulumi_aizone_policy.catalog" in graph["pulumi_aizone.base"]
    assert cycles(graph) == []


@pytest.mark.parametrize("module", ["pulumi_aizone", "pulumi_aizone.provider"])
def test_importing_the_library_does_not_load_the_program(module: str) -> None:
    code = (
        f"import sys, {module}; "
        "loaded = sorted(m for m in sys.modules if m.startswith('pulumi_aizone.landing_zone') "
        "or m.split('.')[0] in ('pulumi_aizone_gate', 'tools', 'tests')); "
        "print(loaded); assert not loaded, loaded"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr + result.stdout
