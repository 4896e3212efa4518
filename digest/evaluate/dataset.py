"""Reading an evaluation data set (.jsonl) and writing its articles as a user would drop them."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from digest.errors import DigestError


def read_jsonl(path: Path, required: Sequence[str], limit: int | None = None) -> list[dict]:
    """The records of a .jsonl file, the first `limit` of them; DigestError naming the file and
    line when the file cannot be read or a record is not a JSON object with the `required` keys."""
    records: list[dict] = []
    try:
        with path.open(encoding="utf-8") as lines:
            for number, line in enumerate(lines, start=1):
                if limit and len(records) == limit:
                    break
                if not line.strip():
                    continue
                try:
                    record = json.loads(line)
                except json.JSONDecodeError as error:
                    raise DigestError(f"{path}:{number}: not JSON ({error})") from None
                missing = [
                    key for key in required if not isinstance(record, dict) or key not in record
                ]
                if missing:
                    raise DigestError(f"{path}:{number}: no {', '.join(missing)} in this record")
                records.append(record)
    except (OSError, UnicodeDecodeError) as error:
        raise DigestError(f"{path}: cannot be read ({error})") from None
    return records


def write_article(record: dict[str, Any], path: Path) -> Path:
    """One article as a .txt file: a `Title:`, `Source:`, `Date:` header, a blank line, the body."""
    header = [
        f"{key}: {' '.join(str(record.get(field) or '').split())}"
        for key, field in (("Title", "title"), ("Source", "source"), ("Date", "date"))
    ]
    path.write_text("\n".join(header) + "\n\n" + record["text"].strip() + "\n", encoding="utf-8")
    return path
