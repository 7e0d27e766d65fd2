"""Property-based tests: any JSON value at any declared path of any resource policy gives a verdict
or a clear "cannot judge" note, never an internal error; a non-canonical spelling of a secure value
is never a pass.

Each example replaces one declared field (`spec.fields`, list items `[]` as index 0) of the
policy's compliant baseline. The runs are derandomized and bounded (~30 s in total on 2 cores).
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from policy_cases import BASELINES, changed, diagnostics_of, judge

from pulumi_aizone_policy.framework import ResourcePolicySpec
from pulumi_aizone_policy.harness import PackAnalyzer
from pulumi_aizone_policy.policies import ALL_SPECS

settings.register_profile(
    "aizone", max_examples=12, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
settings.load_profile("aizone")

_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**63), max_value=2**63),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from(["true", "false", "True", " true", "TRUE ", "", " ", "Disabled ", "disabled", "*", "@(", "{{k}}"]),
    st.text(max_size=12),
)
JSON = st.recursive(
    _SCALARS, lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=6), inner, max_size=3)), max_leaves=8
)

_CASES = [
    pytest.param(spec.name, field.type_token, field.path.replace("[]", ".0"), id=f"{spec.name}:{field.path}")
    for spec in ALL_SPECS
    if isinstance(spec, ResourcePolicySpec)
    for field in spec.fields
    if field.type_token in BASELINES
]


def _set(base: Any, path: str, value: object) -> dict[str, Any]:
    try:
        return changed(base, path, value)
    except (IndexError, ValueError, TypeError, AttributeError):
        return changed(base, path.split(".0", 1)[0], [value])


@pytest.mark.parametrize(("policy", "type_token", "path"), _CASES)
@given(value=JSON)
def test_any_value_gets_a_verdict(analyzer: PackAnalyzer, policy: str, type_token: str, path: str, value: object) -> None:
    diagnostics = judge(analyzer, type_token, _set(BASELINES[type_token], path, value))
    assert not [item for item in diagnostics if "internal error" in item.message], diagnostics


_BOOLEAN_NEAR_MISSES = ("true", "True", " true", 1, "false", 0)


def _secure_flags() -> list[Any]:
    """(policy, type, path, baseline value) of every declared boolean field whose baseline is a
    boolean: a non-boolean stand-in for it must not pass."""
    found = []
    for spec in ALL_SPECS:
        if not isinstance(spec, ResourcePolicySpec):
            continue
        for field in spec.fields:
            # principalType classifies the principal (who is judged), it is not a secure setting.
            if field.type_token not in BASELINES or "[]" in field.path or field.path == "principalType":
                continue
            current: Any = BASELINES[field.type_token]
            for step in field.path.split("."):
                current = current.get(step) if isinstance(current, dict) else None
            if isinstance(current, bool) or (isinstance(current, str) and current in field.values):
                found.append(pytest.param(spec.name, field.type_token, field.path, current, id=f"{spec.name}:{field.path}"))
    return found


@pytest.mark.parametrize(("policy", "type_token", "path", "secure"), _secure_flags())
def test_noncanonical_secure_value_never_passes(analyzer: PackAnalyzer, policy: str, type_token: str, path: str, secure: object) -> None:
    if isinstance(secure, bool):
        stand_ins: tuple[object, ...] = (str(secure).lower(), str(secure), f" {str(secure).lower()}", int(secure))
    else:
        assert isinstance(secure, str)
        stand_ins = (f" {secure}", f"{secure} ", secure.upper() if secure.upper() != secure else secure.lower())
    for value in stand_ins:
        diagnostics = judge(analyzer, type_token, changed(BASELINES[type_token], path, value))
        assert diagnostics_of(diagnostics, policy, "mandatory"), (path, value, diagnostics)
