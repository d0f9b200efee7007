"""DataExtract and FileTransfer through the real CLI, against `mcstate emulator serve` over real HTTP."""

from __future__ import annotations

import json
import urllib.request
from typing import Any

from tests.conftest import EmulatorProcess, Project
from tests.manifest_log import without_manifest

REST_WRITE_METHODS = {"POST", "PATCH", "PUT", "DELETE"}

CUSTOMERS = """\
kind: DataExtension
key: nto_customers
name: NTO Customers
fields:
  - {name: SubscriberKey, type: Text, length: 254, primary_key: true}
  - {name: Email, type: EmailAddress}
"""

EXPORT = """\
kind: DataExtract
key: nto_customers_extract
name: NTO customers for the CRM
data_extension: nto_customers
file_spec: customers_%%Year%%%%Month%%%%Day%%.csv
delimiter: "%(delimiter)s"
text_qualified: true
---
kind: FileTransfer
key: nto_customers_to_ftp
name: NTO customers to the Enhanced FTP
file_spec: customers_%%Year%%%%Month%%%%Day%%.csv
---
kind: FileTransfer
key: nto_customers_to_crm
name: NTO customers to the CRM SFTP
file_spec: customers_%%Year%%%%Month%%%%Day%%.csv
file_location: %(location)s
"""


def export(delimiter: str = ",", location: str = "crm_sftp") -> str:
    return EXPORT % {"delimiter": delimiter, "location": location}


def rest_writes(emulator: EmulatorProcess) -> list[tuple[str, str]]:
    """REST writes in the request log (conftest's writes() counts SOAP Create/Update/Delete only)."""
    return [
        (entry["operation"], entry["object_types"][0])
        for entry in emulator.requests_log()
        if entry["operation"] in REST_WRITE_METHODS
    ]


def rest_call(emulator: EmulatorProcess, method: str, path: str, body: Any = None) -> Any:
    """A REST call made outside mcstate, as another user of the account would."""
    grant = {"grant_type": "client_credentials", "client_id": "someone", "client_secret": "else"}
    token = emulator.admin("POST", "v2/token", grant)["access_token"]
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(emulator.base_url + path, data=data, method=method)
    request.add_header("Content-Type", "application/json")
    request.add_header("Authorization", f"Bearer {token}")
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def applied(project: Project) -> None:
    result = project.run("apply", "--auto-approve")
    assert result.returncode == 0, result.stdout + result.stderr


def test_extracts_and_transfers_round_trip_and_a_second_apply_writes_nothing(project: Project) -> None:
    project.write("definitions/customers.yaml", CUSTOMERS)
    project.write("definitions/export.yaml", export())
    plan = project.run("plan", "--detailed-exitcode")
    assert plan.returncode == 2, plan.stderr
    assert "+ nto_customers_extract" in plan.stdout and "+ nto_customers_to_crm" in plan.stdout
    assert "Plan: 4 to create, 0 to update, 0 to replace, 0 to delete, 0 destructive." in plan.stdout

    project.emulator.clear_log()
    applied(project)
    assert [w["operation"] for w in without_manifest(project.emulator.writes())] == ["Create"]
    assert rest_writes(project.emulator) == [
        ("POST", "automation/v1/dataextracts"),
        ("POST", "automation/v1/filetransfers"),
        ("POST", "automation/v1/filetransfers"),
    ]

    again = project.run("plan", "--detailed-exitcode")
    assert again.returncode == 0, again.stdout + again.stderr
    assert "No changes." in again.stdout

    project.emulator.clear_log()
    applied(project)
    assert project.emulator.writes() == []
    assert rest_writes(project.emulator) == []


def test_a_changed_attribute_is_one_patch(project: Project) -> None:
    project.write("definitions/customers.yaml", CUSTOMERS)
    project.write("definitions/export.yaml", export())
    applied(project)
    project.write("definitions/export.yaml", export(delimiter="|", location="ExactTarget Enhanced FTP"))
    plan = project.run("plan")
    assert '~ delimiter: "," → "|"' in plan.stdout
    assert '~ file_location: "crm_sftp" → "ExactTarget Enhanced FTP"' in plan.stdout

    project.emulator.clear_log()
    applied(project)
    assert without_manifest(project.emulator.writes()) == []
    assert rest_writes(project.emulator) == [
        ("PATCH", "automation/v1/dataextracts/{id}"),
        ("PATCH", "automation/v1/filetransfers/{id}"),
    ]
    assert project.run("plan", "--detailed-exitcode").returncode == 0


def test_unknown_location_is_reported_at_its_line_before_any_write(project: Project) -> None:
    project.write("definitions/customers.yaml", CUSTOMERS)
    project.write("definitions/export.yaml", export(location="crm_ftp"))
    project.emulator.clear_log()
    result = project.run("apply", "--auto-approve")
    assert result.returncode == 1
    assert (
        "definitions/export.yaml:18:16: file_location: FileLocation 'crm_ftp' is neither defined nor present "
        "in the account" in result.stderr
    )
    assert project.emulator.writes() == [] and rest_writes(project.emulator) == []


def test_only_declared_extracts_are_read_in_detail(project: Project) -> None:
    project.write("definitions/customers.yaml", CUSTOMERS)
    applied(project)
    body = {
        "name": "Someone else's extract",
        "key": "not_in_the_definitions",
        "dataExtractTypeId": "bb94a04d-9632-4623-be47-daabc3f588a6",
        "fileSpec": "other.csv",
        "dataFields": [{"name": "DECustomerKey", "type": "string", "value": "nto_customers"}],
    }
    rest_call(project.emulator, "POST", "automation/v1/dataextracts", body)
    project.write("definitions/export.yaml", export())
    applied(project)

    project.emulator.clear_log()
    assert project.run("plan", "--detailed-exitcode").returncode == 0
    detail_reads = [
        entry["object_types"][0]
        for entry in project.emulator.requests_log()
        if entry["operation"] == "GET" and entry["object_types"][0].endswith("/{id}")
    ]
    # One read per declared object: the extract and the two transfers, not the other extract.
    assert sorted(detail_reads) == [
        "automation/v1/dataextracts/{id}",
        "automation/v1/filetransfers/{id}",
        "automation/v1/filetransfers/{id}",
    ]
