"""How digest scales: end-to-end builds, incremental builds, the summarizer, watcher latency.

    python -m bench.scale ../shared/data/perf/multinews_pool.jsonl [--sizes 1000,5000,12000]

Articles from a labelled pool (clustering format) are written as .txt files into a fresh inbox
under a temporary folder, and each build runs in a child process that reports its own wall time
and peak RSS. Every figure is the median of --repeat runs. Nothing from the pool is kept.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import replace
from functools import partial
from pathlib import Path

from digest.config import load_config


def pool_articles(path: Path, count: int) -> list[dict]:
    """The first `count` articles of a pool file."""
    articles = []
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            articles.append(json.loads(line))
            if len(articles) == count:
                break
    if len(articles) < count:
        raise SystemExit(f"{path} holds only {len(articles)} articles; {count} asked for")
    return articles


def write_article(folder: Path, number: int, article: dict) -> None:
    head = "".join(
        f"{key}: {article[field]}\n"
        for key, field in (("Title", "title"), ("Source", "source"), ("Date", "date"))
        if article.get(field)
    )
    text = (head + "\n" if head else "") + article["text"]
    (folder / f"a{number:06}.txt").write_text(text, encoding="utf-8")


def arrived(inbox: Path, when: float) -> None:
    """Date the files of `inbox` back to `when`: the day's articles came in during the day, so
    the morning's build does not wait for any to settle (`watch.settle_seconds`)."""
    for path in inbox.iterdir():
        if path.is_file():
            os.utime(path, (when, when))


