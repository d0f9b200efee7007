"""References to objects no definition declares: a warning at validate (they must exist in the account),
an error at plan when the account has none either; both name the closest declared key."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

DEFINITIONS = """\
kind: DataExtension
key: customers
name: Customers
fields:
  - {name: Id, type: Text, length: 50, primary_key: true}
---
kind: ImportDefinition
key: crm
name: crm
destination: customer
file_spec: crm_%%YEAR%%%%MONTH%%%%DAY%%.csv
"""


def mcstate(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mcstate", *args], cwd=root, capture_output=True, text=True, timeout=120
    )


def test_a_reference_to_an_undeclared_object_warns_then_fails_with_did_you_mean(tmp_path: Path) -> None:
    (tmp_path / "mcstate.yaml").write_text("targets:\n  local:\n    emulator: .mcstate/local.db\n")
    (tmp_path / "definitions").mkdir()
    (tmp_path / "definitions/all.yaml").write_text(DEFINITIONS)
    validated = mcstate(tmp_path, "validate")
    assert validated.returncode == 0
    assert (
        "warning: definitions/all.yaml:10:14: destination: DataExtension 'customer' is not defined here; "
        "it must exist in the account (did you mean 'customers'?)" in validated.stderr
    )
    planned = mcstate(tmp_path, "plan")
    assert planned.returncode == 1
    assert "is neither defined nor present in the account (did you mean 'customers'?)" in planned.stderr
    (tmp_path / "definitions/all.yaml").write_text(
        DEFINITIONS.replace("destination: customer\n", "destination: customers\n")
    )
    assert "not defined here" not in mcstate(tmp_path, "validate").stderr
