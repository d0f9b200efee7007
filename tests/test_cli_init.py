"""`mcstate init`: a new project that validates, plans against the embedded emulator and passes its own
integration test at once; an existing project is never overwritten."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def mcstate(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mcstate", *args], cwd=root, capture_output=True, text=True, timeout=120
    )


def test_init_makes_a_project_that_plans_and_tests(tmp_path: Path) -> None:
    made = mcstate(tmp_path, "init", "project")
    assert made.returncode == 0, made.stderr
    root = tmp_path / "project"
    for relative in ("mcstate.yaml", ".gitignore", "definitions/data_extensions/customers.yaml",
                     "schemas/data_extension.schema.json", "tests/customers.test.yaml"):  # fmt: skip
        assert (root / relative).is_file(), relative
    assert mcstate(root, "validate").returncode == 0
    planned = mcstate(root, "plan", "--detailed-exitcode")
    assert planned.returncode == 2 and "Plan: 2 to create" in planned.stdout
    tested = mcstate(root, "test")
    assert tested.returncode == 0, tested.stdout + tested.stderr
    again = mcstate(tmp_path, "init", "project")
    assert again.returncode == 1 and "already a project" in again.stderr


def test_completion_and_version_are_offered() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "mcstate", "--help"], capture_output=True, text=True, timeout=60
    )
    assert "--install-completion" in result.stdout and "--version" in result.stdout
