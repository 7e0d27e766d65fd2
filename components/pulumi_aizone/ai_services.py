"""Foundry / AI Services account with secure defaults (ACC-1, ACC-6, ACC-7, ACC-8, MOD-2a, MOD-3,
RES-2, RES-4).

What a reviewer should find here, resource by resource:
- the account: key auth off, public network access off, network ACLs default-deny, outbound
  restricted, custom subdomain (required for Entra ID tokens), system-assigned identity, protected;
- one custom content-filter (RAI) policy that blocks jailbreak and indirect (document) attacks on
  prompts and filters the harm categories on prompts and completions at the configured threshold;
- model deployments of allow-listed, pinned model versions (`NoAutoUpgrade`), each bound to that
  policy, with a capacity cap, written one after another (Azure rejects concurrent writes under one
  account with 409 Conflict);
- one Foundry project per application, tagged with the application's data boundary;
- a private endpoint created only after every child resource (an endpoint created while the account
  is still provisioning fails with AccountProvisioningStateInvalid), and diagnostic settings.
"""

import re
from dataclasses import dataclass
from typing import NotRequired, Optional, Sequence, TypedDict

import pulumi
from pulumi_azure_native import authorization, cognitiveservices as cs

from pulumi_aizone_policy import reference
from pulumi_aizone_policy.reference import APPLICATION_TAG, BOUNDARY_TAG, INVENTORY_TAG

from .base import (
    BOUNDARIES,
    NAME_PATTERN,
    NAME_RULE,
    DiagnosticsArgs,
    PlacementArgs,
    PrivateNetworkingArgs,
    Problem,
    aliased,
    implements,
    raise_if_invalid,
    tags_of,
)
from .grants import Grant, KeepsGrants, Principal, grant_role
from .network import add_private_endpoint
from .observability import add_diagnostic_settings

TYPE_TOKEN = "aizone:index:AiServices"
_OLD_TYPE_TOKEN = "aizone:ai:AiServices"  # before 0.2.0: aliased so stacks are not replaced


class ModelRefArgs(TypedDict):
    """A model as Azure names it (`properties.model` of a deployment)."""

    format: str
    """Publisher family, e.g. `OpenAI`."""
    name: str
    """Model name, e.g. `gpt-5.1`."""
    version: str
    """Exact model version, e.g. `2025-11-13` (pinned: deployments never auto-upgrade, MOD-3)."""


class ModelDeploymentArgs(TypedDict):
    """One model deployment on the account."""

    name: str
    """Deployment name: letters, digits, '.', '_' or '-', at most 64."""
    model: ModelRefArgs
    """The model and its exact version."""
    sku: NotRequired[str]
    """Deployment SKU: `GlobalStandard`, `Standard`, `DataZoneStandard` or `ProvisionedManaged`. Default: `GlobalStandard`."""
    capacity: NotRequired[int]
    """Capacity in the SKU's units (thousands of tokens per minute for Standard SKUs), at least 1. Default: 1."""


class ApplicationArgs(TypedDict):
    """An AI application: one Foundry project, tagged with its data boundary (DATA-1)."""

    name: str
    """Application name (3-24 lowercase letters, digits and '-'); names its project."""
    boundary: str
    """Data boundary: `internal`, `customer` or `public`."""
    description: NotRequired[str]
    """What the application does (the project's description). Default: none."""


class AiServicesArgs(TypedDict):
    """Inputs of AiServices."""

    placement: PlacementArgs
    """Resource group, region and tags."""
    account_name: str
    """Azure name of the account, also its custom subdomain (required for Entra ID tokens) and so
    its endpoint `https://<name>.cognitiveservices.azure.com/`. Plain: the endpoint derives from it."""
    networking: PrivateNetworkingArgs
    """Subnet and private DNS zone (`privatelink.cognitiveservices.azure.com` and the OpenAI/AI
    Services zones) of the account's private endpoint."""
    diagnostics: DiagnosticsArgs
    """Workspace the account's logs and metrics go to (RES-2)."""
    kind: NotRequired[str]
    """Account kind: `AIServices` (Foundry, allows projects) or `OpenAI`. Default: `AIServices`."""
    sku: NotRequired[str]
    """Account SKU. Only `S0`. Default: `S0`."""
    deployments: NotRequired[Sequence[ModelDeploymentArgs]]
    """Model deployments, written one after another. Plain list: one resource per entry. Default: none."""
    severity_threshold: NotRequired[str]
    """Lowest harm severity the content filter blocks on prompts and completions: `Low`, `Medium`
    or `High`. Default: `Medium`."""
    applications: NotRequired[Sequence[ApplicationArgs]]
    """Applications, one Foundry project each. Plain list: one resource per entry. Default: none."""
    protect: NotRequired[bool]
    """Pulumi refuses to delete or replace the account (DATA-5). Default: true."""


