"""Drift: how the account differs from the definitions, object by object, and which side moved.

Pure, like the planner it is built on: the definitions, the account and the record of the last apply (the
manifest, see mcstate.manifest) go in, a Drift value comes out; views render it.

An object differs when the plan has something to do for it. Which side changed is told by the manifest entry
written when mcstate last applied the object:

- the account's object no longer hashes to what was read right after that apply: changed in the account
  (an object that is gone was deleted in the account);
- the definition no longer hashes to what was applied: changed in the definitions (not applied yet);
- both, or, without an entry (never applied by mcstate, or the manifest is missing): unknown.

With `include_unmanaged`, objects in the account that no definition declares are listed too, but only in
the folders the definitions use: an account holds far more than one repository manages. Objects an earlier
apply recorded whose definition has since been removed are listed wherever they are.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any, Literal

from mcstate.desired import DesiredState, lookup_address
from mcstate.manifest import ManifestEntry, attributes_hash, is_reserved
from mcstate.plan import Action, AttributeChange, Note
from mcstate.planner import LiveState, make_plan
from mcstate.resources.base import Desired, Live
from mcstate.selection import Selection, choose

FORMAT_VERSION = 1

# changed: attributes differ; missing: in the definitions, not in the account; unmanaged: in the account
# (in a folder the definitions use), in no definition.
Status = Literal["changed", "missing", "unmanaged"]
Side = Literal["account", "definitions", "both", "unknown"]

FOLDER_KIND = "Folder"
DATA_EXTENSION_KIND = "DataExtension"


@dataclass(frozen=True)
class DriftItem:
    """One object that differs. Attribute changes read like the plan's: before is the account, after the
    definitions."""

    kind: str
    key: str
    status: Status
    changed_in: Side
    attributes: tuple[AttributeChange, ...] = ()
    # What apply would do to make the account match the definitions again (None for unmanaged objects).
    restore: Action | None = None
    # Restoring the definitions would destroy data (see the plan for the reasons).
    destructive: bool = False
    folder: str | None = None

    @property
    def address(self) -> str:
        return f"{self.kind}:{self.key}"

    @property
    def description(self) -> str:
        return describe(self)


@dataclass(frozen=True)
class Drift:
    target: str
    items: tuple[DriftItem, ...] = ()
    notes: tuple[Note, ...] = ()
    # The folders searched for unmanaged objects; None when unmanaged objects were not asked for.
    unmanaged_folders: tuple[str, ...] | None = None
    # Whether the account holds a record of an earlier apply (without one, no side can be told).
    recorded: bool = False

    @property
    def found(self) -> bool:
        return bool(self.items)

    def summary(self) -> dict[str, int]:
        counts = Counter(item.status for item in self.items)
        sides = Counter(item.changed_in for item in self.items if item.status != "unmanaged")
        return {
            "changed": counts["changed"],
            "missing": counts["missing"],
            "unmanaged": counts["unmanaged"],
            "changed_in_account": sides["account"],
            "changed_in_definitions": sides["definitions"],
            "changed_in_both": sides["both"],
            "unknown": sides["unknown"],
            "total": len(self.items),
        }


def find_drift(
    desired: DesiredState,
    live: LiveState,
    manifest: Mapping[str, ManifestEntry],
    target: str,
    *,
    include_unmanaged: bool = False,
) -> Drift:
    # With the manifest, objects mcstate applied whose definition is gone come with a note.
    plan = make_plan(desired, live, target, manifest)
    entries = {lookup_address(entry.kind, entry.key): entry for entry in manifest.values()}
    items: list[DriftItem] = []
    for change in plan.changes:
        if change.action == "delete":
            continue  # objects only in the account are the unmanaged ones, listed below when asked for
        lookup = lookup_address(change.kind, change.key)
        wanted = desired.objects.get(lookup)
        current = live.get(change.kind, {}).get(lookup)
        entry = entries.get(lookup)
        items.append(
            DriftItem(
                change.kind,
                change.key,
                "missing" if current is None else "changed",
                which_side(wanted, current, entry),
                () if current is None else change.attributes,
                change.action,
                change.destructive,
            )
        )
    folders: tuple[str, ...] | None = None
    if include_unmanaged:
        folders = used_folders(desired)
        items.extend(_unmanaged(desired, live, entries, folders))
    return Drift(target, tuple(items), plan.notes, folders, bool(entries))


def which_side(wanted: Desired | None, current: Live | None, entry: ManifestEntry | None) -> Side:
    if entry is None or wanted is None:
        return "unknown"
    account_moved = current is None or live_hash(current) != entry.applied_hash
    definitions_moved = definition_hash(wanted) != entry.definition_hash
    if account_moved and definitions_moved:
        return "both"
    if account_moved:
        return "account"
    if definitions_moved:
        return "definitions"
    return "unknown"  # both sides as recorded, yet they differ: the last apply did not converge


def definition_hash(wanted: Desired) -> str:
    return attributes_hash(wanted.attributes)


def live_hash(current: Live) -> str:
    return attributes_hash(current.attributes)


def used_folders(desired: DesiredState) -> tuple[str, ...]:
    """The folders the definitions put objects in, and the folders they declare."""
    folders: dict[str, str] = {}
    for obj in desired:
        if obj.kind == FOLDER_KIND and obj.document is not None:
            folders.setdefault(obj.key.casefold(), obj.key)
        folder = obj.attributes.get("folder") if obj.document is not None else None
        if isinstance(folder, str) and folder:
            folders.setdefault(folder.casefold(), folder)
    return tuple(sorted(folders.values(), key=str.casefold))


def _unmanaged(
    desired: DesiredState,
    live: LiveState,
    entries: Mapping[str, ManifestEntry],
    folders: Iterable[str],
) -> list[DriftItem]:
    """Objects in the searched folders that no definition declares, and, wherever they are, the objects an
    earlier apply recorded whose definition is gone (`apply --prune` deletes those)."""
    searched = {folder.casefold() for folder in folders}
    found: list[DriftItem] = []
    for kind, objects in live.items():
        for lookup, current in objects.items():
            if lookup in desired.objects or (kind == DATA_EXTENSION_KIND and is_reserved(current.key)):
                continue
            if current.unmanageable is not None and lookup not in entries:
                continue  # what mcstate says it cannot manage (a system data extension, ...) is not drift
            folder = current.attributes.get("folder")
            folder = folder if isinstance(folder, str) else None
            if lookup in entries:
                found.append(DriftItem(kind, current.key, "unmanaged", "definitions", folder=folder))
            elif folder is not None and folder.casefold() in searched:
                found.append(DriftItem(kind, current.key, "unmanaged", "account", folder=folder))
    return sorted(found, key=lambda item: (item.kind, item.key.casefold()))


def limit_drift(drift: Drift, selection: Selection, desired: DesiredState) -> Drift:
    """Only the chosen objects (see mcstate.selection), with notes saying what was pulled in or left out."""
    if not selection.active:
        return drift
    recreated = [lookup_address(i.kind, i.key) for i in drift.items if i.restore == "replace"]
    chosen = choose(selection, desired, [(i.kind, i.key) for i in drift.items], recreated)
    kept = tuple(i for i in drift.items if lookup_address(i.kind, i.key) in chosen)
    return replace(drift, items=kept, notes=(*drift.notes, *chosen.notes))


SIDE_WORDS: dict[Side, str] = {
    "account": "changed in the account",
    "definitions": "changed in the definitions (not applied yet)",
    "both": "changed in the account and in the definitions",
    "unknown": "differs (no record of the last apply)",
}


def describe(item: DriftItem) -> str:
    """What happened to the object, in words."""
    if item.status == "unmanaged":
        where = f" (folder {item.folder})" if item.folder else ""
        if item.changed_in == "definitions":
            return f"removed from the definitions, still in the account{where}; apply --prune deletes it"
        return f"in the account, in no definition{where}"
    if item.status == "missing":
        return {
            "account": "deleted in the account",
            "both": "deleted in the account; its definition changed too",
            "definitions": "not in the account (its definition changed since the last apply)",
            "unknown": "not in the account (no record of the last apply)",
        }[item.changed_in]
    return SIDE_WORDS[item.changed_in]


def item_document(item: DriftItem) -> dict[str, Any]:
    """One item as the JSON view writes it (also what other reports can reuse)."""
    return {
        "kind": item.kind,
        "key": item.key,
        "status": item.status,
        "changed_in": item.changed_in,
        "description": item.description,
        "restore": item.restore,
        "destructive": item.destructive,
        "folder": item.folder,
        "attributes": [
            {"path": a.path, "account": a.before, "definitions": a.after} for a in item.attributes
        ],
    }
