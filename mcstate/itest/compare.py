"""Comparing what a test expects with what the account holds: rows of data extensions (as values of their
field types, in any order), files of the file area (same header and rows), import counts. A difference is
a few readable lines (missing, extra and changed rows side by side), never a dump."""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation

MAX_ROWS_SHOWN = 10
_DATE_FORMATS = (
    "%m/%d/%Y %I:%M:%S %p", "%m/%d/%Y %I:%M %p", "%m/%d/%Y %H:%M:%S", "%m/%d/%Y %H:%M", "%m/%d/%Y",
    "%Y-%m-%dT%H:%M:%S.%f", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S.%f", "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M", "%Y-%m-%d",
)  # fmt: skip
_TRUE = frozenset({"true", "1", "yes", "y"})
_FALSE = frozenset({"false", "0", "no", "n"})


@dataclass(frozen=True)
class Difference:
    title: str
    lines: tuple[str, ...] = ()


@dataclass(frozen=True)
class FieldInfo:
    name: str
    field_type: str
    primary_key: bool


def normalized(value: str, field_type: str) -> str:
    """A value as compared: dates, booleans and numbers as values, text as written; empty is null."""
    text = value.strip() if field_type != "Text" else value
    if text == "":
        return ""
    if field_type == "Date":
        for pattern in _DATE_FORMATS:
            try:
                return datetime.strptime(text, pattern).isoformat(timespec="seconds")
            except ValueError:
                continue
        return text
    if field_type == "Boolean":
        folded = text.casefold()
        return "true" if folded in _TRUE else "false" if folded in _FALSE else text
    if field_type in ("Number", "Decimal"):
        try:
            number = Decimal(text).normalize()
        except InvalidOperation:
            return text
        return "0" if number.is_zero() else format(number, "f")
    return text


def _csv(content: bytes) -> list[list[str]]:
    text = content.decode("utf-8-sig")
    return [row for row in csv.reader(io.StringIO(text, newline="")) if any(cell.strip() for cell in row)]


def _show(columns: Sequence[str], row: Sequence[str]) -> str:
    return ", ".join(f"{column}={value!r}" for column, value in zip(columns, row, strict=True))


def _listed(title: str, columns: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    if not rows:
        return []
    lines = [f"{title} ({len(rows)}):"]
    lines += [f"  {_show(columns, row)}" for row in rows[:MAX_ROWS_SHOWN]]
    if len(rows) > MAX_ROWS_SHOWN:
        lines.append(f"  ... and {len(rows) - MAX_ROWS_SHOWN} more")
    return lines


def compare_rows(
    key: str,
    fixture: str,
    expected: bytes,
    actual: Sequence[Mapping[str, str]],
    fields: Sequence[FieldInfo],
) -> Difference | None:
    records = _csv(expected)
    title = f"rows of {key} differ from {fixture}"
    if not records:
        return Difference(f"{fixture} has no header line")
    by_name = {f.name.casefold(): f for f in fields}
    unknown = [column for column in records[0] if column.strip().casefold() not in by_name]
    if unknown:
        return Difference(
            f"{fixture}: {key} has no field {unknown[0]!r} (fields: {', '.join(f.name for f in fields)})"
        )
    chosen = [by_name[column.strip().casefold()] for column in records[0]]
    columns = [f.name for f in chosen]

    def key_of(row: Sequence[str]) -> tuple[str, ...]:
        return tuple(normalized(value, field.field_type) for value, field in zip(row, chosen, strict=False))

    wanted = Counter(key_of(row + [""] * (len(chosen) - len(row))) for row in records[1:])
    found_rows = [tuple(row.get(field.name, "") for field in chosen) for row in actual]
    found = Counter(key_of(row) for row in found_rows)
    missing = list((wanted - found).elements())
    extra = list((found - wanted).elements())
    if not missing and not extra:
        return None
    lines: list[str] = [f"expected {sum(wanted.values())} row(s), found {sum(found.values())}"]
    keys = [i for i, field in enumerate(chosen) if field.primary_key]
    changed: list[str] = []
    if keys:
        extra_by_key = {tuple(row[i] for i in keys): row for row in extra}
        still_missing = []
        for row in missing:
            other = extra_by_key.pop(tuple(row[i] for i in keys), None)
            if other is None:
                still_missing.append(row)
                continue
            differences = [
                f"{columns[i]} expected {row[i]!r}, found {other[i]!r}"
                for i in range(len(columns))
                if row[i] != other[i]
            ]
            changed.append(
                f"  {', '.join(f'{columns[i]}={row[i]!r}' for i in keys)}: {'; '.join(differences)}"
            )
        missing, extra = still_missing, list(extra_by_key.values())
    lines += _listed("missing (expected, not found)", columns, missing)
    lines += _listed("extra (found, not expected)", columns, extra)
    if changed:
        lines.append(f"changed ({len(changed)}):")
        lines += changed[:MAX_ROWS_SHOWN]
        if len(changed) > MAX_ROWS_SHOWN:
            lines.append(f"  ... and {len(changed) - MAX_ROWS_SHOWN} more")
    return Difference(title, tuple(lines))


def compare_file(path: str, fixture: str, expected: bytes, actual: bytes | None) -> Difference | None:
    if actual is None:
        return Difference(f"file {path} was not written (expected the content of {fixture})")
    want, have = _csv(expected), _csv(actual)
    if not want or not have:
        return (
            None if want == have else Difference(f"file {path} differs from {fixture}: one of them is empty")
        )
    if [c.strip() for c in want[0]] != [c.strip() for c in have[0]]:
        return Difference(
            f"file {path} differs from {fixture}",
            (f"header expected {want[0]}", f"header found    {have[0]}"),
        )
    missing = list((Counter(map(tuple, want[1:])) - Counter(map(tuple, have[1:]))).elements())
    extra = list((Counter(map(tuple, have[1:])) - Counter(map(tuple, want[1:]))).elements())
    if not missing and not extra:
        return None
    lines = _listed("missing (expected, not found)", want[0], missing)
    lines += _listed("extra (found, not expected)", want[0], extra)
    return Difference(f"file {path} differs from {fixture}", tuple(lines))


def compare_counts(
    key: str, expected: Mapping[str, int], actual: Mapping[str, int] | None
) -> Difference | None:
    if actual is None:
        return Difference(f"import {key} did not run")
    wrong = [
        f"{name} expected {count}, found {actual.get(name)}"
        for name, count in expected.items()
        if actual.get(name) != count
    ]
    return Difference(f"import {key}: " + "; ".join(wrong)) if wrong else None
