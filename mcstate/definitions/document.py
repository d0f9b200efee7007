"""One YAML document of a definitions file, with the source position of every value in it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mcstate.errors import Location, Problem

# A path inside a document: mapping keys and list indexes, e.g. ("fields", 2, "type").
DocPath = tuple[str | int, ...]


def format_path(path: DocPath) -> str:
    """Render a path the way users read it: fields[2].type"""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text


@dataclass
class Document:
    """A definition as written: kind, plain data and where each value came from."""

    kind: str
    data: dict[str, Any]
    file: str
    index: int = 0
    # (line, column), 1-based, of every mapping value and list item; () is the document itself. None until a
    # problem needs them: `locate` then reads them from the file again.
    positions: dict[DocPath, tuple[int, int]] | None = field(default_factory=dict)
    # The project folder: files the definition names (sql_file) must be inside it. Empty: the folder of
    # the definitions file.
    root: str = ""
    locate: Callable[[], dict[DocPath, tuple[int, int]]] | None = field(
        default=None, repr=False, compare=False
    )
    # The data as written, when variables (${var.NAME}) changed it: what `mcstate fmt` formats.
    written: dict[str, Any] | None = field(default=None, repr=False, compare=False)
    # The target's variables, for the files a definition names (a query's .sql file).
    variables: Any = field(default=None, repr=False, compare=False)

    @property
    def project_root(self) -> Path:
        return Path(self.root) if self.root else Path(self.file).parent

    @property
    def key(self) -> str:
        return str(self.data.get("key", ""))

    def location(self, path: DocPath = ()) -> Location:
        """The position of `path`, or of its nearest ancestor that has one."""
        if self.positions is None:
            self.positions = self.locate() if self.locate is not None else {}
        probe = tuple(path)
        while True:
            if probe in self.positions:
                line, column = self.positions[probe]
                return Location(self.file, line, column)
            if not probe:
                return Location(self.file, 1, 1)
            probe = probe[:-1]

    def problem(self, path: DocPath, message: str) -> Problem:
        return Problem(self.location(path), message, format_path(path))
