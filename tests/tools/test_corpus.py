"""tools/corpus.py: previews a folder of programs with the gate, compares the registered tree with
what the source constructs, and checks every mandatory finding against a review file.

The corpus here is made in tmp_path from this repository's own examples (the public corpus lives
outside the repository: docs/corpus/README.md); docs/corpus/review.json is validated as data."""

from __future__ import annotations

import copy
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from tools import corpus
from tools.corpus import CorpusError, Finding, Program, Result

ROOT = Path(__file__).resolve().parents[2]
REVIEW = ROOT / "docs" / "corpus" / "review.json"
COMMIT = "0123456789abcdef0123456789abcdef01234567"


def _origin(name: str) -> dict[str, Any]:
    return {"repository": "aizone-dev/aizone", "path": f"examples/{name}", "commit": COMMIT, "license": "Apache-2.0"}


def _copy_example(corpus_dir: Path, name: str) -> Path:
    target = corpus_dir / name
    shutil.copytree(ROOT / "examples" / name, target)
    (target / "origin.json").write_text(json.dumps(_origin(name)), encoding="utf-8")
    return target


@pytest.fixture(scope="module")
def measured(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Result]:
    """The gate's results on a two-program corpus: an insecure stack and a hardened one."""
    corpus_dir = tmp_path_factory.mktemp("corpus")
    _copy_example(corpus_dir, "insecure")
    _copy_example(corpus_dir, "hardened-non-ai")
    programs = corpus.discover(corpus_dir)
    return {p.name: corpus.run_program(p, corpus.DEFAULT_PACK, corpus.DEFAULT_POLICY_CONFIG) for p in programs}


def _reviewed(results: dict[str, Result]) -> dict[str, Any]:
    """A complete review of ``results``: every finding a true positive with a reason."""
    draft = corpus.draft_review(list(results.values()), None)
    for program in draft["programs"]:
        for finding in program["findings"]:
            finding.update(verdict="true-positive", reason="the example deploys it on purpose")
    return draft


# --- the gate's results --------------------------------------------------------------------------------


def test_insecure_example_exits_1_with_its_storage_findings(measured: dict[str, Result]) -> None:
    result = measured["insecure"]
    assert result.exit_code == 1
    assert result.program.stack == "dev"
    keys = {f.key() for f in result.mandatory}
    assert ("azurenative-storage-storageaccount-disable-shared-key", "azure-native:storage:StorageAccount", "data") in keys
    assert ("azurenative-keyvault-vault-purge-protection", "azure-native:keyvault:Vault", "secrets") in keys
    assert ("azure-native:storage:StorageAccount", "data") in result.resources
    assert result.summary() == {"exit": 1, "resources": len(result.resources), "mandatory": len(result.mandatory)}


def test_hardened_example_exits_0_and_registers_every_class_it_constructs(measured: dict[str, Result]) -> None:
    result = measured["hardened-non-ai"]
    assert (result.exit_code, result.mandatory, result.error) == (0, [], "")
    assert ("azure-native:resources:ResourceGroup", "web-rg") in result.resources
    assert ("azure:core/resourceGroup:ResourceGroup", "legacy-rg") in result.resources
    # Both providers' classes are declared in the source and every one of them was registered.
    declared = {d.label for d in corpus.declared_types(result.program.directory)}
    assert {"azure-native:storage:StorageAccount", "azure-native:keyvault:Vault", "azure:keyvault:KeyVault"} <= declared
    assert result.unregistered == []


def test_a_program_the_gate_cannot_preview_reports_exit_2_and_the_error(tmp_path: Path) -> None:
    program_dir = _copy_example(tmp_path, "hardened-non-ai")
    (program_dir / "stack.json").write_text(json.dumps({"stack": "broken", "config": {}}), encoding="utf-8")
    (program_dir / "__main__.py").write_text("raise RuntimeError('boom from the program')\n", encoding="utf-8")
    [program] = corpus.discover(tmp_path)
    result = corpus.run_program(program, corpus.DEFAULT_PACK, corpus.DEFAULT_POLICY_CONFIG)
    assert result.exit_code == 2
    assert "boom from the program" in result.error
    assert corpus.check_review([result], {"programs": []}) == ["hardened-non-ai: not in the review"]


# --- the review check ------------------------------------------------------------------------------------


def test_a_complete_review_has_no_problem_and_main_exits_0(measured: dict[str, Result], tmp_path: Path) -> None:
    review = _reviewed(measured)
    assert corpus.check_review(list(measured.values()), review) == []
    review_file = tmp_path / "review.json"
    review_file.write_text(json.dumps(review), encoding="utf-8")
    corpus.load_review(review_file)


