"""The AI gateway (MOD-4): the generated policy, element by element, and the gateway's resources as
the engine would receive them (wire names), for Standard v2 in its three lookup states (first run:
not found; later runs: found with an approved private endpoint, or with one still pending), and
classic Premium with prompt shields.

The resource tests preview tests/fixtures/gateway_program (an AI Services account and the gateway,
wired like the landing zone) with the offline preview and the real policy pack: Azure mocks, a
recording monitor, `apply` callbacks that run (not a dry run, so the policy XML is real), and the
pack's findings on exactly those resources.
"""

from __future__ import annotations

import uuid
import xml.etree.ElementTree as ET
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from pulumi_aizone.base import Problem
from pulumi_aizone.gateway import (
    CONTENT_SAFETY_ROLE,
    INFERENCE_ROLE,
    SECURITY_PROPERTIES,
    GatewayOptions,
    GatewayOptionsArgs,
    app_role_id,
    validate_ai_gateway,
    validate_gateway_options,
)
from pulumi_aizone.gateway_policy import (
    CALLER_ID_VARIABLE,
    CALLER_TOKEN_VARIABLE,
    COGNITIVE_SERVICES_RESOURCE,
    InferencePolicySpec,
    PolicyError,
    inference_policy,
)
from pulumi_aizone_gate.azure_mocks import TENANT_ID
from pulumi_aizone_policy import reference

from .conftest import PACK, Plan

PROGRAM = Path(__file__).resolve().parent / "fixtures" / "gateway_program"
SERVICE = "azure-native:apimanagement:ApiManagementService"
API = "azure-native:apimanagement:Api"
API_POLICY = "azure-native:apimanagement:ApiPolicy"
API_OPERATION = "azure-native:apimanagement:ApiOperation"
API_DIAGNOSTIC = "azure-native:apimanagement:ApiDiagnostic"
BACKEND = "azure-native:apimanagement:Backend"
GENERIC_RESOURCE = "azure-native:resources:Resource"
ROLE_ASSIGNMENT = "azure-native:authorization:RoleAssignment"
PRIVATE_ENDPOINT = "azure-native:network:PrivateEndpoint"
DIAGNOSTICS = "azure-native:monitor:DiagnosticSetting"
ACCOUNT = "azure-native:cognitiveservices:Account"
APPLICATION = "azuread:index/application:Application"
SERVICE_PRINCIPAL = "azuread:index/servicePrincipal:ServicePrincipal"
APP_ROLE_ASSIGNMENT = "azuread:index/appRoleAssignment:AppRoleAssignment"
PRE_AUTHORIZED = "azuread:index/applicationPreAuthorized:ApplicationPreAuthorized"
LOGGER = "azure-native:apimanagement:Logger"
APP_INSIGHTS = "azure-native:applicationinsights:Component"
SECURITY = "Microsoft.WindowsAzure.ApiManagement.Gateway.Security"

pytestmark = pytest.mark.controls("MOD-4")


# --- (a) the policy generator, pure ----------------------------------------------------------------

SPEC = InferencePolicySpec(
    tenant_id="11111111-1111-1111-1111-111111111111",
    audiences=("api://11111111-1111-1111-1111-111111111111/apim-x", "22222222-2222-2222-2222-222222222222"),
    required_role="AI.Inference",
    backend_id="aizone-inference",
    tokens_per_minute=5000,
)


def parse(spec: InferencePolicySpec) -> ET.Element:
    return ET.fromstring(inference_policy(spec))


def inbound(root: ET.Element) -> list[ET.Element]:
    section = root.find("inbound")
    assert section is not None
    return list(section)


def test_policy_sections_and_inbound_order() -> None:
    root = parse(SPEC)
    assert root.tag == "policies"
    assert [child.tag for child in root] == ["inbound", "backend", "outbound", "on-error"]
    assert [child.tag for child in inbound(root)] == [
        "base",
        "validate-azure-ad-token",
        "set-variable",
        "set-backend-service",
        "llm-token-limit",
        "llm-emit-token-metric",
        "authentication-managed-identity",
    ]


def test_policy_validates_entra_token_for_tenant_audiences_and_role() -> None:
    token = parse(SPEC).find("inbound/validate-azure-ad-token")
    assert token is not None
    assert token.get("tenant-id") == SPEC.tenant_id
    assert token.get("header-name") == "Authorization"
    assert token.get("failed-validation-httpcode") == "401"
    assert token.get("output-token-variable-name") == CALLER_TOKEN_VARIABLE
    assert [a.text for a in token.findall("audiences/audience")] == list(SPEC.audiences)
    claims = token.findall("required-claims/claim")
    assert [(c.get("name"), c.get("match")) for c in claims] == [("roles", "any")]
    assert [v.text for v in claims[0].findall("value")] == ["AI.Inference"]
    assert token.find("client-application-ids") is None  # any client holding the role


