"""Hostile inputs: every run that cannot be trusted ends in exit 2 with one clear message.

The offline preview gates pull requests, so its exit code is a security decision: 0 (no mandatory
findings) only for a program that ran to completion with every resource analysed. Each case below
is a small project (and, where needed, a small policy pack) generated into a temporary directory
and run through the command line exactly as CI runs it. Every case must exit 2, say what is wrong
naming the file, key or resource, print no report (no "Summary:" line), write no JSON report and
show no Python traceback (except a program's own exception, which is reported as a bug with its
traceback).

All cases run once, a few at a time, in a module-scoped fixture; the tests read the results.
"""

from __future__ import annotations

import json
import subprocess
import textwrap
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping, Optional

import pytest
from hostile_support import FileContent, write_pack, write_project
from preview_support import PACK, REPO, run_cli

from tests.report_schema import load_report

REAL_PACK = REPO / "policy_pack"
REAL_POLICY = "azurenative-apimanagement-service-restrict-public-network-access"


@dataclass(frozen=True)
class Case:
    """One hostile input and what the preview must say about it."""

    id: str
    expect: tuple[str, ...]
    """Substrings of stderr (each must appear): the file, key or resource and what is wrong."""
    files: Mapping[str, Optional[FileContent]] = field(default_factory=dict)
    pack: str = "fixture"
    """``fixture`` (tests/preview/fixtures/pack), ``real`` (policy_pack), ``missing`` or a
    hostile_support pack mode (``hostile:<mode>``)."""
    policy_config: Optional[Any] = None
    """A document (dumped as JSON), or bytes/str written as they are."""
    args: tuple[str, ...] = ()
    traceback_expected: bool = False


def _main(body: str) -> dict[str, FileContent]:
    return {"__main__.py": "import pulumi\n" + textwrap.dedent(body)}


def _nested(depth: int, as_list: bool = False) -> str:
    """Program source that builds ``deep``, a value nested ``depth`` levels deep (a literal that
    deep is a SyntaxError: Python's parser stops at 200 nested brackets)."""
    wrap = "[deep]" if as_list else "{'n': deep}"
    return f"deep = 1\nfor _ in range({depth}):\n    deep = {wrap}\n"


THING = "pulumi.CustomResource('test:index:Thing', {name!r}, {props})\n"
THING_URN = "urn:pulumi:dev::hostile::test:index:Thing::"
AFTER_ANALYSIS = (
    "import time\n"
    "things = [pulumi.CustomResource('test:index:Thing', f't{{i}}', {{'value': i}}) for i in range(20)]\n"
    "def then(_):\n"
    "    time.sleep(3)\n"
    "    {then}\n"
    "pulumi.Output.all(*[t.urn for t in things]).apply(then)\n"
)

