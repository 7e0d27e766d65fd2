"""Property values in Pulumi's wire form, reduced to what the engine forwards to analyzers.

The SDK sends resource references and (rarely) output values as signature objects. The engine
marshals properties for ``Analyze``/``AnalyzeStack`` with ``KeepResources: false`` and
``SkipInternalKeys: true``: a resource reference becomes the referenced resource's id (custom
resources) or URN (components), and keys starting with ``__`` are dropped. pulumi-policy would
reject an unknown signature, so this conversion is not cosmetic. Secrets and the unknown sentinel
pass through unchanged, as they do in the engine.
"""

from __future__ import annotations

from typing import Any

from google.protobuf import json_format, struct_pb2

SIG_KEY = "4dabf18193072939515e22adb298388d"
RESOURCE_REFERENCE_SIG = "5cf8f73096256a8f31e491e813e4eb8e"
OUTPUT_VALUE_SIG = "d0e6a833031e9bbcd3f4e8bde6ca49a4"
SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270"
UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
"""The engine's sentinel for values not known during preview."""


def struct_to_analyzer_dict(struct: struct_pb2.Struct) -> dict[str, Any]:
    """A properties Struct from the SDK as the engine would forward it to a policy pack."""
    return analyzer_value(json_format.MessageToDict(struct))


def analyzer_value(value: Any) -> Any:
    """Recursively apply the engine's analyzer marshalling (see module docstring)."""
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
