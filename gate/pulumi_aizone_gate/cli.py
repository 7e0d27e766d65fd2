"""Command line: ``python -m pulumi_aizone_gate --program DIR --stack NAME --policy-pack DIR``.

Exit codes: 0 no mandatory findings; 1 mandatory findings; 2 usage, configuration or program
errors (one ``error: ...`` line on stderr; ``program failed: ...`` plus the traceback for an
unexpected exception in the program, which is a bug rather than a user mistake). A program that
logs with ``pulumi.log.error`` also exits 2 after the report: the engine counts logged errors as a
failed preview, and a check that passes despite them would hide a broken program.

The preview runs in a worker process (``isolation.run_isolated``): 0 and 1 are given only for a
run that completed, that is the program returned, every output resolved and the pack analysed
every resource. An early exit (``os._exit``, ``sys.exit``), a crash, a signal, Ctrl-C or the
``--timeout`` (whole run, default 600 s) all exit 2.

``--stack-reference NAME=FILE`` (repeatable) gives the outputs of the stack NAME (spelled as the
program passes it to ``pulumi.StackReference``) as a JSON object, e.g. what
``pulumi stack output --json --show-secrets`` prints. The outputs of a referenced stack that is
not given are unknown, as in a preview before that stack has values: nothing computed from them
runs, and inputs built from them reach the pack as unknown.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any, Optional, Sequence

from .errors import PreviewError, ProgramConfigError, ProgramFailedError
from .isolation import DEFAULT_TIMEOUT_SECONDS, run_isolated
from .junit import write_junit
from .report import render_text, write_json, write_sarif

EXIT_OK = 0
EXIT_MANDATORY = 1
EXIT_ERROR = 2


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (argparse exits with code 2 on usage errors)."""
    parser = argparse.ArgumentParser(
        prog="aizone-gate",
        description="Run a Pulumi Python program as pulumi preview does, against the gate's own engine, and check it with a policy pack, offline.",
    )
    parser.add_argument("--program", required=True, type=Path, metavar="DIR", help="Pulumi project directory")
    parser.add_argument("--stack", required=True, metavar="NAME", help="stack name (reads Pulumi.<NAME>.yaml)")
    parser.add_argument("--policy-pack", required=True, type=Path, metavar="DIR", help="policy pack directory")
    parser.add_argument("--policy-config", type=Path, metavar="FILE", help="policy config JSON, as for --policy-pack-config")
    parser.add_argument("--json", type=Path, metavar="FILE", help="also write the result as JSON to FILE")
    parser.add_argument("--sarif", type=Path, metavar="FILE", help="also write the findings as SARIF 2.1.0 to FILE")
    parser.add_argument(
        "--sarif-evidence",
        action="store_true",
        help="also list in the SARIF file what passed (kind pass) and what the pack said is not applicable (kind notApplicable)",
    )
    parser.add_argument(
        "--junit", type=Path, metavar="FILE", help="also write JUnit XML to FILE (a test suite per policy, a test case per resource judged)"
    )
    parser.add_argument(
        "--stack-reference",
        action="append",
        type=_stack_reference,
        default=[],
        metavar="NAME=FILE",
        help="outputs of the stack NAME that pulumi.StackReference reads, as a JSON object in FILE (repeatable); "
        "a referenced stack not given has unknown outputs",
    )
    parser.add_argument(
        "--timeout",
        type=_positive_seconds,
        default=DEFAULT_TIMEOUT_SECONDS,
        metavar="SECONDS",
        help=f"wall-clock limit of the whole preview (default {DEFAULT_TIMEOUT_SECONDS:g}); exceeding it exits 2",
    )
    return parser


def _positive_seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"{text!r}: must be a positive, finite number of seconds")
    return value


def _stack_reference(text: str) -> tuple[str, dict[str, Any]]:
    """``NAME=FILE`` -> (NAME, the JSON object of outputs in FILE)."""
    name, sep, file = text.partition("=")
    name = name.strip()
    if not sep or not name or not file:
        raise argparse.ArgumentTypeError(f"{text!r}: expected NAME=FILE, e.g. myorg/network/prod=network-outputs.json")
    try:
        outputs = json.loads(Path(file).read_text(encoding="utf-8"), parse_constant=_no_constant)
    except OSError as exc:
        raise argparse.ArgumentTypeError(f"{name}: cannot read {file}: {exc.strerror or exc}") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise argparse.ArgumentTypeError(f"{name}: {file} is not JSON: {exc}") from None
    except RecursionError:
        raise argparse.ArgumentTypeError(f"{name}: {file} is nested too deeply to be a stack's outputs") from None
    if not isinstance(outputs, dict):
        raise argparse.ArgumentTypeError(
            f"{name}: {file} must hold a JSON object of the stack's outputs (output name -> value), not {type(outputs).__name__}"
        )
    return name, outputs


def _no_constant(constant: str) -> Any:
    """NaN and Infinity are not JSON (Python's parser accepts them; no stack output holds one)."""
    raise ValueError(f"{constant} is not a JSON value")


def _stack_references(given: list[tuple[str, dict[str, Any]]]) -> dict[str, dict[str, Any]]:
    references: dict[str, dict[str, Any]] = {}
    for name, outputs in given:
        if name in references:
            raise argparse.ArgumentTypeError(f"--stack-reference {name} is given twice; give each stack once")
        references[name] = outputs
    return references


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Run the preview and return the process exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.sarif_evidence and args.sarif is None:
        parser.error("--sarif-evidence adds to the SARIF report: give --sarif FILE too")
    try:
        stack_references = _stack_references(args.stack_reference)
    except argparse.ArgumentTypeError as exc:
        parser.error(str(exc))
    try:
        # The reports name resources and never show their property values, so those stay in the worker.
        result = run_isolated(
            args.program,
            args.stack,
            args.policy_pack,
            args.policy_config,
            args.timeout,
            properties=False,
            stack_references=stack_references,
        )
    except ProgramConfigError as exc:
        _error(f"error: {exc.message}")
        if exc.registered:
            _error(
                f"note: {exc.registered} resource(s) were registered before this error; validate configuration before creating resources"
            )
        return EXIT_ERROR
    except ProgramFailedError as exc:
        _error(f"program failed: {exc.message}\n{exc.traceback_text.rstrip()}")
        return EXIT_ERROR
    except PreviewError as exc:
        _error(f"error: {exc.message}")
        return EXIT_ERROR
    try:
        print(render_text(result), flush=True)
    except BrokenPipeError:
        # The reader (e.g. `| head`) went away; keep going so the exit code and JSON stay right.
        sys.stdout = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115 (lives until exit)
    if args.json is not None:
        try:
            write_json(result, args.json)
        except OSError as exc:
            _error(f"error: cannot write {args.json}: {exc.strerror or exc}")
            return EXIT_ERROR
    if args.sarif is not None:
        try:
            write_sarif(result, args.sarif, args.program, evidence=args.sarif_evidence)
        except OSError as exc:
            _error(f"error: cannot write {args.sarif}: {exc.strerror or exc}")
            return EXIT_ERROR
    if args.junit is not None:
        try:
            write_junit(result, args.junit)
        except OSError as exc:
            _error(f"error: cannot write {args.junit}: {exc.strerror or exc}")
            return EXIT_ERROR
    if result.program_errors:
        _error(f"error: the program logged {len(result.program_errors)} error(s) with pulumi.log.error")
        return EXIT_ERROR
    return EXIT_MANDATORY if result.mandatory_count else EXIT_OK


def _error(text: str) -> None:
    print(text, file=sys.stderr)
