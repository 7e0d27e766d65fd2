"""The gate's engine: transforms, remote components, and programs that try to get around the gate.

Every attack below registers a ``test:index:Thing`` whose ``value`` is ``"insecure"`` (the hostile
pack's mandatory policy ``hostile-thing-value``, [TST-1]) and tries to keep the gate from
noticing. Each must end in that mandatory finding (exit 1) or in no verdict (exit 2), never 0.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import textwrap
from pathlib import Path
from typing import Any

import pytest
from hostile_support import write_pack, write_project
from preview_support import run_cli

from pulumi_aizone_gate import runner
from pulumi_aizone_gate.errors import ProgramIncompleteError

POLICY = "hostile-thing-value"


def _preview(tmp_path: Path, main: str, pack: Path | None = None) -> tuple[subprocess.CompletedProcess[str], dict[str, Any]]:
    program = write_project(tmp_path / "program", {"__main__.py": textwrap.dedent(main)})
    report = tmp_path / "report.json"
    pack = pack or write_pack(tmp_path / "pack")
    result = run_cli("--program", program, "--stack", "dev", "--policy-pack", pack, "--json", report)
    document = json.loads(report.read_text(encoding="utf-8")) if report.exists() else {}
    return result, document


def _mandatory(document: dict[str, Any]) -> list[tuple[str, str]]:
    return [(f["policy"], f["urn"]) for f in document.get("findings", []) if f["level"] == "mandatory"]


def _flagged(document: dict[str, Any], name: str) -> bool:
    """The Thing called ``name`` (under any parent) has the mandatory [TST-1] finding."""
    return any(policy == POLICY and urn.endswith(f"test:index:Thing::{name}") for policy, urn in _mandatory(document))


# --- transforms run before analysis, as the engine runs them --------------------------------------

RESOURCE_TRANSFORM = """
import pulumi

def weaken(args):
    return pulumi.ResourceTransformResult(props={**args.props, "value": "insecure"}, opts=args.opts)

pulumi.CustomResource("test:index:Thing", "t", {"value": "secure"}, opts=pulumi.ResourceOptions(transforms=[weaken]))
"""

PARENT_TRANSFORM = """
import pulumi

def weaken(args):
    if args.type_ == "test:index:Thing":
        return pulumi.ResourceTransformResult(props={**args.props, "value": "insecure"}, opts=args.opts)
    return None

class Box(pulumi.ComponentResource):
    def __init__(self, name, opts=None):
        super().__init__("test:index:Box", name, None, opts)
        pulumi.CustomResource("test:index:Thing", "t", {"value": "secure"}, opts=pulumi.ResourceOptions(parent=self))
        self.register_outputs({})

Box("box", opts=pulumi.ResourceOptions(transforms=[weaken]))
"""

STACK_TRANSFORM = """
import pulumi

def weaken(args):
    if args.type_ == "test:index:Thing":
        return pulumi.ResourceTransformResult(props={**args.props, "value": "insecure"}, opts=args.opts)
    return None

pulumi.runtime.register_resource_transform(weaken)
pulumi.CustomResource("test:index:Thing", "t", {"value": "secure"})
"""

ASYNC_TRANSFORM = """
import asyncio
import pulumi

async def weaken(args):
    await asyncio.sleep(0)
    return pulumi.ResourceTransformResult(props={**args.props, "value": "insecure"}, opts=args.opts)

pulumi.CustomResource("test:index:Thing", "t", {"value": "secure"}, opts=pulumi.ResourceOptions(transforms=[weaken]))
"""


@pytest.mark.parametrize(
    "main",
    [RESOURCE_TRANSFORM, PARENT_TRANSFORM, STACK_TRANSFORM, ASYNC_TRANSFORM],
    ids=["own-transform", "parent-transform", "stack-transform", "async-transform"],
)
def test_a_transform_that_weakens_a_resource_is_judged_on_what_it_returns(tmp_path: Path, main: str) -> None:
    result, document = _preview(tmp_path, main)
    assert result.returncode == 1, result.stderr
    assert _flagged(document, "t"), document.get("findings")


def test_a_transform_that_fixes_a_resource_passes(tmp_path: Path) -> None:
    """The baseline of the cases above: the registered value is insecure, the transform fixes it."""
    result, document = _preview(tmp_path, RESOURCE_TRANSFORM.replace('"value": "secure"', '"value": "x"').replace('"insecure"', '"fixed"'))
    assert result.returncode == 0, result.stderr
    assert _mandatory(document) == []


def test_transforms_run_own_then_parents_then_stack(tmp_path: Path) -> None:
    """source_eval.go: the resource's own transforms, then each ancestor's (nearest first), then the stack's."""
    main = textwrap.dedent(
        """
        import pulumi

        def mark(tag):
            def transform(args):
                if args.type_ != "test:index:Thing":
                    return None
                return pulumi.ResourceTransformResult(props={**args.props, "value": args.props["value"] + "-" + tag}, opts=args.opts)
            return transform

        pulumi.runtime.register_resource_transform(mark("stack"))

        class Box(pulumi.ComponentResource):
            def __init__(self, name, inner=False, opts=None):
                super().__init__("test:index:Box", name, None, opts)
                if inner:
                    pulumi.CustomResource("test:index:Thing", "t", {"value": "v"},
                                          opts=pulumi.ResourceOptions(parent=self, transforms=[mark("own")]))
                else:
                    Box(name + "-inner", inner=True, opts=pulumi.ResourceOptions(parent=self, transforms=[mark("inner")]))
                self.register_outputs({})

        Box("outer", opts=pulumi.ResourceOptions(transforms=[mark("outer")]))
        """
    )
    program = write_project(tmp_path / "program", {"__main__.py": main})
    result = runner.run(program, "dev", write_pack(tmp_path / "pack"))
    (thing,) = [r for r in result.resources if r.type == "test:index:Thing"]
    assert thing.inputs["value"] == "v-own-inner-outer-stack"


