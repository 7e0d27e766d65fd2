"""DATA-8 customer-managed keys: off unless the organisation lists the data boundaries that require
them (the scope policy's `customerManagedKeys`), then a mandatory finding naming the resource, the
missing or wrong property and the control id; near misses and empty key references do not pass."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, Final

import pytest
from classic_cases import CLASSIC_BASELINES
from policy_cases import BASELINES, DELETE, changed
from pulumi.runtime.proto import analyzer_pb2

from pulumi_aizone_policy import scope, tokens as t
from pulumi_aizone_policy.harness import PackAnalyzer, StackItem, _struct, urn_for

COGNITIVE: Final = "azurenative-cognitiveservices-account-customer-managed-key"
ML: Final = "azurenative-machinelearningservices-workspace-customer-managed-key"
SEARCH: Final = "azurenative-search-service-customer-managed-key"
STORAGE: Final = "azurenative-storage-storageaccount-customer-managed-key"
BOT: Final = "azurenative-botservice-bot-customer-managed-key"
AZ_COGNITIVE: Final = "azure-cognitive-account-customer-managed-key"
AZ_ML: Final = "azure-machinelearning-workspace-customer-managed-key"
AZ_SEARCH: Final = "azure-search-service-customer-managed-key"
AZ_STORAGE: Final = "azure-storage-account-customer-managed-key"
CMK_PROVEN: Final[tuple[str, ...]] = (COGNITIVE, ML, SEARCH, STORAGE, BOT, AZ_COGNITIVE, AZ_ML, AZ_SEARCH, AZ_STORAGE)
"""The DATA-8 policies, each proven by the violating cases below (test_policy_catalog.py)."""

VAULT_URI: Final = "https://kv-platform.vault.azure.net/"
KEY_URI: Final = "https://kv-platform.vault.azure.net/keys/cmk/0123456789abcdef0123456789abcdef"
VAULT_ID: Final = "/subscriptions/sub/resourceGroups/platform/providers/Microsoft.KeyVault/vaults/kv-platform"
CUSTOMER: Final = {"data-boundary": "customer", "aizone-application": "support"}


def _cmk(type_token: str, path: str, value: object) -> dict[str, Any]:
    """The shared compliant baseline of `type_token`, with a customer-managed key and the customer boundary."""
    return changed(changed(BASELINES[type_token], path, value), "tags", dict(CUSTOMER))


COMPLIANT: Final[Mapping[str, Mapping[str, Any]]] = {
    t.COGNITIVE_ACCOUNT: _cmk(
        t.COGNITIVE_ACCOUNT,
        "properties.encryption",
        {"keySource": "Microsoft.KeyVault", "keyVaultProperties": {"keyName": "cmk", "keyVaultUri": VAULT_URI}},
    ),
    t.ML_WORKSPACE: _cmk(
        t.ML_WORKSPACE,
        "encryption",
        {"status": "Enabled", "keyVaultProperties": {"keyVaultArmId": VAULT_ID, "keyIdentifier": KEY_URI}},
    ),
    t.SEARCH_SERVICE: _cmk(t.SEARCH_SERVICE, "encryptionWithCmk", {"enforcement": "Enabled"}),
    t.STORAGE_ACCOUNT: _cmk(
        t.STORAGE_ACCOUNT,
        "encryption",
        {
            "requireInfrastructureEncryption": True,
            "keySource": "Microsoft.Keyvault",
            "keyVaultProperties": {"keyName": "cmk", "keyVaultUri": VAULT_URI},
        },
    ),
    t.BOT: changed(_cmk(t.BOT, "properties.isCmekEnabled", True), "properties.cmekKeyVaultUrl", KEY_URI),
}
POLICY_OF: Final[Mapping[str, str]] = {
    t.COGNITIVE_ACCOUNT: COGNITIVE,
    t.ML_WORKSPACE: ML,
    t.SEARCH_SERVICE: SEARCH,
    t.STORAGE_ACCOUNT: STORAGE,
    t.BOT: BOT,
}


def _org(boundaries: list[str], **scope_config: Any) -> dict[str, Any]:
    """The organisation's config: every stack judged (as the rule tests do), CMK for `boundaries`."""
    return {scope.SCOPE_POLICY: {"landingZone": "always", scope.CMK_KEY: boundaries, **scope_config}}


