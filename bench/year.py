"""A year of daily use: a store grown day by day, one digest a day, and what each command costs
as the store grows.

    python -m bench.year ../shared/data/perf/multinews_pool.jsonl [--per-day 274] \
        [--checkpoints 10000,50000,100000] [--out year.jsonl]

Articles of a labelled pool are dropped into a fresh inbox, `--per-day` at a time, each day
dated a day later, and each day's digest is built (in this process, as the daemon would). Once
the pool is used up it is used again with a line of its own added to each article, so that ids
differ and stories continue. At each checkpoint (stored articles), each command runs as a whole
process and is timed with its peak RSS: a build of 300 new articles (the daily case), `status`,
`stories`, `explain`, `preview` and `archive` (index and feed of every digest so far); the size
of the state file is read. One JSON line per checkpoint goes to --out and a table to stdout.
Nothing from the pool is kept.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench.scale import make_workspace, pool_articles

DAILY = 300  # new articles of the measured daily build
START = datetime(2026, 1, 1, 7, 0, tzinfo=UTC)
COMMANDS = ("status", "stories", "explain", "preview", "archive")


def write_day(inbox: Path, pool: list[dict], first: int, count: int, day: int) -> None:
    """Articles `first`..`first + count` of the endless pool, dated `day`."""
    date = (START + timedelta(days=day)).date().isoformat()
    for number in range(first, first + count):
        article = pool[number % len(pool)]
        text = article["text"]
        if number >= len(pool):  # the same story again, in other words at its end
            text += f"\n\nFollow-up {number // len(pool)} of this report, day {day + 1}."
        head = f"Source: Outlet {number % 11}\nDate: {date}\n"
        if article.get("title"):
            head = f"Title: {article['title']}\n" + head
        (inbox / f"d{day:03}-{number:07}.txt").write_text(head + "\n" + text, encoding="utf-8")


def timed(command: list[str]) -> dict:
    """Wall seconds and peak RSS (MiB, its largest process) of one command as a whole process,
    by GNU time."""
    start = time.perf_counter()
    done = subprocess.run(
        ["/usr/bin/time", "-f", "%M", *command],
        capture_output=True, text=True, check=False, timeout=3600,
    )  # fmt: skip
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{done.stderr[-3000:]}")
    peak_kib = int(done.stderr.strip().splitlines()[-1])
    return {"seconds": round(seconds, 3), "peak_mib": round(peak_kib / 1024, 1)}


def checkpoint(config: Path, root: Path, pool: list[dict], stored: int, day: int) -> dict:
    """Every measured command on the store as it is."""
    digest = [sys.executable, "-m", "digest"]
    story = json.loads(
        subprocess.run(
            [*digest, "stories", "--json", "--config", str(config)],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    )[0]["id"]
    row: dict = {"stored": stored, "day": day}
    for name in COMMANDS:
        args = {"explain": ["explain", story], "stories": ["stories", "--json"]}.get(name, [name])
        row[name] = timed([*digest, *args, "--config", str(config)])
    write_day(root / "inbox", pool, stored, DAILY, day)
    row["build_300"] = timed([*digest, "build", "--config", str(config)])
    state = root / "outbox" / ".digest" / "state.sqlite3"
    row["state_mib"] = round(
        sum(p.stat().st_size for p in state.parent.glob("state.sqlite3*")) / 2**20, 1
    )
    return row


def run(pool: list[dict], per_day: int, checkpoints: list[int], out: Path | None) -> list[dict]:
    from digest import pipeline
    from digest.config import load_config

    rows = []
    with tempfile.TemporaryDirectory(prefix="digest-year-") as folder:
        root = Path(folder)
        config_path = make_workspace(root)
        config = load_config(config_path, **{"watch.settle_seconds": 0})
        stored, day, started = 0, 0, time.perf_counter()
        for target in checkpoints:
            while stored < target:
                count = min(per_day, target - stored)
                write_day(root / "inbox", pool, stored, count, day)
                pipeline.build(config, now=START + timedelta(days=day))
                stored, day = stored + count, day + 1
                if day % 10 == 0:
                    print(
                        f"day {day}: {stored} articles, {time.perf_counter() - started:.0f} s",
                        file=sys.stderr,
                        flush=True,
                    )
            row = checkpoint(config_path, root, pool, stored, day)
            stored, day = stored + DAILY, day + 1
            rows.append(row)
            print(json.dumps(row), file=sys.stderr, flush=True)
            if out:
                with out.open("a", encoding="utf-8") as lines:
                    lines.write(json.dumps(row) + "\n")
        shutil.rmtree(root / "inbox", ignore_errors=True)
    return rows


def print_table(rows: list[dict]) -> None:
    names = ("build_300", *COMMANDS)
    print(
        "| stored articles | days | "
        + " | ".join(f"`{n}` s" for n in names)
        + " | build peak MiB | state MiB |"
    )
    print("|" + "---:|" * (len(names) + 4))
    for row in rows:
        cells = [f"{row[n]['seconds']:.2f}" for n in names]
        peak = row["build_300"]["peak_mib"]
        print(
            f"| {row['stored']:,} | {row['day']} | "
            + " | ".join(cells)
            + f" | {peak if peak is not None else '-'} | {row['state_mib']} |"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.year",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("pool", type=Path, help="a clustering-format .jsonl pool of articles")
    parser.add_argument(
        "--per-day", type=int, default=274, help="articles a day (274: 100k a year)"
    )
    parser.add_argument("--checkpoints", default="10000,50000,100000")
    parser.add_argument("--out", type=Path, default=None, help="append each checkpoint's JSON here")
    args = parser.parse_args(argv)
    checkpoints = sorted(int(n) for n in args.checkpoints.split(","))
    with args.pool.open(encoding="utf-8") as lines:
        size = sum(1 for _ in lines)
    rows = run(pool_articles(args.pool, size), args.per_day, checkpoints, args.out)
    print_table(rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
