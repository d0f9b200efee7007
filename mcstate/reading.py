"""Reading the kinds of an account side by side.

Each kind is read by its own Retrieve (plus pages), and most kinds need nothing from the others until their
answer is in: the folders a data extension sits in, the data extension a filter reads, are looked up after
the call. So every kind is read on its own thread, all at once; a kind that looks at a kind before it in the
registry (`live.get("Folder")`) waits for that kind there. What each kind sees is what it sees when the kinds
are read one after the other: exactly the kinds before it. The calls themselves are bounded by the client
(mcstate.client.parallel.CallSlots), however many kinds are reading.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, TypeVar

from mcstate.client.parallel import concurrency_of

T = TypeVar("T")
R = TypeVar("R")
KindObjects = dict[str, Any]  # lookup address -> Live
ReadKind = Callable[[str, Mapping[str, KindObjects]], KindObjects]


class _KindsBefore(Mapping[str, KindObjects]):
    """The kinds read before one kind, each available once its read is done (waiting for it if needed)."""

    def __init__(self, futures: Mapping[str, Future[KindObjects]], kinds: Sequence[str]) -> None:
        self._futures = futures
        self._kinds = tuple(kinds)

    def __getitem__(self, kind: str) -> KindObjects:
        if kind not in self._kinds:
            raise KeyError(kind)
        return self._futures[kind].result()

    def __iter__(self) -> Iterator[str]:
        return iter(self._kinds)

    def __len__(self) -> int:
        return len(self._kinds)


def read_kinds(client: object, kinds: Sequence[str], read_kind: ReadKind) -> dict[str, KindObjects]:
    """`read_kind(kind, kinds read before)` for every kind: in order on this thread when the client runs one
    call at a time, else all at once. A failure is raised as the first failing kind's, in registry order."""
    if concurrency_of(client) <= 1:
        live: dict[str, KindObjects] = {}
        for kind in kinds:
            live[kind] = read_kind(kind, live)
        return live
    futures: dict[str, Future[KindObjects]] = {}
    # One thread per kind: a kind waiting for an earlier one must never keep that one from running.
    executor = ThreadPoolExecutor(max_workers=len(kinds), thread_name_prefix="mcstate-read")
    try:
        for position, kind in enumerate(kinds):
            futures[kind] = executor.submit(read_kind, kind, _KindsBefore(futures, kinds[:position]))
        return {kind: futures[kind].result() for kind in kinds}
    finally:
        executor.shutdown(wait=True, cancel_futures=True)


def alongside(client: object, first: Callable[[], T], second: Callable[[Future[T]], R]) -> tuple[T, R]:
    """`first()` and `second(future of first)` at the same time when the client allows it (`second` calls
    `.result()` where it needs the first value); one after the other otherwise."""
    if concurrency_of(client) <= 1:
        done: Future[T] = Future()
        done.set_result(first())
        return done.result(), second(done)
    executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="mcstate-read")
    try:
        future = executor.submit(first)
        other = second(future)
        return future.result(), other
    finally:
        executor.shutdown(wait=True, cancel_futures=True)
