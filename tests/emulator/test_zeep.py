"""zeep, with mcstate's own WSDL in strict mode, as the client: everything the emulator answers must parse."""

from __future__ import annotations

from typing import Any

import pytest
import requests
from lxml import etree
from zeep import Client as ZeepClient
from zeep import Settings
from zeep.exceptions import Fault
from zeep.transports import Transport

from mcstate.emulator import rules
from mcstate.emulator.server import EmulatorServer
from mcstate.wsdl import wsdl_path
from tests.emulator.conftest import Client

TNS = "http://exacttarget.com/wsdl/partnerAPI"


class Zeep:
    def __init__(self, base_url: str, token: str) -> None:
        session = requests.Session()
        self.client = ZeepClient(
            str(wsdl_path()), transport=Transport(session=session), settings=Settings(strict=True)
        )
        self.service = self.client.create_service(f"{{{TNS}}}SoapBinding", base_url + "Service.asmx")
        header = etree.Element("{http://exacttarget.com}fueloauth")
        header.text = token
        self.headers = [header]

    def type(self, name: str) -> Any:
        return self.client.get_type(f"ns0:{name}")

    def call(self, operation: str, **arguments: Any) -> Any:
        return getattr(self.service, operation)(**arguments, _soapheaders=self.headers)


@pytest.fixture
def zeep_client(client: Client) -> Zeep:
    return Zeep(client.base_url, client.token)


def _data_extension(zeep_client: Zeep, key: str, **extra: Any) -> Any:
    field_type = zeep_client.type("DataExtensionField")
    fields = [
        field_type(Name="Key", FieldType="Text", MaxLength=36, IsPrimaryKey=True, IsRequired=True),
        field_type(Name="Email", FieldType="EmailAddress"),
        field_type(Name="Amount", FieldType="Decimal", Precision=12, Scale=2),
    ]
    return zeep_client.type("DataExtension")(CustomerKey=key, Name=key, Fields={"Field": fields}, **extra)


def test_create_retrieve_update_delete_through_zeep(zeep_client: Zeep) -> None:
    attribute = zeep_client.type("Attribute")(Name="Subscriber Key", Value="")
    sendable = zeep_client.type("DataExtensionField")(Name="Key")
    created = zeep_client.call(
        "Create",
        Options={},
        Objects=[
            _data_extension(
                zeep_client,
                "z1",
                IsSendable=True,
                IsTestable=True,
                SendableDataExtensionField=sendable,
                SendableSubscriberField=attribute,
                DataRetentionPeriodLength=2,
                DataRetentionPeriodUnitOfMeasure=4,
            )
        ],
    )
    assert created.OverallStatus == "OK"
    result = created.Results[0]
    assert result.StatusMessage == "Data Extension created." and result.NewID == 0
    assert result.Object.CustomerKey == "z1" and len(result.Object.Fields.Field) == 3

    retrieved = zeep_client.call(
        "Retrieve",
        RetrieveRequest={
            "ObjectType": "DataExtension",
            "Properties": [
                "ObjectID", "CustomerKey", "Name", "Description", "CreatedDate", "ModifiedDate", "IsSendable",
                "IsTestable", "SendableDataExtensionField.Name", "SendableSubscriberField.Name",
                "DataRetentionPeriodLength", "DataRetentionPeriodUnitOfMeasure", "RowBasedRetention",
                "ResetRetentionPeriodOnImport", "DeleteAtEndOfRetentionPeriod", "RetainUntil", "CategoryID",
                "Client.ID",
            ],
        },
    )  # fmt: skip
    (item,) = retrieved.Results
    assert item.ObjectID == result.NewObjectID and item.IsSendable is True
    assert (
        item.SendableDataExtensionField.Name == "Key"
        and item.SendableSubscriberField.Name == "_SubscriberKey"
    )
    assert item.DataRetentionPeriodUnitOfMeasure == 4 and item.CategoryID == 2
    assert item.CreatedDate.tzinfo is None

    fields = zeep_client.call(
        "Retrieve",
        RetrieveRequest={
            "ObjectType": "DataExtensionField",
            "Properties": list(rules.DATA_EXTENSION_FIELD_PROPERTIES.retrievable),
            "Filter": zeep_client.type("SimpleFilterPart")(
                Property="DataExtension.CustomerKey", SimpleOperator="equals", Value=["z1"]
            ),
        },
    )  # fmt: skip
    by_name = {field.Name: field for field in fields.Results}
    assert by_name["Amount"].MaxLength == 12 and by_name["Amount"].Scale == 2
    assert by_name["Key"].DataExtension.CustomerKey == "z1"

    field_type = zeep_client.type("DataExtensionField")
    updated = zeep_client.call(
        "Update",
        Options={},
        Objects=[
            zeep_client.type("DataExtension")(
                CustomerKey="z1",
                Fields={
                    "Field": [
                        field_type(ObjectID=by_name["Email"].ObjectID, Name="Mail"),
                        field_type(Name="New"),
                    ]
                },
            )
        ],
    )
    assert updated.OverallStatus == "OK" and updated.Results[0].Object.CustomerKey == "z1"

    deleted = zeep_client.call(
        "Delete", Options={}, Objects=[zeep_client.type("DataExtension")(CustomerKey="z1")]
    )
    assert deleted.Results[0].StatusMessage == "Data Extension deleted."


