"""Preview a corpus of Pulumi Python programs with the offline gate and check each finding was reviewed.

    venv/bin/python -m tools.corpus CORPUS_DIR                        # table of results
    venv/bin/python -m tools.corpus CORPUS_DIR --json results.json    # also the measured results as JSON
    venv/bin/python -m tools.corpus CORPUS_DIR --review docs/corpus/review.json
    venv/bin/python -m tools.corpus CORPUS_DIR --draft-review new.json  # review skeleton, old verdicts kept

CORPUS_DIR holds one folder per program: a Pulumi Python project (``Pulumi.yaml``) copied out of a
public repository, with beside it

- ``origin.json``: ``repository`` (owner/name), ``path`` (folder in that repository), ``commit``
  (40 hex digits), ``license`` (SPDX id), optionally ``ported`` (a list of sentences, each one change
  made to the copy because the installed SDK versions forced it) and ``environment`` (changes that
  only point the copy at an interpreter, e.g. ``runtime.options.virtualenv``);
- ``stack.json`` (optional): ``{"stack": NAME, "config": {KEY: VALUE, ...}}``, the configuration the
  program requires, as data. The tool writes it to ``Pulumi.<NAME>.yaml`` in the copy before the
  preview. Without ``stack.json`` the program must ship exactly one ``Pulumi.<stack>.yaml``.

For each program the installed gate runs (``aizone-gate --program P --stack S --policy-pack PACK
--policy-config CONFIG --json FILE``, exit 0: no mandatory finding, 1: mandatory findings, 2: the
preview failed) and the tool reports the exit code, the resources registered, the mandatory findings,
and the resource types the program's source constructs that were not registered. The source is
scanned with ``ast``: every call of a class reached through an imported ``pulumi_<provider>``
module (``import pulumi_azure_native as an``, ``from pulumi_azure_native import storage``, ``from
pulumi_azure.core import ResourceGroup``) whose name is a class name (capitalised) and not an
input or options type (``...Args``, ``...ArgsDict``, ``...Opts``, ``...Options``). A declared type that was not registered is listed with
its call sites and whether each one is conditional (inside ``if``/``try``/a conditional expression,
a boolean operator, a loop or a function the program may never call), so a reviewer can explain it.

The review file (``--review``) is JSON: ``{"programs": [{"name", "origin", "result", "findings",
"unregistered"}]}``; each finding names ``policy``, ``type`` and ``name`` of the resource (``(stack)``
and ``""`` for a stack-level finding) and a ``verdict``: ``true-positive`` with a one-line
``reason`` (what the program really deploys that the guidance calls insecure), or
``false-positive`` with ``fix``: the commit of the pack that fixed it (the finding must then be
gone), ``open: <what>`` (not fixed yet) or ``by design: <why>`` (the pack keeps it on purpose; both
remain), ``count`` when it fires more than once on that resource, and ``match`` (a piece of the
message) when one policy says several things about one resource that get different verdicts. Each unregistered declared type needs a
``reason``. The check exits 1 for an unreviewed finding, an unexplained unregistered type, a
program missing from either side, a fixed false positive that still fires, a reviewed
true positive that no longer fires, or a recorded result (exit, resources, mandatory) that differs
from the measured one.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import re
import subprocess
import sys
import tempfile
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final, Optional

import yaml

ROOT: Final = Path(__file__).resolve().parents[1]
DEFAULT_PACK: Final = ROOT / "policy_pack"
DEFAULT_POLICY_CONFIG: Final = ROOT / "policy_pack" / "configs" / "organisation.json"
DEFAULT_TIMEOUT: Final = 600.0

ORIGIN_KEYS: Final = ("repository", "path", "commit", "license")
VERDICTS: Final = ("true-positive", "false-positive")
OPEN_FIXES: Final = ("open:", "by design:")
"""A false positive that still fires: not fixed yet (``open: <what>``), or kept on purpose (``by design: <why>``)."""
STACK_TYPE: Final = "pulumi:pulumi:Stack"
STACK_FINDING_TYPE: Final = "(stack)"
_COMMIT: Final = re.compile(r"^[0-9a-f]{40}$")
_STACK_NAME: Final = re.compile(r"^[A-Za-z0-9_.-]+$")
_SKIP_DIRS: Final = frozenset({"venv", ".venv", "node_modules", "__pycache__", ".git"})


class CorpusError(ValueError):
    """A program folder or the review file is not usable (names the file and what is wrong)."""


# --- the programs -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Program:
    """One program of the corpus: its folder, where it came from, and the stack to preview."""

    name: str
    directory: Path
    origin: dict[str, Any]
    stack: str


def discover(corpus: Path) -> list[Program]:
    """Every subfolder of ``corpus`` with a ``Pulumi.yaml``, sorted by name; each must have a valid origin."""
    if not corpus.is_dir():
        raise CorpusError(f"corpus directory not found: {corpus}")
    programs = []
    for directory in sorted(p for p in corpus.iterdir() if p.is_dir() and (p / "Pulumi.yaml").is_file()):
        origin = read_origin(directory)
        programs.append(Program(directory.name, directory, origin, prepare_stack(directory)))
    if not programs:
        raise CorpusError(f"{corpus}: no program folders (a subfolder with Pulumi.yaml and origin.json)")
    return programs


def read_origin(directory: Path) -> dict[str, Any]:
    """``origin.json``, checked: repository, path, commit (40 hex digits), license; ported a list of text."""
    path = directory / "origin.json"
    if not path.is_file():
        raise CorpusError(f"{directory.name}: no origin.json (needs {', '.join(ORIGIN_KEYS)})")
    origin = _read_json(path)
    if not isinstance(origin, dict):
        raise CorpusError(f"{path}: must be a JSON object with {', '.join(ORIGIN_KEYS)}")
    for key in ORIGIN_KEYS:
        if not isinstance(origin.get(key), str) or not origin[key].strip():
            raise CorpusError(f"{path}: '{key}' must be a non-empty string ({', '.join(ORIGIN_KEYS)} are required)")
    if not _COMMIT.match(origin["commit"]):
        raise CorpusError(f"{path}: 'commit' must be a full commit id (40 lowercase hex digits), not {origin['commit']!r}")
    for key in ("ported", "environment"):
        value = origin.get(key, [])
        if not isinstance(value, list) or not all(isinstance(item, str) and item.strip() for item in value):
            raise CorpusError(f"{path}: '{key}' must be a list of sentences, one per change made to the copy")
    return origin


def prepare_stack(directory: Path) -> str:
    """The stack to preview; writes ``Pulumi.<stack>.yaml`` from ``stack.json`` when there is one."""
    stack_json = directory / "stack.json"
    if stack_json.is_file():
        doc = _read_json(stack_json)
        if not isinstance(doc, dict) or set(doc) - {"stack", "config"}:
            raise CorpusError(f"{stack_json}: must be a JSON object with 'stack' (a name) and 'config' (an object)")
        stack, config = doc.get("stack"), doc.get("config", {})
        if not isinstance(stack, str) or not _STACK_NAME.match(stack):
            raise CorpusError(f"{stack_json}: 'stack' must be a stack name (letters, digits, '_', '.', '-'), not {stack!r}")
        if not isinstance(config, dict):
            raise CorpusError(f"{stack_json}: 'config' must be an object of config keys to values")
        text = yaml.safe_dump({"config": config}, sort_keys=True, default_flow_style=False)
        (directory / f"Pulumi.{stack}.yaml").write_text(text, encoding="utf-8")
        return stack
    shipped = sorted(p.name[len("Pulumi.") : -len(".yaml")] for p in directory.glob("Pulumi.*.yaml"))
    if len(shipped) != 1:
        found = ", ".join(shipped) or "none"
        raise CorpusError(
            f"{directory.name}: no stack.json and {len(shipped)} stack files (Pulumi.<stack>.yaml: {found}); write a stack.json"
        )
    return shipped[0]


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise CorpusError(f"{path}: cannot read: {exc}") from None
    except json.JSONDecodeError as exc:
        raise CorpusError(f"{path}: not JSON: {exc}") from None


# --- what the source declares ------------------------------------------------------------------------


@dataclass(frozen=True)
class CallSite:
    """One call of a provider class in the program's source."""

    file: str
    line: int
    conditional: Optional[str]
    """Why the call may not run (``if``, ``try``, ``loop``, ``function f``, ...), or None."""


