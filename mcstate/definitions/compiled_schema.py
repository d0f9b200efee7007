"""A JSON Schema compiled into one Python predicate: is this document valid, yes or no.

jsonschema walks the schema anew for every document and builds a validator object at every step; for a data
extension of 25 fields that is a few milliseconds, so validating 10,000 definitions took most of a plan's
time. Nearly every document is valid, and for a valid document only the answer matters, so the loader asks
this predicate first and calls jsonschema only for the documents it rejects, to explain what is wrong.

The predicate must agree with jsonschema exactly (tests/test_compiled_schema.py checks it on the project's
schemas, the invalid-definition corpus and mutations of valid documents): types are judged by jsonschema's
own type checker, enum/const/uniqueItems by its own equality, formats by its own format checker. A schema
using any keyword this module does not know compiles to None, and every document of it goes to jsonschema.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema import _types as _jsonschema_types
from jsonschema._utils import equal, uniq

Predicate = Callable[[Any], bool]

# Keywords that do not constrain the instance (annotations, and the loader's own message keywords).
_ANNOTATIONS = frozenset(
    {
        "$schema",
        "$id",
        "$comment",
        "$defs",
        "title",
        "description",
        "default",
        "examples",
        "errorMessage",
        "patternErrorMessage",
        "deprecated",
        "readOnly",
        "writeOnly",
    }
)
# Keywords compiled below (each by the method of its name).
# The keywords _Compiler._object checks together.
_OBJECT_KEYWORDS = frozenset({"type", "properties", "additionalProperties", "required"})
_KEYWORDS = frozenset(
    {
        "type",
        "enum",
        "const",
        "required",
        "properties",
        "additionalProperties",
        "items",
        "minItems",
        "maxItems",
        "uniqueItems",
        "minLength",
        "maxLength",
        "pattern",
        "format",
        "minimum",
        "maximum",
        "not",
        "allOf",
        "anyOf",
        "oneOf",
        "if",
        "$ref",
    }
)
_KNOWN_TYPES = frozenset({"array", "boolean", "integer", "null", "number", "object", "string"})
_TYPES = Draft202012Validator.TYPE_CHECKER
# jsonschema's checks that are exactly isinstance(instance, <type>).
_PLAIN_TYPES: dict[str, tuple[Any, type]] = {
    "object": (_jsonschema_types.is_object, dict),
    "array": (_jsonschema_types.is_array, list),
    "string": (_jsonschema_types.is_string, str),
}
_FORMATS = Draft202012Validator.FORMAT_CHECKER


class _Unsupported(Exception):
    """The schema uses something this compiler does not reproduce exactly."""


def compile_schema(schema: Mapping[str, Any]) -> Predicate | None:
    """A predicate equal to ``Draft202012Validator(schema, format_checker=FORMAT_CHECKER).is_valid``, or
    None when the schema uses a keyword or reference this module does not handle."""
    try:
        return _Compiler(schema).compile(schema)
    except _Unsupported:
        return None


def _type_function(type_name: str) -> Predicate:
    """jsonschema's own test of one type, called directly (is_type looks it up on every call); for the
    types whose test is a plain isinstance in jsonschema (checked here, not assumed), that isinstance."""
    checkers = getattr(_TYPES, "_type_checkers", None)
    function = checkers.get(type_name) if checkers is not None else None
    if function is None:
        return lambda instance: bool(_TYPES.is_type(instance, type_name))
    plain = _PLAIN_TYPES.get(type_name)
    if plain is not None and function is plain[0]:
        python_type = plain[1]
        return lambda instance: isinstance(instance, python_type)
    return lambda instance: bool(function(_TYPES, instance))


_is_object = _type_function("object")
_is_array = _type_function("array")
_is_string = _type_function("string")
_is_number = _type_function("number")


class _Compiler:
    def __init__(self, root: Mapping[str, Any]) -> None:
        self._root = root
        # $ref targets by pointer; a cell so that recursive references compile once.
        self._refs: dict[str, list[Predicate]] = {}

    def compile(self, schema: Any) -> Predicate:
        if schema is True or schema == {}:
            return lambda instance: True
        if schema is False:
            return lambda instance: False
        if not isinstance(schema, Mapping):
            raise _Unsupported(f"not a schema: {schema!r}")
        checks: list[Predicate] = []
        fused = self._object(schema)
        if fused is not None:
            checks.append(fused)
        for keyword, value in schema.items():
            if keyword in _ANNOTATIONS or keyword in ("then", "else"):
                continue  # "then" and "else" belong to "if"
            if fused is not None and keyword in _OBJECT_KEYWORDS:
                continue
            if keyword not in _KEYWORDS:
                raise _Unsupported(keyword)
            checks.append(getattr(self, "_" + keyword.lstrip("$"))(value, schema))
        return _every(checks)

    def _object(self, schema: Mapping[str, Any]) -> Predicate | None:
        """type: object with its properties, additionalProperties and required as one predicate: the
        shape of nearly every schema of a definition, checked for every field of every data extension."""
        if schema.get("type") != "object" or "patternProperties" in schema:
            return None
        checks = {name: self.compile(subschema) for name, subschema in schema.get("properties", {}).items()}
        additional = schema.get("additionalProperties", True)
        extra: Predicate | bool | None = None
        if additional is False:
            extra = False
        elif additional is not True:
            extra = self.compile(additional)
        required = tuple(schema.get("required", ()))
        is_object = _is_object

        def check_object(instance: Any) -> bool:
            if not is_object(instance):
                return False
            for name in required:
                if name not in instance:
                    return False
            for name, item in instance.items():
                check = checks.get(name)
                if check is None:
                    if extra is False or (extra is not None and not extra(item)):  # type: ignore[operator]
                        return False
                elif not check(item):
                    return False
            return True

        return check_object

    # -- keywords: each returns the predicate of one keyword of one schema ---------------------------------

    def _type(self, value: Any, schema: Mapping[str, Any]) -> Predicate:
        names = [value] if isinstance(value, str) else list(value)
        if any(not isinstance(name, str) or name not in _KNOWN_TYPES for name in names):
            raise _Unsupported(f"type {value!r}")
        checks = [_type_function(name) for name in names]
        if len(checks) == 1:
            return checks[0]
        return lambda instance: any(check(instance) for check in checks)

    def _enum(self, value: Any, schema: Mapping[str, Any]) -> Predicate:
        choices = list(value)
        if all(isinstance(choice, str) for choice in choices):
            # jsonschema's equal() compares a string with ==, so only an equal string is one of them.
            names = frozenset(choices)
            return lambda instance: isinstance(instance, str) and instance in names
        return lambda instance: any(equal(choice, instance) for choice in choices)

    def _const(self, value: Any, schema: Mapping[str, Any]) -> Predicate:
        return lambda instance: bool(equal(instance, value))

    def _required(self, value: Any, schema: Mapping[str, Any]) -> Predicate:
        names = tuple(value)
        if len(names) == 1:
            (only,) = names
            return lambda instance: not _is_object(instance) or only in instance
        return lambda instance: not _is_object(instance) or all(name in instance for name in names)

    def _properties(self, value: Any, schema: Mapping[str, Any]) -> Predicate:
        checks = tuple((name, self.compile(subschema)) for name, subschema in value.items())

        def properties(instance: Any) -> bool:
            if not _is_object(instance):
                return True
            # By the schema's names: here (conditions, branches) they are a few of the instance's keys.
            for name, check in checks:  # noqa: SIM110 - a plain loop: no generator on this hot path
                if name in instance and not check(instance[name]):
                    return False
            return True

        return properties

    def _additionalProperties(self, value: Any, schema: Mapping[str, Any]) -> Predicate:
        if "patternProperties" in schema:
            raise _Unsupported("patternProperties")
        known = frozenset(schema.get("properties", {}))
        if value is False:
            return lambda instance: not _is_object(instance) or known.issuperset(instance)
        check = self.compile(value)

        def additional(instance: Any) -> bool:
            if not _is_object(instance):
                return True
            return all(check(instance[name]) for name in instance if name not in known)

        return additional

    def _items(self, value: Any, schema: Mapping[str, Any]) -> Predicate:
        if "prefixItems" in schema or isinstance(value, list):
            raise _Unsupported("prefixItems")
        check = self.compile(value)

        def items(instance: Any) -> bool:
            if not _is_array(instance):
                return True
            for item in instance:  # noqa: SIM110 - a plain loop: no generator per call on this hot path
                if not check(item):
                    return False
            return True

        return items

    def _minItems(self, value: Any, schema: Mapping[str, Any]) -> Predicate:
        return lambda instance: not _is_array(instance) or len(instance) >= value

    def _maxItems(self, value: Any, schema: Mapping[str, Any]) -> Predicate:
        return lambda instance: not _is_array(instance) or len(instance) <= value

    def _uniqueItems(self, value: Any, schema: Mapping[str, Any]) -> Predicate:
        if not value:
            return lambda instance: True
        return lambda instance: not _is_array(instance) or bool(uniq(instance))

    def _minLength(self, value: Any, schema: Mapping[str, Any]) -> Predicate:
        return lambda instance: not _is_string(instance) or len(instance) >= value

    def _maxLength(self, value: Any, schema: Mapping[str, Any]) -> Predicate:
        return lambda instance: not _is_string(instance) or len(instance) <= value

    def _pattern(self, value: Any, schema: Mapping[str, Any]) -> Predicate:
        compiled = re.compile(value)
        return lambda instance: not _is_string(instance) or compiled.search(instance) is not None

    def _format(self, value: Any, schema: Mapping[str, Any]) -> Predicate:
        return lambda instance: bool(_FORMATS.conforms(instance, value))

    def _minimum(self, value: Any, schema: Mapping[str, Any]) -> Predicate:
        return lambda instance: not _is_number(instance) or instance >= value

    def _maximum(self, value: Any, schema: Mapping[str, Any]) -> Predicate:
        return lambda instance: not _is_number(instance) or instance <= value

    def _not(self, value: Any, schema: Mapping[str, Any]) -> Predicate:
        check = self.compile(value)
        return lambda instance: not check(instance)

    def _allOf(self, value: Any, schema: Mapping[str, Any]) -> Predicate:
        return _every([self.compile(subschema) for subschema in value])

    def _anyOf(self, value: Any, schema: Mapping[str, Any]) -> Predicate:
        checks = [self.compile(subschema) for subschema in value]
        return lambda instance: any(check(instance) for check in checks)

    def _oneOf(self, value: Any, schema: Mapping[str, Any]) -> Predicate:
        checks = [self.compile(subschema) for subschema in value]
        return lambda instance: sum(1 for check in checks if check(instance)) == 1

    def _if(self, value: Any, schema: Mapping[str, Any]) -> Predicate:
        condition = self.compile(value)
        then = self.compile(schema.get("then", True))
        otherwise = self.compile(schema.get("else", True))
        return lambda instance: then(instance) if condition(instance) else otherwise(instance)

    def _ref(self, value: Any, schema: Mapping[str, Any]) -> Predicate:
        if not isinstance(value, str) or not value.startswith("#/"):
            raise _Unsupported(f"$ref {value!r}")
        cell = self._refs.get(value)
        if cell is None:
            cell = self._refs[value] = []
            cell.append(self.compile(self._pointer(value)))
        if cell:
            return cell[0]
        # A reference to a schema being compiled (recursion): looked up when called.
        return lambda instance: cell[0](instance)

    def _pointer(self, reference: str) -> Any:
        target: Any = self._root
        for part in reference[2:].split("/"):
            part = part.replace("~1", "/").replace("~0", "~")
            if isinstance(target, Mapping) and part in target:
                target = target[part]
            elif isinstance(target, list) and part.isdigit() and int(part) < len(target):
                target = target[int(part)]
            else:
                raise _Unsupported(f"$ref {reference!r} names nothing")
        return target


def _every(checks: list[Predicate]) -> Predicate:
    """All of `checks`, stopping at the first that fails."""
    if not checks:
        return lambda instance: True
    if len(checks) == 1:
        return checks[0]
    if len(checks) == 2:
        first, second = checks
        return lambda instance: first(instance) and second(instance)

    def every(instance: Any) -> bool:
        for check in checks:  # noqa: SIM110 - a plain loop: no generator per call on this hot path
            if not check(instance):
                return False
        return True

    return every
