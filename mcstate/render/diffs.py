"""How a changed value is shown, the same in every view: text (SQL) as a unified diff with the same context,
nested values (automation steps, field maps, filter conditions, data fields of extracts) item by item with
deepdiff, in the definitions' own syntax, so that a reviewer reads "+ step 3: [{filter: x}]" instead of two
long lines to compare by eye."""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

# Lines of context around each changed line of a text diff (SQL), in every view.
CONTEXT_LINES = 3

# What one item of a nested attribute is called, by depth: steps hold activities.
ITEM_NAMES: dict[str, tuple[str, ...]] = {
    "steps": ("step", "activity"),
    "field_map": ("mapping",),
    "fields": ("field",),
    "data_fields": ("data field",),
}
# Text a YAML flow collection holds without quotes: no indicator first, no flow punctuation, no edge spaces.
PLAIN = re.compile(r"[^\s,\[\]{}#&*!|>'\"%@`?:-][^,\[\]{}]*(?<!\s)|-[^\s,\[\]{}]*")
# Keys that name a list item, so that an item is followed across positions (a field map by destination).
IDENTITY_KEYS = ("key", "destination", "name", "field", "source")


@dataclass(frozen=True)
class ItemChange:
    """One item of a nested value: added (+), removed (-), changed (~) or moved (~, `moved_from` set)."""

    mark: str
    where: str
    before: Any
    after: Any
    moved_from: str = ""


def is_nested(value: Any) -> bool:
    return isinstance(value, list | dict)


def unified_lines(before: Any, after: Any) -> list[str]:
    """A unified diff of two multi-line values (either may be None), without the file header lines."""
    old = str(before).strip("\n").splitlines() if before is not None else []
    new = str(after).strip("\n").splitlines() if after is not None else []
    lines = difflib.unified_diff(old, new, lineterm="", n=CONTEXT_LINES)
    return [line.rstrip() for line in lines if not line.startswith(("---", "+++"))]


def item_changes(attribute: str, before: Any, after: Any) -> list[ItemChange]:
    """What differs between two nested values, item by item, in the order of the new value."""
    from deepdiff import DeepDiff  # imported here: plans without nested changes never need it

    diff = DeepDiff(before, after, view="tree", verbose_level=2, iterable_compare_func=_same_item)
    found: list[tuple[list[Any], ItemChange]] = []
    moved: list[tuple[list[Any], list[Any], Any]] = []
    for report, levels in diff.items():
        for level in levels:
            old_path, new_path = _path(level, second=False), _path(level, second=True)
            if report == "iterable_item_moved":
                moved.append((old_path, new_path, level.t2))
            elif report.endswith("_added"):
                found.append((new_path, ItemChange("+", label(attribute, new_path), None, level.t2)))
            elif report.endswith("_removed"):
                found.append((old_path, ItemChange("-", label(attribute, old_path), level.t1, None)))
            else:
                found.append((new_path, ItemChange("~", label(attribute, new_path), level.t1, level.t2)))
    for old_path, new_path, value in _real_moves(moved, found):
        change = ItemChange("~", label(attribute, new_path), value, value, label(attribute, old_path))
        found.append((new_path, change))
    found.sort(
        key=lambda item: [str(part) if not isinstance(part, int) else f"{part:09d}" for part in item[0]]
    )
    return [change for _, change in found]


def _path(level: Any, *, second: bool) -> list[Any]:
    """The path of a difference in the old value (or the new one, `second`), from the links between the
    levels: the level's own path() names one index for both sides once items moved."""
    parts: list[Any] = []
    node = level
    while node.up is not None:
        links = (
            (node.up.t2_child_rel, node.up.t1_child_rel)
            if second
            else (node.up.t1_child_rel, node.up.t2_child_rel)
        )
        link = links[0] or links[1]
        parts.append(link.param if link is not None else "?")
        node = node.up
    return parts[::-1]


