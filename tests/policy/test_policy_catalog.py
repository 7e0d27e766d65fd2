"""The control catalog is complete and consistent with docs/CONTROLS.md, every policy names existing
controls and carries the metadata RES-1 requires, and every policy is proven by a test."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from policy_cases import VIOLATIONS
from pulumi.runtime.proto import analyzer_pb2
from test_policy_stack import STACK_VIOLATIONS

from pulumi_aizone_policy import catalog
from pulumi_aizone_policy.harness import PackAnalyzer
from pulumi_aizone_policy.policies import ALL_SPECS
from tools import catalog_doc

REPO_ROOT = Path(__file__).resolve().parents[2]
# The catalog as a document, generated from the catalog data by tools/catalog_doc.py.
CONTROLS_MD = REPO_ROOT / "docs" / "CONTROLS.md"
ROW = re.compile(r"^\|\s*((?:RES|MOD|ACC|DATA|EXEC)-[0-9]+[a-z]?)\s*\|")
POLICY_NAME = re.compile(r"^(?:azurenative|azure|azuread)-[a-z]+-[a-z]+-[a-z0-9]+(?:-[a-z0-9]+)*$")
MCSB_V1 = re.compile(r"^(NS|IM|PA|DP|AM|LT|IR|PV|ES|BR|DS|GS)-[0-9]{1,2}$")
MCSB_V2_AI = re.compile(r"^AI-[1-7]$")

# Controls this pack enforces with policies: every control whose catalog mechanism includes R or S.
COVERED = {
    "RES-2",
    "RES-6",
    "RES-4",
    "RES-5",
    "MOD-1",
    "MOD-2a",
    "MOD-2b",
    "MOD-3",
    "MOD-4",
    "ACC-1",
    "ACC-2",
    "ACC-3",
    "ACC-5",
    "ACC-6",
    "ACC-7",
    "ACC-8",
    "DATA-1",
    "DATA-2",
    "DATA-3",
    "DATA-4",
    "DATA-5",
    "DATA-6",
    "DATA-7",
    "DATA-8",
    "EXEC-1",
    "EXEC-2",
    "EXEC-3",
    "EXEC-4",
}
# Controls that legitimately have no policy: RES-1 is the policies' own metadata (proven by the
# metadata tests), RES-3 and ACC-4 are built by the components (C), EXEC-5 is documented practice (D).
# Listed so that adding a control to the catalog forces a decision here.
WITHOUT_POLICY = {"RES-1", "RES-3", "ACC-4", "EXEC-5"}


def _markdown_rows(controls_md: Path) -> dict[str, tuple[frozenset[str], str]]:
    """{id: (enforced-by letters, level)} from the control tables of docs/CONTROLS.md."""
    rows: dict[str, tuple[frozenset[str], str]] = {}
    for line in controls_md.read_text(encoding="utf-8").splitlines():
        match = ROW.match(line)
        if match:
            cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
            by = re.sub(r"\(.*?\)", "", cells[-2])
            rows[match.group(1)] = (frozenset(part.strip() for part in by.split("+")), cells[-1])
    return rows


@pytest.mark.controls("RES-1")
def test_controls_md_is_generated_from_the_catalog() -> None:
    """docs/CONTROLS.md is exactly what the catalog and the policy specs render (not stale)."""
    assert catalog_doc.main(["--check"]) == 0, "docs/CONTROLS.md is stale: run `python -m tools.catalog_doc`"


@pytest.mark.controls("RES-1")
def test_catalog_has_every_control_of_controls_md() -> None:
    rows = _markdown_rows(CONTROLS_MD)
    assert set(rows) == set(catalog.CONTROLS_BY_ID)
    for control_id, (by, level) in rows.items():
        control = catalog.get_control(control_id)
        assert control.enforced_by == by, control_id
        assert (control.level or "-") == level, control_id
    text = CONTROLS_MD.read_text(encoding="utf-8")
    for spec in ALL_SPECS:
        assert f"`{spec.name}`" in text, f"docs/CONTROLS.md does not name {spec.name}"


def test_catalog_entries_are_well_formed() -> None:
    assert len(catalog.CONTROLS_BY_ID) == len(catalog.CONTROLS), "ids are unique"
    for control in catalog.CONTROLS:
        assert catalog.CONTROL_ID_PATTERN.match(control.id)
        assert control.title and control.requirement.endswith(".")
        assert control.section_title == catalog.SECTION_TITLES[control.section]
        assert control.mcsb, f"{control.id} maps to no MCSB control"
        assert all(MCSB_V1.match(item) for item in control.mcsb_v1), control.mcsb_v1
        assert all(MCSB_V2_AI.match(item) for item in control.mcsb_v2), control.mcsb_v2
        assert (control.level is not None) == control.policy_enforced, f"{control.id}: a policy needs a default level"


def test_lookup_names_known_ids_on_error() -> None:
    assert catalog.get_control("ACC-1").section_title == "Secure AI access"
    with pytest.raises(KeyError, match="known ids: RES-1"):
        catalog.get_control("ACC-99")


def test_policies_cover_the_in_scope_controls() -> None:
    by_control = {control: [spec.name for spec in ALL_SPECS if control in spec.controls] for control in catalog.CONTROLS_BY_ID}
    assert all(by_control[control] for control in COVERED), {control: by_control[control] for control in COVERED}
    policy_enforced = {control.id for control in catalog.CONTROLS if control.policy_enforced}
    assert COVERED == policy_enforced
    assert WITHOUT_POLICY == set(catalog.CONTROLS_BY_ID) - policy_enforced
    assert not any(control in spec.controls for spec in ALL_SPECS for control in WITHOUT_POLICY)


def test_every_policy_is_proven_by_a_violating_case() -> None:
    from classic_cases import CLASSIC_VIOLATIONS, COVERAGE_PROVEN
    from test_policy_classic_stack import CLASSIC_STACK_VIOLATIONS
    from test_policy_model_lifecycle import LIFECYCLE_PROVEN

    tested = {case.policy for case in VIOLATIONS} | {case.policy for case in STACK_VIOLATIONS}
    tested |= {case.policy for case in CLASSIC_VIOLATIONS} | set(COVERAGE_PROVEN)
    tested |= {case.policy for case in CLASSIC_STACK_VIOLATIONS}
    # Retired versions are off the default allow-list, so their cases configure the pack.
    tested |= set(LIFECYCLE_PROVEN)
    # A storage local user is never compliant, so it has no baseline: test_policy_local_users.py.
    tested |= {"azurenative-storage-localuser-no-local-users", "azure-storage-localuser-no-local-users"}
    # What the pack cannot see (policies/doors.py): proven in test_policy_doors.py.
    from test_policy_doors import DOORS_PROVEN

    tested |= set(DOORS_PROVEN)
    # Customer-managed keys are off unless the organisation turns them on: test_policy_customer_managed_keys.py.
    from test_policy_customer_managed_keys import CMK_PROVEN

    tested |= set(CMK_PROVEN)
    assert tested == {spec.name for spec in ALL_SPECS}


def test_policy_names_descriptions_and_controls() -> None:
    names = [spec.name for spec in ALL_SPECS]
    assert len(names) == len(set(names))
    for spec in ALL_SPECS:
        assert POLICY_NAME.match(spec.name), spec.name
        tag = re.match(r"^\[([A-Z]+-[0-9]+[a-z]?(?:, [A-Z]+-[0-9]+[a-z]?)*)\] ", spec.full_description)
        assert tag, spec.full_description
        assert all(control in catalog.CONTROLS_BY_ID for control in tag.group(1).split(", "))
        assert spec.remediation and spec.fields


@pytest.mark.controls("RES-1")
def test_analyzer_info_carries_res1_metadata(analyzer: PackAnalyzer) -> None:
    """What the CLI and Pulumi Cloud show: severity, MCSB framework, tags, remediation, schema."""
    info = analyzer.servicer.GetAnalyzerInfo(None, None)
    assert info.name == "aizone-secure-ai" and len(info.policies) == len(ALL_SPECS)
    for policy, spec in zip(info.policies, ALL_SPECS, strict=True):
        v1, v2 = catalog.mcsb_ids(spec.controls)
        assert policy.severity != analyzer_pb2.POLICY_SEVERITY_UNSPECIFIED
        assert policy.framework.name == "Microsoft cloud security benchmark"
        assert all(item in policy.framework.reference for item in (*v1, *v2))
        assert {f"control:{control}" for control in spec.controls} <= set(policy.tags)
        assert policy.remediation_steps
        assert "exemptions" in policy.configSchema.properties
        assert policy.policy_type in (analyzer_pb2.POLICY_TYPE_RESOURCE, analyzer_pb2.POLICY_TYPE_STACK)
        # Each resource policy declares exactly the types it judges (reports tell "not applicable to
        # this type" from "passed" by them); a stack policy judges the stack and declares none.
        declared = [tag.removeprefix("resource-type:") for tag in policy.tags if tag.startswith("resource-type:")]
        assert declared == list(getattr(spec, "resource_types", ())), spec.name


def test_catalog_and_reference_import_without_pulumi() -> None:
    """Components import the catalog and reference data: they must stay cheap (no Pulumi)."""
    code = (
        "import sys; import pulumi_aizone_policy.catalog, pulumi_aizone_policy.reference, "
        "pulumi_aizone_policy.defaults, pulumi_aizone_policy.tokens; "
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in ('pulumi', 'pulumi_policy', 'grpc')); "
        "assert not heavy, heavy"
    )
    subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, check=True)


def test_pack_readme_lists_every_policy() -> None:
    readme = (REPO_ROOT / "policy_pack" / "README.md").read_text(encoding="utf-8")
    for spec in ALL_SPECS:
        row = f"| `{spec.name}` | {', '.join(spec.controls)} |"
        assert row in readme, f"policy_pack/README.md lacks {row}"
        assert all(f"`{key}`" in readme for key in spec.config), spec.name
