"""Entra ID controls for the AI platform: groups, Conditional Access and PIM (ACC-2, ACC-3, ACC-4).

Lock-out safety first: every Conditional Access policy excludes the break-glass accounts, and the
default state is report-only (`enabledForReportingButNotEnforced`), so a first `pulumi up` shows
in the sign-in logs what the policies *would* do before anyone turns them on. Settings refuse
`enabled` without at least one break-glass account.

Licensing: risk-based policies need Entra ID P2; Conditional Access needs P1; PIM needs P2.
"""

import ipaddress
import re
from dataclasses import dataclass
from typing import NotRequired, Optional, Sequence, TypedDict

import pulumi
import pulumi_azuread as azuread
from pulumi_azure_native import authorization

from pulumi_aizone_policy import reference

from .base import Problem, aliased, implements, raise_if_invalid
from .grants import Grant, KeepsGrants, Principal, grant_eligible

TYPE_TOKEN = "aizone:index:EntraControls"
_OLD_TYPE_TOKEN = "aizone:identity:EntraControls"  # before 0.2.0: aliased so stacks are not replaced
CA_STATES = ("enabledForReportingButNotEnforced", "enabled", "disabled")
SIGN_IN_RISK_ACTIONS = ("mfa", "block")
ELIGIBILITY_DAYS_BOUNDS = (1, 365)
_GUID = re.compile(r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")
_COUNTRY = re.compile(r"^[A-Z]{2}$")


class EntraOptionsArgs(TypedDict):
    """Conditional Access and PIM choices (ACC-3, ACC-4); every default is the lock-out-safe one."""

    conditional_access_state: NotRequired[str]
    """`enabledForReportingButNotEnforced` (report-only), `enabled` or `disabled`. `enabled` needs at
    least one break-glass account. Default: `enabledForReportingButNotEnforced`."""
    break_glass_object_ids: NotRequired[Sequence[str]]
    """Entra object ids (GUIDs) of emergency-access accounts every policy excludes. Default: none."""
    trusted_ip_ranges: NotRequired[Sequence[str]]
    """CIDR ranges of trusted networks (a named location). Default: none."""
    trusted_countries: NotRequired[Sequence[str]]
    """Two-letter ISO 3166 country codes in capitals (a named location); with trusted ranges, sign-ins
    from elsewhere are blocked. Default: none."""
    sign_in_risk_action: NotRequired[str]
    """What medium/high sign-in risk requires: `mfa` or `block`. Default: `mfa`."""
    admin_eligibility_days: NotRequired[int]
    """Days a PIM eligibility of the administrators lasts, 1-365. Default: 180."""


class EntraControlsArgs(TypedDict):
    """Inputs of EntraControls."""

    display_prefix: str
    """Prefix of every group, named location and policy display name, e.g. `aiz-dev`."""
    ai_application_ids: Sequence[pulumi.Input[str]]
    """Client ids of the AI applications callers sign in to (e.g. the gateway's app registration).
    Azure management (portal, CLI, Foundry portal) is always included."""
    ai_service_principal_ids: NotRequired[Sequence[pulumi.Input[str]]]
    """Object ids of those applications' service principals: a Conditional Access policy can target
    an application only once it has a service principal in the tenant, so the policies that target
    them wait for these. Default: none."""
    options: NotRequired[EntraOptionsArgs]
    """Conditional Access and PIM choices. Default: the lock-out-safe defaults."""


def validate_entra_options(options: EntraOptionsArgs, prefix: str = "") -> list[Problem]:
    """Every problem with Entra options; fields are prefixed with `prefix`."""
    problems: list[Problem] = []
    state = options.get("conditional_access_state", CA_STATES[0])
    if state not in CA_STATES:
        problems.append(Problem(f"{prefix}conditional_access_state", f"one of {', '.join(CA_STATES)}"))
    break_glass = list(options.get("break_glass_object_ids", []))
    for index, object_id in enumerate(break_glass):
        if not isinstance(object_id, str) or not _GUID.match(object_id):
            problems.append(
                Problem(f"{prefix}break_glass_object_ids[{index}]", "expected an Entra object id (GUID) of an emergency-access account")
            )
    if state == "enabled" and not break_glass:
        problems.append(
            Problem(
                f"{prefix}break_glass_object_ids",
                "at least one emergency-access (break-glass) account is required before Conditional Access is 'enabled'; "
                "otherwise a mistake can lock every administrator out of the tenant",
            )
        )
    for index, cidr in enumerate(options.get("trusted_ip_ranges", [])):
        try:
            ipaddress.ip_network(cidr)
        except (TypeError, ValueError):
            problems.append(Problem(f"{prefix}trusted_ip_ranges[{index}]", f"expected a CIDR range such as 203.0.113.0/24, got {cidr!r}"))
    for index, country in enumerate(options.get("trusted_countries", [])):
        if not isinstance(country, str) or not _COUNTRY.match(country):
            problems.append(
                Problem(f"{prefix}trusted_countries[{index}]", "expected a two-letter ISO 3166 country code in capitals, e.g. 'SE'")
            )
    if options.get("sign_in_risk_action", "mfa") not in SIGN_IN_RISK_ACTIONS:
        problems.append(Problem(f"{prefix}sign_in_risk_action", f"one of {', '.join(SIGN_IN_RISK_ACTIONS)}"))
    days = options.get("admin_eligibility_days", 180)
    low, high = ELIGIBILITY_DAYS_BOUNDS
    if isinstance(days, bool) or not isinstance(days, int) or not low <= days <= high:
        problems.append(Problem(f"{prefix}admin_eligibility_days", f"a whole number of days between {low} and {high}"))
    return problems


def validate_entra_controls(args: EntraControlsArgs) -> list[Problem]:
    """Every problem with EntraControls args, each naming its field."""
    problems: list[Problem] = []
    if not str(args.get("display_prefix", "")).strip():
        problems.append(Problem("display_prefix", "a non-empty display name prefix, e.g. 'aiz-dev'"))
    problems += validate_entra_options(args.get("options", {}), "options.")
    return problems


@dataclass(frozen=True)
class EntraOptions:
    """Entra ID groups, Conditional Access and PIM (ACC-3, ACC-4), as the settings read them;
    `enabled` decides whether the landing zone builds EntraControls, `as_args()` is what it takes."""

    enabled: bool
    conditional_access_state: str
    break_glass_object_ids: tuple[str, ...]
    trusted_ip_ranges: tuple[str, ...]
    trusted_countries: tuple[str, ...]
    sign_in_risk_action: str
    admin_eligibility_days: int

    def as_args(self) -> EntraOptionsArgs:
        return EntraOptionsArgs(
            conditional_access_state=self.conditional_access_state,
            break_glass_object_ids=list(self.break_glass_object_ids),
            trusted_ip_ranges=list(self.trusted_ip_ranges),
            trusted_countries=list(self.trusted_countries),
            sign_in_risk_action=self.sign_in_risk_action,
            admin_eligibility_days=self.admin_eligibility_days,
        )


@implements("ACC-2", "ACC-3", "ACC-4")
class EntraControls(KeepsGrants, pulumi.ComponentResource):
    """AI administrators / users / agents groups, report-only-first Conditional Access for the AI
    apps that always excludes the break-glass accounts, and PIM-eligible administration."""

    admins_group_id: pulumi.Output[str]
    """Object id of the AI administrators group (PIM-eligible)."""
    users_group_id: pulumi.Output[str]
    """Object id of the AI users group."""
    agents_group_id: pulumi.Output[str]
    """Object id of the AI agents group (inventoried agents' identities, ACC-2)."""
    policy_ids: pulumi.Output[dict[str, str]]
    """Policy key (`mfa`, `risk`, `admin-device`, `location`) -> Conditional Access policy id."""

    def __init__(self, name: str, args: EntraControlsArgs, opts: Optional[pulumi.ResourceOptions] = None) -> None:
        raise_if_invalid("EntraControls", validate_entra_controls(args))
        super().__init__(
            TYPE_TOKEN,
            name,
            {},
            aliased(opts, _OLD_TYPE_TOKEN),
        )
        given = args.get("options", {})
        options = EntraOptions(
            enabled=True,
            conditional_access_state=given.get("conditional_access_state", CA_STATES[0]),
            break_glass_object_ids=tuple(given.get("break_glass_object_ids", ())),
            trusted_ip_ranges=tuple(given.get("trusted_ip_ranges", ())),
            trusted_countries=tuple(given.get("trusted_countries", ())),
            sign_in_risk_action=given.get("sign_in_risk_action", "mfa"),
            admin_eligibility_days=given.get("admin_eligibility_days", 180),
        )
        display_prefix = args["display_prefix"]
        ai_application_ids = list(args["ai_application_ids"])
        self._logical_name = name
        self.options = options
        self._app_ids = ai_application_ids
        self._ready_app_ids = pulumi.Output.all(*ai_application_ids, *args.get("ai_service_principal_ids", [])).apply(
            lambda ids: [str(i) for i in ids[: len(ai_application_ids)]]
        )
        self.admins = self._group(
            f"{name}-admins", f"{display_prefix} AI administrators", "Eligible (PIM) administrators of the AI landing zone"
        )
        self.users = self._group(f"{name}-users", f"{display_prefix} AI users", "People allowed to use the AI applications")
        self.agents = self._group(f"{name}-agents", f"{display_prefix} AI agents", "Managed identities of inventoried AI agents (ACC-2)")

        apps: list[pulumi.Input[str]] = [reference.AZURE_MANAGEMENT_APP_ID, *ai_application_ids]
        excluded = list(options.break_glass_object_ids)
        self.policies = {
            "mfa": self._policy(
                "mfa",
                f"{display_prefix} AI: require MFA",
                users=azuread.ConditionalAccessPolicyConditionsUsersArgs(included_users=["All"], excluded_users=excluded),
                apps=apps,
                grant=azuread.ConditionalAccessPolicyGrantControlsArgs(operator="OR", built_in_controls=["mfa"]),
            ),
            "risk": self._policy(
                "risk",
                f"{display_prefix} AI: {options.sign_in_risk_action} on medium/high sign-in risk",
                users=azuread.ConditionalAccessPolicyConditionsUsersArgs(included_users=["All"], excluded_users=excluded),
                apps=apps,
                grant=azuread.ConditionalAccessPolicyGrantControlsArgs(operator="OR", built_in_controls=[options.sign_in_risk_action]),
                sign_in_risk_levels=["medium", "high"],
            ),
            "admin-device": self._policy(
                "admin-device",
                f"{display_prefix} AI administration: compliant device and MFA",
                users=azuread.ConditionalAccessPolicyConditionsUsersArgs(included_groups=[self.admins.object_id], excluded_users=excluded),
                apps=[reference.AZURE_MANAGEMENT_APP_ID],
                grant=azuread.ConditionalAccessPolicyGrantControlsArgs(operator="AND", built_in_controls=["mfa", "compliantDevice"]),
            ),
        }
        trusted = self._trusted_locations(display_prefix)
        if trusted:
            self.policies["location"] = self._policy(
                "location",
                f"{display_prefix} AI: block outside trusted locations",
                users=azuread.ConditionalAccessPolicyConditionsUsersArgs(included_users=["All"], excluded_users=excluded),
                apps=apps,
                grant=azuread.ConditionalAccessPolicyGrantControlsArgs(operator="OR", built_in_controls=["block"]),
                locations=azuread.ConditionalAccessPolicyConditionsLocationsArgs(
                    included_locations=["All"], excluded_locations=[location.id for location in trusted]
                ),
            )
        self.admins_group_id = self.admins.object_id
        self.users_group_id = self.users.object_id
        self.agents_group_id = self.agents.object_id
        self.policy_ids = pulumi.Output.all(**{key: policy.id for key, policy in self.policies.items()}).apply(dict)
        self.register_outputs(
            {
                "admins_group_id": self.admins_group_id,
                "users_group_id": self.users_group_id,
                "agents_group_id": self.agents_group_id,
                "policy_ids": self.policy_ids,
            }
        )

    @property
    def admin_principal(self) -> Principal:
        return Principal("ai-admins", self.admins.object_id, principal_type="Group")

    def make_admins_eligible(
        self, role: str, scope_id: pulumi.Input[str], scope_name: str, depends_on: Sequence[pulumi.Resource] = ()
    ) -> Grant[authorization.PimRoleEligibilitySchedule]:
        """AI administrators may activate `role` on the resource `scope_id` (logical name
        `scope_name`) just in time; never permanently (ACC-3). `depends_on`: resources the
        request waits for (the new group must have reached Azure RBAC, see LandingZone)."""
        return self._keep(
            grant_eligible(
                f"{self._logical_name}-pim-{scope_name}",
                role,
                scope_id=scope_id,
                scope_name=scope_name,
                group=self.admin_principal,
                days=self.options.admin_eligibility_days,
                parent=self,
                depends_on=depends_on,
            )
        )

    def _trusted_locations(self, display_prefix: str) -> list[azuread.NamedLocation]:
        """Named locations (ACC-4): trusted IP ranges and/or countries, one location each."""
        locations: list[azuread.NamedLocation] = []
        if self.options.trusted_ip_ranges:
            locations.append(
                azuread.NamedLocation(
                    f"{self._logical_name}-trusted-ips",
                    azuread.NamedLocationArgs(
                        display_name=f"{display_prefix} AI trusted networks",
                        ip=azuread.NamedLocationIpArgs(ip_ranges=list(self.options.trusted_ip_ranges), trusted=True),
                    ),
                    opts=pulumi.ResourceOptions(parent=self),
                )
            )
        if self.options.trusted_countries:
            locations.append(
                azuread.NamedLocation(
                    f"{self._logical_name}-trusted-countries",
                    azuread.NamedLocationArgs(
                        display_name=f"{display_prefix} AI trusted countries",
                        country=azuread.NamedLocationCountryArgs(
                            countries_and_regions=list(self.options.trusted_countries),
                            include_unknown_countries_and_regions=False,
                        ),
                    ),
                    opts=pulumi.ResourceOptions(parent=self),
                )
            )
        return locations

    def _group(self, name: str, display_name: str, description: str) -> azuread.Group:
        """A security group; membership is managed in Entra ID (or by access reviews), not here."""
        return azuread.Group(
            name,
            azuread.GroupArgs(
                display_name=display_name,
                description=description,
                security_enabled=True,
                mail_enabled=False,
                prevent_duplicate_names=True,
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )

    def _policy(
        self,
        key: str,
        display_name: str,
        users: azuread.ConditionalAccessPolicyConditionsUsersArgs,
        apps: Sequence[pulumi.Input[str]],
        grant: azuread.ConditionalAccessPolicyGrantControlsArgs,
        sign_in_risk_levels: Sequence[str] = (),
        locations: azuread.ConditionalAccessPolicyConditionsLocationsArgs | None = None,
    ) -> azuread.ConditionalAccessPolicy:
        return azuread.ConditionalAccessPolicy(
            f"{self._logical_name}-ca-{key}",
            azuread.ConditionalAccessPolicyArgs(
                display_name=display_name,
                state=self.options.conditional_access_state,
                conditions=azuread.ConditionalAccessPolicyConditionsArgs(
                    client_app_types=["all"],
                    users=users,
                    # The AI applications' ids wait for their service principals (`ai_service_principal_ids`).
                    applications=azuread.ConditionalAccessPolicyConditionsApplicationsArgs(
                        included_applications=list(apps)
                        if list(apps) == [reference.AZURE_MANAGEMENT_APP_ID]
                        else self._ready_app_ids.apply(lambda ids: [reference.AZURE_MANAGEMENT_APP_ID, *ids])
                    ),
                    sign_in_risk_levels=list(sign_in_risk_levels) or None,
                    locations=locations,
                ),
                grant_controls=grant,
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )
