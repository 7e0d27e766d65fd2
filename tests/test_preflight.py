"""The preflight command (`python -m pulumi_aizone.landing_zone.preflight`) against recorded ARM and Graph
responses (tests/data/preflight/, copied from the REST specs' and Graph docs' examples; see its
README). Each check: the dev stack's compliant baseline passes, and one changed field in one
recorded response gives exactly one line naming the check, what was found and what to do.
No live call: the transport answers from the recordings and fails on any other URL.
"""

from __future__ import annotations

import base64
import copy
import email.message
import io
import json
import subprocess
import sys
import tomllib
import urllib.error
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import yaml

from pulumi_aizone.landing_zone.preflight import (
    AzureTransport,
    Context,
    Identity,
    PreflightUsageError,
    Reply,
    read_stack,
    required_namespaces,
    run_checks,
)
from pulumi_aizone.landing_zone.preflight.__main__ import main
from pulumi_aizone.landing_zone.preflight.checks import RETIREMENT_NOTICE_DAYS, published_retirements
from pulumi_aizone.landing_zone.settings import Settings, parse_settings

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data" / "preflight"
# The subscription of the role-assignment spec example, so its recorded assignment is "at the subscription".
SUBSCRIPTION = "a925f2f7-5c63-4b7b-8799-25a5f97bc3b2"
USER = Identity(object_id="ce2ce14e-85d7-4629-bdbc-454d0519d987", tenant_id="72f988bf-86f1-41af-91ab-2d7cd011db47")
TODAY = date(2026, 12, 7)
OWNER = "8e3af657-a8ff-443c-a75c-2fe8c4bcb635"
CONTRIBUTOR = "b24988ac-6180-42a0-ab88-20f7382dd24c"
ARM_PREFIX = f"https://management.azure.com/subscriptions/{SUBSCRIPTION}"
MODELS = f"{ARM_PREFIX}/providers/Microsoft.CognitiveServices/locations/swedencentral/models"
USAGES = f"{ARM_PREFIX}/providers/Microsoft.CognitiveServices/locations/swedencentral/usages"
PRICINGS = f"{ARM_PREFIX}/providers/Microsoft.Security/pricings"
ROLE_ASSIGNMENTS = f"{ARM_PREFIX}/providers/Microsoft.Authorization/roleAssignments"
PURVIEW_ID = (
    "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-governance/providers/Microsoft.Purview/accounts/pview-contoso"
)
PURVIEW = f"https://management.azure.com{PURVIEW_ID}"
APP_POLICY = "https://graph.microsoft.com/v1.0/policies/defaultAppManagementPolicy"
MY_ROLES = "https://graph.microsoft.com/v1.0/me/transitiveMemberOf/microsoft.graph.directoryRole"


def recorded(name: str) -> Any:
    return json.loads((DATA / name).read_text(encoding="utf-8"))


def provider(namespace: str, state: str = "Registered") -> dict[str, Any]:
    """GetProvider.json (Registering, Microsoft.TestRP1) for another namespace and state."""
    body = recorded("GetProvider.json")
    body.update(id=f"/subscriptions/{SUBSCRIPTION}/providers/{namespace}", namespace=namespace, registrationState=state)
    return body


def not_found(code: str, message: str) -> Reply:
    """ARM's and Graph's error body ({"error": {"code", "message"}}, common-types ErrorResponse)."""
    return Reply(404, {"error": {"code": code, "message": message}})


def compliant_pricings() -> dict[str, Any]:
    """ListPricings_example.json with the landing zone's four plans on Free: none managed elsewhere."""
    body = recorded("ListPricings_example.json")
    template = next(p for p in body["value"] if p["name"] == "AppServices")
    for pricing in body["value"]:
        if pricing["name"] in ("StorageAccounts", "KeyVaults"):
            pricing["properties"] = copy.deepcopy(template["properties"])
    for name in ("AI", "Api"):
        entry = copy.deepcopy(template)
        entry.update(id=template["id"].replace("AppServices", name), name=name)
        body["value"].append(entry)
    return body


def owner_assignment() -> dict[str, Any]:
    """RoleAssignments_ListForScope.json with the recorded assignment for Owner."""
    body = recorded("RoleAssignments_ListForScope.json")
    body["value"][0]["properties"]["roleDefinitionId"] = f"/providers/Microsoft.Authorization/roleDefinitions/{OWNER}"
    return body


class Recorded:
    """A transport answering GETs from recorded responses keyed by URL path; any other URL fails."""

    def __init__(self, settings: Settings, identity: Identity = USER) -> None:
        self.routes: dict[str, Reply] = {
            f"{ARM_PREFIX}/providers/{namespace}": Reply(200, provider(namespace)) for namespace in required_namespaces(settings)
        }
        self.routes.update(
            {
                MODELS: Reply(200, recorded("models-swedencentral.json")),
                USAGES: Reply(200, recorded("usages-swedencentral.json")),
                PURVIEW: Reply(200, recorded("Accounts_Get.json")),
                PRICINGS: Reply(200, compliant_pricings()),
                ROLE_ASSIGNMENTS: Reply(200, owner_assignment()),
                APP_POLICY: Reply(200, recorded("get_tenantAppManagementPolicy.json")),
                MY_ROLES: Reply(200, recorded("transitiveMemberOf_directoryRole.json")),
            }
        )
        self._identity = identity
        self.urls: list[str] = []

    def get(self, url: str) -> Reply:
        self.urls.append(url)
        path = url.split("?", 1)[0]
        assert path in self.routes, f"unexpected request {url}"
        if path.startswith("https://management.azure.com/"):
            assert parse_qs(urlsplit(url).query).get("api-version"), url
        return self.routes[path]

    def identity(self) -> Identity:
        return self._identity

    def body(self, path: str) -> Any:
        return self.routes[path].body


