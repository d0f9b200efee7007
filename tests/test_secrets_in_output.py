"""No output of any command shows a secret: every command, with --debug and without, against an emulator that
accepts only one client id and secret; stdout, stderr, the files commands write and the emulator's own output
are searched for the client secret, a wrong secret tried on the way, and every access token the emulator
issued (read from its store)."""

from __future__ import annotations

import os
import re
import secrets
import sqlite3
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from mcstate.cli import app, emulator_app
from mcstate.emulator.store import token_hash
from tests.conftest import LISTENING, EmulatorProcess

CLIENT_ID = "g6-client-id-not-secret"
# Random per run, so that no fixture or golden file can contain them by accident.
CLIENT_SECRET = "g6-secret-" + secrets.token_hex(16)
WRONG_SECRET = "g6-wrong-secret-" + secrets.token_hex(16)
# A leak is any run of this many characters of a secret: a log cut in the middle of a token counts too.
WINDOW = 12
HTTP_LOG = "[mcstate.client.http]"
# Tokens the emulator issues: secrets.token_urlsafe(48).
TOKEN_LENGTH = 64
TOKEN_RUN = re.compile(rf"[A-Za-z0-9_-]{{{TOKEN_LENGTH},}}")
# The commands this tour runs. A command added to the CLI must be added here (the last test checks).
COVERED = {
    "validate",
    "plan",
    "show",
    "apply",
    "drift",
    "status",
    "retrieve",
    "graph",
    "serve",
    "reset",
    "seed",
    "run",
    "rows",
    "test",
    "list",
    "put",
    "get",
    "init",
    "unlock",
    "fmt",
    "diff",
}

CUSTOMERS = """\
kind: DataExtension
key: nto_customers
name: NTO Customers
description: %(description)s
fields:
  - {name: SubscriberKey, type: Text, length: 254, primary_key: true}
  - {name: Email, type: EmailAddress}
"""

EXPORT = """\
kind: DataExtract
key: nto_customers_extract
name: NTO customers for the CRM
data_extension: nto_customers
file_spec: customers_%%Year%%%%Month%%%%Day%%.csv
---
kind: FileTransfer
key: nto_customers_to_crm
name: NTO customers to the CRM SFTP
file_spec: customers_%%Year%%%%Month%%%%Day%%.csv
file_location: crm_sftp
"""


@dataclass
class Account:
    """An emulator accepting only CLIENT_ID/CLIENT_SECRET (given through its environment), its database,
    and a project pointing at it; every output is kept for the search at the end."""

    root: Path
    db: Path
    emulator: EmulatorProcess
    outputs: list[tuple[str, str]] = field(default_factory=list)

    def write(self, relative: str, text: str) -> None:
        path = self.root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")

    def run(
        self, *args: str, debug: bool, expect: tuple[int, ...] = (0,), secret: str = CLIENT_SECRET
    ) -> subprocess.CompletedProcess[str]:
        argv = ["--debug", *args] if debug else list(args)
        environment = {**os.environ, "MC_CLIENT_ID": CLIENT_ID, "MC_CLIENT_SECRET": secret, "NO_COLOR": "1"}
        result = subprocess.run(
            [sys.executable, "-m", "mcstate", *argv],
            cwd=self.root,
            env=environment,
            capture_output=True,
            text=True,
            timeout=300,
        )
        shown = "mcstate " + " ".join(argv)
        self.outputs += [(f"{shown}: stdout", result.stdout), (f"{shown}: stderr", result.stderr)]
        assert result.returncode in expect, (
            f"{shown}: exit {result.returncode}\n{result.stdout}{result.stderr}"
        )
        assert "Traceback" not in result.stderr, f"{shown}\n{result.stderr}"
        if "--debug" not in argv:
            assert "[mcstate.client" not in result.stderr, shown
        return result

    def token_hashes(self) -> set[str]:
        """The emulator keeps only hashes of the tokens it issued."""
        with sqlite3.connect(f"file:{self.db}?mode=ro", uri=True) as connection:
            return {row[0] for row in connection.execute("SELECT token FROM tokens")}

    def written_files(self) -> list[tuple[str, str]]:
        """Every file under the project (saved plans, retrieved definitions, anything else written)."""
        return [
            (str(path.relative_to(self.root)), path.read_bytes().decode("utf-8", errors="replace"))
            for path in sorted(self.root.rglob("*"))
            if path.is_file()
        ]


