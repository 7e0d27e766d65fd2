"""Traceability: which code implements, enforces and tests each control of the catalog.

    venv/bin/python -m tools.traceability [--control ID ...] [--check] [--markdown FILE]
    venv/bin/python -m tools.traceability --type azure-native:storage:StorageAccount

Joins four sources, none of them hand-maintained lists:
- the control catalog (policy_pack/pulumi_aizone_policy/catalog.py: ids, titles, how each is enforced);
- components: the `@implements(...)` decorators (components/pulumi_aizone/base.py: IMPLEMENTED_BY);
- policies: each policy spec's `controls` (policy_pack/pulumi_aizone_policy/policies);
- Azure Policy: the catalog's runtime definitions per control (catalog.RUNTIME_POLICIES: built-in
  id and version from the azure-policy snapshot, or the repository's custom definition), which
  the Guardrails component assigns, or why a control has none (catalog.NO_RUNTIME_COUNTERPART);
- tests: each test's `pytest.mark.controls(...)` marker, collected by pytest itself (many markers
  are computed while the test modules load, e.g. from the policies a parametrized case proves, so
  only a real collection sees them all).
For every control it prints the file and line of each implementing component or function (where
its `@implements` decorator is), of each policy spec (where the spec's name is written in its
module) and of the policy's rule function, and the node ids of the tests that prove it.

`--type TOKEN` answers "what is checked on this resource type": the resource policies that judge
it (their `resource_types`) and the stack policies that read it (the type tokens of their
`fields`, plus the pack's scope table of the stack policies listed in STACK_SCOPES), with control
ids, default level and file:line. It needs no test collection.

`--check` exits 1 when a control lacks what its enforcement column requires: a policy for R/S, a
component for C, the README for D, and a test for every control; or when a registered component
or a policy cannot be located in the source.
"""

from __future__ import annotations

import argparse
import ast
import difflib
import importlib
import inspect
import json
import os
import pkgutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
for _path in (ROOT, ROOT / "components", ROOT / "policy_pack"):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

# Controls whose implementation is the policy pack itself rather than a landing-zone component:
# RES-1 is the metadata (severity, MCSB framework, tags, remediation) every policy spec carries.
PACK_IMPLEMENTED: dict[str, tuple[str, str]] = {"RES-1": ("pulumi_aizone_policy.framework", "PolicySpec")}
# Stack policies that require something of every resource of the types in one of the pack's tables
# or token constants (not in their declared `fields`): `--type` counts those types as read too.
# (module, attribute): a tuple or mapping of type tokens, or one token.
STACK_SCOPES: dict[str, tuple[str, str]] = {
    "azurenative-monitor-diagnosticsetting-central-logging": ("pulumi_aizone_policy.policies.diagnostic_links", "LOGGED_TYPES"),
    "azurenative-network-privateendpoint-required": ("pulumi_aizone_policy.policies.private_link", "TARGET_TYPES"),
    "azurenative-cognitiveservices-account-output-monitoring": ("pulumi_aizone_policy.tokens", "COGNITIVE_ACCOUNT"),
}


@dataclass(frozen=True, order=True)
class Location:
    """A place in the repository: path relative to its root, 1-based line."""

    path: str
    line: int

    def __str__(self) -> str:
        return f"{self.path}:{self.line}"


@dataclass(frozen=True)
class Implementation:
    """A component class or helper function registered with `@implements`; `where` is the line of
    its decorator, None when the registered name matches no decorated object in the source."""

    name: str
    where: Location | None


@dataclass(frozen=True)
class PolicyRef:
    """A policy spec of the pack and where it is defined."""

    name: str
    kind: str  # "resource" or "stack"
    controls: tuple[str, ...]
    level: str  # default enforcement level: "mandatory" or "advisory"
    resource_types: tuple[str, ...]  # resource policies: the types it judges
    read_types: tuple[str, ...]  # type tokens of the fields it reads
    where: Location | None  # where the spec's name is written
    rule: Location | None  # the rule function

    def line(self) -> str:
        where = str(self.where) if self.where else "(not found in source)"
        rule = f", rule at {self.rule}" if self.rule and self.rule != self.where else ""
        return f"{where}  {self.name}  [{', '.join(self.controls)}] {self.kind}, {self.level}{rule}"


