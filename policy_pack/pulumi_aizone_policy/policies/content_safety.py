"""MOD-2a: prompt shields and content filters.

Resource policy: a `cognitiveservices:RaiPolicy` blocks Jailbreak and Indirect Attack on prompts
and filters Hate, Sexual, Violence and Selfharm on prompts and completions, each entry enabled
and blocking (`blocking: true` or `action: "BLOCKING"`), harm filters at a severityThreshold at or
below the configured maximum (Low < Medium < High; "Low" filters the most). Filter names are free
strings: "Indirect Attack", "indirect_attack" and "IndirectAttack" all match.

Stack policy: every `cognitiveservices:Deployment` names, in properties.raiPolicyName, a RaiPolicy
of the stack that meets the rule above. Built-in policies fail: Microsoft.Default and
Microsoft.DefaultV2 filter the harm categories at Medium and (DefaultV2) block jailbreak, but
neither blocks indirect (document) prompt injection (learn.microsoft.com, "Default Guardrail
policies for Azure OpenAI"). An omitted raiPolicyName means the built-in default.

The classic provider (pulumi-azure 6.x) gets the same two policies over the same judging logic
(`RaiShape` says where each provider keeps the filters): `azure:cognitive/accountRaiPolicy`
(azurerm_cognitive_account_rai_policy,
https://registry.terraform.io/providers/hashicorp/azurerm/latest/docs/resources/cognitive_account_rai_policy)
keeps them in `contentFilters[]` with `filterEnabled`, `blockEnabled`, `severityThreshold` and
`source`, and its `mode` takes the same values (`Default`, `Deferred`, `Blocking`,
`Asynchronous_filter`; the SDK's AccountRaiPolicyArgs and AccountRaiPolicyContentFilterArgs
docstrings); an `azure:cognitive/deployment` names its policy in `raiPolicyName` and its account in
`cognitiveAccountId`. A classic deployment on a built-in policy is the classic resource policy's
finding (classic_ai.py), so the classic stack policy judges only the other names (any other
`Microsoft.*` name is a built-in it reports itself). Deployments of
either provider may use a RAI policy of either provider.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Literal

from .. import defaults, tokens
from ..config import PolicyConfig
from ..framework import Field, Finding, Resource, ResourcePolicySpec, StackPolicySpec, unknown_value, violation
from ..stackindex import StackIndex, StackResource
from ..values import UNKNOWN, as_dict, describe_against, eq_ci, get, items, noncanonical_bool, normalize_name, str_or_none
from .classic_ai import BUILTIN_RAI_POLICIES

SEVERITY_LEVELS: tuple[str, ...] = ("Low", "Medium", "High")
DEFAULT_MAX_SEVERITY: str = defaults.MAX_SEVERITY_THRESHOLD
BLOCKING = "BLOCKING"
# RaiPolicyMode of the installed SDK: Default, Deferred, Blocking, Asynchronous_filter ("Please use
# 'Asynchronous_filter' after 2025-06-01. It is the same as 'Deferred'"). Asynchronous filtering
# returns content before the filters run (learn.microsoft.com, "Configure content filters":
# asynchronous filter); Default and Blocking filter before returning.
BLOCKING_MODES: tuple[str, ...] = ("Default", "Blocking")
PROMPT = "Prompt"
COMPLETION = "Completion"
SHIELDS: tuple[str, ...] = ("Jailbreak", "Indirect Attack")
HARMS: tuple[str, ...] = ("Hate", "Sexual", "Violence", "Selfharm")
BUILTIN_PREFIX = "microsoft."
_FILTERS = "properties.contentFilters"


@dataclass(frozen=True)
class RaiShape:
    """Where one provider's RAI policy keeps what MOD-2a judges (wire names)."""

    token: str
    filters: str
    mode: str
    enabled: str
    blocking: str
    action: str | None
    """The entry's action property (`BLOCKING`), where the provider has one."""
    kind: str
    """How fixes name the resource type."""
    threshold_always: bool
    """True when the provider requires a severityThreshold on every entry (shields too)."""

    def block_fix(self) -> str:
        """How to make an entry block."""
        return f"set {self.blocking} = true" + (f" or {self.action} = '{BLOCKING}'" if self.action else "")


