"""Odd and hostile requests: whatever a client sends, the emulator answers as the service would, in its wire
format: a SOAP 1.1 envelope on /Service.asmx (a result, or a fault), the JSON of the route on REST paths.
Never a text/plain 500, never a traceback, never a hang."""

from __future__ import annotations

import json
from typing import Any

import pytest
import requests
from lxml import etree

from mcstate.emulator import rules
from tests.emulator.conftest import (
    SOAP_NS,
    TNS,
    Client,
    data_extension,
    envelope,
    field,
    simple,
    to_xml,
)

SOAP_12_NS = "http://www.w3.org/2003/05/soap-envelope"


def retrieve(object_type: str, properties: list[str], **extra: Any) -> str:
    request = to_xml("RetrieveRequest", {"ObjectType": object_type, "Properties": properties, **extra})
    return f'<RetrieveRequestMsg xmlns="{TNS}">{request}</RetrieveRequestMsg>'


def write(operation: str, *objects: dict[str, Any], options: str = "<Options/>") -> str:
    element = f"{operation}Request"
    inner = options + "".join(to_xml("Objects", item) for item in objects)
    return f'<{element} xmlns="{TNS}">{inner}</{element}>'


BILLION_LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;">'
    '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;">]>'
)
EXTERNAL_ENTITY = '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'

TOKEN_HEADER = '<s:Header><fueloauth xmlns="http://exacttarget.com">TOKEN</fueloauth></s:Header>'