ACCOUNT_KINDS = ("AIServices", "OpenAI")
ACCOUNT_SKUS = ("S0",)
SEVERITY_THRESHOLDS = ("Low", "Medium", "High")
DEPLOYMENT_SKUS = ("GlobalStandard", "Standard", "DataZoneStandard", "ProvisionedManaged")
DEPLOYMENT_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
DEPLOYMENT_NAME_RULE = "use letters, digits, '.', '_' or '-' (max 64)"
# Custom subdomain: alphanumerics and hyphens, starting and ending with an alphanumeric, 2-64
# (Microsoft.CognitiveServices/accounts naming rules).
_ACCOUNT_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{0,62}[A-Za-z0-9]$")


def validate_ai_services(args: AiServicesArgs) -> list[Problem]:
    """Every problem with AiServices args, each naming its field."""
    problems: list[Problem] = []
    if not _ACCOUNT_NAME.match(str(args.get("account_name", ""))):
        problems.append(Problem("account_name", "2-64 letters, digits and '-', starting and ending with a letter or digit"))
    if args.get("kind", "AIServices") not in ACCOUNT_KINDS:
        problems.append(Problem("kind", f"one of {', '.join(ACCOUNT_KINDS)}"))
    if args.get("sku", "S0") not in ACCOUNT_SKUS:
        problems.append(Problem("sku", f"one of {', '.join(ACCOUNT_SKUS)}"))
    if args.get("severity_threshold", "Medium") not in SEVERITY_THRESHOLDS:
        problems.append(Problem("severity_threshold", f"one of {', '.join(SEVERITY_THRESHOLDS)}"))
    seen: set[str] = set()
    for index, deployment in enumerate(args.get("deployments", [])):
        at = f"deployments[{index}]"
        name = deployment.get("name")
        if not isinstance(name, str) or not DEPLOYMENT_NAME.match(name):
            problems.append(Problem(f"{at}.name", DEPLOYMENT_NAME_RULE))
        elif name in seen:
            problems.append(Problem(f"{at}.name", f"deployment name {name!r} is used twice"))
        else:
            seen.add(name)
        model = deployment.get("model") or {}
        for part in ("format", "name", "version"):
            if not isinstance(model.get(part), str) or not model.get(part):
                problems.append(Problem(f"{at}.model.{part}", 'a non-empty string (quote versions like "1")'))
        if deployment.get("sku", "GlobalStandard") not in DEPLOYMENT_SKUS:
            problems.append(Problem(f"{at}.sku", f"one of {', '.join(DEPLOYMENT_SKUS)}"))
        capacity = deployment.get("capacity", 1)
        if isinstance(capacity, bool) or not isinstance(capacity, int) or capacity < 1:
            problems.append(Problem(f"{at}.capacity", "a whole number, at least 1"))
    names: set[str] = set()
    for index, app in enumerate(args.get("applications", [])):
        at = f"applications[{index}]"
        name = app.get("name")
        if not isinstance(name, str) or not NAME_PATTERN.match(name):
            problems.append(Problem(f"{at}.name", NAME_RULE))
        elif name in names:
            problems.append(Problem(f"{at}.name", f"application name {name!r} is used twice"))
        else:
            names.add(name)
        if app.get("boundary") not in BOUNDARIES:
            problems.append(Problem(f"{at}.boundary", f"one of {', '.join(BOUNDARIES)}"))
    return problems


@dataclass(frozen=True)
class ModelRef:
    """A model as Azure names it: format (publisher family), name and exact version."""

    format: str
    name: str
    version: str

    def label(self) -> str:
        return f"{self.format}/{self.name}@{self.version}"

    def as_args(self) -> ModelRefArgs:
        return ModelRefArgs(format=self.format, name=self.name, version=self.version)


@dataclass(frozen=True)
class ModelDeployment:
    """A deployment as the settings read it; `as_args()` is what AiServices takes."""

    name: str
    model: ModelRef
    sku: str
    capacity: int

    def as_args(self) -> ModelDeploymentArgs:
        return ModelDeploymentArgs(name=self.name, model=self.model.as_args(), sku=self.sku, capacity=self.capacity)


@dataclass(frozen=True)
class Application:
    """An AI application. Its boundary decides which data it may be given (DATA-1)."""

    name: str
    boundary: str
    description: str

    def as_args(self) -> ApplicationArgs:
        return ApplicationArgs(name=self.name, boundary=self.boundary, description=self.description)