NATIVE_RAI = RaiShape(tokens.RAI_POLICY, _FILTERS, "properties.mode", "enabled", "blocking", "action", "cognitiveservices:RaiPolicy", False)
# pulumi-azure 6.x AccountRaiPolicyContentFilterArgs: block_enabled, filter_enabled, name,
# severity_threshold and source are all required.
CLASSIC_RAI = RaiShape(
    tokens.AZ_RAI_POLICY, "contentFilters", "mode", "filterEnabled", "blockEnabled", None, "azure:cognitive/accountRaiPolicy", True
)
RAI_SHAPES: dict[str, RaiShape] = {shape.token: shape for shape in (NATIVE_RAI, CLASSIC_RAI)}


@dataclass(frozen=True)
class _Requirement:
    """One content filter the policy requires."""

    name: str
    source: str
    graded: bool

    @property
    def key(self) -> tuple[str, str]:
        return normalize_name(self.name), self.source.lower()

    def entry(self, max_severity: str, shape: RaiShape = NATIVE_RAI) -> str:
        """The contentFilters entry that satisfies this requirement, as a hint."""
        threshold = f", severityThreshold: '{max_severity}'" if self.graded or shape.threshold_always else ""
        return f"{{name: '{self.name}', source: '{self.source}', {shape.enabled}: true, {shape.blocking}: true{threshold}}}"


REQUIREMENTS: tuple[_Requirement, ...] = (
    *(_Requirement(name, PROMPT, graded=False) for name in SHIELDS),
    *(_Requirement(name, source, graded=True) for name in HARMS for source in (PROMPT, COMPLETION)),
)


@dataclass
class Assessment:
    """Gaps of one RAI policy against MOD-2a, and requirements that are unknown during preview."""

    gaps: list[str] = field(default_factory=list[str])
    unknown: list[str] = field(default_factory=list[str])


def _severity_rank(value: object) -> int | None:
    """Position of a severity threshold in Low < Medium < High (case-insensitive), else None."""
    for rank, level in enumerate(SEVERITY_LEVELS):
        if eq_ci(value, level):
            return rank
    return None


def _not_boolean(entry: Mapping[str, object], key: str) -> str:
    """` (<key> is "true" (a string), expected the boolean true)` for a value that only looks like
    the boolean true, else "" (such values never count as set: fail safe)."""
    shown = noncanonical_bool(entry.get(key), True)
    return f" ({key} is {shown})" if shown else ""


def _entry_problem(entry: Mapping[str, object], requirement: _Requirement, max_severity: str, shape: RaiShape = NATIVE_RAI) -> str | None:
    """What is wrong with a matching filter entry ("" when unknown), or None when it complies."""
    relevant = (
        (shape.enabled, shape.blocking) + ((shape.action,) if shape.action else ()) + (("severityThreshold",) if requirement.graded else ())
    )
    if any(entry.get(key) is UNKNOWN for key in relevant):
        return ""
    if entry.get(shape.enabled) is not True:
        return f"is not enabled{_not_boolean(entry, shape.enabled)}: set {shape.enabled} = true"
    if entry.get(shape.blocking) is not True and not (shape.action and eq_ci(entry.get(shape.action), BLOCKING)):
        return f"does not block (it only annotates){_not_boolean(entry, shape.blocking)}: {shape.block_fix()}"
    if not requirement.graded:
        return None
    rank = _severity_rank(entry.get("severityThreshold"))
    max_rank = _severity_rank(max_severity)
    if rank is None:
        return f"has no severityThreshold: set severityThreshold = '{max_severity}' or stricter"
    if max_rank is not None and rank > max_rank:
        return (
            f"filters only at severity '{SEVERITY_LEVELS[rank]}': set severityThreshold = "
            f"'{max_severity}' or stricter ('Low' filters the most)"
        )
    return None


