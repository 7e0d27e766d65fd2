"""Scope (scope.py): universal rules judge every stack, landing-zone rules AI workloads only, with
the switch and the stack tag; explicit API versions are judged like the default version; types of
security-relevant namespaces no policy reads are listed in an advisory note."""

from __future__ import annotations

from typing import Any

import pytest
from policy_cases import BASELINES, changed, diagnostics_of, judge

from pulumi_aizone_policy import scope, tokens as t
from pulumi_aizone_policy.harness import PackAnalyzer, StackItem, urn_for
from pulumi_aizone_policy.policies import ALL_SPECS
from pulumi_aizone_policy.tokens import canonical_type

BOUNDARY = "azurenative-storage-storageaccount-boundary-tag"
LOCKS = "azurenative-resources-dataresource-deletion-protection"
SHARED_KEY = "azurenative-storage-storageaccount-disable-shared-key"
UNJUDGED = "azurenative-resources-stack-unjudged-types"

UNTAGGED_STORAGE = changed(BASELINES[t.STORAGE_ACCOUNT], "tags", {})
# The scope mechanics below are shown with conventions (boundary tags, locks), which judge a stack
# only when the organisation's config turns them on.
CONVENTIONS_ON = {scope.SCOPE_POLICY: {"conventions": True}}


def _mandatory(diagnostics: list[Any]) -> set[str]:
    return {item.policy for item in diagnostics if item.level == "mandatory"}


def test_every_policy_is_classified_once() -> None:
    names = {spec.name for spec in ALL_SPECS}
    assert scope.LANDING_ZONE <= names
    universal = names - scope.LANDING_ZONE
    assert {
        "azurenative-cognitiveservices-account-disable-local-auth",
        "azurenative-keyvault-vault-purge-protection",
        "azurenative-cognitiveservices-raipolicy-prompt-shields",
        "azure-storage-account-tls-https-only",
    } <= universal


@pytest.mark.controls("DATA-1", "DATA-5")
def test_landing_zone_rules_skip_a_non_ai_stack_by_default() -> None:
    analyzer = PackAnalyzer()
    assert analyzer.analyze(t.STORAGE_ACCOUNT, UNTAGGED_STORAGE) == []
    stack = [StackItem(t.STORAGE_ACCOUNT, "data", UNTAGGED_STORAGE)]
    assert _mandatory(analyzer.analyze_stack(stack)) == set()


@pytest.mark.controls("DATA-1", "DATA-5")
def test_an_ai_resource_brings_the_landing_zone_rules_to_the_whole_stack() -> None:
    analyzer = PackAnalyzer(CONVENTIONS_ON)
    stack = [StackItem(t.STORAGE_ACCOUNT, "data", UNTAGGED_STORAGE), StackItem(t.COGNITIVE_ACCOUNT, "ai", BASELINES[t.COGNITIVE_ACCOUNT])]
    found = analyzer.analyze_stack(stack)
    boundary = diagnostics_of(found, BOUNDARY, "mandatory")
    assert boundary and all(item.urn.endswith("::data") for item in boundary)
    assert diagnostics_of(found, LOCKS, "mandatory")


@pytest.mark.controls("ACC-1")
def test_universal_rules_judge_a_non_ai_stack() -> None:
    props = changed(UNTAGGED_STORAGE, "allowSharedKeyAccess", True)
    assert _mandatory(PackAnalyzer().analyze(t.STORAGE_ACCOUNT, props)) == {SHARED_KEY}


@pytest.mark.parametrize(("mode", "expected"), [("always", {BOUNDARY}), ("never", set()), ("auto", set())])
def test_switch_turns_landing_zone_rules_on_and_off(mode: str, expected: set[str]) -> None:
    analyzer = PackAnalyzer({scope.SCOPE_POLICY: {"landingZone": mode, "conventions": True}})
    assert _mandatory(analyzer.analyze(t.STORAGE_ACCOUNT, UNTAGGED_STORAGE)) == expected


