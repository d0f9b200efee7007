"""The REST automation endpoints: data extracts, file transfers, file locations."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from mcstate.emulator.ruleset.common import ApiError

# -- REST: data extracts, file transfers, file locations ----------------------------------------------------
# The automation endpoints keep the definitions SOAP cannot write. Their answers are JSON in the recorded
# shapes; their refusals are HTTP 400 with a validationErrors list, 404 for an unknown ID, 401 without a
# valid Bearer token.


class RestError(Exception):
    """A refused REST call: its HTTP status and JSON body."""

    def __init__(self, status: int, body: dict[str, Any]) -> None:
        super().__init__(str(body.get("message")))
        self.status = status
        self.body = body


REST_NOT_AUTHORIZED: dict[str, Any] = {
    "documentation": "https://developer.salesforce.com/docs/atlas.en-us.mc-apis.meta/mc-apis/error-handling.htm",
    "errorcode": 0,
    "message": "Not Authorized",
}
"""The 401 answer for a missing, unknown or expired Bearer token, as recorded."""

REST_VALIDATION_MESSAGE = "Request contained some validation errors."
REST_VALIDATION_CODE = 10006
"""The envelope of a 400 with validationErrors, as Marketing Cloud's REST APIs answer it (seen on the
content API); that the automation endpoints use the same envelope is the emulator's choice."""

REST_NAME_REQUIRED = 10010
REST_KEY_EXISTS = 10011
REST_FILE_SPEC_REQUIRED = 10012
REST_UNKNOWN_EXTRACT_TYPE = 10013
REST_UNKNOWN_DATA_EXTENSION = 10014
REST_UNKNOWN_FILE_LOCATION = 10015
REST_INVALID_VALUE = 10016
"""Emulator's choice: the errorcode of each validation error (the real codes are not documented)."""

EXTRACT_INVALID_PARAMETER = 31005
EXTRACT_MISSING_PARAMETER = 31006
EXTRACT_INVALID_PARAMETER_VALUE = 31007
"""The documented codes of the SOAP Extract operation for bad parameters; the emulator's choice is that
the REST definitions report their data fields with the same codes."""

REST_NOT_FOUND_CODE = 10002
"""Emulator's choice: the errorcode of a 404 for an unknown definition ID."""

REST_CREATED_STATUS = 200
"""Emulator's choice: a create answers 200 with the new definition (the recordings do not keep the status)."""

REST_DEFAULT_PAGE_SIZE = 50
REST_MAX_PAGE_SIZE = 500
"""Emulator's choice: pages hold 50 items unless $pageSize asks for more, and never more than 500 (larger
sizes are clamped, not refused)."""

REST_USER_ID = 700000001
"""Emulator's choice: the user ID written as createdBy/modifiedBy."""

REST_NAMES_UNIQUE = False
"""Emulator's choice: two extracts (or two transfers) may have the same name; only keys are unique."""

REST_KEY_GENERATED = True
"""Emulator's choice: a create without a key gets a GUID as its key, as the UI does."""


def rest_body(status: int, message: str, code: int) -> RestError:
    return RestError(status, {"message": message, "errorcode": code, "documentation": ""})


def rest_validation(problems: Sequence[tuple[int, str]]) -> RestError:
    return RestError(
        400,
        {
            "message": REST_VALIDATION_MESSAGE,
            "errorcode": REST_VALIDATION_CODE,
            "documentation": "",
            "validationErrors": [
                {"message": message, "errorcode": code, "documentation": ""} for code, message in problems
            ],
        },
    )


def rest_route_not_found(method: str, path: str) -> RestError:
    """Emulator's choice: an unknown route is a 404 in the usual error shape."""
    return rest_body(404, f"No resource answers {method} {path}.", 404)


def rest_method_not_allowed(method: str, path: str) -> RestError:
    return rest_body(405, f"The requested resource does not support http method '{method}' ({path}).", 405)


def rest_bad_json(detail: str) -> RestError:
    """Emulator's choice: a body that is not a JSON object is refused as a validation error."""
    return rest_validation([(REST_INVALID_VALUE, f"The request body is not a JSON object: {detail}")])


def rest_not_found(what: str, object_id: str) -> RestError:
    return rest_body(404, f"{what} with id {object_id} was not found.", REST_NOT_FOUND_CODE)