@pytest.fixture(scope="module")
def customer_cmk() -> PackAnalyzer:
    return PackAnalyzer(_org(["customer"]))


@pytest.fixture(scope="module")
def no_cmk() -> PackAnalyzer:
    return PackAnalyzer(_org([], conventions=True))


def _cmk_findings(analyzer: PackAnalyzer, type_token: str, props: Mapping[str, Any]) -> list[Any]:
    return [item for item in analyzer.analyze(type_token, props) if item.policy in CMK_PROVEN]


@pytest.mark.controls("DATA-8")
@pytest.mark.parametrize("type_token", list(COMPLIANT))
def test_a_customer_managed_key_passes(customer_cmk: PackAnalyzer, type_token: str) -> None:
    assert _cmk_findings(customer_cmk, type_token, COMPLIANT[type_token]) == []


# (type, changed path, value, the exact part of the message that names what is wrong)
CASES: Final[tuple[tuple[str, str, object, str], ...]] = (
    (
        t.COGNITIVE_ACCOUNT,
        "properties.encryption.keySource",
        "Microsoft.CognitiveServices",
        "properties.encryption.keySource is 'Microsoft.CognitiveServices'",
    ),
    (t.COGNITIVE_ACCOUNT, "properties.encryption.keySource", DELETE, "properties.encryption.keySource is not set"),
    # Another case: the REST spec does not say Cognitive Services folds it, so it is not the CMK value.
    (
        t.COGNITIVE_ACCOUNT,
        "properties.encryption.keySource",
        "microsoft.keyvault",
        "properties.encryption.keySource is \"microsoft.keyvault\" (a string that is not exactly 'Microsoft.KeyVault')",
    ),
    # "Key Vault" as the source, but no key: not a customer-managed key.
    (
        t.COGNITIVE_ACCOUNT,
        "properties.encryption.keyVaultProperties",
        DELETE,
        "properties.encryption.keyVaultProperties.keyName is not set",
    ),
    (
        t.COGNITIVE_ACCOUNT,
        "properties.encryption.keyVaultProperties.keyName",
        "",
        "properties.encryption.keyVaultProperties.keyName is '' (blank)",
    ),
    (t.COGNITIVE_ACCOUNT, "properties.encryption.keyVaultProperties.keyName", "  ", "keyVaultProperties.keyName is '  ' (blank)"),
    (
        t.COGNITIVE_ACCOUNT,
        "properties.encryption.keyVaultProperties.keyVaultUri",
        "http://kv-platform.vault.azure.net/",
        "properties.encryption.keyVaultProperties.keyVaultUri is 'http://kv-platform.vault.azure.net/'",
    ),
    (t.COGNITIVE_ACCOUNT, "properties.encryption", DELETE, "properties.encryption.keySource is not set"),
    (t.ML_WORKSPACE, "encryption.status", "Disabled", "encryption.status is 'Disabled'"),
    (t.ML_WORKSPACE, "encryption.status", "enabled", "encryption.status is \"enabled\" (a string that is not exactly 'Enabled')"),
    # "Enabled" with no key vault reference.
    (t.ML_WORKSPACE, "encryption.keyVaultProperties.keyVaultArmId", "", "encryption.keyVaultProperties.keyVaultArmId is '' (blank)"),
    (t.ML_WORKSPACE, "encryption.keyVaultProperties.keyIdentifier", DELETE, "encryption.keyVaultProperties.keyIdentifier is not set"),
    # A vault reference that is no key vault's ARM id (a storage account's, a bare name).
    (
        t.ML_WORKSPACE,
        "encryption.keyVaultProperties.keyVaultArmId",
        "/subscriptions/sub/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/kv",
        "encryption.keyVaultProperties.keyVaultArmId is '/subscriptions/sub/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/kv'",
    ),
    (
        t.ML_WORKSPACE,
        "encryption.keyVaultProperties.keyVaultArmId",
        "kv-platform",
        "encryption.keyVaultProperties.keyVaultArmId is 'kv-platform'",
    ),
    (t.ML_WORKSPACE, "encryption", DELETE, "encryption.status is not set"),
    # Unspecified behaves as Disabled (SDK enum documentation).
    (t.SEARCH_SERVICE, "encryptionWithCmk.enforcement", "Unspecified", "encryptionWithCmk.enforcement is 'Unspecified'"),
    (t.SEARCH_SERVICE, "encryptionWithCmk.enforcement", "Disabled", "encryptionWithCmk.enforcement is 'Disabled'"),
    (t.SEARCH_SERVICE, "encryptionWithCmk", DELETE, "encryptionWithCmk.enforcement is not set"),
    (
        t.SEARCH_SERVICE,
        "encryptionWithCmk.enforcement",
        " Enabled",
        "encryptionWithCmk.enforcement is \" Enabled\" (a string that is not exactly 'Enabled')",
    ),
    (t.STORAGE_ACCOUNT, "encryption.keySource", "Microsoft.Storage", "encryption.keySource is 'Microsoft.Storage'"),
    (t.STORAGE_ACCOUNT, "encryption.keySource", " Microsoft.Keyvault", "encryption.keySource is ' Microsoft.Keyvault'"),
    (t.STORAGE_ACCOUNT, "encryption.keyVaultProperties.keyName", "", "encryption.keyVaultProperties.keyName is '' (blank)"),
    (t.STORAGE_ACCOUNT, "encryption.keyVaultProperties.keyVaultUri", DELETE, "encryption.keyVaultProperties.keyVaultUri is not set"),
    (t.BOT, "properties.isCmekEnabled", "true", 'properties.isCmekEnabled is "true" (a string), expected the boolean true'),
    (t.BOT, "properties.isCmekEnabled", False, "properties.isCmekEnabled is false"),
    (t.BOT, "properties.cmekKeyVaultUrl", "", "properties.cmekKeyVaultUrl is '' (blank)"),
)


