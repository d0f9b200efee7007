"""FilterActivity over SOAP (Create, Retrieve): the activity that applies a data filter in an automation.

The service creates filter activities over SOAP and keeps them behind REST (automation/v1/filters, served by
rest.py), so the rows live in the store's filter_activities table, which both read. Create answers the saved
object with its new FilterActivityID, in the element order the service answers it.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from mcstate.emulator import rules
from mcstate.emulator.codec import XSI_TYPE, XNode
from mcstate.emulator.files import FileArea
from mcstate.emulator.run import clock
from mcstate.emulator.run.filters import run_filter
from mcstate.emulator.run.status import Started, record_rows_run
from mcstate.emulator.service import KEY, ObjectHandler, Outcome, PerformOutcome, Row
from mcstate.emulator.store import Store

TABLE = "filter_activities"


@dataclass
class FilterActivityInput:
    """A FilterActivity request object: each element's text (None when absent)."""

    values: dict[str, str | None]
    xsi_type: str | None


_ELEMENTS = (
    "ObjectID", "CustomerKey", "Name", "Description", "FilterDefinitionID", "SourceObjectID", "SourceTypeID",
    "DestinationObjectID", "DestinationTypeID",
)  # fmt: skip


_ECHOED = (
    "CustomerKey", "Name", "Description", "FilterActivityID", "FilterDefinitionID", "DestinationObjectID",
    "DestinationTypeID", "SourceObjectID", "SourceTypeID",
)  # fmt: skip


def _text(node: XNode, name: str) -> str | None:
    text = node.text_of(name)
    return text.strip() if text is not None else None


def wire(row: dict[str, Any]) -> dict[str, Any]:
    """A stored filter activity as the REST API answers it (keys in the recorded order)."""
    return {
        "categoryId": row["category_id"],
        "customerKey": row["customer_key"],
        "description": row["description"],
        "destinationObjectId": row["destination_object_id"],
        "destinationTypeId": row["destination_type_id"],
        "filterActivityId": row["id"],
        "filterDefinitionId": row["filter_definition_id"],
        "name": row["name"],
        "sourceObjectId": row["source_object_id"],
        "sourceTypeId": row["source_type_id"],
        "statusId": row["status_id"],
        "createdDate": row["created"],
        "modifiedDate": row["modified"],
    }


