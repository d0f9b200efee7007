"""The SQL of queries is checked through the CLI: validate points into the .sql file (or the inline sql:),
plan decides tables with the account, a renamed data extension that a declared query reads fails the plan
naming the query and its line, and one that only a query in the account reads is a warning of the plan."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.conftest import Project

REPOSITORY = Path(__file__).resolve().parent.parent
SEGMENT_SQL = "definitions/queries/subscribers_by_region.sql"
NEWSLETTER = "definitions/data_extensions/newsletter.yaml"
CUSTOMERS = "definitions/data_extensions/customers.yaml"


@pytest.fixture
def example(project: Project) -> Project:
    shutil.rmtree(project.root / "definitions")
    shutil.copytree(REPOSITORY / "definitions", project.root / "definitions")
    return project


def edit(project: Project, relative: str, old: str, new: str) -> None:
    path = project.root / relative
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_the_examples_queries_pass(example: Project) -> None:
    validated = example.run("validate")
    assert validated.returncode == 0, validated.stderr
    assert "warning" not in validated.stderr


def test_a_misspelled_column_fails_validate_at_its_place_in_the_sql_file(example: Project) -> None:
    edit(example, SEGMENT_SQL, "c.City,", "c.Cityy,")
    result = example.run("validate")
    assert result.returncode == 1
    assert (
        f"{SEGMENT_SQL}:3:8: query 'nto_segment_subscribers_by_region': column 'c.Cityy' does not exist: "
        "data extension 'NTO Customers' has no such field"
    ) in result.stderr
    # The output column it makes is not a field of the target either: both are reported, at once.
    assert "the output column 'Cityy' is not a field of the target data extension" in result.stderr


def test_a_misspelled_table_warns_at_validate_and_fails_the_plan(example: Project) -> None:
    edit(example, SEGMENT_SQL, "JOIN [NTO Customers] c", "JOIN [NTO Customer] c")
    validated = example.run("validate")
    assert validated.returncode == 0
    assert (
        f"warning: {SEGMENT_SQL}:6:6: query 'nto_segment_subscribers_by_region': table 'NTO Customer' is not "
        "declared in the definitions: it must exist in the account"
    ) in validated.stderr
    planned = example.run("plan")
    assert planned.returncode == 1
    assert (
        f"{SEGMENT_SQL}:6:6: query 'nto_segment_subscribers_by_region': table 'NTO Customer' is neither"
        in (planned.stderr)
    )
    assert "nothing was sent" in planned.stderr


def test_renaming_a_data_extension_a_declared_query_reads_fails_the_plan(example: Project) -> None:
    assert example.run("apply", "--auto-approve").returncode == 0
    edit(example, CUSTOMERS, "name: NTO Customers", "name: NTO Clients")
    planned = example.run("plan")
    assert planned.returncode == 1
    assert (
        f"{SEGMENT_SQL}:6:6: query 'nto_segment_subscribers_by_region': table 'NTO Customers' is neither"
    ) in planned.stderr


def test_renaming_a_data_extension_only_an_account_query_reads_is_a_warning(example: Project) -> None:
    assert example.run("apply", "--auto-approve").returncode == 0
    # The query stays in the account (no --prune): mcstate no longer manages it.
    (example.root / "definitions/queries/subscribers_by_region.yaml").unlink()
    (example.root / SEGMENT_SQL).unlink()
    edit(example, NEWSLETTER, "name: NTO Monthly Newsletter Subscribers", "name: NTO Newsletter")
    planned = example.run("plan", "--detailed-exitcode")
    assert planned.returncode == 2, planned.stderr
    assert (
        "Warning: QueryDefinition nto_segment_subscribers_by_region: only in the account, it would no longer "
        "run after this plan: line 5: table 'NTO Monthly Newsletter Subscribers' is neither"
    ) in planned.stdout
    assert (
        "warning: used by QueryDefinition nto_segment_subscribers_by_region (only in the account: mcstate "
        "does not manage it): Email, OptedIn, SubscriberKey"
    ) in planned.stdout
    as_json = json.loads(example.run("plan", "--format", "json").stdout)
    assert [w["key"] for w in as_json["warnings"]] == ["nto_segment_subscribers_by_region"]
    markdown = example.run("plan", "--format", "markdown").stdout
    assert "**Warning**, **QueryDefinition** `nto_segment_subscribers_by_region`" in markdown


def test_inline_sql_is_located_in_the_yaml_file_and_warnings_can_be_silenced(example: Project) -> None:
    (example.root / SEGMENT_SQL).unlink()
    example.write(
        "definitions/queries/subscribers_by_region.yaml",
        """\
        kind: QueryDefinition
        key: nto_segment_subscribers_by_region
        name: Segment newsletter subscribers by region
        target: nto_subscribers_by_region
        sql: |
          SELECT s.SubscriberKey, s.Email,
                 c.Town AS City, c.Region
          FROM [NTO Monthly Newsletter Subscribers] s
          JOIN [NTO Customers] c ON c.SubscriberKey = s.SubscriberKey
        """,
    )
    result = example.run("validate")
    assert result.returncode == 1
    assert (
        "definitions/queries/subscribers_by_region.yaml:7:10: query 'nto_segment_subscribers_by_region': "
        "column 'c.Town' does not exist"
    ) in result.stderr

    query = "definitions/queries/subscribers_by_region.yaml"
    edit(example, query, "c.Town AS City", "c.City")
    edit(example, query, "SELECT s.SubscriberKey", "SELECT * FROM (SELECT s.SubscriberKey")
    edit(example, query, "= s.SubscriberKey", "= s.SubscriberKey) x")
    warned = example.run("validate")
    assert warned.returncode == 0, warned.stderr
    assert "SELECT * writes every column of its tables into the target" in warned.stderr
    edit(example, query, "sql: |", "ignore_sql_warnings: [select-star]\nsql: |")
    silenced = example.run("validate")
    assert silenced.returncode == 0 and "SELECT *" not in silenced.stderr


def test_hostile_sql_is_refused_without_a_traceback(example: Project) -> None:
    (example.root / SEGMENT_SQL).write_text(
        "SELECT " + "(" * 3000 + "1" + ")" * 3000 + " AS Region", encoding="utf-8"
    )
    result = example.run("validate")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert f"{SEGMENT_SQL}:1:1: query 'nto_segment_subscribers_by_region': the SQL is nested too deeply" in (
        result.stderr
    )
