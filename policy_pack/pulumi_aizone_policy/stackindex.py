"""An index of the stack's resources for stack policies, built once per policy evaluation.

Stack policies relate resources to each other (a diagnostic setting to the resource it logs, a
private endpoint to its target, a role assignment to its principal). During `pulumi preview` the
ids of resources being created are unknown, so a link is found in any of these ways:

1. by value: the linking property (e.g. `resourceUri`) equals the target's `id` output (or, for
   child paths such as `<storageAccountId>/blobServices/default`, starts with it);
2. by property dependency: the engine records, per input property, the URNs of the resources
   whose outputs flowed into it (`propertyDependencies`), e.g. `resourceUri` -> [account URN];
3. as a last resort, when the property's value is unknown or absent: the resource depends on
   exactly one resource of the expected kind.

Lookups are dictionary based (by URN, by type, by normalized id), so every stack policy stays
linear in the number of resources.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, TypeVar

from pulumi_policy import PolicyResource

from .tokens import canonical_type, subject
from .values import UNKNOWN, LazyProps, PlainProps, get, plain_props, read_item, to_plain

_Derived = TypeVar("_Derived")


def normalize_id(arm_id: str) -> str:
    """ARM ids compare case-insensitively and without a trailing slash."""
    return arm_id.strip().rstrip("/").lower()


@dataclass(eq=False)
class StackResource:
    """One resource of the stack as a stack policy sees it (outputs, parent and dependencies)."""

    urn: str
    type: str
    name: str
    raw_props: Mapping[str, object]
    parent: str | None
    dependencies: tuple[str, ...]
    property_dependencies: Mapping[str, tuple[str, ...]]
    protect: bool = False
    """The `protect` resource option (the engine sends resource options with the stack)."""
    ignore_changes: tuple[str, ...] = ()
    provider: object = None
    """pulumi_policy's provider resource of the resource (None for component resources)."""
    """The `ignoreChanges` resource option: property paths whose changes the engine ignores."""
    _converted: dict[str, object] = field(default_factory=dict[str, object], init=False, repr=False)

    @cached_property
    def props(self) -> Mapping[str, object]:
        """Plain properties (converted on first use only: most resources are never read)."""
        plain = plain_props(self.raw_props)
        return plain if isinstance(plain, dict) else {}

    def get(self, path: str) -> object:
        """Property at a dotted wire path (None when absent or mis-shaped, UNKNOWN when unknown).

        Only the top-level property on the path is converted (and cached), so policies that look
        at one property of every resource stay cheap.
        """
        head, _, rest = path.partition(".")
        raw = self.raw_props
        if isinstance(raw, (PlainProps, LazyProps)):  # converted by the pack's servicer
            value = raw.get(head)
        else:
            if head not in self._converted:
                self._converted[head] = to_plain(read_item(raw, head))
            value = self._converted[head]
        return get(value, rest) if rest else value

    @cached_property
    def provider_props(self) -> Mapping[str, object]:
        """The inputs of the resource's provider (empty for component resources), converted on
        first use."""
        props = plain_props(getattr(self.provider, "props", None))
        return props if isinstance(props, dict) else {}

    @cached_property
    def arm_id(self) -> str | None:
        """Normalized Azure resource id when the `id` output is known, else None."""
        arm_id = self.get("id")
        return normalize_id(arm_id) if isinstance(arm_id, str) and arm_id else None

    @property
    def subject(self) -> str:
        """How messages name this resource: "<label> '<name>'"."""
        return subject(self.type, self.name)

    @classmethod
    def from_policy_resource(cls, resource: PolicyResource) -> StackResource:
        """Adapter from pulumi_policy's PolicyResource (parent and dependencies become URNs)."""
        parent = resource.opts.parent or (resource.parent.urn if resource.parent else None)
        return cls(
            urn=resource.urn,
            type=canonical_type(resource.resource_type),
            name=resource.name,
            raw_props=resource.props,
            parent=parent,
            dependencies=tuple(dependency.urn for dependency in resource.dependencies),
            property_dependencies={
                prop: tuple(dependency.urn for dependency in dependencies) for prop, dependencies in resource.property_dependencies.items()
            },
            protect=resource.opts.protect is True,
            ignore_changes=tuple(resource.opts.ignore_changes or ()),
            provider=resource.provider,
        )


