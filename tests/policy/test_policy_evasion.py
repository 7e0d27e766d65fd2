"""Attacks on the pack: inputs crafted to look compliant. Each test has the compliant baseline
(from policy_cases) and the evasive variant, and asserts the exact violation (control ids first)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import pytest
from policy_cases import API_POLICY_XML, BASELINES, DELETE, changed, diagnostics_of, policy_xml, role_definition

from pulumi_aizone_policy import tokens as t
from pulumi_aizone_policy.apim_xml import ExpressionError, read_policy, split_expressions
from pulumi_aizone_policy.harness import PackAnalyzer

_KEYS = "azurenative-apimanagement-policy-no-backend-keys"
_BACKEND = "azurenative-apimanagement-backend-no-api-key"
_ADMIN = "azurenative-authorization-roleassignment-no-permanent-admin"
_PIM = "azurenative-authorization-pimroleeligibilityschedule-expiration"
_RAI = "azurenative-cognitiveservices-raipolicy-prompt-shields"
_AI_NET = "azurenative-cognitiveservices-account-restrict-network-access"
_ML_NET = "azurenative-machinelearningservices-workspace-restrict-network-access"
_CA = "azuread-conditionalaccesspolicy-break-glass-excluded"
_LOCAL = "azurenative-cognitiveservices-account-disable-local-auth"


def _messages(analyzer: PackAnalyzer, type_token: str, props: Mapping[str, Any], policy: str) -> list[str]:
    """The messages (without the policy description line) of one policy's mandatory findings."""
    return [item.message.split("\n", 1)[1] for item in diagnostics_of(analyzer.analyze(type_token, props), policy, "mandatory")]


def _policy(inbound: str) -> dict[str, object]:
    return changed(BASELINES[t.APIM_API_POLICY], "value", policy_xml(inbound))


_KEY_HEADER = '<set-header name="api-key" exists-action="override"><value>sk-live-0123</value></set-header>'


# --- MOD-4: the policy-expression lexer -----------------------------------------------------------


@pytest.mark.controls("MOD-4")
@pytest.mark.parametrize(
    "expression",
    [
        '@(context.Request.Headers.GetValueOrDefault("x", "").IndexOf(\'"\') > 0)',  # char literal holding a quote
        '@("\\"" + "(")',  # escaped quote, bracket inside a string
        '@(@"C:\\" + "")',  # verbatim string ending in a backslash
        '@($"{(context.Variables.Count > 0 ? "}" : "{")}")',  # interpolated string with nested holes
        "@{ var c = '\\''; /* ) */ return c.ToString(); // ) \n }",  # escaped char literal, comments
    ],
)
def test_literals_cannot_hide_a_key(analyzer: PackAnalyzer, expression: str) -> None:
    """An expression whose literals confused the old scanner ends where C# ends it: the key after
    it is found."""
    inbound = f'<set-variable name="probe" value="{expression}" />{_KEY_HEADER}'
    assert _messages(analyzer, t.APIM_API_POLICY, _policy(inbound), _KEYS) == [
        "[MOD-4] API policy 'res' sends a key (<set-header name=\"api-key\">): remove it and authenticate with the "
        'gateway\'s managed identity, <authentication-managed-identity resource="https://cognitiveservices.azure.com" />; '
        "a key in a policy or named value bypasses Entra ID and has to be rotated by hand."
    ]


@pytest.mark.controls("MOD-4")
def test_lexer_reads_literals() -> None:
    _, expressions = split_expressions('<a b="@(x == \'"\' ? @"C:\\" : $"{y}-\\u0041")" />')
    assert [expression.literals for expression in expressions] == [("C:\\", "-A")]
    for broken in ('@("never ends)', "@(x == '')", '@("""raw""")', '@(<set-header name="api-key" />)'):
        with pytest.raises(ExpressionError):
            split_expressions(f"<a b='{broken}' />")


