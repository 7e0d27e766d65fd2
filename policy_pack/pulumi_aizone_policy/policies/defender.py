"""MOD-1 and DATA-4: Microsoft Defender for Cloud plans (security:Pricing).

Resource policies, on every Defender plan the landing zone relies on (AI, StorageAccounts,
KeyVaults, Api; other plans are not judged):
- the plan is on the Standard tier (Free switches its protection off);
- AI: extension AIPromptEvidence isEnabled "True" (a string enum, not a boolean), so alerts carry
  the prompt that triggered them;
- StorageAccounts: subPlan DefenderForStorageV2 with OnUploadMalwareScanning and
  SensitiveDataDiscovery enabled, stated explicitly so the feature set is reviewed;
- DATA-4: the AI plan shares AI interactions with Microsoft Purview (AIPromptSharingWithPurview
  "True"). This is judged on the plan itself, not only when the stack has a purview:Account:
  Purview data security for AI is tenant-wide (DSPM for AI) and the Purview account usually lives
  in another stack, so gating on a purview:Account in the same stack would miss the usual split.

Stack policy (MOD-1): a stack with an AI account (cognitiveservices:Account) declares the AI plan,
plus StorageAccounts when it has storage accounts, KeyVaults when it has vaults and Api when it has
API Management. Plans are subscription-wide, so stacks whose platform team enables Defender
elsewhere set `defenderManagedElsewhere: true`. Stacks without an AI account are not an AI
workload and are not required to carry the plans.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from .. import reference, tokens
from ..checks import enum_is
from ..config import PolicyConfig
from ..framework import Field, Finding, Resource, ResourcePolicySpec, StackPolicySpec, unknown_value, violation
from ..stackindex import StackIndex
from ..values import UNKNOWN, as_dict, eq_ci, items, str_or_none

_ON = "True"
STANDARD = reference.DEFENDER_STANDARD_TIER
AI_PLAN = reference.DEFENDER_AI_PLAN
STORAGE_PLAN = reference.DEFENDER_STORAGE_PLAN


def _extension_state(resource: Resource, name: str) -> object:
    """isEnabled of the named extension: its value, None when the extension is not listed, UNKNOWN
    when the list or the entry is unknown during preview."""
    extensions = resource.get("extensions")
    if extensions is UNKNOWN:
        return UNKNOWN
    for item in items(extensions):
        entry = as_dict(item)
        if item is UNKNOWN or (entry is not None and entry.get("name") is UNKNOWN):
            return UNKNOWN
        if entry is not None and eq_ci(entry.get("name"), name):
            return entry.get("isEnabled")
    return None


def _extension_on(resource: Resource, name: str, why: str) -> Iterator[Finding]:
    """The named extension is listed with isEnabled "True"."""
    state = _extension_state(resource, name)
    if state is UNKNOWN:
        yield unknown_value(resource.subject, f"extensions[{name}].isEnabled")
    elif not eq_ci(state, _ON):
        shown = "is not listed" if state is None else f"has isEnabled {state!r}"
        yield violation(
            f"{resource.subject} does not enable {name} ({why}; the extension {shown}): add "
            f"{{name: '{name}', isEnabled: '{_ON}'}} to extensions (isEnabled is the string 'True')."
        )


def _plan_name(resource: Resource) -> object:
    """The plan's pricingName (the `name` output after deployment)."""
    name = resource.get("pricingName")
    return resource.get("name") if name is None else name


def _standard_plan(resource: Resource, _config: PolicyConfig) -> Iterator[Finding]:
    """AI, StorageAccounts, KeyVaults and Api plans are Standard, with their required extensions."""
    name = _plan_name(resource)
    if name is UNKNOWN:
        yield unknown_value(resource.subject, "pricingName")
        return
    plans = (AI_PLAN, STORAGE_PLAN, reference.DEFENDER_KEY_VAULT_PLAN, reference.DEFENDER_API_PLAN)
    if not any(eq_ci(name, plan) for plan in plans):
        return
    yield from enum_is(
        resource,
        "pricingTier",
        (STANDARD,),
        f"does not enable Defender plan '{name}'",
        f"set pricingTier = '{STANDARD}' (Free turns the plan's threat protection off)",
    )
    if eq_ci(name, AI_PLAN):
        yield from _extension_on(resource, reference.AI_PROMPT_EVIDENCE, "AI alerts would lack the prompt evidence")
    elif eq_ci(name, STORAGE_PLAN):
        yield from enum_is(
            resource,
            "subPlan",
            (reference.DEFENDER_STORAGE_SUB_PLAN,),
            "does not use the Defender for Storage plan with malware scanning and sensitive data discovery",
            f"set subPlan = '{reference.DEFENDER_STORAGE_SUB_PLAN}'",
        )
        yield from _extension_on(resource, reference.STORAGE_MALWARE_SCANNING, "uploads would not be scanned for malware")
        yield from _extension_on(resource, reference.STORAGE_SENSITIVE_DATA_DISCOVERY, "sensitive data in blobs would not be discovered")


def _purview_sharing(resource: Resource, _config: PolicyConfig) -> Iterator[Finding]:
    """The AI plan shares AI interactions (prompts and responses) with Microsoft Purview."""
    name = _plan_name(resource)
    if name is UNKNOWN:
        yield unknown_value(resource.subject, "pricingName")
    elif eq_ci(name, AI_PLAN):
        yield from _extension_on(
            resource,
            reference.AI_PROMPT_SHARING_WITH_PURVIEW,
            "prompts and responses would stay outside Purview data security",
        )


