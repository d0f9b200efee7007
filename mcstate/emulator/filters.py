"""Retrieve filters: SimpleFilterPart and ComplexFilterPart, evaluated against flattened objects.

An object is a mapping of dotted property paths (``ParentFolder.ID``) to values; a compiled filter is a
predicate over such mappings.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from mcstate.emulator import rules
from mcstate.emulator.codec import RequestReadError, XNode

Row = Mapping[str, Any]
Predicate = Callable[[Row], bool]


class FilterError(Exception):
    """The filter cannot be applied; the message is the Retrieve's OverallStatus."""


def compile_filter(node: XNode, properties: rules.RetrieveProperties, object_type: str = "") -> Predicate:
    """A predicate for a Filter element; RequestReadError for values the service could not deserialize."""
    kind = node.xsi_type
    if kind is None:
        kind = "ComplexFilterPart" if node.has("LeftOperand") else "SimpleFilterPart"
    if kind == "ComplexFilterPart":
        if not properties.complex_filters:
            raise FilterError(rules.complex_filter_not_allowed(object_type))
        return _compile_complex(node, properties, object_type)
    if kind == "SimpleFilterPart":
        return _compile_simple(node, properties, object_type)
    raise FilterError(f"Error: The filter type {kind} is not supported for this retrieve")


def _compile_complex(node: XNode, properties: rules.RetrieveProperties, object_type: str) -> Predicate:
    logical = (node.text_of("LogicalOperator") or "").strip()
    if logical not in ("AND", "OR"):
        raise RequestReadError(
            f"Instance validation error: '{logical}' is not a valid value for LogicalOperators."
        )
    operands: list[Predicate] = []
    for name in ("LeftOperand", "RightOperand"):
        child = node.get(name)
        if child is not None:
            operands.append(compile_filter(child, properties, object_type))
    additional = node.get("AdditionalOperands")
    if additional is not None:
        operands.extend(
            compile_filter(operand, properties, object_type) for operand in additional.all("Operand")
        )
    if not operands:
        raise FilterError("Error: A ComplexFilterPart requires a LeftOperand")
    if logical == "AND":
        return lambda row: all(operand(row) for operand in operands)
    return lambda row: any(operand(row) for operand in operands)


def _compile_simple(node: XNode, properties: rules.RetrieveProperties, object_type: str) -> Predicate:
    name = (node.text_of("Property") or "").strip()
    operator = (node.text_of("SimpleOperator") or "").strip()
    if operator not in rules.ALL_OPERATORS:
        raise RequestReadError(
            f"Instance validation error: '{operator}' is not a valid value for SimpleOperators."
        )
    if name not in properties.filterable:
        raise FilterError(rules.unfilterable_property(name))
    if properties.operators is not None and operator not in properties.operators:
        raise FilterError(rules.operator_not_allowed(operator, object_type))
    if operator not in rules.SUPPORTED_OPERATORS:
        raise FilterError(rules.unsupported_operator(operator, name))
    kind = properties.retrievable.get(name, rules.STRING)
    raw = [value.text for value in node.all("Value")] + [value.text for value in node.all("DateValue")]
    if operator in ("isNull", "isNotNull"):
        expect_null = operator == "isNull"
        return lambda row: (row.get(name) in (None, "")) == expect_null
    values = [_convert(name, kind, text) for text in raw]
    if operator == "between":
        if len(values) != 2:
            raise FilterError(f"Error: The between operator requires two values for filter property '{name}'")
    elif operator != "IN" and len(values) != 1:
        raise FilterError(f"Error: The {operator} operator requires one value for filter property '{name}'")
    elif operator == "IN" and not values:
        raise FilterError(f"Error: The IN operator requires at least one value for filter property '{name}'")
    elif operator == "IN" and len(",".join(text or "" for text in raw)) > rules.FILTER_VALUES_MAX_CHARACTERS:
        raise FilterError(rules.FILTER_VALUES_TOO_LONG)
    test = _operator(operator, values, kind)

    def predicate(row: Row) -> bool:
        value = row.get(name)
        if value is None:
            return operator in ("notEquals", "notContains", "notExistsInString")
        return test(_normalize(value, kind))

    return predicate


def _normalize(value: Any, kind: str) -> Any:
    if kind == rules.STRING:
        text = str(value)
        return text.casefold() if rules.FILTER_STRINGS_CASE_INSENSITIVE else text
    return value


