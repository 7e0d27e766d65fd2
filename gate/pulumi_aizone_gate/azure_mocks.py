"""Mock provider behaviour for Azure: realistic ids, names and the computed outputs programs wire.

``new_resource`` returns what Azure would: outputs = inputs + ``id`` (an ARM resource id built
from the type token and the name inputs) + ``name`` + ``type`` + a few provider-computed values
(identity principal ids, endpoints). Everything is deterministic, so two runs print the same plan.
``call`` answers the client-config invokes with camelCase keys (the wire names the SDK reads), and
every other invoke an installed SDK declares with a value for each field of its result type
(``invokes.answer``). ``pulumi.StackReference`` reads the outputs given in ``STACK_REFERENCES``
(``--stack-reference NAME=FILE``); a stack not given there has outputs that are unknown, as in a
preview whose values are not known yet (the engine's unknown sentinel, ``wire.UNKNOWN``): ``apply``
callbacks on them do not run, and inputs built from them reach the pack as unknown.
Each mock records what it supplied offline (``supplied``), so a program that fails on one of
those values is told so.
"""

from __future__ import annotations

from typing import Any, Mapping, Optional

import pulumi
from pulumi.runtime.mocks import MockCallArgs, MockResourceArgs, Mocks

from . import invokes
from .identity import CLIENT_ID, OBJECT_ID, SUBSCRIPTION_ID, TENANT_ID, fake_guid
from .wire import UNKNOWN

__all__ = [
    "CLIENT_ID",
    "EXISTING_RESOURCES",
    "OBJECT_ID",
    "STACK_REFERENCES",
    "SUBSCRIPTION_ID",
    "TENANT_ID",
    "AzureMocks",
    "fake_guid",
    "lookup_id",
]

# Type token (without "azure-native:") -> (ARM namespace, [(ARM type segment, name input), ...]).
# The last segment is the resource itself; earlier ones are its parents, named by inputs such as
# accountName. A name input starting with "=" is a literal (e.g. the "default" blob service).
_ARM_TYPES: dict[str, tuple[str, list[tuple[str, str]]]] = {
    "cognitiveservices:Account": ("Microsoft.CognitiveServices", [("accounts", "accountName")]),
    "cognitiveservices:Deployment": (
        "Microsoft.CognitiveServices",
        [("accounts", "accountName"), ("deployments", "deploymentName")],
    ),
    "cognitiveservices:RaiPolicy": (
        "Microsoft.CognitiveServices",
        [("accounts", "accountName"), ("raiPolicies", "raiPolicyName")],
    ),
    "cognitiveservices:Project": (
        "Microsoft.CognitiveServices",
        [("accounts", "accountName"), ("projects", "projectName")],
    ),
    "network:VirtualNetwork": ("Microsoft.Network", [("virtualNetworks", "virtualNetworkName")]),
    "network:Subnet": (
        "Microsoft.Network",
        [("virtualNetworks", "virtualNetworkName"), ("subnets", "subnetName")],
    ),
    "network:NetworkSecurityGroup": (
        "Microsoft.Network",
        [("networkSecurityGroups", "networkSecurityGroupName")],
    ),
    "network:PrivateEndpoint": ("Microsoft.Network", [("privateEndpoints", "privateEndpointName")]),
    "network:PrivateDnsZoneGroup": (
        "Microsoft.Network",
        [("privateEndpoints", "privateEndpointName"), ("privateDnsZoneGroups", "privateDnsZoneGroupName")],
    ),
    "privatedns:PrivateZone": ("Microsoft.Network", [("privateDnsZones", "privateZoneName")]),
    "privatedns:VirtualNetworkLink": (
        "Microsoft.Network",
        [("privateDnsZones", "privateZoneName"), ("virtualNetworkLinks", "virtualNetworkLinkName")],
    ),
    "operationalinsights:Workspace": ("Microsoft.OperationalInsights", [("workspaces", "workspaceName")]),
    "storage:StorageAccount": ("Microsoft.Storage", [("storageAccounts", "accountName")]),
    "storage:BlobContainer": (
        "Microsoft.Storage",
        [("storageAccounts", "accountName"), ("blobServices", "=default"), ("containers", "containerName")],
    ),
    "keyvault:Vault": ("Microsoft.KeyVault", [("vaults", "vaultName")]),
    "keyvault:Secret": ("Microsoft.KeyVault", [("vaults", "vaultName"), ("secrets", "secretName")]),
    "search:Service": ("Microsoft.Search", [("searchServices", "searchServiceName")]),
    "apimanagement:ApiManagementService": ("Microsoft.ApiManagement", [("service", "serviceName")]),
    "apimanagement:Api": ("Microsoft.ApiManagement", [("service", "serviceName"), ("apis", "apiId")]),
    "apimanagement:ApiPolicy": (
        "Microsoft.ApiManagement",
        [("service", "serviceName"), ("apis", "apiId"), ("policies", "policyId")],
    ),
    "apimanagement:Backend": (
        "Microsoft.ApiManagement",
        [("service", "serviceName"), ("backends", "backendId")],
    ),
    "apimanagement:Logger": ("Microsoft.ApiManagement", [("service", "serviceName"), ("loggers", "loggerId")]),
    "applicationinsights:Component": ("Microsoft.Insights", [("components", "resourceName")]),
    "managedidentity:UserAssignedIdentity": (
        "Microsoft.ManagedIdentity",
        [("userAssignedIdentities", "resourceName")],
    ),
    "app:ContainerAppsSessionPool": ("Microsoft.App", [("sessionPools", "sessionPoolName")]),
    "app:ManagedEnvironment": ("Microsoft.App", [("managedEnvironments", "environmentName")]),
    "app:ContainerApp": ("Microsoft.App", [("containerApps", "containerAppName")]),
    "containerregistry:Registry": ("Microsoft.ContainerRegistry", [("registries", "registryName")]),
    "purview:Account": ("Microsoft.Purview", [("accounts", "accountName")]),
    "machinelearningservices:Workspace": (
        "Microsoft.MachineLearningServices",
        [("workspaces", "workspaceName")],
    ),
    "monitor:ActionGroup": ("Microsoft.Insights", [("actionGroups", "actionGroupName")]),
    "monitor:ScheduledQueryRule": ("Microsoft.Insights", [("scheduledQueryRules", "ruleName")]),
    "monitor:MetricAlert": ("Microsoft.Insights", [("metricAlerts", "ruleName")]),
}

