"""What the preflight checks, each from the stack's validated settings and read-only calls.

Every check returns `Problem`s: which check, what was found, what to do. None of them writes
anything. The README ("Deploying for real", "First deployment, step by step", "Runbook") lists the
same prerequisites for a person to check; here they are checked against the subscription and tenant.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Callable, Iterable, Mapping, Sequence
from urllib.parse import quote

from pulumi_aizone_policy import defaults, reference

from ...ai_services import ModelDeployment
from ...defender import PLANS as DEFENDER_PLANS
from ..settings import Settings
from .transport import ARM, GRAPH, Identity, Reply, Transport, iter_pages, list_values

# --- API versions (the newest stable version of each REST spec that has the operation) -----------
# Azure/azure-rest-api-specs, specification/resources/resource-manager/Microsoft.Resources/stable/
# 2021-04-01 (Providers_Get, examples/GetProvider.json).
PROVIDERS_API = "2021-04-01"
# .../cognitiveservices/resource-manager/Microsoft.CognitiveServices/stable/2024-10-01
# (Models_List: GET /subscriptions/{id}/providers/Microsoft.CognitiveServices/locations/{location}/models,
# examples/ListLocationModels.json; Usages_List: .../locations/{location}/usages, examples/ListUsages.json).
COGNITIVE_SERVICES_API = "2024-10-01"
# .../purview/resource-manager/Microsoft.Purview/stable/2021-07-01 (Accounts_Get, examples/Accounts_Get.json).
PURVIEW_API = "2021-07-01"
# .../security/resource-manager/Microsoft.Security/stable/2024-01-01 (Pricings_List, examples/Pricings/ListPricings_example.json).
PRICINGS_API = "2024-01-01"
# .../authorization/resource-manager/Microsoft.Authorization/stable/2022-04-01 (RoleAssignments_ListForScope,
# examples/RoleAssignments_ListForScope.json); `$filter=assignedTo('{id}')` includes assignments
# through the principal's groups.
ROLE_ASSIGNMENTS_API = "2022-04-01"

# A pinned model version must stay deployable for at least this long after the first `pulumi up`
# (README, "Model versions retire").
RETIREMENT_NOTICE_DAYS = 90

# Built-in Azure roles that can deploy the landing zone (README, "Permissions of the deploying
# identity"). User Access Administrator's actions are `*/read`, `Microsoft.Authorization/*` and
# `Microsoft.Support/*` (Learn "Azure built-in roles"), so with Contributor it also writes the
# deletion guard's policy definition and assignment; Role Based Access Control Administrator only
# writes role assignments, so it needs Resource Policy Contributor as well.
# Resource Policy Contributor's id: Learn "Azure built-in roles", Management and governance.
RESOURCE_POLICY_CONTRIBUTOR = "36243c78-bf99-498c-9df9-86d9f8d28608"
_OWNER = reference.ROLE_IDS["Owner"]
_CONTRIBUTOR = reference.ROLE_IDS["Contributor"]
_USER_ACCESS_ADMIN = reference.ROLE_IDS["User Access Administrator"]
_RBAC_ADMIN = reference.ROLE_IDS["Role Based Access Control Administrator"]
AZURE_ROLE_SETS: tuple[tuple[str, frozenset[str]], ...] = (
    ("Owner", frozenset({_OWNER})),
    ("Contributor + User Access Administrator", frozenset({_CONTRIBUTOR, _USER_ACCESS_ADMIN})),
    (
        "Contributor + Role Based Access Control Administrator + Resource Policy Contributor",
        frozenset({_CONTRIBUTOR, _RBAC_ADMIN, RESOURCE_POLICY_CONTRIBUTOR}),
    ),
)
_AZURE_ROLE_NAMES = {
    _OWNER: "Owner",
    _CONTRIBUTOR: "Contributor",
    _USER_ACCESS_ADMIN: "User Access Administrator",
    _RBAC_ADMIN: "Role Based Access Control Administrator",
    RESOURCE_POLICY_CONTRIBUTOR: "Resource Policy Contributor",
}

# Microsoft Entra built-in roles by template id (Learn "Microsoft Entra built-in roles",
# https://learn.microsoft.com/entra/identity/role-based-access-control/permissions-reference), and
# the Microsoft Graph application permission that stands in for each when the deployer is an app.
GLOBAL_ADMINISTRATOR = "62e90394-69f5-4237-9190-012177145e10"
ENTRA_ROLES: Mapping[str, tuple[str, str]] = {
    "Application Administrator": ("9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3", "Application.ReadWrite.All"),
    "Groups Administrator": ("fdd7a751-b60b-444a-984c-02652fe8fa1c", "Group.ReadWrite.All"),
    "Conditional Access Administrator": ("b1be1c3e-b65d-4f19-8427-f6fa0d97feb9", "Policy.ReadWrite.ConditionalAccess"),
}


@dataclass(frozen=True)
class Problem:
    check: str
    found: str
    action: str

    def line(self) -> str:
        return f"{self.check}: {self.found}; {self.action}"


ModelKey = tuple[str, str, str]
"""(format, name, version) of a model version."""


def published_retirements() -> dict[ModelKey, date]:
    """Retirement dates the policy pack keeps as data (`defaults.MODEL_RETIREMENTS`: entries with
    format, name, version and `retires`, read from Learn's model retirement schedule), if this
    version of the pack has them; the models API's own dates are checked either way."""
    dates: dict[ModelKey, date] = {}
    for entry in getattr(defaults, "MODEL_RETIREMENTS", ()):
        retires = _parse_date(entry.get("retires")) if isinstance(entry, Mapping) else None
        if retires is not None:
            dates[(str(entry.get("format")), str(entry.get("name")), str(entry.get("version")))] = retires
    return dates


@dataclass(frozen=True)
class Context:
    settings: Settings
    subscription_id: str
    transport: Transport
    today: date
    retirements: Mapping[ModelKey, date] = field(default_factory=published_retirements)
    """Published retirement dates; the earlier of these and the models API's date counts."""

    def arm(self, path: str, api_version: str, query: str = "") -> str:
        return f"{ARM}{path}?api-version={api_version}{query}"


def _unreadable(check: str, what: str, reply: Reply, needs: str) -> Problem:
    return Problem(check, f"cannot read {what} ({reply.error()})", needs)


# --- resource providers -----------------------------------------------------------------------------


def required_namespaces(settings: Settings) -> dict[str, str]:
    """Resource provider namespace -> why this stack needs it, derived from the settings (what the
    composition creates: `landing_zone/composition.py`). Microsoft.Resources and Microsoft.Authorization
    are always registered and are not listed."""
    needs = {
        "Microsoft.CognitiveServices": "the AI account and its model deployments",
        "Microsoft.Storage": "a storage account per application",
        "Microsoft.KeyVault": "the key vault",
        "Microsoft.Network": "private endpoints and private DNS",
        "Microsoft.Insights": "diagnostic settings and alerts",
    }
    if not settings.observability.workspace_id:
        needs["Microsoft.OperationalInsights"] = "the Log Analytics workspace"
    if settings.gateway is not None:
        needs["Microsoft.ApiManagement"] = "the AI gateway"
        if settings.gateway.is_v2:
            # API Management v2 VNet integration: the gateway subnet is delegated to
            # Microsoft.Web/serverFarms (https://learn.microsoft.com/azure/api-management/integrate-vnet-outbound).
            needs["Microsoft.Web"] = "the gateway subnet's delegation to Microsoft.Web/serverFarms"
    if settings.execution.sessions is not None:
        needs["Microsoft.App"] = "the code-session environment and pools"
    if settings.execution.registry is not None:
        needs["Microsoft.ContainerRegistry"] = "the container registry"
    if settings.agents:
        needs["Microsoft.ManagedIdentity"] = "the agents' managed identities"
    if settings.governance.purview_create:
        needs["Microsoft.Purview"] = "the Purview account (governance.purview.create)"
    if settings.governance.defender:
        needs["Microsoft.Security"] = "Defender for Cloud plans (governance.defender)"
    if settings.data.protect:
        needs["Microsoft.PolicyInsights"] = "compliance results of the deletion guard (data.protect)"
    return needs


def check_providers(ctx: Context) -> list[Problem]:
    problems = []
    for namespace, why in required_namespaces(ctx.settings).items():
        reply = ctx.transport.get(ctx.arm(f"/subscriptions/{ctx.subscription_id}/providers/{namespace}", PROVIDERS_API))
        register = f"run `az provider register --namespace {namespace}` (needed for {why})"
        if not reply.ok:
            problems.append(_unreadable("providers", f"the registration of {namespace}", reply, register))
            continue
        state = reply.body.get("registrationState") if isinstance(reply.body, dict) else None
        if state != "Registered":
            problems.append(Problem("providers", f"{namespace} is {state or 'in an unknown state'}", register))
    return problems


# --- models: offered in the region with the SKU, not retiring, quota ------------------------------


@dataclass(frozen=True)
class _Offer:
    sku: str
    usage_name: str | None
    retires: date | None


def _parse_date(value: Any) -> date | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).date()
    except ValueError:
        return None


