"""Entry point of ``python -m pulumi_aizone_gate``."""

import sys

from pulumi_aizone_gate.cli import main

sys.exit(main())