def assess(props: Mapping[str, object], max_severity: str, shape: RaiShape = NATIVE_RAI) -> Assessment | None:
    """Assessment of a RaiPolicy's properties (of the provider `shape` describes), or None when
    its content filters are unknown."""
    filters = get(props, shape.filters)
    if filters is UNKNOWN:
        return None
    entries: dict[tuple[str, str], list[Mapping[str, object]]] = {}
    unknown_entries = False
    for item in items(filters):
        entry = as_dict(item)
        source = entry.get("source") if entry else None
        if item is UNKNOWN or (entry is not None and UNKNOWN in (source, entry.get("name"))):
            unknown_entries = True
        elif entry is not None and isinstance(source, str):
            entries.setdefault((normalize_name(entry.get("name")), source.lower()), []).append(entry)
    assessment = Assessment()
    for requirement in REQUIREMENTS:
        where = f"{requirement.name} on {requirement.source.lower()}s"
        matching = entries.get(requirement.key, [])
        problems = [_entry_problem(entry, requirement, max_severity, shape) for entry in matching]
        if not matching and unknown_entries:
            assessment.unknown.append(where)
        elif not matching:
            assessment.gaps.append(f"does not filter {where}: add {requirement.entry(max_severity, shape)} to {shape.filters}")
        elif all(problem is None for problem in problems):
            continue
        elif any(problem for problem in problems):
            # Every entry for a filter must comply: the service's handling of duplicates (case or
            # blank variants of a name, an enabled and a disabled entry) is not documented, so a
            # compliant entry never masks a non-compliant duplicate.
            first = next(problem for problem in problems if problem)
            duplicates = f" ({len(matching)} entries for this filter; every one must comply)" if len(matching) > 1 else ""
            assessment.gaps.append(f"filter for {where} {first}{duplicates}")
        else:
            assessment.unknown.append(where)
    mode = get(props, shape.mode)
    if mode is UNKNOWN:
        assessment.unknown.append(shape.mode)
    elif mode is not None and mode not in BLOCKING_MODES:
        assessment.gaps.append(
            f"returns content before it is filtered or uses an unknown mode ({shape.mode} is "
            f"{describe_against(mode, BLOCKING_MODES)}): set {shape.mode} = 'Blocking' (or 'Default'); "
            "'Deferred' and 'Asynchronous_filter' filter after the content is streamed to the caller"
        )
    return assessment


def _max_severity(config: PolicyConfig) -> str:
    return config.text("maxSeverityThreshold") or DEFAULT_MAX_SEVERITY


def _rai_policy(resource: Resource, config: PolicyConfig) -> Iterator[Finding]:
    """A RaiPolicy (either provider) has every required prompt shield and harm filter, enabled and
    blocking."""
    shape = RAI_SHAPES[resource.type]
    assessment = assess(resource.props, _max_severity(config), shape)
    if assessment is None:
        yield unknown_value(resource.subject, shape.filters)
        return
    for gap in assessment.gaps:
        yield violation(f"{resource.subject} {gap}.")
    for where in assessment.unknown:
        yield unknown_value(resource.subject, f"{shape.filters} entry for {where}")


_Outcome = Literal["compliant", "failing", "undecided"]


def _outcome(assessment: Assessment | None) -> _Outcome:
    """Whether an assessed RAI policy complies, has gaps, or cannot be decided during preview."""
    if assessment is None:
        return "undecided"
    if assessment.gaps:
        return "failing"
    return "undecided" if assessment.unknown else "compliant"


def _account(resource: StackResource) -> str | None:
    """The (lower-case) account name a deployment or RAI policy names, if known: azure-native's
    accountName, or the last segment of the classic provider's cognitiveAccountId."""
    name = str_or_none(resource.get("accountName"))
    if name:
        return name.lower()
    account_id = str_or_none(resource.get("cognitiveAccountId"))
    if account_id is None:
        return None
    return account_id.strip().rstrip("/").rsplit("/", 1)[-1].lower() or None


class _RaiPolicies:
    """The stack's RaiPolicies, each assessed once, by (lower-case) name and account, plus those
    whose name is unknown.

    A deployment is fine when one RAI policy it refers to complies; otherwise the first failing
    one (stack order) is reported. So each (name, account) group keeps only its first policy of
    each outcome: resolving a deployment costs the same however many policies share a name.
    """

    def __init__(self, stack: StackIndex, max_severity: str) -> None:
        self.assessments: dict[str, Assessment | None] = {}
        self.unnamed: dict[str, StackResource] = {}
        self._order: dict[str, int] = {}
        self._groups: dict[tuple[str, str | None], dict[_Outcome, StackResource]] = {}
        self._any_account: dict[str, dict[_Outcome, StackResource]] = {}
        for position, policy in enumerate(stack.of_type(*RAI_SHAPES)):
            assessment = assess(policy.props, max_severity, RAI_SHAPES[policy.type])
            self.assessments[policy.urn] = assessment
            self._order[policy.urn] = position
            outcome = _outcome(assessment)
            account = _account(policy)
            names = {value.lower() for value in (policy.get("raiPolicyName"), policy.get("name")) if isinstance(value, str) and value}
            for name in names:
                self._groups.setdefault((name, account), {}).setdefault(outcome, policy)
                self._any_account.setdefault(name, {}).setdefault(outcome, policy)
            if not names:
                self.unnamed[policy.urn] = policy

    def has_name(self, name: str) -> bool:
        """True when some RaiPolicy of the stack (on any account) has this name."""
        return name.lower() in self._any_account

    def named(self, name: str, account: str | None) -> list[StackResource]:
        """The policies named `name` that matter for a deployment on `account` (any account when
        None; policies that name no account match every account), in stack order."""
        key = name.lower()
        if account is None:
            groups = [self._any_account.get(key, {})]
        else:
            groups = [self._groups.get((key, account), {}), self._groups.get((key, None), {})]
        found = {policy.urn: policy for group in groups for policy in group.values()}
        return sorted(found.values(), key=lambda policy: self._order[policy.urn])


