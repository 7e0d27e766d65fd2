"""Policy pack cost per resource over real gRPC, for 1,000 and 10,000 resources.

    venv/bin/python benchmarks/policy_pack_scaling.py [--sizes 1000 10000] [--compare OLD_PACK_DIR]

The resources are the dev stack's own (recorded once under mocks), cloned with fresh URNs and ids
until each size is reached, so every resource and stack policy runs on realistic properties and
wiring (property dependencies between accounts, endpoints, diagnostics and role assignments). The
pack runs as its own process, started the way the Pulumi CLI starts it; the clock covers the whole
analyzer conversation (Configure, one Analyze per resource, AnalyzeStack) once the pack is up;
each size runs --repeat times (default 5) and the best run counts, as the machine is shared.
Besides wall time, the pack process's own CPU time (user + system, from /proc/<pid>/stat) is
reported per resource: on a shared machine it is far less noisy than the clock, and it leaves out
the driver's cost of building requests.

`--compare DIR` runs a second pack (e.g. an older version exported with
`git archive <commit> policy_pack | tar -x -C /tmp/old`, then `--compare /tmp/old/policy_pack`)
over the same resources, interleaved run by run with this one so that both see the same machine
load, and reports the ratio of this pack's cost to the other's (issue 9: at most 1.1x the
75-policy pack of commit 9944e52). `--pack DIR` measures another pack directory than this
checkout's `policy_pack`.
Targets (issue 2): at most 1.5 ms per resource, and the 10,000 run at most 11x the 1,000 run
(linear, not quadratic). Prints one JSON line; exit 1 if a target is missed.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import offline_preview  # noqa: E402
from offline_preview.model import RecordedResource  # noqa: E402

TARGET_MS_PER_RESOURCE = 1.5
TARGET_SCALING = 11.0


def _rename(value: Any, suffix: str, renames: dict[str, str]) -> Any:
    """Rewrite every URN and id of the template inside a property value."""
    if isinstance(value, str):
        return renames.get(value, value)
    if isinstance(value, list):
        return [_rename(item, suffix, renames) for item in value]
    if isinstance(value, dict):
        return {key: _rename(item, suffix, renames) for key, item in value.items()}
    return value


def clone_stack(template: list[RecordedResource], size: int) -> list[RecordedResource]:
    """Copies of the template's custom resources (with the stack and providers once) up to `size`."""
    fixed = [r for r in template if not r.custom or r.is_provider]
    copyable = [r for r in template if r.custom and not r.is_provider]
    resources = list(fixed)
    copy = 0
    while len(resources) < size:
        suffix = f"-c{copy}"
        renames = {r.urn: r.urn + suffix for r in copyable}
        renames.update({r.id: r.id + suffix for r in copyable if r.id})
        for r in copyable:
            if len(resources) >= size:
                break
            resources.append(
                dataclasses.replace(
                    r,
                    urn=renames[r.urn],
                    name=r.name + suffix,
                    id=renames.get(r.id or "", r.id),
                    parent=renames.get(r.parent or "", r.parent),
                    inputs=_rename(r.inputs, suffix, renames),
                    outputs=_rename(r.outputs, suffix, renames),
                    dependencies=[renames.get(u, u) for u in r.dependencies],
                    property_dependencies={k: [renames.get(u, u) for u in v] for k, v in r.property_dependencies.items()},
                )
            )
        copy += 1
    return resources


_CLOCK_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (fields 14 and 15 of /proc/<pid>/stat)."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    fields = stat[stat.rindex(")") + 2 :].split()  # the command name may hold blanks
    return (int(fields[11]) + int(fields[12])) / _CLOCK_TICKS


@dataclasses.dataclass
class Timing:
    """Best wall and CPU seconds of one pack over the runs of one size."""

    wall: float = float("inf")
    cpu: float = float("inf")

    def add(self, wall: float, cpu: float) -> None:
        self.wall = min(self.wall, wall)
        self.cpu = min(self.cpu, cpu)

    def summary(self, size: int) -> dict[str, float]:
        return {
            "seconds": round(self.wall, 3),
            "ms_per_resource": round(1000 * self.wall / size, 3),
            "cpu_seconds": round(self.cpu, 3),
            "cpu_ms_per_resource": round(1000 * self.cpu / size, 3),
        }


def measure(session: Any, resources: list[RecordedResource]) -> tuple[float, float]:
    """Wall seconds of one whole analyzer conversation, and the pack process's CPU seconds in it."""
    pid = session.process.pid
    cpu = cpu_seconds(pid)
    start = time.perf_counter()
    session.analyze(resources)
    wall = time.perf_counter() - start
    return wall, cpu_seconds(pid) - cpu


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--repeat", type=int, default=5, help="runs per size; the best is reported")
    parser.add_argument("--pack", type=Path, default=ROOT / "policy_pack", help="pack directory to measure")
    parser.add_argument("--compare", type=Path, default=None, help="second pack directory, run interleaved")
    args = parser.parse_args()
    template = offline_preview.run(ROOT, "dev", ROOT / "policy_pack").resources
    packs = {"pack": args.pack.resolve()}
    if args.compare is not None:
        packs["compare"] = args.compare.resolve()
    results: dict[str, Any] = {"benchmark": "policy pack over gRPC", "policies": None, "sizes": {}}
    with contextlib.ExitStack() as stack:
        sessions = {
            role: stack.enter_context(offline_preview.PolicyPackSession.start(pack, "aizone", "bench"))
            for role, pack in packs.items()
        }
        for role, session in sessions.items():
            warm = session.analyze(template)  # pack start-up and first-call costs are not per-resource
            results["policies" if role == "pack" else "compare_policies"] = len(warm.analyzer.policies)
        if args.compare is not None:
            results["compare_pack"] = str(args.compare)
        for size in args.sizes:
            resources = clone_stack(template, size)
            timings = {role: Timing() for role in sessions}
            for _ in range(args.repeat):
                for role, session in sessions.items():
                    timings[role].add(*measure(session, resources))
            entry: dict[str, Any] = dict(timings["pack"].summary(size))
            if "compare" in timings:
                other = timings["compare"]
                entry["compare"] = other.summary(size)
                entry["cpu_ratio"] = round(timings["pack"].cpu / other.cpu, 3)
                entry["wall_ratio"] = round(timings["pack"].wall / other.wall, 3)
            results["sizes"][str(size)] = entry
    per_resource_ok = all(entry["ms_per_resource"] <= TARGET_MS_PER_RESOURCE for entry in results["sizes"].values())
    ok = per_resource_ok
    if len(args.sizes) >= 2:
        small, large = sorted(args.sizes)[0], sorted(args.sizes)[-1]
        ratio = results["sizes"][str(large)]["seconds"] / results["sizes"][str(small)]["seconds"]
        results["scaling"] = {"from": small, "to": large, "time_ratio": round(ratio, 2), "target": TARGET_SCALING}
        ok = ok and ratio <= TARGET_SCALING
    results["targets"] = {"ms_per_resource": TARGET_MS_PER_RESOURCE, "met": ok}
    print(json.dumps(results))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
