"""Serving the emulator over HTTP: a threaded server with quiet logging."""

from __future__ import annotations

import socket
import struct
import sys
import threading
from datetime import datetime
from pathlib import Path
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer

from mcstate.emulator.app import DROP_CONNECTION, EmulatorApp
from mcstate.emulator.run import clock
from mcstate.emulator.run.automations import run_due
from mcstate.emulator.run.retention import apply_retention


class _QuietHandler(WSGIRequestHandler):
    """Keeps test and CLI output clean: no access log lines. Offers the application a way to reset the
    connection (injected faults)."""

    def log_message(self, format: str, *args: Any) -> None:
        return

    def get_environ(self) -> dict[str, Any]:
        environ = super().get_environ()
        environ[DROP_CONNECTION] = self._reset_connection
        return environ

    def _reset_connection(self) -> None:
        # Linger 0: closing sends a TCP reset instead of an orderly end, as a dropped connection does.
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.connection.close()


class EmulatorServer(ThreadingMixIn, WSGIServer):
    """A threaded WSGI server for one EmulatorApp; ``base_url`` is where clients reach it."""

    daemon_threads = True
    allow_reuse_address = True

    app: EmulatorApp

    @property
    def base_url(self) -> str:
        host, port = self.server_address[:2]
        shown = "127.0.0.1" if host in ("0.0.0.0", "") else str(host)
        if ":" in shown:
            shown = f"[{shown}]"
        return f"http://{shown}:{port}/"

    def server_close(self) -> None:
        super().server_close()
        app = getattr(self, "app", None)  # a server that never bound has none
        if app is not None:
            app.close()


def make_server(db_path: Path, host: str = "127.0.0.1", port: int = 0, **app_options: Any) -> EmulatorServer:
    """A server bound to host:port (port 0 picks a free one), not yet serving: call serve_forever()."""
    app = EmulatorApp(Path(db_path), **app_options)
    try:
        server = EmulatorServer((host, port), _QuietHandler)
    except OSError:
        app.close()
        raise
    server.app = app
    server.set_app(app)
    return server


SCHEDULER_TICK_SECONDS = 15.0


def _run_schedules(app: EmulatorApp, stop: threading.Event) -> None:
    """While the clock runs on by itself, run the scheduled automations whose time comes."""
    last = clock.now(app.store)
    while not stop.wait(SCHEDULER_TICK_SECONDS):
        now = clock.now(app.store)
        if now > last:
            for unit in app.enterprise.units():
                run_due(unit.store, unit.files, last, now)
                apply_retention(unit.store, now)
        last = now


def serve(
    db_path: Path,
    host: str = "127.0.0.1",
    port: int = 8080,
    *,
    clock_at: datetime | None = None,
    **app_options: Any,
) -> None:
    """Serve until interrupted (Ctrl-C), after one line saying where; `clock_at` sets the clock (standing)."""
    server = make_server(db_path, host, port, **app_options)
    if clock_at is not None:
        clock.set_clock(server.app.store, clock_at, frozen=True)
    stop = threading.Event()
    scheduler = threading.Thread(target=_run_schedules, args=(server.app, stop), daemon=True)
    scheduler.start()
    print(f"mcstate emulator listening on {server.base_url} (db: {Path(db_path)})", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        stop.set()
        server.server_close()
        sys.stdout.flush()
