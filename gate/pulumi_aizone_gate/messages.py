"""RecordedResource -> analyzer protocol messages, marshalled the way the engine marshals them.

``Analyze`` gets a resource's inputs and its options *with* ``parent``; ``AnalyzeStack`` gets its
outputs and options *without* ``parent`` (the parent travels in its own field, next to
``dependencies`` and ``propertyDependencies``). Custom timeouts are always present (0 = unset).
The provider resource (URN, type, name, inputs) is attached to both when known.
"""

from __future__ import annotations

from typing import Mapping, Optional, Sequence

from pulumi.runtime.proto import analyzer_pb2

from .model import RecordedResource
from .wire import to_struct


def analyze_request(
    resource: RecordedResource, providers: Mapping[str, analyzer_pb2.AnalyzerProviderResource]
) -> analyzer_pb2.AnalyzeRequest:
    """The AnalyzeRequest of one resource: its inputs, options (with parent) and provider."""
    provider = providers.get(provider_urn(resource.provider))
    return analyzer_pb2.AnalyzeRequest(
        type=resource.type,
        properties=to_struct(resource.inputs),
        urn=resource.urn,
        name=resource.name,
        options=_options(resource, with_parent=True),
        provider=provider,
    )


def stack_resource(
    resource: RecordedResource, providers: Mapping[str, analyzer_pb2.AnalyzerProviderResource]
) -> analyzer_pb2.AnalyzerResource:
    """One entry of AnalyzeStack: outputs, parent, dependencies and property dependencies."""
    return analyzer_pb2.AnalyzerResource(
        type=resource.type,
        properties=to_struct(resource.outputs),
        urn=resource.urn,
        name=resource.name,
        options=_options(resource, with_parent=False),
        provider=providers.get(provider_urn(resource.provider)),
        parent=resource.parent or "",
        dependencies=resource.dependencies,
        propertyDependencies={
            key: analyzer_pb2.AnalyzerPropertyDependencies(urns=urns) for key, urns in resource.property_dependencies.items() if urns
        },
    )


def _options(resource: RecordedResource, with_parent: bool) -> analyzer_pb2.AnalyzerResourceOptions:
    """Resource options as the engine marshals them (custom timeouts always present, in seconds)."""
    opts = resource.options
    timeouts = opts.custom_timeouts
    return analyzer_pb2.AnalyzerResourceOptions(
        protect=opts.protect,
        ignoreChanges=list(opts.ignore_changes),
        deleteBeforeReplace=bool(opts.delete_before_replace),
        deleteBeforeReplaceDefined=opts.delete_before_replace is not None,
        additionalSecretOutputs=list(opts.additional_secret_outputs),
        aliases=list(opts.aliases),
        customTimeouts=analyzer_pb2.AnalyzerResourceOptions.CustomTimeouts(
            create=timeouts.create if timeouts else 0.0,
            update=timeouts.update if timeouts else 0.0,
            delete=timeouts.delete if timeouts else 0.0,
        ),
        parent=(resource.parent or "") if with_parent else "",
    )


def provider_messages(resources: Sequence[RecordedResource]) -> dict[str, analyzer_pb2.AnalyzerProviderResource]:
    """Provider URN -> AnalyzerProviderResource (built once, shared by every request)."""
    return {
        r.urn: analyzer_pb2.AnalyzerProviderResource(type=r.type, properties=to_struct(r.inputs), urn=r.urn, name=r.name)
        for r in resources
        if r.is_provider
    }


def provider_urn(reference: Optional[str]) -> str:
    """``<urn>::<id>`` -> ``<urn>``."""
    return reference.rsplit("::", 1)[0] if reference else ""
