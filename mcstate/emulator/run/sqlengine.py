"""The query engine: a query activity's T-SQL, run by SQLite over the rows the account holds.

sqlglot parses the T-SQL; each table it reads (a data extension by name, `ENT.` for the parent's, or a
system data view) is copied into a temporary table with typed columns (text columns compare without case,
as SQL Server's default collation does); the functions whose SQLite form differs from SQL Server's are
replaced by the ones in emulator/run/tsql.py; SQLite runs the result. What the engine does not run is an
error naming it, never a different answer.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlglot import exp, parse
from sqlglot.errors import ParseError, TokenError

from mcstate.emulator.run import tsql

TEXT, INT, DECIMAL, DATE, BOOL = "text", "int", "decimal", "date", "bool"
_SQLITE_TYPES = {TEXT: "TEXT COLLATE NOCASE", INT: "INTEGER", DECIMAL: "REAL", DATE: "TEXT", BOOL: "INTEGER"}


class QueryRunError(Exception):
    """The query failed while running; the message is the one SQL Server (the service) gives."""


@dataclass(frozen=True)
class SourceColumn:
    name: str
    kind: str  # TEXT, INT, DECIMAL, DATE or BOOL


@dataclass(frozen=True)
class Source:
    """A table a query reads: its columns and how to fill a temporary table with its rows."""

    identity: str
    columns: tuple[SourceColumn, ...]
    fill: Callable[[sqlite3.Connection, str], None]  # (connection, temporary table name)


# (table name, schema such as "ENT", the column names the query reads through it) -> source
Resolver = Callable[[str, str | None, frozenset[str]], Source | None]


@dataclass(frozen=True)
class Result:
    columns: tuple[str, ...]
    rows: list[tuple[tsql.Value, ...]]


def run_select(
    connection: sqlite3.Connection, text: str, resolve: Resolver, now: datetime, utc_now: datetime
) -> Result:
    """Run one SELECT inside the caller's transaction; the temporary tables are gone afterwards."""
    statement = _parse(text)
    translation = _Translation(resolve)
    sql = translation.translate(statement)
    slot = tsql.install(connection, now, utc_now)
    created: list[str] = []
    try:
        for name, source in translation.tables.items():
            columns = ", ".join(f'"{column.name}" {_SQLITE_TYPES[column.kind]}' for column in source.columns)
            connection.execute(f'CREATE TEMP TABLE "{name}" ({columns})')
            created.append(name)
            source.fill(connection, name)
        try:
            cursor = connection.execute(sql)
            rows = cursor.fetchall()
        except sqlite3.Error as error:
            raise QueryRunError(slot.message or _sqlite_message(error)) from None
        columns = tuple(str(item[0]) for item in cursor.description or ())
        return Result(columns, [tuple(row) for row in rows])
    finally:
        for name in created:
            connection.execute(f'DROP TABLE IF EXISTS temp."{name}"')


def _sqlite_message(error: sqlite3.Error) -> str:
    text = str(error)
    if text.startswith("no such column: "):
        return f"Invalid column name '{text.removeprefix('no such column: ').split('.')[-1]}'."
    if "ambiguous column name" in text:
        return f"Ambiguous column name '{text.split(': ')[-1].split('.')[-1]}'."
    return f"The query could not be run: {text}."


def _parse(text: str) -> exp.Expression:
    try:
        statements = [s for s in parse(text, read="tsql") if s is not None]
    except (ParseError, TokenError):
        raise QueryRunError("Incorrect syntax.") from None
    if len(statements) != 1 or not isinstance(statements[0], exp.Query):
        raise QueryRunError("Only one SELECT statement is supported.")
    return statements[0]


def _call(name: str, *arguments: exp.Expression | None) -> exp.Expression:
    return exp.Anonymous(this=name, expressions=[a if a is not None else exp.null() for a in arguments])


def _text(value: str) -> exp.Expression:
    return exp.Literal.string(value)


def _unit(node: exp.Expression) -> str:
    unit = node.args.get("unit")
    return unit.name if unit is not None else "day"


def _type_text(data_type: exp.Expression) -> str:
    return data_type.sql(dialect="tsql")


# Functions SQLite computes as SQL Server does, left as they are.
_NATIVE = (
    exp.Coalesce, exp.If, exp.Case, exp.Count, exp.Sum, exp.Min, exp.Max, exp.RowNumber,
    exp.Rank, exp.DenseRank, exp.Lag, exp.Lead, exp.FirstValue, exp.LastValue, exp.NthValue, exp.Ntile,
    exp.GroupConcat, exp.Window, exp.Exists, exp.Star, exp.Paren, exp.And, exp.Or, exp.Collate,
)  # fmt: skip