def _offers(models: Iterable[Mapping[str, Any]], deployment: ModelDeployment) -> tuple[dict[str, _Offer], bool]:
    """SKU name (lowercase) -> offer, for the deployment's exact format/name/version; and whether the
    model version is listed at all. The retirement date is the earlier of the SKU's `deprecationDate`
    and the model's `deprecation.inference` (Models_List response, api-version 2024-10-01)."""
    offers: dict[str, _Offer] = {}
    listed = False
    ref = deployment.model
    for entry in models:
        model = entry.get("model")
        if not isinstance(model, dict) or (model.get("format"), model.get("name"), model.get("version")) != (
            ref.format,
            ref.name,
            ref.version,
        ):
            continue
        listed = True
        deprecation = model.get("deprecation")
        inference = _parse_date(deprecation.get("inference")) if isinstance(deprecation, dict) else None
        for sku in model.get("skus") or ():
            if isinstance(sku, dict) and isinstance(sku.get("name"), str):
                dates = [d for d in (_parse_date(sku.get("deprecationDate")), inference) if d is not None]
                retires = min(dates) if dates else None
                usage = sku.get("usageName") if isinstance(sku.get("usageName"), str) else None
                offers[sku["name"].lower()] = _Offer(sku["name"], usage, retires)
    return offers, listed


