"""Run a preview in a worker process, so that only a completed run can yield a verdict.

A program runs with the full power of Python: ``os._exit(0)`` ends the process at once (no
``finally``, no ``atexit``), a thread can do it while the pack is analysing, a loop or an output
that never resolves blocks forever. In the calling process, any of these would end or hang the
preview without a verdict, and ``os._exit(0)`` would even read as "no findings". So the command
line runs ``runner.run`` in a worker process and trusts only a positive signal of completion:

* the worker sends its outcome (a pickled ``PreviewResult``, or the ``PreviewError`` that ended
  the run) over a pipe that only it holds, only after ``run`` returned, that is after the
  program's process ended, the engine was stopped and the pack answered for every resource; the
  outcome is authenticated with a key the supervisor gave the worker on its stdin (HMAC-SHA256);
* the program runs in a process of its own (``langhost.py``), started by the worker with no
  descriptor of the worker's; the supervisor and the worker make themselves non-dumpable
  (``PR_SET_DUMPABLE`` 0), so a process of the same user cannot open their descriptors through
  ``/proc/<pid>/fd``, read their memory or attach a debugger to them; there is no result file
  anywhere that a program could write;
* the supervisor accepts a result only if it is authentic *and* the worker exited with code 0;
  anything else (no result, a forged one, another exit code, a signal) is a
  ``ProgramIncompleteError``;
* the whole run has a wall-clock limit: the worker stops itself at the deadline with a message
  saying where it was (phase, resources registered so far); the supervisor kills the worker's
  process group a little later if the worker cannot (a program holding the interpreter);
* SIGTERM, SIGINT (Ctrl-C) and SIGHUP to the supervisor kill the worker's process group (worker,
  policy pack and anything the program started) and end the run with exit code 2; if the
  supervisor itself is killed, ``lifetime.die_with_parent`` takes the worker and the pack down.

The result is read with an unpickler that only builds the preview's own data classes.
"""

from __future__ import annotations

import contextlib
import ctypes
import dataclasses
import hashlib
import hmac
import io
import json
import os
import pickle
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from pathlib import Path
from types import FrameType
from typing import Any, Iterator, Mapping, Optional

from .errors import (
    ConfigurationError,
    DuplicateUrnError,
    InvalidPropertyError,
    PolicyPackError,
    PreviewError,
    ProgramConfigError,
    ProgramFailedError,
    ProgramIncompleteError,
)
from .lifetime import child_environment, die_with_parent
from .model import PreviewResult, RecordedResource

DEFAULT_TIMEOUT_SECONDS = 600.0
"""Wall-clock limit of one preview (``--timeout``): generous for CI, finite."""
KILL_GRACE_SECONDS = 2.0
"""How long after the deadline the supervisor waits for the worker to stop itself."""
_PHASE = "phase"
_PACKAGE_ROOT = str(Path(__file__).resolve().parents[1])
_PR_SET_DUMPABLE = 4  # linux/prctl.h
_WORKER_BOOT = "import sys; sys.path.insert(0, sys.argv.pop(1)); from pulumi_aizone_gate.isolation import worker_main; worker_main()"
_STOP_SIGNALS = tuple(getattr(signal, name) for name in ("SIGTERM", "SIGINT", "SIGHUP") if hasattr(signal, name))


def set_dumpable(dumpable: bool) -> None:
    """``prctl(PR_SET_DUMPABLE)``: a non-dumpable process's ``/proc/<pid>/fd``, ``mem`` and
    ``environ`` are closed to other processes of the same user, and ptrace needs CAP_SYS_PTRACE
    (proc(5), ptrace(2) "ptrace access mode checking"). Linux only; elsewhere a no-op."""
    if not sys.platform.startswith("linux"):
        return
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_DUMPABLE, 1 if dumpable else 0, 0, 0, 0)


@contextlib.contextmanager
def _not_dumpable() -> Iterator[None]:
    """The supervisor is not dumpable while it holds the result pipe (see set_dumpable)."""
    set_dumpable(False)
    try:
        yield
    finally:
        set_dumpable(True)


