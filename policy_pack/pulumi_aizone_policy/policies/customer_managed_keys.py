"""DATA-8: customer-managed keys, where the organisation requires them.

Every service here encrypts data at rest with Microsoft-managed keys by default. An organisation
that must hold the key of some data classes itself lists those data boundaries in the scope
policy's `customerManagedKeys` config (scope.py); the pack's servicer hands the list to each policy
below under the same key, so no stack and no single policy's config can switch it. With the list
empty (the default) the policies do not run and are reported not applicable.

Which resources are judged: those whose `data-boundary` tag (reference.BOUNDARY_TAG) names a
listed boundary, every resource with `all`, and every resource without a valid boundary tag (it may
hold any boundary's data, e.g. an AI account shared by applications; dropping the tag must not be a
way out). A tag unknown during preview is a note.

What counts as a customer-managed key, per resource type (wire names of the REST API version the
azure-native 3.29 SDK sends, read from its `*Args` classes and `_enums.py`, 2026-12-07):

- Cognitive Services / Foundry account (2025-06-01): `properties.encryption.keySource` exactly
  `Microsoft.KeyVault` (enum `KeySource`: `Microsoft.CognitiveServices`, `Microsoft.KeyVault`) and
  `properties.encryption.keyVaultProperties` with a non-blank `keyName` and an `https://`
  `keyVaultUri`. The REST spec declares the key source's default as `Microsoft.KeyVault` and the
  SDK's `EncryptionArgs` fills it in, but the pack requires it explicitly: a raw dict without it
  reaches ARM without it, and an account without key vault properties is not CMK whatever the
  default says. The enum is compared exactly (its documentation does not say ARM folds case).
- Machine Learning workspace (2025-12-01): `encryption.status` exactly `Enabled` (enum
  `EncryptionStatus`: `Enabled`, `Disabled`) with `encryption.keyVaultProperties.keyVaultArmId` (the
  ARM id of a key vault or managed HSM, `.../providers/Microsoft.KeyVault/vaults/<name>`, any case)
  and an `https://` `keyIdentifier`. CMK can only be set when the workspace is
  created (Learn: "Use customer-managed keys with Azure Machine Learning"). A workspace of kind
  `project` (a hub's project) is left out, as the built-ins ba769a63-b8cc-4b2d-abf6-ac33c7204be8 and
  7f40cee6-e933-4d0f-a782-b96615e0f4a6 leave it out (Azure/azure-policy, Machine Learning/
  Workspace_CMKEnabled_Audit*.json): it is encrypted with its hub's key. The kind is compared
  ignoring case (as Azure Policy's `equals`) but not blanks.
- AI Search service (2025-05-01): `encryptionWithCmk.enforcement` exactly `Enabled` (enum
  `SearchEncryptionWithCmk`: `Disabled`, `Enabled`, `Unspecified`; the SDK documents
  `Unspecified` as behaving like `Disabled`). Search keys are set per index and synonym map in the
  data plane; enforcement is the service-level switch that marks the service non-compliant when an
  object is not encrypted with a customer-managed key, the only part visible at deploy time.
- Storage account (2024-01-01): `encryption.keySource` `Microsoft.Keyvault` (enum `KeySource`:
  `Microsoft.Storage`, `Microsoft.Keyvault`; the SDK documents the values as case-insensitive, so
  case is ignored, blanks are not) and `encryption.keyVaultProperties` with a non-blank `keyName`
  and an `https://` `keyVaultUri`.
- Bot Service bot (2023-09-15-preview): `properties.isCmekEnabled` the boolean true and an
  `https://` `properties.cmekKeyVaultUrl`.

The classic provider (pulumi-azure 6.40, its `*Args` docstrings): AI Search
`customerManagedKeyEnforcementEnabled` the boolean true; Machine Learning workspaces an `encryption`
block with `keyVaultId` and an `https://` `keyId`; Cognitive Services and AI Services accounts and
storage accounts either an inline `customerManagedKey` block (`keyVaultKeyId`, storage also
`managedHsmKeyId`) or a resource of its own (`azure:cognitive/accountCustomerManagedKey`, whose
`cognitiveAccountId` names the account; `azure:storage/customerManagedKey`, `storageAccountId`), so
those two are stack policies: the separate key is linked to its account by id, property dependency
or sole dependency (stackindex.linked), and its key id may be unknown in a preview (the resource
requires one).

Values are compared as the rest of the pack does: a string "true" is not the boolean, an enum
near miss is named in the message, and a value unknown during preview is a note (a violation
during `pulumi up` and in the offline gate).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Final

from .. import reference, scope, tokens
from ..config import PolicyConfig
from ..framework import Field, Finding, Resource, ResourcePolicySpec, StackPolicySpec, unknown_value, violation
from ..stackindex import StackIndex, StackResource
from ..values import UNKNOWN, describe, describe_against, is_exactly, noncanonical_bool

_CONTROLS: Final = ("DATA-8",)
_BOUNDARY_PATH: Final = f"tags.{reference.BOUNDARY_TAG}"

KEY_VAULT_SOURCE: Final = "Microsoft.KeyVault"
"""cognitiveservices `KeySource` value for a customer-managed key."""
STORAGE_KEY_VAULT_SOURCE: Final = "Microsoft.Keyvault"
"""storage `KeySource` value for a customer-managed key (documented case-insensitive)."""
ENABLED: Final = "Enabled"
ML_PROJECT_KIND: Final = "project"
"""A hub's project: encrypted with its hub's key, left out as the Azure Policy built-ins do."""


def required_because(resource: Resource | StackResource, config: PolicyConfig) -> str | None:
    """Why the organisation requires CMK on this resource ("for data boundary 'customer'", ...), or
    None when it does not. The caller has ruled out a boundary tag unknown during preview."""
    boundaries = config.strings(scope.CMK_KEY)
    if not boundaries:
        return None
    if scope.CMK_ALL in boundaries:
        return "for every data boundary"
    boundary = resource.get(_BOUNDARY_PATH)
    if not isinstance(boundary, str) or boundary.strip().lower() not in reference.BOUNDARIES:
        return (
            f"because it declares no valid data boundary (tags['{reference.BOUNDARY_TAG}'] is {describe(boundary)}), so it "
            f"may hold data of a boundary that requires it ({', '.join(boundaries)})"
        )
    folded = boundary.strip().lower()
    return f"for data boundary '{folded}'" if folded in boundaries else None


def _https(value: object) -> bool:
    """A non-blank https:// URL (a key vault or key URI)."""
    return isinstance(value, str) and value.strip().lower().startswith("https://") and len(value.strip()) > len("https://")


