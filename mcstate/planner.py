"""The planner: a pure function from desired and live objects to a Plan. No network, no output."""

from __future__ import annotations

import difflib
from collections.abc import Collection, Iterable, Mapping
from dataclasses import replace
from typing import Any

from mcstate.desired import DesiredState, lookup_address
from mcstate.errors import DefinitionError, Location, Problem
from mcstate.flow import feeds_around
from mcstate.ignore import drop_ignored, keep_account_values
from mcstate.impact import with_impact
from mcstate.manifest import ManifestEntry
from mcstate.plan import FORGET_NOTE, AttributeChange, Change, Note, Plan
from mcstate.resources import REGISTRY
from mcstate.resources.base import Desired, Live, RefersInAccount
from mcstate.saved_plan import fingerprint_account

# Live objects by kind, then by lookup address (see desired.lookup_address).
LiveState = Mapping[str, Mapping[str, Live]]


def index_live(objects: Mapping[str, list[Live]]) -> dict[str, dict[str, Live]]:
    return {kind: {lookup_address(kind, obj.key): obj for obj in items} for kind, items in objects.items()}


PRUNE_REASON = "no definition declares it any more"
KEPT_NOTE = FORGET_NOTE
# An attribute of the record of managed objects, not of the object: apply writes it to the manifest only.
PROTECTION = "prevent_destroy"


def record_only(change: Change) -> bool:
    """A change of what the manifest records about an object (prevent_destroy), not of the object."""
    paths = {a.path for a in change.attributes}
    return change.action == "update" and paths == {PROTECTION}


def make_plan(
    desired: DesiredState,
    live: LiveState,
    target: str,
    managed: Mapping[str, ManifestEntry] | None = None,
    *,
    prune: bool = False,
    fingerprint: bool = True,
) -> Plan:
    """`managed` is the manifest (mcstate.manifest, by lookup address): the objects mcstate applied.
    Those whose definition is gone are deleted with `prune`, otherwise listed as notes."""
    supplied, warnings = _check_references(desired, live)
    moves = _moves(desired, live)

    def current_of(obj: Desired) -> Live | None:
        lookup = lookup_address(obj.kind, obj.key)
        return live.get(obj.kind, {}).get(lookup) or moves.get(lookup)

    # Types see ignored attributes (ignore_changes) with the account's values: they never differ there.
    # Values the account supplies for the writes (LiveCheck.values) go into copies of the desired objects.
    effective = DesiredState(
        {
            lookup: keep_account_values(_with_values(obj, supplied.get(lookup)), current_of(obj))
            for lookup, obj in desired.objects.items()
        }
    )
    changes: list[Change] = []
    for obj in effective:
        current = current_of(obj)
        change = drop_ignored(REGISTRY[obj.kind].diff(obj, current), obj)
        moved = moves.get(lookup_address(obj.kind, obj.key))
        if moved is not None:
            change = _moved(change, obj, moved)
        if change is None:
            continue
        if change.destructive and obj.document is not None and obj.document.data.get("prevent_destroy"):
            change = replace(change, protected=True)
        changes.append(change)
    changes = _rewrite_references_to_recreated(changes, effective, live)
    changes, broken = with_impact(changes, effective, live)
    warnings.extend(broken)
    changes += _protection_changes(desired, live, managed or {}, {c.address for c in changes})
    moved_away = {lookup_address(old.kind, old.key) for old in moves.values()}
    deletes, notes = _undefined(desired, live, managed or {}, prune, moved_away)
    ordered = [*_dependency_order(changes), *deletes]
    return Plan(
        target,
        tuple(ordered),
        notes=tuple(notes),
        known_ids=_known_ids(ordered, desired, live),
        flow=feeds_around(ordered, desired, live),
        # Only a saved plan needs them (to tell later whether the account moved): hashing every object read
        # is skipped otherwise.
        fingerprints=fingerprint_account(live, managed or {}, desired) if fingerprint else {},
        unrecorded=_unrecorded(desired, live, managed, {c.address for c in ordered}),
        warnings=tuple(dict.fromkeys(warnings)),
    )


