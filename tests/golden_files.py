"""Golden files: expected renderings kept under tests/golden/, compared byte for byte.

After an intended change of a rendering, regenerate them with

    MCSTATE_UPDATE_GOLDEN=1 .venv/bin/pytest tests/test_markdown_view.py tests/test_saved_plan.py

and review the diff before committing it.
"""

from __future__ import annotations

import os
from pathlib import Path

GOLDEN = Path(__file__).parent / "golden"
UPDATE_GOLDEN = os.environ.get("MCSTATE_UPDATE_GOLDEN") == "1"


def assert_golden(name: str, actual: str) -> None:
    path = GOLDEN / name
    if UPDATE_GOLDEN:
        path.write_text(actual, encoding="utf-8")
    assert path.exists(), f"{path} is missing: run the test with MCSTATE_UPDATE_GOLDEN=1 and review it"
    expected = path.read_text(encoding="utf-8")
    assert actual == expected, f"{name} differs from the golden file (MCSTATE_UPDATE_GOLDEN=1 regenerates it)"
