"""AiGateway alone (no landing zone, no AiServices component: the account is given as data):
(a) a Python program under the offline preview's mocks, recorded in a fresh process, in the state
of a later `pulumi up` (the lookup finds the service with an approved Gateway endpoint connection);
(b) built through the component provider from camelCase inputs, as another language would."""

import xml.etree.ElementTree as ET
from typing import Any

import pytest

from pulumi_aizone.gateway import (
    INFERENCE_ROLE,
    SECURITY_PROPERTIES,
    AiGatewayArgs,
    app_role_id,
    validate_ai_gateway,
)
from pulumi_aizone.gateway_policy import COGNITIVE_SERVICES_RESOURCE
from pulumi_aizone_policy import reference

from ..plans import record
from .construct_probe import DIAGNOSTICS, NETWORK, PLACEMENT, Built, construct, networking

SERVICE = "azure-native:apimanagement:ApiManagementService"
API = "azure-native:apimanagement:Api"
API_POLICY = "azure-native:apimanagement:ApiPolicy"
BACKEND = "azure-native:apimanagement:Backend"
ROLE_ASSIGNMENT = "azure-native:authorization:RoleAssignment"
PRIVATE_ENDPOINT = "azure-native:network:PrivateEndpoint"
APPLICATION = "azuread:index/application:Application"
SERVICE_PRINCIPAL = "azuread:index/servicePrincipal:ServicePrincipal"
APP_ROLE_ASSIGNMENT = "azuread:index/appRoleAssignment:AppRoleAssignment"
TENANT = "11111111-1111-1111-1111-111111111111"
ACCOUNT_ID = (
    "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-ai/providers/Microsoft.CognitiveServices/accounts/ais-shared"
)
ENDPOINT = "https://ais-shared.cognitiveservices.azure.com/"
CALLER = "33333333-3333-3333-3333-333333333333"

# (a) The program: only AiGateway, the account from another stack as plain ids.
PROGRAM = """
from pulumi_aizone.gateway import AiGateway, AiGatewayArgs
from pulumi_aizone_gate import azure_mocks

azure_mocks.EXISTING_RESOURCES[azure_mocks.lookup_id("rg-gw", "Microsoft.ApiManagement", "service", "apim-alone")] = {
    "publicNetworkAccess": "Disabled",
    "privateEndpointConnections": [{
        "groupIds": ["Gateway"],
        "provisioningState": "Succeeded",
        "privateLinkServiceConnectionState": {"status": "Approved"},
    }],
}
AiGateway("gw", AiGatewayArgs(**ARGS))
"""


def program_args() -> dict[str, Any]:
    return {
        "placement": {"resource_group_name": "rg-gw", "location": "swedencentral", "tags": {"owner": "platform"}},
        "service_name": "apim-alone",
        "tenant_id": TENANT,
        "options": {"publisher_email": "platform@contoso.com", "publisher_name": "Platform team", "tokens_per_minute": 2000},
        "targets": [{"name": "shared-ai", "account_id": ACCOUNT_ID, "endpoint": ENDPOINT}],
        "subnet_id": f"{NETWORK}/virtualNetworks/vnet-hub/subnets/gateway",
        "networking": {
            "subnet_id": f"{NETWORK}/virtualNetworks/vnet-hub/subnets/privateEndpoints",
            "zone_ids": {"privatelink.azure-api.net": f"{NETWORK}/privateDnsZones/privatelink.azure-api.net"},
        },
        "diagnostics": {"workspace_id": DIAGNOSTICS["workspaceId"]},
        "role_assignments": [{"principal_name": "agent", "principal_id": CALLER, "role": "AI.Inference"}],
    }


class Alone:
    """The recorded plan of the program, looked up by type and name."""

    def __init__(self, plan: dict[str, Any]) -> None:
        assert plan["errors"] == []
        self.resources: list[dict[str, Any]] = plan["resources"]
        self.calls: list[dict[str, str]] = plan["calls"]

    def one(self, token: str, contains: str = "") -> dict[str, Any]:
        found = [r for r in self.resources if r["type"] == token and contains in r["name"]]
        assert len(found) == 1, [r["name"] for r in found]
        return found[0]