def rest_page(page: str | None, page_size: str | None) -> tuple[int, int]:
    """$page (from 1) and $pageSize, or a 400 when they are not positive integers."""
    try:
        number = int(page) if page not in (None, "") else 1
        size = int(page_size) if page_size not in (None, "") else REST_DEFAULT_PAGE_SIZE
    except ValueError:
        raise rest_validation([(REST_INVALID_VALUE, "$page and $pageSize must be integers.")]) from None
    if number < 1 or size < 1:
        raise rest_validation([(REST_INVALID_VALUE, "$page and $pageSize must be 1 or more.")])
    if number > REST_MAX_PAGE:
        raise rest_validation([(REST_INVALID_VALUE, f"$page must be {REST_MAX_PAGE:,} or less.")])
    return number, min(size, REST_MAX_PAGE_SIZE)


REST_MAX_PAGE = 2**31 - 1
"""Emulator's choice: $page is an Int32, as the service's .NET parameters are; a larger one is refused."""


def rest_timestamp(moment: datetime) -> str:
    """Dates as the automation endpoints write them: service time, no zone, milliseconds."""
    return moment.isoformat(timespec="milliseconds")


def rest_text(body: dict[str, Any], name: str, problems: list[tuple[int, str]]) -> str | None:
    """A string property, None when absent; a value of another type is a validation error."""
    value = body.get(name)
    if value is None or isinstance(value, str):
        return value
    problems.append((REST_INVALID_VALUE, f"{name} must be a string."))
    return None


def rest_flag(body: dict[str, Any], name: str, problems: list[tuple[int, str]]) -> bool | None:
    """A boolean property, None when absent; anything but true/false is a validation error."""
    value = body.get(name)
    if value is None or isinstance(value, bool):
        return value
    problems.append((REST_INVALID_VALUE, f"{name} must be true or false."))
    return None


def check_rest_name(name: str | None, problems: list[tuple[int, str]]) -> None:
    if name is None or not name.strip():
        problems.append((REST_NAME_REQUIRED, "name is required."))


def check_rest_file_spec(file_spec: str | None, problems: list[tuple[int, str]]) -> None:
    if file_spec is None or not file_spec.strip():
        problems.append((REST_FILE_SPEC_REQUIRED, "fileSpec is required."))


def rest_key_exists(what: str, key: str) -> tuple[int, str]:
    return (REST_KEY_EXISTS, f"A {what} with the key '{key}' already exists.")


# Data extracts

DATA_EXTRACT_TYPES: tuple[tuple[str, str], ...] = (
    ("Audit Trail Access Log", "382b94bd-bd1b-45e1-864f-eb824841885a"),
    ("Audit Trail Activity Log", "d804ddf9-feda-4495-8e7e-069a14f5d248"),
    ("Contacts Without Channel Addresses", "f2500d28-b3cb-42b9-ad31-361123ec1222"),
    ("Convert XML", "805dfb29-82cb-43dc-989b-53ef5d181920"),
    ("Data Extension Extract", "bb94a04d-9632-4623-be47-daabc3f588a6"),
    ("Enhanced FTP File Move and Copy", "90d90e0a-fd9a-4d35-b471-cde0d17c91d4"),
    ("GZip", "7e7d322a-88ca-499a-9fb3-90e72fcf00af"),
    ("Mobile Push Detail Extract Report", "e6647310-ac95-4f32-a639-2a6b145c83f1"),
    ("Tracking Extract", "c7219016-a7f0-4c72-8657-1ec12c28a0db"),
    ("UTF16 to ASCII Converter", "e7e14f95-b925-462d-b6b4-4a6b1dca7ca1"),
    ("XmlToTextMapper", "cf2cd221-fc3c-4d9f-90b4-a4e879a51ab6"),
    ("Zip", "9a487c7d-96bd-484c-ad80-0f0bcbb91ca7"),
)
"""The extract types (name, extractId) every account offers; the IDs are the same GUIDs in every account
and the same as SOAP's ExtractDescription ObjectIDs. Emulator's choice: listed by name."""

