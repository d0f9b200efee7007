"""One set of definitions for an enterprise of business units, through the real CLI against an emulated
enterprise (`mcstate emulator seed --business-units 2`): a parent with shared data extensions and two child
business units generated alike, each a target selected by its account_id."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from mcstate.emulator.store import Store

CONFIG = """\
definitions: definitions
default_target: development
vars: {market: north}
targets:
  enterprise:
    emulator: enterprise.db
  development:
    emulator: enterprise.db
    account_id: 100000002
  production:
    emulator: enterprise.db
    account_id: "100000003"
    vars: {market: south}
"""

DEFINITIONS = {
    "customers.yaml": """\
kind: DataExtension
key: customers
name: Customers
description: "Customers of the ${var.market} market"
fields:
  - {name: SubscriberKey, type: Text, length: 254, primary_key: true}
  - {name: Email, type: EmailAddress}
""",
    "pilot.yaml": """\
kind: DataExtension
key: pilot
name: Pilot
targets: [development]
fields:
  - {name: Id, type: Text, length: 20, primary_key: true}
""",
    "headquarters.yaml": """\
kind: DataExtension
key: headquarters_only
name: Headquarters only
targets: [enterprise]
fields:
  - {name: Id, type: Text, length: 20, primary_key: true}
""",
    "from_shared.yaml": """\
kind: QueryDefinition
key: from_shared
name: Customers from the shared preferences
target: customers
update_type: overwrite
sql: |
  SELECT p.SubscriberKey, p.Email
  FROM ENT.[Shared Preferences] p
""",
}


def mcstate(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mcstate", *args], cwd=root, capture_output=True, text=True, timeout=180
    )


def enterprise(root: Path) -> Path:
    seeded = mcstate(
        root, "emulator", "seed", "--db", "enterprise.db", "--business-units", "2", "--size", "5"
    )
    assert seeded.returncode == 0, seeded.stderr
    assert (
        "Business Unit 1: MID 100000002" in seeded.stdout
        and "Business Unit 2: MID 100000003" in seeded.stdout
    )
    (root / "mcstate.yaml").write_text(CONFIG)
    (root / "definitions").mkdir()
    for name, text in DEFINITIONS.items():
        (root / "definitions" / name).write_text(text)
    for target in ("enterprise", "development", "production"):
        applied = mcstate(root, "apply", "--target", target, "--auto-approve")
        assert applied.returncode == 0, applied.stdout + applied.stderr
    return root


def test_a_child_sees_its_own_objects_and_the_parents_shared_ones(tmp_path: Path) -> None:
    root = enterprise(tmp_path)
    for target, mid in (("enterprise", 100000001), ("development", 100000002), ("production", 100000003)):
        log = Store(root / "enterprise.db")
        log.clear_requests()
        again = mcstate(root, "plan", "--target", target, "--detailed-exitcode")
        assert again.returncode == 0, again.stdout + again.stderr
        # Every call of the plan, the token request included, went to the target's business unit.
        assert {entry["mid"] for entry in log.requests()} == {mid}
        log.close()
    retrieved = mcstate(
        root, "retrieve", "--target", "development", "--kind", "DataExtension", "--out", "seen", "--overwrite"
    )
    assert retrieved.returncode == 0, retrieved.stderr
    written = {path.stem for path in (root / "seen").rglob("*.yaml")}
    assert {"customers", "pilot"} <= written
    assert "headquarters_only" not in written  # the parent's own objects are not the child's
    shared = [line for line in retrieved.stdout.splitlines() if "a shared data extension" in line]
    assert sorted(line.split()[1].rstrip(":") for line in shared) == [
        "global_suppression",
        "shared_preferences",
        "shared_stores",
    ]
    ran = mcstate(root, "run", "--target", "development", "QueryDefinition.from_shared")
    assert ran.returncode == 0, ran.stdout + ran.stderr  # a child's query reads the shared data extension
    wrong = DEFINITIONS["from_shared.yaml"].replace("p.Email", "p.Emial AS Email")
    (root / "definitions" / "from_shared.yaml").write_text(wrong)
    checked = mcstate(root, "plan", "--target", "production")
    assert checked.returncode == 1
    assert (
        "from_shared.yaml:7:27:" in checked.stderr
        and "'Shared Preferences' has no such field" in checked.stderr
    )
    (root / "definitions" / "from_shared.yaml").write_text(DEFINITIONS["from_shared.yaml"])
    production = mcstate(
        root, "retrieve", "--target", "production", "--kind", "DataExtension", "--out", "prod", "--overwrite"
    )
    assert production.returncode == 0, production.stderr
    assert "pilot" not in {path.stem for path in (root / "prod").rglob("*.yaml")}


def test_diff_between_two_children_reports_exactly_the_differences_made_on_purpose(tmp_path: Path) -> None:
    root = enterprise(tmp_path)
    result = mcstate(root, "diff", "--target", "development", "--against", "production", "--format", "json")
    assert result.returncode == 2, result.stdout + result.stderr
    report = json.loads(result.stdout)
    differences = {(d["kind"], d["key"]): d for d in report["differences"]}
    assert set(differences) == {("DataExtension", "customers"), ("DataExtension", "pilot")}
    customers = differences[("DataExtension", "customers")]
    assert [(a["path"], a["left"], a["right"]) for a in customers["attributes"]] == [
        ("description", "Customers of the north market", "Customers of the south market")
    ]
    assert customers["planned_in"] == []
    assert differences[("DataExtension", "pilot")]["only_in"] == "development"


def test_an_account_id_the_enterprise_does_not_have_is_refused_with_the_fix(tmp_path: Path) -> None:
    root = enterprise(tmp_path)
    config = (root / "mcstate.yaml").read_text().replace('"100000003"', "100000009")
    (root / "mcstate.yaml").write_text(config)
    refused = mcstate(root, "plan", "--target", "production")
    assert refused.returncode == 1
    assert "account_id 100000009 is a business unit" in refused.stderr
    assert "Traceback" not in refused.stderr


def test_reset_empties_every_business_unit_and_keeps_them(tmp_path: Path) -> None:
    seeded = mcstate(
        tmp_path, "emulator", "seed", "--db", "enterprise.db", "--business-units", "2", "--size", "5"
    )
    assert seeded.returncode == 0, seeded.stderr
    reset = mcstate(tmp_path, "emulator", "reset", "--db", "enterprise.db")
    assert reset.returncode == 0, reset.stderr
    assert "(and its 2 child business unit(s)) reset" in reset.stdout
    (tmp_path / "mcstate.yaml").write_text(CONFIG)
    (tmp_path / "definitions").mkdir()
    for target in ("enterprise", "development", "production"):
        retrieved = mcstate(
            tmp_path, "retrieve", "--target", target, "--kind", "DataExtension", "--out", f"seen_{target}"
        )
        assert retrieved.returncode == 0, retrieved.stdout + retrieved.stderr
        assert not list((tmp_path / f"seen_{target}").rglob("*.yaml")), target
