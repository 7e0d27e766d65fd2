"""One typed, validated model of a stack's configuration.

Every key under the `aizone` namespace of `Pulumi.<stack>.yaml` is read here, checked, and turned into
frozen dataclasses. Nothing else in the program reads Pulumi config. A mistake (wrong key, type,
value, CIDR, overlapping subnets, region format, duplicate application, model not on the allow-list)
raises one `SettingsError` that names every offending key and what is allowed, before a single
resource is registered. `SettingsError` is a `pulumi.RunError`, which the Pulumi CLI (and our offline
preview) prints without a traceback.

Each section is read by its own module under `components/pulumi_aizone/landing_zone/sections/` (reader and errors,
config source and secrets, placement, network, observability, ai, governance, identity, gateway,
execution, alerts, names); this module composes them into `Settings` and re-exports their names,
so `from pulumi_aizone.landing_zone.settings import ...` keeps working.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Mapping, Sequence

import pulumi

from ..agents import Agent
from ..ai_services import Application
from ..entra import EntraOptions
from ..gateway import GatewayOptions
from ..monitoring import AlertOptions

# Re-exported: every public name of the sections (and `_decode`, which tests use), so imports from
# this module keep working. SUBNET_ROLES and SUBNET_MAX_PREFIX (the /27 and /28 minimums, with their
# sources) live with the network component, which checks the same layout.
from ..network import SUBNET_MAX_PREFIX as SUBNET_MAX_PREFIX, SUBNET_ROLES as SUBNET_ROLES
from .sections.ai import (
    BOUNDARIES as BOUNDARIES,
    SEVERITY_THRESHOLDS as SEVERITY_THRESHOLDS,
    AiSettings as AiSettings,
    _read_ai,
    _read_applications,
)
from .sections.alerts import _read_alerts
from .sections.execution import ExecutionSettings as ExecutionSettings, ModelArtifact as ModelArtifact, _read_execution
from .sections.gateway import _read_gateway
from .sections.governance import (
    DataSettings as DataSettings,
    GovernanceSettings as GovernanceSettings,
    _read_data,
    _read_governance,
    check_waiver_scopes,
)
from .sections.identity import CA_STATES as CA_STATES, _read_agents, _read_entra
from .sections.names import NamesSettings as NamesSettings, _read_names
from .sections.network import NetworkSettings as NetworkSettings, _read_network
from .sections.observability import (
    WORKSPACE_ID_FORM as WORKSPACE_ID_FORM,
    ObservabilitySettings as ObservabilitySettings,
    _read_observability,
)
from .sections.placement import (
    MAX_TAG_NAME as MAX_TAG_NAME,
    MAX_TAG_VALUE as MAX_TAG_VALUE,
    MAX_TAGS_PER_RESOURCE as MAX_TAGS_PER_RESOURCE,
    MAX_TAGS_PRIVATE_DNS as MAX_TAGS_PRIVATE_DNS,
    PROGRAM_TAGS_EVERYWHERE as PROGRAM_TAGS_EVERYWHERE,
    PROGRAM_TAGS_MAX as PROGRAM_TAGS_MAX,
    _read_location,
    _read_tags,
)

# Each section's readers, composed below.
from .sections.reader import NAMESPACE as NAMESPACE, SECRET_MASK as SECRET_MASK, SettingsError as SettingsError, _names, _Reader
from .sections.source import (
    SECRET_CAPABLE_KEYS as SECRET_CAPABLE_KEYS,
    RawConfig as RawConfig,
    _decode as _decode,
    _secret_texts,
    mark_secrets as mark_secrets,
    read_namespace_config as read_namespace_config,
    secret_transformation as secret_transformation,
)

_PREFIX = re.compile(r"^[a-z][a-z0-9]{1,7}$")
_ENVIRONMENT = re.compile(r"^[a-z][a-z0-9]{0,7}$")


@dataclass(frozen=True)
class Settings:
    prefix: str
    environment: str
    location: str
    tags: Mapping[str, str]
    network: NetworkSettings
    observability: ObservabilitySettings
    ai: AiSettings
    applications: tuple[Application, ...]
    data: DataSettings
    governance: GovernanceSettings
    agents: tuple[Agent, ...]
    entra: EntraOptions
    gateway: GatewayOptions | None
    """None: `aizone:gateway: false`, no AI gateway (and no gateway subnet)."""
    execution: ExecutionSettings
    alerts: AlertOptions
    names: NamesSettings = NamesSettings()
    secret_values: tuple[str, ...] = ()
    """String values of secret config keys; every resource input carrying one is made secret."""

    def name(self, kind: str, *parts: str) -> str:
        """Resource name per the Cloud Adoption Framework pattern `<kind>-<prefix>-<env>[-part...]`."""
        return "-".join((kind, self.prefix, self.environment, *parts))


_TOP_LEVEL = (
    "prefix",
    "environment",
    "location",
    "tags",
    "network",
    "observability",
    "ai",
    "applications",
    "data",
    "governance",
    "agents",
    "entra",
    "gateway",
    "execution",
    "alerts",
    "names",
)
_REQUIRED = ("prefix", "environment", "location", "network", "ai", "applications", "gateway", "alerts")


def load_settings() -> Settings:
    """Read and validate the stack's `aizone:*` configuration (see README, Configuration reference).

    Values of secret config keys reach resources only as secrets: a stack transformation (applied
    to every resource registered afterwards) wraps each resource input that carries one of them
    in `pulumi.Output.secret`, so the engine encrypts it in the state and masks it in previews."""
    raw = read_namespace_config()
    settings = parse_settings(raw.values, secret_keys=raw.secret_keys, problems=raw.problems)
    if settings.secret_values:
        pulumi.runtime.register_stack_transformation(secret_transformation(settings.secret_values))
    return settings


def parse_settings(raw: Mapping[str, Any], secret_keys: Sequence[str] | frozenset[str] = (), problems: Sequence[str] = ()) -> Settings:
    """Validate raw `aizone:*` values (keys without the namespace); raise SettingsError on any problem.

    `secret_keys`: the keys Pulumi marks secret; their values never appear in a message, and their
    strings are collected in `Settings.secret_values`. `problems`: found while decoding."""
    secrets = {key: raw[key] for key in secret_keys if key in raw}
    reader = _Reader(secrets)
    for problem in problems:
        key, _, message = problem.partition(": ")
        reader.fail(key, message)
    for key in sorted(secrets):
        if key not in SECRET_CAPABLE_KEYS:
            reader.fail(
                f"{NAMESPACE}:{key}",
                "cannot be a secret: its values end up in plain text anyway (resource names, tags, addresses); "
                f"keys that may be secret: {_names(SECRET_CAPABLE_KEYS)}",
            )
    for key in raw:
        if key not in _TOP_LEVEL:
            reader.unknown(f"{NAMESPACE}:{key}", key, _TOP_LEVEL)
    for key in _REQUIRED:
        if key not in raw:
            reader.fail(f"{NAMESPACE}:{key}", "is required (see README, Configuration reference)")

    prefix = reader.string(
        f"{NAMESPACE}:prefix", raw.get("prefix", "aiz"), _PREFIX, "use 2-8 lowercase letters and digits, starting with a letter"
    )
    environment = reader.string(
        f"{NAMESPACE}:environment",
        raw.get("environment", "dev"),
        _ENVIRONMENT,
        "use 1-8 lowercase letters and digits, starting with a letter",
    )
    location = _read_location(reader, raw.get("location", "swedencentral"))
    # Which subnets the enabled features need (read from the raw values: the sections themselves
    # are read below, each reporting its own problems).
    features = {
        "gateway": raw.get("gateway") is not False,
        "agents": not (isinstance(raw.get("execution"), dict) and raw["execution"].get("sessions") is False),
    }
    network = _read_network(reader, raw.get("network", {}), features)
    tags = _read_tags(reader, raw.get("tags", {}), creates_dns_zones=not network.zone_groups_by_platform)
    observability = _read_observability(reader, raw.get("observability", {}))
    ai = _read_ai(reader, raw.get("ai", {}))
    applications = _read_applications(reader, raw.get("applications", []))
    data = _read_data(reader, raw.get("data", {}))
    governance = _read_governance(reader, raw.get("governance", {}))
    check_waiver_scopes(reader, governance.guardrails, "-".join(("rg", prefix, environment)))
    agents = _read_agents(reader, raw.get("agents", []), {app.name: app.boundary for app in applications})
    entra = _read_entra(reader, raw.get("entra", {}))
    gateway = _read_gateway(reader, raw.get("gateway", {}))
    execution = _read_execution(reader, raw.get("execution", {}), [agent.name for agent in agents])
    alerts = _read_alerts(reader, raw.get("alerts", {}))
    names = _read_names(reader, raw.get("names", {}), [app.name for app in applications])
    # An explicit name for a resource that a switched-off feature would have created.
    for kind, off, feature, switch in (
        ("gateway", gateway is None, "the AI gateway", "aizone:gateway: false"),
        ("registry", execution.registry is None, "the container registry", "aizone:execution.registry: false"),
    ):
        if off and kind in names.explicit:
            reader.fail(f"{NAMESPACE}:names.{kind}", f"names {feature}, which {switch} turns off; remove it")

    if reader.problems:
        raise SettingsError(reader.problems)
    return Settings(
        prefix,
        environment,
        location,
        tags,
        network,
        observability,
        ai,
        applications,
        data,
        governance,
        agents,
        entra,
        gateway,
        execution,
        alerts,
        names=names,
        secret_values=_secret_texts(secrets),
    )
