"""A mock resource monitor that records every registration the way the engine would store it.

Pulumi's stock ``MockMonitor`` answers the SDK; this subclass also keeps, per URN, the wire-form
inputs, the mock outputs, the parent, the dependencies and the resource options, and does two
things the real engine does and the stock mock does not:

* it rejects a second registration of the same URN (``DuplicateUrnError``);
* it creates the *default provider* resources (``pulumi:providers:<package>``, named
  ``default_<version>``) that the engine registers for resources without an explicit provider,
  so policies see the same provider resources and ``args.provider`` as with the CLI.
"""

from __future__ import annotations

import contextlib
import functools
import heapq
import re
import threading
from collections import Counter
from typing import Any, Callable, Iterator, Mapping, Optional
from urllib.parse import urlparse
from urllib.request import url2pathname

from pulumi.runtime.mocks import MockMonitor, Mocks
from pulumi.runtime.proto import alias_pb2, resource_pb2
from pulumi.runtime.settings import get_project, get_stack

from .azure_mocks import fake_guid
from .errors import DuplicateUrnError, InvalidPropertyError
from .model import STACK_TYPE, CustomTimeouts, RecordedResource, ResourceOptions
from .wire import UNKNOWN, PropertyValueError, struct_to_analyzer_dict


class RecordingMonitor(MockMonitor):
    """MockMonitor that records resources in registration order and rejects duplicate URNs."""

    def __init__(
        self,
        mocks: Mocks,
        provider_config: Optional[dict[str, dict[str, str]]] = None,
        on_record: Optional[Callable[[RecordedResource], None]] = None,
    ) -> None:
        """``on_record`` gets each resource once it is registered (its default provider first),
        from the thread that registered it: what the engine would analyse at that point."""
        super().__init__(mocks)
        self._on_record = on_record
        self._records: dict[str, RecordedResource] = {}
        self._lock = threading.Lock()
        self._provider_config = provider_config or {}
        self._default_providers: dict[tuple[str, str], str] = {}
        self.duplicate_urns: list[str] = []
        self.invalid_properties: list[InvalidPropertyError] = []
        self.invokes: Counter[str] = Counter()

    # --- what the preview reads -------------------------------------------------------------

    def recorded(self) -> list[RecordedResource]:
        """All resources, each after its parent, provider and dependencies (deterministic order).

        Registration order depends on when each resource's inputs resolve, so it varies from run
        to run (the engine's order varies too); this order makes plans and JSON reproducible.
        """
        with self._lock:
            return dependency_order(list(self._records.values()))

    def program_resource_count(self) -> int:
        """Resources registered by the program itself (not the root stack, not default providers)."""
        with self._lock:
            return sum(1 for r in self._records.values() if r.type != STACK_TYPE and not r.synthesized)

    def make_urn(self, parent: str, type_: str, name: str) -> str:
        """The engine's URN: like MockMonitor's, but the root stack's type is not a parent type."""
        return "::".join([f"urn:pulumi:{get_stack()}", get_project(), _qualified_type(parent, type_), name])

    # --- ResourceMonitor service --------------------------------------------------------------

    def RegisterResource(self, request: Any) -> Any:  # noqa: N802 (gRPC method name)
        """Record the registration, reject duplicates, then let the mocks compute outputs."""
        urn = self.make_urn(request.parent, request.type, request.name)
        with self._invalid_properties_recorded(urn, "inputs"):
            record = _record_from_request(request, urn)
        created: Optional[RecordedResource] = None
        with self._lock:
            if urn in self._records:
                self.duplicate_urns.append(urn)
                raise DuplicateUrnError(urn)
            if record.custom and not record.provider and not record.is_provider:
                record.provider, created = self._default_provider_ref(record.type, request.version)
            self._records[urn] = record
        if created is not None and self._on_record is not None:
            self._on_record(created)
        response = super().RegisterResource(request)
        if record.custom:
            record.id = response.id or None
            with self._invalid_properties_recorded(urn, "outputs"):
                record.outputs = struct_to_analyzer_dict(response.object)
        if self._on_record is not None:
            self._on_record(record)
        return response

    def RegisterResourceOutputs(self, request: Any) -> Any:  # noqa: N802
        """Component (and stack) outputs: what AnalyzeStack sends for them."""
        with self._lock:
            record = self._records.get(request.urn)
        if record is not None:
            with self._invalid_properties_recorded(request.urn, "outputs"):
                record.outputs = struct_to_analyzer_dict(request.outputs)
        return super().RegisterResourceOutputs(request)

    def ReadResource(self, request: Any) -> Any:  # noqa: N802
        """``Resource.get``: recorded as external (the engine analyzes it only at stack level).

        A property the mocks answer with the unknown sentinel (a stack reference's outputs when
        none were given) is recorded as unknown and left out of the response, which is marked
        ``unknown``: the SDK then resolves it as unknown, as for a read the engine skipped."""
        response = super().ReadResource(request)
        with self._invalid_properties_recorded(response.urn, "inputs"):
            inputs = struct_to_analyzer_dict(request.properties)
            outputs = struct_to_analyzer_dict(response.properties)
        unknown = [key for key, value in outputs.items() if value == UNKNOWN]
        for key in unknown:
            del response.properties.fields[key]
        response.unknown = bool(unknown)
        record = RecordedResource(
            urn=response.urn,
            type=request.type,
            name=request.name,
            custom=True,
            parent=request.parent or None,
            inputs=inputs,
            outputs=outputs,
            id=request.id or None,
            dependencies=list(request.dependencies),
            provider=request.provider or None,
            external=True,
        )
        with self._lock:
            if record.urn in self._records:
                self.duplicate_urns.append(record.urn)
                raise DuplicateUrnError(record.urn)
            self._records[record.urn] = record
        return response

    def Invoke(self, request: Any) -> Any:  # noqa: N802
        """Count function calls (e.g. listKeys-style invokes) for the report, then answer them."""
        with self._lock:
            self.invokes[request.tok] += 1
        return super().Invoke(request)

    @contextlib.contextmanager
    def _invalid_properties_recorded(self, urn: str, what: str) -> Iterator[None]:
        """Turn a PropertyValueError into an InvalidPropertyError naming the resource; keep it.

        The SDK may swallow or rewrap what a monitor call raises, so the error is also kept here
        and the program runner reports it whatever the SDK made of it.
        """
        try:
            yield
        except PropertyValueError as exc:
            error = InvalidPropertyError(urn, what, str(exc))
            with self._lock:
                self.invalid_properties.append(error)
            raise error from None

    # --- default providers --------------------------------------------------------------------

    def _default_provider_ref(self, resource_type: str, version: str) -> tuple[str, Optional[RecordedResource]]:
        """The reference of the engine's default provider for this package/version, and the
        provider's record if this call created it (lock held)."""
        package = resource_type.split(":", 1)[0]
        key = (package, version)
        ref = self._default_providers.get(key)
        if ref is not None:
            return ref, None
        provider = default_provider_record(package, version, self._provider_config.get(package, {}), self.make_urn, fake_guid)
        self._records[provider.urn] = provider
        ref = f"{provider.urn}::{provider.id}"
        self._default_providers[key] = ref
        return ref, provider


