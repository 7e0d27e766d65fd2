"""Execution components: digest integrity, code sessions, the platform registry and the alerts.

Pure tests cover the checks that run before anything is registered (integrity.py, the options
dataclasses). The component tests run the fixture program in tests/fixtures/execution through the
offline preview's recording monitor and Azure mocks, and assert on each resource's recorded inputs:
the wire form (camelCase) that a policy sees in `args.props`. The last tests hand the same resources
to the policy pack: the compliant stack has no mandatory finding, and a weakened copy is caught.
"""

from __future__ import annotations

import copy
import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from pulumi_aizone import grants
from pulumi_aizone.base import ArgsError
from pulumi_aizone.integrity import IntegrityError, normalize_digest, parse_image, require_pinned_image, verify_artifact
from pulumi_aizone.monitoring import AlertOptions
from pulumi_aizone.registry import ContainerRegistry, RegistryOptions, login_server_for
from pulumi_aizone.sessions import CodeSessions, SessionPoolOptions, session_pool_name, validate_code_sessions
from pulumi_aizone_gate.analyzer import analyze_resources
from pulumi_aizone_gate.model import RecordedResource
from pulumi_aizone_gate.program import run_program
from pulumi_aizone_gate.project import load_project

ROOT = Path(__file__).resolve().parents[1]
FIXTURE = ROOT / "tests" / "fixtures" / "execution"
PACK = ROOT / "policy_pack"
ACR_PULL_ID = "7f951dda-4ed3-4680-a7ca-43fe172d538d"
EXECUTOR_ID = "0fb8eba5-a2bb-4abe-b1c1-49dfad359bb0"
DIGEST = "ab" * 32
IMAGE = f"crexecfixture.azurecr.io/sandbox/python@sha256:{DIGEST}"
REGISTRY_HOST = "crexecfixture.azurecr.io"

POOL = "azure-native:app:ContainerAppsSessionPool"
ENVIRONMENT = "azure-native:app:ManagedEnvironment"
REGISTRY = "azure-native:containerregistry:Registry"
ROLE_ASSIGNMENT = "azure-native:authorization:RoleAssignment"
METRIC_ALERT = "azure-native:monitor:MetricAlert"
QUERY_RULE = "azure-native:monitor:ScheduledQueryRule"
ACTION_GROUP = "azure-native:monitor:ActionGroup"
DIAGNOSTIC_SETTING = "azure-native:monitor:DiagnosticSetting"


# --- integrity (pure) ------------------------------------------------------------------------------


@pytest.mark.controls("MOD-3")
def test_verify_artifact_accepts_matching_bytes_and_files(tmp_path: Path) -> None:
    content = b"model weights"
    digest = hashlib.sha256(content).hexdigest()
    path = tmp_path / "model.safetensors"
    path.write_bytes(content)
    assert verify_artifact(content, digest) == digest
    assert verify_artifact(path, f"sha256:{digest.upper()}") == digest
    assert verify_artifact(str(path), digest, name="llama") == digest


@pytest.mark.controls("MOD-3")
def test_verify_artifact_mismatch_names_artifact_expected_and_actual(tmp_path: Path) -> None:
    path = tmp_path / "model.safetensors"
    path.write_bytes(b"swapped weights")
    expected = hashlib.sha256(b"reviewed weights").hexdigest()
    actual = hashlib.sha256(b"swapped weights").hexdigest()
    with pytest.raises(IntegrityError) as error:
        verify_artifact(path, expected, name="phi-3-mini")
    message = str(error.value)
    assert "phi-3-mini" in message and f"expected sha256:{expected}" in message and f"actual sha256:{actual}" in message


@pytest.mark.controls("MOD-3")
@pytest.mark.parametrize(
    "expected", ["abc", "g" * 64, "md5:" + "a" * 32, "sha256:" + "a" * 63, ""], ids=["short", "not-hex", "md5", "63", "empty"]
)
def test_verify_artifact_refuses_malformed_expected_digest(expected: str) -> None:
    with pytest.raises(IntegrityError, match="model"):
        verify_artifact(b"x", expected, name="model")


@pytest.mark.controls("MOD-3")
def test_verify_artifact_reports_unreadable_file(tmp_path: Path) -> None:
    with pytest.raises(IntegrityError, match="missing.bin: cannot read"):
        verify_artifact(tmp_path / "missing.bin", "a" * 64, name="missing.bin")


