"""Independent calls side by side: a bounded thread pool per batch of work.

Marketing Cloud answers each call in hundreds of milliseconds, so reading independent things one after the
other mostly waits. The account client says how many calls it lets run at once (`max_concurrency`, from the
target's settings; the real service punishes spikes, so the default is 8); work is spread over that many
threads, and the client itself holds every call to the same bound, however many pools are running.
A client that says nothing (a test double) is used from one thread, in order.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from types import TracebackType
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")

DEFAULT_MAX_CONCURRENCY = 8


class CallSlots:
    """At most `limit` calls to one account in flight, however many threads want to call: each HTTP
    exchange holds a slot (`with slots:`) while the request is out; waiting for a token or a retry's pause
    holds none."""

    def __init__(self, limit: int = DEFAULT_MAX_CONCURRENCY) -> None:
        if limit < 1:
            raise ValueError("at least one call must be allowed")
        self.limit = limit
        self._semaphore = threading.BoundedSemaphore(limit)

    def __enter__(self) -> None:
        self._semaphore.acquire()

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self._semaphore.release()


def concurrency_of(client: object) -> int:
    """How many calls `client` lets run at once (1 when it does not say)."""
    value = getattr(client, "max_concurrency", 1)
    return value if isinstance(value, int) and value > 1 else 1


def map_calls(client: object, function: Callable[[T], R], items: Iterable[T]) -> list[R]:
    """`function` applied to every item, on up to `concurrency_of(client)` threads; results in item order.
    When a call fails, calls not yet started are dropped and the first failure (in item order) is raised
    once the running ones have ended."""
    work = list(items)
    workers = min(concurrency_of(client), len(work))
    if workers <= 1:
        return [function(item) for item in work]
    executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="mcstate-call")
    futures: Sequence[Future[R]] = [executor.submit(function, item) for item in work]
    try:
        return [future.result() for future in futures]
    finally:
        # On success every future is done; on failure the ones not started are cancelled.
        executor.shutdown(wait=True, cancel_futures=True)
