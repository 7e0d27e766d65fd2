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

from __future__ import annotations

import pulumi
from pulumi_azure_native import purview

from .base import Diagnostics, Placement, PrivateNetworking, implements
from .grants import Principal
from .network import add_private_endpoint
from .observability import add_diagnostic_settings
from .protection import DataProtection

PURVIEW_TYPE = "azure-native:purview:Account"
PRIVATE_LINK_GROUPS = ("account", "portal")


@implements("DATA-4", "DATA-5", "ACC-6", "ACC-7", "RES-2", "RES-4")
class Purview(pulumi.ComponentResource):
    account: purview.Account
    principal: Principal

    def __init__(
        self,
        name: str,
        placement: Placement,
        account_name: str,
        networking: PrivateNetworking,
        diagnostics: Diagnostics,
        protection: DataProtection = DataProtection(),
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("aizone:data:Purview", name, None, opts)
        self.account = purview.Account(
            f"{name}-account",
            purview.AccountArgs(
                resource_group_name=placement.resource_group_name,
                location=placement.location,
                account_name=account_name,
                identity=purview.IdentityArgs(type=purview.ManagedIdentityType.SYSTEM_ASSIGNED),
                public_network_access=purview.PublicNetworkAccess.DISABLED,
                managed_resources_public_network_access=purview.PublicNetworkAccess.DISABLED,
                managed_event_hub_state=purview.ManagedEventHubState.DISABLED,
                tags=placement.with_tags(),
            ),
            opts=pulumi.ResourceOptions(parent=self, protect=protection.protect),
        )
        principal_id = self.account.identity.apply(lambda identity: identity.principal_id if identity else "")
        self.principal = Principal("purview", principal_id)
        for group in PRIVATE_LINK_GROUPS:
            add_private_endpoint(name, self.account.id, PURVIEW_TYPE, group, networking, placement, parent=self)
        add_diagnostic_settings(name, self.account.id, diagnostics, parent=self)
        self.register_outputs({"account_id": self.account.id})


@implements("DATA-4")
class ExistingPurview(pulumi.ComponentResource):
    """The tenant's existing Purview account, attached by its ARM id: nothing is created, and its
    system identity becomes the scanner principal.

    `principal_id` (the identity's object id) may be given; otherwise it is read with the
    `purview:getAccount` invoke on the id's resource group and name, through this component's
    provider, which must therefore be able to read the account's subscription. An account in
    another subscription than the provider's needs `principal_id`."""

    account_id: str
    principal: Principal

    def __init__(
        self,
        name: str,
        account_id: str,
        principal_id: str | None = None,
        provider_subscription_id: str | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("aizone:data:ExistingPurview", name, None, opts)
        parts = account_id.strip("/").split("/")
        if len(parts) != 8 or parts[0].lower() != "subscriptions" or parts[6].lower() != "accounts":
            raise ValueError(f"{name}: {account_id!r} is not a Microsoft.Purview/accounts resource id")
        subscription, group, account_name = parts[1], parts[3], parts[7]
        self.account_id = account_id
        if principal_id is None:
            if provider_subscription_id is not None and subscription.lower() != provider_subscription_id.lower():
                raise ValueError(
                    f"{name}: the Purview account is in subscription {subscription}, not the deploying subscription "
                    f"{provider_subscription_id}; give the principal id of its system-assigned identity "
                    "(aizone:governance.purview.principalId)"
                )
            found = purview.get_account(
                account_name=account_name, resource_group_name=group, opts=pulumi.InvokeOptions(parent=self)
            )
            principal_id = found.identity.principal_id if found.identity and found.identity.principal_id else None
            if not principal_id:
                raise ValueError(f"{name}: Purview account {account_id} has no system-assigned identity to grant scan access to")
        self.principal = Principal("purview", principal_id)
        self.register_outputs({"account_id": account_id, "principal_id": principal_id})