# Extension resources live under another resource (or scope) named by an input.
# Type token -> (scope input, ARM namespace, ARM type, name input).
_EXTENSION_TYPES: dict[str, tuple[str, str, str, str]] = {
    "authorization:RoleAssignment": ("scope", "Microsoft.Authorization", "roleAssignments", "roleAssignmentName"),
    "authorization:PimRoleEligibilitySchedule": (
        "scope",
        "Microsoft.Authorization",
        "roleEligibilitySchedules",
        "roleEligibilityScheduleName",
    ),
    "monitor:DiagnosticSetting": ("resourceUri", "Microsoft.Insights", "diagnosticSettings", "name"),
    "security:Pricing": ("scopeId", "Microsoft.Security", "pricings", "pricingName"),
}

# Resources whose own `type` input has a provider default (the SDK's docstring of storage:Blob's
# `type`: "The type of the storage blob to be created. Defaults to 'Block'.").
_DEFAULT_TYPE_INPUTS = {"storage:Blob": "Block"}

# Resources whose name Azure generates as a GUID when the program gives none.
_GUID_NAMED = frozenset({"authorization:RoleAssignment", "authorization:PimRoleEligibilitySchedule"})

# azuread resources: output -> always faked when the program does not set it.
_AZUREAD_OUTPUTS: dict[str, tuple[str, ...]] = {
    "azuread:index/application:Application": ("objectId", "clientId"),
    "azuread:index/servicePrincipal:ServicePrincipal": ("objectId",),
    "azuread:index/group:Group": ("objectId",),
    "azure:authorization/userAssignedIdentity:UserAssignedIdentity": ("principalId", "clientId", "tenantId"),
}


