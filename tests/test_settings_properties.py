"""Property-based tests of the settings: whatever value a user writes at whatever key, the program
either loads the stack or reports a SettingsError naming keys, never another exception, and never
a Python type name.

Each example is the dev stack's own config with one value, at a random path, replaced by an
arbitrary YAML value (null, booleans, numbers including inf/nan, text, lists, mappings). Examples
are derandomized (the same ones in CI every run) and capped to keep the suite fast.
"""

from __future__ import annotations

import copy
import json
import re
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings, strategies as st

from pulumi_aizone.landing_zone.settings import SECRET_CAPABLE_KEYS, SettingsError, _decode, parse_settings

from .test_settings import PYTHON_TYPE_NAMES, dev_config

pytestmark = pytest.mark.controls("MOD-3")

BASE = dev_config()


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path into the config (mapping keys and list indexes), the root's children included."""
    found: list[tuple[Any, ...]] = [prefix] if prefix else []
    if isinstance(value, dict):
        for key, item in value.items():
            found += _paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += _paths(item, (*prefix, index))
    return found


PATHS = _paths(BASE)

_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=40)
    | st.sampled_from(["true", "null", "123", "", "swedencentral", "10.20.0.0/16", "secops@contoso.com", "a" * 600])
)
yaml_values = st.recursive(
    _scalars,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=8,
)


def _replace(config: dict[str, Any], path: tuple[Any, ...], value: Any) -> dict[str, Any]:
    changed = copy.deepcopy(config)
    target: Any = changed
    for part in path[:-1]:
        target = target[part]
    target[path[-1]] = value
    return changed


def _check(config: dict[str, Any], secret_keys: frozenset[str] = frozenset()) -> list[str]:
    try:
        parse_settings(config, secret_keys=secret_keys)
    except SettingsError as error:
        assert error.problems, "a SettingsError lists at least one problem"
        for problem in error.problems:
            assert problem.startswith("aizone:"), problem
            assert not PYTHON_TYPE_NAMES.search(problem), problem
            assert "Traceback" not in problem
        return error.problems
    return []


FAST = settings(max_examples=150, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(path=st.sampled_from(PATHS), value=yaml_values)
def test_any_value_at_any_key_loads_or_gives_a_settings_error(path: tuple[Any, ...], value: Any) -> None:
    _check(_replace(BASE, path, value))


@FAST
@given(key=st.text(min_size=1, max_size=20), value=yaml_values)
def test_any_extra_top_level_key_loads_or_gives_a_settings_error(key: str, value: Any) -> None:
    config = copy.deepcopy(BASE)
    config[key] = value
    _check(config)


@FAST
@given(path=st.sampled_from(PATHS), value=yaml_values)
def test_values_as_the_engine_passes_them_decode_and_load_or_give_a_settings_error(path: tuple[Any, ...], value: Any) -> None:
    """Through the engine's form: JSON text for structured top-level values, text for scalars."""
    changed = _replace(BASE, path, value)
    decoded: dict[str, Any] = {}
    for key, item in changed.items():
        text = item if isinstance(item, str) else json.dumps(item, allow_nan=True)
        decoded[key], problem = _decode(key, text)
        assert problem is None  # json.dumps never writes a key twice
    _check(decoded)


@FAST
@given(path=st.sampled_from([p for p in PATHS if p[0] in SECRET_CAPABLE_KEYS]), value=st.text(min_size=3, max_size=30))
def test_a_secret_value_never_appears_in_a_message(path: tuple[Any, ...], value: str) -> None:
    secret = f"S3cr3t-{value}"
    problems = _check(_replace(BASE, path, secret), secret_keys=frozenset({path[0]}))
    assert not any(secret in problem for problem in problems), problems


def test_duplicate_keys_anywhere_in_a_structured_value_are_refused() -> None:
    text = json.dumps(BASE["network"])
    doubled = text.replace('"addressSpace"', '"addressSpace": "10.9.0.0/16", "addressSpace"', 1)
    value, problem = _decode("network", doubled)
    assert problem == "the key 'addressSpace' appears twice; write each key once"
    assert yaml.safe_load(doubled)["addressSpace"] == "10.20.0.0/16"  # what a YAML/JSON parser silently keeps
    assert re.search("appears twice", problem)
    assert value == doubled