# The deployments the recorded model list and usages describe, pinned here (with their own allow-list)
# so the tests do not follow the dev stack's or the pack's choice of models.
DEPLOYMENTS = [
    {"name": "gpt-4o", "model": {"format": "OpenAI", "name": "gpt-4o", "version": "2024-11-20"}, "sku": "GlobalStandard", "capacity": 50},
    {
        "name": "text-embedding-3-large",
        "model": {"format": "OpenAI", "name": "text-embedding-3-large", "version": "1"},
        "sku": "Standard",
        "capacity": 30,
    },
]


def dev_raw() -> dict[str, Any]:
    """The dev stack's `aizone:` values, with DEPLOYMENTS as its model deployments."""
    config = yaml.safe_load((ROOT / "Pulumi.dev.yaml").read_text(encoding="utf-8"))["config"]
    raw = {key.split(":", 1)[1]: value for key, value in config.items() if key.startswith("aizone:")}
    raw["ai"]["deployments"] = copy.deepcopy(DEPLOYMENTS)
    raw["ai"]["allowedModels"] = [d["model"] for d in DEPLOYMENTS]
    return raw


def write_stack(directory: Path, name: str, raw: dict[str, Any] | None = None, extra: dict[str, Any] | None = None) -> Path:
    """Pulumi.<name>.yaml holding `raw` (default: dev_raw()) under `aizone:` plus `extra` keys."""
    config = {f"aizone:{key}": value for key, value in (raw if raw is not None else dev_raw()).items()}
    config.update(extra or {})
    (directory / f"Pulumi.{name}.yaml").write_text(yaml.safe_dump({"config": config}), encoding="utf-8")
    return directory


def settings_of(raw: dict[str, Any] | None = None) -> Settings:
    return parse_settings(raw if raw is not None else dev_raw())


def lines(settings: Settings, transport: Recorded, today: date = TODAY, retirements: dict[Any, date] | None = None) -> list[str]:
    """The problem lines; published retirement dates only when given (the recorded API dates count always)."""
    context = Context(settings, SUBSCRIPTION, transport, today, retirements or {})
    return [problem.line() for problem in run_checks(context)]


@pytest.fixture
def dev() -> Settings:
    return settings_of()


@pytest.fixture
def arm(dev: Settings) -> Recorded:
    return Recorded(dev)


def test_the_dev_stack_passes_every_check_against_the_compliant_recordings(dev: Settings, arm: Recorded) -> None:
    assert lines(dev, arm) == []
    # Every check ran: each provider, the models, usages, Purview, pricings, the app policy and both role lists.
    assert sorted(url.split("?", 1)[0] for url in arm.urls) == sorted(arm.routes)


# --- providers -----------------------------------------------------------------------------------------


def test_a_provider_still_registering_is_named_with_the_command_to_register_it(dev: Settings, arm: Recorded) -> None:
    arm.routes[f"{ARM_PREFIX}/providers/Microsoft.Web"] = Reply(200, provider("Microsoft.Web", "Registering"))
    assert lines(dev, arm) == [
        "providers: Microsoft.Web is Registering; run `az provider register --namespace Microsoft.Web` "
        "(needed for the gateway subnet's delegation to Microsoft.Web/serverFarms)"
    ]


def test_the_spec_example_of_an_unregistered_provider_is_reported(dev: Settings, arm: Recorded) -> None:
    arm.routes[f"{ARM_PREFIX}/providers/Microsoft.App"] = Reply(200, recorded("GetProvider.json"))
    assert lines(dev, arm) == [
        "providers: Microsoft.App is Registering; run `az provider register --namespace Microsoft.App` (needed for the code-session environment and pools)"
    ]


def test_a_provider_the_deployer_cannot_read_is_a_problem_not_a_pass(dev: Settings, arm: Recorded) -> None:
    arm.routes[f"{ARM_PREFIX}/providers/Microsoft.Storage"] = Reply(
        403, {"error": {"code": "AuthorizationFailed", "message": "The client does not have authorization."}}
    )
    assert lines(dev, arm) == [
        "providers: cannot read the registration of Microsoft.Storage (HTTP 403 AuthorizationFailed: The client does not have authorization.); "
        "run `az provider register --namespace Microsoft.Storage` (needed for a storage account per application)"
    ]


def test_the_namespaces_follow_the_settings_not_a_fixed_list(dev: Settings) -> None:
    assert set(required_namespaces(dev)) == {
        "Microsoft.CognitiveServices",
        "Microsoft.Storage",
        "Microsoft.KeyVault",
        "Microsoft.Network",
        "Microsoft.Insights",
        "Microsoft.OperationalInsights",
        "Microsoft.ApiManagement",
        "Microsoft.Web",
        "Microsoft.App",
        "Microsoft.ContainerRegistry",
        "Microsoft.ManagedIdentity",
        "Microsoft.Security",
        "Microsoft.PolicyInsights",
    }
    raw = dev_raw()
    raw["gateway"] = False
    del raw["network"]["subnets"]["gateway"]
    raw["execution"] = {"registry": False, "sessions": False}
    del raw["network"]["subnets"]["agents"]
    raw["governance"] = {"purview": {"create": True}, "defender": False}
    raw["agents"] = []
    raw["data"] = {"protect": False}
    raw["observability"] = {
        "workspaceId": "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-logs/providers/Microsoft.OperationalInsights/workspaces/law-hub"
    }
    assert set(required_namespaces(settings_of(raw))) == {
        "Microsoft.CognitiveServices",
        "Microsoft.Storage",
        "Microsoft.KeyVault",
        "Microsoft.Network",
        "Microsoft.Insights",
        "Microsoft.Purview",
    }


