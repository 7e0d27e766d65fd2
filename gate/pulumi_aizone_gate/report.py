"""Render a PreviewResult: a readable plan and findings for people, a fixed JSON shape for tools,
and SARIF 2.1.0 for code review (GitHub code scanning and any other SARIF viewer)."""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from pathlib import Path
from typing import Any, Optional
from urllib.parse import quote

from .evidence import BASES, PolicyEvidence, count as count_evaluations, evaluate
from .findings import control_ids
from .model import RESOURCE_TYPE_TAG, STACK_TYPE, Finding, PolicyInfo, PreviewResult, RecordedResource

NO_CONTROL = "(no control id)"
_KEY_LISTING = re.compile(r"list\w*keys", re.IGNORECASE)

JSON_SCHEMA_VERSION = 3
"""Version of the ``--json`` shape: 2 added ``schemaVersion``, ``pack`` and each finding's ``severity``;
3 added ``policies`` (each policy's evaluation of each resource: failed, passed, not applicable or
disabled, with the basis of each), ``evidenceBasis`` and the summary's ``evaluations``. The shape
is published as ``report.schema.json`` next to this module (package data of the gate's wheel)."""
JSON_SCHEMA_FILE = Path(__file__).resolve().parent / "report.schema.json"

SARIF_VERSION = "2.1.0"
SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
SRCROOT = "%SRCROOT%"
SARIF_LEVELS = {"mandatory": "error", "advisory": "warning", "remediate": "error", "disabled": "none"}
SECURITY_SEVERITY = {"critical": "9.5", "high": "8.0", "medium": "5.5", "low": "3.0"}
"""GitHub code scanning reads a rule's ``security-severity`` as over 9.0 critical, 7.0-8.9 high,
4.0-6.9 medium, 3.9 or less low (docs.github.com, "SARIF support for code scanning",
reportingDescriptor object); each pack severity maps into the middle of its band."""
_LIBRARY_DIRS = frozenset({"site-packages", "dist-packages"})
_PREVIEW_DIR = Path(__file__).resolve().parent


def render_text(result: PreviewResult) -> str:
    """The full human-readable report: notes, plan, tree, findings, summary."""
    lines: list[str] = [f"Offline preview of {result.project}/{result.stack} (the gate's own engine, no cloud calls)", ""]
    lines.extend(f"note: {note}" for note in result.notes)
    lines.extend(f"warning (program): {message}" for message in result.program_warnings)
    lines.extend(f"error (program): {message}" for message in result.program_errors)
    if result.notes or result.program_warnings or result.program_errors:
        lines.append("")
    lines.extend(_plan_counts(result.resources))
    lines.append("")
    lines.append("Resource tree:")
    lines.extend(_tree(result.resources))
    if result.invokes:
        lines.append("")
        lines.append("Invokes (provider functions the program called):")
        for token, count in sorted(result.invokes.items()):
            marker = "  <- reads keys" if _KEY_LISTING.search(token.rsplit(":", 1)[-1]) else ""
            lines.append(f"  {count:>4}  {token}{marker}")
    lines.append("")
    lines.extend(_findings(result))
    if result.analysis.not_applicable:
        lines.append("")
        lines.append("Not applicable (the policy said so itself):")
        # One line per resource and reason, naming every policy that gave it (a pack may give one
        # reason for dozens of policies, e.g. landing-zone policies on a stack out of scope).
        grouped: dict[tuple[str, str], list[str]] = {}
        for policy, urn, reason in result.analysis.not_applicable:
            grouped.setdefault((urn, reason), []).append(policy)
        for (urn, reason), policies in grouped.items():
            lines.append(f"  {_short_urn(urn)}: {reason or '(no reason given)'}")
            lines.append(f"    {', '.join(policies)}")
    if result.analysis.pack_log:
        lines.append("")
        lines.append("Policy pack output:")
        lines.extend(f"  {line}" for line in result.analysis.pack_log)
    lines.append("")
    lines.append(evidence_line(result))
    lines.append(summary_line(result))
    return "\n".join(lines)


def evidence_line(result: PreviewResult) -> str:
    """``Evidence (policy x resource): F failed, P passed, N not applicable; D policies disabled``."""
    counts = count_evaluations(result)
    return (
        f"Evidence (policy x resource): {counts['failed']} failed, {counts['passed']} passed, "
        f"{counts['notApplicable']} not applicable; {counts['disabledPolicies']} policies disabled (each listed in --json)"
    )


def summary_line(result: PreviewResult) -> str:
    """``Summary: N resources, M mandatory, A advisory``."""
    return f"Summary: {len(result.resources)} resources, {result.mandatory_count} mandatory, {result.advisory_count} advisory"


