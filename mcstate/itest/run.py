"""Running one integration test: a fresh embedded emulator in a temporary folder, the clock set, the
definitions applied, the given files, rows and tracking loaded, the activities run as `mcstate run` runs
them, and every expectation compared. The engine returns values; render/test_view.py shows them."""

from __future__ import annotations

import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from mcstate import engine
from mcstate.client.account import AccountClient
from mcstate.client.filters import equals
from mcstate.desired import DesiredState
from mcstate.errors import McstateError
from mcstate.itest.compare import Difference, FieldInfo, compare_counts, compare_file, compare_rows
from mcstate.itest.model import IntegrationTest
from mcstate.rows import read_rows
from mcstate.runner import ActivityRun, Runner

RUN_TIMEOUT_SECONDS = 600.0


@dataclass
class TestResult:
    name: str
    file: str
    seconds: float = 0.0
    differences: list[Difference] = field(default_factory=list)
    runs: list[ActivityRun] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.differences


def run_test(desired: DesiredState, test: IntegrationTest) -> TestResult:
    # The emulator is loaded only for tests: other commands never import it.
    from mcstate.connection import embedded_client
    from mcstate.emulator import admin
    from mcstate.emulator.app import EmulatorApp
    from mcstate.emulator.files import FileAreaError
    from mcstate.emulator.run import clock

    result = TestResult(test.name, test.file)
    began = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="mcstate-test-") as folder:
        app = EmulatorApp(Path(folder) / "account.db", files=Path(folder) / "account.files")
        try:
            if test.now is not None:
                clock.set_clock(app.store, test.now, frozen=True)
            client = embedded_client(app)
            outcome = engine.apply(
                engine.plan(desired, client, "test"), desired, client, allow_destructive=False
            )
            if not outcome.report.ok:
                failures = (
                    "; ".join(str(error) for error in outcome.report.failures) or "objects were skipped"
                )
                result.differences.append(Difference(f"the definitions could not be applied: {failures}"))
                return result
            try:
                for path, content in test.files.items():
                    app.files.write(path, content)
                for key, content in test.rows.items():
                    admin.load_rows(app.store, key, admin.records(content, "text/csv"), replace=False)
                for view, content in test.data_views.items():
                    admin.load_data_view(app.store, view, admin.records(content, "text/csv"), replace=False)
            except (FileAreaError, admin.AdminError, LookupError) as error:
                result.differences.append(Difference(f"given: {error}"))
                return result
            try:
                result.runs = Runner(client, timeout=RUN_TIMEOUT_SECONDS).run_all(test.run)
            except McstateError as error:
                result.differences.append(Difference(f"run: {error}"))
                return result
            result.differences += _compare(client, app.files.root, test, result.runs)
        finally:
            app.close()
            result.seconds = time.monotonic() - began
    return result


def _status(test: IntegrationTest, runs: list[ActivityRun]) -> Difference | None:
    failed = [run for run in runs if not run.ok]
    if test.status == "complete" and failed:
        lines = tuple(f"{run.kind}.{run.key}: {run.status}: {_words(run)}" for run in failed)
        return Difference("expected every activity to complete", lines)
    if test.status == "error":
        if not failed:
            return Difference("expected an activity to fail, but every one completed")
        if test.error and not any(test.error in _words(run) for run in failed):
            lines = tuple(f"{run.kind}.{run.key}: {_words(run)}" for run in failed)
            return Difference(f"expected an error containing {test.error!r}", lines)
    return None


def _words(run: ActivityRun) -> str:
    parts = [run.message, *run.row_errors, *(step["message"] for step in run.steps)]
    if run.counts and run.counts.get("errors") and not run.row_errors:
        parts.append(f"{run.counts['errors']} failing row(s)")
    return "; ".join(part for part in parts if part)


def _compare(
    client: AccountClient, files_root: Path, test: IntegrationTest, runs: list[ActivityRun]
) -> list[Difference]:
    differences: list[Difference] = []
    status = _status(test, runs)
    if status is not None:
        differences.append(status)
    for key, expected in test.expect_rows.items():
        try:
            actual = read_rows(client, key)
        except McstateError as error:
            differences.append(Difference(f"rows of {key}: {error}"))
            continue
        if isinstance(expected, int):
            if len(actual.rows) != expected:
                differences.append(
                    Difference(f"rows of {key}: expected {expected}, found {len(actual.rows)}")
                )
            continue
        fixture, content = expected
        fields = [FieldInfo(name, actual.types[name], name in actual.primary_key) for name in actual.columns]
        difference = compare_rows(key, fixture, content, actual.rows, fields)
        if difference is not None:
            differences.append(difference)
    for path, expected_file in test.expect_files.items():
        target = files_root / path
        content = target.read_bytes() if target.is_file() else None
        if isinstance(expected_file, bool):
            if expected_file != (content is not None):
                what = "was not written" if expected_file else "exists"
                differences.append(Difference(f"file {path} {what}"))
            continue
        difference = compare_file(path, expected_file[0], expected_file[1], content)
        if difference is not None:
            differences.append(difference)
    for key, counts in test.expect_imports.items():
        summaries = client.retrieve(
            "ImportResultsSummary",
            ["TaskResultID", "TotalRows", "NumberSuccessful", "NumberErrors", "NumberDuplicated"],
            equals("ImportDefinitionCustomerKey", key),
        )
        last = max(summaries, key=lambda s: int(s.get("TaskResultID") or 0), default=None)
        actual_counts = None
        if last is not None:
            actual_counts = {
                "total": int(last.get("TotalRows") or 0),
                "successful": int(last.get("NumberSuccessful") or 0),
                "errors": int(last.get("NumberErrors") or 0),
                "duplicates": int(last.get("NumberDuplicated") or 0),
            }
        difference = compare_counts(key, counts, actual_counts)
        if difference is not None:
            differences.append(difference)
    return differences
