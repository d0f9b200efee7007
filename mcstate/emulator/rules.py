"""The rules of the Marketing Cloud SOAP service, with the error codes and messages it answers.

This is the one place where the emulator decides what the service accepts. Where the real behaviour is not
documented, the choice made here is a named constant or function whose docstring says it is the emulator's
choice, so it can be changed in one place when the real behaviour is learnt.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from mcstate.emulator.model import DataExtension, Field, Folder


class ApiError(Exception):
    """A per-object failure: becomes a result with StatusCode Error, this ErrorCode and StatusMessage."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


# -- clock, account, transport ------------------------------------------------------------------------------

SINGLE_BUSINESS_UNIT = True
"""Emulator's choice: the emulated account is one business unit (MID ACCOUNT_MID). A Retrieve whose
ClientIDs name only other business units finds nothing (OverallStatus OK, no results); QueryAllAccounts
answers this unit's objects, each with its Client/ID, as recorded for QueryAllAccounts retrieves."""

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
"""Emulator's choice: the MID (Client.ID) of the one business unit the emulator holds."""

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


# -- DataExtension ------------------------------------------------------------------------------------------

DE_NO_KEY = 310001
DE_DELETE_NOT_FOUND = 310002
DE_KEY_EXISTS = 310003
DE_UPDATE_NOT_FOUND = 310004
DE_OBJECT_ID_ON_CREATE = 310005
DE_VALIDATION = 310007

DE_CREATED = "Data Extension created."
DE_UPDATED = "Data Extension updated."
DE_DELETED = "Data Extension deleted."
DE_FIELDS_DELETED = "Data Extension Fields deleted."
"""Emulator's choice of text when a Delete names Fields: only those fields are removed."""

KEYS_CASE_INSENSITIVE = True
"""Emulator's choice: CustomerKeys and names are unique regardless of case (SQL Server collation)."""


def same_text(left: str, right: str) -> bool:
    return left.casefold() == right.casefold() if KEYS_CASE_INSENSITIVE else left == right


def de_no_key() -> ApiError:
    return ApiError(
        DE_NO_KEY, "No ObjectID, CustomerKey or Name was provided to identify the data extension."
    )


def de_object_id_on_create() -> ApiError:
    return ApiError(
        DE_OBJECT_ID_ON_CREATE,
        "ObjectID is generated by the system and cannot be specified when creating a data extension.",
    )


def de_key_exists(customer_key: str) -> ApiError:
    """Emulator's choice of text for a Create whose CustomerKey is taken (code 310003)."""
    return ApiError(DE_KEY_EXISTS, f"A data extension with CustomerKey {customer_key} already exists.")


def de_key_taken_on_update(customer_key: str) -> ApiError:
    """Emulator's choice: changing the CustomerKey to one that is taken is a validation error (310007)."""
    return ApiError(DE_VALIDATION, f"A data extension with CustomerKey {customer_key} already exists.")


def de_name_exists(name: str) -> ApiError:
    return ApiError(DE_VALIDATION, f"A data extension named {name} already exists.")


def de_update_not_found(identity: str) -> ApiError:
    return ApiError(DE_UPDATE_NOT_FOUND, f"No data extension matches {identity}; it cannot be updated.")


def de_delete_not_found(identity: str) -> ApiError:
    return ApiError(DE_DELETE_NOT_FOUND, f"No data extension matches {identity}; it cannot be deleted.")


def de_name_required() -> ApiError:
    return ApiError(DE_VALIDATION, "A data extension requires a Name.")


def de_fields_required() -> ApiError:
    return ApiError(DE_VALIDATION, "A data extension requires at least one field.")


DATA_EXTENSION_TEMPLATES: dict[str, str] = {
    "086D14D3-5057-462B-AF33-01CA8D1FE87A": "DomainExclusion",
    "B6E8AE4C-3D93-49B1-B299-E0AE734213DD": "TriggeredSendDataExtension",
    "23471ECA-8710-4512-9296-040CA86FBD9E": "CONTEXTUAL_SUPPRESSION_LISTS",
    "00A4369E-0B57-4EF2-BFFA-E3F23B4D1098": "SocialPages Default Template Extension",
    "DAE95D91-762C-4124-B082-0433165ADD30": "AudienceBuilderResult",
    "BE1B7591-BFA6-473F-A6CE-0E458204865B": "Event DE Template",
}
"""The data extension templates of an account (CustomerKey → Name), as a recorded Retrieve of
DataExtensionTemplate lists them. Emulator's choices: these keys are the same in every account; a
Template.CustomerKey that names none of them fails the Create with 310007; a template adds no fields of its
own (the fields sent are the data extension's)."""


def check_template(template_key: str | None) -> None:
    if template_key and template_key.casefold() not in {key.casefold() for key in DATA_EXTENSION_TEMPLATES}:
        raise ApiError(DE_VALIDATION, f"Template {template_key} was not found.")


def check_category(category_id: int, folder: Folder | None) -> None:
    """CategoryID must be an existing folder for data extensions (emulator's choice of text)."""
    if folder is None or folder.content_type.casefold() not in DATA_EXTENSION_FOLDER_TYPES:
        raise ApiError(DE_VALIDATION, f"CategoryID {category_id} is not a valid data extension folder.")


DATA_EXTENSION_FOLDER_TYPES = frozenset({"dataextension"})
"""Folder content types that may hold a data extension."""

DEFAULT_DATA_EXTENSION_FOLDER_KEY = "dataextension_default"
"""A data extension created without CategoryID goes to the root Data Extensions folder."""

SYSTEM_DATA_EXTENSION_CATEGORY_ID = 0
"""Emulator's choice: the platform's own (system) data extensions, which no API call creates, are stored
with CategoryID 0 and retrieved without a CategoryID, as real accounts answer them (mcdev drops them)."""


def check_key_change(changes_fields: bool) -> None:
    """A CustomerKey is changed by an Update that identifies the data extension by ObjectID, and never in
    the same Update as field changes."""
    if changes_fields:
        raise ApiError(DE_VALIDATION, "The CustomerKey cannot be changed in the same update as fields.")


# Fields

FIELD_TYPES = ("Text", "Number", "Date", "Boolean", "EmailAddress", "Phone", "Decimal", "Locale")
"""Field types the emulator accepts: the documented ones (the WSDL's encrypted types are refused)."""

DEFAULT_FIELD_TYPE = "Text"
"""A field sent without FieldType is Text."""

LENGTH_RULES: dict[str, tuple[int, int]] = {
    "Text": (50, 4000),
    "EmailAddress": (254, 254),
    "Phone": (50, 50),
    "Locale": (5, 5),
}
"""(default MaxLength, largest MaxLength) per type that has a length. Text defaults to 50 and allows up to
4000 and EmailAddress is 254, as documented; Phone 50 and Locale 5 are the emulator's choice."""

TYPES_WITHOUT_LENGTH = frozenset({"Number", "Date", "Boolean"})
"""These types have no MaxLength; a MaxLength sent for them is ignored."""

DECIMAL_MAX_PRECISION = 38
MAX_LENGTH_DECREASE = "The length of an existing field cannot be decreased"

