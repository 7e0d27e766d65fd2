"""Drive a policy pack over the analyzer gRPC protocol, as the Pulumi engine does.

Sequence (same as ``pulumi preview --policy-pack``):
Handshake (Python packs answer UNIMPLEMENTED, which the CLI tolerates) -> ConfigureStack ->
GetAnalyzerInfo -> Configure (the reconciled policy config) -> for each resource the engine
registers, in order: [Remediate, only when some policy is at level ``remediate``] + Analyze with
its *inputs* -> AnalyzeStack once with every resource's *outputs*, parent and dependencies.

Like the engine, ``Analyze`` is sent for every registered resource that the engine steps through:
custom resources, component resources, the root stack and provider resources (components and the
stack usually have empty inputs); ``Resource.get`` reads are only part of ``AnalyzeStack``.
Diagnostics of ``Analyze`` are attributed to the analyzed resource's URN, whatever URN the pack put
in them (engine behaviour).

``PolicyPackSession.stream`` does the same conversation while the program still runs, as the
engine does: each resource is analysed as soon as it is registered (the pack works in its own
process while the program registers the rest), AnalyzeStack follows once the program completed.
Findings are then put in the plan's (dependency) order, so the report does not depend on the
order in which registrations happened to complete.
"""

from __future__ import annotations

import collections
import gc
import threading
import time
from pathlib import Path
from typing import Any, Iterable, Iterator, Literal, Mapping, Optional, Sequence

import grpc
from google.protobuf import empty_pb2, json_format
from pulumi.runtime.proto import analyzer_pb2, analyzer_pb2_grpc

from .errors import PolicyPackError
from .findings import control_ids, finding_from_diagnostic, level_name
from .messages import analyze_request, provider_messages, stack_resource
from .model import AnalysisResult, AnalyzerInfo, Finding, JsonDict, Level, PolicyInfo, PolicyType, RecordedResource
from .pack_process import ORGANIZATION, RPC_TIMEOUT_SECONDS, START_TIMEOUT_SECONDS, PolicyPackProcess
from .policy_config import PolicyConfigInput, check_policy_config, load_policy_config, reconcile

MAX_MESSAGE_BYTES = 400 * 1024 * 1024
"""pulumi-policy's own limit; AnalyzeStack of a large stack exceeds gRPC's 4 MB default."""
ANALYZE_WINDOW = 16
"""Analyze calls kept in flight at once. The pack serves 4 threads; overlapping hides latency."""

_LEVEL_VALUES = {
    "advisory": analyzer_pb2.ADVISORY,
    "mandatory": analyzer_pb2.MANDATORY,
    "remediate": analyzer_pb2.REMEDIATE,
    "disabled": analyzer_pb2.DISABLED,
}

_POLICY_TYPES: dict[int, PolicyType] = {
    analyzer_pb2.POLICY_TYPE_RESOURCE: "resource",
    analyzer_pb2.POLICY_TYPE_STACK: "stack",
}

_LEVEL_NAMES: dict[str, Level] = {"advisory": "advisory", "mandatory": "mandatory", "remediate": "remediate", "disabled": "disabled"}

_SEVERITY_NAMES = {
    analyzer_pb2.POLICY_SEVERITY_LOW: "low",
    analyzer_pb2.POLICY_SEVERITY_MEDIUM: "medium",
    analyzer_pb2.POLICY_SEVERITY_HIGH: "high",
    analyzer_pb2.POLICY_SEVERITY_CRITICAL: "critical",
}