def test_policy_can_restrict_client_applications_before_audiences() -> None:
    token = parse(replace(SPEC, client_application_ids=("app-1", "app-2"))).find("inbound/validate-azure-ad-token")
    assert token is not None
    assert [child.tag for child in token] == ["client-application-ids", "audiences", "required-claims"]
    assert [a.text for a in token.findall("client-application-ids/application-id")] == ["app-1", "app-2"]


def test_policy_routes_to_backend_and_authenticates_with_managed_identity_only() -> None:
    root = parse(SPEC)
    backend = root.find("inbound/set-backend-service")
    assert backend is not None and backend.attrib == {"backend-id": "aizone-inference"}
    identity = root.find("inbound/authentication-managed-identity")
    assert identity is not None
    assert identity.attrib == {"resource": COGNITIVE_SERVICES_RESOURCE}  # system-assigned: no client-id
    text = inference_policy(SPEC)
    for key_material in ("api-key", "Ocp-Apim-Subscription-Key", "{{"):
        assert key_material not in text


@pytest.mark.controls("MOD-4")
def test_policy_token_limit_is_per_caller() -> None:
    root = parse(SPEC)
    caller = root.find("inbound/set-variable")
    assert caller is not None and caller.get("name") == CALLER_ID_VARIABLE
    assert caller.get("value") == (
        f'@{{ var token = (Jwt)context.Variables["{CALLER_TOKEN_VARIABLE}"]; '
        'var principal = token.Claims.GetValueOrDefault("oid", "unknown"); '
        'var client = token.Claims.GetValueOrDefault("azp", token.Claims.GetValueOrDefault("appid", "")); '
        'return client == "" ? principal : principal + "@" + client; }'
    )
    limit = root.find("inbound/llm-token-limit")
    assert limit is not None
    assert limit.get("counter-key") == f'@((string)context.Variables["{CALLER_ID_VARIABLE}"])'
    assert limit.get("tokens-per-minute") == "5000"
    assert limit.get("estimate-prompt-tokens") == "true"
    no_estimate = parse(replace(SPEC, estimate_prompt_tokens=False)).find("inbound/llm-token-limit")
    assert no_estimate is not None and no_estimate.get("estimate-prompt-tokens") == "false"


@pytest.mark.controls("MOD-4")
def test_two_users_of_one_client_application_get_separate_token_budgets() -> None:
    """Evaluate the counter key the way the gateway does, for delegated tokens of two users signed
    in to the same client (same azp, different oid) and for an app-only token (v1: appid)."""
    import re

    value = parse(SPEC).find("inbound/set-variable")
    assert value is not None
    expression = value.get("value") or ""
    principal_claim = re.search(r'var principal = token\.Claims\.GetValueOrDefault\("(\w+)", "unknown"\)', expression)
    client_claims = re.findall(r'GetValueOrDefault\("(\w+)", (?:token|"")', expression.split("var client =", 1)[1])
    assert principal_claim is not None and client_claims == ["azp", "appid"]

    def key(claims: dict[str, str]) -> str:
        principal = claims.get(principal_claim.group(1), "unknown")
        client = next((claims[c] for c in client_claims if c in claims), "")
        return principal if client == "" else f"{principal}@{client}"

    cli = "04b07795-8ddb-461a-bbee-02f9e1bf7b46"
    alice = key({"oid": "a1", "azp": cli})
    bob = key({"oid": "b2", "azp": cli})
    assert alice != bob and alice == f"a1@{cli}"
    assert key({"oid": "sp", "appid": "app"}) == "sp@app"
    assert key({"oid": "sp"}) == "sp"


def test_policy_without_app_insights_emits_no_token_metric() -> None:
    assert parse(replace(SPEC, emit_token_metrics=False)).find("inbound/llm-emit-token-metric") is None


def test_policy_emits_token_metrics_by_caller_and_api() -> None:
    metric = parse(SPEC).find("inbound/llm-emit-token-metric")
    assert metric is not None
    assert metric.get("namespace") == "aizone-gateway"
    dimensions = {d.get("name"): d.get("value") for d in metric.findall("dimension")}
    assert dimensions == {
        "Caller ID": f'@((string)context.Variables["{CALLER_ID_VARIABLE}"])',
        "API ID": None,
        "Operation ID": None,
    }


