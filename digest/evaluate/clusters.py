"""Story clustering against labelled stories, through the code path of `digest build`.

    python -m digest.evaluate cluster DATASET.jsonl [--limit N] [--threshold T] [--sweep T,T,...]
                                                    [--ceiling] [--errors N]

Each labelled article is written as a .txt file (a `Title:`/`Source:`/`Date:` header, a blank
line, the body) into the inbox of a temporary digest folder, and `digest.pipeline.update` reads,
stores and places them, as a build does. Two runs: as a stream (one update per publication day,
in date order, undated articles last) and all at once (one update). The stories are read back
from the store. Beside them, a plain scikit-learn baseline: TF-IDF and average-link
agglomerative clustering cut at a cosine distance. With --ceiling, a supervised ceiling too: a
linear SVM that is told the gold stories of four fifths of the articles labels the other fifth.

Scores: BCubed precision, recall and F1 (per article: the share of its predicted story that is
in its gold story, and the share of its gold story that is in its predicted story), pairwise F1
(over pairs of articles put together), and the number of predicted and gold stories. An article
the pipeline did not store (too short, an exact copy of another) counts as a story of its own.
With --errors N, where the stream's errors are: the N gold stories split into the most stories,
and the N stories that mix the most gold stories.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock
from pathlib import Path
from typing import Any

from digest.config import Config, load_config
from digest.evaluate.dataset import article_problem, positive, read_jsonl, write_article

Record = dict[str, Any]
BASELINE_DISTANCE = 0.9  # cosine distance at which the baseline stops merging


@dataclass(frozen=True, slots=True)
class Scores:
    bcubed_precision: float
    bcubed_recall: float
    bcubed_f1: float
    pairwise_f1: float
    predicted: int
    gold: int
    seconds: float = 0.0


# --- scoring -------------------------------------------------------------------------------


def score(predicted: Sequence[str], gold: Sequence[str], seconds: float = 0.0) -> Scores:
    """BCubed and pairwise scores of a predicted story per article against the gold one."""
    articles = list(zip(predicted, gold, strict=True))
    together = Counter(articles)
    predicted_sizes, gold_sizes = Counter(predicted), Counter(gold)
    precision = sum(together[p, g] / predicted_sizes[p] for p, g in articles)
    recall = sum(together[p, g] / gold_sizes[g] for p, g in articles)
    precision, recall = precision / len(gold), recall / len(gold)
    pairs_right = sum(_pairs(n) for n in together.values())
    pairs_predicted = sum(_pairs(n) for n in predicted_sizes.values())
    pairs_gold = sum(_pairs(n) for n in gold_sizes.values())
    pairwise = 2 * pairs_right / (pairs_predicted + pairs_gold) if pairs_right else 0.0
    return Scores(
        precision, recall, _f1(precision, recall), pairwise,
        len(predicted_sizes), len(gold_sizes), seconds,
    )  # fmt: skip


def errors(predicted: Sequence[str], gold: Sequence[str], top: int) -> str:
    """Where a run's errors are, as two Markdown tables: the `top` gold stories split into the
    most predicted stories, and the `top` predicted stories that mix the most gold stories
    (each with its articles and the share of them in its largest part)."""
    lines = []
    for name, of, other in (
        ("gold story", gold, predicted),
        ("predicted story", predicted, gold),
    ):
        parts: dict[str, Counter[str]] = defaultdict(Counter)
        for key, part in zip(of, other, strict=True):
            parts[key][part] += 1
        worst = sorted(parts.items(), key=lambda item: (-len(item[1]), -item[1].total(), item[0]))
        lines += [
            f"| {name} | articles | {'stories' if name == 'gold story' else 'gold stories'} "
            "| share in the largest |",
            "|---|---|---|---|",
        ]
        for key, counts in worst[:top]:
            largest = counts.most_common(1)[0][1]
            lines.append(
                f"| {key} | {counts.total()} | {len(counts)} | {largest / counts.total():.2f} |"
            )
        lines.append("")
    return "\n".join(lines).rstrip()


def _pairs(n: int) -> int:
    return n * (n - 1) // 2


def _f1(precision: float, recall: float) -> float:
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


# --- the pipeline, as a stream and all at once ---------------------------------------------


def read_records(path: Path, limit: int | None = None) -> list[Record]:
    """The labelled articles of a clustering .jsonl file."""
    return read_jsonl(path, _record_problem, limit)


def _record_problem(record: Record) -> str | None:
    if not isinstance(record.get("story"), (str, int)) or isinstance(record.get("story"), bool):
        return "no gold story (`story` must be a string or a number)"
    if record.get("date"):
        try:
            date.fromisoformat(str(record["date"]))
        except ValueError:
            return f"`date` is not an ISO date: {record['date']!r}"
    return article_problem(record)


def file_name(index: int) -> str:
    # Named by position only: the name must not reveal the gold story.
    return f"article-{index:05d}.txt"


def batches(records: Sequence[Record]) -> list[tuple[datetime, list[int]]]:
    """Article indexes by publication day, in date order; undated articles in a last batch."""
    by_day: dict[date | None, list[int]] = defaultdict(list)
    for index, record in enumerate(records):
        by_day[date.fromisoformat(record["date"]) if record.get("date") else None].append(index)
    days = sorted(day for day in by_day if day is not None)
    end = days[-1] + timedelta(days=1) if days else date(2000, 1, 1)
    dated = [(_end_of(day), by_day[day]) for day in days]
    return dated + ([(_end_of(end), by_day[None])] if None in by_day else [])


def _end_of(day: date) -> datetime:
    return datetime.combine(day, clock(23, 59), tzinfo=UTC)


def run_pipeline(
    records: Sequence[Record], config: Config, stream: bool, report: Callable[[str], None]
) -> list[str]:
    """The story of each record after feeding the files to `pipeline.update`."""
    from digest.pipeline import update
    from digest.store import Store

    with tempfile.TemporaryDirectory(prefix="digest-clusters-") as folder:
        root = Path(folder)
        paths = replace(
            config.paths, inbox=root / "inbox", outbox=root / "outbox", state=root / "state.db"
        )
        config = replace(config, paths=paths)
        paths.inbox.mkdir()
        every = batches(records) if stream else [(batches(records)[-1][0], range(len(records)))]
        for number, (now, indexes) in enumerate(every, start=1):
            for index in indexes:
                write_article(records[index], paths.inbox / file_name(index))
            update(config, now=now)
            if number % 50 == 0 or number == len(every):
                report(f"{number}/{len(every)} update(s)")
        with Store.open(paths.state) as store:
            story_of = store.assignments()
    # An article the pipeline did not store is a story of its own.
    return [story_of.get(file_name(i), f"unplaced-{i}") for i in range(len(records))]


def run_baseline(records: Sequence[Record], distance: float = BASELINE_DISTANCE) -> list[str]:
    """TF-IDF (English stop words, sublinear tf) and average-link clustering, cosine distance."""
    from sklearn.cluster import AgglomerativeClustering
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.metrics.pairwise import cosine_distances

    vectors = TfidfVectorizer(stop_words="english", sublinear_tf=True).fit_transform(
        _texts(records)
    )
    clustering = AgglomerativeClustering(
        n_clusters=None, metric="precomputed", linkage="average", distance_threshold=distance
    )
    labels = clustering.fit_predict(cosine_distances(vectors))
    return [str(label) for label in labels]


def run_supervised(records: Sequence[Record], folds: int = 5, c: float = 10.0) -> list[str]:
    """A ceiling, not a method: a linear SVM told the gold story of the other folds' articles.

    Each article gets the story that a `LinearSVC` over the baseline's TF-IDF features, trained
    on the articles of the other folds (stratified by gold story, seeded), predicts for it.
    A clustering is told no story at all, so a score above this one is not to be expected.
    """
    import warnings

    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.model_selection import StratifiedKFold
    from sklearn.svm import LinearSVC

    texts = _texts(records)
    gold = [str(r["story"]) for r in records]
    predicted = [""] * len(records)
    with warnings.catch_warnings():  # a story of fewer articles than folds: told, not an error
        warnings.simplefilter("ignore", UserWarning)
        splits = list(StratifiedKFold(folds, shuffle=True, random_state=0).split(texts, gold))
    for train, test in splits:
        vectorizer = TfidfVectorizer(stop_words="english", sublinear_tf=True)
        features = vectorizer.fit_transform([texts[i] for i in train])
        model = LinearSVC(C=c).fit(features, [gold[i] for i in train])
        labels = model.predict(vectorizer.transform([texts[i] for i in test]))
        for index, label in zip(test, labels, strict=True):
            predicted[index] = str(label)
    return predicted


def _texts(records: Sequence[Record]) -> list[str]:
    """What the scikit-learn runs read of each article: its title, then its body."""
    return [f"{r.get('title') or ''}\n\n{r['text']}" for r in records]


# --- the command ---------------------------------------------------------------------------


def evaluate(
    records: Sequence[Record],
    config: Config,
    baseline: bool,
    report: Callable[[str], None],
    ceiling: bool = False,
    predictions: dict[str, list[str]] | None = None,
) -> dict[str, Scores]:
    """Scores of the stream run, the all-at-once run and (optionally) the baseline and the
    supervised ceiling; each run's story per article goes into `predictions` when given."""
    gold = [str(r["story"]) for r in records]
    runs: dict[str, Callable[[], list[str]]] = {
        "stream": lambda: run_pipeline(records, config, True, lambda m: report(f"stream: {m}")),
        "all at once": lambda: run_pipeline(records, config, False, lambda m: report(f"all: {m}")),
    }
    if baseline:
        runs["baseline"] = lambda: run_baseline(records)
    if ceiling:
        runs["supervised ceiling (5-fold SVM)"] = lambda: run_supervised(records)
    results = {}
    for name, run in runs.items():
        report(f"{name}: running")
        started = time.perf_counter()
        predicted = run()
        results[name] = score(predicted, gold, time.perf_counter() - started)
        if predictions is not None:
            predictions[name] = predicted
    return results


