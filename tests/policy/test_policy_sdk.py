"""Every type token, property path and enum value the pack relies on exists in the installed SDKs
(pulumi-azure-native 3.29, pulumi-azuread 6.11, classic pulumi-azure 6.40): the resource classes' `pulumi_type`, the `*Args`
input types (wire names through pulumi's own name translation) and `_enums.py`."""

from __future__ import annotations

import enum
import importlib
import re
import typing
from collections.abc import Iterator
from types import ModuleType
from typing import Any

import pytest
from pulumi._types import input_type_py_to_pulumi_names, is_input_type, resource_py_to_pulumi_names

from pulumi_aizone_policy import reference, tokens
from pulumi_aizone_policy.framework import Field
from pulumi_aizone_policy.policies import ALL_SPECS

# azure-native v2 name of the diagnostic setting, accepted for older stacks: an alias in v3.
V2_ALIASES = {tokens.DIAGNOSTIC_SETTING_V2: tokens.DIAGNOSTIC_SETTING}


def _resource_class(type_token: str) -> type:
    """The SDK resource class of a type token (its last segment names the class)."""
    provider, module, name = type_token.split(":")
    if provider == "azure":  # classic pulumi-azure: azure:<module>/<camelName>:<Resource>
        return getattr(importlib.import_module(f"pulumi_azure.{module.split('/')[0]}"), name)
    package = "pulumi_azuread" if provider == "azuread" else f"pulumi_azure_native.{module}"
    return getattr(importlib.import_module(package), name)


def _token_constants() -> Iterator[str]:
    for name in dir(tokens):
        value = getattr(tokens, name)
        if name.isupper() and isinstance(value, str) and value.startswith(("azure-native:", "azuread:", "azure:")):
            yield value


@pytest.mark.parametrize("type_token", sorted(set(_token_constants()) | set(reference.PRIVATE_LINK)))
def test_type_token_exists(type_token: str) -> None:
    if type_token in V2_ALIASES:
        resource = _resource_class(V2_ALIASES[type_token])
        source = importlib.import_module(resource.__module__).__file__ or ""
        assert f'pulumi.Alias(type_="{type_token}")' in open(source, encoding="utf-8").read()
        return
    assert getattr(_resource_class(type_token), "pulumi_type") == type_token


def _namespace(cls: type) -> dict[str, Any]:
    """Names visible to an Args class: its package's inputs and enums."""
    package = cls.__module__.rsplit(".", 1)[0]
    namespace: dict[str, Any] = {}
    for suffix in ("_enums", "_inputs"):
        try:
            module: ModuleType = importlib.import_module(f"{package}.{suffix}")
        except ModuleNotFoundError:
            continue
        namespace.update(vars(module))
    namespace.update(vars(importlib.import_module(cls.__module__)))
    return namespace


def _annotation_types(annotation: object, namespace: dict[str, Any]) -> list[type]:
    """Classes named anywhere in a (possibly forward-referenced) annotation."""
    if isinstance(annotation, typing.ForwardRef):
        annotation = annotation.__forward_arg__
    if isinstance(annotation, str):
        found = [namespace.get(name.rsplit(".", 1)[-1]) for name in re.findall(r"[A-Za-z_][\w.]*", annotation)]
        return [item for item in found if isinstance(item, type)]
    if typing.get_origin(annotation) is not None:
        return [found for arg in typing.get_args(annotation) for found in _annotation_types(arg, namespace)]
    return [annotation] if isinstance(annotation, type) else []


def _resolve(field: Field) -> list[str]:
    """Walk the field's wire path through the Args classes; the leaf's enum values. A union
    (e.g. a compute's `properties`, one Args class per compute type) is followed through every
    member that has the next step."""
    resource = _resource_class(field.type_token)
    module = importlib.import_module(resource.__module__)
    # The generator names a resource's args class `<Resource>InitArgs` when `<Resource>Args` is taken by
    # an input type of the package (pulumi-azure's storage.AccountStaticWebsite: its account block's
    # type; cognitive.AccountCustomerManagedKey).
    args = getattr(module, f"{resource.__name__}InitArgs", None) or getattr(module, f"{resource.__name__}Args")
    candidates: list[type] = [args]
    steps = field.path.split(".")
    for index, raw_step in enumerate(steps):
        step = raw_step.removesuffix("[]")
        having = [(current, {wire: py for py, wire in input_type_py_to_pulumi_names(current).items()}) for current in candidates]
        having = [(current, names) for current, names in having if step in names]
        assert having, f"{field.type_token}: '{field.path}': no input '{step}' on {', '.join(current.__name__ for current in candidates)}"
        found = [
            kind
            for current, names in having
            for kind in _annotation_types(current.__init__.__annotations__.get(names[step]), _namespace(current))
        ]
        if index == len(steps) - 1:
            return [member.value for kind in found if issubclass(kind, enum.Enum) for member in kind]
        candidates = [kind for kind in found if is_input_type(kind)]
        assert candidates, f"{field.type_token}: '{field.path}': '{step}' is not an object on {having[0][0].__name__}"
    raise AssertionError("unreachable: the loop returns on the last step")


