"""The emulator as a WSGI application: token endpoint, SOAP endpoint, WSDL, and admin endpoints.

Routes (paths case-insensitive, as on the real IIS host):

* ``POST /v2/token`` - OAuth client credentials; ``account_id`` selects the business unit (enterprise.py).
* ``POST /Service.asmx`` - the SOAP API (token in the ``fueloauth`` header).
* ``GET /etframework.wsdl`` - mcstate's WSDL, addressed to this server; its XSD files beside it.
* ``/automation/...``, ``/data/...`` - the REST API (Bearer token), answered by rest.py.
* ``/_emulator/...`` - admin endpoints for tests and tooling, not part of the real API and not logged:
  ``POST reset`` (every business unit), ``PUT dataextensions/<customer key>/rows`` with ``{"count": N}``
  (``?mid=`` names a child business unit, here and for loading rows),
  ``GET requests`` (each with its request and response body sizes and the MID of its business unit) and
  ``DELETE requests``;
  ``GET|PUT|DELETE faults`` (the fault profile as JSON, see faults.py; GET also lists the faults played so
  far).
"""

from __future__ import annotations

import json
import sys
import time
import traceback
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http import HTTPStatus
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs
from xml.sax.saxutils import escape

from lxml import etree

from mcstate.emulator import admin, rules
from mcstate.emulator.activities import DataExtractActivityHandler, FileTransferActivityHandler
from mcstate.emulator.asyncactivitystatus import AsyncActivityStatusHandler
from mcstate.emulator.auth import Tokens
from mcstate.emulator.automation import AutomationHandler
from mcstate.emulator.automationinstance import AutomationInstanceHandler
from mcstate.emulator.codec import (
    SOAP_ENV_NS,
    WSA_FAULT_ACTION,
    WSSE_NS,
    XSI_NS,
    RequestReadError,
    Writer,
    envelope,
    fault,
    read_envelope,
)
from mcstate.emulator.dataextension import DataExtensionFieldHandler, DataExtensionHandler
from mcstate.emulator.dataextensionobject import DataExtensionObjectHandler
from mcstate.emulator.datafolder import DataFolderHandler
from mcstate.emulator.enterprise import Enterprise
from mcstate.emulator.faults import (
    NO_FAULTS,
    Call,
    ConnectionDropped,
    Decision,
    FaultInjector,
    Profile,
    parse_profile,
)
from mcstate.emulator.files import FileArea, default_files_path
from mcstate.emulator.filteractivity import FilterActivityHandler
from mcstate.emulator.filterdefinition import FilterDefinitionHandler
from mcstate.emulator.importdefinition import ImportDefinitionHandler, ImportResultsSummaryHandler
from mcstate.emulator.querydefinition import QueryDefinitionHandler
from mcstate.emulator.rest import PREFIXES as REST_PREFIXES
from mcstate.emulator.rest import RestApi
from mcstate.emulator.run import clock
from mcstate.emulator.run.automations import run_due
from mcstate.emulator.run.retention import apply_retention
from mcstate.emulator.schema import default_wsdl_path, load_schema
from mcstate.emulator.service import ObjectHandler, Service
from mcstate.emulator.store import Store

StartResponse = Callable[..., Any]
Environ = dict[str, Any]

SOAP_CONTENT_TYPE = "text/xml; charset=utf-8"
JSON_CONTENT_TYPE = "application/json; charset=utf-8"
SOAP_ADDRESS = "{http://schemas.xmlsoap.org/wsdl/soap/}address"
APIFAULT_NS = "urn:fault.partner.exacttarget.com"
DROP_CONNECTION = "mcstate.drop_connection"
"""WSGI environ key of a callable the HTTP server provides to reset the client's connection (server.py)."""

ADMIN_PREFIX = "/_emulator/"


def default_handlers() -> list[ObjectHandler]:
    """The object types the emulator serves."""
    return [
        DataExtensionHandler(),
        DataExtensionFieldHandler(),
        DataExtensionObjectHandler(),
        DataFolderHandler(),
        ImportDefinitionHandler(),
        ImportResultsSummaryHandler(),
        DataExtractActivityHandler(),
        FileTransferActivityHandler(),
        QueryDefinitionHandler(),
        AsyncActivityStatusHandler(),
        FilterDefinitionHandler(),
        FilterActivityHandler(),
        AutomationHandler(),
        AutomationInstanceHandler(),
    ]


