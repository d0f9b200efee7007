"""Variables: one set of definitions, a value per target (`vars:` of mcstate.yaml).

In any string of a definition, and in the `.sql` files queries name, `${var.NAME}` is replaced by the
target's value before anything is checked; a string that is exactly one reference takes the value with its
type (`active: ${var.automations_on}` is a boolean), a reference inside text is written into it. `$${` is a
literal `${`. `${NAME}` without `var.` is left as it is (file locations read their secrets that way).
"""

from __future__ import annotations

import difflib
import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from mcstate.definitions.document import DocPath

Value = str | int | float | bool
# `$${` first, so that an escaped reference is never read as one.
REFERENCE = re.compile(r"\$\$\{|\$\{var\.([^}]*)\}")
NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
MARKERS = ("${var.", "$${")


@dataclass(frozen=True)
class Variables:
    """The values one target gives the variables, and what a definition needs to be checked against."""

    target: str
    values: Mapping[str, Value] = field(default_factory=dict)
    # Every variable mcstate.yaml declares (at the top or for any target): a reference to another is a typo.
    declared: frozenset[str] = frozenset()
    # Every target's name: what a definition's `targets:` may list.
    targets: tuple[str, ...] = ()
    # Keep definitions limited to other targets (mcstate fmt formats every file).
    keep_all: bool = False
    # Variables whose value comes from the environment (a saved plan records a hash of those, not the value).
    from_environment: frozenset[str] = frozenset()

    def recorded(self) -> dict[str, Value]:
        """The values as a saved plan records them: those read from the environment as a hash."""
        return {
            name: (
                "sha256:" + hashlib.sha256(str(value).encode("utf-8")).hexdigest()
                if name in self.from_environment
                else value
            )
            for name, value in sorted(self.values.items())
        }

    def problem(self, name: str) -> str:
        if not NAME.fullmatch(name):
            return f"'${{var.{name}}}' is not a variable reference: a name is letters, digits and '_'"
        if name in self.declared:
            return (
                f"variable '{name}' has no value for target '{self.target}': give it one under vars: "
                f"(for every target) or targets.{self.target}.vars: in mcstate.yaml"
            )
        close = difflib.get_close_matches(name, sorted(self.declared), n=1)
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        known = ", ".join(sorted(self.declared)) or "none"
        return f"unknown variable '{name}'{hint}; mcstate.yaml declares: {known}"


@dataclass(frozen=True)
class Unresolved:
    """A reference that cannot be replaced: where (the path in the document, the offset in the text)."""

    path: DocPath
    offset: int
    message: str


def mentions(text: str) -> bool:
    """Whether a text may hold a reference or an escape (a quick test before the real work)."""
    return any(marker in text for marker in MARKERS)


def substitute_text(text: str, variables: Variables) -> tuple[Any, list[tuple[int, str]]]:
    """The text with its references replaced (a value of its own type when the text is one reference), and
    the references that cannot be, with their offsets."""
    whole = REFERENCE.fullmatch(text)
    if whole is not None and whole.group(1) is not None:
        name = whole.group(1)
        if name in variables.values and NAME.fullmatch(name):
            return variables.values[name], []
        return text, [(0, variables.problem(name))]
    problems: list[tuple[int, str]] = []

    def replace(match: re.Match[str]) -> str:
        if match.group(1) is None:
            return "${"
        name = match.group(1)
        if name in variables.values and NAME.fullmatch(name):
            return _as_text(variables.values[name])
        problems.append((match.start(), variables.problem(name)))
        return match.group(0)

    return REFERENCE.sub(replace, text), problems


def substitute(data: Any, variables: Variables, path: DocPath = ()) -> tuple[Any, list[Unresolved]]:
    """Every string of a document's data (keys stay as written), with the references that cannot be
    replaced."""
    if isinstance(data, str):
        if not mentions(data):
            return data, []
        value, problems = substitute_text(data, variables)
        return value, [Unresolved(path, offset, message) for offset, message in problems]
    if isinstance(data, dict):
        result: dict[str, Any] = {}
        found: list[Unresolved] = []
        for key, item in data.items():
            result[key], more = substitute(item, variables, (*path, key))
            found.extend(more)
        return result, found
    if isinstance(data, list):
        items: list[Any] = []
        found = []
        for index, item in enumerate(data):
            value, more = substitute(item, variables, (*path, index))
            items.append(value)
            found.extend(more)
        return items, found
    return data, []


def _as_text(value: Value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
