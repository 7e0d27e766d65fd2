"""What each policy concluded about each resource: failed, passed, not applicable, or disabled.

Findings say what failed; an auditor also needs what passed and what a policy did not judge. The
analyzer protocol carries part of that, and the rest is derived from facts the pack declares,
never guessed. Each evaluation says which way it was derived (its ``basis``):

``diagnostic``
    The pack reported a violation of the policy for the resource (``AnalyzeResponse.diagnostics``
    of ``Analyze``, ``Remediate`` or ``AnalyzeStack``). Status ``failed``.
``packNotApplicable``
    The pack said the policy does not apply (``AnalyzeResponse.not_applicable``, pulumi 3.272's
    analyzer protocol; pulumi-policy 1.21 fills it when a policy calls ``args.not_applicable()``
    and for a policy without a ``validate``). Said in ``Analyze`` it covers that resource; said in
    ``AnalyzeStack`` (which names no resource) it covers the whole stack. Status ``notApplicable``.
``declaredTypes``
    The policy declares the resource types it judges (``resource-type:<type token>`` tags in
    ``GetAnalyzerInfo``) and the resource's type is not one of them (an azure-native type pinned
    to an explicit API version counts as its default-version type, as the pack judges it).
    Status ``notApplicable``. These are counted per policy (``outside_declared_types``), not
    listed: each follows from the resource's type and the policy's declared types, and listing
    them would take millions of entries for a 20,000-resource stack.
``engineRule``
    The policy is enabled, judged the resource and reported nothing: the Pulumi engine's own rule
    for a passed policy ("all policies of a given type minus disabled minus not applicable minus
    failed", ``newPolicySummary`` in pulumi/pulumi ``pkg/resource/analyzer/summary.go``).
    Status ``passed``.
``configuration``
    The policy's effective enforcement level is ``disabled``: the engine does not run it.

Resource policies (and policies of unknown type, as the engine counts them) are evaluated for every
resource the engine sends to ``Analyze`` (every registered resource but ``Resource.get`` reads),
plus any resource they reported on; stack policies once, for the stack (the root stack resource).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from typing import Literal, Optional

from .model import STACK_TYPE, Finding, Level, PolicyInfo, PreviewResult

Status = Literal["failed", "passed", "notApplicable", "disabled"]
Basis = Literal["diagnostic", "packNotApplicable", "declaredTypes", "engineRule", "configuration"]

BASES: dict[Basis, str] = {
    "diagnostic": "the pack reported a violation of the policy for this resource (analyzer protocol: AnalyzeResponse.diagnostics)",
    "packNotApplicable": (
        "the pack said the policy does not apply (analyzer protocol: AnalyzeResponse.not_applicable; "
        "from AnalyzeStack it covers the whole stack)"
    ),
    "declaredTypes": (
        "the policy declares the resource types it judges (resource-type: tags) and the resource's type is not one of "
        "them; such resources are counted (outsideDeclaredTypes), not listed one by one"
    ),
    "engineRule": (
        "the policy is enabled and reported neither a violation nor not-applicable for this resource: "
        "passed by the Pulumi engine's rule (pulumi/pulumi pkg/resource/analyzer/summary.go)"
    ),
    "configuration": "the policy's effective enforcement level is disabled, so it did not run",
}
"""Each basis with the sentence the reports print for it."""

# azure-native types pinned to an explicit API version, the forms the pack judges as their
# default-version type (pulumi_aizone_policy.tokens.canonical_type; the tests keep both equal):
# v3 local packages `azure-native_<module>_v<yyyymmdd>[suffix]:<module>:<Resource>` and v1/v2
# `azure-native:<module>/v<yyyymmdd>[suffix]:<Resource>`.
_LOCAL_PACKAGE = re.compile(r"^azure-native_([a-z0-9]+)_v\d{8}[a-z]*:([a-z0-9]+):(\w+)$", re.IGNORECASE)
_VERSIONED_MODULE = re.compile(r"^azure-native:([a-z0-9]+)/v\d{8}[a-z]*:(\w+)$", re.IGNORECASE)


def default_version_type(type_token: str) -> str:
    """The default-version token of an azure-native type pinned to an API version; others unchanged."""
    match = _LOCAL_PACKAGE.match(type_token)
    if match and match.group(1).lower() == match.group(2).lower():
        return f"azure-native:{match.group(2)}:{match.group(3)}"
    match = _VERSIONED_MODULE.match(type_token)
    if match:
        return f"azure-native:{match.group(1)}:{match.group(2)}"
    return type_token


@dataclass(frozen=True)
class Evaluation:
    """One policy's conclusion about one resource (or, for a stack policy, about the stack)."""

    urn: str
    status: Status
    basis: Basis
    level: Optional[Level] = None
    """For ``failed``: ``mandatory`` when any of its findings is, else ``advisory``."""
    reason: str = ""
    """For ``packNotApplicable``: the reason the pack gave (may be empty)."""
    findings: tuple[Finding, ...] = ()
    """For ``failed``: the findings (a stack policy's name the resources they are about)."""