# --- models, retirement, quota -----------------------------------------------------------------------


def _gpt4o(transport: Recorded) -> dict[str, Any]:
    return next(e["model"] for e in transport.body(MODELS)["value"] if e["model"]["name"] == "gpt-4o")


def test_a_model_without_the_chosen_sku_in_the_region_is_named_with_the_skus_offered(dev: Settings, arm: Recorded) -> None:
    model = _gpt4o(arm)
    model["skus"] = [sku for sku in model["skus"] if sku["name"] != "GlobalStandard"]
    assert lines(dev, arm) == [
        "models: gpt-4o (OpenAI/gpt-4o@2024-11-20, GlobalStandard) is not offered with SKU GlobalStandard in swedencentral (offered: Standard); "
        "pin a version and SKU the region offers (`az cognitiveservices model list -l swedencentral`), or choose another location"
    ]


def test_the_spec_example_listing_offers_neither_pinned_model(dev: Settings, arm: Recorded) -> None:
    arm.routes[MODELS] = Reply(200, recorded("ListLocationModels.json"))
    action = "pin a version and SKU the region offers (`az cognitiveservices model list -l swedencentral`), or choose another location"
    assert lines(dev, arm) == [
        f"models: gpt-4o (OpenAI/gpt-4o@2024-11-20, GlobalStandard) is not offered in swedencentral; {action}",
        f"models: text-embedding-3-large (OpenAI/text-embedding-3-large@1, Standard) is not offered in swedencentral; {action}",
    ]


def test_another_version_of_the_same_model_does_not_count(dev: Settings, arm: Recorded) -> None:
    _gpt4o(arm)["version"] = "2024-08-06"
    assert lines(dev, arm)[0].startswith("models: gpt-4o (OpenAI/gpt-4o@2024-11-20, GlobalStandard) is not offered in swedencentral;")


@pytest.mark.parametrize(
    ("days", "verb"),
    [(RETIREMENT_NOTICE_DAYS, "retires on"), (1, "retires on"), (0, "retired on"), (-30, "retired on")],
)
def test_a_version_retiring_within_90_days_is_reported(dev: Settings, arm: Recorded, days: int, verb: str) -> None:
    when = TODAY + timedelta(days=days)
    next(s for s in _gpt4o(arm)["skus"] if s["name"] == "GlobalStandard")["deprecationDate"] = f"{when.isoformat()}T00:00:00Z"
    assert lines(dev, arm) == [
        f"models: gpt-4o (OpenAI/gpt-4o@2024-11-20, GlobalStandard) {verb} {when.isoformat()} (within 90 days of 2026-12-07); "
        "pin a newer version in aizone:ai.deployments (and aizone:ai.allowedModels if it is not on the default list)"
    ]


def test_a_version_retiring_on_day_91_passes(dev: Settings, arm: Recorded) -> None:
    when = TODAY + timedelta(days=RETIREMENT_NOTICE_DAYS + 1)
    next(s for s in _gpt4o(arm)["skus"] if s["name"] == "GlobalStandard")["deprecationDate"] = f"{when.isoformat()}T00:00:00Z"
    assert lines(dev, arm) == []


def test_without_a_sku_date_the_models_inference_deprecation_counts(dev: Settings, arm: Recorded) -> None:
    model = next(e["model"] for e in arm.body(MODELS)["value"] if e["model"]["name"] == "text-embedding-3-large")
    model["deprecation"]["inference"] = "2027-01-15T00:00:00Z"
    assert lines(dev, arm) == [
        "models: text-embedding-3-large (OpenAI/text-embedding-3-large@1, Standard) retires on 2027-01-15 (within 90 days of 2026-12-07); "
        "pin a newer version in aizone:ai.deployments (and aizone:ai.allowedModels if it is not on the default list)"
    ]


def test_the_earlier_of_the_sku_and_model_dates_counts(dev: Settings, arm: Recorded) -> None:
    _gpt4o(arm)["deprecation"]["inference"] = "2027-01-31T00:00:00Z"  # the SKU's date stays 2027-10-01
    assert lines(dev, arm)[0].startswith("models: gpt-4o (OpenAI/gpt-4o@2024-11-20, GlobalStandard) retires on 2027-01-31 (within 90 days")


def test_a_published_retirement_date_counts_when_the_api_reports_a_later_one(dev: Settings, arm: Recorded) -> None:
    published = {("OpenAI", "gpt-4o", "2024-11-20"): date(2026, 10, 1)}
    assert lines(dev, arm, retirements=published) == [
        "models: gpt-4o (OpenAI/gpt-4o@2024-11-20, GlobalStandard) retired on 2026-10-01 (within 90 days of 2026-12-07); "
        "pin a newer version in aizone:ai.deployments (and aizone:ai.allowedModels if it is not on the default list)"
    ]