@dataclass
class DeclaredType:
    """A provider class the source constructs, as package / module / class."""

    package: str
    """The Pulumi package: ``azure-native``, ``azure``, ``random``, ...: ``pulumi_azure_native`` -> ``azure-native``."""
    module: str
    """The Python module under the package (``storage``, ``core``, ``helm.v3``), ``""`` at the top."""
    cls: str
    sites: list[CallSite] = field(default_factory=list)

    @property
    def label(self) -> str:
        return f"{self.package}:{self.module or 'index'}:{self.cls}"

    def key(self) -> tuple[str, str, str]:
        return (self.package, _module_key(self.module), self.cls)


def package_name(python_package: str) -> str:
    """``pulumi_azure_native`` -> ``azure-native`` (Pulumi's Python package naming, reversed)."""
    return python_package[len("pulumi_") :].replace("_", "-")


def _module_key(module: str) -> str:
    """The first segment of a module, lowercased: ``storage/v20230101`` and ``storage.v20230101`` ->
    ``storage``, ``helm.sh/v3`` and ``helm.v3`` -> ``helm``, ``core/resourceGroup`` -> ``core``;
    the top level is ``index`` as in type tokens (``random:index/randomPassword:RandomPassword``)."""
    first = re.split(r"[./]", module, maxsplit=1)[0].lower()
    return first or "index"


