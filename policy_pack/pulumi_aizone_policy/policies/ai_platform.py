"""AI platform resources the anchor rule sets judge (docs/COVERAGE.md): Machine Learning computes,
online and serverless endpoints and their deployments, Bot Service bots, and container apps that
take traffic from outside their environment; and the AI surfaces of issue 20 item 2: Foundry and
ML connections and ML datastores that store credentials, Bing grounding, RAI blocklists that only
annotate, and managed-network outbound rules that open the internet (each section below names its
properties).

Property names, enum values and defaults are those of pulumi-azure-native 3.29 (ML: REST API
2025-12-01; Bot Service: 2023-09-15-preview; Container Apps: 2025-02-02-preview):

- `machinelearningservices:Compute` `properties` is a union by `computeType`; every variant has
  `disableLocalAuth` (no default: absent keeps local auth), AmlCompute and ComputeInstance carry
  `properties.enableNodePublicIp` (the SDK's `AmlComputePropertiesArgs` defaults it to true) and
  AmlCompute `properties.remoteLoginPortPublicAccess` (`Enabled`, `Disabled`, `NotSpecified`:
  "open on all public nodes" unless a VNet is set).
- `OnlineEndpoint` `properties.authMode` is `AMLToken`, `Key` or `AADToken` and
  `properties.publicNetworkAccess` defaults to `Enabled` in the SDK; `ServerlessEndpoint`
  `properties.authMode` is `Key`, `AAD` or `KeyAndAAD`.
- `OnlineDeployment` `properties.model` and `ServerlessEndpoint` `properties.modelSettings.modelId`
  are model asset ids (`azureml://registries/<registry>/models/<name>/versions/<version>`).
- `botservice:Bot` `properties.disableLocalAuth`, `properties.publicNetworkAccess` (`Enabled`,
  `Disabled`, `SecuredByPerimeter`; the SDK's `BotPropertiesArgs` defaults it to `Enabled`),
  `properties.endpoint` (the messaging endpoint URL).
- `app:ContainerApp` `configuration.ingress.external` and
  `configuration.ingress.ipSecurityRestrictions[]` `{name, ipAddressRange, action: Allow|Deny}`.

The lines follow the Azure Policy built-ins and PSRule rules named in docs/anchors.json; where the
pack draws another line (computes in the workspace's managed VNet need no subnet) the anchors say why.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterator, Mapping
from fnmatch import fnmatchcase
from typing import Final

from .. import tokens
from ..checks import DISABLED, enum_is, flag_false, flag_true, public_network_disabled
from ..config import JsonSchema, PolicyConfig
from ..framework import Field, Finding, Resource, ResourcePolicySpec, ResourceRule, SeverityName, unknown_value, violation
from ..values import UNKNOWN, describe, describe_against, is_exactly, items, noncanonical_bool, str_or_none

_ENTRA = "; callers authenticate with Entra ID tokens and RBAC roles"
_NODE_COMPUTES: Final = ("amlcompute", "computeinstance")


# --- Machine Learning computes -------------------------------------------------------------------


def _compute_local_auth(resource: Resource, _config: PolicyConfig) -> Iterator[Finding]:
    """Every compute type: properties.disableLocalAuth = true (no SSH keys or admin passwords as the
    way in; Azure Policy e96a9a5f, PSRule Azure.ML.DisableLocalAuth, Checkov CKV_AZURE_142)."""
    yield from flag_true(resource, "properties.disableLocalAuth", "allows local (key, password) authentication", _ENTRA)


def _compute_private_network(resource: Resource, _config: PolicyConfig) -> Iterator[Finding]:
    """AmlCompute / ComputeInstance nodes get no public IP and, for clusters, no public SSH port.

    The compute type is compared ignoring case and blanks, so an odd spelling cannot skip the check."""
    compute_type = resource.get("properties.computeType")
    if compute_type is UNKNOWN:
        yield unknown_value(resource.subject, "properties.computeType")
        return
    if not isinstance(compute_type, str) or compute_type.strip().lower() not in _NODE_COMPUTES:
        return
    yield from flag_false(
        resource,
        "properties.properties.enableNodePublicIp",
        "gives its nodes public IP addresses (the SDK default for AmlCompute is true)",
        "; nodes then reach the workspace through its managed VNet or your subnet only",
    )
    ssh = resource.get("properties.properties.remoteLoginPortPublicAccess")
    if ssh is UNKNOWN:
        yield unknown_value(resource.subject, "properties.properties.remoteLoginPortPublicAccess")
    elif ssh is not None and not is_exactly(ssh, (DISABLED,)):
        yield violation(
            f"{resource.subject} may open a public SSH port on its nodes (properties.properties."
            f"remoteLoginPortPublicAccess is {describe_against(ssh, (DISABLED,))}): set it to '{DISABLED}' (or leave "
            "it unset with enableNodePublicIp = false)."
        )


# --- Machine Learning endpoints --------------------------------------------------------------------


def _online_endpoint_auth(resource: Resource, _config: PolicyConfig) -> Iterator[Finding]:
    """Managed online endpoints: authMode AADToken or AMLToken (both issued to an Entra identity),
    never Key."""
    yield from enum_is(
        resource,
        "properties.authMode",
        ("AADToken", "AMLToken"),
        "accepts static keys",
        "set properties.authMode = 'AADToken' and grant callers an RBAC role on the endpoint",
    )


def _online_endpoint_network(resource: Resource, _config: PolicyConfig) -> Iterator[Finding]:
    """Managed online endpoints: properties.publicNetworkAccess = Disabled (the SDK's
    `OnlineEndpointPropertiesArgs` defaults it to 'Enabled'); callers reach the endpoint through the
    workspace's private endpoint."""
    yield from public_network_disabled(resource, "properties.publicNetworkAccess")


