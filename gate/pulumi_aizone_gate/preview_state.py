"""The state a provider's ``Create(preview=true)`` returns: what the engine keeps as a new
resource's outputs during ``pulumi preview``, hands back to the program and sends to ``AnalyzeStack``.

What the Pulumi engine does (pulumi/pulumi at commit 1b5949891b3c, 2026-08-21):

* ``pkg/resource/deploy/step.go`` ``CreateStep.Apply`` (l. 321): a custom resource's ``Create`` is
  called with ``Preview: s.deployment.opts.DryRun`` (l. 372); the state is what it returns
  (``outs = resp.Properties``, l. 445; ``s.new.Outputs = outs``, l. 459), and an empty id is
  accepted in a preview;
* ``pkg/resource/plugin/provider_plugin.go`` ``provider.Create`` (l. 1403): in a preview a provider
  whose configuration is not fully known gets no call and the state is empty (l. 1436); a provider
  that does not support previews gets none either and the state is the inputs (l. 1442); otherwise
  the provider's answer is kept with its unknowns (``KeepUnknowns: req.Preview``, l. 1499) and, for
  a provider that does not accept secrets, every output whose input of the same name held a secret
  is made secret again (``annotateSecrets``, l. 1512 and l. 918);
* ``pkg/resource/deploy/step_generator.go`` ``AnalyzeResources`` (l. 3496) sends
  ``resource.FromResourcePropertyMap(v.Outputs)`` (l. 3520) for every resource, and
  ``pkg/resource/plugin/analyzer_plugin.go`` ``AnalyzeStack`` (l. 345) marshals them with
  ``KeepUnknowns: true, KeepSecrets: true, SkipInternalKeys: true``: an unknown output reaches the
  pack as the unknown sentinel;
* ``pkg/resource/deploy/source_eval.go`` (l. 3189): the program's ``RegisterResourceResponse``
  carries the same outputs (``KeepUnknowns: true``).

What azure-native's ``Create`` returns in a preview (pulumi/pulumi-azure-native
``provider/pkg/provider/provider.go`` ``azureNativeProvider.Create`` at commit 006a62afe453:
``if req.GetPreview() { ... k.converter.PreviewOutputs(inputs, res.Response) ... }``, no id; its
``Configure`` answers ``SupportsPreview: true`` and does not accept secrets) is
``provider/pkg/convert/previewOutputs.go`` ``PreviewOutputs`` (commit 604cfd525f96): for every
*response* property of the resource (its outputs; an input that is not an output, such as
``resourceGroupName`` or ``accountName``, is dropped):

* the input of the same name when its shape fits the property (a scalar for a scalar property, of
  any scalar type since the generator records no type for output properties; an array item by
  item and a map value by value, where items and values must be of their declared type; an object
  of a named type property by property, recursively; a union or ``Any`` as given);
* otherwise, and when there is no such input, an unknown value.

The response properties include ``id`` (``provider/pkg/gen/schema.go`` ``genResourceVariant``
deletes ``id`` from the schema's output properties only: ``delete(resourceResponse.specs, "id")``,
while the metadata keeps ``Response: resourceResponse.properties``), so ``id`` is unknown too.

The gate knows each azure-native type's output properties and their types from the installed
Python SDK, which declares every output property of a resource class and of each nested output
type (``pulumi._types.resource_types`` / ``output_type_types``: wire name -> type, the SDK's own
decoding metadata). Two things that metadata cannot tell are left as they are: a property the
schema declares constant (``PreviewOutputs`` answers the constant, the SDK types it ``str``) and
whether ``azureApiVersion`` is a response property (the SDK declares it an output; a string input
of that name is kept, else it is unknown).
"""

from __future__ import annotations

import functools
import importlib
import importlib.util
import json
import re
import threading
import types
import typing
from collections import abc
from pathlib import Path
from typing import Any

import pulumi._types as pulumi_types

from .wire import SECRET_SIG, SIG_KEY, UNKNOWN

