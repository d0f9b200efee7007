"""DataExtensionObject: the rows of a data extension (Create, Update, Delete; Retrieve per data extension).

A row is written as ``<Objects xsi:type="DataExtensionObject">`` with the data extension's ``CustomerKey``
(or ``Name``) and ``Properties/Property{Name, Value}``; Update and Delete find the row by its primary-key
values (in ``Properties`` or ``Keys/Key``). Retrieve names the data extension in the object type,
``DataExtensionObject[<key>]``, and asks for field names as properties. Rows are stored by field ObjectID, so
a renamed field keeps its values.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from mcstate.emulator import rules
from mcstate.emulator.codec import XSI_TYPE, XNode
from mcstate.emulator.model import DataExtension, Field
from mcstate.emulator.service import KEY, ObjectHandler, Outcome, Row
from mcstate.emulator.store import Store

Values = dict[str, str | None]
"""A stored row: field ObjectID -> value (None is null)."""


@dataclass
class RowInput:
    """A DataExtensionObject request object."""

    customer_key: str | None
    name: str | None
    properties: list[tuple[str, str]]
    keys: list[tuple[str, str]]


def _pairs(node: XNode | None, child: str) -> list[tuple[str, str]]:
    if node is None:
        return []
    return [((item.text_of("Name") or "").strip(), item.text_of("Value") or "") for item in node.all(child)]


def read_row(node: XNode) -> RowInput:
    key = (node.text_of("CustomerKey") or "").strip() or None
    name = (node.text_of("Name") or "").strip() or None
    return RowInput(key, name, _pairs(node.get("Properties"), "Property"), _pairs(node.get("Keys"), "Key"))


@dataclass
class _Target:
    """The data extension a request object names, with its fields."""

    de: DataExtension
    fields: list[Field]

    def field(self, name: str) -> Field | None:
        return next((f for f in self.fields if rules.same_text(f.name, name)), None)

    @property
    def primary_key(self) -> list[Field]:
        return [f for f in self.fields if f.is_primary_key]

    def key_of(self, values: Values) -> str | None:
        """The canonical primary-key value of a row; None when the data extension has no primary key."""
        return rules.row_primary_key(values, self.primary_key)

    def key_text(self, values: Values) -> str:
        return ", ".join(f"{f.name}={values.get(f.object_id) or ''}" for f in self.primary_key)


def _target(store: Store, item: RowInput) -> _Target:
    if item.customer_key:
        de = store.data_extension_by_key(item.customer_key)
        identity = f"CustomerKey {item.customer_key}"
    elif item.name:
        de = store.data_extension_by_name(item.name)
        identity = f"Name {item.name}"
    else:
        raise rules.rows_need_data_extension()
    if de is None:
        raise rules.rows_unknown_data_extension(identity)
    return _Target(de, store.fields_of(de.object_id))


def _given(target: _Target, pairs: Sequence[tuple[str, str]]) -> Values:
    """The values a request gives, by field ObjectID, checked against the fields' types and lengths."""
    now = rules.server_now()
    values: Values = {}
    for name, text in pairs:
        field = target.field(name)
        if field is None:
            raise rules.row_unknown_field(name, target.de.customer_key)
        if field.object_id in values:
            raise rules.row_duplicate_field(field.name)
        values[field.object_id] = rules.row_value(field, text, now)
    return values


def _check_required(target: _Target, values: Values) -> None:
    missing = [f.name for f in target.fields if f.is_required and values.get(f.object_id) is None]
    if missing:
        raise rules.row_required_missing(missing)


def _echo(target: _Target, values: Values) -> dict[str, Any]:
    """Emulator's choice: results echo the row as written (data extension key and the given values)."""
    written = [f for f in target.fields if f.object_id in values]
    return {
        XSI_TYPE: rules.ROWS_OBJECT_TYPE,
        "CustomerKey": target.de.customer_key,
        "Properties": {"Property": [{"Name": f.name, "Value": values[f.object_id] or ""} for f in written]},
    }


