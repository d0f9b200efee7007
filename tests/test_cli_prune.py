"""The manifest and --prune end to end: the real CLI against `mcstate emulator serve` over HTTP."""

from __future__ import annotations

from typing import Any

import pytest

from mcstate import engine
from mcstate.config import find_project
from mcstate.connection import connect
from mcstate.manifest import MANIFEST_KEY, attributes_hash, read_manifest
from mcstate.planner import make_plan
from tests.conftest import CLIENT_ID, CLIENT_SECRET, Project
from tests.emulator.conftest import Client, data_extension, field, simple
from tests.manifest_log import manifest_writes, without_manifest

REST_WRITES = {"POST", "PATCH", "PUT", "DELETE"}

CUSTOMERS = """\
kind: DataExtension
key: nto_customers
name: NTO Customers
folder: Data Extensions/CRM
fields:
  - {name: SubscriberKey, type: Text, length: 254, primary_key: true}
  - {name: Region}
"""

REGIONS = """\
kind: DataExtension
key: nto_regions
name: NTO Regions
folder: Data Extensions/CRM
fields:
  - {name: SubscriberKey, type: Text, length: 254, primary_key: true}
  - {name: Region}
"""

PIPELINE = """\
kind: QueryDefinition
key: nto_segment
name: Segment by region
target: nto_regions
update_type: overwrite
sql: SELECT SubscriberKey, Region FROM [NTO Customers]
---
kind: DataExtract
key: nto_regions_extract
name: NTO regions for the CRM
data_extension: nto_regions
file_spec: regions_%%Year%%%%Month%%%%Day%%.csv
---
kind: Automation
key: nto_nightly
name: NTO nightly
steps:
  - [{query: nto_segment}]
  - [{extract: nto_regions_extract}]
"""

PROTECTED = """\
kind: DataExtension
key: nto_ledger
name: NTO Ledger
prevent_destroy: true
fields:
  - {name: Id, type: Number, primary_key: true}
"""


def applied(project: Project, *extra: str) -> str:
    result = project.run("apply", "--auto-approve", *extra)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def raw(project: Project) -> Client:
    """A client of the same account that is not mcstate (raw SOAP), as another user of the account."""
    return Client(project.emulator.base_url)


def exists(project: Project, object_type: str, key: str) -> bool:
    return bool(
        raw(project).retrieve(object_type, ["CustomerKey"], simple("CustomerKey", "equals", key)).objects()
    )


def manifest_rows(project: Project) -> dict[str, dict[str, str]]:
    reply = raw(project).retrieve(
        f"DataExtensionObject[{MANIFEST_KEY}]", ["Address", "Kind", "Key", "PreventDestroy"]
    )
    rows = {}
    for item in reply.objects():
        properties = item["Properties"]["Property"]
        values = {
            p["Name"]: p["Value"] for p in (properties if isinstance(properties, list) else [properties])
        }
        rows[values["Address"]] = values
    return rows


def every_write(project: Project) -> list[tuple[str, list[str]]]:
    return [
        (str(e["operation"]), list(e["object_types"]))
        for e in without_manifest(project.emulator.requests_log())
        if e["operation"] in {"Create", "Update", "Delete"} | REST_WRITES
    ]


# -- the record ----------------------------------------------------------------------------------------------


def test_apply_records_the_declared_objects_and_not_the_implied_folder(project: Project) -> None:
    project.write("definitions/customers.yaml", CUSTOMERS)
    project.write("definitions/ledger.yaml", PROTECTED)
    project.emulator.clear_log()
    applied(project)
    assert manifest_writes(project.emulator.writes()) == [("Update", 2)]
    rows = manifest_rows(project)
    assert set(rows) == {"DataExtension:nto_customers", "DataExtension:nto_ledger"}
    assert rows["DataExtension:nto_ledger"]["PreventDestroy"] == "True"
    assert rows["DataExtension:nto_customers"]["PreventDestroy"] == "False"
    # The manifest is not a managed object: plans never show it.
    plan = project.run("plan", "--detailed-exitcode")
    assert plan.returncode == 0, plan.stdout + plan.stderr
    assert MANIFEST_KEY not in plan.stdout


