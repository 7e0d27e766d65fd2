"""Nothing lost (DATA-5), without blocking revocation.

What keeps data:
- Pulumi's `protect` on every data-bearing resource: `pulumi destroy`, or a change that would
  replace the resource, stops with an error until the option is removed in a reviewed change;
- storage: blob versioning, blob and container soft delete (30 days, permanent delete off), which
  also cover data-plane deletes that no management lock ever stops;
- Key Vault: soft delete (90 days) and purge protection: a deleted vault and its secrets can be
  recovered, and nobody (not even an owner) can purge them during the retention.

- Azure itself: a `denyAction` Azure Policy assignment on the resource group (`DeletionGuard`)
  refuses DELETE of the storage accounts, vaults and Purview account, whoever asks, while their
  role assignments, diagnostic settings and private endpoints stay deletable.

What is deliberately not used: a `CanNotDelete` management lock on the storage account, vault or
Purview account. Per Learn, "Lock your resources to protect your infrastructure"
(https://learn.microsoft.com/azure/azure-resource-manager/management/lock-resources):
"A cannot-delete lock on a resource or resource group prevents the deletion of Azure RBAC
assignments", and extension resources (diagnostic settings) inherit the lock of the resource
they are applied to; a private endpoint connection is a child resource of the locked account
(`.../storageAccounts/<name>/privateEndpointConnections/<id>`), so removing an endpoint is blocked
too. With such a lock, revoking an agent or replacing an identity or endpoint failed until someone
removed the lock by hand. The same page states that a cannot-delete lock on a storage account does
not protect the data in it, which is what soft delete and versioning do.
"""

# No `from __future__ import annotations`: Pulumi's schema inference reads these annotations.
import re
from dataclasses import dataclass
from typing import Any, NotRequired, Optional, Sequence, TypedDict

import pulumi
from pulumi_azure_native import authorization

from .base import Problem, aliased, implements, raise_if_invalid


@dataclass(frozen=True)
class DataProtection:
    """`protect`: Pulumi refuses to delete or replace every resource the program protects (data
    resources, the resource group, the AI account and its Foundry projects)."""

    protect: bool = True


# ARM types of the data-bearing resources the guard refuses to delete.
GUARDED_TYPES: tuple[str, ...] = (
    "Microsoft.Storage/storageAccounts",
    "Microsoft.KeyVault/vaults",
    "Microsoft.Purview/accounts",
)


def deny_delete_rule(arm_types: Sequence[str] = GUARDED_TYPES) -> dict[str, Any]:
    """An Azure Policy rule that refuses DELETE of the given resource types (and of a resource group
    that holds one). Learn, "Azure Policy definitions denyAction effect"
    (https://learn.microsoft.com/azure/governance/policy/concepts/effect-deny-action): the only
    supported action is `delete`; `cascadeBehaviors.resourceGroup: deny` (mode Indexed only) also
    blocks deleting the resource group; and "Policy doesn't block removal of child and extension
    resources when a delete action targets the parent", i.e. the rule matches only its own types,
    so role assignments, diagnostic settings and private endpoints stay deletable."""
    return {
        "if": {"field": "type", "in": list(arm_types)},
        "then": {
            "effect": "denyAction",
            "details": {"actionNames": ["delete"], "cascadeBehaviors": {"resourceGroup": "deny"}},
        },
    }


TYPE_TOKEN = "aizone:index:DeletionGuard"
_OLD_TYPE_TOKEN = "aizone:data:DeletionGuard"  # before 0.2.0: aliased so stacks are not replaced
# What this component accepts as a definition name (a subset of what ARM allows: no characters
# that need escaping in ids); the assignment takes the first 64 characters.
_DEFINITION_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$")
_ARM_TYPE = re.compile(r"^Microsoft\.[A-Za-z]+(/[A-Za-z]+)+$")