@dataclass
class _Reply:
    status: int
    body: bytes
    content_type: str
    operation: str | None = None
    object_types: list[str] = field(default_factory=list)
    object_count: int = 0
    result_count: int = 0
    row_targets: list[str] = field(default_factory=list)
    mid: int | None = None  # the business unit the call went to


def _json(status: int, value: Any, **log: Any) -> _Reply:
    return _Reply(status, json.dumps(value).encode(), JSON_CONTENT_TYPE, **log)


def _text(status: int, text: str) -> _Reply:
    return _Reply(status, text.encode(), "text/plain; charset=utf-8")


def base_url(environ: Environ) -> str:
    """This server's address as the client reached it, with a trailing slash."""
    scheme = environ.get("wsgi.url_scheme", "http")
    host = environ.get("HTTP_HOST")
    if not host:
        host = environ.get("SERVER_NAME", "localhost")
        port = str(environ.get("SERVER_PORT", ""))
        if port and port != ("443" if scheme == "https" else "80"):
            host = f"{host}:{port}"
    script = environ.get("SCRIPT_NAME", "").rstrip("/")
    return f"{scheme}://{host}{script}/"


def _content_length(environ: Environ) -> int:
    """The size of the request body as the client announced it (0 when it announced none)."""
    try:
        return max(int(environ.get("CONTENT_LENGTH") or 0), 0)
    except ValueError:
        return 0


def _read_body(environ: Environ) -> bytes:
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    stream = environ.get("wsgi.input")
    if stream is None or length <= 0:
        return b""
    return bytes(stream.read(length))


def _path(environ: Environ) -> str:
    """PATH_INFO as text: WSGI hands it over as latin-1-decoded bytes."""
    raw = environ.get("PATH_INFO", "") or "/"
    try:
        return raw.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return raw


