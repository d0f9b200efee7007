"""Turns a target from mcstate.yaml into a connected client: the embedded emulator or a real account."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from mcstate.client.account import AccountClient
from mcstate.client.auth import Credentials, TokenSource
from mcstate.client.debug_log import LoggingSession, remember_secret
from mcstate.client.parallel import CallSlots
from mcstate.client.rest import RestClient
from mcstate.client.retry import Retrier
from mcstate.client.soap import SoapClient
from mcstate.config import AccountTarget, EmulatorTarget, Project, Target
from mcstate.errors import ConfigError
from mcstate.project_files import ProjectFileError, check_inside

if TYPE_CHECKING:
    from mcstate.emulator.app import EmulatorApp

# The embedded emulator answers in-process under this base URL; no socket is ever opened for it.
EMBEDDED_URL = "http://embedded.mcstate/"
EMBEDDED_CREDENTIALS = Credentials("embedded", "embedded")


def connect(project: Project, target: Target) -> AccountClient:
    if isinstance(target, EmulatorTarget):
        database = emulator_database(project, target)
        return _embedded(database, emulator_files(project, target), target.account_id)
    return _account(target)


def emulator_files(project: Project, target: EmulatorTarget) -> Path:
    """The emulated account's file area (Import/, Export/, Safehouse/), made when missing: `files:` of the
    target, or beside its database."""
    from mcstate.emulator.files import FileArea, default_files_path

    unit_database = _unit_database(target.database, target.account_id)
    if target.files is not None and unit_database != target.database:
        raise ConfigError(
            f"target '{target.name}': files: a child business unit's file area is beside its database "
            f"({default_files_path(unit_database)}); remove 'files' from this target"
        )
    configured = target.files if target.files is not None else default_files_path(unit_database)
    shown = str(configured)
    try:
        path = check_inside(project.root / configured, project.root, shown)
    except ProjectFileError as error:
        raise ConfigError(f"target '{target.name}': files: {error}") from None
    if path.exists() and not path.is_dir():
        raise ConfigError(f"target '{target.name}': files: '{shown}' is not a folder")
    try:
        return FileArea(path).root
    except OSError as error:
        raise ConfigError(f"target '{target.name}': files: cannot make '{shown}': {error.strerror}") from None


def _unit_database(database: Path, account_id: str | None) -> Path:
    """The database of the business unit `account_id` names in the enterprise whose parent is in
    `database`: a child's is beside the parent's (an account_id the enterprise does not have is the token
    request's to refuse)."""
    from mcstate.emulator import rules
    from mcstate.emulator.enterprise import child_database

    mid = (account_id or "").strip()
    if not mid.isdigit() or int(mid) == rules.ACCOUNT_MID:
        return database
    return child_database(database, int(mid))


SQLITE_HEADER = b"SQLite format 3\x00"


def emulator_database(project: Project, target: EmulatorTarget) -> Path:
    """The emulator's database file, checked: inside the project, and a SQLite file when it exists."""
    shown = str(target.database)
    try:
        path = check_inside(project.root / target.database, project.root, shown)
    except ProjectFileError as error:
        raise ConfigError(f"target '{target.name}': emulator: {error}") from None
    if path.is_dir():
        raise ConfigError(f"target '{target.name}': emulator: '{shown}' is a folder; name a database file")
    if path.exists():
        try:
            with path.open("rb") as handle:
                header = handle.read(len(SQLITE_HEADER))
        except OSError as error:
            raise ConfigError(
                f"target '{target.name}': emulator: cannot read '{shown}': {error.strerror or error}"
            ) from None
        if header and header != SQLITE_HEADER:
            raise ConfigError(
                f"target '{target.name}': emulator: '{shown}' is not an emulator database (not a SQLite "
                "file); name a new file, or remove this one"
            )
    return path


def _embedded(database: Path, files: Path | None = None, account_id: str | None = None) -> AccountClient:
    # Imported here so that commands that never touch the emulator do not load it.
    from mcstate.emulator.app import EmulatorApp

    if _unit_database(database, account_id) != database:
        files = None  # a child business unit's file area is beside its own database (emulator_files)
    return embedded_client(EmulatorApp(database, files=files), account_id)


def embedded_client(app: EmulatorApp, account_id: str | None = None) -> AccountClient:
    """A client of an emulator running in this process (its HTTP routes answered without a socket), for
    the business unit `account_id` of its enterprise (default: the parent)."""
    from mcstate.emulator.inprocess import InProcessAdapter

    session = LoggingSession()
    session.mount(EMBEDDED_URL, InProcessAdapter(app))
    credentials = EMBEDDED_CREDENTIALS
    if account_id is not None:
        credentials = Credentials(credentials.client_id, credentials.client_secret, account_id)
    tokens = TokenSource(session, EMBEDDED_URL, credentials)
    # In-process answers have no latency to overlap: one call at a time.
    slots = CallSlots(1)
    return AccountClient(SoapClient(session, tokens, slots=slots), RestClient(session, tokens, slots=slots))


def _account(target: AccountTarget) -> AccountClient:
    client_id, client_secret = target.secret_values()
    remember_secret(client_secret)
    session = LoggingSession()
    session.headers["User-Agent"] = "mcstate"
    session.call_seconds = target.retries.timeout
    retrier = Retrier(target.retries)
    credentials = Credentials(client_id, client_secret, target.account_id)
    tokens = TokenSource(session, target.auth_url, credentials, retry=retrier)
    slots = CallSlots(target.max_concurrency)
    return AccountClient(
        SoapClient(session, tokens, target.soap_url, retry=retrier, slots=slots),
        RestClient(session, tokens, target.rest_url, retry=retrier, slots=slots),
    )
