"""Isolated code execution for agents: Azure Container Apps dynamic sessions (EXEC-1, EXEC-2, EXEC-3,
EXEC-4, ACC-5, ACC-6, ACC-7, RES-2).

What a reviewer should find here:
- one Container Apps environment with the Consumption workload profile, injected into the agents
  subnet (delegated to Microsoft.App/environments) with an internal load balancer only
  (`vnetConfiguration.internal = true`, public network access disabled, ACC-7) and peer traffic
  encrypted. Its application logs go to Azure Monitor (`appLogsConfiguration.destination =
  azure-monitor`) and a diagnostic setting sends them, with the session pool logs
  (AppEnvSessionConsoleLogs, AppEnvSessionLifeCycleLogs, AppEnvSessionPoolEventLogs), to the central
  workspace (RES-2, EXEC-4). The `log-analytics` destination is not used on purpose: it needs the
  workspace's shared key, and the workspace accepts Entra ID only (ACC-1);
- one dynamic session pool per agent (EXEC-1): `poolManagementType = Dynamic`, network egress
  disabled for the sessions, `Timed` lifecycle so an idle session is destroyed after the cooldown;
  caps on concurrent and ready sessions, and per-session CPU and memory for custom containers
  (EXEC-3, `SessionPoolArgs` documents the bounds);
- container type `PythonLTS` (the built-in code interpreter: no image, no environment, no identity:
  it pulls nothing and with egress disabled calls nothing), or `CustomContainer` with an image from
  the platform registry pinned by digest (EXEC-2, refused before anything is registered otherwise),
  hosted in the environment and pulled with the agent's own user-assigned identity
  (`registryCredentials.identity`, ACC-6). That identity is available for the image pull only
  (`managedIdentitySettings[].lifecycle = None`): code running in a session can never obtain tokens
  for it, so untrusted code cannot use the agent's data access;
- the agent's AcrPull assignment on the registry (made here, on that registry only) exists before
  its pool is created: the pool depends on it, and the assignment waits for the registry's private
  endpoint when one is given. Azure can still take a few minutes to propagate a new role
  assignment; if the very first deployment reports an unauthorized image pull, run it again;
- the owning agent's identity holds `Azure ContainerApps Session Executor` on its own pool only
  (EXEC-2, ACC-5); another principal holds it on one agent's pool only when that agent's
  `role_assignments` name it. No grant is wider than one pool.

Every input is data (`CodeSessionsArgs`), so the component is served to every Pulumi language;
`validate_code_sessions` collects every problem before anything is registered.
"""

# No `from __future__ import annotations`: Pulumi's schema inference reads these annotations.
import hashlib
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import NotRequired, Optional, Sequence, TypedDict

import pulumi
from pulumi_azure_native import app, authorization

from .base import (
    NAME_PATTERN,
    NAME_RULE,
    DiagnosticsArgs,
    PlacementArgs,
    Problem,
    RoleAssignmentArgs,
    aliased,
    implements,
    raise_if_invalid,
    tags_of,
    validate_placement,
)
from .grants import Grant, KeepsGrants, Principal, grant_role, principal_of, validate_role_assignments
from .integrity import parse_image, require_pinned_image
from .monitoring import SessionPoolTargetArgs
from .observability import add_diagnostic_settings
from .registry import PULL_ROLE, PULL_ROLES

TYPE_TOKEN = "aizone:index:CodeSessions"
_OLD_TYPE_TOKEN = "aizone:execution:CodeSessions"  # before 0.2.0: aliased so stacks are not replaced

EXECUTOR_ROLE = "Azure ContainerApps Session Executor"
EXECUTOR_ROLES = frozenset({EXECUTOR_ROLE})
WORKLOAD_PROFILE = "Consumption"
CONTAINER_NAME = "session"
PYTHON_LTS = app.ContainerType.PYTHON_LTS.value
CUSTOM_CONTAINER = app.ContainerType.CUSTOM_CONTAINER.value
CONTAINER_TYPES = (PYTHON_LTS, CUSTOM_CONTAINER)
# EXEC-1: code in a session never reaches the network. The pack requires the same value
# (policy_pack/pulumi_aizone_policy/policies/execution.py), so it is the only one accepted here.
EGRESS_DISABLED = app.SessionNetworkStatus.EGRESS_DISABLED.value
NETWORK_EGRESS_MODES = (EGRESS_DISABLED,)

