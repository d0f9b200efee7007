"""The real CLI, as a subprocess, against `mcstate emulator serve` over real HTTP."""

from __future__ import annotations

import json

from tests.conftest import CLIENT_SECRET, Project, start_emulator
from tests.manifest_log import without_manifest

CUSTOMERS = """\
kind: DataExtension
key: nto_customers
name: NTO Customers
description: Customers synced from the CRM
folder: Data Extensions/CRM/EU
sendable: {field: SubscriberKey, subscriber_field: Subscriber Key}
testable: true
retention: {period: {length: 6, unit: months}, policy: all_records, reset_on_import: false}
fields:
  - {name: SubscriberKey, type: Text, length: 254, primary_key: true}
  - {name: Email, type: EmailAddress, required: true}
  - {name: City, type: Text, length: %(city)s}
  - {name: Balance, type: Decimal, precision: 18, scale: 2}
  - {name: JoinedAt, type: Date, default: GetDate()}
  - {name: Phone, type: Phone}
"""

EVENTS = """\
kind: DataExtension
key: nto_events
name: NTO Event Registrations
fields:
  - {name: RegistrationId, type: Number, primary_key: true}
  - {name: Email, type: EmailAddress, required: true}
  - {name: OptIn, type: Boolean, default: false}
"""


def customers(city: int = 100) -> str:
    return CUSTOMERS % {"city": city}


def applied(project: Project, *extra: str) -> None:
    result = project.run("apply", "--auto-approve", *extra)
    assert result.returncode == 0, result.stdout + result.stderr


def test_plan_apply_plan_converges_and_second_apply_writes_nothing(project: Project) -> None:
    project.write("definitions/customers.yaml", customers())
    project.write("definitions/events.yaml", EVENTS)

    plan = project.run("plan", "--detailed-exitcode")
    assert plan.returncode == 2, plan.stderr
    assert "+ Data Extensions/CRM" in plan.stdout
    assert "+ Data Extensions/CRM/EU" in plan.stdout
    assert "+ nto_customers" in plan.stdout and "+ nto_events" in plan.stdout
    assert "Plan: 4 to create, 0 to update, 0 to replace, 0 to delete, 0 destructive." in plan.stdout

    project.emulator.clear_log()
    applied(project)
    writes = without_manifest(project.emulator.writes())
    # Folders are created one level per call, then both data extensions in one batched call.
    assert [(w["operation"], w["object_count"]) for w in writes] == [
        ("Create", 1),
        ("Create", 1),
        ("Create", 2),
    ]

    again = project.run("plan", "--detailed-exitcode")
    assert again.returncode == 0, again.stdout + again.stderr
    assert "No changes." in again.stdout

    project.emulator.clear_log()
    applied(project)
    assert project.emulator.writes() == []


def test_in_place_update_sends_only_the_changed_field(project: Project) -> None:
    project.write("definitions/customers.yaml", customers(100))
    applied(project)
    project.write("definitions/customers.yaml", customers(150).replace("synced from", "synced nightly from"))

    plan = project.run("plan", "--format", "json")
    document = json.loads(plan.stdout)
    assert document["format_version"] == 1
    (change,) = document["changes"]
    assert (change["kind"], change["key"], change["action"], change["destructive"]) == (
        "DataExtension",
        "nto_customers",
        "update",
        False,
    )
    assert {(a["path"], a["before"], a["after"]) for a in change["attributes"]} == {
        ("description", "Customers synced from the CRM", "Customers synced nightly from the CRM"),
        ("fields[City].length", 100, 150),
    }
    assert document["summary"]["update"] == 1

    project.emulator.clear_log()
    applied(project)
    assert [(w["operation"], w["object_count"]) for w in without_manifest(project.emulator.writes())] == [
        ("Update", 1)
    ]
    assert "No changes." in project.run("plan").stdout


def test_destructive_change_is_refused_without_the_flag_and_done_with_it(project: Project) -> None:
    project.write("definitions/customers.yaml", customers(100))
    applied(project)
    project.write("definitions/customers.yaml", customers(40))

    plan = project.run("plan")
    assert "DESTRUCTIVE" in plan.stdout
    assert "-/+ nto_customers" in plan.stdout
    assert "the length of field 'City' cannot decrease (100 → 40)" in plan.stdout

    project.emulator.clear_log()
    refused = project.run("apply", "--auto-approve")
    assert refused.returncode == 1
    assert "--allow-destructive" in refused.stderr
    assert "Traceback" not in refused.stderr
    assert project.emulator.writes() == []

    applied(project, "--allow-destructive")
    assert [w["operation"] for w in without_manifest(project.emulator.writes())] == ["Delete", "Update"]
    assert "No changes." in project.run("plan").stdout


