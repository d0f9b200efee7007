"""Reading the definitions: every YAML document of every file, checked against the schema of its kind.

All the problems of all the files are collected and raised together, each with file:line:column, so that
a user fixes everything in one pass instead of one error per run.
"""

from __future__ import annotations

import difflib
import functools
import math
import re
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError, best_match

from mcstate.definitions.compiled_schema import compile_schema
from mcstate.definitions.document import DocPath, Document, format_path
from mcstate.definitions.parallel_load import load_in_two
from mcstate.definitions.schemas import load_schema
from mcstate.definitions.variables import Unresolved, Variables, mentions, substitute
from mcstate.errors import DefinitionError, Location, Problem
from mcstate.project_files import WalkProblem, is_inside, walk_files

_SafeLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
# libyaml reports reader errors as byte offsets into the UTF-8 text, the pure loader as character offsets.
_OFFSETS_IN_BYTES = _SafeLoader is not yaml.SafeLoader


class _Loader(_SafeLoader):  # type: ignore[misc,valid-type]
    """The safe loader, remembering how it resolved each scalar: resolving (which regular expressions match
    a plain scalar) depends only on the text and its style, and definitions repeat the same few scalars
    (types, lengths, true/false) hundreds of thousands of times in a large project."""

    def resolve(self, kind: type[yaml.Node], value: Any, implicit: Any) -> str:
        if kind is not yaml.ScalarNode or self.yaml_path_resolvers:
            return str(super().resolve(kind, value, implicit))
        key = (value, implicit)
        tag = _RESOLVED.get(key)
        if tag is None:
            if len(_RESOLVED) > _RESOLVED_LIMIT:
                _RESOLVED.clear()
            tag = _RESOLVED[key] = str(super().resolve(kind, value, implicit))
        return tag


_RESOLVED: dict[tuple[Any, Any], str] = {}
_RESOLVED_LIMIT = 200_000

_TAG = "tag:yaml.org,2002:"
_MAP, _SEQ, _STR, _NULL, _MERGE, _TIMESTAMP = (
    _TAG + name for name in ("map", "seq", "str", "null", "merge", "timestamp")
)

# Far more than any real definitions file; stops alias bombs ("billion laughs") and merge-key bombs from
# eating the memory and the time. Every value built and every merged key counts, per document, per file and
# per project (a 30,000-data-extension project builds about 6 million values).
_MAX_VALUES_PER_DOCUMENT = 500_000
_MAX_VALUES_PER_FILE = 2_000_000
_MAX_VALUES_PER_PROJECT = 12_000_000
# Far beyond any real definition (a data extension of 4,000 fields is about 300 KB); refusing larger files
# before parsing keeps a stray export or a generated file from stalling every command.
MAX_FILE_BYTES = 5 * 1024 * 1024

Position = tuple[int, int]


def load_documents(
    root: Path,
    schemas: Mapping[str, str],
    *,
    display_base: Path | None = None,
    project_root: Path | None = None,
    variables: Variables | None = None,
) -> list[Document]:
    """Every definition under `root`, in file order then document order, exactly as written.

    `schemas` maps each kind to the file name of its JSON Schema. Defaults are not filled in: `data` holds
    what the user wrote and nothing else. Files are read only inside `project_root` (by default `root`
    itself, or the folder of a single file). Raises DefinitionError with every problem found, in every file.
    """
    base = Path.cwd() if display_base is None else display_base
    if project_root is None:
        project_root = root if root.is_dir() else root.parent
    problems: list[Problem] = []
    documents: list[Document] = []
    if not root.exists():
        raise DefinitionError([Problem(Location(_display(root, base)), "no such file or directory")])
    if not is_inside(root, project_root):
        message = "is outside the project folder; definitions are read only inside the project folder"
        raise DefinitionError([Problem(Location(_display(root, base)), message)])
    files: list[tuple[Path, str]] = []
    for path, walk_problem in _yaml_files(root, project_root):
        if walk_problem is not None:
            problems.append(Problem(Location(_display(path, base)), walk_problem.message))
        else:
            files.append((path, _display(path, base)))
    for file_documents, file_problems, exhausted in load_in_two(
        files, functools.partial(_load_files, schemas, variables)
    ):
        if exhausted:
            problems.extend(file_problems)
            break
        for document in file_documents:
            document.root = str(project_root)
        documents.extend(file_documents)
        problems.extend(file_problems)
    problems.extend(_duplicate_keys(documents))
    if problems:
        raise DefinitionError(problems)
    return documents


