"""Leaner equivalents of a few Pulumi Python SDK internals, installed only under the SDK release
line they were verified against: what the engine receives is unchanged, only the program's cost.

Used in two places: the test suite's in-process recorder (``program.py``) and, for the gate, the
program's own process, where the launcher (``langhost.py``) loads this file by path before the
program starts (not as a module of the gate: the program cannot import the gate, and this file
imports nothing but the standard library, protobuf and the SDK). The gate's verdict never depends
on these: it is computed from the RPCs the engine receives, in a process the program cannot reach.
A test previews the same fixture with and without them and gets the same registrations, aliases
included, and findings (tests/preview/test_engine.py).

What each replaces, and why (measured with benchmarks/preview_scaling.py):

* ``collapse_alias_to_urn``: ``Resource.__init__`` eagerly turns every alias into a URN ``Output``,
  which the SDK only sends to engines without alias-spec support; every current engine (and the
  gate's) has it, so those URNs are never read. azure-native gives each resource ~30 version
  aliases: computing them was two thirds of a registration's time.
* ``rpc.transfer_properties``: every output property of a resource (~50 for a storage account) got
  four futures plus a coroutine, a task and a copied context only to combine them into the
  Output's single future. Here each output's future is made only when something awaits it; the
  resolvers store each value once per resource and settle that future with the same value,
  dependencies (the resource plus the engine's), known/secret flags and exception as the SDK's.
  These outputs are not added to the SDK's set of outstanding outputs (``settings.outputs``): the
  registration RPC that resolves them is itself awaited at the end, resolves (or fails) all of them
  before it completes, and re-raises their exception.
* ``prepare_aliases``: equal aliases share one protobuf message per run (each message has its own
  arena, ~1.4 KiB, and every pending registration held 30); the request gets them in order.
* ``stack.wait_for_rpcs``: at the end the SDK waits for its outstanding outputs with
  ``asyncio.wait(..., FIRST_COMPLETED)`` in a loop, re-registering a callback on every pending
  output after each completion: quadratic (5,000 resources: 20 s of 34 in that loop). The
  replacement waits with ``FIRST_EXCEPTION``: it returns as soon as any output fails, as the
  SDK's does, and otherwise when all have completed; new outputs are picked up on the next round.
* ``pulumi.resource.register_resource``, in the program's process: the SDK runs the program body
  inside the event loop, so every registration waits, prepared and pending, until the body
  returns: 20,000 resources' requests, outputs and coroutines at once. Every
  REGISTRATIONS_PER_DRAIN registrations the loop runs until nothing is ready and at most
  MAX_PENDING_REGISTRATIONS are pending, through the SDK's
  own ``_sync_await``: what the SDK does whenever a program body calls an invoke synchronously,
  so a program cannot tell the difference except in when its ``apply`` callbacks run, which
  Pulumi leaves unspecified.
* Smaller ones give the SDK's own results by shorter paths: stack traces read from the frames
  (not ``traceback.extract_stack``, which reads every source line); plain scalars serialised,
  deserialised and translated at once; each registration's unused "mock URN" built as one known
  Output; debug messages the engine would drop not sent; the cyclic collector run less often.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import importlib.metadata
import inspect
import sys
from enum import Enum
from pathlib import Path
from types import FrameType, ModuleType
from typing import Any, Callable, Iterator, Optional

import pulumi
import pulumi._types as pulumi_types
import pulumi.log as pulumi_log
import pulumi.resource as pulumi_resource
import pulumi.runtime.resource as pulumi_runtime_resource
import pulumi.runtime.rpc as pulumi_rpc
import pulumi.runtime.stack as pulumi_stack
from pulumi.output import Output, _OutputData
from pulumi.runtime.proto import alias_pb2, source_pb2
from pulumi.runtime.settings import SETTINGS as _SETTINGS, _get_rpc_manager
from pulumi.runtime.sync_await import _sync_await

GC_THRESHOLDS = (200_000, 10, 10)
"""Cyclic GC thresholds while a program runs (Python's default: 700, 10, 10)."""


@contextlib.contextmanager
def collector_relaxed() -> Iterator[None]:
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


SDK_FAST_PATHS_VERIFIED = "3.272."
"""The Pulumi SDK release line whose internals the fast paths below replace, as verified (the
program's requirements pin it). Under any other SDK version the program runs on the SDK's own
code paths: slower, never different."""


@contextlib.contextmanager
def replaced(module: ModuleType, name: str, replacement: Any) -> Iterator[None]:
    """``module.<name>`` is ``replacement`` inside the block, and what it was again after it."""
    original = getattr(module, name)
    setattr(module, name, replacement)
    try:
        yield
    finally:
        setattr(module, name, original)


@contextlib.contextmanager
def debug_messages_dropped(wanted: Callable[[], bool]) -> Iterator[None]:
    """``pulumi.log.debug`` sends nothing while ``wanted()`` is false: the engine would drop it.

    The SDK logs four debug lines per registration; each is a ``Log`` RPC, made synchronously in
    the program's thread (``pulumi.log._log``: a round trip to the engine that blocks the program),
    or, for a message about a resource, a task of its own that first waits for the URN. The gate's
    engine keeps only warnings and errors (the mock engine's logger is at WARNING), so these
    messages change nothing but the time: 4 of 5 RPCs of a registration.
    """
    original = pulumi_log.debug

    def debug(msg: str, resource: Any = None, stream_id: Optional[int] = None, ephemeral: Optional[bool] = None) -> None:
        if wanted():
            original(msg, resource, stream_id, ephemeral)

    with replaced(pulumi_log, "debug", debug):
        yield


_GET_STACK_TRACE = "_get_stack_trace"
_SERIALIZE_PROPERTY = "serialize_property"
_DESERIALIZE_PROPERTY = "deserialize_property"
_TRANSLATE_OUTPUT_PROPERTIES = "translate_output_properties"
_PROTOBUF_ARG = 7
"""Position of ``return_protobuf_value`` among serialize_property's arguments after ``value``."""


@contextlib.contextmanager
def lean_stack_traces() -> Iterator[None]:
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

    with replaced(pulumi_runtime_resource, _GET_STACK_TRACE, get_stack_trace):
        yield


@contextlib.contextmanager
def scalars_at_once() -> Iterator[None]:
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
        if type(value) in SCALARS and not as_protobuf:
            return value
        return await serialize(value, *args, **kwargs)

    def deserialize_property(value: Any, keep_unknowns: Optional[bool] = None, keep_internal: Optional[bool] = True) -> Any:
        if type(value) in SCALARS and value != pulumi_rpc.UNKNOWN:
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
        if type(output) not in SCALARS:
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
        replaced(pulumi_rpc, _SERIALIZE_PROPERTY, serialize_property),
        replaced(pulumi_rpc, _DESERIALIZE_PROPERTY, deserialize_property),
        replaced(pulumi_rpc, _TRANSLATE_OUTPUT_PROPERTIES, translate_output_properties),
    ):
        yield


