"""An enterprise: the parent business unit and its child business units, each an account of its own.

The parent is the database the emulator is started with; it lists its children (MID, name, the range of
their folder IDs), and each child is a database beside it named after it and the child's MID
(`local.db` → `local.100000002.db`, with its file area `local.100000002.files`). A token is for one business
unit; what one business unit sees of the others (QueryAllAccounts, ClientIDs, `ENT.`) is decided by the
service and the query engine, with the rules in ruleset/common.py.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

from mcstate.emulator import rules
from mcstate.emulator.files import FileArea, default_files_path
from mcstate.emulator.store import Store, Unit


@dataclass(frozen=True)
class BusinessUnit:
    mid: int
    name: str
    store: Store
    files: FileArea

    @property
    def is_parent(self) -> bool:
        return self.store.unit.is_parent


PARENT_NAME = "Parent"


def child_database(parent: Path, mid: int) -> Path:
    return parent.with_name(f"{parent.stem}.{mid}{parent.suffix or '.db'}")


class Enterprise:
    """The business units of one emulated enterprise, opened as they are first needed."""

    def __init__(self, parent: Store, files: FileArea) -> None:
        self.parent = BusinessUnit(parent.mid, PARENT_NAME, parent, files)
        self._children: dict[int, BusinessUnit] = {}
        self._lock = threading.Lock()
        self.refresh()

    def refresh(self) -> None:
        """Open the child business units the parent lists that are not open yet (another process may have
        made them: `mcstate emulator seed --business-units`)."""
        with self._lock:
            for mid, name, folder_base in self.parent.store.business_units():
                if mid in self._children:
                    continue
                path = child_database(self.parent.store.path, mid)
                store = Store(path, Unit(mid, folder_base))
                store.parent = self.parent.store
                self._children[mid] = BusinessUnit(mid, name, store, FileArea(default_files_path(path)))

    def units(self) -> list[BusinessUnit]:
        """The parent, then the children by MID."""
        return [self.parent, *(self._children[mid] for mid in sorted(self._children))]

    def unit(self, mid: int) -> BusinessUnit | None:
        if mid == self.parent.mid:
            return self.parent
        if mid not in self._children:
            self.refresh()
        return self._children.get(mid)

    def reachable(self, mid: int) -> list[BusinessUnit]:
        """The business units a token of `mid` may name in ClientIDs (rules.CLIENT_IDS_REACH_CHILDREN)."""
        unit = self.unit(mid)
        if unit is None:
            return []
        return self.units() if unit.is_parent else [unit]

    def close(self) -> None:
        with self._lock:
            for child in self._children.values():
                child.store.close()
            self._children.clear()


def reset_enterprise(database: Path) -> int:
    """Empty every business unit of the enterprise whose parent is in `database` back to a fresh tenant
    (creating the file if needed), keeping the business units; how many there are."""
    parent = Store(database)
    try:
        parent.reset()
        children = parent.business_units()
        for mid, _, folder_base in children:
            child = Store(child_database(database, mid), Unit(mid, folder_base))
            try:
                child.reset()
            finally:
                child.close()
        return 1 + len(children)
    finally:
        parent.close()


def make_children(parent: Store, count: int) -> list[BusinessUnit]:
    """Make (or empty) `count` child business units of the enterprise whose parent is `parent`, replacing
    any it had; their stores are returned open (the caller closes them)."""
    units: list[BusinessUnit] = []
    listed: list[tuple[int, str, int]] = []
    for number in range(1, count + 1):
        mid = rules.child_mid(number)
        name = f"Business Unit {number}"
        folder_base = number * rules.CHILD_FOLDER_ID_RANGE
        path = child_database(parent.path, mid)
        for stale in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
            stale.unlink(missing_ok=True)
        store = Store(path, Unit(mid, folder_base))
        store.parent = parent
        listed.append((mid, name, folder_base))
        units.append(BusinessUnit(mid, name, store, FileArea(default_files_path(path))))
    parent.set_business_units(listed)
    return units
