"""Reusable Pulumi components for a secure AI landing zone on Azure.

Each component builds compliant resources by default (see README, Controls) and takes its
dependencies as plain inputs, so it works in the landing zone and in your own program:

    from aizone.components import AiServices, Network, Observability, Placement

This package never imports the landing-zone program (`aizone.landing_zone`); a test enforces it.
"""

from .agents import Agent, AgentIdentity
from .ai_services import AiServices, Application, ModelDeployment, ModelRef
from .base import Diagnostics, Placement, PrivateNetworking
from .data_boundary import DataBoundary
from .defender import Defender
from .entra import EntraControls, EntraOptions
from .gateway import AiGateway, GatewayOptions, InferenceTarget
from .grants import GrantError, Principal, grant_eligible, grant_role
from .integrity import IntegrityError, require_pinned_image, verify_artifact
from .key_vault import KeyVault
from .monitoring import AlertOptions, Alerts
from .network import Network, add_private_endpoint
from .observability import Observability, add_diagnostic_settings
from .protection import DataProtection, DeletionGuard
from .purview import Purview
from .registry import ContainerRegistry, RegistryOptions
from .sessions import CodeSessions, SessionPoolOptions

__all__ = [
    "Agent",
    "AgentIdentity",
    "AiGateway",
    "AiServices",
    "AlertOptions",
    "Alerts",
    "Application",
    "CodeSessions",
    "ContainerRegistry",
    "DataBoundary",
    "DataProtection",
    "Defender",
    "Diagnostics",
    "EntraControls",
    "EntraOptions",
    "GatewayOptions",
    "GrantError",
    "InferenceTarget",
    "IntegrityError",
    "KeyVault",
    "ModelDeployment",
    "ModelRef",
    "Network",
    "Observability",
    "Placement",
    "Principal",
    "PrivateNetworking",
    "Purview",
    "RegistryOptions",
    "SessionPoolOptions",
    "add_diagnostic_settings",
    "add_private_endpoint",
    "grant_eligible",
    "grant_role",
    "require_pinned_image",
    "verify_artifact",
]
