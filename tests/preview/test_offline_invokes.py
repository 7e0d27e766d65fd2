"""What the gate supplies offline: invoke answers shaped by the SDK's result types, other stacks'
outputs (``--stack-reference``), a resource's own ``type`` input, and the message of a program that
fails on one of those values."""

from __future__ import annotations

import base64
import importlib
import inspect
import json
import re
import sys
import textwrap
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from preview_support import PACK, run_cli
from pulumi.runtime.mocks import MockCallArgs, MockResourceArgs

from pulumi_aizone_gate import run
from pulumi_aizone_gate.azure_mocks import CLIENT_ID, OBJECT_ID, SUBSCRIPTION_ID, TENANT_ID, AzureMocks
from pulumi_aizone_gate.invokes import OFFLINE_IP_ADDRESS, UnknownInvoke, answer, python_function_name
from pulumi_aizone_gate.model import PreviewResult
from pulumi_aizone_gate.wire import UNKNOWN

RG = "rg-offline"


def _program(directory: Path, body: str, project: str = "offline-invokes") -> Path:
    """A Pulumi project with stack `dev` whose __main__.py is ``body``."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "Pulumi.yaml").write_text(f"name: {project}\nruntime: python\n", encoding="utf-8")
    (directory / "Pulumi.dev.yaml").write_text("config:\n  azure-native:location: westeurope\n", encoding="utf-8")
    (directory / "__main__.py").write_text(textwrap.dedent(body), encoding="utf-8")
    return directory


def _stack_outputs(result: PreviewResult) -> dict[str, Any]:
    return next(r for r in result.resources if r.type == "pulumi:pulumi:Stack").outputs


# --- invokes.answer: every field of the SDK's result type ------------------------------------------


def test_registry_credentials_have_a_username_and_passwords() -> None:
    creds = answer("azure-native:containerregistry:listRegistryCredentials", {"registryName": "acr", "resourceGroupName": RG})
    assert set(creds) == {"passwords", "username"}
    assert len(creds["passwords"]) == 1 and set(creds["passwords"][0]) == {"name", "value"}
    assert creds["username"] and creds["passwords"][0]["value"]


def test_aks_user_credentials_decode_to_a_kubeconfig_for_the_cluster() -> None:
    creds = answer("azure-native:containerservice:listManagedClusterUserCredentials", {"resourceName": "aks1", "resourceGroupName": RG})
    assert set(creds) == {"kubeconfigs"} and set(creds["kubeconfigs"][0]) == {"name", "value"}
    kubeconfig = base64.b64decode(creds["kubeconfigs"][0]["value"], validate=True).decode()
    assert "kind: Config" in kubeconfig
    assert "server: https://aks1.hcp.offline.invalid:443" in kubeconfig


def test_storage_keys_are_named_key1_with_base64_values() -> None:
    keys = answer("azure-native:storage:listStorageAccountKeys", {"accountName": "sa", "resourceGroupName": RG})
    assert set(keys) == {"keys"}
    assert set(keys["keys"][0]) == {"creationTime", "keyName", "permissions", "value"}
    assert keys["keys"][0]["keyName"] == "key1"
    assert base64.b64decode(keys["keys"][0]["value"], validate=True)
    sas = answer("azure-native:storage:listStorageAccountServiceSAS", {"accountName": "sa", "resourceGroupName": RG})
    assert set(sas) == {"serviceSasToken"} and sas["serviceSasToken"]


@pytest.mark.parametrize(
    ("token", "fields"),
    [
        ("azure-native:authorization:getClientConfig", {"clientId", "objectId", "subscriptionId", "tenantId"}),
        ("azure:core/getClientConfig:getClientConfig", {"clientId", "id", "objectId", "subscriptionId", "tenantId"}),
        ("azuread:index/getClientConfig:getClientConfig", {"clientId", "id", "objectId", "tenantId"}),
    ],
)
def test_client_config_of_each_sdk_names_the_gate_identity(token: str, fields: set[str]) -> None:
    config = answer(token, {})
    assert set(config) == fields
    assert config["clientId"] == CLIENT_ID and config["objectId"] == OBJECT_ID and config["tenantId"] == TENANT_ID
    assert config.get("subscriptionId", SUBSCRIPTION_ID) == SUBSCRIPTION_ID


def test_lookups_echo_their_arguments_into_ids_names_and_addresses() -> None:
    scope = f"/subscriptions/{SUBSCRIPTION_ID}"
    role = answer("azure-native:authorization:getRoleDefinition", {"roleDefinitionId": "acdd72a7", "scope": scope})
    assert role["id"] == f"{scope}/providers/Microsoft.Authorization/roleDefinitions/acdd72a7"
    assert role["name"] == "acdd72a7"
    assert role["azureApiVersion"] == "2022-05-01-preview"  # the version the SDK's docstring names
    assert set(role["permissions"][0]) >= {"actions", "dataActions", "notActions", "notDataActions"}
    ip = answer("azure-native:network:getPublicIPAddress", {"publicIpAddressName": "pip", "resourceGroupName": RG})
    assert ip["ipAddress"] == OFFLINE_IP_ADDRESS
    assert ip["id"] == f"/subscriptions/{SUBSCRIPTION_ID}/resourceGroups/{RG}/providers/Microsoft.Network/publicIPAddresses/pip"
    assert ip["name"] == "pip" and ip["location"] == "westeurope"
    assert isinstance(ip["sku"], dict) and isinstance(ip["ipTags"], list) and isinstance(ip["idleTimeoutInMinutes"], int)


def _function_tokens(module: ModuleType) -> list[tuple[str, type]]:
    """(token, result class) of every function the SDK module defines, read from its source."""
    getattr(module, "_utilities", None)  # a lazily imported SDK package loads (and imports its modules) now
    found: list[tuple[str, type]] = []
    for path in sorted(Path(str(module.__file__)).parent.glob("*.py")):
        for token, result in re.findall(
            r"pulumi\.runtime\.invoke\('([^']+)', __args__, opts=opts, typ=(\w+)\)", path.read_text(encoding="utf-8")
        ):
            found.append((token, getattr(sys.modules[f"{module.__name__}.{path.stem}"], result)))
    return found


@pytest.mark.parametrize(
    "module",
    ["pulumi_azure_native.authorization", "pulumi_azure_native.containerregistry", "pulumi_azure_native.storage", "pulumi_azure.core"],
)
def test_every_function_of_a_module_gets_every_field_of_its_result(module: str) -> None:
    functions = _function_tokens(importlib.import_module(module))
    assert len(functions) >= 10
    for token, result in functions:
        fields = [name for name in inspect.signature(result.__init__).parameters if name != "__self__"]
        answered = answer(token, {"resourceGroupName": RG})
        assert len(answered) == len(fields), token
        assert all(value is not None for value in answered.values()), token


def test_every_answer_is_deterministic() -> None:
    args = {"registryName": "acr", "resourceGroupName": RG}
    assert answer("azure-native:containerregistry:listRegistryCredentials", args) == answer(
        "azure-native:containerregistry:listRegistryCredentials", dict(args)
    )


@pytest.mark.parametrize(
    "token",
    [
        "azure-native:storage:StorageAccount",  # a resource type, not a function
        "azure-native:storage:listStorageAccountKeysX",
        "azure-native:..:getClientConfig",
        "azure-native:storage/../../os:getcwd",
        "os:path:join",
        "aizone-gate:cli:main",  # an installed pulumi_* package that is not a provider SDK
        "policy:__main__:run",
        "azure-native:_utilities:getVersion",
        "../azure-native:storage:listStorageAccountKeys",
        "azure.native:storage:listStorageAccountKeys",
        "azure-native:getClientConfig",
        "",
    ],
)
def test_tokens_no_installed_sdk_declares_are_refused(token: str) -> None:
    with pytest.raises(UnknownInvoke):
        answer(token, {})


def test_python_names_are_the_sdk_spelling() -> None:
    assert python_function_name("azure-native:network:getPublicIPAddress") == "get_public_ip_address"
    assert python_function_name("azure-native:storage:listStorageAccountServiceSAS") == "list_storage_account_service_sas"


def test_the_mocks_answer_known_tokens_and_record_them_and_leave_unknown_ones_empty() -> None:
    mocks = AzureMocks()
    creds, failures = mocks.call(MockCallArgs("azure-native:containerregistry:listRegistryCredentials", {"registryName": "a"}, ""))
    assert failures == [] and set(creds) == {"passwords", "username"}
    assert mocks.call(MockCallArgs("example:index:notAFunction", {}, "")) == ({}, [])
    assert mocks.supplied == [("invoke", "azure-native:containerregistry:listRegistryCredentials")]


# --- storage:Blob keeps its own `type` ----------------------------------------------------------------


def test_a_blob_keeps_its_type_input_and_defaults_to_block() -> None:
    mocks = AzureMocks()
    blob = {"accountName": "sa", "containerName": "c", "resourceGroupName": RG, "blobName": "b"}
    _, append = mocks.new_resource(MockResourceArgs("azure-native:storage:Blob", "b", {**blob, "type": "Append"}, custom=True))
    _, default = mocks.new_resource(MockResourceArgs("azure-native:storage:Blob", "d", blob, custom=True))
    _, account = mocks.new_resource(
        MockResourceArgs("azure-native:storage:StorageAccount", "sa", {"accountName": "sa", "resourceGroupName": RG}, custom=True)
    )
    assert append["type"] == "Append"
    assert default["type"] == "Block"
    assert account["type"] == "Microsoft.Storage/storageAccounts"


# --- whole programs -------------------------------------------------------------------------------

_INVOKING_PROGRAM = """
    import base64
    import pulumi
    import pulumi_azure as classic
    from pulumi_azure_native import containerregistry, containerservice, resources, storage

    rg = resources.ResourceGroup("rg", resource_group_name="rg-offline")
    creds = containerregistry.list_registry_credentials_output(registry_name="acr", resource_group_name="rg-offline")
    aks = containerservice.list_managed_cluster_user_credentials(resource_group_name="rg-offline", resource_name="aks1")
    keys = storage.list_storage_account_keys(account_name="sa", resource_group_name="rg-offline")
    config = classic.core.get_client_config()
    blob = storage.Blob("log", account_name="sa", container_name="c", resource_group_name="rg-offline", type=storage.BlobType.APPEND)
    pulumi.export("password", creds.passwords[0].value)
    pulumi.export("server", base64.b64decode(aks.kubeconfigs[0].value).decode().split("server: ")[1].split()[0])
    pulumi.export("keyName", keys.keys[0].key_name)
    pulumi.export("subscription", config.subscription_id)
    pulumi.export("blobType", blob.type)
    pulumi.export("location", rg.location)
