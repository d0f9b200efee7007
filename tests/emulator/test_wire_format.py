"""The response wire format: envelope, WSDL element order, dates, recorded responses, in-process parity."""

from __future__ import annotations

import os
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests
from lxml import etree

from mcstate.emulator import EmulatorApp, InProcessAdapter, rules
from mcstate.emulator.server import EmulatorServer
from mcstate.wsdl import wsdl_path
from tests.emulator.conftest import NS, TNS, XSI_NS, Client, data_extension, envelope, field, folder, simple

XSD = "http://www.w3.org/2001/XMLSchema"
WSA = "http://schemas.xmlsoap.org/ws/2004/08/addressing"
WSU = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd"
UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


# -- an independent reading of the WSDL's element order -------------------------------------------------


class Sequences:
    """Element names and declared types of each WSDL complex type, base type first (read with plain lxml)."""

    def __init__(self, path: Path) -> None:
        root = etree.parse(str(path)).getroot()
        self.nodes: dict[str, etree._Element] = {}
        self.elements: dict[str, etree._Element] = {}
        for schema in root.iter(f"{{{XSD}}}schema"):
            for node in schema:
                if not isinstance(node.tag, str):
                    continue
                if node.tag == f"{{{XSD}}}complexType":
                    self.nodes[node.get("name", "")] = node
                elif node.tag == f"{{{XSD}}}element":
                    self.elements[node.get("name", "")] = node

    def children(self, node: etree._Element) -> list[tuple[str, Any]]:
        """(name, type name or inline complexType node or None) of every element of a complexType node."""
        result: list[tuple[str, Any]] = []
        extension = node.find(f"{{{XSD}}}complexContent/{{{XSD}}}extension")
        if extension is not None:
            base = extension.get("base", "").rpartition(":")[2]
            result.extend(self.children(self.nodes[base]))
            node = extension
        for element in node.iter(f"{{{XSD}}}element"):
            if element.getparent() is not None and _owning_type(element) is not node:
                continue
            type_attr = element.get("type")
            inline = element.find(f"{{{XSD}}}complexType")
            declared: Any = inline if inline is not None else None
            if type_attr and type_attr.rpartition(":")[2] in self.nodes:
                declared = type_attr.rpartition(":")[2]
            result.append((element.get("name", ""), declared))
        return result

    def check(self, element: etree._Element, declared: Any) -> int:
        """Assert the children of an element follow its type's sequence; returns how many were checked."""
        concrete = element.get(f"{{{XSI_NS}}}type")
        node = (
            self.nodes[concrete.rpartition(":")[2]]
            if concrete
            else (self.nodes[declared] if isinstance(declared, str) else declared)
        )
        sequence = self.children(node)
        names = [name for name, _ in sequence]
        last = -1
        checked = 1
        for child in element:
            local = etree.QName(child).localname
            assert local in names, f"{local} is not an element of {concrete or declared}"
            position = names.index(local)
            assert position >= last, f"{local} is out of WSDL order in {concrete or declared}: {names}"
            last = position
            child_type = sequence[position][1]
            if child_type is not None and child.get(f"{{{XSI_NS}}}nil") != "true":
                checked += self.check(child, child_type)
        return checked

    def check_body(self, body: etree._Element) -> int:
        element = self.elements[etree.QName(body).localname]
        return self.check(body, element.find(f"{{{XSD}}}complexType"))


def _owning_type(element: etree._Element) -> etree._Element | None:
    parent = element.getparent()
    while parent is not None and parent.tag not in (f"{{{XSD}}}complexType", f"{{{XSD}}}extension"):
        parent = parent.getparent()
    return parent


@pytest.fixture(scope="module")
def sequences() -> Sequences:
    return Sequences(wsdl_path())


def _populate(client: Client) -> None:
    sendable = {
        "IsSendable": True,
        "IsTestable": True,
        "SendableDataExtensionField": {"Name": "Key"},
        "SendableSubscriberField": {"Name": "Subscriber Key"},
        "DataRetentionPeriodLength": 6,
        "DataRetentionPeriodUnitOfMeasure": 5,
        "Template": {"CustomerKey": "B6E8AE4C-3D93-49B1-B299-E0AE734213DD"},
        "Description": "all of it",
    }
    client.create(
        data_extension(
            "full",
            field("Key", IsPrimaryKey=True),
            field("Money", "Decimal", Precision=9, Scale=2),
            field("When", "Date", DefaultValue="GetDate()"),
            **sendable,
        )
    )
    client.create(folder("Sub", CustomerKey="sub"))