def test_field_only_in_the_account_is_reported_and_kept_until_allowed(project: Project) -> None:
    project.write("definitions/customers.yaml", customers())
    applied(project)
    project.write("definitions/customers.yaml", customers().replace("  - {name: Phone, type: Phone}\n", ""))

    plan = project.run("plan")
    assert "- fields[Phone]" in plan.stdout
    assert "exists in the account but not in the definition" in plan.stdout
    assert project.run("apply", "--auto-approve").returncode == 1
    applied(project, "--allow-destructive")
    assert "No changes." in project.run("plan").stdout


def test_type_change_drops_and_readds_the_field(project: Project) -> None:
    project.write("definitions/events.yaml", EVENTS)
    applied(project)
    project.write(
        "definitions/events.yaml",
        EVENTS.replace(
            "{name: OptIn, type: Boolean, default: false}", "{name: OptIn, type: Text, length: 5}"
        ),
    )
    assert "cannot change (Boolean → Text)" in project.run("plan").stdout
    applied(project, "--allow-destructive")
    assert "No changes." in project.run("plan").stdout


def test_primary_key_change_recreates_the_data_extension(project: Project) -> None:
    project.write("definitions/events.yaml", EVENTS)
    applied(project)
    project.write(
        "definitions/events.yaml",
        EVENTS.replace(
            "{name: Email, type: EmailAddress, required: true}",
            "{name: Email, type: EmailAddress, primary_key: true}",
        ),
    )
    plan = project.run("plan")
    assert "(re-created)" in plan.stdout and "all its rows are lost" in plan.stdout
    applied(project, "--allow-destructive")
    assert "No changes." in project.run("plan").stdout


def test_service_refusal_names_the_object_and_the_code(project: Project) -> None:
    project.write("definitions/events.yaml", EVENTS)
    applied(project)
    project.emulator.set_rows("nto_events", 10)
    project.write("definitions/events.yaml", EVENTS + "  - {name: Store, type: Text, required: true}\n")

    plan = project.run("plan")
    assert "warning: new required field 'Store' has no default value" in plan.stdout
    result = project.run("apply", "--auto-approve")
    assert result.returncode == 1
    assert "DataExtension nto_events: 310007" in result.stderr
    assert "Traceback" not in result.stderr
    assert "+ fields[Store]" in project.run("plan").stdout


def test_invalid_definitions_fail_before_any_call(project: Project) -> None:
    project.write("definitions/events.yaml", EVENTS.replace("type: Number", "type: Numbr"))
    project.emulator.clear_log()
    for command in (("validate",), ("plan",), ("apply", "--auto-approve")):
        result = project.run(*command)
        assert result.returncode == 1
        assert "definitions/events.yaml:5:" in result.stderr
        assert "'Numbr' is not one of" in result.stderr
        assert "Traceback" not in result.stderr
    assert project.emulator.requests_log() == []


def test_apply_without_a_terminal_needs_auto_approve(project: Project) -> None:
    project.write("definitions/events.yaml", EVENTS)
    project.emulator.clear_log()
    result = project.run("apply", input="")
    assert result.returncode == 1
    assert "--auto-approve" in result.stderr
    assert project.emulator.writes() == []


def test_status_reports_the_system_status(project: Project) -> None:
    result = project.run("status")
    assert result.returncode == 0, result.stderr
    assert "system status OK" in result.stdout


def test_refused_credentials_are_reported_without_the_secret(project: Project, tmp_path_factory) -> None:  # type: ignore[no-untyped-def]
    guarded = start_emulator(
        tmp_path_factory.mktemp("guarded") / "a.db", "--client-id", "right", "--client-secret", "right-secret"
    )
    try:
        project.write(
            "mcstate.yaml",
            f"""\
            targets:
              guarded:
                auth_url: {guarded.base_url}
                client_id: ${{MC_CLIENT_ID}}
                client_secret: ${{MC_CLIENT_SECRET}}
            """,
        )
        result = project.run("plan")
        assert result.returncode == 1
        assert "refused the client credentials (401)" in result.stderr
        assert CLIENT_SECRET not in result.stdout + result.stderr
        ok = project.run("status", env={"MC_CLIENT_ID": "right", "MC_CLIENT_SECRET": "right-secret"})
        assert ok.returncode == 0, ok.stderr
    finally:
        guarded.process.terminate()
        guarded.process.wait(timeout=10)


