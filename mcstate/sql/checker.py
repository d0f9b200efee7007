"""A query activity's SQL, parsed (sqlglot, T-SQL) and resolved against a catalogue of tables.

What a query activity can run is one SELECT (set operations included) that names data extensions and data
views; its output columns go by name into the target data extension. `analyze` reports, all at once and
each at its line and column in the SQL:

- syntax errors, and statements a query activity cannot run (anything but one SELECT, SELECT INTO,
  variables, temporary tables, ORDER BY without TOP);
- tables that are neither data extensions nor data views, columns not in the table they are read from,
  ambiguous columns;
- the output against the target: columns the target lacks, primary-key and required fields (without a
  default) left empty, duplicate or missing output names;

with warnings (never blocking) for output narrower than its source, implicit type conversions and
`SELECT *` into a target. It also returns what the query reads, column by column (its lineage).
"""

from __future__ import annotations

import bisect
import functools
import itertools
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Literal

import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError, TokenError
from sqlglot.optimizer.scope import Scope, traverse_scope
from sqlglot.tokens import Token, TokenType

from mcstate.sql.catalog import Catalog, Column, Table

DIALECT = "tsql"
Severity = Literal["error", "warning"]

# Resolving names costs time growing with the square of a query's size (sqlglot's scopes): larger queries are
# parsed and checked as statements, but their tables and columns are not resolved. Real queries are far
# smaller (a long query is a few thousand tokens).
MAX_RESOLVED_TOKENS = 20_000
TOO_DEEP = (
    "the SQL is nested too deeply to be read; SQL Server refuses it as well ('Some part of your SQL "
    "statement is nested too deeply')"
)

# Values that are dates: GETDATE(), DATEADD(...), SYSDATETIME() and the like.
_DATE_VALUES = (exp.CurrentTimestamp, exp.CurrentDate, exp.DateAdd, exp.CurrentDatetime)

# Field types whose values the service converts into one another without a cast.
_TEXT_TYPES = frozenset({"Text", "EmailAddress", "Phone", "Locale"})
_NUMBER_TYPES = frozenset({"Number", "Decimal"})


@dataclass(frozen=True, order=True)
class SqlIssue:
    """One finding, at a 1-based line and column of the SQL text."""

    line: int
    column: int
    message: str
    severity: Severity = "error"
    code: str = ""  # a short name for the kind of finding (silencing warnings uses it)


@dataclass(frozen=True)
class ColumnRead:
    """A column of a table the query reads (lineage)."""

    table: Table
    column: str  # as the table names it (as written when the table is open)


@dataclass(frozen=True)
class OutputColumn:
    name: str
    line: int
    column: int
    source: Column | None = None  # the type the value has, when it can be told


@dataclass
class Analysis:
    issues: list[SqlIssue] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)  # tables read, in order, once each
    reads: list[ColumnRead] = field(default_factory=list)
    outputs: list[OutputColumn] | None = None  # None when the output cannot be told (a syntax error)

    @property
    def errors(self) -> list[SqlIssue]:
        return [issue for issue in self.issues if issue.severity == "error"]

    @property
    def warnings(self) -> list[SqlIssue]:
        return [issue for issue in self.issues if issue.severity == "warning"]


@dataclass(frozen=True)
class Target:
    """The data extension the query writes to, and how (overwrite, update, append)."""

    table: Table
    update_type: str


def analyze(sql: str, catalog: Catalog, target: Target | None = None) -> Analysis:
    analysis = Analysis()
    statement = _parse(sql, analysis)
    if statement is None:
        return analysis
    positions = _Positions(sql)
    _check_statement(statement, positions, analysis)
    if _token_count(sql) > MAX_RESOLVED_TOKENS:
        analysis.issues.append(
            SqlIssue(
                1,
                1,
                f"the query has more than {MAX_RESOLVED_TOKENS:,} tokens: its tables and columns are not "
                "checked",
                "warning",
                "too-large",
            )
        )
        return analysis
    resolver = _Resolver(catalog, positions, analysis)
    try:
        scopes = traverse_scope(statement)
    except Exception as error:  # sqlglot's scope walk refuses some odd trees
        analysis.issues.append(SqlIssue(1, 1, f"the query cannot be resolved: {error}"))
        return analysis
    for scope in scopes:
        resolver.resolve(scope)
    analysis.outputs = _outputs(statement, scopes, resolver, positions, analysis)
    if target is not None and analysis.outputs is not None:
        _check_target(target, analysis.outputs, statement, positions, analysis)
    analysis.issues = sorted(set(analysis.issues))  # a correlated column is seen from two scopes
    return analysis


