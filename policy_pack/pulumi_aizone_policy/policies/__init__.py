"""Every policy spec of the pack, grouped by control family (one module per rule family;
rbac.py holds the role-assignment helpers several families share, diagnostic_links.py the
diagnostic-setting links RES-2 and MOD-2b share)."""

from __future__ import annotations

from ..framework import ResourcePolicySpec, StackPolicySpec
from . import (
    ai_platform,
    alerting,
    classic_access,
    classic_ai,
    classic_data,
    content_safety,
    coverage,
    customer_managed_keys,
    data_boundaries,
    data_protection,
    defender,
    diagnostics,
    doors,
    execution,
    gateway,
    gateway_hardening,
    governance,
    guardrails,
    identity,
    inventory,
    least_privilege,
    local_auth,
    model_integrity,
    network_access,
    private_link,
    privileged_access,
    transport,
)

ALL_SPECS: tuple[ResourcePolicySpec | StackPolicySpec, ...] = (
    *local_auth.POLICIES,
    *network_access.POLICIES,
    *identity.POLICIES,
    *governance.POLICIES,
    *content_safety.POLICIES,
    *model_integrity.POLICIES,
    *diagnostics.POLICIES,
    *private_link.POLICIES,
    *transport.POLICIES,
    *defender.POLICIES,
    *gateway.POLICIES,
    *least_privilege.POLICIES,
    *privileged_access.POLICIES,
    *inventory.POLICIES,
    *data_boundaries.POLICIES,
    *data_protection.POLICIES,
    *execution.POLICIES,
    *alerting.POLICIES,
    *classic_ai.POLICIES,
    *classic_data.POLICIES,
    *classic_access.POLICIES,
    *coverage.POLICIES,
    # Anchor rule sets (docs/COVERAGE.md): AI platform resources and the gateway's own hardening.
    *ai_platform.POLICIES,
    *gateway_hardening.POLICIES,
    # doors (issue 20): what the pack cannot see is a finding.
    *doors.POLICIES,
    *guardrails.POLICIES,
    # DATA-8: customer-managed keys, opt-in by the organisation (scope.py).
    *customer_managed_keys.POLICIES,
    *customer_managed_keys.CLASSIC_POLICIES,
)
coverage.set_judged(ALL_SPECS)
doors.set_fields(ALL_SPECS)
