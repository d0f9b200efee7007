"""The lineage of a project: which object feeds which (file location → import → data extension → query or
filter → data extension → extract → file transfer, automations running activities), and for queries the
columns their SQL reads and the columns it writes. From the definitions, plus the account when it is read
(the definition's version of an object wins). A value: `mcstate graph` renders it."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field

from mcstate.desired import DesiredState
from mcstate.flow import _all_feeds, _objects
from mcstate.resources.base import Live
from mcstate.sql.catalog import catalog_for
from mcstate.sql.checker import analyze

QUERY = "QueryDefinition"
DATA_VIEW = "DataView"


@dataclass(frozen=True)
class Node:
    address: str  # Kind:key, as the object spells its key
    kind: str
    key: str
    name: str
    declared: bool  # in the definitions (else only in the account)


@dataclass(frozen=True)
class Edge:
    source: str
    target: str
    label: str
    columns: tuple[str, ...] = ()  # for a query's reads and writes: the columns, by name


@dataclass(frozen=True)
class Lineage:
    nodes: tuple[Node, ...] = ()
    edges: tuple[Edge, ...] = ()
    # Queries' column lineage by address: {"reads": ["Table.Column", ...], "writes": ["Column", ...]}.
    columns: Mapping[str, Mapping[str, tuple[str, ...]]] = field(default_factory=dict)


def build_lineage(desired: DesiredState, live: Mapping[str, Mapping[str, Live]] | None) -> Lineage:
    objects = _objects(desired, live or {})
    catalog = catalog_for(desired.objects, live)
    nodes: dict[str, Node] = {}

    def node(lookup: str) -> str:
        obj = objects.get(lookup)
        if obj is None:  # a file location or an object named but not read
            kind, _, key = lookup.partition(":")
            nodes.setdefault(lookup, Node(lookup, kind, key, key, False))
            return lookup
        declared = desired.get(obj.kind, obj.key) is not None
        name = str(obj.attributes.get("name") or obj.key)
        nodes.setdefault(lookup, Node(obj.address, obj.kind, obj.key, name, declared))
        return lookup

    for lookup in objects:
        node(lookup)
    columns: dict[str, dict[str, tuple[str, ...]]] = {}
    data_view_edges: list[Edge] = []
    for obj in objects.values():
        if obj.kind != QUERY:
            continue
        analysis = analyze(str(obj.attributes.get("sql") or ""), catalog)
        reads = tuple(f"{read.table.name}.{read.column}" for read in analysis.reads)
        writes = tuple(output.name for output in analysis.outputs or ())
        columns[obj.address] = {"reads": reads, "writes": writes}
        for table in analysis.tables:
            if table.origin == "data view":  # not an object of the account: a node of its own
                view = f"{DATA_VIEW}:{table.name}"
                nodes.setdefault(view, Node(view, DATA_VIEW, table.name, table.name, False))
                used = tuple(r.column for r in analysis.reads if r.table is table)
                data_view_edges.append(Edge(view, obj.address, "SQL", used))
    edges: dict[tuple[str, str, str], Edge] = {(e.source, e.target, e.label): e for e in data_view_edges}
    for source, target, label in _all_feeds(objects):
        source_node, target_node = nodes[node(source)], nodes[node(target)]
        used: tuple[str, ...] = ()
        if target_node.kind == QUERY and label == "SQL":
            prefix = f"{source_node.name}."
            used = tuple(
                c[len(prefix) :] for c in columns[target_node.address]["reads"] if c.startswith(prefix)
            )
        elif source_node.kind == QUERY:
            used = columns.get(source_node.address, {}).get("writes", ())
        edge = Edge(source_node.address, target_node.address, label, used)
        edges.setdefault((edge.source, edge.target, edge.label), edge)
    ordered = sorted(nodes.values(), key=lambda n: (n.kind, n.key.casefold()))
    return Lineage(
        tuple(ordered),
        tuple(sorted(edges.values(), key=lambda e: (e.source.casefold(), e.target.casefold(), e.label))),
        columns,
    )


# Shown next to the chosen objects, never followed further: an automation runs activities of every flow, and
# a file location holds every file.
_NOT_THROUGH = frozenset({"Automation", "FileLocation"})


def around(lineage: Lineage, kinds: Collection[str], keys: Collection[str]) -> Lineage:
    """The part of the lineage upstream and downstream of the chosen objects (by kind and/or key, keys
    compared case-insensitively); everything when nothing is chosen."""
    if not kinds and not keys:
        return lineage
    folded_keys = {key.casefold() for key in keys}
    chosen = {
        n.address
        for n in lineage.nodes
        if (not kinds or n.kind in kinds) and (not keys or n.key.casefold() in folded_keys)
    }
    kept = set(chosen)
    kinds_of = {n.address: n.kind for n in lineage.nodes}
    for forward in (True, False):
        frontier = list(chosen)
        while frontier:
            current = frontier.pop()
            if current not in chosen and kinds_of.get(current) in _NOT_THROUGH:
                continue
            for edge in lineage.edges:
                start, end = (edge.source, edge.target) if forward else (edge.target, edge.source)
                if start == current and end not in kept:
                    kept.add(end)
                    frontier.append(end)
    return Lineage(
        tuple(n for n in lineage.nodes if n.address in kept),
        tuple(e for e in lineage.edges if e.source in kept and e.target in kept),
        {address: value for address, value in lineage.columns.items() if address in kept},
    )
