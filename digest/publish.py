"""Publishing a digest as one unit with its record in the state.

A build writes the digest's own files, records the digest and commits; only then does it write
the `latest.*` copies. From before the files are written until the copies are, a marker beside
the state names the digest: a build stopped in between (kill -9, a full disk, a failed commit)
leaves it, and the next build finishes the work. A digest that was recorded gets its copies; the
files of one that was not are removed, and its articles, still unpublished, go into the next
digest, under the same name. So no digest is ever on disk without its record, nor published twice.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from pathlib import Path

from digest.config import Config
from digest.models import FORMATS
from digest.render import LATEST, write_atomic
from digest.store import Store

log = logging.getLogger(__name__)
STALE_SECONDS = 600  # a temporary file this old belongs to no running write


def marker(config: Config) -> Path:
    """The file that names the digest being published."""
    return config.paths.state.with_name(config.paths.state.name + ".publishing")


def begin(config: Config, stem: str) -> None:
    """Note that digest `stem` is being published (before any of its files is written)."""
    write_atomic(marker(config), stem + "\n")


def finish(config: Config, own: Sequence[Path]) -> tuple[Path, ...]:
    """After the digest is recorded: its `latest.*` copies, then the marker goes."""
    copies = []
    for path in own:
        copy = path.with_name(f"{LATEST}{path.suffix}")
        write_atomic(copy, path.read_text(encoding="utf-8"))
        copies.append(copy)
    marker(config).unlink(missing_ok=True)
    return tuple(copies)


def withdraw(config: Config, own: Sequence[Path]) -> None:
    """The digest could not be recorded: its files go, and so does the marker."""
    for path in own:
        path.unlink(missing_ok=True)
    marker(config).unlink(missing_ok=True)


def recover(config: Config, store: Store) -> None:
    """Finish a publication that a stopped build left, and remove stale temporary files."""
    _remove_stale_temporaries(config.paths.outbox)
    note = marker(config)
    try:
        stem = note.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return
    outbox = config.paths.outbox
    files = [outbox / f"{stem}.{fmt}" for fmt in FORMATS if (outbox / f"{stem}.{fmt}").is_file()]
    if stem and any(record.name == stem for record in store.digests()):
        finish(config, files)
        log.warning("%s was recorded but its latest.* copies were not written: written now", stem)
        return
    withdraw(config, files)
    if files:
        log.warning(
            "removed %s: a build stopped before recording it; its stories go into the next"
            " digest", ", ".join(path.name for path in files),
        )  # fmt: skip


def _remove_stale_temporaries(outbox: Path) -> None:
    """Temporary files (`.name.xxxx.tmp`) that a stopped write left in the outbox."""
    if not outbox.is_dir():
        return
    now = time.time()
    for path in outbox.glob(".*.tmp"):
        try:
            if now - path.stat().st_mtime > STALE_SECONDS:
                path.unlink()
                log.info("removed %s, left by a write that stopped", path.name)
        except OSError:
            continue
