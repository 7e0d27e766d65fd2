"""Policy pack cost per resource over real gRPC, for 1,000 and 10,000 resources.

    venv/bin/python benchmarks/policy_pack_scaling.py [--sizes 1000 10000]

The resources are the dev stack's own (recorded once under mocks), cloned with fresh URNs and ids
until each size is reached, so every resource and stack policy runs on realistic properties and
wiring (property dependencies between accounts, endpoints, diagnostics and role assignments). The
pack runs as its own process, started the way the Pulumi CLI starts it; the clock covers the whole
analyzer conversation (Configure, one Analyze per resource, AnalyzeStack) once the pack is up;
each size runs --repeat times (default 5) and the best run counts, as the machine is shared.
Targets (issue 2): at most 1.5 ms per resource, and the 10,000 run at most 11x the 1,000 run
(linear, not quadratic). Prints one JSON line; exit 1 if a target is missed.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
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


def measure(session: Any, resources: list[RecordedResource]) -> float:
    start = time.perf_counter()
    session.analyze(resources)
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--repeat", type=int, default=5, help="runs per size; the best is reported")
    args = parser.parse_args()
    template = offline_preview.run(ROOT, "dev", ROOT / "policy_pack").resources
    pack = ROOT / "policy_pack"
    results: dict[str, Any] = {"benchmark": "policy pack over gRPC", "policies": None, "sizes": {}}
    with offline_preview.PolicyPackSession.start(pack, "aizone", "bench") as session:
        warm = session.analyze(template)  # pack start-up and first-call costs are not per-resource
        results["policies"] = len(warm.analyzer.policies)
        for size in args.sizes:
            resources = clone_stack(template, size)
            seconds = min(measure(session, resources) for _ in range(args.repeat))
            results["sizes"][str(size)] = {
                "seconds": round(seconds, 3),
                "ms_per_resource": round(1000 * seconds / size, 3),
            }
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
