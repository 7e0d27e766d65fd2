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

3. or it is an AI gateway whose models live elsewhere (`is_ai_gateway`): an API Management
   backend whose url is a model endpoint, or an API Management policy using the GenAI gateway
   policies (`azure-openai-*`, `llm-*`); judged once the whole stack is known (AnalyzeStack).

The tag can only add a stack, never remove one: a stack that holds AI resources is judged in full
whatever its tags say (otherwise a tag would be an escape hatch).

**The switch** is the `landingZone` key of the `SCOPE_POLICY` policy's config (CrossGuard has no
pack-wide keys, so one policy carries it): `auto` (default, as above), `always` (every stack is
judged as an AI workload: the policy group of the AI landing zone's own stacks) or `never`
(landing-zone rules are off everywhere: universal rules only).

**Conventions.** Some landing-zone policies are this landing zone's conventions rather than the
guidance's controls (`CONVENTIONS`: data-boundary tags and isolation, locks and `protect`,
infrastructure encryption, Defender plans and the Purview sharing declared in the stack, the
workload role allow-list, one central workspace, the agent inventory's tags, the zone's account
kinds and capacity caps, DNS zone groups in the stack). A hardened stack built another way (one of
Microsoft's AI reference architectures, for instance) rightly does not follow them, so they judge a
stack only when the organisation says so: the `conventions` key (boolean, default false) of the
`SCOPE_POLICY` policy's config, set in the policy group of the stacks that must follow them (the
landing zone's own: `policy_pack/configs/landing-zone.json`). A stack's author cannot turn them on
or off: only the configuration the organisation enforces can.

**Customer-managed keys** (DATA-8, `CUSTOMER_MANAGED_KEYS`) are an organisation's choice per data
classification, not a default of the guidance: the `customerManagedKeys` key (list of data
boundaries, `internal`, `customer`, `public`, or `all`; default empty) of the `SCOPE_POLICY`
policy's config names the boundaries whose resources must be encrypted with a customer-managed key.
Empty, the CMK policies are off and reported not applicable with `CMK_OFF_REASON`. Listed, a
resource is judged when its `data-boundary` tag names a listed boundary, or when it declares no
valid boundary (it may hold any boundary's data, and dropping the tag must not be a way out). They
are landing-zone policies (AI workloads only) but not conventions: a stack's author can neither
turn them on nor off, and `conventions` does not touch them. Why this lever rather than the
policies' enforcement levels: a level switches one policy for every resource (nine entries that can
drift apart) and "disabled" leaves no not-applicable reason in the record; the list switches all
of them at once and says which data classes need CMK, which is how regulations put it. The
boundary tag is the stack's own, hence the fail-safe reading of a missing or invalid one.

**When landing-zone resource policies run.** The engine sends each resource (`Analyze`) before it
knows the rest of the stack. A landing-zone resource policy runs there when the stack is already
known to be an AI workload (mode `always`, or the stack tag); otherwise it runs once the whole
stack is known (`AnalyzeStack`), on the same properties, only if the stack holds an AI resource,
and reports on the same resource. Tag AI stacks to have those findings before resources are
created during `pulumi up` (a stack policy's findings come after the update either way).
Stack-bound resource policies (`ResourcePolicySpec.stack_bound`, e.g. the storage network policy,
which needs to know whether the stack gives an account a static website) always run there, on every
stack their scope covers, never in `Analyze`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Final, Literal

from .reference import BOUNDARIES
from .tokens import canonical_type

Mode = Literal["auto", "always", "never"]
MODES: Final[tuple[Mode, ...]] = ("auto", "always", "never")
DEFAULT_MODE: Final[Mode] = "auto"
MODE_KEY: Final = "landingZone"
CONVENTIONS_KEY: Final = "conventions"
CMK_KEY: Final = "customerManagedKeys"
CMK_ALL: Final = "all"
"""`customerManagedKeys` value that requires CMK whatever a resource's data boundary."""
CMK_VALUES: Final[tuple[str, ...]] = (CMK_ALL, *BOUNDARIES)
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

# DATA-8: off unless the organisation's config lists the data boundaries that require CMK (module
# documentation). Part of LANDING_ZONE, disjoint from CONVENTIONS.
CUSTOMER_MANAGED_KEYS: Final[frozenset[str]] = frozenset(
    {
        "azurenative-cognitiveservices-account-customer-managed-key",
        "azurenative-machinelearningservices-workspace-customer-managed-key",
        "azurenative-search-service-customer-managed-key",
        "azurenative-storage-storageaccount-customer-managed-key",
        "azurenative-botservice-bot-customer-managed-key",
        "azure-cognitive-account-customer-managed-key",
        "azure-machinelearning-workspace-customer-managed-key",
        "azure-search-service-customer-managed-key",
        "azure-storage-account-customer-managed-key",
    }
)

# The landing zone's conventions (part of LANDING_ZONE): off unless the organisation's config
# turns them on (module documentation).
CONVENTIONS: Final[frozenset[str]] = frozenset(
    {
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
        # DATA-5, DATA-6: locks and protect on every data resource; infrastructure encryption.
        "azurenative-resources-dataresource-deletion-protection",
        "azurenative-storage-storageaccount-infrastructure-encryption",
        "azure-storage-account-infrastructure-encryption",
        # MOD-1, DATA-4: Defender plans and the Purview sharing declared in this stack.
        "azurenative-security-pricing-required-plans",
        "azurenative-security-pricing-ai-purview-sharing",
        # ACC-5: the zone's workload role allow-list.
        "azurenative-authorization-roleassignment-workload-least-privilege",
        # RES-2: one central workspace; RES-4: DNS zone groups managed in the stack.
        "azurenative-monitor-diagnosticsetting-central-logging",
        "azurenative-network-privatednszonegroup-required",
        # ACC-8: the zone's account kinds and capacity caps.
        "azurenative-cognitiveservices-account-allowed-kind",
        "azurenative-cognitiveservices-deployment-capacity-cap",
        # ACC-2: the agent inventory's tags.
        "azurenative-authorization-roleassignment-inventoried-ai-caller",
        "azurenative-managedidentity-userassignedidentity-agent-owner",
    }
)

# Policies that belong to the landing zone's own design: the ones below, its conventions and
# customer-managed keys. Every other policy is universal; the two sets are disjoint and together
# name every policy of the pack (tests/policy/test_policy_scope.py).
LANDING_ZONE: Final[frozenset[str]] = (
    frozenset(
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
            # MOD-3: the zone's approved-model list and its image-digest pinning.
            "azurenative-cognitiveservices-deployment-approved-model",
            "azure-cognitive-deployment-approved-model",
            "azurenative-app-containerappssessionpool-image-digest",
            "azurenative-app-containerapp-image-digest",
            "azurenative-app-job-image-digest",
            "azurenative-machinelearningservices-environmentversion-image-digest",
            # RES-4: private endpoints in the stack (the DNS zone groups are a convention).
            "azurenative-network-privateendpoint-required",
            "azurenative-search-service-private-endpoint-sku",
            # MOD-4: the AI gateway's design.
            "azurenative-apimanagement-policy-no-backend-keys",
            "azurenative-apimanagement-backend-no-api-key",
            "azurenative-apimanagement-api-entra-managed-identity-auth",
            "azurenative-apimanagement-service-gateway-least-privilege",
            # EXEC-1..4: the code-interpreter session pools' design.
            "azurenative-app-containerappssessionpool-isolated-sessions",
            "azurenative-app-containerappssessionpool-resource-limits",
            "azurenative-app-containerappssessionpool-approved-registry",
            "azurenative-authorization-roleassignment-session-executor-scope",
            "azurenative-app-containerappssessionpool-execution-alerts",
            # MOD-2b: output monitoring alerts.
            "azurenative-cognitiveservices-account-output-monitoring",
            # Anchor rule sets (docs/COVERAGE.md): the zone's model allow-list for ML deployments, bots
            # and container apps kept off the internet, and subscriptions on every gateway product.
            "azurenative-machinelearningservices-onlinedeployment-approved-model",
            "azurenative-machinelearningservices-serverlessendpoint-approved-model",
            "azurenative-botservice-bot-disable-public-network-access",
            "azurenative-app-containerapp-ingress-ip-restrictions",
            "azurenative-apimanagement-product-subscription-required",
            "azurenative-cognitiveservices-connection-no-bing-grounding",
            "azurenative-apimanagement-policyfragment-no-backend-keys",
            # RES-6: the zone's own runtime guardrails (Azure Policy initiative) stay intact.
            "azurenative-authorization-stack-guardrails-intact",
        }
    )
    | CONVENTIONS
    | CUSTOMER_MANAGED_KEYS
)


CONVENTIONS_OFF_REASON: Final = (
    f"a landing-zone convention: the organisation's configuration does not turn the conventions on "
    f"({SCOPE_POLICY}: {CONVENTIONS_KEY} is not true)"
)


CMK_OFF_REASON: Final = (
    f"customer-managed keys are required only for the data boundaries the organisation lists, and its "
    f"configuration lists none ({SCOPE_POLICY}: {CMK_KEY} is empty)"
)


def is_cmk_policy(policy_name: str) -> bool:
    """True for a DATA-8 customer-managed-key policy (judges only with `customerManagedKeys` set)."""
    return policy_name in CUSTOMER_MANAGED_KEYS


def cmk_boundaries(config: Mapping[str, object] | None) -> tuple[str, ...]:
    """The data boundaries the organisation's config of the scope policy requires CMK for (`all`
    for every resource), lower-cased, in config order; empty when CMK is off. Only strings count
    (the config's JSON schema admits only `CMK_VALUES`)."""
    value = (config or {}).get(CMK_KEY)
    if not isinstance(value, list):
        return ()
    return tuple(dict.fromkeys(item.strip().lower() for item in value if isinstance(item, str) and item.strip()))


def is_convention(policy_name: str) -> bool:
    """True for a landing-zone convention (judges a stack only with `conventions` on)."""
    return policy_name in CONVENTIONS


def conventions_on(config: Mapping[str, object] | None) -> bool:
    """Whether the organisation's config of the scope policy turns the conventions on (exactly
    the boolean true; the config's JSON schema admits only booleans)."""
    return (config or {}).get(CONVENTIONS_KEY) is True


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


# An AI gateway without model resources in its own stack (the models live in another stack or
# subscription): an API Management backend pointing at a model endpoint, or an API Management
# policy using the GenAI gateway policies. Endpoint hosts: Azure OpenAI `<name>.openai.azure.com`,
# AI Services `<name>.cognitiveservices.azure.com`, Foundry `<name>.services.ai.azure.com`; GenAI
# gateway policies `azure-openai-*` and `llm-*` (Microsoft Learn, "AI gateway capabilities in
# Azure API Management", api-management/genai-gateway-capabilities, 2026-12-07).
AI_ENDPOINT_SUFFIXES: Final[tuple[str, ...]] = (".openai.azure.com", ".cognitiveservices.azure.com", ".services.ai.azure.com")
AI_GATEWAY_POLICY_PREFIXES: Final[tuple[str, ...]] = ("<azure-openai-", "<llm-")
_APIM_BACKEND: Final = "azure-native:apimanagement:Backend"
_APIM_POLICIES: Final[frozenset[str]] = frozenset(
    {
        "azure-native:apimanagement:Policy",
        "azure-native:apimanagement:ApiPolicy",
        "azure-native:apimanagement:ApiOperationPolicy",
        "azure-native:apimanagement:ProductPolicy",
    }
)


def is_ai_gateway(type_token: str, props: Mapping[str, object]) -> bool:
    """True for an API Management backend whose url is a model endpoint, or an API Management
    policy that uses the GenAI gateway policies: the stack is an AI gateway, an AI workload."""
    if type_token == _APIM_BACKEND:
        url = props.get("url")
        if isinstance(url, str):
            host = url.strip().lower().split("://", 1)[-1].split("/", 1)[0].split(":", 1)[0].rstrip(".")
            return host.endswith(AI_ENDPOINT_SUFFIXES)
        return False
    if type_token in _APIM_POLICIES:
        value = props.get("value")
        return isinstance(value, str) and any(prefix in value.lower() for prefix in AI_GATEWAY_POLICY_PREFIXES)
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


def out_of_scope_reason(mode: Mode) -> str:
    """Why landing-zone policies do not judge a stack that `is_ai_workload` says is not one (the
    pack reports it as the policies' not-applicable reason in AnalyzeStack)."""
    if mode == "never":
        return f"landing-zone policy, off for every stack ({SCOPE_POLICY} config: {MODE_KEY} is 'never')"
    return (
        "landing-zone policy, and this stack is not an AI workload: it holds no AI resource and has no "
        f"'{WORKLOAD_TAG}: ai' stack tag ({SCOPE_POLICY} config: {MODE_KEY} is '{mode}')"
    )


def is_ai_workload(mode: Mode, stack_tags: Mapping[str, str], types: Iterable[str]) -> bool:
    """Whether landing-zone policies judge this stack."""
    if mode == "never":
        return False
    if mode == "always" or tagged_ai(stack_tags):
        return True
    return any(is_ai_type(token) for token in set(types))
