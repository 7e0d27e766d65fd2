"""Settings of the optional features and of what the platform team brings: the AI gateway, code
sessions and the registry switched off; existing subnets; an existing Log Analytics workspace.
One baseline (the dev stack), one changed value per case, the exact message."""

import copy
from typing import Any, Callable

import pytest
import yaml

from pulumi_aizone.landing_zone import SettingsError, parse_settings

from .conftest import ROOT

SPOKE = "/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/rg-spoke/providers/Microsoft.Network/virtualNetworks/vnet-spoke"
OTHER = "/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/rg-spoke/providers/Microsoft.Network/virtualNetworks/vnet-other"
WORKSPACE = "/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/rg-logs/providers/Microsoft.OperationalInsights/workspaces/log-platform"
SUBNET_FORM = (
    "/subscriptions/<subscription guid>/resourceGroups/<group>/providers/Microsoft.Network/virtualNetworks/<vnet>/subnets/<subnet>"
)
WORKSPACE_FORM = "/subscriptions/<subscription guid>/resourceGroups/<group>/providers/Microsoft.OperationalInsights/workspaces/<name>"
EXISTING = {
    "privateEndpointsSubnetId": f"{SPOKE}/subnets/pe",
    "gatewaySubnetId": f"{SPOKE}/subnets/apim",
    "agentsSubnetId": f"{SPOKE}/subnets/aca",
}

Change = Callable[[dict[str, Any]], None]


def dev_config() -> dict[str, Any]:
    config = yaml.safe_load((ROOT / "Pulumi.dev.yaml").read_text())["config"]
    return {key.split(":", 1)[1]: value for key, value in config.items() if key.startswith("aizone:")}


def _changed(*changes: Change) -> dict[str, Any]:
    config = copy.deepcopy(dev_config())
    for change in changes:
        change(config)
    return config


def gateway_off(config: dict[str, Any]) -> None:
    config["gateway"] = False
    del config["network"]["subnets"]["gateway"]


def sessions_off(config: dict[str, Any]) -> None:
    config["execution"]["sessions"] = False
    del config["network"]["subnets"]["agents"]


def registry_off(config: dict[str, Any]) -> None:
    config["execution"]["registry"] = False


def existing(**ids: str) -> Change:
    def change(config: dict[str, Any]) -> None:
        config["network"] = {"existing": {name: value for name, value in {**EXISTING, **ids}.items() if value}}

    return change


