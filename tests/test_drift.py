"""Drift and --target/--exclude without network: definitions from YAML, the account mirrored from them."""

from __future__ import annotations

import copy
import json
import textwrap
from pathlib import Path
from typing import Any

import pytest

from mcstate.config import load_project
from mcstate.definitions.loader import load_documents
from mcstate.desired import DesiredState, build_desired, lookup_address
from mcstate.drift import Drift, find_drift, limit_drift
from mcstate.errors import ConfigError, McstateError
from mcstate.manifest import MANIFEST_KEY, ManifestEntry, attributes_hash
from mcstate.planner import make_plan
from mcstate.render import drift_view
from mcstate.resources import declarable
from mcstate.resources.base import Live
from mcstate.selection import Selection, limit_plan, parse_object_ref

CUSTOMERS = """\
kind: DataExtension
key: nto_customers
name: NTO Customers
description: Customers synced from the CRM
folder: Data Extensions/CRM
fields:
  - {name: SubscriberKey, type: Text, length: 254, primary_key: true}
  - {name: City, type: Text, length: 100}
"""
SEGMENT = """\
kind: DataExtension
key: nto_by_region
name: NTO by region
folder: Data Extensions/Segments
fields:
  - {name: SubscriberKey, type: Text, length: 254, primary_key: true}
  - {name: Region, type: Text, length: 100}
"""
QUERY = """\
kind: QueryDefinition
key: nto_segment_by_region
name: Segment by region
folder: Query/Segments
target: nto_by_region
update_type: overwrite
sql: SELECT SubscriberKey, City AS Region FROM [NTO Customers]
"""
IMPORT = """\
kind: ImportDefinition
key: nto_import_customers
name: Import customers
destination: nto_customers
file_spec: customers.csv
update_type: add_and_update
"""


def load(tmp_path: Path, *texts: str) -> DesiredState:
    folder = tmp_path / "definitions"
    folder.mkdir(exist_ok=True)
    for old in folder.glob("*.yaml"):
        old.unlink()
    for index, text in enumerate(texts):
        (folder / f"d{index}.yaml").write_text(text, encoding="utf-8")
    return build_desired(load_documents(folder, declarable(), display_base=tmp_path))


def mirror(desired: DesiredState, **edits: dict[str, Any]) -> dict[str, dict[str, Live]]:
    """The account holding exactly the definitions, with `edits` (by key) applied to some attributes."""
    live: dict[str, dict[str, Live]] = {}
    for number, (lookup, obj) in enumerate(desired.objects.items()):
        attributes = copy.deepcopy(obj.attributes)
        attributes.update(edits.get(obj.key, {}))
        ids = {"id": number + 10, "object_id": f"guid-{obj.key}", "fields": {}}
        live.setdefault(obj.kind, {})[lookup] = Live(obj.kind, obj.key, attributes, ids)
    for root in ("Data Extensions", "Query"):
        live.setdefault("Folder", {})[lookup_address("Folder", root)] = Live(
            "Folder", root, {"content_type": "x", "description": ""}, {"id": 1}
        )
    return live


def roots() -> dict[str, dict[str, Live]]:
    """An account with nothing but its root folders."""
    return mirror(build_desired([]))


def recorded(desired: DesiredState, live: dict[str, dict[str, Live]]) -> dict[str, ManifestEntry]:
    """What an apply of these definitions onto this account would have recorded (after planning, as apply
    does: planning completes attributes that come from referenced objects, such as a query's target name)."""
    make_plan(desired, live, "test")
    entries = {}
    for lookup, obj in desired.objects.items():
        current = live[obj.kind][lookup]
        entries[lookup] = ManifestEntry(
            obj.kind, obj.key, attributes_hash(obj.attributes), attributes_hash(current.attributes), False
        )
    return entries


def customers_fields(city_length: int) -> list[dict[str, Any]]:
    return [
        {"name": "SubscriberKey", "type": "Text", "length": 254, "primary_key": True, "required": True,
         "default": None},
        {"name": "City", "type": "Text", "length": city_length, "primary_key": False, "required": False,
         "default": None},
    ]  # fmt: skip


def item(drift: Drift, key: str):  # type: ignore[no-untyped-def]
    [found] = [i for i in drift.items if i.key == key]
    return found


