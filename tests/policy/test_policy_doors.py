"""No door without a finding: ARM templates, opaque resources, unknown values, ignoreChanges and
resources read with `.get()` (policies/doors.py, arm.py, pack.py).

Template resources are judged by the same policies as resources declared with the provider: every
one-field violation case of policy_cases, written as an ARM resource in an inline template, gives
the same finding (named `<deployment>/<resource>`), and every compliant baseline passes."""

from __future__ import annotations

import copy
import importlib
import inspect
import json
from collections.abc import Mapping
from typing import Any

import pytest
from policy_cases import BASELINES, VIOLATIONS, Case, case_params, changed, diagnostics_of, judge
from pulumi.runtime.proto import analyzer_pb2

from pulumi_aizone_policy import arm, scope, tokens as t
from pulumi_aizone_policy.harness import UNKNOWN_VALUE, PackAnalyzer, StackItem

DEPLOYMENT = "azure-native:resources:Deployment"
CLASSIC = "azure:core/resourceGroupTemplateDeployment:ResourceGroupTemplateDeployment"
VISIBLE = "azurenative-resources-deployment-visible-template"
OPAQUE = "azurenative-resources-stack-opaque-resources"
OPAQUE_TYPE = "azurenative-resources-resource-opaque-to-policies"
IGNORED = "azurenative-resources-stack-ignored-security-changes"
UNJUDGED = "azurenative-resources-stack-unjudged-types"
STORAGE_SHARED_KEY = "azurenative-storage-storageaccount-disable-shared-key"
AI_LOCAL = "azurenative-cognitiveservices-account-disable-local-auth"

_SHARED_ID = "/subscriptions/sub/resourceGroups/platform/providers/Microsoft.Storage/storageAccounts/shared"
DOORS_PROVEN = (VISIBLE, OPAQUE, OPAQUE_TYPE, IGNORED)
"""Policies whose violating cases are in this module (test_policy_catalog checks every policy has one)."""

_ARM_TYPE = {token: arm_type for arm_type, token in arm.ARM_TYPES.items()}
_TOP_LEVEL = ("location", "tags", "sku", "kind", "identity", "zones", "plan", "extendedLocation", "scope")


def arm_resource(token: str, props: Mapping[str, Any], name: str = "res", arm_type: str | None = None) -> dict[str, Any]:
    """A provider-shaped resource written as ARM writes it (the inverse of arm.provider_shape)."""
    body: dict[str, Any] = {"type": arm_type or _ARM_TYPE[token], "apiVersion": "2024-10-01", "name": name}
    settings: dict[str, Any] = {}
    for key, value in copy.deepcopy(dict(props)).items():
        if key in _TOP_LEVEL:
            body[key] = value
        elif token in arm.KEEPS_PROPERTIES and key == "properties":
            settings.update(value)
        elif token in arm.KEEPS_PROPERTIES:
            body[key] = value
        else:
            settings[key] = value
    identity = body.get("identity")
    if isinstance(identity, dict) and isinstance(identity.get("userAssignedIdentities"), list):
        identity["userAssignedIdentities"] = {uid: {} for uid in identity["userAssignedIdentities"]}
    if settings:
        body["properties"] = settings
    return body


def template(*resources: Mapping[str, Any], **sections: Any) -> dict[str, Any]:
    return {
        "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
        "contentVersion": "1.0.0.0",
        **sections,
        "resources": list(resources),
    }


def deployment(tpl: Mapping[str, Any], parameters: Mapping[str, Any] | None = None) -> dict[str, Any]:
    props: dict[str, Any] = {"resourceGroupName": "rg", "properties": {"mode": "Incremental", "template": tpl}}
    if parameters is not None:
        props["properties"]["parameters"] = {key: {"value": value} for key, value in parameters.items()}
    return props


def _found(diagnostics: list[Any]) -> list[tuple[str, str, str]]:
    return sorted((item.policy, item.level, item.message.split("\n", 1)[1]) for item in diagnostics)


# --- the translation table, checked against the installed SDK -----------------------------------


def test_arm_types_map_to_sdk_tokens_and_flattening() -> None:
    """Every mapped token exists in azure-native v3, and it keeps `properties` exactly when its
    resource class takes a `properties` argument (x-ms-client-flatten otherwise)."""
    for token in set(arm.ARM_TYPES.values()):
        _, module, name = token.split(":")
        cls = getattr(importlib.import_module(f"pulumi_azure_native.{module}"), name)
        params = inspect.signature(cls._internal_init).parameters
        takes_properties = "properties" in params
        assert takes_properties == (token in arm.KEEPS_PROPERTIES or token in arm.NESTED_PROPERTIES), token
    # An API Management backend is flattened: its url is an argument, its own `properties` nested.
    backend = importlib.import_module("pulumi_azure_native.apimanagement").Backend
    assert "url" in inspect.signature(backend._internal_init).parameters