class AnalyzerClient:
    """Typed wrapper around ``AnalyzerStub`` with deadlines and readable errors.

    Every call has a deadline: ``rpc_timeout``, cut short by ``deadline`` (a ``time.monotonic``
    instant: the end of the whole preview), so a pack that hangs cannot hang the preview.
    """

    def __init__(self, channel: grpc.Channel, rpc_timeout: float = RPC_TIMEOUT_SECONDS, deadline: Optional[float] = None) -> None:
        self._stub = analyzer_pb2_grpc.AnalyzerStub(channel)
        # AnalyzeStack takes the request already encoded (see analyze_stack); same method, same wire bytes.
        self._analyze_stack_encoded = channel.unary_unary(
            "/pulumirpc.Analyzer/AnalyzeStack",
            request_serializer=None,
            response_deserializer=analyzer_pb2.AnalyzeResponse.FromString,
        )
        self._rpc_timeout = rpc_timeout
        self._deadline = deadline

    @property
    def _timeout(self) -> float:
        """Seconds the next call may take."""
        if self._deadline is None:
            return self._rpc_timeout
        return max(0.001, min(self._rpc_timeout, self._deadline - time.monotonic()))

    def handshake(self, pack_dir: Path) -> None:
        """Send Handshake; UNIMPLEMENTED (all Python packs today) is fine, as for the CLI."""
        request = analyzer_pb2.AnalyzerHandshakeRequest(engine_address="", root_directory=str(pack_dir), program_directory=str(pack_dir))
        self._call_optional("Handshake", lambda: self._stub.Handshake(request, timeout=self._timeout))

    def configure_stack(
        self,
        project: str,
        stack: str,
        config: Mapping[str, str],
        secret_keys: Sequence[str],
        tags: Mapping[str, str],
    ) -> None:
        """Send ConfigureStack (stack identity, config, tags; pulumi-policy keeps only the tags)."""
        request = analyzer_pb2.AnalyzerStackConfigureRequest(
            stack=stack,
            project=project,
            organization=ORGANIZATION,
            dry_run=True,
            config=dict(config),
            config_secret_keys=list(secret_keys),
            tags=dict(tags),
        )
        self._call_optional("ConfigureStack", lambda: self._stub.ConfigureStack(request, timeout=self._timeout))

    def get_info(self) -> AnalyzerInfo:
        """GetAnalyzerInfo: the policies with their descriptions, levels and config schemas."""
        info = self._call("GetAnalyzerInfo", lambda: self._stub.GetAnalyzerInfo(empty_pb2.Empty(), timeout=self._timeout))
        policies = tuple(
            PolicyInfo(
                name=p.name,
                description=p.description,
                enforcement_level=level_name(p.enforcementLevel),
                config_schema=_schema(p) if info.supportsConfig else None,
                severity=_SEVERITY_NAMES.get(p.severity),
                remediation=p.remediation_steps,
                tags=tuple(p.tags),
                policy_type=_POLICY_TYPES.get(p.policy_type, "unknown"),
            )
            for p in info.policies
        )
        initial = {
            name: {
                # An unset level reads as ADVISORY (proto default), exactly as the CLI reads it.
                "enforcementLevel": level_name(entry.enforcementLevel),
                **json_format.MessageToDict(entry.properties),
            }
            for name, entry in info.initialConfig.items()
        }
        return AnalyzerInfo(
            name=info.name,
            version=info.version,
            supports_config=info.supportsConfig,
            policies=policies,
            initial_config=initial,
        )

    def configure(self, config: Mapping[str, JsonDict]) -> None:
        """Configure with ``{policy: {"enforcementLevel": ..., **properties}}`` (skipped if empty, as the CLI)."""
        if not config:
            return
        request = analyzer_pb2.ConfigureAnalyzerRequest()
        for name, entry in config.items():
            properties = {k: v for k, v in entry.items() if k != "enforcementLevel"}
            target = request.policyConfig[name]
            target.enforcementLevel = _LEVEL_VALUES[str(entry.get("enforcementLevel", "advisory"))]
            if properties:
                target.properties.update(properties)
        self._call("Configure", lambda: self._stub.Configure(request, timeout=self._timeout))

    def analyze(self, requests: Iterable[tuple[str, analyzer_pb2.AnalyzeRequest]]) -> Iterator[tuple[str, analyzer_pb2.AnalyzeResponse]]:
        """Analyze each (urn, request), keeping up to ANALYZE_WINDOW calls in flight; yields in order."""
        pending: collections.deque[tuple[str, Any]] = collections.deque()
        for urn, request in requests:
            pending.append((urn, self.analyze_call(request)))
            if len(pending) >= ANALYZE_WINDOW:
                yield self.settle(*pending.popleft())
        while pending:
            yield self.settle(*pending.popleft())

    def analyze_call(self, request: analyzer_pb2.AnalyzeRequest) -> Any:
        """Send one Analyze call; ``settle`` gives its answer."""
        return self._stub.Analyze.future(request, timeout=self._timeout)

    def remediate(self, urn: str, request: analyzer_pb2.AnalyzeRequest) -> analyzer_pb2.RemediateResponse:
        """Remediate one resource (only called when a policy runs at level ``remediate``)."""
        return self._call(f"Remediate({urn})", lambda: self._stub.Remediate(request, timeout=self._timeout))

    def analyze_stack(self, resources: Iterable[analyzer_pb2.AnalyzerResource]) -> analyzer_pb2.AnalyzeResponse:
        """AnalyzeStack with every resource of the stack, encoded one resource at a time.

        Building the whole AnalyzeStackRequest first would hold every resource twice (the message
        and its encoding: 20,000 resources, ~600 MiB); each resource is encoded and dropped instead.
        """
        request = encode_stack_request(resources)
        return self._call("AnalyzeStack", lambda: self._analyze_stack_encoded(request, timeout=self._timeout))

    def settle(self, urn: str, future: Any) -> tuple[str, analyzer_pb2.AnalyzeResponse]:
        """The answer of an ``analyze_call`` (waits for it), or the PolicyPackError it ended in."""
        try:
            return urn, future.result()
        except grpc.RpcError as exc:
            raise _pack_error(f"Analyze({urn})", exc) from None

    def _call(self, what: str, fn: Any) -> Any:
        try:
            return fn()
        except grpc.RpcError as exc:
            raise _pack_error(what, exc) from None

    def _call_optional(self, what: str, fn: Any) -> None:
        try:
            fn()
        except grpc.RpcError as exc:
            if _code(exc) != grpc.StatusCode.UNIMPLEMENTED:
                raise _pack_error(what, exc) from None


