"""ROUGE of digest's briefs against reference summaries, beside stock sumy and a lead baseline.

    python -m digest.evaluate rouge DATASET.jsonl [--limit N] [--systems digest-filled,...]

Each cluster's documents are written as .txt files into a temporary folder and briefed by
`digest.oneshot.brief_paths`, the code path of `digest brief` (same readers, same summarizer).
Scoring follows DUC practice with the `rouge-score` package: Porter stemming, stop words kept,
summary and references cut to the cluster's word limit, counts pooled over the references
(ROUGE-1.5.5 `-f A`), then averaged over clusters.

Two protocols. *Filled* (DUC's): every system is asked for a summary that reaches the limit and
is cut there; `digest-filled` is our brief whose last whole sentence may cross the limit,
`stock-X-filled` sumy's fewest best sentences that reach it, `lead` the newest document's start.
Each puts the sentence that crosses the limit last, so the cut takes only its end. *Within the
budget*: `digest-within` holds whole sentences within the limit, `stock-X` sumy's most best
sentences that fit. `digest` is the brief as the product makes it (its last sentence may run
past the limit by a tenth, and is then cut).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sumy.parsers.plaintext import PlaintextParser

from digest.config import Config
from digest.errors import DigestError
from digest.evaluate.dataset import article_problem, positive, read_jsonl, write_article
from digest.language import stemmer, stop_words
from digest.sentences import SumyTokenizer, split_paragraphs, split_sentences
from digest.summarizers.selection import Budget
from digest.summarizers.sumy_adapter import SUMY_CLASSES, rank_sentences

STOCK = ("lexrank", "textrank", "lsa")
DEFAULT_SYSTEMS = (
    "digest-filled",
    *(f"stock-{name}-filled" for name in STOCK),
    "lead",
    "digest-within",
    *(f"stock-{name}" for name in STOCK),
    "digest",
)
VARIANTS = ("", "filled", "within")
MEASURES = ("rouge1", "rouge2", "rougeL")

Cluster = dict[str, Any]
System = Callable[[Cluster, Path], str]


# --- scoring -------------------------------------------------------------------------------


def cut(text: str, limit: int) -> str:
    """The first `limit` whitespace-separated words of `text` (ROUGE's `-l`)."""
    return " ".join(text.split()[:limit])


@dataclass
class Pooled:
    """Matched and total n-gram (or LCS) counts of one cluster, pooled over its references."""

    matched: dict[str, float] = field(default_factory=lambda: dict.fromkeys(MEASURES, 0.0))
    reference: dict[str, float] = field(default_factory=lambda: dict.fromkeys(MEASURES, 0.0))
    summary: dict[str, float] = field(default_factory=lambda: dict.fromkeys(MEASURES, 0.0))

    def scores(self) -> dict[str, tuple[float, float, float]]:
        """Recall, precision and F1 of each measure."""
        result = {}
        for measure in MEASURES:
            matched = self.matched[measure]
            recall = matched / self.reference[measure] if self.reference[measure] else 0.0
            precision = matched / self.summary[measure] if self.summary[measure] else 0.0
            f1 = 2 * recall * precision / (recall + precision) if recall + precision else 0.0
            result[measure] = (recall, precision, f1)
        return result


def score_cluster(summary: str, references: Sequence[str], limit: int) -> Pooled:
    """Pooled ROUGE-1, ROUGE-2 and summary-level ROUGE-L counts against the references."""
    from rouge_score import rouge_scorer, tokenizers

    tokenizer = tokenizers.DefaultTokenizer(use_stemmer=True)
    candidate = [tokenizer.tokenize(s) for s in _sentences(cut(summary, limit))]
    flat_candidate = [token for sentence in candidate for token in sentence]
    pooled = Pooled()
    for reference in references:
        target = [tokenizer.tokenize(s) for s in _sentences(cut(reference, limit))]
        flat_target = [token for sentence in target for token in sentence]
        for n, measure in ((1, "rouge1"), (2, "rouge2")):
            ref_grams = rouge_scorer._create_ngrams(flat_target, n)
            sum_grams = rouge_scorer._create_ngrams(flat_candidate, n)
            pooled.matched[measure] += sum((ref_grams & sum_grams).values())
            pooled.reference[measure] += sum(ref_grams.values())
            pooled.summary[measure] += sum(sum_grams.values())
        # ROUGE-1.5.5's ROUGE-L: union LCS of each reference sentence with the summary sentences.
        lcs = rouge_scorer._summary_level_lcs(target, candidate)
        pooled.matched["rougeL"] += round(lcs.recall * len(flat_target))
        pooled.reference["rougeL"] += len(flat_target)
        pooled.summary["rougeL"] += len(flat_candidate)
    return pooled


def _sentences(text: str) -> list[str]:
    return [s for p in split_paragraphs(text) for s in split_sentences(p)]


# --- systems -------------------------------------------------------------------------------


def write_documents(cluster: Cluster, folder: Path) -> list[Path]:
    """The cluster's documents as .txt files with a `Key: value` header, as a user would drop."""
    return [
        write_article(doc, folder / f"doc-{number:03d}.txt")
        for number, doc in enumerate(cluster["docs"])
    ]


def brief_system(method: str, variant: str = "") -> System:
    """Our brief by `method`: as the product makes it, or filled, or within the limit."""

    def run(cluster: Cluster, folder: Path) -> str:
        from digest.oneshot import brief_paths

        limit = cluster["limit_words"]
        budget = {"filled": Budget(limit, overshoot=None), "within": Budget(limit)}.get(variant)
        paths = write_documents(cluster, folder)
        try:
            brief = brief_paths(paths, Config(), words=limit, method=method, budget=budget)
        except DigestError as error:  # no readable document: an empty brief, scored as such
            print(f"{cluster['id']}: {error}", file=sys.stderr)
            return ""
        return " ".join(sentence.text for sentence in brief.sentences)

    return run


def stock_system(name: str, fill: bool = False) -> System:
    """sumy's summarizer with its defaults on the concatenated cluster.

    It outputs as many of its best sentences as fit the word limit (sumy's sentence count chosen
    so), in document order; with `fill`, the fewest that reach the limit, the one that crosses
    it last (to be cut by the scorer).
    """

    def run(cluster: Cluster, folder: Path) -> str:
        text = "\n\n".join(doc["text"] for doc in cluster["docs"])
        document = PlaintextParser.from_string(text, SumyTokenizer("english")).document
        summarizer = SUMY_CLASSES[name](stemmer("en"))
        summarizer.stop_words = stop_words("en")
        ranking = rank_sentences(summarizer, document)
        lengths = [len(str(s).split()) for s in document.sentences]
        count = _sentence_count(ranking, lengths, cluster["limit_words"], fill)
        # sumy's own output for `count` sentences: the best `count`, in document order.
        chosen = sorted(ranking[:count])
        if fill and sum(lengths[i] for i in chosen) > cluster["limit_words"]:
            chosen = [*sorted(ranking[: count - 1]), ranking[count - 1]]
        return " ".join(str(document.sentences[i]) for i in chosen)

    return run


def _sentence_count(ranking: list[int], lengths: list[int], limit: int, fill: bool) -> int:
    """The largest count whose best sentences fit `limit` (at least 1); or, to fill, the
    smallest count that reaches it."""
    used = 0
    for count, index in enumerate(ranking, start=1):
        used += lengths[index]
        if used >= limit and fill:
            return count
        if used > limit:
            return max(count - 1, 1)
    return len(ranking)


def lead_system(cluster: Cluster, folder: Path) -> str:
    """The first sentences of the newest document, up to the word limit (DUC's baseline)."""
    docs = cluster["docs"]
    newest = max(range(len(docs)), key=lambda i: (docs[i].get("date") or "", -i))
    sentences = [s for p in split_paragraphs(docs[newest]["text"]) for s in split_sentences(p)]
    text, limit = [], cluster["limit_words"]
    for sentence in sentences:
        text.append(sentence)
        if len(" ".join(text).split()) >= limit:
            break
    return cut(" ".join(text), limit)


def system_named(name: str) -> System:
    """A system by its command-line name: `lead`, `stock-<sumy name>[-filled]`, or a brief
    method (`digest`, `lexrank`, ...) with `-filled` or `-within` or as the product makes it."""
    from digest.summarize import SUMMARIZERS

    if name == "lead":
        return lead_system
    if name.startswith("stock-"):
        sumy_name, _, variant = name[6:].partition("-")
        if sumy_name in SUMY_CLASSES and sumy_name != "edmundson" and variant in ("", "filled"):
            return stock_system(sumy_name, fill=variant == "filled")
    method, _, variant = name.partition("-")
    if method in SUMMARIZERS and variant in VARIANTS:
        return brief_system(method, variant)
    raise SystemExit(f"unknown system {name!r}")


# --- command -------------------------------------------------------------------------------


def read_clusters(path: Path, limit: int | None) -> list[Cluster]:
    """Clusters of the summarization format (see the data README), the first `limit` of them."""
    return read_jsonl(path, _cluster_problem, limit)


def _cluster_problem(cluster: Cluster) -> str | None:
    limit = cluster.get("limit_words")
    if not isinstance(limit, int) or isinstance(limit, bool) or limit < 1:
        return "`limit_words` must be a whole number above 0"
    refs = cluster.get("refs")
    if not isinstance(refs, list) or not refs or not all(isinstance(r, str) for r in refs):
        return "`refs` must be a list of reference summaries (strings)"
    docs = cluster.get("docs")
    if not isinstance(docs, list) or not all(isinstance(d, dict) for d in docs):
        return "`docs` must be a list of documents (objects)"
    for number, doc in enumerate(docs, start=1):
        if problem := article_problem(doc):
            return f"document {number}: {problem}"
    return None


def evaluate(clusters: Sequence[Cluster], systems: Sequence[str]) -> dict[str, dict]:
    """Mean scores of each system over the clusters, and its seconds spent."""
    runners = {name: system_named(name) for name in systems}
    totals = {name: {m: [0.0, 0.0, 0.0] for m in MEASURES} for name in systems}
    seconds = dict.fromkeys(systems, 0.0)
    for cluster in _progress(clusters):
        for name, run in runners.items():
            with tempfile.TemporaryDirectory(prefix="digest-rouge-") as folder:
                started = time.perf_counter()
                summary = run(cluster, Path(folder))
                seconds[name] += time.perf_counter() - started
            scores = score_cluster(summary, cluster["refs"], cluster["limit_words"]).scores()
            for measure, values in scores.items():
                for k, value in enumerate(values):
                    totals[name][measure][k] += value / len(clusters)
    return {name: {"scores": totals[name], "seconds": seconds[name]} for name in systems}


def _progress(clusters: Sequence[Cluster]) -> Iterator[Cluster]:
    """Yield the clusters, counting them on stderr (in place on a terminal, else every 10%)."""
    total, step = len(clusters), max(len(clusters) // 10, 1)
    terminal = sys.stderr.isatty()
    for done, cluster in enumerate(clusters, start=1):
        yield cluster
        if terminal:
            print(f"\r{done}/{total} clusters", end="", file=sys.stderr, flush=True)
        elif done % step == 0 or done == total:
            print(f"{done}/{total} clusters", file=sys.stderr, flush=True)
    if terminal:
        print(file=sys.stderr)


def format_table(results: dict[str, dict]) -> str:
    """A Markdown table: one row per system, recall/precision/F1 ×100 of each measure."""
    head = ["system"] + [f"R{m[5:].upper()} {k}" for m in MEASURES for k in ("R", "P", "F")]
    lines = ["| " + " | ".join(head) + " | seconds |", "|" + "---|" * (len(head) + 1)]
    for name, result in results.items():
        cells = [f"{100 * v:.2f}" for m in MEASURES for v in result["scores"][m]]
        lines.append(f"| {name} | " + " | ".join(cells) + f" | {result['seconds']:.1f} |")
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    """`rouge DATASET.jsonl [--limit N] [--systems ...]`: print the systems' ROUGE side by side."""
    parser = argparse.ArgumentParser(
        prog="python -m digest.evaluate rouge",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("dataset", type=Path, help="a summarization .jsonl file")
    parser.add_argument("--limit", type=positive, default=None, help="only the first N clusters")
    parser.add_argument(
        "--systems",
        default=",".join(DEFAULT_SYSTEMS),
        help="comma-separated: brief methods (digest, lexrank, ...) alone or with -filled or "
        "-within, stock-lexrank[-filled], stock-textrank[-filled], stock-lsa[-filled], ..., "
        "lead (default: %(default)s)",
    )
    args = parser.parse_args(argv)
    clusters = read_clusters(args.dataset, args.limit)
    if not clusters:
        print(f"{args.dataset}: no clusters", file=sys.stderr)
        return 1
    systems = [s.strip() for s in args.systems.split(",") if s.strip()]
    results = evaluate(clusters, systems)
    print(
        f"{args.dataset.name}: {len(clusters)} clusters, limit {clusters[0]['limit_words']} words"
    )
    print(format_table(results))
    return 0
