"""Checks shared by many policies: boolean flags, public network access, network ACL defaults,
managed identities. Each yields `Finding`s for one resource and one property path."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Final

from .framework import Finding, Resource, check, unknown_value, violation
from .values import eq_ci, identity_types, is_set

DISABLED: Final = "Disabled"
DENY: Final = "Deny"


def flag_true(resource: Resource, path: str, problem: str, why: str = "") -> Iterator[Finding]:
    """`path` must be exactly true; absent fails (the service default is the insecure one)."""
    yield from check(resource, path, lambda value: value is True, problem, f"set {path} = true{why}")


def flag_false(resource: Resource, path: str, problem: str, why: str = "") -> Iterator[Finding]:
    """`path` must be exactly false; absent fails (the service default is the insecure one)."""
    yield from check(resource, path, lambda value: value is False, problem, f"set {path} = false{why}")


def flag_not_true(resource: Resource, path: str, problem: str) -> Iterator[Finding]:
    """`path` must not be true; absent passes (the service default is the secure one)."""
    yield from check(
        resource, path, lambda value: value is not True, problem, f"set {path} = false (or leave it unset)"
    )


def public_network_disabled(resource: Resource, path: str = "publicNetworkAccess") -> Iterator[Finding]:
    """`path` must be "Disabled": the resource is reached only through its private endpoint."""
    yield from check(
        resource,
        path,
        lambda value: eq_ci(value, DISABLED),
        "allows public network access",
        f"set {path} = '{DISABLED}' and reach it through its private endpoint",
    )


def network_default_deny(resource: Resource, path: str) -> Iterator[Finding]:
    """Network ACLs at `path` (the `defaultAction` property) must deny by default."""
    yield from check(
        resource,
        path,
        lambda value: eq_ci(value, DENY),
        "lets traffic through its network ACLs by default",
        f"set {path} = '{DENY}' and allow only the networks that need access",
    )


def managed_identity(resource: Resource, path: str = "identity") -> Iterator[Finding]:
    """The resource has a system- or user-assigned managed identity, and a user-assigned identity
    block lists at least one identity."""
    kinds = identity_types(resource.get(path))
    if kinds is None:
        yield unknown_value(resource.subject, f"{path}.type")
        return
    if not kinds:
        yield violation(
            f"{resource.subject} has no managed identity ({path}.type is not SystemAssigned or "
            f"UserAssigned): set {path}.type = 'SystemAssigned' (or 'UserAssigned' with "
            f"{path}.userAssignedIdentities) so it calls other services with Entra ID tokens "
            "instead of keys."
        )
        return
    listed = resource.get(f"{path}.userAssignedIdentities")
    if "userassigned" in kinds and not is_set(listed):
        yield violation(
            f"{resource.subject} declares a user-assigned identity but lists none: add the "
            f"identity's resource id to {path}.userAssignedIdentities."
        )
