"""Global (DNS) names: valid for each service, unique per subscription and region, stable per stack,
and overridable for a redeploy after a destroy."""

from __future__ import annotations

from typing import Any

import pytest

from pulumi_aizone import naming

from .conftest import Plan
from .plans import dev_config, other_subscription_config, record, stack_outputs

# Type token -> input carrying the global name.
GLOBAL_NAMES = {
    "azure-native:cognitiveservices:Account": "accountName",
    "azure-native:apimanagement:ApiManagementService": "serviceName",
    "azure-native:keyvault:Vault": "vaultName",
    "azure-native:containerregistry:Registry": "registryName",
    "azure-native:storage:StorageAccount": "accountName",
    "azure-native:purview:Account": "accountName",
}
OTHER_SUBSCRIPTION = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"


def _names(plan: dict[str, Any]) -> dict[str, str]:
    """logical name -> global name of every globally named resource in a recorded plan."""
    return {r["name"]: r["inputs"][GLOBAL_NAMES[r["type"]]] for r in plan["resources"] if r["type"] in GLOBAL_NAMES}


@pytest.mark.parametrize(
    ("kind", "good", "bad"),
    [
        ("storage", "staiz0123abcd", "st-aiz-0123"),  # 3-24 lowercase letters and digits only
        ("keyVault", "kv-aiz-dev-01234567", "kv--aiz"),  # no consecutive hyphens
        ("keyVault", "kvaizdev01234567", "kvaizdev0123456789abcdefx"),  # 25 > 24
        ("registry", "craizdev01234567", "cr-aiz-dev"),  # alphanumerics only
        ("registry", "craiz", "cra1"),  # 5-50
        ("ai", "ais-aiz-dev-01234567", "ais-aiz-dev-"),  # ends with a letter or digit
        ("gateway", "apim-aiz-dev-01234567", "1apim"),  # starts with a letter
        ("purview", "pview-aiz-dev-0123", "p" * 64),  # 3-63
    ],
)
def test_name_rules_per_service(kind: str, good: str, bad: str) -> None:
    assert naming.check_name(kind, good) is None
    problem = naming.check_name(kind, bad)
    assert problem is not None and problem.startswith(f"{bad!r} is not a valid {naming.RULES[kind].resource_type} name; use ")


@pytest.mark.parametrize("kind", sorted(naming.RULES))
def test_generated_names_fit_the_rules_even_from_long_or_odd_stems(kind: str) -> None:
    for stem in ("x", "9-Leading-Digit--and--HYPHENS-", "a" * 80, "-"):
        name = naming.global_name(kind, stem, "seed")
        assert naming.check_name(kind, name) is None, name
        assert name.endswith(naming.global_name(kind, "z", "seed")[-naming.DIGEST_LENGTH :])


def test_the_seed_and_the_qualifiers_change_the_name() -> None:
    base = naming.global_name("storage", "staiz", "sub-a/swedencentral")
    assert naming.global_name("storage", "staiz", "sub-a/swedencentral") == base
    assert naming.global_name("storage", "staiz", "sub-b/swedencentral") != base
    assert naming.global_name("storage", "staiz", "sub-a/swedencentral", "hr") != base


def test_every_global_name_of_the_dev_stack_is_valid_and_distinct(dev_plan: Plan) -> None:
    kinds = {
        "azure-native:cognitiveservices:Account": "ai",
        "azure-native:apimanagement:ApiManagementService": "gateway",
        "azure-native:keyvault:Vault": "keyVault",
        "azure-native:containerregistry:Registry": "registry",
        "azure-native:storage:StorageAccount": "storage",
        "azure-native:purview:Account": "purview",
    }
    names = [(kinds[r.type], r.inputs[GLOBAL_NAMES[r.type]]) for r in dev_plan.resources if r.type in GLOBAL_NAMES]
    assert len(names) == 6  # AI, gateway, vault, registry, two storage accounts (Purview is attached)
    for kind, name in names:
        assert naming.check_name(kind, name) is None
    assert len({name for _, name in names}) == len(names)
    account = dev_plan.one("azure-native:cognitiveservices:Account")
    assert account.inputs["properties"]["customSubDomainName"] == account.inputs["accountName"]


@pytest.fixture(scope="module")
def other_subscription_plan(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return record(tmp_path_factory.mktemp("other"), other_subscription_config(), subscription=OTHER_SUBSCRIPTION)


@pytest.fixture(scope="module")
def same_subscription_plan(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return record(tmp_path_factory.mktemp("same"), dev_config(), stack="dev")  # names depend on the stack too


def _dev_names(dev_plan: Plan) -> dict[str, str]:
    return {r.name: r.inputs[GLOBAL_NAMES[r.type]] for r in dev_plan.resources if r.type in GLOBAL_NAMES}


def test_two_subscriptions_get_disjoint_names_and_one_subscription_the_same(
    dev_plan: Plan, same_subscription_plan: dict[str, Any], other_subscription_plan: dict[str, Any]
) -> None:
    first = _dev_names(dev_plan)
    other = _names(other_subscription_plan)
    assert len(first) == 6 and _names(same_subscription_plan) == first
    assert set(other) == set(first)
    assert set(first.values()).isdisjoint(other.values())
    # The mocks really answered with the other subscription (ids of the recorded resources).
    group = next(r for r in other_subscription_plan["resources"] if r["type"] == "azure-native:resources:ResourceGroup")
    assert group["id"].startswith(f"/subscriptions/{OTHER_SUBSCRIPTION}/")


def test_salt_and_explicit_names_override_the_generated_ones(dev_plan: Plan, created_purview_plan: dict[str, Any]) -> None:
    base = _dev_names(dev_plan)
    salted = _names(created_purview_plan)
    assert salted["aizone-kv-vault"] == "kv-contoso-ai-prod"
    assert salted["aizone-data-support-bot-storage"] == "stcontososupport"
    assert naming.check_name("purview", salted["aizone-purview-account"]) is None
    others = [name for name in base if name not in ("aizone-kv-vault", "aizone-data-support-bot-storage")]
    assert all(salted[name] != base[name] for name in others)
    chosen = stack_outputs(created_purview_plan)["globalNames"]
    assert chosen["keyVault"] == "kv-contoso-ai-prod" and chosen["storage"]["support-bot"] == "stcontososupport"