def _unrecorded(
    desired: DesiredState, live: LiveState, managed: Mapping[str, ManifestEntry] | None, changed: set[str]
) -> tuple[str, ...]:
    """Declared objects that the account has, as defined, and the record lacks (the account is the truth:
    what the definitions declare and the account has, mcstate manages). None without a record to compare."""
    if managed is None:
        return ()
    found = []
    for lookup, obj in desired.objects.items():
        current = live.get(obj.kind, {}).get(lookup)
        if obj.document is None or current is None or current.unmanageable or lookup in managed:
            continue
        if obj.address not in changed:
            found.append(obj.address)
    return tuple(found)


def _protection_changes(
    desired: DesiredState, live: LiveState, managed: Mapping[str, ManifestEntry], changed: set[str]
) -> list[Change]:
    """prevent_destroy added to or removed from the definition of an otherwise unchanged object: the record
    changes (so that --prune follows the new setting), the object does not."""
    found: list[Change] = []
    for lookup, entry in managed.items():
        obj = desired.objects.get(lookup)
        current = live.get(entry.kind, {}).get(lookup)
        if obj is None or obj.document is None or current is None or obj.address in changed:
            continue
        wanted = bool(obj.document.data.get(PROTECTION, False))
        if wanted != entry.prevent_destroy:
            attribute = AttributeChange(PROTECTION, entry.prevent_destroy, wanted)
            depends = tuple(ref.address for ref in obj.references)
            found.append(
                Change(
                    obj.kind,
                    obj.key,
                    "update",
                    (attribute,),
                    current.attributes,
                    obj.attributes,
                    current.ids,
                    depends,
                )
            )
    return found


def _moves(desired: DesiredState, live: LiveState) -> dict[str, Live]:
    """The objects a definition re-keys (moved_from), by the new key's lookup address: the account's object
    under the old key, when the account has it and nothing under the new key yet."""
    found: dict[str, Live] = {}
    for lookup, obj in desired.objects.items():
        source = obj.document.data.get("moved_from") if obj.document is not None else None
        if not isinstance(source, str) or not REGISTRY[obj.kind].rekeyable:
            continue
        kind_live = live.get(obj.kind, {})
        old = kind_live.get(lookup_address(obj.kind, source))
        if lookup not in kind_live and old is not None and not old.unmanageable:
            found[lookup] = old
    return found


def _moved(change: Change | None, obj: Desired, old: Live) -> Change:
    """The change of an object re-keyed in place: its key first, then whatever else differs."""
    key = AttributeChange("key", old.key, obj.key)
    if change is None:
        depends = tuple(ref.address for ref in obj.references)
        return Change(obj.kind, obj.key, "update", (key,), old.attributes, obj.attributes, old.ids, depends)
    if change.action != "update":
        assert obj.document is not None
        raise DefinitionError(
            [
                obj.document.problem(
                    ("moved_from",),
                    f"{obj.kind} '{old.key}' cannot be moved to '{obj.key}' in the same apply as a change "
                    f"that re-creates it ({'; '.join(change.destructive_reasons)}): "
                    "apply the move alone first",
                )
            ]
        )
    return replace(change, attributes=(key, *change.attributes))


