"""Rules that keep data from being imported twice or erased, checked by validate and plan on the
definitions: warnings (never blocking), each with an id, the reason, and silenced for one object by
`ignore_rules: [ID]` in its definition.

    overwrite-shared-destination   an Overwrite import into a data extension another activity also fills:
                                   each run erases what the other wrote
    query-overwrites-import        an Overwrite query into the destination of an import: the query erases
                                   the imported rows
    append-without-primary-key     an add-only import or an Append query into a data extension without a
                                   primary key: a second run of the same data adds every row again
    import-file-without-date       an import in a scheduled automation whose file name has no date
                                   placeholder: the same file is imported again on every run
    step-order-against-lineage     an automation step reads a data extension that a later step (or another
                                   activity of the same step) fills: it reads yesterday's rows, or half
    query-overwrites-its-source    an Overwrite query reading the data extension it writes: a failed or
                                   empty read erases it

Salesforce's data management guidance adds the last: rebuild a target from other tables, never from itself.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from mcstate.errors import Problem
from mcstate.resources.base import Desired
from mcstate.sql.checker import tables_named

IGNORE_RULES = "ignore_rules"
DATE_PLACEHOLDER = re.compile(r"%%(year|month|day|hour|minute)%%", re.IGNORECASE)


@dataclass(frozen=True)
class Rule:
    id: str
    reason: str


RULES = {
    rule.id: rule
    for rule in (
        Rule("overwrite-shared-destination", "each run erases what the other activity wrote"),
        Rule("query-overwrites-import", "the query erases the rows the import loaded"),
        Rule("append-without-primary-key", "running the same data again adds every row again"),
        Rule("import-file-without-date", "the same file is imported again on every scheduled run"),
        Rule("step-order-against-lineage", "it reads rows before they are written for this run"),
        Rule("query-overwrites-its-source", "an empty or failed read of the source erases it"),
    )
}


@dataclass(frozen=True)
class _Activity:
    kind: str
    key: str
    desired: Desired
    writes: str | None  # data extension key (folded)
    reads: frozenset[str]  # data extension keys (folded)


def _warning(desired: Desired, path: tuple[str | int, ...], rule_id: str, message: str) -> Problem | None:
    document = desired.document
    if document is None:
        return None
    ignored = {str(value) for value in document.data.get(IGNORE_RULES) or ()}
    if rule_id in ignored:
        return None
    rule = RULES[rule_id]
    problem = document.problem(
        path, f"{message}: {rule.reason} [{rule_id}; silence with ignore_rules: [{rule_id}]]"
    )
    return Problem(problem.location, problem.message, problem.path, severity="warning", rule=rule_id)


def _activities(objects: Mapping[str, Desired]) -> dict[tuple[str, str], _Activity]:
    by_name = {
        str(obj.attributes.get("name", "")).casefold(): obj.key.casefold()
        for obj in objects.values()
        if obj.kind == "DataExtension"
    }
    filters = {obj.key.casefold(): obj for obj in objects.values() if obj.kind == "FilterDefinition"}
    found: dict[tuple[str, str], _Activity] = {}
    for obj in objects.values():
        attributes = obj.attributes
        writes: str | None = None
        reads: set[str] = set()
        if obj.kind == "ImportDefinition":
            writes = str(attributes["destination"]).casefold()
        elif obj.kind == "QueryDefinition":
            writes = str(attributes["target"]).casefold()
            for name, _shared in tables_named(str(attributes.get("sql") or "")):
                key = by_name.get(name.casefold())
                if key is not None:
                    reads.add(key)
        elif obj.kind == "FilterActivity":
            writes = str(attributes["destination"]).casefold()
            definition = filters.get(str(attributes.get("filter", "")).casefold())
            if definition is not None:
                reads.add(str(definition.attributes.get("source", "")).casefold())
        elif obj.kind == "DataExtract" and attributes.get("data_extension"):
            reads.add(str(attributes["data_extension"]).casefold())
        else:
            continue
        found[(obj.kind, obj.key.casefold())] = _Activity(obj.kind, obj.key, obj, writes, frozenset(reads))
    return found


def _has_primary_key(objects: Mapping[str, Desired], key: str) -> bool | None:
    """Whether the declared data extension has a primary key; None when it is not declared."""
    for obj in objects.values():
        if obj.kind == "DataExtension" and obj.key.casefold() == key:
            return any(field.get("primary_key") for field in obj.attributes.get("fields") or [])
    return None


STEP_KINDS = {"import": "ImportDefinition", "query": "QueryDefinition", "filter": "FilterActivity",
              "extract": "DataExtract", "file_transfer": "FileTransfer"}  # fmt: skip


def check(objects: Mapping[str, Desired]) -> list[Problem]:
    activities = _activities(objects)
    writers: dict[str, list[_Activity]] = {}
    for activity in activities.values():
        if activity.writes:
            writers.setdefault(activity.writes, []).append(activity)
    found: list[Problem | None] = []
    for activity in activities.values():
        desired = activity.desired
        update = str(desired.attributes.get("update_type", ""))
        others = [a for a in writers.get(activity.writes or "", []) if a is not activity]
        if activity.kind == "ImportDefinition" and update == "overwrite" and others:
            names = ", ".join(f"{a.kind} {a.key}" for a in others)
            found.append(
                _warning(desired, ("update_type",), "overwrite-shared-destination",
                         f"this overwrite import's destination {activity.writes} is also filled by {names}")
            )  # fmt: skip
        if activity.kind == "QueryDefinition" and update == "overwrite":
            imports = [a for a in others if a.kind == "ImportDefinition"]
            if imports:
                found.append(
                    _warning(desired, ("update_type",), "query-overwrites-import",
                             f"its target is where ImportDefinition {imports[0].key} loads")
                )  # fmt: skip
            if activity.writes in activity.reads:
                found.append(
                    _warning(desired, ("sql",), "query-overwrites-its-source",
                             f"this overwrite query reads {activity.writes}, the data extension it writes")
                )  # fmt: skip
        appending = (activity.kind == "ImportDefinition" and update == "add_only") or (
            activity.kind == "QueryDefinition" and update == "append"
        )
        if appending and activity.writes and _has_primary_key(objects, activity.writes) is False:
            found.append(
                _warning(desired, ("update_type",), "append-without-primary-key",
                         f"it adds rows to {activity.writes}, which has no primary key")
            )  # fmt: skip
    for automation in (obj for obj in objects.values() if obj.kind == "Automation"):
        found.extend(_automation(automation, activities))
    return [problem for problem in found if problem is not None]


def _automation(
    automation: Desired, activities: Mapping[tuple[str, str], _Activity]
) -> Iterable[Problem | None]:
    steps = automation.attributes.get("steps") or []
    scheduled = bool(automation.attributes.get("schedule")) and bool(
        automation.attributes.get("active", True)
    )
    placed: list[list[_Activity]] = []
    for step in steps:
        members = []
        for item in step:
            kind = STEP_KINDS.get(str(item.get("type")))
            activity = activities.get((kind, str(item.get("key")).casefold())) if kind else None
            if activity is not None:
                members.append(activity)
        placed.append(members)
    for number, members in enumerate(placed):
        for activity in members:
            spec = str(activity.desired.attributes.get("file_spec", ""))
            if scheduled and activity.kind == "ImportDefinition" and not DATE_PLACEHOLDER.search(spec):
                yield _warning(
                    automation, ("steps", number), "import-file-without-date",
                    f"step {number + 1} imports {spec!r} (ImportDefinition {activity.key}) on a schedule",
                )  # fmt: skip
            for later_number in range(number, len(placed)):
                for writer in placed[later_number]:
                    if writer is activity or not writer.writes or writer.writes not in activity.reads:
                        continue
                    when = "the same step" if later_number == number else f"step {later_number + 1}"
                    yield _warning(
                        automation, ("steps", number), "step-order-against-lineage",
                        f"step {number + 1} ({activity.kind} {activity.key}) reads {writer.writes}, which "
                        f"{writer.kind} {writer.key} fills in {when}",
                    )  # fmt: skip