def test_an_unreviewed_finding_is_named(measured: dict[str, Result]) -> None:
    review = _reviewed(measured)
    insecure = next(p for p in review["programs"] if p["name"] == "insecure")
    dropped = insecure["findings"].pop(0)
    problems = corpus.check_review(list(measured.values()), review)
    assert any(
        p.startswith(f"insecure: unreviewed mandatory finding {dropped['policy']} on {dropped['type']} {dropped['name']!r}")
        for p in problems
    ), problems


def test_a_missing_program_either_way_is_a_problem(measured: dict[str, Result]) -> None:
    review = _reviewed(measured)
    review["programs"] = [p for p in review["programs"] if p["name"] != "hardened-non-ai"]
    review["programs"].append({**copy.deepcopy(review["programs"][0]), "name": "gone"})
    problems = corpus.check_review(list(measured.values()), review)
    assert "hardened-non-ai: not in the review" in problems
    assert "gone: in the review but not in the corpus" in problems


def test_a_fixed_false_positive_that_still_fires_is_a_problem(measured: dict[str, Result]) -> None:
    review = _reviewed(measured)
    finding = next(p for p in review["programs"] if p["name"] == "insecure")["findings"][0]
    finding.update(verdict="false-positive", fix="abc1234")
    finding.pop("reason")
    problems = corpus.check_review(list(measured.values()), review)
    assert any("was fixed in abc1234 but still fires" in p for p in problems), problems


def test_a_true_positive_that_no_longer_fires_and_a_stale_count_are_problems(measured: dict[str, Result]) -> None:
    review = _reviewed(measured)
    findings = next(p for p in review["programs"] if p["name"] == "insecure")["findings"]
    findings.append(
        {
            "policy": "azurenative-made-up",
            "type": "azure-native:storage:StorageAccount",
            "name": "data",
            "verdict": "true-positive",
            "reason": "x",
        }
    )
    first = findings[0]
    fired = first.get("count", 1)
    first["count"] = fired + 1
    problems = corpus.check_review(list(measured.values()), review)
    assert (
        "insecure: reviewed finding azurenative-made-up on azure-native:storage:StorageAccount 'data' no longer fires; update the review"
        in problems
    )
    what = f"{first['policy']} on {first['type']} {first['name']!r}"
    assert f"insecure: {what} fires {fired} time(s), the review says {fired + 1}" in problems


def test_a_recorded_result_that_differs_from_the_measured_one_is_a_problem(measured: dict[str, Result]) -> None:
    review = _reviewed(measured)
    hardened = next(p for p in review["programs"] if p["name"] == "hardened-non-ai")
    hardened["result"] = {**hardened["result"], "resources": hardened["result"]["resources"] + 1}
    problems = corpus.check_review(list(measured.values()), review)
    assert any(p.startswith("hardened-non-ai: the review records") for p in problems), problems


def test_match_splits_one_policys_messages_into_separate_verdicts() -> None:
    program = Program("p", Path("."), _origin("p"), "dev")
    two = [
        Finding("pol", "t", "n", "Storage account 'n' allows shared-key authorization"),
        Finding("pol", "t", "n", "Storage account 'n' does not default to Entra ID"),
    ]
    result = Result(program, 1, resources=[("t", "n")], mandatory=two)
    entries = [
        {"policy": "pol", "type": "t", "name": "n", "match": "shared-key", "verdict": "true-positive", "reason": "keys"},
        {"policy": "pol", "type": "t", "name": "n", "match": "Entra ID", "verdict": "false-positive", "fix": "open: not a control"},
    ]
    review = {"programs": [{"name": "p", "result": result.summary(), "findings": entries}]}
    assert corpus.check_review([result], review) == []
    # An attacker's "match" that covers nothing does not absorb the other message.
    entries[1]["match"] = "no such text"
    problems = corpus.check_review([result], review)
    assert "p: unreviewed mandatory finding pol on t 'n': Storage account 'n' does not default to Entra ID" in problems


