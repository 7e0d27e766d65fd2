"""Errors that end a preview. Every one maps to exit code 2 on the command line."""

from __future__ import annotations


class PreviewError(Exception):
    """Base class: the preview could not produce a trustworthy result."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ConfigurationError(PreviewError):
    """Bad command-line input or project files: a missing directory, Pulumi.yaml, stack file, ..."""


class ProgramConfigError(PreviewError):
    """The program rejected its configuration by raising ``pulumi.RunError`` (e.g. SettingsError).

    ``registered`` counts the resources the program had registered before it raised (the root
    stack excluded); a program that validates its settings first registers none.
    """

    def __init__(self, message: str, registered: int) -> None:
        super().__init__(message)
        self.registered = registered


class DuplicateUrnError(PreviewError):
    """Two resources got the same URN; the real engine rejects the second registration."""

    def __init__(self, urn: str) -> None:
        super().__init__(f"Duplicate resource URN '{urn}'; try giving it a unique name")
        self.urn = urn


class InvalidPropertyError(PreviewError):
    """A resource property the engine cannot carry: NaN/Infinity, or nested too deeply."""

    def __init__(self, urn: str, what: str, detail: str) -> None:
        super().__init__(f"resource '{urn}': {what} {detail}; nothing was analysed")
        self.urn = urn


class ProgramIncompleteError(PreviewError):
    """The program did not run to completion: it exited early, was killed, or ran out of time."""


class ProgramFailedError(PreviewError):
    """The program raised an unexpected exception: a bug, reported with its traceback."""

    def __init__(self, message: str, traceback_text: str) -> None:
        super().__init__(message)
        self.traceback_text = traceback_text


class PolicyPackError(PreviewError):
    """The policy pack did not start, did not answer in time, or failed while analyzing."""
