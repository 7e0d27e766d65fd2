"""Resource policies: each compliant baseline passes, each one-field violation is caught with its
control id and an actionable message, and compliant spelling variants pass."""

from __future__ import annotations

import pytest
from policy_cases import (
    BASELINES,
    COMPLIANT_VARIANTS,
    VARIANT_TYPES,
    VARIANTS,
    VIOLATIONS,
    Case,
    case_params,
    changed,
    controls_mark,
    diagnostics_of,
    judge,
    type_controls_mark,
)

from pulumi_aizone_policy import tokens as t
from pulumi_aizone_policy.harness import PackAnalyzer


@pytest.mark.parametrize("type_token", [pytest.param(token, marks=type_controls_mark(token)) for token in sorted(BASELINES)])
def test_compliant_baseline_passes(analyzer: PackAnalyzer, type_token: str) -> None:
    assert judge(analyzer, type_token, BASELINES[type_token]) == []


@pytest.mark.parametrize("case", case_params(VIOLATIONS))
def test_violation_is_caught(analyzer: PackAnalyzer, case: Case) -> None:
    diagnostics = judge(analyzer, case.type, case.props())
    caught = diagnostics_of(diagnostics, case.policy, "mandatory")
    assert caught, f"{case.policy} did not report {case.path}; got {diagnostics}"
    messages = [item.message for item in caught]
    assert any(case.fragment in message for message in messages), messages
    description, _, message = caught[0].message.partition("\n")
    tag = description.split("]", 1)[0] + "]"
    assert message.startswith(tag), "every message starts with the policy's control ids"
    # Only the changed field is reported: other policies stay quiet.
    assert {item.policy for item in diagnostics} == {case.policy}


@pytest.mark.parametrize("name", sorted(VARIANTS))
def test_named_variant_passes(analyzer: PackAnalyzer, name: str) -> None:
    """The compliant starting points of cases that change one field of a variant."""
    assert judge(analyzer, VARIANT_TYPES[name], VARIANTS[name]) == []


@pytest.mark.parametrize("case", case_params(COMPLIANT_VARIANTS))
def test_compliant_variant_passes(analyzer: PackAnalyzer, case: Case) -> None:
    assert judge(analyzer, case.type, case.props()) == []


@controls_mark("azurenative-app-managedenvironment-internal-only")
def test_internal_environment_or_public_access_disabled(analyzer: PackAnalyzer) -> None:
    external = changed(BASELINES[t.MANAGED_ENVIRONMENT], "vnetConfiguration.internal", False)
    private = changed(external, "publicNetworkAccess", "Disabled")
    assert analyzer.analyze(t.MANAGED_ENVIRONMENT, private) == []


@controls_mark("azurenative-cognitiveservices-account-restrict-network-access")
def test_one_violation_per_gap(analyzer: PackAnalyzer) -> None:
    """A resource with several gaps gets one actionable message per gap, and one root cause one
    message: public network access and the permissive network rules behind it are one gap."""
    props = changed(BASELINES[t.COGNITIVE_ACCOUNT], "properties", {})
    caught = diagnostics_of(analyzer.analyze(t.COGNITIVE_ACCOUNT, props), "azurenative-cognitiveservices-account-restrict-network-access")
    assert [item.message.splitlines()[-1] for item in caught] == [
        "[ACC-7] Cognitive Services account 'res' allows public network access (properties.publicNetworkAccess is not set; "
        "properties.networkAcls.defaultAction is not set, so any network reaches it): set properties.publicNetworkAccess = 'Disabled' "
        "and reach it through its private endpoint.",
        "[ACC-7] Cognitive Services account 'res' does not restrict outbound network access (properties.restrictOutboundNetworkAccess is "
        "not set): set properties.restrictOutboundNetworkAccess = true and list the allowed destinations in properties.allowedFqdnList.",
    ]


_STORAGE_NET = "azurenative-storage-storageaccount-restrict-network-access"
_AI_NET = "azurenative-cognitiveservices-account-restrict-network-access"


