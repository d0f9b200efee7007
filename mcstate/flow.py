"""The data flow around a plan's changes: what feeds the changed objects and what they feed.

A reviewer needs to see that re-creating a data extension empties what a query reads, or that a new import
loads a data extension an extract sends to the CRM. The flow follows the references the definitions already
make, in the direction data moves:

    file location → import → data extension → query / filter → data extension → extract → file transfer

Each kind names its own feeds (ResourceType.feeds): an import feeds its destination; a query reads the data
extensions whose name or key appears in its SQL (an approximation: SQL is not parsed) and feeds its target;
a data filter reads its source; a filter activity applies a data filter and feeds its destination; an
extract reads its data extension; a file transfer moves the files an extract writes (same file_spec) to its
location; an automation runs its activities. Objects are taken from the definitions, or from the account
when no definition declares them, so an undeclared query that reads a re-created data extension shows up
too. Only the changed objects and their direct neighbours are kept.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from mcstate.desired import DesiredState, lookup_address
from mcstate.plan import Change, Feed
from mcstate.resources import REGISTRY, flow_kinds
from mcstate.resources.base import Live, address
from mcstate.sql.checker import tables_named

DATA_EXTENSION = "DataExtension"
FILE_TRANSFER = "FileTransfer"

# Kinds drawn in the flowchart (ResourceType.in_flow).
FLOW_KINDS = flow_kinds()


@dataclass(frozen=True)
class _Object:
    kind: str
    key: str
    attributes: Mapping[str, Any]

    @property
    def address(self) -> str:
        return address(self.kind, self.key)


def feeds_around(
    changes: Sequence[Change], desired: DesiredState, live: Mapping[str, Mapping[str, Live]]
) -> tuple[Feed, ...]:
    """Every feed that starts or ends at a changed object, in a stable order."""
    objects = _objects(desired, live)
    touched = {lookup_address(c.kind, c.key) for c in changes if c.kind in FLOW_KINDS}
    if not touched:
        return ()
    kept: dict[tuple[str, str], Feed] = {}
    for source, target, label in _all_feeds(objects):
        if source in touched or target in touched:
            feed = Feed(_shown(source, objects), _shown(target, objects), label)
            kept.setdefault((feed.source, feed.target), feed)
    return tuple(sorted(kept.values(), key=lambda f: (_order(f.source), _order(f.target))))


def _order(node: str) -> tuple[int, str]:
    kind, _, key = node.partition(":")
    kinds = list(REGISTRY)
    return (kinds.index(kind) if kind in kinds else len(kinds), key.casefold())


def _objects(
    desired: DesiredState, live: Mapping[str, Mapping[str, Live]], *, account_first: Collection[str] = ()
) -> dict[str, _Object]:
    """Objects by lookup address: the definition's version wins over the account's, except for the kinds
    in `account_first` (an object of those kinds only the definitions have is still theirs)."""
    objects: dict[str, _Object] = {}
    for kind, items in live.items():
        if kind in FLOW_KINDS:
            for lookup, obj in items.items():
                objects[lookup] = _Object(obj.kind, obj.key, obj.attributes)
    for obj in desired:
        lookup = lookup_address(obj.kind, obj.key)
        if obj.kind in FLOW_KINDS and (obj.kind not in account_first or lookup not in objects):
            objects[lookup] = _Object(obj.kind, obj.key, obj.attributes)
    return objects


def _shown(lookup: str, objects: Mapping[str, _Object]) -> str:
    """The address as the object spells it (lookup addresses may be case-folded)."""
    obj = objects.get(lookup)
    return obj.address if obj is not None else lookup


def _all_feeds(objects: Mapping[str, _Object]) -> Iterable[tuple[str, str, str]]:
    """(source, target, label) by lookup address, for every object that moves data: each kind names its
    own feeds (ResourceType.feeds)."""
    index = _Index(objects)
    for lookup, obj in objects.items():
        yield from REGISTRY[obj.kind].feeds(lookup, obj.attributes, index)


class _Index:
    """What the kinds look objects up by while naming their feeds (resources.base.FlowIndex)."""

    def __init__(self, objects: Mapping[str, _Object]) -> None:
        self._data_extensions = _SqlNames([obj for obj in objects.values() if obj.kind == DATA_EXTENSION])
        self._transfers_by_file = _transfers_by_file_spec(objects.values())

    def ref(self, kind: str, key: Any) -> str:
        return lookup_address(kind, str(key))

    def sql_reads(self, sql: str) -> list[str]:
        return [lookup_address(DATA_EXTENSION, obj.key) for obj in self._data_extensions.read_by(sql)]

    def transfers_of(self, file_spec: str) -> list[str]:
        return [
            lookup_address(FILE_TRANSFER, transfer.key)
            for transfer in self._transfers_by_file.get(file_spec.casefold(), ())
        ]


def _file_spec(attributes: Mapping[str, Any]) -> str:
    return str(attributes.get("file_spec") or "").casefold()


def _transfers_by_file_spec(objects: Iterable[_Object]) -> dict[str, list[_Object]]:
    transfers: dict[str, list[_Object]] = {}
    for obj in objects:
        if obj.kind == FILE_TRANSFER and _file_spec(obj.attributes):
            transfers.setdefault(_file_spec(obj.attributes), []).append(obj)
    return transfers


class _SqlNames:
    """Finds the data extensions a query's SQL reads: the tables its parsed SQL names (mcstate.sql), looked
    up by name as the service does (case-insensitively; `ENT.` names shared data extensions). A name in a
    comment or a string is not a table; SQL that does not parse names nothing."""

    def __init__(self, data_extensions: Sequence[_Object]) -> None:
        self._by_name: dict[str, list[_Object]] = {}
        for obj in data_extensions:
            name = str(obj.attributes.get("name") or "")
            if name:
                self._by_name.setdefault(name.casefold(), []).append(obj)

    def read_by(self, sql: str) -> list[_Object]:
        if not sql:
            return []
        found: list[_Object] = []
        for name, _shared in tables_named(sql):
            for obj in self._by_name.get(name.casefold(), ()):
                if obj not in found:
                    found.append(obj)
        return found
