"""A project large enough is loaded on two processes (definitions.parallel_load): the CLI reports exactly
what loading everything in one process reports, problems of both halves included, in the same order."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from mcstate.definitions.loader import load_documents
from mcstate.definitions.parallel_load import MIN_PARALLEL_BYTES
from mcstate.errors import DefinitionError
from mcstate.resources import declarable

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
from generate import write_definitions


@pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="two processes need two cores")
def test_a_large_project_reports_the_same_on_two_processes(tmp_path: Path) -> None:
    definitions = tmp_path / "definitions"
    write_definitions(definitions, 900)
    files = sorted(definitions.rglob("*.yaml"))
    assert sum(path.stat().st_size for path in files) >= MIN_PARALLEL_BYTES
    # A problem in the first file and one in the last (each loaded by another process), and a key declared
    # in both (found only once both halves are back).
    first, last = files[0], files[-1]
    first.write_text(
        first.read_text() + "---\nkind: DataExtension\nkey: twice\nname: Twice\nfields: []\nbogus: 1\n"
    )
    last.write_text(
        last.read_text() + "---\nkind: DataExtension\nkey: twice\nname: Twice again\nfields: []\n"
    )
    (tmp_path / "mcstate.yaml").write_text(
        "definitions: definitions\ndefault_target: local\ntargets:\n  local:\n    emulator: local.db\n"
    )
    with pytest.raises(DefinitionError) as one_process:
        load_documents(definitions, declarable(), display_base=tmp_path, project_root=tmp_path)
    expected = [str(problem) for problem in one_process.value.problems]
    assert len(expected) == 2

    result = subprocess.run(
        [sys.executable, "-m", "mcstate", "validate"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1
    assert result.stderr.splitlines()[:-1] == expected
