"""Run a Pulumi Python program in this process under mocks: the test suite's recording harness.

This is not the gate: the gate (``runner.run``, the command line) runs the program in a process of
its own against its engine (``engine.py``, ``langhost.py``), with preview semantics. This module
records a program's registrations fast and in-process, with mock outputs that look like Azure's
(``preview=False``: apply callbacks run), for the tests of the components and the pack.

Like the language host: the program's configuration is set, the program directory is the working
directory and ``sys.path[0]``, and ``runpy.run_path`` executes it as ``__main__`` under a root
``pulumi:pulumi:Stack``. The runtime is configured with ``pulumi.runtime.set_mocks`` (our recording
monitor, ``preview=False`` so ``apply`` callbacks run with the mock outputs).

The program body runs synchronously, outside the event loop, as in Pulumi's own mock-based unit
tests: measured ~20 % faster than running it inside ``run_in_stack``'s task, because every Output
the SDK creates is cheaper to schedule. Every 200 registrations the loop runs until the ones
started so far are complete (``_registrations_drained``), so they are not all pending at once;
the SDK's RPCs to the mock monitor run inline in the loop's thread, not on a thread pool.
Afterwards the stack's exports (and a ``pulumi.run`` entry point, if any) are registered as
``run_in_stack`` would, and ``run_pulumi_func`` drains the RPCs.

The SDK's own code paths are replaced by leaner equivalents that give the engine the same
messages (``sdk_fast_paths.py``, which the gate also installs in the program's process), plus two
that only hold for a monitor in this process: the mock monitor's plain states made into a Struct
without a coroutine, and the SDK's RPCs run inline in the loop's thread (``_InlineExecutor``).

Each run happens in an empty ``contextvars.Context`` (Pulumi keeps its settings, config and root
stack in context variables), so several runs in one process do not see each other; modules that
the program imported from its own directory are unloaded afterwards.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import contextvars
import importlib.metadata
import logging
import os
import runpy
import site
import sys
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any, Callable, Generator, Iterator, Optional, cast

import pulumi
import pulumi.resource as pulumi_resource
import pulumi.runtime.mocks as pulumi_mocks
import pulumi.runtime.rpc as pulumi_rpc
from google.protobuf import struct_pb2
from pulumi.runtime import set_all_config, set_mocks
from pulumi.runtime.settings import get_root_resource
from pulumi.runtime.stack import Stack, massage, run_pulumi_func

from .azure_mocks import AzureMocks
from .errors import DuplicateUrnError, ProgramConfigError, ProgramFailedError, ProgramIncompleteError
from .model import Progress, RecordedResource
from .pack_process import ORGANIZATION
from .project import ProjectConfig
from .recorder import RecordingMonitor
from .sdk_fast_paths import (
    REGISTRATIONS_PER_DRAIN,
    SCALARS,
    SDK_FAST_PATHS_VERIFIED,
    collector_relaxed,
    debug_messages_dropped,
    drain,
    engine_independent,
    replaced,
)


@dataclass
class ProgramRun:
    """The registered resources and what the program logged."""

    resources: list[RecordedResource]
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    invokes: dict[str, int] = field(default_factory=dict)


class _LogCollector(logging.Handler):
    """Receives ``pulumi.log`` messages through Pulumi's MockEngine."""

    def __init__(self) -> None:
        super().__init__(level=logging.WARNING)
        self.errors: list[str] = []
        self.warnings: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        target = self.errors if record.levelno >= logging.ERROR else self.warnings
        target.append(record.getMessage())


def run_program(
    project: ProjectConfig,
    progress: Optional[Progress] = None,
    on_record: Optional[Callable[[RecordedResource], None]] = None,
) -> ProgramRun:
    """Run the project's program under mocks and return what it registered.

    ``on_record`` gets each registered resource as soon as it is registered (see RecordingMonitor).
    Raises ProgramConfigError (the program raised pulumi.RunError), DuplicateUrnError, or
    ProgramFailedError (any other exception, with its traceback).
    """
    monitor = RecordingMonitor(AzureMocks(), provider_config=_provider_config(project.config), on_record=on_record)
    if progress is not None:
        progress.registered = monitor.program_resource_count
    collector = _LogCollector()
    logger = logging.getLogger("pulumi_aizone_gate.program")
    logger.propagate = False
    logger.setLevel(logging.WARNING)
    logger.addHandler(collector)
    try:
        with collector_relaxed():
            contextvars.Context().run(_run_in_context, project, monitor, logger)
    finally:
        logger.removeHandler(collector)
    return ProgramRun(
        resources=monitor.recorded(),
        errors=collector.errors,
        warnings=collector.warnings,
        invokes=dict(monitor.invokes),
    )


