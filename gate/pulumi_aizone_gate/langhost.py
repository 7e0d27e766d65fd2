"""Start the program as Pulumi's Python language host starts it, in a process of its own.

pulumi/pulumi ``sdk/python/cmd/pulumi-language-python/main.go`` (``Run``, ``constructArguments``,
commit 1b5949891b3c, 2026-08-21) runs ``<python> <pulumi-language-python-exec> --monitor <addr>
--engine <addr> --project <p> --root_directory <dir> --stack <s> --pwd <dir> --dry_run true
--parallel <n> --organization <org> <entry point>``, where ``<python>`` is the project's
virtualenv's interpreter (``runtime.options.virtualenv`` in Pulumi.yaml, relative to the project;
``toolchain/pip.go``, ``Command``) with the virtualenv activated in the environment
(``ActivateVirtualEnv``: ``VIRTUAL_ENV`` set, its ``bin`` first on ``PATH``, ``PYTHONHOME``
removed), and the environment is the host's own plus ``PULUMI_CONFIG`` (the stack config as a JSON
object) and ``PULUMI_CONFIG_SECRET_KEYS`` (a JSON array). The CLI ships its exec script with the
CLI, not the SDK; ``program_host.py`` next to this file is the gate's own implementation of that
command line and protocol (configure the SDK's settings, run the program in ``run_in_stack``, exit
0 / 32 / 1). Without a virtualenv option the gate's own interpreter runs the program.

The program's process gets no handle of the gate: stdin is ``/dev/null``, no other descriptor is
inherited (``close_fds``), and it dies with the gate's engine process (``PR_SET_PDEATHSIG``, armed
by a small launcher that then execs the command, so the program's process has the host's command line).
"""

from __future__ import annotations

import collections
import contextlib
import json
import os
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any, Optional

import yaml

from . import sdk_fast_paths
from .errors import ConfigurationError
from .pack_process import ORGANIZATION
from .project import ProjectConfig

SDK_FAST_PATHS_VERIFIED = sdk_fast_paths.SDK_FAST_PATHS_VERIFIED
"""The SDK release line the fast paths installed in the program's process were verified against
(``_LAUNCHER``); under any other, the program runs on the SDK's own code paths."""
FAST_PATHS_FILE = Path(sdk_fast_paths.__file__).resolve()
EXEC_SCRIPT = Path(__file__).resolve().with_name("program_host.py")
"""The gate's runner of the program, taking the language host's command line (module docstring)."""


def program_python(project: ProjectConfig) -> tuple[Path, Optional[str]]:
    """The interpreter that runs the program, and a note when it is not the one Pulumi.yaml names.

    The project's virtualenv when ``runtime.options.virtualenv`` names one that exists; the gate's
    own interpreter when there is none. A named virtualenv that does not exist (a CI job that
    installed the program's requirements next to the gate instead) is not fatal: the program
    runs with the gate's interpreter and the report says so (the CLI would ask for
    ``pulumi install``).
    """
    virtualenv = runtime_options(project.program_dir).get("virtualenv")
    if virtualenv is None:
        return Path(sys.executable), None
    if not isinstance(virtualenv, str) or not virtualenv:
        raise ConfigurationError(f"{project.program_dir / 'Pulumi.yaml'}: runtime.options.virtualenv must be a directory name")
    # absolute, not resolved: the venv's python is a symlink, and only its own path selects the venv
    root = Path(virtualenv) if Path(virtualenv).is_absolute() else project.program_dir.absolute() / virtualenv
    python = root / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    if not python.exists():
        return Path(sys.executable), (
            f"runtime.options.virtualenv is {virtualenv!r} but {python} does not exist; "
            f"the program ran with the gate's interpreter {sys.executable}"
        )
    return python, None


def runtime_options(program_dir: Path) -> dict[str, Any]:
    """``runtime.options`` of Pulumi.yaml (already validated by ``load_project``)."""
    try:
        document = yaml.safe_load((program_dir / "Pulumi.yaml").read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError):
        return {}
    runtime = document.get("runtime") if isinstance(document, dict) else None
    options = runtime.get("options") if isinstance(runtime, dict) else None
    return dict(options) if isinstance(options, dict) else {}


