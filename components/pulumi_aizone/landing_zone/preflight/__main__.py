"""`python -m pulumi_aizone.landing_zone.preflight --stack <name>`: see the package docstring."""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path
from typing import Callable, Mapping, Sequence, TextIO

from ..settings import SECRET_MASK
from .checks import Context, ModelKey, published_retirements, run_checks
from .stack import read_stack
from .transport import AzureTransport, PreflightUsageError, Transport


def main(
    argv: Sequence[str] | None = None,
    transport_factory: Callable[[], Transport] = AzureTransport,
    today: date | None = None,
    out: TextIO = sys.stdout,
    err: TextIO = sys.stderr,
    stdin: TextIO = sys.stdin,
    retirements: Mapping[ModelKey, date] | None = None,
) -> int:
    """Exit 0 when clean, 1 with one line per problem on `out`, 2 on a usage or sign-in error.
    `retirements`: published retirement dates (default: the pack's data, `published_retirements`)."""
    parser = argparse.ArgumentParser(
        prog="python -m pulumi_aizone.landing_zone.preflight",
        description="Check the subscription and tenant before the first `pulumi up` of the landing zone (read-only).",
    )
    parser.add_argument("--stack", required=True, metavar="NAME", help="stack name (reads Pulumi.<NAME>.yaml)")
    parser.add_argument("--program", default=".", metavar="DIR", help="the program's directory (default: .)")
    parser.add_argument(
        "--config-json",
        metavar="FILE",
        help="read the stack's config from `pulumi config --json --show-secrets` output (a file, or - for stdin) instead of "
        "Pulumi.<NAME>.yaml: for stacks with secrets",
    )
    parser.add_argument(
        "--subscription", metavar="ID", help="target subscription (default: ARM_SUBSCRIPTION_ID, then azure-native:subscriptionId)"
    )
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse exits 2 on usage errors and 0 on --help
        return int(exc.code or 0)
    try:
        stack = read_stack(Path(args.program), args.stack, args.subscription, config_json=_read_config_json(args.config_json, stdin))
        dates = published_retirements() if retirements is None else retirements
        context = Context(stack.settings, stack.subscription_id, transport_factory(), today or date.today(), dates)
        problems = run_checks(context)
    except PreflightUsageError as exc:
        print(f"preflight: {exc}", file=err)
        return 2
    for problem in problems:
        print(_masked(problem.line(), stack.settings.secret_values), file=out)
    if not problems:
        print(f"preflight: stack {args.stack} on subscription {stack.subscription_id}: no problems found", file=out)
    return 1 if problems else 0


def _masked(line: str, secrets: Sequence[str]) -> str:
    """A problem line with every secret config value (longest first) replaced by `[secret]`."""
    for secret in secrets:
        line = line.replace(secret, SECRET_MASK)
    return line


def _read_config_json(name: str | None, stdin: TextIO) -> str | None:
    if name is None:
        return None
    if name == "-":
        return stdin.read()
    try:
        return Path(name).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise PreflightUsageError(f"--config-json {name}: cannot read it: {exc}") from None


if __name__ == "__main__":
    sys.exit(main())