# --- review file and origin shape -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda f: f.update(verdict="maybe"), "verdict must be one of true-positive, false-positive, not 'maybe'"),
        (lambda f: f.update(reason=" "), "a true positive needs a one-line 'reason'"),
        (lambda f: f.update(verdict="false-positive", fix="soon"), "a false positive needs 'fix'"),
        (lambda f: f.update(verdict="false-positive", fix="open:"), "a false positive needs 'fix'"),
        (lambda f: f.update(count=0), "'count' (how many times it fires on that resource) must be a positive integer"),
    ],
)
def test_load_review_names_a_bad_finding(tmp_path: Path, change: Any, expected: str) -> None:
    finding = {"policy": "pol", "type": "t", "name": "n", "verdict": "true-positive", "reason": "keys are on"}
    change(finding)
    entry = {"name": "p", "origin": _origin("p"), "result": {"exit": 1, "resources": 2, "mandatory": 1}, "findings": [finding]}
    path = tmp_path / "review.json"
    path.write_text(json.dumps({"programs": [entry]}), encoding="utf-8")
    with pytest.raises(CorpusError, match="program p: finding pol on t 'n': ") as raised:
        corpus.load_review(path)
    assert expected in str(raised.value)


def test_load_review_refuses_a_mandatory_count_the_verdicts_do_not_explain(tmp_path: Path) -> None:
    entry = {"name": "p", "origin": _origin("p"), "result": {"exit": 1, "resources": 2, "mandatory": 3}, "findings": []}
    path = tmp_path / "review.json"
    path.write_text(json.dumps({"programs": [entry]}), encoding="utf-8")
    with pytest.raises(CorpusError, match="result mandatory is 3 but 0 findings are reviewed as still firing"):
        corpus.load_review(path)


def test_origin_needs_every_key_and_a_full_commit(tmp_path: Path) -> None:
    program_dir = _copy_example(tmp_path, "hardened-non-ai")
    origin = _origin("hardened-non-ai")
    (program_dir / "origin.json").write_text(json.dumps({**origin, "commit": "main"}), encoding="utf-8")
    with pytest.raises(CorpusError, match=r"'commit' must be a full commit id \(40 lowercase hex digits\), not 'main'"):
        corpus.discover(tmp_path)
    del origin["license"]
    (program_dir / "origin.json").write_text(json.dumps(origin), encoding="utf-8")
    with pytest.raises(CorpusError, match="'license' must be a non-empty string"):
        corpus.discover(tmp_path)
    (program_dir / "origin.json").unlink()
    with pytest.raises(CorpusError, match="hardened-non-ai: no origin.json"):
        corpus.discover(tmp_path)


def test_stack_json_is_written_as_the_stack_file(tmp_path: Path) -> None:
    program_dir = _copy_example(tmp_path, "hardened-non-ai")
    config = {"azure-native:location": "westeurope", "password": {"secure": "v1:x"}}
    (program_dir / "stack.json").write_text(json.dumps({"stack": "corpus", "config": config}), encoding="utf-8")
    [program] = corpus.discover(tmp_path)
    assert program.stack == "corpus"
    assert yaml.safe_load((program_dir / "Pulumi.corpus.yaml").read_text(encoding="utf-8")) == {"config": config}
    (program_dir / "stack.json").write_text(json.dumps({"stack": "../evil", "config": {}}), encoding="utf-8")
    with pytest.raises(CorpusError, match="'stack' must be a stack name"):
        corpus.discover(tmp_path)


# --- what the source declares ---------------------------------------------------------------------------


def test_declared_types_follow_every_import_form_and_skip_input_types(tmp_path: Path) -> None:
    (tmp_path / "__main__.py").write_text(
        "import pulumi\n"
        "import pulumi_azure_native as azure_native\n"
        "from pulumi_azure_native import storage\n"
        "import pulumi_azure_native.network as network\n"
        "from pulumi_azure.core import ResourceGroup\n"
        "from pulumi_random import random_string\n"
        "import pulumi_tls\n"
        "rg = azure_native.resources.ResourceGroup('rg')\n"
        "sa = storage.StorageAccount('sa', sku=storage.SkuArgs(name='Standard_LRS'))\n"
        "vnet = network.VirtualNetwork('v')\n"
        "classic = ResourceGroup('c')\n"
        "s = random_string.RandomString('s', length=4)\n"
        "k = pulumi_tls.PrivateKey('k', algorithm='RSA')\n"
        "keys = storage.list_storage_account_keys_output(account_name='x', resource_group_name='y')\n"
        "if pulumi.get_stack() == 'prod':\n"
        "    network.PublicIPAddress('ip')\n"
        "sa.id.apply(lambda _: network.Subnet('late'))\n",
        encoding="utf-8",
    )
    declared = {d.label: d for d in corpus.declared_types(tmp_path)}
    assert sorted(declared) == [
        "azure-native:network:PublicIPAddress",
        "azure-native:network:Subnet",
        "azure-native:network:VirtualNetwork",
        "azure-native:resources:ResourceGroup",
        "azure-native:storage:StorageAccount",
        "azure:core:ResourceGroup",
        "random:index:RandomString",
        "tls:index:PrivateKey",
    ]
    assert declared["azure-native:network:PublicIPAddress"].sites[0].conditional == "if (line 15)"
    assert declared["azure-native:network:Subnet"].sites[0].conditional == "function lambda (line 17)"
    assert declared["azure-native:storage:StorageAccount"].sites[0].conditional is None