def _run_in_context(project: ProjectConfig, monitor: RecordingMonitor, logger: logging.Logger) -> None:
    """Configure the mock runtime and run the program (inside a fresh contextvars.Context)."""
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    set_all_config(dict(project.config), list(project.secret_keys))
    set_mocks(
        monitor.mocks,
        project=project.project,
        stack=project.stack,
        preview=False,
        logger=logger,
        monitor=monitor,
        organization=ORGANIZATION,
    )
    root = get_root_resource()
    assert isinstance(root, Stack), "set_mocks creates the root stack"
    # set_mocks finishes its stack at once; reopen it so the program may call pulumi.run.
    root._async_program_registration_closed = False  # noqa: SLF001 (see _finish_stack)
    main_path = str(project.main_path.resolve())
    try:
        with _program_environment(str(project.program_dir.resolve()), main_path), _sdk_fast_paths(loop, logger):
            try:
                runpy.run_path(main_path, run_name="__main__")
                _finish_stack(root, loop)
            finally:
                # Let registrations already started complete (run_in_stack does the same on errors).
                loop.run_until_complete(run_pulumi_func(lambda: None))
    except BaseException as exc:  # noqa: BLE001 classified below; KeyboardInterrupt re-raised
        if isinstance(exc, KeyboardInterrupt):
            raise
        raise _classify_failure(exc, monitor) from None
    finally:
        _close_loop(loop)
    if monitor.invalid_properties:
        raise monitor.invalid_properties[0]
    if monitor.duplicate_urns:
        raise DuplicateUrnError(monitor.duplicate_urns[0])


@contextlib.contextmanager
def _program_environment(program_dir: str, main_path: str) -> Iterator[None]:
    """Working directory, sys.path[0] and argv of the language host; restore everything after."""
    saved_path, saved_argv, saved_cwd = list(sys.path), list(sys.argv), os.getcwd()
    saved_modules = set(sys.modules)
    shadowed = _stash_shadowed_modules(program_dir)
    sys.path.insert(0, program_dir)
    sys.argv = [main_path]
    os.chdir(program_dir)
    try:
        yield
    finally:
        os.chdir(saved_cwd)
        sys.path[:] = saved_path
        sys.argv[:] = saved_argv
        _unload_program_modules(saved_modules, program_dir)
        sys.modules.update(shadowed)


@contextlib.contextmanager
def _sdk_fast_paths(loop: asyncio.AbstractEventLoop, logger: logging.Logger) -> Iterator[None]:
    """The SDK replacements (``sdk_fast_paths``, plus the two for the mock monitor), only under the
    SDK version they were checked against."""
    if not importlib.metadata.version("pulumi").startswith(SDK_FAST_PATHS_VERIFIED):
        yield
        return
    with (
        engine_independent(),
        _registrations_drained(loop),
        debug_messages_dropped(lambda: logger.isEnabledFor(logging.DEBUG)),
        _plain_mock_states_at_once(),
    ):
        yield


def _plain(value: Any) -> bool:
    """Only dicts with string keys, lists, strings, numbers, booleans and None, all the way down."""
    kind = type(value)
    if kind in SCALARS:
        return True
    if kind is dict:
        return all(type(key) is str and _plain(item) for key, item in value.items())
    if kind is list:
        return all(_plain(item) for item in value)
    return False


_SYNC_AWAIT = "_sync_await"


class _Serialized:
    """The Struct ``serialize_properties`` would give, made at once (awaitable like its coroutine)."""

    __slots__ = ("struct",)

    def __init__(self, struct: struct_pb2.Struct) -> None:
        self.struct = struct

    def __await__(self) -> Generator[None, None, struct_pb2.Struct]:
        return self.struct
        yield  # noqa: B901 (a generator: __await__ must return an iterator)


class _MockMonitorRpc:
    """What ``pulumi.runtime.mocks`` sees as ``rpc``: the SDK module, except that the mock
    monitor's ``serialize_properties(values, {})`` of plain values builds the Struct at once."""

    def __getattr__(self, name: str) -> Any:
        return getattr(pulumi_rpc, name)

    @staticmethod
    def serialize_properties(inputs: Any, property_deps: dict[str, list[Any]], *args: Any, **kwargs: Any) -> Any:
        if args or kwargs or type(inputs) is not dict or not _plain(inputs):
            return pulumi_rpc.serialize_properties(inputs, property_deps, *args, **kwargs)
        # The SDK's result for such values: each top-level None left out, everything else set
        # with Struct.__setitem__ as it is (serialize_property returns plain values unchanged).
        struct = struct_pb2.Struct()
        for key, value in inputs.items():
            if value is not None:
                struct[key] = value
                property_deps[key] = []
        return _Serialized(struct)


