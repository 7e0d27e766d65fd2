"""Entry point of ``python -m offline_preview``."""

import sys

from offline_preview.cli import main

sys.exit(main())
