"""Network foundation: one VNet with deny-by-default subnets, private DNS, and the one private
endpoint helper every component uses (RES-3, RES-4).

Subnets are declared inline on the VNet: one PUT creates them all, which avoids the 409 Conflict
Azure returns for concurrent subnet writes under one VNet, and keeps the NSG association atomic.
"""

# No `from __future__ import annotations`: Pulumi's schema inference reads these annotations.
import ipaddress
import re
from dataclasses import dataclass
from typing import Any, Mapping, NotRequired, Optional, Sequence, TypedDict, cast

import pulumi
from pulumi_azure_native import network, privatedns

from pulumi_aizone_policy import reference

from .base import (
    Placement,
    PlacementArgs,
    PrivateNetworking,
    PrivateNetworkingArgs,
    Problem,
    aliased,
    as_placement,
    as_private_networking,
    implements,
    raise_if_invalid,
    tags_of,
    validate_placement,
)

TYPE_TOKEN = "aizone:index:Network"
EXISTING_TYPE_TOKEN = "aizone:index:ExistingNetwork"
# Before 0.2.0 Network was `aizone:network:Network`: aliased so existing stacks keep it. (The
# provider test looks up each served component's old token by class name; ExistingNetwork is new.)
_OLD_TYPE_TOKENS = {"Network": "aizone:network:Network"}


@dataclass(frozen=True)
class Rule:
    """One NSG rule, written the way a reviewer reads it. `ports` is one port or range ("443",
    "30000-32767", "*") or several ("443", "31443")."""

    name: str
    priority: int
    direction: str  # Inbound | Outbound
    access: str  # Allow | Deny
    source: str
    destination: str
    ports: str | tuple[str, ...] = "*"
    protocol: str = "*"


def _deny_all(direction: str) -> Rule:
    return Rule(f"deny-all-{direction.lower()}", 4096, direction, "Deny", "*", "*")


# Azure DNS (the virtual public IP of the platform), reached from every subnet.
AZURE_DNS = "168.63.129.16"


def agents_rules(subnet: str, region: str) -> tuple[Rule, ...]:
    """The agents subnet hosts a Container Apps environment with workload profiles and internal
    ingress. Its NSG allows exactly what Microsoft lists for that environment type, and nothing
    else ("Securing a virtual network in Azure Container Apps with Network Security Groups",
    https://learn.microsoft.com/azure/container-apps/firewall-integration, workload profiles tabs;
    source: MicrosoftDocs/azure-docs articles/container-apps/firewall-integration.md):
    - inbound: clients (here the VNet: ingress is internal) to the subnet on 443 and 31443 (the
      environment's edge proxy behind the internal load balancer; HTTP 80/31080 is not used), and
      AzureLoadBalancer probes on 30000-32767 (the full range: the probe ports are allocated at
      creation);
    - outbound: all traffic between IPs of the subnet, MicrosoftContainerRegistry and its
      dependency AzureFrontDoor.FirstParty on 443, AzureActiveDirectory on 443 (managed
      identities), AzureMonitor on 443, Azure DNS 168.63.129.16 on 53 over TCP and UDP, NTP (UDP
      123), AzureCloud on 443 (FQDN-based platform dependencies without static IPs) and
      Storage.<region> on 443 (images hosted in Azure Container Registry). The registry itself is
      reached through its private endpoint, so no AzureContainerRegistry rule is needed (same page).
    The subnet-internal rule is needed in both directions: the deny-all inbound rule overrides
    Azure's default AllowVnetInBound, so intra-subnet traffic must be allowed inbound explicitly.
    """
    return (
        Rule("allow-subnet-in", 100, "Inbound", "Allow", subnet, subnet),
        Rule("allow-vnet-https-in", 110, "Inbound", "Allow", "VirtualNetwork", subnet, ("443", "31443"), "Tcp"),
        Rule("allow-lb-probes-in", 120, "Inbound", "Allow", "AzureLoadBalancer", subnet, "30000-32767", "Tcp"),
        Rule("allow-subnet-out", 100, "Outbound", "Allow", subnet, subnet),
        Rule("allow-vnet-https-out", 110, "Outbound", "Allow", subnet, "VirtualNetwork", "443", "Tcp"),
        Rule("allow-mcr-out", 120, "Outbound", "Allow", subnet, "MicrosoftContainerRegistry", "443", "Tcp"),
        Rule("allow-mcr-cdn-out", 130, "Outbound", "Allow", subnet, "AzureFrontDoor.FirstParty", "443", "Tcp"),
        Rule("allow-entra-out", 140, "Outbound", "Allow", subnet, "AzureActiveDirectory", "443", "Tcp"),
        Rule("allow-monitor-out", 150, "Outbound", "Allow", subnet, "AzureMonitor", "443", "Tcp"),
        Rule("allow-dns-tcp-out", 160, "Outbound", "Allow", subnet, AZURE_DNS, "53", "Tcp"),
        Rule("allow-dns-udp-out", 170, "Outbound", "Allow", subnet, AZURE_DNS, "53", "Udp"),
        Rule("allow-ntp-out", 180, "Outbound", "Allow", subnet, "*", "123", "Udp"),
        Rule("allow-azurecloud-out", 190, "Outbound", "Allow", subnet, "AzureCloud", "443", "Tcp"),
        Rule("allow-storage-out", 200, "Outbound", "Allow", subnet, f"Storage.{region}", "443", "Tcp"),
        _deny_all("Inbound"),
        _deny_all("Outbound"),
    )


