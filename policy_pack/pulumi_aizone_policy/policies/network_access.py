"""ACC-7: control external access. Public network access is disabled and network ACLs deny by
default on every AI, data, vault and gateway resource; AI accounts restrict outbound access. The
Key Vault policy also enforces DATA-7 (Key Vault hardening includes disabled public access), the
Purview policy DATA-4.

Deliberate decisions:
- API Management cannot be *created* with publicNetworkAccess = Disabled, and cannot disable it
  before it has an approved private endpoint (Azure returns NotSupported). The policy therefore
  requires the property to be set explicitly and accepts "Enabled" only when the gateway is
  injected into a VNet in Internal mode (no public gateway endpoint) or when the stack opts in with
  `allowPublicGateway: true`; otherwise a time-boxed exemption covers the first deployment.
- A Container Apps environment is private when it is Internal (vnetConfiguration.internal) or has
  publicNetworkAccess = Disabled (workload-profile environments reached through a private
  endpoint, the pattern Microsoft documents for private environments).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import replace
from typing import Final

from .. import reference, tokens
from ..checks import DISABLED, enum_is, flag_not_true, flag_true, network_closed, public_network_disabled
from ..config import PolicyConfig
from ..framework import Field, Finding, Resource, ResourcePolicySpec, ResourceRule, StackPolicySpec, unknown_value, violation
from ..stackindex import StackIndex, StackResource
from ..values import UNKNOWN, as_dict, describe, describe_against, eq_ci, get, items
from .static_sites import SITE_FIELDS, site_of

_CONTROLS = ("ACC-7",)
_ALLOWED_OUTBOUND = "AllowOnlyApprovedOutbound"
_INTERNAL = "Internal"


def _policy(
    name: str,
    type_token: str,
    fields: tuple[Field, ...],
    description: str,
    rule: ResourceRule,
    *,
    controls: tuple[str, ...] = _CONTROLS,
    config: dict[str, dict[str, object]] | None = None,
    stack_bound: bool = False,
) -> ResourcePolicySpec:
    """A network-access policy for one resource type."""
    return ResourcePolicySpec(
        name=name,
        controls=controls,
        description=description,
        severity="high",
        remediation=(
            f"Disable public network access on the {tokens.label(type_token)}, make its network "
            "rules deny by default and reach it through its private endpoint (RES-4) from the "
            f"VNet. Properties: {', '.join(field.path for field in fields if field.type_token == type_token and field.path != 'tags')}."
        ),
        fields=fields,
        resource_types=(type_token,),
        rule=rule,
        config=config or {},
        stack_bound=stack_bound,
    )


def _cognitive_account(resource: Resource, _config: PolicyConfig) -> Iterator[Finding]:
    """AI accounts: no public access, ACLs default-deny, outbound restricted to allowedFqdnList."""
    yield from network_closed(resource, "properties.publicNetworkAccess", "properties.networkAcls.defaultAction")
    yield from flag_true(
        resource,
        "properties.restrictOutboundNetworkAccess",
        "does not restrict outbound network access",
        " and list the allowed destinations in properties.allowedFqdnList",
    )
    yield from exact_destinations(resource, "properties.allowedFqdnList")


def exact_destinations(resource: Resource, path: str) -> Iterator[Finding]:
    """The outbound allow-list at `path` names exact FQDNs: no wildcard, blank or non-string entry
    (shared with the classic provider's `fqdns`, classic_ai.py)."""
    fqdns = resource.get(path)
    wildcards = [
        entry for entry in items(fqdns) if entry is not UNKNOWN and (not isinstance(entry, str) or "*" in entry or not entry.strip())
    ]
    if fqdns is UNKNOWN or (UNKNOWN in items(fqdns) and not wildcards):
        yield unknown_value(resource.subject, path)
    elif wildcards:
        yield violation(
            f"{resource.subject} allows outbound traffic to wildcard or blank destinations "
            f"({path} has {', '.join(describe(entry) for entry in wildcards)}): list "
            "the exact FQDNs the account needs (e.g. the search service's host name)."
        )


def _public_access_only(resource: Resource, _config: PolicyConfig) -> Iterator[Finding]:
    """Services whose only network switch is the top-level publicNetworkAccess."""
    yield from public_network_disabled(resource)


SEARCH_DISABLED_SPELLINGS: Final = (DISABLED, "disabled")
"""AI Search: REST API 2022-09-01 and earlier (the version azure-native v2 sends) spell the enum in
lower case ("enabled", "disabled"; azure-rest-api-specs
specification/search/resource-manager/Microsoft.Search/stable/2022-09-01/search.json,
SearchServiceProperties.publicNetworkAccess), later versions "Enabled"/"Disabled": both documented
spellings mean the same, any other value (" Disabled", "DISABLED") still fails."""


def _search_service(resource: Resource, _config: PolicyConfig) -> Iterator[Finding]:
    """AI Search: publicNetworkAccess disabled, in either documented spelling."""
    yield from public_network_disabled(resource, "publicNetworkAccess", SEARCH_DISABLED_SPELLINGS)


def _storage_account(resource: Resource, _config: PolicyConfig) -> Iterator[Finding]:
    """Storage: no public access (then the network rule set is moot; otherwise it is named). An
    account the stack gives a static website is public by design (static_sites.py): an advisory
    note instead, unless it holds data, which the violation then says."""
    findings = list(network_closed(resource, "publicNetworkAccess", "networkRuleSet.defaultAction"))
    site = site_of(resource) if findings else None
    if site is None:
        yield from findings
    elif site.public_by_design:
        yield Finding(message=site.note("its public network access"), unknown=True)
    else:
        for finding in findings:
            yield finding if finding.unknown else replace(finding, message=finding.message + site.why_not())


def _key_vault(resource: Resource, _config: PolicyConfig) -> Iterator[Finding]:
    """Key Vault: properties.publicNetworkAccess (a plain string in the SDK) is "Disabled"; the SDK
    documents the lower-case 'disabled', so both exact spellings count."""
    yield from public_network_disabled(resource, "properties.publicNetworkAccess", (DISABLED, "disabled"))


def _purview_account(resource: Resource, _config: PolicyConfig) -> Iterator[Finding]:
    """Purview: the account and its managed resources (storage, event hub) are not public."""
    yield from public_network_disabled(resource)
    yield from public_network_disabled(resource, "managedResourcesPublicNetworkAccess")


def _ml_workspace(resource: Resource, _config: PolicyConfig) -> Iterator[Finding]:
    """ML workspace / Foundry hub: no public access, managed network allows approved outbound only."""
    yield from public_network_disabled(resource)
    yield from flag_not_true(resource, "allowPublicAccessWhenBehindVnet", "is reachable from the internet although it is behind a VNet")
    yield from enum_is(
        resource,
        "managedNetwork.isolationMode",
        (_ALLOWED_OUTBOUND,),
        "lets its managed network reach the internet",
        f"set managedNetwork.isolationMode = '{_ALLOWED_OUTBOUND}' and declare outbound rules",
    )
    rules = resource.get("managedNetwork.outboundRules")
    if rules is UNKNOWN:
        yield unknown_value(resource.subject, "managedNetwork.outboundRules")
        return
    for name, rule in sorted((as_dict(rules) or {}).items()):
        destination = get(rule, "destination")
        if eq_ci(get(rule, "type"), "FQDN") and (not isinstance(destination, str) or "*" in destination):
            yield violation(
                f"{resource.subject} has an outbound rule '{name}' to the wildcard FQDN {describe(destination)} "
                "(managedNetwork.outboundRules): allow only exact FQDNs the workspace needs."
            )


def _container_registry(resource: Resource, _config: PolicyConfig) -> Iterator[Finding]:
    """Container Registry: no public access and no anonymous (unauthenticated) pulls."""
    yield from public_network_disabled(resource)
    yield from flag_not_true(resource, "anonymousPullEnabled", "allows anonymous pulls")


GATEWAY_GROUP = "Gateway"
_FIRST_DAYS_KEY = "firstDeploymentDays"
DEFAULT_FIRST_DEPLOYMENT_DAYS = 7
_ENABLED = "Enabled"


def _gateway_endpoint(stack: StackIndex, service: StackResource) -> bool:
    """True when a private endpoint of the stack connects to the service's Gateway group (by id
    value or by property dependency)."""
    for endpoint in stack.of_type(tokens.PRIVATE_ENDPOINT):
        for prop in ("privateLinkServiceConnections", "manualPrivateLinkServiceConnections"):
            entries = endpoint.get(prop)
            for item in items(entries):
                entry = as_dict(item) or {}
                targets = stack.linked(endpoint, prop, entry.get("privateLinkServiceId"), (tokens.APIM_SERVICE,))
                if any(target.urn == service.urn for target in targets) and GATEWAY_GROUP in items(entry.get("groupIds")):
                    return True
    return False


def _first_deployment(service: StackResource, days: float, today: dt.date) -> tuple[dt.date | None, str]:
    """(last allowed day, "") when the first-deployment tag is valid, else (None, why not)."""
    value = service.get(f"tags.{reference.FIRST_DEPLOYMENT_TAG}")
    if value is None:
        return None, ""
    if not isinstance(value, str) or re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value) is None:
        return None, f"its {reference.FIRST_DEPLOYMENT_TAG} tag {describe(value)} is not a YYYY-MM-DD date"
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        return None, f"its {reference.FIRST_DEPLOYMENT_TAG} tag {describe(value)} is not a valid date"
    if day > today:
        return None, f"its {reference.FIRST_DEPLOYMENT_TAG} tag {describe(value)} is in the future"
    until = day + dt.timedelta(days=int(days))
    if today > until:
        return None, f"its {reference.FIRST_DEPLOYMENT_TAG} tag {describe(value)} expired on {until.isoformat()}"
    return until, ""


