"""QueryDefinition without network: SQL inline or from a file, whitespace-blind comparison, target rules,
diff and steps, and the line diff in the text plan."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from mcstate.client.filters import Simple
from mcstate.definitions.document import Document
from mcstate.desired import DesiredState, build_desired
from mcstate.errors import DefinitionError
from mcstate.plan import Plan
from mcstate.planner import index_live, make_plan
from mcstate.render.text_view import render_plan
from mcstate.resources.base import ApplyContext, Live
from mcstate.resources.data_extension import DataExtensionType
from mcstate.resources.query_definition import PROPERTIES, QueryDefinitionType, same_sql, sql_tokens

SQL = """SELECT c.SubscriberKey,
       c.Domain AS Region
FROM _Subscribers c
WHERE c.Domain IS NOT NULL
"""

BY_REGION: dict[str, Any] = {
    "kind": "DataExtension",
    "key": "nto_by_region",
    "name": "NTO Subscribers by Region",
    "fields": [{"name": "SubscriberKey", "length": 254, "primary_key": True}, {"name": "Region"}],
}
LOG: dict[str, Any] = {
    "kind": "DataExtension",
    "key": "nto_log",
    "name": "NTO Log",
    "fields": [{"name": "Line"}],
}
QUERY: dict[str, Any] = {
    "kind": "QueryDefinition",
    "key": "nto_segment_by_region",
    "name": "Segment subscribers by region",
    "folder": "Query/Segments",
    "target": "nto_by_region",
    "update_type": "update",
    "sql": SQL,
}
# The query writing into the data extension without a primary key.
TO_LOG = {**QUERY, "target": "nto_log", "sql": "SELECT s.SubscriberKey AS Line FROM _Subscribers s"}

DE_ROOT = Live("Folder", "Data Extensions", {"content_type": "dataextension", "description": ""}, {"id": 2})
QUERY_ROOT = Live("Folder", "Query", {"content_type": "queryactivity", "description": ""}, {"id": 4})
SEGMENTS = Live("Folder", "Query/Segments", {"content_type": "queryactivity", "description": ""}, {"id": 101})


def document(data: dict[str, Any], file: str | None = None) -> Document:
    positions = {(): (1, 1), ("update_type",): (6, 14), ("sql_file",): (7, 11)}
    return Document(data["kind"], data, file or f"definitions/{data['key']}.yaml", positions=positions)


def desired(*definitions: dict[str, Any]) -> DesiredState:
    return build_desired(document(d) for d in definitions)


def live_data_extension(definition: dict[str, Any]) -> Live:
    attributes = DataExtensionType().from_document(document(definition)).attributes
    return Live("DataExtension", definition["key"], attributes, {"object_id": f"{definition['key']}-guid"})


def live(*objects: Live) -> dict[str, dict[str, Live]]:
    grouped: dict[str, list[Live]] = {
        "Folder": [DE_ROOT, QUERY_ROOT, SEGMENTS],
        "DataExtension": [],
        "QueryDefinition": [],
    }
    for obj in objects:
        grouped[obj.kind].append(obj)
    return index_live(grouped)


def service_row(**changes: Any) -> dict[str, Any]:
    row = {
        "ObjectID": "query-guid",
        "CustomerKey": "nto_segment_by_region",
        "Name": "Segment subscribers by region",
        "Description": None,
        "QueryText": SQL,
        "TargetType": "DE",
        "DataExtensionTarget": {"CustomerKey": "nto_by_region", "Name": "NTO Subscribers by Region"},
        "TargetUpdateType": "Update",
        "Status": "Active",
        "CategoryID": 101,
    }
    row.update(changes)
    return row


class FakeAccount:
    def __init__(self, rows: list[dict[str, Any]]) -> None:
        self.rows = rows
        self.calls: list[tuple[str, list[str], Any]] = []

    def retrieve(self, object_type: str, properties: list[str], filter: Any = None) -> list[dict[str, Any]]:
        self.calls.append((object_type, list(properties), filter))
        return self.rows

    def rest_items(self, path: str) -> list[dict[str, Any]]:
        raise AssertionError("queries are read over SOAP")


def with_queries(rows: list[dict[str, Any]], *others: Live) -> dict[str, dict[str, Live]]:
    account = FakeAccount(rows)
    state = live(*others)
    queries = QueryDefinitionType().read(account, state)
    assert account.calls == [("QueryDefinition", PROPERTIES, Simple("Status", "equals", ("Active",)))]
    return {**state, "QueryDefinition": index_live({"QueryDefinition": queries})["QueryDefinition"]}


def plan(definitions: tuple[dict[str, Any], ...], account: dict[str, dict[str, Live]]) -> Plan:
    return make_plan(desired(*definitions), account, "test")


def problems(*definitions: dict[str, Any]) -> list[str]:
    with pytest.raises(DefinitionError) as caught:
        desired(*definitions)
    return [str(problem) for problem in caught.value.problems]


# -- SQL ----------------------------------------------------------------------------------------------------


def test_whitespace_outside_literals_is_not_a_change() -> None:
    assert same_sql(
        SQL, "SELECT c.SubscriberKey, c.Domain AS Region FROM _Subscribers c WHERE c.Domain IS NOT NULL"
    )
    assert same_sql("select a,b from t", "select a , b\r\n  from   t\n")
    assert same_sql("SELECT 1 -- the  answer\n", "SELECT 1 --  the answer")


def test_whitespace_inside_literals_case_and_words_are_changes() -> None:
    assert not same_sql("WHERE City = 'New York'", "WHERE City = 'New  York'")
    assert not same_sql("SELECT [First Name] FROM t", "SELECT [First  Name] FROM t")
    assert not same_sql("SELECT a FROM t", "select a from t")
    assert not same_sql("SELECT a FROM t", "SELECTa FROM t")
    assert sql_tokens("WHERE x = 'it''s'") == ("WHERE", "x", "=", "'it''s'")


def test_sql_file_is_read_relative_to_the_yaml_file(tmp_path: Path) -> None:
    folder = tmp_path / "definitions" / "queries"
    folder.mkdir(parents=True)
    (folder / "by_region.sql").write_text(SQL, encoding="utf-8")
    data = {k: v for k, v in QUERY.items() if k != "sql"} | {"sql_file": "by_region.sql"}
    state = build_desired([document(BY_REGION), document(data, str(folder / "segment.yaml"))])
    assert state.get("QueryDefinition", "nto_segment_by_region").attributes["sql"] == SQL  # type: ignore[union-attr]


def test_missing_sql_file_is_an_error_at_its_line(tmp_path: Path) -> None:
    data = {k: v for k, v in QUERY.items() if k != "sql"} | {"sql_file": "nope.sql"}
    with pytest.raises(DefinitionError) as caught:
        build_desired([document(BY_REGION), document(data, "definitions/queries/segment.yaml")])
    (problem,) = caught.value.problems
    assert str(problem) == (
        "definitions/queries/segment.yaml:7:11: sql_file: SQL file 'nope.sql' not found "
        "(looked for definitions/queries/nope.sql)"
    )


def test_empty_sql_file_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "empty.sql").write_text("\n  \n", encoding="utf-8")
    data = {k: v for k, v in QUERY.items() if k != "sql"} | {"sql_file": "empty.sql"}
    with pytest.raises(DefinitionError) as caught:
        build_desired([document(BY_REGION), document(data, str(tmp_path / "q.yaml"))])
    assert "is empty" in str(caught.value)


# -- rules --------------------------------------------------------------------------------------------------


def test_update_needs_a_target_with_a_primary_key() -> None:
    (line,) = problems(LOG, TO_LOG)
    assert line.startswith("definitions/nto_segment_by_region.yaml:6:14: update_type: update type 'update'")
    assert "'nto_log' has no primary key" in line
    assert desired(LOG, {**TO_LOG, "update_type": "append"})


def test_update_into_a_target_only_in_the_account_is_checked_against_it() -> None:
    with pytest.raises(DefinitionError) as caught:
        plan((TO_LOG,), live(live_data_extension(LOG)))
    assert "'nto_log' has no primary key" in str(caught.value)


def test_folder_must_start_with_the_query_root() -> None:
    (line,) = problems(BY_REGION, {**QUERY, "folder": "Segments"})
    assert "folder path must start with the root folder 'Query', e.g. 'Query/Segments'" in line


# -- diff and steps -----------------------------------------------------------------------------------------


def test_matching_account_plans_no_changes_even_when_laid_out_differently() -> None:
    account = with_queries([service_row(QueryText=" ".join(SQL.split()))], live_data_extension(BY_REGION))
    result = plan((BY_REGION, QUERY), account)
    assert result.empty, result.changes


def test_create_names_the_target_with_the_declared_name_and_the_folder_id() -> None:
    result = plan((BY_REGION, QUERY), live())
    change = next(c for c in result.changes if c.kind == "QueryDefinition")
    assert set(change.depends_on) == {"Folder:Query/Segments", "DataExtension:nto_by_region"}
    context = ApplyContext()
    context.remember("Folder", "Query/Segments", {"id": 101})
    (step,) = QueryDefinitionType().steps(change, context)
    assert (step.operation, step.object.type) == ("create", "QueryDefinition")
    assert step.object.properties == {
        "CustomerKey": "nto_segment_by_region",
        "Name": "Segment subscribers by region",
        "Description": "",
        "QueryText": SQL,
        "TargetType": "DE",
        "DataExtensionTarget": {"CustomerKey": "nto_by_region", "Name": "NTO Subscribers by Region"},
        "TargetUpdateType": "Update",
        "CategoryID": 101,
    }


def test_the_target_name_of_a_data_extension_only_in_the_account_is_its_live_name() -> None:
    result = plan((QUERY,), live(live_data_extension(BY_REGION)))
    (change,) = [c for c in result.changes if c.kind == "QueryDefinition"]
    assert change.after["target_name"] == "NTO Subscribers by Region"  # type: ignore[index]


def test_sql_change_is_an_update_by_object_id_shown_as_a_line_diff() -> None:
    account = with_queries([service_row()], live_data_extension(BY_REGION))
    changed = SQL + "  AND c.Status <> 'x'\n"
    (change,) = plan((BY_REGION, {**QUERY, "sql": changed}), account).changes
    assert [(a.path, a.before, a.after) for a in change.attributes] == [("sql", SQL, changed)]
    (step,) = QueryDefinitionType().steps(change, ApplyContext())
    assert step.object.properties == {
        "ObjectID": "query-guid",
        "CustomerKey": "nto_segment_by_region",
        "QueryText": changed,
    }
    text = render_plan(plan((BY_REGION, {**QUERY, "sql": changed}), account))
    assert "      ~ sql:\n" in text
    assert "           WHERE c.Domain IS NOT NULL\n          +  AND c.Status <> 'x'\n" in text


def test_new_query_shows_its_sql_as_written() -> None:
    text = render_plan(plan((BY_REGION, QUERY), live()))
    assert "      sql: |\n        SELECT c.SubscriberKey,\n               c.Domain AS Region\n" in text


def test_target_folder_and_update_type_changes() -> None:
    row = service_row(
        DataExtensionTarget={"CustomerKey": "nto_log", "Name": "NTO Log"},
        TargetUpdateType="Append",
        CategoryID=4,
    )
    account = with_queries([row], live_data_extension(BY_REGION), live_data_extension(LOG))
    (change,) = plan((BY_REGION, QUERY), account).changes
    assert [(a.path, a.before, a.after) for a in change.attributes] == [
        ("folder", "Query", "Query/Segments"),
        ("target", "nto_log", "nto_by_region"),
        ("update_type", "append", "update"),
    ]
    context = ApplyContext()
    context.remember("Folder", "Query/Segments", {"id": 101})
    (step,) = QueryDefinitionType().steps(change, context)
    assert step.object.properties == {
        "ObjectID": "query-guid",
        "CustomerKey": "nto_segment_by_region",
        "CategoryID": 101,
        "TargetType": "DE",
        "DataExtensionTarget": {"CustomerKey": "nto_by_region", "Name": "NTO Subscribers by Region"},
        "TargetUpdateType": "Update",
    }
