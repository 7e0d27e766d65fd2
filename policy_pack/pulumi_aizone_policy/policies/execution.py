"""EXEC-1, EXEC-2, EXEC-3: isolated, approved and bounded code execution in Container Apps dynamic
sessions (app:ContainerAppsSessionPool).

Resource policies:
- EXEC-1: poolManagementType = Dynamic, sessionNetworkConfiguration.status = EgressDisabled and
  dynamicPoolConfiguration.lifecycleConfiguration.lifecycleType = Timed, each stated explicitly
  (the SDK documents no defaults for them).
- EXEC-3: scaleConfiguration.maxConcurrentSessions set and at most `maxConcurrentSessions`
  (default 100: a runaway agent cannot start more than that many sandboxes; Azure's own ceiling is
  far higher); the cooldown (dynamicPoolConfiguration.lifecycleConfiguration.
  cooldownPeriodInSeconds) set and within [`minCooldownSeconds`, `maxCooldownSeconds`] (default
  300..3600 s, the range Azure accepts); every custom container declares resources.cpu (at most
  `maxCpu` cores, default 2) and resources.memory (at most `maxMemoryGi`, default 4; "1Gi",
  "0.5Gi", "512Mi", "250Mb" are understood, decimal units counted as binary ones). PythonLTS pools
  have no containers.

Stack policies (EXEC-2; image digests are MOD-3's `azurenative-app-containerappssessionpool-image-digest`):
- every custom container image comes from an approved registry: the registry host (the image's
  first path segment when it contains a dot or a colon or is localhost; Docker Hub otherwise) is
  the login server of a containerregistry:Registry of the stack (its loginServer output, or
  `<registryName>.azurecr.io`) or matches a glob of the `allowedRegistries` config;
- the Azure ContainerApps Session Executor role is granted only on a single session pool: a known
  scope ends in `/providers/Microsoft.App/sessionPools/<name>`; an unknown scope must be wired from
  session pools only. Role assignments of both providers count (rbac.assignments): a classic
  `azure:authorization/assignment` names the role by roleDefinitionName or roleDefinitionId, and a
  name that is no known built-in role is judged as if it were the executor role (fail safe).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from fnmatch import fnmatchcase
from typing import Final

from .. import reference, tokens
from ..checks import enum_is
from ..config import PolicyConfig
from ..framework import Field, Finding, Resource, ResourcePolicySpec, StackPolicySpec, unknown_value, violation
from ..stackindex import StackIndex, StackResource, normalize_id
from ..values import UNKNOWN, as_dict, as_number, describe, eq_ci, get, items, str_or_none
from .rbac import assignments

DYNAMIC = "Dynamic"
PYTHON_LTS = "PythonLTS"
EGRESS_DISABLED = "EgressDisabled"
TIMED = "Timed"
_LIFECYCLE = "dynamicPoolConfiguration.lifecycleConfiguration"
_CONTAINERS = "customContainerTemplate.containers"
_MAX_SESSIONS = "scaleConfiguration.maxConcurrentSessions"
_COOLDOWN = f"{_LIFECYCLE}.cooldownPeriodInSeconds"
DOCKER_HUB: Final = "docker.io"
ACR_SUFFIX: Final = ".azurecr.io"
_POOL_SCOPE = re.compile(r"/providers/microsoft\.app/sessionpools/[^/]+$")
_MEMORY = re.compile(r"^\s*([0-9]*\.?[0-9]+)\s*([kmgt]?)(i?)b?\s*$", re.IGNORECASE)
_EXPONENTS: Final = {"": 0, "k": 1, "m": 2, "g": 3, "t": 4}


# --- EXEC-1 --------------------------------------------------------------------------------------


def _isolated(resource: Resource, _config: PolicyConfig) -> Iterator[Finding]:
    """Dynamic pool, no network egress, sessions destroyed after a timed cooldown."""
    yield from enum_is(
        resource,
        "poolManagementType",
        (DYNAMIC,),
        "is not a dynamic session pool (sessions are not fresh per use)",
        f"set poolManagementType = '{DYNAMIC}'",
    )
    yield from enum_is(
        resource,
        "sessionNetworkConfiguration.status",
        (EGRESS_DISABLED,),
        "lets sessions reach the network",
        f"set sessionNetworkConfiguration.status = '{EGRESS_DISABLED}'",
    )
    yield from enum_is(
        resource,
        f"{_LIFECYCLE}.lifecycleType",
        (TIMED,),
        "does not destroy idle sessions after a cooldown",
        f"set {_LIFECYCLE}.lifecycleType = '{TIMED}' with a cooldownPeriodInSeconds",
    )


# --- EXEC-3 --------------------------------------------------------------------------------------


def memory_gib(value: object) -> float | None:
    """A memory quantity ("1Gi", "0.5Gi", "512Mi", "250Mb", bytes) in GiB, None when unreadable."""
    match = _MEMORY.match(value) if isinstance(value, str) else None
    if match is None:
        return None
    number, unit, _binary = match.groups()
    return float(number) * 1024 ** _EXPONENTS[unit.lower()] / 1024**3


def _within(resource: Resource, path: str, value: object, low: float, high: float, what: str) -> Iterator[Finding]:
    """A numeric setting is present and within [low, high]."""
    number = as_number(value)
    if value is UNKNOWN:
        yield unknown_value(resource.subject, path)
    elif number is None:
        yield violation(f"{resource.subject} does not set {what} ({path} is {describe(value)}): set {path} within {low:g}..{high:g}.")
    elif not low <= number <= high:
        yield violation(
            f"{resource.subject} sets {what} to {number:g} ({path}), outside {low:g}..{high:g}: set it "
            "within the bounds, or change this policy's config after review."
        )


def _container_limits(resource: Resource, config: PolicyConfig) -> Iterator[Finding]:
    """Every custom container declares CPU and memory within the caps."""
    containers = resource.get(_CONTAINERS)
    if containers is UNKNOWN:
        yield unknown_value(resource.subject, _CONTAINERS)
        return
    max_cpu, max_memory = config.number("maxCpu"), config.number("maxMemoryGi")
    for index, item in enumerate(items(containers)):
        where = f"{_CONTAINERS}[{index}].resources"
        cpu, memory = get(item, "resources.cpu"), get(item, "resources.memory")
        if UNKNOWN in (item, cpu, memory):
            yield unknown_value(resource.subject, where)
            continue
        yield from _within(resource, f"{where}.cpu", cpu, 0.0, max_cpu, "the CPU cores of a session")
        gib = memory_gib(memory)
        if gib is None or gib > max_memory:
            yield violation(
                f"{resource.subject} sets {where}.memory to {describe(memory)}: declare the memory of "
                f"each session (e.g. '2Gi'), at most {max_memory:g}Gi."
            )


def _limits(resource: Resource, config: PolicyConfig) -> Iterator[Finding]:
    """Concurrency cap, cooldown bounds and per-session resources."""
    yield from _within(
        resource, _MAX_SESSIONS, resource.get(_MAX_SESSIONS), 1.0, config.number("maxConcurrentSessions"), "the concurrent-session cap"
    )
    yield from _within(
        resource,
        _COOLDOWN,
        resource.get(_COOLDOWN),
        config.number("minCooldownSeconds"),
        config.number("maxCooldownSeconds"),
        "the idle cooldown in seconds",
    )
    yield from _container_limits(resource, config)


# --- EXEC-2 --------------------------------------------------------------------------------------


def registry_host(image: str) -> str:
    """The registry host of an image reference (Docker Hub when the first segment is no host)."""
    first, separator, _rest = image.strip().partition("/")
    if separator and ("." in first or ":" in first or first.lower() == "localhost"):
        return first.lower()
    return DOCKER_HUB


def _stack_registries(stack: StackIndex) -> tuple[set[str], bool]:
    """Login servers of the stack's registries, and whether some registry's name is unknown."""
    hosts: set[str] = set()
    unknown = False
    for registry in stack.of_type(tokens.CONTAINER_REGISTRY):
        login = str_or_none(registry.get("loginServer"))
        names = [str_or_none(registry.get(prop)) for prop in ("registryName", "name")]
        found = {login.lower()} if login else set[str]()
        found |= {f"{name.lower()}{ACR_SUFFIX}" for name in names if name}
        unknown = unknown or not found
        hosts |= found
    return hosts, unknown


def _image_finding(
    pool: StackResource, path: str, image: object, hosts: set[str], unknown: bool, allowed: tuple[str, ...]
) -> Finding | None:
    """Finding for one image of a pool, or None when its registry is approved."""
    if image is UNKNOWN:
        return unknown_value(pool.subject, path, urn=pool.urn, name=pool.name)
    text = str_or_none(image)
    if text is None:
        return None
    host = registry_host(text)
    if host in hosts or any(fnmatchcase(host, pattern.lower()) for pattern in allowed):
        return None
    if unknown and host.endswith(ACR_SUFFIX):
        return unknown_value(pool.subject, f"{path} (the login server of the stack's registry)", urn=pool.urn, name=pool.name)
    return violation(
        f"{pool.subject} runs image '{text}' ({path}) from registry '{host}', which is neither a "
        "container registry of this stack nor in allowedRegistries: push the reviewed image to the "
        "platform's private registry and reference it from there by digest, or add the registry host "
        "to this policy's allowedRegistries config.",
        urn=pool.urn,
        name=pool.name,
    )


def _approved_registry(stack: StackIndex, config: PolicyConfig) -> Iterator[Finding]:
    """Custom session images come from the stack's registries or the allow-list."""
    pools = stack.of_type(tokens.SESSION_POOL)
    if not pools:
        return
    hosts, unknown = _stack_registries(stack)
    allowed = config.strings("allowedRegistries")
    for pool in pools:
        containers = pool.get(_CONTAINERS)
        if containers is UNKNOWN and eq_ci(pool.get("containerType"), PYTHON_LTS):
            # A PythonLTS pool runs no image of its own. The customContainerTemplate it leaves
            # unset is not absent in a preview but unknown: azure-native's preview of a new
            # resource answers every output its inputs do not give as unknown (pulumi-azure-native
            # provider/pkg/convert/previewOutputs.go, PreviewOutputs). Images it does list are
            # still checked below.
            continue
        if containers is UNKNOWN:
            yield unknown_value(pool.subject, _CONTAINERS, urn=pool.urn, name=pool.name)
            continue
        for index, item in enumerate(items(containers)):
            image = UNKNOWN if item is UNKNOWN else (as_dict(item) or {}).get("image")
            finding = _image_finding(pool, f"{_CONTAINERS}[{index}].image", image, hosts, unknown, allowed)
            if finding is not None:
                yield finding


