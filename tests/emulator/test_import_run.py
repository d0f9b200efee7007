"""Performing an import over raw SOAP, as a client would: the file in the file area's Import folder is loaded
into the data extension, and ImportResultsSummary (by the task's ID) reports the counts."""

from __future__ import annotations

import shutil
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from mcstate.emulator import rules
from mcstate.emulator.server import EmulatorServer
from tests.emulator.conftest import NS, TNS, Client, data_extension, field, simple, to_xml
from tests.emulator.test_importdefinition import import_definition, manual
from tests.emulator.test_rows import rows_of

SUMMARY = [
    "TaskResultID", "ImportDefinitionCustomerKey", "DestinationID", "ImportStatus", "ImportType", "TotalRows",
    "NumberSuccessful", "NumberDuplicated", "NumberErrors",
]  # fmt: skip


@pytest.fixture
def account(client: Client, server: EmulatorServer) -> Client:
    people = data_extension(
        "people",
        field("Id", IsPrimaryKey=True, IsRequired=True),
        field("Email", "EmailAddress", IsRequired=True),
        field("City", MaxLength=10),
        field("Visits", "Number"),
    )
    assert client.create(people).overall == "OK"
    imports = server.app.files.root / "Import"
    shutil.rmtree(imports)
    imports.mkdir()
    return client


def put(server: EmulatorServer, name: str, text: str) -> None:
    (server.app.files.root / "Import" / name).write_text(text, encoding="utf-8")


def perform(client: Client, key: str, action: str = "start") -> dict[str, Any]:
    definition = {"@type": "ImportDefinition", "CustomerKey": key}
    inner = to_xml("Action", action) + f"<Definitions>{to_xml('Definition', definition)}</Definitions>"
    reply = client.call("Perform", f'<PerformRequestMsg xmlns="{TNS}">{inner}</PerformRequestMsg>')
    assert reply.status == 200, reply.response.text
    (result,) = reply.body.findall("p:Results/p:Result", NS)
    return {
        "overall": reply.overall,
        "code": result.findtext("p:StatusCode", namespaces=NS),
        "message": result.findtext("p:StatusMessage", namespaces=NS),
        "task": result.findtext("p:Task/p:ID", namespaces=NS),
    }


def summary(client: Client, task: str) -> dict[str, Any]:
    (item,) = client.retrieve(
        "ImportResultsSummary", SUMMARY, simple("TaskResultID", "equals", task)
    ).objects()
    return item


def people_import(client: Client, **extra: Any) -> None:
    definition = import_definition(
        "people_import",
        DestinationObject={"@type": "DataExtension", "CustomerKey": "people"},
        FileSpec="people_%%Year%%%%Month%%%%Day%%.csv",
        **extra,
    )
    assert client.create(definition).overall == "OK"


def today() -> str:
    now = rules.server_now()
    return f"{now.year:04d}{now.month:02d}{now.day:02d}"


def test_an_import_loads_its_file_and_reports_the_counts(account: Client, server: EmulatorServer) -> None:
    people_import(account)
    put(server, f"people_{today()}.csv", "Id,Email,City\n1,a@example.com,Lyon\n2,b@example.com,Nice\n")
    started = perform(account, "people_import")
    assert (started["overall"], started["code"]) == ("OK", "OK")
    assert started["message"] == f"ImportDefinition performed AsyncID:{started['task']}"
    result = summary(account, started["task"])
    assert (result["ImportStatus"], result["ImportType"], result["ImportDefinitionCustomerKey"]) == (
        "Completed",
        "Data Extensions",
        "people_import",
    )
    assert (result["TotalRows"], result["NumberSuccessful"], result["NumberErrors"]) == ("2", "2", "0")
    assert rows_of(account, "people", "Id", "City") == [
        {"Id": "1", "City": "Lyon"},
        {"Id": "2", "City": "Nice"},
    ]


def test_add_and_update_updates_by_primary_key_and_counts_duplicates(
    account: Client, server: EmulatorServer
) -> None:
    people_import(account)
    put(server, f"people_{today()}.csv", "Id,Email,City\n1,a@example.com,Lyon\n")
    perform(account, "people_import")
    put(
        server,
        f"people_{today()}.csv",
        "Id,Email,City\n1,a@example.com,Paris\n2,b@example.com,Nice\n2,b@x.org,Metz\n",
    )
    result = summary(account, perform(account, "people_import")["task"])
    assert (result["TotalRows"], result["NumberSuccessful"], result["NumberDuplicated"]) == ("3", "2", "1")
    assert rows_of(account, "people", "Id", "City") == [
        {"Id": "1", "City": "Paris"},
        {"Id": "2", "City": "Metz"},
    ]


@pytest.mark.parametrize(
    ("update_type", "expected"),
    [
        ("AddAndDoNotUpdate", [{"Id": "1", "City": "Lyon"}, {"Id": "2", "City": "Nice"}]),
        ("UpdateButDoNotAdd", [{"Id": "1", "City": "Paris"}]),
    ],
)
def test_update_types(account: Client, server: EmulatorServer, update_type: str, expected: list[Any]) -> None:
    people_import(account)
    put(server, f"people_{today()}.csv", "Id,Email,City\n1,a@example.com,Lyon\n3,c@example.com,Brest\n")
    perform(account, "people_import")
    assert (
        account.update(
            {"@type": "ImportDefinition", "CustomerKey": "people_import", "UpdateType": update_type}
        ).overall
        == "OK"
    )
    put(server, f"people_{today()}.csv", "Id,Email,City\n1,a@example.com,Paris\n2,b@example.com,Nice\n")
    perform(account, "people_import")
    rows = rows_of(account, "people", "Id", "City")
    expected = sorted([*expected, {"Id": "3", "City": "Brest"}], key=lambda row: row["Id"])
    assert sorted(rows, key=lambda row: row["Id"]) == expected


