"""The dev stack, as the engine would receive it: the exact properties that make each resource
secure, the ordering that avoids the known deployment failures, and the key invariant: our own
landing zone passes our own pack with zero mandatory findings.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from pulumi_aizone_policy import reference

from .conftest import ROOT, Plan, run_preview_cli
from .report_schema import load_report

ACCOUNT = "azure-native:cognitiveservices:Account"
DEPLOYMENT = "azure-native:cognitiveservices:Deployment"
RAI_POLICY = "azure-native:cognitiveservices:RaiPolicy"
PROJECT = "azure-native:cognitiveservices:Project"
PRIVATE_ENDPOINT = "azure-native:network:PrivateEndpoint"
ZONE_GROUP = "azure-native:network:PrivateDnsZoneGroup"
DIAGNOSTICS = "azure-native:monitor:DiagnosticSetting"
ROLE_ASSIGNMENT = "azure-native:authorization:RoleAssignment"
APIM = "azure-native:apimanagement:ApiManagementService"
APP_INSIGHTS = "azure-native:applicationinsights:Component"
LOGGER = "azure-native:apimanagement:Logger"
API_DIAGNOSTIC = "azure-native:apimanagement:ApiDiagnostic"
APPLICATION = "azuread:index/application:Application"
SERVICE_PRINCIPAL = "azuread:index/servicePrincipal:ServicePrincipal"
APP_ROLE_ASSIGNMENT = "azuread:index/appRoleAssignment:AppRoleAssignment"
PRE_AUTHORIZED = "azuread:index/applicationPreAuthorized:ApplicationPreAuthorized"
CA_POLICY = "azuread:index/conditionalAccessPolicy:ConditionalAccessPolicy"


@pytest.mark.controls("RES-2", "RES-4", "ACC-1", "ACC-6", "ACC-7", "ACC-8", "MOD-2a", "MOD-3")
def test_dev_stack_has_zero_mandatory_findings(dev_preview: Any) -> None:
    mandatory = [f"{f.policy}: {f.message}" for f in dev_preview.findings if f.level == "mandatory"]
    assert mandatory == []
    assert dev_preview.program_errors == []


@pytest.mark.controls("ACC-1", "ACC-6", "ACC-7", "ACC-8")
def test_ai_account_is_entra_only_private_and_protected(dev_plan: Plan) -> None:
    account = dev_plan.one(ACCOUNT)
    props = account.inputs["properties"]
    assert account.inputs["kind"] == "AIServices"
    assert account.inputs["identity"] == {"type": "SystemAssigned"}
    assert props["disableLocalAuth"] is True
    assert props["publicNetworkAccess"] == "Disabled"
    assert props["networkAcls"]["defaultAction"] == "Deny"
    assert props["restrictOutboundNetworkAccess"] is True
    assert props["customSubDomainName"] == account.inputs["accountName"]
    assert account.options.protect is True


@pytest.mark.controls("MOD-2a")
def test_content_filter_blocks_prompt_attacks_and_filters_harm_both_ways(dev_plan: Plan) -> None:
    policy = dev_plan.one(RAI_POLICY)
    filters = {(f["name"], f["source"]): f for f in policy.inputs["properties"]["contentFilters"]}
    for shield in ("Jailbreak", "Indirect Attack"):
        assert filters[(shield, "Prompt")]["blocking"] is True
        assert filters[(shield, "Prompt")]["enabled"] is True
    for category in ("Hate", "Sexual", "Violence", "Selfharm"):
        for source in ("Prompt", "Completion"):
            assert filters[(category, source)]["blocking"] is True
            assert filters[(category, source)]["severityThreshold"] == "Medium"


@pytest.mark.controls("MOD-2a", "MOD-3", "ACC-8")
def test_deployments_are_pinned_filtered_capped_and_written_one_at_a_time(dev_plan: Plan) -> None:
    policy = dev_plan.one(RAI_POLICY)
    first, second = dev_plan.of_type(DEPLOYMENT)
    for deployment in (first, second):
        props = deployment.inputs["properties"]
        assert props["versionUpgradeOption"] == "NoAutoUpgrade"
        assert props["raiPolicyName"] == policy.inputs["raiPolicyName"]
        assert policy.urn in deployment.property_dependencies["properties"]
        assert deployment.inputs["sku"]["capacity"] <= 100
    assert first.inputs["properties"]["model"] == {"format": "OpenAI", "name": "gpt-5.1", "version": "2025-11-13"}
    # Azure rejects concurrent writes under one account (409): each child waits for the previous.
    assert first.urn in second.dependencies


@pytest.mark.controls("RES-3", "RES-4")
def test_ai_private_endpoint_waits_for_every_child_and_registers_in_all_ai_zones(dev_plan: Plan) -> None:
    account = dev_plan.one(ACCOUNT)
    endpoint = dev_plan.one(PRIVATE_ENDPOINT, "-ai-pe-account")
    connection = endpoint.inputs["privateLinkServiceConnections"][0]
    assert connection["privateLinkServiceId"] == account.id
    assert connection["groupIds"] == ["account"]
    last_child = dev_plan.of_type(PROJECT)[-1]
    assert last_child.urn in endpoint.dependencies  # avoids AccountProvisioningStateInvalid
    zone_group = dev_plan.one(ZONE_GROUP, "-ai-pe-account-dns")
    zone_ids = [config["privateDnsZoneId"] for config in zone_group.inputs["privateDnsZoneConfigs"]]
    expected = reference.PRIVATE_LINK[ACCOUNT]["account"]
    assert sorted(zone_id.rsplit("/", 1)[-1] for zone_id in zone_ids) == sorted(expected)


@pytest.mark.controls("RES-3")
def test_every_private_zone_is_linked_to_the_vnet_without_auto_registration(dev_plan: Plan) -> None:
    zones = dev_plan.of_type("azure-native:privatedns:PrivateZone")
    links = dev_plan.of_type("azure-native:privatedns:VirtualNetworkLink")
    assert {zone.inputs["privateZoneName"] for zone in zones} >= set(reference.PRIVATE_LINK[ACCOUNT]["account"])
    assert len(links) == len(zones)
    vnet = dev_plan.one("azure-native:network:VirtualNetwork")
    for link in links:
        assert link.inputs["registrationEnabled"] is False
        assert link.inputs["virtualNetwork"]["id"] == vnet.id


@pytest.mark.controls("RES-2")
def test_ai_account_and_workspace_logging(dev_plan: Plan) -> None:
    account = dev_plan.one(ACCOUNT)
    workspace = dev_plan.one("azure-native:operationalinsights:Workspace")
    assert workspace.inputs["features"]["disableLocalAuth"] is True
    setting = next(s for s in dev_plan.of_type(DIAGNOSTICS) if s.inputs["resourceUri"] == account.id)
    assert setting.inputs["workspaceId"] == workspace.id
    assert setting.inputs["logs"] == [{"categoryGroup": "allLogs", "enabled": True}]
    assert setting.inputs["metrics"] == [{"category": "AllMetrics", "enabled": True}]


@pytest.mark.controls("ACC-5", "ACC-6")
def test_inference_grants_are_data_plane_only_on_the_account_with_principal_type(dev_plan: Plan) -> None:
    account = dev_plan.one(ACCOUNT)
    grants = [g for g in dev_plan.of_type(ROLE_ASSIGNMENT) if "-inference-" in g.name]
    # the gateway's identity and each application's Foundry project; agents go through the gateway
    assert sorted(g.name.split("-inference-")[1] for g in grants) == ["aizone-gw-gateway", "project-hr-assistant", "project-support-bot"]
    for grant in grants:
        assert grant.inputs["scope"] == account.id
        assert grant.inputs["principalType"] == "ServicePrincipal"
        assert grant.inputs["roleDefinitionId"].endswith(reference.ROLE_IDS["Cognitive Services OpenAI User"])


@pytest.mark.controls("RES-3", "ACC-7")
def test_egress_is_explicit_through_a_nat_gateway_for_the_calling_subnets_only(dev_plan: Plan) -> None:
    vnet = dev_plan.one("azure-native:network:VirtualNetwork")
    nat = dev_plan.one("azure-native:network:NatGateway")
    subnets = {subnet["name"]: subnet for subnet in vnet.inputs["subnets"]}
    assert subnets["gateway"]["natGateway"] == {"id": nat.id}
    assert subnets["agents"]["natGateway"] == {"id": nat.id}
    assert "natGateway" not in subnets["privateEndpoints"]


@pytest.mark.controls("RES-3")
def test_subnets_deny_by_default(dev_plan: Plan) -> None:
    vnet = dev_plan.one("azure-native:network:VirtualNetwork")
    subnets = {subnet["name"]: subnet for subnet in vnet.inputs["subnets"]}
    assert set(subnets) == {"privateEndpoints", "gateway", "agents"}
    assert subnets["privateEndpoints"]["privateEndpointNetworkPolicies"] == "Enabled"
    assert all(subnet["defaultOutboundAccess"] is False for subnet in subnets.values())
    for nsg in dev_plan.of_type("azure-native:network:NetworkSecurityGroup"):
        rules = {rule["name"]: rule for rule in nsg.inputs["securityRules"]}
        for direction in ("inbound", "outbound"):
            deny = rules[f"deny-all-{direction}"]
            assert (deny["access"], deny["priority"], deny["sourceAddressPrefix"]) == ("Deny", 4096, "*")


def _program_copy(tmp_path: Path, stack_config: dict[str, Any]) -> Path:
    """The real program and components in a scratch directory with one extra stack file."""
    for name in ("__main__.py", "Pulumi.yaml", "components", "policy_pack"):
        (tmp_path / name).symlink_to(ROOT / name)
    (tmp_path / "Pulumi.bad.yaml").write_text(yaml.safe_dump({"config": stack_config}))
    return tmp_path


@pytest.mark.controls("MOD-3")
def test_bad_configuration_exits_2_with_the_key_and_registers_nothing(tmp_path: Path) -> None:
    config = yaml.safe_load((ROOT / "Pulumi.dev.yaml").read_text())["config"]
    config["aizone:ai"]["deployments"][0]["model"]["name"] = "gpt-35-turbo"
    config["aizone:applications"][1]["boundary"] = "partners"
    program = _program_copy(tmp_path, config)
    report = tmp_path / "report.json"
    result = run_preview_cli("--program", str(program), "--stack", "bad", "--policy-pack", str(ROOT / "policy_pack"), "--json", str(report))
    assert result.returncode == 2, result.stderr
    assert "aizone:ai.deployments[0].model: OpenAI/gpt-35-turbo@2025-11-13 is not on the model allow-list" in result.stderr
    assert "aizone:applications[1].boundary: the text 'partners' is not allowed" in result.stderr
    assert result.stderr.startswith("error: invalid stack configuration (2 problem(s)):")
    assert "Traceback" not in result.stderr
    # The preview notes any resource registered before the error; there must be none.
    assert "were registered before this error" not in result.stderr
    assert not report.exists()


@pytest.mark.controls("RES-3", "RES-4")
def test_hub_and_spoke_platform_policy_mode_creates_no_zones_or_zone_groups(tmp_path: Path) -> None:
    """When the platform's Azure Policy registers private endpoints in hub zones, the landing zone
    creates endpoints only (and the pack is told so through dnsZoneGroupsManagedByPlatform)."""
    config = yaml.safe_load((ROOT / "Pulumi.dev.yaml").read_text())["config"]
    config["aizone:network"]["privateDnsZoneGroups"] = "platformPolicy"
    program = _program_copy(tmp_path, config)
    pack_config = tmp_path / "pack-config.json"
    pack_config.write_text('{"azurenative-network-privatednszonegroup-required": {"dnsZoneGroupsManagedByPlatform": true}}')
    report = tmp_path / "report.json"
    result = run_preview_cli(
        "--program",
        str(program),
        "--stack",
        "bad",
        "--policy-pack",
        str(ROOT / "policy_pack"),
        "--policy-config",
        str(pack_config),
        "--json",
        str(report),
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr
    types = [entry["type"] for entry in load_report(report)["resources"]]
    assert "azure-native:privatedns:PrivateZone" not in types
    assert ZONE_GROUP not in types
    assert types.count(PRIVATE_ENDPOINT) >= 6


@pytest.mark.controls("ACC-7", "MOD-4")
def test_fresh_subscription_gateway_is_created_public_with_a_dated_marker_and_a_warning(dev_preview: Any) -> None:
    """The dev preview answers the gateway's lookup like a fresh subscription (not found): the
    first `pulumi up` creates it with public access (Azure refuses Disabled at creation), tagged
    with the run's date; no config edit is needed for the second run, which makes it private."""
    import datetime as dt

    plan = Plan(dev_preview.resources)
    service = plan.one(APIM)
    assert service.inputs["serviceName"] == f"apim-aiz-dev-{service.inputs['serviceName'].rsplit('-', 1)[-1]}"
    assert service.inputs["publicNetworkAccess"] == "Enabled"
    assert service.inputs["tags"][reference.FIRST_DEPLOYMENT_TAG] == dt.datetime.now(dt.timezone.utc).date().isoformat()
    assert dev_preview.invokes["azure-native:apimanagement:getApiManagementService"] == 1
    assert any("The next `pulumi up` disables public network access" in w for w in dev_preview.program_warnings)
    # the private endpoint the second run needs is created by this run
    endpoint = plan.one(PRIVATE_ENDPOINT, "gw-pe")
    assert endpoint.inputs["privateLinkServiceConnections"][0]["privateLinkServiceId"] == service.id
    # nothing but that time-boxed public access is mandatory in the first run
    others = [
        f"{f.policy}: {f.message}"
        for f in dev_preview.findings
        if f.level == "mandatory" and f.policy != "azurenative-apimanagement-service-restrict-public-network-access"
    ]
    assert others == []


