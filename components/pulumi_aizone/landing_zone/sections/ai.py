"""`aizone:ai` and `aizone:applications`: the AI account, its model deployments (allow-list,
capacity) and the applications with their data boundaries."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Sequence

from pulumi_aizone_policy import defaults, reference

from ...ai_services import Application, ModelDeployment, ModelRef
from .reader import _APP_NAME, NAMESPACE, _check_unique, _describe, _Reader

BOUNDARIES = reference.BOUNDARIES
SEVERITY_THRESHOLDS = ("Low", "Medium", "High")
_DEPLOYMENT_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


@dataclass(frozen=True)
class AiSettings:
    kind: str
    sku: str
    deployments: tuple[ModelDeployment, ...]
    severity_threshold: str
    max_capacity: int
    allowed_models: tuple[ModelRef, ...]


_AI_KEYS = ("kind", "sku", "deployments", "contentFilter", "maxCapacity", "allowedModels")


def _read_ai(reader: _Reader, value: Any) -> AiSettings:
    key = f"{NAMESPACE}:ai"
    data = reader.mapping(key, value, _AI_KEYS, ("deployments",))
    kind = reader.choice(f"{key}.kind", data.get("kind", "AIServices"), defaults.ALLOWED_ACCOUNT_KINDS)
    sku = reader.choice(f"{key}.sku", data.get("sku", "S0"), ("S0",))
    max_capacity = reader.integer(f"{key}.maxCapacity", data.get("maxCapacity", defaults.MAX_DEPLOYMENT_CAPACITY), 1, 10_000)
    filter_data = reader.mapping(f"{key}.contentFilter", data.get("contentFilter", {}), ("severityThreshold",))
    threshold = reader.choice(f"{key}.contentFilter.severityThreshold", filter_data.get("severityThreshold", "Medium"), SEVERITY_THRESHOLDS)
    if "allowedModels" in data:
        allowed = reader.sequence(f"{key}.allowedModels", data["allowedModels"], lambda k, v: _read_model(reader, k, v))
    else:
        allowed = tuple(ModelRef(m["format"], m["name"], m["version"]) for m in defaults.ALLOWED_MODELS)
    deployments = reader.sequence(
        f"{key}.deployments",
        data.get("deployments", []),
        lambda k, v: _read_deployment(reader, k, v, allowed, max_capacity),
    )
    if "deployments" in data and not deployments and isinstance(data["deployments"], list):
        reader.fail(f"{key}.deployments", "needs at least one model deployment")
    _check_unique(reader, f"{key}.deployments", [d.name for d in deployments], "deployment name")
    return AiSettings(kind, sku, deployments, threshold, max_capacity, allowed)


def _read_model(reader: _Reader, key: str, value: Any) -> ModelRef:
    data = reader.mapping(key, value, ("format", "name", "version"), ("format", "name", "version"))
    fields = [data.get(name) for name in ("format", "name", "version")]
    strings = [f for f in fields if isinstance(f, str) and f]
    if len(strings) != 3:
        if all(name in data for name in ("format", "name", "version")):
            reader.fail(key, 'format, name and version must be non-empty strings (quote versions like "1")')
        return ModelRef("", "", "")
    return ModelRef(strings[0], strings[1], strings[2])


def _read_deployment(reader: _Reader, key: str, value: Any, allowed: Sequence[ModelRef], max_capacity: int) -> ModelDeployment:
    data = reader.mapping(key, value, ("name", "model", "sku", "capacity"), ("name", "model", "capacity"))
    name = reader.string(f"{key}.name", data.get("name"), _DEPLOYMENT_NAME, "use letters, digits, '.', '_' or '-' (max 64)")
    model = _read_model(reader, f"{key}.model", data.get("model", {})) if "model" in data else ModelRef("", "", "")
    if model.name and model not in allowed:
        reader.fail(
            f"{key}.model",
            f"{model.label()} is not on the model allow-list (MOD-3); allowed: {', '.join(m.label() for m in allowed)}",
        )
    sku = reader.choice(
        f"{key}.sku", data.get("sku", "GlobalStandard"), ("GlobalStandard", "Standard", "DataZoneStandard", "ProvisionedManaged")
    )
    capacity = reader.integer(f"{key}.capacity", data.get("capacity"), 1, max_capacity) if "capacity" in data else 1
    return ModelDeployment(name, model, sku, capacity)


def _read_applications(reader: _Reader, value: Any) -> tuple[Application, ...]:
    key = f"{NAMESPACE}:applications"
    apps = reader.sequence(key, value, lambda k, v: _read_application(reader, k, v))
    if isinstance(value, list) and not value:
        reader.fail(key, "declare at least one application (name and boundary)")
    _check_unique(reader, key, [app.name for app in apps], "application name")
    return apps


def _read_application(reader: _Reader, key: str, value: Any) -> Application:
    data = reader.mapping(key, value, ("name", "boundary", "description"), ("name", "boundary"))
    name = reader.string(f"{key}.name", data.get("name"), _APP_NAME, "use 3-24 lowercase letters, digits and '-', starting with a letter")
    boundary = reader.choice(f"{key}.boundary", data.get("boundary"), BOUNDARIES) if "boundary" in data else BOUNDARIES[0]
    description = data.get("description", "")
    if not isinstance(description, str):
        reader.fail(f"{key}.description", f"expected a string, got {_describe(description)}")
        description = ""
    return Application(name, boundary, description)
