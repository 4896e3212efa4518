"""A year of daily use: a store grown day by day, one digest a day, and what each command costs
as the store grows.

    python -m bench.year grow POOL --into /tmp/year [--per-day 274] [--checkpoints 10000,50000,...]
    python -m bench.year measure POOL --from /tmp/year [--repeat 3] [--vs DIR] [--out rows.jsonl]
    python -m bench.year plot rows.jsonl docs/year.png      # the `bench` extra: matplotlib

`grow` drops a pool's articles into a fresh inbox, `--per-day` at a time, each day dated a day
later, and builds each day's digest (in this process, as the daemon would). Once the pool is used
up it is used again with a line of its own added to each article, so that ids differ and stories
continue. At each checkpoint (stored articles) the workspace (config, state, outbox with every
digest so far) is copied to `INTO/at-N`; growing 100,000 articles takes a while, so it is done
once and the snapshots are reused.

`measure` runs, on a fresh copy of each snapshot and as whole processes timed with their peak RSS
(GNU time): `status`, `stories --json`, `explain` of the newest story, `preview`, `archive` (index
and feed of every digest so far) and a build of 300 new articles (the daily case); the size of the
state file is read. Each figure is the median of `--repeat` runs. With `--vs CODE_DIR`, the same
commands also run with the package found in CODE_DIR (another checkout), in turn with this one, on
a copy of their own. One JSON line per snapshot and code goes to --out, and a table to stdout.
Nothing from the pool is kept.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import digest
from bench.scale import arrived, make_workspace, pool_articles

DAILY = 300  # new articles of the measured daily build
START = datetime(2025, 11, 1, 7, 0, tzinfo=UTC)  # a year of days that ends before today
COMMANDS = ("status", "stories", "explain", "preview", "archive", "build_300")
HERE = str(Path(__file__).resolve().parent.parent)


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


def grow(
    pool: list[dict], per_day: int, checkpoints: list[int], into: Path, resume: Path | None
) -> None:
    """Build a store day by day, copying the workspace at each checkpoint (from the snapshot
    `resume` on, when given)."""
    from digest import pipeline
    from digest.config import load_config

    work = into / "work"
    shutil.rmtree(work, ignore_errors=True)
    stored, day, started = 0, 0, time.perf_counter()
    if resume:
        shutil.copytree(resume, work)
        meta = json.loads((resume / "year.json").read_text(encoding="utf-8"))
        stored, day = meta["stored"], meta["day"]
        config_path = work / "config.toml"
    else:
        config_path = make_workspace(work)
    config = load_config(config_path, **{"watch.settle_seconds": 0})
    for target in (checkpoint for checkpoint in checkpoints if checkpoint > stored):
        while stored < target:
            count = min(per_day, target - stored)
            write_day(work / "inbox", pool, stored, count, day)
            pipeline.build(config, now=START + timedelta(days=day))
            shutil.rmtree(work / "inbox" / "processed", ignore_errors=True)
            stored, day = stored + count, day + 1
            if day % 10 == 0:
                print(
                    f"day {day}: {stored} articles, {time.perf_counter() - started:.0f} s",
                    file=sys.stderr,
                    flush=True,
                )
        snapshot = into / f"at-{target}"
        shutil.rmtree(snapshot, ignore_errors=True)
        shutil.copytree(work, snapshot)
        meta = {"stored": stored, "day": day, "grown_seconds": time.perf_counter() - started}
        (snapshot / "year.json").write_text(json.dumps(meta), encoding="utf-8")
        print(json.dumps(meta), file=sys.stderr, flush=True)


def timed(command: list[str], env: dict, code: str) -> dict:
    """Wall seconds, CPU seconds (user and system, its own and its workers') and peak RSS (MiB,
    its largest process) of one command as a whole process, by GNU time. On a shared machine
    the CPU time says more than the wall time, which counts the waits for a core."""
    start = time.perf_counter()
    done = subprocess.run(
        ["/usr/bin/time", "-f", "%M %U %S", *command],
        capture_output=True, text=True, check=False, timeout=3600, env=env, cwd=code,
    )  # fmt: skip
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{done.stderr[-3000:]}")
    peak_kib, user, system = done.stderr.strip().splitlines()[-1].split()
    cpu = float(user) + float(system)
    return {"seconds": seconds, "cpu_seconds": cpu, "peak_mib": int(peak_kib) / 1024}


def environment_for(code: str) -> dict:
    """The environment that makes `python -m digest` run the package of checkout `code` (run
    in that folder: `-m` puts the current folder first). Python writes its compiled modules, as
    it does on a user's machine (the untimed first command of `measure_once` writes them)."""
    env = {**os.environ, "PYTHONPATH": code, "TMPDIR": tempfile.gettempdir()}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    if not digest.HUGE_PAGES_GIVEN:  # importing digest set it here: each checkout sets its own
        env.pop("NUMPY_MADVISE_HUGEPAGE", None)
    return env


