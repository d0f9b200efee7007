"""mcstate's own writes (mcstate.manifest, mcstate.lock) told apart from the objects' writes in the
emulator's log.

An apply with changes takes the account's lock (a row of mcstate_lock) and, after writing, records what it
manages (rows of mcstate_managed_objects); on first use each data extension is created right before its
first rows. The log names the data extension of every row write. Tests that count the writes of the objects
leave mcstate's own out; tests of "a second apply writes nothing" keep them (there are none).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

ROWS = ["DataExtensionObject"]
MANIFEST = "mcstate_managed_objects"
OWN = {MANIFEST, "mcstate_lock"}


def _own_rows(entry: Mapping[str, Any]) -> bool:
    targets = entry.get("row_targets") or []
    return entry.get("object_types") == ROWS and bool(targets) and set(targets) <= OWN


def without_manifest(entries: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """Request-log entries without mcstate's own rows and the Create of their data extensions."""
    kept = []
    for index, entry in enumerate(entries):
        if _own_rows(entry):
            continue
        following = entries[index + 1] if index + 1 < len(entries) else {}
        creates_own = (
            entry.get("operation") == "Create"
            and entry.get("object_types") == ["DataExtension"]
            and entry.get("object_count") == 1
            and _own_rows(following)
        )
        if not creates_own:
            kept.append(entry)
    return kept


def manifest_writes(entries: Sequence[Mapping[str, Any]]) -> list[tuple[str, int]]:
    """The manifest's row writes: (operation, number of rows)."""
    return [
        (str(e["operation"]), int(e["object_count"]))
        for e in entries
        if e.get("object_types") == ROWS and e.get("row_targets") == [MANIFEST]
    ]
