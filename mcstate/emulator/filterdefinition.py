"""FilterDefinition (Create, Retrieve, Update, Delete): data filters on a data extension.

The DataFilter is kept as received, as nested plain values ({"type": "ComplexFilterPart", "LeftOperand":
..., "LogicalOperator": ..., "RightOperand": ..., "AdditionalOperands": [...]} or {"type":
"SimpleFilterPart", "Property": ..., "SimpleOperator": ..., "Value": [...], "DateValue": [...]}), and
answered by Retrieve in the same shape.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from typing import Any, ClassVar

from mcstate.emulator import rules
from mcstate.emulator.codec import XSI_TYPE, RequestReadError, XNode
from mcstate.emulator.model import DataExtension, FilterDefinition
from mcstate.emulator.service import KEY, ObjectHandler, Outcome, Row
from mcstate.emulator.store import Store

SIMPLE = "SimpleFilterPart"
COMPLEX = "ComplexFilterPart"


@dataclass
class SourceInput:
    """The DataSource element: its xsi:type and how it names the data extension."""

    xsi_type: str | None
    object_id: str | None
    customer_key: str | None


@dataclass
class FilterDefinitionInput:
    """A FilterDefinition request object; None means the element was absent."""

    object_id: str | None
    customer_key: str | None
    name: str | None
    description: str | None
    data_source: SourceInput | None
    data_filter: dict[str, Any] | None
    category_id: int | None


def _key(node: XNode, name: str) -> str | None:
    text = node.text_of(name)
    return text.strip() or None if text is not None else None


def read_filter_part(node: XNode) -> dict[str, Any]:
    """A FilterPart as plain values; enumeration values the service could not deserialize are a fault."""
    kind = node.xsi_type or (COMPLEX if node.has("LeftOperand") else SIMPLE)
    if kind == COMPLEX:
        logical = (node.text_of("LogicalOperator") or "").strip()
        if logical not in ("AND", "OR"):
            raise RequestReadError(
                f"Instance validation error: '{logical}' is not a valid value for LogicalOperators."
            )
        part: dict[str, Any] = {"type": COMPLEX, "LogicalOperator": logical}
        for name in ("LeftOperand", "RightOperand"):
            child = node.get(name)
            if child is not None:
                part[name] = read_filter_part(child)
        additional = node.get("AdditionalOperands")
        if additional is not None:
            part["AdditionalOperands"] = [read_filter_part(o) for o in additional.all("Operand")]
        return part
    if kind == SIMPLE:
        operator = (node.text_of("SimpleOperator") or "").strip()
        if operator not in rules.ALL_OPERATORS:
            raise RequestReadError(
                f"Instance validation error: '{operator}' is not a valid value for SimpleOperators."
            )
        return {
            "type": SIMPLE,
            "Property": (node.text_of("Property") or "").strip(),
            "SimpleOperator": operator,
            "Value": [value.text for value in node.all("Value")],
            "DateValue": [value.text.strip() for value in node.all("DateValue")],
        }
    return {"type": kind}


def read_filter_definition(node: XNode) -> FilterDefinitionInput:
    source = node.get("DataSource")
    data_filter = node.get("DataFilter")
    return FilterDefinitionInput(
        object_id=_key(node, "ObjectID"),
        customer_key=_key(node, "CustomerKey"),
        name=node.text_of("Name"),
        description=node.text_of("Description"),
        data_source=None
        if source is None
        else SourceInput(source.xsi_type, _key(source, "ObjectID"), _key(source, "CustomerKey")),
        data_filter=None if data_filter is None else read_filter_part(data_filter),
        category_id=node.int_of("CategoryID"),
    )


def part_to_wire(part: dict[str, Any]) -> dict[str, Any]:
    """A stored FilterPart as the values the response writer takes (xsi:type on every part)."""
    if part["type"] == COMPLEX:
        values: dict[str, Any] = {XSI_TYPE: COMPLEX}
        for name in ("LeftOperand", "RightOperand"):
            if name in part:
                values[name] = part_to_wire(part[name])
        values["LogicalOperator"] = part["LogicalOperator"]
        if part.get("AdditionalOperands"):
            values["AdditionalOperands"] = {"Operand": [part_to_wire(o) for o in part["AdditionalOperands"]]}
        return values
    values = {XSI_TYPE: SIMPLE, "Property": part["Property"], "SimpleOperator": part["SimpleOperator"]}
    if part.get("Value"):
        values["Value"] = list(part["Value"])
    if part.get("DateValue"):
        values["DateValue"] = list(part["DateValue"])
    return values


def check_data_filter(part: dict[str, Any], fields: dict[str, tuple[str, str]]) -> None:
    """The whole DataFilter against the source's fields (folded name -> (name, type))."""
    if part["type"] == COMPLEX:
        if "LeftOperand" not in part:
            raise rules.filter_invalid("a ComplexFilterPart requires a LeftOperand")
        for operand in [
            part.get("LeftOperand"),
            part.get("RightOperand"),
            *part.get("AdditionalOperands", []),
        ]:
            if operand is not None:
                check_data_filter(operand, fields)
        return
    if part["type"] != SIMPLE:
        raise rules.filter_part_not_allowed()
    name = part["Property"]
    field = fields.get(name.casefold())
    if not name or field is None:
        raise rules.filter_property_not_found(name)
    rules.check_filter_comparison(name, part["SimpleOperator"], part["Value"], part["DateValue"], field[1])


