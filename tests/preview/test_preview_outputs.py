"""What a new resource's outputs are in a preview, as AnalyzeStack sends them to a pack.

The Pulumi engine keeps, as a new custom resource's state during ``pulumi preview``, what its
provider's ``Create(preview=true)`` answers (pulumi/pulumi ``pkg/resource/deploy/step.go``
``CreateStep.Apply``: ``outs = resp.Properties``; ``pkg/resource/plugin/provider_plugin.go``
``provider.Create``, unknowns kept in a preview), and sends that state to ``AnalyzeStack``
(``step_generator.go`` ``AnalyzeResources``: ``Properties: v.Outputs``; ``analyzer_plugin.go``
``AnalyzeStack``: ``KeepUnknowns: true``). azure-native answers ``PreviewOutputs(inputs,
res.Response)`` (pulumi-azure-native ``provider/pkg/provider/provider.go`` ``Create``,
``provider/pkg/convert/previewOutputs.go``): every response property, from the input of the same
name when its shape fits the property's type, otherwise unknown; inputs that are not outputs (path
parameters such as ``resourceGroupName``) are not part of it; ``id`` is a response property
(``provider/pkg/gen/schema.go`` deletes it from the schema's outputs only), so it is unknown.
"""

from __future__ import annotations

import json
import textwrap
from typing import Any

import pytest
from hostile_support import write_project
from preview_support import run_cli

from pulumi_aizone_gate.preview_state import UnknownResourceType, preview_state
from pulumi_aizone_gate.wire import SECRET_SIG, SIG_KEY, UNKNOWN

ACCOUNT = "azure-native:storage:StorageAccount"

PROGRAM = textwrap.dedent(
    """\
    import pulumi
    from pulumi_azure_native import storage

    account = storage.StorageAccount(
        "data",
        storage.StorageAccountArgs(
            resource_group_name="rg-data",
            account_name="aizonedata1",
            location="swedencentral",
            kind="StorageV2",
            sku=storage.SkuArgs(name="Standard_LRS"),
            allow_blob_public_access=False,
            minimum_tls_version="TLS1_2",
            identity=storage.IdentityArgs(type="SystemAssigned"),
            network_rule_set=storage.NetworkRuleSetArgs(default_action="Deny"),
        ),
    )
    pulumi.CustomResource("test:index:Thing", "thing", {"value": "given"})
    principal = account.identity.apply(lambda identity: (identity and identity.principal_id) or "none")
    pulumi.CustomResource("test:index:Thing", "principal", {"value": principal})
    pulumi.export("blob", account.primary_endpoints.blob)
    """
)

# Paths the stack policy reads on each resource it is sent, and what it saw there.
PATHS = (
    "id",
    "resourceGroupName",
    "accountName",
    "name",
    "location",
    "kind",
    "sku.name",
    "sku.tier",
    "allowBlobPublicAccess",
    "minimumTlsVersion",
    "allowSharedKeyAccess",
    "primaryEndpoints",
    "identity.type",
    "identity.principalId",
    "networkRuleSet.defaultAction",
    "networkRuleSet.bypass",
    "networkRuleSet.ipRules",
    "value",
)

PACK = textwrap.dedent(
    """\
    import json

    from pulumi_policy import EnforcementLevel, PolicyPack, StackValidationPolicy

    PATHS = {paths!r}


    def seen(props, path):
        current = props
        for step in path.split("."):
            try:
                if step not in current:
                    return "ABSENT"
                current = current[step]
            except Exception as error:  # pulumi_policy raises UnknownValueError on an unknown
                if type(error).__name__ == "UnknownValueError":
                    return "UNKNOWN"
                raise
        return current


    def report(args, report_violation):
        for resource in args.resources:
            if resource.resource_type.startswith("pulumi:"):
                continue
            found = {{path: seen(resource.props, path) for path in PATHS}}
            report_violation("[TST-3] " + json.dumps({{k: v for k, v in found.items() if v != "ABSENT"}}, sort_keys=True), resource.urn)


    PolicyPack(
        name="outputs-pack",
        enforcement_level=EnforcementLevel.ADVISORY,
        policies=[StackValidationPolicy(name="outputs-seen", description="[TST-3] What AnalyzeStack carries.", validate=report)],
    )
    """
)