ALL_PROPERTIES = {
    "DataExtension": list(rules.DATA_EXTENSION_PROPERTIES.retrievable),
    "DataExtensionField": list(rules.DATA_EXTENSION_FIELD_PROPERTIES.retrievable),
    "DataFolder": list(rules.DATA_FOLDER_PROPERTIES.retrievable),
}


@pytest.mark.parametrize("object_type", sorted(ALL_PROPERTIES))
def test_retrieve_follows_wsdl_order(client: Client, sequences: Sequences, object_type: str) -> None:
    _populate(client)
    reply = client.retrieve(object_type, list(reversed(ALL_PROPERTIES[object_type])))
    assert reply.overall == "OK" and reply.results
    assert sequences.check_body(reply.body) > len(reply.results)


def test_write_results_follow_wsdl_order(client: Client, sequences: Sequences) -> None:
    _populate(client)
    replies = [
        client.create(data_extension("more", field("A"), field("B", "EmailAddress")), data_extension("full")),
        client.update({"@type": "DataExtension", "CustomerKey": "full", "Fields": {"Field": [field("C")]}}),
        client.create(folder("Other")),
        client.update({"@type": "DataFolder", "CustomerKey": "sub", "Name": "Renamed"}),
        client.delete(
            {"@type": "DataExtension", "CustomerKey": "more"}, {"@type": "DataExtension", "CustomerKey": "x"}
        ),
        client.call("GetSystemStatus", f'<SystemStatusRequestMsg xmlns="{TNS}"/>'),
    ]
    for reply in replies:
        sequences.check_body(reply.body)


def test_envelope_style(client: Client) -> None:
    message_id = "urn:uuid:11111111-2222-3333-4444-555555555555"
    body = (
        f'<RetrieveRequestMsg xmlns="{TNS}"><RetrieveRequest><ObjectType>DataFolder</ObjectType>'
        "<Properties>ID</Properties></RetrieveRequest></RetrieveRequestMsg>"
    )
    request = (
        '<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/" '
        f'xmlns:a="{WSA}"><s:Header><a:MessageID>{message_id}</a:MessageID>'
        f'<fueloauth xmlns="http://exacttarget.com">{client.token}</fueloauth></s:Header><s:Body>{body}</s:Body>'
        "</s:Envelope>"
    )
    response = client.http.post(
        client.base_url + "Service.asmx",
        data=request,
        headers={"SOAPAction": "Retrieve", "Content-Type": "text/xml"},
    )
    assert response.headers["Content-Type"] == "text/xml; charset=utf-8"
    text = response.text
    assert text.startswith('<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap=')
    assert "<!--" not in text and "\n" not in text
    assert (
        '<RetrieveResponseMsg xmlns="http://exacttarget.com/wsdl/partnerAPI"><OverallStatus>OK</OverallStatus>'
        in text
    )
    assert '<PartnerKey xsi:nil="true" />' in text
    root = etree.fromstring(response.content)
    assert {root.nsmap[prefix] for prefix in ("soap", "xsi", "xsd", "wsa", "wsse", "wsu")} >= {
        WSA,
        WSU,
        XSI_NS,
    }
    header = root.find("soap:Header", NS)
    assert header is not None
    assert [etree.QName(child).localname for child in header] == [
        "Action",
        "MessageID",
        "RelatesTo",
        "To",
        "Security",
    ]
    assert header.findtext(f"{{{WSA}}}Action") == "RetrieveResponse"
    assert header.findtext(f"{{{WSA}}}RelatesTo") == message_id
    assert UUID.search(header.findtext(f"{{{WSA}}}MessageID") or "")
    assert (
        header.findtext(f"{{{WSA}}}To") == "http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous"
    )
    created = datetime.strptime(header.findtext(f".//{{{WSU}}}Created") or "", "%Y-%m-%dT%H:%M:%SZ")
    expires = datetime.strptime(header.findtext(f".//{{{WSU}}}Expires") or "", "%Y-%m-%dT%H:%M:%SZ")
    assert expires - created == timedelta(minutes=5)
    assert abs(created - datetime.now(UTC).replace(tzinfo=None)) < timedelta(minutes=1)
    result = root.find(".//p:Results", NS)
    assert result is not None and result.get(f"{{{XSI_NS}}}type") == "DataFolder"