_SIMPLE: dict[type[exp.Expression], str] = {
    exp.Upper: "MC_UPPER", exp.Lower: "MC_LOWER", exp.Reverse: "MC_REVERSE", exp.Abs: "MC_ABS",
    exp.Floor: "MC_FLOOR", exp.Ceil: "MC_CEILING", exp.Ascii: "MC_ASCII", exp.Chr: "MC_CHAR",
    exp.Space: "MC_SPACE",
}  # fmt: skip
_ANONYMOUS = {
    "PATINDEX": "MC_PATINDEX", "ISNUMERIC": "MC_ISNUMERIC", "ISDATE": "MC_ISDATE", "STR": "MC_STR",
    "GETUTCDATE": "MC_GETUTCDATE", "SYSUTCDATETIME": "MC_GETUTCDATE", "GETDATE": "MC_GETDATE",
    "SYSDATETIME": "MC_GETDATE",
}  # fmt: skip
_COMPARISONS = (exp.EQ, exp.NEQ, exp.GT, exp.GTE, exp.LT, exp.LTE)


class _Translation:
    def __init__(self, resolve: Resolver) -> None:
        self.resolve = resolve
        self.tables: dict[str, Source] = {}  # temporary table name -> source
        self._names: dict[str, str] = {}  # source identity -> temporary table name
        self._ctes: set[str] = set()
        self._kinds: dict[str, str | None] = {}  # column name (folded) -> kind, None when tables disagree

    def translate(self, statement: exp.Expression) -> str:
        self._ctes = {cte.alias.casefold() for cte in statement.find_all(exp.CTE)}
        for table in list(statement.find_all(exp.Table)):
            self._table(table)
        return self._rewrite(statement).sql(dialect="sqlite")

    def _table(self, table: exp.Table) -> None:
        if not table.name or (not table.db and table.name.casefold() in self._ctes):
            return
        alias = (table.alias or table.name).casefold()
        statement = table.root()
        referenced = frozenset(
            column.name for column in statement.find_all(exp.Column) if column.table.casefold() == alias
        )
        source = self.resolve(table.name, table.db or None, referenced)
        if source is None:
            raise QueryRunError(f"Invalid object name '{table.name}'.")
        name = self._names.get(source.identity)
        if name is None:
            name = f"mc_source_{len(self._names)}"
            self._names[source.identity] = name
            self.tables[name] = source
            for column in source.columns:
                key = column.name.casefold()
                self._kinds[key] = column.kind if self._kinds.get(key, column.kind) == column.kind else None
        alias = table.alias or table.name
        table.replace(
            exp.Table(
                this=exp.to_identifier(name), alias=exp.TableAlias(this=exp.to_identifier(alias, quoted=True))
            )
        )

    def _rewrite(self, node: exp.Expression) -> exp.Expression:
        for key, value in list(node.args.items()):
            if isinstance(value, exp.Expression):
                node.set(key, self._rewrite(value))
            elif isinstance(value, list):
                node.set(key, [self._rewrite(v) if isinstance(v, exp.Expression) else v for v in value])
        return self._node(node)

    def _node(self, node: exp.Expression) -> exp.Expression:
        if isinstance(node, exp.Column):
            if node.args.get("db"):
                node.set("db", None)
            if node.args.get("catalog"):
                node.set("catalog", None)
            return node
        if isinstance(node, exp.CurrentTimestamp | exp.CurrentDate):
            return _call("MC_GETDATE")
        if isinstance(node, exp.TimeStrToTime | exp.TsOrDsToDate):
            return node.this
        if isinstance(node, exp.DateAdd):
            return _call("MC_DATEADD", _text(_unit(node)), node.expression, node.this)
        if isinstance(node, exp.DateDiff):
            return _call("MC_DATEDIFF", _text(_unit(node)), node.expression, node.this)
        if isinstance(node, exp.Extract):
            return _call("MC_DATEPART", _text(node.this.name), node.expression)
        if isinstance(node, exp.Year | exp.Month | exp.Day):
            return _call("MC_DATEPART", _text(type(node).__name__.lower()), node.this)
        if isinstance(node, exp.TimeToStr):
            return _call("MC_FORMAT_DATE", node.this, node.args.get("format"))
        if isinstance(node, exp.LastDay):
            return _call("MC_EOMONTH", node.this)
        if isinstance(node, exp.DateFromParts):
            return _call(
                "MC_DATEFROMPARTS", node.args.get("year"), node.args.get("month"), node.args.get("day")
            )
        if isinstance(node, exp.Convert):
            function = "MC_TRY_CONVERT" if node.args.get("safe") else "MC_CONVERT"
            return _call(function, _text(_type_text(node.this)), node.expression, node.args.get("style"))
        if isinstance(node, exp.Cast):
            function = (
                "MC_TRY_CONVERT" if isinstance(node, exp.TryCast) or node.args.get("safe") else "MC_CONVERT"
            )
            return _call(function, _text(_type_text(node.to)), node.this)
        if isinstance(node, exp.Length):
            return _call("MC_LEN", node.this)
        if isinstance(node, exp.Left):
            return _call("MC_LEFT", node.this, node.expression)
        if isinstance(node, exp.Right):
            return _call("MC_RIGHT", node.this, node.expression)
        if isinstance(node, exp.Substring):
            return _call("MC_SUBSTRING", node.this, node.args.get("start"), node.args.get("length"))
        if isinstance(node, exp.StrPosition):
            return _call("MC_CHARINDEX", node.args.get("substr"), node.this, node.args.get("position"))
        if isinstance(node, exp.Trim):
            if node.expression is not None:
                raise QueryRunError("TRIM with characters is not supported by the emulator.")
            position = str(node.args.get("position") or "").upper()
            return _call({"LEADING": "MC_LTRIM", "TRAILING": "MC_RTRIM"}.get(position, "MC_TRIM"), node.this)
        if isinstance(node, exp.Replace):
            return _call("MC_REPLACE", node.this, node.expression, node.args.get("replacement"))
        if isinstance(node, exp.ConcatWs):
            separator, *values = node.expressions
            parts: list[exp.Expression] = []
            for index, value in enumerate(values):
                parts += [value] if index == 0 else [separator, value]
            return _call("MC_CONCAT", *parts)
        if isinstance(node, exp.Concat):
            return _call("MC_CONCAT", *node.expressions)
        if isinstance(node, exp.Repeat):
            return _call("MC_REPLICATE", node.this, node.args.get("times"))
        if isinstance(node, exp.Stuff):
            return _call(
                "MC_STUFF", node.this, node.args.get("start"), node.args.get("length"), node.expression
            )
        if isinstance(node, exp.Uuid):
            return _call("MC_NEWID")
        if isinstance(node, exp.Round):
            return _call("MC_ROUND", node.this, node.args.get("decimals"), node.args.get("truncate"))
        if type(node) in _SIMPLE:
            return _call(_SIMPLE[type(node)], node.this or (node.expressions or [None])[0])
        if isinstance(node, exp.Nullif):
            return _call("MC_NULLIF", node.this, node.expression)
        if isinstance(node, exp.Add):
            return _call("MC_ADD", node.this, node.expression)
        if isinstance(node, exp.Div):
            return _call("MC_DIVIDE", node.this, node.expression)
        if isinstance(node, exp.Avg):
            return node if isinstance(node.parent, exp.Window) else _call("MC_AVG", node.this)
        if isinstance(node, exp.Like):
            return self._like(node)
        if isinstance(node, _COMPARISONS):
            return self._comparison(node)
        if isinstance(node, exp.Anonymous):
            name = str(node.this).upper()
            if name.startswith("MC_"):
                return node
            if name in _ANONYMOUS:
                return _call(_ANONYMOUS[name], *node.expressions)
            raise QueryRunError(f"'{node.this}' is not a recognized built-in function name.")
        if isinstance(node, exp.Func) and not isinstance(node, _NATIVE):
            raise QueryRunError(
                f"The function {node.sql(dialect='tsql')[:60]} is not supported by the emulator."
            )
        return node

    def _like(self, node: exp.Like) -> exp.Expression:
        pattern = node.expression
        if isinstance(pattern, exp.Literal) and "[" not in pattern.this:
            return node
        return exp.EQ(this=_call("MC_LIKE", node.this, pattern), expression=exp.Literal.number(1))

    def _comparison(self, node: exp.Expression) -> exp.Expression:
        left, right = node.this, node.expression
        # A date column compared with a date written as text compares as dates.
        for column, literal, side in ((left, right, "expression"), (right, left, "this")):
            if (
                isinstance(column, exp.Column)
                and isinstance(literal, exp.Literal)
                and literal.is_string
                and self._kinds.get(column.name.casefold()) == DATE
            ):
                try:
                    moment = tsql.to_datetime(literal.this)
                except tsql.TsqlError as error:
                    raise QueryRunError(str(error)) from None
                if moment is not None:
                    node.set(side, _text(tsql.datetime_text(moment)))
        numeric_literal = isinstance(right, exp.Literal) and not right.is_string
        if not isinstance(left, exp.Column) and not isinstance(right, exp.Column) and not numeric_literal:
            node.set("expression", exp.Collate(this=node.expression, expression=exp.var("NOCASE")))
        return node
