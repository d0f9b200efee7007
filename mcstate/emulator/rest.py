"""The REST endpoints of the emulated account: the definitions SOAP cannot write, and their lookups.

Routes (paths case-insensitive, IDs compared case-insensitively, a trailing slash ignored):

* ``GET  /automation/v1/dataextracttypes`` - the extract types (a bare JSON array).
* ``GET|POST /automation/v1/dataextracts``, ``GET|PATCH|DELETE /automation/v1/dataextracts/<id>``.
* ``GET|POST /automation/v1/filetransfers``, ``GET|PATCH|DELETE /automation/v1/filetransfers/<id>``.
* ``GET  /automation/v1/ftplocations`` - every file location with the ID transfers store.
* ``GET  /data/v1/filetransferlocations``, ``GET /data/v1/filetransferlocation/<key>`` - the locations the
  account set up, by customer key.
* ``GET /automation/v1/filters``, ``GET|PATCH|DELETE /automation/v1/filters/<id>`` - filter activities
  (created over SOAP; see filteractivity.py).
* ``POST /email/v1/category`` - a folder of a type SOAP does not create (automations).

Every call needs ``Authorization: Bearer <token>`` with a token from ``/v2/token``. Collections are paged
with ``$page`` and ``$pageSize``. Answers are written in the shapes recorded from the real service, with
keys in the same order; what the service accepts is decided in rules.py.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

from mcstate.emulator import datafolder, filelocation, filteractivity, rowsets, rules
from mcstate.emulator.auth import Tokens
from mcstate.emulator.querydefinition import start_query
from mcstate.emulator.rules import RestError
from mcstate.emulator.store import RestTable, Store

JSON_CONTENT_TYPE = "application/json; charset=utf-8"
TEXT_CONTENT_TYPE = "text/plain; charset=utf-8"

PREFIXES = ("/automation/", "/data/", "/email/", "/hub/")
"""Paths under these prefixes are REST calls."""

EXTRACTS = "automation/v1/dataextracts"
TRANSFERS = "automation/v1/filetransfers"
EXTRACT_TYPES = "automation/v1/dataextracttypes"
FTP_LOCATIONS = "automation/v1/ftplocations"
LOCATIONS = "data/v1/filetransferlocations"
LOCATION = "data/v1/filetransferlocation"
FILTERS = "automation/v1/filters"
CATEGORY = "email/v1/category"
QUERIES = "automation/v1/queries"
START_ACTION = "actions/start"

WRITE_METHODS = frozenset({"POST", "PATCH", "PUT", "DELETE"})


@dataclass
class RestAnswer:
    status: int
    body: bytes
    content_type: str
    # The route template, e.g. "automation/v1/dataextracts/{id}", for the request log.
    route: str | None = None
    object_count: int = 0
    result_count: int = 0


def _json(status: int, value: Any, route: str | None, results: int = 0, objects: int = 0) -> RestAnswer:
    return RestAnswer(status, json.dumps(value).encode(), JSON_CONTENT_TYPE, route, objects, results)


def _page(total: int, page: int, size: int, items: list[dict[str, Any]], order: str) -> dict[str, Any]:
    """A page of a collection; `order` is how that endpoint orders the envelope's keys."""
    envelope = {"count": total, "page": page, "pageSize": size, "items": items}
    return {name: envelope[name] for name in order.split()}


# -- wire shapes ---------------------------------------------------------------------------------------------


def extract_summary(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "dataExtractDefinitionId": row["id"],
        "name": row["name"],
        "key": row["customer_key"],
        "description": row["description"],
        "dataExtractTypeId": row["type_id"],
        "fileSpec": row["file_spec"],
        "createdDate": row["created"],
        "modifiedDate": row["modified"],
        "createdBy": row["created_by"],
        "modifiedBy": row["modified_by"],
        "intervalType": row["interval_type"],
    }


def extract_detail(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "dataExtractDefinitionId": row["id"],
        "name": row["name"],
        "key": row["customer_key"],
        "description": row["description"],
        "dataExtractTypeId": row["type_id"],
        "fileSpec": row["file_spec"],
        "createdBy": row["created_by"],
        "modifiedBy": row["modified_by"],
        "intervalType": row["interval_type"],
        "dataFields": json.loads(row["data_fields"]),
    }


def transfer_summary(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": row["id"],
        "name": row["name"],
        "description": row["description"],
        "customerKey": row["customer_key"],
        "createdDate": row["created"],
        "modifiedDate": row["modified"],
    }


