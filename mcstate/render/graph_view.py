"""`mcstate graph` views of a lineage (mcstate.lineage): Mermaid, Graphviz dot and JSON."""

from __future__ import annotations

import json
from typing import Any

from mcstate.lineage import Lineage
from mcstate.render.markdown_view import DEFAULT_SHAPE, mermaid_text
from mcstate.render.safe import one_line
from mcstate.resources import REGISTRY


def render_mermaid(lineage: Lineage) -> str:
    ids = {node.address: f"n{index}" for index, node in enumerate(lineage.nodes)}
    lines = ["flowchart LR"]
    for node in lineage.nodes:
        opening, closing = REGISTRY[node.kind].flow_shape if node.kind in REGISTRY else DEFAULT_SHAPE
        where = "" if node.declared else " (account)"
        label = f"{mermaid_text(node.kind + where)}<br/>{mermaid_text(node.key)}"
        lines.append(f"  {ids[node.address]}{opening}{label}{closing}")
    for edge in lineage.edges:
        arrow = "-.->" if edge.label == "runs" else "-->"
        label = edge.label + (f": {', '.join(edge.columns)}" if edge.columns else "")
        lines.append(f"  {ids[edge.source]} {arrow}|{mermaid_text(label)}| {ids[edge.target]}")
    return "\n".join(lines) + "\n"


def _dot_text(text: str) -> str:
    return one_line(text).replace("\\", "\\\\").replace('"', '\\"')


def render_dot(lineage: Lineage) -> str:
    shapes = {"DataExtension": "cylinder", "Automation": "hexagon", "FileLocation": "parallelogram"}
    lines = ["digraph lineage {", "  rankdir=LR;", '  node [fontname="Helvetica"];']
    for node in lineage.nodes:
        where = "" if node.declared else " (account)"
        shape = shapes.get(node.kind, "box")
        style = "" if node.declared else ", style=dashed"
        label = f"{_dot_text(node.kind + where)}\\n{_dot_text(node.key)}"
        lines.append(f'  "{_dot_text(node.address)}" [label="{label}", shape={shape}{style}];')
    for edge in lineage.edges:
        label = edge.label + (f": {', '.join(edge.columns)}" if edge.columns else "")
        style = ", style=dashed" if edge.label == "runs" else ""
        lines.append(
            f'  "{_dot_text(edge.source)}" -> "{_dot_text(edge.target)}" [label="{_dot_text(label)}"{style}];'
        )
    lines.append("}")
    return "\n".join(lines) + "\n"


def lineage_document(lineage: Lineage) -> dict[str, Any]:
    return {
        "nodes": [
            {"address": n.address, "kind": n.kind, "key": n.key, "name": n.name, "declared": n.declared}
            for n in lineage.nodes
        ],
        "edges": [
            {"source": e.source, "target": e.target, "label": e.label, "columns": list(e.columns)}
            for e in lineage.edges
        ],
        "queries": {
            address: {"reads": list(value["reads"]), "writes": list(value["writes"])}
            for address, value in sorted(lineage.columns.items())
        },
    }


def render_json(lineage: Lineage) -> str:
    return json.dumps(lineage_document(lineage), indent=2, ensure_ascii=False) + "\n"
