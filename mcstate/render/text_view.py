"""The plan as text for a terminal: `+` create, `~` update, `-/+` destructive, grouped by kind."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from mcstate.plan import AttributeChange, Change, Plan
from mcstate.render.diffs import ItemChange, flow, is_nested, item_changes, unified_lines
from mcstate.render.safe import one_line

SYMBOLS = {"create": "+", "update": "~", "replace": "-/+", "delete": "-"}
COLORS = {"+": "green", "~": "yellow", "-/+": "red", "-": "red"}
ANSI = {"green": "32", "yellow": "33", "red": "31", "bold": "1", "dim": "2"}
# The only escape sequences mcstate writes to a terminal (mcstate.render.safe lets these through).
COLOR_CODES = frozenset({*(f"\x1b[{code}m" for code in ANSI.values()), "\x1b[0m"})

Style = Callable[[str, str], str]


def _styler(color: bool) -> Style:
    def style(text: str, name: str) -> str:
        return f"\x1b[{ANSI[name]}m{text}\x1b[0m" if color else text

    return style


def symbol(change: Change) -> str:
    if change.action == "delete":
        return SYMBOLS["delete"]
    return "-/+" if change.destructive else SYMBOLS[change.action]


def show(value: Any) -> str:
    if value is None:
        return "(none)"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict) and "name" in value and "type" in value:
        return describe_field(value)
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {show(v)}" for k, v in value.items() if v is not None) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(show(item) for item in value) + "]"
    return str(value)


def _is_multiline(value: Any) -> bool:
    return isinstance(value, str) and "\n" in value.strip("\n")


def text_block(text: str, indent: str) -> list[str]:
    """A multi-line value (SQL, say) as it is written, one indented line per line (control characters
    within a line escaped)."""
    return [f"{indent}{one_line(line)}".rstrip() for line in text.strip("\n").split("\n")]


def line_diff(before: str, after: str, indent: str) -> list[str]:
    """A unified diff of two multi-line values, with the context every view shows (diffs.CONTEXT_LINES)."""
    return [f"{indent}{one_line(line)}".rstrip() for line in unified_lines(before, after)]


def describe_field(field: dict[str, Any]) -> str:
    text = f"{field['name']} {field['type']}"
    if "length" in field:
        text += f"({field['length']})"
    if field["type"] == "Decimal":
        text += f"({field['precision']},{field['scale']})"
    flags = [flag for flag in ("primary_key", "required") if field.get(flag)]
    if field.get("default") is not None:
        flags.append(f"default {show(field['default'])}")
    return text + (f" [{', '.join(flags)}]" if flags else "")


def render_plan(plan: Plan, *, color: bool = False) -> str:
    style = _styler(color)
    if plan.empty:
        lines = [f"No changes. The account ({plan.target}) matches the definitions."]
        lines.extend(_notes(plan, style))
        if plan.to_forget:
            lines.append(f"{plan.to_forget} to forget or delete (no longer defined; --prune deletes).")
        return "\n".join(lines) + "\n"
    lines = [f"mcstate will make these changes in target {plan.target!r}:", ""]
    destructive = plan.destructive
    if destructive:
        lines.append(
            style(
                "!! DESTRUCTIVE CHANGES: data will be lost. apply refuses them without --allow-destructive.",
                "red",
            )
        )
        for change in destructive:
            guard = " [prevent_destroy: apply will refuse]" if change.protected else ""
            for reason in change.destructive_reasons:
                lines.append(
                    style(f"!!   {change.kind} {one_line(change.key)}{guard}: {one_line(reason)}", "red")
                )
        lines.append("")
    current_kind = None
    for change in plan.changes:
        if change.kind != current_kind:
            current_kind = change.kind
            lines.append(style(current_kind, "bold"))
        lines.extend(_change(change, style))
    lines.extend(_notes(plan, style))
    lines.append("")
    lines.append(summary_line(plan))
    return "\n".join(lines) + "\n"


def summary_line(plan: Plan) -> str:
    counts = plan.summary()
    forget = f", {plan.to_forget} to forget or delete" if plan.to_forget else ""
    return (
        f"Plan: {counts['create']} to create, {counts['update']} to update, {counts['replace']} to replace, "
        f"{counts['delete']} to delete, {counts['destructive']} destructive{forget}."
    )


def _change(change: Change, style: Style) -> list[str]:
    mark = symbol(change)
    header = f"  {mark} {one_line(change.key)}"
    if change.action == "replace":
        header += "  (re-created)"
    elif change.action == "delete":
        header += "  (deleted: " + one_line("; ".join(change.destructive_reasons)) + ")"
    lines = [style(header, COLORS[mark])]
    if change.action == "create":
        for name, value in (change.after or {}).items():
            if name == "fields":
                lines.append("      fields:")
                lines.extend(f"        + {describe_field(field)}" for field in value)
            elif _is_multiline(value):
                lines.append(f"      {name}: |")
                lines.extend(text_block(value, "        "))
            elif isinstance(value, list) and len(value) > 1:
                # One item a line: steps of an automation, field maps, ...
                lines.append(f"      {name}:")
                lines.extend(f"        - {show(item)}" for item in value)
            elif value not in (None, "", False):
                lines.append(f"      {name}: {show(value)}")
        return lines
    for attribute in change.attributes:
        lines.append(render_attribute(attribute, style))
    lines.extend(style(f"      warning: {one_line(warning)}", "yellow") for warning in change.warnings)
    return lines


def render_attribute(attribute: AttributeChange, style: Style) -> str:
    if attribute.before is None:
        text = f"      + {attribute.path}: {show(attribute.after)}"
    elif attribute.after is None:
        text = f"      - {attribute.path}: {show(attribute.before)}"
    elif _is_multiline(attribute.before) or _is_multiline(attribute.after):
        diff = line_diff(str(attribute.before), str(attribute.after), "          ")
        text = "\n".join([f"      ~ {attribute.path}:", *diff])
    elif is_nested(attribute.before) and is_nested(attribute.after):
        items = [_item(item) for item in item_changes(attribute.path, attribute.before, attribute.after)]
        text = "\n".join([f"      ~ {attribute.path}:", *items])
    else:
        text = f"      ~ {attribute.path}: {show(attribute.before)} → {show(attribute.after)}"
    if attribute.destructive_reason:
        return style(text + "  (destructive)", "red")
    return text


def _item(item: ItemChange) -> str:
    """One item of a nested value, as the definitions write it."""
    where = one_line(item.where)
    if item.moved_from:
        return f"          ~ {where}: moved from {one_line(item.moved_from)}"
    if item.mark == "+":
        return f"          + {where}: {one_line(flow(item.after))}"
    if item.mark == "-":
        return f"          - {where}: {one_line(flow(item.before))}"
    return f"          ~ {where}: {one_line(flow(item.before))} → {one_line(flow(item.after))}"


def _notes(plan: Plan, style: Style) -> list[str]:
    lines = [
        style(f"Warning: {n.kind} {one_line(n.key)}: {one_line(n.message)}", "yellow") for n in plan.warnings
    ]
    lines += [style(f"Note: {n.kind} {one_line(n.key)}: {one_line(n.message)}", "dim") for n in plan.notes]
    if plan.unrecorded:
        lines.append(
            style(
                f"Note: {len(plan.unrecorded)} object(s) the account has as defined are missing from the "
                "record of managed objects (an apply was interrupted); apply records them.",
                "dim",
            )
        )
    return ["", *lines] if lines else []