@pytest.mark.parametrize(
    ("type_token", "policy", "public", "acl", "acl_value", "expected"),
    [
        pytest.param(
            t.STORAGE_ACCOUNT,
            _STORAGE_NET,
            "publicNetworkAccess",
            "networkRuleSet.defaultAction",
            "Allow",
            "[ACC-7] Storage account 'res' allows public network access (publicNetworkAccess is 'Enabled'; networkRuleSet.defaultAction is "
            "'Allow', so any network reaches it): set publicNetworkAccess = 'Disabled' and reach it through its private endpoint.",
            id="storage-open",
        ),
        pytest.param(
            t.STORAGE_ACCOUNT,
            _STORAGE_NET,
            "publicNetworkAccess",
            "networkRuleSet.defaultAction",
            "Deny",
            "[ACC-7] Storage account 'res' allows public network access (publicNetworkAccess is 'Enabled'; its network rules deny by default "
            "(networkRuleSet.defaultAction is 'Deny'), so only the networks they list reach it): set publicNetworkAccess = 'Disabled' and "
            "reach it through its private endpoint.",
            id="storage-firewalled",
        ),
        pytest.param(
            t.COGNITIVE_ACCOUNT,
            _AI_NET,
            "properties.publicNetworkAccess",
            "properties.networkAcls.defaultAction",
            "Allow",
            "[ACC-7] Cognitive Services account 'res' allows public network access (properties.publicNetworkAccess is 'Enabled'; "
            "properties.networkAcls.defaultAction is 'Allow', so any network reaches it): set "
            "properties.publicNetworkAccess = 'Disabled' and reach it through its private endpoint.",
            id="account-open",
        ),
        pytest.param(
            t.COGNITIVE_ACCOUNT,
            _AI_NET,
            "properties.publicNetworkAccess",
            "properties.networkAcls.defaultAction",
            " deny",
            "[ACC-7] Cognitive Services account 'res' allows public network access (properties.publicNetworkAccess is 'Enabled'; "
            "properties.networkAcls.defaultAction is \" deny\" (a string that is not exactly 'Deny'), so any network reaches it): set "
            "properties.publicNetworkAccess = 'Disabled' and reach it through its private endpoint.",
            id="account-near-miss-deny",
        ),
    ],
)
@pytest.mark.controls("ACC-7")
def test_public_access_and_its_network_rules_are_one_finding(
    analyzer: PackAnalyzer, type_token: str, policy: str, public: str, acl: str, acl_value: str, expected: str
) -> None:
    props = changed(changed(BASELINES[type_token], public, "Enabled"), acl, acl_value)
    assert [item.message.splitlines()[-1] for item in diagnostics_of(judge(analyzer, type_token, props), policy)] == [expected]


def test_other_types_are_ignored(analyzer: PackAnalyzer) -> None:
    """Policies judge resources only by type and properties: unknown types pass untouched."""
    assert analyzer.analyze("azure-native:resources:ResourceGroup", {"location": "westeurope"}) == []
    assert analyzer.analyze("aws:s3/bucket:Bucket", {"acl": "public-read"}) == []


@pytest.mark.parametrize(
    ("type_token", "path", "value", "tag"),
    [
        pytest.param(
            t.KEY_VAULT, "properties.publicNetworkAccess", "Enabled", "[ACC-7, DATA-7] ", marks=pytest.mark.controls("ACC-7", "DATA-7")
        ),
        pytest.param(t.APIM_SERVICE, "identity.type", "None", "[ACC-6, MOD-4] ", marks=pytest.mark.controls("ACC-6", "MOD-4")),
        pytest.param(
            t.CONTAINER_APP,
            "template.containers.0.image",
            "aizoneacr.azurecr.io/agent:1.0",
            "[MOD-3, EXEC-2] ",
            marks=pytest.mark.controls("MOD-3", "EXEC-2"),
        ),
    ],
)
def test_multi_control_policy_tags_description_and_message_alike(
    analyzer: PackAnalyzer, type_token: str, path: str, value: object, tag: str
) -> None:
    """A policy of several controls opens its description and each message with one
    comma-separated tag, the form the offline preview and reviewers read."""
    diagnostics = judge(analyzer, type_token, changed(BASELINES[type_token], path, value))
    assert len(diagnostics) == 1, diagnostics
    description, _, message = diagnostics[0].message.partition("\n")
    assert description.startswith(tag) and message.startswith(tag), diagnostics[0].message
