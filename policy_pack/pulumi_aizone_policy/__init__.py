"""Secure AI landing zone policy pack (CrossGuard) and its control catalog.

Import the light modules directly: `pulumi_aizone_policy.catalog` (control catalog as data) and
`pulumi_aizone_policy.reference` (Azure reference data) import nothing from Pulumi. The pack itself is
assembled by `pulumi_aizone_policy.pack`. All imports inside this package are relative.

The package is distributed as `pulumi-aizone-policy` (policy_pack/pyproject.toml) and served by
`pulumi policy publish policy_pack` from this folder; both carry the version below, which
PulumiPolicy.yaml repeats for the CLI (tests/test_packaging.py keeps them equal).
"""

__version__ = "0.4.0"