def _serverless_endpoint_auth(resource: Resource, _config: PolicyConfig) -> Iterator[Finding]:
    """Serverless endpoints: authMode AAD only (Key and KeyAndAAD accept static keys)."""
    yield from enum_is(
        resource,
        "properties.authMode",
        ("AAD",),
        "accepts static keys",
        "set properties.authMode = 'AAD' and grant callers an RBAC role on the endpoint",
    )


# Model asset ids: azureml://registries/<registry>/models/<name>/versions/<version> (registry
# models) or a workspace model's ARM id .../workspaces/<ws>/models/<name>/versions/<version>.
# Only the Microsoft-curated `azureml` registry is allowed by default, each model pinned by version.
DEFAULT_ALLOWED_MODEL_ASSETS: Final[tuple[str, ...]] = ("azureml://registries/azureml/models/*/versions/*",)
_ASSET_NOISE = re.compile(r"\s|\.\.|[?#]")


def _model_asset(resource: Resource, config: PolicyConfig, path: str) -> Iterator[Finding]:
    """The model asset id at `path` matches an allowed pattern (fnmatch, case-insensitive) and is a
    plain id (no blanks, `..`, query or fragment that could smuggle another asset past a pattern)."""
    value = resource.get(path)
    if value is UNKNOWN:
        yield unknown_value(resource.subject, path)
        return
    asset = str_or_none(value)
    allowed = config.strings("allowedModelAssets")
    if asset is None:
        yield violation(f"{resource.subject} names no model ({path} is {describe(value)}): deploy an allow-listed model asset.")
        return
    if _ASSET_NOISE.search(asset):
        yield violation(
            f"{resource.subject} names its model with blanks, '..', a query or a fragment ({path} is {describe(asset)}): "
            "use the plain asset id, e.g. azureml://registries/azureml/models/<name>/versions/<version>."
        )
        return
    if not any(fnmatchcase(asset.lower(), pattern.strip().lower()) for pattern in allowed):
        yield violation(
            f"{resource.subject} deploys a model outside the allow-list ({path} is {describe(asset)}; allowed: "
            f"{', '.join(allowed) or 'none'}): deploy an approved, version-pinned model or add it to this "
            "policy's allowedModelAssets config after review."
        )


def _online_deployment_model(resource: Resource, config: PolicyConfig) -> Iterator[Finding]:
    yield from _model_asset(resource, config, "properties.model")


def _serverless_model(resource: Resource, config: PolicyConfig) -> Iterator[Finding]:
    yield from _model_asset(resource, config, "properties.modelSettings.modelId")


