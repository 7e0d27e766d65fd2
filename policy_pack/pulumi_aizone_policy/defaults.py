"""Default allow-lists and caps shared by the program's settings and the pack's config.

The Pulumi program refuses a model or account kind that is not allowed before anything is created;
the policy pack refuses the same on any stack. Both start from these defaults so they cannot drift;
a stack overrides them in `aizone:ai` (program) and in the pack's config (policy).
"""

from __future__ import annotations

from typing import Final, Mapping

# Models a deployment may use (MOD-3): format, name and exact version. Versions are pinned so that an
# upgrade is a reviewed change, not something the service does on its own.
ALLOWED_MODELS: Final[tuple[Mapping[str, str], ...]] = (
    {"format": "OpenAI", "name": "gpt-4o", "version": "2024-11-20"},
    {"format": "OpenAI", "name": "gpt-4o-mini", "version": "2024-07-18"},
    {"format": "OpenAI", "name": "gpt-4.1", "version": "2025-04-14"},
    {"format": "OpenAI", "name": "text-embedding-3-large", "version": "1"},
    {"format": "OpenAI", "name": "text-embedding-3-small", "version": "1"},
)

# Cognitive Services account kinds allowed in the landing zone (ACC-8): Foundry (AIServices) and
# Azure OpenAI.
ALLOWED_ACCOUNT_KINDS: Final[tuple[str, ...]] = ("AIServices", "OpenAI")

# Per-deployment capacity cap (ACC-8), in the deployment SKU's capacity units (thousands of tokens
# per minute for Standard/GlobalStandard).
MAX_DEPLOYMENT_CAPACITY: Final[int] = 100

# Highest content-filter severity threshold a RAI policy may use (MOD-2a). Order: Low < Medium < High;
# "Low" filters the most content.
MAX_SEVERITY_THRESHOLD: Final[str] = "Medium"
