"""A deliberately insecure AI workload written with the classic pulumi-azure 6.x provider only.

Every problem below is intentional (most of them are simply the provider's defaults); the policy
pack must flag each one with its control id:

* Cognitive (OpenAI) account: key auth on, public network access on, no network ACLs, outbound
  access unrestricted, no managed identity.
* Model deployment: built-in content filter (no prompt shields), automatic version upgrades, a
  model that is not on the approved list.
* Storage account: shared keys on, public network access, nested items may be public, TLS 1.0,
  local users on, no infrastructure encryption.
* Key Vault: access policies instead of RBAC, no purge protection, public network access.
* Role assignment: Owner at subscription scope, no principal type.
* Container registry: admin user and anonymous pull on, public network access.
* AI Search: API keys on, public network access.
* API Management: TLS 1.0 on the frontend, public, no identity.
* Container app: plain HTTP accepted on the ingress.
* Log Analytics workspace: shared-key authentication on.
"""

import pulumi
import pulumi_azure as azure

config = pulumi.Config()
prefix = config.require("prefix")

group = azure.core.ResourceGroup("classic-rg", name=f"rg-{prefix}", location="westeurope")

account = azure.cognitive.Account(
    "openai",
    name=f"oai-{prefix}",
    resource_group_name=group.name,
    location=group.location,
    kind="OpenAI",
    sku_name="S0",
)

azure.cognitive.Deployment(
    "chat",
    cognitive_account_id=account.id,
    model=azure.cognitive.DeploymentModelArgs(format="OpenAI", name="gpt-35-turbo", version="0301"),
    sku=azure.cognitive.DeploymentSkuArgs(name="Standard", capacity=10),
)

azure.storage.Account(
    "data",
    name=f"st{prefix}",
    resource_group_name=group.name,
    location=group.location,
    account_tier="Standard",
    account_replication_type="LRS",
    min_tls_version="TLS1_0",
)

vault = azure.keyvault.KeyVault(
    "secrets",
    name=f"kv-{prefix}",
    resource_group_name=group.name,
    location=group.location,
    sku_name="standard",
    tenant_id="00000000-0000-0000-0000-000000000000",
)

azure.authorization.Assignment(
    "ci-owner",
    scope="/subscriptions/00000000-0000-0000-0000-000000000000",
    role_definition_name="Owner",
    principal_id="11111111-1111-1111-1111-111111111111",
)

azure.containerservice.Registry(
    "registry",
    name=f"cr{prefix}",
    resource_group_name=group.name,
    location=group.location,
    sku="Premium",
    admin_enabled=True,
    anonymous_pull_enabled=True,
)

azure.search.Service(
    "search",
    name=f"srch-{prefix}",
    resource_group_name=group.name,
    location=group.location,
    sku="standard",
)

azure.apimanagement.Service(
    "gateway",
    name=f"apim-{prefix}",
    resource_group_name=group.name,
    location=group.location,
    publisher_name="Contoso",
    publisher_email="api@example.com",
    sku_name="Developer_1",
    security=azure.apimanagement.ServiceSecurityArgs(frontend_tls10_enabled=True),
)

workspace = azure.operationalinsights.AnalyticsWorkspace(
    "logs",
    name=f"log-{prefix}",
    resource_group_name=group.name,
    location=group.location,
    sku="PerGB2018",
)

environment = azure.containerapp.Environment(
    "apps",
    name=f"cae-{prefix}",
    resource_group_name=group.name,
    location=group.location,
    log_analytics_workspace_id=workspace.id,
)

azure.containerapp.App(
    "web",
    name=f"ca-{prefix}",
    resource_group_name=group.name,
    container_app_environment_id=environment.id,
    revision_mode="Single",
    ingress=azure.containerapp.AppIngressArgs(
        target_port=8080,
        external_enabled=True,
        allow_insecure_connections=True,
        traffic_weights=[azure.containerapp.AppIngressTrafficWeightArgs(percentage=100, latest_revision=True)],
    ),
    template=azure.containerapp.AppTemplateArgs(
        containers=[azure.containerapp.AppTemplateContainerArgs(name="web", image="nginx:1.27", cpu=0.5, memory="1Gi")]
    ),
)

pulumi.export("vault", vault.name)
