"""A storage account the stack gives a static website is public by design (Learn, "Static website
hosting in Azure Storage": the $web container is served anonymously on the web endpoint): no
mandatory finding for its network exposure (ACC-7) or its missing private endpoint (RES-4), an
advisory note instead; everything else about it still counts. An account that holds data does not
get out of ACC-7 by adding a website: each way it can hold data keeps the finding and says why."""

from __future__ import annotations

from typing import Any

import pytest
from classic_cases import CLASSIC_BASELINES
from policy_cases import (
    BASELINES,
    BLOB_READER,
    DELETE,
    PRINCIPAL_ID,
    arm_id,
    baseline_stack,
    changed,
    diagnostics_of,
    item,
    judge,
    role_definition,
)

from pulumi_aizone_policy import tokens as t
from pulumi_aizone_policy.config import PolicyConfig
from pulumi_aizone_policy.framework import Resource, ResourcePolicySpec
from pulumi_aizone_policy.harness import UNKNOWN_VALUE, PackAnalyzer, StackItem, urn_for
from pulumi_aizone_policy.policies import ALL_SPECS

NETWORK = "azurenative-storage-storageaccount-restrict-network-access"
ENDPOINT = "azurenative-network-privateendpoint-required"
SITE_URN = urn_for(t.STORAGE_ACCOUNT, "site")
WEB_URN = urn_for(t.STATIC_WEBSITE, "site-web")
_PUBLIC_BY_DESIGN = (
    "It must hold nothing but the site: everything in its $web container is served to anyone through the website endpoint, "
    "whatever the container's access level. Keep data in a separate, private account; an application tag, a data-boundary "
    "tag other than 'public', a data role on it outside $web, or an AI, Search or ML resource using it ends this exception "
    "(allowBlobPublicAccess stays off: the website endpoint does not need it)."
)
_OPEN = (
    "[ACC-7] Storage account '{name}' allows public network access (publicNetworkAccess is 'Enabled'; networkRuleSet.defaultAction "
    "is 'Allow', so any network reaches it): set publicNetworkAccess = 'Disabled' and reach it through its private endpoint."
)


def site_account() -> dict[str, Any]:
    """The site's account: the compliant storage baseline, open to the internet, without the
    landing zone's data tags."""
    props = changed(BASELINES[t.STORAGE_ACCOUNT], "publicNetworkAccess", "Enabled")
    props = changed(props, "networkRuleSet.defaultAction", "Allow")
    return changed(props, "tags", DELETE)


def website(account: str = "site", preview: bool = True, name: str = "site-web") -> StackItem:
    """A static website on `account`: wired from it by property dependency (preview), or naming
    it literally with its id under the account's (deployed)."""
    props: dict[str, Any] = {"resourceGroupName": "rg", "indexDocument": "index.html", "error404Document": "404.html"}
    if preview:
        urn = urn_for(t.STORAGE_ACCOUNT, account)
        return StackItem(
            type=t.STATIC_WEBSITE,
            name=name,
            props={**props, "accountName": UNKNOWN_VALUE},
            property_dependencies={"accountName": [urn]},
            dependencies=[urn],
        )
    props = {**props, "accountName": account, "id": arm_id(t.STORAGE_ACCOUNT, account) + "/staticWebsite", "containerName": "$web"}
    return StackItem(type=t.STATIC_WEBSITE, name=name, props=props)


def site_stack(account: dict[str, Any] | None = None, preview: bool = True, with_website: bool = True) -> list[StackItem]:
    """The compliant landing zone plus the site's account (and its website)."""
    props = dict(account if account is not None else site_account())
    props["id"] = UNKNOWN_VALUE if preview else arm_id(t.STORAGE_ACCOUNT, "site")
    extra = [StackItem(type=t.STORAGE_ACCOUNT, name="site", props=props)]
    return [*baseline_stack(preview), *extra, *([website(preview=preview)] if with_website else [])]