PRIMARY_KEY_MUST_BE_REQUIRED = True
"""Emulator's choice: a primary-key field is required. IsPrimaryKey with IsRequired omitted makes the field
required; IsPrimaryKey with IsRequired explicitly false is refused."""


@dataclass
class FieldInput:
    """A Fields/Field element as sent; None means the element was absent."""

    object_id: str | None = None
    name: str | None = None
    field_type: str | None = None
    max_length: int | None = None
    precision: int | None = None
    scale: int | None = None
    is_required: bool | None = None
    is_primary_key: bool | None = None
    default_value: str | None = None
    ordinal: int | None = None


@dataclass
class FieldShape:
    """A new field's settings after the service's defaults are applied."""

    name: str
    field_type: str
    max_length: int | None
    scale: int | None
    is_required: bool
    is_primary_key: bool
    default_value: str


def field_error(message: str) -> ApiError:
    return ApiError(DE_VALIDATION, message)


def new_field_shape(spec: FieldInput) -> FieldShape:
    """Validate a new field and apply the defaults the service applies."""
    name = (spec.name or "").strip()
    if not name:
        raise field_error("A field requires a Name.")
    field_type = spec.field_type if spec.field_type is not None else DEFAULT_FIELD_TYPE
    if field_type not in FIELD_TYPES:
        raise field_error(f"The FieldType {field_type} of field {name} is not valid.")
    max_length: int | None = None
    scale: int | None = None
    if field_type in LENGTH_RULES:
        default, largest = LENGTH_RULES[field_type]
        max_length = default if spec.max_length is None else spec.max_length
        if not 1 <= max_length <= largest:
            raise field_error(f"The MaxLength of field {name} must be between 1 and {largest}.")
    elif field_type == "Decimal":
        if spec.precision is None or spec.scale is None:
            raise field_error(f"The Decimal field {name} requires Precision and Scale.")
        if not 1 <= spec.precision <= DECIMAL_MAX_PRECISION:
            raise field_error(f"The Precision of field {name} must be between 1 and {DECIMAL_MAX_PRECISION}.")
        if not 0 <= spec.scale <= spec.precision:
            raise field_error(f"The Scale of field {name} must be between 0 and its Precision.")
        max_length, scale = spec.precision, spec.scale
    is_primary_key = bool(spec.is_primary_key)
    if is_primary_key and PRIMARY_KEY_MUST_BE_REQUIRED and spec.is_required is False:
        raise field_error(f"The primary key field {name} must be required (IsRequired true).")
    is_required = True if is_primary_key else bool(spec.is_required)
    return FieldShape(
        name=name,
        field_type=field_type,
        max_length=max_length,
        scale=scale,
        is_required=is_required,
        is_primary_key=is_primary_key,
        default_value=spec.default_value or "",
    )


def check_field_names_unique(names: Iterable[str]) -> None:
    """Field names are unique within a data extension, regardless of case."""
    seen: set[str] = set()
    for name in names:
        folded = name.casefold()
        if folded in seen:
            raise field_error(f"A field named {name} already exists in this data extension.")
        seen.add(folded)


def check_new_field_on_populated(shape: FieldShape, row_count: int) -> None:
    """A field added to a data extension that holds rows must be nullable or have a default value, and
    cannot be a primary key."""
    if row_count <= 0:
        return
    if shape.is_primary_key:
        raise field_error(
            f"The primary key field {shape.name} cannot be added to a data extension that contains data."
        )
    if shape.is_required and not shape.default_value:
        raise field_error(
            f"The required field {shape.name} cannot be added to a data extension that contains data "
            "unless it has a DefaultValue."
        )


def field_not_in_data_extension(object_id: str) -> ApiError:
    return field_error(f"The field with ObjectID {object_id} does not belong to this data extension.")


def apply_field_change(existing: Field, spec: FieldInput, row_count: int) -> Field:
    """The modified copy of an existing field, or ApiError when the service refuses the change.

    Rename, DefaultValue and a larger MaxLength are allowed. FieldType may not be sent at all (even
    unchanged); MaxLength never shrinks; a nullable field never becomes required; Decimal Scale is fixed;
    the primary key changes only while the data extension holds no rows; Ordinal is ignored.
    """
    if spec.field_type is not None:
        raise field_error(f"The FieldType of the existing field {existing.name} cannot be updated.")
    changed = Field(**vars(existing))
    if spec.name is not None and spec.name.strip() and spec.name.strip() != existing.name:
        changed.name = spec.name.strip()
    length = spec.precision if existing.field_type == "Decimal" and spec.precision is not None else None
    if length is None and existing.field_type not in TYPES_WITHOUT_LENGTH:
        length = spec.max_length
    if length is not None and existing.max_length is not None and length != existing.max_length:
        if length < existing.max_length:
            raise field_error(MAX_LENGTH_DECREASE)
        largest = LENGTH_RULES.get(existing.field_type, (0, DECIMAL_MAX_PRECISION))[1]
        if length > largest:
            raise field_error(f"The MaxLength of field {existing.name} must be between 1 and {largest}.")
        changed.max_length = length
    if existing.field_type == "Decimal" and spec.scale is not None and spec.scale != existing.scale:
        raise field_error(f"The Scale of the existing Decimal field {existing.name} cannot be changed.")
    if spec.is_primary_key is not None and spec.is_primary_key != existing.is_primary_key:
        if row_count > 0:
            raise field_error(
                f"The primary key of a data extension that contains data cannot be changed "
                f"(field {existing.name})."
            )
        changed.is_primary_key = spec.is_primary_key
        if spec.is_primary_key:
            if spec.is_required is False:
                raise field_error(
                    f"The primary key field {existing.name} must be required (IsRequired true)."
                )
            changed.is_required = True
    if spec.is_required is not None and spec.is_required != changed.is_required:
        if spec.is_required and not changed.is_primary_key:
            raise field_error(f"The nullable field {existing.name} cannot be changed to required.")
        if not spec.is_required and changed.is_primary_key:
            raise field_error(f"The primary key field {existing.name} must be required (IsRequired true).")
        changed.is_required = spec.is_required
    if spec.default_value is not None:
        changed.default_value = spec.default_value
    return changed


def check_field_deletion(data_extension: DataExtension, field: Field | None, object_id: str) -> None:
    """A field deleted through Delete DataExtension must belong to it and not be its sendable field."""
    if field is None or field.de_object_id != data_extension.object_id:
        raise field_not_in_data_extension(object_id)
    if data_extension.is_sendable and data_extension.sendable_field_id == field.object_id:
        raise field_error(
            f"The field {field.name} relates the data extension to subscribers and cannot be deleted."
        )


def check_fields_remain(remaining: int) -> None:
    if remaining <= 0:
        raise de_fields_required()


# Sendable

SUBSCRIBER_FIELDS = {"subscriber key": "Subscriber Key", "email address": "Email Address"}
"""SendableSubscriberField names accepted on Create/Update."""

RETRIEVED_SUBSCRIBER_FIELD = {"Subscriber Key": "_SubscriberKey", "Email Address": "Email Address"}
"""How Retrieve names the subscriber field: 'Subscriber Key' comes back as '_SubscriberKey' (recorded);
'Email Address' is returned as sent (emulator's choice)."""


