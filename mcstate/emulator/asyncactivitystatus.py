"""AsyncActivityStatus (Retrieve only): the status of started queries, as ObjectExtension name/value
properties (SEMANTICS §6.10)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from mcstate.emulator import rules
from mcstate.emulator.codec import XSI_TYPE
from mcstate.emulator.service import KEY, ObjectHandler, Row
from mcstate.emulator.store import Store

OBJECT_TYPE = "AsyncActivityStatus"


class AsyncActivityStatusHandler(ObjectHandler):
    object_type = OBJECT_TYPE
    retrieve_properties = rules.ASYNC_ACTIVITY_STATUS_PROPERTIES

    def rows(self, store: Store) -> list[Row]:
        return [
            {
                KEY: run["task_id"],
                "TaskID": run["task_id"],
                "ParentInteractionObjectID": run["object_id"],
                "CustomerKey": run["customer_key"],
                "Status": run["status"],
                "StatusMessage": run["status_message"],
                "ErrorMsg": run["error_message"] or "",
                "StartTime": run["start_time"],
                "EndTime": run["end_time"],
                "CompletedDate": run["end_time"],
                "ProcessedCount": str(run["processed"]),
                "Type": run["object_type"],
                "ActionType": "Start",
                "StepName": run["name"],
            }
            for run in store.activity_runs()
        ]

    def project(self, row: Mapping[str, Any], properties: Sequence[str]) -> dict[str, Any]:
        return {
            XSI_TYPE: "ObjectExtension",
            "Type": OBJECT_TYPE,
            "Properties": {
                "Property": [{"Name": name, "Value": str(row.get(name) or "")} for name in properties]
            },
        }
