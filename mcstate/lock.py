"""One apply at a time per account: a lock held in the account itself (no state file).

The lock is the one row of a data extension of mcstate's own (`LOCK_KEY`) whose primary key is fixed, so the
service's primary key check lets exactly one Create of it succeed: whoever creates the row holds the lock. The
row says who holds it (user, host, process, command), since when and until when. It is deleted when the
holder finishes; a holder that died (kill -9, a lost runner) leaves it until it expires, or until someone
breaks it with `mcstate unlock LOCK_ID`.

Times are the holders' clocks in UTC, as text: the service's Date fields are kept in its own time zone
without saying which, and clocks of CI runners agree to well within the minutes an expiry is counted in.
"""

from __future__ import annotations

import getpass
import os
import socket
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from mcstate.client.filters import equals
from mcstate.errors import McstateError, UnknownOutcome
from mcstate.manifest import LOCK_KEY, ManifestClient, ManifestWriteError, create_data_extension, row_values

LOCK_NAME = "mcstate lock"
LOCK_DESCRIPTION = "The account's apply lock (written by mcstate apply and run; do not edit)."
LOCK_ROW = "account"  # the fixed primary key: one lock per account
EXPIRY_ENV = "MCSTATE_LOCK_EXPIRY_SECONDS"
DEFAULT_EXPIRY_SECONDS = 3600.0  # longer than any apply or run mcstate waits for (run's --timeout: 3600)
POLL_SECONDS = 1.0
# A write of the lock row refused without a holder (throttled, say), or whose outcome is unknown, is tried
# again this often, after the account was read to see whose the row is.
ATTEMPTS = 4
RETRY_SECONDS = 0.5

FIELDS: tuple[tuple[str, str, int | None, bool, bool], ...] = (
    ("Name", "Text", 50, True, True),
    ("LockID", "Text", 36, False, True),
    ("Holder", "Text", 200, False, True),
    ("Host", "Text", 200, False, True),
    ("Process", "Text", 20, False, False),
    ("Command", "Text", 50, False, True),
    ("AcquiredAt", "Text", 32, False, True),
    ("ExpiresAt", "Text", 32, False, True),
)
FIELD_NAMES = tuple(name for name, *_ in FIELDS)


class LockError(McstateError):
    """The account's lock could not be taken or broken."""


@dataclass(frozen=True)
class LockInfo:
    lock_id: str
    holder: str
    host: str
    process: str
    command: str
    acquired_at: str
    expires_at: str

    def expired(self, now: datetime) -> bool:
        try:
            expires = datetime.fromisoformat(self.expires_at)
        except ValueError:
            return True  # not a time mcstate wrote: nobody can be holding it
        if expires.tzinfo is None:
            expires = expires.replace(tzinfo=UTC)
        return expires <= now

    def died_here(self) -> bool:
        """The holder ran on this machine and its process is gone (killed, crashed): its lock is stale
        now, not only when it expires. A holder on another machine is only known dead by expiry."""
        if self.host != socket.gethostname() or not self.process.isdigit():
            return False
        try:
            os.kill(int(self.process), 0)
        except ProcessLookupError:
            return True
        except (PermissionError, OverflowError, OSError):
            return False  # alive (another user's), or not a process id this machine can ask about
        return False

    def describe(self) -> str:
        process = f", process {self.process}" if self.process else ""
        return (
            f"{self.command} by {self.holder} on {self.host}{process} since {self.acquired_at} "
            f"(lock id {self.lock_id}, expires {self.expires_at})"
        )


def expiry_seconds(environ: Mapping[str, str] = os.environ) -> float:
    text = environ.get(EXPIRY_ENV, "").strip()
    if not text:
        return DEFAULT_EXPIRY_SECONDS
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 < value < 10**7:
        raise LockError(f"{EXPIRY_ENV} must be a number of seconds above 0, not {text!r}")
    return value


def read_lock(client: ManifestClient, *, exists: bool = False) -> LockInfo | None:
    """The lock as the account holds it now, or None when nobody holds it. `exists`: the lock's data
    extension is known to exist (its rows are read at once)."""
    if not exists and not _lock_data_extension_exists(client):
        return None
    for row in client.retrieve(f"DataExtensionObject[{LOCK_KEY}]", FIELD_NAMES):
        values = row_values(row)
        if values.get("Name", "").casefold() == LOCK_ROW:
            return LockInfo(
                values.get("LockID", ""),
                values.get("Holder", ""),
                values.get("Host", ""),
                values.get("Process", ""),
                values.get("Command", ""),
                values.get("AcquiredAt", ""),
                values.get("ExpiresAt", ""),
            )
    return None


@dataclass(frozen=True)
class Held:
    """The lock as taken: `contended` when another holder was seen first (waited for, or taken over)."""

    lock: LockInfo
    contended: bool


