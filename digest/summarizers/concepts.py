"""digest's own method: cover the story's recurring concepts, greedily, under the budget.

A concept is a stemmed word bigram (or a content word) that several articles, or several
sentences, of the story share: what many reports repeat is the core of the story. The brief is
the set of sentences that covers the most concept weight for its length, each concept counted
once, so a second sentence saying the same thing earns nothing (redundancy control for free).
Sentences early in their article get a prior, because news is written lead first.
"""

from __future__ import annotations

import numpy as np
from scipy import sparse

from digest.summarizers.selection import Budget, Selection
from digest.summarizers.story_text import StoryText, binary_matrix

LENGTH_EXPONENT = 0.5  # gain / length**r: between "longest wins" (0) and "densest wins" (1)
POSITION_HALF_LIFE = 4.0  # sentences: how quickly the lead prior fades down an article
POSITION_WEIGHT = 1.0  # the prior of an article's first sentence over a late one
UNIGRAM_WEIGHT = 0.25  # content words count for less than bigrams, which name a thing precisely


def concepts_of(text: StoryText) -> list[list[str]]:
    """Per sentence: its content-word stems and its bigrams holding at least one content word."""
    rows = []
    for terms in text.terms:
        stems, content = terms.stems, terms.content
        row = [s for s, c in zip(stems, content, strict=True) if c]
        row += [
            f"{stems[i]} {stems[i + 1]}"
            for i in range(len(stems) - 1)
            if content[i] or content[i + 1]
        ]
        rows.append(row)
    return rows


def concept_weights(text: StoryText, matrix: sparse.csr_matrix, names: list[str]) -> np.ndarray:
    """Weight of each concept: the articles (or, in a single article, sentences) repeating it."""
    articles = sparse.csr_matrix(
        (np.ones(len(text)), (text.article_of, np.arange(len(text)))),
        shape=(len(text.articles), len(text)),
    )
    in_articles = np.asarray(((articles @ matrix) > 0).sum(axis=0)).ravel().astype(float)
    in_sentences = np.asarray(matrix.sum(axis=0)).ravel()
    # Repetition within one article counts, but less than being carried by another outlet.
    weights = in_articles + 0.5 * np.log1p(in_sentences - in_articles)
    weights[in_sentences < 2] = 0.0  # said once: no sign that it matters to the story
    unigram = np.asarray([" " not in name for name in names])
    weights[unigram] *= UNIGRAM_WEIGHT
    return weights


def position_prior(text: StoryText) -> np.ndarray:
    """1 + POSITION_WEIGHT for an article's first sentence, fading towards 1 down the article."""
    return 1.0 + POSITION_WEIGHT * np.exp2(-text.positions / POSITION_HALF_LIFE)


class ConceptCoverage:
    """Greedy weighted concept coverage with a length penalty and a lead prior."""

    def __call__(self, text: StoryText, budget: Budget) -> Selection:
        rows = concepts_of(text)
        names = sorted({c for row in rows for c in row})
        vocabulary = {name: index for index, name in enumerate(names)}
        matrix = binary_matrix(rows, vocabulary)
        weights = concept_weights(text, matrix, names)
        prior = position_prior(text)
        cost = np.maximum(text.lengths, 1).astype(float) ** LENGTH_EXPONENT
        selection = Selection(text, budget)
        uncovered = weights.copy()
        while not selection.full:
            candidates = selection.open()
            if not candidates.any():
                break
            gain = matrix @ uncovered
            score = np.where(candidates, gain * prior / cost, -np.inf)
            best = int(np.argmax(score))
            if gain[best] <= 0 and selection.chosen:
                break
            selection.add(best, float(score[best]))
            uncovered[matrix[best].indices] = 0.0
        selection.fallback(np.argsort(-(matrix @ weights) * prior, kind="stable"))
        return selection
