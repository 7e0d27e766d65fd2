"""RES-5: TLS 1.2+ and HTTPS only, wherever it is configurable.

- Storage: minimumTlsVersion is not below TLS1_2. Absent passes since Azure Storage itself
  stopped accepting TLS 1.0 and 1.1 on every account (`STORAGE_TLS12_FLOOR_SINCE`, 2026-02-03:
  Learn "Migrate to TLS 1.2 for Azure Blob Storage",
  https://learn.microsoft.com/azure/storage/common/transport-layer-security-configure-migrate-to-tls2;
  the API's documented default, TLS 1.0, no longer reaches the wire); before that date absent
  fails. An explicit TLS1_0/TLS1_1 still fails: it declares a floor the account does not keep.
  TLS1_3 is a value of the SDK's MinimumTlsVersion enum, accepted, but never suggested (the SDK
  documents "Minimum TLS version 1.3 version is not supported" for API 2024-01-01).
  enableHttpsTrafficOnly not false (absent passes: the default is true since API 2019-04-01).
- API Management: the gateway and backend protocol switches for TLS 1.0, TLS 1.1 and SSL 3.0 in
  customProperties are absent or "False" (their default is "False" for services created after
  2018-04-01), compared case-insensitively in key and value; every weak cipher the service lets a
  customer disable (reference.APIM_WEAK_CIPHERS: 3DES, SHA-1 CBC suites, static-RSA suites) is set
  to "False" explicitly, because the SDK documents "True" as the default of every cipher switch.
- API Management APIs: protocols contain neither "http" nor "ws" (the plain-text twins of https
  and wss); absent passes (the service then serves https).
- Container apps: configuration.ingress.allowInsecure is not true (absent passes: default false).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from typing import Final

from .. import reference, tokens
from ..checks import enum_is, flag_not_true
from ..config import PolicyConfig
from ..framework import Field, Finding, Resource, ResourcePolicySpec, ResourceRule, check, unknown_value, violation
from ..values import UNKNOWN, as_dict, eq_ci, in_ci, items

_CONTROLS = ("RES-5",)
TLS12 = "TLS1_2"
_PLAIN_PROTOCOLS = ("http", "ws")
_OFF = "False"
# storage MinimumTlsVersion enum of the installed SDK: TLS1_0, TLS1_1, TLS1_2, TLS1_3.
TLS13 = "TLS1_3"
_SECURE_TLS = (TLS12, TLS13)
STORAGE_TLS12_FLOOR_SINCE: Final = dt.date(2026, 2, 3)
"""Since this day Azure Storage refuses TLS 1.0 and 1.1 on every account, whatever its
minimumTlsVersion (Learn, "Migrate to TLS 1.2 for Azure Blob Storage"; the date was moved from
2024-11-01 to 2025-11-01 and finally 2026-02-03; read 2026-12-07)."""


def _today() -> dt.date:
    return dt.datetime.now(dt.timezone.utc).date()


def _storage(resource: Resource, _config: PolicyConfig) -> Iterator[Finding]:
    """Storage: minimum TLS 1.2 and HTTPS only."""
    if resource.get("minimumTlsVersion") is not None or _today() < STORAGE_TLS12_FLOOR_SINCE:
        yield from enum_is(
            resource,
            "minimumTlsVersion",
            _SECURE_TLS,
            "accepts requests below TLS 1.2",
            f"set minimumTlsVersion = '{TLS12}'",
        )
    yield from check(
        resource,
        "enableHttpsTrafficOnly",
        lambda value: value is None or value is True,  # a non-boolean is not the secure value
        "accepts plain HTTP requests",
        "set enableHttpsTrafficOnly = true (or leave it unset: the default is true)",
    )


def _switches(properties: Mapping[str, object], keys: tuple[str, ...]) -> dict[str, object]:
    """Values of the given customProperties keys, matched case-insensitively (absent keys omitted)."""
    wanted = {key.lower(): key for key in keys}
    return {wanted[key.lower()]: value for key, value in properties.items() if key.lower() in wanted}


FIXED_CIPHER_TIERS: Final = frozenset({"consumption", "basicv2", "standardv2", "premiumv2"})
"""API Management tiers whose cipher configuration is Microsoft's and cannot be changed (Learn,
"Manage protocols and ciphers in Azure API Management": "The following tiers don't support changes
to the default cipher configuration: Consumption, Basic v2, Standard v2, Premium v2"; read
2026-12-07): the cipher half of the rule does not fire there, since its remedy does not exist."""


def _apim_service(resource: Resource, _config: PolicyConfig) -> Iterator[Finding]:
    """API Management: no legacy protocol switched on, every weak cipher switched off (where the
    tier lets a customer change ciphers)."""
    raw = resource.get("customProperties")
    if raw is UNKNOWN:
        yield unknown_value(resource.subject, "customProperties")
        return
    properties = as_dict(raw) or {}
    protocols = _switches(properties, reference.APIM_LEGACY_PROTOCOLS)
    ciphers = _switches(properties, reference.APIM_WEAK_CIPHERS)
    if UNKNOWN in (*protocols.values(), *ciphers.values()):
        yield unknown_value(resource.subject, "customProperties (TLS protocol and cipher switches)")
        return
    enabled = [key for key, value in protocols.items() if not eq_ci(value, _OFF)]
    if enabled:
        yield violation(
            f"{resource.subject} enables legacy TLS/SSL protocols ({', '.join(enabled)}): set each "
            f"of these customProperties to '{_OFF}' (or remove it) so the gateway and its backend "
            "calls use TLS 1.2 or later."
        )
    sku = resource.get("sku.name")
    if sku is UNKNOWN:
        yield unknown_value(resource.subject, "sku.name")
        return
    if isinstance(sku, str) and sku.strip().lower() in FIXED_CIPHER_TIERS:
        return
    weak = [key for key in reference.APIM_WEAK_CIPHERS if not eq_ci(ciphers.get(key), _OFF)]
    if weak:
        yield violation(
            f"{resource.subject} leaves weak TLS ciphers enabled (the service default of every cipher "
            f"switch is 'True'): set customProperties {', '.join(weak)} to '{_OFF}'."
        )


def _api(resource: Resource, _config: PolicyConfig) -> Iterator[Finding]:
    """APIs: callers reach them over https/wss only."""
    protocols = resource.get("protocols")
    if protocols is UNKNOWN or UNKNOWN in items(protocols):
        yield unknown_value(resource.subject, "protocols")
        return
    plain = [value for value in items(protocols) if in_ci(value, _PLAIN_PROTOCOLS)]
    if plain:
        yield violation(
            f"{resource.subject} accepts unencrypted protocols (protocols include "
            f"{', '.join(repr(value) for value in plain)}): set protocols = ['https'] (and 'wss' "
            "for WebSocket APIs)."
        )


def _container_app(resource: Resource, _config: PolicyConfig) -> Iterator[Finding]:
    """Container apps: ingress redirects HTTP to HTTPS instead of serving it."""
    yield from flag_not_true(resource, "configuration.ingress.allowInsecure", "serves plain HTTP on its ingress")


def _policy(
    name: str, type_token: str, fields: tuple[Field, ...], description: str, remediation: str, rule: ResourceRule
) -> ResourcePolicySpec:
    """A transport-security policy for one resource type."""
    return ResourcePolicySpec(
        name=name,
        controls=_CONTROLS,
        description=description,
        severity="high",
        remediation=remediation,
        fields=fields,
        resource_types=(type_token,),
        rule=rule,
    )


POLICIES: tuple[ResourcePolicySpec, ...] = (
    _policy(
        "azurenative-storage-storageaccount-tls-https-only",
        tokens.STORAGE_ACCOUNT,
        (
            Field(tokens.STORAGE_ACCOUNT, "minimumTlsVersion", (TLS12, TLS13)),
            Field(tokens.STORAGE_ACCOUNT, "enableHttpsTrafficOnly"),
        ),
        "Storage accounts must require TLS 1.2 and HTTPS.",
        "Leave minimumTlsVersion unset or set it to 'TLS1_2' (never TLS1_0/TLS1_1) and keep enableHttpsTrafficOnly = true on every storage account.",
        _storage,
    ),
    _policy(
        "azurenative-apimanagement-service-tls-protocols",
        tokens.APIM_SERVICE,
        (Field(tokens.APIM_SERVICE, "customProperties"), Field(tokens.APIM_SERVICE, "sku.name")),
        "API Management must disable TLS 1.0/1.1, SSL 3.0 and weak ciphers on its gateway and backends (ciphers on tiers that allow changing them).",
        "In customProperties set the Protocols.Tls10/Tls11/Ssl30 switches (gateway and Backend) and "
        "every Ciphers.* switch the service offers (TripleDes168, the TLS_RSA_* and *_CBC_SHA suites) "
        "to 'False'.",
        _apim_service,
    ),
    _policy(
        "azurenative-apimanagement-api-https-only",
        tokens.APIM_API,
        (Field(tokens.APIM_API, "protocols", ("http", "https", "ws", "wss")),),
        "APIs must accept only encrypted protocols (https, wss).",
        "Set protocols = ['https'] (or ['wss'] for WebSocket APIs) on every API Management API.",
        _api,
    ),
    _policy(
        "azurenative-app-containerapp-https-ingress",
        tokens.CONTAINER_APP,
        (Field(tokens.CONTAINER_APP, "configuration.ingress.allowInsecure"),),
        "Container app ingress must not serve plain HTTP.",
        "Set configuration.ingress.allowInsecure = false (the default) so HTTP is redirected to HTTPS.",
        _container_app,
    ),
)
