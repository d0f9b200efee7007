"""Automations without a network: YAML → desired → plan → write calls, and the service's answer → live."""

from __future__ import annotations

import datetime as dt
import textwrap
from pathlib import Path
from typing import Any

import pytest

from mcstate.definitions.loader import load_documents
from mcstate.desired import DesiredState, build_desired
from mcstate.errors import DefinitionError
from mcstate.plan import Change, Plan
from mcstate.planner import index_live, make_plan
from mcstate.resources import automation, declarable
from mcstate.resources.automation import (
    NO_END,
    AutomationType,
    normalize_schedule,
    schedule_from_service,
    schedule_to_service,
)
from mcstate.resources.base import ApplyContext, Live, SoapObject

SUBSCRIBERS = """\
kind: DataExtension
key: nto_subscribers
name: NTO Subscribers
fields:
  - {name: SubscriberKey, type: Text, primary_key: true}
  - {name: City, type: Text}
"""

FILTERS = """\
kind: DataExtension
key: nto_segment
name: NTO Segment
fields:
  - {name: SubscriberKey, type: Text, primary_key: true}
  - {name: City, type: Text}
---
kind: FilterDefinition
key: nto_seattle_filter
name: Seattle
source: nto_subscribers
filter: {field: City, operator: equals, value: Seattle}
---
kind: FilterDefinition
key: nto_tacoma_filter
name: Tacoma
source: nto_subscribers
filter: {field: City, operator: equals, value: Tacoma}
---
kind: FilterActivity
key: nto_seattle
name: Seattle into the segment
filter: nto_seattle_filter
destination: nto_segment
---
kind: FilterActivity
key: nto_tacoma
name: Tacoma into the segment
filter: nto_tacoma_filter
destination: nto_segment
"""

NIGHTLY = """\
kind: Automation
key: nto_nightly
name: NTO nightly
description: Segments every night
folder: my automations/CRM
active: true
schedule:
  recurrence: daily
  start: 2025-01-06T02:00
  time_zone: Central Standard Time
steps:
  - [{filter: nto_seattle}]
  - [{filter: nto_tacoma}, {filter: nto_seattle}]
"""

ROOTS = [
    Live("Folder", "Data Extensions", {"content_type": "dataextension", "description": ""}, {"id": 2}),
    Live("Folder", "Data Filters", {"content_type": "filterdefinition", "description": ""}, {"id": 5}),
    Live("Folder", "Filter", {"content_type": "filteractivity", "description": ""}, {"id": 6}),
    Live("Folder", "my automations", {"content_type": "automations", "description": ""}, {"id": 7}),
    Live("Folder", "my automations/CRM", {"content_type": "automations", "description": ""}, {"id": 70}),
]
CONTEXT = {
    "folder:my automations/crm": {"id": 70},
    "filteractivity:nto_seattle": {"object_id": "seattle-guid"},
    "filteractivity:nto_tacoma": {"object_id": "tacoma-guid"},
}


def load(tmp_path: Path, *texts: str) -> DesiredState:
    for index, text in enumerate(texts):
        path = tmp_path / "definitions" / f"{index}.yaml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    return build_desired(load_documents(tmp_path / "definitions", declarable(), display_base=tmp_path))


def problems(tmp_path: Path, *texts: str, account: tuple[Live, ...] = ()) -> list[str]:
    with pytest.raises(DefinitionError) as raised:
        make_plan(load(tmp_path, *texts), live(*account), "test")
    return [str(problem) for problem in raised.value.problems]


def live(*objects: Live) -> dict[str, dict[str, Live]]:
    by_kind: dict[str, list[Live]] = {"Folder": list(ROOTS)}
    for obj in objects:
        by_kind.setdefault(obj.kind, []).append(obj)
    return index_live(by_kind)


def account_copy(desired: DesiredState, kind: str, key: str, object_id: str, **changes: Any) -> Live:
    wanted = desired.get(kind, key)
    assert wanted is not None
    attributes = {name: value for name, value in wanted.attributes.items() if not name.startswith("_")}
    attributes.update(changes)
    return Live(kind, key, attributes, {"object_id": object_id})