def _same_account(deployment: StackResource, policy: StackResource) -> bool:
    """False only when both name their account and the names differ."""
    mine = _account(deployment)
    theirs = _account(policy)
    return mine is None or theirs is None or mine == theirs


@dataclass(frozen=True)
class _DeploymentShape:
    """Where one provider's model deployment names its RAI policy (wire names)."""

    token: str
    name_path: str
    dependency: str
    """The input property whose dependencies are the RAI policy it names."""
    rai_kind: str
    """How fixes name the RAI policy resource type."""


_NATIVE_DEPLOYMENT = _DeploymentShape(tokens.COGNITIVE_DEPLOYMENT, "properties.raiPolicyName", "properties", NATIVE_RAI.kind)
_CLASSIC_DEPLOYMENT = _DeploymentShape(tokens.AZ_COGNITIVE_DEPLOYMENT, "raiPolicyName", "raiPolicyName", CLASSIC_RAI.kind)


def _candidates(
    stack: StackIndex, policies: _RaiPolicies, deployment: StackResource, name: str | None, shape: _DeploymentShape
) -> list[StackResource]:
    """RaiPolicies of the deployment's account its raiPolicyName refers to: by name, by property
    dependency, or (name not found, target name unknown) the sole RaiPolicy it depends on."""
    found = {policy.urn: policy for policy in policies.named(name, _account(deployment))} if name else {}
    dependencies = stack.dependencies_via(deployment, shape.dependency, RAI_SHAPES)
    for policy in dependencies:
        if _same_account(deployment, policy):
            found.setdefault(policy.urn, policy)
    if not dependencies and policies.unnamed and not (name and policies.has_name(name)):
        sole = stack.sole_dependency(deployment, RAI_SHAPES)
        if sole is not None and sole.urn in policies.unnamed and _same_account(deployment, sole):
            found[sole.urn] = sole
    return list(found.values())


def _builtin_violation(deployment: StackResource, name: str | None, shape: _DeploymentShape) -> Finding:
    """Violation for a deployment on a built-in (or the default) content filter policy."""
    uses = (
        f"uses the built-in content filter policy '{name}'"
        if name
        else (f"sets no {shape.name_path}, so it uses the built-in default content filter policy")
    )
    return violation(
        f"{deployment.subject} {uses}, which filters harmful content at Medium and (DefaultV2) "
        "blocks jailbreak attempts but does not block Indirect Attack (document prompt "
        f"injection): create {'an' if shape.rai_kind[:1] in 'aeiou' else 'a'} {shape.rai_kind} that blocks Jailbreak and Indirect "
        f"Attack and set {shape.name_path} to its name.",
        urn=deployment.urn,
        name=deployment.name,
    )


def _unresolved(deployment: StackResource, name: str | None, unknown: bool, shape: _DeploymentShape) -> Finding:
    """Finding for a deployment whose RAI policy is not found in the stack."""
    if unknown:
        return unknown_value(
            deployment.subject,
            f"{shape.name_path} (or the RAI policy's name)",
            urn=deployment.urn,
            name=deployment.name,
        )
    return violation(
        f"{deployment.subject} uses RAI policy '{name}', which is not defined in this stack, "
        f"so its prompt shields cannot be verified: define the {shape.rai_kind} in "
        "this stack, or, if another stack manages and checks it, list its name in this "
        "policy's trustedRaiPolicyNames config.",
        urn=deployment.urn,
        name=deployment.name,
    )