def type_key(type_token: str) -> Optional[tuple[str, str, str]]:
    """A registered type token as (package, module key, class); None for types of no provider package.

    ``azure-native:storage:StorageAccount`` -> (azure-native, storage, StorageAccount);
    ``azure:core/resourceGroup:ResourceGroup`` -> (azure, core, ResourceGroup);
    ``pulumi:providers:azure-native`` -> (azure-native, index, Provider).
    """
    parts = type_token.split(":")
    if len(parts) != 3:
        return None
    package, module, cls = parts
    if package == "pulumi":
        return (cls, "index", "Provider") if module == "providers" else None
    return (package, _module_key(module), cls)


def _snake(name: str) -> str:
    """``RandomString`` -> ``random_string`` (the SDK's file name of a class)."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def _is_resource_class_name(name: str) -> bool:
    return name[:1].isupper() and not name.endswith(("Args", "ArgsDict", "Opts", "Options"))


def declared_types(directory: Path) -> list[DeclaredType]:
    """The provider classes the program's Python files construct (see the module doc)."""
    found: dict[tuple[str, str, str], DeclaredType] = {}
    for path in sorted(_python_files(directory)):
        try:
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        except (SyntaxError, UnicodeDecodeError) as exc:
            raise CorpusError(f"{path}: cannot parse: {exc}") from None
        relative = str(path.relative_to(directory))
        for (python_module, cls), line, conditional in _provider_calls(tree):
            top, _, module = python_module.partition(".")
            # A class reached through its own file (pulumi_random.random_string.RandomString) lives
            # in the module above that file, as its type token says (random:index/randomString:...).
            segments = module.split(".") if module else []
            if segments and segments[-1] == _snake(cls):
                module = ".".join(segments[:-1])
            declared = DeclaredType(package_name(top), module, cls)
            entry = found.setdefault(declared.key(), declared)
            entry.sites.append(CallSite(relative, line, conditional))
    return sorted(found.values(), key=lambda d: d.label)