def everything_live(desired: DesiredState, **automation_changes: Any) -> dict[str, dict[str, Live]]:
    return live(
        account_copy(desired, "DataExtension", "nto_subscribers", "de-guid"),
        account_copy(desired, "DataExtension", "nto_segment", "segment-guid"),
        account_copy(desired, "FilterDefinition", "nto_seattle_filter", "seattle-filter-guid"),
        account_copy(desired, "FilterDefinition", "nto_tacoma_filter", "tacoma-filter-guid"),
        account_copy(desired, "FilterActivity", "nto_seattle", "seattle-guid"),
        account_copy(desired, "FilterActivity", "nto_tacoma", "tacoma-guid"),
        account_copy(desired, "Automation", "nto_nightly", "nightly-guid", **automation_changes),
    )


def automation_change(plan: Plan) -> Change:
    [change] = [c for c in plan.changes if c.kind == "Automation"]
    return change


def plain(value: Any) -> Any:
    """A SoapObject tree as Retrieve hands it over: plain dicts, dates parsed (as zeep does)."""
    if isinstance(value, SoapObject):
        return {name: plain(item) for name, item in value.properties.items()}
    if isinstance(value, dict):
        return {name: plain(item) for name, item in value.items()}
    if isinstance(value, list):
        return [plain(item) for item in value]
    return value


# -- schedules ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "written",
    [
        {"recurrence": "daily", "start": "2025-01-06T02:00", "time_zone": "Central Standard Time"},
        {
            "recurrence": "hourly",
            "interval": 4,
            "start": "2025-01-06 02:30:00",
            "time_zone": "UTC",
            "occurrences": 9,
        },
        {"recurrence": "minutely", "interval": 15, "start": "2025-01-06T02:00", "time_zone": "UTC"},
        {
            "recurrence": "weekly",
            "interval": 2,
            "start": "2025-01-06T02:00",
            "time_zone": "W. Europe Standard Time",
            "days": ["Friday", "Monday"],
            "end_date": "2026-12-31",
        },
        {
            "recurrence": "monthly",
            "start": "2025-01-06T02:00",
            "time_zone": "Central Standard Time",
            "day_of_month": 15,
        },
    ],
)
def test_schedules_are_sent_inside_the_automation_and_read_back_the_same(written: dict[str, Any]) -> None:
    schedule = normalize_schedule(written)
    assert schedule is not None
    sent = schedule_to_service(schedule)
    assert isinstance(sent["Recurrence"], SoapObject)
    assert sent["Recurrence"].type == f"{sent['RecurrenceType']}Recurrence"
    assert sent["RecurrenceRangeType"] in ("EndOn", "EndAfter")
    assert schedule_from_service(plain(sent)) == schedule


def test_weekly_days_are_in_week_order_and_no_end_is_the_last_day_the_service_stores() -> None:
    schedule = normalize_schedule(
        {
            "recurrence": "weekly",
            "start": "2025-01-06T02:00",
            "time_zone": "UTC",
            "days": ["Friday", "Monday"],
        }
    )
    assert schedule is not None and schedule["days"] == ["Monday", "Friday"]
    sent = schedule_to_service(schedule)
    assert (
        sent["Recurrence"].properties["Monday"] is True and sent["Recurrence"].properties["Sunday"] is False
    )
    assert (sent["RecurrenceRangeType"], sent["EndDateTime"]) == ("EndOn", NO_END)
    assert sent["StartDateTime"] == dt.datetime(2025, 1, 6, 2, 0)
    assert sent["TimeZone"] == {"Name": "UTC"}


# -- plans -------------------------------------------------------------------------------------------------