@pytest.mark.controls("MOD-4")
def test_unreadable_expression_fails_safe(analyzer: PackAnalyzer) -> None:
    props = _policy('<set-variable name="x" value=\'@("open)\' />')
    assert _messages(analyzer, t.APIM_API_POLICY, props, _KEYS)[0].startswith(
        "[MOD-4] API policy 'res' holds a policy document that has a policy expression the pack cannot read unambiguously"
    )


@pytest.mark.controls("MOD-4")
@pytest.mark.parametrize(
    ("setting", "shown"),
    [
        (
            '<set-header name=" OCP-APIM-Subscription-Key " exists-action="append"><value>k</value></set-header>',
            '<set-header name="OCP-APIM-Subscription-Key">',
        ),
        ('<set-query-parameter name="API-KEY"><value>{{openai-key}}</value></set-query-parameter>', '<set-query-parameter name="API-KEY">'),
        (
            '<set-header name="Authorization" exists-action="override"><value>Bearer {{openai-key}}</value></set-header>',
            '<set-header name="Authorization"> with a literal or named-value credential',
        ),
        (
            '<set-header name=\'@("api-" + "key")\' exists-action="override"><value>k</value></set-header>',
            '<set-header name="@expr0"> (the name is a policy expression, so the pack cannot tell which header it sets)',
        ),
        (
            '<send-request mode="new" response-variable-name="r"><set-header name="api-key"><value>k</value></set-header></send-request>',
            '<set-header name="api-key">',
        ),
        ('<authentication-basic username="u" password="p" />', "<authentication-basic> (a username and password)"),
    ],
)
def test_keys_in_any_header_case_or_place(analyzer: PackAnalyzer, setting: str, shown: str) -> None:
    assert _messages(analyzer, t.APIM_API_POLICY, BASELINES[t.APIM_API_POLICY], _KEYS) == []
    messages = _messages(analyzer, t.APIM_API_POLICY, _policy(setting), _KEYS)
    assert messages and messages[0].startswith(f"[MOD-4] API policy 'res' sends a key ({shown})"), messages


@pytest.mark.controls("MOD-4")
def test_bearer_token_from_an_expression_is_not_a_key(analyzer: PackAnalyzer) -> None:
    setting = '<set-header name="Authorization" exists-action="override"><value>@("Bearer " + (string)context.Variables["token"])</value></set-header>'
    assert _messages(analyzer, t.APIM_API_POLICY, _policy(setting), _KEYS) == []


@pytest.mark.controls("MOD-4")
@pytest.mark.parametrize(
    ("header", "shown"),
    [({"Ocp-Apim-Subscription-Key": ["k"]}, "'Ocp-Apim-Subscription-Key'"), ({" authorization ": ["Basic a2V5"]}, "' authorization '")],
)
def test_backend_credentials_in_any_header(analyzer: PackAnalyzer, header: dict[str, list[str]], shown: str) -> None:
    props = changed(BASELINES[t.APIM_BACKEND], "credentials.header", header)
    assert _messages(analyzer, t.APIM_BACKEND, props, _BACKEND) == [
        f"[MOD-4] API Management backend 'res' sends a key to its backend (credentials.header has {shown}): remove it and "
        'authenticate in the API policy with <authentication-managed-identity resource="https://cognitiveservices.azure.com" />.'
    ]


@pytest.mark.controls("MOD-4")
def test_backend_authorization_credential(analyzer: PackAnalyzer) -> None:
    props = changed(BASELINES[t.APIM_BACKEND], "credentials.authorization", {"scheme": "Bearer", "parameter": "{{key}}"})
    assert _messages(analyzer, t.APIM_BACKEND, props, _BACKEND) == [
        "[MOD-4] API Management backend 'res' sends a literal credential to its backend (credentials.authorization with "
        "scheme 'Bearer'): remove it and authenticate in the API policy with <authentication-managed-identity "
        'resource="https://cognitiveservices.azure.com" />.'
    ]


