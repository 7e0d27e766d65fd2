"""Defender alone, built through the component provider from camelCase inputs."""

from typing import Any

import pytest

from .construct_probe import Built, construct

PRICING = "azure-native:security:Pricing"
CONTACT = "azure-native:security:SecurityContact"
SUBSCRIPTION = "00000000-0000-0000-0000-000000000000"
ARGS: dict[str, Any] = {"subscriptionId": SUBSCRIPTION, "contactEmails": ["secops@contoso.com", "ai-team@contoso.com"]}
BAD: dict[str, Any] = {
    "subscriptionId": SUBSCRIPTION,
    "contactEmails": ["secops"],
    "plans": [{"name": "AI"}, {"name": "ai"}, {"name": "Key Vaults"}],
}


@pytest.fixture(scope="module")
def built() -> Built:
    return construct([("Defender", "defender", ARGS), ("Defender", "bad", BAD)])


@pytest.mark.controls("MOD-1", "DATA-4")
def test_default_plans_are_standard_with_ai_prompt_evidence_and_malware_scanning(built: Built) -> None:
    assert built.errors.get("defender") is None
    pricings = {r["inputs"]["pricingName"]: r["inputs"] for r in built.of_type(PRICING, "defender-")}
    assert sorted(pricings) == ["AI", "Api", "KeyVaults", "StorageAccounts"]
    for pricing in pricings.values():
        assert pricing["pricingTier"] == "Standard"
        assert pricing["scopeId"] == f"subscriptions/{SUBSCRIPTION}"
    assert [e["name"] for e in pricings["AI"]["extensions"]] == ["AIPromptEvidence", "AIPromptSharingWithPurview", "AIModelScanner"]
    storage = pricings["StorageAccounts"]
    assert storage["subPlan"] == "DefenderForStorageV2"
    malware = next(e for e in storage["extensions"] if e["name"] == "OnUploadMalwareScanning")
    assert malware["isEnabled"] == "True"
    assert malware["additionalExtensionProperties"] == {"CapGBPerMonthPerStorageAccount": "5000"}
    assert pricings["KeyVaults"]["subPlan"] == "PerKeyVault"
    assert pricings["Api"]["subPlan"] == "P1"
    assert built.states["defender"]["planNames"] == ["AI", "StorageAccounts", "KeyVaults", "Api"]


@pytest.mark.controls("MOD-1")
def test_security_contact_gets_medium_and_higher_alerts(built: Built) -> None:
    contact = built.one(CONTACT, "defender-")
    assert contact["emails"] == "secops@contoso.com;ai-team@contoso.com"
    assert contact["isEnabled"] is True
    assert contact["notificationsSources"] == [{"sourceType": "Alert", "minimalSeverity": "Medium"}]


def test_invalid_args_name_every_field_and_register_nothing(built: Built) -> None:
    lines = [line.strip() for line in built.errors["bad"].splitlines()[1:]]
    assert lines == [
        "Defender.contact_emails[0]: an e-mail address such as secops@contoso.com",
        "Defender.plans[1].name: ai is listed twice; each plan once",
        "Defender.plans[2].name: a Defender plan name such as AI or StorageAccounts",
    ]
    assert built.named("bad") == []