_VAULT_ID: Final = re.compile(
    r"^/subscriptions/[^/]+/resourcegroups/[^/]+/providers/microsoft\.keyvault/(vaults|managedhsms)/[^/]+/?$", re.IGNORECASE
)


def _vault_id(value: object) -> bool:
    """The ARM id of a key vault or managed HSM (any case, as ARM ids are)."""
    return isinstance(value, str) and _VAULT_ID.match(value.strip()) is not None


def _named(value: object) -> bool:
    """A non-blank string (a key name, an ARM id)."""
    return isinstance(value, str) and bool(value.strip())


_Check = tuple[str, Callable[[object], bool], Callable[[object], str]]
"""(wire path, accepts the value, how the message shows a rejected value)."""


def _shown(value: object) -> str:
    return describe(value) if not (isinstance(value, str) and not value.strip()) else f"'{value}' (blank)"


def _enum(expected: str) -> tuple[Callable[[object], bool], Callable[[object], str]]:
    return (lambda value: is_exactly(value, (expected,))), (lambda value: describe_against(value, (expected,)))


_NOT_CMK: Final = "is not encrypted with a customer-managed key"
# The key role a service's identity needs on the key: "Key Vault Crypto Service Encryption User"
# (Microsoft Learn, "Customer-managed keys for Azure Storage encryption",
# https://learn.microsoft.com/azure/storage/common/customer-managed-keys-overview, read 2026-12-07).
_WHO_DECIDES: Final = (
    "Grant the resource's managed identity a key role on the key (Key Vault Crypto Service Encryption User) first. "
    f"The organisation lists the data boundaries that require CMK in {scope.SCOPE_POLICY}'s {scope.CMK_KEY} config."
)