def test_a_new_automation_comes_after_its_activities_and_sends_their_object_ids(tmp_path: Path) -> None:
    desired = load(tmp_path, SUBSCRIBERS, FILTERS, NIGHTLY)
    plan = make_plan(desired, live(), "test")
    assert [c.kind for c in plan.changes] == [
        "DataExtension",
        "DataExtension",
        "FilterDefinition",
        "FilterDefinition",
        "FilterActivity",
        "FilterActivity",
        "Automation",
    ]
    change = automation_change(plan)
    assert change.depends_on == (
        "Folder:my automations/CRM",
        "FilterActivity:nto_seattle",
        "FilterActivity:nto_tacoma",
    )
    [step] = AutomationType().steps(change, ApplyContext(dict(CONTEXT)))
    props = step.object.properties  # type: ignore[union-attr]
    assert (props["Name"], props["IsActive"], props["AutomationType"], props["CategoryID"]) == (
        "NTO nightly",
        True,
        "scheduled",
        "70",
    )
    tasks = props["AutomationTasks"]["AutomationTask"]
    assert [task["Name"] for task in tasks] == ["Step 1", "Step 2"]
    assert [
        [
            (a["ActivityObject"].type, a["ActivityObject"].properties["ObjectID"])
            for a in task["Activities"]["Activity"]
        ]
        for task in tasks
    ] == [
        [("FilterActivity", "seattle-guid")],
        [("FilterActivity", "tacoma-guid"), ("FilterActivity", "seattle-guid")],
    ]
    assert props["Schedule"]["RecurrenceType"] == "Daily"


def test_activities_in_the_account_are_found_by_key_and_their_ids_known(tmp_path: Path) -> None:
    account = load(tmp_path / "account", SUBSCRIBERS, FILTERS)
    desired = load(tmp_path, NIGHTLY)
    existing = live(
        account_copy(account, "FilterActivity", "nto_seattle", "seattle-guid"),
        account_copy(account, "FilterActivity", "nto_tacoma", "tacoma-guid"),
    )
    plan = make_plan(desired, existing, "test")
    assert plan.known_ids["FilterActivity:nto_seattle"] == {"object_id": "seattle-guid"}
    assert automation_change(plan).action == "create"


def test_an_unknown_activity_is_an_error_at_its_line(tmp_path: Path) -> None:
    text = NIGHTLY.replace("{filter: nto_tacoma}", "{query: nto_city_segments}")
    assert problems(tmp_path, SUBSCRIBERS, FILTERS, text) == [
        "definitions/2.yaml:13:14: steps[1][0].query: QueryDefinition 'nto_city_segments' is neither defined "
        "nor present in the account"
    ]


def test_an_activity_kind_this_mcstate_does_not_manage_is_reported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # As if no kind of the registry could be an extract step.
    kinds = {name: kind for name, kind in automation.activity_kinds().items() if name != "extract"}
    monkeypatch.setattr(automation, "activity_kinds", lambda: kinds)
    text = NIGHTLY.replace("{filter: nto_tacoma}", "{extract: nto_export}")
    assert problems(tmp_path, SUBSCRIBERS, FILTERS, text) == [
        "definitions/2.yaml:13:16: steps[1][0].extract: extract activities are not managed by this mcstate"
    ]


def test_schedule_rules_and_folder_root_are_checked_before_any_call(tmp_path: Path) -> None:
    text = (
        NIGHTLY.replace("recurrence: daily", "recurrence: minutely\n  interval: 2")
        .replace("my automations/CRM", "Automations/CRM")
        .replace("time_zone: Central Standard Time", "time_zone: UTC\n  end_date: 2025-01-01")
    )
    assert problems(tmp_path, SUBSCRIBERS, FILTERS, text) == [
        "definitions/2.yaml:5:9: folder: folder path must start with the root folder 'my automations', e.g. "
        "'my automations/Automations/CRM'",
        "definitions/2.yaml:9:13: schedule.interval: 140 Schedule Validation Error: an automation runs at "
        "most every 5 minutes (interval 2)",
        "definitions/2.yaml:12:13: schedule.end_date: 140 Schedule Validation Error: the schedule ends "
        "(2025-01-01T00:00:00) before it starts (2025-01-06T02:00:00)",
    ]
    invalid = NIGHTLY.replace("start: 2025-01-06T02:00", "start: 2025-02-30T02:00")
    assert problems(tmp_path / "invalid", SUBSCRIBERS, FILTERS, invalid) == [
        "definitions/2.yaml:9:10: schedule.start: 140 Schedule Validation Error: '2025-02-30T02:00' is not a "
        "valid date and time"
    ]


