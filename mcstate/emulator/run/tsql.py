"""T-SQL's functions, as SQL Server computes them, for the query engine (emulator/run/sqlengine.py).

SQLite runs the translated query; where SQLite's own function differs from SQL Server's (LEN ignores
trailing spaces, CHARINDEX and REPLACE compare without case, DATEDIFF counts boundaries, CONVERT has styles,
'+' joins strings, AVG of integers is an integer, division by zero is an error), the engine calls the
function here instead. Values inside the engine: text is str, int and bit are int, decimal and float are
float, and a date is the text 'YYYY-MM-DD hh:mm:ss.fff' (DATETIME_LENGTH characters), which sorts and
compares as the date does.
"""

from __future__ import annotations

import calendar
import functools
import math
import re
import sqlite3
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

Value = str | int | float | None

DATETIME_LENGTH = 23
_DATETIME_SHAPE = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}\Z")
DEFAULT_VARCHAR_LENGTH = 30  # CAST(x AS VARCHAR) without a length
MONTHS = tuple(calendar.month_name)[1:]
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


class TsqlError(Exception):
    """What SQL Server answers when a statement fails while running (the message is SQL Server's)."""


def is_datetime(value: Value) -> bool:
    return isinstance(value, str) and len(value) == DATETIME_LENGTH and bool(_DATETIME_SHAPE.match(value))


def datetime_text(moment: datetime) -> str:
    return f"{moment:%Y-%m-%d %H:%M:%S}.{moment.microsecond // 1000:03d}"


_DATE_INPUTS = (
    "%Y-%m-%d %H:%M:%S.%f", "%Y-%m-%dT%H:%M:%S.%f", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%d %H:%M", "%Y-%m-%d", "%Y%m%d", "%Y%m%d %H:%M:%S", "%m/%d/%Y %I:%M:%S %p", "%m/%d/%Y %I:%M %p",
    "%m/%d/%Y %H:%M:%S", "%m/%d/%Y %H:%M", "%m/%d/%Y", "%b %d %Y %I:%M%p", "%b %d %Y", "%B %d %Y",
    "%d %b %Y", "%d %B %Y", "%Y/%m/%d", "%m-%d-%Y", "%m.%d.%Y",
)  # fmt: skip
# The styles a string is read with when converted to a date (CONVERT(datetime, text, style)).
_STYLE_INPUTS = {
    101: "%m/%d/%Y", 1: "%m/%d/%y", 102: "%Y.%m.%d", 2: "%y.%m.%d", 103: "%d/%m/%Y", 3: "%d/%m/%y",
    104: "%d.%m.%Y", 4: "%d.%m.%y", 105: "%d-%m-%Y", 5: "%d-%m-%y", 110: "%m-%d-%Y", 10: "%m-%d-%y",
    111: "%Y/%m/%d", 11: "%y/%m/%d", 112: "%Y%m%d", 12: "%y%m%d",
}  # fmt: skip


def to_datetime(value: Value, style: int | None = None) -> datetime | None:
    """A value as a date, as SQL Server converts it implicitly (or with a CONVERT style)."""
    if value is None:
        return None
    if isinstance(value, int | float):
        # A number converted to datetime is days since 1900-01-01.
        return datetime(1900, 1, 1) + timedelta(days=float(value))
    text = " ".join(value.split())
    if is_datetime(text):
        return datetime.fromisoformat(text)
    patterns = _DATE_INPUTS
    if style is not None and style in _STYLE_INPUTS:
        patterns = (_STYLE_INPUTS[style], *(f"{_STYLE_INPUTS[style]} {t}" for t in ("%H:%M:%S", "%H:%M")))
    elif style in (3, 103, 4, 104, 5, 105):
        patterns = ()
    for pattern in patterns:
        try:
            return datetime.strptime(text, pattern)
        except ValueError:
            continue
    raise TsqlError("Conversion failed when converting date and/or time from character string.")


@functools.lru_cache(maxsize=65536)
def date_in(stored: str | None) -> str | None:
    """A date as the account stores it (M/D/YYYY h:mm:ss AM, or any form a date is read in) as the engine
    holds it; text that is no date is kept as it is."""
    if stored is None:
        return None
    try:
        moment = to_datetime(stored)
    except TsqlError:
        return stored
    return datetime_text(moment) if moment is not None else None


