"""drift, ignore_changes and --target/--exclude through the real CLI against `mcstate emulator serve`.

Changes "in the account" are made the way someone outside mcstate would make them: raw SOAP calls to the
emulator, never through mcstate.
"""

from __future__ import annotations

import json
from typing import Any

from tests.conftest import Project
from tests.emulator.conftest import Client, data_extension, field, simple

CUSTOMERS = """\
kind: DataExtension
key: nto_customers
name: NTO Customers
description: Customers synced from the CRM
folder: Data Extensions/CRM/EU
fields:
  - {name: SubscriberKey, type: Text, length: 254, primary_key: true}
  - {name: Email, type: EmailAddress, required: true}
  - {name: City, type: Text, length: 100}
"""

EVENTS = """\
kind: DataExtension
key: nto_events
name: NTO Event Registrations
folder: Data Extensions/Events
fields:
  - {name: RegistrationId, type: Number, primary_key: true}
  - {name: Email, type: EmailAddress, required: true}
"""

EVENTS_COPY = """\
kind: QueryDefinition
key: nto_events_copy
name: Copy event registrations
folder: Query/Events
target: nto_events
update_type: overwrite
sql: SELECT RegistrationId, Email FROM [NTO Event Registrations]
"""


def applied(project: Project, *extra: str) -> None:
    result = project.run("apply", "--auto-approve", *extra)
    assert result.returncode == 0, result.stdout + result.stderr


def account(project: Project) -> Client:
    """A client of the emulator that is not mcstate: someone editing the account by hand."""
    return Client(project.emulator.base_url)


def field_id(client: Client, key: str, name: str) -> str:
    reply = client.retrieve(
        "DataExtensionField", ["ObjectID", "Name"], simple("DataExtension.CustomerKey", "equals", key)
    )
    return next(str(item["ObjectID"]) for item in reply.objects() if item["Name"] == name)


def edit_customers_by_hand(client: Client) -> None:
    city = {"ObjectID": field_id(client, "nto_customers", "City"), "MaxLength": 200}
    reply = client.update(
        {
            "@type": "DataExtension",
            "CustomerKey": "nto_customers",
            "Description": "Edited in the UI",
            "Fields": {"Field": [city]},
        }
    )
    assert reply.only().ok, reply.only()


def customers_in_account(client: Client) -> dict[str, Any]:
    [row] = client.retrieve(
        "DataExtension", ["Description"], simple("CustomerKey", "equals", "nto_customers")
    ).objects()
    fields = client.retrieve(
        "DataExtensionField",
        ["Name", "MaxLength"],
        simple("DataExtension.CustomerKey", "equals", "nto_customers"),
    ).objects()
    return {"description": row["Description"], **{f["Name"]: f.get("MaxLength") for f in fields}}


def folder_id(client: Client, name: str) -> int:
    [row] = client.retrieve("DataFolder", ["ID", "Name"], simple("Name", "equals", name)).objects()
    return int(row["ID"])


def test_drift_exit_codes_and_which_side_changed(project: Project) -> None:
    project.write("definitions/customers.yaml", CUSTOMERS)
    project.write("definitions/events.yaml", EVENTS)
    applied(project)

    clean = project.run("drift")
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert "No drift." in clean.stdout

    client = account(project)
    edit_customers_by_hand(client)
    changed = project.run("drift")
    assert changed.returncode == 2, changed.stdout + changed.stderr
    assert "  ~ nto_customers: changed in the account\n" in changed.stdout
    assert (
        '      ~ description: account "Edited in the UI", definitions "Customers synced from the CRM"'
        in changed.stdout
    )
    assert "      ~ fields[City].length: account 200, definitions 100" in changed.stdout
    assert "nto_events" not in changed.stdout

    assert client.delete({"@type": "DataExtension", "CustomerKey": "nto_events"}).only().ok
    document = json.loads(project.run("drift", "--format", "json").stdout)
    assert document["format_version"] == 1 and document["drift"] is True
    sides = {(o["key"], o["status"], o["changed_in"]) for o in document["objects"]}
    assert sides == {("nto_customers", "changed", "account"), ("nto_events", "missing", "account")}

    markdown = project.run("drift", "--format", "markdown")
    assert markdown.returncode == 2
    assert "| - | DataExtension | `nto_events` | missing | account |" in markdown.stdout
    assert "<b>DataExtension nto_events</b>: deleted in the account" in markdown.stdout

    # apply restores the definitions (a shorter field is re-created: destructive), and drift is gone.
    applied(project, "--allow-destructive")
    assert project.run("drift").returncode == 0


def test_a_definition_changed_but_not_applied_is_told_apart(project: Project) -> None:
    project.write("definitions/customers.yaml", CUSTOMERS)
    applied(project)
    project.write("definitions/customers.yaml", CUSTOMERS.replace("from the CRM", "nightly from the CRM"))
    result = project.run("drift")
    assert result.returncode == 2
    assert "  ~ nto_customers: changed in the definitions (not applied yet)\n" in result.stdout


