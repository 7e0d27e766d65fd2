"""Render a PreviewResult: a readable plan and findings for people, a fixed JSON shape for tools."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path
from typing import Any, Optional

from .model import STACK_TYPE, Finding, PreviewResult, RecordedResource

NO_CONTROL = "(no control id)"
_KEY_LISTING = re.compile(r"list\w*keys", re.IGNORECASE)


def render_text(result: PreviewResult) -> str:
    """The full human-readable report: notes, plan, tree, findings, summary."""
    lines: list[str] = [f"Offline preview of {result.project}/{result.stack} (Pulumi mocks, no cloud calls)", ""]
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
        for policy, urn, reason in result.analysis.not_applicable:
            lines.append(f"  {policy}  {_short_urn(urn)}: {reason}")
    if result.analysis.pack_log:
        lines.append("")
        lines.append("Policy pack output:")
        lines.extend(f"  {line}" for line in result.analysis.pack_log)
    lines.append("")
    lines.append(summary_line(result))
    return "\n".join(lines)


def summary_line(result: PreviewResult) -> str:
    """``Summary: N resources, M mandatory, A advisory``."""
    return (
        f"Summary: {len(result.resources)} resources, "
        f"{result.mandatory_count} mandatory, {result.advisory_count} advisory"
    )


def to_json(result: PreviewResult) -> dict[str, Any]:
    """The machine-readable result (this exact shape is relied upon by CI and tests)."""
    return {
        "resources": [
            {"urn": r.urn, "type": r.type, "name": r.name, "parent": r.parent} for r in result.resources
        ],
        "findings": [
            {
                "policy": f.policy,
                "controls": list(f.controls),
                "urn": f.urn,
                "level": f.level,
                "message": f.message,
            }
            for f in result.findings
        ],
        "summary": {
            "resources": len(result.resources),
            "mandatory": result.mandatory_count,
            "advisory": result.advisory_count,
        },
    }


def write_json(result: PreviewResult, path: Path) -> None:
    """Write ``to_json(result)`` to ``path``."""
    path.write_text(json.dumps(to_json(result), indent=2) + "\n", encoding="utf-8")


def _plan_counts(resources: list[RecordedResource]) -> list[str]:
    custom = sum(1 for r in resources if r.custom and not r.is_provider)
    components = sum(1 for r in resources if not r.custom and r.type != STACK_TYPE)
    providers = sum(1 for r in resources if r.is_provider)
    lines = [
        f"Plan: {len(resources)} resources to create "
        f"({custom} cloud resources, {components} components, {providers} providers, 1 stack)",
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
        rest = message[len(description):].strip()
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