def _load_files(
    schemas: Mapping[str, str], variables: Variables | None, files: Sequence[tuple[Path, str]]
) -> list[tuple[list[Document], list[Problem], bool]]:
    """Each file's documents and problems, and whether the project's budget ran out with it (the files after
    it are not loaded). Several of these may run side by side (parallel_load), each with the whole budget."""
    budget = _Budget(_MAX_VALUES_PER_PROJECT, "the definitions together have")
    loaded: list[tuple[list[Document], list[Problem], bool]] = []
    for path, display in files:
        documents, problems = _load_file(path, display, schemas, budget, variables)
        loaded.append((documents, problems, budget.exhausted))
        if budget.exhausted:
            break
    return loaded


def _yaml_files(root: Path, project_root: Path) -> list[tuple[Path, WalkProblem | None]]:
    if root.is_file():
        return [(root, None)]
    return list(walk_files(root, project_root, lambda path: path.suffix in (".yaml", ".yml")))


def _display(path: Path, base: Path) -> str:
    for candidate, anchor in ((path.absolute(), base.absolute()), (path.resolve(), base.resolve())):
        try:
            return candidate.relative_to(anchor).as_posix()
        except ValueError:
            continue
    return path.as_posix()


# --- one file ---------------------------------------------------------------------------------------


def _load_file(
    path: Path,
    file: str,
    schemas: Mapping[str, str],
    project_budget: _Budget | None = None,
    variables: Variables | None = None,
) -> tuple[list[Document], list[Problem]]:
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            megabytes = size / (1024 * 1024)
            message = (
                f"the file is {megabytes:.1f} MB; definitions files are limited to "
                f"{MAX_FILE_BYTES // (1024 * 1024)} MB: split it, or move it out of the definitions folder"
            )
            return [], [Problem(Location(file, 1, 1), message)]
        raw = path.read_bytes()
    except OSError as error:
        return [], [Problem(Location(file), f"cannot read the file: {error.strerror or error}")]
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        return [], [_not_utf8(raw, error, file)]

    documents: list[Document] = []
    problems: list[Problem] = []
    loader: yaml.SafeLoader | None = None
    file_budget = _Budget(_MAX_VALUES_PER_FILE, "the file has")
    budgets = (project_budget,) if project_budget is not None else ()
    # Only a file that mentions a variable is searched for references, value by value.
    substituting = variables if variables is not None and mentions(text) else None
    try:
        loader = _Loader(text)
        index = 0
        while loader.check_node():
            node = loader.get_node()
            if node is not None and not _is_empty(node):
                document, document_problems = _load_document(
                    node,
                    file,
                    index,
                    schemas,
                    loader,
                    (file_budget, *budgets),
                    functools.partial(_positions_in, path, index),
                    substituting,
                )
                if document is not None and not _for_target(document, variables, problems):
                    document = None
                if document is not None:
                    document.variables = variables
                problems.extend(document_problems)
                if document is not None:
                    documents.append(document)
                if file_budget.exhausted or any(budget.exhausted for budget in budgets):
                    break
            index += 1
    except yaml.MarkedYAMLError as error:
        problems.append(_syntax_problem(error, text, file))
    except yaml.reader.ReaderError as error:
        problems.append(_reader_problem(error, text, file))
    finally:
        if loader is not None:
            loader.dispose()
    return documents, problems


def parse_documents(text: str) -> list[Any]:
    """The documents of a YAML text as this loader reads them (no positions, no checks), for comparing two
    texts by what they say (mcstate fmt)."""
    return [document for document in yaml.load_all(text, Loader=_Loader) if document is not None]


def load_single_document(
    path: Path, file: str, schema_file: str
) -> tuple[dict[str, Any] | None, list[Problem]]:
    """A file of one YAML document (mcstate.yaml) read as definitions are - positions, duplicate keys,
    bounded work - and checked against `schema_file`: the data (None when unusable) and every problem."""
    try:
        raw = path.read_bytes()[: MAX_FILE_BYTES + 1]
    except OSError as error:
        return None, [Problem(Location(file), f"cannot read the file: {error.strerror or error}")]
    if len(raw) > MAX_FILE_BYTES:
        return None, [Problem(Location(file, 1, 1), "the file is too large for a project file")]
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        return None, [_not_utf8(raw, error, file)]
    loader: yaml.SafeLoader | None = None
    nodes: list[yaml.Node] = []
    try:
        loader = _Loader(text)
        while loader.check_node():
            node = loader.get_node()
            if node is not None and not _is_empty(node):
                nodes.append(node)
        if not nodes:
            return None, [Problem(Location(file, 1, 1), "the file is empty")]
        if len(nodes) > 1:
            line, column = _position(nodes[1])
            return None, [
                Problem(Location(file, line, column), "the file holds one document; remove this one")
            ]
        builder = _Builder(file, loader)
        try:
            data = builder.build(nodes[0], ())
        except _TooBig as too_big:
            return None, [Problem(Location(file, *_position(nodes[0])), str(too_big))]
    except yaml.MarkedYAMLError as error:
        return None, [_syntax_problem(error, text, file)]
    except yaml.reader.ReaderError as error:
        return None, [_reader_problem(error, text, file)]
    finally:
        if loader is not None:
            loader.dispose()
    problems = list(builder.problems)
    start = _position(nodes[0])
    if not isinstance(data, dict):
        problems.append(Problem(Location(file, *start), f"expected a mapping, not {_describe(data)}"))
        return None, problems
    document = Document(kind="", data=data, file=file, positions={(): start, **builder.positions})
    if not _certainly_valid(schema_file, data):
        problems.extend(_schema_problems(document, builder.key_positions, _validator(schema_file)))
    problems.extend(_non_finite(document, data, ()))
    return (None if problems else data), problems


