"""Choosing sentences under a length budget, never two that say the same thing."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from digest.summarizers.story_text import StoryText


@dataclass(frozen=True, slots=True)
class Budget:
    """How long a brief may be: `sentences` when above 0, else `words` (whitespace-separated).

    Counted in words, the brief is filled with sentences that fit; then one last sentence may
    run past `words` by up to `overshoot` words, when that leaves the brief closer to `words`
    than it was. `overshoot=None` lets the last sentence run past by any length: a brief that
    reaches the budget, for a caller that cuts it (as DUC's scorers cut every summary).
    """

    words: int = 120
    sentences: int = 0
    overshoot: int | None = 0

    def fits(self, length: int, words_used: int) -> bool:
        """True when a sentence of `length` words fits after `words_used` words."""
        return self.sentences > 0 or length <= self.words - words_used

    def may_end(self, length: int, words_used: int) -> bool:
        """True when a sentence of `length` words, too long to fit, may end the brief."""
        room = self.words - words_used
        if self.sentences > 0 or room <= 0:
            return False
        return self.overshoot is None or length - room <= min(self.overshoot, room - 1)


class Selection:
    """Sentences chosen so far; blocks near-duplicates of each choice and what no longer fits."""

    def __init__(self, text: StoryText, budget: Budget) -> None:
        self.text = text
        self.budget = budget
        self.chosen: list[int] = []
        self.scores: list[float] = []
        self.words = 0
        self.blocked = ~text.eligible  # a new array: ours to change
        self.said = np.zeros(len(text), dtype=bool)  # chosen, or repeating a chosen sentence
        self.crossing: int | None = None  # the sentence that ran past the word budget

    @property
    def full(self) -> bool:
        if self.budget.sentences > 0:
            return len(self.chosen) >= self.budget.sentences
        return self.words >= self.budget.words

    def can_take(self, index: int) -> bool:
        """True when sentence `index` is eligible, repeats nothing chosen and fits the budget.

        Once False it stays False: the brief only grows.
        """
        return not self.blocked[index] and self.budget.fits(self.text.lengths[index], self.words)

    def can_end(self, index: int) -> bool:
        """True when sentence `index`, too long to fit, may be the brief's last sentence."""
        length = self.text.lengths[index]
        ends = not self.full and self.budget.may_end(length, self.words)
        return ends and not self.blocked[index]

    def stands(self, index: int) -> bool:
        """True unless sentence `index` opens on a pronoun or a connective ("He said", "But")
        and the sentence it leans on (the one before it in its article) is not in the brief."""
        if not self.text.dangling[index]:
            return True
        before = self.text.antecedent(index)
        return before is not None and bool(self.said[before])

    def add(self, index: int, score: float) -> None:
        repeats = near_duplicates(self.text, index)
        self.chosen.append(int(index))
        self.scores.append(float(score))
        self.words += int(self.text.lengths[index])
        self.blocked[repeats] = True
        self.blocked[index] = True
        self.said[repeats] = True
        self.said[index] = True

    def end_with(self, index: int, score: float) -> None:
        """Add a sentence too long to fit as the brief's last (see `can_end`)."""
        self.add(index, score)
        self.crossing = int(index)

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
    return text.near_duplicates(index)


def fill_from_ranking(text: StoryText, ranking: Iterable[int], budget: Budget) -> Selection:
    """Walk a best-first ranking, keeping each sentence that fits and repeats nothing chosen;
    then the best-ranked sentence that may end the brief, if the budget allows one."""
    ranking = list(ranking)
    selection = Selection(text, budget)
    waiting: list[tuple[int, int]] = []  # dangling openers whose antecedent is not in the brief
    for rank, index in enumerate(ranking):
        if selection.full:
            break
        if not selection.can_take(index):
            continue
        if not selection.stands(index):
            waiting.append((rank, index))
            continue
        selection.add(index, 1.0 / (1 + rank))
        for rank_waiting, other in list(waiting):  # a sentence chosen may be what they lean on
            if selection.stands(other) and selection.can_take(other) and not selection.full:
                waiting.remove((rank_waiting, other))
                selection.add(other, 1.0 / (1 + rank_waiting))
    for rank, index in enumerate(ranking):
        if selection.can_end(index) and selection.stands(index):
            selection.end_with(index, 1.0 / (1 + rank))
            break
    selection.fallback(ranking)
    return selection
