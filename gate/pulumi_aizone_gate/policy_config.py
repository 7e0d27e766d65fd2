"""Policy-pack configuration, handled the way the Pulumi CLI handles ``--policy-pack-config``.

The file maps a policy name (or ``"all"``) to an enforcement level string, or to an object with an
optional ``enforcementLevel`` and any other properties. Before calling ``Configure`` the CLI (not
the pack: pulumi-policy's ``Configure`` only stores what it receives) builds the full config:

1. every policy gets its default enforcement level and the ``default`` of each property in its
   config schema (``GetAnalyzerInfo``);
2. the pack's programmatic ``initial_config`` is applied, then the file;
   ``"all": <level>`` sets the level of every policy (and is itself passed on as an entry);
3. each policy's properties are validated against its schema; any error stops the preview.

Schema validation covers the JSON-schema keywords policy authors use (type, enum, const,
required, properties, additionalProperties, items, minimum/maximum, minLength/maxLength,
minItems/maxItems, pattern); other keywords are accepted without being checked.
"""

from __future__ import annotations

import datetime as dt
import difflib
import json
import re
from pathlib import Path
from typing import Any, Mapping, Optional, Union

from .errors import ConfigurationError
from .model import AnalyzerInfo, JsonDict
from .project import read_utf8

LEVELS = ("advisory", "mandatory", "remediate", "disabled")

PolicyConfigInput = Union[str, Path, Mapping[str, Any], None]
"""A path to a JSON file, an already-parsed mapping in the same format, or None."""


def load_policy_config(source: PolicyConfigInput) -> dict[str, JsonDict]:
    """Parse a policy config file (or mapping) into ``{policy: {"enforcementLevel"?: ..., ...}}``."""
    if source is None:
        return {}
    if isinstance(source, Mapping):
        document: Any = dict(source)
        origin = "policy config"
    else:
        path = Path(source)
        if not path.is_file():
            raise ConfigurationError(f"policy config file not found: {path}")
        text = read_utf8(path, "policy config")
        if not text.strip():
            return {}
        try:
            document = json.loads(text, parse_constant=_refuse_constant, object_pairs_hook=_unique_keys)
        except json.JSONDecodeError as exc:
            raise ConfigurationError(f"{path}: invalid JSON: {exc}") from None
        except ValueError as exc:
            raise ConfigurationError(f"{path}: {exc}") from None
        except RecursionError:
            raise ConfigurationError(f"{path}: nested too deeply") from None
        origin = str(path)
    if not isinstance(document, dict):
        raise ConfigurationError(f"{origin}: must be a JSON object of policy names to settings")
    result: dict[str, JsonDict] = {}
    for name, value in document.items():
        entry = _parse_entry(str(name), value, origin)
        if entry:
            result[str(name)] = entry
    return result


def _parse_entry(name: str, value: Any, origin: str) -> JsonDict:
    if isinstance(value, str):
        _check_level(name, value, origin)
        return {"enforcementLevel": value}
    if isinstance(value, dict):
        level = value.get("enforcementLevel")
        if level is not None:
            if not isinstance(level, str):
                raise ConfigurationError(f"{origin}: {name}: enforcementLevel must be a string")
            _check_level(name, level, origin)
        return {str(k): v for k, v in value.items()}
    raise ConfigurationError(f"{origin}: {name}: {value!r} is not a valid value; must be a string or object")


def _check_level(name: str, level: str, origin: str) -> None:
    if level not in LEVELS:
        raise ConfigurationError(
            f"{origin}: {name}: {level!r} is not a valid enforcement level{_suggest(level, LEVELS)} (use one of {', '.join(LEVELS)})"
        )