_MODEL_CONFIG: Final[Mapping[str, JsonSchema]] = {
    "allowedModelAssets": {
        "type": "array",
        "items": {"type": "string", "minLength": 1},
        "default": list(DEFAULT_ALLOWED_MODEL_ASSETS),
        "description": (
            "Approved model asset ids as fnmatch patterns, compared ignoring case, e.g. "
            "azureml://registries/azureml/models/Phi-4/versions/7."
        ),
    }
}


# --- Bot Service ------------------------------------------------------------------------------------


def _bot_local_auth(resource: Resource, _config: PolicyConfig) -> Iterator[Finding]:
    """Bots: properties.disableLocalAuth = true (Azure Policy ffea632e)."""
    yield from flag_true(resource, "properties.disableLocalAuth", "allows local (app secret) authentication", _ENTRA)


def _bot_public_network(resource: Resource, _config: PolicyConfig) -> Iterator[Finding]:
    """Bots: properties.publicNetworkAccess = Disabled (Azure Policy 5e8168db and 52152f42)."""
    yield from public_network_disabled(resource, "properties.publicNetworkAccess")


def _bot_https_endpoint(resource: Resource, _config: PolicyConfig) -> Iterator[Finding]:
    """Bots: the messaging endpoint is an https:// URL with a host (Azure Policy 6164527b)."""
    value = resource.get("properties.endpoint")
    if value is UNKNOWN:
        yield unknown_value(resource.subject, "properties.endpoint")
        return
    endpoint = value if isinstance(value, str) else ""
    if not re.match(r"https://[^/\s]+", endpoint, re.IGNORECASE):
        yield violation(
            f"{resource.subject} has a messaging endpoint that is not an https:// URL (properties.endpoint is "
            f"{describe(value)}): serve the bot over HTTPS, e.g. https://<app>.azurewebsites.net/api/messages."
        )


# --- Container apps with external ingress ---------------------------------------------------------

_ANYWHERE: Final = frozenset({"*", "any", "internet"})


def _open_range(value: object) -> bool:
    """True when an ipAddressRange admits every address (0.0.0.0/0, ::/0, *, Internet)."""
    if not isinstance(value, str):
        return True
    text = value.strip().lower()
    if text in _ANYWHERE:
        return True
    try:
        return ipaddress.ip_network(text, strict=False).prefixlen == 0
    except ValueError:
        return False


def _ingress_restrictions(resource: Resource, _config: PolicyConfig) -> Iterator[Finding]:
    """External ingress lists the callers it admits: at least one IP restriction, every rule
    `Allow` (one `Deny` rule lets everything else in) and none open to the whole internet
    (PSRule Azure.ContainerApp.RestrictIngress)."""
    external = resource.get("configuration.ingress.external")
    if external is UNKNOWN:
        yield unknown_value(resource.subject, "configuration.ingress.external")
        return
    if external is None or external is False:
        return
    rules = resource.get("configuration.ingress.ipSecurityRestrictions")
    if rules is UNKNOWN:
        yield unknown_value(resource.subject, "configuration.ingress.ipSecurityRestrictions")
        return
    fix = (
        "list the callers' ranges in configuration.ingress.ipSecurityRestrictions with action 'Allow', or set "
        "configuration.ingress.external = false and reach the app through the gateway"
    )
    listed = items(rules)
    if not listed:
        yield violation(
            f"{resource.subject} accepts traffic from outside its environment from any address (external ingress with no IP restrictions): {fix}."
        )
        return
    for index, rule in enumerate(listed):
        action = rule.get("action") if isinstance(rule, dict) else None
        address = rule.get("ipAddressRange") if isinstance(rule, dict) else None
        if action is UNKNOWN or address is UNKNOWN:
            yield unknown_value(resource.subject, f"configuration.ingress.ipSecurityRestrictions[{index}]")
        elif not is_exactly(action, ("Allow",)):
            yield violation(
                f"{resource.subject} has an IP restriction that does not allow-list callers (configuration.ingress."
                f"ipSecurityRestrictions[{index}].action is {describe_against(action, ('Allow',))}; a deny list admits "
                f"every other address): {fix}."
            )
        elif _open_range(address):
            yield violation(
                f"{resource.subject} allows the whole internet (configuration.ingress.ipSecurityRestrictions[{index}]."
                f"ipAddressRange is {describe(address)}): {fix}."
            )