@pytest.mark.controls("DATA-8")
@pytest.mark.parametrize(
    ("type_token", "path", "value", "fragment"), CASES, ids=[f"{c[0].rsplit(':', 1)[-1]}.{c[1]}={c[2]!r}" for c in CASES]
)
def test_missing_or_wrong_key_is_a_mandatory_finding(
    customer_cmk: PackAnalyzer, type_token: str, path: str, value: object, fragment: str
) -> None:
    found = _cmk_findings(customer_cmk, type_token, changed(COMPLIANT[type_token], path, value))
    assert [(item.policy, item.level) for item in found] == [(POLICY_OF[type_token], "mandatory")]
    message = found[0].message.split("\n")[-1]
    assert message.startswith("[DATA-8] ") and "'res'" in message and "for data boundary 'customer'" in message
    assert fragment in message


def test_the_message_says_what_to_set() -> None:
    found = _cmk_findings(PackAnalyzer(_org(["all"])), t.STORAGE_ACCOUNT, BASELINES[t.STORAGE_ACCOUNT])
    assert [item.message.split("\n")[-1] for item in found] == [
        "[DATA-8] Storage account 'res' is not encrypted with a customer-managed key, which the organisation requires "
        "for every data boundary (encryption.keySource is 'Microsoft.Storage'; encryption.keyVaultProperties.keyName is "
        "not set; encryption.keyVaultProperties.keyVaultUri is not set): set encryption.keySource = 'Microsoft.Keyvault' "
        "and encryption.keyVaultProperties (keyName, keyVaultUri) to a key in the organisation's Key Vault, with "
        "encryption.encryptionIdentity for a user-assigned identity."
    ]


@pytest.mark.parametrize(("kind", "judged"), [("Project", False), ("project", False), ("Hub", True), ("Default", True), (" project", True)])
def test_hub_projects_use_their_hubs_key(customer_cmk: PackAnalyzer, kind: str, judged: bool) -> None:
    """A hub's project is encrypted with its hub's key (the built-ins leave kind `project` out);
    any other kind, or a near miss, is judged."""
    props = changed(changed(COMPLIANT[t.ML_WORKSPACE], "encryption", DELETE), "kind", kind)
    assert [item.policy for item in _cmk_findings(customer_cmk, t.ML_WORKSPACE, props)] == ([ML] if judged else [])


