"""Update briefs (DUC 2007's update task): what is new for a reader who has read the earlier.

    python -m digest.evaluate update DATASET.jsonl [--limit N]

Each topic's articles come in three sets in time order, A, B and C. Two runs, each in fresh
temporary folders:

- **daily**: the product's daily path. A's articles are dropped into an inbox and
  `pipeline.build` writes a digest; then B's, then C's. The brief scored for a set is that of
  the story holding most of the set's new articles.
- **one-shot**: `digest brief`'s path: A alone, then B `--after` A, then C `--after` A and B.

Every brief is scored as `evaluate rouge` scores (ROUGE recall pooled over the references, both
cut to the limit), beside the 24 DUC 2007 systems' summaries scored by the same scorer in the
same run. Also reported: the share of update-brief sentences already shown earlier (the same
text, or a near-duplicate: content-word cosine of at least 0.6), and for the daily path how
many of a set's articles landed in the chosen story.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from digest.config import load_config
from digest.evaluate.dataset import article_problem, positive, read_jsonl, write_article
from digest.evaluate.rouge import score_cluster
from digest.language import stemmer, stop_words
from digest.models import Brief
from digest.sentences import words

SETS = ("A", "B", "C")
NEAR_DUPLICATE = 0.6  # as the product's near-duplicate test of sentences

Topic = dict[str, Any]


@dataclass(frozen=True, slots=True)
class SetResult:
    """One set of one topic as a run briefed it."""

    summary: str
    rouge1: float
    rouge2: float
    sentences: int
    repeated: int  # sentences already shown for an earlier set
    landed: int | None = None  # daily path: the set's articles in the chosen story
    articles: int = 0  # the set's articles


def topic_problem(record: Topic) -> str | None:
    """What keeps a record from being an update topic."""
    for key in ("id", "docs", "refs", "peers", "limit_words"):
        if key not in record:
            return f"no `{key}`"
    for name in SETS:
        docs = record["docs"].get(name)
        if not isinstance(docs, list) or not docs:
            return f"set {name} has no documents"
        for number, doc in enumerate(docs, start=1):
            if problem := article_problem(doc):
                return f"set {name}, document {number}: {problem}"
    return None


def daily_run(topic: Topic, folder: Path) -> dict[str, SetResult]:
    """A, B and C dropped into the inbox in turn, a digest built after each."""
    from digest import pipeline

    limit = topic["limit_words"]
    config = load_config(
        None,
        **{"brief.words": limit, "digest.formats": ["json"], "watch.settle_seconds": 0},
    )
    paths = replace(
        config.paths,
        inbox=folder / "inbox",
        outbox=folder / "outbox",
        state=folder / "state.sqlite3",
    )
    config = replace(config, paths=paths, root=folder)
    shown: list[str] = []
    results = {}
    for name in SETS:
        docs = topic["docs"][name]
        paths.inbox.mkdir(parents=True, exist_ok=True)
        for number, doc in enumerate(docs):
            write_article(doc, paths.inbox / f"{name}-{number:03d}.txt")
        build = pipeline.build(config, now=_after(docs))
        new = set(build.update.stored)
        brief = max(
            build.digest.briefs,
            key=lambda b: sum(a.id in new for a in b.articles),
            default=None,
        )
        landed = sum(a.id in new for a in brief.articles) if brief else 0
        results[name] = _scored(topic, name, brief, shown, landed=landed, articles=len(docs))
        shown += [s.text for b in build.digest.briefs for s in b.sentences]
    return results


def one_shot_run(topic: Topic, folder: Path) -> dict[str, SetResult]:
    """`digest brief A`, `digest brief B --after A`, `digest brief C --after A B`."""
    from digest.oneshot import brief_paths

    limit = topic["limit_words"]
    config = load_config(None, **{"brief.words": limit, "watch.settle_seconds": 0})
    sets: dict[str, Path] = {}
    for name in SETS:
        sets[name] = folder / name
        sets[name].mkdir()
        for number, doc in enumerate(topic["docs"][name]):
            write_article(doc, sets[name] / f"{number:03d}.txt")
    shown: list[str] = []
    results = {}
    for position, name in enumerate(SETS):
        after = [sets[earlier] for earlier in SETS[:position]]
        brief = brief_paths([sets[name]], config, after=after, words=limit)
        results[name] = _scored(topic, name, brief, shown)
        shown += [s.text for s in brief.sentences]
    return results


def _after(docs: Sequence[dict[str, Any]]) -> datetime:
    """A moment a day after the newest of these documents (now, when none is dated)."""
    dates = []
    for doc in docs:
        try:
            dates.append(datetime.fromisoformat(str(doc.get("date"))[:10]).replace(tzinfo=UTC))
        except ValueError:
            continue
    return max(dates) + timedelta(days=1, hours=7) if dates else datetime.now(UTC)


def _scored(
    topic: Topic,
    name: str,
    brief: Brief | None,
    shown: list[str],
    *,
    landed: int | None = None,
    articles: int = 0,
) -> SetResult:
    summary = " ".join(s.text for s in brief.sentences) if brief else ""
    sentences = [s.text for s in brief.sentences] if brief else []
    scores = score_cluster(summary, topic["refs"][name], topic["limit_words"]).scores()
    repeated = sum(already_shown(s, shown) for s in sentences)
    return SetResult(
        summary, scores["rouge1"][0], scores["rouge2"][0], len(sentences), repeated, landed,
        articles,
    )  # fmt: skip


def already_shown(sentence: str, shown: Sequence[str]) -> bool:
    """True when `sentence` is one of `shown`, or a near-duplicate of one."""
    if sentence in shown:
        return True
    mine = _content(sentence)
    if len(mine) < 3:
        return False
    for other in shown:
        theirs = _content(other)
        if theirs and len(mine & theirs) ** 2 >= NEAR_DUPLICATE**2 * len(mine) * len(theirs):
            return True
    return False


def _content(sentence: str) -> set[str]:
    stem, stops = stemmer("en"), stop_words("en")
    return {stem(w.lower()) for w in words(sentence) if w.lower() not in stops and w.isalnum()}


def peer_scores(topic: Topic) -> dict[str, dict[str, float]]:
    """ROUGE-2 recall of each DUC system's summary of each set, by the same scorer."""
    limit = topic["limit_words"]
    scores: dict[str, dict[str, float]] = {}
    for name in SETS:
        for peer, summary in topic["peers"].get(name, {}).items():
            pooled = score_cluster(summary, topic["refs"][name], limit).scores()
            scores.setdefault(peer, {})[name] = pooled["rouge2"][0]
    return scores


