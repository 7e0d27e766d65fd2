"""A thin layer over pulumi_policy: every policy is one small rule function plus metadata.

A rule receives a plain view of a resource (or an index of the whole stack) and the policy's typed
configuration, and yields `Finding`s. This module turns a `ResourcePolicySpec` / `StackPolicySpec`
into a pulumi_policy policy that:

- is named `<provider>-<module>-<resource>-<rule>` (`azurenative-`, `azure-`, `azuread-`) and described as `[<control ids>] <description>`;
- carries severity, the MCSB mapping (as its compliance framework), tags and remediation steps
  (pulumi-policy 1.21 accepts all of them natively, so the CLI and Pulumi Cloud show them);
- takes its default enforcement level from the control catalog (overridable per stack with the
  CLI's `--policy-pack-config`, per policy or with `"all"`);
- has a JSON config schema: the rule's own keys (with defaults) plus `exemptions`;
- prefixes every message with the control ids and applies exemptions;
- reports values that are unknown during preview, exempted findings and its own internal errors
  as *advisory* notes (`AdvisoryMessage`), never as violations, and never crashes the analyzer.

Advisory notes need the pack's analyzer servicer (pack.py), which reports an `AdvisoryMessage` at
advisory level whatever the policy's level. Under pulumi_policy's stock servicer they are reported
at the policy's level, still prefixed and readable.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Mapping, MutableMapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field, replace
from typing import Any, Final, Literal, TypedDict, cast

from pulumi_policy import (
    EnforcementLevel,
    Policy,
    PolicyComplianceFramework,
    PolicyConfigSchema,
    ReportViolation,
    ResourceRemediation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    Severity,
    StackValidationArgs,
    StackValidationPolicy,
)

from . import catalog
from .apiversions import SENT_TYPE, api_version, provider_version
from .config import EXEMPTIONS_KEY, EXEMPTIONS_SCHEMA, JsonSchema, PolicyConfig
from .stackindex import StackIndex
from .tokens import subject
from .values import UNKNOWN, describe, get, plain_props

SeverityName = Literal["low", "medium", "high", "critical"]

MCSB_URL: Final = "https://learn.microsoft.com/security/benchmark/azure/overview"
RESOURCE_TYPE_TAG: Final = "resource-type:"
"""Prefix of the tags with which a resource policy declares the types it judges."""


class AdvisoryMessage(str):
    """A message the pack reports at advisory level whatever the policy's enforcement level:
    exempted findings, values unknown during preview, and internal errors of a rule."""


@dataclass(frozen=True)
class Field:
    """A property a policy reads: resource type token, wire path (`[]` marks list items) and the
    enum values it compares against. The test suite resolves each against the installed SDK."""

    type_token: str
    path: str
    values: tuple[str, ...] = ()


@dataclass(frozen=True)
class Finding:
    """One result of a rule: a violation, or a note that a value is unknown during preview.

    Stack rules set `urn` and `name` of the resource the finding is about (exemptions match on
    them); resource rules may leave them empty.
    """

    message: str
    urn: str | None = None
    name: str | None = None
    unknown: bool = False
    what: str | None = None
    """For an unknown value: the resource it belongs to (`unknown_value` sets it with `path`)."""
    path: str | None = None
    """For an unknown value: the property path that is unknown."""


@dataclass(frozen=True)
class Resource:
    """Plain view of the resource a resource policy judges."""

    type: str
    name: str
    urn: str
    props: Mapping[str, object]
    provider_version: object = None
    """The `version` input of the provider the engine says this resource goes through, or None."""
    sent_type: str = ""
    """The type token as the engine sent it (`type` is its default-version form), or empty."""

    @property
    def api_version(self) -> str | None:
        """The REST API version this resource is sent with (apiversions.py), or None if unknown."""
        return api_version(self.sent_type or self.type, self.provider_version)

    def get(self, path: str) -> object:
        """Property at a dotted wire path (None when absent or mis-shaped, UNKNOWN when unknown)."""
        return get(self.props, path)

    @property
    def subject(self) -> str:
        """How messages name this resource: "<label> '<name>'"."""
        return subject(self.type, self.name)


def violation(message: str, *, urn: str | None = None, name: str | None = None) -> Finding:
    """A violation; `message` says what is wrong and what to change."""
    return Finding(message=message, urn=urn, name=name)


def unknown_value(what: str, path: str, *, urn: str | None = None, name: str | None = None) -> Finding:
    """A note that `path` of `what` cannot be checked during preview because it is unknown."""
    return Finding(
        message=(
            f"{what}: {path} is unknown until apply, so it cannot be checked during preview; "
            "`pulumi up` checks it again once the value is known."
        ),
        urn=urn,
        name=name,
        unknown=True,
        what=what,
        path=path,
    )


_STRICT_UNKNOWNS: ContextVar[str | None] = ContextVar("aizone_strict_unknowns", default=None)
"""Why an unknown security property cannot be left to a later check (None: it can, a preview)."""


@contextmanager
def unknowns_are_violations(why: str | None) -> Iterator[None]:
    """Within the block, a property a policy reads that is unknown is a violation at the policy's
    level, not an advisory note: `why` says where it is unknown (`pulumi up`, the offline gate, an
    ARM template expression). The pack's servicer sets it (pack.py)."""
    token = _STRICT_UNKNOWNS.set(why)
    try:
        yield
    finally:
        _STRICT_UNKNOWNS.reset(token)


