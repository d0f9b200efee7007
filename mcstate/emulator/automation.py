"""Automation (Create, Retrieve, Update, Delete): programs of steps (AutomationTasks) with a schedule.

The schedule is kept as received, as plain values ({"RecurrenceType", "Recurrence": {"type": subtype, ...},
"RecurrenceRangeType", "StartDateTime", "EndDateTime", "Occurrences", "TimeZone": {"Name"}}); each step
keeps its activities by xsi:type and ObjectID. Every activity must name an existing object of its type
(data filter, query, import, data extract or file transfer: the emulator holds them all); Retrieve answers
each activity with the current key and name of the object it names.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from mcstate.emulator import rules
from mcstate.emulator.codec import XSI_TYPE, XNode
from mcstate.emulator.files import FileArea
from mcstate.emulator.model import Automation
from mcstate.emulator.run.automations import run_automation
from mcstate.emulator.service import KEY, ObjectHandler, Outcome, PerformOutcome, Row
from mcstate.emulator.store import Store

RECURRENCE_FIELDS = (
    "MinutelyRecurrencePatternType", "MinuteInterval", "HourlyRecurrencePatternType", "HourInterval",
    "DailyRecurrencePatternType", "DayInterval", "WeeklyRecurrencePatternType", "WeekInterval",
    *rules.SCHEDULE_WEEKDAYS, "MonthlyRecurrencePatternType", "MonthlyInterval", "ScheduledDay",
    "ScheduledWeek", "ScheduledDayOfWeek", "YearlyRecurrencePatternType", "ScheduledMonth",
)  # fmt: skip
SCHEDULE_FIELDS = ("RecurrenceType", "RecurrenceRangeType", "StartDateTime", "EndDateTime", "Occurrences")


@dataclass
class AutomationInput:
    """An Automation request object; None means the element was absent."""

    object_id: str | None
    customer_key: str | None
    name: str | None
    description: str | None
    category_id: str | None
    is_active: bool | None
    automation_type: str | None
    schedule: dict[str, Any] | None
    tasks: list[dict[str, Any]] | None


def _key(node: XNode, name: str) -> str | None:
    text = node.text_of(name)
    return text.strip() or None if text is not None else None


def read_schedule(node: XNode) -> dict[str, Any]:
    schedule: dict[str, Any] = {name: _key(node, name) for name in SCHEDULE_FIELDS if node.has(name)}
    recurrence = node.get("Recurrence")
    if recurrence is not None:
        values: dict[str, Any] = {"type": recurrence.xsi_type}
        values.update({name: _key(recurrence, name) for name in RECURRENCE_FIELDS if recurrence.has(name)})
        schedule["Recurrence"] = values
    time_zone = node.get("TimeZone")
    if time_zone is not None:
        schedule["TimeZone"] = {name: _key(time_zone, name) for name in ("ID", "Name") if time_zone.has(name)}
    return schedule


def read_tasks(node: XNode) -> list[dict[str, Any]]:
    tasks = []
    for task in node.all("AutomationTask"):
        activities = []
        for activity in (task.get("Activities") or XNode("", None, "")).all("Activity"):
            target = activity.get("ActivityObject")
            activities.append(
                {
                    "type": None if target is None else target.xsi_type,
                    "object_id": None if target is None else _key(target, "ObjectID"),
                    "customer_key": None if target is None else _key(target, "CustomerKey"),
                    "name": activity.text_of("Name"),
                }
            )
        tasks.append({"name": task.text_of("Name"), "activities": activities})
    return tasks


def read_automation(node: XNode) -> AutomationInput:
    schedule = node.get("Schedule")
    tasks = node.get("AutomationTasks")
    return AutomationInput(
        object_id=_key(node, "ObjectID"),
        customer_key=_key(node, "CustomerKey"),
        name=node.text_of("Name"),
        description=node.text_of("Description"),
        category_id=_key(node, "CategoryID"),
        is_active=node.bool_of("IsActive"),
        automation_type=_key(node, "AutomationType"),
        schedule=None if schedule is None or not schedule.children else read_schedule(schedule),
        tasks=None if tasks is None else read_tasks(tasks),
    )


def _lookups(store: Store) -> dict[str, Callable[[str], tuple[str, str] | None]]:
    """How to find an activity's object (its key and name) by ObjectID, for every activity type."""

    def named(found: Any) -> tuple[str, str] | None:
        return None if found is None else (found.customer_key, found.name)

    def rest(table: Any) -> Callable[[str], tuple[str, str] | None]:
        def find(object_id: str) -> tuple[str, str] | None:
            row = store.rest_row(table, object_id)
            return None if row is None else (str(row["customer_key"]), str(row["name"]))

        return find

    return {
        "FilterActivity": rest("filter_activities"),
        "QueryDefinition": lambda object_id: named(store.query_definition(object_id, "Active")),
        "ImportDefinition": lambda object_id: named(store.import_definition(object_id)),
        "DataExtractActivity": rest("data_extracts"),
        "FileTransferActivity": rest("file_transfers"),
    }