# (name, SOAPAction, body inside the envelope, or raw bytes of the whole request when bytes)
SOAP_CASES: list[tuple[str, str | None, str | bytes]] = [
    ("empty request", "Retrieve", b""),
    ("not XML", "Retrieve", b"\x00\xff garbage \x80"),
    ("a JSON document", "Retrieve", b'{"RetrieveRequest": {"ObjectType": "DataExtension"}}'),
    ("XML that is no envelope", "Retrieve", b"<hello/>"),
    ("an envelope without a body", "Retrieve", f'<s:Envelope xmlns:s="{SOAP_NS}"/>'.encode()),
    ("an empty body", "Retrieve", ""),
    ("an unknown action", "Frobnicate", retrieve("DataExtension", ["Name"])),
    ("a body of another operation", "Create", retrieve("DataExtension", ["Name"])),
    ("an unknown object type", "Retrieve", retrieve("NoSuchType", ["Name"])),
    ("a type the emulator keeps no objects of", "Retrieve", retrieve("Subscriber", ["EmailAddress"])),
    ("no properties", "Retrieve", retrieve("DataExtension", [])),
    ("an unknown property", "Retrieve", retrieve("DataExtension", ["Fields"])),
    ("a data source's name", "Retrieve", retrieve("FilterDefinition", ["ObjectID", "DataSource.Name"])),
    (
        "every filter definition property",
        "Retrieve",
        retrieve(
            "FilterDefinition",
            [
                "ObjectID",
                "CustomerKey",
                "Name",
                "Description",
                "CategoryID",
                "DataSource.ObjectID",
                "DataSource.CustomerKey",
                "DataSource.Name",
                "DataFilter",
                "Client.ID",
                "CreatedDate",
                "ModifiedDate",
            ],
        ),
    ),
    (
        "an unknown operator",
        "Retrieve",
        retrieve("DataExtension", ["Name"], Filter=simple("Name", "sounds", "x")),
    ),
    (
        "a filter on an unknown property",
        "Retrieve",
        retrieve("DataExtension", ["Name"], Filter=simple("Colour", "equals", "x")),
    ),
    (
        "a complex filter without operands",
        "Retrieve",
        retrieve("DataExtension", ["Name"], Filter={"@type": "ComplexFilterPart", "LogicalOperator": "AND"}),
    ),
    (
        "a bad logical operator",
        "Retrieve",
        retrieve(
            "DataExtension",
            ["Name"],
            Filter={
                "@type": "ComplexFilterPart",
                "LeftOperand": simple("Name", "equals", "a"),
                "LogicalOperator": "XOR",
                "RightOperand": simple("Name", "equals", "b"),
            },
        ),
    ),
    (
        "a filter of an unknown type",
        "Retrieve",
        retrieve("DataExtension", ["Name"], Filter={"@type": "TagFilterPart"}),
    ),
    (
        "a date that is no date",
        "Retrieve",
        retrieve("DataExtension", ["Name"], Filter=simple("CreatedDate", "greaterThan", "yesterday")),
    ),
    (
        "like on automations",
        "Retrieve",
        retrieve("Automation", ["Name"], Filter=simple("Name", "like", "%a%")),
    ),
    (
        "a complex filter on automations",
        "Retrieve",
        retrieve(
            "Automation",
            ["Name"],
            Filter={
                "@type": "ComplexFilterPart",
                "LeftOperand": simple("Name", "equals", "a"),
                "LogicalOperator": "OR",
                "RightOperand": simple("Name", "equals", "b"),
            },
        ),
    ),
    ("rows of an unknown data extension", "Retrieve", retrieve("DataExtensionObject[nowhere]", ["Id"])),
    ("rows without a key", "Retrieve", retrieve("DataExtensionObject[", ["Id"])),
    (
        "an unknown continuation",
        "Retrieve",
        f'<RetrieveRequestMsg xmlns="{TNS}"><RetrieveRequest>'
        "<ContinueRequest>not-a-request-id</ContinueRequest></RetrieveRequest></RetrieveRequestMsg>",
    ),
    ("a negative batch size", "Retrieve", retrieve("DataExtension", ["Name"], Options={"BatchSize": -5})),
    (
        "a batch size beyond Int32",
        "Retrieve",
        retrieve("DataExtension", ["Name"], Options={"BatchSize": 2**31}),
    ),
    (
        "a batch size that is no number",
        "Retrieve",
        retrieve("DataExtension", ["Name"], Options={"BatchSize": "many"}),
    ),
    (
        "ClientIDs of another business unit",
        "Retrieve",
        retrieve("DataExtension", ["Name"], ClientIDs={"ID": 7}),
    ),
    (
        "a client ID that is no number",
        "Retrieve",
        retrieve("DataExtension", ["Name"], ClientIDs={"ID": "seven"}),
    ),
    ("a create without objects", "Create", write("Create")),
    ("a create of an abstract type", "Create", write("Create", {"@type": "APIObject", "CustomerKey": "x"})),
    ("a create of an unknown type", "Create", write("Create", {"@type": "Nonsense", "CustomerKey": "x"})),
    ("a create of a type without a handler", "Create", write("Create", {"@type": "Subscriber"})),
    (
        "an integer beyond Int64",
        "Create",
        write("Create", data_extension("big", field("Id"), CategoryID=2**64)),
    ),
    (
        "an Int32 element beyond its range",
        "Create",
        write("Create", data_extension("big", field("Id", MaxLength=2**31))),
    ),
    (
        "a negative Int64 beyond its range",
        "Create",
        write("Create", data_extension("big", field("Id"), CategoryID=-(2**63) - 1)),
    ),
    (
        "a boolean that is no boolean",
        "Create",
        write("Create", data_extension("b", field("Id"), IsSendable="yes")),
    ),
    ("an unknown field type", "Create", write("Create", data_extension("t", field("Id", "Banana")))),
    (
        "an invalid SaveAction",
        "Update",
        write(
            "Update",
            data_extension("x", field("Id")),
            options="<Options><SaveOptions><SaveOption><PropertyName>*</PropertyName>"
            "<SaveAction>Upsert</SaveAction></SaveOption></SaveOptions></Options>",
        ),
    ),
    (
        "an unknown update action",
        "Update",
        write(
            "Update",
            data_extension("x", field("Id")),
            options="<Options><Container>DataExtensionField</Container><Action>EXPLODE</Action></Options>",
        ),
    ),
    ("a delete without identity", "Delete", write("Delete", {"@type": "DataExtension"})),
    (
        "a deeply nested filter",
        "Retrieve",
        f'<RetrieveRequestMsg xmlns="{TNS}"><RetrieveRequest>'
        "<ObjectType>DataExtension</ObjectType><Properties>Name</Properties>"
        + '<Filter xsi:type="ComplexFilterPart"><LogicalOperator>AND</LogicalOperator>' * 300
        + "</Filter>" * 300
        + "</RetrieveRequest></RetrieveRequestMsg>",
    ),
    (
        "entity expansion",
        "Retrieve",
        (
            BILLION_LAUGHS + f'<s:Envelope xmlns:s="{SOAP_NS}"><s:Body>'
            f'<RetrieveRequestMsg xmlns="{TNS}"><RetrieveRequest><ObjectType>&lol3;</ObjectType>'
            "</RetrieveRequest></RetrieveRequestMsg></s:Body></s:Envelope>"
        ).encode(),
    ),
    (
        "an external entity",
        "Retrieve",
        (
            EXTERNAL_ENTITY + f'<s:Envelope xmlns:s="{SOAP_NS}"><s:Body>'
            f'<RetrieveRequestMsg xmlns="{TNS}"><RetrieveRequest><ObjectType>&xxe;</ObjectType>'
            "</RetrieveRequest></RetrieveRequestMsg></s:Body></s:Envelope>"
        ).encode(),
    ),
    ("Perform", "Perform", f'<PerformRequestMsg xmlns="{TNS}"><Action>start</Action></PerformRequestMsg>'),
    ("Describe", "Describe", f'<DefinitionRequestMsg xmlns="{TNS}"/>'),
    ("Extract", "Extract", f'<ExtractRequestMsg xmlns="{TNS}"/>'),
    ("Schedule", "Schedule", f'<ScheduleRequestMsg xmlns="{TNS}"/>'),
]


