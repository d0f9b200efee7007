"""Nested values diffed item by item, shown as the definitions write them; SQL with the same context in every
view."""

from __future__ import annotations

from mcstate.plan import AttributeChange, Change, Plan
from mcstate.render import markdown_view, text_view
from mcstate.render.diffs import CONTEXT_LINES, flow, item_changes


def activity(kind: str, key: str) -> dict[str, str]:
    return {"type": kind, "key": key}


STEPS = [
    [activity("import", "crm")],
    [activity("query", "q1"), activity("query", "q2")],
    [activity("extract", "out")],
]


def shown(attribute: str, before: object, after: object) -> list[str]:
    return [
        f"{c.mark} {c.where}: "
        + (f"moved from {c.moved_from}" if c.moved_from else f"{flow(c.before)} → {flow(c.after)}")
        for c in item_changes(attribute, before, after)
    ]


def test_a_step_inserted_is_one_addition_not_a_cascade_of_changes() -> None:
    after = [STEPS[0], STEPS[1], [activity("filter", "f")], STEPS[2]]
    assert shown("steps", STEPS, after) == ["+ step 3: null → [{filter: f}]"]


def test_an_activity_replaced_inside_a_step_is_named_by_step_and_activity() -> None:
    after = [STEPS[0], [activity("query", "q1"), activity("query", "q3")], STEPS[2]]
    assert shown("steps", STEPS, after) == ["~ step 2 › activity 2: {query: q2} → {query: q3}"]


def test_a_removed_step_and_swapped_steps() -> None:
    assert shown("steps", STEPS, STEPS[1:]) == ["- step 1: [{import: crm}] → null"]
    swapped = [STEPS[0], STEPS[2], STEPS[1]]
    assert shown("steps", STEPS, swapped) == ["~ step 2: moved from step 3", "~ step 3: moved from step 2"]


def test_field_maps_are_followed_by_destination() -> None:
    before = [{"source": "a", "destination": "A"}, {"source": "b", "destination": "B"}]
    after = [*before[:1], {"source": "b2", "destination": "B"}, {"source": "c", "destination": "C"}]
    assert shown("field_map", before, after) == [
        "~ mapping 2 › source: b → b2",
        "+ mapping 3: null → {source: c, destination: C}",
    ]


def test_conditions_on_one_field_are_told_apart_by_operator() -> None:
    before = {
        "any": [
            {"field": "LastOpen", "operator": "isNull"},
            {"field": "LastOpen", "operator": "lessThan", "value": "2024-01-01"},
        ]
    }
    after = {"any": [before["any"][0], {**before["any"][1], "value": "2025-01-01"}]}
    assert shown("filter", before, after) == ["~ any[2] › value: 2024-01-01 → 2025-01-01"]


def test_values_are_written_as_yaml_flow_quoted_only_where_needed() -> None:
    assert flow(activity("query", "nto_x")) == "{query: nto_x}"
    assert (
        flow({"field": "Opens", "operator": "equals", "value": 0})
        == "{field: Opens, operator: equals, value: 0}"
    )
    assert (
        flow({"value": "a: b", "other": "x, y", "empty": ""}) == '{value: "a: b", other: "x, y", empty: ""}'
    )
    assert flow("Data Extensions/CRM") == "Data Extensions/CRM"


def test_text_and_markdown_show_sql_diffs_with_the_same_context() -> None:
    before = "\n".join(f"line {n}" for n in range(1, 21))
    after = before.replace("line 10", "line ten")
    change = Change("QueryDefinition", "q", "update", (AttributeChange("sql", before, after),), {}, {})
    plan = Plan("t", (change,))
    text = text_view.render_plan(plan)
    markdown = markdown_view.render_plan(plan)
    for line in (f"line {n}" for n in range(10 - CONTEXT_LINES, 10 + CONTEXT_LINES + 1) if n != 10):
        assert f" {line}\n" in text and f" {line}\n" in markdown
    # No more context than that: the line before the first context line is not shown.
    assert (
        f" line {10 - CONTEXT_LINES - 1}\n" not in text
        and f" line {10 - CONTEXT_LINES - 1}\n" not in markdown
    )
    assert "-line 10" in text and "+line ten" in text and "-line 10" in markdown
