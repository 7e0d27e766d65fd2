"""DATA-5, DATA-6, DATA-7: nothing lost, storage hardening, Key Vault hardening.

Resource policies:
- DATA-5 + DATA-7, Key Vault: properties.enablePurgeProtection = true (absent fails: the service
  default is off) and properties.enableSoftDelete not false (absent passes: new vaults get soft
  delete). Public network access of a vault is network_access.py's policy
  `azurenative-keyvault-vault-disable-public-network-access` (ACC-7 and DATA-7), not repeated here.
- DATA-7, Key Vault: properties.enableRbacAuthorization = true (absent fails: the SDK documents
  false, i.e. access policies, as the default).
- DATA-5, storage:BlobServiceProperties: versioning, blob soft delete and container soft delete
  enabled, and deleteRetentionPolicy.allowPermanentDelete not true (it lets soft-deleted versions be
  purged).
- DATA-6, storage: allowBlobPublicAccess and allowCrossTenantReplication not true, and
  encryption.requireInfrastructureEncryption = true. Absent passes for the first two: the SDK
  documents false as their default (for cross-tenant replication: for accounts created since the
  default changed; an imported older account keeps its value, so set it explicitly there).
  Infrastructure encryption defaults to off and can only be chosen at creation, so absent fails.

Stack policy (DATA-5): every data-bearing resource (storage account, Key Vault, Purview account,
AI Search service, Cosmos DB account) is created with Pulumi's `protect` resource option (the engine
sends resource options with the stack), is covered by a CanNotDelete (or ReadOnly) management lock
and, for storage accounts with a blob service (every kind but FileStorage), has a
storage:BlobServiceProperties resource (whose settings the resource policy checks). A lock covers a
resource when it is a lock by scope whose scope is (or is wired from) the resource or one of its
ancestors (resource group, subscription), a lock at resource level naming it, a lock at its
resource group's level, or a subscription-level lock.

Classic provider (pulumi-azure 6.x): the classic counterparts (`azure:storage/account`,
`azure:keyvault/keyVault`, `azure:purview/account`, `azure:search/service`, `azure:cosmosdb/account`)
are judged the same way (protect option and a lock or deletion guard; the blob service check is
the azure-native BlobServiceProperties resource's and does not apply to them). A classic
`azure:management/lock:Lock` (or its deprecated alias `azure:managementresource/manangementLock`)
counts like a lock by scope, over classic and azure-native resources alike: its `scope` (value or
property dependency) is the resource, its resource group or its subscription. Its `lockLevel` must
be exactly `CanNotDelete` or `ReadOnly` (the SDK's "Possible values"; terraform-provider-azurerm
internal/services/resource/management_lock_resource.go validates lock_level with
`validation.StringInSlice([CanNotDelete, ReadOnly], false)`, i.e. case-sensitively, and sends it to
ARM unchanged): another level is not counted, and a near miss (" CanNotDelete", "cannotdelete")
is reported on the lock, naming the exact value, and not counted either (fail safe: the provider
refuses it, and the pack does not rely on that).
During preview, when a resource's id is still unknown, a lock whose literal scope is a resource
group id covers the resources whose resourceGroupName is that group (literally, or wired from a
resource group resource of that name), and a lock whose
literal scope is a subscription id covers every resource; once ids are known the scope must be a
prefix of the resource's id (a lock on a sibling group or resource covers nothing).

Instead of a lock, a deletion guard is accepted: an authorization:PolicyAssignment (enforced) of an
authorization:PolicyDefinition in the stack whose rule is exactly a condition on `type` (equals /
in) naming the resource's ARM type, with effect denyAction and actionNames containing delete,
assigned at (or wired from) the resource's resource group, or an ancestor scope of its id. Why:
a CanNotDelete lock also blocks deleting the role assignments, diagnostic settings and private
endpoint connections under the resource ("A cannot-delete lock on a resource or resource group
prevents the deletion of Azure RBAC assignments", Learn "Lock your resources"), while denyAction
blocks only the matched types ("Policy doesn't block removal of child and extension resources",
Learn "Azure Policy definitions denyAction effect").
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Final

from .. import tokens
from ..checks import flag_false, flag_not_true, flag_true
from ..config import PolicyConfig
from ..framework import Field, Finding, Resource, ResourcePolicySpec, StackPolicySpec, check, violation
from ..stackindex import StackIndex, StackResource, normalize_id
from ..values import UNKNOWN, describe_against, eq_ci, in_ci, is_exactly, near_miss

DATA_BEARING: Final[tuple[str, ...]] = (
    tokens.STORAGE_ACCOUNT,
    tokens.KEY_VAULT,
    tokens.PURVIEW_ACCOUNT,
    tokens.SEARCH_SERVICE,
    tokens.COSMOS_ACCOUNT,
)
# The classic provider's counterpart of each data-bearing token.
CLASSIC_DATA_BEARING: Final[Mapping[str, str]] = {
    tokens.AZ_STORAGE_ACCOUNT: tokens.STORAGE_ACCOUNT,
    tokens.AZ_KEY_VAULT: tokens.KEY_VAULT,
    tokens.AZ_PURVIEW_ACCOUNT: tokens.PURVIEW_ACCOUNT,
    tokens.AZ_SEARCH_SERVICE: tokens.SEARCH_SERVICE,
    tokens.AZ_COSMOS_ACCOUNT: tokens.COSMOS_ACCOUNT,
}
# The input that names each data-bearing resource (what a lock at resource level names); every
# classic resource takes `name`.
_NAME_INPUTS: Final[Mapping[str, str]] = {
    tokens.STORAGE_ACCOUNT: "accountName",
    tokens.KEY_VAULT: "vaultName",
    tokens.PURVIEW_ACCOUNT: "accountName",
    tokens.SEARCH_SERVICE: "searchServiceName",
    tokens.COSMOS_ACCOUNT: "accountName",
    **{classic: "name" for classic in CLASSIC_DATA_BEARING},
}
_CLASSIC_LEVEL: Final = "lockLevel"
_RESOURCE_GROUPS: Final[frozenset[str]] = frozenset({tokens.RESOURCE_GROUP, tokens.AZ_RESOURCE_GROUP})
_BLOCKING_LEVELS: Final[tuple[str, ...]] = ("CanNotDelete", "ReadOnly")
_LOCK_SEGMENT: Final = "/providers/microsoft.authorization/locks/"
_NO_BLOB_KINDS: Final[tuple[str, ...]] = ("FileStorage",)
_POLICY_DEFINITION: Final = "azure-native:authorization:PolicyDefinition"
_POLICY_ASSIGNMENT: Final = "azure-native:authorization:PolicyAssignment"
# The ARM type a denyAction rule names for each data-bearing token (compared case-insensitively).
_NATIVE_ARM_TYPES: Final[Mapping[str, str]] = {
    tokens.STORAGE_ACCOUNT: "microsoft.storage/storageaccounts",
    tokens.KEY_VAULT: "microsoft.keyvault/vaults",
    tokens.PURVIEW_ACCOUNT: "microsoft.purview/accounts",
    tokens.SEARCH_SERVICE: "microsoft.search/searchservices",
    tokens.COSMOS_ACCOUNT: "microsoft.documentdb/databaseaccounts",
}
_ARM_TYPES: Final[Mapping[str, str]] = {
    **_NATIVE_ARM_TYPES,
    **{classic: _NATIVE_ARM_TYPES[native] for classic, native in CLASSIC_DATA_BEARING.items()},
}


# --- Resource rules ------------------------------------------------------------------------------


def _vault_recovery(resource: Resource, _config: PolicyConfig) -> Iterator[Finding]:
    """Key Vault: purge protection on, soft delete not switched off."""
    yield from flag_true(
        resource,
        "properties.enablePurgeProtection",
        "lets deleted vaults and secrets be purged during their retention",
    )
    yield from check(
        resource,
        "properties.enableSoftDelete",
        lambda value: value is None or value is True,  # a non-boolean is not the secure value
        "disables soft delete",
        "set properties.enableSoftDelete = true (or leave it unset: new vaults get soft delete)",
    )


def _vault_rbac(resource: Resource, _config: PolicyConfig) -> Iterator[Finding]:
    """Key Vault: data access is authorized with Azure RBAC, not access policies."""
    yield from flag_true(
        resource,
        "properties.enableRbacAuthorization",
        "authorizes data access with access policies",
        " and grant data roles (e.g. Key Vault Secrets User) per identity (unset means access policies)",
    )


def _blob_recovery(resource: Resource, _config: PolicyConfig) -> Iterator[Finding]:
    """Blob service: versioning, blob and container soft delete; soft-deleted data stays."""
    yield from flag_true(resource, "isVersioningEnabled", "keeps no previous blob versions")
    yield from flag_true(resource, "deleteRetentionPolicy.enabled", "does not soft-delete blobs", " with deleteRetentionPolicy.days")
    yield from flag_true(
        resource, "containerDeleteRetentionPolicy.enabled", "does not soft-delete containers", " with containerDeleteRetentionPolicy.days"
    )
    yield from flag_not_true(resource, "deleteRetentionPolicy.allowPermanentDelete", "allows permanent deletion of soft-deleted blobs")


BLOB_PUBLIC_ACCESS_OFF_BY_DEFAULT: Final = "2023-01-01"
"""From this REST API version on, an unset allowBlobPublicAccess means false: the azure-native SDK
documents "The default interpretation is false for this property" for 2024-01-01 (v3), and Learn
"Remediate anonymous read access to blob data (Azure Resource Manager deployments)" gives
2023-01-01 as the first version whose default disallows anonymous access; before it, unset means
allowed."""


def _storage_hardening(resource: Resource, _config: PolicyConfig) -> Iterator[Finding]:
    """Storage: no anonymous blob access, no cross-tenant replication."""
    version = resource.api_version
    if version is not None and version >= BLOB_PUBLIC_ACCESS_OFF_BY_DEFAULT:
        # Unset is the secure default of the API version sent; only an explicit true fails.
        yield from flag_not_true(resource, "allowBlobPublicAccess", "allows anonymous (public) blob access")
    else:
        sent = f"API version {version}" if version else "an API version this pack cannot determine (no provider version)"
        yield from flag_false(
            resource,
            "allowBlobPublicAccess",
            "allows anonymous (public) blob access",
            f" explicitly: the resource is sent with {sent}, and before {BLOB_PUBLIC_ACCESS_OFF_BY_DEFAULT} unset means allowed",
        )
    yield from flag_not_true(resource, "allowCrossTenantReplication", "allows object replication to other Entra tenants")


def _storage_infrastructure_encryption(resource: Resource, _config: PolicyConfig) -> Iterator[Finding]:
    """Storage: infrastructure (double) encryption, the landing zone's convention for its data."""
    yield from flag_true(
        resource,
        "encryption.requireInfrastructureEncryption",
        "does not use infrastructure (double) encryption",
        " when the account is created (it cannot be changed later)",
    )


