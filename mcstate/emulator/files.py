"""The file area of an emulated account: a folder laid out as the account's Enhanced FTP is.

Imports read their files from `Import/`, extracts write theirs into `Safehouse/` (the service's internal
area, which file transfers take files from) and file transfers deliver to `Export/`. An emulator target keeps
it beside its database (`.mcstate/local.db` → `.mcstate/local.files/`); `mcstate emulator serve` serves it
over SFTP when asked (emulator/sftp.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from mcstate.emulator import rules


class FileAreaError(Exception):
    """A path that names nothing the file area can hold (outside it, or not a file)."""


@dataclass(frozen=True)
class FileEntry:
    path: str  # relative to the area, with '/'
    size: int
    is_folder: bool


def default_files_path(database: Path) -> Path:
    """Beside the database, named after it: local.db → local.files."""
    return database.with_suffix(".files")


class FileArea:
    def __init__(self, root: Path) -> None:
        self.root = root
        root.mkdir(parents=True, exist_ok=True)
        for folder in rules.FILE_AREA_FOLDERS:
            (root / folder).mkdir(exist_ok=True)

    def path(self, relative: str) -> Path:
        """The file at `relative` ('Import/customers.csv'), which must stay inside the area."""
        parts = PurePosixPath(relative.replace("\\", "/")).parts
        if not parts or any(part in ("..", "") for part in parts) or parts[0] == "/":
            raise FileAreaError(f"'{relative}' is not a path inside the file area")
        resolved = (self.root / Path(*parts)).resolve()
        if not resolved.is_relative_to(self.root.resolve()):
            raise FileAreaError(f"'{relative}' leads outside the file area")
        return resolved

    def write(self, relative: str, data: bytes) -> Path:
        target = self.path(relative)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        return target

    def read(self, relative: str) -> bytes:
        target = self.path(relative)
        if not target.is_file():
            raise FileAreaError(f"no file '{relative}' in the file area")
        return target.read_bytes()

    def list(self, folder: str = "") -> list[FileEntry]:
        base = self.path(folder) if folder else self.root.resolve()
        if not base.is_dir():
            raise FileAreaError(f"no folder '{folder}' in the file area")
        root = self.root.resolve()
        return [
            FileEntry(
                entry.relative_to(root).as_posix(),
                entry.stat().st_size if entry.is_file() else 0,
                entry.is_dir(),
            )
            for entry in sorted(base.iterdir())
        ]
