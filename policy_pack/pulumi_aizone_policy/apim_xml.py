"""Reading API Management policy documents: policy expressions and the elements MOD-4 judges.

A policy document is XML whose attribute values and element texts may hold C# *policy
expressions*: `@(...)` (one expression) and `@{...}` (a statement block). In the `rawxml` format
they stay unescaped, so they can contain `"`, `<`, `>` and `&` that are not XML; in the `xml`
format they are XML-escaped and the document is plain XML.
(https://learn.microsoft.com/azure/api-management/api-management-policy-expressions,
https://learn.microsoft.com/rest/api/apimanagement/policy/create-or-update "rawxml: the contents
are inline and Content type is a non XML encoded policy document").

`split_expressions` finds where each expression ends with a small C# lexer: regular string
literals with backslash escapes (`"a\\"b"`), verbatim strings (`@"C:\\"` with `""` for a quote),
interpolated strings (`$"..{x}.."`, `$@"..."`, `@$"..."`, holes nested to any depth), character
literals (`'"'`, `'\\''`, `'\\u0022'`), `//` and `/* */` comments, and nested `()`, `{}`, `[]`. A
bracket inside a literal never counts, and a quote inside a character literal never opens a
string. Anything the lexer cannot read unambiguously (an unterminated literal, a C# 11 raw string
`\"\"\"`, unbalanced brackets) is an `ExpressionError`: the caller reports the document as
unreadable instead of guessing (fail safe). Each expression is replaced by a placeholder
`@expr<N>` so that the rest parses as XML; `Expression.literals` holds the decoded string
literals of its code.

`PolicyTree` then reads the parsed document:
- token validation counts only on the *unconditional inbound path*: a direct child of `<inbound>`
  that comes before any direct `<return-response>` (elements after it never run); elements inside
  `<choose>`/`<when>`/`<otherwise>`, `<retry>`, `<backend>`, `<outbound>` or `<on-error>` do not
  count;
- `<validate-azure-ad-token>` needs a `tenant-id` and at least one audience or client application
  id; `<validate-jwt>` counts only when it validates against Entra ID: an `<openid-config url>` on
  https://login.microsoftonline.com/<tenant>/... or https://sts.windows.net/<tenant>/... for one
  tenant (not common/organizations/consumers), no static `<issuer-signing-keys>`, and audiences;
- keys: any `<set-header>` or `<set-query-parameter>` (anywhere, including `<send-request>`) named
  api-key or Ocp-Apim-Subscription-Key (any case, surrounding blanks) that is not deleted; an
  Authorization header whose value is literal text or a `{{named value}}`; `<authentication-basic>`;
  and a header or parameter whose *name* is a policy expression (it cannot be verified).

This module imports nothing from Pulumi.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Final
from urllib.parse import urlsplit

PLACEHOLDER: Final = "@expr"
KEY_HEADERS: Final[frozenset[str]] = frozenset({"api-key", "ocp-apim-subscription-key"})
AUTHORIZATION: Final = "authorization"
TOKEN_VALIDATION: Final[tuple[str, ...]] = ("validate-azure-ad-token", "validate-jwt")
MANAGED_IDENTITY: Final = "authentication-managed-identity"
ENTRA_HOSTS: Final[frozenset[str]] = frozenset({"login.microsoftonline.com", "sts.windows.net"})
# Multi-tenant authority segments: tokens of any tenant would be accepted.
MULTI_TENANT: Final[frozenset[str]] = frozenset({"common", "organizations", "consumers"})
_KEY_ELEMENTS: Final = ("set-header", "set-query-parameter")
_OPEN: Final = "({["
_CLOSE: Final = ")}]"
_NAMED_VALUE = re.compile(r"\{\{[^{}]+\}\}")
# Policy markup that must never sit inside an expression's code (outside its literals): a lexer
# that disagreed with the gateway about where an expression ends would hide it from the pack.
_SWALLOWED_MARKUP = re.compile(
    r"<\s*/?\s*(?:set-header|set-query-parameter|authentication-[a-z-]+|validate-[a-z-]+|choose|when|"
    r"otherwise|return-response|base|send-request|set-backend-service|forward-request|include-fragment|"
    r"inbound|outbound|backend|on-error|policies)\b",
    re.IGNORECASE,
)
_SIMPLE_ESCAPES: Final = {
    "'": "'",
    '"': '"',
    "\\": "\\",
    "0": "\0",
    "a": "\a",
    "b": "\b",
    "f": "\f",
    "n": "\n",
    "r": "\r",
    "t": "\t",
    "v": "\v",
}


class ExpressionError(ValueError):
    """A policy expression the lexer cannot read unambiguously."""


@dataclass(frozen=True)
class Expression:
    """One policy expression: its code (without the leading `@`) and its decoded string literals."""

    code: str
    literals: tuple[str, ...]


# --- The C# lexer --------------------------------------------------------------------------------


class _Lexer:
    """Scans C# code of one policy expression and collects its string literals."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.literals: list[str] = []

    def _fail(self, index: int, what: str) -> ExpressionError:
        return ExpressionError(f"{what} at offset {index}")

    def code(self, index: int, closer: str | None) -> int:
        """Scan code from `index` until the bracket `closer` at depth 0 (returns the index after
        it), or, when `closer` is None, until the brackets opened at `index` close."""
        text = self.text
        stack: list[str] = []
        while index < len(text):
            char = text[index]
            nxt = text[index + 1] if index + 1 < len(text) else ""
            if char == "/" and nxt == "/":
                end = text.find("\n", index)
                index = len(text) if end < 0 else end + 1
                continue
            if char == "/" and nxt == "*":
                end = text.find("*/", index + 2)
                if end < 0:
                    raise self._fail(index, "unterminated /* comment")
                index = end + 2
                continue
            if char == '"':
                index = self.regular_string(index)
                continue
            if char == "'":
                index = self.char_literal(index)
                continue
            if char in "@$" and nxt in '@$"':
                index = self.prefixed_string(index)
                continue
            if char in _OPEN:
                stack.append(_CLOSE[_OPEN.index(char)])
            elif char in _CLOSE:
                if not stack:
                    if closer is not None and char == closer:
                        return index + 1
                    raise self._fail(index, f"unbalanced '{char}'")
                if stack.pop() != char:
                    raise self._fail(index, f"mismatched '{char}'")
                if not stack and closer is None:
                    return index + 1
            index += 1
        raise self._fail(len(text), "unterminated expression")

    def _escape(self, index: int) -> tuple[str, int]:
        """Decode the escape sequence whose backslash is at `index`: (character, next index)."""
        text = self.text
        kind = text[index + 1] if index + 1 < len(text) else ""
        if kind in _SIMPLE_ESCAPES:
            return _SIMPLE_ESCAPES[kind], index + 2
        width = {"u": 4, "U": 8}.get(kind)
        if width is not None:
            digits = text[index + 2 : index + 2 + width]
            if len(digits) == width and all(c in "0123456789abcdefABCDEF" for c in digits):
                return chr(min(int(digits, 16), 0x10FFFF)), index + 2 + width
        if kind == "x":
            match = re.match(r"[0-9a-fA-F]{1,4}", text[index + 2 : index + 6])
            if match:
                return chr(int(match.group(), 16)), index + 2 + len(match.group())
        raise self._fail(index, "invalid escape sequence")

    def regular_string(self, index: int) -> int:
        """A regular string literal opening at `index`; returns the index after it."""
        text = self.text
        if text.startswith('"""', index):
            raise self._fail(index, 'a C# 11 raw string literal (""")')
        chars: list[str] = []
        index += 1
        while index < len(text):
            char = text[index]
            if char == "\\":
                decoded, index = self._escape(index)
                chars.append(decoded)
                continue
            if char == '"':
                self.literals.append("".join(chars))
                return index + 1
            if char == "\n":
                raise self._fail(index, "newline in a string literal")
            chars.append(char)
            index += 1
        raise self._fail(index, "unterminated string literal")

    def char_literal(self, index: int) -> int:
        """A character literal opening at `index`; returns the index after it."""
        text = self.text
        start = index + 1
        if start < len(text) and text[start] == "\\":
            _, end = self._escape(start)
        else:
            end = start + 1
        if end > len(text) or end >= len(text) or text[end] != "'" or text[start] in "'\n":
            raise self._fail(index, "invalid character literal")
        return end + 1

    def prefixed_string(self, index: int) -> int:
        """A verbatim (`@"`), interpolated (`$"`) or interpolated verbatim (`$@"`, `@$"`) string."""
        text = self.text
        prefix = ""
        while index < len(text) and text[index] in "@$" and len(prefix) < 2:
            prefix += text[index]
            index += 1
        if index >= len(text) or text[index] != '"' or len(set(prefix)) != len(prefix):
            raise self._fail(index, f"'{prefix}' not followed by a string literal")
        verbatim = "@" in prefix
        interpolated = "$" in prefix
        chars: list[str] = []
        index += 1
        while index < len(text):
            char = text[index]
            nxt = text[index + 1] if index + 1 < len(text) else ""
            if verbatim and char == '"' and nxt == '"':
                chars.append('"')
                index += 2
                continue
            if char == '"':
                self.literals.append("".join(chars))
                return index + 1
            if not verbatim and char == "\\":
                decoded, index = self._escape(index)
                chars.append(decoded)
                continue
            if not verbatim and char == "\n":
                raise self._fail(index, "newline in a string literal")
            if interpolated and char in "{}" and nxt == char:
                chars.append(char)
                index += 2
                continue
            if interpolated and char == "{":
                index = self.code(index + 1, "}")
                continue
            if interpolated and char == "}":
                raise self._fail(index, "unbalanced '}' in an interpolated string")
            chars.append(char)
            index += 1
        raise self._fail(index, "unterminated string literal")