# --- Stack rule ------------------------------------------------------------------------------------


class _Locks:
    """What the stack's deletion-blocking locks cover: resources by URN, ids (and their children)
    by prefix, resources by name, resource groups by name, or everything (subscription level);
    and the classic locks whose level is a near miss of a blocking one (reported, not counted)."""

    def __init__(self, stack: StackIndex) -> None:
        self.urns: set[str] = set()
        self.prefixes: set[str] = set()
        self.names: set[str] = set()
        self.groups: set[str] = set()
        self.scoped_groups: set[str] = set()
        """Resource group names of literal resource-group scopes (matched while ids are unknown)."""
        self.everything = False
        self.scoped_subscription = False
        """A literal subscription scope (matched while ids are unknown)."""
        self.near_misses: list[tuple[StackResource, object]] = []
        self._stack = stack
        for lock in stack.of_type(*tokens.MANAGEMENT_LOCKS):
            level = lock.get("level")
            if level is UNKNOWN or in_ci(level, _BLOCKING_LEVELS):
                self._add(lock)
        for lock in stack.of_type(*tokens.CLASSIC_MANAGEMENT_LOCKS):
            level = lock.get(_CLASSIC_LEVEL)
            if level is UNKNOWN or is_exactly(level, _BLOCKING_LEVELS):
                self._add_scope(lock)
            elif near_miss(level, _BLOCKING_LEVELS) is not None:
                self.near_misses.append((lock, level))

    def _add(self, lock: StackResource) -> None:
        """Record what one blocking azure-native lock covers."""
        if lock.type == tokens.LOCK_AT_SUBSCRIPTION:
            self.everything = True
            return
        own = lock.arm_id or ""
        if _LOCK_SEGMENT in own:
            self.prefixes.add(own[: own.index(_LOCK_SEGMENT)])
        if lock.type == tokens.LOCK_BY_SCOPE:
            self._add_scope(lock)
            return
        target_prop, values = {
            tokens.LOCK_AT_RESOURCE: ("resourceName", self.names),
            tokens.LOCK_AT_RESOURCE_GROUP: ("resourceGroupName", self.groups),
        }[lock.type]
        self.urns.update(lock.property_dependencies.get(target_prop, ()))
        value = lock.get(target_prop)
        if isinstance(value, str) and value:
            values.add(normalize_id(value))

    def _add_scope(self, lock: StackResource) -> None:
        """Record what a blocking lock by scope covers (azure-native ManagementLockByScope and the
        classic Lock): the resources its scope is wired from, and the id prefix its scope names."""
        self.urns.update(lock.property_dependencies.get("scope", ()))
        scope = lock.get("scope")
        if not isinstance(scope, str) or not scope.strip():
            return
        prefix = normalize_id(scope)
        self.prefixes.add(prefix)
        parts = prefix.split("/")
        if len(parts) == 5 and parts[1] == "subscriptions" and parts[3] == "resourcegroups":
            self.scoped_groups.add(parts[4])
        elif len(parts) == 3 and parts[1] == "subscriptions":
            self.scoped_subscription = True

    def _group_names(self, resource: StackResource) -> set[str]:
        """The resource group names a resource names literally or through the resource group
        resources (either provider) its resourceGroupName is wired from."""
        names = [resource.get("resourceGroupName")]
        for urn in resource.property_dependencies.get("resourceGroupName", ()):
            group = self._stack.get(urn)
            if group is not None and group.type in _RESOURCE_GROUPS:
                names.extend((group.get("resourceGroupName"), group.get("name")))
        return {normalize_id(name) for name in names if isinstance(name, str) and name}

    def covers(self, resource: StackResource) -> bool:
        """True when a lock covers the resource (see the module doc)."""
        if self.everything or resource.urn in self.urns:
            return True
        if self.urns.intersection(resource.property_dependencies.get("resourceGroupName", ())):
            return True
        group = resource.get("resourceGroupName")
        if isinstance(group, str) and normalize_id(group) in self.groups:
            return True
        names = (resource.get(_NAME_INPUTS[resource.type]), resource.get("name"))
        if any(isinstance(name, str) and normalize_id(name) in self.names for name in names):
            return True
        key = resource.arm_id or ""
        if not key:
            # Preview: the id is unknown; a literal group or subscription scope still says where.
            return self.scoped_subscription or bool(self.scoped_groups.intersection(self._group_names(resource)))
        while key.count("/") >= 2:
            if key in self.prefixes:
                return True
            key = key.rpartition("/")[0]
        return False


