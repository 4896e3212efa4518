"""The inbox folder: which files wait there, and where they go once read.

Read files move to `inbox/processed/YYYY-MM-DD/`; files that cannot be read move to
`inbox/rejected/` beside `<name>.error`, a note saying why. Nothing is ever deleted.

Links are never followed: a symbolic link dropped in the inbox, wherever it points (even at a file
in the inbox), is rejected and moved itself; its target is neither read nor moved.
"""

from __future__ import annotations

import errno
import logging
import os
import re
from datetime import datetime
from pathlib import Path

log = logging.getLogger(__name__)
PROCESSED = "processed"
REJECTED = "rejected"
_TEMPORARY_SUFFIXES = (".tmp", ".part", ".crdownload", ".partial", ".swp", "~")
_MAX_NAME_BYTES = 200  # leaves room for "-NN" and ".error" within the usual 255-byte limit


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
    return sorted(
        p for p in folder.iterdir() if (p.is_symlink() or p.is_file()) and p.suffix != ".error"
    )


def move_processed(path: Path, inbox: Path, when: datetime) -> Path | None:
    """Move a read file into processed/<date>/; returns its new path (None if it vanished)."""
    return _move(path, inbox, PROCESSED, when.strftime("%Y-%m-%d"))


def reject(path: Path, inbox: Path, reason: str) -> Path | None:
    """Move an unreadable file into rejected/ and write `<name>.error` saying why."""
    target = _move(path, inbox, REJECTED)
    if target is not None:
        note = target.with_name(target.name + ".error")
        try:  # "x": a new file, never through a link planted under the note's name
            with open(note, "x", encoding="utf-8", errors="replace") as file:
                file.write(f"{path.name}: {reason}\n")
        except OSError as error:
            log.warning("%s: cannot write %s: %s", path.name, note.name, error.strerror or error)
    return target


def _move(path: Path, inbox: Path, *folders: str) -> Path | None:
    """Move `path` into the inbox subfolder `folders`; None when it vanished or cannot move.

    A file that cannot be moved stays in the inbox (with a warning), so nothing is lost.
    """
    try:
        folder = _subfolder(inbox, folders)
        target = _free_name(folder, path.name)
        os.replace(path, target)
    except FileNotFoundError:
        return None  # gone already (moved or deleted by someone else): nothing to file away
    except OSError as error:
        log.warning("%s: left in the inbox: %s", path.name, error.strerror or error)
        return None
    return target


def _subfolder(inbox: Path, names: tuple[str, ...]) -> Path:
    """inbox/<names...>, created as needed, never through a link or a file of the same name."""
    folder = inbox
    for name in names:
        folder = folder / name
        if folder.is_symlink() or (folder.exists() and not folder.is_dir()):
            message = f"{folder} is a file or link, not a folder digest made; move it away"
            raise NotADirectoryError(errno.ENOTDIR, message)
        folder.mkdir(exist_ok=True)
    return folder


def _free_name(folder: Path, name: str) -> Path:
    """`name` in `folder`, or `name-2`, `name-3`, ... when taken (so nothing is overwritten)."""
    name = _safe_name(name)
    target = folder / name
    stem, suffix = Path(name).stem, Path(name).suffix
    number = 2
    while os.path.lexists(target) or os.path.lexists(target.with_name(target.name + ".error")):
        target = folder / f"{stem}-{number}{suffix}"
        number += 1
    return target


def _safe_name(name: str) -> str:
    """A name that stays inside its folder: no separators, not `.` or `..`, not too long."""
    name = re.sub(r"[/\\\x00]", "_", name)
    if not name.strip("."):
        name = "unnamed" + name
    stem, suffix = Path(name).stem, Path(name).suffix[:16]
    while len(os.fsencode(stem + suffix)) > _MAX_NAME_BYTES:
        stem = stem[:-1]
    return stem + suffix