def check_sendable(field_name: str | None, subscriber_field: str | None, field_names: Sequence[str]) -> str:
    """Validate a sendable relationship; returns the canonical subscriber field name."""
    if not field_name:
        raise field_error("A sendable data extension requires SendableDataExtensionField/Name.")
    if not any(same_text(field_name, name) for name in field_names):
        raise field_error(f"The sendable field {field_name} is not a field of this data extension.")
    if not subscriber_field:
        raise field_error("A sendable data extension requires SendableSubscriberField/Name.")
    if subscriber_field.strip() == "_SubscriberKey":
        raise field_error(
            "The SendableSubscriberField _SubscriberKey is not valid; "
            "use 'Subscriber Key' or 'Email Address'."
        )
    canonical = SUBSCRIBER_FIELDS.get(subscriber_field.strip().casefold())
    if canonical is None:
        raise field_error(
            f"The SendableSubscriberField {subscriber_field} is not valid; "
            "use 'Subscriber Key' or 'Email Address'."
        )
    return canonical


# Retention

RETENTION_UNITS = {3: "Days", 4: "Weeks", 5: "Months", 6: "Years"}
"""DataRetentionPeriodUnitOfMeasure values; DataRetentionPeriod (the enum) maps onto them."""


def retention_unit_from_period(period: str) -> int:
    for unit, name in RETENTION_UNITS.items():
        if name == period:
            return unit
    raise field_error(f"The DataRetentionPeriod {period} is not valid.")


def check_retention(length: int | None, unit: int | None, retain_until: str) -> None:
    """A period needs both a positive length and a known unit; RetainUntil excludes a period."""
    if unit is not None and unit not in RETENTION_UNITS:
        raise field_error(f"The DataRetentionPeriodUnitOfMeasure {unit} is not valid (3, 4, 5 or 6).")
    if (length is None) != (unit is None):
        raise field_error(
            "A retention period requires both DataRetentionPeriodLength and DataRetentionPeriodUnitOfMeasure."
        )
    if length is not None and length <= 0:
        raise field_error("DataRetentionPeriodLength must be greater than zero.")
    if length is not None and retain_until:
        raise field_error("RetainUntil cannot be combined with a retention period; send RetainUntil empty.")


def check_row_based_retention(current: bool, requested: bool | None) -> None:
    """RowBasedRetention is fixed once the data extension exists."""
    if requested is not None and requested != current:
        raise field_error("RowBasedRetention cannot be changed on an existing data extension.")


_RETAIN_UNTIL_FORMATS = ("%m/%d/%Y %I:%M:%S %p", "%m/%d/%Y %H:%M:%S", "%m/%d/%Y %H:%M", "%m/%d/%Y",
                         "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d")  # fmt: skip


def normalize_retain_until(value: str | None) -> str | None:
    """RetainUntil in the service's en-US form (``5/9/2024 12:00:00 AM``); empty stays empty.

    Emulator's choice: the API user's locale is en-US; ISO dates are accepted too.
    """
    if value is None:
        return None
    text = value.strip()
    if not text:
        return ""
    for pattern in _RETAIN_UNTIL_FORMATS:
        try:
            moment = datetime.strptime(text, pattern)
        except ValueError:
            continue
        hour = moment.hour % 12 or 12
        suffix = "AM" if moment.hour < 12 else "PM"
        clock = f"{hour}:{moment.minute:02d}:{moment.second:02d} {suffix}"
        return f"{moment.month}/{moment.day}/{moment.year} {clock}"
    raise field_error(f"RetainUntil {value} is not a valid date.")


# -- DataFolder ----------------------------------------------------------------------------------------------

FOLDER_INVALID_CALL = 396001
FOLDER_KEY_EXISTS = 396002
FOLDER_NAME_REQUIRED = 396003
FOLDER_CONTENT_TYPE_REQUIRED = 396004
FOLDER_CONTENT_TYPE_INVALID = 396005
FOLDER_INVALID_PARENT = 396007
FOLDER_KEY_REQUIRED = 396008
FOLDER_KEY_INVALID = 396009
FOLDER_DESCRIPTION_REQUIRED = 396010
FOLDER_NAME_INVALID = 396012

FOLDER_CREATED = "Folder created successfully."
FOLDER_UPDATED = "Folder updated successfully."
FOLDER_DELETED = "Folder deleted successfully."

FIRST_FOLDER_ID = 100001
"""Emulator's choice: folders created through the API get increasing integer IDs from here."""

CONTENT_TYPES = frozenset(
    {
        "dataextension", "shared_dataextension", "shared_data", "salesforcedataextension",
        "shared_salesforcedataextension", "synchronizeddataextension", "queryactivity", "filterdefinition",
        "filteractivity", "automations", "ssjsactivity", "list", "mysubs", "publication", "suppression_list",
        "contextual_suppression_list", "triggered_send", "triggered_send_journeybuilder",
        "userinitiatedsends",
        "asset", "asset-shared", "cloudpages", "email", "template", "journey", "hidden", "media", "content",
    }
)  # fmt: skip
"""Known ContentType values, compared without case ('Hidden' and 'hidden' are the same)."""

ROOT_FOLDERS: tuple[tuple[int, str, str, str], ...] = (
    (1, "hidden_default", "Hidden", "hidden"),
    (2, "dataextension_default", "Data Extensions", "dataextension"),
    (3, "shared_dataextension_default", "Shared Data Extensions", "shared_dataextension"),
    (4, "queryactivity_default", "Query", "queryactivity"),
    (5, "filterdefinition_default", "Data Filters", "filterdefinition"),
    (6, "filteractivity_default", "Filter", "filteractivity"),
    (7, "automations_default", "my automations", "automations"),
)
"""Root folders of a fresh account (ID, CustomerKey, Name, ContentType): ParentFolder 0, active, not
editable, children allowed. The Data Extensions root has ID 2, as in recorded tenants; the filter activity
root is named "Filter", as recorded."""

REST_CREATED_FOLDER_TYPES = frozenset({"automations", "journey", "triggered_send_journeybuilder"})
"""ContentTypes the service does not create over SOAP DataFolder (mcdev creates them through the REST category
API, POST /email/v1/category, for that reason). Emulator's choice: such a SOAP Create fails with 396005
'Content Type Invalid' and a detail saying how they are created (the real code and text are unknown)."""


def category_type_invalid(content_type: object) -> tuple[int, str]:
    """Emulator's choice: the category API creates only the folder types SOAP does not (mcdev uses it for
    nothing else); other catType values are refused as invalid values."""
    return (
        REST_INVALID_VALUE,
        f"catType '{content_type}' cannot be created here; one of: "
        f"{', '.join(sorted(REST_CREATED_FOLDER_TYPES))}.",
    )


def filter_activity_fixed(wire_name: str) -> tuple[int, str]:
    return (
        REST_INVALID_VALUE,
        f"{wire_name} of a filter activity cannot be changed; create another activity.",
    )


def filter_activity_folder(category: object) -> tuple[int, str]:
    return (REST_INVALID_VALUE, f"categoryId {category} is not a filter activity folder.")


