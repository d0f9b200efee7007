"""One set of definitions, many targets: vars: in mcstate.yaml, ${var.NAME} in definitions and SQL files,
definitions limited to some targets, and saved plans that remember the values they were made with."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

CONFIG = """\
definitions: definitions
default_target: dev
vars:
  suffix: _dev
  notify: crm-dev@example.com
targets:
  dev:
    emulator: dev.db
    vars: {active: false}
  prod:
    emulator: prod.db
    vars: {suffix: "", active: true, notify: "${NOTIFY_EMAIL}"}
"""

CUSTOMERS = """\
kind: DataExtension
key: customers${var.suffix}
name: Customers${var.suffix}
description: "Errors go to ${var.notify}; written as is: $${var.notify}"
fields:
  - {name: id, type: Text, length: 20, primary_key: true}
  - {name: city, type: Text, length: 50}
"""

DEV_ONLY = """\
kind: DataExtension
key: scratch
name: Scratch
targets: [dev]
fields:
  - {name: id, type: Text, primary_key: true}
"""

QUERY = """\
kind: QueryDefinition
key: cities${var.suffix}
name: Cities${var.suffix}
target: customers${var.suffix}
update_type: overwrite
sql_file: cities.sql
"""

SQL = "SELECT id, city FROM [Customers${var.suffix}] WHERE city <> '${var.notify}'\n"

AUTOMATION = """\
kind: Automation
key: nightly
name: Nightly
active: ${var.active}
steps:
  - [{query: "cities${var.suffix}"}]  # inside { } a reference is quoted
"""


def project(tmp_path: Path) -> Path:
    (tmp_path / "mcstate.yaml").write_text(CONFIG)
    definitions = tmp_path / "definitions"
    definitions.mkdir()
    (definitions / "customers.yaml").write_text(CUSTOMERS)
    (definitions / "scratch.yaml").write_text(DEV_ONLY)
    (definitions / "cities.yaml").write_text(QUERY)
    (definitions / "cities.sql").write_text(SQL)
    (definitions / "nightly.yaml").write_text(AUTOMATION)
    return tmp_path


def mcstate(root: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if k != "NOTIFY_EMAIL"}
    return subprocess.run(
        [sys.executable, "-m", "mcstate", *args],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=120,
        env={**environment, "NO_COLOR": "1", **(env or {})},
    )


PROD = {"NOTIFY_EMAIL": "ops@example.com"}


def planned(root: Path, *args: str, env: dict[str, str] | None = None) -> dict[str, dict[str, object]]:
    result = mcstate(root, "plan", "--format", "json", *args, env=env)
    assert result.returncode == 0, result.stderr
    return {
        f"{c['kind']}:{c['key']}": {"after": {a["path"]: a["after"] for a in c["attributes"]}}
        for c in json.loads(result.stdout)["changes"]
    }


def test_two_targets_plan_their_own_values_from_one_set_of_definitions(tmp_path: Path) -> None:
    root = project(tmp_path)
    dev = planned(root)
    prod = planned(root, "--target", "prod", env=PROD)

    assert set(dev) == {
        "DataExtension:customers_dev",
        "DataExtension:scratch",
        "QueryDefinition:cities_dev",
        "Automation:nightly",
    }
    assert set(prod) == {"DataExtension:customers", "QueryDefinition:cities", "Automation:nightly"}
    description = "Errors go to {}; written as is: ${{var.notify}}"
    assert dev["DataExtension:customers_dev"]["after"]["description"] == description.format(
        "crm-dev@example.com"
    )
    assert prod["DataExtension:customers"]["after"]["description"] == description.format("ops@example.com")
    # A string that is one reference takes the variable's type.
    assert dev["Automation:nightly"]["after"]["active"] is False
    assert prod["Automation:nightly"]["after"]["active"] is True
    # .sql files too.
    assert "FROM [Customers]" in str(prod["QueryDefinition:cities"]["after"]["sql"])
    assert "'ops@example.com'" in str(prod["QueryDefinition:cities"]["after"]["sql"])
    assert "FROM [Customers_dev]" in str(dev["QueryDefinition:cities_dev"]["after"]["sql"])

    # Applied to each target's account, each converges on its own values.
    assert mcstate(root, "apply", "--auto-approve").returncode == 0
    assert mcstate(root, "apply", "--target", "prod", "--auto-approve", env=PROD).returncode == 0
    assert "No changes." in mcstate(root, "plan").stdout
    assert "No changes." in mcstate(root, "plan", "--target", "prod", env=PROD).stdout


def test_an_unknown_or_unset_variable_is_an_error_at_its_line_before_any_call(tmp_path: Path) -> None:
    root = project(tmp_path)
    (root / "definitions" / "customers.yaml").write_text(
        CUSTOMERS.replace("${var.notify}", "${var.notfy}", 1)
    )
    result = mcstate(root, "plan")
    assert result.returncode == 1
    assert (
        "definitions/customers.yaml:4:14: description: unknown variable 'notfy' (did you mean 'notify'?)"
        in result.stderr
    )
    assert not (root / "dev.db").exists(), "the account was opened"

    # `active` is only given by the targets; a target without it cannot plan what uses it.
    (root / "definitions" / "customers.yaml").write_text(CUSTOMERS)
    (root / "mcstate.yaml").write_text(CONFIG.replace("    vars: {active: false}\n", ""))
    unset = mcstate(root, "validate")
    assert unset.returncode == 1
    assert (
        "definitions/nightly.yaml:4:9: active: variable 'active' has no value for target 'dev'"
        in unset.stderr
    )

    (root / "definitions" / "cities.sql").write_text("SELECT id,\n  ${var.citty} AS city FROM [Customers]\n")
    in_sql = mcstate(root, "validate", "--target", "prod", env=PROD)
    assert "SQL file definitions/cities.sql:2:3: unknown variable 'citty'" in in_sql.stderr


def test_validate_checks_one_target_or_every_target(tmp_path: Path) -> None:
    root = project(tmp_path)
    dev = mcstate(root, "validate", "--target", "dev")
    assert dev.returncode == 0 and "valid for target dev: 4 object(s)" in dev.stdout

    every = mcstate(root, "validate", "--all-targets")
    assert every.returncode == 1
    assert "valid for target dev" in every.stdout
    assert (
        "mcstate.yaml:12:38: targets.prod.vars.notify: the environment variable NOTIFY_EMAIL is not set"
        in (every.stderr)
    )
    both = mcstate(root, "validate", "--all-targets", env=PROD)
    assert both.returncode == 0, both.stderr
    assert "valid for target prod: 3 object(s)" in both.stdout


def test_targets_must_name_targets_of_the_project(tmp_path: Path) -> None:
    root = project(tmp_path)
    (root / "definitions" / "scratch.yaml").write_text(DEV_ONLY.replace("[dev]", "[dev, qa]"))
    result = mcstate(root, "validate")
    assert result.returncode == 1
    assert "definitions/scratch.yaml:4:16: targets[1]: 'qa' is not a target of mcstate.yaml" in result.stderr


def test_a_saved_plan_is_refused_when_the_variables_changed(tmp_path: Path) -> None:
    root = project(tmp_path)
    assert mcstate(root, "plan", "--target", "prod", "--out", "plan.json", env=PROD).returncode == 0
    saved = json.loads((root / "plan.json").read_text())
    # A value read from the environment is recorded as a hash, never as itself.
    assert saved["variables"]["notify"].startswith("sha256:") and "ops@example.com" not in json.dumps(
        saved["variables"]
    )
    refused = mcstate(root, "apply", "plan.json", "--auto-approve", env={"NOTIFY_EMAIL": "other@example.com"})
    assert refused.returncode == 1
    assert "the variables changed since the plan was made (notify)" in refused.stderr
    applied = mcstate(root, "apply", "plan.json", "--auto-approve", env=PROD)
    assert applied.returncode == 0, applied.stderr


def test_fmt_keeps_references_as_written(tmp_path: Path) -> None:
    root = project(tmp_path)
    messy = "name: Customers${var.suffix}\n" + CUSTOMERS.replace("name: Customers${var.suffix}\n", "")
    (root / "definitions" / "customers.yaml").write_text(messy)
    before = planned(root)
    result = mcstate(root, "fmt")
    assert result.returncode == 0, result.stderr
    assert "reformatted definitions/customers.yaml" in result.stdout
    assert (root / "definitions" / "customers.yaml").read_text() == CUSTOMERS
    assert planned(root) == before


PROMOTION = """\
definitions: definitions
default_target: dev
vars: {key_suffix: "", automations_on: true}
targets:
  dev:
    emulator: dev.db
    vars: {key_suffix: _dev, automations_on: false}
  qa:
    emulator: qa.db
    vars: {key_suffix: _qa}
  production:
    emulator: production.db
