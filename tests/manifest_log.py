"""The manifest's own writes (mcstate.manifest) told apart from the objects' writes in the emulator's log.

After an apply that changed something, mcstate records what it manages: on the first apply it creates the
manifest's data extension right before writing its first rows (DataExtensionObject). Tests that count the
writes of the objects leave those out; tests of "a second apply writes nothing" keep them (there are none).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

ROWS = ["DataExtensionObject"]


def without_manifest(entries: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """Request-log entries without the manifest's rows and the Create of its data extension."""
    kept = []
    for index, entry in enumerate(entries):
        if entry.get("object_types") == ROWS:
            continue
        following = entries[index + 1] if index + 1 < len(entries) else {}
        creates_manifest = (
            entry.get("operation") == "Create"
            and entry.get("object_types") == ["DataExtension"]
            and entry.get("object_count") == 1
            and following.get("object_types") == ROWS
        )
        if not creates_manifest:
            kept.append(entry)
    return kept


def manifest_writes(entries: Sequence[Mapping[str, Any]]) -> list[tuple[str, int]]:
    """The manifest's row writes: (operation, number of rows)."""
    return [(str(e["operation"]), int(e["object_count"])) for e in entries if e.get("object_types") == ROWS]
