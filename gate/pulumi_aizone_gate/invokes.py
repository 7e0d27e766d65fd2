"""Offline answers to invokes (provider functions), shaped by the SDK's own result types.

A program that calls ``containerservice.list_managed_cluster_user_credentials`` or
``authorization.get_client_config`` reads fields of the result (``kubeconfigs[0].value``,
``subscription_id``); an empty answer makes each of them ``None`` and the program fails on the
gate's stand-in rather than on its own code. ``answer(token, args)`` finds the function's result
class in the installed SDK (``pulumi_azure_native``, ``pulumi_azure``, ``pulumi_azuread``, or any
other ``pulumi_<package>``), reads its fields and their declared types from the SDK's own
metadata (``pulumi._types.output_type_types``: wire name -> type hint, ``Optional``/``Output``
unwrapped), and returns every field under its wire (camelCase) name with a plausible value of
that type, nested output types included:

* strings by what the field names: the gate's subscription, tenant, client and object ids
  (``identity``), ARM ids, names and locations echoed from the invoke's arguments, an address
  in TEST-NET-3 (RFC 5737) for IP addresses, ``https://<name>.offline.invalid/`` (a reserved
  domain, RFC 2606) for URLs, base64 text for keys and credentials (a kubeconfig for a
  credential's ``value``), the REST API version the SDK documents for ``azureApiVersion``;
* enums: their first member; numbers: 1; booleans: False;
* lists: one element (so ``[0]`` works); maps and ``Any``: empty;
* a type nested in itself, or deeper than ``MAX_DEPTH`` levels: ``None``.

Everything is deterministic (same token and arguments, same answer). ``answer`` raises
``UnknownInvoke`` when no installed SDK declares the token; ``azure_mocks`` then answers ``{}``.
"""

from __future__ import annotations

import base64
import enum
import functools
import importlib
import importlib.util
import re
import sys
import types
import typing
from collections import abc
from pathlib import Path
from typing import Any, Optional

import pulumi._types as pulumi_types

from .identity import CLIENT_ID, OBJECT_ID, SUBSCRIPTION_ID, TENANT_ID, fake_guid
from .preview_state import SDK_IMPORT_LOCK

MAX_DEPTH = 5
"""Nested output types deeper than this are None (network types nest without end)."""
OFFLINE_LOCATION = "westeurope"
"""The location of a looked-up resource when the invoke's arguments name none."""
OFFLINE_IP_ADDRESS = "203.0.113.10"
"""An address of TEST-NET-3 (RFC 5737): documentation only, never routed."""
OFFLINE_ADDRESS_PREFIX = "10.0.0.0/24"
OFFLINE_TIMESTAMP = "2026-12-07T00:00:00Z"

_API_VERSION = re.compile(r"Uses Azure REST API version (\S+?)\.?\s")


class UnknownInvoke(LookupError):
    """No installed SDK declares a function with this token (or it has no result type)."""


def answer(token: str, args: abc.Mapping[str, Any]) -> dict[str, Any]:
    """Every field of the result of ``token`` called with ``args`` (wire names), as the provider
    would return it; raises UnknownInvoke for a token no installed SDK declares."""
    result_type, api_version = result_type_of(token)
    context = _Context(token, {str(k): v for k, v in args.items()}, api_version)
    value = _object(result_type, context, (), frozenset())
    return value if isinstance(value, dict) else {}


def python_function_name(token: str) -> str:
    """The SDK's Python name of the function (``listRegistryCredentials`` ->
    ``list_registry_credentials``), as the program spells it."""
    return _snake(token.rsplit(":", 1)[-1])


def result_type_of(token: str) -> tuple[type, Optional[str]]:
    """The SDK's result class of the function ``token`` and the Azure REST API version its
    docstring names (None when it names none). Serialized with the other lazy SDK imports of the
    engine's threads (preview_state.SDK_IMPORT_LOCK)."""
    with SDK_IMPORT_LOCK:
        return _result_type_of(token)


@functools.cache
def _result_type_of(token: str) -> tuple[type, Optional[str]]:
    module = _function_module(token)
    quoted = (f"'{token}'", f'"{token}"')
    function_name = python_function_name(token)
    function = getattr(module, function_name, None)
    candidates = [
        value
        for value in vars(module).values()
        if isinstance(value, type)
        and value.__module__ == module.__name__
        and pulumi_types.is_output_type(value)
        and not value.__name__.startswith("Awaitable")
        and value.__name__.endswith("Result")
    ]
    if not candidates:
        raise UnknownInvoke(f"{token}: the SDK function returns no result type")
    expected = token.rsplit(":", 1)[-1]
    expected = expected[:1].upper() + expected[1:] + "Result"
    chosen = next((c for c in candidates if c.__name__ == expected), candidates[0])
    source = Path(str(module.__file__)).read_text(encoding="utf-8")
    if not any(f"{call}({q}" in source for call in ("invoke", "invoke_output") for q in quoted):
        raise UnknownInvoke(f"{token}: {module.__name__} does not invoke this token")
    doc = getattr(function, "__doc__", None) or ""
    match = _API_VERSION.search(doc + " ")
    return chosen, match.group(1) if match else None


