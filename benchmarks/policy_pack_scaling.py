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

`--profile FILE` also drives that pack's servicer in this process over the same requests at the
largest size (protobuf in and out, as over gRPC), reports the servicer's own CPU time per
resource for Analyze and AnalyzeStack, writes cProfile stats of the servicer calls only to FILE
and prints their top functions to stderr (`python -m pstats FILE` reads them further). Set
PULUMI_PROJECT, PULUMI_STACK and PULUMI_DRY_RUN to include the Pulumi runtime configuration
every request does in the pack process.
Targets (issue 2): at most 1.5 ms per resource, and the 10,000 run at most 11x the 1,000 run
(linear, not quadratic). Prints one JSON line; exit 1 if a target is missed.
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import cProfile
import dataclasses
import gc
import importlib
import json
import os
import pstats
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import pulumi_aizone_gate  # noqa: E402
from pulumi_aizone_gate.analyzer import AnalyzerClient  # noqa: E402
from pulumi_aizone_gate.messages import analyze_request, provider_messages, stack_resource  # noqa: E402
from pulumi_aizone_gate.model import RecordedResource  # noqa: E402
from pulumi_aizone_gate.policy_config import reconcile  # noqa: E402

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


class _InProcessMethod:
    """One analyzer method of an in-process servicer, called like a gRPC stub method: the request
    and response go through protobuf bytes as over the wire; the servicer's CPU time is summed per
    method and, when a profile is given, only servicer calls are profiled."""

    def __init__(self, handler: Any, name: str, serialize: Any, deserialize: Any, channel: _InProcessChannel) -> None:
        self._handler = handler
        self._name = name
        self._serialize = serialize
        self._deserialize = deserialize
        self._channel = channel

    def __call__(self, request: Any, timeout: float | None = None) -> Any:
        channel = self._channel
        data = self._serialize(request)
        start = time.process_time()
        if channel.profile is not None:
            channel.profile.enable()
        try:
            handler_request = type(request).FromString(data)
            reply = self._handler(handler_request, None).SerializeToString()
        finally:
            if channel.profile is not None:
                channel.profile.disable()
            channel.cpu[self._name] = channel.cpu.get(self._name, 0.0) + time.process_time() - start
        return self._deserialize(reply)

    def future(self, request: Any, timeout: float | None = None) -> Any:
        reply = self(request, timeout)
        return _Done(reply)


@dataclasses.dataclass
class _Done:
    reply: Any

    def result(self) -> Any:
        return self.reply


class _InProcessChannel:
    """Enough of a `grpc.Channel` for `AnalyzerStub`: each method calls the servicer directly."""

    def __init__(self, servicer: Any, profile: cProfile.Profile | None) -> None:
        self.servicer = servicer
        self.profile = profile
        self.cpu: dict[str, float] = {}

    def unary_unary(self, method: str, request_serializer: Any = None, response_deserializer: Any = None, **_: Any) -> _InProcessMethod:
        name = method.rsplit("/", 1)[-1]
        return _InProcessMethod(getattr(self.servicer, name), name, request_serializer, response_deserializer, self)


def profile_in_process(pack: Path, resources: list[RecordedResource], stats_file: Path) -> dict[str, Any]:
    """One analyzer conversation with the pack's servicer in this process (see the module doc)."""
    sys.path.insert(0, str(pack))
    try:
        servicer = importlib.import_module("pulumi_aizone_policy.pack").build_servicer()
    finally:
        sys.path.remove(str(pack))
    providers = provider_messages(resources)

    def conversation(channel: _InProcessChannel) -> None:
        client = AnalyzerClient(channel)  # type: ignore[arg-type]
        client.configure_stack("aizone", "bench", {}, [], {})
        info = client.get_info()
        client.configure(reconcile(info, {}))
        # Consume the answers (a generator: each Analyze call is made as it is read).
        collections.deque(client.analyze((r.urn, analyze_request(r, providers)) for r in resources if not r.external), maxlen=0)
        client.analyze_stack([stack_resource(r, providers) for r in resources])

    conversation(_InProcessChannel(servicer, None))  # warm caches, as the gRPC runs are warm
    profile = cProfile.Profile()
    channel = _InProcessChannel(servicer, profile)
    conversation(channel)
    profile.dump_stats(str(stats_file))
    pstats.Stats(str(stats_file), stream=sys.stderr).sort_stats("tottime").print_stats(25)
    # A second conversation without the profiler gives the servicer's own CPU time.
    unprofiled = _InProcessChannel(servicer, None)
    conversation(unprofiled)
    size = len(resources)
    return {
        "size": size,
        "stats": str(stats_file),
        "servicer_cpu_ms_per_resource": {
            name: round(1000 * seconds / size, 3) for name, seconds in unprofiled.cpu.items() if name in ("Analyze", "AnalyzeStack")
        },
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--repeat", type=int, default=5, help="runs per size; the best is reported")
    parser.add_argument("--pack", type=Path, default=ROOT / "policy_pack", help="pack directory to measure")
    parser.add_argument("--compare", type=Path, default=None, help="second pack directory, run interleaved")
    parser.add_argument("--profile", type=Path, default=None, help="cProfile stats file of the servicer, in process")
    args = parser.parse_args()
    template = pulumi_aizone_gate.run(ROOT, "dev", ROOT / "policy_pack").resources
    packs = {"pack": args.pack.resolve()}
    if args.compare is not None:
        packs["compare"] = args.compare.resolve()
    results: dict[str, Any] = {"benchmark": "policy pack over gRPC", "policies": None, "sizes": {}}
    with contextlib.ExitStack() as stack:
        sessions = {
            role: stack.enter_context(pulumi_aizone_gate.PolicyPackSession.start(pack, "aizone", "bench")) for role, pack in packs.items()
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
        cpu_ratio = results["sizes"][str(large)]["cpu_seconds"] / max(results["sizes"][str(small)]["cpu_seconds"], 1e-9)
        results["scaling"] = {
            "from": small,
            "to": large,
            "time_ratio": round(ratio, 2),
            # The pack process's CPU time moves far less with machine load than the clock does.
            "cpu_time_ratio": round(cpu_ratio, 2),
            "target": TARGET_SCALING,
        }
        ok = ok and ratio <= TARGET_SCALING
    if args.profile is not None:
        gc.freeze()  # as the offline preview does during a conversation
        try:
            results["profile"] = profile_in_process(packs["pack"], clone_stack(template, max(args.sizes)), args.profile)
        finally:
            gc.unfreeze()
    results["targets"] = {"ms_per_resource": TARGET_MS_PER_RESOURCE, "met": ok}
    print(json.dumps(results))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
