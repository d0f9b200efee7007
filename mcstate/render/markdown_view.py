"""The plan as markdown for a pull-request comment (GitHub-flavoured, Mermaid).

What a reviewer sees, top to bottom: a headline (`3 to create, 2 to update, 1 destructive`), destructive
changes in a caution block with each reason and the data it loses, a summary table (destructive rows first),
a flowchart of the changed objects and what they feed, then one collapsible section per change with its
attribute diff (multi-line values such as SQL as a unified diff), then the plan's notes.

A comment must stay under MAX_CHARS. A longer report keeps the headline, the caution block and as many
details as fit: the rest of the details are cut to the attributes they change, then left out, and a note says
so and points to the saved JSON plan, which always holds everything.

The pieces (headline, caution_block, flowchart, change_details, code, fenced) are public so other reports,
such as drift, can be built from them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from mcstate.flow import FLOW_KINDS
from mcstate.plan import AttributeChange, Change, Feed, Plan
from mcstate.render.diffs import flow, is_nested, item_changes, unified_lines
from mcstate.render.safe import one_line
from mcstate.render.text_view import describe_field, show, symbol
from mcstate.resources import REGISTRY

MAX_CHARS = 60_000
# A flowchart with more objects than this is unreadable in a comment (and slow for Mermaid to lay out).
MAX_FLOW_NODES = 80
# Table cells longer than this are cut; the JSON plan has the whole value.
MAX_CELL_CHARS = 1_000
# Shares of MAX_CHARS the parts before the details may take when the report has to be shortened.
CAUTION_SHARE = 0.2
TABLE_SHARE = 0.35
FLOW_SHARE = 0.15
NOTES_SHARE = 0.05
# Room kept for the shortening note itself.
NOTE_RESERVE = 1_000
# A change in one line names at most this many attribute paths.
MAX_SHORT_PATHS = 20

ACTION_WORDS = {"create": "create", "update": "update", "replace": "re-create", "delete": "delete"}
FLOW_CLASSES = {
    "create": "fill:#dafbe1,stroke:#1a7f37,color:#1f2328",
    "update": "fill:#fff8c5,stroke:#9a6700,color:#1f2328",
    "destructive": "fill:#ffebe9,stroke:#cf222e,stroke-width:3px,color:#1f2328",
    "delete": "fill:#ffebe9,stroke:#cf222e,stroke-dasharray:5 3,color:#1f2328",
    "unchanged": "fill:#f6f8fa,stroke:#8c959f,color:#57606a",
}
# Mermaid node shapes are the kinds' own (ResourceType.flow_shape): files are parallelograms, data
# extensions cylinders, automations hexagons.
DEFAULT_SHAPE = ('("', '")')


def render_plan(plan: Plan, *, max_chars: int = MAX_CHARS) -> str:
    """The whole report; shortened (with a note saying so) when it would exceed max_chars."""
    full = _report(plan, None)
    if len(full) <= max_chars:
        return full
    return _report(plan, max_chars)


def headline(plan: Plan) -> str:
    """`3 to create, 2 to update, 1 destructive`: only what the plan has."""
    counts = plan.summary()
    parts = [f"{counts[action]} to {action}" for action in ("create", "update", "replace", "delete")]
    parts = [part for part in parts if not part.startswith("0 ")]
    if counts["destructive"]:
        parts.append(f"{counts['destructive']} destructive")
    if plan.to_forget:
        parts.append(f"{plan.to_forget} to forget or delete")
    return ", ".join(parts) if parts else "No changes"


def destructive_first(changes: Iterable[Change]) -> list[Change]:
    items = list(changes)
    return [c for c in items if c.destructive] + [c for c in items if not c.destructive]


# --- the report -------------------------------------------------------------------------------------------


@dataclass
class _Shortening:
    """What a shortened report left out, for the note that says so."""

    destructive_left_out: int = 0
    rows_left_out: int = 0
    flow_left_out: bool = False
    details_shortened: int = 0
    details_left_out: int = 0
    notes_left_out: int = 0

    def clauses(self) -> list[str]:
        said = []
        if self.details_shortened:
            said.append(f"{_count(self.details_shortened, 'change')} shown in one line, without details")
        if self.details_left_out:
            said.append(f"{_count(self.details_left_out, 'change')} left out of the list of changes")
        if self.rows_left_out:
            said.append(f"{_count(self.rows_left_out, 'row')} of the summary table left out")
        if self.destructive_left_out:
            said.append(
                f"{_count(self.destructive_left_out, 'destructive change')} not itemized in the caution block"
            )
        if self.flow_left_out:
            said.append("the flowchart left out")
        if self.notes_left_out:
            said.append(f"{_count(self.notes_left_out, 'note')} left out")
        return said


def _report(plan: Plan, max_chars: int | None) -> str:
    title = f"### mcstate plan for target {code(plan.target)}"
    if plan.empty:
        parts = [title, "**No changes.** The account matches the definitions."]
        notes, _ = _notes(plan, None if max_chars is None else max_chars - NOTE_RESERVE)
        return _join([*parts, notes])
    shortening = _Shortening()
    budget = max_chars
    caution, shortening.destructive_left_out = caution_block(plan.destructive, _share(budget, CAUTION_SHARE))
    table, shortening.rows_left_out = summary_table(plan.changes, _share(budget, TABLE_SHARE))
    flow = flow_section(plan)
    if budget is not None and len(flow) > _share(budget, FLOW_SHARE):
        flow, shortening.flow_left_out = "", True
    notes, shortening.notes_left_out = _notes(plan, _share(budget, NOTES_SHARE))
    head = [title, f"**{headline(plan)}**"]
    fixed = _join([*head, caution, table, flow, "#### Changes", notes])
    details_budget = None if budget is None else budget - len(fixed) - NOTE_RESERVE
    details = _details(plan, details_budget, shortening)
    note = _shortened_note(shortening, budget) if budget is not None else ""
    return _join([*head, note, caution, table, flow, "#### Changes", *details, notes])


def _share(budget: int | None, share: float) -> int | None:
    return None if budget is None else int(budget * share)


def _join(parts: Iterable[str]) -> str:
    return "\n\n".join(part for part in parts if part) + "\n"


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def _shortened_note(shortening: _Shortening, budget: int) -> str:
    clauses = shortening.clauses() or ["some parts shortened"]
    return _quote(
        [
            "[!NOTE]",
            f"This report is shortened to stay under {budget:,} characters: {'; '.join(clauses)}. "
            "The full plan is the JSON plan saved with `mcstate plan --out FILE` (the artifact of the "
            "plan run); `mcstate show FILE` prints it in full.",
        ]
    )


def _quote(lines: Iterable[str]) -> str:
    return "\n".join(f"> {line}".rstrip() for line in lines)


def _fit(chunks: Sequence[str], budget: int | None, separator: int = 1) -> tuple[list[str], int]:
    """The leading chunks that fit in budget characters, and how many did not."""
    if budget is None:
        return list(chunks), 0
    kept: list[str] = []
    used = 0
    for chunk in chunks:
        if used + len(chunk) + separator > budget:
            break
        kept.append(chunk)
        used += len(chunk) + separator
    return kept, len(chunks) - len(kept)


# --- caution block and summary table -----------------------------------------------------------------------


def caution_block(changes: Sequence[Change], budget: int | None = None) -> tuple[str, int]:
    """Every destructive change with each reason (which says what data is lost); prevent_destroy marked.
    Returns the block and how many changes did not fit in budget."""
    if not changes:
        return "", 0
    noun = "it" if len(changes) == 1 else "them"
    lines = [
        "[!CAUTION]",
        f"**{_count(len(changes), 'destructive change')}: data will be lost.** "
        f"`mcstate apply` refuses {noun} without `--allow-destructive`.",
        "",
    ]
    items = []
    for change in changes:
        guard = (
            " — 🔒 **prevent_destroy**: apply refuses this change even with `--allow-destructive`"
            if change.protected
            else ""
        )
        item = [f"- **{change.kind}** {code(change.key)} ({_action(change)}){guard}"]
        item.extend(f"  - {_escape(reason)}" for reason in change.destructive_reasons)
        items.append(_quote(item))
    kept, left_out = _fit(items, None if budget is None else budget - 400)
    if left_out:
        kept.append(_quote([f"- … and {_count(left_out, 'more destructive change')}: see the table below"]))
    return "\n".join([_quote(lines), *kept]), left_out


def summary_table(changes: Sequence[Change], budget: int | None = None) -> tuple[str, int]:
    """| | kind | key | action |, destructive changes first; returns the table and the rows left out."""
    header = ["| | kind | key | action |", "| --- | --- | --- | --- |"]
    rows = [
        f"| {code(symbol(c))} | {c.kind} | {code(c.key)} | {_table_action(c)} |"
        for c in destructive_first(changes)
    ]
    kept, left_out = _fit(rows, None if budget is None else budget - 200)
    if left_out:
        kept.append(f"| | … | {_count(left_out, 'more change')} | |")
    return "\n".join([*header, *kept]), left_out


def _action(change: Change) -> str:
    return ACTION_WORDS.get(change.action, change.action)


def _table_action(change: Change) -> str:
    if not change.destructive:
        return _action(change)
    text = f"**{_action(change)}, destructive**"
    return text + " 🔒 prevent_destroy" if change.protected else text


# --- flowchart -------------------------------------------------------------------------------------------


def flow_section(plan: Plan) -> str:
    statuses = {c.address: _flow_status(c) for c in plan.changes if c.kind in FLOW_KINDS}
    if not statuses:
        return ""
    # A plan limited by --target/--exclude keeps the whole flow: draw only what touches its changes.
    feeds = [feed for feed in plan.flow if feed.source in statuses or feed.target in statuses]
    nodes = _flow_nodes(feeds, statuses)
    heading = "#### What the changes feed"
    if len(nodes) > MAX_FLOW_NODES:
        return _join(
            [
                heading,
                f"_The flowchart is left out: {len(nodes)} objects are more than a readable chart holds._",
            ]
        ).rstrip("\n")
    legend = (
        "Changed objects (`+` create, `~` update, `-/+` destructive, `-` delete) and their direct neighbours "
        "(grey), in the direction data moves."
    )
    return _join([heading, legend, fenced(flowchart(feeds, statuses), "mermaid")]).rstrip("\n")


def _flow_status(change: Change) -> str:
    if change.action == "delete":
        return "delete"
    if change.destructive:
        return "destructive"
    return "create" if change.action == "create" else "update"


def _flow_nodes(feeds: Sequence[Feed], statuses: Mapping[str, str]) -> list[str]:
    nodes = list(statuses)
    for feed in feeds:
        nodes.extend((feed.source, feed.target))
    return list(dict.fromkeys(nodes))


def flowchart(feeds: Sequence[Feed], statuses: Mapping[str, str]) -> str:
    """Mermaid `flowchart LR` of the feeds; `statuses` maps the changed objects' addresses to a class
    (create, update, destructive, delete); every other node is an unchanged neighbour."""
    nodes = _flow_nodes(feeds, statuses)
    ids = {address: f"n{index}" for index, address in enumerate(nodes)}
    marks = {"create": "+ ", "update": "~ ", "destructive": "-/+ ", "delete": "- "}
    lines = ["flowchart LR"]
    for address in nodes:
        kind, _, key = address.partition(":")
        opening, closing = REGISTRY[kind].flow_shape if kind in REGISTRY else DEFAULT_SHAPE
        mark = marks.get(statuses.get(address, ""), "")
        lines.append(
            f"  {ids[address]}{opening}{mermaid_text(f'{mark}{kind}')}<br/>{mermaid_text(key)}{closing}"
        )
    for feed in feeds:
        arrow = "-.->" if feed.label == "runs" else "-->"
        lines.append(f"  {ids[feed.source]} {arrow}|{mermaid_text(feed.label)}| {ids[feed.target]}")
    used = {statuses.get(address, "unchanged") for address in nodes}
    for name, style in FLOW_CLASSES.items():
        if name in used:
            lines.append(f"  classDef {name} {style}")
    for name in FLOW_CLASSES:
        members = [ids[address] for address in nodes if statuses.get(address, "unchanged") == name]
        if members:
            lines.append(f"  class {','.join(members)} {name}")
    return "\n".join(lines)


def mermaid_text(text: str) -> str:
    """Text inside a quoted Mermaid label: characters that end labels or start markup as entity codes."""
    entities = {"#": "#35;", '"': "#quot;", "<": "#lt;", ">": "#gt;", "|": "#124;"}
    return "".join(entities.get(char, char) for char in one_line(text))


# --- one change --------------------------------------------------------------------------------------------


def _details(plan: Plan, budget: int | None, shortening: _Shortening) -> list[str]:
    """One section per change. Shortened: every change gets one line first, then changes get their full
    section, in order, while the budget allows; when even the lines do not fit, the last ones are left out."""
    ordered = destructive_first(plan.changes)
    full = [change_details(change) for change in ordered]
    if budget is None:
        return full
    separator = 2
    lines = [change_line(change) for change in ordered]
    needed = sum(len(line) + separator for line in lines)
    if needed > budget:
        kept, shortening.details_left_out = _fit(lines, budget, separator)
        shortening.details_shortened = len(kept)
        return kept
    sections = list(lines)
    remaining = budget - needed
    for index, section in enumerate(full):
        extra = len(section) - len(lines[index])
        if extra <= remaining:
            sections[index] = section
            remaining -= extra
    shortening.details_shortened = sum(
        1 for section, whole in zip(sections, full, strict=True) if section != whole
    )
    return sections


def change_line(change: Change) -> str:
    """One change in one line, for a shortened report: what happens and which attributes change."""
    guard = " 🔒 prevent_destroy" if change.protected else ""
    label = f"**{_action(change)}, destructive**" if change.destructive else _action(change)
    text = f"- {code(symbol(change))} **{change.kind}** {code(change.key)}: {label}{guard}"
    paths = [a.path for a in change.attributes] if change.action not in ("create", "delete") else []
    if paths:
        more = f" and {len(paths) - MAX_SHORT_PATHS} more" if len(paths) > MAX_SHORT_PATHS else ""
        text += " — " + ", ".join(code(path) for path in paths[:MAX_SHORT_PATHS]) + more
    return text


def change_details(change: Change) -> str:
    """A collapsible <details> section for one change: its attribute diff, reasons and warnings."""
    label = f"{_action(change)}, <b>destructive</b>" if change.destructive else _action(change)
    guard = " 🔒 prevent_destroy" if change.protected else ""
    summary = (
        f"<summary><code>{_html(symbol(change))}</code> <b>{_html(change.kind)}</b> "
        f"<code>{_html(change.key)}</code>: {label}{guard}</summary>"
    )
    body = _body(change)
    # <summary> directly under <details>, then a blank line so the body is read as markdown.
    return _join([f"<details>\n{summary}", *body, "</details>"]).rstrip("\n")


def _body(change: Change) -> list[str]:
    if change.action in ("create", "delete"):
        values = (change.after if change.action == "create" else change.before) or {}
        heading = "value" if change.action == "create" else "value in the account"
        body = _values_table(values, heading)
    else:
        body = _diff_table(change.attributes)
    body.extend(_reasons(change))
    if change.warnings:
        body.append(_quote(["[!WARNING]", *(f"- {_escape(w)}" for w in change.warnings)]))
    return body


def _reasons(change: Change) -> list[str]:
    if not change.destructive_reasons:
        return []
    return ["**Destructive:**\n" + "\n".join(f"- {_escape(r)}" for r in change.destructive_reasons)]


def _values_table(values: Mapping[str, Any], heading: str) -> list[str]:
    rows = [f"| attribute | {heading} |", "| --- | --- |"]
    blocks: list[str] = []
    for name, value in values.items():
        if value in (None, "", False):
            continue
        if _is_multiline(value):
            blocks.append(f"{code(name)}:\n\n{fenced(str(value).strip(chr(10)), _language(name))}")
        elif name == "fields" and isinstance(value, list):
            rows.append(f"| {code(name)} | {'<br>'.join(code(describe_field(f)) for f in value)} |")
        elif isinstance(value, list) and len(value) > 1:
            rows.append(f"| {code(name)} | {'<br>'.join(code(show(item)) for item in value)} |")
        else:
            rows.append(f"| {code(name)} | {code(show(value))} |")
    return ["\n".join(rows), *blocks] if len(rows) > 2 else blocks


def _diff_table(attributes: Sequence[AttributeChange]) -> list[str]:
    rows = ["| | attribute | before | after |", "| --- | --- | --- | --- |"]
    blocks: list[str] = []
    for attribute in attributes:
        flag = "⚠️" if attribute.destructive_reason else ""
        if _is_multiline(attribute.before) or _is_multiline(attribute.after):
            rows.append(f"| {flag} | {code(attribute.path)} | see the diff below | |")
            diff = fenced(unified_diff(attribute.before, attribute.after), "diff")
            blocks.append(f"{code(attribute.path)}:\n\n{diff}")
        elif is_nested(attribute.before) and is_nested(attribute.after):
            for item in item_changes(attribute.path, attribute.before, attribute.after):
                where = code(f"{attribute.path}: {item.where}")
                if item.moved_from:
                    rows.append(f"| {flag} | {where} | {code(item.moved_from)} | moved here |")
                else:
                    rows.append(f"| {flag} | {where} | {_flow_cell(item.before, item.mark == '+')} | "
                                f"{_flow_cell(item.after, item.mark == '-')} |")  # fmt: skip
        else:
            rows.append(
                f"| {flag} | {code(attribute.path)} | {_cell(attribute.before)} | {_cell(attribute.after)} |"
            )
    return ["\n".join(rows), *blocks] if len(rows) > 2 else blocks


def _cell(value: Any) -> str:
    return "_(none)_" if value is None else code(show(value))


def _flow_cell(value: Any, absent: bool) -> str:
    return "_(none)_" if absent else code(flow(value))


def unified_diff(before: Any, after: Any) -> str:
    """A unified diff of two multi-line values (either may be None), without the file header lines."""
    return "\n".join(unified_lines(before, after))


def _is_multiline(value: Any) -> bool:
    return isinstance(value, str) and "\n" in value.strip("\n")


def _language(name: str) -> str:
    return "sql" if name == "sql" else ""


# --- markdown helpers --------------------------------------------------------------------------------------


def code(text: str) -> str:
    """Inline code that survives backticks and table pipes in the text; long text is cut."""
    if len(text) > MAX_CELL_CHARS:
        text = text[: MAX_CELL_CHARS - 1] + "…"
    text = one_line(text).replace("|", "\\|")
    ticks = "`" * (_longest_run(text, "`") + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{ticks}{pad}{text}{pad}{ticks}"


def fenced(text: str, language: str = "") -> str:
    """A fenced code block whose fence is longer than any backtick run inside."""
    fence = "`" * max(3, _longest_run(text, "`") + 1)
    return f"{fence}{language}\n{text}\n{fence}"


def _longest_run(text: str, char: str) -> int:
    longest = current = 0
    for c in text:
        current = current + 1 if c == char else 0
        longest = max(longest, current)
    return longest


def _escape(text: str) -> str:
    """Plain text in markdown: characters that would start markup are escaped."""
    return "".join(f"\\{c}" if c in "\\`*_[]<>|" else c for c in one_line(text))


def _html(text: str) -> str:
    return one_line(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _notes(plan: Plan, budget: int | None) -> tuple[str, int]:
    if not plan.notes and not plan.warnings:
        return "", 0
    items = [f"- **Warning**, **{n.kind}** {code(n.key)}: {_escape(n.message)}" for n in plan.warnings]
    items += [f"- **{n.kind}** {code(n.key)}: {_escape(n.message)}" for n in plan.notes]
    kept, left_out = _fit(items, None if budget is None else budget - 200)
    if left_out:
        kept.append(f"- … and {_count(left_out, 'more note')}")
    return "#### Notes\n\n" + "\n".join(kept), left_out
