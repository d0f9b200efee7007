"""Which objects mcstate manages, recorded in the account itself (no local state file).

After each successful apply, mcstate writes one row per managed object into a data extension of its own in the
account (`MANIFEST_KEY`): the object's address, a hash of the definition as applied, a hash of the account's
object as it was right after apply, and whether the definition said prevent_destroy. This is what lets
`--prune` delete only objects mcstate created and never one whose last definition was protected, and what lets
`drift` tell which side changed (the account's hash moved away from the applied one: changed in the account;
the definition's hash moved: changed in the repository).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Protocol

from mcstate.client.filters import Complex, equals
from mcstate.errors import McstateError

if TYPE_CHECKING:
    from mcstate.resources.base import Operation, SoapObject, WriteResult

MANIFEST_KEY = "mcstate_managed_objects"
MANIFEST_NAME = "mcstate managed objects"
MANIFEST_DESCRIPTION = "Objects mcstate manages in this account (written by mcstate apply; do not edit)."
MANIFEST_FOLDER = "Data Extensions"  # the root folder: it exists in every account, so nothing to create

# The manifest's fields: (name, FieldType, MaxLength or None, primary key, required).
FIELDS: tuple[tuple[str, str, int | None, bool, bool], ...] = (
    ("Address", "Text", 400, True, True),
    ("Kind", "Text", 50, False, True),
    ("Key", "Text", 400, False, True),
    ("DefinitionHash", "Text", 64, False, True),
    ("AppliedHash", "Text", 64, False, True),
    ("PreventDestroy", "Boolean", None, False, False),
    ("AppliedAt", "Date", None, False, False),
)
FIELD_NAMES = tuple(name for name, *_ in FIELDS)
IMPORTED_FILES_KEY = "mcstate_imported_files"  # the record of imported files (mcstate.import_record)
LOCK_KEY = "mcstate_lock"  # the account's apply lock (mcstate.lock)
RESERVED_KEYS = frozenset(key.casefold() for key in (MANIFEST_KEY, IMPORTED_FILES_KEY, LOCK_KEY))


def is_reserved(key: str) -> bool:
    """The data extensions mcstate keeps its own records in: never declared, retrieved or drifted."""
    return key.casefold() in RESERVED_KEYS


ROWS_OBJECT_TYPE = "DataExtensionObject"


@dataclass(frozen=True)
class ManifestEntry:
    kind: str
    key: str
    definition_hash: str  # hash of the normalized desired attributes that were applied
    applied_hash: str  # hash of the normalized live attributes read right after apply
    prevent_destroy: bool

    @property
    def address(self) -> str:
        return f"{self.kind}:{self.key}"


def attributes_hash(attributes: Mapping[str, Any]) -> str:
    """A stable fingerprint of normalized attributes (key order and JSON spacing do not matter)."""
    text = json.dumps(attributes, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class ManifestClient(Protocol):
    """The part of the account client the manifest needs."""

    def retrieve(
        self, object_type: str, properties: Sequence[str], filter: Any = None
    ) -> list[dict[str, Any]]: ...

    def write(
        self, operation: Operation, objects: Sequence[SoapObject], *, upsert: bool = False
    ) -> list[WriteResult]: ...


class ManifestWriteError(McstateError):
    """The record of managed objects could not be written (the objects themselves may have been)."""


def read_manifest(client: ManifestClient) -> dict[str, ManifestEntry]:
    """Every recorded object, by lookup address (desired.lookup_address: folder paths case-folded), the
    same keys as DesiredState.objects and the live state; {} when the manifest does not exist yet."""
    return _read(client)[1]


def write_manifest(
    client: ManifestClient,
    upserts: Iterable[ManifestEntry],
    removals: Iterable[str],
    recorded: Mapping[str, ManifestEntry] | None = None,
) -> None:
    """Record `upserts` and forget the objects at the lookup addresses in `removals`, writing only rows
    that change (an entry equal to the recorded one is not written again), at most 50 per call. Creates
    the manifest on first use. `recorded`: the manifest as just read (not read again when it has rows).
    Raises ManifestWriteError when the service refuses any of it."""
    from mcstate.desired import lookup_address

    exists, current = (True, dict(recorded)) if recorded else _read(client)
    changed = {
        lookup_address(entry.kind, entry.key): entry
        for entry in upserts
        if current.get(lookup_address(entry.kind, entry.key)) != entry
    }
    doomed = [
        current[address]
        for address in dict.fromkeys(removals)
        if address in current and address not in changed
    ]
    if not changed and not doomed:
        return
    if not exists:
        _create(client)
    failures: list[str] = []
    if changed:
        applied_at = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S")
        entries = list(changed.values())
        # An upserting Update adds the rows it does not find: new and changed entries go out together.
        results = client.write("update", [_row(entry, applied_at) for entry in entries], upsert=True)
        failures += _failures(entries, results)
    if doomed:
        results = client.write("delete", [_key_row(entry) for entry in doomed])
        failures += _failures(doomed, results)
    if failures:
        raise ManifestWriteError(f"the service refused rows of {MANIFEST_KEY}:\n  " + "\n  ".join(failures))


def _failures(entries: Sequence[ManifestEntry], results: Sequence[WriteResult]) -> list[str]:
    failures = []
    for entry, result in zip(entries, results, strict=True):
        if not result.ok:
            failures.append(f"{entry.kind} {entry.key}: {result.reason}")
    return failures


# -- reading and writing rows -----------------------------------------------------------------------------


def _read(client: ManifestClient) -> tuple[bool, dict[str, ManifestEntry]]:
    from mcstate.desired import lookup_address

    if not client.retrieve("DataExtension", ["CustomerKey"], equals("CustomerKey", MANIFEST_KEY)):
        return False, {}
    entries: dict[str, ManifestEntry] = {}
    for row in client.retrieve(f"{ROWS_OBJECT_TYPE}[{MANIFEST_KEY}]", FIELD_NAMES):
        values = row_values(row)
        kind, key = values.get("Kind") or "", values.get("Key") or ""
        if not kind or not key:
            continue  # not written by mcstate
        entry = ManifestEntry(
            kind,
            key,
            values.get("DefinitionHash") or "",
            values.get("AppliedHash") or "",
            (values.get("PreventDestroy") or "").strip().casefold() in ("true", "1"),
        )
        entries[lookup_address(kind, key)] = entry
    return True, entries


def row_values(row: Mapping[str, Any]) -> dict[str, str]:
    """A retrieved DataExtensionObject's values by field name (empty text for no value)."""
    properties = (row.get("Properties") or {}).get("Property") or []
    return {str(item.get("Name")): str(item.get("Value") or "") for item in properties}


