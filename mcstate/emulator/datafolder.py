"""DataFolder: the folders (CategoryID) that hold data extensions, queries, filters and automations."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from mcstate.emulator import rules
from mcstate.emulator.codec import XNode
from mcstate.emulator.model import Folder
from mcstate.emulator.service import KEY, ObjectHandler, Outcome, Row
from mcstate.emulator.store import Store


@dataclass
class FolderInput:
    """A DataFolder request object; None means the element was absent."""

    id: int | None
    customer_key: str | None
    name: str | None
    description: str | None
    content_type: str | None
    parent_id: int | None
    is_active: bool | None
    is_editable: bool | None
    allow_children: bool | None


def read_folder(node: XNode) -> FolderInput:
    parent = node.get("ParentFolder")
    key = node.text_of("CustomerKey")
    return FolderInput(
        id=node.int_of("ID"),
        customer_key=None if key is None else key.strip(),
        name=node.text_of("Name"),
        description=node.text_of("Description"),
        content_type=node.text_of("ContentType"),
        parent_id=None if parent is None else parent.int_of("ID"),
        is_active=node.bool_of("IsActive"),
        is_editable=node.bool_of("IsEditable"),
        allow_children=node.bool_of("AllowChildren"),
    )


def _ancestors(store: Store, folder: Folder) -> list[int]:
    """IDs of a folder's parents up to the root, the folder itself first."""
    chain = [folder.id]
    current: Folder | None = folder
    while current is not None and current.parent_id and current.parent_id not in chain:
        chain.append(current.parent_id)
        current = store.folder(current.parent_id)
    return chain


def _check_sibling_name(store: Store, parent_id: int, name: str, itself: int | None = None) -> None:
    for sibling in store.child_folders(parent_id):
        if sibling.id != itself and rules.same_text(sibling.name, name):
            raise rules.folder_name_taken(name)


def _check_key_free(store: Store, customer_key: str, itself: int | None = None) -> None:
    if customer_key and any(folder.id != itself for folder in store.folders_by_key(customer_key)):
        raise rules.folder_key_exists()


def insert_folder(
    store: Store,
    parent_id: int,
    name: str,
    content_type: str,
    *,
    description: str,
    customer_key: str,
    is_active: bool,
    is_editable: bool,
    allow_children: bool,
) -> Folder:
    """A new folder below `parent_id`, after the checks every way of creating one shares (raises ApiError)."""
    rules.check_parent(store.folder(parent_id), content_type)
    _check_key_free(store, customer_key)
    _check_sibling_name(store, parent_id, name)
    now = rules.server_now()
    folder = Folder(
        id=store.next_folder_id(),
        object_id=str(uuid.uuid4()),
        customer_key=customer_key,
        name=name,
        description=description,
        content_type=content_type,
        parent_id=parent_id,
        is_active=is_active,
        is_editable=is_editable,
        allow_children=allow_children,
        created=now,
        modified=now,
    )
    store.insert_folder(folder)
    return folder


def create_category(store: Store, body: dict[str, Any]) -> Folder:
    """POST /email/v1/category {parentCatId, name, catType}: a folder of a type SOAP does not create.
    Raises the REST validation error the service's refusal stands for."""
    parent_id = body.get("parentCatId")
    name = body.get("name")
    content_type = body.get("catType")
    problems: list[tuple[int, str]] = []
    if isinstance(parent_id, bool) or not isinstance(parent_id, int) or parent_id <= 0:
        problems.append((rules.REST_INVALID_VALUE, "parentCatId must be the ID of an existing folder."))
    if not isinstance(name, str) or not name.strip():
        problems.append((rules.REST_NAME_REQUIRED, "name is required."))
    if (
        not isinstance(content_type, str)
        or content_type.strip().casefold() not in rules.REST_CREATED_FOLDER_TYPES
    ):
        problems.append(rules.category_type_invalid(content_type))
    if problems:
        raise rules.rest_validation(problems)
    assert isinstance(parent_id, int) and isinstance(name, str) and isinstance(content_type, str)
    try:
        # As the service does for folders it creates itself: active, editable, children allowed.
        return insert_folder(
            store,
            parent_id,
            name.strip(),
            content_type.strip(),
            description="",
            customer_key="",
            is_active=True,
            is_editable=True,
            allow_children=True,
        )
    except rules.ApiError as error:
        raise rules.rest_validation([(error.code, error.message)]) from None


