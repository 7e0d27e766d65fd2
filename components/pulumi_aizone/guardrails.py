"""Runtime guardrails: the landing zone's controls as one Azure Policy initiative.

The CrossGuard pack judges what goes through Pulumi; a change made in the portal, with the Azure
CLI or by another pipeline never meets it. Azure Policy judges every write at runtime. This
component assigns the Azure Policy definitions the control catalog maps to each control
(`catalog.RUNTIME_POLICIES`: built-ins checked against a snapshot of Azure/azure-policy, and the
repository's custom definitions for approved models and content filters) as one initiative
(policy set definition) at the landing zone's scope:

- **audit** (default per control): non-compliant resources show in Azure Policy compliance;
- **deny**: Azure refuses the write (definitions that only audit keep auditing);
- **remediate**: deny, plus the definitions that fix resources (Modify/DeployIfNotExists). Those
  need a managed identity on the assignment holding the roles their definitions name
  (`roleDefinitionIds`, Contributor for several): this component creates the system-assigned
  identity and those role assignments at the assignment's scope, and only in this mode.

Every non-compliance message carries the control ids (`[ACC-1] ...`) so a person blocked in the
portal knows which control and what to change. Exemptions (`authorization:PolicyExemption`) are
always time-boxed: the same entries the pack's configuration exempts (README, "Runtime guardrails").

Sources: Learn, "Azure Policy assignment structure" (enforcementMode, nonComplianceMessages with
policyDefinitionReferenceId, identity for Modify/DeployIfNotExists), "Azure Policy exemption
structure" (expiresOn, Waiver, policyDefinitionReferenceIds), "Remediate non-compliant resources"
(the assignment's identity needs the definition's roleDefinitionIds), checked 2026-12-07.
"""

# No `from __future__ import annotations`: Pulumi's schema inference reads these annotations.
import datetime as dt
import re
import uuid
from typing import Any, Mapping, NotRequired, Optional, Sequence, TypedDict

import pulumi
from pulumi_azure_native import authorization

from pulumi_aizone_policy import azure_policy, catalog

from .base import Problem, implements, raise_if_invalid
from .grants import _role_definition_id

