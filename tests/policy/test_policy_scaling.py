"""Stack policies cost linear time in the number of resources.

Wall-clock ratios are noisy, so the cost measured is the number of Python function calls a rule
makes (cProfile's count, deterministic for a given input): on a stack of 4x as many copies of the
baseline landing zone every stack policy must make at most about 4x as many calls. Each copy lives
in its own resource group with its own names and URNs but keeps its property values (account
names, RAI policy names, principal ids), as stacks that repeat one landing zone per environment do:
lookups by such values must be indexed, not rescanned per resource.
"""

from __future__ import annotations

import cProfile
import pstats
import re
from collections.abc import Sequence
from typing import Any

import pytest
from policy_cases import baseline_stack, controls_mark

from aizone_policy.config import PolicyConfig
from aizone_policy.framework import StackPolicySpec
from aizone_policy.harness import StackItem, urn_for
from aizone_policy.policies import ALL_SPECS
from aizone_policy.stackindex import StackIndex, StackResource

STACK_SPECS = [spec for spec in ALL_SPECS if isinstance(spec, StackPolicySpec)]
SMALL, LARGE = 4, 16
# Linear cost: LARGE / SMALL times the calls, with slack for hash-order effects on small sets.
MAX_RATIO = LARGE / SMALL * 1.1
_RESOURCE_GROUP = re.compile(r"(/resourceGroups/rg)(?=/|$)", re.IGNORECASE)


def _renamed(value: Any, suffix: str) -> Any:
    """A property value with every id of the stack's resource group moved to `rg<suffix>`."""
    if isinstance(value, str):
        return _RESOURCE_GROUP.sub(rf"\g<1>{suffix}", value)
    if isinstance(value, list):
        return [_renamed(entry, suffix) for entry in value]
    if isinstance(value, dict):
        return {key: _renamed(entry, suffix) for key, entry in value.items()}
    return value


def cloned(stack: Sequence[StackItem], copies: int) -> list[StackItem]:
    """`copies` copies of a stack, each in its own resource group, with its own names and URNs."""
    result: list[StackItem] = []
    for copy in range(copies):
        suffix = f"-c{copy}"
        urns = {
            item.resolved_urn: item.urn + suffix if item.urn else urn_for(item.type, item.name + suffix)
            for item in stack
        }
        for item in stack:
            result.append(
                StackItem(
                    type=item.type,
                    name=item.name + suffix,
                    props=_renamed(item.props, suffix),
                    parent=urns.get(item.parent, item.parent),
                    dependencies=[urns.get(urn, urn) for urn in item.dependencies],
                    property_dependencies={
                        prop: [urns.get(urn, urn) for urn in deps] for prop, deps in item.property_dependencies.items()
                    },
                    urn=urns[item.resolved_urn],
                    protect=item.protect,
                )
            )
    return result


def index_of(stack: Sequence[StackItem]) -> StackIndex:
    """The stack index a stack policy receives for these items (plain dicts stand in for
    pulumi_policy's proxies: unknown sentinels read as UNKNOWN all the same)."""
    return StackIndex(
        StackResource(
            urn=item.resolved_urn,
            type=item.type,
            name=item.name,
            raw_props=item.props,
            parent=item.parent or None,
            dependencies=tuple(item.dependencies),
            property_dependencies={prop: tuple(deps) for prop, deps in item.property_dependencies.items()},
            protect=item.protect,
        )
        for item in stack
    )


def calls(spec: StackPolicySpec, stack: Sequence[StackItem]) -> int:
    """Python function calls one evaluation of a stack policy makes, default config, fresh index."""
    index = index_of(stack)
    settings = PolicyConfig(spec.config_schema, {})
    profile = cProfile.Profile()
    profile.runcall(lambda: list(spec.rule(index, settings)))
    return pstats.Stats(profile).total_calls  # type: ignore[attr-defined]


@pytest.mark.parametrize("preview", [True, False], ids=["preview", "deployed"])
@pytest.mark.parametrize("spec", [pytest.param(spec, id=spec.name, marks=controls_mark(spec.name)) for spec in STACK_SPECS])
def test_stack_policy_cost_is_linear(spec: StackPolicySpec, preview: bool) -> None:
    base = baseline_stack(preview)
    small, large = calls(spec, cloned(base, SMALL)), calls(spec, cloned(base, LARGE))
    assert large <= MAX_RATIO * small, f"{spec.name}: {small} calls for {SMALL} copies, {large} for {LARGE}"
