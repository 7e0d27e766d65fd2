"""RES-6: the runtime guardrails stay assigned, enforced and wide enough.

The landing zone assigns its controls as one Azure Policy initiative (the `Guardrails` component,
`aizone:governance.guardrails`), so changes made in the portal meet them too. A stack can undo that
without touching any AI resource: drop the assignment, set it to `DoNotEnforce` (Azure then only
reports), exclude scopes (`notScopes`, `resourceSelectors`) or assign it to a single resource instead
of the resource group, disable the definitions of a control inside the initiative or through the
assignment's `overrides`, or add an exemption that never
expires. Each is a mandatory finding here.

Which stacks must have guardrails: those holding the landing zone (`aizone:index:LandingZone`) or
the Guardrails component, and every stack when this policy's `required` config is true (the policy
group of the landing zone's own stacks). A guardrails assignment is recognised by what it assigns,
not by its name: an assignment whose definition is a policy set definition carrying the catalog's
runtime reference ids (`catalog.RUNTIME_POLICIES`), or whose metadata says `aizoneGuardrails`.

Exemptions (`authorization:PolicyExemption`) without `expiresOn` are refused in every stack: a
waiver that never ends is a permanent hole (universal policy). Learn, "Azure Policy exemption
structure": `expiresOn` is optional and an exemption without it never expires.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Final

from .. import catalog
from ..config import PolicyConfig
from ..framework import Field, Finding, Resource, ResourcePolicySpec, StackPolicySpec, unknown_value, violation
from ..stackindex import StackIndex, StackResource
from ..values import UNKNOWN, describe, eq_ci

_CONTROLS = ("RES-6",)
ASSIGNMENT: Final = "azure-native:authorization:PolicyAssignment"
EXEMPTION: Final = "azure-native:authorization:PolicyExemption"
SET_DEFINITIONS: Final = (
    "azure-native:authorization:PolicySetDefinition",
    "azure-native:authorization:PolicySetDefinitionAtManagementGroup",
)
# Components whose presence makes guardrails required (the landing zone and the component itself).
LANDING_ZONE_COMPONENTS: Final = ("aizone:index:LandingZone", "aizone:index:Guardrails")
_RESOURCE_GROUP = re.compile(r"^/subscriptions/[^/]+/resourcegroups/[^/]+$", re.IGNORECASE)
_SUBSCRIPTION = re.compile(r"^/subscriptions/[^/]+$", re.IGNORECASE)
_MANAGEMENT_GROUP = re.compile(r"^/providers/microsoft\.management/managementgroups/[^/]+$", re.IGNORECASE)


def _references(initiative: StackResource) -> Mapping[str, str]:
    """reference id -> effect value (as given) of an initiative's definitions."""
    found: dict[str, str] = {}
    definitions = initiative.get("policyDefinitions")
    if not isinstance(definitions, list):
        return found
    for item in definitions:
        if not isinstance(item, dict):
            continue
        reference = item.get("policyDefinitionReferenceId")
        parameters = item.get("parameters")
        effect = parameters.get("effect") if isinstance(parameters, dict) else None
        value = effect.get("value") if isinstance(effect, dict) else None
        if isinstance(reference, str):
            found[reference] = value if isinstance(value, str) else ""
    return found


def _is_guardrails_initiative(initiative: StackResource) -> bool:
    return any(reference in catalog.RUNTIME_BY_REFERENCE for reference in _references(initiative))


def _initiative_of(index: StackIndex, assignment: StackResource) -> StackResource | None:
    linked = index.linked(assignment, "policyDefinitionId", assignment.get("policyDefinitionId"), SET_DEFINITIONS)
    return next((initiative for initiative in linked if _is_guardrails_initiative(initiative)), None)


def _is_guardrails_assignment(index: StackIndex, assignment: StackResource) -> bool:
    metadata = assignment.get("metadata")
    flagged = isinstance(metadata, dict) and metadata.get("aizoneGuardrails") is True
    return flagged or _initiative_of(index, assignment) is not None


