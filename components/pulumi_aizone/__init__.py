"""pulumi_aizone: the component library of the secure AI landing zone on Azure (Pulumi package `aizone`).

Each component builds compliant resources by default (see README, Controls) and takes its
dependencies as plain inputs, so it works in the landing zone and in your own program:

    from pulumi_aizone import AiServices, Network, Observability, Placement

`pulumi_aizone.landing_zone` is the landing-zone program built from these components (stack
config -> settings -> composition); `pulumi_aizone.provider` serves them to other Pulumi languages.
The components never import the landing zone; a test enforces it.
"""

__version__ = "0.4.0"

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
from .base import (
    DataProtectionArgs,
    Diagnostics,
    DiagnosticsArgs,
    Placement,
    PlacementArgs,
    PrivateNetworking,
    PrivateNetworkingArgs,
    RoleAssignmentArgs,
    tags_of,
)
from .data_boundary import DataBoundary, DataBoundaryArgs
from .defender import Defender, DefenderArgs, DefenderPlanArgs
from .entra import EntraControls, EntraControlsArgs, EntraOptions, EntraOptionsArgs
from .gateway import AiGateway, AiGatewayArgs, GatewayOptions, GatewayOptionsArgs, GatewayTelemetryArgs, InferenceTargetArgs
from .grants import Grant, GrantError, Principal, grant_eligible, grant_role
from .guardrails import AllowedModelArgs, GuardrailExemptionArgs, Guardrails, GuardrailsArgs
from .integrity import IntegrityError, require_pinned_image, verify_artifact
from .key_vault import KeyVault, KeyVaultArgs
from .monitoring import AlertOptions, AlertOptionsArgs, Alerts, AlertsArgs, SessionPoolTargetArgs
from .network import ExistingNetwork, ExistingNetworkArgs, Network, NetworkArgs, add_private_endpoint
from .observability import AppInsights, AppInsightsArgs, Observability, ObservabilityArgs, add_diagnostic_settings
from .protection import DataProtection, DeletionGuard, DeletionGuardArgs
from .purview import ExistingPurview, ExistingPurviewArgs, Purview, PurviewArgs
from .registry import ContainerRegistry, ContainerRegistryArgs, RegistryOptions, RegistryOptionsArgs
from .sessions import CodeSessions, SessionPoolOptions

__all__ = [
    "Agent",
    "AgentIdentity",
    "AiGateway",
    "AiGatewayArgs",
    "AiServices",
    "AiServicesArgs",
    "ApplicationArgs",
    "ModelDeploymentArgs",
    "ModelRefArgs",
    "AlertOptions",
    "AlertOptionsArgs",
    "Alerts",
    "AlertsArgs",
    "AppInsights",
    "AppInsightsArgs",
    "Application",
    "CodeSessions",
    "ContainerRegistry",
    "ContainerRegistryArgs",
    "DataBoundary",
    "DataBoundaryArgs",
    "DataProtection",
    "DataProtectionArgs",
    "Defender",
    "DefenderArgs",
    "DefenderPlanArgs",
    "DeletionGuard",
    "DeletionGuardArgs",
    "Diagnostics",
    "DiagnosticsArgs",
    "EntraControls",
    "EntraControlsArgs",
    "EntraOptions",
    "EntraOptionsArgs",
    "GatewayOptions",
    "GatewayOptionsArgs",
    "GatewayTelemetryArgs",
    "Grant",
    "Guardrails",
    "GuardrailsArgs",
    "GuardrailExemptionArgs",
    "AllowedModelArgs",
    "GrantError",
    "InferenceTargetArgs",
    "IntegrityError",
    "KeyVault",
    "KeyVaultArgs",
    "ModelDeployment",
    "ModelRef",
    "Network",
    "NetworkArgs",
    "ExistingNetwork",
    "ExistingNetworkArgs",
    "Observability",
    "ObservabilityArgs",
    "Placement",
    "PlacementArgs",
    "Principal",
    "PrivateNetworking",
    "PrivateNetworkingArgs",
    "ExistingPurview",
    "ExistingPurviewArgs",
    "Purview",
    "PurviewArgs",
    "RegistryOptions",
    "RegistryOptionsArgs",
    "RoleAssignmentArgs",
    "SessionPoolOptions",
    "SessionPoolTargetArgs",
    "add_diagnostic_settings",
    "add_private_endpoint",
    "grant_eligible",
    "grant_role",
    "tags_of",
    "require_pinned_image",
    "verify_artifact",
]
