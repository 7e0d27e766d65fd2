"""`aizone:location` and `aizone:tags`: the region and Azure's tag limits."""

from __future__ import annotations

import difflib
import re
from typing import Any

from pulumi_aizone_policy import reference

from ..regions import AZURE_PUBLIC_REGIONS
from .reader import NAMESPACE, _describe, _quote, _Reader


def _read_location(reader: _Reader, value: Any) -> str:
    """A public Azure region's programmatic name (components/pulumi_aizone/landing_zone/regions.py, from Learn)."""
    key = f"{NAMESPACE}:location"
    if not isinstance(value, str) or not value:
        reader.fail(key, f"expected a region's programmatic name such as 'swedencentral', got {_describe(value)}")
        return ""
    if value in AZURE_PUBLIC_REGIONS:
        return value
    normalized = re.sub(r"[\s_-]+", "", value.lower())
    close = [normalized] if normalized in AZURE_PUBLIC_REGIONS else difflib.get_close_matches(normalized, AZURE_PUBLIC_REGIONS, n=1)
    hint = f"did you mean {close[0]!r}? " if close else ""
    reader.fail(
        key,
        f"{_quote(value)} is not allowed; use the region's programmatic name of an Azure public region "
        f"(lowercase, no spaces), e.g. 'swedencentral' or 'eastus2'; {hint}see "
        "https://learn.microsoft.com/azure/reliability/regions-list",
    )
    return ""


# Azure's tag limits ("Use tags to organize your Azure resources and management hierarchy",
# Limitations: https://learn.microsoft.com/azure/azure-resource-manager/management/tag-resources):
# at most 50 tag name/value pairs per resource, but only 15 on Private DNS zones and their virtual
# network links; tag names at most 512 characters (128 on storage accounts, which every stack
# creates) and never any of < > % & \ ? /; tag values at most 256 characters. Tag names are
# case-insensitive for operations, so two names that differ only in case are the same tag.
MAX_TAGS_PER_RESOURCE = 50
MAX_TAGS_PRIVATE_DNS = 15
MAX_TAG_NAME = 128
MAX_TAG_VALUE = 256
_TAG_NAME_FORBIDDEN = "<>%&\\?/"
# Tags the landing zone adds: aizone-environment and aizone-managed-by on every resource, and up to
# five more on one resource (an agent's identity: inventory, agent, owner, application, boundary).
PROGRAM_TAGS_EVERYWHERE = 2
PROGRAM_TAGS_MAX = 7


def _read_tags(reader: _Reader, value: Any, creates_dns_zones: bool = True) -> dict[str, str]:
    key = f"{NAMESPACE}:tags"
    if not isinstance(value, dict):
        reader.fail(key, f"expected a mapping of tag name to text value, got {_describe(value)}")
        return {}
    limit = MAX_TAGS_PER_RESOURCE - PROGRAM_TAGS_MAX
    if creates_dns_zones:
        limit = min(limit, MAX_TAGS_PRIVATE_DNS - PROGRAM_TAGS_EVERYWHERE)
    if len(value) > limit:
        where = "Private DNS zones take at most 15 tags" if creates_dns_zones else "a resource takes at most 50 tags"
        reader.fail(
            key,
            f"{len(value)} tags are too many; at most {limit} (Azure: {where}, including the ones the landing zone adds)",
        )
    tags: dict[str, str] = {}
    seen: dict[str, str] = {}
    for name, text in value.items():
        entry = f"{key}.{name}"
        if not isinstance(name, str) or not name.strip():
            reader.fail(key, f"tag names must be non-empty text, got {_describe(name)}")
            continue
        problems: list[str] = []
        if len(name) > MAX_TAG_NAME:
            problems.append(f"the tag name has {len(name)} characters; at most {MAX_TAG_NAME}")
        bad = sorted({char for char in name if char in _TAG_NAME_FORBIDDEN})
        if bad:
            problems.append(f"tag names cannot contain {' '.join(bad)} (none of < > % & \\ ? /)")
        if name.lower().startswith("aizone-") or name.lower() == reference.BOUNDARY_TAG:
            problems.append(f"the tag {_quote(name)} is set by the landing zone and cannot be overridden")
        if name.lower() in seen:
            problems.append(f"the same tag as {_quote(seen[name.lower()])}: Azure tag names ignore case")
        if not isinstance(text, str):
            problems.append(f"expected a text value (quote numbers and true/false), got {_describe(text)}")
        elif len(text) > MAX_TAG_VALUE:
            problems.append(f"the tag value has {len(text)} characters; at most {MAX_TAG_VALUE}")
        for problem in problems:
            reader.fail(entry, problem)
        seen.setdefault(name.lower(), name)
        if not problems and isinstance(text, str):
            tags[name] = text
    return tags
