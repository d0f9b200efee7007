"""Drift as text for a terminal, as JSON (format_version 1) and as markdown for an issue or a comment."""

from __future__ import annotations

import json
from typing import Any

from mcstate.drift import FORMAT_VERSION, Drift, DriftItem, item_document
from mcstate.plan import AttributeChange
from mcstate.render.markdown_view import code, fenced, unified_diff
from mcstate.render.safe import one_line
from mcstate.render.text_view import line_diff, show

SYMBOLS = {"changed": "~", "missing": "-", "unmanaged": "?"}
STATUS_WORDS = {"changed": "changed", "missing": "missing", "unmanaged": "unmanaged"}
SIDE_CELLS = {
    "account": "account",
    "definitions": "definitions",
    "both": "account and definitions",
    "unknown": "unknown (no record of the last apply)",
}
# GitHub refuses issue bodies and comments over 65,536 characters; the same margin as the plan report.
MAX_CHARS = 60_000
MAX_CELL_CHARS = 300
MARKER = "<!-- mcstate-drift -->"
ADVICE = (
    "To undo a change made in the account, run `mcstate apply` (see `mcstate plan` first). To keep it, "
    "change the definition to match, or list the attribute under `ignore_changes`."
)


def summary_line(drift: Drift) -> str:
    counts = drift.summary()
    parts = [f"{counts['changed']} changed", f"{counts['missing']} missing"]
    if drift.unmanaged_folders is not None:
        parts.append(f"{counts['unmanaged']} unmanaged")
    return f"Drift: {', '.join(parts)}."


def _headline(drift: Drift) -> str:
    if not drift.found:
        return f"No drift. The account ({drift.target}) matches the definitions."
    count = len(drift.items)
    return f"Drift in target {drift.target!r}: {_objects(count)} {_verb(count)} from the definitions."


def _verb(count: int) -> str:
    return "differs" if count == 1 else "differ"


def _objects(count: int) -> str:
    return f"{count} object" if count == 1 else f"{count} objects"


UNRECORDED = (
    "The account holds no record of an apply by mcstate, so which side changed cannot be told; every "
    "apply records it from then on."
)


def _scope(drift: Drift) -> str | None:
    if drift.unmanaged_folders is None:
        return None
    folders = drift.unmanaged_folders
    return f"Unmanaged objects were looked for in {len(folders)} folder(s): {', '.join(folders) or '(none)'}."


# -- text ----------------------------------------------------------------------------------------------------


def render_text(drift: Drift) -> str:
    lines = [_headline(drift)]
    current_kind = None
    if drift.found:
        lines.append("")
    for item in drift.items:
        if item.kind != current_kind:
            current_kind = item.kind
            lines.append(item.kind)
        lines.append(f"  {SYMBOLS[item.status]} {one_line(item.key)}: {one_line(item.description)}")
        lines.extend(_text_attribute(attribute) for attribute in item.attributes)
    scope = _scope(drift)
    if scope:
        lines.extend(["", scope])
    if drift.notes:
        lines.append("")
        lines.extend(f"Note: {n.kind} {one_line(n.key)}: {one_line(n.message)}" for n in drift.notes)
    if drift.found:
        lines.extend(["", summary_line(drift), *([] if drift.recorded else [UNRECORDED]), ADVICE])
    return "\n".join(lines) + "\n"


def _text_attribute(attribute: AttributeChange) -> str:
    account, definitions = attribute.before, attribute.after
    if account is None:
        return f"      - {attribute.path}: not in the account; definitions {show(definitions)}"
    if definitions is None:
        return f"      + {attribute.path}: only in the account: {show(account)}"
    if _multiline(account) or _multiline(definitions):
        # From the definitions to the account: what was changed there.
        diff = line_diff(str(definitions), str(account), "          ")
        return "\n".join([f"      ~ {attribute.path} (- definitions, + account):", *diff])
    return f"      ~ {attribute.path}: account {show(account)}, definitions {show(definitions)}"


def _multiline(value: Any) -> bool:
    return isinstance(value, str) and "\n" in value.strip("\n")


# -- json ----------------------------------------------------------------------------------------------------


def drift_document(drift: Drift) -> dict[str, Any]:
    return {
        "format_version": FORMAT_VERSION,
        "target": drift.target,
        "drift": drift.found,
        "recorded": drift.recorded,
        "unmanaged_folders": list(drift.unmanaged_folders) if drift.unmanaged_folders is not None else None,
        "objects": [item_document(item) for item in drift.items],
        "notes": [{"kind": n.kind, "key": n.key, "message": n.message} for n in drift.notes],
        "summary": drift.summary(),
    }


