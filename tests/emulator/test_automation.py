"""Automation Create/Retrieve/Update/Delete: steps of activities by ObjectID, the schedule inside the
Automation object, and the Program (355xxx) and Schedule (140-184) codes."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from tests.emulator.conftest import Client, data_extension, field, folder, simple

XSI_TYPE = "{http://www.w3.org/2001/XMLSchema-instance}type"
PROPERTIES = [
    "ObjectID",
    "CustomerKey",
    "Name",
    "Description",
    "CategoryID",
    "IsActive",
    "Status",
    "AutomationType",
    "Schedule",
    "AutomationTasks",
]
MISSING_GUID = "8a5e64d2-34b1-4c8f-9c43-2f0e6d1b7a10"


def daily(interval: int = 1, **extra: Any) -> dict[str, Any]:
    schedule: dict[str, Any] = {
        "Recurrence": {
            "@type": "DailyRecurrence",
            "DailyRecurrencePatternType": "Interval",
            "DayInterval": interval,
        },
        "RecurrenceType": "Daily",
        "RecurrenceRangeType": "EndOn",
        "StartDateTime": "2025-01-06T02:00:00",
        "EndDateTime": "2079-06-06T00:00:00",
        "TimeZone": {"Name": "Central Standard Time"},
    }
    schedule.update(extra)
    return {key: value for key, value in schedule.items() if value is not None}


def step(*activities: tuple[str, str]) -> dict[str, Any]:
    return {
        "Activities": {
            "Activity": [
                {"ActivityObject": {"@type": activity_type, "ObjectID": object_id}}
                for activity_type, object_id in activities
            ]
        }
    }


def automation(key: str, *steps: dict[str, Any], **extra: Any) -> dict[str, Any]:
    value: dict[str, Any] = {"@type": "Automation", "CustomerKey": key, "Name": extra.pop("Name", key)}
    value.update(extra)
    value["AutomationTasks"] = {"AutomationTask": list(steps)} if steps else None
    return value


def rest(client: Client, method: str, path: str, body: Any = None) -> requests.Response:
    headers = {"Authorization": f"Bearer {client.token}"}
    return client.http.request(method, client.base_url + path, json=body, headers=headers)


def filter_activity(client: Client, key: str, source: str, destination: str) -> str:
    """A data filter on `source` and the filter activity writing its rows into `destination`; returns the
    activity's ObjectID."""
    created = client.create(
        {
            "@type": "FilterDefinition",
            "CustomerKey": f"{key}_filter",
            "Name": f"{key}_filter",
            "DataSource": {"@type": "DataExtension", "CustomerKey": source},
            "DataFilter": {"@type": "SimpleFilterPart", "Property": "City", "SimpleOperator": "isNull"},
        }
    ).only()
    assert created.ok
    objects = {
        obj["CustomerKey"]: obj["ObjectID"]
        for obj in client.retrieve("DataExtension", ["CustomerKey", "ObjectID"]).objects()
    }
    activity = client.create(
        {
            "@type": "FilterActivity",
            "CustomerKey": key,
            "Name": key,
            "FilterDefinitionID": created.text("NewObjectID"),
            "SourceObjectID": objects[source],
            "SourceTypeID": 2,
            "DestinationObjectID": objects[destination],
            "DestinationTypeID": 2,
        }
    ).only()
    assert activity.ok, activity.message
    return activity.text("NewObjectID") or ""


@pytest.fixture
def filters(client: Client) -> tuple[Client, str, str]:
    """An account with two filter activities (each applying a data filter); returns their ObjectIDs."""
    created = client.create(
        data_extension("subscribers", field("City")),
        data_extension("seattle_out", field("City")),
        data_extension("tacoma_out", field("City")),
    )
    assert all(result.ok for result in created.results)
    first = filter_activity(client, "seattle", "subscribers", "seattle_out")
    second = filter_activity(client, "tacoma", "subscribers", "tacoma_out")
    return client, first, second


def one(client: Client, key: str) -> dict[str, Any]:
    (item,) = client.retrieve("Automation", PROPERTIES, simple("CustomerKey", "equals", key)).objects()
    return item


