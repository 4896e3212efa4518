"""How long the index page and the feed take to rewrite (as each build does), and their size.

    python -m bench.archive [--days 365] [--stories 20] [--repeat 3]

An outbox of `--days` daily digests of `--stories` generated stories each (HTML and JSON), with
their records as the state keeps them, is described and rendered by the archive: the index
lists every digest from the records, and the newest feed entries carry their briefs, read from
the digests' JSON. Figures are the best of `--repeat` runs.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from digest.archive import make_archive, render_archive
from digest.render import builtin_templates
from digest.store import DigestRecord


def story(number: int) -> dict:
    """One generated story of the digest JSON schema, three sentences of three sources."""
    articles = [
        {"id": f"a{number}-{k}", "file": f"a{number}-{k}.txt", "title": f"Report {k} of {number}",
         "source": f"Outlet {k}", "url": f"https://outlet{k}.example/{number}",
         "published": "2026-11-20T07:00:00+00:00"}
        for k in range(3)
    ]  # fmt: skip
    sentences = [
        {"text": f"The council of town {number} agreed item {k} of its agenda on Tuesday after a"
                 " short debate, officials said, and work begins in the spring.",
         "sources": [a["id"] for a in articles[: k + 1]]}
        for k in range(3)
    ]  # fmt: skip
    return {
        "id": f"s{number:012x}", "headline": f"Town {number} council agrees its agenda",
        "status": "new", "first_seen": None, "previous_digest": None, "previously": None,
        "outlets": [a["source"] for a in articles], "articles": articles, "sentences": sentences,
    }  # fmt: skip


def make_outbox(outbox: Path, days: int, stories: int) -> list[DigestRecord]:
    records = []
    for day in range(days):
        when = datetime(2026, 1, 1, 7, tzinfo=UTC) + timedelta(days=day)
        name = f"digest-{when:%Y-%m-%d}"
        found = [story(day * stories + n) for n in range(stories)]
        data = {"title": "Daily digest", "generated_at": when.isoformat(), "stories": found}
        (outbox / f"{name}.json").write_text(json.dumps(data))
        (outbox / f"{name}.html").write_text("<p>the digest</p>")
        headlines = tuple(s["headline"] for s in found)
        ids = tuple(s["id"] for s in found)
        records.append(
            DigestRecord(day + 1, when, name, 0, stories, "Daily digest", headlines, ids)
        )
    return records


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--stories", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        outbox = Path(folder)
        records = make_outbox(outbox, args.days, args.stories)
        best, cpu = float("inf"), float("inf")
        for _ in range(args.repeat):
            start, start_cpu = time.perf_counter(), time.process_time()
            pages = render_archive(
                make_archive(outbox, records, "Daily digest"), builtin_templates()
            )
            best = min(best, time.perf_counter() - start)
            cpu = min(cpu, time.process_time() - start_cpu)
    sizes = ", ".join(f"{name} {len(text.encode()) // 1000} KB" for name, text in pages.items())
    print(f"{args.days} digests of {args.stories} stories: {best:.3f} s ({cpu:.3f} s CPU); {sizes}")


if __name__ == "__main__":
    main()