@pytest.fixture(scope="module")
def seen(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    """What the stack policy saw on each resource (by logical name) of one gate run."""
    root = tmp_path_factory.mktemp("outputs")
    program = write_project(root / "program", {"__main__.py": PROGRAM})
    pack = root / "pack"
    pack.mkdir()
    (pack / "PulumiPolicy.yaml").write_text("runtime: python\ndescription: outputs test pack\n", encoding="utf-8")
    (pack / "__main__.py").write_text(PACK.format(paths=PATHS), encoding="utf-8")
    report = root / "report.json"
    result = run_cli("--program", program, "--stack", "dev", "--policy-pack", pack, "--json", report)
    assert result.returncode == 0, result.stdout + result.stderr
    findings = json.loads(report.read_text(encoding="utf-8"))["findings"]
    return {
        f["urn"].rsplit("::", 1)[-1]: json.loads(f["message"].split("[TST-3] ", 2)[-1]) for f in findings if f["policy"] == "outputs-seen"
    }


def test_a_stack_policy_sees_azure_native_preview_outputs(seen: dict[str, dict[str, Any]]) -> None:
    assert seen["data"] == {
        # given by an input of the same name and shape
        "location": "swedencentral",
        "kind": "StorageV2",
        "sku.name": "Standard_LRS",
        "allowBlobPublicAccess": False,
        "minimumTlsVersion": "TLS1_2",
        "identity.type": "SystemAssigned",
        "networkRuleSet.defaultAction": "Deny",
        "networkRuleSet.bypass": "AzureServices",  # the SDK's NetworkRuleSetArgs default, an input
        # computed by Azure, or left unset by the program: unknown, never absent
        "id": "UNKNOWN",
        "name": "UNKNOWN",
        "sku.tier": "UNKNOWN",
        "allowSharedKeyAccess": "UNKNOWN",
        "primaryEndpoints": "UNKNOWN",
        "identity.principalId": "UNKNOWN",
        "networkRuleSet.ipRules": "UNKNOWN",
        # resourceGroupName and accountName are inputs only (path parameters): not outputs
    }


def test_the_program_gets_the_same_outputs(seen: dict[str, dict[str, Any]]) -> None:
    """The engine answers the program with the state (source_eval.go): the identity holds an
    unknown principalId, so the program's callback on it does not run in a preview."""
    assert seen["principal"] == {"value": "UNKNOWN"}


def test_a_resource_of_another_package_keeps_its_inputs_as_outputs(seen: dict[str, dict[str, Any]]) -> None:
    """The gate runs no provider for other packages: their state is their inputs (the engine's
    answer for a provider without preview support, provider_plugin.go)."""
    assert seen["thing"] == {"value": "given"}


# --- preview_state, property by property -------------------------------------------------------------

BASELINE: dict[str, Any] = {"resourceGroupName": "rg", "accountName": "a1", "location": "swedencentral", "kind": "StorageV2"}


def test_baseline_keeps_outputs_given_and_drops_inputs_that_are_not_outputs() -> None:
    state = preview_state(ACCOUNT, BASELINE)
    assert (state["location"], state["kind"]) == ("swedencentral", "StorageV2")
    assert "resourceGroupName" not in state and "accountName" not in state
    assert state["id"] == UNKNOWN and state["primaryEndpoints"] == UNKNOWN


@pytest.mark.parametrize(("key", "value"), [("allowBlobPublicAccess", "false"), ("minimumTlsVersion", 12)])
def test_a_scalar_of_another_type_is_kept(key: str, value: object) -> None:
    """The generator records no type for output properties (properties.go, genProperty), so
    previewOutputValue keeps any scalar there ("Untyped property"); the provider's Check, which
    the gate does not run, is what refuses it in a real preview."""
    assert preview_state(ACCOUNT, {**BASELINE, key: value})[key] == value


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("allowBlobPublicAccess", {"value": False}),  # an object where the property is a scalar
        ("sku", "Standard_LRS"),  # a string where it is an object
        ("networkRuleSet", [{"defaultAction": "Deny"}]),  # a list where it is an object
    ],
)
def test_an_input_of_the_wrong_shape_is_unknown(key: str, value: object) -> None:
    assert preview_state(ACCOUNT, {**BASELINE, key: value})[key] == UNKNOWN


def test_array_items_must_be_of_their_declared_type() -> None:
    """Items keep their type in the metadata (itemTypeToProperty); Python's True is not a string."""
    state = preview_state("azure-native:cognitiveservices:Account", {"properties": {"allowedFqdnList": ["a.example", 1, True]}})
    assert state["properties"]["allowedFqdnList"] == ["a.example", UNKNOWN, UNKNOWN]
    assert state["properties"]["endpoint"] == UNKNOWN


def test_a_list_and_a_map_are_previewed_item_by_item() -> None:
    rules = {"defaultAction": "Deny", "ipRules": [{"iPAddressOrRange": "203.0.113.0/24"}, "not an object"]}
    state = preview_state(ACCOUNT, {**BASELINE, "networkRuleSet": rules, "tags": {"owner": "ai", "size": 3}})
    assert state["networkRuleSet"]["ipRules"] == [{"iPAddressOrRange": "203.0.113.0/24", "action": UNKNOWN}, UNKNOWN]
    assert state["tags"] == {"owner": "ai", "size": UNKNOWN}


def test_user_assigned_identities_given_as_a_list_are_unknown() -> None:
    """The SDK takes a list of ids; the output is a map: the whole value is unknown
    (previewOutputs_test.go, "string set property")."""
    identity = {"type": "UserAssigned", "userAssignedIdentities": ["/subscriptions/s/resourceGroups/g/providers/x/uai"]}
    state = preview_state(ACCOUNT, {**BASELINE, "identity": identity})
    assert state["identity"] == {"type": "UserAssigned", "userAssignedIdentities": UNKNOWN, "principalId": UNKNOWN, "tenantId": UNKNOWN}


def test_an_unknown_input_stays_unknown() -> None:
    assert preview_state(ACCOUNT, {**BASELINE, "allowBlobPublicAccess": UNKNOWN})["allowBlobPublicAccess"] == UNKNOWN


def test_a_secret_input_makes_its_output_secret() -> None:
    """azure-native takes no secrets: the engine sends the plain value and marks the output of the
    same name secret again (provider_plugin.go, annotateSecrets), inside objects too."""
    secret = {SIG_KEY: SECRET_SIG, "value": "ai"}
    state = preview_state(
        ACCOUNT, {**BASELINE, "tags": {"owner": secret, "team": "x"}, "kind": {SIG_KEY: SECRET_SIG, "value": "StorageV2"}}
    )
    assert state["tags"] == {"owner": {SIG_KEY: SECRET_SIG, "value": "ai"}, "team": "x"}
    assert state["kind"] == {SIG_KEY: SECRET_SIG, "value": "StorageV2"}


def test_a_type_the_sdk_does_not_declare_is_refused() -> None:
    with pytest.raises(UnknownResourceType, match="azure-native:storage:NoSuchThing"):
        preview_state("azure-native:storage:NoSuchThing", {})
