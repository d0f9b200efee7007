"""Renames without re-creating: a field renamed in place (renamed_from) and a data extension re-keyed in place
(moved_from), against the emulator with rows kept."""

from __future__ import annotations

import json

from tests.conftest import Project
from tests.manifest_log import without_manifest

CUSTOMERS = """\
kind: DataExtension
key: {key}
name: Customers {key}
{moved}fields:
  - {{name: id, type: Text, length: 20, primary_key: true}}
  - {{name: {email}, type: EmailAddress{renamed}}}
"""


def customers(key: str = "customers", email: str = "email", renamed: str = "", moved: str = "") -> str:
    return CUSTOMERS.format(
        key=key,
        email=email,
        renamed=f", renamed_from: {renamed}" if renamed else "",
        moved=f"moved_from: {moved}\n" if moved else "",
    )


def applied(project: Project, *args: str) -> None:
    result = project.run("apply", "--auto-approve", *args)
    assert result.returncode == 0, result.stdout + result.stderr


def load_rows(project: Project, key: str) -> None:
    rows = [{"id": "1", "email": "ann@example.com"}, {"id": "2", "email": "bo@example.com"}]
    project.emulator.admin("POST", f"_emulator/dataextensions/{key}/rows", rows)


def rows(project: Project, key: str) -> list[dict[str, str]]:
    result = project.run("rows", key, "--format", "json")
    assert result.returncode == 0, result.stderr
    return sorted(json.loads(result.stdout), key=lambda row: row["id"])


def test_a_field_renamed_with_renamed_from_keeps_its_column_and_rows(project: Project) -> None:
    project.write("definitions/customers.yaml", customers())
    applied(project)
    load_rows(project, "customers")

    project.write("definitions/customers.yaml", customers(email="email_address", renamed="email"))
    plan = project.run("plan", "--detailed-exitcode")
    assert plan.returncode == 2, plan.stderr
    assert 'fields[email_address].name: "email" → "email_address"' in plan.stdout
    assert "DESTRUCTIVE" not in plan.stdout and "0 destructive" in plan.stdout

    project.emulator.clear_log()
    applied(project)
    writes = without_manifest(project.emulator.writes())
    assert [(w["operation"], w["object_types"]) for w in writes] == [("Update", ["DataExtension"])]
    assert rows(project, "customers") == [
        {"id": "1", "email_address": "ann@example.com"},
        {"id": "2", "email_address": "bo@example.com"},
    ]
    assert "No changes." in project.run("plan").stdout


def test_without_renamed_from_a_new_name_is_a_destructive_drop_and_add(project: Project) -> None:
    project.write("definitions/customers.yaml", customers())
    applied(project)
    project.write("definitions/customers.yaml", customers(email="email_address"))
    plan = project.run("plan")
    assert "DESTRUCTIVE" in plan.stdout
    assert "deleting it drops the column and its data" in plan.stdout


def test_a_data_extension_re_keyed_with_moved_from_keeps_its_rows_and_the_record_follows(
    project: Project,
) -> None:
    project.write("definitions/customers.yaml", customers())
    applied(project)
    load_rows(project, "customers")

    # Moved and a field renamed in one apply: the service wants the key changed in an Update of its own.
    moved = customers("crm_customers", email="email_address", renamed="email", moved="customers")
    project.write("definitions/customers.yaml", moved)
    plan = project.run("plan", "--detailed-exitcode")
    assert plan.returncode == 2, plan.stderr
    assert 'key: "customers" → "crm_customers"' in plan.stdout
    assert "0 to create" in plan.stdout and "0 destructive" in plan.stdout
    assert "to forget" not in plan.stdout

    project.emulator.clear_log()
    applied(project)
    writes = without_manifest(project.emulator.writes())
    assert [(w["operation"], w["object_types"]) for w in writes] == [
        ("Update", ["DataExtension"]),
        ("Update", ["DataExtension"]),
    ]
    assert rows(project, "crm_customers") == [
        {"id": "1", "email_address": "ann@example.com"},
        {"id": "2", "email_address": "bo@example.com"},
    ]
    assert project.run("rows", "customers").returncode == 1
    recorded = {row["Key"] for row in rows_of_manifest(project)}
    assert "crm_customers" in recorded and "customers" not in recorded

    again = project.run("plan", "--detailed-exitcode")
    assert again.returncode == 0, again.stdout + again.stderr
    # Once applied, moved_from is inert (the old key is gone): leaving it in changes nothing.
    assert "No changes." in again.stdout


def rows_of_manifest(project: Project) -> list[dict[str, str]]:
    result = project.run("rows", "mcstate_managed_objects", "--format", "json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_a_reference_to_the_old_key_of_a_moved_data_extension_is_an_error_at_its_line(
    project: Project,
) -> None:
    project.write("definitions/customers.yaml", customers())
    applied(project)
    project.write("definitions/customers.yaml", customers("crm_customers", moved="customers"))
    project.write(
        "definitions/import.yaml",
        """\
        kind: ImportDefinition
        key: customers_import
        name: Customers import
        destination: customers
        file_location: ExactTarget Enhanced FTP
        file_spec: customers.csv
        field_mapping: infer_from_column_headings
        update_type: add_and_update
        """,
    )
    plan = project.run("plan")
    assert plan.returncode == 1
    assert "definitions/import.yaml:4:14" in plan.stderr
    assert "DataExtension 'customers' is moved to 'crm_customers'" in plan.stderr
    assert "definitions/customers.yaml:4:13" in plan.stderr


def test_a_query_reading_the_old_name_of_a_renamed_field_fails_the_sql_check(project: Project) -> None:
    project.write("definitions/customers.yaml", customers(email="email_address", renamed="email"))
    project.write(
        "definitions/query.yaml",
        """\
        kind: QueryDefinition
        key: emails
        name: Emails
        target: customers
        update_type: overwrite
        sql: SELECT id, email AS email_address FROM [Customers customers]
        """,
    )
    result = project.run("validate")
    assert result.returncode == 1
    assert "definitions/query.yaml:6" in result.stderr and "email" in result.stderr


def test_moved_from_and_renamed_from_are_checked_at_validate(project: Project) -> None:
    project.write("definitions/a.yaml", customers("a", moved="a"))
    project.write("definitions/b.yaml", customers("b", email="email_address", renamed="id"))
    project.write("definitions/c.yaml", customers("c", moved="b"))
    result = project.run("validate")
    assert result.returncode == 1
    assert (
        "definitions/a.yaml:4:13: moved_from: a data extension cannot be moved from its own key"
        in result.stderr
    )
    assert (
        "definitions/b.yaml:6:61: fields[1].renamed_from: 'id' is still a field of this definition, so "
        "'email_address' cannot be renamed from it"
    ) in result.stderr
    assert (
        "definitions/c.yaml:4:13: moved_from: 'b' is the key of another definition (definitions/b.yaml"
        in result.stderr
    )
