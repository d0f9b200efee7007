"""Starting a query over raw SOAP, as a client would: Perform Start by ObjectID runs its SQL over the rows,
AsyncActivityStatus (by the task's ID) reports how it ended, and the target holds the result."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
import requests

from mcstate.emulator.server import EmulatorServer
from tests.emulator.conftest import NS, TNS, XSI_NS, Client, data_extension, field, simple, to_xml
from tests.emulator.test_querydefinition import query
from tests.emulator.test_rows import rows_of

_KEYS = itertools.count(1)
STATUS = ["TaskID", "Status", "ErrorMsg", "ParentInteractionObjectID", "ProcessedCount"]


@pytest.fixture
def account(client: Client, server: EmulatorServer) -> Client:
    customers = data_extension(
        "customers",
        field("Id", "Number", IsPrimaryKey=True, IsRequired=True),
        field("Email", "EmailAddress"),
        field("Region", MaxLength=20),
        field("Joined", "Date"),
        field("Active", "Boolean"),
        name="Customers",
    )
    segment = data_extension(
        "segment",
        field("Id", "Number", IsPrimaryKey=True, IsRequired=True),
        field("Region", MaxLength=5),
        field("Label", MaxLength=40),
        name="Segment",
    )
    assert client.create(customers, segment).overall == "OK"
    assert clock(client, {"now": "2026-01-05T02:00:00"}).status_code == 200
    load(
        client,
        "customers",
        "Id,Email,Region,Joined,Active\n"
        "1,a@example.com,north,2025-12-30,true\n"
        "2,b@example.com,NORTH,2025-06-01,false\n"
        "3,c@example.com,south,2026-01-04 23:00:00,true\n",
    )
    return client


def clock(client: Client, body: dict[str, Any]) -> requests.Response:
    return client.admin("PUT", "clock", body)


def load(client: Client, key: str, csv_text: str, *, replace: bool = False) -> requests.Response:
    url = client.base_url + f"_emulator/dataextensions/{key}/rows" + ("?replace=true" if replace else "")
    reply = client.http.post(url, data=csv_text.encode(), headers={"Content-Type": "text/csv"})
    assert reply.status_code == 200, reply.text
    return reply


def create_query(client: Client, sql: str, update_type: str = "Overwrite", key: str | None = None) -> str:
    key = key or f"q{next(_KEYS)}"
    reply = client.create(query(key, QueryText=sql, TargetUpdateType=update_type))
    assert reply.overall == "OK", reply.only()
    return str(reply.only().text("NewObjectID"))


def start(client: Client, definition: dict[str, Any]) -> dict[str, Any]:
    inner = to_xml("Action", "Start") + f"<Definitions>{to_xml('Definition', definition)}</Definitions>"
    reply = client.call("Perform", f'<PerformRequestMsg xmlns="{TNS}">{inner}</PerformRequestMsg>')
    assert reply.status == 200, reply.response.text
    (result,) = reply.body.findall("p:Results/p:Result", NS)
    return {
        "code": result.findtext("p:StatusCode", namespaces=NS),
        "message": result.findtext("p:StatusMessage", namespaces=NS),
        "task": result.findtext("p:Task/p:ID", namespaces=NS),
    }


def status(client: Client, task: str) -> dict[str, str]:
    reply = client.retrieve("AsyncActivityStatus", STATUS, simple("TaskID", "equals", task))
    (result,) = reply.body.findall("p:Results", NS)
    assert result.get(f"{{{XSI_NS}}}type") == "ObjectExtension"
    assert result.findtext("p:Type", namespaces=NS) == "AsyncActivityStatus"
    return {
        prop.findtext("p:Name", namespaces=NS): prop.findtext("p:Value", namespaces=NS) or ""
        for prop in result.findall("p:Properties/p:Property", NS)
    }


def run(client: Client, sql: str, update_type: str = "Overwrite") -> dict[str, str]:
    object_id = create_query(client, sql, update_type)
    started = start(client, {"@type": "QueryDefinition", "ObjectID": object_id})
    assert (started["code"], started["message"]) == ("OK", "QueryDefinition perform called successfully")
    result = status(client, started["task"])
    assert result["ParentInteractionObjectID"] == object_id
    return result


def segment(client: Client) -> list[dict[str, str]]:
    return rows_of(client, "segment", "Id", "Region", "Label")


def test_a_query_fills_its_target_and_its_status_says_complete(account: Client) -> None:
    result = run(
        account,
        "SELECT Id, UPPER(Region) AS Region, CONVERT(VARCHAR(10), Joined, 101) AS Label "
        "FROM Customers WHERE Region = 'North' AND Joined > DATEADD(day, -30, GETDATE())",
    )
    assert (result["Status"], result["ErrorMsg"], result["ProcessedCount"]) == ("Complete", "", "1")
    assert segment(account) == [{"Id": "1", "Region": "NORTH", "Label": "12/30/2025"}]


def test_text_compares_without_case_and_a_join_reads_both_tables(account: Client) -> None:
    load(account, "segment", "Id,Region,Label\n1,north,old\n")
    result = run(
        account,
        "SELECT c.Id, c.Region, s.Label + '/' + c.Email AS Label FROM Customers c "
        "JOIN Segment s ON s.Region = c.Region",
        "Update",
    )
    assert result["Status"] == "Complete"
    assert sorted(segment(account), key=lambda row: row["Id"]) == [
        {"Id": "1", "Region": "north", "Label": "old/a@example.com"},
        {"Id": "2", "Region": "NORTH", "Label": "old/b@example.com"},
    ]


def test_overwrite_replaces_append_adds_update_merges(account: Client) -> None:
    load(account, "segment", "Id,Region,Label\n9,west,kept?\n1,x,before\n")
    run(account, "SELECT Id, 'n' AS Region FROM Customers WHERE Id = 1")
    assert segment(account) == [{"Id": "1", "Region": "n", "Label": ""}]
    append = run(account, "SELECT Id FROM Customers WHERE Id > 1", "Append")
    assert append["Status"] == "Complete"
    assert [row["Id"] for row in segment(account)] == ["1", "2", "3"]
    run(account, "SELECT Id, 'u' AS Label FROM Customers WHERE Id IN (1, 3)", "Update")
    assert segment(account) == [
        {"Id": "1", "Region": "n", "Label": "u"},
        {"Id": "2", "Region": "", "Label": ""},
        {"Id": "3", "Region": "", "Label": "u"},
    ]


@pytest.mark.parametrize(
    ("sql", "update_type", "words"),
    [
        (
            "SELECT Id, Email AS Region FROM Customers",
            "Overwrite",
            "String or binary data would be truncated",
        ),
        ("SELECT 1 AS Id FROM Customers", "Overwrite", "Violation of PRIMARY KEY constraint"),
        ("SELECT Id FROM Customers", "Append", "Violation of PRIMARY KEY constraint"),
        ("SELECT 1 AS Id FROM Customers", "Update", "The MERGE statement attempted to UPDATE"),
        (
            "SELECT NULL AS Id, Region FROM Customers",
            "Overwrite",
            "Cannot insert the value NULL into column 'Id'",
        ),
        ("SELECT Id, Region, 1 / (Id - Id) AS Label FROM Customers", "Overwrite", "Divide by zero"),
        ("SELECT CAST(Email AS INT) AS Id FROM Customers", "Overwrite", "Conversion failed"),
    ],
)
def test_a_failing_run_reports_the_sql_server_error_and_writes_nothing(
    account: Client, sql: str, update_type: str, words: str
) -> None:
    load(account, "segment", "Id,Region,Label\n1,keep,keep\n")
    result = run(account, sql, update_type)
    assert result["Status"] == "Error"
    assert words in result["ErrorMsg"]
    assert segment(account) == [{"Id": "1", "Region": "keep", "Label": "keep"}]


def test_a_query_reads_a_data_view_loaded_through_the_admin_route(account: Client) -> None:
    opens = "SubscriberKey,EventDate,JobID,IsUnique\n1,2026-01-04 10:00:00,7,True\n2,2025-01-04,7,True\n"
    reply = account.http.post(
        account.base_url + "_emulator/dataviews/_Open/rows",
        data=opens.encode(),
        headers={"Content-Type": "text/csv"},
    )
    assert reply.json() == {"name": "_Open", "loaded": 2}
    result = run(
        account,
        "SELECT CAST(o.SubscriberKey AS INT) AS Id, 'open' AS Region FROM _Open o "
        "WHERE o.EventDate >= DATEADD(day, -7, GETDATE()) AND o.IsUnique = 1",
    )
    assert result["Status"] == "Complete", result
    assert segment(account) == [{"Id": "1", "Region": "open", "Label": ""}]


def test_a_query_is_started_by_its_object_id(account: Client) -> None:
    create_query(account, "SELECT Id FROM Customers", key="q")
    started = start(account, {"@type": "QueryDefinition", "CustomerKey": "q"})
    assert started["code"] == "Error"
    assert "ObjectID" in started["message"]


def test_bad_rows_for_the_admin_route_load_nothing(account: Client) -> None:
    url = account.base_url + "_emulator/dataextensions/segment/rows"
    for body, words in [
        ("Id,Region\nx,north\n", "not a valid Number"),
        ("Id,Nope\n1,a\n", "no field named Nope"),
        ("Id,Region\n1,a\n1,b\n", "PRIMARY KEY"),
        ("Id,Region\n1,toolong\n", "Max Length"),
    ]:
        reply = account.http.post(url, data=body.encode(), headers={"Content-Type": "text/csv"})
        assert reply.status_code == 400 and words in reply.json()["error"], (body, reply.text)
    assert segment(account) == []


def test_the_clock_can_be_read_set_and_advanced(account: Client) -> None:
    assert account.admin("GET", "clock").json() == {"now": "2026-01-05T02:00:00", "frozen": True, "set": True}
    assert clock(account, {"advance": 3600}).json()["now"] == "2026-01-05T03:00:00"
    assert clock(account, {"advance": -1}).status_code == 400
    assert clock(account, {"now": "yesterday"}).status_code == 400
    assert clock(account, {"now": None}).json()["set"] is False


def test_the_rest_start_route_runs_a_query_and_its_status_is_read_by_the_query(account: Client) -> None:
    object_id = create_query(account, "SELECT Id, Region FROM Customers WHERE Region = 'south'")
    reply = account.rest("POST", f"automation/v1/queries/{object_id}/actions/start/")
    assert (reply.status_code, reply.json()) == (200, "OK")
    found = account.retrieve(
        "AsyncActivityStatus", STATUS, simple("ParentInteractionObjectID", "equals", object_id)
    ).objects()
    assert len(found) == 1
    assert segment(account) == [{"Id": "3", "Region": "south", "Label": ""}]
    assert account.rest("POST", "automation/v1/queries/nope/actions/start/").status_code == 404
