"""aizone: a secure landing zone for AI workloads on Azure, on Pulumi.

- `aizone.components`: the component library (secure defaults, grants, shared interface types);
- `aizone.landing_zone`: the landing-zone program (stack config -> settings -> composition).

Importing `aizone` loads neither; import the subpackage you use.
"""

__version__ = "0.2.0"