def program_command(project: ProjectConfig, python: Path, monitor: str, engine: str, parallel: int) -> list[str]:
    """The language host's command line for a preview (``constructArguments``)."""
    program_dir = project.program_dir.resolve()
    entry = os.path.relpath(project.main_path.resolve(), program_dir)
    return [
        str(python),
        str(EXEC_SCRIPT),
        "--monitor",
        monitor,
        "--engine",
        engine,
        "--project",
        project.project,
        "--root_directory",
        str(program_dir),
        "--stack",
        project.stack,
        "--pwd",
        str(program_dir),
        "--dry_run",
        "true",
        "--parallel",
        str(parallel),
        "--organization",
        ORGANIZATION,
        entry,
    ]


def program_environment(project: ProjectConfig, python: Path, base: Optional[dict[str, str]] = None) -> dict[str, str]:
    """The host's environment, the virtualenv activated, plus the stack's configuration."""
    env = dict(os.environ if base is None else base)
    if python != Path(sys.executable):
        venv = python.parent.parent
        env["VIRTUAL_ENV"] = str(venv)
        env["PATH"] = str(python.parent) + os.pathsep + env.get("PATH", "")
        env.pop("PYTHONHOME", None)
    env["PULUMI_CONFIG"] = json.dumps(project.config)
    env["PULUMI_CONFIG_SECRET_KEYS"] = json.dumps(list(project.secret_keys))
    return env


