"""Stack policies on a compliant classic-provider (pulumi-azure 6.x) AI stack, in both shapes the
engine produces: a preview (ids unknown, links only through property dependencies) and a deployed
stack (ids known). The classic resources count where the azure-native ones do: RAI policies behind
model deployments (MOD-2a), diagnostic settings (RES-2), private endpoints and their DNS zones
(RES-4), management locks over the data-bearing resources (DATA-5) and role assignments in every
RBAC stack control (DATA-2/3, ACC-2, ACC-5, ACC-6, MOD-4; test_policy_classic_rbac_locks.py
breaks those). Each violation changes one thing and must be caught on the right resource with its control
id; every wire name is the installed SDK's (test_policy_sdk.py resolves each policy field)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pytest
from classic_cases import ACCOUNT_ID, CLASSIC_BASELINES, classic_content_filters
from policy_cases import SUBNET, ZONES, changed, controls_mark, diagnostics_of, item, replace_item, without, zone_id

from pulumi_aizone_policy import tokens as t
from pulumi_aizone_policy.harness import UNKNOWN_VALUE, PackAnalyzer, StackItem, urn_for

SHAPES = pytest.mark.parametrize("preview", [True, False], ids=["preview", "deployed"])
Stack = list[StackItem]

_PATHS: Mapping[str, str] = {
    t.AZ_COGNITIVE_ACCOUNT: "Microsoft.CognitiveServices/accounts",
    t.AZ_SEARCH_SERVICE: "Microsoft.Search/searchServices",
    t.AZ_STORAGE_ACCOUNT: "Microsoft.Storage/storageAccounts",
    t.AZ_KEY_VAULT: "Microsoft.KeyVault/vaults",
    t.AZ_CONTAINER_REGISTRY: "Microsoft.ContainerRegistry/registries",
    t.AZ_APIM_SERVICE: "Microsoft.ApiManagement/service",
    t.AZ_LOG_ANALYTICS_WORKSPACE: "Microsoft.OperationalInsights/workspaces",
    t.AZ_PRIVATE_ENDPOINT: "Microsoft.Network/privateEndpoints",
}
# name, type, subresource name (None: private without an endpoint: APIM in Internal VNet mode)
_TARGETS: tuple[tuple[str, str, str | None], ...] = (
    ("ai", t.AZ_COGNITIVE_ACCOUNT, "account"),
    ("search", t.AZ_SEARCH_SERVICE, "searchService"),
    ("data", t.AZ_STORAGE_ACCOUNT, "blob"),
    ("kv", t.AZ_KEY_VAULT, "vault"),
    ("acr", t.AZ_CONTAINER_REGISTRY, "registry"),
    ("apim", t.AZ_APIM_SERVICE, None),
)
_BOUNDARY = {"data-boundary": "internal", "aizone-application": "chat"}
RG_ID = "/subscriptions/sub/resourceGroups/rg"
AGENT_PRINCIPAL = "11111111-1111-1111-1111-111111111111"
APIM_PRINCIPAL = "33333333-3333-3333-3333-333333333333"
OPENAI_USER_ID = "/subscriptions/sub/providers/Microsoft.Authorization/roleDefinitions/5e0bd9bd-7b93-4f28-af87-19fc36ad61bd"
AGENT_TAGS = {"aizone-inventory": "agent", "aizone-agent-owner": "owner@example.com", **_BOUNDARY}
# Data-bearing classic resources of the stack (DATA-5: protect option and a deletion lock).
DATA_BEARING = frozenset({t.AZ_STORAGE_ACCOUNT, t.AZ_KEY_VAULT, t.AZ_SEARCH_SERVICE})


def _arm_id(type_token: str, name: str) -> str:
    return f"/subscriptions/sub/resourceGroups/rg/providers/{_PATHS[type_token]}/{name}"


def arm_id(type_token: str, name: str) -> str:
    """The id the deployed classic stack gives a resource of `type_token` named `name`."""
    return _arm_id(type_token, name)


class _Builder:
    """The compliant classic stack in preview or deployed shape."""

    def __init__(self, preview: bool) -> None:
        self.preview = preview
        self.items: list[StackItem] = []

    def add(self, type_token: str, name: str, props: Mapping[str, Any], **links: Any) -> str:
        item_props = dict(props)
        if type_token in _PATHS:
            item_props["id"] = UNKNOWN_VALUE if self.preview else _arm_id(type_token, name)
        if type_token in DATA_BEARING:
            links.setdefault("protect", True)
        self.items.append(StackItem(type=type_token, name=name, props=item_props, **links))
        return urn_for(type_token, name)

    def ref(self, links: dict[str, list[str]], prop: str, urn: str, value: str) -> str:
        """`value` in deployed shape; in preview an unknown value depending on `urn` via `prop`."""
        if not self.preview:
            return value
        links.setdefault(prop, []).append(urn)
        return UNKNOWN_VALUE

    def item(self, type_token: str, name: str, props: Mapping[str, Any], links: dict[str, list[str]]) -> str:
        dependencies = [urn for urns in links.values() for urn in urns]
        return self.add(type_token, name, props, property_dependencies=links, dependencies=dependencies)

    def build(self) -> Stack:
        group_props = {"name": "rg", "location": "westeurope", "id": UNKNOWN_VALUE if self.preview else RG_ID}
        resource_group = self.add(t.AZ_RESOURCE_GROUP, "rg", group_props)
        workspace = self.add(t.AZ_LOG_ANALYTICS_WORKSPACE, "law", CLASSIC_BASELINES[t.AZ_LOG_ANALYTICS_WORKSPACE])
        for name, type_token, group in _TARGETS:
            props = dict(CLASSIC_BASELINES[type_token])
            if type_token in (t.AZ_STORAGE_ACCOUNT, t.AZ_SEARCH_SERVICE):
                props["tags"] = _BOUNDARY
            links = {}
            if type_token == t.AZ_APIM_SERVICE:
                props["tags"] = {"aizone-inventory": "gateway"}
                props["identity"] = {**props["identity"], "principalId": UNKNOWN_VALUE if self.preview else APIM_PRINCIPAL}
            props["resourceGroupName"] = self.ref(links, "resourceGroupName", resource_group, "rg")
            dependencies = [urn for urns in links.values() for urn in urns]
            target = self.add(type_token, name, props, property_dependencies=links, dependencies=dependencies)
            uri = _arm_id(type_token, name) + ("/blobServices/default" if type_token == t.AZ_STORAGE_ACCOUNT else "")
            links: dict[str, list[str]] = {}
            setting = {
                "targetResourceId": self.ref(links, "targetResourceId", target, uri),
                "logAnalyticsWorkspaceId": self.ref(
                    links, "logAnalyticsWorkspaceId", workspace, _arm_id(t.AZ_LOG_ANALYTICS_WORKSPACE, "law")
                ),
                "enabledLogs": [{"categoryGroup": "allLogs"}],
                "enabledMetrics": [{"category": "AllMetrics"}],
            }
            self.item(t.AZ_DIAGNOSTIC_SETTING, f"{name}-diag", setting, links)
            if group is None:
                continue
            links = {}
            endpoint = {
                "subnetId": SUBNET,
                "privateServiceConnection": {
                    "name": name,
                    "isManualConnection": False,
                    "privateConnectionResourceId": self.ref(links, "privateServiceConnection", target, _arm_id(type_token, name)),
                    "subresourceNames": [group],
                },
                "privateDnsZoneGroup": {"name": "default", "privateDnsZoneIds": [zone_id(ZONES[group])]},
            }
            self.item(t.AZ_PRIVATE_ENDPOINT, f"{name}-pe", endpoint, links)
        links = {}
        shields = {
            **CLASSIC_BASELINES[t.AZ_RAI_POLICY],
            "cognitiveAccountId": self.ref(links, "cognitiveAccountId", urn_for(t.AZ_COGNITIVE_ACCOUNT, "ai"), ACCOUNT_ID),
        }
        policy = self.item(t.AZ_RAI_POLICY, "shields", shields, links)
        links = {}
        deployment = {
            **CLASSIC_BASELINES[t.AZ_COGNITIVE_DEPLOYMENT],
            "cognitiveAccountId": self.ref(links, "cognitiveAccountId", urn_for(t.AZ_COGNITIVE_ACCOUNT, "ai"), ACCOUNT_ID),
            "raiPolicyName": self.ref(links, "raiPolicyName", policy, "aizone-shields"),
        }
        self.item(t.AZ_COGNITIVE_DEPLOYMENT, "chat", deployment, links)
        self._locks()
        self._assignments()
        return self.items

    def _locks(self) -> None:
        """DATA-5: each data-bearing resource locked at its own scope (the vault with the
        deprecated alias of the lock); test_policy_classic_rbac_locks.py replaces them with one
        lock on the resource group."""
        for name, token, scope_urn, scope in (
            ("data-lock", t.AZ_LOCK, urn_for(t.AZ_STORAGE_ACCOUNT, "data"), _arm_id(t.AZ_STORAGE_ACCOUNT, "data")),
            ("kv-lock", t.AZ_LOCK_DEPRECATED, urn_for(t.AZ_KEY_VAULT, "kv"), _arm_id(t.AZ_KEY_VAULT, "kv")),
            ("search-lock", t.AZ_LOCK, urn_for(t.AZ_SEARCH_SERVICE, "search"), _arm_id(t.AZ_SEARCH_SERVICE, "search")),
        ):
            links: dict[str, list[str]] = {}
            lock = {"name": name, "lockLevel": "CanNotDelete", "scope": self.ref(links, "scope", scope_urn, scope)}
            self.item(token, name, lock, links)

    def _assignments(self) -> None:
        """The agent's identity reads the data and calls the model (roles by name); the gateway's
        system identity calls the model (role by id)."""
        agent = self.add(
            t.AZ_USER_ASSIGNED_IDENTITY,
            "agent",
            {
                **CLASSIC_BASELINES[t.AZ_USER_ASSIGNED_IDENTITY],
                "tags": AGENT_TAGS,
                "principalId": UNKNOWN_VALUE if self.preview else AGENT_PRINCIPAL,
            },
        )
        apim = urn_for(t.AZ_APIM_SERVICE, "apim")
        grants = (
            (
                "agent-openai",
                agent,
                AGENT_PRINCIPAL,
                urn_for(t.AZ_COGNITIVE_ACCOUNT, "ai"),
                ACCOUNT_ID,
                {"roleDefinitionName": "Cognitive Services OpenAI User"},
            ),
            (
                "agent-blob",
                agent,
                AGENT_PRINCIPAL,
                urn_for(t.AZ_STORAGE_ACCOUNT, "data"),
                _arm_id(t.AZ_STORAGE_ACCOUNT, "data") + "/blobServices/default/containers/docs",
                {"roleDefinitionName": "Storage Blob Data Reader"},
            ),
            ("apim-openai", apim, APIM_PRINCIPAL, urn_for(t.AZ_COGNITIVE_ACCOUNT, "ai"), ACCOUNT_ID, {"roleDefinitionId": OPENAI_USER_ID}),
        )
        for name, principal_urn, principal_id, scope_urn, scope, role in grants:
            links: dict[str, list[str]] = {}
            assignment = {
                "scope": self.ref(links, "scope", scope_urn, scope),
                "principalId": self.ref(links, "principalId", principal_urn, principal_id),
                "principalType": "ServicePrincipal",
                **role,
            }
            self.item(t.AZ_ROLE_ASSIGNMENT, name, assignment, links)


def classic_stack(preview: bool = True) -> Stack:
    return _Builder(preview).build()


def _props(stack: Stack, name: str, path: str, value: object) -> Stack:
    return replace_item(stack, name, props=changed(item(stack, name).props, path, value))


@SHAPES
@pytest.mark.controls("MOD-2a", "RES-2", "RES-4", "DATA-5", "DATA-2", "DATA-3", "ACC-2", "ACC-5", "ACC-6", "MOD-4")
def test_classic_baseline_stack_passes(analyzer: PackAnalyzer, preview: bool) -> None:
    assert analyzer.analyze_stack(classic_stack(preview)) == []


@SHAPES
def test_classic_baseline_resources_pass_resource_policies(analyzer: PackAnalyzer, preview: bool) -> None:
    """No violation; in preview the deployment's raiPolicyName (another resource's output) is only
    noted as unknown until apply."""
    for resource in classic_stack(preview):
        diagnostics = analyzer.analyze(resource.type, resource.props, resource.name)
        assert diagnostics_of(diagnostics, level="mandatory") == [], resource.name
        assert all("unknown until apply" in entry.message for entry in diagnostics), diagnostics


_RAI = "azure-cognitive-deployment-compliant-rai-policy"
_DIAG = "azurenative-monitor-diagnosticsetting-central-logging"
_PE = "azurenative-network-privateendpoint-required"
_DNS = "azurenative-network-privatednszonegroup-required"


def _unlinked_policy_name(stack: Stack) -> Stack:
    """The deployment names a policy that is not in the stack (and depends on none)."""
    chat = item(stack, "chat")
    links = {prop: list(urns) for prop, urns in chat.property_dependencies.items() if prop != "raiPolicyName"}
    return replace_item(
        stack,
        "chat",
        props=changed(chat.props, "raiPolicyName", "elsewhere"),
        property_dependencies=links,
        dependencies=[urn for urns in links.values() for urn in urns],
    )


def _weak_shields(stack: Stack) -> Stack:
    filters = [entry for entry in classic_content_filters() if entry["name"] != "Indirect Attack"]
    return _props(stack, "shields", "contentFilters", filters)


def _duplicate_shield(stack: Stack) -> Stack:
    """A compliant Jailbreak entry plus a renamed, non-blocking duplicate ("jail_break")."""
    shadow = {"name": "jail_break", "source": "Prompt", "filterEnabled": True, "blockEnabled": False, "severityThreshold": "High"}
    return _props(stack, "shields", "contentFilters", [*classic_content_filters(), shadow])


@dataclass(frozen=True)
class ClassicStackCase:
    id: str
    change: Callable[[Stack], Stack]
    policy: str
    target: str
    fragment: str
    shapes: Sequence[bool] = (True, False)


CLASSIC_STACK_VIOLATIONS: tuple[ClassicStackCase, ...] = (
    ClassicStackCase(
        "rai-without-indirect-attack",
        _weak_shields,
        _RAI,
        "chat",
        "[MOD-2a] Model deployment 'chat' uses RAI (content filter) policy 'shields', which does not meet MOD-2a "
        "(RAI (content filter) policy 'shields' does not filter Indirect Attack on prompts",
    ),
    ClassicStackCase(
        "rai-duplicate-masks-gap",
        _duplicate_shield,
        _RAI,
        "chat",
        "filter for Jailbreak on prompts does not block (it only annotates): set blockEnabled = true "
        "(2 entries for this filter; every one must comply)",
    ),
    ClassicStackCase(
        "rai-mode-deferred",
        lambda s: _props(s, "shields", "mode", "Deferred"),
        _RAI,
        "chat",
        "returns content before it is filtered or uses an unknown mode (mode is 'Deferred')",
    ),
    ClassicStackCase(
        "rai-not-in-stack",
        _unlinked_policy_name,
        _RAI,
        "chat",
        "uses RAI policy 'elsewhere', which is not defined in this stack, so its prompt shields cannot be "
        "verified: define the azure:cognitive/accountRaiPolicy in this stack",
    ),
    ClassicStackCase(
        "rai-on-another-account",
        lambda s: _props(s, "shields", "cognitiveAccountId", ACCOUNT_ID.replace("/ai", "/other")),
        _RAI,
        "chat",
        "uses RAI policy 'aizone-shields', which is not defined in this stack",
        shapes=(False,),
    ),
    ClassicStackCase(
        "vault-without-diagnostics",
        lambda s: without(s, "kv-diag"),
        _DIAG,
        "kv",
        "[RES-2] Key Vault 'kv' has no diagnostic setting: add an azure:monitoring/diagnosticSetting:DiagnosticSetting "
        "with targetResourceId = its id, logAnalyticsWorkspaceId = the central Log Analytics workspace",
    ),
    ClassicStackCase(
        "no-workspace",
        lambda s: _props(s, "ai-diag", "logAnalyticsWorkspaceId", None),
        _DIAG,
        "ai",
        "'ai-diag': logAnalyticsWorkspaceId is not set",
    ),
    ClassicStackCase(
        "metrics-only",
        lambda s: _props(s, "search-diag", "enabledLogs", []),
        _DIAG,
        "search",
        "'search-diag': no log category or category group (allLogs or audit) is enabled",
    ),
    ClassicStackCase(
        "unknown-category-group",
        lambda s: _props(s, "acr-diag", "enabledLogs.0.categoryGroup", "everything"),
        _DIAG,
        "acr",
        "no log category or category group",
    ),
    ClassicStackCase(
        "storage-logs-on-account",
        lambda s: _props(s, "data-diag", "targetResourceId", _arm_id(t.AZ_STORAGE_ACCOUNT, "data")),
        _DIAG,
        "data",
        "it is on the account, which offers only metrics",
        shapes=(False,),
    ),
    ClassicStackCase(
        "vault-without-endpoint",
        lambda s: without(s, "kv-pe"),
        _PE,
        "kv",
        "[RES-4] Key Vault 'kv' has no private endpoint: add an azure:privatelink/endpoint:Endpoint with "
        "privateServiceConnection = {privateConnectionResourceId: <its id>, subresourceNames: [one of 'vault']}",
    ),
    ClassicStackCase(
        "wrong-subresource",
        lambda s: _props(s, "data-pe", "privateServiceConnection.subresourceNames", ["vault"]),
        _PE,
        "data",
        "has private endpoints with group ids it does not offer ('data-pe' requests ['vault'])",
    ),
    ClassicStackCase(
        "apim-external",
        lambda s: _props(s, "apim", "virtualNetworkType", "External"),
        _PE,
        "apim",
        "API Management service 'apim' has no private endpoint",
    ),
    ClassicStackCase(
        "endpoint-without-zone-group",
        lambda s: _props(s, "acr-pe", "privateDnsZoneGroup", None),
        _DNS,
        "acr-pe",
        "[RES-4] Private endpoint 'acr-pe' has no private DNS zone group: set privateDnsZoneGroup = "
        "{name: 'default', privateDnsZoneIds: [the id of privatelink.azurecr.io]}",
    ),
    ClassicStackCase(
        "endpoint-wrong-zone",
        lambda s: _props(s, "search-pe", "privateDnsZoneGroup.privateDnsZoneIds", [zone_id(ZONES["blob"])]),
        _DNS,
        "search-pe",
        "has privateDnsZoneGroup.privateDnsZoneIds pointing at privatelink.blob.core.windows.net, but its "
        "subresource needs privatelink.search.windows.net",
    ),
    ClassicStackCase(
        "endpoint-empty-zone-list",
        lambda s: _props(s, "ai-pe", "privateDnsZoneGroup.privateDnsZoneIds", []),
        _DNS,
        "ai-pe",
        "has no private DNS zone in privateDnsZoneGroup.privateDnsZoneIds",
    ),
)


def _cases() -> list[Any]:
    return [
        pytest.param(case, preview, id=f"{case.id}-{'preview' if preview else 'deployed'}", marks=controls_mark(case.policy))
        for case in CLASSIC_STACK_VIOLATIONS
        for preview in case.shapes
    ]


@pytest.mark.parametrize(("case", "preview"), _cases())
def test_classic_stack_violation_is_caught(analyzer: PackAnalyzer, case: ClassicStackCase, preview: bool) -> None:
    stack = case.change(classic_stack(preview))
    diagnostics = analyzer.analyze_stack(stack)
    caught = diagnostics_of(diagnostics, case.policy, "mandatory")
    assert [entry.urn for entry in caught] == [item(stack, case.target).resolved_urn], diagnostics
    assert case.fragment in caught[0].message, caught[0].message
    assert {entry.policy for entry in diagnostics} == {case.policy}, diagnostics


@controls_mark(_RAI)
def test_classic_deployment_on_builtin_policy_is_the_resource_policys_finding(analyzer: PackAnalyzer) -> None:
    """A built-in name is reported once, by azure-cognitive-deployment-custom-rai-policy."""
    stack = _unlinked_policy_name(classic_stack(preview=False))
    stack = _props(stack, "chat", "raiPolicyName", "Microsoft.DefaultV2")
    assert analyzer.analyze_stack(stack) == []
    resource = item(stack, "chat")
    caught = diagnostics_of(analyzer.analyze(resource.type, resource.props, "chat"), level="mandatory")
    assert [entry.policy for entry in caught] == ["azure-cognitive-deployment-custom-rai-policy"]


@controls_mark(_RAI)
def test_classic_deployment_on_another_microsoft_policy(analyzer: PackAnalyzer) -> None:
    """A Microsoft.* name the resource policy does not know is still a built-in, reported here."""
    stack = _props(_unlinked_policy_name(classic_stack(preview=False)), "chat", "raiPolicyName", "Microsoft.Nothing")
    caught = diagnostics_of(analyzer.analyze_stack(stack), _RAI, "mandatory")
    assert [entry.message.split("\n", 1)[1] for entry in caught] == [
        "[MOD-2a] Model deployment 'chat' uses the built-in content filter policy 'Microsoft.Nothing', which filters "
        "harmful content at Medium and (DefaultV2) blocks jailbreak attempts but does not block Indirect Attack "
        "(document prompt injection): create an azure:cognitive/accountRaiPolicy that blocks Jailbreak and Indirect "
        "Attack and set raiPolicyName to its name."
    ]


@controls_mark(_RAI)
def test_trusted_classic_policy_name(make_analyzer: Callable[[Mapping[str, Any]], PackAnalyzer]) -> None:
    stack = _unlinked_policy_name(classic_stack(preview=False))
    assert make_analyzer({_RAI: {"trustedRaiPolicyNames": ["elsewhere"]}}).analyze_stack(stack) == []


@controls_mark(_DIAG)
def test_native_setting_on_classic_resource_counts(analyzer: PackAnalyzer) -> None:
    """A monitor:DiagnosticSetting (azure-native) may log a classic Key Vault."""
    stack = without(classic_stack(preview=False), "kv-diag")
    native = StackItem(
        type=t.DIAGNOSTIC_SETTING,
        name="kv-native-diag",
        props={
            "resourceUri": _arm_id(t.AZ_KEY_VAULT, "kv"),
            "workspaceId": _arm_id(t.AZ_LOG_ANALYTICS_WORKSPACE, "law"),
            "logs": [{"categoryGroup": "audit", "enabled": True}],
        },
    )
    assert analyzer.analyze_stack([*stack, native]) == []
