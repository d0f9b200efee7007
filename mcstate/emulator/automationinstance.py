"""AutomationInstance (Retrieve only): the runs of automations, with each step's activities, their status,
start, end and error (WSDL AutomationInstance / AutomationTaskInstance / AutomationActivityInstance)."""

from __future__ import annotations

import json
from typing import Any, ClassVar

from mcstate.emulator import rules
from mcstate.emulator.codec import XSI_TYPE
from mcstate.emulator.service import KEY, ObjectHandler, Row
from mcstate.emulator.store import Store


class AutomationInstanceHandler(ObjectHandler):
    object_type = "AutomationInstance"
    retrieve_properties = rules.AUTOMATION_INSTANCE_PROPERTIES
    nested_types: ClassVar[dict[str, str]] = {}

    def rows(self, store: Store) -> list[Row]:
        automations = {a.object_id: a for a in store.automations()}
        rows: list[Row] = []
        for instance in store.automation_instances():
            automation = automations.get(instance["automation_id"])
            rows.append(
                {
                    KEY: instance["id"],
                    "ObjectID": instance["id"],
                    "AutomationID": instance["automation_id"],
                    "CustomerKey": automation.customer_key if automation is not None else "",
                    "Name": automation.name if automation is not None else "",
                    "Status": rules.AUTOMATION_INSTANCE_STATUS[instance["status"]],
                    "StatusMessage": instance["error_message"] or instance["status"],
                    "StartTime": instance["start_time"],
                    "CompletedTime": instance["end_time"],
                    "StatusLastUpdate": instance["end_time"] or instance["start_time"],
                    "TaskInstances": _task_instances(json.loads(instance["activities"])),
                }
            )
        return rows


def _task_instances(activities: list[dict[str, Any]]) -> dict[str, Any]:
    steps: dict[int, list[dict[str, Any]]] = {}
    for activity in activities:
        steps.setdefault(int(activity["step"]), []).append(
            {
                "Name": activity["name"],
                "ActivityObject": {
                    XSI_TYPE: activity["type"],
                    "ObjectID": activity["object_id"],
                    "CustomerKey": activity["customer_key"],
                },
                "ActivityID": activity["object_id"],
                "Status": 2 if activity["status"] == rules.ASYNC_STATUS_COMPLETE else -1,
                "StatusMessage": activity["message"],
                "StartTime": activity["start"],
                "CompletedTime": activity["end"],
            }
        )
    return {
        "AutomationTaskInstance": [
            {"Sequence": step, "ActivityInstances": {"ActivityInstance": items}}
            for step, items in steps.items()
        ]
    }