def start_emulator(db: Path, *extra: str, debug: bool = False) -> EmulatorProcess:
    environment = {
        **os.environ,
        "MCSTATE_EMULATOR_CLIENT_ID": CLIENT_ID,
        "MCSTATE_EMULATOR_CLIENT_SECRET": CLIENT_SECRET,
    }
    command = [sys.executable, "-m", "mcstate", *(["--debug"] if debug else [])]
    process = subprocess.Popen(
        [*command, "emulator", "serve", "--port", "0", "--db", str(db), *extra],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=environment,
    )
    assert process.stdout is not None
    line = process.stdout.readline()
    match = LISTENING.search(line)
    if not match:
        process.kill()
        raise RuntimeError(f"the emulator did not start: {line}{process.stdout.read()}")
    return EmulatorProcess(match.group(1), process, db.with_suffix(".files"))


def stop(emulator: EmulatorProcess, account: Account, label: str) -> None:
    emulator.process.terminate()
    output, _ = emulator.process.communicate(timeout=10)
    account.outputs.append((label, output))


@pytest.fixture
def account(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Account]:
    db = tmp_path / "account.db"
    debug = bool(getattr(request, "param", False))
    emulator = start_emulator(db, debug=debug)
    root = tmp_path / "project"
    root.mkdir()
    result = Account(root, db, emulator)
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
    result.write("definitions/customers.yaml", CUSTOMERS % {"description": "Customers from the CRM"})
    result.write("definitions/export.yaml", EXPORT)
    yield result
    if emulator.process.poll() is None:
        stop(emulator, result, "mcstate emulator serve: output")


def leaks(outputs: list[tuple[str, str]], values: list[str]) -> list[str]:
    """The outputs showing any WINDOW characters of any of `values`."""
    windows = {value[i : i + WINDOW] for value in values for i in range(len(value) - WINDOW + 1)}
    found = []
    for label, text in outputs:
        grams = {text[i : i + WINDOW] for i in range(len(text) - WINDOW + 1)}
        shown = grams & windows
        if shown:
            found.append(f"{label}: {sorted(shown)[0]!r}")
    return found


def shown_tokens(outputs: list[tuple[str, str]], hashes: set[str]) -> list[str]:
    """The outputs showing a whole token the emulator issued: every run of token characters long enough to
    hold one is hashed at every position."""
    found = []
    for label, text in outputs:
        for run in TOKEN_RUN.findall(text):
            for start in range(len(run) - TOKEN_LENGTH + 1):
                if token_hash(run[start : start + TOKEN_LENGTH]) in hashes:
                    found.append(f"{label}: a token at {start}")
    return found


def assert_no_secrets(account: Account, extra: tuple[str, ...] = ()) -> None:
    hashes = account.token_hashes()
    assert hashes, "the emulator issued no token: the tour did not reach the account"
    everything = [*account.outputs, *account.written_files()]
    assert leaks(everything, [CLIENT_SECRET, *extra]) == []
    assert shown_tokens(everything, hashes) == []


def assert_logged_redacted(
    result: subprocess.CompletedProcess[str], *, rest: bool = False, soap_status: str = "200 OK"
) -> None:
    """The debug log shows the exchanges, with the places secrets travel in redacted."""
    log = result.stderr
    assert re.search(rf"{re.escape(HTTP_LOG)} #\d+ POST \S+/v2/token", log)
    assert '"client_secret": "<redacted>"' in log and '"access_token": "<redacted>"' in log
    assert re.search(r"<(\w+:)?fueloauth[^>]*><redacted></(\w+:)?fueloauth>", log), log[:3000]
    assert re.search(rf"{re.escape(HTTP_LOG)} #\d+ {soap_status} for POST \S+/Service.asmx", log)
    if rest:
        assert "Authorization: Bearer <redacted>" in log


def registered_commands() -> set[str]:
    return {
        command.name or (command.callback.__name__ if command.callback else "")
        for typer_app in (app, emulator_app)
        for command in typer_app.registered_commands
    }


