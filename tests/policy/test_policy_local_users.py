"""ACC-1: storage SFTP and local users are key-based authentication (SSH keys, passwords, a
per-user shared key), so they count as local auth: a compliant baseline, then each way in."""

from __future__ import annotations

import pytest
from policy_cases import BASELINES, changed, diagnostics_of

from pulumi_aizone_policy import tokens as t
from pulumi_aizone_policy.harness import PackAnalyzer

_ACCOUNT = "azurenative-storage-storageaccount-disable-sftp-local-users"
_USER = "azurenative-storage-localuser-no-local-users"


def _mandatory(analyzer: PackAnalyzer, token: str, props: dict[str, object], policy: str) -> list[str]:
    return [item.message.split("\n", 1)[1] for item in diagnostics_of(analyzer.analyze(token, props), policy, "mandatory")]


@pytest.mark.controls("ACC-1")
def test_hardened_storage_account_passes(analyzer: PackAnalyzer) -> None:
    assert _mandatory(analyzer, t.STORAGE_ACCOUNT, dict(BASELINES[t.STORAGE_ACCOUNT]), _ACCOUNT) == []
    explicit = changed(changed(BASELINES[t.STORAGE_ACCOUNT], "isSftpEnabled", False), "isLocalUserEnabled", False)
    assert _mandatory(analyzer, t.STORAGE_ACCOUNT, explicit, _ACCOUNT) == []


@pytest.mark.controls("ACC-1")
@pytest.mark.parametrize(
    ("path", "value", "expected"),
    [
        ("isSftpEnabled", True, "enables SFTP, whose local users sign in with SSH keys or passwords"),
        ("isLocalUserEnabled", True, "enables local users, which authenticate with SSH keys, passwords or a shared key"),
        ("isSftpEnabled", "false", "enables SFTP, whose local users sign in with SSH keys or passwords"),
    ],
)
def test_sftp_and_local_users_are_key_based_auth(analyzer: PackAnalyzer, path: str, value: object, expected: str) -> None:
    messages = _mandatory(analyzer, t.STORAGE_ACCOUNT, changed(BASELINES[t.STORAGE_ACCOUNT], path, value), _ACCOUNT)
    assert len(messages) == 1 and messages[0].startswith("[ACC-1] Storage account 'res' ") and expected in messages[0]


@pytest.mark.controls("ACC-1")
@pytest.mark.parametrize("props", [{}, {"hasSharedKey": False, "hasSshKey": False, "hasSshPassword": False}, {"hasSshKey": True}])
def test_every_storage_local_user_is_flagged_whatever_its_settings(analyzer: PackAnalyzer, props: dict[str, object]) -> None:
    """A local user with every credential switched off can get one back in a later change; the
    pack flags the credential outside Entra ID itself."""
    assert _mandatory(analyzer, t.STORAGE_LOCAL_USER, {"accountName": "st", "resourceGroupName": "rg", **props}, _USER) == [
        "[ACC-1] Storage local user 'res' signs in with an SSH key, password or shared key, "
        "not Entra ID; remove it and grant an Entra identity a data-plane role instead"
    ]


@pytest.mark.controls("ACC-1")
@pytest.mark.parametrize("props", [{}, {"sshPasswordEnabled": False, "sshKeyEnabled": False}, {"sshPasswordEnabled": "false"}])
def test_every_classic_storage_local_user_is_flagged(analyzer: PackAnalyzer, props: dict[str, object]) -> None:
    """The classic provider's local user (azure:storage/localUser) is judged the same way."""
    user = {"storageAccountId": "/subscriptions/sub/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/st", **props}
    assert _mandatory(analyzer, t.AZ_STORAGE_LOCAL_USER, user, "azure-storage-localuser-no-local-users") == [
        "[ACC-1] Storage local user 'res' signs in with an SSH key, password or shared key, "
        "not Entra ID; remove it and grant an Entra identity a data-plane role instead"
    ]
