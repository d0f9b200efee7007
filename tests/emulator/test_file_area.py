"""The emulated account's file area: the Enhanced FTP layout, and paths that stay inside it."""

from __future__ import annotations

from pathlib import Path

import pytest

from mcstate.emulator.files import FileArea, FileAreaError, default_files_path


def test_the_area_has_the_enhanced_ftp_folders(tmp_path: Path) -> None:
    area = FileArea(tmp_path / "local.files")
    assert [entry.path for entry in area.list()] == ["Export", "Import", "Safehouse"]
    assert default_files_path(Path(".mcstate/local.db")) == Path(".mcstate/local.files")


def test_files_are_written_read_and_listed_by_relative_path(tmp_path: Path) -> None:
    area = FileArea(tmp_path / "area")
    area.write("Import/crm/customers.csv", b"id\n1\n")
    assert area.read("Import/crm/customers.csv") == b"id\n1\n"
    assert [(e.path, e.size, e.is_folder) for e in area.list("Import/crm")] == [
        ("Import/crm/customers.csv", 5, False)
    ]


@pytest.mark.parametrize("path", ["../outside.csv", "Import/../../outside.csv", "/etc/passwd", ""])
def test_a_path_out_of_the_area_is_refused(tmp_path: Path, path: str) -> None:
    area = FileArea(tmp_path / "area")
    with pytest.raises(FileAreaError):
        area.write(path, b"x")
    assert not (tmp_path / "outside.csv").exists()


def test_a_symlink_out_of_the_area_is_refused(tmp_path: Path) -> None:
    area = FileArea(tmp_path / "area")
    (tmp_path / "secret.txt").write_text("secret")
    (area.root / "Import" / "link.txt").symlink_to(tmp_path / "secret.txt")
    with pytest.raises(FileAreaError):
        area.read("Import/link.txt")
