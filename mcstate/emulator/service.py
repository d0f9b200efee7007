"""The SOAP operations: Create, Retrieve, Update, Delete and GetSystemStatus over per-type handlers.

Each object type is one ObjectHandler (see dataextension.py, datafolder.py); adding a type is adding a
handler to the registry. A handler reads its request objects, applies the service's rules (rules.py) to the
store, and lists its objects as flat rows for Retrieve; this module does the rest: batches, results,
OverallStatus, property checks, filters, projection and paging.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from mcstate.emulator import rules
from mcstate.emulator.codec import XSI_TYPE, RequestReadError, Writer, XNode, new_uuid
from mcstate.emulator.extract import extract as run_extract_request
from mcstate.emulator.files import FileArea
from mcstate.emulator.filters import FilterError, compile_filter, restricted_values
from mcstate.emulator.store import Store

if TYPE_CHECKING:
    from mcstate.emulator.enterprise import Enterprise

Row = dict[str, Any]
"""An object flattened for Retrieve: dotted property path -> value, plus KEY."""

KEY = "__key__"
"""The stable identity of a row, kept in Retrieve continuations."""


@dataclass
class Outcome:
    """What one object of a Create/Update/Delete came to."""

    message: str
    new_id: int = 0
    new_object_id: str | None = None
    object: dict[str, Any] | None = None


@dataclass
class PerformOutcome:
    """What a performed object came to: the message, the object echoed, and its task (TaskResult)."""

    message: str
    task: dict[str, Any] | None  # None: the answer has no Task (Automation)
    object: dict[str, Any] | None = None


class ObjectHandler:
    """One object type. By default it supports no operation; subclasses override what the type allows."""

    object_type = ""
    retrieve_properties: rules.RetrieveProperties | None = None

    def read(self, node: XNode, operation: str) -> Any:
        """Deserialize one request object (RequestReadError for what the service could not read)."""
        return node

    def create(self, store: Store, item: Any) -> Outcome:
        raise rules.unsupported_operation("Create", self.object_type)

    def update(self, store: Store, item: Any) -> Outcome:
        raise rules.unsupported_operation("Update", self.object_type)

    def delete(self, store: Store, item: Any) -> Outcome:
        raise rules.unsupported_operation("Delete", self.object_type)

    def perform(self, store: Store, item: Any, action: str, files: FileArea | None) -> PerformOutcome:
        raise rules.unsupported_operation("Perform", self.object_type)

    def update_add(self, store: Store, item: Any) -> Outcome:
        """Update with SaveOptions UpdateAdd (upsert). Emulator's choice: a type without upsert support
        ignores the option and updates."""
        return self.update(store, item)

    def update_children(self, store: Store, item: Any, container: str, action: str) -> Outcome:
        """Update with UpdateOptions Container and Action (DataExtension: Container DataExtensionField,
        Action DELETE drops the fields given). A type or container without such an action refuses it."""
        raise rules.unsupported_update_action(self.object_type, container, action)

    def bind(self, store: Store, argument: str) -> ObjectHandler | None:
        """The handler of Retrieve ObjectType '<type>[argument]' (the rows of one data extension); None when
        the type takes no argument or the argument names nothing."""
        return None

    nested_types: ClassVar[dict[str, str]] = {}
    """The concrete type of nested objects declared as a base type (FilterDefinition.DataSource is an
    APIObject that is a DataExtension): written with their xsi:type when a Retrieve asks for their parts."""

    def project(self, row: Mapping[str, Any], properties: Sequence[str]) -> dict[str, Any]:
        """A Retrieve result: only the requested properties that have a value, nested by dotted paths."""
        result: dict[str, Any] = {XSI_TYPE: self.object_type}
        for path, parents, last in self._paths(tuple(properties)):
            value = row.get(path)
            if value is None:
                continue
            target = result
            for part, nested_type in parents:
                target = target.setdefault(part, {XSI_TYPE: nested_type} if nested_type else {})
            target[last] = value
        return result

    # Bounded: the property lists come from requests. Handlers live as long as the process.
    @functools.lru_cache(maxsize=256)  # noqa: B019
    def _paths(
        self, properties: tuple[str, ...]
    ) -> tuple[tuple[str, tuple[tuple[str, str | None], ...], str], ...]:
        """Each property path as (path, its parents with their nested types, its last part)."""
        paths = []
        for path in properties:
            parts = path.split(".")
            parents = tuple(
                (part, self.nested_types.get(".".join(parts[:depth])))
                for depth, part in enumerate(parts[:-1], start=1)
            )
            paths.append((path, parents, parts[-1]))
        return tuple(paths)

    def rows(self, store: Store) -> list[Row]:
        """Every object of this type as a Retrieve row, in the order Retrieve returns them."""
        raise NotImplementedError

    def rows_by_keys(self, store: Store, keys: Sequence[str]) -> list[Row]:
        """The rows with the given keys (any order; objects deleted meanwhile are left out)."""
        wanted = set(keys)
        return [row for row in self.rows(store) if row[KEY] in wanted]

    indexed_properties: tuple[str, ...] = ()
    """Properties `rows_where` can look rows up by, so that a filter on them does not read every row."""

    def rows_where(self, store: Store, name: str, values: Sequence[str]) -> list[Row]:
        """The rows, in `rows` order, whose property `name` (one of indexed_properties) may equal one of
        `values`: at least every row that does, as the Retrieve filter still judges each."""
        raise NotImplementedError


class _Unsupported(ObjectHandler):
    """Stands for a WSDL type that has no handler: every operation answers the general error."""

    def __init__(self, object_type: str) -> None:
        self.object_type = object_type


@dataclass
class Response:
    """A response body and what the request log records about it."""

    body: str
    object_types: list[str] = field(default_factory=list)
    object_count: int = 0
    result_count: int = 0


Refusal = Callable[[int], "rules.ApiError | None"]
"""Injected failures of a write (faults.py): the error the object at a 0-based position fails with."""

_WRITE_RESPONSES = {"Create": "CreateResponse", "Update": "UpdateResponse", "Delete": "DeleteResponse"}


class Service:
    """The implemented SOAP operations of one account."""

    REQUEST_ELEMENTS: ClassVar[dict[str, str]] = {
        "Create": "CreateRequest",
        "Retrieve": "RetrieveRequestMsg",
        "Update": "UpdateRequest",
        "Delete": "DeleteRequest",
        "GetSystemStatus": "SystemStatusRequestMsg",
        "Perform": "PerformRequestMsg",
        "Extract": "ExtractRequestMsg",
    }
    """The operations this service implements and the Body element each expects."""

    def __init__(
        self,
        store: Store,
        writer: Writer,
        handlers: Iterable[ObjectHandler],
        files: FileArea | None = None,
        enterprise: Enterprise | None = None,
    ) -> None:
        self.store = store
        self.writer = writer
        self.handlers = {handler.object_type: handler for handler in handlers}
        self.files = files
        # The other business units, for QueryAllAccounts and ClientIDs (none: this one is all there is).
        self.enterprise = enterprise

    def handle(self, operation: str, body: XNode, refusal: Refusal | None = None) -> Response:
        if operation == "Retrieve":
            return self.retrieve(body)
        if operation == "GetSystemStatus":
            return self.system_status()
        if operation == "Perform":
            return self.perform(body)
        if operation == "Extract":
            return self.extract(body)
        return self.write(operation, body, refusal)

    # -- Extract ------------------------------------------------------------------------------------------

    def extract(self, body: XNode) -> Response:
        """Ad hoc extracts, one ExtractResult per request (emulator/extract.py)."""
        requests = body.all("Requests")
        if not requests:
            raise RequestReadError("The request specifies no Requests.")
        results = [run_extract_request(self.store, self.files, request) for request in requests]
        status = rules.overall_status([result["StatusCode"] == "OK" for result in results])
        body_xml = self.writer.element(
            "ExtractResponseMsg",
            {
                "OverallStatus": status,
                "RequestID": new_uuid(),
                "Results": [{"ExtractResult": result} for result in results],
            },
        )
        return Response(body_xml, ["ExtractRequest"], len(requests), len(results))

    # -- Perform ------------------------------------------------------------------------------------------

    def perform(self, body: XNode) -> Response:
        """Start (or otherwise act on) each Definition: a PerformResult with the object and its task."""
        action = (body.text_of("Action") or "").strip()
        container = body.get("Definitions")
        nodes = container.all("Definition") if container is not None else []
        if not nodes:
            raise RequestReadError("The request specifies no Definitions.")
        results: list[dict[str, Any]] = []
        successes: list[bool] = []
        for node in nodes:
            handler = self._handler(node.xsi_type)
            echo: dict[str, Any] = {XSI_TYPE: handler.object_type or "APIObject"}
            try:
                outcome = handler.perform(self.store, handler.read(node, "Perform"), action, self.files)
            except rules.ApiError as error:
                results.append(
                    {
                        "StatusCode": "Error",
                        "StatusMessage": error.message,
                        "ErrorCode": error.code,
                        "Object": echo,
                        "Task": {"StatusCode": "Error", "StatusMessage": error.message},
                    }
                )
                successes.append(False)
                continue
            results.append(
                {
                    "StatusCode": "OK",
                    "StatusMessage": outcome.message,
                    "Object": outcome.object or echo,
                    "Task": outcome.task,
                }
            )
            successes.append(True)
        status = rules.overall_status(successes)
        body_xml = self.writer.element(
            "PerformResponseMsg",
            {
                "Results": {"Result": results},
                "OverallStatus": status,
                "OverallStatusMessage": "",
                "RequestID": new_uuid(),
            },
        )
        types = sorted({node.xsi_type or "APIObject" for node in nodes})
        return Response(body_xml, types, len(nodes), len(results))

    # -- Create / Update / Delete -------------------------------------------------------------------------

    def _handler(self, object_type: str | None) -> ObjectHandler:
        name = object_type or "APIObject"
        return self.handlers.get(name) or _Unsupported(name)

    def write(self, operation: str, body: XNode, refusal: Refusal | None = None) -> Response:
        element = _WRITE_RESPONSES[operation]
        objects = body.all("Objects")
        if not objects:
            raise RequestReadError("The request specifies no Objects.")
        options = body.get("Options")
        upsert = _upsert_types(options) if operation == "Update" else set()
        container, action = _container_action(options) if operation == "Update" else ("", "")
        prepared = []
        for node in objects:
            handler = self._handler(node.xsi_type)
            prepared.append((handler, handler.read(node, operation)))
        results: list[dict[str, Any]] = []
        successes: list[bool] = []
        for ordinal, (handler, item) in enumerate(prepared):
            result: dict[str, Any] = {"OrdinalID": ordinal}
            try:
                refused = refusal(ordinal) if refusal is not None else None
                if refused is not None:
                    raise refused
                method = operation.lower()
                if upsert & {"*", handler.object_type}:
                    method = "update_add"
                with self.store.transaction():
                    if action:
                        outcome = handler.update_children(self.store, item, container, action)
                    else:
                        outcome = getattr(handler, method)(self.store, item)
            except rules.ApiError as error:
                result.update(StatusCode="Error", StatusMessage=error.message, ErrorCode=error.code)
                if operation == "Create":
                    result["NewID"] = 0
                successes.append(False)
            else:
                result.update(StatusCode="OK", StatusMessage=outcome.message)
                if operation == "Create":
                    result["NewID"] = outcome.new_id
                    if outcome.new_object_id:
                        result["NewObjectID"] = outcome.new_object_id
                if outcome.object is not None:
                    result["Object"] = outcome.object
                successes.append(True)
            results.append(result)
        body_xml = self.writer.element(
            element,
            {"Results": results, "RequestID": new_uuid(), "OverallStatus": rules.overall_status(successes)},
        )
        types = sorted({node.xsi_type or "APIObject" for node in objects})
        return Response(body_xml, types, len(objects), len(results))

    # -- Retrieve -----------------------------------------------------------------------------------------

    def retrieve(self, body: XNode) -> Response:
        request = body.get("RetrieveRequest") or XNode("RetrieveRequest", None, "")
        object_type = (request.text_of("ObjectType") or "").strip()
        continuation = (request.text_of("ContinueRequest") or "").strip()
        batch_size = None
        options = request.get("Options")
        if options is not None:
            batch_size = options.int_of("BatchSize")
        if continuation:
            status, request_id, results, object_type = self._continue(continuation)
        else:
            status, request_id, results = self._first_page(request, object_type, batch_size)
        values: dict[str, Any] = {"OverallStatus": status, "RequestID": request_id}
        if results:
            values["Results"] = results
        body_xml = self.writer.element("RetrieveResponseMsg", values)
        return Response(body_xml, [object_type] if object_type else [], 0, len(results))

    def _first_page(
        self, request: XNode, object_type: str, batch_size: int | None
    ) -> tuple[str, str, list[dict[str, Any]]]:
        request_id = new_uuid()
        handler = self._retrieve_handler(object_type)
        if handler is None or handler.retrieve_properties is None:
            return rules.unknown_object_type(object_type), request_id, []
        spec = handler.retrieve_properties
        properties = [
            text.strip() for text in (node.text for node in request.all("Properties")) if text.strip()
        ]
        if not properties:
            return rules.no_properties(object_type), request_id, []
        unknown = [name for name in properties if name not in spec.retrievable]
        if unknown:
            return rules.unknown_properties(object_type, unknown), request_id, []
        filter_node = request.get("Filter")
        try:
            predicate = compile_filter(filter_node, spec, object_type) if filter_node is not None else None
        except FilterError as error:
            return str(error), request_id, []
        query_all = (request.text_of("QueryAllAccounts") or "").strip().casefold() in ("true", "1")
        stores = self._stores_read(handler, query_all, _client_ids(request))
        rows: list[Row] = []
        for store in stores:
            found = self._candidate_rows(handler, filter_node, store)
            if store is not self.store:
                found = [self._from_other_unit(handler, row, store) for row in found]
            rows += found
        if predicate is not None:
            rows = [row for row in rows if predicate(row)]
        if query_all and "Client.ID" in spec.retrievable and "Client.ID" not in properties:
            # Results of every business unit say which one each comes from (Client/ID), as recorded.
            properties = ["Client.ID", *properties]
        size = rules.page_size(batch_size)
        page = rows[:size]
        if len(rows) > size:
            self.store.save_continuation(
                request_id, object_type, properties, [row[KEY] for row in rows], size, size
            )
            status = rules.MORE_DATA_AVAILABLE
        else:
            status = rules.OVERALL_OK
        return status, request_id, [handler.project(row, properties) for row in page]

    def _stores_read(self, handler: ObjectHandler, query_all: bool, client_ids: set[int]) -> list[Store]:
        """The business units a Retrieve reads: every one with QueryAllAccounts, those of its ClientIDs in
        reach, else this one (rules.QUERY_ALL_ACCOUNTS_READS_ENTERPRISE, rules.CLIENT_IDS_REACH_CHILDREN).
        The rows of one data extension (DataExtensionObject[key]) are always this business unit's."""
        bound = self.handlers.get(handler.object_type) is not handler
        if self.enterprise is None or bound:
            if client_ids and not query_all and self.store.mid not in client_ids:
                return []
            return [self.store]
        if query_all:
            return [unit.store for unit in self.enterprise.units()]
        if client_ids:
            reachable = self.enterprise.reachable(self.store.mid)
            return [unit.store for unit in reachable if unit.mid in client_ids]
        return [self.store]

    def _from_other_unit(self, handler: ObjectHandler, row: Row, store: Store) -> Row:
        """A row of another business unit as this one reads it: its continuation key naming its business
        unit, and, for a child reading another business unit's fields, no ObjectID
        (SEMANTICS §6.1: field ObjectIDs of shared data extensions come back only in the parent)."""
        changed = {**row, KEY: f"{_OTHER_UNIT}{store.mid}:{row[KEY]}"}
        if handler.object_type == "DataExtensionField" and not self.store.unit.is_parent:
            changed["ObjectID"] = None
        return changed

    def _keys_by_unit(self, keys: Sequence[str]) -> dict[Store, list[str]]:
        """Continuation keys by the business unit whose rows they name (see _from_other_unit)."""
        grouped: dict[Store, list[str]] = {}
        for key in keys:
            store, own_key = self.store, key
            if key.startswith(_OTHER_UNIT) and self.enterprise is not None:
                mid, _, own_key = key[len(_OTHER_UNIT) :].partition(":")
                unit = self.enterprise.unit(int(mid))
                if unit is None:
                    continue
                store = unit.store
            grouped.setdefault(store, []).append(own_key)
        return grouped

    def _candidate_rows(self, handler: ObjectHandler, filter_node: XNode | None, store: Store) -> list[Row]:
        """Every row, or only those a filter on an indexed property can match (a large account's Retrieve
        of a few objects then costs what it costs the service, not a scan of everything)."""
        for name in handler.indexed_properties if filter_node is not None else ():
            values = restricted_values(filter_node, name) if filter_node is not None else None
            if values is not None:
                with store.transaction():
                    rows = handler.rows_where(store, name, values)
                return _in_unit(handler, rows, store)
        with store.transaction():
            rows = handler.rows(store)
        return _in_unit(handler, rows, store)

    def _continue(self, request_id: str) -> tuple[str, str, list[dict[str, Any]], str]:
        state = self.store.continuation(request_id)
        if state is None:
            return rules.unknown_continuation(request_id), new_uuid(), [], ""
        object_type, properties, keys, position, size = state
        handler = self._retrieve_handler(object_type)
        if handler is None:
            self.store.delete_continuation(request_id)
            return rules.unknown_object_type(object_type), new_uuid(), [], object_type
        chunk = keys[position : position + size]
        end = position + len(chunk)
        if end >= len(keys):
            self.store.delete_continuation(request_id)
            status = rules.OVERALL_OK
        else:
            self.store.advance_continuation(request_id, position, end)
            status = rules.MORE_DATA_AVAILABLE
        found: dict[str, Row] = {}
        for store, keys_there in self._keys_by_unit(chunk).items():
            with store.transaction():
                rows_there = _in_unit(handler, handler.rows_by_keys(store, keys_there), store)
            for row in rows_there:
                if store is not self.store:
                    row = self._from_other_unit(handler, row, store)
                found[str(row[KEY])] = row
        rows = [found[key] for key in chunk if key in found]
        page_id = request_id if rules.CONTINUATION_KEEPS_REQUEST_ID else new_uuid()
        return status, page_id, [handler.project(row, properties) for row in rows], object_type

    def _retrieve_handler(self, object_type: str) -> ObjectHandler | None:
        """The handler of a Retrieve ObjectType: a type name, or '<type>[argument]' for a type that takes
        one (DataExtensionObject[<data extension key>])."""
        handler = self.handlers.get(object_type)
        if handler is not None:
            return handler
        name, bracket, rest = object_type.partition("[")
        family = self.handlers.get(name)
        if family is None or not bracket or not rest.endswith("]"):
            return None
        with self.store.transaction():
            return family.bind(self.store, rest[:-1])

    # -- GetSystemStatus ----------------------------------------------------------------------------------

    def system_status(self) -> Response:
        body_xml = self.writer.element(
            "SystemStatusResponseMsg",
            {
                "Results": {
                    "Result": [
                        {"StatusCode": "OK", "StatusMessage": "System Status Retrieved", "SystemStatus": "OK"}
                    ]
                },
                "OverallStatus": rules.OVERALL_OK,
                "OverallStatusMessage": "",
                "RequestID": new_uuid(),
            },
        )
        return Response(body_xml, [], 0, 1)


