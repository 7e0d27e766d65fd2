"""Read a Pulumi project directory and turn its stack configuration into engine form.

The engine hands configuration to the language host (and to policy packs, through
``PULUMI_CONFIG``) as a flat map of ``<namespace>:<key>`` to *strings*: structured values become
JSON text, booleans and numbers their text. Secure values cannot be decrypted without the stack's
secrets provider, so they are replaced by a placeholder and marked secret.
"""

from __future__ import annotations

import io
import json
import math
import tokenize
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

import yaml

from .errors import ConfigurationError

SECRET_PLACEHOLDER = "offline-preview-undecryptable-secret"
"""Stands in for every ``secure:`` config value (the offline preview has no secrets provider)."""

_SCHEMA_KEYS = frozenset({"type", "default", "description", "secret", "items", "value"})
MAX_CONFIG_DEPTH = 100
"""Deepest nesting of objects/lists accepted in one config value (as for resource properties)."""


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader that refuses duplicate mapping keys (PyYAML silently keeps the last one).

    A duplicated key in a stack file is almost always a mistake that silently drops a setting;
    the Pulumi CLI's YAML parser refuses it too ("mapping key ... already defined").
    """

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: dict[Any, yaml.Node] = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            try:
                duplicate = key in seen
            except TypeError:  # an unhashable key; the base class reports it
                break
            if duplicate:
                first = seen[key].start_mark
                raise yaml.constructor.ConstructorError(
                    "while constructing a mapping",
                    node.start_mark,
                    f"found duplicate key {key!r} (first defined on line {first.line + 1})",
                    key_node.start_mark,
                )
            seen[key] = key_node
        return super().construct_mapping(node, deep=deep)


@dataclass
class ProjectConfig:
    """A project, one of its stacks, and that stack's configuration in engine form."""

    project: str
    stack: str
    program_dir: Path
    main_path: Path
    """What the language host runs: a directory with ``__main__.py`` or a ``.py`` file."""
    config: dict[str, str] = field(default_factory=dict)
    secret_keys: list[str] = field(default_factory=list)
    stack_tags: dict[str, str] = field(default_factory=dict)
    """What the service would tag the stack with: ``pulumi:project``, ``pulumi:runtime``, ... and
    the ``pulumi:tags`` config object. Policies read them as ``args.stack_tags``."""
    notes: list[str] = field(default_factory=list)


def load_project(program_dir: Path, stack: str) -> ProjectConfig:
    """Load ``Pulumi.yaml`` and ``Pulumi.<stack>.yaml`` from ``program_dir``.

    Raises ConfigurationError with one clear message for anything missing or malformed.
    """
    if not program_dir.is_dir():
        raise ConfigurationError(f"program directory not found: {program_dir}")
    project_doc = _read_yaml(program_dir / "Pulumi.yaml", what="project file")
    if project_doc is None:
        raise ConfigurationError(f"no Pulumi.yaml in {program_dir}: not a Pulumi project")
    name = project_doc.get("name")
    if not isinstance(name, str) or not name:
        raise ConfigurationError(f"{program_dir / 'Pulumi.yaml'}: missing project 'name'")
    _check_runtime(program_dir / "Pulumi.yaml", project_doc.get("runtime"))

    stack_file = program_dir / f"Pulumi.{stack}.yaml"
    stack_doc = _read_yaml(stack_file, what="stack file")
    if stack_doc is None:
        raise ConfigurationError(
            f"no stack file {stack_file.name} in {program_dir} (stack '{stack}'); the offline preview reads all configuration from it"
        )

    main_path = _main_path(program_dir, project_doc.get("main"))
    result = ProjectConfig(project=name, stack=stack, program_dir=program_dir, main_path=main_path)
    _apply_project_defaults(result, project_doc.get("config"))
    _apply_stack_values(result, stack_doc.get("config"), stack_file.name)
    result.stack_tags = _stack_tags(project_doc, result.config.get("pulumi:tags"))
    if stack_doc.get("environment"):
        result.notes.append(f"{stack_file.name} imports ESC environments; they cannot be resolved offline and are ignored")
    return result


def _stack_tags(project_doc: dict[str, Any], tags_config: Optional[str]) -> dict[str, str]:
    """The stack tags a new stack gets, plus those set through the ``pulumi:tags`` config key."""
    runtime = project_doc.get("runtime")
    runtime_name = runtime.get("name") if isinstance(runtime, dict) else runtime
    tags = {"pulumi:project": str(project_doc["name"]), "pulumi:runtime": str(runtime_name or "")}
    if project_doc.get("description"):
        tags["pulumi:description"] = str(project_doc["description"]).strip()
    if tags_config:
        try:
            extra = json.loads(tags_config)
        except json.JSONDecodeError:
            extra = None
        if isinstance(extra, dict):
            tags.update({str(k): config_text(v) for k, v in extra.items()})
    return tags


def _read_yaml(path: Path, what: str) -> Optional[dict[str, Any]]:
    """Parse a YAML mapping, None if the file does not exist."""
    if not path.is_file():
        return None
    text = read_utf8(path, what)
    try:
        doc = yaml.load(text, Loader=_StrictLoader)  # noqa: S506 (a SafeLoader subclass)
    except RecursionError:
        raise ConfigurationError(f"{path}: the {what} is nested too deeply to read") from None
    except yaml.YAMLError as exc:
        raise ConfigurationError(f"{path}: invalid YAML in {what}: {exc}") from None
    if doc is None:
        return {}
    if not isinstance(doc, dict):
        raise ConfigurationError(f"{path}: the {what} must be a YAML mapping")
    return doc


