"""The whole preview: project files -> program under mocks -> policy pack -> PreviewResult.

The pack subprocess is started before anything imports the Pulumi SDK, so its start-up (another
Python interpreter importing Pulumi and the policies) overlaps with our own imports and with running
the program, which is dominated by importing the SDK modules it uses.
"""

from __future__ import annotations

from pathlib import Path

from .model import PreviewResult
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
) -> PreviewResult:
    """Preview ``stack`` of the program in ``program_dir`` against the pack in ``pack_dir``.

    Raises a PreviewError subclass (see errors.py) for anything that makes the result meaningless;
    policy violations are not errors, they are in ``result.findings``.
    """
    project = load_project(Path(program_dir), stack)
    check_pack_dir(Path(pack_dir))
    given = load_policy_config(policy_config)
    process = PolicyPackProcess.start(Path(pack_dir), project.project, project.stack, project.config,
                                      project.secret_keys)
    try:
        # Imported here, after the pack was launched: these load the Pulumi SDK and gRPC.
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
        ) as session:
            program = run_program(project)
            analysis = session.analyze(program.resources, given)
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