@pytest.mark.controls("MOD-4")
def test_old_stack_setting_first_deployment_is_told_it_is_no_longer_needed(tmp_path: Path) -> None:
    config = yaml.safe_load((ROOT / "Pulumi.dev.yaml").read_text())["config"]
    assert "firstDeployment" not in config["aizone:gateway"]
    config["aizone:gateway"]["firstDeployment"] = True
    program = _program_copy(tmp_path, config)
    result = run_preview_cli("--program", str(program), "--stack", "bad", "--policy-pack", str(ROOT / "policy_pack"))
    assert result.returncode == 2, result.stderr
    assert "aizone:gateway.firstDeployment: is no longer needed" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.controls("MOD-4", "RES-2")
def test_gateway_token_metrics_and_logs_reach_app_insights_and_the_workspace(dev_plan: Plan) -> None:
    component = dev_plan.one(APP_INSIGHTS)
    workspace = dev_plan.one("azure-native:operationalinsights:Workspace")
    assert component.inputs["workspaceResourceId"] == workspace.id
    assert component.inputs["disableLocalAuth"] is True
    logger = dev_plan.one(LOGGER, "appinsights")
    assert logger.inputs["resourceId"] == component.id
    assert logger.inputs["credentials"]["identityClientId"] == "SystemAssigned"
    diagnostics = {d.inputs["diagnosticId"]: d.inputs for d in dev_plan.of_type(API_DIAGNOSTIC)}
    assert sorted(diagnostics) == ["applicationinsights", "azuremonitor"]
    assert diagnostics["applicationinsights"]["loggerId"] == logger.id
    assert diagnostics["applicationinsights"]["metrics"] is True
    publisher = [r for r in dev_plan.of_type(ROLE_ASSIGNMENT) if r.inputs["scope"] == component.id]
    assert [r.inputs["roleDefinitionId"].rsplit("/", 1)[-1] for r in publisher] == [reference.ROLE_IDS["Monitoring Metrics Publisher"]]


