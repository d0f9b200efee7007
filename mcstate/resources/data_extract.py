"""Data extracts (Automation Studio "Data Extract" activities of the type Data Extension Extract).

The SOAP API can run an extract but cannot save or read its definition, so this kind lives on REST:
automation/v1/dataextracts (list, create), automation/v1/dataextracts/<id> (read, change). A definition is
`{name, key, description, dataExtractTypeId, fileSpec, dataFields: [{name, type, value}]}`; for a data
extension extract the data fields are DECustomerKey, HasColumnHeaders, ColumnDelimiter, TextQualified and
UsesLineFeed, with booleans written as the text "True"/"False".

Desired and live objects share one shape, so comparing them is plain equality:

    name, description, data_extension, file_spec, column_headers, delimiter, text_qualified, uses_line_feed

Reading is one list call, which names every extract but leaves out its data fields; those take one call per
extract, so they are read only for extracts whose key a definition declares (`read_for`). An extract no
definition declares is known by name, key and file spec only.

The extract type's ID (the same GUID as SOAP's ExtractDescription ObjectID) comes from
automation/v1/dataextracttypes, read as the DataExtractType kind: every data extract refers to the type
"Data Extension Extract", so the planner checks that the account offers it, and steps find its ID among
the identifiers of referenced objects.
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
    address,
)
from mcstate.resources.common import attribute_changes
from mcstate.resources.file_location import is_referenced

KIND = "DataExtract"
TYPE_KIND = "DataExtractType"
DATA_EXTENSION = "DataExtension"
# Automations run extracts by key: an automation in the definitions needs the list to resolve them.
AUTOMATION = "Automation"

DATA_EXTENSION_EXTRACT = "Data Extension Extract"
EXTRACTS_PATH = "automation/v1/dataextracts"
EXTRACT_TYPES_PATH = "automation/v1/dataextracttypes"

DEFAULT_DELIMITER = ","
DEFAULT_COLUMN_HEADERS = True

# Data field of the service → attribute, and whether the value is a boolean.
DATA_FIELDS: dict[str, tuple[str, bool]] = {
    "ColumnDelimiter": ("delimiter", False),
    "DECustomerKey": ("data_extension", False),
    "HasColumnHeaders": ("column_headers", True),
    "TextQualified": ("text_qualified", True),
    "UsesLineFeed": ("uses_line_feed", True),
}
COMPARED = (
    "name",
    "description",
    "data_extension",
    "file_spec",
    "column_headers",
    "delimiter",
    "text_qualified",
    "uses_line_feed",
)


def _service_bool(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() == "true"
    return bool(value)


def data_fields(attributes: Mapping[str, Any]) -> list[dict[str, str]]:
    """The data fields of a data extension extract, as the service spells them."""
    fields = []
    for name, (attribute, is_bool) in DATA_FIELDS.items():
        value = attributes[attribute]
        if is_bool:
            fields.append({"name": name, "type": "bool", "value": "True" if value else "False"})
        else:
            fields.append({"name": name, "type": "string", "value": str(value)})
    return fields


def attributes_from_service(definition: Mapping[str, Any]) -> dict[str, Any]:
    """A data extension extract as read by ID, normalized like a desired one."""
    values = {str(f.get("name")): f.get("value") for f in definition.get("dataFields") or []}
    attributes: dict[str, Any] = {
        "name": definition.get("name"),
        "description": definition.get("description") or "",
        "file_spec": definition.get("fileSpec") or "",
    }
    for name, (attribute, is_bool) in DATA_FIELDS.items():
        value = values.get(name)
        attributes[attribute] = _service_bool(value) if is_bool else (None if value is None else str(value))
    return {name: attributes[name] for name in COMPARED}


class DataExtractTypeType(KindDefaults):
    """The kinds of extract the account can run (automation/v1/dataextracttypes), keyed by name."""

    kind: ClassVar[str] = TYPE_KIND
    case_insensitive_keys: ClassVar[bool] = True
    label: ClassVar[str] = "data extract type"

    def from_document(self, document: Document) -> Desired:
        raise NotImplementedError("extract types are provided by the service, not declared")

    def read(self, client: Retriever, live: Mapping[str, Mapping[str, Live]]) -> list[Live]:
        answer = client.rest_get(EXTRACT_TYPES_PATH)
        items = answer.get("items", []) if isinstance(answer, dict) else answer
        return [
            Live(TYPE_KIND, str(item["name"]), {}, {"id": str(item["extractId"])})
            for item in items or []
            if item.get("name") and item.get("extractId")
        ]

    def read_for(
        self, client: Retriever, live: Mapping[str, Mapping[str, Live]], desired: Sequence[Desired]
    ) -> list[Live]:
        return self.read(client, live) if is_referenced(TYPE_KIND, desired) else []

    def diff(self, desired: Desired, live: Live | None) -> Change | None:
        return None

    def steps(self, change: Change, context: ApplyContext) -> list[Step]:
        raise ValueError("extract types are not written by mcstate")

    def to_definition(
        self, live: Live, live_state: Mapping[str, Mapping[str, Live]]
    ) -> Definition | NotRepresentable | None:
        return None  # provided by the service, never declared


class DataExtractType(KindDefaults):
    kind: ClassVar[str] = KIND
    schema: ClassVar[str | None] = "data_extract.schema.json"
    label: ClassVar[str] = "data extract"
    directory: ClassVar[str | None] = "extracts"
    step_name: ClassVar[str | None] = "extract"
    activity_object_type: ClassVar[str | None] = "DataExtractActivity"
    in_flow: ClassVar[bool] = True

    def from_document(self, document: Document) -> Desired:
        data = document.data
        attributes = {
            "name": data["name"],
            "description": data.get("description") or "",
            "data_extension": str(data["data_extension"]),
            "file_spec": str(data["file_spec"]),
            "column_headers": bool(data.get("column_headers", DEFAULT_COLUMN_HEADERS)),
            "delimiter": str(data.get("delimiter", DEFAULT_DELIMITER)),
            "text_qualified": bool(data.get("text_qualified", False)),
            "uses_line_feed": bool(data.get("uses_line_feed", False)),
        }
        references = (
            Ref(DATA_EXTENSION, attributes["data_extension"], ("data_extension",)),
            Ref(TYPE_KIND, DATA_EXTENSION_EXTRACT, ("kind",)),
        )
        return Desired(KIND, str(data["key"]), attributes, document, references)

    def check_live(
        self, desired: Desired, declared: Mapping[str, Desired], live: Mapping[str, Mapping[str, Live]]
    ) -> LiveCheck:
        current = live.get(KIND, {}).get(address(KIND, desired.key))
        if current is None or desired.document is None:
            return LiveCheck()
        extract_type = current.attributes.get("extract_type")
        if extract_type is None or extract_type.casefold() == DATA_EXTENSION_EXTRACT.casefold():
            return LiveCheck()
        problem = desired.document.problem(
            ("key",),
            f"the key '{desired.key}' is already used in the account by a data extract of the type "
            f"'{extract_type}'; a data extension extract needs another key",
        )
        return LiveCheck((problem,))

    def read(self, client: Retriever, live: Mapping[str, Mapping[str, Live]]) -> list[Live]:
        return self._read(client, live, None)

    def read_for(
        self, client: Retriever, live: Mapping[str, Mapping[str, Live]], desired: Sequence[Desired]
    ) -> list[Live]:
        if not is_referenced(KIND, desired) and not any(obj.kind == AUTOMATION for obj in desired):
            return []
        declared = {obj.key.casefold() for obj in desired if obj.kind == KIND}
        return self._read(client, live, declared)

    def _read(
        self, client: Retriever, live: Mapping[str, Mapping[str, Live]], declared: set[str] | None
    ) -> list[Live]:
        """Every extract from the list; details only for `declared` keys (all when None)."""
        type_names = {obj.ids["id"].casefold(): obj.key for obj in live.get(TYPE_KIND, {}).values()}
        type_ids = {key.casefold(): type_id for type_id, key in type_names.items()}
        extract_type_id = type_ids.get(DATA_EXTENSION_EXTRACT.casefold())
        objects: list[Live] = []
        for item in client.rest_items(EXTRACTS_PATH):
            key = item.get("key")
            object_id = item.get("dataExtractDefinitionId")
            if not key or not object_id:
                continue
            type_id = str(item.get("dataExtractTypeId") or "")
            ids = {"object_id": str(object_id), "type_id": type_id}
            is_de_extract = type_id.casefold() == extract_type_id if extract_type_id else True
            if is_de_extract and (declared is None or str(key).casefold() in declared):
                detail = client.rest_get(f"{EXTRACTS_PATH}/{object_id}")
                attributes = attributes_from_service(detail)
            else:
                attributes = {
                    "name": item.get("name"),
                    "description": item.get("description") or "",
                    "file_spec": item.get("fileSpec") or "",
                }
            # Named when the account's types were read; None when they were not (nothing to compare with).
            attributes["extract_type"] = type_names.get(type_id.casefold(), type_id) if type_names else None
            objects.append(Live(KIND, str(key), attributes, ids))
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
        extract_type = attributes.get("extract_type")
        if extract_type is not None and extract_type.casefold() != DATA_EXTENSION_EXTRACT.casefold():
            return NotRepresentable(
                f"it is a data extract of the type '{extract_type}'; mcstate manages data extension extracts"
            )
        if "data_extension" not in attributes:
            return NotRepresentable("its details were not read (only the list of extracts was)")
        if not attributes.get("data_extension"):
            return NotRepresentable("it names no data extension to extract")
        data: dict[str, Any] = {"kind": KIND, "key": live.key, "name": attributes["name"]}
        if attributes.get("description"):
            data["description"] = attributes["description"]
        data["data_extension"] = attributes["data_extension"]
        data["file_spec"] = attributes.get("file_spec")
        if attributes.get("column_headers") != DEFAULT_COLUMN_HEADERS:
            data["column_headers"] = attributes.get("column_headers")
        if attributes.get("delimiter") != DEFAULT_DELIMITER:
            data["delimiter"] = attributes.get("delimiter")
        for name in ("text_qualified", "uses_line_feed"):
            if attributes.get(name):
                data[name] = True
        return Definition(data)

    def feeds(self, lookup: str, attributes: Mapping[str, Any], index: FlowIndex) -> Iterable[FeedEdge]:
        if attributes.get("data_extension"):
            yield index.ref(DATA_EXTENSION, attributes["data_extension"]), lookup, "extracted"
        for transfer in index.transfers_of(str(attributes.get("file_spec") or "")):
            yield lookup, transfer, "file"

    def live_references(self, live: Live) -> tuple[str, ...]:
        data_extension = live.attributes.get("data_extension")
        return (f"{DATA_EXTENSION}:{data_extension}",) if data_extension else ()

    def steps(self, change: Change, context: ApplyContext) -> list[Step]:
        if change.action == "delete":
            path = f"{EXTRACTS_PATH}/{change.ids['object_id']}"
            return [Step("delete", RestRequest("DELETE", path), change)]
        after = change.after or {}
        body = {
            "name": after["name"],
            "key": change.key,
            "description": after["description"],
            "dataExtractTypeId": context.ids(TYPE_KIND, DATA_EXTENSION_EXTRACT)["id"],
            "fileSpec": after["file_spec"],
            "dataFields": data_fields(after),
        }
        if change.action == "create":
            return [Step("create", RestRequest("POST", EXTRACTS_PATH, body), change)]
        if change.action == "update":
            path = f"{EXTRACTS_PATH}/{change.ids['object_id']}"
            return [Step("update", RestRequest("PATCH", path, body), change)]
        raise ValueError(f"unsupported action {change.action}")
