"""The GitHub workflows: valid against GitHub's workflow schema, and in step with the command line."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
WORKFLOWS = ROOT / ".github" / "workflows"
# A command line of a run script: mcstate first on its line, continued by a trailing backslash.
MCSTATE_CALL = re.compile(r"^\s*mcstate ((?:[^\n\\]|\\\n)+)", re.MULTILINE)


def check_jsonschema(*args: str) -> subprocess.CompletedProcess[str]:
    """check-jsonschema comes with the test extra (.ci/run installs it): a missing one is a failure, never
    a reason to skip, or broken workflows would pass unnoticed."""
    try:
        import check_jsonschema  # noqa: F401
    except ImportError:
        pytest.fail("check-jsonschema is not installed: pip install -e '.[test]'")
    return subprocess.run(
        [sys.executable, "-m", "check_jsonschema", "--builtin-schema", "vendor.github-workflows", *args],
        capture_output=True,
        text=True,
        timeout=120,
    )


def workflow(name: str) -> dict[str, Any]:
    data = yaml.safe_load((WORKFLOWS / name).read_text(encoding="utf-8"))
    # YAML 1.1 reads the key `on` as True.
    data["on"] = data.pop(True, data.get("on"))
    return data


def test_every_workflow_passes_the_github_workflow_schema() -> None:
    files = sorted(WORKFLOWS.glob("*.yml")) + sorted(WORKFLOWS.glob("*.yaml"))
    assert {f.name for f in files} >= {"test.yml", "plan.yml", "apply.yml", "drift.yml"}
    result = check_jsonschema(*(str(f) for f in files))
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_schema_check_catches_a_broken_workflow(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yml"
    broken.write_text("on: push\njobs:\n  x:\n    runs-on: ubuntu-latest\n    stepz: []\n", encoding="utf-8")
    assert check_jsonschema(str(broken)).returncode != 0


def test_plan_runs_on_pull_requests_and_keeps_one_comment() -> None:
    plan = workflow("plan.yml")
    assert "pull_request" in plan["on"]
    assert plan["permissions"]["pull-requests"] == "write"
    text = (WORKFLOWS / "plan.yml").read_text(encoding="utf-8")
    assert "<!-- mcstate-plan -->" in text and "updateComment" in text
    assert "actions/upload-artifact" in text and "plan.json" in text


def test_apply_runs_on_main_one_at_a_time_with_credentials_from_secrets() -> None:
    apply = workflow("apply.yml")
    assert apply["on"]["push"]["branches"] == ["main"]
    assert apply["concurrency"]["cancel-in-progress"] is False
    env = apply["jobs"]["apply"]["env"]
    assert env["MC_CLIENT_ID"] == "${{ secrets.MC_CLIENT_ID }}"
    assert env["MC_CLIENT_SECRET"] == "${{ secrets.MC_CLIENT_SECRET }}"
    assert "--auto-approve" in (WORKFLOWS / "apply.yml").read_text(encoding="utf-8")


def test_drift_runs_on_a_schedule_and_by_hand_and_keeps_one_labelled_issue() -> None:
    drift = workflow("drift.yml")
    assert drift["on"]["schedule"] and "workflow_dispatch" in drift["on"]
    assert drift["permissions"]["issues"] == "write"
    text = (WORKFLOWS / "drift.yml").read_text(encoding="utf-8")
    assert "mcstate-drift" in text and "state: 'closed'" in text


@pytest.mark.parametrize("name", ["plan.yml", "apply.yml", "drift.yml"])
def test_every_mcstate_call_uses_options_the_command_has(name: str) -> None:
    calls = MCSTATE_CALL.findall((WORKFLOWS / name).read_text(encoding="utf-8"))
    assert calls
    for call in calls:
        words = shlex.split(call.replace("\\\n", " ").split(">")[0].split("2>")[0])
        command, options = words[0], [w for w in words[1:] if w.startswith("--")]
        result = subprocess.run(
            [sys.executable, "-m", "mcstate", command, "--help"],
            capture_output=True,
            text=True,
            timeout=60,
            env={"COLUMNS": "200", "PATH": ""},
        )
        assert result.returncode == 0, result.stderr
        for option in options:
            assert option in result.stdout, f"{name}: mcstate {command} has no {option}"