@pytest.mark.controls("ACC-4", "MOD-4")
def test_conditional_access_on_the_gateway_app_waits_for_its_service_principal(dev_plan: Plan) -> None:
    application = dev_plan.one(APPLICATION, "gw-app")
    principal = dev_plan.one(SERVICE_PRINCIPAL, "gw-sp")
    targeting = [
        p
        for p in dev_plan.of_type(CA_POLICY)
        if application.outputs["clientId"] in p.inputs["conditions"]["applications"]["includedApplications"]
    ]
    assert len(targeting) >= 2  # MFA and sign-in risk at least
    for policy in targeting:
        assert principal.urn in policy.dependencies, policy.name
    management_only = [p for p in dev_plan.of_type(CA_POLICY) if p not in targeting]
    assert management_only and all(principal.urn not in p.dependencies for p in management_only)


@pytest.mark.controls("MOD-4")
def test_ai_users_hold_the_gateway_role_so_their_cli_tokens_pass(dev_plan: Plan) -> None:
    principal = dev_plan.one(SERVICE_PRINCIPAL, "gw-sp")
    users = dev_plan.one("azuread:index/group:Group", "entra-users")
    (assignment,) = [a for a in dev_plan.of_type(APP_ROLE_ASSIGNMENT) if a.inputs["principalObjectId"] == users.outputs["objectId"]]
    assert assignment.inputs["resourceObjectId"] == principal.outputs["objectId"]
    assert dev_plan.one(PRE_AUTHORIZED).inputs["authorizedClientId"] == "04b07795-8ddb-461a-bbee-02f9e1bf7b46"


