"""DataExtension Create/Update/Delete rules, with the service's error codes and messages."""

from __future__ import annotations

from typing import Any

import pytest

from tests.emulator.conftest import Client, data_extension, field, folder, simple

SENDABLE = {
    "IsSendable": True,
    "SendableDataExtensionField": {"Name": "Id"},
    "SendableSubscriberField": {"Name": "Subscriber Key", "Value": ""},
}


def fields_of(client: Client, key: str) -> dict[str, dict[str, Any]]:
    reply = client.retrieve(
        "DataExtensionField",
        ["ObjectID", "Name", "FieldType", "MaxLength", "Scale", "IsRequired", "IsPrimaryKey", "Ordinal",
         "DefaultValue"],
        simple("DataExtension.CustomerKey", "equals", key),
    )  # fmt: skip
    return {item["Name"]: item for item in reply.objects()}


def de_of(client: Client, key: str, *properties: str) -> dict[str, Any]:
    reply = client.retrieve("DataExtension", list(properties), simple("CustomerKey", "equals", key))
    (item,) = reply.objects()
    return item


# -- Create ------------------------------------------------------------------------------------------------


def test_create_answers_created_with_echo_and_new_object_id(client: Client) -> None:
    reply = client.create(
        data_extension("k1", field("Id", IsPrimaryKey=True), field("Email", "EmailAddress"))
    )
    result = reply.only()
    assert result.ok and result.message == "Data Extension created."
    assert result.text("NewID") == "0"
    new_object_id = result.text("NewObjectID")
    assert new_object_id
    echo = reply.objects()[0]["Object"]
    assert echo["ObjectID"] == new_object_id
    assert echo["PartnerKey"] is None
    assert echo["CustomerKey"] == "k1" and echo["Description"] == "" and echo["RetainUntil"] == ""
    assert echo["IsSendable"] == "false" and echo["RowBasedRetention"] == "false"
    assert echo["CategoryID"] == "2"
    first = echo["Fields"]["Field"][0]
    assert first == {
        "PartnerKey": None,
        "ObjectID": None,
        "Name": "Id",
        "DefaultValue": "",
        "MaxLength": "50",
        "IsRequired": "true",
        "IsPrimaryKey": "true",
        "FieldType": "Text",
    }
    assert reply.overall == "OK"


def test_field_defaults(client: Client) -> None:
    client.create(
        data_extension(
            "k1",
            {"Name": "Untyped"},
            field("Mail", "EmailAddress"),
            field("Count", "Number", MaxLength=10),
            field("When", "Date"),
            field("Flag", "Boolean"),
            field("Tel", "Phone"),
            field("Lang", "Locale"),
            field("Money", "Decimal", Precision=18, Scale=2),
        )
    )
    fields = fields_of(client, "k1")
    assert fields["Untyped"]["FieldType"] == "Text" and fields["Untyped"]["MaxLength"] == "50"
    assert fields["Mail"]["MaxLength"] == "254"
    for name in ("Count", "When", "Flag"):
        assert "MaxLength" not in fields[name]
    assert fields["Tel"]["MaxLength"] == "50"
    assert fields["Lang"]["MaxLength"] == "5"
    assert fields["Money"]["MaxLength"] == "18" and fields["Money"]["Scale"] == "2"
    assert fields["Untyped"]["Scale"] == "0" and fields["Untyped"]["IsRequired"] == "false"
    assert [fields[name]["Ordinal"] for name in ("Untyped", "Mail", "Money")] == ["0", "1", "7"]


def test_precision_is_not_retrievable(client: Client) -> None:
    client.create(data_extension("k1", field("Money", "Decimal", Precision=6, Scale=3)))
    reply = client.retrieve("DataExtensionField", ["Name", "Precision"])
    assert reply.overall == (
        "Error: The Request Property(s) Precision do not match with the fields of DataExtensionField retrieve"
    )
    assert reply.results == []


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ([field("Money", "Decimal", Precision=18)], "requires Precision and Scale"),
        ([field("Money", "Decimal", Scale=2)], "requires Precision and Scale"),
        ([field("T", MaxLength=0)], "between 1 and 4000"),
        ([field("T", MaxLength=4001)], "between 1 and 4000"),
        ([field("T", "Integer")], "FieldType Integer"),
        ([field("Id", IsPrimaryKey=True, IsRequired=False)], "must be required"),
        ([field("Same"), field("same")], "A field named same already exists"),
        ([{"FieldType": "Text"}], "A field requires a Name."),
    ],
)
def test_invalid_fields_are_refused(client: Client, fields: list[dict[str, Any]], message: str) -> None:
    result = client.create(data_extension("k1", *fields)).only()
    assert (result.ok, result.code) == (False, 310007)
    assert message in result.message


