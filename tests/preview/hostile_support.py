"""Small generated projects and policy packs for the hostile-input tests.

Programs register plain ``test:index:Thing`` custom resources (no cloud SDK to import, so each
preview is quick); packs are a few lines of pulumi_policy with a switch for how they misbehave.
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Mapping, Optional, Union

FileContent = Union[str, bytes]

PULUMI_YAML = "name: hostile\nruntime: python\n"
STACK_YAML = "config:\n  hostile:size: small\n"
MAIN_OK = textwrap.dedent(
    """\
    import pulumi
    first = pulumi.CustomResource("test:index:Thing", "first", {"value": 1})
    second = pulumi.CustomResource("test:index:Thing", "second", {"value": first.id})
    pulumi.export("second", second.id)
    """
)


def write_project(root: Path, files: Mapping[str, Optional[FileContent]]) -> Path:
    """A project directory: the defaults above, overridden (or removed, with None) by ``files``."""
    contents: dict[str, Optional[FileContent]] = {
        "Pulumi.yaml": PULUMI_YAML,
        "Pulumi.dev.yaml": STACK_YAML,
        "__main__.py": MAIN_OK,
    }
    contents.update(files)
    root.mkdir(parents=True, exist_ok=True)
    for name, content in contents.items():
        if content is None:
            continue
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return root


PACK_MAIN = textwrap.dedent(
    """\
    import os
    import sys
    import time

    from pulumi_policy import (
        EnforcementLevel, PolicyConfigSchema, PolicyPack, ResourceValidationPolicy, StackValidationPolicy,
    )

    MODE = {mode!r}
    PID_FILE = {pid_file!r}
    if PID_FILE:
        with open(PID_FILE, "w", encoding="utf-8") as handle:
            handle.write(str(os.getpid()))
    if MODE == "crash-at-start":
        raise RuntimeError("hostile pack: broken at start")
    if MODE == "hang-at-start":
        while True:
            time.sleep(0.1)
    if MODE == "stdout-noise":
        print("hello from a pack that prints before it serves")


    def check_thing(args, report_violation):
        if MODE == "hang-in-analyze":
            while True:
                time.sleep(0.1)
        if MODE == "raise-in-analyze":
            raise ValueError("hostile pack: a policy raised")
        if MODE == "exit-in-analyze":
            os._exit(0)
        if args.props.get("value") == "insecure":
            report_violation("[TST-1] value must not be 'insecure'.", None)


    def report_config(args, report_violation):
        size = len(os.environ.get("PULUMI_CONFIG", ""))
        report_violation(f"[TST-2] the pack received PULUMI_CONFIG of {{size}} characters", None)


    PolicyPack(
        name="hostile-pack",
        enforcement_level=EnforcementLevel.MANDATORY,
        policies=[
            ResourceValidationPolicy(
                name="hostile-thing-value",
                description="[TST-1] Things are not insecure.",
                validate=check_thing,
                config_schema=PolicyConfigSchema(
                    properties={{
                        "allowedValues": {{"type": "array", "items": {{"type": "string"}}, "default": []}},
                        "exemptions": {{"type": "array", "default": [], "items": {{
                            "type": "object",
                            "properties": {{
                                "resource": {{"type": "string", "minLength": 1}},
                                "reason": {{"type": "string", "minLength": 1}},
                                "expires": {{"type": "string", "pattern": "^[0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}}$"}},
                            }},
                            "required": ["resource", "reason", "expires"],
                        }}}},
                    }},
                ),
            ),
            StackValidationPolicy(
                name="hostile-config-size",
                description="[TST-2] Reports how much stack config reached the pack.",
                enforcement_level=EnforcementLevel.ADVISORY,
                validate=report_config,
            ),
        ],
    )
    """
)


def write_pack(root: Path, mode: str = "", pid_file: Optional[Path] = None, manifest: Optional[str] = None) -> Path:
    """A policy pack that misbehaves as ``mode`` says (see PACK_MAIN), optionally writing its pid."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "PulumiPolicy.yaml").write_text(
        manifest if manifest is not None else "runtime: python\ndescription: hostile test pack\n", encoding="utf-8"
    )
    (root / "__main__.py").write_text(PACK_MAIN.format(mode=mode, pid_file=str(pid_file) if pid_file else ""), encoding="utf-8")
    return root


def write_json(path: Path, document: object) -> Path:
    """``document`` as a JSON file."""
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def is_alive(pid: int) -> bool:
    """True if ``pid`` is a live process (a zombie waiting to be reaped counts as dead)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text(encoding="utf-8")
    except OSError:
        return False
    for line in status.splitlines():
        if line.startswith("State:"):
            return "Z" not in line.split(":", 1)[1].split()[0]
    return True