@dataclass(frozen=True)
class PolicyEvidence:
    """Everything one policy concluded in one preview."""

    policy: PolicyInfo
    level: Level
    """The effective enforcement level (after the pack's initial config and ``--policy-config``)."""
    evaluations: tuple[Evaluation, ...]
    """One per resource the policy judged; see ``outside_declared_types`` for the others."""
    outside_declared_types: int = 0
    """Resources the engine sent whose type the policy does not declare (basis ``declaredTypes``):
    not applicable, counted rather than listed one by one (each is the resource's type checked
    against the policy's ``resource_types``, and a 20,000-resource stack has millions)."""

    @property
    def status(self) -> Status:
        """``disabled``; ``failed`` if any evaluation failed; ``passed`` if any passed; else ``notApplicable``."""
        if self.level == "disabled":
            return "disabled"
        statuses = {e.status for e in self.evaluations}
        if "failed" in statuses:
            return "failed"
        return "passed" if "passed" in statuses else "notApplicable"

    def counts(self) -> dict[str, int]:
        """Per status, ``notApplicable`` including the types the policy does not declare, which are
        also counted alone: ``{"failed", "passed", "notApplicable", "outsideDeclaredTypes"}``."""
        counted = Counter(e.status for e in self.evaluations)
        return {
            "failed": counted.get("failed", 0),
            "passed": counted.get("passed", 0),
            "notApplicable": counted.get("notApplicable", 0) + self.outside_declared_types,
            "outsideDeclaredTypes": self.outside_declared_types,
        }


def evaluate(result: PreviewResult) -> list[PolicyEvidence]:
    """Each policy of the pack (in the pack's order) with its evaluation of each resource it judged."""
    analysis = result.analysis
    analyzed = [r for r in result.resources if not r.external]
    types = {r.urn: r.type for r in result.resources}
    order = {r.urn: index for index, r in enumerate(analyzed)}
    by_type: dict[str, list[str]] = {}
    for resource in analyzed:
        by_type.setdefault(default_version_type(resource.type), []).append(resource.urn)
    stack_urn = next((r.urn for r in result.resources if r.type == STACK_TYPE and r.parent is None), "")
    failures: dict[str, dict[str, list[Finding]]] = {}
    for finding in analysis.findings:
        failures.setdefault(finding.policy, {}).setdefault(finding.urn or "", []).append(finding)
    not_applicable: dict[str, dict[str, str]] = {}
    for policy, urn, reason in analysis.not_applicable:
        not_applicable.setdefault(policy, {}).setdefault(urn, reason)
    evidence: list[PolicyEvidence] = []
    for policy in analysis.analyzer.policies:
        level = analysis.levels.get(policy.name, policy.enforcement_level)
        if level == "disabled":
            evidence.append(PolicyEvidence(policy, level, ()))
            continue
        failed = failures.get(policy.name, {})
        said = not_applicable.get(policy.name, {})
        if policy.policy_type == "stack":
            findings = [f for group in failed.values() for f in group]
            evaluations, outside = [_evaluation(stack_urn, findings, said, set(), "")], 0
        else:
            declared = set(policy.resource_types)
            if declared:
                # Only resources of a declared type, or with a finding or a not-applicable of their
                # own, are judged one by one (in plan order); the others are counted.
                judged = {urn for token in declared for urn in by_type.get(token, ())}
                judged.update(urn for urn in said if urn in order)
                judged.update(urn for urn in failed if urn in order)
                if "" in failed and stack_urn in order:
                    judged.add(stack_urn)
                subjects = sorted(judged, key=order.__getitem__)
                outside = len(order) - len(judged)
            else:
                subjects, outside = list(order), 0
            # A resource the policy reported on is evaluated even if Analyze never saw it (a read
            # judged in AnalyzeStack); a finding that names no resource belongs to the stack.
            subjects.extend(urn or stack_urn for urn in failed)
            evaluations = []
            for urn in dict.fromkeys(subjects):
                findings = failed.get(urn, []) + (failed.get("", []) if urn == stack_urn and urn else [])
                evaluations.append(_evaluation(urn, findings, said, declared, types.get(urn, "")))
            listed = [e for e in evaluations if e.basis != "declaredTypes"]
            outside += len(evaluations) - len(listed)
            evaluations = listed
        evidence.append(PolicyEvidence(policy, level, tuple(evaluations), outside))
    # A violation of a policy the pack never announced (GetAnalyzerInfo) is still a failure of it;
    # nothing can be said to have passed it.
    known = {policy.name for policy in analysis.analyzer.policies}
    for name, by_urn in failures.items():
        if name in known:
            continue
        findings = [f for group in by_urn.values() for f in group]
        level: Level = "mandatory" if any(f.level == "mandatory" for f in findings) else "advisory"
        ghost = PolicyInfo(name=name, description="", enforcement_level=level)
        grouped: dict[str, list[Finding]] = {}
        for finding in findings:
            grouped.setdefault(finding.urn or stack_urn, []).append(finding)
        evaluations = [_evaluation(urn, group, {}, set(), "") for urn, group in grouped.items()]
        evidence.append(PolicyEvidence(ghost, level, tuple(evaluations)))
    return evidence


