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
    AGENT_TAGS,
    API_POLICY_XML,
    BASELINES,
    CS_CONTRIBUTOR,
    PRINCIPAL_ID,
    RESOURCE_GROUP_ID,
    ZONES,
    arm_id,
    baseline_stack,
    changed,
    content_filters,
    controls_mark,
    diagnostics_of,
    item,
    replace_item,
    role_definition,
    without,
    zone_id,
)

from pulumi_aizone_policy import tokens as t
from pulumi_aizone_policy.harness import UNKNOWN_VALUE, PackAnalyzer, StackItem, urn_for

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
    """The AI account's own (inventoried) identity granted a role, declared as a user."""
    stack = replace_item(stack, "agent-openai-user", property_dependencies={"principalId": [urn_for(t.COGNITIVE_ACCOUNT, "ai")]})
    stack = _props(stack, "ai", "tags", {"aizone-inventory": "application"})
    return _props(stack, "agent-openai-user", "principalType", "User")


def _role_to_group(stack: Stack) -> Stack:
    group = StackItem(
        type=t.AZUREAD_GROUP, name="ai-users", props={"displayName": "AI users", "objectId": "22222222-2222-2222-2222-222222222222"}
    )
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
    level: str = "mandatory"


_DIAG = "azurenative-monitor-diagnosticsetting-central-logging"
_PE = "azurenative-network-privateendpoint-required"
_DNS = "azurenative-network-privatednszonegroup-required"
_RAI = "azurenative-cognitiveservices-deployment-custom-rai-policy"
_PRINCIPAL = "azurenative-authorization-roleassignment-principal-type-matches"
_PLANS = "azurenative-security-pricing-required-plans"
_GATEWAY_AUTH = "azurenative-apimanagement-api-entra-managed-identity-auth"
_GATEWAY_ROLE = "azurenative-apimanagement-service-gateway-least-privilege"
_WORKLOAD = "azurenative-authorization-roleassignment-workload-least-privilege"
_INVENTORY = "azurenative-authorization-roleassignment-inventoried-ai-caller"
_OWNER_TAG = "azurenative-managedidentity-userassignedidentity-agent-owner"
_ISOLATION = "azurenative-storage-storageaccount-dataset-isolation"
_BOUNDARY = "azurenative-authorization-roleassignment-same-data-boundary"
_DELETION = "azurenative-resources-dataresource-deletion-protection"
_REGISTRY = "azurenative-app-containerappssessionpool-approved-registry"
_EXECUTOR = "azurenative-authorization-roleassignment-session-executor-scope"
_OUTPUT = "azurenative-cognitiveservices-account-output-monitoring"
_GUARDRAILS = "azurenative-authorization-stack-guardrails-intact"
_EXEC_ALERTS = "azurenative-app-containerappssessionpool-execution-alerts"


CUSTOM_ROLE_GUID = "c0ffee00-0000-4000-8000-000000000001"


def _custom_role(actions: list[str], scope: str) -> Callable[[Stack], Stack]:
    """The stack plus a custom role definition with `actions` and a group's assignment of it."""

    def change(stack: Stack) -> Stack:
        definition = StackItem(
            type="azure-native:authorization:RoleDefinition",
            name="ops-role",
            props={
                "roleName": "ops",
                "roleDefinitionId": CUSTOM_ROLE_GUID,
                "permissions": [{"actions": actions}],
                "assignableScopes": [scope],
            },
        )
        assignment = StackItem(
            type=t.ROLE_ASSIGNMENT,
            name="ops-assignment",
            props={
                "principalId": "45454545-4545-4545-4545-454545454545",
                "principalType": "Group",
                "roleDefinitionId": f"/subscriptions/sub/providers/Microsoft.Authorization/roleDefinitions/{CUSTOM_ROLE_GUID}",
                "scope": scope,
            },
            property_dependencies={"roleDefinitionId": [definition.resolved_urn]},
            dependencies=[definition.resolved_urn],
        )
        return [*stack, definition, assignment]

    return change


def _api_policy(stack: Stack, old: str, new: str) -> Stack:
    """The API policy with one piece of its XML replaced."""
    return _props(stack, "inference-policy", "value", API_POLICY_XML.replace(old, new))


