"""ACC-3: privileged access is just-in-time and lock-out safe.

- A PIM role eligibility schedule (authorization:PimRoleEligibilitySchedule) expires:
  scheduleInfo.expiration.type is AfterDuration or AfterDateTime, never NoExpiration or absent.
- Administrative roles on AI resources (reference.AI_ADMIN_ROLES, e.g. Cognitive Services
  Contributor) and the broad roles (Owner, Contributor, User Access Administrator, RBAC
  Administrator) are not granted to people (principalType User or Group) through a permanent
  authorization:RoleAssignment: people get them as PIM-eligible, time-bound assignments. An omitted
  principalType is ACC-6's finding (the SDK then sends User whatever the principal is), so only an
  explicit User or Group is judged here.
- A Conditional Access policy that is enforced (state "enabled") excludes at least one user or
  group: the emergency-access (break-glass) accounts, so a misconfigured MFA or block policy
  cannot lock every administrator out of the tenant. Report-only and disabled policies pass. This
  is the one Conditional Access rule that is sound from a single policy's properties: which policy
  is "the MFA policy" of a tenant, and whether "All users" is right, the pack cannot tell (the
  components build those policies, catalog mechanism C).
"""

from __future__ import annotations

from collections.abc import Iterator

from .. import reference, tokens
from ..config import PolicyConfig
from ..framework import Field, Finding, Resource, ResourcePolicySpec, check, unknown_value, violation
from ..values import UNKNOWN, eq_ci, in_ci, is_set, items
from .rbac import role_name

_CONTROLS = ("ACC-3",)
NO_EXPIRATION = "NoExpiration"
_PEOPLE = ("User", "Group")
_ENFORCED = "enabled"
_EXPIRATION = "scheduleInfo.expiration.type"


def _eligibility_expires(resource: Resource, _config: PolicyConfig) -> Iterator[Finding]:
    """The eligibility has an expiration."""
    yield from check(
        resource,
        _EXPIRATION,
        lambda value: isinstance(value, str) and bool(value.strip()) and not eq_ci(value, NO_EXPIRATION),
        "makes the role eligible forever",
        f"set {_EXPIRATION} = 'AfterDuration' with scheduleInfo.expiration.duration (e.g. 'P180D') "
        "or 'AfterDateTime' with endDateTime, and renew eligibility through review",
    )


def _no_permanent_admin(resource: Resource, _config: PolicyConfig) -> Iterator[Finding]:
    """No permanent administrative role for users or groups."""
    principal_type = resource.get("principalType")
    role = resource.get("roleDefinitionId")
    if principal_type is UNKNOWN:
        yield unknown_value(resource.subject, "principalType")
        return
    if not in_ci(principal_type, _PEOPLE):
        return
    if role is UNKNOWN:
        yield unknown_value(resource.subject, "roleDefinitionId")
        return
    name = role_name(role)
    if name in reference.AI_ADMIN_ROLES | reference.BROAD_ROLES:
        yield violation(
            f"{resource.subject} permanently grants the administrative role '{name}' to a "
            f"{str(principal_type).strip().lower()}: make it PIM-eligible instead (an "
            f"authorization:PimRoleEligibilitySchedule with {_EXPIRATION} 'AfterDuration' or "
            "'AfterDateTime'), so administrators activate it just in time with MFA."
        )


def _break_glass_excluded(resource: Resource, _config: PolicyConfig) -> Iterator[Finding]:
    """An enforced Conditional Access policy excludes the break-glass accounts."""
    state = resource.get("state")
    excluded = [resource.get("conditions.users.excludedUsers"), resource.get("conditions.users.excludedGroups")]
    if state is UNKNOWN:
        yield unknown_value(resource.subject, "state")
    elif eq_ci(state, _ENFORCED) and not any(value is UNKNOWN or any(is_set(item) for item in items(value)) for value in excluded):
        yield violation(
            f"{resource.subject} is enforced (state 'enabled') but excludes no user or group: add the "
            "emergency-access (break-glass) accounts to conditions.users.excludedUsers (or their "
            "group to excludedGroups), or keep the policy in 'enabledForReportingButNotEnforced' "
            "until they exist."
        )


POLICIES: tuple[ResourcePolicySpec, ...] = (
    ResourcePolicySpec(
        name="azurenative-authorization-pimroleeligibilityschedule-expiration",
        controls=_CONTROLS,
        description="PIM role eligibility schedules must expire.",
        severity="high",
        remediation=(
            "Set scheduleInfo.expiration to AfterDuration (with a duration such as P180D) or "
            "AfterDateTime on every PIM role eligibility schedule; renew eligibility through an "
            "access review."
        ),
        fields=(Field(tokens.PIM_ELIGIBILITY, _EXPIRATION, (NO_EXPIRATION, "AfterDuration", "AfterDateTime")),),
        resource_types=(tokens.PIM_ELIGIBILITY,),
        rule=_eligibility_expires,
    ),
    ResourcePolicySpec(
        name="azurenative-authorization-roleassignment-no-permanent-admin",
        controls=_CONTROLS,
        description=(
            "Administrative roles on AI resources and broad roles must not be permanently assigned "
            "to users or groups."
        ),
        severity="high",
        remediation=(
            "Replace permanent role assignments of Cognitive Services Contributor, Owner, "
            "Contributor, User Access Administrator or RBAC Administrator to users or groups with "
            "PIM role eligibility schedules that expire."
        ),
        fields=(
            Field(tokens.ROLE_ASSIGNMENT, "roleDefinitionId"),
            Field(tokens.ROLE_ASSIGNMENT, "principalType", _PEOPLE),
        ),
        resource_types=(tokens.ROLE_ASSIGNMENT,),
        rule=_no_permanent_admin,
    ),
    ResourcePolicySpec(
        name="azuread-conditionalaccesspolicy-break-glass-excluded",
        controls=_CONTROLS,
        description="Enforced Conditional Access policies must exclude the emergency-access accounts.",
        severity="medium",
        remediation=(
            "List the break-glass accounts (or their group) in conditions.users.excludedUsers / "
            "excludedGroups of every enforced Conditional Access policy, and monitor their sign-ins."
        ),
        fields=(
            Field(tokens.CONDITIONAL_ACCESS_POLICY, "state"),
            Field(tokens.CONDITIONAL_ACCESS_POLICY, "conditions.users.excludedUsers"),
            Field(tokens.CONDITIONAL_ACCESS_POLICY, "conditions.users.excludedGroups"),
        ),
        resource_types=(tokens.CONDITIONAL_ACCESS_POLICY,),
        rule=_break_glass_excluded,
    ),
)
