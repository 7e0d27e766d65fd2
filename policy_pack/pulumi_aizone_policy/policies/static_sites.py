"""Storage accounts the stack gives a static website: public by design, unless they hold data.

A static website (`azure-native:storage:StorageAccountStaticWebsite`, inputs `accountName`,
`resourceGroupName`, `indexDocument`, `error404Document`; the installed azure-native SDK) serves
the account's `$web` container on the account's web endpoint. Microsoft Learn, "Static website
hosting in Azure Storage" (storage/blobs/storage-blob-static-website, read 2026-12-07): "Files in
the $web container are case-sensitive, served through anonymous access requests and are available
only through read operations", and the container's public access level "has no impact on the
primary static website endpoint" (it changes only the blob endpoint). So such an account is
reachable from the internet by design, and everything in `$web` is readable by anyone: the pack does
not ask it to close its network (ACC-7) or to have a private endpoint (RES-4), and says instead, in
an advisory note, that it must hold nothing but the site. The settings that still matter stay
mandatory: shared keys off, TLS floor and HTTPS only, and `allowBlobPublicAccess` off (the website
endpoint does not need it; it would open the other containers on the blob endpoint).

The classic provider (pulumi-azure 6.x) counts the same way: its `azure:storage/accountStaticWebsite`
(input `storageAccountId`, linked by id value, property dependency or sole dependency) and a classic
account's own `staticWebsite` block; its network policy applies the same exception.

A website is linked to its account the way other stack policies link resources (stackindex.py):
its `accountName` by property dependency (or, unknown and absent, its sole storage account
dependency), by a name the account has (`accountName` input, `name` output, last segment of its
id), or, once deployed,
by its id under the account's (`.../storageAccounts/<name>/staticWebsite`, the import id the SDK
documents). A website wired from several accounts relaxes none of them.

The attacker's way around ACC-7 would be to add a website to an account that holds data. An account
keeps every finding, with a message saying why, when it:
- carries the landing zone's application tag (`aizone-application`: every data account of the
  landing zone, DataBoundary in the component library, carries it with its boundary), a
  `data-boundary` tag other than `public` (internal or customer data, or a value DATA-1 refuses), or
  its tags are unknown. `data-boundary = public` alone is what a site is: content for the public; it
  is the tag DATA-1 (a convention) asks of every storage account, so the site's account can carry it;
- is the scope of a role assignment of a storage data role (or of a custom, unresolved or unknown
  role) anywhere but its `$web` container (the identity that uploads the site needs Storage Blob
  Data Contributor on `$web` only);
- is used by an AI, Search or Machine Learning resource (Foundry or ML workspace storage, a
  connection, a datastore, a shared private link, user-owned storage): any of their properties is
  wired from the account, holds its id, a URL on one of its endpoint hosts
  (`//<name>.blob.core.`, `.dfs`, `.file`, `.queue`, `.table`, `.<zone>.web`), its ARM path, or its
  name under a nested key ending in `accountName` (a top-level `accountName` is a child resource's
  parent, such as a model deployment's AI account, and an AI endpoint host of the same name is not
  the storage account).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from typing import Final

from .. import reference, scope, tokens
from ..framework import Field, Resource, current_stack
from ..stackindex import StackIndex, StackResource, normalize_id
from ..values import UNKNOWN, describe
from .rbac import assignments, scope_targets, tag

STATIC_WEBSITE: Final = tokens.STATIC_WEBSITE
STORAGE_ACCOUNTS: Final[frozenset[str]] = frozenset({tokens.STORAGE_ACCOUNT, tokens.AZ_STORAGE_ACCOUNT})
_INLINE: Final = "staticWebsite"
"""The classic account's own static_website block (pulumi-azure 6.x `storage.AccountArgs`)."""
_WEB_CONTAINER: Final = "/blobservices/default/containers/$web"
_SITE_SEGMENT: Final = "/staticwebsite"
_PUBLIC: Final = "public"
"""The data boundary of content meant for anyone (reference.BOUNDARIES), compared exactly."""
SITE_FIELDS: Final[tuple[Field, ...]] = (
    Field(STATIC_WEBSITE, "accountName"),
    Field(tokens.AZ_STATIC_WEBSITE, "storageAccountId"),
    Field(tokens.AZ_STORAGE_ACCOUNT, _INLINE),
    Field(tokens.STORAGE_ACCOUNT, "tags"),
    Field(tokens.AZ_STORAGE_ACCOUNT, "tags"),
    Field(tokens.ROLE_ASSIGNMENT, "scope"),
    Field(tokens.ROLE_ASSIGNMENT, "roleDefinitionId"),
)
"""What the static-website exception reads (the policies that apply it declare these fields)."""


