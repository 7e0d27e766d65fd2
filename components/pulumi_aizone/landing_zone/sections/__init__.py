"""The sections of the stack settings, one module each; `pulumi_aizone.landing_zone.settings` composes them
and re-exports their names."""
