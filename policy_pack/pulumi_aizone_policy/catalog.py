"""The control catalog as data: the single source of truth for control ids.

Every control of the secure-AI landing zone is one `Control` here (docs/CONTROLS.md is the catalog
as a document, generated from this module by `python -m tools.catalog_doc`). Components
name the controls they implement, every policy names its control ids (and takes its default
enforcement level and its Microsoft cloud security benchmark mapping from here), and tests name the
controls they prove, so a traceability report can join control -> component -> policy -> test.

MCSB mapping: `mcsb_v1` lists Microsoft cloud security benchmark v1 control ids
(https://learn.microsoft.com/security/benchmark/azure/overview, domains NS, IM, PA, DP, AM, LT, IR,
PV, ES, BR, DS, GS); `mcsb_v2` lists ids from the AI security domain that MCSB v2 adds
(AI-1 approved models, AI-2 multi-layered content filtering, AI-3 safety meta-prompts, AI-4 least
privilege for agent functions, AI-5 human in the loop, AI-6 monitoring and detection, AI-7 AI red
teaming). The mapping is this project's judgement of which benchmark control each control
implements.

This module has no dependencies so that components can import it cheaply.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Final, Literal

Section = Literal["RES", "MOD", "ACC", "DATA", "EXEC"]
Mechanism = Literal["R", "S", "C", "D"]
Level = Literal["M", "A"]

SECTION_TITLES: Final[Mapping[Section, str]] = {
    "RES": "Secure AI resources",
    "MOD": "Secure AI models",
    "ACC": "Secure AI access",
    "DATA": "Secure AI data",
    "EXEC": "Secure AI execution",
}

MECHANISM_TITLES: Final[Mapping[Mechanism, str]] = {
    "R": "resource policy",
    "S": "stack policy",
    "C": "components",
    "D": "documented practice",
}

_MECHANISMS: Final[tuple[Mechanism, ...]] = ("R", "S", "C", "D")

CONTROL_ID_PATTERN: Final[re.Pattern[str]] = re.compile(r"^(RES|MOD|ACC|DATA|EXEC)-[0-9]+[a-z]?$")


@dataclass(frozen=True)
class Control:
    """One checkable control of the landing zone."""

    id: str
    title: str
    requirement: str
    enforced_by: frozenset[Mechanism]
    level: Level | None
    mcsb_v1: tuple[str, ...]
    mcsb_v2: tuple[str, ...] = ()

    @property
    def section(self) -> Section:
        """Catalog section (the guidance heading's short code), from the id prefix."""
        prefix = self.id.split("-", 1)[0]
        for section in SECTION_TITLES:
            if section == prefix:
                return section
        raise ValueError(f"control id {self.id!r} has no known section")

    @property
    def section_title(self) -> str:
        """Guidance heading of the section, e.g. "Secure AI access"."""
        return SECTION_TITLES[self.section]

    @property
    def mcsb(self) -> tuple[str, ...]:
        """All benchmark ids, v1 first."""
        return self.mcsb_v1 + self.mcsb_v2

    @property
    def policy_enforced(self) -> bool:
        """True when a resource or stack policy enforces (part of) the control."""
        return bool(self.enforced_by & {"R", "S"})


def _control(
    control_id: str,
    title: str,
    requirement: str,
    enforced_by: str,
    level: str,
    mcsb_v1: Iterable[str],
    mcsb_v2: Iterable[str] = (),
) -> Control:
    """Build a Control from compact literals ("R+S", "M"/"A"/"-")."""
    parts = enforced_by.split("+")
    mechanisms: frozenset[Mechanism] = frozenset(mechanism for mechanism in _MECHANISMS if mechanism in parts)
    levels: Mapping[str, Level] = {"M": "M", "A": "A"}
    return Control(
        id=control_id,
        title=title,
        requirement=requirement,
        enforced_by=mechanisms,
        level=levels.get(level),
        mcsb_v1=tuple(mcsb_v1),
        mcsb_v2=tuple(mcsb_v2),
    )


CONTROLS: Final[tuple[Control, ...]] = (
    # --- RES: Secure AI resources ------------------------------------------------------------
    _control(
        "RES-1",
        "Policies mapped to the benchmark",
        "Every policy names the MCSB control(s) it implements and carries severity, framework, tags and remediation metadata.",
        "C",
        "-",
        ("PV-1", "PV-2"),
    ),
    _control(
        "RES-2",
        "Central logging",
        "Every AI, data, gateway, vault and execution resource sends its logs (allLogs or audit) "
        "and metrics to one central Log Analytics workspace.",
        "S",
        "M",
        ("LT-3", "LT-5"),
        ("AI-6",),
    ),
    _control(
        "RES-3",
        "Private DNS",
        "One private DNS zone per privatelink zone used, linked to the hub VNet; bring-your-own zone ids supported.",
        "C",
        "-",
        ("NS-2", "NS-10"),
    ),
    _control(
        "RES-4",
        "Private endpoints",
        "Every PaaS resource that supports it has a private endpoint with a DNS zone group pointing "
        "at the right zone(s), on a SKU that supports private endpoints.",
        "S+R",
        "M",
        ("NS-2",),
    ),
    _control(
        "RES-5",
        "TLS 1.2+ and HTTPS only",
        "TLS 1.2 or later and HTTPS only wherever configurable (storage, API Management, container app ingress).",
        "R",
        "M",
        ("DP-3", "NS-8"),
    ),
    _control(
        "RES-6",
        "Runtime guardrails",
        "The controls that Azure Policy can enforce at runtime are assigned as one initiative at the "
        "landing zone's scope (resource group or wider), enforced (never DoNotEnforce, no excluded "
        "scopes), with every exemption time-boxed; changes made outside Pulumi meet the same controls.",
        "S+R",
        "M",
        ("PV-2",),
    ),
    # --- MOD: Secure AI models ----------------------------------------------------------------
    _control(
        "MOD-1",
        "Defender threat protection for AI",
        "Defender for Cloud threat protection for AI (with prompt evidence), Storage, Key Vaults and APIs is enabled on the subscription.",
        "R+S",
        "M",
        ("LT-1", "DP-2"),
        ("AI-6",),
    ),
    _control(
        "MOD-2a",
        "Prompt shields and content filters",
        "Every model deployment uses a custom content-filter policy that blocks Jailbreak and "
        "Indirect Attack on prompts and filters Hate/Sexual/Violence/Selfharm on prompts and "
        "completions at the configured threshold.",
        "R+S",
        "M",
        (),
        ("AI-2",),
    ),
    _control(
        "MOD-2b",
        "Output monitoring",
        "Request/response and usage logs are captured; alerts on content-filter blocks and abnormal token usage go to an action group.",
        "C+S",
        "A",
        ("LT-3",),
        ("AI-6",),
    ),
    _control(
        "MOD-3",
        "Model authenticity and integrity",
        "Only allow-listed models (format, name, version) are deployed, without automatic version "
        "upgrades; model artifacts and custom images are pinned by SHA-256 digest.",
        "R",
        "M",
        ("AM-2", "DS-2"),
        ("AI-1",),
    ),
    _control(
        "MOD-4",
        "AI gateway",
        "API Management with a managed identity fronts every model endpoint: Entra ID callers, "
        "managed-identity backend auth, token limits and metrics, request logging, least-privilege "
        "gateway role.",
        "R+S+C",
        "M",
        ("IM-1", "IM-3", "NS-2"),
        ("AI-6",),
    ),
    # --- ACC: Secure AI access ----------------------------------------------------------------
    _control(
        "ACC-1",
        "Entra ID instead of keys",
        "Local/key authentication is disabled on every AI service and every data service that has keys; nothing reads keys.",
        "R",
        "M",
        ("IM-1", "IM-8"),
    ),
    _control(
        "ACC-2",
        "Agent inventory",
        "Every AI agent has its own identity, tagged, inventoried in a stack output and one Entra "
        "group; AI callers that are not inventoried are flagged.",
        "S+C",
        "A",
        ("IM-3", "AM-1"),
        ("AI-4",),
    ),
    _control(
        "ACC-3",
        "MFA and privileged access",
        "Conditional Access requires MFA for AI app/portal users; administrative roles on AI resources are PIM-eligible and time-bound.",
        "C+R",
        "M",
        ("IM-6", "PA-1", "PA-2"),
    ),
    _control(
        "ACC-4",
        "Conditional Access",
        "Risk-based and location-based Conditional Access, and compliant devices for AI administration.",
        "C",
        "-",
        ("IM-7",),
    ),
    _control(
        "ACC-5",
        "Least privilege",
        "Workload identities get only allow-listed data-plane roles scoped to the single resource "
        "they need; never Owner/Contributor/UAA/RBAC Administrator, never at subscription or "
        "management-group scope.",
        "R+S",
        "M",
        ("PA-7",),
        ("AI-4",),
    ),
    _control(
        "ACC-6",
        "Managed identities",
        "Every service that calls another has a managed identity; role assignments to managed "
        "identities set principalType = ServicePrincipal.",
        "R+S",
        "M",
        ("IM-3",),
    ),
    _control(
        "ACC-7",
        "Control external access",
        "Public network access disabled and network ACLs default-deny on every AI, data, vault and "
        "gateway resource (gateway exposure is an explicit choice); outbound restricted on AI "
        "accounts.",
        "R",
        "M",
        ("NS-2",),
    ),
    _control(
        "ACC-8",
        "Governance of AI resources",
        "AI resources are Foundry accounts with projects; per-deployment capacity caps and allowed account kinds come from config.",
        "R",
        "M",
        ("AM-2",),
    ),
    # --- DATA: Secure AI data -----------------------------------------------------------------
    _control(
        "DATA-1",
        "Data boundaries",
        "Every application and data resource declares one data boundary (internal, customer, "
        "public) as a tag; applications only get data of their own boundary.",
        "R+S",
        "M",
        ("DP-1",),
    ),
    _control(
        "DATA-2",
        "Dataset isolation",
        "A separate storage account (and index/database) per application per boundary; no data resource is shared across boundaries.",
        "S",
        "M",
        ("DP-1", "PA-7"),
    ),
    _control(
        "DATA-3",
        "Role-based data access",
        "Application identities get blob data roles only on their own boundary's storage; no data roles across boundaries.",
        "S",
        "M",
        ("PA-7",),
    ),
    _control(
        "DATA-4",
        "Microsoft Purview",
        "A Purview account with managed identity, public access disabled, private endpoints, read "
        "access to every boundary's storage; Defender for AI shares AI interactions with Purview.",
        "R+S",
        "M",
        ("DP-1", "DP-2"),
    ),
    _control(
        "DATA-5",
        "Nothing lost",
        "Data-bearing resources are protected, locked (CanNotDelete), with soft delete/versioning and Key Vault purge protection.",
        "R+S",
        "M",
        ("BR-1", "BR-2"),
    ),
    _control(
        "DATA-6",
        "Storage hardening",
        "No anonymous blob access, no cross-tenant replication, infrastructure encryption.",
        "R",
        "M",
        ("DP-4", "NS-2"),
    ),
    _control(
        "DATA-7",
        "Key Vault hardening",
        "Key Vault uses RBAC authorization, purge protection and has public access disabled.",
        "R",
        "M",
        ("DP-8", "PA-7"),
    ),
    # DATA-8: customer-managed keys, opt-in by the organisation (scope.py, `customerManagedKeys`).
    # Rationale: every service below encrypts data at rest with Microsoft-managed keys by default;
    # a customer-managed key in the organisation's Key Vault adds control over the key's lifecycle
    # (rotation, revocation, audit), which regulated data classes often require (MCSB v1 DP-5 "Use
    # customer-managed key option in data at rest encryption when required"). The guidance does
    # not ask for it everywhere, so it judges only the data boundaries the organisation lists.
    # Sources (Microsoft Learn, read 2026-12-07): Foundry / AI services
    # https://learn.microsoft.com/azure/foundry/concepts/customer-managed-keys; Azure Machine Learning
    # https://learn.microsoft.com/azure/machine-learning/how-to-setup-customer-managed-keys; AI Search
    # https://learn.microsoft.com/azure/search/search-security-manage-encryption-keys; Storage
    # https://learn.microsoft.com/azure/storage/common/customer-managed-keys-overview.
    _control(
        "DATA-8",
        "Customer-managed keys",
        "Where the organisation requires it for a data boundary, AI, search, machine learning, bot and "
        "storage resources encrypt data at rest with a customer-managed key in Azure Key Vault "
        "(key source Key Vault with a named key, CMK enforcement on AI Search).",
        "R",
        "M",
        ("DP-5",),
    ),
    # --- EXEC: Secure AI execution ------------------------------------------------------------
    _control(
        "EXEC-1",
        "Isolated execution",
        "Agent code runs in Container Apps dynamic sessions: dynamic pool, fresh timed sessions, network egress disabled.",
        "R",
        "M",
        ("NS-1",),
        ("AI-4",),
    ),
    _control(
        "EXEC-2",
        "Approved code only",
        "Custom session containers come from the private registry pinned by digest; only the agent's identity can execute in its pool.",
        "R+S",
        "M",
        ("DS-2", "DS-6"),
        ("AI-4",),
    ),
    _control(
        "EXEC-3",
        "Resource limits and timeouts",
        "Per-session CPU and memory limits, a cap on concurrent sessions and a cooldown within configured bounds.",
        "R",
        "M",
        ("PV-3",),
        ("AI-4",),
    ),
    _control(
        "EXEC-4",
        "Execution monitoring",
        "Session pool logs go to the workspace; alerts on unusual execution volume or failures go to the action group.",
        "S",
        "A",
        ("LT-1", "LT-3"),
        ("AI-6",),
    ),
    _control(
        "EXEC-5",
        "Code review",
        "Execution code and images change only through version control and review; the pack "
        "rejects unpinned images and unapproved registries.",
        "D",
        "-",
        ("DS-3", "DS-6"),
    ),
)

CONTROLS_BY_ID: Final[Mapping[str, Control]] = {control.id: control for control in CONTROLS}


def get_control(control_id: str) -> Control:
    """The control with this id; raises KeyError naming the known ids when it does not exist."""
    try:
        return CONTROLS_BY_ID[control_id]
    except KeyError:
        known = ", ".join(CONTROLS_BY_ID)
        raise KeyError(f"unknown control id {control_id!r}; known ids: {known}") from None


def controls_in_section(section: Section) -> tuple[Control, ...]:
    """Controls of one section, in catalog order."""
    return tuple(control for control in CONTROLS if control.section == section)


def mcsb_ids(control_ids: Iterable[str]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Union of the (v1, v2) benchmark ids of several controls, each in first-seen order."""
    v1: dict[str, None] = {}
    v2: dict[str, None] = {}
    for control_id in control_ids:
        control = get_control(control_id)
        v1.update(dict.fromkeys(control.mcsb_v1))
        v2.update(dict.fromkeys(control.mcsb_v2))
    return tuple(v1), tuple(v2)


def default_level(control_ids: Iterable[str]) -> Level:
    """Default enforcement of a policy implementing these controls: the strictest of their levels
    (a control without a level, enforced only by components, counts as mandatory)."""
    levels = {get_control(control_id).level for control_id in control_ids}
    return "A" if levels == {"A"} else "M"


# --- Runtime counterparts: Azure Policy -------------------------------------------------------------
# The CrossGuard pack judges what goes through Pulumi; a change made in the portal or with the Azure
# CLI never meets it. Azure Policy judges every write at runtime. Each entry below names the Azure
# Policy definition that enforces (part of) a control at runtime: a built-in, checked against
# Azure/azure-policy `built-in-policies/policyDefinitions` (snapshot: azure_policy_builtins.json,
# with the commit it was read from; tests/policy/test_runtime_policies.py proves every id exists
# there and every parameter passed is declared with an allowed value), or a custom definition of
# this repository (azure_policy_custom/*.json) where no built-in exists for an AI control.

Effect = Literal["Audit", "Deny", "AuditIfNotExists", "DeployIfNotExists", "Modify", "Disabled"]
Enforcement = Literal["audit", "deny", "remediate"]
ENFORCEMENTS: Final[tuple[Enforcement, ...]] = ("audit", "deny", "remediate")


@dataclass(frozen=True)
class RuntimePolicy:
    """One Azure Policy definition in the landing zone's guardrails initiative.

    `audit_effect` is used when its controls are set to `audit` (the default), `deny_effect` when
    set to `deny` or `remediate`. A definition whose only effects change resources
    (Modify/DeployIfNotExists: `remediates`) is part of the initiative only when one of its controls
    is set to `remediate`, because it needs a managed identity holding the roles its definition
    names (`roleDefinitionIds`; Contributor for several), and Audit cannot stand in for it.
    """

    reference_id: str
    """policyDefinitionReferenceId in the initiative (unique; exemptions name it)."""
    controls: tuple[str, ...]
    definition: str
    """A built-in's GUID, or the file stem of a custom definition in azure_policy_custom/."""
    builtin: bool
    display_name: str
    version: str
    """The built-in's version as read (custom: this repository's version of the definition)."""
    audit_effect: Effect
    deny_effect: Effect
    effect_parameter: str = "effect"
    parameters: Mapping[str, object] = field(default_factory=dict)
    """Parameter values this project passes (besides the effect)."""
    from_args: tuple[str, ...] = ()
    """Parameters the Guardrails component fills from its args (the stack's allow-lists)."""
    remediates: bool = False

    @property
    def definition_version(self) -> str:
        """The version pinned in the initiative: the major version with any minor/patch
        (`1.*.*`, `1.*.*-preview`), as Azure's own initiatives pin built-ins."""
        major, _, rest = self.version.partition(".")
        suffix = rest.partition("-")[2]
        return f"{major}.*.*" + (f"-{suffix}" if suffix else "")

    def effect(self, enforcement: Enforcement) -> Effect:
        """The effect this definition runs with when its controls are set to `enforcement`."""
        return self.audit_effect if enforcement == "audit" else self.deny_effect


_EFFECTS: Final[Mapping[str, Effect]] = {
    "Audit": "Audit",
    "Deny": "Deny",
    "AuditIfNotExists": "AuditIfNotExists",
    "DeployIfNotExists": "DeployIfNotExists",
    "Modify": "Modify",
    "Disabled": "Disabled",
}


def _builtin(
    reference_id: str,
    controls: str,
    guid: str,
    display_name: str,
    version: str,
    effects: str = "Audit/Deny",
    *,
    parameters: Mapping[str, object] | None = None,
    remediates: bool = False,
) -> RuntimePolicy:
    """A built-in definition; `effects` is "<audit effect>/<deny effect>" (each among the
    definition's allowed effects: the tests check them against the snapshot)."""
    audit, deny = effects.split("/")
    return RuntimePolicy(
        reference_id=reference_id,
        controls=tuple(controls.split("+")),
        definition=guid,
        builtin=True,
        display_name=display_name,
        version=version,
        audit_effect=_EFFECTS[audit],
        deny_effect=_EFFECTS[deny],
        parameters=dict(parameters or {}),
        remediates=remediates,
    )


# Built-ins read from Azure/azure-policy at commit f4a50bacae07ddb096943c597669bcae494a6e29
# (2026-04-29), built-in-policies/policyDefinitions/<category>/*.json; the snapshot keeps id,
# display name, version, effects, parameters and roleDefinitionIds of each.
RUNTIME_POLICIES: Final[tuple[RuntimePolicy, ...]] = (
    # ACC-1: Entra ID instead of keys.
    _builtin(
        "ACC-1-ai-services-local-auth",
        "ACC-1",
        "71ef260a-8f18-47b7-abcb-62d0673d94dc",
        "Azure AI Services resources should have key access disabled (disable local authentication)",
        "1.1.0",
    ),
    _builtin(
        "ACC-1-ai-services-local-auth-modify",
        "ACC-1",
        "14de9e63-1b31-492e-a5a3-c3f7fd57f555",
        "Configure Cognitive Services accounts to disable local authentication methods",
        "1.0.0",
        "Disabled/Modify",
        remediates=True,
    ),
    _builtin(
        "ACC-1-search-local-auth",
        "ACC-1",
        "6300012e-e9a4-4649-b41f-a85f5c43be91",
        "Azure AI Search services should have local authentication methods disabled",
        "1.0.1",
    ),
    _builtin(
        "ACC-1-storage-shared-key",
        "ACC-1",
        "8c6a50c6-9ffd-4ae7-986f-5fa6111f9a54",
        "Storage accounts should prevent shared key access",
        "2.0.0",
    ),
    _builtin(
        "ACC-1-registry-admin-user",
        "ACC-1",
        "dc921057-6b28-4fbe-9b83-f7bec05db6c2",
        "Container registries should have local admin account disabled.",
        "1.0.1",
    ),
    # ACC-7: public network access disabled, default-deny network rules.
    _builtin(
        "ACC-7-ai-services-network",
        "ACC-7",
        "037eea7a-bd0a-46c5-9a66-03aea78705d3",
        "Azure AI Services resources should restrict network access",
        "3.3.0",
    ),
    _builtin(
        "ACC-7-search-public-network",
        "ACC-7",
        "ee980b6d-0eca-4501-8d54-f6290fd512c3",
        "Azure AI Search services should disable public network access",
        "1.0.1",
    ),
    _builtin(
        "ACC-7-storage-public-network",
        "ACC-7",
        "b2982f36-99f2-4db5-8eff-283140c09693",
        "Storage accounts should disable public network access",
        "1.0.1",
    ),
    _builtin(
        "ACC-7-key-vault-public-network",
        "ACC-7+DATA-7",
        "405c5871-3e91-4644-8a63-58e19d68ff5b",
        "Azure Key Vault should disable public network access",
        "1.1.0",
    ),
    _builtin(
        "ACC-7-registry-public-network",
        "ACC-7",
        "0fdf0491-d080-4575-b627-ad0e843cba0f",
        "Public network access should be disabled for Container registries",
        "1.0.0",
    ),
    _builtin(
        "ACC-7-registry-anonymous-pull",
        "ACC-7",
        "9f2dea28-e834-476c-99c5-3507b4728395",
        "Container registries should have anonymous authentication disabled.",
        "1.0.0",
    ),
    _builtin(
        "ACC-7-container-apps-environment-public-network",
        "ACC-7",
        "d074ddf8-01a5-4b5e-a2b8-964aed452c0a",
        "Container Apps environment should disable public network access",
        "1.1.0",
    ),
    _builtin(
        "ACC-7-container-apps-external-network",
        "ACC-7",
        "783ea2a8-b8fd-46be-896a-9ae79643a0b1",
        "Container Apps should disable external network access",
        "1.1.0",
    ),
    # ACC-6: managed identities.
    _builtin(
        "ACC-6-ai-services-managed-identity",
        "ACC-6",
        "fe3fd216-4f83-4fc1-8984-2bbec80a3418",
        "Cognitive Services accounts should use a managed identity",
        "1.0.0",
    ),
    _builtin(
        "ACC-6-container-apps-managed-identity",
        "ACC-6",
        "b874ab2d-72dd-47f1-8cb5-4a306478a4e7",
        "Managed Identity should be enabled for Container Apps",
        "1.0.1",
    ),
    # RES-2: central logging (audit only: AuditIfNotExists has no deny form).
    _builtin(
        "RES-2-ai-services-diagnostic-logs",
        "RES-2",
        "1b4d1c4e-934c-4703-944c-27c82c06bebb",
        "Diagnostic logs in Azure AI services resources should be enabled",
        "1.0.0",
        "AuditIfNotExists/AuditIfNotExists",
    ),
    # RES-4: private endpoints.
    _builtin(
        "RES-4-ai-services-private-link",
        "RES-4",
        "d6759c02-b87f-42b7-892e-71b3f471d782",
        "Azure AI Services resources should use Azure Private Link",
        "1.0.0",
        "Audit/Audit",
    ),
    _builtin(
        "RES-4-search-private-link-sku",
        "RES-4",
        "a049bf77-880b-470f-ba6d-9f21c530cf83",
        "Azure AI Search service should use a SKU that supports private link",
        "1.0.1",
    ),
    # RES-5: TLS 1.2+ and HTTPS only.
    _builtin(
        "RES-5-storage-minimum-tls",
        "RES-5",
        "fe83a0eb-a853-422d-aac2-1bffd182c5d0",
        "Storage accounts should have the specified minimum TLS version",
        "1.0.0",
        parameters={"minimumTlsVersion": "TLS1_2"},
    ),
    _builtin(
        "RES-5-storage-secure-transfer",
        "RES-5",
        "404c3081-a854-4457-ae30-26a93ef643f9",
        "Secure transfer to storage accounts should be enabled",
        "2.0.0",
    ),
    _builtin(
        "RES-5-apim-encrypted-protocols",
        "RES-5",
        "ee7495e7-3ba7-40b6-bfee-c29e22cc75d4",
        "API Management APIs should use only encrypted protocols",
        "2.0.2",
    ),
    _builtin(
        "RES-5-container-apps-https",
        "RES-5",
        "0e80e269-43a4-4ae9-b5bc-178126b8a5cb",
        "Container Apps should only be accessible over HTTPS",
        "1.0.1",
    ),
    # MOD-4: the gateway authenticates to its backends, no bypassed certificate validation.
    _builtin(
        "MOD-4-apim-backend-auth",
        "MOD-4",
        "c15dcc82-b93c-4dcb-9332-fbf121685b54",
        "API Management calls to API backends should be authenticated",
        "1.0.1",
    ),
    _builtin(
        "MOD-4-apim-backend-certificate",
        "MOD-4",
        "92bb331d-ac71-416a-8c91-02f2cb734ce4",
        "API Management calls to API backends should not bypass certificate thumbprint or name validation",
        "1.0.2",
    ),
    _builtin(
        "MOD-4-apim-direct-management",
        "MOD-4",
        "b741306c-968e-4b67-b916-5675e5c709f4",
        "API Management direct management endpoint should not be enabled",
        "1.0.2",
    ),
    # MOD-2a: prompt shields. The built-ins read the deployment's content filter through the
    # Microsoft.CognitiveServices.Data resource-provider mode and support Audit only (preview); the
    # custom definition denies a deployment without one of the landing zone's content filters.
    _builtin(
        "MOD-2a-prompt-shield-jailbreak",
        "MOD-2a",
        "f3a9c2e0-7b4d-4d8f-9c3a-2e1f6b9a8d4e",
        "[Preview]: Cognitive Services Deployments should only use allowed prompt content filtering",
        "1.0.0-preview",
        "Audit/Audit",
        parameters={"filterName": "Jailbreak", "allowedEnabledForPrompt": ["true"], "allowedBlockingForPrompt": ["true"]},
    ),
    _builtin(
        "MOD-2a-prompt-shield-indirect-attack",
        "MOD-2a",
        "f3a9c2e0-7b4d-4d8f-9c3a-2e1f6b9a8d4e",
        "[Preview]: Cognitive Services Deployments should only use allowed prompt content filtering",
        "1.0.0-preview",
        "Audit/Audit",
        parameters={"filterName": "Indirect Attack", "allowedEnabledForPrompt": ["true"], "allowedBlockingForPrompt": ["true"]},
    ),
    RuntimePolicy(
        reference_id="MOD-2a-deployment-content-filter",
        controls=("MOD-2a",),
        definition="aizone-deployment-content-filter",
        builtin=False,
        display_name="aizone: model deployments use one of the landing zone's content filters (MOD-2a)",
        version="1.0.0",
        audit_effect="Audit",
        deny_effect="Deny",
        from_args=("allowedRaiPolicies",),
    ),
    # MOD-3: only allow-listed models (name and version), as Learn's custom-policy example.
    RuntimePolicy(
        reference_id="MOD-3-approved-models",
        controls=("MOD-3",),
        definition="aizone-approved-models",
        builtin=False,
        display_name="aizone: model deployments only of approved models and versions (MOD-3)",
        version="1.0.0",
        audit_effect="Audit",
        deny_effect="Deny",
        from_args=("allowedModels",),
    ),
    # DATA-5: nothing lost.
    _builtin(
        "DATA-5-key-vault-soft-delete",
        "DATA-5",
        "1e66c121-a66a-4b1f-9b83-0fd99bf0fc2d",
        "Key vaults should have soft delete enabled",
        "3.1.0",
    ),
    _builtin(
        "DATA-5-key-vault-purge-protection",
        "DATA-5+DATA-7",
        "0b60c0b2-2dc2-4e1c-b5c9-abbed971de53",
        "Key vaults should have deletion protection enabled",
        "2.1.0",
    ),
    _builtin(
        "DATA-5-storage-blob-versioning",
        "DATA-5",
        "c36a325b-ae04-4863-ad4f-19c6678f8e08",
        "Configure your Storage account to enable blob versioning",
        "1.0.0",
    ),
    # DATA-6: storage hardening.
    _builtin(
        "DATA-6-storage-blob-public-access",
        "DATA-6",
        "4fa4b6c0-31ca-4c0d-b10d-24b96f62a751",
        "Storage account public access should be disallowed",
        "3.1.1",
    ),
    _builtin(
        "DATA-6-storage-cross-tenant-replication",
        "DATA-6",
        "92a89a79-6c52-4a7e-a03f-61306fc49312",
        "Storage accounts should prevent cross tenant object replication",
        "1.0.0",
    ),
    _builtin(
        "DATA-6-storage-infrastructure-encryption",
        "DATA-6",
        "4733ea7b-a883-42fe-8cac-97454c2a9e4a",
        "Storage accounts should have infrastructure encryption",
        "1.0.0",
    ),
    # DATA-7: Key Vault RBAC (purge protection and public access above).
    _builtin(
        "DATA-7-key-vault-rbac",
        "DATA-7",
        "12d4fa5e-1f9f-4c21-97a9-b99b3c6611b5",
        "Azure Key Vault should use RBAC permission model",
        "1.0.1",
    ),
)

RUNTIME_BY_REFERENCE: Final[Mapping[str, RuntimePolicy]] = {policy.reference_id: policy for policy in RUNTIME_POLICIES}


def runtime_policies(control_id: str) -> tuple[RuntimePolicy, ...]:
    """The Azure Policy definitions that enforce `control_id` at runtime (empty: none exists, the
    control is about the stack as a whole, a process, or Entra ID)."""
    get_control(control_id)
    return tuple(policy for policy in RUNTIME_POLICIES if control_id in policy.controls)


def runtime_controls() -> tuple[str, ...]:
    """Ids of the controls with a runtime counterpart, in catalog order."""
    return tuple(control.id for control in CONTROLS if runtime_policies(control.id))


# Controls without a runtime counterpart, and why (every control is in exactly one of the two).
NO_RUNTIME_COUNTERPART: Final[Mapping[str, str]] = {
    "RES-1": "about the policies themselves (metadata), not about Azure resources",
    "RES-6": "the guardrails are the runtime layer itself (the pack checks that they stay assigned and enforced)",
    "RES-3": "private DNS zones and links: no built-in audits zone links; the network component builds them",
    "MOD-1": "Defender plans are subscription pricings, owned by the platform stack (Defender component)",
    "MOD-2b": "alert rules and action groups: no built-in relates them to the AI account",
    "ACC-2": "agent inventory spans identities, tags and an Entra group: no ARM resource shows it",
    "ACC-3": "Conditional Access and PIM live in Entra ID, outside Azure Policy's reach",
    "ACC-4": "Conditional Access lives in Entra ID, outside Azure Policy's reach",
    "ACC-5": "role assignments are judged by the pack; Azure Policy cannot compare a role with the principal's purpose",
    "ACC-8": "allowed kinds and capacity caps: no built-in; enforced by the pack",
    "DATA-1": "boundary tags: enforced by the pack (a tag policy would need the boundary of each application)",
    "DATA-2": "dataset isolation spans several resources: a stack policy",
    "DATA-3": "cross-boundary grants span role assignments and tags: a stack policy",
    "DATA-4": "Purview is one tenant-wide account, usually in a governance subscription",
    "DATA-8": (
        "opt-in per data boundary: the CMK built-ins (AI services 67121cc7-ff39-4ab8-b7e3-95b84dab487d, "
        "Machine Learning ba769a63-b8cc-4b2d-abf6-ac33c7204be8, AI Search 76a56461-9dc0-40f0-82f5-2453283afa2f) "
        "judge every resource of the scope they are assigned to, so an organisation that requires CMK assigns "
        "them itself where its boundaries live"
    ),
    "EXEC-1": "no built-in or verified alias covers Container Apps session pools",
    "EXEC-2": "no built-in or verified alias covers session pool images",
    "EXEC-3": "no built-in or verified alias covers session pool limits",
    "EXEC-4": "alert rules: no built-in relates them to the session pool",
    "EXEC-5": "a review process, not a resource",
}
