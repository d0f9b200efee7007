"""The emulator's admin routes (/_emulator/...): what a test or a demo sets up that the service has no call
for — the clock, rows loaded in bulk from CSV or JSON into a data extension or a system data view.

Rows are checked as the service checks a written row (type, length, required, primary key); a bad row loads
nothing and answers 400 naming it.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping, Sequence
from datetime import timedelta
from typing import Any

from mcstate.emulator import rules
from mcstate.emulator.run import clock, dataviews
from mcstate.emulator.store import Store


class AdminError(ValueError):
    """A request the admin route refuses (answered 400 with the message)."""


def records(body: bytes, content_type: str) -> list[dict[str, Any]]:
    """Rows from a CSV body (a header line, then rows) or a JSON list of objects."""
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise AdminError(f"The body is not UTF-8: {error}") from None
    if "json" in content_type or text.lstrip().startswith("["):
        try:
            value = json.loads(text)
        except ValueError as error:
            raise AdminError(f"The body is not JSON: {error}") from None
        if not isinstance(value, list) or not all(isinstance(row, dict) for row in value):
            raise AdminError("Send a JSON list of objects (column name: value), or CSV with a header line.")
        return value
    reader = csv.DictReader(io.StringIO(text, newline=""))
    rows = []
    for row in reader:
        if None in row:
            raise AdminError(f"CSV line {reader.line_num} has more values than the header has columns.")
        rows.append(dict(row))
    return rows


def load_rows(store: Store, customer_key: str, rows: Sequence[Mapping[str, Any]], *, replace: bool) -> int:
    """Write rows into a data extension (field name: value); all or nothing."""
    de = store.data_extension_by_key(customer_key)
    if de is None:
        raise LookupError(f"No data extension has the CustomerKey {customer_key}.")
    fields = store.fields_of(de.object_id)
    by_name = {field.name.casefold(): field for field in fields}
    key_fields = [field for field in fields if field.is_primary_key]
    now = clock.now(store)
    prepared: list[tuple[str | None, dict[str, str | None]]] = []
    seen: set[str | None] = set()
    for number, row in enumerate(rows, start=1):
        values: dict[str, str | None] = {}
        try:
            for name, value in row.items():
                field = by_name.get(str(name).casefold())
                if field is None:
                    raise rules.row_unknown_field(str(name), de.customer_key)
                values[field.object_id] = rules.row_value(field, "" if value is None else str(value), now)
            for field in fields:
                if field.object_id not in values and field.default_value:
                    values[field.object_id] = rules.row_value(field, field.default_value, now)
            missing = [f.name for f in fields if f.is_required and values.get(f.object_id) is None]
            if missing:
                raise rules.row_required_missing(missing)
        except rules.ApiError as error:
            raise AdminError(f"Row {number}: {error.message}") from None
        key = rules.row_primary_key(values, key_fields)
        if key is not None and (key in seen or (not replace and store.row_by_primary_key(de.object_id, key))):
            raise AdminError(f"Row {number}: {rules.row_duplicate_key(de.customer_key, key).message}")
        seen.add(key)
        prepared.append((key, values))
    with store.transaction():
        if replace:
            store.delete_rows_of(de.object_id)
        store.insert_rows(de.object_id, prepared)
    return len(prepared)


def load_data_view(store: Store, view: str, rows: Sequence[Mapping[str, Any]], *, replace: bool) -> int:
    try:
        return dataviews.load(store, view, rows, replace=replace)
    except dataviews.DataViewError as error:
        raise AdminError(str(error)) from None


def clock_state(store: Store) -> dict[str, Any]:
    state = clock.state(store)
    return {"now": state.now.isoformat(timespec="seconds"), "frozen": state.frozen, "set": state.set}


def set_clock(store: Store, body: Mapping[str, Any]) -> dict[str, Any]:
    """{"now": "2026-01-05T02:00:00", "frozen": true} sets it ("now": null: the real time again);
    {"advance": seconds} moves it on."""
    if "advance" in body:
        seconds = body["advance"]
        if isinstance(seconds, bool) or not isinstance(seconds, int | float) or seconds < 0:
            raise AdminError('"advance" is a number of seconds, 0 or more.')
        clock.advance(store, timedelta(seconds=seconds))
        return clock_state(store)
    if "now" not in body:
        raise AdminError('Send {"now": "YYYY-MM-DDThh:mm:ss", "frozen": true} or {"advance": seconds}.')
    frozen = body.get("frozen", True)
    if not isinstance(frozen, bool):
        raise AdminError('"frozen" is true or false.')
    moment = None
    if body["now"] is not None:
        try:
            moment = clock.parse_moment(str(body["now"]))
        except ValueError:
            raise AdminError(f'"now" is not an ISO 8601 moment: {body["now"]}') from None
    clock.set_clock(store, moment, frozen=frozen)
    return clock_state(store)
