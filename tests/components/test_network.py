"""Network and ExistingNetwork alone, built through the component provider from camelCase inputs."""

from typing import Any

import pytest

from .construct_probe import NETWORK, PLACEMENT, Built, construct

VNET = "azure-native:network:VirtualNetwork"
NSG = "azure-native:network:NetworkSecurityGroup"
NAT = "azure-native:network:NatGateway"
PUBLIC_IP = "azure-native:network:PublicIPAddress"
ROUTES = "azure-native:network:RouteTable"
ZONE = "azure-native:privatedns:PrivateZone"
LINK = "azure-native:privatedns:VirtualNetworkLink"

SPOKE = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-spoke/providers/Microsoft.Network/virtualNetworks/vnet-spoke"
HUB_VAULT_ZONE = f"{NETWORK}/privateDnsZones/privatelink.vaultcore.azure.net"

ARGS: dict[str, Any] = {
    "placement": PLACEMENT,
    "vnetName": "vnet-probe",
    "addressSpace": "10.30.0.0/16",
    "subnets": {"privateEndpoints": "10.30.1.0/24", "gateway": "10.30.2.0/24", "agents": "10.30.4.0/23"},
    "zoneNames": ["privatelink.vaultcore.azure.net", "privatelink.blob.core.windows.net"],
    "existingZoneIds": {"privatelink.vaultcore.azure.net": HUB_VAULT_ZONE},
}
# Only private endpoints, egress through the hub firewall: no gateway, no agents, no NAT.
FIREWALLED: dict[str, Any] = {
    "placement": PLACEMENT,
    "vnetName": "vnet-fw",
    "addressSpace": "10.40.0.0/16",
    "subnets": {"privateEndpoints": "10.40.1.0/24", "agents": "10.40.4.0/23"},
    "zoneNames": ["privatelink.blob.core.windows.net"],
    "egress": "hubFirewall",
    "firewallIp": "10.0.0.4",
}
BAD: dict[str, Any] = {
    "placement": PLACEMENT,
    "vnetName": "vnet-bad",
    "addressSpace": "10.50.0.0/16",
    "subnets": {"gateway": "10.50.2.0/28", "agents": "10.99.0.0/23", "dmz": "10.50.9.0/24"},
    "zoneNames": [],
    "egress": "hubFirewall",
}
EXISTING: dict[str, Any] = {
    "placement": PLACEMENT,
    "subnetIds": {"privateEndpoints": f"{SPOKE}/subnets/pe", "agents": f"{SPOKE}/subnets/aca"},
    "zoneNames": ["privatelink.vaultcore.azure.net", "privatelink.blob.core.windows.net"],
    "existingZoneIds": {"privatelink.vaultcore.azure.net": HUB_VAULT_ZONE},
}
EXISTING_BAD: dict[str, Any] = {
    "placement": PLACEMENT,
    "subnetIds": {
        "privateEndpoints": f"{SPOKE}/subnets/pe",
        "gateway": "/subscriptions/sub/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/subnets/gw",
        "agents": "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-other/providers/Microsoft.Network/virtualNetworks/other/subnets/aca",
    },
    "zoneNames": ["privatelink.blob.core.windows.net"],
}


@pytest.fixture(scope="module")
def built() -> Built:
    return construct(
        [
            ("Network", "net", ARGS),
            ("Network", "fw", FIREWALLED),
            ("Network", "bad", BAD),
            ("ExistingNetwork", "byo", EXISTING),
            ("ExistingNetwork", "byobad", EXISTING_BAD),
        ]
    )


@pytest.mark.controls("RES-3")
def test_every_subnet_has_its_nsg_no_default_outbound_and_the_egress_subnets_use_the_nat_gateway(built: Built) -> None:
    assert built.errors.get("net") is None
    vnet = built.one(VNET, "net-")
    assert vnet["virtualNetworkName"] == "vnet-probe"
    assert vnet["addressSpace"] == {"addressPrefixes": ["10.30.0.0/16"]}
    subnets = {subnet["name"]: subnet for subnet in vnet["subnets"]}
    assert set(subnets) == {"privateEndpoints", "gateway", "agents"}
    assert {subnet["networkSecurityGroup"]["id"] for subnet in subnets.values()} == {
        f"net-nsg-{role}_id" for role in ("privateEndpoints", "gateway", "agents")
    }
    assert all(subnet["defaultOutboundAccess"] is False for subnet in subnets.values())
    assert subnets["gateway"]["natGateway"] == {"id": "net-egress-nat_id"}
    assert subnets["agents"]["natGateway"] == {"id": "net-egress-nat_id"}
    assert "natGateway" not in subnets["privateEndpoints"]
    assert subnets["privateEndpoints"]["privateEndpointNetworkPolicies"] == "Enabled"
    assert built.one(NAT, "net-")["publicIpAddresses"] == [{"id": "net-egress-ip_id"}]
    assert vnet["tags"] == {"owner": "platform"}


