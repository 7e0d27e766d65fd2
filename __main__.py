"""Secure AI landing zone: read the stack's settings, build the landing zone, export its outputs."""

import pulumi

from pulumi_aizone.landing_zone import LandingZone, load_settings

settings = load_settings()  # validates everything before any resource is registered
zone = LandingZone("aizone", settings)
for key, value in zone.outputs.items():
    pulumi.export(key, value)