_CREATE_URN = "create_urn"


@contextlib.contextmanager
def plain_urns_at_once() -> Iterator[None]:
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

    with replaced(pulumi_runtime_resource, _CREATE_URN, create_urn):
        yield


async def drain(ready: Any) -> None:
    """Run ready callbacks until none is left (at most _MAX_DRAIN_STEPS rounds)."""
    for _ in range(_MAX_DRAIN_STEPS):
        await asyncio.sleep(0)
        if not ready:
            return


@contextlib.contextmanager
def unused_alias_urns_skipped() -> Iterator[None]:
    """Keep Resource.__init__ from computing alias URNs nobody reads (see the module docstring).

    ``pulumi.resource.collapse_alias_to_urn`` only feeds ``Resource._aliases``, which the SDK reads
    solely for engines without alias specs; the mock monitor advertises alias-spec support.
    """
    with replaced(pulumi_resource, _COLLAPSE_ALIAS, _alias_as_given):
        yield


_COLLAPSE_ALIAS = "collapse_alias_to_urn"
_TRANSFER_PROPERTIES = "transfer_properties"


_CONTAINS_UNKNOWNS = "contains_unknowns"
_UNWRAP_TYPE = "unwrap_type"
SCALARS = frozenset({str, int, float, bool, type(None)})


