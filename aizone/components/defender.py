"""Microsoft Defender for Cloud plans for the subscription (MOD-1, DATA-4).

Plans are subscription-wide: a platform team that already manages them elsewhere turns this
component off (`aizone:defender.enabled: false`) and tells the pack so (see README, Policy pack
configuration). Plan and extension names are free strings in the SDK; they live here once.
Source: https://learn.microsoft.com/rest/api/defenderforcloud/pricings (plan names, sub-plans and
extensions), checked 2026-11.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import pulumi
from pulumi_azure_native import security

from .base import implements


@dataclass(frozen=True)
class Plan:
    name: str
    sub_plan: str | None = None
    extensions: tuple[str, ...] = ()


PLANS: tuple[Plan, ...] = (
    # Threat protection for AI, with prompt evidence in alerts and AI interactions shared with
    # Purview data security (DATA-4).
    Plan("AI", extensions=("AIPromptEvidence", "AIPromptSharingWithPurview")),
    Plan("StorageAccounts", "DefenderForStorageV2", ("OnUploadMalwareScanning", "SensitiveDataDiscovery")),
    Plan("KeyVaults", "PerKeyVault"),
    Plan("Api", "P1"),
)
# Monthly scanning cap per storage account for on-upload malware scanning (GB).
MALWARE_SCAN_CAP_GB = 5000


@implements("MOD-1", "DATA-4")
class Defender(pulumi.ComponentResource):
    """Defender plans at Standard on one subscription, and the security contact for alerts."""

    pricings: dict[str, security.Pricing]

    def __init__(
        self,
        name: str,
        subscription_id: pulumi.Input[str],
        contact_emails: Sequence[str],
        plans: Sequence[Plan] = PLANS,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("aizone:security:Defender", name, None, opts)
        scope = pulumi.Output.concat("subscriptions/", subscription_id)
        self.pricings = {}
        previous: list[pulumi.Resource] = []
        for plan in plans:
            pricing = security.Pricing(
                f"{name}-{plan.name.lower()}",
                security.PricingArgs(
                    scope_id=scope,
                    pricing_name=plan.name,
                    pricing_tier=security.PricingTier.STANDARD,
                    sub_plan=plan.sub_plan,
                    extensions=[_extension(plan.name, extension) for extension in plan.extensions] or None,
                ),
                # Pricings of one subscription are written one at a time (the API serialises them).
                opts=pulumi.ResourceOptions(parent=self, depends_on=previous),
            )
            self.pricings[plan.name] = pricing
            previous = [pricing]
        if contact_emails:
            security.SecurityContact(
                f"{name}-contact",
                security.SecurityContactArgs(
                    security_contact_name="default",
                    emails=";".join(contact_emails),
                    is_enabled=True,
                    notifications_by_role=security.SecurityContactPropertiesNotificationsByRoleArgs(
                        roles=[security.SecurityContactRole.OWNER], state=security.State.ON
                    ),
                    notifications_sources=[
                        security.NotificationsSourceAlertArgs(source_type="Alert", minimal_severity=security.MinimalSeverity.MEDIUM)
                    ],
                ),
                opts=pulumi.ResourceOptions(parent=self),
            )
        self.register_outputs({"plans": [plan.name for plan in plans]})


def _extension(plan: str, extension: str) -> security.ExtensionArgs:
    properties = {"CapGBPerMonthPerStorageAccount": str(MALWARE_SCAN_CAP_GB)} if extension == "OnUploadMalwareScanning" else None
    return security.ExtensionArgs(name=extension, is_enabled=security.IsEnabled.TRUE, additional_extension_properties=properties)
