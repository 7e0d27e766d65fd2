"""Default allow-lists and caps shared by the program's settings and the pack's config.

The Pulumi program refuses a model or account kind that is not allowed before anything is created;
the policy pack refuses the same on any stack. Both start from these defaults so they cannot drift;
a stack overrides them in `aizone:ai` (program) and in the pack's config (policy).
"""

from __future__ import annotations

from typing import Final, Mapping

# Models a deployment may use (MOD-3): format, name and exact version. Versions are pinned so that an
# upgrade is a reviewed change, not something the service does on its own. Each one is current on
# MODEL_RETIREMENTS_READ and more than RETIREMENT_NOTICE_DAYS from its retirement date
# (tests/test_model_lifecycle.py fails on the day that stops being true).
ALLOWED_MODELS: Final[tuple[Mapping[str, str], ...]] = (
    {"format": "OpenAI", "name": "gpt-5.1", "version": "2025-11-13"},
    {"format": "OpenAI", "name": "gpt-5.4-mini", "version": "2026-03-17"},
    {"format": "OpenAI", "name": "text-embedding-3-large", "version": "1"},
    {"format": "OpenAI", "name": "text-embedding-3-small", "version": "1"},
)

# Retirement dates of Azure OpenAI model versions (MOD-3, model lifecycle): a deployment of a retired
# version returns errors; one within RETIREMENT_NOTICE_DAYS of its date is flagged so the upgrade is
# planned. Data, not code: refresh it from the sources below (and MODEL_RETIREMENTS_READ) when
# Microsoft publishes new dates; a stack can override it in the pack config (modelRetirements).
MODEL_RETIREMENTS_SOURCE: Final[str] = (
    "Microsoft Learn, 'Model retirement schedule' (Azure OpenAI table), "
    "https://learn.microsoft.com/azure/foundry/openai/concepts/model-retirement-schedule "
    "(MicrosoftDocs/azure-ai-docs articles/foundry/openai/includes/concepts-model-retirement-schedule-content.md, "
    "ms.date 07/07/2026); retired models before 2026 from 'Azure OpenAI legacy models', "
    "https://learn.microsoft.com/azure/ai-foundry/openai/concepts/legacy-models"
)
MODEL_RETIREMENTS_READ: Final[str] = "2026-12-07"
RETIREMENT_NOTICE_DAYS: Final[int] = 90


def _retirements(rows: str) -> tuple[Mapping[str, str], ...]:
    """`name version retires` rows (format OpenAI) as allow-list-shaped entries."""
    entries = []
    for row in rows.strip().splitlines():
        name, version, retires = row.split()
        entries.append({"format": "OpenAI", "name": name, "version": version, "retires": retires})
    return tuple(entries)


MODEL_RETIREMENTS: Final[tuple[Mapping[str, str], ...]] = _retirements(
    """
    codex-mini 2025-05-16 2026-11-15
    gpt-35-turbo 0301 2025-02-13
    gpt-35-turbo 0613 2025-02-13
    gpt-35-turbo-16k 0613 2025-04-30
    gpt-4 0314 2025-06-06
    gpt-4 0613 2025-06-06
    gpt-4-32k 0314 2025-06-06
    gpt-4-32k 0613 2025-06-06
    gpt-4.1 2025-04-14 2026-10-14
    gpt-4.1-mini 2025-04-14 2026-10-14
    gpt-4.1-nano 2025-04-14 2026-10-14
    gpt-4o 2024-05-13 2026-10-01
    gpt-4o 2024-08-06 2026-10-01
    gpt-4o 2024-11-20 2026-10-01
    gpt-4o-mini 2024-07-18 2026-10-01
    gpt-5 2025-08-07 2027-02-06
    gpt-5-chat 2025-08-07 2026-06-29
    gpt-5-chat 2025-10-03 2026-05-13
    gpt-5-codex 2025-09-15 2027-03-17
    gpt-5-mini 2025-08-07 2027-02-06
    gpt-5-nano 2025-08-07 2027-02-06
    gpt-5-pro 2025-10-06 2027-04-07
    gpt-5.1 2025-11-13 2027-05-15
    gpt-5.1-chat 2025-11-13 2026-06-29
    gpt-5.1-codex 2025-11-13 2027-05-15
    gpt-5.1-codex-max 2025-12-04 2026-12-05
    gpt-5.1-codex-mini 2025-11-13 2027-05-15
    gpt-5.2 2025-12-11 2026-12-12
    gpt-5.2-chat 2025-12-11 2026-05-13
    gpt-5.2-chat 2026-02-10 2026-06-29
    gpt-5.2-codex 2026-01-14 2027-01-14
    gpt-5.3-chat 2026-03-03 2026-06-29
    gpt-5.3-codex 2026-02-24 2027-02-25
    gpt-5.4 2026-03-05 2027-03-05
    gpt-5.4-mini 2026-03-17 2027-03-18
    gpt-5.4-nano 2026-03-17 2027-03-18
    gpt-5.4-pro 2026-03-05 2027-03-06
    gpt-5.5 2026-04-24 2027-04-23
    o1 2024-12-17 2026-09-16
    o1-pro 2025-03-19 2026-09-18
    o3 2025-04-16 2026-10-16
    o3-deep-research 2025-06-26 2026-12-26
    o3-mini 2025-01-31 2026-10-01
    o3-pro 2025-06-10 2026-12-10
    o4-mini 2025-04-16 2026-10-16
    text-embedding-3-large 1 2027-04-15
    text-embedding-3-small 1 2027-04-15
    text-embedding-ada-002 1 2027-04-15
    text-embedding-ada-002 2 2027-04-15
    """
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