@dataclass
class Row:
    control_id: str
    title: str
    enforced_by: str
    level: str
    mcsb: tuple[str, ...]
    components: list[Implementation] = field(default_factory=list)
    policies: list[PolicyRef] = field(default_factory=list)
    tests: list[str] = field(default_factory=list)
    documented: bool = False
    runtime: list[str] = field(default_factory=list)
    """Azure Policy definitions that enforce the control at runtime (one line each)."""
    no_runtime: str = ""
    """Why the control has no runtime definition ("" when it has one)."""

    def gaps(self) -> list[str]:
        missing: list[str] = []
        if {"R", "S"} & set(self.enforced_by) and not self.policies:
            missing.append("no policy")
        if "C" in self.enforced_by and not self.components:
            missing.append("no component")
        if "D" in self.enforced_by and not self.documented:
            missing.append("not in README")
        if not self.tests:
            missing.append("no test")
        missing += [f"{item.name} not found in the source" for item in self.components if item.where is None]
        missing += [f"policy {policy.name} not found in the source" for policy in self.policies if policy.where is None]
        if not self.runtime and not self.no_runtime:
            missing.append("no Azure Policy mapping (a runtime definition, or the reason there is none)")
        return missing


def _relative(path: str | os.PathLike[str]) -> str:
    resolved = Path(path).resolve()
    try:
        return resolved.relative_to(ROOT).as_posix()
    except ValueError:
        return resolved.as_posix()


def _definition(obj: Any) -> tuple[str, list[str], int] | None:
    """(repository-relative file, source lines, first line) of a class or function, None when
    Python cannot find its source (builtins, objects made at run time)."""
    target = inspect.unwrap(getattr(obj, "func", obj))  # functools.partial -> its function
    try:
        source = inspect.getsourcefile(target)
        lines, start = inspect.getsourcelines(target)
    except (OSError, TypeError):
        return None
    if source is None:
        return None
    return _relative(source), lines, max(start, 1)


def _modules(package: str) -> Iterator[ModuleType]:
    """The package and every module below it, imported."""
    root = importlib.import_module(package)
    yield root
    for info in pkgutil.walk_packages(root.__path__, f"{package}."):
        yield importlib.import_module(info.name)


def _decorated_with(obj: Any, control_id: str) -> Location | None:
    """Where `obj` is decorated with an `@implements(...)` naming `control_id`, else None."""
    found = _definition(obj)
    if found is None:
        return None
    path, lines, start = found
    header: list[str] = []
    for line in lines:
        stripped = line.lstrip()
        if stripped.startswith(("class ", "def ", "async def ")):
            break
        header.append(line)
    text = "".join(header)
    if "@implements(" in text and f'"{control_id}"' in text:
        return Location(path, start)
    return None


def collect_implementations() -> dict[str, list[Implementation]]:
    """{control id: the registered components and functions, with where each is decorated}."""
    modules = list(_modules("pulumi_aizone"))  # importing every module registers every @implements
    from pulumi_aizone.base import IMPLEMENTED_BY

    candidates: dict[str, list[Any]] = {}
    for module in modules:
        for obj in vars(module).values():
            if (inspect.isclass(obj) or inspect.isfunction(obj)) and obj.__module__ == module.__name__:
                candidates.setdefault(obj.__name__, []).append(obj)
    result: dict[str, list[Implementation]] = {}
    for control_id, names in IMPLEMENTED_BY.items():
        items = result.setdefault(control_id, [])
        for name in sorted(set(names)):
            places = sorted({where for obj in candidates.get(name, []) if (where := _decorated_with(obj, control_id))})
            items += [Implementation(name, where) for where in places] or [Implementation(name, None)]
    for control_id, (module_name, name) in PACK_IMPLEMENTED.items():
        found = _definition(getattr(importlib.import_module(module_name), name))
        result.setdefault(control_id, []).append(Implementation(name, Location(found[0], found[2]) if found else None))
    return result


def _string_lines(path: Path) -> dict[str, int]:
    """{string literal: first line it appears on} of a Python source file."""
    lines: dict[str, int] = {}
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            lines[node.value] = min(node.lineno, lines.get(node.value, node.lineno))
    return lines