def test_policy_content_safety_only_when_asked() -> None:
    assert parse(SPEC).find("inbound/llm-content-safety") is None
    root = parse(replace(SPEC, content_safety_backend_id="aizone-content-safety"))
    safety = root.find("inbound/llm-content-safety")
    assert safety is not None
    assert safety.attrib == {"backend-id": "aizone-content-safety", "shield-prompt": "true"}
    tags = [child.tag for child in inbound(root)]
    # After the token limit (over-budget callers cost nothing), before the model is called.
    assert tags.index("llm-token-limit") < tags.index("llm-content-safety") < tags.index("authentication-managed-identity")


def test_policy_retries_429_a_bounded_number_of_times() -> None:
    retry = parse(SPEC).find("backend/retry")
    assert retry is not None
    assert retry.get("condition") == "@(context.Response.StatusCode == 429)"
    assert retry.get("count") == "2"
    assert int(retry.get("max-interval") or 0) >= int(retry.get("interval") or 0) > 0
    forward = retry.find("forward-request")
    assert forward is not None and forward.get("buffer-request-body") == "true"
    root = parse(replace(SPEC, retry_count=0))
    assert root.find("backend/retry") is None
    assert root.find("backend/forward-request") is not None


def test_policy_escapes_odd_input_and_stays_well_formed() -> None:
    odd = replace(
        SPEC,
        tenant_id="contoso\"'<&>.onmicrosoft.com",
        audiences=("api://x/<script>&amp;", "line\nbreak\tand 'quotes\""),
        required_role='AI.<Inference>&"',
        client_application_ids=("]]><!--",),
    )
    text = inference_policy(odd)
    root = ET.fromstring(text)  # well-formed
    token = root.find("inbound/validate-azure-ad-token")
    assert token is not None
    assert token.get("tenant-id") == odd.tenant_id
    assert [a.text for a in token.findall("audiences/audience")] == list(odd.audiences)
    assert [v.text for v in token.findall("required-claims/claim/value")] == [odd.required_role]
    assert [a.text for a in token.findall("client-application-ids/application-id")] == ["]]><!--"]
    assert "<script>" not in text and "<Inference>" not in text
    # Expressions keep their double quotes unescaped (single-quoted attributes): same in xml and rawxml.
    assert f"counter-key='@((string)context.Variables[\"{CALLER_ID_VARIABLE}\"])'" in text


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"tenant_id": " "}, "tenant_id"),
        ({"audiences": ()}, "audiences"),
        ({"required_role": ""}, "required_role"),
        ({"backend_id": "has space"}, "backend_id"),
        ({"tokens_per_minute": 0}, "tokens_per_minute"),
        ({"retry_count": 11}, "retry_count"),
        ({"client_claims": ("azp", "bad claim")}, "client_claims"),
        ({"principal_claim": "o id"}, "principal_claim"),
    ],
)
def test_policy_refuses_inputs_that_make_an_invalid_or_open_policy(change: dict[str, Any], message: str) -> None:
    with pytest.raises(PolicyError, match=message):
        inference_policy(replace(SPEC, **change))


# --- options ----------------------------------------------------------------------------------------

OPTIONS = GatewayOptions(publisher_email="platform@example.com", publisher_name="Platform team")


def test_default_options_are_standard_v2_private_and_valid() -> None:
    assert (OPTIONS.sku, OPTIONS.public_ingress, OPTIONS.content_safety) == ("StandardV2", False, False)
    assert not hasattr(OPTIONS, "first_deployment")  # the program finds out (lookup_service)
    assert validate_gateway_options(OPTIONS.as_args()) == []


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"publisher_email": "not-an-email"}, "publisher_email"),
        ({"sku": "BasicV2"}, "sku"),
        ({"sku": "Developer", "capacity": 2}, "capacity"),
        ({"capacity": 11}, "capacity"),
        ({"tokens_per_minute": 0}, "tokens_per_minute"),
        ({"api_path": "/openai"}, "api_path"),
        ({"app_role": "AI Inference"}, "app_role"),
    ],
)
def test_invalid_options_are_named(change: dict[str, Any], field: str) -> None:
    options = replace(OPTIONS, **change)
    assert [problem.field for problem in validate_gateway_options(options.as_args(), "options.")] == [f"options.{field}"]


def test_options_validator_collects_every_problem_as_field_and_message() -> None:
    problems = validate_gateway_options(
        GatewayOptionsArgs(
            publisher_email="nobody", publisher_name=" ", sku="Developer", capacity=2, retry_count=11, app_role="AI Inference"
        ),
        "gateway.",
    )
    assert problems == [
        Problem("gateway.publisher_email", "'nobody' is not an email address"),
        Problem("gateway.publisher_name", "must be non-empty and at most 100 characters"),
        Problem("gateway.capacity", "must be 1 for the Developer tier"),
        Problem("gateway.retry_count", "must be between 0 and 10, got 11"),
        Problem("gateway.app_role", "'AI Inference': letters, digits, '.', '_', '-', starting with a letter"),
    ]
    assert validate_gateway_options(OPTIONS.as_args()) == []


