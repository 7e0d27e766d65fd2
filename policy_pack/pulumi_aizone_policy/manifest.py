"""The pack's publishing metadata, read from the pack's own files so each fact lives in one place.

`PulumiPolicy.yaml` (next to this package) holds the version, description, author, website and
license: the keys the Pulumi CLI reads from it (`PolicyPackProject` in pulumi's
sdk/go/common/workspace/project.go: runtime, version, main, description, author, website,
license). The CLI takes a Python pack's version from PulumiPolicy.yaml (pulumi_policy's
PolicyPack reports a placeholder "0.0.1" otherwise); this pack reports the same version and
description in GetAnalyzerInfo, so `pulumi policy publish`, the CLI's output and the offline
preview's reports always agree.
PulumiPolicy.yaml has no readme or repository key; the pack declares both through the analyzer
(pulumi_policy's `readme` and `repository`), the readme being the pack's README.md.

Installed from its wheel (`pulumi-aizone-policy`), the package has no pack folder around it: the
same facts then come from the distribution's metadata, which policy_pack/pyproject.toml builds
from the same values (tests/test_packaging.py keeps the two equal).
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Final

import yaml

PACK_DIR: Final = Path(__file__).resolve().parent.parent
MANIFEST: Final = PACK_DIR / "PulumiPolicy.yaml"
README: Final = PACK_DIR / "README.md"
DISTRIBUTION: Final = "pulumi-aizone-policy"
REPOSITORY: Final = "https://github.com/aizone-dev/aizone"
"""Where the pack is developed (the project's Homepage in pyproject.toml)."""


@dataclass(frozen=True)
class Manifest:
    """What PulumiPolicy.yaml says about the pack."""

    version: str
    description: str
    author: str
    website: str
    license: str


def _text(data: dict[object, object], key: str) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value.strip():
        raise RuntimeError(f"{MANIFEST}: '{key}' must be a non-empty string")
    return value.strip()


def _installed() -> Manifest | None:
    """The same facts from the installed distribution's metadata (a wheel install), or None."""
    try:
        meta = metadata.metadata(DISTRIBUTION)
    except metadata.PackageNotFoundError:
        return None
    urls = dict(url.split(", ", 1) for url in meta.get_all("Project-URL") or [])
    return Manifest(
        version=meta["Version"],
        description=meta["Summary"] or "",
        author=meta["Author"] or meta["Author-email"] or "",
        website=urls.get("Homepage", ""),
        license=meta["License-Expression"] or meta["License"] or "",
    )


def load_manifest(path: Path = MANIFEST) -> Manifest:
    """Parse PulumiPolicy.yaml (the pack folder, as the CLI runs and publishes it), or read the
    installed distribution's metadata when the package is installed without its folder; a missing
    file or key is one clear error."""
    if path == MANIFEST and not path.exists():
        installed = _installed()
        if installed is not None:
            return installed
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise RuntimeError(f"cannot read the policy pack manifest {path}: {error.strerror or error}") from None
    if not isinstance(data, dict):
        raise RuntimeError(f"{path}: expected a mapping of keys")
    return Manifest(
        version=_text(data, "version"),
        description=_text(data, "description"),
        author=_text(data, "author"),
        website=_text(data, "website"),
        license=_text(data, "license"),
    )


def readme_text() -> str | None:
    """The pack's README (shown by Pulumi Cloud for a published pack): the pack folder's, else the
    installed distribution's long description (the same file), or None if neither exists."""
    if README.is_file():
        return README.read_text(encoding="utf-8")
    try:
        return metadata.metadata(DISTRIBUTION).get_payload() or None  # type: ignore[attr-defined]
    except metadata.PackageNotFoundError:
        return None
