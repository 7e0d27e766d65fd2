"""The whole preview: project files -> policy pack -> the gate's engine -> program -> PreviewResult.

Order, as ``pulumi preview --policy-pack`` has it: the pack is started, configured and has
described its policies (``GetAnalyzerInfo``) before the program starts, so nothing the program
does can change which policies judge it. The engine (``engine.GateEngine``) serves the resource
monitor in this process; the program runs in its own process as the language host runs it
(``langhost.py``) and every resource is analysed as soon as it is registered. The verdict is
computed here, from what the engine recorded, after the program's process is gone.

``run`` works in the calling process (the library API). The command line runs it in a worker
process (``isolation.run_isolated``), whose result channel the program cannot reach. ``record``
is the test suite's in-process recorder (mocks, apply callbacks on Azure-like mock outputs), not a
gate.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Callable, Mapping, Optional

from .errors import (
    DuplicateUrnError,
    PreviewError,
    ProgramConfigError,
    ProgramFailedError,
    ProgramIncompleteError,
)
from .model import Finding, PreviewResult, Progress
from .pack_process import RPC_TIMEOUT_SECONDS, START_TIMEOUT_SECONDS, PolicyPackProcess, check_pack_dir
from .policy_config import PolicyConfigInput, load_policy_config
from .project import ProjectConfig, load_project

REMOTE_COMPONENT_POLICY = "gate-remote-component-not-analysed"
"""The mandatory finding of a component the gate cannot construct (see engine.py)."""
PROGRAM_GRACE_SECONDS = 5.0
"""How long past the pack's deadline the program may still run before the runner stops it."""
FAILED_EXIT_CODE = 32
"""The language host's "an error message was displayed to the user" exit code (program_host.py)."""


def run(
    program_dir: Path | str,
    stack: str,
    pack_dir: Path | str,
    policy_config: PolicyConfigInput = None,
    rpc_timeout: float = RPC_TIMEOUT_SECONDS,
    start_timeout: float = START_TIMEOUT_SECONDS,
    deadline: Optional[float] = None,
    progress: Optional[Progress] = None,
    environment: Optional[dict[str, str]] = None,
    stack_references: Optional[Mapping[str, Mapping[str, Any]]] = None,
) -> PreviewResult:
    """Preview ``stack`` of the program in ``program_dir`` against the pack in ``pack_dir``.

    ``deadline`` (a ``time.monotonic`` instant) bounds every call to the pack and the program's
    run. ``environment`` is the program's base environment (default: this process's).
    ``stack_references`` maps a stack name, as the program passes it to ``pulumi.StackReference``,
    to that stack's outputs; the outputs of any other referenced stack are unknown. Raises a
    PreviewError subclass (see errors.py) for anything that makes the result meaningless; policy
    violations are not errors, they are in ``result.findings``.
    """
    progress = progress or Progress()
    project = load_project(Path(program_dir), stack)
    check_pack_dir(Path(pack_dir))
    given = load_policy_config(policy_config)
    from .langhost import program_python

    _, interpreter_note = program_python(project)
    progress.enter("starting the policy pack")
    process = PolicyPackProcess.start(Path(pack_dir), project.project, project.stack, project.config, project.secret_keys)
    try:
        from .engine import EngineServer, GateEngine, default_parallel
        from .langhost import component_packages, start_program

        with _session(process, project, rpc_timeout, start_timeout, deadline) as session:
            stream = session.stream(given, _config_file(policy_config))
            try:
                stream.wait_configured()
                engine = GateEngine(
                    project.project,
                    project.stack,
                    _provider_config(project.config),
                    on_record=stream.submit,
                    config=project.config,
                    secret_keys=tuple(project.secret_keys),
                    component_packages=component_packages(project.program_dir),
                    stack_references=stack_references,
                )
                progress.registered = engine.program_resource_count
                server = EngineServer(engine)
                try:
                    progress.enter("running the program")
                    program = start_program(project, server.address, server.address, default_parallel(), environment)
                    code = _wait(program.process, deadline)
                finally:
                    record = server.stop()
                output = program.output()
                try:
                    _check_program(record, code, project, engine.failure_note)
                except PreviewError as error:
                    if output.strip():
                        error.message += f"; its output:\n{output.rstrip()}"
                        error.args = (error.message,)
                    raise
                if output:
                    sys.stderr.write(output)
                    sys.stderr.flush()
            except BaseException:
                stream.abandon()
                raise
            progress.enter(f"analysing {len(record.resources)} resources with the policy pack")
            analysis = stream.finish(record.resources)
    finally:
        process.close()
    analysis.findings.extend(
        Finding(
            policy=REMOTE_COMPONENT_POLICY,
            controls=(),
            urn=component.urn,
            level="mandatory",
            message=(
                f"not analysed: component {component.type} of package {component.package} is constructed by its "
                "provider plugin, which the offline gate does not run; its children were never registered here"
            ),
        )
        for component in record.remote_components
    )
    return PreviewResult(
        project=project.project,
        stack=project.stack,
        resources=record.resources,
        analysis=analysis,
        notes=project.notes + ([interpreter_note] if interpreter_note else []),
        program_errors=record.errors,
        program_warnings=record.warnings,
        invokes=record.invokes,
    )


