"""Programmatic names of the Azure public-cloud regions, checked in as data.

Source: Microsoft Learn, "Azure regions list" (https://learn.microsoft.com/azure/reliability/regions-list,
the "Programmatic name" column of the "All" table; MicrosoftDocs/reliability-docs
articles/reliability/regions-list.md, ms.date 09/23/2025). It includes regions whose access is
restricted (e.g. `australiacentral2`, `norwaywest`) and regions marked "coming soon"
(`denmarkeast`): a subscription may be granted access to them. The SDKs have no such list
(azure-native takes `location` as a free string). Update this tuple when Azure opens a region.
"""

from __future__ import annotations

AZURE_PUBLIC_REGIONS: tuple[str, ...] = (
    "australiacentral", "australiacentral2", "australiaeast", "australiasoutheast", "austriaeast",
    "belgiumcentral", "brazilsouth", "brazilsoutheast", "canadacentral", "canadaeast", "centralindia",
    "centralus", "chilecentral", "denmarkeast", "eastasia", "eastus", "eastus2", "francecentral",
    "francesouth", "germanynorth", "germanywestcentral", "indonesiacentral", "israelcentral",
    "italynorth", "japaneast", "japanwest", "koreacentral", "koreasouth", "malaysiawest",
    "mexicocentral", "newzealandnorth", "northcentralus", "northeurope", "norwayeast", "norwaywest",
    "polandcentral", "qatarcentral", "southafricanorth", "southafricawest", "southcentralus",
    "southindia", "southeastasia", "spaincentral", "swedencentral", "switzerlandnorth",
    "switzerlandwest", "uaecentral", "uaenorth", "uksouth", "ukwest", "westcentralus", "westeurope",
    "westindia", "westus", "westus2", "westus3",
)