@pytest.fixture(scope="module")
def alone(tmp_path_factory: pytest.TempPathFactory) -> Alone:
    program = tmp_path_factory.mktemp("gateway-alone") / "program"
    program.mkdir()
    (program / "Pulumi.yaml").write_text("name: gateway-alone\nruntime: python\n")
    (program / "Pulumi.alone.yaml").write_text("config: {}\n")
    (program / "__main__.py").write_text(f"ARGS = {program_args()!r}\n{PROGRAM}")
    return Alone(record(program.parent, program=program, stack="alone"))


def test_the_program_args_are_valid() -> None:
    assert validate_ai_gateway(AiGatewayArgs(**program_args())) == []


@pytest.mark.controls("ACC-7", "ACC-6", "RES-5")
def test_alone_the_service_is_private_with_a_managed_identity_and_no_weak_tls(alone: Alone) -> None:
    service = alone.one(SERVICE)
    inputs = service["inputs"]
    assert inputs["publicNetworkAccess"] == "Disabled"
    assert inputs["virtualNetworkType"] == "External"  # outbound integration; inbound via the endpoint
    assert inputs["identity"] == {"type": "SystemAssigned"}
    assert inputs["customProperties"] == dict(SECURITY_PROPERTIES)
    assert set(SECURITY_PROPERTIES.values()) == {"False"}
    assert (inputs["developerPortalStatus"], inputs["legacyPortalStatus"]) == ("Disabled", "Disabled")
    assert reference.FIRST_DEPLOYMENT_TAG not in inputs["tags"]
    assert inputs["tags"] == {"owner": "platform", reference.INVENTORY_TAG: "gateway"}
    # the lookup goes through the component's provider (here: the default one)
    assert [c["token"] for c in alone.calls].count("azure-native:apimanagement:getApiManagementService") == 1
    endpoint = alone.one(PRIVATE_ENDPOINT, "gw-pe")["inputs"]
    assert endpoint["privateLinkServiceConnections"][0]["groupIds"] == ["Gateway"]
    assert endpoint["privateLinkServiceConnections"][0]["privateLinkServiceId"] == service["id"]


@pytest.mark.controls("ACC-5", "ACC-6")
def test_alone_the_gateway_identity_gets_the_inference_role_on_the_given_account_only(alone: Alone) -> None:
    service = alone.one(SERVICE)
    roles = [r for r in alone.resources if r["type"] == ROLE_ASSIGNMENT]
    assert [r["name"] for r in roles] == ["shared-ai-inference-gw-gateway"]  # no App Insights given: no publisher role
    grant = roles[0]["inputs"]
    assert grant["scope"] == ACCOUNT_ID
    assert grant["principalId"] == service["outputs"]["identity"]["principalId"]
    assert grant["principalType"] == "ServicePrincipal"
    assert grant["roleDefinitionId"] == (
        f"/subscriptions/00000000-0000-0000-0000-000000000000/providers/Microsoft.Authorization/roleDefinitions/"
        f"{reference.ROLE_IDS[INFERENCE_ROLE]}"
    )
    assert roles[0]["parent"].endswith("aizone:index:AiGateway::gw")
    assert roles[0]["aliases"] == [a for a in roles[0]["aliases"] if "AiServices" not in a]  # no component_urn given


