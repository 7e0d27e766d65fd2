"""Remediations: the fixes the pack applies itself when a policy runs at the `remediate` level.

At `remediate`, the engine calls the pack's `Remediate` with a resource's inputs before it checks
and creates the resource, uses the inputs the pack returns instead, and still runs `Analyze` on
them (whatever is left is reported as mandatory). The pack remediates only fixes that are
*always* safe: the fixed resource serves every caller that the unfixed one served. Everything else
is refused at Configure time, naming the policies, because silently rewriting a setting that some
caller depends on would turn a policy finding into an outage nobody was warned about.

Remediated (one policy):

- `azurenative-storage-storageaccount-tls-https-only`: `minimumTlsVersion` absent (TLS 1.0, the
  documented default), `TLS1_0` or `TLS1_1` becomes `TLS1_2`. Azure Storage itself stopped
  accepting TLS 1.0 and 1.1 on 3 February 2026 ("Migrate to TLS 1.2 for Azure Blob Storage",
  https://learn.microsoft.com/azure/storage/common/transport-layer-security-configure-migrate-to-tls2),
  so raising the account's floor to TLS 1.2 cannot cut off a caller. A higher or unrecognised
  value and a value unknown during preview are left alone. `enableHttpsTrafficOnly = false` is
  *not* fixed: plain-HTTP callers, e.g. a custom domain mapped directly to the blob endpoint
  (Azure Storage serves custom domains over HTTP only without a CDN, see
  https://learn.microsoft.com/azure/storage/blobs/storage-custom-domain-name), would break; that
  half of the policy keeps reporting.

Deliberately not remediated (the policy stays advisory/mandatory/disabled):

- local authentication (`disableLocalAuth`, shared keys, admin users): callers using keys break;
- `allowBlobPublicAccess = false`, `allowCrossTenantReplication = false`: anonymous readers and
  existing cross-tenant object replication break;
- Key Vault purge protection: irreversible (the SDK: "the property does not accept false as its
  value") and it blocks callers that purge deleted secrets to reuse their names, and the reuse of
  a deleted vault's name, for the whole retention period;
- public network access, network ACLs, RBAC authorization, identities, protocols and ciphers,
  model and image pins, role assignments, Defender plans: each changes who can call what (or
  costs money), which only the stack's owner can decide;
- stack policies: pulumi_policy cannot remediate them at all.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, MutableMapping, Sequence
from dataclasses import replace
from typing import Any, Final

from .framework import Remediator, ResourcePolicySpec, StackPolicySpec

TLS12: Final = "TLS1_2"
_BELOW_TLS12: Final = frozenset({"tls1_0", "tls1_1"})

REMEDIATE_LEVEL: Final = "remediate"
LEVELS_WITHOUT_REMEDIATION: Final = ("advisory", "mandatory", "disabled")


def storage_minimum_tls(props: MutableMapping[str, Any]) -> bool:
    """Raise a storage account's minimumTlsVersion to TLS1_2 when it is absent, TLS1_0 or TLS1_1."""
    value = props.get("minimumTlsVersion")
    # An unknown value arrives as one of the engine's sentinel strings, which is neither of these.
    if value is None or (isinstance(value, str) and value.lower() in _BELOW_TLS12):
        props["minimumTlsVersion"] = TLS12
        return True
    return False


REMEDIATIONS: Final[Mapping[str, Remediator]] = {
    "azurenative-storage-storageaccount-tls-https-only": storage_minimum_tls,
}
"""Policy name -> its remediation. Only always-safe fixes belong here (see the module docstring)."""


def with_remediations(
    specs: Sequence[ResourcePolicySpec | StackPolicySpec],
) -> tuple[ResourcePolicySpec | StackPolicySpec, ...]:
    """The specs with their remediations attached; a remediation for a policy that does not exist
    (renamed, or a stack policy) is an error, so a fix can never be dropped silently."""
    resource_names = {spec.name for spec in specs if isinstance(spec, ResourcePolicySpec)}
    orphans = sorted(set(REMEDIATIONS) - resource_names)
    if orphans:
        raise ValueError(f"remediations for unknown resource policies: {', '.join(orphans)}")
    return tuple(
        replace(spec, remediate=REMEDIATIONS[spec.name]) if isinstance(spec, ResourcePolicySpec) and spec.name in REMEDIATIONS else spec
        for spec in specs
    )


def refusal(requested: Iterable[str], remediable: Iterable[str]) -> str | None:
    """The Configure error for policies set to `remediate` that cannot remediate, or None.

    `requested` are the policies the configuration sets to `remediate`, `remediable` the pack's
    policies that implement a remediation.
    """
    can = set(remediable)
    refused = sorted(set(requested) - can)
    if not refused:
        return None
    names = ", ".join(f"'{name}'" for name in refused)
    allowed = ", ".join(LEVELS_WITHOUT_REMEDIATION)
    only = ", ".join(f"'{name}'" for name in sorted(can)) or "none"
    return (
        f"enforcement level '{REMEDIATE_LEVEL}' is not supported by {len(refused)} "
        f"polic{'y' if len(refused) == 1 else 'ies'}: {names}. These policies support {allowed}; "
        f"only {only} can remediate (they apply a fix that is always safe, see the pack's README). "
        f"Set '{REMEDIATE_LEVEL}' on those policies only, not with \"all\"."
    )