_STACK: ContextVar[StackIndex | None] = ContextVar("aizone_stack", default=None)
"""The whole stack while the pack's servicer runs the stack-bound resource policies (AnalyzeStack)."""


@contextmanager
def stack_context(stack: StackIndex) -> Iterator[None]:
    """Within the block, `current_stack()` is `stack`: the pack's servicer sets it while it runs
    the stack-bound resource policies on the resources of the stack (pack.py)."""
    token = _STACK.set(stack)
    try:
        yield
    finally:
        _STACK.reset(token)


def current_stack() -> StackIndex | None:
    """The stack a stack-bound resource policy judges its resource in, or None: in `Analyze`, and
    under pulumi_policy's stock servicer, a stack-bound rule sees only its resource and judges it
    strictly (no relaxation that depends on other resources)."""
    return _STACK.get()


def check(
    resource: Resource,
    path: str,
    ok: Callable[[object], bool],
    problem: str,
    fix: str,
) -> Iterator[Finding]:
    """The one-property check every simple rule uses.

    Yields an unknown-value note when the property is unknown, a violation
    "<subject> <problem> (<path> is <value>): <fix>." when `ok(value)` is false, else nothing.
    """
    value = resource.get(path)
    if value is UNKNOWN:
        yield unknown_value(resource.subject, path)
    elif not ok(value):
        yield violation(f"{resource.subject} {problem} ({path} is {describe(value)}): {fix}.")


ResourceRule = Callable[[Resource, PolicyConfig], Iterable[Finding]]
StackRule = Callable[[StackIndex, PolicyConfig], Iterable[Finding]]
Remediator = Callable[[MutableMapping[str, Any]], bool]
"""A fix for the `remediate` level: edits the resource's inputs in place (pulumi_policy's
secret-preserving view, so a replaced secret stays secret) and returns True when it changed them.
The pack's remediators live in remediation.py."""


