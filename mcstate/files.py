"""The file area of a target, for `mcstate files`: an emulator target's folder (Import/, Export/,
Safehouse/ beside its database), or an account's Enhanced FTP over SFTP (`sftp:` of the target; the host
key checked against ~/.ssh/known_hosts except on the loopback address, where an emulator makes a new key
on every start)."""

from __future__ import annotations

import asyncio
import stat
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Protocol

from mcstate.config import Project, SftpSettings, Target
from mcstate.errors import ConfigError, McstateError

DEFAULT_PUT_FOLDER = "Import"
LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})


@dataclass(frozen=True)
class Entry:
    path: str
    size: int
    is_folder: bool


class FileArea(Protocol):
    def list(self, folder: str) -> list[Entry]: ...
    def put(self, local: Path, folder: str) -> str: ...
    def get(self, path: str) -> bytes: ...


def _relative(text: str) -> PurePosixPath:
    """A path inside the area: no absolute path, no '..'."""
    path = PurePosixPath(text.strip().lstrip("/") or ".")
    if any(part == ".." for part in path.parts):
        raise ConfigError(f"{text}: a path of the file area cannot contain '..'")
    return path


class LocalArea:
    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, text: str) -> Path:
        return self.root / _relative(text)

    def list(self, folder: str) -> list[Entry]:
        base = self._path(folder)
        if not base.is_dir():
            raise McstateError(f"{folder}: no such folder in the file area")
        entries = []
        for child in sorted(base.iterdir()):
            relative = child.relative_to(self.root).as_posix()
            entries.append(Entry(relative, 0 if child.is_dir() else child.stat().st_size, child.is_dir()))
        return entries

    def put(self, local: Path, folder: str) -> str:
        target = self._path(folder) / local.name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(local.read_bytes())
        return target.relative_to(self.root).as_posix()

    def get(self, path: str) -> bytes:
        source = self._path(path)
        if not source.is_file():
            raise McstateError(f"{path}: no such file in the file area")
        return source.read_bytes()


class SftpArea:
    def __init__(self, settings: SftpSettings, target: str) -> None:
        self.settings = settings
        self.target = target

    def _run(self, action):  # type: ignore[no-untyped-def]
        import asyncssh

        password, key_file = self.settings.secret(self.target)

        async def session():  # type: ignore[no-untyped-def]
            options: dict[str, object] = {"username": self.settings.user}
            if password:
                options["password"] = password
            if key_file:
                options["client_keys"] = [key_file]
            if self.settings.host in LOOPBACK:
                options["known_hosts"] = None
            async with (
                asyncssh.connect(self.settings.host, self.settings.port, **options) as connection,
                connection.start_sftp_client() as client,
            ):
                return await action(client)

        try:
            return asyncio.run(session())
        except (OSError, asyncssh.Error) as error:
            where = f"sftp://{self.settings.user}@{self.settings.host}:{self.settings.port}"
            raise McstateError(f"{where}: {getattr(error, 'reason', None) or error}") from None

    def list(self, folder: str) -> list[Entry]:
        base = _relative(folder).as_posix()

        async def action(client):  # type: ignore[no-untyped-def]
            entries = []
            for item in await client.readdir(base):
                if item.filename in (".", ".."):
                    continue
                is_folder = stat.S_ISDIR(item.attrs.permissions or 0)
                path = item.filename if base == "." else f"{base}/{item.filename}"
                entries.append(Entry(path, int(item.attrs.size or 0), is_folder))
            return sorted(entries, key=lambda e: e.path)

        return self._run(action)  # type: ignore[no-any-return]

    def put(self, local: Path, folder: str) -> str:
        remote = (_relative(folder) / local.name).as_posix()

        async def action(client):  # type: ignore[no-untyped-def]
            await client.put(str(local), remote)

        self._run(action)
        return remote

    def get(self, path: str) -> bytes:
        remote = _relative(path).as_posix()

        async def action(client):  # type: ignore[no-untyped-def]
            async with client.open(remote, "rb") as handle:
                return await handle.read()

        return self._run(action)  # type: ignore[no-any-return]


def file_area(project: Project, target: Target) -> FileArea:
    from mcstate.config import EmulatorTarget
    from mcstate.connection import emulator_files

    if isinstance(target, EmulatorTarget):
        return LocalArea(emulator_files(project, target))
    if target.sftp is None:
        raise ConfigError(
            f"target '{target.name}' has no sftp settings: add sftp: {{host, user, password: ${{ENV}}}} "
            "to it in mcstate.yaml to reach its Enhanced FTP"
        )
    return SftpArea(target.sftp, target.name)