def _with_resource_group(stack: Stack) -> Stack:
    return [*stack, StackItem(type=t.RESOURCE_GROUP, name="rg", props={"resourceGroupName": "rg", "id": RESOURCE_GROUP_ID})]


def _scope_wired_from_resource_group(stack: Stack, assignment: str) -> Stack:
    """Preview shape: the assignment's (unknown) scope is the resource group's id."""
    deps = {**item(stack, assignment).property_dependencies, "scope": [urn_for(t.RESOURCE_GROUP, "rg")]}
    return replace_item(_with_resource_group(stack), assignment, property_dependencies=deps)


def _agent_tag(stack: Stack, key: str, value: object) -> Stack:
    return _props(stack, "agent", f"tags.{key}", value)


def _second_application(stack: Stack) -> Stack:
    """Another application's agent, same boundary, reads the 'data' storage account."""
    tags = {**AGENT_TAGS, "aizone-application": "billing"}
    principal = UNKNOWN_VALUE if item(stack, "agent").props["principalId"] == UNKNOWN_VALUE else "55555555-5555-5555-5555-555555555555"
    other = StackItem(type=t.USER_ASSIGNED_IDENTITY, name="billing-agent", props={"tags": tags, "principalId": principal})
    grant = item(stack, "agent-data-reader")
    links = {prop: [other.resolved_urn] if prop == "principalId" else list(urns) for prop, urns in grant.property_dependencies.items()}
    reader = StackItem(
        type=t.ROLE_ASSIGNMENT,
        name="billing-data-reader",
        props={**grant.props, "principalId": principal},
        property_dependencies=links,
        dependencies=[urn for urns in links.values() for urn in urns],
    )
    return [*stack, other, reader]