@dataclass(frozen=True, kw_only=True)
class PolicySpec:
    """Metadata shared by resource and stack policies."""

    name: str
    controls: tuple[str, ...]
    description: str
    severity: SeverityName
    remediation: str
    fields: tuple[Field, ...]
    config: Mapping[str, JsonSchema] = field(default_factory=dict)
    level: Literal["advisory"] | None = None
    """Default level override for a policy that only informs (e.g. the pack's coverage notes),
    whatever the catalog level of its controls."""

    @property
    def tag(self) -> str:
        """The control-id prefix of the description and of every message, e.g. "[ACC-1]"."""
        return "[" + ", ".join(self.controls) + "]"

    @property
    def full_description(self) -> str:
        """Description as the CLI shows it: control ids first."""
        return f"{self.tag} {self.description}"

    @property
    def enforcement_level(self) -> EnforcementLevel:
        """Default level from the catalog (mandatory unless every control is advisory), or the
        spec's own `level`."""
        if self.level == "advisory" or catalog.default_level(self.controls) == "A":
            return EnforcementLevel.ADVISORY
        return EnforcementLevel.MANDATORY

    @property
    def config_schema(self) -> Mapping[str, JsonSchema]:
        """The policy's config properties: its own keys plus `exemptions`."""
        return {**self.config, EXEMPTIONS_KEY: EXEMPTIONS_SCHEMA}

    @property
    def framework(self) -> PolicyComplianceFramework:
        """The MCSB mapping of the policy's controls as pulumi-policy framework metadata."""
        v1, v2 = catalog.mcsb_ids(self.controls)
        versions = [(version, ids) for version, ids in (("v1", v1), ("v2", v2)) if ids]
        return PolicyComplianceFramework(
            name="Microsoft cloud security benchmark",
            version="+".join(version for version, _ in versions),
            reference="; ".join(f"{version}: {', '.join(ids)}" for version, ids in versions),
            specification=MCSB_URL,
        )

    @property
    def tags(self) -> list[str]:
        """Tags: project, controls, sections and MCSB ids (resource policies add their types)."""
        controls = [catalog.get_control(control_id) for control_id in self.controls]
        v1, v2 = catalog.mcsb_ids(self.controls)
        sections = dict.fromkeys(control.section_title for control in controls)
        return (
            ["aizone"]
            + [f"control:{control.id}" for control in controls]
            + [f"section:{title}" for title in sections]
            + [f"mcsb:{mcsb_id}" for mcsb_id in (*v1, *v2)]
        )


@dataclass(frozen=True, kw_only=True)
class ResourcePolicySpec(PolicySpec):
    """A policy judging one resource at a time, for the listed type tokens."""

    resource_types: tuple[str, ...]
    rule: ResourceRule
    remediate: Remediator | None = None
    """Optional safe fix: with it the policy accepts the `remediate` level (remediation.py)."""
    stack_bound: bool = False
    """The verdict on a resource depends on other resources of the stack (a storage account that
    the stack gives a static website is public by design): the pack's servicer runs the policy once
    the whole stack is known (`AnalyzeStack`), on every resource of its types (registered, read
    with `.get()`, or deployed by an inline ARM template), with `current_stack()` set, and reports
    on the same resource. Its findings therefore come with the stack policies' (after `pulumi up`
    has changed resources when the update skips its preview)."""

    @property
    def tags(self) -> list[str]:
        """The shared tags plus one `resource-type:<type token>` tag per type the policy judges: the
        pack declares them so reports can tell "not applicable to this type" from "passed" (the
        offline gate's evidence; every other resource type is left alone by `validate`)."""
        return super().tags + [f"{RESOURCE_TYPE_TAG}{token}" for token in self.resource_types]


@dataclass(frozen=True, kw_only=True)
class StackPolicySpec(PolicySpec):
    """A policy judging relations between resources of the whole stack."""

    rule: StackRule


def _today() -> dt.date:
    """Today's date (UTC), the reference for exemption expiry."""
    return dt.datetime.now(dt.timezone.utc).date()


def _exemption_notes(spec: PolicySpec, config: PolicyConfig, finding: Finding) -> tuple[str, ...]:
    """Why a finding is reported although exemptions are configured (expired or malformed)."""
    notes: list[str] = []
    exemption = config.exemptions.find(finding.urn, finding.name)
    if exemption is not None:
        notes.append(
            f"the exemption for '{exemption.resource}' expired on {exemption.expires.isoformat()} "
            f"({exemption.reason}); renew it in the '{spec.name}' policy config or fix the finding"
        )
    notes.extend(f"ignored exemption: {reason}" for reason in config.exemptions.ignored)
    return tuple(notes)


