"""--prune without the network: the planner's deletes and notes, the refusals, and the order of deletes."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest

from mcstate.applier import apply_plan, check_allowed
from mcstate.definitions.document import Document
from mcstate.desired import DesiredState, build_desired
from mcstate.errors import PlanRefused
from mcstate.manifest import ManifestEntry
from mcstate.plan import Change, Plan
from mcstate.planner import KEPT_NOTE, PRUNE_REASON, make_plan, record_only
from mcstate.resources.base import Live, Operation, RestRequest, SoapObject, WriteResult

ROOT = Live("Folder", "Data Extensions", {"content_type": "dataextension", "description": ""}, {"id": 2})
QUERY_ROOT = Live("Folder", "Query", {"content_type": "queryactivity", "description": ""}, {"id": 3})
CRM = Live("Folder", "Data Extensions/CRM", {"content_type": "dataextension", "description": ""}, {"id": 7})
OLD = Live(
    "DataExtension",
    "old_de",
    {
        "name": "Old",
        "description": "",
        "folder": "Data Extensions/CRM",
        "fields": [
            {"name": "Id", "type": "Number", "primary_key": False, "required": False, "default": None}
        ],
    },
    {"object_id": "old-guid"},
)
OTHER = Live(
    "DataExtension",
    "someone_elses",
    {"name": "Theirs", "description": "", "folder": "Data Extensions", "fields": []},
    {"object_id": "their-guid"},
)
OLD_QUERY = Live(
    "QueryDefinition",
    "old_query",
    {"name": "Old query", "folder": "Query", "target": "old_de"},
    {"object_id": "query-guid"},
)

KEPT: dict[str, Any] = {
    "kind": "DataExtension",
    "key": "kept",
    "name": "Kept",
    "folder": "Data Extensions/CRM",
    "fields": [{"name": "Id", "primary_key": True}],
}


def desired_state(*documents: dict[str, Any]) -> DesiredState:
    return build_desired(
        Document(d["kind"], d, f"definitions/{d['key']}.yaml", positions={(): (1, 1)}) for d in documents
    )


def live_state(*objects: Live) -> dict[str, dict[str, Live]]:
    state: dict[str, dict[str, Live]] = {}
    for obj in objects:
        key = obj.key.casefold() if obj.kind == "Folder" else obj.key
        state.setdefault(obj.kind, {})[f"{obj.kind}:{key}"] = obj
    return state


def recorded(kind: str, key: str, *, protected: bool = False) -> tuple[str, ManifestEntry]:
    lookup = f"{kind}:{key.casefold() if kind == 'Folder' else key}"
    return lookup, ManifestEntry(kind, key, "definition-hash", "applied-hash", protected)


def plan_for(*entries: tuple[str, ManifestEntry], prune: bool, desired: DesiredState | None = None) -> Plan:
    live = live_state(ROOT, QUERY_ROOT, CRM, OLD, OTHER, OLD_QUERY)
    return make_plan(desired or desired_state(), live, "test", dict(entries), prune=prune)


# -- the planner -------------------------------------------------------------------------------------------


def test_without_prune_an_undefined_recorded_object_is_a_note() -> None:
    plan = plan_for(recorded("DataExtension", "old_de"), prune=False)
    assert plan.empty
    assert [(n.kind, n.key, n.message) for n in plan.notes] == [("DataExtension", "old_de", KEPT_NOTE)]


def test_with_prune_it_is_a_destructive_delete() -> None:
    plan = plan_for(recorded("DataExtension", "old_de"), prune=True)
    [change] = plan.changes
    assert (change.kind, change.key, change.action) == ("DataExtension", "old_de", "delete")
    assert change.destructive_reasons == (PRUNE_REASON,)
    assert change.ids == {"object_id": "old-guid"}
    assert change.depends_on == ("Folder:Data Extensions/CRM",)
    assert not change.protected
    assert plan.summary()["delete"] == 1 and plan.notes == ()


def test_objects_absent_from_the_manifest_are_never_deleted() -> None:
    plan = plan_for(prune=True)
    assert plan.empty and plan.notes == ()


def test_a_recorded_object_gone_from_the_account_needs_nothing() -> None:
    plan = plan_for(recorded("DataExtension", "deleted_by_hand"), prune=True)
    assert plan.empty and plan.notes == ()


def test_a_recorded_object_that_is_still_defined_is_not_deleted() -> None:
    kept = Live("DataExtension", "kept", {"fields": []}, {"object_id": "kept-guid"})
    live = live_state(ROOT, CRM, kept)
    desired = desired_state(KEPT)
    plan = make_plan(desired, live, "test", dict([recorded("DataExtension", "kept")]), prune=True)
    assert all(c.action != "delete" for c in plan.changes)


def test_an_object_a_definition_still_refers_to_is_kept_even_with_prune() -> None:
    query = {
        "kind": "QueryDefinition",
        "key": "uses_old",
        "name": "Uses old",
        "sql": "SELECT 1 AS Id",
        "target": "old_de",
        "update_type": "overwrite",
    }
    plan = plan_for(recorded("DataExtension", "old_de"), prune=True, desired=desired_state(query))
    assert all(c.action != "delete" for c in plan.changes)
    [note] = plan.notes
    assert note.message == "no longer defined, but QueryDefinition:uses_old refers to it; kept"


def test_a_query_delete_depends_on_its_folder_and_target() -> None:
    plan = plan_for(recorded("QueryDefinition", "old_query"), prune=True)
    [change] = plan.changes
    assert change.depends_on == ("Folder:Query", "DataExtension:old_de")


# -- refusals ------------------------------------------------------------------------------------------------


def test_a_delete_is_refused_without_allow_destructive() -> None:
    plan = plan_for(recorded("DataExtension", "old_de"), prune=True)
    with pytest.raises(PlanRefused, match="--allow-destructive"):
        check_allowed(plan, allow_destructive=False)
    check_allowed(plan, allow_destructive=True)


def test_a_delete_of_a_protected_object_is_refused_even_with_allow_destructive() -> None:
    plan = plan_for(recorded("DataExtension", "old_de", protected=True), prune=True)
    [change] = plan.changes
    assert change.protected
    with pytest.raises(PlanRefused) as refused:
        check_allowed(plan, allow_destructive=True)
    message = str(refused.value)
    assert "DataExtension old_de" in message
    assert "prevent_destroy" in message and "without prevent_destroy" in message
    with pytest.raises(PlanRefused):
        apply_plan(plan, RecordingWriter(), allow_destructive=True)


# -- the order of deletes ------------------------------------------------------------------------------------


class RecordingWriter:
    """Records every call; `refuse` names objects (by key) whose write fails."""

    def __init__(self, refuse: Sequence[str] = ()) -> None:
        self.calls: list[tuple[str, list[str]]] = []
        self.refuse = set(refuse)

    def write(self, operation: Operation, objects: Sequence[SoapObject]) -> list[WriteResult]:
        keys = [str(o.properties.get("CustomerKey") or o.properties.get("ID")) for o in objects]
        self.calls.append((operation, keys))
        return [
            WriteResult(key not in self.refuse, "refused" if key in self.refuse else "OK") for key in keys
        ]

    def send(self, request: RestRequest) -> WriteResult:
        self.calls.append((request.method, [request.path]))
        return WriteResult(True, "OK")


def delete(kind: str, key: str, *depends_on: str, ids: dict[str, Any] | None = None) -> Change:
    return Change(
        kind, key, "delete", ids=ids or {}, depends_on=depends_on, destructive_reasons=(PRUNE_REASON,)
    )


def chain() -> list[Change]:
    """A nested folder, a data extension in it, a query into it and an automation running the query."""
    return [
        delete("Folder", "Data Extensions/A", "Folder:Data Extensions", ids={"id": 10}),
        delete("Folder", "Data Extensions/A/B", "Folder:Data Extensions/A", ids={"id": 11}),
        delete("DataExtension", "de", "Folder:Data Extensions/A/B"),
        delete("QueryDefinition", "q", "Folder:Query", "DataExtension:de", ids={"object_id": "q-guid"}),
        delete("Automation", "auto", "Folder:my automations", "QueryDefinition:q"),
    ]


def test_deletes_run_in_reverse_dependency_order() -> None:
    writer = RecordingWriter()
    report = apply_plan(Plan("test", tuple(chain())), writer, allow_destructive=True)
    assert writer.calls == [
        ("delete", ["auto"]),
        ("delete", ["q"]),
        ("delete", ["de"]),
        ("delete", ["11"]),
        ("delete", ["10"]),
    ]
    assert report.ok and len(report.applied) == 5


def test_deletes_come_after_creates_and_updates() -> None:
    update = Change("Folder", "Data Extensions/X", "update", after={"description": "new"}, ids={"id": 5})
    writer = RecordingWriter()
    apply_plan(Plan("test", (delete("DataExtension", "old"), update)), writer, allow_destructive=True)
    assert writer.calls == [("update", ["5"]), ("delete", ["old"])]


def test_a_failed_delete_keeps_what_the_object_depends_on() -> None:
    writer = RecordingWriter(refuse=["auto"])
    report = apply_plan(Plan("test", tuple(chain())), writer, allow_destructive=True)
    assert writer.calls == [("delete", ["auto"])]
    assert {c.key for c in report.skipped} == {"q", "de", "Data Extensions/A/B", "Data Extensions/A"}


def test_unrelated_deletes_of_one_kind_go_in_one_call() -> None:
    writer = RecordingWriter()
    plan = Plan("test", (delete("DataExtension", "one"), delete("DataExtension", "two")))
    apply_plan(plan, writer, allow_destructive=True)
    assert writer.calls == [("delete", ["one", "two"])]


def test_rest_kinds_are_deleted_by_id() -> None:
    writer = RecordingWriter()
    plan = Plan(
        "test",
        (
            delete("DataExtract", "x", "DataExtension:de", ids={"object_id": "x-id"}),
            delete("FileTransfer", "t", ids={"object_id": "t-id"}),
        ),
    )
    apply_plan(plan, writer, allow_destructive=True)
    assert writer.calls == [
        ("DELETE", ["automation/v1/filetransfers/t-id"]),
        ("DELETE", ["automation/v1/dataextracts/x-id"]),
    ]


# -- prevent_destroy changes the record, not the object ------------------------------------------------


def test_removing_prevent_destroy_is_a_change_of_the_record_only() -> None:
    desired = desired_state(KEPT)
    kept = Live("DataExtension", "kept", dict(desired.objects["DataExtension:kept"].attributes), {})
    live = live_state(ROOT, CRM, kept)
    plan = make_plan(desired, live, "test", dict([recorded("DataExtension", "kept", protected=True)]))
    [change] = plan.changes
    assert (change.action, [(a.path, a.before, a.after) for a in change.attributes]) == (
        "update",
        [("prevent_destroy", True, False)],
    )
    assert record_only(change) and not change.destructive
    writer = RecordingWriter()
    report = apply_plan(plan, writer)
    assert writer.calls == [] and report.applied == [change]


def test_an_unchanged_protection_is_no_change() -> None:
    protected = {**KEPT, "prevent_destroy": True}
    desired = desired_state(protected)
    kept = Live("DataExtension", "kept", dict(desired.objects["DataExtension:kept"].attributes), {})
    plan = make_plan(
        desired,
        live_state(ROOT, CRM, kept),
        "test",
        dict([recorded("DataExtension", "kept", protected=True)]),
    )
    assert plan.empty