STACK_VIOLATIONS: tuple[StackCase, ...] = (
    StackCase(
        "vault-without-diagnostics",
        lambda s: without(s, "kv-diag"),
        _DIAG,
        "kv",
        "[RES-2] Key Vault 'kv' has no diagnostic setting: add a monitor:DiagnosticSetting with resourceUri = its id",
    ),
    StackCase(
        "storage-without-diagnostics",
        lambda s: without(s, "data-blob-diag"),
        _DIAG,
        "data",
        "resourceUri = '<account id>/blobServices/default' (the account itself offers only metrics)",
    ),
    StackCase("no-workspace", lambda s: _props(s, "ai-diag", "workspaceId", None), _DIAG, "ai", "'ai-diag': workspaceId is not set"),
    StackCase("no-logs", lambda s: _props(s, "search-diag", "logs", []), _DIAG, "search", "no log category or category group"),
    StackCase("logs-disabled", lambda s: _props(s, "acr-diag", "logs.0.enabled", False), _DIAG, "acr", "no log category"),
    StackCase(
        "unknown-category-group", lambda s: _props(s, "mlw-diag", "logs.0.categoryGroup", "everything"), _DIAG, "mlw", "no log category"
    ),
    StackCase(
        "storage-logs-on-account",
        _storage_logs_on_account,
        _DIAG,
        "data",
        "it is on the account, which offers only metrics",
        shapes=(False,),
    ),
    StackCase(
        "other-workspace",
        lambda s: _props(s, "env-diag", "workspaceId", arm_id(t.LOG_ANALYTICS_WORKSPACE, "team")),
        _DIAG,
        "env",
        "workspaceId is '/subscriptions/sub/resourceGroups/rg/providers/Microsoft.OperationalInsights/workspaces/team', not the central workspace",
        config={_DIAG: {"centralWorkspaceId": arm_id(t.LOG_ANALYTICS_WORKSPACE, "LAW")}},
        shapes=(False,),
    ),
    StackCase(
        "vault-without-endpoint",
        lambda s: without(s, "kv-pe", "kv-pe-dns"),
        _PE,
        "kv",
        "[RES-4] Key Vault 'kv' has no private endpoint: add a network:PrivateEndpoint with privateLinkServiceConnections = [{privateLinkServiceId: <its id>, groupIds: [one of 'vault']}]",
    ),
    StackCase(
        "wrong-group-id", _wrong_group, _PE, "kv", "has private endpoints with group ids it does not offer ('kv-pe' requests ['blob'])"
    ),
    StackCase(
        "public-apim-without-endpoint",
        lambda s: _props(s, "apim", "virtualNetworkType", "None"),
        _PE,
        "apim",
        "API Management service 'apim' has no private endpoint",
        config={"azurenative-apimanagement-service-restrict-public-network-access": {"allowPublicGateway": True}},
    ),
    StackCase(
        "external-environment-without-endpoint",
        lambda s: _props(s, "env", "vnetConfiguration.internal", False),
        _PE,
        "env",
        "groupIds: [one of 'managedEnvironments']",
    ),
    StackCase(
        "endpoint-without-zone-group",
        lambda s: without(s, "search-pe-dns"),
        _DNS,
        "search-pe",
        "[RES-4] Private endpoint 'search-pe' has no private DNS zone group: add a network:PrivateDnsZoneGroup (privateEndpointName = the endpoint's name) whose privateDnsZoneConfigs point at privatelink.search.windows.net",
    ),
    StackCase(
        "zone-group-wrong-zone",
        _wrong_zone,
        _DNS,
        "kv-pe-dns",
        "points at privatelink.blob.core.windows.net, but the endpoint's group needs privatelink.vaultcore.azure.net",
    ),
    StackCase(
        "zone-group-without-zones",
        lambda s: _props(s, "acr-pe-dns", "privateDnsZoneConfigs", []),
        _DNS,
        "acr-pe-dns",
        "has no privateDnsZoneConfigs",
    ),
    StackCase(
        "principal-type-missing",
        lambda s: _props(s, "agent-openai-user", "principalType", None),
        _PRINCIPAL,
        "agent-openai-user",
        "[ACC-6] Role assignment 'agent-openai-user' grants a role to the managed identity of user-assigned identity 'agent' but principalType is not set (the SDK sends User): set principalType = 'ServicePrincipal'",
    ),
    StackCase(
        "system-identity-as-user",
        _role_to_ai_identity_as_user,
        _PRINCIPAL,
        "agent-openai-user",
        "the managed identity of Cognitive Services account 'ai' but principalType is 'User'",
        shapes=(True,),
    ),
    StackCase(
        "group-as-service-principal", _role_to_group, _PRINCIPAL, "agent-openai-user", "set principalType = 'Group'", shapes=(False,)
    ),
    StackCase(
        "default-rai-policy",
        lambda s: _props(s, "chat", "properties.raiPolicyName", None),
        _RAI,
        "chat",
        "[MOD-2a] Model deployment 'chat' sets no properties.raiPolicyName, so it uses the built-in default content filter policy",
    ),
    StackCase(
        "builtin-rai-policy",
        lambda s: _props(s, "chat", "properties.raiPolicyName", "Microsoft.DefaultV2"),
        _RAI,
        "chat",
        "uses the built-in content filter policy 'Microsoft.DefaultV2', which filters harmful content at Medium and (DefaultV2) blocks jailbreak attempts but does not block Indirect Attack",
    ),
    StackCase(
        "weak-rai-policy",
        _weak_rai,
        _RAI,
        "chat",
        "does not meet MOD-2a (RAI (content filter) policy 'strict' does not filter Indirect Attack on prompts",
    ),
    StackCase(
        "undefined-rai-policy",
        lambda s: _props(s, "chat", "properties.raiPolicyName", "elsewhere"),
        _RAI,
        "chat",
        "'elsewhere', which is not defined in this stack",
        shapes=(False,),
    ),
    # MOD-1
    StackCase(
        "no-ai-plan",
        lambda s: without(s, "defender-ai"),
        _PLANS,
        "ai",
        "[MOD-1] Cognitive Services account 'ai' is in a stack without the Defender for Cloud plan 'AI' (threat protection for AI with prompt evidence): add a security:Pricing with pricingName = 'AI'",
    ),
    StackCase(
        "no-storage-plan",
        lambda s: without(s, "defender-storageaccounts"),
        _PLANS,
        "data",
        "without the Defender for Cloud plan 'StorageAccounts' (malware scanning",
    ),
    StackCase(
        "no-api-plan",
        lambda s: without(s, "defender-api"),
        _PLANS,
        "apim",
        "or set defenderManagedElsewhere = true in this policy's config",
    ),
    # ACC-7
    StackCase(
        "apim-unset-access",
        lambda s: _props(s, "apim", "publicNetworkAccess", None),
        "azurenative-apimanagement-service-restrict-public-network-access",
        "apim",
        "[ACC-7] API Management service 'apim' leaves publicNetworkAccess unset (the service default is 'Enabled')",
    ),
    StackCase(
        "apim-near-miss-enabled",
        lambda s: _props(s, "apim", "publicNetworkAccess", "enabled"),
        "azurenative-apimanagement-service-restrict-public-network-access",
        "apim",
        "[ACC-7] API Management service 'apim' exposes a public gateway (publicNetworkAccess is \"enabled\" (a string that is not exactly 'Enabled'), virtualNetworkType is 'Internal')",
    ),
    # ACC-3
    StackCase(
        "privileged-custom-role",
        _custom_role(["Microsoft.Authorization/*/Write", "Microsoft.Resources/*/read"], "/subscriptions/sub/resourceGroups/rg"),
        "azurenative-authorization-roleassignment-no-permanent-privileged-custom-role",
        "ops-assignment",
        "[ACC-3] Role assignment 'ops-assignment' permanently grants the privileged role RoleDefinition 'ops-role' (a custom role with the actions 'Microsoft.Authorization/*/Write') at resource group scope ('/subscriptions/sub/resourcegroups/rg') to a principal of type Group",
    ),
    # MOD-4
    StackCase(
        "api-without-token-validation",
        lambda s: _api_policy(s, "validate-azure-ad-token", "validate-client-certificate"),
        _GATEWAY_AUTH,
        "inference",
        "[MOD-4] API 'inference' does not validate the callers' Entra ID tokens (no validate-azure-ad-token for the tenant, or validate-jwt against Entra ID's openid-config with audiences, on the unconditional inbound path: not inside <choose>, not after <return-response>, not in <outbound> or <on-error>; of its API policy or of the service-level policy it inherits with <base />)",
    ),
    StackCase(
        "api-without-managed-identity",
        lambda s: _api_policy(s, "authentication-managed-identity", 'set-header name="x-trace"'),
        _GATEWAY_AUTH,
        "inference",
        "does not authenticate to its backend with the gateway's managed identity",
    ),
    StackCase(
        "gateway-contributor-on-ai",
        lambda s: _props(s, "apim-openai-user", "roleDefinitionId", role_definition(CS_CONTRIBUTOR)),
        _GATEWAY_ROLE,
        "apim-openai-user",
        "[MOD-4] Role assignment 'apim-openai-user' grants 'Cognitive Services Contributor' on Cognitive Services account 'ai' to the managed identity of API Management service 'apim': the gateway may hold only Cognitive Services OpenAI User or Cognitive Services User",
    ),
    # ACC-5
    StackCase(
        "workload-scope-from-resource-group",
        lambda s: _scope_wired_from_resource_group(s, "agent-data-reader"),
        _WORKLOAD,
        "agent-data-reader",
        "[ACC-5] Role assignment 'agent-data-reader' grants the managed identity of user-assigned identity 'agent' a role on resource group 'rg' (resource group scope)",
        shapes=(True,),
    ),
    # ACC-2 (advisory)
    StackCase(
        "uninventoried-ai-caller",
        lambda s: _agent_tag(s, "aizone-inventory", None),
        _INVENTORY,
        "agent-openai-user",
        "[ACC-2] Role assignment 'agent-openai-user' grants 'Cognitive Services OpenAI User' to the managed identity of user-assigned identity 'agent', which is not in the agent inventory (no 'aizone-inventory' tag)",
        level="advisory",
    ),
    StackCase(
        "agent-without-owner",
        lambda s: _agent_tag(s, "aizone-agent-owner", None),
        _OWNER_TAG,
        "agent",
        "[ACC-2] User-assigned identity 'agent' is an inventoried agent identity without an owner: set tags['aizone-agent-owner']",
        level="advisory",
    ),
    # DATA-2, DATA-3
    StackCase(
        "storage-shared-by-two-applications",
        _second_application,
        _ISOLATION,
        "data",
        "[DATA-2] Storage account 'data' (boundary 'internal') is shared between applications: 'chat' (user-assigned identity 'agent', boundary 'internal'), 'billing' (user-assigned identity 'billing-agent', boundary 'internal')",
    ),
    StackCase(
        "public-agent-reads-internal-data",
        lambda s: _agent_tag(s, "data-boundary", "public"),
        _BOUNDARY,
        "agent-data-reader",
        "[DATA-3] Role assignment 'agent-data-reader' grants 'Storage Blob Data Reader' across data boundaries: user-assigned identity 'agent' belongs to data boundary 'public' but storage account 'data' holds 'internal' data",
    ),
    StackCase(
        "untagged-identity-reads-data",
        lambda s: _agent_tag(s, "data-boundary", None),
        _BOUNDARY,
        "agent-data-reader",
        "user-assigned identity 'agent' declares no data boundary",
    ),
    StackCase(
        "purview-writes-data",
        lambda s: _props(s, "purview-data-reader", "roleDefinitionId", role_definition("ba92f5b4-2d11-453d-a403-e96b0029c9fe")),
        _BOUNDARY,
        "purview-data-reader",
        "Purview account 'purview' declares no data boundary, so it may not hold data roles (only a Purview account's identity may read every boundary)",
    ),
    # DATA-5
    StackCase(
        "vault-not-protected",
        lambda s: replace_item(s, "kv", protect=False),
        _DELETION,
        "kv",
        "[DATA-5] Key Vault 'kv' is not created with Pulumi's protect option: pass opts=pulumi.ResourceOptions(protect=True)",
    ),
    StackCase(
        "purview-without-lock",
        lambda s: without(s, "purview-lock"),
        _DELETION,
        "purview",
        "[DATA-5] Purview account 'purview' is not guarded against deletion: assign a denyAction(delete) authorization:PolicyDefinition",
    ),
    StackCase(
        "read-only-lock-level-none",
        lambda s: _props(s, "cosmos-lock", "level", "NotSpecified"),
        _DELETION,
        "cosmos",
        "is not guarded against deletion",
    ),
    StackCase(
        "storage-without-blob-service",
        lambda s: without(s, "data-blob"),
        _DELETION,
        "data",
        "has no blob service settings: add a storage:BlobServiceProperties",
        shapes=(False,),
    ),
    # EXEC-2
    StackCase(
        "image-from-docker-hub",
        lambda s: _props(s, "pool", "customContainerTemplate.containers.0.image", "python@sha256:" + "a" * 64),
        _REGISTRY,
        "pool",
        "[EXEC-2] Container Apps session pool 'pool' runs image 'python@sha256:aaaa"
        + "a" * 60
        + "' (customContainerTemplate.containers[0].image) from registry 'docker.io', which is neither a container registry of this stack nor in allowedRegistries",
    ),
    StackCase(
        "image-from-other-acr",
        lambda s: _props(s, "pool", "customContainerTemplate.containers.0.image", "other.azurecr.io/tools/python@sha256:" + "a" * 64),
        _REGISTRY,
        "pool",
        "from registry 'other.azurecr.io'",
    ),
    StackCase(
        "executor-at-resource-group",
        lambda s: _props(s, "agent-executor", "scope", RESOURCE_GROUP_ID),
        _EXECUTOR,
        "agent-executor",
        "[EXEC-2] Role assignment 'agent-executor' grants 'Azure ContainerApps Session Executor' at scope '/subscriptions/sub/resourceGroups/rg', not on a single session pool",
        shapes=(False,),
    ),
    StackCase(
        "executor-wired-from-environment",
        lambda s: replace_item(s, "agent-executor", property_dependencies={"scope": [urn_for(t.MANAGED_ENVIRONMENT, "env")]}),
        _EXECUTOR,
        "agent-executor",
        "at scope the id of Container Apps environment 'env', not on a single session pool",
        shapes=(True,),
    ),
    # MOD-2b, EXEC-4 (advisory)
    StackCase(
        "ai-without-alert",
        lambda s: without(s, "ai-alert"),
        _OUTPUT,
        "ai",
        "[MOD-2b] Cognitive Services account 'ai' has no alert rule routed to an action group: add a monitor:MetricAlert scoped to it",
        level="advisory",
    ),
    StackCase(
        "alert-without-action-group",
        lambda s: replace_item(
            _props(s, "ai-alert", "actions", []), "ai-alert", property_dependencies={"scopes": [urn_for(t.COGNITIVE_ACCOUNT, "ai")]}
        ),
        _OUTPUT,
        "ai",
        "has no alert rule routed to an action group",
        level="advisory",
    ),
    StackCase(
        "ai-audit-logs-only",
        lambda s: _props(s, "ai-diag", "logs.0.categoryGroup", "audit"),
        _OUTPUT,
        "ai",
        "has no diagnostic setting that captures prompts, responses and usage: enable categoryGroup 'allLogs' (or the categories RequestResponse and AzureOpenAIRequestUsage)",
        level="advisory",
    ),
    StackCase(
        "pool-without-alert",
        lambda s: without(s, "pool-alert"),
        _EXEC_ALERTS,
        "pool",
        "[EXEC-4] Container Apps session pool 'pool' has no alert rule routed to an action group",
        level="advisory",
    ),
    StackCase(
        "disabled-pool-alert",
        lambda s: _props(s, "pool-alert", "enabled", False),
        _EXEC_ALERTS,
        "pool",
        "has no alert rule",
        level="advisory",
    ),
    # RES-6: the landing zone (its component is in the stack) without its runtime guardrails.
    StackCase(
        "landing-zone-without-guardrails",
        lambda s: [*s, StackItem(type="aizone:index:LandingZone", name="zone", props={})],
        _GUARDRAILS,
        "zone",
        "[RES-6] This stack holds the AI landing zone but assigns no runtime guardrails",
    ),
)


