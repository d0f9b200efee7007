"""Each T-SQL function the emulator's query engine runs, with the result SQL Server gives (the expected
values are SQL Server's documented results: DATEDIFF counts boundaries, LEN ignores trailing spaces, text
compares without case, integer division truncates, ...)."""

from __future__ import annotations

import sqlite3
from datetime import datetime

import pytest

from mcstate.emulator.run.sqlengine import QueryRunError, run_select

NOW = datetime(2026, 1, 5, 14, 30, 15, 250000)  # a Monday


def value(expression: str) -> object:
    connection = sqlite3.connect(":memory:")
    result = run_select(connection, f"SELECT {expression} AS v", lambda *_: None, NOW, NOW)
    return result.rows[0][0]


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        # the clock
        ("GETDATE()", "2026-01-05 14:30:15.250"),
        ("SYSDATETIME()", "2026-01-05 14:30:15.250"),
        ("CURRENT_TIMESTAMP", "2026-01-05 14:30:15.250"),
        # DATEADD: months keep the day or take the month's last
        ("DATEADD(day, -7, GETDATE())", "2025-12-29 14:30:15.250"),
        ("DATEADD(month, 1, '2026-01-31')", "2026-02-28 00:00:00.000"),
        ("DATEADD(yy, 1, '2024-02-29')", "2025-02-28 00:00:00.000"),
        ("DATEADD(hh, 10, '2026-01-05 20:00')", "2026-01-06 06:00:00.000"),
        ("DATEADD(mi, 90, '2026-01-05')", "2026-01-05 01:30:00.000"),
        ("DATEADD(week, 2, '2026-01-05')", "2026-01-19 00:00:00.000"),
        ("DATEADD(quarter, 1, '2026-01-05')", "2026-04-05 00:00:00.000"),
        # DATEDIFF counts the boundaries crossed
        ("DATEDIFF(year, '2025-12-31', '2026-01-01')", 1),
        ("DATEDIFF(month, '2026-01-31', '2026-02-01')", 1),
        ("DATEDIFF(day, '2026-01-01 23:59', '2026-01-02 00:01')", 1),
        ("DATEDIFF(hour, '2026-01-01 10:59', '2026-01-01 11:00')", 1),
        ("DATEDIFF(minute, '2026-01-01 10:00:59', '2026-01-01 10:01:00')", 1),
        ("DATEDIFF(week, '2026-01-03', '2026-01-04')", 1),  # Saturday to Sunday
        ("DATEDIFF(day, GETDATE(), '2026-01-01')", -4),
        # DATEPART, DATENAME, YEAR, MONTH, DAY, EOMONTH, DATEFROMPARTS
        ("DATEPART(weekday, '2026-01-05')", 2),  # Sunday is 1
        ("DATEPART(dayofyear, '2026-02-01')", 32),
        ("DATEPART(week, '2026-01-04')", 2),
        ("DATEPART(hour, GETDATE())", 14),
        ("DATENAME(month, GETDATE())", "January"),
        ("DATENAME(weekday, GETDATE())", "Monday"),
        ("YEAR(GETDATE())", 2026),
        ("MONTH('2026-03-09')", 3),
        ("DAY('2026-03-09')", 9),
        ("EOMONTH('2024-02-10')", "2024-02-29 00:00:00.000"),
        ("DATEFROMPARTS(2026, 2, 3)", "2026-02-03 00:00:00.000"),
        # CONVERT with styles, CAST, TRY_CONVERT, TRY_CAST
        ("CONVERT(VARCHAR(10), GETDATE(), 101)", "01/05/2026"),
        ("CONVERT(VARCHAR(10), GETDATE(), 103)", "05/01/2026"),
        ("CONVERT(VARCHAR(8), GETDATE(), 112)", "20260105"),
        ("CONVERT(VARCHAR(19), GETDATE(), 120)", "2026-01-05 14:30:15"),
        ("CONVERT(VARCHAR(23), GETDATE(), 121)", "2026-01-05 14:30:15.250"),
        ("CONVERT(VARCHAR(30), GETDATE(), 126)", "2026-01-05T14:30:15.250"),
        ("CONVERT(VARCHAR(12), GETDATE(), 107)", "Jan 05, 2026"),
        ("CONVERT(VARCHAR(8), GETDATE(), 108)", "14:30:15"),
        ("CONVERT(VARCHAR(30), GETDATE())", "Jan  5 2026  2:30PM"),
        ("CONVERT(DATE, GETDATE())", "2026-01-05 00:00:00.000"),
        ("CONVERT(DATETIME, '05/01/2026', 103)", "2026-01-05 00:00:00.000"),
        ("CONVERT(DATETIME, '01/05/2026', 101)", "2026-01-05 00:00:00.000"),
        ("CONVERT(VARCHAR(3), 'abcdef')", "abc"),
        ("CAST('42' AS INT) + 1", 43),
        ("CAST(12.9 AS INT)", 12),
        ("CAST(-12.9 AS INT)", -12),
        ("CAST('2.50' AS DECIMAL(10, 1))", 2.5),
        ("CAST(2.45 AS DECIMAL(10, 1))", 2.5),
        ("CAST('true' AS BIT)", 1),
        ("CAST(REPLICATE('x', 40) AS VARCHAR)", "x" * 30),
        ("TRY_CONVERT(INT, 'abc')", None),
        ("TRY_CAST('2026-13-45' AS DATE)", None),
        # ISNULL, COALESCE, NULLIF, IIF, CASE
        ("ISNULL(NULL, 'z')", "z"),
        ("COALESCE(NULL, NULL, 3)", 3),
        ("NULLIF('a', 'A')", None),
        ("IIF(2 > 1, 'yes', 'no')", "yes"),
        ("CASE WHEN 'ABC' = 'abc' THEN 1 ELSE 0 END", 1),
        # strings
        ("LEN('ab  ')", 2),
        ("LEN(NULL)", None),
        ("LEFT('abcdef', 2)", "ab"),
        ("RIGHT('abcdef', 2)", "ef"),
        ("SUBSTRING('abcdef', 2, 3)", "bcd"),
        ("SUBSTRING('abcdef', 0, 3)", "ab"),
        ("CHARINDEX('C', 'abcabc')", 3),
        ("CHARINDEX('c', 'abcabc', 4)", 6),
        ("CHARINDEX('z', 'abc')", 0),
        ("PATINDEX('%[0-9]%', 'ab3c')", 3),
        ("REPLACE('aAa', 'a', 'x')", "xxx"),
        ("UPPER('éa')", "ÉA"),
        ("LOWER('ÉA')", "éa"),
        ("LTRIM('  a ')", "a "),
        ("RTRIM('  a ')", "  a"),
        ("TRIM('  a ')", "a"),
        ("CONCAT('a', NULL, 1)", "a1"),
        ("CONCAT_WS('-', 'a', 'b')", "a-b"),
        ("'a' + 'b'", "ab"),
        ("'a' + NULL", None),
        ("'1' + 2", 3),
        ("REPLICATE('ab', 3)", "ababab"),
        ("SPACE(3)", "   "),
        ("REVERSE('abc')", "cba"),
        ("STUFF('abcdef', 2, 3, 'XY')", "aXYef"),
        ("STR(3.14159, 6, 2)", "  3.14"),
        ("ASCII('A')", 65),
        ("CHAR(66)", "B"),
        ("FORMAT(GETDATE(), 'yyyy-MM-dd')", "2026-01-05"),
        ("'abc' LIKE '[a-c]%'", 1),
        ("'abc' LIKE 'AB_'", 1),
        # numbers
        ("7 / 2", 3),
        ("-7 / 2", -3),
        ("7.0 / 2", 3.5),
        ("7 % 3", 1),
        ("ABS(-3)", 3),
        ("ROUND(2.5, 0)", 3.0),
        ("ROUND(-2.5, 0)", -3.0),
        ("ROUND(1234.567, -2)", 1200.0),
        ("ROUND(2.567, 1, 1)", 2.5),
        ("FLOOR(-2.5)", -3),
        ("CEILING(2.1)", 3),
        ("ISNUMERIC('12.5')", 1),
        ("ISNUMERIC('x')", 0),
        ("ISDATE('2026-02-30')", 0),
        ("ISDATE('2026-02-28')", 1),
    ],
)
def test_function_result(expression: str, expected: object) -> None:
    assert value(expression) == expected


