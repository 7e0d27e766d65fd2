"""The components served to every Pulumi language (TypeScript, C#, Go, Java, YAML).

`provider/` is a source-based component package (`PulumiPlugin.yaml`); its `__main__.py` calls
`serve()`, which hands these classes to Pulumi's Python component provider host. The host infers
the package schema from each component's typed `args` and annotated outputs, so what a TypeScript
program can pass is exactly what the Python `*Args` TypedDicts declare. Consumers run:

    pulumi package add <path or git URL of this repository>/provider

`python -m pulumi_aizone.provider --schema` prints the inferred schema; `provider/schema.json` is its
checked-in snapshot, compared by the test suite so a change to a served interface is reviewed.
"""

import argparse
import json
import sys

import pulumi

from . import __version__
from .agents import AgentIdentity
from .ai_services import AiServices
from .data_boundary import DataBoundary
from .defender import Defender
from .entra import EntraControls
from .gateway import AiGateway
from .guardrails import Guardrails
from .key_vault import KeyVault
from .monitoring import Alerts
from .network import ExistingNetwork, Network
from .observability import AppInsights, Observability
from .protection import DeletionGuard
from .purview import ExistingPurview, Purview
from .registry import ContainerRegistry
from .sessions import CodeSessions

PACKAGE = "aizone"

# Every component a program in another language may construct. Behaviour is expressed as data in
# each component's args (grants as `role_assignments`, options as nested args), never as callables.
COMPONENTS: tuple[type[pulumi.ComponentResource], ...] = (
    AgentIdentity,
    AiServices,
    AiGateway,
    ContainerRegistry,
    EntraControls,
    Alerts,
    KeyVault,
    DeletionGuard,
    Guardrails,
    Defender,
    Observability,
    AppInsights,
    DataBoundary,
    Purview,
    ExistingPurview,
    CodeSessions,
    Network,
    ExistingNetwork,
)


def schema() -> dict[str, object]:
    """The package schema the host would serve, inferred exactly as the host infers it."""
    from pulumi.provider.experimental.component import ComponentProvider

    provider = ComponentProvider(list(COMPONENTS), PACKAGE, version=__version__)
    assert provider.schema is not None
    return json.loads(provider.schema)


def serve() -> None:
    """Start the component provider (called by the Pulumi language host through provider/)."""
    from pulumi.provider.experimental import component_provider_host

    component_provider_host(list(COMPONENTS), name=PACKAGE, version=__version__)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pulumi_aizone.provider", description="Serve or inspect the aizone component provider.")
    parser.add_argument("--schema", action="store_true", help="print the inferred package schema as JSON")
    args = parser.parse_args(argv)
    if args.schema:
        json.dump(schema(), sys.stdout, indent=2, sort_keys=True)
        sys.stdout.write("\n")
        return 0
    parser.print_help()
    return 2


if __name__ == "__main__":
    sys.exit(main())