def test_never_also_drops_landing_zone_rules_on_ai_stacks() -> None:
    analyzer = PackAnalyzer({scope.SCOPE_POLICY: {"landingZone": "never"}})
    stack = [StackItem(t.STORAGE_ACCOUNT, "data", UNTAGGED_STORAGE), StackItem(t.COGNITIVE_ACCOUNT, "ai", BASELINES[t.COGNITIVE_ACCOUNT])]
    found = analyzer.analyze_stack(stack)
    assert not diagnostics_of(found, BOUNDARY) and not diagnostics_of(found, LOCKS)


AI_STACK = [
    StackItem(t.STORAGE_ACCOUNT, "data", UNTAGGED_STORAGE),
    StackItem(t.COGNITIVE_ACCOUNT, "ai", changed(BASELINES[t.COGNITIVE_ACCOUNT], "kind", "Face")),
]
ALLOWED_KIND = "azurenative-cognitiveservices-account-allowed-kind"


def test_conventions_are_off_unless_the_organisation_turns_them_on() -> None:
    """An AI stack built another way (untagged storage, no locks, another account kind) gets the
    guidance's rules only; with the organisation's `conventions` config, the landing zone's too."""
    default, organisation = PackAnalyzer(), PackAnalyzer(CONVENTIONS_ON)
    found = default.analyze_stack(AI_STACK)
    assert not diagnostics_of(found, BOUNDARY) and not diagnostics_of(found, LOCKS)
    assert not diagnostics_of(default.analyze(AI_STACK[1].type, AI_STACK[1].props), ALLOWED_KIND)
    found = organisation.analyze_stack(AI_STACK)
    assert diagnostics_of(found, BOUNDARY, "mandatory") and diagnostics_of(found, LOCKS, "mandatory")
    assert diagnostics_of(organisation.analyze(AI_STACK[1].type, AI_STACK[1].props), ALLOWED_KIND, "mandatory")


def test_the_guidance_rules_still_judge_every_ai_workload_without_conventions() -> None:
    """Prompt shields, approved models and the gateway's design are the guidance's: no config needed."""
    assert not scope.CONVENTIONS & {
        "azurenative-cognitiveservices-deployment-approved-model",
        "azurenative-apimanagement-api-entra-managed-identity-auth",
        "azurenative-app-containerappssessionpool-isolated-sessions",
        "azurenative-network-privateendpoint-required",
    }
    assert scope.CONVENTIONS < scope.LANDING_ZONE


@pytest.mark.parametrize("value", ["true", 1, "yes"])
def test_conventions_switch_takes_only_the_boolean_true(value: object) -> None:
    with pytest.raises(ValueError, match="conventions"):
        PackAnalyzer({scope.SCOPE_POLICY: {"conventions": value}})


def test_bad_switch_value_is_refused() -> None:
    with pytest.raises(ValueError, match="landingZone"):
        PackAnalyzer({scope.SCOPE_POLICY: {"landingZone": "sometimes"}})


def _tagged(analyzer: PackAnalyzer, value: str) -> None:
    from pulumi.runtime.proto import analyzer_pb2

    analyzer.servicer.ConfigureStack(
        analyzer_pb2.AnalyzerStackConfigureRequest(stack="dev", project="p", dry_run=True, tags={scope.WORKLOAD_TAG: value}), None
    )


def test_stack_tag_makes_a_stack_an_ai_workload_from_its_first_resource() -> None:
    analyzer = PackAnalyzer(CONVENTIONS_ON)
    _tagged(analyzer, "AI")
    assert _mandatory(analyzer.analyze(t.STORAGE_ACCOUNT, UNTAGGED_STORAGE)) == {BOUNDARY}