def _python_files(directory: Path) -> Iterator[Path]:
    for root, dirs, files in os.walk(directory):
        dirs[:] = [d for d in dirs if d not in _SKIP_DIRS and not (Path(root) / d / "pyvenv.cfg").exists()]
        for name in files:
            if name.endswith(".py"):
                yield Path(root) / name


def _provider_calls(tree: ast.Module) -> Iterator[tuple[tuple[str, str], int, Optional[str]]]:
    """((python module, class), line, conditional) for each call of a provider class."""
    aliases: dict[str, str] = {}
    """Local name -> dotted path under a ``pulumi_*`` package: a module or a class."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if _is_provider_path(alias.name):
                    if alias.asname:
                        aliases[alias.asname] = alias.name
                    else:
                        top = alias.name.split(".")[0]
                        aliases[top] = top
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0 and _is_provider_path(node.module):
            for alias in node.names:
                if alias.name != "*":
                    aliases[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    for call, conditional in _calls(tree, None):
        dotted = _dotted(call.func)
        if dotted is None:
            continue
        head, _, rest = dotted.partition(".")
        if head not in aliases:
            continue
        path = aliases[head] + (f".{rest}" if rest else "")
        module, _, cls = path.rpartition(".")
        if module and _is_resource_class_name(cls):
            yield (module, cls), call.lineno, conditional


def _is_provider_path(name: str) -> bool:
    top = name.split(".")[0]
    return top.startswith("pulumi_") and top not in {"pulumi_policy"}


def _dotted(node: ast.expr) -> Optional[str]:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = _dotted(node.value)
        return f"{base}.{node.attr}" if base is not None else None
    return None


def _calls(node: ast.AST, conditional: Optional[str]) -> Iterator[tuple[ast.Call, Optional[str]]]:
    """Every call under ``node`` with the innermost reason it may not run."""
    for child in ast.iter_child_nodes(node):
        reason = conditional
        if isinstance(child, ast.If | ast.IfExp):
            reason = f"if (line {child.lineno})"
        elif isinstance(child, ast.Try):
            reason = f"try (line {child.lineno})"
        elif isinstance(child, ast.For | ast.AsyncFor | ast.While):
            reason = f"loop (line {child.lineno})"
        elif isinstance(child, ast.BoolOp):
            reason = f"boolean operator (line {child.lineno})"
        elif isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            name = getattr(child, "name", "lambda")
            reason = f"function {name} (line {child.lineno})"
        elif isinstance(child, ast.ListComp | ast.SetComp | ast.DictComp | ast.GeneratorExp):
            reason = f"comprehension (line {child.lineno})"
        if isinstance(child, ast.Call):
            yield child, conditional
        yield from _calls(child, reason)


# --- running the gate --------------------------------------------------------------------------------


@dataclass
class Finding:
    policy: str
    type: str
    name: str
    message: str

    def key(self) -> tuple[str, str, str]:
        return (self.policy, self.type, self.name)


@dataclass
class Result:
    """What the gate and the source scan said about one program."""

    program: Program
    exit_code: int
    resources: list[tuple[str, str]] = field(default_factory=list)
    """(type, name) of each resource registered, in registration order."""
    mandatory: list[Finding] = field(default_factory=list)
    advisory: int = 0
    unregistered: list[DeclaredType] = field(default_factory=list)
    error: str = ""
    """The gate's stderr when it exited 2."""

    def summary(self) -> dict[str, Any]:
        return {"exit": self.exit_code, "resources": len(self.resources), "mandatory": len(self.mandatory)}


