"""HTTP surface: token endpoint, SOAP authentication and dispatch, faults, WSDL, admin endpoints."""

from __future__ import annotations

import hashlib
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from lxml import etree

from mcstate.emulator.server import EmulatorServer
from mcstate.emulator.store import SCHEMA_VERSION, reset
from tests.emulator.conftest import NS, SOAP_NS, TNS, Client, Reply, data_extension, envelope, serve

WSSE = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
STATUS_BODY = f'<SystemStatusRequestMsg xmlns="{TNS}"><Options/></SystemStatusRequestMsg>'
RETRIEVE_DE = (
    f'<RetrieveRequestMsg xmlns="{TNS}"><RetrieveRequest><ObjectType>DataExtension</ObjectType>'
    "<Properties>Name</Properties></RetrieveRequest></RetrieveRequestMsg>"
)


@pytest.fixture
def guarded(tmp_path: Path) -> Iterator[EmulatorServer]:
    """A server that only accepts one client id and secret."""
    running, thread = serve(tmp_path / "guarded.db", client_id="cid", client_secret="right")
    yield running
    running.shutdown()
    running.server_close()
    thread.join(timeout=10)


def token_request(base_url: str, **body: object) -> requests.Response:
    return requests.post(base_url + "v2/token", json=body)


def assert_security_fault(response: requests.Response, message: str = "Login failed") -> None:
    assert response.status_code == 500
    root = etree.fromstring(response.content)
    fault = root.find("soap:Body/soap:Fault", NS)
    assert fault is not None
    code = fault.find("faultcode")
    assert code is not None and code.text == "q0:Security"
    assert code.nsmap["q0"] == WSSE
    assert fault.findtext("faultstring") == message
    assert fault.find("detail") is None


# -- tokens ------------------------------------------------------------------------------------------------


def test_token_answers_like_a_tenant(server: EmulatorServer) -> None:
    response = token_request(
        server.base_url, grant_type="client_credentials", client_id="a", client_secret="b"
    )
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "Bearer" and body["expires_in"] == 1079 and body["scope"]
    assert body["soap_instance_url"] == body["rest_instance_url"] == server.base_url
    assert len(body["access_token"]) >= 32


def test_token_refuses_bad_requests(server: EmulatorServer) -> None:
    bad_json = requests.post(
        server.base_url + "v2/token", data=b"{nope", headers={"Content-Type": "application/json"}
    )
    assert bad_json.status_code == 400 and bad_json.json()["error"] == "invalid_request"
    grant = token_request(server.base_url, grant_type="password", client_id="a", client_secret="b")
    assert grant.status_code == 400 and grant.json()["error"] == "unsupported_grant_type"
    missing = token_request(server.base_url, grant_type="client_credentials")
    assert missing.status_code == 401 and missing.json()["error"] == "invalid_client"


def test_configured_credentials_are_enforced(guarded: EmulatorServer) -> None:
    wrong = token_request(
        guarded.base_url, grant_type="client_credentials", client_id="cid", client_secret="wrong"
    )
    assert wrong.status_code == 401
    assert wrong.json() == {
        "error": "invalid_client",
        "error_description": "Client authentication failed. Make sure that the client ID and client secret "
        "are "
        "valid and that the package is installed and enabled.",
        "error_uri": "https://developer.salesforce.com/docs",
    }
    right = token_request(
        guarded.base_url,
        grant_type="client_credentials",
        client_id="cid",
        client_secret="right",
        account_id="100000001",  # the parent business unit of the emulated enterprise
    )
    assert right.status_code == 200


def test_soap_requires_a_valid_token(client: Client) -> None:
    assert_security_fault(client.post("Retrieve", RETRIEVE_DE, token=None))
    assert_security_fault(client.post("Retrieve", RETRIEVE_DE, token="forged"))
    assert client.post("Retrieve", RETRIEVE_DE).status_code == 200


def test_security_fault_names_the_endpoint(client: Client) -> None:
    response = client.post("Retrieve", RETRIEVE_DE, token=None)
    actor = etree.fromstring(response.content).findtext("soap:Body/soap:Fault/faultactor", namespaces=NS)
    assert actor == client.base_url + "Service.asmx"


def test_expired_token(tmp_path: Path) -> None:
    running, thread = serve(tmp_path / "short.db", token_lifetime=0)
    try:
        short = Client(running.base_url)
        assert_security_fault(short.post("Retrieve", RETRIEVE_DE), "Token Expired")
    finally:
        running.shutdown()
        running.server_close()
        thread.join(timeout=10)


def test_fueloauth_without_namespace_and_header_after_body(client: Client) -> None:
    unqualified = (
        f'<s:Envelope xmlns:s="{SOAP_NS}"><s:Body>{STATUS_BODY}</s:Body>'
        f"<s:Header><fueloauth>{client.token}</fueloauth></s:Header></s:Envelope>"
    )
    response = client.http.post(
        client.base_url + "Service.asmx",
        data=unqualified,
        headers={"SOAPAction": "GetSystemStatus", "Content-Type": "text/xml"},
    )
    assert response.status_code == 200
    assert client.post("GetSystemStatus", STATUS_BODY, header_after_body=True).status_code == 200
    other_namespace = unqualified.replace("<fueloauth>", '<fueloauth xmlns="urn:other">')
    response = client.http.post(
        client.base_url + "Service.asmx",
        data=other_namespace,
        headers={"SOAPAction": "GetSystemStatus", "Content-Type": "text/xml"},
    )
    assert_security_fault(response)


