"""The pack's controls on the classic provider's AI resources (pulumi-azure 6.x, Terraform-bridged
azurerm): Cognitive Services / AI Services accounts, model deployments, AI Search, ML workspaces.

Wire names and defaults are the installed pulumi-azure SDK's (its `*Args` docstrings; the test
suite resolves every path against it). Absent properties take the provider's documented default:
`localAuthEnabled`, `localAuthenticationEnabled` and `publicNetworkAccessEnabled` default to true,
`outboundNetworkAccessRestricted` to false and `versionUpgradeOption` to
`OnceNewDefaultVersionAvailable`, so absent fails for each; an absent `raiPolicyName` means the
built-in default content filter (Microsoft.DefaultV2), which blocks no indirect prompt injection
(learn.microsoft.com, "Default Guardrail policies for Azure OpenAI").
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from .. import tokens
from ..checks import flag_false, flag_true, network_closed
from ..config import JsonSchema, PolicyConfig
from ..framework import Field, Finding, Resource, ResourcePolicySpec, ResourceRule, SeverityName, check, unknown_value, violation
from ..values import UNKNOWN, as_dict, describe, eq_ci, identity_types, is_set
from . import model_integrity
from .network_access import exact_destinations

# The approved-model config is the azure-native policy's (same keys, same defaults).
_APPROVED_MODEL_CONFIG = next(
    policy.config for policy in model_integrity.POLICIES if policy.name == "azurenative-cognitiveservices-deployment-approved-model"
)

_ENTRA = "; callers authenticate with Entra ID tokens and RBAC roles"
BUILTIN_RAI_POLICIES = frozenset({"microsoft.default", "microsoft.defaultv2"})


def spec(
    name: str,
    controls: tuple[str, ...],
    type_token: str,
    paths: tuple[str, ...],
    description: str,
    severity: SeverityName,
    remediation: str,
    rule: ResourceRule,
    config: Mapping[str, JsonSchema] | None = None,
    values: dict[str, tuple[str, ...]] | None = None,
    stack_bound: bool = False,
    extra_fields: tuple[Field, ...] = (),
) -> ResourcePolicySpec:
    """A classic-provider resource policy for one type (shared by the classic_* modules)."""
    return ResourcePolicySpec(
        name=name,
        controls=controls,
        description=description,
        severity=severity,
        remediation=remediation,
        fields=(*(Field(type_token, path, (values or {}).get(path, ())) for path in paths), *extra_fields),
        config=dict(config or {}),
        resource_types=(type_token,),
        rule=rule,
        stack_bound=stack_bound,
    )


def classic_identity(resource: Resource) -> Iterator[Finding]:
    """A classic `identity` block: type SystemAssigned and/or UserAssigned; UserAssigned lists
    at least one id in identityIds."""
    kinds = identity_types(resource.get("identity"))
    if kinds is None:
        yield unknown_value(resource.subject, "identity.type")
        return
    if not kinds:
        yield violation(
            f"{resource.subject} has no managed identity (identity.type is "
            f"{describe(resource.get('identity.type'))}): add identity {{ type = 'SystemAssigned' }} "
            "(or 'UserAssigned' with identityIds) so it calls other services with Entra ID tokens "
            "instead of keys."
        )
    elif "userassigned" in kinds and not is_set(resource.get("identity.identityIds")):
        yield violation(
            f"{resource.subject} declares a user-assigned identity but lists none: add the identity's resource id to identity.identityIds."
        )


def _account_local_auth(resource: Resource, _config: PolicyConfig) -> Iterator[Finding]:
    yield from flag_false(resource, "localAuthEnabled", "allows key (local) authentication", _ENTRA)


def _ai_services_local_auth(resource: Resource, _config: PolicyConfig) -> Iterator[Finding]:
    yield from flag_false(resource, "localAuthenticationEnabled", "allows key (local) authentication", _ENTRA)


def _outbound(resource: Resource) -> Iterator[Finding]:
    """Outbound access restricted, to exact FQDNs only (a wildcard in fqdns re-opens it)."""
    yield from flag_true(
        resource,
        "outboundNetworkAccessRestricted",
        "does not restrict outbound network access",
        " and list the allowed destinations in fqdns",
    )
    yield from exact_destinations(resource, "fqdns")


def _account_network(resource: Resource, _config: PolicyConfig) -> Iterator[Finding]:
    yield from network_closed(resource, "publicNetworkAccessEnabled", "networkAcls.defaultAction", flag=True)
    yield from _outbound(resource)


def _ai_services_network(resource: Resource, _config: PolicyConfig) -> Iterator[Finding]:
    yield from network_closed(resource, "publicNetworkAccess", "networkAcls.defaultAction")
    yield from _outbound(resource)


def _identity(resource: Resource, _config: PolicyConfig) -> Iterator[Finding]:
    yield from classic_identity(resource)


def _deployment_rai_policy(resource: Resource, _config: PolicyConfig) -> Iterator[Finding]:
    """A custom RAI policy (content filter with prompt shields), not the built-in default."""
    name = resource.get("raiPolicyName")
    if name is UNKNOWN:
        yield unknown_value(resource.subject, "raiPolicyName")
    elif not isinstance(name, str) or not name.strip() or name.strip().lower() in BUILTIN_RAI_POLICIES:
        yield violation(
            f"{resource.subject} uses the built-in content filter (raiPolicyName is {describe(name)}), "
            "which blocks no indirect prompt injection: create an azure:cognitive/accountRaiPolicy "
            "with prompt shields (Jailbreak and Indirect Attack filters blocking) and set "
            "raiPolicyName to its name."
        )


def _deployment_upgrade(resource: Resource, _config: PolicyConfig) -> Iterator[Finding]:
    yield from check(
        resource,
        "versionUpgradeOption",
        lambda value: eq_ci(value, "NoAutoUpgrade"),
        "lets Azure replace the model version (the default is OnceNewDefaultVersionAvailable)",
        "set versionUpgradeOption = 'NoAutoUpgrade' and pin model.version",
    )


def _model_key(model: object) -> tuple[str, str, str] | None:
    if not isinstance(model, dict):
        return None
    parts = tuple(str(model.get(key, "")).strip().lower() for key in ("format", "name", "version"))
    return (parts[0], parts[1], parts[2])


def _deployment_model(resource: Resource, config: PolicyConfig) -> Iterator[Finding]:
    """model {format, name, version} is on the allow-list (allowedModels)."""
    model = resource.get("model")
    if model is UNKNOWN or any(resource.get(f"model.{key}") is UNKNOWN for key in ("format", "name", "version")):
        yield unknown_value(resource.subject, "model")
        return
    allowed = {_model_key(dict(entry)) for entry in config.objects("allowedModels")}
    key = _model_key(model)
    if key is None or key not in allowed:
        yield violation(
            f"{resource.subject} deploys a model that is not on the approved list "
            f"(model is {describe(model)}): deploy an approved format/name/version, or add the "
            "model to this policy's allowedModels config after review."
        )


def _deployment_lifecycle(resource: Resource, config: PolicyConfig) -> Iterator[Finding]:
    """model is not a retired version, nor one within the notice period (as the azure-native policy)."""
    model = resource.get("model")
    if model is UNKNOWN or any(resource.get(f"model.{key}") is UNKNOWN for key in ("format", "name", "version")):
        yield unknown_value(resource.subject, "model")
        return
    yield from model_integrity.model_lifecycle(resource.subject, as_dict(model) or {}, config, model_integrity.today())


def _search_local_auth(resource: Resource, _config: PolicyConfig) -> Iterator[Finding]:
    yield from flag_false(resource, "localAuthenticationEnabled", "allows API-key authentication", _ENTRA)


def _public_access_flag(resource: Resource, _config: PolicyConfig) -> Iterator[Finding]:
    yield from flag_false(
        resource, "publicNetworkAccessEnabled", "allows public network access", " and reach it through its private endpoint"
    )


_KEYS = (
    "Disable key authentication (set the property above to false), grant callers data-plane RBAC "
    "roles on the resource and let them use managed identities or Entra ID tokens."
)
_NETWORK = "Disable public network access, deny by default in the network ACLs and reach the resource through a private endpoint."

POLICIES: tuple[ResourcePolicySpec, ...] = (
    spec(
        "azure-cognitive-account-disable-local-auth",
        ("ACC-1",),
        tokens.AZ_COGNITIVE_ACCOUNT,
        ("localAuthEnabled",),
        "Classic Cognitive Services accounts must disable key authentication.",
        "high",
        _KEYS,
        _account_local_auth,
    ),
    spec(
        "azure-cognitive-aiservices-disable-local-auth",
        ("ACC-1",),
        tokens.AZ_AI_SERVICES,
        ("localAuthenticationEnabled",),
        "Classic AI Services accounts must disable key authentication.",
        "high",
        _KEYS,
        _ai_services_local_auth,
    ),
    spec(
        "azure-cognitive-account-restrict-network-access",
        ("ACC-7",),
        tokens.AZ_COGNITIVE_ACCOUNT,
        ("publicNetworkAccessEnabled", "networkAcls.defaultAction", "outboundNetworkAccessRestricted", "fqdns"),
        "Classic Cognitive Services accounts must be private, deny by default and restrict outbound access.",
        "high",
        _NETWORK + " Restrict outbound access to the fqdns list.",
        _account_network,
    ),
    spec(
        "azure-cognitive-aiservices-restrict-network-access",
        ("ACC-7",),
        tokens.AZ_AI_SERVICES,
        ("publicNetworkAccess", "networkAcls.defaultAction", "outboundNetworkAccessRestricted", "fqdns"),
        "Classic AI Services accounts must be private, deny by default and restrict outbound access.",
        "high",
        _NETWORK + " Restrict outbound access to the fqdns list.",
        _ai_services_network,
    ),
    spec(
        "azure-cognitive-account-managed-identity",
        ("ACC-6",),
        tokens.AZ_COGNITIVE_ACCOUNT,
        ("identity.type", "identity.identityIds"),
        "Classic Cognitive Services accounts must have a managed identity.",
        "medium",
        "Add an identity block (SystemAssigned, or UserAssigned with identityIds).",
        _identity,
    ),
    spec(
        "azure-cognitive-aiservices-managed-identity",
        ("ACC-6",),
        tokens.AZ_AI_SERVICES,
        ("identity.type", "identity.identityIds"),
        "Classic AI Services accounts must have a managed identity.",
        "medium",
        "Add an identity block (SystemAssigned, or UserAssigned with identityIds).",
        _identity,
    ),
    spec(
        "azure-cognitive-deployment-custom-rai-policy",
        ("MOD-2a",),
        tokens.AZ_COGNITIVE_DEPLOYMENT,
        ("raiPolicyName",),
        "Classic model deployments must use a custom RAI policy with prompt shields, not the built-in filter.",
        "high",
        "Create an azure:cognitive/accountRaiPolicy with Jailbreak and Indirect Attack filters "
        "blocking and set the deployment's raiPolicyName to it.",
        _deployment_rai_policy,
    ),
    spec(
        "azure-cognitive-deployment-no-auto-upgrade",
        ("MOD-3",),
        tokens.AZ_COGNITIVE_DEPLOYMENT,
        ("versionUpgradeOption",),
        "Classic model deployments must pin the model version (no automatic upgrade).",
        "medium",
        "Set versionUpgradeOption = 'NoAutoUpgrade' and pin model.version; upgrade deliberately.",
        _deployment_upgrade,
    ),
    spec(
        "azure-cognitive-deployment-approved-model",
        ("MOD-3",),
        tokens.AZ_COGNITIVE_DEPLOYMENT,
        ("model.format", "model.name", "model.version"),
        "Classic model deployments must deploy an approved model (format, name and version).",
        "high",
        "Deploy a model of the allowedModels list, or add the reviewed model to that config.",
        _deployment_model,
        config=dict(_APPROVED_MODEL_CONFIG),
    ),
    spec(
        "azure-cognitive-deployment-model-lifecycle",
        ("MOD-3",),
        tokens.AZ_COGNITIVE_DEPLOYMENT,
        ("model.format", "model.name", "model.version"),
        "Classic model deployments must not deploy a retired model version; one within the notice period is reported (advisory).",
        "high",
        "Move the deployment to a current model version before its retirement date; keep modelRetirements current.",
        _deployment_lifecycle,
        config=dict(model_integrity.LIFECYCLE_CONFIG),
    ),
    spec(
        "azure-search-service-disable-local-auth",
        ("ACC-1",),
        tokens.AZ_SEARCH_SERVICE,
        ("localAuthenticationEnabled",),
        "Classic AI Search services must disable API-key authentication.",
        "high",
        _KEYS,
        _search_local_auth,
    ),
    spec(
        "azure-search-service-disable-public-network-access",
        ("ACC-7",),
        tokens.AZ_SEARCH_SERVICE,
        ("publicNetworkAccessEnabled",),
        "Classic AI Search services must disable public network access.",
        "high",
        _NETWORK,
        _public_access_flag,
    ),
    spec(
        "azure-search-service-managed-identity",
        ("ACC-6",),
        tokens.AZ_SEARCH_SERVICE,
        ("identity.type", "identity.identityIds"),
        "Classic AI Search services must have a managed identity.",
        "medium",
        "Add an identity block (SystemAssigned, or UserAssigned with identityIds).",
        _identity,
    ),
    spec(
        "azure-machinelearning-workspace-disable-public-network-access",
        ("ACC-7",),
        tokens.AZ_ML_WORKSPACE,
        ("publicNetworkAccessEnabled",),
        "Classic Machine Learning workspaces must disable public network access.",
        "high",
        _NETWORK,
        _public_access_flag,
    ),
    spec(
        "azure-machinelearning-workspace-managed-identity",
        ("ACC-6",),
        tokens.AZ_ML_WORKSPACE,
        ("identity.type", "identity.identityIds"),
        "Classic Machine Learning workspaces must have a managed identity.",
        "medium",
        "Add an identity block (SystemAssigned, or UserAssigned with identityIds).",
        _identity,
    ),
)
