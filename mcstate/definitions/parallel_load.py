"""Loading the files of a large project on two processes.

Parsing YAML and checking documents is Python work that one process does one file at a time; on a machine
with more than one core, a child process (forked, so it starts at once with everything imported) loads the
second half of the files while this process loads the first, and hands its results back. The result is the
same as loading every file here, in the same order; when anything goes wrong in the child, its files are
simply loaded here. Small projects, machines with one core, systems without fork and processes that already
run threads (forking those is unsafe) load everything here.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")

# Below this many bytes of YAML, starting a process costs more than it saves.
MIN_PARALLEL_BYTES = 1024 * 1024


def load_in_two(
    files: Sequence[tuple[Path, str]], load: Callable[[Sequence[tuple[Path, str]]], list[T]]
) -> list[T]:
    """`load(files)`, the second half (by size) in a child process when worth it. `load` must be a
    module-level function (it is handed to the child by reference) returning one result per file."""
    sizes = [_size(path) for path, _ in files]
    total = sum(sizes)
    if not _worth_it(len(files), total):
        return load(files)
    running, split = 0, len(files)
    for position, size in enumerate(sizes):
        running += size
        if running >= total / 2:
            split = position + 1
            break
    first, second = list(files[:split]), list(files[split:])
    if not second:
        return load(files)
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
        later = pool.submit(load, second)
        loaded = load(first)
        try:
            rest = later.result()
        except Exception:  # the child failed (killed, out of memory, ...): load its files here
            rest = load(second)
    return [*loaded, *rest]


def _worth_it(count: int, total: int) -> bool:
    return (
        count >= 2
        and total >= MIN_PARALLEL_BYTES
        and (os.cpu_count() or 1) >= 2
        and "fork" in multiprocessing.get_all_start_methods()
        and threading.active_count() == 1
    )


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0