def test_text_max_length_4000_is_accepted(client: Client) -> None:
    assert client.create(data_extension("k1", field("T", MaxLength=4000))).only().ok


def test_primary_key_implies_required(client: Client) -> None:
    client.create(data_extension("k1", field("Id", IsPrimaryKey=True)))
    assert fields_of(client, "k1")["Id"]["IsRequired"] == "true"


def test_at_least_one_field(client: Client) -> None:
    item = data_extension("k1")
    item["Fields"] = {"Field": []}
    result = client.create(item).only()
    assert (result.code, result.message) == (310007, "A data extension requires at least one field.")


def test_duplicate_key_name_and_object_id(client: Client) -> None:
    assert client.create(data_extension("k1", name="First")).only().ok
    duplicate_key = client.create(data_extension("K1", name="Other")).only()
    assert (duplicate_key.code, duplicate_key.message) == (
        310003,
        "A data extension with CustomerKey K1 already exists.",
    )
    duplicate_name = client.create(data_extension("k2", name="first")).only()
    assert (duplicate_name.code, duplicate_name.message) == (
        310007,
        "A data extension named first already exists.",
    )
    with_object_id = client.create(data_extension("k3", ObjectID="abc")).only()
    assert with_object_id.code == 310005


def test_customer_key_is_generated_when_omitted(client: Client) -> None:
    item = data_extension("ignored", name="NoKey")
    del item["CustomerKey"]
    reply = client.create(item)
    key = reply.objects()[0]["Object"]["CustomerKey"]
    assert len(key) == 36 and key.count("-") == 4


def test_category_must_be_a_data_extension_folder(client: Client) -> None:
    query_folder = client.create(folder("Q", parent_id=4, content_type="queryactivity")).only().text("NewID")
    for category in (999999, query_folder):
        result = client.create(data_extension("k1", CategoryID=category)).only()
        assert (result.code, result.message) == (
            310007,
            f"CategoryID {category} is not a valid data extension folder.",
        )
    sub = client.create(folder("Sub")).only().text("NewID")
    assert client.create(data_extension("k1", CategoryID=sub)).only().ok
    assert de_of(client, "k1", "CategoryID")["CategoryID"] == sub


def test_sendable_rules(client: Client) -> None:
    ok = client.create(data_extension("s1", field("Id"), **SENDABLE)).only()
    assert ok.ok
    item = de_of(
        client, "s1", "IsSendable", "SendableDataExtensionField.Name", "SendableSubscriberField.Name"
    )
    assert item["SendableDataExtensionField"]["Name"] == "Id"
    assert item["SendableSubscriberField"] == {"Name": "_SubscriberKey"}

    wrong_subscriber = dict(SENDABLE, SendableSubscriberField={"Name": "_SubscriberKey", "Value": ""})
    result = client.create(data_extension("s2", field("Id"), **wrong_subscriber)).only()
    assert result.code == 310007 and "_SubscriberKey is not valid" in result.message

    missing_field = dict(SENDABLE, SendableDataExtensionField={"Name": "Nope"})
    result = client.create(data_extension("s3", field("Id"), **missing_field)).only()
    assert result.code == 310007 and "The sendable field Nope is not a field" in result.message

    email = dict(SENDABLE, SendableSubscriberField={"Name": "Email Address", "Value": ""})
    assert client.create(data_extension("s4", field("Id"), **email)).only().ok

    no_subscriber = {"IsSendable": True, "SendableDataExtensionField": {"Name": "Id"}}
    assert client.create(data_extension("s5", field("Id"), **no_subscriber)).only().code == 310007


