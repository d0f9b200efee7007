"""Automations end to end: the real CLI against `mcstate emulator serve` over HTTP."""

from __future__ import annotations

from tests.conftest import Project
from tests.manifest_log import without_manifest

REST_WRITES = {"POST", "PATCH", "PUT", "DELETE"}

DATA = """\
kind: DataExtension
key: nto_customers
name: NTO Customers
fields:
  - {name: SubscriberKey, type: Text, length: 254, primary_key: true}
  - {name: Email, type: EmailAddress, required: true}
  - {name: City}
  - {name: Region}
---
kind: DataExtension
key: nto_by_region
name: NTO Subscribers by Region
fields:
  - {name: SubscriberKey, type: Text, length: 254, primary_key: true}
  - {name: Region}
---
kind: DataExtension
key: nto_segment
name: NTO Segment
fields:
  - {name: SubscriberKey, type: Text, length: 254, primary_key: true}
  - {name: Email, type: EmailAddress, required: true}
  - {name: City}
  - {name: Region}
---
kind: FilterDefinition
key: nto_seattle_filter
name: NTO customers in Seattle
folder: Data Filters/Segments
source: nto_customers
filter: {field: City, operator: equals, value: Seattle}
---
kind: FilterDefinition
key: nto_no_region_filter
name: NTO customers without a region
source: nto_customers
filter: {field: Region, operator: isNull}
---
kind: FilterActivity
key: nto_seattle
name: NTO customers in Seattle, into the segment
folder: Filter/Segments
filter: nto_seattle_filter
destination: nto_segment
---
kind: FilterActivity
key: nto_no_region
name: NTO customers without a region, into the segment
filter: nto_no_region_filter
destination: nto_segment
"""

ACTIVITIES = """\
kind: ImportDefinition
key: nto_import_customers
name: Import CRM customers
destination: nto_customers
file_spec: customers_%%YEAR%%%%MONTH%%%%DAY%%.csv
field_mapping: infer_from_column_headings
update_type: add_and_update
---
kind: QueryDefinition
key: nto_segment_by_region
name: Segment customers by region
target: nto_by_region
update_type: overwrite
sql: SELECT SubscriberKey, Region FROM [NTO Customers] WHERE Region IS NOT NULL
---
kind: DataExtract
key: nto_by_region_extract
name: NTO regions for the CRM
data_extension: nto_by_region
file_spec: regions_%%Year%%%%Month%%%%Day%%.csv
---
kind: FileTransfer
key: nto_by_region_to_ftp
name: NTO regions to the Enhanced FTP
file_spec: regions_%%Year%%%%Month%%%%Day%%.csv
"""

NIGHTLY = """\
kind: Automation
key: nto_nightly
name: NTO nightly CRM sync
description: Import, segment, and send the segments back to the CRM
folder: my automations/CRM
active: true
schedule:
  recurrence: daily
  start: 2025-01-06T02:00
  time_zone: Central Standard Time
steps:
  - [{import: nto_import_customers}]
  - [{filter: nto_seattle}, {filter: nto_no_region}, {query: nto_segment_by_region}]
  - [{extract: nto_by_region_extract}]
  - [{file_transfer: nto_by_region_to_ftp}]
"""

FILTERS_ONLY = """\
kind: Automation
key: nto_filters
name: NTO filters
steps:
  - [{filter: nto_seattle}]
  - [{filter: nto_no_region}]
"""


def applied(project: Project, *extra: str) -> None:
    result = project.run("apply", "--auto-approve", *extra)
    assert result.returncode == 0, result.stdout + result.stderr


def every_write(project: Project, *, manifest: bool = False) -> list[tuple[str, list[str]]]:
    """SOAP Create/Update/Delete and REST writes, in order; the manifest's own only with `manifest`."""
    writes = [
        entry
        for entry in project.emulator.requests_log()
        if entry["operation"] in {"Create", "Update", "Delete"} | REST_WRITES
    ]
    return [
        (str(entry["operation"]), list(entry["object_types"]))
        for entry in (writes if manifest else without_manifest(writes))
    ]


def converged(project: Project, left_to_forget: int = 0) -> None:
    plan = project.run("plan", "--detailed-exitcode")
    assert plan.returncode == (2 if left_to_forget else 0), plan.stdout + plan.stderr
    assert plan.stdout.startswith("No changes.")
    if left_to_forget:
        assert f"{left_to_forget} to forget or delete" in plan.stdout
    project.emulator.clear_log()
    applied(project)
    assert every_write(project, manifest=True) == []


