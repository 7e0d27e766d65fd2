"""Which Azure REST API version a resource is sent with, so a rule can read the service default of
that version instead of assuming the most cautious one.

The engine tells the pack which provider a resource goes through (`AnalyzerProviderResource`),
and a provider resource's inputs carry its plugin `version`: the engine writes it there when it
registers the provider (pulumi/pulumi pkg/resource/deploy/source_eval.go, RegisterResource:
`providers.SetProviderVersion(props, &version)`, for default and explicit providers alike).

- A resource pinned to an explicit API version names it in its type token
  (`azure-native:storage/v20220901:StorageAccount` in azure-native v1/v2,
  `azure-native_storage_v20240101:storage:StorageAccount` for a v3 local package).
- Otherwise the provider's major version decides: each azure-native major release sends one
  default API version per resource. `DEFAULT_API_VERSIONS` holds those this pack's rules depend
  on, read from the azure-native SDK's own class documentation ("Uses Azure REST API version X.
  In version 2.x of the Azure Native provider, it used API version Y"; pulumi-azure-native 3.29.0,
  read 2026-12-07).
- Anything else (an unknown major version, no provider information) is unknown: a rule whose
  verdict depends on the version then treats the value as the insecure default and says why.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Final

from . import tokens

DEFAULT_API_VERSIONS: Final[Mapping[tuple[str, int], str]] = {
    # pulumi_azure_native/storage/storage_account.py (3.29.0): "Uses Azure REST API version
    # 2024-01-01. In version 2.x of the Azure Native provider, it used API version 2022-09-01."
    (tokens.STORAGE_ACCOUNT, 3): "2024-01-01",
    (tokens.STORAGE_ACCOUNT, 2): "2022-09-01",
}

SENT_TYPE: Final = "aizone_sent_type"
"""Attribute the pack's servicer sets on `ResourceValidationArgs`: the type token as the engine sent
it, before `tokens.canonical_type` dropped the API version from it."""

_EXPLICIT: Final = re.compile(r"(?:^azure-native_[a-z0-9]+_v|^azure-native:[a-z0-9]+/v)(\d{4})(\d{2})(\d{2})", re.IGNORECASE)
_MAJOR: Final = re.compile(r"^\s*v?(\d+)\.")


def major_version(provider_version: object) -> int | None:
    """`3` for a provider version "3.29.0" (or "v3.29.0"); None when absent or not a version."""
    if not isinstance(provider_version, str):
        return None
    match = _MAJOR.match(provider_version)
    return int(match.group(1)) if match else None


def api_version(type_token: str, provider_version: object) -> str | None:
    """The REST API version (`yyyy-mm-dd`) a resource of this type is sent with, or None when it
    cannot be known (see the module documentation)."""
    explicit = _EXPLICIT.match(type_token)
    if explicit:
        return "-".join(explicit.groups())
    major = major_version(provider_version)
    if major is None:
        return None
    return DEFAULT_API_VERSIONS.get((tokens.canonical_type(type_token), major))


def provider_version(provider_props: Mapping[str, object] | None) -> object:
    """The plugin version a provider resource's inputs carry (`version`), or None."""
    return (provider_props or {}).get("version")