@contextlib.contextmanager
def _plain_mock_states_at_once() -> Iterator[None]:
    """The mock monitor's answers of plain values (every mock state here) without a coroutine.

    ``MockMonitor`` answers each registration with ``_sync_await(rpc.serialize_properties(state,
    {}))``: a coroutine, a task and a run of the executor thread's event loop, to serialise a
    dict of plain values. For such values the Struct is built directly (``_MockMonitorRpc``) and
    ``_sync_await`` returns it; anything else (resources, outputs, assets) takes the SDK's path.
    """
    original = getattr(pulumi_mocks, _SYNC_AWAIT)

    def sync_await(awaitable: Any) -> Any:
        return awaitable.struct if type(awaitable) is _Serialized else original(awaitable)

    with replaced(pulumi_mocks, "rpc", _MockMonitorRpc()), replaced(pulumi_mocks, _SYNC_AWAIT, sync_await):
        yield


@contextlib.contextmanager
def _registrations_drained(loop: asyncio.AbstractEventLoop) -> Iterator[None]:
    """Complete pending registrations while the program body runs, every REGISTRATIONS_PER_DRAIN;
    run the SDK's RPCs to the mock monitor in the loop's thread.

    The body runs outside the event loop, so without this every registration of the program
    waits, prepared and pending, until the body returns: 20,000 resources' requests, outputs and
    coroutines at once. Before each 200th registration the loop runs until nothing is ready
    (measured: 5,000 resources, peak memory 413 -> 164 MiB).

    This is what the SDK itself does whenever a program body calls an invoke synchronously
    (``_sync_await`` runs the loop until the invoke's result is in), so a program cannot tell the
    difference except in when its ``apply`` callbacks run, which Pulumi leaves unspecified. The
    recorded plan is the same: registrations are recorded in dependency order either way. The
    drain never waits for anything the program has yet to provide (an output that never resolves
    just stays pending), runs only when the loop is not already running (never inside ``apply``
    callbacks or a ``pulumi.run`` coroutine), and needs the default asyncio loop's ready queue.

    The SDK sends each RPC through ``loop.run_in_executor(None, ...)``, for a monitor in another
    process. Ours is in this process and runs Python, so a thread pool only added two thread
    switches per RPC under one GIL (measured: a fifth of a 5,000-resource program's CPU time).
    ``_InlineExecutor`` runs each RPC at once, when the SDK submits it; the SDK still awaits its
    result through the same future. A mock answer that needs the event loop (``_sync_await`` of a
    state holding resources) runs it re-entrantly, as a synchronous invoke inside ``apply`` does.
    """
    ready = getattr(loop, "_ready", None)
    if ready is None:
        yield
        return
    loop.set_default_executor(_InlineExecutor())
    original = vars(pulumi_resource)["register_resource"]
    count = 0

    def register_resource(*args: Any, **kwargs: Any) -> None:
        nonlocal count
        count += 1
        if count % REGISTRATIONS_PER_DRAIN == 0 and not loop.is_running():
            # Before, not after, this registration: the resource being built is not in the loop yet.
            loop.run_until_complete(drain(ready))
        original(*args, **kwargs)

    with replaced(pulumi_resource, "register_resource", register_resource):
        yield


class _InlineExecutor(concurrent.futures.ThreadPoolExecutor):
    """The loop's default executor: runs each job when it is submitted, in the submitting thread
    (a ThreadPoolExecutor only because ``set_default_executor`` requires one; it starts none)."""

    def submit(self, fn: Any, /, *args: Any, **kwargs: Any) -> "concurrent.futures.Future[Any]":
        job: concurrent.futures.Future[Any] = concurrent.futures.Future()
        try:
            result = fn(*args, **kwargs)
        except BaseException as exc:  # noqa: BLE001 as ThreadPoolExecutor: the awaiting coroutine gets it
            job.set_exception(exc)
        else:
            job.set_result(result)
        return job


def _close_loop(loop: asyncio.AbstractEventLoop) -> None:
    """Cancel what a failed program left pending (else asyncio warns at exit), then close the loop."""
    pending = asyncio.all_tasks(loop)
    for task in pending:
        task.cancel()
    if pending:
        loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
    loop.close()
    asyncio.set_event_loop(None)