def test_an_automation_of_every_activity_kind_round_trips(project: Project) -> None:
    project.write("definitions/data.yaml", DATA)
    project.write("definitions/activities.yaml", ACTIVITIES)
    project.write("definitions/nightly.yaml", NIGHTLY)

    plan = project.run("plan", "--detailed-exitcode")
    assert plan.returncode == 2, plan.stdout + plan.stderr
    assert "+ nto_nightly" in plan.stdout

    project.emulator.clear_log()
    applied(project)
    writes = every_write(project)
    # The automation is written last, once, after every activity it names exists.
    assert writes[-1] == ("Create", ["Automation"])
    assert [w for w in writes if w[1] == ["FilterDefinition"]] == [("Create", ["FilterDefinition"])]
    # Filter activities: one SOAP Create for both, then the one outside the root folder is moved over REST;
    # the automation folder is created through the category API.
    assert [w for w in writes if w[1] == ["FilterActivity"]] == [("Create", ["FilterActivity"])]
    assert ("PATCH", ["automation/v1/filters/{id}"]) in writes
    assert ("POST", ["email/v1/category"]) in writes
    assert ("Create", ["DataFolder"]) in writes  # the other folders, over SOAP

    converged(project)


def test_changed_steps_and_schedule_are_one_update(project: Project) -> None:
    project.write("definitions/data.yaml", DATA)
    project.write("definitions/activities.yaml", ACTIVITIES)
    project.write("definitions/nightly.yaml", NIGHTLY)
    applied(project)
    changed = NIGHTLY.replace("recurrence: daily", "recurrence: weekly\n  days: [Monday, Thursday]").replace(
        "  - [{extract: nto_by_region_extract}]\n", ""
    )
    project.write("definitions/nightly.yaml", changed)

    plan = project.run("plan")
    assert "~ nto_nightly" in plan.stdout
    assert "every 1 week on Monday, Thursday from 2025-01-06T02:00:00 (Central Standard Time)" in plan.stdout
    assert "~ steps:\n          - step 3: [{extract: nto_by_region_extract}]\n" in plan.stdout

    project.emulator.clear_log()
    applied(project)
    assert every_write(project) == [("Update", ["Automation"])]
    converged(project)


def test_filter_only_automation_without_schedule_and_removing_a_schedule_is_destructive(
    project: Project,
) -> None:
    project.write("definitions/data.yaml", DATA)
    project.write("definitions/filters.yaml", FILTERS_ONLY)
    applied(project)
    converged(project)

    scheduled = (
        FILTERS_ONLY
        + "schedule: {recurrence: hourly, interval: 6, start: 2025-01-06T00:00, time_zone: UTC}\n"
    )
    project.write("definitions/filters.yaml", scheduled)
    project.emulator.clear_log()
    applied(project)
    assert every_write(project) == [("Update", ["Automation"])]

    project.write("definitions/filters.yaml", FILTERS_ONLY)
    plan = project.run("plan")
    assert "-/+ nto_filters" in plan.stdout and "cannot take the schedule off an automation" in plan.stdout
    assert project.run("apply", "--auto-approve").returncode == 1
    applied(project, "--allow-destructive")
    converged(project)


def test_an_unknown_activity_fails_at_its_line_before_any_write(project: Project) -> None:
    project.write("definitions/data.yaml", DATA)
    project.write(
        "definitions/filters.yaml", FILTERS_ONLY.replace("{filter: nto_no_region}", "{filter: nto_typo}")
    )
    project.emulator.clear_log()
    result = project.run("plan")
    assert result.returncode == 1
    assert (
        "definitions/filters.yaml:6:15: steps[1][0].filter: FilterActivity 'nto_typo' is neither defined "
        "nor present in the account" in result.stderr
    )
    assert every_write(project) == []


def test_activities_already_in_the_account_are_referred_to_by_key(project: Project) -> None:
    project.write("definitions/data.yaml", DATA)
    applied(project)
    project.remove("definitions/data.yaml")
    project.write("definitions/filters.yaml", FILTERS_ONLY)

    project.emulator.clear_log()
    applied(project)
    assert every_write(project) == [("Create", ["Automation"])]
    # The data extensions and data filters are no longer defined (kept until --prune).
    converged(project, left_to_forget=5)


def test_recreating_an_activity_rewrites_the_automation_in_the_same_apply(project: Project) -> None:
    project.write("definitions/data.yaml", DATA)
    project.write(
        "definitions/nightly.yaml",
        """\
        kind: Automation
        key: nto_filters
        name: NTO filters
        steps:
          - [{filter: nto_seattle}, {filter: nto_no_region}]
        """,
    )
    assert project.run("apply", "--auto-approve").returncode == 0
    # A new destination re-creates the filter activity, under a new ObjectID.
    project.write(
        "definitions/data.yaml",
        DATA.replace(
            "filter: nto_seattle_filter\ndestination: nto_segment",
            "filter: nto_seattle_filter\ndestination: nto_by_region",
        ),
    )
    plan = project.run("plan")
    assert "-/+ nto_seattle" in plan.stdout
    assert "FilterActivity 'nto_seattle' is re-created, so this reference is written again" in plan.stdout
    result = project.run("apply", "--auto-approve", "--allow-destructive")
    assert result.returncode == 0, result.stdout + result.stderr
    again = project.run("plan", "--detailed-exitcode")
    assert again.returncode == 0, again.stdout
