"""FilterDefinition Create/Retrieve/Update/Delete rules, with the service's 373xxx codes."""

from __future__ import annotations

from typing import Any

import pytest

from tests.emulator.conftest import Client, data_extension, field, folder, simple, to_xml

SOURCE = "nto_subscribers"
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


def compare(prop: str, operator: str, *values: str, dates: tuple[str, ...] = ()) -> dict[str, Any]:
    part: dict[str, Any] = {"@type": "SimpleFilterPart", "Property": prop, "SimpleOperator": operator}
    part["Value"] = list(values) or None
    part["DateValue"] = list(dates) or None
    return part


def both(logical: str, left: dict[str, Any], right: dict[str, Any], *more: dict[str, Any]) -> dict[str, Any]:
    part = {
        "@type": "ComplexFilterPart",
        "LeftOperand": left,
        "LogicalOperator": logical,
        "RightOperand": right,
    }
    if more:
        part["AdditionalOperands"] = {"Operand": list(more)}
    return part


def filter_definition(
    key: str, data_filter: dict[str, Any] | None, *, source: str | None = SOURCE, **extra: Any
) -> dict[str, Any]:
    value: dict[str, Any] = {"@type": "FilterDefinition", "CustomerKey": key, "Name": extra.pop("Name", key)}
    value.update(extra)
    if source is not None:
        value["DataSource"] = {"@type": "DataExtension", "CustomerKey": source}
    value["DataFilter"] = data_filter
    return value


CITY_IS_SEATTLE = compare("City", "equals", "Seattle")


@pytest.fixture
def source(client: Client) -> Client:
    reply = client.create(
        data_extension(
            SOURCE,
            field("SubscriberKey", IsPrimaryKey=True, IsRequired=True),
            field("City"),
            field("Age", "Number"),
            field("Balance", "Decimal", Precision=10, Scale=2),
            field("LastOpen", "Date"),
            field("OptIn", "Boolean"),
            field("Email", "EmailAddress"),
        )
    )
    assert reply.only().ok, reply.only()
    return client


def one(client: Client, key: str) -> dict[str, Any]:
    reply = client.retrieve("FilterDefinition", PROPERTIES, simple("CustomerKey", "equals", key))
    (item,) = reply.objects()
    return item


def error_of(reply: Any) -> tuple[int | None, str]:
    result = reply.only()
    assert not result.ok
    return result.code, result.message


# -- Create ------------------------------------------------------------------------------------------------


def test_create_answers_the_new_object_id_and_retrieve_returns_the_filter_as_sent(source: Client) -> None:
    data_filter = both(
        "AND",
        CITY_IS_SEATTLE,
        both(
            "OR",
            compare("LastOpen", "isNull"),
            compare("LastOpen", "lessThan", dates=("2024-01-01T00:00:00",)),
        ),
    )
    reply = source.create(filter_definition("not_opened", data_filter, Description="No opens"))
    result = reply.only()
    assert result.ok and result.message == "FilterDefinition created."
    assert result.text("NewID") == "0" and result.text("NewObjectID")

    item = one(source, "not_opened")
    assert item["ObjectID"] == result.text("NewObjectID")
    assert item["Name"] == "not_opened" and item["Description"] == "No opens"
    assert item["CategoryID"] == "5"  # the root Data Filters folder
    assert item["DataSource"]["CustomerKey"] == SOURCE
    data = item["DataFilter"]
    assert data["LogicalOperator"] == "AND"
    assert data["LeftOperand"] == {"Property": "City", "SimpleOperator": "equals", "Value": "Seattle"}
    assert data["RightOperand"]["RightOperand"]["DateValue"] == "2024-01-01T00:00:00"


def test_retrieve_writes_the_xsi_type_of_every_filter_part(source: Client) -> None:
    source.create(filter_definition("f", both("OR", CITY_IS_SEATTLE, compare("Age", "greaterThan", "30"))))
    reply = source.retrieve("FilterDefinition", ["DataFilter"])
    xsi = "{http://www.w3.org/2001/XMLSchema-instance}type"
    data_filter = reply.body.find(".//{*}DataFilter")
    assert data_filter.get(xsi) == "ComplexFilterPart"
    assert data_filter.find("{*}LeftOperand").get(xsi) == "SimpleFilterPart"


def test_additional_operands_are_kept(source: Client) -> None:
    data_filter = both(
        "OR", CITY_IS_SEATTLE, compare("City", "equals", "Tacoma"), compare("Age", "equals", "3")
    )
    assert source.create(filter_definition("f", data_filter)).only().ok
    assert one(source, "f")["DataFilter"]["AdditionalOperands"]["Operand"]["Property"] == "Age"