def test_vault_ids_compare_in_any_case_and_managed_hsms_count(customer_cmk: PackAnalyzer) -> None:
    for vault in (VAULT_ID.lower(), VAULT_ID.replace("vaults/kv-platform", "managedHSMs/hsm-platform")):
        props = changed(COMPLIANT[t.ML_WORKSPACE], "encryption.keyVaultProperties.keyVaultArmId", vault)
        assert _cmk_findings(customer_cmk, t.ML_WORKSPACE, props) == []


def test_storage_key_source_case_is_folded_as_documented(customer_cmk: PackAnalyzer) -> None:
    """The storage REST API documents keySource values as case-insensitive (SDK `KeySource`)."""
    props = changed(COMPLIANT[t.STORAGE_ACCOUNT], "encryption.keySource", "microsoft.keyvault")
    assert _cmk_findings(customer_cmk, t.STORAGE_ACCOUNT, props) == []


# --- which resources the organisation's list covers ------------------------------------------------

NOT_CMK: Final = BASELINES[t.STORAGE_ACCOUNT]  # Microsoft-managed keys, tagged internal


@pytest.mark.controls("DATA-8")
@pytest.mark.parametrize(
    ("tags", "reason"),
    [
        ({"data-boundary": "customer"}, "for data boundary 'customer'"),
        ({"data-boundary": " Customer "}, "for data boundary 'customer'"),
        # Dropping or misspelling the tag is no way out: the resource may hold any boundary's data.
        ({}, "because it declares no valid data boundary (tags['data-boundary'] is not set)"),
        ({"data-boundary": "confidential"}, "because it declares no valid data boundary (tags['data-boundary'] is 'confidential')"),
    ],
)
def test_listed_or_undeclared_boundaries_require_cmk(customer_cmk: PackAnalyzer, tags: dict[str, str], reason: str) -> None:
    found = _cmk_findings(customer_cmk, t.STORAGE_ACCOUNT, changed(NOT_CMK, "tags", tags))
    assert [item.level for item in found] == ["mandatory"] and reason in found[0].message


def test_boundaries_not_listed_need_no_cmk(customer_cmk: PackAnalyzer) -> None:
    assert _cmk_findings(customer_cmk, t.STORAGE_ACCOUNT, changed(NOT_CMK, "tags", {"data-boundary": "internal"})) == []
    assert _cmk_findings(customer_cmk, t.SEARCH_SERVICE, BASELINES[t.SEARCH_SERVICE]) == []


def test_all_covers_every_boundary() -> None:
    found = _cmk_findings(PackAnalyzer(_org(["all"])), t.SEARCH_SERVICE, BASELINES[t.SEARCH_SERVICE])
    assert [(item.policy, item.level) for item in found] == [(SEARCH, "mandatory")]
    assert "which the organisation requires for every data boundary" in found[0].message


def test_unknown_boundary_tag_is_a_note_during_preview(customer_cmk: PackAnalyzer) -> None:
    from pulumi_aizone_policy.harness import UNKNOWN_VALUE

    found = _cmk_findings(customer_cmk, t.STORAGE_ACCOUNT, changed(NOT_CMK, "tags", UNKNOWN_VALUE))
    assert [item.level for item in found] == ["advisory"] and "tags.data-boundary is unknown until apply" in found[0].message


# --- off by default, and only the organisation's scope config turns it on ---------------------------


def _not_applicable(analyzer: PackAnalyzer, items: list[StackItem]) -> dict[str, str]:
    request = analyzer_pb2.AnalyzeStackRequest(
        resources=[
            analyzer_pb2.AnalyzerResource(type=i.type, properties=_struct(i.props), urn=urn_for(i.type, i.name), name=i.name) for i in items
        ]
    )
    response = analyzer.servicer.AnalyzeStack(request, None)
    return {item.policy_name: item.reason for item in response.not_applicable}


AI_STACK: Final = [
    StackItem(t.STORAGE_ACCOUNT, "data", NOT_CMK),
    StackItem(t.COGNITIVE_ACCOUNT, "ai", BASELINES[t.COGNITIVE_ACCOUNT]),
]


