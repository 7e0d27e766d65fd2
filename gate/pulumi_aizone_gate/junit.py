"""``--junit``: the verdict as JUnit XML, the test-report format CI systems read (GitLab, Azure
Pipelines, Jenkins, GitHub test-report actions).

One ``<testsuite>`` per policy of the pack (named after it, its type, level, severity, controls
and declared resource types as ``<properties>``); one ``<testcase>`` per resource the policy
judged (``classname`` = the policy, ``name`` = the resource's URN; a stack policy has one test
case, for the root stack). The evaluations are those of the JSON report (``evidence.evaluate``):

* a **mandatory** finding is a ``<failure type="mandatory">`` whose text lists every message (a
  stack policy's messages each name their resource): these are what make the gate exit 1;
* an **advisory** finding does not fail the test case (it does not fail the gate either): its
  messages are the test case's ``<system-out>``, each line starting with ``ADVISORY``, so the CI
  shows them without turning the build red;
* a policy the pack itself said is **not applicable** (``args.not_applicable``) is ``<skipped>``
  with the pack's reason; a resource whose type the policy does not declare (``resource-type:``
  tags) was not judged and has no test case; a **disabled** policy is one skipped test case
  named ``(disabled)``;
* errors the program logged with ``pulumi.log.error`` (the gate then exits 2) are one
  ``<testsuite name="(program)">`` whose test case has an ``<error>``.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

from .evidence import PolicyEvidence, evaluate
from .findings import control_ids
from .model import Finding, PreviewResult

_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
"""Characters XML 1.0 cannot carry at all (not even escaped): most C0 controls and lone surrogates."""


def _text(value: str) -> str:
    """``value`` with characters XML cannot carry written as ``\\xNN`` (the file stays well-formed)."""
    return _NOT_XML.sub(lambda match: f"\\x{ord(match.group()):02x}", value)


def to_junit(result: PreviewResult) -> ET.Element:
    """The ``<testsuites>`` element of the JUnit report (see the module docstring)."""
    root = ET.Element("testsuites", name=_text(f"aizone-gate {result.project}/{result.stack}"))
    suites = [_suite(item) for item in evaluate(result)]
    if result.program_errors:
        suites.append(_program_suite(result.program_errors))
    for suite in suites:
        root.append(suite)
    for key in ("tests", "failures", "errors", "skipped"):
        root.set(key, str(sum(int(suite.get(key, "0")) for suite in suites)))
    return root


def _suite(item: PolicyEvidence) -> ET.Element:
    policy = item.policy
    suite = ET.Element("testsuite", name=_text(policy.name))
    properties = ET.SubElement(suite, "properties")
    values = {
        "type": policy.policy_type,
        "enforcementLevel": item.level,
        "severity": policy.severity or "",
        "controls": " ".join(control_ids(policy.description)),
        "resourceTypes": " ".join(policy.resource_types),
        "description": policy.description,
    }
    for name, value in values.items():
        ET.SubElement(properties, "property", name=name, value=_text(value))
    cases: list[ET.Element] = []
    if item.level == "disabled":
        case = ET.Element("testcase", classname=_text(policy.name), name="(disabled)", time="0")
        ET.SubElement(case, "skipped", message="the policy's enforcement level is disabled, so it did not run")
        cases.append(case)
    stack_policy = policy.policy_type == "stack"
    for evaluation in item.evaluations:
        if evaluation.basis == "declaredTypes":
            continue  # not a type the policy judges: no test case
        case = ET.Element("testcase", classname=_text(policy.name), name=_text(evaluation.urn or "(stack)"), time="0")
        if evaluation.status == "notApplicable":
            ET.SubElement(case, "skipped", message=_text(f"not applicable: {evaluation.reason or 'the pack gave no reason'}"))
        elif evaluation.status == "failed":
            mandatory = [f for f in evaluation.findings if f.level == "mandatory"]
            advisory = [f for f in evaluation.findings if f.level != "mandatory"]
            if mandatory:
                first = _specific(mandatory[0].message, policy.description)
                failure = ET.SubElement(case, "failure", type="mandatory", message=_text(first))
                failure.text = _text("\n".join(_line(f, policy.description, stack_policy) for f in mandatory))
            if advisory:
                out = ET.SubElement(case, "system-out")
                out.text = _text("\n".join(f"ADVISORY {_line(f, policy.description, stack_policy)}" for f in advisory))
        cases.append(case)
    for case in cases:
        suite.append(case)
    suite.set("tests", str(len(cases)))
    suite.set("failures", str(sum(1 for case in cases if case.find("failure") is not None)))
    suite.set("errors", "0")
    suite.set("skipped", str(sum(1 for case in cases if case.find("skipped") is not None)))
    return suite


def _specific(message: str, description: str) -> str:
    """A message without the policy description pulumi-policy puts before it (the suite has it)."""
    if description and message.startswith(description):
        return message[len(description) :].strip() or message
    return message


def _line(finding: Finding, description: str, stack_policy: bool) -> str:
    """One finding's message (without the description, further lines indented); a stack
    policy's also names the resource it is about."""
    text = "\n  ".join(_specific(finding.message, description).splitlines())
    return f"{text} ({finding.urn})" if stack_policy and finding.urn else text


def _program_suite(errors: list[str]) -> ET.Element:
    suite = ET.Element("testsuite", name="(program)", tests="1", failures="0", errors="1", skipped="0")
    case = ET.SubElement(suite, "testcase", classname="(program)", name="pulumi.log.error", time="0")
    error = ET.SubElement(case, "error", type="program", message=_text(f"the program logged {len(errors)} error(s)"))
    error.text = _text("\n".join(errors))
    return suite


def write_junit(result: PreviewResult, path: Path) -> None:
    """Write ``to_junit(result)`` to ``path`` (UTF-8, with an XML declaration)."""
    tree = ET.ElementTree(to_junit(result))
    ET.indent(tree)
    with path.open("wb") as handle:
        tree.write(handle, encoding="utf-8", xml_declaration=True)
        handle.write(b"\n")
