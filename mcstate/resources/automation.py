"""Automations (Automation): ordered steps of activities, an optional schedule, and whether it is active.

Desired and live objects are normalized to the same shape:

    name, description, folder, active,
    schedule {recurrence, interval, start, time_zone, end_date, occurrences, days?, day_of_month?} | None,
    steps [[{type, key}]]

A step is a list of activities that run in parallel; steps run in order. Activities are named by type
(import, query, filter, extract, file_transfer) and key. The SOAP Automation refers to activities by
ObjectID (AutomationTasks/AutomationTask/Activities/Activity/ActivityObject with the activity's xsi:type), so
the write calls take the ObjectIDs the apply learnt or read, and reading maps the ObjectIDs back to keys
through the activity kinds read before (registry order). An ObjectID that matches no known activity reads
as type None, so a stale reference always shows as a change.

The schedule travels inside the Automation object (Automation.Schedule, a ScheduleDefinition) on Create and
Update and is read back from it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, ClassVar

from mcstate.definitions.document import DocPath, Document
from mcstate.definitions.writer import Flow, FlowList
from mcstate.errors import Problem
from mcstate.plan import AttributeChange, Change
from mcstate.resources.base import (
    ApplyContext,
    Definition,
    Desired,
    FeedEdge,
    FlowIndex,
    KindDefaults,
    Live,
    LiveCheck,
    NotRepresentable,
    Ref,
    Retriever,
    SoapObject,
    Step,
)
from mcstate.resources.common import (
    account_name_conflicts,
    declared_name_conflicts,
    folder_path,
    folder_problems,
)
from mcstate.resources.definition_values import written_folder
from mcstate.resources.file_location import is_referenced
from mcstate.resources.folder import KIND as FOLDER
from mcstate.resources.folder import folder_ref

KIND = "Automation"
ROOT_FOLDER = "my automations"

ATTRIBUTES = ("name", "description", "folder", "active", "schedule", "steps")

# Activity types as the definitions write them ({query: KEY}): each kind that can be a step says its name
# (step_name) and the xsi:type of its ActivityObject (activity_object_type).
# A step's {filter: KEY} runs a filter activity; a data filter (FilterDefinition) is what one applies.
FILTER_DEFINITION = "FilterDefinition"
FILTER_STEP = "filter"

AUTOMATION_TYPE = "scheduled"

# Recurrences: the definitions' name, the service's RecurrenceType, the Recurrence subtype and its fields.
RECURRENCES = {
    "minutely": ("Minutely", "MinutelyRecurrence", "MinutelyRecurrencePatternType", "MinuteInterval"),
    "hourly": ("Hourly", "HourlyRecurrence", "HourlyRecurrencePatternType", "HourInterval"),
    "daily": ("Daily", "DailyRecurrence", "DailyRecurrencePatternType", "DayInterval"),
    "weekly": ("Weekly", "WeeklyRecurrence", "WeeklyRecurrencePatternType", "WeekInterval"),
    "monthly": ("Monthly", "MonthlyRecurrence", "MonthlyRecurrencePatternType", "MonthlyInterval"),
}
RECURRENCE_NAMES = {service: name for name, (service, *_rest) in RECURRENCES.items()}
# Every pattern mcstate writes repeats at an interval; weekly runs on chosen days, monthly on a day number.
PATTERNS = {"weekly": "ByDay", "monthly": "ByDay"}
DEFAULT_PATTERN = "Interval"
# What other patterns run on (a monthly ByWeek pattern: the first Monday).
PATTERN_DETAILS = ("ScheduledWeek", "ScheduledDayOfWeek")
WEEKDAYS = ("Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday")

# A schedule without an end ends on the last day the service stores (SQL Server smalldatetime), which is
# how Automation Studio spells "no end date".
NO_END = dt.datetime(2079, 6, 6)
MINIMUM_MINUTES = 5

SCHEDULE_ERROR = "140 Schedule Validation Error"
PROGRAM_ERROR = "355003 Program Creation Error"

PROPERTIES = [
    "ObjectID",
    "CustomerKey",
    "Name",
    "Description",
    "CategoryID",
    "IsActive",
    "Status",
    "Schedule",
    "AutomationTasks",
]
# Status codes of automations that a file drop starts (AwaitingTrigger, InactiveTrigger): definitions
# describe scheduled automations only.
TRIGGERED_STATUSES = frozenset({7, 8})


def _fold(text: str) -> str:
    return text.casefold()


def activity_kinds() -> dict[str, str]:
    """The kind of each step name: {"query": "QueryDefinition", ...}."""
    from mcstate.resources import step_kinds  # the registry imports this module

    return step_kinds()


def activity_object_type(kind: str) -> str:
    from mcstate.resources import REGISTRY  # the registry imports this module

    return str(REGISTRY[kind].activity_object_type)


def _moment(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text.strip().replace(" ", "T", 1))


def _moment_text(value: Any) -> str | None:
    """A schedule moment as the definitions normalize it: YYYY-MM-DDTHH:MM:SS, without a zone. Text that is
    no valid moment stays as written, for check() to report."""
    if value in (None, ""):
        return None
    try:
        moment = value if isinstance(value, dt.datetime) else _moment(str(value))
    except ValueError:
        return str(value)
    return moment.replace(tzinfo=None, microsecond=0).isoformat()


def _is_moment(text: str) -> bool:
    try:
        _moment(text)
    except ValueError:
        return False
    return True


# -- schedules ---------------------------------------------------------------------------------------------


def normalize_schedule(raw: Mapping[str, Any] | None) -> dict[str, Any] | None:
    if not raw:
        return None
    recurrence = str(raw["recurrence"])
    schedule: dict[str, Any] = {
        "recurrence": recurrence,
        "interval": int(raw.get("interval", 1)),
        "start": _moment_text(raw["start"]),
        "time_zone": str(raw["time_zone"]),
        "end_date": _moment_text(raw.get("end_date")),
        "occurrences": int(raw["occurrences"]) if raw.get("occurrences") is not None else None,
    }
    if recurrence == "weekly":
        chosen = {_fold(str(day)) for day in raw.get("days") or []}
        schedule["days"] = [day for day in WEEKDAYS if _fold(day) in chosen]
    if recurrence == "monthly":
        schedule["day_of_month"] = int(raw["day_of_month"])
    return schedule


def schedule_to_service(schedule: Mapping[str, Any]) -> dict[str, Any]:
    """A normalized schedule as the ScheduleDefinition of an Automation."""
    recurrence = schedule["recurrence"]
    recurrence_type, subtype, pattern_field, interval_field = RECURRENCES[recurrence]
    pattern: dict[str, Any] = {
        pattern_field: PATTERNS.get(recurrence, DEFAULT_PATTERN),
        interval_field: schedule["interval"],
    }
    if recurrence == "weekly":
        pattern.update({day: day in schedule["days"] for day in WEEKDAYS})
    if recurrence == "monthly":
        pattern["ScheduledDay"] = schedule["day_of_month"]
    props: dict[str, Any] = {
        "Recurrence": SoapObject(subtype, pattern),
        "RecurrenceType": recurrence_type,
        "StartDateTime": _moment(schedule["start"]),
    }
    if schedule.get("occurrences") is not None:
        props["RecurrenceRangeType"] = "EndAfter"
        props["Occurrences"] = schedule["occurrences"]
    else:
        props["RecurrenceRangeType"] = "EndOn"
        props["EndDateTime"] = _moment(schedule["end_date"]) if schedule.get("end_date") else NO_END
    props["TimeZone"] = {"Name": schedule["time_zone"]}
    return props


def schedule_from_service(row: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """The normalized schedule of a retrieved Automation.Schedule (None when it has none)."""
    if not row or not row.get("RecurrenceType"):
        return None
    recurrence = RECURRENCE_NAMES.get(str(row["RecurrenceType"]), str(row["RecurrenceType"]).lower())
    pattern = row.get("Recurrence") or {}
    interval_field = RECURRENCES[recurrence][3] if recurrence in RECURRENCES else ""
    schedule: dict[str, Any] = {
        "recurrence": recurrence,
        "interval": int(pattern.get(interval_field) or 1),
        "start": _moment_text(row.get("StartDateTime")),
        "time_zone": str((row.get("TimeZone") or {}).get("Name") or ""),
        "end_date": None,
        "occurrences": None,
    }
    repeats = str(pattern.get(RECURRENCES[recurrence][2]) or "") if recurrence in RECURRENCES else ""
    if repeats and repeats != PATTERNS.get(recurrence, DEFAULT_PATTERN):
        # A pattern mcstate does not write (every week day, the first Monday of each month): kept, so the
        # schedule never equals a definition's (whose apply would change it) and the plan shows it.
        details = " ".join(str(pattern[name]) for name in PATTERN_DETAILS if pattern.get(name))
        schedule["pattern"] = f"{repeats} {details}".strip()
    if row.get("RecurrenceRangeType") == "EndAfter" and row.get("Occurrences") is not None:
        schedule["occurrences"] = int(row["Occurrences"])
    elif row.get("EndDateTime") not in (None, ""):
        end = _moment_text(row["EndDateTime"])
        if end != NO_END.isoformat():
            schedule["end_date"] = end
    if recurrence == "weekly":
        schedule["days"] = [day for day in WEEKDAYS if str(pattern.get(day)).lower() == "true"]
    if recurrence == "monthly":
        schedule["day_of_month"] = int(pattern.get("ScheduledDay") or 0)
    return schedule


def describe_schedule(schedule: Mapping[str, Any] | None) -> str | None:
    """A schedule on one line: every 1 day from 2025-01-06T02:00:00 (Central Standard Time)."""
    if schedule is None:
        return None
    unit = {"minutely": "minute", "hourly": "hour", "daily": "day", "weekly": "week", "monthly": "month"}
    text = f"every {schedule['interval']} {unit.get(schedule['recurrence'], schedule['recurrence'])}"
    if schedule.get("pattern"):
        text += f" ({schedule['pattern']})"
    if schedule.get("days"):
        text += f" on {', '.join(schedule['days'])}"
    if schedule.get("day_of_month"):
        text += f" on day {schedule['day_of_month']}"
    text += f" from {schedule['start']} ({schedule['time_zone']})"
    if schedule.get("occurrences") is not None:
        text += f", {schedule['occurrences']} times"
    elif schedule.get("end_date"):
        text += f" until {schedule['end_date']}"
    return text


def _written_moment(text: str) -> str:
    """A moment as people write it: 2026-01-05T02:00, seconds only when there are some."""
    return text.removesuffix(":00") if len(text) == len("YYYY-MM-DDTHH:MM:SS") else text


def schedule_definition(schedule: Mapping[str, Any]) -> dict[str, Any]:
    """A normalized schedule as a definition writes it (interval 1 and no end left out).
    Raises ValueError with the reason when it cannot be written."""
    recurrence = schedule["recurrence"]
    if recurrence not in RECURRENCES:
        raise ValueError(f"its schedule recurs '{recurrence}', which mcstate does not write")
    if schedule.get("pattern"):
        raise ValueError(
            f"its {recurrence} schedule follows the pattern '{schedule['pattern']}'; definitions repeat a "
            f"{recurrence} schedule at an interval"
            + (" on chosen days" if recurrence == "weekly" else "")
            + (" on a day of the month" if recurrence == "monthly" else "")
        )
    if not schedule.get("start") or not _is_moment(str(schedule["start"])):
        raise ValueError(f"its schedule starts at '{schedule.get('start')}', which is not a date and time")
    if not schedule.get("time_zone"):
        raise ValueError("its schedule has no time zone")
    written: dict[str, Any] = {"recurrence": recurrence}
    if schedule["interval"] != 1:
        written["interval"] = schedule["interval"]
    written["start"] = _written_moment(schedule["start"])
    written["time_zone"] = schedule["time_zone"]
    if schedule.get("occurrences") is not None:
        written["occurrences"] = schedule["occurrences"]
    elif schedule.get("end_date") is not None:
        end = str(schedule["end_date"])
        written["end_date"] = (
            end.removesuffix("T00:00:00") if end.endswith("T00:00:00") else _written_moment(end)
        )
    if recurrence == "weekly":
        if not schedule.get("days"):
            raise ValueError("its weekly schedule runs on no day of the week")
        written["days"] = FlowList(schedule["days"])
    if recurrence == "monthly":
        if not 1 <= int(schedule.get("day_of_month") or 0) <= 31:
            raise ValueError(
                "its monthly schedule does not run on a day of the month (it may run on a weekday such as "
                "the first Monday); definitions schedule monthly runs by the day of the month"
            )
        written["day_of_month"] = schedule["day_of_month"]
    return written


# -- steps -------------------------------------------------------------------------------------------------


def normalize_steps(raw: Sequence[Sequence[Mapping[str, Any]]]) -> list[list[dict[str, Any]]]:
    """Each activity is written as {type: key}, e.g. {query: nto_city_segments}."""
    steps = []
    for step in raw:
        activities = []
        for activity in step:
            [(activity_type, key)] = activity.items()
            activities.append({"type": str(activity_type), "key": str(key)})
        steps.append(activities)
    return steps


def steps_to_service(steps: Sequence[Sequence[Mapping[str, Any]]], context: ApplyContext) -> dict[str, Any]:
    tasks = []
    for number, step in enumerate(steps, start=1):
        activities = []
        for activity in step:
            kind = activity_kinds()[activity["type"]]
            object_id = context.ids(kind, activity["key"])["object_id"]
            activity_object = SoapObject(
                activity_object_type(kind), {"ObjectID": object_id, "CustomerKey": activity["key"]}
            )
            activities.append({"ActivityObject": activity_object})
        tasks.append({"Name": f"Step {number}", "Activities": {"Activity": activities}})
    return {"AutomationTask": tasks}


def steps_from_service(
    tasks_row: Mapping[str, Any] | None, activities_by_object_id: Mapping[str, tuple[str, str]]
) -> list[list[dict[str, Any]]]:
    tasks = list((tasks_row or {}).get("AutomationTask") or [])
    if all(task.get("Sequence") is not None for task in tasks):
        tasks.sort(key=lambda task: int(task["Sequence"]))
    steps = []
    for task in tasks:
        activities = []
        for activity in (task.get("Activities") or {}).get("Activity") or []:
            target = activity.get("ActivityObject") or {}
            object_id = str(target.get("ObjectID") or "")
            known = activities_by_object_id.get(_fold(object_id))
            if known is not None:
                activities.append({"type": known[0], "key": known[1]})
            else:
                activities.append({"type": None, "key": str(target.get("CustomerKey") or object_id)})
        steps.append(activities)
    return steps


def _names_filter_definition(
    key: str, declared: Mapping[str, Desired], live: Mapping[str, Mapping[str, Live]] | None
) -> bool:
    """Whether a step's {filter: KEY} names a data filter where it must name a filter activity: no filter
    activity has the key (in the definitions, or in the account when `live` is given) and a data filter
    does. Without `live` (before the account is read), only a declared data filter counts."""
    from mcstate.desired import lookup_address  # the registry imports this module

    kind = activity_kinds()[FILTER_STEP]
    places: list[Mapping[str, Any]] = [declared]
    if live is not None:
        places += [live.get(kind, {}), live.get(FILTER_DEFINITION, {})]
    if any(lookup_address(kind, key) in place for place in places):
        return False
    filter_lookup = lookup_address(FILTER_DEFINITION, key)
    return any(filter_lookup in place for place in places)


def _filter_definition_as_step(key: str) -> str:
    return (
        f"'{key}' is a data filter (FilterDefinition); an automation step runs a filter activity, which "
        "applies a data filter and writes the result into a data extension: declare a FilterActivity "
        f"(filter: {key}, destination: <data extension key>) and name its key here"
    )


def _activities(raw: Any) -> list[tuple[str, str, DocPath]]:
    """Every activity as written: (type, key, path)."""
    found = []
    for step_index, step in enumerate(raw or []):
        for index, activity in enumerate(step or []):
            for activity_type, key in dict(activity).items():
                found.append((str(activity_type), str(key), ("steps", step_index, index, str(activity_type))))
    return found


# -- the resource type -------------------------------------------------------------------------------------


class AutomationType(KindDefaults):
    kind: ClassVar[str] = KIND
    schema: ClassVar[str | None] = "automation.schema.json"
    block_attributes: ClassVar[frozenset[str]] = frozenset({"schedule"})
    label: ClassVar[str] = "automation"
    directory: ClassVar[str | None] = "automations"
    root_folder: ClassVar[str | None] = ROOT_FOLDER
    folder_content_type: ClassVar[str | None] = "automations"
    in_flow: ClassVar[bool] = True
    flow_shape: ClassVar[tuple[str, str]] = ('{{"', '"}}')

    def from_document(self, document: Document) -> Desired:
        data = document.data
        folder = folder_path(data, ROOT_FOLDER)
        attributes = {
            "name": data["name"],
            "description": data.get("description") or "",
            "folder": folder,
            "active": bool(data.get("active", False)),
            "schedule": normalize_schedule(data.get("schedule")),
            "steps": normalize_steps(data["steps"]),
        }
        folder_at: DocPath = ("folder",) if "folder" in data else ()
        references = [folder_ref(folder, folder_at)]
        kinds = activity_kinds()
        for activity_type, key, path in _activities(data["steps"]):
            # A step name no kind has cannot be resolved; check() reports it.
            if activity_type in kinds:
                references.append(Ref(kinds[activity_type], key, path, by_id=True))
        return Desired(KIND, str(data["key"]), attributes, document, tuple(references))

    def check(self, desired: Desired, declared: Mapping[str, Desired]) -> list[Problem]:
        document = desired.document
        if document is None:
            return []
        problems: list[Problem] = []
        problems.extend(folder_problems(document, desired.attributes["folder"], ROOT_FOLDER))
        kinds = activity_kinds()
        for activity_type, key, path in _activities(document.data.get("steps")):
            if activity_type not in kinds:
                problems.append(
                    document.problem(path, f"{activity_type} activities are not managed by this mcstate")
                )
            elif activity_type == FILTER_STEP and _names_filter_definition(key, declared, None):
                problems.append(document.problem(path, _filter_definition_as_step(key)))
        problems.extend(self._check_schedule(document, desired.attributes["schedule"]))
        problems.extend(declared_name_conflicts(desired, declared, "automation", PROGRAM_ERROR))
        return problems

    @staticmethod
    def _check_schedule(document: Document, schedule: Mapping[str, Any] | None) -> list[Problem]:
        if schedule is None:
            return []
        problems = []
        for name in ("start", "end_date"):
            if schedule.get(name) and not _is_moment(schedule[name]):
                problems.append(
                    document.problem(
                        ("schedule", name),
                        f"{SCHEDULE_ERROR}: '{schedule[name]}' is not a valid date and time",
                    )
                )
        if problems:
            return problems
        if schedule["recurrence"] == "minutely" and schedule["interval"] < MINIMUM_MINUTES:
            problems.append(
                document.problem(
                    ("schedule", "interval"),
                    f"{SCHEDULE_ERROR}: an automation runs at most every {MINIMUM_MINUTES} minutes "
                    f"(interval {schedule['interval']})",
                )
            )
        end = schedule.get("end_date")
        if end and end <= schedule["start"]:
            problems.append(
                document.problem(
                    ("schedule", "end_date"),
                    f"{SCHEDULE_ERROR}: the schedule ends ({end}) before it starts ({schedule['start']})",
                )
            )
        return problems

    def check_live(
        self, desired: Desired, declared: Mapping[str, Desired], live: Mapping[str, Mapping[str, Live]]
    ) -> LiveCheck:
        problems = account_name_conflicts(desired, live, "automation", PROGRAM_ERROR)
        document = desired.document
        if document is not None:
            for activity_type, key, path in _activities(document.data.get("steps")):
                if activity_type == FILTER_STEP and _names_filter_definition(key, declared, live):
                    problems.append(document.problem(path, _filter_definition_as_step(key)))
        return LiveCheck(tuple(problems))

    def feeds(self, lookup: str, attributes: Mapping[str, Any], index: FlowIndex) -> Iterable[FeedEdge]:
        kinds = activity_kinds()
        for step in attributes.get("steps") or ():
            for activity in step:
                kind = kinds.get(str(activity.get("type")))
                if kind is not None and activity.get("key"):
                    yield lookup, index.ref(kind, activity["key"]), "runs"

    def read_for(
        self, client: Retriever, live: Mapping[str, Mapping[str, Live]], desired: Sequence[Desired]
    ) -> list[Live]:
        """Nothing refers to an automation: it is read only when the definitions declare automations (or the
        record of managed objects holds one no definition declares: then `read` reads them all)."""
        return self.read(client, live) if is_referenced(KIND, desired) else []

    def read(self, client: Retriever, live: Mapping[str, Mapping[str, Live]]) -> list[Live]:
        rows = client.retrieve(KIND, PROPERTIES)  # before looking at `live`: see engine.read_live
        folders_by_id = {obj.ids.get("id"): obj.key for obj in live.get(FOLDER, {}).values()}
        activities_by_object_id: dict[str, tuple[str, str]] = {}
        for activity_type, kind in activity_kinds().items():
            for obj in live.get(kind, {}).values():
                object_id = obj.ids.get("object_id")
                if object_id:
                    activities_by_object_id[_fold(str(object_id))] = (activity_type, obj.key)
        objects: list[Live] = []
        for row in rows:
            if not row.get("CustomerKey"):
                continue
            category = row.get("CategoryID")
            attributes = {
                "name": row.get("Name") or "",
                "description": row.get("Description") or "",
                "folder": folders_by_id.get(int(category)) if category not in (None, "") else None,
                "active": str(row.get("IsActive")).lower() == "true",
                "schedule": schedule_from_service(row.get("Schedule")),
                "steps": steps_from_service(row.get("AutomationTasks"), activities_by_object_id),
            }
            status = row.get("Status")
            triggered = status not in (None, "") and int(status) in TRIGGERED_STATUSES
            reason = (
                "a triggered automation (a file drop starts it): definitions describe scheduled automations"
                if triggered
                else None
            )
            objects.append(
                Live(KIND, str(row["CustomerKey"]), attributes, {"object_id": row.get("ObjectID")}, reason)
            )
        return objects

    def diff(self, desired: Desired, live: Live | None) -> Change | None:
        after = {name: desired.attributes[name] for name in ATTRIBUTES}
        depends = tuple(dict.fromkeys(ref.address for ref in desired.references))
        if live is None:
            return Change(KIND, desired.key, "create", after=after, depends_on=depends)
        before = {name: live.attributes.get(name) for name in ATTRIBUTES}
        changes: list[AttributeChange] = []
        reasons: list[str] = []
        for name in ATTRIBUTES:
            if before[name] == after[name]:
                continue
            if name == "schedule":
                reason = None
                if after[name] is None:
                    reason = (
                        "the service cannot take the schedule off an automation; the automation is deleted "
                        "and created again without one, and its run history is lost"
                    )
                    reasons.append(reason)
                changes.append(
                    AttributeChange(
                        name, describe_schedule(before[name]), describe_schedule(after[name]), reason
                    )
                )
            else:
                changes.append(AttributeChange(name, before[name], after[name]))
        if not changes:
            return None
        action = "replace" if reasons else "update"
        return Change(
            KIND, desired.key, action, tuple(changes), before, after, live.ids, depends, tuple(reasons)
        )

    def to_definition(
        self, live: Live, live_state: Mapping[str, Mapping[str, Live]]
    ) -> Definition | NotRepresentable | None:
        attributes = live.attributes
        folder = written_folder(attributes.get("folder"), ROOT_FOLDER)
        if isinstance(folder, NotRepresentable):
            return folder
        steps = attributes.get("steps") or []
        if not steps or not all(steps):
            return NotRepresentable("it has a step without activities, or no steps at all")
        kinds = activity_kinds()
        for number, step in enumerate(steps, start=1):
            for activity in step:
                if activity.get("type") not in kinds:
                    return NotRepresentable(
                        f"step {number} runs an activity mcstate does not manage ('{activity.get('key')}': "
                        "not an import, query, filter activity, data extension extract or file transfer it "
                        "read)"
                    )
        data: dict[str, Any] = {"kind": KIND, "key": live.key, "name": attributes["name"]}
        if attributes.get("description"):
            data["description"] = attributes["description"]
        if folder is not None:
            data["folder"] = folder
        if attributes.get("active"):
            data["active"] = True
        if attributes.get("schedule") is not None:
            try:
                data["schedule"] = schedule_definition(attributes["schedule"])
            except ValueError as error:
                return NotRepresentable(str(error))
        data["steps"] = [FlowList(Flow({a["type"]: a["key"]}) for a in step) for step in steps]
        return Definition(data)

    def live_references(self, live: Live) -> tuple[str, ...]:
        folder = live.attributes.get("folder")
        kinds = activity_kinds()
        activities = [
            f"{kinds[activity['type']]}:{activity['key']}"
            for step in live.attributes.get("steps") or []
            for activity in step
            if activity.get("type") in kinds
        ]
        return tuple(dict.fromkeys([*((f"{FOLDER}:{folder}",) if folder else ()), *activities]))

    def steps(self, change: Change, context: ApplyContext) -> list[Step]:
        after = change.after or {}
        if change.action == "delete":
            return [Step("delete", SoapObject(KIND, {"CustomerKey": change.key}), change)]
        if change.action == "create":
            return [Step("create", SoapObject(KIND, self._create_properties(change, context)), change)]
        if change.action == "replace":
            delete = SoapObject(KIND, {"CustomerKey": change.key})
            create = SoapObject(KIND, self._create_properties(change, context))
            return [Step("delete", delete, change, phase=0), Step("create", create, change, phase=1)]
        if change.action != "update":
            raise ValueError(f"unsupported action {change.action}")
        touched = {attribute.path for attribute in change.attributes}
        # The service addresses an automation by ObjectID on update.
        props: dict[str, Any] = {"ObjectID": change.ids["object_id"], "CustomerKey": change.key}
        if "name" in touched:
            props["Name"] = after["name"]
        if "description" in touched:
            props["Description"] = after["description"]
        if "schedule" in touched:
            props["Schedule"] = schedule_to_service(after["schedule"])
        if "steps" in touched:
            props["AutomationTasks"] = steps_to_service(after["steps"], context)
        if "active" in touched:
            props["IsActive"] = after["active"]
        if "folder" in touched:
            props["CategoryID"] = str(context.ids(FOLDER, after["folder"])["id"])
        return [Step("update", SoapObject(KIND, props), change)]

    @staticmethod
    def _create_properties(change: Change, context: ApplyContext) -> dict[str, Any]:
        after = change.after or {}
        props: dict[str, Any] = {
            "CustomerKey": change.key,
            "Name": after["name"],
            "Description": after["description"],
        }
        if after["schedule"] is not None:
            props["Schedule"] = schedule_to_service(after["schedule"])
        props["AutomationTasks"] = steps_to_service(after["steps"], context)
        props["IsActive"] = after["active"]
        props["AutomationType"] = AUTOMATION_TYPE
        props["CategoryID"] = str(context.ids(FOLDER, after["folder"])["id"])
        return props