@pytest.mark.controls("DATA-8")
def test_off_by_default_and_said_to_be_not_applicable(no_cmk: PackAnalyzer) -> None:
    """The landing zone's own config (conventions on) leaves CMK off: nothing is reported, and each
    CMK policy says why it did not run instead of counting as passed."""
    assert _cmk_findings(no_cmk, t.STORAGE_ACCOUNT, changed(NOT_CMK, "tags", {})) == []
    assert [item for item in no_cmk.analyze_stack(AI_STACK) if item.policy in CMK_PROVEN] == []
    said = _not_applicable(no_cmk, AI_STACK)
    assert {name: said.get(name) for name in CMK_PROVEN} == dict.fromkeys(CMK_PROVEN, scope.CMK_OFF_REASON)
    assert scope.CMK_OFF_REASON == (
        "customer-managed keys are required only for the data boundaries the organisation lists, and its configuration "
        "lists none (azurenative-resources-stack-landing-zone-scope: customerManagedKeys is empty)"
    )


def test_on_they_run_and_are_not_said_to_be_not_applicable(customer_cmk: PackAnalyzer) -> None:
    said = _not_applicable(customer_cmk, AI_STACK)
    assert not set(said) & set(CMK_PROVEN)


def test_a_single_policys_config_cannot_turn_cmk_on() -> None:
    """The list lives in the scope policy's config only: a CMK policy's own config cannot set it."""
    analyzer = PackAnalyzer({scope.SCOPE_POLICY: {"landingZone": "always"}, STORAGE: {scope.CMK_KEY: ["all"]}})
    assert _cmk_findings(analyzer, t.STORAGE_ACCOUNT, NOT_CMK) == []
    assert _not_applicable(analyzer, AI_STACK)[STORAGE] == scope.CMK_OFF_REASON
    # ... nor turn it off where the organisation turned it on.
    analyzer = PackAnalyzer({**_org(["all"]), STORAGE: {scope.CMK_KEY: []}})
    assert [item.policy for item in _cmk_findings(analyzer, t.STORAGE_ACCOUNT, NOT_CMK)] == [STORAGE]


def test_an_exemption_in_the_policys_own_config_still_applies() -> None:
    """The organisation's list is added to each CMK policy's own config, which keeps its exemptions."""
    exemption = {"resource": "legacy-*", "reason": "re-encryption ticket SEC-7", "expires": "2999-12-31"}
    analyzer = PackAnalyzer({**_org(["all"]), STORAGE: {"exemptions": [exemption]}})
    legacy = [item for item in analyzer.analyze(t.STORAGE_ACCOUNT, NOT_CMK, name="legacy-data") if item.policy == STORAGE]
    assert [item.level for item in legacy] == ["advisory"]
    assert "exempted until 2999-12-31: re-encryption ticket SEC-7" in legacy[0].message
    assert [item.level for item in analyzer.analyze(t.STORAGE_ACCOUNT, NOT_CMK, name="data") if item.policy == STORAGE] == ["mandatory"]


def test_conventions_do_not_turn_cmk_on() -> None:
    assert not scope.CUSTOMER_MANAGED_KEYS & scope.CONVENTIONS
    assert scope.CUSTOMER_MANAGED_KEYS < scope.LANDING_ZONE


def test_a_non_ai_stack_is_out_of_scope_even_with_cmk_on() -> None:
    analyzer = PackAnalyzer({scope.SCOPE_POLICY: {scope.CMK_KEY: ["all"]}})
    items = [StackItem(t.STORAGE_ACCOUNT, "data", NOT_CMK)]
    assert _cmk_findings(analyzer, t.STORAGE_ACCOUNT, NOT_CMK) == []
    assert [item for item in analyzer.analyze_stack(items) if item.policy in CMK_PROVEN] == []
    assert _not_applicable(analyzer, items)[STORAGE].startswith("landing-zone policy, and this stack is not an AI workload")


@pytest.mark.parametrize("value", [["Customer"], ["secret"], "all", [True]])
def test_bad_boundary_list_is_refused(value: object) -> None:
    with pytest.raises(ValueError, match=scope.CMK_KEY):
        PackAnalyzer({scope.SCOPE_POLICY: {scope.CMK_KEY: value}})