# The keys of rows of another business unit (in continuations): "<prefix><MID>:<key>".
_OTHER_UNIT = "\x1fbu:"


def _in_unit(handler: ObjectHandler, rows: list[Row], store: Store) -> list[Row]:
    """Rows with the Client/ID of the business unit whose store they come from, for the types that answer
    one: the service knows which business unit it reads, the handlers do not. Handlers build their rows
    afresh for every call, so they are completed in place."""
    spec = handler.retrieve_properties
    if spec is not None and "Client.ID" in spec.retrievable:
        for row in rows:
            row["Client.ID"] = store.mid
    return rows


def _client_ids(request: XNode) -> set[int]:
    """The business units a Retrieve names in ClientIDs (ID, or the deprecated ClientID), or in
    Options/Client/ID (SEMANTICS §3: either narrows the call to a child business unit)."""
    found = set()
    options = request.get("Options")
    named = [*request.all("ClientIDs"), *(options.all("Client") if options is not None else [])]
    for client in named:
        for name in ("ID", "ClientID"):
            text = (client.text_of(name) or "").strip()
            if text:
                try:
                    found.add(int(text))
                except ValueError:
                    raise RequestReadError("Input string was not in a correct format.") from None
    return found


def _upsert_types(options: XNode | None) -> set[str]:
    """The PropertyNames of Options/SaveOptions/SaveOption with SaveAction UpdateAdd ('*' or a type name):
    an Update of those types adds the objects it does not find. A SaveAction outside the WSDL's enumeration
    cannot be deserialized."""
    saves = options.get("SaveOptions") if options is not None else None
    if saves is None:
        return set()
    found = set()
    for option in saves.all("SaveOption"):
        save_action = (option.text_of("SaveAction") or "").strip()
        if save_action not in rules.SAVE_ACTIONS:
            raise RequestReadError(
                f"Instance validation error: '{save_action}' is not a valid value for SaveAction."
            )
        if save_action == "UpdateAdd":
            found.add((option.text_of("PropertyName") or "").strip())
    return found


def _container_action(options: XNode | None) -> tuple[str, str]:
    """UpdateOptions Container and Action ('' when absent)."""
    if options is None:
        return "", ""
    return (options.text_of("Container") or "").strip(), (options.text_of("Action") or "").strip()
