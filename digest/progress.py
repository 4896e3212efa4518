"""Progress for long work: a bar on a terminal, a few log lines otherwise."""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterable, Iterator
from typing import TypeVar

T = TypeVar("T")
log = logging.getLogger("digest")
MIN_ITEMS = 50  # shorter work shows no progress at all


def progress(items: Iterable[T], total: int, what: str) -> Iterator[T]:
    """Yield `items`, showing how far along `what` is when there are many of them."""
    if total < MIN_ITEMS:
        yield from items
        return
    if sys.stderr.isatty():
        from tqdm import tqdm

        # No monitor thread: a thread left running would make `parallel_map` think this is the
        # daemon and stop forking workers for the rest of the build.
        tqdm.monitor_interval = 0
        yield from tqdm(items, total=total, desc=what, unit="", leave=False, file=sys.stderr)
        return
    step = max(total // 10, 1)
    for done, item in enumerate(items, start=1):
        yield item
        if done % step == 0 or done == total:
            log.info("%s: %d/%d", what, done, total)
