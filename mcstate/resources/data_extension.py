"""Data extensions and their fields.

Desired and live objects are normalized to the same shape so that comparing them is plain equality:

    name, description, folder, testable, sendable {field, subscriber_field} | None,
    retention {policy, period {length, unit} | None, until | None, reset_on_import} | None,
    fields [{name, type, length?, precision?, scale?, primary_key, required, default}]

A field's `length` is only present when the definition manages it (Phone and Locale fields leave it to the
service unless given).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any, ClassVar

from mcstate.client.filters import is_in
from mcstate.client.parallel import map_calls
from mcstate.definitions.document import Document
from mcstate.definitions.writer import Flow
from mcstate.errors import ApiError, Problem
from mcstate.manifest import is_reserved
from mcstate.plan import AttributeChange, Change
from mcstate.reading import alongside
from mcstate.resources.base import (
    ApplyContext,
    Definition,
    Desired,
    KindDefaults,
    Live,
    LiveCheck,
    NotRepresentable,
    Retriever,
    SoapObject,
    Step,
)
from mcstate.resources.common import (
    account_name_conflicts,
    declared_name_conflicts,
    folder_path,
    folder_problems,
)
from mcstate.resources.definition_values import written_folder, written_scalar
from mcstate.resources.folder import KIND as FOLDER
from mcstate.resources.folder import folder_ref

KIND = "DataExtension"
DEFAULT_FOLDER = "Data Extensions"

# Lengths the service gives a field when none is sent; mcstate sends them explicitly on create.
DEFAULT_LENGTH = {"Text": 50, "EmailAddress": 254}
LENGTH_TYPES = ("Text", "EmailAddress", "Phone")
DEFAULT_PRECISION = 18
DEFAULT_SCALE = 0

# The service reads "Subscriber Key" on writes and answers "_SubscriberKey" on reads.
SUBSCRIBER_FIELD_READ_NAMES = {"_SubscriberKey": "Subscriber Key", "_EmailAddress": "Email Address"}

RETENTION_UNITS = {"days": 3, "weeks": 4, "months": 5, "years": 6}
RETENTION_UNIT_NAMES = {code: name for name, code in RETENTION_UNITS.items()}

DE_PROPERTIES = [
    "ObjectID",
    "CustomerKey",
    "Name",
    "Description",
    "ModifiedDate",
    "IsSendable",
    "IsTestable",
    "SendableDataExtensionField.Name",
    "SendableSubscriberField.Name",
    "DataRetentionPeriodLength",
    "DataRetentionPeriodUnitOfMeasure",
    "RowBasedRetention",
    "ResetRetentionPeriodOnImport",
    "DeleteAtEndOfRetentionPeriod",
    "RetainUntil",
    "CategoryID",
    "Template.CustomerKey",
]
FIELD_PROPERTIES = [
    "ObjectID",
    "Name",
    "FieldType",
    "MaxLength",
    "Scale",
    "IsRequired",
    "IsPrimaryKey",
    "DefaultValue",
    "Ordinal",
    "DataExtension.CustomerKey",
]


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _bool(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() == "true"
    return bool(value)


def _int(value: Any) -> int | None:
    if value in (None, ""):
        return None
    return int(value)


def normalize_field(spec: Mapping[str, Any]) -> dict[str, Any]:
    field_type = spec.get("type", "Text")
    primary_key = bool(spec.get("primary_key", False))
    field: dict[str, Any] = {"name": spec["name"], "type": field_type}
    if field_type in LENGTH_TYPES:
        length = spec.get("length", DEFAULT_LENGTH.get(field_type))
        if length is not None:
            field["length"] = int(length)
    if field_type == "Decimal":
        field["precision"] = int(spec.get("precision", DEFAULT_PRECISION))
        field["scale"] = int(spec.get("scale", DEFAULT_SCALE))
    field["primary_key"] = primary_key
    field["required"] = primary_key or bool(spec.get("required", False))
    default = spec.get("default")
    field["default"] = None if default in (None, "") else _text(default)
    return field


def _retention_from_definition(spec: Mapping[str, Any] | None) -> dict[str, Any] | None:
    if not spec:
        return None
    period = spec.get("period")
    until = spec.get("until")
    return {
        "policy": spec["policy"],
        "period": {"length": int(period["length"]), "unit": period["unit"]} if period else None,
        "until": str(until) if until else None,
        "reset_on_import": bool(spec.get("reset_on_import", False)),
    }


def _until_to_service(until: str) -> str:
    day = dt.date.fromisoformat(until)
    return f"{day.month}/{day.day}/{day.year} 12:00:00 AM"


def _until_from_service(text: str) -> str | None:
    date_part = text.strip().split(" ")[0]
    if not date_part:
        return None
    for pattern in ("%m/%d/%Y", "%Y-%m-%d", "%d.%m.%Y"):
        try:
            return dt.datetime.strptime(date_part, pattern).date().isoformat()
        except ValueError:
            continue
    return date_part


# Retention policies that delete all the rows at once when they take effect.
DELETES_EVERY_ROW = frozenset({"all_records", "all_records_and_data_extension"})


def retention_from_service(row: Mapping[str, Any]) -> dict[str, Any] | None:
    length = _int(row.get("DataRetentionPeriodLength")) or 0
    unit = _int(row.get("DataRetentionPeriodUnitOfMeasure"))
    until = _until_from_service(str(row.get("RetainUntil") or ""))
    row_based = _bool(row.get("RowBasedRetention"))
    delete_at_end = _bool(row.get("DeleteAtEndOfRetentionPeriod"))
    period = None
    if length > 0 and unit in RETENTION_UNIT_NAMES:
        period = {"length": length, "unit": RETENTION_UNIT_NAMES[unit]}
    if period is not None:
        # A period and a date together are read as the period: the service refuses a date next to a period
        # on every write (and mcstate sends the date empty then), so the period is what a change keeps.
        until = None
    if period is None and until is None:
        # Neither a period nor a date: nothing is ever deleted, whatever the policy flags say.
        return None
    if row_based:
        policy = "individual_records"
    elif delete_at_end:
        policy = "all_records"
    else:
        policy = "all_records_and_data_extension"
    return {
        "policy": policy,
        "period": period,
        "until": until,
        "reset_on_import": _bool(row.get("ResetRetentionPeriodOnImport")),
    }


def retention_to_service(retention: Mapping[str, Any] | None) -> dict[str, Any]:
    if retention is None:
        return {
            "DataRetentionPeriodLength": 0,
            "RowBasedRetention": False,
            "ResetRetentionPeriodOnImport": False,
            "DeleteAtEndOfRetentionPeriod": False,
            "RetainUntil": "",
        }
    period = retention.get("period")
    props: dict[str, Any] = {}
    if period:
        props["DataRetentionPeriodLength"] = period["length"]
        props["DataRetentionPeriodUnitOfMeasure"] = RETENTION_UNITS[period["unit"]]
    else:
        props["DataRetentionPeriodLength"] = 0
    props["RowBasedRetention"] = retention["policy"] == "individual_records"
    props["ResetRetentionPeriodOnImport"] = bool(retention.get("reset_on_import"))
    props["DeleteAtEndOfRetentionPeriod"] = retention["policy"] == "all_records"
    # The service rejects a date together with a period, so an unused date is sent empty.
    props["RetainUntil"] = _until_to_service(retention["until"]) if retention.get("until") else ""
    return props


# Fields of at most this many data extensions per call, their keys at most this long together: 100 data
# extensions of 25 fields fill one page (2,500 objects), and the keys stay well below the length at which
# the service refuses an IN list (SEMANTICS §3: long IN lists on DataExtensionField fail with a truncation
# error; the limit is not documented).
FIELD_KEYS_PER_CALL = 100
FIELD_KEYS_MAX_CHARACTERS = 2000


class _InListRefused(Exception):
    """The service refused an IN list of keys after all (long keys: SEMANTICS §3)."""


def _all_field_rows(client: Retriever) -> list[dict[str, Any]]:
    return [_slim(row) for row in client.retrieve("DataExtensionField", FIELD_PROPERTIES)]


def _field_rows_of(client: Retriever, keys: Sequence[str]) -> list[dict[str, Any]]:
    """The fields of the data extensions with `keys`, by Retrieves of batches of keys side by side (the
    pages of one Retrieve can only be fetched one after the other)."""

    def fields_of(batch: list[str]) -> list[dict[str, Any]]:
        selected = is_in("DataExtension.CustomerKey", batch)
        return [_slim(row) for row in client.retrieve("DataExtensionField", FIELD_PROPERTIES, selected)]

    try:
        return [row for rows in map_calls(client, fields_of, _key_batches(list(keys))) for row in rows]
    except ApiError as error:
        if "truncated" not in error.detail:
            raise
        raise _InListRefused from error


def _parents_shared(
    client: Retriever, folder_ids: Sequence[int], own_keys: set[str]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The parent business unit's data extensions in its shared folders (`folder_ids`, read from a child)
    and their fields: both only with QueryAllAccounts, narrowed to those folders and keys, and to the parent
    (Client/ID) for the fields, since a child may have a data extension of the same key. A child's own data
    extension wins over a shared one of the same key."""
    rows = [
        row
        for row in client.retrieve(
            "DataExtension",
            [*DE_PROPERTIES, "Client.ID"],
            is_in("CategoryID", [str(folder_id) for folder_id in folder_ids]),
            query_all_accounts=True,
        )
        if row.get("CustomerKey") and str(row["CustomerKey"]).casefold() not in own_keys
    ]
    owners = {str(row["CustomerKey"]).casefold(): (row.get("Client") or {}).get("ID") for row in rows}
    keys = [str(row["CustomerKey"]) for row in rows]
    fields: list[dict[str, Any]] = []
    for batch in _key_batches(keys) if keys else []:
        for row in client.retrieve(
            "DataExtensionField",
            [*FIELD_PROPERTIES, "Client.ID"],
            is_in("DataExtension.CustomerKey", batch),
            query_all_accounts=True,
        ):
            de_key = str((row.get("DataExtension") or {}).get("CustomerKey") or "").casefold()
            if de_key in owners and (row.get("Client") or {}).get("ID") == owners[de_key]:
                fields.append(_slim(row))
    return rows, fields


