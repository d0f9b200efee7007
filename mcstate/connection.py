"""Turns a target from mcstate.yaml into a connected client: the embedded emulator or a real account."""

from __future__ import annotations

from pathlib import Path

import requests

from mcstate.client.auth import Credentials, TokenSource
from mcstate.client.soap import SoapClient
from mcstate.config import AccountTarget, EmulatorTarget, Project, Target

# The embedded emulator answers in-process under this base URL; no socket is ever opened for it.
EMBEDDED_URL = "http://embedded.mcstate/"
EMBEDDED_CREDENTIALS = Credentials("embedded", "embedded")


def connect(project: Project, target: Target) -> SoapClient:
    if isinstance(target, EmulatorTarget):
        return _embedded(project.root / target.database)
    return _account(target)


def _embedded(database: Path) -> SoapClient:
    # Imported here so that commands that never touch the emulator do not load it.
    from mcstate.emulator.app import EmulatorApp
    from mcstate.emulator.inprocess import InProcessAdapter

    session = requests.Session()
    session.mount(EMBEDDED_URL, InProcessAdapter(EmulatorApp(database)))
    return SoapClient(session, TokenSource(session, EMBEDDED_URL, EMBEDDED_CREDENTIALS))


def _account(target: AccountTarget) -> SoapClient:
    client_id, client_secret = target.secret_values()
    session = requests.Session()
    session.headers["User-Agent"] = "mcstate"
    tokens = TokenSource(session, target.auth_url, Credentials(client_id, client_secret, target.account_id))
    return SoapClient(session, tokens, target.soap_url)
