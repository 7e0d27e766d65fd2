"""The dev stack's identities, Entra ID controls, data boundaries, governance and code execution,
asserted on the exact wire properties a reviewer (and the policy pack) reads; plus the grant
refusals that least privilege and data boundaries rely on, which fire before anything exists.
"""

from __future__ import annotations

from typing import Any

import pytest

from pulumi_aizone.data_boundary import check_same_boundary
from pulumi_aizone.grants import GrantError, Principal, grant_eligible, grant_role
from pulumi_aizone_policy import reference

from .conftest import ROOT, Plan

STORAGE = "azure-native:storage:StorageAccount"
ROLE_ASSIGNMENT = "azure-native:authorization:RoleAssignment"
IDENTITY = "azure-native:managedidentity:UserAssignedIdentity"
CA_POLICY = "azuread:index/conditionalAccessPolicy:ConditionalAccessPolicy"
LOCK = "azure-native:authorization:ManagementLockByScope"


def _storage_of(plan: Plan, application: str) -> Any:
    return plan.one(STORAGE, f"-data-{application}-")


# --- ACC-2: agent inventory ------------------------------------------------------------------------


@pytest.mark.controls("ACC-2", "DATA-1")
def test_every_agent_has_its_own_tagged_identity_and_is_in_the_agents_group(dev_plan: Plan) -> None:
    identities = {i.inputs["tags"][reference.AGENT_TAG]: i for i in dev_plan.of_type(IDENTITY)}
    assert set(identities) == {"hr-policy-agent", "support-triage-agent"}
    hr = identities["hr-policy-agent"].inputs["tags"]
    assert hr[reference.INVENTORY_TAG] == "agent"
    assert hr[reference.OWNER_TAG] == "hr-ai-owner@contoso.com"
    assert hr[reference.BOUNDARY_TAG] == "internal"
    members = dev_plan.of_type("azuread:index/groupMember:GroupMember")
    agents_group = dev_plan.one("azuread:index/group:Group", "-agents")
    assert len(members) == 2
    assert all(agents_group.urn in m.property_dependencies["groupObjectId"] for m in members)


@pytest.mark.controls("ACC-2")
def test_inventory_output_lists_every_ai_caller_with_the_roles_it_holds(dev_preview: Any) -> None:
    stack = next(r for r in dev_preview.resources if r.type == "pulumi:pulumi:Stack")
    inventory = stack.outputs["agentInventory"]
    by_name = {entry["name"]: entry for entry in inventory}
    assert {entry["kind"] for entry in inventory} == {"agent", "application", "gateway"}
    agent = by_name["hr-policy-agent"]
    assert agent["boundary"] == "internal" and agent["owner"] == "hr-ai-owner@contoso.com"
    assert any(role.startswith("Storage Blob Data Reader on aizone-data-hr-assistant-storage") for role in agent["roles"])
    assert "app role AI.Inference on aizone-gw" in agent["roles"]
    assert any(role.startswith("Cognitive Services OpenAI User") for role in by_name["gateway"]["roles"])


# --- ACC-3 / ACC-4: Entra ID ---------------------------------------------------------------------


@pytest.mark.controls("ACC-3", "ACC-4")
def test_conditional_access_is_report_only_by_default_and_covers_mfa_risk_location_and_devices(dev_plan: Plan) -> None:
    policies = {p.name.rsplit("-ca-", 1)[1]: p.inputs for p in dev_plan.of_type(CA_POLICY)}
    assert set(policies) == {"mfa", "risk", "location", "admin-device"}
    assert {p["state"] for p in policies.values()} == {"enabledForReportingButNotEnforced"}
    assert policies["mfa"]["grantControls"]["builtInControls"] == ["mfa"]
    assert reference.AZURE_MANAGEMENT_APP_ID in policies["mfa"]["conditions"]["applications"]["includedApplications"]
    assert policies["risk"]["conditions"]["signInRiskLevels"] == ["medium", "high"]
    assert policies["location"]["grantControls"]["builtInControls"] == ["block"]
    assert policies["location"]["conditions"]["locations"]["includedLocations"] == ["All"]
    device = policies["admin-device"]["grantControls"]
    assert (device["operator"], sorted(device["builtInControls"])) == ("AND", ["compliantDevice", "mfa"])