# "get" invokes the mocks answer like ARM: token -> (ARM namespace, type segment, name argument).
_LOOKUPS: dict[str, tuple[str, str, str]] = {
    "azure-native:apimanagement:getApiManagementService": ("Microsoft.ApiManagement", "service", "serviceName"),
    # Nested types name their parents with `{argument}` placeholders.
    "azure-native:apimanagement:getLogger": ("Microsoft.ApiManagement", "service/{serviceName}/loggers", "loggerId"),
}
# Resources that exist before the program runs, by ARM id -> the lookup's result (camelCase).
# Empty, as in a fresh subscription: every lookup fails the way azure-native reports ARM's 404. A
# test program may put its own entries here for its run (and must remove them afterwards).
EXISTING_RESOURCES: dict[str, dict[str, Any]] = {}


def lookup_id(resource_group: str, namespace: str, type_segment: str, name: str) -> str:
    """The ARM id a lookup of `name` in `resource_group` reads."""
    return f"/subscriptions/{SUBSCRIPTION_ID}/resourceGroups/{resource_group}/providers/{namespace}/{type_segment}/{name}"


def _lookup(token: str, args: dict[str, Any]) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """An existing resource's properties, else azure-native's not-found failure (wording as in
    pulumi/pulumi-azure-native#3796, status and code as ARM answers a missing resource)."""
    namespace, type_segment, name_key = _LOOKUPS[token]
    type_segment = type_segment.format(**{key: _text(value) for key, value in args.items()})
    group, name = _text(args.get("resourceGroupName")), _text(args.get(name_key))
    resource_id = lookup_id(group, namespace, type_segment, name)
    found = EXISTING_RESOURCES.get(resource_id)
    if found is not None:
        return {"id": resource_id, "name": name, **found}, []
    reason = (
        f"invocation of {token} returned an error: request failed {resource_id}: "
        f"GET https://management.azure.com{resource_id}\nRESPONSE 404: 404 Not Found\nERROR CODE: ResourceNotFound\n"
        f"The Resource '{namespace}/{type_segment}/{name}' under resource group '{group}' was not found."
    )
    return {}, [("", reason)]


STACK_REFERENCE_TYPE = "pulumi:pulumi:StackReference"
# Another stack's outputs by the stack name the program passes to pulumi.StackReference; set for a
# run by runner.run (from --stack-reference NAME=FILE). A stack not listed here has unknown outputs.
STACK_REFERENCES: dict[str, dict[str, Any]] = {}


