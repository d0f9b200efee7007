"""What a plan's changes to data extensions break: who uses a data extension that is renamed, deleted or
re-created, or a field that is removed, retyped or shortened.

Each such change lists its users (queries by the columns their SQL reads, imports by their field maps,
filters, filter activities and extracts by the data extension they name), declared or only in the
account: the objects that use the data extension as the account has it now. A declared query that would no
longer resolve is already an error of the plan (its SQL is checked against the account the plan leaves);
a query only in the account, which mcstate does not manage, becomes a warning of the plan naming it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from mcstate.desired import DesiredState, lookup_address
from mcstate.flow import _all_feeds, _Object, _objects
from mcstate.plan import Change, Note
from mcstate.resources.base import Live
from mcstate.sql.catalog import catalog_for
from mcstate.sql.checker import analyze

DATA_EXTENSION = "DataExtension"
QUERY = "QueryDefinition"
IMPORT = "ImportDefinition"
LiveState = Mapping[str, Mapping[str, Live]]


def with_impact(
    changes: Sequence[Change], desired: DesiredState, live: LiveState
) -> tuple[list[Change], list[Note]]:
    """The changes, those that break something listing its users in their warnings, and the plan's
    warnings about objects only in the account that would break."""
    breaking = {lookup_address(DATA_EXTENSION, c.key): c for c in changes if c.kind == DATA_EXTENSION}
    broken = {lookup: _broken_fields(c) for lookup, c in breaking.items()}
    broken = {lookup: fields for lookup, fields in broken.items() if fields is not None}
    if not broken:
        return list(changes), []
    objects = _as_now(desired, live)
    users: dict[str, list[tuple[str, str]]] = {}
    for source, target, label in _all_feeds(objects):
        for end, other in ((source, target), (target, source)):
            if end in broken and other != end:
                users.setdefault(end, []).append((other, label))
    before = catalog_for({}, live)
    listed: list[Change] = []
    warnings: list[Note] = []
    for change in changes:
        lookup = lookup_address(change.kind, change.key)
        if change.kind != DATA_EXTENSION or lookup not in broken:
            listed.append(change)
            continue
        fields = broken[lookup]
        notes = []
        for user_lookup in dict.fromkeys(user for user, _label in users.get(lookup, [])):
            user = objects.get(user_lookup)
            if user is None:
                continue
            used = _fields_used(user, change.key, before)
            if fields and used is not None and not fields & {name.casefold() for name in used}:
                continue  # it uses none of the fields that change
            declared = desired.get(user.kind, user.key) is not None
            reads = f": {_some(sorted(used))}" if used else ""
            where = "" if declared else " (only in the account: mcstate does not manage it)"
            notes.append(f"used by {user.kind} {user.key}{where}{reads}")
            if not declared and user.kind == QUERY:
                warnings.extend(_breaks_in_account(user, desired, live))
        listed.append(replace(change, warnings=(*change.warnings, *notes)) if notes else change)
    return listed, list(dict.fromkeys(warnings))


def _some(names: Sequence[str], shown: int = 12) -> str:
    if len(names) <= shown:
        return ", ".join(names)
    return f"{', '.join(names[:shown])} and {len(names) - shown} more"


def _broken_fields(change: Change) -> frozenset[str] | None:
    """The fields (case-folded) a change takes away from users, empty when it is the whole data extension
    (renamed, deleted, re-created); None when it takes nothing away."""
    if change.action in ("delete", "replace"):
        return frozenset()
    fields: set[str] = set()
    for attribute in change.attributes:
        if attribute.path == "name":
            return frozenset()
        if not attribute.path.startswith("fields["):
            continue
        name, _, detail = attribute.path[len("fields[") :].partition("]")
        if attribute.after is None and not detail:
            fields.add(name.casefold())  # removed
        elif detail in (".name", ".type") or (
            detail == ".length" and _shorter(attribute.before, attribute.after)
        ):
            fields.add(name.casefold())
    return frozenset(fields) if fields else None


def _shorter(before: Any, after: Any) -> bool:
    return isinstance(before, int) and isinstance(after, int) and after < before


def _as_now(desired: DesiredState, live: LiveState) -> dict[str, _Object]:
    """Objects that use data extensions, by lookup address: the definitions' version of each (the one the
    plan writes), data extensions as the account has them now (the names SQL uses today)."""
    return _objects(desired, live, account_first=(DATA_EXTENSION,))


def _fields_used(user: _Object, key: str, before: Any) -> set[str] | None:
    """The fields of data extension `key` an object uses, when that can be told (None otherwise)."""
    if user.kind == QUERY:
        analysis = analyze(str(user.attributes.get("sql") or ""), before)
        folded = key.casefold()
        used = {
            read.column for read in analysis.reads if read.table.key and read.table.key.casefold() == folded
        }
        if str(user.attributes.get("target") or "").casefold() == folded:
            used |= {output.name for output in analysis.outputs or ()}  # the columns it writes
        return used
    if user.kind == IMPORT and str(user.attributes.get("destination") or "").casefold() == key.casefold():
        return {str(pair["destination"]) for pair in user.attributes.get("field_map") or []} or None
    return None


def _breaks_in_account(query: _Object, desired: DesiredState, live: LiveState) -> list[Note]:
    """A warning for a query only in the account whose SQL resolves now and would not after the plan."""
    sql = str(query.attributes.get("sql") or "")
    before = {issue.message for issue in analyze(sql, catalog_for({}, live)).errors}
    after = [
        issue
        for issue in analyze(sql, catalog_for(desired.objects, live)).errors
        if issue.message not in before
    ]
    return [
        Note(
            query.kind,
            query.key,
            f"only in the account, it would no longer run after this plan: "
            f"line {issue.line}: {issue.message}",
        )
        for issue in after[:3]
    ]
