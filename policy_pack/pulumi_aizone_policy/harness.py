"""Drive the pack in-process the way the Pulumi CLI drives it, without the CLI.

Used by the pack's tests and available to the offline preview: it builds the analyzer protocol
requests from plain dicts, reconciles policy-pack config exactly like the CLI (schema defaults,
then `"all"`, then per-policy entries, then JSON-schema validation), and returns diagnostics as
plain records. The pack process itself never imports this module.

In-process analysis reconfigures the Pulumi runtime when PULUMI_PROJECT, PULUMI_STACK and
PULUMI_DRY_RUN are all set (pulumi_policy's `_configure_runtime_settings`), which would drop
mocks installed by the caller; `PackAnalyzer` refuses to run in that environment.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from google.protobuf import empty_pb2, json_format, struct_pb2
from pulumi.runtime.proto import analyzer_pb2
from pulumi_policy.policy import _PolicyAnalyzerServicer

from .config import object_schema, validate
from .pack import build_servicer

UNKNOWN_VALUE: Final = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
"""What the engine sends for a value that is unknown during preview."""

LEVELS: Final[Mapping[str, int]] = {
    "advisory": analyzer_pb2.ADVISORY,
    "mandatory": analyzer_pb2.MANDATORY,
    "disabled": analyzer_pb2.DISABLED,
    "remediate": analyzer_pb2.REMEDIATE,
}
_LEVEL_NAMES: Final[Mapping[int, str]] = {value: key for key, value in LEVELS.items()}
_RUNTIME_ENV: Final = ("PULUMI_PROJECT", "PULUMI_STACK", "PULUMI_DRY_RUN")


def urn_for(type_token: str, name: str, project: str = "aizone", stack: str = "dev") -> str:
    """URN of a top-level resource of a test stack."""
    return f"urn:pulumi:{stack}::{project}::{type_token}::{name}"


@dataclass(frozen=True)
class Diagnostic:
    """One diagnostic of the pack: policy name, message, level and the resource URN ("" when the
    engine attributes it to the resource being analyzed)."""

    policy: str
    message: str
    level: str
    urn: str


@dataclass(frozen=True)
class Remediation:
    """One remediation of the pack: the policy, the resource's inputs after it (None when it only
    reported a diagnostic) and the diagnostic ("" when it changed the inputs)."""

    policy: str
    properties: Mapping[str, Any] | None
    diagnostic: str


@dataclass(frozen=True)
class StackItem:
    """One resource of a stack handed to AnalyzeStack: outputs, parent and dependencies."""

    type: str
    name: str
    props: Mapping[str, Any]
    parent: str = ""
    dependencies: Sequence[str] = ()
    property_dependencies: Mapping[str, Sequence[str]] = field(default_factory=dict[str, Sequence[str]])
    urn: str = ""
    protect: bool = False
    """The `protect` resource option, which the engine sends with each resource."""
    ignore_changes: Sequence[str] = ()
    """The `ignoreChanges` resource option, which the engine sends with each resource."""
    provider: tuple[str, Mapping[str, Any]] | None = None
    """The provider resource's type token and inputs (None: a component resource, no provider)."""

    @property
    def resolved_urn(self) -> str:
        return self.urn or urn_for(self.type, self.name)


@dataclass(frozen=True)
class PolicyInfo:
    """What GetAnalyzerInfo says about one policy."""

    name: str
    description: str
    level: str
    schema: Mapping[str, Mapping[str, Any]]
    required: tuple[str, ...]


def _struct(values: Mapping[str, Any]) -> struct_pb2.Struct:
    struct = struct_pb2.Struct()
    struct.update(dict(values))
    return struct


def _split_entry(key: str, value: Any) -> tuple[str | None, dict[str, Any], list[str]]:
    """A user config entry as (level, properties, errors), the way the CLI parses it."""
    if isinstance(value, str):
        return (value, {}, []) if value in LEVELS else (None, {}, [f"{key}: {value!r} is not an enforcement level"])
    if not isinstance(value, dict):
        return None, {}, [f"{key}: must be an enforcement level or an object"]
    properties: dict[str, Any] = dict(value)
    level = properties.pop("enforcementLevel", None)
    if level is not None and level not in LEVELS:
        return None, {}, [f"{key}: {level!r} is not an enforcement level"]
    return level, properties, []


def reconcile_config(
    policies: Sequence[PolicyInfo], user_config: Mapping[str, Any]
) -> tuple[dict[str, tuple[str, dict[str, Any]]], list[str]]:
    """The config the CLI sends to the pack for `user_config` (`--policy-pack-config` content),
    as {policy: (level, properties)}, and the CLI's validation errors (empty when valid)."""
    result = {
        policy.name: (policy.level, {key: schema["default"] for key, schema in policy.schema.items() if "default" in schema})
        for policy in policies
    }
    errors: list[str] = []
    entries = {key: _split_entry(key, value) for key, value in user_config.items()}
    for _key, (_level, _props, entry_errors) in entries.items():
        errors.extend(entry_errors)
    all_level = entries.get("all", (None, {}, []))[0]
    if all_level:
        result = {name: (all_level, props) for name, (_level, props) in result.items()}
    for key, (level, props, _errors) in entries.items():
        if key == "all":
            continue
        current_level, current_props = result.get(key, ("", {}))
        result[key] = (level or current_level, {**current_props, **props})
    for policy in policies:
        schema = object_schema(policy.schema, policy.required)
        errors.extend(f"{policy.name}: {error}" for error in validate(result[policy.name][1], schema, "config"))
    return result, errors


def _provider(item: StackItem) -> analyzer_pb2.AnalyzerProviderResource | None:
    if item.provider is None:
        return None
    token, props = item.provider
    return analyzer_pb2.AnalyzerProviderResource(type=token, properties=_struct(props), urn=urn_for(token, "default"), name="default")


