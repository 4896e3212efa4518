"""digest's own method: cover the story's recurring concepts, greedily, under the budget.

A concept is a stemmed word bigram holding a content word, or a content word: what several
articles (or several sentences) of a story repeat is its core. Sentences are added one at a time,
each time the one whose still-uncovered concept weight, times its quality, is highest per word;
a concept counts once, so a sentence repeating what the brief says earns nothing (redundancy
control for free). A sentence's quality is a lead prior (news is written most important first),
its centrality (cosine with the whole story) and a penalty for leaning on an earlier sentence.
"""

from __future__ import annotations

import numpy as np
from scipy import sparse

from digest.summarizers.selection import Budget, Selection
from digest.summarizers.story_text import StoryText, dangles, incidence

UNIGRAM_WEIGHT = 0.25  # a content word says less than a bigram, which names a thing precisely
SAID_ONCE = 0.1  # a concept no other sentence repeats still counts, a little, to fill the budget
POSITION_HALF_LIFE = 4.0  # sentences: an article's lead prior (2 at the top) halves every 4
DANGLING = 0.5  # quality kept by a sentence opening on "He said", "But", "This", ...
MIN_COST = 15  # words: a sentence shorter than a typical one is not cheaper than one


def concept_matrix(text: StoryText) -> tuple[sparse.csr_matrix, np.ndarray]:
    """Sentences × concepts (binary), and a mask of the concepts that are single words.

    Concepts are content-word stems, and pairs of adjacent stems (within a sentence) holding at
    least one content word; both are integer keys, so the matrix is built without strings.
    """
    ids, content, owner = text.token_ids, text.token_content, text.token_sentence
    size = len(text.vocabulary)
    pairs = (owner[:-1] == owner[1:]) & (content[:-1] | content[1:])
    keys = np.concatenate([ids[content], size + ids[:-1][pairs] * size + ids[1:][pairs]])
    rows = np.concatenate([owner[content], owner[:-1][pairs]])
    names, columns = np.unique(keys, return_inverse=True)
    return incidence(rows, columns, (len(text), len(names))), names < size


def concept_weights(
    text: StoryText, matrix: sparse.csr_matrix, single_words: np.ndarray
) -> np.ndarray:
    """Weight of each concept: how many articles carry it, plus a little for repeats within one."""
    articles = sparse.csr_matrix(
        (np.ones(len(text)), (text.article_of, np.arange(len(text)))),
        shape=(len(text.articles), len(text)),
    )
    in_articles = np.asarray(((articles @ matrix) > 0).sum(axis=0)).ravel().astype(float)
    in_sentences = np.asarray(matrix.sum(axis=0)).ravel()
    weights = in_articles + 0.5 * np.log1p(in_sentences - in_articles)
    weights[in_sentences < 2] *= SAID_ONCE
    weights[single_words] *= UNIGRAM_WEIGHT
    return weights


def sentence_quality(text: StoryText) -> np.ndarray:
    """Lead prior × centrality × a penalty for dangling openers, per sentence."""
    lead = 1.0 + np.exp2(-text.positions / POSITION_HALF_LIFE)
    vectors = text.content_vectors
    centroid = np.asarray(vectors.sum(axis=0)).ravel()
    centrality = vectors @ centroid
    centrality = 1e-3 + centrality / (centrality.max() or 1.0)
    dangling = np.asarray([dangles(t) for t in text.texts], dtype=bool)
    return lead * centrality * np.where(dangling, DANGLING, 1.0)


class ConceptCoverage:
    """Greedy weighted concept coverage, per word, scaled by each sentence's quality."""

    def __call__(self, text: StoryText, budget: Budget) -> Selection:
        matrix, single_words = concept_matrix(text)
        uncovered = concept_weights(text, matrix, single_words)
        quality = sentence_quality(text) / np.maximum(text.lengths, MIN_COST)
        selection = Selection(text, budget)
        while not selection.full:
            candidates = selection.open()
            if not candidates.any():
                break
            gain = matrix @ uncovered
            score = np.where(candidates, gain * quality, -np.inf)
            best = int(np.argmax(score))
            if gain[best] <= 0:
                break
            selection.add(best, float(score[best]))
            uncovered[matrix[best].indices] = 0.0
        selection.fallback(np.argsort(-quality, kind="stable"))
        return selection

    def __repr__(self) -> str:
        return "ConceptCoverage()"