DATA_EXTENSION_EXTRACT_TYPE_ID = "bb94a04d-9632-4623-be47-daabc3f588a6"
TRACKING_EXTRACT_TYPE_ID = "c7219016-a7f0-4c72-8657-1ec12c28a0db"

_EVENT_COLUMNS = (
    "ClientID", "SendID", "SubscriberKey", "EmailAddress", "SubscriberID", "ListID", "EventDate", "EventType",
    "BatchID", "TriggeredSendExternalKey",
)  # fmt: skip
TRACKING_EXTRACT_FILES: dict[str, tuple[str, str, str, tuple[str, ...]]] = {
    "ExtractSent": ("Sent.csv", "_Sent", "Sent", _EVENT_COLUMNS),
    "ExtractOpens": ("Opens.csv", "_Open", "Open", _EVENT_COLUMNS),
    "ExtractClicks": ("Clicks.csv", "_Click", "Click", (*_EVENT_COLUMNS, "URL", "LinkName")),
    "ExtractBounces": (
        "Bounces.csv", "_Bounce", "HardBounce",
        (*_EVENT_COLUMNS, "BounceCategory", "SMTPCode", "BounceReason"),
    ),
    "ExtractUnsubs": ("Unsubs.csv", "_Unsubscribe", "Unsubscribe", _EVENT_COLUMNS),
    "ExtractSendJobs": (
        "SendJobs.csv", "_Job", "", ("ClientID", "SendID", "FromName", "FromEmail", "SchedTime", "SentTime",
                                     "Subject", "EmailName")
    ),
}  # fmt: skip
"""Tracking Extract flags (SEMANTICS §6.7) and the file each writes: its data view, event type and columns.
Emulator's choice: the file names and columns of the service's tracking extract files as commonly
documented, each filled from the matching data view (TRACKING_EXTRACT_COLUMN_SOURCES); flags the emulator
has no events for (conversions, surveys, subscribers, not sent) write no file."""

TRACKING_EXTRACT_COLUMN_SOURCES = {
    "ClientID": "AccountID", "SendID": "JobID", "SentTime": "DeliveredTime", "Subject": "EmailSubject",
    "BounceReason": "SMTPBounceReason",
}  # fmt: skip

EXTRACT_INVALID_ID = 31000
EXTRACT_UNKNOWN_ID = 31001
EXTRACT_NO_FILE_PATH = 31009
EXTRACT_REQUIRED_PARAMETERS = {
    DATA_EXTENSION_EXTRACT_TYPE_ID: ("DECustomerKey", "OutputFileName", "_AsyncID", "StartDate", "EndDate"),
    TRACKING_EXTRACT_TYPE_ID: ("StartDate", "EndDate", "OutputFileName"),
}
"""The documented required parameters of the extracts the emulator runs (SEMANTICS §6.7)."""
EXTRACT_OK = "Extract completed."
"""Emulator's choice of the success text (the documentation shows an empty Results)."""
EXTRACT_RUNS_ONLY = frozenset({DATA_EXTENSION_EXTRACT_TYPE_ID, TRACKING_EXTRACT_TYPE_ID})
"""Emulator's choice: the other extract types (zip, convert, audit logs, ...) are refused with 31001."""


def extract_error(code: int, message: str) -> ApiError:
    return ApiError(code, message)


def extract_missing(name: str) -> ApiError:
    return ApiError(EXTRACT_MISSING_PARAMETER, f"Missing required parameter: {name}")


def extract_bad_value(name: str, value: str) -> ApiError:
    return ApiError(EXTRACT_INVALID_PARAMETER_VALUE, f"Invalid value for parameter {name}: {value}")


def extract_date(text: str) -> datetime | None:
    """An extract's StartDate/EndDate: M/d/yyyy h:mm:ss AM (documented) or yyyy-MM-dd hh:mm aa (FuelSDK)."""
    for pattern in ("%m/%d/%Y %I:%M:%S %p", "%Y-%m-%d %I:%M %p", "%m/%d/%Y %H:%M:%S", "%m/%d/%Y", "%Y-%m-%d"):
        try:
            return datetime.strptime(text.strip(), pattern)
        except ValueError:
            continue
    try:
        return datetime.fromisoformat(text.strip())
    except ValueError:
        return None


