"""`mcstate retrieve`: definitions for what an account already has, written as a person would write them.

Everything is read (every kind, the details of every data extract and file transfer), the selected objects
are turned into definitions by their types (`to_definition`), and each definition is checked before it is
kept: it must be valid against its schema, pass the types' rules and make plan show no change for its
object. What fails is reported as not representable, with the reason, instead of written.

Files are laid out by kind and folder:

    <out>/<kind dir>/<folder path below the root>/<file name from the key>.yaml

with the kind dirs of KIND_DIRS; objects without folders (imports, extracts, file transfers) sit directly
in their kind dir, and folders under `folders/<root's kind dir>/<parent path>/<name>.yaml`. A query's SQL
goes beside its YAML file, with the same name and `.sql`. A file name is the key itself when that is a safe
file name on every system (unicode is kept); otherwise unsafe characters are replaced by `_` and
`-<8 hex digits of the key's SHA-256>` is appended, which is also appended when keys of the same kind and
folder differ only in case, and when the file exists already (holding other definitions). Names therefore
depend only on the key, the folder and the account, not on the selection or the order of reading.

Objects that already have a definition (same kind and key in `existing`) are skipped, unless `overwrite`:
then a definition in a file under `out` is rewritten in place (in a file of several definitions, only its
document is replaced; the others keep their text), and one elsewhere is written anew under `out`, with a
note that the old document still declares it. The manifest data extension is never retrieved.
"""

from __future__ import annotations

import hashlib
import os
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

import yaml
from jsonschema import Draft202012Validator

from mcstate.definitions.document import Document, format_path
from mcstate.definitions.schemas import load_schema
from mcstate.definitions.schemas import schemas_dir as installed_schemas_dir
from mcstate.definitions.writer import dump_document, schema_comment
from mcstate.desired import DesiredState, lookup_address
from mcstate.errors import ConfigError
from mcstate.manifest import is_reserved
from mcstate.resources import REGISTRY, declarable
from mcstate.resources.base import Definition, Desired, Live, NotRepresentable, Retriever
from mcstate.resources.folder import split_path

LiveState = Mapping[str, Mapping[str, Live]]
# (what is being read, e.g. "DataExtension", kinds read so far, kinds in all); called before each kind is
# read and once more with done == total at the end.
ProgressCallback = Callable[[str, int, int], None]

# Where each kind's files go, and the root folder its objects live under: the kinds' own (ResourceType).
KIND_DIRS = {kind: rtype.directory for kind, rtype in REGISTRY.items() if rtype.directory}
ROOT_FOLDERS = {kind: rtype.root_folder for kind, rtype in REGISTRY.items() if rtype.root_folder}
# Folders are laid out under the kind dir of what their root holds: folders/data_extensions/CRM.yaml.
ROOT_DIRS = {root: KIND_DIRS[kind] for kind, root in ROOT_FOLDERS.items()}

YAML_SUFFIX = ".yaml"
# Characters no file name may hold on Windows (the strictest system), plus the path separators.
_UNSAFE_CHARACTERS = frozenset('<>:"/\\|?*')
_WINDOWS_RESERVED = re.compile(r"^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³])(\..*)?$", re.IGNORECASE)
# Well below the 255 bytes file systems allow, leaving room for the hash, the suffix and deep paths.
_MAX_NAME_BYTES = 120
_HASH_DIGITS = 8
_SEPARATOR_LINE = re.compile(r"^---(\s|$)")


@dataclass(frozen=True)
class RetrieveOptions:
    out: Path
    kinds: tuple[str, ...] = ()  # kind names as given (DataExtension, data_extensions, ...); all when empty
    keys: tuple[str, ...] = ()  # exact keys, compared case-insensitively
    folder: str | None = None  # a folder path: objects in it or below it
    like: str | None = None  # SQL LIKE pattern (% and _, \ escapes) matched against the key or the name
    overwrite: bool = False
    # Where the `$schema=` comments point (relative to each file): the project's schemas/ folder when it
    # has one; mcstate's own schemas otherwise.
    schemas_dir: Path | None = None


@dataclass(frozen=True)
class WrittenObject:
    kind: str
    key: str
    path: Path  # the YAML file
    rewritten: bool = False  # its existing definition was rewritten (--overwrite)


@dataclass(frozen=True)
class SkippedObject:
    kind: str
    key: str
    reason: str