def _undefined(
    desired: DesiredState,
    live: LiveState,
    managed: Mapping[str, ManifestEntry],
    prune: bool,
    moved_away: Collection[str] = (),
) -> tuple[list[Change], list[Note]]:
    """Objects the manifest records but no definition declares any more: deleted with `prune` (the last
    applied definition's prevent_destroy makes the delete protected), otherwise kept with a note. An
    object absent from the manifest is never deleted: mcstate did not create it. Nor is one a remaining
    definition still refers to."""
    referenced: dict[str, str] = {}
    for obj in desired:
        for ref in obj.references:
            referenced.setdefault(lookup_address(ref.kind, ref.key), obj.address)
    deletes: list[Change] = []
    notes: list[Note] = []
    kinds = list(REGISTRY)
    for lookup, entry in managed.items():
        current = live.get(entry.kind, {}).get(lookup)
        if lookup in desired.objects or current is None or entry.kind not in REGISTRY or lookup in moved_away:
            continue  # still defined (or under its new key), or already gone from the account
        if lookup in referenced:
            message = f"no longer defined, but {referenced[lookup]} refers to it; kept"
            notes.append(Note(entry.kind, current.key, message))
        elif not prune:
            notes.append(Note(entry.kind, current.key, KEPT_NOTE))
        else:
            rtype = REGISTRY[entry.kind]
            refers_to = rtype.live_references(current) if isinstance(rtype, RefersInAccount) else ()
            deletes.append(
                Change(
                    entry.kind,
                    current.key,
                    "delete",
                    before=current.attributes,
                    ids=current.ids,
                    depends_on=refers_to,
                    destructive_reasons=(PRUNE_REASON,),
                    protected=entry.prevent_destroy,
                )
            )
    # Shown roughly in the order they are deleted: later kinds first (the applier orders them exactly).
    deletes.sort(key=lambda c: c.key.casefold(), reverse=True)
    deletes.sort(key=lambda c: -kinds.index(c.kind))
    notes.sort(key=lambda n: (kinds.index(n.kind), n.key.casefold()))
    return deletes, notes


def _with_values(obj: Desired, values: Mapping[str, Any] | None) -> Desired:
    if not values:
        return obj
    return replace(obj, attributes={**obj.attributes, **values})


def _check_references(
    desired: DesiredState, live: LiveState
) -> tuple[dict[str, Mapping[str, Any]], list[Note]]:
    """A reference must name a declared (or implied) object or one that exists in the account, and each
    type's account-dependent rules must hold, before anything is written. Returns the values the account
    supplies for the writes, by lookup address, and the warnings (never blocking)."""
    problems: list[Problem] = []
    warnings: list[Note] = []
    supplied: dict[str, Mapping[str, Any]] = {}
    moved = {
        lookup_address(obj.kind, str(obj.document.data["moved_from"])): obj
        for obj in desired
        if obj.document is not None and isinstance(obj.document.data.get("moved_from"), str)
    }
    for lookup_key, obj in desired.objects.items():
        checked = REGISTRY[obj.kind].check_live(obj, desired.objects, live)
        problems.extend(problem for problem in checked.problems if not problem.is_warning)
        warnings.extend(Note(obj.kind, obj.key, str(p)) for p in checked.problems if p.is_warning)
        if checked.values:
            supplied[lookup_key] = checked.values
        # A reference whose own rule already said what is wrong is not reported twice.
        reported = {
            (problem.location.file, problem.location.line, problem.location.column)
            for problem in checked.problems
        }
        current = live.get(obj.kind, {}).get(lookup_address(obj.kind, obj.key))
        if obj.document is not None and current is not None and current.unmanageable:
            problems.append(
                obj.document.problem(
                    ("path",) if "path" in obj.document.data else ("key",),
                    f"{obj.kind} '{obj.key}' exists in the account, but mcstate cannot manage it: "
                    f"{current.unmanageable}",
                )
            )
        for ref in obj.references:
            lookup = lookup_address(ref.kind, ref.key)
            mover = moved.get(lookup)
            if mover is not None and mover.kind == ref.kind and desired.get(ref.kind, ref.key) is None:
                if obj.document is not None and mover.document is not None:
                    where = mover.document.location(("moved_from",))
                    message = (
                        f"{ref.kind} '{ref.key}' is moved to '{mover.key}' (moved_from at {where}); "
                        f"refer to '{mover.key}'"
                    )
                    problems.append(obj.document.problem(ref.path, message))
                continue
            if desired.get(ref.kind, ref.key) is not None or lookup in live.get(ref.kind, {}):
                continue
            message = f"{ref.kind} '{ref.key}' is neither defined nor present in the account"
            known = [o.key for o in desired if o.kind == ref.kind]
            known += [o.key for o in live.get(ref.kind, {}).values()]
            message += did_you_mean(ref.key, known)
            if obj.document is not None:
                problem = obj.document.problem(ref.path, message)
                where = (problem.location.file, problem.location.line, problem.location.column)
                if where not in reported:
                    problems.append(problem)
            else:
                problems.append(Problem(Location("definitions"), f"{obj.kind} '{obj.key}': {message}"))
    if problems:
        raise DefinitionError(problems)
    return supplied, warnings