def test_newid_is_a_new_uppercase_guid_each_time() -> None:
    first, second = value("NEWID()"), value("NEWID()")
    assert isinstance(first, str) and len(first) == 36 and first == first.upper() and first != second


def test_window_functions_and_top_run_as_sql_server_runs_them() -> None:
    connection = sqlite3.connect(":memory:")
    sql = (
        "SELECT TOP 2 k, ROW_NUMBER() OVER (PARTITION BY g ORDER BY k DESC) AS rn FROM "
        "(SELECT 1 AS k, 'a' AS g UNION ALL SELECT 2, 'a' UNION ALL SELECT 3, 'b') t ORDER BY k"
    )
    result = run_select(connection, sql, lambda *_: None, NOW, NOW)
    assert result.rows == [(1, 2), (2, 1)]


def test_avg_of_integers_is_an_integer() -> None:
    connection = sqlite3.connect(":memory:")
    sql = "SELECT AVG(k) AS a FROM (SELECT 1 AS k UNION ALL SELECT 2) t"
    assert run_select(connection, sql, lambda *_: None, NOW, NOW).rows == [(1,)]


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("1 / 0", "Divide by zero error encountered."),
        ("CAST('x' AS INT)", "Conversion failed when converting the varchar value 'x' to data type int."),
        ("CONVERT(DATETIME, 'not a date')", "Conversion failed when converting date and/or time"),
        ("DATEADD(fortnight, 1, GETDATE())", "'fortnight' is not a recognized datepart option."),
        ("SOUNDEX('a')", "is not supported by the emulator"),
        ("FOO(1)", "'FOO' is not a recognized built-in function name."),
        ("LEFT('a', -1)", "Invalid length parameter passed to the left function."),
    ],
)
def test_errors_are_sql_servers(expression: str, message: str) -> None:
    with pytest.raises(QueryRunError, match=message.replace("(", r"\(").replace(")", r"\)")):
        value(expression)