def test_missing_environment_variable_and_inline_secret_are_config_errors(project: Project) -> None:
    result = project.run("plan", env={"MC_CLIENT_SECRET": ""})
    assert result.returncode == 1
    assert "needs the environment variable MC_CLIENT_SECRET" in result.stderr
    project.write(
        "mcstate.yaml",
        """\
        targets:
          prod:
            auth_url: https://example.invalid/
            client_id: ${MC_CLIENT_ID}
            client_secret: hunter2-inline
        """,
    )
    result = project.run("plan")
    assert result.returncode == 1
    assert "credentials must not be written in mcstate.yaml" in result.stderr
    assert "hunter2-inline" not in result.stderr


def test_embedded_emulator_is_the_default_with_no_credentials(project: Project) -> None:
    project.write(
        "mcstate.yaml",
        """\
        definitions: definitions
        default_target: local
        targets:
          local:
            emulator: .mcstate/local.db
        """,
    )
    project.write("definitions/events.yaml", EVENTS)
    assert "+ nto_events" in project.run("plan").stdout
    applied(project)
    assert (project.root / ".mcstate/local.db").is_file()
    assert "No changes." in project.run("plan", env={"MC_CLIENT_ID": "", "MC_CLIENT_SECRET": ""}).stdout


def test_fields_of_all_data_extensions_are_read_in_one_paged_retrieve(project: Project) -> None:
    fields = "".join(f"  - {{name: Field{n:02d}, type: Text}}\n" for n in range(25))
    documents = [
        f"kind: DataExtension\nkey: de_{i:03d}\nname: DE {i:03d}\nfields:\n{fields}" for i in range(104)
    ]
    project.write("definitions/many.yaml", "---\n".join(documents))
    project.emulator.clear_log()
    applied(project)
    creates = [w["object_count"] for w in without_manifest(project.emulator.writes())]
    assert creates == [50, 50, 4]

    project.emulator.clear_log()
    plan = project.run("plan", "--detailed-exitcode")
    assert plan.returncode == 0, plan.stdout + plan.stderr
    log = project.emulator.requests_log()
    retrieves = [tuple(e["object_types"]) for e in log if e["operation"] == "Retrieve"]
    # Kinds are read side by side, so in no particular order. The record of managed objects: its data
    # extension (looked up by key), then its rows.
    assert retrieves.count(("DataExtensionObject[mcstate_managed_objects]",)) == 1
    assert retrieves.count(("DataExtension",)) == 2
    # 2,600 fields fill two pages of at most 2,500: two Retrieves, of the fields of 100 and of 4 data
    # extensions (not one per data extension); folders in two (this business unit's, and the shared folders
    # of its parent with QueryAllAccounts), everything else in one call per type.
    fields = [e for e in log if e["object_types"] == ["DataExtensionField"]]
    assert sorted(e["result_count"] for e in fields) == [100, 2500]
    assert retrieves.count(("DataFolder",)) == 2
    others = [
        types for types in retrieves if types[0] not in ("DataExtension", "DataExtensionField", "DataFolder")
    ]
    assert len(others) == len(set(others)), retrieves


def test_partial_batch_failure_keeps_the_successes_and_the_next_plan_shows_the_rest(project: Project) -> None:
    second = EVENTS.replace("nto_events", "nto_events_2").replace("NTO Event Registrations", "Second")
    project.write("definitions/events.yaml", EVENTS)
    project.write("definitions/second.yaml", second)
    applied(project)
    project.emulator.set_rows("nto_events", 3)
    extra = "  - {name: Store, type: Text, required: true}\n"
    project.write("definitions/events.yaml", EVENTS + extra)
    project.write("definitions/second.yaml", second + extra)

    project.emulator.clear_log()
    result = project.run("apply", "--auto-approve")
    assert result.returncode == 1
    assert [(w["operation"], w["object_count"]) for w in without_manifest(project.emulator.writes())] == [
        ("Update", 2)
    ]
    assert "DataExtension nto_events: 310007" in result.stderr
    assert "nto_events_2" not in result.stderr
    plan = json.loads(project.run("plan", "--format", "json").stdout)
    assert [(c["key"], c["action"]) for c in plan["changes"]] == [("nto_events", "update")]


def test_name_used_by_another_data_extension_in_the_account_is_refused_before_writing(
    project: Project,
) -> None:
    project.write("definitions/events.yaml", EVENTS)
    applied(project)
    project.remove("definitions/events.yaml")
    project.write("definitions/copy.yaml", EVENTS.replace("key: nto_events", "key: nto_events_copy"))
    project.emulator.clear_log()
    result = project.run("apply", "--auto-approve")
    assert result.returncode == 1
    assert "definitions/copy.yaml:3:7: name: data extension name 'NTO Event Registrations'" in result.stderr
    assert project.emulator.writes() == []