# -- which side changed --------------------------------------------------------------------------------------


def test_no_drift_when_the_account_matches(tmp_path: Path) -> None:
    desired = load(tmp_path, CUSTOMERS, SEGMENT, QUERY)
    live = mirror(desired)
    drift = find_drift(desired, live, recorded(desired, live), "test")
    assert not drift.found and drift.recorded
    assert drift_view.render_text(drift).startswith("No drift.")


def test_a_change_in_the_account_is_told_apart_from_one_in_the_definitions(tmp_path: Path) -> None:
    desired = load(tmp_path, CUSTOMERS, SEGMENT, QUERY)
    applied = mirror(desired)
    manifest = recorded(desired, applied)
    account = mirror(
        desired,
        nto_customers={"description": "Edited in the UI", "fields": customers_fields(40)},
    )
    edited = load(tmp_path, CUSTOMERS, SEGMENT.replace("NTO by region", "NTO by region v2"), QUERY)
    drift = find_drift(edited, account, manifest, "test")
    customers = item(drift, "nto_customers")
    assert (customers.status, customers.changed_in) == ("changed", "account")
    assert [(a.path, a.before, a.after) for a in customers.attributes] == [
        ("description", "Edited in the UI", "Customers synced from the CRM"),
        ("fields[City].length", 40, 100),
    ]
    assert customers.description == "changed in the account"
    segment = item(drift, "nto_by_region")
    assert (segment.changed_in, segment.description) == (
        "definitions",
        "changed in the definitions (not applied yet)",
    )

    both = find_drift(
        load(tmp_path, CUSTOMERS.replace("CRM\n", "CRM!\n", 1), SEGMENT, QUERY), account, manifest, "t"
    )
    assert item(both, "nto_customers").changed_in == "both"


def test_without_a_record_the_side_is_unknown(tmp_path: Path) -> None:
    desired = load(tmp_path, CUSTOMERS)
    account = mirror(desired, nto_customers={"description": "Edited"})
    drift = find_drift(desired, account, {}, "test")
    assert not drift.recorded
    assert item(drift, "nto_customers").description == "differs (no record of the last apply)"


def test_an_object_deleted_in_the_account(tmp_path: Path) -> None:
    desired = load(tmp_path, CUSTOMERS, SEGMENT, QUERY)
    applied = mirror(desired)
    manifest = recorded(desired, applied)
    del applied["DataExtension"]["DataExtension:nto_by_region"]
    segment = item(find_drift(desired, applied, manifest, "test"), "nto_by_region")
    assert (segment.status, segment.changed_in, segment.restore) == ("missing", "account", "create")
    assert segment.description == "deleted in the account"
    unrecorded = item(find_drift(desired, applied, {}, "test"), "nto_by_region")
    assert unrecorded.description == "not in the account (no record of the last apply)"


def test_unmanaged_objects_only_in_the_folders_the_definitions_use(tmp_path: Path) -> None:
    desired = load(tmp_path, CUSTOMERS)
    live = mirror(desired)
    template = live["DataExtension"]["DataExtension:nto_customers"]
    for key, folder in (
        ("made_by_hand", "Data Extensions/CRM"),
        ("elsewhere", "Data Extensions/Other"),
        (MANIFEST_KEY, "Data Extensions/CRM"),
        ("removed_from_definitions", "Data Extensions/CRM"),
        ("platform_owned", "Data Extensions/CRM"),
    ):
        live["DataExtension"][lookup_address("DataExtension", key)] = Live(
            "DataExtension", key, {**template.attributes, "name": key, "folder": folder}
        )
    # What mcstate says it cannot manage is not listed as unmanaged drift.
    live["DataExtension"][lookup_address("DataExtension", "platform_owned")].unmanageable = "a system one"
    manifest = recorded(desired, live)
    manifest["DataExtension:removed_from_definitions"] = ManifestEntry(
        "DataExtension", "removed_from_definitions", "x", "y", False
    )
    assert not find_drift(desired, live, manifest, "test").found
    drift = find_drift(desired, live, manifest, "test", include_unmanaged=True)
    assert drift.unmanaged_folders == ("Data Extensions/CRM",)
    assert [(i.key, i.status, i.description) for i in drift.items] == [
        ("made_by_hand", "unmanaged", "in the account, in no definition (folder Data Extensions/CRM)"),
        (
            "removed_from_definitions",
            "unmanaged",
            "removed from the definitions, still in the account (folder Data Extensions/CRM); "
            "apply --prune deletes it",
        ),
    ]


