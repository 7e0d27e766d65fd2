"""MOD-3 (and EXEC-2): model authenticity and integrity.

- Model deployments deploy only allow-listed models, matched on format, name and version (format
  and name case-insensitively, version exactly; a deployment without a version fails).
- Model deployments do not deploy a retired model version (mandatory), and a version within
  retirementNoticeDays (90) of its retirement date is reported as an advisory note, from the
  retirement dates in defaults.MODEL_RETIREMENTS (Microsoft Learn's model retirement schedule; a
  stack may override them in the policy config modelRetirements).
- Model deployments set versionUpgradeOption = NoAutoUpgrade: an absent value means the service
  default OnceNewDefaultVersionAvailable, which silently swaps the model.
- Container images (session pool custom containers, container apps and jobs, ML environments) are
  referenced by digest, `<registry>/<repository>@sha256:<64 hex>`, so what runs is what was
  reviewed.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator, Mapping

from .. import defaults, tokens
from ..checks import enum_is
from ..config import JsonSchema, PolicyConfig
from ..framework import Field, Finding, Resource, ResourcePolicySpec, ResourceRule, unknown_value, violation
from ..values import UNKNOWN, as_dict, describe, eq_ci, items

NO_AUTO_UPGRADE = "NoAutoUpgrade"
DIGEST_PATTERN = re.compile(r"@sha256:[0-9a-f]{64}$")

# Shared with the program's settings (defaults.py), so program and pack cannot drift.
DEFAULT_ALLOWED_MODELS: tuple[Mapping[str, str], ...] = defaults.ALLOWED_MODELS

_MODEL_KEYS = ("format", "name", "version")
_LIFECYCLE_POLICY = "azurenative-cognitiveservices-deployment-model-lifecycle"


def _model_text(model: Mapping[str, object]) -> str:
    """format/name/version rendering of a model entry."""
    return "/".join(str(model.get(key) or "?") for key in _MODEL_KEYS)


def _allowed(model: Mapping[str, object], allow_list: tuple[Mapping[str, object], ...]) -> bool:
    """True when the model matches an allow-list entry (format/name ignore case, version exact)."""
    for entry in allow_list:
        format_, name, version = (entry.get(key) for key in _MODEL_KEYS)
        if (
            isinstance(format_, str)
            and isinstance(name, str)
            and eq_ci(model.get("format"), format_)
            and eq_ci(model.get("name"), name)
            and model.get("version") == version
        ):
            return True
    return False


def _approved_model(resource: Resource, config: PolicyConfig) -> Iterator[Finding]:
    """properties.model {format, name, version} is on the allow-list; the version is pinned."""
    model = resource.get("properties.model")
    if model is UNKNOWN or any(resource.get(f"properties.model.{key}") is UNKNOWN for key in _MODEL_KEYS):
        yield unknown_value(resource.subject, "properties.model")
        return
    fields = as_dict(model) or {}
    allow_list = config.objects("allowedModels")
    if not isinstance(fields.get("version"), str) or not fields.get("version"):
        yield violation(
            f"{resource.subject} deploys model {_model_text(fields)} without a version: pin "
            "properties.model.version to an allow-listed version."
        )
    elif not _allowed(fields, allow_list):
        allowed = ", ".join(_model_text(entry) for entry in allow_list) or "none"
        yield violation(
            f"{resource.subject} deploys model {_model_text(fields)}, which is not on the "
            f"allow-list ({allowed}): deploy an approved model, or add it (format, name, version) "
            "to this policy's allowedModels config after review."
        )


def _retirement(model: Mapping[str, object], retirements: tuple[Mapping[str, object], ...]) -> object:
    """The `retires` value of the entry matching the model (format/name ignore case, version
    exact), or None when the schedule does not list it."""
    for entry in retirements:
        format_, name = entry.get("format"), entry.get("name")
        if (
            isinstance(format_, str)
            and isinstance(name, str)
            and eq_ci(model.get("format"), format_)
            and eq_ci(model.get("name"), name)
            and model.get("version") == entry.get("version")
        ):
            return entry.get("retires")
    return None


def model_lifecycle(subject: str, model: Mapping[str, object], config: PolicyConfig, today: dt.date) -> Iterator[Finding]:
    """A retired model version is a violation; one within retirementNoticeDays of its retirement
    date is an advisory note (reported like an unknown value: framework.emit)."""
    retires = _retirement(model, config.objects("modelRetirements"))
    if retires is None:
        return
    try:
        day = dt.date.fromisoformat(str(retires))
    except ValueError:
        yield violation(
            f"{subject} deploys model {_model_text(model)}, whose retirement date in this policy's "
            f"modelRetirements config is {describe(retires)}, not a YYYY-MM-DD date: correct the entry."
        )
        return
    notice = int(config.number("retirementNoticeDays"))
    if day <= today:
        yield violation(
            f"{subject} deploys model {_model_text(model)}, which retired on {day.isoformat()} "
            "(deployments of a retired model return errors, and Azure refuses new ones): move the "
            "deployment to a current model version on the allow-list."
        )
    elif (day - today).days <= notice:
        yield Finding(
            message=(
                f"{subject} deploys model {_model_text(model)}, which retires on {day.isoformat()} "
                f"(in {(day - today).days} days, within the {notice}-day notice): plan the move to a "
                "newer version before then."
            ),
            unknown=True,
        )


def today() -> dt.date:
    """Today's date (UTC), the reference for retirement dates."""
    return dt.datetime.now(dt.timezone.utc).date()


