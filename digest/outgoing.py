"""The daemon's mail: each digest it publishes is mailed on a thread of its own.

A slow or unreachable server never holds up the inbox. Each digest is noted in `digest.unmailed`
until it is mailed, so a stop (or a crash) leaves it for the next start, which mails it. A stop
cuts the pauses between attempts short and says which digests were not mailed.
"""

from __future__ import annotations

import logging
import threading
import time

from digest import mail, unmailed
from digest.config import Config
from digest.errors import DigestError
from digest.permalinks import digest_files

log = logging.getLogger(__name__)
STOP_SECONDS = 3.0  # how long a stop waits for an attempt in flight to end
MAILING = "digest run began mailing it and had not finished"
STOPPED = "digest run stopped while it was waiting to try again"


class _Stopped(Exception):
    """The daemon is stopping: no further attempt."""


class Outgoing:
    """Digests being mailed in the background, by name."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self._stopping = threading.Event()
        self._threads: dict[str, threading.Thread] = {}

    def send(self, name: str) -> None:
        """Mail `name` on a thread of its own, when email is configured; failures are logged."""
        if not self.config.email.enabled or self._stopping.is_set():
            return
        unmailed.owe(self.config, name, MAILING)
        thread = threading.Thread(target=self._send, args=(name,), name=f"mail {name}")
        thread.daemon = True  # an attempt in flight ends with the process; the note remains
        self._threads[name] = thread
        thread.start()

    def send_owed(self) -> None:
        """Mail again what an earlier run did not (see `digest.unmailed`)."""
        if not self.config.email.enabled:
            return
        for name, reason in unmailed.owed(self.config).items():
            log.info("mailing %s, which was not mailed (%s)", name, reason)
            self.send(name)

    def stop(self, seconds: float = STOP_SECONDS) -> list[str]:
        """Stop trying; the names of the digests left not mailed, each logged with what to do."""
        self._stopping.set()
        deadline = time.monotonic() + seconds
        for thread in self._threads.values():
            thread.join(timeout=max(0.0, deadline - time.monotonic()))
        owed = unmailed.owed(self.config)  # read once
        left = [name for name in self._threads if name in owed]
        for name in left:
            log.warning(
                "%s was not mailed: the next `digest run` mails it, or `digest send %s` now",
                name, name,
            )  # fmt: skip
        return left

    def _pause(self, seconds: float) -> None:
        if self._stopping.wait(seconds):
            raise _Stopped

    def _send(self, name: str) -> None:
        try:
            mailed = mail.send_digest(self.config, name, sleep=self._pause)
        except _Stopped:
            unmailed.owe(self.config, name, STOPPED)
        except mail.SendError as error:
            log.error("%s", error)
            unmailed.owe(self.config, name, str(error))
        except DigestError as error:
            self._not_sent(name, error)
        except Exception:  # a bug in sending must not go unseen, nor stop anything else
            log.exception("unexpected error while mailing %s", name)
        else:
            refusal = mailed.refusal()
            if refusal is not None:
                log.error("%s", refusal)

    def _not_sent(self, name: str, error: DigestError) -> None:
        """Forget `name` when it is gone from the outbox (nothing is left to mail); otherwise
        (a mail template that fails, an unreadable JSON, email settings) keep it noted, with
        the error as the reason, for a `digest send` or a restart once that is fixed."""
        try:
            gone = not digest_files(self.config.paths.outbox, name)
        except OSError:  # an outbox that cannot be looked at: nothing known to be gone
            gone = False
        if not gone:
            log.error("%s", error)
            unmailed.owe(self.config, name, str(error))
            return
        log.warning(
            "%s is no longer in %s: nothing to mail, and no longer noted as not mailed (%s)",
            name, self.config.paths.outbox, error,
        )  # fmt: skip
        unmailed.clear(self.config, name)
