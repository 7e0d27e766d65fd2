"""Key Vault with RBAC, purge protection and private access only (DATA-7, DATA-5, ACC-7, RES-2,
RES-4). The landing zone keeps gateway certificates and named values here, never AI keys: key
authentication is off on every AI service."""

# No `from __future__ import annotations`: Pulumi's schema inference reads these annotations.
from typing import NotRequired, Optional, Sequence, TypedDict

import pulumi
from pulumi_azure_native import authorization, keyvault

from pulumi_aizone_policy.reference import BOUNDARY_TAG

from . import naming
from .base import (
    BOUNDARIES,
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
from .grants import Grant, KeepsGrants, Principal, grant_role, principal_of, validate_role_assignments
from .network import add_private_endpoint
from .observability import add_diagnostic_settings

VAULT_TYPE = "azure-native:keyvault:Vault"
PRIVATE_LINK_GROUPS = ("vault",)
SOFT_DELETE_DAYS = 90
SECRET_READ_ROLES = frozenset({"Key Vault Secrets User"})

TYPE_TOKEN = "aizone:index:KeyVault"
_OLD_TYPE_TOKEN = "aizone:security:KeyVault"  # before 0.2.0: aliased so stacks are not replaced


class KeyVaultArgs(TypedDict):
    """Inputs of KeyVault."""

    placement: PlacementArgs
    """Resource group, region and tags of the vault and its private endpoint."""
    vault_name: pulumi.Input[str]
    """Globally unique vault name: 3-24 lowercase letters, digits and single hyphens, starting with
    a letter (checked when given as a plain string)."""
    tenant_id: pulumi.Input[str]
    """Entra tenant id the vault authenticates requests against."""
    networking: PrivateNetworkingArgs
    """Subnet and private DNS zones of the vault's private endpoint (group `vault`)."""
    diagnostics: DiagnosticsArgs
    """Workspace the vault's audit logs and metrics go to (RES-2)."""
    protection: NotRequired[DataProtectionArgs]
    """Pulumi `protect` on the vault. Default: protected."""
    boundary: NotRequired[str]
    """Data boundary tag of the secrets kept here: `internal`, `customer` or `public`. Default: `internal`."""
    role_assignments: NotRequired[Sequence[RoleAssignmentArgs]]
    """Grants on this vault, as data. Allowed role: `Key Vault Secrets User`. Default: none."""


def validate_key_vault(args: KeyVaultArgs) -> list[Problem]:
    """Every problem with KeyVault args, each naming its field."""
    problems = validate_placement(args.get("placement"))
    vault_name = args.get("vault_name")
    if vault_name is None:
        problems.append(Problem("vault_name", "the vault name is required"))
    elif isinstance(vault_name, str) and (problem := naming.check_name("keyVault", vault_name)):
        problems.append(Problem("vault_name", problem))
    if not args.get("tenant_id"):
        problems.append(Problem("tenant_id", "the Entra tenant id is required"))
    if not isinstance(args.get("networking"), dict) or "subnet_id" not in args.get("networking", {}):
        problems.append(Problem("networking", "a {subnet_id, zone_ids} block is required: the vault is private only"))
    if not isinstance(args.get("diagnostics"), dict) or "workspace_id" not in args.get("diagnostics", {}):
        problems.append(Problem("diagnostics", "a {workspace_id} block is required (RES-2)"))
    if args.get("boundary", "internal") not in BOUNDARIES:
        problems.append(Problem("boundary", f"one of {', '.join(BOUNDARIES)}"))
    problems += validate_role_assignments(args.get("role_assignments"), SECRET_READ_ROLES)
    return problems


@implements("DATA-7", "DATA-5", "ACC-7", "RES-2", "RES-4")
class KeyVault(KeepsGrants, pulumi.ComponentResource):
    """A Key Vault that authorises by Azure RBAC only, keeps deleted secrets for 90 days with purge
    protection, and is reachable only through its private endpoint (DATA-7, DATA-5, ACC-7)."""

    vault_id: pulumi.Output[str]
    """Resource id of the vault."""
    vault_name: pulumi.Output[str]
    """Name of the vault."""
    vault_uri: pulumi.Output[str]
    """Data-plane URI of the vault (`https://<name>.vault.azure.net/`)."""

    def __init__(self, name: str, args: KeyVaultArgs, opts: Optional[pulumi.ResourceOptions] = None) -> None:
        raise_if_invalid("KeyVault", validate_key_vault(args))
        super().__init__(
            TYPE_TOKEN,
            name,
            {},
            aliased(opts, _OLD_TYPE_TOKEN),
        )
        self._logical_name = name
        placement = args["placement"]
        self.vault = keyvault.Vault(
            f"{name}-vault",
            keyvault.VaultArgs(
                resource_group_name=placement["resource_group_name"],
                location=placement["location"],
                vault_name=args["vault_name"],
                properties=keyvault.VaultPropertiesArgs(
                    tenant_id=args["tenant_id"],
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
                tags=tags_of(placement, **{BOUNDARY_TAG: args.get("boundary", "internal")}),
            ),
            opts=pulumi.ResourceOptions(parent=self, protect=protect_of(args.get("protection"))),
        )
        add_private_endpoint(name, self.vault.id, VAULT_TYPE, PRIVATE_LINK_GROUPS[0], args["networking"], placement, parent=self)
        add_diagnostic_settings(name, self.vault.id, args["diagnostics"], parent=self)
        for assignment in args.get("role_assignments", ()):
            self.grant_secret_read(principal_of(assignment))
        self.vault_id = self.vault.id
        self.vault_name = self.vault.name
        self.vault_uri = self.vault.properties.apply(lambda properties: properties.vault_uri or "")
        self.register_outputs({"vault_id": self.vault_id, "vault_name": self.vault_name, "vault_uri": self.vault_uri})

    def grant_secret_read(self, principal: Principal) -> Grant[authorization.RoleAssignment]:
        """Read secrets (e.g. the gateway's named values) from this vault only."""
        return self._keep(
            grant_role(
                f"{self._logical_name}-secrets-{principal.name}",
                "Key Vault Secrets User",
                scope_id=self.vault.id,
                scope_name=f"{self._logical_name}-vault",
                principal=principal,
                allowed_roles=SECRET_READ_ROLES,
                parent=self,
            )
        )
