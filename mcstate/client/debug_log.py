"""`mcstate --debug`: every HTTP exchange with the account (token, SOAP, REST) on stderr, secrets redacted.

Exchanges are logged by `LoggingSession`, the requests session every connection uses, on the logger
`mcstate.client.http`; the client's retries are logged on other `mcstate.client` loggers. `enable()` sends the
`mcstate` loggers to stderr through one handler whose every line passes through `redact`, so nothing logged
under `mcstate` can show the client secret, an access token or a password, whoever logged it.
"""

from __future__ import annotations

import itertools
import logging
import re
import sys
import threading
import time
from collections.abc import Iterable, Iterator, Mapping
from typing import Any
from urllib.parse import urljoin, urlsplit

import requests

LOGGER_NAME = "mcstate.client.http"
REDACTED = "<redacted>"

# Names whose values are secret wherever they appear: JSON keys, XML elements (any prefix: wsse:Password),
# XML attributes and form or query parameters. The token request carries client_secret, the token response
# access_token (and refresh_token where the account issues one), SOAP calls the fueloauth header (or the older
# oAuthToken), WS-Security a Password.
SECRET_NAMES = (
    "access_token",
    "refresh_token",
    "id_token",
    "client_secret",
    "password",
    "fueloauth",
    "oauthtoken",
)
# Headers whose whole value is secret; Authorization keeps its scheme ("Bearer <redacted>").
SECRET_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key"})
# Values learnt from the exchanges are also redacted wherever else they appear (an error message quoting the
# token, a retry log line). Shorter values are left to the patterns: replacing a short string everywhere would
# garble the log without protecting anything.
MIN_REMEMBERED_LENGTH = 12
# A body longer than this is shown as its beginning and its end (SOAP answers end with their status).
BODY_HEAD_CHARACTERS = 6000
BODY_TAIL_CHARACTERS = 1500

_NAMES = "|".join(SECRET_NAMES)
_JSON_VALUE = re.compile(rf'("(?:{_NAMES})"\s*:\s*)("(?:[^"\\]|\\.)*"?|[^\s,}}\]]+)', re.IGNORECASE)
_XML_ELEMENT = re.compile(
    rf"(<(?:[\w.-]+:)?({_NAMES})(?:\s[^>]*)?(?<!/)>)(.*?)(</(?:[\w.-]+:)?\2\s*>|$)", re.IGNORECASE | re.DOTALL
)
_ATTRIBUTE = re.compile(rf"""(\b(?:{_NAMES})\s*=\s*)(["'])(.*?)\2""", re.IGNORECASE | re.DOTALL)
_PARAMETER = re.compile(rf"""(\b(?:{_NAMES})=)([^&\s"'<>]+)""", re.IGNORECASE)
_BEARER = re.compile(r"(\bBearer\s+)([^\s\"',;]+)", re.IGNORECASE)

# Exchanges are numbered so that a request and its answer can be paired when calls run side by side.
_exchange_numbers = itertools.count(1)
_remembered: set[str] = set()
_remembered_lock = threading.Lock()


def remember_secret(value: str | None) -> None:
    """Redact `value` wherever it appears from now on (a client secret known before anything is sent)."""
    if value and len(value) >= MIN_REMEMBERED_LENGTH and value != REDACTED:
        with _remembered_lock:
            _remembered.add(value)


def redact(text: str) -> str:
    """`text` without secrets: values of the secret names in JSON, XML, attributes and parameters, bearer
    tokens, and every value remembered so far. The one redaction used for everything `--debug` prints."""
    text = _JSON_VALUE.sub(_redacted_json, text)
    text = _XML_ELEMENT.sub(_redacted_element, text)
    text = _ATTRIBUTE.sub(_redacted_attribute, text)
    text = _PARAMETER.sub(_redacted_parameter, text)
    text = _BEARER.sub(_redacted_parameter, text)
    with _remembered_lock:
        remembered = sorted(_remembered, key=len, reverse=True)
    for value in remembered:
        text = text.replace(value, REDACTED)
    return text


def _redacted_json(match: re.Match[str]) -> str:
    value = match.group(2)
    if value.startswith('"'):
        remember_secret(value.strip('"'))
    elif value.lower() in ("null", "true", "false"):
        return match.group(0)
    return f'{match.group(1)}"{REDACTED}"'


