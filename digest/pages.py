"""Reading fetched web pages within the time budget of one file, whatever thread asks.

`digest fetch` reads a subscription's full-text pages on its worker threads, where the budget of
`limits.time_budget` (a timer signal, main thread only) cannot apply. So the pages are read by a
worker process of their own (`python -m digest.pages`), on its main thread and under that
budget; a read that still runs past the budget (in code a signal cannot interrupt) ends with
the worker, which is killed and started again for the next page. The worker gets one JSON line
per page and answers one JSON line: {"paragraphs": [...]} or {"error": "..."}.
"""

from __future__ import annotations

import json
import select
import subprocess
import sys
import threading
import time
from threading import Event

from digest import limits
from digest.errors import ReadError

GRACE_SECONDS = 5.0  # past the budget, how long the worker may take to report it itself
POLL_SECONDS = 0.1  # how often a waiting read checks whether digest is stopping


class PageReader:
    """Reads pages into paragraphs in one worker process, started on the first page and shared
    by the threads of one fetch (one page at a time); `close` ends it."""

    def __init__(self, stop: Event | None = None, seconds: float | None = None) -> None:
        self.stop = stop or Event()
        self.seconds = seconds or limits.READ_SECONDS
        self._worker: subprocess.Popen | None = None
        self._lock = threading.Lock()

    def paragraphs(self, page: str) -> list[str]:
        """The article text of a saved page, by paragraph; ReadError when it cannot be read in
        time (or holds no article), as when the inbox reads a page."""
        with self._lock:
            if self.stop.is_set():  # digest is stopping: no worker started just to be ended
                raise ReadError("stopped")
            worker = self._start()
            request = json.dumps({"page": page, "seconds": self.seconds}) + "\n"
            try:
                worker.stdin.write(request.encode())
                worker.stdin.flush()
                line = self._answer(worker)
            except OSError:
                line = b""
            if not line:
                self._end()
                raise ReadError("the page reader stopped before reading it")
            answer = json.loads(line)
            if "error" in answer:
                raise ReadError(answer["error"])
            return answer["paragraphs"]

    def close(self) -> None:
        with self._lock:
            self._end()

    def _start(self) -> subprocess.Popen:
        if self._worker is None or self._worker.poll() is not None:
            self._worker = subprocess.Popen(
                [sys.executable, "-P", "-m", "digest.pages"],  # -P: never a digest/ of the cwd
                stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                start_new_session=True,  # a Ctrl-C is digest's to handle: it ends the worker
            )  # fmt: skip
        return self._worker

    def _answer(self, worker: subprocess.Popen) -> bytes:
        """The worker's answer line, waiting for it within the budget (and the grace)."""
        ends = time.monotonic() + self.seconds + GRACE_SECONDS
        while not select.select([worker.stdout], [], [], POLL_SECONDS)[0]:
            if self.stop.is_set():
                self._end()
                raise ReadError("stopped")
            if time.monotonic() > ends:
                self._end()
                raise ReadError(
                    f"reading it took longer than {self.seconds:g} s, the limit for one file"
                )
        return worker.stdout.readline()

    def _end(self) -> None:
        if self._worker is not None:
            self._worker.kill()
            self._worker.wait()
            for pipe in (self._worker.stdin, self._worker.stdout):
                pipe.close()
            self._worker = None


def read_page(page: str, seconds: float) -> list[str]:
    """The page's article paragraphs, read within `seconds` (on the worker's main thread)."""
    from digest.readers.html import read_html

    with limits.time_budget(seconds):
        limits.check_markup(page)
        return read_html(page)[0].text.split("\n\n")


def serve() -> None:
    """The worker: a page per line of stdin, an answer per line of stdout, until stdin ends."""
    for line in sys.stdin.buffer:
        request = json.loads(line)
        try:
            answer = {"paragraphs": read_page(request["page"], request["seconds"])}
        except ReadError as error:
            answer = {"error": str(error)}
        except Exception as error:  # a reader bug: this page is not read, the next one is
            answer = {"error": f"digest failed to read it ({type(error).__name__}: {error})"}
        sys.stdout.write(json.dumps(answer) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    serve()
