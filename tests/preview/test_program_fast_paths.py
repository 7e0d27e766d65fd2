"""The SDK fast paths the gate installs in the program's own process (sdk_fast_paths.py, loaded by
langhost.py's launcher) change what the program costs, never what the engine receives.

Each test previews the same program twice: with the fast paths (the pinned SDK is the verified
one) and on the SDK's own code paths (the launcher is told another release line was verified).
"""

from __future__ import annotations

import dataclasses
import importlib.metadata
import textwrap
from pathlib import Path
from typing import Any

import pytest
from hostile_support import write_pack, write_project

from pulumi_aizone_gate import langhost, runner, sdk_fast_paths
from pulumi_aizone_gate.errors import PreviewError

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
PACK = Path(__file__).resolve().parent / "fixtures" / "pack"

# Large enough to be drained twice in the body (REGISTRATIONS_PER_DRAIN), with outputs of resources
# registered before a drain used by resources registered after it, a component whose children
# straddle a drain, aliases, a transform and an apply-derived input.
DRAINED_PROGRAM = """
import pulumi
from pulumi_azure_native import resources, storage

def tag(args):
    if args.type_ == "azure-native:storage:StorageAccount":
        return pulumi.ResourceTransformResult(props={**args.props, "tags": {"transformed": "yes"}}, opts=args.opts)
    return None

pulumi.runtime.register_resource_transform(tag)

class Box(pulumi.ComponentResource):
    def __init__(self, name, group, count, opts=None):
        super().__init__("test:index:Box", name, None, opts)
        for index in range(count):
            storage.StorageAccount(
                f"{name}x{index}",
                resource_group_name=group.name,
                kind="StorageV2",
                sku={"name": "Standard_ZRS"},
                allow_blob_public_access=False,
                opts=pulumi.ResourceOptions(parent=self, aliases=[pulumi.Alias(name=f"old{name}x{index}")]),
            )
        self.register_outputs({})

first = resources.ResourceGroup("first", location="swedencentral")
Box("box", first, 150)
previous = first
for index in range(300):
    group = resources.ResourceGroup(
        f"rg{index}",
        location="swedencentral",
        tags={"after": previous.name.apply(lambda name: f"after-{name}")},
        opts=pulumi.ResourceOptions(depends_on=[previous]),
    )
    previous = group
pulumi.export("last", previous.name)
"""


def _plan(program: Path, verified: str, monkeypatch: pytest.MonkeyPatch) -> tuple[list[Any], list[Any], Any]:
    monkeypatch.setattr(langhost, "SDK_FAST_PATHS_VERIFIED", verified)
    result = runner.run(program, "standard" if program.name == "gateway_program" else "dev", PACK)
    resources = [
        dataclasses.replace(
            r,
            dependencies=sorted(r.dependencies),
            property_dependencies={key: sorted(value) for key, value in r.property_dependencies.items()},
        )
        for r in result.resources
    ]
    return sorted(resources, key=lambda r: r.urn), result.findings, result.invokes


