"""Settings: the dev stack parses; every kind of mistake gets one clear message naming the key.

One compliant baseline (the dev stack's own config) and one changed field per case. That nothing is
registered for a bad config is checked end to end in test_landing_zone.py.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any, Callable

import pytest
import yaml

from aizone.components.ai_services import ModelRef
from aizone.landing_zone.settings import SettingsError, parse_settings

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.controls("MOD-3", "ACC-8", "DATA-1")


def dev_config() -> dict[str, Any]:
    config = yaml.safe_load((ROOT / "Pulumi.dev.yaml").read_text())["config"]
    return {key.split(":", 1)[1]: value for key, value in config.items() if key.startswith("aizone:")}


def test_dev_stack_parses_to_typed_settings() -> None:
    settings = parse_settings(dev_config())
    assert settings.location == "swedencentral"
    assert settings.network.subnets["agents"] == "10.20.4.0/23"
    assert [app.boundary for app in settings.applications] == ["internal", "customer"]
    assert settings.ai.deployments[0].model == ModelRef("OpenAI", "gpt-4o", "2024-11-20")
    assert settings.name("vnet") == "vnet-aiz-dev"


def _set(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    """A change to the baseline: set the value at a dotted path (list indexes allowed)."""

    def change(config: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        target: Any = config
        for part in parents:
            target = target[int(part)] if isinstance(target, list) else target[part]
        if isinstance(target, list):
            target[int(last)] = value
        else:
            target[last] = value

    return change


def _delete(path: str) -> Callable[[dict[str, Any]], None]:
    def change(config: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        target: Any = config
        for part in parents:
            target = target[part]
        del target[last]

    return change


def _duplicate_application(config: dict[str, Any]) -> None:
    config["applications"].append(dict(config["applications"][0]))


BAD_CONFIGS = [
    ("unknown top-level key", _set("netwrok", {}), "aizone:netwrok: unknown key; did you mean 'network'?"),
    ("missing required key", _delete("network"), "aizone:network: is required"),
    ("region display name", _set("location", "West Europe"), "aizone:location: 'West Europe' is not allowed; use the region's programmatic name"),
    ("prefix with capitals", _set("prefix", "AIZ"), "aizone:prefix: 'AIZ' is not allowed; use 2-8 lowercase letters"),
    ("address space not a CIDR", _set("network.addressSpace", "10.20.0.0/33"), "aizone:network.addressSpace: '10.20.0.0/33' is not a valid IPv4 CIDR"),
    ("CIDR with host bits", _set("network.subnets.gateway", "10.20.2.7/24"), "aizone:network.subnets.gateway: '10.20.2.7/24' is not a valid IPv4 CIDR"),
    ("subnet outside address space", _set("network.subnets.agents", "10.99.0.0/23"), "aizone:network.subnets.agents: 10.99.0.0/23 is outside the address space 10.20.0.0/16"),
    ("overlapping subnets", _set("network.subnets.gateway", "10.20.1.0/25"), "aizone:network.subnets.gateway: 10.20.1.0/25 overlaps subnets.privateEndpoints (10.20.1.0/24)"),
    ("subnet too small", _set("network.subnets.agents", "10.20.4.0/28"), "aizone:network.subnets.agents: 10.20.4.0/28 is too small; the agents subnet needs a /27 or larger"),
    ("unknown subnet role", _set("network.subnets.dmz", "10.20.9.0/24"), "aizone:network.subnets.dmz: unknown key"),
    ("missing subnet", _delete("network.subnets.agents"), "aizone:network.subnets.agents: is required"),
    ("bad BYO zone id", _set("network.privateDnsZoneIds", {"privatelink.openai.azure.com": "zone-id"}), "aizone:network.privateDnsZoneIds.privatelink.openai.azure.com: expected a resource id like /subscriptions/"),
    ("firewall mode without its address", _set("network.egress", {"mode": "hubFirewall"}), "aizone:network.egress.firewallPrivateIp: mode 'hubFirewall' needs the firewall's private IPv4 address, got nothing"),
    ("public firewall address", _set("network.egress", {"mode": "hubFirewall", "firewallPrivateIp": "8.8.8.8"}), "aizone:network.egress.firewallPrivateIp: 8.8.8.8 is not a private address"),
    ("gateway publisher of the wrong type", _set("gateway.publisherEmail", 42), "aizone:gateway.publisherEmail: expected a string, got the number 42"),
    ("classic gateway tier", _set("gateway.sku", "Premium"), "aizone:gateway.sku: 'Premium' is not supported by the landing zone's network yet"),
    ("gateway capacity over the v2 limit", _set("gateway.capacity", 20), "aizone:gateway.capacity: 20 exceeds 10 units for StandardV2"),
    ("applications not a list", _set("applications", {"name": "hr-assistant"}), "aizone:applications: expected a list, got a mapping"),
    ("duplicate application", _duplicate_application, "aizone:applications: duplicate application name 'hr-assistant'"),
    ("unknown boundary", _set("applications.0.boundary", "confidential"), "aizone:applications[0].boundary: the text 'confidential' is not allowed; allowed values: 'internal', 'customer', 'public'"),
    ("model not allow-listed", _set("ai.deployments.0.model", {"format": "OpenAI", "name": "gpt-35-turbo", "version": "0301"}), "aizone:ai.deployments[0].model: OpenAI/gpt-35-turbo@0301 is not on the model allow-list (MOD-3)"),
    ("unpinned model version", _set("ai.deployments.0.model", {"format": "OpenAI", "name": "gpt-4o"}), "aizone:ai.deployments[0].model.version: is required"),
    ("capacity over the cap", _set("ai.deployments.0.capacity", 500), "aizone:ai.deployments[0].capacity: 500 is out of range; allowed: 1 to 100"),
    ("capacity wrong type", _set("ai.deployments.0.capacity", "fifty"), "aizone:ai.deployments[0].capacity: expected a whole number from 1 to 100, got the text 'fifty'"),
    ("account kind not allowed", _set("ai.kind", "ComputerVision"), "aizone:ai.kind: the text 'ComputerVision' is not allowed; allowed values: 'AIServices', 'OpenAI'"),
    ("content filter threshold", _set("ai.contentFilter.severityThreshold", "Off"), "aizone:ai.contentFilter.severityThreshold: the text 'Off' is not allowed; allowed values: 'Low', 'Medium', 'High'"),
    ("retention out of range", _set("observability.retentionDays", 7), "aizone:observability.retentionDays: 7 is out of range; allowed: 30 to 730"),
    ("reserved tag", _set("tags", {"data-boundary": "public"}), "aizone:tags.data-boundary: the tag 'data-boundary' is set by the landing zone"),
]


@pytest.mark.parametrize(("change", "expected"), [case[1:] for case in BAD_CONFIGS], ids=[case[0] for case in BAD_CONFIGS])
def test_bad_configuration_names_the_key_and_what_is_allowed(change: Callable[[dict[str, Any]], None], expected: str) -> None:
    config = copy.deepcopy(dev_config())
    change(config)
    with pytest.raises(SettingsError) as caught:
        parse_settings(config)
    assert any(problem.startswith(expected) for problem in caught.value.problems), caught.value.problems
    assert "Traceback" not in str(caught.value)


def test_every_problem_is_reported_at_once() -> None:
    config = copy.deepcopy(dev_config())
    config["location"] = "West Europe"
    config["applications"][0]["boundary"] = "secret"
    with pytest.raises(SettingsError) as caught:
        parse_settings(config)
    assert len(caught.value.problems) == 2
    assert str(caught.value).startswith("invalid stack configuration (2 problem(s)):")


def test_bring_your_own_zone_must_name_the_same_zone() -> None:
    config = copy.deepcopy(dev_config())
    zone_id = "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/hub-dns/providers/Microsoft.Network/privateDnsZones/privatelink.blob.core.windows.net"
    config["network"]["privateDnsZoneIds"] = {"privatelink.openai.azure.com": zone_id}
    with pytest.raises(SettingsError) as caught:
        parse_settings(config)
    assert "names zone 'privatelink.blob.core.windows.net', not 'privatelink.openai.azure.com'" in str(caught.value)


def test_settings_error_is_a_run_error_so_the_cli_prints_no_traceback() -> None:
    import pulumi

    assert issubclass(SettingsError, pulumi.RunError)
