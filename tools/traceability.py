"""Traceability: which code implements, enforces and tests each control of the catalog.

    venv/bin/python -m tools.traceability [--check] [--markdown FILE]

Joins four sources, none of them hand-maintained lists:
- the control catalog (policy_pack/aizone_policy/catalog.py: ids, titles, how each is enforced);
- components: the `@implements(...)` decorators (aizone/components/base.py: IMPLEMENTED_BY);
- policies: each policy spec's `controls` (policy_pack/aizone_policy/policies);
- tests: each test's `pytest.mark.controls(...)` marker, collected by pytest itself.
`--check` exits 1 when a control lacks what its enforcement column requires: a policy for R/S, a
component for C, the README for D, and a test for every control.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# Controls whose "component" is the policy pack itself rather than a landing-zone component.
PACK_IMPLEMENTED = {
    "RES-1": "policy_pack/aizone_policy/framework.py (severity, MCSB framework, tags, remediation on every policy)",
}


@dataclass
class Row:
    control_id: str
    title: str
    enforced_by: str
    components: list[str] = field(default_factory=list)
    policies: list[str] = field(default_factory=list)
    tests: list[str] = field(default_factory=list)
    documented: bool = False

    def gaps(self) -> list[str]:
        missing: list[str] = []
        if {"R", "S"} & set(self.enforced_by) and not self.policies:
            missing.append("no policy")
        if "C" in self.enforced_by and not self.components:
            missing.append("no component")
        if "D" in self.enforced_by and not self.documented:
            missing.append("not in README")
        if not self.tests:
            missing.append("no test")
        return missing


def collect_tests() -> dict[str, list[str]]:
    """{control id: test node ids}, from pytest's own collection of the `controls` markers."""
    with tempfile.TemporaryDirectory() as scratch:
        target = Path(scratch) / "trace.json"
        env = {**os.environ, "AIZONE_TRACE_FILE": str(target)}
        subprocess.run(
            [sys.executable, "-m", "pytest", "--collect-only", "-q"],
            cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL,
        )
        return json.loads(target.read_text())


def build_rows() -> list[Row]:
    sys.path.insert(0, str(ROOT))
    import aizone.components  # noqa: F401  (importing registers every @implements)
    import aizone.landing_zone  # noqa: F401
    from aizone.components.base import IMPLEMENTED_BY
    from aizone_policy import catalog
    from aizone_policy.policies import ALL_SPECS

    tests = collect_tests()
    readme = (ROOT / "README.md").read_text()
    rows = []
    for control in catalog.CONTROLS:
        rows.append(
            Row(
                control_id=control.id,
                title=control.title,
                enforced_by="+".join(sorted(control.enforced_by)),
                components=sorted(set(IMPLEMENTED_BY.get(control.id, [])))
                + ([PACK_IMPLEMENTED[control.id]] if control.id in PACK_IMPLEMENTED else []),
                policies=sorted(spec.name for spec in ALL_SPECS if control.id in spec.controls),
                tests=sorted(tests.get(control.id, [])),
                documented=control.id in readme,
            )
        )
    return rows


def markdown(rows: list[Row]) -> str:
    lines = [
        "| control | title | by | components | policies | tests | gaps |",
        "|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        lines.append(
            f"| {row.control_id} | {row.title} | {row.enforced_by} | {', '.join(row.components) or '-'} | "
            f"{', '.join(row.policies) or '-'} | {len(row.tests)} | {', '.join(row.gaps()) or 'none'} |"
        )
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if any control has a gap")
    parser.add_argument("--markdown", type=Path, help="also write the table to this file")
    args = parser.parse_args()
    rows = build_rows()
    table = markdown(rows)
    print(table)
    if args.markdown:
        args.markdown.write_text(table)
    gaps = [f"{row.control_id}: {', '.join(row.gaps())}" for row in rows if row.gaps()]
    if gaps:
        print("gaps:\n  " + "\n  ".join(gaps))
    return 1 if args.check and gaps else 0


if __name__ == "__main__":
    sys.exit(main())