# --- Specs ------------------------------------------------------------------------------------------


def _spec(
    name: str,
    controls: tuple[str, ...],
    type_token: str,
    paths: tuple[str, ...],
    description: str,
    remediation: str,
    rule: ResourceRule,
    *,
    severity: SeverityName = "high",
    config: Mapping[str, JsonSchema] | None = None,
    values: tuple[str, ...] = (),
) -> ResourcePolicySpec:
    return ResourcePolicySpec(
        name=name,
        controls=controls,
        description=description,
        severity=severity,
        remediation=remediation,
        fields=tuple(Field(type_token, path, values if index == 0 else ()) for index, path in enumerate(paths)),
        resource_types=(type_token,),
        rule=rule,
        config=config or {},
    )


POLICIES: tuple[ResourcePolicySpec, ...] = (
    _spec(
        "azurenative-machinelearningservices-compute-disable-local-auth",
        ("ACC-1",),
        tokens.ML_COMPUTE,
        ("properties.disableLocalAuth",),
        "Machine Learning computes must disable local authentication.",
        "Set properties.disableLocalAuth = true on every compute; users and jobs sign in with Entra ID.",
        _compute_local_auth,
    ),
    _spec(
        "azurenative-machinelearningservices-compute-private-network",
        ("ACC-7",),
        tokens.ML_COMPUTE,
        ("properties.computeType", "properties.properties.enableNodePublicIp", "properties.properties.remoteLoginPortPublicAccess"),
        "Machine Learning compute clusters and instances must not give nodes public IPs or a public SSH port.",
        "Set properties.properties.enableNodePublicIp = false (and remoteLoginPortPublicAccess = 'Disabled') so nodes "
        "live only in the workspace's managed VNet or your subnet.",
        _compute_private_network,
    ),
    _spec(
        "azurenative-machinelearningservices-onlineendpoint-entra-auth",
        ("ACC-1",),
        tokens.ML_ONLINE_ENDPOINT,
        ("properties.authMode",),
        "Machine Learning online endpoints must authenticate callers with Entra tokens, not keys.",
        "Set properties.authMode = 'AADToken' and grant callers a data-plane role on the endpoint.",
        _online_endpoint_auth,
        values=("AADToken", "AMLToken"),
    ),
    _spec(
        "azurenative-machinelearningservices-onlineendpoint-disable-public-network-access",
        ("ACC-7",),
        tokens.ML_ONLINE_ENDPOINT,
        ("properties.publicNetworkAccess",),
        "Machine Learning online endpoints must disable public network access.",
        "Set properties.publicNetworkAccess = 'Disabled' and score through the workspace's private endpoint.",
        _online_endpoint_network,
        values=(DISABLED,),
    ),
    _spec(
        "azurenative-machinelearningservices-serverlessendpoint-entra-auth",
        ("ACC-1",),
        tokens.ML_SERVERLESS_ENDPOINT,
        ("properties.authMode",),
        "Machine Learning serverless endpoints must authenticate callers with Entra ID only.",
        "Set properties.authMode = 'AAD' and grant callers a data-plane role on the endpoint.",
        _serverless_endpoint_auth,
        values=("AAD",),
    ),
    _spec(
        "azurenative-machinelearningservices-onlinedeployment-approved-model",
        ("MOD-3",),
        tokens.ML_ONLINE_DEPLOYMENT,
        ("properties.model",),
        "Machine Learning online deployments must deploy an allow-listed, version-pinned model asset.",
        "Deploy only model assets matching this policy's allowedModelAssets config, pinned to a version.",
        _online_deployment_model,
        config=_MODEL_CONFIG,
    ),
    _spec(
        "azurenative-machinelearningservices-serverlessendpoint-approved-model",
        ("MOD-3",),
        tokens.ML_SERVERLESS_ENDPOINT,
        ("properties.modelSettings.modelId",),
        "Machine Learning serverless endpoints must serve an allow-listed model asset.",
        "Serve only model assets matching this policy's allowedModelAssets config.",
        _serverless_model,
        config=_MODEL_CONFIG,
    ),
    _spec(
        "azurenative-botservice-bot-disable-local-auth",
        ("ACC-1",),
        tokens.BOT,
        ("properties.disableLocalAuth",),
        "Bot Service bots must disable local authentication.",
        "Set properties.disableLocalAuth = true; the bot authenticates with its managed identity or Entra app.",
        _bot_local_auth,
    ),
    _spec(
        "azurenative-botservice-bot-disable-public-network-access",
        ("ACC-7",),
        tokens.BOT,
        ("properties.publicNetworkAccess",),
        "Bot Service bots must disable public network access (isolated mode).",
        "Set properties.publicNetworkAccess = 'Disabled' and reach the bot through its private endpoint.",
        _bot_public_network,
        values=(DISABLED,),
    ),
    _spec(
        "azurenative-botservice-bot-https-endpoint",
        ("RES-5",),
        tokens.BOT,
        ("properties.endpoint",),
        "Bot Service bots must use an https:// messaging endpoint.",
        "Set properties.endpoint to the bot's https:// messaging URL.",
        _bot_https_endpoint,
    ),
    _spec(
        "azurenative-app-containerapp-ingress-ip-restrictions",
        ("ACC-7",),
        tokens.CONTAINER_APP,
        ("configuration.ingress.external", "configuration.ingress.ipSecurityRestrictions"),
        "Container apps with external ingress must allow-list their callers' IP ranges.",
        "Add configuration.ingress.ipSecurityRestrictions with action 'Allow' for the callers' ranges, or turn external "
        "ingress off and publish the app through the API gateway.",
        _ingress_restrictions,
    ),
)


