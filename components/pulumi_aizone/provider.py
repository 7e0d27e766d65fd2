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
from typing import TYPE_CHECKING

import pulumi

if TYPE_CHECKING:
    from pulumi.provider.experimental.component import ComponentProvider

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


PACKAGE_METADATA: dict[str, object] = {
    # Package-level keys of the Pulumi package schema (pulumi/pulumi pkg/codegen/schema: PackageSpec
    # `description`, `license`, `repository`, `homepage`, `publisher`, `keywords`, `displayName`),
    # which the Python host's inferred schema leaves empty; generated SDKs carry them into their
    # package metadata (package.json, setup.py, .csproj).
    "displayName": "aizone",
    "description": "Secure landing zone for AI workloads on Azure: components with secure defaults (Entra-only auth, private networking, prompt shields, least-privilege grants) that pass the aizone CrossGuard policy pack",
    "license": "Apache-2.0",
    "repository": "https://github.com/aizone-dev/aizone",
    "homepage": "https://github.com/aizone-dev/aizone",
    "publisher": "aizone contributors",
    "keywords": ["pulumi", "azure", "ai", "landing-zone", "security", "category/cloud", "kind/component"],
}


def _provider() -> "ComponentProvider":
    """The host's component provider with the package metadata added to its inferred schema."""
    from pulumi.provider.experimental.component import ComponentProvider

    provider = ComponentProvider(list(COMPONENTS), PACKAGE, version=__version__)
    assert provider.schema is not None
    provider.schema = json.dumps({**json.loads(provider.schema), **PACKAGE_METADATA})
    return provider


def schema() -> dict[str, object]:
    """The package schema the provider serves: inferred exactly as the host infers it, plus the
    package metadata."""
    served = _provider().schema
    assert served is not None
    return json.loads(served)


def serve() -> None:
    """Start the component provider (called by the Pulumi language host through provider/). What
    `pulumi.provider.experimental.component_provider_host` does, with the metadata added: the host
    takes the plugin's arguments (its directory, then the engine address) from sys.argv."""
    from pulumi.provider import main as provider_main

    provider_main(_provider(), sys.argv[1:])


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