def _refuse_constant(name: str) -> Any:
    """json.loads accepts NaN/Infinity by default; JSON (and the CLI) does not."""
    raise ValueError(f"{name} is not valid JSON (no NaN or Infinity)")


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A JSON object whose keys are unique: a repeated key would silently drop a setting."""
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise ValueError(f"duplicate key {key!r}")
        result[key] = value
    return result


def _suggest(word: str, choices: Any) -> str:
    """``; did you mean 'x'?`` for the nearest of ``choices`` (difflib), or nothing."""
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


def check_policy_config(info: AnalyzerInfo, given: Mapping[str, JsonDict]) -> None:
    """Refuse what the pack would silently ignore: unknown policies and properties, bad exemptions.

    The pack's own policy list and config schemas (``GetAnalyzerInfo``) are the reference, as for
    the Pulumi CLI. Raises one ConfigurationError listing every problem, each naming the key and
    what is valid (with the nearest valid name).
    """
    policies = {p.name: p for p in info.policies}
    errors: list[str] = []
    for name, entry in given.items():
        extra = sorted(k for k in entry if k != "enforcementLevel")
        if name == "all":
            if extra:
                errors.append(f"all: only 'enforcementLevel' may be set for all policies, not {', '.join(extra)}")
            continue
        policy = policies.get(name)
        if policy is None:
            errors.append(f"unknown policy '{name}'{_suggest(name, policies)}; the pack '{info.name}' has: " + ", ".join(sorted(policies)))
            continue
        schema_properties = (policy.config_schema or {}).get("properties") or {}
        for key in extra:
            if key not in schema_properties:
                valid = ", ".join(sorted(schema_properties)) or "none (it takes no configuration)"
                errors.append(f"{name}: unknown property '{key}'{_suggest(key, schema_properties)}; valid: {valid}")
        if isinstance(entry.get(EXEMPTIONS_KEY), list):
            errors.extend(_exemption_errors(name, entry[EXEMPTIONS_KEY]))
    if errors:
        raise ConfigurationError(f"invalid policy config for pack '{info.name}':\n  " + "\n  ".join(errors))


EXEMPTIONS_KEY = "exemptions"
_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
_GLOB_SPECIALS = frozenset("*?[")


def _exemption_errors(policy: str, exemptions: list[Any]) -> list[str]:
    """Exemption entries (``{"resource", "reason", "expires"}``): real dates, meaningful patterns.

    The schema only says ``expires`` looks like ``YYYY-MM-DD``; 2026-02-30 matches that and the
    pack would then drop the exemption at run time. A pattern that is only wildcards exempts every
    resource, which no reviewer means; an unclosed ``[`` never matches what it looks like.
    """
    errors: list[str] = []
    for index, item in enumerate(exemptions):
        where = f"{policy}.exemptions[{index}]"
        if not isinstance(item, dict):
            continue  # the schema reports the type
        expires = item.get("expires")
        if isinstance(expires, str) and _DATE.match(expires):
            try:
                dt.date.fromisoformat(expires)
            except ValueError:
                errors.append(f"{where}.expires: {expires!r} is not a calendar date (YYYY-MM-DD)")
        resource = item.get("resource")
        if isinstance(resource, str) and resource.strip():
            if resource != resource.strip():
                errors.append(f"{where}.resource: {resource!r} has leading or trailing spaces")
            elif set(resource) <= _GLOB_SPECIALS:
                errors.append(f"{where}.resource: {resource!r} matches every resource; name the resource (URN, name or pattern)")
            elif resource.count("[") != resource.count("]"):
                errors.append(f"{where}.resource: {resource!r} has an unbalanced '[' or ']' in its pattern")
        elif isinstance(resource, str):
            errors.append(f"{where}.resource: must name a resource (URN, logical name or pattern)")
    return errors


def reconcile(info: AnalyzerInfo, given: Mapping[str, JsonDict]) -> dict[str, JsonDict]:
    """The complete config the CLI sends to ``Configure``: defaults, initial config, then ``given``.

    Raises ConfigurationError listing every schema violation.
    """
    result: dict[str, JsonDict] = {}
    for policy in info.policies:
        entry: JsonDict = {"enforcementLevel": policy.enforcement_level}
        for prop, schema in ((policy.config_schema or {}).get("properties") or {}).items():
            if isinstance(schema, dict) and "default" in schema:
                entry[prop] = schema["default"]
        result[policy.name] = entry
    for layer in (info.initial_config, given):
        _apply_layer(result, layer)
    errors: list[str] = []
    for policy in info.policies:
        if policy.config_schema is None:
            continue
        properties = {k: v for k, v in result.get(policy.name, {}).items() if k != "enforcementLevel"}
        schema = {"type": "object", **policy.config_schema}
        errors.extend(f"{policy.name}: {message}" for message in validate(properties, schema))
    if errors:
        raise ConfigurationError(f"invalid policy config for pack '{info.name}':\n  " + "\n  ".join(errors))
    return result


def _apply_layer(result: dict[str, JsonDict], layer: Mapping[str, JsonDict]) -> None:
    """Apply one config layer, ``all`` first (CLI ``applyConfig``)."""
    all_level = (layer.get("all") or {}).get("enforcementLevel")
    if all_level in LEVELS:
        for entry in result.values():
            entry["enforcementLevel"] = all_level
    for name, given in layer.items():
        entry = result.setdefault(name, {})
        for key, value in given.items():
            entry[key] = value


def validate(value: Any, schema: Mapping[str, Any], path: str = "") -> list[str]:
    """Validate ``value`` against a JSON schema subset; return readable error messages."""
    where = path or "(root)"
    errors: list[str] = []
    expected = schema.get("type")
    if expected is not None:
        allowed = expected if isinstance(expected, list) else [expected]
        if not any(_has_type(value, str(t)) for t in allowed):
            return [f"{where}: invalid type, expected {' or '.join(map(str, allowed))}, got {_type_name(value)}"]
    if "enum" in schema and value not in schema["enum"]:
        errors.append(f"{where}: must be one of {json.dumps(schema['enum'])}")
    if "const" in schema and value != schema["const"]:
        errors.append(f"{where}: must be {json.dumps(schema['const'])}")
    if isinstance(value, dict):
        errors.extend(_validate_object(value, schema, path))
    elif isinstance(value, list):
        errors.extend(_validate_array(value, schema, path))
    elif isinstance(value, str):
        errors.extend(_validate_string(value, schema, where))
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        if "minimum" in schema and value < schema["minimum"]:
            errors.append(f"{where}: must be >= {schema['minimum']}")
        if "maximum" in schema and value > schema["maximum"]:
            errors.append(f"{where}: must be <= {schema['maximum']}")
    return errors


def _validate_object(value: dict[str, Any], schema: Mapping[str, Any], path: str) -> list[str]:
    errors = [f"{path or '(root)'}: {name} is required" for name in schema.get("required") or [] if name not in value]
    properties: Mapping[str, Any] = schema.get("properties") or {}
    additional = schema.get("additionalProperties", True)
    for key, item in value.items():
        child = f"{path}.{key}" if path else key
        if key in properties and isinstance(properties[key], dict):
            errors.extend(validate(item, properties[key], child))
        elif additional is False:
            errors.append(f"{child}: additional property not allowed")
        elif isinstance(additional, dict):
            errors.extend(validate(item, additional, child))
    return errors


def _validate_array(value: list[Any], schema: Mapping[str, Any], path: str) -> list[str]:
    errors: list[str] = []
    where = path or "(root)"
    if "minItems" in schema and len(value) < schema["minItems"]:
        errors.append(f"{where}: must have at least {schema['minItems']} items")
    if "maxItems" in schema and len(value) > schema["maxItems"]:
        errors.append(f"{where}: must have at most {schema['maxItems']} items")
    items = schema.get("items")
    if isinstance(items, dict):
        for index, item in enumerate(value):
            errors.extend(validate(item, items, f"{path}[{index}]"))
    return errors


def _validate_string(value: str, schema: Mapping[str, Any], where: str) -> list[str]:
    errors: list[str] = []
    if "minLength" in schema and len(value) < schema["minLength"]:
        errors.append(f"{where}: must be at least {schema['minLength']} characters")
    if "maxLength" in schema and len(value) > schema["maxLength"]:
        errors.append(f"{where}: must be at most {schema['maxLength']} characters")
    pattern: Optional[str] = schema.get("pattern")
    if pattern is not None and re.search(pattern, value) is None:
        errors.append(f"{where}: does not match pattern {pattern!r}")
    return errors


def _has_type(value: Any, expected: str) -> bool:
    if expected == "null":
        return value is None
    if expected == "boolean":
        return isinstance(value, bool)
    if expected == "integer":
        return isinstance(value, (int, float)) and not isinstance(value, bool) and float(value).is_integer()
    if expected == "number":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if expected == "string":
        return isinstance(value, str)
    if expected == "array":
        return isinstance(value, list)
    if expected == "object":
        return isinstance(value, dict)
    return True


def _type_name(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__