def _denied_types(rule: object) -> set[str]:
    """ARM types (lowercase) whose DELETE a policy rule refuses: the rule's `if` must be exactly a
    `type` condition (no other condition could exempt a resource), its effect denyAction with
    actionNames containing delete."""
    if not isinstance(rule, Mapping):
        return set()
    then = rule.get("then")
    condition = rule.get("if")
    if not isinstance(then, Mapping) or not isinstance(condition, Mapping) or not eq_ci(then.get("effect"), "denyAction"):
        return set()
    details = then.get("details")
    actions = details.get("actionNames") if isinstance(details, Mapping) else None
    if not isinstance(actions, list) or not any(eq_ci(action, "delete") for action in actions):
        return set()
    if set(condition) not in ({"field", "equals"}, {"field", "in"}) or not eq_ci(condition.get("field"), "type"):
        return set()
    values = condition.get("equals", condition.get("in"))
    names = values if isinstance(values, list) else [values]
    return {name.strip().lower() for name in names if isinstance(name, str)}


class _DeleteGuards:
    """Enforced denyAction(delete) policy assignments of the stack: (types, scope URNs, scope id)."""

    def __init__(self, stack: StackIndex) -> None:
        definitions = {d.urn: (d, _denied_types(d.get("policyRule"))) for d in stack.of_type(_POLICY_DEFINITION)}
        self.guards: list[tuple[set[str], set[str], str]] = []
        for assignment in stack.of_type(_POLICY_ASSIGNMENT):
            if eq_ci(assignment.get("enforcementMode"), "DoNotEnforce"):
                continue
            wired = set(assignment.property_dependencies.get("policyDefinitionId", ()))
            definition_id = assignment.get("policyDefinitionId")
            types: set[str] = set()
            for urn, (definition, denied) in definitions.items():
                same_id = isinstance(definition_id, str) and definition.arm_id == normalize_id(definition_id)
                if urn in wired or same_id:
                    types |= denied
            scope = assignment.get("scope")
            scope_id = normalize_id(scope) if isinstance(scope, str) and scope else ""
            if types:
                self.guards.append((types, set(assignment.property_dependencies.get("scope", ())), scope_id))

    def covers(self, resource: StackResource) -> bool:
        arm_type = _ARM_TYPES.get(resource.type)
        groups = set(resource.property_dependencies.get("resourceGroupName", ()))
        group_name = resource.get("resourceGroupName")
        own = resource.arm_id or ""
        for types, scope_urns, scope_id in self.guards:
            if arm_type not in types:
                continue
            if scope_urns & groups or (scope_id and own.startswith(scope_id + "/")):
                return True
            # Preview: the resource's id is unknown, its resource group named literally.
            parts = scope_id.split("/")
            if len(parts) == 5 and parts[3] == "resourcegroups" and isinstance(group_name, str) and normalize_id(group_name) == parts[4]:
                return True
        return False


