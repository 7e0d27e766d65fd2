"""Where the config comes from (the engine's `aizone:*` values and secret keys, JSON-decoded
without duplicate keys) and how secret values reach resources only as secrets."""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from typing import Any, Iterator, Mapping, Sequence

import pulumi

from .reader import NAMESPACE, _quote

# Top-level keys whose value is a string: the engine passes them as they are written and they are
# never JSON-decoded (a quoted "true", "123" or "null" stays a string). Every other key is structured
# (a mapping or a list), which the engine passes as JSON text.
_STRING_KEYS = ("prefix", "environment", "location")

# Top-level keys that may hold secrets (`pulumi config set --secret`, `secure:` in the stack file).
# Pulumi marks a whole top-level key secret when any value inside it is; the string values of these
# keys then reach resources only as secrets (see `load_settings`). The others are refused as
# secrets, because Pulumi and Azure keep their values in plain text anyway: they become resource
# names and URNs (prefix, environment, applications, agents, ai deployments, execution), the
# region, network addresses, or tags ("Tags are stored as plain text. Never add sensitive values
# to tags.", https://learn.microsoft.com/azure/azure-resource-manager/management/tag-resources).
SECRET_CAPABLE_KEYS = ("gateway", "alerts", "governance", "entra")


@dataclass(frozen=True)
class RawConfig:
    """The `aizone:*` config as the program received it: values (keys without the namespace),
    the keys Pulumi marks secret, and problems found while decoding (e.g. duplicate keys)."""

    values: Mapping[str, Any]
    secret_keys: frozenset[str] = frozenset()
    problems: tuple[str, ...] = ()


def read_namespace_config() -> RawConfig:
    """Every `aizone:<key>` config value, and whether Pulumi marks it secret.

    The language host hands the program its config (`PULUMI_CONFIG`) and the secret keys
    (`PULUMI_CONFIG_SECRET_KEYS`) and calls `pulumi.runtime.set_all_config`, after which
    `pulumi.runtime.is_config_secret` answers per key (pulumi 3.272, pulumi/runtime/config.py);
    the environment variables are read too, for hosts that only set them."""
    from pulumi.runtime.config import CONFIG  # values set in-process (language host, mocks, automation API)

    texts: dict[str, Any] = {}
    for source in (pulumi.runtime.get_config_env(), CONFIG.get()):
        for full_key, value in source.items():
            namespace, _, key = full_key.partition(":")
            if namespace == NAMESPACE:
                texts[key] = value
    env_secrets = set(pulumi.runtime.get_config_secret_keys_env())
    secret_keys = frozenset(
        key for key in texts if pulumi.runtime.is_config_secret(f"{NAMESPACE}:{key}") or f"{NAMESPACE}:{key}" in env_secrets
    )
    values: dict[str, Any] = {}
    problems: list[str] = []
    for key, text in texts.items():
        value, problem = _decode(key, text)
        values[key] = value
        if problem:
            problems.append(f"{NAMESPACE}:{key}: {problem}")
    return RawConfig(values, secret_keys, tuple(problems))


class _DuplicateKey(ValueError):
    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


def _refuse_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for name, value in pairs:
        if name in result:
            raise _DuplicateKey(name)
        result[name] = value
    return result


def _decode(key: str, value: Any) -> tuple[Any, str | None]:
    """A config value as the engine passed it (text) -> the value, and a problem if any.

    Only structured keys are JSON-decoded: a string key keeps its text even if it looks like JSON.
    A mapping that names the same key twice is refused (JSON and YAML parsers silently keep the
    last one, so a typo'd copy would override the first value unnoticed)."""
    if key in _STRING_KEYS or not isinstance(value, str):
        return value, None
    try:
        return json.loads(value, object_pairs_hook=_refuse_duplicates), None
    except _DuplicateKey as duplicate:
        return value, f"the key {_quote(duplicate.name)} appears twice; write each key once"
    except (ValueError, RecursionError):
        return value, None


def _secret_texts(secrets: Mapping[str, Any]) -> tuple[str, ...]:
    """The string values of secret keys, longest first (numbers and switches are not sensitive)."""
    texts = {text for value in secrets.values() for text in _leaf_strings(value) if text}
    return tuple(sorted(texts, key=lambda text: (-len(text), text)))


def _leaf_strings(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        for item in value.values():
            yield from _leaf_strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _leaf_strings(item)
    elif isinstance(value, str):
        yield value


# A secret string of at least this many characters (or any e-mail address) is also found inside
# longer inputs (e.g. ';'-joined contacts, policy documents); shorter ones only as whole values, so
# a secret "openai" does not turn every private DNS zone name into a secret.
_EMBEDDED_SECRET_MIN = 8


def _carries_secret(text: str, secrets: Sequence[str]) -> bool:
    return any(text == secret or ((len(secret) >= _EMBEDDED_SECRET_MIN or "@" in secret) and secret in text) for secret in secrets)


def _contains_secret(value: Any, secrets: Sequence[str]) -> bool:
    if isinstance(value, str):
        return _carries_secret(value, secrets)
    if isinstance(value, dict):
        return any(_contains_secret(item, secrets) for item in value.values())
    if isinstance(value, (list, tuple)):
        return any(_contains_secret(item, secrets) for item in value)
    return False


def mark_secrets(value: Any, secrets: Sequence[str]) -> Any:
    """`value` (resource inputs: plain values, lists, dicts, input types, Outputs) with every string
    that carries a secret config value wrapped in `pulumi.Output.secret`."""
    if isinstance(value, str):
        return pulumi.Output.secret(value) if _carries_secret(value, secrets) else value
    if isinstance(value, pulumi.Output):
        output: pulumi.Output[Any] = value
        return output.apply(lambda resolved: pulumi.Output.secret(resolved) if _contains_secret(resolved, secrets) else resolved)
    if isinstance(value, dict):
        return {name: mark_secrets(item, secrets) for name, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [mark_secrets(item, secrets) for item in value]
    if hasattr(type(value), "_pulumi_input_type"):  # an `*Args` class: its values live in __dict__
        marked = copy.copy(value)
        marked.__dict__.update({name: mark_secrets(item, secrets) for name, item in value.__dict__.items()})
        return marked
    return value


def secret_transformation(secrets: Sequence[str]) -> pulumi.ResourceTransformation:
    """A resource transformation that marks every input carrying one of `secrets` as secret.

    A legacy (SDK-side) transformation, not a `transforms` callback: it runs in the program, so it
    behaves the same under the Pulumi engine and under mocks (which do not run transforms)."""

    def transform(args: pulumi.ResourceTransformationArgs) -> pulumi.ResourceTransformationResult:
        return pulumi.ResourceTransformationResult(mark_secrets(dict(args.props), secrets), args.opts)

    return transform
