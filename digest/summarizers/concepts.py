"""digest's own method: cover the story's recurring concepts, greedily, under the budget.

A concept is a stemmed word bigram holding a content word, or a content word: what several
articles (or several sentences) of a story repeat is its core. Sentences are added one at a time,
each time the one whose still-uncovered concept weight, times its quality, is highest per word;
a concept counts once, so a sentence repeating what the brief says earns nothing (redundancy
control for free). A sentence's quality is a lead prior (news is written most important first),
its centrality (summed cosines with the story's other sentences) and a penalty for leaning on an
earlier sentence. When nothing more fits, the best sentence allowed to end the brief past the
budget (see `Budget`) is added.
"""

from __future__ import annotations

import heapq

import numpy as np

from digest.summarizers.incidence import Incidence
from digest.summarizers.selection import Budget, Selection
from digest.summarizers.story_text import StoryText

UNIGRAM_WEIGHT = 0.25  # a content word says less than a bigram, which names a thing precisely
SAID_ONCE = 0.1  # a concept no other sentence repeats still counts, a little, to fill the budget
POSITION_HALF_LIFE = 4.0  # sentences: an article's lead prior (2 at the top) halves every 4
DANGLING = 0.5  # quality kept by a sentence opening on "He said", "But", "This", ...
MIN_COST = 15  # words: a sentence shorter than a typical one is not cheaper than one
SEEN_WEIGHT = 0.5  # of a concept's weight, when the articles a reader has seen carry it


def concept_matrix(text: StoryText) -> tuple[Incidence, np.ndarray]:
    """Sentences × concepts, and a mask of the concepts that are single words.

    Concepts are the content words (`text.content`, the first columns), then pairs of adjacent
    stems (within a sentence) holding at least one content word; both are integer keys, so the
    matrix is built without strings.
    """
    stems, content, owner = text.token_stems, text.token_content, text.token_sentence
    pairs = (owner[:-1] == owner[1:]) & (content[:-1] | content[1:])
    size = int(stems.max(initial=0)) + 1
    keys = stems[:-1][pairs] * size + stems[1:][pairs]
    bigrams, _ = Incidence.of_keys(owner[:-1][pairs], keys, len(text))
    words = text.content
    single = words.shape[1]
    matrix = Incidence(
        np.concatenate([words.rows, bigrams.rows]),
        np.concatenate([words.columns, single + bigrams.columns]),
        (len(text), single + bigrams.shape[1]),
    )
    return matrix, np.arange(matrix.shape[1]) < single


def concept_weights(text: StoryText, matrix: Incidence, single_words: np.ndarray) -> np.ndarray:
    """Weight of each concept: how many articles carry it, plus a little for repeats within one.

    In an update (part of the story is context the reader has seen), only the new articles
    count, and a concept of the articles seen (the sentences shown among them) weighs
    SEEN_WEIGHT of its weight. A concept shown keeps that half: it is mostly the story's own
    subject (its people, places, the event), and weighing it nothing drew an update towards
    the story's margins. What was shown is kept out by sentence (`StoryText._told_before`),
    not by concept.
    """
    if not text.updating:
        return _carried_weights(text, matrix, single_words)
    fresh = text.fresh[matrix.rows]
    new = Incidence(matrix.rows[fresh], matrix.columns[fresh], matrix.shape)
    weights = _carried_weights(text, new, single_words)
    width = matrix.shape[1]
    seen = np.bincount(matrix.columns[text.read[matrix.rows]], minlength=width) > 0
    weights[seen] *= SEEN_WEIGHT
    return weights


def _carried_weights(text: StoryText, matrix: Incidence, single_words: np.ndarray) -> np.ndarray:
    width = matrix.shape[1]
    in_sentences = np.bincount(matrix.columns, minlength=width)
    # Entries go by column, then sentence; sentences go by article: a new (column, article) pair
    # is an entry whose column or article differs from the entry before it.
    article = text.article_of[matrix.rows]
    new = np.ones(len(article), dtype=bool)
    new[1:] = (article[1:] != article[:-1]) | (matrix.columns[1:] != matrix.columns[:-1])
    in_articles = np.bincount(matrix.columns[new], minlength=width)
    weights = in_articles + 0.5 * np.log1p(in_sentences - in_articles)
    weights[in_sentences < 2] *= SAID_ONCE
    weights[single_words] *= UNIGRAM_WEIGHT
    return weights


