"""Automation: steps and schedules."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from mcstate.emulator.model import Folder
from mcstate.emulator.ruleset.common import BOOLEAN, DATE, INTEGER, STRING, ApiError, RetrieveProperties

# -- Automation ---------------------------------------------------------------------------------------------

PROGRAM_OBJECT_ID_REQUIRED = 355000
PROGRAM_INVALID_OBJECT_ID = 355001
PROGRAM_CREATION_ERROR = 355003
PROGRAM_NOT_FOUND = 355006
SCHEDULE_VALIDATION = 140
SCHEDULE_RANGE_TYPE_MISSING = 150
SCHEDULE_START_MISSING = 151
SCHEDULE_END_MISSING = 152
SCHEDULE_OCCURRENCES_MISSING = 153
SCHEDULE_DAILY_PATTERN_MISSING = 160
SCHEDULE_DAY_INTERVAL_MISSING = 161
SCHEDULE_WEEKLY_PATTERN_MISSING = 170
SCHEDULE_MONTHLY_PATTERN_MISSING = 180
SCHEDULE_MONTHLY_INTERVAL_MISSING = 181
SCHEDULE_SCHEDULED_DAY_MISSING = 182
SCHEDULE_SCHEDULED_WEEK_MISSING = 183
SCHEDULE_SCHEDULED_DAY_OF_WEEK_MISSING = 184

AUTOMATION_CREATED = "Program created."
AUTOMATION_UPDATED = "Program updated."
AUTOMATION_DELETED = "Program deleted"
"""'Program deleted' is recorded; the Create and Update texts are the emulator's choice."""

AUTOMATION_PROPERTIES = RetrieveProperties(
    retrievable={
        "Client.ID": INTEGER, "CreatedDate": DATE, "ModifiedDate": DATE, "ObjectID": STRING,
        "CustomerKey": STRING, "Name": STRING, "Description": STRING, "CategoryID": STRING,
        "IsActive": BOOLEAN, "Status": INTEGER, "AutomationType": STRING, "Schedule": STRING,
        "AutomationTasks": STRING,
    },
    filterable=frozenset({"ObjectID", "CustomerKey", "Name"}),
    operators=frozenset({"equals", "IN"}),
    complex_filters=False,
)  # fmt: skip
"""Documented: Automation retrieves filter with equals and IN only, without complex filters.
Emulator's choice: Retrieve answers the documented properties that the WSDL declares (ProgramID is not
in the WSDL; ObjectID is the same value) plus the whole Schedule and AutomationTasks, which the documented
results carry. Filters on CustomerKey, Name and ObjectID, as documented (ProgramID)."""

AUTOMATION_TYPES = frozenset({"scheduled", "triggered"})
AUTOMATION_FOLDER_TYPES = frozenset({"automations"})
DEFAULT_AUTOMATION_FOLDER_KEY = "automations_default"
"""An automation created without CategoryID goes to the root 'my automations' folder."""

AUTOMATION_STATUS_READY = 2
AUTOMATION_STATUS_SCHEDULED = 6
AUTOMATION_STATUS_AWAITING_TRIGGER = 7
AUTOMATION_STATUS_INACTIVE_TRIGGER = 8
"""Emulator's choice: an active automation with a schedule is Scheduled (6); any other is Ready (2); a
triggered automation (started by a file drop) is AwaitingTrigger (7) when active, InactiveTrigger (8) when
not (the documented codes). The emulator never runs automations, so Running, Paused and the error states do
not occur."""

ACTIVITY_OBJECT_TYPES = frozenset(
    {"ImportDefinition", "QueryDefinition", "FilterActivity", "DataExtractActivity", "FileTransferActivity"}
)
"""The activity types an automation step may hold (the xsi:type of its ActivityObject) in the emulator. A
FilterDefinition is not one: Automation Studio runs a FilterActivity, which applies a data filter."""