def _key_batches(keys: list[str]) -> list[list[str]]:
    batches: list[list[str]] = []
    length = 0
    for key in keys:
        full = bool(batches) and len(batches[-1]) >= FIELD_KEYS_PER_CALL
        if not batches or full or length + len(key) > FIELD_KEYS_MAX_CHARACTERS:
            batches.append([])
            length = 0
        batches[-1].append(key)
        length += len(key) + 1
    return batches


def _slim(row: Mapping[str, Any]) -> dict[str, Any]:
    """A field row with only the properties read (a Retrieve answers every element of the type, most of
    them empty: for 250,000 fields that is most of a plan's memory)."""
    slim = {name: row.get(name) for name in FIELD_PROPERTIES if "." not in name}
    slim["DataExtension"] = {"CustomerKey": (row.get("DataExtension") or {}).get("CustomerKey")}
    return slim


def field_from_service(row: Mapping[str, Any]) -> dict[str, Any]:
    field_type = row.get("FieldType") or "Text"
    field: dict[str, Any] = {"name": row["Name"], "type": field_type}
    if field_type in LENGTH_TYPES and _int(row.get("MaxLength")) is not None:
        field["length"] = _int(row.get("MaxLength"))
    if field_type == "Decimal":
        # The service answers a Decimal's precision in MaxLength; Precision itself is not retrievable.
        field["precision"] = _int(row.get("MaxLength")) or DEFAULT_PRECISION
        field["scale"] = _int(row.get("Scale")) or 0
    field["primary_key"] = _bool(row.get("IsPrimaryKey"))
    field["required"] = _bool(row.get("IsRequired"))
    default = row.get("DefaultValue")
    field["default"] = None if default in (None, "") else str(default)
    return field