def error_of(reply: Any) -> tuple[int | None, str]:
    result = reply.only()
    assert not result.ok, result
    return result.code, result.message


# -- Create and Retrieve -----------------------------------------------------------------------------------


def test_create_keeps_steps_and_schedule_and_retrieve_answers_them(filters: tuple[Client, str, str]) -> None:
    client, seattle, tacoma = filters
    reply = client.create(
        automation(
            "nightly",
            step(("FilterActivity", seattle)),
            step(("FilterActivity", tacoma), ("FilterActivity", seattle)),
            Description="Every night",
            IsActive=True,
            AutomationType="scheduled",
            Schedule=daily(2),
        )
    )
    result = reply.only()
    assert result.ok and result.message == "Program created."
    assert result.text("NewID") == "0" and result.text("NewObjectID")

    item = one(client, "nightly")
    assert item["ObjectID"] == result.text("NewObjectID")
    assert (item["IsActive"], item["Status"], item["AutomationType"]) == ("true", "6", "scheduled")
    assert item["CategoryID"] == "7"  # the root 'my automations' folder
    first, second = item["AutomationTasks"]["AutomationTask"]
    assert first["Sequence"] == "1" and second["Sequence"] == "2"
    activity = first["Activities"]["Activity"]["ActivityObject"]
    assert (activity["ObjectID"], activity["CustomerKey"], activity["Name"]) == (
        seattle,
        "seattle",
        "seattle",
    )
    assert [a["ActivityObject"]["CustomerKey"] for a in second["Activities"]["Activity"]] == [
        "tacoma",
        "seattle",
    ]
    schedule = item["Schedule"]
    assert schedule["RecurrenceType"] == "Daily" and schedule["Recurrence"]["DayInterval"] == "2"
    assert schedule["StartDateTime"] == "2025-01-06T02:00:00"
    assert schedule["TimeZone"]["Name"] == "Central Standard Time"


def test_retrieve_writes_the_activity_and_recurrence_types(filters: tuple[Client, str, str]) -> None:
    client, seattle, _ = filters
    assert client.create(automation("a", step(("FilterActivity", seattle)), Schedule=daily())).only().ok
    reply = client.retrieve("Automation", ["Schedule", "AutomationTasks"])
    assert reply.body.find(".//{*}ActivityObject").get(XSI_TYPE) == "FilterActivity"
    assert reply.body.find(".//{*}Recurrence").get(XSI_TYPE) == "DailyRecurrence"


def test_without_schedule_or_inactive_the_status_is_ready(filters: tuple[Client, str, str]) -> None:
    client, seattle, _ = filters
    created = client.create(
        automation("manual", step(("FilterActivity", seattle))),
        automation("paused", step(("FilterActivity", seattle)), IsActive=False, Schedule=daily()),
    )
    assert all(result.ok for result in created.results)
    assert one(client, "manual")["Status"] == "2" and "Schedule" not in one(client, "manual")
    assert one(client, "paused")["Status"] == "2"


def test_activities_of_every_kind_are_checked_against_the_objects_the_account_holds(
    filters: tuple[Client, str, str],
) -> None:
    client, seattle, _ = filters
    for activity_type in (
        "FilterActivity",
        "QueryDefinition",
        "ImportDefinition",
        "DataExtractActivity",
        "FileTransferActivity",
    ):
        code, message = error_of(client.create(automation("a", step((activity_type, MISSING_GUID)))))
        assert code == 355003
        assert (
            message == f"Program Creation Error: Step 1: no {activity_type} has the ObjectID {MISSING_GUID}."
        )

    locations = rest(client, "GET", "automation/v1/ftplocations").json()["items"]
    transfer = rest(
        client,
        "POST",
        "automation/v1/filetransfers",
        {
            "name": "to_ftp",
            "customerKey": "to_ftp",
            "description": "",
            "fileSpec": "x.csv",
            "fileTransferLocationId": locations[0]["id"],
            "isUpload": True,
        },
    )
    assert transfer.status_code in (200, 201), transfer.text
    transfer_id = transfer.json()["id"]
    created = client.create(
        automation("a", step(("FilterActivity", seattle)), step(("FileTransferActivity", transfer_id)))
    )
    assert created.only().ok, created.only()
    tasks = one(client, "a")["AutomationTasks"]["AutomationTask"]
    assert tasks[1]["Activities"]["Activity"]["ActivityObject"]["CustomerKey"] == "to_ftp"