# --- Connections and datastores that carry credentials (issue 20, item 2) ---------------------------
# Foundry (cognitiveservices AccountConnection / ProjectConnection, REST API 2025-06-01) and ML
# workspace connections are a union by `properties.authType`; the variants that need no stored
# secret are Entra identities. ML datastores (`properties.credentials.credentialsType`: AccountKey,
# Certificate, None, Sas, ServicePrincipal) use the caller's or the workspace's identity with `None`.

ENTRA_CONNECTION_AUTH: Final[tuple[str, ...]] = (
    "AAD",
    "ManagedIdentity",
    "ProjectManagedIdentity",
    "AccountManagedIdentity",
    "UserEntraToken",
    "AgentUserImpersonation",
    "AgenticIdentityToken",
    "AgenticUser",
    "None",
)


def _connection_auth(resource: Resource, _config: PolicyConfig) -> Iterator[Finding]:
    """A connection authenticates with an Entra identity, never a stored key, password or SAS."""
    yield from enum_is(
        resource,
        "properties.authType",
        ENTRA_CONNECTION_AUTH,
        "stores a credential for its target (a key, secret, password or SAS)",
        "set properties.authType = 'AAD' (or a managed identity) and grant that identity a data-plane role on the target",
    )


def _bing_grounding(resource: Resource, _config: PolicyConfig) -> Iterator[Finding]:
    """No Grounding with Bing Search connection: it sends the agents' queries to Bing, outside the
    landing zone's private network (category BingLLMSearch, compared ignoring case and blanks)."""
    category = resource.get("properties.category")
    if category is UNKNOWN:
        yield unknown_value(resource.subject, "properties.category")
    elif isinstance(category, str) and "bing" in re.sub(r"[\s_\-]+", "", category).lower():
        yield violation(
            f"{resource.subject} grounds agents with Bing web search (properties.category is {describe(category)}), which "
            "sends their queries to a public service outside the private network: ground on your own AI Search index, or "
            "exempt this connection with a reviewed reason."
        )


def _datastore_credentials(resource: Resource, _config: PolicyConfig) -> Iterator[Finding]:
    """ML datastores use identity-based access: credentials.credentialsType = None."""
    yield from enum_is(
        resource,
        "properties.credentials.credentialsType",
        ("None",),
        "stores a credential for its storage (account key, SAS, certificate or client secret)",
        "set properties.credentials.credentialsType = 'None' so jobs and users reach the data with their own Entra identity",
    )


