"""A progress bar on standard error while a command reads a large account, only when it is a terminal.

    with ReadProgress() as progress:
        result = retrieve(progress.counting(client), options, progress=progress.kind)

The bar advances by kind (the callback retrieve calls before reading each kind) and counts the objects
read so far through the client, so that a long read (thousands of data extensions, one REST call per data
extract) visibly moves. Off a terminal (CI logs, pipes) nothing is drawn: the summary says it all.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from types import TracebackType
from typing import IO, Any

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)

from mcstate.resources.base import Retriever


class ReadProgress:
    def __init__(self, stream: IO[str] | None = None, *, enabled: bool | None = None) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = _is_terminal(self.stream) if enabled is None else enabled
        self.objects = 0
        self._progress: Progress | None = None
        self._task: TaskID | None = None

    def __enter__(self) -> ReadProgress:
        if self.enabled:
            self._progress = Progress(
                SpinnerColumn(),
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("{task.fields[objects]} items read"),
                TimeElapsedColumn(),
                console=Console(file=self.stream),
                transient=True,
            )
            self._progress.start()
            self._task = self._progress.add_task("Reading the account", total=None, objects=0)
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._progress is not None:
            self._progress.stop()
            self._progress = None

    def kind(self, kind: str, done: int, total: int) -> None:
        """retrieve's progress callback: `kind` is about to be read, `done` of `total` kinds are."""
        if self._progress is None or self._task is None:
            return
        description = f"Reading {kind}" if kind else "Read the account"
        self._progress.update(self._task, description=description, completed=done, total=total)

    def counting(self, client: Any) -> Any:
        """`client`, counting the objects its reads return (a no-op wrapper off a terminal)."""
        return _Counting(client, self) if self.enabled else client

    def add(self, count: int) -> None:
        self.objects += count
        if self._progress is not None and self._task is not None:
            self._progress.update(self._task, objects=self.objects)


class _Counting:
    """A Retriever that reports how many objects each read returned; everything else goes to the client."""

    def __init__(self, client: Retriever, progress: ReadProgress) -> None:
        self._client = client
        self._progress = progress

    def retrieve(
        self, object_type: str, properties: Sequence[str], filter: Any = None
    ) -> list[dict[str, Any]]:
        rows = self._client.retrieve(object_type, properties, filter)
        self._progress.add(len(rows))
        return rows

    def rest_items(self, path: str) -> list[dict[str, Any]]:
        items = self._client.rest_items(path)
        self._progress.add(len(items))
        return items

    def rest_get(self, path: str) -> Any:
        return self._client.rest_get(path)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)


def _is_terminal(stream: IO[str]) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False