def test_deployment_tokens_exist_in_the_sdks() -> None:
    import pulumi_azure.core as core
    import pulumi_azure.management as management
    import pulumi_azure_native.resources as resources

    for token in (*arm.NATIVE_DEPLOYMENTS, *arm.DEPLOYMENT_STACKS):
        assert hasattr(resources, token.rsplit(":", 1)[1]), token
    for token in arm.CLASSIC_DEPLOYMENTS - {arm.LEGACY_CLASSIC_DEPLOYMENT}:
        module = core if token.startswith("azure:core/") else management
        assert hasattr(module, token.rsplit(":", 1)[1]), token
    # The pre-5.x token survives as an alias of ResourceGroupTemplateDeployment.
    assert arm.LEGACY_CLASSIC_DEPLOYMENT in inspect.getsource(core.ResourceGroupTemplateDeployment)


# --- item 3: inline templates are judged by the same policies -----------------------------------


@pytest.mark.controls("ACC-8")
@pytest.mark.parametrize("token", sorted(token for token in BASELINES if token in _ARM_TYPE))
def test_compliant_baseline_in_a_template_passes(analyzer: PackAnalyzer, token: str) -> None:
    assert analyzer.analyze(DEPLOYMENT, deployment(template(arm_resource(token, BASELINES[token]))), name="dep") == []


# allowBlobPublicAccess: unset is a finding only for API versions before 2023-01-01, and the remedy
# says so; the direct case is judged without a provider version (the worst assumed), the template
# states 2024-10-01: test_a_templates_api_version_selects_the_default covers it.
_VERSION_DEPENDENT = {(t.STORAGE_ACCOUNT, "allowBlobPublicAccess")}
_TEMPLATE_CASES = [
    case
    for case in VIOLATIONS
    if case.type in _ARM_TYPE and case.value != UNKNOWN_VALUE and not case.base and (case.type, case.path) not in _VERSION_DEPENDENT
]


@pytest.mark.parametrize("case", case_params(_TEMPLATE_CASES))
def test_violation_in_a_template_is_the_same_finding(analyzer: PackAnalyzer, case: Case) -> None:
    direct = _found(judge(analyzer, case.type, case.props(), name="res"))
    nested = judge(analyzer, DEPLOYMENT, deployment(template(arm_resource(case.type, case.props()))), name="dep")
    assert direct, case
    assert _found(nested) == [(policy, level, message.replace("'res'", "'dep/res'")) for policy, level, message in direct]


@pytest.mark.controls("ACC-1", "ACC-8")
def test_classic_template_content_is_judged(analyzer: PackAnalyzer) -> None:
    account = changed(BASELINES[t.STORAGE_ACCOUNT], "allowSharedKeyAccess", True)
    props = {
        "resourceGroupName": "rg",
        "deploymentMode": "Incremental",
        "templateContent": json.dumps(template(arm_resource(t.STORAGE_ACCOUNT, account))),
    }
    found = diagnostics_of(analyzer.analyze(CLASSIC, props, name="legacy"), STORAGE_SHARED_KEY, "mandatory")
    assert [item.message.split("\n", 1)[1] for item in found] == [
        "[ACC-1] Storage account 'legacy/res' allows shared-key (account key and SAS) authorization (allowSharedKeyAccess "
        "is true): set allowSharedKeyAccess = false; callers authenticate with Entra ID tokens and RBAC roles."
    ]


# Attacker variants: each hides the same insecure storage account (shared keys allowed).
_INSECURE = changed(BASELINES[t.STORAGE_ACCOUNT], "allowSharedKeyAccess", True)


def _nested_deployment(tpl: Mapping[str, Any], scope: str | None = None) -> dict[str, Any]:
    props: dict[str, Any] = {"mode": "Incremental", "template": tpl}
    if scope:
        props["expressionEvaluationOptions"] = {"scope": scope}
    return {"type": "Microsoft.Resources/deployments", "apiVersion": "2022-09-01", "name": "inner", "properties": props}


@pytest.mark.controls("ACC-1", "ACC-8")
@pytest.mark.parametrize(
    "props",
    [
        pytest.param(deployment(template(_nested_deployment(template(arm_resource(t.STORAGE_ACCOUNT, _INSECURE))))), id="nested-template"),
        pytest.param(
            deployment(template(_nested_deployment(template(_nested_deployment(template(arm_resource(t.STORAGE_ACCOUNT, _INSECURE))))))),
            id="nested-twice",
        ),
        pytest.param(
            deployment(template(arm_resource(t.STORAGE_ACCOUNT, _INSECURE, arm_type="MICROSOFT.STORAGE/STORAGEACCOUNTS"))),
            id="odd-case-type",
        ),
        pytest.param(
            deployment(
                template(
                    arm_resource(
                        t.STORAGE_ACCOUNT,
                        changed(_INSECURE, "allowSharedKeyAccess", "[parameters('keys')]"),
                        arm_type="Microsoft.Storage/storageAccounts",
                    ),
                    parameters={"keys": {"type": "bool", "defaultValue": False}},
                ),
                {"keys": True},
            ),
            id="parameter-overrides-default",
        ),
        pytest.param(
            deployment(
                template(
                    arm_resource(t.STORAGE_ACCOUNT, changed(_INSECURE, "allowSharedKeyAccess", "[variables('keys')]")),
                    variables={"keys": "[parameters('k')]"},
                    parameters={"k": {"type": "bool", "defaultValue": True}},
                )
            ),
            id="variable-of-parameter-default",
        ),
        pytest.param(
            deployment(template({**arm_resource(t.STORAGE_ACCOUNT, _INSECURE), "apiVersion": "2015-06-15-preview"})), id="old-api-version"
        ),
        pytest.param(
            deployment(
                template(
                    {
                        "type": "Microsoft.Web/sites",
                        "apiVersion": "2023-01-01",
                        "name": "parent",
                        "properties": {},
                        "resources": [_nested_deployment(template(arm_resource(t.STORAGE_ACCOUNT, _INSECURE)))],
                    }
                )
            ),
            id="deployment-nested-under-a-resource",
        ),
    ],
)
def test_template_tricks_do_not_hide_a_violation(analyzer: PackAnalyzer, props: dict[str, Any]) -> None:
    found = diagnostics_of(analyzer.analyze(DEPLOYMENT, props, name="dep"), STORAGE_SHARED_KEY, "mandatory")
    assert len(found) == 1 and "allowSharedKeyAccess is true" in found[0].message, found


