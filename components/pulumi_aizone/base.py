"""What every component shares: where it is placed, how it reaches the network and the logs, and
which controls it implements.

Modelled on Azure Verified Modules' shared interfaces: instead of each component inventing its own
arguments for tags, diagnostics and private endpoints, they all take the same small types from here.
Components take plain inputs (ids and names), so a dependency can come from this stack, from a
`StackReference` to a platform stack, or from an existing hub resource.
"""

# No `from __future__ import annotations` here or in any served component module: Pulumi's schema
# inference (pulumi.provider.experimental) reads the annotations as real types.
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, NotRequired, TypedDict, TypeVar

import pulumi

from pulumi_aizone_policy import catalog

# control id -> names of the components that implement it (read by the traceability report).
IMPLEMENTED_BY: dict[str, list[str]] = {}

C = TypeVar("C", bound=Callable[..., Any])


def implements(*control_ids: str) -> Callable[[C], C]:
    """Decorator for a component class or helper function: record that it builds what the given
    controls require, for the traceability report (control -> component -> policy -> test)."""

    def register(cls: C) -> C:
        for control_id in control_ids:
            catalog.get_control(control_id)  # fails loudly on a typo
            IMPLEMENTED_BY.setdefault(control_id, []).append(cls.__name__)
        return cls

    return register


@dataclass(frozen=True)
class Placement:
    """Resource group, region and tags shared by every resource a component creates."""

    resource_group_name: pulumi.Input[str]
    location: str
    tags: Mapping[str, str] = field(default_factory=dict)

    def with_tags(self, **extra: str) -> dict[str, str]:
        return {**self.tags, **extra}


@dataclass(frozen=True)
class PrivateNetworking:
    """Where private endpoints go and the private DNS zones (name -> zone id) they register in.
    `create_zone_groups` is False in hub-and-spoke landing zones where the platform's Azure Policy
    (deployIfNotExists) creates each endpoint's DNS zone group in the hub's zones."""

    subnet_id: pulumi.Input[str]
    zone_ids: Mapping[str, pulumi.Input[str]]
    create_zone_groups: bool = True


@dataclass(frozen=True)
class Diagnostics:
    """The central Log Analytics workspace every resource sends its logs and metrics to (RES-2)."""

    workspace_id: pulumi.Input[str]


# --- Pulumi-shaped shared vocabulary (Azure Verified Modules' interface blocks) ---------------------


class PlacementArgs(TypedDict):
    """Where a component's resources go: resource group, region and tags."""

    resource_group_name: pulumi.Input[str]
    """Name of the resource group (it may come from another stack)."""
    location: str
    """Programmatic Azure region name, e.g. `swedencentral`. Plain: names and DNS zones derive from it."""
    tags: NotRequired[Mapping[str, str]]
    """Tags on every resource the component creates, in addition to the control tags it sets. Default: none."""


class PrivateNetworkingArgs(TypedDict):
    """Where private endpoints go and the private DNS zones they register in."""

    subnet_id: pulumi.Input[str]
    """Resource id of the subnet for private endpoints."""
    zone_ids: Mapping[str, pulumi.Input[str]]
    """Private DNS zone name (`privatelink.*`) -> zone resource id (this stack's or a hub's)."""
    create_zone_groups: NotRequired[bool]
    """Create each endpoint's DNS zone group. False where the platform's Azure Policy
    (deployIfNotExists) creates them in the hub's zones. Default: true."""


class DiagnosticsArgs(TypedDict):
    """The central Log Analytics workspace every resource sends its logs and metrics to (RES-2)."""

    workspace_id: pulumi.Input[str]
    """Resource id of the Log Analytics workspace."""


class RoleAssignmentArgs(TypedDict):
    """A grant expressed as data (AVM `roleAssignments`), so every language can ask for it."""

    principal_name: str
    """Stable logical name of the principal; the assignment's GUID is derived from it."""
    principal_id: pulumi.Input[str]
    """Entra object id of the principal."""
    role: str
    """Role name, from the component's allow-list (e.g. `Storage Blob Data Reader`)."""
    principal_type: NotRequired[str]
    """`ServicePrincipal` (managed identities, the default), `Group` or `User`."""
    boundary: NotRequired[str]
    """Data boundary of the application the principal acts for (`internal`, `customer`, `public`)."""


def aliased(opts: "pulumi.ResourceOptions | None", old_type: str) -> pulumi.ResourceOptions:
    """`opts` plus an alias for the component's type token before 0.2.0, so a stack created with
    the old token keeps its component (and every child under it) instead of replacing them."""
    return pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(aliases=[pulumi.Alias(type_=old_type)]))


def tags_of(placement: PlacementArgs, **extra: str) -> dict[str, str]:
    """The placement's tags plus a component's own (control tags win)."""
    return {**placement.get("tags", {}), **extra}