def format_table(results: dict[str, Scores]) -> str:
    """The scores as a Markdown table."""
    lines = [
        "| run | BCubed P | BCubed R | BCubed F1 | pairwise F1 | stories (pred/gold) | time |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, s in results.items():
        lines.append(
            f"| {name} | {s.bcubed_precision:.3f} | {s.bcubed_recall:.3f} | {s.bcubed_f1:.3f} "
            f"| {s.pairwise_f1:.3f} | {s.predicted}/{s.gold} | {s.seconds:.0f} s |"
        )
    return "\n".join(lines)


def _report(message: str) -> None:
    print(f"[cluster] {message}", file=sys.stderr, flush=True)


def main(argv: list[str]) -> int:
    """`cluster DATASET.jsonl [options]`: print the scores of digest's stories and a baseline."""
    parser = argparse.ArgumentParser(prog="python -m digest.evaluate cluster", description=__doc__)
    parser.add_argument("dataset", type=Path, help="a clustering .jsonl file")
    parser.add_argument("--limit", type=positive, default=None, help="only the first N articles")
    parser.add_argument("--config", type=Path, default=None, help="a config.toml to start from")
    parser.add_argument("--threshold", type=float, default=None, help="stories.threshold")
    parser.add_argument("--window-days", type=int, default=None, help="stories.window_days")
    parser.add_argument(
        "--sweep", default=None, help="comma-separated thresholds: stream F1 of each, no baseline"
    )
    parser.add_argument("--no-baseline", action="store_true", help="skip the baseline")
    parser.add_argument(
        "--ceiling",
        action="store_true",
        help="also a supervised ceiling: a linear SVM trained on the gold stories of 4/5 of the "
        "articles labels the other fifth (five folds)",
    )
    parser.add_argument(
        "--errors",
        type=positive,
        default=None,
        metavar="N",
        help="also where the stream's errors are: the N gold stories split into the most "
        "stories, and the N stories mixing the most gold stories",
    )
    args = parser.parse_args(argv)
    records = read_records(args.dataset, args.limit)
    if not records:
        print(f"{args.dataset}: no articles", file=sys.stderr)
        return 1
    config = load_config(
        args.config,
        **{
            "stories.threshold": args.threshold,
            "stories.window_days": args.window_days,
            "watch.settle_seconds": 0,  # each update's files are written whole before it reads
        },
    )
    if args.sweep:
        return sweep(records, config, [float(t) for t in args.sweep.split(",")])
    settings = config.stories
    print(
        f"{args.dataset.name}: {len(records)} articles; threshold {settings.threshold}, "
        f"window {settings.window_days} days"
    )
    predictions: dict[str, list[str]] = {}
    results = evaluate(records, config, not args.no_baseline, _report, args.ceiling, predictions)
    print(format_table(results))
    if args.errors:
        print()
        print(errors(predictions["stream"], [str(r["story"]) for r in records], args.errors))
    return 0


def sweep(records: Sequence[Record], config: Config, thresholds: list[float]) -> int:
    """Stream and all-at-once BCubed F1 at each threshold."""
    gold = [str(r["story"]) for r in records]
    print("| threshold | stream F1 (P/R) | all at once F1 | stories stream/all/gold |")
    print("|---|---|---|---|")
    for threshold in thresholds:
        tried = replace(config, stories=replace(config.stories, threshold=threshold))
        report = lambda m, t=threshold: _report(f"threshold {t}: {m}")  # noqa: E731
        stream = score(run_pipeline(records, tried, True, report), gold)
        at_once = score(run_pipeline(records, tried, False, report), gold)
        print(
            f"| {threshold:.2f} | {stream.bcubed_f1:.3f} ({stream.bcubed_precision:.3f}/"
            f"{stream.bcubed_recall:.3f}) | {at_once.bcubed_f1:.3f} | "
            f"{stream.predicted}/{at_once.predicted}/{stream.gold} |",
            flush=True,
        )
    return 0
