"""RES-4: private endpoints with DNS zone groups, on SKUs that support them.

- Stack policy: every resource of a type that offers Private Link (reference.PRIVATE_LINK, except
  the Azure Monitor private link scope, which is itself the private-link hub) has a
  network:PrivateEndpoint whose privateLinkServiceConnections (or manual connections) target it
  with a group id the type offers. API Management in Internal VNet mode and Internal Container
  Apps environments are private without an endpoint.
- Stack policy: every private endpoint has a network:PrivateDnsZoneGroup pointing at a zone of
  its group (privatelink.*), unless the policy config says the platform's Azure Policy creates the
  zone groups (`dnsZoneGroupsManagedByPlatform: true`, common in hub-and-spoke landing zones).
- Resource policy: AI Search is not on the free SKU, which has no private endpoints.

Links between endpoint, target and zone group follow stackindex.py (id value, property
dependency, sole dependency); a zone group is also linked by its Pulumi parent, by
privateEndpointName equal to the endpoint's name, or by its id under the endpoint's id.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Final

from .. import reference, tokens
from ..config import PolicyConfig
from ..framework import Field, Finding, Resource, ResourcePolicySpec, StackPolicySpec, check, unknown_value, violation
from ..stackindex import StackIndex, StackResource, normalize_id
from ..values import UNKNOWN, as_dict, eq_ci, items, str_or_none

TARGET_TYPES: Final[tuple[str, ...]] = tuple(
    token for token in reference.PRIVATE_LINK if token != tokens.PRIVATE_LINK_SCOPE
)
_CONNECTION_PROPS: Final[tuple[str, ...]] = ("privateLinkServiceConnections", "manualPrivateLinkServiceConnections")
_ZONE_GROUP_SEGMENT = "/privatednszonegroups/"
_ZONE_SEGMENT = "/privatednszones/"


@dataclass(frozen=True)
class _Connection:
    """One private link connection of an endpoint: its target and requested group ids
    (None when the group ids are unknown during preview)."""

    endpoint: StackResource
    target: StackResource
    groups: tuple[str, ...] | None

    def valid(self) -> bool:
        """True when a requested group id is one the target type offers (or groups are unknown)."""
        if self.groups is None:
            return True
        offered = {group.lower() for group in reference.PRIVATE_LINK[self.target.type]}
        return any(group.lower() in offered for group in self.groups)

    def zones(self) -> tuple[str, ...]:
        """Private DNS zones (templates) the endpoint's zone group should point at."""
        offered = reference.PRIVATE_LINK[self.target.type]
        wanted = {group.lower() for group in self.groups or ()}
        return tuple(zone for group, zones in offered.items() if group.lower() in wanted for zone in zones)


def _group_ids(connection: Mapping[str, object]) -> tuple[str, ...] | None:
    """Requested group ids of a connection (None when unknown)."""
    groups = connection.get("groupIds")
    if groups is UNKNOWN or UNKNOWN in items(groups):
        return None
    return tuple(group for group in items(groups) if isinstance(group, str))


def _connections(stack: StackIndex, endpoint: StackResource) -> list[_Connection]:
    """The endpoint's connections to resources of the stack that offer Private Link."""
    found: list[_Connection] = []
    for prop in _CONNECTION_PROPS:
        entries = endpoint.get(prop)
        if entries is UNKNOWN or UNKNOWN in items(entries):
            found += [_Connection(endpoint, target, None) for target in stack.dependencies_via(endpoint, prop, TARGET_TYPES)]
            continue
        for item in items(entries):
            entry = as_dict(item) or {}
            for target in stack.linked(endpoint, prop, entry.get("privateLinkServiceId"), TARGET_TYPES):
                found.append(_Connection(endpoint, target, _group_ids(entry)))
    return found


# Types that are private without an endpoint in one network mode: (property, test of its value).
_PRIVATE_MODES: Final[Mapping[str, tuple[str, Callable[[object], bool]]]] = {
    tokens.APIM_SERVICE: ("virtualNetworkType", lambda value: eq_ci(value, "Internal")),
    tokens.MANAGED_ENVIRONMENT: ("vnetConfiguration.internal", lambda value: value is True),
}


def _offered(target: StackResource) -> str:
    """The group ids the target's type offers, quoted, for messages."""
    return ", ".join(f"'{group}'" for group in reference.PRIVATE_LINK[target.type])


