"""The network as the engine would receive it: every NSG rule of the agents subnet (Container Apps
workload-profiles environment with internal ingress) matches what Microsoft lists as required, and
the subnets carry the delegations their services need.

Sources: https://learn.microsoft.com/azure/container-apps/firewall-integration (workload profiles
tabs), https://learn.microsoft.com/azure/container-apps/networking (/27 minimum),
https://learn.microsoft.com/azure/api-management/integrate-vnet-outbound (/27, NSG, delegation).
"""

from __future__ import annotations

from typing import Any

import pytest

from .conftest import Plan

NSG = "azure-native:network:NetworkSecurityGroup"
AGENTS = "10.20.4.0/23"  # Pulumi.dev.yaml


def _rules(plan: Plan, role: str) -> dict[str, dict[str, Any]]:
    nsg = plan.one(NSG, f"-nsg-{role}")
    return {rule["name"]: rule for rule in nsg.inputs["securityRules"]}


def _shape(rule: dict[str, Any]) -> tuple[Any, ...]:
    ports = rule.get("destinationPortRange") or tuple(rule["destinationPortRanges"])
    return (
        rule["priority"],
        rule["direction"],
        rule["access"],
        rule["protocol"],
        rule["sourceAddressPrefix"],
        rule["sourcePortRange"],
        rule["destinationAddressPrefix"],
        ports,
    )


# name -> (priority, direction, access, protocol, source, source ports, destination, destination ports)
AGENTS_RULES = {
    "allow-subnet-in": (100, "Inbound", "Allow", "*", AGENTS, "*", AGENTS, "*"),
    "allow-vnet-https-in": (110, "Inbound", "Allow", "Tcp", "VirtualNetwork", "*", AGENTS, ("443", "31443")),
    "allow-lb-probes-in": (120, "Inbound", "Allow", "Tcp", "AzureLoadBalancer", "*", AGENTS, "30000-32767"),
    "deny-all-inbound": (4096, "Inbound", "Deny", "*", "*", "*", "*", "*"),
    "allow-subnet-out": (100, "Outbound", "Allow", "*", AGENTS, "*", AGENTS, "*"),
    "allow-vnet-https-out": (110, "Outbound", "Allow", "Tcp", AGENTS, "*", "VirtualNetwork", "443"),
    "allow-mcr-out": (120, "Outbound", "Allow", "Tcp", AGENTS, "*", "MicrosoftContainerRegistry", "443"),
    "allow-mcr-cdn-out": (130, "Outbound", "Allow", "Tcp", AGENTS, "*", "AzureFrontDoor.FirstParty", "443"),
    "allow-entra-out": (140, "Outbound", "Allow", "Tcp", AGENTS, "*", "AzureActiveDirectory", "443"),
    "allow-monitor-out": (150, "Outbound", "Allow", "Tcp", AGENTS, "*", "AzureMonitor", "443"),
    "allow-dns-tcp-out": (160, "Outbound", "Allow", "Tcp", AGENTS, "*", "168.63.129.16", "53"),
    "allow-dns-udp-out": (170, "Outbound", "Allow", "Udp", AGENTS, "*", "168.63.129.16", "53"),
    "allow-ntp-out": (180, "Outbound", "Allow", "Udp", AGENTS, "*", "*", "123"),
    "allow-azurecloud-out": (190, "Outbound", "Allow", "Tcp", AGENTS, "*", "AzureCloud", "443"),
    "allow-storage-out": (200, "Outbound", "Allow", "Tcp", AGENTS, "*", "Storage.swedencentral", "443"),
    "deny-all-outbound": (4096, "Outbound", "Deny", "*", "*", "*", "*", "*"),
}


@pytest.mark.controls("RES-3")
@pytest.mark.parametrize("name", sorted(AGENTS_RULES))
def test_agents_subnet_allows_exactly_what_container_apps_workload_profiles_require(dev_plan: Plan, name: str) -> None:
    rules = _rules(dev_plan, "agents")
    assert _shape(rules[name]) == AGENTS_RULES[name]


@pytest.mark.controls("RES-3")
def test_agents_subnet_has_no_other_rule_and_deny_all_comes_last(dev_plan: Plan) -> None:
    rules = _rules(dev_plan, "agents")
    assert set(rules) == set(AGENTS_RULES)
    for direction in ("Inbound", "Outbound"):
        priorities = [r["priority"] for r in rules.values() if r["direction"] == direction]
        assert len(set(priorities)) == len(priorities), "NSG priorities must be unique per direction"
        assert max(priorities) == 4096
        deny = rules[f"deny-all-{direction.lower()}"]
        assert deny["priority"] == max(priorities)
    # No allow rule opens the subnet to the Internet inbound.
    assert all(
        r["sourceAddressPrefix"] not in ("*", "Internet") for r in rules.values() if r["direction"] == "Inbound" and r["access"] == "Allow"
    )


@pytest.mark.controls("RES-3")
def test_subnets_are_delegated_to_the_services_they_host(dev_plan: Plan) -> None:
    vnet = dev_plan.one("azure-native:network:VirtualNetwork")
    subnets = {subnet["name"]: subnet for subnet in vnet.inputs["subnets"]}
    assert [d["serviceName"] for d in subnets["agents"]["delegations"]] == ["Microsoft.App/environments"]
    assert [d["serviceName"] for d in subnets["gateway"]["delegations"]] == ["Microsoft.Web/serverFarms"]
    assert "delegations" not in subnets["privateEndpoints"]
    # API Management v2 VNet integration requires an NSG on its subnet (and so does every subnet here).
    nsgs = {nsg.name.rsplit("-nsg-", 1)[1]: nsg for nsg in dev_plan.of_type(NSG)}
    for role, subnet in subnets.items():
        assert subnet["networkSecurityGroup"]["id"] == nsgs[role].id