class EmulatorApp:
    """The emulated Marketing Cloud tenant, persisted in ``db_path``.

    Any client id and secret get a token unless ``client_id``/``client_secret`` are given; tokens announce
    and last ``token_lifetime`` seconds. ``wsdl`` overrides the WSDL the wire format is driven by (mcstate's
    own by default). ``faults`` is the fault profile played from the start (faults.py; none by default).
    """

    def __init__(
        self,
        db_path: Path,
        *,
        client_id: str | None = None,
        client_secret: str | None = None,
        token_lifetime: int = 1079,
        wsdl: Path | None = None,
        faults: Profile | None = None,
        files: Path | None = None,
    ) -> None:
        self.db_path = Path(db_path)
        self.store = Store(self.db_path)
        self.files = FileArea(files if files is not None else default_files_path(self.db_path))
        self.wsdl_path = Path(wsdl) if wsdl is not None else default_wsdl_path()
        self.schema = load_schema(self.wsdl_path)
        self.writer = Writer(self.schema)
        self.enterprise = Enterprise(self.store, self.files)
        self.tokens = Tokens(
            self.store,
            client_id,
            client_secret,
            token_lifetime,
            business_unit=lambda mid: self.enterprise.unit(mid) is not None,
        )
        self._services: dict[int, Service] = {}
        self._rests: dict[int, RestApi] = {}
        # The parent business unit's (the account's, when the enterprise has no children).
        self.service = self.service_of(self.store.mid)
        self.rest = self._rest_of(self.store.mid)
        self.faults = FaultInjector(faults or NO_FAULTS)

    def close(self) -> None:
        self.enterprise.close()
        self.store.close()

    def service_of(self, mid: int) -> Service:
        """The SOAP service of a business unit of the enterprise."""
        if mid not in self._services:
            unit = self.enterprise.unit(mid) or self.enterprise.parent
            handlers = default_handlers()
            self._services[mid] = Service(unit.store, self.writer, handlers, unit.files, self.enterprise)
        return self._services[mid]

    def _rest_of(self, mid: int) -> RestApi:
        if mid not in self._rests:
            unit = self.enterprise.unit(mid) or self.enterprise.parent
            self._rests[mid] = RestApi(unit.store, self.tokens)
        return self._rests[mid]

    def __call__(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        method = environ.get("REQUEST_METHOD", "GET").upper()
        path = _path(environ)
        if path.startswith(ADMIN_PREFIX):
            reply = self._admin(method, path[len(ADMIN_PREFIX) :], environ)
        else:
            try:
                reply = self._route(method, path, environ)
            except _Dropped as dropped:
                self._log(method, path, dropped.reply, _content_length(environ))
                drop = environ.get(DROP_CONNECTION)
                if callable(drop):
                    drop()
                raise ConnectionDropped("connection reset by the fault profile") from None
            except Exception:
                # A defect of the emulator: the client still gets the wire format of the route (a
                # recognisable server fault), the traceback goes to the emulator's own error stream.
                traceback.print_exc(file=sys.stderr)
                reply = self._internal_error(path)
            self._log(method, path, reply, _content_length(environ))
        status = HTTPStatus(reply.status)
        start_response(
            f"{status.value} {status.phrase}",
            [("Content-Type", reply.content_type), ("Content-Length", str(len(reply.body)))],
        )
        return [reply.body]

    def _log(self, method: str, path: str, reply: _Reply, request_bytes: int) -> None:
        self.store.log_request(
            method=method,
            path=path,
            status=reply.status,
            operation=reply.operation,
            object_types=reply.object_types,
            object_count=reply.object_count,
            result_count=reply.result_count,
            request_bytes=request_bytes,
            response_bytes=len(reply.body),
            row_targets=reply.row_targets,
            mid=reply.mid,
        )

    # -- routing ------------------------------------------------------------------------------------------

    def _route(self, method: str, path: str, environ: Environ) -> _Reply:
        lowered = path.lower()
        if lowered == "/v2/token":
            if method != "POST":
                return _json(405, rules.oauth_error("invalid_request", "Use POST."), operation="/v2/token")
            decision = self._decide(Call("token", "Token"), "/v2/token")
            if decision.effect == "server_fault":
                return _json(500, rules.REST_SERVER_ERROR, operation="/v2/token")
            status, answer = self.tokens.issue(_read_body(environ), base_url(environ))
            issued = self.tokens.business_unit_of(str(answer["access_token"])) if status == 200 else None
            return self._after(decision, _json(status, answer, operation="/v2/token", mid=issued))
        if lowered == "/service.asmx":
            if method != "POST":
                return _Reply(405, fault("soap:Client", rules.SOAP_POST_ONLY), SOAP_CONTENT_TYPE)
            return self._soap(environ)
        if method == "GET" and lowered == "/etframework.wsdl":
            return self._wsdl(environ)
        if method == "GET" and lowered.endswith(".xsd") and lowered.count("/") == 1:
            return self._xsd(lowered[1:])
        if lowered.startswith(REST_PREFIXES):
            return self._rest(method, path, environ)
        return _json(404, {"message": f"No resource answers {method} {path}.", "errorcode": 404})

    def _rest(self, method: str, path: str, environ: Environ) -> _Reply:
        # Logged with the HTTP method as the operation and the route as the object type.
        decision = self._decide(Call("rest", method, path=path), method)
        if decision.effect == "server_fault":
            return _json(500, rules.REST_SERVER_ERROR, operation=method)
        if decision.effect == "rate_limited":
            return _json(429, rules.REST_RATE_LIMITED, operation=method)
        if decision.effect == "token_expired":
            return _json(401, rules.REST_NOT_AUTHORIZED, operation=method)
        scheme, _, token = str(environ.get("HTTP_AUTHORIZATION", "")).strip().partition(" ")
        mid = self.tokens.business_unit_of(token) if scheme.casefold() == "bearer" else self.store.mid
        answer = self._rest_of(mid).handle(
            method,
            path,
            str(environ.get("QUERY_STRING", "")),
            str(environ.get("HTTP_AUTHORIZATION", "")),
            _read_body(environ),
        )
        routes = [answer.route] if answer.route else []
        reply = _Reply(
            answer.status,
            answer.body,
            answer.content_type,
            method,
            routes,
            answer.object_count,
            answer.result_count,
            mid=mid,
        )
        return self._after(decision, reply)

    def _internal_error(self, path: str) -> _Reply:
        if path.lower() == "/service.asmx":
            return self._fault("soap:Server", rules.INTERNAL_ERROR)
        return _json(500, {"message": rules.INTERNAL_ERROR, "errorcode": 0})

    def _wsdl(self, environ: Environ) -> _Reply:
        tree = etree.parse(str(self.wsdl_path), etree.XMLParser(no_network=True))
        for address in tree.iter(SOAP_ADDRESS):
            address.set("location", f"{base_url(environ)}Service.asmx")
        body = etree.tostring(tree, xml_declaration=True, encoding="utf-8")
        return _Reply(200, body, SOAP_CONTENT_TYPE, operation="/etframework.wsdl")

    def _xsd(self, name: str) -> _Reply:
        for candidate in self.wsdl_path.parent.iterdir():
            if candidate.name.lower() == name and candidate.is_file():
                return _Reply(200, candidate.read_bytes(), SOAP_CONTENT_TYPE, operation=f"/{candidate.name}")
        return _text(404, "Not Found")

    # -- SOAP ---------------------------------------------------------------------------------------------

    def _soap(self, environ: Environ) -> _Reply:
        actor = f"{base_url(environ)}Service.asmx"
        content_type = str(environ.get("CONTENT_TYPE") or "").split(";")[0].strip().casefold()
        if content_type not in rules.SOAP_CONTENT_TYPES:
            _read_body(environ)
            return self._fault("soap:Client", rules.unsupported_content_type(content_type))
        try:
            request = read_envelope(_read_body(environ))
        except RequestReadError as error:
            return self._fault("soap:Client", rules.unreadable_request(str(error)))
        if request.envelope_namespace != rules.SOAP_11_ENVELOPE_NS:
            return self._fault("soap:VersionMismatch", rules.version_mismatch(request.envelope_namespace))
        relates_to = request.message_id
        refusal = self.tokens.check_soap(request.headers)
        if refusal is not None:
            body = fault(
                "q0:Security", refusal, relates_to=relates_to, actor=actor, code_namespace=("q0", WSSE_NS)
            )
            return _Reply(500, body, SOAP_CONTENT_TYPE)
        raw_action = str(environ.get("HTTP_SOAPACTION", "")).strip().strip('"').strip()
        action = (
            raw_action
            or self._addressing_action(request.headers)
            or self._action_from_body(request.body_name)
        )
        operation = next((name for name in rules.KNOWN_OPERATIONS if name.lower() == action.lower()), None)
        if operation is None:
            return self._fault("soap:Client", rules.unrecognized_action(action), relates_to)
        object_types, object_count = _soap_objects(request.body_element)
        decision = self._decide(Call("soap", operation, object_types, object_count), operation, object_types)
        if decision.effect == "server_fault":
            return self._server_busy(relates_to, actor, operation)
        if decision.effect == "token_expired":
            expired = fault(
                "q0:Security",
                decision.message,
                relates_to=relates_to,
                actor=actor,
                code_namespace=("q0", WSSE_NS),
            )
            return _Reply(500, expired, SOAP_CONTENT_TYPE, operation, object_types)
        if operation not in Service.REQUEST_ELEMENTS:
            return self._fault("soap:Client", rules.unavailable_operation(operation), relates_to, operation)
        expected = Service.REQUEST_ELEMENTS[operation]
        try:
            if request.body_name != expected:
                namespace = (
                    "" if request.body_element is None else etree.QName(request.body_element).namespace
                )
                raise RequestReadError(f"<{request.body_name} xmlns='{namespace or ''}'> was not expected.")
            refusal = _refusal(decision, operation)
            mid = self.tokens.soap_business_unit(request.headers)
            response = self.service_of(mid).handle(operation, request.body(self.schema), refusal)
        except RequestReadError as error:
            return self._fault("soap:Client", rules.unreadable_request(str(error)), relates_to, operation)
        reply = _Reply(
            200,
            envelope(f"{operation}Response", response.body, relates_to),
            SOAP_CONTENT_TYPE,
            operation,
            response.object_types,
            response.object_count,
            response.result_count,
            _row_targets(request.body_element),
            mid,
        )
        return self._after(decision, reply)

    # -- injected faults -----------------------------------------------------------------------------------

    def _decide(self, call: Call, operation: str, object_types: list[str] | None = None) -> Decision:
        """The fault profile's decision for this call, after its delay; a reset before anything is done is
        played here."""
        decision = self.faults.decide(call)
        if decision.delay > 0:
            time.sleep(decision.delay)
        if decision.effect == "reset_before":
            raise _Dropped(_Reply(0, b"", SOAP_CONTENT_TYPE, operation, list(object_types or [])))
        return decision

    @staticmethod
    def _after(decision: Decision, reply: _Reply) -> _Reply:
        """The reply, unless the profile resets the connection after the call was carried out."""
        if decision.effect == "reset_after":
            raise _Dropped(reply)
        return reply

    @staticmethod
    def _server_busy(relates_to: str | None, actor: str, operation: str) -> _Reply:
        """The soap:Server fault with an apifault detail that the service answers when it sheds load."""
        body = (
            "<soap:Fault><faultcode>soap:Server</faultcode>"
            f"<faultstring>{escape(rules.SERVER_BUSY_MESSAGE)}</faultstring>"
            f"<faultactor>{escape(actor)}</faultactor>"
            f'<detail><apifault xmlns="{APIFAULT_NS}"><Code>{rules.SERVER_BUSY_CODE}</Code>'
            f"<Message>{escape(rules.SERVER_BUSY_MESSAGE)}</Message></apifault></detail></soap:Fault>"
        )
        return _Reply(500, envelope(WSA_FAULT_ACTION, body, relates_to), SOAP_CONTENT_TYPE, operation)

    @staticmethod
    def _fault(
        code: str, message: str, relates_to: str | None = None, operation: str | None = None
    ) -> _Reply:
        return _Reply(500, fault(code, message, relates_to=relates_to), SOAP_CONTENT_TYPE, operation)

    @staticmethod
    def _addressing_action(headers: list[etree._Element]) -> str:
        for header in headers:
            if etree.QName(header).localname == "Action" and etree.QName(header).namespace != SOAP_ENV_NS:
                return (header.text or "").strip().rsplit("/", 1)[-1]
        return ""

    @staticmethod
    def _action_from_body(body_name: str | None) -> str:
        for operation, element in Service.REQUEST_ELEMENTS.items():
            if element == body_name:
                return operation
        return body_name or ""

    # -- admin --------------------------------------------------------------------------------------------

    def _admin(self, method: str, route: str, environ: Environ) -> _Reply:
        parts = route.strip("/").split("/")
        if parts == ["reset"] and method == "POST":
            for unit in self.enterprise.units():
                unit.store.reset()
            return _json(200, {"status": "ok"})
        if parts == ["requests"] and method == "GET":
            return _json(200, self.store.requests())
        if parts == ["faults"]:
            return self._admin_faults(method, environ)
        if parts == ["requests"] and method == "DELETE":
            self.store.clear_requests()
            return _json(200, {"status": "ok"})
        if parts == ["clock"]:
            return self._admin_clock(method, environ)
        if len(parts) >= 3 and parts[0] in ("dataextensions", "dataviews") and parts[-1] == "rows":
            store = self._admin_store(environ)
            if store is None:
                return _json(404, {"error": "No business unit of the enterprise has that mid."})
            if method == "POST":
                return self._admin_load(store, parts[0], "/".join(parts[1:-1]), environ)
            if method != "PUT" or parts[0] != "dataextensions":
                return _json(405, {"error": f"Use POST (or PUT with a count) on {ADMIN_PREFIX}{route}."})
            customer_key = "/".join(parts[1:-1])
            try:
                payload = json.loads(_read_body(environ).decode("utf-8"))
                count = payload["count"]
                if isinstance(count, bool) or not isinstance(count, int) or count < 0:
                    raise ValueError(count)
            except (ValueError, KeyError, TypeError, UnicodeDecodeError):
                return _json(400, {"error": 'Send {"count": N} with N a non-negative integer.'})
            if not store.set_row_count(customer_key, count):
                return _json(404, {"error": f"No data extension has the CustomerKey {customer_key}."})
            return _json(200, {"customer_key": customer_key, "count": count})
        return _json(404, {"error": f"Unknown admin endpoint {method} {ADMIN_PREFIX}{route}"})

    def _admin_clock(self, method: str, environ: Environ) -> _Reply:
        if method == "GET":
            return _json(200, admin.clock_state(self.store))
        if method != "PUT":
            return _json(405, {"error": "Use GET or PUT on /_emulator/clock."})
        try:
            body = json.loads(_read_body(environ).decode("utf-8") or "null")
            if not isinstance(body, dict):
                raise admin.AdminError('Send {"now": "YYYY-MM-DDThh:mm:ss"} or {"advance": seconds}.')
            before = clock.now(self.store)
            state = admin.set_clock(self.store, body)
            after = clock.now(self.store)
            if after > before:
                # Moving the clock on runs the scheduled automations whose time has come, and retention.
                state["ran"] = []
                state["retention"] = {}
                for unit in self.enterprise.units():
                    ran = run_due(unit.store, unit.files, before, after)
                    state["ran"] += [instance["id"] for instance in ran]
                    state["retention"] |= apply_retention(unit.store, after)
            return _json(200, state)
        except (ValueError, UnicodeDecodeError) as error:
            return _json(400, {"error": str(error)})

    def _admin_store(self, environ: Environ) -> Store | None:
        """The store of the business unit an admin call names with ?mid= (the parent's by default)."""
        given = parse_qs(str(environ.get("QUERY_STRING", ""))).get("mid", [""])[0].strip()
        if not given:
            return self.store
        unit = self.enterprise.unit(int(given)) if given.isdigit() else None
        return unit.store if unit is not None else None

    def _admin_load(self, store: Store, kind: str, name: str, environ: Environ) -> _Reply:
        """POST CSV (with a header line) or a JSON list of rows; ?replace=true drops the rows before."""
        replace = parse_qs(str(environ.get("QUERY_STRING", ""))).get("replace", ["false"])[0] == "true"
        try:
            rows = admin.records(_read_body(environ), str(environ.get("CONTENT_TYPE", "")))
            if kind == "dataviews":
                count = admin.load_data_view(store, name, rows, replace=replace)
            else:
                count = admin.load_rows(store, name, rows, replace=replace)
        except admin.AdminError as error:
            return _json(400, {"error": str(error)})
        except LookupError as error:
            return _json(404, {"error": str(error.args[0])})
        return _json(200, {"name": name, "loaded": count})

    def _admin_faults(self, method: str, environ: Environ) -> _Reply:
        if method == "GET":
            return _json(200, self.faults.state())
        if method == "DELETE":
            self.faults.replace(NO_FAULTS)
            return _json(200, self.faults.state())
        if method == "PUT":
            try:
                profile = parse_profile(json.loads(_read_body(environ).decode("utf-8") or "null"), "profile")
            except (ValueError, UnicodeDecodeError) as error:
                # ProfileError is a ValueError, and so is a body that is not JSON.
                return _json(400, {"error": str(error)})
            self.faults.replace(profile)
            return _json(200, self.faults.state())
        return _json(405, {"error": "Use GET, PUT or DELETE on /_emulator/faults."})


class _Dropped(Exception):
    """The connection is to be reset; `reply` is what the request log records (status 0: no answer)."""

    def __init__(self, reply: _Reply) -> None:
        super().__init__("connection dropped")
        self.reply = reply


def _soap_objects(body: etree._Element | None) -> tuple[list[str], int]:
    """The object types a SOAP request names (xsi:type of its Objects or Perform Definitions, or a
    Retrieve's ObjectType) and how many objects it carries, for fault rules; read before validation."""
    if body is None:
        return [], 0
    types: list[str] = []
    count = 0
    for child in body:
        if not isinstance(child.tag, str):
            continue
        name = etree.QName(child).localname
        items = [child] if name == "Objects" else [d for d in child if name == "Definitions"]
        for item in items:
            count += 1
            local = (item.get(f"{{{XSI_NS}}}type") or "").rpartition(":")[2]
            if local and local not in types:
                types.append(local)
        if name == "RetrieveRequest":
            object_type = (child.findtext("{*}ObjectType") or "").strip()
            if object_type:
                types.append(object_type)
    return types, count


def _row_targets(body: etree._Element | None) -> list[str]:
    """The data extensions (CustomerKey, else Name) that the rows of a SOAP write go to, for the log."""
    targets: list[str] = []
    for item in [] if body is None else body.iterfind("{*}Objects"):
        if (item.get(f"{{{XSI_NS}}}type") or "").rpartition(":")[2] != "DataExtensionObject":
            continue
        key = (item.findtext("{*}CustomerKey") or item.findtext("{*}Name") or "").strip()
        if key and key not in targets:
            targets.append(key)
    return targets


def _refusal(decision: Decision, operation: str) -> Callable[[int], rules.ApiError | None] | None:
    """Which objects of a write the profile makes fail: all of them (rate limited) or some (partial)."""
    if decision.effect == "rate_limited":
        return lambda ordinal: rules.ApiError(rules.RATE_LIMITED_CODE, rules.RATE_LIMITED_MESSAGE)
    if decision.effect == "partial":
        failing = decision.failing
        return lambda ordinal: (
            rules.general_exception(operation, 100000 + ordinal) if ordinal in failing else None
        )
    return None