def test_normalize_digest_accepts_prefix_and_case() -> None:
    assert normalize_digest("SHA256:" + "AB" * 32) == DIGEST


@pytest.mark.controls("EXEC-2", "MOD-3")
def test_pinned_image_from_allowed_registry() -> None:
    reference_ = require_pinned_image(IMAGE, ["CREXECFIXTURE.azurecr.io"])
    assert (reference_.registry, reference_.repository, reference_.digest) == (REGISTRY_HOST, "sandbox/python", DIGEST)
    assert str(reference_) == IMAGE


@pytest.mark.controls("EXEC-2", "MOD-3")
@pytest.mark.parametrize(
    ("image", "reason"),
    [
        (f"{REGISTRY_HOST}/sandbox/python:latest", "not pinned by digest (tag ':latest')"),
        (f"{REGISTRY_HOST}/sandbox/python:1.2", "tag ':1.2'"),
        (f"{REGISTRY_HOST}/sandbox/python", "no digest"),
        (f"{REGISTRY_HOST}/sandbox/python:1.2@sha256:{DIGEST}", "tag next to its digest"),
        (f"{REGISTRY_HOST}/sandbox/python@sha256:{DIGEST[:-1]}", "malformed digest"),
        (f"{REGISTRY_HOST}/sandbox/python@sha256:{DIGEST.upper()}", "malformed digest"),
        (f"{REGISTRY_HOST}/sandbox/python@sha512:{DIGEST}", "must be sha256"),
        (f"python@sha256:{DIGEST}", "names no registry host"),
        (f"library/python@sha256:{DIGEST}", "names no registry host"),
        (f"{REGISTRY_HOST}/Sandbox@sha256:{DIGEST}", "malformed registry or repository"),
    ],
)
def test_unpinned_or_malformed_images_are_refused(image: str, reason: str) -> None:
    with pytest.raises(IntegrityError) as error:
        require_pinned_image(image, [REGISTRY_HOST])
    assert reason in str(error.value) and image in str(error.value)


@pytest.mark.controls("EXEC-2")
def test_image_from_other_registry_is_refused() -> None:
    image = f"docker.io/library/python@sha256:{DIGEST}"
    assert parse_image(image).registry == "docker.io"
    with pytest.raises(IntegrityError, match=f"registry 'docker.io', which is not approved.*allowed: {REGISTRY_HOST}"):
        require_pinned_image(image, [REGISTRY_HOST])


# --- options and refusals before anything is registered (pure) ------------------------------------


@pytest.mark.controls("EXEC-3")
@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"cooldown_seconds": 299}, "cooldown_seconds must be between 300 and 3600"),
        ({"cooldown_seconds": 3601}, "cooldown_seconds must be between 300 and 3600"),
        ({"max_concurrent_sessions": 0}, "max_concurrent_sessions must be between 1 and 600"),
        ({"max_concurrent_sessions": 601}, "max_concurrent_sessions must be between 1 and 600"),
        ({"max_concurrent_sessions": 5, "ready_session_instances": 6}, "ready_session_instances must be between 0 and 5"),
        ({"container_type": "NodeLTS"}, "container_type 'NodeLTS' is not one of PythonLTS, CustomContainer"),
        ({"image": IMAGE}, "only CustomContainer pools run an image"),
        ({"container_type": "CustomContainer"}, "image is required"),
        ({"container_type": "CustomContainer", "image": f"{REGISTRY_HOST}/sandbox:latest"}, "not pinned by digest"),
        ({"container_type": "CustomContainer", "image": IMAGE, "cpu": 0.3, "memory": "0.6Gi"}, "cpu must be 0.25-4.0"),
        ({"container_type": "CustomContainer", "image": IMAGE, "cpu": 8.0, "memory": "16Gi"}, "cpu must be 0.25-4.0"),
        ({"container_type": "CustomContainer", "image": IMAGE, "cpu": 1.0, "memory": "1Gi"}, "cpu 1.0 needs '2Gi'"),
        ({"container_type": "CustomContainer", "image": IMAGE, "memory": "512Mi"}, "memory must be twice"),
        ({"container_type": "CustomContainer", "image": IMAGE, "target_port": 0}, "target_port must be between 1 and 65535"),
    ],
)
def test_session_pool_options_bounds(fields: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match="invalid session pool options") as error:
        SessionPoolOptions(**fields)
    assert message in str(error.value)


