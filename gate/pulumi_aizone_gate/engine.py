"""The gate's engine: a resource monitor and an engine service over gRPC, in the gate's process.

The program runs in a process of its own (``langhost.py``) and talks to this engine exactly as to
the Pulumi engine during ``pulumi preview``: ``RegisterResource``, ``RegisterResourceOutputs``,
``ReadResource``, ``Invoke``, ``RegisterStackTransform``, ``SignalAndWaitForShutdown`` on the
``pulumirpc.ResourceMonitor`` service, ``Log`` and the root resource on ``pulumirpc.Engine``.
Everything the verdict is made of is recorded here, in the gate's process; the program only ever
sees the answers.

What follows the engine (pulumi/pulumi ``pkg/resource/deploy/source_eval.go``, ``resmon``, read at
commit 1b5949891b3c, 2026-08-21):

* features: ``SupportsFeature`` answers as ``supportsFeatureID`` does (secrets, resource
  references, output values, alias specs, transforms, invoke transforms, ...);
* transforms: a registration runs its own transforms, then each ancestor's (nearest first), then
  the stack transforms, in registration order, each through the program's callbacks server
  (``pulumirpc.Callbacks/Invoke`` with a ``TransformRequest``); the result's properties and
  options are what is recorded and analysed (``RegisterResource``, "Before we calculate anything
  else run the transformations");
* preview semantics (``--dry_run true``): a custom resource's state is what its provider's
  ``Create(preview=true)`` returns, and that state is both the program's answer and what
  ``AnalyzeStack`` sends. azure-native returns ``PreviewOutputs`` ("Calculate the preview of
  outputs using the current inputs and marking all other response properties as computed",
  pulumi-azure-native ``provider/pkg/provider/provider.go``): every output property, from the
  input of the same name and shape or unknown, and no id (``preview_state.py`` reproduces it from
  the SDK's declared output types, with the sources); resources of other packages keep their
  inputs; provider resources get ``UnknownID`` (``providers/registry.go``: ``id := UnknownID; if
  !req.Preview {...}``); component resources get no outputs (``if !req.GetCustom() && !remote {
  outputs = {} }``);
* default providers: a custom resource without a provider gets the package's default provider
  ``pulumi:providers:<pkg>::default[_<version>]``, registered before it;
* remote components (``remote: true``) are constructed by their provider plugin (``Construct``,
  with this engine as the monitor, so the component and its children register here); the
  resource's own transforms wait for the constructed registration of the same parent, type and
  name (``pendingTransforms``). The gate runs the local Python component providers the project
  names in Pulumi.yaml (``packages:``, as ``pulumi package add`` writes it); any other remote
  component is recorded and the run gets a mandatory finding naming it (``not analysed: component
  X of package Y``), never a silent pass.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import os
import subprocess
import threading
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator, Mapping, Optional

import grpc
from google.protobuf import empty_pb2, json_format, struct_pb2
from pulumi.runtime.proto import (
    alias_pb2,
    callback_pb2,
    callback_pb2_grpc,
    engine_pb2,
    engine_pb2_grpc,
    provider_pb2,
    provider_pb2_grpc,
    resource_pb2,
    resource_pb2_grpc,
)

from .azure_mocks import STACK_REFERENCE_TYPE, AzureMocks
from .errors import InvalidPropertyError
from .model import STACK_TYPE, CustomTimeouts, RecordedResource, ResourceOptions
from .pack_process import ORGANIZATION
from .preview_state import AZURE_NATIVE, UnknownResourceType, package_of, preview_state
from .recorder import default_provider_record, duration_seconds, source_frames
from .wire import UNKNOWN, PropertyValueError, struct_to_analyzer_dict, to_struct

UNKNOWN_ID = UNKNOWN
"""``providers.UnknownID`` (= ``plugin.UnknownStringValue``): a provider's id during preview."""
MAX_MESSAGE_BYTES = 400 * 1024 * 1024
"""The SDK sends large properties (templates, policies); the engine accepts them too."""
SERVER_THREADS = 256
"""Upper bound of the engine's gRPC threads (made on demand). The Go engine serves each RPC on a
goroutine of its own; a bound can deadlock a legitimate program: the language host gives the program
``--parallel`` x 4 threads for its RPCs (pulumi-language-python-exec, ``_set_default_executor``),
each RegisterResource with a transform holds an engine thread while the engine calls the transform
back in the program, and the program's callback server answers on its event loop, which may itself
be waiting for the engine (a synchronous ``Log``). With 16 threads, 32 concurrent registrations with
a stack transform hung (tests/preview/test_program_fast_paths.py)."""

