"""The emulator's compile step for a query's SQL, run when a QueryDefinition is saved, as the service does:
the text must parse as one SELECT, every table must be a data extension of the account (by name) or a
system data view, and every column read from a data extension must be one of its fields. The messages are
in rules.py. This is the emulator's own check (mcstate.sql is the client's); both use sqlglot to parse."""

from __future__ import annotations

from sqlglot import exp, parse
from sqlglot.errors import ParseError, TokenError
from sqlglot.optimizer.scope import Scope, traverse_scope

from mcstate.emulator import rules
from mcstate.emulator.store import Store


def compile_query(store: Store, text: str) -> None:
    """Raises rules' ApiError for SQL the service would refuse on save."""
    try:
        statements = [s for s in parse(text, read="tsql") if s is not None]
    except RecursionError:
        raise rules.query_sql_error(rules.SQL_NESTED_TOO_DEEPLY) from None
    except (ParseError, TokenError) as error:
        near = ""
        errors = getattr(error, "errors", None) or []
        if errors and errors[0].get("highlight"):
            near = str(errors[0]["highlight"])
        raise rules.query_sql_error(rules.sql_syntax_error(near)) from None
    if len(statements) != 1 or not isinstance(statements[0], exp.Query):
        raise rules.query_sql_error(rules.SQL_SELECT_ONLY)
    statement = statements[0]
    if len(text) > rules.SQL_COMPILE_CHECKS_NAMES_UP_TO:
        return
    try:
        scopes = traverse_scope(statement)
    except Exception:  # sqlglot refuses some trees the service may take: not the emulator's to judge
        return
    fields_by_table: dict[str, set[str] | None] = {}
    for scope in scopes:
        known = _tables(store, scope, fields_by_table)
        for column in scope.columns:
            if isinstance(column.this, exp.Star):
                continue
            name = column.name.casefold()
            if column.table:
                fields = known.get(column.table.casefold(), None)
                if fields is not None and name not in fields:
                    raise rules.query_sql_error(rules.sql_invalid_column(column.name))
            elif (
                _unknown_in_only_source(known, name)
                and not _is_output_name(scope, column)
                and not _outer_has(scope, name, store, fields_by_table)
            ):
                raise rules.query_sql_error(rules.sql_invalid_column(column.name))


def _unknown_in_only_source(known: dict[str, set[str] | None], name: str) -> bool:
    """The scope reads one data extension, which has no such field (an unqualified column of a query
    reading several tables, or a data view, is left to the service)."""
    if len(known) != 1:
        return False
    fields = next(iter(known.values()))
    return fields is not None and name not in fields


def _is_output_name(scope: Scope, column: exp.Column) -> bool:
    """ORDER BY may name an output column by its alias."""
    select = scope.expression
    if not isinstance(select, exp.Select) or column.find_ancestor(exp.Order) is None:
        return False
    return column.name.casefold() in {
        e.alias.casefold() for e in select.expressions if isinstance(e, exp.Alias)
    }


def _tables(store: Store, scope: Scope, cache: dict[str, set[str] | None]) -> dict[str, set[str] | None]:
    """The scope's sources by alias: a data extension's field names (case-folded), or None when the columns
    are not checked (data views, derived tables). An unknown table is refused."""
    known: dict[str, set[str] | None] = {}
    for alias, source in scope.sources.items():
        if not isinstance(source, exp.Table):
            known[alias.casefold()] = None
            continue
        name = (
            ("#" + source.name) if source.this.args.get("temporary") and source.this.quoted else source.name
        )
        ent = bool(source.db) and source.db.casefold() == "ent"
        folded = ("ent." if ent else "") + name.casefold()
        if folded not in cache:
            if name.casefold() in rules.SQL_DATA_VIEWS:
                cache[folded] = None
            else:
                holder, found = store, None
                if ent:
                    holder, found = store.ent_data_extension(name) or (store, None)
                else:
                    found = store.data_extension_by_name(name)
                if found is None:
                    raise rules.query_sql_error(rules.sql_invalid_object(name))
                cache[folded] = {field.name.casefold() for field in holder.fields_of(found.object_id)}
        known[alias.casefold()] = cache[folded]
    return known


def _outer_has(scope: Scope, name: str, store: Store, cache: dict[str, set[str] | None]) -> bool:
    """A column of an enclosing query (a correlated subquery)."""
    outer = scope.parent
    while outer is not None:
        for fields in _tables(store, outer, cache).values():
            if fields is None or name in fields:
                return True
        outer = outer.parent
    return False