def _symbolic(tpl: dict[str, Any]) -> dict[str, Any]:
    """languageVersion 2.0: resources keyed by symbolic name."""
    return {**tpl, "languageVersion": "2.0", "resources": {f"r{index}": item for index, item in enumerate(tpl["resources"])}}


@pytest.mark.controls("ACC-1", "ACC-8")
@pytest.mark.parametrize(
    "props",
    [
        pytest.param(deployment(_symbolic(template(arm_resource(t.STORAGE_ACCOUNT, _INSECURE)))), id="symbolic-names"),
        pytest.param(
            deployment(
                template(
                    {
                        **arm_resource(t.STORAGE_ACCOUNT, _INSECURE),
                        "copy": {"name": "many", "count": 3},
                        "name": "[concat('sa', copyIndex())]",
                    }
                )
            ),
            id="copy-loop",
        ),
        pytest.param(
            deployment(template(arm_resource(t.STORAGE_ACCOUNT, _INSECURE, arm_type=" Microsoft.Storage/storageAccounts "))),
            id="blank-padded-type",
        ),
        pytest.param(
            deployment(
                template(
                    {
                        **_nested_deployment(
                            template(
                                arm_resource(t.STORAGE_ACCOUNT, changed(_INSECURE, "allowSharedKeyAccess", "[parameters('Keys')]")),
                                parameters={"keys": {"type": "bool", "defaultValue": False}},
                            ),
                            scope="inner",
                        ),
                    }
                    | {
                        "properties": {
                            "mode": "Incremental",
                            "expressionEvaluationOptions": {"scope": "inner"},
                            "parameters": {"keys": {"value": True}},
                            "template": template(
                                arm_resource(t.STORAGE_ACCOUNT, changed(_INSECURE, "allowSharedKeyAccess", "[parameters('Keys')]")),
                                parameters={"keys": {"type": "bool", "defaultValue": False}},
                            ),
                        }
                    }
                )
            ),
            id="inner-scope-parameter-any-case",
        ),
        pytest.param(
            {
                "resourceGroupName": "rg",
                "templateContent": json.dumps(
                    template(arm_resource(t.STORAGE_ACCOUNT, changed(_INSECURE, "allowSharedKeyAccess", "[parameters('k')]")))
                ),
                "parametersContent": json.dumps({"$schema": "x", "contentVersion": "1.0.0.0", "parameters": {"k": {"value": True}}}),
            },
            id="classic-parameters-file",
        ),
        pytest.param(
            {
                "resourceGroupName": "rg",
                "deploymentMode": "Incremental",
                "templateBody": json.dumps(
                    template(arm_resource(t.STORAGE_ACCOUNT, changed(_INSECURE, "allowSharedKeyAccess", "[parameters('k')]")))
                ),
                "parameters": {"k": True},
            },
            id="legacy-classic-token",
        ),
    ],
)
def test_template_shapes_do_not_hide_a_violation(analyzer: PackAnalyzer, props: dict[str, Any]) -> None:
    token = CLASSIC if "templateContent" in props else arm.LEGACY_CLASSIC_DEPLOYMENT if "templateBody" in props else DEPLOYMENT
    found = diagnostics_of(analyzer.analyze(token, props, name="dep"), STORAGE_SHARED_KEY, "mandatory")
    assert len(found) == 1 and "allowSharedKeyAccess is true" in found[0].message, found


@pytest.mark.controls("ACC-1", "ACC-8")
@pytest.mark.parametrize(
    "parameter",
    [
        pytest.param({"reference": {"keyVault": {"id": "/subscriptions/s/x"}, "secretName": "k"}}, id="key-vault-reference"),
        pytest.param({"value": UNKNOWN_VALUE}, id="pulumi-output-unknown-in-preview"),
    ],
)
def test_parameter_the_pack_cannot_know_is_a_violation(analyzer: PackAnalyzer, parameter: dict[str, Any]) -> None:
    tpl = template(arm_resource(t.STORAGE_ACCOUNT, changed(BASELINES[t.STORAGE_ACCOUNT], "allowSharedKeyAccess", "[parameters('k')]")))
    props = deployment(tpl)
    props["properties"]["parameters"] = {"k": parameter}
    found = diagnostics_of(analyzer.analyze(DEPLOYMENT, props, name="dep"), STORAGE_SHARED_KEY)
    assert [item.level for item in found] == ["mandatory"] and "allowSharedKeyAccess is unknown in the ARM template" in found[0].message


