"""`mcstate emulator serve --sftp-port`: the file area over SFTP, as a CRM's upload job would use the
Enhanced FTP; an emulator target's file area beside its database."""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import asyncssh
import pytest

from tests.conftest import Project


@dataclass
class Served:
    process: subprocess.Popen[str]
    port: int
    password: str | None
    output: str


def serve(tmp_path: Path, *extra: str, env: dict[str, str] | None = None) -> Served:
    process = subprocess.Popen(
        [sys.executable, "-m", "mcstate", "emulator", "serve", "--port", "0", "--db", "account.db",
         "--sftp-port", "0", *extra],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, **(env or {})},
    )  # fmt: skip
    assert process.stdout is not None
    lines: list[str] = []
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        lines.append(line)
        if "listening on" in line:
            break
    output = "".join(lines)
    port = re.search(r"sftp://mcstate@127\.0\.0\.1:(\d+)/", output)
    assert port, output
    password = re.search(r"password (\S+) \(made for this run", output)
    return Served(process, int(port.group(1)), password.group(1) if password else None, output)


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    running = serve(tmp_path)
    yield running
    running.process.terminate()
    running.process.wait(timeout=10)


def sftp(port: int, password: str, action: str, *paths: str) -> object:
    async def run() -> object:
        async with (
            asyncssh.connect(
                "127.0.0.1", port, username="mcstate", password=password, known_hosts=None
            ) as connection,
            connection.start_sftp_client() as client,
        ):
            if action == "put":
                async with client.open(paths[0], "w") as handle:
                    await handle.write(paths[1])
                return None
            if action == "get":
                async with client.open(paths[0], "r") as handle:
                    return await handle.read()
            return sorted(name for name in await client.listdir(paths[0]) if name not in (".", ".."))

    return asyncio.run(run())


def test_a_file_put_over_sftp_lands_in_the_file_area(served: Served, tmp_path: Path) -> None:
    assert served.password
    assert sftp(served.port, served.password, "list", "/") == ["Export", "Import", "Safehouse"]
    sftp(served.port, served.password, "put", "/Import/customers.csv", "id,email\n1,a@example.com\n")
    assert (tmp_path / "account.files/Import/customers.csv").read_text() == "id,email\n1,a@example.com\n"
    assert sftp(served.port, served.password, "get", "/Import/customers.csv") == "id,email\n1,a@example.com\n"


def test_sftp_stays_inside_the_file_area(served: Served) -> None:
    assert served.password
    assert sftp(served.port, served.password, "list", "/../..") == ["Export", "Import", "Safehouse"]


def test_a_wrong_password_is_refused(served: Served) -> None:
    with pytest.raises(asyncssh.PermissionDenied):
        sftp(served.port, "not-the-password", "list", "/")


def test_a_password_from_the_environment_is_never_printed(tmp_path: Path) -> None:
    running = serve(tmp_path, "--files", "ftp", env={"MCSTATE_EMULATOR_SFTP_PASSWORD": "chosen-secret-42"})
    try:
        assert running.password is None and "chosen-secret-42" not in running.output
        assert sftp(running.port, "chosen-secret-42", "list", "/") == ["Export", "Import", "Safehouse"]
        assert (tmp_path / "ftp" / "Import").is_dir()
    finally:
        running.process.terminate()
        running.process.wait(timeout=10)


def test_an_emulator_targets_file_area_is_beside_its_database(tmp_path: Path) -> None:
    project = Project(tmp_path, None)  # type: ignore[arg-type]
    project.write(
        "mcstate.yaml", "definitions: definitions\ntargets:\n  local:\n    emulator: .mcstate/local.db\n"
    )
    (tmp_path / "definitions").mkdir()
    assert project.run("plan").returncode == 0
    assert sorted(p.name for p in (tmp_path / ".mcstate/local.files").iterdir()) == [
        "Export",
        "Import",
        "Safehouse",
    ]
    project.write(
        "mcstate.yaml",
        "definitions: definitions\ntargets:\n  local:\n    emulator: .mcstate/local.db\n"
        "    files: ../elsewhere\n",
    )
    refused = project.run("plan")
    assert refused.returncode == 1
    assert "files" in refused.stderr and "outside the project" in refused.stderr
    assert not (tmp_path.parent / "elsewhere").exists()


