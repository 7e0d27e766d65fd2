"""Isolated storage per application and data boundary (DATA-1, DATA-2, DATA-3, DATA-5, DATA-6,
ACC-1, ACC-7, RES-2, RES-4, RES-5).

Each application gets its own storage account, tagged with its boundary (`internal`, `customer`,
`public`). Access is by Entra ID only (no shared keys, OAuth by default), only through a private
endpoint, and only for identities of the same boundary: `grant_read` / `grant_write` refuse an
identity of another boundary before anything is created.
"""

from __future__ import annotations


import pulumi
from pulumi_azure_native import authorization, storage

from aizone_policy.reference import APPLICATION_TAG, BOUNDARY_TAG

from .base import Diagnostics, Placement, PrivateNetworking, implements
from .grants import Grant, GrantError, KeepsGrants, Principal, grant_role
from .network import add_private_endpoint
from .observability import add_diagnostic_settings
from . import naming
from .protection import DataProtection

STORAGE_TYPE = "azure-native:storage:StorageAccount"
PRIVATE_LINK_GROUPS = ("blob",)
READ_ROLE = "Storage Blob Data Reader"
WRITE_ROLE = "Storage Blob Data Contributor"
RETENTION_DAYS = 30


def storage_account_name(prefix: str, application: str, boundary: str, seed: str) -> str:
    """3-24 lowercase letters and digits (`st<prefix>` + digest): one per application and boundary,
    unique per `seed` (the stack's subscription, region, project, stack, prefix and environment)."""
    return naming.global_name("storage", f"st{prefix}", seed, application, boundary)


@implements("DATA-3")
def check_same_boundary(principal: Principal, application: str, boundary: str) -> None:
    """Refuse, before anything is created, to give `principal` data of another boundary (DATA-3)."""
    if principal.boundary != boundary:
        raise GrantError(
            f"{principal.name} belongs to the {principal.boundary!r} data boundary and cannot be given data of "
            f"{application!r}, which is {boundary!r} (DATA-3)"
        )