def _blob_services(stack: StackIndex) -> set[str]:
    """URNs of the storage accounts that have a storage:BlobServiceProperties resource, linked by
    its accountName (property dependency, sole dependency or equal name) or, after deployment, by
    its id below the account's."""
    accounts = stack.of_type(tokens.STORAGE_ACCOUNT)
    by_name = {
        str(name).lower(): account
        for account in accounts
        for name in (account.get("accountName"), account.get("name"))
        if isinstance(name, str) and name
    }
    found: set[str] = set()
    for service in stack.of_type(tokens.BLOB_SERVICE):
        name = service.get("accountName")
        linked = stack.linked(service, "accountName", name, {tokens.STORAGE_ACCOUNT})
        account = linked[0] if linked else stack.ancestor(service, {tokens.STORAGE_ACCOUNT})
        if account is None and isinstance(name, str):
            account = by_name.get(name.lower())
        if account is not None:
            found.add(account.urn)
    return found


def _deletion_protection(stack: StackIndex, _config: PolicyConfig) -> Iterator[Finding]:
    """Data-bearing resources are protected, locked and (storage) have recoverable blob services."""
    resources = stack.of_type(*DATA_BEARING, *CLASSIC_DATA_BEARING)
    if not resources:
        return
    locks = _Locks(stack)
    guards = _DeleteGuards(stack)
    blob_services = _blob_services(stack)
    for lock, level in locks.near_misses:
        yield violation(
            f"{lock.subject} sets lockLevel {describe_against(level, _BLOCKING_LEVELS)}, which is not "
            f"exactly CanNotDelete or ReadOnly, so it is not counted as blocking deletion: set lockLevel = "
            f"'{near_miss(level, _BLOCKING_LEVELS)}' exactly.",
            urn=lock.urn,
            name=lock.name,
        )
    for resource in resources:
        where = {"urn": resource.urn, "name": resource.name}
        if not resource.protect:
            yield violation(
                f"{resource.subject} is not created with Pulumi's protect option: pass "
                "opts=pulumi.ResourceOptions(protect=True), so no `pulumi destroy` or replacement "
                "deletes its data.",
                **where,
            )
        if not locks.covers(resource) and not guards.covers(resource):
            lock = (
                "an azure:management/lock:Lock with scope = its id and lockLevel = 'CanNotDelete'"
                if resource.type in CLASSIC_DATA_BEARING
                else "a CanNotDelete authorization:ManagementLockByScope with scope = its id"
            )
            yield violation(
                f"{resource.subject} is not guarded against deletion: assign a denyAction(delete) "
                "authorization:PolicyDefinition for its type on its resource group (it keeps role "
                f"assignments and endpoints deletable), or add {lock}.",
                **where,
            )
        kind = resource.get("kind")
        if (
            resource.type == tokens.STORAGE_ACCOUNT
            and resource.urn not in blob_services
            and not any(eq_ci(kind, no_blob) for no_blob in _NO_BLOB_KINDS)
        ):
            yield violation(
                f"{resource.subject} has no blob service settings: add a storage:BlobServiceProperties "
                "(blobServicesName 'default') with isVersioningEnabled = true and deleteRetentionPolicy "
                "and containerDeleteRetentionPolicy enabled.",
                **where,
            )


