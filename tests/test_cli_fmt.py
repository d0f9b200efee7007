"""`mcstate fmt [--check]`: definitions in canonical form, layout only, never a value."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

MESSY = """\
# yaml-language-server: $schema=../schemas/data_extension.schema.json
fields:
  - name: id
    primary_key: true
    type: Text
    length: 20
  - {type: 'EmailAddress', name: "email"}
name: 'Customers'
kind: DataExtension
sendable:
  subscriber_field: Subscriber Key
  field: id
key: customers
---
key: nightly
kind: Automation
name: Nightly
steps:
  -
    - import: customers_import
schedule: {recurrence: daily, start: 2026-01-05T02:00, time_zone: Central Standard Time}
"""

CANONICAL = """\
# yaml-language-server: $schema=../schemas/data_extension.schema.json
kind: DataExtension
key: customers
name: Customers
sendable: {field: id, subscriber_field: Subscriber Key}
fields:
  - {name: id, type: Text, length: 20, primary_key: true}
  - {name: email, type: EmailAddress}
---
kind: Automation
key: nightly
name: Nightly
schedule:
  recurrence: daily
  start: 2026-01-05T02:00
  time_zone: Central Standard Time
steps:
  - [{import: customers_import}]
"""

IMPORT = """\
kind: ImportDefinition
key: customers_import
name: Customers import
destination: customers
file_location: ExactTarget Enhanced FTP
file_spec: customers.csv
field_mapping: infer_from_column_headings
update_type: add_and_update
"""


def mcstate(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mcstate", *args], cwd=root, capture_output=True, text=True, timeout=120
    )


def project(tmp_path: Path, messy: str = MESSY) -> Path:
    (tmp_path / "mcstate.yaml").write_text(
        "definitions: definitions\ndefault_target: local\ntargets:\n  local:\n    emulator: local.db\n"
    )
    (tmp_path / "definitions").mkdir()
    (tmp_path / "definitions" / "customers.yaml").write_text(messy)
    (tmp_path / "definitions" / "import.yaml").write_text(IMPORT)
    return tmp_path


def test_the_repositorys_definitions_are_in_canonical_form() -> None:
    result = mcstate(ROOT, "fmt", "--check")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 file(s) would be reformatted" in result.stdout


def test_check_reports_and_changes_nothing_then_fmt_rewrites_only_the_layout(tmp_path: Path) -> None:
    root = project(tmp_path)
    before_plan = mcstate(root, "plan", "--format", "json")
    assert before_plan.returncode == 0, before_plan.stderr

    check = mcstate(root, "fmt", "--check")
    assert check.returncode == 1
    assert "would reformat definitions/customers.yaml" in check.stdout
    assert "import.yaml" not in check.stdout
    assert (root / "definitions" / "customers.yaml").read_text() == MESSY

    formatted = mcstate(root, "fmt")
    assert formatted.returncode == 0, formatted.stderr
    assert "reformatted definitions/customers.yaml" in formatted.stdout
    assert (root / "definitions" / "customers.yaml").read_text() == CANONICAL
    # The same definitions: the same plan.
    assert mcstate(root, "plan", "--format", "json").stdout == before_plan.stdout
    again = mcstate(root, "fmt", "--check")
    assert again.returncode == 0 and "0 file(s) would be reformatted, 2 already" in again.stdout


def test_a_file_with_comments_inside_a_document_is_left_alone_with_a_warning(tmp_path: Path) -> None:
    commented = MESSY.replace("name: 'Customers'\n", "name: 'Customers'  # shown in Contact Builder\n")
    root = project(tmp_path, commented)
    result = mcstate(root, "fmt")
    assert result.returncode == 0, result.stderr
    assert "definitions/customers.yaml is left as it is: it has comments inside a document" in result.stderr
    assert (root / "definitions" / "customers.yaml").read_text() == commented


def test_a_file_that_does_not_parse_is_an_error_at_its_line(tmp_path: Path) -> None:
    root = project(tmp_path, "kind: DataExtension\nkey: [unclosed\n")
    result = mcstate(root, "fmt", "--check")
    assert result.returncode == 1
    assert "definitions/customers.yaml:" in result.stderr and "Traceback" not in result.stderr
