"""Running data extracts and file transfers, as their activities do when started.

A Data Extension Extract writes the rows of its data extension to a file in the file area's Safehouse (the
service's internal area), named by its file spec with the date placeholders filled in, with the declared
delimiter, header line, text qualifier and line ends. A file transfer that uploads moves that file from the
Safehouse to its location: the Enhanced FTP's Export folder.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime
from typing import Any

from mcstate.emulator import filelocation, rules
from mcstate.emulator.files import FileArea, FileAreaError
from mcstate.emulator.run.imports import file_name
from mcstate.emulator.run.tracking import zipped
from mcstate.emulator.store import Store


def run_extract(
    store: Store, area: FileArea, extract: dict[str, Any], now: datetime, folder: str = rules.SAFEHOUSE_FOLDER
) -> str:
    """Write the extract's file into `folder`; the path written (relative to the area). rules.ApiError when
    it cannot."""
    if extract["type_id"] != rules.DATA_EXTENSION_EXTRACT_TYPE_ID:
        raise rules.extract_type_not_run(extract["type_id"])
    values = {item["name"]: item.get("value") for item in _fields(extract)}
    de = store.data_extension_by_key(str(values.get("DECustomerKey") or ""))
    if de is None:
        raise rules.extract_missing_data_extension(str(values.get("DECustomerKey") or ""))
    fields = sorted(store.fields_of(de.object_id), key=lambda field: field.ordinal)
    text = io.StringIO(newline="")
    writer = csv.writer(
        text,
        delimiter=str(values.get("ColumnDelimiter") or ","),
        quoting=csv.QUOTE_ALL if _true(values.get("TextQualified")) else csv.QUOTE_MINIMAL,
        lineterminator="\n" if _true(values.get("UsesLineFeed")) else "\r\n",
    )
    if _true(values.get("HasColumnHeaders")):
        writer.writerow([field.name for field in fields])
    for _, row in store.rows_of(de.object_id):
        writer.writerow([row.get(field.object_id) or "" for field in fields])
    path = f"{folder}/{file_name(extract['file_spec'], now)}"
    content = text.getvalue().encode("utf-8")
    if path.casefold().endswith(".zip"):
        # An output file named .zip is the CSV zipped (SEMANTICS §6.7: OutputFileName .csv or .zip).
        inner = path.rsplit("/", 1)[-1][: -len(".zip")] + ".csv"
        content = zipped({inner: content.decode("utf-8")})
    try:
        area.write(path, content)
    except FileAreaError as error:
        raise rules.activity_file_refused(str(error)) from None
    return path


def run_transfer(store: Store, area: FileArea, transfer: dict[str, Any], now: datetime) -> str:
    """Move the transfer's file from the Safehouse to its location; the path it lands at."""
    location = filelocation.by_id(store, str(transfer["location_id"]))
    if not transfer["is_upload"] or location is None or location.location_type_id not in (0, 2, 13, 15, 16):
        raise rules.transfer_not_run(location.name if location is not None else str(transfer["location_id"]))
    name = file_name(transfer["file_spec"], now)
    source = f"{rules.SAFEHOUSE_FOLDER}/{name}"
    try:
        data = area.read(source)
    except FileAreaError:
        raise rules.transfer_file_missing(name) from None
    target = (
        f"{rules.EXPORT_FOLDER}/{name}"
        if location.name == rules.ENHANCED_FTP_LOCATION
        else f"{filelocation.folder(location)}/{name}"
    )
    try:
        area.write(target, data)
    except FileAreaError as error:
        raise rules.activity_file_refused(str(error)) from None
    if rules.TRANSFER_MOVES_FILE:
        area.path(source).unlink()
    return target


def _fields(extract: dict[str, Any]) -> list[dict[str, Any]]:
    fields = extract["data_fields"]
    return list((json.loads(fields) if isinstance(fields, str) else fields) or [])


def _true(value: Any) -> bool:
    return str(value).strip().casefold() == "true"