@pytest.mark.parametrize("program", ["gateway", "drained"])
def test_the_fast_paths_give_the_engine_the_same_registrations(program: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The gateway fixture (azure-native resources with ~30 aliases each, components, invokes,
    secrets) and a 452-resource program drained twice while its body runs: the same registrations,
    aliases, dependencies and findings either way."""
    assert importlib.metadata.version("pulumi").startswith(sdk_fast_paths.SDK_FAST_PATHS_VERIFIED)
    if program == "gateway":
        directory = FIXTURES / "gateway_program"
    else:
        directory = write_project(tmp_path / "drained", {"__main__.py": textwrap.dedent(DRAINED_PROGRAM)})
    fast = _plan(directory, sdk_fast_paths.SDK_FAST_PATHS_VERIFIED, monkeypatch)
    sdk = _plan(directory, "no such SDK version", monkeypatch)
    assert len(fast[0]) > (20 if program == "gateway" else 450)
    assert any(r.options.aliases for r in fast[0])
    assert fast == sdk


# The body pauses now and then (as a body doing real work would), so that the engine's answers are
# in before the next drain: the stack's registration, then the first Thing's, take two drains.
APPLY_ORDER = """
import time
import pulumi

first = pulumi.CustomResource("test:index:Thing", "first", {"value": "secure"})
first.urn.apply(lambda urn: print("first registered", flush=True))
for index in range(1000):
    if index % 100 == 0:
        time.sleep(0.1)
    pulumi.CustomResource("test:index:Thing", f"t{index}", {"value": "secure"})
print("body done", flush=True)
"""


def test_registrations_complete_while_the_program_body_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """With the fast paths the first resource is registered (its URN's apply runs) before the body
    returns: the loop runs every REGISTRATIONS_PER_DRAIN registrations, and the first drain after
    the engine's answer came in resolves it. On the SDK's own paths every registration waits for
    the body. Only when apply callbacks run differs, which Pulumi leaves unspecified."""
    program = write_project(tmp_path / "program", {"__main__.py": textwrap.dedent(APPLY_ORDER)})
    pack = write_pack(tmp_path / "pack")
    orders = {}
    for verified in (sdk_fast_paths.SDK_FAST_PATHS_VERIFIED, "no such SDK version"):
        monkeypatch.setattr(langhost, "SDK_FAST_PATHS_VERIFIED", verified)
        result = runner.run(program, "dev", pack)
        assert sum(r.type == "test:index:Thing" for r in result.resources) == 1001  # either way
        assert not [f for f in result.findings if f.level == "mandatory"]
        printed = capsys.readouterr()
        output = printed.out + printed.err
        orders[verified] = output.index("first registered") < output.index("body done")
    assert orders == {sdk_fast_paths.SDK_FAST_PATHS_VERIFIED: True, "no such SDK version": False}


FAILING_APPLY = """
import pulumi

for index in range(450):
    thing = pulumi.CustomResource("test:index:Thing", f"t{index}", {"value": "secure"})
    if index == 300:
        thing.urn.apply(lambda urn: 1 / 0)
"""


def test_a_failing_apply_fails_the_program_either_way(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The SDK's wait for outstanding outputs (replaced: the SDK's is quadratic) still surfaces an
    apply's exception as the program's failure."""
    program = write_project(tmp_path / "program", {"__main__.py": textwrap.dedent(FAILING_APPLY)})
    pack = write_pack(tmp_path / "pack")
    for verified in (sdk_fast_paths.SDK_FAST_PATHS_VERIFIED, "no such SDK version"):
        monkeypatch.setattr(langhost, "SDK_FAST_PATHS_VERIFIED", verified)
        with pytest.raises(PreviewError, match="ZeroDivisionError"):
            runner.run(program, "dev", pack)


def test_the_fast_paths_are_not_importable_from_the_program(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """They are loaded by path under a private name: no module of the gate is in the program's
    ``sys.modules`` and importing the gate's name fails unless the gate is installed in its
    environment (it is here: the point is only that the running gate did not put it there)."""
    main = """
    import sys, pulumi
    print("gate modules:", sorted(n for n in sys.modules if n.startswith(("pulumi_aizone", "_pulumi_sdk"))), flush=True)
    print("debug replaced:", pulumi.log.debug.__module__ != "pulumi.log", flush=True)
    pulumi.CustomResource("test:index:Thing", "t", {"value": "secure"})
    """
    program = write_project(tmp_path / "program", {"__main__.py": textwrap.dedent(main)})
    runner.run(program, "dev", write_pack(tmp_path / "pack"))
    printed = capsys.readouterr()
    output = printed.out + printed.err
    assert "gate modules: []" in output
    assert "debug replaced: True" in output  # noticeable, as the README says


WAITS_FOR_ITS_BODY = """
import asyncio
import pulumi

later = asyncio.get_event_loop().create_future()
value = pulumi.Output.from_input(later)
for index in range(1200):
    pulumi.CustomResource("test:index:Thing", f"t{index}", {"value": value})
later.set_result("secure")
print("body done", flush=True)
"""


def test_the_bound_on_pending_registrations_never_deadlocks_the_body(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Every registration waits for a value the body provides only at its end: more than
    MAX_PENDING_REGISTRATIONS stay pending, the drain waits PROGRESS_SECONDS without progress and
    lets the body go on, and every Thing is registered with the value."""
    assert sdk_fast_paths.MAX_PENDING_REGISTRATIONS < 1200
    program = write_project(tmp_path / "program", {"__main__.py": textwrap.dedent(WAITS_FOR_ITS_BODY)})
    result = runner.run(program, "dev", write_pack(tmp_path / "pack"))
    things = [r for r in result.resources if r.type == "test:index:Thing"]
    assert len(things) == 1200
    assert {r.inputs["value"] for r in things} == {"secure"}
    assert "body done" in capsys.readouterr().err
