"""EntraControls built alone through the component provider: report-only Conditional Access that
excludes the break-glass accounts, security groups, and one error listing every bad field."""

from typing import Any

import pytest

from tests.components.probe import Built, build

POLICY = "azuread:index/conditionalAccessPolicy:ConditionalAccessPolicy"
GROUP = "azuread:index/group:Group"
LOCATION = "azuread:index/namedLocation:NamedLocation"
BREAK_GLASS = "11111111-1111-1111-1111-111111111111"
GATEWAY_APP = "22222222-2222-2222-2222-222222222222"
MANAGEMENT = "797f4846-ba00-4fd7-ba43-dac1f8f63013"  # Windows Azure Service Management API
INPUTS: dict[str, Any] = {
    "displayPrefix": "aiz-probe",
    "aiApplicationIds": [GATEWAY_APP],
    "aiServicePrincipalIds": ["33333333-3333-3333-3333-333333333333"],
    "options": {"breakGlassObjectIds": [BREAK_GLASS], "trustedCountries": ["SE"]},
}
BAD: dict[str, Any] = {
    "displayPrefix": " ",
    "aiApplicationIds": [],
    "options": {
        "conditionalAccessState": "enabled",
        "trustedCountries": ["se"],
        "trustedIpRanges": ["10.0.0.0/33"],
        "signInRiskAction": "allow",
        "adminEligibilityDays": 0,
    },
}


@pytest.fixture(scope="module")
def built() -> Built:
    return build("EntraControls", ("entra", INPUTS), ("bad", BAD))


@pytest.mark.controls("ACC-4")
def test_policies_are_report_only_and_exclude_the_break_glass_accounts(built: Built) -> None:
    policies = {p["name"]: p["inputs"] for p in built.of_type(POLICY)}
    assert set(policies) == {"entra-ca-mfa", "entra-ca-risk", "entra-ca-admin-device", "entra-ca-location"}
    for policy in policies.values():
        assert policy["state"] == "enabledForReportingButNotEnforced"
        assert policy["conditions"]["users"]["excludedUsers"] == [BREAK_GLASS]
    assert policies["entra-ca-mfa"]["conditions"]["applications"]["includedApplications"] == [MANAGEMENT, GATEWAY_APP]
    assert policies["entra-ca-mfa"]["grantControls"]["builtInControls"] == ["mfa"]
    assert policies["entra-ca-risk"]["conditions"]["signInRiskLevels"] == ["medium", "high"]
    assert policies["entra-ca-admin-device"]["conditions"]["applications"]["includedApplications"] == [MANAGEMENT]
    assert policies["entra-ca-admin-device"]["grantControls"] == {"operator": "AND", "builtInControls": ["mfa", "compliantDevice"]}
    assert policies["entra-ca-location"]["grantControls"]["builtInControls"] == ["block"]
    country = built.one(LOCATION)["country"]
    assert country == {"countriesAndRegions": ["SE"], "includeUnknownCountriesAndRegions": False}


@pytest.mark.controls("ACC-2", "ACC-3")
def test_groups_are_security_groups_without_mail(built: Built) -> None:
    groups = {g["inputs"]["displayName"]: g["inputs"] for g in built.of_type(GROUP) if g["name"].startswith("entra")}
    assert set(groups) == {"aiz-probe AI administrators", "aiz-probe AI users", "aiz-probe AI agents"}
    for group in groups.values():
        assert group["securityEnabled"] is True and group["mailEnabled"] is False


def test_invalid_args_list_every_field_and_register_nothing(built: Built) -> None:
    message = built.errors["bad"]
    for line in (
        "EntraControls.display_prefix: a non-empty display name prefix",
        "EntraControls.options.break_glass_object_ids: at least one emergency-access (break-glass) account is required",
        "EntraControls.options.trusted_ip_ranges[0]: expected a CIDR range",
        "EntraControls.options.trusted_countries[0]: expected a two-letter ISO 3166 country code in capitals",
        "EntraControls.options.sign_in_risk_action: one of mfa, block",
        "EntraControls.options.admin_eligibility_days: a whole number of days between 1 and 365",
    ):
        assert line in message
    assert not [r for r in built.registrations if r["name"].startswith("bad")]
