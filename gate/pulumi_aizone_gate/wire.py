"""Property values in Pulumi's wire form, reduced to what the engine forwards to analyzers.

The SDK sends resource references and (rarely) output values as signature objects. The engine
marshals properties for ``Analyze``/``AnalyzeStack`` with ``KeepResources: false`` and
``SkipInternalKeys: true``: a resource reference becomes the referenced resource's id (custom
resources) or URN (components), and keys starting with ``__`` are dropped. pulumi-policy would
reject an unknown signature, so this conversion is not cosmetic. Secrets and the unknown sentinel
pass through unchanged, as they do in the engine.

Values the engine could not carry are refused here, naming the property: NaN and Infinity (JSON,
the engine's state and the pack's ``MessageToDict`` have no such numbers) and values nested more
than ``MAX_DEPTH`` levels deep (the pack deserializes recursively; 200 levels end in
``RecursionError`` there). The conversion walks the protobuf ``Struct`` directly, which is also
several times faster than ``json_format.MessageToDict`` followed by a second pass.
"""

from __future__ import annotations

import math
from typing import Any

from google.protobuf import struct_pb2

SIG_KEY = "4dabf18193072939515e22adb298388d"
RESOURCE_REFERENCE_SIG = "5cf8f73096256a8f31e491e813e4eb8e"
OUTPUT_VALUE_SIG = "d0e6a833031e9bbcd3f4e8bde6ca49a4"
SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270"
UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
"""The engine's sentinel for values not known during preview."""
MAX_DEPTH = 100
"""Deepest nesting of objects/arrays accepted in one property value."""


class PropertyValueError(ValueError):
    """A property value the engine cannot carry; ``path`` is its dotted path inside the resource."""

    def __init__(self, path: str, problem: str) -> None:
        super().__init__(f"property '{path or '(root)'}' {problem}")
        self.path = path
        self.problem = problem


def struct_to_analyzer_dict(struct: struct_pb2.Struct) -> dict[str, Any]:
    """A properties Struct from the SDK as the engine would forward it to a policy pack.

    Raises PropertyValueError for NaN/Infinity or nesting deeper than MAX_DEPTH.
    """
    result = _struct_value(struct, "", 0)
    return result if isinstance(result, dict) else {}


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _struct_value(struct: struct_pb2.Struct, path: str, depth: int) -> Any:
    if depth >= MAX_DEPTH:
        raise PropertyValueError(_short(path), f"is nested more than {MAX_DEPTH} levels deep")
    fields = struct.fields
    if SIG_KEY in fields:
        sig = fields[SIG_KEY].string_value
        if sig == RESOURCE_REFERENCE_SIG:
            ref_id = fields["id"].string_value if "id" in fields else ""
            return ref_id or (fields["urn"].string_value if "urn" in fields else "")
        if sig == OUTPUT_VALUE_SIG:
            inner = _value(fields["value"], _join(path, "value"), depth + 1) if "value" in fields else UNKNOWN
            secret = "secret" in fields and fields["secret"].bool_value
            return {SIG_KEY: SECRET_SIG, "value": inner} if secret else inner
    return {key: _value(item, _join(path, key), depth + 1) for key, item in fields.items() if not key.startswith("__")}


def _value(value: struct_pb2.Value, path: str, depth: int) -> Any:
    kind = value.WhichOneof("kind")
    if kind == "string_value":
        return value.string_value
    if kind == "struct_value":
        return _struct_value(value.struct_value, path, depth)
    if kind == "bool_value":
        return value.bool_value
    if kind == "number_value":
        number = value.number_value
        if not math.isfinite(number):
            raise PropertyValueError(_short(path), f"is {number!r}: NaN and Infinity are not valid property values")
        return number
    if kind == "list_value":
        if depth >= MAX_DEPTH:
            raise PropertyValueError(_short(path), f"is nested more than {MAX_DEPTH} levels deep")
        return [_value(item, f"{path}[{index}]", depth + 1) for index, item in enumerate(value.list_value.values)]
    return None


def _short(path: str, keep: int = 120) -> str:
    """A long (deeply nested) path with its middle elided, so the message stays one readable line."""
    return path if len(path) <= keep else f"{path[:60]}...{path[-50:]}"


def analyzer_value(value: Any) -> Any:
    """Recursively apply the engine's analyzer marshalling to an already-decoded JSON value."""
    if isinstance(value, dict):
        sig = value.get(SIG_KEY)
        if sig == RESOURCE_REFERENCE_SIG:
            ref_id = value.get("id")
            return ref_id if isinstance(ref_id, str) and ref_id else value.get("urn", "")
        if sig == OUTPUT_VALUE_SIG:
            inner = analyzer_value(value["value"]) if "value" in value else UNKNOWN
            return {SIG_KEY: SECRET_SIG, "value": inner} if value.get("secret") else inner
        return {key: analyzer_value(item) for key, item in value.items() if not key.startswith("__")}
    if isinstance(value, list):
        return [analyzer_value(item) for item in value]
    return value


def to_struct(values: dict[str, Any]) -> struct_pb2.Struct:
    """A JSON-like dict as a protobuf Struct."""
    struct = struct_pb2.Struct()
    struct.update(values)
    return struct
