"""Running an import definition: its file from the file area into its destination data extension.

The file is the definition's FileSpec in the Import folder of the Enhanced FTP location, its date
placeholders filled in from the emulator's clock; it is read with the declared type, delimiter and header
lines, its columns mapped as declared, and each row's values checked against the fields as a
DataExtensionObject write checks them. The update type decides what happens to existing rows. Without
AllowErrors, one failing row fails the import and nothing is written; with it, the good rows are.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import datetime

from mcstate.emulator import filelocation, rules
from mcstate.emulator.files import FileArea, FileAreaError
from mcstate.emulator.model import Field, ImportDefinition
from mcstate.emulator.store import Store

Values = dict[str, str | None]


@dataclass
class ImportRun:
    status: str
    total: int = 0
    successful: int = 0
    duplicated: int = 0
    errors: int = 0
    problems: tuple[str, ...] = ()  # why rows (or the whole import) failed, in the service's words


def file_name(file_spec: str, now: datetime) -> str:
    """The FileSpec with its date placeholders (%%YEAR%%, %%MONTH%%, %%DAY%%, in any case) filled in."""
    values = {"year": f"{now.year:04d}", "month": f"{now.month:02d}", "day": f"{now.day:02d}"}
    return re.sub(
        r"%%(year|month|day)%%",
        lambda match: values[match.group(1).casefold()],
        file_spec,
        flags=re.IGNORECASE,
    )


def run_import(store: Store, area: FileArea, definition: ImportDefinition, now: datetime) -> ImportRun:
    location = filelocation.by_key(store, definition.file_location_key)
    if location is None:
        return ImportRun(rules.IMPORT_STATUS_ERROR, problems=(rules.import_location_unavailable(definition),))
    name = file_name(definition.file_spec, now)
    try:
        data = area.read(f"{filelocation.folder(location)}/{name}")
    except FileAreaError:
        return ImportRun(
            rules.IMPORT_STATUS_ERROR, problems=(rules.import_file_missing(name, location.name),)
        )
    fields = store.fields_of(definition.destination_object_id)
    try:
        records = _records(data, definition)
    except (UnicodeDecodeError, csv.Error) as error:
        return ImportRun(
            rules.IMPORT_STATUS_ERROR, problems=(rules.import_unreadable_file(name, str(error)),)
        )
    header_lines = (
        definition.header_lines if definition.header_lines is not None else rules.IMPORT_HEADER_LINES_DEFAULT
    )
    headings, rows = (records[0] if records else []), records[header_lines:]
    mapping = _mapping(definition, headings, fields)
    if isinstance(mapping, str):
        return ImportRun(rules.IMPORT_STATUS_ERROR, total=len(rows), problems=(mapping,))
    return _load(store, definition, fields, mapping, rows, now)


def _records(data: bytes, definition: ImportDefinition) -> list[list[str]]:
    text = data.decode(rules.import_encoding(definition.encoding_code_page))
    delimiter = {"CSV": ",", "TAB": "\t"}.get(definition.file_type.upper(), definition.delimiter or ",")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    return [record for record in reader if any(cell.strip() for cell in record)]


def _mapping(
    definition: ImportDefinition, headings: list[str], fields: list[Field]
) -> dict[int, Field] | str:
    """Column position → field, or why the columns cannot be mapped."""
    by_name = {field.name.casefold(): field for field in fields}
    mapping: dict[int, Field] = {}
    kind = definition.field_mapping_type
    if kind == "InferFromColumnHeadings":
        for position, heading in enumerate(headings):
            field = by_name.get(heading.strip().casefold())
            if field is not None:
                mapping[position] = field
            elif not rules.IMPORT_UNMAPPED_HEADINGS_IGNORED:
                return rules.import_column_missing(heading)
    else:
        folded = [heading.strip().casefold() for heading in headings]
        for field_map in definition.field_maps:
            field = by_name.get(field_map.destination_name.casefold())
            if field is None:
                return rules.import_unknown_field(field_map.destination_name)
            if kind == "MapByOrdinal" or field_map.source_ordinal is not None:
                ordinal = field_map.source_ordinal
                if ordinal is None and field_map.source_name and field_map.source_name.isdigit():
                    ordinal = int(field_map.source_name)  # the docs send ordinals as SourceName "1", "2"
                if ordinal is None or ordinal < 1:
                    return rules.import_bad_ordinal(field_map.source_name or "")
                mapping[ordinal - 1] = field
            else:
                name = (field_map.source_name or "").strip().casefold()
                if name not in folded:
                    return rules.import_column_missing(field_map.source_name or "")
                mapping[folded.index(name)] = field
    if not mapping:
        return rules.IMPORT_NOTHING_MAPPED
    return mapping


def _load(
    store: Store,
    definition: ImportDefinition,
    fields: list[Field],
    mapping: dict[int, Field],
    rows: list[list[str]],
    now: datetime,
) -> ImportRun:
    key_fields = [field for field in fields if field.is_primary_key]
    run = ImportRun(rules.IMPORT_STATUS_COMPLETED, total=len(rows))
    problems: list[str] = []
    accepted: dict[str | None, Values] = {}
    anonymous: list[Values] = []
    for number, row in enumerate(rows, start=1):
        try:
            values = _values(row, mapping, fields, now)
        except rules.ApiError as error:
            run.errors += 1
            problems.append(rules.import_row_error(number, error))
            continue
        if not key_fields:
            anonymous.append(values)
            continue
        key = rules.row_primary_key(values, key_fields)
        if key in accepted:
            run.duplicated += 1
            if not rules.IMPORT_DUPLICATE_KEEPS_LAST:
                continue
        accepted[key] = values
    if run.errors and not definition.allow_errors:
        return ImportRun(rules.IMPORT_STATUS_ERROR, run.total, 0, run.duplicated, run.errors, tuple(problems))
    de = definition.destination_object_id
    with store.transaction():
        if definition.update_type == "Overwrite":
            store.delete_rows_of(de)
        for values in anonymous:
            if definition.update_type != "UpdateButDoNotAdd":
                store.insert_row(de, None, values)
                run.successful += 1
        for key, values in accepted.items():
            existing = store.row_by_primary_key(de, key) if key is not None else None
            if existing is None:
                if definition.update_type == "UpdateButDoNotAdd":
                    continue
                store.insert_row(de, key, values)
            else:
                if definition.update_type == "AddAndDoNotUpdate":
                    continue
                store.update_row(existing[0], {**existing[1], **values})
            run.successful += 1
    run.problems = tuple(problems)
    return run


def _values(row: list[str], mapping: dict[int, Field], fields: list[Field], now: datetime) -> Values:
    values: Values = {}
    for position, field in mapping.items():
        text = row[position] if position < len(row) else ""
        values[field.object_id] = rules.row_value(field, text, now)
    for field in fields:
        if field.object_id not in values and field.default_value not in (None, ""):
            values[field.object_id] = rules.row_value(field, str(field.default_value), now)
    missing = [
        f.name for f in fields if (f.is_required or f.is_primary_key) and values.get(f.object_id) is None
    ]
    if missing:
        raise rules.row_required_missing(missing)
    return values