def folder_created_over_rest(content_type: str) -> ApiError:
    return ApiError(
        FOLDER_CONTENT_TYPE_INVALID,
        f"Data Folder Content Type Invalid: folders of type {content_type} cannot be created through "
        "DataFolder; use the category API (POST /email/v1/category).",
    )


FOLDER_DEFAULT_IS_ACTIVE = True
"""Emulator's choice: a folder created without IsActive is active."""
FOLDER_DEFAULT_IS_EDITABLE = False
FOLDER_DEFAULT_ALLOW_CHILDREN = False
"""As the service does: IsEditable and AllowChildren are false unless sent."""


def folder_name_required() -> ApiError:
    return ApiError(FOLDER_NAME_REQUIRED, "Data Folder Name Required")


def folder_content_type_required() -> ApiError:
    return ApiError(FOLDER_CONTENT_TYPE_REQUIRED, "Data Folder Content Type Required")


def folder_content_type_invalid() -> ApiError:
    return ApiError(FOLDER_CONTENT_TYPE_INVALID, "Data Folder Content Type Invalid")


def folder_invalid_parent() -> ApiError:
    return ApiError(FOLDER_INVALID_PARENT, "Data Folder Invalid Parent")


def folder_description_required() -> ApiError:
    return ApiError(FOLDER_DESCRIPTION_REQUIRED, "Data Folder Description Required")


def folder_key_exists() -> ApiError:
    return ApiError(FOLDER_KEY_EXISTS, "Data Folder Customer Key Exists")


def folder_key_required() -> ApiError:
    """Update/Delete without ID or CustomerKey (emulator's reading of 396008 'Key Field Required')."""
    return ApiError(FOLDER_KEY_REQUIRED, "Data Folder Key Field Required")


def folder_not_found() -> ApiError:
    """Update/Delete whose ID or CustomerKey matches no folder (emulator's reading of 396009)."""
    return ApiError(FOLDER_KEY_INVALID, "Data Folder Key Field Invalid")


def folder_name_taken(name: str) -> ApiError:
    """Emulator's choice: a sibling with the same name (case-insensitive) is 396012 'Name Invalid'."""
    return ApiError(
        FOLDER_NAME_INVALID, f"Data Folder Name Invalid: a folder named {name} already exists here."
    )


def folder_not_editable() -> ApiError:
    """Emulator's choice: changing or deleting a folder with IsEditable false is an invalid call."""
    return ApiError(FOLDER_INVALID_CALL, "Data Folder Invalid Call: the folder is not editable.")


def folder_not_empty() -> ApiError:
    """Emulator's choice: a folder holding folders or data extensions cannot be deleted."""
    return ApiError(FOLDER_INVALID_CALL, "Data Folder Invalid Call: the folder is not empty.")


def folder_content_type_changed() -> ApiError:
    """Emulator's choice: ContentType is immutable; sending a different one is 396005."""
    return ApiError(
        FOLDER_CONTENT_TYPE_INVALID, "Data Folder Content Type Invalid: ContentType cannot be changed."
    )


def check_content_type(content_type: str | None) -> str:
    if content_type is None or not content_type.strip():
        raise folder_content_type_required()
    if content_type.strip().casefold() not in CONTENT_TYPES:
        raise folder_content_type_invalid()
    return content_type.strip()


def check_parent(parent: Folder | None, content_type: str, moving: Folder | None = None,
                 ancestors: Sequence[int] = ()) -> None:  # fmt: skip
    """The parent must exist (ID 0, a new root, is refused), share the content type and allow children;
    a folder cannot move under itself or one of its descendants."""
    if parent is None or parent.content_type.casefold() != content_type.casefold():
        raise folder_invalid_parent()
    if not parent.allow_children:
        raise folder_invalid_parent()
    if moving is not None and (parent.id == moving.id or moving.id in ancestors):
        raise folder_invalid_parent()


# -- ImportDefinition ---------------------------------------------------------------------------------------

IMPORT_KEY_REQUIRED = 43000
IMPORT_NOT_FOUND = 43010
IMPORT_OBJECT_NOT_SUPPORTED = 43020
IMPORT_EXISTS = 43030
IMPORT_VALIDATION = 43060

IMPORT_CREATED = "ImportDefinition created."
IMPORT_UPDATED = "ImportDefinition updated."
IMPORT_DELETED = "ImportDefinition deleted."
"""Create's text is documented; Update's and Delete's are the emulator's choice in the same style."""

IMPORT_FIELD_MAPPING_TYPES = ("InferFromColumnHeadings", "MapByOrdinal", "ManualMap")
IMPORT_UPDATE_TYPES = (
    "AddAndUpdate",
    "AddAndDoNotUpdate",
    "UpdateButDoNotAdd",
    "Merge",
    "Overwrite",
    "ColumnBased",
)
IMPORT_COLUMN_ACTIONS = ("AddAndUpdate", "AddButDoNotUpdate", "Delete", "Skip", "UpdateButDoNotAdd")
IMPORT_FILE_TYPES = ("CSV", "TAB", "Other")
ASYNC_RESPONSE_TYPES = ("None", "email", "FTP", "HTTPPost")
RESPOND_WHEN = (
    "Never",
    "OnError",
    "Always",
    "OnConversationError",
    "OnConversationComplete",
    "OnCallComplete",
)
"""The WSDL's enumerations: another value cannot be deserialized (a Client fault, as for any enum)."""

IMPORT_DESTINATION_TYPES = frozenset({"DataExtension"})
"""Emulator's choice: imports into data extensions only (lists and All Subscribers are answered 43020)."""

IMPORT_DEFAULT_DATE_LOCALE = "en-US"
"""DateFormattingLocale when none is sent, as documented."""

IMPORT_DEFAULT_FILE_TYPE = "CSV"
"""Emulator's choice: FileType when none is sent."""

IMPORT_KEY_REQUIRED_ON_CREATE = True
"""Emulator's choice: an ImportDefinition is created with a CustomerKey (43000 otherwise), as key-based
calls require it; the service may generate one, which a definitions tool never relies on."""

IMPORT_REQUIRED_FIELDS_WITH_DEFAULT_OPTIONAL = True
"""Emulator's choice of what 'ManualMap must map every column' means: every field of the destination that
is required (primary keys are) and has no DefaultValue must be the DestinationName of a FieldMap."""

IMPORT_DEFINITION_PROPERTIES = RetrieveProperties(
    retrievable={
        "Client.ID": INTEGER, "CreatedDate": DATE, "ModifiedDate": DATE, "ObjectID": STRING,
        "CustomerKey": STRING, "Name": STRING, "Description": STRING, "AllowErrors": BOOLEAN,
        "DestinationObject.ObjectID": STRING, "FieldMappingType": STRING, "FieldMaps": STRING,
        "FileSpec": STRING, "FileType": STRING, "Notification.ResponseType": STRING,
        "Notification.ResponseAddress": STRING, "Notification.RespondWhen": STRING,
        "RetrieveFileTransferLocation.CustomerKey": STRING, "SubscriberImportType": STRING,
        "UpdateType": STRING, "Delimiter": STRING, "HeaderLines": INTEGER, "ControlColumn": STRING,
        "ControlColumnDefaultAction": STRING, "ControlColumnActions": STRING,
        "DateFormattingLocale.LocaleCode": STRING, "EncodingCodePage": INTEGER,
    },
    filterable=frozenset({"ObjectID", "CustomerKey", "Name", "CreatedDate", "ModifiedDate"}),
)  # fmt: skip
"""Emulator's choice: the documented retrieve returns only ObjectID (by CustomerKey or Name); the emulator
answers every property it stores, with FieldMaps and ControlColumnActions as whole collections, and the
destination as DestinationObject.ObjectID (the service keeps the object, not its key)."""