def test_the_published_dates_are_read_from_the_packs_model_retirements(monkeypatch: pytest.MonkeyPatch) -> None:
    from pulumi_aizone_policy import defaults

    rows = (
        {"format": "OpenAI", "name": "gpt-4o", "version": "2024-11-20", "retires": "2026-10-01"},
        {"format": "OpenAI", "name": "o1", "version": "2024-12-17", "retires": "not a date"},
    )
    monkeypatch.setattr(defaults, "MODEL_RETIREMENTS", rows, raising=False)
    assert published_retirements() == {("OpenAI", "gpt-4o", "2024-11-20"): date(2026, 10, 1)}
    monkeypatch.delattr(defaults, "MODEL_RETIREMENTS", raising=False)
    assert published_retirements() == {}


def test_capacity_above_the_free_quota_is_reported_with_the_numbers(dev: Settings, arm: Recorded) -> None:
    usage = next(u for u in arm.body(USAGES)["value"] if u["name"]["value"] == "OpenAI.GlobalStandard.gpt-4o")
    usage["currentValue"] = 420
    assert lines(dev, arm) == [
        "quota: OpenAI.GlobalStandard.gpt-4o (gpt-4o) asks 50, swedencentral has 30 of 450 free; "
        "lower the capacity in aizone:ai.deployments or request more quota (Azure AI Foundry portal, Quotas)"
    ]


def test_capacity_exactly_the_free_quota_passes(dev: Settings, arm: Recorded) -> None:
    next(u for u in arm.body(USAGES)["value"] if u["name"]["value"] == "OpenAI.GlobalStandard.gpt-4o")["currentValue"] = 400
    assert lines(dev, arm) == []


def test_deployments_sharing_a_quota_are_summed(arm: Recorded) -> None:
    raw = dev_raw()
    second = copy.deepcopy(raw["ai"]["deployments"][0])
    second["name"] = "gpt-4o-batch"
    raw["ai"]["deployments"].append(second)
    next(u for u in arm.body(USAGES)["value"] if u["name"]["value"] == "OpenAI.GlobalStandard.gpt-4o")["currentValue"] = 360
    assert lines(settings_of(raw), arm) == [
        "quota: OpenAI.GlobalStandard.gpt-4o (gpt-4o, gpt-4o-batch) asks 100, swedencentral has 90 of 450 free; "
        "lower the capacity in aizone:ai.deployments or request more quota (Azure AI Foundry portal, Quotas)"
    ]


def test_the_spec_example_usages_have_no_quota_for_the_models(dev: Settings, arm: Recorded) -> None:
    arm.routes[USAGES] = Reply(200, recorded("ListUsages.json"))
    action = "lower the capacity in aizone:ai.deployments or request more quota (Azure AI Foundry portal, Quotas)"
    assert lines(dev, arm) == [
        f"quota: OpenAI.GlobalStandard.gpt-4o (gpt-4o): swedencentral reports no quota for it; {action}",
        f"quota: OpenAI.Standard.text-embedding-3-large (text-embedding-3-large): swedencentral reports no quota for it; {action}",
    ]


def test_a_second_page_of_models_is_read(dev: Settings, arm: Recorded) -> None:
    first = arm.body(MODELS)
    second_page = f"{MODELS}/page2"
    arm.routes[second_page] = Reply(200, {"value": first["value"][1:]})
    first["value"] = first["value"][:1]
    first["nextLink"] = second_page + "?api-version=2024-10-01&$skipToken=2"
    assert lines(dev, arm) == []


# --- Purview ---------------------------------------------------------------------------------------------


def test_an_attached_purview_account_that_does_not_exist_is_reported(dev: Settings, arm: Recorded) -> None:
    arm.routes[PURVIEW] = not_found(
        "ResourceNotFound", "The Resource 'Microsoft.Purview/accounts/pview-contoso' under resource group 'rg-governance' was not found."
    )
    assert lines(dev, arm) == [
        f"purview: the account {PURVIEW_ID} does not exist (HTTP 404 ResourceNotFound: The Resource 'Microsoft.Purview/accounts/pview-contoso' "
        "under resource group 'rg-governance' was not found.); correct aizone:governance.purview.accountId, or use {create: true} if the tenant has no account"
    ]


def test_an_unreadable_account_passes_only_when_its_principal_id_is_given(dev: Settings, arm: Recorded) -> None:
    arm.routes[PURVIEW] = Reply(403, {"error": {"code": "AuthorizationFailed", "message": "no access"}})
    assert lines(dev, arm) == []  # the dev stack gives principalId
    raw = dev_raw()
    del raw["governance"]["purview"]["principalId"]
    raw["governance"]["purview"]["accountId"] = PURVIEW_ID.replace("00000000-0000-0000-0000-000000000000", SUBSCRIPTION)
    arm.routes[PURVIEW.replace("00000000-0000-0000-0000-000000000000", SUBSCRIPTION)] = arm.routes.pop(PURVIEW)
    assert lines(settings_of(raw), arm) == [
        f"purview: cannot read the account {raw['governance']['purview']['accountId']} (HTTP 403 AuthorizationFailed: no access); "
        "grant the deployer Reader on the account, or give aizone:governance.purview.principalId (its identity's object id)"
    ]


def test_a_principal_id_that_is_not_the_accounts_identity_is_reported(dev: Settings, arm: Recorded) -> None:
    arm.body(PURVIEW)["identity"] = {"type": "SystemAssigned", "principalId": "11111111-2222-3333-4444-555555555555"}
    assert lines(dev, arm) == [
        "purview: aizone:governance.purview.principalId is 5a9f3c2e-7d41-4b8e-9c6a-2f1e0d3b4a57, the account's identity is "
        "11111111-2222-3333-4444-555555555555; set principalId to the account's identity (or remove it to have it looked up)"
    ]


