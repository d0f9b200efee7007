"""Retrieve: property checks, projection, filters and paging."""

from __future__ import annotations

from typing import Any

from tests.emulator.conftest import Client, data_extension, field, folder, simple


def complex_filter(
    left: dict[str, Any], operator: str, right: dict[str, Any], *more: dict[str, Any]
) -> dict[str, Any]:
    value: dict[str, Any] = {
        "@type": "ComplexFilterPart",
        "LeftOperand": left,
        "LogicalOperator": operator,
        "RightOperand": right,
    }
    if more:
        value["AdditionalOperands"] = {"Operand": list(more)}
    return value


def keys(client: Client, filter: dict[str, Any] | None, object_type: str = "DataExtension") -> list[str]:
    reply = client.retrieve(object_type, ["CustomerKey"], filter)
    assert reply.overall == "OK", reply.overall
    return sorted(item["CustomerKey"] for item in reply.objects())


def test_unknown_and_unretrievable_properties(client: Client) -> None:
    client.create(data_extension("k1"))
    reply = client.retrieve("DataExtension", ["Name", "Fields", "Bogus"])
    assert reply.overall == (
        "Error: The Request Property(s) Fields, Bogus do not match with the fields of DataExtension retrieve"
    )
    assert reply.results == [] and reply.request_id
    for name in ("ID", "SendableDataExtensionField"):
        assert client.retrieve("DataExtension", [name]).overall.startswith("Error: The Request Property(s)")
    assert client.retrieve("DataExtensionField", ["DataExtension"]).overall.startswith("Error:")


def test_unknown_object_type(client: Client) -> None:
    reply = client.retrieve("dataextension", ["Name"])
    assert reply.overall == (
        "Error: Unable to find a handler for object type: dataextension. "
        "Object types are case-sensitive, check spelling."
    )


def test_projection_returns_only_requested_properties_with_values(client: Client) -> None:
    client.create(data_extension("k1", Description="about"))
    (item,) = client.retrieve("DataExtension", ["Name", "DataRetentionPeriodLength", "Client.ID"]).objects()
    assert item == {
        "Client": {"ID": item["Client"]["ID"]},
        "PartnerKey": None,
        "ObjectID": None,
        "Name": "k1",
    }


def test_empty_result_is_ok_without_results(client: Client) -> None:
    reply = client.retrieve("DataExtension", ["Name"], simple("CustomerKey", "equals", "none"))
    assert (reply.overall, reply.results) == ("OK", [])
    assert reply.request_id


def test_simple_operators(client: Client) -> None:
    client.create(
        data_extension("alpha", Description="first one"),
        data_extension("beta", Description="second"),
        data_extension("gamma", Description="third one"),
    )
    assert keys(client, simple("CustomerKey", "equals", "ALPHA")) == ["alpha"]
    assert keys(client, simple("CustomerKey", "notEquals", "alpha")) == ["beta", "gamma"]
    assert keys(client, simple("CustomerKey", "IN", "alpha", "gamma")) == ["alpha", "gamma"]
    assert keys(client, simple("Name", "like", "%ta")) == ["beta"]
    assert keys(client, simple("Name", "like", "_amm_")) == ["gamma"]
    assert keys(client, simple("Name", "beginsWith", "al")) == ["alpha"]
    assert keys(client, simple("Name", "endsWith", "MA")) == ["gamma"]
    assert keys(client, simple("Description", "contains", "one")) == ["alpha", "gamma"]
    assert keys(client, simple("Description", "notContains", "one")) == ["beta"]
    assert keys(client, simple("Name", "greaterThan", "beta")) == ["gamma"]
    assert keys(client, simple("Name", "lessThanOrEqual", "beta")) == ["alpha", "beta"]
    assert keys(client, simple("Name", "between", "b", "c")) == ["beta"]
    assert keys(client, simple("CategoryID", "equals", 2)) == ["alpha", "beta", "gamma"]
    assert keys(client, simple("CategoryID", "greaterThanOrEqual", 3)) == []
    assert keys(client, simple("IsSendable", "equals", "false")) == ["alpha", "beta", "gamma"]
    assert keys(client, simple("Description", "isNotNull")) == ["alpha", "beta", "gamma"]
    created = client.retrieve("DataExtension", ["CreatedDate"]).objects()[0]["CreatedDate"]
    assert len(keys(client, simple("CreatedDate", "lessThanOrEqual", created))) >= 1
    assert keys(client, simple("CreatedDate", "greaterThan", "2999-01-01T00:00:00")) == []