"""


def test_a_program_reads_invoke_results_through_the_sdk(tmp_path: Path) -> None:
    result = run(_program(tmp_path / "p", _INVOKING_PROGRAM), "dev", PACK)
    outputs = _stack_outputs(result)
    assert outputs["password"] and outputs["password"] != UNKNOWN
    assert outputs["server"] == "https://aks1.hcp.offline.invalid:443"
    assert outputs["keyName"] == "key1"
    assert outputs["subscription"] == SUBSCRIPTION_ID
    assert outputs["blobType"] == "Append"
    # A value only Azure computes is unknown in a preview (the resource group's name output here).
    assert outputs["location"] == UNKNOWN
    assert result.invokes == {
        "azure-native:containerregistry:listRegistryCredentials": 1,
        "azure-native:containerservice:listManagedClusterUserCredentials": 1,
        "azure-native:storage:listStorageAccountKeys": 1,
        "azure:core/getClientConfig:getClientConfig": 1,
    }


_REFERENCING_PROGRAM = """
    import pulumi
    from pulumi_azure_native import resources

    network = pulumi.StackReference("acme/network/prod")

    def must_be_known(value):
        if value is None:
            raise ValueError("the gate ran this callback with None")
        return value

    vnet = network.require_output("vnetId").apply(must_be_known)
    rg = resources.ResourceGroup("rg", resource_group_name="rg-app", tags={"vnet": vnet})
    pulumi.export("vnet", vnet)
