"""AiServices built alone through the component provider: the account's security properties, the
prompt-shield content filter, pinned deployments, projects, and one error listing every bad field."""

from typing import Any

import pytest

from tests.components.probe import PLACEMENT, WORKSPACE_ID, Built, build, networking

ACCOUNT = "azure-native:cognitiveservices:Account"
RAI = "azure-native:cognitiveservices:RaiPolicy"
DEPLOYMENT = "azure-native:cognitiveservices:Deployment"
PROJECT = "azure-native:cognitiveservices:Project"
ZONES = ("privatelink.cognitiveservices.azure.com", "privatelink.openai.azure.com", "privatelink.services.ai.azure.com")

INPUTS: dict[str, Any] = {
    "placement": PLACEMENT,
    "accountName": "ais-probe",
    "networking": networking(*ZONES),
    "diagnostics": {"workspaceId": WORKSPACE_ID},
    "deployments": [
        {"name": "gpt-5.1", "model": {"format": "OpenAI", "name": "gpt-5.1", "version": "2025-11-13"}, "capacity": 10},
        {"name": "mini", "model": {"format": "OpenAI", "name": "gpt-5.4-mini", "version": "2026-03-17"}, "sku": "Standard"},
    ],
    "applications": [{"name": "hr-assistant", "boundary": "internal"}, {"name": "support-bot", "boundary": "customer"}],
    "severityThreshold": "Low",
}
BAD: dict[str, Any] = {
    **INPUTS,
    "accountName": "-bad-",
    "kind": "Face",
    "severityThreshold": "None",
    "deployments": [{"name": "x y", "model": {"format": "OpenAI", "name": "", "version": "1"}, "capacity": 0}],
    "applications": [{"name": "support-bot", "boundary": "secret"}, {"name": "support-bot", "boundary": "public"}],
}


@pytest.fixture(scope="module")
def built() -> Built:
    return build("AiServices", ("ai", INPUTS), ("bad", BAD))


@pytest.mark.controls("ACC-1", "ACC-7")
def test_account_takes_only_entra_tokens_through_its_private_endpoint(built: Built) -> None:
    account = built.one(ACCOUNT)
    properties = account["properties"]
    assert properties["disableLocalAuth"] is True
    assert properties["publicNetworkAccess"] == "Disabled"
    assert properties["networkAcls"] == {"defaultAction": "Deny", "bypass": "AzureServices", "ipRules": [], "virtualNetworkRules": []}
    assert properties["restrictOutboundNetworkAccess"] is True
    assert properties["allowedFqdnList"] == []
    assert properties["customSubDomainName"] == "ais-probe"
    assert account["identity"] == {"type": "SystemAssigned"}
    assert account["tags"] == {"owner": "platform"}
    endpoint = built.one("azure-native:network:PrivateEndpoint")
    assert endpoint["privateLinkServiceConnections"][0]["groupIds"] == ["account"]
    assert built.states["ai"]["endpoint"] == "https://ais-probe.cognitiveservices.azure.com/"
    assert built.states["ai"]["deploymentNames"] == ["gpt-5.1", "mini"]


@pytest.mark.controls("MOD-2a")
def test_content_filter_blocks_jailbreak_and_indirect_attacks_and_filters_harm_at_the_threshold(built: Built) -> None:
    assert built.one(RAI)["raiPolicyName"] == "aizone-prompt-shields"
    policy = built.one(RAI)["properties"]
    assert policy["mode"] == "Blocking"
    assert policy["basePolicyName"] == "Microsoft.DefaultV2"
    filters = {(f["name"], f["source"]): f for f in policy["contentFilters"]}
    for shield in ("Jailbreak", "Indirect Attack"):
        assert filters[(shield, "Prompt")]["blocking"] is True
        assert filters[(shield, "Prompt")]["enabled"] is True
    for harm in ("Hate", "Sexual", "Violence", "Selfharm"):
        for source in ("Prompt", "Completion"):
            assert filters[(harm, source)]["severityThreshold"] == "Low"
            assert filters[(harm, source)]["blocking"] is True


@pytest.mark.controls("MOD-3")
def test_deployments_are_pinned_bound_to_the_policy_and_capped(built: Built) -> None:
    deployments = {d["inputs"]["deploymentName"]: d["inputs"] for d in built.of_type(DEPLOYMENT)}
    assert set(deployments) == {"gpt-5.1", "mini"}
    for deployment in deployments.values():
        assert deployment["properties"]["versionUpgradeOption"] == "NoAutoUpgrade"
    assert deployments["gpt-5.1"]["properties"]["model"] == {"format": "OpenAI", "name": "gpt-5.1", "version": "2025-11-13"}
    assert deployments["gpt-5.1"]["sku"] == {"name": "GlobalStandard", "capacity": 10}
    assert deployments["mini"]["sku"] == {"name": "Standard", "capacity": 1}


@pytest.mark.controls("DATA-1")
def test_one_project_per_application_tagged_with_its_boundary(built: Built) -> None:
    projects = {p["inputs"]["projectName"]: p["inputs"] for p in built.of_type(PROJECT)}
    assert projects["support-bot"]["tags"]["data-boundary"] == "customer"
    assert projects["hr-assistant"]["tags"]["data-boundary"] == "internal"
    assert set(built.states["ai"]["projectIds"]) == {"hr-assistant", "support-bot"}


def test_invalid_args_list_every_field_and_register_nothing(built: Built) -> None:
    message = built.errors["bad"]
    for line in (
        "AiServices.account_name: 2-64 letters, digits and '-', starting and ending with a letter or digit",
        "AiServices.kind: one of AIServices, OpenAI",
        "AiServices.severity_threshold: one of Low, Medium, High",
        "AiServices.deployments[0].name: use letters, digits, '.', '_' or '-' (max 64)",
        "AiServices.deployments[0].model.name: a non-empty string",
        "AiServices.deployments[0].capacity: a whole number, at least 1",
        "AiServices.applications[0].boundary: one of internal, customer, public",
        "AiServices.applications[1].name: application name 'support-bot' is used twice",
    ):
        assert line in message
    assert not [r for r in built.registrations if r["name"].startswith("bad")]
