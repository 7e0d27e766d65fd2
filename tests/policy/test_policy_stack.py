"""Stack policies on a small compliant landing zone, in both shapes the engine produces: a preview
(ids unknown, links only through property dependencies) and a deployed stack (ids known, no path
parameters in the outputs). Each violation changes one thing and must be caught on the right
resource with its control id."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import pytest
from policy_cases import (
    BASELINES,
    PRINCIPAL_ID,
    ZONES,
    arm_id,
    baseline_stack,
    changed,
    content_filters,
    controls_mark,
    diagnostics_of,
    item,
    replace_item,
    without,
    zone_id,
)

from policy_pack.aizone_policy import tokens as t
from policy_pack.aizone_policy.harness import UNKNOWN_VALUE, PackAnalyzer, StackItem, urn_for

SHAPES = pytest.mark.parametrize("preview", [True, False], ids=["preview", "deployed"])
Stack = list[StackItem]


@SHAPES
@pytest.mark.controls("RES-2", "RES-4", "ACC-6", "MOD-2a")
def test_baseline_stack_passes(analyzer: PackAnalyzer, preview: bool) -> None:
    assert analyzer.analyze_stack(baseline_stack(preview)) == []


@SHAPES
def test_baseline_resources_pass_resource_policies(analyzer: PackAnalyzer, preview: bool) -> None:
    for resource in baseline_stack(preview):
        assert analyzer.analyze(resource.type, resource.props, resource.name) == [], resource.name


def _props(stack: Stack, name: str, path: str, value: object) -> Stack:
    return replace_item(stack, name, props=changed(item(stack, name).props, path, value))


def _weak_rai(stack: Stack) -> Stack:
    filters = [entry for entry in content_filters() if "indirect" not in entry["name"]]
    return _props(stack, "strict", "properties.contentFilters", filters)


def _storage_logs_on_account(stack: Stack) -> Stack:
    uri = arm_id(t.STORAGE_ACCOUNT, "data")
    return _props(stack, "data-blob-diag", "id", f"{uri}/providers/Microsoft.Insights/diagnosticSettings/x")


def _role_to_ai_identity_as_user(stack: Stack) -> Stack:
    stack = replace_item(stack, "agent-openai-user", property_dependencies={"principalId": [urn_for(t.COGNITIVE_ACCOUNT, "ai")]})
    return _props(stack, "agent-openai-user", "principalType", "User")


def _role_to_group(stack: Stack) -> Stack:
    group = StackItem(type=t.AZUREAD_GROUP, name="ai-users", props={"displayName": "AI users", "objectId": "22222222-2222-2222-2222-222222222222"})
    stack = [*stack, group]
    return _props(stack, "agent-openai-user", "principalId", "22222222-2222-2222-2222-222222222222")


def _wrong_zone(stack: Stack) -> Stack:
    configs = [{"name": "zone", "privateDnsZoneId": zone_id(ZONES["blob"])}]
    return _props(stack, "kv-pe-dns", "privateDnsZoneConfigs", configs)


def _wrong_group(stack: Stack) -> Stack:
    endpoint = item(stack, "kv-pe")
    connection = dict(endpoint.props["privateLinkServiceConnections"][0], groupIds=["blob"])
    return _props(stack, "kv-pe", "privateLinkServiceConnections", [connection])


@dataclass(frozen=True)
class StackCase:
    """One change to the baseline stack, the policy that must catch it on resource `target`, and
    a message fragment; `config` is --policy-pack-config content; `shapes` the shapes it applies to."""

    id: str
    change: Callable[[Stack], Stack]
    policy: str
    target: str
    fragment: str
    config: Mapping[str, Any] | None = None
    shapes: tuple[bool, ...] = (True, False)


_DIAG = "azure-monitor-diagnosticsetting-central-logging"
_PE = "azure-network-privateendpoint-required"
_DNS = "azure-network-privatednszonegroup-required"
_RAI = "azure-cognitiveservices-deployment-custom-rai-policy"
_PRINCIPAL = "azure-authorization-roleassignment-principal-type-matches"

STACK_VIOLATIONS: tuple[StackCase, ...] = (
    StackCase("vault-without-diagnostics", lambda s: without(s, "kv-diag"), _DIAG, "kv",
              "[RES-2] Key Vault 'kv' has no diagnostic setting: add a monitor:DiagnosticSetting with resourceUri = its id"),
    StackCase("storage-without-diagnostics", lambda s: without(s, "data-blob-diag"), _DIAG, "data",
              "resourceUri = '<account id>/blobServices/default' (the account itself offers only metrics)"),
    StackCase("no-workspace", lambda s: _props(s, "ai-diag", "workspaceId", None), _DIAG, "ai", "'ai-diag': workspaceId is not set"),
    StackCase("no-logs", lambda s: _props(s, "search-diag", "logs", []), _DIAG, "search", "no log category or category group"),
    StackCase("logs-disabled", lambda s: _props(s, "acr-diag", "logs.0.enabled", False), _DIAG, "acr", "no log category"),
    StackCase("unknown-category-group", lambda s: _props(s, "mlw-diag", "logs.0.categoryGroup", "everything"), _DIAG, "mlw", "no log category"),
    StackCase("storage-logs-on-account", _storage_logs_on_account, _DIAG, "data", "it is on the account, which offers only metrics", shapes=(False,)),
    StackCase("other-workspace", lambda s: _props(s, "env-diag", "workspaceId", arm_id(t.LOG_ANALYTICS_WORKSPACE, "team")), _DIAG, "env",
              "workspaceId is '/subscriptions/sub/resourceGroups/rg/providers/Microsoft.OperationalInsights/workspaces/team', not the central workspace",
              config={_DIAG: {"centralWorkspaceId": arm_id(t.LOG_ANALYTICS_WORKSPACE, "LAW")}}, shapes=(False,)),
    StackCase("vault-without-endpoint", lambda s: without(s, "kv-pe", "kv-pe-dns"), _PE, "kv",
              "[RES-4] Key Vault 'kv' has no private endpoint: add a network:PrivateEndpoint with privateLinkServiceConnections = [{privateLinkServiceId: <its id>, groupIds: [one of 'vault']}]"),
    StackCase("wrong-group-id", _wrong_group, _PE, "kv", "has private endpoints with group ids it does not offer ('kv-pe' requests ['blob'])"),
    StackCase("public-apim-without-endpoint", lambda s: _props(s, "apim", "virtualNetworkType", "None"), _PE, "apim", "API Management service 'apim' has no private endpoint"),
    StackCase("external-environment-without-endpoint", lambda s: _props(s, "env", "vnetConfiguration.internal", False), _PE, "env", "groupIds: [one of 'managedEnvironments']"),
    StackCase("endpoint-without-zone-group", lambda s: without(s, "search-pe-dns"), _DNS, "search-pe",
              "[RES-4] Private endpoint 'search-pe' has no private DNS zone group: add a network:PrivateDnsZoneGroup (privateEndpointName = the endpoint's name) whose privateDnsZoneConfigs point at privatelink.search.windows.net"),
    StackCase("zone-group-wrong-zone", _wrong_zone, _DNS, "kv-pe-dns", "points at privatelink.blob.core.windows.net, but the endpoint's group needs privatelink.vaultcore.azure.net"),
    StackCase("zone-group-without-zones", lambda s: _props(s, "acr-pe-dns", "privateDnsZoneConfigs", []), _DNS, "acr-pe-dns", "has no privateDnsZoneConfigs"),
    StackCase("principal-type-missing", lambda s: _props(s, "agent-openai-user", "principalType", None), _PRINCIPAL, "agent-openai-user",
              "[ACC-6] Role assignment 'agent-openai-user' grants a role to the managed identity of user-assigned identity 'agent' but principalType is not set (the SDK sends User): set principalType = 'ServicePrincipal'"),
    StackCase("system-identity-as-user", _role_to_ai_identity_as_user, _PRINCIPAL, "agent-openai-user", "the managed identity of Cognitive Services account 'ai' but principalType is 'User'", shapes=(True,)),
    StackCase("group-as-service-principal", _role_to_group, _PRINCIPAL, "agent-openai-user", "set principalType = 'Group'", shapes=(False,)),
    StackCase("default-rai-policy", lambda s: _props(s, "chat", "properties.raiPolicyName", None), _RAI, "chat",
              "[MOD-2a] Model deployment 'chat' sets no properties.raiPolicyName, so it uses the built-in default content filter policy"),
    StackCase("builtin-rai-policy", lambda s: _props(s, "chat", "properties.raiPolicyName", "Microsoft.DefaultV2"), _RAI, "chat",
              "uses the built-in content filter policy 'Microsoft.DefaultV2', which filters harmful content at Medium and (DefaultV2) blocks jailbreak attempts but does not block Indirect Attack"),
    StackCase("weak-rai-policy", _weak_rai, _RAI, "chat", "does not meet MOD-2a (RAI (content filter) policy 'strict' does not filter Indirect Attack on prompts"),
    StackCase("undefined-rai-policy", lambda s: _props(s, "chat", "properties.raiPolicyName", "elsewhere"), _RAI, "chat", "'elsewhere', which is not defined in this stack", shapes=(False,)),
)


def _cases() -> list[Any]:
    return [
        pytest.param(case, preview, id=f"{case.id}-{'preview' if preview else 'deployed'}", marks=controls_mark(case.policy))
        for case in STACK_VIOLATIONS
        for preview in case.shapes
    ]


@pytest.mark.parametrize(("case", "preview"), _cases())
def test_stack_violation_is_caught(analyzer: PackAnalyzer, make_analyzer: Callable[[Mapping[str, Any]], PackAnalyzer], case: StackCase, preview: bool) -> None:
    stack = case.change(baseline_stack(preview))
    pack = make_analyzer(case.config) if case.config else analyzer
    diagnostics = pack.analyze_stack(stack)
    caught = diagnostics_of(diagnostics, case.policy, "mandatory")
    target_urn = item(stack, case.target).resolved_urn
    assert [entry.urn for entry in caught] == [target_urn], diagnostics
    assert case.fragment in caught[0].message, caught[0].message
    assert {entry.policy for entry in diagnostics} == {case.policy}, diagnostics


# --- Compliant variations of the links --------------------------------------------------------------


@controls_mark(_DIAG)
def test_storage_logs_by_literal_service_uri(analyzer: PackAnalyzer) -> None:
    """Deployed shape with resourceUri present (mock-recorded inputs) on the blob service path."""
    stack = baseline_stack(preview=False)
    uri = arm_id(t.STORAGE_ACCOUNT, "data") + "/blobServices/default"
    stack = _props(stack, "data-blob-diag", "resourceUri", uri)
    stack = _props(stack, "data-blob-diag", "id", None)
    assert analyzer.analyze_stack(stack) == []


@controls_mark(_DIAG)
def test_setting_on_a_child_resource_does_not_count_for_its_parent(analyzer: PackAnalyzer) -> None:
    uri = arm_id(t.COGNITIVE_ACCOUNT, "ai") + "/projects/chat"
    stack = _props(baseline_stack(preview=False), "ai-diag", "id", f"{uri}/providers/Microsoft.Insights/diagnosticSettings/ai-diag")
    caught = diagnostics_of(analyzer.analyze_stack(stack), _DIAG, "mandatory")
    assert [entry.urn for entry in caught] == [urn_for(t.COGNITIVE_ACCOUNT, "ai")]


@controls_mark(_DNS)
def test_zone_group_linked_by_parent(analyzer: PackAnalyzer) -> None:
    stack = baseline_stack(preview=True)
    stack = replace_item(stack, "kv-pe-dns", property_dependencies={}, dependencies=[], parent=urn_for(t.PRIVATE_ENDPOINT, "kv-pe"))
    assert analyzer.analyze_stack(stack) == []


@controls_mark(_DNS)
def test_zone_group_linked_by_endpoint_name(analyzer: PackAnalyzer) -> None:
    """Inputs as mocks record them: literal names, no property dependencies."""
    stack = baseline_stack(preview=True)
    stack = _props(stack, "kv-pe", "privateEndpointName", "kv-pe-name")
    stack = replace_item(stack, "kv-pe-dns", property_dependencies={}, dependencies=[])
    stack = _props(stack, "kv-pe-dns", "privateEndpointName", "kv-pe-name")
    assert analyzer.analyze_stack(stack) == []


@controls_mark(_PE, _DNS)
def test_private_environment_with_endpoint_and_region_zone(analyzer: PackAnalyzer) -> None:
    stack = baseline_stack(preview=False)
    stack = _props(stack, "env", "vnetConfiguration.internal", False)
    stack = _props(stack, "env", "publicNetworkAccess", "Disabled")
    env_id = arm_id(t.MANAGED_ENVIRONMENT, "env")
    stack.append(StackItem(type=t.PRIVATE_ENDPOINT, name="env-pe", props={
        "id": arm_id(t.PRIVATE_ENDPOINT, "env-pe"),
        "privateLinkServiceConnections": [{"privateLinkServiceId": env_id, "groupIds": ["managedEnvironments"]}],
    }))
    stack.append(StackItem(type=t.PRIVATE_DNS_ZONE_GROUP, name="env-pe-dns", props={
        "id": arm_id(t.PRIVATE_ENDPOINT, "env-pe") + "/privateDnsZoneGroups/default",
        "privateDnsZoneConfigs": [{"privateDnsZoneId": zone_id(ZONES["managedEnvironments"])}],
    }))
    assert analyzer.analyze_stack(stack) == []


@controls_mark(_RAI)
def test_rai_policy_found_by_name(analyzer: PackAnalyzer) -> None:
    """Mock-recorded inputs: the policy's raiPolicyName input, no dependencies."""
    stack = baseline_stack(preview=True)
    stack = replace_item(stack, "strict", props=dict(BASELINES[t.RAI_POLICY]))
    stack = replace_item(stack, "chat", dependencies=[])
    assert analyzer.analyze_stack(stack) == []


