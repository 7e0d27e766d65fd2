"""`aizone:data` and `aizone:governance`: data protection, Purview and Defender for Cloud."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pulumi_aizone_policy import catalog

from .reader import _EMAIL, NAMESPACE, _describe, _Reader


@dataclass(frozen=True)
class DataSettings:
    """DATA-5: `protect` (Pulumi refuses to delete or replace what the program protects). Management
    locks are not placed: they block revoking role assignments and replacing private endpoints
    (README, "Data protection")."""

    protect: bool


@dataclass(frozen=True)
class Waiver:
    """One exemption of the pack's configuration that Azure Policy must grant too: the controls of
    its policy that the guardrails enforce at runtime, at `scope` (an ARM resource id), until
    `expires` (last valid day)."""

    name: str
    policy: str
    resource: str
    scope: str
    controls: tuple[str, ...]
    reason: str
    expires: str


@dataclass(frozen=True)
class GuardrailsSettings:
    """`aizone:governance.guardrails`: the controls at runtime, as one Azure Policy initiative."""

    scope: str = "resourceGroup"
    management_group_id: str | None = None
    enforcement: Mapping[str, str] = field(default_factory=dict)
    policy_config: str | None = None
    waivers: tuple[Waiver, ...] = ()


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
    # Runtime guardrails (Azure Policy); None when `guardrails: false`.
    guardrails: GuardrailsSettings | None = GuardrailsSettings()


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
    data = reader.mapping(key, value, ("purview", "defender", "securityContacts", "guardrails"))
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
        guardrails=_read_guardrails(reader, f"{key}.guardrails", data.get("guardrails", {})),
    )


_SCOPES = ("resourceGroup", "subscription", "managementGroup")
_MANAGEMENT_GROUP = re.compile(r"^[A-Za-z0-9][-\w.()]{0,89}$")
_ARM_ID = re.compile(r"^/subscriptions/[0-9a-fA-F-]{36}/resourceGroups/[-\w._()]{1,90}(/providers/.+)?$")


def _read_guardrails(reader: _Reader, key: str, value: Any) -> GuardrailsSettings | None:
    """`false`, or {scope, managementGroupId, enforcement, policyConfig}."""
    if value is False:
        return None
    data = reader.mapping(key, value, ("scope", "managementGroupId", "enforcement", "policyConfig"))
    scope = reader.choice(f"{key}.scope", data.get("scope", "resourceGroup"), _SCOPES)
    group = data.get("managementGroupId")
    if scope == "managementGroup" and group is None:
        reader.fail(f"{key}.managementGroupId", "is required with scope: managementGroup (the management group's name)")
    elif scope == "managementGroup":
        group = reader.string(
            f"{key}.managementGroupId", group, _MANAGEMENT_GROUP, "expected a management group name (its id, not its display name)"
        )
    elif group is not None:
        reader.fail(f"{key}.managementGroupId", "is only allowed with scope: managementGroup")
        group = None
    runtime = catalog.runtime_controls()
    enforcement: dict[str, str] = {}
    raw = data.get("enforcement", {})
    if not isinstance(raw, dict):
        reader.fail(f"{key}.enforcement", f"expected a mapping of control id to audit, deny or remediate, got {_describe(raw)}")
        raw = {}
    for control, level in raw.items():
        if control not in runtime:
            reader.fail(f"{key}.enforcement.{control}", f"is not a control with a runtime definition; allowed: {', '.join(runtime)}")
            continue
        enforcement[control] = reader.choice(f"{key}.enforcement.{control}", level, catalog.ENFORCEMENTS)
    path = data.get("policyConfig")
    waivers: tuple[Waiver, ...] = ()
    if path is not None:
        path = reader.string(f"{key}.policyConfig", path)
        if path:
            waivers = _read_waivers(reader, f"{key}.policyConfig", path)
    return GuardrailsSettings(
        scope=scope, management_group_id=group or None, enforcement=enforcement, policy_config=path or None, waivers=waivers
    )


def _read_waivers(reader: _Reader, key: str, path: str) -> tuple[Waiver, ...]:
    """The exemptions of the pack's configuration file (the one `--policy-pack-config` takes) whose
    policy enforces a control the guardrails also enforce: each needs `scope`, the ARM resource id
    Azure's exemption covers, so one entry waives both layers."""
    file = Path(path)
    try:
        config = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as error:
        reader.fail(key, f"cannot read the policy pack configuration {path!r}: {error}")
        return ()
    if not isinstance(config, dict):
        reader.fail(key, f"{path!r} is not a policy pack configuration (a JSON object of policy name to level or object)")
        return ()
    from pulumi_aizone_policy.policies import ALL_SPECS  # only when a configuration is given: the pack's policies

    controls_of = {spec.name: spec.controls for spec in ALL_SPECS}
    runtime = set(catalog.runtime_controls())
    waivers: list[Waiver] = []
    for policy, entry in config.items():
        exemptions = entry.get("exemptions") if isinstance(entry, dict) else None
        if not isinstance(exemptions, list) or policy not in controls_of:
            continue  # the gate and the CLI report unknown policies and malformed entries
        waived = tuple(control for control in controls_of[policy] if control in runtime)
        for index, item in enumerate(exemptions):
            if not waived or not isinstance(item, dict):
                continue
            where = f"{path}: {policy}.exemptions[{index}]"
            scope = item.get("scope")
            if scope is None:
                reader.fail(
                    key,
                    f"{where} waives {', '.join(waived)}, which Azure Policy also enforces at runtime: add scope, the "
                    "resource id Azure's exemption covers, so the one waiver holds in both layers",
                )
                continue
            if not isinstance(scope, str) or not _ARM_ID.match(scope):
                reader.fail(
                    key,
                    f"{where}.scope: {_describe(scope)} is not a resource group or resource id (/subscriptions/<id>/resourceGroups/...)",
                )
                continue
            resource, reason, expires = item.get("resource"), item.get("reason"), item.get("expires")
            if not all(isinstance(text, str) and text.strip() for text in (resource, reason, expires)):
                reader.fail(key, f"{where} needs resource, reason and expires")
                continue
            try:
                dt.date.fromisoformat(str(expires))
            except ValueError:
                reader.fail(key, f"{where}.expires: {expires!r} is not a date (YYYY-MM-DD)")
                continue
            digest = hashlib.sha256(f"{policy}|{resource}|{scope}".encode()).hexdigest()[:12]
            waivers.append(
                Waiver(
                    name=f"aizone-waiver-{digest}",
                    policy=policy,
                    resource=str(resource),
                    scope=scope,
                    controls=waived,
                    reason=str(reason).strip(),
                    expires=str(expires),
                )
            )
    return tuple(waivers)


def check_waiver_scopes(reader: _Reader, guardrails: GuardrailsSettings | None, group: str) -> None:
    """Azure creates an exemption only at or under its assignment's scope: with the guardrails at
    the resource group, every waiver's scope must be in that group."""
    if guardrails is None or guardrails.scope != "resourceGroup":
        return
    for waiver in guardrails.waivers:
        parts = waiver.scope.split("/")
        if len(parts) < 5 or parts[4].lower() != group.lower():
            reader.fail(
                f"{NAMESPACE}:governance.guardrails.policyConfig",
                f"{guardrails.policy_config}: {waiver.policy} exemption for {waiver.resource!r} has scope {waiver.scope}, "
                f"outside the landing zone's resource group {group} where the guardrails are assigned: use a resource of "
                "that group, or assign the guardrails at the subscription (scope: subscription)",
            )
