"""Reusable Pulumi components for a secure AI landing zone on Azure.

Each component builds compliant resources by default (see README, Controls) and takes its
dependencies as plain inputs, so it works in the landing zone and in your own program:

    from aizone.components import AiServices, Network, Observability, Placement

This package never imports the landing-zone program (`aizone.landing_zone`); a test enforces it.
"""

from .agents import Agent, AgentIdentity
from .ai_services import (
    AiServices,
    AiServicesArgs,
    Application,
    ApplicationArgs,
    ModelDeployment,
    ModelDeploymentArgs,
    ModelRef,
    ModelRefArgs,
)
from .base import Diagnostics, DiagnosticsArgs, Placement, PlacementArgs, PrivateNetworking, PrivateNetworkingArgs
from .data_boundary import DataBoundary
from .defender import Defender
from .entra import EntraControls, EntraControlsArgs, EntraOptions, EntraOptionsArgs
from .gateway import AiGateway, GatewayOptions, InferenceTarget
from .grants import GrantError, Principal, grant_eligible, grant_role
from .integrity import IntegrityError, require_pinned_image, verify_artifact
from .key_vault import KeyVault
from .monitoring import AlertOptions, AlertOptionsArgs, Alerts, AlertsArgs, SessionPoolTargetArgs
from .network import Network, add_private_endpoint
from .observability import Observability, add_diagnostic_settings
from .protection import DataProtection, DeletionGuard
from .purview import Purview
from .registry import ContainerRegistry, ContainerRegistryArgs, RegistryOptions, RegistryOptionsArgs
from .sessions import CodeSessions, SessionPoolOptions

__all__ = [
    "Agent",
    "AgentIdentity",
    "AiGateway",
    "AiServices",
    "AiServicesArgs",
    "ApplicationArgs",
    "ModelDeploymentArgs",
    "ModelRefArgs",
    "AlertOptions",
    "AlertOptionsArgs",
    "Alerts",
    "AlertsArgs",
    "Application",
    "CodeSessions",
    "ContainerRegistry",
    "ContainerRegistryArgs",
    "DataBoundary",
    "DataProtection",
    "Defender",
    "Diagnostics",
    "DiagnosticsArgs",
    "EntraControls",
    "EntraControlsArgs",
    "EntraOptions",
    "EntraOptionsArgs",
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
    "PlacementArgs",
    "Principal",
    "PrivateNetworking",
    "PrivateNetworkingArgs",
    "Purview",
    "RegistryOptions",
    "RegistryOptionsArgs",
    "SessionPoolOptions",
    "SessionPoolTargetArgs",
    "add_diagnostic_settings",
    "add_private_endpoint",
    "grant_eligible",
    "grant_role",
    "require_pinned_image",
    "verify_artifact",
]
