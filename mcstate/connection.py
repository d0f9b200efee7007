"""Turns a target from mcstate.yaml into a connected client: the embedded emulator or a real account."""

from __future__ import annotations

from pathlib import Path

from mcstate.client.account import AccountClient
from mcstate.client.auth import Credentials, TokenSource
from mcstate.client.debug_log import LoggingSession, remember_secret
from mcstate.client.parallel import CallSlots
from mcstate.client.rest import RestClient
from mcstate.client.retry import Retrier
from mcstate.client.soap import SoapClient
from mcstate.config import AccountTarget, EmulatorTarget, Project, Target

# The embedded emulator answers in-process under this base URL; no socket is ever opened for it.
EMBEDDED_URL = "http://embedded.mcstate/"
EMBEDDED_CREDENTIALS = Credentials("embedded", "embedded")


def connect(project: Project, target: Target) -> AccountClient:
    if isinstance(target, EmulatorTarget):
        return _embedded(project.root / target.database)
    return _account(target)


def _embedded(database: Path) -> AccountClient:
    # Imported here so that commands that never touch the emulator do not load it.
    from mcstate.emulator.app import EmulatorApp
    from mcstate.emulator.inprocess import InProcessAdapter

    session = LoggingSession()
    session.mount(EMBEDDED_URL, InProcessAdapter(EmulatorApp(database)))
    tokens = TokenSource(session, EMBEDDED_URL, EMBEDDED_CREDENTIALS)
    # In-process answers have no latency to overlap: one call at a time.
    slots = CallSlots(1)
    return AccountClient(SoapClient(session, tokens, slots=slots), RestClient(session, tokens, slots=slots))


def _account(target: AccountTarget) -> AccountClient:
    client_id, client_secret = target.secret_values()
    remember_secret(client_secret)
    session = LoggingSession()
    session.headers["User-Agent"] = "mcstate"
    retrier = Retrier(target.retries)
    credentials = Credentials(client_id, client_secret, target.account_id)
    tokens = TokenSource(session, target.auth_url, credentials, retry=retrier)
    slots = CallSlots(target.max_concurrency)
    return AccountClient(
        SoapClient(session, tokens, target.soap_url, retry=retrier, slots=slots),
        RestClient(session, tokens, target.rest_url, retry=retrier, slots=slots),
    )
