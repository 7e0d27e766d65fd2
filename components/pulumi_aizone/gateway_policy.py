"""The AI gateway's API policy, generated from typed inputs (MOD-4). Pure: no Pulumi in here.

One function, `inference_policy(spec)`, returns the policy document of the inference API. What it
enforces, in pipeline order (element and attribute names as in Microsoft's API Management policy
reference, pages cited next to each builder below):

inbound
  1. `validate-azure-ad-token`: the caller presents an Entra ID access token issued by our tenant
     for the gateway's app registration (audience: its identifier URI or client id) that carries the
     gateway's app role in its `roles` claim. Anything else gets 401 before any other work is done.
  2. `set-variable`: the caller's id, read from the validated token: its `oid` (the object id of
     the user or workload identity that called) and, when present, the client application (`azp`
     in v2 tokens, `appid` in v1) as `<oid>@<client>`. It is the key of the token limit and a
     metric dimension, so every user of one client application has a budget of their own.
  3. `set-backend-service`: the model backend entity (its circuit breaker sheds load on 429/5xx).
  4. `llm-token-limit`: tokens per minute per caller; 429 with Retry-After beyond it.
  5. `llm-content-safety` (optional): prompt shields at the gateway, through a Content Safety
     backend, before the prompt reaches the model.
  6. `llm-emit-token-metric` (when an Application Insights logger is wired): prompt/completion/
     total tokens per caller and API.
  7. `authentication-managed-identity`: the gateway calls the model with its own managed identity
     (no keys anywhere); this replaces the caller's Authorization header.
backend
  8. `retry` around `forward-request` on 429, a bounded number of times.

Well-formed by construction: element text goes through `xml.sax.saxutils.escape` and every
attribute through `quoteattr`, which picks single quotes for policy expressions that contain double
quotes, so expressions need no entity escapes and read the same in the `xml` and `rawxml` formats.
The result is parsed once more before it is returned.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

from .base import implements

# The token audience of Azure AI services (Azure OpenAI, Content Safety): what the gateway's
# managed identity asks Entra ID for. https://learn.microsoft.com/azure/ai-services/authentication
COGNITIVE_SERVICES_RESOURCE = "https://cognitiveservices.azure.com"
# Who called: `oid`, the object id of the user or service principal the token was issued to (present
# in v1 and v2 access tokens). `azp` (v2) / `appid` (v1) name only the client application: for a
# delegated (user) token every user of one client shares it, so they qualify the key, never replace
# it. https://learn.microsoft.com/entra/identity-platform/access-token-claims-reference
PRINCIPAL_CLAIM = "oid"
CLIENT_CLAIMS = ("azp", "appid")
CALLER_TOKEN_VARIABLE = "aizone-caller-token"
CALLER_ID_VARIABLE = "aizone-caller-id"
CALLER_DIMENSION = "Caller ID"
# Default dimensions of llm-emit-token-metric that take their value from the gateway itself.
DEFAULT_DIMENSIONS = ("API ID", "Operation ID")
MAX_RETRY_COUNT = 10  # the retry policy allows 1..50; more than a few retries only piles up load
_IDENTIFIER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,79}$")
_CLAIM = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")
_INDENT = "    "
_WHITESPACE_REFERENCES = {"\n": "&#10;", "\r": "&#13;", "\t": "&#9;"}


class PolicyError(ValueError):
    """An input the policy cannot be generated from. Raised before anything is registered."""


@dataclass(frozen=True)
class InferencePolicySpec:
    """Everything the inference API's policy depends on, as plain values.

    `audiences`: accepted `aud` values (the app registration's identifier URI, for v1 tokens, and
    its client id, for v2 tokens). `required_role`: the app role callers must hold. `backend_id`:
    the model backend entity. `client_application_ids`: optionally, the only client applications
    allowed (empty: any client holding the role). `content_safety_backend_id`: when set, prompts
    are checked by `llm-content-safety` with prompt shields on. `retry_count`: retries on 429
    (0 = none). `emit_token_metrics`: False leaves out `llm-emit-token-metric` (for a gateway with
    no Application Insights logger, where the metric would go nowhere)."""

    tenant_id: str
    audiences: tuple[str, ...]
    required_role: str
    backend_id: str
    tokens_per_minute: int
    estimate_prompt_tokens: bool = True
    client_application_ids: tuple[str, ...] = ()
    principal_claim: str = PRINCIPAL_CLAIM
    client_claims: tuple[str, ...] = CLIENT_CLAIMS
    metric_namespace: str = "aizone-gateway"
    content_safety_backend_id: str | None = None
    retry_count: int = 2
    retry_interval_seconds: int = 2
    retry_max_interval_seconds: int = 10
    backend_resource: str = COGNITIVE_SERVICES_RESOURCE
    emit_token_metrics: bool = True


@implements("MOD-4")
def inference_policy(spec: InferencePolicySpec) -> str:
    """The policy document of the inference API (see the module docstring for what it enforces)."""
    _check(spec)
    inbound = [
        "<base />",
        _validate_token(spec),
        _element("set-variable", {"name": CALLER_ID_VARIABLE, "value": caller_id_expression(spec.principal_claim, spec.client_claims)}),
        _element("set-backend-service", {"backend-id": spec.backend_id}),
        _token_limit(spec),
    ]
    if spec.content_safety_backend_id:
        inbound.append(_content_safety(spec.content_safety_backend_id))
    if spec.emit_token_metrics:
        inbound.append(_token_metric(spec))
    inbound.append(_managed_identity(spec.backend_resource))
    document = _element(
        "policies",
        {},
        _element("inbound", {}, *inbound),
        _element("backend", {}, _forward(spec)),
        _element("outbound", {}, "<base />"),
        _element("on-error", {}, "<base />"),
    )
    ET.fromstring(document)  # well-formed by construction; this keeps it so
    return document


def caller_id_expression(principal_claim: str, client_claims: tuple[str, ...]) -> str:
    """A policy expression: `<principal>@<client>` from the validated token, `<principal>` when it
    names no client, "unknown" without a principal claim (the token validation in front makes that
    unreachable for tokens our tenant issued).

    `Jwt.Claims.GetValueOrDefault(name, default)` is documented in
    https://learn.microsoft.com/azure/api-management/api-management-policy-expressions (Jwt)."""
    client = '""'
    for claim in reversed(client_claims):
        client = f'token.Claims.GetValueOrDefault("{claim}", {client})'
    return (
        f'@{{ var token = (Jwt)context.Variables["{CALLER_TOKEN_VARIABLE}"]; '
        f'var principal = token.Claims.GetValueOrDefault("{principal_claim}", "unknown"); '
        f"var client = {client}; "
        'return client == "" ? principal : principal + "@" + client; }'
    )


