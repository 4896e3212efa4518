"""Spreading independent work (reading files, summarizing stories) over the machine's cores."""

from __future__ import annotations

import multiprocessing
import os
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")
MIN_PARALLEL = 200  # below this many items, starting workers costs more than it saves


def workers() -> int:
    """How many worker processes to use: one per core the process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def parallel_map(function: Callable[[T], R], items: Sequence[T]) -> Iterator[R]:
    """`map(function, items)` in order, on several processes when it pays off.

    Workers are forked, so they start at once with everything already imported; a process
    with other threads running (the daemon) maps in-process instead, since forking a threaded
    process is unsafe.
    """
    count = workers()
    if len(items) < MIN_PARALLEL or count < 2 or threading.active_count() > 1:
        return map(function, items)
    try:
        context = multiprocessing.get_context("fork")
    except ValueError:  # no fork on this platform
        return map(function, items)
    return _pooled(function, items, count, context)


def _pooled(function, items, count, context) -> Iterator:
    chunk = max(1, min(64, len(items) // (count * 8)))
    with ProcessPoolExecutor(max_workers=count, mp_context=context) as pool:
        yield from pool.map(function, items, chunksize=chunk)
