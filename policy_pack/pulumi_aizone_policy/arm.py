"""ARM template deployments, opened up: inline templates become azure-native shaped resources.

An ARM template deployment (`azure-native:resources:Deployment*`, classic
`azure:core/resourceGroupTemplateDeployment` and its siblings) creates resources the engine never
sees: the pack would pass them silently. `expand` reads an inline template and returns each
resource it declares in the azure-native provider's shape, so the pack's resource policies judge
it exactly as if it had been declared with the provider:

- the ARM type (`Microsoft.Storage/storageAccounts`, any case; child resources nested under their
  parent's `resources` get the parent's type and name prepended, as ARM does) becomes the type
  token (`ARM_TYPES`); a literal `apiVersion` (`yyyy-mm-dd`, optionally `-preview`) is the API
  version the resource is sent with, so the policies read that version's defaults (as for
  azure-native's explicitly versioned tokens); any other is not known and they assume the worst;
- ARM keeps a resource's settings under `properties`. azure-native v3 lifts them to the top level
  for most types (`x-ms-client-flatten`), but keeps `properties` for some (`KEEPS_PROPERTIES`:
  Cognitive Services, Key Vault, ML environment versions). The test
  suite checks both tables against the installed SDK (a resource class whose constructor takes
  `properties` keeps them);
- a user-assigned identity map (`{"<id>": {}}` in ARM) becomes the list of ids azure-native takes;
- template expressions are resolved where their value is literal: `[parameters('x')]` (the
  deployment's parameter value, else the template's `defaultValue`), `[variables('x')]`,
  `['text']`, `[true()]`, `[false()]`, `[null()]` and the `[[` escape. Any other expression
  (`concat`, `resourceId`, `if`, `reference`, Key Vault parameter references, ...) is
  `UNKNOWN`: the pack cannot know what ARM will make of it, and an unknown security property of
  a template resource is reported as a violation (framework.py);
- a resource whose `condition` is literally false is not deployed and not judged;
- a nested deployment (`Microsoft.Resources/deployments`) with an inline template is expanded in
  turn (its expressions see the outer template's parameters unless
  `expressionEvaluationOptions.scope` is `inner`); a linked template (`templateLink`,
  `templateSpecVersionId`, `parametersLink`) cannot be read and is reported (`Blind`).

Sources: ARM template structure and expression syntax,
https://learn.microsoft.com/azure/azure-resource-manager/templates/syntax and
.../templates/template-expressions (an expression is a string that starts with `[` and ends with
`]`; `[[` escapes a literal bracket; function names are case-insensitive), nested templates and
expression scope, .../templates/linked-templates (2026-12-07). Deployment inputs: azure-native v3
`resources.DeploymentPropertiesArgs` (`template`, `templateLink`, `parameters`, `parametersLink`,
`expressionEvaluationOptions`) and pulumi-azure 6.x `core.ResourceGroupTemplateDeployment`
(`templateContent`, `parametersContent`, `templateSpecVersionId`), as installed.

Prior art: PSRule for Azure "expands" templates with their parameter files before its rules run
(parameters, conditions, functions, variables and copy loops resolved; resources analysed "as if
they are deployed" and named by resource name in results,
https://azure.github.io/PSRule.Rules.Azure/expanding-source-files, read 2026-12-07). This module
does the same for the subset of the expression language whose value is literal, and treats the
rest as unknown rather than guessing.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Final

from . import tokens as t
from .values import UNKNOWN

# ARM resource type (lower case) -> azure-native v3 type token, for the types the pack judges.
# ARM types: the Azure REST API specs (github.com/Azure/azure-rest-api-specs, resource-manager).
ARM_TYPES: Final[Mapping[str, str]] = {
    "microsoft.apimanagement/service": t.APIM_SERVICE,
    "microsoft.apimanagement/service/apis": t.APIM_API,
    "microsoft.apimanagement/service/apis/policies": t.APIM_API_POLICY,
    "microsoft.apimanagement/service/apis/operations/policies": t.APIM_OPERATION_POLICY,
    "microsoft.apimanagement/service/policies": t.APIM_SERVICE_POLICY,
    "microsoft.apimanagement/service/products/policies": t.APIM_PRODUCT_POLICY,
    "microsoft.apimanagement/service/backends": t.APIM_BACKEND,
    "microsoft.app/containerapps": t.CONTAINER_APP,
    "microsoft.app/jobs": t.CONTAINER_APP_JOB,
    "microsoft.app/managedenvironments": t.MANAGED_ENVIRONMENT,
    "microsoft.app/sessionpools": t.SESSION_POOL,
    "microsoft.appconfiguration/configurationstores": t.APP_CONFIGURATION,
    "microsoft.authorization/roleassignments": t.ROLE_ASSIGNMENT,
    "microsoft.authorization/locks": t.LOCK_BY_SCOPE,
    "microsoft.cognitiveservices/accounts": t.COGNITIVE_ACCOUNT,
    "microsoft.cognitiveservices/accounts/deployments": t.COGNITIVE_DEPLOYMENT,
    "microsoft.cognitiveservices/accounts/raipolicies": t.RAI_POLICY,
    "microsoft.cognitiveservices/accounts/projects": t.COGNITIVE_PROJECT,
    "microsoft.containerregistry/registries": t.CONTAINER_REGISTRY,
    "microsoft.documentdb/databaseaccounts": t.COSMOS_ACCOUNT,
    "microsoft.insights/diagnosticsettings": t.DIAGNOSTIC_SETTING,
    "microsoft.insights/metricalerts": t.METRIC_ALERT,
    "microsoft.insights/scheduledqueryrules": t.SCHEDULED_QUERY_RULE,
    "microsoft.keyvault/vaults": t.KEY_VAULT,
    "microsoft.machinelearningservices/workspaces": t.ML_WORKSPACE,
    "microsoft.machinelearningservices/workspaces/environments/versions": t.ML_ENVIRONMENT_VERSION,
    "microsoft.managedidentity/userassignedidentities": t.USER_ASSIGNED_IDENTITY,
    "microsoft.network/privateendpoints": t.PRIVATE_ENDPOINT,
    "microsoft.network/privateendpoints/privatednszonegroups": t.PRIVATE_DNS_ZONE_GROUP,
    "microsoft.operationalinsights/workspaces": t.LOG_ANALYTICS_WORKSPACE,
    "microsoft.purview/accounts": t.PURVIEW_ACCOUNT,
    "microsoft.search/searchservices": t.SEARCH_SERVICE,
    "microsoft.security/pricings": t.DEFENDER_PRICING,
    "microsoft.storage/storageaccounts": t.STORAGE_ACCOUNT,
    "microsoft.storage/storageaccounts/blobservices": t.BLOB_SERVICE,
    "microsoft.storage/storageaccounts/fileservices": t.FILE_SERVICE,
    "microsoft.storage/storageaccounts/queueservices": t.QUEUE_SERVICE,
    "microsoft.storage/storageaccounts/tableservices": t.TABLE_SERVICE,
    "microsoft.storage/storageaccounts/localusers": t.STORAGE_LOCAL_USER,
}

# azure-native v3 types whose inputs keep ARM's `properties` object (checked against the SDK).
KEEPS_PROPERTIES: Final[frozenset[str]] = frozenset(
    {
        t.COGNITIVE_ACCOUNT,
        t.COGNITIVE_DEPLOYMENT,
        t.RAI_POLICY,
        t.COGNITIVE_PROJECT,
        t.KEY_VAULT,
        t.ML_ENVIRONMENT_VERSION,
    }
)
# Flattened types whose ARM `properties` object itself holds a `properties` object (kept nested by
# azure-native: an API Management backend's `properties.properties.serviceFabricCluster`).
NESTED_PROPERTIES: Final[frozenset[str]] = frozenset({t.APIM_BACKEND})

NESTED_DEPLOYMENT: Final = "microsoft.resources/deployments"

# Keys of an ARM resource that describe the deployment, not the resource's settings.
_TEMPLATE_ONLY: Final[frozenset[str]] = frozenset(
    {"type", "apiversion", "name", "dependson", "condition", "copy", "comments", "metadata", "resources", "existing", "import"}
)

_MAX_DEPTH: Final = 10
"""Nested templates deeper than this are not followed (reported)."""
_MAX_RESOLVE_DEPTH: Final = 64
"""Objects nested deeper, or variables referring to each other in a cycle, resolve to UNKNOWN."""


@dataclass(frozen=True)
class TemplateResource:
    """One resource an inline template declares, in the azure-native shape (`token` None when
    the pack has no mapping for its ARM type)."""

    arm_type: str
    name: str
    token: str | None
    props: Mapping[str, object]
    sent_type: str | None = None
    """The token with the template's API version (``sent_type``), when it states a literal one."""