# --- Features switched off, and what the platform team brings -------------------------------------
# One recorded plan per option (tests/plans.py, a fresh process each), compared with the dev
# stack's resource types: exactly what disappears (or appears), and that the components use the
# ids the stack was given.

SPOKE = "/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/rg-spoke/providers/Microsoft.Network/virtualNetworks/vnet-spoke"
PLATFORM_WORKSPACE = (
    "/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/rg-platform-logs/providers/"
    "Microsoft.OperationalInsights/workspaces/log-platform"
)


def _gateway_off(config: dict[str, Any]) -> None:
    config["aizone:gateway"] = False
    del config["aizone:network"]["subnets"]["gateway"]


def _sessions_off(config: dict[str, Any]) -> None:
    config["aizone:execution"]["sessions"] = False
    del config["aizone:network"]["subnets"]["agents"]


def _registry_off(config: dict[str, Any]) -> None:
    config["aizone:execution"]["registry"] = False


def _existing_network(config: dict[str, Any]) -> None:
    config["aizone:network"] = {
        "existing": {
            "privateEndpointsSubnetId": f"{SPOKE}/subnets/pe",
            "gatewaySubnetId": f"{SPOKE}/subnets/apim",
            "agentsSubnetId": f"{SPOKE}/subnets/aca",
        }
    }


