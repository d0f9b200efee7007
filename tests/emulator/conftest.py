"""The emulator driven from outside, as a client would: raw SOAP over real HTTP to a threaded server."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import pytest
import requests
from lxml import etree

from mcstate.emulator.server import EmulatorServer, make_server

TNS = "http://exacttarget.com/wsdl/partnerAPI"
SOAP_NS = "http://schemas.xmlsoap.org/soap/envelope/"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
NS = {"p": TNS, "soap": SOAP_NS, "xsi": XSI_NS}


def _wsdl_available() -> bool:
    try:
        from mcstate.wsdl import wsdl_path

        return wsdl_path().is_file()
    except ImportError:
        return False


if not _wsdl_available():
    pytest.skip("mcstate's own WSDL is not available", allow_module_level=True)


def to_xml(name: str, value: Any) -> str:
    """Request XML from plain values: a mapping is an element with children (key ``@type`` -> xsi:type),
    a list repeats the element, None leaves it out, booleans are written as the service expects."""
    if value is None:
        return ""
    if isinstance(value, list):
        return "".join(to_xml(name, item) for item in value)
    if isinstance(value, Mapping):
        type_name = value.get("@type")
        attributes = f' xsi:type="{type_name}"' if type_name else ""
        inner = "".join(to_xml(key, item) for key, item in value.items() if key != "@type")
        return f"<{name}{attributes}>{inner}</{name}>"
    if isinstance(value, bool):
        value = "true" if value else "false"
    return f"<{name}>{escape(str(value))}</{name}>"


def envelope(body: str, token: str | None, *, header_after_body: bool = False) -> bytes:
    header = (
        f'<s:Header><fueloauth xmlns="http://exacttarget.com">{token}</fueloauth></s:Header>' if token else ""
    )
    parts = (
        [f"<s:Body>{body}</s:Body>", header] if header_after_body else [header, f"<s:Body>{body}</s:Body>"]
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?>'
        f'<s:Envelope xmlns:s="{SOAP_NS}" xmlns:xsi="{XSI_NS}">{"".join(parts)}</s:Envelope>'
    ).encode()


class Result:
    """One Results element of a Create/Update/Delete response."""

    def __init__(self, element: etree._Element) -> None:
        self.element = element

    def text(self, name: str) -> str | None:
        return self.element.findtext(f"p:{name}", namespaces=NS)

    @property
    def ok(self) -> bool:
        return self.text("StatusCode") == "OK"

    @property
    def code(self) -> int | None:
        value = self.text("ErrorCode")
        return None if value is None else int(value)

    @property
    def message(self) -> str:
        return self.text("StatusMessage") or ""

    def __repr__(self) -> str:
        return f"Result({self.text('StatusCode')}, {self.code}, {self.message!r})"


class Reply:
    """A parsed SOAP response."""

    def __init__(self, response: requests.Response) -> None:
        self.response = response
        self.status = response.status_code
        self.root = etree.fromstring(response.content)
        self.body = self.root.find("soap:Body", NS)[0]

    @property
    def overall(self) -> str:
        return self.body.findtext("p:OverallStatus", namespaces=NS) or ""

    @property
    def request_id(self) -> str:
        return self.body.findtext("p:RequestID", namespaces=NS) or ""

    @property
    def results(self) -> list[Result]:
        return [Result(element) for element in self.body.findall("p:Results", NS)]

    def only(self) -> Result:
        (result,) = self.results
        return result

    def objects(self) -> list[dict[str, Any]]:
        """Retrieve results as nested dicts of element texts."""
        return [_as_dict(element) for element in self.body.findall("p:Results", NS)]

    @property
    def fault(self) -> tuple[str, str]:
        return (self.body.findtext("faultcode") or "", self.body.findtext("faultstring") or "")


def _as_dict(element: etree._Element) -> dict[str, Any]:
    """Element texts by name; a repeated element becomes a list."""
    values: dict[str, Any] = {}
    for child in element:
        name = etree.QName(child).localname
        if child.get(f"{{{XSI_NS}}}nil") == "true":
            value: Any = None
        elif len(child):
            value = _as_dict(child)
        else:
            value = child.text or ""
        if name in values:
            previous = values[name]
            values[name] = [*previous, value] if isinstance(previous, list) else [previous, value]
        else:
            values[name] = value
    return values


class Client:
    """A raw SOAP client of the emulator."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.http = requests.Session()
        self.token = self.new_token()

    def new_token(self, client_id: str = "id", client_secret: str = "secret") -> str:
        response = self.http.post(
            self.base_url + "v2/token",
            json={"grant_type": "client_credentials", "client_id": client_id, "client_secret": client_secret},
        )
        assert response.status_code == 200, response.text
        return str(response.json()["access_token"])

    def post(
        self, action: str | None, body: str, *, token: str | None = "", **options: Any
    ) -> requests.Response:
        headers = {"Content-Type": "text/xml; charset=utf-8"}
        if action is not None:
            headers["SOAPAction"] = f'"{action}"'
        data = envelope(body, self.token if token == "" else token, **options)
        return self.http.post(self.base_url + "Service.asmx", data=data, headers=headers)

    def call(self, action: str, body: str, **options: Any) -> Reply:
        return Reply(self.post(action, body, **options))

    def write(
        self, operation: str, *objects: Mapping[str, Any], options: Mapping[str, Any] | None = None
    ) -> Reply:
        element = f"{operation}Request"
        inner = to_xml("Options", dict(options or {})) or "<Options/>"
        inner += "".join(to_xml("Objects", item) for item in objects)
        reply = self.call(operation, f'<{element} xmlns="{TNS}">{inner}</{element}>')
        assert reply.status == 200, reply.response.text
        return reply

    def create(self, *objects: Mapping[str, Any]) -> Reply:
        return self.write("Create", *objects)

    def update(self, *objects: Mapping[str, Any], options: Mapping[str, Any] | None = None) -> Reply:
        return self.write("Update", *objects, options=options)

    def delete(self, *objects: Mapping[str, Any]) -> Reply:
        return self.write("Delete", *objects)

    def retrieve(
        self,
        object_type: str | None,
        properties: list[str] = (),  # type: ignore[assignment]
        filter: Mapping[str, Any] | None = None,
        *,
        batch_size: int | None = None,
        continue_request: str | None = None,
    ) -> Reply:
        request: dict[str, Any] = {}
        if object_type is not None:
            request["ObjectType"] = object_type
        request["Properties"] = list(properties) or None
        request["Filter"] = filter
        request["ContinueRequest"] = continue_request
        if batch_size is not None:
            request["Options"] = {"BatchSize": batch_size}
        body = f'<RetrieveRequestMsg xmlns="{TNS}">{to_xml("RetrieveRequest", request)}</RetrieveRequestMsg>'
        reply = self.call("Retrieve", body)
        assert reply.status == 200, reply.response.text
        return reply

    def rest(self, method: str, path: str, body: Any = None) -> requests.Response:
        """A call to the REST API with this client's token (path relative to the base URL)."""
        headers = {"Authorization": f"Bearer {self.token}"}
        return self.http.request(method, self.base_url + path, json=body, headers=headers)

    def admin(self, method: str, path: str, body: Any = None) -> requests.Response:
        return self.http.request(method, self.base_url + "_emulator/" + path, json=body)

    def set_rows(self, customer_key: str, count: int) -> None:
        assert self.admin("PUT", f"dataextensions/{customer_key}/rows", {"count": count}).status_code == 200


