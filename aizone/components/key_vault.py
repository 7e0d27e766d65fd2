"""Key Vault with RBAC, purge protection and private access only (DATA-7, DATA-5, ACC-7, RES-2,
RES-4). The landing zone keeps gateway certificates and named values here, never AI keys: key
authentication is off on every AI service."""

from __future__ import annotations

import pulumi
from pulumi_azure_native import authorization, keyvault

from aizone_policy.reference import BOUNDARY_TAG

from .base import Diagnostics, Placement, PrivateNetworking, implements
from .grants import Principal, grant_role
from .network import add_private_endpoint
from .observability import add_diagnostic_settings
from .protection import DataProtection

VAULT_TYPE = "azure-native:keyvault:Vault"
PRIVATE_LINK_GROUPS = ("vault",)
SOFT_DELETE_DAYS = 90
SECRET_READ_ROLES = frozenset({"Key Vault Secrets User"})


@implements("DATA-7", "DATA-5", "ACC-7", "RES-2", "RES-4")
class KeyVault(pulumi.ComponentResource):
    vault: keyvault.Vault

    def __init__(
        self,
        name: str,
        placement: Placement,
        vault_name: str,
        tenant_id: pulumi.Input[str],
        networking: PrivateNetworking,
        diagnostics: Diagnostics,
        protection: DataProtection = DataProtection(),
        boundary: str = "internal",
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("aizone:security:KeyVault", name, None, opts)
        self._logical_name = name
        self.vault = keyvault.Vault(
            f"{name}-vault",
            keyvault.VaultArgs(
                resource_group_name=placement.resource_group_name,
                location=placement.location,
                vault_name=vault_name,
                properties=keyvault.VaultPropertiesArgs(
                    tenant_id=tenant_id,
                    sku=keyvault.SkuArgs(family=keyvault.SkuFamily.A, name=keyvault.SkuName.STANDARD),
                    enable_rbac_authorization=True,
                    enable_soft_delete=True,
                    soft_delete_retention_in_days=SOFT_DELETE_DAYS,
                    enable_purge_protection=True,
                    public_network_access="Disabled",
                    network_acls=keyvault.NetworkRuleSetArgs(
                        default_action=keyvault.NetworkRuleAction.DENY,
                        bypass=keyvault.NetworkRuleBypassOptions.AZURE_SERVICES,
                    ),
                    enabled_for_deployment=False,
                    enabled_for_disk_encryption=False,
                    enabled_for_template_deployment=False,
                ),
                # The shared vault holds platform secrets (gateway certificates, named values): the
                # organisation's internal data, never an application's customer data.
                tags=placement.with_tags(**{BOUNDARY_TAG: boundary}),
            ),
            opts=pulumi.ResourceOptions(parent=self, protect=protection.protect),
        )
        add_private_endpoint(name, self.vault.id, VAULT_TYPE, PRIVATE_LINK_GROUPS[0], networking, placement, parent=self)
        add_diagnostic_settings(name, self.vault.id, diagnostics, parent=self)
        self.register_outputs({"vault_id": self.vault.id})

    def grant_secret_read(self, principal: Principal) -> authorization.RoleAssignment:
        """Read secrets (e.g. the gateway's named values) from this vault only."""
        return grant_role(
            f"{self._logical_name}-secrets-{principal.name}",
            "Key Vault Secrets User",
            self.vault,
            principal,
            allowed_roles=SECRET_READ_ROLES,
            parent=self,
        )
