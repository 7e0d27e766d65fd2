"""One typed, validated model of a stack's configuration.

Every key under the `aizone` namespace of `Pulumi.<stack>.yaml` is read here, checked, and turned into
frozen dataclasses. Nothing else in the program reads Pulumi config. A mistake (wrong key, type,
value, CIDR, overlapping subnets, region format, duplicate application, model not on the allow-list)
raises one `SettingsError` that names every offending key and what is allowed, before a single
resource is registered. `SettingsError` is a `pulumi.RunError`, which the Pulumi CLI (and our offline
preview) prints without a traceback.
"""

from __future__ import annotations

import difflib
import ipaddress
import json
import re
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Sequence, TypeVar

import pulumi

from aizone_policy import defaults, reference

from ..components.agents import Agent
from ..components.ai_services import Application, ModelDeployment, ModelRef
from ..components.entra import EntraOptions
from ..components.gateway import GatewayOptions
from ..components.monitoring import AlertOptions
from ..components.registry import RegistryOptions
from ..components.sessions import SessionPoolOptions

NAMESPACE = "aizone"
BOUNDARIES = reference.BOUNDARIES
SEVERITY_THRESHOLDS = ("Low", "Medium", "High")
SUBNET_ROLES = ("privateEndpoints", "gateway", "agents")
# Smallest prefix (largest number) each subnet may have. Container Apps environments with workload
# profiles need at least a /27; private endpoints and the gateway's VNet integration fit in a /28.
SUBNET_MAX_PREFIX = {"privateEndpoints": 28, "gateway": 28, "agents": 27}

_REGION = re.compile(r"^[a-z]+[a-z0-9]*$")
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
    address_space: str
    subnets: Mapping[str, str]
    dns_zone_ids: Mapping[str, str] = field(default_factory=dict)
    zone_groups_by_platform: bool = False
    egress: str = "natGateway"
    firewall_ip: str | None = None


@dataclass(frozen=True)
class ObservabilitySettings:
    retention_days: int


@dataclass(frozen=True)
class DataSettings:
    """DATA-5: `protect` (Pulumi refuses deletion) and `lock` (Azure refuses deletion)."""

    protect: bool
    lock: bool


@dataclass(frozen=True)
class GovernanceSettings:
    """Microsoft Purview and Defender for Cloud (subscription-wide: may be managed elsewhere)."""

    purview: bool
    defender: bool
    security_contacts: tuple[str, ...]


@dataclass(frozen=True)
class ModelArtifact:
    """An open-source model artifact checked against its SHA-256 digest before deployment (MOD-3)."""

    name: str
    path: str
    sha256: str


@dataclass(frozen=True)
class ExecutionSettings:
    """Code execution for agents (EXEC-1..3): the private registry and one session pool per agent."""

    registry: RegistryOptions
    sessions: SessionPoolOptions
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
    gateway: GatewayOptions
    execution: ExecutionSettings
    alerts: AlertOptions

    def name(self, kind: str, *parts: str) -> str:
        """Resource name per the Cloud Adoption Framework pattern `<kind>-<prefix>-<env>[-part...]`."""
        return "-".join((kind, self.prefix, self.environment, *parts))


# --- Reading --------------------------------------------------------------------------------------

T = TypeVar("T")
_MISSING = object()


class _Reader:
    """Walks raw config values, collecting every problem with the key path it belongs to."""

    def __init__(self) -> None:
        self.problems: list[str] = []

    def fail(self, key: str, message: str) -> None:
        self.problems.append(f"{key}: {message}")

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


def _describe(value: Any) -> str:
    if value is _MISSING:
        return "nothing"
    if isinstance(value, (dict, list)):
        return f"a {type(value).__name__}"
    return f"{type(value).__name__} {value!r}"


def _names(values: Sequence[str]) -> str:
    return ", ".join(repr(value) for value in values)


_TOP_LEVEL = (
    "prefix", "environment", "location", "tags", "network", "observability", "ai", "applications", "data", "governance",
    "agents", "entra", "gateway", "execution", "alerts",
)
_REQUIRED = ("prefix", "environment", "location", "network", "ai", "applications", "gateway", "alerts")


def load_settings() -> Settings:
    """Read and validate the stack's `aizone:*` configuration (see README, Configuration reference)."""
    return parse_settings(_raw_namespace_config())


