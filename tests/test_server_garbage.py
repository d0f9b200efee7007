"""Garbage from the server side (invalid XML, a proxy's HTML error page, a cut-off answer, an unexpected
element, an empty body, HTML from a REST or token endpoint) gives one clear error naming the call: never a
traceback, never a plan made from a misread answer.

Through the real CLI, a small proxy in front of the emulator spoils chosen answers; at the client level, a
requests adapter answers every call with the same body."""

from __future__ import annotations

import http.client
import io
import json
import re
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict

from mcstate.client.auth import Credentials, TokenSource
from mcstate.client.rest import RestClient
from mcstate.client.retry import Retrier, RetryPolicy
from mcstate.client.soap import SoapClient
from mcstate.errors import ApiError
from mcstate.resources.base import RestRequest, SoapObject
from tests.conftest import Project

HTML_502 = b"""<html>
<head><title>502 Bad Gateway</title></head>
<body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body>
</html>"""
HTML_LOGIN = b"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>Sign in to continue</title></head>
<body><form></form></body></html>"""
SOAP_OK = b"""<?xml version="1.0" encoding="utf-8"?>
<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"
    xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soap:Body>
<RetrieveResponseMsg xmlns="http://exacttarget.com/wsdl/partnerAPI"><OverallStatus>OK</OverallStatus>
<RequestID>r-1</RequestID><Results xsi:type="DataFolder"><ID>5</ID><Name>CRM</Name></Results>
</RetrieveResponseMsg></soap:Body></soap:Envelope>"""


@dataclass(frozen=True)
class Answer:
    status: int
    content_type: str
    body: bytes


XML = "text/xml; charset=utf-8"
HTML = "text/html"
JSON = "application/json"


# -- the client, against one canned answer ------------------------------------------------------------------


class _Canned(BaseAdapter):
    """Answers the token request properly and every other request with `answer`."""

    def __init__(self, answer: Answer, token: Answer | None = None) -> None:
        super().__init__()
        self.answer = answer
        self.token = token or Answer(
            200,
            JSON,
            json.dumps(
                {
                    "access_token": "t" * 40,
                    "expires_in": 1079,
                    "soap_instance_url": "http://canned/",
                    "rest_instance_url": "http://canned/",
                }
            ).encode(),
        )

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        answer = self.token if (request.url or "").endswith("/v2/token") else self.answer
        response = requests.Response()
        response.status_code = answer.status
        response.reason = "Canned"
        response.headers = CaseInsensitiveDict({"Content-Type": answer.content_type})
        response.url = request.url or ""
        response.request = request
        response.raw = io.BytesIO(answer.body)
        response._content = answer.body
        response._content_consumed = True
        response.encoding = "utf-8"
        return response

    def close(self) -> None:
        return


def _clients(answer: Answer, token: Answer | None = None) -> tuple[SoapClient, RestClient, TokenSource]:
    session = requests.Session()
    session.mount("http://canned/", _Canned(answer, token))
    # Garbage with a status that passes (502, 503) is tried again: without the pauses, here.
    retrier = Retrier(RetryPolicy(attempts=3), sleep=lambda seconds: None)
    tokens = TokenSource(session, "http://canned/", Credentials("id", "secret"), retry=retrier)
    return SoapClient(session, tokens, retry=retrier), RestClient(session, tokens, retry=retrier), tokens


def _error(call: Callable[[], Any]) -> str:
    with pytest.raises(ApiError) as raised:
        call()
    return str(raised.value)


SOAP_CASES = {
    "invalid XML": (
        Answer(200, XML, b"<soap:Envelope><soap:Body><Oops></soap:Envelope>"),
        "the service sent XML that is cut off or malformed (",
    ),
    "HTML page, 200": (
        Answer(200, HTML, HTML_502),
        'the service sent an HTML page titled "502 Bad Gateway" (HTTP 200) instead of a SOAP response',
    ),
    "HTML page, 502": (
        Answer(502, HTML, HTML_502),
        'the service sent an HTML page titled "502 Bad Gateway" (HTTP 502) instead of a SOAP response',
    ),
    "HTML without a content type": (
        Answer(200, "", HTML_LOGIN),
        'the service sent an HTML page titled "Sign in to continue" (HTTP 200)',
    ),
    "truncated": (
        Answer(200, XML, SOAP_OK[: len(SOAP_OK) // 2]),
        "the service sent XML that is cut off or malformed (",
    ),
    "empty body": (
        Answer(200, XML, b""),
        "the service sent an empty answer (HTTP 200) instead of a SOAP response",
    ),
    "empty body, 500": (Answer(500, XML, b""), "the service sent an empty answer (HTTP 500)"),
    "JSON": (Answer(200, JSON, b'{"message": "hello"}'), "the service sent JSON (HTTP 200)"),
    "bytes": (Answer(200, XML, b"\xff\xfe\x00\x01garbage"), "bytes that are not text (HTTP 200)"),
    "XML that is not SOAP": (
        Answer(200, XML, b"<status>ok</status>"),
        "the service sent XML whose root is <status> (HTTP 200), not a SOAP envelope",
    ),
    "an envelope without a body": (
        Answer(
            200,
            XML,
            b'<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body/></s:Envelope>',
        ),
        "the service sent a SOAP envelope without a body (HTTP 200)",
    ),
    "a DTD": (
        Answer(200, XML, b'<!DOCTYPE x [<!ENTITY a "b">]>' + SOAP_OK.split(b"?>", 1)[1]),
        "the service sent XML with a document type declaration (HTTP 200)",
    ),
    "another operation's answer": (
        Answer(200, XML, SOAP_OK.replace(b"RetrieveResponseMsg", b"CreateResponse")),
        "the service sent <CreateResponse> where <RetrieveResponseMsg> was expected",
    ),
    "an answer with HTTP 500 that is not a fault": (
        Answer(500, XML, SOAP_OK),
        "the service sent <RetrieveResponseMsg> with HTTP 500, neither an answer nor a SOAP fault",
    ),
    "unexpected element": (
        Answer(200, XML, SOAP_OK.replace(b"<ID>5</ID>", b"<Surprise>1</Surprise><ID>5</ID>")),
        "the service sent a response that does not match the WSDL: Unexpected element 'Surprise'",
    ),
    "unknown type": (
        Answer(200, XML, SOAP_OK.replace(b'xsi:type="DataFolder"', b'xsi:type="Spaceship"')),
        "the service sent a response that does not match the WSDL: LookupError: No type 'Spaceship'",
    ),
    "a number that is not one": (
        Answer(200, XML, SOAP_OK.replace(b"<ID>5</ID>", b"<ID>five</ID>")),
        "the service sent a response that does not match the WSDL: <ID> invalid literal for int()",
    ),
    "a date that is not one": (
        Answer(200, XML, SOAP_OK.replace(b"<ID>5</ID>", b"<CreatedDate>yesterday</CreatedDate><ID>5</ID>")),
        "the service sent a response that does not match the WSDL: <CreatedDate> ",
    ),
}


@pytest.mark.parametrize(("answer", "expected"), SOAP_CASES.values(), ids=SOAP_CASES.keys())
def test_a_soap_answer_that_is_not_soap_fails_the_call_naming_it(answer: Answer, expected: str) -> None:
    soap, _, _ = _clients(answer)
    message = _error(lambda: soap.retrieve("DataFolder", ["ID", "Name"]))
    assert message.startswith("Retrieve DataFolder: "), message
    assert expected in message


@pytest.mark.parametrize(
    "answer",
    [SOAP_CASES[name][0] for name in ("HTML page, 200", "truncated", "empty body", "unexpected element")],
    ids=["HTML page", "truncated", "empty body", "unexpected element"],
)
def test_garbage_answering_a_write_or_the_status_call_names_that_call(answer: Answer) -> None:
    soap, _, _ = _clients(answer)
    folder = SoapObject("DataFolder", {"CustomerKey": "crm", "Name": "CRM"})
    assert _error(lambda: soap.write("create", [folder])).startswith("Create DataFolder: the service sent")
    assert _error(soap.system_status).startswith("GetSystemStatus: the service sent")


def test_more_data_without_a_request_id_to_continue_is_an_error_not_an_endless_loop() -> None:
    body = SOAP_OK.replace(b"<OverallStatus>OK", b"<OverallStatus>MoreDataAvailable").replace(
        b"<RequestID>r-1</RequestID>", b""
    )
    soap, _, _ = _clients(Answer(200, XML, body))
    assert "MoreDataAvailable without a RequestID" in _error(lambda: soap.retrieve("DataFolder", ["ID"]))


REST_CASES = {
    "HTML page, 200": (
        Answer(200, HTML, HTML_502),
        'an HTML page titled "502 Bad Gateway" (HTTP 200) instead of JSON',
    ),
    "HTML page, 503": (
        Answer(503, HTML, HTML_502),
        'an HTML page titled "502 Bad Gateway" (HTTP 503) instead of JSON',
    ),
    "XML": (Answer(200, XML, SOAP_OK), "the service sent XML (HTTP 200) instead of JSON"),
    "truncated JSON": (Answer(200, JSON, b'{"count": 3, "items": [{"key": "a"'), "text: "),
    "empty body": (Answer(200, JSON, b""), "the service sent an empty answer (HTTP 200) instead of JSON"),
    "a list": (Answer(200, JSON, b"[1, 2]"), "the service sent JSON that is not a page of items (list)"),
    "items that are not objects": (
        Answer(200, JSON, b'{"count": 1, "items": [1]}'),
        "the service sent JSON that is not a page of items (count, items)",
    ),
    "a count that is not a number": (
        Answer(200, JSON, b'{"count": "many", "items": []}'),
        "the service sent JSON that is not a page of items (count, items)",
    ),
}


@pytest.mark.parametrize(("answer", "expected"), REST_CASES.values(), ids=REST_CASES.keys())
def test_a_rest_answer_that_is_not_a_page_fails_the_call_naming_it(answer: Answer, expected: str) -> None:
    _, rest, _ = _clients(answer)
    message = _error(lambda: rest.items("automation/v1/dataextracts"))
    assert message.startswith("GET /automation/v1/dataextracts: "), message
    assert expected in message


@pytest.mark.parametrize("status", [200, 201])
def test_a_rest_write_answered_with_a_page_is_not_taken_as_done(status: int) -> None:
    _, rest, _ = _clients(Answer(status, HTML, HTML_LOGIN))
    result = rest.send(RestRequest("POST", "automation/v1/dataextracts", {"name": "x"}))
    assert not result.ok
    assert result.message.startswith('the service sent an HTML page titled "Sign in to continue"')
    assert "whether the change was made is unknown" in result.message


def test_a_rest_delete_answered_with_the_bare_text_ok_is_done() -> None:
    _, rest, _ = _clients(Answer(200, "text/plain", b"OK"))
    assert rest.send(RestRequest("DELETE", "automation/v1/dataextracts/1", None)).ok


TOKEN_CASES = {
    "HTML page, 200": (Answer(200, HTML, HTML_LOGIN), 'an HTML page titled "Sign in to continue" (HTTP 200)'),
    "HTML page, 502": (Answer(502, HTML, HTML_502), 'an HTML page titled "502 Bad Gateway" (HTTP 502)'),
    "HTML page, 403": (Answer(403, HTML, HTML_502), "(HTTP 403) instead of JSON"),
    "empty body": (Answer(200, JSON, b""), "the service sent an empty answer (HTTP 200) instead of JSON"),
    "no token": (Answer(200, JSON, b'{"token_type": "Bearer"}'), "(HTTP 200): no access_token"),
    "a list": (Answer(200, JSON, b"[]"), "(HTTP 200): no access_token"),
    "a lifetime that is not a number": (
        Answer(200, JSON, b'{"access_token": "abc", "expires_in": "soon"}'),
        "the service sent an expires_in that is not a number: 'soon'",
    ),
}


@pytest.mark.parametrize(("answer", "expected"), TOKEN_CASES.values(), ids=TOKEN_CASES.keys())
def test_a_token_answer_that_is_not_a_token_fails_the_token_request(answer: Answer, expected: str) -> None:
    _, _, tokens = _clients(Answer(200, XML, SOAP_OK), token=answer)
    message = _error(tokens.token)
    assert message.startswith("token request: "), message
    assert expected in message


# -- the CLI, behind a proxy that spoils chosen answers --------------------------------------------------


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    body: bytes


Forward = Callable[[], Answer]
Rule = Callable[[Request, Forward], Answer]


class _ProxyHandler(BaseHTTPRequestHandler):
    server: _Proxy

    def _handle(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        request = Request(self.command, self.path, body)

        def forward() -> Answer:
            # The Host header stays the proxy's: the emulator's token answer then points back here.
            upstream = urlsplit(self.server.upstream)
            connection = http.client.HTTPConnection(upstream.hostname or "", upstream.port, timeout=60)
            headers = {
                k: v for k, v in self.headers.items() if k.lower() not in ("connection", "accept-encoding")
            }
            connection.request(self.command, self.path, body=body, headers=headers)
            answer = connection.getresponse()
            content = answer.read()
            connection.close()
            return Answer(answer.status, answer.getheader("Content-Type") or "", content)

        answer = self.server.rule(request, forward)
        self.send_response(answer.status)
        self.send_header("Content-Type", answer.content_type)
        self.send_header("Content-Length", str(len(answer.body)))
        self.end_headers()
        self.wfile.write(answer.body)

    do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _handle

    def log_message(self, format: str, *args: Any) -> None:
        return


class _Proxy(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, upstream: str, rule: Rule) -> None:
        super().__init__(("127.0.0.1", 0), _ProxyHandler)
        self.upstream = upstream
        self.rule = rule

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/"


@pytest.fixture
def proxy(project: Project) -> Iterator[Callable[[Rule], None]]:
    """Puts a proxy playing `rule` between the project and the emulator."""
    started: list[_Proxy] = []

    def install(rule: Rule) -> None:
        server = _Proxy(project.emulator.base_url, rule)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        started.append(server)
        project.write(
            "mcstate.yaml",
            f"""\
            definitions: definitions
            default_target: proxied
            targets:
              proxied:
                auth_url: {server.base_url}
                client_id: ${{MC_CLIENT_ID}}
                client_secret: ${{MC_CLIENT_SECRET}}
                retries: {{attempts: 2, initial_delay: 0.05, max_delay: 0.05}}
            """,
        )

    yield install
    for server in started:
        server.shutdown()
        server.server_close()


def soap_retrieve_of(object_type: str, spoil: Callable[[Answer], Answer]) -> Rule:
    """Spoils the answers to Retrieve calls for `object_type`; everything else passes."""
    pattern = re.compile(rf"ObjectType>{object_type}</".encode())

    def rule(request: Request, forward: Forward) -> Answer:
        if request.path.lower() == "/service.asmx" and pattern.search(request.body):
            return spoil(forward())
        return forward()

    return rule


def path_starting(prefix: str, spoil: Callable[[Answer], Answer]) -> Rule:
    def rule(request: Request, forward: Forward) -> Answer:
        return spoil(forward()) if request.path.lower().startswith(prefix) else forward()

    return rule


def replaced(answer: Answer) -> Callable[[Answer], Answer]:
    return lambda _: answer


def cut_in_half(answer: Answer) -> Answer:
    return Answer(answer.status, answer.content_type, answer.body[: len(answer.body) // 2])


def with_surprise(answer: Answer) -> Answer:
    body = re.sub(
        rb"(<OverallStatus>[^<]*</OverallStatus>)", rb"\1<Surprise>yes</Surprise>", answer.body, count=1
    )
    return Answer(answer.status, answer.content_type, body)


CUSTOMERS = """\
kind: DataExtension
key: nto_customers
name: NTO Customers
fields:
  - {name: SubscriberKey, type: Text, length: 254, primary_key: true}
