"""The inbox folder: which files wait there, and where they go once read.

Read files move to `inbox/processed/YYYY-MM-DD/`; files that cannot be read move to
`inbox/rejected/` beside `<name>.error`, a note saying why. Nothing is ever deleted.
"""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

PROCESSED = "processed"
REJECTED = "rejected"
_TEMPORARY_SUFFIXES = (".tmp", ".part", ".crdownload", ".partial", ".swp", "~")


def is_ignored(name: str) -> bool:
    """Hidden files and the temporary names of files still being written."""
    return name.startswith(".") or name.lower().endswith(_TEMPORARY_SUFFIXES)


def pending_files(inbox: Path) -> list[Path]:
    """Files waiting at the top of the inbox, oldest first (subfolders are not read)."""
    if not inbox.is_dir():
        return []
    found = []
    with os.scandir(inbox) as entries:
        for entry in entries:
            if is_ignored(entry.name):
                continue
            try:
                if entry.is_file() or entry.is_symlink():
                    found.append((entry.stat(follow_symlinks=False).st_mtime, entry.name))
            except OSError:
                continue  # vanished between listing and stat
    return [inbox / name for _, name in sorted(found)]


def rejected_files(inbox: Path) -> list[Path]:
    """Files set aside as unreadable (not their .error notes)."""
    folder = inbox / REJECTED
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.is_file() and p.suffix != ".error")


def move_processed(path: Path, inbox: Path, when: datetime) -> Path | None:
    """Move a read file into processed/<date>/; returns its new path (None if it vanished)."""
    return _move(path, inbox / PROCESSED / when.strftime("%Y-%m-%d"))


def reject(path: Path, inbox: Path, reason: str) -> Path | None:
    """Move an unreadable file into rejected/ and write `<name>.error` saying why."""
    target = _move(path, inbox / REJECTED)
    if target is not None:
        note = target.with_name(target.name + ".error")
        note.write_text(f"{path.name}: {reason}\n", encoding="utf-8")
    return target


def _move(path: Path, folder: Path) -> Path | None:
    folder.mkdir(parents=True, exist_ok=True)
    target = _free_name(folder, path.name)
    try:
        os.replace(path, target)
    except FileNotFoundError:
        return None
    return target


def _free_name(folder: Path, name: str) -> Path:
    """`name` in `folder`, or `name-2`, `name-3`, ... when taken (so nothing is overwritten)."""
    target = folder / name
    stem, suffix = Path(name).stem, Path(name).suffix
    number = 2
    while target.exists() or target.with_name(target.name + ".error").exists():
        target = folder / f"{stem}-{number}{suffix}"
        number += 1
    return target
