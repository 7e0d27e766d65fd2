"""Which stacks each policy judges: the one place that classifies every policy of the pack.

The pack is meant to be enabled for every stack of an organisation. Its policies fall in two kinds:

- **universal** rules are sound security practice for any Azure resource, AI or not (key auth off,
  no public network access on data services, TLS 1.2 and HTTPS, purge protection, least privilege,
  prompt shields on any model deployment, ...): they judge every stack;
- **landing-zone** rules encode this landing zone's own design (data-boundary tags, management
  locks, one central Log Analytics workspace, the agent inventory, private endpoints managed in the
  stack, the workload role allow-list, internal-only Container Apps environments, ...): they judge
  only stacks that are AI workloads, because an unrelated team's well-hardened stack cannot and
  should not follow them.

**How a stack is recognised as an AI workload** (mode `auto`, the default):

1. it carries the stack tag `aizone:workload` with the value `ai`
   (`pulumi stack tag set aizone:workload ai`), or
2. it contains at least one AI resource (`AI_MODULES`, `AI_TYPES`): any azure-native
   `cognitiveservices` or `machinelearningservices` resource, an AI Search service, a Container
   Apps session pool (the agents' code interpreter), or their
   classic pulumi-azure counterparts (`azure:cognitive/...`, `azure:machinelearning/...`,
   `azure:search/service:Service`), also when pinned to an explicit API version.

The tag can only add a stack, never remove one: a stack that holds AI resources is judged in full
whatever its tags say (otherwise a tag would be an escape hatch).

**The switch** is the `landingZone` key of the `SCOPE_POLICY` policy's config (CrossGuard has no
pack-wide keys, so one policy carries it): `auto` (default, as above), `always` (every stack is
judged as an AI workload: the policy group of the AI landing zone's own stacks) or `never`
(landing-zone rules are off everywhere: universal rules only).

**When landing-zone resource policies run.** The engine sends each resource (`Analyze`) before it
knows the rest of the stack. A landing-zone resource policy runs there when the stack is already
known to be an AI workload (mode `always`, or the stack tag); otherwise it runs once the whole
stack is known (`AnalyzeStack`), on the same properties, only if the stack holds an AI resource,
and reports on the same resource. Tag AI stacks to have those findings before resources are
created during `pulumi up` (a stack policy's findings come after the update either way).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Final, Literal

from .tokens import canonical_type

Mode = Literal["auto", "always", "never"]
MODES: Final[tuple[Mode, ...]] = ("auto", "always", "never")
DEFAULT_MODE: Final[Mode] = "auto"
MODE_KEY: Final = "landingZone"
SCOPE_POLICY: Final = "azurenative-resources-stack-landing-zone-scope"
"""The policy whose config carries the switch (and which flags a misspelled workload tag)."""

WORKLOAD_TAG: Final = "aizone:workload"
AI_TAG_VALUES: Final[frozenset[str]] = frozenset({"ai"})

# azure-native modules every resource of which is an AI resource, and single AI types elsewhere.
AI_MODULES: Final[frozenset[str]] = frozenset({"cognitiveservices", "machinelearningservices"})
AI_TYPES: Final[frozenset[str]] = frozenset(
    {
        "azure-native:search:Service",
        "azure-native:app:ContainerAppsSessionPool",  # agents' code-interpreter sessions
        "azure:search/service:Service",
    }
)
# Classic provider modules (`azure:<module>/...`) every resource of which is an AI resource.
AI_CLASSIC_MODULES: Final[frozenset[str]] = frozenset({"cognitive", "machinelearning"})

# Policies that belong to the landing zone's own design. Every other policy is universal; the two
# sets are disjoint and together name every policy of the pack (tests/policy/test_policy_scope.py).
LANDING_ZONE: Final[frozenset[str]] = frozenset(
    {
        # ACC-7: front doors are public in ordinary stacks; the landing zone keeps them internal.
        "azurenative-apimanagement-service-restrict-public-network-access",
        "azurenative-app-managedenvironment-internal-only",
        "azure-apimanagement-service-restrict-public-network-access",
        "azure-apimanagement-service-managed-identity",
        # ACC-6: every gateway and app calls others with its own identity (landing-zone design).
        "azurenative-apimanagement-service-managed-identity",
        "azurenative-app-containerapp-managed-identity",
        "azurenative-app-containerappssessionpool-managed-identity",
        # ACC-8: the zone's allowed account kinds and capacity cap.
        "azurenative-cognitiveservices-account-allowed-kind",
        "azurenative-cognitiveservices-deployment-capacity-cap",
        # MOD-3: the zone's approved-model list and its image-digest pinning.
        "azurenative-cognitiveservices-deployment-approved-model",
        "azure-cognitive-deployment-approved-model",
        "azurenative-app-containerappssessionpool-image-digest",
        "azurenative-app-containerapp-image-digest",
        "azurenative-app-job-image-digest",
        "azurenative-machinelearningservices-environmentversion-image-digest",
        # RES-2, RES-4: one central workspace; private endpoints and DNS zone groups in the stack.
        "azurenative-monitor-diagnosticsetting-central-logging",
        "azurenative-network-privateendpoint-required",
        "azurenative-network-privatednszonegroup-required",
        "azurenative-search-service-private-endpoint-sku",
        # MOD-1, DATA-4: Defender plans and Purview sharing for AI.
        "azurenative-security-pricing-ai-purview-sharing",
        "azurenative-security-pricing-required-plans",
        # MOD-4: the AI gateway's design.
        "azurenative-apimanagement-policy-no-backend-keys",
        "azurenative-apimanagement-backend-no-api-key",
        "azurenative-apimanagement-api-entra-managed-identity-auth",
        "azurenative-apimanagement-service-gateway-least-privilege",
        # ACC-5: the zone's workload role allow-list.
        "azurenative-authorization-roleassignment-workload-least-privilege",
        # ACC-2: the agent inventory.
        "azurenative-authorization-roleassignment-inventoried-ai-caller",
        "azurenative-managedidentity-userassignedidentity-agent-owner",
        # DATA-1..3: data-boundary tags, dataset isolation, same-boundary access.
        "azurenative-storage-storageaccount-boundary-tag",
        "azurenative-search-service-boundary-tag",
        "azurenative-cosmosdb-databaseaccount-boundary-tag",
        "azurenative-managedidentity-userassignedidentity-boundary-tag",
        "azure-storage-account-boundary-tag",
        "azure-search-service-boundary-tag",
        "azure-cosmosdb-account-boundary-tag",
        "azure-authorization-userassignedidentity-boundary-tag",
        "azure-msi-userassignedidentity-boundary-tag",
        "azurenative-storage-storageaccount-dataset-isolation",
        "azurenative-authorization-roleassignment-same-data-boundary",
        # DATA-5: management locks on every data resource.
        "azurenative-resources-dataresource-deletion-protection",
        # EXEC-1..4: the code-interpreter session pools' design.
        "azurenative-app-containerappssessionpool-isolated-sessions",
        "azurenative-app-containerappssessionpool-resource-limits",
        "azurenative-app-containerappssessionpool-approved-registry",
        "azurenative-authorization-roleassignment-session-executor-scope",
        "azurenative-app-containerappssessionpool-execution-alerts",
        # MOD-2b: output monitoring alerts.
        "azurenative-cognitiveservices-account-output-monitoring",
        # RES-6: the zone's own runtime guardrails (Azure Policy initiative) stay intact.
        "azurenative-authorization-stack-guardrails-intact",
    }
)


def is_landing_zone(policy_name: str) -> bool:
    """True for a policy that judges only AI workloads (in mode `auto`)."""
    return policy_name in LANDING_ZONE


def is_ai_type(type_token: str) -> bool:
    """True for a resource type that makes a stack an AI workload (any API version)."""
    token = canonical_type(type_token)
    if token in AI_TYPES:
        return True
    provider, _, rest = token.partition(":")
    if provider == "azure-native":
        return rest.partition(":")[0] in AI_MODULES
    if provider == "azure":
        return rest.partition("/")[0] in AI_CLASSIC_MODULES
    return False


def tagged_ai(stack_tags: Mapping[str, str]) -> bool:
    """True when the stack tag `aizone:workload` says `ai` (any case, blanks ignored)."""
    value = stack_tags.get(WORKLOAD_TAG)
    return isinstance(value, str) and value.strip().lower() in AI_TAG_VALUES


def mode_of(config: Mapping[str, object] | None) -> Mode:
    """The configured mode (the config's JSON schema admits only `MODES`; anything else is auto)."""
    value = (config or {}).get(MODE_KEY, DEFAULT_MODE)
    for mode in MODES:
        if value == mode:
            return mode
    return DEFAULT_MODE


def is_ai_workload(mode: Mode, stack_tags: Mapping[str, str], types: Iterable[str]) -> bool:
    """Whether landing-zone policies judge this stack."""
    if mode == "never":
        return False
    if mode == "always" or tagged_ai(stack_tags):
        return True
    return any(is_ai_type(token) for token in set(types))