class PackAnalyzer:
    """The pack's analyzer servicer, driven in-process with plain dicts."""

    def __init__(self, config: Mapping[str, Any] | None = None, servicer: _PolicyAnalyzerServicer | None = None) -> None:
        present = [name for name in _RUNTIME_ENV if name in os.environ]
        if len(present) == len(_RUNTIME_ENV):
            raise RuntimeError(
                "PULUMI_PROJECT, PULUMI_STACK and PULUMI_DRY_RUN are all set: in-process analysis "
                "would reconfigure the Pulumi runtime (and drop mocks). Unset them first."
            )
        self.servicer = servicer or build_servicer()
        self.policies = self._policy_infos()
        self.configure(config or {})

    def _policy_infos(self) -> list[PolicyInfo]:
        info = self.servicer.GetAnalyzerInfo(empty_pb2.Empty(), None)
        return [
            PolicyInfo(
                name=policy.name,
                description=policy.description,
                level=_LEVEL_NAMES[policy.enforcementLevel],
                schema=json_format.MessageToDict(policy.configSchema.properties),
                required=tuple(policy.configSchema.required),
            )
            for policy in info.policies
        ]

    def configure(self, user_config: Mapping[str, Any]) -> None:
        """Apply `--policy-pack-config` content; raises ValueError with the CLI's errors."""
        reconciled, errors = reconcile_config(self.policies, user_config)
        if errors:
            raise ValueError("invalid policy pack config: " + "; ".join(errors))
        request = analyzer_pb2.ConfigureAnalyzerRequest(
            policyConfig={
                name: analyzer_pb2.PolicyConfig(enforcementLevel=LEVELS[level], properties=_struct(props))
                for name, (level, props) in reconciled.items()
                if level in LEVELS
            }
        )
        self.servicer.Configure(request, None)

    @staticmethod
    def _diagnostics(response: analyzer_pb2.AnalyzeResponse) -> list[Diagnostic]:
        return [
            Diagnostic(
                policy=item.policyName,
                message=item.message,
                level=_LEVEL_NAMES[item.enforcementLevel],
                urn=item.urn,
            )
            for item in response.diagnostics
        ]

    def analyze(
        self, type_token: str, props: Mapping[str, Any], name: str = "res", urn: str = "", provider_version: str | None = None
    ) -> list[Diagnostic]:
        """Analyze one resource's inputs (what the engine sends for each registration); with
        `provider_version`, through the engine's default provider of that plugin version (whose
        inputs carry `version`, as the engine writes them)."""
        request = analyzer_pb2.AnalyzeRequest(type=type_token, properties=_struct(props), urn=urn or urn_for(type_token, name), name=name)
        if provider_version is not None:
            package = type_token.split(":", 1)[0].split("_", 1)[0]
            default = f"default_{provider_version.replace('.', '_')}"
            request.provider.CopyFrom(
                analyzer_pb2.AnalyzerProviderResource(
                    type=f"pulumi:providers:{package}",
                    properties=_struct({"version": provider_version}),
                    urn=urn_for(f"pulumi:providers:{package}", default),
                    name=default,
                )
            )
        return self._diagnostics(self.servicer.Analyze(request, None))

    def remediate(self, type_token: str, props: Mapping[str, Any], name: str = "res", urn: str = "") -> list[Remediation]:
        """Remediate one resource's inputs (what the engine sends before Analyze when a policy runs at
        level `remediate`), in the order the remediations were applied."""
        request = analyzer_pb2.AnalyzeRequest(type=type_token, properties=_struct(props), urn=urn or urn_for(type_token, name), name=name)
        response = self.servicer.Remediate(request, None)
        return [
            Remediation(
                policy=item.policyName,
                properties=json_format.MessageToDict(item.properties) if item.HasField("properties") else None,
                diagnostic=item.diagnostic,
            )
            for item in response.remediations
        ]

    def analyze_stack(self, items: Iterable[StackItem], read: Iterable[StackItem] = ()) -> list[Diagnostic]:
        """Analyze a whole stack (what the engine sends once all resources are registered); `read`
        are existing resources the program reads with `.get()` (in the stack, never registered)."""
        read = list(read)
        resources = [
            analyzer_pb2.AnalyzerResource(
                type=item.type,
                properties=_struct(item.props),
                urn=item.resolved_urn,
                name=item.name,
                parent=item.parent,
                dependencies=list(item.dependencies),
                propertyDependencies={
                    prop: analyzer_pb2.AnalyzerPropertyDependencies(urns=list(urns)) for prop, urns in item.property_dependencies.items()
                },
                options=analyzer_pb2.AnalyzerResourceOptions(protect=item.protect, ignoreChanges=list(item.ignore_changes)),
                provider=_provider(item),
            )
            for item in items
        ]
        # The engine sends Analyze for every resource the program registers before AnalyzeStack;
        # only resources read with `.get()` reach AnalyzeStack alone. The items handed here count
        # as registered, except those listed in `read`.
        read_urns = {item.resolved_urn for item in read}
        registered = getattr(self.servicer, "registered", None)
        if isinstance(registered, set):
            registered.clear()
            if read_urns:
                registered.update(resource.urn for resource in resources if resource.urn not in read_urns)
        resources.extend(
            analyzer_pb2.AnalyzerResource(type=item.type, properties=_struct(item.props), urn=item.resolved_urn, name=item.name)
            for item in read
            if item.resolved_urn not in {resource.urn for resource in resources}
        )
        return self._diagnostics(self.servicer.AnalyzeStack(analyzer_pb2.AnalyzeStackRequest(resources=resources), None))