def _non_finite(document: Document, value: Any, path: DocPath) -> Iterator[Problem]:
    """Numbers YAML can write but no setting means: .nan and .inf."""
    if isinstance(value, dict):
        for name, item in value.items():
            yield from _non_finite(document, item, (*path, name))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _non_finite(document, item, (*path, index))
    elif isinstance(value, float) and not math.isfinite(value):
        yield document.problem(path, f"{value} is not a number a setting can take")


def _is_empty(node: yaml.Node) -> bool:
    return isinstance(node, yaml.ScalarNode) and node.tag == _NULL


def _not_utf8(raw: bytes, error: UnicodeDecodeError, file: str) -> Problem:
    line_start = raw.rfind(b"\n", 0, error.start) + 1
    line = raw.count(b"\n", 0, error.start) + 1
    column = len(raw[line_start : error.start].decode("utf-8", errors="replace")) + 1
    byte = raw[error.start]
    return Problem(
        Location(file, line, column),
        f"the file is not valid UTF-8 (byte 0x{byte:02X} cannot be decoded); save it as UTF-8",
    )


def _line_column(text: str, offset: int) -> Position:
    line_start = text.rfind("\n", 0, offset) + 1
    return text.count("\n", 0, offset) + 1, offset - line_start + 1


def _reader_problem(error: yaml.reader.ReaderError, text: str, file: str) -> Problem:
    offset = error.position
    if _OFFSETS_IN_BYTES:
        offset = len(text.encode("utf-8")[:offset].decode("utf-8", errors="ignore"))
    line, column = _line_column(text, offset)
    character = error.character if isinstance(error.character, int) else ord(str(error.character)[:1] or "?")
    return Problem(
        Location(file, line, column), f"the character U+{character:04X} is not allowed in a YAML file"
    )


# Both loaders word their errors differently and neither speaks to someone editing a definition.
def _syntax_problem(error: yaml.MarkedYAMLError, text: str, file: str) -> Problem:
    mark = error.problem_mark or error.context_mark
    line, column = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
    problem = (error.problem or "").strip()
    context = (error.context or "").strip()
    context_mark = error.context_mark
    context_line = context_mark.line + 1 if context_mark is not None else line
    lines = text.splitlines()
    source_line = lines[line - 1] if 0 < line <= len(lines) else ""
    here = source_line[column - 1 : column] if column - 1 < len(source_line) else ""

    indent = source_line[: len(source_line) - len(source_line.lstrip())]
    if "tab" in problem or here == "\t" or ("\t" in indent and column <= len(indent) + 1):
        message = "tab characters are not allowed for indentation; use spaces"
    elif "quoted scalar" in context and "end of stream" in problem and context_mark is not None:
        line, column = context_mark.line + 1, context_mark.column + 1
        message = "unclosed quote: the string that starts here is never closed"
    elif "cannot start any token" in problem:
        message = f"a value cannot start with {here!r}; put the value in quotes"
    elif "mapping values are not allowed" in problem:
        message = "unexpected ':'; put a value that contains ': ' in quotes, or fix the indentation"
    elif "could not find expected ':'" in problem and context_mark is not None:
        # The scanner notices only on a later line; the key that lacks its ':' is the useful place.
        line, column = context_mark.line + 1, context_mark.column + 1
        message = "missing ':' after this key"
    elif "undefined alias" in problem:
        name = re.match(r"\*?([^\s,\[\]{}]*)", _text_at(lines, line, column))
        alias = name.group(1) if name else ""
        message = f"unknown alias '*{alias}': no anchor '&{alias}' is defined before it"
    elif "duplicate anchor" in problem + context:
        name = re.match(r"&([^\s,\[\]{}]*)", _text_at(lines, line, column))
        anchor = f"'&{name.group(1)}' " if name else ""
        first = f" at line {context_line}" if context_mark is not None else ""
        message = f"the anchor {anchor}is already defined{first}; give this one another name"
    elif "escape" in problem:
        message = (
            "unknown escape sequence in a double-quoted string; write '\\\\' for '\\', or use single quotes"
        )
    elif "flow sequence" in context:
        message = f"missing ',' or ']' in the list that starts at line {context_line}"
    elif "flow mapping" in context:
        message = f"missing ',' or '}}' in the mapping that starts at line {context_line}"
    elif "block mapping" in context:
        message = (
            f"bad indentation: this line does not line up with the keys of the mapping that starts at "
            f"line {context_line}"
        )
    elif "block collection" in context or "block sequence" in context:
        message = (
            f"bad indentation: this line does not line up with the items of the list that starts at "
            f"line {context_line}"
        )
    else:
        message = problem or "invalid YAML"
        if context:
            message += f" ({context}, line {context_line})"
    return Problem(Location(file, line, column), f"YAML syntax error: {message}")


