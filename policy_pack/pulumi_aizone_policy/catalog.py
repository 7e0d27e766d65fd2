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
from dataclasses import dataclass
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
