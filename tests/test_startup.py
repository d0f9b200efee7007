"""Commands that never call an account do not pay for the SOAP stack: `mcstate --help` and `mcstate validate`
import neither zeep nor the SOAP client (which parses the WSDL). Checked on the import graph of a fresh
interpreter, not by timing."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

# What only talking to an account needs: zeep, and the module that loads and parses the WSDL with it.
HEAVY = ("zeep", "mcstate.client.soap", "mcstate.client.retrieve_parser", "mcstate.emulator.app")

RUN = """
import json, sys
from mcstate.cli import main  # what the mcstate command runs (mcstate.cli.run then leaves at once)
sys.argv = ["mcstate", *{args!r}]
try:
    main()
    code = 0
except SystemExit as exit:
    code = exit.code
print(json.dumps({{"code": code, "loaded": sorted(m for m in {heavy!r} if m in sys.modules)}}))
"""


def _run(args: list[str], cwd: Path) -> dict[str, object]:
    result = subprocess.run(
        [sys.executable, "-c", RUN.format(args=args, heavy=HEAVY)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_importing_the_cli_loads_no_soap_stack(tmp_path: Path) -> None:
    code = f"import sys, mcstate.cli; print([m for m in {HEAVY!r} if m in sys.modules])"
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=120
    )
    assert result.stdout.strip() == "[]", result.stdout + result.stderr


@pytest.mark.parametrize("args", [["--help"], ["plan", "--help"], ["validate", "--help"]])
def test_help_loads_no_soap_stack(tmp_path: Path, args: list[str]) -> None:
    assert _run(args, tmp_path) == {"code": 0, "loaded": []}


def test_validate_loads_no_soap_stack(tmp_path: Path) -> None:
    (tmp_path / "mcstate.yaml").write_text(
        "definitions: definitions\ndefault_target: local\ntargets:\n  local:\n    emulator: local.db\n"
        "  production:\n    auth_url: https://x.auth.marketingcloudapis.com/\n"
        "    client_id: ${MC_CLIENT_ID}\n    client_secret: ${MC_CLIENT_SECRET}\n",
        encoding="utf-8",
    )
    definitions = tmp_path / "definitions"
    definitions.mkdir()
    (definitions / "de.yaml").write_text(
        "kind: DataExtension\nkey: customers\nname: Customers\nfolder: Data Extensions/CRM\n"
        "fields: [{name: Id, type: Text, primary_key: true}]\n---\n"
        "kind: QueryDefinition\nkey: q\nname: Q\ntarget: customers\nsql: SELECT Id FROM Customers\n",
        encoding="utf-8",
    )
    assert _run(["validate"], tmp_path) == {"code": 0, "loaded": []}
    # Invalid definitions too: the errors are explained without the SOAP stack.
    (definitions / "bad.yaml").write_text("kind: DataExtension\nkey: bad\nname: Bad\n", encoding="utf-8")
    assert _run(["validate"], tmp_path) == {"code": 1, "loaded": []}