@dataclass(frozen=True)
class Site:
    """A storage account the stack gives a static website: its websites and, when it holds data
    (so the website does not make it public by design), why."""

    account: StackResource
    websites: tuple[str, ...]
    """How messages name each website: "'<name>'", or "of its staticWebsite block" (classic)."""
    holds_data: tuple[str, ...]

    @property
    def names(self) -> str:
        """The websites, for messages."""
        return ", ".join(self.websites)

    @property
    def public_by_design(self) -> bool:
        """True when the account holds nothing but the site (as far as the stack shows)."""
        return not self.holds_data

    def why_not(self) -> str:
        """Why the website does not make the account public by design (for violation messages)."""
        return (
            f" It serves the static website {self.names}, but that does not make it public by design: "
            f"{'; '.join(self.holds_data)}. Serve the site from a separate storage account that holds "
            "nothing but the site, and keep this one private."
        )

    def note(self, what: str) -> str:
        """The advisory note a policy reports instead of `what` (e.g. "its public network access")."""
        return (
            f"{self.account.subject} serves the static website {self.names}, so it is public by design: "
            f"{what} is not a finding. "
            "It must hold nothing but the site: everything in its $web container is served to anyone "
            "through the website endpoint, whatever the container's access level. Keep data in a separate, "
            "private account; an application tag, a data-boundary tag other than 'public', a data role on it "
            "outside $web, or an AI, Search or ML resource using it ends this exception (allowBlobPublicAccess "
            "stays off: the website endpoint does not need it)."
        )


def account_names(account: StackResource) -> tuple[str, ...]:
    """The names (lower case) a storage account is known by: its accountName input, its name
    output, the last segment of its known id."""
    values = (account.get("accountName"), account.get("name"), (account.arm_id or "").rpartition("/")[2])
    return tuple(dict.fromkeys(value.strip().lower() for value in values if isinstance(value, str) and value.strip()))


def _accounts_by_name(stack: StackIndex) -> dict[str, list[StackResource]]:
    found: dict[str, list[StackResource]] = {}
    for account in stack.of_type(*STORAGE_ACCOUNTS):
        for name in account_names(account):
            found.setdefault(name, []).append(account)
    return found


def _accounts_of(stack: StackIndex, website: StackResource, by_name: Mapping[str, list[StackResource]]) -> list[StackResource]:
    """The storage accounts a website's accountName (classic: storageAccountId) designates (see
    the module doc)."""
    if website.type == tokens.AZ_STATIC_WEBSITE:
        account_id = website.get("storageAccountId")
        return stack.linked(website, "storageAccountId", account_id, STORAGE_ACCOUNTS)
    value = website.get("accountName")
    found = {account.urn: account for account in stack.linked(website, "accountName", value, {tokens.STORAGE_ACCOUNT})}
    if isinstance(value, str) and value:
        found.update((account.urn, account) for account in by_name.get(value.lower(), ()))
    own = website.arm_id or ""
    if own.endswith(_SITE_SEGMENT):
        account = stack.by_id(own[: -len(_SITE_SEGMENT)])
        if account is not None and account.type == tokens.STORAGE_ACCOUNT:
            found[account.urn] = account
    return list(found.values())


def _tag_reasons(account: Resource | StackResource) -> Iterator[str]:
    if account.get("tags") is UNKNOWN:
        yield "its tags are unknown until apply, so the pack cannot tell it holds no data"
        return
    for key in (reference.BOUNDARY_TAG, reference.APPLICATION_TAG):
        value = tag(account, key)
        if value is UNKNOWN:
            yield f"its tag {key} is unknown until apply, so the pack cannot tell it holds no data"
        elif key == reference.BOUNDARY_TAG and value == _PUBLIC:
            continue  # content for the public: what a site is (module doc)
        elif value is not None:
            yield f"it carries the landing zone's data tag {key} = {describe(value)}"


def _data_role(name: str | None) -> bool:
    """True for a role that may read or write storage data: a data role, or one the pack cannot
    tell (custom, unresolved, unknown during preview)."""
    return name is None or name in reference.DATA_ROLES or (name.startswith("Storage ") and " Data " in name)


