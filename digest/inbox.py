"""The inbox folder: which files wait there, and where they go once read.

Read files move to `inbox/processed/YYYY-MM-DD/`; files that cannot be read move to
`inbox/rejected/` beside `<name>.error`, a note saying why. Nothing is ever deleted.

Links are never followed: a symbolic link dropped in the inbox, wherever it points (even at a file
in the inbox), is rejected and moved itself; its target is neither read nor moved. Pipes, sockets
and devices are rejected too, without being opened.

Only what was read is filed away: a file is moved only while its size, modification time and
inode are those it had when it was read. A file replaced or still growing stays in the inbox for
the next pass, and a file changed within the last `settle_seconds` is not read at all yet.
"""

from __future__ import annotations

import errno
import logging
import os
import re
import stat
import time
from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from digest.errors import DigestError

log = logging.getLogger(__name__)
PROCESSED = "processed"
REJECTED = "rejected"
NOTE = ".error"  # what a rejected file's note adds to its name
_TEMPORARY_SUFFIXES = (".tmp", ".part", ".crdownload", ".partial", ".swp", "~")
_MAX_NAME_BYTES = 200  # leaves room for "-NN" and ".error" within the usual 255-byte limit
_UNSAFE = re.compile(r"[/\\\x00]")
Folders = set[Path] | None  # the inbox subfolders one pass of moves has looked at


# Files Windows writes into the folders it shows (thumbnails, folder settings), again and again
# on a shared folder: no one's articles, so left alone as hidden files are.
_SYSTEM_FILES = frozenset({"thumbs.db", "ehthumbs.db", "desktop.ini"})


def is_ignored(name: str) -> bool:
    """Hidden and system files, and the temporary names of files still being written."""
    return _hidden_or_system(name) or name.lower().endswith(_TEMPORARY_SUFFIXES)


def _hidden_or_system(name: str) -> bool:
    """Hidden files (`.DS_Store`) and the system files Windows keeps (`Thumbs.db`)."""
    return name.startswith(".") or name.lower() in _SYSTEM_FILES


@dataclass(frozen=True, slots=True)
class Stamp:
    """What identifies one version of a file: a replaced or rewritten file has another stamp."""

    size: int
    mtime_ns: int
    device: int
    inode: int


def stamp(path: Path) -> Stamp | None:
    """The file's stamp (of a link itself, never its target); None when it is gone."""
    try:
        info = os.lstat(path)
    except OSError:
        return None
    return Stamp(info.st_size, info.st_mtime_ns, info.st_dev, info.st_ino)


def settle(path: Path, seen: Stamp | None, settle_seconds: float) -> str | None:
    """Why `path` must wait (it is still being written), or None when it may be read.

    A file changed within the last `settle_seconds` is watched until it is that old: if it
    changes meanwhile, it waits for the next pass. A time further ahead than that says nothing
    (the writer's clock runs ahead): such a file is read, and checked again before it is filed.
    """
    if seen is None or settle_seconds <= 0:
        return None
    age = time.time() - seen.mtime_ns / 1e9
    if not -settle_seconds < age < settle_seconds:
        return None
    time.sleep(settle_seconds - max(age, 0.0))
    if stamp(path) != seen:
        return f"still being written (it changed within {settle_seconds:g} s)"
    return None


def _file_entries(
    folder: Path, ignored: Callable[[str], bool] = is_ignored
) -> Iterator[os.DirEntry[str]]:
    """The entries at the top of `folder` that are read as files: all but its subfolders and
    the `ignored` names (hidden or temporary ones), none opened or followed. Links (broken ones
    too), pipes, sockets and devices are among them, so that reading them says why they are not
    read rather than leaving them unseen. OSError when the folder cannot be listed."""
    with os.scandir(folder) as entries:
        for entry in entries:
            try:
                if not ignored(entry.name) and not entry.is_dir(follow_symlinks=False):
                    yield entry
            except OSError:
                continue  # vanished between listing and looking


def files_in(folder: Path) -> list[Path]:
    """The `_file_entries` of a folder given to read (`digest brief FOLDER`), by name; a
    DigestError when it cannot be listed."""
    try:
        return sorted(Path(entry.path) for entry in _file_entries(folder))
    except OSError as error:
        raise DigestError(f"cannot read the folder {folder}: {error.strerror or error}") from None