DATA_EXTENSION_EXTRACT_FIELDS: dict[str, tuple[str, str | None]] = {
    "ColumnDelimiter": ("string", ","),
    "DECustomerKey": ("string", None),
    "HasColumnHeaders": ("bool", "False"),
    "TextQualified": ("bool", "False"),
    "UsesLineFeed": ("bool", "False"),
}
"""The data fields of a Data Extension Extract: type, and the value stored when a create leaves the field
out (None: required). Emulator's choice: the defaults; other names are refused (31005, as SOAP does for
parameters), and the service keeps the fields in this (alphabetical) order."""

DATA_EXTRACT_CHECKS_DATA_EXTENSION = True
"""Emulator's choice: DECustomerKey must name an existing data extension when the extract is saved."""

DATA_EXTRACT_PATCH_MERGES_FIELDS = True
"""Emulator's choice: data fields sent with a PATCH replace those of the same name; the others are kept."""


def bool_text(value: Any) -> str | None:
    """A bool data field's value as the service stores it ("True"/"False"), None when it is not one."""
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, str) and value.strip().casefold() in ("true", "false"):
        return "True" if value.strip().casefold() == "true" else "False"
    return None


def data_extension_extract_fields(
    given: Any,
    current: Sequence[dict[str, Any]] | None,
    de_exists: Callable[[str], bool],
    problems: list[tuple[int, str]],
) -> list[dict[str, Any]]:
    """The data fields a Data Extension Extract stores: `given` (the request's dataFields) over `current`
    (None on create) and the defaults. `de_exists(key)` tells whether a data extension has that key."""
    values: dict[str, str | None] = {
        name: default for name, (_, default) in DATA_EXTENSION_EXTRACT_FIELDS.items()
    }
    for field_spec in current or []:
        values[str(field_spec["name"])] = field_spec.get("value")
    if given is not None and not isinstance(given, list):
        problems.append((REST_INVALID_VALUE, "dataFields must be a list of {name, type, value}."))
        given = []
    known = {name.casefold(): name for name in DATA_EXTENSION_EXTRACT_FIELDS}
    for item in given or []:
        name = known.get(str(item.get("name", "")).casefold()) if isinstance(item, dict) else None
        if name is None:
            shown = item.get("name") if isinstance(item, dict) else item
            problems.append((EXTRACT_INVALID_PARAMETER, f"Invalid parameter name: {shown}"))
            continue
        value = item.get("value")
        if DATA_EXTENSION_EXTRACT_FIELDS[name][0] == "bool":
            text = bool_text(value)
            if text is None:
                problems.append((EXTRACT_INVALID_PARAMETER_VALUE, f"Invalid value for {name}: {value}"))
                continue
            values[name] = text
        else:
            values[name] = None if value is None else str(value)
    key = values["DECustomerKey"]
    if not key:
        problems.append((EXTRACT_MISSING_PARAMETER, "Missing required parameter: DECustomerKey"))
    elif DATA_EXTRACT_CHECKS_DATA_EXTENSION and not de_exists(key):
        problems.append(
            (REST_UNKNOWN_DATA_EXTENSION, f"The data extension with the key '{key}' does not exist.")
        )
    if not values["ColumnDelimiter"]:
        problems.append((EXTRACT_INVALID_PARAMETER_VALUE, "Invalid value for ColumnDelimiter: it is empty"))
    return [
        {"name": name, "type": kind, "value": values[name] or ""}
        for name, (kind, _) in DATA_EXTENSION_EXTRACT_FIELDS.items()
    ]


def other_extract_fields(given: Any, current: Sequence[dict[str, Any]] | None) -> list[dict[str, Any]]:
    """Emulator's choice: the data fields of the other extract types are stored as sent, unchecked."""
    if not isinstance(given, list):
        return list(current or [])
    return [
        {"name": str(item.get("name")), "type": str(item.get("type") or "string"), "value": item.get("value")}
        for item in given
        if isinstance(item, dict) and item.get("name")
    ]


def unknown_extract_type(type_id: Any) -> tuple[int, str]:
    return (REST_UNKNOWN_EXTRACT_TYPE, f"dataExtractTypeId {type_id} is not an extract type of this account.")


# File transfers and file locations