def record(
    program_dir: Path | str,
    stack: str,
    pack_dir: Path | str,
    policy_config: PolicyConfigInput = None,
    rpc_timeout: float = RPC_TIMEOUT_SECONDS,
    start_timeout: float = START_TIMEOUT_SECONDS,
    deadline: Optional[float] = None,
    progress: Optional[Progress] = None,
    stack_references: Optional[Mapping[str, Mapping[str, Any]]] = None,
) -> PreviewResult:
    """Record ``stack`` of the program in *this* process under mocks and analyse it with the pack.

    Not the gate (``run`` is): the program runs in the caller's interpreter with Pulumi's mocks
    and ``preview=False`` (apply callbacks run on mock outputs that look like Azure's), so tests
    can read the wiring of a plan (ids, names, scopes). A program could tell it apart and a
    verdict from it proves nothing; the test suite uses it to inspect its own program.
    """
    progress = progress or Progress()
    project = load_project(Path(program_dir), stack)
    check_pack_dir(Path(pack_dir))
    given = load_policy_config(policy_config)
    progress.enter("starting the policy pack and loading the Pulumi SDK")
    process = PolicyPackProcess.start(Path(pack_dir), project.project, project.stack, project.config, project.secret_keys)
    try:
        # Imported here, after the pack was launched: these load the Pulumi SDK and gRPC.
        from . import azure_mocks
        from .program import run_program

        with _session(process, project, rpc_timeout, start_timeout, deadline) as session:
            # Each resource is analysed as soon as it is registered, while the program goes on.
            stream = session.stream(given, _config_file(policy_config))
            progress.enter("running the program")
            azure_mocks.STACK_REFERENCES = {name: dict(outputs) for name, outputs in (stack_references or {}).items()}
            try:
                program = run_program(project, progress, on_record=stream.submit)
            except BaseException:
                stream.abandon()
                raise
            finally:
                azure_mocks.STACK_REFERENCES = {}
            progress.enter(f"analysing {len(program.resources)} resources with the policy pack")
            analysis = stream.finish(program.resources)
    finally:
        process.close()
    return PreviewResult(
        project=project.project,
        stack=project.stack,
        resources=program.resources,
        analysis=analysis,
        notes=project.notes,
        program_errors=program.errors,
        program_warnings=program.warnings,
        invokes=program.invokes,
    )


def _session(
    process: PolicyPackProcess, project: ProjectConfig, rpc_timeout: float, start_timeout: float, deadline: Optional[float]
) -> Any:
    """The analyzer session with the started pack, configured for the project's stack (shared by
    ``run`` and ``record``; imported here because it loads the SDK's gRPC modules)."""
    from .analyzer import PolicyPackSession

    return PolicyPackSession(
        process,
        project.project,
        project.stack,
        project.config,
        project.secret_keys,
        rpc_timeout=rpc_timeout,
        start_timeout=start_timeout,
        stack_tags=project.stack_tags,
        deadline=deadline,
    )


def _config_file(policy_config: PolicyConfigInput) -> str:
    """The policy config's file name, for error messages ("" when given as a mapping)."""
    return str(policy_config) if isinstance(policy_config, (str, Path)) else ""


def _wait(program: subprocess.Popen[bytes], deadline: Optional[float]) -> int:
    """The program's exit code; a little after the deadline it is killed and the run has no verdict
    (the command line's worker stops itself at its deadline first, saying where the run was)."""
    timeout = None if deadline is None else max(0.0, deadline + PROGRAM_GRACE_SECONDS - time.monotonic())
    try:
        return program.wait(timeout)
    except subprocess.TimeoutExpired:
        program.kill()
        program.wait()
        raise ProgramIncompleteError("the program did not finish before the deadline; it was stopped; no verdict") from None
    finally:
        if program.poll() is None:
            program.kill()
            program.wait()


def _check_program(record: object, code: int, project: ProjectConfig, failure_note: Callable[[str], str] = lambda _: "") -> None:
    """Raise why the run has no verdict, if it has none (see the module docstring).
    ``failure_note`` names the values the gate supplied offline that a failure may come from."""
    from .engine import EngineRecord

    assert isinstance(record, EngineRecord)
    registered = sum(1 for r in record.resources if not r.synthesized and r.type != "pulumi:pulumi:Stack")
    if record.invalid_properties:
        raise record.invalid_properties[0]
    if record.duplicate_urns:
        raise DuplicateUrnError(record.duplicate_urns[0])
    if record.failures:
        raise PreviewError(f"the gate's engine failed: {record.failures[0]}; no verdict")
    if record.late_registrations:
        raise ProgramIncompleteError(
            f"{record.late_registrations[0]} came after the program signalled completion "
            "(a thread or process still registering); no verdict: every resource must be registered before the program ends"
        )
    if code == FAILED_EXIT_CODE and record.errors:
        text = record.errors[-1].removeprefix("Program failed with an unhandled exception:").strip()
        last = text.strip().splitlines()[-1] if text.strip() else "unknown error"
        note = failure_note(text)
        raise ProgramFailedError(f"{last}{note}", text)
    if code == 1 and record.errors:
        raise ProgramConfigError(record.errors[-1], registered)
    if code != 0 or not record.shutdown_signalled:
        if code < 0:
            how = f"was killed by {_signal_name(-code)}"
        else:
            how = f"ended with exit code {code} without completing (for example sys.exit({code}) or os._exit({code}) in the program)"
        raise ProgramIncompleteError(
            f"the program's process {how} while running the program, before it finished "
            f"({registered} resource(s) registered so far); "
            "no verdict: the program must run to completion and every resource must be analysed"
        )


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"


def _provider_config(config: dict[str, str]) -> dict[str, dict[str, str]]:
    """Config grouped by namespace: the inputs of each package's default provider."""
    grouped: dict[str, dict[str, str]] = {}
    for key, value in config.items():
        namespace, _, name = key.partition(":")
        grouped.setdefault(namespace, {})[name] = value
    return grouped
