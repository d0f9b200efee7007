"""The REST rows routes of data extensions over HTTP: the customobjectdata rowset a page at a time, the hub
rowset (insert), the async rows (PUT upserts, POST inserts), each row checked as SOAP checks it."""

from __future__ import annotations

import pytest

from tests.emulator.conftest import Client, data_extension, field, simple
from tests.emulator.test_query_run import load
from tests.emulator.test_rows import rows_of


@pytest.fixture
def account(client: Client) -> Client:
    people = data_extension(
        "people", field("Id", "Number", IsPrimaryKey=True, IsRequired=True), field("City", MaxLength=10)
    )
    assert client.create(people).overall == "OK"
    return client


def test_the_rowset_is_read_a_page_at_a_time(account: Client) -> None:
    load(account, "people", "Id,City\n" + "".join(f"{n},c{n}\n" for n in range(1, 6)))
    first = account.rest("GET", "data/v1/customobjectdata/key/people/rowset?$page=1&$pageSize=2").json()
    assert (first["count"], first["page"], first["pageSize"]) == (5, 1, 2)
    assert first["items"] == [
        {"keys": {"id": "1"}, "values": {"city": "c1"}},
        {"keys": {"id": "2"}, "values": {"city": "c2"}},
    ]
    assert "next" in first["links"]
    last = account.rest("GET", "data/v1/customobjectdata/key/people/rowset?$page=3&$pageSize=2").json()
    assert [item["keys"]["id"] for item in last["items"]] == ["5"] and "next" not in last["links"]
    assert account.rest("GET", "data/v1/customobjectdata/key/nope/rowset").status_code == 404


def test_the_hub_rowset_inserts_and_refuses_an_existing_key(account: Client) -> None:
    body = [{"keys": {"Id": 1}, "values": {"City": "Lyon"}}, {"keys": {"Id": 2}, "values": {"City": "Nice"}}]
    reply = account.rest("POST", "hub/v1/dataevents/key:people/rowset", body)
    assert reply.status_code == 200, reply.text
    again = account.rest(
        "POST", "hub/v1/dataevents/key:people/rowset", [{"keys": {"Id": 1}, "values": {"City": "X"}}]
    )
    assert again.status_code == 400 and "PRIMARY KEY" in again.json()["message"]
    assert rows_of(account, "people", "Id", "City") == [
        {"Id": "1", "City": "Lyon"},
        {"Id": "2", "City": "Nice"},
    ]


def test_the_async_rows_put_upserts_and_a_bad_row_writes_nothing(account: Client) -> None:
    reply = account.rest(
        "PUT", "data/v1/async/dataextensions/key:people/rows", {"items": [{"Id": 1, "City": "Lyon"}]}
    )
    assert reply.status_code == 202 and reply.json()["requestId"]
    account.rest(
        "PUT", "data/v1/async/dataextensions/key:people/rows", {"items": [{"Id": 1, "City": "Paris"}]}
    )
    bad = account.rest(
        "PUT",
        "data/v1/async/dataextensions/key:people/rows",
        {"items": [{"Id": 2, "City": "Ok"}, {"Id": "x"}]},
    )
    assert bad.status_code == 400 and "Row 2" in bad.json()["message"]
    too_long = account.rest(
        "POST", "data/v1/async/dataextensions/key:people/rows", {"items": [{"Id": 3, "City": "Far too long"}]}
    )
    assert too_long.status_code == 400
    assert rows_of(account, "people", "Id", "City") == [{"Id": "1", "City": "Paris"}]


def test_retention_deletes_rows_when_the_clock_passes_their_period(client: Client) -> None:
    assert client.admin("PUT", "clock", {"now": "2026-01-01T00:00:00"}).status_code == 200
    by_row = data_extension(
        "by_row", field("Id", IsPrimaryKey=True, IsRequired=True), DataRetentionPeriodLength=7,
        DataRetentionPeriodUnitOfMeasure=3, RowBasedRetention=True,
    )  # fmt: skip
    everything = data_extension(
        "everything", field("Id", IsPrimaryKey=True, IsRequired=True), DataRetentionPeriodLength=1,
        DataRetentionPeriodUnitOfMeasure=5, RowBasedRetention=False, DeleteAtEndOfRetentionPeriod=True,
    )  # fmt: skip
    created = client.create(by_row, everything)
    assert created.overall == "OK", [r.message for r in created.results]
    load(client, "by_row", "Id\nold\n")
    load(client, "everything", "Id\n1\n")
    client.admin("PUT", "clock", {"advance": 5 * 86400})
    load(client, "by_row", "Id\nnew\n")
    moved = client.admin("PUT", "clock", {"advance": 3 * 86400}).json()
    assert moved["retention"] == {"by_row": 1}
    assert rows_of(client, "by_row", "Id") == [{"Id": "new"}]
    moved = client.admin("PUT", "clock", {"advance": 30 * 86400}).json()
    assert moved["retention"] == {"by_row": 1, "everything": 1}
    assert (
        client.retrieve(
            "DataExtension", ["CustomerKey"], simple("CustomerKey", "equals", "everything")
        ).objects()
        == []
    )


def test_values_are_checked_as_the_service_checks_them(client: Client) -> None:
    typed = data_extension(
        "typed", field("Id", "Number", IsPrimaryKey=True, IsRequired=True),
        field("Amount", "Decimal", Precision=5, Scale=2), field("Email", "EmailAddress"),
    )  # fmt: skip
    assert client.create(typed).overall == "OK"
    load(client, "typed", "Id,Amount,Email\n1,12.345,a@example.com\n2,-999.994,\n")
    assert rows_of(client, "typed", "Id", "Amount") == [
        {"Id": "1", "Amount": "12.35"},  # rounded to the scale, half away from zero
        {"Id": "2", "Amount": "-999.99"},
    ]
    url = client.base_url + "_emulator/dataextensions/typed/rows"
    for row in ("3,1000.00,", "4,1,not-an-address", "2147483648,1,", "5,1e,"):
        reply = client.http.post(
            url, data=f"Id,Amount,Email\n{row}\n".encode(), headers={"Content-Type": "text/csv"}
        )
        assert reply.status_code == 400 and "is not a valid" in reply.json()["error"], (row, reply.text)
