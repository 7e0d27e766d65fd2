"""Settings for the keys issue 8 added or removed: `governance.purview` (attach, create, off),
`names` (salt, explicit names per service, duplicates) and the removed `data.lock`. One compliant
baseline (the dev stack) and one changed field per case; every refusal is the exact message a
user sees, naming the key and what is allowed."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from pulumi_aizone.landing_zone.settings import SettingsError, parse_settings

from .test_settings import dev_config

pytestmark = pytest.mark.controls("DATA-4", "DATA-5")

ACCOUNT_ID = (
    "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-governance/providers/Microsoft.Purview/accounts/pview-contoso"
)
PRINCIPAL_ID = "12345678-1234-1234-1234-123456789abc"
PURVIEW_FORMS = (
    "use {accountId: /subscriptions/<id>/resourceGroups/<group>/providers/Microsoft.Purview/accounts/<name>} "
    "to attach the tenant's existing account, {create: true} to create one, or false"
)


def with_value(section: str, key: str, value: Any) -> dict[str, Any]:
    config = copy.deepcopy(dev_config())
    config.setdefault(section, {})[key] = value
    return config


def problems_of(config: dict[str, Any]) -> list[str]:
    with pytest.raises(SettingsError) as caught:
        parse_settings(config)
    assert "Traceback" not in str(caught.value)
    return caught.value.problems


# --- governance.purview ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ({"accountId": ACCOUNT_ID}, (True, ACCOUNT_ID, None, False)),
        ({"accountId": ACCOUNT_ID, "principalId": PRINCIPAL_ID}, (True, ACCOUNT_ID, PRINCIPAL_ID, False)),
        ({"create": True}, (True, None, None, True)),
        (False, (False, None, None, False)),
    ],
    ids=["attach", "attach-with-principal", "create", "off"],
)
def test_purview_forms_parse(value: Any, expected: tuple[Any, ...]) -> None:
    governance = parse_settings(with_value("governance", "purview", value)).governance
    assert (governance.purview, governance.purview_account_id, governance.purview_principal_id, governance.purview_create) == expected


def test_the_dev_stack_attaches_the_tenants_purview_by_default() -> None:
    governance = parse_settings(dev_config()).governance
    assert governance.purview and not governance.purview_create
    assert governance.purview_account_id == ACCOUNT_ID


@pytest.mark.parametrize(
    ("value", "message"),
    [
        # `true` was the old "create one" switch: refused, with the three forms listed.
        (True, f"aizone:governance.purview: expected a mapping or false, got true; {PURVIEW_FORMS}"),
        (
            {"accountId": "/subscriptions/x/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/st"},
            "aizone:governance.purview.accountId: '/subscriptions/x/resourceGroups/rg/providers/Microsoft.Storage/"
            f"storageAccounts/st' is not allowed; {PURVIEW_FORMS}",
        ),
        (
            {"accountId": ACCOUNT_ID.replace("00000000-0000-0000-0000-000000000000", "my-subscription")},
            f"aizone:governance.purview.accountId: '{ACCOUNT_ID.replace('00000000-0000-0000-0000-000000000000', 'my-subscription')}' "
            f"is not allowed; {PURVIEW_FORMS}",
        ),
        (
            {"accountId": ACCOUNT_ID, "principalId": "not-a-guid"},
            "aizone:governance.purview.principalId: 'not-a-guid' is not allowed; "
            "expected the object id (GUID) of the account's system-assigned identity",
        ),
        ({"accountId": ACCOUNT_ID, "create": True}, "aizone:governance.purview: give either accountId (attach) or create: true, not both"),
        ({}, f"aizone:governance.purview.accountId: is required; {PURVIEW_FORMS}"),
        ({"create": "yes"}, "aizone:governance.purview.create: expected true or false, got the text 'yes'"),
    ],
    ids=["true", "not-a-purview-id", "subscription-not-a-guid", "principal-not-a-guid", "attach-and-create", "empty", "create-not-boolean"],
)
def test_bad_purview_values_are_refused_with_the_allowed_forms(value: Any, message: str) -> None:
    assert problems_of(with_value("governance", "purview", value)) == [message]


# --- names -------------------------------------------------------------------------------------------


def test_salt_and_explicit_names_for_every_service_are_accepted() -> None:
    config = copy.deepcopy(dev_config())
    config["names"] = {
        "salt": "2",
        "ai": "ais-contoso",
        "gateway": "apim-contoso",
        "keyVault": "kv-contoso-ai-prod",
        "registry": "crcontoso",
        "purview": "pview-contoso",
        "storage": {"hr-assistant": "sthrcontoso"},
    }
    names = parse_settings(config).names
    assert names.salt == "2"
    assert dict(names.explicit) == {
        "ai": "ais-contoso",
        "gateway": "apim-contoso",
        "keyVault": "kv-contoso-ai-prod",
        "registry": "crcontoso",
        "purview": "pview-contoso",
    }
    assert dict(names.storage) == {"hr-assistant": "sthrcontoso"}


NAME_RULE = "lowercase letters, digits and single hyphens, starting with a letter and ending with a letter or digit"


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("salt", "A_b", "aizone:names.salt: 'A_b' is not allowed; use 1-16 lowercase letters and digits, e.g. '2' after a destroy"),
        ("salt", "x" * 17, f"aizone:names.salt: '{'x' * 17}' is not allowed; use 1-16 lowercase letters and digits"),
        ("keyVault", "kv_bad", f"aizone:names.keyVault: 'kv_bad' is not a valid Microsoft.KeyVault/vaults name; use 3-24 {NAME_RULE}"),
        ("keyVault", "k" * 25, f"aizone:names.keyVault: '{'k' * 25}' is not a valid Microsoft.KeyVault/vaults name; use 3-24 {NAME_RULE}"),
        (
            "keyVault",
            "kv--double",
            f"aizone:names.keyVault: 'kv--double' is not a valid Microsoft.KeyVault/vaults name; use 3-24 {NAME_RULE}",
        ),
        ("gateway", "1apim", f"aizone:names.gateway: '1apim' is not a valid Microsoft.ApiManagement/service name; use 1-50 {NAME_RULE}"),
        (
            "gateway",
            "a" * 51,
            f"aizone:names.gateway: '{'a' * 51}' is not a valid Microsoft.ApiManagement/service name; use 1-50 {NAME_RULE}",
        ),
        (
            "ai",
            "-ai",
            f"aizone:names.ai: '-ai' is not a valid Microsoft.CognitiveServices/accounts (custom subdomain) name; use 2-64 {NAME_RULE}",
        ),
        (
            "registry",
            "cr-contoso",
            "aizone:names.registry: 'cr-contoso' is not a valid Microsoft.ContainerRegistry/registries name; "
            "use 5-50 lowercase letters and digits, starting with a letter and ending with a letter or digit",
        ),
        ("registry", "cr1", "aizone:names.registry: 'cr1' is not a valid Microsoft.ContainerRegistry/registries name; use 5-50"),
        ("purview", "p", "aizone:names.purview: 'p' is not a valid Microsoft.Purview/accounts name; use 3-63"),
        (
            "storage",
            {"hr-assistant": "St-Bad"},
            "aizone:names.storage.hr-assistant: 'St-Bad' is not a valid Microsoft.Storage/storageAccounts name; "
            "use 3-24 lowercase letters and digits, starting with a letter and ending with a letter or digit",
        ),
        ("storage", {"payroll": "stpayroll"}, "aizone:names.storage.payroll: unknown key; allowed keys: 'hr-assistant', 'support-bot'"),
        ("storage", ["sthr"], "aizone:names.storage: expected a mapping of application name to storage account name, got a list"),
        (
            "cosmos",
            "x",
            "aizone:names.cosmos: unknown key; allowed keys: 'salt', 'ai', 'gateway', 'keyVault', 'registry', 'purview', 'storage'",
        ),
    ],
)
def test_bad_names_are_refused_by_each_services_rules(key: str, value: Any, message: str) -> None:
    problems = problems_of(with_value("names", key, value))
    assert len(problems) == 1 and problems[0].startswith(message), problems


@pytest.mark.parametrize(
    "names",
    [
        {"keyVault": "contoso12345", "registry": "contoso12345"},
        {"storage": {"hr-assistant": "stcontoso1", "support-bot": "stcontoso1"}},
        {"registry": "stcontoso1", "storage": {"hr-assistant": "stcontoso1"}},
    ],
    ids=["two-services", "two-storage-accounts", "service-and-storage"],
)
def test_one_explicit_name_for_two_resources_is_refused(names: dict[str, Any]) -> None:
    duplicate = "contoso12345" if "keyVault" in names else "stcontoso1"
    config = copy.deepcopy(dev_config())
    config["names"] = names
    assert problems_of(config) == [f"aizone:names: names '{duplicate}' are given to more than one resource"]


# --- data.lock (removed) -------------------------------------------------------------------------------


@pytest.mark.parametrize("value", [True, False])
def test_data_lock_is_refused_as_removed_whatever_its_value(value: bool) -> None:
    assert problems_of(with_value("data", "lock", value)) == [
        "aizone:data.lock: was removed: a CanNotDelete lock on a storage account, vault or Purview account blocks "
        "deleting the role assignments, diagnostic settings and private endpoint connections under it, so revoking "
        'an agent failed; data is kept by protect, soft delete, versioning and purge protection (README, "Data '
        'protection"). Delete the key'
    ]


def test_data_lock_beside_a_bad_protect_reports_both() -> None:
    config = copy.deepcopy(dev_config())
    config["data"] = {"lock": True, "protect": "yes"}
    problems = problems_of(config)
    assert [problem.split(":", 2)[1] for problem in problems] == ["data.lock", "data.protect"]