def check_models(ctx: Context) -> list[Problem]:
    """Each pinned deployment: offered in the region with its SKU, at least RETIREMENT_NOTICE_DAYS
    from retirement, and within the region's free quota for its usage name (summed over deployments)."""
    settings, location = ctx.settings, ctx.settings.location
    base = f"/subscriptions/{ctx.subscription_id}/providers/Microsoft.CognitiveServices/locations/{location}"
    reply, models = list_values(ctx.transport, ctx.arm(f"{base}/models", COGNITIVE_SERVICES_API))
    if not reply.ok:
        return [_unreadable("models", f"the models offered in {location}", reply, "the deployer needs read access on the subscription")]
    problems: list[Problem] = []
    asked: dict[str, int] = {}
    asked_by: dict[str, list[str]] = {}
    horizon = ctx.today + timedelta(days=RETIREMENT_NOTICE_DAYS)
    for deployment in settings.ai.deployments:
        label = f"{deployment.name} ({deployment.model.label()}, {deployment.sku})"
        offers, listed = _offers(iter_pages(models), deployment)
        offer = offers.get(deployment.sku.lower())
        if offer is None:
            if listed:
                found = f"{label} is not offered with SKU {deployment.sku} in {location} (offered: {', '.join(sorted(o.sku for o in offers.values())) or 'no SKU'})"
            else:
                found = f"{label} is not offered in {location}"
            action = (
                f"pin a version and SKU the region offers (`az cognitiveservices model list -l {location}`), or choose another location"
            )
            problems.append(Problem("models", found, action))
            continue
        ref = deployment.model
        known = [d for d in (offer.retires, ctx.retirements.get((ref.format, ref.name, ref.version))) if d is not None]
        retires = min(known) if known else None
        if retires is not None and retires <= horizon:
            when = "retired on" if retires <= ctx.today else "retires on"
            problems.append(
                Problem(
                    "models",
                    f"{label} {when} {retires.isoformat()} (within {RETIREMENT_NOTICE_DAYS} days of {ctx.today.isoformat()})",
                    "pin a newer version in aizone:ai.deployments (and aizone:ai.allowedModels if it is not on the default list)",
                )
            )
        if offer.usage_name:
            asked[offer.usage_name] = asked.get(offer.usage_name, 0) + deployment.capacity
            asked_by.setdefault(offer.usage_name, []).append(deployment.name)
    if asked:
        problems += _check_quota(ctx, f"{base}/usages", asked, asked_by)
    return problems


