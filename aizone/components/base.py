"""What every component shares: where it is placed, how it reaches the network and the logs, and
which controls it implements.

Modelled on Azure Verified Modules' shared interfaces: instead of each component inventing its own
arguments for tags, diagnostics and private endpoints, they all take the same small types from here.
Components take plain inputs (ids and names), so a dependency can come from this stack, from a
`StackReference` to a platform stack, or from an existing hub resource.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, TypeVar

import pulumi

from aizone_policy import catalog

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
