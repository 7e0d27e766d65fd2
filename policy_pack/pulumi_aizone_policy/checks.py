"""Checks shared by many policies: boolean flags, enum values, public network access, network ACL
defaults, managed identities. Each yields `Finding`s for one resource and one property path.

Fail safe on non-canonical values: a secure setting counts only when it is exactly the canonical
value: the boolean true/false (not the string "true", not 1) and the exact enum spelling (not
" Disabled", not "disabled"). Anything else is a violation whose message names the exact value,
e.g. `disableLocalAuth is "true" (a string), expected the boolean true`."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Final

from .framework import Finding, Resource, unknown_value, violation
from .values import UNKNOWN, describe, describe_against, identity_types, is_exactly, is_set, noncanonical_bool

DISABLED: Final = "Disabled"
DENY: Final = "Deny"


def _judge(
    resource: Resource, path: str, ok: Callable[[object], bool], shown: Callable[[object], str], problem: str, fix: str
) -> Iterator[Finding]:
    """Unknown note, nothing when `ok(value)`, else "<subject> <problem> (<path> is <shown>): <fix>."."""
    value = resource.get(path)
    if value is UNKNOWN:
        yield unknown_value(resource.subject, path)
    elif not ok(value):
        yield violation(f"{resource.subject} {problem} ({path} is {shown(value)}): {fix}.")


def _bool_shown(expected: bool) -> Callable[[object], str]:
    return lambda value: noncanonical_bool(value, expected) or describe(value)


def flag_true(resource: Resource, path: str, problem: str, why: str = "") -> Iterator[Finding]:
    """`path` must be exactly true; absent fails (the service default is the insecure one)."""
    yield from _judge(resource, path, lambda value: value is True, _bool_shown(True), problem, f"set {path} = true{why}")


def flag_false(resource: Resource, path: str, problem: str, why: str = "") -> Iterator[Finding]:
    """`path` must be exactly false; absent fails (the service default is the insecure one, or it
    differs between API versions and providers, so the secure value is required explicitly)."""
    yield from _judge(resource, path, lambda value: value is False, _bool_shown(False), problem, f"set {path} = false{why}")


def flag_not_true(resource: Resource, path: str, problem: str) -> Iterator[Finding]:
    """`path` must not be true; absent passes (the service default is the secure one). A value
    that is not a boolean (the string "false", 0) fails: it is not the secure setting."""
    yield from _judge(
        resource,
        path,
        lambda value: value is None or value is False,
        _bool_shown(False),
        problem,
        f"set {path} = false (or leave it unset)",
    )


def enum_is(resource: Resource, path: str, allowed: tuple[str, ...], problem: str, fix: str) -> Iterator[Finding]:
    """`path` must be exactly one of the `allowed` enum values (absent fails); a near miss (odd
    case, stray blanks) fails and the message names the exact value."""
    yield from _judge(
        resource, path, lambda value: is_exactly(value, allowed), lambda value: describe_against(value, allowed), problem, fix
    )


def public_network_disabled(
    resource: Resource, path: str = "publicNetworkAccess", spellings: tuple[str, ...] = (DISABLED,)
) -> Iterator[Finding]:
    """`path` must be "Disabled" (or another documented spelling): the resource is reached only
    through its private endpoint."""
    yield from enum_is(
        resource,
        path,
        spellings,
        "allows public network access",
        f"set {path} = '{DISABLED}' and reach it through its private endpoint",
    )


def network_closed(
    resource: Resource, public_path: str, acl_path: str, spellings: tuple[str, ...] = (DISABLED,), *, flag: bool = False
) -> Iterator[Finding]:
    """One finding for one root cause, reachability from public networks: `public_path` must be
    "Disabled" (or another documented spelling; with `flag`, a boolean `...Enabled` switch that must
    be false, as the classic provider spells it). Then the network ACLs at `acl_path` (the
    `defaultAction` property) are moot and not judged; otherwise the message says what the ACLs
    let through, so an account that is public but firewalled is one finding, not two."""
    public = resource.get(public_path)
    if public is UNKNOWN:
        yield unknown_value(resource.subject, public_path)
        return
    if (public is False) if flag else is_exactly(public, spellings):
        return
    action = resource.get(acl_path)
    if action is UNKNOWN:
        acls = f"{acl_path} is unknown until apply"
    elif is_exactly(action, (DENY,)):
        acls = f"its network rules deny by default ({acl_path} is '{DENY}'), so only the networks they list reach it"
    else:
        acls = f"{acl_path} is {describe_against(action, (DENY,))}, so any network reaches it"
    shown = (noncanonical_bool(public, False) or describe(public)) if flag else describe_against(public, spellings)
    fix = f"set {public_path} = false" if flag else f"set {public_path} = '{DISABLED}'"
    yield violation(
        f"{resource.subject} allows public network access ({public_path} is {shown}; {acls}): "
        f"{fix} and reach it through its private endpoint."
    )


def network_default_deny(resource: Resource, path: str) -> Iterator[Finding]:
    """Network ACLs at `path` (the `defaultAction` property) must deny by default."""
    yield from enum_is(
        resource,
        path,
        (DENY,),
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
