"""One apply at a time per account: two real `mcstate` processes against one `mcstate emulator serve`."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import (
    CLIENT_ID,
    CLIENT_SECRET,
    EmulatorProcess,
    Project,
    emulator_project,
    start_emulator,
)

DATA_EXTENSIONS = 6
LOCK_ID = re.compile(r"mcstate unlock ([0-9a-f-]{36})")


@pytest.fixture
def slow_emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmulatorProcess]:
    """An account whose second Create of data extensions (the first is the lock's own data extension, the
    second the project's) answers 6 s late, so that an apply holds the lock long enough to be overtaken."""
    folder = tmp_path_factory.mktemp("slow")
    profile = folder / "slow.yaml"
    profile.write_text(
        "rules:\n  - {operation: Create, object_type: DataExtension, nth: 2, effect: delay, delay_ms: 6000}\n"
    )
    server = start_emulator(folder / "account.db", "--faults", str(profile))
    yield server
    server.process.terminate()
    server.process.wait(timeout=10)


@pytest.fixture
def locked_project(tmp_path: Path, slow_emulator: EmulatorProcess) -> Project:
    result = emulator_project(tmp_path, slow_emulator)
    for number in range(DATA_EXTENSIONS):
        result.write(
            f"definitions/de_{number}.yaml",
            f"""\
            kind: DataExtension
            key: de_{number}
            name: DE {number}
            fields:
              - {{name: id, type: Text, length: 50, primary_key: true}}
            """,
        )
    return result


def start(project: Project, *args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    environment = {**os.environ, "MC_CLIENT_ID": CLIENT_ID, "MC_CLIENT_SECRET": CLIENT_SECRET}
    environment["NO_COLOR"] = "1"
    return subprocess.Popen(
        [sys.executable, "-m", "mcstate", *args],
        cwd=project.root,
        env={**environment, **(env or {})},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_for_lock(project: Project, holder: subprocess.Popen[str]) -> None:
    """Until the holder has created the lock row (read through the service like any client would)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        rows = project.run("rows", "mcstate_lock", "--format", "csv")
        if rows.returncode == 0 and "apply" in rows.stdout:
            return
        assert holder.poll() is None, holder.communicate()
        time.sleep(0.1)
    raise AssertionError("the first apply never took the lock")


def kill_elsewhere(project: Project, holder: subprocess.Popen[str]) -> None:
    """Kill the holder, and make its lock row say it ran on another machine (a lost CI runner): a dead
    holder on this machine is seen to be dead, one elsewhere only by expiry."""
    holder.send_signal(signal.SIGKILL)
    holder.communicate(timeout=30)
    [row] = json.loads(project.run("rows", "mcstate_lock", "--format", "json").stdout)
    project.emulator.admin(
        "POST", "_emulator/dataextensions/mcstate_lock/rows?replace=true", [{**row, "Host": "ci-runner-7"}]
    )


def created_keys(project: Project) -> list[str]:
    result = project.run("plan", "--format", "json")
    assert result.returncode == 0, result.stderr
    return [line for line in result.stdout.splitlines() if '"action": "create"' in line]


def test_a_second_apply_fails_at_once_naming_the_holder_then_waits_with_lock_timeout(
    locked_project: Project,
) -> None:
    first = start(locked_project, "apply", "--auto-approve")
    wait_for_lock(locked_project, first)

    waiting = start(locked_project, "apply", "--auto-approve", "--lock-timeout", "60")
    refused = locked_project.run("apply", "--auto-approve")
    assert refused.returncode == 1
    assert "is locked by apply by" in refused.stderr
    assert "mcstate unlock" in refused.stderr and "Traceback" not in refused.stderr

    first_out, first_err = first.communicate(timeout=60)
    waiting_out, waiting_err = waiting.communicate(timeout=60)
    assert first.returncode == 0, first_err
    assert f"Apply complete: {DATA_EXTENSIONS} created" in first_out
    # The waiting apply planned again under the lock: the first one had made everything.
    assert waiting.returncode == 0, waiting_err
    assert "Waiting for the account's lock" in waiting_err
    assert "No changes." in waiting_out
    assert locked_project.run("rows", "mcstate_lock", "--format", "csv").stdout.strip() == (
        "Name,LockID,Holder,Host,Process,Command,AcquiredAt,ExpiresAt"
    )


def test_the_lock_of_an_apply_killed_elsewhere_is_broken_by_unlock_and_the_next_apply_converges(
    locked_project: Project,
) -> None:
    first = start(locked_project, "apply", "--auto-approve")
    wait_for_lock(locked_project, first)
    kill_elsewhere(locked_project, first)

    refused = locked_project.run("apply", "--auto-approve")
    assert refused.returncode == 1
    lock_id = LOCK_ID.search(refused.stderr)
    assert lock_id, refused.stderr

    wrong = locked_project.run("unlock", "00000000-0000-0000-0000-000000000000")
    assert wrong.returncode == 1 and lock_id.group(1) in wrong.stderr

    unlocked = locked_project.run("unlock", lock_id.group(1))
    assert unlocked.returncode == 0, unlocked.stderr
    assert lock_id.group(1) in unlocked.stdout

    converged = locked_project.run("apply", "--auto-approve")
    assert converged.returncode == 0, converged.stderr
    assert created_keys(locked_project) == []
    again = locked_project.run("unlock", lock_id.group(1))
    assert again.returncode == 1 and "not locked" in again.stderr


def test_an_expired_lock_is_taken_over(locked_project: Project) -> None:
    first = start(locked_project, "apply", "--auto-approve", env={"MCSTATE_LOCK_EXPIRY_SECONDS": "2"})
    wait_for_lock(locked_project, first)
    kill_elsewhere(locked_project, first)

    taken_over = locked_project.run("apply", "--auto-approve", "--lock-timeout", "30")
    assert taken_over.returncode == 0, taken_over.stderr
    assert created_keys(locked_project) == []


def test_the_lock_of_an_apply_killed_on_this_machine_is_taken_over_at_once(locked_project: Project) -> None:
    first = start(locked_project, "apply", "--auto-approve")
    wait_for_lock(locked_project, first)
    first.send_signal(signal.SIGKILL)
    first.communicate(timeout=30)

    converged = locked_project.run("apply", "--auto-approve")
    assert converged.returncode == 0, converged.stderr
    assert created_keys(locked_project) == []


def test_an_apply_without_changes_takes_no_lock(project: Project) -> None:
    project.write(
        "definitions/one.yaml",
        """\
        kind: DataExtension
        key: one
        name: One
        fields:
          - {name: id, type: Text, length: 50, primary_key: true}
        """,
    )
    assert project.run("apply", "--auto-approve").returncode == 0
    project.emulator.clear_log()
    second = project.run("apply", "--auto-approve")
    assert second.returncode == 0, second.stderr
    assert project.emulator.writes() == []
