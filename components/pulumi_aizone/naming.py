"""Globally unique names: the per-service rules, in one place.

Some Azure names are DNS names shared by every customer (`<name>.cognitiveservices.azure.com`,
`<name>.azure-api.net`, `<name>.vault.azure.net`, `<name>.azurecr.io`,
`<name>.blob.core.windows.net`, `<name>.purview.azure.com`). A name derived only from what every
user of this project shares (project, stack, prefix, environment) collides between organisations,
and a Key Vault with purge protection keeps its name for its whole retention after a destroy.

`global_name(kind, stem, seed)` keeps a readable stem and appends a digest of `seed`: the program
(pulumi_aizone.landing_zone) builds the seed from the subscription id, region, project, stack, prefix and
environment, so the name is stable per stack and differs per subscription and region.

Length and character rules: "Naming rules and restrictions for Azure resources",
https://learn.microsoft.com/azure/azure-resource-manager/management/resource-name-rules
(Microsoft.CognitiveServices/accounts 2-64, alphanumerics and hyphens, start and end alphanumeric;
Microsoft.ApiManagement/service 1-50, alphanumerics and hyphens, start with a letter, end
alphanumeric; Microsoft.KeyVault/vaults 3-24, alphanumerics and hyphens, start with a letter, end
with a letter or digit, no consecutive hyphens; Microsoft.ContainerRegistry/registries 5-50,
alphanumerics; Microsoft.Storage/storageAccounts 3-24, lowercase letters and numbers;
Microsoft.Purview/accounts 3-63, alphanumerics and hyphens, start and end alphanumeric). The
names built here use the intersection that is valid everywhere the rule allows: lowercase letters,
digits and (only where allowed) single hyphens, always starting with a letter.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Mapping

# Hex characters of the seed's digest in every generated name (32 bits per service and stack).
DIGEST_LENGTH = 8


@dataclass(frozen=True)
class NameRule:
    """What Azure accepts for one globally named resource type."""

    resource_type: str
    min_length: int
    max_length: int
    hyphens: bool

    @property
    def pattern(self) -> re.Pattern[str]:
        if self.hyphens:
            return re.compile(rf"^(?=.{{{self.min_length},{self.max_length}}}$)[a-z](?:[a-z0-9]|-(?!-))*[a-z0-9]$")
        return re.compile(rf"^[a-z][a-z0-9]{{{self.min_length - 1},{self.max_length - 1}}}$")

    def describe(self) -> str:
        chars = "lowercase letters, digits and single hyphens" if self.hyphens else "lowercase letters and digits"
        return f"{self.min_length}-{self.max_length} {chars}, starting with a letter and ending with a letter or digit"


RULES: Mapping[str, NameRule] = {
    "ai": NameRule("Microsoft.CognitiveServices/accounts (custom subdomain)", 2, 64, hyphens=True),
    "gateway": NameRule("Microsoft.ApiManagement/service", 1, 50, hyphens=True),
    "keyVault": NameRule("Microsoft.KeyVault/vaults", 3, 24, hyphens=True),
    "registry": NameRule("Microsoft.ContainerRegistry/registries", 5, 50, hyphens=False),
    "storage": NameRule("Microsoft.Storage/storageAccounts", 3, 24, hyphens=False),
    "purview": NameRule("Microsoft.Purview/accounts", 3, 63, hyphens=True),
}


class NamingError(ValueError):
    """A name Azure would refuse for its resource type."""


def check_name(kind: str, name: str) -> str | None:
    """None when `name` is valid for `kind` (a key of RULES), else what is wrong with it."""
    rule = RULES[kind]
    if rule.pattern.match(name):
        return None
    return f"{name!r} is not a valid {rule.resource_type} name; use {rule.describe()}"


def seed_of(*parts: str) -> str:
    """The seed string a caller hashes: its parts joined unambiguously."""
    return "/".join(part.replace("/", "//") for part in parts)


def global_name(kind: str, stem: str, seed: str, *qualifiers: str) -> str:
    """`stem` (shortened as needed) + 8 hex characters of sha256(seed, kind, qualifiers).

    `qualifiers` tell apart several resources of one kind in one stack (e.g. one storage account
    per application). The result always satisfies RULES[kind]."""
    rule = RULES[kind]
    digest = hashlib.sha256(seed_of(seed, kind, *qualifiers).encode()).hexdigest()[:DIGEST_LENGTH]
    clean = re.sub(r"[^a-z0-9-]" if rule.hyphens else r"[^a-z0-9]", "", stem.lower())
    clean = re.sub(r"-+", "-", clean).lstrip("-0123456789")
    separator = "-" if rule.hyphens else ""
    room = rule.max_length - DIGEST_LENGTH - len(separator)
    clean = clean[:room].rstrip("-")
    if not clean:
        clean = "a"
    name = f"{clean}{separator}{digest}"
    problem = check_name(kind, name)
    if problem:  # only reachable if RULES and this function disagree: fail loudly
        raise NamingError(problem)
    return name
