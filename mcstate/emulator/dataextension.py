"""DataExtension (Create, Retrieve, Update, Delete) and DataExtensionField (Retrieve only)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from mcstate.emulator import rules
from mcstate.emulator.codec import XSI_TYPE, XNode
from mcstate.emulator.model import DataExtension, Field
from mcstate.emulator.service import KEY, ObjectHandler, Outcome, Row
from mcstate.emulator.store import Store


@dataclass
class DataExtensionInput:
    """A DataExtension request object; None means the element was absent."""

    object_id: str | None
    customer_key: str | None
    name: str | None
    description: str | None
    is_sendable: bool | None
    is_testable: bool | None
    sendable_field: str | None
    subscriber_field: str | None
    template_key: str | None
    retention_length: int | None
    retention_unit: int | None
    retention_period: str | None
    row_based_retention: bool | None
    reset_retention_on_import: bool | None
    delete_at_end_of_retention: bool | None
    retain_until: str | None
    category_id: int | None
    fields: list[rules.FieldInput] | None


def _text(node: XNode, name: str) -> str | None:
    text = node.text_of(name)
    return None if text is None else text


def _key(node: XNode, name: str) -> str | None:
    """An identifying value: surrounding space ignored, empty counts as absent."""
    text = node.text_of(name)
    return text.strip() or None if text is not None else None


def read_field(node: XNode) -> rules.FieldInput:
    return rules.FieldInput(
        object_id=_key(node, "ObjectID"),
        name=_text(node, "Name"),
        field_type=_key(node, "FieldType"),
        max_length=node.int_of("MaxLength"),
        precision=node.int_of("Precision"),
        scale=node.int_of("Scale"),
        is_required=node.bool_of("IsRequired"),
        is_primary_key=node.bool_of("IsPrimaryKey"),
        default_value=_text(node, "DefaultValue"),
        ordinal=node.int_of("Ordinal"),
    )


def read_data_extension(node: XNode) -> DataExtensionInput:
    fields_node = node.get("Fields")
    return DataExtensionInput(
        object_id=_key(node, "ObjectID"),
        customer_key=_key(node, "CustomerKey"),
        name=_text(node, "Name"),
        description=_text(node, "Description"),
        is_sendable=node.bool_of("IsSendable"),
        is_testable=node.bool_of("IsTestable"),
        sendable_field=_key(node.get("SendableDataExtensionField") or XNode("", None, ""), "Name"),
        subscriber_field=_key(node.get("SendableSubscriberField") or XNode("", None, ""), "Name"),
        template_key=_key(node.get("Template") or XNode("", None, ""), "CustomerKey"),
        retention_length=node.int_of("DataRetentionPeriodLength"),
        retention_unit=node.int_of("DataRetentionPeriodUnitOfMeasure"),
        retention_period=_key(node, "DataRetentionPeriod"),
        row_based_retention=node.bool_of("RowBasedRetention"),
        reset_retention_on_import=node.bool_of("ResetRetentionPeriodOnImport"),
        delete_at_end_of_retention=node.bool_of("DeleteAtEndOfRetentionPeriod"),
        retain_until=_text(node, "RetainUntil"),
        category_id=node.int_of("CategoryID"),
        fields=None if fields_node is None else [read_field(field) for field in fields_node.all("Field")],
    )


def _new_object_id() -> str:
    return str(uuid.uuid4())


def _find(store: Store, item: DataExtensionInput) -> tuple[DataExtension | None, str]:
    """The data extension an Update/Delete names (ObjectID, else CustomerKey, else Name), and how."""
    if item.object_id:
        return store.data_extension(item.object_id), f"ObjectID {item.object_id}"
    if item.customer_key:
        return store.data_extension_by_key(item.customer_key), f"CustomerKey {item.customer_key}"
    name = (item.name or "").strip()
    if name:
        return store.data_extension_by_name(name), f"Name {name}"
    raise rules.de_no_key()


def _field_echo(field: Field) -> dict[str, Any]:
    """A field as Create/Update echo it: ObjectID nil, defaults shown."""
    values: dict[str, Any] = {"Name": field.name, "DefaultValue": field.default_value}
    if field.max_length is not None:
        values["MaxLength"] = field.max_length
    if field.field_type == "Decimal":
        values["Scale"] = field.scale
    values.update(IsRequired=field.is_required, IsPrimaryKey=field.is_primary_key, FieldType=field.field_type)
    return values


def _echo(de: DataExtension, fields: Sequence[Field] | None, all_fields: Sequence[Field]) -> dict[str, Any]:
    values: dict[str, Any] = {
        XSI_TYPE: "DataExtension",
        "ObjectID": de.object_id,
        "CustomerKey": de.customer_key,
        "Name": de.name,
        "Description": de.description,
        "IsSendable": de.is_sendable,
        "IsTestable": de.is_testable,
    }
    if de.is_sendable:
        sendable = next((field for field in all_fields if field.object_id == de.sendable_field_id), None)
        if sendable is not None:
            values["SendableDataExtensionField"] = {"Name": sendable.name}
        values["SendableSubscriberField"] = {"Name": de.sendable_subscriber_field}
    if de.template_key:
        values["Template"] = {"CustomerKey": de.template_key}
    values.update(
        DataRetentionPeriodLength=de.retention_length,
        DataRetentionPeriodUnitOfMeasure=de.retention_unit,
        RowBasedRetention=de.row_based_retention,
        ResetRetentionPeriodOnImport=de.reset_retention_on_import,
        DeleteAtEndOfRetentionPeriod=de.delete_at_end_of_retention,
        RetainUntil=de.retain_until,
    )
    if fields is not None:
        values["Fields"] = {"Field": [_field_echo(field) for field in fields]}
    values["CategoryID"] = de.category_id
    return values


def _check_category(store: Store, category_id: int) -> None:
    rules.check_category(category_id, store.folder(category_id))


def _assign_ordinals(specs: Sequence[rules.FieldInput], existing: Sequence[Field]) -> list[int]:
    """Ordinals for new fields: as sent, otherwise after every existing and sent ordinal."""
    taken = [field.ordinal for field in existing] + [
        spec.ordinal for spec in specs if spec.ordinal is not None
    ]
    following = max(taken, default=-1) + 1
    ordinals = []
    for spec in specs:
        if spec.ordinal is not None:
            ordinals.append(spec.ordinal)
        else:
            ordinals.append(following)
            following += 1
    return ordinals


def _retention_unit(item: DataExtensionInput) -> int | None:
    if item.retention_unit is not None:
        return item.retention_unit
    if item.retention_period is not None:
        return rules.retention_unit_from_period(item.retention_period)
    return None


class DataExtensionHandler(ObjectHandler):
    object_type = "DataExtension"
    retrieve_properties = rules.DATA_EXTENSION_PROPERTIES

    def read(self, node: XNode, operation: str) -> DataExtensionInput:
        return read_data_extension(node)

    # -- Create -------------------------------------------------------------------------------------------

    def create(self, store: Store, item: DataExtensionInput) -> Outcome:
        if item.object_id:
            raise rules.de_object_id_on_create()
        name = (item.name or "").strip()
        if not name:
            raise rules.de_name_required()
        if item.customer_key and store.data_extension_by_key(item.customer_key) is not None:
            raise rules.de_key_exists(item.customer_key)
        if store.data_extension_by_name(name) is not None:
            raise rules.de_name_exists(name)
        if not item.fields:
            raise rules.de_fields_required()
        rules.check_template(item.template_key)
        shapes = [rules.new_field_shape(spec) for spec in item.fields]
        rules.check_field_names_unique(shape.name for shape in shapes)
        if item.category_id is not None:
            category_id = item.category_id
        else:
            category_id = store.folders_by_key(rules.DEFAULT_DATA_EXTENSION_FOLDER_KEY)[0].id
        _check_category(store, category_id)
        retain_until = rules.normalize_retain_until(item.retain_until) or ""
        unit = _retention_unit(item)
        rules.check_retention(item.retention_length, unit, retain_until)
        now = store.now()
        de = DataExtension(
            object_id=_new_object_id(),
            customer_key=item.customer_key or str(uuid.uuid4()).upper(),
            name=name,
            description=item.description or "",
            is_sendable=bool(item.is_sendable),
            is_testable=bool(item.is_testable),
            sendable_field_id=None,
            sendable_subscriber_field=None,
            template_key=item.template_key,
            retention_length=item.retention_length,
            retention_unit=unit,
            row_based_retention=bool(item.row_based_retention),
            reset_retention_on_import=bool(item.reset_retention_on_import),
            delete_at_end_of_retention=bool(item.delete_at_end_of_retention),
            retain_until=retain_until,
            category_id=category_id,
            row_count=0,
            created=now,
            modified=now,
        )
        fields = [
            Field(
                object_id=_new_object_id(),
                de_object_id=de.object_id,
                name=shape.name,
                field_type=shape.field_type,
                max_length=shape.max_length,
                scale=shape.scale,
                is_required=shape.is_required,
                is_primary_key=shape.is_primary_key,
                default_value=shape.default_value,
                ordinal=ordinal,
                created=now,
                modified=now,
            )
            for shape, ordinal in zip(shapes, _assign_ordinals(item.fields, []), strict=True)
        ]
        if de.is_sendable:
            self._relate(de, item.sendable_field, item.subscriber_field, fields)
        store.insert_data_extension(de)
        for field in fields:
            store.insert_field(field)
        return Outcome(rules.DE_CREATED, 0, de.object_id, _echo(de, fields, fields))

    @staticmethod
    def _relate(
        de: DataExtension, field_name: str | None, subscriber: str | None, fields: Sequence[Field]
    ) -> None:
        canonical = rules.check_sendable(field_name, subscriber, [field.name for field in fields])
        target = next(field for field in fields if rules.same_text(field.name, field_name or ""))
        de.sendable_field_id = target.object_id
        de.sendable_subscriber_field = canonical

    # -- Update -------------------------------------------------------------------------------------------

    def update(self, store: Store, item: DataExtensionInput) -> Outcome:
        current, identity = _find(store, item)
        if current is None:
            raise rules.de_update_not_found(identity)
        de = replace(current)
        now = rules.server_now()
        existing = store.fields_of(de.object_id)
        changes_fields = bool(item.fields)
        # The rows an administrator declared (admin endpoint) plus the rows written as DataExtensionObject.
        row_count = de.row_count + store.count_rows(de.object_id)

        if item.object_id and item.customer_key and item.customer_key != de.customer_key:
            rules.check_key_change(changes_fields)
            other = store.data_extension_by_key(item.customer_key)
            if other is not None and other.object_id != de.object_id:
                raise rules.de_key_taken_on_update(item.customer_key)
            de.customer_key = item.customer_key
        if item.name is not None and (item.object_id or item.customer_key):
            name = item.name.strip()
            if not name:
                raise rules.de_name_required()
            if name != de.name:
                other = store.data_extension_by_name(name)
                if other is not None and other.object_id != de.object_id:
                    raise rules.de_name_exists(name)
                de.name = name
        if item.description is not None:
            de.description = item.description
        if item.category_id is not None and item.category_id != de.category_id:
            _check_category(store, item.category_id)
            de.category_id = item.category_id

        rules.check_row_based_retention(de.row_based_retention, item.row_based_retention)
        if item.retention_length is not None:
            de.retention_length = item.retention_length
        unit = _retention_unit(item)
        if unit is not None:
            de.retention_unit = unit
        retain_until = rules.normalize_retain_until(item.retain_until)
        if retain_until is not None:
            de.retain_until = retain_until
        rules.check_retention(de.retention_length, de.retention_unit, de.retain_until)
        if item.reset_retention_on_import is not None:
            de.reset_retention_on_import = item.reset_retention_on_import
        if item.delete_at_end_of_retention is not None:
            de.delete_at_end_of_retention = item.delete_at_end_of_retention

        resulting = {field.object_id: field for field in existing}
        touched: list[Field] = []
        added: list[Field] = []
        new_specs = [spec for spec in item.fields or [] if not spec.object_id]
        new_ordinals = iter(_assign_ordinals(new_specs, existing))
        for spec in item.fields or []:
            if spec.object_id:
                field = store.field(spec.object_id)
                if field is None or field.de_object_id != de.object_id:
                    raise rules.field_not_in_data_extension(spec.object_id)
                changed = rules.apply_field_change(resulting[field.object_id], spec, row_count)
                changed.modified = now
                resulting[field.object_id] = changed
                touched.append(changed)
            else:
                shape = rules.new_field_shape(spec)
                rules.check_new_field_on_populated(shape, row_count)
                new_field = Field(
                    object_id=_new_object_id(),
                    de_object_id=de.object_id,
                    name=shape.name,
                    field_type=shape.field_type,
                    max_length=shape.max_length,
                    scale=shape.scale,
                    is_required=shape.is_required,
                    is_primary_key=shape.is_primary_key,
                    default_value=shape.default_value,
                    ordinal=next(new_ordinals),
                    created=now,
                    modified=now,
                )
                resulting[new_field.object_id] = new_field
                touched.append(new_field)
                added.append(new_field)
        all_fields = list(resulting.values())
        rules.check_field_names_unique(field.name for field in all_fields)

        if item.is_sendable is False:
            de.is_sendable = False
            de.sendable_field_id = None
            de.sendable_subscriber_field = None
        elif item.is_sendable or (de.is_sendable and (item.sendable_field or item.subscriber_field)):
            current_field = next((f.name for f in all_fields if f.object_id == de.sendable_field_id), None)
            de.is_sendable = True
            self._relate(
                de,
                item.sendable_field or current_field,
                item.subscriber_field or de.sendable_subscriber_field,
                all_fields,
            )
        if item.is_testable is not None:
            de.is_testable = item.is_testable

        de.modified = now
        store.update_data_extension(de)
        added_ids = {field.object_id for field in added}
        for field in touched:
            if field.object_id in added_ids:
                store.insert_field(field)
            else:
                store.update_field(field)
        for field in added:
            # A required field added with a default gives its default to the rows already there
            # (rules.NEW_FIELD_DEFAULT_FILLS_REQUIRED_ONLY).
            if field.is_required and field.default_value and store.count_rows(de.object_id):
                value = rules.row_value(field, field.default_value, now)
                if value is not None:
                    store.fill_field(de.object_id, field.object_id, value)
        echoed = touched if item.fields is not None else None
        return Outcome(rules.DE_UPDATED, object=_echo(de, echoed, all_fields))

    def update_add(self, store: Store, item: DataExtensionInput) -> Outcome:
        """SaveAction UpdateAdd (documented for DataExtension): an update, or a create when the data
        extension is not found by the ObjectID, CustomerKey or Name given."""
        current, _ = _find(store, item)
        if current is None and not item.object_id:
            return self.create(store, item)
        return self.update(store, item)

    def update_children(self, store: Store, item: DataExtensionInput, container: str, action: str) -> Outcome:
        """UpdateOptions Container DataExtensionField with Action DELETE drops the fields given (documented),
        as Delete with Fields does."""
        if container.casefold() != "dataextensionfield" or action.casefold() != "delete":
            raise rules.unsupported_update_action(self.object_type, container, action)
        if not item.fields:
            raise rules.field_error("An UpdateOptions Action DELETE needs the fields to delete.")
        return self.delete(store, item)

    # -- Delete -------------------------------------------------------------------------------------------

    def delete(self, store: Store, item: DataExtensionInput) -> Outcome:
        de, identity = _find(store, item)
        if de is None:
            raise rules.de_delete_not_found(identity)
        echo = {XSI_TYPE: "DataExtension", "ObjectID": de.object_id, "CustomerKey": de.customer_key}
        if item.fields:
            existing = store.fields_of(de.object_id)
            doomed: list[str] = []
            for spec in item.fields:
                if not spec.object_id:
                    raise rules.field_error("A field to delete must be identified by its ObjectID.")
                field = store.field(spec.object_id)
                rules.check_field_deletion(de, field, spec.object_id)
                if field is not None and field.object_id not in doomed:
                    doomed.append(field.object_id)
            rules.check_fields_remain(len(existing) - len(doomed))
            for object_id in doomed:
                store.delete_field(object_id)
            de.modified = rules.server_now()
            store.update_data_extension(de)
            return Outcome(rules.DE_FIELDS_DELETED, object=echo)
        store.delete_data_extension(de.object_id)
        return Outcome(rules.DE_DELETED, object=echo)

    # -- Retrieve -----------------------------------------------------------------------------------------

    def rows(self, store: Store) -> list[Row]:
        return self._rows(store, store.data_extensions())

    def rows_by_keys(self, store: Store, keys: Sequence[str]) -> list[Row]:
        return self._rows(store, store.data_extensions_by_object_ids(keys))

    @staticmethod
    def _rows(store: Store, data_extensions: Sequence[DataExtension]) -> list[Row]:
        sendable_ids = [
            de.sendable_field_id for de in data_extensions if de.is_sendable and de.sendable_field_id
        ]
        names = (
            {field.object_id: field.name for field, _ in store.fields_with_keys(sendable_ids)}
            if sendable_ids
            else {}
        )
        rows = []
        for de in data_extensions:
            sendable = de.is_sendable and de.sendable_field_id in names
            rows.append(
                {
                    KEY: de.object_id,
                    "CreatedDate": de.created,
                    "ModifiedDate": de.modified,
                    "ObjectID": de.object_id,
                    "CustomerKey": de.customer_key,
                    "Name": de.name,
                    "Description": de.description,
                    "IsSendable": de.is_sendable,
                    "IsTestable": de.is_testable,
                    "SendableDataExtensionField.Name": names.get(de.sendable_field_id or "")
                    if sendable
                    else None,
                    "SendableSubscriberField.Name": (
                        rules.RETRIEVED_SUBSCRIBER_FIELD.get(de.sendable_subscriber_field or "")
                        if sendable
                        else None
                    ),
                    "Template.CustomerKey": de.template_key,
                    "DataRetentionPeriodLength": de.retention_length,
                    "DataRetentionPeriodUnitOfMeasure": de.retention_unit,
                    "RowBasedRetention": de.row_based_retention,
                    "ResetRetentionPeriodOnImport": de.reset_retention_on_import,
                    "DeleteAtEndOfRetentionPeriod": de.delete_at_end_of_retention,
                    "RetainUntil": de.retain_until,
                    "CategoryID": (
                        None if de.category_id == rules.SYSTEM_DATA_EXTENSION_CATEGORY_ID else de.category_id
                    ),
                }
            )
        return rows


class DataExtensionFieldHandler(ObjectHandler):
    """Fields are retrieved on their own; they are written only through DataExtension."""

    object_type = "DataExtensionField"
    retrieve_properties = rules.DATA_EXTENSION_FIELD_PROPERTIES

    def rows(self, store: Store) -> list[Row]:
        rows = self._rows(store.fields_with_keys())
        rows.sort(key=lambda row: row[rules.FIELD_RESULTS_ORDER])
        return rows

    def rows_by_keys(self, store: Store, keys: Sequence[str]) -> list[Row]:
        return self._rows(store.fields_with_keys(keys))

    indexed_properties = ("DataExtension.CustomerKey",)

    def rows_where(self, store: Store, name: str, values: Sequence[str]) -> list[Row]:
        # Keys compare case-insensitively (rules.FILTER_STRINGS_CASE_INSENSITIVE): casefold both sides.
        wanted = {str(value or "").casefold() for value in values}
        data_extensions = [
            object_id for object_id, key in store.data_extension_keys() if key.casefold() in wanted
        ]
        rows = self._rows(store.fields_of_data_extensions(data_extensions)) if data_extensions else []
        rows.sort(key=lambda row: row[rules.FIELD_RESULTS_ORDER])
        return rows

    @staticmethod
    def _rows(fields: Sequence[tuple[Field, str]]) -> list[Row]:
        return [
            {
                KEY: field.object_id,
                "CreatedDate": field.created,
                "ModifiedDate": field.modified,
                "ObjectID": field.object_id,
                "CustomerKey": f"[{de_key}].[{field.name}]",
                "Name": field.name,
                "Scale": field.scale or 0,
                "DefaultValue": field.default_value,
                "MaxLength": field.max_length,
                "IsRequired": field.is_required,
                "Ordinal": field.ordinal,
                "IsPrimaryKey": field.is_primary_key,
                "FieldType": field.field_type,
                "DataExtension.CustomerKey": de_key,
            }
            for field, de_key in fields
        ]