def gate_command(program: Program, pack: Path, policy_config: Optional[Path], json_file: Path, timeout: float) -> list[str]:
    """The gate's command line (the installed ``aizone-gate``, run by this interpreter)."""
    command = [sys.executable, "-m", "pulumi_aizone_gate", "--program", str(program.directory), "--stack", program.stack]
    command += ["--policy-pack", str(pack)]
    if policy_config is not None:
        command += ["--policy-config", str(policy_config)]
    return command + ["--json", str(json_file), "--timeout", f"{timeout:g}"]


def run_program(program: Program, pack: Path, policy_config: Optional[Path], timeout: float = DEFAULT_TIMEOUT) -> Result:
    """Preview one program with the gate and compare what registered with what the source declares."""
    with tempfile.TemporaryDirectory(prefix="aizone-corpus-") as tmp:
        json_file = Path(tmp) / "report.json"
        completed = subprocess.run(  # noqa: S603 (our own interpreter and arguments)
            gate_command(program, pack, policy_config, json_file, timeout),
            capture_output=True,
            text=True,
            timeout=timeout + 60,
            check=False,
        )
        report = json.loads(json_file.read_text(encoding="utf-8")) if json_file.is_file() else None
    result = Result(program, completed.returncode)
    if report is None or completed.returncode not in (0, 1):
        result.error = (completed.stderr or completed.stdout).strip()
    if report is not None:
        by_urn = {r["urn"]: (r["type"], r["name"]) for r in report["resources"]}
        result.resources = [(r["type"], r["name"]) for r in report["resources"]]
        for finding in report["findings"]:
            if finding["level"] == "mandatory":
                rtype, rname = by_urn.get(finding["urn"], (STACK_FINDING_TYPE, ""))
                if rtype == STACK_TYPE:
                    rtype, rname = STACK_FINDING_TYPE, ""
                result.mandatory.append(Finding(finding["policy"], rtype, rname, finding["message"]))
            elif finding["level"] == "advisory":
                result.advisory += 1
    registered = {key for key in (type_key(t) for t, _ in result.resources) if key is not None}
    result.unregistered = [d for d in declared_types(program.directory) if d.key() not in registered]
    return result


# --- the review --------------------------------------------------------------------------------------


def load_review(path: Path) -> dict[str, Any]:
    """The review file, its shape checked (see the module doc); raises CorpusError naming the entry."""
    doc = _read_json(path)
    if not isinstance(doc, dict) or not isinstance(doc.get("programs"), list):
        raise CorpusError(f"{path}: must be a JSON object with 'programs' (a list)")
    names: set[str] = set()
    for index, entry in enumerate(doc["programs"]):
        where = f"{path}: programs[{index}]"
        if not isinstance(entry, dict) or not isinstance(entry.get("name"), str) or not entry["name"]:
            raise CorpusError(f"{where}: needs 'name'")
        where = f"{path}: program {entry['name']}"
        if entry["name"] in names:
            raise CorpusError(f"{where}: listed twice")
        names.add(entry["name"])
        origin = entry.get("origin")
        if not isinstance(origin, dict) or any(not isinstance(origin.get(k), str) or not origin[k] for k in ORIGIN_KEYS):
            raise CorpusError(f"{where}: 'origin' needs {', '.join(ORIGIN_KEYS)}")
        if not _COMMIT.match(origin["commit"]):
            raise CorpusError(f"{where}: origin 'commit' must be 40 lowercase hex digits")
        result = entry.get("result")
        if not isinstance(result, dict) or any(not isinstance(result.get(k), int) for k in ("exit", "resources", "mandatory")):
            raise CorpusError(f"{where}: 'result' needs integers exit, resources, mandatory")
        if result["exit"] not in (0, 1):
            raise CorpusError(f"{where}: result exit {result['exit']}: only a completed preview (exit 0 or 1) can be reviewed")
        findings = entry.get("findings")
        if not isinstance(findings, list):
            raise CorpusError(f"{where}: 'findings' must be a list")
        for finding in findings:
            _check_finding(where, finding)
        still_firing = sum(f.get("count", 1) for f in findings if _still_fires(f))
        keys = [(f["policy"], f["type"], f["name"], f.get("match", "")) for f in findings]
        if len(set(keys)) != len(keys):
            raise CorpusError(f"{where}: a finding is listed twice (same policy, type, name and match)")
        if still_firing != result["mandatory"]:
            raise CorpusError(
                f"{where}: result mandatory is {result['mandatory']} but {still_firing} findings are reviewed as still firing "
                "(true positives and open false positives)"
            )
        unregistered = entry.get("unregistered", [])
        if not isinstance(unregistered, list) or any(
            not isinstance(u, dict) or not isinstance(u.get("type"), str) or not str(u.get("reason", "")).strip() for u in unregistered
        ):
            raise CorpusError(f"{where}: each 'unregistered' entry needs 'type' and a 'reason'")
    return doc


