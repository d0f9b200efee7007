"""What runs: performed imports, queries, filter activities, automations, extracts, data views, rows."""

from __future__ import annotations

from typing import Any

from mcstate.emulator.ruleset.common import (
    INTEGER,
    STRING,
    UNSUPPORTED_OPERATION_CODE,
    ApiError,
    RetrieveProperties,
)
from mcstate.emulator.ruleset.querydefinition import QUERY_NOT_FOUND
from mcstate.emulator.ruleset.rest import EXTRACT_MISSING_PARAMETER

# -- performed imports (Perform Start on ImportDefinition; ImportResultsSummary) ----------------------------

ENHANCED_FTP_LOCATION = "ExactTarget Enhanced FTP"
"""The built-in file location (SEMANTICS §6.4): the account's own Enhanced FTP (the file area)."""

IMPORT_FOLDER = "Import"
"""Where an import on the Enhanced FTP finds its file (the Import folder of the Enhanced FTP)."""

IMPORT_STATUS_COMPLETED = "Completed"
IMPORT_STATUS_ERROR = "Error"
"""ImportStatus values (SEMANTICS §6.4: New, Processing, Completed, Error, IOWork, Unknown). Emulator's
choice: an import runs when it is performed, so its summary is Completed or Error at once."""

IMPORT_HEADER_LINES_DEFAULT = 1
"""Emulator's choice: an import without HeaderLines reads its first line as the column headings."""

IMPORT_DUPLICATE_KEEPS_LAST = True
"""Emulator's choice: a file naming the same primary key twice counts one duplicate and keeps the last."""

IMPORT_UNMAPPED_HEADINGS_IGNORED = True
"""Emulator's choice: with InferFromColumnHeadings, a column named like no field is left out, not an error."""

IMPORT_TYPE = "Data Extensions"
"""ImportResultsSummary.ImportType of an import into a data extension (SEMANTICS §6.4)."""


def import_performed(task_id: int) -> str:
    """The Perform result's StatusMessage (SEMANTICS §6.4: "ImportDefinition performed AsyncID:130040236")."""
    return f"ImportDefinition performed AsyncID:{task_id}"


def import_encoding(code_page: int | None) -> str:
    """Emulator's choice: the code pages it reads; UTF-8 (65001) when none is given."""
    encodings = {1252: "cp1252", 28591: "latin-1", 1200: "utf-16-le", 20127: "ascii"}
    return encodings.get(code_page or 0, "utf-8-sig")


def import_location_unavailable(definition: Any) -> str:
    """A file location that no longer exists."""
    return f"The file location {definition.file_location_key} was not found."


def import_file_missing(name: str, location: str = ENHANCED_FTP_LOCATION) -> str:
    """Emulator's choice of words for an import whose file is not on its location."""
    if location == ENHANCED_FTP_LOCATION:
        return f"The file {name} was not found in the Import folder."
    return f"The file {name} was not found on the file location {location}."


def import_unreadable_file(name: str, detail: str) -> str:
    return f"The file {name} could not be read: {detail}"


def import_unknown_field(name: str) -> str:
    return f"The field {name} of the field map is not in the destination data extension."


def import_bad_ordinal(source: str) -> str:
    return f"The field map's column {source or '(none)'} is not a column number (1 is the first)."


def import_column_missing(name: str) -> str:
    return f"The file has no column {name}."


SAFEHOUSE_FOLDER = "Safehouse"
EXPORT_FOLDER = "Export"
"""Where data extracts write their files, and where a file transfer to the Enhanced FTP delivers them."""


def activity_performed(object_type: str) -> str:
    """Emulator's choice: the StatusMessage of a performed extract or transfer activity is undocumented; the
    import's wording (SEMANTICS §6.4) without an AsyncID."""
    return f"{object_type} performed"


def activity_not_found(object_type: str, identity: str) -> ApiError:
    return ApiError(3, f"No {object_type} matches {identity}.")


def extract_type_not_run(type_id: str) -> ApiError:
    """Emulator's choice: only Data Extension Extracts run in the emulator."""
    return ApiError(
        UNSUPPORTED_OPERATION_CODE, f"The data extract type {type_id} does not run in the emulator."
    )


def extract_missing_data_extension(key: str) -> ApiError:
    return ApiError(EXTRACT_MISSING_PARAMETER, f"The data extension {key} of the extract does not exist.")