@dataclass(frozen=True)
class UnrepresentableObject:
    kind: str
    key: str
    reason: str


@dataclass
class RetrieveResult:
    files: dict[Path, str] = field(default_factory=dict)  # path → text, YAML and SQL
    written: list[WrittenObject] = field(default_factory=list)
    skipped: list[SkippedObject] = field(default_factory=list)
    unrepresentable: list[UnrepresentableObject] = field(default_factory=list)
    # Objects mcstate reads but cannot manage (Live.unmanageable: system, shared and synchronized data
    # extensions, folders of other parts of the platform), with why: listed, never written.
    cannot_manage: list[UnrepresentableObject] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # what the user still has to do by hand
    live: LiveState = field(default_factory=dict)  # everything read, for listings of what was not retrieved


# -- selection -----------------------------------------------------------------------------------------


def kind_names(values: Iterable[str]) -> tuple[str, ...]:
    """The declarable kinds --kind names: DataExtension, dataextension, data_extension or data_extensions."""
    spellings: dict[str, str] = {}
    for kind, schema in declarable().items():
        for spelling in (kind, KIND_DIRS.get(kind, kind), schema.removesuffix(".schema.json")):
            spellings[spelling.casefold()] = kind
    chosen = []
    for value in values:
        kind = spellings.get(value.strip().casefold())
        if kind is None:
            raise ConfigError(f"--kind {value}: not a kind; kinds: {', '.join(declarable())}")
        chosen.append(kind)
    return tuple(dict.fromkeys(chosen))


def like_pattern(pattern: str) -> re.Pattern[str]:
    """SQL LIKE, as in Marketing Cloud's own SQL: % any run of characters, _ one character, \\ makes the
    next character literal; case-insensitive, matching the whole text."""
    parts = []
    escaped = False
    for character in pattern:
        if escaped:
            parts.append(re.escape(character))
            escaped = False
        elif character == "\\":
            escaped = True
        elif character == "%":
            parts.append(".*")
        elif character == "_":
            parts.append(".")
        else:
            parts.append(re.escape(character))
    if escaped:
        parts.append(re.escape("\\"))
    return re.compile("".join(parts), re.IGNORECASE | re.DOTALL)


def object_folder(obj: Live) -> str | None:
    """The folder path an object is in; a folder's own path for folders."""
    if obj.kind == "Folder":
        return obj.key
    folder = obj.attributes.get("folder")
    return str(folder) if folder else None


def selected(obj: Live, options: RetrieveOptions, kinds: Sequence[str], like: re.Pattern[str] | None) -> bool:
    if kinds and obj.kind not in kinds:
        return False
    if options.keys and obj.key.casefold() not in {key.casefold() for key in options.keys}:
        return False
    if options.folder is not None:
        wanted = "/".join(split_path(options.folder)).casefold()
        folder = (object_folder(obj) or "").casefold()
        if folder != wanted and not folder.startswith(wanted + "/"):
            return False
    if like is not None:
        names = [obj.key, str(obj.attributes.get("name") or "")]
        if obj.kind == "Folder":
            names.append(split_path(obj.key)[-1])
        if not any(like.fullmatch(name) for name in names):
            return False
    return True


# -- reading -------------------------------------------------------------------------------------------


def read_everything(
    client: Retriever, progress: ProgressCallback | None = None
) -> dict[str, dict[str, Live]]:
    """Every object of every kind, details included (the complete `read` of each type, in registry order)."""
    live: dict[str, dict[str, Live]] = {}
    kinds = list(REGISTRY)
    for index, kind in enumerate(kinds):
        if progress is not None:
            progress(kind, index, len(kinds))
        live[kind] = {lookup_address(kind, obj.key): obj for obj in REGISTRY[kind].read(client, live)}
    if progress is not None:
        progress("", len(kinds), len(kinds))
    return live


# -- checking a definition -------------------------------------------------------------------------------


def _validator(kind: str) -> Draft202012Validator:
    schema = load_schema(declarable()[kind])
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


def as_desired(kind: str, data: Mapping[str, Any], file: str = "(retrieved)") -> Desired:
    """A definition's document normalized by its type, as if loaded from `file`."""
    return REGISTRY[kind].from_document(Document(kind, dict(data), file, 0))