def _apim_findings(stack: StackIndex, service: StackResource, config: PolicyConfig, today: dt.date) -> Iterator[Finding]:
    """API Management: publicNetworkAccess explicit; "Enabled" only when internal, allowed, or on
    the time-boxed first deployment with the gateway's private endpoint in the stack."""
    where = {"urn": service.urn, "name": service.name}
    access = service.get("publicNetworkAccess")
    if access is UNKNOWN:
        yield unknown_value(service.subject, "publicNetworkAccess", **where)
        return
    if access == DISABLED:
        return
    if access is None:
        yield violation(
            f"{service.subject} leaves publicNetworkAccess unset (the service default is "
            "'Enabled'): set it explicitly, to 'Disabled' once the gateway has an approved "
            "private endpoint, or to 'Enabled' with virtualNetworkType = 'Internal' or the "
            "policy config allowPublicGateway = true.",
            **where,
        )
        return
    network_type = service.get("virtualNetworkType")
    if access == _ENABLED and (network_type == _INTERNAL or config.bool("allowPublicGateway")):
        return
    if network_type is UNKNOWN:
        yield unknown_value(service.subject, "virtualNetworkType", **where)
        return
    until, why = _first_deployment(service, config.number(_FIRST_DAYS_KEY) or DEFAULT_FIRST_DEPLOYMENT_DAYS, today)
    if access == _ENABLED and until is not None and _gateway_endpoint(stack, service):
        yield Finding(
            # Reported as an advisory note (framework.emit adds the control ids).
            message=(
                "first deployment of the gateway: public network access stays Enabled until its "
                f"private endpoint is approved; the next `pulumi up` disables it (allowed until {until.isoformat()})"
            ),
            unknown=True,
            **where,
        )
        return
    if until is not None:
        why = f"it carries the {reference.FIRST_DEPLOYMENT_TAG} tag but the stack has no private endpoint to its '{GATEWAY_GROUP}' group"
    note = f"; the first-deployment allowance does not apply: {why}" if why else ""
    yield violation(
        f"{service.subject} exposes a public gateway (publicNetworkAccess is {describe_against(access, (DISABLED, _ENABLED))}, "
        f"virtualNetworkType is {describe_against(network_type, (_INTERNAL,))}{note}): inject it into a VNet with "
        "virtualNetworkType = 'Internal', or set publicNetworkAccess = 'Disabled' once it has an "
        "approved private endpoint (Azure rejects 'Disabled' at creation: the first deployment "
        f"may tag it {reference.FIRST_DEPLOYMENT_TAG} = <YYYY-MM-DD> with its private endpoint in the stack), or, if public ingress to the gateway is "
        "intended, set allowPublicGateway = true in this policy's config.",
        **where,
    )


