"""The file area over SFTP, as the Enhanced FTP serves an account's files: a CRM's upload job can be pointed
at `mcstate emulator serve --sftp-port N` unchanged. asyncssh serves it, on a thread of its own, chrooted to
the file area; one user and password, a host key made at start (its fingerprint is printed)."""

from __future__ import annotations

import asyncio
import hmac
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class SftpService:
    host: str
    port: int
    user: str
    fingerprint: str
    stop: Any  # () -> None


def start_sftp(root: Path, host: str, port: int, user: str, password: str) -> SftpService:
    """Serve `root` over SFTP on host:port (0 picks a free port) until stop() is called."""
    import asyncssh  # only the commands that serve SFTP load it

    key = asyncssh.generate_private_key("ssh-ed25519")
    loop = asyncio.new_event_loop()
    ready: dict[str, Any] = {}
    started = threading.Event()

    class _Server(asyncssh.SSHServer):  # type: ignore[misc]
        def begin_auth(self, username: str) -> bool:
            return True

        def password_auth_supported(self) -> bool:
            return True

        def validate_password(self, username: str, given: str) -> bool:
            return hmac.compare_digest(username.encode(), user.encode()) and hmac.compare_digest(
                given.encode(), password.encode()
            )

    def sftp_factory(channel: Any) -> Any:
        return asyncssh.SFTPServer(channel, chroot=str(root))

    async def listen() -> None:
        server = await asyncssh.listen(
            host,
            port,
            server_host_keys=[key],
            server_factory=_Server,
            sftp_factory=sftp_factory,
            allow_scp=False,
            process_factory=None,
        )
        ready["server"] = server
        ready["port"] = server.sockets[0].getsockname()[1]

    def run() -> None:
        asyncio.set_event_loop(loop)
        try:
            loop.run_until_complete(listen())
        except BaseException as error:  # reported to the caller, which waits for `started`
            ready["error"] = error
            started.set()
            return
        started.set()
        loop.run_forever()

    thread = threading.Thread(target=run, name="mcstate-sftp", daemon=True)
    thread.start()
    started.wait(timeout=30)
    if "error" in ready:
        raise ready["error"]

    def stop() -> None:
        def close() -> None:
            ready["server"].close()
            loop.stop()

        loop.call_soon_threadsafe(close)
        thread.join(timeout=10)

    fingerprint = key.get_fingerprint()
    return SftpService(host, int(ready["port"]), user, fingerprint, stop)