class ProgramProcess:
    """The program's running process and what it printed (stdout and stderr, the last
    ``OUTPUT_TAIL_BYTES``), which the run reports with its outcome."""

    def __init__(self, process: subprocess.Popen[bytes]) -> None:
        self.process = process
        self._chunks: collections.deque[bytes] = collections.deque()
        self._size = 0
        self._reader = threading.Thread(target=self._read, name="gate-program-output", daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        with contextlib.suppress(OSError, ValueError):
            while chunk := os.read(self.process.stdout.fileno(), 1 << 16):
                self._chunks.append(chunk)
                self._size += len(chunk)
                while self._size - len(self._chunks[0]) >= OUTPUT_TAIL_BYTES:
                    self._size -= len(self._chunks.popleft())

    def output(self) -> str:
        """What the program printed (its last OUTPUT_TAIL_BYTES), once its output is closed."""
        self._reader.join(5)
        return b"".join(self._chunks).decode("utf-8", errors="replace")


OUTPUT_TAIL_BYTES = 256 * 1024


def start_program(
    project: ProjectConfig, monitor: str, engine: str, parallel: int, environment: Optional[dict[str, str]] = None
) -> ProgramProcess:
    """Start the program's process (see the module docstring)."""
    python, _ = program_python(project)
    command = program_command(project, python, monitor, engine, parallel)
    env = program_environment(project, python, environment)
    # The stack config travels on stdin: Linux refuses an environment string over 128 KiB.
    document = json.dumps({"config": env.pop("PULUMI_CONFIG"), "secretKeys": env.pop("PULUMI_CONFIG_SECRET_KEYS")}).encode("utf-8")
    try:
        process = subprocess.Popen(
            [str(python), "-c", _LAUNCHER, str(os.getpid()), SDK_FAST_PATHS_VERIFIED, str(FAST_PATHS_FILE), *command],
            cwd=project.program_dir.resolve(),
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            close_fds=True,
        )
    except OSError as exc:
        raise ConfigurationError(f"could not start the program with {python}: {exc.strerror or exc}") from None
    assert process.stdin is not None
    with contextlib.suppress(BrokenPipeError):
        process.stdin.write(document)
        process.stdin.close()
    return ProgramProcess(process)


# The program's process arms PR_SET_PDEATHSIG (prctl option 1) itself, reads the stack config from
# stdin (the CLI's host passes it in PULUMI_CONFIG, but Linux refuses any environment string over
# 128 KiB, MAX_ARG_STRLEN), points stdin at /dev/null, and runs the exec script with the host's
# argv in the same process. A ``preexec_fn`` would run Python between fork and exec in a process
# whose other threads (the engine's gRPC server) were not copied, which crashes gRPC.
#
# Under the SDK release they were verified against, the SDK fast paths (``sdk_fast_paths.py``,
# loaded by path under a private name, not importable from the program) are installed first: the
# engine receives the same messages, the program spends a fifth of the SDK's CPU per registration
# and holds a bounded number of registrations pending (benchmarks/preview_scaling.py; the README
# has the figures). A program can notice the replaced functions; the README says what that means.
_LAUNCHER = (
    "import ctypes, json, os, runpy, signal, sys\n"
    "if sys.platform.startswith('linux'):\n"
    "    ctypes.CDLL(None).prctl(1, int(signal.SIGKILL), 0, 0, 0)\n"
    "    if os.getppid() != int(sys.argv[1]):\n"
    "        os._exit(70)\n"
    "doc = json.loads(sys.stdin.buffer.read())\n"
    "null = os.open(os.devnull, os.O_RDONLY)\n"
    "os.dup2(null, 0)\n"
    "os.close(null)\n"
    "os.environ['PULUMI_CONFIG'] = doc['config']\n"
    "os.environ['PULUMI_CONFIG_SECRET_KEYS'] = doc['secretKeys']\n"
    "import importlib.metadata\n"
    "try:\n"
    "    verified = importlib.metadata.version('pulumi').startswith(sys.argv[2])\n"
    "except importlib.metadata.PackageNotFoundError:\n"
    "    verified = False  # the exec script says that the SDK is missing\n"
    "if verified:\n"
    "    import importlib.util\n"
    "    spec = importlib.util.spec_from_file_location('_pulumi_sdk_fast_paths', sys.argv[3])\n"
    "    fast = importlib.util.module_from_spec(spec)\n"
    "    spec.loader.exec_module(fast)\n"
    "    fast.install_for_remote_engine()\n"
    "    del spec, fast\n"
    "sys.argv = sys.argv[5:]\n"
    "del doc, null, verified\n"
    "runpy.run_path(sys.argv[0], run_name='__main__')\n"
)


def component_packages(program_dir: Path) -> dict[str, Any]:
    """Local Python component providers the project names: ``packages: {name: <path>}`` (or
    ``{name: {source: <path>}}``) in Pulumi.yaml, as ``pulumi package add <path>`` records them,
    where ``<path>`` is a directory with a ``PulumiPlugin.yaml`` of runtime python. Others (a
    registry package, another language) are not run by the gate: their remote components stay
    "not analysed" findings."""
    from .engine import ComponentPackage

    try:
        document = yaml.safe_load((program_dir / "Pulumi.yaml").read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError):
        return {}
    declared = document.get("packages") if isinstance(document, dict) else None
    packages: dict[str, Any] = {}
    for name, value in (declared or {}).items() if isinstance(declared, dict) else ():
        source = value.get("source") if isinstance(value, dict) else value
        if not isinstance(source, str):
            continue
        directory = Path(source) if Path(source).is_absolute() else program_dir.absolute() / source
        try:
            plugin = yaml.safe_load((directory / "PulumiPlugin.yaml").read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError):
            continue
        runtime = plugin.get("runtime") if isinstance(plugin, dict) else None
        runtime_name = runtime.get("name") if isinstance(runtime, dict) else runtime
        if runtime_name != "python":
            continue
        options = runtime.get("options") if isinstance(runtime, dict) else None
        virtualenv = options.get("virtualenv") if isinstance(options, dict) else None
        python = Path(sys.executable)
        if isinstance(virtualenv, str) and virtualenv:
            candidate = (Path(virtualenv) if Path(virtualenv).is_absolute() else directory / virtualenv) / "bin" / "python"
            python = candidate if candidate.exists() else python
        packages[str(name)] = ComponentPackage(name=str(name), directory=directory, python=python)
    return packages