def test_misspelled_workload_tag_is_an_advisory_note() -> None:
    analyzer = PackAnalyzer()
    _tagged(analyzer, "ai-workload")
    assert analyzer.analyze(t.STORAGE_ACCOUNT, UNTAGGED_STORAGE) == []
    notes = diagnostics_of(analyzer.analyze_stack([StackItem(t.STORAGE_ACCOUNT, "data", UNTAGGED_STORAGE)]), scope.SCOPE_POLICY, "advisory")
    assert notes and "'ai-workload'" in notes[0].message and notes[0].message.split("\n")[-1].startswith("[ACC-8]")


# --- explicit API versions --------------------------------------------------------------------

VERSIONED = [
    ("azure-native_storage_v20240101:storage:StorageAccount", t.STORAGE_ACCOUNT),
    ("azure-native:storage/v20230101:StorageAccount", t.STORAGE_ACCOUNT),
    ("azure-native_keyvault_v20241101:keyvault:Vault", t.KEY_VAULT),
    ("azure-native:cognitiveservices/v20250601:Account", t.COGNITIVE_ACCOUNT),
    ("azure-native_cognitiveservices_v20240401preview:cognitiveservices:Account", t.COGNITIVE_ACCOUNT),
]


@pytest.mark.parametrize(("token", "canonical"), VERSIONED)
def test_versioned_tokens_normalise(token: str, canonical: str) -> None:
    assert canonical_type(token) == canonical


@pytest.mark.parametrize(
    ("path", "value", "policy"),
    [
        ("allowSharedKeyAccess", True, SHARED_KEY),
        ("minimumTlsVersion", "TLS1_0", "azurenative-storage-storageaccount-tls-https-only"),
        ("publicNetworkAccess", "Enabled", "azurenative-storage-storageaccount-restrict-network-access"),
    ],
)
@pytest.mark.parametrize("token", [v for v, c in VERSIONED if c == t.STORAGE_ACCOUNT])
def test_versioned_resources_are_judged_like_the_default_version(token: str, path: str, value: object, policy: str) -> None:
    analyzer = PackAnalyzer()
    assert judge(analyzer, token, BASELINES[t.STORAGE_ACCOUNT]) == judge(analyzer, t.STORAGE_ACCOUNT, BASELINES[t.STORAGE_ACCOUNT])
    assert _mandatory(judge(analyzer, token, changed(BASELINES[t.STORAGE_ACCOUNT], path, value))) == {policy}


def test_versioned_vault_and_account() -> None:
    analyzer = PackAnalyzer()
    vault = changed(BASELINES[t.KEY_VAULT], "properties.enablePurgeProtection", False)
    assert "azurenative-keyvault-vault-purge-protection" in _mandatory(
        analyzer.analyze("azure-native_keyvault_v20241101:keyvault:Vault", vault)
    )
    account = changed(BASELINES[t.COGNITIVE_ACCOUNT], "properties.disableLocalAuth", False)
    assert "azurenative-cognitiveservices-account-disable-local-auth" in _mandatory(
        analyzer.analyze("azure-native:cognitiveservices/v20250601:Account", account)
    )


def test_versioned_types_reach_stack_policies_and_scope() -> None:
    """A versioned AI account makes the stack an AI workload; stack policies see the vault."""
    analyzer = PackAnalyzer(CONVENTIONS_ON)
    stack = [
        StackItem("azure-native_storage_v20240101:storage:StorageAccount", "data", UNTAGGED_STORAGE),
        StackItem("azure-native:cognitiveservices/v20250601:Account", "ai", BASELINES[t.COGNITIVE_ACCOUNT]),
    ]
    found = analyzer.analyze_stack(stack)
    assert diagnostics_of(found, BOUNDARY, "mandatory") and diagnostics_of(found, LOCKS, "mandatory")


# --- no silent pass ---------------------------------------------------------------------------


