"""`digest init`: a new project folder with a commented config, an inbox and an outbox."""

from __future__ import annotations

import shutil
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from digest.errors import DigestError
from digest.render import builtin_templates

EXAMPLE_CONFIG = "config.toml"  # shipped beside the built-in templates


@dataclass(frozen=True, slots=True)
class Project:
    """A project folder `digest init` made, and what it wrote there."""

    folder: Path
    written: tuple[Path, ...]


def init_project(folder: Path, *, templates: bool = False) -> Project:
    """Write config.toml, inbox/ and outbox/ into `folder` (and, with `templates`, copies of the
    built-in templates to edit). Nothing is overwritten: when a file to write exists already,
    DigestError names it and nothing is written."""
    shipped = builtin_templates()
    copies = {folder / "config.toml": shipped / EXAMPLE_CONFIG}
    if templates:
        # every built-in template: the digest's pages, its mail's text part, the index, the feed
        copies |= {folder / "templates" / path.name: path for path in shipped.glob("*.j2")}
    folders = [folder / "inbox", folder / "outbox"]
    if conflicts := _conflicts(folder, copies, folders):
        raise DigestError(
            f"cannot start a project in {folder}: {'; '.join(conflicts)}; nothing was written"
        )
    written = []
    try:
        for target, source in copies.items():
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)
            written.append(target)
        for path in folders:
            path.mkdir(exist_ok=True)
            written.append(path)
    except OSError as error:
        raise DigestError(f"cannot write the project into {folder}: {error}") from None
    return Project(folder, tuple(written))


def _conflicts(folder: Path, files: Iterable[Path], folders: Iterable[Path]) -> list[str]:
    """Every path in the way of the project: a file to write that exists already, or a file
    where a folder goes (the project's folder, inbox/, outbox/, templates/)."""
    files = list(files)
    wanted = [folder, *folders, *{path.parent for path in files}]
    conflicts = [
        f"{path} is a file, not a folder"
        for path in dict.fromkeys(wanted)
        if (path.exists() or path.is_symlink()) and not path.is_dir()
    ]
    conflicts += [
        f"{path} already exists" for path in files
        if (path.exists() or path.is_symlink()) and path.parent.is_dir()
    ]  # fmt: skip
    return conflicts
