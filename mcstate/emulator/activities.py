"""DataExtractActivity and FileTransferActivity: over SOAP, saved data extracts and file transfers (REST
objects, emulator/rest.py) can only be performed (SEMANTICS §6.8, §6.9): Start runs them at once
(emulator/run/extracts.py)."""

from __future__ import annotations

from typing import Any

from mcstate.emulator import rules
from mcstate.emulator.codec import XSI_TYPE, XNode, new_uuid
from mcstate.emulator.files import FileArea
from mcstate.emulator.run import clock
from mcstate.emulator.run.extracts import run_extract, run_transfer
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

    def perform(self, store: Store, item: Any, action: str, files: FileArea | None) -> PerformOutcome:
        if action.casefold() != "start":
            raise rules.unsupported_operation(f"Perform {action or '(no Action)'}", self.object_type)
        row = self._find(store, item)
        if files is None:
            raise rules.unsupported_operation("Perform", self.object_type)
        self._run(store, files, row)
        task = {"StatusCode": "OK", "StatusMessage": "OK", "ID": new_uuid(), "InteractionObjectID": row["id"]}
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
        return run_transfer(files, row, clock.now(store))