class DeletionGuardArgs(TypedDict):
    """Inputs of DeletionGuard."""

    scope: pulumi.Input[str]
    """Resource id of the scope the guard is assigned to (the landing zone's resource group)."""
    definition_name: str
    """Name of the custom policy definition: 1-128 letters, digits, '-' and '_', unique per
    subscription (e.g. `aizone-deny-delete-<stack digest>`). The assignment takes its first 64."""
    arm_types: NotRequired[Sequence[str]]
    """ARM resource types whose DELETE is refused. Default: storage accounts, Key Vaults and Purview accounts."""


def validate_deletion_guard(args: DeletionGuardArgs) -> list[Problem]:
    """Every problem with DeletionGuard args, each naming its field."""
    problems: list[Problem] = []
    if not args.get("scope"):
        problems.append(Problem("scope", "the resource id of the resource group to guard is required"))
    if not _DEFINITION_NAME.match(str(args.get("definition_name", ""))):
        problems.append(Problem("definition_name", "1-128 letters, digits, '-' and '_', starting with a letter or digit"))
    arm_types = args.get("arm_types", GUARDED_TYPES)
    if isinstance(arm_types, str) or not arm_types:
        problems.append(Problem("arm_types", "a non-empty list of ARM types such as Microsoft.Storage/storageAccounts"))
    else:
        for index, arm_type in enumerate(arm_types):
            if not _ARM_TYPE.match(str(arm_type)):
                problems.append(
                    Problem(f"arm_types[{index}]", f"{arm_type!r} is not an ARM type such as Microsoft.Storage/storageAccounts")
                )
    return problems


@implements("DATA-5")
class DeletionGuard(pulumi.ComponentResource):
    """Azure refuses to delete the landing zone's data-bearing resources (storage accounts, vaults,
    a created Purview account) in `scope` (its resource group), whoever asks: portal, CLI or
    another pipeline. Unlike a CanNotDelete lock, it does not block revoking access or replacing
    endpoints. Removed by setting `protect` off (README, "Teardown")."""

    definition_id: pulumi.Output[str]
    """Resource id of the custom `denyAction` policy definition."""
    assignment_id: pulumi.Output[str]
    """Resource id of the policy assignment on the scope."""

    def __init__(self, name: str, args: DeletionGuardArgs, opts: Optional[pulumi.ResourceOptions] = None) -> None:
        raise_if_invalid("DeletionGuard", validate_deletion_guard(args))
        super().__init__(
            TYPE_TOKEN,
            name,
            {},
            aliased(opts, _OLD_TYPE_TOKEN),
        )
        definition_name = args["definition_name"]
        self.definition = authorization.PolicyDefinition(
            f"{name}-definition",
            authorization.PolicyDefinitionArgs(
                policy_definition_name=definition_name,
                display_name="aizone: data-bearing resources cannot be deleted (DATA-5)",
                description="Refuses DELETE of the AI landing zone's storage accounts, vaults and Purview account.",
                mode="Indexed",
                policy_type="Custom",
                policy_rule=deny_delete_rule(list(args.get("arm_types", GUARDED_TYPES))),
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.assignment = authorization.PolicyAssignment(
            f"{name}-assignment",
            authorization.PolicyAssignmentArgs(
                policy_assignment_name=definition_name[:64],
                scope=args["scope"],
                policy_definition_id=self.definition.id,
                enforcement_mode=authorization.EnforcementMode.DEFAULT,
                display_name="aizone: keep the landing zone's data (DATA-5)",
                non_compliance_messages=[
                    authorization.NonComplianceMessageArgs(
                        message="[DATA-5] This data-bearing resource is guarded against deletion: set aizone:data.protect "
                        "to false and run pulumi up (README, Teardown) before deleting it."
                    )
                ],
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.definition_id = self.definition.id
        self.assignment_id = self.assignment.id
        self.register_outputs({"definition_id": self.definition_id, "assignment_id": self.assignment_id})