# -- parsing -------------------------------------------------------------------------------------------------


def _parse(sql: str, analysis: Analysis) -> exp.Expression | None:
    try:
        statements = [s for s in sqlglot.parse(sql, read=DIALECT) if s is not None]
    except ParseError as error:
        for detail in error.errors[:5]:
            line, column = int(detail.get("line") or 1), int(detail.get("col") or 1)
            # sqlglot points at the end of the token; the start is where a reader looks.
            highlight = str(detail.get("highlight") or "")
            column = max(1, column - len(highlight) + 1) if highlight else column
            near = f" near '{highlight}'" if highlight else ""
            analysis.issues.append(SqlIssue(line, column, f"syntax error{near}: {_describe(detail)}"))
        return None
    except TokenError as error:
        analysis.issues.append(SqlIssue(*_token_error_position(sql), f"syntax error: {error}"))
        return None
    except RecursionError:
        analysis.issues.append(SqlIssue(1, 1, TOO_DEEP, code="statement"))
        return None
    problem = _empty_list_item(sql)
    if problem is not None:
        analysis.issues.append(problem)
        return None
    if not statements:
        analysis.issues.append(SqlIssue(1, 1, "the query is empty: a query activity runs one SELECT"))
        return None
    if len(statements) > 1:
        line, column = _Positions(sql).at(_second_statement(sql))
        analysis.issues.append(
            SqlIssue(
                line, column, "a query activity runs one statement; this is a second one", code="statement"
            )
        )
    return statements[0]


def _second_statement(sql: str) -> int:
    """The offset of the first token after the first statement's semicolon."""
    tokens = sqlglot.tokenize(sql, read=DIALECT)
    for previous, token in itertools.pairwise(tokens):
        if previous.token_type == TokenType.SEMICOLON and token.token_type != TokenType.SEMICOLON:
            return token.start
    return 0


def _describe(detail: dict[str, object]) -> str:
    description = str(detail.get("description") or "unexpected text")
    if description.startswith("Expected table name"):
        return "a table name is expected here"
    if description.startswith("Required keyword"):
        return "the clause is incomplete"
    if "Unexpected token" in description:
        return "unexpected text"
    return description.split(" but got ")[0]


def _token_error_position(sql: str) -> tuple[int, int]:
    """Where an unterminated string or identifier starts (sqlglot's TokenError gives no position)."""
    for opener, closer in (("'", "'"), ("[", "]"), ('"', '"')):
        index = 0
        while True:
            start = sql.find(opener, index)
            if start < 0:
                break
            end = sql.find(closer, start + 1)
            if end < 0:
                return _Positions(sql).at(start)
            index = end + 1
    return 1, 1


@functools.lru_cache(maxsize=256)
def _tokens(sql: str) -> list[Token]:
    return sqlglot.tokenize(sql, read=DIALECT)


def _token_count(sql: str) -> int:
    try:
        return len(_tokens(sql))
    except TokenError:
        return 0


def _empty_list_item(sql: str) -> SqlIssue | None:
    """sqlglot passes over an empty item in a list (`SELECT a,, b`, `SELECT a, FROM t`); the service
    does not."""
    try:
        tokens = _tokens(sql)
    except TokenError:
        return None
    for previous, token in itertools.pairwise(tokens):
        if previous.token_type == TokenType.COMMA and token.token_type in (
            TokenType.COMMA,
            TokenType.FROM,
            TokenType.R_PAREN,
        ):
            line, column = _Positions(sql).at(token.start)
            return SqlIssue(line, column, f"syntax error near '{token.text}': a list item is missing")
    return None


