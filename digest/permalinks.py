"""A digest's files in the outbox and its permalink: the one rule the archive (its index page,
feed and mails) and a digest's links to other digests ("previously in") share.

A digest is written in the formats the config named when it was built; a later config may name
others. So which files a digest has is read from the outbox, never from the current config.
"""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path

from digest.models import FORMATS

PERMALINK_FORMATS = FORMATS  # the first that exists is the digest's permalink


def digest_files(
    folder: Path, stem: str, listed: Collection[str] | None = None
) -> tuple[Path, ...]:
    """The files of digest `stem` (digest-2026-11-21) in `folder`, its permalink first: one per
    format of PERMALINK_FORMATS that exists. `listed`: the names of the folder's files, when
    they were listed already (nothing is looked up then)."""
    names = [f"{stem}.{fmt}" for fmt in PERMALINK_FORMATS]
    if listed is not None:
        return tuple(folder / name for name in names if name in listed)
    return tuple(path for name in names if (path := folder / name).is_file())