# Deny-by-default rule sets. Azure's built-in rules allow all VNet traffic and all outbound Internet
# traffic at priorities 65000+; the explicit deny-all rules at 4096 override them, so only what is
# listed here flows.
SUBNET_RULES: Mapping[str, tuple[Rule, ...]] = {
    # Private endpoints only receive HTTPS from inside the VNet; they never initiate traffic.
    "privateEndpoints": (
        Rule("allow-vnet-https-in", 100, "Inbound", "Allow", "VirtualNetwork", "VirtualNetwork", "443", "Tcp"),
        _deny_all("Inbound"),
        _deny_all("Outbound"),
    ),
    # The gateway's outbound VNet integration (API Management Standard v2). Microsoft requires an
    # NSG on the subnet but no specific rule ("Integrate an Azure API Management instance with a
    # private virtual network for outbound connections", Network security group:
    # https://learn.microsoft.com/azure/api-management/integrate-vnet-outbound), so the rules only
    # allow what the gateway calls: private endpoints in the VNet, Entra ID (token validation
    # keys), Azure Monitor (request logs), and its platform dependencies in Storage and Key Vault.
    "gateway": (
        Rule("allow-vnet-https-out", 100, "Outbound", "Allow", "VirtualNetwork", "VirtualNetwork", "443", "Tcp"),
        Rule("allow-entra-out", 110, "Outbound", "Allow", "VirtualNetwork", "AzureActiveDirectory", "443", "Tcp"),
        Rule("allow-monitor-out", 120, "Outbound", "Allow", "VirtualNetwork", "AzureMonitor", "443", "Tcp"),
        Rule("allow-storage-out", 130, "Outbound", "Allow", "VirtualNetwork", "Storage", "443", "Tcp"),
        Rule("allow-keyvault-out", 140, "Outbound", "Allow", "VirtualNetwork", "AzureKeyVault", "443", "Tcp"),
        _deny_all("Inbound"),
        _deny_all("Outbound"),
    ),
}


def subnet_rules(role: str, prefix: str, region: str) -> tuple[Rule, ...]:
    """The NSG rules of one subnet role (the agents rules name the subnet's own prefix and region)."""
    if role == "agents":
        return agents_rules(prefix, region)
    return SUBNET_RULES[role]


# Subnets whose workloads call public Azure endpoints (Entra ID, Azure Monitor, registries, the
# gateway's Storage/Key Vault dependencies). They get explicit egress (a NAT gateway, or a route
# to the hub firewall); private endpoints never initiate traffic and get none. The NSGs above still
# decide which destinations are allowed.
EGRESS_SUBNETS = ("gateway", "agents")
EGRESS_MODES = ("natGateway", "hubFirewall")

# Services a subnet is delegated to: API Management v2 VNet integration needs Microsoft.Web/serverFarms
# (https://learn.microsoft.com/azure/api-management/integrate-vnet-outbound, Subnet delegation), a
# workload-profiles Container Apps environment Microsoft.App/environments
# ("Create a subnet delegated to Microsoft.App/environments",
# https://learn.microsoft.com/azure/container-apps/workload-profiles-manage-cli).
SUBNET_DELEGATIONS: Mapping[str, str] = {
    "gateway": "Microsoft.Web/serverFarms",
    "agents": "Microsoft.App/environments",
}


