"""The manifest of managed objects: its data extension, reading, and writing only what changes."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
import requests

from mcstate.client.account import AccountClient
from mcstate.client.auth import Credentials, TokenSource
from mcstate.client.filters import equals
from mcstate.client.rest import RestClient
from mcstate.client.soap import SoapClient
from mcstate.emulator.app import EmulatorApp
from mcstate.emulator.inprocess import InProcessAdapter
from mcstate.manifest import (
    MANIFEST_KEY,
    ManifestEntry,
    ManifestWriteError,
    attributes_hash,
    read_manifest,
    write_manifest,
)
from mcstate.resources.base import Operation, SoapObject, WriteResult
from mcstate.resources.data_extension import DataExtensionType
from mcstate.resources.folder import FolderType

BASE = "http://embedded.mcstate/"


@pytest.fixture
def app(tmp_path: Path) -> Iterator[EmulatorApp]:
    emulator = EmulatorApp(tmp_path / "account.db")
    yield emulator
    emulator.close()


@pytest.fixture
def client(app: EmulatorApp) -> AccountClient:
    session = requests.Session()
    session.mount(BASE, InProcessAdapter(app))
    tokens = TokenSource(session, BASE, Credentials("id", "secret"))
    return AccountClient(SoapClient(session, tokens), RestClient(session, tokens))


def writes(app: EmulatorApp) -> list[tuple[str, list[str], int]]:
    return [
        (entry["operation"], entry["object_types"], entry["object_count"])
        for entry in app.store.requests()
        if entry["operation"] in ("Create", "Update", "Delete")
    ]


def entry(kind: str, key: str, *, protected: bool = False, version: str = "1") -> ManifestEntry:
    return ManifestEntry(
        kind, key, attributes_hash({"v": version}), attributes_hash({"live": version}), protected
    )


def test_no_manifest_reads_as_empty_without_writing(client: AccountClient, app: EmulatorApp) -> None:
    assert read_manifest(client) == {}
    assert writes(app) == []


def test_first_write_creates_the_data_extension(client: AccountClient) -> None:
    write_manifest(client, [entry("DataExtension", "crm")], [])
    [de] = client.retrieve("DataExtension", ["Name", "CategoryID"], equals("CustomerKey", MANIFEST_KEY))
    [root] = client.retrieve("DataFolder", ["ID"], equals("Name", "Data Extensions"))
    assert de["Name"] == "mcstate managed objects"
    assert de["CategoryID"] == root["ID"]
    fields = client.retrieve(
        "DataExtensionField",
        ["Name", "FieldType", "MaxLength", "IsPrimaryKey", "Ordinal"],
        equals("DataExtension.CustomerKey", MANIFEST_KEY),
    )
    layout = {f["Name"]: (f["FieldType"], f["MaxLength"], f["IsPrimaryKey"]) for f in fields}
    assert layout == {
        "Address": ("Text", 400, True),
        "Kind": ("Text", 50, False),
        "Key": ("Text", 400, False),
        "DefinitionHash": ("Text", 64, False),
        "AppliedHash": ("Text", 64, False),
        "PreventDestroy": ("Boolean", None, False),
        "AppliedAt": ("Date", None, False),
    }


def test_entries_read_back_by_lookup_address(client: AccountClient) -> None:
    crm = entry("DataExtension", "crm", protected=True)
    folder = entry("Folder", "Data Extensions/CRM")
    write_manifest(client, [crm, folder], [])
    assert read_manifest(client) == {"DataExtension:crm": crm, "Folder:data extensions/crm": folder}


def test_only_changed_rows_are_written(client: AccountClient, app: EmulatorApp) -> None:
    first, second = entry("DataExtension", "a"), entry("QueryDefinition", "b")
    write_manifest(client, [first, second], [])
    app.store.clear_requests()
    write_manifest(client, [first, second], [])
    assert writes(app) == []
    changed = entry("QueryDefinition", "b", version="2")
    write_manifest(client, [first, changed], [])
    assert writes(app) == [("Update", ["DataExtensionObject"], 1)]
    assert read_manifest(client)["QueryDefinition:b"] == changed


def test_removals_delete_rows_of_recorded_objects_only(client: AccountClient, app: EmulatorApp) -> None:
    write_manifest(client, [entry("DataExtension", "a"), entry("Folder", "Data Extensions/X")], [])
    app.store.clear_requests()
    write_manifest(client, [], ["DataExtension:nothing-recorded"])
    assert writes(app) == []
    write_manifest(client, [], ["Folder:data extensions/x"])
    assert writes(app) == [("Delete", ["DataExtensionObject"], 1)]
    assert list(read_manifest(client)) == ["DataExtension:a"]


def test_rows_are_written_in_batches_of_fifty(client: AccountClient, app: EmulatorApp) -> None:
    many = [entry("DataExtension", f"de{n:03}") for n in range(120)]
    write_manifest(client, many, [])
    updates = [count for operation, _, count in writes(app) if operation == "Update"]
    assert updates == [50, 50, 20]
    assert len(read_manifest(client)) == 120


def test_the_data_extension_type_does_not_see_the_manifest(client: AccountClient) -> None:
    write_manifest(client, [entry("DataExtension", "a")], [])
    folders = {obj.key: obj for obj in FolderType().read(client, {})}
    live = DataExtensionType().read(client, {"Folder": folders})
    assert MANIFEST_KEY not in {obj.key for obj in live}


class RefusingClient:
    """Reads like an existing, empty manifest; refuses every row."""

    def retrieve(
        self, object_type: str, properties: Sequence[str], filter: Any = None
    ) -> list[dict[str, Any]]:
        return [{"CustomerKey": MANIFEST_KEY}] if object_type == "DataExtension" else []

    def write(
        self, operation: Operation, objects: Sequence[SoapObject], *, upsert: bool = False
    ) -> list[WriteResult]:
        return [WriteResult(False, "Custom Object Data Validation General Error", 70000) for _ in objects]


def test_a_refused_row_is_an_error_naming_the_object() -> None:
    with pytest.raises(ManifestWriteError, match="DataExtension a: 70000 Custom Object"):
        write_manifest(RefusingClient(), [entry("DataExtension", "a")], [])


def test_attributes_hash_ignores_key_order() -> None:
    assert attributes_hash({"a": 1, "b": [1, 2]}) == attributes_hash({"b": [1, 2], "a": 1})
    assert attributes_hash({"a": 1}) != attributes_hash({"a": 2})


def test_a_definition_cannot_take_the_manifests_key() -> None:
    from mcstate.definitions.document import Document
    from mcstate.desired import build_desired
    from mcstate.errors import DefinitionError

    data = {"kind": "DataExtension", "key": MANIFEST_KEY, "name": "Mine", "fields": [{"name": "Id"}]}
    document = Document(
        "DataExtension", data, "definitions/mine.yaml", positions={(): (1, 1), ("key",): (2, 6)}
    )
    with pytest.raises(DefinitionError, match="reserved for mcstate's record"):
        build_desired([document])