def _rewrite_references_to_recreated(
    changes: list[Change], desired: DesiredState, live: LiveState
) -> list[Change]:
    """An object that refers to a re-created object by ObjectID is written again in the same apply, so it
    points at the new object; without this it would need a second apply to converge."""
    recreated = {c.address for c in changes if c.action == "replace"}
    if not recreated:
        return changes
    by_address = {c.address: c for c in changes}
    for obj in desired:
        stale = [ref for ref in obj.references if ref.by_id and ref.address in recreated]
        current = live.get(obj.kind, {}).get(lookup_address(obj.kind, obj.key))
        existing = by_address.get(obj.address)
        if not stale or current is None or (existing is not None and existing.action != "update"):
            continue
        touched = {a.path for a in existing.attributes} if existing else set()
        extra = tuple(
            AttributeChange(name, current.attributes.get(name), obj.attributes.get(name))
            for name in dict.fromkeys(str(ref.path[0]) for ref in stale if ref.path)
            if name not in touched
        )
        notes = tuple(
            f"{ref.kind} '{ref.key}' is re-created, so this reference is written again" for ref in stale
        )
        if existing is None:
            by_address[obj.address] = Change(
                obj.kind,
                obj.key,
                "update",
                extra,
                current.attributes,
                obj.attributes,
                current.ids,
                tuple(ref.address for ref in obj.references),
                warnings=notes,
            )
        else:
            by_address[obj.address] = replace(
                existing, attributes=existing.attributes + extra, warnings=existing.warnings + notes
            )
    return list(by_address.values())


def _dependency_order(changes: list[Change]) -> list[Change]:
    kinds = list(REGISTRY)
    by_address = {c.address: c for c in changes}
    depth: dict[str, int] = {}

    def depth_of(change: Change, trail: tuple[str, ...] = ()) -> int:
        if change.address in depth:
            return depth[change.address]
        deps = [by_address[d] for d in change.depends_on if d in by_address and d not in trail]
        depth[change.address] = 1 + max((depth_of(d, (*trail, change.address)) for d in deps), default=-1)
        return depth[change.address]

    # Folders read best by path (a parent's path sorts before its children's); the applier orders its
    # writes by depth itself.
    return sorted(
        changes,
        key=lambda c: (kinds.index(c.kind), 0 if c.kind == "Folder" else depth_of(c), c.key.casefold()),
    )


def _known_ids(changes: list[Change], desired: DesiredState, live: LiveState) -> dict[str, dict[str, Any]]:
    known: dict[str, dict[str, Any]] = {}
    for change in changes:
        obj = desired.get(change.kind, change.key)
        for ref in obj.references if obj else ():
            current = live.get(ref.kind, {}).get(lookup_address(ref.kind, ref.key))
            if current is not None:
                known[current.address] = dict(current.ids)
    return known


def did_you_mean(wanted: str, known: Iterable[str]) -> str:
    """ " (did you mean 'x'?)" for the closest known key, compared without case; "" when none is close."""
    folded = {key.casefold(): key for key in known}
    close = difflib.get_close_matches(wanted.casefold(), list(folded), n=1, cutoff=0.75)
    return f" (did you mean '{folded[close[0]]}'?)" if close else ""