# --- Defender ----------------------------------------------------------------------------------------------


def test_the_spec_example_pricings_have_plans_managed_elsewhere_and_plans_missing(dev: Settings, arm: Recorded) -> None:
    arm.routes[PRICINGS] = Reply(200, recorded("ListPricings_example.json"))
    missing = "set aizone:governance.defender: false, or register Microsoft.Security and retry"
    takeover = "if the platform team manages Defender, set aizone:governance.defender: false (and tell the pack); otherwise the stack takes the plan over"
    assert lines(dev, arm) == [
        f"defender: plan AI is not offered on the subscription; {missing}",
        f"defender: plan StorageAccounts is already Standard (since 2023-03-01T12:42:42.1921106Z): someone else manages it; {takeover}",
        f"defender: plan KeyVaults is already Standard (since 2023-03-01T12:42:42.1921106Z): someone else manages it; {takeover}",
        f"defender: plan Api is not offered on the subscription; {missing}",
    ]


def test_plans_already_standard_are_expected_when_the_stack_adopts_them(dev: Settings, arm: Recorded) -> None:
    arm.routes[PRICINGS] = Reply(200, recorded("ListPricings_example.json"))
    object.__setattr__(dev.governance, "defender_adopt", True)  # `governance.defender: adopt`, where the settings have it
    assert lines(dev, arm) == [
        "defender: plan AI is not offered on the subscription; set aizone:governance.defender: false, or register Microsoft.Security and retry",
        "defender: plan Api is not offered on the subscription; set aizone:governance.defender: false, or register Microsoft.Security and retry",
    ]


def test_defender_off_reads_no_plans(arm: Recorded) -> None:
    raw = dev_raw()
    raw["governance"]["defender"] = False
    arm.routes[PRICINGS] = Reply(200, recorded("ListPricings_example.json"))
    arm.routes.pop(f"{ARM_PREFIX}/providers/Microsoft.Security")
    assert lines(settings_of(raw), arm) == []
    assert not [url for url in arm.urls if "Microsoft.Security" in url]


# --- identifier URIs ---------------------------------------------------------------------------------------


def _restricting_policy(**rule: Any) -> dict[str, Any]:
    """The Graph docs' default policy, enabled, with a nonDefaultUriAddition restriction shaped like
    identifierUriRestriction (Graph v1.0)."""
    body = recorded("get_tenantAppManagementPolicy.json")
    body["isEnabled"] = True
    body["applicationRestrictions"]["identifierUris"] = {
        "nonDefaultUriAddition": {
            "state": "enabled",
            "restrictForAppsCreatedAfterDateTime": "2024-01-01T10:37:00Z",
            "excludeAppsReceivingV2Tokens": False,
            "excludeSaml": True,
            **rule,
        }
    }
    return body


def test_an_enabled_non_default_uri_restriction_is_reported(dev: Settings, arm: Recorded) -> None:
    arm.routes[APP_POLICY] = Reply(200, _restricting_policy())
    assert lines(dev, arm) == [
        "identifierUris: the tenant's nonDefaultUriAddition restriction is enabled: it refuses the gateway's identifier URI "
        "api://<tenant id>/<service name>; ask the tenant admins for an exemption for the deploying identity (excludeActors)"
    ]


@pytest.mark.parametrize(
    "rule",
    [
        {"state": "disabled"},
        {"excludeAppsReceivingV2Tokens": True},  # the gateway's app receives v2 tokens
        {"restrictForAppsCreatedAfterDateTime": "2027-03-01T00:00:00Z"},  # not in force yet
    ],
)
def test_a_restriction_that_does_not_apply_to_the_gateway_app_passes(dev: Settings, arm: Recorded, rule: dict[str, Any]) -> None:
    arm.routes[APP_POLICY] = Reply(200, _restricting_policy(**rule))
    assert lines(dev, arm) == []


def test_a_disabled_policy_and_the_tenant_id_rule_pass(dev: Settings, arm: Recorded) -> None:
    policy = _restricting_policy()
    policy["isEnabled"] = False
    arm.routes[APP_POLICY] = Reply(200, policy)
    assert lines(dev, arm) == []
    policy = _restricting_policy(state="disabled")
    policy["applicationRestrictions"]["identifierUris"]["uriAdditionWithoutUniqueTenantIdentifier"] = {"state": "enabled"}
    arm.routes[APP_POLICY] = Reply(200, policy)
    assert lines(dev, arm) == []  # api://<tenant id>/... carries the tenant id


# --- the deployer's roles ----------------------------------------------------------------------------------


def test_the_spec_example_role_assignment_is_not_enough(dev: Settings, arm: Recorded) -> None:
    arm.routes[ROLE_ASSIGNMENTS] = Reply(200, recorded("RoleAssignments_ListForScope.json"))
    assert lines(dev, arm) == [
        f"azureRoles: the deployer holds 0b5fe924-9a61-425c-96af-cfe6e287ca2d on subscription {SUBSCRIPTION}; it needs Owner, "
        "or Contributor + User Access Administrator, or Contributor + Role Based Access Control Administrator + Resource Policy Contributor "
        "(activate eligible PIM roles first)"
    ]
    (url,) = [u for u in arm.urls if u.startswith(ROLE_ASSIGNMENTS)]
    assert parse_qs(urlsplit(url).query)["$filter"] == [f"assignedTo('{USER.object_id}')"]