@pytest.mark.controls("EXEC-3")
def test_session_pool_options_defaults_are_within_bounds() -> None:
    options = SessionPoolOptions()
    assert (options.container_type, options.image, options.cooldown_seconds) == ("PythonLTS", None, 300)
    custom = SessionPoolOptions(container_type="CustomContainer", image=IMAGE, cpu=0.75, memory="1.5Gi")
    assert custom.custom and not options.custom


SUBNET = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-exec/providers/Microsoft.Network/virtualNetworks/vnet/subnets/agents"
REGISTRY_ID = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-exec/providers/Microsoft.ContainerRegistry/registries/crexecfixture"


def _sessions_args(**changes: Any) -> dict[str, Any]:
    """Valid CodeSessions args with one custom-container agent; `changes` replace top-level fields."""
    return {
        "placement": {"resource_group_name": "rg-exec", "location": "swedencentral"},
        "environment_name": "cae-exec",
        "subnet_id": SUBNET,
        "diagnostics": {"workspace_id": "log-exec"},
        "pool_name_prefix": "spexec",
        "agents": [
            {
                "agent_name": "coder",
                "principal_id": "coder-oid",
                "identity_id": "coder-identity-id",
                "pool": {"container_type": "CustomContainer", "image": IMAGE},
            }
        ],
        "registry": {"login_server": REGISTRY_HOST, "registry_id": REGISTRY_ID},
        **changes,
    }


def _problems(args: dict[str, Any]) -> list[str]:
    return [f"{problem.field}: {problem.message}" for problem in validate_code_sessions(args)]  # type: ignore[arg-type]


def test_valid_code_sessions_args_have_no_problem() -> None:
    assert _problems(_sessions_args()) == []


@pytest.mark.controls("EXEC-2")
def test_code_sessions_refuse_images_outside_the_platform_registry() -> None:
    other = _sessions_args()
    other["agents"][0]["pool"]["image"] = f"ghcr.io/someone/sandbox@sha256:{DIGEST}"
    (problem,) = _problems(other)
    assert problem.startswith("agents[0].pool.image: image 'ghcr.io/someone/sandbox@sha256:")
    assert "not approved for execution; allowed: crexecfixture.azurecr.io" in problem
    without = _sessions_args()
    del without["registry"]
    assert _problems(without) == [
        "registry: required: agent 'coder' runs a custom container, whose image must come from the platform container registry (EXEC-2)"
    ]
    # Raised before the component registers anything (no Pulumi engine is needed to get here).
    with pytest.raises(ArgsError, match=r"CodeSessions\.agents\[0\]\.pool\.image: .*not approved for execution"):
        CodeSessions("sessions", other)  # type: ignore[arg-type]


@pytest.mark.controls("EXEC-2", "ACC-5")
@pytest.mark.parametrize(
    "registry_id",
    [
        "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-exec",
        "/subscriptions/00000000-0000-0000-0000-000000000000",
        f"{REGISTRY_ID}/repositories/sandbox",
        "/subscriptions/0/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/crexecfixture",
    ],
    ids=["resource-group", "subscription", "below-registry", "other-type"],
)
def test_acrpull_is_granted_on_one_registry_only(registry_id: str) -> None:
    (problem,) = _problems(_sessions_args(registry={"login_server": REGISTRY_HOST, "registry_id": registry_id}))
    assert problem.startswith("registry.registry_id: must be the id of one registry")
    assert "AcrPull is granted on it alone (ACC-5)" in problem


@pytest.mark.controls("EXEC-2")
@pytest.mark.parametrize("login_server", ["docker.io", "crother.azurecr.io", "crexecfixtureevil.azurecr.io"])
def test_images_must_come_from_the_registry_the_agents_may_pull_from(login_server: str) -> None:
    args = _sessions_args(registry={"login_server": login_server, "registry_id": REGISTRY_ID})
    args["agents"][0]["pool"]["image"] = f"{login_server}/sandbox/python@sha256:{DIGEST}"
    assert _problems(args) == [
        f"registry.login_server: {login_server!r} is not the login server of registry 'crexecfixture' (registry_id): "
        "images must come from the registry the agents may pull from (EXEC-2)"
    ]
    # A domain name label scope adds a hash to the registry's own name.
    scoped = _sessions_args(registry={"login_server": "crexecfixture-d3f0a1.azurecr.io", "registry_id": REGISTRY_ID})
    scoped["agents"][0]["pool"]["image"] = f"crexecfixture-d3f0a1.azurecr.io/sandbox/python@sha256:{DIGEST}"
    assert _problems(scoped) == []