TYPE_TOKEN = "aizone:index:Guardrails"
SCOPE_KINDS = ("resourceGroup", "subscription", "managementGroup")
# The content filter AiServices creates for every deployment (ai_services.py).
DEFAULT_RAI_POLICIES: tuple[str, ...] = ("aizone-prompt-shields",)
_NAMESPACE = uuid.UUID("9b0e6c1e-3f0a-4d55-8f6e-5a2b7c4d1e90")
_NAME = re.compile(r"^[a-z][a-z0-9-]{2,63}$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# ARM: a policy assignment name is at most 64 characters, 24 at management-group scope
# (Learn, "Azure Policy assignment structure", name).
_ASSIGNMENT_NAME_MAX = {"resourceGroup": 64, "subscription": 64, "managementGroup": 24}


class AllowedModelArgs(TypedDict):
    """A model the runtime allow-list admits (MOD-3)."""

    name: str
    """Model name, e.g. `gpt-4o`."""
    version: str
    """Model version, e.g. `2024-11-20`."""


class GuardrailExemptionArgs(TypedDict):
    """A time-boxed waiver of some controls for one resource (or resource group)."""

    name: str
    """Exemption name: 3-64 lowercase letters, digits and '-'."""
    scope: pulumi.Input[str]
    """Resource id exempted (a resource or resource group at or under the assignment's scope)."""
    controls: Sequence[str]
    """Control ids waived, e.g. `ACC-7`: every runtime definition of these controls is exempted."""
    reason: str
    """Why (the exemption's description)."""
    expires: str
    """Last day the waiver holds, `YYYY-MM-DD` (the exemption expires at 23:59:59 UTC that day)."""


class GuardrailsArgs(TypedDict):
    """Inputs of Guardrails."""

    name: str
    """Stem of the definition, initiative and assignment names: 3-64 lowercase letters, digits and
    '-', unique per subscription (e.g. `aizone-guardrails-<stack digest>`)."""
    scope_id: pulumi.Input[str]
    """Resource id of the assignment's scope: the resource group, `/subscriptions/<id>`, or
    `/providers/Microsoft.Management/managementGroups/<id>`."""
    scope_kind: NotRequired[str]
    """`resourceGroup` (default), `subscription` or `managementGroup`: where the definitions live
    (the subscription, or the management group) and how long the assignment name may be."""
    management_group_id: NotRequired[str]
    """Name of the management group (required with `scope_kind: managementGroup`)."""
    location: str
    """Region of the assignment's managed identity (used with `remediate`)."""
    controls: NotRequired[Sequence[str]]
    """Controls whose runtime definitions are assigned. Default: every control that has one."""
    enforcement: NotRequired[Mapping[str, str]]
    """Control id -> `audit` (default), `deny` or `remediate`."""
    allowed_models: NotRequired[Sequence[AllowedModelArgs]]
    """Models the MOD-3 definition admits. Required when MOD-3 is assigned."""
    allowed_rai_policies: NotRequired[Sequence[str]]
    """Content filters a deployment may name (MOD-2a). Default: `aizone-prompt-shields`."""
    exemptions: NotRequired[Sequence[GuardrailExemptionArgs]]
    """Time-boxed waivers. Default: none."""


def validate_guardrails(args: GuardrailsArgs) -> list[Problem]:
    """Every problem with Guardrails args, each naming its field and what is allowed."""
    problems: list[Problem] = []
    name = args.get("name")
    if not isinstance(name, str) or not _NAME.match(name):
        problems.append(Problem("name", "3-64 lowercase letters, digits and '-', starting with a letter"))
    if not args.get("scope_id"):
        problems.append(Problem("scope_id", "the resource id of the scope to assign the guardrails at is required"))
    kind = args.get("scope_kind", "resourceGroup")
    if kind not in SCOPE_KINDS:
        problems.append(Problem("scope_kind", f"{kind!r} is not one of {', '.join(SCOPE_KINDS)}"))
    elif kind == "managementGroup" and not args.get("management_group_id"):
        problems.append(Problem("management_group_id", "the management group's name is required with scope_kind managementGroup"))
    if isinstance(name, str) and kind in _ASSIGNMENT_NAME_MAX and len(name) > _ASSIGNMENT_NAME_MAX[kind]:
        problems.append(
            Problem("name", f"at most {_ASSIGNMENT_NAME_MAX[kind]} characters at {kind} scope (ARM's limit for assignment names)")
        )
    if not isinstance(args.get("location"), str) or not re.fullmatch(r"[a-z][a-z0-9]+", str(args.get("location"))):
        problems.append(Problem("location", "a programmatic region name such as swedencentral"))
    runtime = catalog.runtime_controls()
    controls = args.get("controls", runtime)
    for index, control in enumerate(controls):
        if control not in runtime:
            problems.append(
                Problem(f"controls[{index}]", f"{control!r} has no runtime definition; controls with one: {', '.join(runtime)}")
            )
    for control, level in args.get("enforcement", {}).items():
        if control not in controls:
            problems.append(Problem(f"enforcement.{control}", f"not an assigned control; assigned: {', '.join(controls)}"))
        if level not in catalog.ENFORCEMENTS:
            problems.append(Problem(f"enforcement.{control}", f"{level!r} is not one of {', '.join(catalog.ENFORCEMENTS)}"))
    if "MOD-3" in controls:
        models = args.get("allowed_models", [])
        if not models:
            problems.append(Problem("allowed_models", "at least one {name, version} is required while MOD-3 is assigned"))
        for index, model in enumerate(models):
            if not model.get("name") or not model.get("version") or "," in model["name"] + model["version"]:
                problems.append(Problem(f"allowed_models[{index}]", "a model name and version, neither empty nor containing ','"))
    if "MOD-2a" in controls and not args.get("allowed_rai_policies", DEFAULT_RAI_POLICIES):
        problems.append(Problem("allowed_rai_policies", "at least one content filter name is required while MOD-2a is assigned"))
    problems.extend(_exemption_problems(args.get("exemptions", []), controls))
    chosen = selected(controls, args.get("enforcement", {}))
    for index, exemption in enumerate(args.get("exemptions", [])):
        waived = set(exemption.get("controls") or [])
        # An exemption without reference ids would exempt the resource from the whole initiative.
        if waived and waived <= set(controls) and not any(waived & set(p.controls) and azure_policy.exemptible(p) for p, _ in chosen):
            problems.append(
                Problem(f"exemptions[{index}].controls", "no assigned definition that an exemption can cover enforces these controls")
            )
    return problems


def _exemption_problems(exemptions: Sequence[GuardrailExemptionArgs], controls: Sequence[str]) -> list[Problem]:
    problems: list[Problem] = []
    names: set[str] = set()
    for index, exemption in enumerate(exemptions):
        where = f"exemptions[{index}]"
        name = exemption.get("name")
        if not isinstance(name, str) or not _NAME.match(name):
            problems.append(Problem(f"{where}.name", "3-64 lowercase letters, digits and '-', starting with a letter"))
        elif name in names:
            problems.append(Problem(f"{where}.name", f"{name!r} is used twice"))
        names.add(str(name))
        if not exemption.get("scope"):
            problems.append(Problem(f"{where}.scope", "the resource id exempted is required"))
        waived = exemption.get("controls") or []
        if not waived:
            problems.append(Problem(f"{where}.controls", "at least one assigned control id is required"))
        for control in waived:
            if control not in controls:
                problems.append(Problem(f"{where}.controls", f"{control!r} is not an assigned control; assigned: {', '.join(controls)}"))
        if not str(exemption.get("reason") or "").strip():
            problems.append(Problem(f"{where}.reason", "a reason is required"))
        expires = exemption.get("expires")
        try:
            if not isinstance(expires, str) or not _DATE.match(expires):
                raise ValueError
            dt.date.fromisoformat(expires)
        except ValueError:
            problems.append(Problem(f"{where}.expires", "the last valid day as YYYY-MM-DD is required (no exemption is open-ended)"))
    return problems


def expires_on(expires: str) -> str:
    """Azure's `expiresOn` for a waiver whose last valid day is `expires`: the end of that day, UTC,
    so Azure and the pack (valid through the date, inclusive) agree on the date."""
    return f"{expires}T23:59:59Z"


def selected(controls: Sequence[str], enforcement: Mapping[str, str]) -> list[tuple[catalog.RuntimePolicy, str]]:
    """The runtime definitions assigned, each with its effect. A remediating definition joins only
    when one of its controls is set to `remediate`."""
    chosen: list[tuple[catalog.RuntimePolicy, str]] = []
    for policy in catalog.RUNTIME_POLICIES:
        mine = [control for control in policy.controls if control in controls]
        if not mine:
            continue
        levels = [enforcement.get(control, "audit") for control in mine]
        level = "remediate" if "remediate" in levels else "deny" if "deny" in levels else "audit"
        if policy.remediates and level != "remediate":
            continue
        chosen.append((policy, policy.effect("deny" if level == "remediate" else level)))
    return chosen


def non_compliance_message(policy: catalog.RuntimePolicy) -> str:
    """What a person blocked (or flagged) in the portal reads: the control ids, the rule, and where
    to change it."""
    ids = ", ".join(policy.controls)
    titles = "; ".join(catalog.get_control(control).title for control in policy.controls)
    return (
        f"[{ids}] {titles}: {policy.display_name}. This landing zone is managed as code: change it "
        "through its Pulumi program and review, or ask for a time-boxed exemption."
    )


@implements("RES-6", "RES-2", "RES-4", "RES-5", "MOD-2a", "MOD-3", "MOD-4", "ACC-1", "ACC-6", "ACC-7", "DATA-5", "DATA-6", "DATA-7")
class Guardrails(pulumi.ComponentResource):
    """The landing zone's controls at runtime: one Azure Policy initiative assigned at the landing
    zone's scope (resource group by default), Audit by default and Deny per control by setting,
    with time-boxed exemptions. Changes made outside Pulumi meet the same controls."""

    set_definition_id: pulumi.Output[str]
    """Resource id of the initiative (policy set definition)."""
    assignment_id: pulumi.Output[str]
    """Resource id of the initiative's assignment."""
    reference_ids: pulumi.Output[Sequence[str]]
    """policyDefinitionReferenceId of every definition in the initiative."""

    def __init__(self, name: str, args: GuardrailsArgs, opts: Optional[pulumi.ResourceOptions] = None) -> None:
        raise_if_invalid("Guardrails", validate_guardrails(args))
        super().__init__(TYPE_TOKEN, name, {}, opts)
        stem = args["name"]
        kind = args.get("scope_kind", "resourceGroup")
        controls = list(args.get("controls", catalog.runtime_controls()))
        chosen = selected(controls, args.get("enforcement", {}))
        child = pulumi.ResourceOptions(parent=self)

        custom_ids = self._custom_definitions(name, stem, kind, args, {policy.definition for policy, _ in chosen if not policy.builtin})
        from_args: dict[str, object] = {
            "allowedModels": [f"{model['name']},{model['version']}" for model in args.get("allowed_models", [])],
            "allowedRaiPolicies": list(args.get("allowed_rai_policies", DEFAULT_RAI_POLICIES)),
        }
        references = [self._reference(policy, effect, custom_ids, from_args) for policy, effect in chosen]
        display_name = f"aizone guardrails ({stem})"
        description = "The secure AI landing zone's controls at runtime; each definition's reference id starts with its control id."
        metadata = {"category": "aizone", "aizoneControls": controls}
        set_fields: dict[str, Any] = {
            "policy_set_definition_name": stem,
            "display_name": display_name,
            "description": description,
            "policy_type": authorization.PolicyType.CUSTOM,
            "metadata": metadata,
            "policy_definitions": references,
        }
        self.set_definition: authorization.PolicySetDefinition | authorization.PolicySetDefinitionAtManagementGroup
        if kind == "managementGroup":
            self.set_definition = authorization.PolicySetDefinitionAtManagementGroup(
                f"{name}-initiative", management_group_id=args.get("management_group_id", ""), opts=child, **set_fields
            )
        else:
            self.set_definition = authorization.PolicySetDefinition(f"{name}-initiative", opts=child, **set_fields)
        set_id: pulumi.Output[str] = self.set_definition.id

        remediating = [policy for policy, _ in chosen if policy.remediates]
        scope_id = args["scope_id"]
        self.assignment = authorization.PolicyAssignment(
            f"{name}-assignment",
            authorization.PolicyAssignmentArgs(
                policy_assignment_name=stem,
                scope=scope_id,
                policy_definition_id=set_id,
                enforcement_mode=authorization.EnforcementMode.DEFAULT,
                display_name=f"aizone guardrails ({stem})",
                description="Managed by the landing zone's Pulumi program: do not set DoNotEnforce or narrow it.",
                metadata={"aizoneGuardrails": True, "aizoneControls": controls},
                non_compliance_messages=[
                    authorization.NonComplianceMessageArgs(
                        message="[aizone] This resource breaks a control of the secure AI landing zone: see the message of the definition it fails."
                    ),
                    *(
                        authorization.NonComplianceMessageArgs(
                            message=non_compliance_message(policy), policy_definition_reference_id=policy.reference_id
                        )
                        for policy, _ in chosen
                    ),
                ],
                identity=authorization.IdentityArgs(type=authorization.ResourceIdentityType.SYSTEM_ASSIGNED) if remediating else None,
                location=args["location"] if remediating else None,
            ),
            opts=child,
        )
        self.role_assignments = self._remediation_roles(name, stem, scope_id, remediating)
        self.exemptions = [self._exemption(name, exemption, chosen) for exemption in args.get("exemptions", [])]
        self.set_definition_id = set_id
        self.assignment_id = self.assignment.id
        self.reference_ids = pulumi.Output.from_input([policy.reference_id for policy, _ in chosen])
        self.register_outputs(
            {"set_definition_id": self.set_definition_id, "assignment_id": self.assignment_id, "reference_ids": self.reference_ids}
        )

    def _custom_definitions(self, name: str, stem: str, kind: str, args: GuardrailsArgs, wanted: set[str]) -> dict[str, pulumi.Output[str]]:
        """The repository's custom definitions the initiative uses, where the initiative lives."""
        ids: dict[str, pulumi.Output[str]] = {}
        for definition in sorted(wanted):
            body = azure_policy.custom_definitions()[definition]
            definition_name = f"{stem}-{definition.removeprefix('aizone-')}"
            parameters = {
                key: authorization.ParameterDefinitionsValueArgs(
                    type=spec["type"],
                    allowed_values=spec.get("allowedValues"),
                    default_value=spec.get("defaultValue"),
                    metadata=authorization.ParameterDefinitionsValueMetadataArgs(
                        display_name=spec["metadata"]["displayName"], description=spec["metadata"]["description"]
                    ),
                )
                for key, spec in body["parameters"].items()
            }
            opts = pulumi.ResourceOptions(parent=self)
            fields: dict[str, Any] = {
                "policy_definition_name": definition_name,
                "display_name": body["displayName"],
                "description": body["description"],
                "mode": body["mode"],
                "policy_type": authorization.PolicyType.CUSTOM,
                "metadata": body["metadata"],
                "parameters": parameters,
                "policy_rule": body["policyRule"],
            }
            resource: authorization.PolicyDefinition | authorization.PolicyDefinitionAtManagementGroup
            if kind == "managementGroup":
                resource = authorization.PolicyDefinitionAtManagementGroup(
                    f"{name}-{definition}", management_group_id=args.get("management_group_id", ""), opts=opts, **fields
                )
            else:
                resource = authorization.PolicyDefinition(f"{name}-{definition}", opts=opts, **fields)
            ids[definition] = resource.id
        return ids

    @staticmethod
    def _reference(
        policy: catalog.RuntimePolicy, effect: str, custom_ids: Mapping[str, pulumi.Output[str]], from_args: Mapping[str, object]
    ) -> authorization.PolicyDefinitionReferenceArgs:
        values: dict[str, object] = {policy.effect_parameter: effect, **policy.parameters}
        values.update({key: from_args[key] for key in policy.from_args})
        return authorization.PolicyDefinitionReferenceArgs(
            policy_definition_id=azure_policy.BUILTIN_PREFIX + policy.definition if policy.builtin else custom_ids[policy.definition],
            definition_version=policy.definition_version if policy.builtin else None,
            policy_definition_reference_id=policy.reference_id,
            parameters={key: authorization.ParameterValuesValueArgs(value=value) for key, value in values.items()},
        )

    def _remediation_roles(
        self, name: str, stem: str, scope_id: pulumi.Input[str], remediating: Sequence[catalog.RuntimePolicy]
    ) -> list[authorization.RoleAssignment]:
        """The roles the remediating definitions name, for the assignment's identity, at its scope."""
        roles = sorted({role for policy in remediating for role in azure_policy.role_ids(policy)})
        principal_id = self.assignment.identity.apply(lambda identity: identity.principal_id if identity else "")
        scope = pulumi.Output.from_input(scope_id)
        return [
            authorization.RoleAssignment(
                f"{name}-remediation-{role}",
                authorization.RoleAssignmentArgs(
                    role_assignment_name=str(uuid.uuid5(_NAMESPACE, f"{stem}|{role}")),
                    scope=scope,
                    principal_id=principal_id,
                    principal_type=authorization.PrincipalType.SERVICE_PRINCIPAL,
                    role_definition_id=scope.apply(lambda value, role=role: _role_definition_id(value, role)),
                    description=f"aizone guardrails ({stem}): remediation by the policy assignment's identity",
                ),
                opts=pulumi.ResourceOptions(parent=self),
            )
            for role in roles
        ]

    def _exemption(
        self, name: str, exemption: GuardrailExemptionArgs, chosen: Sequence[tuple[catalog.RuntimePolicy, str]]
    ) -> authorization.PolicyExemption:
        waived = set(exemption["controls"])
        # Definitions in a Resource Provider mode (the preview prompt-shield built-ins) cannot be exempted.
        references = [policy.reference_id for policy, _ in chosen if waived & set(policy.controls) and azure_policy.exemptible(policy)]
        return authorization.PolicyExemption(
            f"{name}-exemption-{exemption['name']}",
            authorization.PolicyExemptionArgs(
                policy_exemption_name=exemption["name"],
                policy_assignment_id=self.assignment.id,
                scope=exemption["scope"],
                exemption_category=authorization.ExemptionCategory.WAIVER,
                expires_on=expires_on(exemption["expires"]),
                policy_definition_reference_ids=references,
                display_name=f"[{', '.join(sorted(waived))}] waived until {exemption['expires']}",
                description=exemption["reason"],
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )
