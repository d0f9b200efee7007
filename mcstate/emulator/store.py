"""The emulated account, persisted in SQLite.

One connection per Store, guarded by a lock, so a threaded HTTP server can share it; writes run in
``BEGIN IMMEDIATE`` transactions so that checks and changes are atomic even when another process (the CLI's
reset, a second server) uses the same file. The schema is versioned in the ``meta`` table.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Generic, Literal, TypeVar

from mcstate.emulator import rules
from mcstate.emulator.model import (
    Automation,
    ControlColumnAction,
    DataExtension,
    Field,
    FieldMap,
    FilterDefinition,
    Folder,
    ImportDefinition,
    QueryDefinition,
)

SCHEMA_VERSION = 14
T = TypeVar("T")

MIGRATIONS: tuple[str, ...] = (
    # 0 -> 1: the first schema.
    """
    CREATE TABLE folders (
        id INTEGER PRIMARY KEY,
        object_id TEXT NOT NULL,
        customer_key TEXT NOT NULL,
        name TEXT NOT NULL,
        description TEXT NOT NULL,
        content_type TEXT NOT NULL,
        parent_id INTEGER NOT NULL,
        is_active INTEGER NOT NULL,
        is_editable INTEGER NOT NULL,
        allow_children INTEGER NOT NULL,
        created TEXT NOT NULL,
        modified TEXT NOT NULL
    );
    CREATE INDEX folders_parent ON folders (parent_id);
    CREATE TABLE data_extensions (
        object_id TEXT PRIMARY KEY,
        seq INTEGER NOT NULL UNIQUE,
        customer_key TEXT NOT NULL,
        name TEXT NOT NULL,
        description TEXT NOT NULL,
        is_sendable INTEGER NOT NULL,
        is_testable INTEGER NOT NULL,
        sendable_field_id TEXT,
        sendable_subscriber_field TEXT,
        template_key TEXT,
        retention_length INTEGER,
        retention_unit INTEGER,
        row_based_retention INTEGER NOT NULL,
        reset_retention_on_import INTEGER NOT NULL,
        delete_at_end_of_retention INTEGER NOT NULL,
        retain_until TEXT NOT NULL,
        category_id INTEGER NOT NULL,
        row_count INTEGER NOT NULL,
        created TEXT NOT NULL,
        modified TEXT NOT NULL
    );
    CREATE INDEX data_extensions_key ON data_extensions (customer_key COLLATE NOCASE);
    CREATE INDEX data_extensions_category ON data_extensions (category_id);
    CREATE TABLE fields (
        object_id TEXT PRIMARY KEY,
        de_object_id TEXT NOT NULL REFERENCES data_extensions (object_id) ON DELETE CASCADE,
        name TEXT NOT NULL,
        field_type TEXT NOT NULL,
        max_length INTEGER,
        scale INTEGER,
        is_required INTEGER NOT NULL,
        is_primary_key INTEGER NOT NULL,
        default_value TEXT NOT NULL,
        ordinal INTEGER NOT NULL,
        created TEXT NOT NULL,
        modified TEXT NOT NULL
    );
    CREATE INDEX fields_de ON fields (de_object_id);
    CREATE TABLE tokens (
        token TEXT PRIMARY KEY,
        client_id TEXT NOT NULL,
        expires REAL NOT NULL
    );
    CREATE TABLE requests (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        time TEXT NOT NULL,
        method TEXT NOT NULL,
        path TEXT NOT NULL,
        status INTEGER NOT NULL,
        operation TEXT,
        object_types TEXT NOT NULL,
        object_count INTEGER NOT NULL,
        result_count INTEGER NOT NULL
    );
    CREATE TABLE continuations (
        request_id TEXT PRIMARY KEY,
        object_type TEXT NOT NULL,
        properties TEXT NOT NULL,
        keys TEXT NOT NULL,
        position INTEGER NOT NULL,
        page_size INTEGER NOT NULL,
        created REAL NOT NULL
    );
    """,
    # 1 -> 2: import and query definitions.
    """
    CREATE TABLE import_definitions (
        object_id TEXT PRIMARY KEY,
        seq INTEGER NOT NULL UNIQUE,
        customer_key TEXT NOT NULL,
        name TEXT NOT NULL,
        description TEXT NOT NULL,
        destination_object_id TEXT NOT NULL,
        file_location_key TEXT NOT NULL,
        file_spec TEXT NOT NULL,
        file_type TEXT NOT NULL,
        delimiter TEXT,
        header_lines INTEGER,
        encoding_code_page INTEGER,
        date_locale TEXT NOT NULL,
        field_mapping_type TEXT NOT NULL,
        field_maps TEXT NOT NULL,
        update_type TEXT NOT NULL,
        control_column TEXT,
        control_column_default_action TEXT,
        control_column_actions TEXT NOT NULL,
        allow_errors INTEGER NOT NULL,
        notification_type TEXT,
        notification_address TEXT,
        notification_when TEXT,
        subscriber_import_type TEXT,
        created TEXT NOT NULL,
        modified TEXT NOT NULL
    );
    CREATE INDEX import_definitions_key ON import_definitions (customer_key COLLATE NOCASE);
    CREATE TABLE query_definitions (
        object_id TEXT PRIMARY KEY,
        seq INTEGER NOT NULL UNIQUE,
        customer_key TEXT NOT NULL,
        name TEXT NOT NULL,
        description TEXT NOT NULL,
        query_text TEXT NOT NULL,
        target_type TEXT NOT NULL,
        target_key TEXT NOT NULL,
        target_name TEXT NOT NULL,
        target_update_type TEXT NOT NULL,
        status TEXT NOT NULL,
        category_id INTEGER NOT NULL,
        created TEXT NOT NULL,
        modified TEXT NOT NULL
    );
    CREATE INDEX query_definitions_key ON query_definitions (customer_key COLLATE NOCASE);
    """,
    # 2 -> 3: data extracts and file transfers (REST objects; data_fields is the JSON list of the wire).
    """
    CREATE TABLE data_extracts (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        id TEXT NOT NULL UNIQUE,
        customer_key TEXT NOT NULL,
        name TEXT NOT NULL,
        description TEXT NOT NULL,
        type_id TEXT NOT NULL,
        file_spec TEXT NOT NULL,
        data_fields TEXT NOT NULL,
        interval_type INTEGER NOT NULL,
        created_by INTEGER NOT NULL,
        modified_by INTEGER NOT NULL,
        created TEXT NOT NULL,
        modified TEXT NOT NULL
    );
    CREATE INDEX data_extracts_key ON data_extracts (customer_key COLLATE NOCASE);
    CREATE TABLE file_transfers (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        id TEXT NOT NULL UNIQUE,
        customer_key TEXT NOT NULL,
        name TEXT NOT NULL,
        description TEXT NOT NULL,
        file_spec TEXT NOT NULL,
        location_id TEXT NOT NULL,
        is_upload INTEGER NOT NULL,
        is_encrypted INTEGER NOT NULL,
        is_compressed INTEGER NOT NULL,
        is_pgp INTEGER NOT NULL,
        is_file_spec_localized INTEGER NOT NULL,
        max_file_age INTEGER NOT NULL,
        max_file_age_schedule_offset INTEGER NOT NULL,
        max_import_frequency INTEGER NOT NULL,
        created TEXT NOT NULL,
        modified TEXT NOT NULL
    );
    CREATE INDEX file_transfers_key ON file_transfers (customer_key COLLATE NOCASE);
    """,
    # 3 -> 4: data filters and automations (data_filter, schedule and tasks are JSON).
    """
    CREATE TABLE filter_definitions (
        object_id TEXT PRIMARY KEY,
        seq INTEGER NOT NULL UNIQUE,
        customer_key TEXT NOT NULL,
        name TEXT NOT NULL,
        description TEXT NOT NULL,
        data_source_id TEXT NOT NULL,
        data_filter TEXT NOT NULL,
        category_id INTEGER NOT NULL,
        created TEXT NOT NULL,
        modified TEXT NOT NULL
    );
    CREATE INDEX filter_definitions_key ON filter_definitions (customer_key COLLATE NOCASE);
    CREATE TABLE automations (
        object_id TEXT PRIMARY KEY,
        seq INTEGER NOT NULL UNIQUE,
        customer_key TEXT NOT NULL,
        name TEXT NOT NULL,
        description TEXT NOT NULL,
        category_id INTEGER NOT NULL,
        is_active INTEGER NOT NULL,
        automation_type TEXT NOT NULL,
        status INTEGER NOT NULL,
        schedule TEXT,
        tasks TEXT NOT NULL,
        created TEXT NOT NULL,
        modified TEXT NOT NULL
    );
    CREATE INDEX automations_key ON automations (customer_key COLLATE NOCASE);
    """,
    # 4 -> 5: rows of data extensions (row_values is JSON: field ObjectID -> text; primary_key is the
    # canonical primary-key value, NULL for data extensions without a primary key).
    """
    CREATE TABLE data_extension_rows (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        de_object_id TEXT NOT NULL REFERENCES data_extensions (object_id) ON DELETE CASCADE,
        primary_key TEXT,
        row_values TEXT NOT NULL,
        UNIQUE (de_object_id, primary_key)
    );
    CREATE INDEX data_extension_rows_de ON data_extension_rows (de_object_id);
    """,
    # 5 -> 6: the size of every request and answer body in the request log (bytes on the wire).
    """
    ALTER TABLE requests ADD COLUMN request_bytes INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE requests ADD COLUMN response_bytes INTEGER NOT NULL DEFAULT 0;
    """,
    # 6 -> 7: filter activities (created over SOAP, kept like the REST objects they are read as), and the
    # filter activity root folder's recorded name.
    """
    CREATE TABLE filter_activities (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        id TEXT NOT NULL UNIQUE,
        customer_key TEXT NOT NULL,
        name TEXT NOT NULL,
        description TEXT NOT NULL,
        filter_definition_id TEXT NOT NULL,
        source_object_id TEXT NOT NULL,
        source_type_id INTEGER NOT NULL,
        destination_object_id TEXT NOT NULL,
        destination_type_id INTEGER NOT NULL,
        category_id INTEGER NOT NULL,
        status_id INTEGER NOT NULL,
        created TEXT NOT NULL,
        modified TEXT NOT NULL
    );
    CREATE INDEX filter_activities_key ON filter_activities (customer_key COLLATE NOCASE);
    UPDATE folders SET name = 'Filter' WHERE parent_id = 0 AND content_type = 'filteractivity'
        AND name = 'Filter Activities';
    """,
    # 7 -> 8: tokens are kept as hashes; the tokens kept in clear until now are forgotten.
    """
    DELETE FROM tokens;
    """,
    # 8 -> 9: the results of performed imports (ImportResultsSummary), by task result ID.
    """
    CREATE TABLE import_results (
        task_result_id INTEGER PRIMARY KEY AUTOINCREMENT,
        import_key TEXT NOT NULL,
        destination_id TEXT NOT NULL,
        start_date TEXT NOT NULL,
        end_date TEXT,
        status TEXT NOT NULL,
        total_rows INTEGER NOT NULL DEFAULT 0,
        successful INTEGER NOT NULL DEFAULT 0,
        duplicated INTEGER NOT NULL DEFAULT 0,
        errors INTEGER NOT NULL DEFAULT 0
    );
    INSERT INTO sqlite_sequence (name, seq) VALUES ('import_results', 130040000);
    """,
    # 9 -> 10: what runs: the rows of the system data views (row_values is JSON: column name -> text), the
    # runs of performed activities (AsyncActivityStatus), automation instances (activities is JSON).
    """
    CREATE TABLE data_view_rows (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        view TEXT NOT NULL,
        row_values TEXT NOT NULL
    );
    CREATE INDEX data_view_rows_view ON data_view_rows (view);
    CREATE TABLE activity_runs (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        task_id TEXT NOT NULL UNIQUE,
        object_type TEXT NOT NULL,
        object_id TEXT NOT NULL,
        customer_key TEXT NOT NULL,
        name TEXT NOT NULL,
        status TEXT NOT NULL,
        status_message TEXT NOT NULL,
        error_message TEXT,
        start_time TEXT NOT NULL,
        end_time TEXT,
        processed INTEGER NOT NULL DEFAULT 0,
        instance_id TEXT
    );
    CREATE TABLE automation_instances (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        id TEXT NOT NULL UNIQUE,
        automation_id TEXT NOT NULL,
        status TEXT NOT NULL,
        start_time TEXT NOT NULL,
        end_time TEXT,
        error_message TEXT,
        activities TEXT NOT NULL
    );
    CREATE INDEX automation_instances_automation ON automation_instances (automation_id);
    """,
    # 10 -> 11: when each row was written (on the account's clock), for retention.
    """
    ALTER TABLE data_extension_rows ADD COLUMN written TEXT;
    """,
    # 11 -> 12: file locations created over REST (details and secrets are JSON; secrets are never answered).
    """
    CREATE TABLE file_locations (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        id TEXT NOT NULL UNIQUE,
        customer_key TEXT NOT NULL,
        name TEXT NOT NULL,
        description TEXT NOT NULL,
        location_type TEXT NOT NULL,
        details TEXT NOT NULL,
        secrets TEXT NOT NULL,
        created TEXT NOT NULL,
        modified TEXT NOT NULL
    );
    CREATE INDEX file_locations_key ON file_locations (customer_key COLLATE NOCASE);
    """,
    # 12 -> 13: which data extensions a write of rows (DataExtensionObject) went to.
    """
    ALTER TABLE requests ADD COLUMN row_targets TEXT NOT NULL DEFAULT '[]';
    """,
    # 13 -> 14: an enterprise: the business unit each token is for (NULL: the parent) and each logged call
    # went to, and, in the parent's database, its child business units (each one a database of its own, see
    # enterprise.py).
    """
    ALTER TABLE tokens ADD COLUMN mid INTEGER;
    ALTER TABLE requests ADD COLUMN mid INTEGER;
    CREATE TABLE business_units (
        mid INTEGER PRIMARY KEY,
        name TEXT NOT NULL,
        folder_base INTEGER NOT NULL
    );
    """,
)


@dataclass(frozen=True)
class Unit:
    """Which business unit a database holds: its MID, and the number its folder IDs start above (the
    service's folder IDs are unique across an enterprise, so each business unit has a range of its own)."""

    mid: int = rules.ACCOUNT_MID
    folder_base: int = 0

    @property
    def is_parent(self) -> bool:
        return self.folder_base == 0


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


# How long an expired token is still told apart from an unknown one ("expired" rather than "login failed").
TOKEN_KEPT_SECONDS = 86_400


_IMPORT_COLUMNS = (
    "object_id, customer_key, name, description, destination_object_id, file_location_key, file_spec, "
    "file_type, delimiter, header_lines, encoding_code_page, date_locale, field_mapping_type, field_maps, "
    "update_type, control_column, control_column_default_action, control_column_actions, allow_errors, "
    "notification_type, notification_address, notification_when, subscriber_import_type, created, modified"
)
_QUERY_COLUMNS = (
    "object_id, customer_key, name, description, query_text, target_type, target_key, target_name, "
    "target_update_type, status, category_id, created, modified"
)


def _import_definition(row: sqlite3.Row) -> ImportDefinition:
    values = {column: row[column] for column in _IMPORT_COLUMNS.split(", ")}
    values["field_maps"] = [FieldMap(**item) for item in json.loads(row["field_maps"])]
    values["control_column_actions"] = [
        ControlColumnAction(**item) for item in json.loads(row["control_column_actions"])
    ]
    values["allow_errors"] = _bool(row["allow_errors"])
    values["created"] = _date(row["created"])
    values["modified"] = _date(row["modified"])
    return ImportDefinition(**values)


def _import_values(definition: ImportDefinition) -> list[Any]:
    values = []
    for column in _IMPORT_COLUMNS.split(", "):
        value = getattr(definition, column)
        if column in ("field_maps", "control_column_actions"):
            value = json.dumps([vars(item) for item in value])
        elif isinstance(value, datetime):
            value = value.isoformat()
        elif isinstance(value, bool):
            value = int(value)
        values.append(value)
    return values


def _query_definition(row: sqlite3.Row) -> QueryDefinition:
    values = {column: row[column] for column in _QUERY_COLUMNS.split(", ")}
    values["created"] = _date(row["created"])
    values["modified"] = _date(row["modified"])
    return QueryDefinition(**values)


_FILTER_COLUMNS = (
    "object_id, customer_key, name, description, data_source_id, data_filter, category_id, created, modified"
)
_AUTOMATION_COLUMNS = (
    "object_id, customer_key, name, description, category_id, is_active, automation_type, status, schedule, "
    "tasks, created, modified"
)


def _filter_definition(row: sqlite3.Row) -> FilterDefinition:
    values = {column: row[column] for column in _FILTER_COLUMNS.split(", ")}
    values["data_filter"] = json.loads(row["data_filter"])
    values["created"] = _date(row["created"])
    values["modified"] = _date(row["modified"])
    return FilterDefinition(**values)


def _filter_values(definition: FilterDefinition) -> list[Any]:
    values = _values(definition, _FILTER_COLUMNS)
    values[_FILTER_COLUMNS.split(", ").index("data_filter")] = json.dumps(definition.data_filter)
    return values


def _automation(row: sqlite3.Row) -> Automation:
    values = {column: row[column] for column in _AUTOMATION_COLUMNS.split(", ")}
    values["is_active"] = _bool(row["is_active"])
    values["schedule"] = json.loads(row["schedule"]) if row["schedule"] is not None else None
    values["tasks"] = json.loads(row["tasks"])
    values["created"] = _date(row["created"])
    values["modified"] = _date(row["modified"])
    return Automation(**values)


def _automation_values(automation: Automation) -> list[Any]:
    values = _values(automation, _AUTOMATION_COLUMNS)
    columns = _AUTOMATION_COLUMNS.split(", ")
    schedule = automation.schedule
    values[columns.index("schedule")] = json.dumps(schedule) if schedule is not None else None
    values[columns.index("tasks")] = json.dumps(automation.tasks)
    return values


class SchemaTooNew(RuntimeError):
    """The database was written by a newer mcstate."""


def _bool(value: Any) -> bool:
    return bool(value)


def _date(value: str) -> datetime:
    return datetime.fromisoformat(value)


def _folder(row: sqlite3.Row) -> Folder:
    return Folder(
        id=row["id"],
        object_id=row["object_id"],
        customer_key=row["customer_key"],
        name=row["name"],
        description=row["description"],
        content_type=row["content_type"],
        parent_id=row["parent_id"],
        is_active=_bool(row["is_active"]),
        is_editable=_bool(row["is_editable"]),
        allow_children=_bool(row["allow_children"]),
        created=_date(row["created"]),
        modified=_date(row["modified"]),
    )


def _data_extension(row: sqlite3.Row) -> DataExtension:
    return DataExtension(
        object_id=row["object_id"],
        customer_key=row["customer_key"],
        name=row["name"],
        description=row["description"],
        is_sendable=_bool(row["is_sendable"]),
        is_testable=_bool(row["is_testable"]),
        sendable_field_id=row["sendable_field_id"],
        sendable_subscriber_field=row["sendable_subscriber_field"],
        template_key=row["template_key"],
        retention_length=row["retention_length"],
        retention_unit=row["retention_unit"],
        row_based_retention=_bool(row["row_based_retention"]),
        reset_retention_on_import=_bool(row["reset_retention_on_import"]),
        delete_at_end_of_retention=_bool(row["delete_at_end_of_retention"]),
        retain_until=row["retain_until"],
        category_id=row["category_id"],
        row_count=row["row_count"],
        created=_date(row["created"]),
        modified=_date(row["modified"]),
    )


def _field(row: sqlite3.Row) -> Field:
    return Field(
        object_id=row["object_id"],
        de_object_id=row["de_object_id"],
        name=row["name"],
        field_type=row["field_type"],
        max_length=row["max_length"],
        scale=row["scale"],
        is_required=_bool(row["is_required"]),
        is_primary_key=_bool(row["is_primary_key"]),
        default_value=row["default_value"],
        ordinal=row["ordinal"],
        created=_date(row["created"]),
        modified=_date(row["modified"]),
    )


_FOLDER_COLUMNS = (
    "id, object_id, customer_key, name, description, content_type, parent_id, is_active, is_editable, "
    "allow_children, created, modified"
)
_DE_COLUMNS = (
    "object_id, customer_key, name, description, is_sendable, is_testable, sendable_field_id, "
    "sendable_subscriber_field, template_key, retention_length, retention_unit, row_based_retention, "
    "reset_retention_on_import, delete_at_end_of_retention, retain_until, category_id, row_count, created, "
    "modified"
)
_FIELD_COLUMNS = (
    "object_id, de_object_id, name, field_type, max_length, scale, is_required, is_primary_key, "
    "default_value, ordinal, created, modified"
)


def _values(record: Any, columns: str) -> list[Any]:
    values = []
    for column in columns.split(", "):
        value = getattr(record, column)
        if isinstance(value, datetime):
            value = value.isoformat()
        elif isinstance(value, bool):
            value = int(value)
        values.append(value)
    return values


def _placeholders(columns: str) -> str:
    return ", ".join("?" for _ in columns.split(", "))


def _assignments(columns: str, key: str) -> str:
    return ", ".join(f"{column} = ?" for column in columns.split(", ") if column != key)


@dataclass(frozen=True)
class _ObjectTable(Generic[T]):
    """The one CRUD pattern of the object tables: rows keyed by a lower-case ObjectID, kept in creation
    order (seq), found by ObjectID, by CustomerKey or by name regardless of case."""

    name: str
    columns: str
    read: Callable[[sqlite3.Row], T]
    values: Callable[[T], list[Any]]

    def _select(self, store: Store, where: str = "", parameters: Sequence[Any] = ()) -> list[T]:
        sql = f"SELECT {self.columns} FROM {self.name}" + (f" WHERE {where}" if where else " ORDER BY seq")
        return [self.read(row) for row in store._query(sql, parameters)]

    def all(self, store: Store) -> list[T]:
        return self._select(store)

    def where(self, store: Store, condition: str) -> list[T]:
        """The rows meeting `condition` (SQL over this table's own columns), in creation order."""
        return self._select(store, f"({condition}) ORDER BY seq")

    def by_object_ids(self, store: Store, object_ids: Sequence[str]) -> list[T]:
        return self._select(
            store, "object_id IN (SELECT value FROM json_each(?))", (json.dumps(list(object_ids)),)
        )

    def one(self, store: Store, where: str, parameters: Sequence[Any]) -> T | None:
        found = self._select(store, where, parameters)
        return found[0] if found else None

    def get(self, store: Store, object_id: str, where: str = "", parameters: Sequence[Any] = ()) -> T | None:
        return self.one(store, "object_id = ?" + where, (object_id.lower(), *parameters))

    def by_key(
        self, store: Store, customer_key: str, where: str = "", parameters: Sequence[Any] = ()
    ) -> T | None:
        return self.one(store, "customer_key = ? COLLATE NOCASE" + where, (customer_key, *parameters))

    def by_name(self, store: Store, name: str) -> T | None:
        return self.one(store, "name = ? COLLATE NOCASE", (name,))

    def insert(self, store: Store, item: T) -> None:
        with store._lock:
            row = store._query(f"SELECT COALESCE(MAX(seq), 0) + 1 AS next FROM {self.name}")[0]
            store._execute(
                f"INSERT INTO {self.name} (seq, {self.columns}) VALUES (?, {_placeholders(self.columns)})",
                [row["next"], *self.values(item)],
            )

    def update(self, store: Store, item: T) -> None:
        values = self.values(item)
        store._execute(
            f"UPDATE {self.name} SET {_assignments(self.columns, 'object_id')} WHERE object_id = ?",
            [*values[1:], values[0]],
        )

    def delete(self, store: Store, object_id: str) -> None:
        store._execute(f"DELETE FROM {self.name} WHERE object_id = ?", (object_id,))


class Store:
    """Data access for one emulated account: one business unit. `unit` names the business unit a new
    database is made for (the parent by default); an existing database knows its own."""

    def __init__(self, path: Path, unit: Unit | None = None) -> None:
        self.path = Path(path)
        self.unit = unit or Unit()
        # The parent business unit's store, for a child's reads of what the parent shares (ENT.).
        self.parent: Store | None = None
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.RLock()
        self._transaction_now: datetime | None = None  # one clock reading per write transaction
        self._connection = sqlite3.connect(
            str(self.path), timeout=30.0, isolation_level=None, check_same_thread=False
        )
        self._connection.row_factory = sqlite3.Row
        self._connection.execute("PRAGMA journal_mode=WAL")
        self._connection.execute("PRAGMA synchronous=NORMAL")
        self._connection.execute("PRAGMA foreign_keys=ON")
        self._migrate()

    def close(self) -> None:
        with self._lock:
            self._connection.close()

    # -- transactions -------------------------------------------------------------------------------------

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """An exclusive write transaction; everything inside commits or nothing does."""
        with self._lock:
            self._connection.execute("BEGIN IMMEDIATE")
            try:
                yield self._connection
            except BaseException:
                self._connection.execute("ROLLBACK")
                raise
            finally:
                self._transaction_now = None
            self._connection.execute("COMMIT")

    def _query(self, sql: str, parameters: Sequence[Any] = ()) -> list[sqlite3.Row]:
        with self._lock:
            return self._connection.execute(sql, parameters).fetchall()

    def _execute(self, sql: str, parameters: Sequence[Any] = ()) -> sqlite3.Cursor:
        with self._lock:
            return self._connection.execute(sql, parameters)

    # -- schema -------------------------------------------------------------------------------------------

    def _migrate(self) -> None:
        with self.transaction() as connection:
            connection.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
            row = connection.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
            version = int(row["value"]) if row else 0
            if version > SCHEMA_VERSION:
                raise SchemaTooNew(
                    f"{self.path} has emulator schema version {version}; this mcstate reads up to "
                    f"{SCHEMA_VERSION}"
                )
            for migration in MIGRATIONS[version:]:
                for statement in migration.split(";"):
                    if statement.strip():
                        connection.execute(statement)
            if version < SCHEMA_VERSION:
                connection.execute(
                    "INSERT OR REPLACE INTO meta (key, value) VALUES ('schema_version', ?)",
                    (str(SCHEMA_VERSION),),
                )
            if version == 0:
                for key, value in (("mid", self.unit.mid), ("folder_base", self.unit.folder_base)):
                    connection.execute("INSERT INTO meta (key, value) VALUES (?, ?)", (key, str(value)))
                self._seed(connection)
            else:
                known = dict(
                    connection.execute("SELECT key, value FROM meta WHERE key IN ('mid', 'folder_base')")
                )
                if known:
                    self.unit = Unit(int(known["mid"]), int(known["folder_base"]))

    @property
    def mid(self) -> int:
        return self.unit.mid

    def _seed(self, connection: sqlite3.Connection) -> None:
        now = rules.server_now().isoformat()
        for folder_id, key, name, content_type in rules.ROOT_FOLDERS:
            if not self.unit.is_parent and content_type in rules.PARENT_ONLY_FOLDER_TYPES:
                continue
            connection.execute(
                f"INSERT INTO folders ({_FOLDER_COLUMNS}) VALUES ({_placeholders(_FOLDER_COLUMNS)})",
                (
                    self.unit.folder_base + folder_id,
                    *(str(uuid.uuid4()), key, name, "", content_type, 0, 1, 0, 1, now, now),
                ),
            )

    def root_folder_id(self, folder_id: int) -> int:
        """The ID in this business unit of the root folder rules.ROOT_FOLDERS numbers `folder_id`."""
        return self.unit.folder_base + folder_id

    def reset(self) -> None:
        """Empty the account back to a fresh tenant. Tokens and the request log are kept."""
        with self.transaction() as connection:
            connection.execute("DELETE FROM automations")
            connection.execute("DELETE FROM filter_activities")
            connection.execute("DELETE FROM filter_definitions")
            connection.execute("DELETE FROM data_extracts")
            connection.execute("DELETE FROM file_transfers")
            connection.execute("DELETE FROM import_definitions")
            connection.execute("DELETE FROM query_definitions")
            connection.execute("DELETE FROM data_extension_rows")
            connection.execute("DELETE FROM fields")
            connection.execute("DELETE FROM data_extensions")
            connection.execute("DELETE FROM folders")
            connection.execute("DELETE FROM continuations")
            connection.execute("DELETE FROM data_view_rows")
            connection.execute("DELETE FROM file_locations")
            connection.execute("DELETE FROM activity_runs")
            connection.execute("DELETE FROM automation_instances")
            connection.execute("DELETE FROM import_results")
            connection.execute("DELETE FROM meta WHERE key = 'clock'")
            self._seed(connection)

    # -- folders ------------------------------------------------------------------------------------------

    def folders(self) -> list[Folder]:
        return [_folder(row) for row in self._query(f"SELECT {_FOLDER_COLUMNS} FROM folders ORDER BY id")]

    def folder(self, folder_id: int) -> Folder | None:
        rows = self._query(f"SELECT {_FOLDER_COLUMNS} FROM folders WHERE id = ?", (folder_id,))
        return _folder(rows[0]) if rows else None

    def folders_by_key(self, customer_key: str) -> list[Folder]:
        rows = self._query(
            f"SELECT {_FOLDER_COLUMNS} FROM folders WHERE customer_key = ? COLLATE NOCASE ORDER BY id",
            (customer_key,),
        )
        return [_folder(row) for row in rows]

    def child_folders(self, parent_id: int) -> list[Folder]:
        rows = self._query(
            f"SELECT {_FOLDER_COLUMNS} FROM folders WHERE parent_id = ? ORDER BY id", (parent_id,)
        )
        return [_folder(row) for row in rows]

    def next_folder_id(self) -> int:
        row = self._query("SELECT MAX(id) AS top FROM folders")[0]
        return max(self.unit.folder_base + rules.FIRST_FOLDER_ID - 1, row["top"] or 0) + 1

    def insert_folder(self, folder: Folder) -> None:
        self._execute(
            f"INSERT INTO folders ({_FOLDER_COLUMNS}) VALUES ({_placeholders(_FOLDER_COLUMNS)})",
            _values(folder, _FOLDER_COLUMNS),
        )

    def update_folder(self, folder: Folder) -> None:
        values = _values(folder, _FOLDER_COLUMNS)
        self._execute(
            f"UPDATE folders SET {_assignments(_FOLDER_COLUMNS, 'id')} WHERE id = ?", [*values[1:], values[0]]
        )

    def delete_folder(self, folder_id: int) -> None:
        self._execute("DELETE FROM folders WHERE id = ?", (folder_id,))

    # -- data extensions ----------------------------------------------------------------------------------

    def data_extensions(self) -> list[DataExtension]:
        return _DATA_EXTENSIONS.all(self)

    def data_extensions_with_retention(self) -> list[DataExtension]:
        """The data extensions that have a retention setting (a period or a date): the only ones a
        retention pass can touch, found by the database rather than by reading every data extension."""
        return _DATA_EXTENSIONS.where(self, "retention_length != 0 OR TRIM(retain_until) != ''")

    def data_extension_keys(self) -> list[tuple[str, str]]:
        """(ObjectID, CustomerKey) of every data extension: what a lookup by key needs, without the rest."""
        rows = self._query("SELECT object_id, customer_key FROM data_extensions")
        return [(row["object_id"], row["customer_key"]) for row in rows]

    def data_extensions_by_object_ids(self, object_ids: Sequence[str]) -> list[DataExtension]:
        return _DATA_EXTENSIONS.by_object_ids(self, object_ids)

    def data_extension(self, object_id: str) -> DataExtension | None:
        """By ObjectID, in any case: the emulator issues ObjectIDs in lower case."""
        return _DATA_EXTENSIONS.get(self, object_id)

    def data_extension_by_key(self, customer_key: str) -> DataExtension | None:
        return _DATA_EXTENSIONS.by_key(self, customer_key)

    def data_extension_by_name(self, name: str) -> DataExtension | None:
        return _DATA_EXTENSIONS.by_name(self, name)

    def ent_data_extension(self, name: str) -> tuple[Store, DataExtension] | None:
        """The data extension `ENT.<name>` names in a query, with the store holding it: in a child business
        unit, the parent's data extension of that name in a shared folder (rules.ENT_READS_PARENT_SHARED);
        in the parent, its own of that name."""
        if self.parent is None:
            own = self.data_extension_by_name(name)
            return (self, own) if own is not None else None
        de = self.parent.data_extension_by_name(name)
        folder = self.parent.folder(de.category_id) if de is not None else None
        if de is None or folder is None or folder.content_type not in rules.PARENT_ONLY_FOLDER_TYPES:
            return None
        return self.parent, de

    def count_objects_in(self, category_id: int) -> int:
        """Objects a folder holds (data extensions, live queries, filters, automations): it cannot be deleted
        while it holds any."""
        row = self._query(
            "SELECT (SELECT COUNT(*) FROM data_extensions WHERE category_id = ?)"
            " + (SELECT COUNT(*) FROM query_definitions WHERE category_id = ? AND status = 'Active')"
            " + (SELECT COUNT(*) FROM filter_definitions WHERE category_id = ?)"
            " + (SELECT COUNT(*) FROM automations WHERE category_id = ?) AS n",
            (category_id,) * 4,
        )[0]
        return int(row["n"])

    def insert_data_extension(self, data_extension: DataExtension) -> None:
        _DATA_EXTENSIONS.insert(self, data_extension)

    def update_data_extension(self, data_extension: DataExtension) -> None:
        _DATA_EXTENSIONS.update(self, data_extension)

    def delete_data_extension(self, object_id: str) -> None:
        self._execute("DELETE FROM data_extension_rows WHERE de_object_id = ?", (object_id,))
        self._execute("DELETE FROM fields WHERE de_object_id = ?", (object_id,))
        self._execute("DELETE FROM data_extensions WHERE object_id = ?", (object_id,))

    def set_row_count(self, customer_key: str, count: int) -> bool:
        """Set how many rows a data extension holds; False when no data extension has that key."""
        with self.transaction() as connection:
            cursor = connection.execute(
                "UPDATE data_extensions SET row_count = ? WHERE customer_key = ? COLLATE NOCASE",
                (count, customer_key),
            )
            return cursor.rowcount > 0

    # -- data extension rows ------------------------------------------------------------------------------

    def rows_of(self, de_object_id: str) -> list[tuple[int, dict[str, str | None]]]:
        """Every row of a data extension, in insertion order: (row number, field ObjectID -> value)."""
        rows = self._query(
            "SELECT seq, row_values FROM data_extension_rows WHERE de_object_id = ? ORDER BY seq",
            (de_object_id,),
        )
        return [(int(row["seq"]), json.loads(row["row_values"])) for row in rows]

    def stored_rows(self, de_object_id: str) -> list[str]:
        """Every row of a data extension as stored (its JSON text), in insertion order: what another
        business unit's query copies (ENT.)."""
        rows = self._query(
            "SELECT row_values FROM data_extension_rows WHERE de_object_id = ? ORDER BY seq", (de_object_id,)
        )
        return [str(row["row_values"]) for row in rows]

    def rows_by_numbers(
        self, de_object_id: str, numbers: Sequence[int]
    ) -> list[tuple[int, dict[str, str | None]]]:
        rows = self._query(
            "SELECT seq, row_values FROM data_extension_rows "
            "WHERE de_object_id = ? AND seq IN (SELECT value FROM json_each(?)) ORDER BY seq",
            (de_object_id, json.dumps(list(numbers))),
        )
        return [(int(row["seq"]), json.loads(row["row_values"])) for row in rows]

    def row_by_primary_key(
        self, de_object_id: str, primary_key: str
    ) -> tuple[int, dict[str, str | None]] | None:
        rows = self._query(
            "SELECT seq, row_values FROM data_extension_rows WHERE de_object_id = ? AND primary_key = ?",
            (de_object_id, primary_key),
        )
        return (int(rows[0]["seq"]), json.loads(rows[0]["row_values"])) if rows else None

    def count_rows(self, de_object_id: str) -> int:
        row = self._query(
            "SELECT COUNT(*) AS n FROM data_extension_rows WHERE de_object_id = ?", (de_object_id,)
        )[0]
        return int(row["n"])

    def now(self) -> datetime:
        """The account's clock (emulator/run/clock.py), which rows are stamped with."""
        from mcstate.emulator.run.clock import now  # the clock reads its setting from this store

        if self._transaction_now is not None:
            return self._transaction_now
        moment = now(self)
        if self._connection.in_transaction:
            self._transaction_now = moment
        return moment

    def insert_row(self, de_object_id: str, primary_key: str | None, values: dict[str, str | None]) -> int:
        cursor = self._execute(
            "INSERT INTO data_extension_rows (de_object_id, primary_key, row_values, written) "
            "VALUES (?, ?, ?, ?)",
            (de_object_id, primary_key, json.dumps(values), self.now().isoformat()),
        )
        return int(cursor.lastrowid or 0)

    def update_row(self, number: int, values: dict[str, str | None]) -> None:
        self._execute(
            "UPDATE data_extension_rows SET row_values = ?, written = ? WHERE seq = ?",
            (json.dumps(values), self.now().isoformat(), number),
        )

    def delete_rows_written_before(self, de_object_id: str, moment: datetime) -> int:
        cursor = self._execute(
            "DELETE FROM data_extension_rows WHERE de_object_id = ? AND written < ?",
            (de_object_id, moment.isoformat()),
        )
        return cursor.rowcount

    def last_written(self, de_object_id: str) -> datetime | None:
        row = self._query(
            "SELECT MAX(written) AS last FROM data_extension_rows WHERE de_object_id = ?", (de_object_id,)
        )[0]
        return datetime.fromisoformat(row["last"]) if row["last"] else None

    def fill_field(self, de_object_id: str, field_object_id: str, value: str) -> None:
        """Give every row of a data extension `value` in a field (a required field added with a default)."""
        self._execute(
            "UPDATE data_extension_rows SET row_values = json_set(row_values, ?, ?) WHERE de_object_id = ?",
            (f'$."{field_object_id}"', value, de_object_id),
        )

    def delete_row(self, number: int) -> None:
        self._execute("DELETE FROM data_extension_rows WHERE seq = ?", (number,))

    def delete_rows_of(self, de_object_id: str) -> None:
        self._execute("DELETE FROM data_extension_rows WHERE de_object_id = ?", (de_object_id,))

    def insert_rows(
        self, de_object_id: str, rows: Sequence[tuple[str | None, dict[str, str | None]]]
    ) -> None:
        """Insert many rows at once: (canonical primary key or None, field ObjectID -> value)."""
        written = self.now().isoformat()
        with self._lock:
            self._connection.executemany(
                "INSERT INTO data_extension_rows (de_object_id, primary_key, row_values, written) "
                "VALUES (?, ?, ?, ?)",
                ((de_object_id, key, json.dumps(values), written) for key, values in rows),
            )

    # -- settings kept with the account (the clock) -------------------------------------------------------

    def setting(self, key: str) -> str | None:
        rows = self._query("SELECT value FROM meta WHERE key = ?", (key,))
        return str(rows[0]["value"]) if rows else None

    def set_setting(self, key: str, value: str | None) -> None:
        if value is None:
            self._execute("DELETE FROM meta WHERE key = ?", (key,))
        else:
            self._execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))

    # -- data views ---------------------------------------------------------------------------------------

    def add_data_view_rows(self, view: str, rows: Sequence[dict[str, str | None]]) -> None:
        with self._lock:
            self._connection.executemany(
                "INSERT INTO data_view_rows (view, row_values) VALUES (?, ?)",
                ((view, json.dumps(row)) for row in rows),
            )

    def clear_data_view(self, view: str) -> None:
        self._execute("DELETE FROM data_view_rows WHERE view = ?", (view,))

    def data_view_row_values(self, view: str) -> list[str]:
        """The rows of a data view as stored (JSON text each), in the order they were loaded."""
        return [
            str(row["row_values"])
            for row in self._query(
                "SELECT row_values FROM data_view_rows WHERE view = ? ORDER BY seq", (view,)
            )
        ]

    def data_view_columns(self, view: str) -> list[str]:
        """The column names the rows of a data view hold."""
        rows = self._query(
            "SELECT DISTINCT key FROM data_view_rows, json_each(row_values) WHERE view = ? ORDER BY key",
            (view,),
        )
        return [str(row["key"]) for row in rows]

    def count_data_view_rows(self, view: str) -> int:
        return int(self._query("SELECT COUNT(*) AS n FROM data_view_rows WHERE view = ?", (view,))[0]["n"])

    # -- runs of performed activities and automations -----------------------------------------------------

    def add_activity_run(self, run: dict[str, Any]) -> None:
        columns = ", ".join(run)
        self._execute(
            f"INSERT INTO activity_runs ({columns}) VALUES ({_placeholders(columns)})", tuple(run.values())
        )

    def activity_runs(self) -> list[dict[str, Any]]:
        return [dict(row) for row in self._query("SELECT * FROM activity_runs ORDER BY seq")]

    def add_automation_instance(self, instance: dict[str, Any]) -> None:
        columns = ", ".join(instance)
        self._execute(
            f"INSERT INTO automation_instances ({columns}) VALUES ({_placeholders(columns)})",
            tuple(instance.values()),
        )

    def update_automation_instance(self, instance_id: str, changes: dict[str, Any]) -> None:
        assignments = ", ".join(f"{column} = ?" for column in changes)
        self._execute(
            f"UPDATE automation_instances SET {assignments} WHERE id = ?", (*changes.values(), instance_id)
        )

    def automation_instances(self, automation_id: str | None = None) -> list[dict[str, Any]]:
        if automation_id is None:
            rows = self._query("SELECT * FROM automation_instances ORDER BY seq")
        else:
            rows = self._query(
                "SELECT * FROM automation_instances WHERE automation_id = ? ORDER BY seq", (automation_id,)
            )
        return [dict(row) for row in rows]

    # -- import results -----------------------------------------------------------------------------------

    def add_import_result(self, result: dict[str, Any]) -> int:
        """Record a performed import; its task result ID."""
        columns = ", ".join(result)
        cursor = self._execute(
            f"INSERT INTO import_results ({columns}) VALUES ({_placeholders(columns)})",
            tuple(result.values()),
        )
        return int(cursor.lastrowid or 0)

    def import_results(self) -> list[dict[str, Any]]:
        return [dict(row) for row in self._query("SELECT * FROM import_results ORDER BY task_result_id")]

    # -- fields -------------------------------------------------------------------------------------------

    def fields_of(self, de_object_id: str) -> list[Field]:
        rows = self._query(
            f"SELECT {_FIELD_COLUMNS} FROM fields WHERE de_object_id = ? ORDER BY ordinal, object_id",
            (de_object_id,),
        )
        return [_field(row) for row in rows]

    def field(self, object_id: str) -> Field | None:
        rows = self._query(f"SELECT {_FIELD_COLUMNS} FROM fields WHERE object_id = ?", (object_id.lower(),))
        return _field(rows[0]) if rows else None

    def fields_with_keys(self, object_ids: Sequence[str] | None = None) -> list[tuple[Field, str]]:
        """Fields with their data extension's CustomerKey, all of them or those with the given ObjectIDs."""
        columns = ", ".join(f"f.{column}" for column in _FIELD_COLUMNS.split(", "))
        sql = (
            f"SELECT {columns}, d.customer_key AS de_key "
            "FROM fields f JOIN data_extensions d ON d.object_id = f.de_object_id"
        )
        parameters: tuple[Any, ...] = ()
        if object_ids is not None:
            sql += " WHERE f.object_id IN (SELECT value FROM json_each(?))"
            parameters = (json.dumps(list(object_ids)),)
        return [(_field(row), row["de_key"]) for row in self._query(sql, parameters)]

    def fields_of_data_extensions(self, de_object_ids: Sequence[str]) -> list[tuple[Field, str]]:
        """The fields of the given data extensions, with their data extension's CustomerKey."""
        columns = ", ".join(f"f.{column}" for column in _FIELD_COLUMNS.split(", "))
        sql = (
            f"SELECT {columns}, d.customer_key AS de_key "
            "FROM fields f JOIN data_extensions d ON d.object_id = f.de_object_id "
            "WHERE f.de_object_id IN (SELECT value FROM json_each(?))"
        )
        return [(_field(row), row["de_key"]) for row in self._query(sql, (json.dumps(list(de_object_ids)),))]

    def insert_field(self, field: Field) -> None:
        self._execute(
            f"INSERT INTO fields ({_FIELD_COLUMNS}) VALUES ({_placeholders(_FIELD_COLUMNS)})",
            _values(field, _FIELD_COLUMNS),
        )

    def update_field(self, field: Field) -> None:
        values = _values(field, _FIELD_COLUMNS)
        self._execute(
            f"UPDATE fields SET {_assignments(_FIELD_COLUMNS, 'object_id')} WHERE object_id = ?",
            [*values[1:], values[0]],
        )

    def delete_field(self, object_id: str) -> None:
        self._execute("DELETE FROM fields WHERE object_id = ?", (object_id,))

    # -- import definitions -------------------------------------------------------------------------------

    def import_definitions(self) -> list[ImportDefinition]:
        return _IMPORTS.all(self)

    def import_definitions_by_object_ids(self, object_ids: Sequence[str]) -> list[ImportDefinition]:
        return _IMPORTS.by_object_ids(self, object_ids)

    def import_definition(self, object_id: str) -> ImportDefinition | None:
        return _IMPORTS.get(self, object_id)

    def import_definition_by_key(self, customer_key: str) -> ImportDefinition | None:
        return _IMPORTS.by_key(self, customer_key)

    def insert_import_definition(self, definition: ImportDefinition) -> None:
        _IMPORTS.insert(self, definition)

    def update_import_definition(self, definition: ImportDefinition) -> None:
        _IMPORTS.update(self, definition)

    def delete_import_definition(self, object_id: str) -> None:
        _IMPORTS.delete(self, object_id)

    # -- query definitions --------------------------------------------------------------------------------

    def query_definitions(self) -> list[QueryDefinition]:
        return _QUERIES.all(self)

    def query_definitions_by_object_ids(self, object_ids: Sequence[str]) -> list[QueryDefinition]:
        return _QUERIES.by_object_ids(self, object_ids)

    def query_definition(self, object_id: str, status: str) -> QueryDefinition | None:
        return _QUERIES.get(self, object_id, " AND status = ?", (status,))

    def query_definition_by_key(self, customer_key: str, status: str) -> QueryDefinition | None:
        return _QUERIES.by_key(self, customer_key, " AND status = ?", (status,))

    def insert_query_definition(self, definition: QueryDefinition) -> None:
        _QUERIES.insert(self, definition)

    def update_query_definition(self, definition: QueryDefinition) -> None:
        _QUERIES.update(self, definition)

    # -- filter definitions -------------------------------------------------------------------------------

    def filter_definitions(self) -> list[FilterDefinition]:
        return _FILTERS.all(self)

    def filter_definition(self, object_id: str) -> FilterDefinition | None:
        return _FILTERS.get(self, object_id)

    def filter_definition_by_key(self, customer_key: str) -> FilterDefinition | None:
        return _FILTERS.by_key(self, customer_key)

    def filter_definition_by_name(self, name: str) -> FilterDefinition | None:
        return _FILTERS.by_name(self, name)

    def insert_filter_definition(self, definition: FilterDefinition) -> None:
        _FILTERS.insert(self, definition)

    def update_filter_definition(self, definition: FilterDefinition) -> None:
        _FILTERS.update(self, definition)

    def delete_filter_definition(self, object_id: str) -> None:
        _FILTERS.delete(self, object_id)

    # -- automations --------------------------------------------------------------------------------------

    def automations(self) -> list[Automation]:
        return _AUTOMATIONS.all(self)

    def automation(self, object_id: str) -> Automation | None:
        return _AUTOMATIONS.get(self, object_id)

    def automation_by_key(self, customer_key: str) -> Automation | None:
        return _AUTOMATIONS.by_key(self, customer_key)

    def automation_by_name(self, name: str) -> Automation | None:
        return _AUTOMATIONS.by_name(self, name)

    def insert_automation(self, automation: Automation) -> None:
        _AUTOMATIONS.insert(self, automation)

    def update_automation(self, automation: Automation) -> None:
        _AUTOMATIONS.update(self, automation)

    def delete_automation(self, object_id: str) -> None:
        _AUTOMATIONS.delete(self, object_id)

    # -- tokens -------------------------------------------------------------------------------------------

    def add_token(self, token: str, client_id: str, expires: float, mid: int | None = None) -> None:
        """Keep a token issued for business unit `mid` (None: this one); only its hash is stored (a copy of
        the database holds no usable token), and tokens expired a day ago are forgotten."""
        with self.transaction() as connection:
            connection.execute("DELETE FROM tokens WHERE expires < ?", (time.time() - TOKEN_KEPT_SECONDS,))
            connection.execute(
                "INSERT INTO tokens (token, client_id, expires, mid) VALUES (?, ?, ?, ?)",
                (token_hash(token), client_id, expires, mid),
            )

    def token_expiry(self, token: str) -> float | None:
        found = self.token_record(token)
        return found[0] if found is not None else None

    def token_record(self, token: str) -> tuple[float, int] | None:
        """(expiry, MID of the business unit it is for) of a token issued here."""
        rows = self._query("SELECT expires, mid FROM tokens WHERE token = ?", (token_hash(token),))
        if not rows:
            return None
        mid = rows[0]["mid"]
        return float(rows[0]["expires"]), int(mid) if mid is not None else self.mid

    # -- business units (the parent's database lists its children) --------------------------------------

    def business_units(self) -> list[tuple[int, str, int]]:
        """(MID, name, folder base) of every child business unit, by MID."""
        rows = self._query("SELECT mid, name, folder_base FROM business_units ORDER BY mid")
        return [(int(row["mid"]), str(row["name"]), int(row["folder_base"])) for row in rows]

    def set_business_units(self, units: Sequence[tuple[int, str, int]]) -> None:
        with self.transaction() as connection:
            connection.execute("DELETE FROM business_units")
            connection.executemany(
                "INSERT INTO business_units (mid, name, folder_base) VALUES (?, ?, ?)", units
            )

    # -- request log --------------------------------------------------------------------------------------

    def log_request(
        self,
        *,
        method: str,
        path: str,
        status: int,
        operation: str | None,
        object_types: Sequence[str],
        object_count: int,
        result_count: int,
        request_bytes: int = 0,
        response_bytes: int = 0,
        row_targets: Sequence[str] = (),
        mid: int | None = None,
    ) -> None:
        stamp = datetime.now().astimezone().isoformat(timespec="milliseconds")
        with self.transaction() as connection:
            connection.execute(
                "INSERT INTO requests (time, method, path, status, operation, object_types, object_count, "
                "result_count, request_bytes, response_bytes, row_targets, mid) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    stamp,
                    method,
                    path,
                    status,
                    operation,
                    json.dumps(list(object_types)),
                    object_count,
                    result_count,
                    request_bytes,
                    response_bytes,
                    json.dumps(list(row_targets)),
                    mid,
                ),
            )

    def requests(self) -> list[dict[str, Any]]:
        rows = self._query("SELECT * FROM requests ORDER BY seq")
        return [
            {
                "seq": row["seq"],
                "time": row["time"],
                "method": row["method"],
                "path": row["path"],
                "status": row["status"],
                "operation": row["operation"],
                "object_types": json.loads(row["object_types"]),
                "object_count": row["object_count"],
                "result_count": row["result_count"],
                "request_bytes": row["request_bytes"],
                "response_bytes": row["response_bytes"],
                "row_targets": json.loads(row["row_targets"]),
                "mid": row["mid"],  # the business unit the call went to (None: not known, e.g. refused)
            }
            for row in rows
        ]

    def clear_requests(self) -> None:
        self._execute("DELETE FROM requests")

    # -- Retrieve continuations ---------------------------------------------------------------------------

    def save_continuation(
        self,
        request_id: str,
        object_type: str,
        properties: Sequence[str],
        keys: Sequence[str],
        position: int,
        size: int,
    ) -> None:
        cutoff = time.time() - rules.CONTINUATION_LIFETIME.total_seconds()
        with self.transaction() as connection:
            connection.execute("DELETE FROM continuations WHERE created < ?", (cutoff,))
            connection.execute(
                "INSERT INTO continuations "
                "(request_id, object_type, properties, keys, position, page_size, created) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    request_id,
                    object_type,
                    json.dumps(list(properties)),
                    json.dumps(list(keys)),
                    position,
                    size,
                    time.time(),
                ),
            )

    def continuation(self, request_id: str) -> tuple[str, list[str], list[str], int, int] | None:
        cutoff = time.time() - rules.CONTINUATION_LIFETIME.total_seconds()
        rows = self._query(
            "SELECT object_type, properties, keys, position, page_size FROM continuations "
            "WHERE request_id = ? AND created >= ?",
            (request_id, cutoff),
        )
        if not rows:
            return None
        row = rows[0]
        return (
            row["object_type"],
            json.loads(row["properties"]),
            json.loads(row["keys"]),
            row["position"],
            row["page_size"],
        )

    def advance_continuation(self, request_id: str, expected: int, position: int) -> bool:
        """Move a chain forward; False when another caller already took that page."""
        cursor = self._execute(
            "UPDATE continuations SET position = ? WHERE request_id = ? AND position = ?",
            (position, request_id, expected),
        )
        return cursor.rowcount > 0

    def delete_continuation(self, request_id: str) -> None:
        self._execute("DELETE FROM continuations WHERE request_id = ?", (request_id,))

    # -- REST definitions: data extracts, file transfers and filter activities ---------------------------
    # Rows are plain dicts of column values, ordered by creation; IDs are GUIDs compared case-insensitively.

    def rest_rows(self, table: RestTable, offset: int = 0, limit: int = -1) -> list[dict[str, Any]]:
        rows = self._query(
            f"SELECT * FROM {_rest_table(table)} ORDER BY seq LIMIT ? OFFSET ?", (limit, offset)
        )
        return [dict(row) for row in rows]

    def count_rest_rows(self, table: RestTable) -> int:
        return int(self._query(f"SELECT COUNT(*) AS n FROM {_rest_table(table)}")[0]["n"])

    def rest_row(self, table: RestTable, object_id: str) -> dict[str, Any] | None:
        rows = self._query(f"SELECT * FROM {_rest_table(table)} WHERE id = ? COLLATE NOCASE", (object_id,))
        return dict(rows[0]) if rows else None

    def rest_row_by_key(self, table: RestTable, customer_key: str) -> dict[str, Any] | None:
        rows = self._query(
            f"SELECT * FROM {_rest_table(table)} WHERE customer_key = ? COLLATE NOCASE ORDER BY seq",
            (customer_key,),
        )
        return dict(rows[0]) if rows else None

    def insert_rest_row(self, table: RestTable, row: dict[str, Any]) -> None:
        columns = [name for name in row if name != "seq"]
        self._execute(
            f"INSERT INTO {_rest_table(table)} ({', '.join(columns)}) "
            f"VALUES ({', '.join('?' for _ in columns)})",
            [row[name] for name in columns],
        )

    def update_rest_row(self, table: RestTable, row: dict[str, Any]) -> None:
        columns = [name for name in row if name not in ("seq", "id")]
        self._execute(
            f"UPDATE {_rest_table(table)} SET {', '.join(f'{name} = ?' for name in columns)} "
            "WHERE id = ? COLLATE NOCASE",
            [*(row[name] for name in columns), row["id"]],
        )

    def delete_rest_row(self, table: RestTable, object_id: str) -> None:
        self._execute(f"DELETE FROM {_rest_table(table)} WHERE id = ? COLLATE NOCASE", (object_id,))