def test_complex_filters(client: Client) -> None:
    client.create(*(data_extension(key) for key in ("a", "b", "c", "d")))
    either = complex_filter(simple("CustomerKey", "equals", "a"), "OR", simple("CustomerKey", "equals", "b"))
    assert keys(client, either) == ["a", "b"]
    both = complex_filter(simple("CustomerKey", "IN", "a", "b", "c"), "AND", simple("Name", "notEquals", "b"))
    assert keys(client, both) == ["a", "c"]
    nested = complex_filter(either, "OR", simple("CustomerKey", "equals", "d"))
    assert keys(client, nested) == ["a", "b", "d"]
    additional = complex_filter(
        simple("CustomerKey", "equals", "a"),
        "OR",
        simple("CustomerKey", "equals", "b"),
        simple("Name", "equals", "c"),
    )
    assert keys(client, additional) == ["a", "b", "c"]


def test_filter_errors(client: Client) -> None:
    reply = client.retrieve("DataExtension", ["Name"], simple("Client.ID", "equals", 1))
    assert reply.overall == "Error: Filter Property 'Client.ID' is not a retrievable property"
    bad_value = client.retrieve("DataExtension", ["Name"], simple("CategoryID", "equals", "two"))
    assert bad_value.overall.startswith("Error: The value 'two'")
    bad_operator = client.post("Retrieve", _retrieve_body(simple("Name", "sameAs", "x")))
    assert bad_operator.status_code == 500
    assert "is not a valid value for SimpleOperators" in bad_operator.text


def _retrieve_body(filter: dict[str, Any]) -> str:
    from tests.emulator.conftest import TNS, to_xml

    request = to_xml(
        "RetrieveRequest", {"ObjectType": "DataExtension", "Properties": ["Name"], "Filter": filter}
    )
    return f'<RetrieveRequestMsg xmlns="{TNS}">{request}</RetrieveRequestMsg>'


def test_field_filters(client: Client) -> None:
    client.create(data_extension("k1", field("Email"), field("Other")), data_extension("k2", field("email")))
    reply = client.retrieve(
        "DataExtensionField", ["Name", "DataExtension.CustomerKey"], simple("Name", "equals", "EMAIL")
    )
    assert sorted(item["DataExtension"]["CustomerKey"] for item in reply.objects()) == ["k1", "k2"]
    by_key = client.retrieve("DataExtensionField", ["Name"], simple("CustomerKey", "equals", "[k1].[Other]"))
    assert [item["Name"] for item in by_key.objects()] == ["Other"]
    either = complex_filter(
        simple("DataExtension.CustomerKey", "equals", "k1"),
        "OR",
        simple("DataExtension.CustomerKey", "equals", "k2"),
    )
    assert len(client.retrieve("DataExtensionField", ["Name"], either).objects()) == 3
    assert client.retrieve(
        "DataExtensionField", ["Name"], simple("DataExtension.CustomerKey", "IN", "k2")
    ).objects()


