"""ImportDefinition: saved imports."""

from __future__ import annotations

from collections.abc import Sequence

from mcstate.emulator.model import Field
from mcstate.emulator.ruleset.common import BOOLEAN, DATE, INTEGER, STRING, ApiError, RetrieveProperties

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
    file_location_known: bool,
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
    if not file_location_known:
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
