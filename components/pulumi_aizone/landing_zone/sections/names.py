"""`aizone:names`: the salt of generated global names and explicit names."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence

from ... import naming
from .reader import NAMESPACE, _describe, _names, _Reader


@dataclass(frozen=True)
class NamesSettings:
    """Global (DNS) names: `salt` changes every generated name (e.g. to redeploy while a destroyed
    vault's name is still held by purge protection); `explicit` fixes one resource's name
    (keys of pulumi_aizone.naming.RULES except storage); `storage` fixes an application's
    storage account name."""

    salt: str = ""
    explicit: Mapping[str, str] = field(default_factory=dict)
    storage: Mapping[str, str] = field(default_factory=dict)


def _read_names(reader: _Reader, value: Any, applications: Sequence[str]) -> NamesSettings:
    key = f"{NAMESPACE}:names"
    singletons = tuple(kind for kind in naming.RULES if kind != "storage")
    data = reader.mapping(key, value, ("salt", *singletons, "storage"))
    salt = data.get("salt", "")
    if salt != "":
        salt = reader.string(f"{key}.salt", salt, _SALT, "use 1-16 lowercase letters and digits, e.g. '2' after a destroy")
    explicit: dict[str, str] = {}
    for kind in singletons:
        if kind in data:
            name = reader.string(f"{key}.{kind}", data[kind])
            problem = naming.check_name(kind, name) if name else None
            if problem:
                reader.fail(f"{key}.{kind}", problem)
            elif name:
                explicit[kind] = name
    storage: dict[str, str] = {}
    raw_storage = data.get("storage", {})
    if not isinstance(raw_storage, dict):
        reader.fail(f"{key}.storage", f"expected a mapping of application name to storage account name, got {_describe(raw_storage)}")
        raw_storage = {}
    for application, name in raw_storage.items():
        if application not in applications:
            reader.unknown(f"{key}.storage.{application}", application, applications)
            continue
        name = reader.string(f"{key}.storage.{application}", name)
        problem = naming.check_name("storage", name) if name else None
        if problem:
            reader.fail(f"{key}.storage.{application}", problem)
        elif name:
            storage[application] = name
    chosen = [*explicit.values(), *storage.values()]
    duplicates = sorted({name for name in chosen if chosen.count(name) > 1})
    if duplicates:
        reader.fail(key, f"names {_names(duplicates)} are given to more than one resource")
    return NamesSettings(salt=salt, explicit=explicit, storage=storage)


_SALT = re.compile(r"^[a-z0-9]{1,16}$")