def import_key_required() -> ApiError:
    return ApiError(
        IMPORT_KEY_REQUIRED, "Customer Key Not Specified: an ImportDefinition needs a CustomerKey."
    )


def import_not_found(identity: str) -> ApiError:
    return ApiError(IMPORT_NOT_FOUND, f"Not Found: no ImportDefinition matches {identity}.")


def import_exists(customer_key: str) -> ApiError:
    return ApiError(
        IMPORT_EXISTS, f"ImportDefinition Exists: the CustomerKey {customer_key} is already used."
    )


def import_object_not_supported(type_name: str) -> ApiError:
    return ApiError(
        IMPORT_OBJECT_NOT_SUPPORTED,
        f"Object Not Supported: the emulator imports into DataExtension only, not {type_name}.",
    )


def import_invalid(detail: str) -> ApiError:
    return ApiError(IMPORT_VALIDATION, f"Validation Error: {detail}")


def check_import_definition(
    *,
    name: str,
    file_location_key: str,
    file_spec: str,
    file_type: str,
    delimiter: str | None,
    header_lines: int | None,
    field_mapping_type: str,
    field_map_destinations: Sequence[str],
    update_type: str,
    control_column: str | None,
    notification_type: str | None,
    notification_address: str | None,
    destination_name: str,
    destination_fields: Sequence[Field],
) -> None:
    """The rules every saved ImportDefinition meets (on Create, and after an Update is merged)."""
    if not name.strip():
        raise import_invalid("Name is required.")
    if not file_location_key.strip():
        raise import_invalid("RetrieveFileTransferLocation (a file location CustomerKey) is required.")
    if file_location_by_key(file_location_key) is None:
        raise import_invalid(f"The file location {file_location_key.strip()} was not found.")
    if not file_spec.strip():
        raise import_invalid("FileSpec is required.")
    if file_type == "Other" and not delimiter:
        raise import_invalid("A FileType Other import requires a Delimiter.")
    if header_lines is not None and header_lines < 0:
        raise import_invalid("HeaderLines cannot be negative.")
    if not field_mapping_type:
        raise import_invalid("FieldMappingType is required.")
    if not update_type:
        raise import_invalid("UpdateType is required.")
    if update_type == "Merge":
        raise import_invalid("UpdateType Merge is reserved and cannot be used.")
    if notification_type == "email" and not (notification_address or "").strip():
        raise import_invalid("An email Notification requires a ResponseAddress.")
    if update_type == "ColumnBased" and not (control_column or "").strip():
        raise import_invalid("UpdateType ColumnBased requires a ControlColumn.")
    keys = [field.name for field in destination_fields if field.is_primary_key]
    if update_type == "Overwrite" and keys:
        raise import_invalid(
            f"UpdateType Overwrite is only allowed for a data extension without a primary key; "
            f"{destination_name} has the primary key {', '.join(keys)}."
        )
    if field_mapping_type != "ManualMap":
        return
    if not field_map_destinations:
        raise import_invalid("FieldMappingType ManualMap requires FieldMaps.")
    by_name = {field.name.casefold(): field for field in destination_fields}
    mapped: set[str] = set()
    for destination in field_map_destinations:
        folded = destination.strip().casefold()
        if folded not in by_name:
            raise import_invalid(
                f"The field {destination} does not exist in data extension {destination_name}."
            )
        if folded in mapped:
            raise import_invalid(f"The field {destination} is mapped more than once.")
        mapped.add(folded)
    unmapped = [
        field.name
        for field in destination_fields
        if field.is_required
        and not (IMPORT_REQUIRED_FIELDS_WITH_DEFAULT_OPTIONAL and field.default_value)
        and field.name.casefold() not in mapped
    ]
    if unmapped:
        raise import_invalid(
            f"ManualMap must map every column: the required field(s) {', '.join(unmapped)} of data extension "
            f"{destination_name} are not mapped."
        )


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


def file_location(location_id: str) -> FileLocationSeed | None:
    return next((seed for seed in FILE_LOCATIONS if seed.id.casefold() == location_id.casefold()), None)


def unknown_file_location(location_id: Any) -> tuple[int, str]:
    return (
        REST_UNKNOWN_FILE_LOCATION,
        f"fileTransferLocationId {location_id} is not a file location of this account.",
    )


# -- FilterDefinition ---------------------------------------------------------------------------------------

FILTER_OBJECT_ID_ON_CREATE = 373000
FILTER_SOURCE_KEY_REQUIRED = 373001
FILTER_SOURCE_NOT_FOUND = 373002
FILTER_NAME_REQUIRED = 373003
FILTER_NAME_EXISTS = 373004
FILTER_KEY_EXISTS = 373005
FILTER_KEY_REQUIRED = 373006
FILTER_NOT_FOUND = 373007
FILTER_DATA_FILTER_REQUIRED = 373008
FILTER_INVALID = 373009
FILTER_OPERATION_NOT_ALLOWED = 373010
FILTER_PROPERTY_NOT_FOUND = 373011
FILTER_PART_NOT_ALLOWED = 373012

FILTER_CREATED = "FilterDefinition created."
FILTER_UPDATED = "FilterDefinition updated."
FILTER_DELETED = "FilterDefinition deleted."
"""Emulator's choice of texts: the documentation gives none for FilterDefinition results."""

FILTER_DEFINITION_PROPERTIES = RetrieveProperties(
    retrievable={
        "Client.ID": INTEGER, "CreatedDate": DATE, "ModifiedDate": DATE, "ObjectID": STRING,
        "CustomerKey": STRING, "Name": STRING, "Description": STRING, "CategoryID": INTEGER,
        "DataSource.ObjectID": STRING, "DataSource.CustomerKey": STRING, "DataSource.Name": STRING,
        "DataFilter": STRING,
    },
    filterable=frozenset({"ObjectID", "CustomerKey", "Name", "CategoryID", "CreatedDate", "ModifiedDate"}),
)  # fmt: skip
"""Emulator's choice: the documented retrieves (CustomerKey or Name equals) return ObjectID; the emulator
answers every property it stores, the DataFilter as a whole (the service refuses only filters that use data
relationships, which the emulator does not have)."""

FILTER_TEXT_TYPES = frozenset({"Text", "EmailAddress", "Phone", "Locale"})
FILTER_NUMBER_TYPES = frozenset({"Number", "Decimal"})