# source_eval.go, supportsFeatureID (the engine's list, not one more).
SUPPORTED_FEATURES = frozenset(
    {
        "secrets",
        "resourceReferences",
        "outputValues",
        "aliasSpecs",
        "replacementTrigger",
        "deletedWith",
        "replaceWith",
        "transforms",
        "invokeTransforms",
        "parameterization",
        "resourceHooks",
        "errorHooks",
        "sendsOptionsToHooks",
    }
)

# supportedMonitorFeatures, in its order (with state migrations off, as for a stack without them).
_MONITOR_FEATURES = (
    ("secrets", "RESOURCE_MONITOR_FEATURE_SECRETS"),
    ("resourceReferences", "RESOURCE_MONITOR_FEATURE_RESOURCE_REFERENCES"),
    ("outputValues", "RESOURCE_MONITOR_FEATURE_OUTPUT_VALUES"),
    ("aliasSpecs", "RESOURCE_MONITOR_FEATURE_ALIAS_SPECS"),
    ("replacementTrigger", "RESOURCE_MONITOR_FEATURE_REPLACEMENT_TRIGGER"),
    ("deletedWith", "RESOURCE_MONITOR_FEATURE_DELETED_WITH"),
    ("replaceWith", "RESOURCE_MONITOR_FEATURE_REPLACE_WITH"),
    ("transforms", "RESOURCE_MONITOR_FEATURE_TRANSFORMS"),
    ("invokeTransforms", "RESOURCE_MONITOR_FEATURE_INVOKE_TRANSFORMS"),
    ("parameterization", "RESOURCE_MONITOR_FEATURE_PARAMETERIZATION"),
    ("resourceHooks", "RESOURCE_MONITOR_FEATURE_RESOURCE_HOOKS"),
    ("errorHooks", "RESOURCE_MONITOR_FEATURE_ERROR_HOOKS"),
    ("sendsOptionsToHooks", "RESOURCE_MONITOR_FEATURE_SENDS_OPTIONS_TO_HOOKS"),
    ("", "RESOURCE_MONITOR_FEATURE_BYTE_STRING"),
    ("", "RESOURCE_MONITOR_FEATURE_INVOKE_DEPENDS_ON"),
    ("", "RESOURCE_MONITOR_FEATURE_INVOKE_PARENT"),
)
"""Feature names of this SDK's protocol that the engine reports (a name the installed
protocol lacks is left out)."""

_LOG_ERROR = engine_pb2.ERROR
_LOG_WARNING = engine_pb2.WARNING


@dataclass(frozen=True)
class RemoteComponent:
    """A component the engine would have constructed through its provider plugin."""

    urn: str
    type: str
    package: str


@dataclass
class EngineRecord:
    """What the program did, as the engine saw it (read once the program process is gone)."""

    resources: list[RecordedResource]
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    invokes: dict[str, int] = field(default_factory=dict)
    duplicate_urns: list[str] = field(default_factory=list)
    invalid_properties: list[InvalidPropertyError] = field(default_factory=list)
    late_registrations: list[str] = field(default_factory=list)
    remote_components: list[RemoteComponent] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    shutdown_signalled: bool = False