def test_a_transform_can_change_options_the_pack_sees(tmp_path: Path) -> None:
    main = """
    import pulumi

    def unprotect(args):
        return pulumi.ResourceTransformResult(props=args.props, opts=pulumi.ResourceOptions.merge(args.opts, pulumi.ResourceOptions(protect=False)))

    pulumi.CustomResource("test:index:Thing", "t", {"value": "v"}, opts=pulumi.ResourceOptions(protect=True, transforms=[unprotect]))
    """
    program = write_project(tmp_path / "program", {"__main__.py": textwrap.dedent(main)})
    result = runner.run(program, "dev", write_pack(tmp_path / "pack"))
    (thing,) = [r for r in result.resources if r.type == "test:index:Thing"]
    assert thing.options.protect is False


# --- remote components ----------------------------------------------------------------------------


def test_a_remote_component_is_a_mandatory_finding_never_zero_resources(tmp_path: Path) -> None:
    main = """
    import pulumi

    class Gateway(pulumi.ComponentResource):
        def __init__(self, name):
            super().__init__("aizone:index:AiGateway", name, {"publicNetworkAccess": "Enabled"}, None, remote=True)

    Gateway("gw")
    """
    result, document = _preview(tmp_path, main)
    assert result.returncode == 1, result.stderr
    urn = "urn:pulumi:dev::hostile::aizone:index:AiGateway::gw"
    assert (runner.REMOTE_COMPONENT_POLICY, urn) in _mandatory(document)
    (message,) = [f["message"] for f in document["findings"] if f["policy"] == runner.REMOTE_COMPONENT_POLICY]
    assert message.startswith("not analysed: component aizone:index:AiGateway of package aizone")


def test_this_projects_components_are_constructed_by_its_provider_and_their_children_judged(tmp_path: Path) -> None:
    """A program in another language uses ``pulumi package add <repo>/provider``, which names the
    package in Pulumi.yaml; its remote components are then constructed by that provider (the
    engine's Construct), which registers the component and its children with the gate's engine."""
    provider = Path(__file__).resolve().parents[2] / "provider"
    main = """
    import pulumi

    class DeletionGuard(pulumi.ComponentResource):
        def __init__(self, name, props):
            super().__init__("aizone:index:DeletionGuard", name, props, None, remote=True)

    DeletionGuard("guard", {"definitionName": "aizone-guard", "scope": "/subscriptions/00000000-0000-0000-0000-000000000000"})
    """
    program = write_project(
        tmp_path / "program",
        {"__main__.py": textwrap.dedent(main), "Pulumi.yaml": f"name: hostile\nruntime: python\npackages:\n  aizone: {provider}\n"},
    )
    result = runner.run(program, "dev", write_pack(tmp_path / "pack"))
    component = "urn:pulumi:dev::hostile::aizone:index:DeletionGuard::guard"
    children = sorted(r.type for r in result.resources if r.parent == component)
    assert children == ["azure-native:authorization:PolicyAssignment", "azure-native:authorization:PolicyDefinition"]
    (definition,) = [r for r in result.resources if r.type == "azure-native:authorization:PolicyDefinition"]
    assert definition.inputs["policyDefinitionName"] == "aizone-guard"
    assert [f for f in result.findings if f.policy == runner.REMOTE_COMPONENT_POLICY] == []


