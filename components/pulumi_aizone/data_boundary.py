"""Isolated storage per application and data boundary (DATA-1, DATA-2, DATA-3, DATA-5, DATA-6,
ACC-1, ACC-7, RES-2, RES-4, RES-5).

Each application gets its own storage account, tagged with its boundary (`internal`, `customer`,
`public`). Access is by Entra ID only (no shared keys, OAuth by default), only through a private
endpoint, and only for identities of the same boundary: `grant_read` / `grant_write` refuse an
identity of another boundary before anything is created.
"""

# No `from __future__ import annotations`: Pulumi's schema inference reads these annotations.
from typing import NotRequired, Optional, Sequence, TypedDict

import pulumi
from pulumi_azure_native import authorization, storage

from pulumi_aizone_policy.reference import APPLICATION_TAG, BOUNDARY_TAG

from . import naming
from .base import (
    BOUNDARIES,
    NAME_PATTERN,
    NAME_RULE,
    DataProtectionArgs,
    DiagnosticsArgs,
    PlacementArgs,
    PrivateNetworkingArgs,
    Problem,
    RoleAssignmentArgs,
    aliased,
    implements,
    protect_of,
    raise_if_invalid,
    tags_of,
    validate_placement,
)
from .grants import Grant, GrantError, KeepsGrants, Principal, grant_role, principal_of, validate_role_assignments
from .network import add_private_endpoint
from .observability import add_diagnostic_settings

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


TYPE_TOKEN = "aizone:index:DataBoundary"
_OLD_TYPE_TOKEN = "aizone:data:DataBoundary"  # before 0.2.0: aliased so stacks are not replaced


BLOB_METRIC_CATEGORIES: tuple[str, ...] = ("Capacity", "Transaction")


class DataBoundaryArgs(TypedDict):
    """Inputs of DataBoundary: one application's dataset."""

    placement: PlacementArgs
    """Resource group, region and tags of the storage account and its private endpoint."""
    application: str
    """The application the data belongs to (plain: it tags the account and names the grants)."""
    boundary: str
    """The application's data boundary: `internal`, `customer` or `public` (DATA-1)."""
    account_name: pulumi.Input[str]
    """Globally unique storage account name: 3-24 lowercase letters and digits (checked when given as a plain string)."""
    networking: PrivateNetworkingArgs
    """Subnet and private DNS zones of the account's `blob` private endpoint."""
    diagnostics: DiagnosticsArgs
    """Workspace the account's metrics and its blob service's logs go to (RES-2)."""
    protection: NotRequired[DataProtectionArgs]
    """Pulumi `protect` on the storage account. Default: protected."""
    role_assignments: NotRequired[Sequence[RoleAssignmentArgs]]
    """Blob access on the `data` container, as data: `Storage Blob Data Reader` or `Storage Blob
    Data Contributor`, only for principals of the same `boundary` (DATA-3). Default: none."""


def validate_data_boundary(args: DataBoundaryArgs) -> list[Problem]:
    """Every problem with DataBoundary args, each naming its field."""
    problems = validate_placement(args.get("placement"))
    if not NAME_PATTERN.match(str(args.get("application", ""))):
        problems.append(Problem("application", NAME_RULE))
    boundary = args.get("boundary")
    if boundary not in BOUNDARIES:
        problems.append(Problem("boundary", f"one of {', '.join(BOUNDARIES)}"))
    account_name = args.get("account_name")
    if account_name is None:
        problems.append(Problem("account_name", "the storage account name is required"))
    elif isinstance(account_name, str) and (problem := naming.check_name("storage", account_name)):
        problems.append(Problem("account_name", problem))
    if not isinstance(args.get("networking"), dict) or "subnet_id" not in args.get("networking", {}):
        problems.append(Problem("networking", "a {subnet_id, zone_ids} block is required: the account is private only"))
    if not isinstance(args.get("diagnostics"), dict) or "workspace_id" not in args.get("diagnostics", {}):
        problems.append(Problem("diagnostics", "a {workspace_id} block is required (RES-2)"))
    assignments = args.get("role_assignments")
    problems += validate_role_assignments(assignments, (READ_ROLE, WRITE_ROLE))
    for index, assignment in enumerate(assignments or ()):
        if isinstance(assignment, dict) and boundary in BOUNDARIES and assignment.get("boundary") != boundary:
            problems.append(
                Problem(
                    f"role_assignments[{index}].boundary",
                    f"must be {boundary!r}: only identities of this data boundary get its data (DATA-3)",
                )
            )
    return problems