def scan_expression(text: str, start: int) -> tuple[int, Expression]:
    """The expression whose `@` is at `start` (followed by `(` or `{`): (index after it, Expression)."""
    if start + 1 >= len(text) or text[start + 1] not in "({":
        raise ExpressionError(f"no '(' or '{{' after '@' at offset {start}")
    lexer = _Lexer(text)
    end = lexer.code(start + 1, None)
    code = text[start + 1 : end]
    outside = _without_literals(code)
    if _SWALLOWED_MARKUP.search(outside):
        raise ExpressionError(f"the expression at offset {start} contains policy markup outside its string literals")
    return end, Expression(code=code, literals=tuple(lexer.literals))


def _without_literals(code: str) -> str:
    """The code with string and character literals blanked (for the markup check)."""
    lexer = _Lexer(code)
    parts: list[str] = []
    index = 0
    while index < len(code):
        char = code[index]
        nxt = code[index + 1] if index + 1 < len(code) else ""
        try:
            if char == '"':
                end = lexer.regular_string(index)
            elif char == "'":
                end = lexer.char_literal(index)
            elif char in "@$" and nxt in '@$"':
                end = lexer.prefixed_string(index)
            else:
                parts.append(char)
                index += 1
                continue
        except ExpressionError:
            parts.append(char)
            index += 1
            continue
        parts.append(" ")
        index = end
    return "".join(parts)


