"""Generated documents: write them, or (``--check``, in CI) fail when the committed one is stale."""

from __future__ import annotations

import os
import sys
from pathlib import Path


def write_or_check(target: Path, text: str, *, check: bool, source: str, command: str) -> int:
    """Write ``text`` to ``target``; with ``check``, write nothing and return 1 (saying so) when
    ``target`` is missing or differs from ``text``, which is generated from ``source`` by ``command``."""
    shown = os.path.relpath(target)
    if check:
        current = target.read_text(encoding="utf-8") if target.is_file() else None
        if current != text:
            state = "is missing" if current is None else f"is stale: it differs from {source}"
            print(f"{shown} {state}; run `{command}` and commit the result.", file=sys.stderr)
            return 1
        return 0
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    print(f"wrote {shown}")
    return 0