def test_ignore_changes_hides_an_account_change(tmp_path: Path) -> None:
    desired = load(tmp_path, CUSTOMERS + "ignore_changes: [description, 'fields[City].length']\n")
    applied = mirror(desired)
    account = mirror(desired, nto_customers={"description": "Edited", "fields": customers_fields(40)})
    assert not find_drift(desired, account, recorded(desired, applied), "test").found


# -- views ---------------------------------------------------------------------------------------------------


def drifted(tmp_path: Path) -> Drift:
    desired = load(tmp_path, CUSTOMERS, SEGMENT, QUERY)
    applied = mirror(desired)
    manifest = recorded(desired, applied)
    del applied["DataExtension"]["DataExtension:nto_by_region"]
    applied["QueryDefinition"]["QueryDefinition:nto_segment_by_region"].attributes["sql"] = (
        "SELECT SubscriberKey,\n  City AS Region\nFROM [NTO Customers]\nWHERE 1 = 1"
    )
    applied["DataExtension"]["DataExtension:nto_customers"].attributes["description"] = "a | b `c`"
    return find_drift(desired, applied, manifest, "production", include_unmanaged=True)


def test_text_view(tmp_path: Path) -> None:
    text = drift_view.render_text(drifted(tmp_path))
    assert text.startswith("Drift in target 'production': 3 objects differ from the definitions.\n")
    assert '  ~ nto_customers: changed in the account\n      ~ description: account "a | b `c`", ' in text
    assert "  - nto_by_region: deleted in the account\n" in text
    assert "      ~ sql (- definitions, + account):\n" in text
    assert "Drift: 2 changed, 1 missing, 0 unmanaged." in text


def test_json_view_is_versioned_and_complete(tmp_path: Path) -> None:
    document = json.loads(drift_view.render_json(drifted(tmp_path)))
    assert document["format_version"] == 1 and document["drift"] is True
    assert document["target"] == "production" and document["recorded"] is True
    assert document["summary"]["changed_in_account"] == 3 and document["summary"]["total"] == 3
    customers = next(o for o in document["objects"] if o["key"] == "nto_customers")
    assert customers["attributes"] == [
        {"path": "description", "account": "a | b `c`", "definitions": "Customers synced from the CRM"}
    ]
    assert customers["changed_in"] == "account" and customers["restore"] == "update"


def test_markdown_view_escapes_tables_and_stays_under_the_limit(tmp_path: Path) -> None:
    drift = drifted(tmp_path)
    text = drift_view.render_markdown(drift)
    assert text.startswith("<!-- mcstate-drift -->\n## mcstate drift: 3 objects differ from the definitions")
    assert "| ~ | DataExtension | `nto_customers` | changed | account |" in text
    assert '| `description` | ``"a \\| b `c`"`` | `"Customers synced from the CRM"` |' in text
    assert "```diff\n" in text and "+WHERE 1 = 1" in text
    short = drift_view.render_markdown(drift, max_chars=1_600)
    assert len(short) <= 1_600
    assert "are left out to keep this report short" in short


# -- --target and --exclude ----------------------------------------------------------------------------------


def test_a_target_pulls_in_what_it_depends_on_and_says_so(tmp_path: Path) -> None:
    desired = load(tmp_path, CUSTOMERS, SEGMENT, QUERY)
    plan = make_plan(desired, roots(), "test")
    ref = parse_object_ref("QueryDefinition.nto_segment_by_region")
    assert ref is not None
    limited = limit_plan(plan, Selection((ref,)), desired)
    assert [c.address for c in limited.changes] == [
        "Folder:Data Extensions/Segments",
        "Folder:Query/Segments",
        "DataExtension:nto_by_region",
        "QueryDefinition:nto_segment_by_region",
    ]
    query, region = "QueryDefinition nto_segment_by_region", "DataExtension nto_by_region"
    assert [(n.kind, n.key, n.message) for n in limited.notes] == [
        ("Folder", "Query/Segments", f"also included because {query} depends on it"),
        ("DataExtension", "nto_by_region", f"also included because {query} depends on it"),
        ("Folder", "Data Extensions/Segments", f"also included because {region} depends on it"),
    ]


