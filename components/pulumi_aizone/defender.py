"""Microsoft Defender for Cloud plans for the subscription (MOD-1, DATA-4).

Plans are subscription-wide: a platform team that already manages them elsewhere turns this
component off (`aizone:defender.enabled: false`) and tells the pack so (see README, Policy pack
configuration). Plan and extension names are free strings in the SDK; they live here once.
Source: https://learn.microsoft.com/rest/api/defenderforcloud/pricings (plan names, sub-plans and
extensions), checked 2026-11.

Plans and the security contact are subscription-wide singletons, so an application stack adopts
them and never deletes them (checked 2026-12-07):
- every plan's pricing exists in every subscription (at `Free` until set), and azure-native does not
  treat `Microsoft.Security/pricings` as a singleton or default-state resource (it is absent from
  provider/pkg/openapi/defaults/defaultResourcesState.go, and the 2024-01-01 spec has a DELETE, so
  gen/schema.go `isSingleton` is false): its create first GETs the resource and refuses one that
  exists ("cannot create already existing resource", provider/pkg/azure/client*.go CanCreate). Each
  plan is therefore imported by its ARM id (`import_`); Pulumi refuses an import whose inputs differ
  from the live resource, so the adopting run (`adopt`) ignores tier, sub-plan and extensions and the
  next run writes them;
- Azure refuses DELETE of a subscription-scope pricing ("Delete operation is supported only for
  single resources scope (not subscriptions)", Azure/terraform-provider-azapi#818), and deleting
  would switch protection off for every workload of the subscription: pricings and the contact are
  `retain_on_delete` (a teardown or `defender: false` leaves them as they are).
"""

# No `from __future__ import annotations`: Pulumi's schema inference reads these annotations.
from dataclasses import dataclass
from typing import NotRequired, Optional, Sequence, TypedDict

import pulumi
from pulumi_azure_native import security

from .base import EMAIL_PATTERN, EMAIL_RULE, Problem, aliased, implements, raise_if_invalid


@dataclass(frozen=True)
class Plan:
    name: str
    sub_plan: str | None = None
    extensions: tuple[str, ...] = ()


PLANS: tuple[Plan, ...] = (
    # Threat protection for AI, with prompt evidence in alerts, AI interactions shared with Purview
    # data security (DATA-4) and AI model security (scanning models registered in Azure Machine
    # Learning for malware, unsafe operators and secrets). Learn "Enable threat protection for AI
    # services" (https://learn.microsoft.com/azure/defender-for-cloud/ai-onboarding) lists the three
    # components of the plan; the REST spec leaves extension names free (2024-01-01 pricings.json),
    # and public templates that enable the plan name the third `AIModelScanner` next to the other
    # two (read 2026-12-07).
    Plan("AI", extensions=("AIPromptEvidence", "AIPromptSharingWithPurview", "AIModelScanner")),
    Plan("StorageAccounts", "DefenderForStorageV2", ("OnUploadMalwareScanning", "SensitiveDataDiscovery")),
    Plan("KeyVaults", "PerKeyVault"),
    Plan("Api", "P1"),
)
# Monthly scanning cap per storage account for on-upload malware scanning (GB).
MALWARE_SCAN_CAP_GB = 5000


TYPE_TOKEN = "aizone:index:Defender"
_OLD_TYPE_TOKEN = "aizone:security:Defender"  # before 0.2.0: aliased so stacks are not replaced


class DefenderPlanArgs(TypedDict):
    """One Defender for Cloud plan (a `pricings` entry) at the Standard tier."""

    name: str
    """Plan (pricing) name, e.g. `AI`, `StorageAccounts`, `KeyVaults`, `Api`."""
    sub_plan: NotRequired[str]
    """Sub-plan, e.g. `DefenderForStorageV2`. Default: the plan's default."""
    extensions: NotRequired[Sequence[str]]
    """Extensions to enable, e.g. `OnUploadMalwareScanning`. Default: none."""


class DefenderArgs(TypedDict):
    """Inputs of Defender."""

    subscription_id: pulumi.Input[str]
    """Id (GUID) of the subscription whose plans are set. A plain string adopts (imports) the plans
    that already exist in it; an Output cannot name the import, and azure-native then refuses to
    create a plan that exists (module docstring)."""
    contact_emails: NotRequired[Sequence[str]]
    """Security contacts that receive alerts of medium severity and above. Default: none (no contact is written)."""
    plans: NotRequired[Sequence[DefenderPlanArgs]]
    """Plans to set to Standard. Default: AI (prompt evidence, sharing with Purview, model scanning), StorageAccounts
    (DefenderForStorageV2, malware scanning, sensitive data discovery), KeyVaults (PerKeyVault), Api (P1)."""
    adopt: NotRequired[bool]
    """The run that first brings the subscription's plans into the stack: each plan is imported as it
    is (its tier, sub-plan and extensions are not written on this run; the next run without `adopt`
    writes them). Default: false (the plans are already in the stack's state)."""


