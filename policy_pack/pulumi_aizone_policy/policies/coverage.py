"""What the pack judges on a stack: the landing-zone scope switch and the types no policy checks.

- `azurenative-resources-stack-landing-zone-scope` carries the pack's scope switch (config
  `landingZone`: `auto`, `always`, `never`; scope.py explains the classification) and flags a
  stack tag `aizone:workload` whose value the pack does not know (a misspelled `ai` would
  silently leave a tag-only AI stack judged by universal rules only).
- `azurenative-resources-stack-unjudged-types` is the pack's "no silent pass" note: resource types
  of every Azure namespace (both providers) that no policy of the pack reads, and the ARM types
  of inline templates the pack has no mapping for, are listed in one advisory finding, so a user
  sees what the pack could not check (deployments themselves are judged by doors.py).
  Types the user has reviewed can be listed in `ignoredTypes` (fnmatch globs over type tokens).

Both are advisory: they inform and never block.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from fnmatch import fnmatchcase
from functools import lru_cache
from typing import Final

from .. import arm, scope, tokens
from ..config import PolicyConfig
from ..framework import Field, Finding, PolicySpec, ResourcePolicySpec, StackPolicySpec, violation
from ..stackindex import StackIndex, StackResource
from . import doors

_CONTROLS = ("ACC-8",)

# Namespaces whose resources hold data, run code, expose endpoints or grant access: a type there
# that no policy reads is a gap worth seeing. Networking plumbing (VNets, subnets, DNS zones),
# monitoring and resource groups are left out on purpose: the pack judges them only as link
# targets, and listing every one would bury the gaps that matter.
SECURITY_NAMESPACES: Final[frozenset[str]] = frozenset(
    {
        # azure-native modules (`azure-native:<module>:<Resource>`)
        "azure-native:cognitiveservices",
        "azure-native:machinelearningservices",
        "azure-native:search",
        "azure-native:storage",
        "azure-native:keyvault",
        "azure-native:cosmosdb",
        "azure-native:containerregistry",
        "azure-native:containerservice",
        "azure-native:containerinstance",
        "azure-native:app",
        "azure-native:web",
        "azure-native:apimanagement",
        "azure-native:authorization",
        "azure-native:managedidentity",
        "azure-native:sql",
        "azure-native:dbforpostgresql",
        "azure-native:dbformysql",
        "azure-native:appconfiguration",
        "azure-native:eventhub",
        "azure-native:servicebus",
        "azure-native:purview",
        "azure-native:security",
        "azure-native:operationalinsights",
        "azure-native:botservice",
        # classic pulumi-azure modules (`azure:<module>/<name>:<Resource>`)
        "azure:cognitive",
        "azure:machinelearning",
        "azure:search",
        "azure:storage",
        "azure:keyvault",
        "azure:cosmosdb",
        "azure:containerservice",
        "azure:containerapp",
        "azure:appservice",
        "azure:apimanagement",
        "azure:authorization",
        "azure:mssql",
        "azure:postgresql",
        "azure:mysql",
        "azure:appconfiguration",
        "azure:eventhub",
        "azure:servicebus",
        "azure:purview",
        "azure:securitycenter",
        "azure:operationalinsights",
        "azure:bot",
    }
)
MAX_LISTED: Final = 40
"""Distinct types named in the finding; the rest are counted."""


def namespace(type_token: str) -> str:
    """`azure-native:<module>` or `azure:<module>` of a type token ("" for other providers)."""
    provider, _, rest = type_token.partition(":")
    if provider == "azure-native":
        return f"{provider}:{rest.partition(':')[0]}"
    if provider == "azure":
        return f"{provider}:{rest.partition('/')[0]}"
    return ""


_JUDGED: set[str] = set()


def set_judged(specs: Iterable[PolicySpec]) -> None:
    """Record every type a policy of the pack reads (resource policies' types and every field's
    type). The policies package calls it once with ALL_SPECS, so this module needs no import of
    the package that imports it."""
    _JUDGED.clear()
    _REPORTED_ELSEWHERE.clear()
    _REPORTED_ELSEWHERE.update(arm.ALL_DEPLOYMENTS, doors.OPAQUE, _NO_SETTINGS)
    for spec in specs:
        if isinstance(spec, ResourcePolicySpec):
            _JUDGED.update(spec.resource_types)
        _JUDGED.update(field.type_token for field in spec.fields)
    # Both diagnostic-setting tokens are read wherever one is (tokens.DIAGNOSTIC_SETTINGS).
    if _JUDGED & tokens.DIAGNOSTIC_SETTINGS:
        _JUDGED.update(tokens.DIAGNOSTIC_SETTINGS)
    _unjudged.cache_clear()


def judged_types() -> frozenset[str]:
    """Every type a policy of the pack reads."""
    return frozenset(_JUDGED)


# Types another policy already reports as opaque or unreadable (doors.py), not listed twice, and
# resource groups, which hold no security settings of their own (judged as lock scopes), and
# action groups, which the alert policies judge as the targets alerts must be routed to.
_REPORTED_ELSEWHERE: set[str] = set()
_NO_SETTINGS: Final[frozenset[str]] = frozenset({tokens.RESOURCE_GROUP, tokens.AZ_RESOURCE_GROUP, tokens.ACTION_GROUP})


@lru_cache(maxsize=4096)
def _unjudged(type_token: str) -> bool:
    """Every type of every Azure namespace (azure-native and classic azure) that no policy reads:
    compute, web, SQL, Synapse, Bot Service and networking are listed like the AI and data
    namespaces (`SECURITY_NAMESPACES` is kept for its consumers, but no longer limits the note)."""
    return namespace(type_token) != "" and type_token not in _JUDGED and type_token not in _REPORTED_ELSEWHERE


def _template_types(resource: StackResource) -> list[str]:
    """The ARM types an inline template deploys that the pack has no mapping for."""
    if resource.type not in arm.TEMPLATE_DEPLOYMENTS:
        return []
    expansion = arm.expand_deployment(resource.type, resource.props, resource.name)
    return [f"{item.arm_type} (in ARM template '{resource.name}')" for item in expansion.resources if item.token is None]


def _unjudged_types(stack: StackIndex, config: PolicyConfig) -> Iterator[Finding]:
    """One advisory finding listing the security-relevant types no policy reads."""
    ignored = config.strings("ignoredTypes")
    counts: dict[str, int] = {}
    for resource in stack.resources:
        if _unjudged(resource.type) and not any(fnmatchcase(resource.type, pattern) for pattern in ignored):
            counts[resource.type] = counts.get(resource.type, 0) + 1
        for arm_type in _template_types(resource):
            if not any(fnmatchcase(arm_type, pattern) for pattern in ignored):
                counts[arm_type] = counts.get(arm_type, 0) + 1
    if not counts:
        return
    listed = sorted(counts)
    shown = ", ".join(f"{token} ({counts[token]})" for token in listed[:MAX_LISTED])
    more = f" and {len(listed) - MAX_LISTED} more" if len(listed) > MAX_LISTED else ""
    yield violation(
        f"the pack has no policy for {len(listed)} resource type(s) of Azure "
        f"namespaces in this stack, so their settings were not checked: {shown}{more}. Review "
        "them by hand (or with another policy pack); list reviewed types in this policy's "
        "ignoredTypes config to silence this note."
    )


def _workload_tag(stack: StackIndex, _config: PolicyConfig) -> Iterator[Finding]:
    """A stack tag aizone:workload the pack does not recognise (e.g. `AI-workload`, `yes`): the
    stack would silently be judged by universal rules only until it holds an AI resource."""
    value = stack.tags.get(scope.WORKLOAD_TAG)
    if value is None or scope.tagged_ai(stack.tags):
        return
    yield violation(
        f"the stack tag {scope.WORKLOAD_TAG} is '{value}', which the pack does not recognise: "
        "set it to 'ai' to have the landing-zone policies judge this stack from its first "
        "resource on, or remove the tag (stacks holding AI resources are judged in full anyway)."
    )


POLICIES: tuple[StackPolicySpec, ...] = (
    StackPolicySpec(
        name=scope.SCOPE_POLICY,
        controls=_CONTROLS,
        description=(
            "The pack's scope switch: landing-zone policies judge AI workloads only (auto), every "
            "stack (always) or none (never), the landing zone's conventions and customer-managed keys only "
            "where the organisation turns them on; a stack tag aizone:workload must say 'ai'."
        ),
        severity="low",
        remediation=(
            "Tag AI workload stacks with `pulumi stack tag set aizone:workload ai`; set this "
            "policy's landingZone config to 'always' for the AI landing zone's policy group or "
            "'never' for groups that should get universal rules only."
        ),
        # It reads resource types, not properties: the fields name the AI types it recognises.
        fields=(Field(tokens.COGNITIVE_ACCOUNT, "location"), Field(tokens.SEARCH_SERVICE, "location")),
        config={
            scope.MODE_KEY: {"type": "string", "enum": list(scope.MODES), "default": scope.DEFAULT_MODE},
            scope.CONVENTIONS_KEY: {
                "type": "boolean",
                "default": False,
                "description": (
                    "Judge the stacks of this policy group by the landing zone's conventions too (boundary tags, locks, "
                    "Defender plans in the stack, the role allow-list, ...): set it in the landing zone's own policy group."
                ),
            },
            scope.CMK_KEY: {
                "type": "array",
                "items": {"type": "string", "enum": list(scope.CMK_VALUES)},
                "default": [],
                "description": (
                    "Data boundaries whose resources must be encrypted with a customer-managed key (DATA-8): any of "
                    "internal, customer, public, or all. A resource without a valid data-boundary tag is judged as "
                    "requiring CMK whenever the list is not empty. Empty (default): the CMK policies are not applicable."
                ),
            },
        },
        level="advisory",
        rule=_workload_tag,
    ),
    StackPolicySpec(
        name="azurenative-resources-stack-unjudged-types",
        controls=_CONTROLS,
        description=(
            "Resource types of every Azure namespace (azure-native and classic azure) and ARM types in "
            "inline templates that no policy of the pack checks are listed, so nothing passes silently."
        ),
        severity="low",
        remediation=(
            "Review the listed resource types' security settings by hand or with another policy "
            "pack, then list the reviewed types (fnmatch globs) in this policy's ignoredTypes config."
        ),
        # It reads resource types only (every type of the stack against judged_types()).
        fields=(Field(tokens.STORAGE_ACCOUNT, "location"),),
        config={"ignoredTypes": {"type": "array", "items": {"type": "string"}, "default": []}},
        level="advisory",
        rule=_unjudged_types,
    ),
)
