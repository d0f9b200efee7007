"""Data filters without a network: YAML → desired → plan → write calls, and the service's answer → live."""

from __future__ import annotations

import datetime as dt
import textwrap
from pathlib import Path
from typing import Any

import pytest

from mcstate.definitions.loader import load_documents
from mcstate.desired import DesiredState, build_desired
from mcstate.errors import DefinitionError
from mcstate.plan import Change, Plan
from mcstate.planner import index_live, make_plan
from mcstate.resources import declarable
from mcstate.resources.base import ApplyContext, Live, SoapObject
from mcstate.resources.filter_definition import (
    FilterDefinitionType,
    condition_from_service,
    condition_to_service,
    normalize_condition,
)

SUBSCRIBERS = """\
kind: DataExtension
key: nto_subscribers
name: NTO Subscribers
fields:
  - {name: SubscriberKey, type: Text, primary_key: true}
  - {name: City, type: Text}
  - {name: Age, type: Number}
  - {name: Balance, type: Decimal, precision: 10, scale: 2}
  - {name: LastOpen, type: Date}
  - {name: OptIn, type: Boolean}
"""

NOT_OPENED = """\
kind: FilterDefinition
key: nto_not_opened
name: Subscribers who did not open
folder: Data Filters/Engagement
source: nto_subscribers
filter:
  all:
    - {field: OptIn, operator: equals, value: true}
    - any:
        - {field: LastOpen, operator: isNull}
        - {field: LastOpen, operator: lessThan, value: 2024-01-01}
    - {field: City, operator: in, values: [Seattle, Tacoma]}
"""

ROOTS = [
    Live("Folder", "Data Extensions", {"content_type": "dataextension", "description": ""}, {"id": 2}),
    Live("Folder", "Data Filters", {"content_type": "filterdefinition", "description": ""}, {"id": 5}),
    Live(
        "Folder",
        "Data Filters/Engagement",
        {"content_type": "filterdefinition", "description": ""},
        {"id": 9},
    ),
]


def load(tmp_path: Path, *texts: str) -> DesiredState:
    for index, text in enumerate(texts):
        path = tmp_path / "definitions" / f"{index}.yaml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    documents = load_documents(tmp_path / "definitions", declarable(), display_base=tmp_path)
    return build_desired(documents)


def problems(tmp_path: Path, *texts: str) -> list[str]:
    with pytest.raises(DefinitionError) as raised:
        plan(load(tmp_path, *texts), live())
    return [str(problem) for problem in raised.value.problems]


def plain(value: Any) -> Any:
    """A SoapObject tree as Retrieve hands it over: plain dicts (zeep leaves no xsi:type behind)."""
    if isinstance(value, SoapObject):
        return {name: plain(item) for name, item in value.properties.items()}
    if isinstance(value, list):
        return [plain(item) for item in value]
    return value


def live_filter(desired: DesiredState, key: str = "nto_not_opened", **changes: Any) -> Live:
    """The account's copy of a declared filter, as read() would normalize it."""
    wanted = desired.get("FilterDefinition", key)
    assert wanted is not None
    attributes = {name: wanted.attributes[name] for name in ("name", "description", "folder", "source")}
    attributes["filter"] = wanted.attributes["filter"]
    attributes.update(changes)
    return Live("FilterDefinition", key, attributes, {"object_id": "filter-guid"})


def live(*objects: Live) -> dict[str, dict[str, Live]]:
    by_kind: dict[str, list[Live]] = {"Folder": list(ROOTS)}
    for obj in objects:
        by_kind.setdefault(obj.kind, []).append(obj)
    return index_live(by_kind)


def plan(desired: DesiredState, account: dict[str, dict[str, Live]]) -> Plan:
    return make_plan(desired, account, "test")


def filter_change(result: Plan) -> Change:
    [change] = [c for c in result.changes if c.kind == "FilterDefinition"]
    return change


def subscribers_live(desired: DesiredState) -> Live:
    source = desired.get("DataExtension", "nto_subscribers")
    assert source is not None
    return Live("DataExtension", "nto_subscribers", dict(source.attributes), {"object_id": "de-guid"})


# -- the condition tree ------------------------------------------------------------------------------------


def test_groups_are_normalized_so_any_nesting_of_the_same_group_reads_alike() -> None:
    written = {
        "all": [
            {"field": "A", "operator": "equals", "value": 1},
            {
                "all": [
                    {"field": "B", "operator": "isNull"},
                    {"all": [{"field": "C", "operator": "equals", "value": True}]},
                ]
            },
            {"any": [{"field": "D", "operator": "in", "values": ["x", "y"]}]},
        ]
    }
    assert normalize_condition(written) == {
        "all": [
            {"field": "A", "operator": "equals", "values": ["1"]},
            {"field": "B", "operator": "isNull", "values": []},
            {"field": "C", "operator": "equals", "values": ["true"]},
            {"field": "D", "operator": "in", "values": ["x", "y"]},
        ]
    }