def _row(entry: ManifestEntry, applied_at: str) -> SoapObject:
    from mcstate.resources.base import SoapObject

    values = {
        "Address": entry.address,
        "Kind": entry.kind,
        "Key": entry.key,
        "DefinitionHash": entry.definition_hash,
        "AppliedHash": entry.applied_hash,
        "PreventDestroy": "true" if entry.prevent_destroy else "false",
        "AppliedAt": applied_at,
    }
    properties = [{"Name": name, "Value": value} for name, value in values.items()]
    return SoapObject(ROWS_OBJECT_TYPE, {"CustomerKey": MANIFEST_KEY, "Properties": {"Property": properties}})


def _key_row(entry: ManifestEntry) -> SoapObject:
    from mcstate.resources.base import SoapObject

    keys = [{"Name": "Address", "Value": entry.address}]
    return SoapObject(ROWS_OBJECT_TYPE, {"CustomerKey": MANIFEST_KEY, "Keys": {"Key": keys}})


def _create(client: ManifestClient) -> None:
    create_data_extension(client, MANIFEST_KEY, MANIFEST_NAME, MANIFEST_DESCRIPTION, FIELDS)


def create_data_extension(
    client: ManifestClient,
    key: str,
    name: str,
    description: str,
    field_specs: Sequence[tuple[str, str, int | None, bool, bool]],
) -> None:
    """Create one of mcstate's own record data extensions in the root data extension folder."""
    from mcstate.resources.base import SoapObject

    roots = client.retrieve(
        "DataFolder",
        ["ID", "Name"],
        Complex(equals("ContentType", "dataextension"), "AND", equals("ParentFolder.ID", 0)),
    )
    root = next((row for row in roots if row.get("Name") == MANIFEST_FOLDER), roots[0] if roots else None)
    if root is None:
        raise ManifestWriteError(f"the account has no '{MANIFEST_FOLDER}' folder to keep {key} in")
    fields = []
    for ordinal, (field_name, field_type, length, primary_key, required) in enumerate(field_specs):
        field: dict[str, Any] = {"Name": field_name}
        if length is not None:
            field["MaxLength"] = length
        field.update(IsRequired=required, Ordinal=ordinal, IsPrimaryKey=primary_key, FieldType=field_type)
        fields.append(field)
    definition = {
        "CustomerKey": key,
        "Name": name,
        "Description": description,
        "IsSendable": False,
        "Fields": {"Field": fields},
        "CategoryID": int(root["ID"]),
    }
    [result] = client.write("create", [SoapObject("DataExtension", definition)])
    if not result.ok:
        raise ManifestWriteError(f"cannot create the data extension {key}: {result.reason}")