@pytest.mark.parametrize(
    ("change", "detail"),
    [
        ({"ObjectID": MISSING_GUID}, "ObjectID is generated by the system and cannot be sent on Create."),
        ({"Name": " "}, "Name is required."),
        ({"AutomationTasks": None}, "An automation needs at least one step (AutomationTask)."),
        ({"AutomationTasks": {"AutomationTask": [{"Name": "empty"}]}}, "Step 1 has no activity."),
        ({"CategoryID": "2"}, "CategoryID 2 is not an automation folder."),
        ({"AutomationType": "sometimes"}, "AutomationType must be scheduled or triggered, not sometimes."),
    ],
)
def test_create_refusals_are_program_creation_errors(
    filters: tuple[Client, str, str], change: dict[str, Any], detail: str
) -> None:
    client, seattle, _ = filters
    value = automation("a", step(("FilterActivity", seattle)))
    value.update(change)
    assert error_of(client.create(value)) == (355003, f"Program Creation Error: {detail}")


def test_activity_types_and_object_ids_are_required(filters: tuple[Client, str, str]) -> None:
    client, _, _ = filters
    code, message = error_of(client.create(automation("a", step(("DataExtension", MISSING_GUID)))))
    assert (code, message) == (
        355003,
        "Program Creation Error: Step 1: DataExtension is not an automation activity (one of "
        "DataExtractActivity, FileTransferActivity, FilterActivity, ImportDefinition, QueryDefinition).",
    )
    no_id = automation("a", {"Activities": {"Activity": [{"ActivityObject": {"@type": "FilterActivity"}}]}})
    assert error_of(client.create(no_id))[1].endswith("the FilterActivity activity has no ObjectID.")


def test_keys_and_names_are_unique(filters: tuple[Client, str, str]) -> None:
    client, seattle, _ = filters
    assert client.create(automation("a", step(("FilterActivity", seattle)), Name="Nightly")).only().ok
    assert (
        error_of(client.create(automation("A", step(("FilterActivity", seattle)), Name="other")))[0] == 355003
    )
    code, message = error_of(
        client.create(automation("b", step(("FilterActivity", seattle)), Name="NIGHTLY"))
    )
    assert (code, message) == (355003, "Program Creation Error: An automation named NIGHTLY already exists.")


def test_a_data_filter_is_not_an_activity_a_filter_activity_is(filters: tuple[Client, str, str]) -> None:
    client, _, _ = filters
    (data_filter,) = client.retrieve(
        "FilterDefinition", ["ObjectID"], simple("CustomerKey", "equals", "seattle_filter")
    ).objects()
    code, message = error_of(
        client.create(automation("a", step(("FilterDefinition", data_filter["ObjectID"]))))
    )
    assert (code, message) == (
        355003,
        "Program Creation Error: Step 1: a FilterDefinition is not an automation activity; a FilterActivity "
        "applies a data filter and can be a step.",
    )
    assert client.retrieve("Automation", ["CustomerKey"]).objects() == []


def test_a_sub_folder_of_my_automations_can_hold_an_automation(filters: tuple[Client, str, str]) -> None:
    client, seattle, _ = filters
    answer = client.rest(
        "POST", "email/v1/category", {"parentCatId": 7, "name": "CRM", "catType": "automations"}
    )
    assert answer.status_code == 200, answer.text
    created = answer.json()
    assert list(created) == ["categoryId", "parentCatId", "objectId", "catType", "name"]
    assert (created["parentCatId"], created["catType"], created["name"]) == (7, "automations", "CRM")
    value = automation("a", step(("FilterActivity", seattle)), CategoryID=created["categoryId"])
    assert client.create(value).only().ok
    assert one(client, "a")["CategoryID"] == str(created["categoryId"])


