"""The emulator as a WSGI application: token endpoint, SOAP endpoint, WSDL, and admin endpoints.

Routes (paths case-insensitive, as on the real IIS host):

* ``POST /v2/token`` - OAuth client credentials.
* ``POST /Service.asmx`` - the SOAP API (token in the ``fueloauth`` header).
* ``GET /etframework.wsdl`` - mcstate's WSDL, addressed to this server; its XSD files beside it.
* ``/automation/...``, ``/data/...`` - the REST API (Bearer token), answered by rest.py.
* ``/_emulator/...`` - admin endpoints for tests and tooling, not part of the real API and not logged:
  ``POST reset``, ``PUT dataextensions/<customer key>/rows`` with ``{"count": N}``,
  ``GET requests`` and ``DELETE requests``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http import HTTPStatus
from pathlib import Path
from typing import Any

from lxml import etree

from mcstate.emulator import rules
from mcstate.emulator.auth import Tokens
from mcstate.emulator.automation import AutomationHandler
from mcstate.emulator.codec import (
    SOAP_ENV_NS,
    WSSE_NS,
    RequestReadError,
    Writer,
    envelope,
    fault,
    read_envelope,
)
from mcstate.emulator.dataextension import DataExtensionFieldHandler, DataExtensionHandler
from mcstate.emulator.dataextensionobject import DataExtensionObjectHandler
from mcstate.emulator.datafolder import DataFolderHandler
from mcstate.emulator.filterdefinition import FilterDefinitionHandler
from mcstate.emulator.importdefinition import ImportDefinitionHandler
from mcstate.emulator.querydefinition import QueryDefinitionHandler
from mcstate.emulator.rest import PREFIXES as REST_PREFIXES
from mcstate.emulator.rest import RestApi
from mcstate.emulator.schema import default_wsdl_path, load_schema
from mcstate.emulator.service import ObjectHandler, Service
from mcstate.emulator.store import Store

StartResponse = Callable[..., Any]
Environ = dict[str, Any]

SOAP_CONTENT_TYPE = "text/xml; charset=utf-8"
JSON_CONTENT_TYPE = "application/json; charset=utf-8"
SOAP_ADDRESS = "{http://schemas.xmlsoap.org/wsdl/soap/}address"

ADMIN_PREFIX = "/_emulator/"


def default_handlers() -> list[ObjectHandler]:
    """The object types the emulator serves."""
    return [
        DataExtensionHandler(),
        DataExtensionFieldHandler(),
        DataExtensionObjectHandler(),
        DataFolderHandler(),
        ImportDefinitionHandler(),
        QueryDefinitionHandler(),
        FilterDefinitionHandler(),
        AutomationHandler(),
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
    own by default).
    """

    def __init__(
        self,
        db_path: Path,
        *,
        client_id: str | None = None,
        client_secret: str | None = None,
        token_lifetime: int = 1079,
        wsdl: Path | None = None,
    ) -> None:
        self.db_path = Path(db_path)
        self.store = Store(self.db_path)
        self.wsdl_path = Path(wsdl) if wsdl is not None else default_wsdl_path()
        self.schema = load_schema(self.wsdl_path)
        self.writer = Writer(self.schema)
        self.tokens = Tokens(self.store, client_id, client_secret, token_lifetime)
        self.service = Service(self.store, self.writer, default_handlers())
        self.rest = RestApi(self.store, self.tokens)

    def close(self) -> None:
        self.store.close()

    def __call__(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        method = environ.get("REQUEST_METHOD", "GET").upper()
        path = _path(environ)
        if path.startswith(ADMIN_PREFIX):
            reply = self._admin(method, path[len(ADMIN_PREFIX) :], environ)
        else:
            reply = self._route(method, path, environ)
            self.store.log_request(
                method=method,
                path=path,
                status=reply.status,
                operation=reply.operation,
                object_types=reply.object_types,
                object_count=reply.object_count,
                result_count=reply.result_count,
            )
        status = HTTPStatus(reply.status)
        start_response(
            f"{status.value} {status.phrase}",
            [("Content-Type", reply.content_type), ("Content-Length", str(len(reply.body)))],
        )
        return [reply.body]

    # -- routing ------------------------------------------------------------------------------------------

    def _route(self, method: str, path: str, environ: Environ) -> _Reply:
        lowered = path.lower()
        if lowered == "/v2/token":
            if method != "POST":
                return _json(405, rules.oauth_error("invalid_request", "Use POST."), operation="/v2/token")
            status, answer = self.tokens.issue(_read_body(environ), base_url(environ))
            return _json(status, answer, operation="/v2/token")
        if lowered == "/service.asmx":
            if method != "POST":
                return _text(405, "The SOAP endpoint accepts POST only.")
            return self._soap(environ)
        if method == "GET" and lowered == "/etframework.wsdl":
            return self._wsdl(environ)
        if method == "GET" and lowered.endswith(".xsd") and lowered.count("/") == 1:
            return self._xsd(lowered[1:])
        if lowered.startswith(REST_PREFIXES):
            return self._rest(method, path, environ)
        return _text(404, "Not Found")

    def _rest(self, method: str, path: str, environ: Environ) -> _Reply:
        # Logged with the HTTP method as the operation and the route as the object type.
        answer = self.rest.handle(
            method,
            path,
            str(environ.get("QUERY_STRING", "")),
            str(environ.get("HTTP_AUTHORIZATION", "")),
            _read_body(environ),
        )
        routes = [answer.route] if answer.route else []
        return _Reply(
            answer.status,
            answer.body,
            answer.content_type,
            method,
            routes,
            answer.object_count,
            answer.result_count,
        )

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
        try:
            request = read_envelope(_read_body(environ))
        except RequestReadError as error:
            return self._fault("soap:Client", rules.unreadable_request(str(error)))
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
        if operation not in Service.REQUEST_ELEMENTS:
            return self._fault("soap:Server", rules.unavailable_operation(operation), relates_to, operation)
        expected = Service.REQUEST_ELEMENTS[operation]
        try:
            if request.body_name != expected:
                namespace = (
                    "" if request.body_element is None else etree.QName(request.body_element).namespace
                )
                raise RequestReadError(f"<{request.body_name} xmlns='{namespace or ''}'> was not expected.")
            response = self.service.handle(operation, request.body(self.schema))
        except RequestReadError as error:
            return self._fault("soap:Client", rules.unreadable_request(str(error)), relates_to, operation)
        return _Reply(
            200,
            envelope(f"{operation}Response", response.body, relates_to),
            SOAP_CONTENT_TYPE,
            operation,
            response.object_types,
            response.object_count,
            response.result_count,
        )

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
            self.store.reset()
            return _json(200, {"status": "ok"})
        if parts == ["requests"] and method == "GET":
            return _json(200, self.store.requests())
        if parts == ["requests"] and method == "DELETE":
            self.store.clear_requests()
            return _json(200, {"status": "ok"})
        if len(parts) >= 3 and parts[0] == "dataextensions" and parts[-1] == "rows" and method == "PUT":
            customer_key = "/".join(parts[1:-1])
            try:
                payload = json.loads(_read_body(environ).decode("utf-8"))
                count = payload["count"]
                if isinstance(count, bool) or not isinstance(count, int) or count < 0:
                    raise ValueError(count)
            except (ValueError, KeyError, TypeError, UnicodeDecodeError):
                return _json(400, {"error": 'Send {"count": N} with N a non-negative integer.'})
            if not self.store.set_row_count(customer_key, count):
                return _json(404, {"error": f"No data extension has the CustomerKey {customer_key}."})
            return _json(200, {"customer_key": customer_key, "count": count})
        return _json(404, {"error": f"Unknown admin endpoint {method} {ADMIN_PREFIX}{route}"})