def _endpoints_required(stack: StackIndex, _config: PolicyConfig) -> Iterator[Finding]:
    """Every Private Link capable resource has an endpoint with a valid group id."""
    targets = stack.of_type(*TARGET_TYPES)
    if not targets:
        return
    by_target: dict[str, list[_Connection]] = {}
    for endpoint in stack.of_type(tokens.PRIVATE_ENDPOINT):
        for connection in _connections(stack, endpoint):
            by_target.setdefault(connection.target.urn, []).append(connection)
    for target in targets:
        connections = by_target.get(target.urn, [])
        mode_path, is_private = _PRIVATE_MODES.get(target.type, ("", lambda _value: False))
        mode = target.get(mode_path) if mode_path else None
        if is_private(mode) or any(connection.valid() for connection in connections):
            continue
        if mode is UNKNOWN:
            yield unknown_value(target.subject, mode_path, urn=target.urn, name=target.name)
            continue
        if connections:
            requested = "; ".join(
                f"'{connection.endpoint.name}' requests {list(connection.groups or ())}" for connection in connections
            )
            problem = f"has private endpoints with group ids it does not offer ({requested})"
        else:
            problem = "has no private endpoint"
        yield violation(
            f"{target.subject} {problem}: add a network:PrivateEndpoint with "
            f"privateLinkServiceConnections = [{{privateLinkServiceId: <its id>, groupIds: [one of "
            f"{_offered(target)}]}}] and a DNS zone group, then keep public network access disabled.",
            urn=target.urn,
            name=target.name,
        )


def _zone_pattern(template: str) -> re.Pattern[str]:
    """Regex for a zone name template ("privatelink.{region}.azurecontainerapps.io")."""
    return re.compile("^" + re.escape(template.lower()).replace(r"\{region\}", "[a-z0-9-]+") + "$")


def _zone_names(zone_group: StackResource) -> tuple[list[str], bool]:
    """Zone names a zone group points at (empty when any is unknown) and whether it has any
    (possibly unknown) zone config."""
    configs = zone_group.get("privateDnsZoneConfigs")
    if configs is UNKNOWN or UNKNOWN in items(configs):
        return [], True
    names: list[str] = []
    for item in items(configs):
        raw_id = (as_dict(item) or {}).get("privateDnsZoneId")
        if raw_id is UNKNOWN:
            return [], True
        zone_id = str_or_none(raw_id)
        if zone_id and _ZONE_SEGMENT in zone_id.lower():
            names.append(zone_id.lower().rsplit("/", 1)[-1])
    return names, bool(items(configs))


class _ZoneGroups:
    """Zone groups of the stack by the URN of the private endpoint they belong to."""

    def __init__(self, stack: StackIndex) -> None:
        endpoints = stack.of_type(tokens.PRIVATE_ENDPOINT)
        by_name: dict[str, StackResource] = {}
        for endpoint in endpoints:
            for value in (endpoint.get("privateEndpointName"), endpoint.get("name")):
                if isinstance(value, str) and value:
                    by_name[value.lower()] = endpoint
        self.by_endpoint: dict[str, list[StackResource]] = {}
        for zone_group in stack.of_type(tokens.PRIVATE_DNS_ZONE_GROUP):
            endpoint = self._endpoint_of(stack, zone_group, by_name)
            if endpoint is not None:
                self.by_endpoint.setdefault(endpoint.urn, []).append(zone_group)

    @staticmethod
    def _endpoint_of(stack: StackIndex, zone_group: StackResource, by_name: Mapping[str, StackResource]) -> StackResource | None:
        """The endpoint a zone group belongs to (see module doc for the ways it is linked)."""
        parent = stack.get(zone_group.parent) if zone_group.parent else None
        if parent is not None and parent.type == tokens.PRIVATE_ENDPOINT:
            return parent
        name = zone_group.get("privateEndpointName")
        linked = stack.linked(zone_group, "privateEndpointName", name, {tokens.PRIVATE_ENDPOINT})
        if linked:
            return linked[0]
        if isinstance(name, str) and name.lower() in by_name:
            return by_name[name.lower()]
        own_id = zone_group.arm_id or ""
        if _ZONE_GROUP_SEGMENT in own_id:
            return stack.by_id(normalize_id(own_id[: own_id.index(_ZONE_GROUP_SEGMENT)]))
        return None


def _zone_group_findings(endpoint: StackResource, zone_groups: list[StackResource], expected: tuple[str, ...]) -> Iterator[Finding]:
    """Findings for one endpoint given its zone groups and the zones its groups need."""
    wanted = ", ".join(expected) or "the privatelink zone of its group id"
    if not zone_groups:
        yield violation(
            f"{endpoint.subject} has no private DNS zone group: add a network:PrivateDnsZoneGroup "
            f"(privateEndpointName = the endpoint's name) whose privateDnsZoneConfigs point at "
            f"{wanted}, or set dnsZoneGroupsManagedByPlatform = true in this policy's config when "
            "the platform's Azure Policy creates zone groups.",
            urn=endpoint.urn,
            name=endpoint.name,
        )
        return
    patterns = [_zone_pattern(zone) for zone in expected]
    for zone_group in zone_groups:
        names, configured = _zone_names(zone_group)
        if not configured:
            yield violation(
                f"{zone_group.subject} of {endpoint.subject} has no privateDnsZoneConfigs: point it at {wanted}.",
                urn=zone_group.urn,
                name=zone_group.name,
            )
        elif names and patterns and not any(pattern.match(name) for pattern in patterns for name in names):
            yield violation(
                f"{zone_group.subject} of {endpoint.subject} points at {', '.join(names)}, but the "
                f"endpoint's group needs {wanted}: use the matching privatelink zone.",
                urn=zone_group.urn,
                name=zone_group.name,
            )


