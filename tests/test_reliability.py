"""Faults never duplicate or lose anything: the repository's example applied through an emulator that fails
often (server faults, rate limits, partial batches, connection resets before and after writes, expired
tokens) converges in a bounded number of applies, with every object once and few extra writes; an apply
interrupted or killed half-way is repaired by the next one."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from mcstate.client.account import AccountClient
from mcstate.client.auth import Credentials, TokenSource
from mcstate.client.rest import RestClient
from mcstate.client.soap import SoapClient
from mcstate.desired import lookup_address
from mcstate.emulator.faults import TRANSIENT_EFFECTS
from mcstate.manifest import read_manifest
from mcstate.resources import REGISTRY
from mcstate.resources.base import Live
from tests.conftest import CLIENT_ID, CLIENT_SECRET, EmulatorProcess, Project, start_emulator
from tests.manifest_log import without_manifest

REPOSITORY = Path(__file__).resolve().parent.parent
WRITE_OPERATIONS = {"Create", "Update", "Delete", "POST", "PATCH", "PUT", "DELETE"}
# Fast retries: the emulator's faults pass at once, so waiting would only slow the test down.
RETRIES = "retries: {attempts: 5, initial_delay: 0.01, max_delay: 0.05, total_seconds: 30, timeout: 60}"
# Every call has a 20% chance of one of the transient faults; on top of that, a write has a 40% chance of a
# fault of its own, half of them connection resets (after the service committed the write: the case the
# client cannot know about, or before).
HIGH_FAULT_RATE = 0.2
WRITE_FAULT_RATE = 0.4
WRITE_EFFECTS = ("reset_after", "reset_after", "reset_before", "partial", "rate_limited", "server_fault")
MAX_ROUNDS = 8
# The stated bound: extra write calls (beyond those of the same apply without faults) are at most two per
# fault played on a write call (the call sent again, and a level's objects split over two calls when some
# were skipped behind a failure), plus four per extra apply (the record of managed objects written again,
# and its creation when the first attempt's outcome was lost; the account's lock taken and released).
EXTRA_WRITES_PER_WRITE_FAULT = 2
EXTRA_WRITES_PER_ROUND = 4


@pytest.fixture
def private_emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmulatorProcess]:
    """An emulator of its own: its faults never reach the tests sharing the session's emulator."""
    server = start_emulator(tmp_path_factory.mktemp("reliability") / "account.db")
    yield server
    server.process.terminate()
    server.process.wait(timeout=10)


@pytest.fixture
def example(tmp_path: Path, private_emulator: EmulatorProcess) -> Project:
    """The repository's example definitions, targeting the private emulator with fast retries."""
    project = Project(tmp_path, private_emulator)
    project.write(
        "mcstate.yaml",
        f"""\
        definitions: definitions
        default_target: emulator
        targets:
          emulator:
            auth_url: {private_emulator.base_url}
            client_id: ${{MC_CLIENT_ID}}
            client_secret: ${{MC_CLIENT_SECRET}}
            {RETRIES}
        """,
    )
    shutil.copytree(REPOSITORY / "definitions", tmp_path / "definitions")
    return project


def set_faults(emulator: EmulatorProcess, profile: dict[str, Any] | None) -> dict[str, Any]:
    if profile is None:
        return dict(emulator.admin("DELETE", "_emulator/faults"))
    return dict(emulator.admin("PUT", "_emulator/faults", profile))


def write_calls(emulator: EmulatorProcess) -> int:
    return sum(1 for entry in emulator.requests_log() if entry["operation"] in WRITE_OPERATIONS)


def account_client(emulator: EmulatorProcess) -> AccountClient:
    session = requests.Session()
    tokens = TokenSource(session, emulator.base_url, Credentials(CLIENT_ID, CLIENT_SECRET))
    return AccountClient(SoapClient(session, tokens), RestClient(session, tokens))


def every_object(emulator: EmulatorProcess) -> dict[str, list[Live]]:
    """Every object of every kind the account holds, as a complete read lists them (duplicates kept)."""
    client = account_client(emulator)
    found: dict[str, list[Live]] = {}
    live: dict[str, dict[str, Live]] = {}
    for kind, rtype in REGISTRY.items():
        found[kind] = rtype.read(client, live)
        live[kind] = {lookup_address(kind, obj.key): obj for obj in found[kind]}
    return found


def assert_each_object_once(emulator: EmulatorProcess, project: Project) -> None:
    declared = project.run("validate")
    assert declared.returncode == 0, declared.stderr
    objects = every_object(emulator)
    for kind, items in objects.items():
        twice = [
            key for key, count in Counter(lookup_address(kind, o.key) for o in items).items() if count > 1
        ]
        assert not twice, f"{kind} exists more than once: {twice}"
    # Names are unique too (a create sent twice under a generated key would show here).
    for kind in ("DataExtension", "QueryDefinition", "ImportDefinition", "FilterDefinition", "Automation"):
        names = Counter(str(o.attributes.get("name", "")).casefold() for o in objects[kind])
        assert all(count == 1 for count in names.values()), (kind, names)
    assert_records_only_what_exists(emulator, objects)