@pytest.mark.controls("RES-4")
def test_zones_brought_from_the_hub_are_used_as_they_are_and_the_others_are_created_and_linked(built: Built) -> None:
    (zone,) = built.of_type(ZONE, "net-")
    assert zone["inputs"]["privateZoneName"] == "privatelink.blob.core.windows.net"
    link = built.one(LINK, "net-")
    assert link["virtualNetwork"] == {"id": "net-vnet_id"}
    assert link["registrationEnabled"] is False
    state = built.states["net"]
    assert state["vnetId"] == "net-vnet_id"
    assert state["subnetIds"] == {role: f"net-vnet_id/subnets/{role}" for role in ("privateEndpoints", "gateway", "agents")}
    assert state["zoneIds"] == {
        "privatelink.blob.core.windows.net": "net-zone-blob-core-windows-net_id",
        "privatelink.vaultcore.azure.net": HUB_VAULT_ZONE,
    }


@pytest.mark.controls("RES-3")
def test_hub_firewall_egress_routes_to_the_firewall_and_creates_no_nat_gateway(built: Built) -> None:
    assert built.errors.get("fw") is None
    routes = built.one(ROUTES, "fw-")
    assert routes["routes"] == [
        {"name": "default-to-hub-firewall", "addressPrefix": "0.0.0.0/0", "nextHopType": "VirtualAppliance", "nextHopIpAddress": "10.0.0.4"}
    ]
    assert routes["disableBgpRoutePropagation"] is True
    assert built.of_type(NAT, "fw-") == [] and built.of_type(PUBLIC_IP, "fw-") == []
    subnets = {subnet["name"]: subnet for subnet in built.one(VNET, "fw-")["subnets"]}
    assert set(subnets) == {"privateEndpoints", "agents"}
    assert subnets["agents"]["routeTable"] == {"id": "fw-egress-routes_id"}
    assert "routeTable" not in subnets["privateEndpoints"]


def test_invalid_network_args_name_every_field_and_register_nothing(built: Built) -> None:
    lines = [line.strip() for line in built.errors["bad"].splitlines()[1:]]
    assert lines == [
        "Network.subnets.dmz: unknown subnet role; allowed: privateEndpoints, gateway, agents",
        "Network.subnets.privateEndpoints: is required: every private endpoint of the stack goes there",
        "Network.subnets.gateway: 10.50.2.0/28 is too small; the gateway subnet needs a /27 or larger "
        "(a prefix length of /27 or less, e.g. /27 or /24)",
        "Network.subnets.agents: 10.99.0.0/23 is outside the address space 10.50.0.0/16",
        "Network.firewall_ip: the hub firewall's private IPv4 address is required with egress hubFirewall",
    ]
    assert built.named("bad") == []


@pytest.mark.controls("RES-4")
def test_existing_subnets_create_no_network_and_missing_zones_are_linked_to_their_vnet(built: Built) -> None:
    assert built.errors.get("byo") is None
    for token in (VNET, NSG, NAT, PUBLIC_IP, ROUTES):
        assert built.of_type(token, "byo") == [], token
    (zone,) = built.of_type(ZONE, "byo-")
    assert zone["inputs"]["privateZoneName"] == "privatelink.blob.core.windows.net"
    assert built.one(LINK, "byo-")["virtualNetwork"] == {"id": SPOKE}
    state = built.states["byo"]
    assert state["vnetId"] == SPOKE
    assert state["subnetIds"] == {"privateEndpoints": f"{SPOKE}/subnets/pe", "agents": f"{SPOKE}/subnets/aca"}
    assert state["zoneIds"]["privatelink.vaultcore.azure.net"] == HUB_VAULT_ZONE


def test_invalid_existing_subnets_name_the_id_form_and_the_one_vnet_rule(built: Built) -> None:
    lines = [line.strip() for line in built.errors["byobad"].splitlines()[1:]]
    other = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-other/providers/Microsoft.Network/virtualNetworks/other"
    assert lines == [
        "ExistingNetwork.subnet_ids.gateway: expected a subnet resource id like /subscriptions/<subscription guid>/"
        "resourceGroups/<group>/providers/Microsoft.Network/virtualNetworks/<vnet>/subnets/<subnet>, got "
        "'/subscriptions/sub/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/subnets/gw'",
        f"ExistingNetwork.subnet_ids.agents: is in {other}, not in the privateEndpoints subnet's virtual network {SPOKE}; "
        "all subnets must be in one virtual network, the one the private DNS zones are linked to",
    ]
    assert built.named("byobad") == []
