"""The GitHub workflows: valid against GitHub's workflow schema, and in step with the command line."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
import zipfile
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
    assert apply["on"]["workflow_dispatch"]["inputs"]["pull_request"]["required"] is True
    assert apply["concurrency"]["cancel-in-progress"] is False
    [step] = [s for s in apply["jobs"]["apply"]["steps"] if s.get("id") == "apply"]
    assert step["env"]["MC_CLIENT_ID"] == "${{ secrets.MC_CLIENT_ID }}"
    assert step["env"]["MC_CLIENT_SECRET"] == "${{ secrets.MC_CLIENT_SECRET }}"
    assert "--auto-approve" in step["run"]
    # No fallback: a stale plan is never replaced by a fresh one that nobody reviewed.
    assert "mcstate apply --target" not in step["run"]


ACCOUNT_WORKFLOWS = ("plan.yml", "apply.yml", "drift.yml")
PINNED = re.compile(r"^[\w.-]+/[\w.-]+@[0-9a-f]{40} # v\d+(\.\d+)*$")


@pytest.mark.parametrize("name", ["plan.yml", "apply.yml", "drift.yml", "test.yml"])
def test_third_party_actions_are_pinned_to_commits(name: str) -> None:
    for job in workflow(name)["jobs"].values():
        for step in job["steps"]:
            if "uses" in step:
                line = next(
                    text.strip().removeprefix("- ").removeprefix("uses: ")
                    for text in (WORKFLOWS / name).read_text(encoding="utf-8").splitlines()
                    if text.strip().removeprefix("- ").startswith(f"uses: {step['uses']}")
                )
                assert PINNED.match(line), f"{name}: {line} is not pinned to a commit"


@pytest.mark.parametrize("name", ACCOUNT_WORKFLOWS)
def test_account_workflows_run_only_when_configured_and_give_secrets_to_the_mcstate_step_only(
    name: str,
) -> None:
    [job] = workflow(name)["jobs"].values()
    assert "vars.MCSTATE_TARGET != ''" in job["if"]
    assert "MC_CLIENT_ID" not in job.get("env", {}) and "MC_CLIENT_SECRET" not in job.get("env", {})
    with_secrets = [s for s in job["steps"] if "secrets." in str(s.get("env", {}))]
    assert len(with_secrets) == 1
    [step] = with_secrets
    assert re.search(r"^\s*mcstate (plan|apply|drift) ", step["run"], re.MULTILINE)


def test_init_ci_github_writes_the_account_workflows_installing_the_release(tmp_path: Path) -> None:
    import mcstate

    result = subprocess.run(
        [sys.executable, "-m", "mcstate", "init", "project", "--ci", "github"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    written = tmp_path / "project" / ".github" / "workflows"
    assert sorted(p.name for p in written.iterdir()) == sorted(ACCOUNT_WORKFLOWS)
    for name in ACCOUNT_WORKFLOWS:
        text = (written / name).read_text(encoding="utf-8")
        ours = (WORKFLOWS / name).read_text(encoding="utf-8")
        install = f'python -m pip install --quiet "mcstate=={mcstate.__version__}"'
        assert text == ours.replace("python -m pip install --quiet .", install)
    assert check_jsonschema(*(str(p) for p in written.iterdir())).returncode == 0
    # In an existing project, --ci adds the workflows only; without it, init refuses.
    (written / "drift.yml").unlink()
    again = subprocess.run(
        [sys.executable, "-m", "mcstate", "init", "project", "--ci", "github"],
        cwd=tmp_path, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert again.returncode == 0 and again.stdout.count("wrote") == 1, again.stdout
    refused = subprocess.run(
        [sys.executable, "-m", "mcstate", "init", "project"], cwd=tmp_path, capture_output=True, text=True
    )
    assert refused.returncode == 1 and "already a project" in refused.stderr


def run_step(script: str, root: Path, pull: str) -> tuple[subprocess.CompletedProcess[str], str, str]:
    """A workflow step's bash script, run as the runner runs it, with mcstate of this checkout on PATH."""
    output, summary = root / "github-output", root / "step-summary"
    output.write_text("")
    summary.write_text("")
    env = {
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        "HOME": str(root),
        "MCSTATE_TARGET": "local",
        "MC_CLIENT_ID": "",
        "MC_CLIENT_SECRET": "",
        "SAVED_PLAN_PULL": pull,
        "GITHUB_OUTPUT": str(output),
        "GITHUB_STEP_SUMMARY": str(summary),
        "NO_COLOR": "1",
    }
    result = subprocess.run(
        ["bash", "-e", "-c", script], cwd=root, env=env, capture_output=True, text=True, timeout=120
    )
    return result, output.read_text(), summary.read_text()


