"""Rules read the service default of the REST API version the resource is sent with
(policy_pack/pulumi_aizone_policy/apiversions.py): the provider's plugin version the engine puts in
the provider's inputs, or the version pinned in the type token. One changed field per case, from the
compliant storage baseline."""

from __future__ import annotations

import datetime as dt

import pytest
from policy_cases import BASELINES, DELETE, changed, diagnostics_of

from pulumi_aizone_policy import apiversions, tokens as t
from pulumi_aizone_policy.harness import PackAnalyzer
from pulumi_aizone_policy.policies import transport

HARDENING = "azurenative-storage-storageaccount-hardening"
UNSET = changed(BASELINES[t.STORAGE_ACCOUNT], "allowBlobPublicAccess", DELETE)


@pytest.mark.parametrize(
    ("type_token", "provider_version", "expected"),
    [
        (t.STORAGE_ACCOUNT, "3.29.0", "2024-01-01"),
        (t.STORAGE_ACCOUNT, "v3.0.0", "2024-01-01"),
        (t.STORAGE_ACCOUNT, "2.90.0", "2022-09-01"),
        (t.STORAGE_ACCOUNT, "1.104.0", None),  # a major version whose defaults the pack does not hold
        (t.STORAGE_ACCOUNT, None, None),
        (t.STORAGE_ACCOUNT, "garbage", None),
        ("azure-native:storage/v20220901:StorageAccount", "2.90.0", "2022-09-01"),
        ("azure-native_storage_v20230101:storage:StorageAccount", "3.29.0", "2023-01-01"),
        (t.KEY_VAULT, "3.29.0", None),  # no table entry: nothing depends on it
    ],
)
def test_api_version_sent(type_token: str, provider_version: str | None, expected: str | None) -> None:
    assert apiversions.api_version(type_token, provider_version) == expected


@pytest.mark.controls("DATA-6")
@pytest.mark.parametrize(
    ("type_token", "provider_version"),
    [
        (t.STORAGE_ACCOUNT, "3.29.0"),  # 2024-01-01: unset means false
        ("azure-native_storage_v20230101:storage:StorageAccount", "3.29.0"),  # pinned to the first version with the safe default
    ],
)
def test_unset_blob_public_access_passes_where_the_api_version_defaults_to_false(
    analyzer: PackAnalyzer, type_token: str, provider_version: str
) -> None:
    assert diagnostics_of(analyzer.analyze(type_token, UNSET, provider_version=provider_version), HARDENING) == []


@pytest.mark.controls("DATA-6")
@pytest.mark.parametrize(
    ("type_token", "provider_version", "sent"),
    [
        (t.STORAGE_ACCOUNT, "2.90.0", "API version 2022-09-01"),
        ("azure-native:storage/v20220901:StorageAccount", "2.90.0", "API version 2022-09-01"),
        ("azure-native_storage_v20220901:storage:StorageAccount", "3.29.0", "API version 2022-09-01"),
        (t.STORAGE_ACCOUNT, "1.104.0", "an API version this pack cannot determine (no provider version)"),
        (t.STORAGE_ACCOUNT, None, "an API version this pack cannot determine (no provider version)"),
    ],
)
def test_unset_blob_public_access_fails_where_it_means_allowed_or_the_version_is_unknown(
    analyzer: PackAnalyzer, type_token: str, provider_version: str | None, sent: str
) -> None:
    (finding,) = diagnostics_of(analyzer.analyze(type_token, UNSET, provider_version=provider_version), HARDENING)
    assert finding.message.splitlines()[-1] == (
        "[DATA-6] Storage account 'res' allows anonymous (public) blob access (allowBlobPublicAccess is not set): set "
        f"allowBlobPublicAccess = false explicitly: the resource is sent with {sent}, and before 2023-01-01 unset means allowed."
    )


@pytest.mark.controls("DATA-6")
@pytest.mark.parametrize("value", [True, "false", 0])
def test_explicit_or_noncanonical_blob_public_access_fails_on_every_version(analyzer: PackAnalyzer, value: object) -> None:
    props = changed(BASELINES[t.STORAGE_ACCOUNT], "allowBlobPublicAccess", value)
    (finding,) = diagnostics_of(analyzer.analyze(t.STORAGE_ACCOUNT, props, provider_version="3.29.0"), HARDENING)
    assert "allows anonymous (public) blob access (allowBlobPublicAccess is " in finding.message


@pytest.mark.controls("RES-5")
def test_unset_minimum_tls_fails_before_azure_enforced_tls12_and_passes_after(
    analyzer: PackAnalyzer, monkeypatch: pytest.MonkeyPatch
) -> None:
    props = changed(BASELINES[t.STORAGE_ACCOUNT], "minimumTlsVersion", DELETE)
    policy = "azurenative-storage-storageaccount-tls-https-only"
    assert diagnostics_of(analyzer.analyze(t.STORAGE_ACCOUNT, props), policy) == []
    monkeypatch.setattr(transport, "_today", lambda: transport.STORAGE_TLS12_FLOOR_SINCE - dt.timedelta(days=1))
    (finding,) = diagnostics_of(analyzer.analyze(t.STORAGE_ACCOUNT, props), policy)
    assert finding.message.splitlines()[-1] == (
        "[RES-5] Storage account 'res' accepts requests below TLS 1.2 (minimumTlsVersion is not set): set minimumTlsVersion = 'TLS1_2'."
    )
