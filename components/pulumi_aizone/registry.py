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

import re
from dataclasses import dataclass
from typing import NotRequired, Optional, TypedDict

import pulumi
from pulumi_azure_native import authorization, containerregistry as acr

from .base import DiagnosticsArgs, PlacementArgs, PrivateNetworkingArgs, Problem, aliased, implements, raise_if_invalid, tags_of
from .grants import Grant, KeepsGrants, Principal, grant_role
from .network import add_private_endpoint
from .observability import add_diagnostic_settings

TYPE_TOKEN = "aizone:index:ContainerRegistry"
_OLD_TYPE_TOKEN = "aizone:execution:ContainerRegistry"  # before 0.2.0: aliased so stacks are not replaced
REGISTRY_TYPE = "azure-native:containerregistry:Registry"
PRIVATE_LINK_GROUPS = ("registry",)
# Login server suffix of registries in the Azure public cloud (sovereign clouds use others).
LOGIN_SERVER_SUFFIX = "azurecr.io"
PULL_ROLE = "AcrPull"
PULL_ROLES = frozenset({PULL_ROLE})
RETENTION_DAYS_BOUNDS = (1, 365)
_REGISTRY_NAME = re.compile(r"^[a-zA-Z0-9]{5,50}$")


class RegistryOptionsArgs(TypedDict):
    """Choices a stack may make about the registry; every default is the hardened one."""

    untagged_retention_days: NotRequired[int]
    """Untagged manifests are deleted after this many days, 1-365. 0 (delete at once) is refused: a
    digest a session pool still references could vanish. Default: 30."""
    zone_redundant: NotRequired[bool]
    """Replicate across availability zones; false in regions without zones, where Azure refuses
    zone redundancy. Default: true."""
    allow_trusted_services: NotRequired[bool]
    """`AzureServices` firewall bypass for Defender for Cloud image scanning and ACR Tasks; false
    means `None`, no bypass at all. Default: true."""


class ContainerRegistryArgs(TypedDict):
    """Inputs of ContainerRegistry."""

    placement: PlacementArgs
    """Resource group, region and tags."""
    registry_name: str
    """5-50 letters and digits, globally unique (it becomes `<name>.azurecr.io`). Plain: the login
    server is derived from it before the registry exists."""
    networking: PrivateNetworkingArgs
    """Subnet and `privatelink.azurecr.io` zone of the registry's private endpoint."""
    diagnostics: DiagnosticsArgs
    """Workspace the registry's login and repository events go to (RES-2)."""
    options: NotRequired[RegistryOptionsArgs]
    """Retention, zone redundancy and trusted-services bypass. Default: the hardened defaults."""


def validate_registry_options(options: RegistryOptionsArgs, prefix: str = "") -> list[Problem]:
    """Every problem with registry options; fields are prefixed with `prefix`."""
    problems: list[Problem] = []
    low, high = RETENTION_DAYS_BOUNDS
    days = options.get("untagged_retention_days", 30)
    if isinstance(days, bool) or not isinstance(days, int):
        problems.append(Problem(f"{prefix}untagged_retention_days", f"must be a whole number of days, got {days!r}"))
    elif not low <= days <= high:
        problems.append(Problem(f"{prefix}untagged_retention_days", f"must be between {low} and {high}, got {days}"))
    for flag in ("zone_redundant", "allow_trusted_services"):
        if not isinstance(options.get(flag, True), bool):
            problems.append(Problem(f"{prefix}{flag}", f"must be true or false, got {options.get(flag)!r}"))
    return problems


def validate_container_registry(args: ContainerRegistryArgs) -> list[Problem]:
    """Every problem with ContainerRegistry args, each naming its field."""
    problems: list[Problem] = []
    if not _REGISTRY_NAME.match(str(args.get("registry_name", ""))):
        problems.append(Problem("registry_name", "5-50 letters and digits (no '-' or '_')"))
    problems += validate_registry_options(args.get("options", {}), "options.")
    return problems


@dataclass(frozen=True)
class RegistryOptions:
    """Registry options as the settings read them (rules: `validate_registry_options`);
    `as_args()` is what ContainerRegistry takes."""

    untagged_retention_days: int = 30
    zone_redundant: bool = True
    allow_trusted_services: bool = True

    def __post_init__(self) -> None:
        problems = validate_registry_options(self.as_args())
        if problems:
            raise ValueError("; ".join(f"{problem.field} {problem.message}" for problem in problems))

    def as_args(self) -> RegistryOptionsArgs:
        return RegistryOptionsArgs(
            untagged_retention_days=self.untagged_retention_days,
            zone_redundant=self.zone_redundant,
            allow_trusted_services=self.allow_trusted_services,
        )


