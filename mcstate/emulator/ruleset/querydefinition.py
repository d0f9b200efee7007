"""QueryDefinition: SQL query activities and their compile step."""

from __future__ import annotations

from collections.abc import Sequence

from mcstate.emulator.model import DataExtension, Field, Folder
from mcstate.emulator.ruleset.common import DATE, INTEGER, STRING, ApiError, RetrieveProperties
from mcstate.emulator.ruleset.dataextension import same_text

# -- QueryDefinition ----------------------------------------------------------------------------------------

QUERY_KEY_EXISTS = 1
QUERY_VALIDATION = 2
QUERY_NOT_FOUND = 3
"""Emulator's choice: the QueryDefinition error codes are undocumented, so the general codes are used:
1 'already exists', 2 for every validation error, 3 'the object to update or delete does not exist'."""

QUERY_CREATED = "QueryDefinition created."
QUERY_UPDATED = "QueryDefinition updated."
QUERY_DELETED = "QueryDefinition deleted."
"""Emulator's choice of texts, in the style of the documented ImportDefinition ones."""

QUERY_ACTIVE = "Active"
QUERY_DELETED_STATUS = "Inactive"
"""Emulator's choice: a deleted query stays behind with Status Inactive (Retrieve still finds it unless it
filters on Status Active, which is why clients do); its CustomerKey can be used again."""

QUERY_TARGET_TYPES = ("DE",)
QUERY_UPDATE_TYPES = ("Overwrite", "Update", "Append")
"""TargetUpdateType is a plain string in the WSDL; the emulator accepts these, in any case."""

QUERY_FOLDER_TYPES = frozenset({"queryactivity"})
DEFAULT_QUERY_FOLDER_KEY = "queryactivity_default"
"""A query created without CategoryID goes to the root Query folder."""

QUERY_TEXT_NEEDS_SELECT = True
"""A query's text must hold a SELECT; the compile step (emulator/sqlcompile.py) then checks it."""

QUERY_SQL_ERROR = QUERY_VALIDATION
"""Emulator's choice: the service compiles a query's SQL when it is saved and refuses SQL that does not
compile; its SOAP error code is undocumented, so the validation code is used."""

SQL_ERROR_PREFIX = "An error occurred while checking the query syntax. Errors: "
"""Emulator's choice, from the message Automation Studio shows for SQL that does not compile (the SOAP
answer's wording is undocumented); the errors after it are SQL Server's own."""

SQL_SELECT_ONLY = "Only one SELECT statement is supported."
"""Emulator's choice: the wording for a text that is not one SELECT."""

SQL_DATA_VIEWS = frozenset(
    name.casefold()
    for name in (
        "_Sent", "_Open", "_Click", "_Bounce", "_Unsubscribe", "_Complaint", "_FTAF", "_Job",
        "_Subscribers", "_ListSubscribers", "_Journey", "_JourneyActivity", "_BusinessUnitUnsubscribes",
        "_EnterpriseAttribute",
        "_SMSMessageTracking", "_SMSSubscriptionLog", "_UndeliverableSMS", "_MobileAddress",
        "_MobileSubscription", "_PushAddress", "_PushTag", "_Coupon", "_SocialNetworkImpressions",
        "_SocialNetworkTracking", "_SurveyResponse", "_AutomationInstance", "_AutomationActivityInstance",
    )
)  # fmt: skip
"""The system data views a query can read besides data extensions (Salesforce Help, data views). Their
columns are not checked by the emulator."""


SQL_NESTED_TOO_DEEPLY = (
    "Some part of your SQL statement is nested too deeply. Rewrite the query or break it up into smaller "
    "queries."
)
"""SQL Server's own message (error 191) for SQL nested beyond what it reads."""

SQL_COMPILE_CHECKS_NAMES_UP_TO = 60_000
"""Emulator's choice: names are checked in SQL up to this many characters (resolving them costs time growing
with the square of the query's size); a longer text is saved after its syntax is checked."""