AZURE_NATIVE = "azure-native"
"""The package whose provider's preview the gate reproduces."""
SDK_MODULE = "pulumi_azure_native"
RESPONSE_ONLY: dict[str, Any] = {"id": str}
"""Response properties the SDK does not list as outputs of the class (the resource's own ``id``)."""

SDK_IMPORT_LOCK = threading.Lock()
"""Held while the engine's threads import a provider SDK's modules (here and in invokes.py): they
are imported lazily on first attribute access, which is not safe from two threads at once (one of
them sees a half-initialised module without the class)."""
_REGISTRATION = re.compile(r'resource_modules="""(.*?)"""', re.S)


class UnknownResourceType(LookupError):
    """The installed azure-native SDK declares no resource class for this type token."""


def preview_state(type_token: str, inputs: abc.Mapping[str, Any]) -> dict[str, Any]:
    """What azure-native's ``Create(preview=true)`` answers for a new resource of ``type_token``
    with these inputs (analyzer form: unknowns are ``wire.UNKNOWN``, secrets signature objects),
    with the engine's ``annotateSecrets`` applied. Raises UnknownResourceType for a type the
    installed SDK does not declare (the provider answers ``Resource type ... not found`` then)."""
    properties = response_properties(type_token)
    plain = {key: _reveal(value) for key, value in inputs.items()}
    state = _object(plain, properties)
    _annotate_secrets(state, dict(inputs))
    return state


def response_properties(type_token: str) -> dict[str, Any]:
    """The response properties of an azure-native resource type: wire name -> SDK type.

    Serialized: the engine registers resources from several threads, and the SDK's modules are
    imported lazily on first attribute access, which is not safe from two threads at once (one of
    them sees a half-initialised module without the class)."""
    with SDK_IMPORT_LOCK:
        return _response_properties(type_token)


@functools.cache
def _response_properties(type_token: str) -> dict[str, Any]:
    module_name, class_name = _resource_classes().get(type_token, ("", ""))
    if not module_name:
        raise UnknownResourceType(f"{type_token}: the installed {SDK_MODULE} declares no such resource")
    try:
        cls = getattr(importlib.import_module(module_name), class_name)
        declared = pulumi_types.resource_types(cls)
    except (ImportError, AttributeError, NameError, TypeError) as exc:
        raise UnknownResourceType(f"{type_token}: {module_name}.{class_name} cannot be read: {exc}") from None
    return {**RESPONSE_ONLY, **declared}


@functools.cache
def _resource_classes() -> dict[str, tuple[str, str]]:
    """Type token -> (module, class) from the SDK's own registration (``_utilities.register`` in
    its ``__init__``, the table the SDK uses to rehydrate resources), read without importing it."""
    spec = importlib.util.find_spec(SDK_MODULE)
    if spec is None or spec.origin is None:
        return {}
    match = _REGISTRATION.search(Path(spec.origin).read_text(encoding="utf-8"))
    if match is None:
        return {}
    classes: dict[str, tuple[str, str]] = {}
    for module in json.loads(match.group(1)):
        for token, name in module.get("classes", {}).items():
            classes[token] = (module["fqn"], name)
    return classes


def _object(inputs: abc.Mapping[str, Any], properties: abc.Mapping[str, Any]) -> dict[str, Any]:
    """``PreviewOutputs``: every property, from the input of its name or unknown."""
    return {name: _value(inputs[name], typ, False) if name in inputs else UNKNOWN for name, typ in properties.items()}


def _is_any(typ: Any) -> bool:
    return typ is typing.Any or typ is object