@contextmanager
def account_lock(
    client: ManifestClient,
    command: str,
    *,
    timeout: float = 0.0,
    target: str = "",
    on_wait: Callable[[LockInfo], None] | None = None,
    on_unreleased: Callable[[LockInfo, McstateError], None] | None = None,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> Iterator[Held]:
    """Hold the account's lock for the block: wait up to `timeout` seconds for a holder to finish (0: fail
    at once, naming it), take over a lock that expired, and release it afterwards, also on errors. A lock
    that cannot be released after the block succeeded goes to `on_unreleased` (it then expires), or
    raises without one."""
    mine = _new_lock(command, clock(), expiry_seconds())
    deadline = time.monotonic() + timeout
    warned = contended = False
    while True:
        holder = _try_create(client, mine)
        if holder is None:
            break
        contended = True
        if holder.expired(clock()) or holder.died_here():
            _break(client, holder)
            continue
        if time.monotonic() >= deadline:
            where = f" (target {target!r})" if target else ""
            raise LockError(
                f"the account{where} is locked by {holder.describe()}. Wait for it to finish "
                "(--lock-timeout SECONDS waits), or, if it died, break the lock with "
                f"`mcstate unlock {holder.lock_id}`."
            )
        if on_wait is not None and not warned:
            on_wait(holder)
            warned = True
        time.sleep(min(POLL_SECONDS, max(deadline - time.monotonic(), 0.05)))
    failed = False
    try:
        yield Held(mine, contended)
    except BaseException:
        failed = True
        raise
    finally:
        try:
            release(client, mine.lock_id)
        except McstateError as error:
            if on_unreleased is not None:
                on_unreleased(mine, error)
            elif not failed:
                raise  # the block's own error, when there is one, is the one to report


def release(client: ManifestClient, lock_id: str) -> bool:
    """Delete the lock when it is still `lock_id` (never someone else's that took over an expired one).
    Tried again on errors of the service: a lock left behind blocks every apply until it expires."""
    for attempt in range(ATTEMPTS):
        if attempt:
            time.sleep(RETRY_SECONDS * attempt)
        try:
            current = read_lock(client, exists=True)  # the holder created its row in it
            if current is None or current.lock_id != lock_id:
                return False
            _delete(client)
            return True
        except McstateError:
            if attempt == ATTEMPTS - 1:
                raise
    return False


def unlock(client: ManifestClient, lock_id: str) -> LockInfo:
    """Break the lock `lock_id` (a holder that died); refuses any other lock id."""
    current = read_lock(client)
    if current is None:
        raise LockError("the account is not locked: there is nothing to unlock")
    if current.lock_id != lock_id.strip():
        raise LockError(
            f"the account's lock is {current.lock_id} ({current.describe()}), not {lock_id}: "
            "nothing was unlocked"
        )
    _delete(client)
    return current


# -- rows -------------------------------------------------------------------------------------------------


def _new_lock(command: str, now: datetime, expiry: float) -> LockInfo:
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "unknown"
    stamp = now.replace(microsecond=0)
    return LockInfo(
        lock_id=str(uuid.uuid4()),
        holder=user[:200],
        host=socket.gethostname()[:200],
        process=str(os.getpid()),
        command=command[:50],
        acquired_at=stamp.isoformat(),
        expires_at=(stamp + timedelta(seconds=expiry)).isoformat(),
    )


def _try_create(client: ManifestClient, lock: LockInfo) -> LockInfo | None:
    """Create the lock row: None when it was created (the lock is ours), else the current holder."""
    from mcstate.resources.base import SoapObject

    values = {
        "Name": LOCK_ROW,
        "LockID": lock.lock_id,
        "Holder": lock.holder,
        "Host": lock.host,
        "Process": lock.process,
        "Command": lock.command,
        "AcquiredAt": lock.acquired_at,
        "ExpiresAt": lock.expires_at,
    }
    row = SoapObject(
        "DataExtensionObject",
        {
            "CustomerKey": LOCK_KEY,
            "Properties": {"Property": [{"Name": name, "Value": value} for name, value in values.items()]},
        },
    )
    refusal = ""
    for attempt in range(ATTEMPTS):
        if attempt:
            time.sleep(RETRY_SECONDS * attempt)
        try:
            [result] = client.write("create", [row])
        except UnknownOutcome:
            result = None  # the row may have been created: the account says whose it is
        if result is not None and result.ok:
            return None
        holder = read_lock(client)
        if holder is not None:
            return None if holder.lock_id == lock.lock_id else holder
        if result is not None:
            refusal = result.reason
        if not _lock_data_extension_exists(client):
            with suppress(ManifestWriteError, UnknownOutcome):
                # Another process may create it in between; the next Create of the row decides.
                create_data_extension(client, LOCK_KEY, LOCK_NAME, LOCK_DESCRIPTION, FIELDS)
    # Refused for another reason than a holder, every time: say what the service said.
    raise LockError(f"cannot take the account's lock ({LOCK_KEY}): {refusal or 'no answer'}")


def _break(client: ManifestClient, expired: LockInfo) -> None:
    """Delete an expired lock, unless another process replaced it in between."""
    current = read_lock(client)
    if current is not None and current.lock_id == expired.lock_id:
        _delete(client)


def _delete(client: ManifestClient) -> None:
    from mcstate.resources.base import SoapObject

    row = SoapObject(
        "DataExtensionObject",
        {"CustomerKey": LOCK_KEY, "Keys": {"Key": [{"Name": "Name", "Value": LOCK_ROW}]}},
    )
    refusal = "no answer"
    for attempt in range(ATTEMPTS):
        if attempt:
            time.sleep(RETRY_SECONDS * attempt)
        try:
            [result] = client.write("delete", [row])
        except UnknownOutcome:
            result = None
        if (result is not None and result.ok) or read_lock(client) is None:
            return
        if result is not None:
            refusal = result.reason
    raise LockError(f"cannot release the account's lock ({LOCK_KEY}): {refusal}")


def _lock_data_extension_exists(client: ManifestClient) -> bool:
    return bool(client.retrieve("DataExtension", ["CustomerKey"], equals("CustomerKey", LOCK_KEY)))
