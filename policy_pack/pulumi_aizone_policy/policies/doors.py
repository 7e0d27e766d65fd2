"""No door without a finding: what the pack cannot see is reported, never passed.

- `azurenative-resources-deployment-visible-template`: an ARM template deployment (every scope, both
  providers) whose template the pack cannot read: a linked template or template spec, a
  deployment stack, a template that is not valid JSON, a nested deployment with a linked template.
  Inline templates are read (arm.py) and their resources judged by the same policies as resources
  declared with the provider (pack.py); this policy reports what is left.
- `azurenative-resources-resource-opaque-to-policies`: resources whose effect on Azure no policy
  can judge: generic resources (`resources:Resource`) of an ARM type the pack has no policies for
  (one it has is translated and judged by that type's policies, arm.generic_resource), deployment
  scripts (both providers) and
  dynamic providers (Node.js and Python), reported as each is registered (before a script runs).
- `azurenative-resources-stack-opaque-resources`: custom resources of providers the pack does not
  know that manage Azure (`targets_azure`); their types cannot be listed in advance, so the whole
  stack is searched.
- `azurenative-resources-stack-ignored-security-changes`: a resource whose `ignoreChanges` option
  covers a security property a policy reads: the property can drift (or be set outside the
  program) and `pulumi up` would never put it back, so the policy's verdict on the inputs means
  nothing for the resource in Azure.

All are mandatory (ACC-8). A finding can be exempted per resource (URN or logical name, glob),
with a reason and an expiry, in the policy's `exemptions` config, like every policy of the pack.

What the engine does not tell the pack: the `import` resource option is not part of
`AnalyzerResourceOptions` (pulumi 3.272 / pulumi-policy 1.21: protect, ignoreChanges,
deleteBeforeReplace, additionalSecretOutputs, aliases, customTimeouts, parent), so an imported
resource is judged on its inputs like any other.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from typing import Final

from .. import arm, tokens
from ..config import PolicyConfig
from ..framework import Field, Finding, PolicySpec, Resource, ResourcePolicySpec, StackPolicySpec, unknown_value, violation
from ..stackindex import StackIndex, StackResource

_CONTROLS = ("ACC-8",)

GENERIC_RESOURCES: Final[Mapping[str, str]] = {
    "azure-native:resources:Resource": "a generic ARM resource (resources:Resource)",
}
SCRIPTS: Final[Mapping[str, str]] = {
    "azure-native:resources:AzureCliScript": "a deployment script (Azure CLI)",
    "azure-native:resources:AzurePowerShellScript": "a deployment script (Azure PowerShell)",
    "azure:core/resourceDeploymentScriptAzureCli:ResourceDeploymentScriptAzureCli": "a deployment script (Azure CLI)",
    "azure:core/resourceDeploymentScriptPowerShell:ResourceDeploymentScriptPowerShell": "a deployment script (Azure PowerShell)",
}
DYNAMIC: Final[Mapping[str, str]] = {
    "pulumi-nodejs:dynamic:Resource": "a dynamic provider resource (Node.js)",
    "pulumi-python:dynamic:Resource": "a dynamic provider resource (Python)",
}
OPAQUE: Final[Mapping[str, str]] = {**GENERIC_RESOURCES, **SCRIPTS, **DYNAMIC}

KNOWN_PACKAGES: Final[frozenset[str]] = frozenset({"azure-native", "azure", "azuread", "pulumi"})
"""Providers the pack knows: their types are judged, or listed by the unjudged-types note."""

AZURE_PACKAGES: Final[frozenset[str]] = frozenset({"azapi", "azure-justrun", "azuredevops", "azurerm", "azure-classic"})
"""Provider packages known to manage Azure besides the two the pack judges."""

# Provider configuration keys of Azure providers (azure-native, azurerm/azapi: subscription, tenant,
# client and managed-identity settings).
_AZURE_PROVIDER_KEYS: Final[frozenset[str]] = frozenset(
    {"subscriptionid", "tenantid", "clientid", "usemsi", "useoidc", "auxiliarytenantids", "msiendpoint"}
)
_ARM_ID: Final = re.compile(r"^/subscriptions/[^/]+(/|$)|^Microsoft\.[A-Za-z]+/[A-Za-z]", re.IGNORECASE)


def _package(type_token: str) -> str:
    package = type_token.partition(":")[0]
    return "azure-native" if package.startswith("azure-native_") else package


def _looks_azure(value: object, depth: int = 0) -> bool:
    """An ARM id or ARM type anywhere in the first levels of a value."""
    if depth > 3:
        return False
    if isinstance(value, str):
        return _ARM_ID.match(value.strip()) is not None
    if isinstance(value, Mapping):
        return any(_looks_azure(item, depth + 1) for item in value.values())
    if isinstance(value, list):
        return any(_looks_azure(item, depth + 1) for item in value[:20])
    return False


def targets_azure(resource: StackResource) -> bool:
    """A resource of a provider the pack does not know that manages Azure: its package is an Azure
    one by name (`azapi`, anything with "azure" in it), its provider is configured with Azure
    settings (subscription, tenant, client id, managed identity), or it is a custom resource (it has
    a provider; components do not) whose properties hold an ARM id or an ARM resource type
    (`/subscriptions/...`, `Microsoft.Storage/storageAccounts@...`)."""
    package = _package(resource.type)
    if package in KNOWN_PACKAGES or not package:
        return False
    if package in AZURE_PACKAGES or "azure" in package.lower() or "azapi" in package.lower():
        return True
    if resource.provider is None:
        return False  # a component resource: its children are registered and judged themselves
    if any(key.lower() in _AZURE_PROVIDER_KEYS for key in resource.provider_props):
        return True
    return any(_looks_azure(resource.get(key)) for key in list(resource.raw_props)[:50])


def _opaque_message(name: str, type_token: str, what: str) -> str:
    return (
        f"'{name}' ({type_token}) is {what}: the pack cannot see what it does in Azure, so no "
        "policy judged it. Declare the resource with the azure-native or azure provider instead, or exempt it by "
        "name with a reason and an expiry in this policy's exemptions config."
    )


def _opaque_type(resource: Resource, _config: PolicyConfig) -> Iterator[Finding]:
    """Generic resources, deployment scripts and dynamic providers, judged as each is registered
    (before a script runs, even with `pulumi up --skip-preview`)."""
    what = OPAQUE[resource.type]
    if resource.type in GENERIC_RESOURCES:
        generic = arm.generic_resource(resource.props, resource.name)
        if isinstance(generic, arm.TemplateResource):
            return  # an ARM type the pack judges: the policies of that type judge it (pack.py)
        if generic.unknown:
            yield unknown_value(resource.subject, generic.path or "resourceType")
            return
        what = f"{what}: {generic.why}"
    yield violation(_opaque_message(resource.name, resource.type, what))


def _unknown_providers(stack: StackIndex, _config: PolicyConfig) -> Iterator[Finding]:
    """Custom resources of providers the pack does not know that manage Azure (their types cannot
    be listed in advance, so they are found in the whole stack)."""
    for resource in stack.resources:
        if resource.type in OPAQUE or not targets_azure(resource):
            continue
        what = f"a resource of the provider '{_package(resource.type)}', which the pack does not know, that manages Azure"
        yield violation(_opaque_message(resource.name, resource.type, what), urn=resource.urn, name=resource.name)


def _visible_template(resource: Resource, _config: PolicyConfig) -> Iterator[Finding]:
    expansion = arm.expand_deployment(resource.type, resource.props, resource.name)
    for blind in expansion.blind:
        if blind.unknown:
            yield unknown_value(resource.subject, blind.path or "template")
            continue
        yield violation(
            f"deployment '{resource.name}' ({resource.type}): '{blind.where}' cannot be judged: {blind.why}. The "
            "resources it deploys pass no policy; inline the template (its resources are then judged like any "
            "other), or exempt the deployment by name with a reason and an expiry."
        )


# Security properties by type: every field a policy reads (set_fields).
_FIELDS: dict[str, tuple[tuple[str, ...], ...]] = {}


def _segments(path: str) -> tuple[str, ...]:
    """A property path as lower-case segments: `a.b[0].c`, `a.b[].c`, `a["b"].c` all read a.b.c."""
    text = re.sub(r"\[\s*\d*\s*\]", "", path)
    text = re.sub(r"\[\s*[\"']([^\"']*)[\"']\s*\]", r".\1", text)
    return tuple(part.strip().lower() for part in text.split(".") if part.strip())


def set_fields(specs: Iterable[PolicySpec]) -> None:
    """Record the properties each policy reads, by type (the policies package calls it once)."""
    found: dict[str, set[tuple[str, ...]]] = {}
    for spec in specs:
        for item in spec.fields:
            found.setdefault(item.type_token, set()).add(_segments(item.path))
    _FIELDS.clear()
    _FIELDS.update({token: tuple(sorted(paths)) for token, paths in found.items()})


def _covers(ignored: tuple[str, ...], field: tuple[str, ...]) -> bool:
    """True when ignoring `ignored` ignores (part of) `field`: one is a prefix of the other (`*`
    matches any segment)."""
    for left, right in zip(ignored, field, strict=False):
        if left != right and "*" not in (left, right):
            return False
    return True


def _ignored_security_changes(stack: StackIndex, _config: PolicyConfig) -> Iterator[Finding]:
    for resource in stack.resources:
        if not resource.ignore_changes:
            continue
        fields = _FIELDS.get(resource.type, ())
        hits = sorted(
            {
                ".".join(field)
                for entry in resource.ignore_changes
                for field in fields
                if (segments := _segments(entry)) and _covers(segments, field)
            }
        )
        if not hits:
            continue
        yield violation(
            f"{resource.subject} ignores changes to security properties ({', '.join(hits)}; ignoreChanges "
            f"{list(resource.ignore_changes)}): they can drift or be changed outside the program and `pulumi up` "
            "would never set them back, so the pack's check of the inputs says nothing about the resource in "
            "Azure. Remove them from ignoreChanges (or exempt the resource with a reason and an expiry).",
            urn=resource.urn,
            name=resource.name,
        )


POLICIES: tuple[ResourcePolicySpec | StackPolicySpec, ...] = (
    ResourcePolicySpec(
        name="azurenative-resources-deployment-visible-template",
        controls=_CONTROLS,
        description=(
            "ARM template deployments (every scope, both providers) deploy only inline templates the pack can "
            "read; linked templates, template specs and deployment stacks cannot be judged."
        ),
        severity="high",
        remediation=(
            "Inline the template (`template` / `templateContent`) so the pack judges its resources, declare the "
            "resources with the provider, or exempt the deployment by name with a reason and an expiry."
        ),
        fields=(Field("azure-native:resources:Deployment", "properties.template"),),
        resource_types=tuple(sorted(arm.ALL_DEPLOYMENTS)),
        rule=_visible_template,
    ),
    ResourcePolicySpec(
        name="azurenative-resources-resource-opaque-to-policies",
        controls=_CONTROLS,
        description=(
            "Generic ARM resources, deployment scripts and dynamic provider resources cannot be judged by any "
            "policy, so each one is a finding."
        ),
        severity="high",
        remediation=(
            "Declare the resource with the azure-native or azure provider so the pack judges it, or exempt it by "
            "name with a reason and an expiry in this policy's exemptions config."
        ),
        fields=(Field("azure-native:resources:Resource", "resourceType"),),
        resource_types=tuple(OPAQUE),
        rule=_opaque_type,
    ),
    StackPolicySpec(
        name="azurenative-resources-stack-opaque-resources",
        controls=_CONTROLS,
        description=(
            "Resources of providers the pack does not know that manage Azure cannot be judged by any policy, so each one is a finding."
        ),
        severity="high",
        remediation=(
            "Declare the resource with the azure-native or azure provider so the pack judges it, or exempt it by "
            "name with a reason and an expiry in this policy's exemptions config."
        ),
        fields=(Field("azure-native:resources:Resource", "resourceType"),),
        rule=_unknown_providers,
    ),
    StackPolicySpec(
        name="azurenative-resources-stack-ignored-security-changes",
        controls=_CONTROLS,
        description=("No resource ignores changes (ignoreChanges) to a security property a policy of the pack checks."),
        severity="high",
        # Reported, not blocking (issue wording: "is reported"): a stack may knowingly adopt a
        # resource it does not set (e.g. the Defender plans a first run imports as they are);
        # the organisation raises it to mandatory in its config.
        level="advisory",
        remediation="Remove security properties from the resource's ignoreChanges option.",
        fields=(Field(tokens.STORAGE_ACCOUNT, "allowSharedKeyAccess"),),
        rule=_ignored_security_changes,
    ),
)