class AzureMocks(Mocks):
    """Pulumi mocks that behave like azure-native (and azuread) closely enough for wiring."""

    def __init__(self, stack_references: Optional[Mapping[str, Mapping[str, Any]]] = None) -> None:
        # Other stacks' outputs given with --stack-reference: this engine's own, or (the in-process
        # recorder) the module's STACK_REFERENCES, set for one run.
        self.stack_references: Mapping[str, Mapping[str, Any]] = (
            STACK_REFERENCES if stack_references is None else {name: dict(outputs) for name, outputs in stack_references.items()}
        )
        # What the gate made up for the program, in order: ("invoke", token) for each invoke it
        # answered from the SDK's result type, ("stack", name) for each stack reference; and the
        # distinctive strings among those values, to recognise them in a failure's message.
        self.supplied: list[tuple[str, str]] = []
        self._values: dict[tuple[str, str], set[str]] = {}

    def new_resource(self, args: MockResourceArgs) -> tuple[Optional[str], dict[str, Any]]:
        """Return (id, outputs) for a registered resource."""
        if args.typ == STACK_REFERENCE_TYPE:
            return self._stack_reference(args)
        if not args.custom:
            return "", {}
        inputs: dict[str, Any] = dict(args.inputs)
        if args.typ.startswith("pulumi:providers:"):
            return fake_guid(args.typ, args.name), inputs
        if args.typ.startswith("azure-native:"):
            return _azure_native_resource(args.typ.removeprefix("azure-native:"), args.name, inputs)
        resource_id = args.resource_id or fake_guid(args.typ, args.name)
        for output in _AZUREAD_OUTPUTS.get(args.typ, ()):
            inputs.setdefault(output, fake_guid(resource_id, output))
        if args.typ == "azure:hdinsight/sparkCluster:SparkCluster":
            # A cluster's public DNS name is <clustername>.azurehdinsight.net (Microsoft Learn,
            # azure/hdinsight/find-host-name); the classic provider's httpsEndpoint is that host.
            inputs.setdefault("httpsEndpoint", f"{_text(inputs.get('name')) or args.name}.azurehdinsight.net")
        return resource_id, inputs

    def call(self, args: MockCallArgs) -> tuple[dict[str, Any], Optional[list[tuple[str, str]]]]:
        """Answer invokes: lookups (`_LOOKUPS`) from EXISTING_RESOURCES or as not found; client
        configuration as the gate's identity; every other function an installed SDK declares with
        every field of its result type (a Purview account with a system-assigned identity); a
        token no installed SDK declares, empty. Each made-up answer is recorded in ``supplied``.

        The second element lists check failures; MockMonitor iterates it, so it is never None.
        """
        if args.token in _LOOKUPS:
            return _lookup(args.token, dict(args.args))
        if args.token == "azure-native:authorization:getClientConfig":
            answered: dict[str, Any] = {
                "clientId": CLIENT_ID,
                "objectId": OBJECT_ID,
                "subscriptionId": SUBSCRIPTION_ID,
                "tenantId": TENANT_ID,
            }
        elif args.token == "azuread:index/getClientConfig:getClientConfig":
            answered = {"clientId": CLIENT_ID, "id": CLIENT_ID, "objectId": OBJECT_ID, "tenantId": TENANT_ID}
        else:
            try:
                answered = invokes.answer(args.token, dict(args.args))
            except invokes.UnknownInvoke:
                return {}, []
        if args.token == "azure-native:purview:getAccount":
            account = "/".join(str(args.args.get(key, "")) for key in ("resourceGroupName", "accountName"))
            answered["identity"] = {"type": "SystemAssigned", "principalId": fake_guid(account, "identity.principalId")}
        self._supplied("invoke", args.token, answered)
        return answered, []

    def _stack_reference(self, args: MockResourceArgs) -> tuple[Optional[str], dict[str, Any]]:
        """Another stack's outputs: as given in STACK_REFERENCES, else unknown."""
        name = _text(args.inputs.get("name")) or args.resource_id or args.name
        given = self.stack_references.get(name)
        self._supplied("stack", name, given)
        if given is None:
            return name, {"name": name, "outputs": UNKNOWN, "secretOutputNames": UNKNOWN}
        return name, {"name": name, "outputs": dict(given), "secretOutputNames": []}

    def failure_note(self, traceback_text: str) -> str:
        """A sentence for a program failure that may come from a value supplied here ("" if none
        was): names the invokes and stack references, first those the failing code calls."""
        if not self.supplied:
            return ""
        described = [_describe_supplied(kind, what, what in self.stack_references) for kind, what in self.supplied]
        pinned = [
            text
            for (kind, what), text in zip(self.supplied, described, strict=True)
            if (kind == "invoke" and invokes.python_function_name(what) in traceback_text)
            or (kind == "stack" and any(word in traceback_text for word in ("stack_reference.py", "StackReference", "_output(", what)))
            or any(value in traceback_text for value in self._values.get((kind, what), ()))
        ]
        if pinned:
            return (
                f" [the failing code uses {', '.join(pinned)}: values the gate supplied offline, not read from Azure "
                "or Pulumi Cloud; the real values may differ]"
            )
        return (
            f" [the program read values the gate supplied offline, not from Azure or Pulumi Cloud: {', '.join(described)}; "
            "if the failing code uses them, the failure may come from these stand-ins]"
        )

    def _supplied(self, kind: str, what: str, values: Any = None) -> None:
        if (kind, what) not in self.supplied:
            self.supplied.append((kind, what))
        self._values.setdefault((kind, what), set()).update(_distinctive_strings(values))


def _distinctive_strings(value: Any) -> set[str]:
    """The strings in a supplied value long enough to be recognised in an error message."""
    if isinstance(value, str):
        return {value} if len(value) >= 8 else set()
    if isinstance(value, dict):
        return set().union(*(_distinctive_strings(v) for v in value.values())) if value else set()
    if isinstance(value, list):
        return set().union(*(_distinctive_strings(v) for v in value)) if value else set()
    return set()