@dataclass(frozen=True)
class Blind:
    """Something in a deployment the pack cannot see: what, and why."""

    where: str
    why: str
    unknown: bool = False
    """True when the template itself is a value unknown during preview (known at `pulumi up`)."""
    path: str | None = None
    """For an unknown template: the input that is unknown."""


@dataclass
class Expansion:
    """What an inline template deploys and what the pack could not read."""

    resources: list[TemplateResource] = field(default_factory=list[TemplateResource])
    blind: list[Blind] = field(default_factory=list[Blind])


# --- Expressions -----------------------------------------------------------------------------

_CALL: Final = re.compile(r"^\s*(parameters|variables)\s*\(\s*'((?:[^']|'')*)'\s*\)\s*$", re.IGNORECASE)
_STRING: Final = re.compile(r"^\s*'((?:[^']|'')*)'\s*$")
_CONSTANT: Final = re.compile(r"^\s*(true|false|null)\s*\(\s*\)\s*$", re.IGNORECASE)


class _Scope:
    """The parameters and variables a template's expressions see."""

    def __init__(self, template: Mapping[str, object], given: Mapping[str, object]) -> None:
        self._declared = _lower_keys(template.get("parameters"))
        self._given = _lower_keys(given)
        self._variables = _lower_keys(template.get("variables"))
        self._depth = 0

    def parameter(self, name: str) -> object:
        key = name.lower()
        if key in self._given:
            entry = self._given[key]
            if entry is UNKNOWN:
                return UNKNOWN
            if isinstance(entry, Mapping):
                if "value" in entry:
                    return entry["value"]  # a literal value given with the deployment: no expression
                return UNKNOWN  # a Key Vault reference or another kind the pack cannot resolve
            return UNKNOWN
        declared = self._declared.get(key)
        if isinstance(declared, Mapping) and "defaultValue" in declared:
            return self.resolve(declared["defaultValue"])
        return UNKNOWN

    def variable(self, name: str) -> object:
        key = name.lower()
        if key not in self._variables or key == "copy":
            return UNKNOWN
        return self.resolve(self._variables[key])

    def resolve(self, value: object) -> object:
        """`value` with every literal expression resolved and the others UNKNOWN."""
        if self._depth > _MAX_RESOLVE_DEPTH:
            return UNKNOWN  # a variable cycle, or nesting no real template has
        self._depth += 1
        try:
            if isinstance(value, str):
                return self._expression(value)
            if isinstance(value, Mapping):
                return {key: self.resolve(item) for key, item in value.items()}
            if isinstance(value, list):
                return [self.resolve(item) for item in value]
            return value
        finally:
            self._depth -= 1

    def _expression(self, text: str) -> object:
        if not text.startswith("["):
            return text
        if text.startswith("[["):
            return text[1:]
        if not text.endswith("]"):
            return text
        body = text[1:-1]
        call = _CALL.match(body)
        if call:
            name = call.group(2).replace("''", "'")
            return self.parameter(name) if call.group(1).lower() == "parameters" else self.variable(name)
        string = _STRING.match(body)
        if string:
            return string.group(1).replace("''", "'")
        constant = _CONSTANT.match(body)
        if constant:
            return {"true": True, "false": False, "null": None}[constant.group(1).lower()]
        return UNKNOWN