def test_retention_rules(client: Client) -> None:
    period = {
        "DataRetentionPeriodLength": 6,
        "DataRetentionPeriodUnitOfMeasure": 5,
        "RowBasedRetention": True,
    }
    assert client.create(data_extension("r1", **period)).only().ok
    item = de_of(
        client, "r1", "DataRetentionPeriodLength", "DataRetentionPeriodUnitOfMeasure", "RowBasedRetention"
    )
    assert item == {
        "PartnerKey": None,
        "ObjectID": None,
        "DataRetentionPeriodLength": "6",
        "DataRetentionPeriodUnitOfMeasure": "5",
        "RowBasedRetention": "true",
    }
    both = client.create(data_extension("r2", RetainUntil="5/9/2030 12:00:00 AM", **period)).only()
    assert both.code == 310007 and "RetainUntil cannot be combined" in both.message
    bad_unit = client.create(
        data_extension("r3", DataRetentionPeriodLength=2, DataRetentionPeriodUnitOfMeasure=7)
    )
    assert bad_unit.only().code == 310007
    assert client.create(data_extension("r4", RetainUntil="2030-05-09")).only().ok
    assert de_of(client, "r4", "RetainUntil")["RetainUntil"] == "5/9/2030 12:00:00 AM"
    enum = client.create(
        data_extension("r5", DataRetentionPeriodLength=2, DataRetentionPeriod="Weeks")
    ).only()
    assert enum.ok
    assert de_of(client, "r5", "DataRetentionPeriodUnitOfMeasure")["DataRetentionPeriodUnitOfMeasure"] == "4"


def test_partial_batch_success(client: Client) -> None:
    reply = client.create(data_extension("a"), data_extension("a"), data_extension("b"))
    assert [result.ok for result in reply.results] == [True, False, True]
    assert [result.text("OrdinalID") for result in reply.results] == ["0", "1", "2"]
    assert reply.results[1].text("NewID") == "0"
    assert reply.overall == "Has Errors"
    assert client.create(data_extension("a"), data_extension("b")).overall == "Error"


def test_unsupported_operations_on_data_extension_field(client: Client) -> None:
    for operation in ("Create", "Update", "Delete"):
        reply = client.write(operation, {"@type": "DataExtensionField", "Name": "x"})
        result = reply.only()
        assert (result.code, result.message) == (
            5,
            f"Cannot perform {operation} on objects of type DataExtensionField",
        )
        assert reply.overall == "Error"


# -- Update ------------------------------------------------------------------------------------------------


def test_update_identification(client: Client) -> None:
    created = client.create(data_extension("k1", name="Name1")).only()
    object_id = created.text("NewObjectID")
    no_key = client.update({"@type": "DataExtension", "Description": "x"}).only()
    assert no_key.code == 310001
    missing = client.update({"@type": "DataExtension", "CustomerKey": "nope", "Description": "x"}).only()
    assert missing.code == 310004
    for identity in ({"CustomerKey": "k1"}, {"ObjectID": object_id}, {"Name": "Name1"}):
        result = client.update({"@type": "DataExtension", **identity, "Description": "changed"})
        assert result.only().message == "Data Extension updated."
    assert de_of(client, "k1", "Description")["Description"] == "changed"


def test_update_echoes_the_object(client: Client) -> None:
    client.create(data_extension("k1", field("A")))
    reply = client.update({"@type": "DataExtension", "CustomerKey": "k1", "Fields": {"Field": [field("B")]}})
    echo = reply.objects()[0]["Object"]
    assert echo["CustomerKey"] == "k1" and echo["Fields"]["Field"]["Name"] == "B"
    assert echo["Fields"]["Field"]["ObjectID"] is None


def test_update_name_description_category_and_modified_date(client: Client) -> None:
    client.create(data_extension("k1", name="One"), data_extension("k2", name="Two"))
    before = de_of(client, "k1", "ModifiedDate")["ModifiedDate"]
    taken = client.update({"@type": "DataExtension", "CustomerKey": "k1", "Name": "two"}).only()
    assert (taken.code, taken.message) == (310007, "A data extension named two already exists.")
    sub = client.create(folder("Sub")).only().text("NewID")
    assert (
        client.update({"@type": "DataExtension", "CustomerKey": "k1", "Name": "Uno", "CategoryID": sub})
        .only()
        .ok
    )
    after = de_of(client, "k1", "Name", "CategoryID", "ModifiedDate")
    assert after["Name"] == "Uno" and after["CategoryID"] == sub
    assert after["ModifiedDate"] > before
    bad = client.update({"@type": "DataExtension", "CustomerKey": "k1", "CategoryID": 4}).only()
    assert bad.code == 310007