def _still_fires(finding: Mapping[str, Any]) -> bool:
    """A true positive, or a false positive the pack has not fixed (open, or by design)."""
    return finding["verdict"] == "true-positive" or str(finding.get("fix", "")).startswith(OPEN_FIXES)


def _check_finding(where: str, finding: Any) -> None:
    if not isinstance(finding, dict) or any(not isinstance(finding.get(k), str) for k in ("policy", "type", "name")):
        raise CorpusError(f"{where}: each finding needs 'policy', 'type' and 'name'")
    label = f"{where}: finding {finding['policy']} on {finding['type']} {finding['name']!r}"
    verdict = finding.get("verdict")
    if verdict not in VERDICTS:
        raise CorpusError(f"{label}: verdict must be one of {', '.join(VERDICTS)}, not {verdict!r}")
    if verdict == "true-positive" and not str(finding.get("reason", "")).strip():
        raise CorpusError(f"{label}: a true positive needs a one-line 'reason' (what is insecure)")
    if verdict == "false-positive":
        fix = str(finding.get("fix", "")).strip()
        open_fix = fix.startswith(OPEN_FIXES) and len(fix.split(":", 1)[1].strip()) > 0
        if not open_fix and not re.match(r"^[0-9a-f]{7,40}$", fix):
            raise CorpusError(
                f"{label}: a false positive needs 'fix': the commit that fixed the pack, 'open: <what>' or 'by design: <why>'"
            )
    if "match" in finding and (not isinstance(finding["match"], str) or not finding["match"].strip()):
        raise CorpusError(f"{label}: 'match' must be a non-empty piece of the finding's message")
    count = finding.get("count", 1)
    if not isinstance(count, int) or isinstance(count, bool) or count < 1:
        raise CorpusError(f"{label}: 'count' (how many times it fires on that resource) must be a positive integer")


def assign(findings: Sequence[Finding], entries: Sequence[Mapping[str, Any]]) -> tuple[dict[int, int], list[Finding]]:
    """Which review entry covers each finding: same policy, type and name, and the entry's ``match``
    (a piece of the message, for a policy that says several things about one resource) found in the
    message, else the entry of that resource without ``match``. Returns the number of findings per
    entry index and the findings no entry covers."""
    counts: Counter[int] = Counter()
    unmatched = []
    for finding in findings:
        same = [i for i, e in enumerate(entries) if (e["policy"], e["type"], e["name"]) == finding.key()]
        chosen = [i for i in same if entries[i].get("match") and entries[i]["match"] in finding.message]
        chosen = chosen or [i for i in same if not entries[i].get("match")]
        if chosen:
            counts[chosen[0]] += 1
        else:
            unmatched.append(finding)
    return dict(counts), unmatched