# The subnet roles the components use: private endpoints of every PaaS service (always), the AI
# gateway's outbound VNet integration, and the agents' code-session environment.
SUBNET_ROLES = ("privateEndpoints", "gateway", "agents")
# Smallest prefix (largest number) each subnet may have:
# - agents: a Container Apps environment with workload profiles needs at least a /27 ("The minimum
#   required subnet size is /27", https://learn.microsoft.com/azure/container-apps/networking);
# - gateway: API Management Standard v2 VNet integration needs at least a /27 ("Subnet size:
#   Minimum: /27", https://learn.microsoft.com/azure/api-management/integrate-vnet-outbound);
# - privateEndpoints: each endpoint takes one address; a /28 leaves 11 after Azure's 5 reserved.
SUBNET_MAX_PREFIX = {"privateEndpoints": 28, "gateway": 27, "agents": 27}

# An ARM subnet id. Name rules ("Naming rules and restrictions for Azure resources",
# https://learn.microsoft.com/azure/azure-resource-manager/management/resource-name-rules):
# resource groups 1-90 alphanumerics, underscores, parentheses, hyphens and periods; virtual
# networks 2-64 and subnets 1-80 alphanumerics, underscores, periods and hyphens, starting with an
# alphanumeric and ending with an alphanumeric or underscore.
SUBNET_ID_FORM = (
    "/subscriptions/<subscription guid>/resourceGroups/<group>/providers/Microsoft.Network/virtualNetworks/<vnet>/subnets/<subnet>"
)
SUBNET_ID = re.compile(
    r"^/subscriptions/[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}/resourceGroups/[-\w._()]{1,90}"
    r"/providers/Microsoft\.Network/virtualNetworks/[A-Za-z0-9][\w.-]{0,62}\w/subnets/[A-Za-z0-9](?:[\w.-]{0,78}\w)?$",
    re.IGNORECASE,
)


def vnet_id_of(subnet_id: str) -> str:
    """The virtual network id of an ARM subnet id (everything before `/subnets/<name>`)."""
    return subnet_id.rsplit("/subnets/", 1)[0]


def subnet_layout_problems(space: Optional[ipaddress.IPv4Network], subnets: Mapping[str, ipaddress.IPv4Network]) -> list[Problem]:
    """Size, containment and overlap of parsed subnets (role -> network), in SUBNET_ROLES order.
    The settings layer reports the same messages under `aizone:network.subnets.<role>`."""
    problems: list[Problem] = []
    seen: dict[str, ipaddress.IPv4Network] = {}
    for role in [role for role in SUBNET_ROLES if role in subnets]:
        net, field, smallest = subnets[role], f"subnets.{role}", SUBNET_MAX_PREFIX[role]
        if net.prefixlen > smallest:
            problems.append(
                Problem(
                    field,
                    (
                        f"{net} is too small; the {role} subnet needs a /{smallest} or larger "
                        f"(a prefix length of /{smallest} or less, e.g. /{smallest} or /24)"
                    ),
                )
            )
        if space is not None and not net.subnet_of(space):
            problems.append(Problem(field, f"{net} is outside the address space {space}"))
        for other_role, other in seen.items():
            if net.overlaps(other):
                problems.append(Problem(field, f"{net} overlaps subnets.{other_role} ({other}); subnets must not overlap"))
        seen[role] = net
    return problems


def _cidr(value: object) -> Optional[ipaddress.IPv4Network]:
    try:
        return ipaddress.IPv4Network(value, strict=True) if isinstance(value, str) else None
    except ValueError:
        return None


def _zone_problems(args: Mapping[str, Any]) -> list[Problem]:
    """Problems with the private DNS zone fields Network and ExistingNetwork share."""
    problems: list[Problem] = []
    zone_names = args.get("zone_names")
    if not isinstance(zone_names, (list, tuple)) or not all(isinstance(zone, str) and zone for zone in zone_names):
        problems.append(Problem("zone_names", "a list of privatelink zone names, e.g. ['privatelink.openai.azure.com']"))
    existing = args.get("existing_zone_ids", {})
    if not isinstance(existing, Mapping):
        problems.append(Problem("existing_zone_ids", "a mapping of privatelink zone name to private DNS zone id"))
    else:
        for zone in existing:
            if not isinstance(zone, str) or not zone.startswith("privatelink."):
                problems.append(
                    Problem(f"existing_zone_ids.{zone}", "zone names are privatelink zones, e.g. 'privatelink.openai.azure.com'")
                )
        if existing and args.get("zone_groups_by_platform", False):
            problems.append(
                Problem("existing_zone_ids", "is not used when zone_groups_by_platform is true (the platform registers endpoints)")
            )
    return problems