def test_automation_folders_are_not_created_over_soap(client: Client) -> None:
    reply = client.create(folder("CRM", 7, "automations")).only()
    assert (reply.ok, reply.code) == (False, 396005)
    assert "POST /email/v1/category" in reply.message
    assert [f for f in client.retrieve("DataFolder", ["Name"]).objects() if f["Name"] == "CRM"] == []


@pytest.mark.parametrize(
    "body",
    [
        {"parentCatId": 7, "name": "", "catType": "automations"},
        {"parentCatId": 7, "name": "CRM", "catType": "dataextension"},
        {"parentCatId": 999, "name": "CRM", "catType": "automations"},
        {"parentCatId": 2, "name": "CRM", "catType": "automations"},
        {"parentCatId": "7", "name": "CRM", "catType": "automations"},
    ],
)
def test_the_category_api_refuses_what_it_cannot_create(client: Client, body: dict[str, Any]) -> None:
    answer = client.rest("POST", "email/v1/category", body)
    assert answer.status_code == 400, answer.text
    assert [f for f in client.retrieve("DataFolder", ["Name"]).objects() if f["Name"] == "CRM"] == []


# -- schedules ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("schedule", "code"),
    [
        (daily(RecurrenceRangeType=None), 150),
        (daily(StartDateTime=None), 151),
        (daily(EndDateTime=None), 152),
        (daily(RecurrenceRangeType="EndAfter", EndDateTime=None), 153),
        (daily(Recurrence={"@type": "DailyRecurrence", "DayInterval": 1}), 160),
        (daily(Recurrence={"@type": "DailyRecurrence", "DailyRecurrencePatternType": "Interval"}), 161),
        (daily(RecurrenceType="Weekly", Recurrence={"@type": "WeeklyRecurrence", "WeekInterval": 1}), 170),
        (
            daily(RecurrenceType="Monthly", Recurrence={"@type": "MonthlyRecurrence", "MonthlyInterval": 1}),
            180,
        ),
        (
            daily(
                RecurrenceType="Monthly",
                Recurrence={"@type": "MonthlyRecurrence", "MonthlyRecurrencePatternType": "ByDay"},
            ),
            181,
        ),
        (
            daily(
                RecurrenceType="Monthly",
                Recurrence={
                    "@type": "MonthlyRecurrence",
                    "MonthlyRecurrencePatternType": "ByDay",
                    "MonthlyInterval": 1,
                },
            ),
            182,
        ),
        (daily(RecurrenceType="Hourly"), 140),
        (
            daily(
                RecurrenceType="Minutely",
                Recurrence={
                    "@type": "MinutelyRecurrence",
                    "MinutelyRecurrencePatternType": "Interval",
                    "MinuteInterval": 2,
                },
            ),
            140,
        ),
        (
            daily(
                RecurrenceType="Weekly",
                Recurrence={
                    "@type": "WeeklyRecurrence",
                    "WeeklyRecurrencePatternType": "ByDay",
                    "WeekInterval": 1,
                },
            ),
            140,
        ),
        (daily(EndDateTime="2024-01-01T00:00:00"), 140),
        (daily(StartDateTime="tomorrow"), 140),
    ],
)
def test_schedule_refusals_carry_the_documented_codes(
    filters: tuple[Client, str, str], schedule: dict[str, Any], code: int
) -> None:
    client, seattle, _ = filters
    reply = client.create(automation("a", step(("FilterActivity", seattle)), Schedule=schedule))
    found, message = error_of(reply)
    assert found == code and message.startswith("Schedule_")


def test_weekly_and_monthly_schedules_are_accepted(filters: tuple[Client, str, str]) -> None:
    client, seattle, _ = filters
    weekly = daily(
        RecurrenceType="Weekly",
        Recurrence={
            "@type": "WeeklyRecurrence",
            "WeeklyRecurrencePatternType": "ByDay",
            "WeekInterval": 1,
            "Monday": True,
            "Friday": True,
        },
        RecurrenceRangeType="EndAfter",
        EndDateTime=None,
        Occurrences=10,
    )
    monthly = daily(
        RecurrenceType="Monthly",
        Recurrence={
            "@type": "MonthlyRecurrence",
            "MonthlyRecurrencePatternType": "ByDay",
            "MonthlyInterval": 1,
            "ScheduledDay": 15,
        },
    )
    created = client.create(
        automation("w", step(("FilterActivity", seattle)), Schedule=weekly),
        automation("m", step(("FilterActivity", seattle)), Schedule=monthly),
    )
    assert all(result.ok for result in created.results), created.results
    recurrence = one(client, "w")["Schedule"]["Recurrence"]
    assert (recurrence["Monday"], recurrence["Friday"]) == ("true", "true")
    assert one(client, "w")["Schedule"]["Occurrences"] == "10"
    assert one(client, "m")["Schedule"]["Recurrence"]["ScheduledDay"] == "15"


