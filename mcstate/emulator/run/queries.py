"""Running a query activity: its SQL over the account's rows (emulator/run/sqlengine.py) into its target
data extension, as the service does.

Every output row is checked against the target's fields as SQL Server's INSERT checks it (a text longer than
its field, NULL in a required field, a value that does not convert, a primary key twice); the first failure
fails the run and nothing is written. Overwrite replaces the target's rows, Append adds to them, Update adds
or updates by primary key.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime

from mcstate.emulator import rules
from mcstate.emulator.model import DataExtension, Field, QueryDefinition
from mcstate.emulator.run import dataviews, tsql
from mcstate.emulator.run.sqlengine import QueryRunError, Source, SourceColumn, run_select
from mcstate.emulator.store import Store

Values = dict[str, str | None]


@dataclass(frozen=True)
class QueryRun:
    status: str  # rules.ASYNC_STATUS_COMPLETE or rules.ASYNC_STATUS_ERROR
    rows: int = 0
    error: str | None = None


def run_query(store: Store, definition: QueryDefinition, now: datetime) -> QueryRun:
    target = store.data_extension_by_key(definition.target_key)
    if target is None:
        return QueryRun(rules.ASYNC_STATUS_ERROR, error=rules.query_target_missing(definition.target_key))
    return run_sql_into(store, definition.query_text, target, definition.target_update_type, now)


def run_sql_into(store: Store, sql: str, target: DataExtension, update_type: str, now: datetime) -> QueryRun:
    """Run a SELECT and write its rows into `target` (Overwrite, Append or Update); all or nothing."""
    fields = store.fields_of(target.object_id)
    utc_now = now - rules.SERVER_UTC_OFFSET
    try:
        with store.transaction() as connection:
            result = run_select(connection, sql, _resolver(store), now, utc_now)
            output = _target_rows(target, fields, result.columns, result.rows, now)
            _write(store, target, fields, output, update_type)
    except QueryRunError as error:
        return QueryRun(rules.ASYNC_STATUS_ERROR, error=str(error))
    return QueryRun(rules.ASYNC_STATUS_COMPLETE, rows=len(output.rows))


def _resolver(store: Store):
    def resolve(name: str, schema: str | None, referenced: frozenset[str]) -> Source | None:
        if schema is not None and schema.casefold() == "ent":
            found = store.ent_data_extension(name)
            if found is None:
                return None
            holder, de = found
            return data_extension_source(holder, de, copied=holder is not store)
        if schema is None:
            de = store.data_extension_by_name(name)
            if de is not None:
                return data_extension_source(store, de)
        if schema is None and (view := dataviews.view_name(name)) is not None:
            try:
                return dataviews.source(store, view, referenced)
            except dataviews.DataViewError as error:
                raise QueryRunError(str(error)) from None
        return None

    return resolve


def data_extension_source(store: Store, de: DataExtension, *, copied: bool = False) -> Source:
    """A data extension as a table of the query engine; `copied`: its rows are in another business unit's
    database than the query's, so they are copied over first."""
    fields = store.fields_of(de.object_id)
    columns = tuple(
        SourceColumn(field.name, dataviews.FIELD_KINDS.get(field.field_type, "text")) for field in fields
    )
    paths = [f'$."{field.object_id}"' for field in fields]

    def fill(connection: sqlite3.Connection, table: str) -> None:
        select = ", ".join(
            dataviews.read_value(path, column.kind) for path, column in zip(paths, columns, strict=True)
        )
        if not copied:
            connection.execute(
                f'INSERT INTO temp."{table}" SELECT {select} FROM data_extension_rows WHERE de_object_id = ?',
                (de.object_id,),
            )
            return
        staged = f"{table}__rows"
        connection.execute(f'CREATE TEMP TABLE "{staged}" (row_values TEXT)')
        connection.executemany(
            f'INSERT INTO temp."{staged}" VALUES (?)', [(text,) for text in store.stored_rows(de.object_id)]
        )
        connection.execute(f'INSERT INTO temp."{table}" SELECT {select} FROM temp."{staged}"')
        connection.execute(f'DROP TABLE temp."{staged}"')

    return Source(f"de:{de.object_id}", columns, fill)


@dataclass(frozen=True)
class _Output:
    rows: list[Values]  # every field: the query's values, the defaults for the fields it leaves out
    written: frozenset[str]  # the ObjectIDs of the fields the query writes


