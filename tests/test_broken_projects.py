"""Broken projects through the real CLI: one message per problem, exit 1, no traceback, nothing written.

Each folder of tests/fixtures/broken/ is a project: `definitions/`, optionally its own `mcstate.yaml`
(otherwise the project points at the test emulator over HTTP), `args` (the command, default `plan`),
`network` (`reads` when the problem can only be known after reading the account, e.g. a reference to an
object that is neither defined nor in the account; otherwise no request may reach the emulator at all),
`generate` (the test writes a file too large to keep in the repository) and `expected.txt`, the exact
standard error. After a deliberate change of messages:

    MCSTATE_UPDATE_GOLDEN=1 .venv/bin/pytest tests/test_broken_projects.py
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tests.conftest import Project

BROKEN = Path(__file__).parent / "fixtures" / "broken"
CASES = sorted(path.name for path in BROKEN.iterdir() if path.is_dir())
UPDATE_GOLDEN = os.environ.get("MCSTATE_UPDATE_GOLDEN") == "1"
READS = {"Retrieve", "GET", "/v2/token"}


def write_huge_file(definitions: Path) -> None:
    definitions.mkdir(exist_ok=True)  # git keeps no empty folder, so the case may come without one
    lines = ["kind: DataExtension", "key: huge", "name: Huge", "fields:"]
    lines += [f"  - {{name: Field{index}, type: Text, length: 10}}" for index in range(150_000)]
    (definitions / "huge.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")


@pytest.mark.parametrize("name", CASES)
def test_broken_project_fails_clearly_before_writing(name: str, project: Project) -> None:
    case = BROKEN / name
    shutil.rmtree(project.root / "definitions")
    for item in case.iterdir():
        if item.name in ("expected.txt", "args", "network", "generate"):
            continue
        target = project.root / item.name
        if item.is_dir():
            shutil.copytree(item, target)
        else:
            shutil.copy(item, target)
    if (case / "generate").exists():
        write_huge_file(project.root / "definitions")
    args = (case / "args").read_text().split() if (case / "args").exists() else ["plan"]
    project.emulator.clear_log()

    result = project.run(*args)

    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    expected_file = case / "expected.txt"
    if UPDATE_GOLDEN:
        expected_file.write_text(result.stderr, encoding="utf-8")
    assert result.stderr == expected_file.read_text(encoding="utf-8")
    operations = {str(entry["operation"]) for entry in project.emulator.requests_log()}
    allowed = READS if (case / "network").exists() else set()
    assert operations <= allowed, f"unexpected calls: {sorted(operations - allowed)}"


def test_the_corpus_of_bad_input_is_large() -> None:
    loader_cases = [p for p in (BROKEN.parent / "invalid").iterdir() if p.is_dir()]
    assert len(CASES) + len(loader_cases) >= 40
