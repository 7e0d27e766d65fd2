"""Nothing lost (DATA-5): a `CanNotDelete` management lock on a data-bearing resource.

Pulumi's `protect` stops `pulumi destroy` and replacements from this program; the lock stops
everyone else (portal, CLI, another pipeline) until an owner removes it on purpose. Components use
both, each on by default and switchable through `DataProtection`.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
from pulumi_azure_native import authorization

from .base import implements


@dataclass(frozen=True)
class DataProtection:
    """`protect`: Pulumi refuses to delete the resource; `lock`: Azure refuses to delete it."""

    protect: bool = True
    lock: bool = True


@implements("DATA-5")
def add_delete_lock(
    name: str, resource: pulumi.CustomResource, protection: DataProtection, parent: pulumi.Resource
) -> authorization.ManagementLockByScope | None:
    """A `CanNotDelete` lock scoped to exactly `resource` (none when protection.lock is off)."""
    if not protection.lock:
        return None
    return authorization.ManagementLockByScope(
        f"{name}-lock",
        authorization.ManagementLockByScopeArgs(
            scope=resource.id,
            level=authorization.LockLevel.CAN_NOT_DELETE,
            lock_name="aizone-do-not-delete",
            notes="Data-bearing resource of the AI landing zone (DATA-5). Remove only through a reviewed change.",
        ),
        opts=pulumi.ResourceOptions(parent=parent, protect=protection.protect),
    )