def _target_rows(
    target: DataExtension,
    fields: list[Field],
    columns: tuple[str, ...],
    rows: list[tuple[tsql.Value, ...]],
    now: datetime,
) -> _Output:
    by_name = {field.name.casefold(): field for field in fields}
    placed: list[Field] = []
    for column in columns:
        field = by_name.get(column.casefold())
        if field is None:
            raise QueryRunError(rules.query_unknown_output(column, target.name))
        if field in placed:
            raise QueryRunError(rules.query_output_twice(column))
        placed.append(field)
    defaults = {field.object_id: _default(field, now) for field in fields if field not in placed}
    converted: list[Values] = []
    for row in rows:
        values: Values = dict(defaults)
        for field, value in zip(placed, row, strict=True):
            values[field.object_id] = _stored(target, field, value)
        converted.append(values)
    return _Output(converted, frozenset(field.object_id for field in placed))


def _check_required(target: DataExtension, fields: list[Field], values: Values) -> None:
    for field in fields:
        if (field.is_required or field.is_primary_key) and values.get(field.object_id) is None:
            raise QueryRunError(rules.query_null(target.name, field.name))


def _default(field: Field, now: datetime) -> str | None:
    if not field.default_value:
        return None
    try:
        return rules.row_value(field, field.default_value, now)
    except rules.ApiError:
        return None


def _stored(target: DataExtension, field: Field, value: tsql.Value) -> str | None:
    """The value as the account stores it in this field; QueryRunError as SQL Server's INSERT fails."""
    if value is None:
        return None
    kind = field.field_type
    try:
        if kind == "Number":
            return str(tsql.convert("bigint", value))
        if kind == "Decimal":
            scale = field.scale or 0
            number = tsql.convert(f"decimal(38,{scale})", value)
            text = f"{number:.{scale}f}"
            if field.max_length and len(text.lstrip("-").replace(".", "")) > field.max_length:
                raise QueryRunError(rules.query_overflow(target.name, field.name))
            return text
        if kind == "Date":
            moment = tsql.to_datetime(value)
            return rules.row_date_text(moment) if moment is not None else None
        if kind == "Boolean":
            return rules.ROW_BOOLEAN_TEXT[bool(tsql.convert("bit", value))]
        text = tsql.convert("nvarchar(max)", value)
    except tsql.TsqlError as error:
        raise QueryRunError(str(error)) from None
    assert isinstance(text, str)
    if field.max_length is not None and len(text) > field.max_length:
        raise QueryRunError(rules.query_truncated(target.name, field.name, text))
    return text


def _write(
    store: Store, target: DataExtension, fields: list[Field], output: _Output, update_type: str
) -> None:
    key_fields = [field for field in fields if field.is_primary_key]
    keyed = [(rules.row_primary_key(values, key_fields), values) for values in output.rows]
    for values in output.rows:
        # Every row is inserted unless Update finds it: NULL in a required field fails first.
        if update_type != "Update" or any(values.get(field.object_id) is None for field in key_fields):
            _check_required(target, fields, values)
    if key_fields:
        seen: set[str | None] = set()
        for key, values in keyed:
            if key in seen:
                message = (
                    rules.QUERY_UPDATE_SAME_ROW
                    if update_type == "Update"
                    else rules.query_duplicate_key(target.name, _key_text(values, key_fields))
                )
                raise QueryRunError(message)
            seen.add(key)
    new: list[tuple[str | None, Values]] = []
    if update_type == "Overwrite":
        store.delete_rows_of(target.object_id)
        new = keyed
    elif update_type == "Append" or not key_fields:
        for key, values in keyed:
            if key is not None and store.row_by_primary_key(target.object_id, key) is not None:
                raise QueryRunError(rules.query_duplicate_key(target.name, _key_text(values, key_fields)))
        new = keyed
    else:  # Update: by primary key, only the fields the query writes; rows not there yet are added
        for key, values in keyed:
            existing = store.row_by_primary_key(target.object_id, key) if key is not None else None
            if existing is None:
                new.append((key, values))
            else:
                written = {object_id: values[object_id] for object_id in output.written}
                store.update_row(existing[0], {**existing[1], **written})
    for _, values in new:
        _check_required(target, fields, values)
    store.insert_rows(target.object_id, new)


def _key_text(values: Values, key_fields: list[Field]) -> str:
    return ", ".join(values.get(field.object_id) or "" for field in key_fields)