class NetworkArgs(TypedDict):
    """Inputs of Network."""

    placement: PlacementArgs
    """Resource group, region and tags of the VNet, NSGs, egress and private DNS zones."""
    vnet_name: pulumi.Input[str]
    """Name of the virtual network."""
    address_space: str
    """IPv4 address space of the VNet, e.g. `10.20.0.0/16`. Plain: the subnets are checked against it."""
    subnets: Mapping[str, str]
    """Subnet role -> IPv4 prefix. Roles: `privateEndpoints` (required, /28 or larger), `gateway`
    (API Management v2 outbound integration, /27 or larger) and `agents` (Container Apps
    environment, /27 or larger); leave out a role whose service the stack does not deploy. Plain:
    each subnet's NSG rules name its prefix."""
    zone_names: Sequence[str]
    """Every privatelink zone the stack's private endpoints need (plain: one zone per name)."""
    existing_zone_ids: NotRequired[Mapping[str, pulumi.Input[str]]]
    """Zone name -> id of a zone that already exists (e.g. in a hub subscription, linked to the
    hub VNet): used as it is. Zones not listed are created here and linked to this VNet. Default: none."""
    zone_groups_by_platform: NotRequired[bool]
    """The platform's Azure Policy (deployIfNotExists) registers endpoints in the hub's zones: no
    zone and no zone group is created here. Default: false."""
    egress: NotRequired[str]
    """Explicit outbound path of the gateway and agents subnets (they have no default outbound
    access): `natGateway` (a NAT gateway with one static public IP) or `hubFirewall` (a default
    route to `firewall_ip`). Default: `natGateway`."""
    firewall_ip: NotRequired[pulumi.Input[str]]
    """Private IPv4 address of the hub firewall; required with `hubFirewall`, refused otherwise. Default: none."""


def validate_network(args: NetworkArgs) -> list[Problem]:
    """Every problem with Network args, each naming its field."""
    problems = validate_placement(args.get("placement"))
    if not args.get("vnet_name"):
        problems.append(Problem("vnet_name", "the virtual network name is required"))
    raw_space = args.get("address_space")
    space = _cidr(raw_space)
    if space is None:
        problems.append(Problem("address_space", f"an IPv4 CIDR such as 10.20.0.0/16, got {raw_space!r}"))
    subnets = args.get("subnets")
    if not isinstance(subnets, Mapping):
        problems.append(Problem("subnets", f"a mapping of subnet role ({', '.join(SUBNET_ROLES)}) to IPv4 prefix is required"))
    else:
        for role in subnets:
            if role not in SUBNET_ROLES:
                problems.append(Problem(f"subnets.{role}", f"unknown subnet role; allowed: {', '.join(SUBNET_ROLES)}"))
        if "privateEndpoints" not in subnets:
            problems.append(Problem("subnets.privateEndpoints", "is required: every private endpoint of the stack goes there"))
        parsed: dict[str, ipaddress.IPv4Network] = {}
        for role in [role for role in SUBNET_ROLES if role in subnets]:
            net = _cidr(subnets[role])
            if net is None:
                problems.append(Problem(f"subnets.{role}", f"an IPv4 CIDR such as 10.20.1.0/24, got {subnets[role]!r}"))
            else:
                parsed[role] = net
        problems += subnet_layout_problems(space, parsed)
    problems += _zone_problems(args)
    egress = args.get("egress", "natGateway")
    firewall_ip = args.get("firewall_ip")
    if egress not in EGRESS_MODES:
        problems.append(Problem("egress", f"{egress!r} is not allowed; one of {', '.join(EGRESS_MODES)}"))
    elif egress == "hubFirewall" and not firewall_ip:
        problems.append(Problem("firewall_ip", "the hub firewall's private IPv4 address is required with egress hubFirewall"))
    elif egress == "natGateway" and firewall_ip:
        problems.append(Problem("firewall_ip", "is only used with egress hubFirewall"))
    if isinstance(firewall_ip, str) and firewall_ip:
        try:
            if not ipaddress.IPv4Address(firewall_ip).is_private:
                problems.append(Problem("firewall_ip", f"{firewall_ip} is not a private address"))
        except ValueError:
            problems.append(Problem("firewall_ip", f"{firewall_ip!r} is not an IPv4 address"))
    return problems


