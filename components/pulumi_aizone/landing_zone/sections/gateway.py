"""`aizone:gateway`: the AI gateway's options, or `false` for none."""

from __future__ import annotations

from typing import Any

from ...base import config_key as args_config_key
from ...gateway import GatewayOptions, validate_gateway_options
from .reader import NAMESPACE, _describe, _read_options, _Reader

# config key -> GatewayOptions field (and the type the config value must have)
_GATEWAY_FIELDS: dict[str, tuple[str, type]] = {
    "publisherEmail": ("publisher_email", str),
    "publisherName": ("publisher_name", str),
    "sku": ("sku", str),
    "capacity": ("capacity", int),
    "publicIngress": ("public_ingress", bool),
    "tokensPerMinute": ("tokens_per_minute", int),
    "estimatePromptTokens": ("estimate_prompt_tokens", bool),
    "contentSafety": ("content_safety", bool),
    "retryCount": ("retry_count", int),
    "apiPath": ("api_path", str),
    "appRole": ("app_role", str),
}


def _read_gateway(reader: _Reader, value: Any) -> GatewayOptions | None:
    """The AI gateway (MOD-4); field rules live with the component, in validate_gateway_options.
    `false`: no gateway (None)."""
    key = f"{NAMESPACE}:gateway"
    if value is False:
        return None
    if not isinstance(value, dict):
        reader.fail(key, f"expected a mapping of gateway settings, or false to deploy without the AI gateway, got {_describe(value)}")
        return None
    required = ("publisherEmail", "publisherName")
    reported = len(reader.problems)
    if isinstance(value, dict) and "firstDeployment" in value:
        reader.fail(
            f"{key}.firstDeployment",
            "is no longer needed: the program finds out whether the gateway exists and creates it with public "
            "access for its first `pulumi up` only; remove the key",
        )
        value = {k: v for k, v in value.items() if k != "firstDeployment"}
    options = _read_options(reader, key, value, _GATEWAY_FIELDS, GatewayOptions, required)
    if len(reader.problems) > reported:
        return options  # wrong or missing keys are reported; `options` may be a placeholder
    data = value if isinstance(value, dict) else {}
    if "sku" in data and options.sku != "StandardV2":
        # AiGateway supports classic tiers, but in internal VNet mode they need a dedicated subnet
        # without delegation and the classic management NSG rules, which Network does not build.
        reader.fail(
            f"{key}.sku",
            f"{options.sku!r} is not supported by the landing zone's network yet (classic tiers need a dedicated, "
            "non-delegated subnet); allowed: 'StandardV2'",
        )
    for problem in validate_gateway_options(options.as_args()):
        reader.fail(args_config_key("gateway", problem.field), problem.message)
    return options