def collect_policies() -> list[PolicyRef]:
    """Every policy spec of the pack, in pack order, with where it is defined: the line of its name
    in the module whose POLICIES holds it, else in any module of the pack (a shared constant)."""
    from pulumi_aizone_policy.framework import ResourcePolicySpec
    from pulumi_aizone_policy.policies import ALL_SPECS

    origin: dict[str, Path] = {}
    literals: dict[Path, dict[str, int]] = {}
    # Policy modules first, then the rest of the pack (a name may be a constant of another module).
    modules = list(_modules("pulumi_aizone_policy.policies"))
    modules += [module for module in _modules("pulumi_aizone_policy") if module not in modules]
    for module in modules:
        source = Path(inspect.getsourcefile(module) or "")
        literals[source] = _string_lines(source)
        for spec in getattr(module, "POLICIES", ()):
            origin[spec.name] = source
    refs: list[PolicyRef] = []
    for spec in ALL_SPECS:
        files = [origin[spec.name]] if spec.name in origin else []
        files += [path for path in literals if path not in files]
        where = next((Location(_relative(path), literals[path][spec.name]) for path in files if spec.name in literals[path]), None)
        rule = _definition(spec.rule)
        scope: tuple[str, ...] = ()
        if spec.name in STACK_SCOPES:
            module_name, attribute = STACK_SCOPES[spec.name]
            table = getattr(importlib.import_module(module_name), attribute)
            scope = (table,) if isinstance(table, str) else tuple(table)
        is_resource = isinstance(spec, ResourcePolicySpec)
        refs.append(
            PolicyRef(
                name=spec.name,
                kind="resource" if is_resource else "stack",
                controls=spec.controls,
                level=spec.enforcement_level.value,
                resource_types=tuple(spec.resource_types) if isinstance(spec, ResourcePolicySpec) else (),
                read_types=tuple(dict.fromkeys((*(item.type_token for item in spec.fields), *scope))),
                where=where,
                rule=Location(rule[0], rule[2]) if rule else None,
            )
        )
    return refs