def _check_quota(ctx: Context, path: str, asked: Mapping[str, int], asked_by: Mapping[str, list[str]]) -> list[Problem]:
    location = ctx.settings.location
    reply, usages = list_values(ctx.transport, ctx.arm(path, COGNITIVE_SERVICES_API))
    if not reply.ok:
        return [_unreadable("quota", f"the quota usages in {location}", reply, "the deployer needs read access on the subscription")]
    by_name = {}
    for usage in iter_pages(usages):
        name = usage.get("name")
        if isinstance(name, dict) and isinstance(name.get("value"), str):
            by_name[name["value"]] = usage
    problems = []
    for usage_name, capacity in asked.items():
        deployments = ", ".join(asked_by[usage_name])
        usage = by_name.get(usage_name)
        request = "lower the capacity in aizone:ai.deployments or request more quota (Azure AI Foundry portal, Quotas)"
        if usage is None:
            problems.append(Problem("quota", f"{usage_name} ({deployments}): {location} reports no quota for it", request))
            continue
        limit, used = usage.get("limit"), usage.get("currentValue")
        if not isinstance(limit, (int, float)) or not isinstance(used, (int, float)):
            problems.append(Problem("quota", f"{usage_name} ({deployments}): {location} reports no limit for it", request))
            continue
        free = limit - used
        if capacity > free:
            problems.append(
                Problem("quota", f"{usage_name} ({deployments}) asks {capacity}, {location} has {free:g} of {limit:g} free", request)
            )
    return problems


# --- Purview and Defender ------------------------------------------------------------------------------


def check_purview(ctx: Context) -> list[Problem]:
    governance = ctx.settings.governance
    account_id = governance.purview_account_id
    if not governance.purview or not account_id:
        return []
    reply = ctx.transport.get(ctx.arm(account_id, PURVIEW_API))
    key = "aizone:governance.purview.accountId"
    if reply.status == 404:
        return [
            Problem(
                "purview",
                f"the account {account_id} does not exist ({reply.error()})",
                f"correct {key}, or use {{create: true}} if the tenant has no account",
            )
        ]
    if reply.status == 403 and governance.purview_principal_id:
        return []  # README: read access is needed only to look the identity up, and principalId is given
    if not reply.ok:
        return [
            _unreadable(
                "purview",
                f"the account {account_id}",
                reply,
                "grant the deployer Reader on the account, or give aizone:governance.purview.principalId (its identity's object id)",
            )
        ]
    identity = reply.body.get("identity") if isinstance(reply.body, dict) else None
    principal = identity.get("principalId") if isinstance(identity, dict) else None
    if not governance.purview_principal_id and not principal:
        return [
            Problem(
                "purview",
                f"the account {account_id} has no system-assigned identity",
                "enable the account's managed identity; its principal gets read access to the data",
            )
        ]
    if governance.purview_principal_id and principal and principal != governance.purview_principal_id:
        return [
            Problem(
                "purview",
                f"aizone:governance.purview.principalId is {governance.purview_principal_id}, the account's identity is {principal}",
                "set principalId to the account's identity (or remove it to have it looked up)",
            )
        ]
    return []