def transfer_not_run(location: str) -> ApiError:
    """Emulator's choice: only uploads (Move a File From Safehouse) run in the emulator, to the Enhanced FTP
    or to an external location (its folder Locations/<key>/); Manage File actions (unzip, decrypt) and
    the Salesforce Objects & Reports location do not."""
    return ApiError(
        UNSUPPORTED_OPERATION_CODE, f"A transfer with the location {location} does not run in the emulator."
    )


TRANSFER_MOVES_FILE = True
"""Emulator's choice: a file transfer from the Safehouse moves the file (it is no longer there after)."""


def activity_file_refused(detail: str) -> ApiError:
    """Emulator's choice: a file spec naming a place outside the file area (../) is refused as invalid."""
    return ApiError(EXTRACT_MISSING_PARAMETER, f"The file spec is not a file name: {detail}.")


def transfer_file_missing(name: str) -> ApiError:
    return ApiError(3, f"The file {name} is not in the Safehouse.")


IMPORT_RESULTS_SUMMARY_PROPERTIES = RetrieveProperties(
    retrievable={
        "TaskResultID": INTEGER, "ImportDefinitionCustomerKey": STRING, "DestinationID": STRING,
        "StartDate": STRING, "EndDate": STRING, "ImportStatus": STRING, "ImportType": STRING,
        "TotalRows": INTEGER, "NumberSuccessful": INTEGER, "NumberDuplicated": INTEGER,
        "NumberErrors": INTEGER,
    },
    filterable=frozenset({"TaskResultID", "ImportDefinitionCustomerKey"}),
)  # fmt: skip
"""What a Retrieve of ImportResultsSummary answers and filters on (SEMANTICS §6.4: filter TaskResultID)."""

IMPORT_ROW_ERRORS_IN_STATUS = 20


def import_row_error(row: int, error: ApiError) -> str:
    """A failing row of an import: its line in the file (after the header), the row error code (the
    DataExtensionObject codes, 70000-71006) and the message. Emulator's choice: the service reports them in
    its notification e-mail only; the emulator keeps the first IMPORT_ROW_ERRORS_IN_STATUS of them in the
    run's AsyncActivityStatus ErrorMsg."""
    return f"row {row}: error {error.code}: {error.message}"


IMPORT_NOTHING_MAPPED = "No column of the file maps to a field of the destination data extension."


# -- performed queries (Perform Start on QueryDefinition; AsyncActivityStatus) -------------------------------

QUERY_PERFORMED = "QueryDefinition perform called successfully"
"""The documented answer of Perform Start on a QueryDefinition (SEMANTICS §6.5)."""

QUERY_PERFORM_NEEDS_OBJECT_ID = True
"""The documentation requires the ObjectID to start a query; that the CustomerKey alone works is not
documented, so the emulator refuses it (a client that passes here passes on the service)."""


def query_perform_needs_object_id() -> ApiError:
    return ApiError(QUERY_NOT_FOUND, "A QueryDefinition is started by its ObjectID.")


REST_STARTED = "OK"
"""The answer of the REST start routes (mcdev's execute checks for exactly "OK")."""

ASYNC_STATUS_COMPLETE = "Complete"
"""AsyncActivityStatus Status of a finished run (documented)."""
ASYNC_STATUS_ERROR = "Error"
"""Emulator's choice: the Status of a failed run (the service's value is not confirmed, SEMANTICS §6.10)."""

ACTIVITIES_RUN_AT_ONCE = True
"""Emulator's choice: a started activity has run when Perform answers, so the first poll of its status
finds it finished (the service queues it; a client must poll either way, and does)."""

ASYNC_ACTIVITY_STATUS_PROPERTIES = RetrieveProperties(
    retrievable={
        "TaskID": STRING, "ParentInteractionObjectID": STRING, "CustomerKey": STRING, "Status": STRING,
        "StatusMessage": STRING, "ErrorMsg": STRING, "StartTime": STRING, "EndTime": STRING,
        "CompletedDate": STRING, "ProcessedCount": STRING, "Type": STRING, "ActionType": STRING,
        "StepName": STRING,
    },
    filterable=frozenset({"TaskID", "ParentInteractionObjectID", "StartTime", "EndTime"}),
)  # fmt: skip
"""SEMANTICS §6.10: what AsyncActivityStatus answers (as ObjectExtension name/value properties) and filters
on. Emulator's choice: the subset of the documented returnable properties a run of the emulator has."""

