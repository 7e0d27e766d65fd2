"""Microsoft Purview for data governance (DATA-4, DATA-5, ACC-6, ACC-7, RES-2, RES-4).

Purview is one account per tenant: the current experience is a single tenant-level account, and
organisations with several classic accounts merge them into it (Learn, "Merge account to domain",
https://learn.microsoft.com/purview/merge-domain: "Primary account - refers to your tenant-level
Microsoft Purview instance"). Most enterprises have one already, so `ExistingPurview` (attach by
resource id) is the landing zone's default path; `Purview` creates an account for a tenant that
has none. Either way the account's system identity is given read access to every boundary's
storage by the landing zone, so data can be scanned and classified.

A created account has a managed identity, no public access (for the account and for its managed
resources), private endpoints for `account` and `portal`, diagnostics, and Pulumi `protect`.
Collections, data sources and scans are data-plane objects: see README, "Purview: what is left to
the data-plane".
"""

# No `from __future__ import annotations`: Pulumi's schema inference reads these annotations.
from typing import NotRequired, Optional, TypedDict

import pulumi
from pulumi_azure_native import purview

from . import naming
from .base import (
    DataProtectionArgs,
    DiagnosticsArgs,
    PlacementArgs,
    PrivateNetworkingArgs,
    Problem,
    aliased,
    implements,
    protect_of,
    raise_if_invalid,
    tags_of,
    validate_placement,
)
from .grants import Principal
from .network import add_private_endpoint
from .observability import add_diagnostic_settings

PURVIEW_TYPE = "azure-native:purview:Account"
PRIVATE_LINK_GROUPS = ("account", "portal")
# Before 0.2.0 (aliased so stacks are not replaced), by class name.
_OLD_TYPE_TOKENS = {"Purview": "aizone:data:Purview", "ExistingPurview": "aizone:data:ExistingPurview"}


def _aliased(opts: Optional[pulumi.ResourceOptions], component: str) -> pulumi.ResourceOptions:
    return aliased(opts, _OLD_TYPE_TOKENS[component])


class PurviewArgs(TypedDict):
    """Inputs of Purview (a new account: only for a tenant that has none)."""

    placement: PlacementArgs
    """Resource group, region and tags of the account and its private endpoints."""
    account_name: pulumi.Input[str]
    """Globally unique account name: 3-63 lowercase letters, digits and single hyphens (checked when a plain string)."""
    networking: PrivateNetworkingArgs
    """Subnet and private DNS zones of the `account` and `portal` private endpoints."""
    diagnostics: DiagnosticsArgs
    """Workspace the account's logs and metrics go to (RES-2)."""
    protection: NotRequired[DataProtectionArgs]
    """Pulumi `protect` on the account. Default: protected."""


def validate_purview(args: PurviewArgs) -> list[Problem]:
    """Every problem with Purview args, each naming its field."""
    problems = validate_placement(args.get("placement"))
    account_name = args.get("account_name")
    if account_name is None:
        problems.append(Problem("account_name", "the account name is required"))
    elif isinstance(account_name, str) and (problem := naming.check_name("purview", account_name)):
        problems.append(Problem("account_name", problem))
    if not isinstance(args.get("networking"), dict) or "subnet_id" not in args.get("networking", {}):
        problems.append(Problem("networking", "a {subnet_id, zone_ids} block is required: the account is private only"))
    if not isinstance(args.get("diagnostics"), dict) or "workspace_id" not in args.get("diagnostics", {}):
        problems.append(Problem("diagnostics", "a {workspace_id} block is required (RES-2)"))
    return problems