def test_dates_are_naive_milliseconds_on_the_service_clock(client: Client) -> None:
    client.create(data_extension("k1"))
    (item,) = client.retrieve("DataExtension", ["CreatedDate", "ModifiedDate"]).objects()
    text = item["CreatedDate"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{0,2}[1-9])?", text), text
    moment = datetime.fromisoformat(text)
    expected = datetime.now(UTC).replace(tzinfo=None) - timedelta(hours=6)
    assert abs(moment - expected) < timedelta(minutes=1)


def _normalized(content: bytes) -> bytes:
    text = UUID.sub("<uuid>", content.decode())
    text = re.sub(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z?", "<time>", text)
    return text.encode()


def test_in_process_adapter_gives_the_same_bytes_as_http(client: Client, server: EmulatorServer) -> None:
    _populate(client)
    app = EmulatorApp(server.app.db_path)
    session = requests.Session()
    session.mount("http://embedded.mcstate/", InProcessAdapter(app))
    try:
        token = session.post(
            "http://embedded.mcstate/v2/token",
            json={"grant_type": "client_credentials", "client_id": "a", "client_secret": "b"},
        )
        assert token.status_code == 200 and token.json()["soap_instance_url"] == "http://embedded.mcstate/"
        assert token.headers["Content-Type"].startswith("application/json")
        bodies = [
            f'<RetrieveRequestMsg xmlns="{TNS}"><RetrieveRequest><ObjectType>DataFolder</ObjectType>'
            + "".join(f"<Properties>{name}</Properties>" for name in ALL_PROPERTIES["DataFolder"])
            + "</RetrieveRequest></RetrieveRequestMsg>",
            f'<CreateRequest xmlns="{TNS}"><Objects xsi:type="DataExtension"><CustomerKey>full</CustomerKey>'
            "<Name>x</Name><Fields><Field><Name>A</Name></Field></Fields></Objects></CreateRequest>",
        ]
        for body in bodies:
            over_http = client.post(None, body)
            in_process = session.post(
                "http://embedded.mcstate/Service.asmx",
                data=envelope(body, client.token),
                headers={"Content-Type": "text/xml; charset=utf-8"},
            )
            assert in_process.status_code == over_http.status_code == 200
            assert in_process.url == "http://embedded.mcstate/Service.asmx"
            assert in_process.encoding == "utf-8" and in_process.request is not None
            assert _normalized(in_process.content) == _normalized(over_http.content)
        assert (
            session.get("http://embedded.mcstate/etframework.wsdl").text.count(
                "http://embedded.mcstate/Service.asmx"
            )
            == 1
        )
    finally:
        app.close()


# -- recorded responses ----------------------------------------------------------------------------------


def _reference() -> Path:
    directory = os.environ.get("MCSTATE_REFERENCE_DIR")
    if not directory:
        pytest.skip("MCSTATE_REFERENCE_DIR is not set")
    return Path(directory) / "payloads"


def _shape(root: etree._Element) -> list[str]:
    """Every element as its path of local names (nil marked), in document order."""
    shape = []
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        path = "/".join(
            etree.QName(node).localname for node in [*reversed(list(element.iterancestors())), element]
        )
        nil = "[nil]" if element.get(f"{{{XSI_NS}}}nil") == "true" else ""
        kind = element.get(f"{{{XSI_NS}}}type")
        shape.append(path + nil + (f"[{kind}]" if kind else ""))
    return shape


def _recorded(name: str) -> etree._Element:
    parser = etree.XMLParser(remove_comments=True, remove_blank_text=True)
    return etree.parse(str(_reference() / name), parser).getroot()


def _fixture_properties(result: etree._Element) -> list[str]:
    """The Retrieve properties a recorded result answers: its leaf elements with values, as dotted paths."""
    properties = []
    for element in result.iter():
        if element is result or len(element) or element.get(f"{{{XSI_NS}}}nil") == "true":
            continue
        parts = []
        node: etree._Element | None = element
        while node is not None and node is not result:
            parts.append(etree.QName(node).localname)
            node = node.getparent()
        properties.append(".".join(reversed(parts)))
    return properties


def _compare(recorded: etree._Element, emitted: bytes) -> None:
    assert _shape(etree.fromstring(emitted)) == _shape(recorded)


def test_recorded_data_extension_retrieve(client: Client) -> None:
    recorded = _recorded("dataExtension/retrieve-response.xml")
    client.create(
        data_extension(
            "testExisting_dataExtensionShared",
            field("ContactKey", IsPrimaryKey=True),
            Description="bla bla",
            IsSendable=True,
            IsTestable=True,
            SendableDataExtensionField={"Name": "ContactKey"},
            SendableSubscriberField={"Name": "Subscriber Key"},
            DataRetentionPeriodLength=6,
            DataRetentionPeriodUnitOfMeasure=5,
            RowBasedRetention=True,
        )
    )
    properties = _fixture_properties(recorded.find(".//p:Results", NS))
    assert "SendableSubscriberField.Name" in properties
    _compare(recorded, client.post("Retrieve", _retrieve("DataExtension", properties)).content)


def test_recorded_field_retrieve(client: Client) -> None:
    recorded = _recorded(
        "dataExtensionField/retrieve-DataExtension.CustomerKey=testExisting_dataExtensionShared-response.xml"
    )
    client.create(
        data_extension(
            "testExisting_dataExtensionShared",
            field("FirstName"),
            field("LastName"),
            field("EmailAddress", "EmailAddress", IsRequired=True),
            field("ContactKey", IsPrimaryKey=True),
        )
    )
    properties = _fixture_properties(recorded.find(".//p:Results", NS))
    filter_xml = simple("DataExtension.CustomerKey", "equals", "testExisting_dataExtensionShared")
    _compare(
        recorded, client.post("Retrieve", _retrieve("DataExtensionField", properties, filter_xml)).content
    )


def test_recorded_folder_retrieve(client: Client) -> None:
    recorded = _recorded("dataFolder/retrieve-ContentType=queryactivity-response.xml")
    properties = [*_fixture_properties(recorded.find(".//p:Results", NS)), "ObjectID"]
    filter_xml = simple("ContentType", "equals", "queryactivity")
    _compare(recorded, client.post("Retrieve", _retrieve("DataFolder", properties, filter_xml)).content)


def test_recorded_create_and_update(client: Client) -> None:
    recorded = _recorded("dataExtension/create-response.xml")
    created = client.post(
        "Create",
        _write(
            "Create",
            data_extension("testNew_dataExtensionShared", field("testField", MaxLength=254, IsRequired=True)),
        ),
    )
    _compare(recorded, created.content)

    recorded = _recorded("dataExtension/update-response.xml")
    client.create(
        data_extension(
            "testExisting_dataExtensionShared",
            field("Other"),
            DataRetentionPeriodLength=6,
            DataRetentionPeriodUnitOfMeasure=5,
            DeleteAtEndOfRetentionPeriod=True,
        )
    )
    update = {
        "@type": "DataExtension",
        "CustomerKey": "testExisting_dataExtensionShared",
        "Description": "Container for my test emails",
        "Fields": {"Field": [field("testField", MaxLength=254, IsRequired=True)]},
    }
    _compare(recorded, client.post("Update", _write("Update", update)).content)


def _retrieve(object_type: str, properties: list[str], filter_xml: dict[str, Any] | None = None) -> str:
    from tests.emulator.conftest import to_xml

    request = to_xml(
        "RetrieveRequest", {"ObjectType": object_type, "Properties": properties, "Filter": filter_xml}
    )
    return f'<RetrieveRequestMsg xmlns="{TNS}">{request}</RetrieveRequestMsg>'


def _write(operation: str, item: dict[str, Any]) -> str:
    from tests.emulator.conftest import to_xml

    return f'<{operation}Request xmlns="{TNS}"><Options/>{to_xml("Objects", item)}</{operation}Request>'


def test_order_checker_catches_disorder(sequences: Sequences) -> None:
    body = etree.fromstring(
        f'<RetrieveResponseMsg xmlns="{TNS}" xmlns:xsi="{XSI_NS}"><OverallStatus>OK</OverallStatus>'
        '<Results xsi:type="DataFolder"><Name>x</Name><ID>1</ID></Results></RetrieveResponseMsg>'
    )
    with pytest.raises(AssertionError, match="out of WSDL order"):
        sequences.check_body(body)