def _caller_id_reference() -> str:
    return f'@((string)context.Variables["{CALLER_ID_VARIABLE}"])'


def _validate_token(spec: InferencePolicySpec) -> str:
    """https://learn.microsoft.com/azure/api-management/validate-azure-ad-token-policy
    Child elements in the documented order; `client-application-ids` is optional when audiences are
    given."""
    children: list[str] = []
    if spec.client_application_ids:
        children.append(
            _element(
                "client-application-ids",
                {},
                *(_text_element("application-id", app_id) for app_id in spec.client_application_ids),
            )
        )
    children.append(_element("audiences", {}, *(_text_element("audience", aud) for aud in spec.audiences)))
    children.append(
        _element(
            "required-claims",
            {},
            _element("claim", {"name": "roles", "match": "any"}, _text_element("value", spec.required_role)),
        )
    )
    return _element(
        "validate-azure-ad-token",
        {
            "tenant-id": spec.tenant_id,
            "header-name": "Authorization",
            "failed-validation-httpcode": "401",
            "failed-validation-error-message": "Unauthorized: an Entra ID access token for this gateway with the "
            f"{spec.required_role} role is required.",
            "output-token-variable-name": CALLER_TOKEN_VARIABLE,
        },
        *children,
    )


def _token_limit(spec: InferencePolicySpec) -> str:
    """https://learn.microsoft.com/azure/api-management/llm-token-limit-policy"""
    return _element(
        "llm-token-limit",
        {
            "counter-key": _caller_id_reference(),
            "tokens-per-minute": str(spec.tokens_per_minute),
            "estimate-prompt-tokens": _bool(spec.estimate_prompt_tokens),
            "remaining-tokens-header-name": "x-ratelimit-remaining-tokens",
        },
    )


def _content_safety(backend_id: str) -> str:
    """https://learn.microsoft.com/azure/api-management/llm-content-safety-policy
    `shield-prompt="true"`: Prompt Shields checks the prompt for user (jailbreak) attacks."""
    return _element("llm-content-safety", {"backend-id": backend_id, "shield-prompt": "true"})


