"""ACC-3: privileged access is just-in-time and lock-out safe.

- A PIM role eligibility schedule (authorization:PimRoleEligibilitySchedule) expires, and soon
  enough: scheduleInfo.expiration.type is exactly AfterDuration (with an ISO-8601 duration,
  P<n>Y<n>M<n>W<n>DT<n>H<n>M<n>S; a year counts 365 days, a month 31) or AfterDateTime (with an
  ISO-8601 endDateTime, measured from scheduleInfo.startDateTime or, without one, from today), at
  most `maxEligibilityDays` (default 365) long. NoExpiration, absent, malformed or longer fails.
- Privileged roles (reference.PRIVILEGED_ROLES: they manage access or can list keys) are never
  granted through a permanent authorization:RoleAssignment at resource-group or wider scope, to
  anyone (people, groups, service principals, managed identities, an omitted principalType).
  Scopes are normalized first (rbac.normalize_scope). A custom authorization:RoleDefinition of the
  stack whose actions include "*" or Microsoft.Authorization/roleAssignments/write (wildcards
  matched as ARM does) is privileged too: the stack policy judges assignments wired to it.
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

import datetime as dt
import re
from collections.abc import Iterator
from fnmatch import fnmatchcase

from .. import reference, tokens
from ..config import PolicyConfig
from ..framework import Field, Finding, Resource, ResourcePolicySpec, StackPolicySpec, unknown_value, violation
from ..stackindex import StackIndex, StackResource
from ..values import UNKNOWN, describe, in_ci, items
from .rbac import ScopeLevel, assignments_with_principals, normalize_scope, role_guid, role_name, scope_level

_CONTROLS = ("ACC-3",)
NO_EXPIRATION = "NoExpiration"
_PEOPLE = ("User", "Group")
# The exact states that enforce nothing; any other value (including odd spellings) is judged as
# enforced (fail safe).
_NOT_ENFORCED = ("disabled", "enabledForReportingButNotEnforced")
_EXPIRATION = "scheduleInfo.expiration.type"


ROLE_DEFINITION = "azure-native:authorization:RoleDefinition"
AFTER_DURATION = "AfterDuration"
AFTER_DATE_TIME = "AfterDateTime"
DEFAULT_MAX_ELIGIBILITY_DAYS = 365
_MAX_DAYS_KEY = "maxEligibilityDays"
_WIDE: frozenset[ScopeLevel] = frozenset({"tenant root", "management group", "subscription", "resource group"})
_DURATION = re.compile(
    r"P(?:(?P<years>\d+(?:\.\d+)?)Y)?(?:(?P<months>\d+(?:\.\d+)?)M)?(?:(?P<weeks>\d+(?:\.\d+)?)W)?"
    r"(?:(?P<days>\d+(?:\.\d+)?)D)?(?:T(?:(?P<hours>\d+(?:\.\d+)?)H)?(?:(?P<minutes>\d+(?:\.\d+)?)M)?"
    r"(?:(?P<seconds>\d+(?:\.\d+)?)S)?)?"
)
_DAYS_PER: dict[str, float] = {
    "years": 365,
    "months": 31,
    "weeks": 7,
    "days": 1,
    "hours": 1 / 24,
    "minutes": 1 / 1440,
    "seconds": 1 / 86400,
}


def duration_days(text: str) -> float | None:
    """Days of an ISO-8601 duration ("P180D", "P1Y", "PT12H"), None when it is not one."""
    match = _DURATION.fullmatch(text)
    if match is None or text in ("P", "PT") or text.endswith("T"):
        return None
    return sum(float(value) * _DAYS_PER[unit] for unit, value in match.groupdict().items() if value is not None)


def _instant(text: object) -> dt.datetime | None:
    """An ISO-8601 date-time (a trailing Z allowed) as an aware datetime, else None."""
    if not isinstance(text, str) or text != text.strip() or not text:
        return None
    try:
        value = dt.datetime.fromisoformat(text[:-1] + "+00:00" if text.endswith(("Z", "z")) else text)
    except ValueError:
        return None
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.timezone.utc)


def _max_days(config: PolicyConfig) -> float:
    return config.number(_MAX_DAYS_KEY) or DEFAULT_MAX_ELIGIBILITY_DAYS


def _eligibility_problem(resource: Resource, max_days: float, now: dt.datetime) -> str | None:
    """Why an eligibility schedule is unbounded or too long ("" when unknown), or None."""
    kind = resource.get(_EXPIRATION)
    duration = resource.get("scheduleInfo.expiration.duration")
    end = resource.get("scheduleInfo.expiration.endDateTime")
    start = resource.get("scheduleInfo.startDateTime")
    limit = f"at most {max_days:g} days (config {_MAX_DAYS_KEY})"
    if kind is UNKNOWN:
        return ""
    if kind == AFTER_DURATION:
        if duration is UNKNOWN:
            return ""
        days = duration_days(duration) if isinstance(duration, str) else None
        if days is None:
            return (
                f"has no valid ISO-8601 duration (scheduleInfo.expiration.duration is {describe(duration)}): "
                f"set it to e.g. 'P180D', {limit}"
            )
        if days > max_days:
            return f"stays eligible for {days:g} days (scheduleInfo.expiration.duration is {describe(duration)}), longer than allowed: set it to {limit}"
        return None
    if kind == AFTER_DATE_TIME:
        if UNKNOWN in (end, start):
            return ""
        until = _instant(end)
        if until is None:
            return (
                f"has no valid end (scheduleInfo.expiration.endDateTime is {describe(end)}): set an ISO-8601 "
                f"date-time such as '2027-06-30T00:00:00Z', {limit}"
            )
        since = _instant(start) if start is not None else now
        if since is None:
            return f"has an invalid scheduleInfo.startDateTime ({describe(start)}): set an ISO-8601 date-time"
        days = (until - since).total_seconds() / 86400
        if days > max_days:
            return f"stays eligible until {end} ({days:.0f} days), longer than allowed: end it {limit}"
        return None
    return (
        f"makes the role eligible forever ({_EXPIRATION} is {describe(kind)}): set {_EXPIRATION} = "
        f"'{AFTER_DURATION}' with scheduleInfo.expiration.duration (e.g. 'P180D') or '{AFTER_DATE_TIME}' "
        f"with endDateTime, {limit}, and renew eligibility through review"
    )


def _eligibility_expires(resource: Resource, config: PolicyConfig) -> Iterator[Finding]:
    """The eligibility expires within the configured maximum."""
    problem = _eligibility_problem(resource, _max_days(config), dt.datetime.now(dt.timezone.utc))
    if problem == "":
        yield unknown_value(resource.subject, "scheduleInfo (expiration)")
    elif problem is not None:
        yield violation(f"{resource.subject} {problem}.")


def _privileged_scope_problem(subject: str, role: str, scope: object, principal_type: object) -> str | None:
    """The violation message for a privileged role granted at resource-group or wider scope. A
    workload identity (ServicePrincipal) is never told to use PIM: an eligible role must be
    activated by the member, with justification and MFA (Learn, "Assign Azure resource roles in
    Privileged Identity Management"), which a service principal or managed identity cannot do."""
    level = scope_level(scope)
    if level not in _WIDE:
        return None
    head = (
        f"{subject} permanently grants the privileged role {role} at {level} scope "
        f"('{normalize_scope(scope)}') to {_whom(principal_type)}: roles that manage access or can list keys are never "
        "assigned permanently at resource-group or wider scope; "
    )
    if in_ci(principal_type, ("ServicePrincipal",)):
        return head + "a workload identity cannot activate a PIM-eligible role, so grant it a narrower role on the single resource it needs"
    return head + (
        f"make it PIM-eligible (an authorization:PimRoleEligibilitySchedule with {_EXPIRATION} '{AFTER_DURATION}') "
        "or grant a narrower role on the single resource that needs it"
    )


def _whom(principal_type: object) -> str:
    """How a message names the principal of an assignment."""
    if isinstance(principal_type, str) and principal_type.strip():
        return f"a principal of type {principal_type.strip()}"
    return "a principal (principalType not set)"


def _no_permanent_admin(resource: Resource, _config: PolicyConfig) -> Iterator[Finding]:
    """No permanent privileged role at wide scope for anyone; no permanent administrative role
    for users or groups."""
    principal_type = resource.get("principalType")
    role = resource.get("roleDefinitionId")
    scope = resource.get("scope")
    if role is UNKNOWN:
        yield unknown_value(resource.subject, "roleDefinitionId")
        return
    name = role_name(role)
    if name in reference.PRIVILEGED_ROLES:
        if scope is UNKNOWN:
            yield unknown_value(resource.subject, "scope")
            return
        problem = _privileged_scope_problem(resource.subject, f"'{name}'", scope, principal_type)
        if problem is not None:
            yield violation(f"{problem}.")
            return
    if principal_type is UNKNOWN:
        yield unknown_value(resource.subject, "principalType")
        return
    if not in_ci(principal_type, _PEOPLE):
        return
    if name in reference.AI_ADMIN_ROLES | reference.BROAD_ROLES:
        yield violation(
            f"{resource.subject} permanently grants the administrative role '{name}' to a "
            f"{str(principal_type).strip().lower()}: make it PIM-eligible instead (an "
            f"authorization:PimRoleEligibilitySchedule with {_EXPIRATION} 'AfterDuration' or "
            "'AfterDateTime'), so administrators activate it just in time with MFA."
        )


def privileged_actions(definition: StackResource) -> list[str]:
    """The actions of a custom role definition that make it privileged (see the module doc)."""
    found: list[str] = []
    for permission in items(definition.get("permissions")):
        actions = permission.get("actions") if isinstance(permission, dict) else None
        for action in items(actions):
            if not isinstance(action, str):
                continue
            pattern = action.strip().lower()
            if any(fnmatchcase(target.lower(), pattern) for target in reference.PRIVILEGED_ACTIONS):
                found.append(action)
    return found


def _privileged_custom_roles(stack: StackIndex, _config: PolicyConfig) -> Iterator[Finding]:
    """Assignments of the stack's privileged custom roles stay below resource-group scope."""
    definitions = stack.of_type(ROLE_DEFINITION)
    if not definitions:
        return
    privileged: dict[str, tuple[StackResource, list[str]]] = {}
    by_guid: dict[str, str] = {}
    for definition in definitions:
        actions = privileged_actions(definition)
        if not actions:
            continue
        privileged[definition.urn] = (definition, actions)
        for value in (definition.get("roleDefinitionId"), definition.get("name"), definition.get("id")):
            guid = role_guid(value)
            if guid:
                by_guid[guid] = definition.urn
    for assignment, _principal in assignments_with_principals(stack):
        linked = [urn for urn in assignment.property_dependencies.get("roleDefinitionId", ()) if urn in privileged]
        guid = role_guid(assignment.role.value)
        if guid in by_guid:
            linked.append(by_guid[guid])
        if not linked:
            continue
        definition, actions = privileged[linked[0]]
        scope = assignment.get("scope")
        if scope is UNKNOWN:
            yield unknown_value(assignment.subject, "scope", urn=assignment.urn, name=assignment.name)
            continue
        role = f"{definition.subject} (a custom role with the actions {', '.join(repr(action) for action in actions)})"
        problem = _privileged_scope_problem(assignment.subject, role, scope, assignment.get("principalType"))
        if problem is not None:
            yield violation(f"{problem}.", urn=assignment.urn, name=assignment.name)


def _account_id(item: object) -> bool:
    """True for an exclusion entry that can name an account: a non-blank string (or a value that
    is unknown during preview). Blank, whitespace-only and non-string entries exclude nobody."""
    return item is UNKNOWN or (isinstance(item, str) and bool(item.strip()))


def _break_glass_excluded(resource: Resource, _config: PolicyConfig) -> Iterator[Finding]:
    """An enforced Conditional Access policy excludes the break-glass accounts."""
    state = resource.get("state")
    excluded = [resource.get("conditions.users.excludedUsers"), resource.get("conditions.users.excludedGroups")]
    if state is UNKNOWN:
        yield unknown_value(resource.subject, "state")
    elif state not in _NOT_ENFORCED and not any(value is UNKNOWN or any(_account_id(item) for item in items(value)) for value in excluded):
        yield violation(
            f"{resource.subject} is enforced (state {describe(state)}) but excludes no user or group: add the "
            "emergency-access (break-glass) accounts to conditions.users.excludedUsers (or their "
            "group to excludedGroups), or keep the policy in 'enabledForReportingButNotEnforced' "
            "until they exist."
        )


POLICIES: tuple[ResourcePolicySpec | StackPolicySpec, ...] = (
    ResourcePolicySpec(
        name="azurenative-authorization-pimroleeligibilityschedule-expiration",
        controls=_CONTROLS,
        description="PIM role eligibility schedules must expire within the configured maximum duration.",
        severity="high",
        remediation=(
            "Set scheduleInfo.expiration to AfterDuration (with a duration such as P180D) or "
            "AfterDateTime (with endDateTime) on every PIM role eligibility schedule, at most "
            f"{_MAX_DAYS_KEY} days long; renew eligibility through an access review."
        ),
        fields=(
            Field(tokens.PIM_ELIGIBILITY, _EXPIRATION, (NO_EXPIRATION, AFTER_DURATION, AFTER_DATE_TIME)),
            Field(tokens.PIM_ELIGIBILITY, "scheduleInfo.expiration.duration"),
            Field(tokens.PIM_ELIGIBILITY, "scheduleInfo.expiration.endDateTime"),
            Field(tokens.PIM_ELIGIBILITY, "scheduleInfo.startDateTime"),
        ),
        resource_types=(tokens.PIM_ELIGIBILITY,),
        rule=_eligibility_expires,
        config={
            _MAX_DAYS_KEY: {
                "type": "number",
                "minimum": 1,
                "default": DEFAULT_MAX_ELIGIBILITY_DAYS,
                "description": "Longest PIM eligibility allowed, in days (AfterDuration or AfterDateTime).",
            }
        },
    ),
    ResourcePolicySpec(
        name="azurenative-authorization-roleassignment-no-permanent-admin",
        controls=_CONTROLS,
        description=(
            "Privileged roles must not be permanently assigned at resource-group or wider scope to "
            "anyone, nor administrative roles on AI resources to users or groups."
        ),
        severity="high",
        remediation=(
            "Replace permanent role assignments of privileged roles (Owner, Contributor, User Access "
            "Administrator, RBAC Administrator, Key Vault Administrator, roles that can list keys) at "
            "resource-group or wider scope, and of Cognitive Services Contributor to users or groups, "
            "with PIM role eligibility schedules that expire."
        ),
        fields=(
            Field(tokens.ROLE_ASSIGNMENT, "roleDefinitionId"),
            Field(tokens.ROLE_ASSIGNMENT, "principalType", _PEOPLE),
            Field(tokens.ROLE_ASSIGNMENT, "scope"),
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
    StackPolicySpec(
        name="azurenative-authorization-roleassignment-no-permanent-privileged-custom-role",
        controls=_CONTROLS,
        description=(
            "Custom roles that can do everything or create role assignments must not be permanently "
            "assigned at resource-group or wider scope."
        ),
        severity="high",
        remediation=(
            "Remove '*' and Microsoft.Authorization/roleAssignments/write from custom role "
            "definitions, or assign such roles only PIM-eligible and on the single resource that "
            "needs them."
        ),
        fields=(
            Field(ROLE_DEFINITION, "permissions[].actions"),
            Field(ROLE_DEFINITION, "roleDefinitionId"),
            Field(tokens.ROLE_ASSIGNMENT, "roleDefinitionId"),
            Field(tokens.ROLE_ASSIGNMENT, "scope"),
            Field(tokens.ROLE_ASSIGNMENT, "principalType"),
            *(Field(tokens.AZ_ROLE_ASSIGNMENT, prop) for prop in ("roleDefinitionId", "scope", "principalType")),
        ),
        rule=_privileged_custom_roles,
    ),
)
