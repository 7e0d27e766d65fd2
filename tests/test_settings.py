"""Settings: the dev stack parses; every kind of mistake gets one clear message naming the key.

One compliant baseline (the dev stack's own config) and one changed field per case. That nothing is
registered for a bad config is checked end to end in test_landing_zone.py.
"""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any, Callable

import pytest
import yaml

from pulumi_aizone.ai_services import ModelRef
from pulumi_aizone.landing_zone.settings import SettingsError, parse_settings

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
    assert settings.ai.deployments[0].model == ModelRef("OpenAI", "gpt-5.1", "2025-11-13")
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
    (
        "region display name",
        _set("location", "West Europe"),
        "aizone:location: 'West Europe' is not allowed; use the region's programmatic name",
    ),
    ("prefix with capitals", _set("prefix", "AIZ"), "aizone:prefix: 'AIZ' is not allowed; use 2-8 lowercase letters"),
    (
        "address space not a CIDR",
        _set("network.addressSpace", "10.20.0.0/33"),
        "aizone:network.addressSpace: '10.20.0.0/33' is not a valid IPv4 CIDR",
    ),
    (
        "CIDR with host bits",
        _set("network.subnets.gateway", "10.20.2.7/24"),
        "aizone:network.subnets.gateway: '10.20.2.7/24' is not a valid IPv4 CIDR",
    ),
    (
        "subnet outside address space",
        _set("network.subnets.agents", "10.99.0.0/23"),
        "aizone:network.subnets.agents: 10.99.0.0/23 is outside the address space 10.20.0.0/16",
    ),
    (
        "overlapping subnets",
        _set("network.subnets.gateway", "10.20.1.0/25"),
        "aizone:network.subnets.gateway: 10.20.1.0/25 overlaps subnets.privateEndpoints (10.20.1.0/24)",
    ),
    (
        "subnet too small",
        _set("network.subnets.agents", "10.20.4.0/28"),
        "aizone:network.subnets.agents: 10.20.4.0/28 is too small; the agents subnet needs a /27 or larger",
    ),
    ("unknown subnet role", _set("network.subnets.dmz", "10.20.9.0/24"), "aizone:network.subnets.dmz: unknown key"),
    ("missing subnet", _delete("network.subnets.agents"), "aizone:network.subnets.agents: is required"),
    (
        "bad BYO zone id",
        _set("network.privateDnsZoneIds", {"privatelink.openai.azure.com": "zone-id"}),
        "aizone:network.privateDnsZoneIds.privatelink.openai.azure.com: expected a resource id like /subscriptions/",
    ),
    (
        "firewall mode without its address",
        _set("network.egress", {"mode": "hubFirewall"}),
        "aizone:network.egress.firewallPrivateIp: mode 'hubFirewall' needs the firewall's private IPv4 address, got nothing",
    ),
    (
        "public firewall address",
        _set("network.egress", {"mode": "hubFirewall", "firewallPrivateIp": "8.8.8.8"}),
        "aizone:network.egress.firewallPrivateIp: 8.8.8.8 is not a private address",
    ),
    (
        "gateway publisher of the wrong type",
        _set("gateway.publisherEmail", 42),
        "aizone:gateway.publisherEmail: expected a string, got the number 42",
    ),
    (
        "classic gateway tier",
        _set("gateway.sku", "Premium"),
        "aizone:gateway.sku: 'Premium' is not supported by the landing zone's network yet",
    ),
    ("gateway capacity over the v2 limit", _set("gateway.capacity", 20), "aizone:gateway.capacity: 20 exceeds 10 units for StandardV2"),
    ("applications not a list", _set("applications", {"name": "hr-assistant"}), "aizone:applications: expected a list, got a mapping"),
    ("duplicate application", _duplicate_application, "aizone:applications: duplicate application name 'hr-assistant'"),
    (
        "unknown boundary",
        _set("applications.0.boundary", "confidential"),
        "aizone:applications[0].boundary: the text 'confidential' is not allowed; allowed values: 'internal', 'customer', 'public'",
    ),
    (
        "model not allow-listed",
        _set("ai.deployments.0.model", {"format": "OpenAI", "name": "gpt-35-turbo", "version": "0301"}),
        "aizone:ai.deployments[0].model: OpenAI/gpt-35-turbo@0301 is not on the model allow-list (MOD-3)",
    ),
    (
        "unpinned model version",
        _set("ai.deployments.0.model", {"format": "OpenAI", "name": "gpt-5.1"}),
        "aizone:ai.deployments[0].model.version: is required",
    ),
    (
        "capacity over the cap",
        _set("ai.deployments.0.capacity", 500),
        "aizone:ai.deployments[0].capacity: 500 is out of range; allowed: 1 to 100",
    ),
    (
        "capacity wrong type",
        _set("ai.deployments.0.capacity", "fifty"),
        "aizone:ai.deployments[0].capacity: expected a whole number from 1 to 100, got the text 'fifty'",
    ),
    (
        "account kind not allowed",
        _set("ai.kind", "ComputerVision"),
        "aizone:ai.kind: the text 'ComputerVision' is not allowed; allowed values: 'AIServices', 'OpenAI'",
    ),
    (
        "content filter threshold",
        _set("ai.contentFilter.severityThreshold", "Off"),
        "aizone:ai.contentFilter.severityThreshold: the text 'Off' is not allowed; allowed values: 'Low', 'Medium', 'High'",
    ),
    (
        "retention out of range",
        _set("observability.retentionDays", 7),
        "aizone:observability.retentionDays: 7 is out of range; allowed: 30 to 730",
    ),
    (
        "reserved tag",
        _set("tags", {"data-boundary": "public"}),
        "aizone:tags.data-boundary: the tag 'data-boundary' is set by the landing zone",
    ),
    # Subnet sizes (Learn: Container Apps networking /27; APIM v2 VNet integration /27).
    (
        "gateway subnet /28",
        _set("network.subnets.gateway", "10.20.2.0/28"),
        "aizone:network.subnets.gateway: 10.20.2.0/28 is too small; the gateway subnet needs a /27 or larger",
    ),
    # Regions: a checked-in list of Azure public regions, with a did-you-mean.
    (
        "region display name",
        _set("location", "Sweden Central"),
        "aizone:location: 'Sweden Central' is not allowed; use the region's programmatic name of an Azure public region (lowercase, no spaces), e.g. 'swedencentral' or 'eastus2'; did you mean 'swedencentral'?",
    ),
    ("region typo", _set("location", "swedencentrl"), "aizone:location: 'swedencentrl' is not allowed; use the region's programmatic name"),
    ("unknown region", _set("location", "marscentral"), "aizone:location: 'marscentral' is not allowed"),
    (
        "region as a list",
        _set("location", ["swedencentral"]),
        "aizone:location: expected a region's programmatic name such as 'swedencentral', got a list",
    ),
    # Tags (Learn: "Use tags to organize your Azure resources", Limitations).
    (
        "reserved tag in another case",
        _set("tags", {"Data-Boundary": "public"}),
        "aizone:tags.Data-Boundary: the tag 'Data-Boundary' is set by the landing zone",
    ),
    (
        "reserved aizone tag",
        _set("tags", {"AIZONE-managed-by": "me"}),
        "aizone:tags.AIZONE-managed-by: the tag 'AIZONE-managed-by' is set by the landing zone",
    ),
    (
        "tag names differing only in case",
        _set("tags", {"owner": "a", "Owner": "b"}),
        "aizone:tags.Owner: the same tag as 'owner': Azure tag names ignore case",
    ),
    ("tag name with a forbidden character", _set("tags", {"cost/center": "x"}), "aizone:tags.cost/center: tag names cannot contain /"),
    (
        "tag name too long for storage accounts",
        _set("tags", {"n" * 129: "x"}),
        f"aizone:tags.{'n' * 129}: the tag name has 129 characters; at most 128",
    ),
    ("tag value too long", _set("tags", {"owner": "v" * 257}), "aizone:tags.owner: the tag value has 257 characters; at most 256"),
    (
        "tag value not text",
        _set("tags", {"owner": 42}),
        "aizone:tags.owner: expected a text value (quote numbers and true/false), got the number 42",
    ),
    (
        "too many tags for private DNS zones",
        _set("tags", {f"t{i}": "x" for i in range(14)}),
        "aizone:tags: 14 tags are too many; at most 13 (Azure: Private DNS zones take at most 15 tags",
    ),
    ("tags not a mapping", _set("tags", ["owner"]), "aizone:tags: expected a mapping of tag name to text value, got a list"),
    # Numbers: upper bounds.
    (
        "tokens per minute over the bound",
        _set("gateway.tokensPerMinute", 10_000_001),
        "aizone:gateway.tokensPerMinute: 10000001 is out of range; at most 10,000,000",
    ),
    (
        "alert threshold over the bound",
        _set("alerts.contentFilterBlocks", 10**12),
        "aizone:alerts.contentFilterBlocks: 1000000000000 is out of range; at most 1,000,000",
    ),
    (
        "infinite retention",
        _set("observability.retentionDays", float("inf")),
        "aizone:observability.retentionDays: expected a whole number from 30 to 730, got the number inf",
    ),
    # A list where an application name is expected.
    (
        "agent application as a list",
        _set("agents.0.application", ["hr-assistant"]),
        "aizone:agents[0].application: a list is not a declared application; declared: 'hr-assistant', 'support-bot'",
    ),
    (
        "alert e-mails with a number",
        _set("alerts.emails", ["secops@contoso.com", 7]),
        "aizone:alerts.emails: expected a list of text values",
    ),
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


