"""`ignore_changes`: attribute paths of a definition that plan, apply and drift leave alone.

A path is written the way the plan prints it: a top-level attribute (`description`, `schedule`), a nested
one (`retention.policy`), or an item of a list picked by name (`fields[City]`, `fields[City].length`).

The planner hands each type the desired attributes with every ignored value replaced by the account's, so no
type ever sees a difference there: its diff reports nothing and its write calls send nothing new (types
that send a whole object, such as REST updates, send the account's own value back). Creating an object
still sends the whole definition: there is nothing in the account to keep.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from mcstate.errors import Problem
from mcstate.plan import Change
from mcstate.resources.base import Desired, Live

IGNORE_CHANGES = "ignore_changes"

_SEGMENT = re.compile(r"(?P<name>[^.\[\]]+)(?:\[(?P<item>[^\]]+)\])?")


@dataclass(frozen=True)
class Segment:
    """One step of a path: an attribute name, optionally followed by the list item it selects."""

    name: str
    item: str | None = None

    def folded(self) -> tuple[str, str | None]:
        return self.name, self.item.casefold() if self.item is not None else None


def parse_path(path: str) -> tuple[Segment, ...] | None:
    """`fields[City].length` → (fields[City], length); None when the text is not a path."""
    segments: list[Segment] = []
    for part in _split(path.strip()):
        match = _SEGMENT.fullmatch(part.strip())
        if match is None:
            return None
        segments.append(Segment(match["name"].strip(), _strip(match["item"])))
    return tuple(segments) or None


def _split(path: str) -> list[str]:
    """Split on dots outside brackets, so an item name may contain a dot."""
    parts, depth, current = [], 0, ""
    for char in path:
        if char == "[":
            depth += 1
        elif char == "]":
            depth -= 1
        if char == "." and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += char
    parts.append(current)
    return parts


def _strip(item: str | None) -> str | None:
    return item.strip().strip("'\"") if item is not None else None


def ignored_paths(desired: Desired) -> tuple[tuple[Segment, ...], ...]:
    if desired.document is None:
        return ()
    written = desired.document.data.get(IGNORE_CHANGES) or []
    return tuple(p for p in (parse_path(str(text)) for text in written) if p is not None)


def path_problems(desired: Desired) -> list[Problem]:
    """Paths that cannot name anything in this kind are mistakes: they would silently ignore nothing."""
    document = desired.document
    if document is None:
        return []
    known = sorted(name for name in desired.attributes if not name.startswith("_"))
    problems: list[Problem] = []
    for index, text in enumerate(document.data.get(IGNORE_CHANGES) or []):
        parsed = parse_path(str(text))
        if parsed is None:
            message = f"'{text}' is not an attribute path (e.g. description, fields[City].length)"
        elif parsed[0].name not in desired.attributes or parsed[0].name.startswith("_"):
            message = f"{desired.kind} has no attribute '{parsed[0].name}' (attributes: {', '.join(known)})"
        else:
            continue
        problems.append(document.problem((IGNORE_CHANGES, index), message))
    return problems


def keep_account_values(desired: Desired, live: Live | None) -> Desired:
    """The desired object with every ignored attribute set to the account's value (unchanged when the
    object is not in the account yet, or nothing is ignored)."""
    paths = ignored_paths(desired)
    if live is None or not paths:
        return desired
    attributes = copy.deepcopy(desired.attributes)
    for path in paths:
        _copy_value(attributes, live.attributes, path, top_level=True)
    return replace(desired, attributes=attributes)


def _copy_value(wanted: Any, current: Any, path: Sequence[Segment], *, top_level: bool = False) -> None:
    """Make `wanted` hold `current`'s value at `path`. A value the account does not have is removed from
    `wanted`, except a top-level attribute (types rely on those being present; see drop_ignored)."""
    if not isinstance(wanted, dict) or not isinstance(current, dict):
        return
    head, rest = path[0], path[1:]
    if head.item is None:
        if not rest:
            if head.name in current:
                wanted[head.name] = copy.deepcopy(current[head.name])
            elif not top_level:
                wanted.pop(head.name, None)
            return
        if head.name in wanted and head.name in current:
            _copy_value(wanted[head.name], current[head.name], rest)
        return
    wanted_items, current_items = wanted.get(head.name), current.get(head.name)
    if not isinstance(wanted_items, list) or not isinstance(current_items, list):
        return
    mine = _find(wanted_items, head.item)
    theirs = _find(current_items, head.item)
    if rest:
        if mine is not None and theirs is not None:
            _copy_value(wanted_items[mine], current_items[theirs], rest)
        return
    if mine is not None and theirs is not None:
        wanted_items[mine] = copy.deepcopy(current_items[theirs])
    elif mine is not None:
        del wanted_items[mine]
    elif theirs is not None:
        wanted_items.insert(min(theirs, len(wanted_items)), copy.deepcopy(current_items[theirs]))


def _find(items: list[Any], selector: str) -> int | None:
    """The item named `selector` (by name or key, case-insensitively), else the item at that index."""
    folded = selector.casefold()
    for index, item in enumerate(items):
        if isinstance(item, dict):
            label = item.get("name", item.get("key"))
            if label is not None and str(label).casefold() == folded:
                return index
    if selector.isdigit() and int(selector) < len(items):
        return int(selector)
    return None


def is_ignored(attribute_path: str, paths: Sequence[Sequence[Segment]]) -> bool:
    """Whether a plan's attribute path is an ignored path or lies under one."""
    parsed = parse_path(attribute_path)
    if parsed is None:
        return False
    folded = [segment.folded() for segment in parsed]
    for path in paths:
        prefix = [segment.folded() for segment in path]
        if len(prefix) > len(folded) or folded[: len(prefix) - 1] != prefix[:-1]:
            continue
        last, there = prefix[-1], folded[len(prefix) - 1]
        # An ignored list (`fields`) covers each of its items (`fields[City]`).
        if last == there or (last[1] is None and last[0] == there[0]):
            return True
    return False


def drop_ignored(change: Change | None, desired: Desired) -> Change | None:
    """Remove ignored attributes the type still reported (say, a top-level attribute the account does not
    have at all); a change left with no attribute disappears."""
    paths = ignored_paths(desired)
    if change is None or not paths or change.action == "create" or not change.attributes:
        return change
    kept = tuple(a for a in change.attributes if not is_ignored(a.path, paths))
    if len(kept) == len(change.attributes):
        return change
    if not kept:
        return None
    dropped_reasons = {
        a.destructive_reason for a in change.attributes if a not in kept and a.destructive_reason
    }
    reasons = tuple(r for r in change.destructive_reasons if r not in dropped_reasons)
    return replace(change, attributes=kept, destructive_reasons=reasons)
