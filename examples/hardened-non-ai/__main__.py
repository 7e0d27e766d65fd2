"""A hardened stack of an ordinary team (no AI resources), written without the landing zone's
components: Entra-only, private, TLS 1.2, purge-protected, least privilege. It carries none of the
landing zone's own conventions (data-boundary tags, management locks, a central workspace, the
agent inventory), which the pack's landing-zone rules do not ask of non-AI stacks (scope.py).
The tests preview it against the pack and expect zero mandatory findings."""

import pulumi
import pulumi_azure as azure
from pulumi_azure_native import authorization, keyvault, operationalinsights, resources, storage

TENANT = "00000000-0000-0000-0000-000000000000"

group = resources.ResourceGroup("web-rg", resource_group_name="rg-web")

account = storage.StorageAccount(
    "assets",
    resource_group_name=group.name,
    kind="StorageV2",
    sku={"name": "Standard_ZRS"},
    allow_shared_key_access=False,
    default_to_o_auth_authentication=True,
    public_network_access="Disabled",
    network_rule_set={"default_action": "Deny", "bypass": "None"},
    minimum_tls_version="TLS1_2",
    enable_https_traffic_only=True,
    allow_blob_public_access=False,
    allow_cross_tenant_replication=False,
    encryption={"require_infrastructure_encryption": True, "key_source": "Microsoft.Storage"},
)

storage.BlobServiceProperties(
    "assets-blobs",
    resource_group_name=group.name,
    account_name=account.name,
    blob_services_name="default",
    is_versioning_enabled=True,
    delete_retention_policy={"enabled": True, "days": 30, "allow_permanent_delete": False},
    container_delete_retention_policy={"enabled": True, "days": 30},
)

keyvault.Vault(
    "secrets",
    resource_group_name=group.name,
    properties={
        "tenant_id": TENANT,
        "sku": {"family": "A", "name": "standard"},
        "enable_rbac_authorization": True,
        "enable_purge_protection": True,
        "enable_soft_delete": True,
        "public_network_access": "Disabled",
    },
)

operationalinsights.Workspace(
    "logs",
    resource_group_name=group.name,
    sku={"name": "PerGB2018"},
    features={"disable_local_auth": True},
)

# Readers of the team's resource group: a people group, never a broad role at a broad scope.
authorization.RoleAssignment(
    "team-readers",
    scope=group.id,
    role_definition_id="/subscriptions/sub/providers/Microsoft.Authorization/roleDefinitions/acdd72a7-3385-48ef-bd42-f606fba81ae7",
    principal_id="22222222-2222-2222-2222-222222222222",
    principal_type="Group",
)

# The same team also keeps a classic-provider vault (pulumi-azure 6.x), hardened alike.
classic_group = azure.core.ResourceGroup("legacy-rg", name="rg-legacy", location="westeurope")
azure.keyvault.KeyVault(
    "legacy-secrets",
    name="kv-legacy-web",
    resource_group_name=classic_group.name,
    location=classic_group.location,
    sku_name="standard",
    tenant_id=TENANT,
    purge_protection_enabled=True,
    rbac_authorization_enabled=True,
    public_network_access_enabled=False,
)

pulumi.export("account", account.name)
