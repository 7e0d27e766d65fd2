"""Revoking an agent (README, "Deploying for real", runbook): remove it from `aizone:agents` and run
`pulumi up` once. The plan without the agent must lose exactly that agent's resources (identity,
role assignments, gateway app-role assignment, group membership, session pool and its grant) and
leave every other resource as it was: same URNs, same inputs, same dependencies. Nothing else
(no lock, no shared resource) may stand in the way of the deletes or change with them."""

from __future__ import annotations

from typing import Any

import pytest

from .plans import dev_config, record

REVOKED = "support-triage-agent"
KEPT = "hr-policy-agent"

pytestmark = pytest.mark.controls("ACC-2", "DATA-5")


@pytest.fixture(scope="module")
def without_agent(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    config = dev_config()
    config["aizone:agents"] = [agent for agent in config["aizone:agents"] if agent["name"] != REVOKED]
    assert [agent["name"] for agent in config["aizone:agents"]] == [KEPT]
    # stack "dev", as the session's dev preview, so the two plans' URNs are comparable
    plan = record(tmp_path_factory.mktemp("revoked"), config, stack="dev")
    assert plan["errors"] == []
    return plan


def by_urn(resources: list[Any]) -> dict[str, dict[str, Any]]:
    """URN -> what a change would touch (the stack resource's outputs list the agents; they are outputs)."""

    def view(resource: Any) -> dict[str, Any]:
        if isinstance(resource, dict):
            return {
                "type": resource["type"],
                "name": resource["name"],
                "inputs": resource["inputs"],
                "protect": resource["protect"],
                "parent": resource["parent"],
            }
        return {
            "type": resource.type,
            "name": resource.name,
            "inputs": resource.inputs,
            "protect": bool(resource.options.protect),
            "parent": resource.parent,
        }

    return {(r["urn"] if isinstance(r, dict) else r.urn): view(r) for r in resources}


def test_removing_an_agent_deletes_exactly_its_resources(dev_preview: Any, without_agent: dict[str, Any]) -> None:
    before, after = by_urn(dev_preview.resources), by_urn(without_agent["resources"])
    removed = sorted((before[urn]["type"], before[urn]["name"]) for urn in set(before) - set(after))
    assert removed == sorted(
        [
            ("aizone:index:AgentIdentity", f"aizone-agent-{REVOKED}"),
            ("azure-native:managedidentity:UserAssignedIdentity", f"aizone-agent-{REVOKED}-identity"),
            # its read access to its application's data boundary
            ("azure-native:authorization:RoleAssignment", f"aizone-data-support-bot-reader-agent-{REVOKED}"),
            # its app role on the gateway (how it reached the models)
            ("azuread:index/appRoleAssignment:AppRoleAssignment", f"aizone-gw-caller-agent-{REVOKED}"),
            # its membership of the agents group (Conditional Access for workload identities)
            ("azuread:index/groupMember:GroupMember", f"aizone-agents-group-{REVOKED}"),
            # its code-execution session pool and the executor grant on it
            ("azure-native:app:ContainerAppsSessionPool", f"aizone-sessions-pool-{REVOKED}"),
            ("azure-native:authorization:RoleAssignment", f"aizone-sessions-executor-{REVOKED}"),
        ]
    )
    assert set(after) <= set(before)  # nothing new appears


def test_removing_an_agent_changes_nothing_else(dev_preview: Any, without_agent: dict[str, Any]) -> None:
    before, after = by_urn(dev_preview.resources), by_urn(without_agent["resources"])
    changed = [(view["type"], view["name"]) for urn, view in after.items() if view != before[urn]]
    assert changed == []
    # the other agent keeps all of its resources
    kept = [view["name"] for view in after.values() if KEPT in view["name"]]
    assert len(kept) == 7, kept


def test_no_remaining_resource_depends_on_the_revoked_agent(without_agent: dict[str, Any]) -> None:
    """Nothing left in the plan refers to the agent (so nothing blocks or follows its deletion)."""
    for resource in without_agent["resources"]:
        assert REVOKED not in str(resource["inputs"]), resource["name"]
        for urns in (resource["propertyDependencies"] or {}).values():
            assert all(REVOKED not in urn for urn in urns), resource["name"]