def round_trip_problem(
    obj: Live, definition: Definition, declared: Mapping[str, Desired], live: LiveState
) -> str | None:
    """Why `definition` would not make plan show "no changes" for `obj`, or None when it would: it must be
    valid against the schema, pass the type's rules (with `declared`, the other definitions, and the
    account) and normalize to what the account has."""
    data = definition.inline()
    errors = sorted(_validator(obj.kind).iter_errors(data), key=lambda error: list(error.absolute_path))
    if errors:
        where = format_path(tuple(errors[0].absolute_path))
        return (
            f"no valid definition can say what the account has ({where or 'definition'}: {errors[0].message})"
        )
    if not _reads_back(data):
        return "its values cannot be written in YAML so that they read back the same"
    rtype = REGISTRY[obj.kind]
    desired = as_desired(obj.kind, data)
    everything = {**declared, lookup_address(obj.kind, obj.key): desired}
    problems = [
        problem
        for problem in [
            *rtype.check(desired, everything),
            *rtype.check_live(desired, everything, live).problems,
        ]
        # The SQL is the account's own: a query that does not resolve is written as it is, and plan says so.
        if not problem.is_warning and problem.rule != "sql"
    ]
    if problems:
        return f"its definition would be refused: {problems[0].message}"
    for ref in desired.references:
        lookup = lookup_address(ref.kind, ref.key)
        target = live.get(ref.kind, {}).get(lookup)
        if lookup not in everything and target is None:
            return f"it refers to {ref.kind} '{ref.key}', which is neither in the account nor defined"
        # A folder path names a folder by the folders above it: each one must be there, or plan would
        # create it (a folder name holding "/" reads as two folders).
        if ref.kind == "Folder" and target is not None and target.unmanageable:
            return f"its folder '{ref.key}' cannot be named in a definition: {target.unmanageable}"
        for implied in REGISTRY[ref.kind].implied(ref.key):
            implied_lookup = lookup_address(implied.kind, implied.key)
            if implied_lookup not in everything and implied_lookup not in live.get(implied.kind, {}):
                return f"plan would create the {implied.kind} '{implied.key}' that its path '{ref.key}' names"
    change = rtype.diff(desired, obj)
    if change is not None:
        attributes = ", ".join(a.path for a in change.attributes) or change.action
        return f"no definition can say exactly what the account has (it would differ in: {attributes})"
    return None


class _TextLoader(yaml.SafeLoader):
    """Reads values as mcstate's loader does: dates and times stay text."""


_TextLoader.add_constructor("tag:yaml.org,2002:timestamp", yaml.SafeLoader.construct_yaml_str)


def _reads_back(data: Mapping[str, Any]) -> bool:
    return yaml.load(dump_document(data), Loader=_TextLoader) == _plain(data)


def _plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    return value


# -- file names ----------------------------------------------------------------------------------------


def key_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:_HASH_DIGITS]


def safe_name(text: str) -> tuple[str, bool]:
    """A file or folder name for `text` that every system accepts, and whether it had to change."""
    normalized = unicodedata.normalize("NFC", text)
    characters = []
    for character in normalized:
        unsafe = character in _UNSAFE_CHARACTERS or unicodedata.category(character) in (
            "Cc",
            "Cf",
            "Cs",
            "Co",
        )
        characters.append("_" if unsafe else character)
    name = "".join(characters)
    # Windows drops trailing dots and spaces; a leading dot hides the file (the loader skips hidden files).
    name = re.sub(r"^[ .]+|[ .]+$", lambda match: "_" * len(match.group()), name)
    if not name:
        name = "_"
    if _WINDOWS_RESERVED.match(name):
        name = "_" + name
    encoded = name.encode("utf-8")
    if len(encoded) > _MAX_NAME_BYTES:
        name = encoded[:_MAX_NAME_BYTES].decode("utf-8", errors="ignore").rstrip(" .")
    return name, name != text


def _unique_segment(text: str) -> str:
    name, changed = safe_name(text)
    return f"{name}-{key_hash(text)}" if changed else name


def folder_directory(kind: str, folder: str | None) -> PurePosixPath:
    """Where objects of `kind` in `folder` go, relative to the output folder."""
    base = PurePosixPath(KIND_DIRS[kind])
    root = ROOT_FOLDERS.get(kind)
    if root is None or not folder:
        return base
    parts = split_path(folder)
    return base.joinpath(*(_unique_segment(part) for part in parts[1:]))


