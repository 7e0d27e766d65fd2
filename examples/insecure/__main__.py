"""A deliberately insecure AI workload, written with raw azure-native resources only.

Every problem below is intentional; the policy pack must flag each one with its control id:

* AI Services account: local (key) auth on, public network access on, no network ACLs,
  no private endpoint, no diagnostic settings.
* Model deployment: a retired model (gpt-35-turbo 0301) that no allow-list should contain,
  no custom content-filter (RAI) policy, no explicit version-upgrade option (defaults to
  automatic upgrades).
* Storage account: shared-key access on and anonymous blob access allowed.
"""

import pulumi
from pulumi_azure_native import cognitiveservices, resources, storage

config = pulumi.Config()
prefix = config.require("prefix")

group = resources.ResourceGroup(
    "insecure-rg",
    resource_group_name=f"rg-{prefix}-ai",
)

account = cognitiveservices.Account(
    "ai-services",
    account_name=f"{prefix}-ai-services",
    resource_group_name=group.name,
    kind="AIServices",
    sku=cognitiveservices.SkuArgs(name="S0"),
    properties=cognitiveservices.AccountPropertiesArgs(
        custom_sub_domain_name=f"{prefix}-ai-services",
        disable_local_auth=False,
        public_network_access=cognitiveservices.PublicNetworkAccess.ENABLED,
    ),
)

deployment = cognitiveservices.Deployment(
    "legacy-chat",
    account_name=account.name,
    resource_group_name=group.name,
    deployment_name="gpt-35-turbo",
    properties=cognitiveservices.DeploymentPropertiesArgs(
        model=cognitiveservices.DeploymentModelArgs(
            format="OpenAI",
            name="gpt-35-turbo",
            version="0301",
        ),
    ),
    sku=cognitiveservices.SkuArgs(name="Standard", capacity=10),
)

data = storage.StorageAccount(
    "data",
    account_name=f"{prefix}aidata",
    resource_group_name=group.name,
    kind=storage.Kind.STORAGE_V2,
    sku=storage.SkuArgs(name=storage.SkuName.STANDARD_LRS),
    allow_shared_key_access=True,
    allow_blob_public_access=True,
)

pulumi.export("endpoint", account.properties.apply(lambda p: p.endpoint))
pulumi.export("storage_account", data.name)
