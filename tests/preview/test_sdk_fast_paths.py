"""The offline preview's SDK shortcuts give the SDK's own results, value by value.

``test_the_sdk_fast_paths_record_exactly_what_the_sdk_records`` (test_offline_preview_api.py)
compares whole plans; these compare each shortcut with the SDK function it stands in for, on the
values where they differ in path: scalars against enums and numeric hints, the unknown sentinel,
top-level and nested None, and values the shortcuts must hand back to the SDK.
"""

from __future__ import annotations

import asyncio
import enum
from typing import Any, Optional, cast

import pulumi
import pulumi.runtime.mocks as pulumi_mocks
import pulumi.runtime.rpc as pulumi_rpc
import pytest
from google.protobuf import struct_pb2

from pulumi_aizone_gate import program, sdk_fast_paths


class Tier(str, enum.Enum):  # noqa: UP042 (azure-native generates its enums this way)
    HOT = "Hot"
    COOL = "Cool"


class Level(enum.IntEnum):
    LOW = 1
    HIGH = 2


PLAIN_STATE: dict[str, Any] = {
    "name": "st1",
    "dropped": None,
    "count": 3,
    "ratio": 0.5,
    "enabled": False,
    "sku": {"name": "Standard_ZRS", "tier": None, "capacity": 2},
    "rules": [{"action": "Allow", "ports": [443, 8443]}, None, "x"],
    "empty": {},
    "none_in_list": [None],
}


def _sdk_serialize(state: dict[str, Any]) -> tuple[Any, dict[str, list[Any]]]:
    deps: dict[str, list[Any]] = {}
    return asyncio.run(pulumi_rpc.serialize_properties(state, deps)), deps


def test_the_mock_monitors_plain_states_serialize_as_the_sdk_serializes_them() -> None:
    expected, expected_deps = _sdk_serialize(PLAIN_STATE)
    deps: dict[str, list[Any]] = {}
    shortcut = program._MockMonitorRpc.serialize_properties(PLAIN_STATE, deps)  # noqa: SLF001
    assert isinstance(shortcut, program._Serialized)  # noqa: SLF001
    assert shortcut.struct == expected
    assert shortcut.struct.SerializeToString(deterministic=True) == expected.SerializeToString(deterministic=True)
    assert "dropped" not in shortcut.struct  # top-level None left out, as the SDK does
    assert deps == expected_deps


@pytest.mark.parametrize(
    "state",
    [
        {"tuple": (1, 2)},  # a tuple is a Sequence to the SDK, not a plain list
        {"enum": Tier.HOT},
        {"nested": {1: "non-string key"}},
        {"resource-like": object()},
    ],
    ids=["tuple", "enum", "non-string-key", "object"],
)
def test_anything_but_plain_values_goes_to_the_sdk(state: dict[str, Any]) -> None:
    result = program._MockMonitorRpc.serialize_properties(state, {})  # noqa: SLF001
    assert asyncio.iscoroutine(result)
    result.close()


def test_the_mock_monitor_sees_the_sdk_module_for_everything_else() -> None:
    with program._plain_mock_states_at_once():  # noqa: SLF001
        assert pulumi_mocks.rpc.deserialize_properties is pulumi_rpc.deserialize_properties
        assert vars(pulumi_mocks)["_sync_await"](program._Serialized(struct_pb2.Struct())) == struct_pb2.Struct()  # noqa: SLF001
    assert pulumi_mocks.rpc is pulumi_rpc


@pytest.mark.parametrize("value", ["text", "", pulumi_rpc.UNKNOWN, 1.5, 2.0, True, False, None])
def test_scalars_deserialize_as_the_sdk_deserializes_them(value: Any) -> None:
    original = pulumi_rpc.deserialize_property
    with sdk_fast_paths.scalars_at_once():  # noqa: SLF001
        for keep_unknowns in (None, True, False):
            shortcut = pulumi_rpc.deserialize_property(value, keep_unknowns)
            expected = original(value, keep_unknowns)
            assert type(shortcut) is type(expected) and (shortcut == expected or value == pulumi_rpc.UNKNOWN)


@pytest.mark.parametrize(
    "value, hint",
    [
        ("Hot", Tier),
        ("Hot", Optional[Tier]),
        (2.0, Level),
        (2.0, int),
        (2.5, Optional[int]),
        (3, int),
        (True, int),
        ("text", str),
        ("text", Any),
        (1.5, float),
        (None, Tier),
        ("Hot", None),
        (False, Optional[bool]),
    ],
)
def test_scalar_outputs_translate_as_the_sdk_translates_them(value: Any, hint: Any) -> None:
    original = pulumi_rpc.translate_output_properties
    expected = original(value, lambda k: k, hint, True)
    with sdk_fast_paths.scalars_at_once():  # noqa: SLF001
        shortcut = pulumi_rpc.translate_output_properties(value, lambda k: k, hint, True)
        keyword = pulumi_rpc.translate_output_properties(value, lambda k: k, typ=hint)
    assert (shortcut, type(shortcut)) == (expected, type(expected))
    assert (keyword, type(keyword)) == (expected, type(expected))


def test_alias_fields_are_shared_only_when_plain() -> None:
    assert sdk_fast_paths._plain_alias_fields(pulumi.Alias(type_="azure-native:storage/v20210101:StorageAccount")) is not None  # noqa: SLF001
    assert sdk_fast_paths._plain_alias_fields(pulumi.Alias(name="old", parent=None)) is not None  # noqa: SLF001
    # Anything but exactly str/None/... goes to the SDK's create_alias_spec: a str enum, an input
    # that is not a string yet (an Output or awaitable), a parent resource.
    assert sdk_fast_paths._plain_alias_fields(pulumi.Alias(name=Tier.HOT)) is None  # noqa: SLF001
    assert sdk_fast_paths._plain_alias_fields(pulumi.Alias(stack=cast(Any, object()))) is None  # noqa: SLF001
    assert sdk_fast_paths._plain_alias_fields(pulumi.Alias(parent=cast(Any, object()))) is None  # noqa: SLF001
