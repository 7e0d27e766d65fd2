"""`aizone:execution`: the container registry, the code sessions (either may be `false`) and
the model artifacts verified before deployment."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Mapping, Sequence

from ...registry import RegistryOptions
from ...sessions import SessionPoolOptions
from .reader import NAMESPACE, _describe, _names, _read_options, _Reader


@dataclass(frozen=True)
class ModelArtifact:
    """An open-source model artifact checked against its SHA-256 digest before deployment (MOD-3)."""

    name: str
    path: str
    sha256: str


@dataclass(frozen=True)
class ExecutionSettings:
    """Code execution for agents (EXEC-1..3): the private registry and one session pool per agent."""

    registry: RegistryOptions | None
    """None: `registry: false`, no container registry (and no custom session images)."""
    sessions: SessionPoolOptions | None
    """None: `sessions: false`, no code sessions (and no agents subnet)."""
    agent_sessions: Mapping[str, SessionPoolOptions]
    model_artifacts: tuple[ModelArtifact, ...]


# config key -> (options field, accepted config type) for the options dataclasses of components,
# whose own __post_init__ enforces the bounds.
_REGISTRY_FIELDS: dict[str, tuple[str, type]] = {
    "untaggedRetentionDays": ("untagged_retention_days", int),
    "zoneRedundant": ("zone_redundant", bool),
    "allowTrustedServices": ("allow_trusted_services", bool),
}
_SESSION_FIELDS: dict[str, tuple[str, type]] = {
    "containerType": ("container_type", str),
    "image": ("image", str),
    "cpu": ("cpu", float),
    "memory": ("memory", str),
    "targetPort": ("target_port", int),
    "maxConcurrentSessions": ("max_concurrent_sessions", int),
    "readySessionInstances": ("ready_session_instances", int),
    "cooldownSeconds": ("cooldown_seconds", int),
}


def _read_execution(reader: _Reader, value: Any, agent_names: Sequence[str]) -> ExecutionSettings:
    """The registry and the code sessions; `registry: false` / `sessions: false` turn either off."""
    key = f"{NAMESPACE}:execution"
    data = reader.mapping(key, value, ("registry", "sessions", "agentSessions", "modelArtifacts"))
    for name, what in (("registry", "the container registry"), ("sessions", "code sessions")):
        if name in data and data[name] is not False and not isinstance(data[name], dict):
            reader.fail(
                f"{key}.{name}", f"expected a mapping of {name} settings, or false to deploy without {what}, got {_describe(data[name])}"
            )
    registry: RegistryOptions | None = None
    if isinstance(data.get("registry", {}), dict):
        registry = _read_options(reader, f"{key}.registry", data.get("registry", {}), _REGISTRY_FIELDS, RegistryOptions)
    sessions: SessionPoolOptions | None = None
    if isinstance(data.get("sessions", {}), dict):
        sessions = _read_options(reader, f"{key}.sessions", data.get("sessions", {}), _SESSION_FIELDS, SessionPoolOptions)
    overrides_raw = data.get("agentSessions", {})
    overrides: dict[str, SessionPoolOptions] = {}
    if sessions is None and "agentSessions" in data:
        reader.fail(f"{key}.agentSessions", "is only used by code sessions, which aizone:execution.sessions: false turns off; remove it")
    elif not isinstance(overrides_raw, dict):
        reader.fail(f"{key}.agentSessions", f"expected a mapping of agent name to session options, got {_describe(overrides_raw)}")
    else:
        for agent_name, options in overrides_raw.items():
            entry = f"{key}.agentSessions.{agent_name}"
            if agent_name not in agent_names:
                reader.fail(entry, f"{agent_name!r} is not a declared agent; declared: {_names(agent_names)}")
                continue
            overrides[agent_name] = _read_options(reader, entry, options, _SESSION_FIELDS, SessionPoolOptions)
    artifacts = reader.sequence(f"{key}.modelArtifacts", data.get("modelArtifacts", []), lambda k, v: _read_artifact(reader, k, v))
    if registry is None:
        # Custom session images come only from the stack's own registry (EXEC-2, MOD-3).
        pools = {"sessions": sessions, **{f"agentSessions.{name}": options for name, options in overrides.items()}}
        for pool, options in pools.items():
            if options is not None and getattr(options, "image", None) is not None:
                reader.fail(
                    f"{key}.{pool}.image",
                    "a custom image must come from the stack's container registry (EXEC-2), which "
                    "aizone:execution.registry: false turns off; use a built-in containerType or turn the registry on",
                )
    return ExecutionSettings(registry, sessions, overrides, artifacts)


_SHA256 = re.compile(r"^(sha256:)?[0-9a-f]{64}$")


def _read_artifact(reader: _Reader, key: str, value: Any) -> ModelArtifact:
    data = reader.mapping(key, value, ("name", "path", "sha256"), ("name", "path", "sha256"))
    return ModelArtifact(
        name=reader.string(f"{key}.name", data.get("name"), None) if "name" in data else "",
        path=reader.string(f"{key}.path", data.get("path"), None) if "path" in data else "",
        sha256=reader.string(
            f"{key}.sha256", data.get("sha256"), _SHA256, "expected 64 lowercase hex digits, optionally prefixed 'sha256:'"
        )
        if "sha256" in data
        else "",
    )