def test_an_exclude_pushes_out_what_depends_on_it(tmp_path: Path) -> None:
    desired = load(tmp_path, CUSTOMERS, SEGMENT, QUERY)
    plan = make_plan(desired, roots(), "test")
    ref = parse_object_ref("DataExtension.nto_by_region")
    assert ref is not None
    limited = limit_plan(plan, Selection(excludes=(ref,)), desired)
    assert "DataExtension:nto_by_region" not in [c.address for c in limited.changes]
    assert "QueryDefinition:nto_segment_by_region" not in [c.address for c in limited.changes]
    assert "DataExtension:nto_customers" in [c.address for c in limited.changes]
    assert [n.message for n in limited.notes] == [
        "also excluded because it depends on DataExtension nto_by_region"
    ]


def test_an_object_referring_to_a_recreated_target_by_id_is_written_again(tmp_path: Path) -> None:
    desired = load(tmp_path, CUSTOMERS, IMPORT)
    account = mirror(desired, nto_customers={"fields": [customers_fields(100)[1]]})  # primary key missing
    plan = make_plan(desired, account, "test")
    assert [(c.key, c.action) for c in plan.changes] == [
        ("nto_customers", "replace"),
        ("nto_import_customers", "update"),
    ]
    ref = parse_object_ref("DataExtension.nto_customers")
    assert ref is not None
    limited = limit_plan(plan, Selection((ref,)), desired)
    assert [c.key for c in limited.changes] == ["nto_customers", "nto_import_customers"]
    assert limited.notes[-1].message == (
        "also included because it refers to DataExtension nto_customers, which is re-created"
    )


def test_unknown_objects_are_errors_with_a_suggestion(tmp_path: Path) -> None:
    desired = load(tmp_path, CUSTOMERS)
    plan = make_plan(desired, roots(), "test")
    ref = parse_object_ref("DataExtension.nto_customer")
    assert ref is not None
    with pytest.raises(McstateError) as raised:
        limit_plan(plan, Selection((ref,)), desired)
    assert str(raised.value) == (
        "--target DataExtension.nto_customer: no DataExtension with key 'nto_customer' in the definitions "
        "(did you mean DataExtension.nto_customers?)"
    )
    with pytest.raises(McstateError, match=r"the key after 'DataExtension\.' is missing"):
        parse_object_ref("DataExtension.")
    assert parse_object_ref("production") is None and parse_object_ref("prod.eu") is None


def test_drift_is_limited_the_same_way(tmp_path: Path) -> None:
    desired = load(tmp_path, CUSTOMERS, SEGMENT, QUERY)
    drift = find_drift(desired, roots(), {}, "test")
    ref = parse_object_ref("DataExtension.nto_customers")
    assert ref is not None
    limited = limit_drift(drift, Selection((ref,)), desired)
    assert [i.key for i in limited.items] == ["Data Extensions/CRM", "nto_customers"]


def test_command_line_values_name_objects_or_one_target(tmp_path: Path) -> None:
    from mcstate.cli import parse_targets

    config = tmp_path / "mcstate.yaml"
    config.write_text(
        textwrap.dedent(
            """\
            definitions: definitions
            default_target: local
            targets:
              local: {emulator: .mcstate/local.db}
              prod.eu: {emulator: .mcstate/eu.db}
            """
        ),
        encoding="utf-8",
    )
    project = load_project(config)
    name, selection = parse_targets(project, ["DataExtension.a.b", "prod.eu"], ["Folder.Query/X"])
    assert name == "prod.eu"
    assert [(r.kind, r.key) for r in selection.targets] == [("DataExtension", "a.b")]
    assert [(r.kind, r.key) for r in selection.excludes] == [("Folder", "Query/X")]
    with pytest.raises(ConfigError, match="more than one target"):
        parse_targets(project, ["local", "prod.eu"], None)
    with pytest.raises(ConfigError, match="'Datextension' is not a kind"):
        parse_targets(project, ["Datextension.a"], None)
    with pytest.raises(ConfigError, match=r"--exclude local: expected KIND\.KEY"):
        parse_targets(project, None, ["local"])
