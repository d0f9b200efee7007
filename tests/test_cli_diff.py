"""`mcstate diff --target A --against B`: two accounts compared object by object, against real emulated
accounts (one per target) that the same definitions were applied to."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

CONFIG = """\
definitions: definitions
default_target: qa
vars: {audience: everyone}
targets:
  qa:
    emulator: qa.db
  production:
    emulator: production.db
    vars: {audience: customers}
"""

CUSTOMERS = """\
kind: DataExtension
key: customers
name: Customers
description: "For ${var.audience}"
fields:
  - {name: id, type: Text, length: 20, primary_key: true}
  - {name: city, type: Text, length: 50}
"""

QA_ONLY = """\
kind: DataExtension
key: test_audience
name: Test audience
targets: [qa]
fields:
  - {name: id, type: Text, length: 20, primary_key: true}
"""


def mcstate(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mcstate", *args], cwd=root, capture_output=True, text=True, timeout=120
    )


def accounts(tmp_path: Path) -> Path:
    (tmp_path / "mcstate.yaml").write_text(CONFIG)
    (tmp_path / "definitions").mkdir()
    (tmp_path / "definitions" / "customers.yaml").write_text(CUSTOMERS)
    (tmp_path / "definitions" / "qa_only.yaml").write_text(QA_ONLY)
    for target in ("qa", "production"):
        applied = mcstate(tmp_path, "apply", "--target", target, "--auto-approve")
        assert applied.returncode == 0, applied.stderr
    # Someone widened a field in production by hand: the definitions would take it back there.
    widened = CUSTOMERS.replace("length: 50", "length: 80")
    (tmp_path / "definitions" / "customers.yaml").write_text(widened)
    assert mcstate(tmp_path, "apply", "--target", "production", "--auto-approve").returncode == 0
    (tmp_path / "definitions" / "customers.yaml").write_text(CUSTOMERS)
    return tmp_path


def test_diff_reports_exactly_the_differences_and_which_side_the_definitions_would_change(
    tmp_path: Path,
) -> None:
    root = accounts(tmp_path)
    result = mcstate(root, "diff", "--target", "qa", "--against", "production", "--format", "json")
    assert result.returncode == 2, result.stderr
    report = json.loads(result.stdout)
    differences = {(d["kind"], d["key"]): d for d in report["differences"]}
    assert set(differences) == {("DataExtension", "customers"), ("DataExtension", "test_audience")}

    customers = differences[("DataExtension", "customers")]
    assert customers["only_in"] is None
    paths = {a["path"]: (a["left"], a["right"]) for a in customers["attributes"]}
    assert paths["description"] == ("For everyone", "For customers")  # made on purpose: a variable
    assert set(paths) == {"description", "fields"}
    assert customers["planned_in"] == ["production"]  # the hand-made change; qa matches its definitions

    only = differences[("DataExtension", "test_audience")]
    assert only["only_in"] == "qa" and only["attributes"] == [] and only["planned_in"] == []

    text = mcstate(root, "diff", "--target", "qa", "--against", "production")
    assert text.returncode == 2
    assert '~ description: "For everyone" → "For customers"' in text.stdout
    assert "< test_audience  (only in qa)" in text.stdout
    assert "(the definitions would change it in production)" in text.stdout
    assert "2 object(s) differ: 1 changed, 1 only in qa, 0 only in production" in text.stdout

    markdown = mcstate(root, "diff", "--target", "qa", "--against", "production", "--format", "markdown")
    assert markdown.returncode == 2 and "| DataExtension | `customers` | `description` |" in markdown.stdout


def test_diff_of_the_same_account_or_of_a_kind_without_differences_exits_0(tmp_path: Path) -> None:
    root = accounts(tmp_path)
    same = mcstate(root, "diff", "--target", "qa", "--against", "qa")
    assert same.returncode == 0 and "No differences" in same.stdout
    folders = mcstate(root, "diff", "--target", "qa", "--against", "production", "--kind", "Folder")
    assert folders.returncode == 0, folders.stdout + folders.stderr
    unknown = mcstate(root, "diff", "--target", "qa", "--against", "staging")
    assert unknown.returncode == 1 and "no target named 'staging'" in unknown.stderr