def test_groups_are_sent_as_left_deep_binary_chains_and_read_back_to_the_same_tree() -> None:
    tree = normalize_condition(
        {
            "any": [
                {"field": "A", "operator": "equals", "value": "1"},
                {
                    "all": [
                        {"field": "B", "operator": "in", "values": ["x", "y"]},
                        {"field": "D", "operator": "isNull"},
                    ]
                },
                {"field": "D", "operator": "between", "values": ["2024-01-01", "2024-02-01"]},
            ]
        }
    )
    sent = condition_to_service(tree, ["d"])
    assert sent.type == "ComplexFilterPart"
    left = sent.properties["LeftOperand"]
    assert isinstance(left, SoapObject) and left.type == "ComplexFilterPart"
    assert left.properties["LogicalOperator"] == "OR"
    inner = left.properties["RightOperand"]
    assert isinstance(inner, SoapObject) and inner.properties["LogicalOperator"] == "AND"
    assert inner.properties["LeftOperand"].properties["SimpleOperator"] == "IN"
    dates = sent.properties["RightOperand"].properties
    assert dates["DateValue"] == [dt.datetime(2024, 1, 1), dt.datetime(2024, 2, 1)] and "Value" not in dates
    assert condition_from_service(plain(sent)) == tree


def test_additional_operands_and_single_operand_parts_read_as_groups() -> None:
    part = {
        "LeftOperand": {"Property": "A", "SimpleOperator": "equals", "Value": ["1"], "DateValue": []},
        "LogicalOperator": "AND",
        "RightOperand": {
            "LeftOperand": {"Property": "B", "SimpleOperator": "isNotNull", "Value": [], "DateValue": []},
            "LogicalOperator": "OR",
            "RightOperand": None,
            "AdditionalOperands": None,
        },
        "AdditionalOperands": {
            "Operand": [
                {
                    "Property": "C",
                    "SimpleOperator": "greaterThan",
                    "Value": None,
                    "DateValue": [dt.datetime(2024, 3, 1)],
                }
            ]
        },
    }
    assert condition_from_service(part) == {
        "all": [
            {"field": "A", "operator": "equals", "values": ["1"]},
            {"field": "B", "operator": "isNotNull", "values": []},
            {"field": "C", "operator": "greaterThan", "values": ["2024-03-01"]},
        ]
    }


# -- rules checked before any call -------------------------------------------------------------------------


def test_a_valid_filter_on_a_declared_source_plans_a_create_after_its_folder(tmp_path: Path) -> None:
    desired = load(tmp_path, SUBSCRIBERS, NOT_OPENED)
    result = plan(desired, live())
    assert [(c.kind, c.action) for c in result.changes] == [
        ("DataExtension", "create"),
        ("FilterDefinition", "create"),
    ]
    change = filter_change(result)
    assert change.depends_on == ("Folder:Data Filters/Engagement", "DataExtension:nto_subscribers")
    assert result.known_ids["Folder:Data Filters/Engagement"] == {"id": 9}