def _field_to_service(field: Mapping[str, Any], ordinal: int) -> dict[str, Any]:
    props: dict[str, Any] = {"Name": field["name"]}
    if field.get("default") is not None:
        props["DefaultValue"] = field["default"]
    if "length" in field:
        props["MaxLength"] = field["length"]
    if field["type"] == "Decimal":
        props["Precision"] = field["precision"]
        props["Scale"] = field["scale"]
    props["IsRequired"] = field["required"]
    props["Ordinal"] = ordinal
    props["IsPrimaryKey"] = field["primary_key"]
    props["FieldType"] = field["type"]
    return props


def _sendable_to_service(sendable: Mapping[str, Any] | None, testable: bool) -> dict[str, Any]:
    if not sendable:
        return {"IsSendable": False, "IsTestable": testable}
    return {
        "IsSendable": True,
        "IsTestable": testable,
        "SendableDataExtensionField": {"Name": sendable["field"]},
        "SendableSubscriberField": {"Name": sendable["subscriber_field"], "Value": ""},
    }


def _fold(name: str) -> str:
    return name.casefold()


# Folder content types of data extensions that another part of the platform owns, and why mcstate leaves them.
OWNED_ELSEWHERE = {
    "shared_dataextension": "a shared data extension: the parent business unit owns it (seen from this "
    "one, it is read-only)",
    "shared_salesforcedataextension": "a shared Salesforce data extension: the parent business unit owns it",
    "synchronizeddataextension": "a synchronized data extension: Marketing Cloud Connect creates and changes "
    "it from Salesforce",
    "salesforcedataextension": "a Salesforce data extension: Marketing Cloud Connect creates and changes it",
}


def unmanageable_reason(category: int | None, folder: Live | None) -> str | None:
    """Why a data extension cannot be managed: a system one (no folder), or one in a folder of a type that
    another part of the platform owns. None for the data extensions definitions can declare."""
    if category is None:
        return "a system data extension: it has no folder, the platform creates and changes it"
    if folder is None:
        return None  # in a folder mcstate did not read; to_definition says so
    return OWNED_ELSEWHERE.get(str(folder.attributes.get("content_type") or "").casefold())


