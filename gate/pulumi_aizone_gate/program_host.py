"""Runs a Pulumi Python program in its own process, as the Pulumi CLI's Python language host does.

The gate starts this file by path with the program's own interpreter (langhost.py), so it imports
nothing of the gate: only the Pulumi SDK the program's environment provides. It takes the command
line the language host builds (pulumi/pulumi sdk/python/cmd/pulumi-language-python/main.go,
``constructArguments``): ``--monitor --engine --project --root_directory --stack --pwd --dry_run
--parallel --organization [--tracing] PROGRAM [ARGS...]``, reads the stack configuration from
``PULUMI_CONFIG`` / ``PULUMI_CONFIG_SECRET_KEYS``, configures the SDK's runtime settings and runs the
program inside the SDK's stack resource (``pulumi.runtime.run_in_stack``), which registers the
stack, waits for every outstanding RPC and tells the engine the program is done.

Exit codes, as the language host reads them: 0 when the program ran to completion; 32 when the
program failed and the error was already logged to the engine (a user-facing message, no further
"program exited" noise); 1 for anything else.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import runpy
import sys
import traceback
from concurrent.futures import ThreadPoolExecutor

LOGGED_USER_ERROR = 32
"""The language host's "an error message was displayed to the user" exit code."""


def _arguments(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Run a Pulumi Python program against a resource monitor")
    for flag in ("--project", "--root_directory", "--stack", "--pwd", "--monitor", "--engine", "--tracing", "--organization"):
        parser.add_argument(flag)
    parser.add_argument("--parallel", type=int, default=None)
    parser.add_argument("--dry_run", default="false")
    parser.add_argument("PROGRAM")
    parser.add_argument("ARGS", nargs="*")
    return parser.parse_args(argv)


def _user_traceback(program: str) -> str:
    """The current exception's traceback from the first frame in the program's directory on
    (the host's and runpy's frames are noise to the program's author)."""
    path = os.path.abspath(program)
    root = path if os.path.isdir(path) else os.path.dirname(path)
    frames = traceback.extract_tb(sys.exc_info()[2])
    for index, frame in enumerate(frames):
        if os.path.abspath(frame.filename).startswith(root + os.sep):
            return traceback.format_exc(limit=-(len(frames) - index))
    return traceback.format_exc()


def main(argv: list[str]) -> int:
    args = _arguments(argv)
    try:
        import pulumi
        import pulumi.runtime
    except ImportError:
        print(traceback.format_exc(), file=sys.stderr)
        print("The Pulumi SDK is not installed in the program's environment: install its requirements.", file=sys.stderr)
        return 1

    pulumi.runtime.set_all_config(pulumi.runtime.get_config_env(), pulumi.runtime.get_config_secret_keys_env())
    settings = pulumi.runtime.Settings(
        project=args.project,
        stack=args.stack,
        monitor=args.monitor,
        engine=args.engine,
        parallel=args.parallel,
        dry_run=args.dry_run == "true",
        organization=args.organization,
        root_directory=args.root_directory,
    )
    pulumi.runtime.configure(settings)
    sys.argv = [args.PROGRAM, *args.ARGS]
    if args.pwd:
        os.chdir(args.pwd)

    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    # The SDK sends its RPCs through the loop's default executor; the host sizes it from --parallel.
    executor = ThreadPoolExecutor(max_workers=max(args.parallel or 1, 1) * 4)
    loop.set_default_executor(executor)
    logging.getLogger("asyncio").setLevel(logging.CRITICAL)

    def program() -> None:
        runpy.run_path(args.PROGRAM, run_name="__main__")

    try:
        loop.run_until_complete(pulumi.runtime.run_in_stack(program))
        return 0
    except pulumi.RunError as error:
        pulumi.log.error(str(error))
        return 1
    except Exception:  # noqa: BLE001 - any failure of the program is reported to the engine, then the exit code says so
        pulumi.log.error("Program failed with an unhandled exception:\n" + _user_traceback(args.PROGRAM))
        return LOGGED_USER_ERROR
    finally:
        executor.shutdown(wait=True)
        loop.close()
        sys.stdout.flush()
        sys.stderr.flush()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