@dataclass(frozen=True)
class _Requirement:
    """A plan the stack needs because it holds resources of `types`."""

    plan: str
    types: tuple[str, ...]
    why: str


_REQUIREMENTS: tuple[_Requirement, ...] = (
    _Requirement(AI_PLAN, (tokens.COGNITIVE_ACCOUNT,), "threat protection for AI with prompt evidence"),
    _Requirement(STORAGE_PLAN, (tokens.STORAGE_ACCOUNT,), "malware scanning and sensitive data discovery"),
    _Requirement(reference.DEFENDER_KEY_VAULT_PLAN, (tokens.KEY_VAULT,), "threat protection for Key Vault"),
    _Requirement(reference.DEFENDER_API_PLAN, (tokens.APIM_SERVICE,), "threat protection for APIs"),
)


def _required_plans(stack: StackIndex, config: PolicyConfig) -> Iterator[Finding]:
    """An AI workload stack declares the Defender plans of the resources it holds."""
    if config.bool("defenderManagedElsewhere") or not stack.of_type(tokens.COGNITIVE_ACCOUNT):
        return
    declared: set[str] = set()
    unknown = False
    for pricing in stack.of_type(tokens.DEFENDER_PRICING):
        name = pricing.get("pricingName")
        name = pricing.get("name") if name is None else name
        unknown = unknown or name is UNKNOWN
        if str_or_none(name):
            declared.add(str(name).lower())
    for requirement in _REQUIREMENTS:
        holders = stack.of_type(*requirement.types)
        if not holders or requirement.plan.lower() in declared:
            continue
        first = holders[0]
        if unknown:
            yield unknown_value(first.subject, "pricingName of the stack's Defender plans", urn=first.urn, name=first.name)
            continue
        yield violation(
            f"{first.subject} is in a stack without the Defender for Cloud plan '{requirement.plan}' "
            f"({requirement.why}): add a security:Pricing with pricingName = '{requirement.plan}' and "
            f"pricingTier = '{STANDARD}' for the subscription, or set defenderManagedElsewhere = true "
            "in this policy's config when the platform team enables Defender for the subscription "
            "in another stack.",
            urn=first.urn,
            name=first.name,
        )


_EXTENSION_FIELDS: tuple[Field, ...] = (
    Field(tokens.DEFENDER_PRICING, "pricingName"),
    Field(tokens.DEFENDER_PRICING, "extensions[].name"),
    Field(tokens.DEFENDER_PRICING, "extensions[].isEnabled", (_ON,)),
)

POLICIES: tuple[ResourcePolicySpec | StackPolicySpec, ...] = (
    ResourcePolicySpec(
        name="azurenative-security-pricing-defender-plan-standard",
        controls=("MOD-1",),
        description=(
            "Defender for Cloud plans for AI, Storage, Key Vaults and APIs must be on the Standard "
            "tier, AI with prompt evidence and Storage with malware scanning and sensitive data "
            "discovery."
        ),
        severity="high",
        remediation=(
            "Set pricingTier = 'Standard' on the AI, StorageAccounts, KeyVaults and Api plans; on AI "
            "add the extension {name: 'AIPromptEvidence', isEnabled: 'True'}; on StorageAccounts set "
            "subPlan = 'DefenderForStorageV2' with OnUploadMalwareScanning and SensitiveDataDiscovery "
            "enabled."
        ),
        fields=(
            *_EXTENSION_FIELDS,
            Field(tokens.DEFENDER_PRICING, "pricingTier", (STANDARD, "Free")),
            Field(tokens.DEFENDER_PRICING, "subPlan"),
        ),
        resource_types=(tokens.DEFENDER_PRICING,),
        rule=_standard_plan,
    ),
    ResourcePolicySpec(
        name="azurenative-security-pricing-ai-purview-sharing",
        controls=("DATA-4",),
        description="The Defender for AI plan must share AI interactions with Microsoft Purview.",
        severity="medium",
        remediation=(
            "Add the extension {name: 'AIPromptSharingWithPurview', isEnabled: 'True'} to the "
            "security:Pricing of plan 'AI' so prompts and responses fall under Purview data "
            "security (DSPM for AI; requires Purview licensing)."
        ),
        fields=_EXTENSION_FIELDS,
        resource_types=(tokens.DEFENDER_PRICING,),
        rule=_purview_sharing,
    ),
    StackPolicySpec(
        name="azurenative-security-pricing-required-plans",
        controls=("MOD-1",),
        description=(
            "A stack with AI accounts must enable the Defender for Cloud plans for AI and for the "
            "storage, Key Vault and API Management resources it holds."
        ),
        severity="high",
        remediation=(
            "Declare security:Pricing resources (scopeId = 'subscriptions/<id>', pricingTier = "
            "'Standard') for AI, and for StorageAccounts, KeyVaults and Api when the stack has storage "
            "accounts, vaults or API Management; or set defenderManagedElsewhere = true when the "
            "platform team manages Defender for the subscription."
        ),
        fields=(Field(tokens.DEFENDER_PRICING, "pricingName"),),
        rule=_required_plans,
        config={
            "defenderManagedElsewhere": {
                "type": "boolean",
                "default": False,
                "description": (
                    "True when the Defender for Cloud plans of the subscription are enabled by "
                    "another stack or by the platform team, so this stack does not declare them."
                ),
            }
        },
    ),
)