class _Positions:
    """Line and column of an offset into the SQL."""

    def __init__(self, sql: str) -> None:
        self.sql = sql
        self._starts = [0]
        for index, character in enumerate(sql):
            if character == "\n":
                self._starts.append(index + 1)

    def at(self, offset: int) -> tuple[int, int]:
        line = bisect.bisect_right(self._starts, offset) - 1
        return line + 1, offset - self._starts[line] + 1

    def of(self, node: exp.Expression | None) -> tuple[int, int]:
        start = _start(node)
        return self.at(start) if start is not None else (1, 1)


def _start(node: exp.Expression | None) -> int | None:
    """The offset of the first identifier or literal of a node (sqlglot keeps token positions there)."""
    if node is None:
        return None
    found: list[int] = []
    for part in node.walk():
        start = part.meta.get("start") if isinstance(part, exp.Expression) else None
        if isinstance(start, int):
            found.append(start)
    return min(found) if found else None


# -- what a query activity can run ---------------------------------------------------------------------------


def _check_statement(statement: exp.Expression, positions: _Positions, analysis: Analysis) -> None:
    def issue(node: exp.Expression | None, message: str, code: str = "statement") -> None:
        line, column = positions.of(node)
        analysis.issues.append(SqlIssue(line, column, message, code=code))

    if not isinstance(statement, exp.Query):
        kind = statement.key.upper()
        start = positions.sql.upper().find(kind)
        line, column = positions.at(start) if start >= 0 else positions.of(statement)
        analysis.issues.append(
            SqlIssue(
                line, column, f"a query activity runs only SELECT statements, not {kind}", code="statement"
            )
        )
        return
    for node in statement.walk():
        if isinstance(node, exp.Into):
            issue(node, "SELECT INTO is not allowed: the query's target data extension receives the rows")
        elif isinstance(node, exp.Parameter):
            found = positions.sql.find("@" + node.name) if node.name else -1
            line, column = positions.at(found) if found >= 0 else positions.of(node)
            analysis.issues.append(
                SqlIssue(line, column, "variables are not allowed in a query activity", code="statement")
            )
        elif isinstance(node, exp.Table) and _temporary(node):
            line, column = positions.of(node)
            analysis.issues.append(  # at its #, which sqlglot leaves out of the name
                SqlIssue(
                    line,
                    max(1, column - 1),
                    "temporary tables are not allowed in a query activity",
                    code="statement",
                )
            )
    order = statement.args.get("order")
    if order is not None and not _has_top(statement):
        issue(
            order.expressions[0] if order.expressions else order,
            "ORDER BY is only allowed together with TOP in a query activity",
            code="order-by",
        )


def _temporary(node: exp.Table) -> bool:
    """#name: a temporary table. ([#name] is a data extension whose name starts with #.)"""
    return bool(node.this.args.get("temporary")) and not node.this.quoted


def table_name(node: exp.Table) -> str:
    """The name as the service reads it: sqlglot drops the # of a bracketed [#name]."""
    if node.this.args.get("temporary") and node.this.quoted:
        return "#" + node.name
    return node.name


def _has_top(statement: exp.Expression) -> bool:
    if statement.args.get("limit") is not None or statement.args.get("fetch") is not None:
        return True
    if isinstance(statement, exp.SetOperation):
        return _has_top(statement.this) if isinstance(statement.this, exp.Expression) else False
    return False


# -- names ---------------------------------------------------------------------------------------------------


class _Source:
    """What a name in a FROM clause stands for: a catalogue table, a derived table or CTE (its output
    names), or something unknown (any column accepted)."""

    def __init__(self, table: Table | None = None, names: Sequence[str] | None = None) -> None:
        self.table = table
        self.names = {name.casefold(): name for name in names} if names is not None else None

    @property
    def open(self) -> bool:
        if self.table is not None:
            return self.table.open
        return self.names is None

    def has(self, column: str) -> bool:
        if self.open:
            return True
        if self.table is not None:
            return self.table.column(column) is not None
        return self.names is not None and column.casefold() in self.names