def _base_location(obj: Live) -> tuple[PurePosixPath, str] | None:
    """(directory, file stem) before disambiguation; None for objects that are never written."""
    if obj.kind == "Folder":
        parts = split_path(obj.key)
        if len(parts) < 2 or parts[0] not in ROOT_DIRS:
            return None
        directory = PurePosixPath(KIND_DIRS["Folder"], ROOT_DIRS[parts[0]])
        directory = directory.joinpath(*(_unique_segment(part) for part in parts[1:-1]))
        return directory, parts[-1]
    if obj.kind not in KIND_DIRS:
        return None
    return folder_directory(obj.kind, object_folder(obj)), obj.key


def planned_names(live: LiveState) -> dict[str, PurePosixPath]:
    """The file (without suffix) of every object of the account, by lookup address: the key made safe,
    with its hash when the key had to change or when keys in one folder differ only in case."""
    located: dict[str, tuple[PurePosixPath, str, str, bool]] = {}
    groups: dict[tuple[str, str], list[str]] = {}
    for objects in live.values():
        for lookup, obj in objects.items():
            base = _base_location(obj)
            if base is None:
                continue
            directory, stem_source = base
            name, changed = safe_name(stem_source)
            located[lookup] = (directory, name, stem_source, changed)
            if not changed:  # changed names get their hash anyway, so they never meet the others
                groups.setdefault((str(directory).casefold(), name.casefold()), []).append(lookup)
    names: dict[str, PurePosixPath] = {}
    for lookup, (directory, name, stem_source, changed) in located.items():
        clash = len(groups.get((str(directory).casefold(), name.casefold()), [])) > 1
        stem = f"{name}-{key_hash(stem_source)}" if changed or clash else name
        names[lookup] = directory / stem
    return names


class _Disk:
    """Names already taken in the output folder, compared case-insensitively (as Windows and macOS do)."""

    def __init__(self, out: Path) -> None:
        self.out = out
        self.listed: dict[Path, set[str]] = {}
        self.claimed: set[str] = set()

    def taken(self, relative: PurePosixPath) -> bool:
        path = self.out / relative
        if str(path).casefold() in self.claimed:
            return True
        directory = path.parent
        if directory not in self.listed:
            try:
                self.listed[directory] = {entry.name.casefold() for entry in directory.iterdir()}
            except OSError:
                self.listed[directory] = set()
        return path.name.casefold() in self.listed[directory]

    def claim(self, path: Path) -> None:
        self.claimed.add(str(path).casefold())


def _free_stem(stem: PurePosixPath, key: str, suffixes: Sequence[str], disk: _Disk) -> PurePosixPath:
    """`stem`, or with the key's hash (and a counter) when a file of that name exists already."""
    candidates = [stem, stem.with_name(f"{stem.name}-{key_hash(key)}")]
    candidates += [stem.with_name(f"{stem.name}-{key_hash(key)}-{n}") for n in range(2, 100)]
    for candidate in candidates:
        if not any(disk.taken(candidate.with_name(candidate.name + suffix)) for suffix in suffixes):
            return candidate
    raise ConfigError(f"no free file name for {key} in {disk.out / stem.parent}")


def schema_reference(kind: str, yaml_file: Path, schemas: Path) -> str:
    target = schemas / declarable()[kind]
    try:
        return Path(os.path.relpath(target, yaml_file.parent)).as_posix()
    except ValueError:  # another drive on Windows
        return target.resolve().as_uri()


# -- writing -------------------------------------------------------------------------------------------


@dataclass
class _Retrieved:
    obj: Live
    definition: Definition
    existing: Desired | None


def document_path(document: Document) -> Path:
    path = Path(document.file)
    return path if path.is_absolute() else Path.cwd() / path


def _within(path: Path, folder: Path) -> bool:
    try:
        path.resolve().relative_to(folder.resolve())
    except ValueError:
        return False
    return True


def _document_text(kind: str, data: Mapping[str, Any], yaml_file: Path, schemas: Path) -> str:
    return schema_comment(schema_reference(kind, yaml_file, schemas)) + dump_document(data)


def _side_file_names(definition: Definition, stem: str) -> dict[str, str]:
    return {side.attribute: stem + side.suffix for side in definition.side_files}


