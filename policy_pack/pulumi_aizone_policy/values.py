"""Safe, plain views of resource properties.

Under pulumi_policy's own servicer, properties come wrapped in its unknown-checking proxies: reading
a value that is unknown during preview raises `UnknownValueError`; and a stack can hold any shape at
all (a string where an object is expected, `None`, a number sent as a float). Every policy reads
properties through this module instead:

- `to_plain` converts the proxies once into plain dicts, lists and scalars, replacing every unknown
  value with the `UNKNOWN` sentinel (no exception is ever raised later). The pack's servicer
  converts the protobuf message straight into those plain values (`PlainProps`, or `LazyProps`
  key by key), once per resource for every policy, and `plain_props` takes them as they are;
- `get` walks a dotted path and returns the value, `None` when anything on the way is absent or has
  the wrong shape, or `UNKNOWN`;
- small normalizers compare enum strings case-insensitively and parse identity type strings, which
  azure-native spells differently per module ("SystemAssigned, UserAssigned" vs
  "SystemAssigned,UserAssigned").

This module imports nothing from Pulumi so that it stays cheap to import.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any, Final

# The sentinels the engine uses for values that are unknown during preview (pulumi_policy's
# proxy.py and pulumi's sdk/go/common/resource/plugin/rpc.go). A plain string equal to one of them
# means "unknown", whatever the expected type.
UNKNOWN_SENTINELS: Final[frozenset[str]] = frozenset(
    {
        "1c4a061d-8072-4f0a-a4cb-0ff528b18fe7",  # boolean
        "3eeb2bf0-c639-47a8-9e75-3b44932eb421",  # number
        "04da6b54-80e4-46f7-96ec-b56ff0331ba9",  # string
        "6a19a0b0-7e62-4c92-b797-7f8e31da9cc2",  # array
        "030794c1-ac77-496b-92df-f27374a8bd58",  # asset
        "e48ece36-62e2-4504-bad9-02848725956a",  # archive
        "dd056dcd-154b-4c76-9bd3-c8f88648b5ff",  # object
    }
)


class Unknown:
    """Type of the `UNKNOWN` sentinel: a value that is only known after `pulumi up` creates it."""

    _instance: Unknown | None = None

    def __new__(cls) -> Unknown:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "<unknown during preview>"

    def __bool__(self) -> bool:
        return False


UNKNOWN: Final[Unknown] = Unknown()


class PlainProps(dict[str, object]):
    """Resource properties that are already plain (what `to_plain` returns: dicts, lists,
    scalars and `UNKNOWN`), converted once per request by the pack's servicer straight from the
    protobuf message and shared read-only by every policy that judges the resource; readers skip
    the conversion (`plain_props`)."""


class LazyProps(Mapping[str, object]):
    """Resource properties converted to plain values key by key, on first read: stack policies
    read a few properties of most resources, so converting everything up front would cost more
    than the reads. `source` maps each key to its raw value, `convert` makes it plain."""

    __slots__ = ("_source", "_convert", "_plain")

    def __init__(self, source: Mapping[str, Any], convert: Callable[[Any], object]) -> None:
        self._source = source
        self._convert = convert
        self._plain: dict[str, object] = {}

    def __getitem__(self, key: str) -> object:
        try:
            return self._plain[key]
        except KeyError:
            if key not in self._source:
                raise
        value = self._plain[key] = self._convert(self._source[key])
        return value

    def get(self, key: str, default: object = None) -> object:
        """The converted value, or `default` when the key is absent (without Mapping's KeyError)."""
        if key in self._plain:
            return self._plain[key]
        if key not in self._source:
            return default
        value = self._plain[key] = self._convert(self._source[key])
        return value

    def __iter__(self) -> Iterator[str]:
        return iter(self._source)

    def __len__(self) -> int:
        return len(self._source)

    def plain(self) -> PlainProps:
        """Every property, converted."""
        return PlainProps((key, self[key]) for key in self._source)


def plain_props(value: object) -> object:
    """`to_plain(value)`, without a second conversion of properties that are already plain."""
    if isinstance(value, PlainProps):
        return value
    if isinstance(value, LazyProps):
        return value.plain()
    return to_plain(value)


def is_unknown(value: object) -> bool:
    """True for the `UNKNOWN` sentinel."""
    return value is UNKNOWN


def read_item(container: Mapping[Any, object] | Sequence[object], key: object) -> object:
    """Read one item of a (possibly proxied) container: `None` when absent, `UNKNOWN` when unknown.

    pulumi_policy's proxies raise `UnknownValueError` when an unknown is read (also from `in` and
    `.get()`, which read the value); the exception is matched by name so that this module does
    not import pulumi_policy.
    """
    try:
        return container[key]  # type: ignore[index]
    except (KeyError, IndexError):
        return None
    except Exception as error:  # noqa: BLE001 - only the proxy's unknown error is expected here
        if type(error).__name__ == "UnknownValueError":
            return UNKNOWN
        raise


def to_plain(value: object) -> object:
    """Deep-convert proxied properties into plain dicts/lists/scalars with `UNKNOWN` sentinels."""
    if isinstance(value, str):
        return UNKNOWN if value in UNKNOWN_SENTINELS else value
    if isinstance(value, Mapping):
        mapping: Mapping[object, object] = value
        return {str(key): to_plain(read_item(mapping, key)) for key in list(mapping)}
    if isinstance(value, Sequence) and not isinstance(value, (bytes, bytearray)):
        sequence: Sequence[object] = value
        return [to_plain(read_item(sequence, index)) for index in range(len(sequence))]
    return value


def get(props: object, path: str) -> object:
    """Value at a dotted path (`"properties.networkAcls.defaultAction"`) of plain properties.

    Returns `None` when a step is absent, `None`, or not an object (a wrong shape counts as absent,
    so the rule reports it as "not set"), and `UNKNOWN` when a step is unknown.
    """
    current: object = props
    for step in path.split("."):
        if current is UNKNOWN:
            return UNKNOWN
        if not isinstance(current, dict):
            return None
        current = current.get(step)
    return current


def items(value: object) -> list[object]:
    """The elements of a list value; an empty list for anything else (absent, wrong shape or
    unknown: callers check `value is UNKNOWN` first when an unknown list matters)."""
    if isinstance(value, list):
        return list(value)
    return []


def as_dict(value: object) -> dict[str, object] | None:
    """The value if it is an object (dict), else `None`."""
    if isinstance(value, dict):
        return value
    return None


def as_number(value: object) -> float | None:
    """A JSON number as float (protobuf Structs carry every number as a double); bools excluded."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    return None


def str_or_none(value: object) -> str | None:
    """The value if it is a non-empty string, else `None`."""
    if isinstance(value, str) and value:
        return value
    return None


def is_set(value: object) -> bool:
    """True when a value is present: unknown counts as set (it will hold a value after apply)."""
    if value is UNKNOWN:
        return True
    if value is None:
        return False
    if isinstance(value, (str, list, dict)):
        return len(value) > 0
    return True


def eq_ci(value: object, expected: str) -> bool:
    """Case-insensitive equality of a string property with an expected enum value."""
    return isinstance(value, str) and value.strip().lower() == expected.lower()


def in_ci(value: object, allowed: Iterable[str]) -> bool:
    """Case-insensitive membership of a string property in a set of enum values."""
    return isinstance(value, str) and value.strip().lower() in {item.lower() for item in allowed}


_NAME_NOISE = re.compile(r"[\s_\-]+")


def normalize_name(value: object) -> str:
    """Lower-case a free-form name and drop blanks, underscores and hyphens ("Indirect Attack",
    "indirect_attack" and "IndirectAttack" all become "indirectattack")."""
    if not isinstance(value, str):
        return ""
    return _NAME_NOISE.sub("", value).lower()


def identity_types(identity: object) -> frozenset[str] | None:
    """Normalized managed-identity kinds of an `identity` block, or None when it is unknown.

    azure-native spells the combined type "SystemAssigned, UserAssigned" in some modules and
    "SystemAssigned,UserAssigned" in others; both become {"systemassigned", "userassigned"}.
    "None" and absent identities give an empty set.
    """
    kind = get(identity, "type")
    if identity is UNKNOWN or kind is UNKNOWN:
        return None
    if not isinstance(kind, str):
        return frozenset()
    parts = {part.strip().lower() for part in kind.split(",")}
    return frozenset(part for part in parts if part in ("systemassigned", "userassigned"))


def _json_kind(value: object) -> str:
    """The JSON kind of a value, as messages name it."""
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return "a value of another kind"


def noncanonical_bool(value: object, expected: bool) -> str | None:
    """How a message names a value that stands for a boolean without being one ("true", 1, "False"),
    e.g. `"true" (a string), expected the boolean true`; None when the value is a real boolean or
    absent. Such values are never accepted as the secure setting (fail safe): what the engine, the
    provider and ARM make of a string "true" differs between them."""
    if value is None or value is UNKNOWN or isinstance(value, bool):
        return None
    shown = f'"{value}"' if isinstance(value, str) else (describe(value) if isinstance(value, (int, float)) else repr(value))
    return f"{shown} ({_json_kind(value)}), expected the boolean {'true' if expected else 'false'}"


def near_miss(value: object, allowed: Iterable[str]) -> str | None:
    """The allowed enum value that `value` spells with stray blanks or another case (`" Disabled"`,
    `"disabled"`), None when it matches one exactly or none at all."""
    if not isinstance(value, str):
        return None
    options = tuple(allowed)
    if value in options:
        return None
    folded = value.strip().lower()
    for option in options:
        if option.lower() == folded:
            return option
    return None


def is_exactly(value: object, allowed: Iterable[str]) -> bool:
    """True when a string property is exactly one of the allowed (secure) enum values: odd case or
    stray blanks do not count (fail safe; `near_miss` names the intended value)."""
    return isinstance(value, str) and value in tuple(allowed)


def describe_against(value: object, allowed: Iterable[str]) -> str:
    """`describe(value)`, or, for a near miss of an allowed enum value, the exact value and what
    it should be: `" disabled" (a string that is not exactly 'Disabled')`."""
    intended = near_miss(value, allowed)
    if intended is not None:
        return f"\"{value}\" (a string that is not exactly '{intended}')"
    return describe(value)


def describe(value: object) -> str:
    """Short human rendering of a property value for violation messages."""
    if value is None:
        return "not set"
    if value is UNKNOWN:
        return "unknown until apply"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, str):
        return f"'{value}'"
    return repr(value)
