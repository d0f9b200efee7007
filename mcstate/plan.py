"""The plan: a value describing what apply would change, computed by the planner and read by renderers."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Literal

FORMAT_VERSION = 1

Action = Literal["create", "update", "replace", "delete"]


@dataclass(frozen=True)
class AttributeChange:
    """One attribute of one object, before (account) and after (definitions)."""

    path: str
    before: Any
    after: Any
    # Why the service cannot make this change in place, and what data is lost when mcstate forces it.
    destructive_reason: str | None = None


@dataclass(frozen=True)
class Change:
    """What happens to one object. `before`/`after` are normalized attribute dicts (None when absent)."""

    kind: str
    key: str
    action: Action
    attributes: tuple[AttributeChange, ...] = ()
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None
    # Server identifiers read with the live object (ObjectIDs, folder IDs), needed to address it.
    ids: dict[str, Any] = field(default_factory=dict)
    # "Kind:key" of the objects this one needs to exist first.
    depends_on: tuple[str, ...] = ()
    # Plain-language reasons this change destroys data; empty when it does not.
    destructive_reasons: tuple[str, ...] = ()
    # Conditions under which the service may refuse the change (it depends on data mcstate cannot see).
    warnings: tuple[str, ...] = ()
    # The definition says prevent_destroy: a destructive change is refused even with --allow-destructive.
    protected: bool = False

    @property
    def address(self) -> str:
        return f"{self.kind}:{self.key}"

    @property
    def destructive(self) -> bool:
        return bool(self.destructive_reasons)


FORGET_NOTE = "no longer defined; kept — run with --prune to delete"


@dataclass(frozen=True)
class Note:
    """Something the reader of a plan must know that is not a change (e.g. fields only in the account)."""

    kind: str
    key: str
    message: str


@dataclass(frozen=True)
class Feed:
    """One edge of the data flow around the changes: `source` feeds `target` (addresses), e.g. an import
    loads its destination data extension, or a query reads a data extension."""

    source: str
    target: str
    label: str


@dataclass(frozen=True)
class Plan:
    target: str
    changes: tuple[Change, ...] = ()
    notes: tuple[Note, ...] = ()
    # Identifiers of the live objects that changes refer to, by address (e.g. a folder's ID).
    known_ids: dict[str, dict[str, Any]] = field(default_factory=dict)
    # What feeds the changed objects and what they feed (mcstate.flow), for the reviewer's flowchart.
    flow: tuple[Feed, ...] = ()
    # Fingerprint of every live object the plan was computed from, by address (mcstate.saved_plan): a
    # saved plan is stale when the account no longer has the same fingerprints.
    fingerprints: dict[str, str] = field(default_factory=dict)
    # Declared objects the account has as defined but the record of managed objects (mcstate.manifest)
    # lacks, by address: an apply interrupted between its writes and the record left them out. Apply
    # records them, so that --prune and drift see them.
    unrecorded: tuple[str, ...] = ()
    # What may break that the plan cannot decide (never blocking): SQL that may fail on its data, objects
    # in the account that a change leaves behind (a query mcstate does not manage reading a removed field).
    warnings: tuple[Note, ...] = ()

    @property
    def empty(self) -> bool:
        return not self.changes

    @property
    def to_forget(self) -> int:
        """Objects mcstate applied whose definition is gone: deleted with --prune, otherwise kept."""
        return sum(1 for note in self.notes if note.message == FORGET_NOTE)

    @property
    def destructive(self) -> tuple[Change, ...]:
        return tuple(c for c in self.changes if c.destructive)

    def summary(self) -> dict[str, int]:
        counts = Counter(c.action for c in self.changes)
        return {
            "create": counts["create"],
            "update": counts["update"],
            "replace": counts["replace"],
            "delete": counts["delete"],
            "destructive": len(self.destructive),
        }