# --- One validation protocol ------------------------------------------------------------------

# Rules shared by the components and the settings layer (one definition, one message).
NAME_PATTERN = re.compile(r"^[a-z][a-z0-9-]{1,22}[a-z0-9]$")
NAME_RULE = "3-24 lowercase letters, digits and '-', starting with a letter"
EMAIL_PATTERN = re.compile(r"^[^@\s;]+@[^@\s;]+\.[^@\s;]+$")
EMAIL_RULE = "an e-mail address such as secops@contoso.com"
BOUNDARIES = ("internal", "customer", "public")


@dataclass(frozen=True)
class Problem:
    """One mistake in a component's args: `field` is the path inside the args
    (`deployments[0].capacity`), `message` what is wrong and what is allowed."""

    field: str
    message: str


class ArgsError(ValueError):
    """A component's args are invalid. Raised before the component registers anything; lists every
    problem, each as `<Component>.<field>: <message>`."""

    def __init__(self, component: str, problems: Sequence[Problem]) -> None:
        self.component = component
        self.problems = tuple(problems)
        lines = [f"{component}.{problem.field}: {problem.message}" for problem in self.problems]
        super().__init__(f"invalid {component} args:\n  " + "\n  ".join(lines))


def raise_if_invalid(component: str, problems: Sequence[Problem]) -> None:
    """Raise `ArgsError` when `problems` is not empty."""
    if problems:
        raise ArgsError(component, problems)


def config_key(section: str, field_path: str) -> str:
    """The stack config key of an args field: `("ai", "deployments[0].max_capacity")` ->
    `aizone:ai.deployments[0].maxCapacity`. The settings layer uses it to name config keys."""

    def camel(part: str) -> str:
        head, *rest = part.split("_")
        return head + "".join(word[:1].upper() + word[1:] for word in rest)

    path = re.sub(r"[A-Za-z0-9_]+", lambda match: camel(match.group(0)), field_path)
    return f"aizone:{section}.{path}" if path else f"aizone:{section}"


class DataProtectionArgs(TypedDict):
    """Whether Pulumi refuses to delete or replace the component's data-bearing resources (DATA-5)."""

    protect: NotRequired[bool]
    """Set Pulumi `protect` on the data-bearing resources. Default: true."""


def protect_of(protection: "DataProtectionArgs | None") -> bool:
    """The `protect` flag of optional protection args (default: protected)."""
    return bool((protection or {}).get("protect", True))


# --- Both forms of the shared blocks ---------------------------------------------------------
# The helpers (private endpoints, diagnostic settings) take the frozen dataclasses or the args
# TypedDicts, so a component can move to the Pulumi shape on its own.


def as_placement(placement: "Placement | PlacementArgs") -> Placement:
    if isinstance(placement, Placement):
        return placement
    return Placement(placement["resource_group_name"], placement["location"], dict(placement.get("tags", {})))


def as_private_networking(networking: "PrivateNetworking | PrivateNetworkingArgs") -> PrivateNetworking:
    if isinstance(networking, PrivateNetworking):
        return networking
    return PrivateNetworking(
        networking["subnet_id"], dict(networking["zone_ids"]), create_zone_groups=networking.get("create_zone_groups", True)
    )


def as_diagnostics(diagnostics: "Diagnostics | DiagnosticsArgs") -> Diagnostics:
    if isinstance(diagnostics, Diagnostics):
        return diagnostics
    return Diagnostics(diagnostics["workspace_id"])


def networking_args(networking: "PrivateNetworking | PrivateNetworkingArgs") -> PrivateNetworkingArgs:
    """The args form of the networking block."""
    if not isinstance(networking, PrivateNetworking):
        return networking
    return PrivateNetworkingArgs(
        subnet_id=networking.subnet_id, zone_ids=dict(networking.zone_ids), create_zone_groups=networking.create_zone_groups
    )


def diagnostics_args(diagnostics: "Diagnostics | DiagnosticsArgs") -> DiagnosticsArgs:
    """The args form of the diagnostics block."""
    if not isinstance(diagnostics, Diagnostics):
        return diagnostics
    return DiagnosticsArgs(workspace_id=diagnostics.workspace_id)


def validate_placement(placement: object, field: str = "placement") -> list[Problem]:
    """Problems with a placement block: a region is required (names and DNS zones derive from it)."""
    if not isinstance(placement, Mapping):
        return [Problem(field, "a placement {resource_group_name, location, tags} is required")]
    problems: list[Problem] = []
    if not placement.get("resource_group_name"):
        problems.append(Problem(f"{field}.resource_group_name", "the resource group name is required"))
    location = placement.get("location")
    if not isinstance(location, str) or not re.fullmatch(r"[a-z][a-z0-9]+", location):
        problems.append(Problem(f"{field}.location", "a programmatic region name such as swedencentral"))
    return problems
