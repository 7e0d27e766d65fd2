"""Offline preview of a synthetic stack at 1,000 / 5,000 / 10,000 / 20,000 resources, full pack.

    venv/bin/python benchmarks/preview_scaling.py [--sizes 1000 5000 10000 20000] [--keep DIR]

Generates a Pulumi Python project whose program registers `size` azure-native resources (resource
groups, each holding hardened storage accounts, so resource and stack policies of the real pack
run on realistic properties and wiring), then times `python -m offline_preview --program <it>
--stack bench --policy-pack policy_pack` end to end in a fresh process per size: wall-clock
seconds and peak RSS of the largest process of the run (supervisor, worker or pack). Target: the
20,000 run within 45 s and 700 MiB. Prints one JSON line per size; exit 1 if the target is missed.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET_SIZE, TARGET_SECONDS, TARGET_MIB = 20_000, 45.0, 700.0
ACCOUNTS_PER_GROUP = 9

PROGRAM = textwrap.dedent(
    f"""\
    import pulumi
    from pulumi_azure_native import resources, storage

    count = int(pulumi.Config("bench").require("resources"))
    made = 0
    group_index = 0
    while made < count:
        group = resources.ResourceGroup(f"rg{{group_index}}", location="swedencentral", tags={{"env": "bench"}})
        made += 1
        for account in range(min({ACCOUNTS_PER_GROUP}, count - made)):
            storage.StorageAccount(
                f"st{{group_index}}x{{account}}",
                resource_group_name=group.name,
                location="swedencentral",
                kind="StorageV2",
                sku={{"name": "Standard_ZRS"}},
                allow_blob_public_access=False,
                allow_shared_key_access=False,
                minimum_tls_version="TLS1_2",
                public_network_access="Disabled",
                enable_https_traffic_only=True,
                tags={{"env": "bench"}},
            )
            made += 1
        group_index += 1
    """
)

# Runs one preview and reports its wall time and the peak RSS of its largest descendant.
_MEASURE = (
    "import resource, subprocess, sys, time\n"
    "start = time.perf_counter()\n"
    "code = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL).returncode\n"
    "print(time.perf_counter() - start, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, code)\n"
)


def write_program(directory: Path, size: int) -> Path:
    """The synthetic project (its stack `bench` asks for `size` resources in all, program's own)."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "Pulumi.yaml").write_text("name: bench\nruntime: python\n", encoding="utf-8")
    (directory / "Pulumi.bench.yaml").write_text(f"config:\n  bench:resources: {size}\n", encoding="utf-8")
    (directory / "__main__.py").write_text(PROGRAM, encoding="utf-8")
    return directory


def measure(program: Path) -> dict[str, float]:
    """One preview of `program` in a fresh process."""
    command = [sys.executable, "-m", "offline_preview", "--program", str(program), "--stack", "bench",
               "--policy-pack", str(ROOT / "policy_pack"), "--timeout", "1200"]
    out = subprocess.run([sys.executable, "-c", _MEASURE, *command], cwd=ROOT, capture_output=True, text=True,
                         check=True).stdout.split()
    return {"seconds": round(float(out[0]), 2), "peak_rss_mib": round(int(out[1]) / 1024, 1), "exit": int(out[2])}


def main() -> int:
    parser = argparse.ArgumentParser(description="Offline preview of a synthetic stack at several sizes.")
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 5000, 10000, 20000])
    parser.add_argument("--keep", type=Path, help="write the generated projects here instead of a temp dir")
    args = parser.parse_args()
    ok = True
    with tempfile.TemporaryDirectory() as scratch:
        base = args.keep or Path(scratch)
        for size in args.sizes:
            row = {"resources": size, **measure(write_program(base / f"bench-{size}", size))}
            print(json.dumps(row), flush=True)
            if row["exit"] not in (0, 1):  # 1: the synthetic accounts have mandatory findings
                ok = False
            if size == TARGET_SIZE and (row["seconds"] > TARGET_SECONDS or row["peak_rss_mib"] > TARGET_MIB):
                ok = False
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