def sentence_quality(text: StoryText) -> np.ndarray:
    """Lead prior × centrality × a penalty for dangling openers, per sentence.

    Only sentences that may be chosen are tested for dangling openers (a regex each).
    """
    lead = 1.0 + np.exp2(-text.positions / POSITION_HALF_LIFE)
    centrality = text.centrality()
    centrality = 1e-3 + centrality / (centrality.max(initial=0.0) or 1.0)
    dangling = np.where(text.dangling, DANGLING, 1.0)
    return lead * centrality * dangling


def cover_greedily(
    matrix: Incidence, weights: np.ndarray, quality: np.ndarray, selection: Selection
) -> None:
    """Add the sentence of highest uncovered concept weight × quality while one fits the budget;
    then the best of those too long to fit, if the budget lets one end the brief.

    Lazily (Minoux's accelerated greedy): covering concepts only lowers a sentence's score, so a
    score computed earlier bounds the current one, and only sentences reaching the top of the
    heap are scored again (their uncovered weights summed in column order, as the first scores
    were). The result is the plain greedy's, ties going to the earlier sentence; the work per
    choice is a few sentences', not the whole story's.
    """
    concepts = matrix.by_row()
    uncovered = weights.tolist()

    def score(index: int) -> float:
        gain = 0.0
        for concept in concepts[index]:
            gain += uncovered[concept]
        return gain * quality[index]

    first_scores = (matrix.dot(weights) * quality).tolist()
    heap = [(-value, index) for index, value in enumerate(first_scores) if value > 0]
    heapq.heapify(heap)
    scored_in = [0] * len(first_scores)  # how many sentences were chosen when it was scored
    too_long: list[int] = []
    waiting: dict[int, list[int]] = {}  # dangling openers, by the sentence they lean on
    while heap and not selection.full:
        negative, index = heap[0]
        if not selection.can_take(index):  # for good: the brief only grows
            too_long.append(heapq.heappop(heap)[1])
        elif not selection.stands(index):  # until what it leans on is chosen, if ever
            heapq.heappop(heap)
            leans_on = selection.text.antecedent(index)  # 0 is a sentence too
            waiting.setdefault(-1 if leans_on is None else leans_on, []).append(index)
        elif scored_in[index] < len(selection.chosen):
            scored_in[index] = len(selection.chosen)
            value = score(index)
            if value > 0:
                heapq.heapreplace(heap, (-value, index))
            else:
                heapq.heappop(heap)
        else:
            heapq.heappop(heap)
            selection.add(index, -negative)
            for concept in concepts[index]:
                uncovered[concept] = 0.0
            for before in [b for b in waiting if b >= 0 and selection.said[b]]:
                for other in waiting.pop(before):  # back in the running, scored again
                    scored_in[other] = -1
                    heapq.heappush(heap, (-first_scores[other], other))
    ending = [(-score(i), i) for i in too_long if selection.can_end(i) and selection.stands(i)]
    if ending and min(ending)[0] < 0:
        negative, index = min(ending)
        selection.end_with(index, -negative)


class ConceptCoverage:
    """Greedy weighted concept coverage, per word, scaled by each sentence's quality."""

    def __call__(self, text: StoryText, budget: Budget) -> Selection:
        matrix, single_words = concept_matrix(text)
        weights = concept_weights(text, matrix, single_words)
        quality = sentence_quality(text) / np.maximum(text.lengths, MIN_COST)
        selection = Selection(text, budget)
        cover_greedily(matrix, weights, quality, selection)
        if not selection.chosen:
            selection.fallback(np.argsort(-quality, kind="stable"))
        return selection

    def __repr__(self) -> str:
        return "ConceptCoverage()"