class _Stopped(Exception):
    """Raised in the supervisor's main thread by a stop signal."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def run_isolated(
    program_dir: Path | str,
    stack: str,
    pack_dir: Path | str,
    policy_config: Optional[Path | str] = None,
    timeout: float = DEFAULT_TIMEOUT_SECONDS,
    properties: bool = True,
    stack_references: Optional[Mapping[str, Mapping[str, Any]]] = None,
) -> PreviewResult:
    """``runner.run`` in a worker process with a wall-clock limit; see the module docstring.

    ``properties=False`` leaves the resources' property values, options and dependencies out of
    the result (the worker has judged them; the CLI's reports name resources, never their
    values): 20,000 resources are ~100 MiB less to pickle and read back. ``stack_references``
    (stack name -> its outputs, JSON values) is passed to ``runner.run``.

    Raises the PreviewError that ended the run, or ProgramIncompleteError when the worker did not
    complete (early exit, crash, signal, timeout, interrupted).
    """
    request = {
        "program": str(Path(program_dir).absolute()),
        "stack": stack,
        "pack": str(Path(pack_dir).absolute()),
        "policyConfig": None if policy_config is None else str(Path(policy_config).absolute()),
        "timeout": timeout,
        "properties": properties,
        "stackReferences": {name: dict(outputs) for name, outputs in (stack_references or {}).items()},
        # The program gets the caller's environment, as a language host passes on the CLI's.
        "environment": dict(os.environ),
    }
    work_dir = Path(tempfile.mkdtemp(prefix="offline-preview-"))
    try:
        return _supervise(request, work_dir, timeout)
    finally:
        shutil.rmtree(work_dir, ignore_errors=True)


def _supervise(request: dict[str, Any], work_dir: Path, timeout: float) -> PreviewResult:
    key = secrets.token_bytes(32)
    read_end, write_end = os.pipe()
    command = [sys.executable, "-c", _WORKER_BOOT, _PACKAGE_ROOT, str(write_end), str(work_dir)]
    reader = _ResultReader(read_end)
    with _stop_signals_raise(), _not_dumpable():
        try:
            worker = subprocess.Popen(
                command,
                env=child_environment(_worker_environment()),
                stdin=subprocess.PIPE,
                pass_fds=(write_end,),
                start_new_session=True,
            )
        except OSError as exc:
            os.close(write_end)
            reader.close()
            raise PreviewError(f"could not start the preview worker: {exc}") from None
        os.close(write_end)
        reader.start()
        try:
            assert worker.stdin is not None
            with contextlib.suppress(BrokenPipeError):
                worker.stdin.write(key + json.dumps(request).encode("utf-8"))
                worker.stdin.close()
            try:
                code = worker.wait(timeout + KILL_GRACE_SECONDS)
            except subprocess.TimeoutExpired:
                _kill_group(worker)
                raise ProgramIncompleteError(
                    f"the preview did not finish within {timeout:g} s {_phase(work_dir)}; it was stopped "
                    "(program and policy pack); no verdict. A loop or an output that never resolves "
                    "looks like this; raise --timeout if the stack is just large"
                ) from None
        except _Stopped as stop:
            _kill_group(worker)
            raise ProgramIncompleteError(
                f"interrupted by {signal.Signals(stop.signum).name} {_phase(work_dir)}; "
                "the program and the policy pack were stopped; no verdict"
            ) from None
        finally:
            _kill_group(worker)  # whatever the program left running in the worker's group
            data = reader.finish()
    return _outcome(work_dir, code, _authentic(key, data))


def _worker_environment() -> dict[str, str]:
    """The worker's environment: gRPC's fork handlers off (the worker starts the program while its
    engine's threads serve; the child execs at once, so the handlers have nothing to protect)."""
    env = dict(os.environ)
    env["GRPC_ENABLE_FORK_SUPPORT"] = "false"
    return env


class _ResultReader(threading.Thread):
    """Reads the worker's result pipe to its end (a large result does not fit in a pipe's buffer)."""

    def __init__(self, fd: int) -> None:
        super().__init__(name="offline-preview-result", daemon=True)
        self._file = os.fdopen(fd, "rb", buffering=0)
        self._chunks: list[bytes] = []

    def run(self) -> None:
        with contextlib.suppress(OSError, ValueError):
            while chunk := self._file.read(1 << 20):
                self._chunks.append(chunk)

    def close(self) -> None:
        self._file.close()

    def finish(self) -> bytes:
        """Everything read; the write end is closed once the worker's group is gone."""
        if self.is_alive():
            self.join(10)
        self.close()
        return b"".join(self._chunks)


def _authentic(key: bytes, data: bytes) -> Optional[bytes]:
    """The payload if ``data`` is ``HMAC(key, payload) + payload``, else None."""
    mac, payload = data[:_MAC_BYTES], data[_MAC_BYTES:]
    if len(mac) != _MAC_BYTES or not hmac.compare_digest(mac, hmac.new(key, payload, hashlib.sha256).digest()):
        return None
    return payload


def _outcome(work_dir: Path, code: int, payload: Optional[bytes]) -> PreviewResult:
    """The worker's result, if it completed; otherwise why there is none."""
    if payload is None:
        if code < 0:
            how = f"was killed by {_signal_name(-code)}"
        elif code == 0:
            how = "ended with exit code 0 without completing (for example os._exit(0) in the program)"
        else:
            how = f"ended with exit code {code} without completing (for example os._exit({code}) in the program)"
        raise ProgramIncompleteError(
            f"the preview process {how} {_phase(work_dir)}; no verdict: the program must run to completion "
            "and every resource must be analysed"
        )
    try:
        kind, result = _SafeUnpickler(io.BytesIO(payload)).load()
    except Exception as exc:  # noqa: BLE001 a damaged result is an error, whatever broke it
        raise ProgramIncompleteError(f"the preview process left an unreadable result ({exc}); no verdict") from None
    if code != 0:
        raise ProgramIncompleteError(
            f"the preview process exited with code {code} after it completed; no verdict "
            "(something in the program ended the process abnormally)"
        )
    if kind == "ok" and isinstance(result, PreviewResult):
        return result
    if kind == "error" and isinstance(result, dict):
        raise _error_from(result)
    raise ProgramIncompleteError("the preview process left a result of an unknown kind; no verdict")


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"


def _phase(work_dir: Path) -> str:
    try:
        return (work_dir / _PHASE).read_text(encoding="utf-8").strip() or "while starting"
    except OSError:
        return "while starting"


def _kill_group(worker: subprocess.Popen[bytes]) -> None:
    """SIGKILL the worker's process group (worker, pack, program children) and reap the worker."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(worker.pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        worker.wait(10)


@contextlib.contextmanager
def _stop_signals_raise() -> Iterator[None]:
    """While supervising, SIGTERM/SIGINT/SIGHUP raise _Stopped (main thread only)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum: int, _frame: Optional[FrameType]) -> None:
        raise _Stopped(signum)

    previous = {number: signal.signal(number, handler) for number in _STOP_SIGNALS}
    try:
        yield
    finally:
        for number, old in previous.items():
            signal.signal(number, old)