FILTER_OPERATORS_BY_TYPE: dict[str, frozenset[str]] = {
    "Text": frozenset(
        {
            "equals", "notEquals", "greaterThan", "greaterThanOrEqual", "lessThan", "lessThanOrEqual",
            "existsInString", "existsInStringAsAWord", "notExistsInString", "beginsWith", "endsWith",
            "contains", "notContains", "like", "IN", "isNull", "isNotNull",
        }
    ),
    "Number": frozenset(
        {
            "equals", "notEquals", "greaterThan", "greaterThanOrEqual", "lessThan", "lessThanOrEqual",
            "between", "IN", "isNull", "isNotNull",
        }
    ),
    "Date": frozenset(
        {
            "equals", "notEquals", "greaterThan", "lessThan", "isAnniversary", "isNotAnniversary",
            "greaterThanAnniversary", "lessThanAnniversary", "between", "isNull", "isNotNull",
        }
    ),
    "Boolean": frozenset({"equals"}),
}  # fmt: skip
"""SimpleOperators a DataFilter may apply to a field, by the field's type (Text also stands for
EmailAddress, Phone and Locale; Number for Decimal). The documented table: Boolean equals; Date equals,
notEquals, isAnniversary, isNotAnniversary, greaterThan, greaterThanAnniversary, lessThan,
lessThanAnniversary; Numeric equals, notEquals, greaterThan, greaterThanOrEqual; Text equals, notEquals,
greaterThan, greaterThanOrEqual, lessThan, lessThanOrEqual, existsInString, existsInStringAsAWord,
notExistsInString, beginsWith. Emulator's choice: also what the filter editor offers beside the table
(isNull/isNotNull for every type but Boolean; lessThan, lessThanOrEqual, between and IN for numbers; between
for dates; endsWith, contains, notContains, like and IN for text)."""

FILTER_VALUE_FREE_OPERATORS = frozenset({"isNull", "isNotNull"})
"""These ignore any Value sent, without an error (documented for SimpleFilterPart)."""

FILTER_FOLDER_TYPES = frozenset({"filterdefinition"})
DEFAULT_FILTER_FOLDER_KEY = "filterdefinition_default"
"""A data filter created without CategoryID goes to the root Data Filters folder."""


def filter_operator_family(field_type: str) -> str:
    if field_type in FILTER_TEXT_TYPES:
        return "Text"
    if field_type in FILTER_NUMBER_TYPES:
        return "Number"
    return field_type


def filter_object_id_on_create() -> ApiError:
    return ApiError(
        FILTER_OBJECT_ID_ON_CREATE, "Filter definition create calls cannot specify the ObjectID property"
    )


def filter_source_key_required() -> ApiError:
    return ApiError(
        FILTER_SOURCE_KEY_REQUIRED,
        "Either object ID or customer key is required for the DataSource if the DataSource is a data "
        "extension",
    )


def filter_source_not_found() -> ApiError:
    return ApiError(FILTER_SOURCE_NOT_FOUND, "The data extension specified as DataSource was not found")


def filter_name_required() -> ApiError:
    return ApiError(FILTER_NAME_REQUIRED, "Filter definition name is required for Create calls")


def filter_name_exists() -> ApiError:
    return ApiError(FILTER_NAME_EXISTS, "Filter definition name already exists. Please specify a unique name")


def filter_key_exists() -> ApiError:
    return ApiError(
        FILTER_KEY_EXISTS,
        "Filter definition customer key already exists. Please specify a unique customer key",
    )


def filter_key_required() -> ApiError:
    return ApiError(FILTER_KEY_REQUIRED, "Either object ID or customer key is required to perform an update")


def filter_not_found() -> ApiError:
    return ApiError(FILTER_NOT_FOUND, "Filter definition was not found using either the ID or the name")


def filter_data_filter_required() -> ApiError:
    """Emulator's choice: an Update without DataFilter is refused with the Create code, as the service
    requires both DataSource and DataFilter on every update."""
    return ApiError(FILTER_DATA_FILTER_REQUIRED, "DataFilter is required for Create calls")


def filter_invalid(detail: str) -> ApiError:
    return ApiError(FILTER_INVALID, f"The DataFilter that was provided is invalid: {detail}")


def filter_operation_not_allowed(subject: str, operation: str) -> ApiError:
    return ApiError(
        FILTER_OPERATION_NOT_ALLOWED,
        f"The type for {subject} does not allow the operation specified: {operation}",
    )


def filter_property_not_found(name: str) -> ApiError:
    return ApiError(FILTER_PROPERTY_NOT_FOUND, f"The property provided could not be found: {name}")


def filter_part_not_allowed() -> ApiError:
    return ApiError(
        FILTER_PART_NOT_ALLOWED,
        "Invalid filter part. Only filter parts of ComplexFilterPart and SimpleFilterPart are allowed for "
        "filter definitions",
    )


def filter_source_changed() -> ApiError:
    """Emulator's choice: the DataSource of a data filter cannot change in an Update (the filter has to be
    deleted and created again), answered with 373010."""
    return filter_operation_not_allowed("FilterDefinition", "changing the DataSource")


def filter_without_source() -> ApiError:
    """Emulator's choice: filters on profile attributes (no DataSource) are not emulated."""
    return ApiError(
        FILTER_SOURCE_KEY_REQUIRED,
        "A DataSource data extension is required: the emulator supports data extension filters only",
    )


def check_filter_category(category_id: int, folder: Folder | None) -> None:
    """Emulator's choice: CategoryID must be a data filter folder, refused with 373010 otherwise."""
    if folder is None or folder.content_type.casefold() not in FILTER_FOLDER_TYPES:
        raise filter_operation_not_allowed(
            "FilterDefinition", f"CategoryID {category_id} (not a data filter folder)"
        )


def _filter_digits(text: str) -> bool:
    return text.isascii() and text.isdigit()


def _filter_integer(text: str) -> bool:
    return _filter_digits(text[1:] if text[:1] in ("+", "-") else text)


def _filter_decimal(text: str) -> bool:
    whole, _, fraction = (text[1:] if text[:1] in ("+", "-") else text).partition(".")
    return bool(whole or fraction) and all(not part or _filter_digits(part) for part in (whole, fraction))


def _filter_short_date(text: str) -> bool:
    """A DateValue must be a date with no time (ShortDate): midnight, with or without a zone."""
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        return False
    return (moment.hour, moment.minute, moment.second, moment.microsecond) == (0, 0, 0, 0)


