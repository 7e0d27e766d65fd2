"""Precision: findings that Microsoft's own guidance would call false, each with the change that
made them false positives before and the attacker's variant that must still be caught."""

from __future__ import annotations

import pytest
from classic_cases import CLASSIC_BASELINES
from policy_cases import BASELINES, DELETE, baseline_stack, changed, diagnostics_of, item, replace_item, role_definition

from pulumi_aizone_policy import reference, tokens as t
from pulumi_aizone_policy.harness import PackAnalyzer, StackItem
from pulumi_aizone_policy.policies import rbac

FOUNDRY_USER = reference.ROLE_IDS["Foundry User"]
OWNER = reference.ROLE_IDS["Owner"]
_ADMIN = "azurenative-authorization-roleassignment-no-permanent-admin"
_WORKLOAD = "azurenative-authorization-roleassignment-workload-least-privilege"
_LEAST = "azurenative-authorization-roleassignment-least-privilege"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Foundry User", "Foundry User"),
        (" azure ai user ", "Foundry User"),
        ("Azure AI Account Owner", "Foundry Account Owner"),
        ("Azure AI Usr", None),
    ],
)
def test_renamed_foundry_roles_resolve_by_their_current_and_former_names(name: str, expected: str | None) -> None:
    assert rbac.builtin_role(name) == expected


def test_an_allow_list_naming_the_former_role_name_allows_the_role() -> None:
    assert rbac.allowed_role(role_definition(FOUNDRY_USER), ["Azure AI User"])
    assert not rbac.allowed_role(role_definition(OWNER), ["Azure AI User"])


@pytest.mark.controls("ACC-5")
def test_workload_identity_may_hold_foundry_user_but_not_owner(analyzer: PackAnalyzer) -> None:
    stack = baseline_stack(preview=False)
    entry = item(stack, "agent-openai-user")
    granted = replace_item(stack, "agent-openai-user", props=changed(entry.props, "roleDefinitionId", role_definition(FOUNDRY_USER)))
    assert diagnostics_of(analyzer.analyze_stack(granted), _WORKLOAD) == []
    assert diagnostics_of(analyzer.analyze(t.ROLE_ASSIGNMENT, item(granted, "agent-openai-user").props), _LEAST) == []
    owner = changed(entry.props, "roleDefinitionId", role_definition(OWNER))
    assert [finding.level for finding in diagnostics_of(analyzer.analyze(t.ROLE_ASSIGNMENT, owner), _LEAST)] == ["mandatory"]


@pytest.mark.controls("ACC-3")
def test_a_workload_identity_is_never_told_to_use_pim(analyzer: PackAnalyzer) -> None:
    props = {
        **BASELINES[t.ROLE_ASSIGNMENT],
        "principalType": "ServicePrincipal",
        "roleDefinitionId": role_definition(reference.ROLE_IDS["Contributor"]),
        "scope": "/subscriptions/sub/resourceGroups/rg",
    }
    (finding,) = diagnostics_of(analyzer.analyze(t.ROLE_ASSIGNMENT, props), _ADMIN, "mandatory")
    assert finding.message.splitlines()[-1] == (
        "[ACC-3] Role assignment 'res' permanently grants the privileged role 'Contributor' at resource group scope "
        "('/subscriptions/sub/resourcegroups/rg') to a principal of type ServicePrincipal: roles that manage access or can list "
        "keys are never assigned permanently at resource-group or wider scope; a workload identity cannot activate a PIM-eligible "
        "role, so grant it a narrower role on the single resource it needs."
    )
    # A person still gets the PIM remedy.
    person = diagnostics_of(analyzer.analyze(t.ROLE_ASSIGNMENT, {**props, "principalType": "User"}), _ADMIN, "mandatory")
    assert "make it PIM-eligible" in person[0].message


_SHARED_KEY = "azurenative-storage-storageaccount-disable-shared-key"
_CLASSIC_SHARED_KEY = "azure-storage-account-disable-shared-key"


@pytest.mark.controls("ACC-1")
@pytest.mark.parametrize(
    ("type_token", "path"),
    [(t.STORAGE_ACCOUNT, "defaultToOAuthAuthentication"), (t.AZ_STORAGE_ACCOUNT, "defaultToOauthAuthentication")],
    ids=["azure-native", "classic"],
)
@pytest.mark.parametrize("value", [False, DELETE], ids=["false", "unset"])
def test_default_to_oauth_is_not_a_security_control(analyzer: PackAnalyzer, type_token: str, path: str, value: object) -> None:
    """Which authorization the portal tries first grants and refuses nothing: a storage account
    without it gets no finding from any policy."""
    base = BASELINES[t.STORAGE_ACCOUNT] if type_token == t.STORAGE_ACCOUNT else CLASSIC_BASELINES[t.AZ_STORAGE_ACCOUNT]
    assert analyzer.analyze(type_token, changed(base, path, value)) == []