def check_review(results: Sequence[Result], review: Mapping[str, Any]) -> list[str]:
    """Every problem between the measured results and the review (empty when they agree)."""
    problems: list[str] = []
    reviewed = {entry["name"]: entry for entry in review["programs"]}
    measured = {r.program.name: r for r in results}
    problems += [f"{name}: in the review but not in the corpus" for name in sorted(set(reviewed) - set(measured))]
    for result in results:
        name = result.program.name
        entry = reviewed.get(name)
        if entry is None:
            problems.append(f"{name}: not in the review")
            continue
        if result.exit_code not in (0, 1):
            problems.append(f"{name}: the gate exited {result.exit_code}: {_first_line(result.error)}")
            continue
        if entry["result"] != result.summary():
            problems.append(f"{name}: the review records {entry['result']}, measured {result.summary()}")
        entries = entry["findings"]
        counts, unmatched = assign(result.mandatory, entries)
        for finding in unmatched:
            problems.append(f"{name}: unreviewed mandatory finding {finding.policy} on {finding.type} {finding.name!r}: {finding.message}")
        for index, verdict in enumerate(entries):
            what = f"{verdict['policy']} on {verdict['type']} {verdict['name']!r}" + (
                f" ({verdict['match']!r})" if verdict.get("match") else ""
            )
            count = counts.get(index, 0)
            if count and not _still_fires(verdict):
                problems.append(f"{name}: {what} was fixed in {verdict['fix']} but still fires")
            elif _still_fires(verdict) and not count:
                problems.append(f"{name}: reviewed finding {what} no longer fires; update the review")
            elif count and verdict.get("count", 1) != count:
                problems.append(f"{name}: {what} fires {count} time(s), the review says {verdict.get('count', 1)}")
        explained = {u["type"] for u in entry.get("unregistered", []) if str(u.get("reason", "")).strip()}
        for declared in result.unregistered:
            if declared.label not in explained:
                sites = ", ".join(f"{s.file}:{s.line}" for s in declared.sites)
                problems.append(f"{name}: {declared.label} is constructed in the source ({sites}) but was not registered; explain it")
        for label in sorted(explained - {d.label for d in result.unregistered}):
            problems.append(f"{name}: the review explains {label} as unregistered, but it was registered (or is no longer declared)")
    return problems


def _count(count: int) -> dict[str, int]:
    return {"count": count} if count > 1 else {}


def draft_review(results: Sequence[Result], previous: Optional[Mapping[str, Any]]) -> dict[str, Any]:
    """A review document for ``results``, keeping the verdicts and reasons of ``previous``."""
    old = {entry["name"]: entry for entry in (previous or {}).get("programs", [])}
    programs = []
    for result in results:
        entry = old.get(result.program.name, {})
        entries = list(entry.get("findings", []))
        counts, unmatched = assign(result.mandatory, entries)
        findings = []
        for index, kept in enumerate(entries):
            fixed = kept.get("verdict") == "false-positive" and not str(kept.get("fix", "")).startswith(OPEN_FIXES)
            if index in counts:
                findings.append({**{k: v for k, v in kept.items() if k != "count"}, **_count(counts[index])})
            elif fixed:  # fixed false positives stay on record: the verdict and the commit that fixed the pack
                findings.append(kept)
        for key, count in Counter(f.key() for f in unmatched).items():
            findings.append({"policy": key[0], "type": key[1], "name": key[2], "verdict": "unreviewed", **_count(count)})
        reasons = {u["type"]: u["reason"] for u in entry.get("unregistered", [])}
        unregistered = [
            {
                "type": d.label,
                "sites": [f"{s.file}:{s.line}" + (f" ({s.conditional})" if s.conditional else "") for s in d.sites],
                "reason": reasons.get(d.label, ""),
            }
            for d in result.unregistered
        ]
        origin = {k: result.program.origin[k] for k in ORIGIN_KEYS}
        programs.append(
            {
                "name": result.program.name,
                "origin": origin,
                "ported": result.program.origin.get("ported", []),
                "stack": result.program.stack,
                "result": result.summary(),
                "advisory": result.advisory,
                "findings": findings,
                "unregistered": unregistered,
            }
        )
    return {"schemaVersion": 1, "programs": programs}