def saved_plan_zip(root: Path, plan: Path) -> None:
    """What the artifact download leaves: a zip holding plan.json."""
    with zipfile.ZipFile(root / "saved-plan.zip", "w") as archive:
        archive.write(plan, "plan.json")


def test_a_stale_reviewed_plan_applies_nothing_and_leaves_a_fresh_plan_to_review(tmp_path: Path) -> None:
    mcstate = [sys.executable, "-m", "mcstate"]
    assert subprocess.run([*mcstate, "init", "."], cwd=tmp_path, capture_output=True).returncode == 0
    reviewed = subprocess.run(
        [*mcstate, "plan", "--out", "reviewed.json"], cwd=tmp_path, capture_output=True, text=True
    )
    assert reviewed.returncode == 0, reviewed.stderr
    saved_plan_zip(tmp_path, tmp_path / "reviewed.json")
    # main moved on after the review: another change to the definitions was merged first.
    definition = tmp_path / "definitions" / "data_extensions" / "customers.yaml"
    definition.write_text(definition.read_text().replace("Customers from the CRM", "From the CRM"))
    [step] = [s for s in workflow("apply.yml")["jobs"]["apply"]["steps"] if s.get("id") == "apply"]

    result, output, summary = run_step(step["run"], tmp_path, "7")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "stale=true" in output
    assert "The plan reviewed in #7 is stale: nothing was applied" in result.stdout
    assert "was stale: nothing was applied" in summary
    assert "the definitions changed since the plan was made" in result.stderr
    fresh = (tmp_path / "fresh-plan.md").read_text()
    assert "mcstate plan for target `local`" in fresh and "customers" in fresh
    applied = subprocess.run([*mcstate, "plan", "--detailed-exitcode"], cwd=tmp_path, capture_output=True)
    assert applied.returncode == 2, "the stale plan's step wrote to the account"

    # Re-approved: the fresh plan, saved under the pull request's name, is what a run by hand applies.
    saved_plan_zip(tmp_path, tmp_path / "fresh-plan.json")
    result, output, summary = run_step(step["run"], tmp_path, "7")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "stale" not in output and "Applied the plan reviewed in #7." in summary
    converged = subprocess.run([*mcstate, "plan", "--detailed-exitcode"], cwd=tmp_path, capture_output=True)
    assert converged.returncode == 0


def test_an_empty_secret_says_it_is_empty_with_the_fix(tmp_path: Path) -> None:
    (tmp_path / "mcstate.yaml").write_text(
        "definitions: definitions\ndefault_target: production\ntargets:\n  production:\n"
        "    auth_url: https://example.auth.marketingcloudapis.com/\n"
        "    client_id: ${MC_CLIENT_ID}\n    client_secret: ${MC_CLIENT_SECRET}\n"
    )
    (tmp_path / "definitions").mkdir()
    result = subprocess.run(
        [sys.executable, "-m", "mcstate", "plan"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env={**os.environ, "MC_CLIENT_ID": "", "MC_CLIENT_SECRET": ""},
        timeout=60,
    )
    assert result.returncode == 1
    assert "MC_CLIENT_ID, which is empty. In GitHub Actions, add the repository secret MC_CLIENT_ID" in (
        result.stderr
    )


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
