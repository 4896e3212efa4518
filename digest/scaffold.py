"""`digest init`: a new project folder with a commented config, an inbox and an outbox."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from digest.errors import DigestError
from digest.render import builtin_templates

TEMPLATE_FILES = ("digest.html.j2", "digest.md.j2", "index.html.j2", "feed.xml.j2")
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
        copies |= {folder / "templates" / name: shipped / name for name in TEMPLATE_FILES}
    present = [str(target) for target in copies if target.exists() or target.is_symlink()]
    if present:
        raise DigestError(f"{', '.join(present)} already exist(s); nothing was written")
    written = []
    try:
        for target, source in copies.items():
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)
            written.append(target)
        for name in ("inbox", "outbox"):
            (folder / name).mkdir(exist_ok=True)
            written.append(folder / name)
    except OSError as error:
        raise DigestError(f"cannot write the project into {folder}: {error}") from None
    return Project(folder, tuple(written))