class _Resolver:
    def __init__(self, catalog: Catalog, positions: _Positions, analysis: Analysis) -> None:
        self.catalog = catalog
        self.positions = positions
        self.analysis = analysis
        self.sources: dict[int, dict[str, _Source]] = {}  # id(scope) -> name (folded) -> source
        self._reported_tables: set[int] = set()

    def issue(self, node: exp.Expression, message: str, severity: Severity = "error", code: str = "") -> None:
        line, column = self.positions.of(node)
        self.analysis.issues.append(SqlIssue(line, column, message, severity, code))

    def sources_of(self, scope: Scope) -> dict[str, _Source]:
        known = self.sources.get(id(scope))
        if known is not None:
            return known
        found: dict[str, _Source] = {}
        for name, source in scope.sources.items():
            if isinstance(source, Scope):
                found[name.casefold()] = _Source(names=_output_names(source.expression))
            elif isinstance(source, exp.Table):
                found[name.casefold()] = _Source(self._table(source))
        self.sources[id(scope)] = found
        return found

    def _table(self, node: exp.Table) -> Table | None:
        name = table_name(node)
        if not name or _temporary(node):
            return None
        shared = node.db.casefold() == "ent"
        table = self.catalog.table(name, shared=shared)
        if table is not None:
            if table not in self.analysis.tables:
                self.analysis.tables.append(table)
            return table
        if id(node) in self._reported_tables:
            return None
        self._reported_tables.add(id(node))
        written = f"ENT.{name}" if shared else name
        if node.db and not shared:
            written = f"{node.db}.{name}"
        if self.catalog.complete and not (shared and not self.catalog.has_shared):
            self.issue(
                node,
                f"table '{written}' is neither a data extension (declared or in the account) nor a data "
                "view; data extensions are named by their name, not their key",
                code="table",
            )
        else:
            where = "in the parent business unit" if shared else "in the account"
            self.issue(
                node,
                f"table '{written}' is not declared in the definitions: it must exist {where}",
                "warning",
                "table-unknown",
            )
        return None

    def resolve(self, scope: Scope) -> None:
        self.sources_of(scope)  # reports the tables it names, even when no column is read
        aliases = {name.casefold() for name in _select_aliases(scope.expression)}
        for column in scope.columns:
            if isinstance(column.this, exp.Star):
                continue
            name = column.name
            qualifier = column.table
            if not qualifier and name.casefold() in aliases and _in_order_by(column, scope.expression):
                continue  # ORDER BY may name an output column
            if qualifier:
                self._qualified(scope, column, qualifier, name)
            else:
                self._unqualified(scope, column, name)

    def _scopes_outward(self, scope: Scope) -> Iterator[Scope]:
        current: Scope | None = scope
        while current is not None:
            yield current
            current = current.parent

    def _qualified(self, scope: Scope, column: exp.Column, qualifier: str, name: str) -> None:
        for outer in self._scopes_outward(scope):
            source = self.sources_of(outer).get(qualifier.casefold())
            if source is None:
                continue
            if source.has(name):
                self._read(source, name)
            else:
                self.issue(
                    column,
                    f"column '{qualifier}.{name}' does not exist: {_has_not(source, qualifier)}",
                    code="column",
                )
            return
        self.issue(
            column, f"'{qualifier}' names no table of this query (no FROM or JOIN has it)", code="column"
        )

    def _unqualified(self, scope: Scope, column: exp.Column, name: str) -> None:
        for outer in self._scopes_outward(scope):
            sources = self.sources_of(outer)
            if not sources:
                continue
            having = [(alias, source) for alias, source in sources.items() if source.has(name)]
            known = [(alias, source) for alias, source in having if not source.open]
            if len(known) > 1:
                names = ", ".join(alias for alias, _ in known)
                self.issue(
                    column, f"column '{name}' is ambiguous: {names} all have it; qualify it", code="column"
                )
                return
            if known:
                self._read(known[0][1], name)
                return
            if having:
                return  # only tables whose columns are not known could have it
        if not any(self.sources_of(outer) for outer in self._scopes_outward(scope)):
            return  # SELECT without FROM: names nothing
        tables = ", ".join(sorted(self.sources_of(scope)))
        self.issue(
            column, f"column '{name}' does not exist in {tables or 'the tables of this query'}", code="column"
        )

    def _read(self, source: _Source, name: str) -> None:
        if source.table is None:
            return
        known = source.table.column(name)
        read = ColumnRead(source.table, known.name if known is not None else name)
        if read not in self.analysis.reads:
            self.analysis.reads.append(read)


def _has_not(source: _Source, qualifier: str) -> str:
    if source.table is not None:
        return f"{source.table.label} has no such field"
    return f"'{qualifier}' has no such output column"


