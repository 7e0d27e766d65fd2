"""Every control of the catalog is implemented, enforced where a policy can see it, and tested:
the traceability report (tools/traceability.py) has no gaps, and every place it names (file:line of
a component, a policy spec, a rule; a test node id) is the right one."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from pulumi_aizone import gateway_policy, integrity
from pulumi_aizone_policy import tokens
from pulumi_aizone_policy.framework import ResourcePolicySpec, StackPolicySpec
from pulumi_aizone_policy.policies import ALL_SPECS
from tools import traceability
from tools.traceability import Implementation, Location, Row, build_rows

ROOT = Path(__file__).resolve().parents[1]
# Modules of the component library that implement no control themselves: the registry and shared
# types (base), the package's exports, and resource naming. Every other module must register
# what it implements, so a new module forces a decision here.
UNREGISTERED_MODULES = {"__init__.py", "base.py", "naming.py", "provider.py"}  # shared types, name rules, the provider host


@pytest.fixture(scope="module")
def rows() -> list[Row]:
    """The report's rows, with one pytest collection for the whole module."""
    return build_rows()


def by_id(rows: list[Row]) -> dict[str, Row]:
    return {row.control_id: row for row in rows}


def source_line(where: Location) -> str:
    return (ROOT / where.path).read_text(encoding="utf-8").splitlines()[where.line - 1]


@pytest.mark.controls("RES-1")
def test_every_control_is_implemented_enforced_and_tested(rows: list[Row]) -> None:
    gaps = {row.control_id: row.gaps() for row in rows if row.gaps()}
    assert gaps == {}
    assert {row.control_id for row in rows} >= {"RES-1", "MOD-2a", "ACC-8", "DATA-7", "EXEC-5"}


def test_component_locations_are_their_implements_decorators(rows: list[Row]) -> None:
    for row in rows:
        for item in row.components:
            assert item.where is not None, (row.control_id, item.name)
            lines = (ROOT / item.where.path).read_text(encoding="utf-8").splitlines()[item.where.line - 1 :]
            header = "\n".join(lines[: next(i for i, line in enumerate(lines) if line.startswith(("class ", "def "))) + 1])
            if row.control_id == "RES-1":  # the pack's own metadata (PACK_IMPLEMENTED)
                assert header.endswith(f"class {item.name}:"), header
                continue
            assert header.startswith("@implements("), (row.control_id, item)
            assert f'"{row.control_id}"' in header and (f"class {item.name}(" in header or f"def {item.name}(" in header), header


def test_policy_locations_are_where_each_spec_is_named(rows: list[Row]) -> None:
    seen = set()
    for row in rows:
        for policy in row.policies:
            assert policy.where is not None and policy.where.path.startswith("policy_pack/pulumi_aizone_policy/"), policy
            assert f'"{policy.name}"' in source_line(policy.where), policy
            assert policy.rule is not None
            assert "def " in source_line(policy.rule) or "lambda" in source_line(policy.rule), policy
            seen.add(policy.name)
    assert seen == {spec.name for spec in ALL_SPECS}


def test_digest_checks_and_gateway_policy_are_registered(rows: list[Row]) -> None:
    """integrity.py (MOD-3, EXEC-2) and gateway_policy.py (MOD-4) register their functions."""
    controls = by_id(rows)
    integrity_file = "components/pulumi_aizone/integrity.py"
    mod3 = {(item.name, item.where.path if item.where else None) for item in controls["MOD-3"].components}
    assert {
        ("verify_artifact", integrity_file),
        ("require_pinned_image", integrity_file),
        ("AiServices", "components/pulumi_aizone/ai_services.py"),
    } <= mod3
    assert ("require_pinned_image", integrity_file) in {(i.name, i.where.path if i.where else None) for i in controls["EXEC-2"].components}
    assert ("inference_policy", "components/pulumi_aizone/gateway_policy.py") in {
        (i.name, i.where.path if i.where else None) for i in controls["MOD-4"].components
    }
    assert traceability._decorated_with(integrity.verify_artifact, "MOD-3") == Location(
        integrity_file, integrity.verify_artifact.__code__.co_firstlineno
    )
    assert traceability._decorated_with(integrity.verify_artifact, "EXEC-2") is None  # decorated, not for EXEC-2
    assert traceability._decorated_with(integrity.normalize_digest, "MOD-3") is None  # not decorated
    assert traceability._decorated_with(gateway_policy.inference_policy, "MOD-4") is not None