def test_folders_and_errors_through_zeep(zeep_client: Zeep) -> None:
    data_folder = zeep_client.type("DataFolder")
    created = zeep_client.call(
        "Create",
        Options={},
        Objects=[
            data_folder(
                CustomerKey="zf",
                ParentFolder=data_folder(ID=2),
                Name="Zeep",
                Description="",
                ContentType="dataextension",
                IsActive=True,
                IsEditable=True,
                AllowChildren=True,
            ),
            data_folder(
                ParentFolder=data_folder(ID=0), Name="Root", Description="", ContentType="dataextension"
            ),
        ],
    )
    assert created.OverallStatus == "Has Errors"
    assert created.Results[0].NewID > 0 and created.Results[0].Object is None
    assert created.Results[1].ErrorCode == 396007
    properties = list(rules.DATA_FOLDER_PROPERTIES.retrievable)
    retrieved = zeep_client.call(
        "Retrieve", RetrieveRequest={"ObjectType": "DataFolder", "Properties": properties}
    )
    by_key = {item.CustomerKey: item for item in retrieved.Results}
    assert by_key["zf"].ParentFolder.ID == 2 and by_key["zf"].ParentFolder.Name == "Data Extensions"
    assert by_key["zf"].ObjectID is None and by_key["zf"].Client.ID

    bad = zeep_client.call(
        "Retrieve", RetrieveRequest={"ObjectType": "DataExtension", "Properties": ["Fields"]}
    )
    assert bad.OverallStatus.startswith("Error: The Request Property(s) Fields") and not bad.Results

    status = zeep_client.call("GetSystemStatus")
    assert status.OverallStatus == "OK" and status.Results.Result[0].SystemStatus == "OK"


def test_paging_through_zeep(zeep_client: Zeep) -> None:
    zeep_client.call(
        "Create", Options={}, Objects=[_data_extension(zeep_client, f"p{index}") for index in range(4)]
    )
    first = zeep_client.call(
        "Retrieve",
        RetrieveRequest={
            "ObjectType": "DataExtensionField",
            "Properties": ["Name"],
            "Options": {"BatchSize": 5},
        },
    )
    assert first.OverallStatus == "MoreDataAvailable"
    second = zeep_client.call(
        "Retrieve", RetrieveRequest={"ObjectType": "", "ContinueRequest": first.RequestID}
    )
    third = zeep_client.call(
        "Retrieve", RetrieveRequest={"ObjectType": "", "ContinueRequest": first.RequestID}
    )
    assert [len(page.Results) for page in (first, second, third)] == [5, 5, 2]
    assert third.OverallStatus == "OK"


def test_security_fault_through_zeep(server: EmulatorServer) -> None:
    anonymous = Zeep(server.base_url, "not-a-token")
    with pytest.raises(Fault) as raised:
        anonymous.call("GetSystemStatus")
    assert raised.value.code == "q0:Security" and raised.value.message == "Login failed"


def test_wsdl_served_by_the_emulator_loads_in_zeep(server: EmulatorServer) -> None:
    served = ZeepClient(server.base_url + "etframework.wsdl")
    address = served.wsdl.services["PartnerAPI"].ports["Soap"].binding_options["address"]
    assert address == server.base_url + "Service.asmx"