def test_folder_filters(client: Client) -> None:
    parent = int(client.create(folder("Parent", CustomerKey="pk")).only().text("NewID") or 0)
    client.create(
        folder("Child", parent_id=parent), folder("Query", parent_id=4, content_type="queryactivity")
    )
    by_parent = client.retrieve("DataFolder", ["Name"], simple("ParentFolder.ID", "equals", parent)).objects()
    assert [item["Name"] for item in by_parent] == ["Child"]
    name_and_parent = complex_filter(
        simple("Name", "equals", "child"), "AND", simple("ParentFolder.ID", "equals", parent)
    )
    assert len(client.retrieve("DataFolder", ["ID"], name_and_parent).objects()) == 1
    by_type = client.retrieve(
        "DataFolder", ["Name"], simple("ContentType", "IN", "queryactivity", "Hidden")
    ).objects()
    assert sorted(item["Name"] for item in by_type) == ["Hidden", "Query", "Query"]
    assert [
        item["ID"] for item in client.retrieve("DataFolder", ["ID"], simple("ID", "IN", parent)).objects()
    ] == [str(parent)]
    assert len(client.retrieve("DataFolder", ["ID"], simple("CustomerKey", "equals", "PK")).objects()) == 1


def test_fields_are_not_returned_in_ordinal_order(client: Client) -> None:
    client.create(data_extension("k1", *(field(f"F{index:02d}") for index in range(30))))
    reply = client.retrieve(
        "DataExtensionField", ["ObjectID", "Ordinal"], simple("DataExtension.CustomerKey", "equals", "k1")
    )
    items = reply.objects()
    ordinals = [int(item["Ordinal"]) for item in items]
    assert sorted(ordinals) == list(range(30)) and ordinals != list(range(30))
    assert [item["ObjectID"] for item in items] == sorted(item["ObjectID"] for item in items)


def _bulk_fields(client: Client, data_extensions: int, per: int) -> None:
    for start in range(0, data_extensions, 10):
        batch = [
            data_extension(f"bulk{index:03d}", *(field(f"F{number}") for number in range(per)))
            for index in range(start, min(start + 10, data_extensions))
        ]
        assert client.create(*batch).overall == "OK"


def test_paging_with_continue_request(client: Client) -> None:
    _bulk_fields(client, 11, 500)
    first = client.retrieve("DataExtensionField", ["ObjectID", "Name"])
    assert first.overall == "MoreDataAvailable" and len(first.results) == 2500
    second = client.retrieve(None, continue_request=first.request_id)
    assert second.overall == "MoreDataAvailable" and len(second.results) == 2500
    assert second.request_id == first.request_id
    third = client.retrieve("", continue_request=first.request_id)
    assert third.overall == "OK" and len(third.results) == 500
    seen = [item["ObjectID"] for reply in (first, second, third) for item in reply.objects()]
    assert len(set(seen)) == 5500
    assert client.retrieve(None, continue_request=first.request_id).overall.startswith("Error:")


def test_batch_size_lowers_the_page(client: Client) -> None:
    _bulk_fields(client, 1, 25)
    first = client.retrieve("DataExtensionField", ["Name"], batch_size=10)
    assert (first.overall, len(first.results)) == ("MoreDataAvailable", 10)
    second = client.retrieve(None, continue_request=first.request_id)
    third = client.retrieve(None, continue_request=first.request_id)
    assert (second.overall, len(second.results), third.overall, len(third.results)) == (
        "MoreDataAvailable",
        10,
        "OK",
        5,
    )
    big = client.retrieve("DataExtensionField", ["Name"], batch_size=5000)
    assert (big.overall, len(big.results)) == ("OK", 25)


def test_paging_folders_and_data_extensions(client: Client) -> None:
    client.create(*(data_extension(f"de{index}") for index in range(7)))
    first = client.retrieve("DataExtension", ["CustomerKey"], batch_size=3)
    pages = [first]
    while pages[-1].overall == "MoreDataAvailable":
        pages.append(client.retrieve(None, continue_request=first.request_id))
    assert [len(page.results) for page in pages] == [3, 3, 1]


def test_retrieving_25000_fields_pages_them_all(client: Client) -> None:
    _bulk_fields(client, 50, 500)
    reply = client.retrieve(
        "DataExtensionField", ["ObjectID", "Name", "Ordinal", "DataExtension.CustomerKey"]
    )
    pages = [len(reply.results)]
    while reply.overall == "MoreDataAvailable":
        reply = client.retrieve(None, continue_request=reply.request_id)
        pages.append(len(reply.results))
    assert pages == [2500] * 10