def _model_lifecycle(resource: Resource, config: PolicyConfig) -> Iterator[Finding]:
    """properties.model is not a retired version, nor one within the notice period."""
    model = resource.get("properties.model")
    if model is UNKNOWN or any(resource.get(f"properties.model.{key}") is UNKNOWN for key in _MODEL_KEYS):
        yield unknown_value(resource.subject, "properties.model")
        return
    yield from model_lifecycle(resource.subject, as_dict(model) or {}, config, today())


LIFECYCLE_CONFIG: Mapping[str, JsonSchema] = {
    "modelRetirements": {
        "type": "array",
        "default": [dict(entry) for entry in defaults.MODEL_RETIREMENTS],
        "description": (
            "Retirement dates of model versions (format, name, exact version, retires: YYYY-MM-DD), "
            f"from {defaults.MODEL_RETIREMENTS_SOURCE}, read {defaults.MODEL_RETIREMENTS_READ}."
        ),
        "items": {
            "type": "object",
            "properties": {
                "format": {"type": "string", "minLength": 1},
                "name": {"type": "string", "minLength": 1},
                "version": {"type": "string", "minLength": 1},
                "retires": {"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"},
            },
            "required": [*_MODEL_KEYS, "retires"],
            "additionalProperties": False,
        },
    },
    "retirementNoticeDays": {
        "type": "integer",
        "minimum": 0,
        "default": defaults.RETIREMENT_NOTICE_DAYS,
        "description": "Days before a model version's retirement date from which its deployments are reported (advisory).",
    },
}


def _no_auto_upgrade(resource: Resource, _config: PolicyConfig) -> Iterator[Finding]:
    """properties.versionUpgradeOption = NoAutoUpgrade (absent = OnceNewDefaultVersionAvailable)."""
    yield from enum_is(
        resource,
        "properties.versionUpgradeOption",
        (NO_AUTO_UPGRADE,),
        "lets Azure upgrade the model version automatically",
        f"set properties.versionUpgradeOption = '{NO_AUTO_UPGRADE}' (unset means OnceNewDefaultVersionAvailable) and upgrade deliberately",
    )


def _image_findings(resource: Resource, path: str, image: object) -> Iterator[Finding]:
    """One image reference must end in @sha256:<64 lower-case hex digits>."""
    if image is UNKNOWN:
        yield unknown_value(resource.subject, path)
    elif isinstance(image, str) and image and DIGEST_PATTERN.search(image) is None:
        yield violation(
            f"{resource.subject} runs image {describe(image)} ({path}), which is not pinned by "
            "digest: reference it as <registry>/<repository>@sha256:<64-hex digest> of the "
            "reviewed and scanned image."
        )


def _container_images(resource: Resource, list_paths: tuple[str, ...]) -> Iterator[Finding]:
    """Images of every container listed under `list_paths` are pinned by digest."""
    for list_path in list_paths:
        containers = resource.get(list_path)
        if containers is UNKNOWN:
            yield unknown_value(resource.subject, list_path)
            continue
        for index, item in enumerate(items(containers)):
            container = as_dict(item)
            if item is UNKNOWN:
                yield unknown_value(resource.subject, f"{list_path}[{index}]")
            elif container is not None:
                yield from _image_findings(resource, f"{list_path}[{index}].image", container.get("image"))


def _session_pool_images(resource: Resource, _config: PolicyConfig) -> Iterator[Finding]:
    """Session pool custom containers are pinned by digest (PythonLTS pools have no image)."""
    yield from _container_images(resource, ("customContainerTemplate.containers",))


def _app_images(resource: Resource, _config: PolicyConfig) -> Iterator[Finding]:
    """Container app / job containers and init containers are pinned by digest."""
    yield from _container_images(resource, ("template.containers", "template.initContainers"))


def _ml_environment_image(resource: Resource, _config: PolicyConfig) -> Iterator[Finding]:
    """An ML environment built from a base image pins that image by digest."""
    yield from _image_findings(resource, "properties.image", resource.get("properties.image"))


