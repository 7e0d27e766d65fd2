"""Reusable Pulumi components for a secure AI landing zone on Azure.

Each component builds compliant resources by default (see README, Controls) and takes its
dependencies as plain inputs, so it works in this program and in yours:

    from components import AiServices, Network, Observability, Placement
"""

from .ai_services import AiServices
from .base import Diagnostics, Placement, PrivateNetworking
from .grants import GrantError, Principal, grant_role
from .landing_zone import LandingZone
from .network import Network, add_private_endpoint
from .observability import Observability, add_diagnostic_settings
from .settings import Settings, SettingsError, load_settings, parse_settings

__all__ = [
    "AiServices",
    "Diagnostics",
    "GrantError",
    "LandingZone",
    "Network",
    "Observability",
    "Placement",
    "Principal",
    "PrivateNetworking",
    "Settings",
    "SettingsError",
    "add_diagnostic_settings",
    "add_private_endpoint",
    "grant_role",
    "load_settings",
    "parse_settings",
]
