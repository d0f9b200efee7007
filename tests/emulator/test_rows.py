"""Rows of data extensions: DataExtensionObject Create/Update/Delete and Retrieve DataExtensionObject[key]."""

from __future__ import annotations

from typing import Any

from tests.emulator.conftest import Client, data_extension, field, simple

UPSERT = {"SaveOptions": {"SaveOption": [{"PropertyName": "*", "SaveAction": "UpdateAdd"}]}}


def row(de_key: str, **values: Any) -> dict[str, Any]:
    return {
        "@type": "DataExtensionObject",
        "CustomerKey": de_key,
        "Properties": {"Property": [{"Name": name, "Value": value} for name, value in values.items()]},
    }


def rows_of(client: Client, de_key: str, *names: str, **options: Any) -> list[dict[str, str]]:
    reply = client.retrieve(f"DataExtensionObject[{de_key}]", list(names), **options)
    assert reply.overall == "OK", reply.overall
    return [_values(item) for item in reply.objects()]


def _values(item: dict[str, Any]) -> dict[str, str]:
    properties = item["Properties"]["Property"]
    if isinstance(properties, dict):
        properties = [properties]
    return {prop["Name"]: prop["Value"] for prop in properties}


def make_people(client: Client) -> None:
    reply = client.create(
        data_extension(
            "people",
            field("Id", "Text", IsPrimaryKey=True, MaxLength=10),
            field("Name", "Text", IsRequired=True),
            field("Age", "Number"),
            field("Active", "Boolean", DefaultValue="true"),
            field("Seen", "Date"),
        )
    )
    assert reply.only().ok


# -- Create ------------------------------------------------------------------------------------------------


def test_create_and_retrieve_rows(client: Client) -> None:
    make_people(client)
    reply = client.create(row("people", Id="a1", Name="Ann", Age="41"), row("people", Id="b2", Name="Bob"))
    assert [r.ok for r in reply.results] == [True, True]
    assert reply.results[0].message == "Created DataExtensionObject"
    assert reply.overall == "OK"
    assert rows_of(client, "people", "Id", "Name", "Age", "Active") == [
        {"Id": "a1", "Name": "Ann", "Age": "41", "Active": "True"},
        {"Id": "b2", "Name": "Bob", "Age": "", "Active": "True"},
    ]


def test_values_are_answered_in_the_service_formats(client: Client) -> None:
    make_people(client)
    client.create(row("people", Id="a1", Name="Ann", Active="0", Seen="2024-05-09T14:03:07"))
    assert rows_of(client, "people", "Active", "Seen") == [{"Active": "False", "Seen": "5/9/2024 2:03:07 PM"}]


def test_duplicate_primary_key_is_refused_regardless_of_case(client: Client) -> None:
    make_people(client)
    client.create(row("people", Id="a1", Name="Ann"))
    reply = client.create(row("people", Id="A1", Name="Other"), row("people", Id="c3", Name="Cid"))
    duplicate, fresh = reply.results
    assert (duplicate.ok, duplicate.code) == (False, 71005)
    assert "PRIMARY KEY" in duplicate.message and "Id=A1" in duplicate.message
    assert fresh.ok and reply.overall == "Has Errors"
    assert [r["Name"] for r in rows_of(client, "people", "Name")] == ["Ann", "Cid"]


def test_required_fields_need_a_value(client: Client) -> None:
    make_people(client)
    result = client.create(row("people", Id="a1")).only()
    assert (result.ok, result.code) == (False, 71003)
    assert "Name" in result.message
    empty = client.create(row("people", Id="a1", Name="")).only()
    assert empty.code == 71003


def test_fields_must_exist_and_appear_once(client: Client) -> None:
    make_people(client)
    unknown = client.create(row("people", Id="a1", Name="Ann", Nickname="A")).only()
    assert (unknown.code, "Nickname" in unknown.message) == (70000, True)
    twice = client.create(
        {
            "@type": "DataExtensionObject",
            "CustomerKey": "people",
            "Properties": {
                "Property": [
                    {"Name": "Id", "Value": "a1"},
                    {"Name": "Name", "Value": "Ann"},
                    {"Name": "name", "Value": "Again"},
                ]
            },
        }
    ).only()
    assert twice.code == 71004


def test_values_are_checked_against_type_and_length(client: Client) -> None:
    make_people(client)
    assert client.create(row("people", Id="x" * 11, Name="Long")).only().code == 70002
    assert client.create(row("people", Id="a1", Name="Ann", Age="old")).only().code == 70000
    assert client.create(row("people", Id="a1", Name="Ann", Active="maybe")).only().code == 70000
    assert client.create(row("people", Id="a1", Name="Ann", Seen="someday")).only().code == 70000


def test_unknown_data_extension(client: Client) -> None:
    result = client.create(row("nope", Id="a1")).only()
    assert (result.ok, result.code) == (False, 70003)
    missing_key = client.create({"@type": "DataExtensionObject", "Properties": {"Property": []}}).only()
    assert missing_key.code == 70003


# -- Update ------------------------------------------------------------------------------------------------


def test_update_matches_the_row_by_primary_key(client: Client) -> None:
    make_people(client)
    client.create(row("people", Id="a1", Name="Ann", Age="41"), row("people", Id="b2", Name="Bob"))
    result = client.update(row("people", Id="a1", Age="42")).only()
    assert result.ok and result.message == "Updated DataExtensionObject"
    assert rows_of(client, "people", "Id", "Name", "Age") == [
        {"Id": "a1", "Name": "Ann", "Age": "42"},
        {"Id": "b2", "Name": "Bob", "Age": ""},
    ]


