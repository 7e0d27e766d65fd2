"""ACC-7: the gateway's first deployment is visible and time-boxed.

Azure refuses publicNetworkAccess Disabled when an API Management v2 service is created; the
landing zone creates it Enabled on its first run and tags it `aizone-first-deployment: <date>`.
With the gateway's private endpoint in the stack and a tag at most firstDeploymentDays old, the
policy reports an advisory note; otherwise the usual mandatory violation."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any

import pytest
from policy_cases import arm_id, baseline_stack, changed, diagnostics_of, item, replace_item

from pulumi_aizone_policy import reference, tokens as t
from pulumi_aizone_policy.harness import PackAnalyzer, StackItem, urn_for

_POLICY = "azurenative-apimanagement-service-restrict-public-network-access"
TODAY = dt.datetime.now(dt.timezone.utc).date()


def _stack(tag: object, endpoint: bool = True, group: str = "Gateway") -> list[StackItem]:
    stack = baseline_stack(preview=False)
    apim = item(stack, "apim")
    props = changed(changed(apim.props, "virtualNetworkType", "None"), "publicNetworkAccess", "Enabled")
    if tag is not None:
        props = changed(props, f"tags.{reference.FIRST_DEPLOYMENT_TAG}", tag)
    stack = replace_item(stack, "apim", props=props)
    if endpoint:
        pe = StackItem(
            type=t.PRIVATE_ENDPOINT,
            name="apim-pe",
            props={
                "subnet": {"id": "/subscriptions/sub/resourceGroups/net/providers/Microsoft.Network/virtualNetworks/spoke/subnets/pe"},
                "privateLinkServiceConnections": [
                    {"name": "apim", "privateLinkServiceId": arm_id(t.APIM_SERVICE, "apim"), "groupIds": [group]}
                ],
            },
            property_dependencies={"privateLinkServiceConnections": [urn_for(t.APIM_SERVICE, "apim")]},
            dependencies=[urn_for(t.APIM_SERVICE, "apim")],
        )
        stack = [*stack, pe]
    return stack


def _findings(analyzer: PackAnalyzer, stack: list[StackItem], level: str) -> list[str]:
    return [entry.message.split("\n", 1)[1] for entry in diagnostics_of(analyzer.analyze_stack(stack), _POLICY, level)]


@pytest.mark.controls("ACC-7")
@pytest.mark.parametrize("age", [0, 7])
def test_first_deployment_is_an_advisory_note(analyzer: PackAnalyzer, age: int) -> None:
    day = TODAY - dt.timedelta(days=age)
    stack = _stack(day.isoformat())
    assert _findings(analyzer, stack, "mandatory") == []
    until = (day + dt.timedelta(days=7)).isoformat()
    assert _findings(analyzer, stack, "advisory") == [
        "[ACC-7] First deployment of the gateway: public network access stays Enabled until its private endpoint is "
        f"approved; the next `pulumi up` disables it (allowed until {until})"
    ]


_CASES: Mapping[str, tuple[Callable[[], list[StackItem]], str]] = {
    "expired": (
        lambda: _stack((TODAY - dt.timedelta(days=8)).isoformat()),
        f"tag '{(TODAY - dt.timedelta(days=8)).isoformat()}' expired on {(TODAY - dt.timedelta(days=1)).isoformat()}",
    ),
    "future": (
        lambda: _stack((TODAY + dt.timedelta(days=1)).isoformat()),
        f"tag '{(TODAY + dt.timedelta(days=1)).isoformat()}' is in the future",
    ),
    "malformed": (lambda: _stack("next week"), "tag 'next week' is not a YYYY-MM-DD date"),
    "invalid-date": (lambda: _stack("2026-02-30"), "tag '2026-02-30' is not a valid date"),
    "no-endpoint": (lambda: _stack(TODAY.isoformat(), endpoint=False), "the stack has no private endpoint to its 'Gateway' group"),
    "wrong-group": (lambda: _stack(TODAY.isoformat(), group="portal"), "the stack has no private endpoint to its 'Gateway' group"),
}


@pytest.mark.controls("ACC-7")
@pytest.mark.parametrize("case", sorted(_CASES))
def test_first_deployment_outside_its_window_is_mandatory(analyzer: PackAnalyzer, case: str) -> None:
    build, why = _CASES[case]
    messages = _findings(analyzer, build(), "mandatory")
    assert len(messages) == 1 and messages[0].startswith(
        "[ACC-7] API Management service 'apim' exposes a public gateway (publicNetworkAccess is 'Enabled', virtualNetworkType is 'None'; "
        "the first-deployment allowance does not apply: "
    ), messages
    assert why in messages[0]


@pytest.mark.controls("ACC-7")
def test_window_is_configurable_and_allow_public_gateway_still_works(make_analyzer: Callable[[Mapping[str, Any]], PackAnalyzer]) -> None:
    stack = _stack((TODAY - dt.timedelta(days=3)).isoformat())
    strict = make_analyzer({_POLICY: {"firstDeploymentDays": 2}})
    assert "expired on" in _findings(strict, stack, "mandatory")[0]
    public = make_analyzer({_POLICY: {"allowPublicGateway": True}})
    assert diagnostics_of(public.analyze_stack(_stack(None, endpoint=False)), _POLICY) == []


@pytest.mark.controls("ACC-7")
def test_near_miss_spelling_is_not_enabled_or_internal(analyzer: PackAnalyzer) -> None:
    stack = replace_item(
        baseline_stack(preview=False),
        "apim",
        props=changed(item(baseline_stack(preview=False), "apim").props, "virtualNetworkType", "internal "),
    )
    assert _findings(analyzer, stack, "mandatory")[0].startswith(
        "[ACC-7] API Management service 'apim' exposes a public gateway (publicNetworkAccess is 'Enabled', virtualNetworkType is \"internal \" (a string that is not exactly 'Internal'))"
    )
