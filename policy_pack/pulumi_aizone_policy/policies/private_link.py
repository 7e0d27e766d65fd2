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

A storage account the stack gives a static website, and that holds nothing but the site, needs no
private endpoint: it is public by design (static_sites.py), an advisory note says so.

Links between endpoint, target and zone group follow stackindex.py (id value, property
dependency, sole dependency); a zone group is also linked by its Pulumi parent, by
privateEndpointName equal to the endpoint's name, or by its id under the endpoint's id.

The classic provider (pulumi-azure 6.x) counts the same way: its resources of the same services
(`CLASSIC_TARGETS`) need an endpoint where the azure-native ones do, with the same group ids
(azurerm's `subresourceNames` "corresponds to group_id", EndpointPrivateServiceConnectionArgs
docstring), and an `azure:privatelink/endpoint:Endpoint` of either provider's resource counts: it
holds one `privateServiceConnection` block (`privateConnectionResourceId`, `subresourceNames`)
and its zone group inline (`privateDnsZoneGroup.privateDnsZoneIds`). A classic API Management
service in Internal VNet mode (`virtualNetworkType`) is private without an endpoint.
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
from .static_sites import SITE_FIELDS, STORAGE_ACCOUNTS, site_of_account

# Classic resource types and the azure-native type whose Private Link group ids they offer.
CLASSIC_TARGETS: Final[Mapping[str, str]] = {
    tokens.AZ_COGNITIVE_ACCOUNT: tokens.COGNITIVE_ACCOUNT,
    tokens.AZ_AI_SERVICES: tokens.COGNITIVE_ACCOUNT,
    tokens.AZ_SEARCH_SERVICE: tokens.SEARCH_SERVICE,
    tokens.AZ_STORAGE_ACCOUNT: tokens.STORAGE_ACCOUNT,
    tokens.AZ_KEY_VAULT: tokens.KEY_VAULT,
    tokens.AZ_ML_WORKSPACE: tokens.ML_WORKSPACE,
    tokens.AZ_CONTAINER_REGISTRY: tokens.CONTAINER_REGISTRY,
    tokens.AZ_APIM_SERVICE: tokens.APIM_SERVICE,
    tokens.AZ_COSMOS_ACCOUNT: tokens.COSMOS_ACCOUNT,
}
TARGET_TYPES: Final[tuple[str, ...]] = (
    *(token for token in reference.PRIVATE_LINK if token != tokens.PRIVATE_LINK_SCOPE),
    *CLASSIC_TARGETS,
)
ENDPOINT_TYPES: Final[tuple[str, ...]] = (tokens.PRIVATE_ENDPOINT, tokens.AZ_PRIVATE_ENDPOINT)
_CONNECTION_PROPS: Final[tuple[str, ...]] = ("privateLinkServiceConnections", "manualPrivateLinkServiceConnections")
_CLASSIC_CONNECTION: Final = "privateServiceConnection"
_CLASSIC_ZONE_GROUP: Final = "privateDnsZoneGroup"


def offered_groups(type_token: str) -> Mapping[str, tuple[str, ...]]:
    """Group ids (with their privatelink zones) a Private Link capable type offers."""
    return reference.PRIVATE_LINK[CLASSIC_TARGETS.get(type_token, type_token)]


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
        offered = {group.lower() for group in offered_groups(self.target.type)}
        return any(group.lower() in offered for group in self.groups)

    def zones(self) -> tuple[str, ...]:
        """Private DNS zones (templates) the endpoint's zone group should point at."""
        offered = offered_groups(self.target.type)
        wanted = {group.lower() for group in self.groups or ()}
        return tuple(zone for group, zones in offered.items() if group.lower() in wanted for zone in zones)


def _group_ids(connection: Mapping[str, object], key: str = "groupIds") -> tuple[str, ...] | None:
    """Requested group ids of a connection (None when unknown)."""
    groups = connection.get(key)
    if groups is UNKNOWN or UNKNOWN in items(groups):
        return None
    return tuple(group for group in items(groups) if isinstance(group, str))


