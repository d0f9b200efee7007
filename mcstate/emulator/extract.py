"""The SOAP Extract operation: ad hoc data extracts (SEMANTICS §6.7). A Data Extension Extract writes the
rows of a data extension, a Tracking Extract the tracking events of a date range (zipped), into the Enhanced
FTP's Export folder; no task is returned, the file is there when the answer comes."""

from __future__ import annotations

import uuid
from typing import Any

from mcstate.emulator import rules
from mcstate.emulator.codec import XNode
from mcstate.emulator.files import FileArea, FileAreaError
from mcstate.emulator.run import clock
from mcstate.emulator.run.extracts import run_extract
from mcstate.emulator.run.tracking import tracking_files, zipped
from mcstate.emulator.store import Store


def extract(store: Store, files: FileArea | None, request: XNode) -> dict[str, Any]:
    """One ExtractRequest: its ExtractResult values (StatusCode, StatusMessage, ErrorCode)."""
    try:
        message = _run(store, files, request)
    except rules.ApiError as error:
        return {"StatusCode": "Error", "StatusMessage": error.message, "ErrorCode": error.code}
    return {"StatusCode": "OK", "StatusMessage": message}


def _parameters(request: XNode) -> dict[str, str]:
    found: dict[str, str] = {}
    parameters = request.get("Parameters")
    for parameter in parameters.all("Parameter") if parameters is not None else []:
        name = (parameter.text_of("Name") or "").strip()
        if name:
            found[name] = parameter.text_of("Value") or ""
    return found


def _run(store: Store, files: FileArea | None, request: XNode) -> str:
    extract_id = (request.text_of("ID") or "").strip().lower()
    try:
        uuid.UUID(extract_id)
    except ValueError:
        raise rules.extract_error(rules.EXTRACT_INVALID_ID, f"Invalid ID: {extract_id}") from None
    if extract_id not in rules.EXTRACT_RUNS_ONLY:
        raise rules.extract_error(rules.EXTRACT_UNKNOWN_ID, f"Unknown ID: {extract_id}")
    values = _parameters(request)
    for name in rules.EXTRACT_REQUIRED_PARAMETERS[extract_id]:
        if not values.get(name, "").strip():
            raise rules.extract_missing(name)
    if files is None:
        raise rules.extract_error(rules.EXTRACT_NO_FILE_PATH, "The account has no Enhanced FTP.")
    output = values["OutputFileName"].strip()
    now = clock.now(store)
    if extract_id == rules.DATA_EXTENSION_EXTRACT_TYPE_ID:
        if not output.casefold().endswith((".csv", ".zip")):
            raise rules.extract_bad_value("OutputFileName", output)
        fields = [{"name": name, "value": value} for name, value in values.items()]
        row = {"type_id": extract_id, "data_fields": fields, "file_spec": output}
        return run_extract(store, files, row, now, folder=rules.EXPORT_FOLDER)
    start, end = rules.extract_date(values["StartDate"]), rules.extract_date(values["EndDate"])
    if start is None or end is None:
        bad = "StartDate" if start is None else "EndDate"
        raise rules.extract_bad_value(bad, values[bad])
    flags = {name: value.strip().casefold() == "true" for name, value in values.items()}
    path = f"{rules.EXPORT_FOLDER}/{output}"
    try:
        files.write(path, zipped(tracking_files(store, flags, start, end)))
    except FileAreaError as error:
        raise rules.activity_file_refused(str(error)) from None
    return path