def simple(prop: str, operator: str, *values: Any) -> dict[str, Any]:
    return {"@type": "SimpleFilterPart", "Property": prop, "SimpleOperator": operator, "Value": list(values)}


def field(name: str, field_type: str | None = "Text", **extra: Any) -> dict[str, Any]:
    return {"Name": name, "FieldType": field_type, **extra}


def data_extension(
    key: str, *fields: Mapping[str, Any], name: str | None = None, **extra: Any
) -> dict[str, Any]:
    return {
        "@type": "DataExtension",
        "CustomerKey": key,
        "Name": name or key,
        **extra,
        "Fields": {"Field": list(fields) or [field("Id")]},
    }


def folder(
    name: str, parent_id: int = 2, content_type: str = "dataextension", **extra: Any
) -> dict[str, Any]:
    return {
        "@type": "DataFolder",
        "ParentFolder": {"ID": parent_id},
        "Name": name,
        "Description": "",
        "ContentType": content_type,
        "IsActive": True,
        "IsEditable": True,
        "AllowChildren": True,
        **extra,
    }


def serve(db: Path, **options: Any) -> tuple[EmulatorServer, threading.Thread]:
    server = make_server(db, **options)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return server, thread


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmulatorServer]:
    running, thread = serve(tmp_path_factory.mktemp("emulator") / "nested" / "account.db")
    yield running
    running.shutdown()
    running.server_close()
    thread.join(timeout=10)


@pytest.fixture
def client(server: EmulatorServer) -> Client:
    """A client of a fresh account (reset before the test) with an empty request log."""
    result = Client(server.base_url)
    assert result.admin("POST", "reset").status_code == 200
    assert result.admin("DELETE", "requests").status_code == 200
    return result
