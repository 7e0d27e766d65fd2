"""Microsoft Purview for data governance (DATA-4, DATA-5, ACC-6, ACC-7, RES-2, RES-4).

The account has a managed identity, no public access (for the account and for its managed
resources), private endpoints for `account` and `portal`, diagnostics, and a delete lock. Its
identity is given read access to every boundary's storage by the landing zone, so data can be
scanned and classified. Collections, data sources and scans are data-plane objects: see README,
"Purview: what is left to the data-plane".
"""

from __future__ import annotations

import pulumi
from pulumi_azure_native import purview

from .base import Diagnostics, Placement, PrivateNetworking, implements
from .grants import Principal
from .network import add_private_endpoint
from .observability import add_diagnostic_settings
from .protection import DataProtection, add_delete_lock

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
        add_delete_lock(name, self.account, protection, parent=self)
        for group in PRIVATE_LINK_GROUPS:
            add_private_endpoint(name, self.account.id, PURVIEW_TYPE, group, networking, placement, parent=self)
        add_diagnostic_settings(name, self.account.id, diagnostics, parent=self)
        self.register_outputs({"account_id": self.account.id})