@pytest.mark.controls("ACC-3")
def test_ai_administrators_are_only_eligible_and_time_bound(dev_plan: Plan) -> None:
    schedule = dev_plan.one("azure-native:authorization:PimRoleEligibilitySchedule")
    assert schedule.inputs["scheduleInfo"]["expiration"] == {"type": "AfterDuration", "duration": "P180D"}
    assert schedule.inputs["roleDefinitionId"].endswith(reference.ROLE_IDS["Cognitive Services Contributor"])
    admins = dev_plan.one("azuread:index/group:Group", "-admins")
    assert admins.urn in schedule.property_dependencies["principalId"]
    admin_roles = {reference.ROLE_IDS[name] for name in reference.AI_ADMIN_ROLES | reference.BROAD_ROLES}
    for grant in dev_plan.of_type(ROLE_ASSIGNMENT):  # no permanent administrative assignment
        assert grant.inputs["roleDefinitionId"].rsplit("/", 1)[1] not in admin_roles


@pytest.mark.controls("ACC-3")
def test_eligibility_refuses_non_admin_roles_users_and_unbounded_durations() -> None:
    group = Principal("admins", "object-id", principal_type="Group")
    scope: Any = object()
    with pytest.raises(GrantError, match="is not an AI administration role"):
        grant_eligible("x", "Owner", scope_id="id", scope_name="ai", group=group, days=30, parent=scope)
    with pytest.raises(GrantError, match="granted to groups, not to a User"):
        grant_eligible(
            "x",
            "Cognitive Services Contributor",
            scope_id="id",
            scope_name="ai",
            group=Principal("p", "id", "User"),
            days=30,
            parent=scope,
        )
    with pytest.raises(GrantError, match="must expire within 1 to 365 days, got 0"):
        grant_eligible("x", "Cognitive Services Contributor", scope_id="id", scope_name="ai", group=group, days=0, parent=scope)


# --- ACC-5: least privilege ----------------------------------------------------------------------


@pytest.mark.controls("ACC-5")
@pytest.mark.parametrize(
    ("role", "allowed", "message"),
    [
        ("Owner", {"Owner"}, r"role 'Owner' is too broad for a workload identity \(ACC-5\)"),
        ("Contributor", {"Contributor"}, "role 'Contributor' is too broad"),
        ("Storage Blob Data Contributor", {"Storage Blob Data Reader"}, "is not allowed here; allowed: Storage Blob Data Reader"),
    ],
)
def test_grants_refuse_broad_and_unlisted_roles_before_creating_anything(role: str, allowed: set[str], message: str) -> None:
    scope: Any = object()
    with pytest.raises(GrantError, match=message):
        grant_role("x", role, scope_id="id", scope_name="st", principal=Principal("app", "id"), allowed_roles=allowed, parent=scope)


@pytest.mark.controls("ACC-5", "ACC-6")
def test_every_role_assignment_is_resource_scoped_with_an_explicit_principal_type(dev_plan: Plan) -> None:
    grants = dev_plan.of_type(ROLE_ASSIGNMENT)
    assert len(grants) >= 10
    for grant in grants:
        assert grant.inputs["principalType"] == "ServicePrincipal"
        assert "/providers/" in grant.inputs["scope"], grant.name  # never subscription / resource group
        assert reference.role_name_for_id(grant.inputs["roleDefinitionId"]) not in reference.BROAD_ROLES


# --- DATA: boundaries, isolation, protection -----------------------------------------------------


@pytest.mark.controls("DATA-1", "DATA-2")
def test_each_application_has_its_own_storage_in_its_own_boundary(dev_plan: Plan) -> None:
    hr, support = _storage_of(dev_plan, "hr-assistant"), _storage_of(dev_plan, "support-bot")
    assert hr.inputs["accountName"] != support.inputs["accountName"]
    assert hr.inputs["tags"][reference.BOUNDARY_TAG] == "internal"
    assert support.inputs["tags"][reference.BOUNDARY_TAG] == "customer"


