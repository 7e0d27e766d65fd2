"""The identity the offline gate runs as: made-up subscription, tenant, client and object ids, and
deterministic GUIDs for everything Azure would generate. Shared by the mocks (``azure_mocks``) and
the invoke answers (``invokes``)."""

from __future__ import annotations

import os
import uuid

# AIZONE_MOCK_SUBSCRIPTION_ID lets a test record the same program under another subscription.
SUBSCRIPTION_ID = os.environ.get("AIZONE_MOCK_SUBSCRIPTION_ID", "00000000-0000-0000-0000-000000000000")
TENANT_ID = "11111111-1111-1111-1111-111111111111"
CLIENT_ID = "22222222-2222-2222-2222-222222222222"
OBJECT_ID = "33333333-3333-3333-3333-333333333333"

_GUID_NAMESPACE = uuid.UUID("6f1c1b8e-5f55-4a4e-9d2a-0ff1ce0ff1ce")


def fake_guid(*parts: str) -> str:
    """A deterministic GUID derived from the given strings."""
    return str(uuid.uuid5(_GUID_NAMESPACE, "/".join(parts)))
