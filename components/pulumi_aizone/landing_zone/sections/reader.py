"""Walking raw config values: the reader that collects every problem with its key, the one
error type, and the helpers every section uses (options dataclasses from config, unique names)."""

from __future__ import annotations

import difflib
import ipaddress
import math
import re
from typing import Any, Callable, Iterator, Mapping, Sequence, TypeVar

import pulumi

NAMESPACE = "aizone"
_APP_NAME = re.compile(r"^[a-z][a-z0-9-]{1,22}[a-z0-9]$")


class SettingsError(pulumi.RunError):
    """The stack configuration is invalid. The message names each key and what is allowed."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = list(problems)
        lines = "\n".join(f"  - {problem}" for problem in self.problems)
        super().__init__(f"invalid stack configuration ({len(self.problems)} problem(s)):\n{lines}")


T = TypeVar("T")
_MISSING = object()


class _Reader:
    """Walks raw config values, collecting every problem with the key path it belongs to.

    `secrets` maps each secret top-level key (without the namespace) to its raw value: a problem
    under such a key never shows those values; they are replaced by `[secret]`."""

    def __init__(self, secrets: Mapping[str, Any] | None = None) -> None:
        self.problems: list[str] = []
        self._masks: dict[str, list[str]] = {
            top: sorted({text for text in _leaf_texts(value) if text}, key=len, reverse=True) for top, value in (secrets or {}).items()
        }

    def fail(self, key: str, message: str) -> None:
        self.problems.append(f"{key}: {self.mask(key, message)}")

    def mask(self, key: str, message: str) -> str:
        """`message` without the values of the secret top-level key that `key` belongs to."""
        top = re.split(r"[.\[]", key.removeprefix(f"{NAMESPACE}:"), maxsplit=1)[0]
        for text in self._masks.get(top, ()):
            message = re.sub(rf"(?<![\w.]){re.escape(text)}(?![\w])", SECRET_MASK, message)
        return message

    def mapping(self, key: str, value: Any, allowed: Sequence[str], required: Sequence[str] = ()) -> dict[str, Any]:
        """A mapping with only `allowed` keys and all `required` ones; {} after reporting a problem."""
        if not isinstance(value, dict):
            self.fail(key, f"expected a mapping with keys {_names(allowed)}, got {_describe(value)}")
            return {}
        for name in value:
            if name not in allowed:
                self.unknown(f"{key}.{name}", name, allowed)
        for name in required:
            if name not in value:
                self.fail(f"{key}.{name}", "is required")
        return value

    def unknown(self, key: str, name: Any, allowed: Sequence[str]) -> None:
        close = difflib.get_close_matches(str(name), allowed, n=1)
        hint = f"did you mean {close[0]!r}? " if close else ""
        self.fail(key, f"unknown key; {hint}allowed keys: {_names(allowed)}")

    def string(self, key: str, value: Any, pattern: re.Pattern[str] | None = None, hint: str = "") -> str:
        if not isinstance(value, str) or not value:
            self.fail(key, f"expected a non-empty string, got {_describe(value)}")
            return ""
        if pattern is not None and not pattern.match(value):
            self.fail(key, f"{value!r} is not allowed; {hint}")
            return ""
        return value

    def choice(self, key: str, value: Any, allowed: Sequence[str]) -> str:
        if value not in allowed:
            self.fail(key, f"{_describe(value)} is not allowed; allowed values: {_names(allowed)}")
            return allowed[0]
        return value

    def integer(self, key: str, value: Any, low: int, high: int) -> int:
        if isinstance(value, float) and value.is_integer() and math.isfinite(value):
            value = int(value)  # JSON and YAML may spell a whole number 50.0
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail(key, f"expected a whole number from {low} to {high}, got {_describe(value)}")
            return low
        if not low <= value <= high:
            self.fail(key, f"{value} is out of range; allowed: {low} to {high}")
            return low
        return value

    def boolean(self, key: str, value: Any) -> bool:
        if not isinstance(value, bool):
            self.fail(key, f"expected true or false, got {_describe(value)}")
            return True
        return value

    def sequence(self, key: str, value: Any, read: Callable[[str, Any], T]) -> tuple[T, ...]:
        if not isinstance(value, list):
            self.fail(key, f"expected a list, got {_describe(value)}")
            return ()
        return tuple(read(f"{key}[{index}]", item) for index, item in enumerate(value))

    def network(self, key: str, value: Any) -> ipaddress.IPv4Network | None:
        if not isinstance(value, str):
            self.fail(key, f"expected an IPv4 CIDR such as 10.20.0.0/16, got {_describe(value)}")
            return None
        try:
            return ipaddress.IPv4Network(value, strict=True)
        except ValueError as error:
            self.fail(key, f"{value!r} is not a valid IPv4 CIDR ({error}); example: 10.20.0.0/16")
            return None


SECRET_MASK = "[secret]"


def _describe(value: Any) -> str:
    """A config value as a user wrote it, in YAML terms (never a Python type name)."""
    if value is _MISSING:
        return "nothing"
    if value is None:
        return "null (an empty value)"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, (list, tuple)):
        return "a list"
    if isinstance(value, (int, float)):
        return f"the number {value!r}"
    if isinstance(value, str):
        return f"the text {_quote(value)}"
    return "a value of an unsupported kind"


def _quote(text: str, limit: int = 60) -> str:
    """A string for an error message: quoted, shortened if long."""
    return repr(text if len(text) <= limit else text[: limit - 3] + "...")


# What each config type is called in messages.
_KIND_NAMES: dict[type, str] = {
    str: "a string",
    int: "a whole number",
    float: "a number",
    bool: "true or false",
    list: "a list",
}


def _leaf_texts(value: Any) -> Iterator[str]:
    """Every scalar inside a config value, as text (strings as they are, numbers as written)."""
    if isinstance(value, dict):
        for item in value.values():
            yield from _leaf_texts(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _leaf_texts(item)
    elif isinstance(value, str):
        yield value
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        yield repr(value)


def _names(values: Sequence[str]) -> str:
    return ", ".join(repr(value) for value in values)


_EMAIL = re.compile(r"^[^@\s;]+@[^@\s;]+\.[^@\s;]+$")


OptionsT = TypeVar("OptionsT")


# Upper bounds for numbers whose options class only sets a lower bound. Where Azure has a limit it is
# cited; where it has none, the bound is far above any sensible value and only stops typos.
_UPPER_BOUNDS: dict[str, int] = {
    # A caller's budget cannot exceed what the largest deployment the settings allow can serve:
    # ai.maxCapacity (at most 10,000 units) x 1,000 tokens per minute per capacity unit (Learn,
    # "Manage Azure OpenAI quota": https://learn.microsoft.com/azure/ai-foundry/openai/how-to/quota).
    "gateway.tokensPerMinute": 10_000_000,
    # Metric alert thresholds (counts in the alert window): Azure Monitor sets no upper limit.
    "alerts.contentFilterBlocks": 1_000_000,
    "alerts.tokenThreshold": 1_000_000_000,
    "alerts.gatewayServerErrors": 1_000_000,
    "alerts.gatewayClientErrors": 1_000_000,
    "alerts.sessionFailures": 1_000_000,
}


def _read_options(
    reader: _Reader,
    key: str,
    value: Any,
    fields: Mapping[str, tuple[str, type]],
    factory: Callable[..., OptionsT],
    required: Sequence[str] = (),
) -> OptionsT:
    """Build a component's options dataclass from config: type checks here, bounds in the options
    class itself; its messages are reworded to name config keys instead of Python fields."""
    reported = len(reader.problems)
    data = reader.mapping(key, value, tuple(fields), required)
    kwargs: dict[str, Any] = {}
    for config_key, (field_name, kind) in fields.items():
        if config_key not in data:
            continue
        item: Any = data[config_key]
        if kind is int and isinstance(item, float) and math.isfinite(item) and item.is_integer():
            item = int(item)
        accepted = (int, float) if kind is float else kind
        if (
            isinstance(item, bool) is not (kind is bool)
            or not isinstance(item, accepted)
            or (isinstance(item, float) and not math.isfinite(item))
        ):
            reader.fail(f"{key}.{config_key}", f"expected {_KIND_NAMES.get(kind, 'another kind of value')}, got {_describe(item)}")
            continue
        if isinstance(item, list):
            if not all(isinstance(element, str) for element in item):
                reader.fail(f"{key}.{config_key}", "expected a list of text values")
                continue
            kwargs[field_name] = tuple(item)
            continue
        high = _UPPER_BOUNDS.get(f"{key.removeprefix(NAMESPACE + ':')}.{config_key}")
        if high is not None and item > high:
            reader.fail(f"{key}.{config_key}", f"{item} is out of range; at most {high:,}")
            continue
        kwargs[field_name] = item
    try:
        return factory(**kwargs)
    except (TypeError, ValueError) as error:
        if len(reader.problems) == reported:  # otherwise the cause is on record already
            if isinstance(error, ValueError):
                message = str(error)
                for config_key, (field_name, _) in fields.items():
                    message = message.replace(field_name, config_key)
            else:
                message = "a value has the wrong kind; see README, Configuration reference"
            reader.fail(key, message)
        # A placeholder that is never used: a problem is on record, so parse_settings raises.
        return factory.__new__(factory)  # type: ignore[call-overload]


def _cidr_text(reader: _Reader, key: str, value: Any) -> str:
    network = reader.network(key, value)
    return str(network) if network else ""


def _check_unique(reader: _Reader, key: str, names: Sequence[str], what: str) -> None:
    seen: set[str] = set()
    for name in names:
        if name and name in seen:
            reader.fail(key, f"duplicate {what} {name!r}; each {what} must be unique")
        seen.add(name)