def test_app_role_id_is_a_stable_uuid_of_the_role_value() -> None:
    assert app_role_id("AI.Inference") == app_role_id("AI.Inference")
    assert app_role_id("AI.Inference") != app_role_id("AI.Admin")
    assert uuid.UUID(app_role_id("AI.Inference")).version == 5


AZURE_NATIVE_404 = (
    "invoke of azure-native:apimanagement:getApiManagementService failed: invocation of "
    "azure-native:apimanagement:getApiManagementService returned an error: request failed "
    "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ApiManagement/service/apim: GET "
    "https://management.azure.com/subscriptions/s/resourceGroups/rg/providers/Microsoft.ApiManagement/service/apim\n"
    "RESPONSE 404: 404 Not Found\nERROR CODE: ResourceNotFound"
)


@pytest.mark.parametrize(
    ("message", "not_found"),
    [
        (AZURE_NATIVE_404, True),
        (AZURE_NATIVE_404.replace("ResourceNotFound", "ResourceGroupNotFound"), True),
        ('autorest/azure: Service returned an error. Status=404 Code="ResourceNotFound"', True),
        ("RESPONSE 403: 403 Forbidden\nERROR CODE: AuthorizationFailed", False),
        ("RESPONSE 429: 429 Too Many Requests\nERROR CODE: TooManyRequests", False),
        ("dial tcp: lookup management.azure.com: no such host", False),
        # a name that merely contains the digits is not a 404
        ("RESPONSE 403: 403 Forbidden for /service/apim-4040", False),
    ],
)
def test_only_a_not_found_lookup_means_first_run(message: str, not_found: bool) -> None:
    from pulumi_aizone.gateway import is_not_found

    assert is_not_found(Exception(message)) is not_found


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"service_name": "-apim"}, "AiGateway.service_name: '-apim': 1-50 letters, digits and hyphens"),
        (
            {"networking": {"subnet_id": "/subscriptions/x/subnets/pe", "zone_ids": {}}},
            "AiGateway.networking.zone_ids: the gateway's private endpoint needs the private DNS zone(s) privatelink.azure-api.net",
        ),
        ({"targets": []}, "AiGateway.targets: exactly one {name, account_id, endpoint} entry"),
        (
            {"targets": [{"name": "ai", "account_id": "/accounts/ai", "endpoint": "http://ais.example"}]},
            "AiGateway.targets[0].endpoint: 'http://ais.example': the account's https endpoint",
        ),
        (
            {"role_assignments": [{"principal_name": "agent", "principal_id": "oid", "role": "Owner"}]},
            "AiGateway.role_assignments[0].role: 'Owner' is not allowed here; allowed: AI.Inference",
        ),
    ],
)
def test_gateway_refuses_bad_inputs_before_anything_is_registered(change: dict[str, Any], message: str) -> None:
    """Raised before `super().__init__` (no Pulumi runtime is set up here: registering anything
    would fail differently)."""
    from pulumi_aizone.base import ArgsError
    from pulumi_aizone.gateway import AiGateway, AiGatewayArgs

    args = AiGatewayArgs(
        placement={"resource_group_name": "rg", "location": "swedencentral"},
        service_name="apim-ok",
        tenant_id=TENANT_ID,
        options=OPTIONS.as_args(),
        targets=[{"name": "ai", "account_id": "/accounts/ai", "endpoint": "https://ais.cognitiveservices.azure.com/"}],
        subnet_id="/subscriptions/x/subnets/gateway",
        networking={"subnet_id": "/subscriptions/x/subnets/pe", "zone_ids": {"privatelink.azure-api.net": "/zones/azure-api"}},
        diagnostics={"workspace_id": "/subscriptions/x/workspaces/log"},
    )
    assert validate_ai_gateway(args) == []
    with pytest.raises(ArgsError) as raised:
        AiGateway("gw", {**args, **change})  # type: ignore[typeddict-item]
    assert message in str(raised.value)
    assert len(raised.value.problems) == 1


# --- (b) the gateway's resources, as the engine receives them ---------------------------------------


class Run:
    """One offline preview of the fixture program with the real policy pack: the recorded
    resources, what the program logged and what the pack found."""

    def __init__(self, stack: str) -> None:
        import pulumi_aizone_gate

        # The fixture is the gateway alone; Defender plans (MOD-1) come from the full landing zone.
        result = pulumi_aizone_gate.record(
            PROGRAM, stack, PACK, policy_config={"azurenative-security-pricing-required-plans": {"defenderManagedElsewhere": True}}
        )
        assert result.program_errors == []
        self.warnings = result.program_warnings
        self.invokes = result.invokes
        self.findings = result.findings
        self.plan = Plan(result.resources)

    def mandatory(self) -> list[str]:
        return [f"{f.policy}: {f.message}" for f in self.findings if f.level == "mandatory"]