@implements("DATA-4", "DATA-5", "ACC-6", "ACC-7", "RES-2", "RES-4")
class Purview(pulumi.ComponentResource):
    """A Microsoft Purview account with a system identity, no public access (for the account and
    its managed resources), private `account` and `portal` endpoints and diagnostics."""

    account_id: pulumi.Output[str]
    """Resource id of the Purview account."""
    principal_id: pulumi.Output[str]
    """Object id of the account's system-assigned identity (the scanner principal)."""

    def __init__(self, name: str, args: PurviewArgs, opts: Optional[pulumi.ResourceOptions] = None) -> None:
        raise_if_invalid("Purview", validate_purview(args))
        super().__init__("aizone:index:Purview", name, {}, _aliased(opts, "Purview"))
        placement = args["placement"]
        self.account = purview.Account(
            f"{name}-account",
            purview.AccountArgs(
                resource_group_name=placement["resource_group_name"],
                location=placement["location"],
                account_name=args["account_name"],
                identity=purview.IdentityArgs(type=purview.ManagedIdentityType.SYSTEM_ASSIGNED),
                public_network_access=purview.PublicNetworkAccess.DISABLED,
                managed_resources_public_network_access=purview.PublicNetworkAccess.DISABLED,
                managed_event_hub_state=purview.ManagedEventHubState.DISABLED,
                tags=tags_of(placement),
            ),
            opts=pulumi.ResourceOptions(parent=self, protect=protect_of(args.get("protection"))),
        )
        principal_id = self.account.identity.apply(lambda identity: identity.principal_id if identity else "")
        self.principal = Principal("purview", principal_id)
        for group in PRIVATE_LINK_GROUPS:
            add_private_endpoint(name, self.account.id, PURVIEW_TYPE, group, args["networking"], placement, parent=self)
        add_diagnostic_settings(name, self.account.id, args["diagnostics"], parent=self)
        self.account_id = self.account.id
        self.principal_id = principal_id
        self.register_outputs({"account_id": self.account_id, "principal_id": self.principal_id})


class ExistingPurviewArgs(TypedDict):
    """Inputs of ExistingPurview (attach the tenant's account by id)."""

    account_id: str
    """ARM id of the existing `Microsoft.Purview/accounts` account (plain: its subscription,
    resource group and name are read from it)."""
    principal_id: NotRequired[str]
    """Object id of the account's system-assigned identity. Default: read with `purview:getAccount`
    (needs read access to the account's subscription through this component's provider)."""
    provider_subscription_id: NotRequired[str]
    """Subscription the provider deploys to; when the account is elsewhere, `principal_id` is required. Default: not checked."""


def _account_parts(account_id: str) -> tuple[str, str, str] | None:
    parts = account_id.strip("/").split("/")
    if len(parts) != 8 or parts[0].lower() != "subscriptions" or parts[6].lower() != "accounts":
        return None
    return parts[1], parts[3], parts[7]


def validate_existing_purview(args: ExistingPurviewArgs) -> list[Problem]:
    """Every problem with ExistingPurview args, each naming its field."""
    parts = _account_parts(str(args.get("account_id", "")))
    if parts is None:
        return [Problem("account_id", f"{args.get('account_id')!r} is not a Microsoft.Purview/accounts resource id")]
    subscription = parts[0]
    provider_subscription = args.get("provider_subscription_id")
    if not args.get("principal_id") and provider_subscription and subscription.lower() != provider_subscription.lower():
        return [
            Problem(
                "principal_id",
                f"the Purview account is in subscription {subscription}, not the deploying subscription "
                f"{provider_subscription}; give the principal id of its system-assigned identity",
            )
        ]
    return []


@implements("DATA-4")
class ExistingPurview(pulumi.ComponentResource):
    """The tenant's existing Purview account, attached by its ARM id: nothing is created, and its
    system identity becomes the scanner principal.

    `principal_id` (the identity's object id) may be given; otherwise it is read with the
    `purview:getAccount` invoke on the id's resource group and name, through this component's
    provider, which must therefore be able to read the account's subscription. An account in
    another subscription than the provider's needs `principal_id`."""

    account_id: pulumi.Output[str]
    """Resource id of the attached Purview account."""
    principal_id: pulumi.Output[str]
    """Object id of the account's system-assigned identity (the scanner principal)."""

    def __init__(self, name: str, args: ExistingPurviewArgs, opts: Optional[pulumi.ResourceOptions] = None) -> None:
        raise_if_invalid("ExistingPurview", validate_existing_purview(args))
        super().__init__("aizone:index:ExistingPurview", name, {}, _aliased(opts, "ExistingPurview"))
        account_id = args["account_id"]
        parts = _account_parts(account_id)
        assert parts is not None  # validated above
        _, group, account_name = parts
        principal_id = args.get("principal_id")
        if not principal_id:
            found = purview.get_account(account_name=account_name, resource_group_name=group, opts=pulumi.InvokeOptions(parent=self))
            principal_id = found.identity.principal_id if found.identity and found.identity.principal_id else None
            if not principal_id:
                raise ValueError(f"{name}: Purview account {account_id} has no system-assigned identity to grant scan access to")
        self.principal = Principal("purview", principal_id)
        self.account_id = pulumi.Output.from_input(account_id)
        self.principal_id = pulumi.Output.from_input(principal_id)
        self.register_outputs({"account_id": self.account_id, "principal_id": self.principal_id})
