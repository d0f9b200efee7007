"""Exit codes as the README documents them: 2 means changes or drift and nothing else; a usage error is 1."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from mcstate.cli import _debug_first

PROJECT = """\
definitions: definitions
default_target: local
targets:
  local:
    emulator: .mcstate/local.db
"""


def _run(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mcstate", *args], cwd=root, capture_output=True, text=True, timeout=120
    )


@pytest.mark.parametrize(
    "args",
    [
        ["plan", "--detailed-exitcode", "--no-such-option"],
        ["plan", "--detailed-exitcode", "--format", "yaml"],
        ["drift", "--format", "yaml"],
        ["--debug", "drift", "--no-such-option"],
        ["no-such-command"],
        ["show"],
    ],
    ids=[
        "unknown option",
        "bad value",
        "bad drift format",
        "with --debug",
        "unknown command",
        "missing file",
    ],
)
def test_a_usage_error_exits_1_never_the_2_of_changes_or_drift(tmp_path: Path, args: list[str]) -> None:
    (tmp_path / "mcstate.yaml").write_text(PROJECT, encoding="utf-8")
    result = _run(tmp_path, *args)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr


def test_changes_exit_2_and_help_exits_0(tmp_path: Path) -> None:
    (tmp_path / "mcstate.yaml").write_text(PROJECT, encoding="utf-8")
    (tmp_path / "definitions").mkdir()
    (tmp_path / "definitions" / "de.yaml").write_text(
        "kind: DataExtension\nkey: a\nname: A\nfields:\n  - {name: Id, type: Number, primary_key: true}\n",
        encoding="utf-8",
    )
    assert _run(tmp_path, "plan", "--detailed-exitcode").returncode == 2
    assert _run(tmp_path, "--help").returncode == 0
    assert _run(tmp_path, "plan", "--help").returncode == 0


def test_debug_is_accepted_after_the_command_and_never_after_a_double_dash() -> None:
    assert _debug_first(["plan", "--debug", "--format", "json"]) == ["--debug", "plan", "--format", "json"]
    assert _debug_first(["--debug", "plan"]) == ["--debug", "plan"]
    assert _debug_first(["show", "--", "--debug"]) == ["show", "--", "--debug"]
    assert _debug_first(["apply", "--debug", "--", "--debug"]) == ["--debug", "apply", "--", "--debug"]


def test_version_prints_the_installed_version_and_exits_0() -> None:
    import subprocess
    import sys
    from importlib.metadata import version

    result = subprocess.run(
        [sys.executable, "-m", "mcstate", "--version"], capture_output=True, text=True, timeout=60
    )
    assert (result.returncode, result.stdout) == (0, f"mcstate {version('mcstate')}\n")