def _in_order_by(column: exp.Column, select: exp.Expression) -> bool:
    order = column.find_ancestor(exp.Order)
    return order is not None and order.parent is select


def _select_aliases(expression: exp.Expression) -> list[str]:
    if isinstance(expression, exp.Select):
        return [e.alias for e in expression.expressions if isinstance(e, exp.Alias)]
    return []


def _output_names(expression: exp.Expression) -> list[str] | None:
    """The output column names of a SELECT (the first branch of a set operation); None when it selects
    `*`, whose columns are those of its tables."""
    while isinstance(expression, exp.SetOperation):
        expression = expression.this
    if not isinstance(expression, exp.Select):
        return None
    names: list[str] = []
    for item in expression.expressions:
        if isinstance(item, exp.Star) or (isinstance(item, exp.Column) and isinstance(item.this, exp.Star)):
            return None
        names.append(item.alias_or_name)
    return names


# -- output --------------------------------------------------------------------------------------------------


def _first_select(statement: exp.Expression) -> exp.Select | None:
    while isinstance(statement, exp.SetOperation):
        statement = statement.this
    return statement if isinstance(statement, exp.Select) else None


def _outputs(
    statement: exp.Expression,
    scopes: Sequence[Scope],
    resolver: _Resolver,
    positions: _Positions,
    analysis: Analysis,
) -> list[OutputColumn] | None:
    select = _first_select(statement)
    if select is None:
        return None
    scope = next((s for s in scopes if s.expression is select), None)
    sources = resolver.sources_of(scope) if scope is not None else {}
    outputs: list[OutputColumn] = []
    for item in select.expressions:
        line, column = positions.of(item)
        star_table = item.table if isinstance(item, exp.Column) and isinstance(item.this, exp.Star) else None
        if isinstance(item, exp.Star) or star_table is not None:
            resolver.issue(
                item,
                "SELECT * writes every column of its tables into the target: name the columns",
                "warning",
                "select-star",
            )
            chosen = [sources.get(star_table.casefold())] if star_table else list(sources.values())
            for source in chosen:
                if source is None or source.open:
                    return None  # the columns cannot be told
                for name in _source_columns(source):
                    outputs.append(OutputColumn(name, line, column, _column_of(source, name)))
            continue
        name = item.alias_or_name
        if not name or (not isinstance(item, exp.Alias | exp.Column) and not item.alias):
            resolver.issue(item, "this output column has no name: give it one with AS", code="output")
            continue
        outputs.append(OutputColumn(name, line, column, _value_type(item.unalias(), scope, resolver)))
    return outputs


def _source_columns(source: _Source) -> list[str]:
    if source.table is not None:
        return [column.name for column in source.table.columns.values()]
    return list(source.names.values()) if source.names else []


def _column_of(source: _Source, name: str) -> Column | None:
    return source.table.column(name) if source.table is not None else None


def _value_type(value: exp.Expression, scope: Scope | None, resolver: _Resolver) -> Column | None:
    """The type of an output value, when it can be told: a column read, a cast, a literal, a date
    function. None otherwise (no warnings are given for it)."""
    if isinstance(value, exp.Column) and scope is not None:
        sources = resolver.sources_of(scope)
        if value.table:
            source = sources.get(value.table.casefold())
            return _column_of(source, value.name) if source is not None else None
        found = [s for s in sources.values() if not s.open and s.has(value.name)]
        return _column_of(found[0], value.name) if len(found) == 1 else None
    if isinstance(value, exp.Cast | exp.TryCast | exp.Convert):
        to = value.args.get("to") if not isinstance(value, exp.Convert) else value.this
        return _type_of(to) if isinstance(to, exp.DataType) else None
    if isinstance(value, exp.Literal):
        if value.is_string:
            return Column("", "Text", len(value.this))
        return Column("", "Number" if "." not in value.this else "Decimal")
    if isinstance(value, _DATE_VALUES):
        return Column("", "Date")
    if isinstance(value, exp.Count | exp.RowNumber | exp.DateDiff):
        return Column("", "Number")
    return None


