"""One typed, validated model of a stack's configuration.

Every key under the `aizone` namespace of `Pulumi.<stack>.yaml` is read here, checked, and turned into
frozen dataclasses. Nothing else in the program reads Pulumi config. A mistake (wrong key, type,
value, CIDR, overlapping subnets, region format, duplicate application, model not on the allow-list)
raises one `SettingsError` that names every offending key and what is allowed, before a single
resource is registered. `SettingsError` is a `pulumi.RunError`, which the Pulumi CLI (and our offline
preview) prints without a traceback.
"""

from __future__ import annotations

import copy
import difflib
import ipaddress
import json
import math
import re
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator, Mapping, Sequence, TypeVar

import pulumi

from aizone_policy import defaults, reference

from ..components.agents import Agent
from ..components.ai_services import Application, ModelDeployment, ModelRef
from ..components.entra import EntraOptions
from ..components.base import config_key as args_config_key
from ..components.gateway import GatewayOptions, validate_gateway_options
from ..components import naming
from ..components.monitoring import AlertOptions
from ..components.network import SUBNET_MAX_PREFIX, SUBNET_ROLES, existing_subnet_problems, subnet_layout_problems
from ..components.registry import RegistryOptions
from ..components.sessions import SessionPoolOptions
from .regions import AZURE_PUBLIC_REGIONS

NAMESPACE = "aizone"
BOUNDARIES = reference.BOUNDARIES
SEVERITY_THRESHOLDS = ("Low", "Medium", "High")
# SUBNET_ROLES and SUBNET_MAX_PREFIX (the /27 and /28 minimums, with their sources) live with the
# network component, which checks the same layout (aizone/components/network.py).

_PREFIX = re.compile(r"^[a-z][a-z0-9]{1,7}$")
_ENVIRONMENT = re.compile(r"^[a-z][a-z0-9]{0,7}$")
_APP_NAME = re.compile(r"^[a-z][a-z0-9-]{1,22}[a-z0-9]$")
_DEPLOYMENT_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
_ZONE_ID = re.compile(
    r"^/subscriptions/[0-9a-fA-F-]{36}/resourceGroups/[^/]+/providers/Microsoft\.Network/privateDnsZones/(?P<zone>[^/]+)$"
)


class SettingsError(pulumi.RunError):
    """The stack configuration is invalid. The message names each key and what is allowed."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = list(problems)
        lines = "\n".join(f"  - {problem}" for problem in self.problems)
        super().__init__(f"invalid stack configuration ({len(self.problems)} problem(s)):\n{lines}")


# --- The model ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AiSettings:
    kind: str
    sku: str
    deployments: tuple[ModelDeployment, ...]
    severity_threshold: str
    max_capacity: int
    allowed_models: tuple[ModelRef, ...]


@dataclass(frozen=True)
class NetworkSettings:
    """The stack's own VNet (`address_space`, `subnets`, `egress`), or the platform team's subnets
    (`existing_subnet_ids`: role -> subnet id; then nothing of the network is created)."""

    address_space: str
    subnets: Mapping[str, str]
    dns_zone_ids: Mapping[str, str] = field(default_factory=dict)
    zone_groups_by_platform: bool = False
    egress: str = "natGateway"
    firewall_ip: str | None = None
    existing_subnet_ids: Mapping[str, str] = field(default_factory=dict)

    @property
    def existing(self) -> bool:
        return bool(self.existing_subnet_ids)


@dataclass(frozen=True)
class ObservabilitySettings:
    """`workspace_id`: an existing Log Analytics workspace (then none is created and
    `retention_days` is the existing workspace's business)."""

    retention_days: int
    workspace_id: str | None = None


@dataclass(frozen=True)
class DataSettings:
    """DATA-5: `protect` (Pulumi refuses to delete or replace what the program protects). Management
    locks are not placed: they block revoking role assignments and replacing private endpoints
    (README, "Data protection")."""

    protect: bool


@dataclass(frozen=True)
class GovernanceSettings:
    """Microsoft Purview and Defender for Cloud (subscription-wide: may be managed elsewhere)."""

    purview: bool
    defender: bool
    security_contacts: tuple[str, ...]
    # Purview is one account per tenant: attach the existing one (its ARM id, and optionally the
    # principal id of its system identity), or create one on purpose (`create: true`).
    purview_account_id: str | None = None
    purview_principal_id: str | None = None
    purview_create: bool = False


@dataclass(frozen=True)
class NamesSettings:
    """Global (DNS) names: `salt` changes every generated name (e.g. to redeploy while a destroyed
    vault's name is still held by purge protection); `explicit` fixes one resource's name
    (keys of aizone.components.naming.RULES except storage); `storage` fixes an application's
    storage account name."""

    salt: str = ""
    explicit: Mapping[str, str] = field(default_factory=dict)
    storage: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ModelArtifact:
    """An open-source model artifact checked against its SHA-256 digest before deployment (MOD-3)."""

    name: str
    path: str
    sha256: str


@dataclass(frozen=True)
class ExecutionSettings:
    """Code execution for agents (EXEC-1..3): the private registry and one session pool per agent."""

    registry: RegistryOptions | None
    """None: `registry: false`, no container registry (and no custom session images)."""
    sessions: SessionPoolOptions | None
    """None: `sessions: false`, no code sessions (and no agents subnet)."""
    agent_sessions: Mapping[str, SessionPoolOptions]
    model_artifacts: tuple[ModelArtifact, ...]


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


# --- Reading --------------------------------------------------------------------------------------

T = TypeVar("T")
_MISSING = object()


class _Reader:
    """Walks raw config values, collecting every problem with the key path it belongs to.

    `secrets` maps each secret top-level key (without the namespace) to its raw value: a problem
    under such a key never shows those values; they are replaced by `[secret]`."""

    def __init__(self, secrets: Mapping[str, Any] | None = None) -> None:
        self.problems: list[str] = []
        self._masks: dict[str, list[str]] = {
            top: sorted({text for text in _leaf_texts(value) if text}, key=len, reverse=True)
            for top, value in (secrets or {}).items()
        }

    def fail(self, key: str, message: str) -> None:
        self.problems.append(f"{key}: {self.mask(key, message)}")

    def mask(self, key: str, message: str) -> str:
        """`message` without the values of the secret top-level key that `key` belongs to."""
        top = re.split(r"[.\[]", key.removeprefix(f"{NAMESPACE}:"), maxsplit=1)[0]
        for text in self._masks.get(top, ()):
            message = re.sub(rf"(?<![\w.]){re.escape(text)}(?![\w])", SECRET_MASK, message)
        return message

    def mapping(self, key: str, value: Any, allowed: Sequence[str], required: Sequence[str] = ()) -> dict[str, Any]:
        """A mapping with only `allowed` keys and all `required` ones; {} after reporting a problem."""
        if not isinstance(value, dict):
            self.fail(key, f"expected a mapping with keys {_names(allowed)}, got {_describe(value)}")
            return {}
        for name in value:
            if name not in allowed:
                self.unknown(f"{key}.{name}", name, allowed)
        for name in required:
            if name not in value:
                self.fail(f"{key}.{name}", "is required")
        return value

    def unknown(self, key: str, name: Any, allowed: Sequence[str]) -> None:
        close = difflib.get_close_matches(str(name), allowed, n=1)
        hint = f"did you mean {close[0]!r}? " if close else ""
        self.fail(key, f"unknown key; {hint}allowed keys: {_names(allowed)}")

    def string(self, key: str, value: Any, pattern: re.Pattern[str] | None = None, hint: str = "") -> str:
        if not isinstance(value, str) or not value:
            self.fail(key, f"expected a non-empty string, got {_describe(value)}")
            return ""
        if pattern is not None and not pattern.match(value):
            self.fail(key, f"{value!r} is not allowed; {hint}")
            return ""
        return value

    def choice(self, key: str, value: Any, allowed: Sequence[str]) -> str:
        if value not in allowed:
            self.fail(key, f"{_describe(value)} is not allowed; allowed values: {_names(allowed)}")
            return allowed[0]
        return value

    def integer(self, key: str, value: Any, low: int, high: int) -> int:
        if isinstance(value, float) and value.is_integer() and math.isfinite(value):
            value = int(value)  # JSON and YAML may spell a whole number 50.0
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail(key, f"expected a whole number from {low} to {high}, got {_describe(value)}")
            return low
        if not low <= value <= high:
            self.fail(key, f"{value} is out of range; allowed: {low} to {high}")
            return low
        return value

    def boolean(self, key: str, value: Any) -> bool:
        if not isinstance(value, bool):
            self.fail(key, f"expected true or false, got {_describe(value)}")
            return True
        return value

    def sequence(self, key: str, value: Any, read: Callable[[str, Any], T]) -> tuple[T, ...]:
        if not isinstance(value, list):
            self.fail(key, f"expected a list, got {_describe(value)}")
            return ()
        return tuple(read(f"{key}[{index}]", item) for index, item in enumerate(value))

    def network(self, key: str, value: Any) -> ipaddress.IPv4Network | None:
        if not isinstance(value, str):
            self.fail(key, f"expected an IPv4 CIDR such as 10.20.0.0/16, got {_describe(value)}")
            return None
        try:
            return ipaddress.IPv4Network(value, strict=True)
        except ValueError as error:
            self.fail(key, f"{value!r} is not a valid IPv4 CIDR ({error}); example: 10.20.0.0/16")
            return None


SECRET_MASK = "[secret]"


def _describe(value: Any) -> str:
    """A config value as a user wrote it, in YAML terms (never a Python type name)."""
    if value is _MISSING:
        return "nothing"
    if value is None:
        return "null (an empty value)"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, (list, tuple)):
        return "a list"
    if isinstance(value, (int, float)):
        return f"the number {value!r}"
    if isinstance(value, str):
        return f"the text {_quote(value)}"
    return "a value of an unsupported kind"