def _grant_reasons(stack: StackIndex, accounts: Mapping[str, StackResource]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for assignment in assignments(stack):
        if not _data_role(assignment.role.name):
            continue
        targets = [target for target in scope_targets(stack, assignment.resource, STORAGE_ACCOUNTS) if target.urn in accounts]
        if not targets:
            continue
        grant_scope = assignment.scope
        if isinstance(grant_scope, str) and normalize_id(grant_scope).endswith(_WEB_CONTAINER):
            continue  # the site's uploader: its $web container only
        shown = "unknown until apply" if grant_scope is UNKNOWN else describe(grant_scope)
        for target in targets:
            found.setdefault(target.urn, []).append(
                f"{assignment.subject} grants {assignment.role.label} on it at scope {shown} (not its $web container only)"
            )
    return found


def _user_type(type_token: str) -> bool:
    """AI, Search and Machine Learning resources (any provider) that keep data in storage."""
    return scope.is_ai_type(type_token) or type_token.startswith("azure-native:search:")


def _strings(value: object, key: str = "", depth: int = 0) -> Iterator[tuple[str, str, int]]:
    """(key, string, depth) for every string in a property value: the key it sits under and how
    deep (1: a top-level input of the resource)."""
    if isinstance(value, str):
        yield key, value, depth
    elif isinstance(value, Mapping):
        for inner_key, inner in value.items():
            yield from _strings(inner, str(inner_key), depth + 1)
    elif isinstance(value, (list, tuple)):
        for inner in value:
            yield from _strings(inner, key, depth)


# A storage account's endpoints: <name>.<blob|dfs|file|queue|table>.core.<cloud suffix> and the
# website's <name>.<zone>.web.core.<cloud suffix> (Learn, "Storage account overview", standard
# endpoints; "Static website hosting in Azure Storage", regional codes).
_STORAGE_HOST: Final = r"\.(?:blob|dfs|file|queue|table|(?:z\d+\.)?web)\.core\."


def _references(user: StackResource, account: StackResource, names: tuple[str, ...]) -> bool:
    """True when a resource's properties are wired from the account, or name it: its id, its ARM
    path, one of its endpoint hosts, or its name under a nested accountName key (a top-level
    accountName is a child resource's parent, e.g. a model deployment's AI account)."""
    if any(account.urn in urns for urns in user.property_dependencies.values()):
        return True
    own = account.arm_id
    patterns = [
        re.compile(
            rf"(?:/providers/microsoft\.storage/storageaccounts/{re.escape(name)}(?:$|[/?#])|//{re.escape(name)}{_STORAGE_HOST})",
            re.IGNORECASE,
        )
        for name in names
    ]
    for key, text, depth in _strings(user.props):
        lowered = text.strip().lower()
        if own and (normalize_id(lowered) == own or lowered.startswith(own + "/")):
            return True
        if any(pattern.search(text) for pattern in patterns):
            return True
        if depth > 1 and key.lower().endswith("accountname") and lowered in names:
            return True
    return False


def _user_reasons(stack: StackIndex, accounts: Mapping[str, StackResource]) -> dict[str, list[str]]:
    users = [resource for resource in stack.resources if _user_type(resource.type)]
    found: dict[str, list[str]] = {}
    for urn, account in accounts.items():
        names = account_names(account)
        for user in users:
            if _references(user, account, names):
                found.setdefault(urn, []).append(f"{user.subject} ({user.type.split(':', 1)[-1]}) uses it")
    return found


def _sites(stack: StackIndex) -> Mapping[str, Site]:
    """The stack's static-website accounts by URN (built once per stack index)."""
    websites = stack.of_type(STATIC_WEBSITE, tokens.AZ_STATIC_WEBSITE)
    inline = [account for account in stack.of_type(tokens.AZ_STORAGE_ACCOUNT) if account.get(_INLINE) not in (None, UNKNOWN)]
    if not websites and not inline:
        return {}
    served: dict[str, list[str]] = {account.urn: [f"of its {_INLINE} block"] for account in inline}
    accounts: dict[str, StackResource] = {account.urn: account for account in inline}
    ambiguous: dict[str, list[str]] = {}
    by_name = _accounts_by_name(stack) if websites else {}
    for website in websites:
        linked = _accounts_of(stack, website, by_name)
        for account in linked:
            served.setdefault(account.urn, []).append(f"'{website.name}'")
            accounts[account.urn] = account
            if len(linked) > 1:
                others = ", ".join(f"'{other.name}'" for other in linked)
                ambiguous.setdefault(account.urn, []).append(
                    f"the static website '{website.name}' is wired from several storage accounts ({others}), so the pack cannot tell which one it serves"
                )
    grants = _grant_reasons(stack, accounts)
    users = _user_reasons(stack, accounts)
    return {
        urn: Site(
            account=account,
            websites=tuple(served[urn]),
            holds_data=(*ambiguous.get(urn, ()), *_tag_reasons(account), *grants.get(urn, ()), *users.get(urn, ())),
        )
        for urn, account in accounts.items()
    }


def site_of_account(stack: StackIndex, account: StackResource) -> Site | None:
    """The static-website view of a storage account of the stack, or None when no website of the
    stack is linked to it."""
    return stack.derived(_sites).get(account.urn)


def site_of(resource: Resource) -> Site | None:
    """For a stack-bound resource policy (framework.current_stack): the static-website view of the
    storage account it judges, or None (no stack known, no website, or a resource that is not the
    stack's registered or read account, such as one an ARM template deploys)."""
    stack = current_stack()
    if stack is None:
        return None
    account = stack.get(resource.urn)
    if account is None or account.type not in STORAGE_ACCOUNTS or account.name != resource.name:
        return None
    site = site_of_account(stack, account)
    if site is not None and account.get("tags") is UNKNOWN and resource.get("tags") is not UNKNOWN:
        # In a preview azure-native answers every output property the inputs leave unset as unknown
        # (provider/pkg/convert/previewOutputs.go, PreviewOutputs), tags included. The policy judges
        # the inputs `Analyze` was sent: tags unset (or known) there are what Azure gets.
        from_outputs = set(_tag_reasons(account))
        kept = tuple(reason for reason in site.holds_data if reason not in from_outputs)
        site = replace(site, holds_data=(*kept, *_tag_reasons(resource)))
    return site