@contextlib.contextmanager
def lean_outputs() -> Iterator[None]:
    """Resource output properties as one future each (see the module docstring),
    ``contains_unknowns`` answered at once for plain scalars (most output values): the SDK calls it
    on every resolved output, and its generic walk was a tenth of the registration time; and
    ``unwrap_type`` computed once per type hint."""
    contains_unknowns = getattr(pulumi_rpc, _CONTAINS_UNKNOWNS)

    def scalar_fast_path(value: Any) -> bool:
        # Exactly the SDK's answer: a str/int/float/bool/None is not Unknown, nor a dict or list.
        return False if type(value) in SCALARS else contains_unknowns(value)

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
        replaced(pulumi_rpc, _TRANSFER_PROPERTIES, _lean_transfer_properties),
        replaced(pulumi_rpc, _CONTAINS_UNKNOWNS, scalar_fast_path),
        replaced(pulumi_types, _UNWRAP_TYPE, unwrap_type_once),
    ):
        yield


_PREPARE_ALIASES = "prepare_aliases"


@contextlib.contextmanager
def shared_alias_messages() -> Iterator[None]:
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

    with replaced(pulumi_runtime_resource, _PREPARE_ALIASES, prepare_aliases):
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


def verified() -> bool:
    """Whether the installed SDK is of the release line these replacements were checked against."""
    try:
        return importlib.metadata.version("pulumi").startswith(SDK_FAST_PATHS_VERIFIED)
    except importlib.metadata.PackageNotFoundError:
        return False


@contextlib.contextmanager
def engine_independent() -> Iterator[None]:
    """The replacements that hold whatever the monitor is (in this process or another)."""
    with (
        unused_alias_urns_skipped(),
        lean_outputs(),
        shared_alias_messages(),
        lean_stack_traces(),
        scalars_at_once(),
        plain_urns_at_once(),
        linear_wait_for_rpcs(),
    ):
        yield


_WAIT_FOR_RPCS = "wait_for_rpcs"


@contextlib.contextmanager
def linear_wait_for_rpcs() -> Iterator[None]:
    """``pulumi.runtime.stack.wait_for_rpcs`` without its quadratic wait (module docstring)."""

    async def wait_for_rpcs(await_all_outstanding_tasks: bool = True) -> None:
        rpc_manager = _get_rpc_manager()
        settings: Any = _SETTINGS  # its fields are context-variable descriptors the type checker cannot follow
        while True:
            # The SDK's first loop, as it is: await each outstanding RPC, re-raising its failure
            # with the first unhandled exception as the cause.
            while len(rpc_manager.rpcs) > 0:
                await asyncio.sleep(0)
                try:
                    await rpc_manager.rpcs.pop()
                except Exception as exn:
                    if rpc_manager.unhandled_exception is not None:
                        cause = rpc_manager.unhandled_exception.with_traceback(rpc_manager.exception_traceback)
                        raise exn from cause
                    raise
            if rpc_manager.unhandled_exception is not None:
                raise rpc_manager.unhandled_exception.with_traceback(rpc_manager.exception_traceback)
            if await_all_outstanding_tasks:
                while True:
                    with settings.lock:
                        if len(settings.outputs) == 0:
                            break
                        pending: list[asyncio.Task[Any]] = list(settings.outputs)
                        settings.outputs.clear()
                    done, not_done = await asyncio.wait(pending, return_when=asyncio.FIRST_EXCEPTION)
                    for task in done:
                        await task  # re-raises the first failure, as the SDK's loop does
                    if not_done:
                        with settings.lock:
                            settings.outputs.update(not_done)
            if len(rpc_manager.rpcs) == 0:
                break

    with replaced(pulumi_stack, _WAIT_FOR_RPCS, wait_for_rpcs):
        yield


