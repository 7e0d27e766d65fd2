"""`aizone:data` and `aizone:governance`: data protection, Purview and Defender for Cloud."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from .reader import _EMAIL, NAMESPACE, _describe, _Reader


@dataclass(frozen=True)
class DataSettings:
    """DATA-5: `protect` (Pulumi refuses to delete or replace what the program protects). Management
    locks are not placed: they block revoking role assignments and replacing private endpoints
    (README, "Data protection")."""

    protect: bool


@dataclass(frozen=True)
class GovernanceSettings:
    """Microsoft Purview and Defender for Cloud (subscription-wide: may be managed elsewhere)."""

    purview: bool
    defender: bool
    security_contacts: tuple[str, ...]
    # Purview is one account per tenant: attach the existing one (its ARM id, and optionally the
    # principal id of its system identity), or create one on purpose (`create: true`).
    purview_account_id: str | None = None
    purview_principal_id: str | None = None
    purview_create: bool = False
    # `defender: adopt`: import the subscription's plans as they are on this run (the next run with
    # `true` writes them); a stack's first run adopts them anyway (README, "Defender plans").
    defender_adopt: bool = False


def _read_data(reader: _Reader, value: Any) -> DataSettings:
    key = f"{NAMESPACE}:data"
    if isinstance(value, dict) and "lock" in value:
        reader.fail(
            f"{key}.lock",
            "was removed: a CanNotDelete lock on a storage account, vault or Purview account blocks deleting the role "
            "assignments, diagnostic settings and private endpoint connections under it, so revoking an agent failed; "
            'data is kept by protect, soft delete, versioning and purge protection (README, "Data protection"). '
            "Delete the key",
        )
        value = {k: v for k, v in value.items() if k != "lock"}
    data = reader.mapping(key, value, ("protect",))
    return DataSettings(protect=reader.boolean(f"{key}.protect", data.get("protect", True)))


# /subscriptions/<guid>/resourceGroups/<name>/providers/Microsoft.Purview/accounts/<name>
_PURVIEW_ID = re.compile(
    r"^/subscriptions/[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}/resourceGroups/[-\w._()]{1,90}"
    r"/providers/Microsoft\.Purview/accounts/[A-Za-z0-9][A-Za-z0-9-]{1,61}[A-Za-z0-9]$",
    re.IGNORECASE,
)
_GUID = re.compile(r"^[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")


def _read_purview(reader: _Reader, key: str, value: Any) -> tuple[bool, str | None, str | None, bool]:
    """(enabled, account id, principal id, create) from `false`, `{accountId[, principalId]}` or
    `{create: true}`."""
    usage = (
        "use {accountId: /subscriptions/<id>/resourceGroups/<group>/providers/Microsoft.Purview/accounts/<name>} "
        "to attach the tenant's existing account, {create: true} to create one, or false"
    )
    if value is False:
        return False, None, None, False
    if not isinstance(value, dict):
        reader.fail(key, f"expected a mapping or false, got {_describe(value)}; {usage}")
        return False, None, None, False
    data = reader.mapping(key, value, ("accountId", "principalId", "create"))
    create = reader.boolean(f"{key}.create", data.get("create", False))
    account_id = data.get("accountId")
    principal_id = data.get("principalId")
    if create and (account_id is not None or principal_id is not None):
        reader.fail(key, "give either accountId (attach) or create: true, not both")
        return False, None, None, False
    if create:
        return True, None, None, True
    if account_id is None:
        reader.fail(f"{key}.accountId", f"is required; {usage}")
        return False, None, None, False
    account_id = reader.string(f"{key}.accountId", account_id, _PURVIEW_ID, usage)
    if principal_id is not None:
        principal_id = reader.string(
            f"{key}.principalId", principal_id, _GUID, "expected the object id (GUID) of the account's system-assigned identity"
        )
    return bool(account_id), account_id or None, principal_id or None, False


def _read_governance(reader: _Reader, value: Any) -> GovernanceSettings:
    key = f"{NAMESPACE}:governance"
    data = reader.mapping(key, value, ("purview", "defender", "securityContacts"))
    purview, account_id, principal_id, create = _read_purview(reader, f"{key}.purview", data.get("purview", False))
    contacts = reader.sequence(
        f"{key}.securityContacts",
        data.get("securityContacts", []),
        lambda k, v: reader.string(k, v, _EMAIL, "expected an e-mail address such as secops@contoso.com"),
    )
    defender = data.get("defender", True)
    if defender != "adopt" and not isinstance(defender, bool):
        reader.fail(f"{key}.defender", f"expected true, false or 'adopt', got {defender!r}")
    return GovernanceSettings(
        purview=purview,
        defender=defender is not False,
        defender_adopt=defender == "adopt",
        security_contacts=contacts,
        purview_account_id=account_id,
        purview_principal_id=principal_id,
        purview_create=create,
    )
