"""Behaviour of the rule families beyond the one-field cases: the parsing and classification
helpers they rely on (policy XML, role ids, scopes, images, memory), configuration overrides, links
between resources the stack policies follow, and findings that legitimately come from two controls
at once."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import pytest
from policy_cases import (
    AGENT_TAGS,
    API_POLICY_XML,
    BASELINES,
    BLOB_READER,
    OWNER,
    RESOURCE_GROUP_ID,
    arm_id,
    baseline_stack,
    changed,
    controls_mark,
    diagnostics_of,
    item,
    policy_xml,
    replace_item,
    role_definition,
    without,
)

from pulumi_aizone_policy import tokens as t
from pulumi_aizone_policy.apim_xml import ExpressionError, read_policy, split_expressions
from pulumi_aizone_policy.harness import UNKNOWN_VALUE, PackAnalyzer, StackItem, urn_for
from pulumi_aizone_policy.policies.execution import memory_gib, registry_host
from pulumi_aizone_policy.policies.rbac import allowed_role, role_guid, scope_level

MakeAnalyzer = Callable[[Mapping[str, Any]], PackAnalyzer]
Stack = list[StackItem]

_GATEWAY_AUTH = "azurenative-apimanagement-api-entra-managed-identity-auth"
_GATEWAY_ROLE = "azurenative-apimanagement-service-gateway-least-privilege"
_LEAST = "azurenative-authorization-roleassignment-least-privilege"
_WORKLOAD = "azurenative-authorization-roleassignment-workload-least-privilege"
_PERMANENT = "azurenative-authorization-roleassignment-no-permanent-admin"
_PRINCIPAL = "azurenative-authorization-roleassignment-principal-type-matches"
_PLANS = "azurenative-security-pricing-required-plans"
_LIMITS = "azurenative-app-containerappssessionpool-resource-limits"
_REGISTRY = "azurenative-app-containerappssessionpool-approved-registry"
_EXECUTOR = "azurenative-authorization-roleassignment-session-executor-scope"
_DELETION = "azurenative-resources-dataresource-deletion-protection"
_ISOLATION = "azurenative-storage-storageaccount-dataset-isolation"
_BOUNDARY = "azurenative-authorization-roleassignment-same-data-boundary"
_EXEC_ALERTS = "azurenative-app-containerappssessionpool-execution-alerts"


def _props(stack: Stack, name: str, path: str, value: object) -> Stack:
    return replace_item(stack, name, props=changed(item(stack, name).props, path, value))


def _policies(diagnostics: list[Any], level: str = "mandatory") -> set[str]:
    return {entry.policy for entry in diagnostics_of(diagnostics, level=level)}


# --- Helpers ----------------------------------------------------------------------------------------


@controls_mark(_GATEWAY_AUTH)
def test_policy_expressions_are_cut_out_before_parsing() -> None:
    text = '<a b="@(x < 1 && y.Get<string>("}"))">@{ if (a < b) { return "<x>"; } return "@("; }</a>'
    stripped, expressions = split_expressions(text)
    assert stripped == '<a b="@expr0">@expr1</a>'
    assert [expression.literals for expression in expressions] == [("}",), ("<x>", "@(")]
    assert split_expressions("mail me@contoso.com") == ("mail me@contoso.com", ())
    with pytest.raises(ExpressionError, match="unterminated expression"):
        split_expressions("mail me@contoso.com @(unbalanced")


@controls_mark(_GATEWAY_AUTH)
def test_policy_document_reading() -> None:
    document = read_policy(API_POLICY_XML)
    assert (document.problem, document.validates, document.managed_identity, document.inherits, document.key_settings) == (
        None,
        True,
        True,
        True,
        (),
    )
    nested = read_policy(policy_xml('<choose><when condition="@(true)"><validate-jwt header-name="Authorization" /></when></choose>'))
    assert not nested.validates and nested.conditional_validation and not nested.managed_identity and not nested.inherits
    outbound_only = read_policy("<policies><inbound /><outbound><authentication-managed-identity resource='x' /></outbound></policies>")
    assert not outbound_only.managed_identity
    assert read_policy("not xml").problem is not None


@pytest.mark.parametrize(
    ("scope", "level"),
    [
        ("/", "tenant root"),
        ("/providers/Microsoft.Management/managementGroups/corp", "management group"),
        ("/subscriptions/sub", "subscription"),
        ("/SUBSCRIPTIONS/sub/", "subscription"),
        ("/subscriptions/sub/resourceGroups/rg", "resource group"),
        (
            "/subscriptions/sub/resourcegroups/rg/providers/Microsoft.Storage/storageAccounts/a/blobServices/default/containers/c",
            "resource",
        ),
        ("subscriptions/sub", "subscription"),
        (" //Subscriptions//sub/resourceGroups/rg/ ", "resource group"),
        ("rg", None),
        (None, None),
        (UNKNOWN_VALUE, None),
    ],
)
def test_scope_levels(scope: object, level: str | None) -> None:
    assert scope_level(scope) == level


def test_role_ids_compare_by_guid_in_any_form() -> None:
    guid = role_guid(role_definition(OWNER).upper())
    assert guid == OWNER
    assert allowed_role(BLOB_READER, ["storage blob data reader"])
    assert allowed_role(role_definition(OWNER), [OWNER.upper()])
    assert not allowed_role("/providers/Microsoft.Authorization/roleDefinitions/unknown", ["Owner"])


@pytest.mark.parametrize(
    ("image", "host"),
    [
        ("python:3.12", "docker.io"),
        ("library/python@sha256:00", "docker.io"),
        ("docker.io/library/python:3", "docker.io"),
        ("CRPlatform.azurecr.io/tools/python@sha256:00", "crplatform.azurecr.io"),
        ("localhost/x", "localhost"),
        ("registry:5000/x", "registry:5000"),
    ],
)
def test_registry_host(image: str, host: str) -> None:
    assert registry_host(image) == host


@pytest.mark.parametrize(("memory", "gib"), [("1Gi", 1.0), ("0.5Gi", 0.5), ("512Mi", 0.5), ("2G", 2.0), ("lots", None), (2, None)])
def test_memory_quantities(memory: object, gib: float | None) -> None:
    assert memory_gib(memory) == gib


# --- Configuration -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("config", "type_token", "path", "value", "policy"),
    [
        (
            {_LEAST: {"allowedWorkloadRoles": ["Cognitive Services Contributor"]}},
            t.ROLE_ASSIGNMENT,
            "roleDefinitionId",
            role_definition("25fbc0a9-bd7c-42a3-aa1a-3b75d497ee68"),
            None,
        ),
        (
            {_LEAST: {"allowedWorkloadRoles": ["25FBC0A9-BD7C-42A3-AA1A-3B75D497EE68"]}},
            t.ROLE_ASSIGNMENT,
            "roleDefinitionId",
            role_definition("25fbc0a9-bd7c-42a3-aa1a-3b75d497ee68"),
            None,
        ),
        (
            {_LEAST: {"allowedWorkloadRoles": ["Storage Blob Data Reader"]}},
            t.ROLE_ASSIGNMENT,
            "roleDefinitionId",
            role_definition(BLOB_READER),
            None,
        ),
        ({_LEAST: {"allowedWorkloadRoles": ["Storage Blob Data Reader"]}}, t.ROLE_ASSIGNMENT, "principalType", "ServicePrincipal", _LEAST),
        ({_LIMITS: {"maxConcurrentSessions": 5}}, t.SESSION_POOL, "poolManagementType", "Dynamic", _LIMITS),
        ({_LIMITS: {"maxConcurrentSessions": 600}}, t.SESSION_POOL, "scaleConfiguration.maxConcurrentSessions", 600, None),
        (
            {_LIMITS: {"minCooldownSeconds": 60}},
            t.SESSION_POOL,
            "dynamicPoolConfiguration.lifecycleConfiguration.cooldownPeriodInSeconds",
            60,
            None,
        ),
        ({_LIMITS: {"maxCooldownSeconds": 120}}, t.SESSION_POOL, "poolManagementType", "Dynamic", _LIMITS),
        ({_LIMITS: {"maxCpu": 0.25}}, t.SESSION_POOL, "poolManagementType", "Dynamic", _LIMITS),
        ({_LIMITS: {"maxMemoryGi": 16}}, t.SESSION_POOL, "customContainerTemplate.containers.0.resources.memory", "16Gi", None),
    ],
)
def test_policy_config(
    make_analyzer: MakeAnalyzer, config: dict[str, Any], type_token: str, path: str, value: object, policy: str | None
) -> None:
    diagnostics = make_analyzer(config).analyze(type_token, changed(BASELINES[type_token], path, value))
    assert {entry.policy for entry in diagnostics} == ({policy} if policy else set()), diagnostics


@pytest.mark.parametrize(
    ("config", "error"),
    [
        ({_LEAST: {"allowedWorkloadRoles": [7]}}, "expected string"),
        ({_LIMITS: {"maxConcurrentSessions": 0}}, "must be >= 1"),
        ({_PLANS: {"defenderManagedElsewhere": "yes"}}, "expected boolean"),
        ({_REGISTRY: {"allowedRegistries": "crplatform.azurecr.io"}}, "expected array"),
    ],
)
def test_invalid_config_is_rejected(make_analyzer: MakeAnalyzer, config: dict[str, Any], error: str) -> None:
    with pytest.raises(ValueError, match=error):
        make_analyzer(config)


@controls_mark(_PLANS)
def test_defender_managed_elsewhere(make_analyzer: MakeAnalyzer) -> None:
    stack = [entry for entry in baseline_stack(preview=True) if entry.type != t.DEFENDER_PRICING]
    assert _policies(make_analyzer({}).analyze_stack(stack)) == {_PLANS}
    assert make_analyzer({_PLANS: {"defenderManagedElsewhere": True}}).analyze_stack(stack) == []


@controls_mark(_PLANS)
def test_stack_without_ai_account_needs_no_plans(analyzer: PackAnalyzer) -> None:
    stack = [StackItem(type=t.KEY_VAULT, name="kv", props=dict(BASELINES[t.KEY_VAULT]), protect=True)]
    assert _PLANS not in _policies(analyzer.analyze_stack(stack))


@controls_mark(_REGISTRY)
def test_allowed_registries(make_analyzer: MakeAnalyzer) -> None:
    image = "crplatform.azurecr.io/tools/python@sha256:" + "a" * 64
    stack = _props(baseline_stack(preview=False), "pool", "customContainerTemplate.containers.0.image", image)
    assert _policies(make_analyzer({}).analyze_stack(stack)) == {_REGISTRY}
    assert make_analyzer({_REGISTRY: {"allowedRegistries": ["*.azurecr.io"]}}).analyze_stack(stack) == []


@controls_mark(_REGISTRY)
def test_registry_login_server_output_counts(analyzer: PackAnalyzer) -> None:
    stack = _props(baseline_stack(preview=False), "acr", "registryName", None)
    stack = _props(stack, "acr", "loginServer", "aizoneacr.azurecr.io")
    assert analyzer.analyze_stack(stack) == []


@controls_mark(_REGISTRY)
def test_unknown_registry_name_is_an_advisory_note(analyzer: PackAnalyzer) -> None:
    stack = _props(baseline_stack(preview=True), "acr", "registryName", UNKNOWN_VALUE)
    assert [(entry.policy, entry.level) for entry in analyzer.analyze_stack(stack)] == [(_REGISTRY, "advisory")]


# --- MOD-4: inheritance of policy documents and the gateway's role ---------------------------------


def _service_policy(stack: Stack, xml: str, preview: bool) -> Stack:
    """A service-level policy with `xml`, linked to the API Management service."""
    apim = urn_for(t.APIM_SERVICE, "apim")
    if preview:
        props = {"serviceName": UNKNOWN_VALUE, "format": "rawxml", "value": xml}
        policy = StackItem(
            type=t.APIM_SERVICE_POLICY, name="global", props=props, property_dependencies={"serviceName": [apim]}, dependencies=[apim]
        )
    else:
        policy = StackItem(
            type=t.APIM_SERVICE_POLICY, name="global", props={"id": arm_id(t.APIM_SERVICE, "apim") + "/policies/policy", "value": xml}
        )
    return [*stack, policy]


@pytest.mark.parametrize("preview", [True, False], ids=["preview", "deployed"])
@controls_mark(_GATEWAY_AUTH)
def test_api_policy_inherits_the_service_policy(analyzer: PackAnalyzer, preview: bool) -> None:
    checks = (
        '<validate-jwt header-name="Authorization"><openid-config url="https://login.microsoftonline.com/tenant/v2.0/.well-known/openid-configuration" />'
        '<audiences><audience>api://gateway</audience></audiences></validate-jwt><authentication-managed-identity resource="https://cognitiveservices.azure.com" />'
    )
    stack = _props(baseline_stack(preview), "inference-policy", "value", policy_xml("<base />"))
    stack = _service_policy(stack, policy_xml(checks), preview)
    assert analyzer.analyze_stack(stack) == []
    dropped = _props(stack, "inference-policy", "value", policy_xml('<set-backend-service backend-id="models" />'))
    caught = diagnostics_of(analyzer.analyze_stack(dropped), _GATEWAY_AUTH, "mandatory")
    assert [entry.urn for entry in caught] == [urn_for(t.APIM_API, "inference")] * 2
    without_policy = without(stack, "inference-policy")
    assert analyzer.analyze_stack(without_policy) == []


@controls_mark(_GATEWAY_AUTH)
def test_operation_policy_must_keep_base(analyzer: PackAnalyzer) -> None:
    operation = StackItem(type=t.APIM_OPERATION_POLICY, name="chat-op", props={"format": "xml", "value": policy_xml("<base />")})
    stack = [*baseline_stack(preview=False), operation]
    assert analyzer.analyze_stack(stack) == []
    stack = _props(stack, "chat-op", "value", policy_xml("<rate-limit calls='5' renewal-period='60' />"))
    caught = diagnostics_of(analyzer.analyze_stack(stack), _GATEWAY_AUTH, "mandatory")
    assert len(caught) == 2 and all("drops the API's policy: no <base /> in its inbound section" in entry.message for entry in caught)


@controls_mark(_GATEWAY_AUTH)
def test_unknown_policy_content_is_an_advisory_note(analyzer: PackAnalyzer) -> None:
    stack = _props(baseline_stack(preview=True), "inference-policy", "value", UNKNOWN_VALUE)
    assert {(entry.policy, entry.level) for entry in analyzer.analyze_stack(stack)} == {(_GATEWAY_AUTH, "advisory")}


@controls_mark(_GATEWAY_ROLE)
def test_gateway_roles_elsewhere_are_not_judged(analyzer: PackAnalyzer) -> None:
    secrets_user = role_definition("4633458b-17de-408a-b874-0445c86b69e6")
    stack = _props(baseline_stack(preview=False), "apim-openai-user", "roleDefinitionId", secrets_user)
    stack = _props(stack, "apim-openai-user", "scope", arm_id(t.KEY_VAULT, "kv"))
    assert analyzer.analyze_stack(stack) == []


# --- ACC-3, ACC-5, ACC-6 together --------------------------------------------------------------------


def test_owner_for_a_user_at_subscription_scope_is_two_findings(analyzer: PackAnalyzer) -> None:
    props = {
        **BASELINES[t.ROLE_ASSIGNMENT],
        "principalType": "User",
        "roleDefinitionId": role_definition(OWNER),
        "scope": "/subscriptions/sub",
    }
    assert _policies(analyzer.analyze(t.ROLE_ASSIGNMENT, props)) == {_LEAST, _PERMANENT}


@controls_mark(_WORKLOAD, _PRINCIPAL)
def test_managed_identity_declared_as_group_is_judged_as_a_workload(analyzer: PackAnalyzer) -> None:
    stack = _props(baseline_stack(preview=False), "agent-openai-user", "principalType", "Group")
    stack = _props(stack, "agent-openai-user", "roleDefinitionId", role_definition(OWNER))
    diagnostics = analyzer.analyze_stack(stack)
    assert _policies(diagnostics) == {_WORKLOAD, _PRINCIPAL}
    assert "grants 'Owner' to the managed identity of user-assigned identity 'agent'" in diagnostics_of(diagnostics, _WORKLOAD)[0].message


@controls_mark(_WORKLOAD)
def test_workload_scope_wired_from_nothing_is_an_advisory_note(analyzer: PackAnalyzer) -> None:
    stack = baseline_stack(preview=True)
    entry = item(stack, "agent-data-reader")
    deps = {prop: urns for prop, urns in entry.property_dependencies.items() if prop != "scope"}
    stack = replace_item(
        stack, "agent-data-reader", property_dependencies=deps, dependencies=[urn for urns in deps.values() for urn in urns]
    )
    assert {(entry.policy, entry.level) for entry in analyzer.analyze_stack(stack)} == {(_WORKLOAD, "advisory")}


@controls_mark(_EXECUTOR, _WORKLOAD)
def test_executor_wired_from_resource_group_in_preview(analyzer: PackAnalyzer) -> None:
    stack = baseline_stack(preview=True)
    group = StackItem(type=t.RESOURCE_GROUP, name="rg", props={"id": UNKNOWN_VALUE})
    deps = {**item(stack, "agent-executor").property_dependencies, "scope": [group.resolved_urn]}
    stack = replace_item([*stack, group], "agent-executor", property_dependencies=deps)
    assert _policies(analyzer.analyze_stack(stack)) == {_EXECUTOR, _WORKLOAD}


# --- DATA-2, DATA-3, DATA-5 ---------------------------------------------------------------------------


@controls_mark(_ISOLATION, _BOUNDARY)
def test_customer_application_reading_internal_data_is_two_findings(analyzer: PackAnalyzer) -> None:
    stack = baseline_stack(preview=False)
    stack = _props(stack, "agent", "tags", {**AGENT_TAGS, "data-boundary": "customer", "aizone-application": "support"})
    diagnostics = analyzer.analyze_stack(stack)
    assert _policies(diagnostics) == {_ISOLATION, _BOUNDARY}
    assert (
        "'support' (user-assigned identity 'agent', boundary 'customer'), 'chat' (its own aizone-application tag)"
        in diagnostics_of(diagnostics, _ISOLATION)[0].message
    )


@controls_mark(_DELETION)
def test_lock_on_the_resource_group_covers_its_resources(analyzer: PackAnalyzer) -> None:
    stack = [entry for entry in baseline_stack(preview=False) if entry.type != t.LOCK_BY_SCOPE]
    assert {entry.urn for entry in diagnostics_of(analyzer.analyze_stack(stack), _DELETION)} == {
        urn_for(kind, name)
        for name, kind in (
            ("data", t.STORAGE_ACCOUNT),
            ("kv", t.KEY_VAULT),
            ("purview", t.PURVIEW_ACCOUNT),
            ("search", t.SEARCH_SERVICE),
            ("cosmos", t.COSMOS_ACCOUNT),
        )
    }
    lock = StackItem(
        type=t.LOCK_BY_SCOPE,
        name="rg-lock",
        props={"level": "CanNotDelete", "id": f"{RESOURCE_GROUP_ID}/providers/Microsoft.Authorization/locks/x"},
    )
    assert analyzer.analyze_stack([*stack, lock]) == []


@controls_mark(_DELETION)
def test_lock_at_resource_level_names_the_resource(analyzer: PackAnalyzer) -> None:
    stack = _props(without(baseline_stack(preview=False), "kv-lock"), "kv", "vaultName", "kv-aizone")
    lock = StackItem(
        type=t.LOCK_AT_RESOURCE, name="kv-lock", props={"level": "CanNotDelete", "resourceName": "KV-aizone", "resourceType": "vaults"}
    )
    assert analyzer.analyze_stack([*stack, lock]) == []


@controls_mark(_DELETION)
def test_subscription_lock_covers_everything(analyzer: PackAnalyzer) -> None:
    stack = [entry for entry in baseline_stack(preview=True) if entry.type != t.LOCK_BY_SCOPE]
    lock = StackItem(type=t.LOCK_AT_SUBSCRIPTION, name="sub-lock", props={"level": "CanNotDelete"})
    assert analyzer.analyze_stack([*stack, lock]) == []


# --- EXEC-4 -------------------------------------------------------------------------------------------


@controls_mark(_EXEC_ALERTS)
def test_query_rule_on_the_environment_watches_its_pools(analyzer: PackAnalyzer) -> None:
    stack = without(baseline_stack(preview=False), "pool-alert")
    rule = StackItem(
        type=t.SCHEDULED_QUERY_RULE,
        name="session-failures",
        props={
            "enabled": True,
            "scopes": [arm_id(t.MANAGED_ENVIRONMENT, "env")],
            "actions": {"actionGroups": [arm_id(t.ACTION_GROUP, "ag")]},
        },
    )
    assert analyzer.analyze_stack([*stack, rule]) == []


@controls_mark(_EXEC_ALERTS)
def test_python_pools_need_no_alert(analyzer: PackAnalyzer) -> None:
    stack = _props(without(baseline_stack(preview=True), "pool-alert"), "pool", "containerType", "PythonLTS")
    stack = _props(stack, "pool", "customContainerTemplate", None)
    assert analyzer.analyze_stack(stack) == []