ACCOUNT_TYPE = "azure-native:cognitiveservices:Account"
PRIVATE_LINK_GROUPS = ("account",)
INFERENCE_ROLES = frozenset(reference.AI_DATA_PLANE_ROLES)

# Harm categories filtered on both prompt and completion; prompt-attack filters (prompt shields)
# that always block. Names as the Azure AI Foundry content filter API spells them.
HARM_CATEGORIES = ("Hate", "Sexual", "Violence", "Selfharm")
PROMPT_SHIELDS = ("Jailbreak", "Indirect Attack")
COMPLETION_ONLY_FILTERS = ("Protected Material Text", "Protected Material Code")


def content_filters(severity_threshold: str) -> list[cs.RaiPolicyContentFilterArgs]:
    """The content filters of the landing zone's RAI policy (MOD-2a)."""
    filters = [
        cs.RaiPolicyContentFilterArgs(name=name, source=source, enabled=True, blocking=True, severity_threshold=severity_threshold)
        for name in HARM_CATEGORIES
        for source in ("Prompt", "Completion")
    ]
    filters += [cs.RaiPolicyContentFilterArgs(name=name, source="Prompt", enabled=True, blocking=True) for name in PROMPT_SHIELDS]
    filters += [
        cs.RaiPolicyContentFilterArgs(name=name, source="Completion", enabled=True, blocking=True) for name in COMPLETION_ONLY_FILTERS
    ]
    return filters