def test_recorded_hashes_are_those_of_the_definition_and_of_the_account_after_apply(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    project.write("definitions/customers.yaml", CUSTOMERS)
    project.write("definitions/regions.yaml", REGIONS)
    project.write("definitions/pipeline.yaml", PIPELINE)
    applied(project)
    monkeypatch.setenv("MC_CLIENT_ID", CLIENT_ID)
    monkeypatch.setenv("MC_CLIENT_SECRET", CLIENT_SECRET)
    config = find_project(config=project.root / "mcstate.yaml")
    client = connect(config, config.target(None))
    desired = engine.load_desired(config)
    managed = read_manifest(client)
    live = engine.read_live(client, desired)
    make_plan(desired, live, "emulator", managed)  # fills what definitions take from the account
    assert len(managed) == 5
    for lookup, entry in managed.items():
        assert entry.definition_hash == attributes_hash(desired.objects[lookup].attributes), lookup
        assert entry.applied_hash == attributes_hash(live[entry.kind][lookup].attributes), lookup


def test_a_change_updates_only_its_own_entry_and_no_change_writes_nothing(project: Project) -> None:
    project.write("definitions/customers.yaml", CUSTOMERS)
    project.write("definitions/regions.yaml", REGIONS)
    applied(project)
    project.emulator.clear_log()
    applied(project)
    assert project.emulator.writes() == []
    project.write("definitions/regions.yaml", REGIONS.replace("NTO Regions", "NTO Regions by name"))
    project.emulator.clear_log()
    applied(project)
    assert manifest_writes(project.emulator.writes()) == [("Update", 1)]


def test_objects_the_record_lacks_are_recorded_by_the_next_apply(project: Project) -> None:
    project.write("definitions/customers.yaml", CUSTOMERS)
    project.write("definitions/regions.yaml", REGIONS)
    applied(project)
    # As if the apply had been killed between its writes and the record.
    assert raw(project).delete({"@type": "DataExtension", "CustomerKey": MANIFEST_KEY}).only().ok
    plan = project.run("plan", "--detailed-exitcode")
    assert plan.returncode == 0 and "missing from the record of managed objects" in plan.stdout
    project.emulator.clear_log()
    output = applied(project)
    assert "Recorded 2 object(s)" in output
    assert every_write(project) == []  # no object is written again: only the record
    assert set(manifest_rows(project)) == {"DataExtension:nto_customers", "DataExtension:nto_regions"}
    project.emulator.clear_log()
    applied(project)
    assert project.emulator.writes() == []
    # Now recorded, a removed definition can be pruned.
    project.remove("definitions/regions.yaml")
    applied(project, "--prune", "--allow-destructive")
    assert not exists(project, "DataExtension", "nto_regions")


def test_a_failed_record_is_an_error_after_the_objects_are_written(project: Project) -> None:
    # Another data extension holds the manifest's name, so the manifest cannot be created.
    taken = data_extension("not_the_manifest", field("Id"), name="mcstate managed objects")
    assert raw(project).create(taken).only().ok
    project.write("definitions/customers.yaml", CUSTOMERS)
    result = project.run("apply", "--auto-approve")
    assert result.returncode == 1
    assert "the objects were written, but the record of managed objects" in result.stderr
    assert "already exists" in result.stderr
    assert exists(project, "DataExtension", "nto_customers")


# -- pruning -------------------------------------------------------------------------------------------------


def test_prune_deletes_a_removed_definition_only_when_asked_and_allowed(project: Project) -> None:
    project.write("definitions/customers.yaml", CUSTOMERS)
    project.write("definitions/regions.yaml", REGIONS)
    applied(project)
    project.remove("definitions/regions.yaml")

    # Kept until --prune, but not "no changes" for CI: --detailed-exitcode says something is left to decide.
    plan = project.run("plan", "--detailed-exitcode")
    assert plan.returncode == 2, plan.stdout + plan.stderr
    assert (
        "Note: DataExtension nto_regions: no longer defined; kept — run with --prune to delete" in plan.stdout
    )
    assert "1 to forget or delete" in plan.stdout
    pruning = project.run("plan", "--prune", "--detailed-exitcode")
    assert pruning.returncode == 2
    assert "- nto_regions  (deleted: no definition declares it any more)" in pruning.stdout
    assert "1 to delete, 1 destructive" in pruning.stdout

    project.emulator.clear_log()
    refused = project.run("apply", "--auto-approve", "--prune")
    assert refused.returncode == 1
    assert "--allow-destructive" in refused.stderr
    assert project.emulator.writes() == []

    project.emulator.clear_log()
    output = applied(project, "--prune", "--allow-destructive")
    assert "1 deleted" in output
    assert without_manifest(project.emulator.writes())[0]["operation"] == "Delete"
    assert manifest_writes(project.emulator.writes()) == [("Delete", 1)]
    assert not exists(project, "DataExtension", "nto_regions")
    assert set(manifest_rows(project)) == {"DataExtension:nto_customers"}
    # The folder the definitions implied stays: only declared objects are recorded.
    assert raw(project).retrieve("DataFolder", ["ID"], simple("Name", "equals", "CRM")).objects()

    clean = project.run("plan", "--prune", "--detailed-exitcode")
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert "No changes." in clean.stdout and "Note:" not in clean.stdout


def test_prune_deletes_every_kind_in_reverse_dependency_order(project: Project) -> None:
    project.write("definitions/customers.yaml", CUSTOMERS)
    project.write("definitions/regions.yaml", REGIONS)
    project.write("definitions/pipeline.yaml", PIPELINE)
    applied(project)
    project.remove("definitions/pipeline.yaml")
    project.remove("definitions/regions.yaml")

    project.emulator.clear_log()
    applied(project, "--prune", "--allow-destructive")
    assert every_write(project) == [
        ("Delete", ["Automation"]),
        ("DELETE", ["automation/v1/dataextracts/{id}"]),
        ("Delete", ["QueryDefinition"]),
        ("Delete", ["DataExtension"]),
    ]
    assert set(manifest_rows(project)) == {"DataExtension:nto_customers"}
    assert project.run("plan", "--prune", "--detailed-exitcode").returncode == 0


def test_prevent_destroy_in_the_last_applied_definition_blocks_prune(project: Project) -> None:
    project.write("definitions/ledger.yaml", PROTECTED)
    applied(project)
    project.remove("definitions/ledger.yaml")

    # The plan itself fails, naming the object, as Terraform's does.
    planned = project.run("plan", "--prune")
    assert planned.returncode == 1
    assert "nothing was planned" in planned.stderr and "DataExtension nto_ledger" in planned.stderr
    project.emulator.clear_log()
    refused = project.run("apply", "--auto-approve", "--prune", "--allow-destructive")
    assert refused.returncode == 1
    assert "DataExtension nto_ledger" in refused.stderr
    assert "apply a definition of it without prevent_destroy" in refused.stderr
    assert project.emulator.writes() == []
    assert exists(project, "DataExtension", "nto_ledger")

    # Deploying the definition without prevent_destroy first makes the delete possible: the plan shows
    # the protection going, and apply writes only the record.
    project.write("definitions/ledger.yaml", PROTECTED.replace("prevent_destroy: true\n", ""))
    assert "~ prevent_destroy: true → false" in project.run("plan").stdout
    project.emulator.clear_log()
    applied(project)
    assert without_manifest(project.emulator.writes()) == []
    assert manifest_writes(project.emulator.writes()) == [("Update", 1)]
    assert manifest_rows(project)["DataExtension:nto_ledger"]["PreventDestroy"] == "False"
    project.remove("definitions/ledger.yaml")
    applied(project, "--prune", "--allow-destructive")
    assert not exists(project, "DataExtension", "nto_ledger")


def test_unmanaged_objects_are_never_pruned(project: Project) -> None:
    project.write("definitions/customers.yaml", CUSTOMERS)
    applied(project)
    client = raw(project)
    assert client.create(data_extension("made_by_hand", field("Id"), name="Made by hand")).only().ok
    created: dict[str, Any] = {
        "@type": "QueryDefinition",
        "CustomerKey": "query_by_hand",
        "Name": "Query by hand",
        "QueryText": "SELECT Id FROM [Made by hand]",
        "TargetType": "DE",
        "DataExtensionTarget": {"CustomerKey": "made_by_hand", "Name": "Made by hand"},
        "TargetUpdateType": "Overwrite",
    }
    assert client.create(created).only().ok

    plan = project.run("plan", "--prune", "--detailed-exitcode")
    assert plan.returncode == 0, plan.stdout + plan.stderr
    assert "made_by_hand" not in plan.stdout and "query_by_hand" not in plan.stdout
    project.emulator.clear_log()
    applied(project, "--prune", "--allow-destructive")
    assert project.emulator.writes() == []
    assert exists(project, "DataExtension", "made_by_hand")


def test_a_saved_plan_takes_prune_when_it_is_made(project: Project) -> None:
    project.write("definitions/customers.yaml", CUSTOMERS)
    applied(project)
    result = project.run("apply", "plan.json", "--prune", "--auto-approve")
    assert result.returncode == 1
    assert "give --prune to plan --out" in result.stderr