def about(diagnostics: list[Any], urn: str, *policies: str) -> list[tuple[str, str, str]]:
    """(policy, level, message) of the diagnostics about one resource from the given policies."""
    return sorted((d.policy, d.level, d.message.splitlines()[-1]) for d in diagnostics if d.urn == urn and d.policy in policies)


@pytest.mark.controls("ACC-7", "RES-4")
@pytest.mark.parametrize("preview", [True, False], ids=["preview", "deployed"])
def test_a_static_website_account_is_public_by_design(analyzer: PackAnalyzer, preview: bool) -> None:
    found = analyzer.analyze_stack(site_stack(preview=preview))
    note = (
        "Storage account 'site' serves the static website 'site-web', so it is public by design: {what} is not a finding. "
        + _PUBLIC_BY_DESIGN
    )
    assert about(found, SITE_URN, NETWORK, ENDPOINT) == [
        (ENDPOINT, "advisory", "[RES-4] " + note.format(what="the lack of a private endpoint")),
        (NETWORK, "advisory", "[ACC-7] " + note.format(what="its public network access")),
    ]
    # What the landing zone's conventions ask of every storage account (logs, deletion guard)
    # still counts; nothing about its network exposure does, and nothing else in the stack changes.
    mandatory = diagnostics_of(found, level="mandatory")
    assert {d.urn for d in mandatory} == {SITE_URN}
    assert {d.policy for d in mandatory} == {
        "azurenative-monitor-diagnosticsetting-central-logging",
        "azurenative-resources-dataresource-deletion-protection",
    }


@pytest.mark.controls("ACC-7", "RES-4")
def test_the_same_account_without_a_website_is_caught(analyzer: PackAnalyzer) -> None:
    found = analyzer.analyze_stack(site_stack(with_website=False))
    assert about(found, SITE_URN, NETWORK) == [(NETWORK, "mandatory", _OPEN.format(name="site"))]
    assert [d.level for d in diagnostics_of(found, ENDPOINT) if d.urn == SITE_URN] == ["mandatory"]


@pytest.mark.controls("ACC-7")
def test_a_website_on_another_account_relaxes_nothing_here(analyzer: PackAnalyzer) -> None:
    stack = [*site_stack(with_website=False), website(account="elsewhere", preview=False, name="other-web")]
    assert about(analyzer.analyze_stack(stack), SITE_URN, NETWORK) == [(NETWORK, "mandatory", _OPEN.format(name="site"))]


@pytest.mark.controls("ACC-1", "DATA-6", "RES-5")
@pytest.mark.parametrize(
    ("path", "value", "policy"),
    [
        ("allowSharedKeyAccess", True, "azurenative-storage-storageaccount-disable-shared-key"),
        ("allowBlobPublicAccess", True, "azurenative-storage-storageaccount-hardening"),
        ("minimumTlsVersion", "TLS1_0", "azurenative-storage-storageaccount-tls-https-only"),
        ("enableHttpsTrafficOnly", False, "azurenative-storage-storageaccount-tls-https-only"),
    ],
)
def test_what_still_matters_on_a_site_account_stays_mandatory(analyzer: PackAnalyzer, path: str, value: object, policy: str) -> None:
    """The website endpoint needs neither shared keys nor anonymous blob access (the container's
    access level does not affect it) nor old TLS or plain HTTP."""
    found = analyzer.analyze_stack(site_stack(changed(site_account(), path, value)))
    found += judge(analyzer, t.STORAGE_ACCOUNT, changed(site_account(), path, value), name="site")
    assert [d.level for d in found if d.policy == policy] == ["mandatory"]


def _why(reason: str) -> str:
    return (
        _OPEN.format(name="site")
        + " It serves the static website 'site-web', but that does not make it public by design: "
        + reason
        + ". Serve the site from a separate storage account that holds nothing but the site, and keep this one private."
    )


