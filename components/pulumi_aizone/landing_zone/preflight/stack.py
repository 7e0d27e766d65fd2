"""Read a stack's settings from `Pulumi.<stack>.yaml`, or from `pulumi config --json --show-secrets`,
without the Pulumi engine.

The values under `aizone:` go through the program's own validation (`parse_settings`, the function
`load_settings` uses), so the preflight checks exactly what `pulumi up` would deploy, and a mistake is
reported with the same message. The stack file's `secure:` values cannot be decrypted here; a stack
with secrets is read from the CLI's JSON instead (`--config-json`). The subscription comes from
`--subscription`, `ARM_SUBSCRIPTION_ID` (what the providers read) or the stack's
`azure-native:subscriptionId`.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

import yaml

from ..settings import NAMESPACE, Settings, SettingsError, parse_settings
from .transport import PreflightUsageError

_GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
# Keys the engine always hands over as text (settings/sections/source.py `_STRING_KEYS`).
_STRING_KEYS = ("prefix", "environment", "location")


class _UniqueKeyLoader(yaml.SafeLoader):
    """A mapping that names a key twice is refused, as the Pulumi CLI refuses it."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            if isinstance(key, str) and key in seen:
                raise yaml.constructor.ConstructorError(None, None, f"the key {key!r} appears twice", key_node.start_mark)
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


@dataclass(frozen=True)
class StackInput:
    settings: Settings
    subscription_id: str


def _secure_paths(value: Any, path: str) -> list[str]:
    if isinstance(value, dict):
        if set(value) == {"secure"}:
            return [path]
        return [p for key, item in value.items() for p in _secure_paths(item, f"{path}.{key}")]
    if isinstance(value, list):
        return [p for index, item in enumerate(value) for p in _secure_paths(item, f"{path}[{index}]")]
    return []


def _stack_file_config(path: Path) -> dict[str, Any]:
    """`config:` of a stack file, refusing `secure:` values under `aizone:`."""
    if not path.is_file():
        raise PreflightUsageError(f"no stack file {path}; give --stack and --program")
    try:
        document = yaml.load(path.read_text(encoding="utf-8"), Loader=_UniqueKeyLoader)  # noqa: S506 (a SafeLoader subclass)
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise PreflightUsageError(f"{path}: cannot read it: {exc}") from None
    config = document.get("config") if isinstance(document, dict) else None
    if not isinstance(config, dict):
        raise PreflightUsageError(f"{path}: has no 'config' mapping")
    secure = [p for key, value in config.items() if str(key).startswith(f"{NAMESPACE}:") for p in _secure_paths(value, str(key))]
    if secure:
        raise PreflightUsageError(
            f"{path}: {', '.join(secure)} is encrypted (secure) and cannot be decrypted here; give the decrypted config instead: "
            "pulumi config --json --show-secrets --stack <name> | python -m pulumi_aizone.landing_zone.preflight --stack <name> --config-json -"
        )
    return {str(key): value for key, value in config.items()}


def _cli_json_config(text: str, where: str, project: str) -> tuple[dict[str, Any], set[str]]:
    """`pulumi config --json --show-secrets` output: key -> {"value": text, "objectValue": structured
    value, "secret": bool} (pulumi/pulumi pkg/cmd/pulumi/config/config.go, `configValueJSON`). Keys
    of the project's own namespace are printed without it (`prettyKeyForProject`)."""
    try:
        document = json.loads(text)
    except ValueError as exc:
        raise PreflightUsageError(f"{where}: not the JSON of `pulumi config --json --show-secrets`: {exc}") from None
    if not isinstance(document, dict):
        raise PreflightUsageError(f"{where}: not the JSON of `pulumi config --json --show-secrets` (expected an object of keys)")
    config: dict[str, Any] = {}
    secret: set[str] = set()
    for key, entry in document.items():
        full_key = key if ":" in key else f"{project}:{key}"
        if not isinstance(entry, dict) or ("value" not in entry and "objectValue" not in entry):
            raise PreflightUsageError(f"{where}: {full_key} has no value (a secret printed without --show-secrets?)")
        config[full_key] = entry["objectValue"] if "objectValue" in entry else entry["value"]
        if entry.get("secret") is True:
            secret.add(full_key)
    return config, secret


def _project_name(program_dir: Path) -> str:
    try:
        document = yaml.safe_load((program_dir / "Pulumi.yaml").read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError, UnicodeDecodeError):
        return NAMESPACE
    name = document.get("name") if isinstance(document, dict) else None
    return name if isinstance(name, str) and name else NAMESPACE


def read_stack(
    program_dir: Path,
    stack: str,
    subscription: str | None = None,
    environ: Mapping[str, str] = os.environ,
    config_json: str | None = None,
) -> StackInput:
    """The validated settings and target subscription of a stack: from `program_dir/Pulumi.<stack>.yaml`,
    or from `config_json` (the text `pulumi config --json --show-secrets` prints) when given."""
    path = program_dir / f"Pulumi.{stack}.yaml"
    secret: set[str] = set()
    if config_json is None:
        where = str(path)
        config = _stack_file_config(path)
    else:
        where = "--config-json"
        config, secret = _cli_json_config(config_json, where, _project_name(program_dir))
    raw: dict[str, Any] = {}
    for full_key, value in config.items():
        namespace, _, key = full_key.partition(":")
        if namespace == NAMESPACE and key:
            raw[key] = str(value).lower() if isinstance(value, bool) and key in _STRING_KEYS else value
    try:
        # Secret keys as Pulumi marks them: their values never appear in a message (`[secret]`).
        settings = parse_settings(raw, secret_keys=frozenset(k.partition(":")[2] for k in secret if k.startswith(f"{NAMESPACE}:")))
    except SettingsError as exc:
        raise PreflightUsageError(f"{where}: {exc}") from None
    subscription_id = subscription or environ.get("ARM_SUBSCRIPTION_ID") or config.get("azure-native:subscriptionId")
    if not subscription_id:
        raise PreflightUsageError(
            "no subscription: give --subscription <id>, set ARM_SUBSCRIPTION_ID, or set azure-native:subscriptionId in the stack"
        )
    if not isinstance(subscription_id, str) or not _GUID.match(subscription_id):
        raise PreflightUsageError(f"the subscription {subscription_id!r} is not a subscription id (a GUID)")
    return StackInput(settings, subscription_id.lower())
