"""`mcstate test` through the real CLI on the repository's example: its integration tests pass; a wrong
expectation fails with a readable row diff and JUnit XML; a broken test file is reported at its line
before anything runs."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path
from xml.etree import ElementTree

import pytest

REPOSITORY = Path(__file__).resolve().parent.parent


@pytest.fixture
def example(tmp_path: Path) -> Path:
    for folder in ("definitions", "mcstate-tests"):
        shutil.copytree(REPOSITORY / folder, tmp_path / folder)
    (tmp_path / "mcstate.yaml").write_text(
        "definitions: definitions\ntests: mcstate-tests\n"
        "targets:\n  local:\n    emulator: .mcstate/local.db\n",
        encoding="utf-8",
    )
    return tmp_path


def mcstate(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mcstate", *args], cwd=root, capture_output=True, text=True, timeout=300
    )


def test_the_examples_integration_tests_pass(example: Path) -> None:
    result = mcstate(example, "test", "--junit", "results.xml")
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.splitlines()[-1] == "3 passed, 0 failed."
    suite = ElementTree.parse(example / "results.xml").getroot().find("testsuite")
    assert suite is not None and (suite.get("tests"), suite.get("failures")) == ("3", "0")


def test_a_wrong_expectation_fails_with_a_readable_row_diff(example: Path) -> None:
    (example / "mcstate-tests/fixtures/wrong.csv").write_text(
        "SubscriberKey,City,Region\nC1,Lyon,Rhone\nC2,Nice,Nice\nC9,Metz,Grand Est\n", encoding="utf-8"
    )
    (example / "mcstate-tests/wrong.test.yaml").write_text(
        "name: a wrong expectation\n"
        "given:\n  now: 2026-01-05T02:00:00\n"
        "  files: {Import/crm_customers_20260105.csv: fixtures/crm_customers.csv}\n"
        "  rows: {nto_newsletter_subscribers: fixtures/newsletter.csv}\n"
        "run: [ImportDefinition.nto_import_crm_customers,\n"
        "      QueryDefinition.nto_segment_subscribers_by_region]\n"
        "expect:\n  rows:\n    nto_subscribers_by_region: fixtures/wrong.csv\n",
        encoding="utf-8",
    )
    result = mcstate(example, "test", "mcstate-tests/wrong.test.yaml", "--junit", "results.xml")
    assert result.returncode == 1, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("FAIL a wrong expectation (mcstate-tests/wrong.test.yaml")
    assert "  rows of nto_subscribers_by_region differ from fixtures/wrong.csv" in lines
    assert "    expected 3 row(s), found 2" in lines
    assert "    missing (expected, not found) (1):" in lines
    assert "      SubscriberKey='C9', City='Metz', Region='Grand Est'" in lines
    assert "      SubscriberKey='C1': Region expected 'Rhone', found 'Auvergne'" in lines
    assert lines[-1] == "0 passed, 1 failed."
    failure = ElementTree.parse(example / "results.xml").getroot().find("testsuite/testcase/failure")
    assert failure is not None and "differ from fixtures/wrong.csv" in (failure.get("message") or "")


def test_a_broken_test_file_is_reported_at_its_line_before_anything_runs(example: Path) -> None:
    (example / "mcstate-tests/broken.test.yaml").write_text(
        "name: broken\nrun: [Email.welcome]\n"
        "expect:\n  rows:\n    nto_customers: fixtures/none.csv\n  colour: red\n",
        encoding="utf-8",
    )
    result = mcstate(example, "test")
    assert result.returncode == 1
    assert "mcstate-tests/broken.test.yaml:6:3" in result.stderr and "colour" in result.stderr
    assert "PASS" not in result.stdout
    (example / "mcstate-tests/broken.test.yaml").write_text(
        "name: broken\nrun: QueryDefinition.x\nexpect:\n  rows:\n    nto_customers: fixtures/none.csv\n",
        encoding="utf-8",
    )
    missing = mcstate(example, "test")
    assert missing.returncode == 1
    assert "mcstate-tests/broken.test.yaml:5:20: fixture fixtures/none.csv" in missing.stderr


def test_file_area_paths_cannot_leave_the_area(example: Path) -> None:
    (example / "mcstate-tests/escape.test.yaml").write_text(
        "name: escape\nrun: QueryDefinition.nto_segment_subscribers_by_region\n"
        "expect:\n  files:\n    ../../../mcstate.yaml: {exists: true}\n",
        encoding="utf-8",
    )
    result = mcstate(example, "test")
    assert result.returncode == 1
    assert "mcstate-tests/escape.test.yaml:5:" in result.stderr and "without '..'" in result.stderr
