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
  (EXEC-3, `SessionPoolOptions` documents the bounds);
- container type `PythonLTS` (the built-in code interpreter: no image, no environment, no identity:
  it pulls nothing and with egress disabled calls nothing), or `CustomContainer` with an image from
  the platform registry pinned by digest (EXEC-2, refused before anything is registered otherwise),
  hosted in the environment and pulled with the agent's own user-assigned identity
  (`registryCredentials.identity`, ACC-6). That identity is available for the image pull only
  (`managedIdentitySettings[].lifecycle = None`): code running in a session can never obtain tokens
  for it, so untrusted code cannot use the agent's data access;
- the agent's AcrPull assignment on the registry exists before its pool is created (the pool depends
  on it and on the registry's private endpoint). Azure can still take a few minutes to propagate a
  new role assignment; if the very first deployment reports an unauthorized image pull, run it again;
- only the owning agent's identity holds `Azure ContainerApps Session Executor`, on its own pool
  only (EXEC-2, ACC-5).
"""

from __future__ import annotations

import hashlib
import math
import re
from dataclasses import dataclass
from typing import Mapping, Sequence

import pulumi
from pulumi_azure_native import app, authorization

from .agents import AgentIdentity
from .base import Diagnostics, Placement, implements
from .grants import KeepsGrants, grant_role
from .integrity import parse_image, require_pinned_image
from .monitoring import SessionPoolTargetArgs
from .observability import add_diagnostic_settings
from .registry import ContainerRegistry

EXECUTOR_ROLE = "Azure ContainerApps Session Executor"
EXECUTOR_ROLES = frozenset({EXECUTOR_ROLE})
WORKLOAD_PROFILE = "Consumption"
CONTAINER_NAME = "session"
CONTAINER_TYPES = (app.ContainerType.PYTHON_LTS.value, app.ContainerType.CUSTOM_CONTAINER.value)

# Bounds (source: learn.microsoft.com/azure/container-apps/session-pool, "Configuration" and
# "Create a pool": cooldown 300-3600 s, at most 600 concurrent sessions; CPU/memory pairs of the
# Consumption workload profile from learn.microsoft.com/azure/container-apps/containers#allocations:
# 0.25-4 vCPU in steps of 0.25, memory exactly twice the vCPUs in Gi).
COOLDOWN_SECONDS = (300, 3600)
MAX_CONCURRENT_SESSIONS = (1, 600)
CPU_CORES = (0.25, 4.0)
CPU_STEP = 0.25
TARGET_PORTS = (1, 65535)
_MEMORY = re.compile(r"^(?P<amount>[0-9]+(?:\.[0-9]+)?)Gi$")
# Session pool names: 3-63 characters, a lower-case letter then lower-case letters and digits.
_POOL_NAME = re.compile(r"^[a-z][a-z0-9]{2,62}$")
_POOL_PREFIX = re.compile(r"^[a-z][a-z0-9]{0,30}$")


@dataclass(frozen=True)
class SessionPoolOptions:
    """How an agent's session pool runs code. Every field is checked when the options are built,
    and a problem is a ValueError that names the field and the allowed values.

    - `container_type`: `PythonLTS` (default, the built-in code interpreter) or `CustomContainer`.
    - `image`: custom containers only, required there: `<registry>/<repository>@sha256:<64 hex>`
      (the registry must be the platform registry, checked by `CodeSessions`).
    - `cpu` (vCPU, 0.25-4 in steps of 0.25, default 0.5) and `memory` (`"<2 x cpu>Gi"`, default
      `"1Gi"`): per session, custom containers only (the Consumption profile's fixed pairs).
    - `target_port` (1-65535, default 8080): the port the custom container serves its HTTP API on.
    - `max_concurrent_sessions` (1-600, default 10): hard cap on sessions alive at once.
    - `ready_session_instances` (0 to `max_concurrent_sessions`, default 1): pre-warmed sessions.
    - `cooldown_seconds` (300-3600, default 300): an idle session is destroyed after this long.
    """

    container_type: str = app.ContainerType.PYTHON_LTS.value
    image: str | None = None
    cpu: float = 0.5
    memory: str = "1Gi"
    target_port: int = 8080
    max_concurrent_sessions: int = 10
    ready_session_instances: int = 1
    cooldown_seconds: int = 300

    def __post_init__(self) -> None:
        problems = _option_problems(self)
        if problems:
            raise ValueError("invalid session pool options: " + "; ".join(problems))

    @property
    def custom(self) -> bool:
        """True for custom container pools (image, CPU and memory apply)."""
        return self.container_type == app.ContainerType.CUSTOM_CONTAINER.value


def _option_problems(options: SessionPoolOptions) -> list[str]:
    """Every bound `options` breaks, in words a platform engineer can act on."""
    problems: list[str] = []
    if options.container_type not in CONTAINER_TYPES:
        problems.append(f"container_type {options.container_type!r} is not one of {', '.join(CONTAINER_TYPES)}")
    problems += _int_problems("max_concurrent_sessions", options.max_concurrent_sessions, *MAX_CONCURRENT_SESSIONS)
    if isinstance(options.max_concurrent_sessions, int):
        problems += _int_problems("ready_session_instances", options.ready_session_instances, 0, options.max_concurrent_sessions)
    problems += _int_problems("cooldown_seconds", options.cooldown_seconds, *COOLDOWN_SECONDS)
    if options.container_type != app.ContainerType.CUSTOM_CONTAINER.value:
        if options.image is not None:
            problems.append(f"image is set but container_type is {options.container_type!r}: only CustomContainer pools run an image")
        return problems
    if options.image is None:
        problems.append("image is required for CustomContainer pools (<registry>/<repository>@sha256:<64 hex>)")
    else:
        try:
            parse_image(options.image)
        except ValueError as exc:
            problems.append(str(exc))
    problems += _int_problems("target_port", options.target_port, *TARGET_PORTS)
    problems += _resource_problems(options.cpu, options.memory)
    return problems


def _int_problems(name: str, value: object, low: int, high: int) -> list[str]:
    if isinstance(value, bool) or not isinstance(value, int):
        return [f"{name} must be a whole number between {low} and {high}, got {value!r}"]
    if not low <= value <= high:
        return [f"{name} must be between {low} and {high}, got {value}"]
    return []


def _resource_problems(cpu: object, memory: object) -> list[str]:
    """CPU/memory must be one of the Consumption workload profile's pairs."""
    low, high = CPU_CORES
    if isinstance(cpu, bool) or not isinstance(cpu, (int, float)) or not low <= cpu <= high or (cpu / CPU_STEP) % 1:
        return [f"cpu must be {low}-{high} vCPU in steps of {CPU_STEP}, got {cpu!r}"]
    match = _MEMORY.match(memory) if isinstance(memory, str) else None
    if match is None or not math.isclose(float(match["amount"]), 2 * cpu):
        return [f"memory must be twice the vCPUs in Gi for the Consumption profile: cpu {cpu} needs '{2 * cpu:g}Gi', got {memory!r}"]
    return []


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


@implements("EXEC-1", "EXEC-2", "EXEC-3", "EXEC-4", "ACC-5", "ACC-6", "ACC-7", "RES-2")
class CodeSessions(KeepsGrants, pulumi.ComponentResource):
    """A private Container Apps environment and one egress-less dynamic session pool per agent."""

    environment: app.ManagedEnvironment
    pools: dict[str, app.ContainerAppsSessionPool]
    executor_grants: dict[str, authorization.RoleAssignment]
    pull_grants: dict[str, authorization.RoleAssignment]
    pool_options: dict[str, SessionPoolOptions]

    def __init__(
        self,
        name: str,
        placement: Placement,
        environment_name: str,
        subnet_id: pulumi.Input[str],
        agents: Sequence[AgentIdentity],
        diagnostics: Diagnostics,
        pool_name_prefix: str,
        options: SessionPoolOptions = SessionPoolOptions(),
        overrides: Mapping[str, SessionPoolOptions] | None = None,
        registry: ContainerRegistry | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        """`subnet_id`: the agents subnet (delegated to Microsoft.App/environments, at least /27).
        `options` apply to every agent's pool, `overrides` (agent name -> options) to single agents.
        `registry` is required as soon as one pool runs a custom container: its images must come
        from there. Every check runs before the first resource is registered."""
        overrides = dict(overrides or {})
        unknown = sorted(set(overrides) - {agent.spec.name for agent in agents})
        if unknown:
            raise ValueError(f"{name}: session pool overrides for unknown agent(s) {', '.join(unknown)}")
        chosen = {agent.spec.name: overrides.get(agent.spec.name, options) for agent in agents}
        for agent_name, agent_options in chosen.items():
            if agent_options.custom:
                _check_image(name, agent_name, agent_options, registry)
        names = {agent_name: session_pool_name(pool_name_prefix, agent_name) for agent_name in chosen}

        super().__init__("aizone:execution:CodeSessions", name, None, opts)
        self._logical_name = name
        self._placement = placement
        self.pool_options = chosen
        self.environment = app.ManagedEnvironment(
            f"{name}-environment",
            app.ManagedEnvironmentArgs(
                resource_group_name=placement.resource_group_name,
                location=placement.location,
                environment_name=environment_name,
                workload_profiles=[
                    app.WorkloadProfileArgs(name=WORKLOAD_PROFILE, workload_profile_type=WORKLOAD_PROFILE)
                ],
                vnet_configuration=app.VnetConfigurationArgs(infrastructure_subnet_id=subnet_id, internal=True),
                public_network_access=app.PublicNetworkAccess.DISABLED,
                peer_traffic_configuration=app.ManagedEnvironmentPeerTrafficConfigurationArgs(
                    encryption=app.ManagedEnvironmentEncryptionArgs(enabled=True)
                ),
                app_logs_configuration=app.AppLogsConfigurationArgs(destination="azure-monitor"),
                tags=placement.with_tags(),
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )
        add_diagnostic_settings(name, self.environment.id, diagnostics, parent=self)

        self.pools = {}
        self.executor_grants = {}
        self.pull_grants = {}
        for agent in agents:
            agent_name = agent.spec.name
            pool = self._pool(agent, names[agent_name], chosen[agent_name], registry)
            self.pools[agent_name] = pool
            self.executor_grants[agent_name] = self._keep(grant_role(
                f"{name}-executor-{agent_name}",
                EXECUTOR_ROLE,
                scope_id=pool.id,
                scope_name=f"{name}-pool-{agent_name}",
                principal=agent.principal,
                allowed_roles=EXECUTOR_ROLES,
                parent=self,
            )).resource
        self.register_outputs(
            {
                "environment_id": self.environment.id,
                "pool_endpoints": {agent: pool.pool_management_endpoint for agent, pool in self.pools.items()},
            }
        )

    def _pool(
        self,
        agent: AgentIdentity,
        pool_name: str,
        options: SessionPoolOptions,
        registry: ContainerRegistry | None,
    ) -> app.ContainerAppsSessionPool:
        """One agent's session pool; custom containers wait for the agent's AcrPull assignment."""
        placement = self._placement
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
            # Both were checked in __init__, before anything was registered.
            assert registry is not None and options.image is not None
            pull = registry.grant_pull(agent.principal).resource
            self.pull_grants[agent.spec.name] = pull
            # The pull goes through the registry's private endpoint, which must exist as well.
            depends_on = [pull, registry.endpoint]
            environment_id = self.environment.id
            identity = app.ManagedServiceIdentityArgs(
                type=app.ManagedServiceIdentityType.USER_ASSIGNED, user_assigned_identities=[agent.identity.id]
            )
            # The identity pulls the image and is never handed to code inside a session.
            identity_settings = [
                app.ManagedIdentitySettingArgs(identity=agent.identity.id, lifecycle=app.IdentitySettingsLifeCycle.NONE)
            ]
            template = app.CustomContainerTemplateArgs(
                containers=[
                    app.SessionContainerArgs(
                        name=CONTAINER_NAME,
                        image=options.image,
                        resources=app.SessionContainerResourcesArgs(cpu=float(options.cpu), memory=options.memory),
                    )
                ],
                ingress=app.SessionIngressArgs(target_port=options.target_port),
                registry_credentials=app.SessionRegistryCredentialsArgs(server=registry.host, identity=agent.identity.id),
            )
        return app.ContainerAppsSessionPool(
            f"{self._logical_name}-pool-{agent.spec.name}",
            app.ContainerAppsSessionPoolArgs(
                resource_group_name=placement.resource_group_name,
                location=placement.location,
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
                session_network_configuration=app.SessionNetworkConfigurationArgs(
                    status=app.SessionNetworkStatus.EGRESS_DISABLED
                ),
                tags=placement.with_tags(),
            ),
            opts=pulumi.ResourceOptions(parent=self, depends_on=depends_on),
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


def _check_image(name: str, agent_name: str, options: SessionPoolOptions, registry: ContainerRegistry | None) -> None:
    """A custom image must come from the platform registry, pinned by digest (EXEC-2)."""
    if registry is None:
        raise ValueError(
            f"{name}: agent {agent_name!r} runs a custom container, which needs the platform container "
            "registry: pass `registry` (images are pulled only from there)"
        )
    try:
        require_pinned_image(options.image or "", (registry.host,))
    except ValueError as exc:
        raise ValueError(f"{name}: session pool of agent {agent_name!r}: {exc}") from None