class StackIndex:
    """The stack's resources indexed by URN, type and id."""

    def __init__(self, resources: Iterable[StackResource], tags: Mapping[str, str] | None = None) -> None:
        self.resources: tuple[StackResource, ...] = tuple(resources)
        self.tags: Mapping[str, str] = dict(tags or {})
        """The stack's tags (`pulumi stack tag`), as the engine sends them."""
        self._by_urn: dict[str, StackResource] = {resource.urn: resource for resource in self.resources}
        self._by_type: dict[str, list[StackResource]] = {}
        for resource in self.resources:
            self._by_type.setdefault(resource.type, []).append(resource)
        self._derived: dict[Callable[[StackIndex], Any], Any] = {}

    @classmethod
    def from_policy_resources(cls, resources: Sequence[PolicyResource], tags: Mapping[str, str] | None = None) -> StackIndex:
        """Index the resources pulumi_policy hands to a stack policy (type tokens pinned to an
        explicit API version become the default-version token, as the pack's servicer does)."""
        return cls((StackResource.from_policy_resource(resource) for resource in resources), tags)

    @cached_property
    def _by_id(self) -> dict[str, StackResource]:
        return {resource.arm_id: resource for resource in self.resources if resource.arm_id}

    def derived(self, build: Callable[[StackIndex], _Derived]) -> _Derived:
        """`build(self)`, computed once per index: a lookup table several stack policies need
        (e.g. the stack's principals) is built once per AnalyzeStack, not once per policy. The
        result is shared, so it must not be changed by its users."""
        if build not in self._derived:
            self._derived[build] = build(self)
        return self._derived[build]

    def of_type(self, *types: str) -> list[StackResource]:
        """Resources of the given types, in stack order within each type."""
        return [resource for kind in types for resource in self._by_type.get(kind, ())]

    def get(self, urn: str) -> StackResource | None:
        """The resource with this URN, if it is in the stack."""
        return self._by_urn.get(urn)

    def by_id(self, arm_id: str) -> StackResource | None:
        """The resource whose known id equals `arm_id` (case-insensitive)."""
        return self._by_id.get(normalize_id(arm_id))

    def by_id_prefix(self, arm_id: str) -> tuple[StackResource, str] | None:
        """The resource whose id is `arm_id` or its closest ancestor path, with the remaining
        child path ("" for an exact match, e.g. "blobservices/default" for a storage service)."""
        key = normalize_id(arm_id)
        suffix: list[str] = []
        while key.count("/") >= 4:
            hit = self._by_id.get(key)
            if hit is not None:
                return hit, "/".join(reversed(suffix))
            key, _, last = key.rpartition("/")
            suffix.append(last)
        return None

    def within(self, arm_id: str, types: Collection[str]) -> StackResource | None:
        """The resource of `types` whose id is `arm_id` or its closest ancestor path of that kind
        (a blob container scope lies within its storage account, even when the stack also holds
        the blob service in between)."""
        key = normalize_id(arm_id)
        while key.count("/") >= 4:
            hit = self._by_id.get(key)
            if hit is not None and hit.type in types:
                return hit
            key = key.rpartition("/")[0]
        return None

    def ancestor(self, resource: StackResource, types: Collection[str]) -> StackResource | None:
        """The closest resource of `types` whose id is a proper prefix of `resource`'s known id
        (a child's parent after deployment: an API policy's API, an API's service)."""
        own = resource.arm_id
        return self.within(own.rpartition("/")[0], types) if own else None

    def dependencies_via(self, resource: StackResource, prop: str, types: Collection[str]) -> list[StackResource]:
        """Resources of `types` whose outputs flow into `resource`'s input property `prop`."""
        found = (self._by_urn.get(urn) for urn in resource.property_dependencies.get(prop, ()))
        return [target for target in found if target is not None and target.type in types]

    def sole_dependency(self, resource: StackResource, types: Collection[str]) -> StackResource | None:
        """The only resource of `types` that `resource` depends on, if there is exactly one."""
        urns = (*resource.dependencies, resource.parent) if resource.parent else resource.dependencies
        candidates = {urn: target for urn in urns if (target := self._by_urn.get(urn)) is not None and target.type in types}
        return next(iter(candidates.values())) if len(candidates) == 1 else None

    def linked(self, resource: StackResource, prop: str, value: object, types: Collection[str]) -> list[StackResource]:
        """Resources of `types` that `resource`'s property `prop` (holding `value`) points at:
        by id value, by property dependency, or (value unknown or absent) by sole dependency."""
        found: dict[str, StackResource] = {}
        if isinstance(value, str) and value:
            target = self.by_id(value)
            if target is not None and target.type in types:
                found[target.urn] = target
        for target in self.dependencies_via(resource, prop, types):
            found[target.urn] = target
        if not found and (value is UNKNOWN or value is None):
            sole = self.sole_dependency(resource, types)
            if sole is not None:
                found[sole.urn] = sole
        return list(found.values())
