"""Publishing a digest as one unit with its record in the state.

A build writes the digest's own files, records the digest and commits; only then does it write
the `latest.*` copies (this module is their one writer). From before the files are written until
the copies are, a marker beside the state names the digest: a build stopped in between (kill -9,
a full disk, a failed commit) leaves it, and the next build (or `digest archive`) finishes the
work. A digest that was recorded gets its copies; the files of one that was not are removed, and
its articles, still unpublished, go into the next digest, under the same name. So no digest is
ever on disk without its record, nor published twice; until then the archive and `digest send`
pass over it.
"""

from __future__ import annotations

import logging
import os
import stat
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from digest.config import Config
from digest.errors import DigestError
from digest.files import write_atomic
from digest.models import FORMATS, Digest
from digest.render import LATEST, Links, digest_stem, render, write
from digest.store import Store

log = logging.getLogger(__name__)
STALE_SECONDS = 600  # a temporary file this old belongs to no running write


@dataclass(frozen=True, slots=True)
class Publication:
    """A digest's own files, written into the outbox, and their texts."""

    stem: str  # digest-2026-11-21
    texts: Mapping[str, str]  # {format: text}
    files: tuple[Path, ...]


def marker(config: Config) -> Path:
    """The file that names the digest being published."""
    return config.paths.state.with_name(config.paths.state.name + ".publishing")


def unfinished(config: Config) -> str | None:
    """The name of the digest a build is publishing, or stopped publishing; None when none."""
    try:
        return marker(config).read_text(encoding="utf-8").strip() or None
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as error:
        raise DigestError(f"cannot read {marker(config)}: {error}") from None


def links(config: Config, *, mail: bool = False, name: str = "", elsewhere: bool = False) -> Links:
    """Where the links of a digest rendered under `config` point: to the files of the other
    digests in its outbox (`elsewhere`: from a digest written outside it, a preview)."""
    outbox = config.paths.outbox
    return Links(config.digest.base_url, config.digest.formats, mail, name, outbox, elsewhere)


def next_name(config: Config, store: Store, digest: Digest) -> str:
    """The name `digest` is published under: the first of its day's names (`render.digest_stem`)
    that neither a file of the outbox nor a digest recorded in `store` has."""
    return digest_stem(config.paths.outbox, digest, store.digest_names())


def write_digest(config: Config, digest: Digest, stem: str) -> Publication:
    """Note the publication, then render the digest in every configured format and write its own
    files into the outbox as `stem` (`next_name`); `finish` completes it once it is recorded."""
    texts = render(
        digest,
        config.paths.templates,
        config.digest.formats,
        config.digest.intro,
        links(config, name=stem),
    )
    begin(config, stem)
    files = write(texts, config.paths.outbox, stem)
    log.info("wrote %s", ", ".join(path.name for path in files))
    return Publication(stem, texts, tuple(files))


def begin(config: Config, stem: str) -> None:
    """Note that digest `stem` is being published (before any of its files is written)."""
    note = marker(config)
    try:
        write_atomic(note, stem + "\n")
    except OSError as error:
        raise DigestError(
            f"cannot write {note} (it marks the digest being published):"
            f" {error.strerror or error}; nothing was published"
        ) from None


def finish(
    config: Config, stem: str, texts: Mapping[str, str], *, recovering: bool = False
) -> tuple[Path, ...]:
    """After the digest is recorded: its `latest.*` copies (from its texts), and the copies of
    the formats it was not written in go (they hold an older digest; not when `recovering` a
    stopped publication, whose texts are the files left, not the formats written); then the
    marker goes. A copy that cannot be written or removed is a DigestError, and the marker
    stays, so that the next build or `digest archive` does it; the digest itself stands,
    recorded."""
    outbox = config.paths.outbox
    copies = []
    for fmt, text in texts.items():
        copy = outbox / f"{LATEST}.{fmt}"
        try:
            write_atomic(copy, text)
        except OSError as error:
            raise DigestError(
                f"{stem} is written and recorded, but {copy} could not be written:"
                f" {error.strerror or error}; the next build or `digest archive` writes it"
            ) from None
        copies.append(copy)
    if not recovering:
        _remove_other_copies(outbox, stem, [fmt for fmt in FORMATS if fmt not in texts])
    marker(config).unlink(missing_ok=True)
    return tuple(copies)


def _remove_other_copies(outbox: Path, stem: str, formats: Sequence[str]) -> None:
    """Remove `latest.<format>` of each of `formats`, the formats digest `stem` was not written
    in, when it is a copy of an earlier digest (`_stale_copy`): left, it would go on holding an
    older digest. A user's own file of that name, or a link, stays."""
    removed = []
    for fmt in formats:
        copy = _stale_copy(outbox, fmt)
        if copy is None:
            continue
        try:
            copy.unlink()
        except FileNotFoundError:
            continue
        except OSError as error:
            raise DigestError(
                f"{stem} is written and recorded, but {copy}, a copy of an older digest, could"
                f" not be removed: {error.strerror or error}; the next build or `digest archive`"
                " removes it"
            ) from None
        removed.append(fmt)
    if removed:
        log.info(
            "removed %s, copies of an older digest: %s was not written as %s (digest.formats)",
            ", ".join(f"{LATEST}.{fmt}" for fmt in removed), stem, " or ".join(removed),
        )  # fmt: skip


def _stale_copy(outbox: Path, fmt: str) -> Path | None:
    """`latest.<fmt>` when digest wrote it: a regular file (digest writes no link) holding, byte
    for byte, one of the outbox's digests in that format; else None."""
    copy = outbox / f"{LATEST}.{fmt}"
    try:
        info = os.lstat(copy)
        if not stat.S_ISREG(info.st_mode):
            return None
        held = None
        for path in outbox.glob(f"digest-*.{fmt}"):
            if path.stat().st_size != info.st_size:
                continue
            held = copy.read_bytes() if held is None else held
            if path.read_bytes() == held:
                return copy
    except OSError:  # gone meanwhile, or unreadable: not known to be digest's
        return None
    return None


def withdraw(config: Config, own: Sequence[Path]) -> None:
    """The digest could not be recorded: its files go, and so does the marker."""
    for path in own:
        path.unlink(missing_ok=True)
    marker(config).unlink(missing_ok=True)


def recover(config: Config, store: Store) -> None:
    """Finish a publication that a stopped build left, and remove stale temporary files (with
    the state locked: no build is publishing meanwhile)."""
    _remove_stale_temporaries(config.paths.outbox)
    stem = unfinished(config)
    if stem is None:
        marker(config).unlink(missing_ok=True)  # an empty one
        return
    outbox = config.paths.outbox
    files = [outbox / f"{stem}.{fmt}" for fmt in FORMATS if (outbox / f"{stem}.{fmt}").is_file()]
    if any(record.name == stem for record in store.digests(headlines=0)):
        texts = {path.suffix[1:]: path.read_text(encoding="utf-8") for path in files}
        try:
            finish(config, stem, texts, recovering=True)
        except DigestError as error:  # told, and tried again; it must not stop this build
            log.error("%s", error)
            return
        log.warning(
            "%s was recorded but its latest.* copies were not written: written now (if it was"
            " not mailed, `digest send %s` mails it)", stem, stem,
        )  # fmt: skip
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