def _connections(stack: StackIndex, endpoint: StackResource) -> list[_Connection]:
    """The endpoint's connections to resources of the stack that offer Private Link."""
    found: list[_Connection] = []
    if endpoint.type == tokens.AZ_PRIVATE_ENDPOINT:
        entry = endpoint.get(_CLASSIC_CONNECTION)
        if entry is UNKNOWN:
            return [_Connection(endpoint, target, None) for target in stack.dependencies_via(endpoint, _CLASSIC_CONNECTION, TARGET_TYPES)]
        block = as_dict(entry) or {}
        groups = _group_ids(block, "subresourceNames")
        for target in stack.linked(endpoint, _CLASSIC_CONNECTION, block.get("privateConnectionResourceId"), TARGET_TYPES):
            found.append(_Connection(endpoint, target, groups))
        return found
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
    tokens.AZ_APIM_SERVICE: ("virtualNetworkType", lambda value: eq_ci(value, "Internal")),
}


def _offered(target: StackResource) -> str:
    """The group ids the target's type offers, quoted, for messages."""
    return ", ".join(f"'{group}'" for group in offered_groups(target.type))


def _endpoint_fix(target: StackResource) -> str:
    """The endpoint to add for a target, in its provider's terms."""
    if target.type in CLASSIC_TARGETS:
        return (
            f"add an azure:privatelink/endpoint:Endpoint with privateServiceConnection = "
            f"{{privateConnectionResourceId: <its id>, subresourceNames: [one of {_offered(target)}]}} "
            "and a privateDnsZoneGroup"
        )
    return (
        f"add a network:PrivateEndpoint with privateLinkServiceConnections = [{{privateLinkServiceId: "
        f"<its id>, groupIds: [one of {_offered(target)}]}}] and a DNS zone group"
    )


