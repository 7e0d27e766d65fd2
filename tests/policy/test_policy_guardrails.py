"""RES-6: the pack knows the runtime guardrails. A landing-zone stack that drops its Azure Policy
initiative assignment, sets it to DoNotEnforce, narrows it (a single resource, notScopes), disables
a control's definitions inside the initiative, or adds an exemption without expiry gets a mandatory
finding. One compliant baseline, one changed field per case, each tried the way an attacker would."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from policy_cases import diagnostics_of

from pulumi_aizone_policy import catalog
from pulumi_aizone_policy.harness import UNKNOWN_VALUE, PackAnalyzer, StackItem, urn_for

pytestmark = pytest.mark.controls("RES-6")

INTACT = "azurenative-authorization-stack-guardrails-intact"
EXPIRES = "azurenative-authorization-policyexemption-expires"
LANDING_ZONE = "aizone:index:LandingZone"
INITIATIVE = "azure-native:authorization:PolicySetDefinition"
ASSIGNMENT = "azure-native:authorization:PolicyAssignment"
EXEMPTION = "azure-native:authorization:PolicyExemption"
GROUP_ID = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-aiz-dev"
SET_ID = "/subscriptions/00000000-0000-0000-0000-000000000000/providers/Microsoft.Authorization/policySetDefinitions/aizone-gr-0123"


def _initiative(disabled: frozenset[str] = frozenset(), dropped: frozenset[str] = frozenset()) -> dict[str, Any]:
    references = [
        {
            "policyDefinitionReferenceId": policy.reference_id,
            "policyDefinitionId": f"/providers/Microsoft.Authorization/policyDefinitions/{policy.definition}",
            "parameters": {"effect": {"value": "Disabled" if policy.reference_id in disabled else policy.audit_effect}},
        }
        for policy in catalog.RUNTIME_POLICIES
        if not policy.remediates and policy.reference_id not in dropped
    ]
    return {
        "id": SET_ID,
        "policyDefinitions": references,
        "metadata": {"category": "aizone", "aizoneControls": list(catalog.runtime_controls())},
    }


def _stack(
    assignment: dict[str, Any] | None = None,
    *,
    initiative: dict[str, Any] | None = None,
    with_assignment: bool = True,
    extra: tuple[StackItem, ...] = (),
) -> list[StackItem]:
    """The landing zone's component, its initiative and the assignment at the resource group."""
    stack = [
        StackItem(type=LANDING_ZONE, name="aizone", props={}),
        StackItem(type=INITIATIVE, name="aizone-guardrails-initiative", props=initiative or _initiative()),
    ]
    if with_assignment:
        props = {"scope": GROUP_ID, "policyDefinitionId": SET_ID, "enforcementMode": "Default", **(assignment or {})}
        stack.append(StackItem(type=ASSIGNMENT, name="aizone-guardrails-assignment", props=props))
    return [*stack, *extra]


def _messages(analyzer: PackAnalyzer, stack: list[StackItem], policy: str = INTACT) -> list[str]:
    """The finding line of each mandatory diagnostic (the first line is the policy's description)."""
    return [d.message.splitlines()[-1] for d in diagnostics_of(analyzer.analyze_stack(stack), policy, "mandatory")]


def test_intact_guardrails_pass(analyzer: PackAnalyzer) -> None:
    assert _messages(analyzer, _stack()) == []


def test_a_landing_zone_without_guardrails_is_caught(analyzer: PackAnalyzer) -> None:
    [message] = _messages(analyzer, _stack(with_assignment=False))
    assert message.startswith("[RES-6] This stack holds the AI landing zone but assigns no runtime guardrails")


def test_renaming_the_assignment_does_not_hide_it(analyzer: PackAnalyzer) -> None:
    """Recognised by the initiative it assigns (the catalog's reference ids), not by a name."""
    stack = [
        StackItem(type=LANDING_ZONE, name="aizone", props={}),
        StackItem(type=INITIATIVE, name="harmless", props=_initiative()),
        StackItem(
            type=ASSIGNMENT,
            name="harmless-assignment",
            props={"scope": GROUP_ID, "policyDefinitionId": SET_ID, "enforcementMode": "DoNotEnforce"},
        ),
    ]
    [message] = _messages(analyzer, stack)
    assert "harmless-assignment" in message and "sets enforcementMode DoNotEnforce" in message