class FilterActivityHandler(ObjectHandler):
    object_type = "FilterActivity"
    retrieve_properties = rules.FILTER_ACTIVITY_PROPERTIES

    def read(self, node: XNode, operation: str) -> FilterActivityInput:
        return FilterActivityInput({name: _text(node, name) for name in _ELEMENTS}, node.xsi_type)

    def create(self, store: Store, item: FilterActivityInput) -> Outcome:
        given = item.values
        if given["ObjectID"]:
            raise rules.filter_activity_error(
                "ObjectID is assigned by the service and cannot be sent on Create."
            )
        missing = [name for name in rules.FILTER_ACTIVITY_REQUIRED if not given[name]]
        if missing:
            raise rules.filter_activity_error(f"{', '.join(missing)} required.")
        key = str(given["CustomerKey"])
        if len(key) > rules.FILTER_ACTIVITY_KEY_MAX_LENGTH:
            raise rules.filter_activity_error(
                f"CustomerKey is longer than {rules.FILTER_ACTIVITY_KEY_MAX_LENGTH} characters."
            )
        if store.rest_row_by_key(TABLE, key) is not None:
            raise rules.filter_activity_error(
                f"A filter activity with the CustomerKey '{key}' already exists."
            )
        name = str(given["Name"])
        if any(rules.same_text(row["name"], name) for row in store.rest_rows(TABLE)):
            raise rules.filter_activity_error(f"A filter activity named '{name}' already exists.")
        for element in ("SourceTypeID", "DestinationTypeID"):
            if given[element] != str(rules.FILTER_ACTIVITY_DATA_EXTENSION_TYPE):
                raise rules.filter_activity_error(
                    f"{element} {given[element]} is not supported; filter activities here read and write "
                    f"data extensions ({rules.FILTER_ACTIVITY_DATA_EXTENSION_TYPE})."
                )
        data_filter = store.filter_definition(str(given["FilterDefinitionID"]))
        if data_filter is None:
            raise rules.filter_activity_error(
                f"No FilterDefinition has the ObjectID {given['FilterDefinitionID']}."
            )
        source = store.data_extension(str(given["SourceObjectID"]))
        destination = store.data_extension(str(given["DestinationObjectID"]))
        if source is None or destination is None:
            which = "SourceObjectID" if source is None else "DestinationObjectID"
            raise rules.filter_activity_error(f"No data extension has the {which} {given[which]}.")
        if source.object_id.casefold() != data_filter.data_source_id.casefold():
            raise rules.filter_activity_error(
                f"The source {source.customer_key} is not the data extension the data filter "
                f"{data_filter.customer_key} reads."
            )
        if destination.object_id.casefold() == source.object_id.casefold():
            raise rules.filter_activity_error(
                "The destination cannot be the data extension the filter reads."
            )
        now = rules.rest_timestamp(rules.server_now())
        row = {
            "id": str(uuid.uuid4()),
            "customer_key": key,
            "name": name,
            "description": given["Description"] or "",
            "filter_definition_id": data_filter.object_id,
            "source_object_id": source.object_id,
            "source_type_id": rules.FILTER_ACTIVITY_DATA_EXTENSION_TYPE,
            "destination_object_id": destination.object_id,
            "destination_type_id": rules.FILTER_ACTIVITY_DATA_EXTENSION_TYPE,
            "category_id": store.root_folder_id(rules.FILTER_ACTIVITY_ROOT_FOLDER_ID),
            "status_id": rules.FILTER_ACTIVITY_STATUS_ID,
            "created": now,
            "modified": now,
        }
        store.insert_rest_row(TABLE, row)
        # The saved object as recorded answers echo it: its Retrieve row without ObjectID (nil there) and
        # the read-only dates.
        retrieved = self._row(row)
        echoed = {name: retrieved[name] for name in _ECHOED}
        return Outcome(rules.FILTER_ACTIVITY_CREATED, 0, row["id"], {XSI_TYPE: self.object_type, **echoed})

    def perform(
        self, store: Store, item: FilterActivityInput, action: str, files: FileArea | None
    ) -> PerformOutcome:
        """Start (documented as a Perform of FilterActivity): the filter runs at once; its run is kept for
        AsyncActivityStatus by the task's ID."""
        if action.casefold() != "start":
            raise rules.unsupported_operation(f"Perform {action or '(no Action)'}", self.object_type)
        object_id = item.values.get("ObjectID")
        if rules.FILTER_ACTIVITY_PERFORM_NEEDS_OBJECT_ID and not object_id:
            raise rules.filter_activity_not_found("a FilterActivity is started by its ObjectID")
        row = store.rest_row(TABLE, object_id)
        if row is None:
            raise rules.filter_activity_not_found(f"ObjectID {object_id}")
        started = start_filter(store, row)
        task = {
            "StatusCode": "OK",
            "StatusMessage": "OK",
            "ID": started.task_id,
            "InteractionObjectID": row["id"],
        }
        echo = {XSI_TYPE: self.object_type, "ObjectID": row["id"], "CustomerKey": row["customer_key"]}
        return PerformOutcome(rules.FILTER_ACTIVITY_PERFORMED, task, echo)

    def rows(self, store: Store) -> list[Row]:
        return [self._row(row) for row in store.rest_rows(TABLE)]

    @staticmethod
    def _row(row: dict[str, Any]) -> Row:
        return {
            KEY: row["id"],
            "CreatedDate": row["created"],
            "ModifiedDate": row["modified"],
            "ObjectID": row["id"],
            "CustomerKey": row["customer_key"],
            "Name": row["name"],
            "Description": row["description"],
            "FilterActivityID": row["id"],
            "FilterDefinitionID": row["filter_definition_id"],
            "DestinationObjectID": row["destination_object_id"],
            "DestinationTypeID": row["destination_type_id"],
            "SourceObjectID": row["source_object_id"],
            "SourceTypeID": row["source_type_id"],
        }


def start_filter(store: Store, activity: dict[str, Any], instance_id: str | None = None) -> Started:
    """Run the filter activity now and keep how it ended."""
    start = clock.now(store)
    run = run_filter(store, activity, start)
    return record_rows_run(
        store,
        run,
        object_type="FilterActivity",
        object_id=str(activity["id"]),
        customer_key=str(activity["customer_key"]),
        name=str(activity["name"]),
        start=start,
        instance_id=instance_id,
    )