# --- command line ------------------------------------------------------------------------------------


def render_table(results: Sequence[Result]) -> str:
    """One line per program: exit, resources, mandatory findings, declared types not registered."""
    lines = [f"{'program':<40} {'exit':>4} {'resources':>9} {'mandatory':>9}  unregistered declared types"]
    for result in results:
        unregistered = ", ".join(d.label for d in result.unregistered) or "-"
        line = f"{result.program.name:<40} {result.exit_code:>4} {len(result.resources):>9} {len(result.mandatory):>9}  {unregistered}"
        lines.append(line)
        if result.error:
            lines.append(f"    error: {_first_line(result.error)}")
        for finding in result.mandatory:
            lines.append(f"    {finding.policy}  {finding.type}  {finding.name}")
    return "\n".join(lines)


def _first_line(text: str) -> str:
    lines = [line for line in text.splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith(("error:", "program failed:"))]
    return (errors or lines or ["(no output)"])[0].strip()


def results_json(results: Sequence[Result]) -> dict[str, Any]:
    """The measured results, program by program."""
    return {
        "programs": [
            {
                "name": r.program.name,
                "stack": r.program.stack,
                **r.summary(),
                "advisory": r.advisory,
                "registered": [{"type": t, "name": n} for t, n in r.resources],
                "findings": [{"policy": f.policy, "type": f.type, "name": f.name, "message": f.message} for f in r.mandatory],
                "unregistered": [
                    {"type": d.label, "sites": [{"file": s.file, "line": s.line, "conditional": s.conditional} for s in d.sites]}
                    for d in r.unregistered
                ],
                **({"error": r.error} if r.error else {}),
            }
            for r in results
        ]
    }


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.corpus", description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("corpus", type=Path, help="folder of program folders, each with Pulumi.yaml and origin.json")
    parser.add_argument("--policy-pack", type=Path, default=DEFAULT_PACK, metavar="DIR")
    parser.add_argument("--policy-config", type=Path, default=DEFAULT_POLICY_CONFIG, metavar="FILE")
    parser.add_argument("--program", action="append", default=[], metavar="NAME", help="only this program (repeatable)")
    parser.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT, metavar="SECONDS", help="per program")
    parser.add_argument("--json", type=Path, metavar="FILE", help="write the measured results to FILE")
    parser.add_argument("--review", type=Path, metavar="FILE", help="check every mandatory finding against this review file")
    parser.add_argument("--draft-review", type=Path, metavar="FILE", help="write a review skeleton (verdicts of --review kept)")
    args = parser.parse_args(argv)
    try:
        programs = discover(args.corpus)
        # A draft keeps whatever verdicts the old file has, even unfinished ones; a check needs a valid file.
        previous = _read_json(args.review) if args.review and args.draft_review else None
        review = load_review(args.review) if args.review and not args.draft_review else None
    except CorpusError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    unknown = sorted(set(args.program) - {p.name for p in programs})
    if unknown:
        print(f"error: --program {', '.join(unknown)}: not in {args.corpus}", file=sys.stderr)
        return 2
    if args.program:
        programs = [p for p in programs if p.name in args.program]
    results = []
    for program in programs:
        try:
            results.append(run_program(program, args.policy_pack, args.policy_config, args.timeout))
        except CorpusError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
    print(render_table(results))
    if args.json:
        args.json.write_text(json.dumps(results_json(results), indent=2) + "\n", encoding="utf-8")
    if args.draft_review:
        args.draft_review.write_text(json.dumps(draft_review(results, previous), indent=2) + "\n", encoding="utf-8")
    if review is not None:
        if args.program:
            review = {**review, "programs": [e for e in review["programs"] if e["name"] in args.program]}
        problems = check_review(results, review)
        for problem in problems:
            print(f"review: {problem}", file=sys.stderr)
        print(f"review: {len(results)} programs, {len(problems)} problem(s)")
        return 1 if problems else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
