"""MOD-4: the AI gateway. API Management fronts the models: callers present Entra ID tokens, the
gateway calls the backend with its managed identity (never a key), and the gateway's identity holds
only an inference role on the AI account. The gateway's own managed identity is identity.py's
policy `azurenative-apimanagement-service-managed-identity` (ACC-6 and MOD-4), not repeated here.

Resource policies:
- every policy document (API, operation, product and service-level policies) is inline XML
  (format xml or rawxml; absent means xml), well-formed, and sends no key: no api-key or
  Ocp-Apim-Subscription-Key header or query parameter that is set (not deleted), whatever its case
  or value (literal, {{named value}} or policy expression), no Authorization header with a literal
  or named-value credential, no <authentication-basic>, and no header whose name is a policy
  expression (it cannot be verified). The gateway's way to the models is
  <authentication-managed-identity>. Token validation that does not pin Entra ID (validate-jwt
  without Entra ID's openid-config for one tenant, or without audiences; validate-azure-ad-token
  without a tenant or audiences) is a violation wherever it appears. A link format (xml-link,
  rawxml-link) is refused: the content is fetched at deployment and nobody reviews it.
- an API Management backend carries no key in credentials.header (api-key,
  Ocp-Apim-Subscription-Key, Authorization), credentials.query (api-key, subscription-key) or
  credentials.authorization. A credentials key no REST API version defines (`BACKEND_CREDENTIALS`:
  there is no `credentials.managedIdentity`) gets an advisory note and counts for nothing.

Parsing is apim_xml.py: rawxml policy expressions are read by a C# lexer (string, verbatim,
interpolated and character literals, comments, nested brackets) and replaced by placeholders
before the document is parsed with xml.etree.ElementTree; an expression the lexer cannot read
unambiguously makes the document unreadable (a violation). A DTD or entity declaration is refused
before parsing (no entity expansion).

Stack policies:
- every API's effective inbound policy validates Entra ID tokens (validate-azure-ad-token or
  validate-jwt) and authenticates to the backend with the managed identity
  (authentication-managed-identity). Effective: the API policy's inbound section, plus the
  service-level policy's when it keeps <base /> (an API without a policy inherits the service
  policy). An operation policy whose inbound drops <base /> must satisfy both itself. Only the
  unconditional inbound path counts (direct children of <inbound> before any <return-response>):
  an element inside <choose>/<when> may never run. Product policies do not count (they apply only
  to calls through that product).
- when the stack has AI accounts, a role assignment to the API Management identity that is scoped
  to an AI account grants Cognitive Services OpenAI User or Cognitive Services User only. Both
  providers count in every position: azure-native and classic (`azure:apimanagement/service`)
  gateways, azure-native and classic (`azure:cognitive/account`, `azure:cognitive/aIServices`) AI
  accounts, azure-native and classic (`azure:authorization/assignment`, by roleDefinitionName or
  roleDefinitionId) role assignments (rbac.assignments); a classic role name that is no known
  built-in role is not an inference role.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Final, Literal

from .. import reference, tokens
from ..apim_xml import KEY_HEADERS, PolicyDocument, read_policy
from ..config import PolicyConfig
from ..framework import Field, Finding, Resource, ResourcePolicySpec, StackPolicySpec, unknown_value, violation
from ..stackindex import StackIndex, StackResource
from ..values import UNKNOWN, as_dict, describe, in_ci, str_or_none
from .rbac import assignments, scope_targets

_CONTROLS = ("MOD-4",)
LINK_FORMATS: Final[tuple[str, ...]] = ("xml-link", "rawxml-link")
POLICY_TYPES: Final[tuple[str, ...]] = (
    tokens.APIM_API_POLICY,
    tokens.APIM_OPERATION_POLICY,
    tokens.APIM_SERVICE_POLICY,
    tokens.APIM_PRODUCT_POLICY,
)
_MI_HINT = '<authentication-managed-identity resource="https://cognitiveservices.azure.com" />'
_JWT_HINT = '<validate-azure-ad-token tenant-id="..."> with the gateway app\'s audience'


# --- Reading policy documents (apim_xml.py) ------------------------------------------------------


Content = PolicyDocument | Literal["unknown"]


def policy_content(format_: object, value: object) -> Content | str:
    """The document of a policy resource, "unknown" during preview, or why it cannot be read
    (a link format, no content) as a plain string."""
    if format_ is UNKNOWN or value is UNKNOWN:
        return "unknown"
    if in_ci(format_, LINK_FORMATS):
        return (
            f"loads its policy from a URL (format {describe(format_)}), so neither the pack nor a "
            "reviewer sees what the gateway enforces: inline the policy with format 'rawxml' (or 'xml')"
        )
    if format_ is not None and format_ not in ("xml", "rawxml"):
        return (
            f"has an unknown policy format {describe(format_)} (not exactly 'xml' or 'rawxml'), so the "
            "pack cannot tell how the gateway reads it: set format = 'rawxml' (or 'xml')"
        )
    text = str_or_none(value)
    if text is None:
        return "has no policy content (value is not set): write the policy document inline"
    return read_policy(text, format_ if isinstance(format_, str) else "xml")


# --- Resource rules ------------------------------------------------------------------------------


def _policy_document(resource: Resource, _config: PolicyConfig) -> Iterator[Finding]:
    """A policy document is inline, well-formed and sets no api-key."""
    content = policy_content(resource.get("format"), resource.get("value"))
    if content == "unknown":
        yield unknown_value(resource.subject, "value")
    elif isinstance(content, str):
        yield violation(f"{resource.subject} {content}.")
    elif content.problem is not None:
        yield violation(
            f"{resource.subject} holds a policy document that {content.problem}: fix the XML (with format "
            "'rawxml' policy expressions @(...) and @{...} may stay unescaped, everything else must "
            "be well-formed XML under <policies>)."
        )
    else:
        yield from _document_findings(resource, content)


def _document_findings(resource: Resource, content: PolicyDocument) -> Iterator[Finding]:
    """Keys and token validation that does not validate Entra ID tokens of one tenant."""
    for problem in content.weak_validation:
        yield violation(
            f"{resource.subject} validates tokens in a way that does not pin Entra ID ({problem}): use "
            f'{_JWT_HINT}, or validate-jwt with <openid-config url="https://login.microsoftonline.com/'
            '<tenant-id>/v2.0/.well-known/openid-configuration" /> and <audiences>.'
        )
    if content.key_settings:
        yield violation(
            f"{resource.subject} sends a key ({', '.join(content.key_settings)}): remove it and "
            f"authenticate with the gateway's managed identity, {_MI_HINT}; a key in a policy or "
            "named value bypasses Entra ID and has to be rotated by hand."
        )


# Backend credentials that are keys: header and query parameter names (compared lower-case,
# stripped). `subscription-key` is the query-parameter form of Ocp-Apim-Subscription-Key.
_KEY_PARAMETERS: Final[Mapping[str, frozenset[str]]] = {
    "header": KEY_HEADERS | {"authorization"},
    "query": KEY_HEADERS | {"subscription-key"},
}


BACKEND_CREDENTIALS: Final[tuple[str, ...]] = ("authorization", "certificate", "certificateIds", "header", "query")
"""Every property of a backend's `credentials` in every API Management REST API version published
as of 2026-12-07: `BackendCredentialsContract` in the azure-rest-api-specs TypeSpec source
(specification/apimanagement/resource-manager/Microsoft.ApiManagement/ApiManagement/models.tsp,
commit 056d4c583c9548f92f6456fd63aed269489ca1a7), in the generated types of 2025-03-01-preview and
2025-09-01-preview (Azure/bicep-types-az generated/apimanagement/.../types.md) and in the installed
azure-native SDK's `BackendCredentialsContractArgs` (REST API 2024-05-01). None carries a managed
identity: Learn's backends article describes a portal option for managed-identity authorization
credentials, but no API version a Pulumi program (or an ARM template) can send defines it, so a
`credentials.managedIdentity` (or any other unknown key) is not counted as the gateway
authenticating with its identity: only `<authentication-managed-identity>` in the API's effective
policy is (the stack policy below)."""


def _backend_credentials(resource: Resource, _config: PolicyConfig) -> Iterator[Finding]:
    """A backend sends no key: no api-key / subscription-key / Authorization header or query
    parameter and no credentials.authorization parameter (whatever their case or blanks). A
    credentials key no API version defines (e.g. managedIdentity) gets an advisory note: it
    authenticates nothing and does not count for MOD-4."""
    credentials = resource.get("credentials")
    unknown_keys = sorted(key for key in as_dict(credentials) or {} if key not in BACKEND_CREDENTIALS)
    if unknown_keys:
        yield Finding(
            message=(
                f"{resource.subject} sets credentials.{', credentials.'.join(unknown_keys)}, which no API Management REST "
                f"API version defines (backend credentials are {', '.join(BACKEND_CREDENTIALS)}): it does not make the "
                f"gateway authenticate with its managed identity and does not count for that; put {_MI_HINT} in the "
                "API's inbound policy."
            ),
            unknown=True,
        )
    for part, names in _KEY_PARAMETERS.items():
        values = resource.get(f"credentials.{part}")
        if values is UNKNOWN:
            yield unknown_value(resource.subject, f"credentials.{part}")
            continue
        keys = sorted(key for key in as_dict(values) or {} if key.strip().lower() in names)
        if keys:
            yield violation(
                f"{resource.subject} sends a key to its backend (credentials.{part} has "
                f"{', '.join(repr(key) for key in keys)}): remove it and authenticate in the API policy "
                f"with {_MI_HINT}."
            )
    parameter = resource.get("credentials.authorization.parameter")
    if parameter is UNKNOWN:
        yield unknown_value(resource.subject, "credentials.authorization.parameter")
    elif parameter is not None and not (isinstance(parameter, str) and not parameter.strip()):
        yield violation(
            f"{resource.subject} sends a literal credential to its backend (credentials.authorization "
            f"with scheme {describe(resource.get('credentials.authorization.scheme'))}): remove it and "
            f"authenticate in the API policy with {_MI_HINT}."
        )


# --- Stack rule: Entra callers and managed-identity backend auth on every API ----------------------


def _names(resources: Sequence[StackResource], prop: str) -> dict[str, list[StackResource]]:
    """Resources by their (lower-case) name input `prop` and `name` output."""
    found: dict[str, list[StackResource]] = {}
    for resource in resources:
        names = {value.lower() for value in (resource.get(prop), resource.get("name")) if isinstance(value, str) and value}
        for name in names:
            found.setdefault(name, []).append(resource)
    return found


def _owner(
    stack: StackIndex, child: StackResource, prop: str, candidates: Sequence[StackResource], names: Mapping[str, list[StackResource]]
) -> StackResource | None:
    """The resource (API or service) a child names in `prop`: by property dependency, by name,
    by its id after deployment, or the only candidate of the stack."""
    types = {candidate.type for candidate in candidates}
    linked = stack.dependencies_via(child, prop, types)
    if linked:
        return linked[0]
    value = child.get(prop)
    named = names.get(value.lower(), []) if isinstance(value, str) else []
    if len(named) == 1:
        return named[0]
    ancestor = stack.ancestor(child, types)
    if ancestor is not None:
        return ancestor
    return candidates[0] if len(candidates) == 1 else None


def _content(resource: StackResource) -> Content | None:
    """A stack policy resource's document; None when it cannot be read (the resource policy
    reports that)."""
    content = policy_content(resource.get("format"), resource.get("value"))
    if isinstance(content, PolicyDocument) and content.problem is None:
        return content
    return "unknown" if content == "unknown" else None


Verdict = Literal["ok", "missing", "unknown", "unreadable"]


def _verdict(own: Content | None, has_own: bool, parent: Content | None, has_parent: bool, attribute: str) -> Verdict:
    """Whether a requirement (a PolicyDocument attribute) holds for a document, looking at its
    parent document when it inherits (<base /> or no document of its own)."""
    if has_own:
        if own is None:
            return "unreadable"
        if own == "unknown":
            return "unknown"
        if getattr(own, attribute):
            return "ok"
        if not own.inherits:
            return "missing"
    if not has_parent:
        return "missing"
    if parent is None:
        return "unreadable"
    if parent == "unknown":
        return "unknown"
    return "ok" if getattr(parent, attribute) else "missing"


@dataclass(frozen=True)
class _Requirement:
    attribute: str
    problem: str
    fix: str


_REQUIREMENTS: Final[tuple[_Requirement, ...]] = (
    _Requirement(
        "validates",
        "does not validate the callers' Entra ID tokens (no validate-azure-ad-token for the tenant, or "
        "validate-jwt against Entra ID's openid-config with audiences, on the unconditional inbound "
        "path: not inside <choose>, not after <return-response>, not in <outbound> or <on-error>;",
        f"add {_JWT_HINT} to the inbound section, so only Entra ID callers with the gateway's app role get through",
    ),
    _Requirement(
        "managed_identity",
        "does not authenticate to its backend with the gateway's managed identity (no "
        "authentication-managed-identity on the unconditional inbound path;",
        f"add {_MI_HINT} to the inbound section and remove any key",
    ),
)


def _findings(subject: StackResource, where: str, verdicts: Sequence[tuple[_Requirement, Verdict]]) -> Iterator[Finding]:
    """Findings of one API or operation policy from its verdicts."""
    for requirement, verdict in verdicts:
        if verdict == "unknown":
            yield unknown_value(subject.subject, f"policy document ({requirement.attribute})", urn=subject.urn, name=subject.name)
        elif verdict == "missing":
            yield violation(
                f"{subject.subject} {requirement.problem} {where}): {requirement.fix}.",
                urn=subject.urn,
                name=subject.name,
            )


def _gateway_authentication(stack: StackIndex, _config: PolicyConfig) -> Iterator[Finding]:
    """Every API validates Entra ID callers and uses the managed identity towards its backend."""
    apis = stack.of_type(tokens.APIM_API)
    operation_policies = stack.of_type(tokens.APIM_OPERATION_POLICY)
    if not apis and not operation_policies:
        return
    services = stack.of_type(tokens.APIM_SERVICE)
    service_names = _names(services, "serviceName")
    service_docs: dict[str, Content | None] = {}
    for policy in stack.of_type(tokens.APIM_SERVICE_POLICY):
        service = _owner(stack, policy, "serviceName", services, service_names)
        service_docs[service.urn if service else ""] = _content(policy)
    api_names = _names(apis, "apiId")
    api_docs: dict[str, Content | None] = {}
    for policy in stack.of_type(tokens.APIM_API_POLICY):
        api = _owner(stack, policy, "apiId", apis, api_names)
        if api is not None:
            api_docs[api.urn] = _content(policy)
    for api in apis:
        service = _owner(stack, api, "serviceName", services, service_names)
        key = service.urn if service is not None and service.urn in service_docs else ""
        verdicts: list[tuple[_Requirement, Verdict]] = [
            (
                requirement,
                _verdict(api_docs.get(api.urn), api.urn in api_docs, service_docs.get(key), key in service_docs, requirement.attribute),
            )
            for requirement in _REQUIREMENTS
        ]
        yield from _findings(api, "of its API policy or of the service-level policy it inherits with <base />", verdicts)
    for policy in operation_policies:
        own = _content(policy)
        if own == "unknown" or (isinstance(own, PolicyDocument) and own.inherits):
            continue
        own_verdicts: list[tuple[_Requirement, Verdict]] = [
            (requirement, _verdict(own, True, None, False, requirement.attribute)) for requirement in _REQUIREMENTS
        ]
        yield from _findings(policy, "and it drops the API's policy: no <base /> in its inbound section", own_verdicts)


# --- Stack rule: least privilege of the gateway's identity on the AI account -------------------


_GATEWAYS: frozenset[str] = frozenset({tokens.APIM_SERVICE, tokens.AZ_APIM_SERVICE})
_AI_ACCOUNTS: frozenset[str] = frozenset({tokens.COGNITIVE_ACCOUNT, tokens.AZ_COGNITIVE_ACCOUNT, tokens.AZ_AI_SERVICES})


def _gateway_role(stack: StackIndex, _config: PolicyConfig) -> Iterator[Finding]:
    """The gateway identity holds only an inference role on the AI accounts of the stack."""
    if not stack.of_type(*_GATEWAYS) or not stack.of_type(*_AI_ACCOUNTS):
        return
    for assignment in assignments(stack):
        principal = assignment.principal
        if principal is None or principal[1].type not in _GATEWAYS:
            continue
        accounts = scope_targets(stack, assignment.resource, _AI_ACCOUNTS)
        if not accounts:
            continue
        role = assignment.role
        if role.value is UNKNOWN:
            yield unknown_value(assignment.subject, role.prop, urn=assignment.urn, name=assignment.name)
        elif role.name not in reference.AI_DATA_PLANE_ROLES:
            yield violation(
                f"{assignment.subject} grants {role.label} on {accounts[0].subject} to the "
                f"managed identity of {principal[1].subject}: the gateway may hold only "
                f"{' or '.join(sorted(reference.AI_DATA_PLANE_ROLES))} on the AI account; grant one "
                "of those instead.",
                urn=assignment.urn,
                name=assignment.name,
            )


_POLICY_FIELDS: tuple[Field, ...] = tuple(
    field for token in POLICY_TYPES for field in (Field(token, "format", ("xml", "rawxml", *LINK_FORMATS)), Field(token, "value"))
)

POLICIES: tuple[ResourcePolicySpec | StackPolicySpec, ...] = (
    ResourcePolicySpec(
        name="azurenative-apimanagement-policy-no-backend-keys",
        controls=_CONTROLS,
        description="API Management policies must be inline, well-formed XML that sends no api-key to backends.",
        severity="high",
        remediation=(
            "Write policies inline (format 'rawxml' or 'xml'), keep them well-formed, and replace any "
            '<set-header name="api-key"> with <authentication-managed-identity resource='
            '"https://cognitiveservices.azure.com" /> after granting the gateway\'s identity '
            "Cognitive Services OpenAI User on the AI account."
        ),
        fields=_POLICY_FIELDS,
        resource_types=POLICY_TYPES,
        rule=_policy_document,
    ),
    ResourcePolicySpec(
        name="azurenative-apimanagement-backend-no-api-key",
        controls=_CONTROLS,
        description="API Management backends must not carry an api-key credential.",
        severity="high",
        remediation=(
            "Remove api-key from the backend's credentials.header and credentials.query; authenticate "
            "to the model endpoint with <authentication-managed-identity> in the API policy."
        ),
        fields=(
            Field(tokens.APIM_BACKEND, "credentials"),
            Field(tokens.APIM_BACKEND, "credentials.header"),
            Field(tokens.APIM_BACKEND, "credentials.query"),
            Field(tokens.APIM_BACKEND, "credentials.authorization.parameter"),
            Field(tokens.APIM_BACKEND, "credentials.authorization.scheme"),
        ),
        resource_types=(tokens.APIM_BACKEND,),
        rule=_backend_credentials,
    ),
    StackPolicySpec(
        name="azurenative-apimanagement-api-entra-managed-identity-auth",
        controls=_CONTROLS,
        description=(
            "Every API behind API Management must validate Entra ID tokens of its callers and call "
            "its backend with the gateway's managed identity."
        ),
        severity="high",
        remediation=(
            "In each API's policy (or the service-level policy it inherits with <base />), put "
            "<validate-azure-ad-token> (or <validate-jwt>) and <authentication-managed-identity> in "
            "the inbound section; operation policies keep <base /> in their inbound section."
        ),
        fields=(
            *_POLICY_FIELDS,
            Field(tokens.APIM_API_POLICY, "apiId"),
            Field(tokens.APIM_API, "apiId"),
            Field(tokens.APIM_API, "serviceName"),
            Field(tokens.APIM_SERVICE_POLICY, "serviceName"),
            Field(tokens.APIM_SERVICE, "serviceName"),
        ),
        rule=_gateway_authentication,
    ),
    StackPolicySpec(
        name="azurenative-apimanagement-service-gateway-least-privilege",
        controls=_CONTROLS,
        description=(
            "The API Management identity may hold only Cognitive Services OpenAI User or Cognitive "
            "Services User on the AI accounts it fronts."
        ),
        severity="high",
        remediation=(
            "Grant the gateway's managed identity Cognitive Services OpenAI User (or Cognitive Services "
            "User) on the AI account and remove any other role it holds there."
        ),
        fields=(
            Field(tokens.ROLE_ASSIGNMENT, "principalId"),
            Field(tokens.ROLE_ASSIGNMENT, "roleDefinitionId"),
            Field(tokens.ROLE_ASSIGNMENT, "scope"),
            *(Field(tokens.AZ_ROLE_ASSIGNMENT, prop) for prop in ("principalId", "roleDefinitionId", "roleDefinitionName", "scope")),
            Field(tokens.AZ_APIM_SERVICE, "identity.principalId"),
        ),
        rule=_gateway_role,
    ),
)
