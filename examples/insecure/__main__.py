"""A deliberately insecure AI workload, written with raw azure-native resources only (plus one Entra ID
Conditional Access policy, pulumi-azuread).

Every problem below is intentional; the policy pack must flag each one with its control id:

* AI Services account: local (key) auth on, public network access on, no network ACLs,
  no private endpoint, no diagnostic settings.
* Model deployment: a retired model (gpt-35-turbo 0301) that no allow-list should contain,
  no custom content-filter (RAI) policy, no explicit version-upgrade option (defaults to
  automatic upgrades).
* Storage account: shared-key access on and anonymous blob access allowed, tagged as internal data
  of the HR application, yet read by the website's public-boundary agent as well (two applications
  of different boundaries share it); no lock, no protect, no blob soft delete.
* No Defender for Cloud plans although the stack holds an AI account, storage, a vault and APIM.
* Role assignments: Owner at subscription scope for a CI service principal; Cognitive Services
  OpenAI User for a user-assigned identity that is in no inventory; the session executor role at
  resource-group scope.
* API Management: no managed identity, TLS 1.0 still enabled on the gateway.
* Key Vault: access policies instead of RBAC, no purge protection.
* Session pool: network egress enabled, no cooldown, no cap on concurrent sessions, an image from
  Docker Hub referenced by tag.

Evasive variants: inputs crafted to look compliant, each of which the pack must still see through
(tests/policy/test_policy_evasion.py has the unit cases):

* API policy: a C# character literal holding a quote ahead of an `api-key` header (a naive scanner
  takes the rest of the document for an expression), and token validation only inside <choose>.
* Backend: the key sent in an `Ocp-Apim-Subscription-Key` header.
* Role assignments: User Access Administrator at a resource group spelled without the leading
  slash and with a trailing one; a principalType with a stray blank (" User").
* PIM: an eligibility that lasts two years.
* RAI policy: mode Asynchronous_filter (content is returned before it is filtered) and a renamed,
  non-blocking Jailbreak duplicate next to the compliant entry.
* ML workspace: an approved-outbound managed network whose FQDN rule allows "*".
* Storage: a local user (SFTP password) although the account denies shared keys elsewhere.
* Conditional Access: a blank break-glass exclusion.
* AI Search: local auth "disabled" with the string "true" instead of the boolean.
* Azure Policy: an exemption from the guardrails without expiresOn (it never expires).
"""

import pulumi
import pulumi_azuread as azuread
from pulumi_azure_native import (
    apimanagement,
    app,
    authorization,
    cognitiveservices,
    keyvault,
    machinelearningservices,
    managedidentity,
    resources,
    search,
    storage,
)

config = pulumi.Config()
prefix = config.require("prefix")

group = resources.ResourceGroup(
    "insecure-rg",
    resource_group_name=f"rg-{prefix}-ai",
)

account = cognitiveservices.Account(
    "ai-services",
    account_name=f"{prefix}-ai-services",
    resource_group_name=group.name,
    kind="AIServices",
    sku=cognitiveservices.SkuArgs(name="S0"),
    properties=cognitiveservices.AccountPropertiesArgs(
        custom_sub_domain_name=f"{prefix}-ai-services",
        disable_local_auth=False,
        public_network_access=cognitiveservices.PublicNetworkAccess.ENABLED,
    ),
)

deployment = cognitiveservices.Deployment(
    "legacy-chat",
    account_name=account.name,
    resource_group_name=group.name,
    deployment_name="gpt-35-turbo",
    properties=cognitiveservices.DeploymentPropertiesArgs(
        model=cognitiveservices.DeploymentModelArgs(
            format="OpenAI",
            name="gpt-35-turbo",
            version="0301",
        ),
    ),
    sku=cognitiveservices.SkuArgs(name="Standard", capacity=10),
)

data = storage.StorageAccount(
    "data",
    account_name=f"{prefix}aidata",
    resource_group_name=group.name,
    kind=storage.Kind.STORAGE_V2,
    sku=storage.SkuArgs(name=storage.SkuName.STANDARD_LRS),
    allow_shared_key_access=True,
    allow_blob_public_access=True,
    tags={"data-boundary": "internal", "aizone-application": "hr"},
)

client = authorization.get_client_config()
subscription = f"/subscriptions/{client.subscription_id}"


def role(guid: str) -> str:
    """A built-in role definition id."""
    return f"{subscription}/providers/Microsoft.Authorization/roleDefinitions/{guid}"


OWNER = role("8e3af657-a8ff-443c-a75c-2fe8c4bcb635")
OPENAI_USER = role("5e0bd9bd-7b93-4f28-af87-19fc36ad61bd")
BLOB_READER = role("2a2b9908-6ea1-4ae2-8e65-a410df84e7d1")
SESSION_EXECUTOR = role("0fb8eba5-a2bb-4abe-b1c1-49dfad359bb0")

