"""Anchor rules judged on a whole stack (docs/COVERAGE.md): a Bot Service bot needs a private
endpoint (group Bot or Token) with a DNS zone group on its privatelink zone, like every other
Private Link type of the landing zone (Azure Policy ad5621d6, 29261f8e, 6a4e6f44)."""

from __future__ import annotations

import pytest
from policy_cases import BASELINES, StackBuilder, arm_id, controls_mark, diagnostics_of

from pulumi_aizone_policy import tokens as t
from pulumi_aizone_policy.harness import PackAnalyzer, StackItem, urn_for

_ENDPOINT = "azurenative-network-privateendpoint-required"
_ZONE_GROUP = "azurenative-network-privatednszonegroup-required"


def _stack(preview: bool, group: str | None, zone: str = "") -> list[StackItem]:
    """The compliant baseline stack plus a bot, with an endpoint of `group` (None: no endpoint)."""
    builder = StackBuilder(preview)
    builder.build()
    urn = builder.add(t.BOT, "bot", BASELINES[t.BOT])
    if group is not None:
        builder.private_endpoint("bot-pe", urn, arm_id(t.BOT, "bot"), group, zone)
    return builder.items


@pytest.mark.parametrize("preview", [True, False], ids=["preview", "deployed"])
@controls_mark(_ENDPOINT)
def test_bot_without_private_endpoint_is_caught(analyzer: PackAnalyzer, preview: bool) -> None:
    caught = diagnostics_of(analyzer.analyze_stack(_stack(preview, None)), level="mandatory")
    assert [(entry.policy, entry.urn) for entry in caught] == [(_ENDPOINT, urn_for(t.BOT, "bot"))]
    assert (
        "[RES-4] Bot Service bot 'bot' has no private endpoint: add a network:PrivateEndpoint with privateLinkServiceConnections = [{privateLinkServiceId: <its id>, groupIds: [one of 'Bot', 'Token']}]"
        in caught[0].message
    )


@pytest.mark.parametrize("preview", [True, False], ids=["preview", "deployed"])
@pytest.mark.parametrize(
    ("group", "zone"),
    [("Bot", "privatelink.directline.botframework.com"), ("Token", "privatelink.token.botframework.com")],
)
@controls_mark(_ENDPOINT, _ZONE_GROUP)
def test_bot_with_private_endpoint_and_zone_passes(analyzer: PackAnalyzer, preview: bool, group: str, zone: str) -> None:
    assert diagnostics_of(analyzer.analyze_stack(_stack(preview, group, zone)), level="mandatory") == []


@controls_mark(_ENDPOINT, _ZONE_GROUP)
def test_bot_endpoint_on_a_foreign_group_or_zone_is_caught(analyzer: PackAnalyzer) -> None:
    wrong_group = diagnostics_of(
        analyzer.analyze_stack(_stack(False, "account", "privatelink.directline.botframework.com")), level="mandatory"
    )
    assert [entry.policy for entry in wrong_group] == [_ENDPOINT]
    assert "has private endpoints with group ids it does not offer ('bot-pe' requests ['account'])" in wrong_group[0].message
    wrong_zone = diagnostics_of(analyzer.analyze_stack(_stack(False, "Bot", "privatelink.token.botframework.com")), level="mandatory")
    assert [entry.policy for entry in wrong_zone] == [_ZONE_GROUP]
    assert (
        "points at privatelink.token.botframework.com, but the endpoint's group needs privatelink.directline.botframework.com"
        in wrong_zone[0].message
    )


@pytest.mark.controls("ACC-8")
def test_bot_channels_and_oauth_connections_are_listed_as_unjudged(analyzer: PackAnalyzer) -> None:
    """Bot Service is a security-relevant namespace: its channels and OAuth connection settings
    (which hold client secrets) are named in the no-silent-pass note, the bot itself is judged."""
    stack = [*_stack(False, "Bot", "privatelink.directline.botframework.com")]
    stack.append(StackItem("azure-native:botservice:BotConnection", "oauth", {"properties": {"clientSecret": "s"}}))
    stack.append(StackItem("azure:bot/channelDirectLine:ChannelDirectLine", "dl", {}))
    notes = diagnostics_of(analyzer.analyze_stack(stack), "azurenative-resources-stack-unjudged-types", "advisory")
    assert len(notes) == 1
    assert "azure-native:botservice:BotConnection (1)" in notes[0].message
    assert "azure:bot/channelDirectLine:ChannelDirectLine (1)" in notes[0].message
    assert "azure-native:botservice:Bot " not in notes[0].message
