"""Import and query definitions through the real CLI against `mcstate emulator serve` over HTTP."""

from __future__ import annotations

from tests.conftest import Project
from tests.manifest_log import without_manifest

DATA_EXTENSIONS = """\
kind: DataExtension
key: nto_customers
name: NTO Customers
fields:
  - {name: SubscriberKey, type: Text, length: 254, primary_key: true}
  - {name: Email, type: EmailAddress, required: true}
  - {name: City}
  - {name: Region}
  - {name: JoinedAt, type: Date, required: true, default: GetDate()}
---
kind: DataExtension
key: nto_by_region
name: NTO Subscribers by Region
fields:
  - {name: SubscriberKey, type: Text, length: 254, primary_key: true}
  - {name: Region}
"""

IMPORT = """\
kind: ImportDefinition
key: nto_import_customers
name: Import CRM customers
description: The CRM's nightly customers file
destination: nto_customers
file_spec: customers_%%YEAR%%%%MONTH%%%%DAY%%.csv
file_type: other
delimiter: "|"
encoding: windows-1252
date_locale: en-GB
field_mapping: manual
field_map:
  - {source: customer_id, destination: SubscriberKey}
  - {source: email, destination: Email}
  - {source: city, destination: City}
update_type: add_and_update
allow_errors: true
notification: {email: ops@nto.example, when: on_error}
"""

QUERY = """\
kind: QueryDefinition
key: nto_segment_by_region
name: Segment subscribers by region
folder: Query/Segments
target: nto_by_region
update_type: update
sql_file: segment_by_region.sql
"""

SQL = """\
SELECT c.SubscriberKey,
       c.Region
FROM [NTO Customers] c
WHERE c.Region IS NOT NULL
"""


def write_all(project: Project) -> None:
    project.write("definitions/data_extensions.yaml", DATA_EXTENSIONS)
    project.write("definitions/imports/customers.yaml", IMPORT)
    project.write("definitions/queries/segment_by_region.yaml", QUERY)
    project.write("definitions/queries/segment_by_region.sql", SQL)


def applied(project: Project, *extra: str) -> None:
    result = project.run("apply", "--auto-approve", *extra)
    assert result.returncode == 0, result.stdout + result.stderr


def converged(project: Project, left_to_forget: int = 0) -> None:
    plan = project.run("plan", "--detailed-exitcode")
    assert plan.returncode == (2 if left_to_forget else 0), plan.stdout + plan.stderr
    assert plan.stdout.startswith("No changes.")
    if left_to_forget:
        assert f"{left_to_forget} to forget or delete" in plan.stdout
    project.emulator.clear_log()
    applied(project)
    assert project.emulator.writes() == []


def test_imports_and_queries_round_trip_with_no_writes_on_the_second_apply(project: Project) -> None:
    write_all(project)
    plan = project.run("plan", "--detailed-exitcode")
    assert plan.returncode == 2, plan.stderr
    assert "+ nto_import_customers" in plan.stdout and "+ nto_segment_by_region" in plan.stdout
    assert "      sql: |\n        SELECT c.SubscriberKey,\n" in plan.stdout

    project.emulator.clear_log()
    applied(project)
    writes = [
        (w["operation"], w["object_types"], w["object_count"])
        for w in without_manifest(project.emulator.writes())
    ]
    assert writes == [
        ("Create", ["DataFolder"], 1),
        ("Create", ["DataExtension"], 2),
        ("Create", ["ImportDefinition"], 1),
        ("Create", ["QueryDefinition"], 1),
    ]
    converged(project)


def test_whitespace_only_sql_edits_are_not_changes_and_real_edits_are_shown_as_a_diff(
    project: Project,
) -> None:
    write_all(project)
    applied(project)
    project.write("definitions/queries/segment_by_region.sql", " ".join(SQL.split()))
    assert project.run("plan", "--detailed-exitcode").returncode == 0

    project.write("definitions/queries/segment_by_region.sql", SQL + "  AND c.City <> 'Portland'\n")
    plan = project.run("plan")
    assert "~ nto_segment_by_region" in plan.stdout
    assert "      ~ sql:\n" in plan.stdout and "          +  AND c.City <> 'Portland'" in plan.stdout
    project.emulator.clear_log()
    applied(project)
    assert [(w["operation"], w["object_types"]) for w in without_manifest(project.emulator.writes())] == [
        ("Update", ["QueryDefinition"])
    ]
    converged(project)