@implements("ACC-1", "ACC-6", "ACC-7", "ACC-8", "MOD-2a", "MOD-2b", "MOD-3", "RES-2", "RES-4")
class AiServices(KeepsGrants, pulumi.ComponentResource):
    """An AI Services (Foundry) account with key auth off, public access off and default-deny
    network ACLs, its prompt-shield content filter, pinned model deployments and one project per
    application."""

    account_id: pulumi.Output[str]
    """Resource id of the account."""
    account_name: pulumi.Output[str]
    """Azure name of the account."""
    endpoint: pulumi.Output[str]
    """The account's endpoint, `https://<account name>.cognitiveservices.azure.com/`."""
    principal_id: pulumi.Output[str]
    """Entra object id of the account's system-assigned identity."""
    deployment_names: pulumi.Output[list[str]]
    """Names of the model deployments."""
    project_ids: pulumi.Output[dict[str, str]]
    """Application name -> resource id of its Foundry project."""

    def __init__(self, name: str, args: AiServicesArgs, opts: Optional[pulumi.ResourceOptions] = None) -> None:
        raise_if_invalid("AiServices", validate_ai_services(args))
        super().__init__(
            TYPE_TOKEN,
            name,
            {},
            aliased(opts, _OLD_TYPE_TOKEN),
        )
        placement = args["placement"]
        self._placement = placement
        self._logical_name = name
        account_name = args["account_name"]
        kind = args.get("kind", "AIServices")
        self.account = cs.Account(
            f"{name}-account",
            cs.AccountArgs(
                resource_group_name=placement["resource_group_name"],
                location=placement["location"],
                account_name=account_name,
                kind=kind,
                sku=cs.SkuArgs(name=args.get("sku", "S0")),
                identity=cs.IdentityArgs(type=cs.ResourceIdentityType.SYSTEM_ASSIGNED),
                properties=cs.AccountPropertiesArgs(
                    custom_sub_domain_name=account_name,
                    disable_local_auth=True,
                    public_network_access=cs.PublicNetworkAccess.DISABLED,
                    # Only the private endpoint reaches the account. The trusted-services exception
                    # (`bypass: AzureServices`) is a rule of the "Selected networks" firewall; with
                    # public network access Disabled no public traffic is accepted, trusted services
                    # included (Learn, "Configure Azure AI services virtual networks",
                    # https://learn.microsoft.com/azure/ai-services/cognitive-services-virtual-networks).
                    # The rule set stays deny-by-default should public access ever be re-enabled.
                    network_acls=cs.NetworkRuleSetArgs(
                        default_action=cs.NetworkRuleAction.DENY,
                        bypass=cs.ByPassSelection.AZURE_SERVICES,
                        ip_rules=[],
                        virtual_network_rules=[],
                    ),
                    restrict_outbound_network_access=True,
                    allowed_fqdn_list=[],
                    allow_project_management=kind == "AIServices",
                ),
                tags=tags_of(placement),
            ),
            opts=pulumi.ResourceOptions(parent=self, protect=args.get("protect", True)),
        )
        children = self._children(name, args.get("deployments", []), args.get("severity_threshold", "Medium"), args.get("applications", []))
        add_private_endpoint(
            name,
            self.account.id,
            ACCOUNT_TYPE,
            PRIVATE_LINK_GROUPS[0],
            args["networking"],
            placement,
            parent=self,
            depends_on=children[-1:],
        )
        add_diagnostic_settings(name, self.account.id, args["diagnostics"], parent=self)
        self.endpoint = pulumi.Output.concat("https://", account_name, ".cognitiveservices.azure.com/")
        self.account_id = self.account.id
        self.account_name = self.account.name
        self.principal_id = self.account.identity.apply(lambda identity: identity.principal_id if identity else "")
        self.deployment_names = pulumi.Output.from_input(sorted(self.deployments))
        self.project_ids = pulumi.Output.all(**{app: project.id for app, project in self.projects.items()}).apply(dict)
        self.register_outputs(
            {
                "account_id": self.account_id,
                "account_name": self.account_name,
                "endpoint": self.endpoint,
                "principal_id": self.principal_id,
                "deployment_names": self.deployment_names,
                "project_ids": self.project_ids,
            }
        )

    def _children(
        self,
        name: str,
        deployments: Sequence[ModelDeploymentArgs],
        severity_threshold: str,
        applications: Sequence[ApplicationArgs],
    ) -> list[pulumi.Resource]:
        """RAI policy, deployments and projects, each waiting for the previous one (no 409s)."""
        placement = self._placement
        self.rai_policy = cs.RaiPolicy(
            f"{name}-prompt-shields",
            cs.RaiPolicyArgs(
                resource_group_name=placement["resource_group_name"],
                account_name=self.account.name,
                rai_policy_name="aizone-prompt-shields",
                properties=cs.RaiPolicyPropertiesArgs(
                    base_policy_name="Microsoft.DefaultV2",
                    mode=cs.RaiPolicyMode.BLOCKING,
                    content_filters=content_filters(severity_threshold),
                ),
                tags=tags_of(placement),
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )
        chain: list[pulumi.Resource] = [self.rai_policy]
        self.deployments: dict[str, cs.Deployment] = {}
        for spec in deployments:
            model = spec["model"]
            deployment = cs.Deployment(
                f"{name}-deployment-{spec['name']}",
                cs.DeploymentArgs(
                    resource_group_name=placement["resource_group_name"],
                    account_name=self.account.name,
                    deployment_name=spec["name"],
                    sku=cs.SkuArgs(name=spec.get("sku", "GlobalStandard"), capacity=spec.get("capacity", 1)),
                    properties=cs.DeploymentPropertiesArgs(
                        model=cs.DeploymentModelArgs(format=model["format"], name=model["name"], version=model["version"]),
                        rai_policy_name=self.rai_policy.name,
                        version_upgrade_option=cs.DeploymentModelVersionUpgradeOption.NO_AUTO_UPGRADE,
                    ),
                    tags=tags_of(placement),
                ),
                opts=pulumi.ResourceOptions(parent=self, depends_on=[chain[-1]]),
            )
            self.deployments[spec["name"]] = deployment
            chain.append(deployment)
        self.projects: dict[str, cs.Project] = {}
        for app in applications:
            app_name = app["name"]
            project = cs.Project(
                f"{name}-project-{app_name}",
                cs.ProjectArgs(
                    resource_group_name=placement["resource_group_name"],
                    account_name=self.account.name,
                    project_name=app_name,
                    location=placement["location"],
                    identity=cs.IdentityArgs(type=cs.ResourceIdentityType.SYSTEM_ASSIGNED),
                    properties=cs.ProjectPropertiesArgs(display_name=app_name, description=app.get("description") or None),
                    tags=tags_of(placement, **{BOUNDARY_TAG: app["boundary"], APPLICATION_TAG: app_name, INVENTORY_TAG: "application"}),
                ),
                opts=pulumi.ResourceOptions(parent=self, depends_on=[chain[-1]]),
            )
            self.projects[app_name] = project
            chain.append(project)
        return chain

    def grant_inference(self, principal: Principal, role: str = "Cognitive Services OpenAI User") -> Grant[authorization.RoleAssignment]:
        """Let `principal` call the models (data plane only) on this account and nothing else."""
        return self._keep(
            grant_role(
                f"{self._logical_name}-inference-{principal.name}",
                role,
                scope_id=self.account.id,
                scope_name=f"{self._logical_name}-account",
                principal=principal,
                allowed_roles=INFERENCE_ROLES,
                parent=self,
            )
        )