def _is_soap_envelope(response: requests.Response) -> etree._Element:
    assert response.headers["Content-Type"].startswith("text/xml"), response.headers["Content-Type"]
    root = etree.fromstring(response.content)
    assert root.tag == f"{{{SOAP_NS}}}Envelope"
    body = root.find(f"{{{SOAP_NS}}}Body")
    assert body is not None and len(body) == 1
    return body[0]


@pytest.mark.parametrize(("name", "action", "body"), SOAP_CASES, ids=[case[0] for case in SOAP_CASES])
def test_every_answer_to_an_odd_soap_request_is_a_soap_envelope(
    client: Client, name: str, action: str | None, body: str | bytes
) -> None:
    data = (
        body.replace(b">TOKEN<", f">{client.token}<".encode())
        if isinstance(body, bytes)
        else envelope(body, client.token)
    )
    if isinstance(body, str) and "xsi:type" in body and "xmlns:xsi" not in body:
        data = data.replace(
            b"<s:Envelope ", b'<s:Envelope xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        )
    headers = {"Content-Type": "text/xml; charset=utf-8"}
    if action is not None:
        headers["SOAPAction"] = f'"{action}"'
    response = client.http.post(client.base_url + "Service.asmx", data=data, headers=headers, timeout=30)
    answer = _is_soap_envelope(response)
    assert response.status_code in (200, 500)
    if answer.tag == f"{{{SOAP_NS}}}Fault":
        assert response.status_code == 500
        assert answer.findtext("faultcode") in (
            "soap:Client",
            "soap:Server",
            "soap:VersionMismatch",
            "q0:Security",
        )
        assert "Traceback" not in (answer.findtext("faultstring") or "")
        assert rules.INTERNAL_ERROR not in response.text
        assert "root:" not in response.text  # an external entity is never resolved


@pytest.mark.parametrize(
    ("content_type", "data"),
    [
        ("application/json", json.dumps({"RetrieveRequest": {"ObjectType": "DataExtension"}}).encode()),
        ("application/soap+xml; charset=utf-8", None),
        ("text/plain", None),
        ("", None),
    ],
)
def test_requests_that_are_not_soap_11_are_refused_with_a_client_fault(
    client: Client, content_type: str, data: bytes | None
) -> None:
    body = data or envelope(retrieve("DataExtension", ["Name"]), client.token)
    headers = {"SOAPAction": "Retrieve", "Content-Type": content_type}
    response = client.http.post(client.base_url + "Service.asmx", data=body, headers=headers)
    answer = _is_soap_envelope(response)
    assert response.status_code == 500
    assert answer.findtext("faultcode") == "soap:Client"
    assert "content type" in (answer.findtext("faultstring") or "")


def test_a_soap_12_envelope_is_a_version_mismatch(client: Client) -> None:
    body = envelope(retrieve("DataExtension", ["Name"]), client.token).replace(
        SOAP_NS.encode(), SOAP_12_NS.encode()
    )
    response = client.http.post(
        client.base_url + "Service.asmx",
        data=body,
        headers={"SOAPAction": "Retrieve", "Content-Type": "text/xml; charset=utf-8"},
    )
    answer = _is_soap_envelope(response)
    assert (response.status_code, answer.findtext("faultcode")) == (500, "soap:VersionMismatch")


REST_CASES: list[tuple[str, str, Any]] = [
    ("GET", "automation/v1/nothing", None),
    ("DELETE", "automation/v1/dataextracts", None),
    ("POST", "automation/v1/dataextracts", b"not json"),
    ("POST", "automation/v1/dataextracts", b"[1, 2, 3]"),
    ("POST", "automation/v1/dataextracts", {"name": 5, "fileSpec": ["x"], "dataExtractTypeId": None}),
    ("PATCH", "automation/v1/filetransfers/not-a-guid", {"name": "x"}),
    ("GET", "automation/v1/filters/not-a-guid", None),
    ("PATCH", "automation/v1/filters/not-a-guid", {"name": "x"}),
    ("POST", "automation/v1/filters", {"name": "x"}),
    ("POST", "email/v1/category", {"parentCatId": True, "name": None, "catType": 7}),
    ("POST", "email/v1/category", b"\xff\xfe"),
    ("GET", "automation/v1/dataextracts?$page=0&$pageSize=-1", None),
    ("GET", "automation/v1/dataextracts?$page=99999999999999999999", None),
    ("GET", "data/v1/filetransferlocation/%00", None),
]


@pytest.mark.parametrize(("method", "path", "body"), REST_CASES)
def test_every_answer_to_an_odd_rest_request_is_json(
    client: Client, method: str, path: str, body: Any
) -> None:
    headers = {"Authorization": f"Bearer {client.token}"}
    if isinstance(body, bytes):
        response = client.http.request(method, client.base_url + path, data=body, headers=headers, timeout=30)
    else:
        response = client.http.request(method, client.base_url + path, json=body, headers=headers, timeout=30)
    assert response.headers["Content-Type"].startswith("application/json"), response.text
    assert 400 <= response.status_code < 500, response.text
    assert isinstance(response.json(), dict)
    assert rules.INTERNAL_ERROR not in response.text


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE"])
def test_the_soap_endpoint_answers_other_methods_in_soap(client: Client, method: str) -> None:
    response = client.http.request(method, client.base_url + "Service.asmx")
    answer = _is_soap_envelope(response)
    assert (response.status_code, answer.findtext("faultcode")) == (405, "soap:Client")


def test_a_username_token_without_an_api_user_is_refused(client: Client) -> None:
    request = (
        f'<s:Envelope xmlns:s="{SOAP_NS}"><s:Header><wsse:Security xmlns:wsse="http://docs.oasis-open.org/wss/'
        '2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"><wsse:UsernameToken><wsse:Username>anyone'
        "</wsse:Username><wsse:Password>anything</wsse:Password></wsse:UsernameToken></wsse:Security></s:Header>"
        f'<s:Body><SystemStatusRequestMsg xmlns="{TNS}"/></s:Body></s:Envelope>'
    )
    response = client.http.post(
        client.base_url + "Service.asmx",
        data=request,
        headers={"SOAPAction": "GetSystemStatus", "Content-Type": "text/xml"},
    )
    answer = _is_soap_envelope(response)
    assert (answer.findtext("faultcode"), answer.findtext("faultstring")) == ("q0:Security", "Login failed")
