"""The markdown report a reviewer reads on a pull request: golden files plus the rules behind them."""

from __future__ import annotations

import dataclasses
from typing import Any

from mcstate.definitions.document import Document
from mcstate.desired import build_desired
from mcstate.plan import AttributeChange, Change, Feed, Plan
from mcstate.planner import make_plan
from mcstate.render.markdown_view import MAX_CHARS, code, fenced, headline, render_plan
from tests.golden_files import assert_golden
from tests.plan_fixtures import TARGET, account_from, fixture_plan


def test_empty_plan() -> None:
    plan, _ = fixture_plan("unchanged")
    assert plan.empty
    assert_golden("plan_empty.md", render_plan(plan))


def test_mixed_plan_with_destructive_changes_sql_diff_and_flowchart() -> None:
    plan, _ = fixture_plan("mixed")
    assert_golden("plan_mixed.md", render_plan(plan))


def test_mixed_plan_puts_destructive_changes_first_and_marks_prevent_destroy() -> None:
    plan, _ = fixture_plan("mixed")
    report = render_plan(plan)
    assert report.index("[!CAUTION]") < report.index("| kind | key | action |") < report.index("```mermaid")
    caution = report[report.index("[!CAUTION]") : report.index("| kind | key | action |")]
    assert "its data is lost" in caution and "all its rows are lost" in caution
    assert "🔒 **prevent_destroy**" in caution
    rows = [line for line in report.splitlines() if line.startswith("| `")]
    assert [row.split("|")[3].strip() for row in rows[:2]] == [
        "`nto_customers`",
        "`nto_subscribers_by_region`",
    ]
    sections = report.split("<details>")[1:]
    assert "destructive" in sections[0] and "destructive" in sections[1]
    assert "```diff\n@@" in report and "+WHERE s.OptedIn = 1" in report


def test_the_flowchart_shows_changed_objects_and_their_direct_neighbours_only() -> None:
    plan, _ = fixture_plan("mixed")
    chart = render_plan(plan).split("```mermaid\n")[1].split("```")[0]
    # The import loads the changed customers DE; the unchanged extract reads it.
    assert "ImportDefinition<br/>nto_import_crm_customers" in chart
    assert "DataExtract<br/>nto_customers_extract" in chart
    # Two steps away from any change: the extract's file transfer and the FTP location.
    assert "nto_customers_to_ftp" not in chart and "FileLocation" not in chart
    # Folders move no data.
    assert "Folder" not in chart


def test_headline_counts_only_what_the_plan_has() -> None:
    def plan_of(*actions: str, destructive: int = 0) -> Plan:
        changes = [Change("DataExtension", f"de{i}", a) for i, a in enumerate(actions)]  # type: ignore[arg-type]
        changes += [
            Change("DataExtension", f"gone{i}", "replace", destructive_reasons=("rows lost",))
            for i in range(destructive)
        ]
        return Plan("t", tuple(changes))

    assert headline(plan_of()) == "No changes"
    assert headline(plan_of("create", "create", "create", "update", "update")) == "3 to create, 2 to update"
    assert headline(plan_of("create", "create", "create", "update", "update", destructive=1)) == (
        "3 to create, 2 to update, 1 to replace, 1 destructive"
    )
    assert headline(plan_of("delete")) == "1 to delete"


def test_values_with_backticks_and_pipes_stay_inside_their_code_span_and_fence() -> None:
    assert code("a|b") == "`a\\|b`"
    assert code("say `hi`") == "``say `hi` ``" or code("say `hi`") == "`` say `hi` ``"
    assert fenced("```\nx\n```", "diff").startswith("````diff\n")
    change = Change(
        "QueryDefinition",
        "q|1",
        "update",
        (AttributeChange("description", "a | b", "c `d`"),),
    )
    report = render_plan(Plan("t", (change,)))
    assert '| `description` | `"a \\| b"` | ``"c `d`"`` |' in report


# --- a plan far beyond what one comment holds ------------------------------------------------------------

FIELDS = 25


def _document(data: dict[str, Any]) -> Document:
    return Document(data["kind"], data, f"definitions/{data['key']}.yaml", positions={(): (1, 1)})


