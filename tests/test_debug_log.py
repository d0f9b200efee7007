"""`--debug`: what the exchange log shows and what it redacts (the token, client secret and passwords)."""

from __future__ import annotations

import io
import json
import logging
import re
import subprocess
import sys
import textwrap
from typing import Any

import pytest
import requests
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict

from mcstate.client import debug_log
from mcstate.client.debug_log import REDACTED, LoggingSession, redact, remember_secret, shorten

TOKEN = "eyJhbGciOiJIUzI1NiJ9.token-value-for-the-test.c2lnbmF0dXJl"
SECRET = "client-secret-for-the-debug-log-test"


def test_the_token_request_and_answer_keep_everything_but_the_secret_and_the_token() -> None:
    request = json.dumps({"grant_type": "client_credentials", "client_id": "the-id", "client_secret": SECRET})
    answer = json.dumps({"access_token": TOKEN, "refresh_token": "r" * 20, "expires_in": 1079, "scope": "x"})
    shown = redact(request) + redact(answer)
    assert SECRET not in shown and TOKEN not in shown and "r" * 20 not in shown
    assert '"client_id": "the-id"' in shown and '"expires_in": 1079' in shown
    assert f'"client_secret": "{REDACTED}"' in shown and f'"access_token": "{REDACTED}"' in shown


def test_json_without_spaces_escaped_quotes_and_a_cut_off_value() -> None:
    assert redact('{"Password":"a\\"b-c-d-e-f"}') == f'{{"Password":"{REDACTED}"}}'
    assert redact('{"access_token": "abcdefghijkl') == f'{{"access_token": "{REDACTED}"'
    assert redact('{"access_token": null}') == '{"access_token": null}'


@pytest.mark.parametrize(
    "xml",
    [
        f'<ns0:fueloauth xmlns:ns0="http://exacttarget.com">{TOKEN}</ns0:fueloauth>',
        f"<fueloauth>{TOKEN}</fueloauth>",
        f"<oAuth><oAuthToken>{TOKEN}</oAuthToken></oAuth>",
        f'<wsse:UsernameToken><wsse:Username>the-id</wsse:Username><wsse:Password Type="PasswordText">{TOKEN}'
        "</wsse:Password></wsse:UsernameToken>",
        f"<Password>{TOKEN}",
    ],
    ids=["fueloauth", "no prefix", "oAuthToken", "WS-Security", "cut off"],
)
def test_soap_headers_carrying_a_token_or_password_are_redacted(xml: str) -> None:
    shown = redact(xml)
    assert TOKEN not in shown and REDACTED in shown
    assert "the-id" in shown or "Username" not in xml


def test_elements_named_like_secrets_only_match_whole_names() -> None:
    assert (
        redact("<PasswordHint>blue</PasswordHint><Password/>")
        == "<PasswordHint>blue</PasswordHint><Password/>"
    )


def test_bearer_tokens_attributes_and_parameters() -> None:
    assert redact(f"Authorization: Bearer {TOKEN}") == f"Authorization: Bearer {REDACTED}"
    assert redact(f"GET /x?access_token={TOKEN}&page=2") == f"GET /x?access_token={REDACTED}&page=2"
    assert redact(f"<a password='{TOKEN}'/>") == f"<a password='{REDACTED}'/>"


def test_a_secret_seen_once_is_redacted_wherever_it_appears_again() -> None:
    value = "remembered-token-0123456789"
    redact(f'{{"access_token": "{value}"}}')
    assert redact(f"the service said: {value} is not valid") == f"the service said: {REDACTED} is not valid"
    remember_secret("short")
    assert redact("a short word") == "a short word"


def test_headers_keep_their_names_and_lose_secret_values() -> None:
    lines = debug_log.redact_headers(
        CaseInsensitiveDict({"Authorization": f"Bearer {TOKEN}", "Cookie": "s=1", "SOAPAction": '"Retrieve"'})
    )
    assert lines == [f"Authorization: Bearer {REDACTED}", f"Cookie: {REDACTED}", 'SOAPAction: "Retrieve"']


def test_a_long_body_is_cut_after_redaction_so_no_part_of_a_secret_survives_the_cut() -> None:
    padding = "x" * (debug_log.BODY_HEAD_CHARACTERS - 30)
    body = f"{padding}<fueloauth>{TOKEN}</fueloauth>{'y' * 20000}"
    shown = shorten(redact(body))
    assert "characters not shown" in shown
    assert len(shown) < len(body)
    assert not any(TOKEN[i : i + 8] in shown for i in range(len(TOKEN) - 8))


class _Answering(BaseAdapter):
    def __init__(self, body: bytes | Exception) -> None:
        super().__init__()
        self.body = body

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        if isinstance(self.body, Exception):
            raise self.body
        response = requests.Response()
        response.status_code = 200
        response.reason = "OK"
        response.headers = CaseInsensitiveDict({"Content-Type": "application/json"})
        response.raw = io.BytesIO(self.body)
        response._content = self.body
        response.request = request
        response.url = request.url or ""
        return response

    def close(self) -> None:
        return


def _session(body: bytes | Exception) -> LoggingSession:
    session = LoggingSession()
    session.mount("http://account/", _Answering(body))
    return session


def test_the_session_logs_request_and_answer_redacted(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger=debug_log.LOGGER_NAME)
    session = _session(json.dumps({"access_token": TOKEN, "expires_in": 1079}).encode())
    session.post("http://account/v2/token", json={"client_id": "the-id", "client_secret": SECRET})
    session.get("http://account/data/v1/x", headers={"Authorization": f"Bearer {TOKEN}"})
    log = caplog.text
    assert re.search(
        r"#(\d+) POST http://account/v2/token\n.*#\1 200 OK for POST http://account/v2/token", log, re.S
    )
    assert '"client_id": "the-id"' in log and f"Authorization: Bearer {REDACTED}" in log
    assert SECRET not in log and TOKEN not in log


def test_the_session_logs_a_failed_request(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger=debug_log.LOGGER_NAME)
    with pytest.raises(requests.ConnectionError):
        _session(requests.ConnectionError("reset by peer")).get("http://account/x")
    assert "GET http://account/x failed: ConnectionError: reset by peer" in caplog.text


def test_the_session_logs_nothing_without_debug(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger=debug_log.LOGGER_NAME)
    _session(b"{}").get("http://account/x")
    assert caplog.text == ""


def test_every_line_of_the_mcstate_loggers_is_redacted_on_stderr() -> None:
    # enable() changes process-wide logging, so it runs in a process of its own.
    code = textwrap.dedent(
        f"""\
        import logging
        from mcstate.client.debug_log import enable, remember_secret
        enable()
        remember_secret({SECRET!r})
        logging.getLogger("mcstate.client").debug("retry 1 of Retrieve after %s", "HTTP 500 ({SECRET})")
        logging.getLogger("mcstate.client.http").debug("POST /v2/token %s", '{{"access_token": "{TOKEN}"}}')
        """
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stderr.splitlines() == [
        f"[mcstate.client] retry 1 of Retrieve after HTTP 500 ({REDACTED})",
        f'[mcstate.client.http] POST /v2/token {{"access_token": "{REDACTED}"}}',
    ]