def check_defender(ctx: Context) -> list[Problem]:
    """The plans the stack sets (pulumi_aizone.defender.PLANS) exist, and none is already on Standard:
    plans are subscription-wide, so one already enabled is managed by someone else, and the stack
    would take it over (README, "First deployment, step by step")."""
    if not ctx.settings.governance.defender:
        return []
    reply, pricings = list_values(
        ctx.transport, ctx.arm(f"/subscriptions/{ctx.subscription_id}/providers/Microsoft.Security/pricings", PRICINGS_API)
    )
    if not reply.ok:
        return [
            _unreadable(
                "defender", "the subscription's Defender for Cloud plans", reply, "the deployer needs read access on the subscription"
            )
        ]
    by_name = {p.get("name"): p.get("properties") or {} for p in iter_pages(pricings)}
    # `governance.defender: adopt` (where the settings have it) says the stack takes over the plans
    # as they are: an enabled plan is then expected, not a problem.
    adopting = getattr(ctx.settings.governance, "defender_adopt", False) is True
    problems = []
    for plan in DEFENDER_PLANS:
        properties = by_name.get(plan.name)
        if properties is None:
            problems.append(
                Problem(
                    "defender",
                    f"plan {plan.name} is not offered on the subscription",
                    "set aizone:governance.defender: false, or register Microsoft.Security and retry",
                )
            )
        elif properties.get("pricingTier") == reference.DEFENDER_STANDARD_TIER and not adopting:
            since = properties.get("enablementTime")
            problems.append(
                Problem(
                    "defender",
                    f"plan {plan.name} is already Standard{f' (since {since})' if since else ''}: someone else manages it",
                    "if the platform team manages Defender, set aizone:governance.defender: false (and tell the pack); otherwise the stack takes the plan over",
                )
            )
    return problems


# --- Entra: identifier URI policy and the deployer's roles -------------------------------------------


def check_identifier_uris(ctx: Context) -> list[Problem]:
    """The gateway's app registration uses `api://<tenant id>/<service name>` and v2 tokens
    (`requested_access_token_version=2`, components/pulumi_aizone/gateway.py). `nonDefaultUriAddition`
    refuses it unless it excludes apps receiving v2 tokens; `uriAdditionWithoutUniqueTenantIdentifier`
    accepts it (it has the tenant id). Graph v1.0 identifierUriRestriction: `state`,
    `excludeAppsReceivingV2Tokens`, `restrictForAppsCreatedAfterDateTime`, `excludeActors`."""
    if ctx.settings.gateway is None:
        return []
    reply = ctx.transport.get(f"{GRAPH}/v1.0/policies/defaultAppManagementPolicy")
    if not reply.ok:
        return [
            _unreadable(
                "identifierUris",
                "the tenant's app management policy",
                reply,
                "the deployer needs Policy.Read.All (or a directory reader role)",
            )
        ]
    policy = reply.body if isinstance(reply.body, dict) else {}
    if policy.get("isEnabled") is not True:
        return []
    restrictions = policy.get("applicationRestrictions") or {}
    uris = restrictions.get("identifierUris") if isinstance(restrictions, dict) else None
    rule = uris.get("nonDefaultUriAddition") if isinstance(uris, dict) else None
    if not isinstance(rule, dict) or rule.get("state") != "enabled" or rule.get("excludeAppsReceivingV2Tokens") is True:
        return []
    starts = _parse_date(rule.get("restrictForAppsCreatedAfterDateTime"))
    if starts is not None and starts > ctx.today:
        return []
    exempt = " (or give the deploying identity the custom security attribute its excludeActors names)" if rule.get("excludeActors") else ""
    return [
        Problem(
            "identifierUris",
            "the tenant's nonDefaultUriAddition restriction is enabled: it refuses the gateway's identifier URI api://<tenant id>/<service name>",
            f"ask the tenant admins for an exemption for the deploying identity (excludeActors){exempt}",
        )
    ]