def test_update_of_a_missing_row_fails_without_upsert(client: Client) -> None:
    make_people(client)
    result = client.update(row("people", Id="z9", Name="Zed")).only()
    assert (result.ok, result.code) == (False, 3)
    assert rows_of(client, "people", "Id") == []


def test_update_add_inserts_missing_rows_and_updates_existing_ones(client: Client) -> None:
    make_people(client)
    client.create(row("people", Id="a1", Name="Ann"))
    reply = client.update(
        row("people", Id="a1", Name="Anna"), row("people", Id="b2", Name="Bob"), options=UPSERT
    )
    assert [r.ok for r in reply.results] == [True, True]
    assert rows_of(client, "people", "Id", "Name") == [
        {"Id": "a1", "Name": "Anna"},
        {"Id": "b2", "Name": "Bob"},
    ]


def test_update_add_for_the_type_by_name(client: Client) -> None:
    make_people(client)
    options = {
        "SaveOptions": {"SaveOption": {"PropertyName": "DataExtensionObject", "SaveAction": "UpdateAdd"}}
    }
    assert client.update(row("people", Id="b2", Name="Bob"), options=options).only().ok
    assert rows_of(client, "people", "Id") == [{"Id": "b2"}]


def test_upserted_row_still_needs_required_fields(client: Client) -> None:
    make_people(client)
    result = client.update(row("people", Id="b2"), options=UPSERT).only()
    assert result.code == 71003


def test_update_needs_the_primary_key(client: Client) -> None:
    make_people(client)
    client.create(row("people", Id="a1", Name="Ann"))
    result = client.update(row("people", Name="Who")).only()
    assert (result.code, "Id" in result.message) == (71005, True)
    client.create(data_extension("log", field("Line")))
    client.create(row("log", Line="one"))
    no_key = client.update(row("log", Line="two")).only()
    assert (no_key.code, "no primary key" in no_key.message) == (71005, True)


# -- Delete ------------------------------------------------------------------------------------------------


def test_delete_by_primary_key_in_keys_or_properties(client: Client) -> None:
    make_people(client)
    client.create(row("people", Id="a1", Name="Ann"), row("people", Id="b2", Name="Bob"))
    by_keys = {
        "@type": "DataExtensionObject",
        "CustomerKey": "people",
        "Keys": {"Key": [{"Name": "Id", "Value": "A1"}]},
    }
    result = client.delete(by_keys).only()
    assert result.ok and result.message == "Deleted DataExtensionObject"
    assert client.delete(row("people", Id="b2")).only().ok
    assert rows_of(client, "people", "Id") == []


def test_delete_of_a_missing_row_succeeds(client: Client) -> None:
    make_people(client)
    assert client.delete(row("people", Id="zz")).only().ok


def test_deleting_the_data_extension_deletes_its_rows(client: Client) -> None:
    make_people(client)
    client.create(row("people", Id="a1", Name="Ann"))
    assert client.delete({"@type": "DataExtension", "CustomerKey": "people"}).only().ok
    make_people(client)
    assert rows_of(client, "people", "Id") == []


# -- Retrieve ----------------------------------------------------------------------------------------------


def test_retrieve_is_paged(client: Client) -> None:
    make_people(client)
    client.create(*(row("people", Id=f"p{n:02}", Name=f"N{n}") for n in range(5)))
    first = client.retrieve("DataExtensionObject[people]", ["Id"], batch_size=2)
    assert first.overall == "MoreDataAvailable"
    ids = [_values(item)["Id"] for item in first.objects()]
    status = first.overall
    while status == "MoreDataAvailable":
        page = client.retrieve(None, continue_request=first.request_id)
        ids += [_values(item)["Id"] for item in page.objects()]
        status = page.overall
    assert ids == [f"p{n:02}" for n in range(5)]


def test_retrieve_filters_on_fields(client: Client) -> None:
    make_people(client)
    client.create(row("people", Id="a1", Name="Ann"), row("people", Id="b2", Name="Bob"))
    reply = client.retrieve("DataExtensionObject[people]", ["Id"], simple("Name", "equals", "bob"))
    assert [_values(item) for item in reply.objects()] == [{"Id": "b2"}]


def test_retrieve_results_are_data_extension_objects(client: Client) -> None:
    make_people(client)
    client.create(row("people", Id="a1", Name="Ann"))
    reply = client.retrieve("DataExtensionObject[people]", ["Name"])
    (result,) = reply.body.findall("{http://exacttarget.com/wsdl/partnerAPI}Results")
    assert result.get("{http://www.w3.org/2001/XMLSchema-instance}type") == "DataExtensionObject"


def test_retrieve_refuses_unknown_fields_and_data_extensions(client: Client) -> None:
    make_people(client)
    unknown_field = client.retrieve("DataExtensionObject[people]", ["Nickname"])
    assert unknown_field.overall.startswith("Error: The Request Property(s) Nickname do not match")
    unknown_de = client.retrieve("DataExtensionObject[nope]", ["Id"])
    assert unknown_de.overall.startswith("Error: Unable to find a handler for object type")


# -- the rows count for the data extension's own rules ------------------------------------------------


def test_stored_rows_count_as_data_for_field_changes(client: Client) -> None:
    make_people(client)
    empty_ok = client.update(data_extension("people", field("Extra", "Text", IsRequired=True))).only()
    assert empty_ok.ok
    client.create(row("people", Id="a1", Name="Ann", Extra="x"))
    refused = client.update(data_extension("people", field("Another", "Text", IsRequired=True))).only()
    assert (refused.ok, refused.code) == (False, 310007)
