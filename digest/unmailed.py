"""Digests the daemon was to mail and has not: a small JSON file beside the state.

`state.sqlite3.unmailed` maps each such digest's name to why it is not mailed yet. The daemon
notes a digest before it mails it and clears it once mailed, so a stop (or a crash) in between
leaves it noted: `digest status` lists it and the next `digest run` mails it. Any successful send
of the digest (`digest send NAME`) clears it too.
"""

from __future__ import annotations

import json
import logging
import threading
from dataclasses import dataclass
from pathlib import Path

from digest.config import Config
from digest.files import write_atomic

log = logging.getLogger(__name__)
_LOCK = threading.Lock()  # the daemon's mail threads note and clear at the same time


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
        return {}
    return {str(name): str(reason) for name, reason in data.items()}


def listed(config: Config) -> tuple[Unmailed, ...]:
    """The digests not mailed yet, oldest first."""
    return tuple(Unmailed(name, reason) for name, reason in owed(config).items())


def owe(config: Config, name: str, reason: str) -> None:
    """Note that `name` is not mailed yet, and why (replacing an earlier reason)."""
    with _LOCK:
        record = owed(config)
        record[name] = reason
        _write(config, record)


def clear(config: Config, name: str) -> None:
    """Forget `name`, once it is mailed; writes nothing when it was not noted."""
    with _LOCK:
        record = owed(config)
        if record.pop(name, None) is not None:
            _write(config, record)


def _write(config: Config, record: dict[str, str]) -> None:
    """Write the record (removed when empty); a failure is a warning: the mail matters more."""
    try:
        if not record:
            path(config).unlink(missing_ok=True)
            return
        path(config).parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path(config), json.dumps(record, indent=2, ensure_ascii=False) + "\n")
    except OSError as error:
        log.warning("%s: cannot note the digests not yet mailed (%s)", path(config), error)
