"""`--target KIND.KEY` and `--exclude KIND.KEY`: a subset of the objects, and what it cannot do without.

Pure: which objects are chosen follows from the definitions' references alone.

- Targets pull in what they depend on (folders, the data extension a query writes to, ...), transitively:
  an object cannot be created before what it refers to exists.
- Excludes push out what depends on them: a query is left alone when its target data extension is.
- An object that refers to a re-created chosen object by ObjectID is chosen too, so it is written again and
  does not keep pointing at the object that was deleted.

Every object added or removed that way and that has something to do is named in a note, so the output
says why the subset is larger or smaller than asked.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace

from mcstate.desired import DesiredState, lookup_address
from mcstate.errors import McstateError
from mcstate.plan import Note, Plan
from mcstate.resources import REGISTRY


@dataclass(frozen=True)
class ObjectRef:
    """An object named on the command line as KIND.KEY."""

    kind: str
    key: str

    @property
    def lookup(self) -> str:
        return lookup_address(self.kind, self.key)

    def __str__(self) -> str:
        return f"{self.kind}.{self.key}"


@dataclass(frozen=True)
class Selection:
    targets: tuple[ObjectRef, ...] = ()
    excludes: tuple[ObjectRef, ...] = ()

    @property
    def active(self) -> bool:
        return bool(self.targets or self.excludes)


@dataclass(frozen=True)
class Chosen:
    """The chosen objects by lookup address, and notes about those chosen or left out for another's sake."""

    addresses: frozenset[str]
    notes: tuple[Note, ...] = ()

    def __contains__(self, lookup: object) -> bool:
        return lookup in self.addresses


def parse_object_ref(value: str) -> ObjectRef | None:
    """`DataExtension.nto_customers` → ObjectRef; None when the part before the first '.' is not a kind."""
    kind, dot, key = value.partition(".")
    if not dot or kind not in REGISTRY:
        return None
    if not key.strip():
        raise McstateError(f"'{value}': the key after '{kind}.' is missing")
    return ObjectRef(kind, key)


def choose(
    selection: Selection,
    desired: DesiredState,
    pending: Iterable[tuple[str, str]],
    recreated: Iterable[str] = (),
) -> Chosen:
    """The objects of `pending` ((kind, key) of the objects that have something to report or do) that the
    selection chooses. `recreated` holds the lookup addresses of objects the plan deletes and creates again.
    An object named on the command line must be in the definitions or in `pending`."""
    labels = {lookup_address(kind, key): (kind, key) for kind, key in pending}
    for obj in desired:
        labels.setdefault(lookup_address(obj.kind, obj.key), (obj.kind, obj.key))
    _check_known(selection, labels)
    references = {
        lookup: tuple(lookup_address(ref.kind, ref.key) for ref in obj.references)
        for lookup, obj in desired.objects.items()
    }
    dependents: dict[str, list[str]] = {}
    for lookup, needed in references.items():
        for need in needed:
            dependents.setdefault(need, []).append(lookup)

    pending_lookups = {lookup_address(kind, key) for kind, key in pending}
    notes: list[Note] = []
    if selection.targets:
        targeted = {ref.lookup for ref in selection.targets}
        pulled_in = _reach(targeted, references)
        included = targeted | set(pulled_in)
    else:
        pulled_in = {}
        included = set(labels)
    pushed_out = _reach({ref.lookup for ref in selection.excludes}, dependents)
    excluded = {ref.lookup for ref in selection.excludes} | set(pushed_out)
    chosen = included - excluded

    for lookup, because in pulled_in.items():
        if lookup in chosen and lookup in pending_lookups:
            notes.append(
                _note(labels, lookup, f"also included because {_name(labels, because)} depends on it")
            )
    for lookup, because in pushed_out.items():
        if lookup in included and lookup in pending_lookups:
            notes.append(
                _note(labels, lookup, f"also excluded because it depends on {_name(labels, because)}")
            )

    recreated_chosen = set(recreated) & chosen
    for lookup, obj in desired.objects.items():
        if lookup in chosen or lookup in excluded or lookup not in pending_lookups:
            continue
        stale = next(
            (r for r in obj.references if r.by_id and lookup_address(r.kind, r.key) in recreated_chosen),
            None,
        )
        if stale is not None:
            chosen.add(lookup)
            because = _name(labels, lookup_address(stale.kind, stale.key))
            notes.append(
                _note(labels, lookup, f"also included because it refers to {because}, which is re-created")
            )
    return Chosen(frozenset(chosen), tuple(notes))


def limit_plan(plan: Plan, selection: Selection, desired: DesiredState) -> Plan:
    """The plan with only the chosen changes, and notes saying what was pulled in or pushed out."""
    if not selection.active:
        return plan
    pending = [(c.kind, c.key) for c in plan.changes]
    recreated = [lookup_address(c.kind, c.key) for c in plan.changes if c.action == "replace"]
    chosen = choose(selection, desired, pending, recreated)
    kept = tuple(c for c in plan.changes if lookup_address(c.kind, c.key) in chosen)
    return replace(plan, changes=kept, notes=(*plan.notes, *chosen.notes))


def _reach(start: set[str], edges: Mapping[str, Iterable[str]]) -> dict[str, str]:
    """Everything reachable from `start` (not `start` itself), each with the object it was reached from."""
    found: dict[str, str] = {}
    queue = sorted(start)
    while queue:
        current = queue.pop(0)
        for following in edges.get(current, ()):
            if following not in start and following not in found:
                found[following] = current
                queue.append(following)
    return found


def _check_known(selection: Selection, labels: Mapping[str, tuple[str, str]]) -> None:
    unknown = [
        (option, ref)
        for option, refs in (("--target", selection.targets), ("--exclude", selection.excludes))
        for ref in refs
        if ref.lookup not in labels
    ]
    if not unknown:
        return
    lines = []
    for option, ref in unknown:
        same_kind = [key for kind, key in labels.values() if kind == ref.kind]
        close = difflib.get_close_matches(ref.key, same_kind, n=3)
        hint = f" (did you mean {', '.join(f'{ref.kind}.{k}' for k in close)}?)" if close else ""
        lines.append(f"{option} {ref}: no {ref.kind} with key '{ref.key}' in the definitions{hint}")
    raise McstateError("\n".join(lines))


def _name(labels: Mapping[str, tuple[str, str]], lookup: str) -> str:
    kind, key = labels.get(lookup, tuple(lookup.split(":", 1)))  # type: ignore[assignment]
    return f"{kind} {key}"


def _note(labels: Mapping[str, tuple[str, str]], lookup: str, message: str) -> Note:
    kind, key = labels.get(lookup, tuple(lookup.split(":", 1)))  # type: ignore[assignment]
    return Note(kind, key, message)
