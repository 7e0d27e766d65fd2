"""Offline preview of the dev stack against its floor: importing the SDK modules it uses.

    venv/bin/python benchmarks/preview_vs_import.py [--runs 5]

Measures, in fresh processes each time (best of N wall-clock runs, peak RSS of the largest
process):
- floor: a `python -c` that imports pulumi and every SDK resource class the dev stack registers
  (`from pulumi_azure_native.network import VirtualNetwork`, ...; the SDK's modules load lazily, so
  importing the class is what forces the real work): work no preview can avoid;
- preview: `python -m pulumi_aizone_gate --program . --stack dev --policy-pack policy_pack`, which
  also runs the program under mocks, starts the pack in a second process and analyzes over gRPC.
Target (issue 2): preview within 2x of the floor. Prints one JSON line; exit 1 if over target.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET_RATIO = 2.0


def timed(command: list[str]) -> tuple[float, int]:
    """Wall seconds and peak RSS (MiB) of the largest child process of one run of `command`."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.perf_counter()
    subprocess.run(command, cwd=ROOT, check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    elapsed = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return elapsed, max(peak, before) // 1024


def imports_used(report: Path) -> list[str]:
    """One import statement per SDK resource class behind the dev stack's resource types."""
    types = {entry["type"] for entry in json.loads(report.read_text())["resources"]}
    statements = {"import pulumi"}
    for token in types:
        package, _, rest = token.partition(":")
        module, _, class_name = rest.rpartition(":")
        if package == "azure-native":
            statements.add(f"from pulumi_azure_native.{module} import {class_name}")
        elif package == "azuread":
            statements.add(f"from pulumi_azuread import {class_name}")
    return sorted(statements)


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    preview = [sys.executable, "-m", "pulumi_aizone_gate", "--program", ".", "--stack", "dev", "--policy-pack", "policy_pack"]
    with tempfile.TemporaryDirectory() as scratch:
        report = Path(scratch) / "dev.json"
        subprocess.run([*preview, "--json", str(report)], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
        imports = imports_used(report)
    floor_command = [sys.executable, "-c", "; ".join(imports)]
    timed(floor_command)  # warm the page cache and .pyc files once
    floor = [timed(floor_command) for _ in range(args.runs)]
    runs = [timed(preview) for _ in range(args.runs)]
    floor_s = min(seconds for seconds, _ in floor)
    preview_s = min(seconds for seconds, _ in runs)
    result = {
        "benchmark": "offline preview of dev vs SDK import floor",
        "runs": args.runs,
        "sdk_classes": len(imports) - 1,
        "floor_seconds": round(floor_s, 3),
        "preview_seconds": round(preview_s, 3),
        "ratio": round(preview_s / floor_s, 2),
        "target_ratio": TARGET_RATIO,
        "peak_rss_mib": max(rss for _, rss in runs),
    }
    print(json.dumps(result))
    return 0 if result["ratio"] <= TARGET_RATIO else 1


if __name__ == "__main__":
    sys.exit(main())