"""


def test_stack_reference_outputs_are_given_or_unknown(tmp_path: Path) -> None:
    program = _program(tmp_path / "p", _REFERENCING_PROGRAM)
    given = run(program, "dev", PACK, stack_references={"acme/network/prod": {"vnetId": "/subscriptions/x/vnets/hub"}})
    assert _stack_outputs(given)["vnet"] == "/subscriptions/x/vnets/hub"
    group = next(r for r in given.resources if r.type == "azure-native:resources:ResourceGroup")
    assert group.inputs["tags"] == {"vnet": "/subscriptions/x/vnets/hub"}
    reference = next(r for r in given.resources if r.type == "pulumi:pulumi:StackReference")
    assert reference.name == "acme/network/prod" and reference.outputs["outputs"] == {"vnetId": "/subscriptions/x/vnets/hub"}

    # Not given (or given for another stack): unknown, as in a preview; the callback never sees None.
    for references in (None, {"acme/network/dev": {"vnetId": "dev"}}):
        unknown = run(program, "dev", PACK, stack_references=references)
        assert _stack_outputs(unknown)["vnet"] == UNKNOWN
        group = next(r for r in unknown.resources if r.type == "azure-native:resources:ResourceGroup")
        assert group.inputs["tags"] == {"vnet": UNKNOWN}


# A failing program runs under the command line, in its own process, as users run it.


def _failure(program: Path, *extra: str | Path) -> str:
    done = run_cli("--program", program, "--stack", "dev", "--policy-pack", PACK, *extra)
    assert done.returncode == 2, done.stdout
    return next(line for line in done.stderr.splitlines() if line.startswith("program failed: "))


def test_a_failure_on_an_invoke_result_names_the_invoke_and_says_it_was_supplied_offline(tmp_path: Path) -> None:
    program = _program(
        tmp_path / "p",
        """
        from pulumi_azure_native import containerregistry
        creds = containerregistry.list_registry_credentials(registry_name="acr", resource_group_name="rg")
        port = int(creds.username)
        """,
    )
    assert _failure(program) == (
        "program failed: ValueError: invalid literal for int() with base 10: 'offline-username' "
        "[the failing code uses the result of invoke azure-native:containerregistry:listRegistryCredentials: "
        "values the gate supplied offline, not read from Azure or Pulumi Cloud; the real values may differ]"
    )


def test_a_failure_on_given_stack_outputs_names_the_stack_reference(tmp_path: Path) -> None:
    program = _program(
        tmp_path / "p",
        """
        import pulumi
        from pulumi_azure_native import resources
        network = pulumi.StackReference("acme/network/prod")
        rg = resources.ResourceGroup("rg", resource_group_name="rg-app", tags={"vnet": network.require_output("vnetId")})
        """,
    )
    outputs = tmp_path / "network.json"
    outputs.write_text(json.dumps({"subnetId": "s"}), encoding="utf-8")
    failure = _failure(program, "--stack-reference", f"acme/network/prod={outputs}")
    # Whether the failing frames show the StackReference call (the "failing code uses" wording)
    # depends on which of the SDK's tasks raises first; both name the stack and say "offline".
    assert failure.startswith("program failed: KeyError: 'vnetId' [")
    assert "the outputs of stack reference 'acme/network/prod' (from --stack-reference)" in failure
    assert "supplied offline, not" in failure and "from Azure or Pulumi Cloud" in failure


def test_a_failure_elsewhere_lists_what_was_supplied_and_nothing_supplied_adds_nothing(tmp_path: Path) -> None:
    program = _program(
        tmp_path / "p",
        """
        import pulumi
        from pulumi_azure_native import authorization
        config = authorization.get_client_config()
        network = pulumi.StackReference("acme/network/prod")
        value = int("not a number")
        """,
    )
    assert _failure(program) == (
        "program failed: ValueError: invalid literal for int() with base 10: 'not a number' [the program read values the gate "
        "supplied offline, not from Azure or Pulumi Cloud: the result of invoke azure-native:authorization:getClientConfig, "
        "the outputs of stack reference 'acme/network/prod' (unknown offline; "
        "give them with --stack-reference acme/network/prod=FILE); if the failing code uses them, the failure may come from these stand-ins]"
    )
    plain = _program(tmp_path / "q", "value = int('not a number')\n")
    assert _failure(plain) == "program failed: ValueError: invalid literal for int() with base 10: 'not a number'"


# --- the command line -----------------------------------------------------------------------------


def test_cli_stack_reference_reaches_the_program(tmp_path: Path) -> None:
    # The program creates a resource group named after the other stack's output once it is known.
    program = _program(
        tmp_path / "p",
        """
        import pulumi
        from pulumi_azure_native import resources
        network = pulumi.StackReference("acme/network/prod")
        network.require_output("vnetId").apply(lambda vnet: resources.ResourceGroup("rg-" + vnet.rsplit("/", 1)[-1]))
        """,
    )
    outputs = tmp_path / "network.json"
    outputs.write_text(json.dumps({"vnetId": "/subscriptions/x/vnets/hub"}), encoding="utf-8")

    def groups(*extra: str | Path) -> list[str]:
        report = tmp_path / "report.json"
        done = run_cli("--program", program, "--stack", "dev", "--policy-pack", PACK, "--json", report, *extra)
        assert done.returncode == 0, done.stderr
        resources = json.loads(report.read_text(encoding="utf-8"))["resources"]
        return [r["name"] for r in resources if r["type"] == "azure-native:resources:ResourceGroup"]

    assert groups("--stack-reference", f"acme/network/prod={outputs}") == ["rg-hub"]
    assert groups() == []  # unknown outputs: the callback does not run, as in a preview


@pytest.mark.parametrize(
    ("argument", "content", "expected"),
    [
        ("acme/network/prod", None, "'acme/network/prod': expected NAME=FILE"),
        ("=outputs.json", None, "'=outputs.json': expected NAME=FILE"),
        ("acme/network/prod=", None, "'acme/network/prod=': expected NAME=FILE"),
        ("acme/network/prod={dir}/absent.json", None, "acme/network/prod: cannot read"),
        ("acme/network/prod={file}", "{not json", "acme/network/prod: {file} is not JSON"),
        ("acme/network/prod={file}", '["vnetId"]', "must hold a JSON object of the stack's outputs (output name -> value), not list"),
        ("acme/network/prod={file}", '{"cidrs": NaN}', "acme/network/prod: {file} is not JSON: NaN is not a JSON value"),
        ("acme/network/prod={file}", '{"a": ' + "[" * 100_000 + "]" * 100_000 + "}", "is nested too deeply to be a stack's outputs"),
    ],
)
def test_cli_refuses_a_bad_stack_reference(tmp_path: Path, argument: str, content: str | None, expected: str) -> None:
    file = tmp_path / "outputs.json"
    if content is not None:
        file.write_text(content, encoding="utf-8")
    argument = argument.format(dir=tmp_path, file=file)
    done = run_cli("--program", tmp_path, "--stack", "dev", "--policy-pack", PACK, "--stack-reference", argument)
    assert done.returncode == 2
    assert "argument --stack-reference" in done.stderr and expected.format(file=file) in done.stderr


def test_cli_refuses_a_stack_given_twice(tmp_path: Path) -> None:
    file = tmp_path / "outputs.json"
    file.write_text("{}", encoding="utf-8")
    done = run_cli(
        "--program",
        tmp_path,
        "--stack",
        "dev",
        "--policy-pack",
        PACK,
        "--stack-reference",
        f"a/b/c={file}",
        "--stack-reference",
        f"a/b/c={file}",
    )
    assert done.returncode == 2
    assert "--stack-reference a/b/c is given twice; give each stack once" in done.stderr