def _date_value(value: Value) -> datetime | None:
    return to_datetime(value)


# -- date parts ----------------------------------------------------------------------------------------------

_PARTS = {
    "year": "year", "yy": "year", "yyyy": "year", "quarter": "quarter", "qq": "quarter", "q": "quarter",
    "month": "month", "mm": "month", "m": "month", "dayofyear": "dayofyear", "dy": "dayofyear",
    "y": "dayofyear", "day": "day", "dd": "day", "d": "day", "week": "week", "wk": "week", "ww": "week",
    "weekday": "weekday", "dw": "weekday", "w": "weekday", "hour": "hour", "hh": "hour",
    "minute": "minute", "mi": "minute", "n": "minute", "second": "second", "ss": "second", "s": "second",
    "millisecond": "millisecond", "ms": "millisecond",
    # sqlglot's names for the parts it normalises
    "dayofweek": "weekday", "dow": "weekday", "doy": "dayofyear",
}  # fmt: skip


def part_name(text: str) -> str:
    part = _PARTS.get(text.casefold())
    if part is None:
        raise TsqlError(f"'{text.lower()}' is not a recognized datepart option.")
    return part


def _add_months(moment: datetime, months: int) -> datetime:
    index = moment.year * 12 + moment.month - 1 + months
    year, month = divmod(index, 12)
    if not 1 <= year <= 9999:
        raise TsqlError("Adding a value to a 'datetime' column caused an overflow.")
    day = min(moment.day, calendar.monthrange(year, month + 1)[1])
    return moment.replace(year=year, month=month + 1, day=day)


def dateadd(part: str, number: Value, value: Value) -> str | None:
    moment = _date_value(value)
    if moment is None or number is None:
        return None
    amount = int(float(number))
    unit = part_name(part)
    try:
        if unit == "year":
            moment = _add_months(moment, 12 * amount)
        elif unit == "quarter":
            moment = _add_months(moment, 3 * amount)
        elif unit == "month":
            moment = _add_months(moment, amount)
        else:
            seconds = {
                "dayofyear": 86400, "day": 86400, "weekday": 86400, "week": 7 * 86400, "hour": 3600,
                "minute": 60, "second": 1, "millisecond": 0.001,
            }[unit]  # fmt: skip
            moment = moment + timedelta(seconds=seconds * amount)
    except OverflowError:
        raise TsqlError("Adding a value to a 'datetime' column caused an overflow.") from None
    return datetime_text(moment)


def _week_start(moment: datetime) -> datetime:
    """The Sunday that starts the week (us_english: DATEFIRST 7)."""
    day = moment.replace(hour=0, minute=0, second=0, microsecond=0)
    return day - timedelta(days=(day.weekday() + 1) % 7)