def test_username_token(guarded: EmulatorServer) -> None:
    def call(password: str) -> requests.Response:
        request = (
            f'<s:Envelope xmlns:s="{SOAP_NS}"><s:Header><wsse:Security xmlns:wsse="{WSSE}">'
            "<wsse:UsernameToken>"
            f"<wsse:Username>cid</wsse:Username><wsse:Password>{password}</wsse:Password></wsse:UsernameToken>"
            f"</wsse:Security></s:Header><s:Body>{STATUS_BODY}</s:Body></s:Envelope>"
        )
        return requests.post(
            guarded.base_url + "Service.asmx",
            data=request,
            headers={"SOAPAction": "GetSystemStatus", "Content-Type": "text/xml"},
        )

    assert call("right").status_code == 200
    assert_security_fault(call("wrong"))


# -- dispatch and faults ----------------------------------------------------------------------------------


def test_get_system_status(client: Client) -> None:
    reply = client.call("GetSystemStatus", STATUS_BODY)
    assert reply.status == 200
    assert etree.QName(reply.body).localname == "SystemStatusResponseMsg"
    result = reply.body.find("p:Results/p:Result", NS)
    assert result is not None and result.findtext("p:SystemStatus", namespaces=NS) == "OK"
    assert reply.overall == "OK" and reply.request_id
    assert reply.root.findtext(
        "soap:Header/{http://schemas.xmlsoap.org/ws/2004/08/addressing}Action", namespaces=NS
    ) == ("GetSystemStatusResponse")


def test_soap_action_is_case_insensitive_and_falls_back_to_the_body(client: Client) -> None:
    assert client.call("retrieve", RETRIEVE_DE).overall == "OK"
    assert client.call(None, RETRIEVE_DE).overall == "OK"
    upper_path = client.http.post(
        client.base_url + "SERVICE.ASMX",
        data=envelope(RETRIEVE_DE, client.token),
        headers={"SOAPAction": "Retrieve", "Content-Type": "text/xml"},
    )
    assert upper_path.status_code == 200


def test_unknown_action(client: Client) -> None:
    reply = client.call("Bogus", RETRIEVE_DE)
    assert reply.status == 500
    assert reply.fault == (
        "soap:Client",
        "Server did not recognize the value of HTTP Header SOAPAction: Bogus.",
    )


def test_operation_not_provided_is_a_client_fault_that_retrying_cannot_cure(client: Client) -> None:
    for operation, element in (
        ("Perform", "PerformRequestMsg"),
        ("Schedule", "ScheduleRequestMsg"),
        ("Describe", "DefinitionRequestMsg"),
        ("Extract", "ExtractRequestMsg"),
        ("Query", "QueryRequestMsg"),
        ("Configure", "ConfigureRequestMsg"),
        ("Execute", "ExecuteRequestMsg"),
        ("VersionInfo", "VersionInfoRequestMsg"),
    ):
        reply = client.call(operation, f'<{element} xmlns="{TNS}"/>')
        assert reply.status == 500 and reply.fault[0] == "soap:Client", operation


def test_body_must_match_the_action(client: Client) -> None:
    reply = client.call("Create", RETRIEVE_DE)
    assert reply.status == 500
    assert reply.fault == (
        "soap:Client",
        "Server was unable to read request. ---> There is an error in the XML document. ---> "
        f"<RetrieveRequestMsg xmlns='{TNS}'> was not expected.",
    )


def test_malformed_xml(client: Client) -> None:
    response = client.http.post(
        client.base_url + "Service.asmx",
        data=b"<s:Envelope",
        headers={"SOAPAction": "Retrieve", "Content-Type": "text/xml"},
    )
    assert response.status_code == 500
    code, message = Reply(response).fault
    assert code == "soap:Client"
    assert message.startswith(
        "Server was unable to read request. ---> There is an error in the XML document. ---> "
    )


def test_unknown_xsi_type(client: Client) -> None:
    body = (
        f'<CreateRequest xmlns="{TNS}"><Options/><Objects xsi:type="Gadget"><Name>x</Name></Objects>'
        "</CreateRequest>"
    )
    reply = client.call("Create", body)
    assert reply.status == 500
    assert reply.fault == (
        "soap:Client",
        "Server was unable to read request. ---> There is an error in the XML document. ---> "
        f"The specified type was not recognized: name='Gadget', namespace='{TNS}', "
        f"at <Objects xmlns='{TNS}'>.",
    )


def test_invalid_boolean_is_unreadable(client: Client) -> None:
    body = (
        f'<CreateRequest xmlns="{TNS}"><Objects xsi:type="DataExtension"><Name>n</Name>'
        "<IsSendable>yes</IsSendable>"
        "<Fields><Field><Name>A</Name></Field></Fields></Objects></CreateRequest>"
    )
    reply = client.call("Create", body)
    assert reply.status == 500 and "The string 'yes' is not a valid Boolean value." in reply.fault[1]