def _raw_namespace_config() -> dict[str, Any]:
    """Every `aizone:<key>` config value, JSON-decoded where the engine passed structured values."""
    raw: dict[str, Any] = {}
    for full_key, value in pulumi.runtime.get_config_env().items():
        namespace, _, key = full_key.partition(":")
        if namespace != NAMESPACE:
            continue
        raw[key] = _decode(value)
    from pulumi.runtime.config import CONFIG  # values set in-process (mocks, automation API)

    for full_key, value in CONFIG.get().items():
        namespace, _, key = full_key.partition(":")
        if namespace == NAMESPACE:
            raw[key] = _decode(value)
    return raw


def _decode(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def parse_settings(raw: Mapping[str, Any]) -> Settings:
    """Validate raw `aizone:*` values (keys without the namespace); raise SettingsError on any problem."""
    reader = _Reader()
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
    location = reader.string(
        f"{NAMESPACE}:location",
        raw.get("location", "swedencentral"),
        _REGION,
        "use the region's programmatic name in lowercase without spaces, e.g. 'swedencentral' or 'eastus2'",
    )
    tags = _read_tags(reader, raw.get("tags", {}))
    network = _read_network(reader, raw.get("network", {}))
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

    if reader.problems:
        raise SettingsError(reader.problems)
    return Settings(
        prefix, environment, location, tags, network, observability, ai, applications, data, governance, agents, entra,
        gateway, execution, alerts,
    )


def _read_tags(reader: _Reader, value: Any) -> dict[str, str]:
    key = f"{NAMESPACE}:tags"
    if not isinstance(value, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
        reader.fail(key, f"expected a mapping of string to string, got {_describe(value)}")
        return {}
    reserved = sorted(k for k in value if k.startswith("aizone-") or k == reference.BOUNDARY_TAG)
    if reserved:
        reader.fail(key, f"tags {_names(reserved)} are set by the landing zone and cannot be overridden")
    return dict(value)


def _read_network(reader: _Reader, value: Any) -> NetworkSettings:
    key = f"{NAMESPACE}:network"
    data = reader.mapping(
        key, value, ("addressSpace", "subnets", "privateDnsZoneIds", "privateDnsZoneGroups", "egress"), ("addressSpace", "subnets")
    )
    space = reader.network(f"{key}.addressSpace", data.get("addressSpace"))
    subnets_raw = reader.mapping(f"{key}.subnets", data.get("subnets", {}), SUBNET_ROLES, SUBNET_ROLES)
    subnets: dict[str, str] = {}
    parsed: dict[str, ipaddress.IPv4Network] = {}
    for role in SUBNET_ROLES:
        if role not in subnets_raw:
            continue
        subnet_key = f"{key}.subnets.{role}"
        net = reader.network(subnet_key, subnets_raw[role])
        if net is None:
            continue
        if net.prefixlen > SUBNET_MAX_PREFIX[role]:
            reader.fail(subnet_key, f"{net} is too small; the {role} subnet needs a /{SUBNET_MAX_PREFIX[role]} or larger")
        if space is not None and not net.subnet_of(space):
            reader.fail(subnet_key, f"{net} is outside the address space {space}")
        for other_role, other in parsed.items():
            if net.overlaps(other):
                reader.fail(subnet_key, f"{net} overlaps subnets.{other_role} ({other}); subnets must not overlap")
        parsed[role] = net
        subnets[role] = str(net)
    zone_ids = _read_zone_ids(reader, f"{key}.privateDnsZoneIds", data.get("privateDnsZoneIds", {}))
    groups = reader.choice(f"{key}.privateDnsZoneGroups", data.get("privateDnsZoneGroups", "create"), ("create", "platformPolicy"))
    if groups == "platformPolicy" and zone_ids:
        reader.fail(f"{key}.privateDnsZoneIds", "is not used when privateDnsZoneGroups is 'platformPolicy' (the platform registers endpoints)")
    egress, firewall_ip = _read_egress(reader, f"{key}.egress", data.get("egress", {}))
    return NetworkSettings(str(space) if space else "", subnets, zone_ids, groups == "platformPolicy", egress, firewall_ip)


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


def _read_observability(reader: _Reader, value: Any) -> ObservabilitySettings:
    key = f"{NAMESPACE}:observability"
    data = reader.mapping(key, value, ("retentionDays",))
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
    data = reader.mapping(key, value, ("protect", "lock"))
    return DataSettings(
        protect=reader.boolean(f"{key}.protect", data.get("protect", True)),
        lock=reader.boolean(f"{key}.lock", data.get("lock", True)),
    )


_EMAIL = re.compile(r"^[^@\s;]+@[^@\s;]+\.[^@\s;]+$")


def _read_governance(reader: _Reader, value: Any) -> GovernanceSettings:
    key = f"{NAMESPACE}:governance"
    data = reader.mapping(key, value, ("purview", "defender", "securityContacts"))
    contacts = reader.sequence(
        f"{key}.securityContacts",
        data.get("securityContacts", []),
        lambda k, v: reader.string(k, v, _EMAIL, "expected an e-mail address such as secops@contoso.com"),
    )
    return GovernanceSettings(
        purview=reader.boolean(f"{key}.purview", data.get("purview", True)),
        defender=reader.boolean(f"{key}.defender", data.get("defender", True)),
        security_contacts=contacts,
    )


def _read_agents(reader: _Reader, value: Any, boundaries: Mapping[str, str]) -> tuple[Agent, ...]:
    key = f"{NAMESPACE}:agents"

    def read(item_key: str, item: Any) -> Agent:
        data = reader.mapping(item_key, item, ("name", "application", "owner", "description"), ("name", "application", "owner"))
        name = reader.string(f"{item_key}.name", data.get("name"), _APP_NAME, "use 3-24 lowercase letters, digits and '-', starting with a letter")
        application = data.get("application")
        if "application" in data and application not in boundaries:
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


def _read_gateway(reader: _Reader, value: Any) -> GatewayOptions:
    """The AI gateway (MOD-4); field rules live with the component, in GatewayOptions.problems()."""
    key = f"{NAMESPACE}:gateway"
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
    to_key = {field_name: config_key for config_key, (field_name, _) in _GATEWAY_FIELDS.items()}
    for problem in options.problems():
        field_name, _, rest = problem.partition(" ")
        reader.fail(f"{key}.{to_key.get(field_name, field_name)}", rest)
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
    data = reader.mapping(key, value, tuple(fields), required)
    kwargs: dict[str, Any] = {}
    for config_key, (field_name, kind) in fields.items():
        if config_key not in data:
            continue
        item = data[config_key]
        accepted = (int, float) if kind is float else kind
        if isinstance(item, bool) is not (kind is bool) or not isinstance(item, accepted):
            reader.fail(f"{key}.{config_key}", f"expected {kind.__name__}, got {_describe(item)}")
            continue
        kwargs[field_name] = tuple(item) if kind is list else item
    try:
        return factory(**kwargs)
    except (TypeError, ValueError) as error:
        message = str(error)
        for config_key, (field_name, _) in fields.items():
            message = message.replace(field_name, config_key)
        if all(name in data for name in required):
            reader.fail(key, message)
        # A placeholder that is never used: a problem is on record, so parse_settings raises.
        return factory.__new__(factory)  # type: ignore[call-overload]


def _read_execution(reader: _Reader, value: Any, agent_names: Sequence[str]) -> ExecutionSettings:
    key = f"{NAMESPACE}:execution"
    data = reader.mapping(key, value, ("registry", "sessions", "agentSessions", "modelArtifacts"))
    registry = _read_options(reader, f"{key}.registry", data.get("registry", {}), _REGISTRY_FIELDS, RegistryOptions)
    sessions = _read_options(reader, f"{key}.sessions", data.get("sessions", {}), _SESSION_FIELDS, SessionPoolOptions)
    overrides_raw = data.get("agentSessions", {})
    overrides: dict[str, SessionPoolOptions] = {}
    if not isinstance(overrides_raw, dict):
        reader.fail(f"{key}.agentSessions", f"expected a mapping of agent name to session options, got {_describe(overrides_raw)}")
    else:
        for agent_name, options in overrides_raw.items():
            entry = f"{key}.agentSessions.{agent_name}"
            if agent_name not in agent_names:
                reader.fail(entry, f"{agent_name!r} is not a declared agent; declared: {_names(agent_names)}")
                continue
            overrides[agent_name] = _read_options(reader, entry, options, _SESSION_FIELDS, SessionPoolOptions)
    artifacts = reader.sequence(f"{key}.modelArtifacts", data.get("modelArtifacts", []), lambda k, v: _read_artifact(reader, k, v))
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