# Python's names for types (English "a list" is fine; "list [1]" or "str 'x'" is not).
PYTHON_TYPE_NAMES = re.compile(r"\b(str|int|float|bool|dict|tuple|NoneType)\b|\blist\b(?= ?[\['\"\d])|<class|Error\b")


@pytest.mark.parametrize(("change", "expected"), [case[1:] for case in BAD_CONFIGS], ids=[case[0] for case in BAD_CONFIGS])
def test_messages_never_name_python_types(change: Callable[[dict[str, Any]], None], expected: str) -> None:
    config = copy.deepcopy(dev_config())
    change(config)
    with pytest.raises(SettingsError) as caught:
        parse_settings(config)
    for problem in caught.value.problems:
        assert not PYTHON_TYPE_NAMES.search(problem), problem


def test_gateway_subnet_of_27_is_enough() -> None:
    config = copy.deepcopy(dev_config())
    config["network"]["subnets"]["gateway"] = "10.20.2.0/27"
    assert parse_settings(config).network.subnets["gateway"] == "10.20.2.0/27"


def test_thirteen_tags_fit_and_without_private_dns_zones_up_to_43() -> None:
    config = copy.deepcopy(dev_config())
    config["tags"] = {f"t{i}": "x" for i in range(13)}
    assert len(parse_settings(config).tags) == 13
    config["network"]["privateDnsZoneGroups"] = "platformPolicy"
    config["tags"] = {f"t{i}": "x" for i in range(43)}
    assert len(parse_settings(config).tags) == 43
    config["tags"] = {f"t{i}": "x" for i in range(44)}
    with pytest.raises(SettingsError, match="44 tags are too many; at most 43"):
        parse_settings(config)


