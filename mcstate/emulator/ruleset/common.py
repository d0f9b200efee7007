"""Shared by every object: the service's clock and account, authentication, operations, Retrieve."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta


class ApiError(Exception):
    """A per-object failure: becomes a result with StatusCode Error, this ErrorCode and StatusMessage."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


# -- clock, account, transport ------------------------------------------------------------------------------

ENTERPRISE_OF_BUSINESS_UNITS = True
"""The emulator holds an enterprise: the parent business unit (MID ACCOUNT_MID) and any child business units
(emulator/enterprise.py), each with its own objects. A token is for one business unit (SEMANTICS §8.1:
`account_id` selects it, by default the parent, which owns the package)."""

QUERY_ALL_ACCOUNTS_READS_ENTERPRISE = True
"""SEMANTICS §3: QueryAllAccounts "queries the parent and all child BUs and ignores ClientIDs"; results
carry <Client><ID>. Emulator's choice: from any business unit's token it reads every business unit of the
enterprise (the package is taken to have access to all of them)."""

CLIENT_IDS_REACH_CHILDREN = True
"""SEMANTICS §3: ClientIDs "narrows the call to a specific child BU". Emulator's choice: a parent's token may
name itself and its children, a child's token only itself; a Retrieve naming only business units out of
reach finds nothing (OverallStatus OK, no results)."""

CHILD_SEES_PARENT_SHARED_ONLY_WITH_QUERY_ALL_ACCOUNTS = True
"""A child's Retrieve answers only its own objects; the parent's shared folders (and the data extensions in
them) come with QueryAllAccounts, as in the recorded QueryAllAccounts folder answer, whose shared folders
carry the parent's Client/ID; mcdev reads shared data extensions through the parent business unit."""

OTHER_UNITS_FIELDS_WITHOUT_OBJECT_IDS = True
"""SEMANTICS §6.1 (mcdev): the field ObjectIDs of shared data extensions come back only when retrieving from
the parent. Emulator's choice: a child reading any other business unit's fields (QueryAllAccounts) gets them
without ObjectID; the parent gets every ObjectID."""

ONE_CLOCK_FOR_THE_ENTERPRISE = True
"""Emulator's choice: the emulator's clock (set through the admin endpoint) is one for the whole enterprise;
every business unit's schedules and retention run on it."""

ENT_READS_PARENT_SHARED = True
"""`ENT.<name>` in a child's query reads the parent's data extension of that name in a shared folder; in the
parent it reads its own data extension of that name. Emulator's choice: a name without the prefix never
reaches the parent from a child."""

USERNAME_TOKEN_NEEDS_CREDENTIALS = True
"""Emulator's choice: a WS-Security UsernameToken logs in only as the API user the emulator was started with
(--client-id/--client-secret as user name and password); without configured credentials the account has no
API user and every UsernameToken fails with the Security fault 'Login failed', as a wrong password does."""

SERVER_UTC_OFFSET = timedelta(hours=-6)
"""Emulator's choice: the service's clock is US Central standard time (UTC-6), and dates are written
without a zone, as the real service does."""

TIMESTAMP_VALIDITY_SECONDS = 300
"""wsu:Timestamp Expires is Created plus five minutes, as in every recorded response."""

ACCOUNT_MID = 100000001
"""Emulator's choice: the MID (Client.ID) of the parent business unit."""


def child_mid(number: int) -> int:
    """Emulator's choice: the MID of the `number`th child business unit (1, 2, ...): the parent's plus
    `number`."""
    return ACCOUNT_MID + number


CHILD_FOLDER_ID_RANGE = 10_000_000
"""Emulator's choice: the folder IDs of the `n`th child business unit start above n times this number, so
that folder IDs are unique across the enterprise, as the service's are."""


def unknown_account_id_error() -> dict[str, str]:
    """A token request whose account_id is not a business unit the package may use: 401 invalid_client, as
    documented for a business unit whose installed package does not have the integration enabled (help
    article 005459645). Emulator's choices: the same answer for an account_id that is not a whole number
    (or its digits as text); an empty or null account_id is taken as none (the parent's token)."""
    return dict(INVALID_CLIENT)


TOKEN_SCOPE = (
    "offline data_extensions_read data_extensions_write automations_execute automations_read "
    "automations_write file_locations_read file_locations_write list_and_subscribers_read "
    "list_and_subscribers_write tracking_events_read"
)
"""Scopes granted when the token request names none."""