def _lower_keys(value: object) -> dict[str, object]:
    if not isinstance(value, Mapping):
        return {}
    return {str(key).lower(): item for key, item in value.items()}


# --- Shapes ----------------------------------------------------------------------------------


def provider_shape(token: str, arm: Mapping[str, object]) -> dict[str, object]:
    """An ARM resource's (resolved) body as the azure-native provider's inputs of `token`."""
    props: dict[str, object] = {}
    settings = arm.get("properties")
    for key, value in arm.items():
        if key.lower() in _TEMPLATE_ONLY or key == "properties":
            continue
        props[key] = value
    if token in KEEPS_PROPERTIES:
        if settings is not None:
            props["properties"] = settings
    elif isinstance(settings, Mapping):
        for key, value in settings.items():
            props.setdefault(key, value)
    elif settings is UNKNOWN:
        props["properties"] = UNKNOWN
    identity = props.get("identity")
    if isinstance(identity, Mapping):
        assigned = identity.get("userAssignedIdentities")
        if isinstance(assigned, Mapping):
            props["identity"] = {**identity, "userAssignedIdentities": list(assigned)}
    return props


# --- Templates -------------------------------------------------------------------------------


def load_json(value: object) -> object:
    """A template or parameters document given as a JSON string (classic provider) or object;
    None when absent, UNKNOWN when unknown, a str error message when it is not readable."""
    if value is None or value is UNKNOWN or isinstance(value, Mapping):
        return value
    if isinstance(value, str):
        if not value.strip():
            return None
        try:
            return json.loads(value)
        except ValueError as error:
            return f"not valid JSON ({error})"
    return "neither an object nor a JSON string"