def _plan_args(plan: Plan) -> DefenderPlanArgs:
    args = DefenderPlanArgs(name=plan.name, extensions=list(plan.extensions))
    if plan.sub_plan:
        args["sub_plan"] = plan.sub_plan
    return args


DEFAULT_PLANS: tuple[DefenderPlanArgs, ...] = tuple(_plan_args(plan) for plan in PLANS)


def validate_defender(args: DefenderArgs) -> list[Problem]:
    """Every problem with Defender args, each naming its field."""
    problems: list[Problem] = []
    if not args.get("subscription_id"):
        problems.append(Problem("subscription_id", "the subscription id is required"))
    for index, email in enumerate(args.get("contact_emails", ())):
        if not EMAIL_PATTERN.match(str(email)):
            problems.append(Problem(f"contact_emails[{index}]", EMAIL_RULE))
    seen: set[str] = set()
    for index, plan in enumerate(args.get("plans", DEFAULT_PLANS)):
        plan_name = str(plan.get("name", ""))
        if not plan_name.isalnum():
            problems.append(Problem(f"plans[{index}].name", "a Defender plan name such as AI or StorageAccounts"))
        elif plan_name.lower() in seen:
            problems.append(Problem(f"plans[{index}].name", f"{plan_name} is listed twice; each plan once"))
        seen.add(plan_name.lower())
    return problems


@implements("MOD-1", "DATA-4")
class Defender(pulumi.ComponentResource):
    """Defender plans at Standard on one subscription, and the security contact for alerts."""

    plan_names: pulumi.Output[list[str]]
    """Names of the plans set to Standard."""
    pricing_ids: pulumi.Output[dict[str, str]]
    """Plan name -> resource id of its pricing."""

    def __init__(self, name: str, args: DefenderArgs, opts: Optional[pulumi.ResourceOptions] = None) -> None:
        raise_if_invalid("Defender", validate_defender(args))
        super().__init__(
            TYPE_TOKEN,
            name,
            {},
            aliased(opts, _OLD_TYPE_TOKEN),
        )
        scope = pulumi.Output.concat("subscriptions/", args["subscription_id"])
        plans = list(args.get("plans", DEFAULT_PLANS))
        contact_emails = list(args.get("contact_emails", ()))
        self.pricings: dict[str, security.Pricing] = {}
        previous: list[pulumi.Resource] = []
        subscription = args["subscription_id"]
        adopt = bool(args.get("adopt", False))
        for plan in plans:
            pricing = security.Pricing(
                f"{name}-{plan['name'].lower()}",
                security.PricingArgs(
                    scope_id=scope,
                    pricing_name=plan["name"],
                    pricing_tier=security.PricingTier.STANDARD,
                    sub_plan=plan.get("sub_plan"),
                    extensions=[_extension(plan["name"], extension) for extension in plan.get("extensions", ())] or None,
                ),
                # Pricings of one subscription are written one at a time (the API serialises them).
                opts=pulumi.ResourceOptions(
                    parent=self,
                    depends_on=previous,
                    # Adopted, never created (it always exists) and never deleted (module docstring).
                    # A no-op once the plan is in the stack's state with this id.
                    import_=pricing_id(subscription, plan["name"]) if isinstance(subscription, str) else None,
                    ignore_changes=list(ADOPT_IGNORED) if adopt else None,
                    retain_on_delete=True,
                ),
            )
            self.pricings[plan["name"]] = pricing
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
                # Subscription-wide: another stack's or the platform's alerts depend on it too.
                opts=pulumi.ResourceOptions(parent=self, retain_on_delete=True),
            )
        self.plan_names = pulumi.Output.from_input([plan["name"] for plan in plans])
        self.pricing_ids = pulumi.Output.all(*[pricing.id for pricing in self.pricings.values()]).apply(
            lambda ids: dict(zip(self.pricings, ids, strict=True))
        )
        self.register_outputs({"plan_names": self.plan_names, "pricing_ids": self.pricing_ids})


# Properties an adopting run leaves as they are, so that the import matches the live plan.
ADOPT_IGNORED: tuple[str, ...] = ("pricingTier", "subPlan", "extensions")


def pricing_id(subscription_id: str, plan: str) -> str:
    """ARM id of a plan's pricing at subscription scope (REST: Pricings - Get,
    `GET {scopeId}/providers/Microsoft.Security/pricings/{pricingName}`)."""
    return f"/subscriptions/{subscription_id}/providers/Microsoft.Security/pricings/{plan}"


def _extension(plan: str, extension: str) -> security.ExtensionArgs:
    properties = {"CapGBPerMonthPerStorageAccount": str(MALWARE_SCAN_CAP_GB)} if extension == "OnUploadMalwareScanning" else None
    return security.ExtensionArgs(name=extension, is_enabled=security.IsEnabled.TRUE, additional_extension_properties=properties)