def label(attribute: str, path: list[Any]) -> str:
    """Where in the value, counted from 1 as a reader counts: `step 3 › activity 2` for the items of the
    attribute itself, `all[2] › any[1] › value` inside them."""
    names = ITEM_NAMES.get(attribute, ())
    parts: list[str] = []
    depth = 0
    after_key = False
    for part in path:
        if isinstance(part, int) and after_key:
            parts[-1] = f"{parts[-1]}[{part + 1}]"
        elif isinstance(part, int):
            name = names[min(depth, len(names) - 1)] if names else "item"
            parts.append(f"{name} {part + 1}")
            depth += 1
        else:
            parts.append(str(part))
        after_key = not isinstance(part, int)
    return " › ".join(parts) or attribute


def flow(value: Any) -> str:
    """A value as a definition writes it, in YAML flow style on one line: {query: nto_x}, value: 0. Text
    is written plain where YAML allows it (as a reader writes it), quoted otherwise."""
    written = _as_written(value)
    if isinstance(written, Mapping):
        return "{" + ", ".join(f"{flow(key)}: {flow(item)}" for key, item in written.items()) + "}"
    if isinstance(written, list):
        return "[" + ", ".join(flow(item) for item in written) + "]"
    if written is None:
        return "null"
    if isinstance(written, bool):
        return "true" if written else "false"
    if isinstance(written, str):
        return (
            written
            if PLAIN.fullmatch(written) and ": " not in written and " #" not in written
            else (json.dumps(written, ensure_ascii=False))
        )
    return str(written)


def _as_written(value: Any) -> Any:
    # An activity is normalized to {type, key}; a definition writes it {query: nto_x}.
    if isinstance(value, Mapping):
        if set(value) == {"type", "key"} and isinstance(value.get("type"), str):
            return {value["type"]: value["key"]}
        return {str(k): _as_written(v) for k, v in value.items() if v is not None}
    if isinstance(value, list | tuple):
        return [_as_written(item) for item in value]
    return value


def _identity(item: Any) -> tuple[Any, ...] | None:
    if not isinstance(item, Mapping):
        return None
    if "field" in item and "operator" in item:
        return ("condition", item["field"], item["operator"])  # a field is compared more than once
    for key in IDENTITY_KEYS:
        if key in item and not is_nested(item[key]):
            return key, item[key]
    return None


def _same_item(first: Any, second: Any, level: Any = None) -> bool:
    """Whether two list items are one item (then compared, or followed when it moved): equal, named alike,
    or, for lists (a step's activities), sharing an element."""
    if first == second:
        return True
    if isinstance(first, Mapping) and isinstance(second, Mapping):
        mine, theirs = _identity(first), _identity(second)
        if mine is not None and theirs is not None:
            return mine == theirs
    if isinstance(first, list) and isinstance(second, list):
        return any(element in second for element in first)
    from deepdiff.helper import CannotCompare

    raise CannotCompare() from None


def _real_moves(
    moved: list[tuple[list[Any], list[Any], Any]], found: list[tuple[list[Any], ItemChange]]
) -> list[tuple[list[Any], list[Any], Any]]:
    """Moves that change the order of the items: one that only follows from items added or removed before
    it (a step inserted pushes the later ones down) is not shown."""
    real = []
    for old_path, new_path, value in moved:
        if len(old_path) != len(new_path) or old_path[:-1] != new_path[:-1]:
            real.append((old_path, new_path, value))
            continue
        parent, old_index, new_index = old_path[:-1], old_path[-1], new_path[-1]
        added = sum(
            1
            for path, change in found
            if change.mark == "+"
            and path[:-1] == parent
            and isinstance(path[-1], int)
            and path[-1] < new_index
        )
        removed = sum(
            1
            for path, change in found
            if change.mark == "-"
            and path[:-1] == parent
            and isinstance(path[-1], int)
            and path[-1] < old_index
        )
        if old_index + added - removed != new_index:
            real.append((old_path, new_path, value))
    return real