def test_overwrite_replaces_every_row(account: Client, server: EmulatorServer) -> None:
    log = data_extension("log", field("Line"))
    assert account.create(log).overall == "OK"
    definition = import_definition(
        "log_import",
        DestinationObject={"@type": "DataExtension", "CustomerKey": "log"},
        FileSpec="log.csv",
        UpdateType="Overwrite",
    )
    assert account.create(definition).overall == "OK"
    put(server, "log.csv", "Line\nfirst\nsecond\n")
    perform(account, "log_import")
    put(server, "log.csv", "Line\nthird\n")
    perform(account, "log_import")
    assert rows_of(account, "log", "Line") == [{"Line": "third"}]


def test_a_failing_row_fails_the_import_and_writes_nothing_without_allow_errors(
    account: Client, server: EmulatorServer
) -> None:
    people_import(account)
    put(
        server,
        f"people_{today()}.csv",
        "Id,Email,City,Visits\n1,a@example.com,Lyon,3\n2,b@example.com,Nice,many\n",
    )
    result = summary(account, perform(account, "people_import")["task"])
    assert (result["ImportStatus"], result["NumberErrors"], result["NumberSuccessful"]) == ("Error", "1", "0")
    assert rows_of(account, "people", "Id") == []
    (definition,) = account.retrieve(
        "ImportDefinition", ["ObjectID"], simple("CustomerKey", "equals", "people_import")
    ).objects()
    (run,) = account.retrieve(
        "AsyncActivityStatus",
        ["Status", "ErrorMsg"],
        simple("ParentInteractionObjectID", "equals", definition["ObjectID"]),
    ).objects()
    values = {p["Name"]: p["Value"] for p in run["Properties"]["Property"]}
    assert values["Status"] == "Error"
    assert values["ErrorMsg"].startswith("row 2: error 70000: ")
    assert "'many' is not a valid Number for field Visits" in values["ErrorMsg"]


def test_with_allow_errors_the_good_rows_are_written(account: Client, server: EmulatorServer) -> None:
    people_import(account, AllowErrors=True)
    put(
        server,
        f"people_{today()}.csv",
        "Id,Email,City\n1,a@example.com,Lyon\n2,,Nice\n3,c@example.com,Much too long\n",
    )
    result = summary(account, perform(account, "people_import")["task"])
    assert (result["ImportStatus"], result["NumberErrors"], result["NumberSuccessful"]) == (
        "Completed",
        "2",
        "1",
    )
    assert rows_of(account, "people", "Id") == [{"Id": "1"}]


def test_manual_and_ordinal_field_maps(account: Client, server: EmulatorServer) -> None:
    people_import(
        account,
        FieldMappingType="ManualMap",
        FieldMaps=manual(("identifier", "Id"), ("mail", "Email"), ("town", "City")),
    )
    put(server, f"people_{today()}.csv", "identifier,mail,town\n7,g@example.com,Rennes\n")
    perform(account, "people_import")
    assert rows_of(account, "people", "Id", "City") == [{"Id": "7", "City": "Rennes"}]
    by_ordinal = {
        "FieldMap": [
            {"SourceName": "2", "DestinationName": "Id"},
            {"SourceName": "1", "DestinationName": "Email"},
        ]
    }
    assert (
        account.update(
            {
                "@type": "ImportDefinition",
                "CustomerKey": "people_import",
                "FieldMappingType": "MapByOrdinal",
                "FieldMaps": by_ordinal,
            }
        ).overall
        == "OK"
    )
    put(server, f"people_{today()}.csv", "mail;identifier\nh@example.com;8\n".replace(";", ","))
    perform(account, "people_import")
    assert {"Id": "8"} in rows_of(account, "people", "Id")


def test_a_missing_file_is_an_import_in_error(account: Client) -> None:
    people_import(account)
    result = summary(account, perform(account, "people_import")["task"])
    assert (result["ImportStatus"], result["TotalRows"]) == ("Error", "0")


def test_performing_an_unknown_import_or_action_is_an_error_result(account: Client) -> None:
    unknown = perform(account, "nope")
    assert (unknown["overall"], unknown["code"]) == ("Error", "Error")
    people_import(account)
    assert perform(account, "people_import", action="stop")["code"] == "Error"


def test_the_file_spec_date_placeholders(tmp_path: Path) -> None:
    from mcstate.emulator.run.imports import file_name

    assert file_name("crm_%%YEAR%%-%%month%%-%%Day%%.csv", datetime(2026, 1, 5, 2)) == "crm_2026-01-05.csv"


@pytest.mark.parametrize(
    "inner",
    [
        "",  # no Definitions
        "<Action>start</Action><Definitions/>",
        '<Action>start</Action><Definitions><Definition xsi:type="Bogus" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"/></Definitions>',
        "<Action>start</Action><Definitions><Definition/></Definitions>",
        '<Action>start</Action><Definitions><Definition xsi:type="DataExtension" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><CustomerKey>people</CustomerKey></Definition>'
        "</Definitions>",
    ],
)
def test_odd_perform_requests_get_an_answer_never_an_internal_error(account: Client, inner: str) -> None:
    reply = account.call("Perform", f'<PerformRequestMsg xmlns="{TNS}">{inner}</PerformRequestMsg>')
    assert rules.INTERNAL_ERROR not in reply.response.text
    assert reply.status in (200, 500)
    if reply.status == 200:
        assert reply.overall == "Error"
    else:
        assert reply.fault[0] == "soap:Client"
