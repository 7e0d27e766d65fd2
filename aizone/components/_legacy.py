"""Bridges between the Pulumi-shaped shared args (`PlacementArgs`, `PrivateNetworkingArgs`,
`DiagnosticsArgs`) and the dataclasses the shared helpers (`add_private_endpoint`,
`add_diagnostic_settings`) and not-yet-reshaped components still use. Pure conversions: the same
values, so no resource changes."""

from .base import (
    Diagnostics,
    DiagnosticsArgs,
    Placement,
    PlacementArgs,
    PrivateNetworking,
    PrivateNetworkingArgs,
)


def placement_of(args: PlacementArgs) -> Placement:
    return Placement(args["resource_group_name"], args["location"], dict(args.get("tags", {})))


def networking_of(args: PrivateNetworkingArgs) -> PrivateNetworking:
    return PrivateNetworking(args["subnet_id"], dict(args["zone_ids"]), args.get("create_zone_groups", True))


def diagnostics_of(args: DiagnosticsArgs) -> Diagnostics:
    return Diagnostics(args["workspace_id"])


def placement_args(placement: Placement) -> PlacementArgs:
    return PlacementArgs(
        resource_group_name=placement.resource_group_name, location=placement.location, tags=dict(placement.tags)
    )


def networking_args(networking: PrivateNetworking) -> PrivateNetworkingArgs:
    return PrivateNetworkingArgs(
        subnet_id=networking.subnet_id, zone_ids=dict(networking.zone_ids), create_zone_groups=networking.create_zone_groups
    )


def diagnostics_args(diagnostics: Diagnostics) -> DiagnosticsArgs:
    return DiagnosticsArgs(workspace_id=diagnostics.workspace_id)