@pytest.mark.controls("ACC-1", "ACC-8")
def test_variable_cycle_is_unknown(analyzer: PackAnalyzer) -> None:
    looped = changed(BASELINES[t.STORAGE_ACCOUNT], "allowSharedKeyAccess", "[variables('a')]")
    props = deployment(template(arm_resource(t.STORAGE_ACCOUNT, looped), variables={"a": "[variables('b')]", "b": "[variables('a')]"}))
    found = diagnostics_of(analyzer.analyze(DEPLOYMENT, props, name="dep"), STORAGE_SHARED_KEY)
    assert [item.level for item in found] == ["mandatory"] and "is unknown in the ARM template" in found[0].message


@pytest.mark.controls("ACC-8")
def test_type_from_an_expression_cannot_be_judged(analyzer: PackAnalyzer) -> None:
    hidden = {**arm_resource(t.STORAGE_ACCOUNT, _INSECURE), "type": "[variables('kind')]"}
    found = diagnostics_of(
        analyzer.analyze(
            DEPLOYMENT, deployment(template(hidden, variables={"kind": "[concat('Microsoft.Storage/', 'storageAccounts')]"})), name="dep"
        ),
        VISIBLE,
    )
    assert [item.level for item in found] == ["mandatory"] and "its resource type is an expression the pack cannot evaluate" in found[
        0
    ].message


@pytest.mark.controls("ACC-1", "ACC-8")
@pytest.mark.parametrize(
    "expression",
    ["[if(equals(1, 1), true, false)]", "[concat('')]", "[reference('x').enabled]", "[parameters('missing')]"],
)
def test_expression_hiding_a_security_value_is_a_violation(analyzer: PackAnalyzer, expression: str) -> None:
    """An expression the pack cannot evaluate: ARM resolves it, nobody checks it later."""
    props = deployment(template(arm_resource(t.STORAGE_ACCOUNT, changed(_INSECURE, "allowSharedKeyAccess", expression))))
    found = diagnostics_of(analyzer.analyze(DEPLOYMENT, props, name="dep"), STORAGE_SHARED_KEY)
    assert [(item.level, item.message.split("\n", 1)[1]) for item in found] == [
        (
            "mandatory",
            "[ACC-1] Storage account 'dep/res': allowSharedKeyAccess is unknown in the ARM template (an expression the pack "
            "cannot evaluate), so the pack cannot check this security property; set it to a literal value (or one from "
            "stack config) so that it can be checked",
        )
    ]


@pytest.mark.controls("ACC-8")
def test_false_condition_and_escaped_brackets(analyzer: PackAnalyzer) -> None:
    skipped = {**arm_resource(t.STORAGE_ACCOUNT, _INSECURE), "condition": "[false()]"}
    assert analyzer.analyze(DEPLOYMENT, deployment(template(skipped)), name="dep") == []
    # A condition the pack cannot evaluate may deploy the resource: judged.
    maybe = {**arm_resource(t.STORAGE_ACCOUNT, _INSECURE), "condition": "[equals(parameters('env'), 'prod')]"}
    assert diagnostics_of(analyzer.analyze(DEPLOYMENT, deployment(template(maybe)), name="dep"), STORAGE_SHARED_KEY, "mandatory")


