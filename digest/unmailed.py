"""Digests the daemon was to mail and has not: a small JSON file beside the state.

`state.sqlite3.unmailed` maps each such digest's name to why it is not mailed yet. The daemon
notes a digest before it mails it and clears it once mailed, so a stop (or a crash) in between
leaves it noted: `digest status` lists it and the next `digest run` mails it. Any successful send
of the digest (`digest send NAME`) clears it too.

The daemon and a `digest send` in another process may note and clear at the same moment: each
change reads, changes and replaces the record under an advisory lock on `<record>.lock`, so no
note is lost and none cleared comes back.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from digest.config import Config
from digest.files import write_atomic

log = logging.getLogger(__name__)
_LOCK = threading.Lock()  # the daemon's mail threads note and clear at the same time
NO_REASON = "no reason was noted"


@dataclass(frozen=True, slots=True)
class Unmailed:
    """A digest not mailed yet, and why."""

    name: str
    reason: str


def path(config: Config) -> Path:
    """Where the record lives: beside the state file."""
    return config.paths.state.with_name(config.paths.state.name + ".unmailed")


def owed(config: Config) -> dict[str, str]:
    """{digest name: why it is not mailed yet}, oldest first; empty when none (or unreadable)."""
    try:
        data = json.loads(path(config).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as error:
        log.warning("%s: cannot read the digests not yet mailed (%s)", path(config), error)
        return {}
    if not isinstance(data, dict):
        log.warning(
            "%s: not a record of the digests not yet mailed (a JSON object of name → why was"
            " expected, not %s); ignored",
            path(config),
            type(data).__name__,
        )
        return {}
    return _reasons(data)


def _reasons(data: dict) -> dict[str, str]:
    """{name: why} of a record read, each as text."""
    return {
        str(name): NO_REASON if reason is None else str(reason) for name, reason in data.items()
    }


def listed(config: Config) -> tuple[Unmailed, ...]:
    """The digests not mailed yet, oldest first."""
    return tuple(Unmailed(name, reason) for name, reason in owed(config).items())


def owe(config: Config, name: str, reason: str) -> None:
    """Note that `name` is not mailed yet, and why (replacing an earlier reason)."""
    _change(config, name, reason, f"note {name} as not yet mailed")


def clear(config: Config, name: str) -> None:
    """Forget `name`, once it is mailed; writes nothing when it was not noted."""
    if name not in owed(config):  # a `digest send` of a digest never noted touches nothing
        return
    _change(config, name, None, f"clear {name} from the digests not yet mailed")


def _change(config: Config, name: str, reason: str | None, change: str) -> None:
    """Note `name` with `reason` (None: forget it) in one read-change-write of the record, under
    both locks; a failure is a warning saying which `change` was not made: the mail matters
    more."""
    with _LOCK:
        try:
            with _locked(path(config)):
                record = _read_or_set_aside(config)
                if reason is not None:
                    record[name] = reason
                elif record.pop(name, None) is None:
                    return  # it was not noted: nothing to write
                _write(config, record)
        except OSError as error:
            log.warning("%s: cannot %s (%s)", path(config), change, error)


def _read_or_set_aside(config: Config) -> dict[str, str]:
    """The record, as `owed` reads it; one that cannot be read is kept as `<record>.damaged`
    (with a warning) before a new one replaces it, so the names it held are not lost without a
    word. Raises OSError."""
    record = path(config)
    try:
        data = json.loads(record.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except ValueError:
        data = None
    if isinstance(data, dict):
        return _reasons(data)
    kept = record.with_name(record.name + ".damaged")
    os.replace(record, kept)
    log.warning("%s could not be read; kept as %s, and a new record begun", record, kept)
    return {}


@contextmanager
def _locked(record: Path) -> Iterator[None]:
    """Hold the lock file beside `record` for the block: the daemon and a `digest send` in
    another process change the record one at a time. Raises OSError when it cannot be made."""
    record.parent.mkdir(parents=True, exist_ok=True)
    handle = os.open(record.with_name(record.name + ".lock"), os.O_RDWR | os.O_CREAT, 0o666)
    try:
        fcntl.flock(handle, fcntl.LOCK_EX)  # held for a moment: a read and a small write
        yield
    finally:
        os.close(handle)  # which lets the lock go


def _write(config: Config, record: dict[str, str]) -> None:
    """Replace the record at once (or remove it when empty); raises OSError."""
    if not record:
        path(config).unlink(missing_ok=True)
        return
    write_atomic(path(config), json.dumps(record, indent=2, ensure_ascii=False) + "\n")