def test_object_id_on_create_is_373000(source: Client) -> None:
    reply = source.create(
        filter_definition("f", CITY_IS_SEATTLE, ObjectID="5b6f0a38-0c3a-4d7e-9d0e-1f5b2b7b9d11")
    )
    assert error_of(reply) == (373000, "Filter definition create calls cannot specify the ObjectID property")


def test_source_without_key_is_373001_and_unknown_source_is_373002(source: Client) -> None:
    nameless = filter_definition("f", CITY_IS_SEATTLE, source=None)
    nameless["DataSource"] = {"@type": "DataExtension", "Name": "x"}
    assert error_of(source.create(nameless))[0] == 373001
    assert error_of(source.create(filter_definition("g", CITY_IS_SEATTLE, source="nope"))) == (
        373002,
        "The data extension specified as DataSource was not found",
    )


def test_a_filter_without_source_is_refused(source: Client) -> None:
    assert error_of(source.create(filter_definition("f", CITY_IS_SEATTLE, source=None)))[0] == 373001


def test_name_is_required_373003_and_unique_373004(source: Client) -> None:
    assert error_of(source.create(filter_definition("f", CITY_IS_SEATTLE, Name=" ")))[0] == 373003
    assert source.create(filter_definition("f", CITY_IS_SEATTLE, Name="Seattle")).only().ok
    assert error_of(source.create(filter_definition("g", CITY_IS_SEATTLE, Name="SEATTLE")))[0] == 373004


def test_customer_key_is_unique_373005(source: Client) -> None:
    assert source.create(filter_definition("f", CITY_IS_SEATTLE)).only().ok
    assert error_of(source.create(filter_definition("F", CITY_IS_SEATTLE, Name="other")))[0] == 373005


def test_data_filter_is_required_373008(source: Client) -> None:
    assert error_of(source.create(filter_definition("f", None))) == (
        373008,
        "DataFilter is required for Create calls",
    )


def test_unknown_field_is_373011(source: Client) -> None:
    reply = source.create(filter_definition("f", both("AND", CITY_IS_SEATTLE, compare("Cty", "equals", "x"))))
    assert error_of(reply) == (373011, "The property provided could not be found: Cty")


@pytest.mark.parametrize(
    ("prop", "operator"),
    [
        ("OptIn", "notEquals"),
        ("OptIn", "isNull"),
        ("Age", "contains"),
        ("Balance", "beginsWith"),
        ("LastOpen", "greaterThanOrEqual"),
        ("City", "between"),
        ("Email", "isAnniversary"),
    ],
)
def test_operator_must_suit_the_field_type_373010(source: Client, prop: str, operator: str) -> None:
    values = ("1", "2") if operator == "between" else ("1",)
    code, message = error_of(source.create(filter_definition("f", compare(prop, operator, *values))))
    assert code == 373010
    assert message.startswith(f"The type for field {prop} (") and message.endswith(f": {operator}")


@pytest.mark.parametrize(
    ("prop", "operator", "values", "dates"),
    [
        ("City", "equals", ("a", "b"), ()),
        ("Age", "between", ("1",), ()),
        ("Age", "IN", (), ()),
        ("Age", "equals", ("1.5",), ()),
        ("Balance", "equals", ("1,5",), ()),
        ("OptIn", "equals", ("yes",), ()),
        ("LastOpen", "equals", ("2024-01-01",), ()),
        ("LastOpen", "equals", (), ("2024-01-01T10:30:00",)),
        ("City", "equals", (), ("2024-01-01T00:00:00",)),
    ],
)
def test_values_must_fit_the_operator_and_the_field_373009(
    source: Client, prop: str, operator: str, values: tuple[str, ...], dates: tuple[str, ...]
) -> None:
    reply = source.create(filter_definition("f", compare(prop, operator, *values, dates=dates)))
    code, message = error_of(reply)
    assert code == 373009
    assert message.startswith("The DataFilter that was provided is invalid: ")


def test_values_that_fit_are_accepted(source: Client) -> None:
    data_filter = both(
        "AND",
        compare("Age", "between", "18", "30"),
        compare("Balance", "greaterThan", "-10.5"),
        compare("OptIn", "equals", "True"),
        compare("City", "IN", "Seattle", "Tacoma"),
        compare("LastOpen", "isAnniversary", dates=("2020-05-01",)),
        compare("Email", "isNull", "ignored"),
    )
    result = source.create(filter_definition("f", data_filter)).only()
    assert result.ok, result


