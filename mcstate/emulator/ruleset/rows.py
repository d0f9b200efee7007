"""DataExtensionObject: the rows of a data extension."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from mcstate.emulator.model import Field
from mcstate.emulator.ruleset.common import ApiError

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


ROW_NUMBER_RANGE = (-(2**31), 2**31 - 1)
"""A Number field holds a 32-bit integer (the service's Number type is SQL Server's int)."""

ROW_EMAIL_CHECKED = True
_ROW_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s.]+")
"""Emulator's choice: an EmailAddress value must look like local@domain.tld (the service refuses values
that are not e-mail addresses; its exact rule is not documented)."""


def _row_decimal(field: Field, value: str, text: str) -> str:
    """A Decimal value rounded to the field's scale, refused when it has more digits before the point
    than precision minus scale allows (SQL Server's decimal(p, s))."""
    try:
        number = Decimal(value)
    except InvalidOperation:
        raise row_invalid_value(field.name, "Decimal", text) from None
    if not number.is_finite():
        raise row_invalid_value(field.name, "Decimal", text)
    scale = field.scale or 0
    rounded = number.quantize(Decimal(1).scaleb(-scale), rounding=ROUND_HALF_UP)
    if field.max_length is not None:
        whole_digits = len(str(abs(int(rounded)))) if int(rounded) else 0
        if whole_digits > field.max_length - scale:
            raise row_invalid_value(field.name, "Decimal", text)
    return f"{rounded:.{scale}f}"


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
            number = int(value)
        except ValueError:
            raise row_invalid_value(field.name, kind, text) from None
        if not ROW_NUMBER_RANGE[0] <= number <= ROW_NUMBER_RANGE[1]:
            raise row_invalid_value(field.name, kind, text)
        return str(number)
    if kind == "Decimal":
        return _row_decimal(field, value, text)
    if kind == "EmailAddress" and ROW_EMAIL_CHECKED and not _ROW_EMAIL.fullmatch(value):
        raise row_invalid_value(field.name, kind, text)
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
