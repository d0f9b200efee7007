"""The contract of `mcstate retrieve`: retrieve an account into an empty project, then `mcstate plan` against
the same account shows no changes. Through the real CLI, against

* a generated account (mcstate.emulator.generate: hundreds of objects of every kind, odd names, unicode,
  deep folders, every field type) served by `mcstate emulator serve`, and
* the responses recorded from a real account ($MCSTATE_REFERENCE_DIR), served by a small replay server.

What mcstate cannot manage or represent is listed with why, never silently dropped.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from mcstate.emulator.generate import SeedReport, seed_account
from tests.conftest import CLIENT_ID, CLIENT_SECRET, EmulatorProcess, Project, start_emulator
from tests.replay_server import ReplayServer, replay_server

REFERENCE = os.environ.get("MCSTATE_REFERENCE_DIR")
SEED, SIZE = 5, 60
LISTED = re.compile(r"^  (\w+) (.+?): (.+)$")


def account_project(root: Path, base_url: str) -> Project:
    """An empty project whose default target is the account at `base_url`."""
    project = Project(root, None)  # type: ignore[arg-type]  # never asks an emulator for its log
    project.write(
        "mcstate.yaml",
        f"""\
        definitions: definitions
        default_target: account
        targets:
          account:
            auth_url: {base_url}
            client_id: ${{MC_CLIENT_ID}}
            client_secret: ${{MC_CLIENT_SECRET}}
        """,
    )
    (root / "definitions").mkdir()
    return project


def listed(output: str, heading: str) -> dict[tuple[str, str], str]:
    """(kind, key) -> why, from the indented lines under the summary line that starts with `heading`."""
    found: dict[tuple[str, str], str] = {}
    lines = output.splitlines()
    start = next((i for i, line in enumerate(lines) if line.startswith(heading)), None)
    if start is None:
        return found
    for line in lines[start + 1 :]:
        match = LISTED.match(line)
        if match is None:
            break
        found[(match.group(1), match.group(2))] = match.group(3)
    return found


# -- the generated account ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[SeedReport, EmulatorProcess]]:
    db = tmp_path_factory.mktemp("generated") / "account.db"
    report = seed_account(db, seed=SEED, size=SIZE)
    server = start_emulator(db, "--client-id", CLIENT_ID, "--client-secret", CLIENT_SECRET)
    yield report, server
    server.process.terminate()
    server.process.wait(timeout=10)


def test_generated_account_round_trips(tmp_path: Path, generated: tuple[SeedReport, EmulatorProcess]) -> None:
    report, server = generated
    project = account_project(tmp_path, server.base_url)
    server.clear_log()

    retrieved = project.run("retrieve")

    assert retrieved.returncode == 0, retrieved.stdout + retrieved.stderr
    assert "Traceback" not in retrieved.stderr
    assert server.writes() == []
    written = [line for line in retrieved.stdout.splitlines() if line.startswith("+ ")]
    assert len(written) > 250
    for kind in ("DataExtension", "ImportDefinition", "QueryDefinition", "FilterDefinition", "FilterActivity",
                 "DataExtract", "FileTransfer", "Automation", "Folder"):  # fmt: skip
        assert any(line.startswith(f"+ {kind} ") for line in written), kind
    assert len(list((tmp_path / "definitions").rglob("*.sql"))) > 10

    # Everything the generator made that mcstate cannot manage or represent is listed, with why; nothing else.
    cannot_manage = listed(retrieved.stdout, "Cannot manage")
    assert set(cannot_manage) == {(kind, key) for kind, key, _ in report.cannot_manage}
    not_representable = listed(retrieved.stdout, "Retrieve complete")
    assert set(not_representable) == {(kind, key) for kind, key, _ in report.not_representable}
    assert all(cannot_manage.values()) and all(not_representable.values())
    # Counted per kind at the end.
    assert re.search(r"^DataExtension +\d+ +0 +1 +10$", retrieved.stdout, re.MULTILINE)

    planned = project.run("plan", "--detailed-exitcode")

    assert planned.returncode == 0, planned.stdout + planned.stderr
    assert server.writes() == []


def test_a_second_retrieve_writes_nothing_new(
    tmp_path: Path, generated: tuple[SeedReport, EmulatorProcess]
) -> None:
    _, server = generated
    project = account_project(tmp_path, server.base_url)
    first = project.run("retrieve")
    assert first.returncode == 0, first.stderr
    files = {path: path.read_bytes() for path in (tmp_path / "definitions").rglob("*") if path.is_file()}

    again = project.run("retrieve")

    assert again.returncode == 0, again.stderr
    assert not [line for line in again.stdout.splitlines() if line.startswith("+ ")]
    assert {
        path: path.read_bytes() for path in (tmp_path / "definitions").rglob("*") if path.is_file()
    } == files
    overwritten = project.run("retrieve", "--overwrite")
    assert overwritten.returncode == 0, overwritten.stderr
    assert {
        path: path.read_bytes() for path in (tmp_path / "definitions").rglob("*") if path.is_file()
    } == files


# -- the recorded account -----------------------------------------------------------------------------------


needs_recordings = pytest.mark.skipif(not REFERENCE, reason="MCSTATE_REFERENCE_DIR is not set")


@pytest.fixture
def recorded() -> Iterator[ReplayServer]:
    assert REFERENCE
    with replay_server(Path(REFERENCE)) as replay:
        yield replay


@needs_recordings
def test_recorded_account_round_trips(tmp_path: Path, recorded: ReplayServer) -> None:
    project = account_project(tmp_path, recorded.base_url)

    retrieved = project.run("retrieve")

    assert retrieved.returncode == 0, retrieved.stdout + retrieved.stderr
    assert {"Retrieve DataFolder", "Retrieve DataExtension", "Retrieve DataExtensionField"} <= set(
        recorded.requests
    )
    # The recorded data extension lives in the parent's Shared Data Extensions folder: from this business
    # unit it cannot be managed, and it is listed as such.
    cannot = listed(retrieved.stdout, "Cannot manage")
    assert cannot[("DataExtension", "testExisting_dataExtensionShared")].startswith("a shared data extension")
    # The rest round-trips: the recorded file transfer is written; the recorded extract names a data
    # extension the account does not have, and is listed.
    assert "+ FileTransfer testExisting_fileTransfer: " in retrieved.stdout
    unrepresentable = listed(retrieved.stdout, "Retrieve complete")
    assert "testExisting_dataExtension" in unrepresentable[("DataExtract", "testExisting_dataExtract")]

    planned = project.run("plan", "--detailed-exitcode")

    assert planned.returncode == 0, planned.stdout + planned.stderr
    assert recorded.writes == []


@needs_recordings
def test_recorded_data_extension_round_trips_where_it_is_owned(tmp_path: Path) -> None:
    """The recorded data extension as its own business unit sees it (in the Data Extensions folder): its
    sendable relationship (_SubscriberKey), retention, lengths and required fields round-trip."""
    assert REFERENCE

    def owned(object_type: str, text: str) -> str:
        if object_type == "DataExtension":
            return text.replace("<CategoryID>89356</CategoryID>", "<CategoryID>89355</CategoryID>")
        return text

    with replay_server(Path(REFERENCE), owned) as replay:
        project = account_project(tmp_path, replay.base_url)

        retrieved = project.run("retrieve", "--kind", "DataExtension")

        assert retrieved.returncode == 0, retrieved.stdout + retrieved.stderr
        (definition,) = (tmp_path / "definitions" / "data_extensions").glob("*.yaml")
        text = definition.read_text(encoding="utf-8")
        assert "key: testExisting_dataExtensionShared" in text
        assert "subscriber_field: Subscriber Key" in text
        assert "policy: individual_records" in text

        planned = project.run("plan", "--detailed-exitcode")

        assert planned.returncode == 0, planned.stdout + planned.stderr
        assert replay.writes == []