class DataExtensionType(KindDefaults):
    kind: ClassVar[str] = KIND
    schema: ClassVar[str | None] = "data_extension.schema.json"
    label: ClassVar[str] = "data extension"
    directory: ClassVar[str | None] = "data_extensions"
    root_folder: ClassVar[str | None] = DEFAULT_FOLDER
    folder_content_type: ClassVar[str | None] = "dataextension"
    in_flow: ClassVar[bool] = True
    flow_shape: ClassVar[tuple[str, str]] = ('[("', '")]')
    # An Update that identifies the data extension by ObjectID may change its CustomerKey (SEMANTICS 6.1).
    rekeyable: ClassVar[bool] = True

    def from_document(self, document: Document) -> Desired:
        data = document.data
        folder = folder_path(data, DEFAULT_FOLDER)
        sendable = data.get("sendable")
        attributes = {
            "name": data["name"],
            "description": data.get("description") or "",
            "folder": folder,
            "testable": bool(data.get("testable", False)),
            "sendable": (
                {"field": sendable["field"], "subscriber_field": sendable["subscriber_field"]}
                if sendable
                else None
            ),
            "retention": _retention_from_definition(data.get("retention")),
            "template": str(data["template"]) if data.get("template") else None,
            "fields": [normalize_field(field) for field in data["fields"]],
        }
        path: tuple[str | int, ...] = ("folder",) if "folder" in data else ()
        return Desired(KIND, str(data["key"]), attributes, document, (folder_ref(folder, path),))

    def check(self, desired: Desired, declared: Mapping[str, Desired]) -> list[Problem]:
        document = desired.document
        if document is None:
            return []
        problems: list[Problem] = []
        if is_reserved(desired.key):
            message = (
                f"the key '{desired.key}' is reserved for mcstate's record of the objects it manages "
                "(and of the files it imported)"
            )
            problems.append(document.problem(("key",), message))
        moved_from = document.data.get("moved_from")
        if isinstance(moved_from, str):
            other = next(
                (
                    o
                    for o in declared.values()
                    if o.kind == KIND and o.key.casefold() == moved_from.casefold() and o is not desired
                ),
                None,
            )
            if moved_from.casefold() == desired.key.casefold():
                message = "a data extension cannot be moved from its own key; remove 'moved_from'"
                problems.append(document.problem(("moved_from",), message))
            elif other is not None:
                where = other.document.location() if other.document is not None else other.key
                message = (
                    f"'{moved_from}' is the key of another definition ({where}), so this data extension "
                    "cannot be moved from it"
                )
                problems.append(document.problem(("moved_from",), message))
        raw_fields = document.data.get("fields", [])
        seen: dict[str, int] = {}
        for index, field in enumerate(desired.attributes["fields"]):
            folded = _fold(field["name"])
            if folded in seen:
                problems.append(
                    document.problem(
                        ("fields", index, "name"),
                        f"field '{field['name']}' is already defined at fields[{seen[folded]}] "
                        "(field names are case-insensitive)",
                    )
                )
            seen.setdefault(folded, index)
            raw = raw_fields[index]
            if raw.get("primary_key") and raw.get("required") is False:
                problems.append(
                    document.problem(
                        ("fields", index, "required"),
                        "a primary key field is always required; remove 'required: false'",
                    )
                )
            source = raw.get("renamed_from")
            if isinstance(source, str) and _fold(source) == folded:
                problems.append(
                    document.problem(
                        ("fields", index, "renamed_from"),
                        f"field '{field['name']}' cannot be renamed from its own name; remove 'renamed_from' "
                        "(a change of case alone is made in place without it)",
                    )
                )
            elif isinstance(source, str) and _fold(source) in {_fold(f["name"]) for f in raw_fields}:
                problems.append(
                    document.problem(
                        ("fields", index, "renamed_from"),
                        f"'{source}' is still a field of this definition, so '{field['name']}' cannot be "
                        "renamed from it",
                    )
                )
            if field["type"] == "Decimal" and field["scale"] > field["precision"]:
                problems.append(
                    document.problem(
                        ("fields", index, "scale"),
                        f"scale {field['scale']} is larger than precision {field['precision']}",
                    )
                )
        problems.extend(declared_name_conflicts(desired, declared, "data extension"))
        sendable = desired.attributes["sendable"]
        if sendable:
            match = next(
                (f for f in desired.attributes["fields"] if _fold(f["name"]) == _fold(sendable["field"])),
                None,
            )
            if match is None:
                problems.append(
                    document.problem(
                        ("sendable", "field"),
                        f"sendable field '{sendable['field']}' is not one of this data extension's fields",
                    )
                )
            elif sendable["subscriber_field"] == "Email Address" and match["type"] != "EmailAddress":
                problems.append(
                    document.problem(
                        ("sendable", "field"),
                        f"field '{match['name']}' relates to Email Address, so it must be an EmailAddress",
                    )
                )
            elif sendable["subscriber_field"] == "Subscriber Key" and match["type"] not in ("Text", "Number"):
                problems.append(
                    document.problem(
                        ("sendable", "field"),
                        f"field '{match['name']}' relates to Subscriber Key, so it must be Text or Number",
                    )
                )
        elif desired.attributes["testable"]:
            problems.append(document.problem(("testable",), "only a sendable data extension can be testable"))
        problems.extend(folder_problems(document, desired.attributes["folder"], DEFAULT_FOLDER))
        return problems

    def check_live(
        self, desired: Desired, declared: Mapping[str, Desired], live: Mapping[str, Mapping[str, Live]]
    ) -> LiveCheck:
        problems = account_name_conflicts(desired, live, "data extension")
        from mcstate.desired import lookup_address  # the registry imports this module

        exists = lookup_address(KIND, desired.key) in live.get(KIND, {})
        if desired.document is not None and not desired.attributes["fields"] and not exists:
            # An existing data extension without fields can be described (and kept); the service creates
            # one only with at least one field.
            problems.append(
                desired.document.problem(
                    ("fields",),
                    "the data extension does not exist in the account, and the service creates a data "
                    "extension only with at least one field",
                )
            )
        return LiveCheck(tuple(problems))

    def read(self, client: Retriever, live: Mapping[str, Mapping[str, Live]]) -> list[Live]:
        return self.read_expecting(client, live, ())

    def read_expecting(
        self, client: Retriever, live: Mapping[str, Mapping[str, Live]], declared_keys: Sequence[str]
    ) -> list[Live]:
        """Every data extension with its fields. The fields of the declared data extensions are asked for
        alongside the data extensions themselves, those of the others once that answer names them: the
        fields no longer wait for the data extensions. Without declared keys, a small account's fields are
        read by one unfiltered (paged) Retrieve."""
        declared = [key for key in declared_keys if not is_reserved(key)]

        def declared_fields(_: object) -> list[dict[str, Any]] | None:
            try:
                return _field_rows_of(client, declared) if declared else []
            except _InListRefused:
                return None

        rows, field_rows = alongside(
            client, lambda: client.retrieve("DataExtension", DE_PROPERTIES), declared_fields
        )
        asked = {key.casefold() for key in declared}
        others = [
            str(row["CustomerKey"])
            for row in rows
            if row.get("CustomerKey")
            and str(row["CustomerKey"]).casefold() not in asked
            and not is_reserved(str(row["CustomerKey"]))
        ]
        if field_rows is None or (others and not declared and len(_key_batches(others)) == 1):
            field_rows = _all_field_rows(client)
        elif others:
            try:
                field_rows += _field_rows_of(client, others)
            except _InListRefused:
                field_rows = _all_field_rows(client)
        # Folders are looked at only now: with kinds read side by side (engine.read_live), the two
        # Retrieves above do not wait for the folders.
        folders = {obj.ids["id"]: obj for obj in live.get(FOLDER, {}).values()}
        parents = [folder_id for folder_id, obj in folders.items() if obj.ids.get("parents")]
        if parents:
            own = {str(row.get("CustomerKey") or "").casefold() for row in rows}
            shared_rows, shared_fields = _parents_shared(client, parents, own)
            rows = [*rows, *shared_rows]
            field_rows = [*field_rows, *shared_fields]
        fields_by_de: dict[str, list[Mapping[str, Any]]] = {}
        for row in field_rows:
            de_key = (row.get("DataExtension") or {}).get("CustomerKey")
            if de_key is not None:
                fields_by_de.setdefault(de_key, []).append(row)
        objects: list[Live] = []
        for row in rows:
            key = row.get("CustomerKey")
            if key is None:
                continue
            if is_reserved(key):
                continue  # mcstate's record of what it manages (mcstate.manifest) is not itself managed
            field_rows_of_de = sorted(fields_by_de.get(key, []), key=lambda r: _int(r.get("Ordinal")) or 0)
            category = _int(row.get("CategoryID"))
            folder = folders.get(category) if category is not None else None
            obj = self.live_from_service(row, field_rows_of_de, folder.key if folder is not None else None)
            obj.unmanageable = unmanageable_reason(category, folder)
            if folder is not None and str(folder.attributes.get("content_type") or "").startswith("shared"):
                obj.ids["shared"] = True  # its SQL name has the ENT. prefix
            objects.append(obj)
        return objects

    def live_from_service(
        self, row: Mapping[str, Any], field_rows: list[Mapping[str, Any]], folder: str | None
    ) -> Live:
        sendable = None
        if _bool(row.get("IsSendable")):
            subscriber = str((row.get("SendableSubscriberField") or {}).get("Name") or "")
            sendable = {
                "field": (row.get("SendableDataExtensionField") or {}).get("Name"),
                "subscriber_field": SUBSCRIBER_FIELD_READ_NAMES.get(subscriber, subscriber),
            }
        attributes = {
            "name": row.get("Name"),
            "description": row.get("Description") or "",
            "folder": folder,
            "testable": _bool(row.get("IsTestable")),
            "sendable": sendable,
            "retention": retention_from_service(row),
            "template": (row.get("Template") or {}).get("CustomerKey") or None,
            "fields": [field_from_service(f) for f in field_rows],
        }
        ids = {
            "object_id": row.get("ObjectID"),
            "category_id": _int(row.get("CategoryID")),
            "modified": str(row.get("ModifiedDate") or ""),
            "fields": {f["Name"]: f.get("ObjectID") for f in field_rows},
        }
        return Live(KIND, str(row["CustomerKey"]), attributes, ids)

    def to_definition(
        self, live: Live, live_state: Mapping[str, Mapping[str, Live]]
    ) -> Definition | NotRepresentable | None:
        attributes = live.attributes
        folder = written_folder(attributes.get("folder"), DEFAULT_FOLDER)
        if isinstance(folder, NotRepresentable):
            return folder
        data: dict[str, Any] = {"kind": KIND, "key": live.key, "name": attributes["name"]}
        if attributes.get("description"):
            data["description"] = attributes["description"]
        if folder is not None:
            data["folder"] = folder
        sendable = attributes.get("sendable")
        if sendable:
            if sendable["subscriber_field"] not in ("Subscriber Key", "Email Address"):
                return NotRepresentable(
                    f"it is sendable by the subscriber attribute '{sendable['subscriber_field']}'; "
                    "definitions relate a sendable data extension to Subscriber Key or Email Address"
                )
            data["sendable"] = Flow(field=sendable["field"], subscriber_field=sendable["subscriber_field"])
        if attributes.get("testable"):
            data["testable"] = True
        retention = attributes.get("retention")
        if retention is not None:
            written = _retention_definition(retention)
            if isinstance(written, NotRepresentable):
                return written
            data["retention"] = written
        if attributes.get("template"):
            data["template"] = attributes["template"]
        fields = []
        for field in attributes["fields"]:
            spec = _field_definition(field)
            if isinstance(spec, NotRepresentable):
                return spec
            fields.append(spec)
        data["fields"] = fields
        return Definition(data)

    def diff(self, desired: Desired, live: Live | None) -> Change | None:
        after = desired.attributes
        depends = tuple(ref.address for ref in desired.references)
        if live is None:
            return Change(KIND, desired.key, "create", after=after, depends_on=depends)
        before = live.attributes
        changes: list[AttributeChange] = []
        replace_reasons: list[str] = []
        for name in ("name", "description", "folder", "testable", "sendable"):
            if before.get(name) != after[name]:
                changes.append(AttributeChange(name, before.get(name), after[name]))
        if before.get("retention") != after["retention"]:
            was_row_based = (before.get("retention") or {}).get("policy") == "individual_records"
            is_row_based = (after["retention"] or {}).get("policy") == "individual_records"
            reason = None
            before_policy = (before.get("retention") or {}).get("policy")
            after_policy = (after["retention"] or {}).get("policy")
            if was_row_based != is_row_based:
                reason = (
                    "switching between deleting individual records and deleting all records cannot be done "
                    "in place; the data extension is re-created and all its rows are lost"
                )
                replace_reasons.append(reason)
            elif after_policy in DELETES_EVERY_ROW and after_policy != before_policy:
                reason = (
                    "the new retention policy deletes every row of the data extension"
                    + (
                        " and the data extension itself"
                        if after_policy == "all_records_and_data_extension"
                        else ""
                    )
                    + " when its period or date is reached"
                )
            changes.append(AttributeChange("retention", before.get("retention"), after["retention"], reason))
        if before.get("template") != after.get("template"):
            reason = (
                "the template of a data extension cannot change in place; the data extension is re-created "
                "and all its rows are lost"
            )
            replace_reasons.append(reason)
            changes.append(AttributeChange("template", before.get("template"), after.get("template"), reason))
        field_changes, field_replace = _diff_fields(before["fields"], after["fields"], _renames(desired))
        changes.extend(field_changes)
        replace_reasons.extend(field_replace)
        if not changes:
            return None
        field_reasons = tuple(
            c.destructive_reason
            for c in changes
            if c.destructive_reason and c.destructive_reason not in replace_reasons
        )
        if replace_reasons:
            return Change(
                KIND,
                desired.key,
                "replace",
                tuple(changes),
                before,
                after,
                live.ids,
                depends,
                tuple(dict.fromkeys(replace_reasons)),
            )
        return Change(
            KIND,
            desired.key,
            "update",
            tuple(changes),
            before,
            after,
            live.ids,
            depends,
            field_reasons,
            _warnings(changes),
        )

    def live_references(self, live: Live) -> tuple[str, ...]:
        folder = live.attributes.get("folder")
        return (f"{FOLDER}:{folder}",) if folder else ()

    def steps(self, change: Change, context: ApplyContext) -> list[Step]:
        after = change.after or {}
        if change.action == "delete":
            return [Step("delete", SoapObject(KIND, {"CustomerKey": change.key}), change)]
        if change.action == "create":
            return [
                Step("create", SoapObject(KIND, self._create_properties(change.key, after, context)), change)
            ]
        if change.action == "replace":
            delete = SoapObject(KIND, {"CustomerKey": change.key})
            create = SoapObject(KIND, self._create_properties(change.key, after, context))
            return [Step("delete", delete, change, phase=0), Step("create", create, change, phase=1)]
        if change.action != "update":
            raise ValueError(f"unsupported action {change.action}")
        if any(attribute.path == "key" for attribute in change.attributes):
            # Re-keyed first, on its own: the service refuses field changes in the same Update as a key.
            rekey = SoapObject(KIND, {"ObjectID": change.ids["object_id"], "CustomerKey": change.key})
            rest = [replace(step, phase=step.phase + 1) for step in self._update_steps(change, context)]
            return [Step("update", rekey, change, phase=0), *rest]
        return self._update_steps(change, context)

    def _create_properties(self, key: str, after: Mapping[str, Any], context: ApplyContext) -> dict[str, Any]:
        props: dict[str, Any] = {
            "CustomerKey": key,
            "Name": after["name"],
            "Description": after["description"],
        }
        props.update(_sendable_to_service(after["sendable"], after["testable"]))
        if after.get("template"):
            props["Template"] = {"CustomerKey": after["template"]}
        if after["retention"] is not None:
            props.update(retention_to_service(after["retention"]))
        props["Fields"] = {"Field": [_field_to_service(f, i) for i, f in enumerate(after["fields"])]}
        props["CategoryID"] = context.ids(FOLDER, after["folder"])["id"]
        return props

    def _update_steps(self, change: Change, context: ApplyContext) -> list[Step]:
        before = change.before or {}
        after = change.after or {}
        field_ids = {_fold(name): object_id for name, object_id in change.ids.get("fields", {}).items()}
        live_fields = {_fold(f["name"]): f for f in before.get("fields", [])}
        # A field renamed in place (renamed_from) is planned as a change of its name: new name -> old name.
        sources = {
            _fold(str(c.after)): _fold(str(c.before))
            for c in change.attributes
            if c.path.startswith("fields[") and c.path.endswith("].name") and c.before and c.after
        }
        wanted = {_fold(f["name"]) for f in after["fields"]} | set(sources.values())
        steps: list[Step] = []

        dropped = [name for name in live_fields if name not in wanted]
        readded: list[str] = []
        new_fields: list[dict[str, Any]] = []
        changed_fields: list[dict[str, Any]] = []
        for ordinal, field in enumerate(after["fields"]):
            source = sources.get(_fold(field["name"]), _fold(field["name"]))
            old = live_fields.get(source)
            if old is None:
                new_fields.append(_field_to_service(field, ordinal))
            elif _needs_readd(old, field):
                readded.append(source)
                new_fields.append(_field_to_service(field, ordinal))
            elif any(old.get(attribute) != value for attribute, value in field.items()):
                changed_fields.append(_field_update(old, field, field_ids[source]))

        to_delete = dropped + readded
        if to_delete:
            doomed = {"Field": [{"ObjectID": field_ids[name]} for name in to_delete]}
            steps.append(
                Step("delete", SoapObject(KIND, {"CustomerKey": change.key, "Fields": doomed}), change)
            )

        props: dict[str, Any] = {"CustomerKey": change.key}
        touched = {c.path.split("[")[0] for c in change.attributes}
        if "name" in touched:
            props["Name"] = after["name"]
        if "description" in touched:
            props["Description"] = after["description"]
        if touched & {"sendable", "testable"}:
            props.update(_sendable_to_service(after["sendable"], after["testable"]))
        if "retention" in touched:
            retention = retention_to_service(after["retention"])
            # RowBasedRetention cannot be sent on update; a change of it is planned as a replace.
            retention.pop("RowBasedRetention", None)
            props.update(retention)
        if new_fields or changed_fields:
            props["Fields"] = {"Field": changed_fields + new_fields}
        if "folder" in touched:
            props["CategoryID"] = context.ids(FOLDER, after["folder"])["id"]
        if len(props) > 1:
            steps.append(Step("update", SoapObject(KIND, props), change, phase=1))
        return steps


