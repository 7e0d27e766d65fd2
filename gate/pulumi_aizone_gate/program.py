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

One SDK inefficiency is skipped: ``Resource.__init__`` eagerly turns every alias into a URN
``Output`` (``collapse_alias_to_urn``), which the SDK only consumes when the engine lacks alias-spec
support. Ours has it (like every current engine), so those URNs are never used; azure-native gives
each resource ~25 version aliases, and computing them took more than half of the registration time
(1.5-2.5 s for 100 resources). Aliases still reach the monitor, as specs, unchanged.

A second one is replaced: ``rpc.transfer_properties`` gives every output property of a resource
(~50 for a storage account) four futures plus a coroutine, a task and a copied context that only
combine them into the Output's single ``_OutputData`` future. ``_lean_transfer_properties`` gives
each output an Output whose future is made only when something awaits it; the resolvers store each
value once per resource and settle that future with the same value, dependencies (the resource plus
the engine's), known/secret flags and exception as the SDK's. Most outputs are never awaited (a
storage account's ~50, of which a program reads two or three), and those objects were most of the
memory of a pending registration. These outputs are not added to the SDK's set of outstanding
outputs (``SETTINGS.outputs``, which ``wait_for_rpcs`` awaits at the end): the registration RPC
that resolves them is itself awaited there, resolves (or fails) all of them before it completes,
and re-raises their exception, so the set would only have cost two locked updates per output.

And ``prepare_aliases`` shares its messages: azure-native gives a storage account ~30 type aliases,
the SDK builds a protobuf message for each (each message has its own arena: ~1.4 KiB), and every
pending registration held its own 30 (2,000 accounts: ~75 MiB). Equal aliases (same URN, or the
same spec once resolved, or the same plain fields) now share one message per run; the request
still gets them in order.

Smaller ones give the SDK's own results by shorter paths: stack traces read from the frames (not
``traceback.extract_stack``, which reads every source line); plain scalars serialised,
deserialised and translated at once; the mock monitor's plain states made into a Struct without a
coroutine; each registration's unused "mock URN" built as one known Output; and debug messages
the mock engine would drop not built.

Each run happens in an empty ``contextvars.Context`` (Pulumi keeps its settings, config and root
stack in context variables), so several runs in one process do not see each other; modules that
the program imported from its own directory are unloaded afterwards.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import contextvars
import gc
import importlib.metadata
import inspect
import logging
import os
import runpy
import site
import sys
import traceback
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from types import FrameType, ModuleType
from typing import Any, Callable, Generator, Iterator, Optional, cast

import pulumi
import pulumi._types as pulumi_types
import pulumi.log as pulumi_log
import pulumi.resource as pulumi_resource
import pulumi.runtime.mocks as pulumi_mocks
import pulumi.runtime.resource as pulumi_runtime_resource
import pulumi.runtime.rpc as pulumi_rpc
from google.protobuf import struct_pb2
from pulumi.output import Output, _OutputData
from pulumi.runtime import set_all_config, set_mocks
from pulumi.runtime.proto import alias_pb2, source_pb2
from pulumi.runtime.settings import get_root_resource
from pulumi.runtime.stack import Stack, massage, run_pulumi_func

from .azure_mocks import AzureMocks
from .errors import DuplicateUrnError, ProgramConfigError, ProgramFailedError, ProgramIncompleteError
from .model import Progress, RecordedResource
from .pack_process import ORGANIZATION
from .project import ProjectConfig
from .recorder import RecordingMonitor


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
        with _collector_relaxed():
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


GC_THRESHOLDS = (200_000, 10, 10)
"""Cyclic GC thresholds while a program runs (Python's default: 700, 10, 10)."""


@contextlib.contextmanager
def _collector_relaxed() -> Iterator[None]:
    """Collect cyclic garbage less often while the program runs; restore the thresholds after.

    Every registration allocates thousands of container objects (outputs, futures, tasks,
    protobuf conversions), so the default first-generation threshold of 700 ran a collection
    every few registrations and the collector took 40 % of the CPU time of a 2,000-resource
    program. The SDK does create cyclic garbage (each resource and its outputs refer to each
    other; turning the collector off grew a 20,000-resource program from 395 to 685 MiB), so the
    collector stays on. At a first-generation threshold of 200,000 (about 800 registrations) most
    of a registration's objects are garbage, and are freed, by the first collection that sees
    them, and older generations are scanned a tenth as often as at 10,000: 20,000 resources,
    collector time 5.1 -> 3.4 s, peak 395 -> 415 MiB.
    """
    saved = gc.get_threshold()
    gc.set_threshold(*GC_THRESHOLDS)
    try:
        yield
    finally:
        gc.set_threshold(*saved)


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


SDK_FAST_PATHS_VERIFIED = "3.272."
"""The Pulumi SDK release line whose internals the fast paths below replace, as verified (the
program's requirements pin it). Under any other SDK version the program runs on the SDK's own
code paths: slower, never different."""


@contextlib.contextmanager
def _sdk_fast_paths(loop: asyncio.AbstractEventLoop, logger: logging.Logger) -> Iterator[None]:
    """The SDK replacements of the module docstring, only under the SDK version they were checked
    against."""
    if not importlib.metadata.version("pulumi").startswith(SDK_FAST_PATHS_VERIFIED):
        yield
        return
    with (
        _unused_alias_urns_skipped(),
        _lean_outputs(),
        _shared_alias_messages(),
        _registrations_drained(loop),
        _lean_stack_traces(),
        _scalars_at_once(),
        _plain_urns_at_once(),
        _debug_messages_dropped(logger),
        _plain_mock_states_at_once(),
    ):
        yield


@contextlib.contextmanager
def _replaced(module: ModuleType, name: str, replacement: Any) -> Iterator[None]:
    """``module.<name>`` is ``replacement`` inside the block, and what it was again after it."""
    original = getattr(module, name)
    setattr(module, name, replacement)
    try:
        yield
    finally:
        setattr(module, name, original)


@contextlib.contextmanager
def _debug_messages_dropped(logger: logging.Logger) -> Iterator[None]:
    """``pulumi.log.debug`` is a no-op while the mock engine's logger drops debug messages.

    The SDK logs a few debug lines per registration; each becomes a ``LogRequest`` message for the
    mock engine, which passes it to ``logger.debug``, which drops it (the logger is at WARNING).
    A message about a resource first waits for its URN in a task of its own, only to be dropped.
    """
    original = pulumi_log.debug

    def debug(msg: str, resource: Any = None, stream_id: Optional[int] = None, ephemeral: Optional[bool] = None) -> None:
        if logger.isEnabledFor(logging.DEBUG):
            original(msg, resource, stream_id, ephemeral)

    with _replaced(pulumi_log, "debug", debug):
        yield


_GET_STACK_TRACE = "_get_stack_trace"
_SERIALIZE_PROPERTY = "serialize_property"
_DESERIALIZE_PROPERTY = "deserialize_property"
_TRANSLATE_OUTPUT_PROPERTIES = "translate_output_properties"
_PROTOBUF_ARG = 7
"""Position of ``return_protobuf_value`` among serialize_property's arguments after ``value``."""


@contextlib.contextmanager
def _lean_stack_traces() -> Iterator[None]:
    """``_get_stack_trace`` without ``traceback.extract_stack`` (a tenth of the registration time).

    The SDK extracts the whole stack as FrameSummary objects, which reads every frame's source
    line through ``linecache`` (a ``stat`` per file), to keep only each frame's file and line. This
    walks the frames directly and gives the same StackTrace: the frames outside the third
    ``__init__`` from the inside (Resource, Custom/ComponentResource, the concrete resource),
    innermost first, each with its file URI and line, or no position where the SDK gives none.
    """
    uris: dict[str, Optional[str]] = {}

    def uri_of(filename: str) -> Optional[str]:
        try:
            return uris[filename]
        except KeyError:
            try:
                uri: Optional[str] = Path(filename).as_uri() if filename else None
            except BaseException:  # noqa: BLE001 as the SDK: a relative path has no URI
                uri = None
            uris[filename] = uri
            return uri

    def get_stack_trace() -> source_pb2.StackTrace:
        frame: Optional[FrameType] = sys._getframe(1)  # noqa: SLF001
        inits = 0
        while frame is not None:
            if frame.f_code.co_name == "__init__":
                inits += 1
                if inits == 3:
                    break
            frame = frame.f_back
        caller = frame.f_back if frame is not None else None
        frames: list[source_pb2.StackFrame] = []
        while caller is not None:
            line: Optional[int] = caller.f_lineno
            uri = uri_of(caller.f_code.co_filename) if line is not None else None
            position = source_pb2.SourcePosition(uri=uri, line=line) if uri and line is not None else None
            frames.append(source_pb2.StackFrame(pc=position))
            caller = caller.f_back
        return source_pb2.StackTrace(frames=frames)

    with _replaced(pulumi_runtime_resource, _GET_STACK_TRACE, get_stack_trace):
        yield


@contextlib.contextmanager
def _scalars_at_once() -> Iterator[None]:
    """Plain scalars (most property values) through three of the SDK's walks at once, with the
    result the SDK's own code reaches after a dozen type checks; anything else goes to the SDK.

    * ``rpc.serialize_property`` returns a str/int/float/bool/None as it is (after ABC instance
      checks, ``isawaitable``, input types);
    * ``rpc.deserialize_property`` returns a str/int/float/bool/None as it is, unless
      the string is the unknown sentinel (each call also runs an ``import`` statement);
    * ``rpc.translate_output_properties`` returns a str/int/float/bool/None output as it is, as
      the type hint's enum, or a float as ``int`` for an ``int`` hint, the hint unwrapped from
      ``Optional`` with typing introspection once per hint instead of once per value.
    """
    serialize = getattr(pulumi_rpc, _SERIALIZE_PROPERTY)
    deserialize = getattr(pulumi_rpc, _DESERIALIZE_PROPERTY)
    translate = getattr(pulumi_rpc, _TRANSLATE_OUTPUT_PROPERTIES)
    unwrap_optional_type = pulumi_types.unwrap_optional_type
    targets: dict[Any, Any] = {}

    async def serialize_property(value: Any, *args: Any, **kwargs: Any) -> Any:
        as_protobuf = kwargs.get("return_protobuf_value", False) or (len(args) > _PROTOBUF_ARG and args[_PROTOBUF_ARG])
        if type(value) in _SCALARS and not as_protobuf:
            return value
        return await serialize(value, *args, **kwargs)

    def deserialize_property(value: Any, keep_unknowns: Optional[bool] = None, keep_internal: Optional[bool] = True) -> Any:
        if type(value) in _SCALARS and value != pulumi_rpc.UNKNOWN:
            return value
        return deserialize(value, keep_unknowns, keep_internal)

    def scalar_target(typ: Any) -> Any:
        """What the SDK does to a scalar for this hint: an Enum class, ``int``, or None (nothing)."""
        unwrapped = unwrap_optional_type(typ) if typ else typ
        if unwrapped is Any or not unwrapped:
            return None
        if inspect.isclass(unwrapped) and issubclass(unwrapped, Enum):
            return unwrapped
        return int if unwrapped is int else None

    def translate_output_properties(output: Any, *args: Any, **kwargs: Any) -> Any:
        if output is None:
            return None
        if type(output) not in _SCALARS:
            return translate(output, *args, **kwargs)
        typ = args[1] if len(args) > 1 else kwargs.get("typ")
        try:
            target = targets[typ]
        except KeyError:
            target = targets[typ] = scalar_target(typ)
        except TypeError:  # an unhashable hint: not cached
            target = scalar_target(typ)
        if target is None:
            return output
        if target is int:
            return int(output) if type(output) is float else output
        return target(output)

    with (
        _replaced(pulumi_rpc, _SERIALIZE_PROPERTY, serialize_property),
        _replaced(pulumi_rpc, _DESERIALIZE_PROPERTY, deserialize_property),
        _replaced(pulumi_rpc, _TRANSLATE_OUTPUT_PROPERTIES, translate_output_properties),
    ):
        yield


_CREATE_URN = "create_urn"


@contextlib.contextmanager
def _plain_urns_at_once() -> Iterator[None]:
    """``create_urn`` of plain strings as one known Output, not a chain of ``Output.all`` and two
    ``apply`` calls. Every registration computes a "mock URN" this way (the SDK uses it only when
    there is no monitor: it always awaits it); the string is the one the SDK's chain builds, from
    the parent URN or the stack and project. Outputs and resources as arguments go to the SDK."""
    original = getattr(pulumi_runtime_resource, _CREATE_URN)

    def create_urn(name: Any, type_: Any, parent: Any = None, project: Optional[str] = None, stack: Optional[str] = None) -> Any:
        if type(name) is not str or type(type_) is not str or (parent is not None and type(parent) is not str):
            return original(name, type_, parent, project, stack)
        if parent is not None:
            prefix = parent[0 : parent.rfind("::")] + "$"
        else:
            stack = pulumi.get_stack() if stack is None else stack
            project = pulumi.get_project() if project is None else project
            prefix = "urn:pulumi:" + stack + "::" + project + "::"
        return Output.from_input(prefix + type_ + "::" + name)

    with _replaced(pulumi_runtime_resource, _CREATE_URN, create_urn):
        yield


def _plain(value: Any) -> bool:
    """Only dicts with string keys, lists, strings, numbers, booleans and None, all the way down."""
    kind = type(value)
    if kind in _SCALARS:
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

    with _replaced(pulumi_mocks, "rpc", _MockMonitorRpc()), _replaced(pulumi_mocks, _SYNC_AWAIT, sync_await):
        yield


REGISTRATIONS_PER_DRAIN = 200
"""While the program body runs, the registrations started so far are completed every this many
resources (see ``_registrations_drained``)."""

_REGISTER_RESOURCE = "register_resource"
_MAX_DRAIN_STEPS = 100_000


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
    original = getattr(pulumi_resource, _REGISTER_RESOURCE)
    count = 0

    def register_resource(*args: Any, **kwargs: Any) -> None:
        nonlocal count
        count += 1
        if count % REGISTRATIONS_PER_DRAIN == 0 and not loop.is_running():
            # Before, not after, this registration: the resource being built is not in the loop yet.
            loop.run_until_complete(_drain(ready))
        original(*args, **kwargs)

    with _replaced(pulumi_resource, _REGISTER_RESOURCE, register_resource):
        yield


async def _drain(ready: Any) -> None:
    """Run ready callbacks until none is left (at most _MAX_DRAIN_STEPS rounds)."""
    for _ in range(_MAX_DRAIN_STEPS):
        await asyncio.sleep(0)
        if not ready:
            return


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


@contextlib.contextmanager
def _unused_alias_urns_skipped() -> Iterator[None]:
    """Keep Resource.__init__ from computing alias URNs nobody reads (see the module docstring).

    ``pulumi.resource.collapse_alias_to_urn`` only feeds ``Resource._aliases``, which the SDK reads
    solely for engines without alias specs; the mock monitor advertises alias-spec support.
    """
    with _replaced(pulumi_resource, _COLLAPSE_ALIAS, _alias_as_given):
        yield


_COLLAPSE_ALIAS = "collapse_alias_to_urn"
_TRANSFER_PROPERTIES = "transfer_properties"


_CONTAINS_UNKNOWNS = "contains_unknowns"
_UNWRAP_TYPE = "unwrap_type"
_SCALARS = frozenset({str, int, float, bool, type(None)})


@contextlib.contextmanager
def _lean_outputs() -> Iterator[None]:
    """Resource output properties as one future each (see the module docstring),
    ``contains_unknowns`` answered at once for plain scalars (most output values): the SDK calls it
    on every resolved output, and its generic walk was a tenth of the registration time; and
    ``unwrap_type`` computed once per type hint."""
    contains_unknowns = getattr(pulumi_rpc, _CONTAINS_UNKNOWNS)

    def scalar_fast_path(value: Any) -> bool:
        # Exactly the SDK's answer: a str/int/float/bool/None is not Unknown, nor a dict or list.
        return False if type(value) in _SCALARS else contains_unknowns(value)

    unwrap_type = getattr(pulumi_types, _UNWRAP_TYPE)
    unwrapped: dict[Any, Any] = {}

    def unwrap_type_once(typ: Any) -> Any:
        # A pure function of the type hint (Output[T], Input[T], Optional[...] -> T), which the SDK
        # recomputes with typing introspection for every serialised input value.
        try:
            return unwrapped[typ]
        except KeyError:
            result = unwrapped[typ] = unwrap_type(typ)
            return result
        except TypeError:  # an unhashable hint: not cached
            return unwrap_type(typ)

    with (
        _replaced(pulumi_rpc, _TRANSFER_PROPERTIES, _lean_transfer_properties),
        _replaced(pulumi_rpc, _CONTAINS_UNKNOWNS, scalar_fast_path),
        _replaced(pulumi_types, _UNWRAP_TYPE, unwrap_type_once),
    ):
        yield


_PREPARE_ALIASES = "prepare_aliases"


@contextlib.contextmanager
def _shared_alias_messages() -> Iterator[None]:
    """``prepare_aliases`` with one message per distinct alias (see the module docstring)."""
    original = getattr(pulumi_runtime_resource, _PREPARE_ALIASES)
    shared: dict[tuple[str, bytes], alias_pb2.Alias] = {}
    by_fields: dict[tuple[object, ...], alias_pb2.Alias] = {}

    async def prepare_aliases(resource: Any, options: Any, supports_alias_specs: bool) -> list[alias_pb2.Alias]:
        if not supports_alias_specs or options is None or options.aliases is None:
            return await original(resource, options, supports_alias_specs)
        aliases: list[alias_pb2.Alias] = []
        for alias in options.aliases:
            # Output.from_input(x).future() is x itself for a plain string or Alias (the SDK's path).
            resolved = alias if isinstance(alias, (str, pulumi.Alias)) else await Output.from_input(alias).future()
            if resolved is None:
                continue
            if isinstance(resolved, str):
                key = ("urn", resolved.encode("utf-8"))
                message = shared.get(key) or shared.setdefault(key, alias_pb2.Alias(urn=resolved))
            else:
                fields = _plain_alias_fields(resolved)
                message = by_fields.get(fields) if fields is not None else None
                if message is None:
                    spec = await pulumi_runtime_resource.create_alias_spec(resolved)
                    key = ("spec", spec.SerializeToString(deterministic=True))
                    message = shared.get(key) or shared.setdefault(key, alias_pb2.Alias(spec=spec))
                    if fields is not None:
                        by_fields[fields] = message
            aliases.append(message)
        return aliases

    with _replaced(pulumi_runtime_resource, _PREPARE_ALIASES, prepare_aliases):
        yield


_PLAIN_ALIAS_FIELD_TYPES = (str, type(None), type(...))


def _plain_alias_fields(alias: pulumi.Alias) -> Optional[tuple[object, ...]]:
    """An Alias's fields when each is a string, None or unset (``...``), else None.

    ``create_alias_spec`` reads nothing but these five fields, and for such values it awaits
    nothing (no Output, no parent resource), so equal fields give equal specs: azure-native gives
    every storage account the same ~30 type aliases, each built anew as an ``Alias(type_=...)``.
    """
    fields = (alias.name, alias.type_, alias.parent, alias.stack, alias.project)
    return fields if all(type(field) in _PLAIN_ALIAS_FIELD_TYPES for field in fields) else None


def _lean_transfer_properties(res: Any, props: Any, custom: bool) -> dict[str, Any]:
    """``pulumi.runtime.rpc.transfer_properties`` with outputs whose futures are made on demand.

    Each output property gets an Output (as in the SDK, so the program sees the same attributes
    and types), but its future is created only when something awaits it; the resolvers the SDK
    calls store each value once, in one ``_ResourceOutputs`` per resource.
    """
    outputs = _ResourceOutputs(res)
    resolvers: dict[str, Any] = {}
    namespace = res.__dict__
    for name in props:
        if name == "urn" or (name == "id" and custom):
            continue  # set by register_resource itself, as in the SDK
        resolvers[name] = _OutputResolver(outputs, name)
        output: _ResourceOutput = object.__new__(_ResourceOutput)
        output._lazy_outputs = outputs  # noqa: SLF001
        output._lazy_name = name  # noqa: SLF001
        output._lazy_data = None  # noqa: SLF001 (set, not missing: Output.__getattr__ lifts missing names)
        namespace[name] = output
    return resolvers


class _ResourceOutputs:
    """The output properties of one resource: each value as the SDK resolved it, and the futures
    awaited so far (a slotted object per resource instead of four objects per output).

    What the SDK's ``do_resolve`` would put in an output's future is rebuilt on demand from the
    stored value: the same value, dependencies (the resource plus the engine's), known and secret
    flags, or exception. Most outputs are known, not secret and have no dependencies of their own,
    so only the others keep their flags (``_flags``).
    """

    __slots__ = ("_resource", "_values", "_flags", "_failures", "_waiting")

    def __init__(self, resource: Any) -> None:
        self._resource = resource
        self._values: dict[str, Any] = {}
        self._flags: Optional[dict[str, tuple[bool, bool, Optional[set[Any]]]]] = None
        self._failures: Optional[dict[str, Exception]] = None
        self._waiting: Optional[dict[str, "asyncio.Future[Any]"]] = None

    def resolve(
        self, name: str, value: Any, is_known: bool, is_secret: bool, deps: Optional[set[Any]], failed: Optional[Exception]
    ) -> None:
        """What the SDK's resolver for ``name`` was called with."""
        if failed is not None:
            if self._failures is None:
                self._failures = {}
            self._failures[name] = failed
        else:
            self._values[name] = value
            if not is_known or is_secret or deps:
                if self._flags is None:
                    self._flags = {}
                self._flags[name] = (is_known, is_secret, set(deps) if deps else None)
        waiting = self._waiting.pop(name, None) if self._waiting else None
        if waiting is not None and not waiting.done():
            self._settle(name, waiting)

    def future(self, name: str) -> "asyncio.Future[Any]":
        """The future of output ``name``: settled if its value is in, else settled when it comes."""
        data: asyncio.Future[Any] = asyncio.Future()
        if name in self._values or (self._failures is not None and name in self._failures):
            self._settle(name, data)
        else:
            if self._waiting is None:
                self._waiting = {}
            # Two awaits before the value comes share the first one's future (the SDK has one).
            data = self._waiting.setdefault(name, data)
        return data

    def _settle(self, name: str, data: "asyncio.Future[Any]") -> None:
        failure = self._failures.get(name) if self._failures is not None else None
        if failure is not None:
            data.set_exception(failure)
            return
        is_known, is_secret, deps = (self._flags or {}).get(name, (True, False, None))
        resources = set(deps) if deps else set()
        resources.add(self._resource)
        data.set_result(_OutputData(resources=resources, value=self._values[name], is_known=is_known, is_secret=is_secret))


class _ResourceOutput(Output[Any]):
    """An output property of a resource: an Output whose future ``_ResourceOutputs`` makes on first use."""

    # Plain attributes (not __dict__ reads), so CPython keeps them in its compact per-instance
    # values array with keys shared by all instances: about 100 bytes an output.
    _lazy_outputs: _ResourceOutputs
    _lazy_name: str
    _lazy_data: "Optional[asyncio.Future[_OutputData[Any]]]"

    def _get_data(self) -> "asyncio.Future[_OutputData[Any]]":
        data = self._lazy_data
        if data is None:
            data = self._lazy_data = self._lazy_outputs.future(self._lazy_name)
        return data

    def _set_data(self, value: "asyncio.Future[_OutputData[Any]]") -> None:
        self._lazy_data = value

    # Output declares ``_data`` as a plain attribute; here it is computed on first read.
    _data = property(_get_data, _set_data)  # pyright: ignore[reportAssignmentType]


class _OutputResolver:
    """The SDK's ``do_resolve`` for one output (a slotted object: a quarter of a partial's size)."""

    __slots__ = ("_outputs", "_name")

    def __init__(self, outputs: _ResourceOutputs, name: str) -> None:
        self._outputs = outputs
        self._name = name

    def __call__(self, value: Any, is_known: bool, is_secret: bool, deps: Optional[set[Any]], failed: Optional[Exception]) -> None:
        """The output depends on the resource and on ``deps``; ``failed`` fails it."""
        self._outputs.resolve(self._name, value, is_known, is_secret, deps, failed)


def _alias_as_given(alias: object, _name: str, _type: str, _parent: object) -> object:
    return alias


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
