"""Reading an evaluation data set (.jsonl) and writing its articles as a user would drop them."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from digest.errors import DigestError

Check = Callable[[dict[str, Any]], str | None]  # what is wrong with a record, or None


def read_jsonl(path: Path, check: Check, limit: int | None = None) -> list[dict[str, Any]]:
    """The records of a .jsonl file, the first `limit` of them.

    DigestError, naming the file and line, when the file cannot be read, a line is not a JSON
    object, or `check` finds a record unusable.
    """
    records: list[dict[str, Any]] = []
    try:
        with path.open("rb") as lines:  # decoded line by line, so an error names its line
            for number, raw in enumerate(lines, start=1):
                if limit and len(records) == limit:
                    break
                try:
                    line = raw.decode("utf-8-sig" if number == 1 else "utf-8")
                except UnicodeDecodeError as error:
                    raise DigestError(f"{path}:{number}: not UTF-8 text ({error})") from None
                if not line.strip():
                    continue
                try:
                    record = json.loads(line)
                except json.JSONDecodeError as error:
                    raise DigestError(f"{path}:{number}: not JSON ({error})") from None
                problem = "not a JSON object" if not isinstance(record, dict) else check(record)
                if problem:
                    raise DigestError(f"{path}:{number}: {problem}")
                records.append(record)
    except OSError as error:
        raise DigestError(f"{path}: cannot be read ({error})") from None
    return records


def article_problem(record: dict[str, Any]) -> str | None:
    """What keeps a record from being written as an article: its text, or its header fields."""
    if not isinstance(record.get("text"), str):
        return "no article text (`text` must be a string)"
    for field in ("title", "source", "date"):
        if not isinstance(record.get(field), (str, type(None))):
            return f"`{field}` must be a string or null"
    return None


def positive(text: str) -> int:
    """A whole number above 0, for a command-line option."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number above 0, got {text!r}")
    return value


def write_article(record: dict[str, Any], path: Path) -> Path:
    """One article as a .txt file: a `Title:`, `Source:`, `Date:` header, a blank line, the body."""
    header = [
        f"{key}: {' '.join(str(record.get(field) or '').split())}"
        for key, field in (("Title", "title"), ("Source", "source"), ("Date", "date"))
    ]
    path.write_text("\n".join(header) + "\n\n" + record["text"].strip() + "\n", encoding="utf-8")
    return path