@pytest.mark.controls("ACC-7", "DATA-1")
@pytest.mark.parametrize(
    ("tags", "reason"),
    [
        ({"data-boundary": "internal"}, "it carries the landing zone's data tag data-boundary = 'internal'"),
        ({"data-boundary": "customer"}, "it carries the landing zone's data tag data-boundary = 'customer'"),
        ({"data-boundary": "Public"}, "it carries the landing zone's data tag data-boundary = 'Public'"),
        ({"data-boundary": "public", "aizone-application": "chat"}, "it carries the landing zone's data tag aizone-application = 'chat'"),
    ],
    ids=["internal", "customer", "near-miss", "public-application-data"],
)
def test_an_account_with_the_landing_zone_data_tags_stays_caught(analyzer: PackAnalyzer, tags: dict[str, str], reason: str) -> None:
    found = analyzer.analyze_stack(site_stack(changed(site_account(), "tags", tags)))
    assert about(found, SITE_URN, NETWORK) == [(NETWORK, "mandatory", _why(reason))]
    assert [d.level for d in diagnostics_of(found, ENDPOINT) if d.urn == SITE_URN] == ["mandatory"]


@pytest.mark.controls("ACC-7", "DATA-1")
def test_a_site_account_may_carry_the_public_boundary(analyzer: PackAnalyzer) -> None:
    """DATA-1 (a convention) asks every storage account for a boundary tag; a site's content is for
    the public, so `data-boundary = public` alone keeps the exception and satisfies DATA-1."""
    account = changed(site_account(), "tags", {"data-boundary": "public"})
    found = analyzer.analyze_stack(site_stack(account))
    assert [d.level for d in about_all(found, SITE_URN, NETWORK)] == ["advisory"]
    assert (
        diagnostics_of(analyzer.analyze(t.STORAGE_ACCOUNT, account, name="site"), "azurenative-storage-storageaccount-boundary-tag") == []
    )


@pytest.mark.controls("ACC-7")
def test_unknown_tags_keep_the_finding(analyzer: PackAnalyzer) -> None:
    found = analyzer.analyze_stack(site_stack(changed(site_account(), "tags", UNKNOWN_VALUE)))
    reason = "its tags are unknown until apply, so the pack cannot tell it holds no data"
    assert about(found, SITE_URN, NETWORK) == [(NETWORK, "mandatory", _why(reason))]


@pytest.mark.controls("ACC-7", "ACC-8")
def test_an_account_in_an_arm_template_is_judged_strictly(analyzer: PackAnalyzer) -> None:
    """The attacker deploys the open account through an inline ARM template and names it in a
    website: the template's resources are not the stack's accounts, so nothing is relaxed."""
    resource: dict[str, Any] = {
        "type": "Microsoft.Storage/storageAccounts",
        "apiVersion": "2024-01-01",
        "name": "site",
        "location": "westeurope",
    }
    account = site_account()
    resource.update(
        {"kind": account["kind"], "sku": account["sku"], "properties": {k: v for k, v in account.items() if k not in ("kind", "sku")}}
    )
    template = {"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#", "contentVersion": "1.0.0.0"}
    deployment = {"resourceGroupName": "rg", "properties": {"mode": "Incremental", "template": {**template, "resources": [resource]}}}
    dep = StackItem(type="azure-native:resources:Deployment", name="dep", props=deployment)
    analyzer.analyze(dep.type, dep.props, name="dep")  # Analyze first: it opens the template
    found = analyzer.analyze_stack([*baseline_stack(), dep, website(account="site", preview=False)])
    (finding,) = diagnostics_of(found, NETWORK)
    assert finding.level == "mandatory" and finding.urn == urn_for(dep.type, "dep")
    assert finding.message.splitlines()[-1] == _OPEN.format(name="dep/site")