@pytest.mark.controls("DATA-3")
def test_data_reads_stay_inside_the_boundary(dev_plan: Plan) -> None:
    for application, agent in (("hr-assistant", "hr-policy-agent"), ("support-bot", "support-triage-agent")):
        storage = _storage_of(dev_plan, application)
        readers = [
            g for g in dev_plan.of_type(ROLE_ASSIGNMENT) if storage.urn in g.property_dependencies.get("scope", []) and "-reader-" in g.name
        ]
        names = sorted(g.name.split("-reader-")[1] for g in readers)
        assert names == sorted([f"agent-{agent}", f"project-{application}", "purview"])
        for grant in readers:
            # Applications and agents read the one container; Purview's scan enumerates the account.
            scope = storage.id if grant.name.endswith("-purview") else storage.id + "/blobServices/default/containers/data"
            assert grant.inputs["scope"] == scope
            assert grant.inputs["roleDefinitionId"].endswith(reference.ROLE_IDS["Storage Blob Data Reader"])


@pytest.mark.controls("DATA-3")
def test_a_grant_across_boundaries_is_refused_before_anything_is_created() -> None:
    public_agent = Principal("agent-web", "id", boundary="public")
    with pytest.raises(
        GrantError,
        match=r"agent-web belongs to the 'public' data boundary and cannot be given data of 'hr-assistant', which is 'internal' \(DATA-3\)",
    ):
        check_same_boundary(public_agent, "hr-assistant", "internal")
    check_same_boundary(Principal("agent-hr", "id", boundary="internal"), "hr-assistant", "internal")


@pytest.mark.controls("DATA-6", "ACC-1", "ACC-7", "RES-5")
def test_storage_is_entra_only_private_and_hardened(dev_plan: Plan) -> None:
    for storage in dev_plan.of_type(STORAGE):
        props = storage.inputs
        assert props["allowSharedKeyAccess"] is False and props["defaultToOAuthAuthentication"] is True
        assert props["publicNetworkAccess"] == "Disabled" and props["networkRuleSet"]["defaultAction"] == "Deny"
        assert props["allowBlobPublicAccess"] is False and props["allowCrossTenantReplication"] is False
        assert props["encryption"]["requireInfrastructureEncryption"] is True
        assert props["minimumTlsVersion"] == "TLS1_2" and props["enableHttpsTrafficOnly"] is True


@pytest.mark.controls("DATA-5")
def test_data_bearing_resources_are_protected_locked_and_recoverable(dev_plan: Plan) -> None:
    data_types = (STORAGE, "azure-native:keyvault:Vault", "azure-native:purview:Account")
    assert dev_plan.of_type(LOCK) == []  # locks would block revoking role assignments
    rule = dev_plan.one("azure-native:authorization:PolicyDefinition", "deletion-guard").inputs["policyRule"]
    assert rule["then"]["effect"] == "denyAction" and rule["then"]["details"]["actionNames"] == ["delete"]
    group = dev_plan.one("azure-native:resources:ResourceGroup")
    assert dev_plan.one("azure-native:authorization:PolicyAssignment", "deletion-guard").inputs["scope"] == group.id
    for resource in (r for r in dev_plan.resources if r.type in data_types):
        assert resource.options.protect is True, resource.name
    for service in dev_plan.of_type("azure-native:storage:BlobServiceProperties"):
        assert service.inputs["isVersioningEnabled"] is True
        assert service.inputs["deleteRetentionPolicy"]["enabled"] is True
        assert service.inputs["containerDeleteRetentionPolicy"]["enabled"] is True


@pytest.mark.controls("DATA-7", "DATA-5")
def test_key_vault_uses_rbac_purge_protection_and_private_access(dev_plan: Plan) -> None:
    props = dev_plan.one("azure-native:keyvault:Vault").inputs["properties"]
    assert props["enableRbacAuthorization"] is True
    assert props["enablePurgeProtection"] is True and props["enableSoftDelete"] is True
    assert props["publicNetworkAccess"] == "Disabled"


@pytest.mark.controls("DATA-4")
def test_purview_is_attached_and_reads_every_boundary_account(dev_plan: Plan) -> None:
    assert dev_plan.of_type("azure-native:purview:Account") == []  # one per tenant: attached
    scanner_grants = [g for g in dev_plan.of_type(ROLE_ASSIGNMENT) if g.name.endswith("-reader-purview")]
    assert len(scanner_grants) == len(dev_plan.of_type(STORAGE))
    assert {g.inputs["scope"] for g in scanner_grants} == {s.id for s in dev_plan.of_type(STORAGE)}


