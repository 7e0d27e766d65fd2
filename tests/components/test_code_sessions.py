"""CodeSessions alone, built through the component provider from camelCase inputs, as another
language would send them: what it registers and the properties that keep untrusted code contained."""

from typing import Any

import pytest

from pulumi_aizone_policy import reference

from .construct_probe import DIAGNOSTICS, PLACEMENT, Built, construct

ENVIRONMENT = "azure-native:app:ManagedEnvironment"
POOL = "azure-native:app:ContainerAppsSessionPool"
DIAGNOSTIC = "azure-native:monitor:DiagnosticSetting"
ROLE_ASSIGNMENT = "azure-native:authorization:RoleAssignment"
IDENTITY = "azure-native:managedidentity:UserAssignedIdentity"
GROUP = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-probe"
SUBNET = f"{GROUP}/providers/Microsoft.Network/virtualNetworks/vnet-probe/subnets/agents"
REGISTRY_ID = f"{GROUP}/providers/Microsoft.ContainerRegistry/registries/crprobe01"
ENDPOINT_ID = f"{GROUP}/providers/Microsoft.Network/privateEndpoints/pe-crprobe01"
LOGIN_SERVER = "crprobe01.azurecr.io"
IMAGE = f"{LOGIN_SERVER}/sandbox/python@sha256:" + "cd" * 32
EXECUTOR = reference.ROLE_IDS["Azure ContainerApps Session Executor"]
ACR_PULL = reference.ROLE_IDS["AcrPull"]

ARGS: dict[str, Any] = {
    "placement": PLACEMENT,
    "environmentName": "cae-probe",
    "subnetId": SUBNET,
    "diagnostics": DIAGNOSTICS,
    "poolNamePrefix": "spprobe",
    "pool": {"maxConcurrentSessions": 4, "readySessionInstances": 0, "cooldownSeconds": 600},
    "agents": [
        {"agentName": "analyst", "principalId": "analyst-oid"},
        {
            "agentName": "coder",
            "principalId": "coder-oid",
            "identityId": f"{GROUP}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-agent-coder",
            "pool": {"containerType": "CustomContainer", "image": IMAGE, "cpu": 1.0, "memory": "2Gi", "targetPort": 8000},
            "roleAssignments": [
                {"principalName": "orchestrator", "principalId": "orchestrator-oid", "role": "Azure ContainerApps Session Executor"},
                # The agent itself, asked for again: one assignment (Azure refuses a duplicate).
                {"principalName": "agent-coder", "principalId": "coder-oid", "role": "Azure ContainerApps Session Executor"},
            ],
        },
    ],
    "registry": {"loginServer": LOGIN_SERVER, "registryId": REGISTRY_ID, "endpointId": ENDPOINT_ID},
}
BAD: dict[str, Any] = {
    **ARGS,
    "poolNamePrefix": "sp_probe",
    "pool": {"cooldownSeconds": 86400, "networkEgress": "EgressEnabled"},
    "agents": [
        {
            "agentName": "coder",
            "principalId": "coder-oid",
            "pool": {"containerType": "CustomContainer", "image": "docker.io/library/python:3.12"},
            "roleAssignments": [{"principalName": "ops", "principalId": "ops-oid", "role": "Owner"}],
        },
    ],
    "registry": {"loginServer": LOGIN_SERVER, "registryId": GROUP},
}


@pytest.fixture(scope="module")
def built() -> Built:
    return construct([("CodeSessions", "cs", ARGS), ("CodeSessions", "bad", BAD)])


def _pool(built: Built, agent: str) -> dict[str, Any]:
    return built.one(POOL, f"cs-pool-{agent}")


@pytest.mark.controls("ACC-7", "RES-2", "EXEC-4")
def test_environment_is_internal_only_without_public_ingress_and_logs_to_the_workspace(built: Built) -> None:
    assert built.errors.get("cs") is None
    environment = built.one(ENVIRONMENT, "cs-")
    assert environment["environmentName"] == "cae-probe"
    assert environment["vnetConfiguration"] == {"infrastructureSubnetId": SUBNET, "internal": True}
    assert environment["publicNetworkAccess"] == "Disabled"
    assert [(profile["name"], profile["workloadProfileType"]) for profile in environment["workloadProfiles"]] == [
        ("Consumption", "Consumption")
    ]
    assert environment["peerTrafficConfiguration"] == {"encryption": {"enabled": True}}
    # azure-monitor, not log-analytics: the workspace's shared key is never needed (ACC-1).
    assert environment["appLogsConfiguration"] == {"destination": "azure-monitor"}
    assert environment["tags"] == {"owner": "platform"}
    diagnostic = built.one(DIAGNOSTIC, "cs-")
    assert diagnostic["resourceUri"] == "cs-environment_id"
    assert diagnostic["workspaceId"] == DIAGNOSTICS["workspaceId"]
    # Nothing else is registered: no container app, no public ingress, no identity of its own.
    assert sorted({r["type"] for r in built.named("cs-")}) == sorted({ENVIRONMENT, POOL, DIAGNOSTIC, ROLE_ASSIGNMENT})
    assert built.of_type(IDENTITY) == []


