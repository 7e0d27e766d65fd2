"""Not a test: input for test_type_gate.py. Each line misspells an SDK argument the way a typo in a
component would; the type-check gate must reject every one."""

from pulumi_azure_native import cognitiveservices, storage

cognitiveservices.AccountPropertiesArgs(disable_local_auht=True)
storage.StorageAccountArgs(
    resource_group_name="rg", kind="StorageV2", sku=storage.SkuArgs(name="Standard_ZRS"), allow_shared_key_acess=False
)
properties: cognitiveservices.AccountPropertiesArgsDict = {"public_network_acess": "Disabled"}
