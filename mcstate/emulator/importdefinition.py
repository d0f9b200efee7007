"""ImportDefinition (Create, Retrieve, Update, Delete): saved imports of a file into a data extension."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from mcstate.emulator import filelocation, rules
from mcstate.emulator.codec import XSI_TYPE, RequestReadError, XNode
from mcstate.emulator.files import FileArea
from mcstate.emulator.model import ControlColumnAction, DataExtension, FieldMap, ImportDefinition
from mcstate.emulator.run import clock
from mcstate.emulator.run.imports import run_import
from mcstate.emulator.run.status import Started, record_run
from mcstate.emulator.service import KEY, ObjectHandler, Outcome, PerformOutcome, Row
from mcstate.emulator.store import Store

_EMPTY = XNode("", None, "")


@dataclass
class DestinationInput:
    xsi_type: str | None
    object_id: str | None
    customer_key: str | None


@dataclass
class NotificationInput:
    response_type: str
    address: str
    respond_when: str | None


@dataclass
class ImportInput:
    """An ImportDefinition request object; None means the element was absent."""

    object_id: str | None
    customer_key: str | None
    name: str | None
    description: str | None
    allow_errors: bool | None
    destination: DestinationInput | None
    field_mapping_type: str | None
    field_maps: list[FieldMap] | None
    file_spec: str | None
    file_type: str | None
    notification: NotificationInput | None
    file_location_key: str | None
    subscriber_import_type: str | None
    update_type: str | None
    delimiter: str | None
    header_lines: int | None
    control_column: str | None
    control_column_default_action: str | None
    control_column_actions: list[ControlColumnAction] | None
    date_locale: str | None
    encoding_code_page: int | None


def _key(node: XNode, name: str) -> str | None:
    """An identifying value: surrounding space ignored, empty counts as absent."""
    text = node.text_of(name)
    return text.strip() or None if text is not None else None


def _enum(node: XNode, name: str, allowed: Sequence[str], type_name: str) -> str | None:
    """An enumeration value; the service cannot deserialize a value outside the WSDL's list."""
    text = node.text_of(name)
    if text is None:
        return None
    value = text.strip()
    if value not in allowed:
        raise RequestReadError(f"Instance validation error: '{value}' is not a valid value for {type_name}.")
    return value


def _field_map(node: XNode) -> FieldMap:
    ordinal = node.int_of("SourceOrdinal")
    return FieldMap(
        source_name=node.text_of("SourceName"),
        source_ordinal=ordinal,
        destination_name=(node.text_of("DestinationName") or "").strip(),
    )


def read_import(node: XNode) -> ImportInput:
    destination = node.get("DestinationObject")
    notification = node.get("Notification")
    maps = node.get("FieldMaps")
    actions = node.get("ControlColumnActions")
    return ImportInput(
        object_id=_key(node, "ObjectID"),
        customer_key=_key(node, "CustomerKey"),
        name=node.text_of("Name"),
        description=node.text_of("Description"),
        allow_errors=node.bool_of("AllowErrors"),
        destination=None
        if destination is None
        else DestinationInput(
            destination.xsi_type, _key(destination, "ObjectID"), _key(destination, "CustomerKey")
        ),
        field_mapping_type=_enum(
            node, "FieldMappingType", rules.IMPORT_FIELD_MAPPING_TYPES, "ImportDefinitionFieldMappingType"
        ),
        field_maps=None if maps is None else [_field_map(item) for item in maps.all("FieldMap")],
        file_spec=node.text_of("FileSpec"),
        file_type=_enum(node, "FileType", rules.IMPORT_FILE_TYPES, "FileType"),
        notification=None
        if notification is None
        else NotificationInput(
            _enum(notification, "ResponseType", rules.ASYNC_RESPONSE_TYPES, "AsyncResponseType") or "None",
            notification.text_of("ResponseAddress") or "",
            _enum(notification, "RespondWhen", rules.RESPOND_WHEN, "RespondWhen"),
        ),
        file_location_key=_key(node.get("RetrieveFileTransferLocation") or _EMPTY, "CustomerKey"),
        subscriber_import_type=_key(node, "SubscriberImportType"),
        update_type=_enum(node, "UpdateType", rules.IMPORT_UPDATE_TYPES, "ImportDefinitionUpdateType"),
        # A delimiter may be a space or a tab: its text is kept as sent.
        delimiter=node.text_of("Delimiter"),
        header_lines=node.int_of("HeaderLines"),
        control_column=node.text_of("ControlColumn"),
        control_column_default_action=_enum(
            node,
            "ControlColumnDefaultAction",
            rules.IMPORT_COLUMN_ACTIONS,
            "ImportDefinitionColumnBasedActionType",
        ),
        control_column_actions=None
        if actions is None
        else [
            ControlColumnAction(
                item.text_of("Value") or "",
                _enum(item, "Action", rules.IMPORT_COLUMN_ACTIONS, "ImportDefinitionColumnBasedActionType")
                or "",
            )
            for item in actions.all("ControlColumnAction")
        ],
        date_locale=_key(node.get("DateFormattingLocale") or _EMPTY, "LocaleCode"),
        encoding_code_page=node.int_of("EncodingCodePage"),
    )