def _judged(
    deployment: StackResource, candidates: list[StackResource], policies: _RaiPolicies, shape: _DeploymentShape
) -> Iterator[Finding]:
    """Findings for a deployment given the RAI policies it refers to: fine when one complies."""
    assessments = [(policy, policies.assessments[policy.urn]) for policy in candidates]
    if any(_outcome(result) == "compliant" for _, result in assessments):
        return
    failing = [(policy, result) for policy, result in assessments if result is not None and result.gaps]
    if not failing:
        filters = RAI_SHAPES[candidates[0].type].filters
        yield unknown_value(deployment.subject, f"{filters} of its RAI policy", urn=deployment.urn, name=deployment.name)
        return
    policy, result = failing[0]
    more = f"; and {len(result.gaps) - 1} more gap(s)" if len(result.gaps) > 1 else ""
    yield violation(
        f"{deployment.subject} uses {policy.subject}, which does not meet MOD-2a ({policy.subject} "
        f"{result.gaps[0]}{more}): fix the RAI policy or point {shape.name_path} at a "
        "compliant one.",
        urn=deployment.urn,
        name=deployment.name,
    )


def _deployment_findings(
    stack: StackIndex, policies: _RaiPolicies, deployment: StackResource, trusted: frozenset[str], shape: _DeploymentShape
) -> Iterator[Finding]:
    """Findings for one deployment: built-in policy (azure-native only: classic_ai.py's resource
    policy reports a classic one), trusted name (lower-case names in `trusted`), or the stack's
    RaiPolicy."""
    raw_name = deployment.get(shape.name_path)
    name = str_or_none(raw_name)
    if raw_name is not UNKNOWN and (name is None or name.strip().lower().startswith(BUILTIN_PREFIX)):
        reported = name is None or name.strip().lower() in BUILTIN_RAI_POLICIES
        if shape is _NATIVE_DEPLOYMENT or not reported:
            yield _builtin_violation(deployment, name, shape)
        return
    if name is not None and name.lower() in trusted:
        return
    candidates = _candidates(stack, policies, deployment, name, shape)
    if candidates:
        yield from _judged(deployment, candidates, policies, shape)
    else:
        yield _unresolved(deployment, name, raw_name is UNKNOWN or bool(policies.unnamed), shape)


def _deployments_rule(shape: _DeploymentShape) -> Callable[[StackIndex, PolicyConfig], Iterator[Finding]]:
    """The stack rule for one provider's deployments: each uses a compliant custom RAI policy of
    the stack (of either provider)."""

    def rule(stack: StackIndex, config: PolicyConfig) -> Iterator[Finding]:
        deployments = stack.of_type(shape.token)
        if not deployments:
            return
        policies = _RaiPolicies(stack, _max_severity(config))
        trusted = frozenset(value.lower() for value in config.strings("trustedRaiPolicyNames"))
        for deployment in deployments:
            yield from _deployment_findings(stack, policies, deployment, trusted, shape)

    return rule


_SEVERITY_CONFIG: dict[str, dict[str, object]] = {
    "maxSeverityThreshold": {
        "type": "string",
        "enum": list(SEVERITY_LEVELS),
        "default": DEFAULT_MAX_SEVERITY,
        "description": (
            "Most permissive severityThreshold allowed for the Hate/Sexual/Violence/Selfharm "
            "filters (Low filters the most, High the least)."
        ),
    }
}

_FILTER_FIELDS: tuple[Field, ...] = (
    Field(tokens.RAI_POLICY, "raiPolicyName"),
    Field(tokens.RAI_POLICY, "properties.mode", BLOCKING_MODES),
    Field(tokens.RAI_POLICY, f"{_FILTERS}[].name"),
    Field(tokens.RAI_POLICY, f"{_FILTERS}[].source", (PROMPT, COMPLETION)),
    Field(tokens.RAI_POLICY, f"{_FILTERS}[].enabled"),
    Field(tokens.RAI_POLICY, f"{_FILTERS}[].blocking"),
    Field(tokens.RAI_POLICY, f"{_FILTERS}[].action", (BLOCKING,)),
    Field(tokens.RAI_POLICY, f"{_FILTERS}[].severityThreshold", SEVERITY_LEVELS),
)
_CLASSIC_FILTERS = CLASSIC_RAI.filters
_CLASSIC_FILTER_FIELDS: tuple[Field, ...] = (
    Field(tokens.AZ_RAI_POLICY, "name"),
    Field(tokens.AZ_RAI_POLICY, "cognitiveAccountId"),
    Field(tokens.AZ_RAI_POLICY, "mode"),
    Field(tokens.AZ_RAI_POLICY, f"{_CLASSIC_FILTERS}[].name"),
    Field(tokens.AZ_RAI_POLICY, f"{_CLASSIC_FILTERS}[].source"),
    Field(tokens.AZ_RAI_POLICY, f"{_CLASSIC_FILTERS}[].filterEnabled"),
    Field(tokens.AZ_RAI_POLICY, f"{_CLASSIC_FILTERS}[].blockEnabled"),
    Field(tokens.AZ_RAI_POLICY, f"{_CLASSIC_FILTERS}[].severityThreshold"),
)
_TRUSTED_CONFIG: dict[str, dict[str, object]] = {
    "trustedRaiPolicyNames": {
        "type": "array",
        "items": {"type": "string", "minLength": 1},
        "default": [],
        "description": (
            "Names of custom RAI policies managed and checked in another stack (for "
            "example the platform stack) that deployments of this stack may use."
        ),
    },
}
_SHIELDS_DESCRIPTION = (
    "RAI policies must block Jailbreak and Indirect Attack on prompts and filter "
    "Hate/Sexual/Violence/Selfharm on prompts and completions at the configured threshold."
)