def _redacted_element(match: re.Match[str]) -> str:
    if not match.group(3).strip():
        return match.group(0)
    remember_secret(match.group(3).strip())
    return f"{match.group(1)}{REDACTED}{match.group(4)}"


def _redacted_attribute(match: re.Match[str]) -> str:
    remember_secret(match.group(3))
    return f"{match.group(1)}{match.group(2)}{REDACTED}{match.group(2)}"


def _redacted_parameter(match: re.Match[str]) -> str:
    remember_secret(match.group(2))
    return f"{match.group(1)}{REDACTED}"


def redact_headers(headers: Mapping[str, str]) -> list[str]:
    """`Name: value` lines, secret header values replaced."""
    lines = []
    for name, value in headers.items():
        if name.lower() in SECRET_HEADERS:
            scheme, _, credential = str(value).partition(" ")
            keeps_scheme = bool(credential) and name.lower().endswith("authorization")
            shown = f"{scheme} {REDACTED}" if keeps_scheme else REDACTED
            remember_secret(credential or str(value))
            lines.append(f"{name}: {shown}")
        else:
            lines.append(f"{name}: {redact(str(value))}")
    return lines


def shorten(text: str) -> str:
    """A body as shown in the log: whole, or its beginning and end with the number of characters left out.
    Called on redacted text only, so a cut can never leave part of a secret unrecognized."""
    limit = BODY_HEAD_CHARACTERS + BODY_TAIL_CHARACTERS
    if len(text) <= limit:
        return text
    hidden = len(text) - limit
    head, tail = text[:BODY_HEAD_CHARACTERS], text[-BODY_TAIL_CHARACTERS:]
    return f"{head}\n... ({hidden} characters not shown) ...\n{tail}"


def _body_text(body: Any) -> str:
    if body is None:
        return ""
    if isinstance(body, str):
        return body
    if isinstance(body, bytes | bytearray):
        return bytes(body).decode("utf-8", errors="replace")
    return f"({type(body).__name__} body not shown)"


def _indented(lines: Iterable[str], marker: str) -> str:
    return "\n".join(f"  {marker} {line}" for line in lines)


def _block(headers: Mapping[str, str], body: Any, marker: str) -> str:
    parts = [_indented(redact_headers(headers), marker)]
    text = _body_text(body)
    if text:
        parts.append(_indented(shorten(redact(text)).splitlines() or [""], marker))
    return "\n".join(part for part in parts if part)


# The longest answer mcstate reads: a Retrieve page of 2,500 objects is a few megabytes.
MAX_ANSWER_BYTES = 64 * 1024 * 1024
# How long one answer may take to arrive, whatever the pace of its bytes (a server may drip one byte a second
# and never trip a socket's read timeout); connections set it from retries.timeout.
DEFAULT_CALL_SECONDS = 120.0


class AnswerTooLarge(requests.exceptions.ContentDecodingError):
    """The answer is larger than mcstate reads."""


class AnswerTooSlow(requests.exceptions.ReadTimeout):
    """The whole answer did not arrive in time."""


def _arriving(response: requests.Response) -> Iterator[bytes]:
    """The body in the pieces it arrives in: `read1` hands over what is there instead of waiting for a full
    buffer, so that the time limit is checked while a slow answer drips."""
    raw = response.raw
    read1 = getattr(raw, "read1", None)
    if read1 is None:
        yield from response.iter_content(64 * 1024)
        return
    while True:
        try:
            chunk = read1(64 * 1024)
        except Exception as error:  # urllib3's errors, as requests would report them
            raise requests.exceptions.ChunkedEncodingError(str(error)) from None
        if not chunk:
            return
        yield chunk


