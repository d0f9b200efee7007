"""The data extensions a query reads, for the flow chart, are the tables its parsed SQL names: by name, as
the service looks them up (case-insensitively, bracketed or not, `ENT.` for shared ones), never a name
inside a comment or a string, never a data extension's key, and not a CTE's name."""

from __future__ import annotations

from mcstate.flow import _Object, _SqlNames

CUSTOMERS = _Object("DataExtension", "nto_customers", {"name": "NTO Customers"})
ORDERS = _Object("DataExtension", "orders_key", {"name": "Orders"})
SHARED = _Object("DataExtension", "shared_prefs", {"name": "Preferences"})
NAMES = _SqlNames([CUSTOMERS, ORDERS, SHARED])


def keys(sql: str) -> list[str]:
    return [obj.key for obj in NAMES.read_by(sql)]


def test_tables_are_found_by_name_in_any_case_and_with_brackets() -> None:
    sql = "SELECT c.Id FROM [nto customers] c JOIN ORDERS o ON o.Id = c.Id JOIN ENT.[Preferences] p ON 1 = 1"
    assert keys(sql) == ["nto_customers", "orders_key", "shared_prefs"]


def test_names_in_comments_strings_and_keys_are_not_tables() -> None:
    sql = (
        "-- reads Orders later\n/* [NTO Customers] */\n"
        "SELECT 'Orders' AS Label FROM nto_customers WHERE x = '[Preferences]'"
    )
    assert keys(sql) == []  # nto_customers is a key, not a name: the service would not find it either


def test_a_cte_named_like_a_data_extension_is_not_that_data_extension() -> None:
    assert keys("WITH Orders AS (SELECT Id FROM [NTO Customers]) SELECT Id FROM Orders") == ["nto_customers"]


def test_sql_that_does_not_parse_names_nothing() -> None:
    assert keys("SELECT FROM WHERE") == []
    assert keys("") == []