QUERY_RUN_SQL_ERRORS_ARE_SQL_SERVERS = True
"""A query that fails while running reports SQL Server's own message (the service runs it on SQL Server):
truncation, NULL into a required column, duplicate primary key, conversion failures, division by zero."""


def query_target_missing(key: str) -> str:
    return f"Invalid object name '{key}'. The target data extension does not exist."


def query_unknown_output(column: str, target: str) -> str:
    """Emulator's choice of text: an output column the target data extension has no field for."""
    return f"Invalid column name '{column}'. The target data extension {target} has no field named {column}."


def query_output_twice(column: str) -> str:
    return f"The column '{column}' was specified multiple times for the target data extension."


def query_truncated(target: str, field: str, value: str) -> str:
    return (
        f"String or binary data would be truncated in table '{target}', column '{field}'. "
        f"Truncated value: '{value[:40]}'."
    )


def query_null(target: str, field: str) -> str:
    return (
        f"Cannot insert the value NULL into column '{field}', table '{target}'; column does not allow nulls. "
        "INSERT fails."
    )


def query_duplicate_key(target: str, key: str) -> str:
    return (
        f"Violation of PRIMARY KEY constraint. Cannot insert duplicate key in object '{target}'. "
        f"The duplicate key value is ({key})."
    )


QUERY_UPDATE_SAME_ROW = (
    "The MERGE statement attempted to UPDATE or DELETE the same row more than once. This happens when a "
    "target row matches more than one source row."
)
"""An Update query whose output has one primary key twice (SQL Server's MERGE message; the service runs
Update as a merge: emulator's choice from its documented behaviour)."""


def query_overflow(target: str, field: str) -> str:
    return (
        "Arithmetic overflow error converting numeric to data type numeric "
        f"(table '{target}', column '{field}')."
    )


FILTER_ACTIVITY_NOT_RUN = (
    "Filter Activity Instance Did Not Run: its data filter, source or destination is gone."
)
"""303003 Filter Activity Instance Did Not Run (documented code; the text after it is the emulator's)."""
FILTER_ACTIVITY_NOT_FOUND = 303002
FILTER_ACTIVITY_PERFORMED = "Filter Activity performed"
"""Emulator's choice of the Perform Start answer of a FilterActivity (documented as performable, answer
not recorded)."""


FILTER_ACTIVITY_PERFORM_NEEDS_OBJECT_ID = True
"""Emulator's choice: a FilterActivity is started by its ObjectID (FilterActivityID). The documentation says
it can be performed, not by what; the stricter reading, as for QueryDefinition."""

ACTIVITY_START_FAILURE_IS_A_RESULT_ERROR = True
"""Emulator's choice: a data extract or file transfer that cannot run (no such data extension, no file in the
Safehouse) is answered as an error result of the Perform, with the code of what is missing; the service's
answer in that case is not recorded."""

ASYNC_STATUS_FOR_EVERY_ACTIVITY = True
"""Emulator's choice: every started activity (imports, filter activities, extracts, transfers, not only the
documented queries and programs) leaves an AsyncActivityStatus row by its task ID; an import's row is under
its TaskResultID and carries its failing rows. A client finds nothing there on the service for what the
service does not report, and must not rely on it (mcstate run reads imports from ImportResultsSummary)."""

AUTOMATION_MISSED_RUNS_CAUGHT_UP = 100
"""Emulator's choice: moving the clock past several occurrences of a schedule runs each of them, at most this
many per automation (a clock moved by a year does not run an hourly automation 8,760 times)."""

RETENTION_ALL_RECORDS_FROM = "created"
"""Emulator's choice: all-records retention counts its period from the data extension's creation, or with
reset on import from the last row written; the service's exact anchor is not documented."""


def filter_activity_not_found(identity: str) -> ApiError:
    return ApiError(FILTER_ACTIVITY_NOT_FOUND, f"Filter Activity Not Found: {identity}.")


def filter_value_invalid(field: str, value: str) -> str:
    return f"The value '{value}' of the data filter is not valid for the field {field}."