def _destination(store: Store, destination: DestinationInput | None) -> DataExtension:
    if destination is None or (destination.object_id is None and destination.customer_key is None):
        raise rules.import_invalid(
            "DestinationObject (a data extension's CustomerKey or ObjectID) is required."
        )
    type_name = destination.xsi_type or "APIObject"
    if type_name not in rules.IMPORT_DESTINATION_TYPES:
        raise rules.import_object_not_supported(type_name)
    if destination.object_id:
        found = store.data_extension(destination.object_id)
        identity = f"ObjectID {destination.object_id}"
    else:
        found = store.data_extension_by_key(destination.customer_key or "")
        identity = f"CustomerKey {destination.customer_key}"
    if found is None:
        raise rules.import_invalid(f"The destination data extension ({identity}) does not exist.")
    return found


def _validate(store: Store, definition: ImportDefinition, destination: DataExtension) -> None:
    rules.check_import_definition(
        name=definition.name,
        file_location_key=definition.file_location_key,
        file_location_known=filelocation.by_key(store, definition.file_location_key) is not None,
        file_spec=definition.file_spec,
        file_type=definition.file_type,
        delimiter=definition.delimiter,
        header_lines=definition.header_lines,
        field_mapping_type=definition.field_mapping_type,
        field_map_destinations=[item.destination_name for item in definition.field_maps],
        update_type=definition.update_type,
        control_column=definition.control_column,
        notification_type=definition.notification_type,
        notification_address=definition.notification_address,
        destination_name=destination.customer_key,
        destination_fields=store.fields_of(destination.object_id),
    )


def _apply_notification(definition: ImportDefinition, notification: NotificationInput | None) -> None:
    if notification is None:
        return
    if notification.response_type == "None":
        definition.notification_type = None
        definition.notification_address = None
        definition.notification_when = None
        return
    definition.notification_type = notification.response_type
    definition.notification_address = notification.address
    definition.notification_when = notification.respond_when


def _echo(definition: ImportDefinition) -> dict[str, Any]:
    return {
        XSI_TYPE: "ImportDefinition",
        "ObjectID": definition.object_id,
        "CustomerKey": definition.customer_key,
        "Name": definition.name,
        "Description": definition.description,
    }


