"""Performing a saved data extract and file transfer over raw SOAP: the extract writes the data extension's
rows to the Safehouse, the transfer moves the file to the Enhanced FTP's Export folder."""

from __future__ import annotations

import shutil
from typing import Any

import pytest

from mcstate.emulator import rules
from mcstate.emulator.server import EmulatorServer
from tests.emulator.conftest import NS, TNS, Client, data_extension, field, to_xml
from tests.emulator.test_rest import EXTRACTS, TRANSFERS, extract_body, rest, transfer_body


def row(de_key: str, **values: str) -> dict[str, Any]:
    return {
        "@type": "DataExtensionObject",
        "CustomerKey": de_key,
        "Properties": {"Property": [{"Name": name, "Value": value} for name, value in values.items()]},
    }


@pytest.fixture
def account(client: Client, server: EmulatorServer) -> Client:
    customers = data_extension(
        "nto_customers", field("Id", IsPrimaryKey=True, IsRequired=True), field("City")
    )
    assert client.create(customers).overall == "OK"
    assert (
        client.create(
            row("nto_customers", Id="1", City="Lyon"), row("nto_customers", Id="2", City="Nice, Sud")
        ).overall
        == "OK"
    )
    for folder in ("Safehouse", "Export"):
        shutil.rmtree(server.app.files.root / folder)
        (server.app.files.root / folder).mkdir()
    assert rest(client, "POST", EXTRACTS, extract_body()).status_code in (200, 201)
    assert rest(client, "POST", TRANSFERS, transfer_body(client)).status_code in (200, 201)
    return client


def perform(client: Client, object_type: str, key: str) -> tuple[str, str]:
    definition = {"@type": object_type, "CustomerKey": key}
    inner = to_xml("Action", "Start") + f"<Definitions>{to_xml('Definition', definition)}</Definitions>"
    reply = client.call("Perform", f'<PerformRequestMsg xmlns="{TNS}">{inner}</PerformRequestMsg>')
    assert reply.status == 200, reply.response.text
    (result,) = reply.body.findall("p:Results/p:Result", NS)
    return result.findtext("p:StatusCode", namespaces=NS) or "", result.findtext(
        "p:StatusMessage", namespaces=NS
    ) or ""


def file_of_today() -> str:
    now = rules.server_now()
    return f"customers_{now.year:04d}{now.month:02d}{now.day:02d}.csv"


def test_an_extract_writes_the_rows_and_a_transfer_moves_them_to_export(
    account: Client, server: EmulatorServer
) -> None:
    assert perform(account, "DataExtractActivity", "nto_export") == ("OK", "DataExtractActivity performed")
    written = server.app.files.root / "Safehouse" / file_of_today()
    assert written.read_bytes() == b'Id,City\r\n1,Lyon\r\n2,"Nice, Sud"\r\n'
    assert perform(account, "FileTransferActivity", "nto_to_ftp") == ("OK", "FileTransferActivity performed")
    assert not written.exists()
    assert (server.app.files.root / "Export" / file_of_today()).read_text().startswith("Id,City")


def test_a_transfer_without_its_file_and_unknown_activities_are_errors(account: Client) -> None:
    code, message = perform(account, "FileTransferActivity", "nto_to_ftp")
    assert (code, message) == ("Error", f"The file {file_of_today()} is not in the Safehouse.")
    assert perform(account, "DataExtractActivity", "nope")[0] == "Error"


def test_an_extract_whose_file_spec_leaves_the_file_area_is_an_error_result(account: Client) -> None:
    body = extract_body("escaping", fileSpec="../../outside.csv")
    assert rest(account, "POST", EXTRACTS, body).status_code in (200, 201)
    code, message = perform(account, "DataExtractActivity", "escaping")
    assert code == "Error" and message.startswith("The file spec is not a file name")
