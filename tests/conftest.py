"""Shared test helpers: small inboxes and configs written for each test."""

from __future__ import annotations

import os
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import settings

from digest.clean import content_id
from digest.config import Config, load_config
from digest.models import Article

ROOT = Path(__file__).resolve().parent.parent

# In CI the property tests draw the same examples on every run (a seed fixed per test), so a
# failure there is one that a rerun shows again; elsewhere they explore afresh each run.
settings.register_profile("ci", derandomize=True, database=None, print_blob=True)
settings.load_profile("ci" if os.environ.get("CI") else "default")


def make_inbox(folder: Path, files: dict[str, str | bytes]) -> Path:
    """Write `files` ({name: text or bytes}) into `folder` and return it."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        path = folder / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return folder


def make_config(tmp_path: Path, **overrides: object) -> Config:
    """A config whose inbox, outbox and state live in tmp_path, templates from the project.

    Tests write their inbox whole before they read it: files need not settle first.
    """
    config = load_config(None, **{"watch.settle_seconds": 0, **overrides})
    paths = replace(
        config.paths,
        inbox=tmp_path / "inbox",
        outbox=tmp_path / "outbox",
        state=tmp_path / "state" / "state.sqlite3",
        templates=ROOT / "templates",
    )
    return replace(config, paths=paths, root=tmp_path)


def make_article(
    text: str,
    *,
    title: str | None = None,
    source: str | None = None,
    url: str | None = None,
    published: datetime | None = None,
    file: str = "article.txt",
) -> Article:
    """An Article as a reader would produce it."""
    return Article(
        id=content_id(title, text),
        file=file,
        title=title,
        source=source,
        url=url,
        published=published,
        text=text,
    )


def txt(title: str, body: str, *, source: str, date: str, url: str | None = None) -> str:
    """A .txt article with a header block."""
    head = f"Title: {title}\nSource: {source}\nDate: {date}\n"
    if url:
        head += f"URL: {url}\n"
    return head + "\n" + body


@pytest.fixture
def config(tmp_path: Path) -> Config:
    return make_config(tmp_path)


NOW = datetime(2026, 11, 21, 7, 0, tzinfo=UTC)