@pytest.fixture(scope="module")
def standard() -> Run:
    return Run("standard")


@pytest.fixture(scope="module")
def first() -> Run:
    return Run("first")


@pytest.fixture(scope="module")
def pending() -> Run:
    return Run("pending")


@pytest.fixture(scope="module")
def classic() -> Run:
    return Run("classic")


def test_a_preview_after_the_dev_preview_in_the_same_process_resolves_the_sdk_types(dev_preview: Any, standard: Run) -> None:
    """The dev preview's program directory is the repository root, which holds the virtualenv: the
    SDK submodules it imported stay loaded afterwards, so the next in-process preview still
    resolves their string annotations (it failed with NameError 'outputs' / 'ExtendedLocationArgs'
    when they were unloaded). `dev_preview` is requested first, so it runs before `standard`."""
    import sys
    from types import ModuleType

    assert dev_preview.program_errors == [] and standard.plan.of_type(SERVICE)
    # Every submodule a loaded SDK package refers to is still the one in sys.modules.
    packages = [module for name, module in list(sys.modules.items()) if name.startswith("pulumi_azure_native.")]
    dropped = sorted(
        value.__name__
        for package in packages
        for value in vars(package).values()
        if isinstance(value, ModuleType)
        and value.__name__.startswith("pulumi_azure_native.")
        and sys.modules.get(value.__name__) is not value
    )
    assert dropped == []


@pytest.mark.controls("MOD-4", "RES-2", "RES-4", "RES-5", "ACC-5", "ACC-6", "ACC-7")
def test_the_pack_finds_nothing_mandatory_in_the_private_gateways(standard: Run, classic: Run) -> None:
    assert standard.mandatory() == []
    assert classic.mandatory() == []


@pytest.mark.controls("ACC-7")
def test_the_first_run_is_public_only_for_the_gateway_and_nothing_else_is_mandatory(first: Run) -> None:
    """The public first run is the pack's call (a time-boxed note on the marker tag); whatever it
    says about the gateway's public access, nothing else in the first run may be mandatory."""
    assert [f for f in first.mandatory() if not ("[ACC-7]" in f and "'gw-apim'" in f)] == []


@pytest.mark.controls("MOD-4", "ACC-6", "RES-5")
def test_service_has_managed_identity_and_no_weak_tls(standard: Run) -> None:
    service = standard.plan.one(SERVICE).inputs
    assert service["identity"] == {"type": "SystemAssigned"}
    assert service["sku"] == {"name": "StandardV2", "capacity": 1}
    properties = service["customProperties"]
    for side in (f"{SECURITY}.Protocols", f"{SECURITY}.Backend.Protocols"):
        for protocol in ("Ssl30", "Tls10", "Tls11"):
            assert properties[f"{side}.{protocol}"] == "False"
    assert properties[f"{SECURITY}.Ciphers.TripleDes168"] == "False"
    assert properties[f"{SECURITY}.Ciphers.TLS_RSA_WITH_AES_128_CBC_SHA"] == "False"
    assert properties == dict(SECURITY_PROPERTIES)
    assert all(value == "False" for value in properties.values())


@pytest.mark.controls("ACC-7")
def test_standard_v2_is_vnet_integrated_and_private(standard: Run) -> None:
    """A later run: the lookup finds the service with an approved Gateway endpoint connection."""
    service = standard.plan.one(SERVICE).inputs
    assert service["publicNetworkAccess"] == "Disabled"
    assert service["virtualNetworkType"] == "External"  # outbound integration; inbound via the endpoint
    assert service["virtualNetworkConfiguration"]["subnetResourceId"].endswith("/subnets/gateway")
    assert reference.FIRST_DEPLOYMENT_TAG not in service["tags"]  # the second run removes the marker
    assert standard.warnings == []
    assert standard.invokes["azure-native:apimanagement:getApiManagementService"] == 1


@pytest.mark.controls("ACC-7")
def test_first_deployment_is_public_tagged_with_its_date_and_announced(first: Run) -> None:
    """A fresh subscription (the lookup answers 404): created Enabled with its private endpoint,
    tagged with today's date, and the warning says the next `pulumi up` makes it private."""
    import datetime as dt

    service = first.plan.one(SERVICE).inputs
    assert service["publicNetworkAccess"] == "Enabled"
    assert service["tags"][reference.FIRST_DEPLOYMENT_TAG] == dt.datetime.now(dt.timezone.utc).date().isoformat()
    assert service["tags"][reference.INVENTORY_TAG] == "gateway"
    assert len(first.warnings) == 1
    assert "The next `pulumi up` disables public network access; no configuration change is needed" in first.warnings[0]
    assert len(first.plan.of_type(PRIVATE_ENDPOINT)) == 2  # the account's and the gateway's


