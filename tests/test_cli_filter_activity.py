"""Filter activities end to end: the real CLI against `mcstate emulator serve` over HTTP."""

from __future__ import annotations

import json

from tests.conftest import Project
from tests.emulator.conftest import Client
from tests.manifest_log import without_manifest

REST_WRITES = {"POST", "PATCH", "PUT", "DELETE"}

DATA = """\
kind: DataExtension
key: nto_engagement
name: NTO Engagement
fields:
  - {name: SubscriberKey, type: Text, length: 254, primary_key: true}
  - {name: Opens, type: Number}
---
kind: DataExtension
key: nto_not_opened
name: NTO Not Opened
fields:
  - {name: SubscriberKey, type: Text, length: 254, primary_key: true}
  - {name: Opens, type: Number}
---
kind: DataExtension
key: nto_lapsed
name: NTO Lapsed
fields:
  - {name: SubscriberKey, type: Text, length: 254, primary_key: true}
  - {name: Opens, type: Number}
---
kind: FilterDefinition
key: nto_no_opens
name: No opens
source: nto_engagement
filter: {field: Opens, operator: equals, value: 0}
"""

ACTIVITY = """\
kind: FilterActivity
key: nto_no_opens_nightly
name: No opens, nightly
folder: Filter/Engagement
filter: nto_no_opens
destination: nto_not_opened
---
kind: Automation
key: nto_nightly
name: NTO nightly
steps:
  - [{filter: nto_no_opens_nightly}]
"""


def applied(project: Project, *extra: str) -> str:
    result = project.run("apply", "--auto-approve", *extra)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def writes(project: Project) -> list[tuple[str, list[str]]]:
    return [
        (str(e["operation"]), list(e["object_types"]))
        for e in without_manifest(project.emulator.requests_log())
        if e["operation"] in {"Create", "Update", "Delete"} | REST_WRITES
    ]


def the_activity(project: Project) -> dict[str, object]:
    client = Client(project.emulator.base_url)
    [item] = client.rest("GET", "automation/v1/filters").json()["items"]
    return dict(item)


def test_a_filter_activity_is_created_moved_changed_and_converges(project: Project) -> None:
    project.write("definitions/data.yaml", DATA)
    project.write("definitions/activity.yaml", ACTIVITY)
    project.emulator.clear_log()
    applied(project)
    created = writes(project)
    assert ("Create", ["FilterActivity"]) in created
    assert ("PATCH", ["automation/v1/filters/{id}"]) in created  # into Filter/Engagement
    assert created[-1] == ("Create", ["Automation"])
    assert the_activity(project)["name"] == "No opens, nightly"
    project.emulator.clear_log()
    assert project.run("plan", "--detailed-exitcode").returncode == 0
    applied(project)
    assert writes(project) == []

    project.write("definitions/activity.yaml", ACTIVITY.replace("name: No opens, nightly", "name: No opens"))
    project.emulator.clear_log()
    applied(project)
    assert writes(project) == [("PATCH", ["automation/v1/filters/{id}"])]
    assert the_activity(project)["name"] == "No opens"


def test_a_new_destination_re_creates_the_activity_and_rewrites_the_automation(project: Project) -> None:
    project.write("definitions/data.yaml", DATA)
    project.write("definitions/activity.yaml", ACTIVITY)
    applied(project)
    before = the_activity(project)["filterActivityId"]
    project.write(
        "definitions/activity.yaml",
        ACTIVITY.replace("destination: nto_not_opened", "destination: nto_lapsed"),
    )
    plan = project.run("plan")
    assert "-/+ nto_no_opens_nightly" in plan.stdout
    assert (
        "FilterActivity 'nto_no_opens_nightly' is re-created, so this reference is written again"
        in plan.stdout
    )
    refused = project.run("apply", "--auto-approve")
    assert refused.returncode == 1
    project.emulator.clear_log()
    applied(project, "--allow-destructive")
    assert writes(project)[:2] == [
        ("DELETE", ["automation/v1/filters/{id}"]),
        ("Create", ["FilterActivity"]),
    ]
    assert ("Update", ["Automation"]) in writes(project)
    assert the_activity(project)["filterActivityId"] != before
    assert project.run("plan", "--detailed-exitcode").returncode == 0


def test_drift_sees_a_filter_activity_changed_in_the_account(project: Project) -> None:
    project.write("definitions/data.yaml", DATA)
    project.write("definitions/activity.yaml", ACTIVITY)
    applied(project)
    assert project.run("drift").returncode == 0
    client = Client(project.emulator.base_url)
    activity_id = the_activity(project)["filterActivityId"]
    assert client.rest("PATCH", f"automation/v1/filters/{activity_id}", {"name": "Renamed by hand"}).ok
    drift = project.run("drift", "--format", "json")
    assert drift.returncode == 2, drift.stdout + drift.stderr
    report = json.loads(drift.stdout)
    assert "nto_no_opens_nightly" in json.dumps(report)


def test_prune_deletes_the_automation_then_the_activity_then_the_data_filter(project: Project) -> None:
    project.write("definitions/data.yaml", DATA)
    project.write("definitions/activity.yaml", ACTIVITY)
    applied(project)
    project.write("definitions/data.yaml", DATA.split("---\nkind: FilterDefinition")[0])
    project.remove("definitions/activity.yaml")
    project.emulator.clear_log()
    applied(project, "--prune", "--allow-destructive")
    assert writes(project) == [
        ("Delete", ["Automation"]),
        ("DELETE", ["automation/v1/filters/{id}"]),
        ("Delete", ["FilterDefinition"]),
    ]
    assert project.run("plan", "--prune", "--detailed-exitcode").returncode == 0


def test_the_markdown_plan_draws_data_filter_then_activity_then_destination(project: Project) -> None:
    project.write("definitions/data.yaml", DATA)
    project.write("definitions/activity.yaml", ACTIVITY)
    report = project.run("plan", "--format", "markdown").stdout
    chart = report.split("```mermaid", 1)[1].split("```", 1)[0]
    nodes = {
        line.split("(", 1)[0].strip().split("[", 1)[0].split("{", 1)[0]: line
        for line in chart.splitlines()
        if "<br/>" in line
    }

    def node(kind: str, key: str) -> str:
        return next(name for name, line in nodes.items() if f"{kind}<br/>{key}" in line)

    data_filter = node("FilterDefinition", "nto_no_opens")
    activity = node("FilterActivity", "nto_no_opens_nightly")
    destination = node("DataExtension", "nto_not_opened")
    assert f"{data_filter} -->|applies| {activity}" in chart
    assert f"{activity} -->|writes| {destination}" in chart