def not_an_activity(step: int, activity_type: str | None) -> ApiError:
    """Emulator's choice: an ActivityObject of a type no step can run fails the whole Create or Update with
    355003 (the service's text is not known)."""
    if activity_type == "FilterDefinition":
        return program_invalid(
            f"Step {step}: a FilterDefinition is not an automation activity; a FilterActivity applies a data "
            "filter and can be a step."
        )
    return program_invalid(
        f"Step {step}: {activity_type or 'an object without xsi:type'} is not an automation activity (one "
        f"of {', '.join(sorted(ACTIVITY_OBJECT_TYPES))})."
    )


SCHEDULE_RECURRENCES: dict[str, tuple[str, str, str]] = {
    "Minutely": ("MinutelyRecurrence", "MinutelyRecurrencePatternType", "MinuteInterval"),
    "Hourly": ("HourlyRecurrence", "HourlyRecurrencePatternType", "HourInterval"),
    "Daily": ("DailyRecurrence", "DailyRecurrencePatternType", "DayInterval"),
    "Weekly": ("WeeklyRecurrence", "WeeklyRecurrencePatternType", "WeekInterval"),
    "Monthly": ("MonthlyRecurrence", "MonthlyRecurrencePatternType", "MonthlyInterval"),
    "Yearly": ("YearlyRecurrence", "YearlyRecurrencePatternType", ""),
}
"""RecurrenceType, the Recurrence subtype that must go with it, its pattern type and interval elements."""

SCHEDULE_PATTERN_CODES = {
    "Daily": (SCHEDULE_DAILY_PATTERN_MISSING, SCHEDULE_DAY_INTERVAL_MISSING),
    "Weekly": (SCHEDULE_WEEKLY_PATTERN_MISSING, SCHEDULE_VALIDATION),
    "Monthly": (SCHEDULE_MONTHLY_PATTERN_MISSING, SCHEDULE_MONTHLY_INTERVAL_MISSING),
}
"""The documented codes for a missing pattern type and interval (140 where none is documented)."""

SCHEDULE_MINIMUM_MINUTES = 5
"""An automation runs at most every five minutes (mcdev enforces it); a shorter MinuteInterval is 140."""

SCHEDULE_WEEKDAYS = ("Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday")


def program_object_id_required() -> ApiError:
    return ApiError(PROGRAM_OBJECT_ID_REQUIRED, "Program ObjectID Required")


def program_invalid_object_id(object_id: str) -> ApiError:
    return ApiError(PROGRAM_INVALID_OBJECT_ID, f"Program Invalid ObjectID: {object_id}")


def program_not_found() -> ApiError:
    return ApiError(PROGRAM_NOT_FOUND, "Program Not Found")


def program_invalid(detail: str) -> ApiError:
    """Emulator's choice: every validation failure of an Automation Create or Update is 355003 'Program
    Creation Error' with a detail (the documentation lists no finer codes for programs)."""
    return ApiError(PROGRAM_CREATION_ERROR, f"Program Creation Error: {detail}")


def schedule_error(code: int, text: str) -> ApiError:
    return ApiError(code, f"Schedule_{text}")


def check_automation_category(category_id: int, folder: Folder | None) -> None:
    if folder is None or folder.content_type.casefold() not in AUTOMATION_FOLDER_TYPES:
        raise program_invalid(f"CategoryID {category_id} is not an automation folder.")


def check_automation_type(automation_type: str) -> str:
    if automation_type.strip().casefold() not in AUTOMATION_TYPES:
        raise program_invalid(f"AutomationType must be scheduled or triggered, not {automation_type}.")
    return automation_type.strip().casefold()


def automation_status(is_active: bool, has_schedule: bool, automation_type: str = "scheduled") -> int:
    if automation_type == "triggered":
        return AUTOMATION_STATUS_AWAITING_TRIGGER if is_active else AUTOMATION_STATUS_INACTIVE_TRIGGER
    return AUTOMATION_STATUS_SCHEDULED if is_active and has_schedule else AUTOMATION_STATUS_READY


def _schedule_moment(text: str | None) -> datetime | None:
    if text is None or not text.strip():
        return None
    try:
        return datetime.fromisoformat(text.strip().replace("Z", "+00:00")).replace(tzinfo=None)
    except ValueError:
        raise schedule_error(
            SCHEDULE_VALIDATION, f"Validation Error: {text} is not a date and time"
        ) from None