_CONNECTIONS: Final = (tokens.COGNITIVE_ACCOUNT_CONNECTION, tokens.COGNITIVE_PROJECT_CONNECTION)

POLICIES += (
    ResourcePolicySpec(
        name="azurenative-cognitiveservices-connection-entra-auth",
        controls=("ACC-1",),
        description="Foundry account and project connections must authenticate with Entra ID, not stored keys.",
        severity="high",
        remediation=(
            "Recreate the connection with properties.authType 'AAD' (or a managed identity) and grant the account's or "
            "project's identity a data-plane role on the target; remove stored keys, secrets and SAS tokens."
        ),
        fields=tuple(Field(token, "properties.authType") for token in _CONNECTIONS),
        resource_types=_CONNECTIONS,
        rule=_connection_auth,
    ),
    ResourcePolicySpec(
        name="azurenative-cognitiveservices-connection-no-bing-grounding",
        controls=("ACC-7",),
        description="Foundry connections must not ground agents with Bing web search.",
        severity="medium",
        remediation="Ground agents on your own AI Search index; keep Bing grounding out of the landing zone or exempt it with a reason.",
        fields=tuple(Field(token, "properties.category", ("BingLLMSearch",)) for token in _CONNECTIONS),
        resource_types=_CONNECTIONS,
        rule=_bing_grounding,
    ),
    _spec(
        "azurenative-machinelearningservices-workspaceconnection-entra-auth",
        ("ACC-1",),
        tokens.ML_WORKSPACE_CONNECTION,
        ("properties.authType",),
        "Machine Learning workspace connections must authenticate with Entra ID, not stored keys.",
        "Recreate the connection with properties.authType 'AAD' (or a managed identity) and grant the workspace's identity "
        "a data-plane role on the target.",
        _connection_auth,
    ),
    _spec(
        "azurenative-machinelearningservices-datastore-identity-access",
        ("ACC-1",),
        tokens.ML_DATASTORE,
        ("properties.credentials.credentialsType",),
        "Machine Learning datastores must use identity-based access, not stored credentials.",
        "Set properties.credentials.credentialsType = 'None' and grant users and the workspace identity Storage Blob Data roles.",
        _datastore_credentials,
    ),
)


# --- RAI blocklists (issue 20, item 2) ------------------------------------------------------------
# cognitiveservices RaiPolicy `properties.customBlocklists[]` `{blocklistName, blocking, source}`
# (REST API 2025-06-01; `blocking` has no documented default): a blocklist that does not block only
# annotates, so the terms it lists still reach the model or the caller.


def _blocklists_block(resource: Resource, _config: PolicyConfig) -> Iterator[Finding]:
    """Every custom blocklist a content filter policy names blocks (blocking = true) and names a
    blocklist."""
    listed = resource.get("properties.customBlocklists")
    if listed is UNKNOWN:
        yield unknown_value(resource.subject, "properties.customBlocklists")
        return
    for index, entry in enumerate(items(listed)):
        where = f"properties.customBlocklists[{index}]"
        blocking = entry.get("blocking") if isinstance(entry, dict) else None
        name = entry.get("blocklistName") if isinstance(entry, dict) else None
        if blocking is UNKNOWN or name is UNKNOWN:
            yield unknown_value(resource.subject, where)
        elif blocking is not True:
            yield violation(
                f"{resource.subject} applies blocklist {describe(name)} without blocking ({where}.blocking is "
                f"{noncanonical_bool(blocking, True) or describe(blocking)}): set blocking = true, or the listed terms only "
                "get annotated and still pass."
            )
        elif str_or_none(name) is None or not str(name).strip():
            yield violation(
                f"{resource.subject} applies a blocklist without a name ({where}.blocklistName is {describe(name)}): name the blocklist it applies."
            )


POLICIES += (
    _spec(
        "azurenative-cognitiveservices-raipolicy-blocking-blocklists",
        ("MOD-2a",),
        tokens.RAI_POLICY,
        ("properties.customBlocklists[].blocking", "properties.customBlocklists[].blocklistName"),
        "Custom blocklists of content filter (RAI) policies must block, not only annotate.",
        "Set blocking = true on every entry of properties.customBlocklists and name the blocklist it applies.",
        _blocklists_block,
    ),
)


