"""ignore_changes, implemented once in the planner: no network, desired and live objects built by hand."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from mcstate.applier import apply_plan
from mcstate.errors import DefinitionError
from mcstate.ignore import is_ignored, parse_path
from mcstate.planner import make_plan
from mcstate.resources.base import ApplyContext, SoapObject
from mcstate.resources.data_extension import DataExtensionType
from tests.test_planner import CUSTOMERS, desired_state, live_state, only_change, service_rows
from tests.test_rest_kinds import EXTRACT, FakeAccount, extract_in_account, plan_for


def customers(*ignored: str, **changes: Any) -> dict[str, Any]:
    definition = copy.deepcopy(CUSTOMERS)
    definition.update(changes)
    if ignored:
        definition["ignore_changes"] = list(ignored)
    return definition


def account_with(description: str = "From the CRM", city_length: int = 50) -> dict[str, Any]:
    row, fields = service_rows(CUSTOMERS)
    row["Description"] = description
    fields[2]["MaxLength"] = city_length
    return live_state(row, fields)


def test_paths_are_parsed_the_way_the_plan_prints_them() -> None:
    parsed = parse_path("fields[City].length")
    assert parsed is not None and [(s.name, s.item) for s in parsed] == [("fields", "City"), ("length", None)]
    assert parse_path("fields[Order.Id]") is not None and len(parse_path("fields[Order.Id]") or ()) == 1
    assert parse_path("a..b") is None
    paths = [p for p in (parse_path("fields"), parse_path("retention.period")) if p]
    assert is_ignored("fields[city].length", paths)
    assert is_ignored("retention.period.length", paths)
    assert not is_ignored("retention", paths)
    assert not is_ignored("description", paths)


def test_an_ignored_attribute_changed_in_the_account_is_no_change() -> None:
    desired = desired_state(customers("description"))
    assert make_plan(desired, account_with(description="Edited in the UI"), "test").empty


def test_only_the_ignored_attribute_is_dropped_and_not_sent() -> None:
    desired = desired_state(customers("description"))
    change = only_change(make_plan(desired, account_with("Edited in the UI", city_length=40), "test"))
    assert [a.path for a in change.attributes] == ["fields[City].length"]
    [step] = DataExtensionType().steps(change, ApplyContext())
    assert isinstance(step.object, SoapObject)
    assert "Description" not in step.object.properties
    assert [f["Name"] for f in step.object.properties["Fields"]["Field"]] == ["City"]


def test_a_nested_field_path_keeps_the_account_value_and_sends_nothing() -> None:
    desired = desired_state(customers("fields[City].length"))
    # The account's shorter length would be a destructive drop-and-add without ignore_changes.
    plan = make_plan(desired, account_with(city_length=80), "test")
    assert plan.empty, plan.changes


def test_an_ignored_field_missing_from_the_definition_is_not_dropped() -> None:
    definition = customers("fields[City]")
    definition["fields"] = [f for f in definition["fields"] if f["name"] != "City"]
    assert make_plan(desired_state(definition), account_with(city_length=80), "test").empty


def test_a_new_object_is_created_with_its_whole_definition() -> None:
    desired = desired_state(customers("description", "fields[City].length"))
    plan = make_plan(desired, live_state(), "test")
    change = plan.changes[-1]
    assert change.action == "create" and change.after is not None
    assert change.after["description"] == "From the CRM"


def test_rest_kinds_send_the_account_value_back_for_an_ignored_attribute() -> None:
    account = FakeAccount([extract_in_account(description="set by the CRM team")])
    plan = plan_for(account, {**EXTRACT, "delimiter": "|", "ignore_changes": ["description"]})
    [change] = plan.changes
    assert [a.path for a in change.attributes] == ["delimiter"]
    apply_plan(plan, account)
    [patch] = account.sent
    assert patch.body is not None and patch.body["description"] == "set by the CRM team"


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("descripton", "DataExtension has no attribute 'descripton' (attributes: description, fields,"),
        ("fields[", "'fields[' is not an attribute path"),
    ],
)
def test_a_path_naming_no_attribute_is_an_error_at_its_line(path: str, message: str) -> None:
    with pytest.raises(DefinitionError) as caught:
        desired_state(customers(path))
    assert message in str(caught.value)
    assert "ignore_changes[0]" in str(caught.value)