@pytest.mark.controls("EXEC-1", "EXEC-3", "ACC-5", "ACC-6")
def test_every_problem_in_the_args_is_reported_at_once_with_its_field() -> None:
    args = _sessions_args(
        pool_name_prefix="sp-exec",
        pool={"cooldown_seconds": 60, "network_egress": "EgressEnabled"},
        agents=[
            {"agent_name": "coder", "principal_id": "coder-oid", "pool": {"container_type": "CustomContainer", "image": IMAGE}},
            {
                "agent_name": "coder",
                "principal_id": "",
                "role_assignments": [
                    {"principal_name": "ops", "principal_id": "ops-oid", "role": "Contributor"},
                ],
            },
        ],
    )
    assert _problems(args) == [
        "pool_name_prefix: 1-31 lower-case letters and digits, starting with a letter; got 'sp-exec'",
        "pool.cooldown_seconds: must be between 300 and 3600, got 60",
        "pool.network_egress: 'EgressEnabled' is not allowed: code in a session must not reach the network (EXEC-1); "
        "allowed: EgressDisabled",
        "agents[0].identity_id: required: the agent's pool runs a custom container, pulled with the agent's own "
        "user-assigned identity (ACC-6)",
        "agents[1].agent_name: 'coder' is listed twice: one pool per agent",
        "agents[1].principal_id: the agent identity's Entra object id is required",
        "agents[1].role_assignments[0].role: 'Contributor' is not allowed here; allowed: Azure ContainerApps Session Executor",
    ]


@pytest.mark.controls("EXEC-1")
def test_egress_cannot_be_enabled_on_an_agents_own_pool_either() -> None:
    args = _sessions_args()
    args["agents"][0]["pool"]["network_egress"] = "EgressEnabled"
    assert [problem.split(":")[0] for problem in _problems(args)] == ["agents[0].pool.network_egress"]


def test_session_pool_options_are_the_args_with_defaults_filled_in() -> None:
    options = SessionPoolOptions(container_type="CustomContainer", image=IMAGE, cpu=1.0, memory="2Gi")
    assert SessionPoolOptions.of(options.as_args()) == options
    assert SessionPoolOptions.of({}) == SessionPoolOptions()
    assert "image" not in SessionPoolOptions().as_args()


def test_session_pool_names_are_valid_and_distinct() -> None:
    names = {session_pool_name("spaizdev", agent) for agent in ("a-b", "ab", "support-triage-agent")}
    assert len(names) == 3
    assert all(name.isalnum() and name.islower() and 3 <= len(name) <= 63 for name in names)
    with pytest.raises(ValueError, match="prefix"):
        session_pool_name("sp-aiz", "agent")


@pytest.mark.controls("ACC-1", "ACC-7")
def test_registry_name_and_options_are_checked_before_registering() -> None:
    with pytest.raises(ArgsError, match="ContainerRegistry.registry_name: 5-50 letters and digits") as error:
        ContainerRegistry(
            "registry",
            {"registry_name": "cr-aiz-dev", "options": {"untagged_retention_days": 0}},  # type: ignore[typeddict-item]
        )
    assert "ContainerRegistry.options.untagged_retention_days: must be between 1 and 365, got 0" in str(error.value)
    with pytest.raises(ValueError, match="between 1 and 365"):
        RegistryOptions(untagged_retention_days=0)
    assert login_server_for("CrAizDev") == "craizdev.azurecr.io"


@pytest.mark.controls("MOD-2b")
@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"emails": ()}, "at least one receiver"),
        ({"emails": ("not-an-address",)}, "is not an e-mail address"),
        ({"emails": ("a@b.io",), "short_name": "much-too-long-name"}, "short_name: 1-12 characters"),
        ({"emails": ("a@b.io",), "token_sensitivity": "Extreme"}, "token_sensitivity: one of Low, Medium, High"),
        ({"emails": ("a@b.io",), "token_threshold": 0}, "token_threshold"),
        ({"emails": ("a@b.io",), "session_busy_percent": 150}, "session_busy_percent"),
        ({"emails": ("a@b.io",), "content_filter_blocks": -1}, "content_filter_blocks"),
    ],
)
def test_alert_options_bounds(fields: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match="invalid alert options") as error:
        AlertOptions(**fields)
    assert message in str(error.value)