def test_every_component_module_registers_what_it_implements(rows: list[Row]) -> None:
    registered = {
        Path(item.where.path).name
        for row in rows
        for item in row.components
        if item.where and Path(item.where.path).parent.as_posix() == "components/pulumi_aizone"
    }
    modules = {path.name for path in (ROOT / "components" / "pulumi_aizone").glob("*.py")}
    assert modules - UNREGISTERED_MODULES == registered


def test_tests_include_markers_computed_at_collection(rows: list[Row]) -> None:
    """Markers made while the modules load (`controls_mark(spec.name)` on parametrized cases) count."""
    controls = by_id(rows)
    exec2 = controls["EXEC-2"].tests
    for spec in ALL_SPECS:
        if isinstance(spec, StackPolicySpec) and "EXEC-2" in spec.controls:
            assert f"tests/policy/test_policy_scaling.py::test_stack_policy_cost_is_linear[{spec.name}-preview]" in exec2
    assert any(
        test.startswith("tests/policy/test_policy_resources.py::test_violation_is_caught[Deployment.") for test in controls["MOD-3"].tests
    )
    assert "tests/test_traceability.py::test_every_control_is_implemented_enforced_and_tested" in controls["RES-1"].tests
    assert all("::" in test and (ROOT / test.split("::")[0]).is_file() for row in rows for test in row.tests)


def test_report_prints_places_and_test_ids(rows: list[Row]) -> None:
    text = traceability.report([row for row in rows if row.control_id == "MOD-3"])
    where = next(item.where for item in by_id(rows)["MOD-3"].components if item.name == "verify_artifact")
    assert f"    {where}  verify_artifact\n" in text
    approved = next(
        policy for policy in by_id(rows)["MOD-3"].policies if policy.name == "azurenative-cognitiveservices-deployment-approved-model"
    )
    assert f"    {approved.where}  {approved.name}  [MOD-3] resource, mandatory, rule at {approved.rule}\n" in text
    assert f"  proven by tests ({len(by_id(rows)['MOD-3'].tests)}):\n" in text
    assert all(f"    {test}\n" in text for test in by_id(rows)["MOD-3"].tests)
    assert text.rstrip().endswith("gaps: none")


def scoped(policy: str) -> tuple[str, ...]:
    if policy not in traceability.STACK_SCOPES:
        return ()
    module, attribute = traceability.STACK_SCOPES[policy]
    table = getattr(__import__(module, fromlist=[attribute]), attribute)
    return (table,) if isinstance(table, str) else tuple(table)


def expected_for_type(token: str) -> tuple[set[str], set[str]]:
    judging = {spec.name for spec in ALL_SPECS if isinstance(spec, ResourcePolicySpec) and token in spec.resource_types}
    reading = {
        spec.name
        for spec in ALL_SPECS
        if isinstance(spec, StackPolicySpec) and (any(f.type_token == token for f in spec.fields) or token in scoped(spec.name))
    }
    return judging, reading


def test_type_lists_the_policies_that_judge_and_read_it(capsys: pytest.CaptureFixture[str]) -> None:
    assert traceability.main(["--type", tokens.STORAGE_ACCOUNT]) == 0
    out = capsys.readouterr().out
    head, stack = out.split("  stack policies", 1)
    judging, reading = expected_for_type(tokens.STORAGE_ACCOUNT)
    assert judging and reading
    listed = lambda part: {line.split()[1] for line in part.splitlines() if line.startswith("    ")}  # noqa: E731
    assert listed(head) == judging and listed(stack) == reading
    tls = "azurenative-storage-storageaccount-tls-https-only"
    path = "policy_pack/pulumi_aizone_policy/policies/transport.py"
    line = next(i for i, text in enumerate((ROOT / path).read_text(encoding="utf-8").splitlines(), 1) if f'"{tls}"' in text)
    assert f"    {path}:{line}  {tls}  [RES-5] resource, mandatory, rule at {path}:" in head
    assert "azurenative-storage-storageaccount-dataset-isolation  [DATA-2] stack, mandatory" in stack