def _assignments(*roles_and_scopes: tuple[str, str]) -> dict[str, Any]:
    body = recorded("RoleAssignments_ListForScope.json")
    template = body["value"][0]
    body["value"] = []
    for role, scope in roles_and_scopes:
        entry = copy.deepcopy(template)
        entry["properties"].update(roleDefinitionId=f"/providers/Microsoft.Authorization/roleDefinitions/{role}", scope=scope)
        body["value"].append(entry)
    return body


def test_contributor_alone_is_reported(dev: Settings, arm: Recorded) -> None:
    arm.routes[ROLE_ASSIGNMENTS] = Reply(200, _assignments((CONTRIBUTOR, f"/subscriptions/{SUBSCRIPTION}")))
    assert lines(dev, arm)[0].startswith(f"azureRoles: the deployer holds Contributor on subscription {SUBSCRIPTION}; it needs Owner,")


def test_owner_on_a_resource_group_does_not_count_but_on_a_management_group_does(dev: Settings, arm: Recorded) -> None:
    arm.routes[ROLE_ASSIGNMENTS] = Reply(200, _assignments((OWNER, f"/subscriptions/{SUBSCRIPTION}/resourceGroups/rg-other")))
    assert lines(dev, arm)[0].startswith("azureRoles: the deployer holds none on subscription")
    arm.routes[ROLE_ASSIGNMENTS] = Reply(200, _assignments((OWNER, "/providers/Microsoft.Management/managementGroups/platform")))
    assert lines(dev, arm) == []


def test_contributor_with_user_access_administrator_passes(dev: Settings, arm: Recorded) -> None:
    scope = f"/subscriptions/{SUBSCRIPTION}"
    arm.routes[ROLE_ASSIGNMENTS] = Reply(200, _assignments((CONTRIBUTOR, scope), ("18d7d88d-d35e-4fb5-a5c3-7773c20a72d9", scope)))
    assert lines(dev, arm) == []
    rbac_admin = "f58310d9-a9f6-439a-9e8d-f62e7b41a168"
    arm.routes[ROLE_ASSIGNMENTS] = Reply(200, _assignments((CONTRIBUTOR, scope), (rbac_admin, scope)))
    assert lines(dev, arm)[0].startswith(
        f"azureRoles: the deployer holds Contributor, Role Based Access Control Administrator on subscription {SUBSCRIPTION};"
    )


def test_a_missing_entra_role_is_named(dev: Settings, arm: Recorded) -> None:
    body = arm.body(MY_ROLES)
    body["value"] = [role for role in body["value"] if role["displayName"] != "Conditional Access Administrator"]
    assert lines(dev, arm) == [
        "entraRoles: the deployer lacks Conditional Access Administrator (holds Application Administrator, Groups Administrator); "
        "assign Conditional Access Administrator (activate eligible PIM roles first)"
    ]


def test_global_administrator_covers_every_entra_role(dev: Settings, arm: Recorded) -> None:
    body = arm.body(MY_ROLES)
    body["value"] = [dict(body["value"][0], displayName="Global Administrator", roleTemplateId="62e90394-69f5-4237-9190-012177145e10")]
    assert lines(dev, arm) == []


def test_a_role_named_like_an_admin_role_but_with_another_template_does_not_count(dev: Settings, arm: Recorded) -> None:
    body = arm.body(MY_ROLES)
    body["value"][2]["roleTemplateId"] = "00000000-0000-0000-0000-000000000001"  # a custom role called "Conditional Access Administrator"
    assert lines(dev, arm)[0].startswith("entraRoles: the deployer lacks Conditional Access Administrator")


def test_an_app_deployer_may_hold_graph_permissions_instead_of_roles(dev: Settings) -> None:
    app = Identity(
        USER.object_id, USER.tenant_id, is_app=True, graph_app_roles=frozenset({"Application.ReadWrite.All", "Group.ReadWrite.All"})
    )
    transport = Recorded(dev, app)
    sp_roles = f"https://graph.microsoft.com/v1.0/servicePrincipals/{USER.object_id}/transitiveMemberOf/microsoft.graph.directoryRole"
    transport.routes[sp_roles] = Reply(200, {"value": []})
    del transport.routes[MY_ROLES]
    assert lines(dev, transport) == [
        "entraRoles: the deployer lacks Conditional Access Administrator (holds none); "
        "assign Conditional Access Administrator or the Graph permissions Policy.ReadWrite.ConditionalAccess (activate eligible PIM roles first)"
    ]


def test_without_gateway_and_entra_no_entra_role_or_uri_policy_is_read(arm: Recorded) -> None:
    raw = dev_raw()
    raw["gateway"] = False
    del raw["network"]["subnets"]["gateway"]
    raw["entra"] = {"enabled": False}
    arm.routes[MY_ROLES] = Reply(200, {"value": []})
    arm.routes[APP_POLICY] = Reply(200, _restricting_policy())
    assert lines(settings_of(raw), arm) == []
    assert not [url for url in arm.urls if url.startswith("https://graph.microsoft.com/")]


# --- the command --------------------------------------------------------------------------------------------


def _main(args: list[str], transport: Recorded | None = None, stdin: str = "") -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()

    def factory() -> Recorded:
        assert transport is not None, "no transport expected"
        return transport

    code = main(args, transport_factory=factory, today=TODAY, out=out, err=err, stdin=io.StringIO(stdin), retirements={})
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def stack_dir(tmp_path: Path) -> Path:
    """A program directory whose Pulumi.dev.yaml is the dev stack with DEPLOYMENTS."""
    return write_stack(tmp_path, "dev")