def to_json(result: PreviewResult) -> dict[str, Any]:
    """The machine-readable result (this exact shape, ``report.schema.json``, is relied upon by CI and tests)."""
    severities = _severities(result)
    evidence = evaluate(result)
    return {
        "schemaVersion": JSON_SCHEMA_VERSION,
        "pack": {"name": result.analysis.analyzer.name, "version": result.analysis.analyzer.version},
        "resources": [{"urn": r.urn, "type": r.type, "name": r.name, "parent": r.parent} for r in result.resources],
        "findings": [
            {
                "policy": f.policy,
                "controls": list(f.controls),
                "urn": f.urn,
                "level": f.level,
                "severity": severities.get(f.policy),
                "message": f.message,
            }
            for f in result.findings
        ],
        "policies": [_policy_json(item) for item in evidence],
        "evidenceBasis": dict(BASES),
        "summary": {
            "resources": len(result.resources),
            "mandatory": result.mandatory_count,
            "advisory": result.advisory_count,
            "evaluations": _evaluation_counts(evidence),
        },
    }


def _policy_json(item: PolicyEvidence) -> dict[str, Any]:
    policy = item.policy
    declared = policy.resource_types
    return {
        "name": policy.name,
        "type": policy.policy_type,
        "enforcementLevel": item.level,
        "severity": policy.severity,
        "controls": list(control_ids(policy.description)),
        "resourceTypes": list(declared) if declared else None,
        "status": item.status,
        "counts": item.counts(),
        "evaluations": [
            {
                "urn": e.urn,
                "status": e.status,
                "basis": e.basis,
                **({"level": e.level} if e.level else {}),
                **({"reason": e.reason} if e.basis == "packNotApplicable" else {}),
            }
            for e in item.evaluations
        ],
    }


def _evaluation_counts(evidence: list[PolicyEvidence]) -> dict[str, int]:
    """Evaluations per status over every policy, and the number of disabled policies."""
    totals = {"failed": 0, "passed": 0, "notApplicable": 0}
    for item in evidence:
        counts = item.counts()
        for status in totals:
            totals[status] += counts[status]
    return {**totals, "disabledPolicies": sum(1 for item in evidence if item.status == "disabled")}


def write_json(result: PreviewResult, path: Path) -> None:
    """Write ``to_json(result)`` to ``path``."""
    path.write_text(json.dumps(to_json(result), indent=2) + "\n", encoding="utf-8")


def _severities(result: PreviewResult) -> dict[str, Optional[str]]:
    return {p.name: p.severity for p in result.analysis.analyzer.policies}


# --- SARIF ------------------------------------------------------------------------------------------


def to_sarif(result: PreviewResult, program_dir: Path, root: Optional[Path] = None, evidence: bool = False) -> dict[str, Any]:
    """The findings as one SARIF 2.1.0 run: one rule per policy of the pack, one result per finding.

    With ``evidence``, also one result per policy x resource that passed (``kind: pass``) or that
    the pack said is not applicable (``kind: notApplicable``), at ``level: none`` as SARIF 2.1.0
    requires for those kinds (sections 3.27.9, 3.27.10), with the basis of each (see evidence.py);
    types a policy does not declare are not listed (the JSON report has them). Off by default:
    GitHub code scanning turns results into alerts and documents no support for ``kind``.

    A result is located where the program registered the resource (the innermost frame of the
    registration's stack trace inside ``program_dir``, outside libraries), else at the project file
    (``Pulumi.yaml``): stack-level findings, the root stack, resources created only by libraries.
    Paths under ``root`` (default: the current directory, i.e. the repository root in CI) are
    relative to ``%SRCROOT%``; others are absolute file URIs. The resource's URN is the result's
    logical location.
    """
    root = (root or Path.cwd()).resolve()
    program = program_dir.resolve()
    project_file = _project_file(program)
    by_urn = {r.urn: r for r in result.resources}
    policies = list(result.analysis.analyzer.policies)
    known = {p.name for p in policies}
    policies.extend(PolicyInfo(name=f.policy, description="", enforcement_level=f.level) for f in result.findings if f.policy not in known)
    policies = list({p.name: p for p in policies}.values())
    index = {p.name: i for i, p in enumerate(policies)}
    severities = {p.name: p.severity for p in policies}
    results = []

    def locate(urn: Optional[str]) -> dict[str, Any]:
        resource = by_urn.get(urn) if urn else None
        source = _program_frame(resource, program) if resource is not None else None
        path, line = source if source else (project_file, 1)
        location: dict[str, Any] = {
            "physicalLocation": {"artifactLocation": _artifact(path, root), "region": {"startLine": line}},
        }
        if urn:
            location["logicalLocations"] = [
                {"fullyQualifiedName": urn, "name": resource.name if resource is not None else urn.rsplit("::", 1)[-1], "kind": "resource"}
            ]
        return location

    for finding in result.findings:
        location = locate(finding.urn)
        severity = severities.get(finding.policy)
        results.append(
            {
                "ruleId": finding.policy,
                "ruleIndex": index[finding.policy],
                "level": SARIF_LEVELS[finding.level],
                "message": {"text": finding.message},
                "locations": [location],
                "partialFingerprints": {"aizoneFinding/v1": _fingerprint(finding)},
                "properties": {
                    "controls": list(finding.controls),
                    "enforcementLevel": finding.level,
                    **({"severity": severity} if severity else {}),
                    "urn": finding.urn or "",
                    "stage": finding.stage,
                },
            }
        )
    if evidence:
        results.extend(_evidence_results(result, index, locate))
    analyzer = result.analysis.analyzer
    return {
        "$schema": SARIF_SCHEMA,
        "version": SARIF_VERSION,
        "runs": [
            {
                "tool": {"driver": {"name": analyzer.name, "version": analyzer.version, "rules": [_rule(p) for p in policies]}},
                "automationDetails": {"id": f"aizone-offline-preview/{result.project}/{result.stack}/"},
                "originalUriBaseIds": {SRCROOT: {"uri": root.as_uri().rstrip("/") + "/"}},
                "invocations": [{"executionSuccessful": not result.program_errors}],
                "results": results,
                "properties": {"project": result.project, "stack": result.stack},
            }
        ],
    }