def test_type_shows_advisory_stack_policies(capsys: pytest.CaptureFixture[str]) -> None:
    assert traceability.main(["--type", tokens.SESSION_POOL]) == 0
    out = capsys.readouterr().out
    assert "azurenative-app-containerappssessionpool-execution-alerts  [EXEC-4] stack, advisory" in out
    assert "azurenative-app-containerappssessionpool-isolated-sessions  [EXEC-1] resource, mandatory" in out
    judging, reading = expected_for_type(tokens.SESSION_POOL)
    assert out.startswith(f"{tokens.SESSION_POOL}: {len(judging)} resource and {len(reading)} stack policies\n")


def test_type_includes_stack_policies_scoped_by_a_pack_table(capsys: pytest.CaptureFixture[str]) -> None:
    """Central logging, private endpoints and output monitoring judge every AI account without
    declaring it a field."""
    for name in traceability.STACK_SCOPES:
        spec = next(spec for spec in ALL_SPECS if spec.name == name)
        assert isinstance(spec, StackPolicySpec)
        # azure-native and, for RES-2 / RES-4, the classic provider's counterparts (azure:...).
        assert tokens.COGNITIVE_ACCOUNT in scoped(name) and all(token.startswith(("azure-native:", "azure:")) for token in scoped(name)), (
            name
        )
    assert traceability.main(["--type", tokens.COGNITIVE_ACCOUNT]) == 0
    stack = capsys.readouterr().out.split("  stack policies", 1)[1]
    assert "azurenative-monitor-diagnosticsetting-central-logging  [RES-2] stack, mandatory" in stack
    assert "azurenative-network-privateendpoint-required  [RES-4] stack, mandatory" in stack
    assert "azurenative-cognitiveservices-account-output-monitoring  [MOD-2b] stack, advisory" in stack


def test_unknown_type_names_the_closest_known_ones(capsys: pytest.CaptureFixture[str]) -> None:
    assert traceability.main(["--type", "azure-native:storage:storageaccount"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("--type 'azure-native:storage:storageaccount': no policy judges or reads this resource type.")
    assert "did you mean azure-native:storage:StorageAccount" in err
    with pytest.raises(SystemExit) as exited:
        traceability.main(["--type", tokens.STORAGE_ACCOUNT, "--check"])
    assert exited.value.code == 2


def test_check_fails_on_each_kind_of_gap(rows: list[Row], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(traceability, "build_rows", lambda: rows)
    assert traceability.main(["--check", "--no-tests"]) == 0
    capsys.readouterr()
    controls = by_id(rows)
    gateway = controls["MOD-4"].policies[0]
    broken = [
        dataclasses.replace(controls["EXEC-5"], tests=[], documented=False),
        dataclasses.replace(controls["RES-3"], components=[Implementation("Ghost", None)]),
        dataclasses.replace(controls["DATA-2"], policies=[]),
        dataclasses.replace(controls["MOD-4"], policies=[dataclasses.replace(gateway, where=None)]),
    ]
    monkeypatch.setattr(traceability, "build_rows", lambda: broken)
    assert traceability.main(["--no-tests"]) == 0  # without --check the report only lists gaps
    assert traceability.main(["--check", "--no-tests"]) == 1
    out = capsys.readouterr().out
    assert "  EXEC-5: not in README, no test\n" in out
    assert "  RES-3: Ghost not found in the source\n" in out
    assert "  DATA-2: no policy\n" in out
    assert f"  MOD-4: policy {gateway.name} not found in the source\n" in out


def test_control_option_narrows_the_report(rows: list[Row], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(traceability, "build_rows", lambda: rows)
    assert traceability.main(["--control", "MOD-4", "--no-tests"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("MOD-4  AI gateway\n") and "\nMOD-3 " not in out
    assert "gateway_policy.py:" in out and f"  proven by tests ({len(by_id(rows)['MOD-4'].tests)})\n" in out
    with pytest.raises(SystemExit) as exited:
        traceability.main(["--control", "MOD-9"])
    assert exited.value.code == 2
    assert "unknown control id; known ids: RES-1" in capsys.readouterr().err