# --- Decoding config as the engine passes it (text; JSON for structured values) ------------------


def _engine_form(config: dict[str, Any]) -> dict[str, str]:
    return {f"aizone:{k}": v if isinstance(v, str) else json.dumps(v) for k, v in config.items()}


def _read(env: dict[str, str], secret_keys: list[str] | None = None) -> Any:
    """read_namespace_config over the engine's config, as the language host sets it."""
    import contextvars

    from pulumi.runtime.config import set_all_config

    from pulumi_aizone.landing_zone.settings import read_namespace_config

    def run() -> Any:
        set_all_config(env, secret_keys or [])
        return read_namespace_config()

    return contextvars.Context().run(run)


def test_string_keys_stay_strings_even_when_they_look_like_json() -> None:
    config = dev_config()
    env = _engine_form(config)
    env["aizone:environment"] = "null"
    env["aizone:prefix"] = "123"
    raw = _read(env)
    assert raw.values["environment"] == "null" and raw.values["prefix"] == "123"
    with pytest.raises(SettingsError) as caught:
        parse_settings(raw.values)
    # the message speaks about the text, not about a JSON null/boolean
    assert "aizone:prefix: '123' is not allowed" in str(caught.value)
    assert "aizone:environment" not in str(caught.value)  # 'null' is a valid environment name


def test_duplicate_keys_in_a_structured_value_are_refused() -> None:
    env = _engine_form(dev_config())
    env["aizone:observability"] = '{"retentionDays": 90, "retentionDays": 30}'
    raw = _read(env)
    with pytest.raises(SettingsError) as caught:
        parse_settings(raw.values, raw.secret_keys, raw.problems)
    assert "aizone:observability: the key 'retentionDays' appears twice; write each key once" in caught.value.problems


# --- Secrets ----------------------------------------------------------------------------------


def test_secret_keys_are_read_from_the_runtime() -> None:
    raw = _read(_engine_form(dev_config()), ["aizone:alerts"])
    assert raw.secret_keys == frozenset({"alerts"})
    settings = parse_settings(raw.values, raw.secret_keys)
    assert set(settings.secret_values) >= {"secops@contoso.com", "ai-platform@contoso.com"}