def _retention_definition(retention: Mapping[str, Any]) -> Flow | NotRepresentable:
    period, until = retention.get("period"), retention.get("until")
    if period and until:
        return NotRepresentable(
            "its retention has both a period and a date; a definition gives one of them (the service refuses "
            "both together)"
        )
    if not period and not until:
        return NotRepresentable(
            f"its retention policy ({retention['policy']}) has neither a period nor a date to delete at"
        )
    written = Flow()
    if period:
        written["period"] = Flow(length=period["length"], unit=period["unit"])
    else:
        written["until"] = until
    written["policy"] = retention["policy"]
    if retention.get("reset_on_import"):
        written["reset_on_import"] = True
    return written


def _field_definition(field: Mapping[str, Any]) -> Flow | NotRepresentable:
    """One field as the examples write it: name and type always, other attributes when not the default
    (a Decimal's precision and scale always: together they are its type)."""
    field_type = field["type"]
    spec = Flow(name=field["name"], type=field_type)
    length = field.get("length") if field_type in LENGTH_TYPES else None
    if length is not None and length != DEFAULT_LENGTH.get(field_type):
        spec["length"] = length
    if field_type == "Decimal":
        spec["precision"] = field["precision"]
        spec["scale"] = field["scale"]
    if field["primary_key"]:
        if not field["required"]:
            return NotRepresentable(
                f"its primary key field '{field['name']}' accepts empty values; in a definition a primary "
                "key field is always required"
            )
        spec["primary_key"] = True
    elif field["required"]:
        spec["required"] = True
    if field.get("default") is not None:
        spec["default"] = written_scalar(str(field["default"]), field_type)
    return spec