def _existing_workspace(config: dict[str, Any]) -> None:
    config["aizone:observability"] = {"workspaceId": PLATFORM_WORKSPACE}


OPTIONS = {
    "gateway-off": _gateway_off,
    "sessions-off": _sessions_off,
    "registry-off": _registry_off,
    "existing-network": _existing_network,
    "existing-workspace": _existing_workspace,
}


@pytest.fixture(scope="module")
def options(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    from .plans import dev_config, record

    plans = {}
    for option, change in OPTIONS.items():
        config = dev_config()
        change(config)
        plans[option] = record(tmp_path_factory.mktemp(option), config)
    return plans


def _type_changes(dev_plan: Plan, plan: dict[str, Any]) -> dict[str, int]:
    """Resource type -> how many more (or fewer, negative) the option's plan has than the dev stack's."""
    from collections import Counter

    before = Counter(resource.type for resource in dev_plan.resources)
    after = Counter(resource["type"] for resource in plan["resources"])
    return {token: after[token] - before[token] for token in sorted(set(before) | set(after)) if after[token] != before[token]}


def _of(plan: dict[str, Any], token: str) -> list[dict[str, Any]]:
    return [resource for resource in plan["resources"] if resource["type"] == token]


def _outputs(plan: dict[str, Any]) -> dict[str, Any]:
    return next(resource for resource in plan["resources"] if resource["type"] == "pulumi:pulumi:Stack")["outputs"]


def test_gateway_off_removes_the_gateway_its_subnet_zone_telemetry_alerts_grants_and_inventory_row(
    dev_plan: Plan, options: dict[str, dict[str, Any]]
) -> None:
    plan = options["gateway-off"]
    assert plan["errors"] == []
    assert _type_changes(dev_plan, plan) == {
        "aizone:index:AiGateway": -1,
        "aizone:index:AppInsights": -1,
        "azure-native:apimanagement:Api": -1,
        "azure-native:apimanagement:ApiDiagnostic": -2,
        "azure-native:apimanagement:ApiManagementService": -1,
        "azure-native:apimanagement:ApiOperation": -2,
        "azure-native:apimanagement:ApiPolicy": -1,
        "azure-native:apimanagement:Backend": -1,
        "azure-native:apimanagement:Logger": -2,
        "azure-native:apimanagement:NamedValue": -1,
        "azure-native:applicationinsights:Component": -1,
        # the gateway's inference grant on the account and its publisher grant on App Insights
        "azure-native:authorization:RoleAssignment": -2,
        "azure-native:monitor:DiagnosticSetting": -2,
        "azure-native:monitor:MetricAlert": -2,
        "azure-native:network:NetworkSecurityGroup": -1,
        "azure-native:network:PrivateDnsZoneGroup": -1,
        "azure-native:network:PrivateEndpoint": -1,
        "azure-native:privatedns:PrivateZone": -1,
        "azure-native:privatedns:VirtualNetworkLink": -1,
        # the two agents' and the AI users' app role on the gateway
        "azuread:index/appRoleAssignment:AppRoleAssignment": -3,
        "azuread:index/application:Application": -1,
        "azuread:index/applicationPreAuthorized:ApplicationPreAuthorized": -1,
        "azuread:index/servicePrincipal:ServicePrincipal": -1,
    }
    (vnet,) = _of(plan, "azure-native:network:VirtualNetwork")
    assert [subnet["name"] for subnet in vnet["inputs"]["subnets"]] == ["privateEndpoints", "agents"]
    zones = {zone["inputs"]["privateZoneName"] for zone in _of(plan, "azure-native:privatedns:PrivateZone")}
    assert "privatelink.azure-api.net" not in zones
    outputs = _outputs(plan)
    assert "gatewayUrl" not in outputs and "gatewayAudience" not in outputs
    assert [row["kind"] for row in outputs["agentInventory"]] == ["application", "application", "agent", "agent"]


def test_sessions_off_removes_the_environment_pools_their_grants_and_the_agents_subnet(
    dev_plan: Plan, options: dict[str, dict[str, Any]]
) -> None:
    plan = options["sessions-off"]
    assert plan["errors"] == []
    assert _type_changes(dev_plan, plan) == {
        "aizone:index:CodeSessions": -1,
        "azure-native:app:ContainerAppsSessionPool": -2,
        "azure-native:app:ManagedEnvironment": -1,
        "azure-native:authorization:RoleAssignment": -2,  # each agent's session executor role on its pool
        "azure-native:monitor:DiagnosticSetting": -1,
        "azure-native:network:NetworkSecurityGroup": -1,
    }
    (vnet,) = _of(plan, "azure-native:network:VirtualNetwork")
    assert [subnet["name"] for subnet in vnet["inputs"]["subnets"]] == ["privateEndpoints", "gateway"]
    # The gateway still calls out through the NAT gateway.
    assert len(_of(plan, "azure-native:network:NatGateway")) == 1


def test_registry_off_removes_the_registry_its_endpoint_and_zone_and_sessions_keep_their_built_in_image(
    dev_plan: Plan, options: dict[str, dict[str, Any]]
) -> None:
    plan = options["registry-off"]
    assert plan["errors"] == []
    assert _type_changes(dev_plan, plan) == {
        "aizone:index:ContainerRegistry": -1,
        "azure-native:containerregistry:Registry": -1,
        "azure-native:monitor:DiagnosticSetting": -1,
        "azure-native:network:PrivateDnsZoneGroup": -1,
        "azure-native:network:PrivateEndpoint": -1,
        "azure-native:privatedns:PrivateZone": -1,
        "azure-native:privatedns:VirtualNetworkLink": -1,
    }
    pools = _of(plan, "azure-native:app:ContainerAppsSessionPool")
    assert [pool["inputs"]["containerType"] for pool in pools] == ["PythonLTS", "PythonLTS"]
    assert "registry" not in _outputs(plan)["globalNames"]


@pytest.mark.controls("RES-4")
def test_existing_subnets_create_no_network_and_every_component_uses_the_given_ids(
    dev_plan: Plan, options: dict[str, dict[str, Any]]
) -> None:
    plan = options["existing-network"]
    assert plan["errors"] == []
    assert _type_changes(dev_plan, plan) == {
        "aizone:index:ExistingNetwork": 1,
        "aizone:index:Network": -1,
        "azure-native:network:NatGateway": -1,
        "azure-native:network:NetworkSecurityGroup": -3,
        "azure-native:network:PublicIPAddress": -1,
        "azure-native:network:VirtualNetwork": -1,
    }
    endpoints = _of(plan, "azure-native:network:PrivateEndpoint")
    assert len(endpoints) == len(dev_plan.of_type(PRIVATE_ENDPOINT)) == 6
    assert {endpoint["inputs"]["subnet"]["id"] for endpoint in endpoints} == {f"{SPOKE}/subnets/pe"}
    (service,) = _of(plan, "azure-native:apimanagement:ApiManagementService")
    assert service["inputs"]["virtualNetworkConfiguration"] == {"subnetResourceId": f"{SPOKE}/subnets/apim"}
    (environment,) = _of(plan, "azure-native:app:ManagedEnvironment")
    assert environment["inputs"]["vnetConfiguration"]["infrastructureSubnetId"] == f"{SPOKE}/subnets/aca"
    # The zones this stack creates are linked to the spoke VNet (derived from the subnet ids).
    links = _of(plan, "azure-native:privatedns:VirtualNetworkLink")
    assert len(links) == 7  # none for the attached Purview account: its zones live where it lives
    assert {link["inputs"]["virtualNetwork"]["id"] for link in links} == {SPOKE}
    assert _outputs(plan)["vnetId"] == SPOKE


@pytest.mark.controls("RES-2")
def test_existing_workspace_is_where_every_diagnostic_setting_and_app_insights_send(
    dev_plan: Plan, options: dict[str, dict[str, Any]]
) -> None:
    plan = options["existing-workspace"]
    assert plan["errors"] == []
    assert _type_changes(dev_plan, plan) == {"aizone:index:Observability": -1, "azure-native:operationalinsights:Workspace": -1}
    settings = _of(plan, "azure-native:monitor:DiagnosticSetting")
    assert len(settings) == len(dev_plan.of_type(DIAGNOSTICS))
    assert {setting["inputs"]["workspaceId"] for setting in settings} == {PLATFORM_WORKSPACE}
    (component,) = _of(plan, APP_INSIGHTS)
    assert component["inputs"]["workspaceResourceId"] == PLATFORM_WORKSPACE
    assert _outputs(plan)["logAnalyticsWorkspaceId"] == PLATFORM_WORKSPACE


@pytest.mark.controls("RES-2", "RES-4")
def test_the_spoke_example_stack_previews_with_zero_mandatory_findings(tmp_path: Path) -> None:
    """Pulumi.byo.yaml: existing subnets and workspace, one hub zone, no code execution."""
    report = tmp_path / "report.json"
    result = run_preview_cli("--program", str(ROOT), "--stack", "byo", "--policy-pack", str(ROOT / "policy_pack"), "--json", str(report))
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr
    assert "0 mandatory" in result.stdout
    resources = load_report(report)["resources"]
    types = [resource["type"] for resource in resources]
    for absent in (
        "azure-native:network:VirtualNetwork",
        "azure-native:network:NetworkSecurityGroup",
        "azure-native:network:NatGateway",
        "azure-native:operationalinsights:Workspace",
        "azure-native:containerregistry:Registry",
        "azure-native:app:ManagedEnvironment",
        "azure-native:app:ContainerAppsSessionPool",
    ):
        assert absent not in types, absent
    zones = {resource["name"] for resource in resources if resource["type"] == "azure-native:privatedns:PrivateZone"}
    assert "aizone-net-zone-blob-core-windows-net" not in zones  # the hub's zone is used
    assert "aizone-net-zone-openai-azure-com" in zones
    assert types.count(APIM) == 1