class _PrivateZones:
    """What Network and ExistingNetwork share: the private DNS zones of the stack's endpoints
    (brought from a hub, or created here and linked to the VNet) and the networking block every
    component takes. Both give the same interface: `private_networking`, `subnet_id(role)`,
    `vnet_id`, `subnet_ids`, `zone_ids`."""

    _subnet_ids: dict[str, pulumi.Output[str]]

    def subnet_id(self, role: str) -> pulumi.Output[str]:
        """The id of the subnet of `role` (privateEndpoints, gateway, agents)."""
        if role not in self._subnet_ids:
            raise ValueError(f"this network has no {role!r} subnet; it has: {', '.join(self._subnet_ids)}")
        return self._subnet_ids[role]

    def roles(self) -> tuple[str, ...]:
        return tuple(self._subnet_ids)

    def _build_zones(
        self,
        owner: pulumi.Resource,
        name: str,
        placement: PlacementArgs,
        zone_names: Sequence[str],
        existing: Mapping[str, pulumi.Input[str]],
        by_platform: bool,
        vnet_id: pulumi.Input[str],
    ) -> dict[str, pulumi.Input[str]]:
        zone_ids: dict[str, pulumi.Input[str]] = {}
        for zone in [] if by_platform else sorted(set(zone_names)):
            if zone in existing:
                zone_ids[zone] = existing[zone]
                continue
            zone_ids[zone] = _private_zone(owner, name, placement, zone, vnet_id).id
        self.private_networking = PrivateNetworking(self._subnet_ids["privateEndpoints"], zone_ids, create_zone_groups=not by_platform)
        return zone_ids