def collect_tests() -> dict[str, list[str]]:
    """{control id: test node ids}, from one pytest collection of the `controls` markers
    (tests/conftest.py writes them to AIZONE_TRACE_FILE). Assertion rewriting is off: collecting
    needs the marks, not rewritten asserts, and rewriting is most of the collection's time."""
    with tempfile.TemporaryDirectory() as scratch:
        target = Path(scratch) / "trace.json"
        env = {**os.environ, "AIZONE_TRACE_FILE": str(target)}
        completed = subprocess.run(
            [sys.executable, "-m", "pytest", "--collect-only", "-q", "--assert=plain"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
        )
        if completed.returncode != 0 or not target.is_file():
            tail = "\n".join((completed.stdout + completed.stderr).splitlines()[-30:])
            raise SystemExit(f"pytest could not collect the tests (exit {completed.returncode}):\n{tail}")
        return json.loads(target.read_text(encoding="utf-8"))


def build_rows(tests: Callable[[], dict[str, list[str]]] = collect_tests) -> list[Row]:
    """One row per control of the catalog, in catalog order."""
    from pulumi_aizone_policy import catalog

    implementations = collect_implementations()
    policies = collect_policies()
    tested = tests()
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    return [
        Row(
            control_id=control.id,
            title=control.title,
            enforced_by="+".join(sorted(control.enforced_by)),
            level={"M": "mandatory", "A": "advisory"}.get(control.level or "", "-"),
            mcsb=control.mcsb,
            components=sorted(implementations.get(control.id, []), key=lambda item: (item.where or Location("", 0), item.name)),
            policies=sorted((ref for ref in policies if control.id in ref.controls), key=lambda ref: ref.name),
            tests=sorted(set(tested.get(control.id, []))),
            documented=control.id in readme,
            runtime=[runtime_line(policy) for policy in catalog.runtime_policies(control.id)],
            no_runtime=catalog.NO_RUNTIME_COUNTERPART.get(control.id, ""),
        )
        for control in catalog.CONTROLS
    ]


def runtime_line(policy: Any) -> str:
    """`<reference id>: <built-in GUID vX | custom name> '<display name>' (audit/deny effects)`."""
    kind = f"built-in {policy.definition} v{policy.version}" if policy.builtin else f"custom {policy.definition} v{policy.version}"
    remediation = ", remediate: identity + roles" if policy.remediates else ""
    return f"{policy.reference_id}: {kind} '{policy.display_name}' ({policy.audit_effect}/{policy.deny_effect}{remediation})"


def report(rows: Sequence[Row], with_tests: bool = True) -> str:
    """Per control: what implements it, what enforces it and what proves it, each with its place."""
    from pulumi_aizone_policy import catalog

    titles: dict[str, str] = {str(letter): title for letter, title in catalog.MECHANISM_TITLES.items()}
    out: list[str] = []
    for row in rows:
        mechanisms = ", ".join(titles.get(letter, letter) for letter in row.enforced_by.split("+"))
        out.append(f"{row.control_id}  {row.title}")
        out.append(f"  enforced by {mechanisms}; default level {row.level}; MCSB {', '.join(row.mcsb)}")
        out.append(f"  implemented by ({len(row.components)}):")
        out += [f"    {item.where or '(not found in source)'}  {item.name}" for item in row.components] or ["    -"]
        out.append(f"  enforced by policies ({len(row.policies)}):")
        out += [f"    {ref.line()}" for ref in row.policies] or ["    -"]
        out.append(f"  enforced at runtime by Azure Policy ({len(row.runtime)}):")
        out += [f"    {line}" for line in row.runtime] or [f"    - ({row.no_runtime or 'no runtime counterpart'})"]
        out.append(f"  proven by tests ({len(row.tests)}){':' if with_tests and row.tests else ''}")
        if with_tests:
            out += [f"    {test}" for test in row.tests]
        if "D" in row.enforced_by:
            out.append(f"  documented in README.md: {'yes' if row.documented else 'no'}")
        out.append(f"  gaps: {', '.join(row.gaps()) or 'none'}")
        out.append("")
    return "\n".join(out)


def markdown(rows: Sequence[Row]) -> str:
    lines = [
        "| control | title | by | components | policies | Azure Policy | tests | gaps |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        components = ", ".join(sorted({item.name for item in row.components})) or "-"
        policies = ", ".join(ref.name for ref in row.policies) or "-"
        runtime = ", ".join(line.split(":", 1)[0] for line in row.runtime) or "-"
        lines.append(
            f"| {row.control_id} | {row.title} | {row.enforced_by} | {components} | "
            f"{policies} | {runtime} | {len(row.tests)} | {', '.join(row.gaps()) or 'none'} |"
        )
    return "\n".join(lines) + "\n"


def known_types(policies: Sequence[PolicyRef]) -> list[str]:
    """Every resource type token some policy judges or reads."""
    return sorted({token for ref in policies for token in (*ref.resource_types, *ref.read_types)})


def type_report(token: str, policies: Sequence[PolicyRef]) -> str:
    """What is checked on one resource type; raises ValueError naming close known tokens."""
    judging = [ref for ref in policies if token in ref.resource_types]
    reading = [ref for ref in policies if ref.kind == "stack" and token in ref.read_types]
    if not judging and not reading:
        known = known_types(policies)
        by_lower = {item.lower(): item for item in known}
        close = [by_lower[item] for item in difflib.get_close_matches(token.lower(), list(by_lower), n=5, cutoff=0.6)]
        hint = f"did you mean {', '.join(close)}? " if close else ""
        raise ValueError(
            f"--type {token!r}: no policy judges or reads this resource type. {hint}Known types ({len(known)}): {', '.join(known)}"
        )
    out = [f"{token}: {len(judging)} resource and {len(reading)} stack policies"]
    out.append(f"  resource policies (judge each {token}) ({len(judging)}):")
    out += [f"    {ref.line()}" for ref in judging] or ["    -"]
    out.append(f"  stack policies (read {token} together with other resources) ({len(reading)}):")
    out += [f"    {ref.line()}" for ref in reading] or ["    -"]
    controls = sorted({control for ref in (*judging, *reading) for control in ref.controls})
    out.append(f"  controls: {', '.join(controls)}")
    return "\n".join(out) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.traceability", description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if any control has a gap")
    parser.add_argument("--markdown", type=Path, metavar="FILE", help="also write a summary table to this file")
    parser.add_argument("--control", action="append", metavar="ID", help="only this control (repeatable)")
    parser.add_argument("--no-tests", action="store_true", help="print test counts, not test ids")
    parser.add_argument(
        "--type",
        metavar="TOKEN",
        help="what is checked on this resource type, e.g. azure-native:storage:StorageAccount",
    )
    args = parser.parse_args(argv)
    if args.type:
        if args.check or args.markdown or args.control:
            parser.error("--type takes no other option")
        try:
            print(type_report(args.type, collect_policies()), end="")
        except ValueError as error:
            print(error, file=sys.stderr)
            return 2
        return 0
    rows = build_rows()
    if args.control:
        from pulumi_aizone_policy import catalog

        for control_id in args.control:
            if control_id not in catalog.CONTROLS_BY_ID:
                parser.error(f"--control {control_id!r}: unknown control id; known ids: {', '.join(catalog.CONTROLS_BY_ID)}")
        rows = [row for row in rows if row.control_id in args.control]
    print(report(rows, with_tests=not args.no_tests), end="")
    if args.markdown:
        args.markdown.write_text(markdown(rows), encoding="utf-8")
    gaps = [f"{row.control_id}: {', '.join(row.gaps())}" for row in rows if row.gaps()]
    if gaps:
        print("gaps:\n  " + "\n  ".join(gaps))
    return 1 if args.check and gaps else 0


if __name__ == "__main__":
    sys.exit(main())