# --- the components under mocks ---------------------------------------------------------------------


@dataclass
class Stack:
    """The fixture program's recorded resources, by logical name and by type."""

    resources: list[RecordedResource]

    def __post_init__(self) -> None:
        self.by_name = {resource.name: resource for resource in self.resources if not resource.synthesized}

    def props(self, name: str) -> dict[str, Any]:
        return self.by_name[name].inputs

    def of_type(self, type_token: str) -> list[RecordedResource]:
        return [resource for resource in self.resources if resource.type == type_token]

    def outputs(self, name: str) -> dict[str, Any]:
        return self.by_name[name].outputs


@pytest.fixture(scope="module")
def stack() -> Stack:
    """Run the fixture program once."""
    run = run_program(load_project(FIXTURE, "test"))
    assert not run.errors
    return Stack(run.resources)


@pytest.mark.controls("ACC-7", "RES-2", "EXEC-4")
def test_environment_is_internal_and_logs_to_the_workspace_without_keys(stack: Stack) -> None:
    environment = stack.props("sessions-environment")
    assert environment["vnetConfiguration"] == {
        "infrastructureSubnetId": environment["vnetConfiguration"]["infrastructureSubnetId"],
        "internal": True,
    }
    assert environment["vnetConfiguration"]["infrastructureSubnetId"].endswith("/subnets/agents")
    assert environment["publicNetworkAccess"] == "Disabled"
    assert [profile["workloadProfileType"] for profile in environment["workloadProfiles"]] == ["Consumption"]
    assert environment["appLogsConfiguration"] == {"destination": "azure-monitor"}
    assert environment["peerTrafficConfiguration"] == {"encryption": {"enabled": True}}
    environment_id = stack.outputs("sessions-environment")["id"]
    settings = [item.inputs for item in stack.of_type(DIAGNOSTIC_SETTING) if item.inputs["resourceUri"] == environment_id]
    assert len(settings) == 1 and settings[0]["logs"] == [{"categoryGroup": "allLogs", "enabled": True}]
    assert settings[0]["workspaceId"].endswith("/workspaces/log-exec")


@pytest.mark.controls("EXEC-1", "EXEC-3")
def test_every_agent_has_a_dynamic_egress_less_timed_pool_with_caps(stack: Stack) -> None:
    pools = {item.name: item.inputs for item in stack.of_type(POOL)}
    assert set(pools) == {"sessions-pool-coder", "sessions-pool-analyst"}
    for pool in pools.values():
        assert pool["poolManagementType"] == "Dynamic"
        assert pool["sessionNetworkConfiguration"] == {"status": "EgressDisabled"}
        assert pool["dynamicPoolConfiguration"]["lifecycleConfiguration"]["lifecycleType"] == "Timed"
    assert pools["sessions-pool-coder"]["dynamicPoolConfiguration"]["lifecycleConfiguration"]["cooldownPeriodInSeconds"] == 900
    assert pools["sessions-pool-coder"]["scaleConfiguration"] == {"maxConcurrentSessions": 20, "readySessionInstances": 2}
    assert pools["sessions-pool-analyst"]["dynamicPoolConfiguration"]["lifecycleConfiguration"]["cooldownPeriodInSeconds"] == 600
    assert pools["sessions-pool-analyst"]["scaleConfiguration"] == {"maxConcurrentSessions": 5, "readySessionInstances": 0}


@pytest.mark.controls("EXEC-1", "ACC-6")
def test_python_pool_has_no_image_environment_or_identity(stack: Stack) -> None:
    pool = stack.props("sessions-pool-analyst")
    assert pool["containerType"] == "PythonLTS"
    for absent in ("customContainerTemplate", "environmentId", "identity", "managedIdentitySettings"):
        assert absent not in pool


@pytest.mark.controls("EXEC-2", "EXEC-3", "ACC-6")
def test_custom_pool_runs_the_pinned_image_with_the_agents_identity(stack: Stack) -> None:
    pool = stack.props("sessions-pool-coder")
    identity_id = stack.outputs("agent-coder-identity")["id"]
    assert pool["containerType"] == "CustomContainer"
    assert pool["environmentId"] == stack.outputs("sessions-environment")["id"]
    template = pool["customContainerTemplate"]
    (container,) = template["containers"]
    assert container["image"] == IMAGE
    assert container["resources"] == {"cpu": 1.0, "memory": "2Gi"}
    assert template["ingress"] == {"targetPort": 8080}
    assert template["registryCredentials"] == {"server": REGISTRY_HOST, "identity": identity_id}
    assert "username" not in template["registryCredentials"] and "secrets" not in pool
    assert pool["identity"] == {"type": "UserAssigned", "userAssignedIdentities": [identity_id]}
    # Image pull only: code in a session never gets a token for the agent's identity.
    assert pool["managedIdentitySettings"] == [{"identity": identity_id, "lifecycle": "None"}]