def test_automation_names_are_unique(tmp_path: Path) -> None:
    twin = NIGHTLY.replace("key: nto_nightly", "key: nto_twin")
    found = problems(tmp_path, SUBSCRIBERS, FILTERS, NIGHTLY, twin)
    assert found == [
        "definitions/3.yaml:3:7: name: 355003 Program Creation Error: automation name 'NTO nightly' is "
        "already used by 'nto_nightly' (definitions/2.yaml:1:1); names are unique in an account"
    ]
    other = Live("Automation", "someone_elses", {"name": "nto NIGHTLY"}, {"object_id": "x"})
    [problem] = problems(tmp_path / "live", SUBSCRIBERS, FILTERS, NIGHTLY, account=(other,))
    assert (
        "355003 Program Creation Error: automation name 'NTO nightly' is already used in the account"
        in problem
    )


def test_matching_account_plans_nothing(tmp_path: Path) -> None:
    desired = load(tmp_path, SUBSCRIBERS, FILTERS, NIGHTLY)
    assert make_plan(desired, everything_live(desired), "test").empty


def test_changed_steps_schedule_and_active_update_by_object_id(tmp_path: Path) -> None:
    desired = load(tmp_path, SUBSCRIBERS, FILTERS, NIGHTLY)
    schedule = normalize_schedule(
        {"recurrence": "hourly", "interval": 6, "start": "2025-01-06T02:00", "time_zone": "UTC"}
    )
    account = everything_live(
        desired, steps=[[{"type": "filter", "key": "nto_tacoma"}]], schedule=schedule, active=False
    )
    change = automation_change(make_plan(desired, account, "test"))
    assert change.action == "update" and not change.destructive
    assert [(a.path, a.before, a.after) for a in change.attributes] == [
        ("active", False, True),
        (
            "schedule",
            "every 6 hour from 2025-01-06T02:00:00 (UTC)",
            "every 1 day from 2025-01-06T02:00:00 (Central Standard Time)",
        ),
        (
            "steps",
            [[{"type": "filter", "key": "nto_tacoma"}]],
            [
                [{"type": "filter", "key": "nto_seattle"}],
                [{"type": "filter", "key": "nto_tacoma"}, {"type": "filter", "key": "nto_seattle"}],
            ],
        ),
    ]
    [step] = AutomationType().steps(change, ApplyContext(dict(CONTEXT)))
    props = step.object.properties  # type: ignore[union-attr]
    assert set(props) == {"ObjectID", "CustomerKey", "IsActive", "Schedule", "AutomationTasks"}
    assert props["ObjectID"] == "nightly-guid"


def test_removing_the_schedule_recreates_the_automation(tmp_path: Path) -> None:
    text = NIGHTLY.replace(
        "schedule:\n  recurrence: daily\n  start: 2025-01-06T02:00\n  time_zone: Central Standard Time\n", ""
    )
    desired = load(tmp_path, SUBSCRIBERS, FILTERS, text)
    scheduled = load(tmp_path / "before", SUBSCRIBERS, FILTERS, NIGHTLY)
    account = everything_live(
        desired, schedule=scheduled.get("Automation", "nto_nightly").attributes["schedule"]
    )  # type: ignore[union-attr]
    change = automation_change(make_plan(desired, account, "test"))
    assert change.action == "replace" and change.destructive
    assert "cannot take the schedule off an automation" in change.destructive_reasons[0]
    delete, create = AutomationType().steps(change, ApplyContext(dict(CONTEXT)))
    assert delete.object == SoapObject("Automation", {"CustomerKey": "nto_nightly"})
    assert "Schedule" not in create.object.properties  # type: ignore[union-attr]


def test_ignore_changes_leaves_drift_alone(tmp_path: Path) -> None:
    desired = load(tmp_path, SUBSCRIBERS, FILTERS, NIGHTLY + "ignore_changes: [active, description]\n")
    assert make_plan(desired, everything_live(desired, active=False, description="edited"), "test").empty