def split_expressions(text: str) -> tuple[str, tuple[Expression, ...]]:
    """The document with every expression replaced by `@expr<N>`, and the expressions in order.

    Raises ExpressionError when an expression cannot be read unambiguously."""
    parts: list[str] = []
    found: list[Expression] = []
    index = 0
    while True:
        start = text.find("@", index)
        if start < 0 or start + 1 >= len(text):
            break
        if text[start + 1] not in "({":
            parts.append(text[index : start + 1])
            index = start + 1
            continue
        end, expression = scan_expression(text, start)
        parts.append(text[index:start] + f"{PLACEHOLDER}{len(found)}")
        found.append(expression)
        index = end
    parts.append(text[index:])
    return "".join(parts), tuple(found)


# --- Reading the parsed document -----------------------------------------------------------------


@dataclass(frozen=True)
class PolicyDocument:
    """What the pack reads from one policy document; `problem` says why it could not be read."""

    problem: str | None = None
    validates: bool = False
    managed_identity: bool = False
    inherits: bool = False
    key_settings: tuple[str, ...] = ()
    weak_validation: tuple[str, ...] = ()
    """Token validation elements on the unconditional path that do not validate Entra ID tokens
    of one tenant (why, per element)."""
    conditional_validation: bool = False
    """A token validation element exists, but not on the unconditional inbound path."""


class _Values:
    """Attribute values and texts of a parsed document, with placeholders resolved."""

    def __init__(self, expressions: tuple[Expression, ...]) -> None:
        self.expressions = expressions

    def expression(self, value: str | None) -> Expression | None:
        """The expression an attribute value or text is, if it is one (placeholder, or the
        unescaped `@(`/`@{` form of the xml format)."""
        if value is None:
            return None
        stripped = value.strip()
        match = re.fullmatch(re.escape(PLACEHOLDER) + r"(\d+)", stripped)
        if match and int(match.group(1)) < len(self.expressions):
            return self.expressions[int(match.group(1))]
        if stripped.startswith(("@(", "@{")):
            try:
                _, expression = scan_expression(stripped, 0)
            except ExpressionError:
                return Expression(code=stripped[1:], literals=())
            return expression
        return None

    def mentions_named_value(self, value: str | None) -> bool:
        """True when a text or expression refers to a named value `{{name}}`."""
        if value is None:
            return False
        expression = self.expression(value)
        if expression is not None:
            return any(_NAMED_VALUE.search(literal) for literal in expression.literals) or bool(_NAMED_VALUE.search(expression.code))
        return bool(_NAMED_VALUE.search(value))