def retrieve(
    client: Retriever,
    options: RetrieveOptions,
    existing: DesiredState | None = None,
    *,
    progress: ProgressCallback | None = None,
) -> RetrieveResult:
    """Read the account and return the files to write; nothing is written and nothing printed."""
    kinds = kind_names(options.kinds)
    like = like_pattern(options.like) if options.like is not None else None
    live = read_everything(client, progress)
    result = RetrieveResult(live=live)
    declared_before = dict(existing.objects) if existing is not None else {}

    candidates: list[_Retrieved] = []
    for kind in declarable():
        for obj in sorted(live.get(kind, {}).values(), key=lambda o: o.key):
            if kind == "DataExtension" and is_reserved(obj.key):
                continue  # mcstate's own record of what it manages
            if not selected(obj, options, kinds, like):
                continue
            if obj.unmanageable:
                result.cannot_manage.append(UnrepresentableObject(kind, obj.key, obj.unmanageable))
                continue
            definition = REGISTRY[kind].to_definition(obj, live)
            if definition is None:
                continue
            if isinstance(definition, NotRepresentable):
                result.unrepresentable.append(UnrepresentableObject(kind, obj.key, definition.reason))
                continue
            previous = declared_before.get(lookup_address(kind, obj.key))
            if previous is not None and previous.document is None:
                previous = None  # only implied by other definitions (a parent folder)
            if previous is not None and not options.overwrite:
                assert previous.document is not None
                where = previous.document.location()
                result.skipped.append(SkippedObject(kind, obj.key, f"already defined at {where}"))
                continue
            candidates.append(_Retrieved(obj, definition, previous))

    # Checked against every definition there will be: the existing ones, with these in place of theirs.
    declared = dict(declared_before)
    for candidate in candidates:
        desired = as_desired(candidate.obj.kind, candidate.definition.inline())
        declared[lookup_address(desired.kind, desired.key)] = desired
    kept: list[_Retrieved] = []
    for candidate in candidates:
        problem = round_trip_problem(candidate.obj, candidate.definition, declared, live)
        if problem is None:
            kept.append(candidate)
        else:
            result.unrepresentable.append(
                UnrepresentableObject(candidate.obj.kind, candidate.obj.key, problem)
            )

    order = list(REGISTRY)
    result.unrepresentable.sort(key=lambda item: (order.index(item.kind), item.key))
    _write(kept, options, live, result)
    return result


def _write(kept: list[_Retrieved], options: RetrieveOptions, live: LiveState, result: RetrieveResult) -> None:
    schemas = options.schemas_dir or installed_schemas_dir()
    names = planned_names(live)
    disk = _Disk(options.out)
    in_place: dict[Path, list[_Retrieved]] = {}
    new: list[_Retrieved] = []
    for item in kept:
        if item.existing is not None and _within(document_path(_document(item.existing)), options.out):
            in_place.setdefault(document_path(_document(item.existing)), []).append(item)
        else:
            new.append(item)
    for path, items in in_place.items():
        disk.claim(path)
        _rewrite_file(path, items, schemas, result, new)
    for item in new:
        obj = item.obj
        stem = names[lookup_address(obj.kind, obj.key)]
        suffixes = [YAML_SUFFIX, *(side.suffix for side in item.definition.side_files)]
        stem = _free_stem(stem, obj.key, suffixes, disk)
        yaml_file = options.out / stem.with_name(stem.name + YAML_SUFFIX)
        for suffix in suffixes:
            disk.claim(options.out / stem.with_name(stem.name + suffix))
        data = item.definition.with_side_files(_side_file_names(item.definition, stem.name))
        result.files[yaml_file] = _document_text(obj.kind, data, yaml_file, schemas)
        for side in item.definition.side_files:
            result.files[yaml_file.with_name(stem.name + side.suffix)] = side.text
        result.written.append(
            WrittenObject(obj.kind, obj.key, yaml_file, rewritten=item.existing is not None)
        )
        if item.existing is not None:
            document = _document(item.existing)
            result.notes.append(
                f"{obj.kind} {obj.key}: written to {yaml_file}; its old definition at {document.location()} "
                "still declares it: remove that document"
            )


def _document(desired: Desired) -> Document:
    assert desired.document is not None
    return desired.document


# -- rewriting existing definitions in place (--overwrite) -------------------------------------------------