# --- error transport ------------------------------------------------------------------------------

_ERRORS: dict[str, type[PreviewError]] = {
    cls.__name__: cls
    for cls in (
        PreviewError,
        ConfigurationError,
        PolicyPackError,
        ProgramIncompleteError,
    )
}


def _error_payload(exc: PreviewError) -> dict[str, Any]:
    payload: dict[str, Any] = {"kind": type(exc).__name__, "message": exc.message}
    if isinstance(exc, ProgramConfigError):
        payload["registered"] = exc.registered
    if isinstance(exc, ProgramFailedError):
        payload["traceback"] = exc.traceback_text
    if isinstance(exc, DuplicateUrnError):
        payload["urn"] = exc.urn
    if isinstance(exc, InvalidPropertyError):
        payload["urn"] = exc.urn
    return payload


def _error_from(payload: dict[str, Any]) -> PreviewError:
    kind, message = str(payload.get("kind")), str(payload.get("message"))
    if kind == "ProgramConfigError":
        return ProgramConfigError(message, int(payload.get("registered", 0)))
    if kind == "ProgramFailedError":
        return ProgramFailedError(message, str(payload.get("traceback", "")))
    if kind == "DuplicateUrnError":
        return DuplicateUrnError(str(payload.get("urn")))
    return _ERRORS.get(kind, PreviewError)(message)