@pytest.mark.controls("ACC-7", "DATA-3")
def test_a_website_on_the_landing_zone_data_account_does_not_open_it(analyzer: PackAnalyzer) -> None:
    """The attacker adds a website to the zone's data account and opens it: tags and grants say it
    holds data."""
    stack = baseline_stack()
    data = item(stack, "data")
    opened = changed(changed(dict(data.props), "publicNetworkAccess", "Enabled"), "networkRuleSet.defaultAction", "Allow")
    stack = [StackItem(**{**data.__dict__, "props": opened}) if entry.name == "data" else entry for entry in stack]
    stack.append(website(account="data"))
    (finding,) = diagnostics_of(analyzer.analyze_stack(stack), NETWORK)
    assert finding.level == "mandatory" and finding.urn == urn_for(t.STORAGE_ACCOUNT, "data")
    message = finding.message.splitlines()[-1]
    assert message.startswith(_OPEN.format(name="data") + " It serves the static website 'site-web', but that does not make it public")
    assert "it carries the landing zone's data tag data-boundary = 'internal'" in message
    assert "role assignment 'agent-data-reader' grants 'Storage Blob Data Reader' on it at scope unknown until apply" in message


def _grant(scope: str, role: str = BLOB_READER) -> StackItem:
    props = {"principalId": PRINCIPAL_ID, "principalType": "ServicePrincipal", "roleDefinitionId": role_definition(role), "scope": scope}
    return StackItem(type=t.ROLE_ASSIGNMENT, name="reader", props=props)


@pytest.mark.controls("ACC-7", "DATA-3")
def test_a_data_role_on_the_account_keeps_the_finding(analyzer: PackAnalyzer) -> None:
    scope = arm_id(t.STORAGE_ACCOUNT, "site") + "/blobServices/default/containers/docs"
    found = analyzer.analyze_stack([*site_stack(preview=False), _grant(scope)])
    reason = f"role assignment 'reader' grants 'Storage Blob Data Reader' on it at scope '{scope}' (not its $web container only)"
    assert about(found, SITE_URN, NETWORK) == [(NETWORK, "mandatory", _why(reason))]


@pytest.mark.controls("ACC-7")
def test_the_uploader_may_hold_a_data_role_on_web_only(analyzer: PackAnalyzer) -> None:
    contributor = "ba92f5b4-2d11-453d-a403-e96b0029c9fe"  # Storage Blob Data Contributor
    scope = arm_id(t.STORAGE_ACCOUNT, "site") + "/blobServices/default/containers/$web"
    found = analyzer.analyze_stack([*site_stack(preview=False), _grant(scope, contributor)])
    assert [d.level for d in about_all(found, SITE_URN, NETWORK)] == ["advisory"]


def about_all(diagnostics: list[Any], urn: str, policy: str) -> list[Any]:
    return [d for d in diagnostics if d.urn == urn and d.policy == policy]


@pytest.mark.controls("ACC-7", "DATA-1")
@pytest.mark.parametrize(
    ("user", "reason"),
    [
        pytest.param(
            StackItem(
                type=t.ML_WORKSPACE,
                name="hub",
                props=changed(BASELINES[t.ML_WORKSPACE], "storageAccount", UNKNOWN_VALUE),
                property_dependencies={"storageAccount": [SITE_URN]},
                dependencies=[SITE_URN],
            ),
            "Machine Learning workspace 'hub' (machinelearningservices:Workspace) uses it",
            id="ml-workspace-storage-wired",
        ),
        pytest.param(
            StackItem(
                type=t.ML_WORKSPACE,
                name="hub",
                props=changed(
                    BASELINES[t.ML_WORKSPACE],
                    "storageAccount",
                    "/subscriptions/sub/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/SITE",
                ),
            ),
            "Machine Learning workspace 'hub' (machinelearningservices:Workspace) uses it",
            id="ml-workspace-storage-by-id",
        ),
        pytest.param(
            StackItem(
                type="azure-native:cognitiveservices:AccountConnection",
                name="docs",
                props={"properties": {"category": "AzureBlob", "authType": "AAD", "target": "https://site.blob.core.windows.net/docs"}},
            ),
            "Foundry account connection 'docs' (cognitiveservices:AccountConnection) uses it",
            id="foundry-connection-url",
        ),
        pytest.param(
            StackItem(
                type="azure-native:machinelearningservices:Datastore",
                name="blobs",
                props={"datastoreProperties": {"datastoreType": "AzureBlob", "accountName": "site", "containerName": "docs"}},
            ),
            "Machine Learning datastore 'blobs' (machinelearningservices:Datastore) uses it",
            id="ml-datastore-account-name",
        ),
        pytest.param(
            StackItem(
                type="azure-native:search:SharedPrivateLinkResource",
                name="indexer",
                props={"properties": {"groupId": "blob", "privateLinkResourceId": UNKNOWN_VALUE}},
                property_dependencies={"properties": [SITE_URN]},
            ),
            "SharedPrivateLinkResource 'indexer' (search:SharedPrivateLinkResource) uses it",
            id="search-shared-private-link",
        ),
    ],
)
def test_an_account_that_ai_search_or_ml_uses_stays_caught(analyzer: PackAnalyzer, user: StackItem, reason: str) -> None:
    found = analyzer.analyze_stack([*site_stack(preview=False), user])
    assert about(found, SITE_URN, NETWORK) == [(NETWORK, "mandatory", _why(reason))]