def encode_stack_request(resources: Iterable[analyzer_pb2.AnalyzerResource]) -> bytes:
    """The wire encoding of ``AnalyzeStackRequest(resources=resources)``.

    ``resources`` is the message's only field (number 1, length-delimited), and the protobuf
    encoding of a repeated message field is each element's key, length and bytes in turn
    (https://protobuf.dev/programming-guides/encoding/#optional), so the elements can be encoded
    separately and joined.
    """
    parts: list[bytes] = []
    for resource in resources:
        encoded = resource.SerializeToString()
        parts.append(_RESOURCES_KEY + _varint(len(encoded)))
        parts.append(encoded)
    return b"".join(parts)


_RESOURCES_KEY = bytes([1 << 3 | 2])
"""Field 1, wire type 2 (length-delimited)."""


def _varint(value: int) -> bytes:
    out = bytearray()
    while value > 0x7F:
        out.append(value & 0x7F | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


class PolicyPackSession:
    """A policy pack subprocess plus one gRPC channel to it. Start it early; always close it."""

    def __init__(
        self,
        process: PolicyPackProcess,
        project: str,
        stack: str,
        config: Optional[Mapping[str, str]] = None,
        secret_keys: Sequence[str] = (),
        rpc_timeout: float = RPC_TIMEOUT_SECONDS,
        start_timeout: float = START_TIMEOUT_SECONDS,
        stack_tags: Optional[Mapping[str, str]] = None,
        deadline: Optional[float] = None,
    ) -> None:
        self.process = process
        self._deadline = deadline
        self._stack_tags = dict(stack_tags or {})
        self._project = project
        self._stack = stack
        self._config = dict(config or {})
        self._secret_keys = list(secret_keys)
        self._rpc_timeout = rpc_timeout
        self._start_timeout = start_timeout
        self._channel: Optional[grpc.Channel] = None

    @classmethod
    def start(
        cls,
        pack_dir: Path,
        project: str,
        stack: str,
        config: Optional[Mapping[str, str]] = None,
        secret_keys: Sequence[str] = (),
        rpc_timeout: float = RPC_TIMEOUT_SECONDS,
        start_timeout: float = START_TIMEOUT_SECONDS,
        stack_tags: Optional[Mapping[str, str]] = None,
    ) -> "PolicyPackSession":
        """Launch the pack now; the first ``analyze`` waits for it to be ready."""
        config = dict(config or {})
        process = PolicyPackProcess.start(pack_dir, project, stack, config, list(secret_keys))
        return cls(process, project, stack, config, secret_keys, rpc_timeout, start_timeout, stack_tags)

    def __enter__(self) -> "PolicyPackSession":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Kill the pack, then close the channel (closing first would wait for a graceful goodbye)."""
        self.process.close()
        if self._channel is not None:
            self._channel.close()
            self._channel = None

    def analyze(self, resources: Sequence[RecordedResource], policy_config: PolicyConfigInput = None) -> AnalysisResult:
        """Run the whole analyzer conversation for these resources and collect the findings.

        May be called several times on one session (each call reconfigures the pack). Everything
        alive when the conversation starts (the recorded resources above all) is moved out of the
        cyclic garbage collector's reach meanwhile: none of it can become garbage during the
        conversation, and rescanning it on every collection made 10,000-resource stacks
        super-linear.
        """
        gc.freeze()
        try:
            return self._analyze(resources, policy_config)
        finally:
            gc.unfreeze()

    def stream(self, policy_config: PolicyConfigInput = None, origin: str = "") -> "StreamingAnalysis":
        """Start a conversation that analyses resources as they are submitted (see the module docstring).

        ``origin`` names the file an already-parsed ``policy_config`` came from, for its errors."""
        return StreamingAnalysis(self, policy_config, origin)

    def _configured_client(
        self, policy_config: PolicyConfigInput, origin: str = ""
    ) -> tuple["AnalyzerClient", AnalyzerInfo, dict[str, Level]]:
        """Connect, configure the stack and the policies; (client, info, each policy's effective level)."""
        client = AnalyzerClient(self._connect(), self._rpc_timeout, self._deadline)
        client.handshake(self.process.pack_dir)
        client.configure_stack(self._project, self._stack, self._config, self._secret_keys, self._stack_tags)
        info = client.get_info()
        given = load_policy_config(policy_config)
        origin = str(policy_config) if isinstance(policy_config, (str, Path)) else origin
        check_policy_config(info, given, origin)
        effective = reconcile(info, given, origin)
        client.configure(effective)
        levels: dict[str, Level] = {
            p.name: _LEVEL_NAMES.get(str(effective[p.name].get("enforcementLevel")), "advisory") for p in info.policies
        }
        return client, info, levels

    def _analyze(self, resources: Sequence[RecordedResource], policy_config: PolicyConfigInput) -> AnalysisResult:
        client, info, levels = self._configured_client(policy_config)
        conversation = _Conversation(client, info, resources)
        conversation.analyze_each(remediate="remediate" in levels.values())
        conversation.analyze_stack()
        return AnalysisResult(
            analyzer=info,
            findings=conversation.findings,
            not_applicable=conversation.not_applicable,
            pack_log=self.process.log,
            levels=levels,
        )

    def _start_budget(self) -> float:
        if self._deadline is None:
            return self._start_timeout
        return max(0.001, min(self._start_timeout, self._deadline - time.monotonic()))

    def _connect(self) -> grpc.Channel:
        if self._channel is None:
            port = self.process.wait_for_port(self._start_budget())
            channel = grpc.insecure_channel(
                f"127.0.0.1:{port}",
                options=[
                    ("grpc.max_send_message_length", MAX_MESSAGE_BYTES),
                    ("grpc.max_receive_message_length", MAX_MESSAGE_BYTES),
                ],
            )
            try:
                grpc.channel_ready_future(channel).result(timeout=self._start_budget())
            except grpc.FutureTimeoutError:
                channel.close()
                raise PolicyPackError(f"policy pack on port {port} did not accept a connection") from None
            self._channel = channel
        return self._channel


STREAM_IN_FLIGHT = 512
"""Analyze calls a streamed conversation keeps in flight before it waits for the oldest one."""


class StreamingAnalysis:
    """Analyze calls for resources while they are registered; AnalyzeStack at ``finish``.

    ``submit`` (thread-safe) sends a resource's Analyze call at once, from the submitting thread
    (the program's thread: the mock monitor runs in it), and collects the answers that are already
    in, so the pack analyses in its own process while the program registers the rest. A thread
    connects to and configures the pack first (resources submitted meanwhile wait for it). Calls
    made from a separate thread were starved: the program holds the interpreter lock, and a
    10,000-resource program ended with 334 resources analysed, the rest in series after it.

    ``finish`` waits for every answer, re-raises what stopped the conversation, checks that
    exactly the plan's analysable resources were analysed, then sends AnalyzeStack. ``abandon``
    stops after a failed program (there is no verdict). A failure never reaches the program: it
    stops the conversation and ``finish`` raises it.
    """

    def __init__(self, session: PolicyPackSession, policy_config: PolicyConfigInput, origin: str = "") -> None:
        self._session = session
        self._policy_config = policy_config
        self._origin = origin
        self._lock = threading.Lock()
        self._error: Optional[BaseException] = None
        self._client: Optional[AnalyzerClient] = None
        self._info: Optional[AnalyzerInfo] = None
        self._conversation: Optional[_Conversation] = None
        self._remediate = False
        self._levels: dict[str, Level] = {}
        self._waiting: list[RecordedResource] = []
        self._pending: collections.deque[tuple[str, Any]] = collections.deque()
        self._results: dict[str, tuple[list[Finding], list[tuple[str, str, str]]]] = {}
        self._ended = False
        self._thread = threading.Thread(target=self._configure, name="offline-preview-analyze", daemon=True)
        self._thread.start()

    def submit(self, resource: RecordedResource) -> None:
        """Analyze this resource (reads, ``external``, are only part of AnalyzeStack and are ignored)."""
        if resource.external:
            return
        with self._lock:
            if self._ended or self._error is not None:
                return
            if self._conversation is None:
                self._waiting.append(resource)
                return
            self._failing_stops(self._send, resource)
            self._failing_stops(self._collect_answered)

    def wait_configured(self) -> None:
        """Block until the pack is connected, configured and has described its policies
        (``GetAnalyzerInfo``); raise what stopped that."""
        self._thread.join()
        with self._lock:
            if self._error is not None:
                raise self._error

    def sent(self) -> int:
        """How many resources' Analyze calls have been sent so far (answered or not)."""
        with self._lock:
            return len(self._results) + len(self._pending)

    def abandon(self) -> None:
        """Stop without a verdict (the program failed); the session's close kills the pack."""
        with self._lock:
            self._ended = True
            self._pending.clear()
        self._thread.join(timeout=5)

    def finish(self, resources: Sequence[RecordedResource]) -> AnalysisResult:
        """The verdict on ``resources`` (the whole plan, in its order): every analysable one analysed."""
        self._thread.join()  # configuring has deadlines of its own
        with self._lock:
            self._ended = True
            while self._pending and self._error is None:
                self._failing_stops(self._settle, *self._pending.popleft())
        if self._error is not None:
            raise self._error
        assert self._client is not None and self._info is not None
        expected = [r.urn for r in resources if not r.external]
        if len(expected) != len(self._results) or any(urn not in self._results for urn in expected):
            # defensive: a verdict must cover every registered resource, and only those
            raise PolicyPackError(f"the policy pack analysed {len(self._results)} resources, the plan has {len(expected)}; no verdict")
        # As in PolicyPackSession.analyze: nothing alive now becomes garbage meanwhile. The
        # program's SDK objects (resources and their outputs reference each other) are garbage
        # by now: collect them first, or freezing would keep them for good.
        gc.collect()
        gc.freeze()
        try:
            conversation = _Conversation(self._client, self._info, resources)
            for urn in expected:
                findings, not_applicable = self._results[urn]
                conversation.findings.extend(findings)
                conversation.not_applicable.extend(not_applicable)
            conversation.analyze_stack()
        finally:
            gc.unfreeze()
        return AnalysisResult(
            analyzer=self._info,
            findings=conversation.findings,
            not_applicable=conversation.not_applicable,
            pack_log=self._session.process.log,
            levels=self._levels,
        )

    def _configure(self) -> None:
        try:
            client, info, levels = self._session._configured_client(self._policy_config, self._origin)  # noqa: SLF001
        except BaseException as exc:  # noqa: BLE001 re-raised by finish, in the calling thread
            with self._lock:
                self._error = exc
            return
        with self._lock:
            self._client, self._info, self._levels = client, info, levels
            self._remediate = "remediate" in levels.values()
            self._conversation = _Conversation(client, info, ())
            for resource in self._waiting:
                if self._ended or self._error is not None:
                    break
                self._failing_stops(self._send, resource)
            self._waiting.clear()

    def _failing_stops(self, step: Any, *args: Any) -> None:
        """Run one step of the conversation (lock held); a failure ends it, for finish to raise."""
        try:
            step(*args)
        except Exception as exc:  # noqa: BLE001 re-raised by finish (KeyboardInterrupt is not held back)
            self._error = exc
            self._pending.clear()

    def _send(self, resource: RecordedResource) -> None:
        assert self._client is not None and self._conversation is not None
        if resource.is_provider:
            self._conversation.providers.update(provider_messages([resource]))
        request = self._conversation.request_for(resource, self._remediate)
        self._pending.append((resource.urn, self._client.analyze_call(request)))
        if len(self._pending) > STREAM_IN_FLIGHT:  # the pack is behind: wait for its oldest answer
            self._settle(*self._pending.popleft())

    def _collect_answered(self) -> None:
        while self._pending and self._pending[0][1].done():
            self._settle(*self._pending.popleft())

    def _settle(self, urn: str, call: Any) -> None:
        assert self._client is not None and self._conversation is not None
        _, response = self._client.settle(urn, call)
        if urn in self._results:
            raise PolicyPackError(f"{urn} was submitted for analysis twice; no verdict")
        found, skipped = self._conversation.diagnostics(response, urn, "resource")
        self._results[urn] = (self._conversation.take_remediation_findings(urn) + found, skipped)


def analyze_resources(
    resources: Sequence[RecordedResource],
    pack_dir: Path | str,
    *,
    project: str = "project",
    stack: str = "stack",
    policy_config: PolicyConfigInput = None,
    config: Optional[Mapping[str, str]] = None,
    rpc_timeout: float = RPC_TIMEOUT_SECONDS,
) -> AnalysisResult:
    """Start the pack, send it these resources over gRPC like the engine, stop it, return findings."""
    with PolicyPackSession.start(Path(pack_dir), project, stack, config, rpc_timeout=rpc_timeout) as session:
        return session.analyze(resources, policy_config)


class _Conversation:
    """The per-resource and stack-level calls of one analysis, and what they found."""

    def __init__(self, client: AnalyzerClient, info: AnalyzerInfo, resources: Sequence[RecordedResource]) -> None:
        self._client = client
        self._resources = resources
        self._descriptions = {p.name: p.description for p in info.policies}
        self.providers = provider_messages(resources)
        self.findings: list[Finding] = []
        self.not_applicable: list[tuple[str, str, str]] = []
        self._remediation_findings: dict[str, list[Finding]] = {}

    def analyze_each(self, remediate: bool) -> None:
        """Analyze (after Remediate, if asked) every resource the engine steps through."""
        requests = ((r.urn, self.request_for(r, remediate)) for r in self._resources if not r.external)
        expected = sum(1 for r in self._resources if not r.external)
        answered = 0
        for urn, response in self._client.analyze(requests):
            self.findings.extend(self.take_remediation_findings(urn))
            self.collect(response, urn, "resource")
            answered += 1
        if answered != expected:  # defensive: a verdict must cover every registered resource
            raise PolicyPackError(f"the policy pack analysed {answered} of {expected} resources")

    def analyze_stack(self) -> None:
        """AnalyzeStack with every resource (reads included)."""
        response = self._client.analyze_stack(stack_resource(r, self.providers) for r in self._resources)
        self.collect(response, None, "stack")

    def request_for(self, resource: RecordedResource, remediate: bool) -> analyzer_pb2.AnalyzeRequest:
        """The resource's AnalyzeRequest (remediated first when a policy runs at level remediate)."""
        return self._remediated(resource) if remediate else analyze_request(resource, self.providers)

    def take_remediation_findings(self, urn: str) -> list[Finding]:
        """The findings Remediate reported for this resource (once)."""
        return self._remediation_findings.pop(urn, [])

    def collect(self, response: analyzer_pb2.AnalyzeResponse, urn: Optional[str], stage: Literal["resource", "stack"]) -> None:
        """Add a response's findings and not-applicable notes to this conversation's."""
        findings, not_applicable = self.diagnostics(response, urn, stage)
        self.findings.extend(findings)
        self.not_applicable.extend(not_applicable)

    def diagnostics(
        self, response: analyzer_pb2.AnalyzeResponse, urn: Optional[str], stage: Literal["resource", "stack"]
    ) -> tuple[list[Finding], list[tuple[str, str, str]]]:
        """A response's findings and its (policy, urn, reason) not-applicable notes."""
        findings: list[Finding] = []
        for diagnostic in response.diagnostics:
            # Resource-level findings belong to the analyzed resource (engine rule); stack-level
            # ones carry the URN the policy reported, if any.
            where = urn if stage == "resource" else (diagnostic.urn or None)
            description = self._descriptions.get(diagnostic.policyName, "")
            findings.append(finding_from_diagnostic(diagnostic, where, stage, description))
        return findings, [(n.policy_name, urn or "", n.reason) for n in response.not_applicable]

    def _remediated(self, resource: RecordedResource) -> analyzer_pb2.AnalyzeRequest:
        """Remediate first (engine pass 1); Analyze then sees the remediated properties."""
        request = analyze_request(resource, self.providers)
        response = self._client.remediate(resource.urn, request)
        for remediation in response.remediations:
            if remediation.diagnostic:
                description = self._descriptions.get(remediation.policyName, "")
                self._remediation_findings.setdefault(resource.urn, []).append(
                    Finding(
                        policy=remediation.policyName,
                        controls=control_ids(description, remediation.diagnostic),
                        urn=resource.urn,
                        level="advisory",
                        message=remediation.diagnostic,
                    )
                )
            elif remediation.HasField("properties"):
                request.properties.CopyFrom(remediation.properties)
        return request


def _schema(policy: analyzer_pb2.PolicyInfo) -> Optional[JsonDict]:
    if not policy.HasField("configSchema"):
        return None
    schema = policy.configSchema
    return {
        "properties": json_format.MessageToDict(schema.properties),
        "required": list(schema.required),
    }


def _code(exc: grpc.RpcError) -> Optional[grpc.StatusCode]:
    """The status code of a failed call (errors raised by stubs are also grpc.Call objects)."""
    return exc.code() if isinstance(exc, grpc.Call) else None


def _pack_error(what: str, exc: grpc.RpcError) -> PolicyPackError:
    code = _code(exc)
    if code == grpc.StatusCode.DEADLINE_EXCEEDED:
        return PolicyPackError(f"the policy pack did not answer {what} in time (deadline exceeded); no verdict")
    if code == grpc.StatusCode.UNAVAILABLE:
        return PolicyPackError(f"the policy pack went away during {what} (it exited or crashed); no verdict")
    text = exc.details() if isinstance(exc, grpc.Call) else str(exc)
    return PolicyPackError(f"policy pack failed in {what}: {code}: {text}")
