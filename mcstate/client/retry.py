"""When and how calls to the account are tried again.

A call that failed for a reason that passes - the service shedding load (HTTP 500 with a soap:Server fault),
rate limiting (code 17, HTTP 429), a gateway error, a dropped connection, a timeout - is tried again after an
exponentially growing pause with jitter, a bounded number of times and within a bounded total time. Each
retry is logged at debug level on the "mcstate.client" logger.

Reads are simply tried again. A write is tried again only when the service certainly did not carry it out
(it answered with a fault or code 17, or the connection could not even be opened); when the request went out
and no answer came back, the write's outcome is unknown and the client raises `UnknownOutcome` instead: the
applier then reads the account again and sends only what is still missing (mcstate.applier).
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import requests

logger = logging.getLogger("mcstate.client")

# Result ErrorCode of an object the service refused because the account is rate limited: not written.
RATE_LIMITED_CODE = 17
# HTTP statuses that mean "not now": the service (or a gateway in front of it) asks to come back later.
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
# Of those, the ones a gateway answers while the service may still be carrying the request out.
MAYBE_DONE_STATUSES = frozenset({500, 502, 504})


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how long to try a call (mcstate.yaml, per target: `retries:`)."""

    # Tries of one call in all, the first included (1: never try again).
    attempts: int = 5
    # Pause before the first retry, in seconds; it doubles for each further retry, up to max_delay.
    initial_delay: float = 0.5
    max_delay: float = 8.0
    # No retry starts once this many seconds have passed since the first try of the call.
    total_seconds: float = 120.0
    # Seconds to wait for one answer before the try counts as timed out.
    timeout: float = 120.0

    def backoff(self, retry: int) -> float:
        """The full pause before retry number `retry` (1-based), before jitter."""
        return min(self.max_delay, self.initial_delay * 2 ** (retry - 1))


DEFAULT_POLICY = RetryPolicy()
SETTINGS = ("attempts", "initial_delay", "max_delay", "total_seconds", "timeout")


class Retrier:
    """Hands out an `Attempts` budget per call; sleep, clock and jitter can be replaced (tests)."""

    def __init__(
        self,
        policy: RetryPolicy = DEFAULT_POLICY,
        *,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        jitter: random.Random | None = None,
    ) -> None:
        self.policy = policy
        self._sleep = sleep
        self._clock = clock
        self._jitter = jitter or random.Random()

    def start(self, call: str) -> Attempts:
        return Attempts(self, call)


class Attempts:
    """The tries of one call: `retry()` after each transient failure says whether to go on (and waits)."""

    def __init__(self, retrier: Retrier, call: str) -> None:
        self._retrier = retrier
        self.call = call
        self.number = 1
        self._started = retrier._clock()

    def retry(self, reason: str) -> bool:
        """Wait before the next try and return True, or return False when the attempts or the time allowed
        are used up."""
        policy = self._retrier.policy
        if self.number >= policy.attempts:
            return False
        full = policy.backoff(self.number)
        # "Equal jitter": between half and all of the pause, so that clients throttled together spread out.
        wait = full / 2 + self._retrier._jitter.random() * full / 2
        if self._retrier._clock() - self._started + wait > policy.total_seconds:
            return False
        logger.debug(
            "%s: %s; retry %d of %d in %.2fs", self.call, reason, self.number, policy.attempts - 1, wait
        )
        self._retrier._sleep(wait)
        self.number += 1
        return True


def never_sent(error: requests.RequestException) -> bool:
    """Whether the request certainly did not reach the service (the connection could not be opened), so
    that even a write can be sent again."""
    # Imported here: the project file (config.py) reads RetryPolicy without loading the HTTP stack.
    import requests
    import urllib3.exceptions

    if isinstance(error, requests.ConnectTimeout):
        return True
    if not isinstance(error, requests.ConnectionError):
        return False
    reason = error.args[0] if error.args else None
    reason = getattr(reason, "reason", reason)  # urllib3's MaxRetryError wraps the cause
    return isinstance(reason, urllib3.exceptions.NewConnectionError | ConnectionRefusedError)


def describe_failure(error: requests.RequestException) -> str:
    import requests

    if isinstance(error, requests.Timeout):
        return "no answer in time"
    if never_sent(error):
        return "cannot connect"
    return "the connection was lost"