# A CI pipeline's service principal made Owner of the whole subscription.
authorization.RoleAssignment(
    "ci-owner",
    principal_id="77777777-7777-7777-7777-777777777777",
    principal_type=authorization.PrincipalType.SERVICE_PRINCIPAL,
    role_definition_id=OWNER,
    scope=subscription,
)

# An identity that calls the models but is in no inventory (no aizone-inventory tag).
shadow = managedidentity.UserAssignedIdentity("shadow-caller", resource_group_name=group.name)
authorization.RoleAssignment(
    "shadow-openai-user",
    principal_id=shadow.principal_id,
    principal_type=authorization.PrincipalType.SERVICE_PRINCIPAL,
    role_definition_id=OPENAI_USER,
    scope=account.id,
)

# Two applications of different boundaries read the same (internal) storage account.
readers = {
    "hr-agent": {"data-boundary": "internal", "aizone-application": "hr"},
    "web-agent": {"data-boundary": "public", "aizone-application": "website"},
}
for reader, tags in readers.items():
    identity = managedidentity.UserAssignedIdentity(reader, resource_group_name=group.name, tags=tags)
    authorization.RoleAssignment(
        f"{reader}-reads-data",
        principal_id=identity.principal_id,
        principal_type=authorization.PrincipalType.SERVICE_PRINCIPAL,
        role_definition_id=BLOB_READER,
        scope=data.id,
    )

gateway = apimanagement.ApiManagementService(
    "gateway",
    resource_group_name=group.name,
    publisher_email="ai@example.com",
    publisher_name="AI team",
    sku=apimanagement.ApiManagementServiceSkuPropertiesArgs(name=apimanagement.SkuType.DEVELOPER, capacity=1),
    custom_properties={"Microsoft.WindowsAzure.ApiManagement.Gateway.Security.Protocols.Tls10": "True"},
)

vault = keyvault.Vault(
    "secrets",
    resource_group_name=group.name,
    properties=keyvault.VaultPropertiesArgs(
        tenant_id=client.tenant_id,
        sku=keyvault.SkuArgs(family=keyvault.SkuFamily.A, name=keyvault.SkuName.STANDARD),
        access_policies=[],
    ),
)

environment = app.ManagedEnvironment("sessions-env", resource_group_name=group.name)
pool = app.ContainerAppsSessionPool(
    "code-sessions",
    resource_group_name=group.name,
    environment_id=environment.id,
    pool_management_type=app.PoolManagementType.DYNAMIC,
    container_type=app.ContainerType.CUSTOM_CONTAINER,
    session_network_configuration=app.SessionNetworkConfigurationArgs(status=app.SessionNetworkStatus.EGRESS_ENABLED),
    custom_container_template=app.CustomContainerTemplateArgs(
        containers=[
            app.SessionContainerArgs(
                name="sandbox",
                image="python:3.12",
                resources=app.SessionContainerResourcesArgs(cpu=0.5, memory="1Gi"),
            )
        ]
    ),
)
authorization.RoleAssignment(
    "shadow-runs-code",
    principal_id=shadow.principal_id,
    principal_type=authorization.PrincipalType.SERVICE_PRINCIPAL,
    role_definition_id=SESSION_EXECUTOR,
    scope=group.id,
)

# --- Evasive variants --------------------------------------------------------------------------

# A char literal holding a quote ('"') ends nowhere for a scanner that only knows strings; the
# api-key header after it is a key all the same. validate-azure-ad-token only inside <choose> does
# not protect the unconditional path.
EVASIVE_POLICY = """<policies>
    <inbound>
        <base />
        <choose><when condition="@(context.Request.Headers.ContainsKey(&quot;x-debug&quot;))">
            <validate-azure-ad-token tenant-id="00000000-0000-0000-0000-000000000000">
                <audiences><audience>api://gateway</audience></audiences>
            </validate-azure-ad-token>
        </when></choose>
        <set-variable name="probe" value="@(context.Request.Headers.GetValueOrDefault("x", "").IndexOf('"') > 0)" />
        <set-header name="api-key" exists-action="override"><value>sk-live-0123</value></set-header>
        <set-backend-service backend-id="models" />
    </inbound>
    <backend><forward-request /></backend>
    <outbound><base /></outbound>
    <on-error><base /></on-error>
</policies>"""
api = apimanagement.Api(
    "inference",
    resource_group_name=group.name,
    service_name=gateway.name,
    api_id="inference",
    display_name="Inference",
    path="openai",
    protocols=[apimanagement.Protocol.HTTPS],
    subscription_required=False,
)
apimanagement.ApiPolicy(
    "inference-policy",
    resource_group_name=group.name,
    service_name=gateway.name,
    api_id=api.name,
    policy_id="policy",
    format=apimanagement.PolicyContentFormat.RAWXML,
    value=EVASIVE_POLICY,
)
apimanagement.Backend(
    "models",
    resource_group_name=group.name,
    service_name=gateway.name,
    backend_id="models",
    protocol=apimanagement.BackendProtocol.HTTP,
    url=account.properties.apply(lambda p: f"{p.endpoint}openai"),
    credentials=apimanagement.BackendCredentialsContractArgs(header={"Ocp-Apim-Subscription-Key": ["sk-live-0123"]}),
)