def _rewrite_file(
    path: Path, items: list[_Retrieved], schemas: Path, result: RetrieveResult, new: list[_Retrieved]
) -> None:
    """Replace the documents of `items` in `path`, keeping every other document's text and the comments a
    replaced document starts with. Objects whose document cannot be found reliably are written anew
    (appended to `new`)."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError):
        new.extend(items)
        return
    segments = _segments(text)
    # The loader numbers every document, empty ones too; the part before the first `---` is one only
    # when it has content.
    documents = [index for index, segment in enumerate(segments) if index > 0 or _has_content(segment)]
    replaced: dict[int, str] = {}
    for item in items:
        document = _document(item.existing) if item.existing is not None else None
        if document is None or not 0 <= document.index < len(documents):
            new.append(item)
            continue
        segment_index = documents[document.index]
        segment = segments[segment_index]
        if not _segment_declares(segment, item.obj.kind, document):
            new.append(item)
            continue
        leading = _keep_leading_lines(segment)
        before = "".join(segments[:segment_index]) + leading
        if segment_index == documents[0] and "yaml-language-server:" not in before:
            leading = schema_comment(schema_reference(item.obj.kind, path, schemas)) + leading
        replaced[segment_index] = leading + dump_document(_rewritten_data(item, document, path, result))
        result.written.append(WrittenObject(item.obj.kind, item.obj.key, path, rewritten=True))
    if replaced:
        parts = [replaced.get(index, segment) for index, segment in enumerate(segments)]
        result.files[path] = "".join(parts)


def _rewritten_data(
    item: _Retrieved, document: Document, path: Path, result: RetrieveResult
) -> dict[str, Any]:
    """The new document for an existing definition: its SQL goes where the old definition kept it (the
    same file, or inline)."""
    definition = item.definition
    if not definition.side_files:
        return dict(definition.data)
    names: dict[str, str] = {}
    for side in definition.side_files:
        old_name = document.data.get(side.attribute)
        if not isinstance(old_name, str):
            return definition.inline()
        names[side.attribute] = old_name
        result.files[path.parent / old_name] = side.text
    return definition.with_side_files(names)


def _segments(text: str) -> list[str]:
    """The text cut before every `---` line; the first part holds what comes before the first one."""
    segments: list[str] = [""]
    for line in text.splitlines(keepends=True):
        if _SEPARATOR_LINE.match(line):
            segments.append("")
        segments[-1] += line
    return segments


def _has_content(segment: str) -> bool:
    return any(
        line.strip() and not line.lstrip().startswith(("#", "%")) and not _SEPARATOR_LINE.match(line)
        for line in segment.splitlines()
    )


def _segment_declares(segment: str, kind: str, document: Document) -> bool:
    """Whether this part of the file holds `document` (a check on the cut)."""
    lines = segment.splitlines(keepends=True)
    if lines and _SEPARATOR_LINE.match(lines[0]):
        if lines[0].strip() != "---":
            return False  # content on the separator line: not cut here
        lines = lines[1:]
    try:
        data = yaml.load("".join(lines), Loader=_TextLoader)
    except yaml.YAMLError:
        return False
    identity = "path" if kind == "Folder" else "key"
    return (
        isinstance(data, dict)
        and data.get("kind") == kind
        and str(data.get(identity)) == str(document.data.get(identity))
    )


def _keep_leading_lines(segment: str) -> str:
    """The separator and the comments a document starts with (e.g. its schema comment)."""
    kept = []
    for line in segment.splitlines(keepends=True):
        if _SEPARATOR_LINE.match(line) or not line.strip() or line.lstrip().startswith("#"):
            kept.append(line)
        else:
            break
    return "".join(kept)


def load_existing(definitions: Path, out: Path) -> DesiredState | None:
    """The definitions retrieve must not duplicate: the project's, and those already under `out` when
    `out` is elsewhere. None when there are none. Raises DefinitionError when they are invalid."""
    from mcstate.definitions.loader import load_documents
    from mcstate.desired import build_desired

    roots = [definitions] if definitions.is_dir() else []
    if out.is_dir() and not _within(out, definitions) and not _within(definitions, out):
        roots.append(out)
    if not roots:
        return None
    documents = [document for root in roots for document in load_documents(root, declarable())]
    return build_desired(documents)