@pytest.mark.controls("ACC-1")
@pytest.mark.parametrize(
    ("type_token", "path", "policy", "expected"),
    [
        (
            t.STORAGE_ACCOUNT,
            "allowSharedKeyAccess",
            _SHARED_KEY,
            "[ACC-1] Storage account 'res' allows shared-key (account key and SAS) authorization (allowSharedKeyAccess is true): "
            "set allowSharedKeyAccess = false; callers authenticate with Entra ID tokens and RBAC roles.",
        ),
        (
            t.AZ_STORAGE_ACCOUNT,
            "sharedAccessKeyEnabled",
            _CLASSIC_SHARED_KEY,
            "[ACC-1] Storage account 'res' allows shared-key (account key and SAS) authorization (sharedAccessKeyEnabled is true): "
            "set sharedAccessKeyEnabled = false; callers authenticate with Entra ID tokens and RBAC roles.",
        ),
    ],
    ids=["azure-native", "classic"],
)
def test_defaulting_the_portal_to_oauth_does_not_excuse_shared_keys(
    analyzer: PackAnalyzer, type_token: str, path: str, policy: str, expected: str
) -> None:
    """The attacker's variant: the portal defaults to Entra ID while shared keys stay on; the
    shared-key finding stands."""
    base = BASELINES[t.STORAGE_ACCOUNT] if type_token == t.STORAGE_ACCOUNT else CLASSIC_BASELINES[t.AZ_STORAGE_ACCOUNT]
    (finding,) = diagnostics_of(analyzer.analyze(type_token, changed(base, path, True)), policy, "mandatory")
    assert finding.message.splitlines()[-1] == expected


_BACKEND_KEYS = "azurenative-apimanagement-backend-no-api-key"
_API_AUTH = "azurenative-apimanagement-api-entra-managed-identity-auth"
_MI = {"resource": "https://cognitiveservices.azure.com", "clientId": "55555555-5555-5555-5555-555555555555"}
_MI_POLICY = '<authentication-managed-identity resource="https://cognitiveservices.azure.com" />'


@pytest.mark.controls("MOD-4")
def test_a_backend_managed_identity_credential_is_not_a_property_of_any_api_version(analyzer: PackAnalyzer) -> None:
    """No API Management REST API version defines credentials.managedIdentity (gateway.py,
    BACKEND_CREDENTIALS): a backend that sets it gets an advisory note saying it counts for nothing."""
    props = changed(BASELINES[t.APIM_BACKEND], "credentials.managedIdentity", _MI)
    (note,) = diagnostics_of(analyzer.analyze(t.APIM_BACKEND, props), _BACKEND_KEYS)
    assert note.level == "advisory"
    assert note.message.splitlines()[-1] == (
        "[MOD-4] API Management backend 'res' sets credentials.managedIdentity, which no API Management REST API version "
        "defines (backend credentials are authorization, certificate, certificateIds, header, query): it does not make the "
        "gateway authenticate with its managed identity and does not count for that; put "
        f"{_MI_POLICY} in the API's inbound policy."
    )
    # The defined credentials keep their checks: an api-key next to it is still a key.
    keyed = changed(props, "credentials.header", {"api-key": ["{{openai-key}}"]})
    assert [d.level for d in diagnostics_of(analyzer.analyze(t.APIM_BACKEND, keyed), _BACKEND_KEYS)] == ["advisory", "mandatory"]


@pytest.mark.controls("MOD-4")
@pytest.mark.parametrize("preview", [True, False], ids=["preview", "deployed"])
@pytest.mark.parametrize(
    "credentials",
    [
        {"managedIdentity": _MI},
        {"managedIdentity": {"resource": "https://management.azure.com"}},
        {"managedIdentity": _MI, "header": {"api-key": ["{{openai-key}}"]}},
    ],
    ids=["ai-audience", "other-audience", "with-api-key"],
)
def test_a_backend_managed_identity_credential_does_not_stand_in_for_the_policy(
    analyzer: PackAnalyzer, preview: bool, credentials: dict[str, object]
) -> None:
    """The attacker's variant: the API policy drops <authentication-managed-identity> and routes to a
    backend (set-backend-service backend-id) whose credentials claim a managed identity for the AI
    audience; the API still does not authenticate with the gateway's identity."""
    stack = baseline_stack(preview=preview)
    policy = item(stack, "inference-policy")
    value = str(policy.props["value"]).replace(_MI_POLICY, "")
    assert _MI_POLICY not in value and 'set-backend-service backend-id="models"' in value
    stack = replace_item(stack, "inference-policy", props={**policy.props, "value": value})
    backend = changed(BASELINES[t.APIM_BACKEND], "credentials", credentials)
    stack.append(StackItem(type=t.APIM_BACKEND, name="models", props=backend))
    (finding,) = diagnostics_of(analyzer.analyze_stack(stack), _API_AUTH)
    assert finding.level == "mandatory"
    assert "does not authenticate to its backend with the gateway's managed identity" in finding.message
    # With the policy back, the same stack passes.
    restored = replace_item(stack, "inference-policy", props=policy.props)
    assert diagnostics_of(analyzer.analyze_stack(restored), _API_AUTH) == []
