"""A local emulator of the Marketing Cloud SOAP endpoint, persisted in SQLite.

It is the embedded default target (no account needed) and the server integration tests run against. It
speaks the real wire format and enforces the real service's rules (``rules.py``).
"""

from mcstate.emulator.app import EmulatorApp
from mcstate.emulator.inprocess import InProcessAdapter
from mcstate.emulator.server import make_server, serve
from mcstate.emulator.store import reset

__all__ = ["EmulatorApp", "InProcessAdapter", "make_server", "reset", "serve"]
