"""`aizone:network`: the stack's own VNet (address space, subnets, egress) or the platform
team's subnets (`existing`), and the private DNS zones brought from a hub."""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, field
from typing import Any, Mapping

from ...network import SUBNET_ROLES, existing_subnet_problems, subnet_layout_problems
from .reader import _MISSING, NAMESPACE, _describe, _Reader

_ZONE_ID = re.compile(
    r"^/subscriptions/[0-9a-fA-F-]{36}/resourceGroups/[^/]+/providers/Microsoft\.Network/privateDnsZones/(?P<zone>[^/]+)$"
)


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
        reader.fail(
            f"{key}.privateDnsZoneIds", "is not used when privateDnsZoneGroups is 'platformPolicy' (the platform registers endpoints)"
        )
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
        reader.fail(
            f"{key}.firewallPrivateIp",
            f"mode 'hubFirewall' needs the firewall's private IPv4 address, got {_describe(raw_ip if raw_ip is not None else _MISSING)}",
        )
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