def test_the_command_exits_0_when_clean_and_1_with_one_line_per_problem(stack_dir: Path, arm: Recorded) -> None:
    code, out, err = _main(["--stack", "dev", "--program", str(stack_dir), "--subscription", SUBSCRIPTION], arm)
    assert (code, out, err) == (0, f"preflight: stack dev on subscription {SUBSCRIPTION}: no problems found\n", "")
    arm.routes[f"{ARM_PREFIX}/providers/Microsoft.Web"] = Reply(200, provider("Microsoft.Web", "NotRegistered"))
    arm.routes[APP_POLICY] = Reply(200, _restricting_policy())
    code, out, err = _main(["--stack", "dev", "--program", str(stack_dir), "--subscription", SUBSCRIPTION], arm)
    assert code == 1 and err == ""
    assert out.splitlines() == [
        "providers: Microsoft.Web is NotRegistered; run `az provider register --namespace Microsoft.Web` "
        "(needed for the gateway subnet's delegation to Microsoft.Web/serverFarms)",
        "identifierUris: the tenant's nonDefaultUriAddition restriction is enabled: it refuses the gateway's identifier URI "
        "api://<tenant id>/<service name>; ask the tenant admins for an exemption for the deploying identity (excludeActors)",
    ]


def test_usage_errors_exit_2_before_any_call(tmp_path: Path) -> None:
    assert _main(["--stack", "nope", "--program", str(ROOT), "--subscription", SUBSCRIPTION]) == (
        2,
        "",
        f"preflight: no stack file {ROOT / 'Pulumi.nope.yaml'}; give --stack and --program\n",
    )
    code, _, err = _main(["--stack", "dev", "--program", str(ROOT), "--subscription", "my-subscription"])
    assert (code, err) == (2, "preflight: the subscription 'my-subscription' is not a subscription id (a GUID)\n")
    code, _, err = _main([])
    assert code == 2
    raw = dev_raw()
    raw["ai"]["deployments"][0]["capacity"] = 0
    write_stack(tmp_path, "bad", raw)
    code, out, err = _main(["--stack", "bad", "--program", str(tmp_path), "--subscription", SUBSCRIPTION])
    assert code == 2 and out == ""
    assert err.startswith(f"preflight: {tmp_path / 'Pulumi.bad.yaml'}: ") and "aizone:ai.deployments[0].capacity" in err


def test_the_subscription_comes_from_the_flag_then_arm_subscription_id_then_the_stack(tmp_path: Path) -> None:
    write_stack(tmp_path, "s")
    with pytest.raises(PreflightUsageError, match="no subscription: give --subscription <id>, set ARM_SUBSCRIPTION_ID"):
        read_stack(tmp_path, "s", environ={})
    assert read_stack(tmp_path, "s", environ={"ARM_SUBSCRIPTION_ID": SUBSCRIPTION.upper()}).subscription_id == SUBSCRIPTION
    write_stack(tmp_path, "s", extra={"azure-native:subscriptionId": SUBSCRIPTION})
    assert read_stack(tmp_path, "s", environ={}).subscription_id == SUBSCRIPTION
    other = "11111111-2222-3333-4444-555555555555"
    assert read_stack(tmp_path, "s", other, environ={"ARM_SUBSCRIPTION_ID": SUBSCRIPTION}).subscription_id == other


def test_a_stack_file_with_a_duplicate_key_or_an_encrypted_value_is_refused(tmp_path: Path) -> None:
    text = (ROOT / "Pulumi.dev.yaml").read_text(encoding="utf-8")
    (tmp_path / "Pulumi.dup.yaml").write_text(
        text.replace("  aizone:prefix: aiz\n", "  aizone:prefix: aiz\n  aizone:prefix: evil\n"), encoding="utf-8"
    )
    with pytest.raises(PreflightUsageError, match="the key 'aizone:prefix' appears twice"):
        read_stack(tmp_path, "dup", SUBSCRIPTION)
    stack = yaml.safe_load(text)
    stack["config"]["aizone:alerts"]["emails"] = [{"secure": "v1:abc"}]
    (tmp_path / "Pulumi.sec.yaml").write_text(yaml.safe_dump(stack), encoding="utf-8")
    with pytest.raises(PreflightUsageError, match=r"aizone:alerts\.emails\[0\] is encrypted \(secure\)"):
        read_stack(tmp_path, "sec", SUBSCRIPTION)


def _cli_json(secret_keys: tuple[str, ...] = ("alerts",), show_secrets: bool = True) -> str:
    """The dev stack as `pulumi config --json [--show-secrets]` prints it (configValueJSON: `value`
    text, `objectValue` for structured values, `secret`; the project's own namespace left out)."""
    printed: dict[str, Any] = {}
    for key, value in dev_raw().items():
        secret = key in secret_keys
        entry: dict[str, Any] = {"secret": secret}
        if not secret or show_secrets:
            entry["value"] = value if isinstance(value, str) else json.dumps(value)
            if not isinstance(value, str):
                entry["objectValue"] = value
        printed[key] = entry
    return json.dumps(printed)


def test_a_stack_with_secrets_is_read_from_the_clis_json(arm: Recorded) -> None:
    args = ["--stack", "dev", "--program", str(ROOT), "--subscription", SUBSCRIPTION, "--config-json", "-"]
    assert _main(args, arm, stdin=_cli_json())[0] == 0
    code, out, err = _main(args, stdin=_cli_json(show_secrets=False))
    assert (code, out, err) == (2, "", "preflight: --config-json: aizone:alerts has no value (a secret printed without --show-secrets?)\n")
    code, _, err = _main(args, stdin="Pulumi.dev.yaml")
    assert code == 2 and err.startswith("preflight: --config-json: not the JSON of `pulumi config --json --show-secrets`: ")