POLICIES: tuple[ResourcePolicySpec | StackPolicySpec, ...] = (
    ResourcePolicySpec(
        name="azurenative-cognitiveservices-raipolicy-prompt-shields",
        controls=("MOD-2a",),
        description=_SHIELDS_DESCRIPTION,
        severity="high",
        remediation=(
            "In properties.contentFilters add, enabled and blocking: Jailbreak and Indirect Attack "
            "on source Prompt, and Hate, Sexual, Violence and Selfharm on sources Prompt and "
            "Completion with severityThreshold at or below maxSeverityThreshold."
        ),
        fields=_FILTER_FIELDS,
        resource_types=(tokens.RAI_POLICY,),
        rule=_rai_policy,
        config=_SEVERITY_CONFIG,
    ),
    StackPolicySpec(
        name="azurenative-cognitiveservices-deployment-custom-rai-policy",
        controls=("MOD-2a",),
        description=(
            "Model deployments must use a custom RAI policy of the stack that blocks prompt attacks (Jailbreak and Indirect Attack)."
        ),
        severity="high",
        remediation=(
            "Create a cognitiveservices:RaiPolicy on the account that meets MOD-2a and set "
            "properties.raiPolicyName of every deployment to its name (not Microsoft.Default or "
            "Microsoft.DefaultV2)."
        ),
        fields=(
            Field(tokens.COGNITIVE_DEPLOYMENT, "properties.raiPolicyName"),
            Field(tokens.COGNITIVE_DEPLOYMENT, "accountName"),
            Field(tokens.RAI_POLICY, "accountName"),
            *_FILTER_FIELDS,
            *_CLASSIC_FILTER_FIELDS,
        ),
        rule=_deployments_rule(_NATIVE_DEPLOYMENT),
        config={**_SEVERITY_CONFIG, **_TRUSTED_CONFIG},
    ),
    ResourcePolicySpec(
        name="azure-cognitive-accountraipolicy-prompt-shields",
        controls=("MOD-2a",),
        description="Classic " + _SHIELDS_DESCRIPTION,
        severity="high",
        remediation=(
            "In contentFilters add, with filterEnabled and blockEnabled true: Jailbreak and Indirect "
            "Attack on source Prompt, and Hate, Sexual, Violence and Selfharm on sources Prompt and "
            "Completion with severityThreshold at or below maxSeverityThreshold; keep mode "
            "Default or Blocking."
        ),
        fields=_CLASSIC_FILTER_FIELDS,
        resource_types=(tokens.AZ_RAI_POLICY,),
        rule=_rai_policy,
        config=_SEVERITY_CONFIG,
    ),
    StackPolicySpec(
        name="azure-cognitive-deployment-compliant-rai-policy",
        controls=("MOD-2a",),
        description=(
            "Classic model deployments must use a custom RAI policy of the stack that blocks prompt "
            "attacks (Jailbreak and Indirect Attack) and filters harmful content."
        ),
        severity="high",
        remediation=(
            "Create an azure:cognitive/accountRaiPolicy on the deployment's account that meets "
            "MOD-2a and set the deployment's raiPolicyName to its name."
        ),
        fields=(
            Field(tokens.AZ_COGNITIVE_DEPLOYMENT, "raiPolicyName"),
            Field(tokens.AZ_COGNITIVE_DEPLOYMENT, "cognitiveAccountId"),
            *_CLASSIC_FILTER_FIELDS,
            *_FILTER_FIELDS,
        ),
        rule=_deployments_rule(_CLASSIC_DEPLOYMENT),
        config={**_SEVERITY_CONFIG, **_TRUSTED_CONFIG},
    ),
)
