"""Settings of `aizone:governance.guardrails` (issue 22): scope, enforcement per control, and the
pack configuration whose exemptions become Azure Policy exemptions. One compliant baseline (the dev
stack) and one changed field per case; every refusal is the exact message a user sees."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from pulumi_aizone.landing_zone.settings import SettingsError, parse_settings
from pulumi_aizone_policy import catalog

from .test_settings import dev_config

pytestmark = pytest.mark.controls("ACC-1", "ACC-7", "MOD-3")

KEY = "aizone:governance.guardrails"
STORAGE = (
    "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-aiz-dev/providers/Microsoft.Storage/storageAccounts/stlegacy"
)
NETWORK_POLICY = "azurenative-storage-storageaccount-restrict-network-access"
ELSEWHERE = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-legacy/providers/Microsoft.Storage/storageAccounts/st1"


def with_guardrails(value: Any) -> dict[str, Any]:
    config = copy.deepcopy(dev_config())
    config["governance"]["guardrails"] = value
    return config


def problems_of(config: dict[str, Any]) -> list[str]:
    with pytest.raises(SettingsError) as caught:
        parse_settings(config)
    assert "Traceback" not in str(caught.value)
    return caught.value.problems


def pack_config(tmp_path: Path, config: dict[str, Any]) -> str:
    path = tmp_path / "policy-config.json"
    path.write_text(json.dumps(config))
    return str(path)


def test_dev_stack_audits_every_runtime_control_and_denies_three() -> None:
    guardrails = parse_settings(dev_config()).governance.guardrails
    assert guardrails is not None
    assert guardrails.scope == "resourceGroup"
    assert dict(guardrails.enforcement) == {"ACC-1": "deny", "ACC-7": "deny", "MOD-3": "deny"}
    assert guardrails.waivers == ()


def test_guardrails_are_on_unless_turned_off() -> None:
    config = copy.deepcopy(dev_config())
    del config["governance"]["guardrails"]
    assert parse_settings(config).governance.guardrails is not None
    assert parse_settings(with_guardrails(False)).governance.guardrails is None


def test_management_group_scope_needs_the_group() -> None:
    guardrails = parse_settings(with_guardrails({"scope": "managementGroup", "managementGroupId": "mg-ai"})).governance.guardrails
    assert guardrails is not None and guardrails.management_group_id == "mg-ai"
    assert problems_of(with_guardrails({"scope": "managementGroup"})) == [
        f"{KEY}.managementGroupId: is required with scope: managementGroup (the management group's name)"
    ]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (
            {"scope": "tenant"},
            f"{KEY}.scope: the text 'tenant' is not allowed; allowed values: 'resourceGroup', 'subscription', 'managementGroup'",
        ),
        ({"managementGroupId": "mg-ai"}, f"{KEY}.managementGroupId: is only allowed with scope: managementGroup"),
        (
            {"enforcement": {"ACC-4": "deny"}},
            f"{KEY}.enforcement.ACC-4: is not a control with a runtime definition; allowed: {', '.join(catalog.runtime_controls())}",
        ),
        (
            {"enforcement": {"ACC-1": "block"}},
            f"{KEY}.enforcement.ACC-1: the text 'block' is not allowed; allowed values: 'audit', 'deny', 'remediate'",
        ),
        (
            {"enforce": {"ACC-1": "deny"}},
            f"{KEY}.enforce: unknown key; did you mean 'enforcement'? allowed keys: 'scope', 'managementGroupId', 'enforcement', 'policyConfig'",
        ),
        (True, f"{KEY}: expected a mapping with keys 'scope', 'managementGroupId', 'enforcement', 'policyConfig', got true"),
    ],
    ids=["scope", "group-without-scope", "control-without-runtime", "level", "misspelt-key", "true"],
)
def test_bad_guardrails_values_are_refused_naming_the_key(value: Any, message: str) -> None:
    assert problems_of(with_guardrails(value)) == [message]


def test_pack_exemptions_of_runtime_controls_become_waivers_with_the_same_expiry(tmp_path: Path) -> None:
    path = pack_config(
        tmp_path,
        {
            "all": "mandatory",
            NETWORK_POLICY: {"exemptions": [{"resource": "legacy-*", "reason": "SEC-42", "expires": "2027-01-31", "scope": STORAGE}]},
            # ACC-8 has no runtime definition: the pack's exemption alone is the waiver.
            "azurenative-cognitiveservices-deployment-capacity-cap": {
                "exemptions": [{"resource": "big", "reason": "quota", "expires": "2027-02-01"}]
            },
        },
    )
    guardrails = parse_settings(with_guardrails({"policyConfig": path})).governance.guardrails
    assert guardrails is not None
    [waiver] = guardrails.waivers
    assert (waiver.policy, waiver.resource, waiver.scope, waiver.controls, waiver.reason, waiver.expires) == (
        NETWORK_POLICY,
        "legacy-*",
        STORAGE,
        ("ACC-7",),
        "SEC-42",
        "2027-01-31",
    )
    assert waiver.name.startswith("aizone-waiver-") and len(waiver.name) == len("aizone-waiver-") + 12


def test_a_pack_exemption_of_a_runtime_control_without_scope_is_refused(tmp_path: Path) -> None:
    path = pack_config(tmp_path, {NETWORK_POLICY: {"exemptions": [{"resource": "legacy-*", "reason": "SEC-42", "expires": "2027-01-31"}]}})
    assert problems_of(with_guardrails({"policyConfig": path})) == [
        f"{KEY}.policyConfig: {path}: {NETWORK_POLICY}.exemptions[0] waives ACC-7, which Azure Policy also enforces at runtime: "
        "add scope, the resource id Azure's exemption covers, so the one waiver holds in both layers"
    ]


@pytest.mark.parametrize(
    ("entry", "suffix"),
    [
        (
            {"scope": "/subscriptions/x/whatever"},
            ".scope: the text '/subscriptions/x/whatever' is not a resource group or resource id (/subscriptions/<id>/resourceGroups/...)",
        ),
        ({"scope": STORAGE, "expires": "2027-02-30"}, ".expires: '2027-02-30' is not a date (YYYY-MM-DD)"),
    ],
    ids=["scope-not-an-arm-id", "not-a-date"],
)
def test_a_waiver_azure_would_refuse_is_refused_first(tmp_path: Path, entry: dict[str, Any], suffix: str) -> None:
    item = {"resource": "legacy-*", "reason": "SEC-42", "expires": "2027-01-31", **entry}
    path = pack_config(tmp_path, {NETWORK_POLICY: {"exemptions": [item]}})
    assert problems_of(with_guardrails({"policyConfig": path})) == [f"{KEY}.policyConfig: {path}: {NETWORK_POLICY}.exemptions[0]{suffix}"]


def test_an_unreadable_pack_configuration_is_named(tmp_path: Path) -> None:
    missing = str(tmp_path / "nope.json")
    [problem] = problems_of(with_guardrails({"policyConfig": missing}))
    assert problem.startswith(f"{KEY}.policyConfig: cannot read the policy pack configuration {missing!r}: ")


def test_a_waiver_outside_the_guarded_resource_group_is_refused(tmp_path: Path) -> None:
    item = {"resource": "legacy-*", "reason": "SEC-42", "expires": "2027-01-31", "scope": ELSEWHERE}
    path = pack_config(tmp_path, {NETWORK_POLICY: {"exemptions": [item]}})
    assert problems_of(with_guardrails({"policyConfig": path})) == [
        f"{KEY}.policyConfig: {path}: {NETWORK_POLICY} exemption for 'legacy-*' has scope {ELSEWHERE}, outside the landing zone's "
        "resource group rg-aiz-dev where the guardrails are assigned: use a resource of that group, or assign the guardrails "
        "at the subscription (scope: subscription)"
    ]
    waivers = parse_settings(with_guardrails({"scope": "subscription", "policyConfig": path})).governance.guardrails
    assert waivers is not None and [w.scope for w in waivers.waivers] == [ELSEWHERE]
