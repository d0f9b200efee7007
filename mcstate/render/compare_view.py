"""`mcstate diff` as text, markdown or JSON."""

from __future__ import annotations

import json
from typing import Any

from mcstate.compare import Comparison, ObjectDifference
from mcstate.render.markdown_view import code
from mcstate.render.safe import one_line
from mcstate.render.text_view import render_attribute, show


def _counts(comparison: Comparison) -> str:
    changed = sum(1 for d in comparison.differences if d.side == "both")
    left = sum(1 for d in comparison.differences if d.side == "left")
    right = sum(1 for d in comparison.differences if d.side == "right")
    return (
        f"{len(comparison.differences)} object(s) differ: {changed} changed, {left} only in "
        f"{comparison.left}, {right} only in {comparison.right} ({comparison.compared} compared)"
    )


def _planned(comparison: Comparison, difference: ObjectDifference) -> str:
    sides = [
        name
        for name, planned in (
            (comparison.left, difference.planned_left),
            (comparison.right, difference.planned_right),
        )
        if planned
    ]
    return f"the definitions would change it in {' and '.join(sides)}" if sides else ""


def render_text(comparison: Comparison) -> str:
    lines = [f"mcstate diff: {comparison.left} (before →) against {comparison.right} (→ after)", ""]
    if comparison.same:
        lines.append(f"No differences: {comparison.compared} object(s) are the same in both.")
    kind = ""
    for difference in comparison.differences:
        if difference.kind != kind:
            kind = difference.kind
            lines.append(kind)
        key = one_line(difference.key)
        if difference.side == "left":
            lines.append(f"  < {key}  (only in {comparison.left})")
        elif difference.side == "right":
            lines.append(f"  > {key}  (only in {comparison.right})")
        else:
            lines.append(f"  ~ {key}")
            lines.extend(render_attribute(a, lambda text, _: text) for a in difference.attributes)
        planned = _planned(comparison, difference)
        if planned:
            lines.append(f"      ({planned})")
    lines.extend(f"note: {one_line(note)}" for note in comparison.notes)
    if not comparison.same:
        lines += ["", _counts(comparison) + "."]
    return "\n".join(lines) + "\n"


def render_markdown(comparison: Comparison) -> str:
    lines = [f"### mcstate diff: `{comparison.left}` against `{comparison.right}`", ""]
    if comparison.same:
        lines.append(f"No differences: {comparison.compared} object(s) are the same in both.")
        return "\n".join(lines) + "\n"
    lines += [f"**{_counts(comparison)}**", ""]
    lines += [
        f"| kind | key | attribute | {code(comparison.left)} | {code(comparison.right)} "
        "| the definitions would change it |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for difference in comparison.differences:
        planned = _planned(comparison, difference).removeprefix("the definitions would change it in ")
        head = f"| {difference.kind} | {code(difference.key)}"
        if difference.side != "both":
            present, absent = ("present", "_(none)_")
            left, right = (present, absent) if difference.side == "left" else (absent, present)
            lines.append(f"{head} | | {left} | {right} | {planned} |")
            continue
        for attribute in difference.attributes:
            lines.append(
                f"{head} | {code(attribute.path)} | {code(show(attribute.before))} | "
                f"{code(show(attribute.after))} | {planned} |"
            )
    lines.extend(f"\n> {one_line(note)}" for note in comparison.notes)
    return "\n".join(lines) + "\n"


def render_json(comparison: Comparison) -> str:
    document: dict[str, Any] = {
        "left": comparison.left,
        "right": comparison.right,
        "same": comparison.same,
        "compared": comparison.compared,
        "kinds": list(comparison.kinds),
        "differences": [
            {
                "kind": d.kind,
                "key": d.key,
                "only_in": None
                if d.side == "both"
                else (comparison.left if d.side == "left" else comparison.right),
                "attributes": [{"path": a.path, "left": a.before, "right": a.after} for a in d.attributes],
                "planned_in": [
                    name
                    for name, planned in (
                        (comparison.left, d.planned_left),
                        (comparison.right, d.planned_right),
                    )
                    if planned
                ],
            }
            for d in comparison.differences
        ],
        "notes": list(comparison.notes),
    }
    return json.dumps(document, indent=2, ensure_ascii=False, default=str) + "\n"