@pytest.mark.controls("MOD-4")
@pytest.mark.parametrize(
    "inbound",
    [
        '<choose><when condition="@(true)"><validate-azure-ad-token tenant-id="t"><audiences><audience>a</audience></audiences></validate-azure-ad-token></when></choose>',
        '<return-response><set-status code="200" /></return-response><validate-azure-ad-token tenant-id="t"><audiences><audience>a</audience></audiences></validate-azure-ad-token>',
        '<validate-jwt header-name="Authorization"><issuer-signing-keys><key>c2VjcmV0</key></issuer-signing-keys><audiences><audience>a</audience></audiences></validate-jwt>',
        '<validate-jwt header-name="Authorization"><openid-config url="https://login.microsoftonline.com/common/v2.0/.well-known/openid-configuration" /><audiences><audience>a</audience></audiences></validate-jwt>',
        '<validate-jwt header-name="Authorization"><openid-config url="https://evil.example.com/t/.well-known/openid-configuration" /><audiences><audience>a</audience></audiences></validate-jwt>',
        '<validate-jwt header-name="Authorization"><openid-config url="https://login.microsoftonline.com/t/v2.0/.well-known/openid-configuration" /></validate-jwt>',
        '<validate-azure-ad-token tenant-id="t" />',
    ],
)
def test_token_validation_counts_only_unconditional_and_entra(inbound: str) -> None:
    assert read_policy(API_POLICY_XML).validates
    assert not read_policy(policy_xml(inbound)).validates


@pytest.mark.controls("MOD-4")
def test_weak_validate_jwt_is_reported(analyzer: PackAnalyzer) -> None:
    inbound = '<validate-jwt header-name="Authorization"><openid-config url="https://login.microsoftonline.com/common/v2.0/.well-known/openid-configuration" /><audiences><audience>a</audience></audiences></validate-jwt>'
    messages = _messages(analyzer, t.APIM_API_POLICY, _policy(inbound), _KEYS)
    assert messages[0].startswith(
        "[MOD-4] API policy 'res' validates tokens in a way that does not pin Entra ID (<validate-jwt> openid-config url "
        "'https://login.microsoftonline.com/common/v2.0/.well-known/openid-configuration' does not name one tenant"
    ), messages


# --- ACC-3 / ACC-5: roles -------------------------------------------------------------------------


@pytest.mark.controls("ACC-3")
@pytest.mark.parametrize(
    ("role", "scope", "principal_type", "label", "level", "normalized"),
    [
        (
            "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9",
            "subscriptions/sub/resourceGroups/rg/",
            "Group",
            "User Access Administrator",
            "resource group",
            "/subscriptions/sub/resourcegroups/rg",
        ),
        (
            "00482a5a-887f-4fb3-b363-3b7fe8e74483",
            "/SUBSCRIPTIONS/sub",
            "User",
            "Key Vault Administrator",
            "subscription",
            "/subscriptions/sub",
        ),
        (
            "17d1049b-9a84-46fb-8f53-869881c3d3ab",
            " /subscriptions/sub//resourceGroups/rg ",
            "ForeignGroup",
            "Storage Account Contributor",
            "resource group",
            "/subscriptions/sub/resourcegroups/rg",
        ),
        ("7ca78c08-252a-4471-8644-bb5ff32d4ba0", "/", DELETE, "Search Service Contributor", "tenant root", "/"),
    ],
)
def test_privileged_roles_never_permanent_at_wide_scope(
    analyzer: PackAnalyzer, role: str, scope: str, principal_type: object, label: str, level: str, normalized: str
) -> None:
    baseline = {**BASELINES[t.ROLE_ASSIGNMENT], "principalType": "ServicePrincipal"}
    assert _messages(analyzer, t.ROLE_ASSIGNMENT, changed(baseline, "roleDefinitionId", role_definition(role)), _ADMIN) == []
    props = changed(changed(changed(baseline, "roleDefinitionId", role_definition(role)), "scope", scope), "principalType", principal_type)
    whom = "a principal (principalType not set)" if principal_type is DELETE else f"a principal of type {principal_type}"
    assert _messages(analyzer, t.ROLE_ASSIGNMENT, props, _ADMIN) == [
        f"[ACC-3] Role assignment 'res' permanently grants the privileged role '{label}' at {level} scope ('{normalized}') "
        f"to {whom}: roles that manage access or can list keys are never assigned permanently at resource-group or wider "
        "scope; make it PIM-eligible (an authorization:PimRoleEligibilitySchedule with scheduleInfo.expiration.type "
        "'AfterDuration') or grant a narrower role on the single resource that needs it."
    ]


