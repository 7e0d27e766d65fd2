"""Classic-provider (pulumi-azure 6.x) management locks (DATA-5) and role assignments in the RBAC
stack controls (DATA-2/3, ACC-2, ACC-5, ACC-6, EXEC-2, MOD-4), on the compliant classic stack of
test_policy_classic_stack.py in both shapes (preview: ids unknown, links by property dependency;
deployed: ids and principal ids known) and on mixed stacks (classic locks and assignments over
azure-native resources and the other way round). Each case changes one thing and must be reported
by exactly the listed policies on exactly the listed resources; the attacker's variants (a lock at
a sibling scope, a near-miss lock level, a role by name in odd case or with stray blanks, a scope
with a trailing slash or another case) are judged as what ARM would make of them.

Wire names are the installed SDK's: `azure.management.Lock` (`scope`, `lockLevel`: "Possible
values are `CanNotDelete` and `ReadOnly`"), `azure.authorization.Assignment` (`scope`,
`roleDefinitionId` / `roleDefinitionName`, `principalId`, `principalType`),
`azure.authorization.UserAssignedIdentity` (`principalId` output); test_policy_sdk.py resolves
every field the policies declare."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pytest
from policy_cases import (
    APIM_PRINCIPAL_ID,
    PRINCIPAL_ID,
    arm_id as native_id,
    baseline_stack,
    changed,
    controls_mark,
    diagnostics_of,
    item,
    replace_item,
    role_definition,
    without,
)
from test_policy_classic_stack import AGENT_PRINCIPAL, RG_ID, arm_id, classic_stack

from pulumi_aizone_policy import tokens as t
from pulumi_aizone_policy.harness import UNKNOWN_VALUE, Diagnostic, PackAnalyzer, StackItem, urn_for

Stack = list[StackItem]

DELETION = "azurenative-resources-dataresource-deletion-protection"
BOUNDARY = "azurenative-authorization-roleassignment-same-data-boundary"
ISOLATION = "azurenative-storage-storageaccount-dataset-isolation"
WORKLOAD = "azurenative-authorization-roleassignment-workload-least-privilege"
PRINCIPAL_KIND = "azurenative-authorization-roleassignment-principal-type-matches"
INVENTORY = "azurenative-authorization-roleassignment-inventoried-ai-caller"
GATEWAY = "azurenative-apimanagement-service-gateway-least-privilege"
EXECUTOR = "azurenative-authorization-roleassignment-session-executor-scope"


def _set(stack: Stack, name: str, path: str, value: object, *, unlink: bool = False) -> Stack:
    """`path` of `name` set to `value`; with `unlink`, the top-level property no longer depends on
    any resource (a literal value written in the program)."""
    target = item(stack, name)
    links = {prop: list(urns) for prop, urns in target.property_dependencies.items() if not (unlink and prop == path.split(".")[0])}
    return replace_item(
        stack,
        name,
        props=changed(target.props, path, value),
        property_dependencies=links,
        dependencies=[urn for urns in links.values() for urn in urns],
    )


def _lock_level(value: str) -> Callable[[Stack, bool], Stack]:
    return lambda stack, _preview: _set(stack, "data-lock", "lockLevel", value)


def _lock_scope(value: str) -> Callable[[Stack, bool], Stack]:
    return lambda stack, _preview: _set(stack, "data-lock", "scope", value, unlink=True)


def _agent_tag(key: str, value: str) -> Callable[[Stack, bool], Stack]:
    def change(stack: Stack, _preview: bool) -> Stack:
        return _set(stack, "agent", "tags", {**item(stack, "agent").props["tags"], key: value})

    return change


def _role_name(name: str, value: str) -> Callable[[Stack, bool], Stack]:
    """The assignment names its role by roleDefinitionName = `value` (roleDefinitionId dropped)."""

    def change(stack: Stack, _preview: bool) -> Stack:
        props = {key: entry for key, entry in item(stack, name).props.items() if key != "roleDefinitionId"}
        return replace_item(stack, name, props={**props, "roleDefinitionName": value})

    return change


def _deployed_scope(name: str, value: str) -> Callable[[Stack, bool], Stack]:
    return lambda stack, _preview: _set(stack, name, "scope", value, unlink=True)


_LOCKS = ("data-lock", "kv-lock", "search-lock")


def _group_lock(scope: str | None, level: str = "CanNotDelete") -> Callable[[Stack, bool], Stack]:
    """The three resource locks replaced by one classic lock on the resource group: its scope
    wired from the group (`scope` None: the group's id output) or the literal `scope`."""

    def change(stack: Stack, preview: bool) -> Stack:
        props: dict[str, Any] = {"name": "rg-lock", "lockLevel": level, "scope": scope}
        links: dict[str, list[str]] = {}
        if scope is None:
            props["scope"] = UNKNOWN_VALUE if preview else RG_ID
            links = {"scope": [urn_for(t.AZ_RESOURCE_GROUP, "rg")]}
        lock = StackItem(
            type=t.AZ_LOCK, name="rg-lock", props=props, property_dependencies=links, dependencies=[u for us in links.values() for u in us]
        )
        return [*without(stack, *_LOCKS), lock]

    return change


def _unprotected(name: str) -> Callable[[Stack, bool], Stack]:
    return lambda stack, _preview: replace_item(stack, name, protect=False)


def _scope_from_group(stack: Stack, preview: bool) -> Stack:
    """agent-openai scoped to the resource group: wired from the classic resource group in
    preview, the group's id in deployed shape."""
    if not preview:
        return _set(stack, "agent-openai", "scope", RG_ID, unlink=True)
    target = item(stack, "agent-openai")
    links = {**{prop: list(urns) for prop, urns in target.property_dependencies.items()}, "scope": [urn_for(t.AZ_RESOURCE_GROUP, "rg")]}
    return replace_item(stack, "agent-openai", property_dependencies=links, dependencies=[urn for urns in links.values() for urn in urns])


def _by_id(stack: Stack) -> Stack:
    """agent-blob names Storage Blob Data Reader by its scoped id instead of its name."""
    props = {key: value for key, value in item(stack, "agent-blob").props.items() if key != "roleDefinitionName"}
    reader = "/subscriptions/sub/providers/Microsoft.Authorization/roleDefinitions/2a2b9908-6ea1-4ae2-8e65-a410df84e7d1"
    return replace_item(stack, "agent-blob", props={**props, "roleDefinitionId": reader})


@dataclass(frozen=True)
class Case:
    """One change of the compliant classic stack and everything it must (and must only) cause:
    `expected` maps each policy to the logical names of the resources it reports on; `fragment`
    is part of the first policy's message on its first resource."""

    id: str
    change: Callable[[Stack, bool], Stack]
    expected: Mapping[str, Sequence[str]]
    fragment: str
    level: str = "mandatory"
    shapes: Sequence[bool] = (True, False)
    start: Callable[[bool], Stack] = field(default=classic_stack)


_NOT_GUARDED = "is not guarded against deletion"
_CLASSIC_LOCK_FIX = "or add an azure:management/lock:Lock with scope = its id and lockLevel = 'CanNotDelete'."

CASES: tuple[Case, ...] = (
    # --- DATA-5: classic locks ------------------------------------------------------------------
    Case(
        "storage-without-lock",
        lambda s, _p: without(s, "data-lock"),
        {DELETION: ["data"]},
        f"[DATA-5] Storage account 'data' {_NOT_GUARDED}: assign a denyAction(delete) authorization:PolicyDefinition "
        f"for its type on its resource group (it keeps role assignments and endpoints deletable), {_CLASSIC_LOCK_FIX}",
    ),
    Case("vault-without-deprecated-alias-lock", lambda s, _p: without(s, "kv-lock"), {DELETION: ["kv"]}, f"Key Vault 'kv' {_NOT_GUARDED}"),
    Case(
        "search-without-lock", lambda s, _p: without(s, "search-lock"), {DELETION: ["search"]}, f"AI Search service 'search' {_NOT_GUARDED}"
    ),
    Case(
        "lock-level-leading-blank",
        _lock_level(" CanNotDelete"),
        {DELETION: ["data-lock", "data"]},
        "[DATA-5] Management lock 'data-lock' sets lockLevel \" CanNotDelete\" (a string that is not exactly 'CanNotDelete'), "
        "which is not exactly CanNotDelete or ReadOnly, so it is not counted as blocking deletion: set lockLevel = 'CanNotDelete' exactly.",
    ),
    Case(
        "lock-level-lower-case",
        _lock_level("cannotdelete"),
        {DELETION: ["data-lock", "data"]},
        "sets lockLevel \"cannotdelete\" (a string that is not exactly 'CanNotDelete')",
    ),
    Case("lock-level-readonly-odd-case", _lock_level("READONLY"), {DELETION: ["data-lock", "data"]}, "set lockLevel = 'ReadOnly' exactly"),
    Case("lock-level-not-blocking", _lock_level("NotSpecified"), {DELETION: ["data"]}, f"Storage account 'data' {_NOT_GUARDED}"),
    Case(
        "lock-on-sibling-group",
        _group_lock("/subscriptions/sub/resourceGroups/rg-other"),
        {DELETION: ["data", "kv", "search"]},
        f"Storage account 'data' {_NOT_GUARDED}",
    ),
    Case(
        "group-lock-near-miss",
        _group_lock(None, "Readonly"),
        {DELETION: ["data", "kv", "rg-lock", "search"]},
        f"Storage account 'data' {_NOT_GUARDED}",
    ),
    Case(
        "lock-on-sibling-account",
        _lock_scope(arm_id(t.AZ_STORAGE_ACCOUNT, "data2")),
        {DELETION: ["data"]},
        f"Storage account 'data' {_NOT_GUARDED}",
    ),
    Case(
        "lock-on-account-name-prefix",
        _lock_scope(arm_id(t.AZ_STORAGE_ACCOUNT, "dat")),
        {DELETION: ["data"]},
        f"Storage account 'data' {_NOT_GUARDED}",
        shapes=(False,),
    ),
    Case(
        "lock-on-sibling-subscription",
        _lock_scope("/subscriptions/other"),
        {DELETION: ["data"]},
        f"Storage account 'data' {_NOT_GUARDED}",
        shapes=(False,),
    ),
    Case(
        "vault-not-protected", _unprotected("kv"), {DELETION: ["kv"]}, "[DATA-5] Key Vault 'kv' is not created with Pulumi's protect option"
    ),
    # --- DATA-2 / DATA-3: classic data roles ----------------------------------------------------
    Case(
        "agent-in-another-boundary",
        _agent_tag("data-boundary", "customer"),
        {BOUNDARY: ["agent-blob"]},
        "[DATA-3] Role assignment 'agent-blob' grants 'Storage Blob Data Reader' across data boundaries: user-assigned identity "
        "'agent' belongs to data boundary 'customer' but storage account 'data' holds 'internal' data",
    ),
    Case(
        "odd-case-writer-role-in-another-boundary",
        lambda s, p: _role_name("agent-blob", "storage blob data CONTRIBUTOR")(_agent_tag("data-boundary", "public")(s, p), p),
        {BOUNDARY: ["agent-blob"]},
        "grants 'Storage Blob Data Contributor' across data boundaries",
    ),
    Case(
        "unresolved-role-name-in-another-boundary",
        lambda s, p: _role_name("agent-blob", "Storage Blob Data Writer")(_agent_tag("data-boundary", "public")(s, p), p),
        {BOUNDARY: ["agent-blob"], WORKLOAD: ["agent-blob"], EXECUTOR: ["agent-blob"]},
        "grants 'Storage Blob Data Writer' (roleDefinitionName names no built-in role the pack knows) across data boundaries",
    ),
    Case(
        "agent-of-another-application",
        _agent_tag("aizone-application", "billing"),
        {ISOLATION: ["data"]},
        "[DATA-2] Storage account 'data' (boundary 'internal') is shared between applications: 'billing' ",
    ),
    # --- ACC-5: workload roles of classic assignments -------------------------------------------
    Case(
        "agent-granted-owner-by-name",
        _role_name("agent-openai", "owner"),
        {WORKLOAD: ["agent-openai"]},
        "[ACC-5] Role assignment 'agent-openai' grants 'Owner' to the managed identity of user-assigned identity 'agent': "
        "workload identities never get Owner",
    ),
    Case(
        "agent-granted-owner-with-blanks",
        _role_name("agent-openai", " Owner "),
        {WORKLOAD: ["agent-openai"]},
        "grants 'Owner' to the managed identity",
    ),
    Case(
        "agent-role-not-allow-listed",
        _role_name("agent-openai", "Cognitive Services Contributor"),
        {WORKLOAD: ["agent-openai"]},
        "grants 'Cognitive Services Contributor' to the managed identity of user-assigned identity 'agent', which is not on the workload role allow-list",
    ),
    Case(
        "agent-unresolved-role-name",
        _role_name("agent-openai", "Cognitive Services OpenAI Users"),
        {WORKLOAD: ["agent-openai"], EXECUTOR: ["agent-openai"]},
        "grants 'Cognitive Services OpenAI Users' (roleDefinitionName names no built-in role the pack knows) to the managed identity",
    ),
    Case(
        "agent-scoped-to-group",
        _scope_from_group,
        {WORKLOAD: ["agent-openai"]},
        "Role assignment 'agent-openai' grants the managed identity of user-assigned identity 'agent' a role",
    ),
    Case(
        "agent-scoped-to-group-trailing-slash",
        _deployed_scope("agent-openai", "/Subscriptions/sub/resourceGroups/RG/"),
        {WORKLOAD: ["agent-openai"]},
        "a role at resource group scope ('/Subscriptions/sub/resourceGroups/RG/')",
        shapes=(False,),
    ),
    # --- ACC-6: principal kind of classic assignments ------------------------------------------
    Case(
        "agent-declared-as-user",
        lambda s, _p: _set(s, "agent-openai", "principalType", "User"),
        {PRINCIPAL_KIND: ["agent-openai"]},
        "[ACC-6] Role assignment 'agent-openai' grants a role to the managed identity of user-assigned identity 'agent' but "
        "principalType is 'User': set principalType = 'ServicePrincipal'.",
    ),
    # --- ACC-2: inventory (advisory) -------------------------------------------------------------
    Case(
        "agent-not-inventoried",
        lambda s, _p: _set(s, "agent", "tags", {"data-boundary": "internal", "aizone-application": "chat"}),
        {INVENTORY: ["agent-openai"]},
        "[ACC-2] Role assignment 'agent-openai' grants 'Cognitive Services OpenAI User' to the managed identity of user-assigned "
        "identity 'agent', which is not in the agent inventory",
        level="advisory",
    ),
    # --- MOD-4: the classic gateway's role on the classic AI account ----------------------------
    Case(
        "gateway-contributor-by-name",
        _role_name("apim-openai", "Cognitive Services Contributor"),
        {GATEWAY: ["apim-openai"], WORKLOAD: ["apim-openai"]},
        "[MOD-4] Role assignment 'apim-openai' grants 'Cognitive Services Contributor' on Cognitive Services account 'ai' to the "
        "managed identity of API Management service 'apim': the gateway may hold only Cognitive Services OpenAI User or "
        "Cognitive Services User on the AI account",
    ),
    Case(
        "gateway-owner-odd-case",
        _role_name("apim-openai", "OWNER"),
        {GATEWAY: ["apim-openai"], WORKLOAD: ["apim-openai"]},
        "grants 'Owner' on",
    ),
    Case(
        "gateway-owner-by-id",
        lambda s, _p: _set(s, "apim-openai", "roleDefinitionId", role_definition("8E3AF657-A8FF-443C-A75C-2FE8C4BCB635")),
        {GATEWAY: ["apim-openai"], WORKLOAD: ["apim-openai"]},
        "grants 'Owner' on Cognitive Services account 'ai'",
    ),
    # An unresolved name may be any role (fail safe): also the session executor role outside a pool.
    Case(
        "gateway-unresolved-role",
        _role_name("apim-openai", "Cognitive Services OpenAI User (preview)"),
        {GATEWAY: ["apim-openai"], WORKLOAD: ["apim-openai"], EXECUTOR: ["apim-openai"]},
        "grants 'Cognitive Services OpenAI User (preview)' (roleDefinitionName names no built-in role the pack knows) on",
    ),
)


def _params(cases: Any) -> list[Any]:
    """One test per case and shape (preview: unknown ids; deployed: known ids)."""
    return [
        pytest.param(case, preview, id=f"{case.id}-{'preview' if preview else 'deployed'}", marks=controls_mark(*case.expected))
        for case in cases
        for preview in case.shapes
    ]


def _found(diagnostics: Sequence[Diagnostic]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for entry in diagnostics:
        found.setdefault(entry.policy, []).append((entry.urn or "").rsplit("::", 1)[-1])
    return {policy: sorted(names) for policy, names in found.items()}


@pytest.mark.parametrize(("case", "preview"), _params(CASES))
def test_classic_lock_and_assignment_violation_is_caught(analyzer: PackAnalyzer, case: Case, preview: bool) -> None:
    stack = case.change(case.start(preview), preview)
    diagnostics = analyzer.analyze_stack(stack)
    assert _found(diagnostics) == {policy: sorted(names) for policy, names in case.expected.items()}, diagnostics
    first_policy, targets = next(iter(case.expected.items()))
    first = [entry for entry in diagnostics_of(diagnostics, first_policy) if (entry.urn or "").endswith(f"::{targets[0]}")]
    assert first and all(entry.level == case.level for entry in diagnostics_of(diagnostics, first_policy)), diagnostics
    assert case.fragment in first[0].message, first[0].message


# --- Compliant variants: what must still pass ---------------------------------------------------

COMPLIANT: tuple[tuple[str, Callable[[Stack, bool], Stack], Sequence[bool]], ...] = (
    ("lock-level-readonly", _lock_level("ReadOnly"), (True, False)),
    ("lock-scope-upper-case-trailing-slash", _lock_scope(arm_id(t.AZ_STORAGE_ACCOUNT, "data").upper() + "/"), (False,)),
    ("lock-on-the-group-wired", _group_lock(None), (True, False)),
    ("lock-on-the-group-by-literal-id", _group_lock(RG_ID), (True, False)),
    ("lock-on-the-group-other-case-trailing-slash", _group_lock("/SUBSCRIPTIONS/sub/resourcegroups/Rg/"), (True, False)),
    ("one-subscription-lock-for-everything", _group_lock("/subscriptions/sub"), (True, False)),
    ("role-name-odd-case", _role_name("agent-openai", "cognitive services openai USER"), (True, False)),
    ("role-by-id-instead-of-name", lambda s, _p: _by_id(s), (True, False)),
    ("scope-upper-case-trailing-slash", _deployed_scope("apim-openai", arm_id(t.AZ_COGNITIVE_ACCOUNT, "ai").upper() + "/"), (False,)),
    ("principal-by-literal-id", lambda s, p: _set(s, "agent-openai", "principalId", AGENT_PRINCIPAL, unlink=True), (False,)),
)


@pytest.mark.parametrize(
    ("change", "preview"),
    [
        pytest.param(change, preview, id=f"{name}-{'preview' if preview else 'deployed'}")
        for name, change, shapes in COMPLIANT
        for preview in shapes
    ],
)
@pytest.mark.controls("DATA-5", "DATA-3", "ACC-5", "MOD-4")
def test_compliant_classic_variant_passes(analyzer: PackAnalyzer, change: Callable[[Stack, bool], Stack], preview: bool) -> None:
    assert analyzer.analyze_stack(change(classic_stack(preview), preview)) == []


# --- Mixed stacks: classic locks and assignments over azure-native resources, and back ----------


def _wired(preview: bool, prop: str, urn: str, value: str, links: dict[str, list[str]]) -> str:
    """`value` in deployed shape; in preview an unknown value depending on `urn` via `prop`."""
    if not preview:
        return value
    links[prop] = [urn]
    return UNKNOWN_VALUE


def _assignment(
    preview: bool,
    type_token: str,
    name: str,
    principal: tuple[str, str],
    scope: tuple[str, str],
    role: Mapping[str, str],
    principal_type: str,
) -> StackItem:
    """A role assignment of either provider wired from (principal URN, id) to (scope URN, id)."""
    links: dict[str, list[str]] = {}
    props = {
        "principalId": _wired(preview, "principalId", principal[0], principal[1], links),
        "scope": _wired(preview, "scope", scope[0], scope[1], links),
        "principalType": principal_type,
        **role,
    }
    return StackItem(
        type=type_token, name=name, props=props, property_dependencies=links, dependencies=[u for us in links.values() for u in us]
    )


def _native(preview: bool) -> Stack:
    return baseline_stack(preview)


def _native_ref(type_token: str, name: str) -> tuple[str, str]:
    return urn_for(type_token, name), native_id(type_token, name)


_NATIVE_AGENT = (urn_for(t.USER_ASSIGNED_IDENTITY, "agent"), PRINCIPAL_ID)
_NATIVE_APIM = (urn_for(t.APIM_SERVICE, "apim"), APIM_PRINCIPAL_ID)
_CLASSIC_AGENT = (urn_for(t.AZ_USER_ASSIGNED_IDENTITY, "agent"), AGENT_PRINCIPAL)


def _classic_lock_on_native_storage(level: str) -> Callable[[Stack, bool], Stack]:
    """The native storage account's ManagementLockByScope replaced by a classic Lock on it."""

    def change(stack: Stack, preview: bool) -> Stack:
        links: dict[str, list[str]] = {}
        urn, arm = _native_ref(t.STORAGE_ACCOUNT, "data")
        props = {"name": "data-lock", "lockLevel": level, "scope": _wired(preview, "scope", urn, arm, links)}
        lock = StackItem(
            type=t.AZ_LOCK,
            name="data-lock",
            props=props,
            property_dependencies=links,
            dependencies=[u for us in links.values() for u in us],
        )
        return [*without(stack, "data-lock"), lock]

    return change


def _native_lock_on_classic_vault(stack: Stack, preview: bool) -> Stack:
    """The classic vault's Lock replaced by an azure-native ManagementLockByScope on it."""
    links: dict[str, list[str]] = {}
    props = {
        "level": "CanNotDelete",
        "lockName": "do-not-delete",
        "scope": _wired(preview, "scope", urn_for(t.AZ_KEY_VAULT, "kv"), arm_id(t.AZ_KEY_VAULT, "kv"), links),
    }
    lock = StackItem(
        type=t.LOCK_BY_SCOPE,
        name="kv-native-lock",
        props=props,
        property_dependencies=links,
        dependencies=[u for us in links.values() for u in us],
    )
    return [*without(stack, "kv-lock"), lock]


def _add(*make: Callable[[bool], StackItem]) -> Callable[[Stack, bool], Stack]:
    return lambda stack, preview: [*stack, *(build(preview) for build in make)]


def _classic_on_native(
    name: str, principal: tuple[str, str], scope: tuple[str, str], role: Mapping[str, str]
) -> Callable[[bool], StackItem]:
    return lambda preview: _assignment(preview, t.AZ_ROLE_ASSIGNMENT, name, principal, scope, role, "ServicePrincipal")


_STORAGE_READER = {"roleDefinitionId": role_definition("2a2b9908-6ea1-4ae2-8e65-a410df84e7d1")}

MIXED: tuple[Case, ...] = (
    Case(
        "classic-near-miss-lock-on-native-storage",
        _classic_lock_on_native_storage("Cannotdelete"),
        {DELETION: ["data", "data-lock"]},
        "[DATA-5] Storage account 'data' is not guarded against deletion",
        start=_native,
    ),
    Case(
        "classic-owner-by-name-on-native-account",
        _add(_classic_on_native("classic-owner", _NATIVE_AGENT, _native_ref(t.COGNITIVE_ACCOUNT, "ai"), {"roleDefinitionName": "owner"})),
        {WORKLOAD: ["classic-owner"]},
        "[ACC-5] Role assignment 'classic-owner' grants 'Owner' to the managed identity of user-assigned identity 'agent'",
        start=_native,
    ),
    Case(
        "classic-contributor-for-native-gateway",
        _add(
            _classic_on_native(
                "classic-gateway",
                _NATIVE_APIM,
                _native_ref(t.COGNITIVE_ACCOUNT, "ai"),
                {"roleDefinitionName": "Cognitive Services Contributor"},
            )
        ),
        {GATEWAY: ["classic-gateway"], WORKLOAD: ["classic-gateway"]},
        "[MOD-4] Role assignment 'classic-gateway' grants 'Cognitive Services Contributor' on Cognitive Services account 'ai' to the "
        "managed identity of API Management service 'apim'",
        start=_native,
    ),
    Case(
        "classic-executor-on-resource-group",
        _add(
            _classic_on_native(
                "classic-executor",
                _NATIVE_AGENT,
                (urn_for(t.RESOURCE_GROUP, "rg"), RG_ID),
                {"roleDefinitionName": "azure containerapps session executor"},
            )
        ),
        {EXECUTOR: ["classic-executor"], WORKLOAD: ["classic-executor"]},
        "[EXEC-2] Role assignment 'classic-executor' grants 'Azure ContainerApps Session Executor' at scope",
        shapes=(False,),
        start=_native,
    ),
    Case(
        "native-reader-of-classic-storage-in-another-boundary",
        lambda s, p: _add(
            lambda preview: _assignment(
                preview,
                t.ROLE_ASSIGNMENT,
                "native-blob",
                _CLASSIC_AGENT,
                (urn_for(t.AZ_STORAGE_ACCOUNT, "data"), arm_id(t.AZ_STORAGE_ACCOUNT, "data")),
                _STORAGE_READER,
                "ServicePrincipal",
            )
        )(_agent_tag("data-boundary", "public")(s, p), p),
        {BOUNDARY: ["agent-blob", "native-blob"]},
        "[DATA-3] Role assignment 'agent-blob' grants 'Storage Blob Data Reader' across data boundaries",
    ),
    Case(
        "native-owner-for-classic-identity-declared-as-user",
        _add(
            lambda preview: _assignment(
                preview,
                t.ROLE_ASSIGNMENT,
                "native-owner",
                _CLASSIC_AGENT,
                (urn_for(t.AZ_STORAGE_ACCOUNT, "data"), arm_id(t.AZ_STORAGE_ACCOUNT, "data")),
                {"roleDefinitionId": role_definition("8e3af657-a8ff-443c-a75c-2fe8c4bcb635")},
                "User",
            )
        ),
        {WORKLOAD: ["native-owner"], PRINCIPAL_KIND: ["native-owner"]},
        "[ACC-5] Role assignment 'native-owner' grants 'Owner' to the managed identity of user-assigned identity 'agent'",
    ),
)


@pytest.mark.parametrize(("case", "preview"), _params(MIXED))
def test_mixed_provider_violation_is_caught(analyzer: PackAnalyzer, case: Case, preview: bool) -> None:
    test_classic_lock_and_assignment_violation_is_caught(analyzer, case, preview)


MIXED_COMPLIANT: tuple[tuple[str, Callable[[bool], Stack]], ...] = (
    ("classic-lock-on-native-storage", lambda p: _classic_lock_on_native_storage("CanNotDelete")(_native(p), p)),
    ("native-lock-on-classic-vault", lambda p: _native_lock_on_classic_vault(classic_stack(p), p)),
    (
        "classic-inference-role-for-native-gateway",
        lambda p: _add(
            _classic_on_native(
                "classic-gateway",
                _NATIVE_APIM,
                _native_ref(t.COGNITIVE_ACCOUNT, "ai"),
                {"roleDefinitionName": "Cognitive Services OpenAI User"},
            )
        )(_native(p), p),
    ),
    (
        "classic-executor-on-the-pool-other-case",
        lambda p: _add(
            _classic_on_native(
                "classic-executor",
                _NATIVE_AGENT,
                (urn_for(t.SESSION_POOL, "pool"), native_id(t.SESSION_POOL, "pool").upper() + "/"),
                {"roleDefinitionName": "Azure ContainerApps Session Executor"},
            )
        )(_native(p), p),
    ),
    (
        "native-reader-of-classic-storage",
        lambda p: _add(
            lambda preview: _assignment(
                preview,
                t.ROLE_ASSIGNMENT,
                "native-blob",
                _CLASSIC_AGENT,
                (urn_for(t.AZ_STORAGE_ACCOUNT, "data"), arm_id(t.AZ_STORAGE_ACCOUNT, "data")),
                _STORAGE_READER,
                "ServicePrincipal",
            )
        )(classic_stack(p), p),
    ),
)


@pytest.mark.parametrize(
    ("build", "preview"),
    [
        pytest.param(build, preview, id=f"{name}-{'preview' if preview else 'deployed'}")
        for name, build in MIXED_COMPLIANT
        for preview in (True, False)
    ],
)
@pytest.mark.controls("DATA-5", "DATA-3", "ACC-5", "EXEC-2", "MOD-4")
def test_compliant_mixed_stack_passes(analyzer: PackAnalyzer, build: Callable[[bool], Stack], preview: bool) -> None:
    assert analyzer.analyze_stack(build(preview)) == []


def _native_guard(stack: Stack, preview: bool, types: Sequence[str]) -> Stack:
    """The classic locks replaced by an azure-native denyAction(delete) guard for `types` on the
    classic resource group (scope wired from it in preview, its id when deployed)."""
    definition = "azure-native:authorization:PolicyDefinition"
    definition_id = "/subscriptions/sub/providers/Microsoft.Authorization/policyDefinitions/guard"
    rule = {
        "if": {"field": "type", "in": list(types)},
        "then": {"effect": "denyAction", "details": {"actionNames": ["delete"]}},
    }
    links: dict[str, list[str]] = {}
    props = {
        "scope": _wired(preview, "scope", urn_for(t.AZ_RESOURCE_GROUP, "rg"), RG_ID, links),
        "policyDefinitionId": _wired(preview, "policyDefinitionId", urn_for(definition, "guard"), definition_id, links),
        "enforcementMode": "Default",
    }
    return [
        *without(stack, *_LOCKS),
        StackItem(
            type=definition, name="guard", props={"policyRule": rule, "mode": "Indexed", "id": UNKNOWN_VALUE if preview else definition_id}
        ),
        StackItem(
            type="azure-native:authorization:PolicyAssignment",
            name="guard-assignment",
            props=props,
            property_dependencies=links,
            dependencies=[u for us in links.values() for u in us],
        ),
    ]


_GUARDED_TYPES = ("Microsoft.Storage/storageAccounts", "Microsoft.KeyVault/vaults", "Microsoft.Search/searchServices")


@pytest.mark.parametrize("preview", [True, False], ids=["preview", "deployed"])
@pytest.mark.controls("DATA-5")
def test_native_deletion_guard_covers_classic_resources(analyzer: PackAnalyzer, preview: bool) -> None:
    """An azure-native denyAction(delete) guard names the ARM types, which the classic resources
    share: it guards them like their azure-native counterparts; a type it leaves out is reported."""
    assert analyzer.analyze_stack(_native_guard(classic_stack(preview), preview, _GUARDED_TYPES)) == []
    partial = analyzer.analyze_stack(_native_guard(classic_stack(preview), preview, _GUARDED_TYPES[:2]))
    assert _found(partial) == {DELETION: ["search"]}, partial


@pytest.mark.parametrize("preview", [True, False], ids=["preview", "deployed"])
@pytest.mark.controls("ACC-3")
def test_classic_assignment_of_privileged_native_custom_role(analyzer: PackAnalyzer, preview: bool) -> None:
    """A classic assignment of the stack's azure-native custom role that can write role
    assignments, at resource-group scope, is the ACC-3 stack rule's finding."""
    definition = "azure-native:authorization:RoleDefinition"
    guid = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
    role_id = f"/subscriptions/sub/providers/Microsoft.Authorization/roleDefinitions/{guid}"
    custom = StackItem(
        type=definition,
        name="delegator",
        props={
            "roleName": "delegator",
            "roleDefinitionId": guid,
            "permissions": [{"actions": ["Microsoft.Authorization/roleAssignments/write"]}],
        },
    )
    links: dict[str, list[str]] = {}
    props = {
        "scope": RG_ID,
        "principalId": "p",
        "principalType": "Group",
        "roleDefinitionId": _wired(preview, "roleDefinitionId", urn_for(definition, "delegator"), role_id, links),
    }
    assignment = StackItem(
        type=t.AZ_ROLE_ASSIGNMENT,
        name="delegators",
        props=props,
        property_dependencies=links,
        dependencies=[u for us in links.values() for u in us],
    )
    diagnostics = analyzer.analyze_stack([*classic_stack(preview), custom, assignment])
    assert _found(diagnostics) == {"azurenative-authorization-roleassignment-no-permanent-privileged-custom-role": ["delegators"]}, (
        diagnostics
    )


@pytest.mark.parametrize("preview", [True, False], ids=["preview", "deployed"])
@pytest.mark.controls("DATA-5", "ACC-8")
def test_classic_purview_account_needs_a_lock_and_stays_on_the_coverage_note(analyzer: PackAnalyzer, preview: bool) -> None:
    """A classic Purview account is data-bearing (protect and a lock, DATA-5), but no policy judges
    its own settings: the unjudged-types note still names its type, so nothing passes silently."""
    purview = StackItem(
        type=t.AZ_PURVIEW_ACCOUNT, name="purview", props={"name": "pv", "identity": {"type": "SystemAssigned"}}, protect=True
    )
    diagnostics = analyzer.analyze_stack([*classic_stack(preview), purview])
    assert _found(diagnostics) == {DELETION: ["purview"], "azurenative-resources-stack-unjudged-types": [""]}, diagnostics
    unjudged = diagnostics_of(diagnostics, "azurenative-resources-stack-unjudged-types")
    assert unjudged[0].level == "advisory" and "azure:purview/account:Account (1)" in unjudged[0].message
    guarded = diagnostics_of(diagnostics, DELETION)
    assert "[DATA-5] Purview account 'purview' is not guarded against deletion" in guarded[0].message