def _quote(text: str, limit: int = 60) -> str:
    """A string for an error message: quoted, shortened if long."""
    return repr(text if len(text) <= limit else text[: limit - 3] + "...")


# What each config type is called in messages.
_KIND_NAMES: dict[type, str] = {
    str: "a string", int: "a whole number", float: "a number", bool: "true or false", list: "a list",
}


def _leaf_texts(value: Any) -> Iterator[str]:
    """Every scalar inside a config value, as text (strings as they are, numbers as written)."""
    if isinstance(value, dict):
        for item in value.values():
            yield from _leaf_texts(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _leaf_texts(item)
    elif isinstance(value, str):
        yield value
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        yield repr(value)


def _names(values: Sequence[str]) -> str:
    return ", ".join(repr(value) for value in values)


_TOP_LEVEL = (
    "prefix", "environment", "location", "tags", "network", "observability", "ai", "applications", "data", "governance",
    "agents", "entra", "gateway", "execution", "alerts", "names",
)
_REQUIRED = ("prefix", "environment", "location", "network", "ai", "applications", "gateway", "alerts")


# Top-level keys whose value is a string: the engine passes them as they are written and they are
# never JSON-decoded (a quoted "true", "123" or "null" stays a string). Every other key is structured
# (a mapping or a list), which the engine passes as JSON text.
_STRING_KEYS = ("prefix", "environment", "location")

# Top-level keys that may hold secrets (`pulumi config set --secret`, `secure:` in the stack file).
# Pulumi marks a whole top-level key secret when any value inside it is; the string values of these
# keys then reach resources only as secrets (see `load_settings`). The others are refused as
# secrets, because Pulumi and Azure keep their values in plain text anyway: they become resource
# names and URNs (prefix, environment, applications, agents, ai deployments, execution), the
# region, network addresses, or tags ("Tags are stored as plain text. Never add sensitive values
# to tags.", https://learn.microsoft.com/azure/azure-resource-manager/management/tag-resources).
SECRET_CAPABLE_KEYS = ("gateway", "alerts", "governance", "entra")


@dataclass(frozen=True)
class RawConfig:
    """The `aizone:*` config as the program received it: values (keys without the namespace),
    the keys Pulumi marks secret, and problems found while decoding (e.g. duplicate keys)."""

    values: Mapping[str, Any]
    secret_keys: frozenset[str] = frozenset()
    problems: tuple[str, ...] = ()


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


def read_namespace_config() -> RawConfig:
    """Every `aizone:<key>` config value, and whether Pulumi marks it secret.

    The language host hands the program its config (`PULUMI_CONFIG`) and the secret keys
    (`PULUMI_CONFIG_SECRET_KEYS`) and calls `pulumi.runtime.set_all_config`, after which
    `pulumi.runtime.is_config_secret` answers per key (pulumi 3.272, pulumi/runtime/config.py);
    the environment variables are read too, for hosts that only set them."""
    from pulumi.runtime.config import CONFIG  # values set in-process (language host, mocks, automation API)

    texts: dict[str, Any] = {}
    for source in (pulumi.runtime.get_config_env(), CONFIG.get()):
        for full_key, value in source.items():
            namespace, _, key = full_key.partition(":")
            if namespace == NAMESPACE:
                texts[key] = value
    env_secrets = set(pulumi.runtime.get_config_secret_keys_env())
    secret_keys = frozenset(
        key for key in texts if pulumi.runtime.is_config_secret(f"{NAMESPACE}:{key}") or f"{NAMESPACE}:{key}" in env_secrets
    )
    values: dict[str, Any] = {}
    problems: list[str] = []
    for key, text in texts.items():
        value, problem = _decode(key, text)
        values[key] = value
        if problem:
            problems.append(f"{NAMESPACE}:{key}: {problem}")
    return RawConfig(values, secret_keys, tuple(problems))


class _DuplicateKey(ValueError):
    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


def _refuse_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for name, value in pairs:
        if name in result:
            raise _DuplicateKey(name)
        result[name] = value
    return result


def _decode(key: str, value: Any) -> tuple[Any, str | None]:
    """A config value as the engine passed it (text) -> the value, and a problem if any.

    Only structured keys are JSON-decoded: a string key keeps its text even if it looks like JSON.
    A mapping that names the same key twice is refused (JSON and YAML parsers silently keep the
    last one, so a typo'd copy would override the first value unnoticed)."""
    if key in _STRING_KEYS or not isinstance(value, str):
        return value, None
    try:
        return json.loads(value, object_pairs_hook=_refuse_duplicates), None
    except _DuplicateKey as duplicate:
        return value, f"the key {_quote(duplicate.name)} appears twice; write each key once"
    except (ValueError, RecursionError):
        return value, None


def parse_settings(
    raw: Mapping[str, Any], secret_keys: Sequence[str] | frozenset[str] = (), problems: Sequence[str] = ()
) -> Settings:
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
        f"{NAMESPACE}:environment", raw.get("environment", "dev"), _ENVIRONMENT, "use 1-8 lowercase letters and digits, starting with a letter"
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
    agents = _read_agents(reader, raw.get("agents", []), {app.name: app.boundary for app in applications})
    entra = _read_entra(reader, raw.get("entra", {}))
    gateway = _read_gateway(reader, raw.get("gateway", {}))
    execution = _read_execution(reader, raw.get("execution", {}), [agent.name for agent in agents])
    alerts = _read_options(reader, f"{NAMESPACE}:alerts", raw.get("alerts", {}), _ALERT_FIELDS, AlertOptions, ("emails",))
    names = _read_names(reader, raw.get("names", {}), [app.name for app in applications])

    if reader.problems:
        raise SettingsError(reader.problems)
    return Settings(
        prefix, environment, location, tags, network, observability, ai, applications, data, governance, agents, entra,
        gateway, execution, alerts, names=names, secret_values=_secret_texts(secrets),
    )


def _secret_texts(secrets: Mapping[str, Any]) -> tuple[str, ...]:
    """The string values of secret keys, longest first (numbers and switches are not sensitive)."""
    texts = {text for value in secrets.values() for text in _leaf_strings(value) if text}
    return tuple(sorted(texts, key=lambda text: (-len(text), text)))


def _leaf_strings(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        for item in value.values():
            yield from _leaf_strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _leaf_strings(item)
    elif isinstance(value, str):
        yield value


# A secret string of at least this many characters (or any e-mail address) is also found inside
# longer inputs (e.g. ';'-joined contacts, policy documents); shorter ones only as whole values, so
# a secret "openai" does not turn every private DNS zone name into a secret.
_EMBEDDED_SECRET_MIN = 8


def _carries_secret(text: str, secrets: Sequence[str]) -> bool:
    return any(
        text == secret or ((len(secret) >= _EMBEDDED_SECRET_MIN or "@" in secret) and secret in text) for secret in secrets
    )


def _contains_secret(value: Any, secrets: Sequence[str]) -> bool:
    if isinstance(value, str):
        return _carries_secret(value, secrets)
    if isinstance(value, dict):
        return any(_contains_secret(item, secrets) for item in value.values())
    if isinstance(value, (list, tuple)):
        return any(_contains_secret(item, secrets) for item in value)
    return False


def mark_secrets(value: Any, secrets: Sequence[str]) -> Any:
    """`value` (resource inputs: plain values, lists, dicts, input types, Outputs) with every string
    that carries a secret config value wrapped in `pulumi.Output.secret`."""
    if isinstance(value, str):
        return pulumi.Output.secret(value) if _carries_secret(value, secrets) else value
    if isinstance(value, pulumi.Output):
        output: pulumi.Output[Any] = value
        return output.apply(lambda resolved: pulumi.Output.secret(resolved) if _contains_secret(resolved, secrets) else resolved)
    if isinstance(value, dict):
        return {name: mark_secrets(item, secrets) for name, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [mark_secrets(item, secrets) for item in value]
    if hasattr(type(value), "_pulumi_input_type"):  # an `*Args` class: its values live in __dict__
        marked = copy.copy(value)
        marked.__dict__.update({name: mark_secrets(item, secrets) for name, item in value.__dict__.items()})
        return marked
    return value


def secret_transformation(secrets: Sequence[str]) -> pulumi.ResourceTransformation:
    """A resource transformation that marks every input carrying one of `secrets` as secret.

    A legacy (SDK-side) transformation, not a `transforms` callback: it runs in the program, so it
    behaves the same under the Pulumi engine and under mocks (which do not run transforms)."""

    def transform(args: pulumi.ResourceTransformationArgs) -> pulumi.ResourceTransformationResult:
        return pulumi.ResourceTransformationResult(mark_secrets(dict(args.props), secrets), args.opts)

    return transform


def _read_location(reader: _Reader, value: Any) -> str:
    """A public Azure region's programmatic name (aizone/landing_zone/regions.py, from Learn)."""
    key = f"{NAMESPACE}:location"
    if not isinstance(value, str) or not value:
        reader.fail(key, f"expected a region's programmatic name such as 'swedencentral', got {_describe(value)}")
        return ""
    if value in AZURE_PUBLIC_REGIONS:
        return value
    normalized = re.sub(r"[\s_-]+", "", value.lower())
    close = [normalized] if normalized in AZURE_PUBLIC_REGIONS else difflib.get_close_matches(normalized, AZURE_PUBLIC_REGIONS, n=1)
    hint = f"did you mean {close[0]!r}? " if close else ""
    reader.fail(
        key,
        f"{_quote(value)} is not allowed; use the region's programmatic name of an Azure public region "
        f"(lowercase, no spaces), e.g. 'swedencentral' or 'eastus2'; {hint}see "
        "https://learn.microsoft.com/azure/reliability/regions-list",
    )
    return ""


# Azure's tag limits ("Use tags to organize your Azure resources and management hierarchy",
# Limitations: https://learn.microsoft.com/azure/azure-resource-manager/management/tag-resources):
# at most 50 tag name/value pairs per resource, but only 15 on Private DNS zones and their virtual
# network links; tag names at most 512 characters (128 on storage accounts, which every stack
# creates) and never any of < > % & \ ? /; tag values at most 256 characters. Tag names are
# case-insensitive for operations, so two names that differ only in case are the same tag.
MAX_TAGS_PER_RESOURCE = 50
MAX_TAGS_PRIVATE_DNS = 15
MAX_TAG_NAME = 128
MAX_TAG_VALUE = 256
_TAG_NAME_FORBIDDEN = "<>%&\\?/"
# Tags the landing zone adds: aizone-environment and aizone-managed-by on every resource, and up to
# five more on one resource (an agent's identity: inventory, agent, owner, application, boundary).
PROGRAM_TAGS_EVERYWHERE = 2
PROGRAM_TAGS_MAX = 7


def _read_tags(reader: _Reader, value: Any, creates_dns_zones: bool = True) -> dict[str, str]:
    key = f"{NAMESPACE}:tags"
    if not isinstance(value, dict):
        reader.fail(key, f"expected a mapping of tag name to text value, got {_describe(value)}")
        return {}
    limit = MAX_TAGS_PER_RESOURCE - PROGRAM_TAGS_MAX
    if creates_dns_zones:
        limit = min(limit, MAX_TAGS_PRIVATE_DNS - PROGRAM_TAGS_EVERYWHERE)
    if len(value) > limit:
        where = "Private DNS zones take at most 15 tags" if creates_dns_zones else "a resource takes at most 50 tags"
        reader.fail(
            key,
            f"{len(value)} tags are too many; at most {limit} (Azure: {where}, including the ones the landing zone adds)",
        )
    tags: dict[str, str] = {}
    seen: dict[str, str] = {}
    for name, text in value.items():
        entry = f"{key}.{name}"
        if not isinstance(name, str) or not name.strip():
            reader.fail(key, f"tag names must be non-empty text, got {_describe(name)}")
            continue
        problems: list[str] = []
        if len(name) > MAX_TAG_NAME:
            problems.append(f"the tag name has {len(name)} characters; at most {MAX_TAG_NAME}")
        bad = sorted({char for char in name if char in _TAG_NAME_FORBIDDEN})
        if bad:
            problems.append(f"tag names cannot contain {' '.join(bad)} (none of < > % & \\ ? /)")
        if name.lower().startswith("aizone-") or name.lower() == reference.BOUNDARY_TAG:
            problems.append(f"the tag {_quote(name)} is set by the landing zone and cannot be overridden")
        if name.lower() in seen:
            problems.append(f"the same tag as {_quote(seen[name.lower()])}: Azure tag names ignore case")
        if not isinstance(text, str):
            problems.append(f"expected a text value (quote numbers and true/false), got {_describe(text)}")
        elif len(text) > MAX_TAG_VALUE:
            problems.append(f"the tag value has {len(text)} characters; at most {MAX_TAG_VALUE}")
        for problem in problems:
            reader.fail(entry, problem)
        seen.setdefault(name.lower(), name)
        if not problems and isinstance(text, str):
            tags[name] = text
    return tags


# Which feature each optional subnet serves, and the switch that turns the feature off.
_SUBNET_FEATURES = {"gateway": ("the AI gateway", "aizone:gateway: false"), "agents": ("code sessions", "aizone:execution.sessions: false")}
_EXISTING_KEYS = {role: f"{role}SubnetId" for role in SUBNET_ROLES}


def _read_network(reader: _Reader, value: Any, features: Mapping[str, bool] | None = None) -> NetworkSettings:
    """The stack's own VNet, or (`existing`) the platform team's subnets. `features`: subnet role
    -> whether the feature it serves is on (privateEndpoints always is)."""
    key = f"{NAMESPACE}:network"
    needed = {"privateEndpoints": True, "gateway": True, "agents": True, **(features or {})}
    allowed = ("addressSpace", "subnets", "existing", "privateDnsZoneIds", "privateDnsZoneGroups", "egress")
    existing_given = isinstance(value, dict) and "existing" in value
    data = reader.mapping(key, value, allowed, () if existing_given else ("addressSpace", "subnets"))
    zone_ids = _read_zone_ids(reader, f"{key}.privateDnsZoneIds", data.get("privateDnsZoneIds", {}))
    groups = reader.choice(f"{key}.privateDnsZoneGroups", data.get("privateDnsZoneGroups", "create"), ("create", "platformPolicy"))
    if groups == "platformPolicy" and zone_ids:
        reader.fail(f"{key}.privateDnsZoneIds", "is not used when privateDnsZoneGroups is 'platformPolicy' (the platform registers endpoints)")
    if existing_given:
        for name in ("addressSpace", "subnets", "egress"):
            if name in data:
                reader.fail(
                    f"{key}.{name}",
                    "is not used with network.existing: the platform team's VNet, NSGs and egress are used as they are; remove it",
                )
        existing = _read_existing_subnets(reader, f"{key}.existing", data["existing"], needed)
        return NetworkSettings("", {}, zone_ids, groups == "platformPolicy", existing_subnet_ids=existing)
    space = reader.network(f"{key}.addressSpace", data.get("addressSpace"))
    required = tuple(role for role in SUBNET_ROLES if needed[role])
    subnets_raw = reader.mapping(f"{key}.subnets", data.get("subnets", {}), SUBNET_ROLES, required)
    subnets: dict[str, str] = {}
    parsed: dict[str, ipaddress.IPv4Network] = {}
    for role in SUBNET_ROLES:
        if role not in subnets_raw:
            continue
        subnet_key = f"{key}.subnets.{role}"
        if not needed[role]:
            feature, switch = _SUBNET_FEATURES[role]
            reader.fail(subnet_key, f"is only used by {feature}, which {switch} turns off; remove it (or turn {feature} on)")
            continue
        net = reader.network(subnet_key, subnets_raw[role])
        if net is None:
            continue
        parsed[role] = net
        subnets[role] = str(net)
    for problem in subnet_layout_problems(space, parsed):
        reader.fail(f"{key}.{problem.field}", problem.message)
    egress, firewall_ip = _read_egress(reader, f"{key}.egress", data.get("egress", {}))
    return NetworkSettings(str(space) if space else "", subnets, zone_ids, groups == "platformPolicy", egress, firewall_ip)


def _read_existing_subnets(reader: _Reader, key: str, value: Any, needed: Mapping[str, bool]) -> dict[str, str]:
    """`{privateEndpointsSubnetId, gatewaySubnetId, agentsSubnetId}`: subnets the platform team owns.
    Each is needed exactly when its feature is on; all must be in one VNet (the zones' links)."""
    names = tuple(_EXISTING_KEYS.values())
    data = reader.mapping(key, value, names, tuple(_EXISTING_KEYS[role] for role in SUBNET_ROLES if needed[role]))
    given: dict[str, Any] = {}
    for role in SUBNET_ROLES:
        name = _EXISTING_KEYS[role]
        if name not in data:
            continue
        if not needed[role]:
            feature, switch = _SUBNET_FEATURES[role]
            reader.fail(f"{key}.{name}", f"is only used by {feature}, which {switch} turns off; remove it (or turn {feature} on)")
            continue
        given[role] = data[name]
    problems = existing_subnet_problems(given, field="existing")
    for problem in problems:
        role = problem.field.rsplit(".", 1)[1]
        message = problem.message
        for other, name in _EXISTING_KEYS.items():
            message = message.replace(f"the {other} subnet's", f"{name}'s")
        reader.fail(f"{key}.{_EXISTING_KEYS[role]}", message)
    bad = {problem.field.rsplit(".", 1)[1] for problem in problems}
    return {role: subnet_id for role, subnet_id in given.items() if role not in bad and isinstance(subnet_id, str)}


def _read_egress(reader: _Reader, key: str, value: Any) -> tuple[str, str | None]:
    """Explicit outbound for the gateway and agents subnets: a NAT gateway, or the hub firewall."""
    data = reader.mapping(key, value, ("mode", "firewallPrivateIp"))
    mode = reader.choice(f"{key}.mode", data.get("mode", "natGateway"), ("natGateway", "hubFirewall"))
    raw_ip = data.get("firewallPrivateIp")
    if mode == "natGateway":
        if raw_ip is not None:
            reader.fail(f"{key}.firewallPrivateIp", "is only used with mode 'hubFirewall'")
        return mode, None
    try:
        address = ipaddress.IPv4Address(raw_ip if isinstance(raw_ip, str) else "")
    except ValueError:
        reader.fail(f"{key}.firewallPrivateIp", f"mode 'hubFirewall' needs the firewall's private IPv4 address, got {_describe(raw_ip if raw_ip is not None else _MISSING)}")
        return mode, None
    if not address.is_private:
        reader.fail(f"{key}.firewallPrivateIp", f"{address} is not a private address")
    return mode, str(address)


def _read_zone_ids(reader: _Reader, key: str, value: Any) -> dict[str, str]:
    """Bring-your-own private DNS zones (e.g. in a hub subscription): zone name -> zone resource id."""
    if not isinstance(value, dict):
        reader.fail(key, f"expected a mapping of zone name to private DNS zone resource id, got {_describe(value)}")
        return {}
    zones: dict[str, str] = {}
    for zone, zone_id in value.items():
        entry = f"{key}.{zone}"
        if not isinstance(zone, str) or not zone.startswith("privatelink."):
            reader.fail(entry, "zone names must be privatelink zones, e.g. 'privatelink.openai.azure.com'")
            continue
        match = _ZONE_ID.match(zone_id) if isinstance(zone_id, str) else None
        if match is None:
            reader.fail(
                entry,
                "expected a resource id like /subscriptions/<guid>/resourceGroups/<rg>/providers/"
                f"Microsoft.Network/privateDnsZones/{zone}, got {_describe(zone_id)}",
            )
            continue
        if match.group("zone").lower() != zone.lower():
            reader.fail(entry, f"the resource id names zone {match.group('zone')!r}, not {zone!r}")
            continue
        zones[zone] = zone_id
    return zones


# An existing Log Analytics workspace. Workspace names: 4-63 alphanumerics and hyphens, starting
# and ending with an alphanumeric ("Naming rules and restrictions for Azure resources",
# Microsoft.OperationalInsights: https://learn.microsoft.com/azure/azure-resource-manager/management/resource-name-rules).
_WORKSPACE_ID = re.compile(
    r"^/subscriptions/[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}/resourceGroups/[-\w._()]{1,90}"
    r"/providers/Microsoft\.OperationalInsights/workspaces/[A-Za-z0-9][A-Za-z0-9-]{2,61}[A-Za-z0-9]$",
    re.IGNORECASE,
)
WORKSPACE_ID_FORM = (
    "/subscriptions/<subscription guid>/resourceGroups/<group>/providers/Microsoft.OperationalInsights/workspaces/<name>"
)


def _read_observability(reader: _Reader, value: Any) -> ObservabilitySettings:
    """The stack's own workspace (`retentionDays`), or an existing one (`workspaceId`)."""
    key = f"{NAMESPACE}:observability"
    data = reader.mapping(key, value, ("retentionDays", "workspaceId"))
    if "workspaceId" in data:
        workspace_id = reader.string(
            f"{key}.workspaceId", data["workspaceId"], _WORKSPACE_ID, f"expected a Log Analytics workspace id like {WORKSPACE_ID_FORM}"
        )
        if "retentionDays" in data:
            reader.fail(
                f"{key}.retentionDays",
                "is not used with workspaceId: the existing workspace keeps its own retention (set it on that workspace); remove it",
            )
        return ObservabilitySettings(90, workspace_id or None)
    retention = reader.integer(f"{key}.retentionDays", data.get("retentionDays", 90), 30, 730)
    return ObservabilitySettings(retention)


_AI_KEYS = ("kind", "sku", "deployments", "contentFilter", "maxCapacity", "allowedModels")


def _read_ai(reader: _Reader, value: Any) -> AiSettings:
    key = f"{NAMESPACE}:ai"
    data = reader.mapping(key, value, _AI_KEYS, ("deployments",))
    kind = reader.choice(f"{key}.kind", data.get("kind", "AIServices"), defaults.ALLOWED_ACCOUNT_KINDS)
    sku = reader.choice(f"{key}.sku", data.get("sku", "S0"), ("S0",))
    max_capacity = reader.integer(f"{key}.maxCapacity", data.get("maxCapacity", defaults.MAX_DEPLOYMENT_CAPACITY), 1, 10_000)
    filter_data = reader.mapping(f"{key}.contentFilter", data.get("contentFilter", {}), ("severityThreshold",))
    threshold = reader.choice(
        f"{key}.contentFilter.severityThreshold", filter_data.get("severityThreshold", "Medium"), SEVERITY_THRESHOLDS
    )
    if "allowedModels" in data:
        allowed = reader.sequence(f"{key}.allowedModels", data["allowedModels"], lambda k, v: _read_model(reader, k, v))
    else:
        allowed = tuple(ModelRef(m["format"], m["name"], m["version"]) for m in defaults.ALLOWED_MODELS)
    deployments = reader.sequence(
        f"{key}.deployments",
        data.get("deployments", []),
        lambda k, v: _read_deployment(reader, k, v, allowed, max_capacity),
    )
    if "deployments" in data and not deployments and isinstance(data["deployments"], list):
        reader.fail(f"{key}.deployments", "needs at least one model deployment")
    _check_unique(reader, f"{key}.deployments", [d.name for d in deployments], "deployment name")
    return AiSettings(kind, sku, deployments, threshold, max_capacity, allowed)


def _read_model(reader: _Reader, key: str, value: Any) -> ModelRef:
    data = reader.mapping(key, value, ("format", "name", "version"), ("format", "name", "version"))
    fields = [data.get(name) for name in ("format", "name", "version")]
    strings = [f for f in fields if isinstance(f, str) and f]
    if len(strings) != 3:
        if all(name in data for name in ("format", "name", "version")):
            reader.fail(key, "format, name and version must be non-empty strings (quote versions like \"1\")")
        return ModelRef("", "", "")
    return ModelRef(strings[0], strings[1], strings[2])


def _read_deployment(
    reader: _Reader, key: str, value: Any, allowed: Sequence[ModelRef], max_capacity: int
) -> ModelDeployment:
    data = reader.mapping(key, value, ("name", "model", "sku", "capacity"), ("name", "model", "capacity"))
    name = reader.string(f"{key}.name", data.get("name"), _DEPLOYMENT_NAME, "use letters, digits, '.', '_' or '-' (max 64)")
    model = _read_model(reader, f"{key}.model", data.get("model", {})) if "model" in data else ModelRef("", "", "")
    if model.name and model not in allowed:
        reader.fail(
            f"{key}.model",
            f"{model.label()} is not on the model allow-list (MOD-3); allowed: {', '.join(m.label() for m in allowed)}",
        )
    sku = reader.choice(f"{key}.sku", data.get("sku", "GlobalStandard"), ("GlobalStandard", "Standard", "DataZoneStandard", "ProvisionedManaged"))
    capacity = reader.integer(f"{key}.capacity", data.get("capacity"), 1, max_capacity) if "capacity" in data else 1
    return ModelDeployment(name, model, sku, capacity)


def _read_applications(reader: _Reader, value: Any) -> tuple[Application, ...]:
    key = f"{NAMESPACE}:applications"
    apps = reader.sequence(key, value, lambda k, v: _read_application(reader, k, v))
    if isinstance(value, list) and not value:
        reader.fail(key, "declare at least one application (name and boundary)")
    _check_unique(reader, key, [app.name for app in apps], "application name")
    return apps


def _read_application(reader: _Reader, key: str, value: Any) -> Application:
    data = reader.mapping(key, value, ("name", "boundary", "description"), ("name", "boundary"))
    name = reader.string(
        f"{key}.name", data.get("name"), _APP_NAME, "use 3-24 lowercase letters, digits and '-', starting with a letter"
    )
    boundary = reader.choice(f"{key}.boundary", data.get("boundary"), BOUNDARIES) if "boundary" in data else BOUNDARIES[0]
    description = data.get("description", "")
    if not isinstance(description, str):
        reader.fail(f"{key}.description", f"expected a string, got {_describe(description)}")
        description = ""
    return Application(name, boundary, description)


def _read_data(reader: _Reader, value: Any) -> DataSettings:
    key = f"{NAMESPACE}:data"
    if isinstance(value, dict) and "lock" in value:
        reader.fail(
            f"{key}.lock",
            "was removed: a CanNotDelete lock on a storage account, vault or Purview account blocks deleting the role "
            "assignments, diagnostic settings and private endpoint connections under it, so revoking an agent failed; "
            "data is kept by protect, soft delete, versioning and purge protection (README, \"Data protection\"). "
            "Delete the key",
        )
        value = {k: v for k, v in value.items() if k != "lock"}
    data = reader.mapping(key, value, ("protect",))
    return DataSettings(protect=reader.boolean(f"{key}.protect", data.get("protect", True)))


# /subscriptions/<guid>/resourceGroups/<name>/providers/Microsoft.Purview/accounts/<name>
_PURVIEW_ID = re.compile(
    r"^/subscriptions/[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}/resourceGroups/[-\w._()]{1,90}"
    r"/providers/Microsoft\.Purview/accounts/[A-Za-z0-9][A-Za-z0-9-]{1,61}[A-Za-z0-9]$",
    re.IGNORECASE,
)
_GUID = re.compile(r"^[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")


def _read_purview(reader: _Reader, key: str, value: Any) -> tuple[bool, str | None, str | None, bool]:
    """(enabled, account id, principal id, create) from `false`, `{accountId[, principalId]}` or
    `{create: true}`."""
    usage = (
        "use {accountId: /subscriptions/<id>/resourceGroups/<group>/providers/Microsoft.Purview/accounts/<name>} "
        "to attach the tenant's existing account, {create: true} to create one, or false"
    )
    if value is False:
        return False, None, None, False
    if not isinstance(value, dict):
        reader.fail(key, f"expected a mapping or false, got {_describe(value)}; {usage}")
        return False, None, None, False
    data = reader.mapping(key, value, ("accountId", "principalId", "create"))
    create = reader.boolean(f"{key}.create", data.get("create", False))
    account_id = data.get("accountId")
    principal_id = data.get("principalId")
    if create and (account_id is not None or principal_id is not None):
        reader.fail(key, "give either accountId (attach) or create: true, not both")
        return False, None, None, False
    if create:
        return True, None, None, True
    if account_id is None:
        reader.fail(f"{key}.accountId", f"is required; {usage}")
        return False, None, None, False
    account_id = reader.string(f"{key}.accountId", account_id, _PURVIEW_ID, usage)
    if principal_id is not None:
        principal_id = reader.string(
            f"{key}.principalId", principal_id, _GUID, "expected the object id (GUID) of the account's system-assigned identity"
        )
    return bool(account_id), account_id or None, principal_id or None, False


_EMAIL = re.compile(r"^[^@\s;]+@[^@\s;]+\.[^@\s;]+$")


def _read_governance(reader: _Reader, value: Any) -> GovernanceSettings:
    key = f"{NAMESPACE}:governance"
    data = reader.mapping(key, value, ("purview", "defender", "securityContacts"))
    purview, account_id, principal_id, create = _read_purview(reader, f"{key}.purview", data.get("purview", False))
    contacts = reader.sequence(
        f"{key}.securityContacts",
        data.get("securityContacts", []),
        lambda k, v: reader.string(k, v, _EMAIL, "expected an e-mail address such as secops@contoso.com"),
    )
    return GovernanceSettings(
        purview=purview,
        defender=reader.boolean(f"{key}.defender", data.get("defender", True)),
        security_contacts=contacts,
        purview_account_id=account_id,
        purview_principal_id=principal_id,
        purview_create=create,
    )


def _read_names(reader: _Reader, value: Any, applications: Sequence[str]) -> NamesSettings:
    key = f"{NAMESPACE}:names"
    singletons = tuple(kind for kind in naming.RULES if kind != "storage")
    data = reader.mapping(key, value, ("salt", *singletons, "storage"))
    salt = data.get("salt", "")
    if salt != "":
        salt = reader.string(f"{key}.salt", salt, _SALT, "use 1-16 lowercase letters and digits, e.g. '2' after a destroy")
    explicit: dict[str, str] = {}
    for kind in singletons:
        if kind in data:
            name = reader.string(f"{key}.{kind}", data[kind])
            problem = naming.check_name(kind, name) if name else None
            if problem:
                reader.fail(f"{key}.{kind}", problem)
            elif name:
                explicit[kind] = name
    storage: dict[str, str] = {}
    raw_storage = data.get("storage", {})
    if not isinstance(raw_storage, dict):
        reader.fail(f"{key}.storage", f"expected a mapping of application name to storage account name, got {_describe(raw_storage)}")
        raw_storage = {}
    for application, name in raw_storage.items():
        if application not in applications:
            reader.unknown(f"{key}.storage.{application}", application, applications)
            continue
        name = reader.string(f"{key}.storage.{application}", name)
        problem = naming.check_name("storage", name) if name else None
        if problem:
            reader.fail(f"{key}.storage.{application}", problem)
        elif name:
            storage[application] = name
    chosen = [*explicit.values(), *storage.values()]
    duplicates = sorted({name for name in chosen if chosen.count(name) > 1})
    if duplicates:
        reader.fail(key, f"names {_names(duplicates)} are given to more than one resource")
    return NamesSettings(salt=salt, explicit=explicit, storage=storage)


_SALT = re.compile(r"^[a-z0-9]{1,16}$")


def _read_agents(reader: _Reader, value: Any, boundaries: Mapping[str, str]) -> tuple[Agent, ...]:
    key = f"{NAMESPACE}:agents"

    def read(item_key: str, item: Any) -> Agent:
        data = reader.mapping(item_key, item, ("name", "application", "owner", "description"), ("name", "application", "owner"))
        name = reader.string(f"{item_key}.name", data.get("name"), _APP_NAME, "use 3-24 lowercase letters, digits and '-', starting with a letter")
        application = data.get("application")
        if "application" in data and not (isinstance(application, str) and application in boundaries):
            reader.fail(f"{item_key}.application", f"{_describe(application)} is not a declared application; declared: {_names(list(boundaries))}")
        owner = reader.string(f"{item_key}.owner", data.get("owner"), _EMAIL, "expected the owner's e-mail address") if "owner" in data else ""
        description = data.get("description", "")
        if not isinstance(description, str):
            reader.fail(f"{item_key}.description", f"expected a string, got {_describe(description)}")
            description = ""
        app = application if isinstance(application, str) else ""
        return Agent(name, app, boundaries.get(app, ""), owner, description)

    agents = reader.sequence(key, value, read)
    _check_unique(reader, key, [agent.name for agent in agents], "agent name")
    return agents


_GUID = re.compile(r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")
_COUNTRY = re.compile(r"^[A-Z]{2}$")
CA_STATES = ("enabledForReportingButNotEnforced", "enabled", "disabled")


def _read_entra(reader: _Reader, value: Any) -> EntraOptions:
    key = f"{NAMESPACE}:entra"
    data = reader.mapping(
        key,
        value,
        ("enabled", "conditionalAccessState", "breakGlassObjectIds", "trustedIpRanges", "trustedCountries", "signInRiskAction", "adminEligibilityDays"),
    )
    state = reader.choice(f"{key}.conditionalAccessState", data.get("conditionalAccessState", CA_STATES[0]), CA_STATES)
    break_glass = reader.sequence(
        f"{key}.breakGlassObjectIds",
        data.get("breakGlassObjectIds", []),
        lambda k, v: reader.string(k, v, _GUID, "expected an Entra object id (GUID) of an emergency-access account"),
    )
    if state == "enabled" and not break_glass:
        reader.fail(
            f"{key}.breakGlassObjectIds",
            "at least one emergency-access (break-glass) account is required before Conditional Access is 'enabled'; "
            "otherwise a mistake can lock every administrator out of the tenant",
        )
    ranges = reader.sequence(f"{key}.trustedIpRanges", data.get("trustedIpRanges", []), lambda k, v: _cidr_text(reader, k, v))
    countries = reader.sequence(
        f"{key}.trustedCountries",
        data.get("trustedCountries", []),
        lambda k, v: reader.string(k, v, _COUNTRY, "expected a two-letter ISO 3166 country code in capitals, e.g. 'SE'"),
    )
    return EntraOptions(
        enabled=reader.boolean(f"{key}.enabled", data.get("enabled", True)),
        conditional_access_state=state,
        break_glass_object_ids=break_glass,
        trusted_ip_ranges=ranges,
        trusted_countries=countries,
        sign_in_risk_action=reader.choice(f"{key}.signInRiskAction", data.get("signInRiskAction", "mfa"), ("mfa", "block")),
        admin_eligibility_days=reader.integer(f"{key}.adminEligibilityDays", data.get("adminEligibilityDays", 180), 1, 365),
    )


# config key -> GatewayOptions field (and the type the config value must have)
_GATEWAY_FIELDS: dict[str, tuple[str, type]] = {
    "publisherEmail": ("publisher_email", str),
    "publisherName": ("publisher_name", str),
    "sku": ("sku", str),
    "capacity": ("capacity", int),
    "publicIngress": ("public_ingress", bool),
    "tokensPerMinute": ("tokens_per_minute", int),
    "estimatePromptTokens": ("estimate_prompt_tokens", bool),
    "contentSafety": ("content_safety", bool),
    "retryCount": ("retry_count", int),
    "apiPath": ("api_path", str),
    "appRole": ("app_role", str),
}


def _read_gateway(reader: _Reader, value: Any) -> GatewayOptions | None:
    """The AI gateway (MOD-4); field rules live with the component, in validate_gateway_options.
    `false`: no gateway (None)."""
    key = f"{NAMESPACE}:gateway"
    if value is False:
        return None
    if not isinstance(value, dict):
        reader.fail(key, f"expected a mapping of gateway settings, or false to deploy without the AI gateway, got {_describe(value)}")
        return None
    required = ("publisherEmail", "publisherName")
    reported = len(reader.problems)
    if isinstance(value, dict) and "firstDeployment" in value:
        reader.fail(
            f"{key}.firstDeployment",
            "is no longer needed: the program finds out whether the gateway exists and creates it with public "
            "access for its first `pulumi up` only; remove the key",
        )
        value = {k: v for k, v in value.items() if k != "firstDeployment"}
    options = _read_options(reader, key, value, _GATEWAY_FIELDS, GatewayOptions, required)
    if len(reader.problems) > reported:
        return options  # wrong or missing keys are reported; `options` may be a placeholder
    data = value if isinstance(value, dict) else {}
    if "sku" in data and options.sku != "StandardV2":
        # AiGateway supports classic tiers, but in internal VNet mode they need a dedicated subnet
        # without delegation and the classic management NSG rules, which Network does not build.
        reader.fail(
            f"{key}.sku",
            f"{options.sku!r} is not supported by the landing zone's network yet (classic tiers need a dedicated, "
            "non-delegated subnet); allowed: 'StandardV2'",
        )
    for problem in validate_gateway_options(options.as_args()):
        reader.fail(args_config_key("gateway", problem.field), problem.message)
    return options


O = TypeVar("O")

# config key -> (options field, accepted config type) for the options dataclasses of components,
# whose own __post_init__ enforces the bounds.
_REGISTRY_FIELDS: dict[str, tuple[str, type]] = {
    "untaggedRetentionDays": ("untagged_retention_days", int),
    "zoneRedundant": ("zone_redundant", bool),
    "allowTrustedServices": ("allow_trusted_services", bool),
}
_SESSION_FIELDS: dict[str, tuple[str, type]] = {
    "containerType": ("container_type", str),
    "image": ("image", str),
    "cpu": ("cpu", float),
    "memory": ("memory", str),
    "targetPort": ("target_port", int),
    "maxConcurrentSessions": ("max_concurrent_sessions", int),
    "readySessionInstances": ("ready_session_instances", int),
    "cooldownSeconds": ("cooldown_seconds", int),
}
_ALERT_FIELDS: dict[str, tuple[str, type]] = {
    "emails": ("emails", list),
    "shortName": ("short_name", str),
    "contentFilterBlocks": ("content_filter_blocks", int),
    "tokenThreshold": ("token_threshold", int),
    "tokenSensitivity": ("token_sensitivity", str),
    "gatewayServerErrors": ("gateway_server_errors", int),
    "gatewayClientErrors": ("gateway_client_errors", int),
    "sessionBusyPercent": ("session_busy_percent", int),
    "sessionFailures": ("session_failures", int),
}


# Upper bounds for numbers whose options class only sets a lower bound. Where Azure has a limit it is
# cited; where it has none, the bound is far above any sensible value and only stops typos.
_UPPER_BOUNDS: dict[str, int] = {
    # A caller's budget cannot exceed what the largest deployment the settings allow can serve:
    # ai.maxCapacity (at most 10,000 units) x 1,000 tokens per minute per capacity unit (Learn,
    # "Manage Azure OpenAI quota": https://learn.microsoft.com/azure/ai-foundry/openai/how-to/quota).
    "gateway.tokensPerMinute": 10_000_000,
    # Metric alert thresholds (counts in the alert window): Azure Monitor sets no upper limit.
    "alerts.contentFilterBlocks": 1_000_000,
    "alerts.tokenThreshold": 1_000_000_000,
    "alerts.gatewayServerErrors": 1_000_000,
    "alerts.gatewayClientErrors": 1_000_000,
    "alerts.sessionFailures": 1_000_000,
}


def _read_options(
    reader: _Reader,
    key: str,
    value: Any,
    fields: Mapping[str, tuple[str, type]],
    factory: Callable[..., O],
    required: Sequence[str] = (),
) -> O:
    """Build a component's options dataclass from config: type checks here, bounds in the options
    class itself; its messages are reworded to name config keys instead of Python fields."""
    reported = len(reader.problems)
    data = reader.mapping(key, value, tuple(fields), required)
    kwargs: dict[str, Any] = {}
    for config_key, (field_name, kind) in fields.items():
        if config_key not in data:
            continue
        item: Any = data[config_key]
        if kind is int and isinstance(item, float) and math.isfinite(item) and item.is_integer():
            item = int(item)
        accepted = (int, float) if kind is float else kind
        if isinstance(item, bool) is not (kind is bool) or not isinstance(item, accepted) or (
            isinstance(item, float) and not math.isfinite(item)
        ):
            reader.fail(f"{key}.{config_key}", f"expected {_KIND_NAMES.get(kind, 'another kind of value')}, got {_describe(item)}")
            continue
        if isinstance(item, list):
            if not all(isinstance(element, str) for element in item):
                reader.fail(f"{key}.{config_key}", "expected a list of text values")
                continue
            kwargs[field_name] = tuple(item)
            continue
        high = _UPPER_BOUNDS.get(f"{key.removeprefix(NAMESPACE + ':')}.{config_key}")
        if high is not None and item > high:
            reader.fail(f"{key}.{config_key}", f"{item} is out of range; at most {high:,}")
            continue
        kwargs[field_name] = item
    try:
        return factory(**kwargs)
    except (TypeError, ValueError) as error:
        if len(reader.problems) == reported:  # otherwise the cause is on record already
            if isinstance(error, ValueError):
                message = str(error)
                for config_key, (field_name, _) in fields.items():
                    message = message.replace(field_name, config_key)
            else:
                message = "a value has the wrong kind; see README, Configuration reference"
            reader.fail(key, message)
        # A placeholder that is never used: a problem is on record, so parse_settings raises.
        return factory.__new__(factory)  # type: ignore[call-overload]


def _read_execution(reader: _Reader, value: Any, agent_names: Sequence[str]) -> ExecutionSettings:
    """The registry and the code sessions; `registry: false` / `sessions: false` turn either off."""
    key = f"{NAMESPACE}:execution"
    data = reader.mapping(key, value, ("registry", "sessions", "agentSessions", "modelArtifacts"))
    for name, what in (("registry", "the container registry"), ("sessions", "code sessions")):
        if name in data and data[name] is not False and not isinstance(data[name], dict):
            reader.fail(f"{key}.{name}", f"expected a mapping of {name} settings, or false to deploy without {what}, got {_describe(data[name])}")
    registry: RegistryOptions | None = None
    if isinstance(data.get("registry", {}), dict):
        registry = _read_options(reader, f"{key}.registry", data.get("registry", {}), _REGISTRY_FIELDS, RegistryOptions)
    sessions: SessionPoolOptions | None = None
    if isinstance(data.get("sessions", {}), dict):
        sessions = _read_options(reader, f"{key}.sessions", data.get("sessions", {}), _SESSION_FIELDS, SessionPoolOptions)
    overrides_raw = data.get("agentSessions", {})
    overrides: dict[str, SessionPoolOptions] = {}
    if sessions is None and "agentSessions" in data:
        reader.fail(f"{key}.agentSessions", "is only used by code sessions, which aizone:execution.sessions: false turns off; remove it")
    elif not isinstance(overrides_raw, dict):
        reader.fail(f"{key}.agentSessions", f"expected a mapping of agent name to session options, got {_describe(overrides_raw)}")
    else:
        for agent_name, options in overrides_raw.items():
            entry = f"{key}.agentSessions.{agent_name}"
            if agent_name not in agent_names:
                reader.fail(entry, f"{agent_name!r} is not a declared agent; declared: {_names(agent_names)}")
                continue
            overrides[agent_name] = _read_options(reader, entry, options, _SESSION_FIELDS, SessionPoolOptions)
    artifacts = reader.sequence(f"{key}.modelArtifacts", data.get("modelArtifacts", []), lambda k, v: _read_artifact(reader, k, v))
    if registry is None:
        # Custom session images come only from the stack's own registry (EXEC-2, MOD-3).
        pools = {"sessions": sessions, **{f"agentSessions.{name}": options for name, options in overrides.items()}}
        for pool, options in pools.items():
            if options is not None and getattr(options, "image", None) is not None:
                reader.fail(
                    f"{key}.{pool}.image",
                    "a custom image must come from the stack's container registry (EXEC-2), which "
                    "aizone:execution.registry: false turns off; use a built-in containerType or turn the registry on",
                )
    return ExecutionSettings(registry, sessions, overrides, artifacts)


_SHA256 = re.compile(r"^(sha256:)?[0-9a-f]{64}$")


def _read_artifact(reader: _Reader, key: str, value: Any) -> ModelArtifact:
    data = reader.mapping(key, value, ("name", "path", "sha256"), ("name", "path", "sha256"))
    return ModelArtifact(
        name=reader.string(f"{key}.name", data.get("name"), None) if "name" in data else "",
        path=reader.string(f"{key}.path", data.get("path"), None) if "path" in data else "",
        sha256=reader.string(f"{key}.sha256", data.get("sha256"), _SHA256, "expected 64 lowercase hex digits, optionally prefixed 'sha256:'")
        if "sha256" in data
        else "",
    )


def _cidr_text(reader: _Reader, key: str, value: Any) -> str:
    network = reader.network(key, value)
    return str(network) if network else ""


def _check_unique(reader: _Reader, key: str, names: Sequence[str], what: str) -> None:
    seen: set[str] = set()
    for name in names:
        if name and name in seen:
            reader.fail(key, f"duplicate {what} {name!r}; each {what} must be unique")
        seen.add(name)
