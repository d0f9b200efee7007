"""Starting automations and filter activities over raw SOAP: Perform Start runs the steps in order (the
activities of one step side by side), stops after a failing step, and Retrieve AutomationInstance lists
every activity with its status and error; a scheduled automation runs when the clock passes its time."""

from __future__ import annotations

from typing import Any

import pytest

from tests.emulator.conftest import NS, TNS, Client, data_extension, field, simple, to_xml
from tests.emulator.test_automation import automation, daily, filter_activity, step
from tests.emulator.test_query_run import load, status
from tests.emulator.test_querydefinition import query
from tests.emulator.test_rows import rows_of

INSTANCE = [
    "ObjectID",
    "AutomationID",
    "Status",
    "StatusMessage",
    "StartTime",
    "CompletedTime",
    "TaskInstances",
]


@pytest.fixture
def account(client: Client) -> tuple[Client, str]:
    created = client.create(
        data_extension("subscribers", field("Id", IsPrimaryKey=True, IsRequired=True), field("City")),
        data_extension("no_city", field("Id", IsPrimaryKey=True, IsRequired=True), field("City")),
        data_extension("segment", field("Id", IsPrimaryKey=True, IsRequired=True), name="Segment"),
    )
    assert all(result.ok for result in created.results)
    load(client, "subscribers", "Id,City\n1,Lyon\n2,\n3,\n")
    return client, filter_activity(client, "no_city_filter", "subscribers", "no_city")


def perform(client: Client, definition: dict[str, Any], action: str = "start") -> dict[str, Any]:
    inner = to_xml("Action", action) + f"<Definitions>{to_xml('Definition', definition)}</Definitions>"
    reply = client.call("Perform", f'<PerformRequestMsg xmlns="{TNS}">{inner}</PerformRequestMsg>')
    (result,) = reply.body.findall("p:Results/p:Result", NS)
    return {
        "code": result.findtext("p:StatusCode", namespaces=NS),
        "message": result.findtext("p:StatusMessage", namespaces=NS),
        "task": result.findtext("p:Task/p:ID", namespaces=NS),
        "object_id": result.findtext("p:Object/p:ObjectID", namespaces=NS),
    }


def new_query(client: Client, key: str, sql: str) -> str:
    created = client.create(
        query(key, QueryText=sql, DataExtensionTarget={"CustomerKey": "segment", "Name": "Segment"})
    )
    assert created.overall == "OK", created.only()
    return str(created.only().text("NewObjectID"))


def instances(client: Client, automation_id: str) -> list[dict[str, Any]]:
    return client.retrieve(
        "AutomationInstance", INSTANCE, simple("AutomationID", "equals", automation_id)
    ).objects()


def activities_of(instance: dict[str, Any]) -> list[dict[str, Any]]:
    steps = instance["TaskInstances"]["AutomationTaskInstance"]
    found = []
    for task in steps if isinstance(steps, list) else [steps]:
        items = task["ActivityInstances"]["ActivityInstance"]
        found += items if isinstance(items, list) else [items]
    return found


def test_a_filter_activity_started_alone_writes_the_rows_that_pass(account: tuple[Client, str]) -> None:
    client, activity = account
    started = perform(client, {"@type": "FilterActivity", "ObjectID": activity})
    assert started["code"] == "OK", started
    assert status(client, started["task"])["Status"] == "Complete"
    assert rows_of(client, "no_city", "Id") == [{"Id": "2"}, {"Id": "3"}]


def test_an_automation_runs_its_steps_and_its_instance_lists_every_activity(
    account: tuple[Client, str],
) -> None:
    client, activity = account
    query_id = new_query(client, "q1", "SELECT Id FROM subscribers WHERE City = 'LYON'")
    created = client.create(
        automation("nightly", step(("QueryDefinition", query_id), ("FilterActivity", activity)))
    )
    automation_id = str(created.only().text("NewObjectID"))
    started = perform(client, {"@type": "Automation", "ObjectID": automation_id})
    assert (started["code"], started["message"], started["object_id"]) == (
        "OK",
        "Performed Activity",
        automation_id,
    )
    (instance,) = instances(client, automation_id)
    assert (instance["Status"], instance["StatusMessage"]) == ("2", "Complete")
    assert [(a["ActivityObject"]["CustomerKey"], a["Status"]) for a in activities_of(instance)] == [
        ("q1", "2"),
        ("no_city_filter", "2"),
    ]
    assert rows_of(client, "segment", "Id") == [{"Id": "1"}]
    assert rows_of(client, "no_city", "Id") == [{"Id": "2"}, {"Id": "3"}]


def test_a_failing_step_stops_the_automation_after_that_step(account: tuple[Client, str]) -> None:
    client, activity = account
    failing = new_query(client, "q_fail", "SELECT Id / 0 AS Id FROM subscribers")
    fine = new_query(client, "q_fine", "SELECT Id FROM subscribers")
    created = client.create(
        automation(
            "broken",
            step(("QueryDefinition", failing), ("QueryDefinition", fine)),
            step(("FilterActivity", activity)),
        )
    )
    automation_id = str(created.only().text("NewObjectID"))
    assert perform(client, {"@type": "Automation", "ObjectID": automation_id})["code"] == "OK"
    (instance,) = instances(client, automation_id)
    assert instance["Status"] == "-1"
    assert "Step 1, QueryDefinition q_fail" in instance["StatusMessage"]
    assert "Divide by zero" in instance["StatusMessage"]
    # The step's other activity ran (side by side); step 2 did not.
    assert [(a["ActivityObject"]["CustomerKey"], a["Status"]) for a in activities_of(instance)] == [
        ("q_fail", "-1"),
        ("q_fine", "2"),
    ]
    assert rows_of(client, "no_city", "Id") == []


def test_a_scheduled_automation_runs_when_the_clock_passes_its_time(account: tuple[Client, str]) -> None:
    client, activity = account
    created = client.create(
        automation(
            "scheduled",
            step(("FilterActivity", activity)),
            Schedule=daily(),
            IsActive=True,
            AutomationType="scheduled",
        )
    )
    automation_id = str(created.only().text("NewObjectID"))
    assert client.admin("PUT", "clock", {"now": "2026-03-01T01:00:00"}).status_code == 200
    assert client.admin("PUT", "clock", {"advance": 1800}).json()["ran"] == []  # 01:30: not yet
    moved = client.admin("PUT", "clock", {"advance": 2 * 86400}).json()
    assert len(moved["ran"]) == 2  # 03-01 and 03-02 at 02:00; 03-03 02:00 is still ahead
    assert [i["StartTime"][:16] for i in instances(client, automation_id)] == [
        "2026-03-01T02:00",
        "2026-03-02T02:00",
    ]
    assert client.admin("GET", "clock").json()["now"] == "2026-03-03T01:30:00"