def _function_module(token: str) -> types.ModuleType:
    """The SDK module that defines the function: ``pkg:mod[/sub]:name`` ->
    ``pulumi_<pkg>.<mod>.<name in snake case>``, else the file of that package naming the token."""
    parts = token.split(":")
    if len(parts) != 3 or not all(parts):
        raise UnknownInvoke(f"{token}: not a function token (package:module:name)")
    package, module_path, name = parts
    root = "pulumi_" + package.replace("-", "_")
    segments = [s for s in module_path.split("/") if s]
    if segments and segments[-1] == name:  # classic providers: azure:core/getClientConfig:getClientConfig
        segments = segments[:-1]
    segments = [s for s in segments if s != "index"]
    # Only names a generated SDK uses: no private or dunder modules (`__main__`), nothing but
    # identifiers, so a token can never make the gate import something a provider SDK is not.
    if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_-]*", package) or not all(
        re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", s) for s in [*segments, name]
    ):
        raise UnknownInvoke(f"{token}: not a function token of an installed SDK")
    package_name = ".".join([root, *segments])
    try:
        # A Pulumi provider SDK, generated: it has the generator's `_utilities` module.
        if importlib.util.find_spec(root) is None or importlib.util.find_spec(f"{root}._utilities") is None:
            raise UnknownInvoke(f"{token}: no Pulumi provider SDK {root} is installed")
        # The whole package, as the program imports it: its __init__ imports every function's
        # module. Importing one of them by name instead would rebind the package's attribute (the
        # function) to the module when the package is still a lazy module, and break the program.
        package = importlib.import_module(package_name)
        getattr(package, _snake(name), None)  # a lazily imported package loads on its first attribute
    except ImportError:
        raise UnknownInvoke(f"{token}: {package_name} is not part of the installed SDK") from None
    module = sys.modules.get(f"{package_name}.{_snake(name)}")
    if module is not None:
        return module
    # The SDK's generator spells some names differently; find the module that invokes the token.
    for module_name, candidate in sorted(sys.modules.items()):
        if module_name.startswith(package_name + ".") and module_name.count(".") == package_name.count(".") + 1:
            path = getattr(candidate, "__file__", None)
            if path and f"'{token}'" in Path(path).read_text(encoding="utf-8"):
                return candidate
    raise UnknownInvoke(f"{token}: no function of {package_name} invokes it")


def _snake(name: str) -> str:
    """``getPublicIPAddress`` -> ``get_public_ip_address`` (the SDK generator's Python names)."""
    spaced = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", name)
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", spaced)
    return spaced.lower()


class _Context:
    """What the plausible values of one answer are derived from."""

    def __init__(self, token: str, args: dict[str, Any], api_version: Optional[str]) -> None:
        self.token = token
        self.args = args
        self.api_version = api_version
        package, module, function = token.split(":")
        self.package = package
        module = module.split("/")[0]
        names = [v for k, v in args.items() if k.endswith("Name") and k != "resourceGroupName" and isinstance(v, str) and v]
        names = names or [v for k, v in args.items() if k.endswith("Id") and k != "subscriptionId" and isinstance(v, str) and v]
        self.name: str = names[-1].rsplit("/", 1)[-1] if names else _text(args.get("name")) or _resource_word(function)
        group = _text(args.get("resourceGroupName"))
        scope = _text(args.get("scope")).rstrip("/") or f"/subscriptions/{SUBSCRIPTION_ID}" + (f"/resourceGroups/{group}" if group else "")
        self.namespace = "Microsoft." + module[:1].upper() + module[1:]
        self.arm_type = f"{self.namespace}/{_plural(_resource_word(function))}"
        self.resource_id = _text(args.get("resourceId")) or _text(args.get("id")) or f"{scope}/providers/{self.arm_type}/{self.name}"
        if module == "index":  # azuread and other non-ARM packages: an object id, not an ARM id
            self.resource_id = _text(args.get("id")) or fake_guid(token, *map(str, sorted(args.items())))


def _resource_word(function: str) -> str:
    """``getPublicIPAddress`` -> ``publicIPAddress``; ``listRegistryCredentials`` -> ``registryCredentials``."""
    for verb in ("get", "list"):
        if function.startswith(verb) and function[len(verb) : len(verb) + 1].isupper():
            rest = function[len(verb) :]
            return rest[:1].lower() + rest[1:]
    return function


def _plural(word: str) -> str:
    """ARM resource types are plural nouns: ``roleDefinition`` -> ``roleDefinitions``,
    ``publicIPAddress`` -> ``publicIPAddresses``, ``registry`` -> ``registries``."""
    if word.endswith(("s", "x", "ch", "sh")):
        return word + "es"
    if word.endswith("y") and word[-2:-1] not in ("a", "e", "i", "o", "u"):
        return word[:-1] + "ies"
    return word + "s"