def test_include_unmanaged_lists_objects_only_in_folders_the_definitions_use(project: Project) -> None:
    project.write("definitions/customers.yaml", CUSTOMERS)
    applied(project)
    client = account(project)
    eu = folder_id(client, "EU")
    created = client.create(
        data_extension("made_by_hand", field("Id"), CategoryID=eu),
        data_extension("elsewhere", field("Id"), CategoryID=folder_id(client, "Data Extensions")),
    )
    assert all(result.ok for result in created.results), created.results

    assert project.run("drift").returncode == 0
    result = project.run("drift", "--include-unmanaged")
    assert result.returncode == 2, result.stdout + result.stderr
    unmanaged = "  ? made_by_hand: in the account, in no definition (folder Data Extensions/CRM/EU)"
    assert unmanaged in result.stdout
    assert "elsewhere" not in result.stdout
    assert "mcstate_managed_objects" not in result.stdout
    assert "Unmanaged objects were looked for in 1 folder(s): Data Extensions/CRM/EU." in result.stdout


def test_an_object_removed_from_the_definitions_is_noted_and_listed_as_unmanaged(project: Project) -> None:
    project.write("definitions/customers.yaml", CUSTOMERS)
    project.write("definitions/events.yaml", EVENTS)
    applied(project)
    project.remove("definitions/events.yaml")

    kept = project.run("drift")
    assert kept.returncode == 0, kept.stdout + kept.stderr
    assert "Note: DataExtension nto_events: no longer defined; kept" in kept.stdout
    # Recorded by the apply, so listed even though no definition uses its folder any more.
    listed = project.run("drift", "--include-unmanaged")
    assert listed.returncode == 2
    assert (
        "  ? nto_events: removed from the definitions, still in the account (folder Data Extensions/Events); "
        "apply --prune deletes it" in listed.stdout
    )


def test_drift_on_invalid_definitions_is_an_error(project: Project) -> None:
    project.write("definitions/customers.yaml", CUSTOMERS.replace("fields:", "fields: 3\nextra:"))
    result = project.run("drift")
    assert result.returncode == 1
    assert "problem(s) in the definitions; nothing was sent." in result.stderr
    assert "Traceback" not in result.stderr


def test_ignore_changes_hides_an_account_change_and_apply_keeps_it(project: Project) -> None:
    ignoring = CUSTOMERS + "ignore_changes: [description, 'fields[City].length']\n"
    project.write("definitions/customers.yaml", ignoring)
    applied(project)
    client = account(project)
    edit_customers_by_hand(client)

    assert project.run("drift").returncode == 0
    plan = project.run("plan", "--detailed-exitcode")
    assert plan.returncode == 0, plan.stdout + plan.stderr

    # Another change to the same object is applied; the ignored ones are not sent back.
    project.write(
        "definitions/customers.yaml", ignoring.replace("fields:\n", "fields:\n  - {name: Nickname}\n")
    )
    plan = project.run("plan")
    assert "+ fields[Nickname]" in plan.stdout
    assert "description" not in plan.stdout and "fields[City]" not in plan.stdout
    applied(project)
    state = customers_in_account(client)
    assert state["description"] == "Edited in the UI"
    assert state["City"] == "200" and "Nickname" in state
    assert project.run("drift").returncode == 0


def test_target_and_exclude_choose_objects_with_what_they_need(project: Project) -> None:
    project.write("definitions/customers.yaml", CUSTOMERS)
    project.write("definitions/events.yaml", EVENTS)
    project.write("definitions/copy.yaml", EVENTS_COPY)

    plan = project.run("plan", "--target", "QueryDefinition.nto_events_copy")
    assert plan.returncode == 0, plan.stderr
    assert "+ nto_events_copy" in plan.stdout and "+ nto_events" in plan.stdout
    assert "nto_customers" not in plan.stdout and "CRM" not in plan.stdout
    assert (
        "Note: DataExtension nto_events: also included because QueryDefinition nto_events_copy depends on it"
        in plan.stdout
    )
    assert (
        "Note: Folder Data Extensions/Events: also included because DataExtension nto_events depends on it"
        in plan.stdout
    )

    excluded = project.run("plan", "--exclude", "DataExtension.nto_events")
    assert "+ nto_customers" in excluded.stdout
    assert "+ nto_events" not in excluded.stdout
    assert (
        "Note: QueryDefinition nto_events_copy: also excluded because it depends on DataExtension nto_events"
        in excluded.stdout
    )

    applied(project, "--target", "DataExtension.nto_customers", "--target", "emulator")
    rest = json.loads(project.run("plan", "--format", "json").stdout)
    assert {(c["kind"], c["key"]) for c in rest["changes"]} == {
        ("Folder", "Data Extensions/Events"),
        ("Folder", "Query/Events"),
        ("DataExtension", "nto_events"),
        ("QueryDefinition", "nto_events_copy"),
    }

    drift = project.run("drift", "--target", "DataExtension.nto_events")
    assert drift.returncode == 2
    assert "nto_events" in drift.stdout and "nto_events_copy" not in drift.stdout
    assert project.run("drift", "--target", "DataExtension.nto_customers").returncode == 0

    unknown = project.run("plan", "--target", "DataExtension.nto_event")
    assert unknown.returncode == 1
    assert (
        "Error: --target DataExtension.nto_event: no DataExtension with key 'nto_event' in the definitions "
        "(did you mean DataExtension.nto_events?)" in unknown.stderr
    )
