"""Network foundation: one VNet with deny-by-default subnets, private DNS, and the one private
endpoint helper every component uses (RES-3, RES-4).

Subnets are declared inline on the VNet: one PUT creates them all, which avoids the 409 Conflict
Azure returns for concurrent subnet writes under one VNet, and keeps the NSG association atomic.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Sequence

import pulumi
from pulumi_azure_native import network, privatedns

from aizone_policy import reference

from .base import Placement, PlacementArgs, PrivateNetworking, PrivateNetworkingArgs, as_placement, as_private_networking, implements


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


@implements("RES-3", "RES-4")
class Network(pulumi.ComponentResource):
    """VNet, subnets with NSGs, and private DNS zones (created here, or brought from a hub)."""

    vnet: network.VirtualNetwork
    subnet_ids: dict[str, pulumi.Output[str]]
    zone_ids: dict[str, pulumi.Input[str]]
    private_networking: PrivateNetworking

    def __init__(
        self,
        name: str,
        placement: Placement,
        vnet_name: str,
        address_space: str,
        subnets: Mapping[str, str],
        zone_names: Sequence[str],
        existing_zone_ids: Mapping[str, str] | None = None,
        zone_groups_by_platform: bool = False,
        egress: str = "natGateway",
        firewall_ip: str | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        """`zone_names`: every privatelink zone the stack's endpoints need. Zones listed in
        `existing_zone_ids` (e.g. in a hub subscription, already linked to the hub VNet) are used
        as they are; the others are created here and linked to this VNet. With
        `zone_groups_by_platform`, the platform's Azure Policy registers endpoints in the hub's
        zones: no zone and no zone group is created here. `egress`: "natGateway" (an explicit NAT
        gateway, since subnets have no default outbound access) or "hubFirewall" (a default route
        to `firewall_ip`, the hub's firewall, which then inspects all egress)."""
        super().__init__("aizone:network:Network", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        if egress not in EGRESS_MODES or (egress == "hubFirewall") != bool(firewall_ip):
            raise ValueError(f"{name}: egress must be one of {EGRESS_MODES}, with firewall_ip exactly for hubFirewall")
        outbound = self._egress(name, placement, egress, firewall_ip)
        nsgs = {
            role: network.NetworkSecurityGroup(
                f"{name}-nsg-{role}",
                network.NetworkSecurityGroupInitArgs(
                    resource_group_name=placement.resource_group_name,
                    location=placement.location,
                    security_rules=[_rule_args(rule) for rule in subnet_rules(role, subnets[role], placement.location)],
                    tags=placement.with_tags(),
                ),
                opts=child,
            )
            for role in subnets
        }
        self.vnet = network.VirtualNetwork(
            f"{name}-vnet",
            network.VirtualNetworkInitArgs(
                resource_group_name=placement.resource_group_name,
                location=placement.location,
                virtual_network_name=vnet_name,
                address_space=network.AddressSpaceArgs(address_prefixes=[address_space]),
                subnets=[
                    _subnet_args(role, prefix, nsgs[role], outbound if role in EGRESS_SUBNETS else None)
                    for role, prefix in subnets.items()
                ],
                tags=placement.with_tags(),
            ),
            opts=child,
        )
        self.subnet_ids = {
            role: self.vnet.id.apply(lambda vnet_id, role=role: f"{vnet_id}/subnets/{role}") for role in subnets
        }

        existing = dict(existing_zone_ids or {})
        self.zone_ids = {}
        for zone in [] if zone_groups_by_platform else sorted(set(zone_names)):
            if zone in existing:
                self.zone_ids[zone] = existing[zone]
                continue
            self.zone_ids[zone] = self._private_zone(name, placement, zone).id
        self.private_networking = PrivateNetworking(
            self.subnet_ids["privateEndpoints"], self.zone_ids, create_zone_groups=not zone_groups_by_platform
        )
        self.register_outputs({"vnet_id": self.vnet.id, "subnet_ids": self.subnet_ids})

    def _egress(
        self, name: str, placement: Placement, mode: str, firewall_ip: str | None
    ) -> network.NatGateway | network.RouteTable:
        """The explicit outbound path of the egress subnets."""
        if mode == "hubFirewall":
            return network.RouteTable(
                f"{name}-egress-routes",
                network.RouteTableInitArgs(
                    resource_group_name=placement.resource_group_name,
                    location=placement.location,
                    disable_bgp_route_propagation=True,
                    routes=[
                        network.RouteArgs(
                            name="default-to-hub-firewall",
                            address_prefix="0.0.0.0/0",
                            next_hop_type=network.RouteNextHopType.VIRTUAL_APPLIANCE,
                            next_hop_ip_address=firewall_ip,
                        )
                    ],
                    tags=placement.with_tags(),
                ),
                opts=pulumi.ResourceOptions(parent=self),
            )
        address = network.PublicIPAddress(
            f"{name}-egress-ip",
            network.PublicIPAddressInitArgs(
                resource_group_name=placement.resource_group_name,
                location=placement.location,
                sku=network.PublicIPAddressSkuArgs(name=network.PublicIPAddressSkuName.STANDARD),
                public_ip_allocation_method=network.IPAllocationMethod.STATIC,
                tags=placement.with_tags(),
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )
        return network.NatGateway(
            f"{name}-egress-nat",
            network.NatGatewayInitArgs(
                resource_group_name=placement.resource_group_name,
                location=placement.location,
                sku=network.NatGatewaySkuArgs(name=network.NatGatewaySkuName.STANDARD),
                public_ip_addresses=[network.SubResourceArgs(id=address.id)],
                idle_timeout_in_minutes=4,
                tags=placement.with_tags(),
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )

    def _private_zone(self, name: str, placement: Placement, zone: str) -> privatedns.PrivateZone:
        label = zone.removeprefix("privatelink.").replace(".", "-")
        created = privatedns.PrivateZone(
            f"{name}-zone-{label}",
            privatedns.PrivateZoneArgs(
                resource_group_name=placement.resource_group_name,
                private_zone_name=zone,
                location="global",
                tags=placement.with_tags(),
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )
        privatedns.VirtualNetworkLink(
            f"{name}-zone-{label}-link",
            privatedns.VirtualNetworkLinkArgs(
                resource_group_name=placement.resource_group_name,
                private_zone_name=created.name,
                location="global",
                registration_enabled=False,
                virtual_network=privatedns.SubResourceArgs(id=self.vnet.id),
                tags=placement.with_tags(),
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
        delegations=[network.DelegationArgs(name=f"to-{delegation.split('/')[0]}", service_name=delegation)]
        if delegation
        else None,
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
        opts=pulumi.ResourceOptions(parent=parent, depends_on=list(depends_on)),
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
        opts=pulumi.ResourceOptions(parent=endpoint),
    )
    return endpoint