# -- Update ------------------------------------------------------------------------------------------------


def test_update_by_object_id_replaces_steps_and_schedule(filters: tuple[Client, str, str]) -> None:
    client, seattle, tacoma = filters
    object_id = client.create(automation("a", step(("FilterActivity", seattle)))).only().text("NewObjectID")
    update = {
        "@type": "Automation",
        "ObjectID": object_id,
        "Name": "Renamed",
        "IsActive": True,
        "Schedule": daily(),
        "AutomationTasks": {"AutomationTask": [step(("FilterActivity", tacoma))]},
    }
    result = client.update(update).only()
    assert result.ok and result.message == "Program updated."
    item = one(client, "a")
    assert (item["Name"], item["IsActive"], item["Status"]) == ("Renamed", "true", "6")
    task = item["AutomationTasks"]["AutomationTask"]
    assert task["Activities"]["Activity"]["ActivityObject"]["CustomerKey"] == "tacoma"


def test_update_needs_a_known_object_id(filters: tuple[Client, str, str]) -> None:
    client, seattle, _ = filters
    assert client.create(automation("a", step(("FilterActivity", seattle)))).only().ok
    assert error_of(client.update({"@type": "Automation", "CustomerKey": "a", "Name": "x"})) == (
        355000,
        "Program ObjectID Required",
    )
    assert error_of(client.update({"@type": "Automation", "ObjectID": "not-a-guid"}))[0] == 355001
    assert error_of(client.update({"@type": "Automation", "ObjectID": MISSING_GUID})) == (
        355006,
        "Program Not Found",
    )


def test_update_checks_steps_schedule_and_name(filters: tuple[Client, str, str]) -> None:
    client, seattle, _ = filters
    created = client.create(
        automation("a", step(("FilterActivity", seattle))),
        automation("b", step(("FilterActivity", seattle))),
    )
    object_id = created.results[0].text("NewObjectID")
    base = {"@type": "Automation", "ObjectID": object_id}
    bad_step = {**base, "AutomationTasks": {"AutomationTask": [step(("FilterActivity", MISSING_GUID))]}}
    assert error_of(client.update(bad_step))[0] == 355003
    assert error_of(client.update({**base, "Schedule": daily(StartDateTime=None)}))[0] == 151
    assert error_of(client.update({**base, "Name": "B"}))[0] == 355003


# -- Delete ------------------------------------------------------------------------------------------------


def test_delete_by_customer_key(filters: tuple[Client, str, str]) -> None:
    client, seattle, _ = filters
    assert client.create(automation("a", step(("FilterActivity", seattle)))).only().ok
    assert client.delete({"@type": "Automation", "CustomerKey": "a"}).only().message == "Program deleted"
    assert client.retrieve("Automation", ["CustomerKey"]).objects() == []
    assert error_of(client.delete({"@type": "Automation", "CustomerKey": "a"})) == (
        355006,
        "Program Not Found",
    )


def test_a_deleted_activity_stays_in_the_step_with_its_object_id(filters: tuple[Client, str, str]) -> None:
    client, seattle, _ = filters
    assert client.create(automation("a", step(("FilterActivity", seattle)))).only().ok
    assert client.rest("DELETE", f"automation/v1/filters/{seattle}").status_code == 200
    activity = one(client, "a")["AutomationTasks"]["AutomationTask"]["Activities"]["Activity"][
        "ActivityObject"
    ]
    assert (activity["ObjectID"], activity["CustomerKey"]) == (seattle, "seattle")
    assert "Name" not in activity