def test_a_transform_on_a_remote_component_reaches_the_children_its_provider_registers(tmp_path: Path) -> None:
    """source_eval.go keeps a remote component's transforms pending until its provider registers
    it; from there they apply to its children as a parent's transforms."""
    provider = Path(__file__).resolve().parents[2] / "provider"
    main = """
    import pulumi

    def rename(args):
        if args.type_ == "azure-native:authorization:PolicyDefinition":
            return pulumi.ResourceTransformResult(props={**args.props, "policyDefinitionName": "renamed"}, opts=args.opts)
        return None

    class DeletionGuard(pulumi.ComponentResource):
        def __init__(self, name, props, opts):
            super().__init__("aizone:index:DeletionGuard", name, props, opts, remote=True)

    DeletionGuard("guard", {"definitionName": "aizone-guard", "scope": "/subscriptions/00000000-0000-0000-0000-000000000000"},
                  pulumi.ResourceOptions(transforms=[rename]))
    """
    program = write_project(
        tmp_path / "program",
        {"__main__.py": textwrap.dedent(main), "Pulumi.yaml": f"name: hostile\nruntime: python\npackages:\n  aizone: {provider}\n"},
    )
    result = runner.run(program, "dev", write_pack(tmp_path / "pack"))
    (definition,) = [r for r in result.resources if r.type == "azure-native:authorization:PolicyDefinition"]
    assert definition.inputs["policyDefinitionName"] == "renamed"


# --- attacks ------------------------------------------------------------------------------------

FORGED_RESULT = """
import os, pickle, pulumi
from pulumi_aizone_gate.model import AnalysisResult, AnalyzerInfo, PreviewResult

pulumi.CustomResource("test:index:Thing", "t", {"value": "insecure"})
info = AnalyzerInfo(name="hostile-pack", version="0.0.1", supports_config=True, policies=(), initial_config={})
forged = pickle.dumps(("ok", PreviewResult(project="hostile", stack="dev", resources=[], analysis=AnalysisResult(info, []))))
written = []
# The gate's work directory is the last argument of the worker (the program's parent); the old
# gate read its verdict from result.pickle there. Only this run's directory is touched.
with open(f"/proc/{os.getppid()}/cmdline", "rb") as cmdline:
    work_dir = cmdline.read().split(b"\\0")[-2].decode()
for directory in [work_dir] if os.path.isdir(work_dir) else []:
    for name in ("result.pickle", "result.pickle.partial"):
        try:
            with open(os.path.join(directory, name), "wb") as handle:
                handle.write(forged)
            written.append(name)
        except OSError:
            pass
def gate_process(pid):
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as cmdline:
            return b"pulumi_aizone_gate" in cmdline.read()
    except OSError:
        return False

pid = os.getppid()
checked = 0
while pid > 1 and gate_process(pid):
    checked += 1  # the worker, then the command line's process; no further
    try:
        fds = os.listdir(f"/proc/{pid}/fd")
    except OSError:
        fds = []
    for fd in fds:
        try:
            descriptor = os.open(f"/proc/{pid}/fd/{fd}", os.O_WRONLY | os.O_NONBLOCK)
        except OSError:
            continue
        try:
            os.write(descriptor, b"\\0" * 32 + forged)
            written.append(f"{pid}/{fd}")
        except OSError:
            pass
        finally:
            os.close(descriptor)
    with open(f"/proc/{pid}/stat") as stat:
        pid = int(stat.read().rsplit(")", 1)[1].split()[1])
print("forged into", written)
print("checked processes:", checked)
print("result files written:", len([w for w in written if w.startswith("result")]))
"""


def test_a_forged_result_does_not_become_the_verdict(tmp_path: Path) -> None:
    """The program writes a "no findings" result where the old gate kept its result file, and
    into every descriptor of the gate's processes it can open; the verdict still comes from the
    engine, or there is none.

    As another user, the gate's processes are not dumpable, so their descriptors cannot be opened
    and the run ends with the engine's finding. As root (CAP_SYS_PTRACE) they can: the forged
    bytes then corrupt the authenticated result channel and the run has no verdict (exit 2)."""
    result, document = _preview(tmp_path, FORGED_RESULT)
    assert "result files written: 2" in result.stderr  # a file there is simply not read any more
    assert "checked processes: 2" in result.stderr  # the worker and the command line's process
    if os.geteuid() != 0:
        assert "forged into ['result.pickle', 'result.pickle.partial']" in result.stderr
        assert result.returncode == 1, result.stderr
        assert _flagged(document, "t"), document.get("findings")
    else:
        assert result.returncode in (1, 2), result.stderr
        if result.returncode == 2:
            assert "no verdict" in result.stderr
            assert document == {}
        else:
            assert _flagged(document, "t"), document.get("findings")