def _describe_supplied(kind: str, what: str, given: bool) -> str:
    if kind == "invoke":
        return f"the result of invoke {what}"
    if given:
        return f"the outputs of stack reference '{what}' (from --stack-reference)"
    return f"the outputs of stack reference '{what}' (unknown offline; give them with --stack-reference {what}=FILE)"


def _azure_native_resource(token: str, logical_name: str, inputs: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """ARM id, name, type and computed outputs for an azure-native resource."""
    if token == "resources:ResourceGroup":
        name = _text(inputs.get("resourceGroupName")) or logical_name
        # azure-native's provider config `location`: "ResourceGroups will consult this property
        # for a default location, if one was not supplied explicitly when defining the resource"
        # (the SDK's docstring, pulumi_azure_native/config/vars.py, azure-native 3.29).
        default_location = _text(pulumi.Config("azure-native").get("location"))
        if default_location:
            inputs.setdefault("location", default_location)
        resource_id = f"/subscriptions/{SUBSCRIPTION_ID}/resourceGroups/{name}"
        arm_type = "Microsoft.Resources/resourceGroups"
    elif token in _EXTENSION_TYPES:
        scope_key, namespace, type_segment, name_key = _EXTENSION_TYPES[token]
        name = _text(inputs.get(name_key)) or _default_name(token, logical_name, inputs)
        scope = _text(inputs.get(scope_key)) or f"subscriptions/{SUBSCRIPTION_ID}"
        resource_id = f"/{scope.strip('/')}/providers/{namespace}/{type_segment}/{name}"
        arm_type = f"{namespace}/{type_segment}"
    else:
        namespace, segments = _ARM_TYPES.get(token) or _generic_arm_type(token, inputs)
        path: list[str] = []
        name = logical_name
        for index, (segment, name_key) in enumerate(segments):
            is_leaf = index == len(segments) - 1
            if name_key.startswith("="):
                value = name_key[1:]
            elif is_leaf:
                value = _text(inputs.get(name_key)) or _default_name(token, logical_name, inputs)
            else:
                value = _text(inputs.get(name_key)) or "unknown"
            path.append(f"{segment}/{value}")
            if is_leaf:
                name = value
        resource_id = f"{_resource_group_scope(inputs)}/providers/{namespace}/{'/'.join(path)}"
        arm_type = f"{namespace}/{'/'.join(segment for segment, _ in segments)}"
    outputs = dict(inputs)
    outputs.update({"id": resource_id, "name": name})
    # A resource that takes a `type` input (storage:Blob's Block/Append/Page, a VM extension's
    # handler type) returns that input as its `type` output; the others return their ARM type.
    outputs.setdefault("type", _DEFAULT_TYPE_INPUTS.get(token, arm_type))
    _add_computed_outputs(token, resource_id, name, outputs)
    return resource_id, outputs


def _resource_group_scope(inputs: dict[str, Any]) -> str:
    group = _text(inputs.get("resourceGroupName"))
    if group:
        return f"/subscriptions/{SUBSCRIPTION_ID}/resourceGroups/{group}"
    return f"/subscriptions/{SUBSCRIPTION_ID}"


def _generic_arm_type(token: str, inputs: dict[str, Any]) -> tuple[str, list[tuple[str, str]]]:
    """Fallback: azure-native:foo:BarBaz -> Microsoft.Foo/barBazs, named by its first *Name input."""
    module, _, type_name = token.partition(":")
    namespace = "Microsoft." + module[:1].upper() + module[1:]
    segment = type_name[:1].lower() + type_name[1:] + "s"
    name_key = next(
        (k for k in inputs if k.endswith("Name") and k != "resourceGroupName" and isinstance(inputs[k], str)),
        "name",
    )
    return namespace, [(segment, name_key)]


def _default_name(token: str, logical_name: str, inputs: dict[str, Any]) -> str:
    """The name Azure ends up with when the program gives none."""
    if token in _GUID_NAMED:
        return fake_guid(token, logical_name, _text(inputs.get("scope")))
    return logical_name


def _add_computed_outputs(token: str, resource_id: str, name: str, outputs: dict[str, Any]) -> None:
    """Provider-computed values that programs commonly read (principal ids, endpoints)."""
    if token == "managedidentity:UserAssignedIdentity":
        outputs.setdefault("principalId", fake_guid(resource_id, "principalId"))
        outputs.setdefault("clientId", fake_guid(resource_id, "clientId"))
        outputs.setdefault("tenantId", TENANT_ID)
    identity = outputs.get("identity")
    if isinstance(identity, dict):
        outputs["identity"] = _identity_outputs(resource_id, identity)
    properties = outputs.get("properties")
    if token == "cognitiveservices:Account":
        props = dict(properties) if isinstance(properties, dict) else {}
        subdomain = _text(props.get("customSubDomainName")) or name
        props.setdefault("endpoint", f"https://{subdomain}.cognitiveservices.azure.com/")
        outputs["properties"] = props
    elif token == "keyvault:Vault" and isinstance(properties, dict):
        outputs["properties"] = {**properties, "vaultUri": properties.get("vaultUri") or f"https://{name}.vault.azure.net/"}
    elif token == "storage:StorageAccount":
        # `web` is the static website endpoint, https://<account>.<zone>.web.core.windows.net/
        # (MicrosoftDocs azure-docs, articles/storage/blobs/storage-blob-static-website.md); the
        # zone number varies by account, z1 stands for it.
        endpoints = {kind: f"https://{name}.{kind}.core.windows.net/" for kind in ("blob", "dfs", "file", "queue", "table")}
        outputs.setdefault("primaryEndpoints", {**endpoints, "web": f"https://{name}.z1.web.core.windows.net/"})
    elif token == "web:WebApp":
        # An app's default hostname: <app-name>.azurewebsites.net, or for apps created since
        # 2024-06-01 with the option, <app-name>-<random-hash>.<region>.azurewebsites.net
        # (MicrosoftDocs azure-docs, articles/app-service/includes/regionalization-note.md).
        outputs.setdefault("defaultHostName", f"{name}.azurewebsites.net")
    elif token == "operationalinsights:Workspace":
        outputs.setdefault("customerId", fake_guid(resource_id, "customerId"))
    elif token == "containerregistry:Registry":
        outputs.setdefault("loginServer", f"{name}.azurecr.io")
    elif token == "apimanagement:ApiManagementService":
        outputs.setdefault("gatewayUrl", f"https://{name}.azure-api.net")
    elif token == "applicationinsights:Component":
        key = fake_guid(resource_id, "instrumentationKey")
        outputs.setdefault("instrumentationKey", key)
        outputs.setdefault(
            "connectionString",
            f"InstrumentationKey={key};IngestionEndpoint=https://{outputs.get('location') or 'region'}-0.in.applicationinsights.azure.com/",
        )


def _identity_outputs(resource_id: str, identity: dict[str, Any]) -> dict[str, Any]:
    """Fill principalId/tenantId for system-assigned identities and each user-assigned one."""
    result = dict(identity)
    identity_type = _text(identity.get("type")).replace(" ", "").lower()
    if "systemassigned" in identity_type:
        result.setdefault("principalId", fake_guid(resource_id, "identity.principalId"))
        result.setdefault("tenantId", TENANT_ID)
    assigned = identity.get("userAssignedIdentities")
    if isinstance(assigned, dict):
        result["userAssignedIdentities"] = {
            str(key): {
                **(value if isinstance(value, dict) else {}),
                "principalId": fake_guid(str(key), "principalId"),
                "clientId": fake_guid(str(key), "clientId"),
            }
            for key, value in assigned.items()
        }
    elif isinstance(assigned, list):
        result["userAssignedIdentities"] = {
            str(key): {"principalId": fake_guid(str(key), "principalId"), "clientId": fake_guid(str(key), "clientId")} for key in assigned
        }
    return result


def _text(value: Any) -> str:
    """A string input, "" when absent or not a string (e.g. an unknown value)."""
    return value if isinstance(value, str) else ""