def render_json(drift: Drift) -> str:
    return json.dumps(drift_document(drift), indent=2, ensure_ascii=False, default=str) + "\n"


# -- markdown ------------------------------------------------------------------------------------------------


def render_markdown(drift: Drift, *, max_chars: int = MAX_CHARS) -> str:
    """A report for a GitHub issue: headline, summary table, one collapsible section per object. Beyond
    max_chars the sections are left out from the end, and a note says so (the JSON has everything)."""
    head = [MARKER, f"## mcstate drift: {_md_headline(drift)}", ""]
    if drift.found:
        head.extend([summary_line(drift), "", *_table(drift), ""])
    tail: list[str] = []
    scope = _scope(drift)
    if scope:
        tail.extend([scope, ""])
    if drift.notes:
        tail.extend([f"- **{n.kind}** {code(n.key)}: {_html(n.message)}" for n in drift.notes])
        tail.append("")
    if drift.found:
        tail.extend([*([] if drift.recorded else [UNRECORDED, ""]), ADVICE, ""])
    sections = [_section(item) for item in drift.items]
    fixed = len("\n".join(head + tail)) + 400
    kept: list[str] = []
    used = fixed
    for section in sections:
        if used + len(section) + 1 > max_chars:
            break
        kept.append(section)
        used += len(section) + 1
    body = list(head)
    body.extend(kept)
    left_out = len(sections) - len(kept)
    if left_out:
        body.append(
            f"> [!NOTE]\n> The details of {_objects(left_out)} are left out to keep this report short; "
            "`mcstate drift --format json` lists everything.\n"
        )
    body.extend(tail)
    text = "\n".join(body).rstrip("\n") + "\n"
    if len(text) > max_chars:
        # The table alone is too long: keep the headline and say where the rest is.
        text = "\n".join(
            [
                *head[:3],
                summary_line(drift),
                "",
                "> [!NOTE]\n> The list is too long for this report; `mcstate drift --format json` lists "
                "everything.",
                "",
            ]
        )
    return text


def _md_headline(drift: Drift) -> str:
    if not drift.found:
        return f"no drift in target `{drift.target}`"
    count = len(drift.items)
    return f"{_objects(count)} {_verb(count)} from the definitions in target `{drift.target}`"


def _table(drift: Drift) -> list[str]:
    rows = ["| | kind | key | what | changed in |", "| --- | --- | --- | --- | --- |"]
    for item in drift.items:
        side = "—" if item.status == "unmanaged" else SIDE_CELLS[item.changed_in]
        what = STATUS_WORDS[item.status] + (" (restoring it is destructive)" if item.destructive else "")
        rows.append(f"| {SYMBOLS[item.status]} | {item.kind} | {code(item.key)} | {what} | {side} |")
    return rows


def _section(item: DriftItem) -> str:
    summary = f"<b>{_html(item.kind)} {_html(item.key)}</b>: {_html(item.description)}"
    lines = ["<details>", f"<summary>{summary}</summary>", ""]
    if item.restore is not None:
        restore = {"create": "create it", "update": "update it", "replace": "re-create it"}.get(
            item.restore, item.restore
        )
        warning = " (destructive: see `mcstate plan`)" if item.destructive else ""
        lines.extend([f"To match the definitions, apply would {restore}{warning}.", ""])
    plain = [a for a in item.attributes if not (_multiline(a.before) or _multiline(a.after))]
    if plain:
        lines.extend(["| attribute | account | definitions |", "| --- | --- | --- |"])
        lines.extend(f"| {code(a.path)} | {_cell(a.before)} | {_cell(a.after)} |" for a in plain)
        lines.append("")
    for attribute in item.attributes:
        if attribute in plain:
            continue
        diff = unified_diff(attribute.after, attribute.before)
        lines.extend([f"{code(attribute.path)} (`-` definitions, `+` account):", "", fenced(diff, "diff")])
        lines.append("")
    lines.extend(["</details>", ""])
    return "\n".join(lines)


def _cell(value: Any) -> str:
    if value is None:
        return "(none)"
    text = show(value)
    if len(text) > MAX_CELL_CHARS:
        text = text[: MAX_CELL_CHARS - 1] + "…"
    return code(text)


def _html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
