"""The landing-zone program: stack configuration -> validated settings -> the composed landing zone.

`load_settings()` reads the stack's `aizone:*` configuration and validates all of it before any
resource is registered; `LandingZone` composes the library's components (`pulumi_aizone`)
from those settings. The library never imports this package.
"""

from .composition import LandingZone
from .settings import Settings, SettingsError, load_settings, parse_settings

__all__ = ["LandingZone", "Settings", "SettingsError", "load_settings", "parse_settings"]
