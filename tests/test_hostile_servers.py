"""Hostile servers and hostile account data, through the real CLI: redirects to another origin, messages
quoting the token, answers that drip or never end, plain http, and account data carrying control
characters."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from tests.conftest import CLIENT_SECRET, Project
from tests.emulator.conftest import Client, data_extension, field
from tests.test_retrieve_round_trip import account_project

TOKEN = "hostile-token-" + "x" * 40
Handler = Callable[[BaseHTTPRequestHandler, bytes], None]


@contextmanager
def server(handle: Handler) -> Iterator[tuple[str, list[bytes]]]:
    """A local HTTP server answering every POST with `handle`; yields its base URL and the bodies received."""
    received: list[bytes] = []

    class _Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            received.append(body)
            handle(self, body)

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/", received
    finally:
        httpd.shutdown()
        httpd.server_close()


def answer(
    handler: BaseHTTPRequestHandler, status: int, body: bytes, content_type: str, **headers: str
) -> None:
    handler.send_response(status)
    handler.send_header("Content-Type", content_type)
    handler.send_header("Content-Length", str(len(body)))
    for name, value in headers.items():
        handler.send_header(name.replace("_", "-"), value)
    handler.end_headers()
    handler.wfile.write(body)


def token_then(soap: Handler) -> Handler:
    """The token endpoint answers a token addressed to this server; SOAP goes to `soap`."""

    def handle(handler: BaseHTTPRequestHandler, body: bytes) -> None:
        if handler.path.endswith("/v2/token"):
            base = f"http://127.0.0.1:{handler.server.server_address[1]}/"
            token = {
                "access_token": TOKEN,
                "expires_in": 1080,
                "soap_instance_url": base,
                "rest_instance_url": base,
            }
            answer(handler, 200, json.dumps(token).encode(), "application/json")
        else:
            soap(handler, body)

    return handle


def fast_retries(project: Project) -> None:
    text = (project.root / "mcstate.yaml").read_text(encoding="utf-8")
    text += "    retries: {attempts: 2, initial_delay: 0, max_delay: 0, total_seconds: 20, timeout: 2}\n"
    (project.root / "mcstate.yaml").write_text(text, encoding="utf-8")


def assert_given_up_in_time(tmp_path: Path, soap: Handler) -> None:
    """A plan against a server answering SOAP with `soap` fails cleanly, well within 30 s."""
    with server(token_then(soap)) as (base, _):
        project = account_project(tmp_path, base)
        fast_retries(project)
        started = time.monotonic()
        result = project.run("plan")
        elapsed = time.monotonic() - started
    assert result.returncode == 1, result.stdout + result.stderr
    assert elapsed < 30, elapsed
    assert "Traceback" not in result.stderr


def test_the_token_request_never_follows_a_redirect_to_another_origin(tmp_path: Path) -> None:
    with server(lambda handler, body: answer(handler, 200, b"{}", "application/json")) as (elsewhere, stolen):

        def redirect(handler: BaseHTTPRequestHandler, body: bytes) -> None:
            answer(handler, 307, b"", "text/plain", Location=elsewhere + "v2/token")

        with server(redirect) as (auth, _):
            project = account_project(tmp_path, auth)
            result = project.run("plan")
    assert result.returncode == 1
    assert "redirects to" in result.stderr and "does not send the client credentials there" in result.stderr
    assert stolen == []
    assert CLIENT_SECRET not in result.stdout + result.stderr
    assert "Traceback" not in result.stderr


def test_a_fault_quoting_the_token_is_shown_redacted(tmp_path: Path) -> None:
    def fault(handler: BaseHTTPRequestHandler, body: bytes) -> None:
        text = (
            '<?xml version="1.0"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/">'
            "<soap:Body><soap:Fault><faultcode>soap:Client</faultcode>"
            f"<faultstring>token {TOKEN} and secret {CLIENT_SECRET} refused</faultstring></soap:Fault>"
            "</soap:Body></soap:Envelope>"
        )
        answer(handler, 500, text.encode(), "text/xml; charset=utf-8")

    with server(token_then(fault)) as (base, _):
        project = account_project(tmp_path, base)
        for debug in ([], ["--debug"]):
            result = project.run(*debug, "plan")
            assert result.returncode == 1, result.stdout + result.stderr
            output = result.stdout + result.stderr
            assert TOKEN not in output and CLIENT_SECRET not in output
            assert "<redacted>" in output


def test_an_answer_that_drips_is_given_up_in_bounded_time(tmp_path: Path) -> None:
    def drip(handler: BaseHTTPRequestHandler, body: bytes) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", "text/xml; charset=utf-8")
        handler.send_header("Content-Length", "100000")
        handler.end_headers()
        try:
            for _ in range(200):
                handler.wfile.write(b" ")
                handler.wfile.flush()
                time.sleep(0.25)
        except OSError:
            pass

    assert_given_up_in_time(tmp_path, drip)


def test_plain_http_is_refused_but_for_this_machine(tmp_path: Path) -> None:
    project = account_project(tmp_path, "http://auth.example.com/")
    result = project.run("validate")
    assert result.returncode == 1
    assert "is plain http" in result.stderr
    assert account_project(tmp_path / "local", "http://127.0.0.1:9/").run("validate").returncode == 0


def test_control_characters_from_the_account_are_escaped_in_every_view(project: Project) -> None:
    client = Client(project.emulator.base_url)
    # What XML can carry: a line break, a right-to-left override, and the one-byte control sequence
    # introducer of C1 (a terminal reads it as ESC [).
    hostile = "evil\u202e\nPlan: 99 to create\x9b2J"
    assert client.create(data_extension("hostile_key", field("Id"), name=hostile, CategoryID=2)).only().ok
    project.write(
        "definitions/de.yaml",
        "kind: DataExtension\nkey: hostile_key\nname: Tame\nfields: [{name: Id}]\n",
    )
    for args in (["plan"], ["plan", "--format", "markdown"], ["drift"]):
        result = project.run(*args)
        output = result.stdout + result.stderr
        assert not {"\x1b", "\x9b", "\u202e"} & set(output), args
        assert "\nPlan: 99 to create" not in output, args
    retrieved = project.run("retrieve", "--out", "adopted")
    assert not {"\x1b", "\x9b", "\u202e"} & set(retrieved.stdout + retrieved.stderr)


def test_headers_that_drip_are_given_up_in_bounded_time(tmp_path: Path) -> None:
    def drip_headers(handler: BaseHTTPRequestHandler, body: bytes) -> None:
        try:
            for byte in b"HTTP/1.1 200 OK\r\nX-Slow: " + b"a" * 400:
                handler.wfile.write(bytes([byte]))
                handler.wfile.flush()
                time.sleep(0.25)
        except OSError:
            pass

    assert_given_up_in_time(tmp_path, drip_headers)