def check_azure_roles(ctx: Context, identity: Identity) -> list[Problem]:
    """Active role assignments of the deployer (directly or through groups) at the subscription or
    above; eligible PIM roles count only once activated."""
    subscription = f"/subscriptions/{ctx.subscription_id}"
    query = "&$filter=" + quote(f"assignedTo('{identity.object_id}')")
    reply, assignments = list_values(
        ctx.transport, ctx.arm(f"{subscription}/providers/Microsoft.Authorization/roleAssignments", ROLE_ASSIGNMENTS_API, query)
    )
    if not reply.ok:
        return [
            _unreadable(
                "azureRoles",
                "the deployer's role assignments",
                reply,
                "the deployer needs Microsoft.Authorization/roleAssignments/read on the subscription",
            )
        ]
    held = set()
    for assignment in iter_pages(assignments):
        properties = assignment.get("properties") or {}
        scope = str(properties.get("scope", "")).rstrip("/") or "/"
        if (
            scope.lower() == subscription.lower()
            or scope == "/"
            or scope.lower().startswith("/providers/microsoft.management/managementgroups/")
        ):
            held.add(str(properties.get("roleDefinitionId", "")).rsplit("/", 1)[-1].lower())
    if any(roles <= held for _, roles in AZURE_ROLE_SETS):
        return []
    names = sorted(_AZURE_ROLE_NAMES.get(role) or role for role in held) or ["none"]
    return [
        Problem(
            "azureRoles",
            f"the deployer holds {', '.join(names)} on subscription {ctx.subscription_id}",
            "it needs " + ", or ".join(name for name, _ in AZURE_ROLE_SETS) + " (activate eligible PIM roles first)",
        )
    ]


def needed_entra_roles(settings: Settings) -> list[str]:
    roles = []
    if settings.gateway is not None:
        roles.append("Application Administrator")  # the gateway's app registration, service principal, app role grants
    if settings.entra.enabled:
        roles += ["Groups Administrator", "Conditional Access Administrator"]
    return roles


def check_entra_roles(ctx: Context, identity: Identity) -> list[Problem]:
    needed = needed_entra_roles(ctx.settings)
    if not needed:
        return []
    who = "me" if not identity.is_app else f"servicePrincipals/{identity.object_id}"
    reply, roles = list_values(ctx.transport, f"{GRAPH}/v1.0/{who}/transitiveMemberOf/microsoft.graph.directoryRole")
    if not reply.ok:
        return [
            _unreadable(
                "entraRoles",
                "the deployer's directory roles",
                reply,
                "the deployer needs Directory.Read.All (or User.Read for its own memberships)",
            )
        ]
    templates = {str(role.get("roleTemplateId", "")).lower() for role in iter_pages(roles)}
    if GLOBAL_ADMINISTRATOR in templates:
        return []
    missing = [
        name
        for name in needed
        if ENTRA_ROLES[name][0] not in templates and not (identity.is_app and ENTRA_ROLES[name][1] in identity.graph_app_roles)
    ]
    if not missing:
        return []
    held = sorted(str(role.get("displayName")) for role in iter_pages(roles)) or ["none"]
    alternatives = " or the Graph permissions " + ", ".join(ENTRA_ROLES[name][1] for name in missing) if identity.is_app else ""
    return [
        Problem(
            "entraRoles",
            f"the deployer lacks {', '.join(missing)} (holds {', '.join(held)})",
            f"assign {', '.join(missing)}{alternatives} (activate eligible PIM roles first)",
        )
    ]


Check = Callable[[Context], list[Problem]]
CHECKS: Sequence[tuple[str, Check]] = (
    ("providers", check_providers),
    ("models", check_models),
    ("purview", check_purview),
    ("defender", check_defender),
    ("identifierUris", check_identifier_uris),
)


def run_checks(ctx: Context) -> list[Problem]:
    """Every check, in order; the role checks need the deployer's identity from its tokens."""
    problems: list[Problem] = []
    for _, check in CHECKS:
        problems += check(ctx)
    identity = ctx.transport.identity()
    problems += check_azure_roles(ctx, identity)
    problems += check_entra_roles(ctx, identity)
    return problems