POLICIES: tuple[ResourcePolicySpec | StackPolicySpec, ...] = (
    ResourcePolicySpec(
        name="azurenative-keyvault-vault-purge-protection",
        controls=("DATA-5", "DATA-7"),
        description="Key Vaults must enable purge protection and keep soft delete.",
        severity="high",
        remediation="Set properties.enablePurgeProtection = true and keep properties.enableSoftDelete true (the default).",
        fields=(
            Field(tokens.KEY_VAULT, "properties.enablePurgeProtection"),
            Field(tokens.KEY_VAULT, "properties.enableSoftDelete"),
        ),
        resource_types=(tokens.KEY_VAULT,),
        rule=_vault_recovery,
    ),
    ResourcePolicySpec(
        name="azurenative-keyvault-vault-rbac-authorization",
        controls=("DATA-7",),
        description="Key Vaults must authorize data access with Azure RBAC.",
        severity="high",
        remediation=(
            "Set properties.enableRbacAuthorization = true, remove access policies and grant each "
            "identity the data role it needs (e.g. Key Vault Secrets User) on the vault."
        ),
        fields=(Field(tokens.KEY_VAULT, "properties.enableRbacAuthorization"),),
        resource_types=(tokens.KEY_VAULT,),
        rule=_vault_rbac,
    ),
    ResourcePolicySpec(
        name="azurenative-storage-blobserviceproperties-soft-delete-versioning",
        controls=("DATA-5",),
        description="Blob services must keep versions and soft-delete blobs and containers.",
        severity="high",
        remediation=(
            "On storage:BlobServiceProperties set isVersioningEnabled = true, deleteRetentionPolicy "
            "and containerDeleteRetentionPolicy {enabled: true, days: 7-365}, and leave "
            "allowPermanentDelete off."
        ),
        fields=(
            Field(tokens.BLOB_SERVICE, "isVersioningEnabled"),
            Field(tokens.BLOB_SERVICE, "deleteRetentionPolicy.enabled"),
            Field(tokens.BLOB_SERVICE, "deleteRetentionPolicy.allowPermanentDelete"),
            Field(tokens.BLOB_SERVICE, "containerDeleteRetentionPolicy.enabled"),
        ),
        resource_types=(tokens.BLOB_SERVICE,),
        rule=_blob_recovery,
    ),
    ResourcePolicySpec(
        name="azurenative-storage-storageaccount-hardening",
        controls=("DATA-6",),
        description="Storage accounts must deny anonymous blob access and cross-tenant replication.",
        severity="high",
        remediation=(
            "Leave allowBlobPublicAccess unset or false (set it to false explicitly on API versions before 2023-01-01) "
            "and allowCrossTenantReplication unset or false on every storage account."
        ),
        fields=(
            Field(tokens.STORAGE_ACCOUNT, "allowBlobPublicAccess"),
            Field(tokens.STORAGE_ACCOUNT, "allowCrossTenantReplication"),
        ),
        resource_types=(tokens.STORAGE_ACCOUNT,),
        rule=_storage_hardening,
    ),
    ResourcePolicySpec(
        name="azurenative-storage-storageaccount-infrastructure-encryption",
        controls=("DATA-6",),
        description=(
            "Landing-zone storage accounts use infrastructure (double) encryption: the zone's convention for its data, "
            "beyond the service's default encryption at rest."
        ),
        severity="medium",
        remediation="Set encryption.requireInfrastructureEncryption = true when the account is created (it cannot be changed later).",
        fields=(Field(tokens.STORAGE_ACCOUNT, "encryption.requireInfrastructureEncryption"),),
        resource_types=(tokens.STORAGE_ACCOUNT,),
        rule=_storage_infrastructure_encryption,
    ),
    StackPolicySpec(
        name="azurenative-resources-dataresource-deletion-protection",
        controls=("DATA-5",),
        description=(
            "Data-bearing resources (storage, Key Vault, Purview, AI Search, Cosmos DB; both providers) "
            "must be protected, guarded against deletion (denyAction policy or lock) and (storage) recoverable."
        ),
        severity="high",
        remediation=(
            "Create data-bearing resources with ResourceOptions(protect=True), assign a denyAction(delete) "
            "policy for their types on their resource group (or add a CanNotDelete lock), and give storage "
            "accounts a BlobServiceProperties with versioning and soft delete."
        ),
        fields=(
            Field(tokens.LOCK_BY_SCOPE, "scope"),
            Field(tokens.LOCK_BY_SCOPE, "level", _BLOCKING_LEVELS),
            Field(tokens.LOCK_AT_RESOURCE, "resourceName"),
            Field(tokens.LOCK_AT_RESOURCE, "level", _BLOCKING_LEVELS),
            Field(tokens.LOCK_AT_RESOURCE_GROUP, "resourceGroupName"),
            Field(tokens.LOCK_AT_RESOURCE_GROUP, "level", _BLOCKING_LEVELS),
            Field(tokens.LOCK_AT_SUBSCRIPTION, "level", _BLOCKING_LEVELS),
            *(Field(token, "scope") for token in tokens.CLASSIC_MANAGEMENT_LOCKS),
            *(Field(token, _CLASSIC_LEVEL) for token in tokens.CLASSIC_MANAGEMENT_LOCKS),
            Field(_POLICY_DEFINITION, "policyRule"),
            Field(_POLICY_ASSIGNMENT, "policyDefinitionId"),
            Field(_POLICY_ASSIGNMENT, "scope"),
            Field(_POLICY_ASSIGNMENT, "enforcementMode"),
            Field(tokens.BLOB_SERVICE, "accountName"),
            Field(tokens.STORAGE_ACCOUNT, "kind", _NO_BLOB_KINDS),
            # Not the classic Purview account's name: it is read here, but no policy judges that
            # type's own settings, so the coverage note keeps listing it (policies/coverage.py).
            *(Field(token, prop) for token, prop in _NAME_INPUTS.items() if token != tokens.AZ_PURVIEW_ACCOUNT),
        ),
        rule=_deletion_protection,
    ),
)
