"""Choosing sentences under a length budget, never two that say the same thing."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from digest.summarizers.story_text import StoryText

# Cosine of binary content-word vectors above which two sentences report the same thing: reworded
# wire copy scores 0.7-0.9, two different facts about the same event rarely pass 0.5.
NEAR_DUPLICATE = 0.6
MIN_CONTENT_WORDS = 3  # too few words to tell a repeat from a coincidence


@dataclass(frozen=True, slots=True)
class Budget:
    """How long a brief may be: `sentences` when above 0, else `words` (whitespace-separated)."""

    words: int = 120
    sentences: int = 0

    def room(self, words_used: int) -> int:
        """Words still available (unbounded when the budget counts sentences)."""
        return np.iinfo(np.int64).max if self.sentences > 0 else self.words - words_used


class Selection:
    """Sentences chosen so far; blocks near-duplicates of each choice and what no longer fits."""

    def __init__(self, text: StoryText, budget: Budget) -> None:
        self.text = text
        self.budget = budget
        self.chosen: list[int] = []
        self.scores: list[float] = []
        self.words = 0
        self.blocked = ~text.eligible  # a new array: ours to change

    @property
    def full(self) -> bool:
        if self.budget.sentences > 0:
            return len(self.chosen) >= self.budget.sentences
        return self.words >= self.budget.words

    def open(self) -> np.ndarray:
        """A mask of the sentences that may still be added."""
        return ~self.blocked & (self.text.lengths <= self.budget.room(self.words))

    def can_take(self, index: int) -> bool:
        return not self.blocked[index] and self.text.lengths[index] <= self.budget.room(self.words)

    def add(self, index: int, score: float) -> None:
        self.chosen.append(int(index))
        self.scores.append(float(score))
        self.words += int(self.text.lengths[index])
        self.blocked[near_duplicates(self.text, index)] = True
        self.blocked[index] = True

    def fallback(self, ranking: Iterable[int]) -> None:
        """A brief has at least one sentence: take the best one even when it is over budget."""
        if self.chosen:
            return
        for index in ranking:
            if self.text.eligible[index]:
                self.add(index, 0.0)
                return


def near_duplicates(text: StoryText, index: int) -> np.ndarray:
    """Indices of the sentences (any article, eligible or not) that repeat sentence `index`."""
    vectors = text.content_vectors
    if vectors[index].nnz < MIN_CONTENT_WORDS:
        return np.asarray([index], dtype=np.int64)
    similarity = (vectors @ vectors[index].T).toarray().ravel()
    long_enough = np.diff(vectors.indptr) >= MIN_CONTENT_WORDS
    found = np.flatnonzero((similarity >= NEAR_DUPLICATE) & long_enough)
    return np.union1d(found, [index])


def fill_from_ranking(text: StoryText, ranking: Iterable[int], budget: Budget) -> Selection:
    """Walk a best-first ranking, keeping each sentence that fits and repeats nothing chosen."""
    ranking = list(ranking)
    selection = Selection(text, budget)
    for rank, index in enumerate(ranking):
        if selection.full:
            break
        if selection.can_take(index):
            selection.add(index, 1.0 / (1 + rank))
    selection.fallback(ranking)
    return selection
