"""Policy configuration: JSON schemas, defaults, a small schema validator and exemptions.

The Pulumi CLI reads `--policy-pack-config` (and Pulumi Cloud's per-group config), fills in every
policy's schema defaults, applies `{"all": <level>}` and per-policy `{"<policy>": <level or
object>}` entries, validates the result against each policy's JSON schema and sends it to the pack
(`Configure`). Configuration is per policy: there are no pack-wide keys, so a key such as
`allowPublicGateway` lives in the config of the one policy that reads it.

Every policy accepts `exemptions`: a list of `{"resource", "reason", "expires"}` entries (all
required). An exemption that has not expired turns the policy's violations for that resource into
an advisory note "exempted until <date>: <reason>"; an expired one is ignored and the violation
says so. The CLI rejects entries without a reason or expiry through the schema; the pack parses
entries again at run time (it can be driven without the CLI) and ignores malformed ones, saying
why.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Final

from .values import as_number

JsonSchema = Mapping[str, object]

DATE_PATTERN: Final[str] = "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"

EXEMPTIONS_KEY: Final[str] = "exemptions"

EXEMPTIONS_SCHEMA: Final[JsonSchema] = {
    "type": "array",
    "description": (
        "Time-boxed exemptions: a violation of this policy by a matching resource is reported as "
        "an advisory note until the expiry date. resource: URN, logical name or glob pattern "
        "(fnmatch) over either; reason: why (required); expires: last day, YYYY-MM-DD (required); "
        "scope: the ARM resource id the landing zone's Azure Policy exemption covers (required where the "
        "policy's controls are also enforced at runtime, see aizone:governance.guardrails.policyConfig)."
    ),
    "default": [],
    "items": {
        "type": "object",
        "properties": {
            "resource": {"type": "string", "minLength": 1},
            "reason": {"type": "string", "minLength": 1, "pattern": "[^\\s]"},
            "expires": {"type": "string", "pattern": DATE_PATTERN},
            "scope": {"type": "string", "pattern": "^/subscriptions/"},
        },
        "required": ["resource", "reason", "expires"],
        "additionalProperties": False,
    },
}


# --- A validator for the JSON-schema subset the pack's schemas use ---------------------------------

_JSON_TYPES: Final[Mapping[str, tuple[type, ...]]] = {
    "string": (str,),
    "boolean": (bool,),
    "object": (dict,),
    "array": (list,),
    "null": (type(None),),
}


def _type_matches(value: object, expected: str) -> bool:
    """JSON-schema `type` check; numbers exclude booleans, integers accept integral floats."""
    if expected in ("number", "integer"):
        number = as_number(value)
        return number is not None and (expected == "number" or number.is_integer())
    return isinstance(value, _JSON_TYPES.get(expected, ()))


def _integer_keyword(schema: JsonSchema, key: str) -> int | None:
    """An integer keyword of a schema (minLength, minItems). Integral floats count: a schema that
    went through a protobuf Struct (GetAnalyzerInfo, the CLI's copy) carries every number as a
    double, so minLength 1 arrives as 1.0."""
    number = as_number(schema.get(key))
    return int(number) if number is not None and number.is_integer() else None


def _check_scalar(value: object, schema: JsonSchema, where: str) -> list[str]:
    """Keyword checks that do not recurse: enum, minLength, pattern, minimum, maximum, minItems."""
    errors: list[str] = []
    enum = schema.get("enum")
    if isinstance(enum, list) and value not in enum:
        errors.append(f"{where}: {value!r} is not one of {enum}")
    if isinstance(value, str):
        min_length = _integer_keyword(schema, "minLength")
        if min_length is not None and len(value) < min_length:
            errors.append(f"{where}: must not be empty" if min_length == 1 else f"{where}: needs at least {min_length} character(s)")
        pattern = schema.get("pattern")
        if isinstance(pattern, str) and re.search(pattern, value) is None:
            errors.append(f"{where}: {value!r} does not match {pattern}")
    number = as_number(value)
    minimum = as_number(schema.get("minimum"))
    if number is not None and minimum is not None and number < minimum:
        errors.append(f"{where}: must be >= {schema.get('minimum')}")
    maximum = as_number(schema.get("maximum"))
    if number is not None and maximum is not None and number > maximum:
        errors.append(f"{where}: must be <= {schema.get('maximum')}")
    min_items = _integer_keyword(schema, "minItems")
    if isinstance(value, list) and min_items is not None and len(value) < min_items:
        errors.append(f"{where}: needs at least {min_items} item(s)")
    return errors


def _check_object(value: Mapping[str, object], schema: JsonSchema, where: str) -> list[str]:
    """`required`, `properties` and `additionalProperties: false` of an object value."""
    errors: list[str] = []
    required = schema.get("required")
    if isinstance(required, list):
        for key in required:
            if isinstance(key, str) and key not in value:
                errors.append(f"{where}: {key} is required")
    properties = schema.get("properties")
    property_schemas: Mapping[str, object] = properties if isinstance(properties, dict) else {}
    for key, item in value.items():
        item_schema = property_schemas.get(key)
        if isinstance(item_schema, dict):
            errors.extend(validate(item, item_schema, f"{where}.{key}"))
        elif schema.get("additionalProperties") is False:
            errors.append(f"{where}: unexpected property {key}")
    return errors


def validate(value: object, schema: JsonSchema, where: str = "config") -> list[str]:
    """Errors of `value` against `schema` (subset: type, enum, minLength, pattern, minimum,
    maximum, minItems, items, properties, required, additionalProperties). Empty when valid."""
    expected = schema.get("type")
    if isinstance(expected, str) and not _type_matches(value, expected):
        return [f"{where}: expected {expected}, got {type(value).__name__}"]
    errors = _check_scalar(value, schema, where)
    if isinstance(value, dict):
        errors.extend(_check_object(value, schema, where))
    items = schema.get("items")
    if isinstance(value, list) and isinstance(items, dict):
        for index, item in enumerate(value):
            errors.extend(validate(item, items, f"{where}[{index}]"))
    return errors


def object_schema(properties: Mapping[str, JsonSchema], required: Sequence[str] = ()) -> JsonSchema:
    """The object schema the CLI builds from a policy's config schema (type object + properties)."""
    schema: dict[str, object] = {"type": "object", "properties": dict(properties)}
    if required:
        schema["required"] = list(required)
    return schema


# --- Exemptions ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Exemption:
    """One parsed exemption entry."""

    resource: str
    reason: str
    expires: dt.date

    def matches(self, urn: str | None, name: str | None) -> bool:
        """True when the pattern equals or glob-matches the resource's URN or logical name."""
        for candidate in (urn, name):
            if candidate and (candidate == self.resource or fnmatchcase(candidate, self.resource)):
                return True
        return False

    def active(self, today: dt.date) -> bool:
        """An exemption is valid through its expiry date (inclusive)."""
        return today <= self.expires


@dataclass(frozen=True)
class Exemptions:
    """Parsed exemptions of one policy, plus the reasons malformed entries were ignored."""

    entries: tuple[Exemption, ...]
    ignored: tuple[str, ...]

    def find(self, urn: str | None, name: str | None) -> Exemption | None:
        """The matching exemption with the latest expiry, or None."""
        matching = [entry for entry in self.entries if entry.matches(urn, name)]
        return max(matching, key=lambda entry: entry.expires) if matching else None


def _parse_exemption(raw: object, index: int) -> Exemption | str:
    """An Exemption, or the reason entry `index` is ignored."""
    if not isinstance(raw, dict):
        return f"exemptions[{index}] is not an object"
    resource = raw.get("resource")
    reason = raw.get("reason")
    expires = raw.get("expires")
    if not isinstance(resource, str) or not resource.strip():
        return f"exemptions[{index}] has no resource"
    if not isinstance(reason, str) or not reason.strip():
        return f"exemptions[{index}] for '{resource}' has no reason"
    if not isinstance(expires, str) or re.match(DATE_PATTERN, expires) is None:
        return f"exemptions[{index}] for '{resource}' has no expiry date (YYYY-MM-DD)"
    try:
        expiry = dt.date.fromisoformat(expires)
    except ValueError:
        return f"exemptions[{index}] for '{resource}' has an invalid expiry date {expires!r}"
    return Exemption(resource=resource.strip(), reason=reason.strip(), expires=expiry)


def parse_exemptions(raw: object) -> Exemptions:
    """Parse a policy's `exemptions` config value; malformed entries are ignored with a reason."""
    if not isinstance(raw, list):
        return Exemptions((), () if raw is None else ("exemptions is not a list",))
    entries: list[Exemption] = []
    ignored: list[str] = []
    for index, item in enumerate(raw):
        parsed = _parse_exemption(item, index)
        if isinstance(parsed, Exemption):
            entries.append(parsed)
        else:
            ignored.append(parsed)
    return Exemptions(tuple(entries), tuple(ignored))


# --- Typed access to one policy's configuration ---------------------------------------------------


class PolicyConfig:
    """A policy's configuration: the values sent by the engine over the schema defaults.

    A value of the wrong type (possible when the pack is driven without the CLI's schema check)
    falls back to the default instead of failing the policy.
    """

    def __init__(self, schema: Mapping[str, JsonSchema], given: Mapping[str, object]) -> None:
        self._schema = schema
        self._given = dict(given)
        # Parsed entry by entry (not schema-validated as a whole) so that one malformed entry is
        # ignored with a reason while the others still apply.
        self.exemptions = parse_exemptions(self._given.get(EXEMPTIONS_KEY))

    def _value(self, key: str) -> object:
        """Given value when it validates against the key's schema, else the schema default."""
        schema = self._schema.get(key, {})
        if key in self._given and not validate(self._given[key], schema, key):
            return self._given[key]
        return schema.get("default")

    def bool(self, key: str) -> bool:
        """Boolean config value."""
        return self._value(key) is True

    def number(self, key: str) -> float:
        """Numeric config value (JSON numbers arrive as floats)."""
        return as_number(self._value(key)) or 0.0

    def text(self, key: str) -> str:
        """String config value."""
        value = self._value(key)
        return value if isinstance(value, str) else ""

    def strings(self, key: str) -> tuple[str, ...]:
        """List-of-strings config value."""
        value = self._value(key)
        if not isinstance(value, list):
            return ()
        return tuple(item for item in value if isinstance(item, str))

    def objects(self, key: str) -> tuple[Mapping[str, object], ...]:
        """List-of-objects config value."""
        value = self._value(key)
        if not isinstance(value, list):
            return ()
        return tuple(item for item in value if isinstance(item, dict))