# "subscriptions/<id>/resourceGroups/<rg>/" is the resource group all the same.
UAA = role("18d7d88d-d35e-4fb5-a5c3-7773c20a72d9")
authorization.RoleAssignment(
    "ops-access-admin",
    principal_id="88888888-8888-8888-8888-888888888888",
    principal_type=authorization.PrincipalType.GROUP,
    role_definition_id=UAA,
    scope=group.name.apply(lambda name: f"subscriptions/{client.subscription_id}/resourceGroups/{name}/"),
)
authorization.RoleAssignment(
    "analyst-reads-account",
    principal_id="99999999-9999-9999-9999-999999999999",
    principal_type=" User",
    role_definition_id=role("a97b65f3-24c7-4388-baec-2e87135dc908"),  # Cognitive Services User
    scope=account.id,
)
authorization.PimRoleEligibilitySchedule(
    "ops-eligible",
    principal_id="88888888-8888-8888-8888-888888888888",
    role_definition_id=role("25fbc0a9-bd7c-42a3-aa1a-3b75d497ee68"),  # Cognitive Services Contributor
    scope=account.id,
    schedule_info=authorization.RoleEligibilityScheduleRequestPropertiesScheduleInfoArgs(
        expiration=authorization.RoleEligibilityScheduleRequestPropertiesExpirationArgs(type="AfterDuration", duration="P2Y"),
    ),
)


def content_filter(
    name: str, source: str, blocking: bool = True, threshold: str | None = "Medium"
) -> cognitiveservices.RaiPolicyContentFilterArgs:
    """One content filter entry."""
    return cognitiveservices.RaiPolicyContentFilterArgs(
        name=name, source=source, enabled=True, blocking=blocking, severity_threshold=threshold
    )


cognitiveservices.RaiPolicy(
    "streaming-filter",
    account_name=account.name,
    resource_group_name=group.name,
    rai_policy_name="streaming-filter",
    properties=cognitiveservices.RaiPolicyPropertiesArgs(
        mode="Asynchronous_filter",
        content_filters=[
            content_filter("Jailbreak", "Prompt", threshold=None),
            content_filter("jail break", "Prompt", blocking=False, threshold=None),
            content_filter("Indirect Attack", "Prompt", threshold=None),
            *(content_filter(harm, source) for harm in ("Hate", "Sexual", "Violence", "Selfharm") for source in ("Prompt", "Completion")),
        ],
    ),
)

machinelearningservices.Workspace(
    "ml",
    resource_group_name=group.name,
    identity=machinelearningservices.ManagedServiceIdentityArgs(type=machinelearningservices.ManagedServiceIdentityType.SYSTEM_ASSIGNED),
    public_network_access=machinelearningservices.PublicNetworkAccessType.DISABLED,
    managed_network=machinelearningservices.ManagedNetworkSettingsArgs(
        isolation_mode=machinelearningservices.IsolationMode.ALLOW_ONLY_APPROVED_OUTBOUND,
        outbound_rules={"anything": machinelearningservices.FqdnOutboundRuleArgs(type="FQDN", destination="*", category="UserDefined")},
    ),
)

storage.LocalUser(
    "sftp-partner",
    account_name=data.name,
    resource_group_name=group.name,
    username="partner",
    has_ssh_password=True,
)

azuread.ConditionalAccessPolicy(
    "ai-mfa",
    display_name="AI: require MFA",
    state="enabled",
    conditions=azuread.ConditionalAccessPolicyConditionsArgs(
        client_app_types=["all"],
        applications=azuread.ConditionalAccessPolicyConditionsApplicationsArgs(included_applications=["All"]),
        users=azuread.ConditionalAccessPolicyConditionsUsersArgs(included_users=["All"], excluded_users=[" "]),
    ),
    grant_controls=azuread.ConditionalAccessPolicyGrantControlsArgs(operator="OR", built_in_controls=["mfa"]),
)

search.Service(
    "search",
    resource_group_name=group.name,
    sku=search.SkuArgs(name=search.SkuName.STANDARD),
    disable_local_auth="true",  # pyright: ignore[reportArgumentType] - deliberately the string, not the boolean
    public_network_access=search.PublicNetworkAccess.DISABLED,
    identity=search.IdentityArgs(type=search.IdentityType.SYSTEM_ASSIGNED),
    tags={"data-boundary": "internal", "aizone-application": "hr"},
)

# RES-6: a waiver of an organisation's guardrails that never expires (no expiresOn).
authorization.PolicyExemption(
    "forever",
    policy_assignment_id=group.id.apply(lambda gid: f"{gid}/providers/Microsoft.Authorization/policyAssignments/guardrails"),
    scope=data.id,
    exemption_category=authorization.ExemptionCategory.WAIVER,
    description="temporary",
)

pulumi.export("endpoint", account.properties.apply(lambda p: p.endpoint))
pulumi.export("storage_account", data.name)
