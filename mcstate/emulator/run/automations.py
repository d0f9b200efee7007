"""Running an automation: its steps in order, the activities of one step side by side, stopping after the
first step with a failing activity, as Automation Studio does; each run is an instance with every
activity's status, start, end and error. A scheduled automation runs when the clock passes its next
occurrence (the clock moves through the admin route or `emulator serve --clock`).
"""

from __future__ import annotations

import calendar
import json
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

from mcstate.emulator import rules
from mcstate.emulator.activities import DataExtractActivityHandler, FileTransferActivityHandler
from mcstate.emulator.files import FileArea
from mcstate.emulator.filteractivity import start_filter
from mcstate.emulator.importdefinition import start_import
from mcstate.emulator.model import Automation
from mcstate.emulator.querydefinition import start_query
from mcstate.emulator.run import clock
from mcstate.emulator.run.status import Started
from mcstate.emulator.store import Store


def run_automation(store: Store, files: FileArea, automation: Automation) -> dict[str, Any]:
    """Run every step now; the instance recorded (as store.automation_instances answers it)."""
    instance_id = str(uuid.uuid4())
    start = clock.now(store)
    store.add_automation_instance(
        {
            "id": instance_id,
            "automation_id": automation.object_id,
            "status": rules.INSTANCE_RUNNING,
            "start_time": start.isoformat(),
            "activities": "[]",
        }
    )
    activities: list[dict[str, Any]] = []
    error: str | None = None
    for step, task in enumerate(automation.tasks, start=1):
        for activity in task["activities"]:
            began = clock.now(store)
            started = _start(store, files, activity, instance_id)
            activities.append(
                {
                    "step": step,
                    "name": activity.get("name") or activity.get("customer_key") or "",
                    "type": activity["type"],
                    "object_id": activity["object_id"],
                    "customer_key": activity.get("customer_key") or "",
                    "task_id": started.task_id,
                    "status": rules.ASYNC_STATUS_COMPLETE if started.ok else rules.ASYNC_STATUS_ERROR,
                    "message": started.message,
                    "start": began.isoformat(),
                    "end": clock.now(store).isoformat(),
                }
            )
            if not started.ok and error is None:
                error = f"Step {step}, {activity['type']} {activity.get('customer_key')}: {started.message}"
        if error is not None:
            break
    store.update_automation_instance(
        instance_id,
        {
            "status": rules.INSTANCE_ERROR if error else rules.INSTANCE_COMPLETE,
            "end_time": clock.now(store).isoformat(),
            "error_message": error,
            "activities": json.dumps(activities),
        },
    )
    return next(i for i in store.automation_instances(automation.object_id) if i["id"] == instance_id)


def _start(store: Store, files: FileArea, activity: dict[str, Any], instance_id: str) -> Started:
    kind, object_id = activity["type"], str(activity["object_id"])
    missing = Started("", False, rules.activity_gone(kind, object_id))
    if kind == "QueryDefinition":
        query = store.query_definition(object_id, rules.QUERY_ACTIVE)
        return start_query(store, query, instance_id) if query is not None else missing
    if kind == "ImportDefinition":
        definition = store.import_definition(object_id)
        return start_import(store, files, definition, instance_id) if definition is not None else missing
    if kind == "FilterActivity":
        row = store.rest_row("filter_activities", object_id)
        return start_filter(store, row, instance_id) if row is not None else missing
    handler = {
        "DataExtractActivity": DataExtractActivityHandler,
        "FileTransferActivity": FileTransferActivityHandler,
    }
    if kind in handler:
        activity_handler = handler[kind]()
        row = store.rest_row(activity_handler.table, object_id)
        return activity_handler.start(store, files, row, instance_id) if row is not None else missing
    return missing


# -- schedules ---------------------------------------------------------------------------------------------


def run_due(store: Store, files: FileArea, after: datetime, until: datetime) -> list[dict[str, Any]]:
    """Run every active scheduled automation whose occurrences fall in (after, until], in time order."""
    due: list[tuple[datetime, Automation]] = []
    for automation in store.automations():
        if not automation.is_active or not automation.schedule or automation.automation_type != "scheduled":
            continue
        moments = [m for m in _occurrences(automation.schedule, until) if m > after]
        due.extend((moment, automation) for moment in moments[: rules.AUTOMATION_MISSED_RUNS_CAUGHT_UP])
    instances = []
    for moment, automation in sorted(due, key=lambda item: (item[0], item[1].customer_key)):
        # The run sees the clock at its scheduled moment; afterwards the clock is where it was moved to.
        current = clock.state(store)
        clock.set_clock(store, moment, frozen=True)
        try:
            instances.append(run_automation(store, files, automation))
        finally:
            clock.set_clock(store, current.now if current.set else None, frozen=current.frozen)
    return instances


def _occurrences(schedule: dict[str, Any], until: datetime) -> Iterator[datetime]:
    """The schedule's run times up to `until` (rules.SCHEDULE_TIMES_ON_SERVER_CLOCK)."""
    start = _moment(schedule.get("StartDateTime"))
    if start is None:
        return
    end = _moment(schedule.get("EndDateTime")) if schedule.get("RecurrenceRangeType") == "EndOn" else None
    limit = int(schedule.get("Occurrences") or 0) if schedule.get("RecurrenceRangeType") == "EndAfter" else 0
    recurrence = schedule.get("Recurrence") or {}
    kind = schedule.get("RecurrenceType")
    for count, moment in enumerate(_series(kind, recurrence, start)):
        if moment > until or (end is not None and moment > end) or (limit and count >= limit):
            return
        yield moment


def _interval(recurrence: dict[str, Any], name: str) -> int:
    try:
        return max(int(recurrence.get(name) or 1), 1)
    except ValueError:
        return 1


def _series(kind: str | None, recurrence: dict[str, Any], start: datetime) -> Iterator[datetime]:
    if kind in ("Minutely", "Hourly", "Daily"):
        unit = {
            "Minutely": ("MinuteInterval", 60),
            "Hourly": ("HourInterval", 3600),
            "Daily": ("DayInterval", 86400),
        }
        name, seconds = unit[kind]
        step = timedelta(seconds=seconds * _interval(recurrence, name))
        moment = start
        while True:
            yield moment
            moment += step
    elif kind == "Weekly":
        days = {
            i for i, day in enumerate(rules.SCHEDULE_WEEKDAYS) if str(recurrence.get(day)).lower() == "true"
        }
        weeks = _interval(recurrence, "WeekInterval")
        week_start = start - timedelta(days=(start.weekday() + 1) % 7)
        while True:
            for offset in range(7):
                moment = week_start + timedelta(days=offset)
                if (moment.weekday() + 1) % 7 in days and moment >= start:
                    yield moment
            week_start += timedelta(weeks=weeks)
    elif kind in ("Monthly", "Yearly"):
        months = _interval(recurrence, "MonthlyInterval") if kind == "Monthly" else 12
        day = int(recurrence.get("ScheduledDay") or start.day)
        index = 0
        while True:
            total = start.year * 12 + start.month - 1 + index * months
            year, month = divmod(total, 12)
            last = calendar.monthrange(year, month + 1)[1]
            moment = start.replace(year=year, month=month + 1, day=min(day, last))
            if moment >= start:
                yield moment
            index += 1


def _moment(text: Any) -> datetime | None:
    if not text:
        return None
    try:
        return datetime.fromisoformat(str(text)).replace(tzinfo=None)
    except ValueError:
        return None