def _object(cls: type, context: _Context, path: tuple[str, ...], seen: frozenset[type]) -> Optional[dict[str, Any]]:
    """An output type's fields, each under its wire name."""
    if cls in seen or len(path) > MAX_DEPTH:
        return None
    try:
        fields = pulumi_types.output_type_types(cls)
    except Exception:  # noqa: BLE001 an SDK type whose hints do not resolve: no fields rather than a failed run
        return {}
    inner = seen | {cls}
    return {name: _value(typ, name, context, (*path, name), inner, cls) for name, typ in fields.items()}


def _value(typ: Any, name: str, context: _Context, path: tuple[str, ...], seen: frozenset[type], owner: type) -> Any:
    """A plausible value of type ``typ`` for the field ``name`` of ``owner``."""
    origin = typing.get_origin(typ)
    if origin in (typing.Union, types.UnionType):
        members = [a for a in typing.get_args(typ) if a is not type(None)]
        return _value(members[0], name, context, path, seen, owner) if members else None
    if origin in (list, abc.Sequence, abc.MutableSequence, tuple):
        (item,) = typing.get_args(typ)[:1] or (str,)
        element = _value(item, name, context, (*path, "0"), seen, owner)
        return [] if element is None else [element]
    if origin in (dict, abc.Mapping, abc.MutableMapping) or typ in (dict, abc.Mapping, typing.Any, object):
        return {}
    if isinstance(typ, type):
        if issubclass(typ, enum.Enum):
            first = next(iter(typ), None)
            return first.value if first is not None else None
        if typ is bool:
            return False
        if issubclass(typ, int):
            return 1
        if issubclass(typ, float):
            return 1.0
        if issubclass(typ, str):
            return _string(name, context, path, owner)
        if pulumi_types.is_output_type(typ):
            return _object(typ, context, path, seen)
    return None


def _string(name: str, context: _Context, path: tuple[str, ...], owner: type) -> str:
    """A plausible string for the field ``name`` (see the module docstring)."""
    lower = name.lower()
    top = len(path) == 1
    given = context.args.get(name)
    if top and isinstance(given, str) and given:
        return given
    fixed = {"subscriptionid": SUBSCRIPTION_ID, "tenantid": TENANT_ID, "clientid": CLIENT_ID, "objectid": OBJECT_ID}
    if lower in fixed:
        return fixed[lower]
    if lower == "azureapiversion" and context.api_version:
        return context.api_version
    if lower == "id":
        return context.resource_id if top else f"{context.resource_id}/{'/'.join(path[:-1])}"
    if name.endswith(("Id", "ID", "Guid", "GUID")) or lower == "guid":
        return fake_guid(context.token, context.resource_id, *path)
    if lower == "name":
        return context.name if top else f"{context.name}-{path[-2] if len(path) > 1 else name}"
    if lower == "keyname":
        return f"key{int(path[-2]) + 1}" if len(path) > 1 and path[-2].isdigit() else "key1"
    if lower == "location":
        return _text(context.args.get("location")) or OFFLINE_LOCATION
    if lower == "type":
        return context.arm_type
    if lower == "provisioningstate":
        return "Succeeded"
    if lower.endswith("ipaddress") or lower in ("ip", "privateipaddress", "publicipaddress"):
        return OFFLINE_IP_ADDRESS
    if lower.endswith("addressprefix") or lower == "prefix":
        return OFFLINE_ADDRESS_PREFIX
    if lower.endswith(("uri", "url", "endpoint", "server", "fqdn", "hostname", "domain")):
        host = f"{re.sub(r'[^a-z0-9-]', '', context.name.lower()) or 'resource'}.offline.invalid"
        return host if lower.endswith(("fqdn", "hostname", "domain", "server")) else f"https://{host}/"
    if lower.endswith(("time", "date", "expiry", "timestamp", "createdon", "modifiedon", "expireson")):
        return OFFLINE_TIMESTAMP
    if lower == "value" and "credential" in owner.__name__.lower():
        return base64.b64encode(_kubeconfig(context.name).encode()).decode()
    if any(word in lower for word in ("key", "password", "secret", "value", "token", "credential")):
        return base64.b64encode(f"offline:{context.token}:{'.'.join(path)}".encode()).decode()
    return f"offline-{name}"


def _kubeconfig(name: str) -> str:
    """A minimal kubeconfig for a cluster credential (the AKS credential's ``value`` is one, base64)."""
    host = re.sub(r"[^a-z0-9-]", "", name.lower()) or "cluster"
    return (
        "apiVersion: v1\nkind: Config\n"
        f"clusters:\n- name: {host}\n  cluster:\n    server: https://{host}.hcp.offline.invalid:443\n"
        f"contexts:\n- name: {host}\n  context:\n    cluster: {host}\n    user: offline\n"
        f"current-context: {host}\nusers:\n- name: offline\n  user:\n    token: offline\n"
    )


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""