@pytest.mark.controls("ACC-3", "ACC-5")
def test_owner_at_subscription_is_caught_twice(analyzer: PackAnalyzer) -> None:
    props = {
        **BASELINES[t.ROLE_ASSIGNMENT],
        "principalType": "ForeignGroup",
        "roleDefinitionId": role_definition("8e3af657-a8ff-443c-a75c-2fe8c4bcb635"),
        "scope": "/subscriptions/sub",
    }
    policies = {item.policy for item in diagnostics_of(analyzer.analyze(t.ROLE_ASSIGNMENT, props), level="mandatory")}
    assert policies == {_ADMIN, "azurenative-authorization-roleassignment-least-privilege"}


@pytest.mark.controls("ACC-3")
@pytest.mark.parametrize(
    ("expiration", "start", "fragment"),
    [
        (
            {"type": "AfterDuration", "duration": "P2Y"},
            None,
            "stays eligible for 730 days (scheduleInfo.expiration.duration is 'P2Y'), longer than allowed: set it to at most 365 days (config maxEligibilityDays)",
        ),
        (
            {"type": "AfterDuration", "duration": "180 days"},
            None,
            "has no valid ISO-8601 duration (scheduleInfo.expiration.duration is '180 days')",
        ),
        (
            {"type": "AfterDateTime", "endDateTime": "2030-01-01T00:00:00Z"},
            "2026-01-01T00:00:00Z",
            "stays eligible until 2030-01-01T00:00:00Z (1461 days), longer than allowed",
        ),
        ({"type": "AfterDateTime", "endDateTime": "someday"}, None, "has no valid end (scheduleInfo.expiration.endDateTime is 'someday')"),
        (
            {"type": "afterduration", "duration": "P1D"},
            None,
            "makes the role eligible forever (scheduleInfo.expiration.type is 'afterduration')",
        ),
    ],
)
def test_pim_eligibility_is_bounded(analyzer: PackAnalyzer, expiration: dict[str, str], start: str | None, fragment: str) -> None:
    assert _messages(analyzer, t.PIM_ELIGIBILITY, dict(BASELINES[t.PIM_ELIGIBILITY]), _PIM) == []
    props = changed(BASELINES[t.PIM_ELIGIBILITY], "scheduleInfo.expiration", expiration)
    if start is not None:
        props = changed(props, "scheduleInfo.startDateTime", start)
    messages = _messages(analyzer, t.PIM_ELIGIBILITY, props, _PIM)
    assert messages and messages[0].startswith(f"[ACC-3] PIM role eligibility schedule 'res' {fragment}"), messages


@pytest.mark.controls("ACC-3")
def test_pim_maximum_is_configurable(make_analyzer: Callable[[Mapping[str, Any]], PackAnalyzer]) -> None:
    props = changed(BASELINES[t.PIM_ELIGIBILITY], "scheduleInfo.expiration.duration", "P30D")
    strict = make_analyzer({_PIM: {"maxEligibilityDays": 14}})
    assert _messages(strict, t.PIM_ELIGIBILITY, props, _PIM)[0].startswith(
        "[ACC-3] PIM role eligibility schedule 'res' stays eligible for 30 days"
    )


@pytest.mark.controls("ACC-3")
@pytest.mark.parametrize("blank", [["", "  "], [" \t"], [None, 0]])
def test_blank_exclusions_are_no_break_glass(analyzer: PackAnalyzer, blank: list[object]) -> None:
    props = changed(BASELINES[t.CONDITIONAL_ACCESS_POLICY], "conditions.users.excludedUsers", blank)
    assert _messages(analyzer, t.CONDITIONAL_ACCESS_POLICY, props, _CA)[0].startswith(
        "[ACC-3] Conditional Access policy 'res' is enforced (state 'enabled') but excludes no user or group"
    )