def login_server_for(registry_name: str) -> str:
    """The registry's login server host, known before the registry exists (Azure lower-cases it)."""
    return f"{registry_name.lower()}.{LOGIN_SERVER_SUFFIX}"


@implements("EXEC-2", "ACC-1", "ACC-5", "ACC-7", "RES-2", "RES-4")
class ContainerRegistry(KeepsGrants, pulumi.ComponentResource):
    """A private Premium registry without admin user or anonymous pull that serves reviewed images
    to identities holding AcrPull; export disabled, untagged manifests removed."""

    registry_id: pulumi.Output[str]
    """Resource id of the registry."""
    registry_name: pulumi.Output[str]
    """Azure name of the registry."""
    login_server: pulumi.Output[str]
    """Login server host, `<name>.azurecr.io`."""

    def __init__(self, name: str, args: ContainerRegistryArgs, opts: Optional[pulumi.ResourceOptions] = None) -> None:
        raise_if_invalid("ContainerRegistry", validate_container_registry(args))
        super().__init__(
            TYPE_TOKEN,
            name,
            {},
            aliased(opts, _OLD_TYPE_TOKEN),
        )
        placement = args["placement"]
        options = args.get("options", {})
        registry_name = args["registry_name"]
        self._logical_name = name
        self._pull_grants: dict[str, Grant[authorization.RoleAssignment]] = {}
        self.host = login_server_for(registry_name)
        self.registry = acr.Registry(
            f"{name}-registry",
            acr.RegistryArgs(
                resource_group_name=placement["resource_group_name"],
                location=placement["location"],
                registry_name=registry_name,
                sku=acr.SkuArgs(name=acr.SkuName.PREMIUM),
                # Entra ID only (ACC-1): no registry keys, no unauthenticated pulls.
                admin_user_enabled=False,
                anonymous_pull_enabled=False,
                # Private only (ACC-7): the private endpoint is the way in.
                public_network_access=acr.PublicNetworkAccess.DISABLED,
                network_rule_set=acr.NetworkRuleSetArgs(default_action=acr.DefaultAction.DENY, ip_rules=[]),
                network_rule_bypass_options=acr.NetworkRuleBypassOptions.AZURE_SERVICES
                if options.get("allow_trusted_services", True)
                else acr.NetworkRuleBypassOptions.NONE,
                data_endpoint_enabled=True,
                zone_redundancy=acr.ZoneRedundancy.ENABLED if options.get("zone_redundant", True) else acr.ZoneRedundancy.DISABLED,
                policies=acr.PoliciesArgs(
                    export_policy=acr.ExportPolicyArgs(status=acr.ExportPolicyStatus.DISABLED),
                    retention_policy=acr.RetentionPolicyArgs(
                        days=options.get("untagged_retention_days", 30), status=acr.PolicyStatus.ENABLED
                    ),
                ),
                tags=tags_of(placement),
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.endpoint = add_private_endpoint(
            name,
            self.registry.id,
            REGISTRY_TYPE,
            PRIVATE_LINK_GROUPS[0],
            args["networking"],
            placement,
            parent=self,
        )
        add_diagnostic_settings(name, self.registry.id, args["diagnostics"], parent=self)
        self.registry_id = self.registry.id
        self.registry_name = self.registry.name
        self.login_server = self.registry.login_server
        self.register_outputs({"registry_id": self.registry_id, "registry_name": self.registry_name, "login_server": self.login_server})

    def grant_pull(self, principal: Principal) -> Grant[authorization.RoleAssignment]:
        """Let `principal` pull images from this registry and nothing else (AcrPull on this
        registry only). One assignment per principal: asking twice returns the same one. A
        consumer that pulls at create time must depend on the returned assignment, and role
        assignments can take minutes to propagate after they exist."""
        existing = self._pull_grants.get(principal.name)
        if existing is not None:
            return existing
        grant = self._keep(
            grant_role(
                f"{self._logical_name}-pull-{principal.name}",
                PULL_ROLE,
                scope_id=self.registry.id,
                scope_name=f"{self._logical_name}-registry",
                principal=principal,
                allowed_roles=PULL_ROLES,
                parent=self,
            )
        )
        self._pull_grants[principal.name] = grant
        return grant
