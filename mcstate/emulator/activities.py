"""DataExtractActivity and FileTransferActivity: over SOAP, saved data extracts and file transfers (REST
objects, emulator/rest.py) can only be performed (SEMANTICS §6.8, §6.9): Start runs them at once
(emulator/run/extracts.py)."""

from __future__ import annotations

from typing import Any

from mcstate.emulator import rules
from mcstate.emulator.codec import XSI_TYPE, XNode
from mcstate.emulator.files import FileArea
from mcstate.emulator.run import clock
from mcstate.emulator.run.extracts import run_extract, run_transfer
from mcstate.emulator.run.status import Started, record_run
from mcstate.emulator.service import ObjectHandler, PerformOutcome
from mcstate.emulator.store import RestTable, Store


class _PerformedActivity(ObjectHandler):
    table: RestTable

    def read(self, node: XNode, operation: str) -> dict[str, str | None]:
        return {"ObjectID": node.text_of("ObjectID"), "CustomerKey": node.text_of("CustomerKey")}

    def _find(self, store: Store, item: dict[str, str | None]) -> dict[str, Any]:
        if item["ObjectID"]:
            found, identity = store.rest_row(self.table, item["ObjectID"]), f"ObjectID {item['ObjectID']}"
        elif item["CustomerKey"]:
            found = store.rest_row_by_key(self.table, item["CustomerKey"])
            identity = f"CustomerKey {item['CustomerKey']}"
        else:
            raise rules.activity_not_found(self.object_type, "no ObjectID or CustomerKey")
        if found is None:
            raise rules.activity_not_found(self.object_type, identity)
        return found

    def _run(self, store: Store, files: FileArea, row: dict[str, Any]) -> str:
        raise NotImplementedError

    def start(
        self, store: Store, files: FileArea, row: dict[str, Any], instance_id: str | None = None
    ) -> Started:
        """Run the activity now and keep how it ended (the service's error, when it failed)."""
        start = clock.now(store)
        try:
            path = self._run(store, files, row)
        except rules.ApiError as error:
            ok, message, code = False, error.message, error.code
        else:
            ok, message, code = True, path, None
        task_id = record_run(
            store,
            object_type=self.object_type,
            object_id=str(row["id"]),
            customer_key=str(row["customer_key"]),
            name=str(row["name"]),
            status=rules.ASYNC_STATUS_COMPLETE if ok else rules.ASYNC_STATUS_ERROR,
            message=message,
            error=None if ok else message,
            start=start,
            end=clock.now(store),
            instance_id=instance_id,
        )
        return Started(task_id, ok, message, code)

    def perform(self, store: Store, item: Any, action: str, files: FileArea | None) -> PerformOutcome:
        if action.casefold() != "start":
            raise rules.unsupported_operation(f"Perform {action or '(no Action)'}", self.object_type)
        row = self._find(store, item)
        if files is None:
            raise rules.unsupported_operation("Perform", self.object_type)
        started = self.start(store, files, row)
        if not started.ok:
            # Perform answers the failure at once: the activity cannot run (no file, no data extension).
            raise rules.ApiError(started.code or rules.GENERAL_EXCEPTION_CODE, started.message)
        task = {
            "StatusCode": "OK",
            "StatusMessage": "OK",
            "ID": started.task_id,
            "InteractionObjectID": row["id"],
        }
        echo = {XSI_TYPE: self.object_type, "ObjectID": row["id"], "CustomerKey": row["customer_key"]}
        return PerformOutcome(rules.activity_performed(self.object_type), task, echo)


class DataExtractActivityHandler(_PerformedActivity):
    object_type = "DataExtractActivity"
    table: RestTable = "data_extracts"

    def _run(self, store: Store, files: FileArea, row: dict[str, Any]) -> str:
        return run_extract(store, files, row, clock.now(store))


class FileTransferActivityHandler(_PerformedActivity):
    object_type = "FileTransferActivity"
    table: RestTable = "file_transfers"

    def _run(self, store: Store, files: FileArea, row: dict[str, Any]) -> str:
        return run_transfer(store, files, row, clock.now(store))
