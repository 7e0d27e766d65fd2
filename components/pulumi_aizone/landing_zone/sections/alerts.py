"""`aizone:alerts`: the alert rules' options (read through the reader's options helper)."""

from __future__ import annotations

from typing import Any

from ...monitoring import AlertOptions
from .reader import NAMESPACE, _read_options, _Reader

# config key -> (AlertOptions field, accepted config type); AlertOptions enforces the bounds.
_ALERT_FIELDS: dict[str, tuple[str, type]] = {
    "emails": ("emails", list),
    "shortName": ("short_name", str),
    "contentFilterBlocks": ("content_filter_blocks", int),
    "tokenThreshold": ("token_threshold", int),
    "tokenSensitivity": ("token_sensitivity", str),
    "gatewayServerErrors": ("gateway_server_errors", int),
    "gatewayClientErrors": ("gateway_client_errors", int),
    "sessionBusyPercent": ("session_busy_percent", int),
    "sessionFailures": ("session_failures", int),
}


def _read_alerts(reader: _Reader, value: Any) -> AlertOptions:
    """Alert receivers (required) and thresholds."""
    return _read_options(reader, f"{NAMESPACE}:alerts", value, _ALERT_FIELDS, AlertOptions, ("emails",))
