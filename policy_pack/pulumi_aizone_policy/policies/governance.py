"""ACC-8: governance of AI resources. Cognitive Services accounts are of an allowed kind (Foundry
`AIServices` by default) and every model deployment declares a capacity (quota) within the cap
from config."""

from __future__ import annotations

from collections.abc import Iterator

from .. import defaults, tokens
from ..config import PolicyConfig
from ..framework import Field, Finding, Resource, ResourcePolicySpec, unknown_value, violation
from ..values import UNKNOWN, as_number, describe, in_ci

_CONTROLS = ("ACC-8",)
# Defaults shared with the program's settings (defaults.py), so program and pack cannot drift.
DEFAULT_ALLOWED_KINDS: tuple[str, ...] = defaults.ALLOWED_ACCOUNT_KINDS
DEFAULT_MAX_CAPACITY: int = defaults.MAX_DEPLOYMENT_CAPACITY


def _allowed_kind(resource: Resource, config: PolicyConfig) -> Iterator[Finding]:
    """The account's kind is on the allow-list (case-insensitive)."""
    kind = resource.get("kind")
    allowed = config.strings("allowedKinds")
    if kind is UNKNOWN:
        yield unknown_value(resource.subject, "kind")
    elif not in_ci(kind, allowed):
        yield violation(
            f"{resource.subject} has kind {describe(kind)}, which is not allowed (allowed: "
            f"{', '.join(allowed) or 'none'}): create an account of an allowed kind, e.g. a "
            "Foundry 'AIServices' account with projects, or add the kind to this policy's "
            "allowedKinds config."
        )


def _capacity_cap(resource: Resource, config: PolicyConfig) -> Iterator[Finding]:
    """sku.capacity is set and does not exceed maxCapacity."""
    capacity = resource.get("sku.capacity")
    cap = config.number("maxCapacity")
    if capacity is UNKNOWN:
        yield unknown_value(resource.subject, "sku.capacity")
        return
    number = as_number(capacity)
    if number is None:
        yield violation(
            f"{resource.subject} does not declare its capacity (sku.capacity is "
            f"{describe(capacity)}): set sku.capacity (units of 1,000 tokens per minute for "
            f"Standard SKUs) to at most {cap:g}."
        )
    elif number > cap:
        yield violation(
            f"{resource.subject} requests capacity {number:g}, above the cap of {cap:g}: lower "
            "sku.capacity, or raise this policy's maxCapacity config after a quota review."
        )


POLICIES: tuple[ResourcePolicySpec, ...] = (
    ResourcePolicySpec(
        name="azurenative-cognitiveservices-account-allowed-kind",
        controls=_CONTROLS,
        description="Cognitive Services accounts must be of an allowed kind.",
        severity="medium",
        remediation=(
            "Use an allowed account kind (default: AIServices, the Foundry resource, or OpenAI) "
            "and organise workloads as Foundry projects; extend allowedKinds deliberately."
        ),
        fields=(Field(tokens.COGNITIVE_ACCOUNT, "kind"),),
        resource_types=(tokens.COGNITIVE_ACCOUNT,),
        rule=_allowed_kind,
        config={
            "allowedKinds": {
                "type": "array",
                "items": {"type": "string", "minLength": 1},
                "default": list(DEFAULT_ALLOWED_KINDS),
                "description": "Allowed Cognitive Services account kinds (case-insensitive).",
            }
        },
    ),
    ResourcePolicySpec(
        name="azurenative-cognitiveservices-deployment-capacity-cap",
        controls=_CONTROLS,
        description="Model deployments must declare a capacity within the configured cap.",
        severity="medium",
        remediation=(
            "Set sku.capacity on every model deployment to a value within maxCapacity; raise the "
            "cap per stack in the policy config when a workload needs more quota."
        ),
        fields=(Field(tokens.COGNITIVE_DEPLOYMENT, "sku.capacity"),),
        resource_types=(tokens.COGNITIVE_DEPLOYMENT,),
        rule=_capacity_cap,
        config={
            "maxCapacity": {
                "type": "number",
                "minimum": 1,
                "default": DEFAULT_MAX_CAPACITY,
                "description": "Largest sku.capacity one model deployment may request.",
            }
        },
    ),
)
