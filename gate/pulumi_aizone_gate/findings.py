"""Turn analyzer diagnostics into findings tagged with control ids.

Policies name the controls they enforce as ``[ACC-1]``-style tokens in their description and in
their violation messages (several may follow each other: ``[ACC-1][ACC-7]``).
"""

from __future__ import annotations

import re
from typing import Literal, Optional

from pulumi.runtime.proto import analyzer_pb2

from .model import Finding, Level

# A bracketed tag of one or more control ids: "[ACC-1]", "[ACC-1][ACC-7]" or "[MOD-3, EXEC-2]".
CONTROL_TAG = re.compile(r"\[((?:[A-Z]+-\d+[a-z]?)(?:\s*,\s*[A-Z]+-\d+[a-z]?)*)\]")

_LEVELS: dict[int, Level] = {
    analyzer_pb2.ADVISORY: "advisory",
    analyzer_pb2.MANDATORY: "mandatory",
    analyzer_pb2.DISABLED: "disabled",
    analyzer_pb2.REMEDIATE: "remediate",
}


def level_name(level: int) -> Level:
    """The CLI's name of a protocol enforcement level."""
    return _LEVELS.get(level, "advisory")


def control_ids(*texts: str) -> tuple[str, ...]:
    """Control ids in order of first appearance across the given texts, without duplicates."""
    seen: dict[str, None] = {}
    for text in texts:
        for match in CONTROL_TAG.finditer(text):
            for control_id in match.group(1).split(","):
                seen.setdefault(control_id.strip(), None)
    return tuple(seen)


def finding_from_diagnostic(
    diagnostic: analyzer_pb2.AnalyzeDiagnostic,
    urn: Optional[str],
    stage: Literal["resource", "stack"],
    policy_description: str = "",
) -> Finding:
    """A Finding from one diagnostic. ``remediate`` becomes ``mandatory``, as the engine does."""
    level = level_name(diagnostic.enforcementLevel)
    if level == "remediate":
        level = "mandatory"
    return Finding(
        policy=diagnostic.policyName,
        controls=control_ids(policy_description or diagnostic.description, diagnostic.message),
        urn=urn or None,
        level=level,
        message=diagnostic.message,
        stage=stage,
    )
