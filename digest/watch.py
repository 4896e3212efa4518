"""Watching the inbox: file events are only recorded; files are read once they settle.

A file has settled when its size and modification time have stayed the same for
`settle_seconds` of our own clock, from the moment we first saw them. The file's modification
time is never taken for its age: the machine that wrote it (a network-share client) may have a
clock running behind or ahead of ours.
Hidden and temporary names are ignored; a periodic rescan of the folder catches anything the
event stream missed (an overflowing event queue, a network drive).
"""

from __future__ import annotations

import logging
import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from watchdog.events import (
    EVENT_TYPE_CLOSED_NO_WRITE,
    EVENT_TYPE_OPENED,
    FileSystemEvent,
    FileSystemEventHandler,
)
from watchdog.observers import Observer
from watchdog.observers.api import BaseObserver
from watchdog.observers.polling import PollingObserver

from digest.errors import DigestError
from digest.inbox import is_ignored, pending_files

log = logging.getLogger(__name__)
RESCAN_SECONDS = 5.0
# A file handed over that is still in the inbox, unchanged, afterwards (it could not be moved
# away, say on a read-only inbox) is handed over again only after this long, not at every tick.
RETRY_SECONDS = 60.0
# Reading a file is an event too (opened, closed without writing): it says nothing new.
_READ_ONLY_EVENTS = (EVENT_TYPE_OPENED, EVENT_TYPE_CLOSED_NO_WRITE)


@dataclass(slots=True)
class _Candidate:
    size: int
    mtime_ns: int
    stable_since: float


class SettledFiles:
    """Tracks inbox files until each one stops changing; thread-safe."""

    def __init__(self, inbox: Path, settle_seconds: float, clock=time.monotonic) -> None:
        self.inbox = inbox
        self.settle_seconds = settle_seconds
        self.clock = clock  # how long a file has stayed the same, as we saw it
        self._touched: dict[Path, float] = {}
        self._candidates: dict[Path, _Candidate] = {}
        self._handed: dict[Path, tuple[int, int, float]] = {}  # size, mtime_ns, when
        self._lock = threading.Lock()
        self._last_rescan = float("-inf")

    def touch(self, path: Path) -> None:
        """Note an event on `path` (called from the observer's thread)."""
        if path.parent == self.inbox and not is_ignored(path.name):
            with self._lock:
                self._touched[path] = self.clock()

    def rescan(self) -> None:
        """Note every file waiting in the inbox (at start, and now and then)."""
        now = self.clock()
        self._last_rescan = now
        with self._lock:
            for path in pending_files(self.inbox):
                self._touched.setdefault(path, now)

    def settled(self) -> list[Path]:
        """Files that stopped changing; each is returned once until it is touched again."""
        now = self.clock()
        if now - self._last_rescan >= RESCAN_SECONDS:
            self.rescan()
        with self._lock:
            touched = dict(self._touched)
        self._handed = {p: h for p, h in self._handed.items() if now - h[2] < RETRY_SECONDS}
        settled = [path for path in touched if self._is_settled(path, now)]
        ready = [path for path in settled if not self._handed_unchanged(path)]
        with self._lock:
            for path in settled:
                if self._touched.get(path) == touched[path]:
                    del self._touched[path]
                candidate = self._candidates.pop(path, None)
                if path in ready and candidate is not None:
                    self._handed[path] = (candidate.size, candidate.mtime_ns, now)
        return sorted(ready)

    def _handed_unchanged(self, path: Path) -> bool:
        """True when `path` was handed over lately and has not changed since."""
        handed, seen = self._handed.get(path), self._candidates.get(path)
        return handed is not None and seen is not None and handed[:2] == (seen.size, seen.mtime_ns)

    def _is_settled(self, path: Path, now: float) -> bool:
        try:
            info = os.stat(path, follow_symlinks=False)
        except FileNotFoundError:
            with self._lock:  # gone (moved away or deleted): nothing to read
                self._touched.pop(path, None)
                self._candidates.pop(path, None)
                self._handed.pop(path, None)
            return False
        except OSError:
            return True  # unreadable: let the reader reject it with the reason
        seen = self._candidates.get(path)
        if seen is None or (seen.size, seen.mtime_ns) != (info.st_size, info.st_mtime_ns):
            self._candidates[path] = _Candidate(info.st_size, info.st_mtime_ns, now)
            if seen is not None:
                return False  # it changed since we last looked
        # Only what we saw ourselves counts: a file stamped ten minutes ago by a client whose
        # clock runs behind may still be growing.
        return now - self._candidates[path].stable_since >= self.settle_seconds

    def waiting(self) -> int:
        with self._lock:
            return len(self._touched)


class _Recorder(FileSystemEventHandler):
    def __init__(self, files: SettledFiles) -> None:
        self.files = files

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.is_directory or event.event_type in _READ_ONLY_EVENTS:
            return
        for attribute in ("src_path", "dest_path"):
            path = getattr(event, attribute, "")
            if path:
                self.files.touch(Path(os.fsdecode(path)))


class _ShutdownRace(logging.Filter):
    """Drops the error watchdog logs when its inotify thread is stopped mid-read: a race inside
    watchdog at every shutdown, not a failure of anything."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "called when the thread is inactive" not in record.getMessage()


logging.getLogger("watchdog.observers.inotify").addFilter(_ShutdownRace())


def start_observer(files: SettledFiles, *, polling: bool) -> BaseObserver:
    """Start watching the inbox with native events, or by polling when asked to."""
    try:
        files.inbox.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise DigestError(
            f"paths.inbox: cannot create {files.inbox}: {error.strerror or error}"
        ) from None
    observer: BaseObserver = PollingObserver(timeout=1) if polling else Observer()
    observer.schedule(_Recorder(files), str(files.inbox), recursive=False)
    observer.daemon = True
    observer.start()
    log.info("watching %s%s", files.inbox, " (polling)" if polling else "")
    return observer