def pending_files(inbox: Path) -> list[Path]:
    """The `_file_entries` waiting in the inbox, oldest first. A DigestError when the inbox
    cannot be listed."""
    if not inbox.is_dir():
        return []
    found = []
    try:
        for entry in _file_entries(inbox):
            try:
                found.append((entry.stat(follow_symlinks=False).st_mtime, entry.name))
            except OSError:
                continue  # vanished between listing and stat
    except OSError as error:
        raise DigestError(f"cannot read the inbox {inbox}: {error.strerror or error}") from None
    return [inbox / name for _, name in sorted(found)]


def subfolders(folder: Path, *, own: Collection[str] = ()) -> list[Path]:
    """The subfolders of `folder`, which are not read (nor hidden ones, nor those named in
    `own`), by name; none when it cannot be listed."""
    try:
        with os.scandir(folder) as entries:
            return sorted(
                Path(entry.path) for entry in entries
                if not is_ignored(entry.name) and entry.name not in own
                and entry.is_dir(follow_symlinks=False)
            )  # fmt: skip
    except OSError:
        return []


def unread_subfolders(inbox: Path) -> list[Path]:
    """The inbox's subfolders but digest's own (processed/, rejected/): their files are not
    read."""
    return subfolders(inbox, own=(PROCESSED, REJECTED))


def subfolders_note(folders: Sequence[Path]) -> str:
    """The words that tell a user which subfolders were not read."""
    shown = ", ".join(printable_name(str(folder)) for folder in folders[:5])
    return f"subfolders are not read: {shown}" + (", …" if len(folders) > 5 else "")


def check_readable(inbox: Path) -> None:
    """A DigestError when the inbox exists but cannot be listed (its permissions)."""
    pending_files(inbox)