CASES: tuple[Case, ...] = (
    # --- programs that do not run to completion ----------------------------------------------------
    Case("os-exit-0-at-start", ("exit code 0 without completing", "os._exit(0)", "no verdict"), _main("import os\nos._exit(0)\n")),
    Case(
        "os-exit-0-after-registering",
        ("exit code 0 without completing", "no verdict"),
        _main(THING.format(name="a", props="{'value': 1}") + "import os\nos._exit(0)\n"),
    ),
    Case("os-exit-3", ("exit code 3 without completing",), _main("import os\nos._exit(3)\n")),
    Case(
        "sys-exit-0-mid-program",
        ("sys.exit(0)", "before it finished", "1 resource(s) registered"),
        _main(THING.format(name="a", props="{'value': 1}") + "import sys\nsys.exit(0)\n" + THING.format(name="b", props="{'value': 2}")),
    ),
    # The program's own process prints the message and exits 1 (Python's SystemExit rule).
    Case("sys-exit-message", ("stop here", "exit code 1 without completing", "no verdict"), _main("import sys\nsys.exit('stop here')\n")),
    Case("raise", ("program failed: ValueError: hostile raise",), _main("raise ValueError('hostile raise')\n"), traceback_expected=True),
    Case("keyboard-interrupt-in-program", ("KeyboardInterrupt",), _main("raise KeyboardInterrupt\n"), traceback_expected=True),
    Case(
        "sigkill-self",
        ("killed by SIGKILL", "while running the program"),
        _main("import os, signal\nos.kill(os.getpid(), signal.SIGKILL)\n"),
    ),
    Case("sigterm-self", ("killed by SIGTERM",), _main("import os, signal\nos.kill(os.getpid(), signal.SIGTERM)\n")),
    Case(
        "infinite-loop",
        ("did not finish within 8 s", "while running the program"),
        _main("while True:\n    pass\n"),
        args=("--timeout", "8"),
    ),
    Case(
        "sleeping-loop-after-registering",
        ("did not finish within 8 s", "while running the program"),
        _main(THING.format(name="a", props="{'value': 1}") + "import time\nwhile True:\n    time.sleep(0.05)\n"),
        args=("--timeout", "8"),
    ),
    Case(
        "never-resolving-output",
        ("did not finish within 8 s", "while running the program"),
        _main(
            "import asyncio\nnever = asyncio.get_event_loop().create_future()\npulumi.export('never', pulumi.Output.from_input(never))\n"
        ),
        args=("--timeout", "8"),
    ),
    Case(
        "never-resolving-input",
        ("did not finish within 8 s",),
        _main(
            "import asyncio\nnever = asyncio.get_event_loop().create_future()\n"
            + THING.format(name="a", props="{'value': pulumi.Output.from_input(never)}")
        ),
        args=("--timeout", "8"),
    ),
    # --- failures after the pack already analysed resources (each resource is analysed as soon as
    # it is registered; the apply callbacks wait 3 s so that the pack is up and has answered) ----
    Case(
        "raise-after-resources-analysed",
        ("program failed: ValueError: hostile raise after analysis",),
        _main(AFTER_ANALYSIS.format(then="raise ValueError('hostile raise after analysis')")),
        traceback_expected=True,
    ),
    Case(
        "os-exit-0-after-resources-analysed",
        ("exit code 0 without completing", "no verdict"),
        _main(AFTER_ANALYSIS.format(then="import os; os._exit(0)")),
    ),
    Case(
        "duplicate-urn-after-resources-analysed",
        ("Duplicate resource URN", THING_URN + "t0"),
        _main(AFTER_ANALYSIS.format(then="pulumi.CustomResource('test:index:Thing', 't0', {'value': 2})")),
    ),
    # --- property values the engine cannot carry ---------------------------------------------------
    Case(
        "nan-property",
        (THING_URN + "a", "property 'value'", "nan", "NaN and Infinity"),
        _main(THING.format(name="a", props="{'value': float('nan')}")),
    ),
    Case(
        "infinity-property",
        (THING_URN + "a", "property 'limits.max'", "inf"),
        _main(THING.format(name="a", props="{'limits': {'max': float('inf')}}")),
    ),
    Case(
        "negative-infinity-in-list",
        (THING_URN + "a", "property 'values[1]'", "-inf"),
        _main(THING.format(name="a", props="{'values': [1, float('-inf')]}")),
    ),
    Case(
        "nan-in-second-resource",
        (THING_URN + "b", "property 'value'"),
        _main(THING.format(name="a", props="{'value': 1}") + THING.format(name="b", props="{'value': float('nan')}")),
    ),
    Case(
        "deep-dict-200",
        (THING_URN + "a", "nested more than 100 levels deep", "property 'value.n.n"),
        _main(_nested(200) + THING.format(name="a", props="{'value': deep}")),
    ),
    Case(
        "deep-list-200",
        (THING_URN + "a", "nested more than 100 levels deep", "property 'value[0][0]"),
        _main(_nested(200, as_list=True) + THING.format(name="a", props="{'value': deep}")),
    ),
    Case(
        "duplicate-urn",
        ("Duplicate resource URN", THING_URN + "a"),
        _main(THING.format(name="a", props="{'value': 1}") + THING.format(name="a", props="{'value': 2}")),
    ),
    # --- project files -----------------------------------------------------------------------------
    Case(
        "pulumi-yaml-not-utf8",
        ("Pulumi.yaml", "not valid UTF-8", "0xff"),
        {"Pulumi.yaml": b"name: hostile\nruntime: python\ndescription: caf\xff\n"},
    ),
    Case(
        "stack-file-not-utf8",
        ("Pulumi.dev.yaml", "not valid UTF-8", "offset 24"),
        {"Pulumi.dev.yaml": b"config:\n  hostile:size: \xe9t\xe9\n"},
    ),
    Case("main-not-utf8", ("__main__.py", "not valid utf-8", "0xe9"), {"__main__.py": b"import pulumi\n# r\xe9sum\xe9\n"}),
    Case(
        "main-unknown-coding-cookie",
        ("__main__.py", "unknown encoding"),
        {"__main__.py": "# -*- coding: no-such-codec -*-\nimport pulumi\n"},
    ),
    Case(
        "stack-yaml-syntax-error",
        ("Pulumi.dev.yaml", "invalid YAML in stack file"),
        {"Pulumi.dev.yaml": "config:\n  hostile:size: [unclosed\n"},
    ),
    Case("pulumi-yaml-syntax-error", ("Pulumi.yaml", "invalid YAML in project file"), {"Pulumi.yaml": "name: hostile\nruntime: {python\n"}),
    Case(
        "stack-duplicate-key",
        ("Pulumi.dev.yaml", "duplicate key 'hostile:size'", "first defined on line 2"),
        {"Pulumi.dev.yaml": "config:\n  hostile:size: small\n  hostile:size: large\n"},
    ),
    Case(
        "pulumi-yaml-duplicate-key",
        ("Pulumi.yaml", "duplicate key 'runtime'"),
        {"Pulumi.yaml": "name: hostile\nruntime: python\nruntime: nodejs\n"},
    ),
    Case("missing-pulumi-yaml", ("no Pulumi.yaml in", "not a Pulumi project"), {"Pulumi.yaml": None}),
    Case(
        "wrong-runtime", ("Pulumi.yaml", "runtime is 'nodejs'", "Python programs only"), {"Pulumi.yaml": "name: hostile\nruntime: nodejs\n"}
    ),
    Case("missing-runtime", ("Pulumi.yaml", "runtime is None"), {"Pulumi.yaml": "name: hostile\n"}),
    Case("missing-name", ("Pulumi.yaml", "missing project 'name'"), {"Pulumi.yaml": "runtime: python\n"}),
    Case("missing-stack-file", ("no stack file Pulumi.dev.yaml",), {"Pulumi.dev.yaml": None}),
    Case("stack-file-is-a-list", ("Pulumi.dev.yaml", "must be a YAML mapping"), {"Pulumi.dev.yaml": "- a\n- b\n"}),
    Case("stack-config-not-a-mapping", ("Pulumi.dev.yaml", "'config' must be a mapping"), {"Pulumi.dev.yaml": "config: just a string\n"}),
    Case("missing-main", ("program entry point not found", "__main__.py"), {"__main__.py": None}),
    Case("config-nan", ("config 'hostile:ratio'", "nan", "NaN or Infinity"), {"Pulumi.dev.yaml": "config:\n  hostile:ratio: .nan\n"}),
    Case(
        "config-infinity-nested", ("config 'hostile:limits.max'", "inf"), {"Pulumi.dev.yaml": "config:\n  hostile:limits:\n    max: .inf\n"}
    ),
    Case(
        "config-deep-nesting",
        ("config 'hostile:deep", "nested more than 100 levels deep"),
        {"Pulumi.dev.yaml": "config:\n  hostile:deep: " + "[" * 150 + "1" + "]" * 150 + "\n"},
    ),
    # --- policy config -----------------------------------------------------------------------------
    Case(
        "policy-name-typo",
        ("unknown policy 'fixture-ai-locl-auth'", "did you mean 'fixture-ai-local-auth'", "fixture-model-allow-list"),
        policy_config={"fixture-ai-locl-auth": "advisory"},
    ),
    Case(
        "policy-property-typo",
        ("fixture-model-allow-list: unknown property 'allowedModel'", "did you mean 'allowedModels'", "valid: allowedModels"),
        policy_config={"fixture-model-allow-list": {"allowedModel": ["gpt-4o"]}},
    ),
    Case(
        "property-on-policy-without-config",
        ("fixture-ai-local-auth: unknown property 'strict'", "it takes no configuration"),
        policy_config={"fixture-ai-local-auth": {"strict": True}},
    ),
    Case(
        "level-typo",
        ("'mandatroy' is not a valid enforcement level", "did you mean 'mandatory'"),
        policy_config={"fixture-ai-local-auth": "mandatroy"},
    ),
    Case(
        "level-typo-in-object",
        ("'advisroy' is not a valid enforcement level",),
        policy_config={"fixture-ai-local-auth": {"enforcementLevel": "advisroy"}},
    ),
    Case(
        "all-with-properties",
        ("all: only 'enforcementLevel'", "allowedModels"),
        policy_config={"all": {"enforcementLevel": "advisory", "allowedModels": []}},
    ),
    Case("policy-config-bad-json", ("invalid JSON",), policy_config='{"fixture-ai-local-auth": "advisory",}'),
    Case("policy-config-nan", ("NaN is not valid JSON",), policy_config='{"fixture-model-allow-list": {"allowedModels": NaN}}'),
    Case(
        "policy-config-duplicate-key",
        ("duplicate key 'fixture-ai-local-auth'",),
        policy_config='{"fixture-ai-local-auth": "disabled", "fixture-ai-local-auth": "mandatory"}',
    ),
    Case("policy-config-not-object", ("must be a JSON object of policy names",), policy_config="[1, 2]"),
    Case("policy-config-not-utf8", ("not valid UTF-8",), policy_config=b'{"fixture-ai-local-auth": "adv\xff"}'),
    Case(
        "policy-config-schema-type",
        ("allowedModels: invalid type, expected array",),
        policy_config={"fixture-model-allow-list": {"allowedModels": "gpt-4o"}},
    ),
    Case(
        "exemption-february-30",
        (f"{REAL_POLICY}.exemptions[0].expires", "'2026-02-30' is not a calendar date"),
        pack="real",
        policy_config={REAL_POLICY: {"exemptions": [{"resource": "*-gw-apim", "reason": "first deployment", "expires": "2026-02-30"}]}},
    ),
    Case(
        "exemption-month-13",
        ("'2026-13-01' is not a calendar date",),
        pack="hostile:",
        policy_config={"hostile-thing-value": {"exemptions": [{"resource": "a", "reason": "r", "expires": "2026-13-01"}]}},
    ),
    Case(
        "exemption-everything",
        (f"{REAL_POLICY}.exemptions[0].resource", "matches every resource"),
        pack="real",
        policy_config={REAL_POLICY: {"exemptions": [{"resource": "*", "reason": "shortcut", "expires": "2026-12-05"}]}},
    ),
    Case(
        "exemption-unbalanced-pattern",
        ("exemptions[0].resource", "unbalanced"),
        pack="hostile:",
        policy_config={"hostile-thing-value": {"exemptions": [{"resource": "thing-[ab", "reason": "r", "expires": "2026-12-05"}]}},
    ),
    Case(
        "exemption-missing-reason",
        ("reason is required",),
        pack="hostile:",
        policy_config={"hostile-thing-value": {"exemptions": [{"resource": "a", "expires": "2026-12-05"}]}},
    ),
    # --- policy packs ------------------------------------------------------------------------------
    Case("pack-dir-missing", ("policy pack directory not found",), pack="missing"),
    Case("pack-wrong-runtime", ("PulumiPolicy.yaml", "runtime is 'nodejs'"), pack="hostile-manifest:runtime: nodejs\n"),
    Case("pack-crashes-at-start", ("exited", "before it started", "hostile pack: broken at start"), pack="hostile:crash-at-start"),
    Case("pack-hangs-at-start", ("did not report its port",), pack="hostile:hang-at-start", args=("--timeout", "8")),
    Case("pack-prints-before-port", ("printed 'hello from a pack",), pack="hostile:stdout-noise"),
    Case(
        "pack-hangs-in-analyze",
        ("did not answer Analyze(urn:pulumi:dev::hostile::", "deadline exceeded"),
        pack="hostile:hang-in-analyze",
        args=("--timeout", "8"),
    ),
    Case("pack-raises-in-analyze", ("policy pack failed in Analyze(", "hostile pack: a policy raised"), pack="hostile:raise-in-analyze"),
    Case("pack-exits-in-analyze", ("Analyze(",), pack="hostile:exit-in-analyze"),
    # --- command line ------------------------------------------------------------------------------
    Case("timeout-zero", ("--timeout", "must be a positive, finite number"), args=("--timeout", "0")),
    Case("timeout-nan", ("--timeout", "must be a positive, finite number"), args=("--timeout", "nan")),
)