@pytest.mark.controls("ACC-8")
@pytest.mark.parametrize(
    ("token", "props", "fragment"),
    [
        (
            DEPLOYMENT,
            {"properties": {"mode": "Incremental", "templateLink": {"uri": "https://example.com/t.json"}}},
            "linked template (templateLink)",
        ),
        (
            DEPLOYMENT,
            deployment(template(_nested_deployment(template()) | {"properties": {"templateLink": {"id": "x"}}})),
            "linked template (templateLink)",
        ),
        (
            "azure-native:resources:DeploymentAtSubscriptionScope",
            {"properties": {"parametersLink": {"uri": "https://x"}}},
            "parametersLink",
        ),
        ("azure-native:resources:DeploymentStackAtSubscription", {"template": template()}, "deployment stack"),
        (
            CLASSIC,
            {"templateSpecVersionId": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Resources/templateSpecs/x/versions/1"},
            "template spec",
        ),
        (CLASSIC, {"templateContent": "{not json"}, "not valid JSON"),
    ],
)
def test_what_the_pack_cannot_read_is_a_finding(analyzer: PackAnalyzer, token: str, props: dict[str, Any], fragment: str) -> None:
    found = diagnostics_of(analyzer.analyze(token, props, name="dep"), VISIBLE)
    assert len(found) == 1 and found[0].level == "mandatory" and fragment in found[0].message, found
    assert found[0].message.split("\n", 1)[1].startswith(f"[ACC-8] Deployment 'dep' ({token}): 'dep")


@pytest.mark.controls("ACC-8")
def test_linked_template_can_be_exempted_until_expiry(make_analyzer: Any) -> None:
    props = {"properties": {"mode": "Incremental", "templateLink": {"uri": "https://example.com/t.json"}}}
    entry = {"resource": "dep", "reason": "vendor template, reviewed in SEC-12", "expires": "2099-01-01"}
    exempted = make_analyzer({VISIBLE: {"exemptions": [entry]}}).analyze(DEPLOYMENT, props, name="dep")
    assert [item.level for item in diagnostics_of(exempted, VISIBLE)] == ["advisory"]
    expired = make_analyzer({VISIBLE: {"exemptions": [{**entry, "expires": "2020-01-01"}]}}).analyze(DEPLOYMENT, props, name="dep")
    assert [item.level for item in diagnostics_of(expired, VISIBLE)] == ["mandatory"]


@pytest.mark.controls("ACC-8")
def test_unknown_template_in_preview_is_a_note(analyzer: PackAnalyzer) -> None:
    found = analyzer.analyze(DEPLOYMENT, {"properties": {"mode": "Incremental", "template": UNKNOWN_VALUE}}, name="dep")
    assert [(item.policy, item.level) for item in found] == [(VISIBLE, "advisory")]
    assert "properties.template is unknown until apply" in found[0].message


@pytest.mark.controls("ACC-8")
def test_ai_gateway_without_models_is_an_ai_workload() -> None:
    """A gateway whose models live elsewhere: landing-zone policies judge it in mode auto."""

    assert scope.is_ai_gateway(t.APIM_BACKEND, BASELINES[t.APIM_BACKEND])
    assert not scope.is_ai_gateway(t.APIM_BACKEND, changed(BASELINES[t.APIM_BACKEND], "url", "https://api.contoso.com/openai.azure.com"))
    assert scope.is_ai_gateway(
        t.APIM_API_POLICY, {"value": '<policies><inbound><azure-openai-token-limit tokens-per-minute="5" /></inbound></policies>'}
    )
    assert not scope.is_ai_gateway(t.APIM_API_POLICY, {"value": "<policies><inbound><base /></inbound></policies>"})
    lz = "azurenative-monitor-diagnosticsetting-central-logging"  # a landing-zone policy
    service = BASELINES[t.APIM_SERVICE]
    auto = PackAnalyzer({scope.SCOPE_POLICY: {"conventions": True}})  # central logging is a convention
    gateway = [StackItem(t.APIM_SERVICE, "gw", service), StackItem(t.APIM_BACKEND, "models", BASELINES[t.APIM_BACKEND])]
    assert diagnostics_of(auto.analyze_stack(gateway), lz, "mandatory")
    other = [
        StackItem(t.APIM_SERVICE, "gw", service),
        StackItem(t.APIM_BACKEND, "shop", changed(BASELINES[t.APIM_BACKEND], "url", "https://shop.contoso.com")),
    ]
    assert diagnostics_of(auto.analyze_stack(other), lz) == []


@pytest.mark.controls("DATA-1", "ACC-8")
def test_template_with_a_model_makes_the_stack_an_ai_workload() -> None:
    """Mode auto: a template deploying an AI account makes the stack an AI workload, and the
    landing-zone policies judge the template's other resources once the stack is known."""
    boundary = "azurenative-storage-storageaccount-boundary-tag"
    untagged = changed(BASELINES[t.STORAGE_ACCOUNT], "tags", {})
    auto = PackAnalyzer({scope.SCOPE_POLICY: {"conventions": True}})  # central logging is a convention
    with_model = deployment(
        template(arm_resource(t.COGNITIVE_ACCOUNT, BASELINES[t.COGNITIVE_ACCOUNT], name="ai"), arm_resource(t.STORAGE_ACCOUNT, untagged))
    )
    assert diagnostics_of(auto.analyze(DEPLOYMENT, with_model, name="dep"), boundary) == []  # not yet known to be AI
    found = diagnostics_of(auto.analyze_stack([StackItem(DEPLOYMENT, "dep", with_model)]), boundary, "mandatory")
    assert len(found) == 1 and "Storage account 'dep/res'" in found[0].message and found[0].urn.endswith("::dep")
    # Without the model, the same storage account is judged by universal rules only.
    without = deployment(template(arm_resource(t.STORAGE_ACCOUNT, untagged)))
    auto.analyze(DEPLOYMENT, without, name="dep")
    assert diagnostics_of(auto.analyze_stack([StackItem(DEPLOYMENT, "dep", without)]), boundary) == []


@pytest.mark.controls("ACC-8")
def test_unmapped_template_types_are_listed(analyzer: PackAnalyzer) -> None:
    site = {"type": "Microsoft.Web/sites", "apiVersion": "2023-01-01", "name": "app", "properties": {"httpsOnly": False}}
    stack = [StackItem(DEPLOYMENT, "dep", deployment(template(site, arm_resource(t.STORAGE_ACCOUNT, BASELINES[t.STORAGE_ACCOUNT]))))]
    notes = diagnostics_of(analyzer.analyze_stack(stack), UNJUDGED, "advisory")
    assert len(notes) == 1 and "Microsoft.Web/sites (in ARM template 'dep') (1)" in notes[0].message
    assert "storageAccounts" not in notes[0].message


# --- item 3: opaque resources ----------------------------------------------------------------


@pytest.mark.controls("ACC-8")
@pytest.mark.parametrize(
    ("token", "props", "what"),
    [
        (
            "azure-native:resources:Resource",
            {"resourceProviderNamespace": "Microsoft.Web", "resourceType": "sites", "properties": {"httpsOnly": False}},
            "a generic ARM resource (resources:Resource): its ARM type Microsoft.Web/sites is not one the pack has policies for",
        ),
        (
            "azure-native:resources:Resource",
            {"resourceProviderNamespace": "Microsoft.Storage", "resourceType": 3},
            "a generic ARM resource (resources:Resource): its resourceType cannot be read",
        ),
        ("azure-native:resources:AzureCliScript", {"scriptContent": "az storage account update"}, "a deployment script (Azure CLI)"),
        ("azure-native:resources:AzurePowerShellScript", {}, "a deployment script (Azure PowerShell)"),
        ("azure:core/resourceDeploymentScriptAzureCli:ResourceDeploymentScriptAzureCli", {}, "a deployment script (Azure CLI)"),
        ("azure:core/resourceDeploymentScriptPowerShell:ResourceDeploymentScriptPowerShell", {}, "a deployment script (Azure PowerShell)"),
        ("pulumi-python:dynamic:Resource", {"__provider": "x"}, "a dynamic provider resource (Python)"),
        ("pulumi-nodejs:dynamic:Resource", {}, "a dynamic provider resource (Node.js)"),
    ],
)
def test_opaque_types_are_findings_before_they_are_created(analyzer: PackAnalyzer, token: str, props: dict[str, Any], what: str) -> None:
    found = diagnostics_of(analyzer.analyze(token, props, name="door"), OPAQUE_TYPE)
    assert [(item.level, item.message.split("\n", 1)[1]) for item in found] == [
        (
            "mandatory",
            f"[ACC-8] 'door' ({token}) is {what}: the pack cannot see what it does in Azure, so no policy judged it. "
            "Declare the resource with the azure-native or azure provider instead, or exempt it by name with a reason "
            "and an expiry in this policy's exemptions config.",
        )
    ]


GENERIC = "azure-native:resources:Resource"


def _generic(token: str, props: Mapping[str, Any], parent: object = "") -> dict[str, Any]:
    """A provider-shaped resource declared as a generic resources:Resource (ARM shape)."""
    arm_type = _ARM_TYPE[token]
    namespace, _, rest = arm_type.partition("/")
    *parents, kind = rest.split("/")
    body = arm_resource(token, props)
    generic = {key: value for key, value in body.items() if key not in ("type", "apiVersion", "name")}
    path = parent if parent != "" else "/".join(f"{segment}/p{index}" for index, segment in enumerate(parents))
    return {
        "resourceGroupName": "rg",
        "resourceProviderNamespace": namespace,
        "parentResourcePath": path,
        "resourceType": kind,
        "apiVersion": "2024-05-01",
        **generic,
    }


@pytest.mark.controls("ACC-1", "ACC-8")
def test_generic_resource_of_a_judged_type_is_judged_by_its_policies(analyzer: PackAnalyzer) -> None:
    assert analyzer.analyze(GENERIC, _generic(t.STORAGE_ACCOUNT, BASELINES[t.STORAGE_ACCOUNT]), name="sa") == []
    found = diagnostics_of(analyzer.analyze(GENERIC, _generic(t.STORAGE_ACCOUNT, _INSECURE), name="sa"), STORAGE_SHARED_KEY, "mandatory")
    assert len(found) == 1 and "Storage account 'sa' allows shared-key" in found[0].message
    # A child type through its parent path: an API Management backend sending a key.
    backend = changed(BASELINES[t.APIM_BACKEND], "credentials.header", {"api-key": ["sk-live"]})
    assert analyzer.analyze(GENERIC, _generic(t.APIM_BACKEND, BASELINES[t.APIM_BACKEND]), name="be") == []
    assert diagnostics_of(
        analyzer.analyze(GENERIC, _generic(t.APIM_BACKEND, backend), name="be"), "azurenative-apimanagement-backend-no-api-key", "mandatory"
    )


@pytest.mark.controls("ACC-8")
def test_generic_resource_with_an_unknown_parent_path() -> None:
    props = _generic(t.APIM_BACKEND, BASELINES[t.APIM_BACKEND], parent=UNKNOWN_VALUE)
    preview = PackAnalyzer()
    found = diagnostics_of(preview.analyze(GENERIC, props, name="be"), OPAQUE_TYPE)
    assert [item.level for item in found] == ["advisory"] and "parentResourcePath is unknown until apply" in found[0].message
    update = PackAnalyzer()
    update.servicer.ConfigureStack(analyzer_pb2.AnalyzerStackConfigureRequest(stack="dev", project="p", dry_run=False), None)
    assert [item.level for item in diagnostics_of(update.analyze(GENERIC, props, name="be"), OPAQUE_TYPE)] == ["mandatory"]


@pytest.mark.controls("ACC-8")
@pytest.mark.parametrize(
    ("token", "props", "provider"),
    [
        ("azapi:index:Resource", {"type": "Microsoft.Storage/storageAccounts@2023-01-01"}, None),
        ("azure-justrun:index:Thing", {}, None),
        ("AzApi:index:Resource", {}, None),
        ("acme:index:Widget", {"parentId": "/subscriptions/0000/resourceGroups/rg"}, ("pulumi:providers:acme", {})),
        ("acme:index:Gadget", {"size": 3}, ("pulumi:providers:acme", {"subscriptionId": "0000"})),
        ("acme:index:Typed", {"kind": "microsoft.storage/storageAccounts"}, ("pulumi:providers:acme", {})),
    ],
)
def test_unknown_azure_providers_are_mandatory_findings(
    analyzer: PackAnalyzer, token: str, props: dict[str, Any], provider: tuple[str, dict[str, Any]] | None
) -> None:
    stack = [StackItem(token, "door", props, provider=provider), StackItem(t.STORAGE_ACCOUNT, "data", BASELINES[t.STORAGE_ACCOUNT])]
    found = diagnostics_of(analyzer.analyze_stack(stack), OPAQUE)
    package = token.partition(":")[0]
    assert len(found) == 1 and found[0].level == "mandatory" and found[0].urn.endswith("::door"), found
    assert (
        found[0]
        .message.split("\n", 1)[1]
        .startswith(f"[ACC-8] 'door' ({token}) is a resource of the provider '{package}', which the pack does not know, that manages Azure")
    )


@pytest.mark.controls("ACC-8")
def test_unrelated_providers_and_components_are_not_opaque(analyzer: PackAnalyzer) -> None:
    stack = [
        StackItem("random:index/randomPassword:RandomPassword", "pw", {"length": 20}),
        # A component of the program holds ARM ids in its outputs, but has no provider: its
        # children are registered and judged themselves.
        StackItem("aizone:index:LandingZone", "lz", {"workspaceId": "/subscriptions/0000/resourceGroups/rg"}),
        StackItem("acme:index:Widget", "widget", {"size": 3}, provider=("pulumi:providers:acme", {"region": "eu"})),
        StackItem("pulumi:pulumi:Stack", "aizone-dev", {}),
    ]
    assert diagnostics_of(analyzer.analyze_stack(stack), OPAQUE) == []


@pytest.mark.controls("ACC-8")
def test_opaque_resource_exemption(make_analyzer: Any) -> None:
    entry = {"resource": "door", "reason": "bootstrap script, reviewed", "expires": "2099-12-31"}
    found = make_analyzer({OPAQUE_TYPE: {"exemptions": [entry]}}).analyze("azure-native:resources:AzureCliScript", {}, name="door")
    assert [item.level for item in diagnostics_of(found, OPAQUE_TYPE)] == ["advisory"]
    expired = make_analyzer({OPAQUE_TYPE: {"exemptions": [{**entry, "expires": "2026-01-01"}]}})
    found = expired.analyze("azure-native:resources:AzureCliScript", {}, name="door")
    assert [item.level for item in diagnostics_of(found, OPAQUE_TYPE)] == ["mandatory"] and "expired on 2026-01-01" in found[0].message
    provider = make_analyzer({OPAQUE: {"exemptions": [{**entry, "resource": "urn:pulumi:dev::aizone::azapi:*"}]}})
    found = provider.analyze_stack([StackItem("azapi:index:Resource", "door", {})])
    assert [item.level for item in diagnostics_of(found, OPAQUE)] == ["advisory"]


# --- item 4: unknown values at `pulumi up` and in the gate ----------------------------------------


def _unknown_key_account() -> dict[str, Any]:
    return changed(BASELINES[t.COGNITIVE_ACCOUNT], "properties.disableLocalAuth", UNKNOWN_VALUE)


@pytest.mark.controls("ACC-1", "ACC-8")
def test_unknown_security_property_preview_update_and_gate(monkeypatch: pytest.MonkeyPatch) -> None:
    preview = PackAnalyzer()
    preview.servicer.ConfigureStack(analyzer_pb2.AnalyzerStackConfigureRequest(stack="dev", project="p", dry_run=True), None)
    assert [item.level for item in diagnostics_of(preview.analyze(t.COGNITIVE_ACCOUNT, _unknown_key_account(), name="ai"), AI_LOCAL)] == [
        "advisory"
    ]

    update = PackAnalyzer()
    update.servicer.ConfigureStack(analyzer_pb2.AnalyzerStackConfigureRequest(stack="dev", project="p", dry_run=False), None)
    found = diagnostics_of(update.analyze(t.COGNITIVE_ACCOUNT, _unknown_key_account(), name="ai"), AI_LOCAL)
    assert [(item.level, item.message.split("\n", 1)[1]) for item in found] == [
        (
            "mandatory",
            "[ACC-1] Cognitive Services account 'ai': properties.disableLocalAuth is unknown during `pulumi up` (not a "
            "preview), where nothing checks it again, so the pack cannot check this security property; set it to a "
            "literal value (or one from stack config) so that it can be checked",
        )
    ]

    monkeypatch.setenv("AIZONE_OFFLINE_GATE", "1")
    gate = PackAnalyzer()
    found = diagnostics_of(gate.analyze(t.COGNITIVE_ACCOUNT, _unknown_key_account(), name="ai"), AI_LOCAL)
    assert [item.level for item in found] == ["mandatory"] and "unknown in the offline gate" in found[0].message


# --- item 4: ignoreChanges ----------------------------------------------------------------------


@pytest.mark.controls("ACC-8")
@pytest.mark.parametrize(
    ("ignored", "hit"),
    [
        (["allowSharedKeyAccess"], "allowsharedkeyaccess"),
        (["networkRuleSet"], "networkruleset.defaultaction"),
        (["networkRuleSet.defaultAction"], "networkruleset.defaultaction"),
        (["AllowSharedKeyAccess"], "allowsharedkeyaccess"),
        (["*"], "allowsharedkeyaccess"),
    ],
)
@pytest.mark.parametrize("deployed", [False, True], ids=["preview", "deployed"])
def test_ignore_changes_on_a_security_property(analyzer: PackAnalyzer, ignored: list[str], hit: str, deployed: bool) -> None:
    props = {**BASELINES[t.STORAGE_ACCOUNT], **({"id": _SHARED_ID} if deployed else {})}
    found = diagnostics_of(analyzer.analyze_stack([StackItem(t.STORAGE_ACCOUNT, "data", props, ignore_changes=ignored)]), IGNORED)
    # Reported (advisory by default: a stack may knowingly adopt what it does not set; an
    # organisation raises the level in its config).
    assert len(found) == 1 and found[0].level == "advisory" and hit in found[0].message, found
    assert found[0].message.split("\n", 1)[1].startswith("[ACC-8] Storage account 'data' ignores changes to security properties (")


@pytest.mark.controls("ACC-8")
def test_ignore_changes_on_other_properties_passes(analyzer: PackAnalyzer) -> None:
    stack = [StackItem(t.STORAGE_ACCOUNT, "data", BASELINES[t.STORAGE_ACCOUNT], ignore_changes=["accessTier"])]
    assert diagnostics_of(analyzer.analyze_stack(stack), IGNORED) == []


# --- item 4: resources read with .get() -----------------------------------------------------------


@pytest.mark.controls("ACC-1", "ACC-8")
@pytest.mark.parametrize("deployed", [False, True], ids=["preview", "deployed"])
def test_read_resource_that_breaks_a_control_is_reported(analyzer: PackAnalyzer, deployed: bool) -> None:
    """A read resource's outputs are what Azure holds (its id is known in both shapes); the
    managed resource has an id only once deployed."""
    managed_props = {**BASELINES[t.STORAGE_ACCOUNT], **({"id": _SHARED_ID.replace("shared", "data")} if deployed else {})}
    managed = StackItem(t.STORAGE_ACCOUNT, "data", managed_props)
    read_props = {**BASELINES[t.STORAGE_ACCOUNT], "id": _SHARED_ID}
    shared = StackItem(t.STORAGE_ACCOUNT, "shared", changed(read_props, "allowSharedKeyAccess", True))
    found = diagnostics_of(analyzer.analyze_stack([managed], read=[shared]), STORAGE_SHARED_KEY)
    assert len(found) == 1 and found[0].level == "mandatory" and found[0].urn.endswith("::shared")
    assert "Storage account 'shared'" in found[0].message and "read with `.get()`, not managed, by this stack" in found[0].message
    compliant = StackItem(t.STORAGE_ACCOUNT, "shared", read_props)
    assert diagnostics_of(analyzer.analyze_stack([managed], read=[compliant]), STORAGE_SHARED_KEY) == []


@pytest.mark.controls("ACC-1", "ACC-8")
def test_registered_resources_are_not_judged_twice(analyzer: PackAnalyzer) -> None:
    """A registered resource's findings come from Analyze: AnalyzeStack does not repeat them."""
    insecure = StackItem(t.STORAGE_ACCOUNT, "data", changed(BASELINES[t.STORAGE_ACCOUNT], "allowSharedKeyAccess", True))
    read = StackItem(t.STORAGE_ACCOUNT, "other", BASELINES[t.STORAGE_ACCOUNT])
    assert diagnostics_of(analyzer.analyze_stack([insecure], read=[read]), STORAGE_SHARED_KEY) == []


@pytest.mark.controls("DATA-6", "ACC-8")
@pytest.mark.parametrize(
    ("api_version", "expected"),
    [
        ("2019-04-01", "the resource is sent with API version 2019-04-01, and before 2023-01-01 unset means allowed"),
        ("2023-01-01", None),
        ("2024-10-01", None),
        ("2023-05-01-preview", None),
        ("[parameters('apiVersion')]", "the resource is sent with an API version this pack cannot determine"),
    ],
)
def test_a_templates_api_version_selects_the_default(analyzer: PackAnalyzer, api_version: str, expected: str | None) -> None:
    """A template resource is sent with the apiVersion it states (ARM's default for an unset
    allowBlobPublicAccess changed at 2023-01-01); one that is not a literal version is judged as
    the oldest would be."""
    account = {key: value for key, value in BASELINES[t.STORAGE_ACCOUNT].items() if key != "allowBlobPublicAccess"}
    resource = {**arm_resource(t.STORAGE_ACCOUNT, account), "apiVersion": api_version}
    found = diagnostics_of(
        judge(analyzer, DEPLOYMENT, deployment(template(resource)), name="dep"), "azurenative-storage-storageaccount-hardening"
    )
    if expected is None:
        assert found == []
    else:
        (finding,) = found
        assert finding.level == "mandatory"
        assert "Storage account 'dep/res' allows anonymous (public) blob access (allowBlobPublicAccess is not set)" in finding.message
        assert expected in finding.message