def filter_operator_not_run(operator: str) -> str:
    """Emulator's choice: the anniversary operators are not run by the emulator."""
    return f"The emulator does not run data filters with the operator {operator}."


INSTANCE_RUNNING = "Running"
INSTANCE_COMPLETE = "Complete"
INSTANCE_ERROR = "Error"
"""Emulator's choice: the status texts of an automation instance (StatusMessage); its Status number is
AUTOMATION_INSTANCE_STATUS."""
AUTOMATION_INSTANCE_STATUS = {INSTANCE_RUNNING: 3, INSTANCE_COMPLETE: 2, INSTANCE_ERROR: -1}
"""The documented automation status numbers an instance answers: Running 3, Error -1, and for a finished
run Ready 2 (emulator's choice: the documentation has no 'complete' number)."""

AUTOMATION_PERFORMED = "Performed Activity"
"""The recorded answer of Perform Start on an Automation; the echoed ObjectID is the automation's, as
recorded (SEMANTICS §6.9; the documentation's ProgramInstanceID conflicts with the recording)."""

AUTOMATION_STOP_IS_NO_OP = True
"""Emulator's choice: a run has ended when Perform Start answers (ACTIVITIES_RUN_AT_ONCE), so Perform Stop
has nothing to stop and answers as Start does."""

SCHEDULE_TIMES_ON_SERVER_CLOCK = True
"""Emulator's choice: a schedule's StartDateTime is read on the service's clock (its TimeZone is kept,
not applied)."""

AUTOMATION_INSTANCE_PROPERTIES = RetrieveProperties(
    retrievable={
        "ObjectID": STRING, "AutomationID": STRING, "CustomerKey": STRING, "Name": STRING, "Status": INTEGER,
        "StatusMessage": STRING, "StartTime": STRING, "CompletedTime": STRING, "StatusLastUpdate": STRING,
        "TaskInstances": STRING,
    },
    filterable=frozenset({"ObjectID", "AutomationID", "CustomerKey"}),
)  # fmt: skip
"""What a Retrieve of AutomationInstance answers (WSDL elements) and filters on (emulator's choice:
ObjectID is the instance, AutomationID the automation)."""


def activity_gone(kind: str, object_id: str) -> str:
    return f"The {kind} with the ObjectID {object_id} no longer exists."


DATA_VIEW_OPEN_COLUMNS = True
"""Emulator's choice: a data view whose columns vary by account (the catalogue marks it open) has the columns
its loaded rows hold and the ones a query reads from it; a column is a Date when its name ends in Date, a
Number when it ends in ID, a Boolean when it starts with Is, else Text."""


def open_view_column_type(name: str) -> str:
    if name.casefold().endswith("date"):
        return "Date"
    if name.endswith("ID"):
        return "Number"
    if name.startswith("Is") and name[2:3].isupper():
        return "Boolean"
    return "Text"


ROWSET_PAGE_SIZE = 2500
"""Emulator's choice: the largest and default page of GET customobjectdata rowset (2,500 rows, as SOAP)."""

ROWSET_NAMES_LOWER_CASE = True
"""Emulator's choice: the rowset GET answers field names in lower case, as the service is reported to."""

HUB_ROWSET_INSERTS_ONLY = True
"""POST hub/v1/dataevents/key:{key}/rowset: the reference calls it an upsert, a client tested against the
service reports a 400 when the primary key exists; the emulator takes the stricter reading (insert only;
the async PUT route upserts)."""

ASYNC_ROWS_ANSWER_STATUS = 202
"""The async rows routes answer 202 Accepted with a requestId; the emulator has written the rows already."""


def rowset_name(name: str) -> str:
    return name.lower() if ROWSET_NAMES_LOWER_CASE else name


def rowset_unknown_data_extension(key: str) -> str:
    return f"No data extension has the CustomerKey {key}."


def data_view_without_columns(view: str) -> str:
    """Emulator's choice: a data view whose columns the documentation does not list holds no rows in the
    emulator and cannot be read by its queries."""
    return f"The emulator does not hold the data view {view}."


DATA_VIEW_COLUMNS_FROM_CATALOGUE = True
"""The data views' columns and types are the ones their Help pages document, kept as data in
mcstate/sql/data_views.json (shared with the client's SQL check: data, not rules)."""