def _is_guid(text: str) -> bool:
    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return True


def check_tasks(store: Store, tasks: list[dict[str, Any]] | None) -> list[dict[str, Any]]:
    """Steps with at least one activity each, every activity of a known type naming an existing object."""
    if not tasks:
        raise rules.program_invalid("An automation needs at least one step (AutomationTask).")
    lookups = _lookups(store)
    for number, task in enumerate(tasks, start=1):
        if not task["activities"]:
            raise rules.program_invalid(f"Step {number} has no activity.")
        for activity in task["activities"]:
            activity_type = activity["type"]
            if activity_type not in rules.ACTIVITY_OBJECT_TYPES:
                raise rules.not_an_activity(number, activity_type)
            if not activity["object_id"]:
                raise rules.program_invalid(f"Step {number}: the {activity_type} activity has no ObjectID.")
            found = lookups[activity_type](activity["object_id"])
            if found is None:
                raise rules.program_invalid(
                    f"Step {number}: no {activity_type} has the ObjectID {activity['object_id']}."
                )
            activity["customer_key"] = found[0]
    return tasks


def schedule_to_wire(schedule: dict[str, Any]) -> dict[str, Any]:
    values: dict[str, Any] = {name: schedule[name] for name in SCHEDULE_FIELDS if schedule.get(name)}
    recurrence = dict(schedule.get("Recurrence") or {})
    subtype = recurrence.pop("type", None)
    values["Recurrence"] = {XSI_TYPE: subtype, **{k: v for k, v in recurrence.items() if v is not None}}
    if schedule.get("TimeZone"):
        values["TimeZone"] = dict(schedule["TimeZone"])
    return values


def tasks_to_wire(store: Store, tasks: list[dict[str, Any]]) -> dict[str, Any]:
    lookups = _lookups(store)
    answered = []
    for number, task in enumerate(tasks, start=1):
        activities = []
        for activity in task["activities"]:
            # An activity deleted since keeps its ObjectID and the key it had.
            found = lookups[activity["type"]](activity["object_id"])
            target: dict[str, Any] = {
                XSI_TYPE: activity["type"],
                "ObjectID": activity["object_id"],
                "CustomerKey": found[0] if found is not None else activity["customer_key"],
            }
            if found is not None:
                target["Name"] = found[1]
            activities.append({"Name": activity["name"], "ActivityObject": target})
        answered.append({"Name": task["name"], "Sequence": number, "Activities": {"Activity": activities}})
    return {"AutomationTask": answered}


