"""README's provider registration list covers every resource provider namespace the dev stack's
plan uses: the namespaces of its resource ids and of its subnets' delegations (the gateway subnet
is delegated to Microsoft.Web/serverFarms, and ARM refuses a delegation to an unregistered
namespace). Microsoft.Resources and Microsoft.Authorization are registered in every subscription."""

from __future__ import annotations

import re

from .conftest import ROOT, Plan

ALWAYS_REGISTERED = {"microsoft.resources", "microsoft.authorization"}


def _readme_namespaces() -> set[str]:
    text = (ROOT / "README.md").read_text()
    block = text[text.index("for ns in ") : text.index("az provider register")]
    return {name.lower() for name in re.findall(r"Microsoft\.[A-Za-z]+", block)}


def _plan_namespaces(plan: Plan) -> set[str]:
    found: set[str] = set()
    for resource in plan.resources:
        found.update(m.lower() for m in re.findall(r"/providers/(Microsoft\.[A-Za-z]+)/", str(resource.id or "")))
        subnets = [resource.inputs, *(resource.inputs.get("subnets") or [])]
        for subnet in subnets:
            for delegation in subnet.get("delegations") or []:
                found.add(delegation["serviceName"].split("/")[0].lower())
    return found


def test_readme_registers_every_namespace_the_plan_uses(dev_plan: Plan) -> None:
    used = _plan_namespaces(dev_plan)
    assert "microsoft.web" in used  # the gateway subnet's delegation
    assert used - ALWAYS_REGISTERED - _readme_namespaces() == set()
