"""Record a program's plan in a fresh process (Pulumi's mocks can be set once per process) and
write it as JSON: every resource (type, name, inputs, outputs, provider, protect, dependencies),
and every invoke with the provider reference the engine received for it. The program runs under
the offline preview's mocks without the policy pack (the dev stack's pack run is in conftest's
`dev_preview`); findings are therefore not part of this record.

Usage: python tests/record_plan.py PROGRAM_DIR STACK OUT.json
(AIZONE_MOCK_SUBSCRIPTION_ID in the environment sets the mocks' subscription.)
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pulumi.runtime.mocks import MockCallArgs  # noqa: E402

from pulumi_aizone_gate import program as program_module  # noqa: E402
from pulumi_aizone_gate.azure_mocks import AzureMocks  # noqa: E402
from pulumi_aizone_gate.project import load_project  # noqa: E402

CALLS: list[dict[str, str]] = []


class RecordingCalls(AzureMocks):
    """The preview's mocks, also noting which provider each invoke was sent to."""

    def call(self, args: MockCallArgs) -> Any:
        CALLS.append({"token": args.token, "provider": args.provider or ""})
        return super().call(args)


def main(program_dir: str, stack: str, out: str) -> None:
    program_module.AzureMocks = RecordingCalls  # test hook: the class run_program instantiates
    result = program_module.run_program(load_project(Path(program_dir), stack))
    resources = [
        {
            "urn": r.urn,
            "type": r.type,
            "name": r.name,
            "custom": r.custom,
            "id": r.id,
            "parent": r.parent,
            "inputs": r.inputs,
            "outputs": r.outputs,
            "provider": r.provider,
            "protect": bool(r.options.protect),
            "deleteBeforeReplace": r.options.delete_before_replace,
            "retainOnDelete": r.options.retain_on_delete,
            "importId": r.options.import_id,
            "ignoreChanges": list(r.options.ignore_changes),
            "aliases": list(r.options.aliases),
            "propertyDependencies": r.property_dependencies,
            "synthesized": r.synthesized,
        }
        for r in result.resources
    ]
    Path(out).write_text(json.dumps({"resources": resources, "calls": CALLS, "errors": result.errors}, default=str))


if __name__ == "__main__":
    main(*sys.argv[1:4])
