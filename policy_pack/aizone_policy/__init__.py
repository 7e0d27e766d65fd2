"""Secure AI landing zone policy pack (CrossGuard) and its control catalog.

Import the light modules directly: `aizone_policy.catalog` (control catalog as data) and
`aizone_policy.reference` (Azure reference data) import nothing from Pulumi. The pack itself is
assembled by `aizone_policy.pack`. All imports inside this package are relative, so it works both
as `aizone_policy` (inside the pack process) and as `aizone_policy` (from the repo root).
"""