def parameter_values(document: object) -> Mapping[str, object] | object:
    """Deployment parameters `{name: {value: ...}}`, from a parameters file document (with a
    top-level `parameters` key) or the bare map; UNKNOWN when unknown."""
    if document is UNKNOWN:
        return UNKNOWN
    if isinstance(document, Mapping):
        inner = document.get("parameters")
        if isinstance(inner, Mapping) and ("$schema" in document or "contentVersion" in document):
            return inner
        return document
    return {}


def _resources_of(container: Mapping[str, object]) -> list[object]:
    """A template's (or a parent resource's) resources: a list, or a symbolic-name object
    (languageVersion 2.0)."""
    resources = container.get("resources")
    if isinstance(resources, list):
        return list(resources)
    if isinstance(resources, Mapping):
        return list(resources.values())
    return []


def expand(template: object, parameters: object, where: str) -> Expansion:
    """Every resource an inline template deploys (nested inline deployments included), in the
    azure-native shape, and everything in it the pack cannot read."""
    result = Expansion()
    _expand(template, parameters, where, result, None, 0)
    return result


def _expand(template: object, parameters: object, where: str, result: Expansion, outer: _Scope | None, depth: int) -> None:
    if depth > _MAX_DEPTH:
        result.blind.append(Blind(where, f"templates nested more than {_MAX_DEPTH} deep"))
        return
    if template is UNKNOWN:
        result.blind.append(Blind(where, "the template is unknown (computed from other resources' outputs)"))
        return
    if not isinstance(template, Mapping):
        result.blind.append(Blind(where, "the template is not an object"))
        return
    given = parameter_values(parameters)
    if given is UNKNOWN:
        scope = _Scope(template, {name: UNKNOWN for name in _lower_keys(template.get("parameters"))})
    else:
        scope = outer if outer is not None else _Scope(template, given if isinstance(given, Mapping) else {})
    for item in _resources_of(template):
        _resource(item, scope, where, "", "", result, depth)


def _resource(item: object, scope: _Scope, where: str, parent_type: str, parent_name: str, result: Expansion, depth: int) -> None:
    if not isinstance(item, Mapping):
        return
    condition = scope.resolve(item.get("condition", True))
    if condition is False or item.get("existing") is True:
        return
    raw_type = scope.resolve(item.get("type"))
    raw_name = scope.resolve(item.get("name"))
    type_text = raw_type if isinstance(raw_type, str) else "<unknown type>"
    name_text = raw_name if isinstance(raw_name, str) else str(item.get("name", "?"))
    relative = bool(parent_type) and "." not in type_text  # a child's type relative to its parent's
    arm_type = f"{parent_type}/{type_text}" if relative else type_text
    name = f"{parent_name}/{name_text}" if relative else name_text
    if raw_type is UNKNOWN or not isinstance(raw_type, str):
        result.blind.append(Blind(f"{where}/{name}", "its resource type is an expression the pack cannot evaluate"))
        return
    key = arm_type.strip().lower()
    if key == NESTED_DEPLOYMENT:
        _nested(item, scope, f"{where}/{name}", result, depth)
    else:
        body = scope.resolve({key_: value for key_, value in item.items() if key_.lower() != "resources"})
        assert isinstance(body, dict)
        token = ARM_TYPES.get(key)
        props = provider_shape(token, body) if token else dict(body)
        result.resources.append(
            TemplateResource(
                arm_type=arm_type.strip(), name=name, token=token, props=props, sent_type=sent_type(token, body.get("apiVersion"))
            )
        )
    for child in _resources_of(item):
        _resource(child, scope, where, arm_type.strip(), name, result, depth)