def test_explicit_api_version_is_judged_too(customer_cmk: PackAnalyzer) -> None:
    found = customer_cmk.analyze("azure-native_storage_v20240101:storage:StorageAccount", changed(NOT_CMK, "tags", {}))
    assert [item.policy for item in found if item.policy in CMK_PROVEN] == [STORAGE]


def test_a_storage_account_in_an_arm_template_is_judged_alike(customer_cmk: PackAnalyzer) -> None:
    """A template deployment gets the organisation's list too: its storage account is judged as if
    declared directly, named `<deployment>/<resource>`."""
    from test_policy_doors import DEPLOYMENT, arm_resource, deployment, template

    untagged = changed(NOT_CMK, "tags", {})
    found = customer_cmk.analyze(DEPLOYMENT, deployment(template(arm_resource(t.STORAGE_ACCOUNT, untagged))), name="dep")
    assert [(item.policy, item.level) for item in found if item.policy in CMK_PROVEN] == [(STORAGE, "mandatory")]
    assert "Storage account 'dep/res' is not encrypted with a customer-managed key" in found[0].message
    compliant = customer_cmk.analyze(
        DEPLOYMENT, deployment(template(arm_resource(t.STORAGE_ACCOUNT, COMPLIANT[t.STORAGE_ACCOUNT]))), name="dep"
    )
    assert [item for item in compliant if item.policy in CMK_PROVEN] == []


def test_the_served_pack_takes_the_organisations_list(pack_stub: Any) -> None:
    """The pack started as the CLI starts it, configured over gRPC: the scope policy's list turns
    the storage policy on; the storage policy's own config alone does not."""
    storage = analyzer_pb2.AnalyzeRequest(
        type=t.STORAGE_ACCOUNT, properties=_struct(dict(NOT_CMK) | {"tags": CUSTOMER}), urn=urn_for(t.STORAGE_ACCOUNT, "data"), name="data"
    )

    def configure(scope_config: dict[str, Any], own: dict[str, Any]) -> list[tuple[str, int]]:
        pack_stub.Configure(
            analyzer_pb2.ConfigureAnalyzerRequest(
                policyConfig={
                    scope.SCOPE_POLICY: analyzer_pb2.PolicyConfig(enforcementLevel=analyzer_pb2.ADVISORY, properties=_struct(scope_config)),
                    STORAGE: analyzer_pb2.PolicyConfig(enforcementLevel=analyzer_pb2.MANDATORY, properties=_struct(own)),
                }
            )
        )
        return [
            (item.policyName, item.enforcementLevel) for item in pack_stub.Analyze(storage).diagnostics if item.policyName in CMK_PROVEN
        ]

    assert configure({"landingZone": "always", scope.CMK_KEY: ["customer"]}, {}) == [(STORAGE, analyzer_pb2.MANDATORY)]
    assert configure({"landingZone": "always"}, {scope.CMK_KEY: ["all"]}) == []


# --- classic provider (pulumi-azure 6.x) --------------------------------------------------------------


ACCOUNT_ID: Final = "/subscriptions/sub/resourceGroups/rg/providers/Microsoft.CognitiveServices/accounts/ai"
STORE_ID: Final = "/subscriptions/sub/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/store"


def _classic(type_token: str) -> dict[str, Any]:
    return changed(CLASSIC_BASELINES[type_token], "tags", dict(CUSTOMER))


