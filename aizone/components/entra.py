"""Entra ID controls for the AI platform: groups, Conditional Access and PIM (ACC-2, ACC-3, ACC-4).

Lock-out safety first: every Conditional Access policy excludes the break-glass accounts, and the
default state is report-only (`enabledForReportingButNotEnforced`), so a first `pulumi up` shows
in the sign-in logs what the policies *would* do before anyone turns them on. Settings refuse
`enabled` without at least one break-glass account.

Licensing: risk-based policies need Entra ID P2; Conditional Access needs P1; PIM needs P2.
"""

from __future__ import annotations

from dataclasses import dataclass

from typing import Sequence

import pulumi
import pulumi_azuread as azuread
from pulumi_azure_native import authorization

from aizone_policy import reference

from .base import implements
from .grants import Grant, KeepsGrants, Principal, grant_eligible


@dataclass(frozen=True)
class EntraOptions:
    """Entra ID groups, Conditional Access and PIM (ACC-3, ACC-4)."""

    enabled: bool
    conditional_access_state: str
    break_glass_object_ids: tuple[str, ...]
    trusted_ip_ranges: tuple[str, ...]
    trusted_countries: tuple[str, ...]
    sign_in_risk_action: str
    admin_eligibility_days: int

@implements("ACC-2", "ACC-3", "ACC-4")
class EntraControls(KeepsGrants, pulumi.ComponentResource):
    """AI administrators / users / agents groups, Conditional Access for the AI apps, and
    PIM-eligible administration of AI resources."""

    admins: azuread.Group
    users: azuread.Group
    agents: azuread.Group
    policies: dict[str, azuread.ConditionalAccessPolicy]

    def __init__(
        self,
        name: str,
        display_prefix: str,
        options: EntraOptions,
        ai_application_ids: Sequence[pulumi.Input[str]],
        ai_service_principals: Sequence[pulumi.Resource] = (),
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        """`ai_application_ids`: client ids of the AI applications callers sign in to (e.g. the
        gateway's app registration). Azure management (portal, CLI, Foundry portal) is always
        included. `ai_service_principals`: the service principals of those applications: a
        Conditional Access policy can target an application only once it has a service principal
        in the tenant, so the policies that target them wait for these."""
        super().__init__("aizone:identity:EntraControls", name, None, opts)
        self._logical_name = name
        self.options = options
        self._app_dependencies = list(ai_service_principals)
        self.admins = self._group(f"{name}-admins", f"{display_prefix} AI administrators", "Eligible (PIM) administrators of the AI landing zone")
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
        self.register_outputs({"admins": self.admins.object_id, "agents": self.agents.object_id})

    @property
    def admin_principal(self) -> Principal:
        return Principal("ai-admins", self.admins.object_id, principal_type="Group")

    def make_admins_eligible(
        self, role: str, scope_id: pulumi.Input[str], scope_name: str
    ) -> Grant[authorization.PimRoleEligibilitySchedule]:
        """AI administrators may activate `role` on the resource `scope_id` (logical name
        `scope_name`) just in time; never permanently (ACC-3)."""
        return self._keep(grant_eligible(
            f"{self._logical_name}-pim-{scope_name}",
            role,
            scope_id=scope_id,
            scope_name=scope_name,
            group=self.admin_principal,
            days=self.options.admin_eligibility_days,
            parent=self,
        ))

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
                    applications=azuread.ConditionalAccessPolicyConditionsApplicationsArgs(included_applications=list(apps)),
                    sign_in_risk_levels=list(sign_in_risk_levels) or None,
                    locations=locations,
                ),
                grant_controls=grant,
            ),
            opts=pulumi.ResourceOptions(
                parent=self,
                depends_on=[] if list(apps) == [reference.AZURE_MANAGEMENT_APP_ID] else self._app_dependencies,
            ),
        )