"""

EXTRACT = """\
kind: DataExtract
key: nto_customers_extract
name: NTO customers for the CRM
data_extension: nto_customers
file_spec: customers.csv
"""

CLI_CASES = {
    "invalid XML": (
        soap_retrieve_of("DataExtension", replaced(Answer(200, XML, b"<soap:Envelope><soap:Body>&oops;"))),
        "Retrieve DataExtension: the service sent XML that is cut off or malformed (",
    ),
    "a proxy's HTML page, 200": (
        soap_retrieve_of("DataExtension", replaced(Answer(200, HTML, HTML_LOGIN))),
        'Retrieve DataExtension: the service sent an HTML page titled "Sign in to continue" (HTTP 200) '
        "instead of a SOAP response",
    ),
    "a proxy's HTML page, 502": (
        soap_retrieve_of("DataExtension", replaced(Answer(502, HTML, HTML_502))),
        'Retrieve DataExtension: the service sent an HTML page titled "502 Bad Gateway" (HTTP 502) '
        "instead of a SOAP response",
    ),
    "a truncated answer": (
        soap_retrieve_of("DataExtension", cut_in_half),
        "Retrieve DataExtension: the service sent XML that is cut off or malformed (",
    ),
    "an unexpected element": (
        soap_retrieve_of("DataExtension", with_surprise),
        "Retrieve DataExtension: the service sent a response that does not match the WSDL: "
        "Unexpected element 'Surprise'",
    ),
    "an empty body": (
        soap_retrieve_of("DataFolder", replaced(Answer(200, XML, b""))),
        "Retrieve DataFolder: the service sent an empty answer (HTTP 200) instead of a SOAP response",
    ),
    "a REST endpoint answering HTML": (
        path_starting("/automation/", replaced(Answer(200, HTML, HTML_LOGIN))),
        'the service sent an HTML page titled "Sign in to continue" (HTTP 200) instead of JSON',
    ),
    "the token endpoint answering HTML": (
        path_starting("/v2/token", replaced(Answer(200, HTML, HTML_LOGIN))),
        'token request: the service sent an HTML page titled "Sign in to continue" (HTTP 200) '
        "instead of JSON",
    ),
}


@pytest.mark.parametrize(("rule", "expected"), CLI_CASES.values(), ids=CLI_CASES.keys())
def test_plan_against_garbage_exits_1_with_one_clear_message_and_no_plan(
    project: Project, proxy: Callable[[Rule], None], rule: Rule, expected: str
) -> None:
    project.write("definitions/customers.yaml", CUSTOMERS)
    project.write("definitions/extract.yaml", EXTRACT)
    proxy(rule)
    for command in (["plan"], ["plan", "--format", "json"], ["drift"], ["apply", "--auto-approve"]):
        result = project.run(*command)
        assert result.returncode == 1, result.stdout + result.stderr
        assert "Traceback" not in result.stderr, result.stderr
        assert result.stdout == "", result.stdout
        error = [line for line in result.stderr.splitlines() if line.startswith("Error: ")]
        assert len(error) == 1 and expected in error[0], result.stderr
    assert project.emulator.writes() == []


def test_garbage_answering_a_write_fails_the_apply_without_a_traceback(
    project: Project, proxy: Callable[[Rule], None]
) -> None:
    project.write("definitions/customers.yaml", CUSTOMERS)

    def spoil_create(request: Request, forward: Forward) -> Answer:
        answer = forward()
        # The objects' Create, not the account lock's (mcstate_lock) taken before it.
        spoiled = b"CreateRequest" in request.body and b"mcstate_" not in request.body
        if request.path.lower() == "/service.asmx" and spoiled:
            return Answer(200, HTML, HTML_LOGIN)
        return answer

    proxy(spoil_create)
    result = project.run("apply", "--auto-approve")
    assert "Traceback" not in result.stderr, result.stderr
    # The write's outcome is unknown: either apply says so and which call, or it found out by reading again.
    assert result.returncode in (0, 1), result.stdout + result.stderr
    if result.returncode == 1:
        assert (
            'Create DataExtension: the service sent an HTML page titled "Sign in to continue"'
            in result.stderr
        )
    # What the spoiled answer hid was written all the same: the next plan, through a sane network, sees it.
    project.write(
        "mcstate.yaml",
        f"""\
        definitions: definitions
        default_target: emulator
        targets:
          emulator:
            auth_url: {project.emulator.base_url}
            client_id: ${{MC_CLIENT_ID}}
            client_secret: ${{MC_CLIENT_SECRET}}
        """,
    )
    again = project.run("plan", "--detailed-exitcode")
    assert again.returncode in (0, 2), again.stdout + again.stderr
    assert "+ nto_customers" not in again.stdout
