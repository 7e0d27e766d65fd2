"""The whole preview: project files -> program under mocks -> policy pack -> PreviewResult.

The pack subprocess is started before anything imports the Pulumi SDK, so its start-up (another
Python interpreter importing Pulumi and the policies) overlaps with our own imports and with running
the program, which is dominated by importing the SDK modules it uses.

``run`` works in the calling process (the library API). The command line runs it in a worker
process instead (``isolation.run_isolated``), so that a program that ends its process, hangs or is
killed yields an error rather than a silent "no findings".
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping, Optional

from .model import PreviewResult, Progress
from .pack_process import RPC_TIMEOUT_SECONDS, START_TIMEOUT_SECONDS, PolicyPackProcess, check_pack_dir
from .policy_config import PolicyConfigInput, load_policy_config
from .project import load_project


def run(
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
    """Preview ``stack`` of the program in ``program_dir`` against the pack in ``pack_dir``.

    ``deadline`` (a ``time.monotonic`` instant) bounds every call to the pack.
    ``stack_references`` maps a stack name, as the program passes it to ``pulumi.StackReference``,
    to that stack's outputs; the outputs of any other referenced stack are unknown. Raises a
    PreviewError subclass (see errors.py) for anything that makes the result meaningless; policy
    violations are not errors, they are in ``result.findings``.
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
        from .analyzer import PolicyPackSession
        from .program import run_program

        with PolicyPackSession(
            process,
            project.project,
            project.stack,
            project.config,
            project.secret_keys,
            rpc_timeout=rpc_timeout,
            start_timeout=start_timeout,
            stack_tags=project.stack_tags,
            deadline=deadline,
        ) as session:
            # Each resource is analysed as soon as it is registered, while the program goes on.
            stream = session.stream(given, str(policy_config) if isinstance(policy_config, (str, Path)) else "")
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