def test_import_changes_are_updated_in_place(project: Project) -> None:
    write_all(project)
    applied(project)
    changed = (
        IMPORT.replace("customers_%%YEAR%%", "crm_customers_%%YEAR%%")
        .replace('file_type: other\ndelimiter: "|"\n', "file_type: tab\n")
        .replace("notification: {email: ops@nto.example, when: on_error}\n", "")
    )
    project.write("definitions/imports/customers.yaml", changed)
    plan = project.run("plan", "--format", "json")
    assert '"path": "file_spec"' in plan.stdout and '"path": "notification"' in plan.stdout
    project.emulator.clear_log()
    applied(project)
    assert [(w["operation"], w["object_types"]) for w in without_manifest(project.emulator.writes())] == [
        ("Update", ["ImportDefinition"])
    ]
    converged(project)


def test_service_rules_are_reported_at_plan_time_with_their_codes(project: Project) -> None:
    write_all(project)
    project.write(
        "definitions/imports/customers.yaml",
        IMPORT.replace("update_type: add_and_update", "update_type: overwrite").replace(
            "destination: City", "destination: Town"
        ),
    )
    project.write(
        "definitions/queries/segment_by_region.yaml", QUERY.replace("segment_by_region.sql", "missing.sql")
    )
    project.emulator.clear_log()
    result = project.run("plan")
    assert result.returncode == 1
    assert (
        "definitions/imports/customers.yaml:16:14: update_type: 43060 Validation Error: update type "
        "'overwrite' needs a destination data extension without a primary key"
    ) in result.stderr
    assert (
        "definitions/imports/customers.yaml:15:33: field_map[2].destination: 43060 Validation Error: "
        "'Town' is not a field of data extension 'nto_customers'"
    ) in result.stderr
    assert "definitions/queries/segment_by_region.yaml:7:11: sql_file: SQL file 'missing.sql' not found" in (
        result.stderr
    )
    assert "Traceback" not in result.stderr
    assert project.emulator.requests_log() == []


def test_a_target_only_in_the_account_is_named_from_the_account(project: Project) -> None:
    project.write("definitions/data_extensions.yaml", DATA_EXTENSIONS)
    applied(project)
    # The data extensions stay in the account; the definitions now only hold the query.
    project.remove("definitions/data_extensions.yaml")
    project.write("definitions/queries/segment_by_region.yaml", QUERY)
    project.write("definitions/queries/segment_by_region.sql", SQL)
    plan = project.run("plan")
    assert 'target_name: "NTO Subscribers by Region"' in plan.stdout
    applied(project)
    # nto_customers is no longer defined (kept until --prune); the query's target is kept as it is used.
    converged(project, left_to_forget=1)


def test_recreating_the_destination_rewrites_the_import_in_the_same_apply(project: Project) -> None:
    project.write("definitions/data.yaml", DATA_EXTENSIONS)
    project.write("definitions/import.yaml", IMPORT)
    assert project.run("apply", "--auto-approve").returncode == 0
    # Making Email part of the primary key re-creates the data extension, under a new ObjectID.
    project.write(
        "definitions/data.yaml",
        DATA_EXTENSIONS.replace(
            "{name: Email, type: EmailAddress, required: true}",
            "{name: Email, type: EmailAddress, primary_key: true}",
        ),
    )
    plan = project.run("plan")
    assert "DataExtension 'nto_customers' is re-created, so this reference is written again" in plan.stdout
    result = project.run("apply", "--auto-approve", "--allow-destructive")
    assert result.returncode == 0, result.stdout + result.stderr
    again = project.run("plan", "--detailed-exitcode")
    assert again.returncode == 0, again.stdout