FILE_AREA_FOLDERS = ("Import", "Export", "Safehouse")
"""The folders of an account's file area: the Enhanced FTP's Import and Export folders (SEMANTICS §6: the
built-in location `ExactTarget Enhanced FTP`, extract output in /Export), and Safehouse, the service's
internal area that data extracts write to and file transfer activities take files from (Salesforce's
Automation Studio documentation of data extract and file transfer activities)."""


def query_sql_error(detail: str) -> ApiError:
    return ApiError(QUERY_SQL_ERROR, SQL_ERROR_PREFIX + detail)


def sql_syntax_error(near: str) -> str:
    return f"Incorrect syntax near '{near}'." if near else "Incorrect syntax."


def sql_invalid_object(name: str) -> str:
    return f"Invalid object name '{name}'."


def sql_invalid_column(name: str) -> str:
    return f"Invalid column name '{name}'."


QUERY_DEFINITION_PROPERTIES = RetrieveProperties(
    retrievable={
        "Client.ID": INTEGER, "CreatedDate": DATE, "ModifiedDate": DATE, "ObjectID": STRING,
        "CustomerKey": STRING, "Name": STRING, "Description": STRING, "QueryText": STRING,
        "TargetType": STRING, "DataExtensionTarget.CustomerKey": STRING, "DataExtensionTarget.Name": STRING,
        "TargetUpdateType": STRING, "Status": STRING, "CategoryID": INTEGER,
    },
    filterable=frozenset(
        {
            "ObjectID", "CustomerKey", "Name", "Status", "CategoryID", "TargetUpdateType", "CreatedDate",
            "ModifiedDate",
        }
    ),
)  # fmt: skip
"""Emulator's choice: the documented retrieve (CustomerKey and Status Active) returns ObjectID; the
emulator answers every property it stores."""


def query_invalid(detail: str) -> ApiError:
    return ApiError(QUERY_VALIDATION, f"QueryDefinition validation error: {detail}")


def query_key_exists(customer_key: str) -> ApiError:
    return ApiError(QUERY_KEY_EXISTS, f"A QueryDefinition with CustomerKey {customer_key} already exists.")


def query_not_found(identity: str) -> ApiError:
    return ApiError(QUERY_NOT_FOUND, f"No active QueryDefinition matches {identity}.")


def query_target_update_type(value: str | None) -> str:
    """The canonical TargetUpdateType for a sent value."""
    for canonical in QUERY_UPDATE_TYPES:
        if value is not None and value.strip().casefold() == canonical.casefold():
            return canonical
    raise query_invalid(f"TargetUpdateType must be one of {', '.join(QUERY_UPDATE_TYPES)}, not {value!r}.")


def check_query_text(text: str | None) -> str:
    if text is None or not text.strip():
        raise query_invalid("QueryText is required.")
    if QUERY_TEXT_NEEDS_SELECT and "select" not in text.casefold():
        raise query_invalid("QueryText must be a SELECT statement.")
    return text


def check_query_target(
    target_key: str, target_name: str, target: DataExtension | None, fields: Sequence[Field], update_type: str
) -> None:
    """The target must be an existing data extension named as it is, with a primary key for Update."""
    if target is None:
        raise query_invalid(f"The target data extension {target_key} does not exist.")
    if not same_text(target.name, target_name.strip()):
        raise query_invalid(
            f"DataExtensionTarget Name {target_name} is not the name of data extension {target_key} "
            f"({target.name})."
        )
    if update_type == "Update" and not any(field.is_primary_key for field in fields):
        raise query_invalid(
            f"TargetUpdateType Update needs a target with a primary key; data extension {target_key} "
            "has none."
        )


def check_query_category(category_id: int, folder: Folder | None) -> None:
    if folder is None or folder.content_type.casefold() not in QUERY_FOLDER_TYPES:
        raise query_invalid(f"CategoryID {category_id} is not a query folder.")
