"""QueryDefinition Create/Retrieve/Update/Delete rules."""

from __future__ import annotations

from typing import Any

import pytest

from tests.emulator.conftest import Client, data_extension, field, folder, simple

PROPERTIES = [
    "ObjectID", "CustomerKey", "Name", "Description", "QueryText", "TargetType",
    "DataExtensionTarget.CustomerKey", "DataExtensionTarget.Name", "TargetUpdateType", "Status", "CategoryID",
]  # fmt: skip
ACTIVE = {
    "@type": "ComplexFilterPart",
    "LeftOperand": simple("CustomerKey", "equals", "q"),
    "LogicalOperator": "AND",
    "RightOperand": simple("Status", "equals", "Active"),
}


def query(key: str = "q", **extra: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "@type": "QueryDefinition",
        "CustomerKey": key,
        "Name": f"Query {key}",
        "QueryText": "SELECT Id, Email FROM customers",
        "TargetType": "DE",
        "DataExtensionTarget": {"CustomerKey": "segment", "Name": "Segment"},
        "TargetUpdateType": "Overwrite",
    }
    values.update(extra)
    return {name: value for name, value in values.items() if value is not None}


@pytest.fixture
def account(client: Client) -> Client:
    segment = data_extension("segment", field("Id", IsPrimaryKey=True, IsRequired=True), name="Segment")
    log = data_extension("log", field("Id"), name="Log")
    customers = data_extension("customers_key", field("Id"), field("Email"), name="Customers")
    assert client.create(segment, log, customers).overall == "OK"
    return client


def read(client: Client, filter: dict[str, Any] | None = ACTIVE) -> list[dict[str, Any]]:
    return client.retrieve("QueryDefinition", PROPERTIES, filter).objects()


def test_create_in_the_query_root_and_retrieve_by_key_and_status(account: Client) -> None:
    result = account.create(query()).only()
    assert result.ok and result.message == "QueryDefinition created."
    assert result.text("NewID") == "0" and result.text("NewObjectID")
    (item,) = read(account)
    assert item["ObjectID"] == result.text("NewObjectID")
    assert item["DataExtensionTarget"]["CustomerKey"] == "segment"
    assert item["DataExtensionTarget"]["Name"] == "Segment"
    assert (item["TargetType"], item["TargetUpdateType"], item["Status"]) == ("DE", "Overwrite", "Active")
    root = account.retrieve("DataFolder", ["ID"], simple("CustomerKey", "equals", "queryactivity_default"))
    assert item["CategoryID"] == root.objects()[0]["ID"]


def test_create_in_a_query_folder_only(account: Client) -> None:
    made = account.create(folder("Segments", parent_id=4, content_type="queryactivity")).only()
    assert account.create(query(CategoryID=made.text("NewID"))).only().ok
    refused = account.create(query("q2", CategoryID=2)).only()
    assert (refused.ok, refused.code) == (False, 2)
    assert "not a query folder" in refused.message


def test_duplicate_key_among_active_queries_is_code_1(account: Client) -> None:
    assert account.create(query()).only().ok
    result = account.create(query("Q")).only()
    assert (result.ok, result.code) == (False, 1)


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"Name": ""}, "Name is required"),
        ({"QueryText": "  "}, "QueryText is required"),
        ({"QueryText": "DELETE FROM customers"}, "SELECT"),
        ({"TargetType": None}, "TargetType"),
        ({"DataExtensionTarget": None}, "DataExtensionTarget"),
        ({"DataExtensionTarget": {"CustomerKey": "missing", "Name": "Missing"}}, "does not exist"),
        ({"DataExtensionTarget": {"CustomerKey": "segment", "Name": "Log"}}, "is not the name"),
        ({"TargetUpdateType": "Upsert"}, "TargetUpdateType must be"),
    ],
)
def test_invalid_queries_are_refused(account: Client, change: dict[str, Any], words: str) -> None:
    result = account.create(query(**change)).only()
    assert (result.ok, result.code) == (False, 2), result
    assert words in result.message