class FilterDefinitionHandler(ObjectHandler):
    nested_types: ClassVar[dict[str, str]] = {"DataSource": "DataExtension"}
    object_type = "FilterDefinition"
    retrieve_properties = rules.FILTER_DEFINITION_PROPERTIES

    def read(self, node: XNode, operation: str) -> FilterDefinitionInput:
        return read_filter_definition(node)

    # -- rules shared by Create and Update ---------------------------------------------------------------

    @staticmethod
    def _source(store: Store, source: SourceInput | None) -> DataExtension:
        if source is None:
            raise rules.filter_without_source()
        if source.xsi_type not in (None, "DataExtension"):
            raise rules.filter_operation_not_allowed(f"DataSource {source.xsi_type}", "filter")
        if source.object_id:
            found = store.data_extension(source.object_id)
        elif source.customer_key:
            found = store.data_extension_by_key(source.customer_key)
        else:
            raise rules.filter_source_key_required()
        if found is None:
            raise rules.filter_source_not_found()
        return found

    @staticmethod
    def _check_filter(
        store: Store, source: DataExtension, data_filter: dict[str, Any] | None
    ) -> dict[str, Any]:
        if data_filter is None:
            raise rules.filter_data_filter_required()
        fields = {
            field.name.casefold(): (field.name, field.field_type)
            for field in store.fields_of(source.object_id)
        }
        check_data_filter(data_filter, fields)
        return data_filter

    @staticmethod
    def _check_name_free(store: Store, name: str, itself: str | None = None) -> None:
        other = store.filter_definition_by_name(name)
        if other is not None and other.object_id != itself:
            raise rules.filter_name_exists()

    # -- Create / Update / Delete -------------------------------------------------------------------------

    def create(self, store: Store, item: FilterDefinitionInput) -> Outcome:
        if item.object_id:
            raise rules.filter_object_id_on_create()
        name = (item.name or "").strip()
        if not name:
            raise rules.filter_name_required()
        self._check_name_free(store, name)
        if item.customer_key and store.filter_definition_by_key(item.customer_key) is not None:
            raise rules.filter_key_exists()
        if item.data_filter is None:
            raise rules.filter_data_filter_required()
        source = self._source(store, item.data_source)
        data_filter = self._check_filter(store, source, item.data_filter)
        if item.category_id is not None:
            category_id = item.category_id
        else:
            category_id = store.folders_by_key(rules.DEFAULT_FILTER_FOLDER_KEY)[0].id
        rules.check_filter_category(category_id, store.folder(category_id))
        now = rules.server_now()
        definition = FilterDefinition(
            object_id=str(uuid.uuid4()),
            customer_key=item.customer_key or str(uuid.uuid4()).upper(),
            name=name,
            description=item.description or "",
            data_source_id=source.object_id,
            data_filter=data_filter,
            category_id=category_id,
            created=now,
            modified=now,
        )
        store.insert_filter_definition(definition)
        return Outcome(rules.FILTER_CREATED, 0, definition.object_id)

    @staticmethod
    def _find(store: Store, item: FilterDefinitionInput) -> FilterDefinition:
        if item.object_id:
            found = store.filter_definition(item.object_id)
        elif item.customer_key:
            found = store.filter_definition_by_key(item.customer_key)
        else:
            raise rules.filter_key_required()
        if found is None:
            raise rules.filter_not_found()
        return found

    def update(self, store: Store, item: FilterDefinitionInput) -> Outcome:
        current = self._find(store, item)
        source = self._source(store, item.data_source)
        if source.object_id != current.data_source_id:
            raise rules.filter_source_changed()
        definition = replace(current, data_filter=self._check_filter(store, source, item.data_filter))
        if item.name is not None:
            name = item.name.strip()
            if not name:
                raise rules.filter_name_required()
            self._check_name_free(store, name, current.object_id)
            definition.name = name
        if item.description is not None:
            definition.description = item.description
        if item.object_id and item.customer_key and item.customer_key != current.customer_key:
            other = store.filter_definition_by_key(item.customer_key)
            if other is not None and other.object_id != current.object_id:
                raise rules.filter_key_exists()
            definition.customer_key = item.customer_key
        if item.category_id is not None and item.category_id != current.category_id:
            rules.check_filter_category(item.category_id, store.folder(item.category_id))
            definition.category_id = item.category_id
        definition.modified = rules.server_now()
        store.update_filter_definition(definition)
        return Outcome(rules.FILTER_UPDATED)

    def delete(self, store: Store, item: FilterDefinitionInput) -> Outcome:
        definition = self._find(store, item)
        store.delete_filter_definition(definition.object_id)
        return Outcome(rules.FILTER_DELETED)

    # -- Retrieve -----------------------------------------------------------------------------------------

    def rows(self, store: Store) -> list[Row]:
        sources = {de.object_id: de for de in store.data_extensions()}
        return [self._row(item, sources.get(item.data_source_id)) for item in store.filter_definitions()]

    @staticmethod
    def _row(item: FilterDefinition, source: DataExtension | None) -> Row:
        row: dict[str, Any] = {
            KEY: item.object_id,
            "CreatedDate": item.created,
            "ModifiedDate": item.modified,
            "ObjectID": item.object_id,
            "CustomerKey": item.customer_key,
            "Name": item.name,
            "Description": item.description,
            "DataSource.ObjectID": item.data_source_id,
            "DataFilter": part_to_wire(item.data_filter),
            "CategoryID": item.category_id,
        }
        if source is not None:
            row["DataSource.CustomerKey"] = source.customer_key
            row["DataSource.Name"] = source.name
        return row