def write_sarif(result: PreviewResult, path: Path, program_dir: Path, evidence: bool = False) -> None:
    """Write ``to_sarif(result, program_dir, evidence=evidence)`` to ``path``."""
    path.write_text(json.dumps(to_sarif(result, program_dir, evidence=evidence), indent=2) + "\n", encoding="utf-8")


_SARIF_KINDS = {"passed": "pass", "notApplicable": "notApplicable"}


def _evidence_results(result: PreviewResult, index: dict[str, int], locate: Any) -> list[dict[str, Any]]:
    """SARIF results for what passed and what the pack said is not applicable (see ``to_sarif``)."""
    results: list[dict[str, Any]] = []
    for item in evaluate(result):
        policy = item.policy
        for evaluation in item.evaluations:
            kind = _SARIF_KINDS.get(evaluation.status)
            if kind is None or evaluation.basis == "declaredTypes" or policy.name not in index:
                continue
            subject = evaluation.urn.rsplit("::", 1)[-1] if evaluation.urn else "the stack"
            text = (
                f"{policy.name} passed for {subject}: the policy judged it and reported nothing."
                if kind == "pass"
                else f"{policy.name} is not applicable to {subject}: {evaluation.reason or 'the pack gave no reason'}."
            )
            key = "\n".join((policy.name, evaluation.urn, kind))
            results.append(
                {
                    "ruleId": policy.name,
                    "ruleIndex": index[policy.name],
                    "kind": kind,
                    "level": "none",
                    "message": {"text": text},
                    "locations": [locate(evaluation.urn)],
                    "partialFingerprints": {"aizoneFinding/v1": hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]},
                    "properties": {
                        "controls": list(control_ids(policy.description)),
                        "enforcementLevel": item.level,
                        "basis": evaluation.basis,
                        "urn": evaluation.urn,
                    },
                }
            )
    return results


def _rule(policy: PolicyInfo) -> dict[str, Any]:
    """A SARIF reportingDescriptor for one policy: id = policy name, help = remediation + description."""
    description = policy.description or policy.name
    controls = list(control_ids(description))
    help_text = f"{policy.remediation}\n\n{description}" if policy.remediation else description
    help_markdown = f"**Remediation:** {policy.remediation}\n\n{description}" if policy.remediation else description
    properties: dict[str, Any] = {
        # "security" makes GitHub read security-severity; the pack's own tags name controls and MCSB ids.
        "tags": list(dict.fromkeys(["security", *([t for t in policy.tags if not t.startswith(RESOURCE_TYPE_TAG)] or controls)])),
        "controls": controls,
        "enforcementLevel": policy.enforcement_level,
    }
    if policy.severity:
        properties["severity"] = policy.severity
        properties["security-severity"] = SECURITY_SEVERITY[policy.severity]
    return {
        "id": policy.name,
        "name": policy.name,
        "shortDescription": {"text": description},
        "fullDescription": {"text": description},
        "help": {"text": help_text, "markdown": help_markdown},
        "defaultConfiguration": {
            "level": SARIF_LEVELS.get(policy.enforcement_level, "warning"),
            "enabled": policy.enforcement_level != "disabled",
        },
        "properties": properties,
    }