# Bounds (source: learn.microsoft.com/azure/container-apps/session-pool, "Configuration" and
# "Create a pool": cooldown 300-3600 s, at most 600 concurrent sessions; CPU/memory pairs of the
# Consumption workload profile from learn.microsoft.com/azure/container-apps/containers#allocations:
# 0.25-4 vCPU in steps of 0.25, memory exactly twice the vCPUs in Gi).
COOLDOWN_SECONDS = (300, 3600)
MAX_CONCURRENT_SESSIONS = (1, 600)
CPU_CORES = (0.25, 4.0)
CPU_STEP = 0.25
TARGET_PORTS = (1, 65535)
DEFAULT_CPU = 0.5
DEFAULT_MEMORY = "1Gi"
DEFAULT_TARGET_PORT = 8080
DEFAULT_MAX_CONCURRENT_SESSIONS = 10
DEFAULT_READY_SESSION_INSTANCES = 1
DEFAULT_COOLDOWN_SECONDS = 300
_MEMORY = re.compile(r"^(?P<amount>[0-9]+(?:\.[0-9]+)?)Gi$")
# Session pool names: 3-63 characters, a lower-case letter then lower-case letters and digits.
_POOL_NAME = re.compile(r"^[a-z][a-z0-9]{2,62}$")
_POOL_PREFIX = re.compile(r"^[a-z][a-z0-9]{0,30}$")
_LOGIN_SERVER = re.compile(r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+(:[0-9]{1,5})?$")
# AcrPull is granted on exactly one registry (ACC-5): a resource group or subscription id is refused.
_REGISTRY_ID = re.compile(
    r"^/subscriptions/[^/]+/resourceGroups/[^/]+/providers/Microsoft\.ContainerRegistry/registries/[A-Za-z0-9]+$",
    re.IGNORECASE,
)


class SessionPoolArgs(TypedDict):
    """How a session pool runs code (EXEC-1, EXEC-3). Every default is the hardened one."""

    container_type: NotRequired[str]
    """`PythonLTS` (the built-in code interpreter: no image, no environment, no identity) or
    `CustomContainer` (an image from the platform registry). Default: `PythonLTS`."""
    image: NotRequired[str]
    """Custom containers only, required there: `<registry>/<repository>@sha256:<64 hex>`, from the
    platform registry (`registry.login_server`), pinned by digest (EXEC-2). Default: none."""
    cpu: NotRequired[float]
    """vCPU per session, custom containers only: 0.25-4 in steps of 0.25. Default: 0.5."""
    memory: NotRequired[str]
    """Memory per session, custom containers only: exactly twice the vCPUs, e.g. `1Gi` for 0.5 vCPU
    (the Consumption profile's fixed pairs). Default: `1Gi`."""
    target_port: NotRequired[int]
    """Port the custom container serves its HTTP API on, 1-65535. Default: 8080."""
    max_concurrent_sessions: NotRequired[int]
    """Hard cap on sessions alive at once, 1-600. Default: 10."""
    ready_session_instances: NotRequired[int]
    """Pre-warmed sessions, 0 to `max_concurrent_sessions`. Default: 1."""
    cooldown_seconds: NotRequired[int]
    """An idle session is destroyed after this many seconds, 300-3600. Default: 300."""
    network_egress: NotRequired[str]
    """Network egress of the sessions. Only `EgressDisabled` is accepted: untrusted code must not
    reach the network (EXEC-1). Default: `EgressDisabled`."""


class SessionRegistryArgs(TypedDict):
    """The platform registry custom session images come from (EXEC-2)."""

    login_server: str
    """Login server host, e.g. `crcontoso.azurecr.io`. Plain: every custom image is checked against
    it before anything is registered."""
    registry_id: pulumi.Input[str]
    """Resource id of the registry; each custom-container agent gets AcrPull on this registry only
    (checked to be a registry id when given as a plain string)."""
    endpoint_id: NotRequired[pulumi.Input[str]]
    """Resource id of the registry's private endpoint: the AcrPull assignments, and so the pools,
    wait for it, as the environment pulls over the private network. Default: none (an endpoint
    that already exists, e.g. in a hub)."""
    name: NotRequired[str]
    """Logical name of the `ContainerRegistry` component, on stacks created before 0.2.0 (where the
    registry made the agents' AcrPull assignments): the assignments keep the names, and so the
    GUIDs, they had then. Default: named after this component."""
    component_urn: NotRequired[pulumi.Input[str]]
    """URN of that `ContainerRegistry` component (with `name`): the assignments, formerly its
    children, are moved instead of re-created, which Azure would refuse (RoleAssignmentExists).
    Default: none (a new stack)."""


class SessionAgentArgs(TypedDict):
    """One agent that runs code: it gets its own session pool and may execute code in it."""

    agent_name: str
    """The agent's name (AgentIdentity's `agent_name`). Plain: it names the pool and its grants; the
    agent inventory finds the grants under the principal name `agent-<agent_name>`."""
    principal_id: pulumi.Input[str]
    """Entra object id of the agent's identity: it gets Session Executor on this pool only."""
    identity_id: NotRequired[pulumi.Input[str]]
    """Resource id of the agent's user-assigned identity. Required when the agent's pool runs a
    custom container: the image is pulled with it, and code in a session never gets its tokens
    (ACC-6). Default: none."""
    pool: NotRequired[SessionPoolArgs]
    """This agent's pool options. They replace the component's `pool` for this agent as a whole:
    fields left out take their defaults, not the values of `pool`. Default: the component's `pool`."""
    role_assignments: NotRequired[Sequence[RoleAssignmentArgs]]
    """Further principals that may execute code in this agent's pool (and no other), as data.
    Allowed role: `Azure ContainerApps Session Executor`. Default: none (the agent itself only)."""


class CodeSessionsArgs(TypedDict):
    """Inputs of CodeSessions."""

    placement: PlacementArgs
    """Resource group, region and tags of the environment and the pools."""
    environment_name: pulumi.Input[str]
    """Azure name of the Container Apps environment."""
    subnet_id: pulumi.Input[str]
    """Resource id of the environment's subnet: delegated to `Microsoft.App/environments`, at least
    /27. The environment gets an internal load balancer only (ACC-7)."""
    diagnostics: DiagnosticsArgs
    """Workspace the environment's and the pools' logs go to (RES-2, EXEC-4)."""
    pool_name_prefix: str
    """1-31 lower-case letters and digits, starting with a letter. Plain: each pool is named
    `<prefix><agent letters and digits><6 hex>`."""
    agents: Sequence[SessionAgentArgs]
    """The agents that run code: one pool each (an empty list gives an environment without pools)."""
    pool: NotRequired[SessionPoolArgs]
    """Options of every agent's pool unless the agent gives its own. Default: the hardened defaults
    (PythonLTS, 10 sessions, 1 ready, 300 s cooldown, egress disabled)."""
    registry: NotRequired[SessionRegistryArgs]
    """The platform registry. Required as soon as one pool runs a custom container: its image must
    come from there (EXEC-2). Default: none."""


# --- validation (before anything is registered) ---------------------------------------------------


def validate_session_pool(pool: object, field: str = "pool") -> list[Problem]:
    """Every bound a pool's options break, each naming its field (`<field>.<option>`)."""
    if not isinstance(pool, Mapping):
        return [Problem(field, "a {container_type, image, cpu, memory, ...} object")]
    prefix = f"{field}." if field else ""
    problems: list[Problem] = []
    container_type = pool.get("container_type", PYTHON_LTS)
    if container_type not in CONTAINER_TYPES:
        problems.append(Problem(f"{prefix}container_type", f"{container_type!r} is not one of {', '.join(CONTAINER_TYPES)}"))
    sessions = pool.get("max_concurrent_sessions", DEFAULT_MAX_CONCURRENT_SESSIONS)
    problems += _int_problems(f"{prefix}max_concurrent_sessions", sessions, *MAX_CONCURRENT_SESSIONS)
    if isinstance(sessions, int) and not isinstance(sessions, bool):
        ready = pool.get("ready_session_instances", DEFAULT_READY_SESSION_INSTANCES)
        problems += _int_problems(f"{prefix}ready_session_instances", ready, 0, sessions)
    problems += _int_problems(f"{prefix}cooldown_seconds", pool.get("cooldown_seconds", DEFAULT_COOLDOWN_SECONDS), *COOLDOWN_SECONDS)
    egress = pool.get("network_egress", EGRESS_DISABLED)
    if egress not in NETWORK_EGRESS_MODES:
        problems.append(
            Problem(
                f"{prefix}network_egress",
                f"{egress!r} is not allowed: code in a session must not reach the network (EXEC-1); allowed: {', '.join(NETWORK_EGRESS_MODES)}",
            )
        )
    if container_type != CUSTOM_CONTAINER:
        if pool.get("image") is not None:
            problems.append(
                Problem(f"{prefix}image", f"is set but container_type is {container_type!r}: only CustomContainer pools run an image")
            )
        return problems
    image = pool.get("image")
    if image is None:
        problems.append(Problem(f"{prefix}image", "is required for CustomContainer pools (<registry>/<repository>@sha256:<64 hex>)"))
    else:
        try:
            parse_image(image)
        except ValueError as exc:
            problems.append(Problem(f"{prefix}image", str(exc)))
    problems += _int_problems(f"{prefix}target_port", pool.get("target_port", DEFAULT_TARGET_PORT), *TARGET_PORTS)
    problems += _resource_problems(prefix, pool.get("cpu", DEFAULT_CPU), pool.get("memory", DEFAULT_MEMORY))
    return problems


def validate_code_sessions(args: CodeSessionsArgs) -> list[Problem]:
    """Every problem with CodeSessions args, each naming its field."""
    problems = validate_placement(args.get("placement"))
    if not args.get("environment_name"):
        problems.append(Problem("environment_name", "the Container Apps environment's name is required"))
    if not args.get("subnet_id"):
        problems.append(Problem("subnet_id", "the environment's subnet (delegated to Microsoft.App/environments) is required"))
    diagnostics = args.get("diagnostics")
    if not isinstance(diagnostics, Mapping) or not diagnostics.get("workspace_id"):
        problems.append(Problem("diagnostics", "a {workspace_id} block is required (RES-2)"))
    prefix = args.get("pool_name_prefix")
    if not isinstance(prefix, str) or not _POOL_PREFIX.match(prefix):
        problems.append(Problem("pool_name_prefix", f"1-31 lower-case letters and digits, starting with a letter; got {prefix!r}"))
    default_pool = args.get("pool", {})
    problems += validate_session_pool(default_pool, "pool")
    registry = args.get("registry")
    if registry is not None:
        problems += _registry_problems(registry)
    agents = args.get("agents")
    if not isinstance(agents, Sequence) or isinstance(agents, str):
        problems.append(Problem("agents", "a list of {agent_name, principal_id, identity_id, pool, role_assignments}"))
        return problems
    seen: set[str] = set()
    for index, agent in enumerate(agents):
        path = f"agents[{index}]"
        if not isinstance(agent, Mapping):
            problems.append(Problem(path, "an {agent_name, principal_id, identity_id, pool, role_assignments} object"))
            continue
        agent_name = agent.get("agent_name")
        if not isinstance(agent_name, str) or not NAME_PATTERN.match(agent_name):
            problems.append(Problem(f"{path}.agent_name", NAME_RULE))
        elif agent_name in seen:
            problems.append(Problem(f"{path}.agent_name", f"{agent_name!r} is listed twice: one pool per agent"))
        else:
            seen.add(agent_name)
        if not agent.get("principal_id"):
            problems.append(Problem(f"{path}.principal_id", "the agent identity's Entra object id is required"))
        own_pool = "pool" in agent
        pool = agent["pool"] if own_pool else default_pool
        pool_field = f"{path}.pool" if own_pool else "pool"
        if own_pool:
            problems += validate_session_pool(pool, pool_field)
        if isinstance(pool, Mapping) and pool.get("container_type") == CUSTOM_CONTAINER:
            if not agent.get("identity_id"):
                problems.append(
                    Problem(
                        f"{path}.identity_id",
                        "required: the agent's pool runs a custom container, pulled with the agent's own user-assigned identity (ACC-6)",
                    )
                )
            problems += _image_source_problems(pool, pool_field, registry, agent_name)
        problems += validate_role_assignments(agent.get("role_assignments"), EXECUTOR_ROLES, f"{path}.role_assignments")
    # A stack-wide custom pool shared by several agents has one image: report its problem once.
    return list(dict.fromkeys(problems))


def _registry_problems(registry: object) -> list[Problem]:
    if not isinstance(registry, Mapping):
        return [Problem("registry", "a {login_server, registry_id, endpoint_id} object")]
    problems: list[Problem] = []
    login_server = registry.get("login_server")
    if not isinstance(login_server, str) or not _LOGIN_SERVER.match(login_server.lower()):
        problems.append(
            Problem("registry.login_server", f"the registry's login server host, e.g. crcontoso.azurecr.io; got {login_server!r}")
        )
    registry_id = registry.get("registry_id")
    if not registry_id:
        problems.append(Problem("registry.registry_id", "the registry's resource id is required (AcrPull is granted on it)"))
    elif isinstance(registry_id, str) and not _REGISTRY_ID.match(registry_id):
        problems.append(
            Problem(
                "registry.registry_id",
                "must be the id of one registry (/subscriptions/<id>/resourceGroups/<group>/providers/"
                f"Microsoft.ContainerRegistry/registries/<name>): AcrPull is granted on it alone (ACC-5); got {registry_id!r}",
            )
        )
    elif isinstance(registry_id, str) and isinstance(login_server, str):
        # The images must come from the registry the agents get AcrPull on: its login server is
        # `<name>.<suffix>`, or `<name>-<hash>.<suffix>` with a domain name label scope
        # (autoGeneratedDomainNameLabelScope, Microsoft.ContainerRegistry API).
        name = registry_id.rsplit("/", 1)[1].lower()
        label = login_server.lower().split(".", 1)[0]
        if label != name and not label.startswith(f"{name}-"):
            problems.append(
                Problem(
                    "registry.login_server",
                    f"{login_server!r} is not the login server of registry {name!r} (registry_id): images must come from "
                    "the registry the agents may pull from (EXEC-2)",
                )
            )
    previous = registry.get("name")
    if previous is not None and (not isinstance(previous, str) or not previous):
        problems.append(Problem("registry.name", f"the ContainerRegistry component's logical name, a non-empty string; got {previous!r}"))
    if (previous is None) != (registry.get("component_urn") is None):
        problems.append(
            Problem("registry.name", "name and component_urn go together (both name the registry component of a stack before 0.2.0)")
        )
    return problems


def _image_source_problems(pool: Mapping[str, object], field: str, registry: object, agent_name: object) -> list[Problem]:
    """A custom image must come from the platform registry, pinned by digest (EXEC-2)."""
    if registry is None:
        return [
            Problem(
                "registry",
                f"required: agent {agent_name!r} runs a custom container, whose image must come from the platform "
                "container registry (EXEC-2)",
            )
        ]
    image = pool.get("image")
    login_server = registry.get("login_server") if isinstance(registry, Mapping) else None
    if not isinstance(image, str) or not isinstance(login_server, str):
        return []  # reported with the pool or the registry
    try:
        parse_image(image)
    except ValueError:
        return []  # reported with the pool
    try:
        require_pinned_image(image, (login_server,))
    except ValueError as exc:
        return [Problem(f"{field}.image", str(exc))]
    return []


def _int_problems(field: str, value: object, low: int, high: int) -> list[Problem]:
    if isinstance(value, bool) or not isinstance(value, int):
        return [Problem(field, f"must be a whole number between {low} and {high}, got {value!r}")]
    if not low <= value <= high:
        return [Problem(field, f"must be between {low} and {high}, got {value}")]
    return []


def _resource_problems(prefix: str, cpu: object, memory: object) -> list[Problem]:
    """CPU/memory must be one of the Consumption workload profile's pairs."""
    low, high = CPU_CORES
    if isinstance(cpu, bool) or not isinstance(cpu, (int, float)) or not low <= cpu <= high or (cpu / CPU_STEP) % 1:
        return [Problem(f"{prefix}cpu", f"must be {low}-{high} vCPU in steps of {CPU_STEP}, got {cpu!r}")]
    match = _MEMORY.match(memory) if isinstance(memory, str) else None
    if match is None or not math.isclose(float(match["amount"]), 2 * cpu):
        return [
            Problem(
                f"{prefix}memory",
                f"must be twice the vCPUs in Gi for the Consumption profile: cpu {cpu} needs '{2 * cpu:g}Gi', got {memory!r}",
            )
        ]
    return []


@dataclass(frozen=True)
class SessionPoolOptions:
    """A pool's options with every default filled in, as the settings read them and the component
    uses them (rules: `validate_session_pool`, raised as one ValueError naming each field);
    `as_args()` is the `SessionPoolArgs` form CodeSessions takes."""

    container_type: str = PYTHON_LTS
    image: Optional[str] = None
    cpu: float = DEFAULT_CPU
    memory: str = DEFAULT_MEMORY
    target_port: int = DEFAULT_TARGET_PORT
    max_concurrent_sessions: int = DEFAULT_MAX_CONCURRENT_SESSIONS
    ready_session_instances: int = DEFAULT_READY_SESSION_INSTANCES
    cooldown_seconds: int = DEFAULT_COOLDOWN_SECONDS

    def __post_init__(self) -> None:
        problems = validate_session_pool(self.as_args(), "")
        if problems:
            raise ValueError("invalid session pool options: " + "; ".join(_sentence(problem) for problem in problems))

    @property
    def custom(self) -> bool:
        """True for custom container pools (image, CPU and memory apply)."""
        return self.container_type == CUSTOM_CONTAINER

    def as_args(self) -> SessionPoolArgs:
        args = SessionPoolArgs(
            container_type=self.container_type,
            cpu=self.cpu,
            memory=self.memory,
            target_port=self.target_port,
            max_concurrent_sessions=self.max_concurrent_sessions,
            ready_session_instances=self.ready_session_instances,
            cooldown_seconds=self.cooldown_seconds,
        )
        if self.image is not None:
            args["image"] = self.image
        return args

    @staticmethod
    def of(args: SessionPoolArgs) -> "SessionPoolOptions":
        """The options `args` describe, defaults filled in (`args` must be valid)."""
        return SessionPoolOptions(
            container_type=args.get("container_type", PYTHON_LTS),
            image=args.get("image"),
            cpu=args.get("cpu", DEFAULT_CPU),
            memory=args.get("memory", DEFAULT_MEMORY),
            target_port=args.get("target_port", DEFAULT_TARGET_PORT),
            max_concurrent_sessions=args.get("max_concurrent_sessions", DEFAULT_MAX_CONCURRENT_SESSIONS),
            ready_session_instances=args.get("ready_session_instances", DEFAULT_READY_SESSION_INSTANCES),
            cooldown_seconds=args.get("cooldown_seconds", DEFAULT_COOLDOWN_SECONDS),
        )


def _sentence(problem: Problem) -> str:
    """`<field> <message>`, unless the message already starts by naming it (image errors do)."""
    return problem.message if problem.message.startswith(problem.field) else f"{problem.field} {problem.message}"


def session_pool_name(prefix: str, agent_name: str) -> str:
    """A valid, stable pool name per agent: `<prefix><agent letters and digits><6 hex>`. The digest
    of the full agent name keeps `a-b` and `ab` apart once the '-' are dropped."""
    if not _POOL_PREFIX.match(prefix):
        raise ValueError(f"session pool name prefix {prefix!r} must be 1-31 lower-case letters and digits, starting with a letter")
    letters = re.sub(r"[^a-z0-9]", "", agent_name.lower())[:24]
    digest = hashlib.sha256(agent_name.encode()).hexdigest()[:6]
    name = f"{prefix}{letters}{digest}"
    if not _POOL_NAME.match(name):
        raise ValueError(f"session pool name {name!r} (agent {agent_name!r}) must be 3-63 lower-case letters and digits")
    return name


def agent_principal_name(agent_name: str) -> str:
    """The logical principal name AgentIdentity gives an agent (the inventory's key)."""
    return f"agent-{agent_name}"


# --- the component ---------------------------------------------------------------------------------


@implements("EXEC-1", "EXEC-2", "EXEC-3", "EXEC-4", "ACC-5", "ACC-6", "ACC-7", "RES-2")
class CodeSessions(KeepsGrants, pulumi.ComponentResource):
    """A private Container Apps environment and one egress-less dynamic session pool per agent; each
    agent may execute code in its own pool only (EXEC-1, EXEC-2, EXEC-3, ACC-5, ACC-7)."""

    environment_id: pulumi.Output[str]
    """Resource id of the Container Apps environment."""
    pool_ids: pulumi.Output[dict[str, str]]
    """Agent name -> resource id of its session pool."""
    pool_management_endpoints: pulumi.Output[dict[str, str]]
    """Agent name -> management endpoint of its pool (where the agent sends code to run)."""

    def __init__(self, name: str, args: CodeSessionsArgs, opts: Optional[pulumi.ResourceOptions] = None) -> None:
        raise_if_invalid("CodeSessions", validate_code_sessions(args))
        super().__init__(TYPE_TOKEN, name, {}, aliased(opts, _OLD_TYPE_TOKEN))
        placement = args["placement"]
        self._logical_name = name
        self._placement = placement
        self._registry = args.get("registry")
        self._executors: dict[tuple[str, str], Grant[authorization.RoleAssignment]] = {}
        default_pool = args.get("pool", SessionPoolArgs())
        self.pool_options: dict[str, SessionPoolOptions] = {
            agent["agent_name"]: SessionPoolOptions.of(agent.get("pool", default_pool)) for agent in args["agents"]
        }
        self.environment = app.ManagedEnvironment(
            f"{name}-environment",
            app.ManagedEnvironmentArgs(
                resource_group_name=placement["resource_group_name"],
                location=placement["location"],
                environment_name=args["environment_name"],
                workload_profiles=[app.WorkloadProfileArgs(name=WORKLOAD_PROFILE, workload_profile_type=WORKLOAD_PROFILE)],
                vnet_configuration=app.VnetConfigurationArgs(infrastructure_subnet_id=args["subnet_id"], internal=True),
                public_network_access=app.PublicNetworkAccess.DISABLED,
                peer_traffic_configuration=app.ManagedEnvironmentPeerTrafficConfigurationArgs(
                    encryption=app.ManagedEnvironmentEncryptionArgs(enabled=True)
                ),
                app_logs_configuration=app.AppLogsConfigurationArgs(destination="azure-monitor"),
                tags=tags_of(placement),
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )
        add_diagnostic_settings(name, self.environment.id, args["diagnostics"], parent=self)

        self.pools: dict[str, app.ContainerAppsSessionPool] = {}
        for agent in args["agents"]:
            agent_name = agent["agent_name"]
            principal = Principal(agent_principal_name(agent_name), agent["principal_id"])
            pool_name = session_pool_name(args["pool_name_prefix"], agent_name)
            self.pools[agent_name] = self._pool(agent, principal, pool_name, self.pool_options[agent_name])
            self.grant_executor(agent_name, principal)
            for assignment in agent.get("role_assignments", ()):
                self.grant_executor(agent_name, principal_of(assignment))

        self.environment_id = self.environment.id
        self.pool_ids = _by_agent({agent: pool.id for agent, pool in self.pools.items()})
        self.pool_management_endpoints = _by_agent({agent: pool.pool_management_endpoint for agent, pool in self.pools.items()})
        self.register_outputs(
            {
                "environment_id": self.environment_id,
                "pool_ids": self.pool_ids,
                "pool_management_endpoints": self.pool_management_endpoints,
            }
        )

    def grant_executor(self, agent_name: str, principal: Principal) -> Grant[authorization.RoleAssignment]:
        """Let `principal` execute code in `agent_name`'s pool and no other (Session Executor on that
        pool only, ACC-5). One assignment per pool and principal: asking twice returns the same one
        (Azure refuses a second assignment of the same role, scope and principal)."""
        existing = self._executors.get((agent_name, principal.name))
        if existing is not None:
            return existing
        pool = self.pools.get(agent_name)
        if pool is None:
            raise ValueError(f"{self._logical_name}: no session pool for agent {agent_name!r}; pools: {', '.join(sorted(self.pools))}")
        owner = principal.name == agent_principal_name(agent_name)
        suffix = agent_name if owner else f"{agent_name}-{principal.name}"
        grant = self._keep(
            grant_role(
                f"{self._logical_name}-executor-{suffix}",
                EXECUTOR_ROLE,
                scope_id=pool.id,
                scope_name=f"{self._logical_name}-pool-{agent_name}",
                principal=principal,
                allowed_roles=EXECUTOR_ROLES,
                parent=self,
            )
        )
        self._executors[(agent_name, principal.name)] = grant
        return grant

    def _pool(
        self, agent: SessionAgentArgs, principal: Principal, pool_name: str, options: SessionPoolOptions
    ) -> app.ContainerAppsSessionPool:
        """One agent's session pool; custom containers wait for the agent's AcrPull assignment."""
        placement = self._placement
        agent_name = agent["agent_name"]
        environment_id: pulumi.Input[str] | None = None
        identity: app.ManagedServiceIdentityArgs | None = None
        identity_settings: list[app.ManagedIdentitySettingArgs] | None = None
        template: app.CustomContainerTemplateArgs | None = None
        depends_on: list[pulumi.Resource] = []
        # Code interpreter (PythonLTS) pools are hosted by the platform and take no environment;
        # custom container pools require a workload-profiles environment (source:
        # learn.microsoft.com/azure/container-apps/session-pool, "Code interpreter pool" has no
        # --environment, "Custom container pool" requires one).
        if options.custom:
            # All three were checked by validate_code_sessions, before anything was registered.
            registry, identity_id = self._registry, agent.get("identity_id")
            assert registry is not None and identity_id is not None and options.image is not None
            depends_on = [self._grant_pull(agent_name, principal, registry).resource]
            environment_id = self.environment.id
            identity = app.ManagedServiceIdentityArgs(
                type=app.ManagedServiceIdentityType.USER_ASSIGNED, user_assigned_identities=[identity_id]
            )
            # The identity pulls the image and is never handed to code inside a session.
            identity_settings = [app.ManagedIdentitySettingArgs(identity=identity_id, lifecycle=app.IdentitySettingsLifeCycle.NONE)]
            template = app.CustomContainerTemplateArgs(
                containers=[
                    app.SessionContainerArgs(
                        name=CONTAINER_NAME,
                        image=options.image,
                        resources=app.SessionContainerResourcesArgs(cpu=float(options.cpu), memory=options.memory),
                    )
                ],
                ingress=app.SessionIngressArgs(target_port=options.target_port),
                registry_credentials=app.SessionRegistryCredentialsArgs(server=registry["login_server"].lower(), identity=identity_id),
            )
        return app.ContainerAppsSessionPool(
            f"{self._logical_name}-pool-{agent_name}",
            app.ContainerAppsSessionPoolArgs(
                resource_group_name=placement["resource_group_name"],
                location=placement["location"],
                session_pool_name=pool_name,
                pool_management_type=app.PoolManagementType.DYNAMIC,
                container_type=options.container_type,
                environment_id=environment_id,
                identity=identity,
                managed_identity_settings=identity_settings,
                custom_container_template=template,
                dynamic_pool_configuration=app.DynamicPoolConfigurationArgs(
                    lifecycle_configuration=app.LifecycleConfigurationArgs(
                        lifecycle_type=app.LifecycleType.TIMED,
                        cooldown_period_in_seconds=options.cooldown_seconds,
                    )
                ),
                scale_configuration=app.ScaleConfigurationArgs(
                    max_concurrent_sessions=options.max_concurrent_sessions,
                    ready_session_instances=options.ready_session_instances,
                ),
                session_network_configuration=app.SessionNetworkConfigurationArgs(status=app.SessionNetworkStatus.EGRESS_DISABLED),
                tags=tags_of(placement),
            ),
            opts=pulumi.ResourceOptions(parent=self, depends_on=depends_on),
        )

    def _grant_pull(self, agent_name: str, principal: Principal, registry: SessionRegistryArgs) -> Grant[authorization.RoleAssignment]:
        """AcrPull for the agent's identity on the platform registry only (EXEC-2, ACC-5). The
        assignment's scope also carries the registry's private endpoint id, so the assignment (and
        the pool, which depends on it) waits for the endpoint; the scope's value is the registry id."""
        scope: pulumi.Input[str] = registry["registry_id"]
        endpoint_id = registry.get("endpoint_id")
        if endpoint_id is not None:
            scope = pulumi.Output.all(registry["registry_id"], endpoint_id).apply(lambda ids: str(ids[0]))
        previous_name, previous_parent = registry.get("name"), registry.get("component_urn")
        return self._keep(
            grant_role(
                f"{previous_name}-pull-{principal.name}" if previous_name else f"{self._logical_name}-pull-{agent_name}",
                PULL_ROLE,
                scope_id=scope,
                scope_name=registry["login_server"].lower(),
                principal=principal,
                allowed_roles=PULL_ROLES,
                parent=self,
                aliases=[pulumi.Alias(parent=previous_parent)] if previous_parent is not None else (),
            )
        )

    def alert_targets(self) -> list[SessionPoolTargetArgs]:
        """The pools with their caps, for the execution alerts (EXEC-4)."""
        return [
            SessionPoolTargetArgs(
                agent=agent,
                pool_id=pool.id,
                max_concurrent_sessions=self.pool_options[agent].max_concurrent_sessions,
                custom=self.pool_options[agent].custom,
            )
            for agent, pool in self.pools.items()
        ]


def _by_agent(values: Mapping[str, pulumi.Output[str]]) -> pulumi.Output[dict[str, str]]:
    """One output mapping agent name -> value (an empty mapping for a stack without agents)."""
    if not values:
        return pulumi.Output.from_input({})
    return pulumi.Output.all(**values).apply(
        lambda resolved: {agent: "" if value is None else str(value) for agent, value in resolved.items()}
    )
