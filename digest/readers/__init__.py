"""Readers turn one inbox file into article drafts; they are registered by file extension."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from digest.clean import clean_body, content_id, normalize_text
from digest.dates import parse_date
from digest.decode import decode
from digest.errors import ReadError
from digest.language import detect_language
from digest.models import Article
from digest.readers.draft import Draft
from digest.readers.html import read_html
from digest.readers.json import read_json
from digest.readers.markdown import read_markdown
from digest.readers.text import read_text

Reader = Callable[[str], list[Draft]]

READERS: dict[str, Reader] = {
    ".txt": read_text,
    ".text": read_text,
    ".md": read_markdown,
    ".markdown": read_markdown,
    ".html": read_html,
    ".htm": read_html,
    ".json": read_json,
}
MIN_WORDS = 8  # fewer words than this is no article


def is_supported(path: Path) -> bool:
    """True when a reader is registered for the file's extension."""
    return path.suffix.lower() in READERS


def read_file(path: Path, *, max_bytes: int, language: str = "auto") -> list[Article]:
    """The cleaned articles of one file; raises ReadError saying why it cannot be read."""
    reader = READERS.get(path.suffix.lower())
    if reader is None:
        known = ", ".join(sorted(READERS))
        raise ReadError(f"unsupported file type {path.suffix or '(none)'!r}; digest reads {known}")
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise ReadError(f"file is {size / 1e6:.1f} MB, above the {max_bytes / 1e6:g} MB limit")
        data = path.read_bytes()
    except OSError as error:
        raise ReadError(f"cannot read the file: {error.strerror or error}") from None
    if not data.strip():
        raise ReadError("the file is empty")
    text = decode(data)
    if not text.strip():
        raise ReadError("the file holds only whitespace")
    articles = [_article(d, path.name, language) for d in reader(text)]
    kept = [a for a in articles if a is not None]
    if not kept:
        raise ReadError("no article text found (nothing that reads as sentences)")
    return kept


def _article(draft: Draft, file_name: str, language: str) -> Article | None:
    text = clean_body(draft.text)
    if len(text.split()) < MIN_WORDS:
        return None
    title = _one_line(draft.title)
    return Article(
        id=content_id(title, text),
        file=file_name,
        title=title,
        source=_one_line(draft.source),
        url=_one_line(draft.url),
        published=parse_date(draft.published),
        text=text,
        language=detect_language(text) if language == "auto" else language,
    )


def _one_line(value: object) -> str | None:
    if value is None:
        return None
    text = normalize_text(str(value)).replace("\n", " ").strip()
    return text[:500] or None