def _nested(item: Mapping[str, object], outer: _Scope, where: str, result: Expansion, depth: int) -> None:
    """A nested deployment: its own settings (parameter values included) are evaluated in the
    outer template; its template is left raw, to be evaluated in its own scope (`inner`) or,
    by default, in the outer one."""
    raw = item.get("properties")
    if not isinstance(raw, Mapping):
        result.blind.append(Blind(where, "its properties cannot be read"))
        return
    settings = outer.resolve({key: value for key, value in raw.items() if key != "template"})
    if not isinstance(settings, Mapping):
        result.blind.append(Blind(where, "its properties cannot be read"))
        return
    for link in ("templateLink", "parametersLink"):
        if settings.get(link) is not None:
            result.blind.append(Blind(where, f"it uses a linked template ({link}), which the pack cannot read"))
            return
    options = settings.get("expressionEvaluationOptions")
    inner = isinstance(options, Mapping) and isinstance(options.get("scope"), str) and str(options.get("scope")).lower() == "inner"
    template = raw.get("template")
    if template is None:
        result.blind.append(Blind(where, "it has no inline template"))
        return
    _expand(template, settings.get("parameters") if inner else None, where, result, None if inner else outer, depth + 1)


# --- Generic resources -----------------------------------------------------------------------

GENERIC_RESOURCE: Final = "azure-native:resources:Resource"
_GENERIC_BODY: Final[tuple[str, ...]] = (
    "location",
    "tags",
    "sku",
    "kind",
    "identity",
    "plan",
    "zones",
    "extendedLocation",
    "managedBy",
    "properties",
)


def generic_resource(props: Mapping[str, object], name: str) -> TemplateResource | Blind:
    """A generic ARM resource (`resources:Resource`: `resourceProviderNamespace`,
    `parentResourcePath`, `resourceType`, `properties` in ARM's shape) as the provider-shaped
    resource of its ARM type, so the policies of that type judge it; a `Blind` when its type is
    unknown (preview), unreadable or one the pack has no policies for. The ARM type is the
    namespace, the type segments of the parent path (`service/<name>` -> `service`) and the
    resource type: `Microsoft.ApiManagement/service/backends`."""
    parts: list[str] = []
    for key in ("resourceProviderNamespace", "parentResourcePath", "resourceType"):
        value = props.get(key)
        if value is UNKNOWN:
            return Blind(name, f"its {key} is unknown", unknown=True, path=key)
        if key == "parentResourcePath" and value in (None, ""):
            continue
        if not isinstance(value, str) or not value.strip():
            return Blind(name, f"its {key} cannot be read")
        parts.append("/".join(value.strip().strip("/").split("/")[0::2]) if key == "parentResourcePath" else value.strip())
    arm_type = "/".join(parts)
    token = ARM_TYPES.get(arm_type.lower())
    if token is None:
        return Blind(name, f"its ARM type {arm_type} is not one the pack has policies for")
    body = {key: props[key] for key in _GENERIC_BODY if key in props}
    return TemplateResource(
        arm_type=arm_type, name=name, token=token, props=provider_shape(token, body), sent_type=sent_type(token, props.get("apiVersion"))
    )


_API_VERSION: Final = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(-preview)?$")


def sent_type(token: str | None, api_version: object) -> str | None:
    """``azure-native:storage/v20190401:StorageAccount`` for ``azure-native:storage:StorageAccount``
    at API version ``2019-04-01``: the explicitly versioned form of the token, from which
    ``apiversions.api_version`` reads the version a template or generic resource is sent with.
    None when the version is not a literal API version (an expression, or absent)."""
    if token is None or not isinstance(api_version, str):
        return None
    match = _API_VERSION.match(api_version.strip())
    package, _, rest = token.partition(":")
    module, _, kind = rest.partition(":")
    if match is None or package != "azure-native" or not module or not kind:
        return None
    year, month, day, preview = match.groups()
    return f"azure-native:{module}/v{year}{month}{day}{'preview' if preview else ''}:{kind}"