def _cases() -> list[Any]:
    return [
        pytest.param(case, preview, id=f"{case.id}-{'preview' if preview else 'deployed'}", marks=controls_mark(case.policy))
        for case in STACK_VIOLATIONS
        for preview in case.shapes
    ]


@pytest.mark.parametrize(("case", "preview"), _cases())
def test_stack_violation_is_caught(
    analyzer: PackAnalyzer, make_analyzer: Callable[[Mapping[str, Any]], PackAnalyzer], case: StackCase, preview: bool
) -> None:
    stack = case.change(baseline_stack(preview))
    pack = make_analyzer(case.config) if case.config else analyzer
    diagnostics = pack.analyze_stack(stack)
    caught = diagnostics_of(diagnostics, case.policy, case.level)
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
@pytest.mark.parametrize("uri", [None, "resourceUri"], ids=["by-setting-id", "by-resource-uri"])
def test_storage_logs_on_blob_service_linked_only_by_id(analyzer: PackAnalyzer, uri: str | None) -> None:
    """A deployed stack as `pulumi preview` of it sends it: every id known, no dependencies. The
    setting's target is the BlobServiceProperties resource, whose account is its id's ancestor."""
    stack = replace_item(baseline_stack(preview=False), "data-blob", dependencies=[], property_dependencies={})
    if uri:
        stack = _props(stack, "data-blob-diag", "resourceUri", arm_id(t.STORAGE_ACCOUNT, "data") + "/blobServices/default")
        stack = _props(stack, "data-blob-diag", "id", None)
    assert all(
        not entry.dependencies and not entry.property_dependencies
        for entry in stack
        if entry.type in (t.BLOB_SERVICE, t.DIAGNOSTIC_SETTING)
    )
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
    stack.append(
        StackItem(
            type=t.PRIVATE_ENDPOINT,
            name="env-pe",
            props={
                "id": arm_id(t.PRIVATE_ENDPOINT, "env-pe"),
                "privateLinkServiceConnections": [{"privateLinkServiceId": env_id, "groupIds": ["managedEnvironments"]}],
            },
        )
    )
    stack.append(
        StackItem(
            type=t.PRIVATE_DNS_ZONE_GROUP,
            name="env-pe-dns",
            props={
                "id": arm_id(t.PRIVATE_ENDPOINT, "env-pe") + "/privateDnsZoneGroups/default",
                "privateDnsZoneConfigs": [{"privateDnsZoneId": zone_id(ZONES["managedEnvironments"])}],
            },
        )
    )
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


