"""Reusable Pulumi components for a secure AI landing zone on Azure.

Each component builds compliant resources by default (see README, Controls) and takes its
dependencies as plain inputs, so it works in this program and in yours:

    from components import AiServices, Network, Observability, Placement
"""

from .agents import AgentIdentity
from .ai_services import AiServices
from .base import Diagnostics, Placement, PrivateNetworking
from .data_boundary import DataBoundary
from .defender import Defender
from .entra import EntraControls
from .gateway import AiGateway, GatewayOptions, InferenceTarget
from .grants import GrantError, Principal, grant_eligible, grant_role
from .integrity import IntegrityError, require_pinned_image, verify_artifact
from .key_vault import KeyVault
from .landing_zone import LandingZone
from .monitoring import AlertOptions, Alerts
from .network import Network, add_private_endpoint
from .observability import Observability, add_diagnostic_settings
from .protection import DataProtection, add_delete_lock
from .purview import Purview
from .registry import ContainerRegistry, RegistryOptions
from .sessions import CodeSessions, SessionPoolOptions
from .settings import Settings, SettingsError, load_settings, parse_settings

__all__ = [
    "AgentIdentity",
    "AlertOptions",
    "Alerts",
    "CodeSessions",
    "ContainerRegistry",
    "IntegrityError",
    "RegistryOptions",
    "SessionPoolOptions",
    "require_pinned_image",
    "verify_artifact",
    "AiGateway",
    "AiServices",
    "DataBoundary",
    "DataProtection",
    "Defender",
    "Diagnostics",
    "EntraControls",
    "GatewayOptions",
    "GrantError",
    "InferenceTarget",
    "KeyVault",
    "LandingZone",
    "Network",
    "Observability",
    "Placement",
    "Principal",
    "PrivateNetworking",
    "Purview",
    "Settings",
    "SettingsError",
    "add_delete_lock",
    "add_diagnostic_settings",
    "add_private_endpoint",
    "grant_eligible",
    "grant_role",
    "load_settings",
    "parse_settings",
]
