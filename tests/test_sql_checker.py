"""The SQL checker (mcstate.sql): no false errors on a corpus of real-world query activity SQL
(fixtures/sql/corpus.sql: each statement headed by its source), golden errors on broken SQL
(fixtures/sql/broken/*.sql: `-- expect: LINE:COL SEVERITY MESSAGE`), and the output checks against a
target."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from mcstate.sql.catalog import Catalog, Column, Table, data_views
from mcstate.sql.checker import MAX_RESOLVED_TOKENS, TOO_DEEP, Target, analyze, tables_named

FIXTURES = Path(__file__).parent / "fixtures" / "sql"


def table(name: str, key: str, *columns: Column, shared: bool = False) -> Table:
    return Table(name, "definitions", key, {c.name.casefold(): c for c in columns}, shared=shared)


CUSTOMERS = table(
    "NTO Customers",
    "nto_customers",
    Column("SubscriberKey", "Text", 254, primary_key=True, required=True),
    Column("EmailAddress", "EmailAddress", 254),
    Column("Region", "Text", 50),
    Column("City", "Text", 100),
    Column("CreatedDate", "Date"),
    Column("FirstName", "Text", 100),
    Column("Phone", "Phone"),
    Column("Age", "Text", 10),
)
PURCHASES = table(
    "NTO Purchases",
    "nto_purchases",
    Column("SubscriberKey", "Text", 254),
    Column("OrderTotal", "Decimal", precision=18, scale=2),
    Column("PurchaseDate", "Date"),
)
NEWSLETTER = table(
    "NTO Newsletter",
    "nto_newsletter",
    Column("SubscriberKey", "Text", 254, primary_key=True),
    Column("Email", "EmailAddress", 254),
    Column("OptedIn", "Boolean"),
    Column("Opt In Date", "Date"),
)
PREFERENCES = table(
    "NTO Preferences",
    "nto_preferences",
    Column("SubscriberKey", "Text", 254),
    Column("Preference", "Text", 50),
    shared=True,
)
CATALOG = Catalog([CUSTOMERS, PURCHASES, NEWSLETTER, PREFERENCES], complete=True)


def corpus() -> list[tuple[str, str]]:
    text = (FIXTURES / "corpus.sql").read_text(encoding="utf-8")
    statements = []
    for chunk in re.split(r"^-- source: ", text, flags=re.MULTILINE)[1:]:
        source, _, sql = chunk.partition("\n")
        statements.append((source.strip(), sql.strip()))
    return statements


@pytest.mark.parametrize(("source", "sql"), corpus(), ids=[source[:60] for source, _ in corpus()])
def test_the_corpus_has_no_false_errors(source: str, sql: str) -> None:
    analysis = analyze(sql, CATALOG)
    assert analysis.errors == [], f"{source}\n{sql}"
    assert analysis.tables, "every statement reads a table"


def broken() -> list[Path]:
    return sorted((FIXTURES / "broken").glob("*.sql"))


@pytest.mark.parametrize("path", broken(), ids=[path.stem for path in broken()])
def test_broken_sql_is_reported_where_it_is_broken(path: Path) -> None:
    header, _, sql = path.read_text(encoding="utf-8").partition("\n")
    expected = re.fullmatch(r"-- expect: (\d+):(\d+) (error|warning) (.+)", header)
    assert expected, f"{path.name}: the first line says what is expected"
    line, column, severity, message = expected.groups()
    found = [(i.line, i.column, i.severity, i.message) for i in analyze(sql, CATALOG).issues]
    assert any(
        (str(i_line), str(i_column), i_severity) == (line, column, severity) and i_message.startswith(message)
        for i_line, i_column, i_severity, i_message in found
    ), f"{path.name}: {found}"


def test_the_output_is_checked_against_the_target() -> None:
    target = Target(NEWSLETTER, "overwrite")
    sql = (
        "SELECT c.SubscriberKey, c.City AS Town, c.SubscriberKey, c.EmailAddress AS Email "
        "FROM [NTO Customers] c"
    )
    messages = [(i.severity, i.message) for i in analyze(sql, CATALOG, target).issues]
    assert (
        "error",
        "the output column 'Town' is not a field of the target data extension 'NTO Newsletter'",
    ) in (messages)
    assert (
        "error",
        "the output column 'SubscriberKey' appears twice; each output column needs its own name",
    ) in messages


def test_a_required_or_key_field_the_output_does_not_fill_is_an_error() -> None:
    target = Target(CUSTOMERS, "overwrite")
    issues = analyze("SELECT n.Email AS EmailAddress FROM [NTO Newsletter] n", CATALOG, target).issues
    assert [i.message for i in issues] == [
        "the primary-key field 'SubscriberKey' of the target data extension 'NTO Customers' gets no value: "
        "the query's output has no column of that name (and the field has no default)"
    ]


def test_warnings_narrower_conversion_and_select_star() -> None:
    narrow = table("Narrow", "narrow", Column("City", "Text", 20), Column("Total", "Number"))
    catalog = Catalog([CUSTOMERS, PURCHASES, narrow], complete=True)
    target = Target(narrow, "append")
    issues = analyze(
        "SELECT c.City, CONVERT(VARCHAR(10), c.CreatedDate, 120) AS Total FROM [NTO Customers] c",
        catalog,
        target,
    ).issues
    assert [(i.severity, i.code) for i in issues] == [("warning", "narrower"), ("warning", "conversion")]
    star = analyze("SELECT * FROM [Narrow]", catalog, target).issues
    assert [(i.severity, i.code) for i in star] == [("warning", "select-star")]


def test_without_the_account_an_unknown_table_is_a_warning() -> None:
    offline = Catalog([CUSTOMERS], complete=False)
    issues = analyze("SELECT x.Anything FROM [Somewhere Else] x", offline).issues
    assert [(i.severity, i.code) for i in issues] == [("warning", "table-unknown")]


def test_lineage_names_each_column_read_once() -> None:
    analysis = analyze(
        "SELECT c.SubscriberKey, p.OrderTotal FROM [NTO Customers] c JOIN [NTO Purchases] p "
        "ON p.SubscriberKey = c.SubscriberKey WHERE c.Region = 'West'",
        CATALOG,
    )
    assert [(r.table.key, r.column) for r in analysis.reads] == [
        ("nto_customers", "SubscriberKey"),
        ("nto_purchases", "OrderTotal"),
        ("nto_purchases", "SubscriberKey"),
        ("nto_customers", "Region"),
    ]


def test_names_compare_case_insensitively_and_keys_are_not_names() -> None:
    assert analyze("SELECT C.subscriberkey FROM [nto CUSTOMERS] c", CATALOG).errors == []
    assert [i.code for i in analyze("SELECT SubscriberKey FROM nto_customers", CATALOG).errors] == ["table"]


def test_tables_named_skips_ctes_comments_and_strings() -> None:
    sql = "-- [Old]\nWITH a AS (SELECT 1 AS x FROM [NTO Customers]) SELECT 'x' FROM a JOIN ENT.[P] p ON 1 = 1"
    assert set(tables_named(sql)) == {("NTO Customers", False), ("P", True)}


def test_the_data_view_catalogue_names_its_sources() -> None:
    import json
    from importlib import resources

    document = json.loads(resources.files("mcstate.sql").joinpath("data_views.json").read_text())
    assert all(
        view["source"].startswith("https://help.salesforce.com/") for view in document["views"].values()
    )
    views = data_views()
    assert {
        "_sent",
        "_open",
        "_click",
        "_bounce",
        "_unsubscribe",
        "_complaint",
        "_job",
        "_subscribers",
    } <= set(views)
    assert views["_sent"].column("subscriberkey") is not None and not views["_sent"].open


def test_sql_nested_too_deeply_is_an_error_not_a_crash() -> None:
    sql = "SELECT " + "(" * 5000 + "1" + ")" * 5000 + " AS x FROM [NTO Customers]"
    assert [i.message for i in analyze(sql, CATALOG).errors] == [TOO_DEEP]
    assert tables_named(sql) == ()


def test_a_huge_query_is_checked_as_a_statement_only_and_in_bounded_time() -> None:
    conditions = " AND ".join("c.Cityy = 'x'" for _ in range(MAX_RESOLVED_TOKENS // 4))
    issues = analyze(f"SELECT c.SubscriberKey FROM [NTO Customers] c WHERE {conditions}", CATALOG).issues
    assert [(i.severity, i.code) for i in issues] == [("warning", "too-large")]