def _apim_services(stack: StackIndex, config: PolicyConfig) -> Iterator[Finding]:
    """Every API Management service of the stack (see _apim_findings)."""
    today = dt.datetime.now(dt.timezone.utc).date()
    for service in stack.of_type(tokens.APIM_SERVICE):
        yield from _apim_findings(stack, service, config, today)


def _managed_environment(resource: Resource, _config: PolicyConfig) -> Iterator[Finding]:
    """Container Apps environment: Internal VNet mode, or public network access disabled."""
    internal = resource.get("vnetConfiguration.internal")
    access = resource.get("publicNetworkAccess")
    if internal is True or eq_ci(access, DISABLED):
        return
    if internal is UNKNOWN or access is UNKNOWN:
        yield unknown_value(resource.subject, "vnetConfiguration.internal / publicNetworkAccess")
        return
    yield violation(
        f"{resource.subject} is reachable from the internet (vnetConfiguration.internal is "
        f"{describe(internal)}, publicNetworkAccess is {describe(access)}): set "
        "vnetConfiguration.internal = true with vnetConfiguration.infrastructureSubnetId, or set "
        f"publicNetworkAccess = '{DISABLED}' and add a private endpoint."
    )


def _public(type_token: str, path: str = "publicNetworkAccess") -> Field:
    """Field of a publicNetworkAccess switch compared with "Disabled"."""
    return Field(type_token, path, (DISABLED,))


