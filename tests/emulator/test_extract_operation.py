"""The SOAP Extract operation over raw SOAP: a Data Extension Extract writes the rows to Export/, a Tracking
Extract writes the events of its date range as zipped tracking files, and the documented 31xxx errors."""

from __future__ import annotations

import csv
import io
import zipfile
from typing import Any

import pytest

from mcstate.emulator.server import EmulatorServer
from tests.emulator.conftest import NS, TNS, Client, data_extension, field, to_xml
from tests.emulator.test_query_run import load

DE_EXTRACT = "bb94a04d-9632-4623-be47-daabc3f588a6"
TRACKING_EXTRACT = "c7219016-a7f0-4c72-8657-1ec12c28a0db"


def extract(client: Client, extract_id: str, **parameters: str) -> dict[str, Any]:
    request = {
        "ID": extract_id,
        "Options": {},
        "Parameters": {"Parameter": [{"Name": name, "Value": value} for name, value in parameters.items()]},
    }
    body = f'<ExtractRequestMsg xmlns="{TNS}">{to_xml("Requests", request)}</ExtractRequestMsg>'
    reply = client.call("Extract", body)
    assert reply.status == 200, reply.response.text
    (result,) = reply.body.findall("p:Results/p:ExtractResult", NS)
    return {
        "overall": reply.body.findtext("p:OverallStatus", namespaces=NS),
        "code": result.findtext("p:StatusCode", namespaces=NS),
        "message": result.findtext("p:StatusMessage", namespaces=NS),
        "error": result.findtext("p:ErrorCode", namespaces=NS),
    }


@pytest.fixture
def account(client: Client) -> Client:
    people = data_extension("people", field("Id", IsPrimaryKey=True, IsRequired=True), field("City"))
    assert client.create(people).overall == "OK"
    load(client, "people", "Id,City\n1,Lyon\n2,Nice\n")
    return client


def test_a_data_extension_extract_writes_the_rows_to_export(account: Client, server: EmulatorServer) -> None:
    result = extract(
        account, DE_EXTRACT, DECustomerKey="people", OutputFileName="people.csv", HasColumnHeaders="true",
        _AsyncID="0", StartDate="1/1/1900 1:00:00 AM", EndDate="1/1/1900 1:00:00 AM",
    )  # fmt: skip
    assert (result["overall"], result["code"]) == ("OK", "OK"), result
    text = (server.app.files.root / "Export" / "people.csv").read_text(encoding="utf-8")
    assert list(csv.reader(io.StringIO(text))) == [["Id", "City"], ["1", "Lyon"], ["2", "Nice"]]


def test_a_tracking_extract_zips_the_events_of_its_range(account: Client, server: EmulatorServer) -> None:
    reply = account.http.post(
        account.base_url + "_emulator/dataviews/_Sent/rows",
        data=b"SubscriberKey,JobID,EventDate\n1,7,2026-01-02 10:00:00\n2,7,2025-06-01 10:00:00\n",
        headers={"Content-Type": "text/csv"},
    )
    assert reply.status_code == 200
    result = extract(
        account, TRACKING_EXTRACT, StartDate="1/1/2026 12:00:00 AM", EndDate="1/31/2026 11:59:59 PM",
        OutputFileName="tracking.zip", ExtractSent="true", ExtractOpens="true",
    )  # fmt: skip
    assert result["code"] == "OK", result
    with zipfile.ZipFile(server.app.files.root / "Export" / "tracking.zip") as archive:
        assert sorted(archive.namelist()) == ["Opens.csv", "Sent.csv"]
        sent = list(csv.DictReader(io.StringIO(archive.read("Sent.csv").decode())))
    assert [(row["SubscriberKey"], row["SendID"], row["EventType"]) for row in sent] == [("1", "7", "Sent")]


@pytest.mark.parametrize(
    ("extract_id", "parameters", "code", "words"),
    [
        ("not-a-guid", {}, "31000", "Invalid ID"),
        ("00000000-0000-0000-0000-000000000000", {}, "31001", "Unknown ID"),
        (DE_EXTRACT, {"OutputFileName": "x.csv"}, "31006", "Missing required parameter: DECustomerKey"),
        (
            TRACKING_EXTRACT,
            {"StartDate": "soon", "EndDate": "1/1/2026", "OutputFileName": "t.zip"},
            "31007",
            "StartDate",
        ),
    ],
)
def test_extract_errors_carry_the_documented_codes(
    account: Client, extract_id: str, parameters: dict[str, str], code: str, words: str
) -> None:
    result = extract(account, extract_id, **parameters)
    assert (result["overall"], result["code"], result["error"]) == ("Error", "Error", code), result
    assert words in result["message"]


def test_a_data_extension_extract_named_zip_is_zipped(account: Client, server: EmulatorServer) -> None:
    result = extract(
        account, DE_EXTRACT, DECustomerKey="people", OutputFileName="people.zip", HasColumnHeaders="true",
        _AsyncID="0", StartDate="1/1/1900 1:00:00 AM", EndDate="1/1/1900 1:00:00 AM",
    )  # fmt: skip
    assert result["code"] == "OK", result
    with zipfile.ZipFile(server.app.files.root / "Export" / "people.zip") as archive:
        assert archive.namelist() == ["people.csv"]
        assert archive.read("people.csv").decode().splitlines()[0] == "Id,City"
