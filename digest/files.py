"""Files written whole or not at all: through a temporary file renamed over the target."""

from __future__ import annotations

import errno
import os
import secrets
from pathlib import Path


def write_atomic(path: Path, text: str) -> None:
    """Write through a temporary file in the same folder, then rename over the target.

    The file gets the permissions of any new file (0666 less the umask, so a web server or a
    mail job of another user can read it), not the 0600 of `tempfile.mkstemp`.
    """
    handle, temporary = _new_file(path.parent, f".{path.name}.", ".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            file.write(text)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _new_file(folder: Path, prefix: str, suffix: str) -> tuple[int, str]:
    """A new file of a random name in `folder`, opened for writing, created with mode 0666
    less the umask."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    for _ in range(100):
        name = os.path.join(folder, f"{prefix}{secrets.token_hex(6)}{suffix}")
        try:
            return os.open(name, flags, 0o666), name
        except FileExistsError:
            continue
    raise FileExistsError(errno.EEXIST, "no free temporary name", str(folder))