def read_utf8(path: Path, what: str) -> str:
    """A file's text; a file that is not UTF-8 is a ConfigurationError naming it and the offset."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ConfigurationError(f"{path}: cannot read the {what}: {exc.strerror or exc}") from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigurationError(
            f"{path}: the {what} is not valid UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start}); save it as UTF-8"
        ) from None


def _check_runtime(path: Path, runtime: object) -> None:
    """The offline preview runs Python programs only, as the python language host would."""
    runtime_name = runtime.get("name") if isinstance(runtime, dict) else runtime
    if runtime_name != "python":
        raise ConfigurationError(f"{path}: runtime is {runtime_name!r}; the offline preview runs Python programs only (runtime: python)")


def _main_path(program_dir: Path, main: object) -> Path:
    """The entry point named by ``main:`` in Pulumi.yaml, else the directory itself."""
    target = program_dir if not main else program_dir / str(main)
    entry = target / "__main__.py" if target.is_dir() else target
    if not entry.is_file():
        raise ConfigurationError(f"program entry point not found: {entry}")
    _check_source_encoding(entry)
    return target


def _check_source_encoding(entry: Path) -> None:
    """The entry point decodes in its declared encoding (PEP 263; UTF-8 by default).

    Python would refuse it with a SyntaxError deep inside runpy; say which file and where instead.
    """
    data = entry.read_bytes()
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        data.decode(encoding)
    except SyntaxError as exc:
        raise ConfigurationError(f"{entry}: {exc.msg}") from None
    except UnicodeDecodeError as exc:
        raise ConfigurationError(
            f"{entry}: the program is not valid {exc.encoding} (byte 0x{data[exc.start]:02x} at offset {exc.start}); "
            "save it as UTF-8 or declare its encoding (PEP 263)"
        ) from None


def _apply_project_defaults(result: ProjectConfig, block: object) -> None:
    """Project-level ``config:`` in Pulumi.yaml: defaults (typed or plain) that stacks override."""
    if not isinstance(block, dict):
        return
    for raw_key, raw_value in block.items():
        key = full_key(str(raw_key), result.project)
        if isinstance(raw_value, dict) and raw_value and _SCHEMA_KEYS.issuperset(raw_value):
            if "value" in raw_value:
                value: Any = raw_value["value"]
            elif "default" in raw_value:
                value = raw_value["default"]
            else:
                continue
        else:
            value = raw_value
        _set(result, key, value)


def _apply_stack_values(result: ProjectConfig, block: object, file_name: str) -> None:
    """Stack ``config:`` values, which win over project defaults."""
    if block is None:
        return
    if not isinstance(block, dict):
        raise ConfigurationError(f"{file_name}: 'config' must be a mapping of keys to values")
    for raw_key, raw_value in block.items():
        _set(result, full_key(str(raw_key), result.project), raw_value)


def full_key(key: str, project: str) -> str:
    """``key`` -> ``<project>:key``; ``ns:config:key`` (legacy form) -> ``ns:key``."""
    parts = key.split(":")
    if len(parts) == 1:
        return f"{project}:{key}"
    if len(parts) == 3 and parts[1] == "config":
        return f"{parts[0]}:{parts[2]}"
    return key


def _set(result: ProjectConfig, key: str, value: Any) -> None:
    """Store one value in engine form, replacing secure values by the placeholder."""
    _check_config_value(key, value)
    has_secret = _contains_secure(value)
    text = config_text(_strip_secure(value))
    result.config[key] = text
    if has_secret:
        if key not in result.secret_keys:
            result.secret_keys.append(key)
        result.notes.append(
            f"config '{key}' is encrypted (secure); it cannot be decrypted offline, "
            f"the program and the pack see the placeholder '{SECRET_PLACEHOLDER}'"
        )
    elif key in result.secret_keys:
        result.secret_keys.remove(key)


def _check_config_value(key: str, value: Any) -> None:
    """NaN/Infinity (YAML ``.nan``/``.inf``) have no JSON form; deep nesting breaks the readers."""
    stack: list[tuple[Any, str, int]] = [(value, "", 0)]
    while stack:
        item, path, depth = stack.pop()
        where = f"config '{key}{path}'"
        if depth > MAX_CONFIG_DEPTH:
            raise ConfigurationError(f"{where}: nested more than {MAX_CONFIG_DEPTH} levels deep")
        if isinstance(item, float) and not math.isfinite(item):
            raise ConfigurationError(f"{where}: {item!r} is not a valid config value (JSON has no NaN or Infinity)")
        if isinstance(item, dict):
            stack.extend((v, f"{path}.{k}", depth + 1) for k, v in item.items())
        elif isinstance(item, list):
            stack.extend((v, f"{path}[{i}]", depth + 1) for i, v in enumerate(item))


def _is_secure(value: Any) -> bool:
    return isinstance(value, dict) and set(value) == {"secure"}


def _contains_secure(value: Any) -> bool:
    if _is_secure(value):
        return True
    if isinstance(value, dict):
        return any(_contains_secure(v) for v in value.values())
    if isinstance(value, list):
        return any(_contains_secure(v) for v in value)
    return False


def _strip_secure(value: Any) -> Any:
    if _is_secure(value):
        return SECRET_PLACEHOLDER
    if isinstance(value, dict):
        return {str(k): _strip_secure(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_strip_secure(v) for v in value]
    return value


def config_text(value: Any) -> str:
    """A config value as the engine passes it to programs: a string, JSON for structures."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return ""
    if isinstance(value, (int, float)):
        return json.dumps(value)
    return json.dumps(value, separators=(",", ":"), default=str)