@implements("RES-3", "RES-4")
class Network(_PrivateZones, pulumi.ComponentResource):
    """A VNet with deny-by-default subnets (an NSG each, no default outbound access, explicit egress
    through a NAT gateway or the hub firewall) and the private DNS zones of the stack's private
    endpoints (created here and linked to the VNet, or brought from a hub)."""

    vnet_id: pulumi.Output[str]
    """Resource id of the virtual network."""
    subnet_ids: pulumi.Output[dict[str, str]]
    """Subnet role -> subnet resource id."""
    zone_ids: pulumi.Output[dict[str, str]]
    """Private DNS zone name -> zone resource id (created here or brought)."""

    def __init__(self, name: str, args: NetworkArgs, opts: Optional[pulumi.ResourceOptions] = None) -> None:
        raise_if_invalid("Network", validate_network(args))
        super().__init__(TYPE_TOKEN, name, {}, aliased(opts, _OLD_TYPE_TOKENS["Network"]))
        placement = args["placement"]
        subnets = dict(args["subnets"])
        child = pulumi.ResourceOptions(parent=self)
        outbound = None
        if any(role in EGRESS_SUBNETS for role in subnets):
            outbound = self._egress(name, placement, args.get("egress", "natGateway"), args.get("firewall_ip"))
        nsgs = {
            role: network.NetworkSecurityGroup(
                f"{name}-nsg-{role}",
                network.NetworkSecurityGroupInitArgs(
                    resource_group_name=placement["resource_group_name"],
                    location=placement["location"],
                    security_rules=[_rule_args(rule) for rule in subnet_rules(role, subnets[role], placement["location"])],
                    tags=tags_of(placement),
                ),
                opts=child,
            )
            for role in subnets
        }
        self.vnet = network.VirtualNetwork(
            f"{name}-vnet",
            network.VirtualNetworkInitArgs(
                resource_group_name=placement["resource_group_name"],
                location=placement["location"],
                virtual_network_name=args["vnet_name"],
                address_space=network.AddressSpaceArgs(address_prefixes=[args["address_space"]]),
                subnets=[
                    _subnet_args(role, prefix, nsgs[role], outbound if role in EGRESS_SUBNETS else None) for role, prefix in subnets.items()
                ],
                tags=tags_of(placement),
            ),
            opts=child,
        )
        self._subnet_ids = {role: self.vnet.id.apply(lambda vnet_id, role=role: f"{vnet_id}/subnets/{role}") for role in subnets}
        zone_ids = self._build_zones(
            self,
            name,
            placement,
            args["zone_names"],
            dict(args.get("existing_zone_ids", {})),
            bool(args.get("zone_groups_by_platform", False)),
            self.vnet.id,
        )
        self.vnet_id = self.vnet.id
        self.subnet_ids = cast(pulumi.Output[dict[str, str]], pulumi.Output.from_input(self._subnet_ids))
        self.zone_ids = cast(pulumi.Output[dict[str, str]], pulumi.Output.from_input(zone_ids))
        self.register_outputs({"vnet_id": self.vnet_id, "subnet_ids": self.subnet_ids, "zone_ids": self.zone_ids})

    def _egress(
        self, name: str, placement: PlacementArgs, mode: str, firewall_ip: Optional[pulumi.Input[str]]
    ) -> network.NatGateway | network.RouteTable:
        """The explicit outbound path of the egress subnets."""
        if mode == "hubFirewall":
            return network.RouteTable(
                f"{name}-egress-routes",
                network.RouteTableInitArgs(
                    resource_group_name=placement["resource_group_name"],
                    location=placement["location"],
                    disable_bgp_route_propagation=True,
                    routes=[
                        network.RouteArgs(
                            name="default-to-hub-firewall",
                            address_prefix="0.0.0.0/0",
                            next_hop_type=network.RouteNextHopType.VIRTUAL_APPLIANCE,
                            next_hop_ip_address=firewall_ip,
                        )
                    ],
                    tags=tags_of(placement),
                ),
                opts=pulumi.ResourceOptions(parent=self),
            )
        address = network.PublicIPAddress(
            f"{name}-egress-ip",
            network.PublicIPAddressInitArgs(
                resource_group_name=placement["resource_group_name"],
                location=placement["location"],
                sku=network.PublicIPAddressSkuArgs(name=network.PublicIPAddressSkuName.STANDARD),
                public_ip_allocation_method=network.IPAllocationMethod.STATIC,
                tags=tags_of(placement),
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )
        return network.NatGateway(
            f"{name}-egress-nat",
            network.NatGatewayInitArgs(
                resource_group_name=placement["resource_group_name"],
                location=placement["location"],
                sku=network.NatGatewaySkuArgs(name=network.NatGatewaySkuName.STANDARD),
                public_ip_addresses=[network.SubResourceArgs(id=address.id)],
                idle_timeout_in_minutes=4,
                tags=tags_of(placement),
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )


class ExistingNetworkArgs(TypedDict):
    """Inputs of ExistingNetwork."""

    placement: PlacementArgs
    """Resource group, region and tags of the private DNS zones created here (the network itself is not touched)."""
    subnet_ids: Mapping[str, pulumi.Input[str]]
    """Subnet role -> ARM id of a subnet the platform team owns (`/subscriptions/<guid>/resourceGroups/<group>/
    providers/Microsoft.Network/virtualNetworks/<vnet>/subnets/<subnet>`). Roles: `privateEndpoints`
    (required), `gateway`, `agents`, all in one VNet. The program cannot check a subnet it does not
    own: the agents subnet must be /27 or larger and delegated to `Microsoft.App/environments`, the
    gateway subnet /27 or larger and delegated to `Microsoft.Web/serverFarms`, every subnet must
    carry an NSG, and the gateway and agents subnets need an explicit egress path (NAT gateway or
    a route to the hub firewall)."""
    zone_names: Sequence[str]
    """Every privatelink zone the stack's private endpoints need (plain: one zone per name)."""
    existing_zone_ids: NotRequired[Mapping[str, pulumi.Input[str]]]
    """Zone name -> id of a zone that already exists: used as it is. Zones not listed are created
    here and linked to the subnets' VNet (derived from the privateEndpoints subnet id). Default: none."""
    zone_groups_by_platform: NotRequired[bool]
    """The platform's Azure Policy registers endpoints in the hub's zones: no zone and no zone
    group is created here. Default: false."""


def validate_existing_network(args: ExistingNetworkArgs) -> list[Problem]:
    """Every problem with ExistingNetwork args, each naming its field."""
    problems = validate_placement(args.get("placement"))
    subnet_ids = args.get("subnet_ids")
    if not isinstance(subnet_ids, Mapping):
        problems.append(Problem("subnet_ids", f"a mapping of subnet role ({', '.join(SUBNET_ROLES)}) to subnet id is required"))
        subnet_ids = {}
    for role in subnet_ids:
        if role not in SUBNET_ROLES:
            problems.append(Problem(f"subnet_ids.{role}", f"unknown subnet role; allowed: {', '.join(SUBNET_ROLES)}"))
    if isinstance(args.get("subnet_ids"), Mapping) and "privateEndpoints" not in subnet_ids:
        problems.append(Problem("subnet_ids.privateEndpoints", "is required: every private endpoint of the stack goes there"))
    problems += existing_subnet_problems({role: value for role, value in subnet_ids.items() if role in SUBNET_ROLES})
    problems += _zone_problems(args)
    return problems


def existing_subnet_problems(subnet_ids: Mapping[str, object], field: str = "subnet_ids") -> list[Problem]:
    """ARM id form of each plain subnet id, and one VNet for all (the private DNS zones are linked to
    one network). Ids that come from another stack (Outputs) are checked by ARM."""
    problems: list[Problem] = []
    vnets: dict[str, str] = {}
    for role, subnet_id in subnet_ids.items():
        if isinstance(subnet_id, pulumi.Output):
            continue
        if not isinstance(subnet_id, str) or not SUBNET_ID.match(subnet_id):
            shown = repr(subnet_id) if isinstance(subnet_id, str) else "a value that is not text"
            problems.append(Problem(f"{field}.{role}", f"expected a subnet resource id like {SUBNET_ID_FORM}, got {shown}"))
            continue
        vnets[role] = vnet_id_of(subnet_id)
    anchor = vnets.get("privateEndpoints")
    for role, vnet in vnets.items():
        if anchor is not None and vnet.lower() != anchor.lower():
            problems.append(
                Problem(
                    f"{field}.{role}",
                    f"is in {vnet}, not in the privateEndpoints subnet's virtual network {anchor}; all subnets must be in one "
                    "virtual network, the one the private DNS zones are linked to",
                )
            )
    return problems


@implements("RES-4")
class ExistingNetwork(_PrivateZones, pulumi.ComponentResource):
    """Subnets the platform team already has (a spoke VNet it owns), used with the same interface
    as a Network this stack creates: no VNet, NSG or egress is created, only the private DNS zones
    not brought from a hub (linked to that VNet)."""

    vnet_id: pulumi.Output[str]
    """Resource id of the virtual network (derived from the privateEndpoints subnet id)."""
    subnet_ids: pulumi.Output[dict[str, str]]
    """Subnet role -> subnet resource id (as given)."""
    zone_ids: pulumi.Output[dict[str, str]]
    """Private DNS zone name -> zone resource id (created here or brought)."""

    def __init__(self, name: str, args: ExistingNetworkArgs, opts: Optional[pulumi.ResourceOptions] = None) -> None:
        raise_if_invalid("ExistingNetwork", validate_existing_network(args))
        super().__init__(EXISTING_TYPE_TOKEN, name, {}, opts)
        given = dict(args["subnet_ids"])
        self._subnet_ids = {role: pulumi.Output.from_input(given[role]) for role in SUBNET_ROLES if role in given}
        self.vnet_id = self._subnet_ids["privateEndpoints"].apply(vnet_id_of)
        zone_ids = self._build_zones(
            self,
            name,
            args["placement"],
            args["zone_names"],
            dict(args.get("existing_zone_ids", {})),
            bool(args.get("zone_groups_by_platform", False)),
            self.vnet_id,
        )
        self.subnet_ids = cast(pulumi.Output[dict[str, str]], pulumi.Output.from_input(self._subnet_ids))
        self.zone_ids = cast(pulumi.Output[dict[str, str]], pulumi.Output.from_input(zone_ids))
        self.register_outputs({"vnet_id": self.vnet_id, "subnet_ids": self.subnet_ids, "zone_ids": self.zone_ids})


def _private_zone(
    owner: pulumi.Resource, name: str, placement: PlacementArgs, zone: str, vnet_id: pulumi.Input[str]
) -> privatedns.PrivateZone:
    label = zone.removeprefix("privatelink.").replace(".", "-")
    created = privatedns.PrivateZone(
        f"{name}-zone-{label}",
        privatedns.PrivateZoneArgs(
            resource_group_name=placement["resource_group_name"],
            private_zone_name=zone,
            location="global",
            tags=tags_of(placement),
        ),
        opts=pulumi.ResourceOptions(parent=owner),
    )
    privatedns.VirtualNetworkLink(
        f"{name}-zone-{label}-link",
        privatedns.VirtualNetworkLinkArgs(
            resource_group_name=placement["resource_group_name"],
            private_zone_name=created.name,
            location="global",
            registration_enabled=False,
            virtual_network=privatedns.SubResourceArgs(id=vnet_id),
            tags=tags_of(placement),
        ),
        opts=pulumi.ResourceOptions(parent=created),
    )
    return created


def _rule_args(rule: Rule) -> network.SecurityRuleArgs:
    return network.SecurityRuleArgs(
        name=rule.name,
        priority=rule.priority,
        direction=rule.direction,
        access=rule.access,
        protocol=rule.protocol,
        source_address_prefix=rule.source,
        source_port_range="*",
        destination_address_prefix=rule.destination,
        destination_port_range=rule.ports if isinstance(rule.ports, str) else None,
        destination_port_ranges=list(rule.ports) if not isinstance(rule.ports, str) else None,
    )


def _subnet_args(
    role: str,
    prefix: str,
    nsg: network.NetworkSecurityGroup,
    outbound: network.NatGateway | network.RouteTable | None,
) -> network.SubnetArgs:
    delegation = SUBNET_DELEGATIONS.get(role)
    return network.SubnetArgs(
        name=role,
        address_prefix=prefix,
        network_security_group=network.NetworkSecurityGroupArgs(id=nsg.id),
        # NSGs and route tables apply to private endpoints only when these policies are enabled.
        private_endpoint_network_policies="Enabled" if role == "privateEndpoints" else None,
        # No implicit outbound Internet access: egress is explicit (NAT gateway or hub firewall)
        # and limited to what the NSG allows.
        default_outbound_access=False,
        nat_gateway=network.SubResourceArgs(id=outbound.id) if isinstance(outbound, network.NatGateway) else None,
        route_table=network.RouteTableArgs(id=outbound.id) if isinstance(outbound, network.RouteTable) else None,
        delegations=[network.DelegationArgs(name=f"to-{delegation.split('/')[0]}", service_name=delegation)] if delegation else None,
    )


def required_zones(resource_type: str, group_ids: Sequence[str], region: str = "") -> list[str]:
    """The privatelink zones a component's endpoints need, from the one reference table."""
    return [zone for group in group_ids for zone in reference.private_dns_zones(resource_type, group, region)]


def add_private_endpoint(
    name: str,
    target_id: pulumi.Input[str],
    target_type: str,
    group_id: str,
    networking: PrivateNetworking | PrivateNetworkingArgs,
    placement: Placement | PlacementArgs,
    parent: pulumi.Resource,
    depends_on: Sequence[pulumi.Resource] = (),
) -> network.PrivateEndpoint:
    """A private endpoint for one sub-resource (`group_id`) of a PaaS resource, with a DNS zone
    group registering it in every zone that sub-resource uses (RES-4). `depends_on` lets the caller
    make the endpoint wait for the target's child resources: an endpoint created while an AI
    Services account is still provisioning fails with AccountProvisioningStateInvalid.
    `networking` and `placement` may be the dataclasses or the args TypedDicts."""
    networking = as_private_networking(networking)
    placement = as_placement(placement)
    zones = reference.private_dns_zones(target_type, group_id, placement.location)
    missing = [zone for zone in zones if zone not in networking.zone_ids]
    if missing and networking.create_zone_groups:
        raise ValueError(f"{name}: private DNS zone(s) {missing} were not provided to the network component")
    endpoint = network.PrivateEndpoint(
        f"{name}-pe-{group_id.lower()}",
        network.PrivateEndpointArgs(
            resource_group_name=placement.resource_group_name,
            location=placement.location,
            subnet=network.SubnetArgs(id=networking.subnet_id),
            private_link_service_connections=[
                network.PrivateLinkServiceConnectionArgs(
                    name=f"{name}-{group_id.lower()}",
                    private_link_service_id=target_id,
                    group_ids=[group_id],
                )
            ],
            tags=placement.with_tags(),
        ),
        # Replaced endpoint: delete the old one (and its zone group) first. Created first, the new
        # endpoint's zone group writes the A record of the target's name, then deleting the old
        # zone group removes that record set's entry for the name and the target stops resolving
        # privately until the next refresh of the zone group (Learn "Azure Private Endpoint DNS
        # integration": the zone group manages the record's lifecycle with the endpoint's).
        opts=pulumi.ResourceOptions(parent=parent, depends_on=list(depends_on), delete_before_replace=True),
    )
    if not networking.create_zone_groups:
        return endpoint
    network.PrivateDnsZoneGroup(
        f"{name}-pe-{group_id.lower()}-dns",
        network.PrivateDnsZoneGroupArgs(
            resource_group_name=placement.resource_group_name,
            private_endpoint_name=endpoint.name,
            private_dns_zone_group_name="default",
            private_dns_zone_configs=[
                network.PrivateDnsZoneConfigArgs(name=zone.replace(".", "-"), private_dns_zone_id=networking.zone_ids[zone])
                for zone in zones
            ],
        ),
        # One group named `default` per endpoint: a replacement must delete before it creates.
        opts=pulumi.ResourceOptions(parent=endpoint, delete_before_replace=True),
    )
    return endpoint
