"""Files a project names stay inside the project: links, devices, oversized files and unreadable folders."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from mcstate import project_files
from mcstate.definitions.loader import load_documents
from mcstate.errors import DefinitionError
from mcstate.resources import declarable
from tests.conftest import Project

DATA_EXTENSION = "kind: DataExtension\nkey: nto_target\nname: NTO Target\nfields: [{name: Id}]\n"
QUERY = "kind: QueryDefinition\nkey: nto_q\nname: Q\ntarget: nto_target\nsql_file: {name}\n"


def test_a_link_to_a_file_outside_the_project_is_refused_and_never_quoted(project: Project) -> None:
    secret = project.root.parent / "outside-secret.yaml"
    secret.write_text("kind: DataExtension\nkey: leaked\nname: SECRET-CONTENT\n", encoding="utf-8")
    (project.root / "definitions" / "linked.yaml").symlink_to(secret)
    result = project.run("plan")
    assert result.returncode == 1
    assert "definitions/linked.yaml: is a link to a place outside the project" in result.stderr
    assert "SECRET-CONTENT" not in result.stdout + result.stderr
    assert "Traceback" not in result.stderr


def test_an_sql_file_linked_to_outside_the_project_is_refused(project: Project) -> None:
    outside = project.root.parent / "outside.sql"
    outside.write_text("SELECT 'SECRET-SQL' AS Id\n", encoding="utf-8")
    (project.root / "definitions" / "q.sql").symlink_to(outside)
    project.write("definitions/all.yaml", DATA_EXTENSION + "---\n" + QUERY.format(name="q.sql"))
    result = project.run("validate")
    assert result.returncode == 1
    assert "SQL file 'q.sql' is outside the project folder" in result.stderr
    assert "SECRET-SQL" not in result.stdout + result.stderr


def test_a_link_that_stays_inside_the_project_is_followed(project: Project) -> None:
    shared = project.root / "shared-sql"
    shared.mkdir()
    (shared / "q.sql").write_text("SELECT 1 AS Id\n", encoding="utf-8")
    (project.root / "definitions" / "q.sql").symlink_to(shared / "q.sql")
    project.write("definitions/all.yaml", DATA_EXTENSION + "---\n" + QUERY.format(name="q.sql"))
    assert project.run("validate").returncode == 0


def test_a_fifo_and_an_oversized_file_are_refused(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe.sql")
    with pytest.raises(project_files.ProjectFileError, match="is not a regular file"):
        project_files.read_text(tmp_path / "pipe.sql", tmp_path, "pipe.sql")
    (tmp_path / "big.sql").write_bytes(b"x" * 2048)
    with pytest.raises(
        project_files.ProjectFileError, match="2,048 bytes; files a definition names are limited"
    ):
        project_files.read_text(tmp_path / "big.sql", tmp_path, "big.sql", max_bytes=1024)


def test_an_unreadable_folder_is_an_error_not_a_silent_skip(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    definitions = tmp_path / "definitions"
    (definitions / "locked").mkdir(parents=True)
    (definitions / "a.yaml").write_text(DATA_EXTENSION, encoding="utf-8")
    real_scandir = os.scandir

    def scandir(path: os.PathLike[str] | str) -> object:
        if Path(path).name == "locked":
            raise PermissionError(13, "Permission denied")
        return real_scandir(path)

    monkeypatch.setattr(project_files.os, "scandir", scandir)
    with pytest.raises(DefinitionError) as raised:
        load_documents(definitions, declarable(), display_base=tmp_path)
    assert [str(problem) for problem in raised.value.problems] == [
        "definitions/locked: cannot read the folder: Permission denied; its definitions would be missing "
        "from the plan"
    ]