def _token_metric(spec: InferencePolicySpec) -> str:
    """https://learn.microsoft.com/azure/api-management/llm-emit-token-metric-policy
    At most 5 custom dimensions; the default dimensions (API ID, Operation ID) take no value."""
    dimensions = [_element("dimension", {"name": CALLER_DIMENSION, "value": _caller_id_reference()})]
    dimensions += [_element("dimension", {"name": name}) for name in DEFAULT_DIMENSIONS]
    return _element("llm-emit-token-metric", {"namespace": spec.metric_namespace}, *dimensions)


def _managed_identity(resource: str) -> str:
    """https://learn.microsoft.com/azure/api-management/authentication-managed-identity-policy
    No client-id: the service's system-assigned identity."""
    return _element("authentication-managed-identity", {"resource": resource})


def _forward(spec: InferencePolicySpec) -> str:
    """https://learn.microsoft.com/azure/api-management/retry-policy and forward-request-policy.
    The body is buffered so that a retry can send it again."""
    if spec.retry_count == 0:
        return _element("forward-request", {"buffer-request-body": "false"})
    return _element(
        "retry",
        {
            "condition": "@(context.Response.StatusCode == 429)",
            "count": str(spec.retry_count),
            "interval": str(spec.retry_interval_seconds),
            "max-interval": str(spec.retry_max_interval_seconds),
            "delta": str(spec.retry_interval_seconds),
            "first-fast-retry": "false",
        },
        _element("forward-request", {"buffer-request-body": "true"}),
    )


def _check(spec: InferencePolicySpec) -> None:
    """Reject inputs that would make an invalid or an open policy."""
    problems: list[str] = []
    if not spec.tenant_id.strip():
        problems.append("tenant_id is empty")
    if not spec.audiences or any(not aud.strip() for aud in spec.audiences):
        problems.append("audiences must name at least one non-empty audience")
    if not spec.required_role.strip():
        problems.append("required_role is empty: every caller must hold the gateway's app role")
    for label, value in (("backend_id", spec.backend_id), ("content_safety_backend_id", spec.content_safety_backend_id)):
        if value is not None and not _IDENTIFIER.match(value):
            problems.append(f"{label} {value!r} is not a backend identifier (letters, digits, '.', '_', '-')")
    if not _CLAIM.match(spec.principal_claim):
        problems.append(f"principal_claim {spec.principal_claim!r} must be a claim name (letters, digits, '_')")
    if any(not _CLAIM.match(claim) for claim in spec.client_claims):
        problems.append(f"client_claims {spec.client_claims!r} must be claim names (letters, digits, '_')")
    if not _IDENTIFIER.match(spec.metric_namespace):
        problems.append(f"metric_namespace {spec.metric_namespace!r} must be letters, digits, '.', '_', '-'")
    if spec.tokens_per_minute < 1:
        problems.append(f"tokens_per_minute must be at least 1, got {spec.tokens_per_minute}")
    if not 0 <= spec.retry_count <= MAX_RETRY_COUNT:
        problems.append(f"retry_count must be between 0 and {MAX_RETRY_COUNT}, got {spec.retry_count}")
    if spec.retry_interval_seconds < 1 or spec.retry_max_interval_seconds < spec.retry_interval_seconds:
        problems.append("retry intervals must be positive, with max interval >= interval")
    if problems:
        raise PolicyError("cannot generate the gateway policy: " + "; ".join(problems))


def _element(tag: str, attributes: dict[str, str], *children: str) -> str:
    """`<tag a='..'>children</tag>`, or self-closing without children. Attributes are quoted with
    `quoteattr` (which escapes &, <, > and picks the quote character the value does not contain)."""
    attrs = "".join(f" {name}={quoteattr(value)}" for name, value in attributes.items())
    if not children:
        return f"<{tag}{attrs} />"
    body = "\n".join(_INDENT + line for child in children for line in child.splitlines())
    return f"<{tag}{attrs}>\n{body}\n</{tag}>"


def _text_element(tag: str, text: str) -> str:
    """`<tag>text</tag>` on one line: the text escaped, line breaks and tabs as character references
    (so indenting the document never changes a value)."""
    return f"<{tag}>{escape(text, _WHITESPACE_REFERENCES)}</{tag}>"


def _bool(value: bool) -> str:
    return "true" if value else "false"
