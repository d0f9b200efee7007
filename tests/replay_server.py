"""A small HTTP server that answers as a real account did: the recordings in $MCSTATE_REFERENCE_DIR.

* ``POST /v2/token``: the recorded token answer (rest/auth.json), addressed to this server.
* ``POST /Service.asmx`` Retrieve: the recorded response of the object type (payloads/), its Results
  narrowed by the request's Filter (equals / IN / like on a property, AND / OR); an object type without a
  recording answers OK with no results, as an account without such objects does. Any other operation is
  refused with a SOAP fault and remembered: a round trip must not write.
* ``GET`` of a REST path: the recorded ``get-response.json`` of that path (rest/), the first page only; a
  collection the service has but no recording holds (filter activities) answers an empty page, as an account
  without such objects does.

The recordings are read from the reference folder, never copied. `transform` may rewrite a recorded
response before it is answered (to see the recorded data extension from the business unit that owns it).
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from lxml import etree

TNS = "http://exacttarget.com/wsdl/partnerAPI"
XSI_TYPE = "{http://www.w3.org/2001/XMLSchema-instance}type"

RECORDED_RETRIEVES = {
    "DataExtension": "dataExtension/retrieve-response.xml",
    "DataExtensionField": "dataExtensionField/retrieve-response.xml",
    "DataFolder": "dataFolder/retrieve-response-.xml",
}

EMPTY_RETRIEVE = (
    '<?xml version="1.0" encoding="utf-8"?>'
    '<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/">'
    f'<soap:Body><RetrieveResponseMsg xmlns="{TNS}"><OverallStatus>OK</OverallStatus>'
    "<RequestID>00000000-0000-0000-0000-000000000000</RequestID></RetrieveResponseMsg></soap:Body>"
    "</soap:Envelope>"
)
REFUSED_WRITE = (
    '<?xml version="1.0" encoding="utf-8"?>'
    '<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><soap:Fault>'
    "<faultcode>soap:Client</faultcode><faultstring>the replay server answers reads only</faultstring>"
    "</soap:Fault></soap:Body></soap:Envelope>"
)

# REST collections every account has, answered empty when nothing was recorded for them.
EMPTY_COLLECTIONS = frozenset({"automation/v1/filters"})

Transform = Callable[[str, str], str]
"""(object type or REST path, recorded text) -> text to answer."""


@dataclass
class ReplayServer:
    reference: Path
    transform: Transform | None = None
    base_url: str = ""
    requests: list[str] = field(default_factory=list)
    writes: list[str] = field(default_factory=list)

    # -- answers -----------------------------------------------------------------------------------------

    def token(self) -> dict[str, Any]:
        recorded = json.loads((self.reference / "rest" / "auth.json").read_text(encoding="utf-8"))["success"]
        answer = dict(recorded["response"])
        answer["soap_instance_url"] = self.base_url
        answer["rest_instance_url"] = self.base_url
        return answer

    def soap(self, action: str, body: bytes) -> tuple[int, str]:
        request = etree.fromstring(body)
        operation = action or etree.QName(request.find(".//{*}Body")[0]).localname
        if operation not in ("Retrieve", "RetrieveRequestMsg"):
            self.writes.append(operation)
            return 500, REFUSED_WRITE
        object_type = (request.findtext(".//{*}RetrieveRequest/{*}ObjectType") or "").strip()
        self.requests.append(f"Retrieve {object_type}")
        recording = RECORDED_RETRIEVES.get(object_type)
        if recording is None:
            return 200, EMPTY_RETRIEVE
        text = (self.reference / "payloads" / recording).read_text(encoding="utf-8")
        if self.transform is not None:
            text = self.transform(object_type, text)
        condition = request.find(".//{*}RetrieveRequest/{*}Filter")
        return 200, _narrowed(text, condition)

    def rest(self, path: str, query: str) -> tuple[int, str]:
        self.requests.append(f"GET {path}")
        recorded = self.reference / "rest" / path / "get-response.json"
        if not recorded.is_file() and path in EMPTY_COLLECTIONS:
            return 200, json.dumps({"count": 0, "page": 1, "pageSize": 50, "items": []})
        if not recorded.is_file():
            return 404, json.dumps({"message": "Not Found", "errorcode": 10002})
        text = recorded.read_text(encoding="utf-8")
        if self.transform is not None:
            text = self.transform(path, text)
        page = int((parse_qs(query).get("$page") or ["1"])[0])
        if page > 1:
            body = json.loads(text)
            if isinstance(body, dict):
                text = json.dumps({**body, "page": page, "items": []})
        return 200, text


def _narrowed(text: str, condition: etree._Element | None) -> str:
    """The recorded response with only the Results that meet the request's Filter."""
    if condition is None:
        return text
    root = etree.fromstring(text.encode("utf-8"))
    for result in root.iterfind(f".//{{{TNS}}}Results"):
        if not _meets(result, condition):
            result.getparent().remove(result)
    return etree.tostring(root, xml_declaration=True, encoding="utf-8").decode("utf-8")


def _meets(result: etree._Element, part: etree._Element) -> bool:
    left = part.find("{*}LeftOperand")
    if left is not None:
        right = part.find("{*}RightOperand")
        operator = (part.findtext("{*}LogicalOperator") or "AND").strip().upper()
        outcomes = [_meets(result, left), right is None or _meets(result, right)]
        return all(outcomes) if operator == "AND" else any(outcomes)
    path = (part.findtext("{*}Property") or "").strip().split(".")
    element: etree._Element | None = result
    for name in path:
        element = element.find(f"{{{TNS}}}{name}") if element is not None else None
    actual = (element.text or "") if element is not None else ""
    values = [value.text or "" for value in part.iterfind("{*}Value")]
    operator = (part.findtext("{*}SimpleOperator") or "").strip()
    # The service compares text without case ('hidden' finds the folder 'Hidden').
    folded = actual.casefold()
    if operator == "equals":
        return folded == values[0].casefold()
    if operator == "IN":
        return folded in {value.casefold() for value in values}
    if operator == "like":
        pattern = re.escape(values[0].casefold()).replace("%", ".*").replace("_", ".")
        return re.fullmatch(pattern, folded) is not None
    raise AssertionError(f"the replay server does not evaluate {operator}")


def _handler(replay: ReplayServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

        def _answer(self, status: int, text: str, content_type: str) -> None:
            body = text.encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            path = urlsplit(self.path).path.strip("/").casefold()
            if path == "v2/token":
                self._answer(200, json.dumps(replay.token()), "application/json")
            elif path == "service.asmx":
                action = str(self.headers.get("SOAPAction") or "").strip().strip('"').rsplit("/", 1)[-1]
                status, text = replay.soap(action, body)
                self._answer(status, text, "text/xml; charset=utf-8")
            else:
                replay.writes.append(f"POST {path}")
                self._answer(
                    405, json.dumps({"message": "the replay server answers reads only"}), "application/json"
                )

        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            status, text = replay.rest(parts.path.strip("/"), parts.query)
            self._answer(status, text, "application/json; charset=utf-8")

        def _refuse(self) -> None:
            replay.writes.append(f"{self.command} {self.path}")
            self._answer(
                405, json.dumps({"message": "the replay server answers reads only"}), "application/json"
            )

        do_PATCH = do_PUT = do_DELETE = _refuse

    return Handler


@contextmanager
def replay_server(reference: Path, transform: Transform | None = None) -> Iterator[ReplayServer]:
    replay = ReplayServer(reference, transform)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(replay))
    replay.base_url = f"http://127.0.0.1:{server.server_address[1]}/"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield replay
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
