"""Digest pinning and verification of what the landing zone runs (MOD-3, EXEC-2).

Open-source model artifacts and custom session images are configured together with their SHA-256
digest. Before anything is registered, the program checks that
- every container image is referenced as `<registry>/<repository>@sha256:<64 hex>`, from a registry
  on the allow-list (the platform's private registry): a tag can be moved to other content after
  review, a digest cannot;
- every model artifact on disk (or in memory) hashes to the digest its configuration states, so a
  swapped or corrupted file never reaches a deployment.

Pure functions: no Pulumi, no network. Every refusal is an `IntegrityError` (a `ValueError`) whose
message names the artifact or image, what was expected and what was found, and what to change.
The components that consume images (`sessions.CodeSessions`) call these checks before they create
any resource; the policy pack enforces the same digest rule on every stack (EXEC-5).
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Collection, Union

from .base import implements

DIGEST_ALGORITHM = "sha256"
_HEX_DIGEST = re.compile(r"^[0-9a-f]{64}$")
# OCI distribution spec: a repository is one or more lower-case path components separated by '/',
# each component alphanumeric runs joined by '.', '_', '__' or '-' runs.
_REPOSITORY = re.compile(r"^[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*)*$")
# A registry host (optionally with a port) as Docker tells it apart from a repository namespace:
# it contains a '.' or a ':', or is `localhost`.
_REGISTRY = re.compile(r"^(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*(?::[0-9]{1,5})?$")
_CHUNK_BYTES = 1 << 20

Artifact = Union[str, os.PathLike[str], bytes, bytearray, memoryview]


class IntegrityError(ValueError):
    """A digest that does not match, or an image reference that is not pinned or not allowed.
    Raised before any resource is registered."""


@dataclass(frozen=True)
class ImageReference:
    """An image reference pinned by digest: `<registry>/<repository>@sha256:<digest>`."""

    registry: str
    repository: str
    digest: str

    def __str__(self) -> str:
        return f"{self.registry}/{self.repository}@{DIGEST_ALGORITHM}:{self.digest}"


def normalize_digest(value: str, what: str = "digest") -> str:
    """The 64 lower-case hex digits of a SHA-256 digest given as `<hex>` or `sha256:<hex>`."""
    if not isinstance(value, str):
        raise IntegrityError(f"{what}: expected a SHA-256 digest (64 hex digits), got {type(value).__name__}")
    text = value.strip()
    algorithm, separator, rest = text.partition(":")
    if separator:
        if algorithm.lower() != DIGEST_ALGORITHM:
            raise IntegrityError(f"{what}: digest algorithm {algorithm!r} is not supported; use sha256:<64 hex digits>")
        text = rest
    text = text.lower()
    if not _HEX_DIGEST.match(text):
        raise IntegrityError(f"{what}: {value!r} is not a SHA-256 digest; expected 64 hex digits (optionally prefixed 'sha256:')")
    return text


def sha256_of(artifact: Artifact) -> str:
    """SHA-256 (hex) of in-memory bytes or of a file, read in chunks so large model files fit."""
    if isinstance(artifact, (bytes, bytearray, memoryview)):
        return hashlib.sha256(artifact).hexdigest()
    digest = hashlib.sha256()
    with Path(artifact).open("rb") as stream:
        for chunk in iter(lambda: stream.read(_CHUNK_BYTES), b""):
            digest.update(chunk)
    return digest.hexdigest()


@implements("MOD-3")
def verify_artifact(artifact: Artifact, expected_sha256: str, name: str | None = None) -> str:
    """Check that a model artifact (a file path or its bytes) has the configured SHA-256 digest
    (MOD-3). Returns the verified digest; raises IntegrityError naming the artifact with the
    expected and the actual digest when they differ, or when the file cannot be read."""
    label = name or (str(artifact) if isinstance(artifact, (str, os.PathLike)) else "in-memory artifact")
    expected = normalize_digest(expected_sha256, f"{label}: expected digest")
    try:
        actual = sha256_of(artifact)
    except OSError as exc:
        raise IntegrityError(f"{label}: cannot read the artifact to verify its digest ({exc.strerror or exc})") from None
    if actual != expected:
        raise IntegrityError(
            f"{label}: SHA-256 digest mismatch: expected sha256:{expected}, actual sha256:{actual}. "
            "The artifact is not the reviewed one: restore the approved file, or review the new one "
            "and update its configured digest."
        )
    return actual


def parse_image(image: str) -> ImageReference:
    """Split `<registry>/<repository>@sha256:<64 hex>`; raise IntegrityError for anything else:
    a tag (`:latest`, `:1.2`, even next to a digest), no digest, a malformed digest, or no explicit
    registry host (an implicit Docker Hub reference)."""
    if not isinstance(image, str) or not image.strip():
        raise IntegrityError(f"image reference {image!r}: expected <registry>/<repository>@sha256:<64 hex digits>")
    reference = image.strip()
    name, at, digest_text = reference.partition("@")
    if not at:
        tag = name.rsplit("/", 1)[-1].partition(":")[2]
        found = f"tag ':{tag}'" if tag else "no digest"
        raise IntegrityError(
            f"image {reference!r} is not pinned by digest ({found}): tags can be moved to other content "
            "after review; reference the reviewed image as <registry>/<repository>@sha256:<64 hex digits>"
        )
    if not digest_text.startswith(f"{DIGEST_ALGORITHM}:"):
        raise IntegrityError(f"image {reference!r}: the digest must be sha256:<64 lower-case hex digits>, got {digest_text!r}")
    digest = digest_text[len(DIGEST_ALGORITHM) + 1 :]
    if not _HEX_DIGEST.match(digest):
        raise IntegrityError(
            f"image {reference!r}: malformed digest {digest_text!r}; expected sha256: followed by 64 lower-case hex digits"
        )
    registry, slash, path = name.partition("/")
    if not slash or not ("." in registry or ":" in registry or registry == "localhost"):
        raise IntegrityError(
            f"image {reference!r} names no registry host: reference it with the platform registry, <registry>/<repository>@sha256:<digest>"
        )
    if ":" in path:
        raise IntegrityError(
            f"image {reference!r} carries a tag next to its digest: reference it by digest only "
            "(<registry>/<repository>@sha256:<digest>) so reviewers see exactly one identity"
        )
    if not _REGISTRY.match(registry.lower()) or not _REPOSITORY.match(path):
        raise IntegrityError(
            f"image {reference!r}: malformed registry or repository name (repositories are lower-case "
            "path components of letters, digits and '.', '_', '-')"
        )
    return ImageReference(registry.lower(), path, digest)


@implements("MOD-3", "EXEC-2")
def require_pinned_image(image: str, allowed_registries: Collection[str]) -> ImageReference:
    """An image that is pinned by digest and comes from an allowed registry host (EXEC-2), else an
    IntegrityError that says why it is refused. Registry hosts compare case-insensitively."""
    reference = parse_image(image)
    allowed = sorted({host.strip().lower() for host in allowed_registries if host.strip()})
    if reference.registry not in allowed:
        raise IntegrityError(
            f"image {image!r} comes from registry {reference.registry!r}, which is not approved for "
            f"execution; allowed: {', '.join(allowed) or 'none'}. Import the reviewed image into the "
            "platform registry and reference it there by digest."
        )
    return reference