def _weak_copies(stack: Stack, *names: str, account: str | None = None) -> Stack:
    """RAI policies named 'strict' like the baseline's, without Indirect Attack, inserted before it."""
    weak = item(_weak_rai(stack), "strict").props
    props = {**weak, "accountName": account} if account else weak
    copies = [StackItem(type=t.RAI_POLICY, name=name, props=props) for name in names]
    position = stack.index(item(stack, "strict"))
    return [*stack[:position], *copies, *stack[position:]]


@controls_mark(_RAI)
def test_rai_policy_name_shared_by_many_policies(analyzer: PackAnalyzer) -> None:
    """Stacks repeating a landing zone hold many policies of one name: a deployment passes when one
    of them (on its account) complies, and otherwise names the first failing one."""
    stack = _weak_copies(baseline_stack(preview=False), "weak-1", "weak-2")
    assert analyzer.analyze_stack(stack) == []
    stack = replace_item(stack, "strict", props=item(stack, "weak-1").props)
    caught = diagnostics_of(analyzer.analyze_stack(stack), _RAI, "mandatory")
    assert len(caught) == 1 and "uses RAI (content filter) policy 'weak-1', which does not meet MOD-2a" in caught[0].message
    stack = _props(_weak_copies(baseline_stack(preview=False), "weak-1"), "strict", "accountName", "other-ai")
    stack = _props(stack, "chat", "accountName", "aizone-ai")
    caught = diagnostics_of(analyzer.analyze_stack(stack), _RAI, "mandatory")
    assert len(caught) == 1 and "'weak-1', which does not meet MOD-2a" in caught[0].message


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