# --- Managed-network outbound rules of ML / Foundry hub workspaces --------------------------------
# Workspace `managedNetwork.outboundRules` (a map of rules) and the ManagedNetworkSettingsRule /
# OutboundRule resources' `properties` are a union by `type`: FQDN (`destination` is a host name,
# `*.` wildcards allowed), ServiceTag (`destination.{serviceTag, addressPrefixes, action}`) and
# PrivateEndpoint. With isolationMode AllowOnlyApprovedOutbound these rules are the only way out,
# so a rule that admits the whole internet undoes the isolation.


def _rule_problem(rule: object, fqdn: bool = True) -> str | None:
    """Why an outbound rule opens more than named destinations, or None. FQDN rules follow the
    workspace policy's line (azurenative-machinelearningservices-workspace-restrict-network-access,
    which judges the workspace's inline FQDN rules): exact host names, no wildcard."""
    if not isinstance(rule, dict):
        return None
    kind = rule.get("type")
    destination = rule.get("destination")
    if fqdn and isinstance(kind, str) and kind.strip().lower() == "fqdn" and (not isinstance(destination, str) or "*" in destination):
        return f"an FQDN rule to the wildcard or missing host {describe(destination)}"
    if isinstance(destination, dict):
        action = destination.get("action")
        if isinstance(action, str) and action.strip().lower() == "deny":
            return None
        tag = destination.get("serviceTag")
        if isinstance(tag, str) and tag.strip().lower() in _ANYWHERE:
            return f"a service-tag rule to {describe(tag)}"
        prefixes = destination.get("addressPrefixes")
        if any(_open_range(prefix) for prefix in items(prefixes)):
            return f"a service-tag rule to address prefixes {describe(prefixes)}"
    return None


def _outbound_rules(resource: Resource, _config: PolicyConfig) -> Iterator[Finding]:
    """No approved-outbound rule admits more than named destinations: no FQDN wildcard on the rule
    resources, no Internet service tag or 0.0.0.0/0 prefix on any rule."""
    if resource.type == tokens.ML_WORKSPACE:
        rules = resource.get("managedNetwork.outboundRules")
        if rules is UNKNOWN:
            yield unknown_value(resource.subject, "managedNetwork.outboundRules")
            return
        named = sorted(rules.items()) if isinstance(rules, dict) else []
        where = "managedNetwork.outboundRules"
    else:
        named = [("properties", resource.get("properties"))]
        where = ""
    for name, rule in named:
        path = f"{where}.{name}" if where else name
        if rule is UNKNOWN or (isinstance(rule, dict) and UNKNOWN in (rule.get("type"), rule.get("destination"))):
            yield unknown_value(resource.subject, path)
            continue
        problem = _rule_problem(rule, fqdn=resource.type != tokens.ML_WORKSPACE)
        if problem is not None:
            yield violation(
                f"{resource.subject} lets its managed network reach the whole internet ({path} is {problem}): allow only "
                "the hosts, service tags and private endpoints the workspace needs."
            )


_OUTBOUND: Final = (tokens.ML_WORKSPACE, tokens.ML_NETWORK_RULE, tokens.ML_OUTBOUND_RULE)

POLICIES += (
    ResourcePolicySpec(
        name="azurenative-machinelearningservices-workspace-no-open-outbound-rules",
        controls=("ACC-7",),
        description="Managed-network outbound rules of Machine Learning and Foundry hub workspaces must not admit the whole internet.",
        severity="high",
        remediation=(
            "Replace FQDN wildcards, the Internet service tag and 0.0.0.0/0 prefixes with the exact hosts, "
            "service tags and private endpoints the workspace needs."
        ),
        fields=(
            Field(tokens.ML_WORKSPACE, "managedNetwork.outboundRules"),
            Field(tokens.ML_NETWORK_RULE, "properties"),
            Field(tokens.ML_OUTBOUND_RULE, "properties"),
        ),
        resource_types=_OUTBOUND,
        rule=_outbound_rules,
    ),
)