def _judge(
    resource: Resource,
    config: PolicyConfig,
    checks: tuple[_Check, ...],
    fix: str,
    problem: str = _NOT_CMK,
    skip_kind: str | None = None,
) -> Iterator[Finding]:
    """The CMK verdict of one resource: nothing when the organisation does not require CMK of it
    (or it is of `skip_kind`, any case), one violation naming every missing or wrong property
    otherwise (a note for unknown values)."""
    if not config.strings(scope.CMK_KEY):
        return
    if skip_kind is not None:
        kind = resource.get("kind")
        if kind is UNKNOWN:
            yield unknown_value(resource.subject, "kind")
            return
        if isinstance(kind, str) and kind.lower() == skip_kind.lower():
            return
    if scope.CMK_ALL not in config.strings(scope.CMK_KEY) and UNKNOWN in (resource.get("tags"), resource.get(_BOUNDARY_PATH)):
        yield unknown_value(resource.subject, _BOUNDARY_PATH)
        return
    why = required_because(resource, config)
    if why is None:
        return
    problems: list[str] = []
    for path, ok, show in checks:
        value = resource.get(path)
        if value is UNKNOWN:
            yield unknown_value(resource.subject, path)
        elif not ok(value):
            problems.append(f"{path} is {show(value)}")
    if problems:
        yield violation(f"{resource.subject} {problem}, which the organisation requires {why} ({'; '.join(problems)}): {fix}.")


_KEY_NAME: Final = (_named, _shown)
_VAULT: Final = (_vault_id, _shown)
_HTTPS_URI: Final = (_https, _shown)

_COGNITIVE_CHECKS: Final[tuple[_Check, ...]] = (
    ("properties.encryption.keySource", *_enum(KEY_VAULT_SOURCE)),
    ("properties.encryption.keyVaultProperties.keyName", *_KEY_NAME),
    ("properties.encryption.keyVaultProperties.keyVaultUri", *_HTTPS_URI),
)
_ML_CHECKS: Final[tuple[_Check, ...]] = (
    ("encryption.status", *_enum(ENABLED)),
    ("encryption.keyVaultProperties.keyVaultArmId", *_VAULT),
    ("encryption.keyVaultProperties.keyIdentifier", *_HTTPS_URI),
)
_SEARCH_CHECKS: Final[tuple[_Check, ...]] = (("encryptionWithCmk.enforcement", *_enum(ENABLED)),)


def _storage_source(value: object) -> bool:
    """`Microsoft.Keyvault` in any case (documented case-insensitive), without stray blanks."""
    return isinstance(value, str) and value.lower() == STORAGE_KEY_VAULT_SOURCE.lower()


_STORAGE_CHECKS: Final[tuple[_Check, ...]] = (
    ("encryption.keySource", _storage_source, _shown),
    ("encryption.keyVaultProperties.keyName", *_KEY_NAME),
    ("encryption.keyVaultProperties.keyVaultUri", *_HTTPS_URI),
)


def _bool_true_shown(value: object) -> str:
    return noncanonical_bool(value, True) or describe(value)


_BOT_CHECKS: Final[tuple[_Check, ...]] = (
    ("properties.isCmekEnabled", lambda value: value is True, _bool_true_shown),
    ("properties.cmekKeyVaultUrl", *_HTTPS_URI),
)


def _rule(
    checks: tuple[_Check, ...], fix: str, problem: str, skip_kind: str | None
) -> Callable[[Resource, PolicyConfig], Iterator[Finding]]:
    def rule(resource: Resource, config: PolicyConfig) -> Iterator[Finding]:
        return _judge(resource, config, checks, fix, problem, skip_kind)

    return rule


def _spec(
    name: str,
    type_token: str,
    checks: tuple[_Check, ...],
    values: dict[str, str],
    description: str,
    fix: str,
    problem: str = _NOT_CMK,
    skip_kind: str | None = None,
) -> ResourcePolicySpec:
    return ResourcePolicySpec(
        name=name,
        controls=_CONTROLS,
        description=description,
        severity="high",
        remediation=f"{fix[:1].upper()}{fix[1:]}. {_WHO_DECIDES}",
        fields=(
            *(Field(type_token, path, (values[path],) if path in values else ()) for path, _, _ in checks),
            Field(type_token, "tags"),
            *((Field(type_token, "kind"),) if skip_kind else ()),
        ),
        resource_types=(type_token,),
        rule=_rule(checks, fix, problem, skip_kind),
    )


