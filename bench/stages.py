"""Where a build's CPU goes, stage by stage; and whether another checkout's digest is the same.

    python -m bench.stages ../shared/data/perf/multinews_pool.jsonl --size 3000 --repeat 3 \
        [--vs CHECKOUT_BEFORE]

Each run writes the first N pool articles into a fresh inbox and builds one digest in a child
process, with workers off (`parallel.MIN_PARALLEL` raised, so every stage's CPU is counted in
that process), and reports each stage's `time.process_time`. With `--vs`, the other checkout's
code runs in turn with this one's (A B A B ..., `PYTHONPATH` at it), and the JSON digests of the
two are compared, their dates left out. Medians of --repeat runs. Nothing from the pool is kept.
"""

from __future__ import annotations

import argparse
import functools
import hashlib
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

STAGES = (  # (module, function, label); the labels of the stages inside `ingest` come first
    ("pipeline", "read_one", "reading"),
    ("pipeline", "place_articles", "clustering"),
    ("pipeline", "summarize_stories", "summarizing"),
    ("publish", "render", "rendering"),
    ("pipeline", "file_away", "filing away"),
    ("pipeline", "refresh_archive", "archive"),
)
_DATE = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[^\"]*")


def child(pool: str, size: int) -> None:
    """One build in this process, with whatever `digest` is importable; prints a JSON line."""
    import logging

    from bench.scale import make_workspace, pool_articles, write_article
    from digest import parallel, pipeline, publish
    from digest.config import load_config

    modules = {"pipeline": pipeline, "publish": publish}
    spent = dict.fromkeys([label for _, _, label in STAGES], 0.0)
    for module, name, label in STAGES:
        setattr(modules[module], name, _timed(getattr(modules[module], name), label, spent))
    parallel.MIN_PARALLEL = 10**9
    logging.disable(logging.WARNING)
    with tempfile.TemporaryDirectory(prefix="digest-stages-") as folder:
        config_path = make_workspace(Path(folder))
        for number, article in enumerate(pool_articles(Path(pool), size)):
            write_article(Path(folder) / "inbox", number, article)
        start = time.process_time()
        pipeline.build(load_config(str(config_path)))
        spent["whole build"] = time.process_time() - start
        digest_json = next((Path(folder) / "outbox").glob("digest-*.json")).read_text("utf-8")
    same = hashlib.sha256(_DATE.sub("", digest_json).encode()).hexdigest()[:16]
    print(json.dumps({"cpu": spent, "digest": same}))


def _timed(function, label: str, spent: dict):
    @functools.wraps(function)
    def timed(*args, **kwargs):
        start = time.process_time()
        try:
            return function(*args, **kwargs)
        finally:
            spent[label] += time.process_time() - start

    return timed


def run(pool: str, size: int, checkout: Path | None) -> dict:
    """One child build with this checkout's code, or `checkout`'s."""
    env = dict(os.environ, PYTHONHASHSEED="0")  # the same seed: set orders alike in both
    where = checkout or Path(__file__).resolve().parent.parent
    env["PYTHONPATH"] = os.pathsep.join([str(where), env.get("PYTHONPATH", "")])
    script = str(Path(__file__).resolve())
    command = [sys.executable, script, pool, "--size", str(size), "--child"]
    done = subprocess.run(command, env=env, cwd=where, capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pool")
    parser.add_argument("--size", type=int, default=3000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--vs", type=Path, help="another checkout, run in turn with this one")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.pool, args.size)
        return
    pool = str(Path(args.pool).resolve())
    codes = {"this": None, **({"before": args.vs.resolve()} if args.vs else {})}
    runs: dict[str, list[dict]] = {code: [] for code in codes}
    for _ in range(args.repeat):
        for code, checkout in codes.items():
            runs[code].append(run(pool, args.size, checkout))
    labels = [label for _, _, label in STAGES] + ["whole build"]
    print(f"CPU seconds of a {args.size:,}-article build in one process, medians of {args.repeat}")
    print("| stage | " + " | ".join(codes) + " |\n|---|" + "---:|" * len(codes))
    for label in labels:
        cells = [statistics.median(r["cpu"][label] for r in runs[code]) for code in codes]
        print(f"| {label} | " + " | ".join(f"{cell:.2f}" for cell in cells) + " |")
    digests = {r["digest"] for code in codes for r in runs[code]}
    print("the same digest in every run" if len(digests) == 1 else f"digests differ: {digests}")


if __name__ == "__main__":
    sys.path.insert(0, os.getcwd())  # run as a file: `bench` and `digest` of the checkout at hand
    main()
