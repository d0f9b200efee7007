"""ImportDefinition Create/Retrieve/Update/Delete rules, with the service's 43000-43999 error codes."""

from __future__ import annotations

from typing import Any

import pytest

from tests.emulator.conftest import Client, data_extension, field, simple

PROPERTIES = [
    "ObjectID", "CustomerKey", "Name", "Description", "AllowErrors", "DestinationObject.ObjectID",
    "FieldMappingType", "FieldMaps", "FileSpec", "FileType", "Notification.ResponseType",
    "Notification.ResponseAddress", "Notification.RespondWhen", "RetrieveFileTransferLocation.CustomerKey",
    "UpdateType", "Delimiter", "HeaderLines", "ControlColumn", "ControlColumnDefaultAction",
    "ControlColumnActions", "DateFormattingLocale.LocaleCode", "EncodingCodePage",
]  # fmt: skip


def customers(key: str = "customers", *, primary_key: bool = True) -> dict[str, Any]:
    return data_extension(
        key,
        field("Id", IsPrimaryKey=primary_key, IsRequired=True),
        field("Email", "EmailAddress", IsRequired=True),
        field("City"),
        field("Joined", "Date", IsRequired=True, DefaultValue="GetDate()"),
    )


def import_definition(key: str = "imp", **extra: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "@type": "ImportDefinition",
        "CustomerKey": key,
        "Name": f"Import {key}",
        "DestinationObject": {"@type": "DataExtension", "CustomerKey": "customers"},
        "FieldMappingType": "InferFromColumnHeadings",
        "FileSpec": "customers_%%YEAR%%%%MONTH%%%%DAY%%.csv",
        "FileType": "CSV",
        "RetrieveFileTransferLocation": {"CustomerKey": "ExactTarget Enhanced FTP"},
        "UpdateType": "AddAndUpdate",
    }
    values.update(extra)
    return {name: value for name, value in values.items() if value is not None}


def manual(*pairs: tuple[str, str]) -> dict[str, Any]:
    return {"FieldMap": [{"SourceName": source, "DestinationName": target} for source, target in pairs]}


@pytest.fixture
def account(client: Client) -> Client:
    assert client.create(customers(), customers("log", primary_key=False)).overall == "OK"
    return client


def read(client: Client, key: str = "imp") -> dict[str, Any]:
    (item,) = client.retrieve("ImportDefinition", PROPERTIES, simple("CustomerKey", "equals", key)).objects()
    return item


def test_create_answers_created_and_retrieve_returns_what_was_saved(account: Client) -> None:
    reply = account.create(
        import_definition(
            FieldMappingType="ManualMap",
            FieldMaps=manual(("customer_id", "Id"), ("email", "Email")),
            Delimiter=",",
            HeaderLines=1,
            EncodingCodePage=65001,
            AllowErrors=True,
            Notification={
                "ResponseType": "email",
                "ResponseAddress": "ops@example.com",
                "RespondWhen": "OnError",
            },
        )
    )
    result = reply.only()
    assert result.ok and result.message == "ImportDefinition created."
    assert result.text("NewID") == "0" and result.text("NewObjectID")
    item = read(account)
    de_id = account.retrieve("DataExtension", ["ObjectID"], simple("CustomerKey", "equals", "customers"))
    assert item["ObjectID"] == result.text("NewObjectID")
    assert item["DestinationObject"]["ObjectID"] == de_id.objects()[0]["ObjectID"]
    assert item["FieldMaps"]["FieldMap"] == [
        {"SourceName": "customer_id", "DestinationName": "Id"},
        {"SourceName": "email", "DestinationName": "Email"},
    ]
    assert item["Notification"] == {
        "ResponseType": "email",
        "ResponseAddress": "ops@example.com",
        "RespondWhen": "OnError",
    }
    assert item["RetrieveFileTransferLocation"]["CustomerKey"] == "ExactTarget Enhanced FTP"
    assert (item["DateFormattingLocale"]["LocaleCode"], item["EncodingCodePage"]) == ("en-US", "65001")
    assert (item["AllowErrors"], item["HeaderLines"], item["Delimiter"]) == ("true", "1", ",")


def test_a_tab_delimiter_survives_the_round_trip(account: Client) -> None:
    assert account.create(import_definition(FileType="TAB", Delimiter="\t")).only().ok
    assert read(account)["Delimiter"] == "\t"


def test_create_without_customer_key_is_43000(account: Client) -> None:
    result = account.create(import_definition(key=None)).only()  # type: ignore[arg-type]
    assert (result.ok, result.code) == (False, 43000)


def test_duplicate_key_on_create_is_43030(account: Client) -> None:
    assert account.create(import_definition()).only().ok
    result = account.create(import_definition(key="IMP")).only()
    assert (result.ok, result.code) == (False, 43030)
    assert "ImportDefinition Exists" in result.message


def test_update_and_delete_of_a_missing_import_are_43010(account: Client) -> None:
    for reply in (
        account.update({"@type": "ImportDefinition", "CustomerKey": "nope", "FileSpec": "x.csv"}),
        account.delete({"@type": "ImportDefinition", "CustomerKey": "nope"}),
    ):
        result = reply.only()
        assert (result.ok, result.code) == (False, 43010)