RestTable = Literal["data_extracts", "file_transfers", "filter_activities", "file_locations"]
_REST_TABLES: tuple[str, ...] = ("data_extracts", "file_transfers", "filter_activities", "file_locations")


def _rest_table(table: str) -> str:
    """The table name, checked: it is written into SQL text."""
    if table not in _REST_TABLES:
        raise ValueError(f"not a REST table: {table}")
    return table


def reset(db_path: Path) -> None:
    """Empty the account in a database file back to a fresh tenant (creating the file if needed)."""
    store = Store(Path(db_path))
    try:
        store.reset()
    finally:
        store.close()


_DATA_EXTENSIONS = _ObjectTable(
    "data_extensions", _DE_COLUMNS, _data_extension, lambda item: _values(item, _DE_COLUMNS)
)
_IMPORTS = _ObjectTable("import_definitions", _IMPORT_COLUMNS, _import_definition, _import_values)
_QUERIES = _ObjectTable(
    "query_definitions", _QUERY_COLUMNS, _query_definition, lambda item: _values(item, _QUERY_COLUMNS)
)
_FILTERS = _ObjectTable("filter_definitions", _FILTER_COLUMNS, _filter_definition, _filter_values)
_AUTOMATIONS = _ObjectTable("automations", _AUTOMATION_COLUMNS, _automation, _automation_values)