class ImportDefinitionHandler(ObjectHandler):
    object_type = "ImportDefinition"
    retrieve_properties = rules.IMPORT_DEFINITION_PROPERTIES

    def read(self, node: XNode, operation: str) -> ImportInput:
        return read_import(node)

    def create(self, store: Store, item: ImportInput) -> Outcome:
        if item.object_id:
            raise rules.import_invalid(
                "ObjectID is generated by the system and cannot be specified on Create."
            )
        if not item.customer_key and rules.IMPORT_KEY_REQUIRED_ON_CREATE:
            raise rules.import_key_required()
        customer_key = item.customer_key or str(uuid.uuid4()).upper()
        if store.import_definition_by_key(customer_key) is not None:
            raise rules.import_exists(customer_key)
        destination = _destination(store, item.destination)
        now = rules.server_now()
        definition = ImportDefinition(
            object_id=str(uuid.uuid4()),
            customer_key=customer_key,
            name=(item.name or "").strip(),
            description=item.description or "",
            destination_object_id=destination.object_id,
            file_location_key=item.file_location_key or "",
            file_spec=item.file_spec or "",
            file_type=item.file_type or rules.IMPORT_DEFAULT_FILE_TYPE,
            delimiter=item.delimiter,
            header_lines=item.header_lines,
            encoding_code_page=item.encoding_code_page,
            date_locale=item.date_locale or rules.IMPORT_DEFAULT_DATE_LOCALE,
            field_mapping_type=item.field_mapping_type or "",
            field_maps=item.field_maps or [],
            update_type=item.update_type or "",
            control_column=item.control_column,
            control_column_default_action=item.control_column_default_action,
            control_column_actions=item.control_column_actions or [],
            allow_errors=bool(item.allow_errors),
            notification_type=None,
            notification_address=None,
            notification_when=None,
            subscriber_import_type=item.subscriber_import_type,
            created=now,
            modified=now,
        )
        _apply_notification(definition, item.notification)
        _validate(store, definition, destination)
        store.insert_import_definition(definition)
        return Outcome(rules.IMPORT_CREATED, 0, definition.object_id, _echo(definition))

    def perform(self, store: Store, item: ImportInput, action: str, files: FileArea | None) -> PerformOutcome:
        """Start: the import runs at once (emulator/run/imports.py); its summary is kept for a Retrieve of
        ImportResultsSummary by the task's ID."""
        if action.casefold() != "start":
            raise rules.unsupported_operation(f"Perform {action or '(no Action)'}", self.object_type)
        definition = self._find(store, item)
        if files is None:
            raise rules.import_invalid("The emulator has no file area to import from.")
        task_id = start_import(store, files, definition).task_id
        task = {
            "StatusCode": "OK",
            "StatusMessage": "OK",
            "ID": str(task_id),
            "InteractionObjectID": definition.object_id,
        }
        echo = {
            XSI_TYPE: self.object_type,
            "ObjectID": definition.object_id,
            "CustomerKey": definition.customer_key,
        }
        return PerformOutcome(rules.import_performed(int(task_id)), task, echo)

    def _find(self, store: Store, item: ImportInput) -> ImportDefinition:
        if item.object_id:
            found = store.import_definition(item.object_id)
            identity = f"ObjectID {item.object_id}"
        elif item.customer_key:
            found = store.import_definition_by_key(item.customer_key)
            identity = f"CustomerKey {item.customer_key}"
        else:
            raise rules.import_key_required()
        if found is None:
            raise rules.import_not_found(identity)
        return found

    def update(self, store: Store, item: ImportInput) -> Outcome:
        current = self._find(store, item)
        definition = replace(current)
        if (
            item.object_id
            and item.customer_key
            and not rules.same_text(item.customer_key, current.customer_key)
        ):
            other = store.import_definition_by_key(item.customer_key)
            if other is not None and other.object_id != current.object_id:
                raise rules.import_exists(item.customer_key)
            definition.customer_key = item.customer_key
        if item.destination is not None:
            destination = _destination(store, item.destination)
            definition.destination_object_id = destination.object_id
        else:
            found = store.data_extension(current.destination_object_id)
            if found is None:
                raise rules.import_invalid("The destination data extension of this import no longer exists.")
            destination = found
        simple = {
            "name": None if item.name is None else item.name.strip(),
            "description": item.description,
            "file_location_key": item.file_location_key,
            "file_spec": item.file_spec,
            "file_type": item.file_type,
            "delimiter": item.delimiter,
            "header_lines": item.header_lines,
            "encoding_code_page": item.encoding_code_page,
            "date_locale": item.date_locale,
            "field_mapping_type": item.field_mapping_type,
            "field_maps": item.field_maps,
            "update_type": item.update_type,
            "control_column_default_action": item.control_column_default_action,
            "control_column_actions": item.control_column_actions,
            "allow_errors": item.allow_errors,
            "subscriber_import_type": item.subscriber_import_type,
        }
        for attribute, value in simple.items():
            if value is not None:
                setattr(definition, attribute, value)
        if item.control_column is not None:
            # An empty ControlColumn removes it.
            definition.control_column = item.control_column or None
        _apply_notification(definition, item.notification)
        _validate(store, definition, destination)
        definition.modified = rules.server_now()
        store.update_import_definition(definition)
        return Outcome(rules.IMPORT_UPDATED, object=_echo(definition))

    def delete(self, store: Store, item: ImportInput) -> Outcome:
        definition = self._find(store, item)
        store.delete_import_definition(definition.object_id)
        return Outcome(rules.IMPORT_DELETED, object=_echo(definition))

    # -- Retrieve -----------------------------------------------------------------------------------------

    def rows(self, store: Store) -> list[Row]:
        return [self._row(definition) for definition in store.import_definitions()]

    def rows_by_keys(self, store: Store, keys: Sequence[str]) -> list[Row]:
        return [self._row(definition) for definition in store.import_definitions_by_object_ids(keys)]

    @staticmethod
    def _row(definition: ImportDefinition) -> Row:
        maps = [
            {
                "SourceName": item.source_name,
                "SourceOrdinal": item.source_ordinal,
                "DestinationName": item.destination_name,
            }
            for item in definition.field_maps
        ]
        actions = [{"Value": item.value, "Action": item.action} for item in definition.control_column_actions]
        return {
            KEY: definition.object_id,
            "CreatedDate": definition.created,
            "ModifiedDate": definition.modified,
            "ObjectID": definition.object_id,
            "CustomerKey": definition.customer_key,
            "Name": definition.name,
            "Description": definition.description,
            "AllowErrors": definition.allow_errors,
            "DestinationObject.ObjectID": definition.destination_object_id,
            "FieldMappingType": definition.field_mapping_type,
            "FieldMaps": {"FieldMap": maps} if maps else None,
            "FileSpec": definition.file_spec,
            "FileType": definition.file_type,
            "Notification.ResponseType": definition.notification_type,
            "Notification.ResponseAddress": definition.notification_address,
            "Notification.RespondWhen": definition.notification_when,
            "RetrieveFileTransferLocation.CustomerKey": definition.file_location_key,
            "SubscriberImportType": definition.subscriber_import_type,
            "UpdateType": definition.update_type,
            "Delimiter": definition.delimiter,
            "HeaderLines": definition.header_lines,
            "ControlColumn": definition.control_column,
            "ControlColumnDefaultAction": definition.control_column_default_action,
            "ControlColumnActions": {"ControlColumnAction": actions} if actions else None,
            "DateFormattingLocale.LocaleCode": definition.date_locale,
            "EncodingCodePage": definition.encoding_code_page,
        }