def _finish_stack(root: Stack, loop: asyncio.AbstractEventLoop) -> None:
    """Run a ``pulumi.run`` entry point if the program set one, then register the stack outputs.

    This is the tail of ``pulumi.runtime.run_in_stack``; the Stack hooks it uses are private to
    the SDK (pinned in requirements.txt), which has no public way to finish a mock stack twice.
    """
    async_program = root._take_async_program()  # noqa: SLF001
    if async_program is not None:
        root._add_program_outputs(loop.run_until_complete(async_program()))  # noqa: SLF001
    # massage turns exported values into plain dicts/lists/Outputs, as Stack._finish does.
    root.register_outputs(cast("pulumi.Inputs", massage(root.outputs, [])))


def _classify_failure(exc: BaseException, monitor: RecordingMonitor) -> Exception:
    """Turn whatever the program raised into one of the preview's errors."""
    if monitor.invalid_properties:
        return monitor.invalid_properties[0]
    if monitor.duplicate_urns:
        return DuplicateUrnError(monitor.duplicate_urns[0])
    if isinstance(exc, SystemExit):
        # sys.exit() anywhere in the program: the language host would end the run there, and
        # whatever the program had not registered yet would be missing from the plan.
        return ProgramIncompleteError(
            f"the program called sys.exit({exc.code!r}) before it finished "
            f"({monitor.program_resource_count()} resource(s) registered); no verdict: "
            "a program must run to completion to be checked"
        )
    if isinstance(exc, RecursionError):
        return ProgramFailedError("RecursionError: the program (or a value it built) recursed too deeply", _program_traceback(exc))
    if isinstance(exc, pulumi.RunError):
        return ProgramConfigError(str(exc), monitor.program_resource_count())
    trace = _program_traceback(exc)
    note = monitor.mocks.failure_note(trace) if isinstance(monitor.mocks, AzureMocks) else ""
    return ProgramFailedError(f"{type(exc).__name__}: {exc}{note}", trace)


def _program_traceback(exc: BaseException) -> str:
    """The traceback from the program's first frame on (our runner and runpy frames dropped)."""
    tb = exc.__traceback__
    while tb is not None and (tb.tb_frame.f_code.co_filename == __file__ or tb.tb_frame.f_code.co_filename.startswith("<frozen")):
        tb = tb.tb_next
    return "".join(traceback.format_exception(type(exc), exc, tb or exc.__traceback__))


def _stash_shadowed_modules(program_dir: str) -> dict[str, ModuleType]:
    """Set aside already-imported modules that the program's own top-level modules would shadow.

    A fresh language host has none; in a shared process (tests) ``import settings`` must find the
    program's settings.py, not a cached module of the same name from elsewhere.
    """
    local_names = {
        path.stem if path.suffix == ".py" else path.name
        for path in Path(program_dir).iterdir()
        if path.suffix == ".py" or (path / "__init__.py").is_file()
    } - {"__main__"}
    stashed: dict[str, ModuleType] = {}
    for name in list(sys.modules):
        top = name.split(".", 1)[0]
        module = sys.modules[name]
        if top in local_names and not _is_under(getattr(module, "__file__", None), program_dir):
            stashed[name] = sys.modules.pop(name)
    return stashed


def _is_under(path: Optional[str], directory: str) -> bool:
    return bool(path) and os.path.abspath(str(path)).startswith(directory.rstrip(os.sep) + os.sep)


def _is_installed(path: Optional[str]) -> bool:
    """True for a module of the interpreter's environment (stdlib, site-packages). Pulumi's Python
    projects keep their virtualenv inside the program directory (`virtualenv: venv`), so "under the
    program directory" alone would also match the installed SDKs."""
    prefixes = {sys.prefix, sys.exec_prefix, sys.base_prefix, *site.getsitepackages(), site.getusersitepackages()}
    return any(_is_under(path, prefix) for prefix in prefixes if prefix)


def _unload_program_modules(before: set[str], program_dir: str) -> None:
    """Forget modules imported from the program directory, so the next run imports them afresh.
    Installed packages stay loaded even when the virtualenv is inside the program directory: an
    SDK submodule imported lazily during one run and then dropped from sys.modules leaves its
    classes reachable from the still-loaded package, and Pulumi resolves their string annotations
    (`'outputs.X'`, `'ExtendedLocationArgs'`) through `sys.modules[cls.__module__]` (pulumi._types,
    `_globals_for_cls`): the next run in the same process then fails with a NameError."""
    for name in set(sys.modules) - before:
        path = getattr(sys.modules[name], "__file__", None)
        if _is_under(path, program_dir) and not _is_installed(path):
            del sys.modules[name]


def _provider_config(config: dict[str, str]) -> dict[str, dict[str, str]]:
    """Config grouped by namespace: the inputs of each package's default provider."""
    grouped: dict[str, dict[str, str]] = {}
    for key, value in config.items():
        namespace, _, name = key.partition(":")
        grouped.setdefault(namespace, {})[name] = value
    return grouped
