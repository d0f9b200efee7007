"""The account generator (mcstate.emulator.generate), read back the way plan reads an account: every kind and
case is there, the same seed gives the same account, and what mcstate cannot manage is read as such."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from mcstate.connection import _embedded
from mcstate.desired import lookup_address
from mcstate.emulator.generate import SeedReport, seed_account
from mcstate.engine import read_live
from mcstate.errors import DefinitionError
from mcstate.planner import LiveState, make_plan
from mcstate.resources.base import Live
from mcstate.resources.filter_definition import OPERATORS_BY_FIELD_TYPE
from tests.test_planner import ROOT, desired_state

SIZE = 20


def generated(tmp_path: Path, seed: int = 7, size: int = SIZE) -> tuple[SeedReport, LiveState]:
    db = tmp_path / f"seed-{seed}-{size}.db"
    report = seed_account(db, seed=seed, size=size)
    return report, read_live(_embedded(db))


@pytest.fixture(scope="module")
def account(tmp_path_factory: pytest.TempPathFactory) -> tuple[SeedReport, LiveState]:
    return generated(tmp_path_factory.mktemp("generated"))


def content(live: LiveState) -> dict[str, dict[str, Any]]:
    """What the account holds, without the identifiers the emulator assigns."""
    return {kind: {key: obj.attributes for key, obj in objects.items()} for kind, objects in live.items()}


def conditions(condition: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    groups = [*(condition.get("all") or []), *(condition.get("any") or [])]
    if not groups:
        return [condition]
    return [leaf for group in groups for leaf in conditions(group)]


def test_every_kind_is_generated_and_counted(account: tuple[SeedReport, LiveState]) -> None:
    report, live = account
    for kind in ("Folder", "DataExtension", "ImportDefinition", "QueryDefinition", "FilterDefinition",
                 "DataExtract", "FileTransfer", "Automation"):  # fmt: skip
        assert report.counts[kind] > 0, kind
        # Root folders and the platform's own objects are read too.
        assert len(live[kind]) >= report.counts[kind], kind
    assert report.total > 200


def test_the_same_seed_gives_the_same_account(tmp_path: Path, account: tuple[SeedReport, LiveState]) -> None:
    _, again = generated(tmp_path)
    assert content(again) == content(account[1])
    _, other = generated(tmp_path, seed=8)
    assert content(other) != content(account[1])


def test_size_scales_the_random_part(tmp_path: Path, account: tuple[SeedReport, LiveState]) -> None:
    bigger, _ = generated(tmp_path, size=SIZE + 30)
    small = account[0]
    assert bigger.counts["DataExtension"] == small.counts["DataExtension"] + 30
    assert bigger.counts["QueryDefinition"] > small.counts["QueryDefinition"]


def test_data_extensions_cover_every_field_type_and_setting(account: tuple[SeedReport, LiveState]) -> None:
    data_extensions = [de.attributes for de in account[1]["DataExtension"].values()]
    fields = [field for de in data_extensions for field in de["fields"]]
    assert {f["type"] for f in fields} == {
        "Text", "Number", "Date", "Boolean", "EmailAddress", "Phone", "Decimal", "Locale",
    }  # fmt: skip
    assert {f["length"] for f in fields if f["type"] == "Text"} >= {1, 50, 255, 4000}
    assert {(f["precision"], f["scale"]) for f in fields if f["type"] == "Decimal"} >= {
        (38, 0),
        (5, 5),
        (38, 18),
    }
    assert {f["default"] for f in fields if f["type"] == "Date"} >= {"GetDate()", "getdate()"}
    assert any(f["primary_key"] for f in fields) and any(
        f["required"] and not f["primary_key"] for f in fields
    )
    assert any(sum(f["primary_key"] for f in de["fields"]) == 2 for de in data_extensions)
    sendable = {de["sendable"]["subscriber_field"] for de in data_extensions if de["sendable"]}
    assert sendable == {"Subscriber Key", "Email Address"}
    assert any(de["testable"] for de in data_extensions)
    retention = [de["retention"] for de in data_extensions if de["retention"]]
    assert {r["policy"] for r in retention} == {
        "individual_records", "all_records", "all_records_and_data_extension",
    }  # fmt: skip
    assert {r["period"]["unit"] for r in retention if r["period"]} == {"days", "weeks", "months", "years"}
    assert any(r["until"] for r in retention) and any(r["reset_on_import"] for r in retention)


def test_shapes_only_real_accounts_hold_are_read_as_definitions_write_them(
    account: tuple[SeedReport, LiveState],
) -> None:
    by_key = {de.key: de.attributes for de in account[1]["DataExtension"].values()}
    # Both a period and a date: the period (the service keeps it; it refuses a date next to one).
    assert by_key["retention_period_and_date"]["retention"] == {
        "policy": "individual_records",
        "period": {"length": 6, "unit": "months"},
        "until": None,
        "reset_on_import": False,
    }
    assert by_key["no_fields_left"]["fields"] == []
    assert by_key["triggered_send_template"]["template"] == "B6E8AE4C-3D93-49B1-B299-E0AE734213DD"
    assert by_key["sendable_by_email_address"]["sendable"] == {
        "field": "Email Address",
        "subscriber_field": "Email Address",
    }


def test_names_keys_and_folders_are_odd_and_deep(account: tuple[SeedReport, LiveState]) -> None:
    live = account[1]
    keys = {de.key for de in live["DataExtension"].values()}
    assert {"orders/2024", "orders_2024", "顧客マスター", "🚀", "null", "2024-01-01", "k" * 200} <= keys
    names = {de.attributes["name"] for de in live["DataExtension"].values()}
    assert {'O\'Brien "VIP" List', "🎉 Promo Winners 🎉", "Q3.2024 Results.final"} <= names
    depths = [len(folder.key.split("/")) for folder in live["Folder"].values()]
    assert max(depths) >= 8  # the root and seven levels below it
    assert any("🚀" in folder.key for folder in live["Folder"].values())


def test_imports_queries_filters_and_automations_cover_every_case(
    account: tuple[SeedReport, LiveState],
) -> None:
    live = account[1]
    imports = [obj.attributes for obj in live["ImportDefinition"].values()]
    assert {i["field_mapping"] for i in imports} == {"infer_from_column_headings", "map_by_ordinal", "manual"}
    assert {i["update_type"] for i in imports} == {
        "add_and_update", "add_only", "update_only", "overwrite", "column_based",
    }  # fmt: skip
    assert {i["file_type"] for i in imports} == {"csv", "tab", "other"}
    assert {i["encoding"] for i in imports} >= {"utf-8", "utf-16", "iso-8859-1", "windows-1252", "us-ascii"}
    queries = [obj.attributes for obj in live["QueryDefinition"].values()]
    assert {q["update_type"] for q in queries} == {"overwrite", "update", "append"}
    assert any("\n" in q["sql"] for q in queries)
    leaves = [
        leaf for obj in live["FilterDefinition"].values() for leaf in conditions(obj.attributes["filter"])
    ]
    operators = {leaf["operator"] for leaf in leaves}
    assert operators >= {op for family in OPERATORS_BY_FIELD_TYPE.values() for op in family}
    automations = [obj.attributes for obj in live["Automation"].values()]
    recurrences = {a["schedule"]["recurrence"] for a in automations if a["schedule"]}
    assert recurrences >= {"minutely", "hourly", "daily", "weekly", "monthly"}
    assert any(a["schedule"] is None for a in automations)
    assert any(a["schedule"] and a["schedule"]["occurrences"] for a in automations)
    assert any(a["schedule"] and a["schedule"]["end_date"] for a in automations)
    assert any(len(step) > 1 for a in automations for step in a["steps"])
    activity_types = {activity["type"] for a in automations for step in a["steps"] for activity in step}
    assert activity_types == {"import", "query", "filter", "extract", "file_transfer"}


def test_objects_mcstate_cannot_manage_are_read_with_why(account: tuple[SeedReport, LiveState]) -> None:
    report, live = account
    flagged = {
        (kind, obj.key): obj.unmanageable
        for kind, objects in live.items()
        for obj in objects.values()
        if obj.unmanageable
    }
    assert flagged[("DataExtension", "MobileAddress")].startswith("a system data extension")
    assert flagged[("DataExtension", "shared_preferences")].startswith("a shared data extension")
    assert flagged[("DataExtension", "Contact_Salesforce")].startswith("a synchronized data extension")
    assert flagged[("Folder", "Shared Data Extensions/Brand Assets")].startswith("a folder of shared data")
    assert "contains '/'" in flagged[("Folder", "Data Extensions/Imports/Exports")]
    assert flagged[("Automation", "automation_file_drop")].startswith("a triggered automation")
    assert set(flagged) == {(kind, key) for kind, key, _ in report.cannot_manage}
    # Still read, so that what refers to them resolves: a query fills a shared data extension.
    targets = {q.attributes["target"] for q in live["QueryDefinition"].values()}
    assert "shared_preferences" in targets


def test_schedules_mcstate_does_not_write_never_equal_a_definition(
    account: tuple[SeedReport, LiveState],
) -> None:
    schedules = {key: obj.attributes["schedule"] for key, obj in account[1]["Automation"].items()}
    assert schedules["Automation:automation_every_weekday"]["pattern"] == "EveryWeekDay"
    assert schedules["Automation:automation_first_monday"]["pattern"] == "ByWeek First Monday"
    assert "pattern" not in schedules["Automation:automation_weekly"]


def test_a_definition_of_an_unmanageable_object_is_refused_before_any_call() -> None:
    shared = Live(
        "DataExtension",
        "global_suppression",
        {"name": "Global Suppression", "folder": None, "fields": []},
        {"object_id": "guid"},
        "a shared data extension: the parent business unit owns it",
    )
    desired = desired_state(
        {
            "kind": "DataExtension",
            "key": "global_suppression",
            "name": "Global Suppression",
            "fields": [{"name": "Email", "type": "EmailAddress", "primary_key": True}],
        }
    )
    live = {
        "Folder": {lookup_address("Folder", ROOT.key): ROOT},
        "DataExtension": {lookup_address("DataExtension", shared.key): shared},
    }
    with pytest.raises(DefinitionError) as raised:
        make_plan(desired, live, "emulator")
    (problem,) = raised.value.problems
    assert "exists in the account, but mcstate cannot manage it: a shared data extension" in str(problem)


def test_seed_command(tmp_path: Path) -> None:
    db = tmp_path / "account.db"
    result = subprocess.run(
        [sys.executable, "-m", "mcstate", "emulator", "seed", "--db", str(db), "--seed", "3", "--size", "5"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"Emulator account in {db} seeded (seed 3, size 5): ")
    assert "DataExtension" in result.stdout and "Automation" in result.stdout
    assert len(read_live(_embedded(db))["DataExtension"]) > 5