@pytest.mark.controls("ACC-7")
def test_a_pending_endpoint_keeps_the_gateway_public_and_the_first_run_date(pending: Run) -> None:
    """Found, but its endpoint connection is not approved: Disabled would be refused, so it stays
    Enabled, and the marker keeps the first run's date (the pack's 7-day window is not reset)."""
    service = pending.plan.one(SERVICE).inputs
    assert service["publicNetworkAccess"] == "Enabled"
    assert service["tags"][reference.FIRST_DEPLOYMENT_TAG] == "2026-11-30"
    assert len(pending.warnings) == 1 and "Approve the gateway's private endpoint connection" in pending.warnings[0]


@pytest.mark.controls("RES-4")
def test_private_endpoint_for_gateway_comes_after_every_write_under_the_service(standard: Run) -> None:
    plan = standard.plan
    service = plan.one(SERVICE)
    endpoint = plan.one(PRIVATE_ENDPOINT, "gw-pe")
    connection = endpoint.inputs["privateLinkServiceConnections"][0]
    assert connection["groupIds"] == ["Gateway"]
    assert connection["privateLinkServiceId"] == service.id
    for writes in (
        plan.of_type(API_POLICY),
        plan.of_type(API_OPERATION),
        plan.of_type(BACKEND),
        plan.of_type(LOGGER),
        plan.of_type(API_DIAGNOSTIC),
    ):
        assert writes and {resource.urn for resource in writes} <= set(endpoint.dependencies)
    zone_group = plan.one("azure-native:network:PrivateDnsZoneGroup", "gw-pe")
    zones = [config["privateDnsZoneId"] for config in zone_group.inputs["privateDnsZoneConfigs"]]
    assert [zone.rsplit("/", 1)[-1] for zone in zones] == list(reference.private_dns_zones(SERVICE, "Gateway"))


@pytest.mark.controls("ACC-5", "ACC-6")
def test_gateway_identity_gets_only_the_inference_role_on_the_account(standard: Run) -> None:
    plan = standard.plan
    service = plan.one(SERVICE)
    account = plan.one(ACCOUNT)
    grants = [
        r
        for r in plan.of_type(ROLE_ASSIGNMENT)
        if r.inputs["principalId"] == service.outputs["identity"]["principalId"] and r.inputs["scope"] == account.id
    ]
    assert len(grants) == 1
    grant = grants[0].inputs
    assert grant["principalType"] == "ServicePrincipal"
    assert grant["roleDefinitionId"].endswith(f"/roleDefinitions/{reference.ROLE_IDS[INFERENCE_ROLE]}")
    assert grant["scope"] == account.id


@pytest.mark.controls("MOD-4", "ACC-5")
def test_the_policy_waits_for_the_role_and_operations_wait_for_the_policy(standard: Run) -> None:
    plan = standard.plan
    policy = plan.one(API_POLICY)
    grant = plan.one(ROLE_ASSIGNMENT, "inference-gw-gateway")
    assert grant.urn in policy.dependencies
    assert plan.one(BACKEND).urn in policy.dependencies
    for operation in plan.of_type(API_OPERATION):
        assert policy.urn in operation.dependencies
        assert operation.inputs["urlTemplate"] == "/*"
    assert sorted(op.inputs["method"] for op in plan.of_type(API_OPERATION)) == ["GET", "POST"]


@pytest.mark.controls("MOD-4", "RES-5")
def test_inference_api_is_https_only_and_keyless(standard: Run) -> None:
    plan = standard.plan
    api = plan.one(API).inputs
    assert api["protocols"] == ["https"]
    assert api["subscriptionRequired"] is False
    assert api["path"] == "openai"
    assert api["serviceUrl"] == "https://aisgatewayfixture.cognitiveservices.azure.com/openai"
    backend = plan.one(BACKEND).inputs
    assert backend["url"] == api["serviceUrl"]
    assert backend["tls"] == {"validateCertificateChain": True, "validateCertificateName": True}
    assert "credentials" not in backend  # the policy authenticates with the managed identity
    rule = backend["circuitBreaker"]["rules"][0]
    assert rule["tripDuration"] == "PT1M"
    assert {"min": 429, "max": 429} in rule["failureCondition"]["statusCodeRanges"]
    assert {"min": 500, "max": 599} in rule["failureCondition"]["statusCodeRanges"]