# --- Non-canonical values, content filters, outbound allow-lists ---------------------------------


@pytest.mark.controls("ACC-1")
@pytest.mark.parametrize(("value", "shown"), [("true", '"true" (a string)'), (1, "1 (a number)"), (" True ", '" True " (a string)')])
def test_string_true_is_not_the_boolean(analyzer: PackAnalyzer, value: object, shown: str) -> None:
    props = changed(BASELINES[t.COGNITIVE_ACCOUNT], "properties.disableLocalAuth", value)
    assert _messages(analyzer, t.COGNITIVE_ACCOUNT, props, _LOCAL) == [
        f"[ACC-1] Cognitive Services account 'res' allows key (local) authentication (properties.disableLocalAuth is {shown}, "
        "expected the boolean true): set properties.disableLocalAuth = true; callers authenticate with Entra ID tokens and RBAC roles."
    ]


@pytest.mark.controls("ACC-7")
def test_near_miss_enum_is_not_disabled(analyzer: PackAnalyzer) -> None:
    props = changed(BASELINES[t.COGNITIVE_ACCOUNT], "properties.publicNetworkAccess", " Disabled")
    assert _messages(analyzer, t.COGNITIVE_ACCOUNT, props, _AI_NET) == [
        "[ACC-7] Cognitive Services account 'res' allows public network access (properties.publicNetworkAccess is "
        "\" Disabled\" (a string that is not exactly 'Disabled'); its network rules deny by default "
        "(properties.networkAcls.defaultAction is 'Deny'), so only the networks they list reach it): set properties.publicNetworkAccess = "
        "'Disabled' and reach it through its private endpoint."
    ]


@pytest.mark.controls("ACC-7")
def test_wildcard_outbound_fqdns(analyzer: PackAnalyzer) -> None:
    props = changed(
        BASELINES[t.COGNITIVE_ACCOUNT], "properties.allowedFqdnList", ["aizone-search.search.windows.net", "*.blob.core.windows.net"]
    )
    assert _messages(analyzer, t.COGNITIVE_ACCOUNT, props, _AI_NET) == [
        "[ACC-7] Cognitive Services account 'res' allows outbound traffic to wildcard or blank destinations "
        "(properties.allowedFqdnList has '*.blob.core.windows.net'): list the exact FQDNs the account needs (e.g. the search service's host name)."
    ]
    rules = {"pypi": {"type": "FQDN", "destination": "*", "category": "UserDefined"}}
    ml = changed(BASELINES[t.ML_WORKSPACE], "managedNetwork.outboundRules", rules)
    assert _messages(analyzer, t.ML_WORKSPACE, ml, _ML_NET) == [
        "[ACC-7] Machine Learning workspace 'res' has an outbound rule 'pypi' to the wildcard FQDN '*' "
        "(managedNetwork.outboundRules): allow only exact FQDNs the workspace needs."
    ]


@pytest.mark.controls("ACC-7")
def test_ml_public_behind_vnet(analyzer: PackAnalyzer) -> None:
    props = changed(BASELINES[t.ML_WORKSPACE], "allowPublicAccessWhenBehindVnet", True)
    assert _messages(analyzer, t.ML_WORKSPACE, props, _ML_NET) == [
        "[ACC-7] Machine Learning workspace 'res' is reachable from the internet although it is behind a VNet "
        "(allowPublicAccessWhenBehindVnet is true): set allowPublicAccessWhenBehindVnet = false (or leave it unset)."
    ]


@pytest.mark.controls("MOD-2a")
@pytest.mark.parametrize("mode", ["Deferred", "Asynchronous_filter", "blocking"])
def test_rai_mode_must_block_first(analyzer: PackAnalyzer, mode: str) -> None:
    props = changed(BASELINES[t.RAI_POLICY], "properties.mode", mode)
    messages = _messages(analyzer, t.RAI_POLICY, props, _RAI)
    assert messages and messages[0].startswith(
        "[MOD-2a] RAI (content filter) policy 'res' returns content before it is filtered or uses an unknown mode (properties.mode is"
    ), messages
    assert _messages(analyzer, t.RAI_POLICY, changed(BASELINES[t.RAI_POLICY], "properties.mode", "Default"), _RAI) == []


