"""What the service refuses and what it does, over HTTP as any client would send it: file locations of
imports, operators per object type, integer ranges, SaveAction, business units, field deletes through
UpdateOptions, DataExtension upserts and defaults given to existing rows."""

from __future__ import annotations

from typing import Any

from tests.emulator.conftest import TNS, Client, Reply, data_extension, field, simple, to_xml
from tests.emulator.test_importdefinition import customers, import_definition
from tests.emulator.test_rows import UPSERT, make_people, row, rows_of

# -- imports -------------------------------------------------------------------------------------------


def test_an_import_from_a_file_location_the_account_does_not_have_is_refused(client: Client) -> None:
    assert client.create(customers()).only().ok
    refused = client.create(
        import_definition("from_nowhere", RetrieveFileTransferLocation={"CustomerKey": "no_such_location"})
    ).only()
    assert (refused.ok, refused.code) == (False, 43060)
    assert "no_such_location was not found" in refused.message
    assert (
        client.retrieve(
            "ImportDefinition", ["CustomerKey"], simple("CustomerKey", "equals", "from_nowhere")
        ).objects()
        == []
    )
    # The Enhanced FTP by its SOAP name, and a location the account set up, by its key.
    assert client.create(import_definition("from_ftp")).only().ok
    created = client.create(
        import_definition("from_sftp", RetrieveFileTransferLocation={"CustomerKey": "crm_sftp"})
    ).only()
    assert created.ok, created.message


def test_an_import_cannot_be_moved_to_a_missing_file_location(client: Client) -> None:
    assert client.create(customers()).only().ok
    assert client.create(import_definition("imp")).only().ok
    refused = client.update(
        {
            "@type": "ImportDefinition",
            "CustomerKey": "imp",
            "RetrieveFileTransferLocation": {"CustomerKey": "x"},
        }
    ).only()
    assert (refused.ok, refused.code) == (False, 43060)


# -- filters per object type --------------------------------------------------------------------------------


def test_rows_cannot_be_filtered_with_like(client: Client) -> None:
    make_people(client)
    assert client.create(row("people", Id="a1", Name="Ann")).only().ok
    reply = client.retrieve("DataExtensionObject[people]", ["Id"], simple("Name", "like", "A%"))
    assert (
        reply.overall == "Error: The like operator is not supported for DataExtensionObject[people] retrieves"
    )
    assert reply.objects() == []
    assert rows_of(client, "people", "Id", filter=simple("Name", "beginsWith", "A")) == [{"Id": "a1"}]


def test_automations_are_filtered_with_equals_and_in_only(client: Client) -> None:
    like = client.retrieve("Automation", ["Name"], simple("Name", "like", "%"))
    assert like.overall == "Error: The like operator is not supported for Automation retrieves"
    both = {
        "@type": "ComplexFilterPart",
        "LeftOperand": simple("Name", "equals", "a"),
        "LogicalOperator": "OR",
        "RightOperand": simple("Name", "equals", "b"),
    }
    assert client.retrieve("Automation", ["Name"], both).overall == (
        "Error: Complex filters are not supported for Automation retrieves"
    )
    assert client.retrieve("Automation", ["Name"], simple("CustomerKey", "IN", "a", "b")).overall == "OK"
    assert client.retrieve("Automation", ["Name"], simple("Name", "equals", "a")).overall == "OK"


def test_a_data_source_is_answered_with_its_type(client: Client) -> None:
    assert client.create(data_extension("src", field("City"))).only().ok
    created = client.create(
        {
            "@type": "FilterDefinition",
            "CustomerKey": "f1",
            "Name": "f1",
            "DataSource": {"@type": "DataExtension", "CustomerKey": "src"},
            "DataFilter": {"@type": "SimpleFilterPart", "Property": "City", "SimpleOperator": "isNull"},
        }
    ).only()
    assert created.ok
    reply = client.retrieve("FilterDefinition", ["ObjectID", "DataSource.Name", "DataSource.CustomerKey"])
    assert reply.overall == "OK"
    source = reply.body.find(".//{*}DataSource")
    assert source is not None
    assert source.get("{http://www.w3.org/2001/XMLSchema-instance}type") == "DataExtension"
    assert reply.objects()[0]["DataSource"]["Name"] == "src"


# -- what the deserializer refuses --------------------------------------------------------------------------


def _create_fault(client: Client, value: dict[str, Any]) -> tuple[str, str]:
    body = f'<CreateRequest xmlns="{TNS}"><Options/>{to_xml("Objects", value)}</CreateRequest>'
    reply = client.call("Create", body)
    assert reply.status == 500
    return reply.fault


def test_integers_beyond_their_dotnet_type_are_a_client_fault_and_nothing_is_stored(client: Client) -> None:
    too_long = data_extension("long_text", field("Id", MaxLength=2**31))
    assert _create_fault(client, too_long) == (
        "soap:Client",
        "Server was unable to read request. ---> There is an error in the XML document. ---> "
        "Value was either too large or too small for an Int32.",
    )
    beyond_int64 = data_extension("far_folder", field("Id"), CategoryID=2**63)
    assert _create_fault(client, beyond_int64)[1].endswith("too large or too small for an Int64.")
    assert _create_fault(client, data_extension("t", field("Id", MaxLength="ten")))[1].endswith(
        "Input string was not in a correct format."
    )
    names = {item["Name"] for item in client.retrieve("DataExtension", ["Name"]).objects()}
    assert not names & {"long_text", "far_folder", "t"}