@pytest.mark.controls("ACC-7")
@pytest.mark.parametrize(
    "other",
    [
        pytest.param(
            StackItem(type=t.COGNITIVE_DEPLOYMENT, name="chat", props={**BASELINES[t.COGNITIVE_DEPLOYMENT], "accountName": "site"}),
            id="ai-account-of-the-same-name",
        ),
        pytest.param(
            StackItem(
                type="azure-native:cognitiveservices:AccountConnection",
                name="models",
                props={"properties": {"category": "AzureOpenAI", "authType": "AAD", "target": "https://site.openai.azure.com/"}},
            ),
            id="ai-endpoint-of-the-same-name",
        ),
    ],
)
def test_a_namesake_is_not_a_use(analyzer: PackAnalyzer, other: StackItem) -> None:
    """Precision: an AI account that happens to share the site's name (a model deployment's
    top-level accountName, its endpoint host) does not use the storage account."""
    found = analyzer.analyze_stack([*site_stack(preview=False), other])
    assert [d.level for d in about_all(found, SITE_URN, NETWORK)] == ["advisory"]


@pytest.mark.controls("ACC-7")
def test_a_website_wired_from_two_accounts_relaxes_neither(analyzer: PackAnalyzer) -> None:
    """The attacker mixes a second account's output into the website's accountName."""
    other = {**site_account(), "id": UNKNOWN_VALUE}
    stack = site_stack(with_website=False) + [StackItem(type=t.STORAGE_ACCOUNT, name="other", props=other)]
    urns = [SITE_URN, urn_for(t.STORAGE_ACCOUNT, "other")]
    stack.append(
        StackItem(
            type=t.STATIC_WEBSITE,
            name="site-web",
            props={"accountName": UNKNOWN_VALUE, "resourceGroupName": "rg", "indexDocument": "index.html"},
            property_dependencies={"accountName": urns},
            dependencies=urns,
        )
    )
    found = analyzer.analyze_stack(stack)
    for urn in urns:
        (finding,) = about_all(found, urn, NETWORK)
        assert finding.level == "mandatory"
        assert "is wired from several storage accounts ('site', 'other'), so the pack cannot tell which one it serves" in finding.message


@pytest.mark.controls("ACC-7")
def test_without_the_stack_the_rule_judges_strictly(analyzer: PackAnalyzer) -> None:
    """Analyze does not run the stack-bound policy (it cannot see a website yet); its rule run
    without a stack (pulumi_policy's stock servicer runs it in Analyze) reports the account."""
    assert diagnostics_of(analyzer.analyze(t.STORAGE_ACCOUNT, site_account(), name="site"), NETWORK) == []
    (spec,) = [s for s in ALL_SPECS if s.name == NETWORK and isinstance(s, ResourcePolicySpec)]
    resource = Resource(type=t.STORAGE_ACCOUNT, name="site", urn=SITE_URN, props=site_account())
    findings = list(spec.rule(resource, PolicyConfig(spec.config_schema, {})))
    assert [(f.unknown, f.message) for f in findings] == [
        (False, _OPEN.format(name="site").removeprefix("[ACC-7] ").replace("Storage", "storage", 1))
    ]