def _executor_scope(stack: StackIndex, _config: PolicyConfig) -> Iterator[Finding]:
    """The session executor role is granted on single session pools only."""
    for assignment in assignments(stack):
        if not assignment.role.may_be({reference.SESSION_EXECUTOR_ROLE}):
            continue
        scope = assignment.scope
        where = {"urn": assignment.urn, "name": assignment.name}
        wired = [target for urn in assignment.property_dependencies.get("scope", ()) if (target := stack.get(urn)) is not None]
        if isinstance(scope, str) and scope:
            wide = _POOL_SCOPE.search(normalize_id(scope)) is None
            shown = f"'{scope}'"
        elif wired:
            wide = any(target.type != tokens.SESSION_POOL for target in wired)
            shown = f"the id of {wired[0].subject}"
        else:
            yield unknown_value(assignment.subject, "scope", **where)
            continue
        if wide:
            role = f"'{reference.SESSION_EXECUTOR_ROLE}'" if assignment.role.unresolved is None else assignment.role.label
            yield violation(
                f"{assignment.subject} grants {role} at scope {shown}, "
                "not on a single session pool: scope it to the agent's own session pool "
                "(/subscriptions/.../providers/Microsoft.App/sessionPools/<name>), so only that "
                "agent can run code there.",
                **where,
            )