# --- EXEC-2 on PythonLTS pools: their customContainerTemplate is unknown in a preview ----------------

# azure-native's Create(preview=true) answers every output property its inputs do not give as
# unknown (pulumi-azure-native provider/pkg/convert/previewOutputs.go, PreviewOutputs), so a
# PythonLTS pool, which sets no customContainerTemplate, reaches AnalyzeStack with it unknown.


def _python_lts_pool(stack: Stack, template: object) -> Stack:
    pool = changed(changed(item(stack, "pool").props, "containerType", "PythonLTS"), "customContainerTemplate", template)
    return replace_item(stack, "pool", props=pool)


@controls_mark(_REGISTRY)
def test_python_lts_pool_with_unknown_template_runs_no_image_to_judge(analyzer: PackAnalyzer) -> None:
    stack = _python_lts_pool(baseline_stack(True), UNKNOWN_VALUE)
    assert diagnostics_of(analyzer.analyze_stack(stack), _REGISTRY) == []


@controls_mark(_REGISTRY)
def test_python_lts_pool_still_has_the_images_it_lists_judged(analyzer: PackAnalyzer) -> None:
    """Declaring the pool PythonLTS does not hide an image it does list."""
    template = changed(item(baseline_stack(True), "pool").props["customContainerTemplate"], "containers.0.image", "python:3.12")
    caught = diagnostics_of(analyzer.analyze_stack(_python_lts_pool(baseline_stack(True), template)), _REGISTRY, "mandatory")
    assert [entry.urn for entry in caught] == [urn_for(t.SESSION_POOL, "pool")]
    assert "runs image 'python:3.12' (customContainerTemplate.containers[0].image) from registry 'docker.io'" in caught[0].message


@controls_mark(_REGISTRY)
def test_custom_container_pool_with_unknown_containers_is_not_passed(analyzer: PackAnalyzer) -> None:
    stack = _props(baseline_stack(True), "pool", "customContainerTemplate", UNKNOWN_VALUE)
    found = diagnostics_of(analyzer.analyze_stack(stack), _REGISTRY)
    assert [entry.urn for entry in found] == [urn_for(t.SESSION_POOL, "pool")]
    assert "customContainerTemplate.containers" in found[0].message
