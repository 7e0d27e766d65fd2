"""Assembles the policy pack and serves it to the Pulumi engine.

`build_pack()` is what policy_pack/__main__.py calls: it serves the pack's analyzer over gRPC,
prints the port for the engine and blocks, exactly like pulumi_policy's `PolicyPack`, but with
`AizoneAnalyzerServicer`, which reports `AdvisoryMessage`s (exempted findings, values unknown
during preview, internal errors of a rule) at advisory level instead of the policy's level.
In-process drivers (tests, the offline preview) use `build_servicer()`.
"""

from __future__ import annotations

import asyncio
import gc
import math
import os
import re
import sys
from concurrent import futures
from dataclasses import dataclass
from inspect import isawaitable, signature
from typing import Any, Callable, Final, Mapping

import grpc
import pulumi
from google.protobuf import json_format, struct_pb2
from pulumi.runtime.proto import analyzer_pb2, analyzer_pb2_grpc
from pulumi_policy import (
    EnforcementLevel,
    Policy,
    PolicyProviderResource,
    PolicyResource,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    Severity,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy.deserialize import SPECIAL_SIG_KEY, deserialize_properties
from pulumi_policy.policy import _NotApplicableError, _PolicyAnalyzerServicer
from pulumi_policy.proxy import UnknownValueError

from . import arm, scope
from .apiversions import SENT_TYPE
from .framework import (
    AdvisoryMessage,
    PackResourcePolicy,
    PackStackPolicy,
    ResourcePolicySpec,
    build_policy,
    stack_context,
    stack_index,
    unknowns_are_violations,
)
from .manifest import REPOSITORY, load_manifest, readme_text
from .policies import ALL_SPECS
from .remediation import refusal, with_remediations
from .tokens import canonical_type
from .values import UNKNOWN, UNKNOWN_SENTINELS, LazyProps, PlainProps, to_plain

_MANIFEST: Final = load_manifest()
PACK_NAME: Final = "aizone-secure-ai"
PACK_VERSION: Final = _MANIFEST.version
PACK_DESCRIPTION: Final = _MANIFEST.description
# Same limits as pulumi_policy.PolicyPack.
_MAX_MESSAGE_BYTES: Final = 1024 * 1024 * 400
_WORKERS: Final = 4


def _plain_value(value: Any) -> object:
    """One protobuf `Value` as `to_plain(unknown_checking_proxy(deserialize_properties(MessageToDict(...))))`
    would return it, in one pass (json_format and the proxies cost more than the policies)."""
    kind = value.WhichOneof("kind")
    if kind == "string_value":
        text: str = value.string_value
        return UNKNOWN if text in UNKNOWN_SENTINELS else text
    if kind == "struct_value":
        return _plain_struct(value.struct_value)
    if kind == "bool_value":
        return value.bool_value
    if kind == "number_value":
        number: float = value.number_value
        if not math.isfinite(number):
            json_format.MessageToDict(value)  # raises the error pulumi_policy's deserialization raises
        return number
    if kind == "list_value":
        return [_plain_value(item) for item in value.list_value.values]
    return None  # null_value, or no value at all (json_format reads both as null)


def _plain_struct(struct: Any) -> object:
    """A nested protobuf `Struct`: a plain dict, or, for the engine's encoded secrets, assets and
    archives (the special signature key), exactly what pulumi_policy's deserialization makes of it."""
    fields = struct.fields
    if SPECIAL_SIG_KEY in fields:
        return to_plain(deserialize_properties({"value": json_format.MessageToDict(struct)})["value"])
    return {key: _plain_value(item) for key, item in fields.items()}


def plain_properties(struct: Any) -> PlainProps:
    """A request's properties (a protobuf `Struct`) as plain values with `UNKNOWN` sentinels: what
    the policies read, converted once per resource for all of them."""
    return PlainProps((key, _plain_value(item)) for key, item in struct.fields.items())


# A protobuf `Value.number_value` (field 2, wire type 1: tag 0x11) holding Infinity or NaN: eight
# little-endian bytes whose exponent bits are all set. Other bytes may look alike (a string, say);
# then the properties are merely converted up front.
_NON_FINITE_NUMBER: Final = re.compile(rb"\x11.{6}[\xf0-\xff][\x7f\xff]", re.DOTALL)


def stack_properties(struct: Any) -> PlainProps | LazyProps:
    """A stack resource's properties, converted like `plain_properties` but key by key on first
    read. Properties that may hold Infinity or NaN are converted at once, so they fail the request
    as pulumi_policy's deserialization does, not a policy that happens to read them."""
    if _NON_FINITE_NUMBER.search(struct.SerializeToString()):
        return plain_properties(struct)
    return LazyProps(struct.fields, _plain_value)


class _RuntimeSettings:
    """What pulumi_policy's `_configure_runtime_settings` sets up on every request (the stack config
    from PULUMI_CONFIG, the runtime settings from PULUMI_PROJECT, PULUMI_STACK, PULUMI_DRY_RUN and
    PULUMI_ORGANIZATION), parsed and built once per environment instead of once per request (the
    JSON parse, an `inspect.signature` of `Settings` and a new `Settings` cost more than most
    policies). Each request still gets them in its own context: gRPC runs every call in a fresh
    one. The pack's policies are pure functions of the request and never register resources, so
    one `Settings` (whose RPC manager and lock only serve registrations) serves every request."""

    def __init__(self) -> None:
        self._key: tuple[str | None, ...] | None = None
        self._config: dict[str, Any] = {}
        self._settings: Any = None

    def apply(self) -> None:
        environ = os.environ
        get = environ.get
        key = (get("PULUMI_CONFIG"), get("PULUMI_PROJECT"), get("PULUMI_STACK"), get("PULUMI_DRY_RUN"), get("PULUMI_ORGANIZATION"))
        if key != self._key:
            self._config = pulumi.runtime.get_config_env()
            self._settings = None
            if "PULUMI_PROJECT" in environ and "PULUMI_STACK" in environ and "PULUMI_DRY_RUN" in environ:
                settings: dict[str, Any] = {
                    "project": environ["PULUMI_PROJECT"],
                    "stack": environ["PULUMI_STACK"],
                    "dry_run": environ["PULUMI_DRY_RUN"] == "true",
                }
                if "organization" in signature(pulumi.runtime.Settings).parameters:
                    settings["organization"] = environ.get("PULUMI_ORGANIZATION", "organization")
                self._settings = pulumi.runtime.Settings(**settings)
            self._key = key
        for name, value in self._config.items():
            pulumi.runtime.set_config(name, value)
        if self._settings is not None:
            pulumi.runtime.configure(self._settings)


@dataclass(frozen=True)
class _Entry:
    """One resource policy as `Analyze` runs it: its effective level, whether it is a landing-zone
    policy, and its config as pulumi_policy hands it out (one copy per configuration)."""

    policy: Policy
    level: EnforcementLevel
    landing_zone: bool
    config: Mapping[str, Any] | None
    stack_bound: bool = False
    """Judged only once the whole stack is known (`ResourcePolicySpec.stack_bound`)."""


@dataclass(frozen=True)
class _Dispatch:
    """The resource policies of one type: those `Analyze` runs, and those `AnalyzeStack` runs: the
    landing-zone ones that judge the type once it shows the stack is an AI workload, and the
    stack-bound ones, which judge it there on every stack."""

    analyze: tuple[_Entry, ...]
    deferred: tuple[_Entry, ...]


@dataclass(frozen=True)
class _TemplateEntry:
    """One resource of an inline ARM template, as `Analyze` judged it: the deployment's URN and
    name, the translated resource, the deployment's options and provider."""

    urn: str
    name: str
    resource: arm.TemplateResource
    options: Any
    provider: PolicyProviderResource | None


_PROVIDER_CACHE_SIZE: Final = 256
OFFLINE_GATE_ENV: Final = "AIZONE_OFFLINE_GATE"
"""Set to "1" by the offline gate (aizone-gate) in the pack's environment: the gate judges a
preview, and what it cannot know is never a pass, so unknown security properties are violations."""


class AizoneAnalyzerServicer(_PolicyAnalyzerServicer):
    """pulumi_policy's analyzer servicer, reporting `AdvisoryMessage`s at advisory level, with the
    same Analyze / AnalyzeStack semantics but linear cost, explicit API versions normalised and
    landing-zone policies scoped to AI workloads (scope.py).

    pulumi_policy 1.21 deserializes a resource's properties once per policy in `Analyze` and every
    resource once per stack policy in `AnalyzeStack` (policies x resources). Here each resource's
    properties are converted once per request, straight from the protobuf message into the plain
    values the policies read (`plain_properties`; stack resources key by key on first read,
    `stack_properties`), resource policies are dispatched by type (a table built once per
    configuration, so a resource costs nothing for policies of other types or providers, and a
    type no policy judges costs a dictionary lookup), the pack's own checks are called directly,
    and every stack policy receives the same resource list. Type tokens pinned to an explicit API
    version are normalised here, once, to the default-version token (`tokens.canonical_type`), so
    every policy and the stack index see one token per resource type.
    The overrides rely on private members of the pinned pulumi_policy version; the pack's tests
    drive them through the analyzer protocol, in process and over gRPC.
    """

    _resource_types: Mapping[str, frozenset[str]] = {}
    _stack_bound: frozenset[str] = frozenset()
    """Names of the stack-bound resource policies (`ResourcePolicySpec.stack_bound`)."""
    _dispatch_cache: dict[str, _Dispatch] | None = None
    _runtime: _RuntimeSettings | None = None
    _provider_cache: dict[bytes, PolicyProviderResource] | None = None
    _entries: tuple[_Entry, ...] = ()
    _mode_auto: bool = True
    _landing_zone_known: bool = False
    _dry_run: bool | None = None
    _stack_path_inputs: dict[str, tuple[str, ...]] | None = None
    registered: set[str]
    _path_inputs: dict[str, tuple[str, ...]]
    """Per URN, the known string inputs `Analyze` was sent, as interned key, value, key, value, ...
    (small: a 20,000-resource stack holds them all until the next `AnalyzeStack`).
    A resource's outputs lack the inputs that are not outputs: azure-native's path parameters
    (`pricingName`, `accountName`, `resourceGroupName`), which its preview and Azure's responses
    do not echo (pulumi-azure-native provider/pkg/convert/previewOutputs.go loops over the
    response's properties only). Stack policies read them from the inputs; nothing else is added."""
    _left_for_stack: dict[str, Any]
    """The `Analyze` requests of resources whose landing-zone policies were left for
    `AnalyzeStack`, by URN: those resource policies judge the inputs `Analyze` was sent, as they do
    in `Analyze`. `AnalyzeStack` carries the outputs, and in a preview those are the provider's
    `Create(preview=true)` answer: for azure-native every output property, unknown unless an input
    of the same name gives it (an optional property the program leaves unset, such as a backend's
    `credentials`, is unknown there, not absent)."""
    _templates: list[list[_TemplateEntry]]
    """The template resources `Analyze` judged since the last `AnalyzeStack`, one list per
    deployment: the landing-zone policies it left for AnalyzeStack judge them there too, and a
    template that deploys an AI resource makes the stack an AI workload."""
    """URNs sent to `Analyze` since the last `AnalyzeStack`: the engine sends every resource the
    program registers; a stack resource not among them was read with `.get()` (build_servicer
    sets it)."""

    def _policies(self) -> list[Policy]:
        return self._PolicyAnalyzerServicer__policies  # type: ignore[attr-defined]

    def _stack_tags(self) -> Mapping[str, str]:
        return self._PolicyAnalyzerServicer__stack_tags  # type: ignore[attr-defined]

    def _active(self, kind: type) -> list[tuple[Policy, EnforcementLevel]]:
        """Policies of one kind that are not disabled, with their effective level."""
        active: list[tuple[Policy, EnforcementLevel]] = []
        scope_config = self._get_policy_config(scope.SCOPE_POLICY)
        conventions = scope.conventions_on(scope_config)
        cmk = bool(scope.cmk_boundaries(scope_config))
        for policy in self._policies():
            level = self._get_enforcement_level(policy)
            if level == EnforcementLevel.DISABLED or not isinstance(policy, kind):
                continue
            if not conventions and scope.is_convention(policy.name):
                continue  # the organisation has not asked this policy group to follow the conventions
            if not cmk and scope.is_cmk_policy(policy.name):
                continue  # the organisation requires customer-managed keys for no data boundary
            active.append((policy, EnforcementLevel.MANDATORY if level == EnforcementLevel.REMEDIATE else level))
        return active

    def _conventions_left_out(self) -> list[Policy]:
        """The landing zone's conventions that are enabled by level but left out because the
        organisation's configuration does not turn the conventions on (scope.py): reported as not
        applicable, so no report counts them as passed."""
        if scope.conventions_on(self._get_policy_config(scope.SCOPE_POLICY)):
            return []
        return [
            policy
            for policy in self._policies()
            if scope.is_convention(policy.name) and self._get_enforcement_level(policy) != EnforcementLevel.DISABLED
        ]

    def _cmk_left_out(self) -> list[Policy]:
        """The customer-managed-key policies (DATA-8) that are enabled by level but left out because
        the organisation's configuration requires CMK for no data boundary (scope.py): reported as
        not applicable, so no report counts them as passed."""
        if scope.cmk_boundaries(self._get_policy_config(scope.SCOPE_POLICY)):
            return []
        return [
            policy
            for policy in self._policies()
            if scope.is_cmk_policy(policy.name) and self._get_enforcement_level(policy) != EnforcementLevel.DISABLED
        ]

    def _get_policy_config(self, name: str) -> dict[str, Any] | None:
        """pulumi_policy's config of one policy; a customer-managed-key policy (DATA-8) also gets the
        organisation's `customerManagedKeys` list from the scope policy's config (scope.py), which
        overrides anything its own config says under that key: one switch for every CMK policy."""
        config: dict[str, Any] | None = super()._get_policy_config(name)
        if not scope.is_cmk_policy(name):
            return config
        boundaries = scope.cmk_boundaries(super()._get_policy_config(scope.SCOPE_POLICY))
        return {**(config or {}), scope.CMK_KEY: list(boundaries)}

    def _configure_runtime_settings(self) -> None:
        """pulumi_policy's per-request runtime configuration, without re-parsing the stack config
        and re-inspecting `Settings` on every request."""
        runtime = self._runtime
        if runtime is None:
            runtime = self._runtime = _RuntimeSettings()
        runtime.apply()

    def ConfigureStack(self, request: Any, context: Any) -> Any:
        """pulumi_policy's ConfigureStack; the stack tags it stores decide which policies run in
        Analyze (scope.py), so the dispatch table is rebuilt."""
        result = super().ConfigureStack(request, context)
        self._dispatch_cache = None
        self._dry_run = bool(request.dry_run)
        return result

    def _unknowns(self) -> str | None:
        """Why a security property that is unknown cannot wait for a later check (None during a
        preview, when `pulumi up` checks it again): the update itself (ConfigureStack's dry_run, or
        PULUMI_DRY_RUN without it), or the offline gate (OFFLINE_GATE_ENV), whose verdict never
        passes what it cannot know."""
        if os.environ.get(OFFLINE_GATE_ENV) == "1":
            return "in the offline gate, which never passes what it cannot know"
        dry_run = self._dry_run if self._dry_run is not None else os.environ.get("PULUMI_DRY_RUN") != "false"
        return None if dry_run else "during `pulumi up` (not a preview), where nothing checks it again"

    def Configure(self, request: Any, context: Any) -> Any:
        """pulumi_policy's Configure, checked instead of trusted: a policy name the pack does not
        have (a typo would silently change nothing) and `remediate` for a policy without a
        remediation (pulumi_policy would run it as mandatory and say nothing) are refused with one
        error naming them."""
        known = {policy.name: policy for policy in self._policies()}
        unknown = sorted(name for name in request.policyConfig if name not in known and name != "all")
        message: str | None = None
        if unknown:
            message = (
                f"policy config names {len(unknown)} policy(ies) this pack does not have: {', '.join(unknown)}. "
                f"Valid names: {', '.join(sorted(known))}"
            )
        else:
            requested = [
                name for name, entry in request.policyConfig.items() if name in known and entry.enforcementLevel == analyzer_pb2.REMEDIATE
            ]
            remediable = [name for name, p in known.items() if isinstance(p, ResourceValidationPolicy) and p.has_remediation()]
            message = refusal(requested, remediable)
        if message is not None:
            if context is not None:
                context.abort(grpc.StatusCode.INVALID_ARGUMENT, message)
            raise ValueError(message)
        result = super().Configure(request, context)
        self._dispatch_cache = None
        return result

    def _mode(self) -> scope.Mode:
        return scope.mode_of(self._get_policy_config(scope.SCOPE_POLICY))

    def _landing_zone_in_analyze(self) -> bool:
        """Landing-zone resource policies run per resource when the stack is known to be an AI
        workload before the stack is complete (mode `always`, or the stack tag in mode `auto`)."""
        mode = self._mode()
        return mode == "always" or (mode == "auto" and scope.tagged_ai(self._stack_tags()))

    def _dispatch(self, resource_type: str) -> _Dispatch:
        """What `Analyze` runs on a resource of one (canonical) type, built once per type and
        configuration (Configure and ConfigureStack start a new table): the active resource
        policies of the type with their level and config, those `Analyze` runs, and the landing-zone
        ones it leaves to `AnalyzeStack`."""
        cache = self._dispatch_cache
        if cache is None:
            self._entries = tuple(
                _Entry(
                    policy,
                    level,
                    scope.is_landing_zone(policy.name),
                    self._get_policy_config(policy.name),
                    policy.name in self._stack_bound,
                )
                for policy, level in self._active(ResourceValidationPolicy)
            )
            self._mode_auto = self._mode() == "auto"
            self._landing_zone_known = self._landing_zone_in_analyze()
            cache = self._dispatch_cache = {}
        dispatch = cache.get(resource_type)
        if dispatch is None:
            entries = [
                entry for entry in self._entries if (types := self._resource_types.get(entry.policy.name)) is None or resource_type in types
            ]
            landing_zone = any(entry.landing_zone for entry in entries) and (
                # An AI resource makes its own stack an AI workload: no need to wait for the stack.
                self._landing_zone_known or (self._mode_auto and scope.is_ai_type(resource_type))
            )
            dispatch = cache[resource_type] = _Dispatch(
                analyze=tuple(entry for entry in entries if not entry.stack_bound and (landing_zone or not entry.landing_zone)),
                deferred=tuple(entry for entry in entries if entry.landing_zone or entry.stack_bound),
            )
        return dispatch

    def _provider(self, request: Any) -> PolicyProviderResource | None:
        """pulumi_policy's provider resource of a request, deserialized once per distinct provider
        (every resource of a stack names one of a handful)."""
        if not request.HasField("provider"):
            return None
        key = request.provider.SerializeToString(deterministic=True)
        cache = self._provider_cache
        if cache is None:
            cache = self._provider_cache = {}
        provider = cache.get(key)
        if provider is None:
            provider = self._get_provider_resource(request)
            assert provider is not None
            if len(cache) >= _PROVIDER_CACHE_SIZE:
                cache.clear()
            cache[key] = provider
        return provider

    def Analyze(self, request: Any, _context: Any) -> analyzer_pb2.AnalyzeResponse:
        self._configure_runtime_settings()
        response = analyzer_pb2.AnalyzeResponse()
        registered = getattr(self, "registered", None)
        if registered is not None:
            registered.add(request.urn)
        kind = canonical_type(request.type)
        dispatch = self._dispatch(kind)
        entries = dispatch.analyze
        path_inputs = getattr(self, "_path_inputs", None)
        if path_inputs is not None:
            known = tuple(
                sys.intern(text)
                for key, value in request.properties.fields.items()
                if value.HasField("string_value") and value.string_value not in UNKNOWN_SENTINELS
                for text in (key, value.string_value)
            )
            if known:
                path_inputs[request.urn] = known
        left_for_stack = getattr(self, "_left_for_stack", None)
        if left_for_stack is not None and any(entry not in entries for entry in dispatch.deferred):
            left_for_stack[request.urn] = request
        template = kind in arm.TEMPLATE_DEPLOYMENTS
        if not entries and not template and kind != arm.GENERIC_RESOURCE:
            return response
        props = plain_properties(request.properties)
        options = self._get_resource_options(request)
        provider = self._provider(request)
        tags = self._stack_tags()
        with unknowns_are_violations(self._unknowns()):
            for entry in entries:
                args = ResourceValidationArgs(kind, props, request.urn, request.name, options, provider, entry.config, tags)
                setattr(args, SENT_TYPE, request.type)
                self._run_resource_policy(response, entry.policy, entry.level, args)
        if template:
            self._analyze_template(response, kind, props, request.urn, request.name, options, provider, tags)
        elif kind == arm.GENERIC_RESOURCE:
            generic = arm.generic_resource(props, request.name)
            if isinstance(generic, arm.TemplateResource):
                # Named as the resource itself (not <deployment>/<name>); its unknowns are Pulumi's.
                judged = [_TemplateEntry(request.urn, "", generic, options, provider)]
                self._templates.append(judged)
                self._judge_template(response, judged, tags, deferred=False)
        return response

    def _analyze_template(
        self,
        response: Any,
        kind: str,
        props: Mapping[str, object],
        urn: str,
        name: str,
        options: Any,
        provider: PolicyProviderResource | None,
        tags: Mapping[str, str],
    ) -> None:
        """The resources an inline ARM template deploys, each judged by the resource policies of
        its type (arm.py translates them into the provider's shape), attributed to the deployment
        and named `<deployment>/<template resource name>`. An expression the pack cannot evaluate
        is never resolved later, so an unknown security property there is a violation."""
        expansion = arm.expand_deployment(kind, props, name)
        judged = [_TemplateEntry(urn, name, inner, options, provider) for inner in expansion.resources if inner.token is not None]
        if judged:
            self._templates.append(judged)
        self._judge_template(response, judged, tags, deferred=False)

    def _judge_template(
        self,
        response: Any,
        judged: list[_TemplateEntry],
        tags: Mapping[str, str],
        *,
        deferred: bool,
        landing_zone: bool = True,
        ai_workload: bool = True,
    ) -> None:
        """`_judge_entries` for a template's resources: an unknown there is an expression the pack
        cannot evaluate, or a value nothing checks again (generic resources keep the run's rule)."""
        if judged and not judged[0].name:
            with unknowns_are_violations(self._unknowns()):
                self._judge_entries(response, judged, tags, deferred=deferred, landing_zone=landing_zone, ai_workload=ai_workload)
            return
        with unknowns_are_violations("in the ARM template (an expression the pack cannot evaluate)"):
            self._judge_entries(response, judged, tags, deferred=deferred, landing_zone=landing_zone, ai_workload=ai_workload)

    def _deferred_entries(self, token: str, landing_zone: bool, ai_workload: bool = True) -> list[_Entry]:
        """The resource policies `AnalyzeStack` runs on a resource of type `token`: the stack-bound
        ones (the landing-zone ones among them only on an AI workload) and, with `landing_zone`,
        the landing-zone ones `Analyze` left out (an AI resource was judged in full there)."""
        dispatch = self._dispatch(token)
        ai_type = scope.is_ai_type(token)
        return [
            entry
            for entry in dispatch.deferred
            if (entry.stack_bound and (ai_workload or not entry.landing_zone))
            or (landing_zone and not entry.stack_bound and not ai_type and entry not in dispatch.analyze)
        ]

    def _has_stack_bound(self) -> bool:
        """True when an active resource policy is stack-bound."""
        return any(policy.name in self._stack_bound for policy, _ in self._active(ResourceValidationPolicy))

    def _judge_entries(
        self,
        response: Any,
        judged: list[_TemplateEntry],
        tags: Mapping[str, str],
        *,
        deferred: bool,
        landing_zone: bool = True,
        ai_workload: bool = True,
    ) -> None:
        """Run the resource policies `Analyze` runs (or, `deferred`, those it left for
        `AnalyzeStack`: `_deferred_entries`) on translated resources (of a template, or generic
        resources)."""
        for item in judged:
            token = item.resource.token
            assert token is not None
            entries = self._deferred_entries(token, landing_zone, ai_workload) if deferred else self._dispatch(token).analyze
            inner_props = PlainProps(item.resource.props)
            for entry in entries:
                name = f"{item.name}/{item.resource.name}" if item.name else item.resource.name
                args = ResourceValidationArgs(token, inner_props, item.urn, name, item.options, item.provider, entry.config, tags)
                if item.resource.sent_type:
                    setattr(args, SENT_TYPE, item.resource.sent_type)  # the template's apiVersion
                self._run_resource_policy(response, entry.policy, entry.level, args)

    def _run_resource_policy(self, response: Any, policy: Policy, level: EnforcementLevel, args: ResourceValidationArgs) -> None:
        report = self._create_report_violation(response, policy.name, policy.description, level, policy.severity)
        if isinstance(policy, PackResourcePolicy):
            self._validate(response, policy, lambda: policy.check(args, report))
        else:
            self._validate(response, policy, lambda: policy.validate(args, report))  # type: ignore[call-arg, arg-type]

    def AnalyzeStack(self, request: Any, _context: Any) -> analyzer_pb2.AnalyzeResponse:
        self._configure_runtime_settings()
        response = analyzer_pb2.AnalyzeResponse()
        active = self._active(StackValidationPolicy)
        deferred = not self._landing_zone_in_analyze() and self._mode() != "never"
        # What Analyze saw since the last AnalyzeStack: resources it was not sent were read with
        # `.get()`; the template resources it judged. Both are consumed here, whatever runs.
        registered = getattr(self, "registered", None)
        read = {raw.urn for raw in request.resources if registered and raw.urn not in registered}
        if registered is not None:
            registered.clear()
        urns = {raw.urn for raw in request.resources}
        templates = [judged for judged in self._templates if judged[0].urn in urns]
        self._templates.clear()
        left_for_stack = getattr(self, "_left_for_stack", None)
        analyzed = dict(left_for_stack) if left_for_stack else {}
        if left_for_stack is not None:
            left_for_stack.clear()
        path_inputs = getattr(self, "_path_inputs", None)
        self._stack_path_inputs = dict(path_inputs) if path_inputs else {}
        if path_inputs is not None:
            path_inputs.clear()
        quiet = not active and not deferred and not read and not self._conventions_left_out()
        if quiet and not self._has_stack_bound() and not self._cmk_left_out():
            return response
        # The stack's resources are a few objects per property of every resource, all alive until
        # the last stack policy is done; the cyclic garbage collector would rescan them again and
        # again while the policies allocate (super-linear at 10,000 resources) although none of
        # them can be garbage yet. Reference counting still frees temporaries as usual.
        gc.disable()
        try:
            with unknowns_are_violations(self._unknowns()):
                self._analyze_stack(response, request, active, deferred, read, templates, analyzed)
        finally:
            gc.enable()
        return response

    def _analyze_stack(
        self,
        response: Any,
        request: Any,
        active: list[tuple[Policy, EnforcementLevel]],
        deferred: bool,
        read: set[str],
        templates: list[list[_TemplateEntry]],
        analyzed: Mapping[str, Any],
    ) -> None:
        resources = self._stack_resources(request)
        tags = self._stack_tags()
        inner_types = (item.resource.token or "" for judged in templates for item in judged)
        ai_workload = scope.is_ai_workload(self._mode(), tags, (*(resource.resource_type for resource in resources), *inner_types)) or (
            self._mode() == "auto" and any(scope.is_ai_gateway(resource.resource_type, resource.props) for resource in resources)
        )
        if not ai_workload:
            # Say so rather than stay silent: the engine (and the offline gate's evidence) would
            # otherwise count every landing-zone policy as passed on this stack.
            reason = scope.out_of_scope_reason(self._mode())
            for policy, _ in (*self._active(ResourceValidationPolicy), *active):
                if scope.is_landing_zone(policy.name):
                    response.not_applicable.append(analyzer_pb2.PolicyNotApplicable(policy_name=policy.name, reason=reason))
        for policy in self._conventions_left_out():
            response.not_applicable.append(analyzer_pb2.PolicyNotApplicable(policy_name=policy.name, reason=scope.CONVENTIONS_OFF_REASON))
        for policy in self._cmk_left_out():
            response.not_applicable.append(analyzer_pb2.PolicyNotApplicable(policy_name=policy.name, reason=scope.CMK_OFF_REASON))
        for policy, level in active:
            if not ai_workload and scope.is_landing_zone(policy.name):
                continue
            args = StackValidationArgs(resources, self._get_policy_config(policy.name), tags)
            report = self._create_report_violation(response, policy.name, policy.description, level, policy.severity)
            check: Callable[[StackValidationArgs, ReportViolation], Any] = (
                policy.check if isinstance(policy, PackStackPolicy) else policy.validate  # type: ignore[assignment]
            )
            self._validate(response, policy, lambda: check(args, report))
        landing_zone = ai_workload and deferred
        # Stack-bound resource policies see the whole stack (framework.current_stack).
        with stack_context(stack_index(resources, tags)):
            if landing_zone or self._has_stack_bound():
                registered = [resource for resource in resources if resource.urn not in read]
                self._analyze_landing_zone_resources(response, registered, tags, landing_zone, ai_workload, analyzed)
                for judged in templates:
                    self._judge_template(response, judged, tags, deferred=True, landing_zone=landing_zone, ai_workload=ai_workload)
            if read:
                self._analyze_read_resources(response, [resource for resource in resources if resource.urn in read], tags, ai_workload)

    def _analyze_read_resources(self, response: Any, resources: list[PolicyResource], tags: Mapping[str, str], ai_workload: bool) -> None:
        """Existing resources the program reads with `.get()` (never registered, so never sent to
        `Analyze`): the stack relies on them, so the resource policies of their type judge their
        outputs, and each finding says the resource is read, not managed, by this stack."""
        for resource in resources:
            dispatch = self._dispatch(resource.resource_type)
            later = (entry for entry in dispatch.deferred if ai_workload or (entry.stack_bound and not entry.landing_zone))
            entries = {id(entry): entry for entry in (*dispatch.analyze, *later)}
            for entry in entries.values():
                args = ResourceValidationArgs(
                    resource.resource_type,
                    resource.props,
                    resource.urn,
                    resource.name,
                    resource.opts,
                    resource.provider,
                    entry.config,
                    tags,
                )
                report = self._create_report_violation(
                    response, entry.policy.name, entry.policy.description, entry.level, entry.policy.severity
                )

                def read_report(message: str, urn: str | None = None, report: ReportViolation = report) -> None:
                    note = (
                        " This existing resource is read with `.get()`, not managed, by this stack, which relies "
                        "on it: fix it where it is managed, or exempt it here with a reason and an expiry."
                    )
                    text = message + note
                    report(AdvisoryMessage(text) if isinstance(message, AdvisoryMessage) else text, urn)

                policy = entry.policy
                check: Callable[[ResourceValidationArgs, ReportViolation], Any] = (
                    policy.check if isinstance(policy, PackResourcePolicy) else policy.validate  # type: ignore[assignment]
                )
                self._validate(response, policy, lambda: check(args, read_report))

    def _analyze_landing_zone_resources(
        self,
        response: Any,
        resources: list[PolicyResource],
        tags: Mapping[str, str],
        landing_zone: bool,
        ai_workload: bool,
        analyzed: Mapping[str, Any],
    ) -> None:
        """The resource policies `Analyze` left out, on each resource of the stack: the stack-bound
        ones, and (`landing_zone`) the landing-zone ones (the stack was not yet known to be an AI
        workload) now that it is one. On the inputs `Analyze` was sent (`analyzed`), as in
        `Analyze`; on the outputs only for a resource `Analyze` was not sent."""
        for resource in resources:
            entries = self._deferred_entries(resource.resource_type, landing_zone, ai_workload)
            if not entries:
                continue
            sent = analyzed.get(resource.urn)
            props = plain_properties(sent.properties) if sent is not None else resource.props
            options = self._get_resource_options(sent) if sent is not None else resource.opts
            provider = self._provider(sent) if sent is not None else resource.provider
            for entry in entries:
                args = ResourceValidationArgs(
                    resource.resource_type,
                    props,
                    resource.urn,
                    resource.name,
                    options,
                    provider,
                    entry.config,
                    tags,
                )
                setattr(args, SENT_TYPE, getattr(resource, SENT_TYPE, resource.resource_type))
                self._run_resource_policy(response, entry.policy, entry.level, args)

    def _stack_resources(self, request: Any) -> list[PolicyResource]:
        """Every resource of the stack, deserialized once, with parent and dependencies linked."""
        by_urn: dict[str, PolicyResource] = {}
        links: list[tuple[PolicyResource, Any]] = []
        path_inputs: dict[str, tuple[str, ...]] = getattr(self, "_stack_path_inputs", None) or {}
        for raw in request.resources:
            properties = raw.properties
            sent = path_inputs.get(raw.urn, ())
            missing = [(sent[i], sent[i + 1]) for i in range(0, len(sent), 2) if sent[i] not in properties.fields]
            if missing:
                properties = struct_pb2.Struct()
                properties.CopyFrom(raw.properties)
                for key, text in missing:
                    properties.fields[key].string_value = text
            resource = PolicyResource(
                canonical_type(raw.type),
                stack_properties(properties),
                raw.urn,
                raw.name,
                self._get_resource_options(raw),
                self._provider(raw),
                None,
                [],
                {},
            )
            setattr(resource, SENT_TYPE, raw.type)
            by_urn[raw.urn] = resource
            links.append((resource, raw))
        for resource, raw in links:
            if raw.parent:
                resource.parent = by_urn.get(raw.parent)
            resource.dependencies.extend(by_urn[urn] for urn in raw.dependencies if urn in by_urn)
            for prop, deps in raw.propertyDependencies.items():
                resource.property_dependencies[prop] = [by_urn[urn] for urn in deps.urns if urn in by_urn]
        return list(by_urn.values())

    def _validate(self, response: Any, policy: Policy, run: Callable[[], Any]) -> None:
        """Run one validation the way pulumi_policy does: awaitables, unknowns, not-applicable."""
        try:
            result = run()
            if isawaitable(result):
                loop = asyncio.new_event_loop()
                try:
                    loop.run_until_complete(result)
                finally:
                    loop.close()
        except UnknownValueError as error:
            response.diagnostics.append(
                analyzer_pb2.AnalyzeDiagnostic(
                    policyName=policy.name,
                    policyPackName=PACK_NAME,
                    policyPackVersion=PACK_VERSION,
                    message=f"can't run policy '{policy.name}' from policy pack '{PACK_NAME}@v{PACK_VERSION}' during preview: {error.message}",
                    urn="",
                    description=policy.description,
                    enforcementLevel=self._map_enforcement_level(EnforcementLevel.ADVISORY),
                )
            )
        except _NotApplicableError as error:
            response.not_applicable.append(analyzer_pb2.PolicyNotApplicable(policy_name=policy.name, reason=error.reason or ""))

    def _create_report_violation(
        self,
        response: analyzer_pb2.AnalyzeResponse,
        policy_name: str,
        policy_description: str,
        enforcement_level: EnforcementLevel,
        severity: Severity | None = None,
    ) -> ReportViolation:
        create = super()._create_report_violation
        # Most policy runs report nothing: pulumi_policy's reporters are made on first use.
        reporters: dict[bool, ReportViolation] = {}

        def report(message: str, urn: str | None = None) -> None:
            advisory = isinstance(message, AdvisoryMessage)
            target = reporters.get(advisory)
            if target is None:
                level = EnforcementLevel.ADVISORY if advisory else enforcement_level
                target = reporters[advisory] = create(response, policy_name, policy_description, level, severity)
            target(str(message), urn)

        return report


def build_policies() -> list[Policy]:
    """The pulumi_policy policies of the pack, in catalog order of their specs."""
    return [build_policy(spec) for spec in with_remediations(ALL_SPECS)]


def build_servicer() -> AizoneAnalyzerServicer:
    """The pack's analyzer servicer (for in-process analysis)."""
    servicer = AizoneAnalyzerServicer(
        PACK_NAME,
        PACK_VERSION,
        build_policies(),
        EnforcementLevel.MANDATORY,
        None,
        PACK_DESCRIPTION,
        "Secure AI landing zone",
        readme_text(),
        "azure",
        ["azure", "ai", "security", "mcsb"],
        REPOSITORY,
    )
    servicer.registered = set()
    servicer._left_for_stack = {}
    servicer._path_inputs = {}
    servicer._templates = []
    servicer._resource_types = {spec.name: frozenset(spec.resource_types) for spec in ALL_SPECS if isinstance(spec, ResourcePolicySpec)}
    servicer._stack_bound = frozenset(spec.name for spec in ALL_SPECS if isinstance(spec, ResourcePolicySpec) and spec.stack_bound)
    return servicer


def build_pack() -> None:
    """Serve the pack to the Pulumi engine: print the gRPC port on stdout and block forever."""
    server: Any = grpc.server(
        futures.ThreadPoolExecutor(max_workers=_WORKERS),
        options=[("grpc.max_receive_message_length", _MAX_MESSAGE_BYTES)],
    )
    analyzer_pb2_grpc.add_AnalyzerServicer_to_server(build_servicer(), server)
    port = server.add_insecure_port(address="127.0.0.1:0")
    server.start()
    sys.stdout.buffer.write(f"{port}\n".encode())
    sys.stdout.flush()
    try:
        server.wait_for_termination()
    except KeyboardInterrupt:
        server.stop(0)