def test_customer_key_change_needs_object_id_and_no_field_changes(client: Client) -> None:
    object_id = client.create(data_extension("old")).only().text("NewObjectID")
    client.create(data_extension("other"))
    with_fields = client.update(
        {
            "@type": "DataExtension",
            "ObjectID": object_id,
            "CustomerKey": "new",
            "Fields": {"Field": [field("X")]},
        }
    ).only()
    assert with_fields.code == 310007 and "same update as fields" in with_fields.message
    taken = client.update({"@type": "DataExtension", "ObjectID": object_id, "CustomerKey": "other"}).only()
    assert taken.code == 310007
    assert client.update({"@type": "DataExtension", "ObjectID": object_id, "CustomerKey": "new"}).only().ok
    assert de_of(client, "new", "ObjectID")["ObjectID"] == object_id


def test_update_sendable_and_retention(client: Client) -> None:
    client.create(data_extension("k1", field("Id"), RowBasedRetention=False))
    assert client.update({"@type": "DataExtension", "CustomerKey": "k1", **SENDABLE}).only().ok
    item = de_of(client, "k1", "IsSendable", "SendableDataExtensionField.Name")
    assert item["IsSendable"] == "true" and item["SendableDataExtensionField"]["Name"] == "Id"
    wrong = {
        "@type": "DataExtension",
        "CustomerKey": "k1",
        "SendableSubscriberField": {"Name": "_SubscriberKey"},
    }
    assert client.update(wrong).only().code == 310007
    row_based = client.update(
        {"@type": "DataExtension", "CustomerKey": "k1", "RowBasedRetention": True}
    ).only()
    assert row_based.code == 310007 and "RowBasedRetention cannot be changed" in row_based.message
    unchanged = {"@type": "DataExtension", "CustomerKey": "k1", "RowBasedRetention": False}
    assert client.update(unchanged).only().ok
    period = {
        "DataRetentionPeriodLength": 3,
        "DataRetentionPeriodUnitOfMeasure": 3,
        "DeleteAtEndOfRetentionPeriod": True,
    }
    assert client.update({"@type": "DataExtension", "CustomerKey": "k1", **period}).only().ok
    both = {"@type": "DataExtension", "CustomerKey": "k1", "RetainUntil": "1/1/2031"}
    assert client.update(both).only().code == 310007
    assert client.update({"@type": "DataExtension", "CustomerKey": "k1", "IsSendable": False}).only().ok
    assert "SendableDataExtensionField" not in de_of(client, "k1", "SendableDataExtensionField.Name")


def test_add_fields(client: Client) -> None:
    client.create(data_extension("k1", field("A"), field("B")))
    duplicate = client.update(
        {"@type": "DataExtension", "CustomerKey": "k1", "Fields": {"Field": [field("a")]}}
    )
    assert duplicate.only().code == 310007
    added = client.update(
        {
            "@type": "DataExtension",
            "CustomerKey": "k1",
            "Fields": {"Field": [field("C"), field("D", Ordinal=9)]},
        }
    )
    assert added.only().ok
    fields = fields_of(client, "k1")
    assert (fields["C"]["Ordinal"], fields["D"]["Ordinal"]) == ("10", "9")


def test_adding_fields_to_a_populated_data_extension(client: Client) -> None:
    client.create(data_extension("k1", field("A")))
    client.set_rows("k1", 10)

    def add(*new: dict[str, Any]) -> Any:
        return client.update(
            {"@type": "DataExtension", "CustomerKey": "k1", "Fields": {"Field": list(new)}}
        ).only()

    required = add(field("R", IsRequired=True))
    assert required.code == 310007 and "contains data" in required.message
    primary = add(field("P", IsPrimaryKey=True, DefaultValue="x"))
    assert primary.code == 310007 and "primary key" in primary.message
    assert add(field("R", IsRequired=True, DefaultValue="x")).ok
    assert add(field("N")).ok
    client.set_rows("k1", 0)
    assert add(field("P", IsPrimaryKey=True)).ok


def _field_id(client: Client, key: str, name: str) -> str:
    return str(fields_of(client, key)[name]["ObjectID"])


def _change(client: Client, key: str, **values: Any) -> Any:
    return client.update({"@type": "DataExtension", "CustomerKey": key, "Fields": {"Field": [values]}}).only()


