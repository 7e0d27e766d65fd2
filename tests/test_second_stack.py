"""A second stack of the program in the same tenant (ACC-5, ACC-6): role assignments are named
guid(scope, principal, role) the way Azure recommends ("Assign Azure roles using Azure Resource
Manager templates"), so two stacks share no role-assignment name (names are tenant-unique) and
no global (DNS) name, while the same stack gets the same names on every run."""

from __future__ import annotations

from typing import Any

import pytest

from pulumi_aizone import grants

from .conftest import Plan
from .plans import dev_config, other_subscription_config, record
from .test_naming import GLOBAL_NAMES, OTHER_SUBSCRIPTION

ROLE_ASSIGNMENT = "azure-native:authorization:RoleAssignment"

pytestmark = pytest.mark.controls("ACC-5", "ACC-6")


def _names(resources: list[dict[str, Any]]) -> tuple[set[str], set[str]]:
    """(role-assignment names, global names) of a recorded plan."""
    assignments = {r["inputs"]["roleAssignmentName"] for r in resources if r["type"] == ROLE_ASSIGNMENT}
    global_names = {r["inputs"][GLOBAL_NAMES[r["type"]]] for r in resources if r["type"] in GLOBAL_NAMES}
    return assignments, global_names


def _dev(dev_plan: Plan) -> list[dict[str, Any]]:
    return [{"type": r.type, "inputs": r.inputs} for r in dev_plan.resources]


@pytest.fixture(scope="module")
def prod_same_subscription(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A second stack `prod` next to `dev` in the same subscription (its own environment name,
    so its resource group is its own)."""
    config = dev_config()
    config["aizone:environment"] = "prod"
    return record(tmp_path_factory.mktemp("prod"), config, stack="prod")


@pytest.fixture(scope="module")
def dev_other_subscription(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The same stack name and config in another subscription of the tenant."""
    return record(tmp_path_factory.mktemp("other"), other_subscription_config(), subscription=OTHER_SUBSCRIPTION, stack="dev")


@pytest.fixture(scope="module")
def dev_again(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return record(tmp_path_factory.mktemp("again"), dev_config(), stack="dev")


def test_every_role_assignment_is_named_guid_of_scope_principal_and_role(dev_plan: Plan) -> None:
    assignments = dev_plan.of_type(ROLE_ASSIGNMENT)
    assert len(assignments) >= 10
    for assignment in assignments:
        inputs = assignment.inputs
        assert inputs["roleAssignmentName"] == grants.assignment_name(inputs["scope"], inputs["principalId"], inputs["roleDefinitionId"])
        assert assignment.options.delete_before_replace is True, assignment.name


def test_the_name_is_arms_guid_of_the_three_ids() -> None:
    """ARM's guid(a, b, c) is a UUID v5 of 'a-b-c' in its namespace; case does not matter to Azure ids."""
    scope = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/st"
    role = "/subscriptions/s/providers/Microsoft.Authorization/roleDefinitions/2a2b9908-6ea1-4ae2-8e65-a410df84e7d1"
    principal = "00000000-0000-0000-0000-00000000000a"
    name = grants.assignment_name(scope, principal, role)
    assert name == grants.assignment_name(scope.upper(), principal.upper(), role)
    assert name != grants.assignment_name(scope, "00000000-0000-0000-0000-00000000000b", role)
    assert name != grants.assignment_name(scope + "/blobServices/default", principal, role)
    assert name != grants.assignment_name(scope, principal, role.replace("2a2b9908", "ba92f5b4"))


@pytest.mark.parametrize("second", ["prod_same_subscription", "dev_other_subscription"])
def test_two_stacks_share_no_role_assignment_name_and_no_global_name(dev_plan: Plan, second: str, request: pytest.FixtureRequest) -> None:
    plan = request.getfixturevalue(second)
    assert plan["errors"] == []
    first_assignments, first_globals = _names(_dev(dev_plan))
    other_assignments, other_globals = _names(plan["resources"])
    assert len(other_assignments) == len(first_assignments) >= 10
    assert first_assignments.isdisjoint(other_assignments)
    assert first_globals.isdisjoint(other_globals)


def test_the_same_stack_keeps_its_names_across_runs(dev_plan: Plan, dev_again: dict[str, Any]) -> None:
    assert _names(dev_again["resources"]) == _names(_dev(dev_plan))