def test_a_save_action_outside_the_enumeration_is_a_client_fault(client: Client) -> None:
    body = (
        f'<UpdateRequest xmlns="{TNS}"><Options><SaveOptions><SaveOption><PropertyName>*</PropertyName>'
        "<SaveAction>Upsert</SaveAction></SaveOption></SaveOptions></Options>"
        f"{to_xml('Objects', data_extension('x', field('Id')))}</UpdateRequest>"
    )
    reply = client.call("Update", body)
    assert reply.status == 500
    assert reply.fault[1].endswith("Instance validation error: 'Upsert' is not a valid value for SaveAction.")


# -- one business unit --------------------------------------------------------------------------------------


def _retrieve_names(client: Client, **request: Any) -> Reply:
    values = {
        "ClientIDs": request.pop("ClientIDs", None),
        "ObjectType": "DataExtension",
        "Properties": ["Name"],
    }
    values.update(request)
    body = f'<RetrieveRequestMsg xmlns="{TNS}">{to_xml("RetrieveRequest", values)}</RetrieveRequestMsg>'
    reply = client.call("Retrieve", body)
    assert reply.status == 200
    return reply


def test_client_ids_and_query_all_accounts_answer_as_one_business_unit(client: Client) -> None:
    assert client.create(data_extension("mine", field("Id"))).only().ok
    own = client.retrieve("DataExtension", ["Client.ID"]).objects()[0]["Client"]["ID"]
    other = _retrieve_names(client, ClientIDs={"ID": 7})
    assert (other.overall, other.objects()) == ("OK", [])
    mine = _retrieve_names(client, ClientIDs=[{"ID": 7}, {"ID": own}])
    assert "mine" in [item["Name"] for item in mine.objects()]
    everywhere = _retrieve_names(client, ClientIDs={"ID": 7}, QueryAllAccounts=True)
    assert ("mine", own) in [(item["Name"], item["Client"]["ID"]) for item in everywhere.objects()]


# -- what the service does ----------------------------------------------------------------------------------


def test_update_options_delete_drop_the_fields_given(client: Client) -> None:
    assert client.create(data_extension("de", field("Id"), field("Old"), field("Keep"))).only().ok
    fields = client.retrieve(
        "DataExtensionField", ["ObjectID", "Name"], simple("DataExtension.CustomerKey", "equals", "de")
    ).objects()
    old = next(item["ObjectID"] for item in fields if item["Name"] == "Old")
    reply = client.update(
        {"@type": "DataExtension", "CustomerKey": "de", "Fields": {"Field": [{"ObjectID": old}]}},
        options={"Container": "DataExtensionField", "Action": "DELETE"},
    ).only()
    assert reply.ok, reply.message
    left = client.retrieve(
        "DataExtensionField", ["Name"], simple("DataExtension.CustomerKey", "equals", "de")
    )
    assert sorted(item["Name"] for item in left.objects()) == ["Id", "Keep"]
    unknown = client.update(
        {"@type": "DataExtension", "CustomerKey": "de", "Fields": {"Field": [{"ObjectID": old}]}},
        options={"Container": "DataExtensionField", "Action": "EXPLODE"},
    ).only()
    assert (unknown.ok, unknown.code) == (False, 5)


def test_save_action_update_add_creates_a_missing_data_extension_and_updates_an_existing_one(
    client: Client,
) -> None:
    created = client.update(
        data_extension("upserted", field("Id"), Description="first"), options=UPSERT
    ).only()
    assert created.ok, created.message
    updated = client.update(
        {"@type": "DataExtension", "CustomerKey": "upserted", "Description": "second"}, options=UPSERT
    ).only()
    assert updated.ok, updated.message
    (item,) = client.retrieve(
        "DataExtension", ["Description"], simple("CustomerKey", "equals", "upserted")
    ).objects()
    assert item["Description"] == "second"
    # Without UpdateAdd, an update of a missing data extension fails.
    assert not client.update(data_extension("missing", field("Id"))).only().ok


def test_a_required_field_with_a_default_gives_it_to_the_rows_already_there(client: Client) -> None:
    make_people(client)
    assert (
        client.create(row("people", Id="a1", Name="Ann"), row("people", Id="b2", Name="Bob")).overall == "OK"
    )
    added = client.update(
        {
            "@type": "DataExtension",
            "CustomerKey": "people",
            "Fields": {"Field": [field("Tier", IsRequired=True, DefaultValue="basic")]},
        }
    ).only()
    assert added.ok, added.message
    assert rows_of(client, "people", "Id", "Tier") == [
        {"Id": "a1", "Tier": "basic"},
        {"Id": "b2", "Tier": "basic"},
    ]
    # Without a default, a required field cannot be added to a data extension with rows.
    refused = client.update(
        {
            "@type": "DataExtension",
            "CustomerKey": "people",
            "Fields": {"Field": [field("Must", IsRequired=True)]},
        }
    ).only()
    assert not refused.ok