FILE_TRANSFER_DEFAULTS: dict[str, Any] = {
    "isUpload": True,
    "isEncrypted": False,
    "isCompressed": False,
    "isPgp": False,
    "isFileSpecLocalized": False,
    "maxFileAge": 0,
    "maxFileAgeScheduleOffset": 0,
    "maxImportFrequency": 0,
}
"""Emulator's choice: what a create that leaves these out stores (isUpload: Move a File From Safehouse)."""


@dataclass(frozen=True)
class FileLocationSeed:
    """A file transfer location of the emulated account."""

    id: str
    name: str
    location_type_id: int
    rel_path: str | None = None
    location_url: str | None = None
    # Only locations an account set up itself have a key, a type and details (data/v1 lists those only).
    customer_key: str | None = None
    location_type: str | None = None
    description: str = ""
    details_name: str | None = None
    details: tuple[tuple[str, Any], ...] = ()


FILE_LOCATIONS: tuple[FileLocationSeed, ...] = (
    FileLocationSeed("2f7c5a1e-6b3d-4c8e-9a0f-5d1b7e3c9a24", "Salesforce Objects & Reports", 4),
    FileLocationSeed(
        "9d4e2b7a-1c5f-4a3e-8b6d-0e2f4a6c8b13",
        "ExactTarget Enhanced FTP",
        0,
        rel_path="ExactTarget Enhanced FTP",
    ),
    FileLocationSeed(
        "5a8c3e1f-7d2b-4f6a-9c0e-3b5d7f9a1c42",
        "CRM SFTP",
        2,
        location_url="sftp://sftp.crm.example.com",
        customer_key="crm_sftp",
        location_type="ExternalSftp",
        details_name="sFtpFileTransferLocation",
        details=(
            ("portNumber", 22),
            ("userName", "mcexport"),
            ("url", "sftp://sftp.crm.example.com"),
            ("authType", "Password"),
        ),
    ),
)
"""Emulator's choice: every account has the two built-in locations (Salesforce Objects & Reports and the
Enhanced FTP, with GUIDs made up here), plus one external SFTP location with the key crm_sftp, so that a
transfer can also name a location other than the Enhanced FTP."""


def file_location_by_key(key: str) -> FileLocationSeed | None:
    """The location a CustomerKey names: a location the account set up by its key, a built-in one by its name
    (the SOAP API names the Enhanced FTP "ExactTarget Enhanced FTP"). Emulator's choice: compared without
    case, as the service compares keys."""
    wanted = key.strip().casefold()
    return next(
        (seed for seed in FILE_LOCATIONS if (seed.customer_key or seed.name).casefold() == wanted), None
    )


LOCATION_TYPES: dict[str, tuple[int, str, tuple[str, ...], tuple[str, ...]]] = {
    "ExternalSftp": (2, "sFtpFileTransferLocation", ("url", "userName"), ("password", "privateKey")),
    "AmazonSimpleStorage": (
        13,
        "awsFileTransferLocation",
        ("bucketName", "regionName"),
        ("secretAccessKey",),
    ),
    "AzureBlobStorage": (
        15,
        "azureFileTransferLocation",
        ("bucketName", "storageAccountName"),
        ("clientSecret",),
    ),
    "GcpBlobStorage": (16, "gcpFileTransferLocation", ("bucketName",), ()),
}
"""The location types data/v1/filetransferlocation creates (as mcdev deploys them): locationTypeId, the
details object, its required fields and its secret fields. Emulator's choice: the required fields, and the
names of the secret fields (password and privateKey for SFTP, secretAccessKey for S3, clientSecret for
Azure), which no recorded answer shows (the service never answers secrets; the emulator does not either)."""

LOCATIONS_FOLDER = "Locations"
"""Emulator's choice: an external location stands as the folder Locations/<key>/ of the file area."""


def location_invalid(message: str) -> RestError:
    return rest_body(400, message, REST_INVALID_VALUE)


def file_location(location_id: str) -> FileLocationSeed | None:
    return next((seed for seed in FILE_LOCATIONS if seed.id.casefold() == location_id.casefold()), None)


def unknown_file_location(location_id: Any) -> tuple[int, str]:
    return (
        REST_UNKNOWN_FILE_LOCATION,
        f"fileTransferLocationId {location_id} is not a file location of this account.",
    )