def test_secret_values_never_appear_in_a_problem_line(arm: Recorded) -> None:
    arm.routes[PURVIEW] = not_found("ResourceNotFound", "not found")
    args = ["--stack", "dev", "--program", str(ROOT), "--subscription", SUBSCRIPTION, "--config-json", "-"]
    code, out, _ = _main(args, arm, stdin=_cli_json(secret_keys=("governance",)))
    assert code == 1
    assert out.splitlines() == [
        "purview: the account [secret] does not exist (HTTP 404 ResourceNotFound: not found); "
        "correct aizone:governance.purview.accountId, or use {create: true} if the tenant has no account"
    ]
    code, out, err = _main(args, stdin=_cli_json(secret_keys=("governance",)).replace("pview-contoso", "pview contoso"))
    assert code == 2 and "pview" not in err and "[secret]" in err


def test_the_module_runs_and_documents_its_flags() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "pulumi_aizone.landing_zone.preflight", "--help"], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert "--stack NAME" in result.stdout and "--subscription ID" in result.stdout


# --- the real transport, without a network --------------------------------------------------------------------


def _jwt(claims: dict[str, Any]) -> str:
    payload = base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")
    return f"eyJhbGciOiJub25lIn0.{payload}.sig"


class _Token:
    def __init__(self, token: str) -> None:
        self.token = token


class _Credential:
    def __init__(self, claims: dict[str, dict[str, Any]]) -> None:
        self.claims = claims
        self.scopes: list[str] = []

    def get_token(self, scope: str) -> _Token:
        self.scopes.append(scope)
        return _Token(_jwt(self.claims[scope]))


class _Response:
    def __init__(self, status: int, body: bytes) -> None:
        self.status, self._body = status, body

    def read(self) -> bytes:
        return self._body

    def __enter__(self) -> _Response:
        return self

    def __exit__(self, *_: object) -> None:
        return None


def test_the_azure_transport_sends_the_token_for_each_host_and_returns_errors_as_replies() -> None:
    arm_claims = {"oid": USER.object_id, "tid": USER.tenant_id, "scp": "user_impersonation"}
    credential = _Credential(
        {"https://management.azure.com/.default": arm_claims, "https://graph.microsoft.com/.default": {"scp": "User.Read"}}
    )
    sent: list[Any] = []

    def opener(request: Any, timeout: int) -> _Response:
        sent.append(request)
        if "graph" in request.full_url:
            body = b'{"error": {"code": "Authorization_RequestDenied", "message": "Insufficient privileges"}}'
            raise urllib.error.HTTPError(request.full_url, 403, "Forbidden", email.message.Message(), io.BytesIO(body))
        return _Response(200, b'{"registrationState": "Registered"}')

    transport = AzureTransport(credential=credential, opener=opener)
    assert transport.get(f"{ARM_PREFIX}/providers/Microsoft.Web?api-version=2021-04-01") == Reply(200, {"registrationState": "Registered"})
    reply = transport.get(APP_POLICY)
    assert reply.error() == "HTTP 403 Authorization_RequestDenied: Insufficient privileges"
    assert [r.get_header("Authorization").startswith("Bearer eyJ") for r in sent] == [True, True]
    assert transport.identity() == Identity(USER.object_id, USER.tenant_id, is_app=False)
    with pytest.raises(ValueError, match="preflight only calls"):
        transport.get("https://example.com/steal")


def test_an_app_only_token_makes_an_app_identity_with_its_graph_permissions() -> None:
    credential = _Credential(
        {
            "https://management.azure.com/.default": {"oid": USER.object_id, "tid": USER.tenant_id, "idtyp": "app"},
            "https://graph.microsoft.com/.default": {"roles": ["Application.ReadWrite.All"], "idtyp": "app"},
        }
    )
    identity = AzureTransport(credential=credential, opener=lambda *a, **k: None).identity()
    assert identity == Identity(USER.object_id, USER.tenant_id, True, frozenset({"Application.ReadWrite.All"}))


def test_a_failed_sign_in_and_a_missing_azure_identity_are_usage_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    class Failing:
        def get_token(self, scope: str) -> Any:
            raise RuntimeError(
                "DefaultAzureCredential failed to retrieve a token from the included credentials.\nAttempted credentials: ..."
            )

    with pytest.raises(PreflightUsageError, match="cannot get a token for https://management.azure.com: DefaultAzureCredential failed"):
        AzureTransport(credential=Failing()).get(f"{ARM_PREFIX}/providers/Microsoft.Web?api-version=2021-04-01")
    monkeypatch.setitem(sys.modules, "azure.identity", None)
    with pytest.raises(PreflightUsageError, match=r"azure-identity is not installed; install the preflight extra"):
        AzureTransport()


def test_the_pinned_preflight_requirements_satisfy_the_extra_and_ci_installs_them() -> None:
    from packaging.requirements import Requirement

    extra = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["optional-dependencies"]["preflight"]
    pins = {
        Requirement(line).name: Requirement(line)
        for line in (ROOT / "requirements-preflight.txt").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    }
    for wanted in map(Requirement, extra):
        (pinned,) = pins[wanted.name].specifier
        assert pinned.operator == "==" and wanted.specifier.contains(pinned.version), (wanted, pinned)
    assert "-r requirements-preflight.txt" in (ROOT / "requirements-dev.txt").read_text(encoding="utf-8").splitlines()