@pytest.mark.controls("MOD-1", "DATA-4")
def test_defender_plans_cover_ai_with_prompt_evidence_storage_vaults_and_apis(dev_plan: Plan) -> None:
    plans = {p.inputs["pricingName"]: p.inputs for p in dev_plan.of_type("azure-native:security:Pricing")}
    assert {name: plan["pricingTier"] for name, plan in plans.items()} == {
        "AI": "Standard",
        "StorageAccounts": "Standard",
        "KeyVaults": "Standard",
        "Api": "Standard",
    }
    assert {e["name"]: e["isEnabled"] for e in plans["AI"]["extensions"]} == {
        "AIPromptEvidence": "True",
        "AIPromptSharingWithPurview": "True",
        "AIModelScanner": "True",  # AI model security, the plan's third component (defender.PLANS)
    }
    assert plans["StorageAccounts"]["subPlan"] == "DefenderForStorageV2"
    assert {e["name"] for e in plans["StorageAccounts"]["extensions"]} == {"OnUploadMalwareScanning", "SensitiveDataDiscovery"}


# --- EXEC: code sessions -------------------------------------------------------------------------


@pytest.mark.controls("EXEC-1", "EXEC-3")
def test_each_agent_gets_an_egress_free_timed_capped_session_pool(dev_plan: Plan) -> None:
    pools = dev_plan.of_type("azure-native:app:ContainerAppsSessionPool")
    assert len(pools) == 2
    for pool in pools:
        props = pool.inputs
        assert props["poolManagementType"] == "Dynamic"
        assert props["sessionNetworkConfiguration"] == {"status": "EgressDisabled"}
        assert props["dynamicPoolConfiguration"]["lifecycleConfiguration"] == {"lifecycleType": "Timed", "cooldownPeriodInSeconds": 300}
        assert props["scaleConfiguration"] == {"maxConcurrentSessions": 10, "readySessionInstances": 1}


@pytest.mark.controls("EXEC-2", "ACC-5")
def test_only_the_owning_agent_may_execute_in_its_pool(dev_plan: Plan) -> None:
    executor = reference.ROLE_IDS["Azure ContainerApps Session Executor"]
    for pool in dev_plan.of_type("azure-native:app:ContainerAppsSessionPool"):
        grants = [
            g for g in dev_plan.of_type(ROLE_ASSIGNMENT) if g.inputs["roleDefinitionId"].endswith(executor) and g.inputs["scope"] == pool.id
        ]
        assert len(grants) == 1
        agent = pool.name.rsplit("-pool-", 1)[1]
        identity = dev_plan.one(IDENTITY, f"-agent-{agent}-")
        assert identity.urn in grants[0].property_dependencies["principalId"]


@pytest.mark.controls("EXEC-4", "MOD-2b")
def test_alerts_watch_content_filter_tokens_gateway_and_sessions(dev_plan: Plan) -> None:
    group = dev_plan.one("azure-native:monitor:ActionGroup")
    metric_names = set()
    for alert in dev_plan.of_type("azure-native:monitor:MetricAlert"):
        assert group.urn in alert.property_dependencies["actions"]
        metric_names.update(c["metricName"] for c in alert.inputs["criteria"]["allOf"])
    assert {"RAIRejectedRequests", "TokenTransaction", "Requests"} <= metric_names
    # The dev pools are built-in PythonLTS pools, for which Azure publishes no session metrics or
    # logs; session volume/failure rules for custom pools are covered in test_execution.py.
    assert dev_plan.of_type("azure-native:monitor:ScheduledQueryRule") == []


@pytest.mark.controls("EXEC-5")
def test_code_review_runbook_is_documented_and_backed_by_the_pack() -> None:
    readme = (ROOT / "README.md").read_text()
    assert "## Code review and image promotion (EXEC-5)" in readme
    from pulumi_aizone_policy.policies import ALL_SPECS

    assert any("EXEC-2" in spec.controls and "image-digest" in spec.name for spec in ALL_SPECS)