@controls_mark(_RAI)
def test_rai_policy_of_another_account_does_not_count(analyzer: PackAnalyzer) -> None:
    stack = baseline_stack(preview=True)
    stack = replace_item(stack, "strict", props=changed(BASELINES[t.RAI_POLICY], "accountName", "other-ai"))
    stack = replace_item(stack, "chat", dependencies=[])
    caught = diagnostics_of(analyzer.analyze_stack(stack), _RAI, "mandatory")
    assert len(caught) == 1 and "not defined in this stack" in caught[0].message


@controls_mark(_RAI)
def test_trusted_rai_policy_from_another_stack(make_analyzer: Callable[[Mapping[str, Any]], PackAnalyzer]) -> None:
    stack = _props(baseline_stack(preview=False), "chat", "properties.raiPolicyName", "platform-strict")
    pack = make_analyzer({_RAI: {"trustedRaiPolicyNames": ["platform-strict"]}})
    assert pack.analyze_stack(stack) == []


@controls_mark(_RAI)
def test_unknown_rai_policy_name_is_an_advisory_note(analyzer: PackAnalyzer) -> None:
    stack = replace_item(baseline_stack(preview=True), "chat", dependencies=[])
    stack = _props(stack, "chat", "properties.raiPolicyName", UNKNOWN_VALUE)
    diagnostics = analyzer.analyze_stack(stack)
    assert [(entry.policy, entry.level) for entry in diagnostics] == [(_RAI, "advisory")]
    assert "unknown until apply" in diagnostics[0].message


