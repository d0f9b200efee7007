"""`mcstate fmt`: every definitions file in one canonical form, the form `retrieve` writes.

Attributes in the order of their kind's JSON Schema (kind, key, name, ... as the examples write them),
unknown ones after them as written; list items that are mappings of plain values on one line (`- {name:
Email, type: EmailAddress}`), lists of plain values on one line; a top-level mapping of plain values on one
line unless the kind writes it as a block (an automation's schedule); strings quoted only where YAML needs
it; multi-line text as a literal block. Only the layout changes, never a value: a file whose formatted form
would read differently is left alone and reported (a bug), and so is one with comments inside a document,
which formatting would drop. Comment lines at the top of a file (the editor's schema line) are kept.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mcstate.definitions.document import Document
from mcstate.definitions.schemas import load_schema
from mcstate.definitions.writer import Flow, FlowList, dump_document
from mcstate.resources import REGISTRY, declarable

# A document separator line of a multi-document file.
SEPARATOR = re.compile(r"^---\s*$", re.MULTILINE)
# A comment inside a document: '#' at the start of a line, or after a space outside quotes (approximately:
# a '#' inside a quoted value is taken for a comment too, and the file is then left alone, which is safe).
COMMENT = re.compile(r"(^|\s)#")


@dataclass(frozen=True)
class FormatResult:
    """One definitions file: its canonical text, or why it is left as it is."""

    path: Path
    formatted: str | None  # None: left alone (see `skipped`)
    changed: bool
    skipped: str = ""


def format_files(documents: Sequence[Document], root: Path) -> list[FormatResult]:
    """The canonical form of every file the documents come from (documents of one file in order)."""
    by_file: dict[str, list[Document]] = {}
    for document in documents:
        by_file.setdefault(document.file, []).append(document)
    return [
        format_file(_path(file, root), sorted(docs, key=lambda d: d.index)) for file, docs in by_file.items()
    ]


def format_file(path: Path, documents: Sequence[Document]) -> FormatResult:
    text = path.read_text(encoding="utf-8")
    # Each document with the comment lines above it (its editor schema line); empty segments dropped.
    segments = [_header(segment) for segment in SEPARATOR.split(text)]
    segments = [(header, body) for header, body in segments if body.strip()]
    if len(segments) != len(documents):
        return FormatResult(path, None, False, "its documents could not be told apart")
    if any(COMMENT.search(line) for _, body in segments for line in body.splitlines()):
        return FormatResult(
            path, None, False, "it has comments inside a document, which formatting would drop"
        )
    parts = [
        header + dump_document(canonical(document.kind, document.written or document.data))
        for (header, _), document in zip(segments, documents, strict=True)
    ]
    formatted = "---\n".join(parts)
    if _read(formatted) != _read(text):
        return FormatResult(
            path, None, False, "its formatted form would read differently (please report this)"
        )
    return FormatResult(path, formatted, formatted != text)


def canonical(kind: str, data: Mapping[str, Any]) -> dict[str, Any]:
    """A document's data in canonical order and layout (Flow/FlowList mark what is written on one line)."""
    schema_file = declarable().get(kind)
    schema = load_schema(schema_file) if schema_file else {}
    block = getattr(REGISTRY.get(kind), "block_attributes", frozenset())
    ordered = _ordered(data, schema, schema)
    result: dict[str, Any] = {}
    for name, value in ordered.items():
        styled = _styled(value, in_list=False)
        if isinstance(styled, Flow) and (name in block or not _fits(name, styled)):
            styled = dict(styled)
        result[name] = styled
    return result


# -- order --------------------------------------------------------------------------------------------------


def _ordered(value: Any, schema: Mapping[str, Any], root: Mapping[str, Any]) -> Any:
    schema = _resolve(schema, root)
    if isinstance(value, Mapping):
        properties = _properties(schema, root)
        known = [name for name in properties if name in value]
        rest = [name for name in value if name not in properties]
        return {name: _ordered(value[name], properties.get(name, {}), root) for name in [*known, *rest]}
    if isinstance(value, list):
        items = schema.get("items", {}) if isinstance(schema.get("items"), Mapping) else {}
        return [_ordered(item, items, root) for item in value]
    return value


def _resolve(schema: Mapping[str, Any], root: Mapping[str, Any]) -> Mapping[str, Any]:
    reference = schema.get("$ref")
    if isinstance(reference, str) and reference.startswith("#/"):
        target: Any = root
        for part in reference[2:].split("/"):
            target = target.get(part, {}) if isinstance(target, Mapping) else {}
        return _resolve(target, root) if isinstance(target, Mapping) else {}
    return schema


def _properties(schema: Mapping[str, Any], root: Mapping[str, Any]) -> dict[str, Any]:
    """Declared properties in order, those of alternatives (oneOf, anyOf, allOf) after them."""
    found: dict[str, Any] = dict(schema.get("properties") or {})
    for combinator in ("allOf", "oneOf", "anyOf"):
        for branch in schema.get(combinator) or ():
            if isinstance(branch, Mapping):
                for name, sub in _properties(_resolve(branch, root), root).items():
                    found.setdefault(name, sub)
    return found


# -- layout -------------------------------------------------------------------------------------------------


def _plain(value: Any) -> bool:
    return not isinstance(value, Mapping | list) or isinstance(value, Flow | FlowList)


def _styled(value: Any, *, in_list: bool) -> Any:
    if isinstance(value, Mapping):
        styled = {name: _styled(item, in_list=False) for name, item in value.items()}
        return Flow(styled) if styled and all(_plain(item) for item in styled.values()) else styled
    if isinstance(value, list):
        items = [_styled(item, in_list=True) for item in value]
        # A list of plain values, or one inside a list (a step's activities), goes on one line.
        one_line = items and all(not isinstance(i, Mapping | list) for i in items)
        nested = in_list and items and all(_plain(i) for i in items)
        return FlowList(items) if one_line or nested else items
    return value


def _fits(name: str, value: Any) -> bool:
    """Whether a top-level mapping reads well on one line (as `sendable: {field: ..., ...}`)."""
    return len(dump_document({name: value}).rstrip("\n")) <= 100


# -- files --------------------------------------------------------------------------------------------------


def _header(text: str) -> tuple[str, str]:
    """The comment lines (and blank lines) at the top of a file, and the rest."""
    lines = text.splitlines(keepends=True)
    count = 0
    while count < len(lines) and (lines[count].lstrip().startswith("#") or not lines[count].strip()):
        count += 1
    header = "".join(line for line in lines[:count] if line.strip())
    return header, "".join(lines[count:])


def _read(text: str) -> list[Any]:
    from mcstate.definitions.loader import parse_documents

    return parse_documents(text)


def _path(file: str, root: Path) -> Path:
    path = Path(file)
    return path if path.is_absolute() else root / path