@implements("DATA-1", "DATA-2", "DATA-3", "DATA-5", "DATA-6", "ACC-1", "ACC-7", "RES-2", "RES-4", "RES-5")
class DataBoundary(KeepsGrants, pulumi.ComponentResource):
    """One application's dataset: a hardened storage account (Entra ID only, private only, soft
    delete and versioning) and a private `data` container, tagged with its data boundary."""

    account_id: pulumi.Output[str]
    """Resource id of the storage account."""
    account_name: pulumi.Output[str]
    """Name of the storage account."""
    container_name: pulumi.Output[str]
    """Name of the blob container holding the data (`data`)."""
    data_boundary: pulumi.Output[str]
    """The data boundary the account is tagged with."""

    def __init__(self, name: str, args: DataBoundaryArgs, opts: Optional[pulumi.ResourceOptions] = None) -> None:
        raise_if_invalid("DataBoundary", validate_data_boundary(args))
        super().__init__(
            TYPE_TOKEN,
            name,
            {},
            aliased(opts, _OLD_TYPE_TOKEN),
        )
        placement = args["placement"]
        networking = args["networking"]
        diagnostics = args["diagnostics"]
        application = args["application"]
        boundary = args["boundary"]
        self.application = application
        self.boundary = boundary
        self._logical_name = name
        tags = tags_of(placement, **{BOUNDARY_TAG: boundary, APPLICATION_TAG: application})
        self.account = storage.StorageAccount(
            f"{name}-storage",
            storage.StorageAccountArgs(
                resource_group_name=placement["resource_group_name"],
                location=placement["location"],
                account_name=args["account_name"],
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
            opts=pulumi.ResourceOptions(parent=self, protect=protect_of(args.get("protection"))),
        )
        # Soft delete and versioning (DATA-5): a deleted or overwritten blob can be recovered.
        blob_service = storage.BlobServiceProperties(
            f"{name}-blob-service",
            storage.BlobServicePropertiesArgs(
                resource_group_name=placement["resource_group_name"],
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
                resource_group_name=placement["resource_group_name"],
                account_name=self.account.name,
                container_name="data",
                public_access=storage.PublicAccess.NONE,
            ),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[blob_service]),
        )
        add_private_endpoint(
            name,
            self.account.id,
            STORAGE_TYPE,
            PRIVATE_LINK_GROUPS[0],
            networking,
            placement,
            parent=self,
            depends_on=[self.container],
        )
        # The account offers only metrics; blob logs live on its blob service sub-resource.
        add_diagnostic_settings(f"{name}-account", self.account.id, diagnostics, parent=self, logs=False)
        add_diagnostic_settings(
            f"{name}-blob",
            pulumi.Output.concat(self.account.id, "/blobServices/default"),
            diagnostics,
            parent=self,
            depends_on=[blob_service],
            # The blob service's metric categories (Learn "Supported metrics for
            # Microsoft.Storage/storageAccounts/blobServices": Capacity and Transaction). Azure
            # stores a blob service's `AllMetrics` as these two, so asking for `AllMetrics` showed
            # as drift on every refresh (Azure/terraform-azurerm-avm-res-storage-storageaccount
            # pull request #380 normalises it the same way).
            metric_categories=BLOB_METRIC_CATEGORIES,
        )
        for assignment in args.get("role_assignments", ()):
            principal = principal_of(assignment)
            if assignment["role"] == WRITE_ROLE:
                self.grant_write(principal)
            else:
                self.grant_read(principal)
        self.account_id = self.account.id
        self.account_name = self.account.name
        self.container_name = self.container.name
        self.data_boundary = pulumi.Output.from_input(boundary)
        self.register_outputs(
            {
                "account_id": self.account_id,
                "account_name": self.account_name,
                "container_name": self.container_name,
                "data_boundary": self.data_boundary,
            }
        )

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
        return self._keep(
            grant_role(
                f"{self._logical_name}-reader-{principal.name}",
                READ_ROLE,
                scope_id=self.account.id,
                scope_name=f"{self._logical_name}-storage",
                principal=principal,
                allowed_roles={READ_ROLE},
                parent=self,
            )
        )

    def _check_boundary(self, principal: Principal) -> None:
        check_same_boundary(principal, self.application, self.boundary)

    def _grant(self, principal: Principal, role: str) -> Grant[authorization.RoleAssignment]:
        return self._keep(
            grant_role(
                f"{self._logical_name}-{role.split()[-1].lower()}-{principal.name}",
                role,
                scope_id=self.account.id,
                scope_name=f"{self._logical_name}-storage",
                principal=principal,
                allowed_roles={READ_ROLE, WRITE_ROLE},
                parent=self,
                sub_scope="/blobServices/default/containers/data",
            )
        )