GATE_DETECTION = """
import os, sys, pulumi
from pulumi.runtime import settings

# The gate may be installed in this virtualenv; it must not be running in this interpreter.
markers = [name for name in sys.modules if name.split(".")[0] in ("pulumi_aizone_gate", "pulumi_aizone_policy", "pulumi_policy")]
if pulumi.runtime.settings.SETTINGS.monitor is None or "Mock" in type(settings.SETTINGS.monitor).__name__:
    markers.append("mock monitor")
markers += [key for key in os.environ if "OFFLINE" in key or "GATE" in key or "AIZONE" in key or key == "GRPC_ENABLE_FORK_SUPPORT"]
if type(settings.SETTINGS.monitor).__name__ != "ResourceMonitorStub" or not pulumi.runtime.is_dry_run():
    markers.append("monitor")
print("gate markers:", markers)
pulumi.CustomResource("test:index:Thing", "t", {"value": "secure" if markers else "insecure"})
"""


def test_a_program_that_looks_for_the_gate_finds_a_language_host(tmp_path: Path) -> None:
    """No gate module in the program's interpreter, no gate variable in its environment, a real
    gRPC monitor stub, a dry run: what ``pulumi preview`` gives it."""
    result, document = _preview(tmp_path, GATE_DETECTION)
    assert "gate markers: []" in result.stderr
    assert result.returncode == 1, result.stderr
    assert _flagged(document, "t"), document.get("findings")


def test_pack_files_rewritten_by_the_program_do_not_change_this_verdict(tmp_path: Path) -> None:
    """The pack described its policies before the program started: a program that empties the
    pack's files (a pack from the pull request would be worse: see the README) is still judged."""
    pack = write_pack(tmp_path / "pack")
    main = f"""
    import pathlib, pulumi
    for path in pathlib.Path({str(pack)!r}).rglob("*.py"):
        path.write_text("from pulumi_policy import PolicyPack\\nPolicyPack(name='hostile-pack', policies=[])\\n")
    pulumi.CustomResource("test:index:Thing", "t", {{"value": "insecure"}})
    """
    result, document = _preview(tmp_path, main, pack=pack)
    assert "policies=[]" in (pack / "__main__.py").read_text(encoding="utf-8")  # the attack did happen
    assert result.returncode == 1, result.stderr
    assert _flagged(document, "t"), document.get("findings")


LATE_THREAD = """
import threading, time, pulumi
from google.protobuf import struct_pb2
from pulumi.runtime import settings
from pulumi.runtime.proto import resource_pb2

monitor = settings.SETTINGS.monitor

def register_later():
    time.sleep(2)  # the program has returned and signalled completion by now
    request = resource_pb2.RegisterResourceRequest(type="test:index:Thing", name="late", custom=True)
    request.object.update({"value": "insecure"})
    try:
        monitor.RegisterResource(request)
        print("late registration accepted")
    except Exception as error:
        print("late registration refused:", type(error).__name__)

threading.Thread(target=register_later).start()
pulumi.CustomResource("test:index:Thing", "t", {"value": "secure"})
"""


def test_a_registration_after_the_program_completed_ends_without_verdict(tmp_path: Path) -> None:
    result, document = _preview(tmp_path, LATE_THREAD)
    assert result.returncode == 2, result.stderr
    assert "late registration refused" in result.stderr
    assert "test:index:Thing 'late' came after the program signalled completion" in result.stderr
    assert document == {}


def test_a_registration_after_completion_is_refused_in_the_library_api_too(tmp_path: Path) -> None:
    program = write_project(tmp_path / "program", {"__main__.py": LATE_THREAD})
    with pytest.raises(ProgramIncompleteError, match="came after the program signalled completion"):
        runner.run(program, "dev", write_pack(tmp_path / "pack"))


def test_the_program_runs_in_the_projects_virtualenv(tmp_path: Path) -> None:
    """``runtime.options.virtualenv`` selects the interpreter, as for the language host; one that
    does not exist falls back to the gate's interpreter, and the report says so."""
    venv = Path(__file__).resolve().parents[2] / "venv"
    main = "import sys, pulumi\nprint('prefix:', sys.prefix)\npulumi.CustomResource('test:index:Thing', 't', {'value': 'insecure'})\n"
    yaml = f"name: hostile\nruntime:\n  name: python\n  options:\n    virtualenv: {venv}\n"
    program = write_project(tmp_path / "program", {"__main__.py": main, "Pulumi.yaml": yaml})
    result = run_cli("--program", program, "--stack", "dev", "--policy-pack", write_pack(tmp_path / "pack"))
    assert result.returncode == 1, result.stderr
    assert f"prefix: {venv}" in result.stderr
    assert "runtime.options.virtualenv" not in result.stdout
    shutil.rmtree(tmp_path / "pack")
    missing = write_project(tmp_path / "missing", {"__main__.py": main, "Pulumi.yaml": yaml.replace(str(venv), "no-such-venv")})
    result = run_cli("--program", missing, "--stack", "dev", "--policy-pack", write_pack(tmp_path / "pack"))
    assert result.returncode == 1, result.stderr
    assert "note: runtime.options.virtualenv is 'no-such-venv' but" in result.stdout
    assert "the program ran with the gate's interpreter" in result.stdout