def _scope_findings(assignment: StackResource) -> Iterator[Finding]:
    scope = assignment.get("scope")
    where = {"urn": assignment.urn, "name": assignment.name}
    if scope is UNKNOWN:
        return  # wired from the resource group (or subscription) being created: checked once known
    if not isinstance(scope, str) or not any(p.match(scope.rstrip("/")) for p in (_RESOURCE_GROUP, _SUBSCRIPTION, _MANAGEMENT_GROUP)):
        yield violation(
            f"{assignment.subject} assigns the runtime guardrails at {describe(scope)}, narrower than the landing "
            "zone's resource group: assign them at the resource group, the subscription or a management group "
            "(aizone:governance.guardrails.scope).",
            **where,
        )
    not_scopes = assignment.get("notScopes")
    if isinstance(not_scopes, list) and not_scopes:
        yield violation(
            f"{assignment.subject} excludes {len(not_scopes)} scope(s) from the runtime guardrails (notScopes): remove "
            "notScopes and waive single resources with time-boxed exemptions instead.",
            **where,
        )
    selectors = assignment.get("resourceSelectors")
    if isinstance(selectors, list) and selectors:
        yield violation(
            f"{assignment.subject} limits the runtime guardrails with resourceSelectors: remove them and waive single "
            "resources with time-boxed exemptions instead.",
            **where,
        )
    overrides = assignment.get("overrides")
    if isinstance(overrides, list) and any(isinstance(o, dict) and eq_ci(o.get("value"), "Disabled") for o in overrides):
        yield violation(
            f"{assignment.subject} overrides definitions of the runtime guardrails to Disabled: remove the override "
            "(choose audit or deny per control in aizone:governance.guardrails.enforcement).",
            **where,
        )


def _weakened_controls(initiative: StackResource, expected: Sequence[str]) -> list[str]:
    """Controls of `expected` that no active definition of the initiative enforces any more. The
    expected list comes from this policy's config (the organisation), never from the stack's own
    metadata, which its author could shrink along with the initiative."""
    active: set[str] = set()
    for reference, effect in _references(initiative).items():
        policy = catalog.RUNTIME_BY_REFERENCE.get(reference)
        if policy is not None and not eq_ci(effect, "Disabled"):
            active.update(policy.controls)
    return [control for control in expected if control not in active]


def _guardrails_intact(index: StackIndex, config: PolicyConfig) -> Iterator[Finding]:
    """The stack's guardrails assignments exist, are enforced, wide enough and complete."""
    components = index.of_type(*LANDING_ZONE_COMPONENTS)
    required = config.bool("required") or bool(components)
    assignments = [a for a in index.of_type(ASSIGNMENT) if _is_guardrails_assignment(index, a)]
    if required and not assignments:
        where = {"urn": components[0].urn, "name": components[0].name} if components else {}
        yield violation(
            "This stack holds the AI landing zone but assigns no runtime guardrails: changes made outside Pulumi would "
            "meet none of its controls. Keep aizone:governance.guardrails on (or use the Guardrails component) so "
            "the catalog's Azure Policy initiative is assigned at the landing zone's scope.",
            **where,
        )
    for assignment in assignments:
        where = {"urn": assignment.urn, "name": assignment.name}
        mode = assignment.get("enforcementMode")
        if mode is UNKNOWN:
            yield unknown_value(assignment.subject, "enforcementMode", **where)
        elif eq_ci(mode, "DoNotEnforce"):
            yield violation(
                f"{assignment.subject} sets enforcementMode DoNotEnforce: Azure would only report, never deny or "
                "remediate. Set enforcementMode to Default (choose audit or deny per control in "
                "aizone:governance.guardrails.enforcement instead).",
                **where,
            )
        yield from _scope_findings(assignment)
        initiative = _initiative_of(index, assignment)
        expected = [control for control in config.strings("controls") if control in catalog.runtime_controls()]
        weakened = _weakened_controls(initiative, expected) if initiative is not None else []
        if initiative is not None and weakened:
            yield violation(
                f"{initiative.subject} no longer enforces {', '.join(weakened)} at runtime (their definitions are "
                "missing or Disabled): keep every definition of the catalog's runtime mapping in the initiative, "
                "with effect Audit or Deny.",
                urn=initiative.urn,
                name=initiative.name,
            )


