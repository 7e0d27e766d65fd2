"""`aizone:agents` and `aizone:entra`: agent identities and the Entra ID controls."""

from __future__ import annotations

import re
from typing import Any, Mapping

from ...agents import Agent
from ...entra import EntraOptions
from .reader import _APP_NAME, _EMAIL, NAMESPACE, _check_unique, _cidr_text, _describe, _names, _Reader


def _read_agents(reader: _Reader, value: Any, boundaries: Mapping[str, str]) -> tuple[Agent, ...]:
    key = f"{NAMESPACE}:agents"

    def read(item_key: str, item: Any) -> Agent:
        data = reader.mapping(item_key, item, ("name", "application", "owner", "description"), ("name", "application", "owner"))
        name = reader.string(
            f"{item_key}.name", data.get("name"), _APP_NAME, "use 3-24 lowercase letters, digits and '-', starting with a letter"
        )
        application = data.get("application")
        if "application" in data and not (isinstance(application, str) and application in boundaries):
            reader.fail(
                f"{item_key}.application", f"{_describe(application)} is not a declared application; declared: {_names(list(boundaries))}"
            )
        owner = (
            reader.string(f"{item_key}.owner", data.get("owner"), _EMAIL, "expected the owner's e-mail address") if "owner" in data else ""
        )
        description = data.get("description", "")
        if not isinstance(description, str):
            reader.fail(f"{item_key}.description", f"expected a string, got {_describe(description)}")
            description = ""
        app = application if isinstance(application, str) else ""
        return Agent(name, app, boundaries.get(app, ""), owner, description)

    agents = reader.sequence(key, value, read)
    _check_unique(reader, key, [agent.name for agent in agents], "agent name")
    return agents


_GUID = re.compile(r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")
_COUNTRY = re.compile(r"^[A-Z]{2}$")
CA_STATES = ("enabledForReportingButNotEnforced", "enabled", "disabled")


def _read_entra(reader: _Reader, value: Any) -> EntraOptions:
    key = f"{NAMESPACE}:entra"
    data = reader.mapping(
        key,
        value,
        (
            "enabled",
            "conditionalAccessState",
            "breakGlassObjectIds",
            "trustedIpRanges",
            "trustedCountries",
            "signInRiskAction",
            "adminEligibilityDays",
        ),
    )
    state = reader.choice(f"{key}.conditionalAccessState", data.get("conditionalAccessState", CA_STATES[0]), CA_STATES)
    break_glass = reader.sequence(
        f"{key}.breakGlassObjectIds",
        data.get("breakGlassObjectIds", []),
        lambda k, v: reader.string(k, v, _GUID, "expected an Entra object id (GUID) of an emergency-access account"),
    )
    if state == "enabled" and not break_glass:
        reader.fail(
            f"{key}.breakGlassObjectIds",
            "at least one emergency-access (break-glass) account is required before Conditional Access is 'enabled'; "
            "otherwise a mistake can lock every administrator out of the tenant",
        )
    ranges = reader.sequence(f"{key}.trustedIpRanges", data.get("trustedIpRanges", []), lambda k, v: _cidr_text(reader, k, v))
    countries = reader.sequence(
        f"{key}.trustedCountries",
        data.get("trustedCountries", []),
        lambda k, v: reader.string(k, v, _COUNTRY, "expected a two-letter ISO 3166 country code in capitals, e.g. 'SE'"),
    )
    return EntraOptions(
        enabled=reader.boolean(f"{key}.enabled", data.get("enabled", True)),
        conditional_access_state=state,
        break_glass_object_ids=break_glass,
        trusted_ip_ranges=ranges,
        trusted_countries=countries,
        sign_in_risk_action=reader.choice(f"{key}.signInRiskAction", data.get("signInRiskAction", "mfa"), ("mfa", "block")),
        admin_eligibility_days=reader.integer(f"{key}.adminEligibilityDays", data.get("adminEligibilityDays", 180), 1, 365),
    )