class LoggingSession(requests.Session):
    """The requests session of every connection: it logs each request, its response or its failure when
    `--debug` is on (here rather than in the clients, so that zeep's calls are seen exactly as sent); it
    reads every answer within a total time and a size limit, and never follows a redirect to another origin
    (a token request would send the client secret there)."""

    call_seconds: float = DEFAULT_CALL_SECONDS
    max_answer_bytes: int = MAX_ANSWER_BYTES

    def get_redirect_target(self, resp: requests.Response) -> str | None:
        target = super().get_redirect_target(resp)
        if target is None:
            return None
        here, there = urlsplit(resp.url), urlsplit(urljoin(resp.url, target))
        if (here.scheme, here.netloc.lower()) != (there.scheme, there.netloc.lower()):
            return None  # the redirect answer is handed to the client, which reports it
        return target

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        streamed = bool(kwargs.get("stream"))
        kwargs["stream"] = True
        started = time.monotonic()
        if not isinstance(self.get_adapter(request.url or ""), requests.adapters.HTTPAdapter):
            return self._logged_send(request, kwargs, streamed, started)  # answered in-process
        # Over a network the answer's status line and headers may drip too, one byte inside each socket
        # timeout: the exchange runs on a thread of its own and is given up at the deadline (the thread,
        # a daemon, ends with its socket or with the process).
        outcome: list[requests.Response | BaseException] = []

        def exchange() -> None:
            try:
                outcome.append(self._logged_send(request, kwargs, streamed, started))
            except BaseException as error:  # handed to the caller below
                outcome.append(error)

        worker = threading.Thread(target=exchange, name="mcstate-http", daemon=True)
        worker.start()
        worker.join(self.call_seconds + 1.0)
        if not outcome:
            raise AnswerTooSlow(f"no whole answer within {self.call_seconds:g} s")
        result = outcome[0]
        if isinstance(result, BaseException):
            raise result
        return result

    def _bounded(self, response: requests.Response, started: float) -> requests.Response:
        """The response with its whole body read, within the time and size limits."""
        if response._content_consumed:
            return response
        chunks: list[bytes] = []
        size = 0
        try:
            for chunk in _arriving(response):
                size += len(chunk)
                if size > self.max_answer_bytes:
                    raise AnswerTooLarge(
                        f"the answer is larger than {self.max_answer_bytes // (1024 * 1024)} MB; mcstate "
                        "reads no larger answers"
                    )
                if time.monotonic() - started > self.call_seconds:
                    raise AnswerTooSlow(f"the whole answer did not arrive within {self.call_seconds:g} s")
                chunks.append(chunk)
        except requests.RequestException:
            response.close()
            raise
        response._content = b"".join(chunks)
        response._content_consumed = True
        return response

    def _logged_send(
        self, request: requests.PreparedRequest, kwargs: dict[str, Any], streamed: bool, started: float
    ) -> requests.Response:
        log = logging.getLogger(LOGGER_NAME)
        if not log.isEnabledFor(logging.DEBUG):
            response = super().send(request, **kwargs)
            return response if streamed else self._bounded(response, started)
        number = next(_exchange_numbers)
        call = f"{request.method} {redact(request.url or '')}"
        log.debug("#%d %s\n%s", number, call, _block(request.headers, request.body, ">"))
        started = time.monotonic()
        try:
            response = super().send(request, **kwargs)
            if not streamed:
                response = self._bounded(response, started)
        except Exception as exc:
            elapsed = time.monotonic() - started
            log.debug("#%d %s failed: %s: %s (%.2f s)", number, call, type(exc).__name__, exc, elapsed)
            raise
        # A streamed body is left unread for its consumer.
        body = None if streamed else response.content
        log.debug(
            "#%d %s %s for %s (%.2f s)\n%s",
            number,
            response.status_code,
            response.reason or "",
            call,
            time.monotonic() - started,
            _block(response.headers, body, "<"),
        )
        return response


class _RedactingFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


_handler: logging.Handler | None = None


def enable(stream: Any = None) -> None:
    """Log every exchange and retry of the `mcstate` loggers to `stream` (stderr), redacted."""
    global _handler
    if _handler is not None:
        return
    _handler = logging.StreamHandler(stream or sys.stderr)
    _handler.setFormatter(_RedactingFormatter("[%(name)s] %(message)s"))
    package = logging.getLogger("mcstate")
    package.addHandler(_handler)
    package.setLevel(logging.DEBUG)
    # Kept out of any handler an application embedding mcstate configured: these lines are for --debug only.
    package.propagate = False