def server_now() -> datetime:
    """The service clock (naive, SERVER_UTC_OFFSET), at millisecond precision."""
    now = datetime.now(UTC) + SERVER_UTC_OFFSET
    return now.replace(tzinfo=None, microsecond=now.microsecond // 1000 * 1000)


# -- authentication and faults -------------------------------------------------------------------------------

LOGIN_FAILED = "Login failed"
"""Security fault text for a missing or unknown token (or wrong UsernameToken)."""

TOKEN_EXPIRED = "Token Expired"
"""Security fault text for a token that was issued but has expired, as recorded from the service."""

TOKEN_VALIDITY_EXTRA_SECONDS = 0
"""Emulator's choice: a token is valid for exactly the expires_in it was issued with (the real service
keeps it a little longer than it announces)."""

INVALID_CLIENT = {
    "error": "invalid_client",
    "error_description": (
        "Client authentication failed. Make sure that the client ID and client secret are valid and that the "
        "package is installed and enabled."
    ),
    "error_uri": "https://developer.salesforce.com/docs",
}
"""The token endpoint's 401 answer for wrong credentials."""


def oauth_error(error: str, description: str) -> dict[str, str]:
    """Emulator's choice for the token endpoint's 400 answers: RFC 6749 error objects."""
    return {
        "error": error,
        "error_description": description,
        "error_uri": "https://developer.salesforce.com/docs",
    }


def unrecognized_action(action: str) -> str:
    return f"Server did not recognize the value of HTTP Header SOAPAction: {action}."


def unreadable_request(detail: str) -> str:
    return f"Server was unable to read request. ---> There is an error in the XML document. ---> {detail}"


INTERNAL_ERROR = "An internal error occurred in the emulator; its log has the details."
"""The answer to a request that hit a defect of the emulator (never expected: tests look for this text)."""

SOAP_POST_ONLY = "The SOAP endpoint accepts POST only."
"""Emulator's choice: a GET (or other method) of Service.asmx is a soap:Client fault with HTTP 405 (ASMX
answers an HTML help page; the emulator keeps to the SOAP wire format)."""


def unavailable_operation(operation: str) -> str:
    """Emulator's choice: a real operation the emulator does not provide (Schedule, Describe,
    Extract, ...) is a soap:Client fault, never soap:Server: clients retry server faults as transient, and
    sending the same request again cannot succeed."""
    return f"The {operation} operation is not available in the emulator."


SOAP_11_ENVELOPE_NS = "http://schemas.xmlsoap.org/soap/envelope/"


def version_mismatch(namespace: str) -> str:
    """The binding is SOAP 1.1 only (WSDL): an envelope in another namespace (SOAP 1.2) is answered with the
    SOAP 1.1 VersionMismatch fault, as the SOAP 1.1 specification (4.4.1) has it. Emulator's choice of
    text."""
    return (
        f"Possible SOAP version mismatch: Envelope namespace {namespace} was unexpected. "
        f"Expecting {SOAP_11_ENVELOPE_NS}."
    )


SOAP_CONTENT_TYPES = frozenset({"text/xml"})
"""Media types a SOAP 1.1 request may carry."""


def unsupported_content_type(content_type: str) -> str:
    """Emulator's choice: a request that is not text/xml (a JSON body, SOAP 1.2's application/soap+xml) is
    refused with a soap:Client fault naming the media type (ASMX refuses such requests; its exact answer is
    not recorded)."""
    return (
        f"Server was unable to process request. ---> The content type {content_type or '(none)'} is not "
        "supported; a SOAP 1.1 request is text/xml."
    )


# -- operations and batches ---------------------------------------------------------------------------------

KNOWN_OPERATIONS = (
    "Create", "Retrieve", "Update", "Delete", "Query", "Describe", "Execute", "Perform", "Configure",
    "Schedule", "VersionInfo", "Extract", "GetSystemStatus",
)  # fmt: skip
"""Every SOAPAction the service recognises (the operations of the published WSDL)."""

OVERALL_OK = "OK"
OVERALL_ERROR = "Error"
OVERALL_PARTIAL = "Has Errors"
"""Emulator's choice for a batch where some objects failed: the docs say 'Has Error', clients check
'Has Errors'; one value, used consistently."""
MORE_DATA_AVAILABLE = "MoreDataAvailable"


def overall_status(successes: Sequence[bool]) -> str:
    """OK when every object succeeded, Error when all failed, OVERALL_PARTIAL otherwise."""
    if all(successes):
        return OVERALL_OK
    if not any(successes):
        return OVERALL_ERROR
    return OVERALL_PARTIAL


UNSUPPORTED_OPERATION_CODE = 5


SAVE_ACTIONS = frozenset({"AddOnly", "Default", "Nothing", "UpdateAdd", "UpdateOnly", "Delete"})
"""The SaveAction enumeration of the WSDL; other values are a deserialization fault."""


def unsupported_update_action(object_type: str, container: str, action: str) -> ApiError:
    """Emulator's choice: an UpdateOptions Action the emulator does not know for a type and container
    (documented: DataExtension, Container DataExtensionField, Action DELETE) fails that object with the
    general error 5."""
    return ApiError(
        UNSUPPORTED_OPERATION_CODE,
        f"Cannot perform Update with Action {action or '(none)'} on Container {container or '(none)'} for "
        f"objects of type {object_type}",
    )


def unsupported_operation(operation: str, object_type: str) -> ApiError:
    """General error for an object type that does not support an operation (emulator's choice of code 5
    over 8: the documented text of code 5 names both the method and the type)."""
    return ApiError(
        UNSUPPORTED_OPERATION_CODE, f"Cannot perform {operation} on objects of type {object_type}"
    )


# -- Retrieve ----------------------------------------------------------------------------------------------

PAGE_SIZE = 2500
"""At most this many results per Retrieve response; Options/BatchSize may lower it."""

CONTINUATION_KEEPS_REQUEST_ID = True
"""Emulator's choice: every page of one Retrieve chain carries the RequestID of the first response."""

CONTINUATION_LIFETIME = timedelta(hours=1)
"""Emulator's choice: how long an unfinished Retrieve chain can be continued."""


def page_size(batch_size: int | None) -> int:
    """The smaller of PAGE_SIZE and a positive Options/BatchSize."""
    if batch_size is not None and 0 < batch_size < PAGE_SIZE:
        return batch_size
    return PAGE_SIZE


def unknown_object_type(object_type: str) -> str:
    return (
        f"Error: Unable to find a handler for object type: {object_type}. "
        "Object types are case-sensitive, check spelling."
    )


def unknown_properties(object_type: str, properties: Iterable[str]) -> str:
    return (
        f"Error: The Request Property(s) {', '.join(properties)} do not match with the fields of "
        f"{object_type} retrieve"
    )


def unfilterable_property(name: str) -> str:
    return f"Error: Filter Property '{name}' is not a retrievable property"


def unsupported_operator(operator: str, name: str) -> str:
    """Emulator's choice of text for a valid SimpleOperator the emulator does not evaluate."""
    return f"Error: The operator {operator} is not supported for filter property '{name}'"


def bad_filter_value(name: str, value: str) -> str:
    """Emulator's choice of text for a filter value that does not fit the property's type."""
    return f"Error: The value '{value}' is not valid for filter property '{name}'"


def no_properties(object_type: str) -> str:
    """Emulator's choice: a Retrieve must name at least one property."""
    return f"Error: No properties were requested for the {object_type} retrieve"


def unknown_continuation(request_id: str) -> str:
    """Emulator's choice of text for a ContinueRequest that names no open Retrieve chain."""
    return f"Error: The RequestID {request_id} does not match an open retrieve request"


STRING, INTEGER, BOOLEAN, DATE = "string", "int", "bool", "date"

FILTER_STRINGS_CASE_INSENSITIVE = True
"""Emulator's choice: string comparisons in filters ignore case, as the service's SQL collation does
(recorded: ContentType 'hidden' matches folder 'Hidden'; folder and field names ignore case)."""

SUPPORTED_OPERATORS = frozenset(
    {
        "equals", "notEquals", "greaterThan", "lessThan", "isNull", "isNotNull", "greaterThanOrEqual",
        "lessThanOrEqual", "between", "IN", "like", "beginsWith", "endsWith", "contains", "notContains",
        "existsInString", "existsInStringAsAWord", "notExistsInString",
    }
)  # fmt: skip
"""Operators evaluated by the emulator; the anniversary operators are valid but not evaluated."""

ALL_OPERATORS = SUPPORTED_OPERATORS | {
    "isAnniversary", "isNotAnniversary", "greaterThanAnniversary", "lessThanAnniversary",
}  # fmt: skip


@dataclass(frozen=True)
class RetrieveProperties:
    """What a Retrieve of one object type may ask for and filter on, with each property's value type; the
    operators its filters may use (None: every supported one) and whether ComplexFilterParts are allowed."""

    retrievable: dict[str, str]
    filterable: frozenset[str]
    operators: frozenset[str] | None = None
    complex_filters: bool = True


def operator_not_allowed(operator: str, object_type: str) -> str:
    """Emulator's choice of text: a documented operator restriction of an object type (DataExtensionObject
    has no like; Automation filters equals and IN only)."""
    return f"Error: The {operator} operator is not supported for {object_type} retrieves"


def complex_filter_not_allowed(object_type: str) -> str:
    """Emulator's choice of text: the documentation says Automation supports no complex filters."""
    return f"Error: Complex filters are not supported for {object_type} retrieves"


ROWS_OPERATORS = SUPPORTED_OPERATORS - {"like"}
"""DataExtensionObject retrieves do not support like (documented)."""


DATA_EXTENSION_PROPERTIES = RetrieveProperties(
    retrievable={
        "Client.ID": INTEGER, "CreatedDate": DATE, "ModifiedDate": DATE, "ObjectID": STRING,
        "CustomerKey": STRING, "Name": STRING, "Description": STRING, "IsSendable": BOOLEAN,
        "IsTestable": BOOLEAN, "SendableDataExtensionField.Name": STRING,
        "SendableSubscriberField.Name": STRING, "Template.CustomerKey": STRING,
        "DataRetentionPeriodLength": INTEGER, "DataRetentionPeriodUnitOfMeasure": INTEGER,
        "RowBasedRetention": BOOLEAN, "ResetRetentionPeriodOnImport": BOOLEAN,
        "DeleteAtEndOfRetentionPeriod": BOOLEAN, "RetainUntil": STRING, "CategoryID": INTEGER,
    },
    filterable=frozenset(
        {
            "ObjectID", "CustomerKey", "Name", "Description", "CategoryID", "IsSendable", "IsTestable",
            "CreatedDate", "ModifiedDate",
        }
    ),
)  # fmt: skip
"""Fields, ID and the sendable objects as a whole are not retrievable (only their .Name is)."""

DATA_EXTENSION_FIELD_PROPERTIES = RetrieveProperties(
    retrievable={
        "Client.ID": INTEGER, "CreatedDate": DATE, "ModifiedDate": DATE, "ObjectID": STRING,
        "CustomerKey": STRING, "Name": STRING, "Scale": INTEGER, "DefaultValue": STRING,
        "MaxLength": INTEGER, "IsRequired": BOOLEAN, "Ordinal": INTEGER, "IsPrimaryKey": BOOLEAN,
        "FieldType": STRING, "DataExtension.CustomerKey": STRING,
    },
    filterable=frozenset(
        {
            "ObjectID", "CustomerKey", "Name", "DataExtension.CustomerKey", "FieldType", "IsRequired",
            "IsPrimaryKey", "Ordinal", "MaxLength", "Scale", "DefaultValue", "CreatedDate", "ModifiedDate",
        }
    ),
)  # fmt: skip
"""Precision, ID, Description and DataExtension as a whole are not retrievable."""

DATA_FOLDER_PROPERTIES = RetrieveProperties(
    retrievable={
        "ID": INTEGER, "Client.ID": INTEGER, "ParentFolder.ID": INTEGER, "ParentFolder.CustomerKey": STRING,
        "ParentFolder.ObjectID": STRING, "ParentFolder.Name": STRING, "ParentFolder.Description": STRING,
        "ParentFolder.ContentType": STRING, "ParentFolder.IsActive": BOOLEAN,
        "ParentFolder.IsEditable": BOOLEAN, "ParentFolder.AllowChildren": BOOLEAN, "Name": STRING,
        "Description": STRING, "ContentType": STRING, "IsActive": BOOLEAN, "IsEditable": BOOLEAN,
        "AllowChildren": BOOLEAN, "CreatedDate": DATE, "ModifiedDate": DATE, "ObjectID": STRING,
        "CustomerKey": STRING,
    },
    filterable=frozenset(
        {
            "ID", "Name", "ContentType", "ParentFolder.ID", "ParentFolder.Name", "ParentFolder.CustomerKey",
            "CustomerKey", "Description", "IsActive", "IsEditable", "AllowChildren", "CreatedDate",
            "ModifiedDate",
        }
    ),
)  # fmt: skip
"""A folder's ObjectID is retrievable but always comes back nil, as recorded."""

FIELD_RESULTS_ORDER = "ObjectID"
"""DataExtensionField results are not in Ordinal order (the real service does not sort them either):
the emulator returns them by field ObjectID, stable but unrelated to Ordinal, so clients must sort."""