def _text_at(lines: list[str], line: int, column: int) -> str:
    if 0 < line <= len(lines):
        return lines[line - 1][column - 1 :]
    return ""


# --- one document -----------------------------------------------------------------------------------


class _TooBig(Exception):
    """A budget of values ran out; the message says which."""


class _Budget:
    """How many values (built, or merged in by '<<') a document, a file or the project may have."""

    def __init__(self, limit: int, holder: str) -> None:
        self.limit = limit
        self.holder = holder
        self.spent = 0
        self.exhausted = False

    def spend(self) -> None:
        self.spent += 1
        if self.spent > self.limit:
            self.exhausted = True
            raise _TooBig(
                f"{self.holder} more than {self.limit:,} values (with aliases or '<<' merge keys, one is "
                "probably expanded too many times)"
            )


class _Builder:
    """Turns a composed node tree into plain data in one walk, noting where each value and key came from.

    Building from nodes (rather than letting PyYAML construct the data) is what makes duplicate keys visible:
    the constructor silently keeps the last one.
    """

    def __init__(
        self,
        file: str,
        loader: yaml.SafeLoader,
        budgets: tuple[_Budget, ...] = (),
        *,
        record_positions: bool = True,
    ) -> None:
        self.file = file
        self.loader = loader
        self.record_positions = record_positions
        self.budgets = (_Budget(_MAX_VALUES_PER_DOCUMENT, "the document has"), *budgets)
        # Values are counted here and charged to the budgets when the document is done (commit): one
        # comparison per value instead of one per budget.
        self._spent = 0
        self._limit = min(budget.limit - budget.spent for budget in self.budgets)
        self.problems: list[Problem] = []
        self.positions: dict[DocPath, Position] = {}
        self.key_positions: dict[DocPath, Position] = {}
        self._active: set[int] = set()

    def problem(self, node: yaml.Node, path: DocPath, message: str) -> None:
        line, column = _position(node)
        self.problems.append(Problem(Location(self.file, line, column), message, format_path(path)))

    def _count(self) -> None:
        self._spent += 1
        if self._spent > self._limit:
            self.commit()
            for budget in self.budgets:
                budget.spend()  # raises for the budget that ran out

    def commit(self) -> None:
        """Charge the values counted so far to the budgets."""
        for budget in self.budgets:
            budget.spent += self._spent
            budget.exhausted = budget.exhausted or budget.spent > budget.limit
        self._limit -= self._spent
        self._spent = 0

    def build(self, node: yaml.Node, path: DocPath) -> Any:
        self._count()
        if isinstance(node, yaml.ScalarNode):
            value = self._scalar(node, path)
            if isinstance(value, str) and not value.isprintable():
                self._check_characters(node, path, value)
            return value
        if id(node) in self._active:
            self.problem(node, path, "an alias cannot refer to a value that contains it")
            return None
        self._active.add(id(node))
        try:
            if isinstance(node, yaml.SequenceNode):
                return self._sequence(node, path)
            return self._mapping(node, path)
        finally:
            self._active.discard(id(node))

    def _sequence(self, node: yaml.SequenceNode, path: DocPath) -> list[Any] | None:
        if node.tag != _SEQ:
            self.problem(node, path, f"unsupported YAML tag {_short_tag(node.tag)}")
            return None
        items: list[Any] = []
        for index, item in enumerate(node.value):
            if self.record_positions:
                self.positions[(*path, index)] = _position(item)
            items.append(self.build(item, (*path, index)))
        return items

    def _mapping(self, node: yaml.MappingNode, path: DocPath) -> dict[str, Any] | None:
        if node.tag != _MAP:
            self.problem(node, path, f"unsupported YAML tag {_short_tag(node.tag)}")
            return None
        chosen: dict[str, tuple[yaml.Node, yaml.Node]] = {}
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE:
                continue
            key = self._key(key_node, path)
            if key is None:
                continue
            if key in chosen:
                first_line = _position(chosen[key][0])[0]
                self.problem(key_node, (*path, key), f"duplicate key '{key}' (first at line {first_line})")
                continue
            chosen[key] = (key_node, value_node)
        # Merged keys never override the mapping's own keys; earlier merge sources win over later ones.
        for key_node, value_node in self._merged_pairs(node, path):
            key = self._key(key_node, path)
            if key is not None and key not in chosen:
                chosen[key] = (key_node, value_node)
        result: dict[str, Any] = {}
        for key, (key_node, value_node) in chosen.items():
            child = (*path, key)
            if self.record_positions:
                self.key_positions[child] = _position(key_node)
                self.positions[child] = _position(value_node)
            result[key] = self.build(value_node, child)
        return result

    def _merged_pairs(self, node: yaml.MappingNode, path: DocPath) -> Iterator[tuple[yaml.Node, yaml.Node]]:
        for key_node, value_node in node.value:
            if key_node.tag != _MERGE:
                continue
            sources = value_node.value if isinstance(value_node, yaml.SequenceNode) else [value_node]
            for source in sources:
                if not isinstance(source, yaml.MappingNode):
                    self.problem(source, path, "'<<' can only merge a mapping or a list of mappings")
                    continue
                if id(source) in self._active:
                    self.problem(source, path, "an alias cannot refer to a value that contains it")
                    continue
                self._active.add(id(source))
                try:
                    for pair in source.value:
                        self._count()
                        if pair[0].tag != _MERGE:
                            yield pair
                    yield from self._merged_pairs(source, path)
                finally:
                    self._active.discard(id(source))

    def _key(self, node: yaml.Node, path: DocPath) -> str | None:
        if isinstance(node, yaml.ScalarNode) and node.tag in (_STR, _TIMESTAMP):
            # One string object per distinct key: a large project repeats the same few keys (name, type,
            # length) hundreds of thousands of times.
            return sys.intern(str(node.value))
        if isinstance(node, yaml.ScalarNode):
            value = self._scalar(node, path)
            if node.tag == _NULL:
                self.problem(node, path, "a key is empty")
            elif node.tag.startswith(_TAG):
                message = (
                    f"key {node.value} is read as {_describe(value)}; put it in quotes to use it as text"
                )
                self.problem(node, path, message)
            return None
        kind = "a list" if isinstance(node, yaml.SequenceNode) else "a mapping"
        self.problem(node, path, f"a key must be text, not {kind}")
        return None

    def _check_characters(self, node: yaml.Node, path: DocPath, value: str) -> None:
        """Control characters in a text value (checked only for text that is not all printable)."""
        found = control_character(value, bool(path) and path[-1] in _MULTI_LINE_ATTRIBUTES)
        if found is None and bool(path) and path[-1] in _NAMING_ATTRIBUTES:
            found = _LINE_BREAK.search(value)
        if found is not None:
            self.problem(
                node,
                path,
                f"contains the control character U+{ord(found.group(0)):04X} at position "
                f"{found.start() + 1}; remove it (it would change what a terminal shows, or be refused by "
                "the service)",
            )

    def _scalar(self, node: yaml.ScalarNode, path: DocPath) -> Any:
        tag = node.tag
        if tag in (_STR, _TIMESTAMP):
            # Dates stay text: the schemas expect "YYYY-MM-DD" strings, quoted or not. Short texts (field
            # names, types) repeat across definitions: one object each.
            value = node.value
            return sys.intern(value) if len(value) <= _INTERNED_LENGTH else value
        constructor = _SCALAR_CONSTRUCTORS.get(tag)
        if constructor is None:
            self.problem(node, path, f"unsupported YAML tag {_short_tag(tag)}")
            return None
        try:
            return constructor(self.loader, node)
        except (ValueError, yaml.constructor.ConstructorError):
            self.problem(node, path, f"{_quote(node.value)} is not a valid {_short_tag(tag)} value")
            return None


