"""Preflight: check, with the deployer's own read-only credentials, what the first `pulumi up` of the
landing-zone program needs from the subscription and the tenant (README, "Deploying for real",
"Preflight"): registered resource providers, the pinned model versions offered in the region with
their SKU and not about to retire, quota for the capacity asked, the attached Purview account,
Defender plans managed elsewhere, the tenant's identifier URI policy, and the deployer's Azure and
Entra roles.

`python -m pulumi_aizone.landing_zone.preflight --stack dev` prints one line per problem and exits 1, 0 when clean,
2 on bad input or a failed sign-in. The HTTP layer (`transport.Transport`) is injectable; azure-identity
(the `preflight` extra) is imported only when the real transport is built.
"""

from .checks import Context, Problem, required_namespaces, run_checks
from .stack import StackInput, read_stack
from .transport import AzureTransport, Identity, PreflightUsageError, Reply, Transport

__all__ = [
    "AzureTransport",
    "Context",
    "Identity",
    "PreflightUsageError",
    "Problem",
    "Reply",
    "StackInput",
    "Transport",
    "read_stack",
    "required_namespaces",
    "run_checks",
]