def _endpoints_required(stack: StackIndex, _config: PolicyConfig) -> Iterator[Finding]:
    """Every Private Link capable resource has an endpoint with a valid group id."""
    targets = stack.of_type(*TARGET_TYPES)
    if not targets:
        return
    by_target: dict[str, list[_Connection]] = {}
    for endpoint in stack.of_type(*ENDPOINT_TYPES):
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
        site = site_of_account(stack, target) if target.type in STORAGE_ACCOUNTS else None
        if site is not None and site.public_by_design:
            yield Finding(message=site.note("the lack of a private endpoint"), unknown=True, urn=target.urn, name=target.name)
            continue
        if connections:
            requested = "; ".join(f"'{connection.endpoint.name}' requests {list(connection.groups or ())}" for connection in connections)
            problem = f"has private endpoints with group ids it does not offer ({requested})"
        else:
            problem = "has no private endpoint"
        yield violation(
            f"{target.subject} {problem}: {_endpoint_fix(target)}, then keep public network access disabled."
            + (site.why_not() if site is not None else ""),
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
        endpoints = stack.of_type(*ENDPOINT_TYPES)
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
        if parent is not None and parent.type in ENDPOINT_TYPES:
            return parent
        name = zone_group.get("privateEndpointName")
        linked = stack.linked(zone_group, "privateEndpointName", name, ENDPOINT_TYPES)
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


def _inline_zone_findings(endpoint: StackResource, expected: tuple[str, ...]) -> Iterator[Finding]:
    """Findings for a classic endpoint's inline privateDnsZoneGroup block."""
    wanted = ", ".join(expected) or "the privatelink zone of its subresource name"
    zone_ids = endpoint.get(f"{_CLASSIC_ZONE_GROUP}.privateDnsZoneIds")
    if zone_ids is UNKNOWN or UNKNOWN in items(zone_ids):
        return
    names = [
        zone_id.lower().rsplit("/", 1)[-1]
        for zone_id in (str_or_none(value) for value in items(zone_ids))
        if zone_id and _ZONE_SEGMENT in zone_id.lower()
    ]
    patterns = [_zone_pattern(zone) for zone in expected]
    if not items(zone_ids):
        yield violation(
            f"{endpoint.subject} has no private DNS zone in {_CLASSIC_ZONE_GROUP}.privateDnsZoneIds: point it at {wanted}.",
            urn=endpoint.urn,
            name=endpoint.name,
        )
    elif names and patterns and not any(pattern.match(name) for pattern in patterns for name in names):
        yield violation(
            f"{endpoint.subject} has {_CLASSIC_ZONE_GROUP}.privateDnsZoneIds pointing at {', '.join(names)}, but "
            f"its subresource needs {wanted}: use the matching privatelink zone.",
            urn=endpoint.urn,
            name=endpoint.name,
        )


def _zone_groups_required(stack: StackIndex, config: PolicyConfig) -> Iterator[Finding]:
    """Every private endpoint has a DNS zone group pointing at a zone of its group id (a classic
    endpoint: its inline privateDnsZoneGroup, or a zone group resource linked to it)."""
    endpoints = stack.of_type(*ENDPOINT_TYPES)
    if not endpoints or config.bool("dnsZoneGroupsManagedByPlatform"):
        return
    zone_groups = _ZoneGroups(stack)
    for endpoint in endpoints:
        expected = tuple(dict.fromkeys(zone for connection in _connections(stack, endpoint) for zone in connection.zones()))
        linked = zone_groups.by_endpoint.get(endpoint.urn, [])
        if endpoint.type == tokens.AZ_PRIVATE_ENDPOINT and (endpoint.get(_CLASSIC_ZONE_GROUP) is not None or not linked):
            if endpoint.get(_CLASSIC_ZONE_GROUP) is None:
                yield violation(
                    f"{endpoint.subject} has no private DNS zone group: set {_CLASSIC_ZONE_GROUP} = "
                    f"{{name: 'default', privateDnsZoneIds: [the id of {', '.join(expected) or 'the privatelink zone of its subresource name'}]}}, "
                    "or set dnsZoneGroupsManagedByPlatform = true in this policy's config when the "
                    "platform's Azure Policy creates zone groups.",
                    urn=endpoint.urn,
                    name=endpoint.name,
                )
            else:
                yield from _inline_zone_findings(endpoint, expected)
            continue
        yield from _zone_group_findings(endpoint, linked, expected)


def _search_sku(resource: Resource, _config: PolicyConfig) -> Iterator[Finding]:
    """AI Search SKU supports private endpoints (every SKU except free)."""
    yield from check(
        resource,
        "sku.name",
        lambda value: not eq_ci(value, "free"),
        "uses a SKU without private endpoint support",
        "use the 'basic' SKU or higher",
    )


_CONNECTION_FIELDS: tuple[Field, ...] = (
    *(Field(tokens.PRIVATE_ENDPOINT, f"{prop}[].{key}") for prop in _CONNECTION_PROPS for key in ("privateLinkServiceId", "groupIds")),
    Field(tokens.AZ_PRIVATE_ENDPOINT, f"{_CLASSIC_CONNECTION}.privateConnectionResourceId"),
    Field(tokens.AZ_PRIVATE_ENDPOINT, f"{_CLASSIC_CONNECTION}.subresourceNames"),
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
            "vault, amlworkspace, registry, Gateway, Sql, account/portal, managedEnvironments); on "
            "the classic provider an azure:privatelink/endpoint:Endpoint with privateServiceConnection "
            "(privateConnectionResourceId, subresourceNames) and a privateDnsZoneGroup."
        ),
        fields=(
            *_CONNECTION_FIELDS,
            Field(tokens.APIM_SERVICE, "virtualNetworkType", ("Internal",)),
            Field(tokens.MANAGED_ENVIRONMENT, "vnetConfiguration.internal"),
            Field(tokens.AZ_APIM_SERVICE, "virtualNetworkType"),
            *SITE_FIELDS,
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
            "pointing at the privatelink zone(s) of its group id (classic endpoints: "
            "privateDnsZoneGroup.privateDnsZoneIds), or declare that the platform's "
            "Azure Policy creates them (dnsZoneGroupsManagedByPlatform)."
        ),
        fields=(
            *_CONNECTION_FIELDS,
            Field(tokens.PRIVATE_ENDPOINT, "privateEndpointName"),
            Field(tokens.PRIVATE_DNS_ZONE_GROUP, "privateEndpointName"),
            Field(tokens.PRIVATE_DNS_ZONE_GROUP, "privateDnsZoneConfigs[].privateDnsZoneId"),
            Field(tokens.AZ_PRIVATE_ENDPOINT, f"{_CLASSIC_ZONE_GROUP}.privateDnsZoneIds"),
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