"""


def test_a_promotion_plans_and_applies_one_commit_to_each_business_unit_in_turn(tmp_path: Path) -> None:
    root = project(tmp_path)
    (root / "mcstate.yaml").write_text(PROMOTION)
    (root / "definitions" / "customers.yaml").write_text(CUSTOMERS.replace("${var.notify}", "crm"))
    (root / "definitions" / "cities.sql").write_text("SELECT id, city FROM [Customers${var.key_suffix}]\n")
    for name in ("customers.yaml", "cities.yaml", "nightly.yaml"):
        path = root / "definitions" / name
        path.write_text(
            path.read_text()
            .replace("var.suffix", "var.key_suffix")
            .replace("var.active", "var.automations_on")
        )
    assert mcstate(root, "validate", "--all-targets").returncode == 0

    for target, suffix, active in (("dev", "_dev", False), ("qa", "_qa", True), ("production", "", True)):
        changes = planned(root, "--target", target)
        assert f"DataExtension:customers{suffix}" in changes
        assert ("DataExtension:scratch" in changes) == (target == "dev")
        assert changes["Automation:nightly"]["after"]["active"] is active
        applied = mcstate(root, "apply", "--target", target, "--auto-approve")
        assert applied.returncode == 0, applied.stderr
        assert "No changes." in mcstate(root, "plan", "--target", target).stdout
    # Each business unit's account holds its own objects only.
    rows = mcstate(root, "rows", "mcstate_managed_objects", "--target", "qa", "--format", "json")
    recorded = {row["Key"] for row in json.loads(rows.stdout)}
    assert recorded == {"customers_qa", "cities_qa", "nightly"}
