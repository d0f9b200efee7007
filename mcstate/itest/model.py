"""Integration test files: found under the project's tests folder, read as definitions are read (line and
column of every problem, duplicate keys, bounded work), checked against schemas/test.schema.json, and
their fixtures resolved inside the project before anything runs."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml

from mcstate.config import Project, Where
from mcstate.errors import ConfigError, DefinitionError, Location, Problem
from mcstate.project_files import ProjectFileError, read_text
from mcstate.runner import parse_activity

TEST_SCHEMA = "test.schema.json"
SUFFIX = ".test.yaml"
MAX_FIXTURE_BYTES = 64 * 1024 * 1024


@dataclass
class IntegrationTest:
    name: str
    file: str  # as shown, relative to the project
    now: datetime | None
    files: dict[str, bytes]
    rows: dict[str, bytes]
    data_views: dict[str, bytes]
    run: list[tuple[str, str]]
    status: str
    error: str | None
    expect_rows: dict[str, int | tuple[str, bytes]]  # key -> count, or (fixture shown, CSV)
    expect_files: dict[str, bool | tuple[str, bytes]]  # path -> exists, or (fixture shown, CSV)
    expect_imports: dict[str, dict[str, int]] = field(default_factory=dict)


def test_files(project: Project, paths: Sequence[Path]) -> list[Path]:
    """The test files named (files or folders), or every *.test.yaml under the project's tests folder."""
    if not paths:
        folder = project.tests or project.root / "tests"
        return sorted(p for p in folder.rglob(f"*{SUFFIX}") if p.is_file()) if folder.is_dir() else []
    roots = list(paths)
    found: list[Path] = []
    for root in roots:
        if root.is_file():
            found.append(root)
        elif root.is_dir():
            found.extend(sorted(p for p in root.rglob(f"*{SUFFIX}") if p.is_file()))
        else:
            raise ConfigError(f"{root}: no such test file or folder")
    return found


def _positions(file: str, text: str) -> Where:
    try:
        root = yaml.compose(text)
    except yaml.YAMLError:
        root = None
    return Where(file, root)


def load_tests(project: Project, paths: Sequence[Path]) -> list[IntegrationTest]:
    """Every test, or DefinitionError with every problem of every file (nothing runs then)."""
    from mcstate.definitions.loader import load_single_document

    tests: list[IntegrationTest] = []
    problems: list[Problem] = []
    for path in test_files(project, paths):
        shown = _shown(path, project.root)
        data, found = load_single_document(path, shown, TEST_SCHEMA)
        problems.extend(found)
        if data is None:
            continue
        where = _positions(shown, path.read_text(encoding="utf-8-sig")).location
        test, more = _test(project, path, shown, data, where)
        problems.extend(more)
        if test is not None:
            tests.append(test)
    if problems:
        raise DefinitionError(problems)
    return tests


def _shown(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()


def _fixtures(
    project: Project, base: Path, values: Mapping[str, Any], where: Callable[..., Location], *section: str
) -> tuple[dict[str, bytes], list[Problem]]:
    read: dict[str, bytes] = {}
    problems: list[Problem] = []
    for name, relative in values.items():
        try:
            text = read_text(base / str(relative), project.root, str(relative), max_bytes=MAX_FIXTURE_BYTES)
            read[str(name)] = text.encode("utf-8")
        except ProjectFileError as error:
            problems.append(Problem(where(*section, str(name)), f"fixture {relative}: {error}"))
    return read, problems


def _area_paths(values: Mapping[str, Any], where: Callable[..., Location], *section: str) -> list[Problem]:
    """Paths of the file area (Import/x.csv): relative, without '..', so they stay inside the area."""
    problems = []
    for name in values:
        parts = str(name).replace("\\", "/").split("/")
        if str(name).startswith(("/", "\\")) or ".." in parts or not str(name).strip():
            message = f"{name}: a path of the file area (e.g. Import/x.csv), relative and without '..'"
            problems.append(Problem(where(*section, str(name)), message))
    return problems


def _test(
    project: Project, path: Path, shown: str, data: Mapping[str, Any], where: Callable[..., Location]
) -> tuple[IntegrationTest | None, list[Problem]]:
    base = path.parent
    given = data.get("given") or {}
    expect = data.get("expect") or {}
    problems: list[Problem] = []
    now = None
    if given.get("now"):
        try:
            now = datetime.fromisoformat(str(given["now"]))
        except ValueError:
            problems.append(Problem(where("given", "now"), f"not a date and time: {given['now']}"))
    files, more = _fixtures(project, base, given.get("files") or {}, where, "given", "files")
    problems += _area_paths(given.get("files") or {}, where, "given", "files")
    problems += _area_paths(expect.get("files") or {}, where, "expect", "files")
    problems += more
    rows, more = _fixtures(project, base, given.get("rows") or {}, where, "given", "rows")
    problems += more
    views, more = _fixtures(project, base, given.get("data_views") or {}, where, "given", "data_views")
    problems += more
    run_list = data["run"] if isinstance(data["run"], list) else [data["run"]]
    activities = []
    for index, text in enumerate(run_list):
        try:
            activities.append(parse_activity(str(text)))
        except ConfigError as error:
            problems.append(Problem(where("run"), f"item {index + 1}: {error}"))
    expect_rows: dict[str, int | tuple[str, bytes]] = {}
    for key, value in (expect.get("rows") or {}).items():
        if isinstance(value, dict):
            expect_rows[str(key)] = int(value["count"])
        else:
            content, more = _fixtures(project, base, {str(key): value}, where, "expect", "rows")
            problems += more
            if content:
                expect_rows[str(key)] = (str(value), content[str(key)])
    expect_files: dict[str, bool | tuple[str, bytes]] = {}
    for name, value in (expect.get("files") or {}).items():
        if isinstance(value, dict):
            expect_files[str(name)] = bool(value["exists"])
        else:
            content, more = _fixtures(project, base, {str(name): value}, where, "expect", "files")
            problems += more
            if content:
                expect_files[str(name)] = (str(value), content[str(name)])
    status = str(expect.get("status", "complete"))
    if expect.get("error") and status != "error":
        problems.append(Problem(where("expect", "error"), "error: is checked only with status: error"))
    if problems:
        return None, problems
    test = IntegrationTest(
        name=str(data["name"]),
        file=shown,
        now=now,
        files=files,
        rows=rows,
        data_views=views,
        run=activities,
        status=status,
        error=str(expect["error"]) if expect.get("error") else None,
        expect_rows=expect_rows,
        expect_files=expect_files,
        expect_imports={
            str(k): {n: int(c) for n, c in v.items()} for k, v in (expect.get("imports") or {}).items()
        },
    )
    return test, []