class ImportResultsSummaryHandler(ObjectHandler):
    """The summaries of performed imports (retrieve only), by TaskResultID (SEMANTICS §6.4)."""

    object_type = "ImportResultsSummary"
    retrieve_properties = rules.IMPORT_RESULTS_SUMMARY_PROPERTIES

    def rows(self, store: Store) -> list[Row]:
        return [
            {
                KEY: str(result["task_result_id"]),
                "TaskResultID": result["task_result_id"],
                "ImportDefinitionCustomerKey": result["import_key"],
                "DestinationID": result["destination_id"],
                "StartDate": result["start_date"],
                "EndDate": result["end_date"],
                "ImportStatus": result["status"],
                "ImportType": rules.IMPORT_TYPE,
                "TotalRows": result["total_rows"],
                "NumberSuccessful": result["successful"],
                "NumberDuplicated": result["duplicated"],
                "NumberErrors": result["errors"],
            }
            for result in store.import_results()
        ]


def start_import(
    store: Store, files: FileArea, definition: ImportDefinition, instance_id: str | None = None
) -> Started:
    """Run the import now; its summary (ImportResultsSummary by the TaskResultID) and run record kept."""
    now = clock.now(store)
    run = run_import(store, files, definition, now)
    destination = store.data_extension(definition.destination_object_id)
    task_id = store.add_import_result(
        {
            "import_key": definition.customer_key,
            "destination_id": destination.customer_key if destination is not None else "",
            "start_date": now.isoformat(),
            "end_date": clock.now(store).isoformat(),
            "status": run.status,
            "total_rows": run.total,
            "successful": run.successful,
            "duplicated": run.duplicated,
            "errors": run.errors,
        }
    )
    ok = run.status == rules.IMPORT_STATUS_COMPLETED and not run.errors
    shown = run.problems[: rules.IMPORT_ROW_ERRORS_IN_STATUS]
    more = len(run.problems) - len(shown)
    message = "; ".join([*shown, *([f"and {more} more failing rows"] if more else [])]) or (
        f"{run.successful} of {run.total} rows imported"
    )
    record_run(
        store,
        object_type="ImportDefinition",
        object_id=definition.object_id,
        customer_key=definition.customer_key,
        name=definition.name,
        status=rules.ASYNC_STATUS_COMPLETE if ok else rules.ASYNC_STATUS_ERROR,
        message=message,
        error=None if ok else message,
        start=now,
        end=clock.now(store),
        processed=run.successful,
        instance_id=instance_id,
        task_id=str(task_id),  # the failing rows are read by the import's own task ID
    )
    return Started(str(task_id), ok, message)