def _data_extension(number: int, *, city_length: int, description: str) -> dict[str, Any]:
    fields: list[dict[str, Any]] = [
        {"name": "SubscriberKey", "type": "Text", "length": 254, "primary_key": True}
    ]
    fields += [{"name": f"Attribute{i:02d}", "type": "Text", "length": 100} for i in range(FIELDS)]
    fields.append({"name": "City", "type": "Text", "length": city_length})
    return {
        "kind": "DataExtension",
        "key": f"nto_segment_{number:03d}",
        "name": f"NTO Segment {number:03d}",
        "description": description,
        "folder": "Data Extensions/Segments",
        "fields": fields,
    }


def _query(number: int, *, extra_condition: bool) -> dict[str, Any]:
    columns = ",\n".join(f"       s.Attribute{i:02d}" for i in range(FIELDS))
    sql = f"SELECT s.SubscriberKey,\n{columns}\nFROM [NTO Segment {number:03d}] s\nWHERE s.City IS NOT NULL"
    if extra_condition:
        sql += f"\n  AND s.Attribute00 <> 'segment {number}'"
    return {
        "kind": "QueryDefinition",
        "key": f"nto_rebuild_segment_{number:03d}",
        "name": f"Rebuild segment {number:03d}",
        "folder": "Query/Segments",
        "target": f"nto_segment_{number:03d}",
        "update_type": "overwrite",
        "sql": sql,
    }


def huge_plan() -> Plan:
    before = [_data_extension(n, city_length=100, description="v1") for n in range(120)]
    before += [_query(n, extra_condition=False) for n in range(120)]
    after = [
        _data_extension(n, city_length=40 if n % 10 == 0 else 100, description="rebuilt nightly")
        for n in range(120)
    ]
    after += [_query(n, extra_condition=True) for n in range(120)]
    after += [_data_extension(n, city_length=100, description="new") for n in range(120, 200)]
    account = build_desired(_document(d) for d in before)
    return make_plan(build_desired(_document(d) for d in after), account_from(account), TARGET)


def test_a_huge_plan_is_shortened_below_the_limit_with_a_note() -> None:
    plan = huge_plan()
    report = render_plan(plan)
    assert len(report) < MAX_CHARS
    assert "[!NOTE]" in report and "This report is shortened" in report and "--out FILE" in report
    # The headline and every destructive change are still there, first.
    assert report.splitlines()[2] == "**80 to create, 240 to update, 12 destructive**"
    assert report.count("cannot decrease (100 → 40)") >= 12
    assert_golden("plan_huge.md", report)


def test_an_unshortened_report_has_no_note() -> None:
    plan, _ = fixture_plan("mixed")
    assert "This report is shortened" not in render_plan(plan)


def test_a_delete_shows_what_the_account_holds_and_is_drawn_as_deleted() -> None:
    gone = Change(
        "QueryDefinition",
        "nto_old_segment",
        "delete",
        before={"name": "Old segment", "target": "nto_customers", "sql": "SELECT 1\nFROM [NTO Customers]"},
        destructive_reasons=("no definition declares it any more",),
    )
    feed = Feed("DataExtension:nto_customers", "QueryDefinition:nto_old_segment", "SQL")
    report = render_plan(Plan("t", (gone,), flow=(feed,)))
    assert "**1 to delete, 1 destructive**" in report
    assert "| attribute | value in the account |" in report and "```sql\nSELECT 1" in report
    assert '("- QueryDefinition<br/>nto_old_segment")' in report
    assert "class n0 delete" in report and "class n1 unchanged" in report


def test_a_limited_plan_draws_only_the_feeds_of_its_own_changes() -> None:
    plan, _ = fixture_plan("mixed")
    query = next(c for c in plan.changes if c.kind == "QueryDefinition")
    chart = render_plan(dataclasses.replace(plan, changes=(query,))).split("```mermaid\n")[1]
    assert "nto_segment_subscribers_by_region" in chart
    # The filter is created by the whole plan only; the import feeds only a DE this plan leaves alone.
    assert "nto_opted_in" not in chart and "nto_import_crm_customers" not in chart