POLICIES: tuple[ResourcePolicySpec | StackPolicySpec, ...] = (
    _policy(
        "azurenative-cognitiveservices-account-restrict-network-access",
        tokens.COGNITIVE_ACCOUNT,
        (
            _public(tokens.COGNITIVE_ACCOUNT, "properties.publicNetworkAccess"),
            Field(tokens.COGNITIVE_ACCOUNT, "properties.networkAcls.defaultAction"),  # named when public access is on
            Field(tokens.COGNITIVE_ACCOUNT, "properties.restrictOutboundNetworkAccess"),
            Field(tokens.COGNITIVE_ACCOUNT, "properties.allowedFqdnList"),
        ),
        "Cognitive Services accounts must disable public network access, deny by default and restrict outbound access.",
        _cognitive_account,
    ),
    _policy(
        "azurenative-search-service-disable-public-network-access",
        tokens.SEARCH_SERVICE,
        (_public(tokens.SEARCH_SERVICE),),
        "AI Search services must disable public network access.",
        _search_service,
    ),
    _policy(
        "azurenative-storage-storageaccount-restrict-network-access",
        tokens.STORAGE_ACCOUNT,
        (
            _public(tokens.STORAGE_ACCOUNT),
            Field(tokens.STORAGE_ACCOUNT, "networkRuleSet.defaultAction"),  # named when public access is on
            *SITE_FIELDS,
        ),
        "Storage accounts must disable public network access (their network rules then no longer matter); "
        "an account the stack gives a static website, and that holds nothing else, is public by design.",
        _storage_account,
        stack_bound=True,
    ),
    _policy(
        "azurenative-keyvault-vault-disable-public-network-access",
        tokens.KEY_VAULT,
        (Field(tokens.KEY_VAULT, "properties.publicNetworkAccess"),),
        "Key Vaults must disable public network access.",
        _key_vault,
        controls=("ACC-7", "DATA-7"),
    ),
    _policy(
        "azurenative-purview-account-disable-public-network-access",
        tokens.PURVIEW_ACCOUNT,
        (
            _public(tokens.PURVIEW_ACCOUNT),
            _public(tokens.PURVIEW_ACCOUNT, "managedResourcesPublicNetworkAccess"),
        ),
        "Purview accounts and their managed resources must disable public network access.",
        _purview_account,
        controls=("ACC-7", "DATA-4"),
    ),
    _policy(
        "azurenative-machinelearningservices-workspace-restrict-network-access",
        tokens.ML_WORKSPACE,
        (
            _public(tokens.ML_WORKSPACE),
            Field(tokens.ML_WORKSPACE, "managedNetwork.isolationMode", (_ALLOWED_OUTBOUND,)),
            Field(tokens.ML_WORKSPACE, "allowPublicAccessWhenBehindVnet"),
            Field(tokens.ML_WORKSPACE, "managedNetwork.outboundRules"),
        ),
        "Machine Learning workspaces (Foundry hubs) must disable public network access and allow only approved outbound traffic.",
        _ml_workspace,
    ),
    _policy(
        "azurenative-containerregistry-registry-restrict-network-access",
        tokens.CONTAINER_REGISTRY,
        (
            _public(tokens.CONTAINER_REGISTRY),
            Field(tokens.CONTAINER_REGISTRY, "anonymousPullEnabled"),
        ),
        "Container registries must disable public network access and anonymous pulls.",
        _container_registry,
    ),
    _policy(
        "azurenative-cosmosdb-databaseaccount-disable-public-network-access",
        tokens.COSMOS_ACCOUNT,
        (_public(tokens.COSMOS_ACCOUNT),),
        "Cosmos DB accounts must disable public network access.",
        _public_access_only,
    ),
    StackPolicySpec(
        name="azurenative-apimanagement-service-restrict-public-network-access",
        controls=_CONTROLS,
        description=(
            "API Management must set public network access explicitly and expose a public gateway "
            "only when the stack allows it (or, time-boxed, on its first deployment)."
        ),
        severity="high",
        remediation=(
            "Set publicNetworkAccess = 'Disabled' once the gateway's private endpoint is approved, or "
            "inject it with virtualNetworkType = 'Internal'. On the first deployment (Azure refuses "
            f"'Disabled' at creation) tag it {reference.FIRST_DEPLOYMENT_TAG} = <YYYY-MM-DD> and add "
            f"its private endpoint (group '{GATEWAY_GROUP}'); run `pulumi up` again within {_FIRST_DAYS_KEY} days."
        ),
        fields=(
            Field(tokens.APIM_SERVICE, "publicNetworkAccess", (DISABLED, _ENABLED)),
            Field(tokens.APIM_SERVICE, "virtualNetworkType", (_INTERNAL,)),
            Field(tokens.APIM_SERVICE, "tags"),
            Field(tokens.PRIVATE_ENDPOINT, "privateLinkServiceConnections[].privateLinkServiceId"),
            Field(tokens.PRIVATE_ENDPOINT, "privateLinkServiceConnections[].groupIds"),
        ),
        rule=_apim_services,
        config={
            "allowPublicGateway": {
                "type": "boolean",
                "default": False,
                "description": "Deliberately allow public ingress to the API Management gateway.",
            },
            _FIRST_DAYS_KEY: {
                "type": "number",
                "minimum": 0,
                "default": DEFAULT_FIRST_DEPLOYMENT_DAYS,
                "description": (
                    f"Days after the {reference.FIRST_DEPLOYMENT_TAG} tag's date during which a gateway "
                    "with its private endpoint in the stack may stay public (advisory note)."
                ),
            },
        },
    ),
    _policy(
        "azurenative-app-managedenvironment-internal-only",
        tokens.MANAGED_ENVIRONMENT,
        (
            Field(tokens.MANAGED_ENVIRONMENT, "vnetConfiguration.internal"),
            Field(tokens.MANAGED_ENVIRONMENT, "vnetConfiguration.infrastructureSubnetId"),
            _public(tokens.MANAGED_ENVIRONMENT),
        ),
        "Container Apps environments must be internal (VNet) or have public network access disabled.",
        _managed_environment,
    ),
)