def downgrade(state: Path, env: dict, code: str) -> None:
    """Let an older checkout open a state that newer migrations changed: its schema number is
    set back to the last that checkout knows (their tables are left, unread by it)."""
    known = subprocess.run(
        [sys.executable, "-c", "from digest.migrations import MIGRATIONS; print(len(MIGRATIONS))"],
        capture_output=True, text=True, check=True, env=env, cwd=code,
    )  # fmt: skip
    with sqlite3.connect(state) as db:
        if db.execute("PRAGMA user_version").fetchone()[0] > int(known.stdout):
            db.execute(f"PRAGMA user_version = {int(known.stdout)}")


def measure_once(snapshot: Path, scratch: Path, pool: list[dict], code: str) -> dict:
    """Every command once, on a fresh copy of `snapshot`."""
    shutil.rmtree(scratch, ignore_errors=True)
    shutil.copytree(snapshot, scratch)
    # Each checkout renders with its own templates (the snapshot names those of the one that
    # grew it).
    templates = Path(code).resolve() / "templates"
    (scratch / "config.toml").write_text(f'[paths]\ntemplates = "{templates}"\n', "utf-8")
    env = environment_for(code)
    state = scratch / "outbox" / ".digest" / "state.sqlite3"
    downgrade(state, env, code)
    digest = [sys.executable, "-m", "digest", "--config", str(scratch / "config.toml")]
    # Untimed: the state upgraded by this code, as its first build would (reading commands only
    # read an upgraded copy, each time), and a warm page cache for every command.
    upgrade = (
        "import pathlib; from digest.store import Store;"
        f" Store.open(pathlib.Path({str(state)!r})).close()"
    )
    subprocess.run([sys.executable, "-c", upgrade], check=True, env=env, cwd=code)
    listed = subprocess.run(
        [*digest, "stories", "--json"], capture_output=True, text=True, check=True, env=env,
        cwd=code,
    )  # fmt: skip
    story = json.loads(listed.stdout)[0]["id"]
    args = {"explain": ["explain", story], "stories": ["stories", "--json"]}
    meta = json.loads((snapshot / "year.json").read_text(encoding="utf-8"))
    row = {}
    for name in COMMANDS:
        if name == "build_300":
            write_day(scratch / "inbox", pool, meta["stored"], DAILY, meta["day"])
            arrived(scratch / "inbox", time.time() - 3600)
            row[name] = timed([*digest, "build"], env, code)
        else:
            row[name] = timed([*digest, *args.get(name, [name])], env, code)
    row["state_mib"] = sum(p.stat().st_size for p in state.parent.glob("state.sqlite3*")) / 2**20
    shutil.rmtree(scratch, ignore_errors=True)
    return row


def measure(
    snapshots: Path,
    pool: list[dict],
    repeat: int,
    codes: list[str],
    out: Path | None,
    only: set[int] | None = None,
) -> list[dict]:
    """Median figures per snapshot and code; the codes run in turn within each repetition."""
    rows = []
    found = sorted(snapshots.glob("at-*"), key=lambda p: int(p.name[3:]))
    if only:
        found = [snapshot for snapshot in found if int(snapshot.name[3:]) in only]
    with tempfile.TemporaryDirectory(prefix="digest-year-") as folder:
        for snapshot in found:
            meta = json.loads((snapshot / "year.json").read_text(encoding="utf-8"))
            runs: dict[str, list[dict]] = {code: [] for code in codes}
            for _ in range(repeat):
                for code in codes:
                    runs[code].append(measure_once(snapshot, Path(folder) / "w", pool, code))
            for code in codes:
                row = {"stored": meta["stored"], "day": meta["day"], "code": code,
                       "load": os.getloadavg()[0]}  # fmt: skip
                for name in COMMANDS:
                    row[name] = {
                        key: round(statistics.median(r[name][key] for r in runs[code]), 3)
                        for key in ("seconds", "cpu_seconds", "peak_mib")
                    }
                row["state_mib"] = round(statistics.median(r["state_mib"] for r in runs[code]), 1)
                rows.append(row)
                print(json.dumps(row), file=sys.stderr, flush=True)
                if out:
                    with out.open("a", encoding="utf-8") as lines:
                        lines.write(json.dumps(row) + "\n")
    return rows