def _positive(value: Any, code: int, text: str) -> None:
    if value in (None, ""):
        raise schedule_error(code, text)
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise schedule_error(SCHEDULE_VALIDATION, f"Validation Error: {value} is not a number") from None
    if number < 1:
        raise schedule_error(SCHEDULE_VALIDATION, f"Validation Error: {value} must be at least 1")


def check_schedule(schedule: dict[str, Any]) -> None:
    """A ScheduleDefinition (as plain values) the service accepts, or the documented 140-184 codes."""
    recurrence_type = schedule.get("RecurrenceType")
    recurrence = schedule.get("Recurrence") or {}
    if recurrence_type not in SCHEDULE_RECURRENCES:
        raise schedule_error(
            SCHEDULE_VALIDATION, f"Validation Error: RecurrenceType {recurrence_type} is invalid"
        )
    subtype, pattern_field, interval_field = SCHEDULE_RECURRENCES[recurrence_type]
    if recurrence.get("type") != subtype:
        raise schedule_error(
            SCHEDULE_VALIDATION,
            f"Validation Error: RecurrenceType {recurrence_type} needs a {subtype}, "
            f"not {recurrence.get('type')}",
        )
    pattern_code, interval_code = SCHEDULE_PATTERN_CODES.get(recurrence_type, (SCHEDULE_VALIDATION,) * 2)
    pattern = recurrence.get(pattern_field)
    if not pattern:
        raise schedule_error(
            pattern_code, f"{subtype}_{recurrence_type} Recurrence Pattern Type Not Specified"
        )
    if interval_field:
        if recurrence_type == "Minutely" or pattern == "Interval" or recurrence_type in ("Weekly", "Monthly"):
            _positive(recurrence.get(interval_field), interval_code, f"{subtype}_Interval Not Specified")
        if recurrence_type == "Minutely" and int(recurrence[interval_field]) < SCHEDULE_MINIMUM_MINUTES:
            raise schedule_error(
                SCHEDULE_VALIDATION,
                f"Validation Error: an automation runs at most every {SCHEDULE_MINIMUM_MINUTES} minutes",
            )
    if recurrence_type == "Weekly" and not any(
        str(recurrence.get(day)).lower() == "true" for day in SCHEDULE_WEEKDAYS
    ):
        raise schedule_error(
            SCHEDULE_VALIDATION, "Validation Error: a weekly recurrence needs at least one day"
        )
    if recurrence_type == "Monthly" and pattern == "ByDay" and recurrence.get("ScheduledDay") in (None, ""):
        raise schedule_error(SCHEDULE_SCHEDULED_DAY_MISSING, "MonthlyRecurrence_Scheduled Day Not Specified")
    if recurrence_type == "Monthly" and pattern == "ByWeek":
        if not recurrence.get("ScheduledWeek"):
            raise schedule_error(
                SCHEDULE_SCHEDULED_WEEK_MISSING, "MonthlyRecurrence_Scheduled Week Not Specified"
            )
        if not recurrence.get("ScheduledDayOfWeek"):
            raise schedule_error(
                SCHEDULE_SCHEDULED_DAY_OF_WEEK_MISSING,
                "MonthlyRecurrence_Scheduled Day Of Week Not Specified",
            )
    range_type = schedule.get("RecurrenceRangeType")
    if not range_type:
        raise schedule_error(SCHEDULE_RANGE_TYPE_MISSING, "Recurrence_Recurrence Range Type Not Specified")
    start = _schedule_moment(schedule.get("StartDateTime"))
    if start is None:
        raise schedule_error(SCHEDULE_START_MISSING, "Recurrence_Start DateTime Not Specified")
    if range_type == "EndOn":
        end = _schedule_moment(schedule.get("EndDateTime"))
        if end is None:
            raise schedule_error(SCHEDULE_END_MISSING, "Recurrence_End DateTime Not Specified")
        if end <= start:
            raise schedule_error(SCHEDULE_VALIDATION, "Validation Error: EndDateTime is before StartDateTime")
    elif range_type == "EndAfter":
        _positive(
            schedule.get("Occurrences"), SCHEDULE_OCCURRENCES_MISSING, "Recurrence_Occurrences Not Specified"
        )