def _unconditional(section: ET.Element | None) -> list[ET.Element]:
    """Direct children of a section that always run: up to the first <return-response>."""
    if section is None:
        return []
    found: list[ET.Element] = []
    for child in section:
        if child.tag == "return-response":
            break
        found.append(child)
    return found


def _single_tenant_authority(url: str) -> str | None:
    """Why an openid-config url is not a single tenant's Entra ID metadata, or None when it is."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return f"openid-config url '{url}' is not a URL"
    host = (parts.hostname or "").lower()
    if parts.scheme.lower() != "https" or host not in ENTRA_HOSTS:
        return f"openid-config url '{url}' is not on https://login.microsoftonline.com or https://sts.windows.net"
    segments = [segment for segment in parts.path.split("/") if segment]
    if not segments or segments[0].lower() in MULTI_TENANT or segments[0].startswith(PLACEHOLDER):
        return f"openid-config url '{url}' does not name one tenant (common/organizations/consumers accept every tenant)"
    return None


def _texts(element: ET.Element | None, child: str) -> list[str]:
    """Non-blank texts of the `child` elements under `element`."""
    if element is None:
        return []
    return [item.text.strip() for item in element.iter(child) if item.text and item.text.strip()]


def _validation_problem(element: ET.Element, values: _Values) -> str | None:
    """Why a token validation element does not validate Entra ID tokens of one tenant, or None."""
    if element.tag == "validate-azure-ad-token":
        tenant = element.get("tenant-id", "").strip()
        if not tenant:
            return "<validate-azure-ad-token> has no tenant-id"
        if tenant.lower() in MULTI_TENANT:
            return f"<validate-azure-ad-token> accepts every tenant (tenant-id '{tenant}')"
        if not _texts(element.find("audiences"), "audience") and not _texts(element.find("client-application-ids"), "application-id"):
            return "<validate-azure-ad-token> names no <audiences> (or client-application-ids)"
        return None
    # Both default to true; anything but a literal true (false, an expression) may turn them off.
    for attribute, what in (("require-signed-tokens", "unsigned tokens"), ("require-expiration-time", "tokens that never expire")):
        setting = element.get(attribute)
        if setting is not None and setting.strip().lower() != "true":
            return f'<validate-jwt> may accept {what} ({attribute}="{setting}"; leave it unset or "true")'
    configs = element.findall("openid-config")
    if element.find("issuer-signing-keys") is not None:
        return "<validate-jwt> trusts static <issuer-signing-keys> instead of Entra ID's openid-config"
    if not configs:
        return "<validate-jwt> has no <openid-config> of Entra ID"
    for config in configs:
        url = config.get("url", "")
        if values.expression(url) is not None:
            return "<validate-jwt> takes its openid-config url from a policy expression"
        problem = _single_tenant_authority(url)
        if problem is not None:
            return f"<validate-jwt> {problem}"
    if not _texts(element.find("audiences"), "audience"):
        return "<validate-jwt> names no <audiences>"
    return None


def _key_settings(root: ET.Element, values: _Values) -> tuple[str, ...]:
    """Every place the document sends a key (see the module doc)."""
    found: list[str] = []
    for element in root.iter():
        if element.tag == "authentication-basic":
            found.append("<authentication-basic> (a username and password)")
            continue
        if element.tag not in _KEY_ELEMENTS:
            continue
        raw_name = element.get("name", "")
        action = element.get("exists-action", "").strip().lower()
        if action == "delete":
            continue
        if values.expression(raw_name) is not None:
            found.append(
                f'<{element.tag} name="{raw_name.strip()}"> (the name is a policy expression, so the pack cannot tell which header it sets)'
            )
            continue
        name = raw_name.strip().lower()
        if name in KEY_HEADERS:
            found.append(f'<{element.tag} name="{raw_name.strip()}">')
        elif name == AUTHORIZATION and element.tag == "set-header":
            for value in element.iter("value"):
                text = value.text or ""
                if values.mentions_named_value(text) or (text.strip() and values.expression(text) is None):
                    found.append(f'<set-header name="{raw_name.strip()}"> with a literal or named-value credential')
                    break
    return tuple(found)


def parse_policy(text: str, format_: str = "rawxml") -> tuple[ET.Element, tuple[Expression, ...]] | str:
    """The root element of a policy document (or fragment) and its expressions, or why it cannot
    be read. `format_` is the resource's format ("xml": plain XML; anything else: rawxml,
    expressions unescaped)."""
    if re.search(r"<!\s*(DOCTYPE|ENTITY)", text, re.IGNORECASE):
        return "declares a DTD or entities, which policy documents never need"
    expressions: tuple[Expression, ...] = ()
    source = text
    if format_.strip().lower() != "xml":
        try:
            source, expressions = split_expressions(text)
        except ExpressionError as error:
            return f"has a policy expression the pack cannot read unambiguously ({error})"
    try:
        return ET.fromstring(source), expressions
    except (ET.ParseError, ValueError) as error:
        return f"is not well-formed XML ({error})"


INHERITED_SECTIONS: Final[tuple[str, ...]] = ("inbound", "outbound", "on-error")
"""Sections that must run the parent scope's policies (`<base />`). The backend section may replace
them: an API that wraps <forward-request> in <retry> would otherwise forward twice."""


@dataclass(frozen=True)
class Inheritance:
    """What the gateway-hardening policies read from a document: sections that do not run
    `<base />` on their unconditional path, and `<cors>` origins that admit every site."""

    missing_base: tuple[str, ...] = ()
    open_origins: tuple[str, ...] = ()


def read_inheritance(root: ET.Element, expressions: tuple[Expression, ...] = ()) -> Inheritance:
    """`<base />` per inherited section (only for a `<policies>` document; fragments have no
    sections) and `*` origins of every `<cors>` element (whatever its nesting)."""
    values = _Values(expressions)
    missing: list[str] = []
    if root.tag == "policies":
        for name in INHERITED_SECTIONS:
            sections = root.findall(name)
            if len(sections) != 1 or not any(child.tag == "base" for child in _unconditional(sections[0])):
                missing.append(name)
    origins: list[str] = []
    for cors in root.iter("cors"):
        for origin in cors.iter("origin"):
            text = (origin.text or "").strip()
            if values.expression(text) is None and text == "*":
                origins.append("*")
    return Inheritance(missing_base=tuple(missing), open_origins=tuple(origins))


def read_fragment(root: ET.Element, expressions: tuple[Expression, ...] = ()) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """A policy fragment's keys (as `PolicyDocument.key_settings`) and the problems of every token
    validation element in it (a fragment is included into policies, so each one counts)."""
    values = _Values(expressions)
    validators = [element for element in root.iter() if element.tag in TOKEN_VALIDATION]
    problems = tuple(problem for problem in (_validation_problem(element, values) for element in validators) if problem is not None)
    return _key_settings(root, values), problems


def read_policy(text: str, format_: str = "rawxml") -> PolicyDocument:
    """Parse a policy document and extract what MOD-4 checks. `format_` is the resource's format
    ("xml": plain XML; anything else: rawxml, expressions unescaped)."""
    parsed = parse_policy(text, format_)
    if isinstance(parsed, str):
        return PolicyDocument(problem=parsed)
    root, expressions = parsed
    if root.tag != "policies":
        return PolicyDocument(problem=f"has the root element <{root.tag}> instead of <policies>")
    sections = root.findall("inbound")
    if len(sections) > 1:
        return PolicyDocument(problem=f"has {len(sections)} <inbound> sections instead of one")
    values = _Values(expressions)
    inbound = sections[0] if sections else None
    path = _unconditional(inbound)
    validators = [element for element in path if element.tag in TOKEN_VALIDATION]
    problems = [_validation_problem(element, values) for element in validators]
    anywhere = any(element.tag in TOKEN_VALIDATION for element in root.iter())
    return PolicyDocument(
        validates=any(problem is None for problem in problems),
        managed_identity=any(element.tag == MANAGED_IDENTITY for element in path),
        inherits=any(element.tag == "base" for element in path),
        key_settings=_key_settings(root, values),
        weak_validation=tuple(problem for problem in problems if problem is not None),
        conditional_validation=anywhere and not validators,
    )


def iter_expressions(text: str) -> Iterator[Expression]:
    """Every policy expression of a rawxml document (for tests and diagnostics)."""
    _, expressions = split_expressions(text)
    yield from expressions