def test_ports_in_use_and_a_file_for_a_folder_are_errors_not_tracebacks(tmp_path: Path) -> None:
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = str(taken.getsockname()[1])
        for extra, message in (
            (["--port", port], f"Error: --port {port}: cannot serve HTTP"),
            (["--port", "0", "--sftp-port", port], f"Error: --sftp-port {port}: cannot serve SFTP"),
            (["--port", "0", "--files", "a-file"], "Error: --files a-file: cannot be the file area"),
            (["--port", "0", "--sftp-port", "70000"], "Invalid value for '--sftp-port'"),
        ):
            (tmp_path / "a-file").write_text("not a folder")
            result = subprocess.run(
                [sys.executable, "-m", "mcstate", "emulator", "serve", "--db", "account.db", *extra],
                cwd=tmp_path,
                capture_output=True,
                text=True,
                timeout=60,
            )
            assert result.returncode == 1, (extra, result.stdout, result.stderr)
            assert message in result.stderr and "Traceback" not in result.stderr, (extra, result.stderr)


def test_mcstate_files_on_an_emulator_target_uses_its_folder(tmp_path: Path) -> None:
    (tmp_path / "mcstate.yaml").write_text("targets:\n  local:\n    emulator: .mcstate/local.db\n")
    (tmp_path / "definitions").mkdir()
    (tmp_path / "crm.csv").write_text("Id\n1\n")

    def mcstate(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "mcstate", *args], cwd=tmp_path, capture_output=True, text=True, timeout=60
        )

    put = mcstate("files", "put", "crm.csv")
    assert put.returncode == 0, put.stderr
    assert (tmp_path / ".mcstate/local.files/Import/crm.csv").read_text() == "Id\n1\n"
    listed = mcstate("files", "list", "Import")
    assert listed.stdout.splitlines() == ["Import/crm.csv  5 bytes"]
    got = mcstate("files", "get", "Import/crm.csv", "copy.csv")
    assert got.returncode == 0 and (tmp_path / "copy.csv").read_text() == "Id\n1\n"
    outside = mcstate("files", "get", "../mcstate.yaml")
    assert outside.returncode == 1 and "cannot contain '..'" in outside.stderr


def test_mcstate_files_on_an_account_target_goes_over_sftp(tmp_path: Path) -> None:
    running = serve(tmp_path / "..", "--sftp-password", "s3cret-sftp")
    try:
        project = tmp_path / "project"
        project.mkdir()
        (project / "definitions").mkdir()
        (project / "mcstate.yaml").write_text(
            "targets:\n  account:\n    auth_url: http://127.0.0.1:1/\n"
            "    client_id: ${MC_CLIENT_ID}\n    client_secret: ${MC_CLIENT_SECRET}\n"
            f"    sftp:\n      host: 127.0.0.1\n      port: {running.port}\n      user: mcstate\n"
            "      password: ${SFTP_PASSWORD}\n"
        )
        (project / "crm.csv").write_text("Id\n7\n")
        env = {**os.environ, "SFTP_PASSWORD": "s3cret-sftp"}

        def mcstate(*args: str, environment: dict[str, str] = env) -> subprocess.CompletedProcess[str]:
            return subprocess.run(
                [sys.executable, "-m", "mcstate", *args],
                cwd=project, env=environment, capture_output=True, text=True, timeout=60,
            )  # fmt: skip

        put = mcstate("files", "put", "crm.csv", "Import")
        assert put.returncode == 0, put.stderr
        assert "Import/crm.csv  5 bytes" in mcstate("files", "list", "Import").stdout
        got = mcstate("files", "get", "Import/crm.csv", "back.csv")
        assert got.returncode == 0 and (project / "back.csv").read_text() == "Id\n7\n"
        for result in (put, got):
            assert "s3cret-sftp" not in result.stdout + result.stderr
        unset = mcstate("files", "list", environment={k: v for k, v in env.items() if k != "SFTP_PASSWORD"})
        assert unset.returncode == 1 and "SFTP_PASSWORD, which is not set" in unset.stderr
    finally:
        running.process.terminate()
        running.process.wait(timeout=10)