def default_provider_record(
    package: str, version: str, config: Mapping[str, Any], make_urn: Callable[[str, str, str], str], provider_id: Callable[[str], str]
) -> RecordedResource:
    """The engine's default provider of a package and version (pulumi/pulumi
    pkg/resource/deploy/providers/registry.go: named ``default_<version>``, its inputs the stack's
    provider config plus ``version``); ``provider_id`` gives its id from its URN."""
    provider_type = f"pulumi:providers:{package}"
    name = "default_" + version.replace(".", "_").replace("-", "_") if version else "default"
    urn = make_urn("", provider_type, name)
    inputs: dict[str, Any] = dict(config)
    if version:
        inputs["version"] = version
    return RecordedResource(
        urn=urn, type=provider_type, name=name, custom=True, inputs=inputs, outputs=dict(inputs), id=provider_id(urn), synthesized=True
    )


def dependency_order(resources: list[RecordedResource]) -> list[RecordedResource]:
    """Topological order (parent, provider and dependencies first); ties broken by URN."""
    by_urn = {r.urn: r for r in resources}
    children: dict[str, list[str]] = {urn: [] for urn in by_urn}
    waiting: dict[str, int] = {}
    for resource in resources:
        before = {resource.parent, resource.provider.rsplit("::", 1)[0] if resource.provider else None}
        before.update(resource.dependencies)
        known = [urn for urn in before if urn in by_urn and urn != resource.urn]
        waiting[resource.urn] = len(known)
        for urn in known:
            children[urn].append(resource.urn)
    ready = [urn for urn, count in waiting.items() if count == 0]
    heapq.heapify(ready)
    ordered: list[RecordedResource] = []
    while ready:
        urn = heapq.heappop(ready)
        ordered.append(by_urn[urn])
        for child in children[urn]:
            waiting[child] -= 1
            if waiting[child] == 0:
                heapq.heappush(ready, child)
    if len(ordered) < len(resources):  # a cycle: impossible for a real engine, keep everything
        seen = {r.urn for r in ordered}
        ordered.extend(sorted((r for r in resources if r.urn not in seen), key=lambda r: r.urn))
    return ordered