def transfer_detail(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": row["id"],
        "name": row["name"],
        "description": row["description"],
        "customerKey": row["customer_key"],
        "fileSpec": row["file_spec"],
        "isEncrypted": bool(row["is_encrypted"]),
        "isCompressed": bool(row["is_compressed"]),
        "maxFileAge": row["max_file_age"],
        "maxFileAgeScheduleOffset": row["max_file_age_schedule_offset"],
        "maxImportFrequency": row["max_import_frequency"],
        "fileTransferLocationId": row["location_id"],
        "isUpload": bool(row["is_upload"]),
        "isPgp": bool(row["is_pgp"]),
        "isFileSpecLocalized": bool(row["is_file_spec_localized"]),
        "createdDate": row["created"],
        "modifiedDate": row["modified"],
    }


def ftp_location(seed: rules.FileLocationSeed) -> dict[str, Any]:
    item: dict[str, Any] = {"name": seed.name, "id": seed.id, "locationTypeId": seed.location_type_id}
    if seed.rel_path is not None:
        item["relPath"] = seed.rel_path
    if seed.location_url is not None:
        item["locationUrl"] = seed.location_url
    return item


def location_detail(seed: rules.FileLocationSeed) -> dict[str, Any]:
    item: dict[str, Any] = {
        "customerKey": seed.customer_key,
        "name": seed.name,
        "description": seed.description,
        "locationType": seed.location_type,
    }
    if seed.details_name:
        item[seed.details_name] = dict(seed.details)
    return item


# -- the API -------------------------------------------------------------------------------------------------


