"""Spreading independent work (reading files, summarizing stories) over the machine's cores."""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from functools import partial
from typing import TypeVar

from digest.lock import close_inherited

log = logging.getLogger(__name__)
T = TypeVar("T")
R = TypeVar("R")
MIN_PARALLEL = 200  # below this many items, starting workers costs more than it saves
PARENT_CHECK_SECONDS = 0.5


def workers() -> int:
    """How many worker processes to use: one per core the process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def parallel_map(
    function: Callable[[T], R], items: Sequence[T], *, in_process: bool = False
) -> Iterator[R]:
    """`map(function, items)` in order, on several processes when it pays off.

    Workers are forked, so they start at once with everything already imported. A caller that
    runs other threads (the daemon: its watcher and scheduler) says `in_process=True`, since
    forking a threaded process is unsafe.
    """
    count = workers()
    if in_process or len(items) < MIN_PARALLEL or count < 2:
        return map(function, items)
    if threading.active_count() > 1:
        # Kept as a safety net: a child forked while another thread holds a lock (logging's,
        # SQLite's, the allocator's) can wait on it for ever, so a caller that forgot to say
        # in_process (an application embedding digest) gets a slower build, not a hung one.
        log.debug("other threads are running: %d items mapped in this process", len(items))
        return map(function, items)
    import multiprocessing  # with concurrent.futures: only for a build that forks (not `archive`)

    try:
        context = multiprocessing.get_context("fork")
    except ValueError:  # no fork on this platform
        return map(function, items)
    return _pooled(function, items, count, context)


def _pooled(function, items, count, context) -> Iterator:
    from concurrent.futures import ProcessPoolExecutor

    chunk = max(1, min(64, len(items) // (count * 8)))
    start = partial(_start_worker, os.getpid())
    with ProcessPoolExecutor(max_workers=count, mp_context=context, initializer=start) as pool:
        yield from pool.map(function, items, chunksize=chunk)


def _start_worker(parent: int) -> None:
    """Let go of the parent's state lock, and end with the parent, even after a kill -9.

    Workers of a killed parent would otherwise wait for work for ever (each keeps the task
    pipe open for the others), holding the lock copied at the fork.
    """
    close_inherited()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(PARENT_CHECK_SECONDS)
        os._exit(1)

    threading.Thread(target=watch, name="parent watch", daemon=True).start()
