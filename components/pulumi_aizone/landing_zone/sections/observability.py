"""`aizone:observability`: the stack's own Log Analytics workspace, or an existing one."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from .reader import NAMESPACE, _Reader


@dataclass(frozen=True)
class ObservabilitySettings:
    """`workspace_id`: an existing Log Analytics workspace (then none is created and
    `retention_days` is the existing workspace's business)."""

    retention_days: int
    workspace_id: str | None = None


# An existing Log Analytics workspace. Workspace names: 4-63 alphanumerics and hyphens, starting
# and ending with an alphanumeric ("Naming rules and restrictions for Azure resources",
# Microsoft.OperationalInsights: https://learn.microsoft.com/azure/azure-resource-manager/management/resource-name-rules).
_WORKSPACE_ID = re.compile(
    r"^/subscriptions/[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}/resourceGroups/[-\w._()]{1,90}"
    r"/providers/Microsoft\.OperationalInsights/workspaces/[A-Za-z0-9][A-Za-z0-9-]{2,61}[A-Za-z0-9]$",
    re.IGNORECASE,
)
WORKSPACE_ID_FORM = "/subscriptions/<subscription guid>/resourceGroups/<group>/providers/Microsoft.OperationalInsights/workspaces/<name>"


def _read_observability(reader: _Reader, value: Any) -> ObservabilitySettings:
    """The stack's own workspace (`retentionDays`), or an existing one (`workspaceId`)."""
    key = f"{NAMESPACE}:observability"
    data = reader.mapping(key, value, ("retentionDays", "workspaceId"))
    if "workspaceId" in data:
        workspace_id = reader.string(
            f"{key}.workspaceId", data["workspaceId"], _WORKSPACE_ID, f"expected a Log Analytics workspace id like {WORKSPACE_ID_FORM}"
        )
        if "retentionDays" in data:
            reader.fail(
                f"{key}.retentionDays",
                "is not used with workspaceId: the existing workspace keeps its own retention (set it on that workspace); remove it",
            )
        return ObservabilitySettings(90, workspace_id or None)
    retention = reader.integer(f"{key}.retentionDays", data.get("retentionDays", 90), 30, 730)
    return ObservabilitySettings(retention)