@implements("DATA-1", "DATA-2", "DATA-3", "DATA-5", "DATA-6", "ACC-1", "ACC-7", "RES-2", "RES-4", "RES-5")
class DataBoundary(KeepsGrants, pulumi.ComponentResource):
    """One application's dataset: a hardened storage account and a private `data` container."""

    account: storage.StorageAccount
    container: storage.BlobContainer

    def __init__(
        self,
        name: str,
        placement: Placement,
        application: str,
        boundary: str,
        account_name: str,
        networking: PrivateNetworking,
        diagnostics: Diagnostics,
        protection: DataProtection = DataProtection(),
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("aizone:data:DataBoundary", name, None, opts)
        self.application = application
        self.boundary = boundary
        self._logical_name = name
        tags = placement.with_tags(**{BOUNDARY_TAG: boundary, APPLICATION_TAG: application})
        self.account = storage.StorageAccount(
            f"{name}-storage",
            storage.StorageAccountArgs(
                resource_group_name=placement.resource_group_name,
                location=placement.location,
                account_name=account_name,
                kind=storage.Kind.STORAGE_V2,
                sku=storage.SkuArgs(name=storage.SkuName.STANDARD_ZRS),
                # Entra ID only (ACC-1).
                allow_shared_key_access=False,
                default_to_o_auth_authentication=True,
                is_local_user_enabled=False,
                is_sftp_enabled=False,
                # Private only (ACC-7): the private endpoint is the way in.
                public_network_access=storage.PublicNetworkAccess.DISABLED,
                network_rule_set=storage.NetworkRuleSetArgs(
                    default_action=storage.DefaultAction.DENY,
                    bypass=storage.Bypass.AZURE_SERVICES,
                    ip_rules=[],
                    virtual_network_rules=[],
                ),
                # Hardening (DATA-6, RES-5).
                allow_blob_public_access=False,
                allow_cross_tenant_replication=False,
                allowed_copy_scope=storage.AllowedCopyScope.PRIVATE_LINK,
                minimum_tls_version=storage.MinimumTlsVersion.TLS1_2,
                enable_https_traffic_only=True,
                encryption=storage.EncryptionArgs(
                    key_source=storage.KeySource.MICROSOFT_STORAGE,
                    require_infrastructure_encryption=True,
                    services=storage.EncryptionServicesArgs(
                        blob=storage.EncryptionServiceArgs(enabled=True, key_type=storage.KeyType.ACCOUNT),
                        file=storage.EncryptionServiceArgs(enabled=True, key_type=storage.KeyType.ACCOUNT),
                    ),
                ),
                tags=tags,
            ),
            opts=pulumi.ResourceOptions(parent=self, protect=protection.protect),
        )
        # Soft delete and versioning (DATA-5): a deleted or overwritten blob can be recovered.
        blob_service = storage.BlobServiceProperties(
            f"{name}-blob-service",
            storage.BlobServicePropertiesArgs(
                resource_group_name=placement.resource_group_name,
                account_name=self.account.name,
                blob_services_name="default",
                is_versioning_enabled=True,
                change_feed=storage.ChangeFeedArgs(enabled=True, retention_in_days=RETENTION_DAYS),
                delete_retention_policy=storage.DeleteRetentionPolicyArgs(enabled=True, days=RETENTION_DAYS, allow_permanent_delete=False),
                container_delete_retention_policy=storage.DeleteRetentionPolicyArgs(enabled=True, days=RETENTION_DAYS),
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.container = storage.BlobContainer(
            f"{name}-data",
            storage.BlobContainerArgs(
                resource_group_name=placement.resource_group_name,
                account_name=self.account.name,
                container_name="data",
                public_access=storage.PublicAccess.NONE,
            ),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[blob_service]),
        )
        add_private_endpoint(
            name, self.account.id, STORAGE_TYPE, PRIVATE_LINK_GROUPS[0], networking, placement, parent=self,
            depends_on=[self.container],
        )
        # The account offers only metrics; blob logs live on its blob service sub-resource.
        add_diagnostic_settings(f"{name}-account", self.account.id, diagnostics, parent=self, logs=False)
        add_diagnostic_settings(
            f"{name}-blob", pulumi.Output.concat(self.account.id, "/blobServices/default"), diagnostics, parent=self,
            depends_on=[blob_service],
        )
        self.register_outputs({"account_id": self.account.id, "boundary": boundary})

    def grant_read(self, principal: Principal) -> Grant[authorization.RoleAssignment]:
        """Blob read access for an identity of this boundary only (DATA-3)."""
        self._check_boundary(principal)
        return self._grant(principal, READ_ROLE)

    def grant_write(self, principal: Principal) -> Grant[authorization.RoleAssignment]:
        """Blob read/write access for an identity of this boundary only (DATA-3)."""
        self._check_boundary(principal)
        return self._grant(principal, WRITE_ROLE)

    def grant_governance_read(self, principal: Principal) -> Grant[authorization.RoleAssignment]:
        """Read access for the data governance scanner (Microsoft Purview, DATA-4), which classifies
        every boundary's data and is not an application: it carries no boundary of its own.

        Scope: the storage account, not one container. Learn, "Connect to Azure Blob storage in
        Microsoft Purview" (https://learn.microsoft.com/purview/register-scan-azure-blob-storage-source),
        managed identity authentication: assign Storage Blob Data Reader to the Purview account
        on the storage account, so a scan enumerates every container. The page asks for no
        control-plane Reader role for the account's identity (registering the source needs
        Purview's Data Source Admin role for the person who registers it), so none is granted."""
        if principal.boundary is not None:
            raise GrantError(f"{principal.name}: governance read is for the platform's scanner identity, not an application's")
        return self._keep(grant_role(
            f"{self._logical_name}-reader-{principal.name}",
            READ_ROLE,
            scope_id=self.account.id,
            scope_name=f"{self._logical_name}-storage",
            principal=principal,
            allowed_roles={READ_ROLE},
            parent=self,
        ))

    def _check_boundary(self, principal: Principal) -> None:
        check_same_boundary(principal, self.application, self.boundary)

    def _grant(self, principal: Principal, role: str) -> Grant[authorization.RoleAssignment]:
        return self._keep(grant_role(
            f"{self._logical_name}-{role.split()[-1].lower()}-{principal.name}",
            role,
            scope_id=self.account.id,
            scope_name=f"{self._logical_name}-storage",
            principal=principal,
            allowed_roles={READ_ROLE, WRITE_ROLE},
            parent=self,
            sub_scope="/blobServices/default/containers/data",
        ))