def check_filter_comparison(
    name: str, operator: str, values: Sequence[str], date_values: Sequence[str], field_type: str
) -> None:
    """One SimpleFilterPart of a DataFilter against the type of the field it names (which exists)."""
    family = filter_operator_family(field_type)
    if operator not in FILTER_OPERATORS_BY_TYPE.get(family, frozenset()):
        raise filter_operation_not_allowed(f"field {name} ({field_type})", operator)
    if operator in FILTER_VALUE_FREE_OPERATORS:
        return
    if field_type == "Date":
        if values:
            raise filter_invalid(f"the values of Date field {name} go in DateValue, not Value")
        given: Sequence[str] = date_values
    else:
        if date_values:
            raise filter_invalid(f"DateValue is only for Date fields; {name} is a {field_type} field")
        given = values
    if operator == "between" and len(given) != 2:
        raise filter_invalid(f"between needs exactly two values for {name}")
    if operator == "IN" and not given:
        raise filter_invalid(f"IN needs at least one value for {name}")
    if operator not in ("between", "IN") and len(given) != 1:
        raise filter_invalid(f"{operator} needs exactly one value for {name}")
    for value in given:
        text = value.strip()
        if field_type == "Date" and not _filter_short_date(text):
            raise filter_invalid(f"{value} is not a date without a time (ShortDate) for {name}")
        if field_type == "Number" and not _filter_integer(text):
            raise filter_invalid(f"{value} is not a whole number (Bigint) for {name}")
        if field_type == "Decimal" and not _filter_decimal(text):
            raise filter_invalid(f"{value} is not a number for {name}")
        if field_type == "Boolean" and text.casefold() not in ("true", "false"):
            raise filter_invalid(f"{value} is not True or False for {name}")


# -- FilterActivity -----------------------------------------------------------------------------------------
# Created over SOAP (Create FilterActivity, answered "FilterActivity Created" with the object echoed, as
# recorded); listed, read, updated and deleted over REST automation/v1/filters (as recorded).

FILTER_ACTIVITY_CREATED = "FilterActivity Created"
FILTER_ACTIVITY_ERROR = 2
"""Emulator's choice: a refused FilterActivity Create answers the general code 2 with a message saying what
is wrong (no FilterActivity codes are documented)."""
FILTER_ACTIVITY_DATA_EXTENSION_TYPE = 2
"""SourceTypeID/DestinationTypeID of a data extension (1 is a list), as recorded."""
FILTER_ACTIVITY_ROOT_FOLDER_ID = 6
"""A filter activity created over SOAP lands in the root filter activity folder (Create has no CategoryID;
the folder is set by a REST PATCH of categoryId, as mcdev does)."""
FILTER_ACTIVITY_STATUS_ID = 1
"""statusId of a saved filter activity, as recorded."""
FILTER_ACTIVITY_REQUIRED = (
    "CustomerKey", "Name", "FilterDefinitionID", "SourceObjectID", "SourceTypeID", "DestinationObjectID",
    "DestinationTypeID",
)  # fmt: skip
"""Emulator's choice: a Create must carry everything mcdev sends (the service's minimum is not documented);
sources and destinations must be data extensions, and the source must be the data filter's own source."""
FILTER_ACTIVITY_KEY_MAX_LENGTH = 36
"""The longest CustomerKey the service keeps for a filter activity (mcdev: "confirmed max length")."""

FILTER_ACTIVITY_PROPERTIES = RetrieveProperties(
    retrievable={
        "Client.ID": INTEGER, "CreatedDate": DATE, "ModifiedDate": DATE, "ObjectID": STRING,
        "CustomerKey": STRING, "Name": STRING, "Description": STRING, "FilterActivityID": STRING,
        "FilterDefinitionID": STRING, "DestinationObjectID": STRING, "DestinationTypeID": INTEGER,
        "SourceObjectID": STRING, "SourceTypeID": INTEGER,
    },
    filterable=frozenset({"ObjectID", "CustomerKey", "Name"}),
)  # fmt: skip
"""Recorded: a Retrieve by CustomerKey answers the ObjectID (the filterActivityId). Emulator's choice: the
other properties it stores are retrievable too."""
FILTER_ACTIVITY_SOAP_WRITES = frozenset({"Create"})
"""Emulator's choice: Update and Delete of a FilterActivity go through REST (as mcdev does); over SOAP they
fail as unsupported operations."""
FILTER_ACTIVITY_REST_CHANGEABLE = frozenset({"name", "description", "categoryId", "customerKey"})
"""What a REST PATCH may change. Recorded with mcdev: the source and destination cannot change; the data
filter (filterDefinitionId) is taken as unchangeable too (the UI refuses it). Emulator's choice: a PATCH
sending another value for them is refused with a 400."""


def filter_activity_error(detail: str) -> ApiError:
    return ApiError(FILTER_ACTIVITY_ERROR, f"FilterActivity: {detail}")


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


# -- DataExtensionObject (rows of a data extension) ---------------------------------------------------------

ROWS_OBJECT_TYPE = "DataExtensionObject"
"""Rows are written as DataExtensionObject (CustomerKey = the data extension's key) and retrieved with
ObjectType "DataExtensionObject[<data extension key>]"."""

ROW_GENERAL = 70000
ROW_MAX_LENGTH_EXCEEDED = 70002
ROW_UNKNOWN_DATA_EXTENSION = 70003
ROW_REQUIRED_MISSING = 71003
ROW_DUPLICATE_FIELDS = 71004
ROW_PRIMARY_KEY = 71005
ROW_UPDATE_NOT_FOUND = 3
"""The documented custom-object codes (70000-71006: general validation error, max length exceeded, invalid
data extension key, missing required fields, duplicate fields, error due to primary key operation). Which
of them the service answers for each row rule, and with what text, is not documented: the mapping and
every message here are the emulator's choice. An Update that matches no row answers the general code 3
(update target missing), as for every other object."""

ROW_CREATED = "Created DataExtensionObject"
ROW_UPDATED = "Updated DataExtensionObject"
ROW_DELETED = "Deleted DataExtensionObject"
"""Emulator's choice of the success texts."""

ROW_DELETE_WITHOUT_MATCH_IS_OK = True
"""A Delete that matches no row succeeds: the method documentation says Delete 'does not return an error
(similar to a SQL delete)'."""

ROW_KEYS_CASE_INSENSITIVE = True
"""Emulator's choice: primary-key values compare regardless of case (SQL Server collation)."""

ROW_BOOLEAN_TEXT = {True: "True", False: "False"}
"""Emulator's choice: Boolean values are answered as True/False, whatever spelling was written."""


def row_date_text(moment: datetime) -> str:
    """Emulator's choice: Date values are answered as M/D/YYYY h:mm:ss AM, the US format the service uses
    for dates held as text (see RetainUntil)."""
    hour = moment.hour % 12 or 12
    meridiem = "AM" if moment.hour < 12 else "PM"
    return f"{moment.month}/{moment.day}/{moment.year} {hour}:{moment:%M:%S} {meridiem}"


_ROW_DATE_INPUTS = (
    "%Y-%m-%dT%H:%M:%S.%f", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d", "%m/%d/%Y %I:%M:%S %p",
    "%m/%d/%Y %I:%M %p", "%m/%d/%Y %H:%M:%S", "%m/%d/%Y %H:%M", "%m/%d/%Y",
)  # fmt: skip
_ROW_TRUE = frozenset({"true", "1", "yes", "y"})
_ROW_FALSE = frozenset({"false", "0", "no", "n"})
NEW_FIELD_DEFAULT_FILLS_REQUIRED_ONLY = True
"""A required field added with a default to a data extension with rows gives the default to those rows (the
service must: the rows cannot stay empty in a required field). Emulator's choice: a nullable field added
with a default leaves the existing rows empty, as SQL Server's ADD COLUMN with a DEFAULT does without
WITH VALUES."""

ROW_DEFAULT_NOW = frozenset({"getdate()", "now()"})
"""Default values that stand for the moment the row is written."""