CLASSIC_NETWORK = "azure-storage-account-restrict-network-access"
CLASSIC_URN = urn_for(t.AZ_STORAGE_ACCOUNT, "site")


def classic_site(**changes: Any) -> dict[str, Any]:
    """The classic storage baseline, open to the internet, without the landing zone's data tags."""
    props = changed(CLASSIC_BASELINES[t.AZ_STORAGE_ACCOUNT], "publicNetworkAccessEnabled", True)
    props = changed(changed(props, "networkRules.defaultAction", "Allow"), "tags", DELETE)
    return {**props, **changes}


def classic_stack(account: dict[str, Any], *extra: StackItem) -> list[StackItem]:
    return [*baseline_stack(), StackItem(type=t.AZ_STORAGE_ACCOUNT, name="site", props={**account, "id": UNKNOWN_VALUE}), *extra]


_CLASSIC_OPEN = (
    "[ACC-7] Storage account 'site' allows public network access (publicNetworkAccessEnabled is true; networkRules.defaultAction "
    "is 'Allow', so any network reaches it): set publicNetworkAccessEnabled = false and reach it through its private endpoint."
)


@pytest.mark.controls("ACC-7", "RES-4")
def test_a_classic_account_static_website_is_public_by_design(analyzer: PackAnalyzer) -> None:
    website = StackItem(
        type=t.AZ_STATIC_WEBSITE,
        name="site-web",
        props={"storageAccountId": UNKNOWN_VALUE, "indexDocument": "index.html"},
        property_dependencies={"storageAccountId": [CLASSIC_URN]},
        dependencies=[CLASSIC_URN],
    )
    found = analyzer.analyze_stack(classic_stack(classic_site(), website))
    note = "Storage account 'site' serves the static website 'site-web', so it is public by design: {what} is not a finding. "
    assert about(found, CLASSIC_URN, CLASSIC_NETWORK, ENDPOINT) == [
        (CLASSIC_NETWORK, "advisory", "[ACC-7] " + note.format(what="its public network access") + _PUBLIC_BY_DESIGN),
        (ENDPOINT, "advisory", "[RES-4] " + note.format(what="the lack of a private endpoint") + _PUBLIC_BY_DESIGN),
    ]


@pytest.mark.controls("ACC-7")
def test_a_classic_account_with_its_own_static_website_block_is_public_by_design(analyzer: PackAnalyzer) -> None:
    account = classic_site(staticWebsite={"indexDocument": "index.html"})
    found = analyzer.analyze_stack(classic_stack(account))
    (note,) = about(found, CLASSIC_URN, CLASSIC_NETWORK)
    assert note[1] == "advisory" and note[2].startswith(
        "[ACC-7] Storage account 'site' serves the static website of its staticWebsite block, so it is public by design"
    )
    # Without the block, the same account is caught.
    assert about(analyzer.analyze_stack(classic_stack(classic_site())), CLASSIC_URN, CLASSIC_NETWORK) == [
        (CLASSIC_NETWORK, "mandatory", _CLASSIC_OPEN)
    ]


@pytest.mark.controls("ACC-7", "DATA-1")
def test_a_classic_data_account_with_a_static_website_block_stays_caught(analyzer: PackAnalyzer) -> None:
    account = classic_site(staticWebsite={"indexDocument": "index.html"}, tags={"data-boundary": "internal"})
    found = analyzer.analyze_stack(classic_stack(account))
    assert about(found, CLASSIC_URN, CLASSIC_NETWORK) == [
        (
            CLASSIC_NETWORK,
            "mandatory",
            _CLASSIC_OPEN + " It serves the static website of its staticWebsite block, but that does not make it public by design: "
            "it carries the landing zone's data tag data-boundary = 'internal'. Serve the site from a separate storage account that "
            "holds nothing but the site, and keep this one private.",
        )
    ]
