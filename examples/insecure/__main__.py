"""A deliberately insecure AI workload, written with raw azure-native resources only.

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
"""

import pulumi
from pulumi_azure_native import apimanagement, app, authorization, cognitiveservices, keyvault, managedidentity, resources, storage

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

pulumi.export("endpoint", account.properties.apply(lambda p: p.endpoint))
pulumi.export("storage_account", data.name)