@pytest.mark.controls("MOD-2a")
def test_duplicate_filter_cannot_mask_a_gap(analyzer: PackAnalyzer) -> None:
    filters = list(BASELINES[t.RAI_POLICY]["properties"]["contentFilters"])
    shadow = {"name": "jail break", "source": "Prompt", "enabled": True, "blocking": False}
    props = changed(BASELINES[t.RAI_POLICY], "properties.contentFilters", [*filters, shadow])
    assert _messages(analyzer, t.RAI_POLICY, props, _RAI) == [
        "[MOD-2a] RAI (content filter) policy 'res' filter for Jailbreak on prompts does not block (it only annotates): "
        "set blocking = true or action = 'BLOCKING' (2 entries for this filter; every one must comply)."
    ]


# --- DATA-3: the Purview scanner ----------------------------------------------------------------


@pytest.mark.controls("DATA-3", "DATA-4")
def test_tagged_purview_scanner_may_read_every_boundary(analyzer: PackAnalyzer) -> None:
    from policy_cases import baseline_stack, item, replace_item

    stack = baseline_stack(preview=False)
    purview = item(stack, "purview")
    tagged = replace_item(stack, "purview", props=changed(purview.props, "tags", {"data-boundary": "customer"}))
    assert diagnostics_of(analyzer.analyze_stack(tagged), "azurenative-authorization-roleassignment-same-data-boundary") == []
    agent = item(stack, "agent")
    foreign = replace_item(stack, "agent", props=changed(agent.props, "tags.data-boundary", "customer"))
    caught = diagnostics_of(analyzer.analyze_stack(foreign), "azurenative-authorization-roleassignment-same-data-boundary", "mandatory")
    assert caught and "belongs to data boundary 'customer'" in caught[0].message


# --- ACC-6: principal types spelled almost right ----------------------------------------------------


@pytest.mark.controls("ACC-6")
@pytest.mark.parametrize(
    ("type_token", "policy", "allowed"),
    [
        (
            t.ROLE_ASSIGNMENT,
            "azurenative-authorization-roleassignment-explicit-principal-type",
            "User, Group, ServicePrincipal, ForeignGroup, Device, AgentUser, AgentServicePrincipal",
        ),
        (t.AZ_ROLE_ASSIGNMENT, "azure-authorization-assignment-explicit-principal-type", "User, Group, ServicePrincipal"),
    ],
    ids=["azure-native", "classic"],
)
@pytest.mark.parametrize(
    ("value", "shown", "fix"),
    [
        (
            "serviceprincipal",
            "\"serviceprincipal\" (a string that is not exactly 'ServicePrincipal')",
            "set principalType = 'ServicePrincipal' exactly",
        ),
        (" User", "\" User\" (a string that is not exactly 'User')", "set principalType = 'User' exactly"),
        ("Robot", "'Robot'", None),
    ],
    ids=["lower-case", "leading-blank", "not-a-kind"],
)
def test_non_canonical_principal_type_fails_safe(
    analyzer: PackAnalyzer, type_token: str, policy: str, allowed: str, value: str, shown: str, fix: str | None
) -> None:
    from classic_cases import CLASSIC_BASELINES

    baselines = {**BASELINES, **CLASSIC_BASELINES}
    baseline = {**baselines[type_token], "principalType": "Group"}
    assert _messages(analyzer, type_token, baseline, policy) == []
    wanted = fix or "set principalType to one of " + ", ".join(repr(kind) for kind in allowed.split(", "))
    assert _messages(analyzer, type_token, {**baseline, "principalType": value}, policy) == [
        f"[ACC-6] Role assignment 'res' sets a principalType that is not one of {allowed} (principalType is {shown}): "
        f"{wanted}, so the pack and Azure agree on whether the principal is a workload or a person."
    ]
