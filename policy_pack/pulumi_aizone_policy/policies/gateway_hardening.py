"""The AI gateway's own hardening as the anchor rule sets judge it (docs/COVERAGE.md): named values,
backends, policy inheritance and CORS, subscriptions and products of API Management.

Property names and defaults are those of pulumi-azure-native 3.29 (`apimanagement`, REST API
2024-05-01):

- `NamedValue` `secret` ("Default value is false"), `value`, `keyVault.secretIdentifier`.
- `Backend` `url`, `tls.validateCertificateChain` / `tls.validateCertificateName` (the SDK's
  `BackendTlsPropertiesArgs` defaults both to true, so absent passes).
- `Subscription` `scope` ("/products/{productId} or /apis or /apis/{apiId}"; `/apis` is every API of
  the service, Azure Policy 3aa03346).
- `Product` `subscriptionRequired` ("If property is omitted when creating a new product it's value
  is assumed to be true"), `productId`, `displayName`; Starter and Unlimited are the sample products
  a Developer/Premium instance is created with (PSRule Azure.APIM.SampleProducts).
- `ApiPolicy` / `ApiOperationPolicy` / `ProductPolicy` / `Policy` / `PolicyFragment` `format` and
  `value` (the XML); unreadable documents are reported by `azurenative-apimanagement-policy-no-backend-keys`.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from typing import Final

from .. import tokens
from ..apim_xml import INHERITED_SECTIONS, Expression, parse_policy, read_fragment, read_inheritance
from ..config import PolicyConfig
from ..framework import Field, Finding, Resource, ResourcePolicySpec, unknown_value, violation
from ..values import UNKNOWN, describe, noncanonical_bool, str_or_none
from .gateway import LINK_FORMATS

# --- Named values -------------------------------------------------------------------------------

# Words that mark a named value as a credential, compared on its names split at anything that is not
# a letter or digit ("OpenAI-Key", "api_key", "SearchAdminKey" all match).
_CREDENTIAL_WORDS: Final = ("key", "secret", "password", "passwd", "pwd", "token", "credential", "connectionstring", "sas")
_CREDENTIAL_VALUE: Final = re.compile(r"(accountkey|sharedaccesskey|password|sig)=|^[A-Za-z0-9+/_\-]{32,}={0,2}$", re.IGNORECASE)
# A GUID (a tenant, client or object id) is an identifier, not a key, though it is 36 characters of
# the key alphabet: the gateway's token audience (its app's client id) is one.
_GUID: Final = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.IGNORECASE)


def _looks_like_credential(name: object) -> bool:
    if not isinstance(name, str):
        return False
    words = [word for word in re.split(r"[^a-z0-9]+", re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", name).lower()) if word]
    joined = "".join(words)
    return any(word in _CREDENTIAL_WORDS for word in words) or any(
        marker in joined for marker in ("apikey", "accesskey", "secret", "password", "connectionstring")
    )


def _named_value(resource: Resource, _config: PolicyConfig) -> Iterator[Finding]:
    """A named value holding a credential lives in Key Vault: `keyVault.secretIdentifier` set. A
    secret without it, or a plain value whose name or content is a credential, is a literal key in
    the gateway's configuration (Azure Policy f1cc7827, PSRule Azure.APIM.EncryptValues)."""
    secret = resource.get("secret")
    if secret is UNKNOWN:
        yield unknown_value(resource.subject, "secret")
        return
    if secret is not None and not isinstance(secret, bool):
        yield violation(
            f"{resource.subject} has a secret flag that is not a boolean (secret is {noncanonical_bool(secret, True)}): "
            "set secret = true (the service and the provider read a string differently)."
        )
        return
    vault = resource.get("keyVault.secretIdentifier")
    if vault is UNKNOWN or (isinstance(vault, str) and vault.strip()):
        return
    value = resource.get("value")
    fix = (
        "store the secret in Key Vault and reference it with keyVault.secretIdentifier (the gateway reads it "
        "with its managed identity), or better, let the gateway authenticate with its managed identity"
    )
    if secret is True:
        yield violation(
            f"{resource.subject} keeps a secret in API Management instead of Key Vault (secret is true, keyVault.secretIdentifier is not set): {fix}."
        )
        return
    names = [resource.get(path) for path in ("displayName", "namedValueId")] + [resource.name]
    named = next((name for name in names if _looks_like_credential(name)), None)
    literal = value if isinstance(value, str) and _CREDENTIAL_VALUE.search(value.strip()) and not _GUID.match(value.strip()) else None
    if named is not None or literal is not None:
        why = f"its name {describe(named)} marks a credential" if named is not None else "its value looks like a key or connection string"
        yield violation(f"{resource.subject} holds a credential in plain text ({why}; secret is {describe(secret)}): {fix}.")