def _pack_dir(case: Case, root: Path) -> Path:
    if case.pack == "fixture":
        return PACK
    if case.pack == "real":
        return REAL_PACK
    if case.pack == "missing":
        return root / "no-such-pack"
    if case.pack.startswith("hostile-manifest:"):
        return write_pack(root / "pack", manifest=case.pack.split(":", 1)[1])
    return write_pack(root / "pack", mode=case.pack.split(":", 1)[1])


def _run(case: Case, root: Path) -> tuple[subprocess.CompletedProcess[str], Path]:
    program = write_project(root / "program", case.files)
    args: list[str | Path] = ["--program", program, "--stack", "dev", "--policy-pack", _pack_dir(case, root)]
    if case.policy_config is not None:
        config_path = root / "policy-config.json"
        if isinstance(case.policy_config, bytes):
            config_path.write_bytes(case.policy_config)
        elif isinstance(case.policy_config, str):
            config_path.write_text(case.policy_config, encoding="utf-8")
        else:
            config_path.write_text(json.dumps(case.policy_config), encoding="utf-8")
        args += ["--policy-config", config_path]
    report = root / "report.json"
    return run_cli(*args, "--json", report, *case.args), report


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[subprocess.CompletedProcess[str], Path]]:
    """Every case, run three at a time (most of them wait on a timeout or a process start)."""
    root = tmp_path_factory.mktemp("hostile")
    with ThreadPoolExecutor(max_workers=3) as pool:
        futures = {case.id: pool.submit(_run, case, root / case.id) for case in CASES}
        return {case_id: future.result() for case_id, future in futures.items()}