class _Refused(Exception):
    """A registration the engine refuses; the program gets the message as the RPC's error."""

    def __init__(self, code: grpc.StatusCode, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class GateEngine:
    """The state of one preview: every registration, in the gate's process."""

    def __init__(
        self,
        project: str,
        stack: str,
        provider_config: Optional[dict[str, dict[str, str]]] = None,
        on_record: Optional[Callable[[RecordedResource], None]] = None,
        config: Optional[dict[str, str]] = None,
        secret_keys: tuple[str, ...] = (),
        component_packages: Optional[dict[str, "ComponentPackage"]] = None,
        stack_references: Optional[Mapping[str, Mapping[str, Any]]] = None,
    ) -> None:
        self.project = project
        self.stack = stack
        self.config = dict(config or {})
        self.secret_keys = tuple(secret_keys)
        self._provider_config = provider_config or {}
        self._on_record = on_record
        self._lock = threading.Lock()
        self._records: dict[str, RecordedResource] = {}
        self._default_providers: dict[tuple[str, str], str] = {}
        self._packages: dict[str, str] = {}
        self._parents: dict[str, str] = {}
        self._resource_transforms: dict[str, list[callback_pb2.Callback]] = {}
        self._stack_transforms: list[callback_pb2.Callback] = []
        self._invoke_transforms: list[callback_pb2.Callback] = []
        self._callback_channels: dict[str, grpc.Channel] = {}
        self._mocks = AzureMocks(stack_references or {})
        self._root_urn = ""
        self._closed = False
        self.errors: list[str] = []
        self.warnings: list[str] = []
        self.invokes: Counter[str] = Counter()
        self.duplicate_urns: list[str] = []
        self.invalid_properties: list[InvalidPropertyError] = []
        self.late_registrations: list[str] = []
        self.remote_components: list[RemoteComponent] = []
        self.failures: list[str] = []
        self.shutdown_signalled = False
        self.address = ""
        """Where this engine serves (set by EngineServer): the monitor a component provider dials."""
        self._component_packages = dict(component_packages or {})
        self._plugins: dict[str, ComponentPlugin] = {}
        self._pending_transforms: dict[str, list[callback_pb2.Callback]] = {}

    # --- what the preview reads -------------------------------------------------------------

    def program_resource_count(self) -> int:
        """Resources registered by the program itself (not the root stack, not default providers)."""
        with self._lock:
            return sum(1 for r in self._records.values() if r.type != STACK_TYPE and not r.synthesized)

    def close(self) -> EngineRecord:
        """Refuse every later call and return what was recorded (registration order)."""
        from .recorder import dependency_order

        with self._lock:
            self._closed = True
            channels = list(self._callback_channels.values())
            self._callback_channels.clear()
            record = EngineRecord(
                resources=dependency_order(list(self._records.values())),
                errors=list(self.errors),
                warnings=list(self.warnings),
                invokes=dict(self.invokes),
                duplicate_urns=list(self.duplicate_urns),
                invalid_properties=list(self.invalid_properties),
                late_registrations=list(self.late_registrations),
                remote_components=list(self.remote_components),
                failures=list(self.failures),
                shutdown_signalled=self.shutdown_signalled,
            )
        for channel in channels:
            channel.close()
        for plugin in list(self._plugins.values()):
            plugin.close()
        return record

    def make_urn(self, parent: str, type_: str, name: str) -> str:
        """The engine's URN rule: ``<parent's qualified type>$<type>``, except under the root stack."""
        qualified = type_
        if parent:
            parent_type = parent.split("::")[2]
            if parent_type != STACK_TYPE:
                qualified = f"{parent_type}${type_}"
        return f"urn:pulumi:{self.stack}::{self.project}::{qualified}::{name}"

    # --- ResourceMonitor ---------------------------------------------------------------------

    def register_resource(self, request: resource_pb2.RegisterResourceRequest) -> resource_pb2.RegisterResourceResponse:
        """Transforms, default provider, record, analyse; answer with preview state."""
        self._check_open(f"{request.type} '{request.name}'")
        parent = request.parent
        if request.remote and request.type.split(":", 1)[0] in self._component_packages:
            return self._construct(request)
        properties, options, own_transforms = self._transformed(request, parent)
        urn = self.make_urn(parent, request.type, request.name)
        with self._invalid_properties_recorded(urn, "inputs"):
            inputs = struct_to_analyzer_dict(properties)
        custom = bool(request.custom)
        remote = bool(request.remote)
        dependencies = list(options.depends_on)
        record = RecordedResource(
            urn=urn,
            type=request.type,
            name=request.name,
            custom=custom,
            parent=parent or None,
            inputs=inputs,
            dependencies=dependencies,
            property_dependencies={key: list(deps.urns) for key, deps in request.propertyDependencies.items() if deps.urns},
            provider=options.provider or None,
            options=_options(options, urn, request),
            source=source_frames(request),
        )
        # Computed outside the lock: the first resource of a module imports its SDK module.
        state = _preview_state(request.type, inputs, record.is_provider) if custom else None
        created: Optional[RecordedResource] = None
        with self._lock:
            if urn in self._records:
                self.duplicate_urns.append(urn)
                raise _Refused(grpc.StatusCode.ALREADY_EXISTS, f"Duplicate resource URN '{urn}'; try giving it a unique name")
            if custom and not record.provider and not record.is_provider:
                package = self._packages.get(request.packageRef) or request.type.split(":", 1)[0]
                record.provider, created = self._default_provider_ref(package, options.version)
            if record.is_provider:
                record.id = UNKNOWN_ID
            if custom:
                record.outputs = dict(inputs) if state is None else state
            if remote:
                package = request.type.split(":", 1)[0]
                self.remote_components.append(RemoteComponent(urn=urn, type=request.type, package=package))
            self._records[urn] = record
            self._parents[urn] = parent
            self._resource_transforms[urn] = own_transforms
        if self._on_record is not None:
            if created is not None:
                self._on_record(created)
            self._on_record(record)
        response = resource_pb2.RegisterResourceResponse(urn=urn)
        if custom:
            # Preview: the state is the provider's Create(preview=true) answer (preview_state.py),
            # the same outputs the engine returns to the program (source_eval.go, l. 3189); the id
            # of a new resource is empty, which the SDK resolves as unknown.
            if state is None:
                response.object.CopyFrom(properties)
            else:
                response.object.CopyFrom(to_struct(state))
            if record.is_provider:
                response.id = UNKNOWN_ID
        return response

    def _construct(self, request: resource_pb2.RegisterResourceRequest) -> resource_pb2.RegisterResourceResponse:
        """A remote component of a package the project names (``packages:`` in Pulumi.yaml): the
        engine's ``Construct`` on the package's provider, which registers the component and its
        children with this engine (source_eval.go, ``if remote { ... provider.Construct(...) }``)."""
        package = request.type.split(":", 1)[0]
        with self._lock:
            if request.transforms:
                self._pending_transforms[f"{request.parent}::{request.type}::{request.name}"] = list(request.transforms)
            plugin = self._plugins.get(package)
            if plugin is None:
                plugin = self._plugins[package] = ComponentPlugin(self._component_packages[package], self.address)
        construct = provider_pb2.ConstructRequest(
            project=self.project,
            stack=self.stack,
            config=dict(self.config),
            configSecretKeys=list(self.secret_keys),
            organization=ORGANIZATION,
            dryRun=True,
            parallel=default_parallel(),
            monitorEndpoint=self.address,
            type=request.type,
            name=request.name,
            parent=request.parent,
            inputs=request.object,
            providers=dict(request.providers),
            dependencies=list(request.dependencies),
            protect=request.protect,
            additionalSecretOutputs=list(request.additionalSecretOutputs),
            ignoreChanges=list(request.ignoreChanges),
            replaceOnChanges=list(request.replaceOnChanges),
            accepts_output_values=True,
            aliases=list(request.aliases),
        )
        for key, deps in request.propertyDependencies.items():
            construct.inputDependencies[key].urns.extend(deps.urns)
        answer = plugin.construct(construct)
        response = resource_pb2.RegisterResourceResponse(urn=answer.urn, object=answer.state)
        for key, deps in answer.stateDependencies.items():
            response.propertyDependencies[key].urns.extend(deps.urns)
        return response

    def register_resource_outputs(self, request: resource_pb2.RegisterResourceOutputsRequest) -> None:
        """Component (and stack) outputs: what AnalyzeStack sends for them."""
        self._check_open(f"outputs of {request.urn}")
        with self._lock:
            record = self._records.get(request.urn)
        if record is not None:
            with self._invalid_properties_recorded(request.urn, "outputs"):
                record.outputs = struct_to_analyzer_dict(request.outputs)

    def failure_note(self, traceback_text: str) -> str:
        """The invokes and stack references the gate supplied offline that a program failure may
        come from ("" when none was supplied; azure_mocks.AzureMocks.failure_note)."""
        return self._mocks.failure_note(traceback_text)

    def read_resource(self, request: resource_pb2.ReadResourceRequest) -> resource_pb2.ReadResourceResponse:
        """``Resource.get``: recorded as external (AnalyzeStack only). Offline there is no state
        to read: the state is the properties the program gave. A ``pulumi.StackReference`` reads
        the other stack's outputs given with ``--stack-reference``; without them its outputs are
        unknown, as in a preview before that stack exists (the SDK then runs no callback on them)."""
        self._check_open(f"read of {request.type} '{request.name}'")
        urn = self.make_urn(request.parent, request.type, request.name)
        with self._invalid_properties_recorded(urn, "inputs"):
            properties = struct_to_analyzer_dict(request.properties)
        if request.type == STACK_REFERENCE_TYPE:
            given_name = properties.get("name")
            name = given_name if isinstance(given_name, str) else (request.id or request.name)
            given = self._mocks.stack_references.get(name)
            self._mocks._supplied("stack", name, given)  # noqa: SLF001 - the failure note names what was supplied
            properties = {
                "name": name,
                "outputs": dict(given) if given is not None else UNKNOWN,
                "secretOutputNames": [] if given is not None else UNKNOWN,
            }
        record = RecordedResource(
            urn=urn,
            type=request.type,
            name=request.name,
            custom=True,
            parent=request.parent or None,
            inputs=properties,
            outputs=dict(properties),
            id=request.id or None,
            dependencies=list(request.dependencies),
            provider=request.provider or None,
            external=True,
        )
        with self._lock:
            if urn in self._records:
                self.duplicate_urns.append(urn)
                raise _Refused(grpc.StatusCode.ALREADY_EXISTS, f"Duplicate resource URN '{urn}'; try giving it a unique name")
            self._records[urn] = record
        return resource_pb2.ReadResourceResponse(urn=urn, properties=to_struct(properties))

    def invoke(self, request: resource_pb2.ResourceInvokeRequest) -> resource_pb2.ResourceInvokeResponse:
        """Stack invoke transforms, then the offline answer of the function."""
        self._check_open(f"invoke of {request.tok}")
        args = request.args
        for callback in list(self._invoke_transforms):
            transform = resource_pb2.TransformInvokeRequest(token=request.tok, args=args, options=resource_pb2.TransformInvokeOptions())
            answer = resource_pb2.TransformInvokeResponse.FromString(self._callback(callback, transform.SerializeToString()))
            if answer.HasField("args"):
                args = answer.args
        with self._lock:
            self.invokes[request.tok] += 1
        from pulumi.runtime.mocks import MockCallArgs

        result = self._mocks.call(MockCallArgs(token=request.tok, args=json_format.MessageToDict(args), provider=request.provider))
        values, failures = (result, None) if isinstance(result, dict) else result
        response = resource_pb2.ResourceInvokeResponse()
        getattr(response, "return").CopyFrom(to_struct(dict(values or {})))
        for prop, reason in failures or []:
            response.failures.add(property=prop, reason=reason)
        return response

    def register_stack_transform(self, callback: callback_pb2.Callback) -> None:
        self._check_open("a stack transform")
        with self._lock:
            self._stack_transforms.append(callback)

    def register_stack_invoke_transform(self, callback: callback_pb2.Callback) -> None:
        self._check_open("a stack invoke transform")
        with self._lock:
            self._invoke_transforms.append(callback)

    def register_package(self, request: resource_pb2.RegisterPackageRequest) -> str:
        """A package reference (parameterized packages): remembered for default providers."""
        ref = str(uuid.uuid4())
        with self._lock:
            self._packages[ref] = request.name
        return ref

    def signal_shutdown(self) -> None:
        """The SDK's positive signal that the program ran to completion and every RPC finished."""
        with self._lock:
            self.shutdown_signalled = True

    # --- Engine --------------------------------------------------------------------------------

    def log(self, request: engine_pb2.LogRequest) -> None:
        if request.ephemeral:
            return
        with self._lock:
            if request.severity == _LOG_ERROR:
                self.errors.append(request.message)
            elif request.severity == _LOG_WARNING:
                self.warnings.append(request.message)

    def set_root(self, urn: str) -> None:
        with self._lock:
            self._root_urn = urn

    def root(self) -> str:
        with self._lock:
            return self._root_urn

    # --- internals --------------------------------------------------------------------------

    def _check_open(self, what: str) -> None:
        with self._lock:
            late = self._closed or self.shutdown_signalled
            if late:
                self.late_registrations.append(what)
        if late:
            raise _Refused(grpc.StatusCode.FAILED_PRECONDITION, f"{what}: the program already signalled completion")

    def _transformed(
        self, request: resource_pb2.RegisterResourceRequest, parent: str
    ) -> tuple[struct_pb2.Struct, resource_pb2.TransformResourceOptions, list[callback_pb2.Callback]]:
        """Run own, then ancestors', then stack transforms, as source_eval.go does."""
        options = _transform_options(request)
        with self._lock:
            pending = self._pending_transforms.pop(f"{parent}::{request.type}::{request.name}", None)
            own = pending if pending is not None else list(request.transforms)
            transforms = list(own)
            current = parent
            while current:
                transforms.extend(self._resource_transforms.get(current, ()))
                current = self._parents.get(current, "")
            transforms.extend(self._stack_transforms)
        properties = request.object
        for callback in transforms:
            message = resource_pb2.TransformRequest(
                type=request.type, name=request.name, custom=request.custom, parent=parent, properties=properties, options=options
            )
            answer = resource_pb2.TransformResponse.FromString(self._callback(callback, message.SerializeToString()))
            if answer.HasField("properties"):
                properties = answer.properties
            if answer.HasField("options"):
                options = answer.options
        return properties, options, own

    def _callback(self, callback: callback_pb2.Callback, request: bytes) -> bytes:
        """Call the program's callbacks server (it runs the transform function in the program)."""
        with self._lock:
            channel = self._callback_channels.get(callback.target)
            if channel is None:
                channel = grpc.insecure_channel(
                    callback.target,
                    options=[("grpc.max_send_message_length", MAX_MESSAGE_BYTES), ("grpc.max_receive_message_length", MAX_MESSAGE_BYTES)],
                )
                self._callback_channels[callback.target] = channel
        stub = callback_pb2_grpc.CallbacksStub(channel)
        try:
            return stub.Invoke(callback_pb2.CallbackInvokeRequest(token=callback.token, request=request)).response
        except grpc.RpcError as exc:
            details = exc.details() if isinstance(exc, grpc.Call) else str(exc)
            raise _Refused(grpc.StatusCode.UNKNOWN, f"invoke transform: {details}") from None

    def _default_provider_ref(self, package: str, version: str) -> tuple[str, Optional[RecordedResource]]:
        """The default provider's reference, and its record if this call created it (lock held)."""
        key = (package, version)
        ref = self._default_providers.get(key)
        if ref is not None:
            return ref, None
        # In a preview a new provider's id is unknown (the engine's registry, as for any resource).
        provider = default_provider_record(package, version, self._provider_config.get(package, {}), self.make_urn, lambda _: UNKNOWN_ID)
        self._records[provider.urn] = provider
        ref = f"{provider.urn}::{UNKNOWN_ID}"
        self._default_providers[key] = ref
        return ref, provider

    @contextlib.contextmanager
    def _invalid_properties_recorded(self, urn: str, what: str) -> Iterator[None]:
        try:
            yield
        except PropertyValueError as exc:
            error = InvalidPropertyError(urn, what, str(exc))
            with self._lock:
                self.invalid_properties.append(error)
            raise _Refused(grpc.StatusCode.INVALID_ARGUMENT, error.message) from None


@dataclass(frozen=True)
class ComponentPackage:
    """A component provider the project names (``packages: {name: path}`` in Pulumi.yaml, as
    ``pulumi package add <path>`` writes it): its directory and the interpreter that serves it."""

    name: str
    directory: Path
    python: Path


class ComponentPlugin:
    """A running component provider, started as the language host starts a Python plugin
    (``python <plugin dir> <engine address>``; it prints its port, then serves)."""

    def __init__(self, package: ComponentPackage, engine_address: str) -> None:
        self.package = package
        try:
            self._process = subprocess.Popen(
                [str(package.python), "-u", str(package.directory), engine_address],
                cwd=package.directory,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                close_fds=True,
            )
        except OSError as exc:
            raise _Refused(grpc.StatusCode.UNAVAILABLE, f"could not start the component provider {package.name}: {exc}") from None
        assert self._process.stdout is not None
        line = self._process.stdout.readline().decode("utf-8", errors="replace").strip()
        if not line.isdigit():
            error = self._process.stderr.read().decode("utf-8", errors="replace")[-2000:] if self._process.stderr else ""
            self.close()
            raise _Refused(grpc.StatusCode.UNAVAILABLE, f"the component provider {package.name} did not start: {error or line}")
        # The provider's log (stderr) is drained, so that a chatty provider never blocks on it.
        threading.Thread(target=self._drain, name=f"gate-plugin-{package.name}", daemon=True).start()
        self._channel = grpc.insecure_channel(
            f"127.0.0.1:{line}",
            options=[("grpc.max_send_message_length", MAX_MESSAGE_BYTES), ("grpc.max_receive_message_length", MAX_MESSAGE_BYTES)],
        )
        self._stub = provider_pb2_grpc.ResourceProviderStub(self._channel)

    def _drain(self) -> None:
        """Read the provider's stderr to its end, so a chatty provider never blocks on a full pipe."""
        stderr = self._process.stderr
        with contextlib.suppress(OSError, ValueError):
            chunk = stderr.read(1 << 16) if stderr is not None else b""
            while chunk:
                chunk = stderr.read(1 << 16) if stderr is not None else b""

    def construct(self, request: provider_pb2.ConstructRequest) -> provider_pb2.ConstructResponse:
        try:
            return self._stub.Construct(request)
        except grpc.RpcError as exc:
            details = exc.details() if isinstance(exc, grpc.Call) else str(exc)
            raise _Refused(grpc.StatusCode.UNKNOWN, f"construct {request.type} '{request.name}': {details}") from None

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self._process.kill()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self._process.wait(5)
        channel = getattr(self, "_channel", None)
        if channel is not None:
            channel.close()


def _preview_state(type_token: str, inputs: dict[str, Any], is_provider: bool) -> Optional[dict[str, Any]]:
    """A new custom resource's state in a preview. azure-native resources: what its
    ``Create(preview=true)`` answers (``preview_state.py``: every output, unknown unless an input
    of the same name and shape gives it). Provider resources, other packages and types the
    installed SDK does not declare: the inputs (the engine's answer for a provider that does not
    support previews, provider_plugin.go l. 1442; the gate does not run those providers): None."""
    if is_provider or package_of(type_token) != AZURE_NATIVE:
        return None
    try:
        return preview_state(type_token, inputs)
    except UnknownResourceType:
        return None


def _transform_options(request: resource_pb2.RegisterResourceRequest) -> resource_pb2.TransformResourceOptions:
    """The registration's options as the engine hands them to transforms (source_eval.go)."""
    options = resource_pb2.TransformResourceOptions(
        depends_on=list(request.dependencies),
        ignore_changes=list(request.ignoreChanges),
        replace_on_changes=list(request.replaceOnChanges),
        version=request.version,
        aliases=list(request.aliases) or [alias_pb2.Alias(urn=u) for u in request.aliasURNs],
        provider=request.provider,
        plugin_download_url=request.pluginDownloadURL,
        deleted_with=request.deletedWith,
        additional_secret_outputs=list(request.additionalSecretOutputs),
        providers=dict(request.providers),
        hide_diff=list(request.hideDiffs),
    )
    if request.HasField("protect"):
        options.protect = request.protect
    if request.HasField("retainOnDelete"):
        options.retain_on_delete = request.retainOnDelete
    if request.deleteBeforeReplaceDefined:
        options.delete_before_replace = request.deleteBeforeReplace
    if request.HasField("customTimeouts"):
        options.custom_timeouts.CopyFrom(request.customTimeouts)
    return options


def _options(options: resource_pb2.TransformResourceOptions, urn: str, request: Any) -> ResourceOptions:
    """The analyzer-visible resource options after transforms."""
    from .recorder import _alias_urn  # noqa: PLC0415 (one alias rule for both monitors)

    timeouts: Optional[CustomTimeouts] = None
    if options.HasField("custom_timeouts"):
        t = options.custom_timeouts
        timeouts = CustomTimeouts(create=duration_seconds(t.create), update=duration_seconds(t.update), delete=duration_seconds(t.delete))
    head, project, _ = urn.split("::", 2)
    aliases = [_alias_urn(alias, request, head.removeprefix("urn:pulumi:"), project) for alias in options.aliases]
    return ResourceOptions(
        protect=bool(options.protect),
        ignore_changes=tuple(options.ignore_changes),
        delete_before_replace=options.delete_before_replace if options.HasField("delete_before_replace") else None,
        aliases=tuple(a for a in aliases if a),
        custom_timeouts=timeouts,
        additional_secret_outputs=tuple(options.additional_secret_outputs),
    )


# --- gRPC services ------------------------------------------------------------------------------


def _answering(context: grpc.ServicerContext, engine: GateEngine, call: Callable[[], Any]) -> Any:
    """Run one RPC; a refusal or a failure becomes the RPC's error (and is kept as a failure)."""
    try:
        return call()
    except _Refused as refused:
        context.abort(refused.code, refused.message)
    except Exception as exc:  # noqa: BLE001 any engine failure fails the run, never passes it
        with engine._lock:  # noqa: SLF001
            engine.failures.append(f"{type(exc).__name__}: {exc}")
        context.abort(grpc.StatusCode.INTERNAL, f"the gate's engine failed: {type(exc).__name__}: {exc}")


class _ResourceMonitor(resource_pb2_grpc.ResourceMonitorServicer):
    def __init__(self, engine: GateEngine) -> None:
        self._engine = engine

    def GetDeploymentInfo(self, request: Any, context: Any) -> Any:  # noqa: N802
        """As source_eval.go answers it: identity, config, dry run, parallelism, features."""
        engine = self._engine
        features = [getattr(resource_pb2, name) for _, name in _MONITOR_FEATURES if hasattr(resource_pb2, name)]
        return resource_pb2.DeploymentInfo(
            project=engine.project,
            stack=engine.stack,
            organization=ORGANIZATION,
            config=dict(engine.config),
            configSecretKeys=list(engine.secret_keys),
            dryRun=True,
            parallel=default_parallel(),
            supportedFeatures=features,
        )

    def SupportsFeature(self, request: Any, context: Any) -> Any:  # noqa: N802
        return resource_pb2.SupportsFeatureResponse(hasSupport=request.id in SUPPORTED_FEATURES)

    def RegisterResource(self, request: Any, context: Any) -> Any:  # noqa: N802
        return _answering(context, self._engine, lambda: self._engine.register_resource(request))

    def RegisterResourceOutputs(self, request: Any, context: Any) -> Any:  # noqa: N802
        _answering(context, self._engine, lambda: self._engine.register_resource_outputs(request))
        return empty_pb2.Empty()

    def ReadResource(self, request: Any, context: Any) -> Any:  # noqa: N802
        return _answering(context, self._engine, lambda: self._engine.read_resource(request))

    def Invoke(self, request: Any, context: Any) -> Any:  # noqa: N802
        return _answering(context, self._engine, lambda: self._engine.invoke(request))

    def Call(self, request: Any, context: Any) -> Any:  # noqa: N802
        context.abort(
            grpc.StatusCode.UNIMPLEMENTED, f"{request.tok}: method calls need the provider plugin, which the offline gate does not run"
        )

    def RegisterStackTransform(self, request: Any, context: Any) -> Any:  # noqa: N802
        _answering(context, self._engine, lambda: self._engine.register_stack_transform(request))
        return empty_pb2.Empty()

    def RegisterStackInvokeTransform(self, request: Any, context: Any) -> Any:  # noqa: N802
        _answering(context, self._engine, lambda: self._engine.register_stack_invoke_transform(request))
        return empty_pb2.Empty()

    def RegisterResourceHook(self, request: Any, context: Any) -> Any:  # noqa: N802
        # Hooks run around create/update/delete steps, which a preview does not perform.
        return empty_pb2.Empty()

    def RegisterErrorHook(self, request: Any, context: Any) -> Any:  # noqa: N802
        return empty_pb2.Empty()

    def RegisterPackage(self, request: Any, context: Any) -> Any:  # noqa: N802
        return resource_pb2.RegisterPackageResponse(ref=self._engine.register_package(request))

    def SignalAndWaitForShutdown(self, request: Any, context: Any) -> Any:  # noqa: N802
        self._engine.signal_shutdown()
        return empty_pb2.Empty()


class _Engine(engine_pb2_grpc.EngineServicer):
    def __init__(self, engine: GateEngine) -> None:
        self._engine = engine

    def Log(self, request: Any, context: Any) -> Any:  # noqa: N802
        self._engine.log(request)
        return empty_pb2.Empty()

    def GetRootResource(self, request: Any, context: Any) -> Any:  # noqa: N802
        return engine_pb2.GetRootResourceResponse(urn=self._engine.root())

    def SetRootResource(self, request: Any, context: Any) -> Any:  # noqa: N802
        self._engine.set_root(request.urn)
        return engine_pb2.SetRootResourceResponse()


class EngineServer:
    """The gRPC server of one GateEngine on 127.0.0.1 (an ephemeral port)."""

    def __init__(self, engine: GateEngine) -> None:
        self.engine = engine
        self._server = grpc.server(
            concurrent.futures.ThreadPoolExecutor(max_workers=SERVER_THREADS, thread_name_prefix="gate-engine"),
            options=[("grpc.max_send_message_length", MAX_MESSAGE_BYTES), ("grpc.max_receive_message_length", MAX_MESSAGE_BYTES)],
        )
        resource_pb2_grpc.add_ResourceMonitorServicer_to_server(_ResourceMonitor(engine), self._server)
        engine_pb2_grpc.add_EngineServicer_to_server(_Engine(engine), self._server)
        port = self._server.add_insecure_port("127.0.0.1:0")
        if not port:
            raise OSError("could not bind the gate's engine to a local port")
        self.address = engine.address = f"127.0.0.1:{port}"
        self._server.start()

    def stop(self) -> EngineRecord:
        """Stop serving (in-flight calls are cancelled) and return the record."""
        record = self.engine.close()
        self._server.stop(grace=None)
        return record


def default_parallel() -> int:
    """``pulumi preview``'s default ``--parallel``: GOMAXPROCS * 4 (pkg/cmd/pulumi/operations/up.go)."""
    return (os.cpu_count() or 1) * 4