def test_complex_part_needs_a_left_operand_373009(source: Client) -> None:
    part = {"@type": "ComplexFilterPart", "LogicalOperator": "AND", "RightOperand": CITY_IS_SEATTLE}
    assert error_of(source.create(filter_definition("f", part)))[0] == 373009


def test_other_filter_parts_are_373012(source: Client) -> None:
    reply = source.create(filter_definition("f", {"@type": "FilterPart"}))
    assert error_of(reply)[0] == 373012


def test_unknown_operator_cannot_be_read(source: Client) -> None:
    body = filter_definition("f", compare("City", "equalz", "x"))
    response = source.post(
        "Create",
        '<CreateRequest xmlns="http://exacttarget.com/wsdl/partnerAPI"><Options/>'
        + to_xml("Objects", body)
        + "</CreateRequest>",
    )
    assert response.status_code == 500
    assert "'equalz' is not a valid value for SimpleOperators" in response.text


def test_category_must_be_a_data_filter_folder(source: Client) -> None:
    reply = source.create(filter_definition("f", CITY_IS_SEATTLE, CategoryID=2))
    assert error_of(reply)[0] == 373010
    sub = source.create(folder("Engagement", 5, "filterdefinition")).only()
    created = source.create(filter_definition("g", CITY_IS_SEATTLE, CategoryID=int(sub.text("NewID") or 0)))
    assert created.only().ok


# -- Update ------------------------------------------------------------------------------------------------


def test_update_by_key_changes_name_and_filter_and_needs_both_source_and_filter(source: Client) -> None:
    assert source.create(filter_definition("f", CITY_IS_SEATTLE)).only().ok
    updated = source.update(
        filter_definition("f", compare("City", "equals", "Tacoma"), Name="Tacoma", Description="d")
    )
    assert updated.only().ok and updated.only().message == "FilterDefinition updated."
    item = one(source, "f")
    assert (item["Name"], item["Description"]) == ("Tacoma", "d")
    assert item["DataFilter"]["Value"] == "Tacoma"

    assert error_of(source.update(filter_definition("f", None)))[0] == 373008
    assert error_of(source.update(filter_definition("f", CITY_IS_SEATTLE, source=None)))[0] == 373001


def test_update_without_key_is_373006_and_unknown_is_373007(source: Client) -> None:
    keyless = filter_definition("f", CITY_IS_SEATTLE)
    del keyless["CustomerKey"]
    assert error_of(source.update(keyless))[0] == 373006
    assert error_of(source.update(filter_definition("nope", CITY_IS_SEATTLE)))[0] == 373007


def test_update_checks_the_filter_and_the_name(source: Client) -> None:
    created = source.create(filter_definition("f", CITY_IS_SEATTLE), filter_definition("g", CITY_IS_SEATTLE))
    assert all(result.ok for result in created.results)
    assert error_of(source.update(filter_definition("f", compare("Nope", "equals", "x"))))[0] == 373011
    assert error_of(source.update(filter_definition("f", CITY_IS_SEATTLE, Name="G")))[0] == 373004


def test_source_cannot_change_in_an_update(source: Client) -> None:
    assert source.create(data_extension("other", field("City"))).only().ok
    assert source.create(filter_definition("f", CITY_IS_SEATTLE)).only().ok
    code, message = error_of(source.update(filter_definition("f", CITY_IS_SEATTLE, source="other")))
    assert code == 373010 and "changing the DataSource" in message


# -- Delete ------------------------------------------------------------------------------------------------


def test_delete_by_key_or_object_id(source: Client) -> None:
    created = source.create(filter_definition("f", CITY_IS_SEATTLE), filter_definition("g", CITY_IS_SEATTLE))
    object_id = created.results[1].text("NewObjectID")
    assert source.delete({"@type": "FilterDefinition", "CustomerKey": "f"}).only().message == (
        "FilterDefinition deleted."
    )
    assert source.delete({"@type": "FilterDefinition", "ObjectID": object_id}).only().ok
    assert source.retrieve("FilterDefinition", ["CustomerKey"]).objects() == []
    assert error_of(source.delete({"@type": "FilterDefinition", "CustomerKey": "f"}))[0] == 373007
    assert error_of(source.delete({"@type": "FilterDefinition", "Name": "x"}))[0] == 373006