def printable_name(name: str) -> str:
    """A file name fit for one log line: control characters (a newline) shown escaped."""
    text = os.fsencode(name).decode("utf-8", "replace")
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def non_file_kind(mode: int) -> str | None:
    """What an entry is when it is not a regular file or a link (a pipe, ...), else None."""
    kinds = (
        (stat.S_ISFIFO, "a named pipe"), (stat.S_ISSOCK, "a socket"),
        (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
        (stat.S_ISDIR, "a folder"),
    )  # fmt: skip
    return next((kind for test, kind in kinds if test(mode)), None)


def still_as_read(path: Path, seen: Stamp | None) -> bool:
    """True when `path` is the version that was read (or gone); False, with a note in the log,
    when it was replaced or changed since: it stays in the inbox for the next pass."""
    now = stamp(path)
    if seen is None or now is None or now == seen:
        return True
    log.info("%s: changed since it was read; left in the inbox for the next pass",
             printable_name(path.name))  # fmt: skip
    return False


def _note_of(path: Path) -> Path:
    """The note beside a rejected file that says why it was rejected: `<name>.error`."""
    return path.with_name(path.name + NOTE)


def _is_note(name: str, names: Collection[str]) -> bool:
    """True when `name`, among the `names` of the rejected folder, is a rejected file's note.

    A rejected file takes a name whose note's name is free too (`_free_name`), so a name
    ending in `.error` is a note unless a note of its own stands beside it: a rejected
    `notes.error` is kept beside `notes.error.error`.
    """
    return name.endswith(NOTE) and name + NOTE not in names


def rejected_files(inbox: Path) -> list[Path]:
    """Files set aside as unreadable, by name (links, pipes and sockets too; not the notes, nor
    hidden names, which the inbox never reads). A name that looks temporary is listed: set
    aside, it is no file being written. A DigestError when the folder cannot be listed."""
    folder = inbox / REJECTED
    if not folder.is_dir():
        return []
    try:
        names = {entry.name for entry in _file_entries(folder, _hidden_or_system)}
    except OSError as error:
        raise DigestError(f"cannot read {folder}: {error.strerror or error}") from None
    return [folder / name for name in sorted(names) if not _is_note(name, names)]


def move_processed(
    path: Path, inbox: Path, when: datetime, seen: Stamp | None = None, *, checked: Folders = None
) -> Path | None:
    """Move a read file into processed/<date>/; returns its new path (None if it vanished or
    it is no longer the version `seen` when read).

    `checked`: the folders made or found sound by the moves of the same pass (a build files
    thousands of files away: each folder is looked at once)."""
    return _move(path, inbox, (PROCESSED, when.strftime("%Y-%m-%d")), seen, checked)


def reject(
    path: Path, inbox: Path, reason: str, seen: Stamp | None = None, *, checked: Folders = None
) -> Path | None:
    """Move an unreadable file into rejected/ and write `<name>.error` saying why (`checked` as
    for `move_processed`)."""
    target = _move(path, inbox, (REJECTED,), seen, checked)
    if target is not None:
        note = _note_of(target)
        try:  # "x": a new file, never through a link planted under the note's name
            with open(note, "x", encoding="utf-8", errors="replace") as file:
                file.write(f"{printable_name(path.name)}: {reason}\n")
        except OSError as error:
            log.warning("%s: cannot write %s: %s", printable_name(path.name),
                        printable_name(note.name), error.strerror or error)  # fmt: skip
    return target


def _move(
    path: Path, inbox: Path, folders: tuple[str, ...], seen: Stamp | None, checked: Folders
) -> Path | None:
    """Move `path` into the inbox subfolder `folders`; None when it vanished, cannot move, or
    is not the version `seen` (when given).

    A file that cannot be moved stays in the inbox (with a warning), so nothing is lost. One
    swapped in at the very moment of the move is put back.
    """
    if not still_as_read(path, seen):
        return None
    try:
        try:
            folder = _subfolder(inbox, folders, checked)
            target = _free_name(folder, path.name)
            os.replace(path, target)
        except FileNotFoundError:
            if checked is None or not os.path.lexists(path):
                raise
            checked.clear()  # a folder looked at earlier in the pass is gone: look again
            folder = _subfolder(inbox, folders, checked)
            target = _free_name(folder, path.name)
            os.replace(path, target)
    except FileNotFoundError:
        return None  # gone already (moved or deleted by someone else): nothing to file away
    except OSError as error:
        log.warning("%s: left in the inbox: %s", printable_name(path.name), error.strerror or error)
        return None
    if seen is not None and stamp(target) != seen and not os.path.lexists(path):
        os.replace(target, path)  # replaced between the check and the move: not what was read
        log.info("%s: changed as it was filed away; left in the inbox for the next pass",
                 printable_name(path.name))  # fmt: skip
        return None
    return target


def _subfolder(inbox: Path, names: tuple[str, ...], checked: Folders = None) -> Path:
    """inbox/<names...>, created as needed, never through a link or a file of the same name
    (those in `checked` were looked at already; each looked at is added)."""
    folder = inbox
    for name in names:
        folder = folder / name
        if checked is not None and folder in checked:
            continue
        try:
            mode = os.lstat(folder).st_mode  # one call for most files: the folder is there
        except FileNotFoundError:
            mode = None
        if mode is not None and not stat.S_ISDIR(mode):
            message = f"{folder} is a file or link, not a folder digest made; move it away"
            raise NotADirectoryError(errno.ENOTDIR, message)
        if mode is None:
            folder.mkdir(exist_ok=True)
        if checked is not None:
            checked.add(folder)
    return folder


def _free_name(folder: Path, name: str) -> Path:
    """`name` in `folder`, or `name-2`, `name-3`, ... when taken (so nothing is overwritten)."""
    name = _safe_name(name)
    target = folder / name
    stem, suffix = _stem_and_suffix(name)
    number = 2
    while os.path.lexists(target) or os.path.lexists(_note_of(target)):
        target = folder / f"{stem}-{number}{suffix}"
        number += 1
    return target


def _stem_and_suffix(name: str) -> tuple[str, str]:
    path = Path(name)
    return path.stem, path.suffix


def _safe_name(name: str) -> str:
    """A name that stays inside its folder: no separators, not `.` or `..`, not too long."""
    name = _UNSAFE.sub("_", name)
    if not name.strip("."):
        name = "unnamed" + name
    stem, suffix = _stem_and_suffix(name)
    suffix = suffix[:16]
    while len(os.fsencode(stem + suffix)) > _MAX_NAME_BYTES:
        stem = stem[:-1]
    return stem + suffix