@pytest.mark.controls("EXEC-2", "ACC-5", "ACC-6")
def test_only_the_owning_agent_can_execute_in_its_pool(stack: Stack) -> None:
    executors = [item.inputs for item in stack.of_type(ROLE_ASSIGNMENT) if item.inputs["roleDefinitionId"].endswith(EXECUTOR_ID)]
    assert len(executors) == 2
    for agent in ("coder", "analyst"):
        pool_id = stack.outputs(f"sessions-pool-{agent}")["id"]
        on_pool = [assignment for assignment in executors if assignment["scope"] == pool_id]
        assert len(on_pool) == 1
        assert on_pool[0]["principalId"] == stack.outputs(f"agent-{agent}-identity")["principalId"]
        assert on_pool[0]["principalType"] == "ServicePrincipal"
        assert on_pool[0]["roleDefinitionId"] == (
            f"/subscriptions/00000000-0000-0000-0000-000000000000/providers/Microsoft.Authorization/roleDefinitions/{EXECUTOR_ID}"
        )


@pytest.mark.controls("EXEC-2", "ACC-5")
def test_custom_pool_waits_for_its_acrpull_grant_and_the_registry_endpoint(stack: Stack) -> None:
    pull = stack.by_name["registry-pull-agent-coder"]
    assert pull.inputs["scope"] == stack.outputs("registry-registry")["id"]
    assert pull.inputs["roleDefinitionId"].endswith(f"/roleDefinitions/{ACR_PULL_ID}")
    assert pull.inputs["principalId"] == stack.outputs("agent-coder-identity")["principalId"]
    assert pull.inputs["principalType"] == "ServicePrincipal"
    coder = stack.by_name["sessions-pool-coder"]
    assert pull.urn in coder.dependencies
    # The assignment is computed from the registry's private endpoint as well: the pool, which
    # waits for the assignment, is created only once the registry is reachable privately.
    assert stack.by_name["registry-pe-registry"].urn in pull.property_dependencies["scope"]
    pulls = [item for item in stack.of_type(ROLE_ASSIGNMENT) if item.inputs["roleDefinitionId"].endswith(ACR_PULL_ID)]
    assert [item.name for item in pulls] == ["registry-pull-agent-coder"]
    assert pull.urn not in stack.by_name["sessions-pool-analyst"].dependencies


@pytest.mark.controls("EXEC-2")
def test_acrpull_made_by_the_registry_before_0_2_0_is_moved_not_recreated(stack: Stack) -> None:
    """Before 0.2.0 ContainerRegistry.grant_pull made the assignment, as its child. Given the
    registry's name and URN, CodeSessions keeps that assignment's logical name and aliases its old
    URN, so an existing stack moves it. Its name is guid(scope, principal, role) now, so the moved
    assignment of an existing stack is renamed: it is deleted before the new one is created (a
    second assignment of the same role, scope and principal is refused by Azure:
    RoleAssignmentExists)."""
    pull = stack.by_name["registry-pull-agent-coder"]
    assert pull.parent == stack.by_name["sessions"].urn
    registry_urn = stack.by_name["registry"].urn
    old_urn = registry_urn + "$azure-native:authorization:RoleAssignment::registry-pull-agent-coder"
    old_urn = old_urn.replace("::aizone:index:ContainerRegistry::registry$", "::aizone:index:ContainerRegistry$", 1)
    assert old_urn in pull.options.aliases
    expected = grants.assignment_name(pull.inputs["scope"], pull.inputs["principalId"], pull.inputs["roleDefinitionId"])
    assert pull.inputs["roleAssignmentName"] == expected
    assert pull.options.delete_before_replace is True


