"""`mcstate diff`: two accounts (business units) compared object by object, through the same normalizers as
plan: what differs, what only one side has, and which of those differences the definitions would remove on
each side (the plan of that side changes the object). A value, rendered by render/compare_view."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

from mcstate.desired import DesiredState, lookup_address
from mcstate.errors import McstateError
from mcstate.manifest import ManifestEntry, is_reserved
from mcstate.plan import AttributeChange
from mcstate.planner import LiveState, make_plan
from mcstate.resources import REGISTRY
from mcstate.resources.base import Live
from mcstate.resources.common import attribute_changes


@dataclass(frozen=True)
class ObjectDifference:
    """One object, matched by kind and key: `side` is "both", "left" or "right" (only that side has it)."""

    kind: str
    key: str
    side: str
    # Per attribute: before = the left account's value, after = the right one's.
    attributes: tuple[AttributeChange, ...] = ()
    # The definitions, as each target sees them, would change this object there (plan has a change).
    planned_left: bool = False
    planned_right: bool = False


@dataclass(frozen=True)
class Comparison:
    left: str
    right: str
    differences: tuple[ObjectDifference, ...] = ()
    compared: int = 0  # objects compared (both sides together, each object once)
    kinds: tuple[str, ...] = field(default_factory=tuple)
    # What could not be told (a side whose definitions cannot be planned against its account).
    notes: tuple[str, ...] = ()

    @property
    def same(self) -> bool:
        return not self.differences


@dataclass(frozen=True)
class Side:
    """One account as read: its objects, its record of managed objects, the definitions as its target sees
    them, and the target's name."""

    target: str
    live: LiveState
    managed: Mapping[str, ManifestEntry]
    desired: DesiredState


def compare(left: Side, right: Side, kinds: Collection[str] = ()) -> Comparison:
    chosen = [kind for kind in REGISTRY if not kinds or kind in kinds]
    notes: list[str] = []
    planned_left = _planned(left, notes)
    planned_right = _planned(right, notes)
    differences: list[ObjectDifference] = []
    compared = 0
    for kind in chosen:
        mine, theirs = _comparable(left.live.get(kind, {})), _comparable(right.live.get(kind, {}))
        for lookup in sorted({*mine, *theirs}, key=str.casefold):
            compared += 1
            a, b = mine.get(lookup), theirs.get(lookup)
            key = (a or b).key  # type: ignore[union-attr]
            flags = {"planned_left": lookup in planned_left, "planned_right": lookup in planned_right}
            if a is None or b is None:
                differences.append(ObjectDifference(kind, key, "right" if a is None else "left", **flags))
                continue
            changed = _attribute_differences(a.attributes, b.attributes)
            if changed:
                differences.append(ObjectDifference(kind, key, "both", changed, **flags))
    return Comparison(left.target, right.target, tuple(differences), compared, tuple(chosen), tuple(notes))


def _comparable(objects: Mapping[str, Live]) -> dict[str, Live]:
    """What a diff is about: the objects mcstate can manage, not its own records."""
    return {
        lookup: obj
        for lookup, obj in objects.items()
        if obj.unmanageable is None and not (obj.kind == "DataExtension" and is_reserved(obj.key))
    }


def _attribute_differences(left: Mapping[str, Any], right: Mapping[str, Any]) -> tuple[AttributeChange, ...]:
    names = list(dict.fromkeys([*left, *right]))
    return attribute_changes({n: left.get(n) for n in names}, {n: right.get(n) for n in names}, names)


def _planned(side: Side, notes: list[str]) -> set[str]:
    """The lookup addresses the side's plan changes (creates, updates, re-creates; with --prune, deletes)."""
    try:
        plan = make_plan(side.desired, side.live, side.target, side.managed, prune=True, fingerprint=False)
    except McstateError as error:
        notes.append(
            f"the definitions cannot be planned against {side.target} ({error}): what they would change "
            "there is not shown"
        )
        return set()
    return {lookup_address(change.kind, change.key) for change in plan.changes}