_DIGEST_REMEDIATION = (
    "Reference every container image by digest (<registry>/<repository>@sha256:<digest>) after "
    "the image has been reviewed and scanned; tags are mutable and can be repointed."
)


def _image_policy(
    name: str,
    type_token: str,
    paths: tuple[str, ...],
    description: str,
    rule: ResourceRule,
    controls: tuple[str, ...] = ("MOD-3", "EXEC-2"),
) -> ResourcePolicySpec:
    """A digest-pinning policy for one resource type."""
    return ResourcePolicySpec(
        name=name,
        controls=controls,
        description=description,
        severity="high",
        remediation=_DIGEST_REMEDIATION,
        fields=tuple(Field(type_token, path) for path in paths),
        resource_types=(type_token,),
        rule=rule,
    )


POLICIES: tuple[ResourcePolicySpec, ...] = (
    ResourcePolicySpec(
        name="azurenative-cognitiveservices-deployment-approved-model",
        controls=("MOD-3",),
        description="Model deployments must deploy an allow-listed model (format, name and version).",
        severity="high",
        remediation=(
            "Deploy only models on the stack's allow-list (policy config allowedModels: format, "
            "name, version) and pin properties.model.version."
        ),
        fields=(
            Field(tokens.COGNITIVE_DEPLOYMENT, "properties.model.format"),
            Field(tokens.COGNITIVE_DEPLOYMENT, "properties.model.name"),
            Field(tokens.COGNITIVE_DEPLOYMENT, "properties.model.version"),
        ),
        resource_types=(tokens.COGNITIVE_DEPLOYMENT,),
        rule=_approved_model,
        config={
            "allowedModels": {
                "type": "array",
                "default": [dict(model) for model in DEFAULT_ALLOWED_MODELS],
                "description": "Approved models: format (e.g. OpenAI), name and exact version.",
                "items": {
                    "type": "object",
                    "properties": {
                        "format": {"type": "string", "minLength": 1},
                        "name": {"type": "string", "minLength": 1},
                        "version": {"type": "string", "minLength": 1},
                    },
                    "required": list(_MODEL_KEYS),
                    "additionalProperties": False,
                },
            }
        },
    ),
    ResourcePolicySpec(
        name=_LIFECYCLE_POLICY,
        controls=("MOD-3",),
        description=(
            "Model deployments must not deploy a retired model version; a version within the notice "
            "period of its retirement date is reported (advisory)."
        ),
        severity="high",
        remediation=(
            "Move the deployment to a current model version on the allow-list (a reviewed change of "
            "properties.model.version) before the version's retirement date; keep the pack's "
            "modelRetirements config current with Microsoft Learn's model retirement schedule."
        ),
        fields=(
            Field(tokens.COGNITIVE_DEPLOYMENT, "properties.model.format"),
            Field(tokens.COGNITIVE_DEPLOYMENT, "properties.model.name"),
            Field(tokens.COGNITIVE_DEPLOYMENT, "properties.model.version"),
        ),
        resource_types=(tokens.COGNITIVE_DEPLOYMENT,),
        rule=_model_lifecycle,
        config=LIFECYCLE_CONFIG,
    ),
    ResourcePolicySpec(
        name="azurenative-cognitiveservices-deployment-no-auto-upgrade",
        controls=("MOD-3",),
        description="Model deployments must not upgrade the model version automatically.",
        severity="medium",
        remediation=(
            f"Set properties.versionUpgradeOption = '{NO_AUTO_UPGRADE}' and move to a new model "
            "version through a reviewed change of the allow-list and the deployment."
        ),
        fields=(Field(tokens.COGNITIVE_DEPLOYMENT, "properties.versionUpgradeOption", (NO_AUTO_UPGRADE,)),),
        resource_types=(tokens.COGNITIVE_DEPLOYMENT,),
        rule=_no_auto_upgrade,
    ),
    _image_policy(
        "azurenative-app-containerappssessionpool-image-digest",
        tokens.SESSION_POOL,
        ("customContainerTemplate.containers[].image",),
        "Session pool custom container images must be pinned by digest.",
        _session_pool_images,
    ),
    _image_policy(
        "azurenative-app-containerapp-image-digest",
        tokens.CONTAINER_APP,
        ("template.containers[].image", "template.initContainers[].image"),
        "Container app images must be pinned by digest.",
        _app_images,
    ),
    _image_policy(
        "azurenative-app-job-image-digest",
        tokens.CONTAINER_APP_JOB,
        ("template.containers[].image", "template.initContainers[].image"),
        "Container Apps job images must be pinned by digest.",
        _app_images,
    ),
    _image_policy(
        "azurenative-machinelearningservices-environmentversion-image-digest",
        tokens.ML_ENVIRONMENT_VERSION,
        ("properties.image",),
        "Machine Learning environment base images must be pinned by digest.",
        _ml_environment_image,
        controls=("MOD-3",),
    ),
)