@pytest.mark.controls("ACC-1", "ACC-7", "RES-2", "RES-4", "EXEC-2")
def test_registry_is_private_keyless_and_cannot_export(stack: Stack) -> None:
    registry = stack.props("registry-registry")
    assert registry["sku"] == {"name": "Premium"}
    assert registry["adminUserEnabled"] is False and registry["anonymousPullEnabled"] is False
    assert registry["publicNetworkAccess"] == "Disabled"
    assert registry["networkRuleSet"] == {"defaultAction": "Deny", "ipRules": []}
    assert registry["networkRuleBypassOptions"] == "AzureServices"
    assert registry["policies"] == {
        "exportPolicy": {"status": "disabled"},
        "retentionPolicy": {"days": 14, "status": "enabled"},
    }
    assert registry["dataEndpointEnabled"] is True and registry["zoneRedundancy"] == "Enabled"
    registry_id = stack.outputs("registry-registry")["id"]
    (connection,) = stack.props("registry-pe-registry")["privateLinkServiceConnections"]
    assert connection["privateLinkServiceId"] == registry_id and connection["groupIds"] == ["registry"]
    (zone,) = stack.props("registry-pe-registry-dns")["privateDnsZoneConfigs"]
    assert zone["privateDnsZoneId"].endswith("/privateDnsZones/privatelink.azurecr.io")
    assert any(item.inputs["resourceUri"] == registry_id for item in stack.of_type(DIAGNOSTIC_SETTING))


def _metric_alerts(stack: Stack, component: str) -> dict[str, dict[str, Any]]:
    prefix = f"{component}-"
    return {
        item.name.removeprefix(prefix): item.inputs
        for item in stack.of_type(METRIC_ALERT)
        if item.name.startswith(prefix) and not item.name.removeprefix(prefix).startswith("min-")
    }


@pytest.mark.controls("MOD-2b")
def test_action_group_emails_with_common_schema(stack: Stack) -> None:
    group = stack.props("alerts-action-group")
    assert len(group["groupShortName"]) <= 12 and group["enabled"] is True and group["location"] == "Global"
    assert [receiver["emailAddress"] for receiver in group["emailReceivers"]] == ["secops@contoso.com", "ai-owner@contoso.com"]
    assert all(receiver["useCommonAlertSchema"] is True for receiver in group["emailReceivers"])


@pytest.mark.controls("MOD-2b", "EXEC-4")
def test_every_alert_rule_is_wired_to_its_action_group(stack: Stack) -> None:
    for component in ("alerts", "alerts-min"):
        group_id = stack.outputs(f"{component}-action-group")["id"]
        rules = _metric_alerts(stack, component)
        assert rules
        for rule in rules.values():
            assert rule["actions"] == [{"actionGroupId": group_id}]
            assert rule["enabled"] is True and rule["location"] == "global" and 0 <= rule["severity"] <= 4
            assert rule["evaluationFrequency"].startswith("PT") and rule["windowSize"].startswith("PT")
            for criterion in rule["criteria"]["allOf"]:
                assert criterion["operator"] in ("GreaterThan", "GreaterThanOrEqual")
                assert criterion["timeAggregation"] in ("Total", "Maximum")
    (query_rule,) = stack.of_type(QUERY_RULE)
    assert query_rule.inputs["actions"] == {"actionGroups": [stack.outputs("alerts-action-group")["id"]]}


@pytest.mark.controls("MOD-2b")
def test_content_filter_and_token_alerts_on_the_ai_account(stack: Stack) -> None:
    rules = _metric_alerts(stack, "alerts")
    account = (
        "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-exec/providers/Microsoft.CognitiveServices/accounts/ais-exec"
    )
    blocks = rules["content-filter-blocks"]
    assert blocks["scopes"] == [account] and blocks["severity"] == 2
    assert (blocks["evaluationFrequency"], blocks["windowSize"]) == ("PT5M", "PT15M")
    assert blocks["criteria"]["odataType"] == "Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria"
    (criterion,) = blocks["criteria"]["allOf"]
    assert criterion == {
        "criterionType": "StaticThresholdCriterion",
        "name": "RAIRejectedRequests",
        "metricName": "RAIRejectedRequests",
        "metricNamespace": "Microsoft.CognitiveServices/accounts",
        "timeAggregation": "Total",
        "operator": "GreaterThan",
        "threshold": 5,
    }
    tokens = rules["token-usage"]
    assert tokens["scopes"] == [account]
    assert tokens["criteria"]["odataType"] == "Microsoft.Azure.Monitor.MultipleResourceMultipleMetricCriteria"
    (dynamic,) = tokens["criteria"]["allOf"]
    assert dynamic["criterionType"] == "DynamicThresholdCriterion" and dynamic["metricName"] == "TokenTransaction"
    assert dynamic["alertSensitivity"] == "Medium" and dynamic["operator"] == "GreaterThan"
    assert dynamic["failingPeriods"] == {"minFailingPeriodsToAlert": 2, "numberOfEvaluationPeriods": 4}
    assert (tokens["targetResourceType"], tokens["targetResourceRegion"]) == ("Microsoft.CognitiveServices/accounts", "swedencentral")
    static = stack.props("alerts-min-token-usage")
    assert static["criteria"]["allOf"][0]["threshold"] == 2_000_000 and static["windowSize"] == "PT1H"
    assert static["criteria"]["odataType"] == "Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria"