def test_do_not_enforce_is_caught(analyzer: PackAnalyzer) -> None:
    [message] = _messages(analyzer, _stack({"enforcementMode": "DoNotEnforce"}))
    assert message == (
        "[RES-6] PolicyAssignment 'aizone-guardrails-assignment' sets enforcementMode DoNotEnforce: Azure would only report, "
        "never deny or remediate. Set enforcementMode to Default (choose audit or deny per control in "
        "aizone:governance.guardrails.enforcement instead)."
    )


@pytest.mark.parametrize("mode", ["donotenforce", "DoNotEnforce"])
def test_do_not_enforce_in_another_case_is_caught(analyzer: PackAnalyzer, mode: str) -> None:
    assert len(_messages(analyzer, _stack({"enforcementMode": mode}))) == 1


def test_a_narrower_scope_is_caught(analyzer: PackAnalyzer) -> None:
    scope = f"{GROUP_ID}/providers/Microsoft.CognitiveServices/accounts/ais-aiz-dev"
    [message] = _messages(analyzer, _stack({"scope": scope}))
    assert f"assigns the runtime guardrails at '{scope}', narrower than the landing zone's resource group" in message


@pytest.mark.parametrize(
    "scope",
    [GROUP_ID, "/subscriptions/00000000-0000-0000-0000-000000000000", "/providers/Microsoft.Management/managementGroups/mg-ai"],
    ids=["resource-group", "subscription", "management-group"],
)
def test_the_resource_group_or_wider_passes(analyzer: PackAnalyzer, scope: str) -> None:
    assert _messages(analyzer, _stack({"scope": scope})) == []


def test_excluded_scopes_are_caught(analyzer: PackAnalyzer) -> None:
    [message] = _messages(analyzer, _stack({"notScopes": [f"{GROUP_ID}/providers/Microsoft.Storage/storageAccounts/st1"]}))
    assert "excludes 1 scope(s) from the runtime guardrails (notScopes)" in message


def test_resource_selectors_are_caught(analyzer: PackAnalyzer) -> None:
    selectors = [{"name": "only-sweden", "selectors": [{"kind": "resourceLocation", "in": ["swedencentral"]}]}]
    [message] = _messages(analyzer, _stack({"resourceSelectors": selectors}))
    assert "limits the runtime guardrails with resourceSelectors" in message


def test_an_override_to_disabled_is_caught(analyzer: PackAnalyzer) -> None:
    overrides = [
        {
            "kind": "policyEffect",
            "value": "disabled",
            "selectors": [{"kind": "policyDefinitionReferenceId", "in": ["ACC-1-ai-services-local-auth"]}],
        }
    ]
    [message] = _messages(analyzer, _stack({"overrides": overrides}))
    assert "overrides definitions of the runtime guardrails to Disabled" in message
    audit = [{**overrides[0], "value": "Audit"}]
    assert _messages(analyzer, _stack({"overrides": audit})) == []


def test_a_control_disabled_inside_the_initiative_is_caught(analyzer: PackAnalyzer) -> None:
    acc1 = frozenset(p.reference_id for p in catalog.runtime_policies("ACC-1"))
    [message] = _messages(analyzer, _stack(initiative=_initiative(disabled=acc1)))
    assert "no longer enforces ACC-1 at runtime" in message


def test_a_control_dropped_from_the_initiative_is_caught(analyzer: PackAnalyzer) -> None:
    mod3 = frozenset(p.reference_id for p in catalog.runtime_policies("MOD-3"))
    [message] = _messages(analyzer, _stack(initiative=_initiative(dropped=mod3)))
    assert "no longer enforces MOD-3 at runtime" in message


def test_shrinking_the_initiatives_own_control_list_does_not_hide_a_drop(analyzer: PackAnalyzer) -> None:
    """The expected controls come from the pack's configuration, not from the stack's metadata."""
    mod3 = frozenset(p.reference_id for p in catalog.runtime_policies("MOD-3"))
    initiative = {**_initiative(dropped=mod3), "metadata": {"category": "aizone", "aizoneControls": ["ACC-1"]}}
    [message] = _messages(analyzer, _stack(initiative=initiative))
    assert "no longer enforces MOD-3 at runtime" in message


