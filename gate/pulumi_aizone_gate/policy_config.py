"""Policy-pack configuration, handled the way the Pulumi CLI handles ``--policy-pack-config``.

The file maps a policy name (or ``"all"``) to an enforcement level string, or to an object with an
optional ``enforcementLevel`` and any other properties. Before calling ``Configure`` the CLI (not
the pack: pulumi-policy's ``Configure`` only stores what it receives) builds the full config:

1. every policy gets its default enforcement level and the ``default`` of each property in its
   config schema (``GetAnalyzerInfo``);
2. the pack's programmatic ``initial_config`` is applied, then the file;
   ``"all": <level>`` sets the level of every policy (and is itself passed on as an entry);
3. each policy's properties are validated against its schema; any error stops the preview.

Validation uses the ``jsonschema`` library on the schema the pack reports in ``GetAnalyzerInfo``
(``{"type": "object", "properties": ..., "required": ...}``, as the CLI builds it in
``convertSchema``, pulumi/pulumi ``pkg/resource/analyzer/config.go``): every keyword the pack
uses is checked, formats included, and each error names the file, the policy, the key and what
is allowed. Before that, ``check_policy_config`` refuses what the pack would silently ignore
(unknown policies and properties, exemptions with impossible dates or match-all patterns).
"""

from __future__ import annotations

import datetime as dt
import difflib
import json
import re
from pathlib import Path
from typing import Any, Mapping, Union

import jsonschema
import jsonschema.validators

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


def check_policy_config(info: AnalyzerInfo, given: Mapping[str, JsonDict], origin: str = "") -> None:
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
        raise ConfigurationError(_invalid(info, origin) + "\n  ".join(errors))


def _invalid(info: AnalyzerInfo, origin: str) -> str:
    """The first line of a policy config error: which file (when there is one) and which pack."""
    return f"invalid policy config {origin + ' ' if origin else ''}for pack '{info.name}':\n  "


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


def reconcile(info: AnalyzerInfo, given: Mapping[str, JsonDict], origin: str = "") -> dict[str, JsonDict]:
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
        # What the CLI validates (convertSchema): the policy's schema as an object schema.
        schema = {"type": "object", **policy.config_schema}
        try:
            errors.extend(f"{policy.name}: {message}" for message in validate(properties, schema))
        except ConfigurationError as exc:
            errors.append(f"{policy.name}: {exc.message} (a defect of the pack, not of this config)")
    if errors:
        raise ConfigurationError(_invalid(info, origin) + "\n  ".join(errors))
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
    """Validate ``value`` against a JSON schema with the ``jsonschema`` library; readable messages.

    The schema is checked like the Pulumi CLI checks a policy's config (``validatePolicyConfig`` in
    pulumi/pulumi ``pkg/resource/analyzer/config.go``: gojsonschema, every keyword, formats
    included); a schema that declares no ``$schema`` is read as draft 7. Each message names where
    (``(root)``, ``key``, ``key[0].sub``) and what is allowed. Raises ConfigurationError when the
    schema itself is not a valid JSON schema.
    """
    validator_class = jsonschema.validators.validator_for(schema, default=jsonschema.Draft7Validator)
    try:
        validator_class.check_schema(dict(schema))
    except jsonschema.SchemaError as exc:
        raise ConfigurationError(f"the config schema is not a valid JSON schema: {exc.message}") from None
    validator = validator_class(schema, format_checker=validator_class.FORMAT_CHECKER)
    messages: dict[str, None] = {}
    for error in sorted(validator.iter_errors(value), key=lambda e: [str(part) for part in e.absolute_path]):
        for message in _messages(error, path):
            messages.setdefault(message, None)
    return list(messages)


def _where(base: str, parts: Any) -> str:
    where = base
    for part in parts:
        where = f"{where}[{part}]" if isinstance(part, int) else (f"{where}.{part}" if where else str(part))
    return where


def _messages(error: jsonschema.ValidationError, base: str) -> list[str]:
    """One or more messages for one jsonschema error, in the gate's wording."""
    where = _where(base, error.absolute_path) or "(root)"
    keyword, instance = error.validator, error.instance
    expected: Any = error.validator_value
    if keyword == "type":
        allowed = expected if isinstance(expected, list) else [expected]
        return [f"{where}: invalid type, expected {' or '.join(map(str, allowed))}, got {_type_name(instance)}"]
    if keyword == "required" and isinstance(instance, dict):
        return [f"{where}: {name} is required" for name in expected if name not in instance]
    if keyword == "additionalProperties" and isinstance(instance, dict):
        parent = error.schema if isinstance(error.schema, dict) else {}
        known = parent.get("properties") or {}
        patterns = parent.get("patternProperties") or {}
        allowed = ", ".join(sorted(known)) or "none"
        extra = [k for k in instance if k not in known and not any(re.search(p, k) for p in patterns)]
        return [f"{_where(base, [*error.absolute_path, key])}: additional property not allowed (allowed: {allowed})" for key in extra]
    simple = {
        "enum": lambda: f"must be one of {json.dumps(expected)}",
        "const": lambda: f"must be {json.dumps(expected)}",
        "minimum": lambda: f"must be >= {expected}",
        "maximum": lambda: f"must be <= {expected}",
        "exclusiveMinimum": lambda: f"must be > {expected}",
        "exclusiveMaximum": lambda: f"must be < {expected}",
        "minLength": lambda: f"must be at least {expected} characters",
        "maxLength": lambda: f"must be at most {expected} characters",
        "minItems": lambda: f"must have at least {expected} items",
        "maxItems": lambda: f"must have at most {expected} items",
        "uniqueItems": lambda: "items must be unique",
        "pattern": lambda: f"does not match pattern {expected!r}",
        "format": lambda: f"is not a valid {expected}",
    }
    describe = simple.get(str(keyword))
    return [f"{where}: {describe() if describe else error.message}"]


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
