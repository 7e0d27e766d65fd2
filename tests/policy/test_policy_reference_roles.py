"""Built-in role ids of reference.py match the checked-in copy of Azure's built-in role list.

builtin_roles.json holds names and ids copied from Microsoft's built-in roles documentation (its
`source` says where from); a wrong id in reference.py (the User Access Administrator id once
ended in ...c6a72b9d instead of ...c20a72d9) would make every RBAC policy misjudge that role.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from pulumi_aizone_policy import reference

DATA = Path(reference.__file__).with_name("builtin_roles.json")
GUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def _roles() -> dict[str, str]:
    data = json.loads(DATA.read_text(encoding="utf-8"))
    assert data["source"].startswith("https://learn.microsoft.com/azure/role-based-access-control/built-in-roles")
    return {entry["name"]: entry["id"] for entry in data["roles"]}


def test_builtin_role_list_is_well_formed() -> None:
    data = json.loads(DATA.read_text(encoding="utf-8"))
    names = [entry["name"] for entry in data["roles"]]
    ids = [entry["id"] for entry in data["roles"]]
    assert len(names) == len(set(names)) and len(ids) == len(set(ids))
    assert all(GUID.match(role_id) for role_id in ids)


@pytest.mark.parametrize("name", sorted(reference.ROLE_IDS))
def test_reference_role_id_matches_the_builtin_list(name: str) -> None:
    assert reference.ROLE_IDS[name] == _roles()[name]


@pytest.mark.controls("ACC-3", "ACC-5")
def test_every_named_role_set_is_known() -> None:
    """Every role the project names (privileged, broad, workload, data, AI admin) has an id."""
    named = (
        reference.PRIVILEGED_ROLES
        | reference.BROAD_ROLES
        | reference.WORKLOAD_DATA_PLANE_ROLES
        | reference.DATA_ROLES
        | reference.AI_ADMIN_ROLES
        | reference.AI_DATA_PLANE_ROLES
        | {reference.SESSION_EXECUTOR_ROLE}
    )
    assert named <= set(reference.ROLE_IDS)
    assert named <= set(_roles())


def test_user_access_administrator_id() -> None:
    assert reference.ROLE_IDS["User Access Administrator"] == "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9"
    assert (
        reference.role_name_for_id("/providers/Microsoft.Authorization/roleDefinitions/18D7D88D-D35E-4FB5-A5C3-7773C20A72D9")
        == "User Access Administrator"
    )
