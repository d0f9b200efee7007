"""Data filters end to end: the real CLI against `mcstate emulator serve` over HTTP."""

from __future__ import annotations

from tests.conftest import Project
from tests.manifest_log import without_manifest

SUBSCRIBERS = """\
kind: DataExtension
key: nto_subscribers
name: NTO Newsletter Subscribers
fields:
  - {name: SubscriberKey, type: Text, length: 254, primary_key: true}
  - {name: Email, type: EmailAddress, required: true}
  - {name: City, type: Text}
  - {name: LastOpen, type: Date}
  - {name: OptIn, type: Boolean, default: false}
"""

SURVEY = """\
kind: DataExtension
key: nto_survey
name: NTO Survey Responses
fields:
  - {name: SubscriberKey, type: Text, length: 254, primary_key: true}
  - {name: City, type: Text}
  - {name: LastOpen, type: Date}
  - {name: OptIn, type: Boolean}
"""

NOT_OPENED = """\
kind: FilterDefinition
key: nto_not_opened
name: Subscribers who did not open
description: Opted in, no open since the start of the year
folder: Data Filters/Engagement
source: nto_subscribers
filter:
  all:
    - {field: OptIn, operator: equals, value: true}
    - any:
        - {field: LastOpen, operator: isNull}
        - {field: LastOpen, operator: lessThan, value: 2024-01-01}
    - {field: City, operator: in, values: [Seattle, Portland]}
"""


def applied(project: Project, *extra: str) -> None:
    result = project.run("apply", "--auto-approve", *extra)
    assert result.returncode == 0, result.stdout + result.stderr


def test_filter_round_trips_and_a_second_apply_writes_nothing(project: Project) -> None:
    project.write("definitions/subscribers.yaml", SUBSCRIBERS)
    project.write("definitions/not_opened.yaml", NOT_OPENED)

    plan = project.run("plan", "--detailed-exitcode")
    assert plan.returncode == 2, plan.stdout + plan.stderr
    assert "+ nto_not_opened" in plan.stdout and "+ Data Filters/Engagement" in plan.stdout

    project.emulator.clear_log()
    applied(project)
    creates = [(w["operation"], w["object_types"]) for w in without_manifest(project.emulator.writes())]
    assert creates == [
        ("Create", ["DataFolder"]),
        ("Create", ["DataExtension"]),
        ("Create", ["FilterDefinition"]),
    ]

    again = project.run("plan", "--detailed-exitcode")
    assert again.returncode == 0, again.stdout + again.stderr
    project.emulator.clear_log()
    applied(project)
    assert project.emulator.writes() == []


def test_a_changed_condition_is_one_update_and_converges(project: Project) -> None:
    project.write("definitions/subscribers.yaml", SUBSCRIBERS)
    project.write("definitions/not_opened.yaml", NOT_OPENED)
    applied(project)
    project.write("definitions/not_opened.yaml", NOT_OPENED.replace("Portland", "Tacoma"))

    plan = project.run("plan")
    assert "~ nto_not_opened" in plan.stdout
    assert "~ filter:\n          ~ all[3] › values[2]: Portland → Tacoma\n" in plan.stdout

    project.emulator.clear_log()
    applied(project)
    assert [(w["operation"], w["object_types"]) for w in without_manifest(project.emulator.writes())] == [
        ("Update", ["FilterDefinition"])
    ]
    assert project.run("plan", "--detailed-exitcode").returncode == 0


def test_a_new_source_is_destructive_and_recreates_the_filter(project: Project) -> None:
    project.write("definitions/subscribers.yaml", SUBSCRIBERS)
    project.write("definitions/survey.yaml", SURVEY)
    project.write("definitions/not_opened.yaml", NOT_OPENED)
    applied(project)
    project.write(
        "definitions/not_opened.yaml", NOT_OPENED.replace("source: nto_subscribers", "source: nto_survey")
    )

    plan = project.run("plan")
    assert "-/+ nto_not_opened" in plan.stdout
    assert "the source of a data filter cannot change in place" in plan.stdout
    project.emulator.clear_log()
    refused = project.run("apply", "--auto-approve")
    assert refused.returncode == 1 and "--allow-destructive" in refused.stderr
    assert project.emulator.writes() == []

    applied(project, "--allow-destructive")
    assert [w["operation"] for w in without_manifest(project.emulator.writes())] == ["Delete", "Create"]
    assert project.run("plan", "--detailed-exitcode").returncode == 0


def test_an_operator_the_field_type_refuses_fails_before_any_call(project: Project) -> None:
    project.write("definitions/subscribers.yaml", SUBSCRIBERS)
    project.write(
        "definitions/not_opened.yaml",
        NOT_OPENED.replace(
            "{field: OptIn, operator: equals, value: true}", "{field: OptIn, operator: contains, value: t}"
        ),
    )
    project.emulator.clear_log()
    result = project.run("plan")
    assert result.returncode == 1
    assert (
        "definitions/not_opened.yaml:9:32: filter.all[0].operator: 373010 Operation Not Allowed"
        in result.stderr
    )
    assert project.emulator.requests_log() == []


def test_a_field_the_account_source_lacks_is_reported_after_reading_the_account(project: Project) -> None:
    project.write("definitions/subscribers.yaml", SUBSCRIBERS)
    applied(project)
    project.remove("definitions/subscribers.yaml")
    project.write("definitions/not_opened.yaml", NOT_OPENED.replace("field: City", "field: Town"))

    project.emulator.clear_log()
    result = project.run("plan")
    assert result.returncode == 1
    assert (
        "definitions/not_opened.yaml:13:15: filter.all[2].field: 373011 Property Not Found" in result.stderr
    )
    assert project.emulator.writes() == []
