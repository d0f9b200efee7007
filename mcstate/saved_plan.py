"""Saved plans: `mcstate plan --out FILE` writes one, `mcstate show FILE` renders it, `mcstate apply FILE`
applies exactly that plan, or refuses before writing anything when it no longer describes what would happen.

A saved plan is one JSON document (`saved_plan_version` 1). Its top level is the plan as `plan --format json`
prints it (`format_version`, `target`, `changes`, `notes`, `summary`), so anything that reads that output
reads a saved plan too. Beside it:

- `definitions_hash`: a hash of every definition (each document's data and its normalized attributes, so a
  changed `.sql` file counts) the plan was made from;
- `fingerprints`: for every live object the plan read, by address (`Kind:key`), a hash of its normalized
  attributes and its identifiers (ObjectID, ModifiedDate when the kind has one, field ObjectIDs); and, when
  the manifest records objects no definition declares (what `--prune` deletes), a hash of those records
  under `Manifest:mcstate_managed_objects`;
- `apply`: what apply needs to carry out exactly this plan: every change in full (attribute changes with
  their destructive reasons, `before`/`after`, `ids`, `depends_on`, ...) and `known_ids`, the identifiers
  of the live objects the changes refer to;
- `flow`: the data flow around the changes, for the markdown flowchart.

Applying refuses when the plan was made for another target, when the definitions changed, or when any object
the plan read changed, appeared or disappeared in the account since (the plan is stale): each of these means
the saved changes are no longer the ones a new plan would make. The identifiers the steps write come from the
saved plan, which is also why a changed ObjectID makes it stale.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from mcstate.desired import DesiredState, lookup_address
from mcstate.errors import McstateError, PlanRefused
from mcstate.manifest import MANIFEST_KEY, ManifestEntry, attributes_hash
from mcstate.plan import AttributeChange, Change, Feed, Note, Plan
from mcstate.render.json_view import plan_document
from mcstate.resources.base import Live

SAVED_PLAN_VERSION = 1
# The fingerprint of the manifest's entries that a plan uses (mcstate.manifest), beside the live objects'.
MANIFEST_ADDRESS = f"Manifest:{MANIFEST_KEY}"
# How many changed objects a stale-plan message names before it only counts the rest.
MAX_NAMED_OBJECTS = 25


class SavedPlanError(McstateError):
    """The file is not a saved plan this mcstate can read."""


@dataclass(frozen=True)
class SavedPlan:
    plan: Plan
    definitions_hash: str
    source: str  # where it was read from, for messages
    # The target's variables the plan was made with (Variables.recorded); None in plans saved without.
    variables: dict[str, Any] | None = None


def fingerprint(obj: Live) -> str:
    return attributes_hash({"attributes": obj.attributes, "ids": obj.ids})


def fingerprint_live(live: Mapping[str, Mapping[str, Live]]) -> dict[str, str]:
    """A fingerprint of every live object, by address."""
    return {obj.address: fingerprint(obj) for objects in live.values() for obj in objects.values()}


def fingerprint_account(
    live: Mapping[str, Mapping[str, Live]],
    managed: Mapping[str, ManifestEntry],
    desired: DesiredState,
) -> dict[str, str]:
    """Fingerprints of everything a plan is computed from: every live object, and the manifest entries of
    objects no definition declares (they decide what the plan deletes or notes), when there are any."""
    prints = fingerprint_live(live)
    undefined = {lookup: asdict(entry) for lookup, entry in managed.items() if lookup not in desired.objects}
    if undefined:
        prints[MANIFEST_ADDRESS] = attributes_hash(undefined)
    return prints


def definitions_hash(desired: DesiredState) -> str:
    """One hash over every definition: the document as written (prevent_destroy, ignore_changes, ...) and the
    normalized attributes (which hold the SQL a `sql_file` names)."""
    return attributes_hash(
        {
            obj.address: {
                "document": obj.document.data if obj.document is not None else None,
                "attributes": obj.attributes,
            }
            for obj in desired
        }
    )


def saved_plan_document(
    plan: Plan, definitions: str, variables: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    return {
        "saved_plan_version": SAVED_PLAN_VERSION,
        **plan_document(plan),
        "definitions_hash": definitions,
        "variables": dict(variables or {}),
        "fingerprints": dict(sorted(plan.fingerprints.items())),
        "unrecorded": list(plan.unrecorded),
        "apply": {
            "changes": [change_to_json(c) for c in plan.changes],
            "known_ids": plan.known_ids,
        },
        "flow": [{"source": f.source, "target": f.target, "label": f.label} for f in plan.flow],
    }


def render_saved_plan(plan: Plan, definitions: str, variables: Mapping[str, Any] | None = None) -> str:
    document = saved_plan_document(plan, definitions, variables)
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def save_plan(path: Path, plan: Plan, definitions: str, variables: Mapping[str, Any] | None = None) -> None:
    """Write the plan; `definitions` is definitions_hash of the definitions as loaded, before planning (the
    planner's checks may add derived attributes to the desired objects); `variables` what the target's
    variables were (Variables.recorded)."""
    try:
        path.write_text(render_saved_plan(plan, definitions, variables), encoding="utf-8")
    except OSError as exc:
        raise McstateError(f"cannot write the plan to {path}: {exc.strerror or exc}") from exc


def change_to_json(change: Change) -> dict[str, Any]:
    return {
        "kind": change.kind,
        "key": change.key,
        "action": change.action,
        "attributes": [
            {
                "path": a.path,
                "before": a.before,
                "after": a.after,
                "destructive_reason": a.destructive_reason,
            }
            for a in change.attributes
        ],
        "before": change.before,
        "after": change.after,
        "ids": change.ids,
        "depends_on": list(change.depends_on),
        "destructive_reasons": list(change.destructive_reasons),
        "warnings": list(change.warnings),
        "protected": change.protected,
    }


def change_from_json(data: Mapping[str, Any]) -> Change:
    return Change(
        kind=str(data["kind"]),
        key=str(data["key"]),
        action=data["action"],
        attributes=tuple(
            AttributeChange(str(a["path"]), a["before"], a["after"], a["destructive_reason"])
            for a in data["attributes"]
        ),
        before=data["before"],
        after=data["after"],
        ids=dict(data["ids"]),
        depends_on=tuple(data["depends_on"]),
        destructive_reasons=tuple(data["destructive_reasons"]),
        warnings=tuple(data["warnings"]),
        protected=bool(data["protected"]),
    )


def _read_version_1(document: Mapping[str, Any], source: str) -> SavedPlan:
    actions = {"create", "update", "replace", "delete"}
    steps = document["apply"]
    changes = tuple(change_from_json(c) for c in steps["changes"])
    unknown = sorted({c.action for c in changes} - actions)
    if unknown:
        raise ValueError(f"unknown action {unknown[0]!r}")
    plan = Plan(
        target=str(document["target"]),
        changes=changes,
        notes=tuple(Note(str(n["kind"]), str(n["key"]), str(n["message"])) for n in document["notes"]),
        known_ids={str(a): dict(ids) for a, ids in steps["known_ids"].items()},
        flow=tuple(Feed(str(f["source"]), str(f["target"]), str(f["label"])) for f in document["flow"]),
        fingerprints={str(a): str(h) for a, h in document["fingerprints"].items()},
        # Plans saved before the record was repaired by apply have none.
        unrecorded=tuple(str(address) for address in document.get("unrecorded") or ()),
        warnings=tuple(
            Note(str(n["kind"]), str(n["key"]), str(n["message"])) for n in document.get("warnings") or ()
        ),
    )
    variables = document.get("variables")
    recorded = dict(variables) if isinstance(variables, dict) else None
    return SavedPlan(plan, str(document["definitions_hash"]), source, recorded)


# One reader per saved-plan version this mcstate understands.
READERS: dict[int, Callable[[Mapping[str, Any], str], SavedPlan]] = {1: _read_version_1}


def read_saved_plan(document: Any, source: str) -> SavedPlan:
    """A parsed saved-plan document → SavedPlan, refusing versions this mcstate does not know."""
    if not isinstance(document, dict) or "saved_plan_version" not in document:
        raise SavedPlanError(f"{source} is not a saved plan (write one with `mcstate plan --out {source}`)")
    version = document["saved_plan_version"]
    reader = READERS.get(version) if isinstance(version, int) and not isinstance(version, bool) else None
    if reader is None:
        known = ", ".join(str(v) for v in sorted(READERS))
        raise SavedPlanError(
            f"{source} is a saved plan of version {version!r}, which this mcstate cannot read "
            f"(it reads version {known}); make the plan again with this mcstate"
        )
    try:
        return reader(document, source)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise SavedPlanError(f"{source}: the saved plan is damaged or incomplete ({exc!s})") from exc


def load_saved_plan(path: Path) -> SavedPlan:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SavedPlanError(f"cannot read the saved plan {path}: {exc.strerror or exc}") from exc
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SavedPlanError(f"{path} is not a saved plan: not JSON ({exc})") from exc
    return read_saved_plan(document, str(path))


def check_target(saved: SavedPlan, target: str) -> None:
    if saved.plan.target != target:
        raise PlanRefused(f"saved plan is for target {saved.plan.target}, not {target}; nothing was applied")


def check_variables(saved: SavedPlan, current: Mapping[str, Any]) -> None:
    """The target's variables must be those the plan was made with (a value read from the environment is
    compared by its hash)."""
    if saved.variables is None:
        return
    changed = sorted(
        name for name in {*saved.variables, *current} if saved.variables.get(name) != current.get(name)
    )
    if changed:
        raise PlanRefused(
            f"the variables changed since the plan was made ({', '.join(changed)}); plan again "
            "(nothing was applied)"
        )


def check_definitions(saved: SavedPlan, desired: DesiredState) -> None:
    if definitions_hash(desired) != saved.definitions_hash:
        raise PlanRefused("the definitions changed since the plan was made; plan again (nothing was applied)")


def changed_objects(saved: Mapping[str, str], current: Mapping[str, str]) -> list[str]:
    """Objects whose fingerprint differs, as "Kind key", with "(new)" / "(deleted)" for objects that appeared
    in or disappeared from the account; in a stable order."""
    before = {_lookup(address): (address, value) for address, value in saved.items()}
    after = {_lookup(address): (address, value) for address, value in current.items()}
    changed: list[str] = []
    for lookup in sorted(before.keys() | after.keys(), key=str.casefold):
        was, now = before.get(lookup), after.get(lookup)
        if was is not None and now is not None:
            if was[1] != now[1]:
                changed.append(_named(now[0]))
        elif was is not None:
            changed.append(_named(was[0]) + ("" if was[0] == MANIFEST_ADDRESS else " (deleted)"))
        elif now is not None:
            changed.append(_named(now[0]) + ("" if now[0] == MANIFEST_ADDRESS else " (new)"))
    return changed


def check_account(
    saved: SavedPlan,
    live: Mapping[str, Mapping[str, Live]],
    managed: Mapping[str, ManifestEntry],
    desired: DesiredState,
) -> None:
    """Refuse when any object the plan read changed, appeared or disappeared since (`live` and `managed`
    read the way the plan read them: engine.read_account)."""
    changed = changed_objects(saved.plan.fingerprints, fingerprint_account(live, managed, desired))
    if changed:
        raise PlanRefused(
            "saved plan is stale: these objects changed in the account since the plan was made: "
            f"{_listed(changed)}. Nothing was applied; plan again."
        )


def _lookup(address: str) -> str:
    kind, _, key = address.partition(":")
    return lookup_address(kind, key)


def _named(address: str) -> str:
    kind, _, key = address.partition(":")
    if address == MANIFEST_ADDRESS:
        return f"the record of managed objects ({key})"
    return f"{kind} {key}"


def _listed(names: Iterable[str]) -> str:
    items = list(names)
    shown = ", ".join(items[:MAX_NAMED_OBJECTS])
    more = len(items) - MAX_NAMED_OBJECTS
    return f"{shown} and {more} more" if more > 0 else shown