class DataFolderHandler(ObjectHandler):
    object_type = "DataFolder"
    retrieve_properties = rules.DATA_FOLDER_PROPERTIES

    def read(self, node: XNode, operation: str) -> FolderInput:
        return read_folder(node)

    def create(self, store: Store, item: FolderInput) -> Outcome:
        name = (item.name or "").strip()
        if not name:
            raise rules.folder_name_required()
        content_type = rules.check_content_type(item.content_type)
        if content_type.casefold() in rules.REST_CREATED_FOLDER_TYPES:
            raise rules.folder_created_over_rest(content_type)
        if not item.parent_id:
            raise rules.folder_invalid_parent()
        if item.description is None:
            raise rules.folder_description_required()
        folder = insert_folder(
            store,
            item.parent_id,
            name,
            content_type,
            description=item.description,
            customer_key=item.customer_key or "",
            is_active=rules.FOLDER_DEFAULT_IS_ACTIVE if item.is_active is None else item.is_active,
            is_editable=rules.FOLDER_DEFAULT_IS_EDITABLE if item.is_editable is None else item.is_editable,
            allow_children=(
                rules.FOLDER_DEFAULT_ALLOW_CHILDREN if item.allow_children is None else item.allow_children
            ),
        )
        return Outcome(rules.FOLDER_CREATED, folder.id, folder.object_id)

    def _find(self, store: Store, item: FolderInput) -> Folder:
        if item.id:
            folder = store.folder(item.id)
        elif item.customer_key:
            matches = store.folders_by_key(item.customer_key)
            folder = matches[0] if matches else None
        else:
            raise rules.folder_key_required()
        if folder is None:
            raise rules.folder_not_found()
        return folder

    def update(self, store: Store, item: FolderInput) -> Outcome:
        current = self._find(store, item)
        if not current.is_editable:
            raise rules.folder_not_editable()
        folder = replace(current)
        if (
            item.content_type is not None
            and item.content_type.strip().casefold() != folder.content_type.casefold()
        ):
            raise rules.folder_content_type_changed()
        if item.parent_id is not None and item.parent_id != folder.parent_id:
            parent = store.folder(item.parent_id) if item.parent_id else None
            ancestors = _ancestors(store, parent) if parent is not None else []
            rules.check_parent(parent, folder.content_type, moving=folder, ancestors=ancestors)
            folder.parent_id = item.parent_id
        if item.name is not None:
            name = item.name.strip()
            if not name:
                raise rules.folder_name_required()
            folder.name = name
        if item.name is not None or folder.parent_id != current.parent_id:
            _check_sibling_name(store, folder.parent_id, folder.name, itself=folder.id)
        if item.description is not None:
            folder.description = item.description
        if item.id and item.customer_key is not None and item.customer_key != folder.customer_key:
            _check_key_free(store, item.customer_key, itself=folder.id)
            folder.customer_key = item.customer_key
        if item.is_active is not None:
            folder.is_active = item.is_active
        if item.is_editable is not None:
            folder.is_editable = item.is_editable
        if item.allow_children is not None:
            folder.allow_children = item.allow_children
        folder.modified = rules.server_now()
        store.update_folder(folder)
        return Outcome(rules.FOLDER_UPDATED)

    def delete(self, store: Store, item: FolderInput) -> Outcome:
        folder = self._find(store, item)
        if not folder.is_editable:
            raise rules.folder_not_editable()
        if store.child_folders(folder.id) or store.count_objects_in(folder.id):
            raise rules.folder_not_empty()
        store.delete_folder(folder.id)
        return Outcome(rules.FOLDER_DELETED)

    # -- Retrieve -----------------------------------------------------------------------------------------

    def rows(self, store: Store) -> list[Row]:
        folders = store.folders()
        by_id = {folder.id: folder for folder in folders}
        return [self._row(folder, by_id.get(folder.parent_id)) for folder in folders]

    def rows_by_keys(self, store: Store, keys: Sequence[str]) -> list[Row]:
        wanted = set(keys)
        return [row for row in self.rows(store) if row[KEY] in wanted]

    @staticmethod
    def _row(folder: Folder, parent: Folder | None) -> Row:
        row: dict[str, Any] = {
            KEY: str(folder.id),
            "ID": folder.id,
            "ParentFolder.ID": folder.parent_id,
            "Name": folder.name,
            "Description": folder.description,
            "ContentType": folder.content_type,
            "IsActive": folder.is_active,
            "IsEditable": folder.is_editable,
            "AllowChildren": folder.allow_children,
            "CreatedDate": folder.created,
            "ModifiedDate": folder.modified,
            "ObjectID": None,
            "CustomerKey": folder.customer_key,
        }
        if parent is not None:
            row.update(
                {
                    "ParentFolder.CustomerKey": parent.customer_key,
                    "ParentFolder.ObjectID": None,
                    "ParentFolder.Name": parent.name,
                    "ParentFolder.Description": parent.description,
                    "ParentFolder.ContentType": parent.content_type,
                    "ParentFolder.IsActive": parent.is_active,
                    "ParentFolder.IsEditable": parent.is_editable,
                    "ParentFolder.AllowChildren": parent.allow_children,
                }
            )
        return row