@pytest.mark.controls("MOD-4")
def test_deployed_policy_validates_tokens_for_this_app_registration(standard: Run) -> None:
    plan = standard.plan
    policy = plan.one(API_POLICY).inputs
    assert policy["format"] == "rawxml"
    root = ET.fromstring(policy["value"])
    application = plan.one(APPLICATION)
    token = root.find("inbound/validate-azure-ad-token")
    assert token is not None and token.get("tenant-id") == TENANT_ID
    audience = f"api://{TENANT_ID}/apim-gateway-fixture"
    # The client id reaches the policy through a named value, so the document is known in a preview.
    assert [a.text for a in token.findall("audiences/audience")] == [audience, "{{gateway-client-id}}"]
    named = plan.one("azure-native:apimanagement:NamedValue").inputs
    assert (named["namedValueId"], named["value"], named["secret"]) == ("gateway-client-id", application.outputs["clientId"], False)
    assert root.find("inbound/llm-token-limit") is not None
    assert root.find("inbound/llm-content-safety") is None
    identity = root.find("inbound/authentication-managed-identity")
    assert identity is not None and identity.get("resource") == COGNITIVE_SERVICES_RESOURCE


@pytest.mark.controls("MOD-4")
def test_app_registration_is_the_token_audience_and_requires_the_role(standard: Run) -> None:
    plan = standard.plan
    application = plan.one(APPLICATION).inputs
    assert application["identifierUris"] == [f"api://{TENANT_ID}/apim-gateway-fixture"]
    assert application["signInAudience"] == "AzureADMyOrg"
    (role,) = application["appRoles"]
    assert role["value"] == "AI.Inference"
    assert role["id"] == app_role_id("AI.Inference")
    assert sorted(role["allowedMemberTypes"]) == ["Application", "User"]
    principal = plan.one(SERVICE_PRINCIPAL)
    assert principal.inputs["appRoleAssignmentRequired"] is True
    (scope,) = application["api"]["oauth2PermissionScopes"]
    assert (scope["value"], scope["type"], scope["enabled"]) == ("user_impersonation", "User", True)
    assert scope["id"] != role["id"]
    pre = plan.one(PRE_AUTHORIZED)
    assert pre.inputs["authorizedClientId"] == "04b07795-8ddb-461a-bbee-02f9e1bf7b46"  # Azure CLI
    assert pre.inputs["permissionIds"] == [scope["id"]]
    assert pre.inputs["applicationId"] == plan.one(APPLICATION).id
    assignment = plan.one(APP_ROLE_ASSIGNMENT).inputs
    assert assignment["appRoleId"] == role["id"]
    assert assignment["resourceObjectId"] == principal.outputs["objectId"]
    assert assignment["principalObjectId"] == "44444444-4444-4444-4444-444444444444"


@pytest.mark.controls("MOD-4", "RES-2")
def test_requests_are_logged_to_azure_monitor_and_the_workspace(standard: Run) -> None:
    plan = standard.plan
    service = plan.one(SERVICE)
    (diagnostic,) = [d.inputs for d in plan.of_type(API_DIAGNOSTIC) if d.inputs["diagnosticId"] == "azuremonitor"]
    assert diagnostic["loggerId"] == f"{service.id}/loggers/azuremonitor"
    assert diagnostic["sampling"] == {"samplingType": "fixed", "percentage": 100}
    for side in ("frontend", "backend"):
        for message in ("request", "response"):
            settings = diagnostic[side][message]
            assert settings["body"] == {"bytes": 0}
            assert "Authorization" not in settings["headers"]
    settings = [r.inputs for r in plan.of_type(DIAGNOSTICS) if r.inputs["resourceUri"] == service.id]
    assert len(settings) == 1
    assert settings[0]["logs"] == [{"categoryGroup": "allLogs", "enabled": True}]
    assert settings[0]["workspaceId"].endswith("/workspaces/log-gateway")


@pytest.mark.controls("RES-2")
def test_the_azure_monitor_logger_is_declared_before_the_diagnostic_that_uses_it(standard: Run, classic: Run) -> None:
    """Not assumed to exist: the program creates `loggers/azuremonitor` (as Microsoft's AI gateway
    labs do) and the API's azuremonitor diagnostic points at that resource, so it waits for it."""
    for run in (standard, classic):
        plan = run.plan
        service = plan.one(SERVICE)
        logger = plan.one(LOGGER, "azuremonitor")
        assert logger.inputs["loggerId"] == "azuremonitor"
        assert logger.inputs["loggerType"] == "azureMonitor"
        assert logger.inputs["serviceName"] == service.outputs["name"]
        assert logger.inputs["isBuffered"] is False
        assert "credentials" not in logger.inputs and "resourceId" not in logger.inputs  # no key, no target
        assert logger.id == f"{service.id}/loggers/azuremonitor"
        (diagnostic,) = [d for d in plan.of_type(API_DIAGNOSTIC) if d.inputs["diagnosticId"] == "azuremonitor"]
        assert diagnostic.inputs["loggerId"] == logger.id
        assert logger.urn in diagnostic.dependencies


