"""Shared fixtures: a real `mcstate emulator serve` process and projects that point the real CLI at it."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

CLIENT_ID = "test-client-id"
CLIENT_SECRET = "s3cr3t-never-printed"
LISTENING = re.compile(r"listening on (http://\S+/)")
WRITE_OPERATIONS = {"Create", "Update", "Delete"}


@dataclass
class EmulatorProcess:
    base_url: str
    process: subprocess.Popen[str]
    files: Path  # the emulator's file area (beside its database)

    def admin(self, method: str, path: str, body: Any = None) -> Any:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.base_url + path.lstrip("/"), data=data, method=method)
        request.add_header("Content-Type", "application/json")
        with urllib.request.urlopen(request, timeout=10) as response:
            raw = response.read()
        return json.loads(raw) if raw else None

    def reset(self) -> None:
        self.admin("POST", "_emulator/reset")
        self.admin("DELETE", "_emulator/requests")

    def requests_log(self) -> list[dict[str, Any]]:
        return self.admin("GET", "_emulator/requests")

    def clear_log(self) -> None:
        self.admin("DELETE", "_emulator/requests")

    def operations(self) -> list[str]:
        return [str(entry.get("operation")) for entry in self.requests_log()]

    def writes(self) -> list[dict[str, Any]]:
        return [entry for entry in self.requests_log() if entry.get("operation") in WRITE_OPERATIONS]

    def set_rows(self, key: str, count: int) -> None:
        self.admin("PUT", f"_emulator/dataextensions/{key}/rows", {"count": count})


def start_emulator(db: Path, *extra: str) -> EmulatorProcess:
    process = subprocess.Popen(
        [sys.executable, "-m", "mcstate", "emulator", "serve", "--port", "0", "--db", str(db), *extra],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert process.stdout is not None
    line = process.stdout.readline()
    match = LISTENING.search(line)
    if not match:
        process.kill()
        raise RuntimeError(f"the emulator did not start: {line}{process.stdout.read()}")
    return EmulatorProcess(match.group(1), process, db.with_suffix(".files"))


@pytest.fixture(scope="session")
def emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmulatorProcess]:
    server = start_emulator(tmp_path_factory.mktemp("emulator") / "account.db")
    yield server
    server.process.terminate()
    server.process.wait(timeout=10)


@dataclass
class Project:
    root: Path
    emulator: EmulatorProcess

    def write(self, relative: str, text: str) -> Path:
        path = self.root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
        return path

    def remove(self, relative: str) -> None:
        (self.root / relative).unlink()

    def run(
        self, *args: str, env: dict[str, str] | None = None, input: str | None = None
    ) -> subprocess.CompletedProcess[str]:
        environment = {
            **os.environ,
            "MC_CLIENT_ID": CLIENT_ID,
            "MC_CLIENT_SECRET": CLIENT_SECRET,
            "NO_COLOR": "1",
        }
        environment.update(env or {})
        return subprocess.run(
            [sys.executable, "-m", "mcstate", *args],
            cwd=self.root,
            env=environment,
            capture_output=True,
            text=True,
            input=input,
            timeout=120,
        )


@pytest.fixture
def project(tmp_path: Path, emulator: EmulatorProcess) -> Project:
    """An empty project whose default target is the emulator over HTTP, with a fresh account."""
    emulator.reset()
    return emulator_project(tmp_path, emulator)


def emulator_project(root: Path, emulator: EmulatorProcess) -> Project:
    """An empty project in `root` whose default target is `emulator` over HTTP."""
    result = Project(root, emulator)
    result.write(
        "mcstate.yaml",
        f"""\
        definitions: definitions
        default_target: emulator
        targets:
          emulator:
            auth_url: {emulator.base_url}
            client_id: ${{MC_CLIENT_ID}}
            client_secret: ${{MC_CLIENT_SECRET}}
        """,
    )
    (root / "definitions").mkdir()
    return result