def test_the_organisation_can_narrow_the_expected_controls(make_analyzer: Any) -> None:
    mod3 = frozenset(p.reference_id for p in catalog.runtime_policies("MOD-3"))
    expected = [c for c in catalog.runtime_controls() if c != "MOD-3"]
    assert _messages(make_analyzer({INTACT: {"controls": expected}}), _stack(initiative=_initiative(dropped=mod3))) == []


def test_disabling_one_of_several_definitions_of_a_control_is_not_a_loss(analyzer: PackAnalyzer) -> None:
    assert _messages(analyzer, _stack(initiative=_initiative(disabled=frozenset({"ACC-1-storage-shared-key"})))) == []


def test_preview_with_the_scope_unknown_is_recognised_through_dependencies(analyzer: PackAnalyzer) -> None:
    """During preview the scope and the initiative's id are unknown: the assignment is tied to the
    initiative through its property dependency and DoNotEnforce is still caught."""
    initiative = {k: v for k, v in _initiative().items() if k != "id"}
    stack = [
        StackItem(type=LANDING_ZONE, name="aizone", props={}),
        StackItem(type=INITIATIVE, name="aizone-guardrails-initiative", props=initiative),
        StackItem(
            type=ASSIGNMENT,
            name="aizone-guardrails-assignment",
            props={"scope": UNKNOWN_VALUE, "policyDefinitionId": UNKNOWN_VALUE, "enforcementMode": "DoNotEnforce"},
            property_dependencies={"policyDefinitionId": [urn_for(INITIATIVE, "aizone-guardrails-initiative")]},
        ),
    ]
    [message] = _messages(analyzer, stack)
    assert "sets enforcementMode DoNotEnforce" in message


def test_stacks_without_the_landing_zone_need_no_guardrails_unless_configured(make_analyzer: Any) -> None:
    plain = [StackItem(type="azure-native:resources:ResourceGroup", name="rg", props={"resourceGroupName": "rg"})]
    assert _messages(make_analyzer({}), plain) == []
    [message] = _messages(make_analyzer({INTACT: {"required": True}}), plain)
    assert "assigns no runtime guardrails" in message


# --- Exemptions expire --------------------------------------------------------------------------------


def _exemption(**change: Any) -> dict[str, Any]:
    soon = (dt.date.today() + dt.timedelta(days=30)).isoformat()
    return {
        "policyAssignmentId": f"{GROUP_ID}/providers/Microsoft.Authorization/policyAssignments/aizone-gr-0123",
        "scope": f"{GROUP_ID}/providers/Microsoft.Storage/storageAccounts/st1",
        "exemptionCategory": "Waiver",
        "expiresOn": f"{soon}T23:59:59Z",
        **change,
    }


def _exemption_messages(analyzer: PackAnalyzer, props: dict[str, Any]) -> list[str]:
    return [d.message.splitlines()[-1] for d in diagnostics_of(analyzer.analyze(EXEMPTION, props, name="waiver"), EXPIRES, "mandatory")]


def test_a_time_boxed_exemption_passes(analyzer: PackAnalyzer) -> None:
    assert _exemption_messages(analyzer, _exemption()) == []


@pytest.mark.parametrize("expires", [None, "", "  "], ids=["absent", "empty", "blank"])
def test_an_exemption_without_expiry_is_caught(analyzer: PackAnalyzer, expires: Any) -> None:
    props = _exemption(expiresOn=expires) if expires is not None else {k: v for k, v in _exemption().items() if k != "expiresOn"}
    [message] = _exemption_messages(analyzer, props)
    assert message.startswith("[RES-6] PolicyExemption 'waiver' has no expiresOn, so it never expires: set expiresOn")


def test_an_exemption_far_in_the_future_is_caught(analyzer: PackAnalyzer) -> None:
    [message] = _exemption_messages(analyzer, _exemption(expiresOn="9999-12-31T23:59:59Z"))
    assert "expires on 9999-12-31, more than 366 days ahead" in message


def test_an_exemption_with_a_non_date_expiry_is_caught(analyzer: PackAnalyzer) -> None:
    [message] = _exemption_messages(analyzer, _exemption(expiresOn="never"))
    assert message == "[RES-6] PolicyExemption 'waiver' has expiresOn 'never', which is not a date: use yyyy-MM-ddTHH:mm:ssZ."
