"""The example's nightly automation runs end to end on the emulator: the definitions applied by the real
CLI, the CRM's CSV put into Import/, tracking in the data views, the clock moved past the schedule — then
the customers are imported, engagement and segments rebuilt, filters applied and both files delivered to
Export/, with an instance that lists every activity."""

from __future__ import annotations

import csv
import io
import shutil
import subprocess
import sys
import urllib.request
from pathlib import Path

from tests.conftest import EmulatorProcess, Project, start_emulator
from tests.emulator.conftest import Client, simple
from tests.emulator.test_rows import rows_of

REPOSITORY = Path(__file__).resolve().parent.parent
CRM_FILE = """customer_id,email,first_name,last_name,city,region,created_at
C1,ana@example.com,Ana,Lima,Lyon,Auvergne,2025-03-01
C2,ben@example.com,Ben,Roe,Nice,,2025-04-02
C3,cy@example.com,Cy,Doe,Paris,IDF,2025-05-03
"""
NEWSLETTER = (
    "SubscriberKey,Email,OptedIn\nC1,ana@example.com,true\nC2,ben@example.com,true\nC3,cy@example.com,false\n"
)
SENT = "SubscriberKey,JobID,EventDate\nC1,10,2025-12-20 10:00:00\nC2,10,2025-12-20 10:00:00\n"
OPENS = "SubscriberKey,JobID,EventDate,IsUnique\nC1,10,2025-12-21 08:00:00,true\n"
SURVEY = "SubscriberKey,EventDate,SurveyID\nC2,2025-12-22 09:00:00,5\n"


def post_csv(emulator: EmulatorProcess, path: str, text: str) -> None:
    request = urllib.request.Request(
        emulator.base_url + path, data=text.encode(), method="POST", headers={"Content-Type": "text/csv"}
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 200


def test_the_nightly_automation_runs_from_the_crm_file_to_the_delivered_files(project: Project) -> None:
    shutil.rmtree(project.root / "definitions")
    shutil.copytree(REPOSITORY / "definitions", project.root / "definitions")
    applied = project.run("apply", "--auto-approve")
    assert applied.returncode == 0, applied.stdout + applied.stderr

    emulator = project.emulator
    for folder in ("Import", "Export", "Safehouse"):
        shutil.rmtree(emulator.files / folder, ignore_errors=True)
        (emulator.files / folder).mkdir(parents=True)
    (emulator.files / "Import" / "crm_customers_20260105.csv").write_text(CRM_FILE, encoding="utf-8")
    post_csv(emulator, "_emulator/dataextensions/nto_newsletter_subscribers/rows", NEWSLETTER)
    post_csv(emulator, "_emulator/dataviews/_Sent/rows?replace=true", SENT)
    post_csv(emulator, "_emulator/dataviews/_Open/rows?replace=true", OPENS)
    post_csv(emulator, "_emulator/dataviews/_SurveyResponse/rows?replace=true", SURVEY)

    emulator.admin("PUT", "_emulator/clock", {"now": "2026-01-05T01:59:00"})
    moved = emulator.admin("PUT", "_emulator/clock", {"advance": 120})
    assert len(moved["ran"]) == 1, moved  # the daily 02:00 run, and only it

    client = Client(emulator.base_url)
    (automation,) = client.retrieve(
        "Automation", ["ObjectID"], simple("CustomerKey", "equals", "nto_nightly_crm_sync")
    ).objects()
    (instance,) = client.retrieve(
        "AutomationInstance",
        ["ObjectID", "Status", "StatusMessage", "StartTime", "TaskInstances"],
        simple("AutomationID", "equals", automation["ObjectID"]),
    ).objects()
    assert (instance["ObjectID"], instance["StatusMessage"]) == (moved["ran"][0], "Complete"), instance
    assert instance["StartTime"].startswith("2026-01-05T02:00:00")
    steps = instance["TaskInstances"]["AutomationTaskInstance"]
    assert len(steps) == 5
    activities = [a for step in steps for a in _as_list(step["ActivityInstances"]["ActivityInstance"])]
    assert [a["Status"] for a in activities] == ["2"] * 9, activities

    customers = rows_of(client, "nto_customers", "SubscriberKey", "City", "Region")
    assert sorted(row["SubscriberKey"] for row in customers) == ["C1", "C2", "C3"]
    by_region = rows_of(client, "nto_subscribers_by_region", "SubscriberKey", "Region")
    assert sorted((row["SubscriberKey"], row["Region"]) for row in by_region) == [
        ("C1", "Auvergne"),
        ("C2", "Nice"),  # COALESCE(Region, City)
    ]
    engagement = rows_of(client, "nto_email_engagement", "SubscriberKey", "Opens", "SurveyResponded")
    assert sorted((r["SubscriberKey"], r["Opens"], r["SurveyResponded"]) for r in engagement) == [
        ("C1", "1", "False"),
        ("C2", "0", "True"),
    ]
    assert [r["SubscriberKey"] for r in rows_of(client, "nto_did_not_open_segment", "SubscriberKey")] == [
        "C2"
    ]
    assert [
        r["SubscriberKey"] for r in rows_of(client, "nto_survey_responders_segment", "SubscriberKey")
    ] == ["C2"]

    delivered = emulator.files / "Export" / "nto_customers_20260105.csv"
    records = list(csv.reader(io.StringIO(delivered.read_text(encoding="utf-8"))))
    assert records[0][:2] == ["SubscriberKey", "Email"]
    assert sorted(record[0] for record in records[1:]) == ["C1", "C2", "C3"]
    assert (emulator.files / "Export" / "nto_engagement_20260105.csv").is_file()
    assert not list((emulator.files / "Safehouse").iterdir())  # the transfers moved the files


def _as_list(value: object) -> list[dict[str, str]]:
    return value if isinstance(value, list) else [value]  # type: ignore[list-item, return-value]


def test_serve_clock_sets_the_accounts_clock_and_a_bad_moment_is_an_error(tmp_path: Path) -> None:
    served = start_emulator(tmp_path / "account.db", "--clock", "2026-01-05T01:59:00")
    try:
        assert served.admin("GET", "_emulator/clock") == {
            "now": "2026-01-05T01:59:00",
            "frozen": True,
            "set": True,
        }
    finally:
        served.process.terminate()
        served.process.wait(timeout=10)
    refused = subprocess.run(
        [
            sys.executable,
            "-m",
            "mcstate",
            "emulator",
            "serve",
            "--db",
            str(tmp_path / "b.db"),
            "--clock",
            "soon",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert refused.returncode == 1
    assert "--clock soon: not an ISO 8601 moment" in refused.stderr
    assert "Traceback" not in refused.stderr