def test_modify_existing_fields(client: Client) -> None:
    client.create(
        data_extension(
            "k1",
            field("T", MaxLength=100),
            field("Opt"),
            field("Req", IsRequired=True),
            field("Money", "Decimal", Precision=10, Scale=2),
        )
    )
    text_id = _field_id(client, "k1", "T")
    type_sent = _change(client, "k1", ObjectID=text_id, FieldType="Text")
    assert type_sent.code == 310007 and "FieldType" in type_sent.message
    shrink = _change(client, "k1", ObjectID=text_id, MaxLength=99)
    assert (shrink.code, shrink.message) == (310007, "The length of an existing field cannot be decreased")
    assert _change(client, "k1", ObjectID=text_id, MaxLength=200, Name="Text2", Ordinal=0).ok
    fields = fields_of(client, "k1")
    assert fields["Text2"]["MaxLength"] == "200" and fields["Text2"]["Ordinal"] == "0"
    assert fields["Text2"]["ObjectID"] == text_id

    to_required = _change(client, "k1", ObjectID=_field_id(client, "k1", "Opt"), IsRequired=True)
    assert to_required.code == 310007 and "cannot be changed to required" in to_required.message
    assert _change(client, "k1", ObjectID=_field_id(client, "k1", "Req"), IsRequired=False).ok

    money_id = _field_id(client, "k1", "Money")
    assert _change(client, "k1", ObjectID=money_id, Scale=3).code == 310007
    assert _change(client, "k1", ObjectID=money_id, Scale=2, DefaultValue="1.5").ok

    rename_clash = _change(client, "k1", ObjectID=money_id, Name="opt")
    assert rename_clash.code == 310007

    client.create(data_extension("k2", field("X")))
    foreign = _change(client, "k2", ObjectID=money_id, Name="Y")
    assert foreign.code == 310007 and "does not belong" in foreign.message


def test_primary_key_changes_only_without_rows(client: Client) -> None:
    client.create(data_extension("k1", field("A"), field("B")))
    a = _field_id(client, "k1", "A")
    client.set_rows("k1", 1)
    assert _change(client, "k1", ObjectID=a, IsPrimaryKey=True).code == 310007
    client.set_rows("k1", 0)
    assert _change(client, "k1", ObjectID=a, IsPrimaryKey=True).ok
    assert fields_of(client, "k1")["A"]["IsPrimaryKey"] == "true"


def test_field_change_updates_data_extension_modified_date(client: Client) -> None:
    client.create(data_extension("k1", field("A")))
    before = de_of(client, "k1", "ModifiedDate")["ModifiedDate"]
    assert _change(client, "k1", ObjectID=_field_id(client, "k1", "A"), DefaultValue="d").ok
    assert de_of(client, "k1", "ModifiedDate")["ModifiedDate"] > before


# -- Delete ------------------------------------------------------------------------------------------------


def test_delete_fields_and_data_extension(client: Client) -> None:
    client.create(data_extension("k1", field("Id"), field("B"), field("C"), **SENDABLE), data_extension("k2"))
    b, c = _field_id(client, "k1", "B"), _field_id(client, "k1", "C")
    other = _field_id(client, "k2", "Id")

    def delete_fields(*object_ids: str) -> Any:
        fields = {"Field": [{"ObjectID": object_id} for object_id in object_ids]}
        return client.delete({"@type": "DataExtension", "CustomerKey": "k1", "Fields": fields}).only()

    assert delete_fields(other).code == 310007
    sendable = delete_fields(_field_id(client, "k1", "Id"))
    assert sendable.code == 310007 and "relates the data extension to subscribers" in sendable.message
    removed = delete_fields(b, c)
    assert removed.ok and removed.message == "Data Extension Fields deleted."
    assert sorted(fields_of(client, "k1")) == ["Id"]

    gone = client.delete({"@type": "DataExtension", "CustomerKey": "k1"})
    assert gone.only().message == "Data Extension deleted."
    echo = gone.objects()[0]["Object"]
    assert echo["CustomerKey"] == "k1" and echo["PartnerKey"] is None
    assert fields_of(client, "k1") == {}
    missing = client.delete({"@type": "DataExtension", "CustomerKey": "k1"}).only()
    assert missing.code == 310002
    assert client.delete({"@type": "DataExtension"}).only().code == 310001