def _zone_groups_required(stack: StackIndex, config: PolicyConfig) -> Iterator[Finding]:
    """Every private endpoint has a DNS zone group pointing at a zone of its group id."""
    endpoints = stack.of_type(tokens.PRIVATE_ENDPOINT)
    if not endpoints or config.bool("dnsZoneGroupsManagedByPlatform"):
        return
    zone_groups = _ZoneGroups(stack)
    for endpoint in endpoints:
        expected = tuple(dict.fromkeys(zone for connection in _connections(stack, endpoint) for zone in connection.zones()))
        yield from _zone_group_findings(endpoint, zone_groups.by_endpoint.get(endpoint.urn, []), expected)


def _search_sku(resource: Resource, _config: PolicyConfig) -> Iterator[Finding]:
    """AI Search SKU supports private endpoints (every SKU except free)."""
    yield from check(
        resource,
        "sku.name",
        lambda value: not eq_ci(value, "free"),
        "uses a SKU without private endpoint support",
        "use the 'basic' SKU or higher",
    )


_CONNECTION_FIELDS: tuple[Field, ...] = tuple(
    Field(tokens.PRIVATE_ENDPOINT, f"{prop}[].{key}")
    for prop in _CONNECTION_PROPS
    for key in ("privateLinkServiceId", "groupIds")
)

POLICIES: tuple[ResourcePolicySpec | StackPolicySpec, ...] = (
    StackPolicySpec(
        name="azurenative-network-privateendpoint-required",
        controls=("RES-4",),
        description="Resources that support Private Link must have a private endpoint with a valid group id.",
        severity="high",
        remediation=(
            "Create a network:PrivateEndpoint in the workload subnet for every AI, data, vault, "
            "registry and gateway resource, with privateLinkServiceConnections targeting the "
            "resource and a group id it offers (account, searchService, blob/file/queue/table/dfs, "
            "vault, amlworkspace, registry, Gateway, Sql, account/portal, managedEnvironments)."
        ),
        fields=(
            *_CONNECTION_FIELDS,
            Field(tokens.APIM_SERVICE, "virtualNetworkType", ("Internal",)),
            Field(tokens.MANAGED_ENVIRONMENT, "vnetConfiguration.internal"),
        ),
        rule=_endpoints_required,
    ),
    StackPolicySpec(
        name="azurenative-network-privatednszonegroup-required",
        controls=("RES-4",),
        description="Private endpoints must have a DNS zone group pointing at the right privatelink zone.",
        severity="high",
        remediation=(
            "Add a network:PrivateDnsZoneGroup to every private endpoint with privateDnsZoneConfigs "
            "pointing at the privatelink zone(s) of its group id, or declare that the platform's "
            "Azure Policy creates them (dnsZoneGroupsManagedByPlatform)."
        ),
        fields=(
            *_CONNECTION_FIELDS,
            Field(tokens.PRIVATE_ENDPOINT, "privateEndpointName"),
            Field(tokens.PRIVATE_DNS_ZONE_GROUP, "privateEndpointName"),
            Field(tokens.PRIVATE_DNS_ZONE_GROUP, "privateDnsZoneConfigs[].privateDnsZoneId"),
        ),
        rule=_zone_groups_required,
        config={
            "dnsZoneGroupsManagedByPlatform": {
                "type": "boolean",
                "default": False,
                "description": (
                    "True when the platform's Azure Policy (DeployIfNotExists) creates the DNS "
                    "zone groups of private endpoints, so the stack does not."
                ),
            }
        },
    ),
    ResourcePolicySpec(
        name="azurenative-search-service-private-endpoint-sku",
        controls=("RES-4",),
        description="AI Search services must use a SKU that supports private endpoints (not free).",
        severity="medium",
        remediation="Use the 'basic' SKU or higher for AI Search; the free SKU has no private endpoints.",
        fields=(Field(tokens.SEARCH_SERVICE, "sku.name", ("free", "basic")),),
        resource_types=(tokens.SEARCH_SERVICE,),
        rule=_search_sku,
    ),
)