@pytest.mark.controls("EXEC-1", "EXEC-3")
def test_every_pool_is_dynamic_egress_less_timed_and_capped(built: Built) -> None:
    for agent in ("analyst", "coder"):
        pool = _pool(built, agent)
        assert pool["poolManagementType"] == "Dynamic"
        assert pool["sessionNetworkConfiguration"] == {"status": "EgressDisabled"}
        assert pool["dynamicPoolConfiguration"]["lifecycleConfiguration"]["lifecycleType"] == "Timed"
    analyst = _pool(built, "analyst")
    assert analyst["dynamicPoolConfiguration"]["lifecycleConfiguration"]["cooldownPeriodInSeconds"] == 600
    assert analyst["scaleConfiguration"] == {"maxConcurrentSessions": 4, "readySessionInstances": 0}
    # The agent's own pool replaces the stack-wide options as a whole: the defaults apply, not `pool`.
    coder = _pool(built, "coder")
    assert coder["dynamicPoolConfiguration"]["lifecycleConfiguration"]["cooldownPeriodInSeconds"] == 300
    assert coder["scaleConfiguration"] == {"maxConcurrentSessions": 10, "readySessionInstances": 1}


@pytest.mark.controls("EXEC-1", "ACC-6")
def test_code_interpreter_pool_has_no_image_environment_or_identity(built: Built) -> None:
    analyst = _pool(built, "analyst")
    assert analyst["containerType"] == "PythonLTS"
    for absent in ("customContainerTemplate", "environmentId", "identity", "managedIdentitySettings"):
        assert absent not in analyst


@pytest.mark.controls("EXEC-2", "EXEC-3", "ACC-6")
def test_custom_pool_pulls_the_pinned_image_with_the_agents_identity_which_sessions_never_get(built: Built) -> None:
    coder = _pool(built, "coder")
    identity_id = ARGS["agents"][1]["identityId"]
    assert coder["containerType"] == "CustomContainer"
    assert coder["environmentId"] == "cs-environment_id"
    (container,) = coder["customContainerTemplate"]["containers"]
    assert container == {"name": "session", "image": IMAGE, "resources": {"cpu": 1.0, "memory": "2Gi"}}
    assert coder["customContainerTemplate"]["ingress"] == {"targetPort": 8000}
    assert coder["customContainerTemplate"]["registryCredentials"] == {"server": LOGIN_SERVER, "identity": identity_id}
    assert coder["identity"] == {"type": "UserAssigned", "userAssignedIdentities": [identity_id]}
    assert coder["managedIdentitySettings"] == [{"identity": identity_id, "lifecycle": "None"}]
    assert "secrets" not in coder


@pytest.mark.controls("EXEC-2", "ACC-5")
def test_session_executor_per_agent_on_its_own_pool_and_nothing_wider(built: Built) -> None:
    grants = built.of_type(ROLE_ASSIGNMENT, "cs-")
    executors = {r["name"]: r["inputs"] for r in grants if r["inputs"]["roleDefinitionId"].endswith(EXECUTOR)}
    assert set(executors) == {"cs-executor-analyst", "cs-executor-coder", "cs-executor-coder-orchestrator"}
    expected = {
        "cs-executor-analyst": ("analyst-oid", "cs-pool-analyst_id"),
        "cs-executor-coder": ("coder-oid", "cs-pool-coder_id"),
        "cs-executor-coder-orchestrator": ("orchestrator-oid", "cs-pool-coder_id"),
    }
    for name, (principal, scope) in expected.items():
        assert (executors[name]["principalId"], executors[name]["scope"]) == (principal, scope)
        assert executors[name]["principalType"] == "ServicePrincipal"
    pulls = [r["inputs"] for r in grants if r["inputs"]["roleDefinitionId"].endswith(ACR_PULL)]
    # AcrPull only for the custom container's agent, on the registry only.
    assert [(pull["principalId"], pull["scope"]) for pull in pulls] == [("coder-oid", REGISTRY_ID)]
    # Nothing but these two roles, and no scope above one pool or the registry.
    assert {r["inputs"]["roleDefinitionId"].rsplit("/", 1)[1] for r in grants} == {EXECUTOR, ACR_PULL}
    assert {r["inputs"]["scope"] for r in grants} == {"cs-pool-analyst_id", "cs-pool-coder_id", REGISTRY_ID}


def test_outputs_name_the_environment_and_each_agents_pool(built: Built) -> None:
    state = built.states["cs"]
    assert state["environmentId"] == "cs-environment_id"
    assert state["poolIds"] == {"analyst": "cs-pool-analyst_id", "coder": "cs-pool-coder_id"}
    assert set(state["poolManagementEndpoints"]) == {"analyst", "coder"}


@pytest.mark.controls("EXEC-1", "EXEC-2", "ACC-5")
def test_invalid_args_name_every_field_and_register_nothing(built: Built) -> None:
    message = built.errors["bad"]
    lines = [line.strip() for line in message.splitlines()[1:]]
    assert lines == [
        "CodeSessions.pool_name_prefix: 1-31 lower-case letters and digits, starting with a letter; got 'sp_probe'",
        "CodeSessions.pool.cooldown_seconds: must be between 300 and 3600, got 86400",
        "CodeSessions.pool.network_egress: 'EgressEnabled' is not allowed: code in a session must not reach the network "
        "(EXEC-1); allowed: EgressDisabled",
        "CodeSessions.registry.registry_id: must be the id of one registry (/subscriptions/<id>/resourceGroups/<group>/"
        "providers/Microsoft.ContainerRegistry/registries/<name>): AcrPull is granted on it alone (ACC-5); "
        f"got '{GROUP}'",
        "CodeSessions.agents[0].pool.image: image 'docker.io/library/python:3.12' is not pinned by digest (tag ':3.12'): "
        "tags can be moved to other content after review; reference the reviewed image as "
        "<registry>/<repository>@sha256:<64 hex digits>",
        "CodeSessions.agents[0].identity_id: required: the agent's pool runs a custom container, pulled with the agent's "
        "own user-assigned identity (ACC-6)",
        "CodeSessions.agents[0].role_assignments[0].role: 'Owner' is not allowed here; allowed: Azure ContainerApps Session Executor",
    ]
    assert built.named("bad") == []