_DATE_FORMATS = ("%m/%d/%Y %I:%M:%S %p", "%m/%d/%Y %H:%M:%S", "%m/%d/%Y")


def _convert(name: str, kind: str, text: str) -> Any:
    stripped = text.strip()
    try:
        if kind == rules.INTEGER:
            return int(stripped)
        if kind == rules.BOOLEAN:
            lowered = stripped.lower()
            if lowered in ("true", "1"):
                return True
            if lowered in ("false", "0"):
                return False
            raise ValueError(text)
        if kind == rules.DATE:
            return _parse_date(stripped)
    except ValueError:
        raise FilterError(rules.bad_filter_value(name, text)) from None
    return _normalize(text, rules.STRING)


def _parse_date(text: str) -> datetime:
    cleaned = text[:-1] if text.endswith("Z") else text
    try:
        moment = datetime.fromisoformat(cleaned)
        return moment.replace(tzinfo=None)
    except ValueError:
        pass
    for pattern in _DATE_FORMATS:
        try:
            return datetime.strptime(text, pattern)
        except ValueError:
            continue
    raise ValueError(text)


def _like(pattern: str) -> re.Pattern[str]:
    parts = []
    for char in pattern:
        if char == "%":
            parts.append(".*")
        elif char == "_":
            parts.append(".")
        else:
            parts.append(re.escape(char))
    return re.compile("".join(parts), re.DOTALL)


def _operator(operator: str, values: list[Any], kind: str) -> Callable[[Any], bool]:
    first = values[0] if values else None
    if operator == "equals":
        return lambda value: value == first
    if operator == "notEquals":
        return lambda value: value != first
    if operator == "IN":
        return lambda value: value in values
    if operator == "greaterThan":
        return lambda value: value > first
    if operator == "lessThan":
        return lambda value: value < first
    if operator == "greaterThanOrEqual":
        return lambda value: value >= first
    if operator == "lessThanOrEqual":
        return lambda value: value <= first
    if operator == "between":
        low, high = values
        return lambda value: low <= value <= high
    text = _normalize(first, rules.STRING)
    if operator == "like":
        pattern = _like(text)
        return lambda value: pattern.fullmatch(_normalize(value, rules.STRING)) is not None
    if operator == "beginsWith":
        return lambda value: _normalize(value, rules.STRING).startswith(text)
    if operator == "endsWith":
        return lambda value: _normalize(value, rules.STRING).endswith(text)
    if operator in ("contains", "existsInString"):
        return lambda value: text in _normalize(value, rules.STRING)
    if operator in ("notContains", "notExistsInString"):
        return lambda value: text not in _normalize(value, rules.STRING)
    if operator == "existsInStringAsAWord":
        word = re.compile(rf"\b{re.escape(text)}\b")
        return lambda value: word.search(_normalize(value, rules.STRING)) is not None
    raise FilterError(f"Error: The operator {operator} is not supported")


def restricted_values(node: XNode, name: str) -> list[str] | None:
    """The values a filter restricts property `name` to (equals or IN, through ANDs and ORs), None when it
    does not restrict it to a list. A superset is fine: it only chooses which rows the predicate looks at."""
    kind = node.xsi_type or ("ComplexFilterPart" if node.has("LeftOperand") else "SimpleFilterPart")
    if kind == "SimpleFilterPart":
        if (node.text_of("Property") or "").strip() != name:
            return None
        if (node.text_of("SimpleOperator") or "").strip() not in ("equals", "IN"):
            return None
        return [value.text for value in node.all("Value")]
    if kind != "ComplexFilterPart":
        return None
    operands = [child for child in (node.get("LeftOperand"), node.get("RightOperand")) if child is not None]
    additional = node.get("AdditionalOperands")
    if additional is not None:
        operands += additional.all("Operand")
    restrictions = [restricted_values(operand, name) for operand in operands]
    logical = (node.text_of("LogicalOperator") or "").strip()
    if logical == "AND":
        # Every operand must hold: any one restriction is a superset of the result.
        return next((values for values in restrictions if values is not None), None)
    if logical == "OR" and restrictions and all(values is not None for values in restrictions):
        return [value for values in restrictions for value in values or []]
    return None
