"""Files a project names: always inside the project, regular files, of bounded size.

Definitions name other files (a query's `sql_file`; test fixtures later), and mcstate.yaml names the
definitions folder and the emulator's database. Every one of them goes through this module, so that a
definition can never make mcstate read (and print, store in a saved plan, or send to an account) a file
outside the project, such as /proc/self/environ, or hang on a device such as /dev/zero.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

# A query's SQL is a few kilobytes; the service keeps far less than this in a QueryText.
MAX_SIDE_FILE_BYTES = 1024 * 1024


class ProjectFileError(Exception):
    """Why a file named by the project cannot be used; the message names the file as the project does."""


def resolved(path: Path) -> Path:
    """The absolute path with every link followed (also of parts that do not exist yet)."""
    return Path(os.path.realpath(path))


def is_inside(path: Path, root: Path) -> bool:
    """Whether `path`, links followed, is `root` or below it."""
    target, base = resolved(path), resolved(root)
    return target == base or base in target.parents


def check_inside(path: Path, root: Path, shown: str) -> Path:
    """The path, once it is known to stay inside the project (links followed); else ProjectFileError."""
    if "\x00" in str(path):
        raise ProjectFileError(f"'{_printable(shown)}' contains a NUL character")
    if not is_inside(path, root):
        raise ProjectFileError(
            f"'{_printable(shown)}' is outside the project folder; mcstate reads and writes only files "
            "inside the project folder (where mcstate.yaml is)"
        )
    return resolved(path)


def read_text(path: Path, root: Path, shown: str, *, max_bytes: int = MAX_SIDE_FILE_BYTES) -> str:
    """The UTF-8 text of a regular file inside the project, at most `max_bytes` long."""
    real = check_inside(path, root, shown)
    try:
        info = real.stat()
    except FileNotFoundError:
        raise ProjectFileError(f"'{_printable(shown)}' not found (looked for {path.as_posix()})") from None
    except OSError as error:
        raise ProjectFileError(f"cannot read '{_printable(shown)}': {error.strerror or error}") from None
    if not stat.S_ISREG(info.st_mode):
        raise ProjectFileError(f"'{_printable(shown)}' is not a regular file")
    if info.st_size > max_bytes:
        raise ProjectFileError(
            f"'{_printable(shown)}' is {info.st_size:,} bytes; files a definition names are limited to "
            f"{max_bytes:,} bytes"
        )
    try:
        with real.open("rb") as handle:
            raw = handle.read(max_bytes + 1)
    except OSError as error:
        raise ProjectFileError(f"cannot read '{_printable(shown)}': {error.strerror or error}") from None
    if len(raw) > max_bytes:
        raise ProjectFileError(f"'{_printable(shown)}' grew beyond {max_bytes:,} bytes while it was read")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ProjectFileError(f"'{_printable(shown)}' is not valid UTF-8; save it as UTF-8") from None


@dataclass(frozen=True)
class WalkProblem:
    path: Path
    message: str


def walk_files(
    folder: Path, root: Path, keep: Callable[[Path], bool]
) -> Iterator[tuple[Path, WalkProblem | None]]:
    """Every file below `folder` that `keep` accepts, in a stable order, each with a problem or None.

    Hidden entries are skipped. A link is followed only when it stays inside the project (a link to
    anything outside is reported, never read); a folder that cannot be read is reported, never skipped
    silently (its definitions would vanish from the plan, and could then be pruned)."""
    seen: set[Path] = set()

    def visit(directory: Path) -> Iterator[tuple[Path, WalkProblem | None]]:
        real = resolved(directory)
        if real in seen:
            return
        seen.add(real)
        try:
            entries = sorted(os.scandir(directory), key=lambda entry: entry.name)
        except OSError as error:
            reason = error.strerror or str(error)
            yield (
                directory,
                WalkProblem(
                    directory,
                    f"cannot read the folder: {reason}; its definitions would be missing from the plan",
                ),
            )
            return
        for entry in entries:
            if entry.name.startswith("."):
                continue  # editor and VCS leftovers (.#x.yaml lock links, .git), never definitions
            path = Path(entry.path)
            if entry.is_symlink() and not is_inside(path, root):
                if keep(path) or _is_dir(path):
                    yield (
                        path,
                        WalkProblem(
                            path,
                            "is a link to a place outside the project; mcstate reads only files inside the "
                            "project folder",
                        ),
                    )
                continue
            if _is_dir(path):
                yield from visit(path)
            elif keep(path):
                if not _is_regular(path):
                    yield path, WalkProblem(path, "is not a regular file")
                else:
                    yield path, None

    yield from visit(folder)


def _is_dir(path: Path) -> bool:
    try:
        return path.is_dir()
    except OSError:
        return False


def _is_regular(path: Path) -> bool:
    try:
        return stat.S_ISREG(path.stat().st_mode)
    except OSError:
        return False


def _printable(text: str) -> str:
    """A name as it can be shown in one line of a message: control characters escaped."""
    return "".join(c if c.isprintable() else f"\\x{ord(c):02x}" for c in text)