def test_secret_values_never_appear_in_error_messages() -> None:
    config = copy.deepcopy(dev_config())
    config["gateway"]["publisherEmail"] = "not-an-email-but-secret"
    config["gateway"]["capacity"] = 20
    config["alerts"]["emails"] = ["hidden-receiver", 5]
    with pytest.raises(SettingsError) as caught:
        parse_settings(config, secret_keys=["gateway", "alerts"])
    text = str(caught.value)
    assert "aizone:gateway.capacity: [secret] exceeds 10 units for [secret]" in text
    for secret in ("not-an-email-but-secret", "hidden-receiver", "StandardV2", "20 "):
        assert secret not in text


def test_keys_whose_values_stay_plain_text_cannot_be_secret() -> None:
    with pytest.raises(SettingsError) as caught:
        parse_settings(dev_config(), secret_keys=["tags", "prefix"])
    assert caught.value.problems == [
        "aizone:prefix: cannot be a secret: its values end up in plain text anyway (resource names, tags, addresses); "
        "keys that may be secret: 'gateway', 'alerts', 'governance', 'entra'",
        "aizone:tags: cannot be a secret: its values end up in plain text anyway (resource names, tags, addresses); "
        "keys that may be secret: 'gateway', 'alerts', 'governance', 'entra'",
    ]
    assert "aiz" not in " ".join(caught.value.problems).replace("aizone", "")


_SECRET_PROBE = """
import json, sys
from pathlib import Path
from pulumi_aizone_gate.program import run_program
from pulumi_aizone_gate.project import load_project

project = load_project(Path(sys.argv[1]), "dev")
# What the engine does for `pulumi config set --secret`: the value reaches the program decrypted and
# its key is listed as secret (PULUMI_CONFIG_SECRET_KEYS -> set_all_config).
project.secret_keys = sys.argv[2:]
run = run_program(project)
print(json.dumps([{"type": r.type, "name": r.name, "inputs": r.inputs} for r in run.resources]))
"""
SECRET_SIG = {"4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270"}


def _secret(value: str) -> dict[str, str]:
    return {**SECRET_SIG, "value": value}


@pytest.mark.controls("ACC-8")
def test_secret_config_reaches_resources_only_as_secrets() -> None:
    """Under mocks, with `aizone:alerts`, `aizone:gateway` and `aizone:governance` marked secret,
    the recorded inputs carry the engine's secret signature wherever those values go."""
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-c", _SECRET_PROBE, str(ROOT), "aizone:alerts", "aizone:gateway", "aizone:governance"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=240,
        env={**__import__("os").environ, "PYTHONPATH": f"{ROOT}{__import__('os').pathsep}{ROOT / 'policy_pack'}"},
    )
    assert result.returncode == 0, result.stderr[-2000:]
    resources = {(r["type"], r["name"]): r["inputs"] for r in json.loads(result.stdout)}
    group = resources[("azure-native:monitor:ActionGroup", "aizone-alerts-action-group")]
    assert [r["emailAddress"] for r in group["emailReceivers"]] == [_secret("secops@contoso.com"), _secret("ai-platform@contoso.com")]
    apim = next(inputs for (kind, _), inputs in resources.items() if kind == "azure-native:apimanagement:ApiManagementService")
    assert apim["publisherEmail"] == _secret("ai-platform@contoso.com")
    assert apim["publisherName"] == _secret("Contoso AI Platform")
    contact = next(inputs for (kind, _), inputs in resources.items() if kind == "azure-native:security:SecurityContact")
    assert contact["emails"] == _secret("secops@contoso.com")
    # Nothing else leaks: no recorded input holds a secret value in plain text (agents' owners
    # are not secret config, so their addresses stay plain).
    secrets = {"secops@contoso.com", "ai-platform@contoso.com", "Contoso AI Platform"}
    for inputs in resources.values():
        for text in _plain_strings(inputs):
            assert not any(secret in text for secret in secrets), text


def _plain_strings(value: Any) -> list[str]:
    """Every string in recorded inputs that is not inside a secret."""
    if isinstance(value, dict):
        if value.get("4dabf18193072939515e22adb298388d") == SECRET_SIG["4dabf18193072939515e22adb298388d"]:
            return []
        return [text for item in value.values() for text in _plain_strings(item)]
    if isinstance(value, list):
        return [text for item in value for text in _plain_strings(item)]
    return [value] if isinstance(value, str) else []
