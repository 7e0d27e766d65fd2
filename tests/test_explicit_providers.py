"""The landing zone built with explicit providers (tests/fixtures/providers: an azure-native provider
for a target subscription and an azuread provider for a target tenant, passed as
`ResourceOptions(providers=[...])`): the way a pipeline deploys into a subscription that is not the
CLI's default. Every invoke and every resource must go through the explicit provider of its
package; one that falls back to the default provider would read or write the wrong subscription or
tenant (an invoke without `InvokeOptions(parent=self)` does exactly that)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from .plans import dev_config, record

PROGRAM = Path(__file__).resolve().parent / "fixtures" / "providers"
EXPLICIT = {"azure-native": "target-subscription", "azuread": "target-tenant"}

pytestmark = pytest.mark.controls("ACC-8")


@pytest.fixture(scope="module")
def plan(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    # The dev stack attaches Purview without a principal id, so the account's identity is looked up
    # with an invoke too (it must go to the explicit provider like every other).
    config = dev_config()
    assert "principalId" not in config["aizone:governance"]["purview"]
    recorded = record(tmp_path_factory.mktemp("providers"), config, program=PROGRAM, stack="dev")
    assert recorded["errors"] == []
    return recorded


def provider_of(reference: str) -> tuple[str, str]:
    """(package, provider name) of a provider reference `<urn>::<id>`; the URN ends in
    `pulumi:providers:<package>::<name>`."""
    urn = reference.rsplit("::", 1)[0]
    package = urn.split("::")[-2].removeprefix("pulumi:providers:")
    return package, urn.split("::")[-1]


def test_every_invoke_goes_to_the_explicit_provider(plan: dict[str, Any]) -> None:
    tokens = {call["token"] for call in plan["calls"]}
    # the subscription/tenant lookup, the gateway's existence lookup and the attached Purview's identity
    assert {
        "azure-native:authorization:getClientConfig",
        "azure-native:apimanagement:getApiManagementService",
        "azure-native:purview:getAccount",
    } <= tokens
    for call in plan["calls"]:
        assert call["provider"], f"{call['token']} went to the default provider"
        package, name = provider_of(call["provider"])
        assert call["token"].startswith(f"{package}:"), call
        assert name == EXPLICIT[package], f"{call['token']} went to provider {name!r}"


def test_every_resource_uses_the_explicit_provider_of_its_package(plan: dict[str, Any]) -> None:
    custom = [r for r in plan["resources"] if r["custom"] and not r["type"].startswith("pulumi:providers:")]
    packages = {r["type"].split(":", 1)[0] for r in custom}
    assert packages == set(EXPLICIT), packages  # nothing from a third package with only a default provider
    for resource in custom:
        package = resource["type"].split(":", 1)[0]
        assert resource["provider"], f"{resource['type']} {resource['name']} uses the default provider"
        assert provider_of(resource["provider"]) == (package, EXPLICIT[package]), (resource["name"], resource["provider"])
    # only the two explicit providers exist: no default provider was ever instantiated
    providers = sorted((r["type"], r["name"]) for r in plan["resources"] if r["type"].startswith("pulumi:providers:"))
    assert providers == [("pulumi:providers:azure-native", "target-subscription"), ("pulumi:providers:azuread", "target-tenant")]
    assert len([r for r in custom if r["type"].startswith("azuread:")]) >= 10  # app, SP, groups, CA, memberships