def emit(spec: PolicySpec, config: PolicyConfig, finding: Finding, report: ReportViolation) -> None:
    """Report one finding: control ids first, exemptions applied, notes as advisory."""
    strict = _STRICT_UNKNOWNS.get() if finding.unknown and finding.path is not None else None
    if strict is not None:
        finding = replace(
            finding,
            message=(
                f"{finding.what}: {finding.path} is unknown {strict}, so the pack cannot check this "
                "security property; set it to a literal value (or one from stack config) so that it can be checked"
            ),
            unknown=False,
        )
    message = finding.message[:1].upper() + finding.message[1:]
    text = f"{spec.tag} {message}"
    if finding.unknown:
        report(AdvisoryMessage(text), finding.urn)
        return
    exemption = config.exemptions.find(finding.urn, finding.name)
    if exemption is not None and exemption.active(_today()):
        report(
            AdvisoryMessage(f"{spec.tag} exempted until {exemption.expires.isoformat()}: {exemption.reason}. Exempted finding: {message}"),
            finding.urn,
        )
        return
    notes = _exemption_notes(spec, config, finding)
    report(text + (" Note: " + "; ".join(notes) + "." if notes else ""), finding.urn)


def _run(
    spec: PolicySpec,
    config: PolicyConfig,
    evaluate: Callable[[], Iterable[Finding]],
    report: ReportViolation,
    resource: Resource | None = None,
) -> None:
    """Evaluate a rule and emit its findings; an unexpected error becomes an advisory note naming
    the policy instead of a crashed analyzer (a crash would abort the whole preview). Findings of a
    resource policy are attributed to `resource` (exemptions match its URN and name)."""
    urn = resource.urn if resource else None
    try:
        findings = list(evaluate())
    except Exception as error:  # noqa: BLE001 - the pack must never crash the engine
        report(
            AdvisoryMessage(
                f"{spec.tag} internal error while evaluating policy '{spec.name}' "
                f"({type(error).__name__}: {error}); the resource was not checked. "
                "Please report this to the policy pack maintainers."
            ),
            urn,
        )
        return
    for finding in findings:
        if resource is not None and finding.urn is None:
            finding = replace(finding, urn=resource.urn, name=resource.name)
        emit(spec, config, finding, report)


class _SettledConfig(PolicyConfig):
    """A `PolicyConfig` that checks each key against its schema once: it is shared by every
    resource a policy judges under one configuration, and policies read their keys per resource."""

    def __init__(self, schema: Mapping[str, JsonSchema], given: Mapping[str, object]) -> None:
        super().__init__(schema, given)
        self._values: dict[str, object] = {}

    def _value(self, key: str) -> object:
        try:
            return self._values[key]
        except KeyError:
            value = self._values[key] = super()._value(key)
            return value


class _ConfigCache:
    """The `PolicyConfig` of one policy, built once per configuration instead of once per resource
    (schema checks and exemption parsing are not free): reused while the engine hands out a config
    equal to the one it was built from."""

    def __init__(self, spec: PolicySpec) -> None:
        self._schema = spec.config_schema
        self._last: tuple[Mapping[str, Any], PolicyConfig] | None = None

    def get(self, given: Mapping[str, Any]) -> PolicyConfig:
        last = self._last
        if last is not None and (last[0] is given or last[0] == given):
            return last[1]
        config = _SettledConfig(self._schema, given)
        self._last = (given, config)
        return config


def _resource_validator(spec: ResourcePolicySpec) -> Callable[[ResourceValidationArgs, ReportViolation], None]:
    """pulumi_policy validate callback of a resource policy."""
    types = frozenset(spec.resource_types)
    configs = _ConfigCache(spec)

    def validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
        if args.resource_type not in types:
            return
        config = configs.get(args.get_config())
        props = plain_props(args.props)
        resource = Resource(
            type=args.resource_type,
            name=args.name,
            urn=args.urn,
            props=props if isinstance(props, dict) else {},
            provider_version=provider_version(args.provider.props) if args.provider is not None else None,
            sent_type=getattr(args, SENT_TYPE, ""),
        )
        _run(spec, config, lambda: spec.rule(resource, config), report, resource)

    return validate