@pytest.mark.parametrize(
    ("token", "key"),
    [
        ("azure-native:storage:StorageAccount", ("azure-native", "storage", "StorageAccount")),
        ("azure-native:storage/v20230101:StorageAccount", ("azure-native", "storage", "StorageAccount")),
        ("azure:core/resourceGroup:ResourceGroup", ("azure", "core", "ResourceGroup")),
        ("random:index/randomString:RandomString", ("random", "index", "RandomString")),
        ("kubernetes:helm.sh/v3:Release", ("kubernetes", "helm", "Release")),
        ("pulumi:providers:azure-native", ("azure-native", "index", "Provider")),
        ("pulumi:pulumi:Stack", None),
    ],
)
def test_type_key_reads_registered_tokens(token: str, key: Any) -> None:
    assert corpus.type_key(token) == key


def test_an_unregistered_declared_type_must_be_explained(measured: dict[str, Result]) -> None:
    hardened = measured["hardened-non-ai"]
    unregistered = corpus.DeclaredType("azure-native", "network", "PublicIPAddress", [corpus.CallSite("__main__.py", 9, "if (line 8)")])
    result = Result(hardened.program, hardened.exit_code, hardened.resources, hardened.mandatory, hardened.advisory, [unregistered])
    review = _reviewed({"hardened-non-ai": result})
    assert corpus.check_review([result], review) == [
        "hardened-non-ai: azure-native:network:PublicIPAddress is constructed in the source (__main__.py:9) but was not registered; explain it"
    ]
    review["programs"][0]["unregistered"] = [{"type": "azure-native:network:PublicIPAddress", "reason": "conditional on prod"}]
    assert corpus.check_review([result], review) == []


# --- the checked-in review ------------------------------------------------------------------------------


def test_checked_in_review_covers_at_least_15_public_programs_with_every_finding_reviewed() -> None:
    review = corpus.load_review(REVIEW)
    programs = review["programs"]
    assert len(programs) >= 15
    assert all(p["origin"]["repository"] in {"pulumi/examples", "pulumi/templates"} for p in programs)
    assert all(p["result"]["exit"] in (0, 1) for p in programs)
    for program in programs:
        for finding in program["findings"]:
            assert finding["verdict"] in corpus.VERDICTS, (program["name"], finding)
        for unregistered in program.get("unregistered", []):
            assert unregistered["reason"].strip(), (program["name"], unregistered)
    assert all(e["reason"].strip() and len(e["commit"]) == 40 for e in review["excluded"])
    names = [p["name"] for p in programs] + [e["name"] for e in review["excluded"]]
    assert len(names) == len(set(names))


def test_command_line_exit_codes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """0 when the review covers the measured corpus, 1 with each problem on stderr, 2 for a bad file."""
    corpus_dir = tmp_path / "corpus"
    corpus_dir.mkdir()
    _copy_example(corpus_dir, "hardened-non-ai")
    draft = tmp_path / "draft.json"
    assert corpus.main([str(corpus_dir), "--draft-review", str(draft)]) == 0
    name, exit_code, resources, mandatory, unregistered = capsys.readouterr().out.splitlines()[1].split()
    assert (name, exit_code, mandatory, unregistered) == ("hardened-non-ai", "0", "0", "-")
    assert int(resources) > 5
    assert corpus.main([str(corpus_dir), "--review", str(draft)]) == 0
    assert capsys.readouterr().out.endswith("review: 1 programs, 0 problem(s)\n")

    empty = tmp_path / "empty.json"
    empty.write_text(json.dumps({"programs": []}), encoding="utf-8")
    assert corpus.main([str(corpus_dir), "--review", str(empty)]) == 1
    assert "review: hardened-non-ai: not in the review" in capsys.readouterr().err

    empty.write_text(json.dumps({"programs": {}}), encoding="utf-8")
    assert corpus.main([str(corpus_dir), "--review", str(empty)]) == 2
    assert capsys.readouterr().err == f"error: {empty}: must be a JSON object with 'programs' (a list)\n"
    assert corpus.main([str(corpus_dir), "--program", "nope"]) == 2
    assert "error: --program nope: not in" in capsys.readouterr().err