class AutomationHandler(ObjectHandler):
    object_type = "Automation"
    retrieve_properties = rules.AUTOMATION_PROPERTIES

    def read(self, node: XNode, operation: str) -> AutomationInput:
        return read_automation(node)

    @staticmethod
    def _category(store: Store, text: str) -> int:
        try:
            category_id = int(text)
        except ValueError:
            raise rules.program_invalid(f"CategoryID {text} is not an automation folder.") from None
        rules.check_automation_category(category_id, store.folder(category_id))
        return category_id

    @staticmethod
    def _check_name_free(store: Store, name: str, itself: str | None = None) -> None:
        other = store.automation_by_name(name)
        if other is not None and other.object_id != itself:
            raise rules.program_invalid(f"An automation named {name} already exists.")

    def create(self, store: Store, item: AutomationInput) -> Outcome:
        if item.object_id:
            raise rules.program_invalid("ObjectID is generated by the system and cannot be sent on Create.")
        name = (item.name or "").strip()
        if not name:
            raise rules.program_invalid("Name is required.")
        self._check_name_free(store, name)
        if item.customer_key and store.automation_by_key(item.customer_key) is not None:
            raise rules.program_invalid(
                f"An automation with the CustomerKey {item.customer_key} already exists."
            )
        tasks = check_tasks(store, item.tasks)
        if item.schedule is not None:
            rules.check_schedule(item.schedule)
        if item.category_id is not None:
            category_id = self._category(store, item.category_id)
        else:
            category_id = store.folders_by_key(rules.DEFAULT_AUTOMATION_FOLDER_KEY)[0].id
        is_active = bool(item.is_active)
        automation_type = rules.check_automation_type(item.automation_type or "scheduled")
        now = rules.server_now()
        automation = Automation(
            object_id=str(uuid.uuid4()),
            customer_key=item.customer_key or str(uuid.uuid4()).upper(),
            name=name,
            description=item.description or "",
            category_id=category_id,
            is_active=is_active,
            automation_type=automation_type,
            status=rules.automation_status(is_active, item.schedule is not None, automation_type),
            schedule=item.schedule,
            tasks=tasks,
            created=now,
            modified=now,
        )
        store.insert_automation(automation)
        return Outcome(rules.AUTOMATION_CREATED, 0, automation.object_id)

    @staticmethod
    def _find_by_object_id(store: Store, object_id: str | None) -> Automation:
        if not object_id:
            raise rules.program_object_id_required()
        if not _is_guid(object_id):
            raise rules.program_invalid_object_id(object_id)
        found = store.automation(object_id)
        if found is None:
            raise rules.program_not_found()
        return found

    def update(self, store: Store, item: AutomationInput) -> Outcome:
        current = self._find_by_object_id(store, item.object_id)
        automation = replace(current)
        if item.name is not None:
            name = item.name.strip()
            if not name:
                raise rules.program_invalid("Name is required.")
            self._check_name_free(store, name, current.object_id)
            automation.name = name
        if item.description is not None:
            automation.description = item.description
        if item.customer_key and item.customer_key != current.customer_key:
            other = store.automation_by_key(item.customer_key)
            if other is not None and other.object_id != current.object_id:
                raise rules.program_invalid(
                    f"An automation with the CustomerKey {item.customer_key} already exists."
                )
            automation.customer_key = item.customer_key
        if item.tasks is not None:
            automation.tasks = check_tasks(store, item.tasks)
        if item.schedule is not None:
            rules.check_schedule(item.schedule)
            automation.schedule = item.schedule
        if item.category_id is not None:
            automation.category_id = self._category(store, item.category_id)
        if item.is_active is not None:
            automation.is_active = item.is_active
        if item.automation_type is not None:
            automation.automation_type = rules.check_automation_type(item.automation_type)
        automation.status = rules.automation_status(
            automation.is_active, automation.schedule is not None, automation.automation_type
        )
        automation.modified = rules.server_now()
        store.update_automation(automation)
        return Outcome(rules.AUTOMATION_UPDATED)

    def delete(self, store: Store, item: AutomationInput) -> Outcome:
        if item.customer_key and not item.object_id:
            found = store.automation_by_key(item.customer_key)
            if found is None:
                raise rules.program_not_found()
        else:
            found = self._find_by_object_id(store, item.object_id)
        store.delete_automation(found.object_id)
        return Outcome(rules.AUTOMATION_DELETED)

    def perform(
        self, store: Store, item: AutomationInput, action: str, files: FileArea | None
    ) -> PerformOutcome:
        """Start runs the automation at once (emulator/run/automations.py); its instance is read with
        Retrieve AutomationInstance (AutomationID)."""
        if action.casefold() not in ("start", "stop"):
            raise rules.unsupported_operation(f"Perform {action or '(no Action)'}", self.object_type)
        automation = self._find_by_object_id(store, item.object_id)
        if action.casefold() == "start":
            if files is None:
                raise rules.program_invalid("The emulator has no file area to run activities in.")
            run_automation(store, files, automation)
        echo = {
            XSI_TYPE: self.object_type,
            "ObjectID": automation.object_id,
            "CustomerKey": automation.customer_key,
            "Name": automation.name,
            "Description": automation.description,
            "IsActive": automation.is_active,
        }
        return PerformOutcome(rules.AUTOMATION_PERFORMED, None, echo)

    # -- Retrieve -----------------------------------------------------------------------------------------

    def rows(self, store: Store) -> list[Row]:
        return [self._row(store, automation) for automation in store.automations()]

    @staticmethod
    def _row(store: Store, automation: Automation) -> Row:
        row: dict[str, Any] = {
            KEY: automation.object_id,
            "CreatedDate": automation.created,
            "ModifiedDate": automation.modified,
            "ObjectID": automation.object_id,
            "CustomerKey": automation.customer_key,
            "Name": automation.name,
            "Description": automation.description,
            "AutomationTasks": tasks_to_wire(store, automation.tasks),
            "IsActive": automation.is_active,
            "Status": automation.status,
            "AutomationType": automation.automation_type,
            "CategoryID": str(automation.category_id),
        }
        if automation.schedule is not None:
            row["Schedule"] = schedule_to_wire(automation.schedule)
        return row