def datediff(part: str, start: Value, end: Value) -> int | None:
    """The number of `part` boundaries crossed between the two dates (not the elapsed time)."""
    first, last = _date_value(start), _date_value(end)
    if first is None or last is None:
        return None
    unit = part_name(part)
    if unit == "year":
        return last.year - first.year
    if unit == "quarter":
        return (last.year * 4 + (last.month - 1) // 3) - (first.year * 4 + (first.month - 1) // 3)
    if unit == "month":
        return (last.year * 12 + last.month) - (first.year * 12 + first.month)
    if unit in ("day", "dayofyear", "weekday"):
        return (last.date() - first.date()).days
    if unit == "week":
        return (_week_start(last) - _week_start(first)).days // 7
    truncate = {"hour": "%Y-%m-%d %H", "minute": "%Y-%m-%d %H:%M", "second": "%Y-%m-%d %H:%M:%S"}
    if unit in truncate:
        size = {"hour": 3600, "minute": 60, "second": 1}[unit]
        a = datetime.strptime(first.strftime(truncate[unit]), truncate[unit])
        b = datetime.strptime(last.strftime(truncate[unit]), truncate[unit])
        return int((b - a).total_seconds()) // size
    return int((last - first).total_seconds() * 1000)


def datepart(part: str, value: Value) -> int | None:
    moment = _date_value(value)
    if moment is None:
        return None
    unit = part_name(part)
    if unit == "week":
        first = _week_start(datetime(moment.year, 1, 1))
        return (_week_start(moment) - first).days // 7 + 1
    if unit == "weekday":
        return (moment.weekday() + 1) % 7 + 1  # Sunday = 1
    return {
        "year": moment.year, "quarter": (moment.month - 1) // 3 + 1, "month": moment.month,
        "dayofyear": moment.timetuple().tm_yday, "day": moment.day, "hour": moment.hour,
        "minute": moment.minute, "second": moment.second, "millisecond": moment.microsecond // 1000,
    }[unit]  # fmt: skip


def datename(part: str, value: Value) -> str | None:
    moment = _date_value(value)
    if moment is None:
        return None
    unit = part_name(part)
    if unit == "month":
        return MONTHS[moment.month - 1]
    if unit == "weekday":
        return WEEKDAYS[moment.weekday()]
    return str(datepart(part, value))


def eomonth(value: Value, months: Value = 0) -> str | None:
    moment = _date_value(value)
    if moment is None:
        return None
    moment = _add_months(moment.replace(day=1), int(months or 0))
    last = calendar.monthrange(moment.year, moment.month)[1]
    return datetime_text(moment.replace(day=last, hour=0, minute=0, second=0, microsecond=0))


def datefromparts(year: Value, month: Value, day: Value) -> str | None:
    if year is None or month is None or day is None:
        return None
    try:
        return datetime_text(datetime(int(year), int(month), int(day)))
    except ValueError:
        raise TsqlError(
            "Cannot construct data type date, some of the arguments have values which are not valid."
        ) from None


# -- conversion ----------------------------------------------------------------------------------------------

_TYPE = re.compile(r"\s*(\w+)\s*(?:\(\s*(max|\d+)\s*(?:,\s*(\d+)\s*)?\))?\s*\Z", re.IGNORECASE)
_TEXT_TYPES = frozenset({"varchar", "nvarchar", "char", "nchar", "text", "ntext"})
_INT_TYPES = {"int": 2**31, "bigint": 2**63, "smallint": 2**15, "tinyint": 256, "integer": 2**31}
_DECIMAL_TYPES = frozenset({"decimal", "numeric", "money", "smallmoney"})
_FLOAT_TYPES = frozenset({"float", "real", "double"})
_DATE_TYPES = frozenset({"date", "datetime", "datetime2", "smalldatetime", "datetimeoffset", "timestamp"})
_BIT_TYPES = frozenset({"bit", "boolean"})


def _style_text(moment: datetime, style: int | None) -> str:
    """A date written as CONVERT(varchar, date, style) writes it."""
    hour12 = moment.hour % 12 or 12
    meridiem = "AM" if moment.hour < 12 else "PM"
    ms = f"{moment.microsecond // 1000:03d}"
    mon = moment.strftime("%b")
    styles: dict[int, str] = {
        1: f"{moment:%m/%d/%y}", 101: f"{moment:%m/%d/%Y}",
        2: f"{moment:%y.%m.%d}", 102: f"{moment:%Y.%m.%d}",
        3: f"{moment:%d/%m/%y}", 103: f"{moment:%d/%m/%Y}",
        4: f"{moment:%d.%m.%y}", 104: f"{moment:%d.%m.%Y}",
        5: f"{moment:%d-%m-%y}", 105: f"{moment:%d-%m-%Y}",
        6: f"{moment:%d} {mon} {moment:%y}", 106: f"{moment:%d} {mon} {moment:%Y}",
        7: f"{mon} {moment:%d, %y}", 107: f"{mon} {moment:%d, %Y}",
        8: f"{moment:%H:%M:%S}", 108: f"{moment:%H:%M:%S}",
        10: f"{moment:%m-%d-%y}", 110: f"{moment:%m-%d-%Y}",
        11: f"{moment:%y/%m/%d}", 111: f"{moment:%Y/%m/%d}",
        12: f"{moment:%y%m%d}", 112: f"{moment:%Y%m%d}",
        20: f"{moment:%Y-%m-%d %H:%M:%S}", 120: f"{moment:%Y-%m-%d %H:%M:%S}",
        21: f"{moment:%Y-%m-%d %H:%M:%S}.{ms}", 121: f"{moment:%Y-%m-%d %H:%M:%S}.{ms}",
        23: f"{moment:%Y-%m-%d}",
        126: f"{moment:%Y-%m-%dT%H:%M:%S}" + (f".{ms}" if moment.microsecond else ""),
        127: f"{moment:%Y-%m-%dT%H:%M:%S}" + (f".{ms}" if moment.microsecond else ""),
    }  # fmt: skip
    if style in styles:
        return styles[style]
    if style in (None, 0, 100):
        return f"{mon} {moment.day:>2} {moment.year} {hour12:>2}:{moment:%M}{meridiem}"
    if style in (9, 109):
        return f"{mon} {moment.day:>2} {moment.year} {hour12:>2}:{moment:%M:%S}:{ms}{meridiem}"
    if style in (22,):
        return f"{moment:%m/%d/%y} {hour12:>2}:{moment:%M:%S} {meridiem}"
    raise TsqlError(
        f"{style} is not a valid style number when converting from datetime to a character string."
    )


def _number_text(value: int | float) -> str:
    if isinstance(value, float):
        return (
            repr(value)
            if not value.is_integer() or abs(value) >= 1e16
            else f"{value:.1f}".rstrip("0").rstrip(".")
        )
    return str(value)


def _text(value: Value, style: int | None) -> str:
    if isinstance(value, str):
        if is_datetime(value):
            return _style_text(datetime.fromisoformat(value), style)
        return value
    return _number_text(value) if value is not None else ""


def _int(value: Value, type_name: str) -> int:
    if isinstance(value, float):
        result = int(value)  # toward zero, as SQL Server converts a decimal to int
    elif isinstance(value, int):
        result = value
    else:
        text = str(value).strip()
        if not re.fullmatch(r"[+-]?\d+", text):
            raise TsqlError(
                f"Conversion failed when converting the varchar value '{value}' to data type {type_name}."
            )
        result = int(text)
    limit = _INT_TYPES[type_name]
    if not -limit <= result < limit:
        raise TsqlError(f"Arithmetic overflow error converting expression to data type {type_name}.")
    return result


def _float(value: Value, type_name: str) -> float:
    if isinstance(value, int | float):
        return float(value)
    try:
        return float(str(value).strip())
    except ValueError:
        raise TsqlError(f"Error converting data type varchar to {type_name}.") from None


def convert(type_text: str, value: Value, style: Value = None) -> Value:
    """CONVERT(type, value, style) and CAST(value AS type)."""
    match = _TYPE.match(type_text)
    if match is None:
        raise TsqlError(f"Type {type_text} is not a defined system type.")
    name, size, scale = match.group(1).casefold(), match.group(2), match.group(3)
    if value is None:
        return None
    style_number = int(style) if style is not None else None
    if name in _TEXT_TYPES:
        text = _text(value, style_number)
        if size and size.casefold() != "max":
            return text[: int(size)]
        return text[:DEFAULT_VARCHAR_LENGTH] if size is None and name not in ("text", "ntext") else text
    if name in _INT_TYPES:
        return _int(value, "int" if name == "integer" else name)
    if name in _DECIMAL_TYPES:
        number = _float(value, name)
        digits = int(scale) if scale is not None else (4 if "money" in name else 0)
        return round_half_away(number, digits)
    if name in _FLOAT_TYPES:
        return _float(value, name)
    if name in _DATE_TYPES:
        moment = to_datetime(value, style_number)
        if moment is None:
            return None
        if name == "date":
            moment = moment.replace(hour=0, minute=0, second=0, microsecond=0)
        return datetime_text(moment)
    if name in _BIT_TYPES:
        if isinstance(value, int | float):
            return 1 if value else 0
        folded = str(value).strip().casefold()
        if folded in ("true", "1"):
            return 1
        if folded in ("false", "0"):
            return 0
        raise TsqlError(f"Conversion failed when converting the varchar value '{value}' to data type bit.")
    raise TsqlError(f"Type {type_text} is not a defined system type.")


def try_convert(type_text: str, value: Value, style: Value = None) -> Value:
    try:
        return convert(type_text, value, style)
    except TsqlError:
        return None


def round_half_away(number: float, digits: int) -> float:
    factor = 10.0**digits
    scaled = abs(number) * factor
    rounded = math.floor(scaled + 0.5) / factor
    return math.copysign(rounded, number) if rounded else 0.0


# -- strings -------------------------------------------------------------------------------------------------


def _string(value: Value) -> str | None:
    return None if value is None else _text(value, None)


def length(value: Value) -> int | None:
    text = _string(value)
    return None if text is None else len(text.rstrip(" "))


def left(value: Value, count: Value) -> str | None:
    text = _string(value)
    if text is None or count is None:
        return None
    if int(count) < 0:
        raise TsqlError("Invalid length parameter passed to the left function.")
    return text[: int(count)]


def right(value: Value, count: Value) -> str | None:
    text = _string(value)
    if text is None or count is None:
        return None
    if int(count) < 0:
        raise TsqlError("Invalid length parameter passed to the right function.")
    return text[len(text) - int(count) :] if int(count) else ""


def substring(value: Value, start: Value, count: Value) -> str | None:
    text = _string(value)
    if text is None or start is None or count is None:
        return None
    first, size = int(start), int(count)
    if size < 0:
        raise TsqlError("Invalid length parameter passed to the substring function.")
    end = first + size  # characters first .. end-1, 1-based; positions before 1 take nothing
    return text[max(first, 1) - 1 : max(end - 1, 0)]


def charindex(search: Value, value: Value, start: Value = 1) -> int | None:
    needle, text = _string(search), _string(value)
    if needle is None or text is None:
        return None
    origin = max(int(start or 1), 1) - 1
    return text.lower().find(needle.lower(), origin) + 1


def _like_regex(pattern: str) -> str:
    """A T-SQL LIKE pattern as a regular expression: % _ [abc] [a-z] [^abc]."""
    parts: list[str] = []
    index = 0
    while index < len(pattern):
        char = pattern[index]
        if char == "%":
            parts.append(".*")
        elif char == "_":
            parts.append(".")
        elif char == "[":
            end = pattern.find("]", index + 1)
            if end == -1:
                parts.append(re.escape(char))
            else:
                body = pattern[index + 1 : end]
                negate = body.startswith("^")
                body = body[1:] if negate else body
                escaped = "".join("-" if c == "-" else re.escape(c) for c in body)
                parts.append(f"[{'^' if negate else ''}{escaped}]")
                index = end
        else:
            parts.append(re.escape(char))
        index += 1
    return "".join(parts)


def like(value: Value, pattern: Value) -> int | None:
    text, wanted = _string(value), _string(pattern)
    if text is None or wanted is None:
        return None
    return 1 if re.fullmatch(_like_regex(wanted), text, re.IGNORECASE | re.DOTALL) else 0


def patindex(pattern: Value, value: Value) -> int | None:
    wanted, text = _string(pattern), _string(value)
    if wanted is None or text is None:
        return None
    regex = _like_regex(wanted)
    regex = regex[2:] if regex.startswith(".*") else "^" + regex
    regex = regex[:-2] if regex.endswith(".*") else regex + "$"
    found = re.search(regex, text, re.IGNORECASE | re.DOTALL)
    return found.start() + 1 if found else 0


def replace(value: Value, search: Value, replacement: Value) -> str | None:
    text, needle, new = _string(value), _string(search), _string(replacement)
    if text is None or needle is None or new is None:
        return None
    if needle == "":
        return text
    return re.sub(re.escape(needle), lambda _: new, text, flags=re.IGNORECASE)


def upper(value: Value) -> str | None:
    text = _string(value)
    return None if text is None else text.upper()


def lower(value: Value) -> str | None:
    text = _string(value)
    return None if text is None else text.lower()


def ltrim(value: Value) -> str | None:
    text = _string(value)
    return None if text is None else text.lstrip(" ")


def rtrim(value: Value) -> str | None:
    text = _string(value)
    return None if text is None else text.rstrip(" ")


def trim(value: Value) -> str | None:
    text = _string(value)
    return None if text is None else text.strip(" ")


def concat(*values: Value) -> str:
    return "".join(_text(value, None) for value in values if value is not None)


def replicate(value: Value, count: Value) -> str | None:
    text = _string(value)
    if text is None or count is None or int(count) < 0:
        return None
    return text * int(count)


def space(count: Value) -> str | None:
    return None if count is None or int(count) < 0 else " " * int(count)


def reverse(value: Value) -> str | None:
    text = _string(value)
    return None if text is None else text[::-1]


def stuff(value: Value, start: Value, count: Value, insert: Value) -> str | None:
    text = _string(value)
    if text is None or start is None or count is None:
        return None
    first, size = int(start), int(count)
    if first < 1 or first > len(text) or size < 0:
        return None
    return text[: first - 1] + (_string(insert) or "") + text[first - 1 + size :]


def str_function(value: Value, width: Value = 10, decimals: Value = 0) -> str | None:
    if value is None:
        return None
    size, places = int(width if width is not None else 10), int(decimals or 0)
    text = f"{round_half_away(float(value), places):.{places}f}"
    return text.rjust(size) if len(text) <= size else "*" * size


def format_date(value: Value, pattern: Value) -> str | None:
    """FORMAT(date, pattern), the pattern already as strftime codes (sqlglot translates .NET's)."""
    moment = _date_value(value)
    if moment is None or pattern is None:
        return None
    return moment.strftime(str(pattern))


def ascii_code(value: Value) -> int | None:
    text = _string(value)
    return ord(text[0]) if text else None


def char(value: Value) -> str | None:
    return None if value is None or not 0 <= int(value) <= 255 else chr(int(value))


# -- numbers and logic ---------------------------------------------------------------------------------------


def _number(value: Value) -> int | float:
    if isinstance(value, int | float):
        return value
    text = str(value).strip()
    if re.fullmatch(r"[+-]?\d+", text):
        return int(text)
    try:
        return float(text)
    except ValueError:
        raise TsqlError(
            f"Conversion failed when converting the varchar value '{value}' to data type int."
        ) from None


def add(left_value: Value, right_value: Value) -> Value:
    """'+': numbers add, strings join, a date plus a number adds days, text and a number add as numbers."""
    if left_value is None or right_value is None:
        return None
    if isinstance(left_value, str) and isinstance(right_value, str):
        if is_datetime(left_value) and not is_datetime(right_value):
            return dateadd("day", _number(right_value), left_value)
        return left_value + right_value
    if isinstance(left_value, str) and is_datetime(left_value):
        return dateadd("day", right_value, left_value)
    if isinstance(right_value, str) and is_datetime(right_value):
        return dateadd("day", left_value, right_value)
    return _number(left_value) + _number(right_value)


def divide(left_value: Value, right_value: Value) -> Value:
    if left_value is None or right_value is None:
        return None
    dividend, divisor = _number(left_value), _number(right_value)
    if divisor == 0:
        raise TsqlError("Divide by zero error encountered.")
    if isinstance(dividend, int) and isinstance(divisor, int):
        quotient = abs(dividend) // abs(divisor)
        return quotient if (dividend >= 0) == (divisor >= 0) else -quotient
    return dividend / divisor


def isnumeric(value: Value) -> int:
    if value is None:
        return 0
    if isinstance(value, int | float):
        return 1
    try:
        float(value.strip().replace(",", ""))
    except ValueError:
        return 0
    return 1 if value.strip() else 0


def isdate(value: Value) -> int:
    if value is None or isinstance(value, int | float):
        return 0
    try:
        return 1 if to_datetime(value) is not None else 0
    except TsqlError:
        return 0


def nullif(first: Value, second: Value) -> Value:
    """NULLIF: text compares without case and trailing spaces, as the default collation compares it."""
    if isinstance(first, str) and isinstance(second, str):
        same = first.rstrip(" ").lower() == second.rstrip(" ").lower()
    else:
        same = first is not None and second is not None and first == second
    return None if same else first


def newid() -> str:
    return str(uuid.uuid4()).upper()


def floor_function(value: Value) -> Value:
    return None if value is None else math.floor(_number(value))


def ceiling(value: Value) -> Value:
    return None if value is None else math.ceil(_number(value))


def round_function(value: Value, digits: Value = 0, truncate: Value = 0) -> Value:
    if value is None or digits is None:
        return None
    number, places = _number(value), int(digits)
    if truncate:
        factor = 10.0**places
        result: float = math.trunc(number * factor) / factor
    else:
        result = round_half_away(float(number), places)
    return int(result) if isinstance(number, int) else result


def abs_function(value: Value) -> Value:
    return None if value is None else abs(_number(value))


class Average:
    """AVG: of integers an integer (the sum divided by the count, toward zero), as SQL Server computes it."""

    def __init__(self) -> None:
        self.total: int | float = 0
        self.count = 0
        self.integers = True

    def step(self, value: Value) -> None:
        if value is None:
            return
        number = _number(value)
        self.integers = self.integers and isinstance(number, int)
        self.total += number
        self.count += 1

    def finalize(self) -> Value:
        if not self.count:
            return None
        if self.integers:
            return divide(int(self.total), self.count)
        return self.total / self.count


FUNCTIONS: dict[str, Callable[..., Any]] = {
    "MC_DATEADD": dateadd, "MC_DATEDIFF": datediff, "MC_DATEPART": datepart, "MC_DATENAME": datename,
    "MC_EOMONTH": eomonth, "MC_DATEFROMPARTS": datefromparts, "MC_CONVERT": convert,
    "MC_TRY_CONVERT": try_convert, "MC_LEN": length, "MC_LEFT": left, "MC_RIGHT": right,
    "MC_SUBSTRING": substring, "MC_CHARINDEX": charindex, "MC_PATINDEX": patindex, "MC_LIKE": like,
    "MC_REPLACE": replace, "MC_UPPER": upper, "MC_LOWER": lower, "MC_LTRIM": ltrim, "MC_RTRIM": rtrim,
    "MC_TRIM": trim, "MC_CONCAT": concat, "MC_REPLICATE": replicate, "MC_SPACE": space,
    "MC_REVERSE": reverse, "MC_STUFF": stuff, "MC_STR": str_function, "MC_FORMAT_DATE": format_date,
    "MC_ASCII": ascii_code, "MC_CHAR": char, "MC_ADD": add, "MC_DIVIDE": divide, "MC_ISNUMERIC": isnumeric,
    "MC_ISDATE": isdate, "MC_NULLIF": nullif, "MC_NEWID": newid, "MC_FLOOR": floor_function,
    "MC_CEILING": ceiling,
    "MC_ROUND": round_function, "MC_ABS": abs_function,
}  # fmt: skip


class ErrorSlot:
    """The last T-SQL error a function raised: sqlite3 reports only that a function failed."""

    def __init__(self) -> None:
        self.message: str | None = None

    def guard(self, function: Callable[..., Any]) -> Callable[..., Any]:
        def guarded(*arguments: Any) -> Any:
            try:
                return function(*arguments)
            except TsqlError as error:
                self.message = str(error)
                raise
            except (ValueError, TypeError, OverflowError) as error:
                self.message = f"Conversion failed: {error}"
                raise

        return guarded


def install(connection: sqlite3.Connection, now: datetime, utc_now: datetime) -> ErrorSlot:
    """Register the functions on a connection; the clock reads `now` (GETDATE) and `utc_now` (GETUTCDATE)."""
    slot = ErrorSlot()
    for name, function in FUNCTIONS.items():
        connection.create_function(name, -1, slot.guard(function), deterministic=name != "MC_NEWID")
    connection.create_function("MC_DATE_IN", 1, date_in, deterministic=True)
    connection.create_function("MC_GETDATE", 0, lambda: datetime_text(now))
    connection.create_function("MC_GETUTCDATE", 0, lambda: datetime_text(utc_now))
    connection.create_aggregate("MC_AVG", 1, Average)  # type: ignore[arg-type]
    return slot
