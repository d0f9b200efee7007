"""Running a filter activity: its data filter over the source data extension's rows into the destination.

The data filter (SimpleFilterParts joined by ComplexFilterParts) becomes the WHERE clause of a T-SQL
SELECT over the source, run by the query engine, so text compares as the service compares it (without
case); the destination's rows are replaced by the rows that pass.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from mcstate.emulator import rules
from mcstate.emulator.model import DataExtension, Field
from mcstate.emulator.run.queries import QueryRun, run_sql_into
from mcstate.emulator.run.sqlengine import QueryRunError
from mcstate.emulator.store import Store

_COMPARISONS = {
    "equals": "=", "notEquals": "<>", "greaterThan": ">", "lessThan": "<", "greaterThanOrEqual": ">=",
    "lessThanOrEqual": "<=",
}  # fmt: skip
_TEXT_MATCHES = {
    "like": ("", ""), "beginsWith": ("", "%"), "endsWith": ("%", ""), "contains": ("%", "%"),
    "existsInString": ("%", "%"),
}  # fmt: skip
_NUMBER_TYPES = frozenset({"Number", "Decimal"})


def run_filter(store: Store, activity: dict[str, Any], now: datetime) -> QueryRun:
    definition = store.filter_definition(str(activity["filter_definition_id"]))
    source = store.data_extension(str(activity["source_object_id"]))
    destination = store.data_extension(str(activity["destination_object_id"]))
    if definition is None or source is None or destination is None:
        return QueryRun(rules.ASYNC_STATUS_ERROR, error=rules.FILTER_ACTIVITY_NOT_RUN)
    fields = {field.name.casefold(): field for field in store.fields_of(source.object_id)}
    try:
        condition = _condition(definition.data_filter, fields)
    except QueryRunError as error:
        return QueryRun(rules.ASYNC_STATUS_ERROR, error=str(error))
    sql = f"SELECT * FROM {_name(source)} WHERE {condition}"
    return run_sql_into(store, sql, destination, "Overwrite", now)


def _name(de: DataExtension) -> str:
    return "[" + de.name.replace("]", "]]") + "]"


def _literal(text: str, field: Field) -> str:
    if field.field_type in _NUMBER_TYPES:
        try:
            float(text)
        except ValueError:
            raise QueryRunError(rules.filter_value_invalid(field.name, text)) from None
        return text.strip()
    if field.field_type == "Boolean":
        return "1" if text.strip().casefold() in ("true", "1") else "0"
    return "'" + text.replace("'", "''") + "'"


def _condition(part: dict[str, Any], fields: dict[str, Field]) -> str:
    if part["type"] == "ComplexFilterPart":
        operands = [part.get("LeftOperand"), part.get("RightOperand"), *part.get("AdditionalOperands", [])]
        joined = f" {part['LogicalOperator']} ".join(_condition(o, fields) for o in operands if o is not None)
        return f"({joined})"
    field = fields.get(str(part["Property"]).casefold())
    if field is None:
        raise QueryRunError(rules.filter_property_not_found(str(part["Property"])).message)
    column = "[" + field.name.replace("]", "]]") + "]"
    operator = part["SimpleOperator"]
    values = [str(v) for v in (part.get("DateValue") or part.get("Value") or [])]
    if operator == "isNull":
        return f"({column} IS NULL OR {column} = '')" if field.field_type == "Text" else f"{column} IS NULL"
    if operator == "isNotNull":
        return f"{column} IS NOT NULL"
    if not values:
        raise QueryRunError(rules.filter_value_invalid(field.name, ""))
    if operator in _COMPARISONS:
        return f"{column} {_COMPARISONS[operator]} {_literal(values[0], field)}"
    if operator == "between" and len(values) >= 2:
        return f"{column} BETWEEN {_literal(values[0], field)} AND {_literal(values[1], field)}"
    if operator == "IN":
        return f"{column} IN ({', '.join(_literal(value, field) for value in values)})"
    if operator in _TEXT_MATCHES:
        before, after = _TEXT_MATCHES[operator]
        return f"{column} LIKE {_literal(before + values[0] + after, field)}"
    if operator in ("notContains", "notExistsInString"):
        return f"({column} IS NULL OR {column} NOT LIKE {_literal('%' + values[0] + '%', field)})"
    raise QueryRunError(rules.filter_operator_not_run(operator))
