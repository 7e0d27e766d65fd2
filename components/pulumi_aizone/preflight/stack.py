"""Read a stack's settings from `Pulumi.<stack>.yaml` without the Pulumi engine.

The values under `aizone:` go through the program's own validation (`parse_settings`, the function
`load_settings` uses), so the preflight checks exactly what `pulumi up` would deploy, and a mistake is
reported with the same message. The subscription comes from `--subscription`, `ARM_SUBSCRIPTION_ID`
(what the providers read) or the stack's `azure-native:subscriptionId`.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

import yaml

from ..landing_zone.settings import NAMESPACE, Settings, SettingsError, parse_settings
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


def read_stack(program_dir: Path, stack: str, subscription: str | None = None, environ: Mapping[str, str] = os.environ) -> StackInput:
    """The validated settings and target subscription of `program_dir/Pulumi.<stack>.yaml`."""
    path = program_dir / f"Pulumi.{stack}.yaml"
    if not path.is_file():
        raise PreflightUsageError(f"no stack file {path} (stack {stack!r}); give --stack and --program")
    try:
        document = yaml.load(path.read_text(encoding="utf-8"), Loader=_UniqueKeyLoader)  # noqa: S506 (a SafeLoader subclass)
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise PreflightUsageError(f"{path}: cannot read it: {exc}") from None
    config = document.get("config") if isinstance(document, dict) else None
    if not isinstance(config, dict):
        raise PreflightUsageError(f"{path}: has no 'config' mapping")
    raw: dict[str, Any] = {}
    secure: list[str] = []
    for full_key, value in config.items():
        namespace, _, key = str(full_key).partition(":")
        if namespace != NAMESPACE or not key:
            continue
        secure += _secure_paths(value, str(full_key))
        raw[key] = str(value).lower() if isinstance(value, bool) and key in _STRING_KEYS else value
    if secure:
        raise PreflightUsageError(
            f"{path}: {', '.join(secure)} is encrypted (secure); the preflight reads the stack file without the stack's "
            "secrets provider: run it on a copy of the stack file with plain values"
        )
    try:
        settings = parse_settings(raw)
    except SettingsError as exc:
        raise PreflightUsageError(f"{path}: {exc}") from None
    subscription_id = subscription or environ.get("ARM_SUBSCRIPTION_ID") or config.get("azure-native:subscriptionId")
    if not subscription_id:
        raise PreflightUsageError(
            "no subscription: give --subscription <id>, set ARM_SUBSCRIPTION_ID, or set azure-native:subscriptionId in the stack"
        )
    if not isinstance(subscription_id, str) or not _GUID.match(subscription_id):
        raise PreflightUsageError(f"the subscription {subscription_id!r} is not a subscription id (a GUID)")
    return StackInput(settings, subscription_id.lower())