# --- Backends -----------------------------------------------------------------------------------


def _backend_tls(resource: Resource, _config: PolicyConfig) -> Iterator[Finding]:
    """The gateway talks to its backend over https and validates the backend's certificate
    (Azure Policy 92bb331d, PSRule Azure.APIM.HTTPBackend, Checkov CKV_AZURE_215)."""
    for path in ("tls.validateCertificateChain", "tls.validateCertificateName"):
        value = resource.get(path)
        if value is UNKNOWN:
            yield unknown_value(resource.subject, path)
        elif value is not None and value is not True:
            yield violation(
                f"{resource.subject} skips backend certificate validation ({path} is {noncanonical_bool(value, True) or describe(value)}): set it to true "
                "(or leave it unset) so a forged backend cannot read prompts and keys."
            )
    url = resource.get("url")
    if url is UNKNOWN:
        yield unknown_value(resource.subject, "url")
    elif isinstance(url, str) and not url.strip().lower().startswith("https://"):
        yield violation(f"{resource.subject} reaches its backend without TLS (url is {describe(url)}): use the backend's https:// URL.")


# --- Policy documents: inheritance and CORS -----------------------------------------------------------


def _document(resource: Resource) -> Iterator[Finding | tuple[ET.Element, tuple[Expression, ...]]]:
    """Unknown note, or the parsed (root, expressions) of an inline document; nothing for links and
    unreadable documents (the no-backend-keys policy reports those)."""
    format_ = resource.get("format")
    value = resource.get("value")
    if format_ is UNKNOWN or value is UNKNOWN:
        yield unknown_value(resource.subject, "value")
        return
    text = str_or_none(value)
    if text is None or (isinstance(format_, str) and format_.strip().lower() in LINK_FORMATS):
        return
    parsed = parse_policy(text, format_ if isinstance(format_, str) else "xml")
    if not isinstance(parsed, str):
        yield parsed


def _inherits_base(resource: Resource, _config: PolicyConfig) -> Iterator[Finding]:
    """API, operation and product policies run `<base />` in inbound, outbound and on-error, so the
    service-wide rules (authentication, logging, limits) cannot be skipped (Azure Policy d5448c98,
    PSRule Azure.APIM.PolicyBase)."""
    for item in _document(resource):
        if isinstance(item, Finding):
            yield item
            continue
        root, expressions = item
        missing = read_inheritance(root, expressions).missing_base
        if missing:
            yield violation(
                f"{resource.subject} does not inherit the parent scope's policies in {', '.join(f'<{name}>' for name in missing)} "
                "(no <base /> on the section's unconditional path): start each of "
                f"{', '.join(f'<{name}>' for name in INHERITED_SECTIONS)} with <base />."
            )


def _no_wildcard_cors(resource: Resource, _config: PolicyConfig) -> Iterator[Finding]:
    """No `<cors>` element admits every origin (PSRule Azure.APIM.CORSPolicy)."""
    for item in _document(resource):
        if isinstance(item, Finding):
            yield item
            continue
        root, expressions = item
        if read_inheritance(root, expressions).open_origins:
            yield violation(
                f"{resource.subject} lets any website call the API from a browser (<cors> with <origin>*</origin>): "
                "list the exact origins of your front ends in <allowed-origins>."
            )