class RestApi:
    """Answers one REST call: authentication, routing, rules, storage."""

    def __init__(self, store: Store, tokens: Tokens) -> None:
        self.store = store
        self.tokens = tokens

    def handle(self, method: str, path: str, query: str, authorization: str, body: bytes) -> RestAnswer:
        scheme, _, token = authorization.strip().partition(" ")
        if scheme.casefold() != "bearer" or self.tokens.check_token(token.strip()) is not None:
            return _json(401, rules.REST_NOT_AUTHORIZED, None)
        parts = [part for part in path.strip("/").split("/") if part]
        rows = self._rows_route(method, parts, parse_qs(query), body)
        if rows is not None:
            return rows
        collection = "/".join(parts[:3]).casefold()
        object_id = "/".join(parts[3:]) or None
        route = collection + ("/{id}" if object_id else "")
        try:
            return self._dispatch(method, collection, object_id, parse_qs(query), body, route, path)
        except RestError as error:
            objects = 1 if method in WRITE_METHODS else 0
            return _json(error.status, error.body, route, objects=objects)

    def _dispatch(
        self,
        method: str,
        collection: str,
        object_id: str | None,
        query: dict[str, list[str]],
        body: bytes,
        route: str,
        path: str,
    ) -> RestAnswer:
        routes: dict[tuple[str, bool], dict[str, Callable[[], RestAnswer]]] = {
            (EXTRACT_TYPES, False): {"GET": lambda: self._extract_types(route)},
            (FTP_LOCATIONS, False): {"GET": lambda: self._ftp_locations(query, route)},
            (LOCATIONS, False): {"GET": lambda: self._locations(query, route)},
            (LOCATION, False): {"POST": lambda: self._change_location(None, body, route)},
            (LOCATION, True): {
                "GET": lambda: self._location(str(object_id), route),
                "PATCH": lambda: self._change_location(str(object_id), body, route),
                "DELETE": lambda: self._delete_location(str(object_id), route),
            },
            (EXTRACTS, False): {
                "GET": lambda: self._list("data_extracts", query, route),
                "POST": lambda: self._create_extract(_object(body), route),
            },
            (EXTRACTS, True): {
                "GET": lambda: self._get("data_extracts", str(object_id), route),
                "PATCH": lambda: self._update_extract(str(object_id), _object(body), route),
                "DELETE": lambda: self._delete("data_extracts", str(object_id), route),
            },
            (TRANSFERS, False): {
                "GET": lambda: self._list("file_transfers", query, route),
                "POST": lambda: self._create_transfer(_object(body), route),
            },
            (TRANSFERS, True): {
                "GET": lambda: self._get("file_transfers", str(object_id), route),
                "PATCH": lambda: self._update_transfer(str(object_id), _object(body), route),
                "DELETE": lambda: self._delete("file_transfers", str(object_id), route),
            },
            (FILTERS, False): {"GET": lambda: self._list("filter_activities", query, route)},
            (FILTERS, True): {
                "GET": lambda: self._get("filter_activities", str(object_id), route),
                "PATCH": lambda: self._update_filter_activity(str(object_id), _object(body), route),
                "DELETE": lambda: self._delete("filter_activities", str(object_id), route),
            },
            (CATEGORY, False): {"POST": lambda: self._create_category(_object(body), route)},
            (QUERIES, True): {"POST": lambda: self._start_query(str(object_id), path)},
        }
        methods = routes.get((collection, object_id is not None))
        if methods is None:
            raise rules.rest_route_not_found(method, path)
        handler = methods.get(method)
        if handler is None:
            raise rules.rest_method_not_allowed(method, path)
        return handler()

    def _rows_route(
        self, method: str, parts: list[str], query: dict[str, list[str]], body: bytes
    ) -> RestAnswer | None:
        """The rows routes of data extensions (emulator/rowsets.py); None for any other path."""
        lowered = [part.casefold() for part in parts]
        try:
            if lowered[:4] == ["data", "v1", "customobjectdata", "key"] and lowered[5:] == ["rowset"]:
                if method != "GET":
                    raise rules.rest_method_not_allowed(method, "/".join(parts))
                answer = rowsets.read_rows(self.store, parts[4], query)
                return _json(200, answer, "data/v1/customobjectdata/key/{key}/rowset", len(answer["items"]))
            if lowered[:3] == ["hub", "v1", "dataevents"] and len(parts) == 5 and lowered[4] == "rowset":
                if method != "POST" or not lowered[3].startswith("key:"):
                    raise rules.rest_method_not_allowed(method, "/".join(parts))
                rows = rowsets.hub_rows(_json_body(body))
                rowsets.write_rows(self.store, parts[3][4:], rows, upsert=not rules.HUB_ROWSET_INSERTS_ONLY)
                return _json(200, _json_body(body), "hub/v1/dataevents/key:{key}/rowset", objects=len(rows))
            if lowered[:4] == ["data", "v1", "async", "dataextensions"] and lowered[5:] == ["rows"]:
                if method not in ("PUT", "POST") or not lowered[4].startswith("key:"):
                    raise rules.rest_method_not_allowed(method, "/".join(parts))
                rows = rowsets.async_rows(_json_body(body))
                rowsets.write_rows(self.store, parts[4][4:], rows, upsert=method == "PUT")
                answer = {"requestId": str(uuid.uuid4()), "resultMessages": []}
                route = "data/v1/async/dataextensions/key:{key}/rows"
                return _json(rules.ASYNC_ROWS_ANSWER_STATUS, answer, route, objects=len(rows))
        except RestError as error:
            return _json(error.status, error.body, "/".join(parts[:3]), objects=1 if method != "GET" else 0)
        return None

    def _start_query(self, object_id: str, path: str) -> RestAnswer:
        """POST automation/v1/queries/{id}/actions/start: run the query (the answer is only "OK"; its
        outcome is read from AsyncActivityStatus by ParentInteractionObjectID)."""
        query_id, _, action = object_id.partition("/")
        if action.strip("/").casefold() != START_ACTION:
            raise rules.rest_route_not_found("POST", path)
        definition = self.store.query_definition(query_id, rules.QUERY_ACTIVE)
        if definition is None:
            raise rules.rest_not_found("query", query_id)
        start_query(self.store, definition)
        return _json(200, rules.REST_STARTED, QUERIES + "/{id}/actions/start", objects=1)

    # -- lookups --------------------------------------------------------------------------------------------

    def _extract_types(self, route: str) -> RestAnswer:
        items = [{"name": name, "extractId": type_id} for name, type_id in rules.DATA_EXTRACT_TYPES]
        return _json(200, items, route, len(items))

    def _ftp_locations(self, query: dict[str, list[str]], route: str) -> RestAnswer:
        page, size = _paging(query)
        everything = [ftp_location(seed) for seed in filelocation.all_locations(self.store)]
        items = everything[(page - 1) * size : page * size]
        return _json(
            200, _page(len(everything), page, size, items, "page pageSize count items"), route, len(items)
        )

    def _locations(self, query: dict[str, list[str]], route: str) -> RestAnswer:
        page, size = _paging(query)
        everything = [
            location_detail(seed) for seed in filelocation.all_locations(self.store) if seed.customer_key
        ]
        items = everything[(page - 1) * size : page * size]
        answer = _page(len(everything), page, size, items, "page pageSize count items")
        answer.update(requestId=str(uuid.uuid4()), resultMessages=[])
        return _json(200, answer, route, len(items))

    def _location(self, key: str, route: str) -> RestAnswer:
        seed = next(
            (
                s
                for s in filelocation.all_locations(self.store)
                if s.customer_key and s.customer_key.casefold() == key.casefold()
            ),
            None,
        )
        if seed is None:
            raise rules.rest_not_found("File transfer location", key)
        answer = {
            "fileTransferLocation": location_detail(seed),
            "requestId": str(uuid.uuid4()),
            "resultMessages": [],
        }
        return _json(200, answer, route, 1)

    def _change_location(self, key: str | None, body: bytes, route: str) -> RestAnswer:
        """POST data/v1/filetransferlocation (create) or PATCH .../{key} (change)."""
        value = _json_body(body)
        if key is None:
            return _json(200, filelocation.create(self.store, value), route, objects=1)
        answer = filelocation.update(self.store, key, value)
        if answer is None:
            raise rules.rest_not_found("File transfer location", key)
        return _json(200, answer, route, objects=1)

    def _delete_location(self, key: str, route: str) -> RestAnswer:
        if not filelocation.delete(self.store, key):
            raise rules.rest_not_found("File transfer location", key)
        return _json(200, {"requestId": str(uuid.uuid4()), "resultMessages": []}, route, objects=1)

    # -- collections ----------------------------------------------------------------------------------------

    def _list(self, table: RestTable, query: dict[str, list[str]], route: str) -> RestAnswer:
        page, size = _paging(query)
        rows = self.store.rest_rows(table, (page - 1) * size, size)
        total = self.store.count_rest_rows(table)
        if table == "data_extracts":
            answer = _page(total, page, size, [extract_summary(r) for r in rows], "count page pageSize items")
        elif table == "filter_activities":
            answer = _page(
                total, page, size, [filteractivity.wire(r) for r in rows], "count page pageSize items"
            )
        else:
            answer = _page(
                total, page, size, [transfer_summary(r) for r in rows], "page pageSize count items"
            )
        return _json(200, answer, route, len(rows))

    def _get(self, table: RestTable, object_id: str, route: str) -> RestAnswer:
        row = self._existing(table, object_id)
        details = {"data_extracts": extract_detail, "filter_activities": filteractivity.wire}
        return _json(200, details.get(table, transfer_detail)(row), route, 1)

    def _delete(self, table: RestTable, object_id: str, route: str) -> RestAnswer:
        with self.store.transaction():
            self._existing(table, object_id)
            self.store.delete_rest_row(table, object_id)
        if table in ("data_extracts", "filter_activities"):
            # As recorded: a deleted extract or filter activity answers the bare text OK, a deleted
            # transfer an empty object.
            return RestAnswer(200, b"OK", TEXT_CONTENT_TYPE, route, 1)
        return _json(200, {}, route, objects=1)

    def _existing(self, table: RestTable, object_id: str) -> dict[str, Any]:
        row = self.store.rest_row(table, object_id)
        if row is None:
            what = {"data_extracts": "Data extract definition", "filter_activities": "Filter activity"}
            raise rules.rest_not_found(what.get(table, "File transfer"), object_id)
        return row

    # -- filter activities ----------------------------------------------------------------------------------

    def _update_filter_activity(self, object_id: str, body: dict[str, Any], route: str) -> RestAnswer:
        problems: list[tuple[int, str]] = []
        with self.store.transaction():
            current = self._existing("filter_activities", object_id)
            fixed = {
                "filterDefinitionId": "filter_definition_id",
                "sourceObjectId": "source_object_id",
                "destinationObjectId": "destination_object_id",
            }
            for wire_name, column in fixed.items():
                given = body.get(wire_name)
                if given is not None and str(given).casefold() != str(current[column]).casefold():
                    problems.append(rules.filter_activity_fixed(wire_name))
            given = {
                name: rules.rest_text(body, name, problems) for name in ("name", "description", "customerKey")
            }
            name = _pick(given["name"], current["name"])
            rules.check_rest_name(name, problems)
            key = _pick(given["customerKey"] or None, current["customer_key"])
            self._check_key("filter_activities", "filter activity", key, current["id"], problems)
            category = body.get("categoryId", current["category_id"])
            folder = (
                self.store.folder(category)
                if isinstance(category, int) and not isinstance(category, bool)
                else None
            )
            if folder is None or folder.content_type.casefold() != "filteractivity":
                problems.append(rules.filter_activity_folder(category))
            if problems:
                raise rules.rest_validation(problems)
            row = {
                **current,
                "customer_key": key,
                "name": name,
                "description": _pick(given["description"], current["description"]) or "",
                "category_id": category,
                "modified": rules.rest_timestamp(rules.server_now()),
            }
            self.store.update_rest_row("filter_activities", row)
        return _json(200, filteractivity.wire(row), route, 1, 1)

    # -- folders the category API creates -------------------------------------------------------------------

    def _create_category(self, body: dict[str, Any], route: str) -> RestAnswer:
        with self.store.transaction():
            folder = datafolder.create_category(self.store, body)
        answer = {
            "categoryId": folder.id,
            "parentCatId": folder.parent_id,
            "objectId": folder.object_id,
            "catType": folder.content_type,
            "name": folder.name,
        }
        return _json(rules.REST_CREATED_STATUS, answer, route, 1, 1)

    # -- data extracts --------------------------------------------------------------------------------------

    def _create_extract(self, body: dict[str, Any], route: str) -> RestAnswer:
        with self.store.transaction():
            row = self._extract_row(body, None)
            self.store.insert_rest_row("data_extracts", row)
        return _json(rules.REST_CREATED_STATUS, extract_detail(row), route, 1, 1)

    def _update_extract(self, object_id: str, body: dict[str, Any], route: str) -> RestAnswer:
        with self.store.transaction():
            current = self._existing("data_extracts", object_id)
            row = self._extract_row(body, current)
            self.store.update_rest_row("data_extracts", row)
        return _json(200, extract_detail(row), route, 1, 1)

    def _extract_row(self, body: dict[str, Any], current: dict[str, Any] | None) -> dict[str, Any]:
        """The row a create (current None) or a PATCH of `current` stores; raises the 400 when refused."""
        problems: list[tuple[int, str]] = []
        given = {name: rules.rest_text(body, name, problems) for name in _EXTRACT_TEXTS}
        old = current or {}
        name = _pick(given["name"], old.get("name"))
        rules.check_rest_name(name, problems)
        file_spec = _pick(given["fileSpec"], old.get("file_spec"))
        rules.check_rest_file_spec(file_spec, problems)
        type_id = _pick(given["dataExtractTypeId"], old.get("type_id"))
        known_type = next(
            (t for _, t in rules.DATA_EXTRACT_TYPES if t.casefold() == (type_id or "").casefold()), None
        )
        if known_type is None:
            problems.append(rules.unknown_extract_type(type_id))
        key = _pick(given["key"] or None, old.get("customer_key")) or str(uuid.uuid4())
        self._check_key("data_extracts", "data extract", key, old.get("id"), problems)
        old_fields = json.loads(old["data_fields"]) if old and old.get("type_id") == known_type else None
        if known_type == rules.DATA_EXTENSION_EXTRACT_TYPE_ID:
            fields = rules.data_extension_extract_fields(
                body.get("dataFields"),
                old_fields,
                lambda de_key: self.store.data_extension_by_key(de_key) is not None,
                problems,
            )
        else:
            fields = rules.other_extract_fields(body.get("dataFields"), old_fields)
        interval = body.get("intervalType", old.get("interval_type", 0))
        if isinstance(interval, bool) or not isinstance(interval, int):
            problems.append((rules.REST_INVALID_VALUE, "intervalType must be an integer."))
        if problems:
            raise rules.rest_validation(problems)
        now = rules.rest_timestamp(rules.server_now())
        return {
            "id": old.get("id") or str(uuid.uuid4()),
            "customer_key": key,
            "name": name,
            "description": _pick(given["description"], old.get("description")) or "",
            "type_id": known_type,
            "file_spec": file_spec,
            "data_fields": json.dumps(fields),
            "interval_type": interval,
            "created_by": old.get("created_by", rules.REST_USER_ID),
            "modified_by": rules.REST_USER_ID,
            "created": old.get("created", now),
            "modified": now,
        }

    # -- file transfers -------------------------------------------------------------------------------------

    def _create_transfer(self, body: dict[str, Any], route: str) -> RestAnswer:
        with self.store.transaction():
            row = self._transfer_row(body, None)
            self.store.insert_rest_row("file_transfers", row)
        return _json(rules.REST_CREATED_STATUS, transfer_detail(row), route, 1, 1)

    def _update_transfer(self, object_id: str, body: dict[str, Any], route: str) -> RestAnswer:
        with self.store.transaction():
            current = self._existing("file_transfers", object_id)
            row = self._transfer_row(body, current)
            self.store.update_rest_row("file_transfers", row)
        return _json(200, transfer_detail(row), route, 1, 1)

    def _transfer_row(self, body: dict[str, Any], current: dict[str, Any] | None) -> dict[str, Any]:
        problems: list[tuple[int, str]] = []
        given = {name: rules.rest_text(body, name, problems) for name in _TRANSFER_TEXTS}
        old = current or {}
        name = _pick(given["name"], old.get("name"))
        rules.check_rest_name(name, problems)
        file_spec = _pick(given["fileSpec"], old.get("file_spec"))
        rules.check_rest_file_spec(file_spec, problems)
        location_id = _pick(given["fileTransferLocationId"], old.get("location_id"))
        location = filelocation.by_id(self.store, location_id or "")
        if location is None:
            problems.append(rules.unknown_file_location(location_id))
        key = _pick(given["customerKey"] or None, old.get("customer_key")) or str(uuid.uuid4())
        self._check_key("file_transfers", "file transfer", key, old.get("id"), problems)
        values: dict[str, Any] = {}
        for wire, column in _TRANSFER_FLAGS.items():
            flag = rules.rest_flag(body, wire, problems)
            values[column] = int(
                flag if flag is not None else old.get(column, rules.FILE_TRANSFER_DEFAULTS[wire])
            )
        for wire, column in _TRANSFER_NUMBERS.items():
            number = body.get(wire, old.get(column, rules.FILE_TRANSFER_DEFAULTS[wire]))
            if isinstance(number, bool) or not isinstance(number, int):
                problems.append((rules.REST_INVALID_VALUE, f"{wire} must be an integer."))
            values[column] = number
        if problems:
            raise rules.rest_validation(problems)
        now = rules.rest_timestamp(rules.server_now())
        return {
            "id": old.get("id") or str(uuid.uuid4()),
            "customer_key": key,
            "name": name,
            "description": _pick(given["description"], old.get("description")) or "",
            "file_spec": file_spec,
            "location_id": location.id if location else "",
            **values,
            "created": old.get("created", now),
            "modified": now,
        }

    def _check_key(
        self, table: RestTable, what: str, key: str, own_id: str | None, problems: list[tuple[int, str]]
    ) -> None:
        holder = self.store.rest_row_by_key(table, key)
        if holder is not None and (own_id is None or holder["id"].casefold() != own_id.casefold()):
            problems.append(rules.rest_key_exists(what, key))