def test_every_command_with_and_without_debug_shows_no_secret(account: Account) -> None:
    commands = registered_commands()
    for debug in (False, True):
        account.run("validate", debug=debug)
        for output_format in ("text", "json", "markdown"):
            result = account.run(
                "plan", "--format", output_format, "--detailed-exitcode", debug=debug, expect=(2,)
            )
            if debug:
                assert_logged_redacted(result, rest=True)
        saved = "plan-debug.json" if debug else "plan.json"
        account.run("plan", "--out", saved, debug=debug)
        for output_format in ("text", "json", "markdown"):
            account.run("show", saved, "--format", output_format, debug=debug)
        account.run("status", debug=debug)

    # The plan saved with --debug is applied; the other one is stale afterwards, and refused.
    applied = account.run("apply", "plan-debug.json", "--auto-approve", debug=True)
    assert_logged_redacted(applied, rest=True)
    assert "Apply complete" in applied.stdout
    refused = account.run("apply", "plan.json", "--auto-approve", debug=False, expect=(1,))
    assert "stale" in refused.stderr

    for debug in (False, True):
        description = f"Customers from the CRM ({'debug' if debug else 'plain'})"
        account.write("definitions/customers.yaml", CUSTOMERS % {"description": description})
        for output_format in ("text", "markdown", "json"):
            account.run("drift", "--format", output_format, debug=debug, expect=(2,))
        account.run("apply", "--auto-approve", debug=debug)
        account.run("drift", debug=debug)
        account.run("graph", "--format", "json", debug=debug)
        account.run("diff", "--target", "emulator", "--against", "emulator", debug=debug)
        account.run("run", "DataExtract.nto_customers_extract", "--format", "json", debug=debug)
        account.run("rows", "nto_customers", "--format", "csv", debug=debug)
        account.run("test", debug=debug)  # no tests in this project: says so, exit 0
        account.run("init", f"new-project-{debug}", debug=debug)
        account.run("fmt", debug=debug)
        refused = account.run("unlock", "00000000-0000-0000-0000-000000000000", debug=debug, expect=(1,))
        assert "not locked" in refused.stderr
        # This account target has no sftp settings: the files commands say how to add them.
        account.write("upload.csv", "Id\n1\n")
        for files_command in (("list",), ("put", "upload.csv"), ("get", "Export/x.csv")):
            refused = account.run("files", *files_command, debug=debug, expect=(1,))
            assert "has no sftp settings" in refused.stderr
        # `--debug` after the command works too.
        late = account.run("plan", *(["--debug"] if debug else []), debug=False)
        assert (HTTP_LOG in late.stderr) == debug
        if "retrieve" in commands:
            out = f"retrieved-{'debug' if debug else 'plain'}"
            account.run("retrieve", "--out", out, "--overwrite", debug=debug)
            assert list((account.root / out).rglob("*.yaml")), f"retrieve wrote nothing to {out}"
        scratch = account.root.parent / f"scratch-{debug}.db"
        if "seed" in commands:
            account.run("emulator", "seed", "--db", str(scratch), "--size", "3", debug=debug)
        account.run("emulator", "reset", "--db", str(scratch), debug=debug)

    assert_no_secrets(account)
    stop(account.emulator, account, "mcstate emulator serve: output")
    assert_no_secrets(account)


@pytest.mark.parametrize("account", [True], indirect=True, ids=["emulator-with-debug"])
def test_refused_credentials_and_expired_tokens_show_no_secret(account: Account) -> None:
    for debug in (False, True):
        refused = account.run("plan", debug=debug, expect=(1,), secret=WRONG_SECRET)
        assert "the account refused the client credentials (401)" in refused.stderr
        if debug:
            assert '"client_secret": "<redacted>"' in refused.stderr
        account.run("status", debug=debug, expect=(1,), secret=WRONG_SECRET)

    # Every SOAP and REST call refused as if its token had expired: the client fetches a new token once,
    # then gives up; both tokens stay out of the output.
    account.emulator.admin(
        "PUT",
        "_emulator/faults",
        {
            "rules": [
                {"operation": ["Retrieve", "GET"], "effect": "token_expired", "message": "Token Expired"}
            ]
        },
    )
    for debug in (False, True):
        expired = account.run("plan", debug=debug, expect=(1,))
        assert "refused the token" in expired.stderr
        if debug:
            assert_logged_redacted(expired, soap_status="500 Internal Server Error")
            assert "Token Expired" in expired.stderr
        account.run("status", debug=debug)
    account.emulator.admin("PUT", "_emulator/faults", {"rules": []})

    assert len(account.token_hashes()) >= 4
    assert_no_secrets(account, (WRONG_SECRET,))
    stop(account.emulator, account, "mcstate --debug emulator serve: output")
    assert_no_secrets(account, (WRONG_SECRET,))


def test_the_tour_covers_every_command() -> None:
    assert registered_commands() <= COVERED, "add the new command to the tour above"


def test_help_loads_neither_zeep_nor_the_debug_log() -> None:
    code = textwrap.dedent(
        """\
        import sys
        from mcstate import cli
        sys.argv = ["mcstate", "--debug", "--help"]
        try:
            cli.main()
        except SystemExit:
            pass
        print("loaded:", sorted(m for m in ("zeep", "mcstate.client.debug_log") if m in sys.modules))
        """
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert "loaded: []" in result.stdout, result.stdout + result.stderr