def print_table(rows: list[dict]) -> None:
    codes = list(dict.fromkeys(row["code"] for row in rows))
    print(
        "| stored articles | days | "
        + ("code | " if len(codes) > 1 else "")
        + " | ".join(f"`{n}` s (cpu)" for n in COMMANDS)
        + " | peak MiB (largest) | state MiB |"
    )
    print("|" + "---:|" * (len(COMMANDS) + 4 + (len(codes) > 1)))
    for row in rows:
        cells = [f"{row[n]['seconds']:.2f} ({row[n].get('cpu_seconds', 0):.2f})" for n in COMMANDS]
        peak = max(row[n]["peak_mib"] for n in COMMANDS)
        label = f"{codes.index(row['code'])} | " if len(codes) > 1 else ""
        print(
            f"| {row['stored']:,} | {row['day']} | {label}"
            + " | ".join(cells)
            + f" | {peak:.0f} | {row['state_mib']} |"
        )


def plot(rows: list[dict], image: Path, key: str = "cpu_seconds") -> None:
    """CPU seconds (or `key`) of each command against stored articles (this checkout solid, any
    other dotted), and this checkout's cost relative to its first checkpoint."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot

    codes = list(dict.fromkeys(row["code"] for row in rows))
    figure, (absolute, relative) = pyplot.subplots(1, 2, figsize=(11, 4.4), dpi=100)
    for number, code in enumerate(codes):
        mine = sorted((row for row in rows if row["code"] == code), key=lambda r: r["stored"])
        stored = [row["stored"] for row in mine]
        for colour, name in enumerate(COMMANDS):
            seconds = [row[name][key] for row in mine]
            label = name if number == 0 else f"{name}, before"
            style = dict(color=f"C{colour}", marker="o" if number == 0 else "x",
                         linestyle="-" if number == 0 else ":")  # fmt: skip
            absolute.plot(stored, seconds, label=label, **style)
            if number == 0:
                relative.plot(stored, [s / seconds[0] for s in seconds], label=name, **style)
    absolute.set_yscale("log")
    absolute.set_ylabel(f"whole-process {'CPU ' if key == 'cpu_seconds' else ''}seconds (median)")
    relative.set_ylabel("cost / cost at the first checkpoint")
    relative.axhline(2.0, color="grey", linewidth=0.8, linestyle="--")
    for axes in (absolute, relative):
        axes.set_xlabel("stored articles")
        axes.grid(alpha=0.3)
        axes.legend(fontsize=7, ncol=2)
    figure.suptitle("A year of daily use: what each command costs as the store grows")
    figure.tight_layout()
    figure.savefig(image)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.year",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", required=True)
    growing = commands.add_parser("grow", help="grow a store day by day, with snapshots")
    growing.add_argument("pool", type=Path, help="a clustering-format .jsonl pool of articles")
    growing.add_argument("--into", type=Path, required=True)
    growing.add_argument("--per-day", type=int, default=274, help="274 a day: 100k a year")
    growing.add_argument("--checkpoints", default="10000,50000,100000")
    growing.add_argument("--resume", type=Path, help="a snapshot to go on from")
    measuring = commands.add_parser("measure", help="time every command on each snapshot")
    measuring.add_argument("pool", type=Path)
    measuring.add_argument("--from", dest="snapshots", type=Path, required=True)
    measuring.add_argument("--repeat", type=int, default=3)
    measuring.add_argument("--vs", action="append", default=[], help="another checkout")
    measuring.add_argument("--out", type=Path, default=None, help="append each row's JSON here")
    measuring.add_argument("--only", default="", help="these snapshots (stored articles)")
    plotting = commands.add_parser("plot", help="plot measured rows (matplotlib)")
    plotting.add_argument("rows", type=Path)
    plotting.add_argument("image", type=Path)
    args = parser.parse_args(argv)
    if args.command == "plot":
        lines = args.rows.read_text(encoding="utf-8").splitlines()
        plot([json.loads(line) for line in lines if line.strip()], args.image)
        return 0
    with args.pool.open(encoding="utf-8") as lines:
        size = sum(1 for _ in lines)
    pool = pool_articles(args.pool, size)
    if args.command == "grow":
        checkpoints = sorted(int(n) for n in args.checkpoints.split(","))
        grow(pool, args.per_day, checkpoints, args.into, args.resume)
        return 0
    codes = [HERE, *(str(Path(code).resolve()) for code in args.vs)]
    only = {int(n) for n in args.only.split(",") if n}
    print_table(measure(args.snapshots, pool, args.repeat, codes, args.out, only))
    return 0


if __name__ == "__main__":
    sys.exit(main())