@controls_mark(_DNS)
def test_platform_managed_dns_zone_groups(make_analyzer: Callable[[Mapping[str, Any]], PackAnalyzer]) -> None:
    stack = [entry for entry in baseline_stack(preview=True) if entry.type != t.PRIVATE_DNS_ZONE_GROUP]
    pack = make_analyzer({_DNS: {"dnsZoneGroupsManagedByPlatform": True}})
    assert pack.analyze_stack(stack) == []


@controls_mark(_PRINCIPAL)
def test_role_assignment_to_outside_principal_is_not_judged(analyzer: PackAnalyzer) -> None:
    """A principal the stack does not create (a literal object id) has no known kind."""
    stack = replace_item(baseline_stack(preview=True), "agent-openai-user", property_dependencies={}, dependencies=[])
    stack = _props(stack, "agent-openai-user", "principalId", "33333333-3333-3333-3333-333333333333")
    stack = _props(stack, "agent-openai-user", "principalType", "User")
    assert analyzer.analyze_stack(stack) == []


@controls_mark(_PRINCIPAL)
def test_role_assignment_matched_by_principal_id_value(analyzer: PackAnalyzer) -> None:
    stack = _props(baseline_stack(preview=False), "agent-openai-user", "principalType", "Group")
    caught = diagnostics_of(analyzer.analyze_stack(stack), _PRINCIPAL, "mandatory")
    assert len(caught) == 1 and PRINCIPAL_ID not in caught[0].message and "'ServicePrincipal'" in caught[0].message


@controls_mark(_DIAG)
def test_v2_diagnostic_setting_token_counts(analyzer: PackAnalyzer) -> None:
    stack = baseline_stack(preview=True)
    stack = replace_item(stack, "kv-diag", type=t.DIAGNOSTIC_SETTING_V2, urn=urn_for(t.DIAGNOSTIC_SETTING_V2, "kv-diag"))
    assert analyzer.analyze_stack(stack) == []