def make_workspace(root: Path) -> Path:
    """A config.toml whose inbox, outbox and state live under `root`."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "inbox").mkdir()
    templates = Path(__file__).resolve().parent.parent / "templates"
    config = root / "config.toml"
    config.write_text(f'[paths]\ntemplates = "{templates}"\n', encoding="utf-8")
    return config


def child_build(config_path: str) -> None:
    """Run one `digest build` in this process and print its wall time and peak RSS."""
    from digest import pipeline

    config = load_config(config_path)
    start = time.perf_counter()
    result = pipeline.build(config)
    seconds = time.perf_counter() - start
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    worker_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    report = {
        "seconds": seconds,
        "peak_mib": peak_kib / 1024,
        "worker_peak_mib": worker_kib / 1024,
        "articles": len(result.update.stored),
        "stories": len(result.digest.briefs),
    }
    print(json.dumps(report))


def timed_build(config: Path) -> dict:
    command = [sys.executable, "-m", "bench.scale", "--child-build", str(config)]
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"build failed:\n{done.stderr[-3000:]}")
    report = json.loads(done.stdout.strip().splitlines()[-1])
    report["process_seconds"] = time.perf_counter() - start
    return report


def bench_build(articles: list[dict], size: int, extra: int, repeat: int, tmp: Path) -> dict:
    """Median full build of `size` articles, then of `extra` more into that store."""
    full, incremental = [], []
    for run in range(repeat):
        root = tmp / f"n{size}-r{run}"
        config = make_workspace(root)
        for number in range(size):
            write_article(root / "inbox", number, articles[number])
        arrived(root / "inbox", time.time() - 3600)
        full.append(timed_build(config))
        for number in range(size, size + extra):
            write_article(root / "inbox", number, articles[number])
        arrived(root / "inbox", time.time() - 3600)
        incremental.append(timed_build(config))
        subprocess.run(["rm", "-rf", str(root)], check=False)
    return {
        "size": size,
        "seconds": statistics.median(r["seconds"] for r in full),
        "process_seconds": statistics.median(r["process_seconds"] for r in full),
        "peak_mib": statistics.median(r["peak_mib"] for r in full),
        "worker_peak_mib": statistics.median(r["worker_peak_mib"] for r in full),
        "stories": full[0]["stories"],
        "incremental_seconds": statistics.median(r["seconds"] for r in incremental),
        "incremental_process_seconds": statistics.median(r["process_seconds"] for r in incremental),
    }


def bench_summarizer(articles: list[dict], sizes: list[int], repeat: int) -> list[dict]:
    """Our default summarizer vs stock sumy LexRank on one story of N sentences."""
    from sumy.nlp.stemmers import Stemmer
    from sumy.parsers.plaintext import PlaintextParser
    from sumy.summarizers.lex_rank import LexRankSummarizer
    from sumy.utils import get_stop_words

    from digest.config import BriefSettings
    from digest.models import Article, Story
    from digest.sentences import SumyTokenizer, split_sentences
    from digest.summarize import summarize

    rows = []
    for size in sizes:
        chosen: list[Article] = []
        count = 0
        for number, item in enumerate(articles):
            count += len(split_sentences(item["text"]))
            chosen.append(Article(f"a{number}", f"a{number}.txt", None, None, None, None,
                                  item["text"]))  # fmt: skip
            if count >= size:
                break
        story = Story("big", tuple(chosen))
        settings = BriefSettings(words=250)
        ours = _median_time(partial(summarize, story, settings), repeat)
        text = "\n\n".join(a.text for a in chosen)

        def stock(text: str = text) -> None:
            parser = PlaintextParser.from_string(text, SumyTokenizer("english"))
            summarizer = LexRankSummarizer(Stemmer("english"))
            summarizer.stop_words = get_stop_words("english")
            summarizer(parser.document, 10)

        theirs = _median_time(stock, repeat)
        rows.append({"sentences": count, "ours": ours, "lexrank": theirs, "ratio": theirs / ours})
    return rows


def _median_time(action, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def bench_watcher(articles: list[dict], files: int, tmp: Path) -> dict:
    """Latency from a file landing in the inbox to its article being stored, with the daemon."""
    from apscheduler.triggers.interval import IntervalTrigger

    from digest.daemon import Daemon
    from digest.store import Store

    root = tmp / "watch"
    config = load_config(make_workspace(root))
    config = replace(config, watch=replace(config.watch, settle_seconds=0.5))
    daemon = Daemon(config, trigger=IntervalTrigger(days=365))
    stop = threading.Event()
    thread = threading.Thread(target=daemon.run, args=(stop,))
    thread.start()
    time.sleep(1.0)
    latencies = []
    try:
        with Store.open(config.paths.state) as store:
            for number in range(files):
                landed = time.perf_counter()
                write_article(config.paths.inbox, number, articles[number])
                while store.counts()["articles"] < number + 1:
                    if time.perf_counter() - landed > 30:
                        raise SystemExit(f"file {number} was not stored within 30 s")
                    time.sleep(0.005)
                latencies.append(time.perf_counter() - landed)
    finally:
        stop.set()
        thread.join()
    settle = config.watch.settle_seconds
    after = sorted(max(0.0, t - settle) for t in latencies)
    return {
        "files": files,
        "settle_seconds": settle,
        "p50_landing": statistics.median(latencies),
        "p95_landing": sorted(latencies)[int(0.95 * len(latencies)) - 1],
        "p50_after_settle": statistics.median(after),
        "p95_after_settle": after[int(0.95 * len(after)) - 1],
    }


def main(argv: list[str] | None = None) -> int:
    summary = __doc__.split("\n")[0]
    parser = argparse.ArgumentParser(prog="python -m bench.scale", description=summary)
    parser.add_argument("pool", nargs="?", type=Path, help="a pool file in the clustering format")
    parser.add_argument("--sizes", default="1000,5000,12000")
    parser.add_argument("--incremental", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--summarizer-sizes", default="500,1000,2000")
    parser.add_argument("--watch-files", type=int, default=200)
    parser.add_argument("--only", choices=["build", "summarizer", "watcher"], default=None)
    parser.add_argument("--child-build", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child_build:
        child_build(args.child_build)
        return 0
    if args.pool is None:
        parser.error("the pool file is required")
    sizes = [int(s) for s in args.sizes.split(",")]
    articles = pool_articles(args.pool, max(sizes) + args.incremental)
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"Python {platform.python_version()}")  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="digest-bench-") as folder:
        tmp = Path(folder)
        if args.only in (None, "build"):
            print_builds([bench_build(articles, n, args.incremental, args.repeat, tmp)
                          for n in _logged(sizes, "build")])  # fmt: skip
        if args.only in (None, "summarizer"):
            sizes = [int(s) for s in args.summarizer_sizes.split(",")]
            print_summarizer(bench_summarizer(articles, sizes, args.repeat))
        if args.only in (None, "watcher"):
            print_watcher(bench_watcher(articles, args.watch_files, tmp))
    return 0


def _logged(sizes: list[int], what: str):
    for size in sizes:
        print(f"... {what} {size}", file=sys.stderr, flush=True)
        yield size


def print_builds(rows: list[dict]) -> None:
    print(
        "\n| articles | build (s) | articles/s | peak RSS main (MiB) | peak RSS per worker (MiB)"
        " | stories | s per 1,000 | +100 incremental (s) |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        rate = r["size"] / r["seconds"]
        per_thousand = 1000 * r["seconds"] / r["size"]
        print(f"| {r['size']:,} | {r['seconds']:.2f} | {rate:.0f} | {r['peak_mib']:.0f} | "
              f"{r['worker_peak_mib']:.0f} | {r['stories']:,} | {per_thousand:.2f} | "
              f"{r['incremental_seconds']:.2f} |")  # fmt: skip
    print(
        "(build: in-process time of pipeline.build; process start adds about "
        f"{rows[0]['process_seconds'] - rows[0]['seconds']:.1f} s of imports)"
    )


def print_summarizer(rows: list[dict]) -> None:
    print("\n| story sentences | digest (s) | sumy LexRank (s) | ratio |")
    print("|---:|---:|---:|---:|")
    for r in rows:
        print(f"| {r['sentences']:,} | {r['ours']:.3f} | {r['lexrank']:.3f} | {r['ratio']:.0f}× |")


def print_watcher(r: dict) -> None:
    print(f"\nwatcher, {r['files']} files one at a time, settle_seconds={r['settle_seconds']}:")
    print("| from | p50 (s) | p95 (s) |\n|---|---:|---:|")
    print(f"| file landing → stored | {r['p50_landing']:.2f} | {r['p95_landing']:.2f} |")
    print(f"| file settled → stored | {r['p50_after_settle']:.2f} | {r['p95_after_settle']:.2f} |")


if __name__ == "__main__":
    sys.exit(main())