@pytest.mark.controls("ACC-7", "ACC-5")
def test_classic_premium_is_internal_without_endpoint_and_calls_content_safety(classic: Run) -> None:
    plan = classic.plan
    service = plan.one(SERVICE).inputs
    assert service["sku"]["name"] == "Premium"
    assert service["virtualNetworkType"] == "Internal"
    assert service["virtualNetworkConfiguration"]["subnetResourceId"].endswith("/subnets/apim")
    assert service["publicNetworkAccess"] == "Enabled"  # explicit; Internal mode has no public gateway
    assert [r.name for r in plan.of_type(PRIVATE_ENDPOINT)] == ["ai-pe-account"]
    grant = plan.one(ROLE_ASSIGNMENT, "inference-gw-gateway").inputs
    assert grant["roleDefinitionId"].endswith(f"/roleDefinitions/{reference.ROLE_IDS[CONTENT_SAFETY_ROLE]}")
    backend = plan.one(GENERIC_RESOURCE, "content-safety")
    assert backend.inputs["parentResourcePath"] == "service/apim-gateway-fixture"
    assert backend.inputs["resourceType"] == "backends"
    assert backend.inputs["properties"]["credentials"] == {"managedIdentity": {"resource": COGNITIVE_SERVICES_RESOURCE}}
    policy = plan.one(API_POLICY)
    assert backend.urn in policy.dependencies
    safety = ET.fromstring(policy.inputs["value"]).find("inbound/llm-content-safety")
    assert safety is not None and safety.get("backend-id") == backend.inputs["resourceName"]


@pytest.mark.controls("MOD-4", "RES-2", "ACC-5")
def test_token_metrics_go_to_entra_only_app_insights_through_the_gateway_identity(standard: Run) -> None:
    plan = standard.plan
    service = plan.one(SERVICE)
    component = plan.one(APP_INSIGHTS)
    assert component.inputs["workspaceResourceId"].endswith("/workspaces/log-gateway")
    assert component.inputs["ingestionMode"] == "LogAnalytics"
    assert component.inputs["disableLocalAuth"] is True
    # the gateway identity may publish telemetry to that component, and nothing more there
    (publisher,) = [r for r in plan.of_type(ROLE_ASSIGNMENT) if r.inputs["scope"] == component.id]
    assert publisher.inputs["principalId"] == service.outputs["identity"]["principalId"]
    assert publisher.inputs["roleDefinitionId"].endswith(f"/roleDefinitions/{reference.ROLE_IDS['Monitoring Metrics Publisher']}")
    assert reference.ROLE_IDS["Monitoring Metrics Publisher"] == "3913510d-42f4-4e42-8a64-420c390055eb"
    # the logger authenticates with the managed identity (no instrumentation key) once it holds the role
    logger = plan.one(LOGGER, "appinsights")
    assert logger.inputs["loggerType"] == "applicationInsights"
    assert logger.inputs["resourceId"] == component.id
    assert logger.inputs["credentials"] == {
        "connectionString": component.outputs["connectionString"],
        "identityClientId": "SystemAssigned",
    }
    assert publisher.urn in logger.dependencies
    # the API's Application Insights diagnostic, with metrics on (else llm-emit-token-metric sends nothing)
    (diagnostic,) = [d.inputs for d in plan.of_type(API_DIAGNOSTIC) if d.inputs["diagnosticId"] == "applicationinsights"]
    assert diagnostic["loggerId"] == logger.id
    assert diagnostic["metrics"] is True
    assert diagnostic["apiId"] == plan.one(API).outputs["name"]
    root = ET.fromstring(plan.one(API_POLICY).inputs["value"])
    assert root.find("inbound/llm-emit-token-metric") is not None
    # the component's metrics go to the workspace; its logs are already there (workspace-based)
    (settings,) = [r.inputs for r in plan.of_type(DIAGNOSTICS) if r.inputs["resourceUri"] == component.id]
    assert settings["metrics"] == [{"category": "AllMetrics", "enabled": True}] and "logs" not in settings


@pytest.mark.controls("ACC-7")
def test_classic_tiers_need_no_lookup(classic: Run) -> None:
    assert "azure-native:apimanagement:getApiManagementService" not in classic.invokes
    assert reference.FIRST_DEPLOYMENT_TAG not in classic.plan.one(SERVICE).inputs["tags"]
