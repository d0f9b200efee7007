"""Import definitions (ImportDefinition): load a file from a file location into a data extension.

Desired and live objects are normalized to the same shape:

    name, description, destination (data extension key), file_location, file_spec, file_type,
    delimiter, header_lines, encoding, date_locale, field_mapping, field_map [{source, destination}],
    update_type, control_column {column, default_action, actions [{value, action}]} | None,
    allow_errors, notification {email, when} | None

The service's rules that depend on the destination data extension are checked before any call, with the
service's own error code (43060 Validation Error) in the message: mapped destination fields exist, a manual
map maps every required field, and `overwrite` needs a data extension without a primary key.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, ClassVar

from mcstate.definitions.document import DocPath, Document
from mcstate.definitions.writer import Flow
from mcstate.errors import Problem
from mcstate.plan import AttributeChange, Change
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
    Retriever,
    SoapObject,
    Step,
)
from mcstate.resources.common import declared_object, definition_or_account
from mcstate.resources.definition_values import written_scalar

KIND = "ImportDefinition"
DATA_EXTENSION = "DataExtension"
FILE_LOCATION = "FileLocation"

DEFAULT_FILE_LOCATION = "ExactTarget Enhanced FTP"
DEFAULT_HEADER_LINES = 1
DEFAULT_ENCODING = "utf-8"
DEFAULT_DATE_LOCALE = "en-US"

FILE_TYPES = {"csv": "CSV", "tab": "TAB", "other": "Other"}
# The delimiter a CSV or TAB file implies; "other" names its own.
IMPLIED_DELIMITERS = {"csv": ",", "tab": "\t"}

FIELD_MAPPINGS = {
    "infer_from_column_headings": "InferFromColumnHeadings",
    "map_by_ordinal": "MapByOrdinal",
    "manual": "ManualMap",
}
# The names of the Import Activity wizard ("Add and Update", "Add Only", ...), in snake_case.
UPDATE_TYPES = {
    "add_and_update": "AddAndUpdate",
    "add_only": "AddAndDoNotUpdate",
    "update_only": "UpdateButDoNotAdd",
    "overwrite": "Overwrite",
    "column_based": "ColumnBased",
}
# A control column's actions are a different enumeration from the update types (AddButDoNotUpdate).
COLUMN_ACTIONS = {
    "add_and_update": "AddAndUpdate",
    "add_only": "AddButDoNotUpdate",
    "update_only": "UpdateButDoNotAdd",
    "delete": "Delete",
    "skip": "Skip",
}
# Character encodings by name, as the EncodingCodePage the service stores (Windows code page numbers).
ENCODINGS = {
    "utf-8": 65001,
    "utf-16": 1200,
    "iso-8859-1": 28591,
    "windows-1252": 1252,
    "us-ascii": 20127,
}
NOTIFY_WHEN = {"always": "Always", "on_error": "OnError"}

VALIDATION_ERROR = "43060 Validation Error"

# Set by check() when the destination is declared, so check_live leaves it alone; not an attribute of the
# import (the plan and diff use ATTRIBUTES only).

# The properties the emulator answers for ImportDefinition; FieldMaps and ControlColumnActions come back
# as whole collections.
PROPERTIES = [
    "ObjectID",
    "CustomerKey",
    "Name",
    "Description",
    "AllowErrors",
    "DestinationObject.ObjectID",
    "FieldMappingType",
    "FieldMaps",
    "FileSpec",
    "FileType",
    "Notification.ResponseType",
    "Notification.ResponseAddress",
    "Notification.RespondWhen",
    "RetrieveFileTransferLocation.CustomerKey",
    "UpdateType",
    "Delimiter",
    "HeaderLines",
    "ControlColumn",
    "ControlColumnDefaultAction",
    "ControlColumnActions",
    "DateFormattingLocale.LocaleCode",
    "EncodingCodePage",
]

# Attributes compared with the account, in the order the plan shows them.
ATTRIBUTES = (
    "name",
    "description",
    "destination",
    "file_location",
    "file_spec",
    "file_type",
    "delimiter",
    "header_lines",
    "encoding",
    "date_locale",
    "field_mapping",
    "field_map",
    "update_type",
    "control_column",
    "allow_errors",
    "notification",
)


def _reverse(mapping: Mapping[str, Any]) -> dict[Any, str]:
    return {value: name for name, value in mapping.items()}


def _fold(name: str) -> str:
    return name.casefold()


def _bool(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() == "true"
    return bool(value)


def _int(value: Any) -> int | None:
    if value in (None, ""):
        return None
    return int(value)


def _control_column(spec: Mapping[str, Any] | None) -> dict[str, Any] | None:
    if not spec:
        return None
    return {
        "column": spec["column"],
        "default_action": spec.get("default_action", "skip"),
        "actions": [{"value": str(a["value"]), "action": a["action"]} for a in spec.get("actions", [])],
    }


def _notification(spec: Mapping[str, Any] | None) -> dict[str, Any] | None:
    if not spec:
        return None
    return {"email": spec["email"], "when": spec.get("when", "always")}


def validation_problems(
    attributes: Mapping[str, Any], fields: Sequence[Mapping[str, Any]]
) -> list[tuple[DocPath, str]]:
    """What the service refuses about an import into a data extension with these fields (43060)."""
    problems: list[tuple[DocPath, str]] = []
    destination = attributes["destination"]
    by_name = {_fold(field["name"]): field for field in fields}
    if attributes["update_type"] == "overwrite":
        keys = [field["name"] for field in fields if field.get("primary_key")]
        if keys:
            problems.append(
                (
                    ("update_type",),
                    f"{VALIDATION_ERROR}: update type 'overwrite' needs a destination data extension "
                    f"without a primary key; '{destination}' has the primary key {', '.join(keys)}",
                )
            )
    if attributes["field_mapping"] != "manual":
        return problems
    mapped: dict[str, int] = {}
    for index, pair in enumerate(attributes["field_map"]):
        target = pair["destination"]
        if _fold(target) not in by_name:
            problems.append(
                (
                    ("field_map", index, "destination"),
                    f"{VALIDATION_ERROR}: '{target}' is not a field of data extension '{destination}'",
                )
            )
        elif _fold(target) in mapped:
            problems.append(
                (
                    ("field_map", index, "destination"),
                    f"{VALIDATION_ERROR}: field '{target}' is already mapped at "
                    f"field_map[{mapped[_fold(target)]}]",
                )
            )
        mapped.setdefault(_fold(target), index)
    unmapped = [
        field["name"]
        for field in fields
        if field.get("required") and field.get("default") is None and _fold(field["name"]) not in mapped
    ]
    if unmapped:
        problems.append(
            (
                ("field_map",),
                f"{VALIDATION_ERROR}: a manual mapping must map every column the data extension requires; "
                f"required field(s) of '{destination}' without a default value are not mapped: "
                f"{', '.join(unmapped)}",
            )
        )
    return problems


def _field_map_to_service(field_map: Sequence[Mapping[str, str]]) -> dict[str, Any]:
    return {"FieldMap": [{"SourceName": p["source"], "DestinationName": p["destination"]} for p in field_map]}


def _control_to_service(control: Mapping[str, Any] | None) -> dict[str, Any]:
    if control is None:
        return {"ControlColumn": "", "ControlColumnActions": {"ControlColumnAction": []}}
    return {
        "ControlColumn": control["column"],
        "ControlColumnDefaultAction": COLUMN_ACTIONS[control["default_action"]],
        "ControlColumnActions": {
            "ControlColumnAction": [
                {"Value": a["value"], "Action": COLUMN_ACTIONS[a["action"]]} for a in control["actions"]
            ]
        },
    }


def _notification_to_service(notification: Mapping[str, Any] | None) -> dict[str, Any]:
    if notification is None:
        # Sending no Notification would keep the current one; ResponseType None removes it.
        return {"ResponseType": "None", "ResponseAddress": ""}
    return {
        "ResponseType": "email",
        "ResponseAddress": notification["email"],
        "RespondWhen": NOTIFY_WHEN[notification["when"]],
    }


def _service_properties(attribute: str, after: Mapping[str, Any]) -> dict[str, Any]:
    """The SOAP properties that carry one attribute."""
    value = after[attribute]
    if attribute == "name":
        return {"Name": value}
    if attribute == "description":
        return {"Description": value}
    if attribute == "destination":
        return {"DestinationObject": SoapObject(DATA_EXTENSION, {"CustomerKey": value})}
    if attribute == "file_location":
        return {"RetrieveFileTransferLocation": {"CustomerKey": value}}
    if attribute == "file_spec":
        return {"FileSpec": value}
    if attribute in ("file_type", "delimiter"):
        return {"FileType": FILE_TYPES[after["file_type"]], "Delimiter": after["delimiter"]}
    if attribute == "header_lines":
        return {"HeaderLines": value}
    if attribute == "encoding":
        return {"EncodingCodePage": ENCODINGS[value]}
    if attribute == "date_locale":
        return {"DateFormattingLocale": {"LocaleCode": value}}
    if attribute == "field_mapping":
        return {"FieldMappingType": FIELD_MAPPINGS[value]}
    if attribute == "field_map":
        return {"FieldMaps": _field_map_to_service(value)}
    if attribute == "update_type":
        return {"UpdateType": UPDATE_TYPES[value]}
    if attribute == "control_column":
        return _control_to_service(value)
    if attribute == "allow_errors":
        return {"AllowErrors": value}
    if attribute == "notification":
        return {"Notification": _notification_to_service(value)}
    raise KeyError(attribute)


def _field_map_from_service(value: Any) -> list[dict[str, Any]]:
    """The pairs as the definitions spell them. A column named by its position (SourceOrdinal) keeps
    `position: True`: definitions name columns by heading, so it never equals a definition's pair (mcstate
    would write the number as a heading)."""
    pairs = (value or {}).get("FieldMap") or []
    result: list[dict[str, Any]] = []
    for pair in pairs:
        destination = str(pair.get("DestinationName") or "")
        source = pair.get("SourceName")
        if source is None and pair.get("SourceOrdinal") is not None:
            position = str(pair["SourceOrdinal"])
            result.append({"source": position, "destination": destination, "position": True})
        else:
            result.append({"source": str(source or ""), "destination": destination})
    return result


def _control_from_service(row: Mapping[str, Any]) -> dict[str, Any] | None:
    column = row.get("ControlColumn")
    if not column:
        return None
    actions = _reverse(COLUMN_ACTIONS)
    return {
        "column": column,
        "default_action": actions.get(row.get("ControlColumnDefaultAction"), "skip"),
        "actions": [
            {"value": str(a.get("Value") or ""), "action": actions.get(a.get("Action"), str(a.get("Action")))}
            for a in (row.get("ControlColumnActions") or {}).get("ControlColumnAction") or []
        ],
    }


def _notification_from_service(value: Mapping[str, Any] | None) -> dict[str, Any] | None:
    if not value or str(value.get("ResponseType") or "").casefold() != "email":
        return None
    when = _reverse(NOTIFY_WHEN).get(value.get("RespondWhen"), str(value.get("RespondWhen") or "always"))
    return {"email": value.get("ResponseAddress") or "", "when": when}


def _encoding_from_service(value: Any) -> str | None:
    code_page = _int(value)
    if code_page is None:
        return None
    return _reverse(ENCODINGS).get(code_page, f"code page {code_page}")


class ImportDefinitionType(KindDefaults):
    kind: ClassVar[str] = KIND
    label: ClassVar[str] = "import"
    directory: ClassVar[str | None] = "imports"
    step_name: ClassVar[str | None] = "import"
    activity_object_type: ClassVar[str | None] = "ImportDefinition"
    in_flow: ClassVar[bool] = True
    schema: ClassVar[str | None] = "import_definition.schema.json"

    def from_document(self, document: Document) -> Desired:
        data = document.data
        file_type = data.get("file_type", "csv")
        field_mapping = data.get("field_mapping", "infer_from_column_headings")
        attributes = {
            "name": data["name"],
            "description": data.get("description") or "",
            "destination": data["destination"],
            "file_location": data.get("file_location", DEFAULT_FILE_LOCATION),
            "file_spec": data["file_spec"],
            "file_type": file_type,
            "delimiter": data.get("delimiter", IMPLIED_DELIMITERS.get(file_type, "")),
            "header_lines": int(data.get("header_lines", DEFAULT_HEADER_LINES)),
            "encoding": data.get("encoding", DEFAULT_ENCODING),
            "date_locale": data.get("date_locale", DEFAULT_DATE_LOCALE),
            "field_mapping": field_mapping,
            "field_map": [
                {"source": str(pair["source"]), "destination": pair["destination"]}
                for pair in data.get("field_map", [])
            ],
            "update_type": data.get("update_type", "add_and_update"),
            "control_column": _control_column(data.get("control_column")),
            "allow_errors": bool(data.get("allow_errors", False)),
            "notification": _notification(data.get("notification")),
        }
        references = [Ref(DATA_EXTENSION, str(data["destination"]), ("destination",), by_id=True)]
        if attributes["file_location"] != DEFAULT_FILE_LOCATION:
            # Another location is named by its key: it must exist (declared or in the account) first.
            references.append(Ref(FILE_LOCATION, str(attributes["file_location"]), ("file_location",)))
        return Desired(KIND, str(data["key"]), attributes, document, tuple(references))

    def check(self, desired: Desired, declared: Mapping[str, Desired]) -> list[Problem]:
        destination = declared_object(DATA_EXTENSION, desired.attributes["destination"], declared)
        if desired.document is None or destination is None:
            return []  # a destination only in the account is checked by check_live
        return self._problems(desired, destination.attributes["fields"])

    def check_live(
        self, desired: Desired, declared: Mapping[str, Desired], live: Mapping[str, Mapping[str, Live]]
    ) -> LiveCheck:
        key = desired.attributes["destination"]
        destination = definition_or_account(DATA_EXTENSION, key, declared, live)
        if desired.document is None or destination is None or declared_object(DATA_EXTENSION, key, declared):
            return LiveCheck()  # unknown references are the planner's; declared ones were checked by check()
        return LiveCheck(tuple(self._problems(desired, destination.get("fields") or [])))

    @staticmethod
    def _problems(desired: Desired, fields: Sequence[Mapping[str, Any]]) -> list[Problem]:
        assert desired.document is not None
        problems = validation_problems(desired.attributes, fields)
        return [desired.document.problem(path, message) for path, message in problems]

    def read(self, client: Retriever, live: Mapping[str, Mapping[str, Live]]) -> list[Live]:
        rows = client.retrieve(KIND, PROPERTIES)  # before looking at `live`: see engine.read_live
        de_keys = {
            str(de.ids.get("object_id") or "").casefold(): de.key
            for de in live.get(DATA_EXTENSION, {}).values()
        }
        objects = []
        for row in rows:
            key = row.get("CustomerKey")
            if not key:
                continue
            destination_id = str((row.get("DestinationObject") or {}).get("ObjectID") or "")
            objects.append(self.live_from_service(row, de_keys.get(destination_id.casefold())))
        return objects

    def live_from_service(self, row: Mapping[str, Any], destination: str | None) -> Live:
        file_type = _reverse(FILE_TYPES).get(row.get("FileType"), str(row.get("FileType") or "csv"))
        attributes = {
            "name": row.get("Name"),
            "description": row.get("Description") or "",
            "destination": destination,
            "file_location": (row.get("RetrieveFileTransferLocation") or {}).get("CustomerKey"),
            "file_spec": row.get("FileSpec") or "",
            "file_type": file_type,
            "delimiter": row.get("Delimiter") if row.get("Delimiter") is not None else "",
            "header_lines": _int(row.get("HeaderLines")) or 0,
            "encoding": _encoding_from_service(row.get("EncodingCodePage")),
            "date_locale": (row.get("DateFormattingLocale") or {}).get("LocaleCode"),
            "field_mapping": _reverse(FIELD_MAPPINGS).get(
                row.get("FieldMappingType"), row.get("FieldMappingType")
            ),
            "field_map": _field_map_from_service(row.get("FieldMaps")),
            "update_type": _reverse(UPDATE_TYPES).get(row.get("UpdateType"), row.get("UpdateType")),
            "control_column": _control_from_service(row),
            "allow_errors": _bool(row.get("AllowErrors")),
            "notification": _notification_from_service(row.get("Notification")),
        }
        return Live(KIND, str(row["CustomerKey"]), attributes, {"object_id": row.get("ObjectID")})

    def to_definition(
        self, live: Live, live_state: Mapping[str, Mapping[str, Live]]
    ) -> Definition | NotRepresentable | None:
        attributes = live.attributes
        if not attributes.get("destination"):
            return NotRepresentable(
                "its destination is not a data extension of this account mcstate reads (a shared or system "
                "data extension, a list, or one deleted since)"
            )
        for name, known in (
            ("file_type", FILE_TYPES),
            ("encoding", ENCODINGS),
            ("field_mapping", FIELD_MAPPINGS),
            ("update_type", UPDATE_TYPES),
        ):
            label = name.replace("_", " ")
            if attributes.get(name) is None:
                return NotRepresentable(f"it has no {label}")
            if attributes.get(name) not in known:
                return NotRepresentable(f"its {label} '{attributes.get(name)}' is not one mcstate writes")
        data: dict[str, Any] = {"kind": KIND, "key": live.key, "name": attributes["name"]}
        if attributes.get("description"):
            data["description"] = attributes["description"]
        data["destination"] = attributes["destination"]
        if attributes.get("file_location") != DEFAULT_FILE_LOCATION:
            data["file_location"] = attributes.get("file_location")
        data["file_spec"] = attributes.get("file_spec")
        file_type = attributes["file_type"]
        if file_type != "csv":
            data["file_type"] = file_type
        delimiter = attributes.get("delimiter")
        if file_type == "other":
            data["delimiter"] = delimiter
        elif delimiter != IMPLIED_DELIMITERS[file_type]:
            return NotRepresentable(
                f"it reads a {file_type} file with the delimiter {delimiter!r}; a definition gives a "
                "delimiter only with file_type 'other'"
            )
        for name, default in (
            ("header_lines", DEFAULT_HEADER_LINES),
            ("encoding", DEFAULT_ENCODING),
            ("date_locale", DEFAULT_DATE_LOCALE),
            ("field_mapping", "infer_from_column_headings"),
        ):
            if attributes.get(name) != default:
                data[name] = attributes.get(name)
        field_map = attributes.get("field_map") or []
        unnamed = [pair["destination"] for pair in field_map if not pair["source"]]
        if unnamed:
            return NotRepresentable(
                f"its field map fills '{unnamed[0]}' from a column given neither by name nor by position"
            )
        by_position = [pair for pair in field_map if pair.get("position")]
        if by_position:
            return NotRepresentable(
                f"its field map fills '{by_position[0]['destination']}' from the column at position "
                f"{by_position[0]['source']} (SourceOrdinal); definitions name the file's columns by heading"
            )
        if attributes["field_mapping"] == "manual":
            data["field_map"] = [
                Flow(source=pair["source"], destination=pair["destination"]) for pair in field_map
            ]
        elif field_map:
            return NotRepresentable(
                f"it maps fields by hand although its field mapping is {attributes['field_mapping']}; a "
                "definition gives field_map only with field_mapping 'manual'"
            )
        if attributes["update_type"] != "add_and_update":
            data["update_type"] = attributes["update_type"]
        control = attributes.get("control_column")
        if (control is not None) != (attributes["update_type"] == "column_based"):
            return NotRepresentable(
                "its control column and its update type disagree; a definition gives control_column exactly "
                "with update_type 'column_based'"
            )
        if control is not None:
            actions = set(COLUMN_ACTIONS)
            if control["default_action"] not in actions or any(
                a["action"] not in actions for a in control["actions"]
            ):
                return NotRepresentable("its control column uses an action mcstate does not write")
            written: dict[str, Any] = {"column": control["column"]}
            if control["default_action"] != "skip":
                written["default_action"] = control["default_action"]
            if control["actions"]:
                written["actions"] = [
                    Flow(value=written_scalar(a["value"], "Number"), action=a["action"])
                    for a in control["actions"]
                ]
            data["control_column"] = written
        if attributes.get("allow_errors"):
            data["allow_errors"] = True
        notification = attributes.get("notification")
        if notification is not None:
            if notification["when"] not in NOTIFY_WHEN:
                return NotRepresentable(f"it notifies '{notification['when']}', which mcstate does not write")
            written_notification = Flow(email=notification["email"])
            if notification["when"] != "always":
                written_notification["when"] = notification["when"]
            data["notification"] = written_notification
        return Definition(data)

    def diff(self, desired: Desired, live: Live | None) -> Change | None:
        after = {name: desired.attributes[name] for name in ATTRIBUTES}
        depends = tuple(ref.address for ref in desired.references)
        if live is None:
            return Change(KIND, desired.key, "create", after=after, depends_on=depends)
        before = live.attributes
        changes = tuple(
            AttributeChange(name, before.get(name), after[name])
            for name in ATTRIBUTES
            if before.get(name) != after[name]
        )
        if not changes:
            return None
        return Change(KIND, desired.key, "update", changes, before, after, live.ids, depends)

    def feeds(self, lookup: str, attributes: Mapping[str, Any], index: FlowIndex) -> Iterable[FeedEdge]:
        if attributes.get("file_location"):
            yield index.ref(FILE_LOCATION, attributes["file_location"]), lookup, "file"
        if attributes.get("destination"):
            yield lookup, index.ref(DATA_EXTENSION, attributes["destination"]), "loads"

    def live_references(self, live: Live) -> tuple[str, ...]:
        destination = live.attributes.get("destination")
        return (f"{DATA_EXTENSION}:{destination}",) if destination else ()

    def steps(self, change: Change, context: ApplyContext) -> list[Step]:
        after = change.after or {}
        if change.action == "delete":
            # By CustomerKey or ObjectID; both go along, as on update.
            identity = {"CustomerKey": change.key}
            if change.ids.get("object_id"):
                identity["ObjectID"] = change.ids["object_id"]
            return [Step("delete", SoapObject(KIND, identity), change)]
        if change.action == "create":
            props: dict[str, Any] = {"CustomerKey": change.key}
            for attribute in ATTRIBUTES:
                if attribute == "control_column" and after["control_column"] is None:
                    continue
                if attribute == "notification" and after["notification"] is None:
                    continue
                props.update(_service_properties(attribute, after))
            return [Step("create", SoapObject(KIND, props), change)]
        if change.action != "update":
            raise ValueError(f"import definitions are not {change.action}d by mcstate")
        props = {"CustomerKey": change.key}
        if change.ids.get("object_id"):
            props["ObjectID"] = change.ids["object_id"]
        for attribute in change.attributes:
            props.update(_service_properties(attribute.path, after))
        return [Step("update", SoapObject(KIND, props), change)]