def _record_from_request(request: Any, urn: str) -> RecordedResource:
    """A RecordedResource from a RegisterResourceRequest (outputs are filled in later)."""
    inputs = struct_to_analyzer_dict(request.object)
    custom = bool(request.custom)
    return RecordedResource(
        urn=urn,
        type=request.type,
        name=request.name,
        custom=custom,
        parent=request.parent or None,
        inputs=inputs,
        dependencies=list(request.dependencies),
        property_dependencies={key: list(deps.urns) for key, deps in request.propertyDependencies.items() if deps.urns},
        provider=request.provider or None,
        options=_options_from_request(request, urn),
        source=source_frames(request),
    )


def source_frames(request: Any) -> tuple[tuple[str, int], ...]:
    """The registration's source position and stack trace (the SDK sends both since pulumi 3.1xx)
    as (file path, line) pairs, innermost first, without duplicates."""
    positions = [request.sourcePosition] if request.HasField("sourcePosition") else []
    if request.HasField("stackTrace"):
        positions.extend(frame.pc for frame in request.stackTrace.frames if frame.HasField("pc"))
    frames: dict[tuple[str, int], None] = {}
    for position in positions:
        if position.uri.startswith("file://") and position.line > 0:
            frames.setdefault((_file_path(position.uri), position.line), None)
    return tuple(frames)


@functools.lru_cache(maxsize=4096)
def _file_path(uri: str) -> str:
    """The path of a ``file://`` URI (a program has few source files; each resource names ~10)."""
    return url2pathname(urlparse(uri).path)


def _options_from_request(request: Any, urn: str) -> ResourceOptions:
    """The analyzer-visible resource options of a registration."""
    timeouts: Optional[CustomTimeouts] = None
    if request.HasField("customTimeouts"):
        t = request.customTimeouts
        timeouts = CustomTimeouts(create=duration_seconds(t.create), update=duration_seconds(t.update), delete=duration_seconds(t.delete))
    head, project, _ = urn.split("::", 2)
    aliases = [_alias_urn(alias, request, head.removeprefix("urn:pulumi:"), project) for alias in request.aliases]
    aliases.extend(request.aliasURNs)
    return ResourceOptions(
        protect=bool(request.protect),
        ignore_changes=tuple(request.ignoreChanges),
        delete_before_replace=bool(request.deleteBeforeReplace) if request.deleteBeforeReplaceDefined else None,
        aliases=tuple(a for a in aliases if a),
        custom_timeouts=timeouts,
        additional_secret_outputs=tuple(request.additionalSecretOutputs),
        retain_on_delete=bool(request.retainOnDelete) if request.HasField("retainOnDelete") else None,
        import_id=request.importId,
    )


_DURATION_PART = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)")
_DURATION_UNITS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}


def duration_seconds(text: str) -> float:
    """A Go duration string ("5m", "1h30m", "90s") in seconds, as the engine converts it; 0 if empty/invalid."""
    parts = _DURATION_PART.findall(text.strip())
    if not parts or "".join(number + unit for number, unit in parts) != text.strip():
        return 0.0
    return sum(float(number) * _DURATION_UNITS[unit] for number, unit in parts)


def _alias_urn(alias: alias_pb2.Alias, request: resource_pb2.RegisterResourceRequest, stack: str, project: str) -> str:
    """Resolve an alias (a URN, or a spec of changed name/type/parent/stack/project) to a URN;
    ``stack`` and ``project`` are the resource's own."""
    if alias.WhichOneof("alias") == "urn":
        return alias.urn
    spec = alias.spec
    stack = spec.stack or stack
    project = spec.project or project
    resource_type = spec.type or request.type
    name = spec.name or request.name
    if spec.noParent:
        parent = ""
    elif spec.parentUrn:
        parent = spec.parentUrn
    else:
        parent = request.parent
    return "::".join([f"urn:pulumi:{stack}", project, _qualified_type(parent, resource_type), name])


def _qualified_type(parent: str, resource_type: str) -> str:
    """``<parent's qualified type>$<type>``, except under the root stack (the engine's URN rule)."""
    if not parent:
        return resource_type
    parent_type = parent.split("::")[2]
    if parent_type == STACK_TYPE:
        return resource_type
    return f"{parent_type}${resource_type}"
