"""The preflight's only way out: GET requests to Azure Resource Manager and Microsoft Graph.

`Transport` is what the checks call; `AzureTransport` is the real one (the deployer's own
credentials through azure-identity's `DefaultAzureCredential`, plain HTTPS through urllib), and tests
hand the checks a transport that answers from recorded responses. azure-identity is an optional
dependency (`pip install 'pulumi-aizone[preflight]'`): it is imported inside `AzureTransport`, so
this module imports without it.
"""

from __future__ import annotations

import base64
import json
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator, Mapping, Protocol

ARM = "https://management.azure.com"
GRAPH = "https://graph.microsoft.com"
# One token audience per host: `<resource>/.default` asks for the permissions already granted to
# the deployer (Learn "Scopes and permissions in the Microsoft identity platform", the .default scope).
_SCOPES: Mapping[str, str] = {ARM: f"{ARM}/.default", GRAPH: f"{GRAPH}/.default"}
_TIMEOUT_SECONDS = 60
_MAX_PAGES = 50


class PreflightUsageError(Exception):
    """Bad input or no usable sign-in: the preflight exits 2 with this message."""


@dataclass(frozen=True)
class Reply:
    """An HTTP answer: status code and the decoded JSON body (None when it had none)."""

    status: int
    body: Any = None

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    def error(self) -> str:
        """ARM's and Graph's error shape, `{"error": {"code", "message"}}`, as one short text."""
        error = self.body.get("error") if isinstance(self.body, dict) else None
        if isinstance(error, dict):
            code, message = error.get("code", ""), str(error.get("message", "")).strip()
            return f"HTTP {self.status} {code}: {message}".rstrip(": ")
        return f"HTTP {self.status}"


@dataclass(frozen=True)
class Identity:
    """Who runs the preflight, from the claims of its own access tokens (Learn "Access token claims
    reference": `oid` object id, `tid` tenant; a delegated token carries `scp`, an app-only token
    does not and carries the application permissions in `roles`)."""

    object_id: str
    tenant_id: str
    is_app: bool = False
    graph_app_roles: frozenset[str] = field(default_factory=frozenset)


class Transport(Protocol):
    def get(self, url: str) -> Reply: ...

    def identity(self) -> Identity: ...


def list_values(transport: Transport, url: str) -> tuple[Reply, list[Any]]:
    """Every item of a paged list: ARM pages with `nextLink`, Graph with `@odata.nextLink`.
    Returns the first failing reply (or the last page) and the items gathered so far."""
    items: list[Any] = []
    next_url: str | None = url
    reply = Reply(0)
    for _ in range(_MAX_PAGES):
        if not next_url:
            break
        reply = transport.get(next_url)
        if not reply.ok or not isinstance(reply.body, dict):
            return reply, items
        value = reply.body.get("value")
        items.extend(value if isinstance(value, list) else [])
        next_url = reply.body.get("nextLink") or reply.body.get("@odata.nextLink")
    return reply, items


def token_claims(token: str) -> dict[str, Any]:
    """The payload of a JWT access token (not verified: it is our own token, read for its claims)."""
    try:
        payload = token.split(".")[1]
        return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (IndexError, ValueError) as exc:
        raise PreflightUsageError(f"the access token is not a JWT ({exc}); sign in again (az login)") from None


def identity_from_claims(arm_claims: Mapping[str, Any], graph_claims: Mapping[str, Any]) -> Identity:
    object_id, tenant_id = arm_claims.get("oid"), arm_claims.get("tid")
    if not isinstance(object_id, str) or not isinstance(tenant_id, str):
        raise PreflightUsageError("the access token has no object id (oid) or tenant (tid) claim; sign in as a user or service principal")
    is_app = arm_claims.get("idtyp") == "app" or "scp" not in arm_claims
    roles = graph_claims.get("roles") if is_app else None
    return Identity(object_id, tenant_id, is_app, frozenset(r for r in roles or () if isinstance(r, str)))


class AzureTransport:
    """GET with a bearer token from `DefaultAzureCredential` (Azure CLI sign-in, the `AZURE_*`
    environment variables, workload identity, managed identity; azure-identity 1.27)."""

    def __init__(self, credential: Any = None, opener: Callable[..., Any] | None = None) -> None:
        if credential is None:
            try:
                from azure.identity import DefaultAzureCredential
            except ImportError:
                raise PreflightUsageError(
                    "azure-identity is not installed; install the preflight extra: pip install 'pulumi-aizone[preflight]' "
                    "(or pip install -r requirements-preflight.txt)"
                ) from None
            credential = DefaultAzureCredential()
        self._credential = credential
        self._open = opener or urllib.request.urlopen
        self._tokens: dict[str, str] = {}

    def _token(self, host: str) -> str:
        if host not in self._tokens:
            try:
                self._tokens[host] = self._credential.get_token(_SCOPES[host]).token
            except Exception as exc:  # azure-identity raises ClientAuthenticationError and friends
                first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
                raise PreflightUsageError(
                    f"cannot get a token for {host}: {first_line}; sign in (az login) or set the AZURE_* variables"
                ) from None
        return self._tokens[host]

    def get(self, url: str) -> Reply:
        host = next((h for h in _SCOPES if url.startswith(h + "/")), None)
        if host is None:
            raise ValueError(f"preflight only calls {ARM} and {GRAPH}, not {url}")
        request = urllib.request.Request(url, headers={"Authorization": f"Bearer {self._token(host)}", "Accept": "application/json"})
        try:
            with self._open(request, timeout=_TIMEOUT_SECONDS) as response:
                return Reply(response.status, _json(response.read()))
        except urllib.error.HTTPError as exc:
            return Reply(exc.code, _json(exc.read()))
        except urllib.error.URLError as exc:
            raise PreflightUsageError(f"cannot reach {host}: {exc.reason}") from None

    def identity(self) -> Identity:
        return identity_from_claims(token_claims(self._token(ARM)), token_claims(self._token(GRAPH)))


def _json(data: bytes) -> Any:
    try:
        return json.loads(data) if data else None
    except ValueError:
        return None


def iter_pages(items: list[Any]) -> Iterator[Mapping[str, Any]]:
    """The dict items of a list (anything else in `value` is ignored)."""
    return (item for item in items if isinstance(item, dict))
