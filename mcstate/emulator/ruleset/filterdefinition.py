"""FilterDefinition: data filters."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from mcstate.emulator.model import Folder
from mcstate.emulator.ruleset.common import DATE, INTEGER, STRING, ApiError, RetrieveProperties

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