def _fragment(resource: Resource, _config: PolicyConfig) -> Iterator[Finding]:
    """A policy fragment is readable XML that sends no key and validates tokens the way API
    policies must (it is included into them, and no other policy of the pack reads it)."""
    format_ = resource.get("format")
    value = resource.get("value")
    if format_ is UNKNOWN or value is UNKNOWN:
        yield unknown_value(resource.subject, "value")
        return
    if format_ is not None and format_ not in ("xml", "rawxml"):
        yield violation(
            f"{resource.subject} has an unknown format {describe(format_)} (not exactly 'xml' or 'rawxml'), so the pack "
            "cannot tell how the gateway reads it: set format = 'rawxml' (or 'xml')."
        )
        return
    text = str_or_none(value)
    if text is None:
        yield violation(f"{resource.subject} has no content (value is not set): write the fragment inline.")
        return
    parsed = parse_policy(text, format_ if isinstance(format_, str) else "xml")
    if isinstance(parsed, str):
        yield violation(f"{resource.subject} holds a fragment that {parsed}: fix the XML under <fragment>.")
        return
    keys, weak = read_fragment(*parsed)
    if keys:
        yield violation(
            f"{resource.subject} sends a key ({', '.join(keys)}): remove it and authenticate with the gateway's managed "
            'identity, <authentication-managed-identity resource="https://cognitiveservices.azure.com" />.'
        )
    for problem in weak:
        yield violation(
            f"{resource.subject} validates tokens in a way that does not pin Entra ID ({problem}): validate Entra ID tokens "
            "of your tenant with <validate-azure-ad-token tenant-id=...> and <audiences>."
        )


# --- Subscriptions and products ---------------------------------------------------------------------

_ALL_APIS: Final = re.compile(r"(^|/)apis/*$")
_SAMPLE_PRODUCTS: Final = frozenset({"starter", "unlimited"})


def _subscription_scope(resource: Resource, _config: PolicyConfig) -> Iterator[Finding]:
    """A subscription key opens one product or one API, never every API of the service."""
    scope = resource.get("scope")
    if scope is UNKNOWN:
        yield unknown_value(resource.subject, "scope")
    elif isinstance(scope, str) and _ALL_APIS.search(scope.strip().lower()):
        yield violation(
            f"{resource.subject} is scoped to every API of the service (scope is {describe(scope)}): scope it to "
            "one product (/products/<id>) or one API (/apis/<id>)."
        )


def _product_subscription(resource: Resource, _config: PolicyConfig) -> Iterator[Finding]:
    """Products require a subscription (absent: the service assumes true)."""
    value = resource.get("subscriptionRequired")
    if value is UNKNOWN:
        yield unknown_value(resource.subject, "subscriptionRequired")
    elif value is not None and value is not True:
        yield violation(
            f"{resource.subject} lets anyone call its APIs without a subscription (subscriptionRequired is {noncanonical_bool(value, True) or describe(value)}): "
            "set subscriptionRequired = true (or leave it unset) and validate Entra tokens in the API policy."
        )


def _sample_product(resource: Resource, _config: PolicyConfig) -> Iterator[Finding]:
    """No product is one of the samples (Starter, Unlimited), whatever its case or blanks."""
    for path in ("productId", "displayName"):
        value = resource.get(path)
        if isinstance(value, str) and re.sub(r"\s+", "", value).lower() in _SAMPLE_PRODUCTS:
            yield violation(
                f"{resource.subject} is the sample product {value.strip()!r} ({path} is {describe(value)}), whose "
                "default rate limits and open sign-up are meant for demos: remove it and publish your APIs in a product of your own."
            )
            return


_POLICY_DOCUMENTS: Final = (tokens.APIM_API_POLICY, tokens.APIM_OPERATION_POLICY, tokens.APIM_PRODUCT_POLICY)
_CORS_DOCUMENTS: Final = (*_POLICY_DOCUMENTS, tokens.APIM_SERVICE_POLICY, tokens.APIM_POLICY_FRAGMENT)

