"""The repository's own example (the Northern Trail Outfitters integration) applies cleanly and converges."""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.conftest import Project

REPOSITORY = Path(__file__).resolve().parent.parent


def test_the_example_definitions_apply_and_converge(project: Project) -> None:
    shutil.rmtree(project.root / "definitions")
    shutil.copytree(REPOSITORY / "definitions", project.root / "definitions")

    plan = project.run("plan", "--detailed-exitcode")
    assert plan.returncode == 2, plan.stderr
    for kind in (
        "Folder",
        "DataExtension",
        "ImportDefinition",
        "QueryDefinition",
        "FilterDefinition",
        "DataExtract",
        "FileTransfer",
        "Automation",
    ):
        assert f"\n{kind}\n" in plan.stdout, kind
    assert "0 destructive" in plan.stdout

    applied = project.run("apply", "--auto-approve")
    assert applied.returncode == 0, applied.stdout + applied.stderr
    again = project.run("plan", "--detailed-exitcode")
    assert again.returncode == 0, again.stdout + again.stderr
    project.emulator.clear_log()
    assert project.run("apply", "--auto-approve").returncode == 0
    writes = [
        e
        for e in project.emulator.requests_log()
        if e["operation"] in {"Create", "Update", "Delete", "POST", "PATCH", "PUT", "DELETE"}
    ]
    assert writes == []
