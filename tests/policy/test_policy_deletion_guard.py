"""DATA-5 with a deletion guard instead of locks: an enforced denyAction(delete) Azure Policy on the
resource group keeps data-bearing resources from being deleted without blocking the deletion of
their role assignments, diagnostic settings and private endpoint connections (which a CanNotDelete
lock blocks). Each weakened guard must bring the lock finding back."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from policy_cases import DATA_BEARING, RESOURCE_GROUP_ID, baseline_stack, diagnostics_of

from pulumi_aizone_policy import tokens as t
from pulumi_aizone_policy.harness import UNKNOWN_VALUE, PackAnalyzer, StackItem, urn_for

DELETION = "azurenative-resources-dataresource-deletion-protection"
DEFINITION = "azure-native:authorization:PolicyDefinition"
ASSIGNMENT = "azure-native:authorization:PolicyAssignment"
GROUP = "azure-native:resources:ResourceGroup"
ALL_TYPES = [
    "Microsoft.Storage/storageAccounts",
    "Microsoft.KeyVault/vaults",
    "Microsoft.Purview/accounts",
    "Microsoft.Search/searchServices",
    "Microsoft.DocumentDB/databaseAccounts",
]


def _rule(types: list[str] = ALL_TYPES) -> dict[str, Any]:
    return {
        "if": {"field": "type", "in": types},
        "then": {"effect": "denyAction", "details": {"actionNames": ["delete"], "cascadeBehaviors": {"resourceGroup": "deny"}}},
    }


def _guarded(preview: bool, rule: dict[str, Any] | None = None, scope: str = RESOURCE_GROUP_ID, **assignment: Any) -> list[StackItem]:
    """The baseline without any lock, with a guard definition and its assignment on the group. In
    preview shape, as in the landing zone, the group is a resource of the stack: the data resources'
    resourceGroupName and the assignment's scope are wired from it (values unknown)."""
    stack = [entry for entry in baseline_stack(preview) if entry.type not in t.MANAGEMENT_LOCKS]
    group_urn = urn_for(GROUP, "rg" if scope == RESOURCE_GROUP_ID else "elsewhere")
    if preview:
        stack = [
            replace(entry, property_dependencies={**entry.property_dependencies, "resourceGroupName": [urn_for(GROUP, "rg")]})
            if entry.type in DATA_BEARING
            else entry
            for entry in stack
        ]
        stack.append(StackItem(type=GROUP, name="rg", props={"resourceGroupName": "rg"}))
        if group_urn != urn_for(GROUP, "rg"):
            stack.append(StackItem(type=GROUP, name="elsewhere", props={"resourceGroupName": "elsewhere"}))
    definition_id = "/subscriptions/sub/providers/Microsoft.Authorization/policyDefinitions/guard"
    definition_props: dict[str, Any] = {"policyRule": rule or _rule(), "mode": "Indexed"}
    props: dict[str, Any] = {"scope": scope, "enforcementMode": "Default", **assignment}
    links: dict[str, Any] = {}
    if preview:
        props["policyDefinitionId"] = UNKNOWN_VALUE
        props["scope"] = UNKNOWN_VALUE
        links = {"property_dependencies": {"policyDefinitionId": [urn_for(DEFINITION, "guard")], "scope": [group_urn]}}
    else:
        definition_props["id"] = definition_id
        props["policyDefinitionId"] = definition_id
    stack.append(StackItem(type=DEFINITION, name="guard", props=definition_props))
    stack.append(StackItem(type=ASSIGNMENT, name="guard-assignment", props=props, **links))
    return stack


def _unguarded(analyzer: PackAnalyzer, stack: list[StackItem]) -> list[str]:
    """Names of the data-bearing resources DATA-5 reports as not guarded against deletion."""
    return sorted(
        entry.urn.rsplit("::", 1)[-1]
        for entry in diagnostics_of(analyzer.analyze_stack(stack), DELETION)
        if "is not guarded against deletion" in entry.message
    )


@pytest.mark.parametrize("preview", [True, False], ids=["preview", "deployed"])
@pytest.mark.controls("DATA-5")
def test_deny_delete_policy_on_the_group_replaces_the_locks(analyzer: PackAnalyzer, preview: bool) -> None:
    assert [d for d in analyzer.analyze_stack(_guarded(preview)) if d.policy == DELETION] == []


@pytest.mark.parametrize("preview", [True, False], ids=["preview", "deployed"])
@pytest.mark.controls("DATA-5")
def test_without_lock_or_guard_every_data_resource_is_reported(analyzer: PackAnalyzer, preview: bool) -> None:
    stack = [entry for entry in _guarded(preview) if entry.type != ASSIGNMENT]
    names = sorted(entry.name for entry in stack if entry.type in DATA_BEARING)
    assert _unguarded(analyzer, stack) == names


@pytest.mark.parametrize(
    ("case", "change"),
    [
        ("not-enforced", {"enforcementMode": "DoNotEnforce"}),
        ("plain-deny", {"rule": {**_rule(), "then": {"effect": "deny"}}}),
        ("audit-only", {"rule": {**_rule(), "then": {"effect": "denyAction", "details": {"actionNames": []}}}}),
        # An extra condition could exempt any resource (e.g. a tag nobody sets): not a guard.
        (
            "narrowed-by-tag",
            {"rule": {**_rule(), "if": {"allOf": [{"field": "type", "in": ALL_TYPES}, {"field": "tags.keep", "equals": "yes"}]}}},
        ),
        ("other-group", {"scope": "/subscriptions/sub/resourceGroups/elsewhere"}),
    ],
)
@pytest.mark.parametrize("preview", [True, False], ids=["preview", "deployed"])
@pytest.mark.controls("DATA-5")
def test_a_weakened_guard_does_not_count(analyzer: PackAnalyzer, preview: bool, case: str, change: dict[str, Any]) -> None:
    rule = change.get("rule")
    scope = change.get("scope", RESOURCE_GROUP_ID)
    extra = {k: v for k, v in change.items() if k not in ("rule", "scope")}
    stack = _guarded(preview, rule=rule, scope=scope, **extra)
    names = sorted(entry.name for entry in stack if entry.type in DATA_BEARING)
    assert _unguarded(analyzer, stack) == names, case


@pytest.mark.parametrize("preview", [True, False], ids=["preview", "deployed"])
@pytest.mark.controls("DATA-5")
def test_a_guard_covers_only_the_types_it_names(analyzer: PackAnalyzer, preview: bool) -> None:
    stack = _guarded(preview, rule=_rule([name for name in ALL_TYPES if name != "Microsoft.KeyVault/vaults"]))
    vaults = sorted(entry.name for entry in stack if entry.type == t.KEY_VAULT)
    assert _unguarded(analyzer, stack) == vaults