_INTERNED_LENGTH = 40

_SCALAR_CONSTRUCTORS: dict[str, Any] = {
    _NULL: yaml.SafeLoader.construct_yaml_null,
    _TAG + "bool": yaml.SafeLoader.construct_yaml_bool,
    _TAG + "int": yaml.SafeLoader.construct_yaml_int,
    _TAG + "float": yaml.SafeLoader.construct_yaml_float,
}


def _position(node: yaml.Node) -> Position:
    return node.start_mark.line + 1, node.start_mark.column + 1


def _short_tag(tag: str) -> str:
    return "!!" + tag[len(_TAG) :] if tag.startswith(_TAG) else tag


def _load_document(
    node: yaml.Node,
    file: str,
    index: int,
    schemas: Mapping[str, str],
    loader: yaml.SafeLoader,
    budgets: tuple[_Budget, ...] = (),
    locate: Callable[[], dict[DocPath, Position]] | None = None,
    variables: Variables | None = None,
) -> tuple[Document | None, list[Problem]]:
    """One document. The position of every value is recorded only when the document has a problem to
    point at; a valid document finds its positions again in its file when a later check needs one (they
    took half the memory of a large project)."""
    builder = _Builder(file, loader, budgets, record_positions=False)
    start = _position(node)
    try:
        data = builder.build(node, ())
    except _TooBig as too_big:
        return None, [Problem(Location(file, *start), str(too_big))]
    builder.commit()
    problems = builder.problems
    written: dict[str, Any] | None = None
    unresolved: list[Unresolved] = []
    if variables is not None and isinstance(data, dict):
        substituted, unresolved = substitute(data, variables)
        if substituted != data:
            written, data = data, substituted
    kind = data.get("kind") if isinstance(data, dict) else None
    valid = (
        not problems
        and not unresolved
        and isinstance(kind, str)
        and kind in schemas
        and _certainly_valid(schemas[kind], data)
    )
    if not valid:
        # Explaining a problem needs the positions: the same nodes built again, recording them.
        builder = _Builder(file, loader)
        builder.build(node, ())
    positions: dict[DocPath, Position] | None = None if valid else {(): start, **builder.positions}
    if not isinstance(data, dict):
        if data is not None or not problems:
            message = f"a definition must be a mapping with a 'kind', not {_describe(data)}"
            problems.append(Problem(Location(file, *start), message))
        return None, problems
    document = Document(
        kind="", data=data, file=file, index=index, positions=positions, locate=locate, written=written
    )
    for reference in unresolved:
        problems.append(document.problem(reference.path, reference.message))
    if unresolved:
        return None, problems
    known = sorted(schemas)
    if "kind" not in data:
        message = f"missing required attribute 'kind' (one of: {', '.join(known)})"
        problems.append(document.problem((), message))
        return None, problems
    kind = data["kind"]
    if not isinstance(kind, str) or kind not in schemas:
        message = (
            f"unknown kind {_describe_value(kind)}{_suggest(kind, known)}; known kinds: {', '.join(known)}"
        )
        problems.append(document.problem(("kind",), message))
        return None, problems
    document.kind = kind
    if not valid:
        problems.extend(_schema_problems(document, builder.key_positions, _validator(schemas[kind])))
    return document, problems


