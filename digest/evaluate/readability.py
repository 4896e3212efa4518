"""How a brief reads: dangling openers and repeated facts, counted on a summarization data set.

    python -m digest.evaluate.readability FILE.jsonl [--limit N]

For the product's brief of every cluster (`summarize` with `words = limit_words`), it counts:

- brief sentences that dangle (open on a pronoun or a connective, or attribute to a pronoun,
  `digest.prose.dangles`) while the sentence before them in their article is not earlier in the
  brief: a reader meets "He said …" without knowing who he is;
- pairs of brief sentences that state the same facts (`digest.summarizers.story_text.
  restates`): the same names and numbers, in other words.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from dataclasses import replace
from pathlib import Path

from digest.config import Config
from digest.evaluate.dataset import read_jsonl
from digest.evaluate.rouge import _cluster_problem, write_documents
from digest.models import Brief, Story
from digest.oneshot import _read_paths
from digest.prose import dangles
from digest.summarize import summarize
from digest.summarizers.story_text import StoryText, restates


def measure(story: Story, brief: Brief, text: StoryText) -> tuple[int, int, int, int]:
    """(sentences, unresolved dangling openers, sentence pairs, pairs restating facts)."""
    index_of = {t: i for i, t in reversed(list(enumerate(text.texts)))}
    shown = [index_of[s.text] for s in brief.sentences if s.text in index_of]
    dangling = 0
    for place, index in enumerate(shown):
        if not dangles(text.texts[index]):
            continue
        before = index - 1
        same_article = before >= 0 and text.article_of[before] == text.article_of[index]
        earlier = {int(j) for i in shown[:place] for j in text.near_duplicates(i)}
        if not (same_article and before in earlier):
            dangling += 1
    pairs = repeats = 0
    for a in range(len(shown)):
        for b in range(a + 1, len(shown)):
            pairs += 1
            repeats += restates(text.texts[shown[a]], text.texts[shown[b]])
    return len(shown), dangling, pairs, repeats


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m digest.evaluate.readability")
    parser.add_argument("dataset", type=Path)
    parser.add_argument("--limit", type=int, default=None)
    args = parser.parse_args(argv)
    config = Config()
    totals = [0, 0, 0, 0]
    for cluster in read_jsonl(args.dataset, _cluster_problem, args.limit):
        with tempfile.TemporaryDirectory() as folder:
            articles, _ = _read_paths(write_documents(cluster, Path(folder)), config)
        if not articles:
            continue
        story = Story(cluster["id"], tuple(articles), None)
        settings = replace(config.brief, words=cluster["limit_words"], sentences=0)
        brief = summarize(story, settings)
        counts = measure(story, brief, StoryText(story, settings.language))
        totals = [t + c for t, c in zip(totals, counts, strict=True)]
    sentences, dangling, pairs, repeats = totals
    share = 100 * dangling / max(sentences, 1)
    print(f"brief sentences: {sentences}")
    print(f"dangling openers without their antecedent: {dangling} ({share:.1f} %)")
    share = 100 * repeats / max(pairs, 1)
    print(f"sentence pairs: {pairs}; restating the same facts: {repeats} ({share:.1f} %)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
