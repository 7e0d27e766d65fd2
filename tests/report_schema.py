"""The gate's published ``--json`` schema (gate/pulumi_aizone_gate/report.schema.json): every JSON
report the tests produce is checked against it with ``jsonschema``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema

from pulumi_aizone_gate.report import JSON_SCHEMA_FILE

SCHEMA: dict[str, Any] = json.loads(JSON_SCHEMA_FILE.read_text(encoding="utf-8"))
_VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)


def check_report(document: Any) -> dict[str, Any]:
    """``document`` if it is valid against the published schema; else an AssertionError listing every error."""
    errors = sorted(_VALIDATOR.iter_errors(document), key=lambda e: [str(part) for part in e.absolute_path])
    assert [f"{e.json_path}: {e.message}" for e in errors[:20]] == [], f"{len(errors)} schema error(s)"
    assert isinstance(document, dict)
    return document


def load_report(path: Path) -> dict[str, Any]:
    """The JSON report at ``path``, checked against the published schema."""
    return check_report(json.loads(path.read_text(encoding="utf-8")))
