"""`mcstate run` and `mcstate rows` through the real CLI against `emulator serve`: each kind started with
the service's own call and waited for, import counts and failing rows with their codes, exit 1 when an
activity did not complete, and the rows of a data extension as a table, CSV or JSON."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.conftest import Project

REPOSITORY = Path(__file__).resolve().parent.parent
HEADER = "customer_id,email,first_name,last_name,city,region,created_at\n"


@pytest.fixture
def example(project: Project) -> Project:
    shutil.rmtree(project.root / "definitions")
    shutil.copytree(REPOSITORY / "definitions", project.root / "definitions")
    applied = project.run("apply", "--auto-approve")
    assert applied.returncode == 0, applied.stdout + applied.stderr
    for folder in ("Import", "Export", "Safehouse"):
        shutil.rmtree(project.emulator.files / folder, ignore_errors=True)
        (project.emulator.files / folder).mkdir(parents=True)
    project.emulator.admin("PUT", "_emulator/clock", {"now": "2026-01-05T02:00:00"})
    return project


def crm_file(project: Project, rows: str) -> None:
    (project.emulator.files / "Import" / "crm_customers_20260105.csv").write_text(
        HEADER + rows, encoding="utf-8"
    )


def test_run_reports_an_import_with_its_counts_and_the_next_query(example: Project) -> None:
    crm_file(
        example, "C1,a@example.com,Ana,Lima,Lyon,R1,2025-03-01\nC2,b@example.com,Ben,Roe,Nice,,2025-04-02\n"
    )
    result = example.run(
        "run",
        "ImportDefinition.nto_import_crm_customers",
        "QueryDefinition.nto_segment_subscribers_by_region",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("ImportDefinition.nto_import_crm_customers: completed in ")
    assert lines[0].endswith("total 2, successful 2, errors 0, duplicates 0")
    assert lines[1].startswith("QueryDefinition.nto_segment_subscribers_by_region: completed in ")
    assert lines[-1] == "2 of 2 activities completed."


def test_a_failing_import_exits_1_with_its_failing_rows_and_codes(example: Project) -> None:
    crm_file(example, "C1,a@example.com,A,B,Lyon,R1,2025-03-01\nC2,not-an-address,A,B,Nice,,2025-04-02\n")
    result = example.run("run", "importdefinition.nto_import_crm_customers", "--format", "json")
    assert result.returncode == 1, result.stdout + result.stderr
    (run,) = json.loads(result.stdout)["activities"]
    assert (run["status"], run["ok"], run["counts"]) == (
        "error",
        False,
        {"total": 2, "successful": 0, "errors": 1, "duplicates": 0},
    )
    assert run["row_errors"][0].startswith("row 2: error 70000: ")


def test_run_the_nightly_automation_lists_every_step(example: Project) -> None:
    crm_file(example, "C1,a@example.com,A,B,Lyon,R1,2025-03-01\n")
    result = example.run("run", "Automation.nto_nightly_crm_sync")
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("Automation.nto_nightly_crm_sync: completed in ")
    steps = [line for line in result.stdout.splitlines() if line.startswith("  step ")]
    assert len(steps) == 9 and all(line.endswith(": completed") for line in steps)
    assert (example.emulator.files / "Export" / "nto_customers_20260105.csv").is_file()


def test_each_other_kind_runs_and_a_failure_exits_1(example: Project) -> None:
    crm_file(example, "C1,a@example.com,A,B,Lyon,R1,2025-03-01\n")
    assert example.run("run", "ImportDefinition.nto_import_crm_customers").returncode == 0
    ok = example.run(
        "run",
        "FilterActivity.nto_did_not_open_nightly",
        "DataExtract.nto_customers_extract",
        "FileTransfer.nto_customers_to_ftp",
        "--format",
        "json",
    )
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert [a["status"] for a in json.loads(ok.stdout)["activities"]] == ["completed"] * 3
    again = example.run("run", "FileTransfer.nto_customers_to_ftp")  # the file has already been moved
    assert again.returncode == 1
    assert "not in the Safehouse" in again.stdout


def test_run_refuses_an_unknown_kind_or_key_before_starting_anything(example: Project) -> None:
    unknown_kind = example.run("run", "Email.welcome")
    assert unknown_kind.returncode == 1 and "KIND.KEY" in unknown_kind.stderr
    unknown_key = example.run("run", "QueryDefinition.nope")
    assert unknown_key.returncode == 1 and "has no QueryDefinition with this key" in unknown_key.stderr


def test_no_wait_starts_and_returns(example: Project) -> None:
    result = example.run("run", "QueryDefinition.nto_segment_subscribers_by_region", "--no-wait")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "(task " in result.stdout and result.stdout.endswith("1 activity started.\n")


def test_rows_as_a_table_csv_and_json_with_where_and_limit(example: Project) -> None:
    crm_file(
        example, "C1,a@example.com,Ana,Lima,Lyon,R1,2025-03-01\nC2,b@example.com,Ben,Roe,Nice,,2025-04-02\n"
    )
    assert example.run("run", "ImportDefinition.nto_import_crm_customers").returncode == 0
    table = example.run("rows", "nto_customers")
    assert table.returncode == 0, table.stderr
    assert table.stdout.splitlines()[0].split()[:3] == ["SubscriberKey", "Email", "FirstName"]
    assert table.stdout.rstrip().endswith("(2 rows)")
    csv_out = example.run("rows", "nto_customers", "--where", "City=nice", "--format", "csv")
    assert csv_out.stdout.splitlines()[1].startswith("C2,b@example.com,Ben,Roe,Nice,")
    as_json = json.loads(example.run("rows", "nto_customers", "--limit", "1", "--format", "json").stdout)
    assert len(as_json) == 1 and as_json[0]["SubscriberKey"] in ("C1", "C2")
    missing = example.run("rows", "nto_customers", "--where", "Nope=1")
    assert missing.returncode == 1 and "has no field Nope" in missing.stderr


REIMPORT = """\
kind: DataExtension
key: people
name: People
fields:
  - {name: Id, type: Text, length: 20, primary_key: true}