def _exemption_expires(resource: Resource, config: PolicyConfig) -> Iterator[Finding]:
    """An Azure Policy exemption carries an expiry date, at most maxDays ahead."""
    expires = resource.get("expiresOn")
    if expires is UNKNOWN:
        yield unknown_value(resource.subject, "expiresOn")
        return
    if not isinstance(expires, str) or not expires.strip():
        yield violation(
            f"{resource.subject} has no expiresOn, so it never expires: set expiresOn (UTC, e.g. "
            "2027-01-31T23:59:59Z) to the last day the waiver holds; grant waivers once, in the policy pack "
            "configuration's exemptions with a scope (aizone:governance.guardrails.policyConfig)."
        )
        return
    try:
        day = dt.date.fromisoformat(expires.strip()[:10])
    except ValueError:
        yield violation(f"{resource.subject} has expiresOn {describe(expires)}, which is not a date: use yyyy-MM-ddTHH:mm:ssZ.")
        return
    limit = int(config.number("maxDays"))
    if day > dt.datetime.now(dt.timezone.utc).date() + dt.timedelta(days=limit):
        yield violation(
            f"{resource.subject} expires on {day.isoformat()}, more than {limit} days ahead: time-box the waiver "
            "(renew it when it ends), or raise this policy's maxDays config."
        )


POLICIES: tuple[ResourcePolicySpec | StackPolicySpec, ...] = (
    StackPolicySpec(
        name="azurenative-authorization-stack-guardrails-intact",
        controls=_CONTROLS,
        description="The landing zone's runtime guardrails (Azure Policy initiative) stay assigned, enforced, "
        "at the resource group or wider, and complete.",
        severity="high",
        remediation=(
            "Keep aizone:governance.guardrails on; leave enforcementMode at Default and notScopes empty; assign at "
            "the resource group, subscription or management group; waive single resources with time-boxed exemptions."
        ),
        fields=(
            Field(ASSIGNMENT, "enforcementMode", ("Default", "DoNotEnforce")),
            Field(ASSIGNMENT, "scope"),
            Field(ASSIGNMENT, "notScopes"),
            Field(ASSIGNMENT, "resourceSelectors"),
            Field(ASSIGNMENT, "overrides[].value"),
            Field(ASSIGNMENT, "policyDefinitionId"),
            Field(ASSIGNMENT, "metadata"),
            Field(SET_DEFINITIONS[0], "policyDefinitions[].policyDefinitionReferenceId"),
            Field(SET_DEFINITIONS[0], "policyDefinitions[].parameters"),
            Field(SET_DEFINITIONS[0], "metadata"),
            Field(SET_DEFINITIONS[1], "policyDefinitions[].policyDefinitionReferenceId"),
        ),
        rule=_guardrails_intact,
        config={
            "required": {
                "type": "boolean",
                "default": False,
                "description": "Require guardrails in every stack judged (the landing zone's own policy group); "
                "otherwise only in stacks holding the LandingZone or Guardrails component.",
            },
            "controls": {
                "type": "array",
                "items": {"type": "string", "minLength": 1},
                "default": list(catalog.runtime_controls()),
                "description": "Controls the guardrails initiative must enforce at runtime (default: every control "
                "with a runtime definition in the catalog).",
            },
        },
    ),
    ResourcePolicySpec(
        name="azurenative-authorization-policyexemption-expires",
        controls=_CONTROLS,
        description="Azure Policy exemptions must expire (expiresOn set, at most maxDays ahead).",
        severity="high",
        remediation=(
            "Set expiresOn on every policy exemption to the last day the waiver holds (at most maxDays ahead); "
            "declare it once in the policy pack configuration's exemptions with a scope."
        ),
        fields=(Field(EXEMPTION, "expiresOn"),),
        resource_types=(EXEMPTION,),
        rule=_exemption_expires,
        config={
            "maxDays": {
                "type": "number",
                "minimum": 1,
                "default": 366,
                "description": "How far ahead (days from today) an exemption may expire.",
            }
        },
    ),
)
