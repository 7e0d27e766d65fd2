"""Offline gate: preview a Pulumi Python program as ``pulumi preview`` does and check it with a pack.

Flow: ``project`` (Pulumi.yaml + stack config) -> the pack (``pack_process``, driven over gRPC by
``analyzer`` like the engine) is configured -> ``engine`` serves a resource monitor over gRPC ->
``langhost`` starts the program in its own process as the Python language host does -> each
registration is recorded as a ``RecordedResource`` and analysed at once, AnalyzeStack once the
program completed -> ``Finding`` list -> ``report`` (text, JSON, SARIF). ``runner.run`` ties it
together; ``cli`` wraps it in ``isolation``'s worker. ``runner.record`` is the test suite's
in-process recorder (``program`` with ``recorder.RecordingMonitor`` and ``azure_mocks``).

Public API::

    result = pulumi_aizone_gate.run("examples/insecure", "dev", "policy_pack")
    plan = pulumi_aizone_gate.record("examples/insecure", "dev", "policy_pack")  # tests: mock outputs
    analysis = pulumi_aizone_gate.analyze_resources(resources, "policy_pack", project="p", stack="s")

Names are loaded on first use (PEP 562), so ``python -m pulumi_aizone_gate`` can launch the policy
pack before the Pulumi SDK is imported.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.4.0"
"""The gate's version: the same number as the component library and the policy pack it is released with."""

if TYPE_CHECKING:
    from .analyzer import PolicyPackSession, analyze_resources
    from .errors import (
        ConfigurationError,
        DuplicateUrnError,
        PolicyPackError,
        PreviewError,
        ProgramConfigError,
        ProgramFailedError,
    )
    from .model import (
        AnalysisResult,
        AnalyzerInfo,
        CustomTimeouts,
        Finding,
        PolicyInfo,
        PreviewResult,
        RecordedResource,
        ResourceOptions,
    )
    from .report import render_text, to_json
    from .runner import record, run

_EXPORTS = {
    "PolicyPackSession": "analyzer",
    "analyze_resources": "analyzer",
    "ConfigurationError": "errors",
    "DuplicateUrnError": "errors",
    "PolicyPackError": "errors",
    "PreviewError": "errors",
    "ProgramConfigError": "errors",
    "ProgramFailedError": "errors",
    "AnalysisResult": "model",
    "AnalyzerInfo": "model",
    "CustomTimeouts": "model",
    "Finding": "model",
    "PolicyInfo": "model",
    "PreviewResult": "model",
    "RecordedResource": "model",
    "ResourceOptions": "model",
    "render_text": "report",
    "to_json": "report",
    "run": "runner",
    "record": "runner",
}

__all__ = [
    "AnalysisResult",
    "AnalyzerInfo",
    "ConfigurationError",
    "CustomTimeouts",
    "DuplicateUrnError",
    "Finding",
    "PolicyInfo",
    "PolicyPackError",
    "PolicyPackSession",
    "PreviewError",
    "PreviewResult",
    "ProgramConfigError",
    "ProgramFailedError",
    "RecordedResource",
    "ResourceOptions",
    "analyze_resources",
    "record",
    "render_text",
    "run",
    "to_json",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'pulumi_aizone_gate' has no attribute {name!r}")
    return getattr(importlib.import_module(f".{module}", __name__), name)
