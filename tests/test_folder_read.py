"""Reading folders: this business unit's, and its parent's shared folders (QueryAllAccounts), which a child
sees as owned elsewhere; a refused QueryAllAccounts leaves the plan without them rather than failing it."""

from __future__ import annotations

from typing import Any

from mcstate.errors import ApiError
from mcstate.resources.folder import FolderType

OWN = [
    {"ID": 2, "Name": "Data Extensions", "ContentType": "dataextension", "ParentFolder": {"ID": 0}},
    {"ID": 20, "Name": "CRM", "ContentType": "dataextension", "ParentFolder": {"ID": 2}},
]
PARENTS = [
    {
        "ID": 3,
        "Name": "Shared Data Extensions",
        "ContentType": "shared_dataextension",
        "ParentFolder": {"ID": 0},
    },
    {"ID": 30, "Name": "Brand", "ContentType": "shared_dataextension", "ParentFolder": {"ID": 3}},
]


class Folders:
    def __init__(self, shared: list[dict[str, Any]] | Exception) -> None:
        self.shared = shared
        self.asked: list[bool] = []

    def retrieve(
        self, object_type: str, properties: Any, filter: Any = None, *, query_all_accounts: bool = False
    ) -> list[dict[str, Any]]:
        assert object_type == "DataFolder"
        self.asked.append(query_all_accounts)
        if not query_all_accounts:
            return OWN
        if isinstance(self.shared, Exception):
            raise self.shared
        return self.shared

    def rest_items(self, path: str) -> list[dict[str, Any]]:
        raise AssertionError(path)

    def rest_get(self, path: str) -> Any:
        raise AssertionError(path)


def test_the_parents_shared_folders_are_read_and_owned_elsewhere() -> None:
    client = Folders([*PARENTS, OWN[0]])
    folders = {obj.key: obj for obj in FolderType().read(client, {})}
    assert client.asked == [False, True]
    assert set(folders) == {
        "Data Extensions",
        "Data Extensions/CRM",
        "Shared Data Extensions",
        "Shared Data Extensions/Brand",
    }
    brand = folders["Shared Data Extensions/Brand"]
    assert brand.ids["parents"] is True and brand.unmanageable
    assert (
        "parents" not in folders["Data Extensions/CRM"].ids
        and not folders["Data Extensions/CRM"].unmanageable
    )
    assert "parents" not in folders["Data Extensions"].ids  # the parent's own folder, read twice


def test_a_refused_query_of_all_accounts_leaves_only_this_business_units_folders() -> None:
    client = Folders(ApiError("Retrieve DataFolder", "Error: insufficient privileges"))
    folders = {obj.key for obj in FolderType().read(client, {})}
    assert folders == {"Data Extensions", "Data Extensions/CRM"}