@pytest.mark.controls("ACC-8")
def test_unjudged_security_types_are_listed() -> None:
    analyzer = PackAnalyzer()
    stack = [
        StackItem("azure-native:storage:BlobContainer", "c1", {"publicAccess": "Container"}),
        StackItem("azure-native:storage:BlobContainer", "c2", {}),
        StackItem("azure:mssql/server:Server", "sql", {}),
        StackItem("azure-native:network:VirtualNetwork", "vnet", {}),
        StackItem(t.STORAGE_ACCOUNT, "data", BASELINES[t.STORAGE_ACCOUNT]),
    ]
    notes = diagnostics_of(analyzer.analyze_stack(stack), UNJUDGED, "advisory")
    assert len(notes) == 1
    message = notes[0].message
    assert "azure-native:storage:BlobContainer (2)" in message and "azure:mssql/server:Server (1)" in message
    # Every Azure namespace is covered (networking too); judged types are not listed.
    assert "azure-native:network:VirtualNetwork (1)" in message and "StorageAccount" not in message
    quiet = PackAnalyzer({UNJUDGED: {"ignoredTypes": ["azure-native:storage:*", "azure:mssql/*", "azure-native:network:*"]}})
    assert not diagnostics_of(quiet.analyze_stack(stack), UNJUDGED)


# --- Landing-zone rules left for AnalyzeStack judge the inputs Analyze was sent ----------------------

BACKEND_NO_KEY = "azurenative-apimanagement-backend-no-api-key"
UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
AI_ACCOUNT = StackItem(t.COGNITIVE_ACCOUNT, "ai", BASELINES[t.COGNITIVE_ACCOUNT])


@pytest.mark.controls("MOD-4")
def test_left_for_the_stack_a_rule_judges_the_inputs_not_the_preview_outputs() -> None:
    """In a preview AnalyzeStack carries azure-native's preview of the outputs, where a property the
    inputs leave unset is unknown (pulumi-azure-native provider/pkg/convert/previewOutputs.go): a
    backend that sends no credentials must not be held up by that unknown."""
    analyzer = PackAnalyzer()
    backend = {key: value for key, value in BASELINES[t.APIM_BACKEND].items() if key != "credentials"}
    assert analyzer.analyze(t.APIM_BACKEND, backend, "models") == []  # not yet known to be an AI workload
    outputs = {**backend, "credentials": UNKNOWN}
    found = analyzer.analyze_stack([StackItem(t.APIM_BACKEND, "models", outputs), AI_ACCOUNT])
    assert diagnostics_of(found, BACKEND_NO_KEY) == []


@pytest.mark.controls("MOD-4")
def test_left_for_the_stack_a_rule_is_not_fooled_by_clean_outputs() -> None:
    """The key the program sent to Analyze is found even when the outputs AnalyzeStack carries do
    not show it."""
    analyzer = PackAnalyzer()
    with_key = changed(BASELINES[t.APIM_BACKEND], "credentials.header", {"api-key": ["{{openai-key}}"]})
    analyzer.analyze(t.APIM_BACKEND, with_key, "models")
    found = analyzer.analyze_stack([StackItem(t.APIM_BACKEND, "models", BASELINES[t.APIM_BACKEND]), AI_ACCOUNT])
    caught = diagnostics_of(found, BACKEND_NO_KEY, "mandatory")
    assert [item.urn for item in caught] == [urn_for(t.APIM_BACKEND, "models")]
    assert "sends a key to its backend (credentials.header has 'api-key')" in caught[0].message


@pytest.mark.controls("MOD-4")
def test_a_resource_analyze_never_saw_is_judged_on_its_outputs() -> None:
    analyzer = PackAnalyzer()
    with_key = changed(BASELINES[t.APIM_BACKEND], "credentials.header", {"api-key": ["k"]})
    found = analyzer.analyze_stack([StackItem(t.APIM_BACKEND, "models", with_key), AI_ACCOUNT])
    assert [item.urn for item in diagnostics_of(found, BACKEND_NO_KEY, "mandatory")] == [urn_for(t.APIM_BACKEND, "models")]