def test_field_operator_and_value_errors_name_the_line_and_the_service_code(tmp_path: Path) -> None:
    bad = """\
        kind: FilterDefinition
        key: bad
        name: Bad
        source: nto_subscribers
        filter:
          any:
            - {field: Cty, operator: equals, value: Seattle}
            - {field: OptIn, operator: notEquals, value: true}
            - {field: Age, operator: contains, value: "1"}
            - {field: Age, operator: greaterThan, value: 1.5}
            - {field: Balance, operator: lessThan, value: "1,5"}
            - {field: LastOpen, operator: equals, value: 2024-02-30}
            - {field: LastOpen, operator: greaterThanOrEqual, value: 2024-01-01}
            - {field: OptIn, operator: equals, value: maybe}
            - {field: age, operator: between, values: [18, 30]}
        """
    assert problems(tmp_path, SUBSCRIBERS, bad) == [
        "definitions/1.yaml:7:15: filter.any[0].field: 373011 Property Not Found: 'Cty' is not a field of "
        "data extension 'nto_subscribers' (its fields: SubscriberKey, City, Age, Balance, LastOpen, OptIn)",
        "definitions/1.yaml:8:32: filter.any[1].operator: 373010 Operation Not Allowed: operator "
        "'notEquals' cannot compare Boolean field 'OptIn'; use one of: equals",
        "definitions/1.yaml:9:30: filter.any[2].operator: 373010 Operation Not Allowed: operator "
        "'contains' cannot compare Number field 'Age'; use one of: between, equals, greaterThan, "
        "greaterThanOrEqual, in, isNotNull, isNull, lessThan, lessThanOrEqual, notEquals",
        "definitions/1.yaml:10:50: filter.any[3].value: 373009 Invalid DataFilter: '1.5' is not a whole "
        "number (Age is a Number field)",
        "definitions/1.yaml:11:51: filter.any[4].value: 373009 Invalid DataFilter: '1,5' is not a number "
        "(Balance is a Decimal field)",
        "definitions/1.yaml:12:50: filter.any[5].value: 373009 Invalid DataFilter: '2024-02-30' is not a "
        "valid date (LastOpen is a Date field)",
        "definitions/1.yaml:13:35: filter.any[6].operator: 373010 Operation Not Allowed: operator "
        "'greaterThanOrEqual' cannot compare Date field 'LastOpen'; use one of: between, equals, "
        "greaterThan, greaterThanAnniversary, isAnniversary, isNotAnniversary, isNotNull, isNull, lessThan, "
        "lessThanAnniversary, notEquals",
        "definitions/1.yaml:14:47: filter.any[7].value: 373009 Invalid DataFilter: 'maybe' is not true or "
        "false (OptIn is a Boolean field)",
    ]


def test_source_only_in_the_account_is_checked_against_its_fields(tmp_path: Path) -> None:
    account = subscribers_live(load(tmp_path / "account", SUBSCRIBERS))
    desired = load(tmp_path, NOT_OPENED.replace("field: City", "field: Town"))
    with pytest.raises(DefinitionError) as raised:
        plan(desired, live(account))
    [problem] = raised.value.problems
    assert str(problem).startswith(
        "definitions/0.yaml:12:15: filter.all[2].field: 373011 Property Not Found: "
    )

    good = load(tmp_path / "good", NOT_OPENED)
    change = filter_change(plan(good, live(account)))
    assert change.action == "create"
    sent = FilterDefinitionType().steps(change, ApplyContext({"folder:data filters/engagement": {"id": 9}}))
    data_filter = sent[0].object.properties["DataFilter"]  # type: ignore[union-attr]
    # LastOpen is a Date field of the account's data extension: its value goes in DateValue.
    date_part = data_filter.properties["LeftOperand"].properties["RightOperand"].properties["RightOperand"]
    assert date_part.properties["DateValue"] == [dt.datetime(2024, 1, 1)]


def test_unknown_source_is_an_error_at_the_source_line(tmp_path: Path) -> None:
    assert problems(tmp_path, NOT_OPENED) == [
        "definitions/0.yaml:5:9: source: DataExtension 'nto_subscribers' is neither defined nor present in "
        "the account"
    ]


def test_folder_must_be_under_data_filters_and_names_are_unique(tmp_path: Path) -> None:
    twin = NOT_OPENED.replace("key: nto_not_opened", "key: twin").replace(
        "Data Filters/Engagement", "Filters/X"
    )
    found = problems(tmp_path, SUBSCRIBERS, NOT_OPENED, twin)
    assert found == [
        "definitions/2.yaml:3:7: name: 373004 Name Already Exists: filter name 'Subscribers who did not "
        "open' is already used by 'nto_not_opened' (definitions/1.yaml:1:1); names are unique in an account",
        "definitions/2.yaml:4:9: folder: folder path must start with the root folder 'Data Filters', e.g. "
        "'Data Filters/Filters/X'",
    ]


def test_a_name_taken_in_the_account_is_an_error(tmp_path: Path) -> None:
    desired = load(tmp_path, SUBSCRIBERS, NOT_OPENED)
    other = live_filter(desired)
    other.key = "someone_elses"
    with pytest.raises(DefinitionError) as raised:
        plan(desired, live(other))
    assert "373004 Name Already Exists" in str(raised.value.problems[0])
    assert "used in the account by 'someone_elses'" in str(raised.value.problems[0])


# -- diff and write calls ----------------------------------------------------------------------------------


def test_matching_account_plans_nothing(tmp_path: Path) -> None:
    desired = load(tmp_path, SUBSCRIBERS, NOT_OPENED)
    assert plan(desired, live(subscribers_live(desired), live_filter(desired))).empty