class DataExtensionObjectHandler(ObjectHandler):
    object_type = rules.ROWS_OBJECT_TYPE

    def read(self, node: XNode, operation: str) -> RowInput:
        return read_row(node)

    def create(self, store: Store, item: RowInput) -> Outcome:
        target = _target(store, item)
        return self._insert(store, target, _given(target, item.properties))

    def update(self, store: Store, item: RowInput) -> Outcome:
        return self._update(store, item, add_missing=False)

    def update_add(self, store: Store, item: RowInput) -> Outcome:
        return self._update(store, item, add_missing=True)

    def delete(self, store: Store, item: RowInput) -> Outcome:
        target = _target(store, item)
        key = self._key_values(target, [*item.properties, *item.keys])
        found = store.row_by_primary_key(target.de.object_id, target.key_of(key) or "")
        if found is None and not rules.ROW_DELETE_WITHOUT_MATCH_IS_OK:
            raise rules.row_not_found(target.de.customer_key, target.key_text(key))
        if found is not None:
            store.delete_row(found[0])
        return Outcome(rules.ROW_DELETED, object=_echo(target, key))

    # -- writing ------------------------------------------------------------------------------------------

    @staticmethod
    def _insert(store: Store, target: _Target, given: Values) -> Outcome:
        now = rules.server_now()
        values: Values = {}
        for field in target.fields:
            if field.object_id in given:
                values[field.object_id] = given[field.object_id]
            elif field.default_value:
                values[field.object_id] = rules.row_value(field, field.default_value, now)
        _check_required(target, values)
        key = target.key_of(values)
        if key is not None and store.row_by_primary_key(target.de.object_id, key) is not None:
            raise rules.row_duplicate_key(target.de.customer_key, target.key_text(values))
        store.insert_row(target.de.object_id, key, {k: v for k, v in values.items() if v is not None})
        return Outcome(rules.ROW_CREATED, object=_echo(target, given))

    def _update(self, store: Store, item: RowInput, *, add_missing: bool) -> Outcome:
        target = _target(store, item)
        given = _given(target, item.properties)
        key = self._key_values(target, [*item.properties, *item.keys])
        found = store.row_by_primary_key(target.de.object_id, target.key_of(key) or "")
        if found is None:
            if not add_missing:
                raise rules.row_not_found(target.de.customer_key, target.key_text(key))
            return self._insert(store, target, {**key, **given})
        number, current = found
        merged = {**current, **given}
        _check_required(target, merged)
        store.update_row(number, {k: v for k, v in merged.items() if v is not None})
        return Outcome(rules.ROW_UPDATED, object=_echo(target, given))

    @staticmethod
    def _key_values(target: _Target, pairs: Sequence[tuple[str, str]]) -> Values:
        """The primary-key values named by a request (from Properties or Keys)."""
        if not target.primary_key:
            raise rules.row_needs_primary_key(target.de.customer_key)
        now = rules.server_now()
        key: Values = {}
        for name, text in pairs:
            field = target.field(name)
            if field is not None and field.is_primary_key:
                key[field.object_id] = rules.row_value(field, text, now)
        missing = [f.name for f in target.primary_key if key.get(f.object_id) is None]
        if missing:
            raise rules.row_key_values_missing(missing)
        return key

    # -- Retrieve -----------------------------------------------------------------------------------------

    def bind(self, store: Store, argument: str) -> ObjectHandler | None:
        de = store.data_extension_by_key(argument.strip())
        if de is None:
            return None
        return _RowsOf(_Target(de, store.fields_of(de.object_id)))


class _RowsOf(ObjectHandler):
    """Retrieve of the rows of one data extension: its field names are the properties."""

    object_type = rules.ROWS_OBJECT_TYPE

    def __init__(self, target: _Target) -> None:
        self.target = target
        names = {f.name: rules.STRING for f in target.fields}
        self.retrieve_properties = rules.RetrieveProperties(names, frozenset(names), rules.ROWS_OPERATORS)

    def rows(self, store: Store) -> list[Row]:
        return [self._row(number, values) for number, values in store.rows_of(self.target.de.object_id)]

    def rows_by_keys(self, store: Store, keys: Sequence[str]) -> list[Row]:
        found = store.rows_by_numbers(self.target.de.object_id, [int(key) for key in keys])
        return [self._row(number, values) for number, values in found]

    def _row(self, number: int, values: Mapping[str, str | None]) -> Row:
        row: Row = {KEY: str(number)}
        for field in self.target.fields:
            row[field.name] = values.get(field.object_id)
        return row

    def project(self, row: Mapping[str, Any], properties: Sequence[str]) -> dict[str, Any]:
        # Every requested field is answered, a null one with an empty Value (APIProperty.Value is required).
        return {
            XSI_TYPE: rules.ROWS_OBJECT_TYPE,
            "Properties": {"Property": [{"Name": name, "Value": row.get(name) or ""} for name in properties]},
        }