def setting(section: str, path: str, value: Any) -> Change:
    def change(config: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        target = config[section]
        for part in parents:
            target = target[part]
        target[last] = value

    return change


def test_features_switched_off_parse_to_none_and_keep_the_others() -> None:
    settings = parse_settings(_changed(gateway_off, sessions_off, registry_off))
    assert settings.gateway is None
    assert settings.execution.sessions is None
    assert settings.execution.registry is None
    assert dict(settings.network.subnets) == {"privateEndpoints": "10.20.1.0/24"}
    assert [app.name for app in settings.applications] == ["hr-assistant", "support-bot"]


def test_existing_subnets_and_workspace_parse_to_their_ids() -> None:
    settings = parse_settings(_changed(existing(), setting("observability", "retentionDays", 90)))
    assert settings.network.existing
    assert dict(settings.network.existing_subnet_ids) == {
        "privateEndpoints": f"{SPOKE}/subnets/pe",
        "gateway": f"{SPOKE}/subnets/apim",
        "agents": f"{SPOKE}/subnets/aca",
    }
    assert settings.network.subnets == {} and settings.network.address_space == ""
    settings = parse_settings(_changed(lambda config: config.update(observability={"workspaceId": WORKSPACE})))
    assert settings.observability.workspace_id == WORKSPACE


def test_existing_subnets_need_only_the_subnets_of_the_features_that_are_on() -> None:
    config = _changed(existing(gatewaySubnetId="", agentsSubnetId=""))
    config["gateway"] = False
    config["execution"]["sessions"] = False
    assert dict(parse_settings(config).network.existing_subnet_ids) == {"privateEndpoints": f"{SPOKE}/subnets/pe"}


def _without_gateway_subnet_key(config: dict[str, Any]) -> None:
    config["gateway"] = False


BAD: list[tuple[str, list[Change], str]] = [
    (
        "gateway true",
        [setting("execution", "sessions", {}), lambda c: c.update(gateway=True)],
        "aizone:gateway: expected a mapping of gateway settings, or false to deploy without the AI gateway, got true",
    ),
    (
        "gateway subnet kept with the gateway off",
        [_without_gateway_subnet_key],
        "aizone:network.subnets.gateway: is only used by the AI gateway, which aizone:gateway: false turns off; "
        "remove it (or turn the AI gateway on)",
    ),
    (
        "agents subnet kept with sessions off",
        [setting("execution", "sessions", False)],
        "aizone:network.subnets.agents: is only used by code sessions, which aizone:execution.sessions: false turns off; "
        "remove it (or turn code sessions on)",
    ),
    (
        "agents subnet missing with sessions on",
        [lambda c: c["network"]["subnets"].pop("agents")],
        "aizone:network.subnets.agents: is required",
    ),
    (
        "sessions true",
        [setting("execution", "sessions", True)],
        "aizone:execution.sessions: expected a mapping of sessions settings, or false to deploy without code sessions, got true",
    ),
    (
        "registry as text",
        [setting("execution", "registry", "off")],
        "aizone:execution.registry: expected a mapping of registry settings, or false to deploy without the container registry, "
        "got the text 'off'",
    ),
    (
        "agent sessions with sessions off",
        [sessions_off, setting("execution", "agentSessions", {"hr-policy-agent": {"cpu": 1}})],
        "aizone:execution.agentSessions: is only used by code sessions, which aizone:execution.sessions: false turns off; remove it",
    ),
    (
        "custom image without a registry",
        [
            registry_off,
            setting(
                "execution",
                "sessions",
                {"containerType": "CustomContainer", "image": "cr.example/app@sha256:" + "a" * 64, "targetPort": 8080},
            ),
        ],
        "aizone:execution.sessions.image: a custom image must come from the stack's container registry (EXEC-2), which "
        "aizone:execution.registry: false turns off; use a built-in containerType or turn the registry on",
    ),
    (
        "address space with existing subnets",
        [existing(), setting("network", "addressSpace", "10.20.0.0/16")],
        "aizone:network.addressSpace: is not used with network.existing: the platform team's VNet, NSGs and egress are used "
        "as they are; remove it",
    ),
    (
        "egress with existing subnets",
        [existing(), setting("network", "egress", {"mode": "natGateway"})],
        "aizone:network.egress: is not used with network.existing",
    ),
    (
        "subnet id that is not an ARM id",
        [existing(privateEndpointsSubnetId="snet-pe")],
        f"aizone:network.existing.privateEndpointsSubnetId: expected a subnet resource id like {SUBNET_FORM}, got 'snet-pe'",
    ),
    (
        "VNet id instead of a subnet id",
        [existing(gatewaySubnetId=SPOKE)],
        f"aizone:network.existing.gatewaySubnetId: expected a subnet resource id like {SUBNET_FORM}, got '{SPOKE}'",
    ),
    (
        "subscription that is not a GUID",
        [existing(agentsSubnetId=SPOKE.replace("11111111-1111-1111-1111-111111111111", "prod") + "/subnets/aca")],
        "aizone:network.existing.agentsSubnetId: expected a subnet resource id like",
    ),
    (
        "subnets in two VNets",
        [existing(agentsSubnetId=f"{OTHER}/subnets/aca")],
        f"aizone:network.existing.agentsSubnetId: is in {OTHER}, not in privateEndpointsSubnetId's virtual network {SPOKE}; "
        "all subnets must be in one virtual network, the one the private DNS zones are linked to",
    ),
    ("agents subnet missing with sessions on", [existing(agentsSubnetId="")], "aizone:network.existing.agentsSubnetId: is required"),
    (
        "gateway subnet with the gateway off",
        [existing(), lambda c: c.update(gateway=False)],
        "aizone:network.existing.gatewaySubnetId: is only used by the AI gateway, which aizone:gateway: false turns off; "
        "remove it (or turn the AI gateway on)",
    ),
    ("unknown existing key", [existing(), setting("network", "existing.vnetId", SPOKE)], "aizone:network.existing.vnetId: unknown key"),
    (
        "gateway name with the gateway off",
        [gateway_off, lambda c: c.update(names={"gateway": "apim-contoso-ai"})],
        "aizone:names.gateway: names the AI gateway, which aizone:gateway: false turns off; remove it",
    ),
    (
        "registry name with the registry off",
        [registry_off, lambda c: c.update(names={"registry": "crcontosoai"})],
        "aizone:names.registry: names the container registry, which aizone:execution.registry: false turns off; remove it",
    ),
    (
        "workspace id of another type",
        [lambda c: c.update(observability={"workspaceId": f"{SPOKE}/subnets/pe"})],
        f"aizone:observability.workspaceId: '{SPOKE}/subnets/pe' is not allowed; expected a Log Analytics workspace id like {WORKSPACE_FORM}",
    ),
    (
        "workspace name too short",
        [lambda c: c.update(observability={"workspaceId": WORKSPACE.replace("log-platform", "log")})],
        "aizone:observability.workspaceId: '/subscriptions/",
    ),
    (
        "retention with an existing workspace",
        [lambda c: c.update(observability={"workspaceId": WORKSPACE, "retentionDays": 30})],
        "aizone:observability.retentionDays: is not used with workspaceId: the existing workspace keeps its own retention "
        "(set it on that workspace); remove it",
    ),
]


@pytest.mark.parametrize(("changes", "expected"), [case[1:] for case in BAD], ids=[case[0] for case in BAD])
def test_bad_feature_settings_name_the_key_and_what_is_allowed(changes: list[Change], expected: str) -> None:
    with pytest.raises(SettingsError) as caught:
        parse_settings(_changed(*changes))
    assert any(problem.startswith(expected) for problem in caught.value.problems), caught.value.problems


def test_every_problem_of_existing_subnets_is_reported_at_once() -> None:
    config = _changed(existing(privateEndpointsSubnetId="pe", gatewaySubnetId=f"{OTHER}/subnets/apim", agentsSubnetId=""))
    with pytest.raises(SettingsError) as caught:
        parse_settings(config)
    assert caught.value.problems == [
        "aizone:network.existing.agentsSubnetId: is required",
        f"aizone:network.existing.privateEndpointsSubnetId: expected a subnet resource id like {SUBNET_FORM}, got 'pe'",
    ]