POLICIES: tuple[ResourcePolicySpec, ...] = (
    _spec(
        "azurenative-cognitiveservices-account-customer-managed-key",
        tokens.COGNITIVE_ACCOUNT,
        _COGNITIVE_CHECKS,
        {"properties.encryption.keySource": KEY_VAULT_SOURCE},
        "AI Services / Foundry accounts must encrypt data at rest with a customer-managed key where the organisation requires it.",
        f"set properties.encryption.keySource = '{KEY_VAULT_SOURCE}' and properties.encryption.keyVaultProperties "
        "(keyName, keyVaultUri, and identityClientId for a user-assigned identity) to a key in the organisation's Key Vault",
    ),
    _spec(
        "azurenative-machinelearningservices-workspace-customer-managed-key",
        tokens.ML_WORKSPACE,
        _ML_CHECKS,
        {"encryption.status": ENABLED},
        "Machine Learning workspaces must be encrypted with a customer-managed key where the organisation requires it.",
        f"create the workspace with encryption.status = '{ENABLED}' and encryption.keyVaultProperties (keyVaultArmId, "
        "keyIdentifier) naming a key in the organisation's Key Vault (CMK can only be set when a workspace is created)",
        skip_kind=ML_PROJECT_KIND,
    ),
    _spec(
        "azurenative-search-service-customer-managed-key",
        tokens.SEARCH_SERVICE,
        _SEARCH_CHECKS,
        {"encryptionWithCmk.enforcement": ENABLED},
        "AI Search services must enforce customer-managed-key encryption where the organisation requires it.",
        f"set encryptionWithCmk.enforcement = '{ENABLED}' (Unspecified behaves like Disabled) and encrypt every index "
        "and synonym map with a key in the organisation's Key Vault",
        "does not enforce customer-managed-key encryption",
    ),
    _spec(
        "azurenative-storage-storageaccount-customer-managed-key",
        tokens.STORAGE_ACCOUNT,
        _STORAGE_CHECKS,
        {"encryption.keySource": STORAGE_KEY_VAULT_SOURCE},
        "Storage accounts must encrypt data at rest with a customer-managed key where the organisation requires it.",
        f"set encryption.keySource = '{STORAGE_KEY_VAULT_SOURCE}' and encryption.keyVaultProperties (keyName, "
        "keyVaultUri) to a key in the organisation's Key Vault, with encryption.encryptionIdentity for a user-assigned identity",
    ),
    _spec(
        "azurenative-botservice-bot-customer-managed-key",
        tokens.BOT,
        _BOT_CHECKS,
        {},
        "Bot Service bots must encrypt data at rest with a customer-managed key where the organisation requires it.",
        "set properties.isCmekEnabled = true and properties.cmekKeyVaultUrl to the https:// URL of a key in the organisation's Key Vault",
    ),
)


# --- classic provider (pulumi-azure 6.x) --------------------------------------------------------------

_CLASSIC_SEARCH_CHECKS: Final[tuple[_Check, ...]] = (
    ("customerManagedKeyEnforcementEnabled", lambda value: value is True, _bool_true_shown),
)
_CLASSIC_ML_CHECKS: Final[tuple[_Check, ...]] = (
    ("encryption.keyVaultId", *_VAULT),
    ("encryption.keyId", *_HTTPS_URI),
)


def _key_id_or_unknown(value: object) -> bool:
    """A separate key resource's key id: an https:// key URI, or unknown in a preview (required)."""
    return value is UNKNOWN or _https(value)


def _classic_separate_key(key: StackResource, props: tuple[str, ...]) -> bool:
    """Whether a separate customer-managed-key resource names a key (any of `props`)."""
    return any(_key_id_or_unknown(key.get(prop)) for prop in props)