def evaluate(topics: Sequence[Topic]) -> dict[str, Any]:
    """Per run, per set: mean ROUGE-1/2 recall, repeats, landing; and the peers' B+C means."""
    runs: dict[str, list[dict[str, SetResult]]] = {"daily": [], "one-shot": []}
    peers: dict[str, list[float]] = {}
    for done, topic in enumerate(topics, start=1):
        for run_name, run in (("daily", daily_run), ("one-shot", one_shot_run)):
            with tempfile.TemporaryDirectory(prefix="digest-update-") as folder:
                runs[run_name].append(run(topic, Path(folder)))
        for peer, by_set in peer_scores(topic).items():
            peers.setdefault(peer, []).append((by_set.get("B", 0.0) + by_set.get("C", 0.0)) / 2)
        print(f"{done}/{len(topics)} topics", file=sys.stderr, flush=True)
    peer_means = {peer: sum(v) / len(v) for peer, v in peers.items() if len(v) == len(topics)}
    return {"runs": runs, "peers": peer_means, "topics": len(topics)}


def rank_of(value: float, others: dict[str, float]) -> int:
    """1 + how many of the others score above `value`."""
    return 1 + sum(other > value for other in others.values())


def format_report(results: dict[str, Any]) -> str:
    """A Markdown table per run, and the rank of each run's B+C ROUGE-2 among the systems."""
    peers = results["peers"]
    lines = [
        "| run | set | ROUGE-1 R | ROUGE-2 R | sentences | already shown | articles in story |",
        "|---|---|---|---|---|---|---|",
    ]
    ranks = []
    for run_name, topics in results["runs"].items():
        for name in SETS:
            found = [t[name] for t in topics]
            r1 = 100 * sum(r.rouge1 for r in found) / len(found)
            r2 = 100 * sum(r.rouge2 for r in found) / len(found)
            count = sum(r.sentences for r in found)
            repeated = sum(r.repeated for r in found)
            share = f"{100 * repeated / count:.0f}% ({repeated}/{count})" if count else "-"
            landed = (
                f"{sum(r.landed or 0 for r in found)}/{sum(r.articles for r in found)}"
                if found[0].landed is not None
                else "-"
            )
            lines.append(
                f"| {run_name} | {name} | {r1:.2f} | {r2:.2f} | {count} | {share} | {landed} |"
            )
        mean = sum((t["B"].rouge2 + t["C"].rouge2) / 2 for t in topics) / len(topics)
        updates = [t[name] for t in topics for name in SETS[1:]]
        repeated, count = sum(r.repeated for r in updates), sum(r.sentences for r in updates)
        ranks.append(
            f"{run_name}: B+C ROUGE-2 recall {100 * mean:.2f}, rank {rank_of(mean, peers)}"
            f" of {len(peers) + 1}; update-brief sentences already shown"
            f" {100 * repeated / max(count, 1):.1f}% ({repeated}/{count})"
        )
    best = sorted(peers.items(), key=lambda item: -item[1])[:3]
    ranks.append(
        "best systems: " + ", ".join(f"peer {peer} {100 * value:.2f}" for peer, value in best)
    )
    return "\n".join(lines) + "\n\n" + "\n".join(ranks)


def main(argv: list[str]) -> int:
    """`update DATASET.jsonl [--limit N]`: score the update briefs of both runs."""
    parser = argparse.ArgumentParser(
        prog="python -m digest.evaluate update",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("dataset", type=Path, help="an update-task .jsonl file")
    parser.add_argument("--limit", type=positive, default=None, help="only the first N topics")
    args = parser.parse_args(argv)
    topics = read_jsonl(args.dataset, topic_problem, args.limit)
    if not topics:
        print(f"{args.dataset}: no topics", file=sys.stderr)
        return 1
    print(f"{args.dataset.name}: {len(topics)} topics, limit {topics[0]['limit_words']} words")
    print(format_report(evaluate(topics)))
    return 0
