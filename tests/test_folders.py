"""Folders: declared explicitly or implied by `folder:` paths; and reference cycles in general."""

from __future__ import annotations

import pytest

from mcstate.definitions.document import Document
from mcstate.desired import _cycles, build_desired, lookup_address
from mcstate.errors import DefinitionError
from mcstate.planner import index_live, make_plan
from mcstate.resources.base import Desired, Live, Ref

ROOT = Live("Folder", "Data Extensions", {"content_type": "dataextension", "description": ""}, {"id": 2})
CRM = Live(
    "Folder", "Data Extensions/CRM", {"content_type": "dataextension", "description": "old"}, {"id": 7}
)


def documents(*datas: dict) -> list[Document]:
    return [
        Document(d["kind"], d, f"definitions/f{i}.yaml", positions={(): (1, 1)}) for i, d in enumerate(datas)
    ]


def test_declared_folder_manages_its_description() -> None:
    desired = build_desired(
        documents({"kind": "Folder", "path": "Data Extensions / CRM", "description": "CRM data"})
    )
    plan = make_plan(desired, index_live({"Folder": [ROOT, CRM]}), "t")
    (change,) = plan.changes
    assert (change.key, change.action) == ("Data Extensions/CRM", "update")
    assert [(a.path, a.before, a.after) for a in change.attributes] == [("description", "old", "CRM data")]


def test_implied_folder_leaves_the_description_alone() -> None:
    de = {
        "kind": "DataExtension",
        "key": "k",
        "name": "n",
        "folder": "Data Extensions/CRM",
        "fields": [{"name": "a"}],
    }
    plan = make_plan(build_desired(documents(de)), index_live({"Folder": [ROOT, CRM]}), "t")
    assert [c.kind for c in plan.changes] == ["DataExtension"]


def test_declared_folder_wins_over_the_implied_one() -> None:
    de = {
        "kind": "DataExtension",
        "key": "k",
        "name": "n",
        "folder": "Data Extensions/New",
        "fields": [{"name": "a"}],
    }
    folder = {"kind": "Folder", "path": "Data Extensions/New", "description": "described"}
    plan = make_plan(build_desired(documents(de, folder)), index_live({"Folder": [ROOT]}), "t")
    assert plan.changes[0].after == {"content_type": "dataextension", "description": "described"}


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"kind": "Folder", "path": "Shared/CRM"}, "'Shared' is not a root folder"),
        (
            {"kind": "Folder", "path": "Query/X", "content_type": "dataextension"},
            "folders below 'Query' hold queryactivity, not dataextension",
        ),
    ],
)
def test_folder_rules(data: dict, message: str) -> None:
    with pytest.raises(DefinitionError, match=message):
        build_desired(documents(data))


def test_the_same_folder_declared_twice_is_an_error() -> None:
    with pytest.raises(
        DefinitionError, match="Folder 'Data Extensions/crm' is already defined at definitions/f0"
    ):
        build_desired(
            documents(
                {"kind": "Folder", "path": "Data Extensions/CRM"},
                {"kind": "Folder", "path": "Data Extensions/crm"},
            )
        )


def test_reference_cycles_are_reported_with_the_chain() -> None:
    document = Document("Folder", {}, "definitions/a.yaml", positions={(): (3, 1)})
    a = Desired("DataExtension", "a", {}, document, (Ref("DataExtension", "b"),))
    b = Desired("DataExtension", "b", {}, None, (Ref("DataExtension", "c"),))
    c = Desired("DataExtension", "c", {}, None, (Ref("DataExtension", "a"),))
    objects = {lookup_address(o.kind, o.key): o for o in (a, b, c)}
    (problem,) = _cycles(objects)
    assert str(problem) == (
        "definitions/a.yaml:3:1: reference cycle: "
        "DataExtension:a → DataExtension:b → DataExtension:c → DataExtension:a"
    )
    assert _cycles({lookup_address(o.kind, o.key): o for o in (a, b)}) == []


def test_implied_folders_are_planned_in_path_order() -> None:
    data_extension = {
        "kind": "DataExtension", "name": "x", "fields": [{"name": "Id", "type": "Text", "primary_key": True}],
    }  # fmt: skip
    desired = build_desired(
        documents(
            {**data_extension, "key": "a", "folder": "Data Extensions/Alpha/Deep"},
            {**data_extension, "key": "b", "name": "y", "folder": "Data Extensions/Beta"},
        )
    )
    plan = make_plan(desired, index_live({"Folder": [ROOT]}), "t")
    folders = [c.key for c in plan.changes if c.kind == "Folder"]
    # By path, not by depth (which would put Beta between Alpha and Alpha/Deep).
    assert folders == ["Data Extensions/Alpha", "Data Extensions/Alpha/Deep", "Data Extensions/Beta"]