@pytest.mark.controls("DATA-8")
@pytest.mark.parametrize(
    ("type_token", "path", "value", "fragment"),
    [
        (t.AZ_SEARCH_SERVICE, "customerManagedKeyEnforcementEnabled", DELETE, "customerManagedKeyEnforcementEnabled is not set"),
        (
            t.AZ_SEARCH_SERVICE,
            "customerManagedKeyEnforcementEnabled",
            "true",
            'customerManagedKeyEnforcementEnabled is "true" (a string), expected the boolean true',
        ),
        (t.AZ_ML_WORKSPACE, "encryption.keyId", "", "encryption.keyId is '' (blank)"),
        (t.AZ_ML_WORKSPACE, "encryption.keyVaultId", "x", "encryption.keyVaultId is 'x'"),
        (t.AZ_ML_WORKSPACE, "encryption", DELETE, "encryption.keyVaultId is not set; encryption.keyId is not set"),
    ],
)
def test_classic_resources_need_a_key(customer_cmk: PackAnalyzer, type_token: str, path: str, value: object, fragment: str) -> None:
    compliant = {
        t.AZ_SEARCH_SERVICE: changed(_classic(t.AZ_SEARCH_SERVICE), "customerManagedKeyEnforcementEnabled", True),
        t.AZ_ML_WORKSPACE: changed(_classic(t.AZ_ML_WORKSPACE), "encryption", {"keyVaultId": VAULT_ID, "keyId": KEY_URI}),
    }[type_token]
    assert _cmk_findings(customer_cmk, type_token, compliant) == []
    found = _cmk_findings(customer_cmk, type_token, changed(compliant, path, value))
    assert [(item.policy, item.level) for item in found] == [
        ({t.AZ_SEARCH_SERVICE: AZ_SEARCH, t.AZ_ML_WORKSPACE: AZ_ML}[type_token], "mandatory")
    ]
    assert fragment in found[0].message and found[0].message.split("\n")[-1].startswith("[DATA-8] ")


def _stack_cmk(analyzer: PackAnalyzer, items: list[StackItem]) -> list[tuple[str, str, str]]:
    return [(item.policy, item.level, item.urn.rsplit("::", 1)[-1]) for item in analyzer.analyze_stack(items) if item.policy in CMK_PROVEN]


def _account(props: dict[str, Any], type_token: str = t.AZ_COGNITIVE_ACCOUNT, name: str = "ai") -> StackItem:
    return StackItem(type_token, name, {**props, "id": ACCOUNT_ID})


SEPARATE_KEY: Final = {"cognitiveAccountId": ACCOUNT_ID, "keyVaultKeyId": KEY_URI}


@pytest.mark.controls("DATA-8")
@pytest.mark.parametrize("type_token", [t.AZ_COGNITIVE_ACCOUNT, t.AZ_AI_SERVICES])
def test_classic_ai_account_key_inline_or_separate(customer_cmk: PackAnalyzer, type_token: str) -> None:
    bare = _classic(type_token)
    inline = changed(bare, "customerManagedKey", {"keyVaultKeyId": KEY_URI})
    assert _stack_cmk(customer_cmk, [_account(inline, type_token)]) == []
    # A separate key resource pointing at the account by id counts as well.
    separate = StackItem(t.AZ_COGNITIVE_CMK, "ai-key", dict(SEPARATE_KEY))
    assert _stack_cmk(customer_cmk, [_account(bare, type_token), separate]) == []
    # Neither, or a separate key for another account, or one without a key: a finding on the account.
    other = StackItem(t.AZ_COGNITIVE_CMK, "other-key", {**SEPARATE_KEY, "cognitiveAccountId": ACCOUNT_ID + "2"})
    blank = StackItem(t.AZ_COGNITIVE_CMK, "blank-key", {**SEPARATE_KEY, "keyVaultKeyId": ""})
    for extra in ([], [other], [blank]):
        assert _stack_cmk(customer_cmk, [_account(bare, type_token), *extra]) == [(AZ_COGNITIVE, "mandatory", "ai")]
    message = next(item.message for item in customer_cmk.analyze_stack([_account(bare, type_token)]) if item.policy == AZ_COGNITIVE)
    assert (
        "'ai' is not encrypted with a customer-managed key, which the organisation requires for data boundary 'customer' "
        "(customerManagedKey.keyVaultKeyId is not set, and no customer-managed key resource names it in cognitiveAccountId)"
    ) in message