def rows_need_data_extension() -> ApiError:
    return ApiError(
        ROW_UNKNOWN_DATA_EXTENSION,
        "Custom Object Invalid Data Extension Key: a DataExtensionObject needs the CustomerKey or Name of "
        "its data extension.",
    )


def rows_unknown_data_extension(identity: str) -> ApiError:
    return ApiError(
        ROW_UNKNOWN_DATA_EXTENSION,
        f"Custom Object Invalid Data Extension Key: no data extension has {identity}.",
    )


def row_unknown_field(name: str, de_key: str) -> ApiError:
    return ApiError(
        ROW_GENERAL,
        f"Custom Object Data Validation General Error: the data extension {de_key} has no field named "
        f"{name}.",
    )


def row_duplicate_field(name: str) -> ApiError:
    return ApiError(ROW_DUPLICATE_FIELDS, f"The field {name} is given more than once.")


def row_required_missing(names: Sequence[str]) -> ApiError:
    return ApiError(ROW_REQUIRED_MISSING, f"Required field(s) without a value: {', '.join(names)}.")


def row_too_long(name: str, max_length: int) -> ApiError:
    return ApiError(
        ROW_MAX_LENGTH_EXCEEDED,
        f"Custom Object Data Validation Max Length Exceeded: field {name} allows {max_length} characters.",
    )


def row_invalid_value(name: str, field_type: str, value: str) -> ApiError:
    return ApiError(
        ROW_GENERAL,
        f"Custom Object Data Validation General Error: '{value}' is not a valid {field_type} "
        f"for field {name}.",
    )


def row_duplicate_key(de_key: str, key_text: str) -> ApiError:
    return ApiError(
        ROW_PRIMARY_KEY,
        f"Violation of PRIMARY KEY constraint: a row with primary key ({key_text}) already exists in "
        f"data extension {de_key}.",
    )


def row_needs_primary_key(de_key: str) -> ApiError:
    """Emulator's choice: rows of a data extension without a primary key cannot be updated or deleted one
    by one (nothing identifies them)."""
    return ApiError(
        ROW_PRIMARY_KEY,
        f"The data extension {de_key} has no primary key, so its rows cannot be updated or deleted.",
    )


def row_key_values_missing(names: Sequence[str]) -> ApiError:
    return ApiError(ROW_PRIMARY_KEY, f"Primary key field(s) without a value: {', '.join(names)}.")


def row_not_found(de_key: str, key_text: str) -> ApiError:
    return ApiError(
        ROW_UPDATE_NOT_FOUND, f"No row of data extension {de_key} has the primary key ({key_text})."
    )


def row_value(field: Field, text: str, now: datetime) -> str | None:
    """A value as the service stores it: checked against the field's type and length; '' means null."""
    value = text.strip() if field.field_type not in ("Text",) else text
    if value == "":
        return None
    kind = field.field_type
    if kind == "Boolean":
        folded = value.casefold()
        if folded in _ROW_TRUE:
            return ROW_BOOLEAN_TEXT[True]
        if folded in _ROW_FALSE:
            return ROW_BOOLEAN_TEXT[False]
        raise row_invalid_value(field.name, kind, text)
    if kind == "Number":
        try:
            return str(int(value))
        except ValueError:
            raise row_invalid_value(field.name, kind, text) from None
    if kind == "Decimal":
        try:
            float(value)
        except ValueError:
            raise row_invalid_value(field.name, kind, text) from None
        return value
    if kind == "Date":
        if value.casefold() in ROW_DEFAULT_NOW:
            return row_date_text(now)
        for pattern in _ROW_DATE_INPUTS:
            try:
                return row_date_text(datetime.strptime(value, pattern))
            except ValueError:
                continue
        raise row_invalid_value(field.name, kind, text)
    if field.max_length is not None and len(value) > field.max_length:
        raise row_too_long(field.name, field.max_length)
    return value


def row_key_text(value: str | None) -> str:
    """A primary-key value as compared: ROW_KEYS_CASE_INSENSITIVE decides whether case matters."""
    text = value or ""
    return text.casefold() if ROW_KEYS_CASE_INSENSITIVE else text


def row_primary_key(values: Mapping[str, str | None], key_fields: Sequence[Field]) -> str | None:
    """The canonical primary-key value of a row (field ObjectID → value); None without a primary key."""
    if not key_fields:
        return None
    return json.dumps([row_key_text(values.get(field.object_id)) for field in key_fields])


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
    """Emulator's choice: a file location other than the Enhanced FTP is not reachable from the emulator."""
    return f"The file location {definition.file_location_key} is not available in the emulator."


def import_file_missing(name: str) -> str:
    """Emulator's choice of words for an import whose file is not in the Import folder."""
    return f"The file {name} was not found in the Import folder."


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
    """Emulator's choice: only uploads to the Enhanced FTP run in the emulator (other locations are not
    reachable from it)."""
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


# -- injected faults (emulator serve --faults) ---------------------------------------------------------------
# The answers the service gives when it is overloaded or fails; the emulator gives them only when a fault
# profile asks for them (faults.py decides when).

RATE_LIMITED_CODE = 17
RATE_LIMITED_MESSAGE = (
    "Your account has been rate limited temporarily because of an abnormal spike in your call volume. "
    "Try again later."
)
"""Result ErrorCode 17 and its text for a write the service refused because the account is rate limited
(the documented meaning of code 17; the exact text is the emulator's choice)."""

SERVER_BUSY_CODE = 13
SERVER_BUSY_MESSAGE = "Synchronous request cannot be completed at this time due to database problems"
"""The soap:Server fault (HTTP 500, detail/apifault Code 13) the service answers when it sheds load; the
documented text of code 13."""

GENERAL_EXCEPTION_CODE = 2


def general_exception(operation: str, error_id: int) -> ApiError:
    """Result ErrorCode 2 for one object of a batch that failed inside the service (the documented text;
    the ErrorID is the emulator's choice)."""
    return ApiError(GENERAL_EXCEPTION_CODE, f"Exception occurred during [{operation}] ErrorID: {error_id}")


REST_SERVER_ERROR: dict[str, Any] = {"message": "An error has occurred.", "errorcode": 0}
"""Emulator's choice: the JSON body of a REST call answered HTTP 500."""

REST_RATE_LIMITED: dict[str, Any] = {"message": RATE_LIMITED_MESSAGE, "errorcode": RATE_LIMITED_CODE}
"""Emulator's choice: a rate-limited REST call is answered HTTP 429 with this body."""


# -- Retrieve filters: long value lists ----------------------------------------------------------------------

FILTER_VALUES_MAX_CHARACTERS = 4000
"""Emulator's choice: the values of one IN filter, joined by commas, may be at most this long. The service
has refused long IN lists on DataExtensionField with a SQL truncation error (limit not documented; 4000 is
SQL Server's nvarchar(4000)); the emulator applies the limit to every Retrieve."""

FILTER_VALUES_TOO_LONG = "Error: String or binary data would be truncated. The statement has been terminated."
"""The OverallStatus of a Retrieve whose IN list is too long (the reported text)."""