def _classic_linked_rule(
    accounts: tuple[str, ...],
    key_type: str,
    link: str,
    key_props: tuple[str, ...],
    inline_props: tuple[str, ...],
    fix: str,
) -> Callable[[StackIndex, PolicyConfig], Iterator[Finding]]:
    """Every classic account of `accounts` the organisation requires CMK of has an inline
    `customerManagedKey` naming a key (any of `inline_props`), or a `key_type` resource whose `link`
    property names it and which names a key (any of `key_props`)."""

    def rule(stack: StackIndex, config: PolicyConfig) -> Iterator[Finding]:
        boundaries = config.strings(scope.CMK_KEY)
        if not boundaries:
            return
        covered: set[str] = set()
        for key in stack.of_type(key_type):
            if _classic_separate_key(key, key_props):
                covered.update(target.urn for target in stack.linked(key, link, key.get(link), accounts))
        for account in stack.of_type(*accounts):
            where = {"urn": account.urn, "name": account.name}
            if scope.CMK_ALL not in boundaries and UNKNOWN in (account.get("tags"), account.get(_BOUNDARY_PATH)):
                yield unknown_value(account.subject, _BOUNDARY_PATH, **where)
                continue
            why = required_because(account, config)
            if why is None or account.urn in covered:
                continue
            inline = [account.get(f"customerManagedKey.{prop}") for prop in inline_props]
            if any(_https(value) for value in inline):
                continue
            if UNKNOWN in inline:
                yield unknown_value(account.subject, f"customerManagedKey.{inline_props[0]}", **where)
                continue
            shown = "; ".join(f"customerManagedKey.{prop} is {_shown(value)}" for prop, value in zip(inline_props, inline, strict=True))
            yield violation(
                f"{account.subject} {_NOT_CMK}, which the organisation requires {why} ({shown}, and no {tokens.label(key_type)} "
                f"resource names it in {link}): {fix}.",
                **where,
            )

    return rule


def _classic_stack_spec(
    name: str,
    accounts: tuple[str, ...],
    key_type: str,
    link: str,
    key_props: tuple[str, ...],
    inline_props: tuple[str, ...],
    description: str,
    fix: str,
) -> StackPolicySpec:
    return StackPolicySpec(
        name=name,
        controls=_CONTROLS,
        description=description,
        severity="high",
        remediation=f"{fix[:1].upper()}{fix[1:]}. {_WHO_DECIDES}",
        fields=(
            *(Field(account, f"customerManagedKey.{prop}") for account in accounts for prop in inline_props),
            *(Field(account, "tags") for account in accounts),
            Field(key_type, link),
            *(Field(key_type, prop) for prop in key_props),
        ),
        rule=_classic_linked_rule(accounts, key_type, link, key_props, inline_props, fix),
    )


CLASSIC_POLICIES: tuple[ResourcePolicySpec | StackPolicySpec, ...] = (
    _spec(
        "azure-search-service-customer-managed-key",
        tokens.AZ_SEARCH_SERVICE,
        _CLASSIC_SEARCH_CHECKS,
        {},
        "AI Search services (classic provider) must enforce customer-managed-key encryption where the organisation requires it.",
        "set customerManagedKeyEnforcementEnabled = true and encrypt every index and synonym map with a key in the "
        "organisation's Key Vault",
        "does not enforce customer-managed-key encryption",
    ),
    _spec(
        "azure-machinelearning-workspace-customer-managed-key",
        tokens.AZ_ML_WORKSPACE,
        _CLASSIC_ML_CHECKS,
        {},
        "Machine Learning workspaces (classic provider) must be encrypted with a customer-managed key where the organisation requires it.",
        "create the workspace with an encryption block (keyVaultId, keyId) naming a key in the organisation's Key Vault",
    ),
    _classic_stack_spec(
        "azure-cognitive-account-customer-managed-key",
        (tokens.AZ_COGNITIVE_ACCOUNT, tokens.AZ_AI_SERVICES),
        tokens.AZ_COGNITIVE_CMK,
        "cognitiveAccountId",
        ("keyVaultKeyId",),
        ("keyVaultKeyId",),
        "Cognitive Services and AI Services accounts (classic provider) must encrypt data at rest with a customer-managed "
        "key where the organisation requires it.",
        "set customerManagedKey.keyVaultKeyId to a key in the organisation's Key Vault, or add an "
        "azure.cognitive.AccountCustomerManagedKey whose cognitiveAccountId is the account's id",
    ),
    _classic_stack_spec(
        "azure-storage-account-customer-managed-key",
        (tokens.AZ_STORAGE_ACCOUNT,),
        tokens.AZ_STORAGE_CMK,
        "storageAccountId",
        ("keyVaultKeyId", "managedHsmKeyId"),
        ("keyVaultKeyId", "managedHsmKeyId"),
        "Storage accounts (classic provider) must encrypt data at rest with a customer-managed key where the organisation requires it.",
        "set customerManagedKey (keyVaultKeyId or managedHsmKeyId, with userAssignedIdentityId) to a key in the "
        "organisation's Key Vault, or add an azure.storage.CustomerManagedKey whose storageAccountId is the account's id",
    ),
)