@pytest.mark.controls("MOD-4", "ACC-1")
def test_alone_the_policy_validates_entra_tokens_and_no_key_is_used(alone: Alone) -> None:
    api = alone.one(API)["inputs"]
    assert api["subscriptionRequired"] is False
    assert api["protocols"] == ["https"]
    assert api["serviceUrl"] == "https://ais-shared.cognitiveservices.azure.com/openai"
    backend = alone.one(BACKEND)["inputs"]
    assert "credentials" not in backend
    policy = alone.one(API_POLICY)["inputs"]["value"]
    root = ET.fromstring(policy)
    token = root.find("inbound/validate-azure-ad-token")
    assert token is not None and token.get("tenant-id") == TENANT
    application = alone.one(APPLICATION)
    assert [a.text for a in token.findall("audiences/audience")] == [f"api://{TENANT}/apim-alone", "{{gateway-client-id}}"]
    # The named value the audience refers to holds the app registration's client id, in plain text.
    named = alone.one("azure-native:apimanagement:NamedValue")["inputs"]
    assert (named["namedValueId"], named["value"], named["secret"]) == ("gateway-client-id", application["outputs"]["clientId"], False)
    assert [v.text for v in token.findall("required-claims/claim/value")] == ["AI.Inference"]
    limit = root.find("inbound/llm-token-limit")
    assert limit is not None and limit.get("tokens-per-minute") == "2000"
    identity = root.find("inbound/authentication-managed-identity")
    assert identity is not None and identity.attrib == {"resource": COGNITIVE_SERVICES_RESOURCE}
    assert root.find("inbound/llm-emit-token-metric") is None  # no Application Insights given
    # The one named value the policy refers to is the (non-secret) client id of the token audience.
    assert policy.count("{{") == 1 and "{{gateway-client-id}}" in policy
    for key_material in ("api-key", "Ocp-Apim-Subscription-Key"):
        assert key_material not in policy


@pytest.mark.controls("MOD-4")
def test_alone_role_assignments_as_data_give_callers_the_app_role(alone: Alone) -> None:
    assert alone.one(SERVICE_PRINCIPAL)["inputs"]["appRoleAssignmentRequired"] is True
    assignment = alone.one(APP_ROLE_ASSIGNMENT, "gw-caller-agent")["inputs"]
    assert assignment["appRoleId"] == app_role_id("AI.Inference")
    assert assignment["principalObjectId"] == CALLER
    assert assignment["resourceObjectId"] == alone.one(SERVICE_PRINCIPAL)["outputs"]["objectId"]


# --- (b) through the component provider -------------------------------------------------------------

ARGS: dict[str, Any] = {
    "placement": PLACEMENT,
    "serviceName": "apim-probe",
    "tenantId": TENANT,
    "options": {"publisherEmail": "platform@contoso.com", "publisherName": "Platform team", "appRole": "AI.Call"},
    "targets": [{"name": "shared-ai", "accountId": ACCOUNT_ID, "endpoint": ENDPOINT}],
    "subnetId": f"{NETWORK}/virtualNetworks/vnet-hub/subnets/gateway",
    "networking": networking("privatelink.azure-api.net"),
    "diagnostics": DIAGNOSTICS,
    "appInsights": {
        "name": "hub-appi",
        "componentId": "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-hub/providers/microsoft.insights/components/appi-hub",
        "connectionString": "InstrumentationKey=00000000-0000-0000-0000-000000000000;IngestionEndpoint=https://swedencentral-0.in.applicationinsights.azure.com/",
    },
    "roleAssignments": [{"principalName": "ai-users", "principalId": "group-oid", "principalType": "Group", "role": "AI.Call"}],
}
BAD: dict[str, Any] = {
    **ARGS,
    "serviceName": "apim_probe",
    "options": {"publisherEmail": "nobody", "publisherName": "Platform team", "sku": "BasicV2"},
    "targets": [
        {"name": "shared-ai", "accountId": ACCOUNT_ID, "endpoint": ENDPOINT},
        {"name": "second", "accountId": "x", "endpoint": ENDPOINT},
    ],
    "networking": networking(),
    "roleAssignments": [{"principalName": "ai-users", "principalId": "group-oid", "role": "Cognitive Services OpenAI User"}],
}


@pytest.fixture(scope="module")
def built() -> Built:
    return construct([("AiGateway", "gw", ARGS), ("AiGateway", "bad", BAD)])


