"""The sections of the stack settings, one module each; `aizone.landing_zone.settings` composes them
and re-exports their names."""