# --- Deployments -----------------------------------------------------------------------------

NATIVE_DEPLOYMENTS: Final[frozenset[str]] = frozenset(
    {
        "azure-native:resources:Deployment",
        "azure-native:resources:DeploymentAtScope",
        "azure-native:resources:DeploymentAtSubscriptionScope",
        "azure-native:resources:DeploymentAtManagementGroupScope",
        "azure-native:resources:DeploymentAtTenantScope",
    }
)
DEPLOYMENT_STACKS: Final[frozenset[str]] = frozenset(
    {
        "azure-native:resources:DeploymentStackAtResourceGroup",
        "azure-native:resources:DeploymentStackAtSubscription",
        "azure-native:resources:DeploymentStackAtManagementGroup",
    }
)
LEGACY_CLASSIC_DEPLOYMENT: Final = "azure:core/templateDeployment:TemplateDeployment"
"""pulumi-azure before 5.x (`templateBody`, `parametersBody`, `parameters` as plain strings); 6.x keeps
the token as an alias of ResourceGroupTemplateDeployment, so an old SDK still deploys with it."""
CLASSIC_DEPLOYMENTS: Final[frozenset[str]] = frozenset(
    {
        "azure:core/resourceGroupTemplateDeployment:ResourceGroupTemplateDeployment",
        "azure:core/subscriptionTemplateDeployment:SubscriptionTemplateDeployment",
        "azure:core/tenantTemplateDeployment:TenantTemplateDeployment",
        "azure:management/groupTemplateDeployment:GroupTemplateDeployment",
        LEGACY_CLASSIC_DEPLOYMENT,
    }
)
TEMPLATE_DEPLOYMENTS: Final[frozenset[str]] = NATIVE_DEPLOYMENTS | CLASSIC_DEPLOYMENTS
ALL_DEPLOYMENTS: Final[frozenset[str]] = TEMPLATE_DEPLOYMENTS | DEPLOYMENT_STACKS


def expand_deployment(token: str, props: Mapping[str, object], name: str) -> Expansion:
    """What a deployment resource (`ALL_DEPLOYMENTS`) deploys, read from its inputs or outputs."""
    if token in DEPLOYMENT_STACKS:
        return Expansion(blind=[Blind(name, "it is a deployment stack, whose resources the pack does not judge")])
    if token in CLASSIC_DEPLOYMENTS:
        if props.get("templateSpecVersionId") not in (None, ""):
            return Expansion(blind=[Blind(name, "it deploys a template spec (templateSpecVersionId), which the pack cannot read")])
        template = load_json(props.get("templateContent", props.get("templateBody")))
        parameters = load_json(props.get("parametersContent", props.get("parametersBody")))
        plain = props.get("parameters")
        if parameters is None and isinstance(plain, Mapping):
            parameters = {key: {"value": value} for key, value in plain.items()}
    else:
        settings = props.get("properties")
        if settings is UNKNOWN:
            return Expansion(blind=[Blind(name, "its properties are unknown", unknown=True, path="properties")])
        if not isinstance(settings, Mapping):
            return Expansion(blind=[Blind(name, "it has no readable properties")])
        for link in ("templateLink", "parametersLink"):
            if settings.get(link) is not None:
                return Expansion(blind=[Blind(name, f"it uses a linked template ({link}), which the pack cannot read")])
        template, parameters = settings.get("template"), settings.get("parameters")
    if template is UNKNOWN:
        path = "templateContent" if token in CLASSIC_DEPLOYMENTS else "properties.template"
        return Expansion(blind=[Blind(name, "its template is unknown", unknown=True, path=path)])
    for document, what in ((template, "template"), (parameters, "parameters")):
        if isinstance(document, str):
            return Expansion(blind=[Blind(name, f"its {what} is {document}")])
    if template is None:
        return Expansion(blind=[Blind(name, "it has no inline template")])
    return expand(template, parameters, name)