def test_filter_change_is_an_update_sending_source_and_filter(tmp_path: Path) -> None:
    desired = load(tmp_path, SUBSCRIBERS, NOT_OPENED.replace("Tacoma", "Spokane"))
    before = load(tmp_path / "before", SUBSCRIBERS, NOT_OPENED)
    change = filter_change(plan(desired, live(subscribers_live(desired), live_filter(before))))
    assert change.action == "update" and not change.destructive
    [attribute] = change.attributes
    assert attribute.path == "filter"
    # As the definitions write the condition.
    assert attribute.before == {
        "all": [
            {"field": "OptIn", "operator": "equals", "value": "true"},
            {
                "any": [
                    {"field": "LastOpen", "operator": "isNull"},
                    {"field": "LastOpen", "operator": "lessThan", "value": "2024-01-01"},
                ]
            },
            {"field": "City", "operator": "in", "values": ["Seattle", "Tacoma"]},
        ]
    }
    assert attribute.after["all"][2] == {"field": "City", "operator": "in", "values": ["Seattle", "Spokane"]}
    [step] = FilterDefinitionType().steps(change, ApplyContext())
    assert step.operation == "update"
    props = step.object.properties  # type: ignore[union-attr]
    assert set(props) == {"CustomerKey", "DataSource", "DataFilter"}
    assert props["DataSource"] == SoapObject("DataExtension", {"CustomerKey": "nto_subscribers"})


def test_name_description_and_folder_update_in_place(tmp_path: Path) -> None:
    desired = load(tmp_path, SUBSCRIBERS, NOT_OPENED)
    account = live_filter(desired, name="Old", description="old", folder="Data Filters")
    change = filter_change(plan(desired, live(subscribers_live(desired), account)))
    assert [a.path for a in change.attributes] == ["name", "description", "folder"]
    context = ApplyContext({"folder:data filters/engagement": {"id": 9}})
    props = FilterDefinitionType().steps(change, context)[0].object.properties  # type: ignore[union-attr]
    assert (props["Name"], props["Description"], props["CategoryID"]) == (
        "Subscribers who did not open",
        "",
        9,
    )


def test_a_new_source_deletes_and_recreates_the_filter(tmp_path: Path) -> None:
    desired = load(tmp_path, SUBSCRIBERS, NOT_OPENED)
    change = filter_change(
        plan(desired, live(subscribers_live(desired), live_filter(desired, source="old_de")))
    )
    assert change.action == "replace" and change.destructive
    assert (
        "the source of a data filter cannot change in place (old_de → nto_subscribers)"
        in (change.destructive_reasons[0])
    )
    context = ApplyContext({"folder:data filters/engagement": {"id": 9}})
    delete, create = FilterDefinitionType().steps(change, context)
    assert (delete.operation, delete.phase, create.operation, create.phase) == ("delete", 0, "create", 1)
    assert delete.object == SoapObject("FilterDefinition", {"CustomerKey": "nto_not_opened"})
    assert create.object.properties["CategoryID"] == 9  # type: ignore[union-attr]


def test_ignore_changes_leaves_drift_alone(tmp_path: Path) -> None:
    text = NOT_OPENED + "ignore_changes: [description, filter]\n"
    desired = load(tmp_path, SUBSCRIBERS, text)
    account = live_filter(
        desired, description="edited in the UI", filter={"field": "City", "operator": "isNull"}
    )
    assert plan(desired, live(subscribers_live(desired), account)).empty


def test_read_normalizes_the_retrieve_answer(tmp_path: Path) -> None:
    desired = load(tmp_path, SUBSCRIBERS, NOT_OPENED)
    wanted = desired.get("FilterDefinition", "nto_not_opened")
    assert wanted is not None
    row = {
        "ObjectID": "filter-guid",
        "CustomerKey": "nto_not_opened",
        "Name": "Subscribers who did not open",
        "Description": None,
        "CategoryID": 9,
        "DataSource": {"ObjectID": "de-guid", "CustomerKey": None},
        "DataFilter": plain(condition_to_service(wanted.attributes["filter"], ["lastopen"])),
    }
    profile_filter = {
        "ObjectID": "x",
        "CustomerKey": "profile",
        "Name": "P",
        "DataSource": None,
        "DataFilter": {},
    }

    class Account:
        def retrieve(self, object_type: str, properties: Any, filter: Any = None) -> list[dict[str, Any]]:
            assert object_type == "FilterDefinition"
            return [row, profile_filter]

        def rest_items(self, path: str) -> list[dict[str, Any]]:
            raise AssertionError(path)

        def rest_get(self, path: str) -> Any:
            raise AssertionError(path)

    account = live(subscribers_live(desired))
    [read] = FilterDefinitionType().read(Account(), account)
    assert read.ids == {"object_id": "filter-guid"}
    assert read.attributes == {
        name: wanted.attributes[name] for name in ("name", "description", "folder", "source", "filter")
    }