_EXTRACT_TEXTS = ("name", "key", "description", "dataExtractTypeId", "fileSpec")
_TRANSFER_TEXTS = ("name", "customerKey", "description", "fileSpec", "fileTransferLocationId")
_TRANSFER_FLAGS = {
    "isUpload": "is_upload",
    "isEncrypted": "is_encrypted",
    "isCompressed": "is_compressed",
    "isPgp": "is_pgp",
    "isFileSpecLocalized": "is_file_spec_localized",
}
_TRANSFER_NUMBERS = {
    "maxFileAge": "max_file_age",
    "maxFileAgeScheduleOffset": "max_file_age_schedule_offset",
    "maxImportFrequency": "max_import_frequency",
}


def _pick(given: str | None, current: Any) -> Any:
    """A PATCH keeps what it does not send."""
    return given if given is not None else current


def _json_body(body: bytes) -> Any:
    try:
        return json.loads(body.decode("utf-8") or "null")
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise rules.rest_bad_json(str(error)) from None


def _object(body: bytes) -> dict[str, Any]:
    try:
        value = json.loads(body.decode("utf-8") or "{}")
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise rules.rest_bad_json(str(error)) from None
    if not isinstance(value, dict):
        raise rules.rest_bad_json(f"got {type(value).__name__}")
    return value


def _paging(query: dict[str, list[str]]) -> tuple[int, int]:
    def first(name: str) -> str | None:
        values = query.get(name)
        return values[0] if values else None

    return rules.rest_page(first("$page"), first("$pageSize"))