def _for_target(document: Document, variables: Variables | None, problems: list[Problem]) -> bool:
    """Whether a definition belongs to the target (its `targets:`, when it has one, names it); names that
    are no target of mcstate.yaml are problems."""
    wanted = document.data.get("targets")
    if variables is None or not isinstance(wanted, list):
        return True
    for index, name in enumerate(wanted):
        if name not in variables.targets:
            message = f"'{name}' is not a target of mcstate.yaml{_suggest(name, variables.targets)}"
            problems.append(document.problem(("targets", index), message))
    return variables.keep_all or variables.target in wanted


def _positions_in(path: Path, index: int) -> dict[DocPath, Position]:
    """The positions of the values of document `index` of a file, read again (Document.locate)."""
    text = path.read_bytes().decode("utf-8-sig")
    loader = _Loader(text)
    try:
        current = 0
        while loader.check_node():
            node = loader.get_node()
            if current == index and node is not None:
                builder = _Builder(str(path), loader)
                builder.build(node, ())
                return {(): _position(node), **builder.positions}
            current += 1
    finally:
        loader.dispose()
    return {}


# Characters a terminal would act on or the service would choke on (NUL): C0 controls but for line breaks and
# tabs, DEL and C1 controls, anywhere; line breaks in any value but SQL and descriptions; tabs too in a value
# that names something (a key, a name, a path), where they are never meant (a delimiter may be one).
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_LINE_BREAK = re.compile("[\t\n\r]")
_NEWLINE = re.compile("[\n\r]")
# Values that name something: no tab either.
_NAMING_ATTRIBUTES = frozenset({"key", "name", "path"})
_MULTI_LINE_ATTRIBUTES = frozenset({"sql", "description"})


