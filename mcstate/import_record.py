"""The record of the files `mcstate run` imported, kept in the account (the data extension
mcstate_imported_files, beside the manifest) so that CI and laptops see the same record: an import whose
update type is not idempotent (add only, column based) is refused for a file it already imported into the
same destination (same name, size and SHA-256), unless `--again`."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from mcstate.client.account import AccountClient
from mcstate.client.filters import Complex, equals
from mcstate.desired import DesiredState
from mcstate.errors import McstateError
from mcstate.files import FileArea
from mcstate.manifest import IMPORTED_FILES_KEY, create_data_extension
from mcstate.resources.base import SoapObject

NOT_IDEMPOTENT = frozenset({"add_only", "column_based"})
ENHANCED_FTP = "ExactTarget Enhanced FTP"
FIELDS: tuple[tuple[str, str, int | None, bool, bool], ...] = (
    ("ImportKey", "Text", 200, True, True),
    ("FileName", "Text", 500, True, True),
    ("Sha256", "Text", 64, True, True),
    ("Size", "Number", None, False, False),
    ("Destination", "Text", 200, False, False),
    ("ImportedAt", "Date", None, False, False),
)
_PLACEHOLDER = re.compile(r"%%(year|month|day|hour|minute)%%", re.IGNORECASE)
_PATTERNS = {"year": r"\d{4}", "month": r"\d{2}", "day": r"\d{2}", "hour": r"\d{2}", "minute": r"\d{2}"}


class AlreadyImported(McstateError):
    """The file was imported before by this import (a second run would import it twice)."""


@dataclass(frozen=True)
class ImportFile:
    key: str
    name: str
    size: int
    sha256: str
    destination: str


def _spec_pattern(spec: str) -> re.Pattern[str]:
    parts, last = [], 0
    for match in _PLACEHOLDER.finditer(spec):
        parts.append(re.escape(spec[last : match.start()]))
        parts.append(_PATTERNS[match.group(1).lower()])
        last = match.end()
    parts.append(re.escape(spec[last:]))
    return re.compile("".join(parts) + r"\Z", re.IGNORECASE)


class ImportGuard:
    def __init__(
        self, client: AccountClient, desired: DesiredState, area: FileArea | None, *, again: bool
    ) -> None:
        self.client = client
        self.desired = desired
        self.area = area
        self.again = again

    def file_of(self, key: str) -> ImportFile | None:
        """The file the import would read now, when the definitions and the file area tell it."""
        definition = self.desired.get("ImportDefinition", key)
        if definition is None or self.area is None:
            return None
        attributes = definition.attributes
        if str(attributes.get("file_location", ENHANCED_FTP)).casefold() != ENHANCED_FTP.casefold():
            return None
        pattern = _spec_pattern(str(attributes["file_spec"]))
        try:
            entries = [e for e in self.area.list("Import") if not e.is_folder]
        except McstateError:
            return None
        matching = sorted(e.path for e in entries if pattern.match(e.path.rsplit("/", 1)[-1]))
        if not matching:
            return None
        content = self.area.get(matching[-1])
        name = matching[-1].rsplit("/", 1)[-1]
        digest = hashlib.sha256(content).hexdigest()
        return ImportFile(definition.key, name, len(content), digest, str(attributes["destination"]))

    def check(self, key: str) -> ImportFile | None:
        """Raise AlreadyImported for a file imported before with a non-idempotent update type; the file."""
        file = self.file_of(key)
        if file is None:
            return None
        definition = self.desired.get("ImportDefinition", key)
        update = str(definition.attributes.get("update_type")) if definition is not None else ""
        if self.again or update not in NOT_IDEMPOTENT:
            return file
        if not self.client.retrieve(
            "DataExtension", ["CustomerKey"], equals("CustomerKey", IMPORTED_FILES_KEY)
        ):
            return file
        rows = self.client.retrieve(
            f"DataExtensionObject[{IMPORTED_FILES_KEY}]",
            [name for name, *_ in FIELDS],
            Complex(equals("ImportKey", file.key), "AND", equals("FileName", file.name)),
        )
        for row in rows:
            values = {
                str(p.get("Name")): str(p.get("Value") or "")
                for p in (row.get("Properties") or {}).get("Property") or []
            }
            if values.get("Sha256") == file.sha256 and values.get("Size") == str(file.size):
                raise AlreadyImported(
                    f"ImportDefinition.{key}: {file.name} ({file.size} bytes) was already imported into "
                    f"{file.destination} on {values.get('ImportedAt') or 'an earlier run'}; its update type "
                    f"{update} would import it twice. Run with --again to import it anyway."
                )
        return file

    def record(self, file: ImportFile) -> None:
        if not self.client.retrieve(
            "DataExtension", ["CustomerKey"], equals("CustomerKey", IMPORTED_FILES_KEY)
        ):
            create_data_extension(self.client, IMPORTED_FILES_KEY, "mcstate imported files",
                                  "Files mcstate run imported (do not edit).", FIELDS)  # fmt: skip
        values: dict[str, Any] = {
            "ImportKey": file.key, "FileName": file.name, "Sha256": file.sha256, "Size": str(file.size),
            "Destination": file.destination, "ImportedAt": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S"),
        }  # fmt: skip
        properties = [{"Name": name, "Value": value} for name, value in values.items()]
        row = SoapObject(
            "DataExtensionObject", {"CustomerKey": IMPORTED_FILES_KEY, "Properties": {"Property": properties}}
        )
        [result] = self.client.write("update", [row], upsert=True)
        if not result.ok:
            raise McstateError(
                f"the record of imported files was not written: {result.code} {result.message}"
            )
