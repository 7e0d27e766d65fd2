"""Every policy spec of the pack, grouped by control family (one module per rule family)."""

from __future__ import annotations

from ..framework import ResourcePolicySpec, StackPolicySpec
from . import content_safety, diagnostics, governance, identity, local_auth, model_integrity, network_access, private_link

ALL_SPECS: tuple[ResourcePolicySpec | StackPolicySpec, ...] = (
    *local_auth.POLICIES,
    *network_access.POLICIES,
    *identity.POLICIES,
    *governance.POLICIES,
    *content_safety.POLICIES,
    *model_integrity.POLICIES,
    *diagnostics.POLICIES,
    *private_link.POLICIES,
)