class _SafeUnpickler(pickle.Unpickler):
    """Builds only the preview's data classes and plain builtins from the worker's result."""

    _ALLOWED_MODULES = frozenset({"pulumi_aizone_gate.model"})
    _ALLOWED_BUILTINS = frozenset({"dict", "list", "tuple", "set", "frozenset", "str", "int", "float", "bool"})

    def find_class(self, module: str, name: str) -> Any:
        if module in self._ALLOWED_MODULES or (module == "builtins" and name in self._ALLOWED_BUILTINS):
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"{module}.{name} is not part of a preview result")


# --- worker side ----------------------------------------------------------------------------------


def worker_main() -> None:
    """Entry point of the worker process: ``argv = [-c, result fd, work dir]``; stdin holds the
    result key and the request."""
    set_dumpable(False)  # first: nothing of this process may be read by the program's process
    die_with_parent()
    global _result_fd, _result_key
    _result_fd = int(sys.argv[1])
    work_dir = Path(sys.argv[2])
    data = sys.stdin.buffer.read()
    _result_key, request = data[:32], json.loads(data[32:])
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)
    started = time.monotonic()
    timeout = float(request["timeout"])
    # The worker stops itself at the deadline, before the supervisor would kill it, to say where
    # it was; calls to the pack end a little earlier still, so that a hanging pack is named.
    deadline = started + timeout
    pack_deadline = deadline - min(1.0, timeout / 4)

    from .model import Progress
    from .runner import run

    progress = Progress(on_change=lambda phase: _write_phase(work_dir, phase))
    _write_phase(work_dir, progress.phase)
    watchdog = threading.Timer(max(0.0, deadline - time.monotonic()), _stop_at_deadline, args=(work_dir, progress, timeout))
    watchdog.daemon = True
    watchdog.start()
    try:
        result = run(
            request["program"],
            request["stack"],
            request["pack"],
            request["policyConfig"],
            deadline=pack_deadline,
            progress=progress,
            stack_references=request.get("stackReferences"),
            environment=request["environment"],
        )
        if not request["properties"]:
            result.resources = [_without_properties(r) for r in result.resources]
        outcome: tuple[str, Any] = ("ok", result)
    except PreviewError as exc:
        outcome = ("error", _error_payload(exc))
    except BaseException as exc:  # noqa: BLE001 an internal error must still end in a verdict
        outcome = ("error", {"kind": "ProgramFailedError", "message": f"{type(exc).__name__}: {exc}", "traceback": traceback.format_exc()})
    watchdog.cancel()
    _write_result(work_dir, outcome)
    _exit_now(0)


def _without_properties(resource: RecordedResource) -> RecordedResource:
    """The resource as the reports see it: identity, place in the tree, options (not the alias
    URNs), provider and source."""
    return dataclasses.replace(
        resource,
        inputs={},
        outputs={},
        dependencies=[],
        property_dependencies={},
        options=dataclasses.replace(resource.options, aliases=()),
    )


def _stop_at_deadline(work_dir: Path, progress: Any, timeout: float) -> None:
    message = (
        f"the preview did not finish within {timeout:g} s {progress.describe()}; it was stopped "
        "(program and policy pack); no verdict. A loop or an output that never resolves looks like "
        "this; raise --timeout if the stack is just large"
    )
    _write_result(work_dir, ("error", {"kind": "ProgramIncompleteError", "message": message}))
    _exit_now(0)


_result_lock = threading.Lock()
_result_fd = -1
_result_key = b""
_MAC_BYTES = 32


def _write_result(work_dir: Path, outcome: tuple[str, Any]) -> None:
    """Send the outcome to the supervisor, once (the first writer wins: run end or watchdog)."""
    if not _result_lock.acquire(blocking=False):
        time.sleep(3600)  # the other writer is finishing and will end the process
    payload = pickle.dumps(outcome, protocol=pickle.HIGHEST_PROTOCOL)
    data = hmac.new(_result_key, payload, hashlib.sha256).digest() + payload
    with os.fdopen(_result_fd, "wb", closefd=True) as channel:
        channel.write(data)


def _write_phase(work_dir: Path, phase: str) -> None:
    with contextlib.suppress(OSError):
        (work_dir / _PHASE).write_text(f"while {phase}", encoding="utf-8")


def _exit_now(code: int) -> None:
    """Flush and end the worker at once (a program's non-daemon threads must not keep it alive)."""
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    os._exit(code)