_POOL_CONFIG: dict[str, dict[str, object]] = {
    "maxConcurrentSessions": {
        "type": "number",
        "minimum": 1,
        "default": 100,
        "description": "Largest scaleConfiguration.maxConcurrentSessions a session pool may set.",
    },
    "minCooldownSeconds": {
        "type": "number",
        "minimum": 0,
        "default": 300,
        "description": "Shortest allowed idle cooldown of a session, in seconds.",
    },
    "maxCooldownSeconds": {
        "type": "number",
        "minimum": 1,
        "default": 3600,
        "description": "Longest allowed idle cooldown of a session, in seconds.",
    },
    "maxCpu": {"type": "number", "minimum": 0, "default": 2, "description": "Most CPU cores one custom container session may request."},
    "maxMemoryGi": {
        "type": "number",
        "minimum": 0,
        "default": 4,
        "description": "Most memory (GiB) one custom container session may request.",
    },
}

POLICIES: tuple[ResourcePolicySpec | StackPolicySpec, ...] = (
    ResourcePolicySpec(
        name="azurenative-app-containerappssessionpool-isolated-sessions",
        controls=("EXEC-1",),
        description="Session pools must be dynamic, with network egress disabled and timed session lifecycles.",
        severity="high",
        remediation=(
            "Set poolManagementType = 'Dynamic', sessionNetworkConfiguration.status = "
            "'EgressDisabled' and dynamicPoolConfiguration.lifecycleConfiguration.lifecycleType = "
            "'Timed' on every session pool that runs agent code."
        ),
        fields=(
            Field(tokens.SESSION_POOL, "poolManagementType", (DYNAMIC,)),
            Field(tokens.SESSION_POOL, "sessionNetworkConfiguration.status", (EGRESS_DISABLED,)),
            Field(tokens.SESSION_POOL, f"{_LIFECYCLE}.lifecycleType", (TIMED,)),
        ),
        resource_types=(tokens.SESSION_POOL,),
        rule=_isolated,
    ),
    ResourcePolicySpec(
        name="azurenative-app-containerappssessionpool-resource-limits",
        controls=("EXEC-3",),
        description="Session pools must cap concurrent sessions, bound the cooldown and limit CPU and memory per session.",
        severity="medium",
        remediation=(
            "Set scaleConfiguration.maxConcurrentSessions, a cooldownPeriodInSeconds within the "
            "configured bounds and resources.cpu / resources.memory on every custom container."
        ),
        fields=(
            Field(tokens.SESSION_POOL, _MAX_SESSIONS),
            Field(tokens.SESSION_POOL, _COOLDOWN),
            Field(tokens.SESSION_POOL, f"{_CONTAINERS}[].resources.cpu"),
            Field(tokens.SESSION_POOL, f"{_CONTAINERS}[].resources.memory"),
        ),
        resource_types=(tokens.SESSION_POOL,),
        rule=_limits,
        config=_POOL_CONFIG,
    ),
    StackPolicySpec(
        name="azurenative-app-containerappssessionpool-approved-registry",
        controls=("EXEC-2",),
        description="Custom session container images must come from the platform's private registry or an approved one.",
        severity="high",
        remediation=(
            "Push reviewed session images to the landing zone's containerregistry:Registry and reference "
            "them from its login server by digest; list other approved registry hosts in allowedRegistries."
        ),
        fields=(
            Field(tokens.SESSION_POOL, f"{_CONTAINERS}[].image"),
            Field(tokens.CONTAINER_REGISTRY, "registryName"),
        ),
        rule=_approved_registry,
        config={
            "allowedRegistries": {
                "type": "array",
                "items": {"type": "string", "minLength": 1},
                "default": [],
                "description": (
                    "Registry hosts (fnmatch globs, e.g. 'crplatform.azurecr.io') session images may "
                    "come from besides the registries of the stack itself."
                ),
            }
        },
    ),
    StackPolicySpec(
        name="azurenative-authorization-roleassignment-session-executor-scope",
        controls=("EXEC-2",),
        description="The Azure ContainerApps Session Executor role must be granted on a single session pool.",
        severity="high",
        remediation=(
            "Scope each Azure ContainerApps Session Executor assignment to the one session pool of the "
            "agent it is for (scope = the pool's id), never to a resource group or subscription."
        ),
        fields=(
            Field(tokens.ROLE_ASSIGNMENT, "roleDefinitionId"),
            Field(tokens.ROLE_ASSIGNMENT, "scope"),
            *(Field(tokens.AZ_ROLE_ASSIGNMENT, prop) for prop in ("roleDefinitionId", "roleDefinitionName", "scope")),
        ),
        rule=_executor_scope,
    ),
)