def test_read_maps_activity_object_ids_back_to_keys(tmp_path: Path) -> None:
    desired = load(tmp_path, SUBSCRIBERS, FILTERS, NIGHTLY)
    wanted = desired.get("Automation", "nto_nightly")
    assert wanted is not None
    [step] = AutomationType().steps(
        Change("Automation", "nto_nightly", "create", after=wanted.attributes), ApplyContext(dict(CONTEXT))
    )
    sent = plain(step.object.properties)  # type: ignore[union-attr]
    tasks = sent["AutomationTasks"]
    tasks["AutomationTask"][0]["Sequence"] = 1
    tasks["AutomationTask"][1]["Sequence"] = 2
    tasks["AutomationTask"][1]["Activities"]["Activity"].append(
        {"ActivityObject": {"ObjectID": "deleted-guid", "CustomerKey": "old_filter"}}
    )
    row = {**sent, "ObjectID": "nightly-guid", "CategoryID": "70", "IsActive": True}
    row["AutomationTasks"] = {"AutomationTask": list(reversed(tasks["AutomationTask"]))}

    class Account:
        def retrieve(self, object_type: str, properties: Any, filter: Any = None) -> list[dict[str, Any]]:
            assert object_type == "Automation"
            return [row]

        def rest_items(self, path: str) -> list[dict[str, Any]]:
            raise AssertionError(path)

        def rest_get(self, path: str) -> Any:
            raise AssertionError(path)

    account = everything_live(desired)
    [read] = AutomationType().read(Account(), account)
    assert read.ids == {"object_id": "nightly-guid"}
    expected = dict(wanted.attributes)
    expected["steps"] = [
        [{"type": "filter", "key": "nto_seattle"}],
        [
            {"type": "filter", "key": "nto_tacoma"},
            {"type": "filter", "key": "nto_seattle"},
            {"type": None, "key": "old_filter"},
        ],
    ]
    assert read.attributes == expected


# -- a data filter is not a step ---------------------------------------------------------------------------


def test_a_declared_data_filter_as_a_step_says_to_declare_a_filter_activity(tmp_path: Path) -> None:
    text = NIGHTLY.replace("{filter: nto_tacoma}", "{filter: nto_tacoma_filter}")
    with pytest.raises(DefinitionError) as raised:
        load(tmp_path, SUBSCRIBERS, FILTERS, text)
    assert [str(problem) for problem in raised.value.problems] == [
        "definitions/2.yaml:13:15: steps[1][0].filter: 'nto_tacoma_filter' is a data filter "
        "(FilterDefinition); an automation step runs a filter activity, which applies a data filter and "
        "writes the result into a data extension: declare a FilterActivity (filter: nto_tacoma_filter, "
        "destination: <data extension key>) and name its key here"
    ]


def test_a_data_filter_of_the_account_as_a_step_is_one_error_at_plan(tmp_path: Path) -> None:
    account_filter = Live(
        "FilterDefinition",
        "old_filter",
        {
            "name": "Old",
            "description": "",
            "folder": "Data Filters",
            "source": "nto_subscribers",
            "filter": {},
        },
        {"object_id": "old-guid"},
    )
    text = NIGHTLY.replace("{filter: nto_tacoma}", "{filter: old_filter}")
    assert problems(tmp_path, SUBSCRIBERS, FILTERS, text, account=(account_filter,)) == [
        "definitions/2.yaml:13:15: steps[1][0].filter: 'old_filter' is a data filter (FilterDefinition); "
        "an automation step runs a filter activity, which applies a data filter and writes the result into a "
        "data extension: declare a FilterActivity (filter: old_filter, destination: <data extension key>) "
        "and name its key here"
    ]


def test_a_filter_activity_key_that_a_data_filter_also_has_is_the_activity(tmp_path: Path) -> None:
    both = FILTERS.replace("key: nto_tacoma_filter", "key: nto_tacoma").replace(
        "filter: nto_tacoma_filter", "filter: nto_tacoma"
    )
    desired = load(tmp_path, SUBSCRIBERS, both, NIGHTLY)
    change = automation_change(make_plan(desired, live(), "test"))
    assert "FilterActivity:nto_tacoma" in change.depends_on
