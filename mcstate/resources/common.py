"""Rules several resource types share: folder paths under a root, unique names, and finding what a
reference names (in the definitions first, else in the account)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from mcstate.definitions.document import Document
from mcstate.errors import Problem
from mcstate.plan import AttributeChange
from mcstate.resources.base import Desired, Live

SEPARATOR = "/"


def folder_path(data: Mapping[str, Any], root: str) -> str:
    """The `folder:` attribute normalized (segments trimmed); the root folder when absent."""
    return SEPARATOR.join(part.strip() for part in str(data.get("folder") or root).split(SEPARATOR))


def folder_problems(document: Document, folder: str, root: str) -> list[Problem]:
    if any(not part for part in folder.split(SEPARATOR)):
        return [document.problem(("folder",), f"folder path '{folder}' has an empty segment")]
    if folder.split(SEPARATOR)[0] != root:
        return [
            document.problem(
                ("folder",),
                f"folder path must start with the root folder '{root}', e.g. '{root}/{folder}'",
            )
        ]
    return []


def declared_name_conflicts(
    desired: Desired, declared: Mapping[str, Desired], label: str, code: object = None
) -> list[Problem]:
    """Names are unique per kind in an account: the later of two definitions with one name is wrong."""
    document = desired.document
    if document is None:
        return []
    name = str(desired.attributes["name"]).casefold()
    prefix = f"{code}: " if code is not None else ""
    for other in _by_name(declared, lambda obj: obj.kind).get((desired.kind, name), ()):
        if (
            other.key != desired.key
            and other.document is not None
            and (other.document.file, other.document.index) < (document.file, document.index)
        ):
            return [
                document.problem(
                    ("name",),
                    f"{prefix}{label} name '{desired.attributes['name']}' is already used by "
                    f"'{other.key}' ({other.document.location()}); names are unique in an account",
                )
            ]
    return []


def account_name_conflicts(
    desired: Desired, live: Mapping[str, Mapping[str, Live]], label: str, code: object = None
) -> list[Problem]:
    """A name another object of the kind already has in the account would make the service refuse."""
    document = desired.document
    if document is None:
        return []
    name = str(desired.attributes["name"]).casefold()
    prefix = f"{code}: " if code is not None else ""
    # The object a definition re-keys (moved_from) is the same object: its name is its own.
    moved_from = str(document.data.get("moved_from") or "").casefold()
    for other in _by_name(live.get(desired.kind, _NOTHING), lambda obj: "").get(("", name), ()):
        if other.key != desired.key and other.key.casefold() != moved_from:
            return [
                document.problem(
                    ("name",),
                    f"{prefix}{label} name '{desired.attributes['name']}' is already used in the account by "
                    f"'{other.key}'; names are unique in an account",
                )
            ]
    return []


# The last few name indexes built, by the identity of the mapping they index (kept referenced, so that the
# identity cannot be reused while cached). Every definition is checked against all the others: without an
# index that is quadratic, minutes for ten thousand data extensions.
_NAME_INDEXES: dict[int, tuple[Mapping[str, Any], int, dict[tuple[str, str], list[Any]]]] = {}
_NAME_INDEX_LOCK = threading.Lock()
_NOTHING: Mapping[str, Live] = {}


def _by_name(
    objects: Mapping[str, Desired | Live], group: Callable[[Any], str]
) -> dict[tuple[str, str], list[Any]]:
    """The objects of `objects` by (group, case-folded name), each list in the mapping's order."""
    with _NAME_INDEX_LOCK:
        cached = _NAME_INDEXES.get(id(objects))
        if cached is not None and cached[0] is objects and cached[1] == len(objects):
            return cached[2]
        index: dict[tuple[str, str], list[Any]] = {}
        for obj in objects.values():
            index.setdefault((group(obj), str(obj.attributes.get("name") or "").casefold()), []).append(obj)
        if len(_NAME_INDEXES) >= 8:
            _NAME_INDEXES.clear()
        _NAME_INDEXES[id(objects)] = (objects, len(objects), index)
        return index


def declared_object(kind: str, key: str, declared: Mapping[str, Desired]) -> Desired | None:
    from mcstate.desired import lookup_address  # the registry imports this module

    return declared.get(lookup_address(kind, key))


def definition_or_account(
    kind: str, key: str, declared: Mapping[str, Desired], live: Mapping[str, Mapping[str, Live]]
) -> Mapping[str, Any] | None:
    """The attributes of a referenced object as it will be after apply: its definition if declared,
    else the account's object, else None (the planner reports the unknown reference)."""
    from mcstate.desired import lookup_address  # the registry imports this module

    lookup = lookup_address(kind, key)
    found = declared.get(lookup)
    if found is not None:
        return found.attributes
    current = live.get(kind, {}).get(lookup)
    return current.attributes if current is not None else None


def attribute_changes(
    before: Mapping[str, Any], after: Mapping[str, Any], names: Sequence[str]
) -> tuple[AttributeChange, ...]:
    """The compared attributes whose values differ, in the order of `names`."""
    return tuple(
        AttributeChange(name, before[name], after[name]) for name in names if before[name] != after[name]
    )