@pytest.mark.controls("ACC-7", "MOD-4")
def test_constructed_from_camel_case_inputs_the_gateway_is_built_with_its_outputs(built: Built) -> None:
    assert built.errors.get("gw") is None
    service = built.one(SERVICE, "gw-")
    # The probe's lookup answers with a service that has no approved Gateway endpoint connection
    # (the state between the two first runs): Azure refuses Disabled, so it stays Enabled and marked.
    assert service["publicNetworkAccess"] == "Enabled"
    assert reference.FIRST_DEPLOYMENT_TAG in service["tags"]
    assert service["serviceName"] == "apim-probe"
    assert service["sku"] == {"name": "StandardV2", "capacity": 1}
    assert service["virtualNetworkConfiguration"]["subnetResourceId"].endswith("/subnets/gateway")
    state = built.states["gw"]
    assert state["serviceId"] == "gw-apim_id"
    assert state["audience"] == f"api://{TENANT}/apim-probe"
    assert state["clientId"] == "gw-app-client"
    assert state["appRole"] == "AI.Call"
    assert set(state) == {
        "serviceId",
        "gatewayUrl",
        "inferenceUrl",
        "audience",
        "clientId",
        "appRole",
        "principalId",
        "servicePrincipalId",
    }


@pytest.mark.controls("ACC-5", "RES-2")
def test_constructed_the_gateway_publishes_telemetry_with_its_identity_and_calls_only_its_account(built: Built) -> None:
    roles = {r["name"]: r["inputs"] for r in built.of_type(ROLE_ASSIGNMENT, "")}
    assert set(roles) == {"shared-ai-inference-gw-gateway", "hub-appi-publisher-gw-gateway"}
    assert roles["shared-ai-inference-gw-gateway"]["scope"] == ACCOUNT_ID
    assert roles["hub-appi-publisher-gw-gateway"]["scope"] == ARGS["appInsights"]["componentId"]
    assert roles["hub-appi-publisher-gw-gateway"]["roleDefinitionId"].endswith(reference.ROLE_IDS["Monitoring Metrics Publisher"])
    logger = built.one("azure-native:apimanagement:Logger", "gw-logger-appinsights")
    assert logger["credentials"] == {"connectionString": ARGS["appInsights"]["connectionString"], "identityClientId": "SystemAssigned"}
    policy = ET.fromstring(built.one(API_POLICY, "gw-")["value"])
    assert [v.text for v in policy.findall("inbound/validate-azure-ad-token/required-claims/claim/value")] == ["AI.Call"]
    assert policy.find("inbound/llm-emit-token-metric") is not None
    assignment = built.one(APP_ROLE_ASSIGNMENT, "gw-caller-ai-users")
    assert assignment["appRoleId"] == app_role_id("AI.Call")
    assert assignment["principalObjectId"] == "group-oid"


def test_invalid_args_from_another_language_name_every_field_and_register_nothing(built: Built) -> None:
    lines = [line.strip() for line in built.errors["bad"].splitlines()[1:]]
    assert lines == [
        "AiGateway.service_name: 'apim_probe': 1-50 letters, digits and hyphens, starting with a letter and not ending with a hyphen",
        "AiGateway.options.publisher_email: 'nobody' is not an email address",
        "AiGateway.options.sku: 'BasicV2' is not allowed; allowed: StandardV2, Premium, Developer",
        "AiGateway.targets: exactly one {name, account_id, endpoint} entry (load balancing across accounts is not offered)",
        "AiGateway.role_assignments[0].role: 'Cognitive Services OpenAI User' is not allowed here; allowed: AI.Inference",
    ]
    assert built.named("bad") == []


def test_a_resource_group_known_only_at_deployment_needs_the_plain_name_for_the_lookup() -> None:
    class Computed:
        """Stands for a value known only at deployment (an Output of another resource)."""

    args = AiGatewayArgs(**program_args())
    args["placement"] = {"resource_group_name": Computed(), "location": "swedencentral"}  # type: ignore[typeddict-item]
    (problem,) = validate_ai_gateway(args)
    assert problem.field == "resource_group_name"
    assert problem.message.startswith("pass the resource group's name as a plain string")
    args["resource_group_name"] = "rg-gw"
    assert validate_ai_gateway(args) == []
    classic = AiGatewayArgs(**{**args, "options": {**args["options"], "sku": "Premium"}})
    del classic["resource_group_name"]
    assert validate_ai_gateway(classic) == []  # classic tiers need no lookup