def control_character(text: str, multi_line: bool) -> re.Match[str] | None:
    """The first control character `text` must not hold (tabs allowed; line breaks when `multi_line`)."""
    return _CONTROL.search(text) or (None if multi_line else _NEWLINE.search(text))


# --- schema -----------------------------------------------------------------------------------------


@cache
def _validator(schema_file: str) -> Draft202012Validator:
    schema = load_schema(schema_file)
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


@cache
def _compiled(schema_file: str) -> Callable[[Any], bool] | None:
    # The shipped schemas are checked against the metaschema by the tests (tests/test_schemas.py), not on
    # every run: jsonschema's validator is built only to explain a document that fails.
    return compile_schema(load_schema(schema_file))


def _certainly_valid(schema_file: str, data: Any) -> bool:
    """Whether the document satisfies its schema, by the compiled schema (a tenth of jsonschema's time);
    jsonschema then only runs to explain the documents that do not."""
    predicate = _compiled(schema_file)
    return predicate is not None and predicate(data)


def _schema_problems(
    document: Document, key_positions: Mapping[DocPath, Position], validator: Draft202012Validator
) -> list[Problem]:
    problems: dict[tuple[Location, str], Problem] = {}
    for error in validator.iter_errors(document.data):
        for path, message, at_key in _explain(error):
            location = document.location(path)
            if at_key and path in key_positions:
                location = Location(document.file, *key_positions[path])
            # A value reached through several aliases fails once per alias, all at the anchor: say it once.
            problems.setdefault((location, message), Problem(location, message, format_path(path)))
    return list(problems.values())


# (where, message, whether the key rather than the value is the place to show)
Explanation = tuple[DocPath, str, bool]


def _explain(error: ValidationError) -> Iterator[Explanation]:
    path: DocPath = tuple(error.absolute_path)
    instance = error.instance
    keyword = error.validator
    value = error.validator_value
    schema = error.schema if isinstance(error.schema, dict) else {}
    # A mapping, a list or an empty value starts on the line after its key, or nowhere: show the key.
    whole = isinstance(instance, dict | list) or instance is None

    if "errorMessage" in schema and keyword != "pattern":
        yield path, str(schema["errorMessage"]), True
    elif keyword == "additionalProperties" and isinstance(instance, dict):
        allowed = sorted(schema.get("properties", {}))
        for key in instance:
            if key not in allowed:
                hint = _suggest(key, allowed, listing=True)
                yield (*path, key), f"unknown attribute {_quote(key)}{hint}", True
    elif keyword == "required" and isinstance(instance, dict):
        for name in value:
            if name not in instance:
                yield path, f"missing required attribute {_quote(name)}", True
    elif keyword == "type":
        message = f"expected {_expected_types(value)}, got {_describe(instance)}"
        if value == "string" and isinstance(instance, bool | int | float):
            # yes, 2024 or 1.10 are not text to YAML; quoting is the fix users look for.
            message += "; put it in quotes to use it as text"
        yield path, message, whole
    elif keyword == "enum":
        choices = ", ".join(str(choice) for choice in value)
        if isinstance(instance, str):
            hint = _suggest(instance, [str(choice) for choice in value])
            yield path, f"{_quote(instance)} is not one of: {choices}{hint}", whole
        else:
            yield path, f"expected one of: {choices}, got {_describe(instance)}", whole
    elif keyword == "const":
        yield path, f"must be {_describe_value(value)}, got {_describe_value(instance)}", whole
    elif keyword == "minLength":
        wanted = "must not be empty" if value == 1 else f"must be at least {value} characters long"
        yield path, wanted, whole
    elif keyword == "maxLength":
        yield path, f"must be at most {value} characters long (it has {len(instance)})", whole
    elif keyword in _BOUNDS:
        yield path, f"must be {_BOUNDS[keyword]} {value}, got {instance}", whole
    elif keyword == "minProperties" and value == 1:
        yield path, "must not be empty", True
    elif keyword == "minItems":
        wanted = "must not be empty" if value == 1 else f"must have at least {value} items"
        yield path, f"{wanted} (it has {len(instance)})" if instance else wanted, True
    elif keyword == "maxItems":
        yield path, f"must have at most {value} items (it has {len(instance)})", True
    elif keyword == "uniqueItems" and isinstance(instance, list):
        seen: list[Any] = []
        for index, item in enumerate(instance):
            if item in seen:
                yield (*path, index), f"{_describe_value(item)} is listed more than once", False
            seen.append(item)
    elif keyword == "pattern":
        explanation = schema.get("patternErrorMessage") or f"it must match the pattern {value}"
        if schema.get("writeOnly"):
            # A value that may be a secret (a credential written inline) is never repeated.
            yield path, explanation, whole
        else:
            yield path, f"invalid value {_quote(str(instance))}: {explanation}", whole
    elif keyword == "format":
        expected = {"date": "a valid date (YYYY-MM-DD)"}.get(str(value), f"a valid {value}")
        yield path, f"{_describe_value(instance)} is not {expected}", whole
    elif keyword in ("oneOf", "anyOf"):
        yield from _explain_alternatives(error, path, whole)
    elif keyword in ("not", None) and path and isinstance(path[-1], str):
        yield path, f"attribute {_quote(path[-1])} is not allowed here", True
    else:
        yield path, error.message, whole


