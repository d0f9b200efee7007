"""What `mcstate retrieve` did, counted per kind, and what it could not manage, as plain text (terminals and
CI logs alike)."""

from __future__ import annotations

from mcstate.render.safe import one_line
from mcstate.resources import REGISTRY
from mcstate.retrieve import RetrieveResult

COLUMNS = ("retrieved", "skipped", "not representable", "cannot manage")


def counts(result: RetrieveResult) -> dict[str, dict[str, int]]:
    """Per kind (registry order, only kinds with something to count): how many objects were retrieved
    (written or rewritten), skipped (already defined), not representable, and read but not manageable."""
    table: dict[str, dict[str, int]] = {}

    def add(kind: str, column: str) -> None:
        table.setdefault(kind, dict.fromkeys(COLUMNS, 0))[column] += 1

    for written in result.written:
        add(written.kind, "retrieved")
    for skipped in result.skipped:
        add(skipped.kind, "skipped")
    for item in result.unrepresentable:
        add(item.kind, "not representable")
    for item in result.cannot_manage:
        add(item.kind, "cannot manage")
    order = list(REGISTRY)
    return {kind: table[kind] for kind in sorted(table, key=lambda kind: (order.index(kind), kind))}


def summary_table(result: RetrieveResult) -> str:
    """The counts as an aligned table with a total row; empty when nothing was found at all."""
    table = counts(result)
    if not table:
        return ""
    rows = [(kind, [row[column] for column in COLUMNS]) for kind, row in table.items()]
    rows.append(("Total", [sum(row[column] for row in table.values()) for column in COLUMNS]))
    width = max(len(kind) for kind, _ in rows)
    lines = ["  ".join([" " * width, *COLUMNS])]
    for kind, values in rows:
        cells = [str(value).rjust(len(column)) for column, value in zip(COLUMNS, values, strict=True)]
        lines.append("  ".join([kind.ljust(width), *cells]))
    return "\n".join(lines) + "\n"


def cannot_manage_lines(result: RetrieveResult) -> list[str]:
    """The objects mcstate reads but cannot manage, one line each with why; none when there are none."""
    if not result.cannot_manage:
        return []
    lines = [
        f"Cannot manage {len(result.cannot_manage)} object(s); they stay as they are in the account, and "
        "definitions may refer to them:"
    ]
    lines += [f"  {item.kind} {one_line(item.key)}: {item.reason}" for item in result.cannot_manage]
    return lines