REGISTRATIONS_PER_DRAIN = 200
"""While the program body runs, the registrations started so far are completed every this many
resources (``registrations_drained``)."""
MAX_PENDING_REGISTRATIONS = 4 * REGISTRATIONS_PER_DRAIN
"""At a drain in the program's process, the body goes on once at most this many registrations are
still pending (``registrations_drained``)."""
PROGRESS_SECONDS = 1.0
"""How long a drain waits for a pending registration to complete before the body goes on anyway."""

_REGISTER_RESOURCE = "register_resource"
_MAX_DRAIN_STEPS = 100_000
_MAX_WAITS = 1_000


@contextlib.contextmanager
def registrations_drained() -> Iterator[None]:
    """Run the event loop every REGISTRATIONS_PER_DRAIN registrations while the program body runs
    inside the loop (the language host's way: ``run_in_stack``), until nothing is ready and at most
    MAX_PENDING_REGISTRATIONS registrations are pending.

    Without the bound, a program that registers faster than the engine answers holds an ever longer
    queue of prepared requests (20,000 storage accounts: 1.2 GiB); with it, the program runs ahead
    of the engine by a few hundred registrations, so both still work at once. The drain waits
    only while registrations complete: one that waits for something the body has yet to provide
    (an output of a future the program resolves later) ends the wait after PROGRESS_SECONDS
    without progress, so it cannot deadlock the program.

    Before, not after, the registration: the resource being built is not in the loop yet. Through
    ``_sync_await``, as a synchronous invoke in the body does; never inside another drain; only
    with the default asyncio loop (its ready queue). The SDK's list of outstanding RPCs is kept to
    the pending and failed ones (it awaits them all at the end; a completed one adds nothing).
    """
    original = getattr(pulumi_resource, _REGISTER_RESOURCE)
    count = 0
    draining = False

    def register_resource(*args: Any, **kwargs: Any) -> Any:
        nonlocal count, draining
        count += 1
        if count % REGISTRATIONS_PER_DRAIN == 0 and not draining:
            loop = asyncio.get_event_loop()
            ready = getattr(loop, "_ready", None)
            if ready is not None and loop.is_running():
                draining = True
                try:
                    _sync_await(_drain_bounded(ready))
                finally:
                    draining = False
        return original(*args, **kwargs)

    with replaced(pulumi_resource, _REGISTER_RESOURCE, register_resource):
        yield


async def _drain_bounded(ready: Any) -> None:
    await drain(ready)
    rpcs: list[Any] = _get_rpc_manager().rpcs
    for _ in range(_MAX_WAITS):
        rpcs[:] = [task for task in rpcs if not task.done() or _failed(task)]
        pending = [task for task in rpcs if not task.done()]
        excess = len(pending) - MAX_PENDING_REGISTRATIONS
        if excess <= 0:
            return
        # The oldest first: the engine answers in about the order the requests left.
        done, _ = await asyncio.wait(pending[: excess + REGISTRATIONS_PER_DRAIN], timeout=PROGRESS_SECONDS)
        if not done:
            return
        await drain(ready)


def _failed(task: Any) -> bool:
    """A completed RPC that the SDK must still re-raise at the end."""
    return not isinstance(task, asyncio.Future) or task.cancelled() or task.exception() is not None


_INSTALLED: list[contextlib.ExitStack] = []
"""What ``install_for_remote_engine`` entered: referenced here so that the context managers are not
collected, which would close them and put the SDK's functions back."""


def install_for_remote_engine() -> bool:
    """Install, for the rest of the process, the replacements that hold for an engine in another
    process (the gate's) when the SDK is the verified one; whether they were installed."""
    if not verified():
        return False
    stack = contextlib.ExitStack()
    stack.enter_context(engine_independent())
    stack.enter_context(registrations_drained())
    stack.enter_context(debug_messages_dropped(lambda: False))
    stack.enter_context(collector_relaxed())
    _INSTALLED.append(stack)
    return True