def _warnings(changes: list[AttributeChange]) -> tuple[str, ...]:
    """New required fields without a default are accepted only while the data extension holds no rows."""
    return tuple(
        f"new required field '{c.after['name']}' has no default value: the service accepts it only while "
        "the data extension is empty"
        for c in changes
        if c.before is None
        and isinstance(c.after, dict)
        and c.after.get("required")
        and c.after.get("default") is None
        and not c.destructive_reason
    )


def _needs_readd(old: Mapping[str, Any], new: Mapping[str, Any]) -> bool:
    """Whether the service refuses this field change in place, so the field is dropped and added again."""
    return bool(_field_destructive_reasons(old, new))


def _field_destructive_reasons(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[str]:
    name = new["name"]
    lost = f"the column '{name}' is dropped and added again, and its data is lost"
    reasons = []
    if old["type"] != new["type"]:
        reasons.append(f"the type of field '{name}' cannot change ({old['type']} → {new['type']}); {lost}")
    elif "length" in old and "length" in new and new["length"] < old["length"]:
        reasons.append(
            f"the length of field '{name}' cannot decrease ({old['length']} → {new['length']}); {lost}"
        )
    elif old.get("precision") != new.get("precision") or old.get("scale") != new.get("scale"):
        reasons.append(f"the precision and scale of Decimal field '{name}' cannot change in place; {lost}")
    if not old["required"] and new["required"] and not new["primary_key"]:
        reasons.append(f"nullable field '{name}' cannot become required in place; {lost}")
    return reasons


def _field_update(old: Mapping[str, Any], new: Mapping[str, Any], object_id: str) -> dict[str, Any]:
    # An existing field is addressed by ObjectID, and FieldType must not be sent for it at all.
    props: dict[str, Any] = {"ObjectID": object_id, "Name": new["name"]}
    if new.get("default") != old.get("default"):
        props["DefaultValue"] = new.get("default") or ""
    if "length" in new and new.get("length") != old.get("length"):
        props["MaxLength"] = new["length"]
    if new["required"] != old["required"]:
        props["IsRequired"] = new["required"]
    return props


def _renames(desired: Desired) -> dict[str, str]:
    """The fields the definition renames in place: folded new name -> the old name (renamed_from)."""
    raw_fields = desired.document.data.get("fields", []) if desired.document is not None else []
    return {
        _fold(str(raw["name"])): str(raw["renamed_from"])
        for raw in raw_fields
        if isinstance(raw, Mapping) and isinstance(raw.get("renamed_from"), str) and raw.get("name")
    }


def _diff_fields(
    before: list[dict[str, Any]], after: list[dict[str, Any]], renames: Mapping[str, str] | None = None
) -> tuple[list[AttributeChange], list[str]]:
    """Field by field, by name without case; a field whose new name the account lacks and whose
    renamed_from it has is that field renamed (its column and rows kept), not a drop and an add."""
    changes: list[AttributeChange] = []
    replace_reasons: list[str] = []
    live = {_fold(f["name"]): f for f in before}
    wanted = {_fold(f["name"]): f for f in after}
    renamed: set[str] = set()
    for field in after:
        old = live.get(_fold(field["name"]))
        source = (renames or {}).get(_fold(field["name"]))
        if old is None and source is not None and _fold(source) in live and _fold(source) not in wanted:
            old = live[_fold(source)]
            renamed.add(_fold(source))
        path = f"fields[{field['name']}]"
        if old is None:
            reason = None
            if field["primary_key"] and before:
                reason = (
                    f"adding primary key field '{field['name']}' changes the primary key, which cannot be "
                    "done in place; the data extension is re-created and all its rows are lost"
                )
                replace_reasons.append(reason)
            changes.append(AttributeChange(path, None, field, reason))
            continue
        if old["primary_key"] != field["primary_key"]:
            reason = (
                f"changing whether '{field['name']}' is part of the primary key cannot be done in place; "
                "the data extension is re-created and all its rows are lost"
            )
            replace_reasons.append(reason)
            changes.append(
                AttributeChange(f"{path}.primary_key", old["primary_key"], field["primary_key"], reason)
            )
        field_reasons = _field_destructive_reasons(old, field)
        for attribute in ("name", "type", "length", "precision", "scale", "required", "default"):
            if attribute not in field and attribute not in old:
                continue
            if attribute == "length" and "length" not in field:
                continue  # the definition leaves this length to the service
            if old.get(attribute) != field.get(attribute):
                reason = next((r for r in field_reasons if _reason_is_about(r, attribute)), None)
                changes.append(
                    AttributeChange(f"{path}.{attribute}", old.get(attribute), field.get(attribute), reason)
                )
    for name, old in live.items():
        if name not in wanted and name not in renamed:
            reason = (
                f"field '{old['name']}' exists in the account but not in the definition; "
                "deleting it drops the column and its data"
            )
            if old["primary_key"]:
                replace_reasons.append(reason)
            changes.append(AttributeChange(f"fields[{old['name']}]", old, None, reason))
    return changes, replace_reasons


def _reason_is_about(reason: str, attribute: str) -> bool:
    words = {
        "type": "the type of",
        "length": "the length of",
        "precision": "precision and scale",
        "scale": "precision and scale",
        "required": "cannot become required",
    }
    return attribute in words and words[attribute] in reason