@pytest.mark.controls("MOD-2b")
def test_gateway_alerts_filter_response_code_categories(stack: Stack) -> None:
    rules = _metric_alerts(stack, "alerts")
    for key, category, severity in (("gateway-server-errors", "5xx", 1), ("gateway-client-errors", "4xx", 3)):
        rule = rules[key]
        assert rule["scopes"][0].endswith("/Microsoft.ApiManagement/service/apim-exec") and rule["severity"] == severity
        (criterion,) = rule["criteria"]["allOf"]
        assert (criterion["metricName"], criterion["metricNamespace"]) == ("Requests", "Microsoft.ApiManagement/service")
        assert criterion["dimensions"] == [{"name": "GatewayResponseCodeCategory", "operator": "Include", "values": [category]}]
    assert set(_metric_alerts(stack, "alerts-min")) == {"content-filter-blocks", "token-usage"}


@pytest.mark.controls("EXEC-4")
def test_session_alerts_watch_custom_pools_and_their_logs(stack: Stack) -> None:
    rules = _metric_alerts(stack, "alerts")
    assert "session-busy-analyst" not in rules
    busy = rules["session-busy-coder"]
    assert busy["scopes"] == [stack.outputs("sessions-pool-coder")["id"]]
    (criterion,) = busy["criteria"]["allOf"]
    assert (criterion["metricName"], criterion["metricNamespace"]) == ("PoolExecutingPodCount", "Microsoft.App/sessionPools")
    assert (criterion["operator"], criterion["threshold"], criterion["timeAggregation"]) == ("GreaterThanOrEqual", 16, "Maximum")
    (failures,) = [item.inputs for item in stack.of_type(QUERY_RULE)]
    assert failures["scopes"] == [stack.outputs("sessions-environment")["id"]]
    assert failures["kind"] == "LogAlert" and failures["skipQueryValidation"] is True and failures["severity"] == 2
    (condition,) = failures["criteria"]["allOf"]
    # The service's spelling, not the SDK's ConditionOperator ('gt'), which Azure rejects.
    assert condition["operator"] == "GreaterThan" and condition["timeAggregation"] == "Count"
    assert "AppEnvSessionLifecycleLogs" in condition["query"] and "AppEnvSessionPoolEventLogs" in condition["query"]
    assert condition["dimensions"] == [{"name": "SessionPoolName", "operator": "Include", "values": ["*"]}]


# --- the same resources through the policy pack ---------------------------------------------------


@pytest.mark.controls("EXEC-1", "EXEC-2", "ACC-6", "ACC-7")
def test_policy_pack_passes_the_components_and_catches_a_weakened_copy(stack: Stack) -> None:
    compliant = analyze_resources(stack.resources, PACK, project="fixture-execution", stack="test")
    assert [finding for finding in compliant.findings if finding.level == "mandatory"] == []

    weakened = copy.deepcopy(stack.resources)
    for resource in weakened:
        if resource.name == "registry-registry":
            resource.inputs["publicNetworkAccess"] = resource.outputs["publicNetworkAccess"] = "Enabled"
        if resource.name == "sessions-pool-coder":
            container = resource.inputs["customContainerTemplate"]["containers"][0]
            container["image"] = f"{REGISTRY_HOST}/sandbox/python:latest"
    caught = analyze_resources(weakened, PACK, project="fixture-execution", stack="test")
    policies = {finding.policy for finding in caught.findings if finding.level == "mandatory"}
    assert {
        "azurenative-containerregistry-registry-restrict-network-access",
        "azurenative-app-containerappssessionpool-image-digest",
    } <= policies
