"""The data-safety rules of validate (and plan): each warns on the definitions it is about, stays silent on
the safe variant, and `ignore_rules` silences it for one object."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

DATA_EXTENSIONS = """\
kind: DataExtension
key: customers
name: Customers
fields:
  - {name: Id, type: Text, length: 50, primary_key: true}
  - {name: City, type: Text, length: 50}
---
kind: DataExtension
key: log
name: Log
fields:
  - {name: Id, type: Text, length: 50}
---
kind: DataExtension
key: report
name: Report
fields:
  - {name: Id, type: Text, length: 50, primary_key: true}
"""


def importing(key: str, destination: str, update_type: str, file_spec: str = "x_%%YEAR%%%%MONTH%%%%DAY%%.csv",
              extra: str = "") -> str:  # fmt: skip
    return (
        f"kind: ImportDefinition\nkey: {key}\nname: {key}\ndestination: {destination}\n"
        f"file_spec: {file_spec}\nupdate_type: {update_type}\n{extra}"
    )


def query(key: str, target: str, update_type: str, sql: str, extra: str = "") -> str:
    return (
        f"kind: QueryDefinition\nkey: {key}\nname: {key}\ntarget: {target}\nupdate_type: {update_type}\n"
        f"sql: {sql}\n{extra}"
    )


def automation(steps: str, extra: str = "") -> str:
    return (
        "kind: Automation\nkey: nightly\nname: nightly\nactive: true\n"
        "schedule: {recurrence: daily, start: 2026-01-05T02:00, time_zone: Central Standard Time}\n"
        f"steps: {steps}\n{extra}"
    )


def validate(tmp_path: Path, *documents: str) -> str:
    (tmp_path / "definitions").mkdir(exist_ok=True)
    (tmp_path / "mcstate.yaml").write_text("targets:\n  local:\n    emulator: .mcstate/local.db\n")
    (tmp_path / "definitions/all.yaml").write_text("---\n".join([DATA_EXTENSIONS, *documents]))
    result = subprocess.run(
        [sys.executable, "-m", "mcstate", "validate"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr  # warnings never block
    return result.stderr


CASES = {
    "overwrite-shared-destination": (
        [importing("crm", "log", "overwrite"), importing("web", "log", "add_and_update")],
        [importing("crm", "log", "overwrite"), importing("web", "customers", "add_and_update")],
        "crm",
    ),
    "query-overwrites-import": (
        [
            importing("crm", "customers", "add_and_update"),
            query("q", "customers", "overwrite", "SELECT Id FROM Report"),
        ],
        [
            importing("crm", "customers", "add_and_update"),
            query("q", "customers", "update", "SELECT Id FROM Report"),
        ],
        "q",
    ),
    "append-without-primary-key": (
        [importing("crm", "log", "add_only")],
        [importing("crm", "customers", "add_only")],
        "crm",
    ),
    "import-file-without-date": (
        [
            importing("crm", "customers", "add_and_update", file_spec="crm.csv"),
            automation("[[{import: crm}]]"),
        ],
        [importing("crm", "customers", "add_and_update"), automation("[[{import: crm}]]")],
        "nightly",
    ),
    "step-order-against-lineage": (
        [
            importing("crm", "customers", "add_and_update"),
            query("q", "report", "overwrite", "SELECT Id FROM Customers"),
            automation("[[{query: q}], [{import: crm}]]"),
        ],
        [
            importing("crm", "customers", "add_and_update"),
            query("q", "report", "overwrite", "SELECT Id FROM Customers"),
            automation("[[{import: crm}], [{query: q}]]"),
        ],
        "nightly",
    ),
    "query-overwrites-its-source": (
        [query("q", "report", "overwrite", "SELECT Id FROM Report")],
        [query("q", "report", "overwrite", "SELECT Id FROM Customers")],
        "q",
    ),
}


@pytest.mark.parametrize("rule", sorted(CASES))
def test_each_rule_warns_only_on_what_it_is_about_and_can_be_silenced(tmp_path: Path, rule: str) -> None:
    risky, safe, key = CASES[rule]
    warned = validate(tmp_path, *risky)
    assert f"[{rule}; silence with ignore_rules: [{rule}]]" in warned, warned
    assert "definitions/all.yaml:" in warned
    assert f"[{rule};" not in validate(tmp_path, *safe)
    silenced = [
        document.replace(f"key: {key}\n", f"key: {key}\nignore_rules: [{rule}]\n", 1) for document in risky
    ]
    assert f"[{rule};" not in validate(tmp_path, *silenced)


def test_an_unknown_rule_id_is_an_error_at_its_line(tmp_path: Path) -> None:
    (tmp_path / "definitions").mkdir()
    (tmp_path / "mcstate.yaml").write_text("targets:\n  local:\n    emulator: .mcstate/local.db\n")
    (tmp_path / "definitions/all.yaml").write_text(
        "---\n".join(
            [DATA_EXTENSIONS, importing("crm", "customers", "add_only", extra="ignore_rules: [nope]\n")]
        )
    )
    result = subprocess.run(
        [sys.executable, "-m", "mcstate", "validate"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1 and "all.yaml:" in result.stderr and "nope" in result.stderr