POLICIES: tuple[ResourcePolicySpec, ...] = (
    ResourcePolicySpec(
        name="azurenative-apimanagement-namedvalue-key-vault",
        controls=("MOD-4", "ACC-1"),
        description="API Management named values holding secrets must reference Key Vault.",
        severity="high",
        remediation=(
            "Put the secret in Key Vault and set keyVault.secretIdentifier (granting the gateway's identity Key Vault "
            "Secrets User), or remove the key and authenticate to the backend with the gateway's managed identity."
        ),
        fields=(
            Field(tokens.APIM_NAMED_VALUE, "keyVault.secretIdentifier"),
            Field(tokens.APIM_NAMED_VALUE, "secret"),
            Field(tokens.APIM_NAMED_VALUE, "value"),
            Field(tokens.APIM_NAMED_VALUE, "displayName"),
        ),
        resource_types=(tokens.APIM_NAMED_VALUE,),
        rule=_named_value,
    ),
    ResourcePolicySpec(
        name="azurenative-apimanagement-backend-tls",
        controls=("RES-5",),
        description="API Management backends must use https and validate the backend certificate.",
        severity="high",
        remediation="Use the backend's https:// URL and leave tls.validateCertificateChain and tls.validateCertificateName at true.",
        fields=(
            Field(tokens.APIM_BACKEND, "url"),
            Field(tokens.APIM_BACKEND, "tls.validateCertificateChain"),
            Field(tokens.APIM_BACKEND, "tls.validateCertificateName"),
        ),
        resource_types=(tokens.APIM_BACKEND,),
        rule=_backend_tls,
    ),
    ResourcePolicySpec(
        name="azurenative-apimanagement-apipolicy-inherit-base",
        controls=("MOD-4",),
        description="API, operation and product policies must inherit the parent scope with <base /> in inbound, outbound and on-error.",
        severity="medium",
        remediation="Start <inbound>, <outbound> and <on-error> of every API, operation and product policy with <base />.",
        fields=tuple(Field(token, "value") for token in _POLICY_DOCUMENTS),
        resource_types=_POLICY_DOCUMENTS,
        rule=_inherits_base,
    ),
    ResourcePolicySpec(
        name="azurenative-apimanagement-apipolicy-no-wildcard-cors",
        controls=("MOD-4",),
        description="API Management policies must not allow every origin in <cors>.",
        severity="medium",
        remediation="List the exact origins of your front ends in <cors><allowed-origins>; never <origin>*</origin>.",
        fields=tuple(Field(token, "value") for token in _CORS_DOCUMENTS),
        resource_types=_CORS_DOCUMENTS,
        rule=_no_wildcard_cors,
    ),
    ResourcePolicySpec(
        name="azurenative-apimanagement-policyfragment-no-backend-keys",
        controls=("MOD-4",),
        description="API Management policy fragments must be readable XML that sends no key and validates Entra ID tokens.",
        severity="high",
        remediation=(
            "Keep fragments inline and well-formed; replace api-key headers with <authentication-managed-identity> and "
            "validate tokens with <validate-azure-ad-token tenant-id=...> and <audiences>."
        ),
        fields=(Field(tokens.APIM_POLICY_FRAGMENT, "value"), Field(tokens.APIM_POLICY_FRAGMENT, "format", ("xml", "rawxml"))),
        resource_types=(tokens.APIM_POLICY_FRAGMENT,),
        rule=_fragment,
    ),
    ResourcePolicySpec(
        name="azurenative-apimanagement-subscription-scoped-to-api",
        controls=("ACC-5",),
        description="API Management subscriptions must be scoped to one product or API, not to all APIs.",
        severity="medium",
        remediation="Set scope to /products/<productId> or /apis/<apiId>.",
        fields=(Field(tokens.APIM_SUBSCRIPTION, "scope"),),
        resource_types=(tokens.APIM_SUBSCRIPTION,),
        rule=_subscription_scope,
    ),
    ResourcePolicySpec(
        name="azurenative-apimanagement-product-subscription-required",
        controls=("MOD-4",),
        description="API Management products must require a subscription.",
        severity="medium",
        remediation="Set subscriptionRequired = true (or leave it unset) on every product.",
        fields=(Field(tokens.APIM_PRODUCT, "subscriptionRequired"),),
        resource_types=(tokens.APIM_PRODUCT,),
        rule=_product_subscription,
    ),
    ResourcePolicySpec(
        name="azurenative-apimanagement-product-no-sample-products",
        controls=("MOD-4",),
        description="API Management must not keep the sample products Starter and Unlimited.",
        severity="low",
        remediation="Delete the Starter and Unlimited products and publish APIs in products of your own.",
        fields=(Field(tokens.APIM_PRODUCT, "productId"), Field(tokens.APIM_PRODUCT, "displayName")),
        resource_types=(tokens.APIM_PRODUCT,),
        rule=_sample_product,
    ),
)