def _resource_remediator(spec: ResourcePolicySpec, fix: Remediator) -> Callable[[ResourceValidationArgs], Mapping[str, Any] | None]:
    """pulumi_policy remediate callback: the fixed inputs, or None when nothing changes (pulumi_policy
    reports every non-empty return as a remediation). An exempted resource is left alone, and a
    failing fix changes nothing: Analyze then still reports the violation, so nothing slips through."""
    types = frozenset(spec.resource_types)

    def remediate(args: ResourceValidationArgs) -> Mapping[str, Any] | None:
        if args.resource_type not in types:
            return None
        config = PolicyConfig(spec.config_schema, args.get_config())
        exemption = config.exemptions.find(args.urn, args.name)
        if exemption is not None and exemption.active(_today()):
            return None
        props: Any = args.props
        try:
            changed = fix(props)
        except Exception:  # noqa: BLE001 - the pack must never crash the engine
            return None
        return props if changed else None

    return remediate


def _stack_validator(spec: StackPolicySpec) -> Callable[[StackValidationArgs, ReportViolation], None]:
    """pulumi_policy validate callback of a stack policy."""

    configs = _ConfigCache(spec)

    def validate(args: StackValidationArgs, report: ReportViolation) -> None:
        config = configs.get(args.get_config())
        index = stack_index(args.resources, args.stack_tags)
        _run(spec, config, lambda: spec.rule(index, config), report)

    return validate


_last_index: list[tuple[object, StackIndex]] = []


def stack_index(resources: list[Any], tags: Mapping[str, str] | None = None) -> StackIndex:
    """The index of one AnalyzeStack call, built once and shared by every stack policy (the pack's
    servicer hands all of them the same resource list)."""
    if _last_index and _last_index[0][0] is resources:
        return _last_index[0][1]
    index = StackIndex.from_policy_resources(resources, tags)
    _last_index[:] = [(resources, index)]
    return index


_SEVERITIES: Final[Mapping[SeverityName, Severity]] = {
    "low": Severity.LOW,
    "medium": Severity.MEDIUM,
    "high": Severity.HIGH,
    "critical": Severity.CRITICAL,
}


class _PolicyKwargs(TypedDict):
    """Constructor arguments shared by resource and stack policies."""

    name: str
    description: str
    enforcement_level: EnforcementLevel
    config_schema: PolicyConfigSchema
    display_name: str
    severity: Severity
    framework: PolicyComplianceFramework
    tags: list[str]
    remediation_steps: str


class PackResourcePolicy(ResourceValidationPolicy):
    """A resource policy of this pack. `check` is its one synchronous validation: the pack's
    servicer calls it directly (pulumi_policy's `validate` wraps every call for awaitables and
    lists of validations, which the pack's rules never use)."""

    def __init__(self, check: Callable[[ResourceValidationArgs, ReportViolation], None], **kwargs: Any) -> None:
        super().__init__(validate=check, **kwargs)
        self.check = check


class PackStackPolicy(StackValidationPolicy):
    """A stack policy of this pack; `check` as for `PackResourcePolicy`."""

    def __init__(self, check: Callable[[StackValidationArgs, ReportViolation], None], **kwargs: Any) -> None:
        super().__init__(validate=check, **kwargs)
        self.check = check


def build_policy(spec: PolicySpec) -> Policy:
    """The pulumi_policy policy object for a spec."""
    common = _PolicyKwargs(
        name=spec.name,
        description=spec.full_description,
        enforcement_level=spec.enforcement_level,
        config_schema=PolicyConfigSchema(properties={key: dict(value) for key, value in spec.config_schema.items()}),
        display_name=spec.description,
        severity=_SEVERITIES[spec.severity],
        framework=spec.framework,
        tags=spec.tags,
        remediation_steps=spec.remediation,
    )
    if isinstance(spec, ResourcePolicySpec):
        # pulumi_policy types the callback as returning an awaitable, but its Remediate also takes a
        # plain mapping (policy.py: `elif result is not None: new_props = result`).
        remediate = cast(ResourceRemediation, _resource_remediator(spec, spec.remediate)) if spec.remediate else None
        return PackResourcePolicy(_resource_validator(spec), remediate=remediate, **common)
    if isinstance(spec, StackPolicySpec):
        return PackStackPolicy(_stack_validator(spec), **common)
    raise TypeError(f"{spec.name}: a policy spec is either a ResourcePolicySpec or a StackPolicySpec")