def test_update_type_update_needs_a_target_with_a_primary_key(account: Client) -> None:
    assert account.create(query(TargetUpdateType="Update")).only().ok
    log = {"CustomerKey": "log", "Name": "Log"}
    refused = account.create(query("q2", TargetUpdateType="update", DataExtensionTarget=log)).only()
    assert (refused.ok, refused.code) == (False, 2)
    assert "primary key" in refused.message
    assert account.create(query("q3", TargetUpdateType="Append", DataExtensionTarget=log)).only().ok
    switched = account.update({"@type": "QueryDefinition", "CustomerKey": "q3", "TargetUpdateType": "Update"})
    assert (switched.only().ok, switched.only().code) == (False, 2)


def test_update_by_object_id_changes_only_what_is_sent(account: Client) -> None:
    object_id = account.create(query(Description="weekly")).only().text("NewObjectID")
    result = account.update(
        {"@type": "QueryDefinition", "ObjectID": object_id, "QueryText": "SELECT Id FROM customers"}
    ).only()
    assert result.ok and result.message == "QueryDefinition updated."
    (item,) = read(account)
    assert (item["QueryText"], item["Description"]) == ("SELECT Id FROM customers", "weekly")


def test_update_and_delete_of_a_missing_query_are_code_3(account: Client) -> None:
    for reply in (
        account.update({"@type": "QueryDefinition", "CustomerKey": "nope", "Name": "x"}),
        account.delete({"@type": "QueryDefinition", "CustomerKey": "nope"}),
    ):
        result = reply.only()
        assert (result.ok, result.code) == (False, 3)


def test_deleted_query_stays_retrievable_as_inactive_and_frees_its_key(account: Client) -> None:
    object_id = account.create(query()).only().text("NewObjectID")
    deleted = account.delete({"@type": "QueryDefinition", "ObjectID": object_id}).only()
    assert deleted.ok and deleted.message == "QueryDefinition deleted."
    assert read(account) == []
    (left,) = read(account, simple("CustomerKey", "equals", "q"))
    assert left["Status"] == "Inactive"
    assert account.create(query()).only().ok
    assert len(read(account)) == 1
    again = account.delete({"@type": "QueryDefinition", "ObjectID": object_id}).only()
    assert (again.ok, again.code) == (False, 3)


def test_a_folder_holding_an_active_query_cannot_be_deleted(account: Client) -> None:
    holder = int(
        account.create(folder("Segments", parent_id=4, content_type="queryactivity")).only().text("NewID")
    )
    assert account.create(query("q", CategoryID=holder)).only().ok
    assert account.delete({"@type": "DataFolder", "ID": holder}).only().code == 396001
    assert account.delete({"@type": "QueryDefinition", "CustomerKey": "q"}).only().ok
    assert account.delete({"@type": "DataFolder", "ID": holder}).only().ok


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("SELECT Id FROM Clients", "Invalid object name 'Clients'."),
        ("SELECT Id FROM customers_key", "Invalid object name 'customers_key'."),  # a key is not a name
        ("SELECT c.Mail FROM Customers c", "Invalid column name 'Mail'."),
        ("SELECT Mail FROM Customers", "Invalid column name 'Mail'."),
        ("SELECT Id FROM Customers WHERE", "Incorrect syntax near 'WHERE'."),
        ("SELECT Id FROM Customers; SELECT Id FROM Log", "Only one SELECT statement is supported."),
    ],
)
def test_sql_that_does_not_compile_is_refused_on_save(account: Client, text: str, error: str) -> None:
    result = account.create(query(QueryText=text))
    assert result.overall == "Error"
    assert result.results[0].text("StatusMessage") == (
        "An error occurred while checking the query syntax. Errors: " + error
    )
    assert read(account) == []


def test_sql_that_compiles_is_saved_and_an_update_is_compiled_too(account: Client) -> None:
    text = (
        "SELECT c.Id FROM Customers c JOIN _Sent s ON s.SubscriberKey = c.Id "
        "WHERE EXISTS (SELECT 1 FROM Log l WHERE l.Id = c.Id)"
    )
    assert account.create(query(QueryText=text)).overall == "OK"
    object_id = read(account)[0]["ObjectID"]
    update = account.update(
        {"@type": "QueryDefinition", "ObjectID": object_id, "QueryText": "SELECT Nope FROM Log"}
    )
    assert update.overall == "Error"
    assert read(account)[0]["QueryText"] == text