def _evaluation(urn: str, findings: list[Finding], said: dict[str, str], declared: set[str], type_token: str) -> Evaluation:
    """Failed beats not applicable (a violation is reported whatever else was said), which beats
    passed. Of the not-applicable bases the most specific wins: what the pack said about this
    resource, then the types the policy declares, then what the pack said about the whole stack."""
    if findings:
        level: Level = "mandatory" if any(f.level == "mandatory" for f in findings) else "advisory"
        return Evaluation(urn, "failed", "diagnostic", level=level, findings=tuple(findings))
    if urn and urn in said:
        return Evaluation(urn, "notApplicable", "packNotApplicable", reason=said[urn])
    if declared and default_version_type(type_token) not in declared:
        return Evaluation(urn, "notApplicable", "declaredTypes")
    if "" in said:
        return Evaluation(urn, "notApplicable", "packNotApplicable", reason=said[""])
    return Evaluation(urn, "passed", "engineRule")


def count(result: PreviewResult) -> dict[str, int]:
    """Evaluations per status over every policy, and the number of disabled policies: the totals of
    ``evaluate`` without building one object per policy x resource (the text report prints them
    for every run, and a 20,000-resource stack has millions of evaluations). Per policy the
    resources are counted by type; only those with a finding or a not-applicable of their own
    are looked at one by one."""
    totals = {"failed": 0, "passed": 0, "notApplicable": 0, "disabledPolicies": 0}
    analysis = result.analysis
    analyzed_types: Counter[str] = Counter(r.type for r in result.resources if not r.external)
    analyzed = {r.urn: r.type for r in result.resources if not r.external}
    stack_urn = next((r.urn for r in result.resources if r.type == STACK_TYPE and r.parent is None), "")
    failed_urns: dict[str, set[str]] = {}
    for finding in analysis.findings:
        failed_urns.setdefault(finding.policy, set()).add(finding.urn or stack_urn)
    said: dict[str, dict[str, str]] = {}
    for policy, urn, reason in analysis.not_applicable:
        said.setdefault(policy, {}).setdefault(urn, reason)
    known: set[str] = set()
    for policy in analysis.analyzer.policies:
        known.add(policy.name)
        if analysis.levels.get(policy.name, policy.enforcement_level) == "disabled":
            totals["disabledPolicies"] += 1
            continue
        failed = failed_urns.get(policy.name, set())
        answers = said.get(policy.name, {})
        if policy.policy_type == "stack":
            status = "failed" if failed else ("notApplicable" if "" in answers or stack_urn in answers else "passed")
            totals[status] += 1
            continue
        declared = set(policy.resource_types)
        totals["failed"] += len(failed)
        remaining = Counter(analyzed_types)
        for urn in failed:
            if urn in analyzed:
                remaining[analyzed[urn]] -= 1
        for urn in answers:
            if urn and urn in analyzed and urn not in failed:
                remaining[analyzed[urn]] -= 1
                totals["notApplicable"] += 1
        for type_token, number in remaining.items():
            if declared and default_version_type(type_token) not in declared:
                totals["notApplicable"] += number
            else:
                totals["notApplicable" if "" in answers else "passed"] += number
    totals["failed"] += sum(len(urns) for name, urns in failed_urns.items() if name not in known)
    return totals
