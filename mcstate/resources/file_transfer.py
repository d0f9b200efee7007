"""File transfers (Automation Studio "File Transfer" activities).

The SOAP API can only start a file transfer; its definition is kept behind REST: automation/v1/filetransfers
(list, create) and automation/v1/filetransfers/<id> (read, change). On the wire a transfer is
`{id, name, description, customerKey, fileSpec, fileTransferLocationId, isUpload, isEncrypted,
isCompressed, ...}`; `isUpload` true is the UI's "Move a File From Safehouse" (files the account produced,
such as extracts, go to the location), false its "Manage File" (a file on the location is unzipped or
decrypted).

Desired and live objects share one shape:

    name, description, file_spec, file_location, action, compressed, encrypted

`file_location` is the key of a file transfer location (see file_location.py); the service stores the
location's ID, which mcstate resolves both ways. The list call leaves out everything but names and keys, so
details take one call per transfer and are read only for transfers whose key a definition declares.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, ClassVar

from mcstate.definitions.document import Document
from mcstate.plan import Change
from mcstate.resources.base import (
    ApplyContext,
    Definition,
    Desired,
    FeedEdge,
    FlowIndex,
    KindDefaults,
    Live,
    LiveCheck,
    NotRepresentable,
    Ref,
    RestRequest,
    Retriever,
    Step,
)
from mcstate.resources.common import attribute_changes
from mcstate.resources.file_location import ENHANCED_FTP, is_referenced
from mcstate.resources.file_location import KIND as LOCATION

KIND = "FileTransfer"
# Automations run transfers by key: an automation in the definitions needs the list to resolve them.
AUTOMATION = "Automation"
TRANSFERS_PATH = "automation/v1/filetransfers"

MOVE_FROM_SAFEHOUSE = "move_from_safehouse"
MANAGE_FILE = "manage_file"
ACTIONS = {MOVE_FROM_SAFEHOUSE: True, MANAGE_FILE: False}  # action → isUpload

COMPARED = ("name", "description", "file_spec", "file_location", "action", "compressed", "encrypted")


def attributes_from_service(
    definition: Mapping[str, Any], location_keys: Mapping[str, str]
) -> dict[str, Any]:
    """A transfer as read by ID, normalized like a desired one; `location_keys` maps location IDs
    (case-folded) to keys. An unknown location ID is kept as it is, so the plan shows it."""
    location_id = str(definition.get("fileTransferLocationId") or "")
    return {
        "name": definition.get("name"),
        "description": definition.get("description") or "",
        "file_spec": definition.get("fileSpec") or "",
        "file_location": location_keys.get(location_id.casefold(), location_id or None),
        "action": MOVE_FROM_SAFEHOUSE if definition.get("isUpload", True) else MANAGE_FILE,
        "compressed": bool(definition.get("isCompressed", False)),
        "encrypted": bool(definition.get("isEncrypted", False)),
    }


class FileTransferType(KindDefaults):
    kind: ClassVar[str] = KIND
    schema: ClassVar[str | None] = "file_transfer.schema.json"
    label: ClassVar[str] = "file transfer"
    directory: ClassVar[str | None] = "file_transfers"
    step_name: ClassVar[str | None] = "file_transfer"
    activity_object_type: ClassVar[str | None] = "FileTransferActivity"
    in_flow: ClassVar[bool] = True

    def from_document(self, document: Document) -> Desired:
        data = document.data
        attributes = {
            "name": data["name"],
            "description": data.get("description") or "",
            "file_spec": str(data["file_spec"]),
            "file_location": str(data.get("file_location", ENHANCED_FTP)),
            "action": str(data.get("action", MOVE_FROM_SAFEHOUSE)),
            "compressed": bool(data.get("compressed", False)),
            "encrypted": bool(data.get("encrypted", False)),
        }
        path: tuple[str | int, ...] = ("file_location",) if "file_location" in data else ("kind",)
        return Desired(
            KIND, str(data["key"]), attributes, document, (Ref(LOCATION, attributes["file_location"], path),)
        )

    def check_live(
        self, desired: Desired, declared: Mapping[str, Desired], live: Mapping[str, Mapping[str, Live]]
    ) -> LiveCheck:
        """A location named by its name instead of its key gets a hint (the planner reports it unknown)."""
        wanted = desired.attributes["file_location"]
        locations = live.get(LOCATION, {})
        if desired.document is None or "file_location" not in desired.document.data:
            return LiveCheck()
        if any(location.key == wanted for location in locations.values()):
            return LiveCheck()
        named = next((loc for loc in locations.values() if loc.attributes.get("name") == wanted), None)
        if named is None:
            return LiveCheck()
        message = f"'{wanted}' is the name of the file location with the key '{named.key}'; use its key"
        return LiveCheck((desired.document.problem(("file_location",), message),))

    def feeds(self, lookup: str, attributes: Mapping[str, Any], index: FlowIndex) -> Iterable[FeedEdge]:
        if attributes.get("file_location"):
            yield lookup, index.ref(LOCATION, attributes["file_location"]), "moves to"

    def read(self, client: Retriever, live: Mapping[str, Mapping[str, Live]]) -> list[Live]:
        return self._read(client, live, None)

    def read_for(
        self, client: Retriever, live: Mapping[str, Mapping[str, Live]], desired: Sequence[Desired]
    ) -> list[Live]:
        if not is_referenced(KIND, desired) and not any(obj.kind == AUTOMATION for obj in desired):
            return []
        return self._read(client, live, {obj.key.casefold() for obj in desired if obj.kind == KIND})

    def _read(
        self, client: Retriever, live: Mapping[str, Mapping[str, Live]], declared: set[str] | None
    ) -> list[Live]:
        """Every transfer from the list; details only for `declared` keys (all when None)."""
        location_keys = {str(obj.ids["id"]).casefold(): obj.key for obj in live.get(LOCATION, {}).values()}
        objects: list[Live] = []
        for item in client.rest_items(TRANSFERS_PATH):
            key = item.get("customerKey")
            object_id = item.get("id")
            if not key or not object_id:
                continue
            if declared is None or str(key).casefold() in declared:
                detail = client.rest_get(f"{TRANSFERS_PATH}/{object_id}")
                attributes = attributes_from_service(detail, location_keys)
            else:
                attributes = {"name": item.get("name"), "description": item.get("description") or ""}
            objects.append(Live(KIND, str(key), attributes, {"object_id": str(object_id)}))
        return objects

    def diff(self, desired: Desired, live: Live | None) -> Change | None:
        after = desired.attributes
        depends = tuple(ref.address for ref in desired.references)
        if live is None:
            return Change(KIND, desired.key, "create", after=after, depends_on=depends)
        before = {name: live.attributes.get(name) for name in COMPARED}
        changes = attribute_changes(before, after, COMPARED)
        if not changes:
            return None
        return Change(KIND, desired.key, "update", changes, before, after, live.ids, depends)

    def to_definition(
        self, live: Live, live_state: Mapping[str, Mapping[str, Live]]
    ) -> Definition | NotRepresentable | None:
        attributes = live.attributes
        if "action" not in attributes:
            return NotRepresentable("its details were not read (only the list of file transfers was)")
        location = attributes.get("file_location")
        if not location or not any(obj.key == location for obj in live_state.get(LOCATION, {}).values()):
            return NotRepresentable(
                f"its file location (ID {location}) is not one of the account's file locations"
            )
        data: dict[str, Any] = {"kind": KIND, "key": live.key, "name": attributes["name"]}
        if attributes.get("description"):
            data["description"] = attributes["description"]
        data["file_spec"] = attributes.get("file_spec")
        if location != ENHANCED_FTP:
            data["file_location"] = location
        if attributes["action"] != MOVE_FROM_SAFEHOUSE:
            data["action"] = attributes["action"]
        for name in ("compressed", "encrypted"):
            if attributes.get(name):
                data[name] = True
        return Definition(data)

    def steps(self, change: Change, context: ApplyContext) -> list[Step]:
        if change.action == "delete":
            path = f"{TRANSFERS_PATH}/{change.ids['object_id']}"
            return [Step("delete", RestRequest("DELETE", path), change)]
        after = change.after or {}
        body = {
            "name": after["name"],
            "customerKey": change.key,
            "description": after["description"],
            "fileSpec": after["file_spec"],
            "fileTransferLocationId": _location_id(context.ids(LOCATION, after["file_location"])),
            "isUpload": ACTIONS[after["action"]],
            "isCompressed": after["compressed"],
            "isEncrypted": after["encrypted"],
        }
        if change.action == "create":
            return [Step("create", RestRequest("POST", TRANSFERS_PATH, body), change)]
        if change.action == "update":
            path = f"{TRANSFERS_PATH}/{change.ids['object_id']}"
            return [Step("update", RestRequest("PATCH", path, body), change)]
        raise ValueError(f"unsupported action {change.action}")


def _location_id(ids: Mapping[str, Any]) -> str:
    """The ID file transfers store: read with the plan, or learnt when the location was created."""
    return str(ids.get("id") or ids["object_id"])
