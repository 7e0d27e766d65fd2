"""The platform's private container registry: the only source of custom session images (EXEC-2,
ACC-1, ACC-5, ACC-7, RES-2, RES-4).

What a reviewer should find here:
- Premium SKU: the only tier with private endpoints, export policy and retention policy;
- no admin user (registry keys) and no anonymous pull: every pull is an Entra ID identity holding
  AcrPull on this registry only (`grant_pull`, ACC-1/ACC-5);
- public network access disabled and the firewall's default action Deny: the private endpoint
  (group `registry`, zone privatelink.azurecr.io) is the way in (ACC-7, RES-4);
- trusted Azure services may bypass the firewall (`networkRuleBypassOptions = AzureServices`, the
  default of `RegistryOptions.allow_trusted_services`): Microsoft Defender for Cloud can then scan the
  images for vulnerabilities and ACR Tasks can build them although the registry is private. They
  still authenticate with Entra ID and need a role; set the option to False for `None` if the
  platform scans and builds only from inside the VNet;
- export policy disabled: images cannot be exported out of the registry (import/export pipelines,
  `az acr import` from this registry elsewhere); Azure allows this only on Premium with public
  access disabled, which is exactly this configuration;
- untagged manifests are removed after a retention period (Premium retention policy). Reviewed
  images are referenced by digest, so publish each one under a unique tag and lock it
  (`az acr repository update --delete-enabled false --write-enabled false`): locked and tagged
  manifests are never removed by retention;
- dedicated data endpoints (`<name>.<region>.data.azurecr.io`), zone redundancy where the region
  offers availability zones, and diagnostic settings (login and repository events) to the central
  workspace (RES-2).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pulumi
from pulumi_azure_native import authorization, containerregistry as acr, network

from .base import Diagnostics, Placement, PrivateNetworking, implements
from .grants import Grant, KeepsGrants, Principal, grant_role
from .network import add_private_endpoint
from .observability import add_diagnostic_settings

REGISTRY_TYPE = "azure-native:containerregistry:Registry"
PRIVATE_LINK_GROUPS = ("registry",)
# Login server suffix of registries in the Azure public cloud (sovereign clouds use others).
LOGIN_SERVER_SUFFIX = "azurecr.io"
PULL_ROLE = "AcrPull"
PULL_ROLES = frozenset({PULL_ROLE})
RETENTION_DAYS_BOUNDS = (1, 365)
_REGISTRY_NAME = re.compile(r"^[a-zA-Z0-9]{5,50}$")


@dataclass(frozen=True)
class RegistryOptions:
    """Choices a stack may make about the registry; every default is the hardened one.

    - `untagged_retention_days` (1-365, default 30): untagged manifests are deleted after this many
      days. 0 (delete at once) is refused: a digest a session pool still references could vanish.
    - `zone_redundant` (default True): replicate across availability zones; set False in regions
      without zones, where Azure refuses zone redundancy.
    - `allow_trusted_services` (default True): `AzureServices` bypass for Defender for Cloud image
      scanning and ACR Tasks; False means `None`, no bypass at all.
    """

    untagged_retention_days: int = 30
    zone_redundant: bool = True
    allow_trusted_services: bool = True

    def __post_init__(self) -> None:
        low, high = RETENTION_DAYS_BOUNDS
        if isinstance(self.untagged_retention_days, bool) or not isinstance(self.untagged_retention_days, int):
            raise ValueError(f"untagged_retention_days must be a whole number of days, got {self.untagged_retention_days!r}")
        if not low <= self.untagged_retention_days <= high:
            raise ValueError(f"untagged_retention_days must be between {low} and {high}, got {self.untagged_retention_days}")


def login_server_for(registry_name: str) -> str:
    """The registry's login server host, known before the registry exists (Azure lower-cases it)."""
    return f"{registry_name.lower()}.{LOGIN_SERVER_SUFFIX}"


@implements("EXEC-2", "ACC-1", "ACC-5", "ACC-7", "RES-2", "RES-4")
class ContainerRegistry(KeepsGrants, pulumi.ComponentResource):
    """A private Premium registry that serves reviewed images to identities holding AcrPull."""

    registry: acr.Registry
    endpoint: network.PrivateEndpoint
    host: str
    login_server: pulumi.Output[str]

    def __init__(
        self,
        name: str,
        placement: Placement,
        registry_name: str,
        networking: PrivateNetworking,
        diagnostics: Diagnostics,
        options: RegistryOptions = RegistryOptions(),
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        """`registry_name`: 5-50 letters and digits, globally unique (it becomes `<name>.azurecr.io`)."""
        if not _REGISTRY_NAME.match(registry_name):
            raise ValueError(f"{name}: registry name {registry_name!r} must be 5-50 letters and digits (no '-' or '_')")
        super().__init__("aizone:execution:ContainerRegistry", name, None, opts)
        self._logical_name = name
        self._pull_grants: dict[str, Grant[authorization.RoleAssignment]] = {}
        self.host = login_server_for(registry_name)
        self.registry = acr.Registry(
            f"{name}-registry",
            acr.RegistryArgs(
                resource_group_name=placement.resource_group_name,
                location=placement.location,
                registry_name=registry_name,
                sku=acr.SkuArgs(name=acr.SkuName.PREMIUM),
                # Entra ID only (ACC-1): no registry keys, no unauthenticated pulls.
                admin_user_enabled=False,
                anonymous_pull_enabled=False,
                # Private only (ACC-7): the private endpoint is the way in.
                public_network_access=acr.PublicNetworkAccess.DISABLED,
                network_rule_set=acr.NetworkRuleSetArgs(default_action=acr.DefaultAction.DENY, ip_rules=[]),
                network_rule_bypass_options=acr.NetworkRuleBypassOptions.AZURE_SERVICES
                if options.allow_trusted_services
                else acr.NetworkRuleBypassOptions.NONE,
                data_endpoint_enabled=True,
                zone_redundancy=acr.ZoneRedundancy.ENABLED if options.zone_redundant else acr.ZoneRedundancy.DISABLED,
                policies=acr.PoliciesArgs(
                    export_policy=acr.ExportPolicyArgs(status=acr.ExportPolicyStatus.DISABLED),
                    retention_policy=acr.RetentionPolicyArgs(
                        days=options.untagged_retention_days, status=acr.PolicyStatus.ENABLED
                    ),
                ),
                tags=placement.with_tags(),
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.endpoint = add_private_endpoint(
            name, self.registry.id, REGISTRY_TYPE, PRIVATE_LINK_GROUPS[0], networking, placement, parent=self
        )
        add_diagnostic_settings(name, self.registry.id, diagnostics, parent=self)
        self.login_server = self.registry.login_server
        self.register_outputs({"registry_id": self.registry.id, "login_server": self.login_server})

    def grant_pull(self, principal: Principal) -> Grant[authorization.RoleAssignment]:
        """Let `principal` pull images from this registry and nothing else (AcrPull on this
        registry only). One assignment per principal: asking twice returns the same one. A
        consumer that pulls at create time must depend on the returned assignment, and role
        assignments can take minutes to propagate after they exist."""
        existing = self._pull_grants.get(principal.name)
        if existing is not None:
            return existing
        grant = self._keep(grant_role(
            f"{self._logical_name}-pull-{principal.name}",
            PULL_ROLE,
            scope_id=self.registry.id,
            scope_name=f"{self._logical_name}-registry",
            principal=principal,
            allowed_roles=PULL_ROLES,
            parent=self,
        ))
        self._pull_grants[principal.name] = grant
        return grant