def test_classic_separate_key_wired_in_a_preview_counts(customer_cmk: PackAnalyzer) -> None:
    """In a preview the account's id is unknown: the key is linked by its property dependency."""
    from pulumi_aizone_policy.harness import UNKNOWN_VALUE

    account = StackItem(t.AZ_COGNITIVE_ACCOUNT, "ai", _classic(t.AZ_COGNITIVE_ACCOUNT))
    key = StackItem(
        t.AZ_COGNITIVE_CMK,
        "ai-key",
        {"cognitiveAccountId": UNKNOWN_VALUE, "keyVaultKeyId": UNKNOWN_VALUE},
        property_dependencies={"cognitiveAccountId": [account.resolved_urn]},
        dependencies=[account.resolved_urn],
    )
    assert _stack_cmk(customer_cmk, [account, key]) == []


@pytest.mark.controls("DATA-8")
def test_classic_storage_key_inline_or_separate(customer_cmk: PackAnalyzer) -> None:
    bare = {**_classic(t.AZ_STORAGE_ACCOUNT), "id": STORE_ID}
    assert _stack_cmk(customer_cmk, [StackItem(t.AZ_STORAGE_ACCOUNT, "store", bare)]) == [(AZ_STORAGE, "mandatory", "store")]
    hsm = changed(
        bare, "customerManagedKey", {"managedHsmKeyId": "https://hsm.managedhsm.azure.net/keys/cmk", "userAssignedIdentityId": "uai"}
    )
    assert _stack_cmk(customer_cmk, [StackItem(t.AZ_STORAGE_ACCOUNT, "store", hsm)]) == []
    key = StackItem(t.AZ_STORAGE_CMK, "store-key", {"storageAccountId": STORE_ID, "keyVaultKeyId": KEY_URI})
    assert _stack_cmk(customer_cmk, [StackItem(t.AZ_STORAGE_ACCOUNT, "store", bare), key]) == []
    # Internal data needs none; without a boundary tag it does.
    internal = changed(bare, "tags", {"data-boundary": "internal"})
    assert _stack_cmk(customer_cmk, [StackItem(t.AZ_STORAGE_ACCOUNT, "store", internal)]) == []
    untagged = changed(bare, "tags", {})
    assert _stack_cmk(customer_cmk, [StackItem(t.AZ_STORAGE_ACCOUNT, "store", untagged)]) == [(AZ_STORAGE, "mandatory", "store")]


def test_classic_stack_policies_are_off_too(no_cmk: PackAnalyzer) -> None:
    items = [StackItem(t.AZ_STORAGE_ACCOUNT, "store", changed(CLASSIC_BASELINES[t.AZ_STORAGE_ACCOUNT], "tags", {})), *AI_STACK]
    assert _stack_cmk(no_cmk, items) == []
    said = _not_applicable(no_cmk, items)
    assert said[AZ_STORAGE] == said[AZ_COGNITIVE] == scope.CMK_OFF_REASON


# --- end to end: the offline gate, with the organisation's list ----------------------------------------

ROOT: Final = Path(__file__).resolve().parents[2]


def _gate(program: Path, boundaries: list[str]) -> list[tuple[str, str, str]]:
    import pulumi_aizone_gate

    config = {scope.SCOPE_POLICY: {"landingZone": "always", "conventions": True, scope.CMK_KEY: boundaries}}
    result = pulumi_aizone_gate.run(program, "dev", ROOT / "policy_pack", config)
    assert result.program_errors == []
    return sorted((f.policy, f.level, (f.urn or "").rsplit("::", 1)[-1]) for f in result.findings if f.policy in CMK_PROVEN)


@pytest.mark.controls("DATA-8")
def test_the_landing_zone_with_cmk_required_for_customer_data() -> None:
    """The dev stack (0 mandatory findings with the shipped configs) under an organisation that
    requires CMK for customer data: its customer-boundary storage and the AI account shared by
    every boundary need a key; its internal data does not."""
    assert _gate(ROOT, ["customer"]) == [
        (COGNITIVE, "mandatory", "aizone-ai-account"),
        (STORAGE, "mandatory", "aizone-data-support-bot-storage"),
    ]


@pytest.mark.controls("DATA-8")
def test_the_classic_example_with_cmk_required() -> None:
    assert _gate(ROOT / "examples" / "insecure-classic", ["customer"]) == [
        (AZ_COGNITIVE, "mandatory", "openai"),
        (AZ_SEARCH, "mandatory", "search"),
        (AZ_STORAGE, "mandatory", "data"),
    ]
