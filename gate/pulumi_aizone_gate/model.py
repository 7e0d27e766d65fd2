"""Plain data passed between the stages of the offline preview.

program -> RecordedResource list -> policy pack -> Finding list -> PreviewResult -> report.

Property values are kept in Pulumi's wire form (camelCase keys, JSON-like values, secrets as
signature objects), exactly what the engine hands to a policy pack.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal, Optional

JsonDict = dict[str, Any]

STACK_TYPE = "pulumi:pulumi:Stack"
PROVIDER_TYPE_PREFIX = "pulumi:providers:"

Level = Literal["mandatory", "advisory", "disabled", "remediate"]
PolicyType = Literal["resource", "stack", "unknown"]
"""What ``GetAnalyzerInfo`` says a policy judges (``PolicyInfo.policy_type``): one resource at a time
(``Analyze``), the whole stack (``AnalyzeStack``), or unknown (older policy SDKs)."""
RESOURCE_TYPE_TAG = "resource-type:"
"""Tag prefix with which a policy declares a resource type it judges (``resource-type:<type token>``)."""


@dataclass(frozen=True)
class CustomTimeouts:
    """Custom create/update/delete timeouts in seconds (0 = unset), as the analyzer protocol has them."""

    create: float = 0.0
    update: float = 0.0
    delete: float = 0.0


@dataclass(frozen=True)
class ResourceOptions:
    """The resource options that the analyzer protocol carries to policies."""

    protect: bool = False
    ignore_changes: tuple[str, ...] = ()
    delete_before_replace: Optional[bool] = None
    aliases: tuple[str, ...] = ()
    custom_timeouts: Optional[CustomTimeouts] = None
    additional_secret_outputs: tuple[str, ...] = ()
    retain_on_delete: Optional[bool] = None
    """Not sent to policies (the analyzer protocol has no field for it); recorded for the plan."""
    import_id: str = ""
    """Not sent to policies; recorded for the plan (an adopted resource is imported, not created)."""


@dataclass
class RecordedResource:
    """One resource as the engine would know it after registration.

    ``inputs`` are what ``Analyze`` sends (``args.props`` of a resource policy); ``outputs`` are what
    ``AnalyzeStack`` sends (``resource.props`` of a stack policy).
    """

    urn: str
    type: str
    name: str
    custom: bool
    parent: Optional[str] = None
    inputs: JsonDict = field(default_factory=dict)
    outputs: JsonDict = field(default_factory=dict)
    id: Optional[str] = None
    dependencies: list[str] = field(default_factory=list)
    property_dependencies: dict[str, list[str]] = field(default_factory=dict)
    """Input property (wire name) -> URNs it was computed from; properties without any are omitted."""
    provider: Optional[str] = None
    """Provider reference ``<provider urn>::<provider id>``, as the engine stores it."""
    options: ResourceOptions = field(default_factory=ResourceOptions)
    external: bool = False
    """Read with ``Resource.get``: the engine does not call ``Analyze`` for these."""
    synthesized: bool = False
    """Created by the engine itself (the default providers), not by the program."""
    source: tuple[tuple[str, int], ...] = ()
    """Where the program registered it: the registration's stack trace as (file path, line), the
    innermost frame (the constructor call) first; empty when the SDK sent none."""

    @property
    def is_provider(self) -> bool:
        """True for provider resources (``pulumi:providers:<package>``)."""
        return self.type.startswith(PROVIDER_TYPE_PREFIX)


@dataclass(frozen=True)
class PolicyInfo:
    """A policy as ``GetAnalyzerInfo`` describes it."""

    name: str
    description: str
    enforcement_level: Level
    config_schema: Optional[JsonDict] = None
    """``{"properties": {...}, "required": [...]}`` or None when the policy takes no config."""
    severity: Optional[str] = None
    """``low``, ``medium``, ``high`` or ``critical``; None when the policy declares none."""
    remediation: str = ""
    """The policy's remediation steps (``remediation_steps``), "" when it has none."""
    tags: tuple[str, ...] = ()
    policy_type: PolicyType = "unknown"
    """``resource`` or ``stack`` as the pack reports it; ``unknown`` when it does not say."""

    @property
    def resource_types(self) -> tuple[str, ...]:
        """The resource types the policy declares it judges (its ``resource-type:`` tags); empty
        when it declares none, i.e. it may judge any resource."""
        return tuple(tag[len(RESOURCE_TYPE_TAG) :] for tag in self.tags if tag.startswith(RESOURCE_TYPE_TAG))


@dataclass(frozen=True)
class AnalyzerInfo:
    """The pack's self-description."""

    name: str
    version: str
    supports_config: bool
    policies: tuple[PolicyInfo, ...]
    initial_config: dict[str, JsonDict]
    """Programmatic ``initial_config`` of the PolicyPack, per policy: ``{"enforcementLevel"?: ..., ...}``."""


@dataclass(frozen=True)
class Finding:
    """One policy violation reported by the pack."""

    policy: str
    controls: tuple[str, ...]
    urn: Optional[str]
    level: Level
    message: str
    stage: Literal["resource", "stack"] = "resource"


@dataclass
class AnalysisResult:
    """What the pack said about a list of resources."""

    analyzer: AnalyzerInfo
    findings: list[Finding]
    not_applicable: list[tuple[str, str, str]] = field(default_factory=list)
    """(policy, urn, reason) for policies that called ``args.not_applicable``."""
    pack_log: list[str] = field(default_factory=list)
    """Lines the pack wrote on stderr (``pulumi.log`` inside a pack goes there: it has no engine)."""
    levels: dict[str, Level] = field(default_factory=dict)
    """Each policy's effective enforcement level: its default, the pack's initial config, then
    ``--policy-config`` (what ``Configure`` was sent); empty when nothing was configured."""


@dataclass
class PreviewResult:
    """Everything the report needs: the plan, the findings and the notes collected on the way."""

    project: str
    stack: str
    resources: list[RecordedResource]
    analysis: AnalysisResult
    notes: list[str] = field(default_factory=list)
    program_errors: list[str] = field(default_factory=list)
    """Messages the program logged with ``pulumi.log.error``."""
    program_warnings: list[str] = field(default_factory=list)
    invokes: dict[str, int] = field(default_factory=dict)
    """Function (invoke) tokens the program called, with counts."""

    @property
    def findings(self) -> list[Finding]:
        """Shortcut to the pack's findings."""
        return self.analysis.findings

    @property
    def mandatory_count(self) -> int:
        """Number of mandatory findings (these fail the preview)."""
        return sum(1 for f in self.analysis.findings if f.level == "mandatory")

    @property
    def advisory_count(self) -> int:
        """Number of advisory findings."""
        return sum(1 for f in self.analysis.findings if f.level == "advisory")


@dataclass
class Progress:
    """Where a run is, for the messages of a run that is stopped (timeouts, signals)."""

    phase: str = "reading the project"
    registered: Callable[[], int] = field(default=lambda: 0)
    on_change: Optional[Callable[[str], None]] = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def enter(self, phase: str) -> None:
        """Record the next phase (and tell ``on_change``)."""
        with self._lock:
            self.phase = phase
        if self.on_change is not None:
            self.on_change(phase)

    def describe(self) -> str:
        """``while <phase> (N resource(s) registered)``."""
        with self._lock:
            phase = self.phase
        count = self.registered()
        return f"while {phase}" + (f" ({count} resource(s) registered so far)" if count else "")
