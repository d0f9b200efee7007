"""The REST routes for the rows of a data extension:

    GET  data/v1/customobjectdata/key/{key}/rowset?$page=&$pageSize=    rows, a page at a time
    POST hub/v1/dataevents/key:{key}/rowset                             [{"keys": {...}, "values": {...}}]
    PUT  data/v1/async/dataextensions/key:{key}/rows                    {"items": [{field: value}]}: upsert
    POST data/v1/async/dataextensions/key:{key}/rows                    {"items": [...]}: insert

Every row is checked as a SOAP DataExtensionObject write checks it (rules.row_value); a bad row writes
nothing.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from mcstate.emulator import rules
from mcstate.emulator.model import DataExtension, Field
from mcstate.emulator.run import clock
from mcstate.emulator.store import Store

Values = dict[str, str | None]


def _data_extension(store: Store, key: str) -> tuple[DataExtension, list[Field]]:
    de = store.data_extension_by_key(key)
    if de is None:
        raise rules.rest_body(404, rules.rowset_unknown_data_extension(key), rules.REST_NOT_FOUND_CODE)
    return de, store.fields_of(de.object_id)


def read_rows(store: Store, key: str, query: Mapping[str, list[str]]) -> dict[str, Any]:
    de, fields = _data_extension(store, key)
    page = _number(query, "$page", 1)
    size = min(_number(query, "$pagesize", rules.ROWSET_PAGE_SIZE), rules.ROWSET_PAGE_SIZE)
    rows = store.rows_of(de.object_id)
    chosen = rows[(page - 1) * size : page * size]
    items = []
    for _, values in chosen:
        keys = {rules.rowset_name(f.name): values.get(f.object_id) or "" for f in fields if f.is_primary_key}
        others = {
            rules.rowset_name(f.name): values.get(f.object_id) or "" for f in fields if not f.is_primary_key
        }
        items.append({"keys": keys, "values": others})
    links = {"self": f"/v1/customobjectdata/key/{key}/rowset?$page={page}"}
    if page * size < len(rows):
        links["next"] = f"/v1/customobjectdata/key/{key}/rowset?$page={page + 1}"
    return {
        "links": links,
        "requestToken": str(uuid.uuid4()),
        "customObjectId": de.object_id,
        "customObjectKey": de.customer_key,
        "pageSize": size,
        "page": page,
        "count": len(rows),
        "top": 0,
        "items": items,
    }


def _number(query: Mapping[str, list[str]], name: str, default: int) -> int:
    given = {k.casefold(): v for k, v in query.items()}.get(name.casefold())
    if not given:
        return default
    try:
        value = int(given[0])
    except ValueError:
        raise rules.rest_body(400, f"{name} must be a positive number.", rules.REST_INVALID_VALUE) from None
    if value < 1:
        raise rules.rest_body(400, f"{name} must be a positive number.", rules.REST_INVALID_VALUE)
    return value


def write_rows(store: Store, key: str, rows: list[Mapping[str, Any]], *, upsert: bool) -> int:
    """Write rows (field name -> value) into the data extension; all or nothing."""
    de, fields = _data_extension(store, key)
    by_name = {field.name.casefold(): field for field in fields}
    key_fields = [field for field in fields if field.is_primary_key]
    now = clock.now(store)
    prepared: list[tuple[str | None, Values]] = []
    seen: set[str | None] = set()
    for number, row in enumerate(rows, start=1):
        if not isinstance(row, Mapping):
            raise rules.rest_body(400, f"Row {number} is not an object.", rules.REST_INVALID_VALUE)
        values: Values = {}
        try:
            for name, value in row.items():
                field = by_name.get(str(name).casefold())
                if field is None:
                    raise rules.row_unknown_field(str(name), de.customer_key)
                values[field.object_id] = rules.row_value(field, "" if value is None else str(value), now)
        except rules.ApiError as error:
            raise rules.rest_body(400, f"Row {number}: {error.message}", error.code) from None
        primary = rules.row_primary_key(values, key_fields)
        if primary is not None and primary in seen:
            raise rules.rest_body(
                400, f"Row {number}: the primary key is given twice.", rules.ROW_PRIMARY_KEY
            )
        seen.add(primary)
        prepared.append((primary, values))
    with store.transaction():
        for number, (primary, values) in enumerate(prepared, start=1):
            existing = store.row_by_primary_key(de.object_id, primary) if primary is not None else None
            if existing is not None and not upsert:
                message = rules.row_duplicate_key(de.customer_key, primary or "").message
                raise rules.rest_body(400, f"Row {number}: {message}", rules.ROW_PRIMARY_KEY)
            if existing is not None:
                store.update_row(existing[0], {**existing[1], **values})
                continue
            complete = dict(values)
            for field in fields:
                if field.object_id not in complete and field.default_value:
                    complete[field.object_id] = rules.row_value(field, field.default_value, now)
            missing = [
                f.name
                for f in fields
                if (f.is_required or f.is_primary_key) and not complete.get(f.object_id)
            ]
            if missing:
                message = rules.row_required_missing(missing).message
                raise rules.rest_body(400, f"Row {number}: {message}", rules.ROW_REQUIRED_MISSING)
            store.insert_row(de.object_id, primary, complete)
    return len(prepared)


def hub_rows(body: Any) -> list[dict[str, Any]]:
    """[{"keys": {...}, "values": {...}}] as flat rows."""
    if not isinstance(body, list):
        raise rules.rest_body(
            400, 'Send a JSON array of {"keys": {...}, "values": {...}}.', rules.REST_INVALID_VALUE
        )
    rows = []
    for item in body:
        if not isinstance(item, dict):
            raise rules.rest_body(
                400, 'Every row is {"keys": {...}, "values": {...}}.', rules.REST_INVALID_VALUE
            )
        rows.append({**(item.get("keys") or {}), **(item.get("values") or {})})
    return rows


def async_rows(body: Any) -> list[dict[str, Any]]:
    items = body.get("items") if isinstance(body, dict) else None
    if not isinstance(items, list):
        raise rules.rest_body(400, 'Send {"items": [{field: value}, ...]}.', rules.REST_INVALID_VALUE)
    return items