def _value(value: Any, typ: Any, typed: bool) -> Any:
    """``previewOutputValue``: the input when its shape fits the property's metadata, else unknown.

    ``typed`` is False for a property of a resource or of an object type: the generator records no
    ``Type`` for output properties (``provider/pkg/gen/properties.go`` ``genProperty``: "Input
    types only get extra information attached"), so a scalar input is kept whatever its type (the
    "Untyped property" case). It is True for an array item or a map value, whose metadata keeps
    the type (``itemTypeToProperty``), so a scalar there must be of that type. An ``Any`` item has
    no metadata at all (``itemTypeToProperty`` returns nil): unknown.
    """
    origin = typing.get_origin(typ)
    if origin in (typing.Union, types.UnionType):
        members = [member for member in typing.get_args(typ) if member is not type(None)]
        if len(members) == 1:
            return _value(value, members[0], typed)
        # A union (oneOf): an object is kept as given ("Fallback to legacy behaviour").
        return value if _is_object(value) else UNKNOWN
    if _is_any(typ):
        return UNKNOWN if typed else value  # pulumi.json#/Any: as given
    if origin in (list, abc.Sequence, abc.MutableSequence):
        (item,) = typing.get_args(typ)[:1] or (typing.Any,)
        if not isinstance(value, list) or (_is_any(item) and not typed):
            return UNKNOWN  # property level, items of Any: no Items metadata, an untyped non-scalar
        return [_value(element, item, True) for element in value]
    if origin in (dict, abc.Mapping, abc.MutableMapping):
        item = typing.get_args(typ)[1] if len(typing.get_args(typ)) == 2 else typing.Any
        if not _is_object(value) or _is_any(item):
            return UNKNOWN
        return {key: _value(element, item, True) for key, element in value.items()}
    if isinstance(typ, type):
        if pulumi_types.is_output_type(typ):
            return _object(value, _output_fields(typ)) if _is_object(value) else UNKNOWN
        if not typed:
            return value if isinstance(value, (str, int, float)) else UNKNOWN
        if typ is bool:
            return value if isinstance(value, bool) else UNKNOWN
        if issubclass(typ, (int, float)):
            return value if isinstance(value, (int, float)) and not isinstance(value, bool) else UNKNOWN
        if issubclass(typ, str):
            return value if isinstance(value, str) else UNKNOWN
    return UNKNOWN


@functools.cache
def _output_fields(cls: type) -> dict[str, Any]:
    """An SDK output type's properties: wire name -> type (resolving the hints once per type)."""
    with SDK_IMPORT_LOCK:
        return pulumi_types.output_type_types(cls)


def _is_object(value: Any) -> bool:
    return isinstance(value, dict) and value.get(SIG_KEY) != SECRET_SIG


def _is_secret(value: Any) -> bool:
    return isinstance(value, dict) and value.get(SIG_KEY) == SECRET_SIG


def _reveal(value: Any) -> Any:
    """The value as the engine sends it to a provider that does not accept secrets (plain)."""
    if _is_secret(value):
        return _reveal(value.get("value"))
    if isinstance(value, dict):
        return {key: _reveal(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_reveal(item) for item in value]
    return value


def _contains_secrets(value: Any) -> bool:
    if _is_secret(value):
        return True
    if isinstance(value, dict):
        return any(_contains_secrets(item) for item in value.values())
    if isinstance(value, list):
        return any(_contains_secrets(item) for item in value)
    return False


def _annotate_secrets(outputs: dict[str, Any], inputs: dict[str, Any]) -> None:
    """``annotateSecrets``: an output whose input of the same name held a secret is secret."""
    for key, given in inputs.items():
        if key not in outputs:
            continue
        produced = outputs[key]
        if _is_object(produced) and _is_object(given):
            _annotate_secrets(produced, given)
        elif not _is_secret(produced) and _contains_secrets(given):
            outputs[key] = {SIG_KEY: SECRET_SIG, "value": produced}


def package_of(type_token: str) -> str:
    """The package of a resource type token (``azure-native:storage:StorageAccount`` -> ``azure-native``)."""
    return type_token.split(":", 1)[0]


def reproduces(type_token: str) -> bool:
    """Whether the gate reproduces this type's provider preview (azure-native types the SDK declares)."""
    if package_of(type_token) != AZURE_NATIVE:
        return False
    try:
        response_properties(type_token)
    except UnknownResourceType:
        return False
    return True