def test_lenient_input(client: Client) -> None:
    body = (
        f'<ns0:CreateRequest xmlns:ns0="{TNS}">'
        '<ns0:Objects xsi:type="ns0:DataExtension">'
        "<ns0:Fields><ns0:Field><ns0:FieldType>Text</ns0:FieldType><ns0:Name>A</ns0:Name>"
        '<ns0:ObjectID xsi:nil="true"/></ns0:Field></ns0:Fields>'
        '<ns0:Name>Lenient</ns0:Name><ns0:PartnerKey xsi:nil="true"/>'
        "<ns0:CustomerKey>lenient</ns0:CustomerKey>"
        "</ns0:Objects></ns0:CreateRequest>"
    )
    reply = client.call("Create", body)
    assert reply.only().ok, reply.only()


# -- WSDL -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["etframework.wsdl", "ETFramework.wsdl"])
def test_wsdl_is_served_with_this_address(server: EmulatorServer, path: str) -> None:
    response = requests.get(server.base_url + path)
    assert response.status_code == 200
    root = etree.fromstring(response.content)
    (address,) = root.iter("{http://schemas.xmlsoap.org/wsdl/soap/}address")
    assert address.get("location") == server.base_url + "Service.asmx"
    assert root.find(".//{http://www.w3.org/2001/XMLSchema}complexType[@name='DataExtension']") is not None
    for schema_import in root.iter("{http://www.w3.org/2001/XMLSchema}import"):
        location = schema_import.get("schemaLocation")
        if location and "://" not in location:
            assert requests.get(server.base_url + location).status_code == 200


# -- admin ------------------------------------------------------------------------------------------------


def test_reset_and_request_log(client: Client, server: EmulatorServer) -> None:
    client.create(data_extension("k1"), data_extension("k2"))
    client.retrieve("DataExtension", ["Name"])
    log = client.admin("GET", "requests").json()
    assert [(entry["operation"], entry["object_count"]) for entry in log] == [("Create", 2), ("Retrieve", 0)]
    create = log[0]
    assert create["object_types"] == ["DataExtension"] and create["method"] == "POST"
    assert create["path"] == "/Service.asmx" and create["status"] == 200
    assert log[1]["result_count"] == 2 and log[0]["seq"] < log[1]["seq"] and log[0]["time"]
    assert client.admin("POST", "reset").json() == {"status": "ok"}
    assert client.retrieve("DataExtension", ["Name"]).results == []
    client.new_token()
    operations = [entry["operation"] for entry in client.admin("GET", "requests").json()]
    assert operations[-1] == "/v2/token" and len(operations) == 4
    assert client.admin("DELETE", "requests").status_code == 200
    assert client.admin("GET", "requests").json() == []


def test_row_count_endpoint(client: Client) -> None:
    client.create(data_extension("k1"))
    ok = client.admin("PUT", "dataextensions/K1/rows", {"count": 5})
    assert ok.status_code == 200
    assert client.admin("PUT", "dataextensions/missing/rows", {"count": 5}).status_code == 404
    assert client.admin("PUT", "dataextensions/k1/rows", {"count": -1}).status_code == 400
    assert client.admin("PUT", "dataextensions/k1/rows", {"rows": 1}).status_code == 400


def test_database_is_versioned_and_reset_works_from_another_process_view(
    client: Client, server: EmulatorServer
) -> None:
    path = server.app.db_path
    assert path.is_file() and path.parent.name == "nested"
    with sqlite3.connect(path) as connection:
        (version,) = connection.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    assert version == str(SCHEMA_VERSION)
    client.create(data_extension("k1"))
    reset(path)
    assert client.retrieve("DataExtension", ["Name"]).results == []
    assert len(client.retrieve("DataFolder", ["Name"]).results) == 7


def test_reset_creates_a_missing_database(tmp_path: Path) -> None:
    target = tmp_path / "new" / "dir" / "account.db"
    reset(target)
    assert target.is_file()


def test_concurrent_creates_of_one_key_succeed_once(client: Client) -> None:
    outcomes: list[bool] = []

    def create() -> None:
        worker = Client(client.base_url)
        outcomes.append(worker.create(data_extension("race")).only().ok)

    threads = [threading.Thread(target=create) for _ in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == [False] * 11 + [True]


def test_unknown_paths(server: EmulatorServer) -> None:
    assert requests.get(server.base_url + "nothing").status_code == 404
    assert requests.get(server.base_url + "_emulator/nothing").status_code == 404
    assert requests.get(server.base_url + "Service.asmx").status_code == 405


def test_the_emulator_keeps_only_hashes_of_its_tokens(client: Client, server: EmulatorServer) -> None:
    with sqlite3.connect(server.app.store.path) as connection:
        stored = {row[0] for row in connection.execute("SELECT token FROM tokens")}
    assert client.token not in stored
    assert hashlib.sha256(client.token.encode()).hexdigest() in stored
