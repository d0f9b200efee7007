"""Folders (DataFolder): the tree other objects live in, addressed by path such as "Data Extensions/CRM"."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any, ClassVar

from mcstate.client.filters import is_in
from mcstate.definitions.document import Document
from mcstate.errors import ApiError, Problem
from mcstate.plan import AttributeChange, Change
from mcstate.reading import alongside
from mcstate.resources.base import (
    ApplyContext,
    Definition,
    Desired,
    KindDefaults,
    Later,
    Live,
    NotRepresentable,
    Ref,
    RestRequest,
    Retriever,
    SoapObject,
    Step,
)

KIND = "Folder"

# Folders of these types are read as well, so that the paths of objects in shared folders (seen from a
# business unit) and of data extensions other parts of the platform own resolve; those objects are listed,
# not managed.
OTHER_CONTENT_TYPES = (
    "shared_data",
    "shared_dataextension",
    "shared_salesforcedataextension",
    "salesforcedataextension",
    "synchronizeddataextension",
)
# Folders of these types cannot be created over SOAP (DataFolder Create); the service creates them through
# the REST category API (POST email/v1/category), and reads, updates and deletes them over SOAP like others.
REST_CREATED_CONTENT_TYPES = frozenset({"automations", "journey", "triggered_send_journeybuilder"})
CATEGORY_PATH = "email/v1/category"
# Folders of these types belong to another part of the platform: read, listed, never managed.
FOLDERS_OWNED_ELSEWHERE = {
    "shared_data": "a shared folder: the parent business unit owns it",
    "shared_dataextension": "a folder of shared data extensions: the parent business unit owns it",
    "shared_salesforcedataextension": "a folder of shared data extensions: the parent business unit owns it",
    "salesforcedataextension": "a folder of Salesforce data extensions: Marketing Cloud Connect manages it",
    "synchronizeddataextension": "a folder of synchronized data extensions: Marketing Cloud Connect manages "
    "it",
}

SEPARATOR = "/"


@functools.cache
def root_content_types() -> dict[str, str]:
    """Every account has a root folder (ParentFolder ID 0) per kind that lives in folders; roots cannot be
    created, only used. Root folder name → the ContentType of the folders below it."""
    from mcstate.resources import REGISTRY  # the registry imports this module

    return {
        str(rtype.root_folder): str(rtype.folder_content_type)
        for rtype in REGISTRY.values()
        if rtype.root_folder and rtype.folder_content_type
    }


def read_content_types() -> tuple[str, ...]:
    return (*root_content_types().values(), *OTHER_CONTENT_TYPES)


def split_path(path: str) -> list[str]:
    return [part.strip() for part in path.split(SEPARATOR)]


def folder_ref(path: str, doc_path: tuple[str | int, ...]) -> Ref:
    return Ref(KIND, SEPARATOR.join(split_path(path)), doc_path)


# The ContentTypes of the folders a parent business unit shares with its children.
SHARED_CONTENT_TYPES = frozenset(kind for kind in FOLDERS_OWNED_ELSEWHERE if kind.startswith("shared_"))


def _parents(shared: bool) -> str | None:
    return "a shared folder of the parent business unit: it owns it" if shared else None


def _owned_elsewhere(row: Mapping[str, Any]) -> str | None:
    """Why a folder below a root of another part of the platform is not managed (roots are never declared,
    so they need no reason)."""
    if not int((row.get("ParentFolder") or {}).get("ID") or 0):
        return None
    return FOLDERS_OWNED_ELSEWHERE.get(str(row.get("ContentType") or "").casefold())


class FolderType(KindDefaults):
    kind: ClassVar[str] = KIND
    schema: ClassVar[str | None] = "folder.schema.json"
    case_insensitive_keys: ClassVar[bool] = True
    label: ClassVar[str] = "folder"
    directory: ClassVar[str | None] = "folders"

    def from_document(self, document: Document) -> Desired:
        path = SEPARATOR.join(split_path(str(document.data["path"])))
        parts = split_path(path)
        content_type = document.data.get("content_type") or root_content_types().get(parts[0])
        attributes = {"content_type": content_type, "description": document.data.get("description") or ""}
        parent = SEPARATOR.join(parts[:-1])
        return Desired(KIND, path, attributes, document, (Ref(KIND, parent, ("path",)),))

    def check(self, desired: Desired, declared: Mapping[str, Desired]) -> list[Problem]:
        document = desired.document
        if document is None:
            return []
        root = split_path(desired.key)[0]
        roots_content = root_content_types()
        if root not in roots_content:
            roots = ", ".join(f"'{name}'" for name in roots_content)
            return [
                document.problem(("path",), f"'{root}' is not a root folder; paths start with one of {roots}")
            ]
        expected, given = roots_content[root], desired.attributes["content_type"]
        if given != expected:
            message = f"folders below '{root}' hold {expected}, not {given}"
            return [document.problem(("content_type",), message)]
        return []

    def implied(self, key: str) -> list[Desired]:
        parts = split_path(key)
        content_type = root_content_types().get(parts[0])
        if content_type is None or len(parts) < 2:
            return []
        implied: list[Desired] = []
        for depth in range(2, len(parts) + 1):
            path = SEPARATOR.join(parts[:depth])
            parent = SEPARATOR.join(parts[: depth - 1])
            implied.append(
                Desired(
                    KIND,
                    path,
                    {"content_type": content_type, "description": None},
                    None,
                    (Ref(KIND, parent),),
                )
            )
        return implied

    def read(self, client: Retriever, live: Mapping[str, Mapping[str, Live]]) -> list[Live]:
        properties = ["ID", "CustomerKey", "Name", "Description", "ContentType", "ParentFolder.ID"]

        def parents_folders(_: object) -> list[dict[str, Any]]:
            # The parent business unit's shared folders: seen from a child only with QueryAllAccounts
            # (SEMANTICS §3, as mcdev reads them); in the parent they are its own, read by the other call. A
            # user whose role may not query all accounts still plans: without them, as without a parent
            # (ENT. tables are then not checked), rather than not at all.
            try:
                return client.retrieve(
                    "DataFolder",
                    properties,
                    is_in("ContentType", sorted(SHARED_CONTENT_TYPES)),
                    query_all_accounts=True,
                )
            except ApiError:
                return []

        rows, shared = alongside(
            client,
            lambda: client.retrieve("DataFolder", properties, is_in("ContentType", read_content_types())),
            parents_folders,
        )
        by_id = {int(row["ID"]): row for row in rows}
        parents_shared = {int(row["ID"]) for row in shared if int(row["ID"]) not in by_id}
        by_id |= {int(row["ID"]): row for row in shared if int(row["ID"]) in parents_shared}
        paths: dict[int, str] = {}
        # Folders whose path cannot be written: a name on it holds the separator (then the path names
        # other folders than this one).
        unwritable: dict[int, str] = {}

        def path_of(folder_id: int, seen: frozenset[int] = frozenset()) -> str | None:
            if folder_id in paths:
                return paths[folder_id]
            row = by_id.get(folder_id)
            if row is None or folder_id in seen:
                return None
            parent_id = int((row.get("ParentFolder") or {}).get("ID") or 0)
            name = str(row.get("Name") or "")
            if parent_id == 0:
                paths[folder_id] = name
            else:
                parent = path_of(parent_id, seen | {folder_id})
                if parent is None:
                    return None
                paths[folder_id] = f"{parent}{SEPARATOR}{name}"
                if parent_id in unwritable:
                    unwritable[folder_id] = unwritable[parent_id]
            if SEPARATOR in name:
                unwritable[folder_id] = (
                    f"the folder name '{name}' contains '{SEPARATOR}', which separates the folder names of a "
                    "path in definitions"
                )
            return paths[folder_id]

        folders: dict[str, Live] = {}
        for folder_id in sorted(by_id):
            path = path_of(folder_id)
            if path is None or path.casefold() in folders:
                continue
            row = by_id[folder_id]
            folders[path.casefold()] = Live(
                KIND,
                path,
                {"content_type": row.get("ContentType"), "description": row.get("Description") or ""},
                {"id": folder_id, "customer_key": row.get("CustomerKey")}
                | ({"parents": True} if folder_id in parents_shared else {}),
                unwritable.get(folder_id) or _owned_elsewhere(row) or _parents(folder_id in parents_shared),
            )
        return list(folders.values())

    def diff(self, desired: Desired, live: Live | None) -> Change | None:
        depends = tuple(ref.address for ref in desired.references)
        if live is None:
            return Change(KIND, desired.key, "create", after=desired.attributes, depends_on=depends)
        want = desired.attributes.get("description")
        have = live.attributes.get("description")
        if want is None or want == have:
            return None
        return Change(
            KIND,
            desired.key,
            "update",
            (AttributeChange("description", have, want),),
            before=live.attributes,
            after=desired.attributes,
            ids=live.ids,
            depends_on=depends,
        )

    def to_definition(
        self, live: Live, live_state: Mapping[str, Mapping[str, Live]]
    ) -> Definition | NotRepresentable | None:
        """Only a description needs a definition: the folders other objects name are created from their
        `folder:` paths, and root folders exist in every account."""
        parts = live.key.split(SEPARATOR)
        description = live.attributes.get("description") or ""
        if len(parts) < 2 or not description:
            return None
        if parts[0] not in root_content_types():
            return NotRepresentable(
                f"it is below '{parts[0]}', a root folder definitions do not declare into"
            )
        if parts != split_path(live.key):
            return NotRepresentable(
                "a folder name on its path starts or ends with a space, which a folder path in a definition "
                "cannot express"
            )
        return Definition({"kind": KIND, "path": live.key, "description": description})

    def live_references(self, live: Live) -> tuple[str, ...]:
        parts = split_path(live.key)
        return (f"{KIND}:{SEPARATOR.join(parts[:-1])}",) if len(parts) > 1 else ()

    def steps(self, change: Change, context: ApplyContext) -> list[Step]:
        after = change.after or {}
        if change.action == "delete":
            return [Step("delete", SoapObject("DataFolder", {"ID": change.ids["id"]}), change)]
        if change.action == "update":
            props: dict[str, Any] = {"ID": change.ids["id"], "Description": after.get("description") or ""}
            return [Step("update", SoapObject("DataFolder", props), change)]
        if change.action != "create":
            raise ValueError(f"folders cannot be {change.action}d")
        parts = split_path(change.key)
        parent_key = SEPARATOR.join(parts[:-1])

        parent_id = context.ids(KIND, parent_key)["id"]
        if after["content_type"] in REST_CREATED_CONTENT_TYPES:
            body = {"parentCatId": parent_id, "name": parts[-1], "catType": after["content_type"]}
            create = Step("create", RestRequest("POST", CATEGORY_PATH, body), change)
            if not after.get("description"):
                return [create]
            # The category API takes no description: it is written once the folder's ID is known.
            describe = Later(
                lambda known: SoapObject(
                    "DataFolder",
                    {"ID": known.ids(KIND, change.key)["id"], "Description": after["description"]},
                )
            )
            return [create, Step("update", describe, change, phase=1)]
        props = {
            "ParentFolder": {"ID": parent_id},
            "Name": parts[-1],
            "Description": after.get("description") or "",
            "ContentType": after["content_type"],
            "IsActive": True,
            "IsEditable": True,
            "AllowChildren": True,
        }
        return [Step("create", SoapObject("DataFolder", props), change)]
