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
* No private endpoints, no diagnostic settings and no data-boundary tags on the AI, data, gateway
  and vault resources.

Evasive variants: inputs crafted to look compliant, each of which the pack must still see through:

* Cognitive account: an outbound allow-list with a wildcard FQDN.
* RAI policy: mode Deferred (content is returned before it is filtered) and a renamed,
  non-blocking Jailbreak duplicate next to the compliant entry; a second deployment uses it.
* Diagnostic setting on the account with metrics only (no log category).
* Private endpoint on the storage account requesting a subresource storage does not offer, and
  no private DNS zone group.
* Role assignment: principalType "serviceprincipal" (not exactly ServicePrincipal).
* App Configuration: local auth "disabled" with the string "false" instead of the boolean.
* Storage: a local user (SFTP password), a credential outside Entra ID.

Management locks and role assignments (DATA-5, DATA-2/3, ACC-5), each looking compliant at a glance:

* No data-bearing resource (storage, Key Vault, AI Search) is created with Pulumi's protect
  option, and none is guarded against deletion: the vault's lock says lockLevel "cannotdelete"
  (not exactly CanNotDelete, so it is not counted and is reported itself), the search service's
  lock sits on a sibling resource group ("rg-<prefix>-archive"), the storage account has none.
* An agent identity of the customer boundary (application "support") is granted "storage blob
  data contributor" (a data role, by name in odd case) on "docs", the internal boundary's document
  store of the "chat" application (itself protected, locked and hardened): a grant across data
  boundaries, and a store shared by two applications.
* The same agent is granted " Owner" (stray blank) on the OpenAI account, and "Search Index Data
  Readers" (no built-in role of that name) on the search service.
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
    fqdns=["*.openai.azure.com"],
)

azure.cognitive.Deployment(
    "chat",
    cognitive_account_id=account.id,
    model=azure.cognitive.DeploymentModelArgs(format="OpenAI", name="gpt-35-turbo", version="0301"),
    sku=azure.cognitive.DeploymentSkuArgs(name="Standard", capacity=10),
)

data = azure.storage.Account(
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

search = azure.search.Service(
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

# --- Evasive variants --------------------------------------------------------------------------


def content_filter(
    name: str, source: str, block: bool = True, threshold: str = "Medium"
) -> azure.cognitive.AccountRaiPolicyContentFilterArgs:
    """One content filter entry (every field is required by the provider)."""
    return azure.cognitive.AccountRaiPolicyContentFilterArgs(
        name=name, source=source, filter_enabled=True, block_enabled=block, severity_threshold=threshold
    )


streaming = azure.cognitive.AccountRaiPolicy(
    "streaming-filter",
    name="streaming-filter",
    cognitive_account_id=account.id,
    base_policy_name="Microsoft.DefaultV2",
    mode="Deferred",
    content_filters=[
        content_filter("Jailbreak", "Prompt"),
        content_filter("jail_break", "Prompt", block=False),
        content_filter("Indirect Attack", "Prompt"),
        *(content_filter(harm, source) for harm in ("Hate", "Sexual", "Violence", "Selfharm") for source in ("Prompt", "Completion")),
    ],
)

azure.cognitive.Deployment(
    "chat-filtered",
    cognitive_account_id=account.id,
    model=azure.cognitive.DeploymentModelArgs(format="OpenAI", name="gpt-5.1", version="2025-11-13"),
    sku=azure.cognitive.DeploymentSkuArgs(name="GlobalStandard", capacity=10),
    rai_policy_name=streaming.name,
    version_upgrade_option="NoAutoUpgrade",
)

azure.monitoring.DiagnosticSetting(
    "openai-metrics",
    name="metrics-only",
    target_resource_id=account.id,
    log_analytics_workspace_id=workspace.id,
    enabled_metrics=[azure.monitoring.DiagnosticSettingEnabledMetricArgs(category="AllMetrics")],
)

azure.privatelink.Endpoint(
    "data-pe",
    name=f"pe-st{prefix}",
    resource_group_name=group.name,
    location=group.location,
    subnet_id="/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/net/providers/Microsoft.Network/virtualNetworks/spoke/subnets/pe",
    private_service_connection=azure.privatelink.EndpointPrivateServiceConnectionArgs(
        name="data",
        private_connection_resource_id=data.id,
        subresource_names=["vault"],
        is_manual_connection=False,
    ),
)

azure.authorization.Assignment(
    "reader-sp",
    scope=group.id,
    role_definition_name="Reader",
    principal_id="22222222-2222-2222-2222-222222222222",
    principal_type="serviceprincipal",
)

azure.appconfiguration.ConfigurationStore(
    "settings",
    name=f"appcs-{prefix}",
    resource_group_name=group.name,
    location=group.location,
    sku="standard",
    local_auth_enabled="false",  # pyright: ignore[reportArgumentType] - deliberately the string, not the boolean
    public_network_access="Disabled",
)

azure.storage.LocalUser(
    "sftp-partner",
    name="partner",
    storage_account_id=data.id,
    ssh_password_enabled=True,
)

# --- Management locks and role assignments -------------------------------------------------------

azure.management.Lock("secrets-lock", name="secrets-lock", scope=vault.id, lock_level="cannotdelete")

azure.management.Lock(
    "search-lock",
    name="search-lock",
    scope=f"/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-{prefix}-archive",
    lock_level="CanNotDelete",
)

docs = azure.storage.Account(
    "docs",
    name=f"stdocs{prefix}",
    resource_group_name=group.name,
    location=group.location,
    account_tier="Standard",
    account_replication_type="ZRS",
    shared_access_key_enabled=False,
    default_to_oauth_authentication=True,
    public_network_access_enabled=False,
    network_rules=azure.storage.AccountNetworkRulesArgs(default_action="Deny"),
    min_tls_version="TLS1_2",
    https_traffic_only_enabled=True,
    allow_nested_items_to_be_public=False,
    cross_tenant_replication_enabled=False,
    infrastructure_encryption_enabled=True,
    local_user_enabled=False,
    tags={"data-boundary": "internal", "aizone-application": "chat"},
    opts=pulumi.ResourceOptions(protect=True),
)
azure.management.Lock("docs-lock", name="docs-lock", scope=docs.id, lock_level="CanNotDelete")

agent = azure.authorization.UserAssignedIdentity(
    "support-agent",
    name=f"id-support-{prefix}",
    resource_group_name=group.name,
    location=group.location,
    tags={
        "aizone-inventory": "agent",
        "aizone-agent-owner": "owner@example.com",
        "data-boundary": "customer",
        "aizone-application": "support",
    },
)

azure.authorization.Assignment(
    "agent-docs",
    scope=docs.id,
    role_definition_name="storage blob data contributor",
    principal_id=agent.principal_id,
    principal_type="ServicePrincipal",
)

azure.authorization.Assignment(
    "agent-owner",
    scope=account.id,
    role_definition_name=" Owner",
    principal_id=agent.principal_id,
    principal_type="ServicePrincipal",
)

azure.authorization.Assignment(
    "agent-search",
    scope=search.id,
    role_definition_name="Search Index Data Readers",
    principal_id=agent.principal_id,
    principal_type="ServicePrincipal",
)

pulumi.export("vault", vault.name)