def test_the_corpus_is_large_and_ids_are_unique() -> None:
    assert len(CASES) >= 40
    assert len({case.id for case in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.id)
def test_hostile_input_exits_2_with_one_clear_message(
    case: Case, outcomes: dict[str, tuple[subprocess.CompletedProcess[str], Path]]
) -> None:
    result, report = outcomes[case.id]
    assert result.returncode == 2, (result.returncode, result.stdout[-2000:], result.stderr[-2000:])
    for text in case.expect:
        assert text in result.stderr, (text, result.stderr)
    assert "Summary:" not in result.stdout, "no verdict may be reported"
    assert not report.exists(), "no JSON report may be written"
    if not case.traceback_expected:
        ours = result.stderr.split("; its output:")[0]  # a failed pack's own output is quoted after this
        assert "Traceback" not in ours, result.stderr
        assert ours.startswith(("error: ", "usage: ")), result.stderr
        assert sum(line.startswith("error: ") for line in ours.splitlines()) == int(ours.startswith("error: "))


def test_config_value_over_128_kib_reaches_program_and_pack(tmp_path: Path) -> None:
    """Linux refuses any single argv/environment string over 128 KiB; config must not travel there."""
    big = "x" * (300 * 1024)
    program = write_project(
        tmp_path / "program",
        {
            "Pulumi.dev.yaml": f"config:\n  hostile:blob: {big}\n",
            "__main__.py": "import pulumi\n"
            "blob = pulumi.Config('hostile').require('blob')\n"
            "pulumi.CustomResource('test:index:Thing', 'sized', {'value': str(len(blob))})\n",
        },
    )
    pack = write_pack(tmp_path / "pack")
    report = tmp_path / "report.json"
    result = run_cli("--program", program, "--stack", "dev", "--policy-pack", pack, "--json", report)
    assert result.returncode == 0, result.stderr
    assert "Summary: 3 resources, 0 mandatory, 1 advisory" in result.stdout
    findings = load_report(report)["findings"]
    (message,) = [f["message"] for f in findings if f["policy"] == "hostile-config-size"]
    size = int(message.split("PULUMI_CONFIG of ")[1].split()[0])
    assert size > 300 * 1024, message


def test_compliant_hostile_project_baseline_exits_0(tmp_path: Path) -> None:
    """The generated baseline itself passes: each case above differs from it in one thing."""
    program = write_project(tmp_path / "program", {})
    result = run_cli("--program", program, "--stack", "dev", "--policy-pack", write_pack(tmp_path / "pack"))
    assert result.returncode == 0, result.stderr
    assert "Summary: 4 resources, 0 mandatory, 2 advisory" in result.stdout
    # A preview: the second resource's value comes from the first one's output, unknown until
    # Azure creates it, so pulumi-policy reports that the policy cannot judge it yet.
    assert "string value at .value can't be known during preview" in result.stdout
    assert "Policy pack output:" not in result.stdout, "the pack (and its bootstrap) must run silently"


def test_insecure_value_is_a_mandatory_finding(tmp_path: Path) -> None:
    program = write_project(tmp_path / "program", _main(THING.format(name="a", props="{'value': 'insecure'}")))
    result = run_cli("--program", program, "--stack", "dev", "--policy-pack", write_pack(tmp_path / "pack"))
    assert result.returncode == 1, result.stderr
    assert "[TST-1] value must not be 'insecure'." in result.stdout


def test_valid_exemption_and_level_pass_the_checks(tmp_path: Path) -> None:
    """A well-formed policy config (real date, named resource, known keys) is accepted."""
    config = tmp_path / "policy-config.json"
    config.write_text(
        json.dumps(
            {
                "all": "mandatory",
                "hostile-thing-value": {
                    "allowedValues": ["a"],
                    "exemptions": [{"resource": "thing-[ab]*", "reason": "migration", "expires": "2028-02-29"}],
                },
            }
        ),
        encoding="utf-8",
    )
    program = write_project(tmp_path / "program", {})
    result = run_cli("--program", program, "--stack", "dev", "--policy-pack", write_pack(tmp_path / "pack"), "--policy-config", config)
    assert result.returncode == 1, result.stderr  # "all": mandatory makes the config-size report mandatory
    assert "MANDATORY hostile-config-size" in result.stdout