def _type_of(data_type: exp.DataType) -> Column | None:
    kind = data_type.this
    size = [p.this for p in data_type.expressions if isinstance(p, exp.DataTypeParam)]
    number = [int(p.this) for p in size if isinstance(p, exp.Literal) and p.this.isdigit()]
    T = exp.DataType.Type
    if kind in (T.VARCHAR, T.NVARCHAR, T.CHAR, T.NCHAR, T.TEXT):
        return Column("", "Text", number[0] if number else None)
    if kind in (T.INT, T.BIGINT, T.SMALLINT, T.TINYINT):
        return Column("", "Number")
    if kind in (T.DECIMAL, T.DOUBLE, T.FLOAT, T.MONEY):
        return Column(
            "", "Decimal", None, number[0] if number else None, number[1] if len(number) > 1 else None
        )
    if kind in (T.DATE, T.DATETIME, T.DATETIME2, T.SMALLDATETIME, T.TIMESTAMP):
        return Column("", "Date")
    if kind == T.BOOLEAN:
        return Column("", "Boolean")
    return None


def _check_target(
    target: Target,
    outputs: list[OutputColumn],
    statement: exp.Expression,
    positions: _Positions,
    analysis: Analysis,
) -> None:
    table = target.table
    seen: dict[str, OutputColumn] = {}
    for output in outputs:
        folded = output.name.casefold()
        if folded in seen:
            analysis.issues.append(
                SqlIssue(
                    output.line,
                    output.column,
                    f"the output column '{output.name}' appears twice; each output column needs its own name",
                    code="output",
                )
            )
            continue
        seen[folded] = output
        field_ = table.column(output.name)
        if field_ is None:
            if not table.open:
                analysis.issues.append(
                    SqlIssue(
                        output.line,
                        output.column,
                        f"the output column '{output.name}' is not a field of the target {table.label}",
                        code="output",
                    )
                )
            continue
        for message, code in _conversion_warnings(output, field_):
            analysis.issues.append(SqlIssue(output.line, output.column, message, "warning", code))
    if table.open:
        return
    for field_ in table.columns.values():
        if field_.name.casefold() in seen or field_.has_default:
            continue
        if field_.primary_key or field_.required:
            what = "primary-key" if field_.primary_key else "required"
            line, column = positions.of(_first_select(statement) or statement)
            analysis.issues.append(
                SqlIssue(
                    line,
                    column,
                    f"the {what} field '{field_.name}' of the target {table.label} gets no value: the "
                    "query's output has no column of that name (and the field has no default)",
                    code="output",
                )
            )


def _conversion_warnings(output: OutputColumn, field_: Column) -> Iterable[tuple[str, str]]:
    source = output.source
    if source is None or source.type is None or field_.type is None:
        return
    if source.type in _TEXT_TYPES and field_.type in _TEXT_TYPES:
        if source.length and field_.length and source.length > field_.length:
            yield (
                f"'{output.name}' can be up to {source.length} characters and the target field "
                f"'{field_.name}' holds {field_.length}: longer values make the query fail",
                "narrower",
            )
        return
    if source.type == field_.type or (source.type in _NUMBER_TYPES and field_.type in _NUMBER_TYPES):
        return
    if field_.type in _TEXT_TYPES:
        return  # any value converts to text
    yield (
        f"'{output.name}' is {source.type} and the target field '{field_.name}' is {field_.type}: the "
        "service converts it, and values that do not convert make the query fail",
        "conversion",
    )


@functools.lru_cache(maxsize=4096)
def tables_named(sql: str) -> tuple[tuple[str, bool], ...]:
    """The tables a query's SQL names, as (name, shared), without the CTEs it defines; () when it does
    not parse. For the flow chart: a name inside a comment or a string is not a table."""
    try:
        statements = [s for s in sqlglot.parse(sql, read=DIALECT) if s is not None]
    except (ParseError, TokenError, RecursionError):
        return ()
    found: list[tuple[str, bool]] = []
    for statement in statements:
        ctes = {cte.alias_or_name.casefold() for cte in statement.find_all(exp.CTE)}
        for table in statement.find_all(exp.Table):
            name = table_name(table)
            if not name or (not table.db and name.casefold() in ctes):
                continue
            entry = (name, table.db.casefold() == "ent")
            if entry not in found:
                found.append(entry)
    return tuple(found)