_BOUNDS = {
    "minimum": "at least",
    "maximum": "at most",
    "exclusiveMinimum": "greater than",
    "exclusiveMaximum": "less than",
}


def _explain_alternatives(error: ValidationError, path: DocPath, whole: bool) -> Iterator[Explanation]:
    branches = error.validator_value
    instance = error.instance
    names = [branch["required"][0] for branch in branches if _is_single_required(branch)]
    if len(names) == len(branches) and isinstance(instance, dict):
        # The "exactly one of these attributes" idiom: say which attributes, not which branch.
        choice = " or ".join(_quote(name) for name in names)
        present = [name for name in names if name in instance]
        if not present:
            yield path, f"missing required attribute: one of {choice}", True
        else:
            together = " and ".join(_quote(name) for name in present)
            yield path, f"{together} cannot be used together; give only one of {choice}", True
        return
    if not error.context:
        yield path, "matches more than one of the allowed forms; it must match exactly one", whole
        return
    # Report the branch that came closest, not the failures of every alternative.
    closest = best_match(error.context)
    branch = closest.relative_schema_path[0] if closest is not None else 0
    for sub_error in error.context:
        if sub_error.relative_schema_path and sub_error.relative_schema_path[0] == branch:
            yield from _explain(sub_error)


def _is_single_required(branch: Any) -> bool:
    return isinstance(branch, dict) and set(branch) == {"required"} and len(branch["required"]) == 1


_TYPE_NAMES = {
    "string": "a string",
    "integer": "an integer",
    "number": "a number",
    "boolean": "a boolean",
    "object": "a mapping",
    "array": "a list",
    "null": "nothing",
}


def _expected_types(types: str | list[str]) -> str:
    if isinstance(types, str):
        return "true or false" if types == "boolean" else _TYPE_NAMES.get(types, types)
    names = [_TYPE_NAMES.get(name, name) for name in types]
    return ", ".join(names[:-1]) + " or " + names[-1] if len(names) > 1 else names[0]


def _describe(value: Any) -> str:
    """A value together with its type, as a YAML author reads it: string '12', integer 12, a list."""
    if value is None:
        return "an empty value"
    if isinstance(value, bool):
        return f"boolean {'true' if value else 'false'}"
    if isinstance(value, int):
        return f"integer {value}"
    if isinstance(value, float):
        return f"number {value}"
    if isinstance(value, str):
        return f"string {_quote(value)}"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return type(value).__name__


def _describe_value(value: Any) -> str:
    """A value alone: 'text' quoted, other scalars as written in YAML."""
    if isinstance(value, str):
        return _quote(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return _describe(value)


def _quote(text: str, limit: int = 60) -> str:
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return repr(text) if "'" in text or not text.isprintable() else f"'{text}'"


def _suggest(word: Any, choices: Iterable[str], *, listing: bool = False) -> str:
    """' (did you mean 'x'?)', or with `listing` the allowed choices when nothing is close."""
    options = list(choices)
    if isinstance(word, str):
        by_case = {option.lower(): option for option in options}
        close = [by_case[word.lower()]] if word.lower() in by_case else []
        close = close or difflib.get_close_matches(word, options, n=1, cutoff=0.6)
        if close:
            return f" (did you mean {_quote(close[0])}?)"
    if listing and options:
        return f"; allowed: {', '.join(options)}"
    return ""


# --- across documents -------------------------------------------------------------------------------


def _duplicate_keys(documents: Iterable[Document]) -> Iterator[Problem]:
    first: dict[tuple[str, str], Document] = {}
    for document in documents:
        key = document.data.get("key")
        if not isinstance(key, str) or not key:
            continue
        # The service compares keys without case: two keys that differ only in case name one object.
        earlier = first.setdefault((document.kind, key.casefold()), document)
        if earlier is not document:
            earlier_key = str(earlier.data.get("key"))
            same = "" if earlier_key == key else f" as {_quote(earlier_key)} (keys are compared without case)"
            yield document.problem(
                ("key",), f"{document.kind} {_quote(key)} is already defined{same} at {earlier.location()}"
            )
