"""One digest process at a time per state file: an advisory lock beside the database."""

from __future__ import annotations

import contextlib
import fcntl
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from digest.errors import LockedError, StoreError

_HANDLES: set[int] = set()  # lock handles this process holds open


@contextmanager
def state_lock(state: Path, *, wait: float = 0.0) -> Iterator[None]:
    """Hold the lock on `state` for the block; wait up to `wait` seconds, then LockedError.

    The operating system releases the lock when the process dies, even after kill -9, so a
    crash never leaves a stale lock behind (forked workers close their copies at start).
    """
    lock_path = state.with_name(state.name + ".lock")
    try:
        state.parent.mkdir(parents=True, exist_ok=True)
        handle = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as error:
        raise StoreError(
            f"paths.state: cannot write in {state.parent}: {error.strerror or error}"
        ) from None
    _HANDLES.add(handle)
    deadline = time.monotonic() + wait
    try:
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    holder = _holder(lock_path)
                    raise LockedError(
                        f"another digest process{holder} is using {state}; "
                        "wait for it to finish (or stop `digest run`) and try again"
                    ) from None
                time.sleep(0.1)
        os.ftruncate(handle, 0)
        os.write(handle, str(os.getpid()).encode())
        yield
    finally:
        _HANDLES.discard(handle)
        os.close(handle)


def close_inherited() -> None:
    """In a forked worker: close the lock handles copied from the parent.

    A lock lasts while any copy of its handle is open, so a worker left running after its parent
    was killed would otherwise keep every later digest process out. Closing the copy leaves the
    parent's lock in place.
    """
    for handle in list(_HANDLES):
        _HANDLES.discard(handle)
        with contextlib.suppress(OSError):  # already closed: nothing to let go of
            os.close(handle)


def _holder(lock_path: Path) -> str:
    try:
        pid = lock_path.read_text().strip()
    except OSError:
        return ""
    return f" (pid {pid})" if pid.isdigit() else ""