def test_a_destination_other_than_a_data_extension_is_43020(account: Client) -> None:
    # The project's WSDL has no List type; any other object stands for it.
    destination = {"@type": "DataExtensionTemplate", "CustomerKey": "customers"}
    result = account.create(import_definition(DestinationObject=destination)).only()
    assert (result.ok, result.code) == (False, 43020)


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"DestinationObject": {"@type": "DataExtension", "CustomerKey": "missing"}}, "does not exist"),
        ({"RetrieveFileTransferLocation": None}, "RetrieveFileTransferLocation"),
        ({"FileSpec": " "}, "FileSpec is required"),
        ({"FileType": "Other"}, "requires a Delimiter"),
        ({"UpdateType": "Merge"}, "reserved"),
        ({"UpdateType": "ColumnBased"}, "requires a ControlColumn"),
        ({"Notification": {"ResponseType": "email", "ResponseAddress": ""}}, "ResponseAddress"),
    ],
)
def test_invalid_definitions_are_43060(account: Client, change: dict[str, Any], words: str) -> None:
    result = account.create(import_definition(**change)).only()
    assert (result.ok, result.code) == (False, 43060), result
    assert result.message.startswith("Validation Error: ") and words in result.message


def test_overwrite_needs_a_destination_without_primary_key(account: Client) -> None:
    refused = account.create(import_definition(UpdateType="Overwrite")).only()
    assert (refused.ok, refused.code) == (False, 43060)
    assert "without a primary key" in refused.message and "Id" in refused.message
    log = {"@type": "DataExtension", "CustomerKey": "log"}
    assert account.create(import_definition(UpdateType="Overwrite", DestinationObject=log)).only().ok


def test_manual_map_destinations_must_exist_and_be_mapped_once(account: Client) -> None:
    unknown = account.create(
        import_definition(
            FieldMappingType="ManualMap", FieldMaps=manual(("id", "Id"), ("e", "Email"), ("x", "Nope"))
        )
    ).only()
    assert (unknown.code, "The field Nope does not exist" in unknown.message) == (43060, True)
    twice = account.create(
        import_definition(
            FieldMappingType="ManualMap", FieldMaps=manual(("id", "Id"), ("e", "Email"), ("m", "email"))
        )
    ).only()
    assert (twice.code, "mapped more than once" in twice.message) == (43060, True)


def test_manual_map_must_map_every_required_field_without_a_default(account: Client) -> None:
    missing = account.create(
        import_definition(FieldMappingType="ManualMap", FieldMaps=manual(("id", "Id")))
    ).only()
    assert (missing.ok, missing.code) == (False, 43060)
    # Email is required; Joined is required too but has a default value, and City is nullable.
    assert "Email" in missing.message and "Joined" not in missing.message and "City" not in missing.message
    complete = import_definition(
        FieldMappingType="ManualMap", FieldMaps=manual(("id", "ID"), ("mail", "Email"))
    )
    assert account.create(complete).only().ok


def test_invalid_enumeration_value_is_a_client_fault(account: Client) -> None:
    reply = account.call(
        "Create",
        '<CreateRequest xmlns="http://exacttarget.com/wsdl/partnerAPI"><Objects xsi:type="ImportDefinition">'
        "<CustomerKey>imp</CustomerKey><UpdateType>Upsert</UpdateType></Objects></CreateRequest>",
    )
    assert reply.status == 500
    assert "'Upsert' is not a valid value for ImportDefinitionUpdateType" in reply.fault[1]


def test_update_changes_only_what_is_sent_and_is_validated_as_a_whole(account: Client) -> None:
    assert account.create(import_definition(Description="nightly")).only().ok
    updated = account.update(
        {"@type": "ImportDefinition", "CustomerKey": "imp", "FileSpec": "all.csv", "HeaderLines": 2}
    ).only()
    assert updated.ok and updated.message == "ImportDefinition updated."
    item = read(account)
    assert (item["FileSpec"], item["HeaderLines"], item["Description"]) == ("all.csv", "2", "nightly")
    refused = account.update(
        {"@type": "ImportDefinition", "CustomerKey": "imp", "UpdateType": "Overwrite"}
    ).only()
    assert (refused.ok, refused.code) == (False, 43060)
    assert read(account)["UpdateType"] == "AddAndUpdate"


def test_update_by_object_id_removes_notification_and_maps(account: Client) -> None:
    created = account.create(
        import_definition(
            FieldMappingType="ManualMap",
            FieldMaps=manual(("id", "Id"), ("mail", "Email")),
            Notification={"ResponseType": "email", "ResponseAddress": "ops@example.com"},
        )
    ).only()
    object_id = created.text("NewObjectID")
    result = account.update(
        {
            "@type": "ImportDefinition",
            "ObjectID": object_id,
            "FieldMappingType": "MapByOrdinal",
            "FieldMaps": {},
            "Notification": {"ResponseType": "None", "ResponseAddress": ""},
        }
    ).only()
    assert result.ok, result
    item = read(account)
    assert item["FieldMappingType"] == "MapByOrdinal"
    assert "FieldMaps" not in item and "Notification" not in item


def test_delete_removes_the_import_and_frees_its_key(account: Client) -> None:
    assert account.create(import_definition()).only().ok
    deleted = account.delete({"@type": "ImportDefinition", "CustomerKey": "imp"}).only()
    assert deleted.ok and deleted.message == "ImportDefinition deleted."
    assert account.retrieve("ImportDefinition", ["CustomerKey"]).objects() == []
    assert account.create(import_definition()).only().ok


def test_unknown_retrieve_property_is_refused(account: Client) -> None:
    reply = account.retrieve("ImportDefinition", ["CustomerKey", "FieldMaps.FieldMap"])
    assert reply.overall.startswith("Error: The Request Property(s) FieldMaps.FieldMap do not match")
