"""The plan as JSON and as a saved plan: golden files, the round trip apply relies on, and the refusals."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from mcstate.errors import PlanRefused
from mcstate.manifest import ManifestEntry
from mcstate.plan import AttributeChange, Change, Feed, Note, Plan
from mcstate.render.json_view import render_plan
from mcstate.resources.base import Live
from mcstate.saved_plan import (
    SAVED_PLAN_VERSION,
    SavedPlan,
    SavedPlanError,
    change_to_json,
    changed_objects,
    check_account,
    check_target,
    definitions_hash,
    fingerprint,
    fingerprint_account,
    load_saved_plan,
    read_saved_plan,
    render_saved_plan,
    saved_plan_document,
)
from tests.golden_files import assert_golden
from tests.plan_fixtures import FIXTURES, account_from, desired_from, fixture_plan


def test_json_rendering_of_an_empty_plan() -> None:
    plan, _ = fixture_plan("unchanged")
    assert_golden("plan_empty.json", render_plan(plan))


def test_json_rendering_of_a_mixed_plan() -> None:
    plan, _ = fixture_plan("mixed")
    document = json.loads(render_plan(plan))
    assert document["format_version"] == 1
    assert document["summary"] == {"create": 4, "update": 2, "replace": 1, "delete": 0, "destructive": 2}
    assert_golden("plan_mixed.json", render_plan(plan))


def test_saved_plan_of_a_mixed_plan() -> None:
    plan, _ = fixture_plan("mixed")
    text = render_saved_plan(plan, definitions_hash(desired_from(FIXTURES / "mixed" / "definitions")))
    document = json.loads(text)
    assert document["saved_plan_version"] == SAVED_PLAN_VERSION
    # A saved plan is a superset of `plan --format json`.
    assert {k: v for k, v in document.items() if k in json.loads(render_plan(plan))} == json.loads(
        render_plan(plan)
    )
    assert_golden("saved_plan_mixed.json", text)


def test_a_saved_plan_reads_back_as_exactly_the_same_plan() -> None:
    plan, _ = fixture_plan("mixed")
    assert plan.changes and plan.flow and plan.fingerprints and plan.known_ids
    saved = read_saved_plan(json.loads(render_saved_plan(plan, "hash")), "plan.json")
    assert saved.plan == plan
    assert saved.definitions_hash == "hash"


def test_every_field_of_the_plan_values_is_saved() -> None:
    """A field added to Plan, Change, AttributeChange, Note or Feed must be saved, or apply FILE would carry
    out a different plan than the one reviewed: extend saved_plan.py (and this list) with it."""
    assert [f.name for f in dataclasses.fields(Plan)] == [
        "target",
        "changes",
        "notes",
        "known_ids",
        "flow",
        "fingerprints",
        "unrecorded",
        "warnings",
    ]
    assert {f.name for f in dataclasses.fields(Change)} == set(change_to_json(Change("K", "k", "create")))
    saved = change_to_json(Change("K", "k", "update", (AttributeChange("p", 1, 2),)))
    assert {f.name for f in dataclasses.fields(AttributeChange)} == set(saved["attributes"][0])
    assert [f.name for f in dataclasses.fields(Note)] == ["kind", "key", "message"]
    assert [f.name for f in dataclasses.fields(Feed)] == ["source", "target", "label"]


def test_an_unknown_version_is_refused_with_a_clear_error() -> None:
    plan, _ = fixture_plan("mixed")
    document = saved_plan_document(plan, "hash")
    document["saved_plan_version"] = 99
    with pytest.raises(
        SavedPlanError, match=r"plan.json is a saved plan of version 99, which this mcstate cannot"
    ):
        read_saved_plan(document, "plan.json")


def test_files_that_are_not_saved_plans_are_refused(tmp_path: Path) -> None:
    plan, _ = fixture_plan("mixed")
    json_view = tmp_path / "view.json"
    json_view.write_text(render_plan(plan), encoding="utf-8")
    with pytest.raises(SavedPlanError, match="is not a saved plan"):
        load_saved_plan(json_view)
    garbage = tmp_path / "garbage.json"
    garbage.write_text("{not json", encoding="utf-8")
    with pytest.raises(SavedPlanError, match="not JSON"):
        load_saved_plan(garbage)
    damaged = saved_plan_document(plan, "hash")
    del damaged["apply"]
    with pytest.raises(SavedPlanError, match="damaged or incomplete"):
        read_saved_plan(damaged, "plan.json")
    with pytest.raises(SavedPlanError, match="cannot read the saved plan"):
        load_saved_plan(tmp_path / "missing.json")


def test_a_plan_for_another_target_is_refused() -> None:
    saved = SavedPlan(Plan("production"), "hash", "plan.json")
    check_target(saved, "production")
    with pytest.raises(PlanRefused, match="saved plan is for target production, not staging"):
        check_target(saved, "staging")


def test_the_definitions_hash_covers_documents_and_sql_files(tmp_path: Path) -> None:
    folder = tmp_path / "definitions"
    folder.mkdir()
    (folder / "query.yaml").write_text(
        "kind: QueryDefinition\nkey: q\nname: Q\nfolder: Query\ntarget: t\nupdate_type: overwrite\n"
        "sql_file: q.sql\n",
        encoding="utf-8",
    )
    (folder / "q.sql").write_text("SELECT 1 AS One", encoding="utf-8")
    first = definitions_hash(desired_from(folder))
    assert definitions_hash(desired_from(folder)) == first
    (folder / "q.sql").write_text("SELECT 2 AS One", encoding="utf-8")
    assert definitions_hash(desired_from(folder)) != first


def test_changed_new_and_deleted_objects_are_named() -> None:
    saved = {
        "DataExtension:nto_customers": "a",
        "DataExtension:nto_events": "b",
        "Folder:Data Extensions/CRM": "c",
        "QueryDefinition:gone": "d",
    }
    current = {
        "DataExtension:nto_customers": "a2",
        "DataExtension:nto_events": "b",
        "Folder:data extensions/crm": "c",  # folder paths compare case-insensitively, as the service does
        "FilterDefinition:new_filter": "e",
    }
    assert changed_objects(saved, current) == [
        "DataExtension nto_customers",
        "FilterDefinition new_filter (new)",
        "QueryDefinition gone (deleted)",
    ]
    assert changed_objects(saved, saved) == []


def test_a_stale_plan_names_the_objects_that_changed() -> None:
    account = account_from(desired_from(FIXTURES / "mixed" / "account"))
    plan, desired = fixture_plan("mixed")
    saved = SavedPlan(plan, "hash", "plan.json")
    check_account(saved, account, {}, desired)  # the account the fixture plan was made from
    customers = account["DataExtension"]["DataExtension:nto_customers"]
    account["DataExtension"]["DataExtension:nto_customers"] = Live(
        customers.kind,
        customers.key,
        {**customers.attributes, "description": "edited in the UI"},
        customers.ids,
    )
    with pytest.raises(PlanRefused) as refused:
        check_account(saved, account, {}, desired)
    assert str(refused.value).startswith(
        "saved plan is stale: these objects changed in the account since the plan was made: "
        "DataExtension nto_customers."
    )


def test_a_fingerprint_covers_attributes_and_identifiers() -> None:
    base = Live("DataExtension", "k", {"name": "K"}, {"object_id": "1", "modified": "2026-01-01"})
    assert fingerprint(base) == fingerprint(Live("DataExtension", "k", {"name": "K"}, dict(base.ids)))
    assert fingerprint(base) != fingerprint(Live("DataExtension", "k", {"name": "K2"}, base.ids))
    assert fingerprint(base) != fingerprint(
        Live("DataExtension", "k", {"name": "K"}, {**base.ids, "modified": "2026-01-02"})
    )
    assert fingerprint(base) != fingerprint(
        Live("DataExtension", "k", {"name": "K"}, {**base.ids, "object_id": "2"})
    )


def test_records_of_objects_no_definition_declares_are_part_of_the_fingerprints() -> None:
    """They decide what the plan deletes (--prune) or notes; records of declared objects do not."""
    account = account_from(desired_from(FIXTURES / "mixed" / "account"))
    _, desired = fixture_plan("mixed")
    declared = ManifestEntry("DataExtension", "nto_customers", "d1", "a1", False)
    undefined = ManifestEntry("DataExtension", "nto_old", "d2", "a2", True)
    plain = fingerprint_account(account, {}, desired)
    assert fingerprint_account(account, {"DataExtension:nto_customers": declared}, desired) == plain
    recorded = fingerprint_account(account, {"DataExtension:nto_old": undefined}, desired)
    assert changed_objects(plain, recorded) == ["the record of managed objects (mcstate_managed_objects)"]
