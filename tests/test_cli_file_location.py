"""Declared file locations through the real CLI against the emulator: created with their secret read from
the environment (never printed), an import reading from the location and a transfer delivering to it, a
second plan with nothing to do, and a missing environment variable reported before any write."""

from __future__ import annotations

import shutil

from tests.conftest import Project
from tests.emulator.conftest import NS, TNS, Client, to_xml
from tests.emulator.test_rows import rows_of

SECRET = "hunter2-never-printed"
DEFINITIONS = """\
kind: FileLocation
key: web_analytics
name: Web analytics SFTP
description: The web analytics firm's drop
sftp: {url: "sftp://files.analytics.example", user: nto, password: "${WEB_ANALYTICS_PASSWORD}"}
---
kind: DataExtension
key: web_visits
name: Web visits
fields:
  - {name: VisitorId, type: Text, length: 50, primary_key: true}
  - {name: Pages, type: Number}
---
kind: ImportDefinition
key: web_visits_import
name: Web visits import
destination: web_visits
file_location: web_analytics
file_spec: visits_%%YEAR%%%%MONTH%%%%DAY%%.csv
field_mapping: infer_from_column_headings
---
kind: DataExtract
key: web_visits_extract
name: Web visits extract
data_extension: web_visits
file_spec: visits_back.csv
---
kind: FileTransfer
key: web_visits_back
name: Web visits back to the firm
file_spec: visits_back.csv
file_location: web_analytics
"""


def perform(client: Client, object_type: str, key: str) -> str | None:
    definition = {"@type": object_type, "CustomerKey": key}
    inner = to_xml("Action", "start") + f"<Definitions>{to_xml('Definition', definition)}</Definitions>"
    reply = client.call("Perform", f'<PerformRequestMsg xmlns="{TNS}">{inner}</PerformRequestMsg>')
    return reply.body.findtext("p:Results/p:Result/p:StatusCode", namespaces=NS)


def test_a_declared_location_is_created_used_and_never_shows_its_secret(project: Project) -> None:
    project.write("definitions/web.yaml", DEFINITIONS)
    missing = project.run("plan")
    assert missing.returncode == 1
    assert "web.yaml:5:" in missing.stderr and "WEB_ANALYTICS_PASSWORD is not set" in missing.stderr

    env = {"WEB_ANALYTICS_PASSWORD": SECRET}
    plan = project.run("plan", env=env)
    assert plan.returncode == 0, plan.stderr
    assert "FileLocation" in plan.stdout and "web_analytics" in plan.stdout
    applied = project.run("apply", "--auto-approve", env=env)
    assert applied.returncode == 0, applied.stdout + applied.stderr
    for output in (plan.stdout, plan.stderr, applied.stdout, applied.stderr):
        assert SECRET not in output
    again = project.run("plan", "--detailed-exitcode", env=env)
    assert again.returncode == 0, again.stdout + again.stderr
    # Once it exists unchanged, a plan needs no secret.
    assert project.run("plan", "--detailed-exitcode").returncode == 0

    client = Client(project.emulator.base_url)
    answer = client.rest("GET", "data/v1/filetransferlocation/web_analytics").json()
    assert answer["fileTransferLocation"]["sFtpFileTransferLocation"]["userName"] == "nto"
    assert SECRET not in str(answer)

    drop = project.emulator.files / "Locations" / "web_analytics"
    shutil.rmtree(drop, ignore_errors=True)
    drop.mkdir(parents=True)
    client.admin("PUT", "clock", {"now": "2026-01-05T02:00:00"})
    (drop / "visits_20260105.csv").write_text("VisitorId,Pages\nv1,3\nv2,5\n", encoding="utf-8")
    assert perform(client, "ImportDefinition", "web_visits_import") == "OK"
    assert rows_of(client, "web_visits", "VisitorId", "Pages") == [
        {"VisitorId": "v1", "Pages": "3"},
        {"VisitorId": "v2", "Pages": "5"},
    ]
    assert perform(client, "DataExtractActivity", "web_visits_extract") == "OK"
    assert perform(client, "FileTransferActivity", "web_visits_back") == "OK"
    assert (drop / "visits_back.csv").read_text(encoding="utf-8").startswith("VisitorId,Pages")