def assert_records_only_what_exists(emulator: EmulatorProcess, objects: dict[str, list[Live]]) -> None:
    """The record of managed objects never claims an object the account does not have."""
    present = {lookup_address(kind, o.key) for kind, items in objects.items() for o in items}
    recorded = read_manifest(account_client(emulator))
    assert set(recorded) <= present, set(recorded) - present


def converge(project: Project, rounds: int) -> list[subprocess.CompletedProcess[str]]:
    """Apply until an apply succeeds, at most `rounds` times; every failing apply exits 1 cleanly."""
    runs = []
    for _ in range(rounds):
        result = project.run("apply", "--auto-approve")
        runs.append(result)
        assert result.returncode in (0, 1), result.stdout + result.stderr
        assert "Traceback" not in result.stderr, result.stderr
        if result.returncode == 0:
            break
    return runs


@pytest.mark.parametrize("seed", [2, 5, 8])
def test_the_example_converges_under_heavy_faults_without_duplicates(example: Project, seed: int) -> None:
    emulator = example.emulator
    # What the same apply costs without faults, on a fresh account.
    assert converge(example, 1)[-1].returncode == 0
    baseline = write_calls(emulator)
    emulator.reset()

    profile = {
        "seed": seed,
        "rules": [
            {"operation": "*", "rate": HIGH_FAULT_RATE, "effect": list(TRANSIENT_EFFECTS)},
            {"operation": "write", "rate": WRITE_FAULT_RATE, "effect": list(WRITE_EFFECTS)},
        ],
    }
    set_faults(emulator, profile)
    runs = converge(example, MAX_ROUNDS)
    played = emulator.admin("GET", "_emulator/faults")["fired"]
    set_faults(emulator, None)
    assert runs[-1].returncode == 0, "\n".join(r.stdout + r.stderr for r in runs)

    # The account equals the definitions, and nothing exists twice.
    plan = example.run("plan", "--detailed-exitcode")
    assert plan.returncode == 0, plan.stdout + plan.stderr
    assert_each_object_once(emulator, example)

    write_faults = sum(1 for f in played if f["operation"] in WRITE_OPERATIONS)
    resets_after_writes = sum(
        1 for f in played if f["operation"] in WRITE_OPERATIONS and f["effect"] == "reset_after"
    )
    extra = write_calls(emulator) - baseline
    bound = EXTRA_WRITES_PER_WRITE_FAULT * write_faults + EXTRA_WRITES_PER_ROUND * (len(runs) - 1)
    print(
        f"seed {seed}: {len(runs)} applies, {len(played)} faults ({write_faults} on writes, "
        f"{resets_after_writes} resets after a write), {baseline} writes without faults, {extra} extra "
        f"(bound {bound})"
    )
    # The faults really were heavy, resets after committed writes included.
    assert write_faults >= 5 and resets_after_writes >= 2
    assert extra <= bound


# -- interruptions -------------------------------------------------------------------------------------------


def wait_for_writes(emulator: EmulatorProcess, process: subprocess.Popen[str], count: int) -> None:
    """Until the apply has sent `count` write calls of objects, the account's lock and record left out
    (bounded: the apply would finish by itself before)."""
    for _ in range(3000):
        writes = [entry for entry in emulator.requests_log() if entry["operation"] in WRITE_OPERATIONS]
        if len(without_manifest(writes)) >= count or process.poll() is not None:
            return
        time.sleep(0.02)


@pytest.mark.parametrize("how", ["interrupt", "kill"])
def test_an_interrupted_apply_is_repaired_by_the_next(example: Project, how: str) -> None:
    emulator = example.emulator
    # Every answer slow, so that the apply is still writing when it is stopped.
    set_faults(emulator, {"latency_ms": 150})
    process = subprocess.Popen(
        [sys.executable, "-m", "mcstate", "apply", "--auto-approve"],
        cwd=example.root,
        env={**os.environ, "MC_CLIENT_ID": CLIENT_ID, "MC_CLIENT_SECRET": CLIENT_SECRET, "NO_COLOR": "1"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    wait_for_writes(emulator, process, 2)
    process.send_signal(signal.SIGINT if how == "interrupt" else signal.SIGKILL)
    _, stderr = process.communicate(timeout=60)
    if how == "interrupt":
        assert process.returncode == 130 and "Traceback" not in stderr, stderr
    else:
        assert process.returncode == -signal.SIGKILL
    set_faults(emulator, None)
    assert_records_only_what_exists(emulator, every_object(emulator))

    # Stopped half-way: part of the example is there, the next plan sees what is missing.
    assert example.run("plan", "--detailed-exitcode").returncode == 2
    again = example.run("apply", "--auto-approve")
    assert again.returncode == 0, again.stdout + again.stderr
    plan = example.run("plan", "--detailed-exitcode")
    assert plan.returncode == 0, plan.stdout + plan.stderr
    assert_each_object_once(emulator, example)
