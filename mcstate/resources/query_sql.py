"""The SQL check of a query definition (mcstate.sql) as problems of its definition: each finding at its
line and column in the `.sql` file, or in the YAML file for inline `sql:`."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from mcstate.definitions.document import Document
from mcstate.errors import Location, Problem
from mcstate.resources.base import Desired
from mcstate.sql.catalog import catalog_for
from mcstate.sql.checker import SqlIssue, Target, analyze

SILENCEABLE = ("narrower", "conversion", "select-star", "table-unknown")


def sql_problems(
    desired: Desired,
    declared: Mapping[str, Any],
    live: Mapping[str, Mapping[str, Any]] | None,
    sql_location: Any,
) -> list[Problem]:
    """Errors and warnings of the query's SQL against the declared data extensions (and the account's,
    with `live`). `sql_location(document, line, column)` places a finding in the definition's files."""
    document = desired.document
    sql = desired.attributes.get("sql")
    if document is None or not isinstance(sql, str) or not sql.strip():
        return []
    catalog = catalog_for(declared, live)
    table = catalog.by_key(str(desired.attributes["target"]))
    target = Target(table, str(desired.attributes["update_type"])) if table is not None else None
    analysis = analyze(sql, catalog, target)
    silenced = _silenced(document)
    problems: list[Problem] = []
    for issue in analysis.issues:
        if issue.severity == "warning" and issue.code in silenced:
            continue
        problems.append(_problem(desired.key, issue, sql_location(document, issue.line, issue.column)))
    return problems


def _silenced(document: Document) -> frozenset[str]:
    setting = document.data.get("ignore_sql_warnings") or ()
    if setting == "all":
        return frozenset(SILENCEABLE)
    return frozenset(str(code) for code in setting)


def _problem(key: str, issue: SqlIssue, location: Location) -> Problem:
    return Problem(location, f"query '{key}': {issue.message}", severity=issue.severity, rule="sql")


def inline_sql_location(document: Document, line: int, column: int) -> Location:
    """Where line and column of an inline `sql:` value are in the YAML file: a block scalar (`|`, `>`)
    starts on the next line at its indentation; a plain or quoted one right at the value."""
    start = document.location(("sql",))
    try:
        lines = Path(document.file).read_text(encoding="utf-8-sig").splitlines()
        text = lines[start.line - 1][start.column - 1 :] if start.line else ""
    except (OSError, UnicodeDecodeError, IndexError):
        return start
    if text[:1] in ("|", ">"):
        body = lines[start.line :]
        indent = next((len(row) - len(row.lstrip(" ")) for row in body if row.strip()), 0)
        return Location(start.file, start.line + line, indent + column)
    if line == 1:
        quoted = 1 if text[:1] in ("'", '"') else 0
        return Location(start.file, start.line, start.column + quoted + column - 1)
    return Location(start.file, start.line + line - 1, column)