---
kind: ImportDefinition
key: people_add_only
name: People add only
destination: people
file_spec: people_%%YEAR%%%%MONTH%%%%DAY%%.csv
update_type: add_only
---
kind: ImportDefinition
key: people_upsert
name: People upsert
destination: people
file_spec: people_%%YEAR%%%%MONTH%%%%DAY%%.csv
update_type: add_and_update
"""


def test_an_add_only_import_refuses_a_file_it_already_imported_unless_again(tmp_path: Path) -> None:
    (tmp_path / "mcstate.yaml").write_text("targets:\n  local:\n    emulator: .mcstate/local.db\n")
    (tmp_path / "definitions").mkdir()
    (tmp_path / "definitions/people.yaml").write_text(REIMPORT)

    def mcstate(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "mcstate", *args],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=120,
        )

    assert mcstate("apply", "--auto-approve").returncode == 0
    today = datetime.now(UTC) - timedelta(hours=6)  # the service's day (US Central)
    name = f"people_{today:%Y%m%d}.csv"
    (tmp_path / name).write_text("Id\n1\n2\n")
    assert mcstate("files", "put", name).returncode == 0
    first = mcstate("run", "ImportDefinition.people_add_only")
    assert first.returncode == 0, first.stdout + first.stderr
    second = mcstate("run", "ImportDefinition.people_add_only")
    assert second.returncode == 1
    assert f"{name} (7 bytes) was already imported into people" in second.stdout
    assert "--again" in second.stdout
    assert mcstate("run", "ImportDefinition.people_upsert").returncode == 0  # idempotent: not refused
    assert mcstate("run", "ImportDefinition.people_add_only", "--again").returncode == 0
    (tmp_path / name).write_text("Id\n3\n")
    assert mcstate("files", "put", name).returncode == 0
    assert mcstate("run", "ImportDefinition.people_add_only").returncode == 0  # another content
    # The record is mcstate's own: never retrieved, never a plan change.
    assert "mcstate_imported_files" not in mcstate("plan").stdout
