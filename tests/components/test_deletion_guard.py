"""DeletionGuard alone, built through the component provider from camelCase inputs."""

from typing import Any

import pytest

from .construct_probe import Built, construct

GROUP = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-probe"
DEFINITION = "azure-native:authorization:PolicyDefinition"
ASSIGNMENT = "azure-native:authorization:PolicyAssignment"
ARGS: dict[str, Any] = {"scope": GROUP, "definitionName": "aizone-deny-delete-0123456789ab"}
BAD: dict[str, Any] = {"scope": "", "definitionName": "deny/delete", "armTypes": ["storageAccounts"]}


@pytest.fixture(scope="module")
def built() -> Built:
    return construct([("DeletionGuard", "guard", ARGS), ("DeletionGuard", "bad", BAD)])


@pytest.mark.controls("DATA-5")
def test_guard_denies_delete_of_data_bearing_types_and_their_resource_group(built: Built) -> None:
    assert built.errors.get("guard") is None
    definition = built.one(DEFINITION, "guard-")
    assert definition["policyDefinitionName"] == "aizone-deny-delete-0123456789ab"
    assert definition["mode"] == "Indexed"  # cascadeBehaviors needs mode Indexed
    assert definition["policyType"] == "Custom"
    rule = definition["policyRule"]
    assert rule["if"] == {
        "field": "type",
        "in": ["Microsoft.Storage/storageAccounts", "Microsoft.KeyVault/vaults", "Microsoft.Purview/accounts"],
    }
    assert rule["then"] == {
        "effect": "denyAction",
        "details": {"actionNames": ["delete"], "cascadeBehaviors": {"resourceGroup": "deny"}},
    }
    assignment = built.one(ASSIGNMENT, "guard-")
    assert assignment["scope"] == GROUP
    assert assignment["policyDefinitionId"] == "guard-definition_id"
    assert assignment["enforcementMode"] == "Default"
    assert assignment["nonComplianceMessages"][0]["message"].startswith("[DATA-5] ")
    assert built.states["guard"] == {"definitionId": "guard-definition_id", "assignmentId": "guard-assignment_id"}


def test_invalid_args_name_every_field_and_register_nothing(built: Built) -> None:
    lines = [line.strip() for line in built.errors["bad"].splitlines()[1:]]
    assert lines == [
        "DeletionGuard.scope: the resource id of the resource group to guard is required",
        "DeletionGuard.definition_name: 1-128 letters, digits, '-' and '_', starting with a letter or digit",
        "DeletionGuard.arm_types[0]: 'storageAccounts' is not an ARM type such as Microsoft.Storage/storageAccounts",
    ]
    assert built.named("bad") == []
