"""How long a fetch of many feeds takes, and what a second fetch transfers.

    python -m bench.feeds [--feeds 50] [--entries 20] [--repeat 3] [--full-text]

A threaded HTTP server on 127.0.0.1 serves `--feeds` generated RSS feeds of `--entries` entries
each, with an ETag. Each run fetches them all into a fresh inbox (every entry written), then
again (every feed should answer 304, nothing transferred but headers). With `--full-text`, the
feeds are subscribed with `full_text = true` and each entry's linked page (a generated article
of eight paragraphs) is fetched and read too. Figures are medians.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import threading
import time
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from digest.config import FeedSettings, Subscription, load_config
from digest.subscriptions import fetch


def feed(number: int, entries: int) -> bytes:
    items = "".join(
        f"<item><guid>feed-{number}-entry-{n}</guid>"
        f"<link>/page/{number}/{n}</link><title>Entry {n} of feed {number}</title>"
        f"<description>Generated entry {n} of feed {number}: the council met on Tuesday and "
        f"agreed item {n} of its agenda after a short debate.</description>"
        "<pubDate>Fri, 20 Nov 2026 09:00:00 +0000</pubDate></item>"
        for n in range(entries)
    )
    return (
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>Feed {number}</title>'
        f"{items}</channel></rss>"
    ).encode()


def page(path: str) -> bytes:
    """A generated article page for a linked entry."""
    paragraphs = "".join(
        f"<p>Paragraph {n} of the report on {path}: the council met on Tuesday and agreed the "
        "harbour budget after a long debate about the ferry timetable and the new quay.</p>"
        for n in range(8)
    )
    return (
        f"<html><head><title>Report {path}</title></head><body><nav>Home | News</nav>"
        f"<article><h1>Report {path}</h1>{paragraphs}</article></body></html>"
    ).encode()


def serve(feeds: int, entries: int) -> tuple[ThreadingHTTPServer, list[int]]:
    bodies = {f"/{n}.xml": feed(n, entries) for n in range(feeds)}
    statuses: list[int] = []

    class Handler(BaseHTTPRequestHandler):
        timeout = 10

        def do_GET(self) -> None:
            body = page(self.path) if self.path.startswith("/page/") else bodies.get(self.path)
            etag = f'"{self.path}"'
            status = 404 if body is None else 304 if self.headers["If-None-Match"] == etag else 200
            statuses.append(status)
            self.send_response(status)
            self.send_header("ETag", etag)
            self.send_header("Content-Length", str(len(body or b"") if status == 200 else 0))
            self.end_headers()
            if status == 200:
                self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, statuses


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--feeds", type=int, default=50)
    parser.add_argument("--entries", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--full-text", action="store_true", help="fetch each entry's page too")
    args = parser.parse_args()
    server, statuses = serve(args.feeds, args.entries)
    port = server.server_port
    firsts, seconds = [], []
    for _ in range(args.repeat):
        with tempfile.TemporaryDirectory() as folder:
            root = Path(folder)
            config = load_config(None)
            listed = tuple(
                Subscription(f"http://127.0.0.1:{port}/{n}.xml", full_text=args.full_text)
                for n in range(args.feeds)
            )
            paths = replace(config.paths, inbox=root / "inbox", state=root / "state.sqlite3")
            feeds = FeedSettings(subscriptions=listed, opml=root / "none.opml")
            config = replace(config, paths=paths, feeds=feeds)
            started = time.perf_counter()
            written = sum(result.written for result in fetch(config))
            firsts.append(time.perf_counter() - started)
            assert written == args.feeds * args.entries, written
            statuses.clear()
            started = time.perf_counter()
            again = sum(result.written for result in fetch(config))
            seconds.append(time.perf_counter() - started)
            assert again == 0 and set(statuses) == {304}, (again, set(statuses))
            if args.full_text:  # every entry's page was read, not its summary kept
                sample = json.loads(next((root / "inbox").glob("*.json")).read_text())
                assert "Paragraph 7 of the report" in sample["text"], sample["text"][:200]
    server.shutdown()
    total = args.feeds * args.entries
    pages = " with their pages" if args.full_text else ""
    print(f"{args.feeds} feeds x {args.entries} entries ({total} entries){pages},"
          f" median of {args.repeat}")  # fmt: skip
    print(f"first fetch:  {statistics.median(firsts):.2f} s (every entry written)")
    print(f"second fetch: {statistics.median(seconds):.2f} s (all {args.feeds} answered 304)")


if __name__ == "__main__":
    main()
