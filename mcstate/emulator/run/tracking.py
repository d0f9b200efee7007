"""Tracking extracts: the system data views' events of a date range written as the service's tracking files
(Sent.csv, Opens.csv, Clicks.csv, Bounces.csv, Unsubs.csv, SendJobs.csv, ...), zipped into one output
file. Used by the SOAP Extract operation and by a saved Tracking Extract started as an activity."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from datetime import datetime

from mcstate.emulator import rules
from mcstate.emulator.run.tsql import TsqlError, to_datetime
from mcstate.emulator.store import Store


def tracking_files(store: Store, flags: dict[str, bool], start: datetime, end: datetime) -> dict[str, str]:
    """File name -> CSV text, for every event kind the flags ask for, events from start to end."""
    files: dict[str, str] = {}
    for flag, (file_name, view, event_type, columns) in rules.TRACKING_EXTRACT_FILES.items():
        if not flags.get(flag):
            continue
        text = io.StringIO(newline="")
        writer = csv.writer(text, lineterminator="\r\n")
        writer.writerow(columns)
        for values in _rows(store, view):
            moment = _moment(
                values.get("EventDate") or values.get("DeliveredTime") or values.get("SchedTime")
            )
            if moment is not None and not start <= moment <= end:
                continue
            writer.writerow([_value(values, column, event_type) for column in columns])
        files[file_name] = text.getvalue()
    return files


def zipped(files: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in files.items():
            archive.writestr(name, text.encode("utf-8"))
    return buffer.getvalue()


def _rows(store: Store, view: str) -> list[dict[str, str | None]]:
    return [json.loads(text) for text in store.data_view_row_values(view)]


def _moment(text: str | None) -> datetime | None:
    try:
        return to_datetime(text) if text else None
    except TsqlError:
        return None


def _value(values: dict[str, str | None], column: str, event_type: str) -> str:
    if column == "EventType":
        return event_type
    source = rules.TRACKING_EXTRACT_COLUMN_SOURCES.get(column, column)
    return values.get(source) or ""
