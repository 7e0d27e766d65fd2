"""Offline preview of a synthetic stack at 1,000 / 5,000 / 10,000 / 20,000 resources, full pack.

    venv/bin/python benchmarks/preview_scaling.py [--sizes 1000 5000 10000 20000] [--keep DIR]

Generates a Pulumi Python project whose program registers `size` azure-native resources (resource
groups, each holding hardened storage accounts, so resource and stack policies of the real pack
run on realistic properties and wiring), then times `python -m pulumi_aizone_gate --program <it>
--stack bench --policy-pack policy_pack` end to end in a fresh process per size: wall-clock
seconds and peak RSS of the largest process of the run (supervisor, worker with the gate's engine,
the program's own process, or pack). Target: the
20,000 run within 45 s and 700 MiB. Prints one JSON line per size; exit 1 if the target is missed.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path
from typing import Optional

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
_SAMPLE_SECONDS = 0.05
_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _role(cmdline: str) -> str:
    """Which process of a preview this is, from its command line."""
    if "program_host.py" in cmdline:
        return "program"
    if "worker_main" in cmdline:
        return "worker"
    if "pulumi.policy" in cmdline:
        return "pack"
    if "pulumi_aizone_gate" in cmdline:
        return "supervisor"
    return "other"


def _children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(child) for child in text.split()]


def _sample(pid: int) -> Optional[tuple[str, float, float]]:
    """(role, cpu seconds user+sys, peak RSS MiB) of one live process, from /proc."""
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode("utf-8", "replace")
        stat = Path(f"/proc/{pid}/stat").read_text()
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    fields = stat.rsplit(")", 1)[1].split()
    cpu = (int(fields[11]) + int(fields[12])) / _TICKS  # utime, stime (fields 14 and 15 of stat)
    hwm = next((int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM:")), 0)
    return _role(cmdline), cpu, hwm / 1024


def _per_process(root: int, seen: dict[int, tuple[str, float, float]]) -> None:
    """Sample the measured process tree below `root` (its measuring wrapper)."""
    stack = _children(root)
    while stack:
        pid = stack.pop()
        sample = _sample(pid)
        if sample is not None:
            # A process that has ended (a zombie) has no command line or RSS any more: keep the
            # role and peak seen while it ran. A process seen between fork and exec still has its
            # parent's command line; once exec'd it has another role and a new memory map, whose
            # samples replace the parent's.
            role, cpu, rss = sample
            if pid in seen:
                known_role, known_cpu, known_rss = seen[pid]
                if role in ("other", known_role):
                    role, cpu, rss = known_role, max(cpu, known_cpu), max(rss, known_rss)
            seen[pid] = (role, cpu, rss)
        stack.extend(_children(pid))


def write_program(directory: Path, size: int) -> Path:
    """The synthetic project (its stack `bench` asks for `size` resources in all, program's own)."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "Pulumi.yaml").write_text("name: bench\nruntime: python\n", encoding="utf-8")
    (directory / "Pulumi.bench.yaml").write_text(f"config:\n  bench:resources: {size}\n", encoding="utf-8")
    (directory / "__main__.py").write_text(PROGRAM, encoding="utf-8")
    return directory


def measure(program: Path) -> dict[str, object]:
    """One preview of `program` in a fresh process tree.

    Wall time and the peak RSS of the largest process come from the measuring wrapper (exact);
    CPU seconds (user+sys) and peak RSS per process (supervisor, worker, pack) are sampled from
    /proc every 50 ms until the process ends, so the last few ms of CPU of each can be missing.
    """
    command = [
        sys.executable,
        "-m",
        "pulumi_aizone_gate",
        "--program",
        str(program),
        "--stack",
        "bench",
        "--policy-pack",
        str(ROOT / "policy_pack"),
        "--timeout",
        "1200",
    ]
    wrapper = subprocess.Popen([sys.executable, "-c", _MEASURE, *command], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    seen: dict[int, tuple[str, float, float]] = {}
    while wrapper.poll() is None:
        _per_process(wrapper.pid, seen)
        time.sleep(_SAMPLE_SECONDS)
    assert wrapper.stdout is not None
    out = wrapper.stdout.read().split()
    if wrapper.returncode != 0 or len(out) != 3:
        raise RuntimeError(f"the measuring wrapper failed (exit {wrapper.returncode})")
    row: dict[str, object] = {"seconds": round(float(out[0]), 2), "peak_rss_mib": round(int(out[1]) / 1024, 1), "exit": int(out[2])}
    for role in ("supervisor", "worker", "program", "pack"):
        samples = [(cpu, rss) for kind, cpu, rss in seen.values() if kind == role]
        if samples:
            row[f"{role}_cpu_s"] = round(sum(cpu for cpu, _ in samples), 2)
            row[f"{role}_peak_rss_mib"] = round(max(rss for _, rss in samples), 1)
    return row


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
            seconds, peak = float(str(row["seconds"])), float(str(row["peak_rss_mib"]))
            if size == TARGET_SIZE and (seconds > TARGET_SECONDS or peak > TARGET_MIB):
                ok = False
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
