"""Data filters (FilterDefinition): the rows of a source data extension that match a condition tree.

Desired and live objects are normalized to the same shape:

    name, description, folder, source (data extension key), filter (condition)

A condition is a group, {all: [conditions]} or {any: [conditions]}, or a comparison,
{field, operator, values: [text]}. Groups have one normal form: a group directly inside a group of the same
kind is merged into it (AND and OR are associative) and a group of one condition is that condition. The
service spells groups as binary ComplexFilterPart chains (LeftOperand, LogicalOperator, RightOperand); a
group of n conditions is sent as a left-deep chain ((a AND b) AND c), and any chain read back, including
AdditionalOperands written by other tools, normalizes to the same tree.

Which operators a comparison may use depends on the type of the field in the source data extension, and
comparisons with Date fields carry their values in DateValue instead of Value. Both are known once the
source is found (declared, or read from the account): check and check_live record the source's Date fields
for the write calls.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any, ClassVar

from mcstate.definitions.document import DocPath, Document
from mcstate.definitions.writer import Flow, FlowList
from mcstate.errors import Problem
from mcstate.plan import AttributeChange, Change
from mcstate.resources.base import (
    ApplyContext,
    Definition,
    Desired,
    FeedEdge,
    FlowIndex,
    KindDefaults,
    Live,
    LiveCheck,
    NotRepresentable,
    Ref,
    Retriever,
    SoapObject,
    Step,
)
from mcstate.resources.common import (
    account_name_conflicts,
    declared_name_conflicts,
    definition_or_account,
    folder_path,
    folder_problems,
)
from mcstate.resources.definition_values import written_folder, written_scalar
from mcstate.resources.folder import KIND as FOLDER
from mcstate.resources.folder import folder_ref

KIND = "FilterDefinition"
DATA_EXTENSION = "DataExtension"
ROOT_FOLDER = "Data Filters"

ATTRIBUTES = ("name", "description", "folder", "source", "filter")

# Where check/check_live record the casefolded names of the source's Date fields; not an attribute of the
# filter (diff compares ATTRIBUTES only and hands this to the write calls through Change.ids).
DATE_FIELDS = "_date_fields"

GROUPS = {"all": "AND", "any": "OR"}
GROUP_OF_OPERATOR = {operator: group for group, operator in GROUPS.items()}

# The YAML spells every operator as the service does except IN, which reads like the others as `in`.
OPERATORS_ON_THE_WIRE = {"in": "IN"}
OPERATORS_FROM_THE_WIRE = {wire: name for name, wire in OPERATORS_ON_THE_WIRE.items()}
NO_VALUE_OPERATORS = frozenset({"isNull", "isNotNull"})

# Valid operators by field type: the service's table for data filters (Boolean: equals; Date: equals,
# notEquals, the anniversary operators, greaterThan, lessThan; Numeric: equals, notEquals, greaterThan,
# greaterThanOrEqual; Text: equals, notEquals, greaterThan(OrEqual), lessThan(OrEqual), existsInString,
# existsInStringAsAWord, notExistsInString, beginsWith), plus what the filter editor offers beside it:
# empty/not empty for every type but Boolean, lessThan(OrEqual), between and in for numbers, between for
# dates, and endsWith, contains, notContains, like and in for text.
TEXT_OPERATORS = frozenset(
    {
        "equals", "notEquals", "greaterThan", "greaterThanOrEqual", "lessThan", "lessThanOrEqual",
        "existsInString", "existsInStringAsAWord", "notExistsInString", "beginsWith", "endsWith", "contains",
        "notContains", "like", "in", "isNull", "isNotNull",
    }
)  # fmt: skip
NUMBER_OPERATORS = frozenset(
    {
        "equals", "notEquals", "greaterThan", "greaterThanOrEqual", "lessThan", "lessThanOrEqual", "between",
        "in", "isNull", "isNotNull",
    }
)  # fmt: skip
DATE_OPERATORS = frozenset(
    {
        "equals", "notEquals", "greaterThan", "lessThan", "isAnniversary", "isNotAnniversary",
        "greaterThanAnniversary", "lessThanAnniversary", "between", "isNull", "isNotNull",
    }
)  # fmt: skip
BOOLEAN_OPERATORS = frozenset({"equals"})
OPERATORS_BY_FIELD_TYPE: dict[str, frozenset[str]] = {
    "Text": TEXT_OPERATORS,
    "EmailAddress": TEXT_OPERATORS,
    "Phone": TEXT_OPERATORS,
    "Locale": TEXT_OPERATORS,
    "Number": NUMBER_OPERATORS,
    "Decimal": NUMBER_OPERATORS,
    "Date": DATE_OPERATORS,
    "Boolean": BOOLEAN_OPERATORS,
}

# The service's error codes (373000-373012) for what a definition can get wrong, quoted in plan-time errors.
NAME_EXISTS = "373004 Name Already Exists"
INVALID_FILTER = "373009 Invalid DataFilter"
OPERATION_NOT_ALLOWED = "373010 Operation Not Allowed"
PROPERTY_NOT_FOUND = "373011 Property Not Found"

INTEGER = re.compile(r"^[+-]?\d+$")
DECIMAL = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")
SHORT_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")

PROPERTIES = [
    "ObjectID",
    "CustomerKey",
    "Name",
    "Description",
    "CategoryID",
    "DataSource.ObjectID",
    "DataSource.CustomerKey",
    "DataFilter",
]


def _fold(text: str) -> str:
    return text.casefold()


def _lookup(kind: str, key: str) -> str:
    from mcstate.desired import lookup_address  # the registry imports this module

    return lookup_address(kind, key)


# -- the condition tree --------------------------------------------------------------------------------


def _value_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def normalize_condition(raw: Mapping[str, Any]) -> dict[str, Any]:
    """The normal form of a condition as written in a definition (validated by the schema)."""
    for group in GROUPS:
        if group in raw:
            return _group(group, [normalize_condition(item) for item in raw[group]])
    if "values" in raw:
        values = [_value_text(item) for item in raw["values"]]
    elif "value" in raw:
        values = [_value_text(raw["value"])]
    else:
        values = []
    return {"field": str(raw["field"]), "operator": str(raw["operator"]), "values": values}


def _group(group: str, members: list[dict[str, Any]]) -> dict[str, Any]:
    merged: list[dict[str, Any]] = []
    for member in members:
        merged.extend(member.get(group, [member]))
    return merged[0] if len(merged) == 1 else {group: merged}


def _date_text(value: Any) -> str:
    """A DateValue as the definitions write it: YYYY-MM-DD, with the time only when it is not midnight."""
    if isinstance(value, dt.datetime):
        moment = value
    else:
        text = str(value).strip()
        try:
            moment = dt.datetime.fromisoformat(text)
        except ValueError:
            return text
    if moment.time() == dt.time(0, 0):
        return moment.date().isoformat()
    return moment.replace(tzinfo=None).isoformat()


def condition_from_service(part: Mapping[str, Any]) -> dict[str, Any]:
    """The normal form of a DataFilter as Retrieve answers it (Simple- or ComplexFilterPart)."""
    if part.get("LeftOperand") is not None or part.get("LogicalOperator"):
        group = GROUP_OF_OPERATOR.get(str(part.get("LogicalOperator") or "AND").upper(), "all")
        operands = [part.get("LeftOperand"), part.get("RightOperand")]
        operands.extend((part.get("AdditionalOperands") or {}).get("Operand") or [])
        return _group(group, [condition_from_service(o) for o in operands if o])
    operator = str(part.get("SimpleOperator") or "")
    values = [str(v) for v in part.get("Value") or []]
    values.extend(_date_text(v) for v in part.get("DateValue") or [])
    return {
        "field": str(part.get("Property") or ""),
        "operator": OPERATORS_FROM_THE_WIRE.get(operator, operator),
        "values": values,
    }


def condition_to_service(condition: Mapping[str, Any], date_fields: Sequence[str]) -> SoapObject:
    """A condition as the SOAP FilterPart it stands for; groups become left-deep binary chains."""
    for group, logical in GROUPS.items():
        if group in condition:
            parts = [condition_to_service(member, date_fields) for member in condition[group]]
            chain = parts[0]
            for right in parts[1:]:
                chain = SoapObject(
                    "ComplexFilterPart",
                    {"LeftOperand": chain, "LogicalOperator": logical, "RightOperand": right},
                )
            return chain
    operator = condition["operator"]
    props: dict[str, Any] = {
        "Property": condition["field"],
        "SimpleOperator": OPERATORS_ON_THE_WIRE.get(operator, operator),
    }
    if _fold(condition["field"]) in date_fields:
        # The service reads dates from DateValue only; a filter compares whole days.
        props["DateValue"] = [dt.datetime.fromisoformat(value) for value in condition["values"]]
    else:
        props["Value"] = list(condition["values"])
    return SoapObject("SimpleFilterPart", props)


def _as_written(condition: Mapping[str, Any] | None) -> Any:
    """A normalized condition as a definition writes it (as normalized when no definition can)."""
    if condition is None:
        return None
    try:
        return condition_definition(condition, {})
    except ValueError:
        return condition


KNOWN_OPERATORS = TEXT_OPERATORS | NUMBER_OPERATORS | DATE_OPERATORS | BOOLEAN_OPERATORS
LIST_OPERATORS = frozenset({"in", "between"})


def condition_definition(condition: Mapping[str, Any], field_types: Mapping[str, str]) -> Any:
    """A normalized condition as a definition writes it: groups as block mappings of lists, comparisons on
    one line with `value` (or `values` for in and between), values typed by the field's type.
    Raises ValueError with the reason when the condition cannot be written."""
    for group in GROUPS:
        if group in condition:
            return {group: [condition_definition(member, field_types) for member in condition[group]]}
    field, operator, values = condition["field"], condition["operator"], condition["values"]
    if not field:
        raise ValueError("its filter compares a value without a field")
    if operator not in KNOWN_OPERATORS:
        raise ValueError(f"its filter uses the operator '{operator}', which definitions do not write")
    written = Flow(field=field, operator=operator)
    field_type = field_types.get(_fold(field))
    typed = [written_scalar(value, field_type) for value in values]
    if operator in NO_VALUE_OPERATORS:
        if values:
            raise ValueError(f"its filter compares '{field}' {operator} with a value")
    elif operator in LIST_OPERATORS:
        if not values or (operator == "between" and len(values) != 2):
            raise ValueError(f"its filter compares '{field}' {operator} with {len(values)} value(s)")
        written["values"] = FlowList(typed)
    elif len(values) != 1:
        raise ValueError(f"its filter compares '{field}' {operator} with {len(values)} values instead of one")
    else:
        written["value"] = typed[0]
    return written


def _comparisons(raw: Any, path: DocPath) -> Iterator[tuple[Mapping[str, Any], DocPath]]:
    """Every comparison of a condition as written, with its path in the document."""
    if not isinstance(raw, Mapping):
        return
    for group in GROUPS:
        if isinstance(raw.get(group), list):
            for index, member in enumerate(raw[group]):
                yield from _comparisons(member, (*path, group, index))
            return
    if "field" in raw and "operator" in raw:
        yield raw, path


def _written_values(raw: Mapping[str, Any], path: DocPath) -> list[tuple[str, DocPath]]:
    if isinstance(raw.get("values"), list):
        return [(_value_text(v), (*path, "values", i)) for i, v in enumerate(raw["values"])]
    if "value" in raw:
        return [(_value_text(raw["value"]), (*path, "value"))]
    return []


def _value_problem(field_type: str, value: str) -> str | None:
    """Why the service would refuse this value for a field of this type, or None."""
    if field_type == "Number" and not INTEGER.match(value):
        return "is not a whole number"
    if field_type == "Decimal" and not DECIMAL.match(value):
        return "is not a number"
    if field_type == "Boolean" and value.lower() not in ("true", "false"):
        return "is not true or false"
    if field_type == "Date":
        if not SHORT_DATE.match(value):
            return "is not a date written YYYY-MM-DD (a data filter compares whole days)"
        try:
            dt.date.fromisoformat(value)
        except ValueError:
            return "is not a valid date"
    return None


def check_comparisons(document: Document, fields: Sequence[Mapping[str, Any]], source: str) -> list[Problem]:
    """The service's rules for each comparison against the source's fields: the field exists (373011), the
    operator suits its type (373010) and every value fits the type (373009)."""
    by_name = {_fold(str(field["name"])): field for field in fields}
    problems: list[Problem] = []
    for raw, path in _comparisons(document.data.get("filter"), ("filter",)):
        name = str(raw["field"])
        field = by_name.get(_fold(name))
        if field is None:
            known = ", ".join(str(f["name"]) for f in fields)
            problems.append(
                document.problem(
                    (*path, "field"),
                    f"{PROPERTY_NOT_FOUND}: '{name}' is not a field of data extension '{source}' "
                    f"(its fields: {known})",
                )
            )
            continue
        field_type = str(field.get("type") or "Text")
        operator = str(raw["operator"])
        allowed = OPERATORS_BY_FIELD_TYPE.get(field_type, TEXT_OPERATORS)
        if operator not in allowed:
            problems.append(
                document.problem(
                    (*path, "operator"),
                    f"{OPERATION_NOT_ALLOWED}: operator '{operator}' cannot compare {field_type} field "
                    f"'{field['name']}'; use one of: {', '.join(sorted(allowed, key=str.casefold))}",
                )
            )
            continue
        for value, value_path in _written_values(raw, path):
            reason = _value_problem(field_type, value)
            if reason is not None:
                problems.append(
                    document.problem(
                        value_path,
                        f"{INVALID_FILTER}: '{value}' {reason} ({field['name']} is a {field_type} field)",
                    )
                )
    return problems


def date_fields(fields: Sequence[Mapping[str, Any]]) -> list[str]:
    return sorted(_fold(str(f["name"])) for f in fields if f.get("type") == "Date")


# -- the resource type ---------------------------------------------------------------------------------


class FilterDefinitionType(KindDefaults):
    kind: ClassVar[str] = KIND
    schema: ClassVar[str | None] = "filter_definition.schema.json"
    label: ClassVar[str] = "data filter"
    directory: ClassVar[str | None] = "filters"
    root_folder: ClassVar[str | None] = ROOT_FOLDER
    folder_content_type: ClassVar[str | None] = "filterdefinition"
    in_flow: ClassVar[bool] = True

    def from_document(self, document: Document) -> Desired:
        data = document.data
        folder = folder_path(data, ROOT_FOLDER)
        source = str(data["source"])
        attributes: dict[str, Any] = {
            "name": data["name"],
            "description": data.get("description") or "",
            "folder": folder,
            "source": source,
            "filter": normalize_condition(data["filter"]),
        }
        folder_at: DocPath = ("folder",) if "folder" in data else ()
        references = (folder_ref(folder, folder_at), Ref(DATA_EXTENSION, source, ("source",)))
        return Desired(KIND, str(data["key"]), attributes, document, references)

    def check(self, desired: Desired, declared: Mapping[str, Desired]) -> list[Problem]:
        document = desired.document
        if document is None:
            return []
        problems = folder_problems(document, desired.attributes["folder"], ROOT_FOLDER)
        problems.extend(declared_name_conflicts(desired, declared, "filter", NAME_EXISTS))
        source = declared.get(_lookup(DATA_EXTENSION, desired.attributes["source"]))
        if source is not None:
            problems.extend(check_comparisons(document, source.attributes["fields"], source.key))
        return problems

    def check_live(
        self, desired: Desired, declared: Mapping[str, Desired], live: Mapping[str, Mapping[str, Live]]
    ) -> LiveCheck:
        document = desired.document
        if document is None:
            return LiveCheck()
        problems = account_name_conflicts(desired, live, "filter", NAME_EXISTS)
        key = desired.attributes["source"]
        source = definition_or_account(DATA_EXTENSION, key, declared, live)
        if source is None:
            return LiveCheck(tuple(problems))  # the planner reports the unknown reference
        fields = source.get("fields") or []
        if declared.get(_lookup(DATA_EXTENSION, key)) is None:
            problems.extend(check_comparisons(document, fields, key))
        # Values for Date fields are written as DateValue: the write calls need to know which those are.
        return LiveCheck(tuple(problems), {DATE_FIELDS: date_fields(fields)})

    def feeds(self, lookup: str, attributes: Mapping[str, Any], index: FlowIndex) -> Iterable[FeedEdge]:
        if attributes.get("source"):
            yield index.ref(DATA_EXTENSION, attributes["source"]), lookup, "source"

    def read(self, client: Retriever, live: Mapping[str, Mapping[str, Live]]) -> list[Live]:
        rows = client.retrieve(KIND, PROPERTIES)  # before looking at `live`: see engine.read_live
        folders_by_id = {obj.ids.get("id"): obj.key for obj in live.get(FOLDER, {}).values()}
        sources_by_object_id = {
            str(de.ids.get("object_id") or "").casefold(): de.key
            for de in live.get(DATA_EXTENSION, {}).values()
        }
        objects: list[Live] = []
        for row in rows:
            source_row = row.get("DataSource") or {}
            source = source_row.get("CustomerKey") or sources_by_object_id.get(
                str(source_row.get("ObjectID") or "").casefold()
            )
            data_filter = row.get("DataFilter")
            if not row.get("CustomerKey") or not source or not data_filter:
                continue  # profile-attribute filters and filters on data relationships are not managed
            category = row.get("CategoryID")
            attributes = {
                "name": row.get("Name") or "",
                "description": row.get("Description") or "",
                "folder": folders_by_id.get(int(category)) if category not in (None, "") else None,
                "source": str(source),
                "filter": condition_from_service(data_filter),
            }
            ids = {"object_id": row.get("ObjectID")}
            objects.append(Live(KIND, str(row["CustomerKey"]), attributes, ids))
        return objects

    def to_definition(
        self, live: Live, live_state: Mapping[str, Mapping[str, Live]]
    ) -> Definition | NotRepresentable | None:
        attributes = live.attributes
        folder = written_folder(attributes.get("folder"), ROOT_FOLDER)
        if isinstance(folder, NotRepresentable):
            return folder
        source = live_state.get(DATA_EXTENSION, {}).get(_lookup(DATA_EXTENSION, attributes["source"]))
        fields = (source.attributes.get("fields") or []) if source is not None else []
        # Values are typed by their field where the source is known: `value: 0` for a Number field.
        field_types = {_fold(str(field["name"])): str(field["type"]) for field in fields}
        try:
            condition = condition_definition(attributes["filter"], field_types)
        except ValueError as error:
            return NotRepresentable(str(error))
        data: dict[str, Any] = {"kind": KIND, "key": live.key, "name": attributes["name"]}
        if attributes.get("description"):
            data["description"] = attributes["description"]
        if folder is not None:
            data["folder"] = folder
        data["source"] = attributes["source"]
        data["filter"] = condition
        return Definition(data)

    def diff(self, desired: Desired, live: Live | None) -> Change | None:
        after = {name: desired.attributes[name] for name in ATTRIBUTES}
        depends = tuple(ref.address for ref in desired.references)
        write_ids = {DATE_FIELDS: list(desired.attributes.get(DATE_FIELDS, []))}
        if live is None:
            return Change(KIND, desired.key, "create", after=after, ids=write_ids, depends_on=depends)
        before = {name: live.attributes.get(name) for name in ATTRIBUTES}
        changes: list[AttributeChange] = []
        reasons: list[str] = []
        for name in ATTRIBUTES:
            if before[name] == after[name]:
                continue
            if name == "filter":
                # Shown as the definitions write it (`value: 0`), compared condition by condition.
                changes.append(AttributeChange(name, _as_written(before[name]), _as_written(after[name])))
            elif name == "source":
                reason = (
                    f"the source of a data filter cannot change in place ({before[name]} → {after[name]}); "
                    "the filter is deleted and created again, with a new ObjectID"
                )
                reasons.append(reason)
                changes.append(AttributeChange(name, before[name], after[name], reason))
            else:
                changes.append(AttributeChange(name, before[name], after[name]))
        if not changes:
            return None
        ids = {**live.ids, **write_ids}
        action = "replace" if reasons else "update"
        return Change(KIND, desired.key, action, tuple(changes), before, after, ids, depends, tuple(reasons))

    def live_references(self, live: Live) -> tuple[str, ...]:
        named = ((FOLDER, live.attributes.get("folder")), (DATA_EXTENSION, live.attributes.get("source")))
        return tuple(f"{kind}:{key}" for kind, key in named if key)

    def steps(self, change: Change, context: ApplyContext) -> list[Step]:
        after = change.after or {}
        if change.action == "delete":
            return [Step("delete", SoapObject(KIND, {"CustomerKey": change.key}), change)]
        if change.action == "create":
            return [Step("create", SoapObject(KIND, self._create_properties(change, context)), change)]
        if change.action == "replace":
            delete = SoapObject(KIND, {"CustomerKey": change.key})
            create = SoapObject(KIND, self._create_properties(change, context))
            return [Step("delete", delete, change, phase=0), Step("create", create, change, phase=1)]
        if change.action != "update":
            raise ValueError(f"unsupported action {change.action}")
        touched = {attribute.path for attribute in change.attributes}
        props: dict[str, Any] = {"CustomerKey": change.key}
        if "name" in touched:
            props["Name"] = after["name"]
        if "description" in touched:
            props["Description"] = after["description"]
        # The service requires both the source and the filter on every update.
        props["DataSource"] = self._source(after)
        props["DataFilter"] = condition_to_service(after["filter"], change.ids.get(DATE_FIELDS, []))
        if "folder" in touched:
            props["CategoryID"] = context.ids(FOLDER, after["folder"])["id"]
        return [Step("update", SoapObject(KIND, props), change)]

    @staticmethod
    def _source(after: Mapping[str, Any]) -> SoapObject:
        return SoapObject(DATA_EXTENSION, {"CustomerKey": after["source"]})

    def _create_properties(self, change: Change, context: ApplyContext) -> dict[str, Any]:
        after = change.after or {}
        return {
            "CustomerKey": change.key,
            "Name": after["name"],
            "Description": after["description"],
            "DataSource": self._source(after),
            "DataFilter": condition_to_service(after["filter"], change.ids.get(DATE_FIELDS, [])),
            "CategoryID": context.ids(FOLDER, after["folder"])["id"],
        }