def _fields() -> list[Any]:
    """Each distinct field once, marked with the controls of every policy that reads it."""
    controls: dict[Field, dict[str, None]] = {}
    for spec in ALL_SPECS:
        for field in spec.fields:
            controls.setdefault(field, {}).update(dict.fromkeys(spec.controls))
    return [
        pytest.param(field, id=f"{field.type_token.rsplit(':', 1)[-1]}.{field.path}", marks=pytest.mark.controls(*ids))
        for field, ids in controls.items()
    ]


@pytest.mark.parametrize("field", _fields())
def test_property_path_and_enum_values_exist(field: Field) -> None:
    enum_values = _resolve(field)
    assert set(field.values) <= set(enum_values), f"{field.path}: {field.values} not all in SDK enum {enum_values}"


# Outputs (not inputs) that stack policies read: what AnalyzeStack carries for created resources.
OUTPUTS: tuple[tuple[str, str], ...] = (
    (tokens.USER_ASSIGNED_IDENTITY, "principalId"),
    (tokens.AZUREAD_GROUP, "objectId"),
    (tokens.AZUREAD_USER, "objectId"),
    (tokens.AZUREAD_SERVICE_PRINCIPAL, "objectId"),
    (tokens.RAI_POLICY, "name"),
    (tokens.PRIVATE_ENDPOINT, "name"),
    (tokens.COGNITIVE_DEPLOYMENT, "properties"),
    (tokens.CONTAINER_REGISTRY, "loginServer"),
    (tokens.CONTAINER_REGISTRY, "name"),
    (tokens.DEFENDER_PRICING, "name"),
    (tokens.APIM_API, "name"),
    (tokens.APIM_SERVICE, "name"),
    (tokens.STORAGE_ACCOUNT, "name"),
)


@pytest.mark.parametrize(("type_token", "output"), OUTPUTS, ids=[f"{t.rsplit(':', 1)[-1]}.{o}" for t, o in OUTPUTS])
def test_output_exists(type_token: str, output: str) -> None:
    assert output in resource_py_to_pulumi_names(_resource_class(type_token)).values()


@pytest.mark.parametrize(
    "type_token",
    [
        tokens.COGNITIVE_ACCOUNT,
        tokens.SEARCH_SERVICE,
        tokens.APIM_SERVICE,
        tokens.PURVIEW_ACCOUNT,
        tokens.ML_WORKSPACE,
        tokens.SESSION_POOL,
        tokens.CONTAINER_APP,
    ],
)
def test_identity_output_has_principal_id(type_token: str) -> None:
    """identity.principalId links role assignments to system-assigned identities."""
    resource = _resource_class(type_token)
    annotation = str(resource.identity.fget.__annotations__.get("return"))
    response = re.search(r"outputs\.(\w+)", annotation) or re.search(r"(\w+Response)", annotation)
    assert response, annotation
    outputs = importlib.import_module(resource.__module__.rsplit(".", 1)[0] + ".outputs")
    assert hasattr(getattr(outputs, response.group(1)), "principal_id")


def test_connection_and_datastore_auth_values_exist() -> None:
    """The discriminators of connections (`authType`) and datastore credentials (`credentialsType`)
    are plain strings on each union member, not enum-typed inputs: their allowed values are checked
    against the modules' enums here."""
    from pulumi_azure_native.cognitiveservices import ConnectionAuthType as FoundryAuth
    from pulumi_azure_native.machinelearningservices import ConnectionAuthType as MlAuth, CredentialsType

    from pulumi_aizone_policy.policies.ai_platform import ENTRA_CONNECTION_AUTH

    assert set(ENTRA_CONNECTION_AUTH) <= {member.value for member in MlAuth}
    assert set(ENTRA_CONNECTION_AUTH) & {member.value for member in FoundryAuth} == {"AAD", "ManagedIdentity", "None"}
    assert "None" in {member.value for member in CredentialsType}