def _program_frame(resource: RecordedResource, program: Path) -> Optional[tuple[Path, int]]:
    """The innermost registration frame in the program's own code (not a library, not this tool)."""
    for file_name, line in resource.source:
        path = Path(file_name).resolve()
        if not path.is_relative_to(program) or path.is_relative_to(_PREVIEW_DIR):
            continue
        if _LIBRARY_DIRS.intersection(path.parts):
            continue
        return path, line
    return None


def _project_file(program: Path) -> Path:
    for name in ("Pulumi.yaml", "Pulumi.yml"):
        if (program / name).is_file():
            return program / name
    return program / "Pulumi.yaml"


def _artifact(path: Path, root: Path) -> dict[str, Any]:
    if path.is_relative_to(root):
        return {"uri": quote(path.relative_to(root).as_posix()), "uriBaseId": SRCROOT}
    return {"uri": path.as_uri()}


def _fingerprint(finding: Finding) -> str:
    """Stable across runs: the same policy, resource and message is the same alert."""
    key = "\n".join((finding.policy, finding.urn or "", finding.message))
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]


def _plan_counts(resources: list[RecordedResource]) -> list[str]:
    custom = sum(1 for r in resources if r.custom and not r.is_provider)
    components = sum(1 for r in resources if not r.custom and r.type != STACK_TYPE)
    providers = sum(1 for r in resources if r.is_provider)
    lines = [
        f"Plan: {len(resources)} resources to create ({custom} cloud resources, {components} components, {providers} providers, 1 stack)",
        "",
        "Resources by type:",
    ]
    counts = Counter(r.type for r in resources)
    lines.extend(f"  {count:>4}  {resource_type}" for resource_type, count in sorted(counts.items()))
    return lines


def _tree(resources: list[RecordedResource]) -> list[str]:
    known = {r.urn for r in resources}
    children: dict[Optional[str], list[RecordedResource]] = {}
    for resource in resources:
        parent = resource.parent if resource.parent in known else None
        children.setdefault(parent, []).append(resource)
    lines: list[str] = []

    def walk(parent: Optional[str], prefix: str) -> None:
        kids = children.get(parent, [])
        for index, child in enumerate(kids):
            last = index == len(kids) - 1
            branch = "" if parent is None else ("└─ " if last else "├─ ")
            lines.append(f"  {prefix}{branch}{child.type}  {child.name}{_flags(child)}")
            walk(child.urn, prefix + ("" if parent is None else ("   " if last else "│  ")))

    walk(None, "")
    return lines


def _flags(resource: RecordedResource) -> str:
    flags: list[str] = []
    if resource.synthesized:
        flags.append("default provider")
    if resource.external:
        flags.append("read")
    if resource.options.protect:
        flags.append("protect")
    return f"  [{', '.join(flags)}]" if flags else ""


def _findings(result: PreviewResult) -> list[str]:
    findings = result.findings
    if not findings:
        return ["Findings: none"]
    by_control: dict[str, list[Finding]] = {}
    for finding in findings:
        for control in finding.controls or (NO_CONTROL,):
            by_control.setdefault(control, []).append(finding)
    descriptions = {p.name: p.description for p in result.analysis.analyzer.policies}
    lines = [f"Findings by control ({len(findings)} findings from pack '{result.analysis.analyzer.name}'):"]
    for control in sorted(by_control, key=_control_sort_key):
        lines.append("")
        lines.append(f"[{control}]" if control != NO_CONTROL else control)
        for finding in by_control[control]:
            others = [c for c in finding.controls if c != control]
            also = f"  (also {', '.join(others)})" if others else ""
            lines.append(f"  {finding.level.upper():<9} {finding.policy}  {_short_urn(finding.urn)}{also}")
            for text_line in _message_body(finding.message, descriptions.get(finding.policy, "")).splitlines():
                lines.append(f"            {text_line}")
    return lines


def _message_body(message: str, description: str) -> str:
    """pulumi-policy prefixes every message with the policy description; show it once, not twice."""
    if description and message.startswith(description):
        rest = message[len(description) :].strip()
        return f"{description}\n{rest}" if rest else description
    return message


def _short_urn(urn: Optional[str]) -> str:
    if not urn:
        return "(stack)"
    parts = urn.split("::")
    return f"{parts[-2].split('$')[-1]}::{parts[-1]}" if len(parts) >= 4 else urn


def _control_sort_key(control: str) -> tuple[int, str, int, str]:
    match = re.fullmatch(r"([A-Z]+)-(\d+)([a-z]?)", control)
    if match is None:
        return (1, control, 0, "")
    return (0, match.group(1), int(match.group(2)), match.group(3))
